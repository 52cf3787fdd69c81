// SPDX-License-Identifier: GPL-2.0
/*
 * The fault lab: map /dev/mmscope, make the kernel call our vm_operations,
 * and check that the counters and the fault log say exactly what happened,
 * against the kernel's own view: /proc/self/maps, smaps, pagemap,
 * kpageflags, SIGBUS, and what the other mapping reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define NPAGES 64
#define PARAMS "/sys/module/mmscope/parameters/"

static unsigned long long read_number(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 0);
}

/* The newest event's number: where a test starts reading the log. */
static uint64_t log_head(int fd)
{
	struct mmscope_faultlab_event ev[64];
	uint64_t since = 0, last;
	uint32_t n;

	do {
		n = 64;
		if (mms_faultlab_log(fd, 0, since, ev, &n, &last, NULL))
			return 0;
		since = last;
	} while (n);
	return since;
}

/* This lab's events after @since that came from @handler (0: any). */
static int lab_events(int fd, uint64_t since, uint32_t handler,
		      struct mmscope_faultlab_event *out, int max)
{
	struct mmscope_faultlab_event ev[64];
	uint64_t last;
	uint32_t n, i;
	int got = 0;

	do {
		n = 64;
		if (mms_faultlab_log(fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, since,
					 ev, &n, &last, NULL))
			return -1;
		for (i = 0; i < n; i++)
			if ((!handler || ev[i].handler == handler) && got < max)
				out[got++] = ev[i];
		since = last;
	} while (n);
	return got;
}

static struct mmscope_faultlab_counters counters(int fd)
{
	struct mmscope_faultlab_stats st;

	if (mms_faultlab_stats(fd, &st))
		memset(&st, 0xff, sizeof(st));
	return st.lab;
}

static uint64_t pfn_of(const volatile void *addr)
{
	uint64_t pm = 0;

	pagemap_read(0, (uintptr_t)addr, 1, &pm);
	return pm & PM_PRESENT ? pm & PM_PFN_MASK : 0;
}

/* The page a present PTE maps, as mmscope's own walk reads it. */
static uint64_t walked_pfn(const volatile void *addr)
{
	struct mmscope_walk w;
	uint64_t pfn = 0;
	int fd;

	fd = open_target(getpid());
	if (fd < 0)
		return 0;
	if (!mms_walk(fd, (uintptr_t)addr, &w) &&
	    w.page.state == MMSCOPE_ENTRY_PRESENT)
		pfn = w.page.pfn;
	close(fd);
	return pfn;
}

FIXTURE(lab) {
	int fd;
	uint64_t id;
	bool device;
	bool fault_around;
	bool pfnmap;
};

/*
 * The PFN mapped at @addr, from pagemap, which cannot see VM_PFNMAP:
 * walk_page_range() passes over such a VMA as a hole. There mmscope's
 * walk is the only view, and walk_and_flags checks pagemap's blindness.
 */
#define MAPPED_PFN(addr) (self->pfnmap ? walked_pfn(addr) : pfn_of(addr))

FIXTURE_VARIANT(lab) {
	uint32_t mode;
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(lab, page) {
	.mode = MMSCOPE_FAULTLAB_PAGE,
	.flags = MMSCOPE_FAULTLAB_NO_FAULT_AROUND,
};

FIXTURE_VARIANT_ADD(lab, page_fault_around) {
	.mode = MMSCOPE_FAULTLAB_PAGE,
};

FIXTURE_VARIANT_ADD(lab, pattern) {
	.mode = MMSCOPE_FAULTLAB_PATTERN,
};

FIXTURE_VARIANT_ADD(lab, pfn) {
	.mode = MMSCOPE_FAULTLAB_PFN,
};

FIXTURE_VARIANT_ADD(lab, mixed) {
	.mode = MMSCOPE_FAULTLAB_MIXED,
};

FIXTURE_SETUP(lab)
{
	self->fd = mms_faultlab_open(variant->mode, NPAGES * PAGE,
					 variant->flags, &self->id);
	ASSERT_GE(self->fd, 0) TH_LOG("setup: %s", strerror(-self->fd));
	ASSERT_NE(0, self->id);
	self->device = variant->mode == MMSCOPE_FAULTLAB_PFN ||
		       variant->mode == MMSCOPE_FAULTLAB_MIXED;
	self->pfnmap = variant->mode == MMSCOPE_FAULTLAB_PFN;
	self->fault_around = !self->device &&
			     !(variant->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND);
}

FIXTURE_TEARDOWN(lab)
{
	close(self->fd);
}

static char *map_lab(int fd, size_t pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PAGE, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Touch n distinct pages: each faults once; with fault-around, pages the
 * cache already holds are mapped by ->map_pages instead.
 */
TEST_F(lab, demand_paging)
{
	struct mmscope_faultlab_counters c0, c1, c2;
	struct mmscope_faultlab_event ev[NPAGES];
	const size_t n = 40;
	uint64_t since, pm[NPAGES];
	volatile char *p;
	unsigned long fa_bytes;
	size_t i;
	int got;

	since = log_head(self->fd);
	c0 = counters(self->fd);
	p = map_lab(self->fd, NPAGES, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < n; i++)
		(void)p[i * PAGE];
	c1 = counters(self->fd);

	/* Nothing was cached: every page faulted, whatever fault-around did. */
	EXPECT_EQ(1, c1.mmaps - c0.mmaps);
	EXPECT_EQ(n, c1.faults_read);
	EXPECT_EQ(0, c1.faults_write);
	EXPECT_EQ(n, self->device ? c1.faults_nopage : c1.faults_page);
	EXPECT_EQ(self->fault_around ? n : 0, c1.map_pages_calls);
	EXPECT_EQ(0, c1.map_pages_pages);
	EXPECT_EQ(n, c1.pages_filled);

	/* The log names each fault's address, offset and page, as pagemap does. */
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, n, pm));
	got = lab_events(self->fd, since, MMSCOPE_FAULTLAB_H_FAULT, ev, NPAGES);
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++) {
		EXPECT_EQ((uintptr_t)p + i * PAGE, ev[i].addr);
		EXPECT_EQ(i, ev[i].pgoff);
		EXPECT_EQ(self->id, ev[i].lab_id);
		EXPECT_EQ(getpid(), ev[i].tgid);
		EXPECT_TRUE(ev[i].fault_flags & MMSCOPE_FAULT_USER);
		EXPECT_FALSE(ev[i].fault_flags & MMSCOPE_FAULT_WRITE);
		EXPECT_EQ(self->device ? MMSCOPE_VM_FAULT_NOPAGE : MMSCOPE_VM_FAULT_LOCKED,
			  ev[i].result);
		if (self->pfnmap) {
			EXPECT_EQ(walked_pfn(p + i * PAGE), ev[i].pfn);
			continue;
		}
		EXPECT_TRUE(pm[i] & PM_PRESENT);
		EXPECT_EQ(pm[i] & PM_PFN_MASK, ev[i].pfn);
	}
	EXPECT_EQ(0, walked_pfn(p + n * PAGE));

	/* Map again: the backing store kept the pages, so nothing is refilled. */
	ASSERT_EQ(0, munmap((void *)p, NPAGES * PAGE));
	p = map_lab(self->fd, NPAGES, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < n; i++)
		(void)p[i * PAGE];
	c2 = counters(self->fd);
	EXPECT_EQ(n, c2.pages_filled);
	EXPECT_EQ(n, c2.faults_read - c1.faults_read +
		     c2.map_pages_pages - c1.map_pages_pages);
	fa_bytes = read_number("/sys/kernel/debug/fault_around_bytes");
	if (self->fault_around && fa_bytes > PAGE) {
		/* Every page is cached: the first touch of a window maps it all. */
		EXPECT_EQ(0, c2.faults_read - c1.faults_read);
		EXPECT_EQ(n, c2.map_pages_pages - c1.map_pages_pages);
		EXPECT_LE((n + fa_bytes / PAGE - 1) / (fa_bytes / PAGE),
			  c2.map_pages_calls - c1.map_pages_calls);
	} else {
		EXPECT_EQ(n, c2.faults_read - c1.faults_read);
		EXPECT_EQ(0, c2.map_pages_calls - c1.map_pages_calls);
	}
	for (i = 0; i < n; i++)
		EXPECT_NE(0, MAPPED_PFN(p + i * PAGE));
	munmap((void *)p, NPAGES * PAGE);
}

