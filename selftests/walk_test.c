// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table walks and page state against the kernel's own oracles:
 * /proc/PID/pagemap (PFN, present, swapped, soft-dirty, exclusive, file),
 * /proc/kpageflags, /proc/kpagecount and smaps; the table chain of every
 * paging level; THP, PROT_NONE and mlock; and bad input.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define MB (1UL << 20)

/* Where the region of a variant starts and ends. */
static int find_vma_range(uint64_t addr, uint64_t *start, uint64_t *end)
{
	static struct proc_vma maps[1024];
	int n = proc_maps(0, maps, 1024), i;

	for (i = 0; i < n; i++) {
		if (maps[i].start <= addr && addr < maps[i].end) {
			*start = maps[i].start;
			*end = maps[i].end;
			return 0;
		}
	}
	return -1;
}

static bool bit(uint64_t word, int nr)
{
	return word & (1ULL << nr);
}

/*
 * Some kernels' /proc/kpageflags (Debian's 6.12 among them) set KPF_KSM
 * for every anonymous page: stable_page_flags() tests
 * "mapping & PAGE_MAPPING_KSM", and that constant includes the ANON bit.
 * Ask the oracle about a page that cannot be KSM, and read it as it is.
 */
static bool kpf_ksm_on_every_anon_page(void)
{
	static int quirk = -1;
	uint64_t e;
	char *p;

	if (quirk >= 0)
		return quirk;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	p[0] = 1;
	quirk = !pagemap_read(0, (uintptr_t)p, 1, &e) && (e & PM_PRESENT) &&
		bit(kpageflags(e & PM_PFN_MASK), KPF_KSM);
	munmap(p, PAGE);
	if (quirk)
		fprintf(stderr, "# note: this kernel's kpageflags sets KPF_KSM on every anon page\n");
	return quirk;
}

/*
 * Compare every 4K page of [start, end) as mmscope reports it with what
 * pagemap, kpageflags and kpagecount say. Returns the mismatches.
 */
