// SPDX-License-Identifier: GPL-2.0
/*
 * The copy-on-write verdict, proven by experiment: for each verdict, do
 * the write and compare the PFN before and after (reuse and writable keep
 * it, copy and zero change it), or die by SIGSEGV (readonly).
 *
 * The tests pin themselves to one CPU: whether do_wp_page() reuses a page
 * depends on references held by per-CPU LRU batches, which the fault
 * drains on its own CPU only. On one CPU the kernel's decision is
 * deterministic, so a wrong prediction is a real bug.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define MB (1UL << 20)

struct seen {
	uint32_t cow;
	uint64_t pfn;
	bool rw;
};

static struct seen look(int fd, const void *addr)
{
	struct seen s = { .cow = ~0U };
	struct mmscope_walk w;

	if (!mms_walk(fd, (uintptr_t)addr, &w)) {
		s.cow = w.page.cow;
		s.pfn = w.page.pfn;
		s.rw = w.page.pte_flags & MMSCOPE_PTE_RW;
	}
	return s;
}

/*
 * The experiment behind a verdict: @p is @verdict with a read-only PTE; a
 * write of @value leaves it writable, on a new frame if the verdict said
 * the kernel copies (@copies), on the same frame if not.
 */
static void write_proves(struct __test_metadata *_metadata, int fd, char *p, char value,
			 uint32_t verdict, bool copies)
{
	struct seen before, after;

	before = look(fd, p);
	EXPECT_EQ(verdict, before.cow);
	EXPECT_FALSE(before.rw);
	*(volatile char *)p = value;
	after = look(fd, p);
	if (copies) {
		EXPECT_NE(before.pfn, after.pfn);
	} else {
		EXPECT_EQ(before.pfn, after.pfn);
	}
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, after.cow);
	EXPECT_TRUE(after.rw);
}

static char *anon_pages(size_t n)
{
	char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		madvise(p, n * PAGE, MADV_NOHUGEPAGE);
	return p == MAP_FAILED ? NULL : p;
}

FIXTURE(cow) {
	int fd;
	struct ksm_knobs ksm;
};

FIXTURE_SETUP(cow)
{
	pin_to_cpu(0);
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(cow)
{
	ksm_knobs_restore(&self->ksm);
	close(self->fd);
}

/* A read fault maps the zero page; the write gives a page of our own. */
TEST_F(cow, zero_page_then_writable)
{
	char *p = anon_pages(1);

	ASSERT_NE(NULL, p);
	(void)*(volatile char *)p;
	write_proves(_metadata, self->fd, p, 1, MMSCOPE_COW_ZERO, true);
	munmap(p, PAGE);
}

/* The child's side of a fork experiment, over two pipes. */
struct child_io {
	int to_child[2], to_parent[2];
};

static void child_report(struct child_io *io, const void *addr)
{
	int fd = open_target(getpid());
	struct seen s = look(fd, addr);

	close(fd);
	if (write(io->to_parent[1], &s, sizeof(s)) != sizeof(s))
		_exit(2);
}

static void child_wait(struct child_io *io)
{
	char c;

	if (read(io->to_child[0], &c, 1) != 1)
		_exit(0);
}

static struct seen parent_ask(struct child_io *io)
{
	struct seen s = { .cow = ~0U };

	if (write(io->to_child[1], "g", 1) != 1 ||
	    read(io->to_parent[0], &s, sizeof(s)) != sizeof(s))
		s.cow = ~0U;
	return s;
}

/*
 * A fork whose child reports what mmscope says of @addr, in its own mm, at
 * each parent_ask(): before its write of @value, then after it. Its exit
 * code says whether it still reads its own write.
 */
static pid_t fork_reporter(struct child_io *io, char *addr, char value)
{
	pid_t pid;

	if (pipe(io->to_child) || pipe(io->to_parent))
		return -1;
	pid = fork();
	if (!pid) {
		child_wait(io);
		child_report(io, addr);
		child_wait(io);
		*(volatile char *)addr = value;
		child_report(io, addr);
		child_wait(io);
		_exit(*addr == value ? 0 : 1);
	}
	return pid;
}

/*
 * fork: both sides see "copy" on the same PFN with read-only PTEs. The
 * child writes and gets a new page; the parent's page is then its alone,
 * "reuse", and its write keeps the PFN.
 */
TEST_F(cow, fork_copy_then_reuse)
{
	struct seen mine, child, again;
	struct child_io io;
	int status;
	pid_t pid;
	char *p = anon_pages(64);

	ASSERT_NE(NULL, p);
	memset(p, 1, 64 * PAGE);
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, look(self->fd, p).cow);
	pid = fork_reporter(&io, p, 2);
	ASSERT_GE(pid, 0);

	child = parent_ask(&io);
	mine = look(self->fd, p);
	EXPECT_EQ(MMSCOPE_COW_COPY, child.cow);
	EXPECT_EQ(MMSCOPE_COW_COPY, mine.cow);
	EXPECT_EQ(mine.pfn, child.pfn);
	EXPECT_FALSE(mine.rw);
	EXPECT_FALSE(child.rw);

	again = parent_ask(&io);
	EXPECT_NE(child.pfn, again.pfn);	/* the child's copy */
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, again.cow);
	EXPECT_EQ(1, p[0]);			/* and not our data */

	write_proves(_metadata, self->fd, p, 3, MMSCOPE_COW_REUSE, false);

	ASSERT_EQ(1, write(io.to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, 64 * PAGE);
}