/* PATTERN pages say which lab, offset and fill made them; others are zero. */
TEST_F(lab, contents)
{
	static const char zero[PAGE];
	const struct mmscope_faultlab_pattern *rec;
	const size_t n = 8;
	char *p;
	size_t i, j;

	p = map_lab(self->fd, n, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < n; i++) {
		if (variant->mode != MMSCOPE_FAULTLAB_PATTERN) {
			EXPECT_EQ(0, memcmp(p + i * PAGE, zero, PAGE));
			continue;
		}
		rec = (const void *)(p + i * PAGE);
		for (j = 0; j < PAGE / sizeof(*rec); j++) {
			EXPECT_EQ(MMSCOPE_FAULTLAB_MAGIC, rec[j].magic);
			EXPECT_EQ(self->id, rec[j].lab_id);
			EXPECT_EQ(i, rec[j].pgoff);
			EXPECT_EQ(i + 1, rec[j].fill);	/* touched in order */
		}
	}
	munmap(p, n * PAGE);
}

/* MAP_PRIVATE: a write gets an anonymous copy; the lab's page stays. */
TEST_F(lab, private_write_copies)
{
	struct mmscope_faultlab_counters c;
	struct mmscope_faultlab_event ev[4];
	char before[2][16], *p, *shared;
	struct mmscope_walk w;
	uint64_t since, backing0;
	int wfd;

	if (self->device)
		SKIP(return, "device memory maps MAP_SHARED only");
	wfd = open_target(getpid());
	ASSERT_GE(wfd, 0);
	since = log_head(self->fd);
	shared = map_lab(self->fd, 2, PROT_READ, MAP_SHARED);
	p = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(NULL, shared);
	ASSERT_NE(NULL, p);

	/* Page 0: read, then write (a COW fault that never reaches ->fault). */
	memcpy(before[0], p, 16);
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)p, &w));
	backing0 = w.page.pfn;
	EXPECT_TRUE(w.page.flags & MMSCOPE_PAGE_FILE);
	EXPECT_FALSE(w.page.page_flags & MMSCOPE_PG_ANON);
	EXPECT_EQ(0, w.page.index);
	EXPECT_EQ(MMSCOPE_COW_COPY, w.page.cow);
	p[0] = 'x';
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)p, &w));
	EXPECT_NE(backing0, w.page.pfn);
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_ANON);
	EXPECT_EQ(w.page.pfn, pfn_of(p));
	EXPECT_TRUE(kpageflags(w.page.pfn) & (1ULL << KPF_ANON));

	/* Page 1: written first, so ->fault runs for a write and the core copies. */
	memcpy(before[1], shared + PAGE, 16);
	p[PAGE] = 'y';
	c = counters(self->fd);
	EXPECT_EQ(1, c.faults_write);
	EXPECT_EQ(0, c.page_mkwrites);
	/* Faults: page 0 read (private), page 1 read (shared), page 1 write. */
	ASSERT_EQ(3, lab_events(self->fd, since, MMSCOPE_FAULTLAB_H_FAULT, ev, 4));
	EXPECT_EQ(0, ev[0].pgoff);
	EXPECT_FALSE(ev[0].fault_flags & MMSCOPE_FAULT_WRITE);
	EXPECT_EQ(backing0, ev[0].pfn);
	EXPECT_TRUE(ev[2].fault_flags & MMSCOPE_FAULT_WRITE);
	EXPECT_EQ(1, ev[2].pgoff);
	/* ->fault returned the lab's page; the core mapped a copy of it. */
	EXPECT_EQ(pfn_of(shared + PAGE), ev[2].pfn);
	EXPECT_NE(pfn_of(p + PAGE), ev[2].pfn);

	/* The lab's pages are as they were; the other mapping still sees them. */
	EXPECT_EQ(0, memcmp(shared, before[0], 16));
	EXPECT_EQ(0, memcmp(shared + PAGE, before[1], 16));
	EXPECT_EQ(backing0, pfn_of(shared));
	EXPECT_FALSE(kpageflags(backing0) & (1ULL << KPF_ANON));
	EXPECT_EQ('x', p[0]);
	EXPECT_EQ('y', p[PAGE]);
	munmap(p, 2 * PAGE);
	munmap(shared, 2 * PAGE);
	close(wfd);
}

/*
 * MAP_SHARED writes: page_mkwrite (pfn_mkwrite for device memory) once per
 * page until msync() cleans it; two mappings see each other's writes.
 */
TEST_F(lab, shared_write_notifies)
{
	struct mmscope_faultlab_counters c;
	struct mmscope_faultlab_event ev[16];
	volatile char *a, *b;
	uint64_t since, pfn;
	int got, i;

#define MKWRITES(c) (self->device ? (c).pfn_mkwrites : (c).page_mkwrites)
	since = log_head(self->fd);
	a = map_lab(self->fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED);
	b = map_lab(self->fd, 4, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);

	a[0] = 1;
	c = counters(self->fd);
	EXPECT_EQ(1, c.faults_write);
	EXPECT_EQ(1, MKWRITES(c));
	a[0] = 2;
	EXPECT_EQ(1, MKWRITES(counters(self->fd)));
	EXPECT_EQ(2, b[0]);
	b[0] = 3;			/* b mapped it read-only: notify again */
	EXPECT_EQ(2, MKWRITES(counters(self->fd)));
	EXPECT_EQ(3, a[0]);
	a[PAGE] = 4;
	EXPECT_EQ(3, MKWRITES(counters(self->fd)));
	EXPECT_EQ(4, b[PAGE]);

	pfn = MAPPED_PFN(a);
	EXPECT_NE(0, pfn);
	EXPECT_EQ(pfn, MAPPED_PFN(b));
	if (!self->device)
		EXPECT_TRUE(kpageflags(pfn) & (1ULL << KPF_DIRTY));
	ASSERT_EQ(0, msync((void *)a, 4 * PAGE, MS_SYNC));
	c = counters(self->fd);
	EXPECT_EQ(self->device ? 0 : 2, c.pages_cleaned);
	if (!self->device)
		EXPECT_FALSE(kpageflags(pfn) & (1ULL << KPF_DIRTY));

	/* A cleaned page is write-protected in every mapping: each notifies. */
	a[0] = 5;
	b[0] = 6;
	c = counters(self->fd);
	EXPECT_EQ(self->device ? 3 : 5, MKWRITES(c));
	EXPECT_EQ(6, a[0]);
	EXPECT_EQ(0, self->device ? c.page_mkwrites : c.pfn_mkwrites);

	got = lab_events(self->fd, since, self->device ? MMSCOPE_FAULTLAB_H_PFN_MKWRITE :
			 MMSCOPE_FAULTLAB_H_PAGE_MKWRITE, ev, 16);
	ASSERT_EQ(MKWRITES(c), got);
	for (i = 0; i < got; i++) {
		EXPECT_TRUE(ev[i].fault_flags & MMSCOPE_FAULT_WRITE);
		EXPECT_TRUE(ev[i].fault_flags & MMSCOPE_FAULT_MKWRITE);
		EXPECT_EQ(i == 2 ? 1 : 0, ev[i].pgoff);
		EXPECT_EQ(MAPPED_PFN((const char *)b + ev[i].pgoff * PAGE), ev[i].pfn);
	}
	munmap((void *)a, 4 * PAGE);
	munmap((void *)b, 4 * PAGE);
#undef MKWRITES
}