static int compare_range(int fd, uint64_t start, uint64_t end, bool verbose)
{
	bool ksm_quirk = kpf_ksm_on_every_anon_page(), vma_sd;
	size_t n = (end - start) / PAGE;
	struct mmscope_page *recs, *r;
	int nrec, i, bad = 0;
	uint64_t k, idx, e, pfn, kf;
	uint64_t *pm;

#define MISMATCH(fmt, ...) do {							\
		if (verbose && bad < 8)						\
			fprintf(stderr, "# %llx: " fmt "\n",			\
				(unsigned long long)(r->addr + k * PAGE), ##__VA_ARGS__); \
		bad++;								\
	} while (0)

	pm = malloc(n * sizeof(*pm));
	nrec = pm ? pages_of(fd, start, end, &recs) : -1;
	if (nrec < 0 || pagemap_read(0, start, n, pm)) {
		free(pm);
		return -1;
	}
	for (i = 0; i < nrec; i++) {
		r = &recs[i];
		vma_sd = r->state == MMSCOPE_ENTRY_PRESENT && vma_soft_dirty(fd, r->addr);
		for (k = 0; k < r->size / PAGE; k++) {
			idx = (r->addr - start) / PAGE + k;
			e = pm[idx];
			if (r->state == MMSCOPE_ENTRY_PRESENT) {
				pfn = r->pfn + k;
				if (!(e & PM_PRESENT) || (e & PM_PFN_MASK) != pfn) {
					MISMATCH("present pfn %llx, pagemap %llx", (unsigned long long)pfn,
						 (unsigned long long)e);
					continue;
				}
				if (!!(e & PM_SOFT_DIRTY) !=
				    (vma_sd || (r->pte_flags & MMSCOPE_PTE_SOFT_DIRTY)))
					MISMATCH("soft-dirty");
				if (!(r->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE))
					continue;
				/* pagemap shows no page behind a zero-page PTE. */
				if (r->page_flags & (MMSCOPE_PG_ZERO | MMSCOPE_PG_HUGE_ZERO)) {
					if (!k && !bit(kpageflags(pfn), KPF_ZERO_PAGE))
						MISMATCH("zero page");
					continue;
				}
				if (!!(e & PM_FILE) != !(r->page_flags & MMSCOPE_PG_ANON))
					MISMATCH("file bit");
				if (k)
					continue;	/* the folio's flags: once */
				/*
				 * For hugetlb, pagemap's exclusive bit also asks
				 * hugetlb_pmd_shared() of the table holding the
				 * entry, which for a 1G page is a PUD table whose
				 * share count means nothing: compare only others.
				 */
				if (!(r->page_flags & MMSCOPE_PG_HUGETLB) &&
				    !!(e & PM_MMAP_EXCLUSIVE) != (r->mapcount == 1))
					MISMATCH("exclusive: mapcount %u", r->mapcount);
				if (kpagecount(pfn) != r->mapcount)
					MISMATCH("mapcount %u, kpagecount %llu", r->mapcount,
						 (unsigned long long)kpagecount(pfn));
				kf = kpageflags(pfn);
				if (bit(kf, KPF_ANON) != !!(r->page_flags & MMSCOPE_PG_ANON))
					MISMATCH("anon");
				if (bit(kf, KPF_KSM) != !!(r->page_flags & (ksm_quirk ?
						MMSCOPE_PG_ANON : MMSCOPE_PG_KSM)))
					MISMATCH("ksm");
				if (bit(kf, KPF_HUGE) != !!(r->page_flags & MMSCOPE_PG_HUGETLB))
					MISMATCH("hugetlb");
				if ((r->page_flags & MMSCOPE_PG_ANON) &&
				    bit(kf, KPF_THP) != !!(r->page_flags & MMSCOPE_PG_THP))
					MISMATCH("thp");
				if (bit(kf, KPF_DIRTY) != !!(r->page_flags & MMSCOPE_PG_DIRTY))
					MISMATCH("dirty");
				if (bit(kf, KPF_LRU) != !!(r->page_flags & MMSCOPE_PG_LRU))
					MISMATCH("lru");
				if (bit(kf, KPF_UNEVICTABLE) != !!(r->page_flags & MMSCOPE_PG_UNEVICTABLE))
					MISMATCH("unevictable");
				if (bit(kf, KPF_MLOCKED) != !!(r->page_flags & MMSCOPE_PG_MLOCKED))
					MISMATCH("mlocked");
			} else if (r->state == MMSCOPE_ENTRY_SWAP) {
				if (!(e & PM_SWAP) || PM_SWAP_TYPE(e) != r->swap_type ||
				    PM_SWAP_OFFSET(e) != r->swap_offset)
					MISMATCH("swap %u:%llx, pagemap %llx", r->swap_type,
						 (unsigned long long)r->swap_offset,
						 (unsigned long long)e);
			} else if (e & (PM_PRESENT | PM_SWAP)) {
				MISMATCH("%s, pagemap %llx", mms_state_name(r->state),
					 (unsigned long long)e);
			}
		}
	}
	free(recs);
	free(pm);
	return bad;
}

/* Pages move (LRU batches drain, stacks grow): compare until it settles. */
static int settled_compare(int fd, uint64_t start, uint64_t end)
{
	int tries, bad = -1;

	for (tries = 0; tries < 5 && bad; tries++) {
		bad = compare_range(fd, start, end, tries == 4);
		if (bad)
			usleep(200 * 1000);
	}
	return bad;
}

enum region { REGION_HEAP, REGION_STACK, REGION_TEXT, REGION_ANON64M };

FIXTURE(region) {
	int fd;
	uint64_t start, end;
	char *mem;
};

FIXTURE_VARIANT(region) {
	enum region region;
};

FIXTURE_VARIANT_ADD(region, heap) { .region = REGION_HEAP };
FIXTURE_VARIANT_ADD(region, stack) { .region = REGION_STACK };
FIXTURE_VARIANT_ADD(region, text) { .region = REGION_TEXT };
FIXTURE_VARIANT_ADD(region, anon64m) { .region = REGION_ANON64M };

