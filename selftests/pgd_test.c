// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PGD against what the kernel promises of a PGD: pgd_ctor()
 * copies its kernel half from the kernel's own, so two processes' PGDs
 * (at two addresses) hold the same entries there; a user entry is the one
 * MMSCOPE_IOC_WALK starts from, and points at the table the walk reads
 * next; a user entry comes with the first page mapped under it and goes
 * with the munmap() that empties its span; the paging levels are those of
 * /proc/cpuinfo and TASK_SIZE. Kernel threads and exited targets.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define ENTRY_ADDR_MASK 0x000ffffffffff000ULL	/* bits 12-51: the next table */
#define PGD_MAX 512

/* A page of its own, written: the child's user half has an entry for it. */
static uint64_t touch_page(void *arg)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	p[0] = 1;
	return (uintptr_t)p;
}

struct pgd_read {
	struct mmscope_pgd p;
	struct mmscope_mm_info mm;
	uint64_t e[PGD_MAX];
	uint32_t n;
};

/* The whole PGD of @pid, and its mm_info; 0 or -errno. */
static int read_pgd(int fd, struct pgd_read *r)
{
	int ret = mms_mm_info(fd, &r->mm, NULL, NULL);

	r->n = PGD_MAX;
	return ret ?: mms_pgd(fd, 0, r->e, &r->n, &r->p);
}

static unsigned int pgdir_shift(const struct mmscope_pgd *p)
{
	return p->levels == 5 ? 48 : 39;
}

/*
 * Two forked children: their PGDs differ, their kernel clone ranges are
 * entry for entry the same (and the same as ours), and each one's user
 * entry for its page is the walk's first level.
 */
TEST(two_processes)
{
	static struct pgd_read r[2], self_r;
	uint64_t addr[2], ts;
	unsigned int shift, i, k, present = 0, equal = 0;
	struct mmscope_walk w;
	pid_t pid[2];
	int fd[2], self_fd;

	for (k = 0; k < 2; k++) {
		pid[k] = start_child(touch_page, NULL, &addr[k]);
		ASSERT_GT(pid[k], 0);
		ASSERT_NE(0, addr[k]);
		fd[k] = open_target(pid[k]);
		ASSERT_GE(fd[k], 0);
		ASSERT_EQ(0, read_pgd(fd[k], &r[k]));
		ASSERT_EQ(PGD_MAX, r[k].n);
		ASSERT_EQ(PGD_MAX, r[k].p.ptrs_per_pgd);
	}
	self_fd = open_target(getpid());
	ASSERT_GE(self_fd, 0);
	ASSERT_EQ(0, read_pgd(self_fd, &self_r));

	/* Two PGDs, each where mm_info says it is. */
	EXPECT_NE(r[0].p.pgd_phys, r[1].p.pgd_phys);
	EXPECT_EQ(r[0].mm.pgd_phys, r[0].p.pgd_phys);
	EXPECT_EQ(r[1].mm.pgd_phys, r[1].p.pgd_phys);

	/* The paging mode: /proc/cpuinfo's la57 (cleared by no5lvl), and TASK_SIZE. */
	ts = r[0].mm.task_size;
	EXPECT_EQ(cpuinfo_flag("la57") ? 5 : 4, r[0].p.levels);
	EXPECT_EQ(r[0].p.levels, r[1].p.levels);
	EXPECT_EQ(r[0].p.levels == 5 ? (1ULL << 56) - PAGE : (1ULL << 47) - PAGE, ts);
	shift = pgdir_shift(&r[0].p);

	/* The halves: user_end is the first index past TASK_SIZE. */
	EXPECT_EQ(((ts - 1) >> shift) + 1, r[0].p.user_end);
	EXPECT_EQ(256, r[0].p.user_end);
	EXPECT_LE(r[0].p.user_end, r[0].p.kernel_clone_first);
	EXPECT_GT(PGD_MAX, r[0].p.kernel_clone_first);
	EXPECT_EQ(r[0].p.kernel_clone_first, r[1].p.kernel_clone_first);

	/* pgd_ctor()'s range: the same in both children, and in us. */
	for (i = r[0].p.kernel_clone_first; i < PGD_MAX; i++) {
		EXPECT_EQ(r[0].e[i], r[1].e[i]) TH_LOG("kernel entry %u", i);
		EXPECT_EQ(r[0].e[i], self_r.e[i]) TH_LOG("kernel entry %u, ours", i);
		equal += r[0].e[i] == r[1].e[i];
		present += r[0].e[i] & 1;
	}
	EXPECT_EQ(PGD_MAX - r[0].p.kernel_clone_first, equal);
	EXPECT_LT(0, present);

	/* Each child's user entry for its page: the walk's level 0, its next table. */
	for (k = 0; k < 2; k++) {
		uint64_t idx = addr[k] >> shift, e = r[k].e[idx];

		ASSERT_LT(idx, r[k].p.user_end);
		EXPECT_EQ(1, e & 1) TH_LOG("child %u: entry %llu not present", k,
					   (unsigned long long)idx);
		ASSERT_EQ(0, mms_walk(fd[k], addr[k], &w));
		ASSERT_LE(2, w.nr_levels);
		EXPECT_EQ(MMSCOPE_LEVEL_PGD, w.levels[0].level);
		EXPECT_EQ(idx, w.levels[0].index);
		EXPECT_EQ(r[k].p.pgd_phys, w.levels[0].table_phys);
		EXPECT_EQ(e, w.levels[0].entry);
		EXPECT_EQ(e & ENTRY_ADDR_MASK, w.levels[1].table_phys);
		EXPECT_EQ(r[k].p.levels, w.paging_levels);
		/* Its own table below, not the other child's. */
		EXPECT_NE(e & ENTRY_ADDR_MASK, r[1 - k].e[addr[1 - k] >> shift] & ENTRY_ADDR_MASK);
	}

	close(self_fd);
	for (k = 0; k < 2; k++) {
		close(fd[k]);
		stop_child(pid[k]);
	}
}