/* fork() opens a VMA for the child; the child's exit closes it. */
TEST_F(lab, fork_opens_and_exit_closes)
{
	struct mmscope_faultlab_counters c0, c1;
	volatile char *p;
	int status;
	pid_t pid;

	p = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	c0 = counters(self->fd);
	EXPECT_EQ(1, c0.vmas);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		p[PAGE] = 2;
		_exit(p[0] == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	c1 = counters(self->fd);
	EXPECT_EQ(1, c1.opens - c0.opens);
	EXPECT_EQ(1, c1.closes - c0.closes);
	EXPECT_EQ(1, c1.vmas);
	EXPECT_EQ(2, p[PAGE]);		/* the child wrote the shared page */
	munmap((void *)p, 2 * PAGE);
	EXPECT_EQ(0, counters(self->fd).vmas);
}

/* mprotect() of the middle page: two splits, three VMAs, as maps shows. */
TEST_F(lab, mprotect_splits)
{
	static struct proc_vma pv[512];
	struct mmscope_faultlab_counters c0, c1;
	struct mmscope_vma *vmas;
	size_t nvmas, i;
	int n, seen = 0, wfd;
	char *p;

	p = map_lab(self->fd, 3, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	c0 = counters(self->fd);
	ASSERT_EQ(0, mprotect(p + PAGE, PAGE, PROT_READ));
	c1 = counters(self->fd);
	EXPECT_EQ(2, c1.may_splits - c0.may_splits);
	EXPECT_EQ(2, c1.opens - c0.opens);
	EXPECT_EQ(3, c1.vmas);

	n = proc_maps(0, pv, 512);
	ASSERT_GT(n, 0);
	for (i = 0; i < (size_t)n; i++) {
		if (pv[i].start < (uintptr_t)p || pv[i].start >= (uintptr_t)p + 3 * PAGE)
			continue;
		EXPECT_EQ((uintptr_t)p + seen * PAGE, pv[i].start);
		EXPECT_EQ(PAGE, pv[i].end - pv[i].start);
		EXPECT_EQ(seen * PAGE, pv[i].offset);
		EXPECT_STREQ(seen == 1 ? "r--s" : "rw-s", pv[i].perms);
		EXPECT_STREQ("/dev/mmscope", pv[i].path);
		seen++;
	}
	EXPECT_EQ(3, seen);

	/* mmscope's maps agrees, and names our vm_ops. */
	wfd = open_target(getpid());
	ASSERT_GE(wfd, 0);
	ASSERT_EQ(0, mms_vmas_all(wfd, &vmas, &nvmas));
	seen = 0;
	for (i = 0; i < nvmas; i++) {
		if (vmas[i].start < (uintptr_t)p || vmas[i].start >= (uintptr_t)p + 3 * PAGE)
			continue;
		EXPECT_NE(NULL, strstr((char *)vmas[i].vm_ops, "mmscope_lab_"));
		seen++;
	}
	EXPECT_EQ(3, seen);
	free(vmas);
	close(wfd);

	ASSERT_EQ(0, munmap(p, 3 * PAGE));
	c1 = counters(self->fd);
	EXPECT_EQ(3, c1.closes - c0.closes);
	EXPECT_EQ(0, c1.vmas);
}

/* mremap() that moves the VMA calls ->mremap on the new one. */
TEST_F(lab, mremap_moves)
{
	static struct proc_vma pv[512];
	struct mmscope_faultlab_counters c0, c1;
	char *p, *hole, *q;
	int n, i, found = 0;

	p = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	p[0] = 'a';
	hole = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	c0 = counters(self->fd);
	q = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	ASSERT_EQ(hole, q);
	c1 = counters(self->fd);
	EXPECT_EQ(1, c1.mremaps - c0.mremaps);
	EXPECT_EQ(1, c1.opens - c0.opens);
	EXPECT_EQ(1, c1.closes - c0.closes);
	EXPECT_EQ(1, c1.vmas);
	EXPECT_EQ('a', q[0]);
	EXPECT_NE(0, MAPPED_PFN(q));

	n = proc_maps(0, pv, 512);
	for (i = 0; i < n; i++) {
		EXPECT_NE((uintptr_t)p, pv[i].start);
		if (pv[i].start == (uintptr_t)q) {
			EXPECT_STREQ("/dev/mmscope", pv[i].path);
			found = 1;
		}
	}
	EXPECT_EQ(1, found);
	munmap(q, 2 * PAGE);
}

/* A fault past the lab's end is SIGBUS, even inside the mapping. */
TEST_F(lab, sigbus_past_end)
{
	struct mmscope_faultlab_event ev[8];
	volatile char *p;
	int fd, status, got;
	uint64_t since;
	pid_t pid;

	fd = mms_faultlab_open(variant->mode, 2 * PAGE, variant->flags, NULL);
	ASSERT_GE(fd, 0);
	since = log_head(fd);
	p = map_lab(fd, 4, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	(void)p[PAGE];
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		(void)p[3 * PAGE];
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	EXPECT_EQ(1, counters(fd).faults_sigbus);
	got = lab_events(fd, since, MMSCOPE_FAULTLAB_H_FAULT, ev, 8);
	ASSERT_EQ(2, got);
	EXPECT_EQ(3, ev[1].pgoff);
	EXPECT_EQ(MMSCOPE_VM_FAULT_SIGBUS, ev[1].result);
	EXPECT_EQ(0, ev[1].pfn);
	EXPECT_EQ(pid, ev[1].tgid);
	munmap((void *)p, 4 * PAGE);
	close(fd);
}

/*
 * What the walk, pagemap and smaps say of a lab page: a page-cache page of
 * ours, or a special entry with no struct page behind it (PFN, MIXED).
 */
TEST_F(lab, walk_and_flags)
{
	char vmflags[256];
	struct mmscope_vma vma;
	struct mmscope_lookup lk;
	struct mmscope_walk w;
	uint64_t pm;
	volatile char *p;
	int wfd;

	wfd = open_target(getpid());
	ASSERT_GE(wfd, 0);
	p = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	(void)p[0];
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)p, &w));
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 1, &pm));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_NE(0, w.page.pfn);
	if (self->pfnmap) {
		EXPECT_FALSE(pm & PM_PRESENT);	/* pagemap sees a hole */
	} else {
		EXPECT_TRUE(pm & PM_PRESENT);
		EXPECT_EQ(pm & PM_PFN_MASK, w.page.pfn);
	}
	ASSERT_EQ(0, proc_smaps_vmflags(0, (uintptr_t)p, vmflags, sizeof(vmflags)));
	ASSERT_EQ(0, mms_lookup(wfd, (uintptr_t)p, &lk, &vma));

	if (self->device) {
		EXPECT_TRUE(w.page.pte_flags & MMSCOPE_PTE_SPECIAL);
		EXPECT_FALSE(w.page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE);
		EXPECT_FALSE(pm & PM_FILE);	/* vm_normal_page() found none */
		EXPECT_EQ(variant->mode == MMSCOPE_FAULTLAB_PFN,
			  strstr(vmflags, " io") && strstr(vmflags, " pf"));
		EXPECT_EQ(variant->mode == MMSCOPE_FAULTLAB_MIXED,
			  strstr(vmflags, " mm") != NULL);
		EXPECT_EQ(variant->mode == MMSCOPE_FAULTLAB_PFN ? MMSCOPE_KIND_PFNMAP :
			  MMSCOPE_KIND_DEVICE, vma.kind);
		EXPECT_EQ(NULL, strstr(vmflags, " ex"));
		EXPECT_EQ(NULL, strstr(vmflags, " me"));	/* no VM_MAYEXEC */
	} else {
		EXPECT_FALSE(w.page.pte_flags & MMSCOPE_PTE_SPECIAL);
		EXPECT_TRUE(w.page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE);
		EXPECT_TRUE(w.page.flags & MMSCOPE_PAGE_FILE);
		EXPECT_EQ(0, w.page.index);
		EXPECT_TRUE(pm & PM_FILE);
		EXPECT_EQ(1, kpagecount(w.page.pfn));
		EXPECT_EQ(NULL, strstr(vmflags, " pf"));
		EXPECT_EQ(MMSCOPE_KIND_DEVICE, vma.kind);
	}
	EXPECT_STREQ("/dev/mmscope", (char *)vma.path);
	munmap((void *)p, 2 * PAGE);
	close(wfd);
}