FIXTURE_SETUP(region)
{
	uint64_t addr = 0;
	size_t i;

	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
	self->mem = NULL;
	switch (variant->region) {
	case REGION_HEAP:
		self->mem = sbrk(256 << 10);
		ASSERT_NE((void *)-1, self->mem);
		memset(self->mem, 1, 128 << 10);	/* half of it */
		addr = (uintptr_t)self->mem;
		break;
	case REGION_STACK:
		addr = (uintptr_t)&addr;
		break;
	case REGION_TEXT:
		addr = (uintptr_t)compare_range;
		break;
	case REGION_ANON64M:
		self->mem = mmap(NULL, 64 * MB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		/* Writes, reads (the zero page) and holes. */
		for (i = 0; i < 64 * MB; i += PAGE) {
			if (i % (4 * PAGE) == 0)
				self->mem[i] = 1;
			else if (i % (4 * PAGE) == PAGE)
				(void)*(volatile char *)&self->mem[i];
		}
		addr = (uintptr_t)self->mem;
		break;
	}
	ASSERT_EQ(0, find_vma_range(addr, &self->start, &self->end));
}

FIXTURE_TEARDOWN(region)
{
	if (variant->region == REGION_ANON64M)
		munmap(self->mem, 64 * MB);
	close(self->fd);
}

TEST_F_TIMEOUT(region, page_state_matches_oracles, 300)
{
	EXPECT_EQ(0, settled_compare(self->fd, self->start, self->end));
}

/* clear_refs 4 clears soft-dirty; a write sets it again, page by page. */
TEST(soft_dirty_after_clear_refs)
{
	size_t i, n = 256;
	char *mem;
	int fd;

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	mem = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, madvise_no_thp(mem, n * PAGE));
	memset(mem, 1, n * PAGE);
	ASSERT_EQ(0, write_file("/proc/self/clear_refs", "4"));
	for (i = 0; i < n; i += 2)
		mem[i * PAGE] = 2;
	EXPECT_EQ(0, settled_compare(fd, (uintptr_t)mem, (uintptr_t)mem + n * PAGE));
	for (i = 0; i < n; i++) {
		struct mmscope_walk w;

		ASSERT_EQ(0, mms_walk(fd, (uintptr_t)mem + i * PAGE, &w));
		EXPECT_EQ(i % 2 == 0, !!(w.page.pte_flags & MMSCOPE_PTE_SOFT_DIRTY));
	}
	munmap(mem, n * PAGE);
	close(fd);
}

/* Each level's entry points at the next level's table; PGD is mm->pgd. */
TEST(levels_chain)
{
	struct mmscope_mm_info mm;
	struct mmscope_walk w;
	uint64_t e;
	uint32_t i;
	bool la57;
	int fd;

	la57 = cpuinfo_flag("la57");
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &mm, NULL, NULL));
	ASSERT_EQ(0, mms_walk(fd, (uintptr_t)&w, &w));
	EXPECT_EQ(la57 ? 5 : 4, w.paging_levels);
	ASSERT_EQ(w.paging_levels, w.nr_levels);
	EXPECT_EQ(mm.pgd_phys, w.levels[0].table_phys);
	for (i = 0; i < w.nr_levels; i++) {
		EXPECT_EQ(i + (w.paging_levels == 4 && i ? 1 : 0), w.levels[i].level);
		EXPECT_LT(w.levels[i].index, 512);
		if (i + 1 < w.nr_levels) {
			EXPECT_EQ(MMSCOPE_ENTRY_TABLE, w.levels[i].state);
			EXPECT_EQ(w.levels[i + 1].table_phys, w.levels[i].entry & 0x000ffffffffff000ULL);
		}
	}
	/* The last entry maps our stack page: pagemap's PFN. */
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)&w, 1, &e));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_EQ(e & PM_PFN_MASK, w.page.pfn);
	EXPECT_EQ(w.page.pfn, (w.levels[w.nr_levels - 1].entry & 0x000ffffffffff000ULL) >> 12);
	EXPECT_EQ(w.page.pfn * PAGE + ((uintptr_t)&w & (PAGE - 1)), w.phys);
	EXPECT_EQ(PAGE, w.levels[w.nr_levels - 1].leaf_size);
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, w.page.cow);
	close(fd);
}