/*
 * A user entry of a span nothing else maps: empty after mmap() (a VMA
 * only), present after the first write, empty again after munmap()
 * (free_pgtables() frees the table below it).
 */
/* Whether a VMA of this process (/proc/self/maps) lies in [start, end). */
static bool span_in_use(uint64_t start, uint64_t end)
{
	static struct proc_vma vmas[4096];
	int n = proc_maps(0, vmas, 4096), i;

	for (i = 0; i < n; i++)
		if (vmas[i].start < end && vmas[i].end > start)
			return true;
	return n < 0;
}

TEST(user_entry_comes_and_goes)
{
	static struct pgd_read r;
	unsigned int idx;
	uint64_t addr;
	char *p;
	int fd;

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, read_pgd(fd, &r));
	/* A quarter of the way up: far from the text, the heap and the mmap area. */
	idx = r.p.user_end / 2;
	addr = (uint64_t)idx << pgdir_shift(&r.p);
	if (r.e[idx] || span_in_use(addr, addr + (1ULL << pgdir_shift(&r.p))))
		SKIP(return, "entry %u (%#llx) is in use", idx, (unsigned long long)addr);

	p = mmap((void *)(uintptr_t)addr, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED && errno == EEXIST)
		SKIP(return, "a VMA came into entry %u", idx);
	ASSERT_EQ((void *)(uintptr_t)addr, p);
	ASSERT_EQ(0, read_pgd(fd, &r));
	EXPECT_EQ(0, r.e[idx]) TH_LOG("mmap() alone filled entry %u", idx);

	p[0] = 1;
	ASSERT_EQ(0, read_pgd(fd, &r));
	EXPECT_EQ(1, r.e[idx] & 1) TH_LOG("entry %u: %#llx", idx, (unsigned long long)r.e[idx]);

	ASSERT_EQ(0, munmap(p, PAGE));
	ASSERT_EQ(0, read_pgd(fd, &r));
	EXPECT_EQ(0, r.e[idx]) TH_LOG("entry %u left after munmap(): %#llx", idx,
				      (unsigned long long)r.e[idx]);
	close(fd);
}

/* A kernel thread has no PGD of its own; a target that exited is gone. */
TEST(kernel_thread_and_exited)
{
	struct mmscope_pgd p;
	uint64_t e[4], addr;
	uint32_t n = 4;
	pid_t pid;
	int fd;

	fd = open_target(2);	/* kthreadd */
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, mms_pgd(fd, 0, e, &n, &p));
	EXPECT_EQ(0, n);
	close(fd);

	pid = start_child(touch_page, NULL, &addr);
	ASSERT_GT(pid, 0);
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	stop_child(pid);
	n = 4;
	EXPECT_EQ(-ESRCH, mms_pgd(fd, 0, e, &n, &p));
	close(fd);
}

TEST_HARNESS_MAIN