/*
 * /proc/PID/mem: GUP reads page-cache pages itself; device memory goes
 * through ->access, in both directions.
 */
TEST_F(lab, proc_mem_access)
{
	struct mmscope_faultlab_counters c0, c1;
	struct mmscope_faultlab_event ev[8];
	char buf[8], *p;
	uint64_t since;
	int mem, got;

	p = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	memcpy(p, "mmscope", 8);
	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_GE(mem, 0);
	since = log_head(self->fd);
	c0 = counters(self->fd);
	ASSERT_EQ(8, pread(mem, buf, 8, (uintptr_t)p));
	EXPECT_STREQ("mmscope", buf);
	ASSERT_EQ(8, pwrite(mem, "written", 8, (uintptr_t)p + PAGE + 8));
	EXPECT_STREQ("written", p + PAGE + 8);
	c1 = counters(self->fd);
	if (self->device) {
		EXPECT_EQ(2, c1.access_calls - c0.access_calls);
		EXPECT_EQ(16, c1.access_bytes - c0.access_bytes);
		got = lab_events(self->fd, since, MMSCOPE_FAULTLAB_H_ACCESS, ev, 8);
		ASSERT_EQ(2, got);
		EXPECT_EQ((uintptr_t)p, ev[0].addr);
		EXPECT_EQ(8, ev[0].nr);
		EXPECT_FALSE(ev[0].fault_flags & MMSCOPE_FAULT_ACCESS_WRITE);
		EXPECT_EQ(MAPPED_PFN(p), ev[0].pfn);
		EXPECT_EQ((uintptr_t)p + PAGE + 8, ev[1].addr);
		EXPECT_EQ(1, ev[1].pgoff);
		EXPECT_TRUE(ev[1].fault_flags & MMSCOPE_FAULT_ACCESS_WRITE);
	} else {
		EXPECT_EQ(0, c1.access_calls - c0.access_calls);
		/* GUP faulted page 1 in for the write: a remote fault, not a user one. */
		got = lab_events(self->fd, since, MMSCOPE_FAULTLAB_H_FAULT, ev, 8);
		ASSERT_EQ(1, got);
		EXPECT_EQ(1, ev[0].pgoff);
		EXPECT_TRUE(ev[0].fault_flags & MMSCOPE_FAULT_REMOTE);
		EXPECT_TRUE(ev[0].fault_flags & MMSCOPE_FAULT_WRITE);
		EXPECT_FALSE(ev[0].fault_flags & MMSCOPE_FAULT_USER);
	}
	close(mem);
	munmap(p, 2 * PAGE);
}

/* Executing from a lab page: the fault says it was an instruction fetch. */
TEST_F(lab, instruction_fetch)
{
	struct mmscope_faultlab_event ev[4];
	uint64_t since;
	char *w, *x;
	int got;

	if (self->device)
		SKIP(return, "device memory is never executable");
	w = map_lab(self->fd, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, w);
	w[0] = (char)0xc3;		/* x86 "ret" */
	munmap(w, PAGE);
	x = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, self->fd, 0);
	if (x == MAP_FAILED && errno == EPERM)
		SKIP(return, "/dev is mounted noexec");
	ASSERT_NE(MAP_FAILED, x);
	since = log_head(self->fd);
	((void (*)(void))x)();
	/* ->map_pages maps the cached page with fault-around; else ->fault. */
	got = lab_events(self->fd, since, self->fault_around ? MMSCOPE_FAULTLAB_H_MAP_PAGES :
			 MMSCOPE_FAULTLAB_H_FAULT, ev, 4);
	ASSERT_EQ(1, got);
	EXPECT_EQ((uintptr_t)x, ev[0].addr);
	EXPECT_TRUE(ev[0].fault_flags & MMSCOPE_FAULT_INSTRUCTION);
	EXPECT_TRUE(ev[0].fault_flags & MMSCOPE_FAULT_USER);
	EXPECT_FALSE(ev[0].fault_flags & MMSCOPE_FAULT_WRITE);
	if (self->fault_around)
		EXPECT_EQ(1, ev[0].nr);
	munmap(x, PAGE);
}

/* The fault log keeps the last log_size events, numbered, and counts the rest. */
TEST(log_follows_and_counts_losses)
{
	struct mmscope_faultlab_stats st;
	struct mmscope_faultlab_event *ev;
	uint64_t since, last, lost;
	uint32_t n, size, i, extra = 44;
	volatile char *p;
	int fd;

	fd = open(MMSCOPE_DEVICE, O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_faultlab_stats(fd, &st));
	size = st.log_size;
	EXPECT_EQ(read_number(PARAMS "fault_log_size"), size);
	ASSERT_EQ(0, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE,
					    (size + extra) * PAGE,
					    MMSCOPE_FAULTLAB_NO_FAULT_AROUND, NULL));
	since = log_head(fd);
	p = map_lab(fd, size + extra, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < size + extra; i++)
		(void)p[i * PAGE];

	ev = calloc(size + extra, sizeof(*ev));
	ASSERT_NE(NULL, ev);
	n = size + extra;
	ASSERT_EQ(0, mms_faultlab_log(fd, 0, since, ev, &n, &last, &lost));
	EXPECT_EQ(size, n);
	EXPECT_EQ(extra, lost);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(since + extra + 1 + i, ev[i].seq);
		EXPECT_EQ(extra + i, ev[i].pgoff);
		if (i)
			EXPECT_LE(ev[i - 1].time_ns, ev[i].time_ns);
	}
	EXPECT_EQ(ev[n - 1].seq, last);
	n = 8;
	ASSERT_EQ(0, mms_faultlab_log(fd, 0, last, ev, &n, &last, &lost));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, lost);
	free(ev);
	munmap((void *)p, (size + extra) * PAGE);
	close(fd);
}

/* debugfs faultlab/stats and faultlab/log say what the ioctls say. */
TEST(debugfs_matches_ioctls)
{
	static char text[1 << 20];
	struct mmscope_faultlab_counters c;
	struct mmscope_faultlab_event ev[4];
	char key[64], want[160], *line;
	volatile char *p;
	uint64_t id, since;
	int fd, i;

	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PATTERN, 8 * PAGE, 0, &id);
	ASSERT_GE(fd, 0);
	since = log_head(fd);
	p = map_lab(fd, 8, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 3; i++)
		(void)p[i * 2 * PAGE];
	c = counters(fd);

	ASSERT_GT(read_file(DEBUGFS_DIR "/faultlab/stats", text, sizeof(text)), 0);
	EXPECT_EQ(0, strncmp(text, "global labs=", 12));
	snprintf(key, sizeof(key), "\nlab=%llu mode=pattern fault_around=on huge=off length=%lu ",
		 (unsigned long long)id, 8 * PAGE);
	line = strstr(text, key);
	ASSERT_NE(NULL, line) TH_LOG("no %s in %s", key + 1, text);
	*strchrnul(line + 1, '\n') = '\0';
	snprintf(want, sizeof(want), " resident=3 mmaps=1 opens=0 closes=0 may_splits=0 mremaps=0 faults_read=%llu ",
		 (unsigned long long)c.faults_read);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, " pages_filled=3 "));
	EXPECT_NE(NULL, strstr(line, " vmas=1"));

	ASSERT_EQ(3, lab_events(fd, since, MMSCOPE_FAULTLAB_H_FAULT, ev, 4));
	ASSERT_GT(read_file(DEBUGFS_DIR "/faultlab/log", text, sizeof(text)), 0);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "\n%llu ", (unsigned long long)ev[i].seq);
		line = strstr(text, want);
		ASSERT_NE(NULL, line);
		*strchrnul(line + 1, '\n') = '\0';
		snprintf(want, sizeof(want), " lab=%llu tgid=%d tid=%d fault addr=%#llx pgoff=%d flags=",
			 (unsigned long long)id, getpid(), getpid(),
			 (unsigned long long)(uintptr_t)(p + i * 2 * PAGE), i * 2);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line + 1);
		snprintf(want, sizeof(want), " result=locked pfn=%#llx nr=0",
			 (unsigned long long)ev[i].pfn);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line + 1);
		line[strlen(line)] = '\n';
	}
	munmap((void *)p, 8 * PAGE);
	close(fd);
}