TEST(thp_is_a_pmd_leaf)
{
	struct mmscope_walk w;
	struct mmscope_page *recs;
	char *raw, *mem;
	int fd, n;

	mem = thp_region(4 * MB, &raw);
	if (!mem)
		SKIP(return, "%s", thp_in_kernel() ? "no THP given (AnonHugePages: 0)" : THP_MISSING);

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_walk(fd, (uintptr_t)mem + 12345, &w));
	ASSERT_EQ(w.paging_levels - 1, w.nr_levels);	/* down to the PMD */
	EXPECT_EQ(MMSCOPE_LEVEL_PMD, w.levels[w.nr_levels - 1].level);
	EXPECT_EQ(2 * MB, w.levels[w.nr_levels - 1].leaf_size);
	EXPECT_TRUE(w.levels[w.nr_levels - 1].bits & MMSCOPE_PTE_HUGE);
	EXPECT_EQ(2 * MB, w.page.page_size);
	EXPECT_EQ(PAGE, w.page.size);		/* the record is the 4K page at addr */
	EXPECT_EQ((uintptr_t)mem + 12288, w.page.addr);
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_THP);
	EXPECT_EQ(9, w.page.order);
	EXPECT_TRUE(kpageflags(w.page.pfn) & (1ULL << KPF_THP));

	/* pages: one record for the whole leaf, not 512. */
	n = pages_of(fd, (uintptr_t)mem, (uintptr_t)mem + 4 * MB, &recs);
	ASSERT_GE(n, 1);
	EXPECT_EQ(2 * MB, recs[0].size);
	EXPECT_EQ(2 * MB, recs[0].page_size);
	EXPECT_TRUE(recs[0].page_flags & MMSCOPE_PG_HEAD);
	free(recs);
	/* smaps agrees on how much of it is huge. */
	EXPECT_GE(proc_smaps_field(0, (uintptr_t)mem, "AnonHugePages"), 2048);
	EXPECT_EQ(0, settled_compare(fd, (uintptr_t)mem, (uintptr_t)mem + 4 * MB));
	munmap(raw, 6 * MB);
	close(fd);
}

TEST(prot_none)
{
	struct mmscope_walk w;
	uint64_t e;
	char *p;
	int fd;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, mprotect(p, PAGE, PROT_NONE));
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_walk(fd, (uintptr_t)p, &w));
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 1, &e));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_TRUE(w.page.pte_flags & MMSCOPE_PTE_PROTNONE);
	EXPECT_FALSE(w.page.pte_flags & MMSCOPE_PTE_PRESENT);
	EXPECT_EQ(MMSCOPE_COW_READONLY, w.page.cow);
	EXPECT_TRUE(e & PM_PRESENT);
	EXPECT_EQ(e & PM_PFN_MASK, w.page.pfn);
	munmap(p, PAGE);
	close(fd);
}

TEST(mlock_makes_pages_unevictable)
{
	struct mmscope_walk w;
	char *p, *scratch;
	cpu_set_t cpu;
	int fd, i;

	/*
	 * mlock() puts the folio in this CPU's mlock batch (mm/mlock.c); it
	 * reaches the unevictable LRU when the batch drains, which an idle
	 * CPU may never do. munmap() drains the local batches
	 * (lru_add_drain() in unmap_region()), so stay on one CPU and unmap
	 * a scratch page there until the flag shows.
	 */
	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu), &cpu));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, mlock(p, PAGE));
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	for (i = 0; i < 100; i++) {
		scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, scratch);
		scratch[0] = 1;
		ASSERT_EQ(0, munmap(scratch, PAGE));
		ASSERT_EQ(0, mms_walk(fd, (uintptr_t)p, &w));
		if (w.page.page_flags & MMSCOPE_PG_UNEVICTABLE)
			break;
		usleep(10000);
	}
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_MLOCKED);
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_UNEVICTABLE);
	EXPECT_EQ(0, settled_compare(fd, (uintptr_t)p, (uintptr_t)p + PAGE));
	munlock(p, PAGE);
	munmap(p, PAGE);
	close(fd);
}

TEST(address_without_vma)
{
	struct mmscope_walk w;
	char *p;
	int fd;

	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_walk(fd, (uintptr_t)p + PAGE, &w));
	EXPECT_TRUE(w.out_flags & MMSCOPE_WALK_NO_VMA);
	EXPECT_NE(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_EQ(MMSCOPE_COW_READONLY, w.page.cow);
	EXPECT_GE(w.nr_levels, 1);
	/* Far from anything: the walk stops early at an empty upper level. */
	ASSERT_EQ(0, mms_walk(fd, 0x100000000000ULL, &w));
	EXPECT_TRUE(w.out_flags & MMSCOPE_WALK_NO_VMA);
	EXPECT_EQ(MMSCOPE_ENTRY_NONE, w.levels[w.nr_levels - 1].state);
	munmap(p, 3 * PAGE);
	close(fd);
}