/* The parent writes first: a copy for it, and the child's page is left. */
TEST_F(cow, fork_parent_writes_first)
{
	char *p = anon_pages(64);
	int wake[2];
	pid_t pid;

	ASSERT_NE(NULL, p);
	memset(p, 1, 64 * PAGE);
	pid = fork_waiting(wake);
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(p[0] == 1 ? 0 : 1);	/* the parent's write is not ours */
	write_proves(_metadata, self->fd, p, 2, MMSCOPE_COW_COPY, true);
	ASSERT_EQ(0, wake_child(wake));
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(p, 64 * PAGE);
}

/* MAP_SHARED never copies, even when a write must fault (soft-dirty). */
TEST_F(cow, shared_never_copies)
{
	char *p;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, look(self->fd, p).cow);
	/* clear_refs 4 write-protects every PTE to track soft-dirty. */
	ASSERT_EQ(0, write_file("/proc/self/clear_refs", "4"));
	write_proves(_metadata, self->fd, p, 2, MMSCOPE_COW_SHARED, false);
	munmap(p, PAGE);
}

/* A private file mapping: "copy" on the page cache, an anon page after. */
TEST_F(cow, private_file_mapping)
{
	static const char data[PAGE] = "mmscope";
	struct mmscope_walk w;
	char path[] = "/tmp/mmscope-cow-XXXXXX";
	char *p;
	int fd;

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(PAGE, write(fd, data, PAGE));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ('m', *(volatile char *)p);
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	EXPECT_FALSE(w.page.page_flags & MMSCOPE_PG_ANON);
	EXPECT_TRUE(w.page.flags & MMSCOPE_PAGE_FILE);
	write_proves(_metadata, self->fd, p, 'M', MMSCOPE_COW_COPY, true);
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_ANON);
	munmap(p, PAGE);
	close(fd);
	unlink(path);
}

/* A THP: writable, then "copy" for both sides of a fork, proven per side. */
TEST_F(cow, thp_before_and_after_fork)
{
	struct seen mine, child, again;
	struct child_io io;
	char *raw, *p;
	pid_t pid;

	p = thp_region(2 * MB, &raw);
	if (!p)
		SKIP(return, "%s", thp_in_kernel() ? "no THP given" : THP_MISSING);
	mine = look(self->fd, p + PAGE);
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, mine.cow);

	pid = fork_reporter(&io, p + PAGE, 2);
	ASSERT_GE(pid, 0);
	child = parent_ask(&io);
	mine = look(self->fd, p + PAGE);
	EXPECT_EQ(MMSCOPE_COW_COPY, child.cow);
	EXPECT_EQ(MMSCOPE_COW_COPY, mine.cow);
	EXPECT_EQ(mine.pfn, child.pfn);

	again = parent_ask(&io);
	EXPECT_NE(child.pfn, again.pfn);	/* the child copied its 4K */

	/* The THP is still the child's too: our write copies as well. */
	write_proves(_metadata, self->fd, p + PAGE, 3, MMSCOPE_COW_COPY, true);

	ASSERT_EQ(1, write(io.to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	munmap(raw, 4 * MB);
}

/* readonly: a write must die by SIGSEGV, as the verdict says. */
TEST_F(cow, readonly_dies_by_sigsegv)
{
	int status;
	pid_t pid;
	char *p;

	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)*(volatile char *)p;
	EXPECT_EQ(MMSCOPE_COW_READONLY, look(self->fd, p).cow);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		*(volatile char *)p = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	munmap(p, PAGE);
}