static int setup_as_nobody(void *arg)
{
	int fd = *(int *)arg;

	return mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, PAGE, 0, NULL) == -EPERM ?
	       0 : 1;
}

/* Every bad request gets its own clear errno. */
TEST(bad_input)
{
	unsigned long max = read_number(PARAMS "faultlab_max_bytes");
	unsigned long budget = read_number(PARAMS "faultlab_budget_bytes");
	struct mmscope_faultlab_setup req;
	struct mmscope_faultlab_stats st;
	struct mmscope_faultlab_event ev;
	int fd, fds[64], i, held;
	uint32_t n;
	void *p;

	ASSERT_GT(max, 0);
	ASSERT_GE(budget, max);
	fd = open(MMSCOPE_DEVICE, O_RDWR);
	ASSERT_GE(fd, 0);

	/* mmap before setup; a log of "this lab" without one */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(ENODEV, errno);
	n = 1;
	EXPECT_EQ(-ENODEV, mms_faultlab_log(fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, 0,
						&ev, &n, NULL, NULL));

	/* modes, sizes, flags, reserved fields */
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, 0, PAGE, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_MODE_COUNT, PAGE, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, 99, PAGE, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, PAGE + 1, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, max + PAGE, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, 1ULL << 63, 0, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, PAGE, 1U << 5, NULL));
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.mode = MMSCOPE_FAULTLAB_PAGE;
	req.length = PAGE;
	req.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved = 0;
	req.lab_id = 7;			/* an output field must come in as 0 */
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &req));
	EXPECT_EQ(EINVAL, errno);
	req.lab_id = 0;
	req.size = 8;			/* shorter than the first version */
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &req));
	EXPECT_EQ(EINVAL, errno);

	/* STATS and LOG requests */
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_FAULTLAB_STATS, &st));
	EXPECT_EQ(EINVAL, errno);
	n = 0;
	EXPECT_EQ(-EINVAL, mms_faultlab_log(fd, 0, 0, &ev, &n, NULL, NULL));
	n = 1;
	EXPECT_EQ(-EINVAL, mms_faultlab_log(fd, 1U << 7, 0, &ev, &n, NULL, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_log(fd, 0, 0, NULL, &n, NULL, NULL));
	EXPECT_EQ(-1, ioctl(fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x23, struct mmscope_faultlab_log), &st));
	EXPECT_EQ(ENOTTY, errno);

	/* Without CAP_SYS_ADMIN, even on a file root opened. */
	EXPECT_EQ(0, run_as_nobody(setup_as_nobody, &fd));

	/* A good setup; then a second one, and setup after mmap */
	ASSERT_EQ(0, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PFN, 2 * PAGE, 0, NULL));
	EXPECT_EQ(-EBUSY, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PFN, 2 * PAGE, 0, NULL));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE));
	EXPECT_EQ(ENXIO, errno);		/* offset past the end */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
	EXPECT_EQ(EPERM, errno);		/* device memory is never executable */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);		/* nor copied on write */
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-EBUSY, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PAGE, PAGE, 0, NULL));
	munmap(p, 2 * PAGE);
	close(fd);

	/* The labs' budget: whole labs of the largest size, then ENOMEM */
	held = 0;
	for (i = 0; i < 64; i++) {
		fds[i] = mms_faultlab_open(MMSCOPE_FAULTLAB_PAGE, max, 0, NULL);
		if (fds[i] < 0)
			break;
		held++;
	}
	EXPECT_EQ(budget / max, held);
	EXPECT_EQ(-ENOMEM, fds[held]);
	if (held) {
		close(fds[--held]);
		fds[held] = mms_faultlab_open(MMSCOPE_FAULTLAB_PAGE, max, 0, NULL);
		EXPECT_GE(fds[held], 0);
		if (fds[held] >= 0)
			held++;
	}
	while (held)
		close(fds[--held]);
}

/* Labs alive, and VMAs mapping any lab, as a fresh file sees them. */
static void census(uint32_t *labs, uint64_t *vmas)
{
	struct mmscope_faultlab_stats st = { 0 };
	int fd = open(MMSCOPE_DEVICE, O_RDONLY);

	if (fd >= 0) {
		mms_faultlab_stats(fd, &st);
		close(fd);
	}
	*labs = st.labs;
	*vmas = st.global.vmas;
}

/*
 * A lab lives as long as its last user, whichever that is: here a forked
 * child's mapping, after the parent closed the file and unmapped.
 */
TEST(lifetime_follows_the_last_user)
{
	const struct mmscope_faultlab_pattern *rec;
	int fd, go[2], status;
	uint32_t labs0, labs;
	uint64_t vmas0, vmas;
	char *p, c;
	pid_t pid;

	census(&labs0, &vmas0);
	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PATTERN, 2 * PAGE, 0, NULL);
	ASSERT_GE(fd, 0);
	p = map_lab(fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	close(fd);
	census(&labs, &vmas);
	EXPECT_EQ(labs0 + 1, labs);
	EXPECT_EQ(vmas0 + 1, vmas);

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		rec = (const void *)(p + PAGE);
		_exit(rec->magic == MMSCOPE_FAULTLAB_MAGIC && rec->pgoff == 1 ? 0 : 1);
	}
	close(go[0]);
	ASSERT_EQ(0, munmap(p, 2 * PAGE));
	census(&labs, &vmas);
	EXPECT_EQ(labs0 + 1, labs);	/* the child's mapping holds it */
	EXPECT_EQ(vmas0 + 1, vmas);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	census(&labs, &vmas);
	EXPECT_EQ(labs0, labs);		/* its exit freed the lab */
	EXPECT_EQ(vmas0, vmas);
	close(go[1]);
}

/* A call that failed must have failed for want of memory. */
#define OK_OR_ENOMEM(call) ((call) >= 0 || errno == ENOMEM)

/*
 * One life of a lab, as short as it can be: open, setup, mmap, populate by
 * writing, msync, STATS, LOG, munmap, close. Returns the number of calls
 * that failed with anything but ENOMEM; leaves nothing behind.
 */
static int lab_life(uint32_t mode)
{
	struct mmscope_faultlab_stats st;
	struct mmscope_faultlab_event ev[4];
	int fd, ret, bad = 0;
	uint32_t n = 4;
	char *p;

	fd = open(MMSCOPE_DEVICE, O_RDWR);
	if (fd < 0)
		return !OK_OR_ENOMEM(fd);
	ret = mms_faultlab_setup(fd, mode, 4 * PAGE, 0, NULL);
	if (ret) {
		bad += ret != -ENOMEM;
		goto out_close;
	}
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		bad += errno != ENOMEM;
		goto out_close;
	}
	if (mode == MMSCOPE_FAULTLAB_PFN) {
		/* GUP, so MADV_POPULATE_*, refuses VM_PFNMAP: fault by hand. */
		for (n = 0; n < 4; n++)
			p[n * PAGE] = 1;
		n = 4;
	} else {
		bad += !OK_OR_ENOMEM(madvise(p, 4 * PAGE, MADV_POPULATE_WRITE));
	}
	bad += !OK_OR_ENOMEM(msync(p, 4 * PAGE, MS_SYNC));
	ret = mms_faultlab_stats(fd, &st);
	bad += ret && ret != -ENOMEM;
	ret = mms_faultlab_log(fd, 0, 0, ev, &n, NULL, NULL);
	bad += ret && ret != -ENOMEM;
	/* munmap() itself may fail for memory; then it is done again. */
	while (munmap(p, 4 * PAGE))
		bad += errno != ENOMEM;