TEST(bad_input)
{
	struct mmscope_page recs[4];
	struct mmscope_pages req = { .size = sizeof(req) };
	struct mmscope_mm_info mm;
	struct mmscope_walk w;
	struct timespec t0, t1;
	uint64_t next;
	int fd, calls = 0;

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &mm, NULL, NULL));
	EXPECT_EQ(-EINVAL, mms_walk(fd, mm.task_size, &w));
	EXPECT_EQ(-EINVAL, mms_walk(fd, 0x8000000000000000ULL, &w));
	EXPECT_EQ(-EINVAL, mms_walk(fd, ~0ULL, &w));
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.addr = (uintptr_t)&w;
	w.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved = 0;
	w.size = 8;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_WALK, &w));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_WALK, NULL));
	EXPECT_EQ(EFAULT, errno);

	req.records_ptr = (uintptr_t)recs;
	req.record_size = sizeof(recs[0]);
	req.count = 4;
	req.start = 0x20000;
	req.end = 0x20000;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.end = 0x10000;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.end = mm.task_size + PAGE;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.end = 0x40000;
	req.record_size = sizeof(recs[0]) - 8;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.record_size = sizeof(recs[0]);
	req.count = 0;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.count = 4;
	req.records_ptr = 8;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EFAULT, errno);
	req.flags = 1;
	req.records_ptr = (uintptr_t)recs;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved = 0;

	/*
	 * A terabyte of mostly unmapped space: a handful of records, in
	 * batches of four, with no huge allocation anywhere.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = 0x100000000000ULL;
	do {
		req.start = next;
		req.end = 0x100000000000ULL + (1ULL << 40);
		req.count = 4;
		ASSERT_EQ(0, ioctl(fd, MMSCOPE_IOC_PAGES, &req));
		next = req.next;
		calls++;
	} while (!(req.out_flags & MMSCOPE_PAGES_DONE) && calls < 1000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(req.out_flags & MMSCOPE_PAGES_DONE);
	EXPECT_LT(calls, 1000);
	TH_LOG("1 TiB in %d calls, %ld ms", calls,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	close(fd);

	/* A kernel thread has no user page tables. */
	fd = open_target(2);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, mms_walk(fd, 0x400000, &w));
	close(fd);
}

/* MADV_PAGEOUT to zram: swap entries whose type and offset are pagemap's. */
TEST_F_TIMEOUT(region, swap_entries_match_pagemap, 120)
{
	struct mmscope_walk w;
	size_t i, n = 16;
	char *p;

	if (variant->region != REGION_ANON64M)
		SKIP(return, "one region is enough");
	if (!swap_active())
		SKIP(return, "no swap device");
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, n * PAGE));
	for (i = 0; i < n; i++)
		memset(p + i * PAGE, (int)i + 1, PAGE);
	ASSERT_EQ(0, madvise(p, n * PAGE, MADV_PAGEOUT));
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	ASSERT_EQ(MMSCOPE_ENTRY_SWAP, w.page.state);
	EXPECT_EQ(MMSCOPE_COW_NONE, w.page.cow);
	EXPECT_EQ(0, settled_compare(self->fd, (uintptr_t)p, (uintptr_t)p + n * PAGE));
	/* Nothing was lost: reading brings every page back. */
	for (i = 0; i < n; i++)
		EXPECT_EQ((char)(i + 1), p[i * PAGE + 100]);
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	munmap(p, n * PAGE);
}

/* hugetlb: a PMD leaf for 2M, a PUD leaf for 1G (pages set aside at boot). */
FIXTURE(hugetlb) {
	int fd;
};

FIXTURE_VARIANT(hugetlb) {
	unsigned long size;
	int size_log2;
};

FIXTURE_VARIANT_ADD(hugetlb, pmd_2m) { .size = 2 * MB, .size_log2 = 21 };
FIXTURE_VARIANT_ADD(hugetlb, pud_1g) { .size = 1024 * MB, .size_log2 = 30 };

/* One private hugetlb page of the variant's size, or MAP_FAILED. */
static char *hugetlb_map(const FIXTURE_VARIANT(hugetlb) *variant)
{
	return mmap(NULL, variant->size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		    (variant->size_log2 << MAP_HUGE_SHIFT), -1, 0);
}

FIXTURE_SETUP(hugetlb)
{
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(hugetlb)
{
	close(self->fd);
}

TEST_F_TIMEOUT(hugetlb, leaf_at_its_level, 300)
{
	struct mmscope_walk w;
	char *p;

	p = hugetlb_map(variant);
	if (p == MAP_FAILED)
		SKIP(return, "no %lu kB hugetlb page reserved", variant->size >> 10);
	p[0] = 1;
	p[variant->size - 1] = 1;
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p + 5 * PAGE + 7, &w));
	ASSERT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_EQ(variant->size, w.page.page_size);
	EXPECT_EQ(variant->size, w.levels[w.nr_levels - 1].leaf_size);
	EXPECT_EQ(variant->size == 2 * MB ? MMSCOPE_LEVEL_PMD : MMSCOPE_LEVEL_PUD,
		  w.levels[w.nr_levels - 1].level);
	EXPECT_TRUE(w.levels[w.nr_levels - 1].bits & MMSCOPE_PTE_HUGE);
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_HUGETLB);
	EXPECT_FALSE(w.page.page_flags & MMSCOPE_PG_THP);
	EXPECT_TRUE(kpageflags(w.page.pfn) & (1ULL << KPF_HUGE));
	EXPECT_EQ(MMSCOPE_COW_WRITABLE, w.page.cow);
	EXPECT_EQ(0, settled_compare(self->fd, (uintptr_t)p, (uintptr_t)p + variant->size));
	munmap(p, variant->size);
}