/* Nothing mapped yet: "none", and the write then populates. */
TEST_F(cow, not_present_is_none)
{
	char *p = anon_pages(1);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(MMSCOPE_COW_NONE, look(self->fd, p).cow);
	p[0] = 1;
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, look(self->fd, p).cow);
	munmap(p, PAGE);
}

/* KSM: identical MADV_MERGEABLE pages share one page, and a write copies. */
TEST_F_TIMEOUT(cow, ksm_merged_pages_copy, 180)
{
	struct mmscope_walk a, b;
	struct seen after;
	char run[8] = "";
	int i;
	char *p;

	if (read_file("/sys/kernel/mm/ksm/run", run, sizeof(run)) < 0)
		SKIP(return, "no KSM in this kernel");
	p = anon_pages(2);
	ASSERT_NE(NULL, p);
	memset(p, 0x5a, 2 * PAGE);
	ASSERT_EQ(0, madvise(p, 2 * PAGE, MADV_MERGEABLE));
	ASSERT_EQ(0, ksm_scan_fast(&self->ksm));
	for (i = 0; i < 600; i++) {
		ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &a));
		ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p + PAGE, &b));
		if ((a.page.page_flags & MMSCOPE_PG_KSM) && a.page.pfn == b.page.pfn)
			break;
		usleep(100 * 1000);
	}
	write_file("/sys/kernel/mm/ksm/run", "0");
	ASSERT_TRUE(a.page.page_flags & MMSCOPE_PG_KSM);
	EXPECT_TRUE(b.page.page_flags & MMSCOPE_PG_KSM);
	EXPECT_EQ(a.page.pfn, b.page.pfn);
	EXPECT_TRUE(kpageflags(a.page.pfn) & (1ULL << KPF_KSM));
	EXPECT_EQ(MMSCOPE_COW_COPY, a.page.cow);
	EXPECT_FALSE(a.page.page_flags & MMSCOPE_PG_ANON_EXCLUSIVE);
	p[0] = 1;
	after = look(self->fd, p);
	EXPECT_NE(a.page.pfn, after.pfn);
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, after.cow);
	EXPECT_EQ(b.page.pfn, look(self->fd, p + PAGE).pfn);	/* the other stays */
	munmap(p, 2 * PAGE);
}

/* hugetlb after fork: "copy" while shared, "reuse" once the child copied. */
TEST_F(cow, hugetlb_fork)
{
	struct seen mine;
	int status, wake[2];
	pid_t pid;
	char *p;

	p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no 2M hugetlb page reserved");
	p[0] = 1;
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, look(self->fd, p).cow);
	pid = fork_waiting(wake);
	ASSERT_GE(pid, 0);
	if (!pid) {
		p[0] = 2;	/* a copy: a second hugetlb page */
		_exit(0);
	}
	/* Shared with the child: a write would copy. */
	mine = look(self->fd, p);
	EXPECT_EQ(MMSCOPE_COW_COPY, mine.cow);
	EXPECT_FALSE(mine.rw);
	ASSERT_EQ(0, wake_child(wake));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	/* The child copied and left: the page is ours alone. */
	write_proves(_metadata, self->fd, p, 3, MMSCOPE_COW_REUSE, false);
	munmap(p, 2 * MB);
}

TEST_HARNESS_MAIN