out_close:
	close(fd);
	return bad;
}

/*
 * Every allocation in a lab's life fails in turn (fail-nth), so every error
 * path runs, ours and the kernel's around them: each must end in a clean
 * ENOMEM, and no lab may be left behind. KASAN and kmemleak (debug kernel)
 * watch for the rest.
 */
FIXTURE(inject) {
	int unused;
};

FIXTURE_SETUP(inject)
{
}

FIXTURE_TEARDOWN(inject)
{
}

TEST_F_TIMEOUT(inject, every_allocation_fails_in_turn, 600)
{
	static const uint32_t modes[] = { MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_PFN };
	uint32_t labs0, labs;
	uint64_t vmas0, vmas;
	unsigned int m, nth;
	char left[16];
	int nfd, bad;

	if (!fault_injection_ready())
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC)");
	census(&labs0, &vmas0);
	nfd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_GE(nfd, 0);
	for (m = 0; m < 2; m++) {
		for (nth = 1; nth < 5000; nth++) {
			snprintf(left, sizeof(left), "%u", nth);
			ASSERT_LT(0, pwrite(nfd, left, strlen(left), 0));
			bad = lab_life(modes[m]);
			memset(left, 0, sizeof(left));
			ASSERT_LT(0, pread(nfd, left, sizeof(left) - 1, 0));
			ASSERT_LT(0, pwrite(nfd, "0", 1, 0));
			EXPECT_EQ(0, bad) TH_LOG("%s: allocation %u failed, and a call with it not for memory",
						 mms_faultlab_mode_name(modes[m]), nth);
			if (atoi(left) > 0)
				break;		/* not injected: every allocation has failed once */
		}
		TH_LOG("%s: %u allocations failed in turn", mms_faultlab_mode_name(modes[m]),
		       nth - 1);
		EXPECT_LT(10, nth);
	}
	close(nfd);
	census(&labs, &vmas);
	EXPECT_EQ(labs0, labs);
	EXPECT_EQ(vmas0, vmas);
}

/*
 * A mapping pins the module even after the descriptor is closed; the last
 * munmap() lets it go. The kernel says EWOULDBLOCK (EAGAIN) to rmmod of a
 * module in use; the runner's final rmmod and kmemleak scan do the rest.
 */
TEST(mapping_pins_module)
{
	unsigned long long refs0, refs1;
	volatile char *p;
	int fd;

	refs0 = read_number("/sys/module/mmscope/refcnt");
	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PATTERN, 4 * PAGE, 0, NULL);
	ASSERT_GE(fd, 0);
	p = map_lab(fd, 4, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	close(fd);
	(void)p[0];
	refs1 = read_number("/sys/module/mmscope/refcnt");
	EXPECT_GT(refs1, refs0);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "mmscope", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(MMSCOPE_FAULTLAB_MAGIC, ((const struct mmscope_faultlab_pattern *)p)->magic);
	ASSERT_EQ(0, munmap((void *)p, 4 * PAGE));
	EXPECT_EQ(refs0, read_number("/sys/module/mmscope/refcnt"));
}

/*
 * ->access writes only where the mapping may be written, as GUP and
 * generic_access_phys() allow: a lab of device memory mapped PROT_READ,
 * from a file opened read-only or read-write, cannot be written through
 * /proc/PID/mem or PTRACE_POKEDATA (access_remote_vm() copies nothing, so
 * the kernel says EIO), and reads still work.
 */

FIXTURE(ro_lab) {
	int fd;
	char *ro;
	char before[16];
};

FIXTURE_VARIANT(ro_lab) {
	uint32_t mode;
	int open_flags;
};

FIXTURE_VARIANT_ADD(ro_lab, pfn_rdonly) {
	.mode = MMSCOPE_FAULTLAB_PFN,
	.open_flags = O_RDONLY,
};

FIXTURE_VARIANT_ADD(ro_lab, pfn_rdwr) {
	.mode = MMSCOPE_FAULTLAB_PFN,
	.open_flags = O_RDWR,
};

FIXTURE_VARIANT_ADD(ro_lab, mixed_rdonly) {
	.mode = MMSCOPE_FAULTLAB_MIXED,
	.open_flags = O_RDONLY,
};

FIXTURE_VARIANT_ADD(ro_lab, mixed_rdwr) {
	.mode = MMSCOPE_FAULTLAB_MIXED,
	.open_flags = O_RDWR,
};

FIXTURE_SETUP(ro_lab)
{
	char *rw;

	self->fd = open(MMSCOPE_DEVICE, variant->open_flags | O_CLOEXEC);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, mms_faultlab_setup(self->fd, variant->mode, 2 * PAGE, 0, NULL));
	if (variant->open_flags == O_RDWR) {
		/* Something to keep: written through a writable mapping. */
		rw = map_lab(self->fd, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_NE(NULL, rw);
		memcpy(rw + 8, "mmscope-keep-me", 16);
		munmap(rw, 2 * PAGE);
	}
	self->ro = map_lab(self->fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, self->ro);
	memcpy(self->before, self->ro + 8, 16);
}

FIXTURE_TEARDOWN(ro_lab)
{
	munmap(self->ro, 2 * PAGE);
	close(self->fd);
}

TEST_F(ro_lab, proc_mem_write_refused)
{
	struct mmscope_faultlab_counters c0, c1;
	char buf[16];
	ssize_t n;
	int mem;

	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_GE(mem, 0);
	c0 = counters(self->fd);
	ASSERT_EQ(16, pread(mem, buf, 16, (uintptr_t)self->ro + 8));
	EXPECT_EQ(0, memcmp(buf, self->before, 16));
	errno = 0;
	n = pwrite(mem, "overwritten!!!!", 16, (uintptr_t)self->ro + 8);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EIO, errno);
	n = pwrite(mem, "x", 1, (uintptr_t)self->ro + PAGE);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(0, memcmp(self->ro + 8, self->before, 16));
	EXPECT_EQ(0, self->ro[PAGE]);
	c1 = counters(self->fd);
	/* Only the read copied anything. */
	EXPECT_EQ(16, c1.access_bytes - c0.access_bytes);
	EXPECT_LE(1, c1.access_calls - c0.access_calls);
	close(mem);
}

/*
 * fork() for a tracee: the child asks to be traced and stops; the parent
 * gets its pid once it has stopped (-1 if it did not), the child 0 once
 * it is continued.
 */
static pid_t fork_stopped_tracee(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		return 0;
	}
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

TEST_F(ro_lab, ptrace_poke_refused)
{
	long word, data = 0x4141414141414141L;
	int status;
	pid_t pid;

	memcpy(&word, self->before, sizeof(word));
	pid = fork_stopped_tracee();
	ASSERT_GE(pid, 0);
	if (!pid) {
		/* Our copy of the mapping shows the same device memory. */
		_exit(memcmp(self->ro + 8, self->before, 16) ? 1 : 0);
	}
	errno = 0;
	EXPECT_EQ(word, ptrace(PTRACE_PEEKDATA, pid, self->ro + 8, NULL));
	EXPECT_EQ(0, errno);
	EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, pid, self->ro + 8, (void *)data));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(word, ptrace(PTRACE_PEEKDATA, pid, self->ro + 8, NULL));
	EXPECT_EQ(0, memcmp(self->ro + 8, self->before, 16));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A writable mapping still takes writes through ->access, both ways in. */