/*
 * A PROT_NONE hugetlb leaf is still present to the kernel (pte_present()
 * counts _PAGE_PROTNONE), though pud_present() of a 1G leaf does not: it
 * must show as the same page, not as a swap entry.
 */
TEST_F_TIMEOUT(hugetlb, prot_none_leaf_stays_present, 300)
{
	uint64_t pm_before, pm_after;
	struct mmscope_walk w;
	uint64_t pfn;
	char *p;

	p = hugetlb_map(variant);
	if (p == MAP_FAILED)
		SKIP(return, "no %lu kB hugetlb page reserved", variant->size >> 10);
	p[0] = 1;
	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	ASSERT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	pfn = w.page.pfn;
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 1, &pm_before));
	ASSERT_EQ(0, mprotect(p, variant->size, PROT_NONE));
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 1, &pm_after));

	ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p, &w));
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
	EXPECT_EQ(pfn, w.page.pfn);
	EXPECT_EQ(variant->size, w.page.page_size);
	EXPECT_TRUE(w.page.pte_flags & MMSCOPE_PTE_PROTNONE);
	EXPECT_FALSE(w.page.pte_flags & MMSCOPE_PTE_PRESENT);
	EXPECT_TRUE(w.page.page_flags & MMSCOPE_PG_HUGETLB);
	EXPECT_EQ(MMSCOPE_COW_READONLY, w.page.cow);
	/* pagemap agrees: still present, the same frame. */
	EXPECT_TRUE(pm_after & (1ULL << 63));
	EXPECT_EQ(pm_before & ((1ULL << 55) - 1), pm_after & ((1ULL << 55) - 1));
	EXPECT_EQ(pfn, pm_after & ((1ULL << 55) - 1));
	munmap(p, variant->size);
}

/*
 * The page index of a hugetlb page is in base pages on every kernel,
 * whatever the folio's ->index counts (huge pages on 6.1). The oracle is
 * the experiment: the page's offset in the mapping, over 4 KiB, since both
 * mappings start at file offset 0.
 */
FIXTURE(hugetlb_index) {
	int fd;
};

FIXTURE_VARIANT(hugetlb_index) {
	int flags;
	bool file;
};

FIXTURE_VARIANT_ADD(hugetlb_index, shared) { .flags = MAP_SHARED, .file = true };
FIXTURE_VARIANT_ADD(hugetlb_index, private) { .flags = MAP_PRIVATE, .file = false };

FIXTURE_SETUP(hugetlb_index)
{
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(hugetlb_index)
{
	close(self->fd);
}

TEST_F(hugetlb_index, base_pages_from_the_start)
{
	const unsigned long offsets[] = { 0, PAGE, 2 * MB, 2 * MB + PAGE, 4 * MB - PAGE };
	struct mmscope_walk w;
	unsigned int i;
	char *p;

	p = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
		 variant->flags | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no two 2048 kB hugetlb pages free");
	p[0] = 1;
	p[2 * MB] = 1;
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		ASSERT_EQ(0, mms_walk(self->fd, (uintptr_t)p + offsets[i], &w));
		ASSERT_EQ(MMSCOPE_ENTRY_PRESENT, w.page.state);
		ASSERT_TRUE(w.page.page_flags & MMSCOPE_PG_HUGETLB);
		EXPECT_EQ(variant->file, !!(w.page.flags & MMSCOPE_PAGE_FILE));
		EXPECT_EQ(!variant->file, !!(w.page.page_flags & MMSCOPE_PG_ANON));
		EXPECT_EQ(offsets[i] / PAGE, w.page.index)
			TH_LOG("index at offset %#lx", offsets[i]);
	}
	munmap(p, 4 * MB);
}

TEST_HARNESS_MAIN