TEST_F(ro_lab, writable_mapping_writes)
{
	struct mmscope_faultlab_counters c0, c1;
	long data = 0x4242424242424242L;
	int mem;
	char *rw;
	pid_t pid;

	rw = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	if (variant->open_flags == O_RDONLY) {
		/* A file opened read-only never maps writable and shared. */
		EXPECT_EQ(MAP_FAILED, rw);
		EXPECT_EQ(EACCES, errno);
		return;
	}
	ASSERT_NE(MAP_FAILED, rw);
	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_GE(mem, 0);
	c0 = counters(self->fd);
	ASSERT_EQ(8, pwrite(mem, "written", 8, (uintptr_t)rw + PAGE + 8));
	c1 = counters(self->fd);
	EXPECT_STREQ("written", rw + PAGE + 8);
	EXPECT_STREQ("written", self->ro + PAGE + 8);
	EXPECT_EQ(1, c1.access_calls - c0.access_calls);
	EXPECT_EQ(8, c1.access_bytes - c0.access_bytes);
	close(mem);

	pid = fork_stopped_tracee();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	EXPECT_EQ(0, ptrace(PTRACE_POKEDATA, pid, rw + 16, (void *)data));
	EXPECT_EQ(0, memcmp(self->ro + 16, &data, sizeof(data)));	/* shared */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(rw, 2 * PAGE);
}

/*
 * The pages of a page or pattern lab are not movable: compaction, which
 * migrates every movable page it can, leaves them where they are.
 */
TEST(cache_pages_stay_under_compaction)
{
	static const uint32_t modes[] = { MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_PATTERN };
	const size_t n = 256;
	uint64_t before[256], after[256], anon_before[256], anon_after[256];
	unsigned int m, moved, anon_moved;
	volatile char *p;
	char *anon;
	size_t i;
	int fd;

	if (access("/proc/sys/vm/compact_memory", W_OK))
		SKIP(return, "no /proc/sys/vm/compact_memory (CONFIG_COMPACTION)");
	for (m = 0; m < 2; m++) {
		fd = mms_faultlab_open(modes[m], n * PAGE, 0, NULL);
		ASSERT_GE(fd, 0);
		p = map_lab(fd, n, PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_NE(NULL, p);
		/* Read every page; write some and clean them again. */
		for (i = 0; i < n; i++) {
			(void)p[i * PAGE];
			if (i % 4 == 0)
				p[i * PAGE + 8] = (char)i;
		}
		ASSERT_EQ(0, msync((void *)p, n * PAGE, MS_SYNC));
		/* A control: anonymous memory is movable; compaction may move it. */
		anon = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, anon);
		madvise(anon, n * PAGE, MADV_NOHUGEPAGE);
		memset(anon, 1, n * PAGE);

		ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, n, before));
		ASSERT_EQ(0, pagemap_read(0, (uintptr_t)anon, n, anon_before));
		ASSERT_EQ(0, write_file("/proc/sys/vm/compact_memory", "1"));
		ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, n, after));
		ASSERT_EQ(0, pagemap_read(0, (uintptr_t)anon, n, anon_after));
		for (i = 0, moved = 0, anon_moved = 0; i < n; i++) {
			anon_moved += (anon_after[i] & PM_PFN_MASK) !=
				      (anon_before[i] & PM_PFN_MASK);
			ASSERT_TRUE(before[i] & PM_PRESENT);
			if ((after[i] & PM_PFN_MASK) != (before[i] & PM_PFN_MASK))
				moved++;
			if (i % 4 == 0)
				EXPECT_EQ((char)i, p[i * PAGE + 8]);
		}
		EXPECT_EQ(0, moved);
		/* With the control, for the log: did compaction move anything? */
		TH_LOG("%s: %u of %zu lab pages moved; %u of %zu anonymous pages did",
		       mms_faultlab_mode_name(modes[m]), moved, n, anon_moved, n);
		munmap(anon, n * PAGE);
		munmap((void *)p, n * PAGE);
		close(fd);
	}
}

/* Open files of the device that hold a lab, as the module counts them. */
static uint32_t lab_files(void)
{
	struct mmscope_faultlab_stats st;
	int fd = mms_open(NULL);
	uint32_t n = UINT32_MAX;

	if (fd >= 0 && !mms_faultlab_stats(fd, &st))
		n = st.lab_files;
	if (fd >= 0)
		close(fd);
	return n;
}

/*
 * A lab exists only for a file that asks for one: a query's read-only
 * file never makes one; a file opened for writing has one from open(); a
 * read-only file gets one at its first setup, and then maps and reads it.
 */
TEST(lab_only_when_asked)
{
	struct mmscope_faultlab_event ev[4];
	struct mmscope_faultlab_stats st;
	struct mmscope_mm_info info;
	uint32_t before, n = 4;
	int fds[8], fd, i;
	uint64_t last;
	char *p;

	before = lab_files();
	ASSERT_NE(UINT32_MAX, before);
	for (i = 0; i < 8; i++) {
		fds[i] = open_target(getpid());
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, mms_mm_info(fds[i], &info, NULL, NULL));
	}
	EXPECT_EQ(before, lab_files());
	for (i = 0; i < 8; i++)
		close(fds[i]);

	fd = open(MMSCOPE_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(before + 1, lab_files());
	close(fd);
	EXPECT_EQ(before, lab_files());

	/* Read-only: nothing to map or log until setup, then a lab. */
	fd = open(MMSCOPE_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-ENODEV, mms_faultlab_log(fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, 0, ev, &n,
					    &last, NULL));
	EXPECT_EQ(0, fsync(fd));
	ASSERT_EQ(0, mms_faultlab_stats(fd, &st));
	EXPECT_EQ(0, st.lab_id);
	EXPECT_EQ(before, st.lab_files);
	/* A refused setup leaves no lab behind. */
	EXPECT_EQ(-EINVAL, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PATTERN, PAGE + 1, 0, NULL));
	EXPECT_EQ(before, lab_files());
	ASSERT_EQ(0, mms_faultlab_setup(fd, MMSCOPE_FAULTLAB_PATTERN, 2 * PAGE, 0, NULL));
	EXPECT_EQ(before + 1, lab_files());
	p = map_lab(fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	(void)*(volatile char *)(p + PAGE);
	ASSERT_EQ(0, mms_faultlab_stats(fd, &st));
	EXPECT_NE(0, st.lab_id);
	EXPECT_EQ(1, st.lab.faults_read) TH_LOG("one read fault in the lazily made lab");
	/* A writable shared mapping of a read-only file: refused, as for any file. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	EXPECT_EQ(EACCES, errno);
	munmap(p, 2 * PAGE);
	close(fd);
	EXPECT_EQ(before, lab_files());
}

/*
 * A HUGE pfn lab: ->huge_fault maps a 2 MiB block with one PMD entry where
 * the kernel calls it for VM_PFNMAP (6.12: a pmd_special() leaf, which
 * maps no struct page that the walk may read), else it faults in PTEs.
 * Which one the kernel did is read from VmPTE in /proc/PID/status: the
 * lab's first fault adds a PTE table (4 kB) or nothing. mmscope's walk,
 * its pages records and the lab's log must all agree with it.
 */
#define MB (1UL << 20)
#define GIB (1UL << 30)

static long long lab_rss_kb(uintptr_t start)
{
	char line[256], want[32];
	long long rss = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ':') && !strncmp(line, want, strlen(want)))
			in = true;
		else if (in && sscanf(line, "Rss: %lld kB", &rss) == 1)
			break;
	}
	fclose(f);
	return rss;
}

static bool kernel_maps_huge_pfnmap(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	/* Huge PFN maps (pmd_special(), ->huge_fault for VM_PFNMAP): 6.12. */
	uname(&u);
	sscanf(u.release, "%u.%u", &major, &minor);
	return major > 6 || (major == 6 && minor >= 12);
}

TEST(huge_pfn_lab)
{
	struct mmscope_faultlab_event ev[8];
	struct mmscope_walk w;
	struct mmscope_page *recs;
	struct mmscope_page_pte *pte_recs;
	size_t count;
	long long pte0, pte1;
	uint64_t since, pfn, base_pfn;
	char *raw, *g, *lab;
	volatile char *anon;
	bool pmd_leaf;
	int fd, wfd, n, i, present;

	/* Only PFN labs in whole 2 MiB can be HUGE. */
	EXPECT_EQ(-EINVAL, mms_faultlab_open(MMSCOPE_FAULTLAB_PAGE, 2 * MB,
					     MMSCOPE_FAULTLAB_HUGE, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_open(MMSCOPE_FAULTLAB_MIXED, 2 * MB,
					     MMSCOPE_FAULTLAB_HUGE, NULL));
	EXPECT_EQ(-EINVAL, mms_faultlab_open(MMSCOPE_FAULTLAB_PFN, 2 * MB + PAGE,
					     MMSCOPE_FAULTLAB_HUGE, NULL));
	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PFN, 4 * MB, MMSCOPE_FAULTLAB_HUGE, NULL);
	/* No PMD leaf of PFNs without THP: the uapi says EOPNOTSUPP. */
	if (!thp_in_kernel()) {
		EXPECT_EQ(-EOPNOTSUPP, fd);
		if (fd >= 0)
			close(fd);
		SKIP(return, THP_MISSING);
	}
	if (fd == -ENOMEM)
		SKIP(return, "no free 2 MiB blocks");
	ASSERT_LE(0, fd);

	/* In one GiB (one PMD table): an anonymous page, then the lab. */
	raw = mmap(NULL, 2 * GIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	g = (char *)(((uintptr_t)raw + GIB - 1) & ~(GIB - 1));
	anon = mmap(g, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		    -1, 0);
	ASSERT_EQ((void *)g, (void *)anon);
	*anon = 1;
	lab = mmap(g + 4 * MB, 4 * MB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_EQ((void *)(g + 4 * MB), (void *)lab);
	wfd = open_target(getpid());
	ASSERT_LE(0, wfd);

	since = log_head(fd);
	pte0 = proc_status(getpid(), "VmPTE");
	(void)*(volatile char *)(lab + 2 * MB + 5 * PAGE);	/* the second block */
	pte1 = proc_status(getpid(), "VmPTE");
	ASSERT_LE(0, pte0);
	ASSERT_TRUE(pte1 == pte0 || pte1 == pte0 + 4) TH_LOG("VmPTE %lld -> %lld kB", pte0, pte1);
	pmd_leaf = pte1 == pte0;
	TH_LOG("the kernel mapped the block with %s", pmd_leaf ? "one PMD entry" : "PTEs");
	if (kernel_maps_huge_pfnmap())
		EXPECT_TRUE(pmd_leaf);

	/*
	 * pagemap skips VM_PFNMAP VMAs (walk_page_test()), so the PFN's
	 * oracles are the log (below) and the block's own shape: 512 pages,
	 * contiguous, the first one 2 MiB-aligned.
	 */
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)lab + 2 * MB + 5 * PAGE, &w));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	pfn = w.page.pfn;
	ASSERT_NE(0, pfn);
	/* Device memory: no struct page state, whatever the leaf. */
	EXPECT_FALSE(w.page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE);
	ASSERT_LT(0, w.nr_levels);
	EXPECT_EQ(pmd_leaf ? MMSCOPE_LEVEL_PMD : MMSCOPE_LEVEL_PTE, w.levels[w.nr_levels - 1].level);
	EXPECT_EQ(pmd_leaf ? 2 * MB : PAGE, w.page.page_size);
	/*
	 * vmf_insert_pfn() and vmf_insert_pfn_pmd() mark the leaf special
	 * (pte_mkspecial(), pmd_mkspecial()): that is why it has no page.
	 */
	EXPECT_TRUE(w.levels[w.nr_levels - 1].bits & MMSCOPE_PTE_SPECIAL);
	EXPECT_TRUE(w.page.pte_flags & MMSCOPE_PTE_SPECIAL);
	base_pfn = pfn - 5;
	if (pmd_leaf) {	/* a PMD maps a 2 MiB-aligned physical block */
		EXPECT_EQ(0, base_pfn % 512);
		ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)lab + 4 * MB - PAGE, &w));
		EXPECT_EQ(base_pfn + 511, w.page.pfn);
	}

	/* The log says which handler did it, and which block it mapped. */
	n = lab_events(fd, since, MMSCOPE_FAULTLAB_H_HUGE_FAULT, ev, 8);
	ASSERT_LE(0, n);
	EXPECT_EQ(pmd_leaf ? 1 : 0, n);
	if (pmd_leaf && n == 1) {
		EXPECT_EQ(base_pfn, ev[0].pfn);
		EXPECT_EQ(512, ev[0].nr);
		EXPECT_EQ(512, ev[0].pgoff);
		EXPECT_EQ(1023, ev[0].pgoff_last);
	}

	/*
	 * The pages records: only the second block is mapped, all of it by
	 * one leaf, or its touched page alone (no fault-around for PFN).
	 */
	n = pages_of(wfd, (uintptr_t)lab, (uintptr_t)lab + 4 * MB, &recs);
	ASSERT_LT(0, n);
	for (i = 0, present = 0; i < n; i++) {
		if (recs[i].state != MMSCOPE_ENTRY_PRESENT)
			continue;
		present++;
		EXPECT_FALSE(recs[i].flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE);
		EXPECT_TRUE(recs[i].pte_flags & MMSCOPE_PTE_SPECIAL);
		EXPECT_EQ(pmd_leaf ? 2 * MB : PAGE, recs[i].page_size);
		EXPECT_LE((uintptr_t)lab + 2 * MB, recs[i].addr);
		if (!pmd_leaf)
			EXPECT_EQ((uintptr_t)lab + 2 * MB + 5 * PAGE, recs[i].addr);
	}
	EXPECT_EQ(pmd_leaf ? present : 1, present);	/* PTEs: one */
	EXPECT_LT(0, present);
	free(recs);

	/* The PTE-only records, which read the entries alone, say the same. */
	ASSERT_EQ(0, mms_pages_pte_all(wfd, (uintptr_t)lab, (uintptr_t)lab + 4 * MB,
				       &pte_recs, &count));
	for (i = 0, present = 0; i < (int)count; i++) {
		if (pte_recs[i].state != MMSCOPE_ENTRY_PRESENT)
			continue;
		present++;
		EXPECT_TRUE(pte_recs[i].pte_flags & MMSCOPE_PTE_SPECIAL);
		EXPECT_EQ(pmd_leaf ? 21 : 12, pte_recs[i].page_shift);
		EXPECT_EQ(pmd_leaf ? base_pfn : pfn, pte_recs[i].pfn);
	}
	EXPECT_EQ(1, present);
	free(pte_recs);

	/* The kernel counts no normal page in it either. */
	EXPECT_EQ(0, lab_rss_kb((uintptr_t)lab));

	/* A write through the read-only leaf makes it writable, same block. */
	lab[2 * MB + 5 * PAGE] = 42;
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)lab + 2 * MB + 5 * PAGE, &w));
	EXPECT_EQ(pfn, w.page.pfn);
	ASSERT_EQ(0, munmap(lab, 4 * MB));
	lab = mmap(g + 4 * MB, 4 * MB, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_EQ((void *)(g + 4 * MB), (void *)lab);
	EXPECT_EQ(42, lab[2 * MB + 5 * PAGE]);
	ASSERT_EQ(0, mms_walk(wfd, (uintptr_t)lab + 2 * MB + 5 * PAGE, &w));
	EXPECT_EQ(pfn, w.page.pfn);

	close(wfd);
	munmap(raw, 2 * GIB);
	close(fd);
}

TEST_HARNESS_MAIN
