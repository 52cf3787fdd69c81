// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PAGES's two lighter modes against a forked child:
 * MMSCOPE_PAGES_PTE_ONLY records, field by field against pagemap and
 * against the full records, and MMSCOPE_PAGES_SUMMARY counts against the
 * full records counted and against pagemap; 4K, zero-page, COW-shared,
 * THP, hugetlb and swapped pages; and every bad request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define MB (1UL << 20)
#define NR_4K 256	/* pages of the 4K region */
#define NR_SWAP 16

/* What the child maps, sent to the parent once it is ready. */
struct layout {
	uint64_t small, thp, hugetlb, swap;	/* 0 where the kernel gave none */
};

/*
 * The target: a 4K region of written, read (zero page), COW-shared (written
 * before a fork of its own) and untouched pages, soft-dirty cleared then
 * some written again; a THP; a 2M hugetlb page; pages paged out. Then it
 * waits for its pipe to close.
 */
static void child_main(int ready, int hold)
{
	struct layout l = { 0 };
	char *p, *raw, c;
	size_t i;

	p = mmap(NULL, NR_4K * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise_no_thp(p, NR_4K * PAGE))
		_exit(1);
	for (i = 0; i < NR_4K / 2; i++)
		p[i * PAGE] = 1;
	for (i = NR_4K / 2; i < NR_4K * 3 / 4; i++)
		(void)*(volatile char *)&p[i * PAGE];
	/* A grandchild keeps the written pages shared: write-protected, COW. */
	if (fork() == 0) {
		close(ready);
		(void)read(hold, &c, 1);
		_exit(0);
	}
	write_file("/proc/self/clear_refs", "4");
	for (i = 0; i < NR_4K / 8; i++)
		p[i * PAGE] = 2;	/* copied: exclusive, writable, soft-dirty */
	l.small = (uintptr_t)p;

	p = thp_region(2 * MB, &raw);
	l.thp = (uintptr_t)p;
	p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
	if (p != MAP_FAILED) {
		p[0] = 1;
		l.hugetlb = (uintptr_t)p;
	}
	p = mmap(NULL, NR_SWAP * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && !madvise_no_thp(p, NR_SWAP * PAGE)) {
		for (i = 0; i < NR_SWAP; i++)
			memset(p + i * PAGE, (int)i + 1, PAGE);
		if (!madvise(p, NR_SWAP * PAGE, MADV_PAGEOUT))
			l.swap = (uintptr_t)p;
	}
	if (write(ready, &l, sizeof(l)) != sizeof(l))
		_exit(1);
	(void)read(hold, &c, 1);
	_exit(0);
}

FIXTURE(child) {
	pid_t pid;
	int fd, hold;
	struct layout l;
};

FIXTURE_SETUP(child)
{
	int ready[2], hold[2];

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	self->pid = fork();
	ASSERT_GE(self->pid, 0);
	if (self->pid == 0) {
		close(ready[0]);
		close(hold[1]);
		child_main(ready[1], hold[0]);
	}
	close(ready[1]);
	close(hold[0]);
	self->hold = hold[1];
	ASSERT_EQ(sizeof(self->l), read(ready[0], &self->l, sizeof(self->l)));
	close(ready[0]);
	self->fd = open_target(self->pid);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(child)
{
	close(self->hold);	/* the child and its own child return */
	waitpid(self->pid, NULL, 0);
	close(self->fd);
}

/* Per-4K-page views of the three answers, for comparing them. */
struct page_view {
	uint32_t state, pte_flags, swap_type;
	uint64_t pfn;	/* or swap offset */
};

/*
 * A present run never crosses into the next VMA: a child writes 64 pages
 * in order (the allocator mostly hands out consecutive frames), then
 * MADV_DONTFORK splits the VMA in the middle without touching a PTE. A
 * PTE-only record must begin at the split, as a full record does.
 */
TEST(pte_only_runs_stop_at_a_vma)
{
	uint64_t pm[2], split;
	struct mmscope_page_pte *recs;
	int ready[2], hold[2], fd;
	bool starts = false;
	size_t n, i;
	char *p, c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(ready[0]);
		close(hold[1]);	/* else its read() below never sees the end */
		p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED || madvise_no_thp(p, 64 * PAGE))
			_exit(1);
		for (i = 0; i < 64; i++)
			p[i * PAGE] = 1;
		if (madvise(p + 32 * PAGE, 32 * PAGE, MADV_DONTFORK))
			_exit(1);
		if (write(ready[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		(void)read(hold[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	ASSERT_EQ(sizeof(p), read(ready[0], &p, sizeof(p)));
	split = (uintptr_t)p + 32 * PAGE;
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_pages_pte_all(fd, (uintptr_t)p, (uintptr_t)p + 64 * PAGE, &recs, &n));
	for (i = 0; i < n; i++)
		if (recs[i].addr == split)
			starts = true;
	EXPECT_TRUE(starts);
	/* Whether the frames on both sides were consecutive: the case merging would join. */
	ASSERT_EQ(0, pagemap_read(pid, split - PAGE, 2, pm));
	TH_LOG("%zu records; frames at the split %sconsecutive", n,
	       (pm[0] & PM_PFN_MASK) + 1 == (pm[1] & PM_PFN_MASK) ? "" : "not ");
	free(recs);
	close(fd);
	close(hold[1]);
	waitpid(pid, NULL, 0);
	close(ready[0]);
}

/* The full records of [start, end), one view per 4K page; -1 on error. */
static int full_views(int fd, uint64_t start, uint64_t end, struct page_view *v)
{
	struct mmscope_page *recs, *r;
	uint64_t k, idx;
	int n, i;

	n = pages_of(fd, start, end, &recs);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		r = &recs[i];
		for (k = 0; k < r->size / PAGE; k++) {
			idx = (r->addr - start) / PAGE + k;
			v[idx] = (struct page_view){ r->state, r->pte_flags, r->swap_type,
				r->state == MMSCOPE_ENTRY_PRESENT ? r->pfn + k : r->swap_offset };
		}
	}
	free(recs);
	return 0;
}

/*
 * The PTE-only records of [start, end), one view per 4K page; -1 on error,
 * -2 if the records do not tile the range in order.
 */
static int pte_views(int fd, uint64_t start, uint64_t end, struct page_view *v)
{
	struct mmscope_page_pte *recs, *r;
	uint64_t k, rend;
	size_t n, i;

	if (mms_pages_pte_all(fd, start, end, &recs, &n))
		return -1;
	if (!n || recs[0].addr != start) {
		free(recs);
		return -2;
	}
	for (i = 0; i < n; i++) {
		r = &recs[i];
		rend = i + 1 < n ? recs[i + 1].addr : end;
		if (rend <= r->addr || rend > end || r->reserved ||
		    (r->state == MMSCOPE_ENTRY_PRESENT) != !!r->page_shift) {
			free(recs);
			return -2;
		}
		for (k = 0; k < (rend - r->addr) / PAGE; k++)
			v[(r->addr - start) / PAGE + k] = (struct page_view){
				r->state, r->pte_flags, r->swap_type,
				r->state == MMSCOPE_ENTRY_PRESENT ? r->pfn + k : r->pfn };
	}
	free(recs);
	return 0;
}

/*
 * PTE-only against pagemap (state, PFN, swap entry, soft-dirty) and
 * against the full records (every field they share), page by page.
 * Returns the mismatches, or -1 if a query failed.
 */
static int compare_pte_only(int fd, pid_t pid, uint64_t start, uint64_t end)
{
	size_t n = (end - start) / PAGE, i;
	struct page_view *pte, *full;
	uint64_t *pm, e;
	int bad = 0, ret;
	bool sd, ok;

	pte = calloc(n, sizeof(*pte));
	full = calloc(n, sizeof(*full));
	pm = calloc(n, sizeof(*pm));
	if (!pte || !full || !pm || full_views(fd, start, end, full) ||
	    pagemap_read(pid, start, n, pm)) {
		bad = -1;
		goto out;
	}
	ret = pte_views(fd, start, end, pte);
	if (ret) {
		fprintf(stderr, "# PTE_ONLY records of %llx: %s\n", (unsigned long long)start,
			ret == -2 ? "do not tile the range" : strerror(errno));
		bad = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = pm[i];
		if (memcmp(&pte[i], &full[i], sizeof(pte[i]))) {
			if (bad++ < 8)
				fprintf(stderr, "# %llx: PTE_ONLY %u %#x %llx, full %u %#x %llx\n",
					(unsigned long long)(start + i * PAGE), pte[i].state,
					pte[i].pte_flags, (unsigned long long)pte[i].pfn,
					full[i].state, full[i].pte_flags,
					(unsigned long long)full[i].pfn);
			continue;
		}
		sd = vma_soft_dirty(fd, start + i * PAGE) ||
		     (pte[i].pte_flags & MMSCOPE_PTE_SOFT_DIRTY);
		if (pte[i].state == MMSCOPE_ENTRY_PRESENT)
			ok = (e & PM_PRESENT) && (e & PM_PFN_MASK) == pte[i].pfn &&
			     !!(e & PM_SOFT_DIRTY) == sd;
		else if (pte[i].state == MMSCOPE_ENTRY_SWAP)
			ok = (e & PM_SWAP) && PM_SWAP_TYPE(e) == pte[i].swap_type &&
			     PM_SWAP_OFFSET(e) == pte[i].pfn && !!(e & PM_SOFT_DIRTY) == sd;
		else
			ok = !(e & (PM_PRESENT | PM_SWAP));
		if (!ok && bad++ < 8)
			fprintf(stderr, "# %llx: PTE_ONLY %s %#x %llx, pagemap %llx\n",
				(unsigned long long)(start + i * PAGE), mms_state_name(pte[i].state),
				pte[i].pte_flags, (unsigned long long)pte[i].pfn,
				(unsigned long long)e);
	}
out:
	free(pte);
	free(full);
	free(pm);
	return bad;
}

/* The ranges of the child worth comparing; returns how many. */
static int child_ranges(const struct layout *l, uint64_t r[][2])
{
	int n = 0;

	r[n][0] = l->small;
	r[n++][1] = l->small + NR_4K * PAGE;
	if (l->thp) {
		r[n][0] = l->thp;
		r[n++][1] = l->thp + 2 * MB;
	}
	if (l->hugetlb) {
		r[n][0] = l->hugetlb;
		r[n++][1] = l->hugetlb + 2 * MB;
	}
	if (l->swap) {
		r[n][0] = l->swap;
		r[n++][1] = l->swap + NR_SWAP * PAGE;
	}
	return n;
}

/* The child is idle, but LRU batches drain: compare until it settles. */
TEST_F_TIMEOUT(child, pte_only_matches_pagemap_and_full_records, 120)
{
	uint64_t r[4][2];
	int n = child_ranges(&self->l, r), i, tries, bad;

	for (i = 0; i < n; i++) {
		for (tries = 0, bad = -1; tries < 5 && bad; tries++) {
			bad = compare_pte_only(self->fd, self->pid, r[i][0], r[i][1]);
			if (bad)
				usleep(200 * 1000);
		}
		EXPECT_EQ(0, bad) TH_LOG("range %llx-%llx", (unsigned long long)r[i][0],
					 (unsigned long long)r[i][1]);
	}
	if (!self->l.thp)
		TH_LOG("no THP: its leaf was not compared");
	if (!self->l.hugetlb)
		TH_LOG("no 2M hugetlb page: its leaf was not compared");
	if (!self->l.swap)
		TH_LOG("no swap: swap entries were not compared");
}

/* A PTE-only leaf above the PTE level: one record of its page size. */
TEST_F(child, pte_only_huge_leaves)
{
	struct mmscope_page_pte *recs;
	uint64_t pm;
	size_t n;

	if (!self->l.thp && !self->l.hugetlb)
		SKIP(return, "neither THP nor a hugetlb page");
	if (self->l.thp) {
		ASSERT_EQ(0, mms_pages_pte_all(self->fd, self->l.thp, self->l.thp + 2 * MB,
					       &recs, &n));
		ASSERT_EQ(1, n);
		EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, recs[0].state);
		EXPECT_EQ(21, recs[0].page_shift);
		EXPECT_TRUE(recs[0].pte_flags & MMSCOPE_PTE_HUGE);
		ASSERT_EQ(0, pagemap_read(self->pid, self->l.thp, 1, &pm));
		EXPECT_EQ(pm & PM_PFN_MASK, recs[0].pfn);
		free(recs);
	}
	if (self->l.hugetlb) {
		/* A cut leaf: the record starts where asked, at its 4K's frame. */
		ASSERT_EQ(0, mms_pages_pte_all(self->fd, self->l.hugetlb + 3 * PAGE,
					       self->l.hugetlb + 2 * MB, &recs, &n));
		ASSERT_EQ(1, n);
		EXPECT_EQ(21, recs[0].page_shift);
		ASSERT_EQ(0, pagemap_read(self->pid, self->l.hugetlb + 3 * PAGE, 1, &pm));
		EXPECT_EQ(pm & PM_PFN_MASK, recs[0].pfn);
		free(recs);
	}
}

/* The summary of [start, end) counted from the full records. */
static int count_full(int fd, uint64_t start, uint64_t end, struct mmscope_pages *c)
{
	struct mmscope_page *recs, *r;
	int n, i;

	memset(c, 0, sizeof(*c));
	n = pages_of(fd, start, end, &recs);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		r = &recs[i];
		c->sum_state[r->state] += r->size / PAGE;
		c->sum_cow[r->cow] += r->size / PAGE;
		if (r->state == MMSCOPE_ENTRY_PRESENT)
			c->sum_present[r->page_size >= (1ULL << 30) ? 2 :
				       r->page_size >= (2ULL << 20)] += r->size / PAGE;
	}
	free(recs);
	return 0;
}

/* Say where the full records of [start, end) fail to tile it. */
static void records_tile(int fd, uint64_t start, uint64_t end)
{
	struct mmscope_page *recs;
	uint64_t at = start;
	int n, i, said = 0;

	n = pages_of(fd, start, end, &recs);
	for (i = 0; i < n && said < 6; i++) {
		if (recs[i].addr != at || recs[i].size % PAGE || !recs[i].size)
			fprintf(stderr, "# record %d of %d: %llx+%llx %s, expected at %llx (prev %llx+%llx %s)\n",
				i, n, (unsigned long long)recs[i].addr,
				(unsigned long long)recs[i].size, mms_state_name(recs[i].state),
				(unsigned long long)at,
				(unsigned long long)(i ? recs[i - 1].addr : 0),
				(unsigned long long)(i ? recs[i - 1].size : 0),
				i ? mms_state_name(recs[i - 1].state) : "-"), said++;
		at = recs[i].addr + recs[i].size;
	}
	if (n > 0 && at != end)
		fprintf(stderr, "# records end at %llx, not %llx\n", (unsigned long long)at,
			(unsigned long long)end);
	if (n > 0)
		free(recs);
}

static int counters_differ(const struct mmscope_pages *a, const struct mmscope_pages *b)
{
	return memcmp(a->sum_state, b->sum_state, sizeof(a->sum_state)) ||
	       memcmp(a->sum_cow, b->sum_cow, sizeof(a->sum_cow)) ||
	       memcmp(a->sum_present, b->sum_present, sizeof(a->sum_present));
}

static uint64_t sum_of(const __u64 *v, int n)
{
	uint64_t s = 0;

	while (n--)
		s += v[n];
	return s;
}

TEST_F_TIMEOUT(child, summary_matches_records_and_pagemap, 120)
{
	struct mmscope_pages sum, counted, half;
	uint64_t r[5][2], *pm, present, swapped, k, len;	/* the child's four, and all */
	int n = child_ranges(&self->l, r), i, tries, differ;
	static struct proc_vma maps[512];
	int nmaps;

	/* Every range of interest, and then the whole of the child's space. */
	nmaps = proc_maps(self->pid, maps, 512);
	ASSERT_GT(nmaps, 0);
	r[n][0] = maps[0].start;
	r[n++][1] = maps[nmaps - 1].end;
	for (i = 0; i < n; i++) {
		len = (r[i][1] - r[i][0]) / PAGE;
		for (tries = 0, differ = 1; tries < 5 && differ; tries++) {
			ASSERT_EQ(0, mms_pages_summary(self->fd, r[i][0], r[i][1], &sum));
			ASSERT_EQ(0, count_full(self->fd, r[i][0], r[i][1], &counted));
			differ = counters_differ(&sum, &counted);
			if (differ)
				usleep(200 * 1000);
		}
		if (sum_of(sum.sum_state, MMSCOPE_PAGES_SUM_STATES) != len)
			records_tile(self->fd, r[i][0], r[i][1]);
		EXPECT_FALSE(differ) TH_LOG("range %llx-%llx: summary and records differ",
					    (unsigned long long)r[i][0],
					    (unsigned long long)r[i][1]);
		EXPECT_TRUE(sum.out_flags & MMSCOPE_PAGES_DONE);
		EXPECT_EQ(r[i][1], sum.next);
		EXPECT_EQ(len, sum_of(sum.sum_state, MMSCOPE_PAGES_SUM_STATES));
		EXPECT_EQ(len, sum_of(sum.sum_cow, MMSCOPE_PAGES_SUM_COWS));
		EXPECT_EQ(sum.sum_state[MMSCOPE_ENTRY_PRESENT],
			  sum_of(sum.sum_present, MMSCOPE_PAGES_SUM_SIZES));
		/* Per call: two halves sum to the whole. */
		k = r[i][0] + (len / 2) * PAGE;
		ASSERT_EQ(0, mms_pages_summary(self->fd, r[i][0], k, &half));
		ASSERT_EQ(0, mms_pages_summary(self->fd, k, r[i][1], &counted));
		EXPECT_EQ(len, sum_of(half.sum_state, MMSCOPE_PAGES_SUM_STATES) +
			  sum_of(counted.sum_state, MMSCOPE_PAGES_SUM_STATES));

		if (i == n - 1)
			continue;	/* pagemap of the whole space: too big */
		/* pagemap: the same present and swapped pages. */
		pm = calloc(len, sizeof(*pm));
		ASSERT_NE(NULL, pm);
		ASSERT_EQ(0, pagemap_read(self->pid, r[i][0], len, pm));
		for (k = present = swapped = 0; k < len; k++) {
			present += !!(pm[k] & PM_PRESENT);
			swapped += !!(pm[k] & PM_SWAP);
		}
		free(pm);
		EXPECT_EQ(present, sum.sum_state[MMSCOPE_ENTRY_PRESENT]);
		EXPECT_EQ(swapped, sum.sum_state[MMSCOPE_ENTRY_SWAP] +
			  sum.sum_state[MMSCOPE_ENTRY_MIGRATION]);

	}

	/* Each VMA and each gap of the child alone: every page counted once. */
	for (i = 0; i < nmaps; i++) {
		uint64_t s0 = i ? maps[i - 1].end : maps[0].start, e0 = maps[i].start;

		for (k = 0; k < 2; k++, s0 = maps[i].start, e0 = maps[i].end) {
			if (s0 >= e0)
				continue;
			ASSERT_EQ(0, mms_pages_summary(self->fd, s0, e0, &sum));
			EXPECT_EQ((e0 - s0) / PAGE, sum_of(sum.sum_state, MMSCOPE_PAGES_SUM_STATES))
				TH_LOG("%s %llx-%llx %s: %llu none, %llu present, %llu no VMA",
				       k ? "VMA" : "gap before", (unsigned long long)s0,
				       (unsigned long long)e0, maps[i].path,
				       (unsigned long long)sum.sum_state[MMSCOPE_ENTRY_NONE],
				       (unsigned long long)sum.sum_state[MMSCOPE_ENTRY_PRESENT],
				       (unsigned long long)sum.sum_state[MMSCOPE_ENTRY_NO_VMA]);
		}
	}

	/* The 4K region has each verdict the child set up. */
	ASSERT_EQ(0, mms_pages_summary(self->fd, self->l.small, self->l.small + NR_4K * PAGE,
				       &sum));
	EXPECT_EQ(NR_4K / 8, sum.sum_cow[MMSCOPE_COW_WRITABLE]);
	EXPECT_EQ(NR_4K / 2 - NR_4K / 8, sum.sum_cow[MMSCOPE_COW_COPY]);
	EXPECT_EQ(NR_4K / 4, sum.sum_cow[MMSCOPE_COW_ZERO]);
	EXPECT_EQ(NR_4K / 4, sum.sum_cow[MMSCOPE_COW_NONE]);
	EXPECT_EQ(NR_4K * 3 / 4, sum.sum_present[0]);
	if (self->l.thp) {
		ASSERT_EQ(0, mms_pages_summary(self->fd, self->l.thp, self->l.thp + 2 * MB, &sum));
		EXPECT_EQ(512, sum.sum_present[1]);
		EXPECT_EQ(proc_smaps_field(self->pid, self->l.thp, "AnonHugePages") * 1024 / PAGE,
			  sum.sum_present[1]);
	}
	if (self->l.swap) {
		ASSERT_EQ(0, mms_pages_summary(self->fd, self->l.swap,
					       self->l.swap + NR_SWAP * PAGE, &sum));
		EXPECT_EQ(NR_SWAP, sum.sum_state[MMSCOPE_ENTRY_SWAP]);
	}
}

/* A request as a caller fills it: @flags, and records where they belong. */
static void pages_req(struct mmscope_pages *req, uint32_t flags, uint64_t start, void *buf)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->flags = flags;
	req->start = start;
	req->end = start + 16 * PAGE;
	if (!(flags & MMSCOPE_PAGES_SUMMARY)) {
		req->records_ptr = (uintptr_t)buf;
		req->record_size = flags & MMSCOPE_PAGES_PTE_ONLY ?
				   sizeof(struct mmscope_page_pte) : sizeof(struct mmscope_page);
		req->count = 16;
	}
}

static int pages_ioctl(int fd, struct mmscope_pages *req)
{
	return ioctl(fd, MMSCOPE_IOC_PAGES, req) ? -errno : 0;
}

TEST_F(child, bad_requests)
{
	static struct mmscope_page recs[16];
	struct mmscope_page_pte *pte;
	uint64_t a = self->l.small;
	struct mmscope_pages req;
	unsigned char *b;
	size_t i;

	/* Flags: unknown bits, and both modes at once. */
	pages_req(&req, 1U << 2, a, recs);
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY | MMSCOPE_PAGES_SUMMARY, a, recs);
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY | MMSCOPE_PAGES_SUMMARY, a, NULL);
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));

	/* PTE_ONLY: its own record size, room for records, a valid buffer. */
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY, a, recs);
	req.record_size = sizeof(struct mmscope_page_pte) - 8;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	req.record_size = 4 * sizeof(struct mmscope_page_pte) + 8;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY, a, recs);
	req.count = 0;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY, a, recs);
	req.reserved = 1;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY, a, recs);
	req.records_ptr = 8;
	EXPECT_EQ(-EFAULT, pages_ioctl(self->fd, &req));
	/* Full records' size with PTE_ONLY is a larger record: tail zeroed. */
	memset(recs, 0xff, sizeof(recs));
	pages_req(&req, MMSCOPE_PAGES_PTE_ONLY, a, recs);
	req.record_size = sizeof(struct mmscope_page_pte) + 8;
	ASSERT_EQ(0, pages_ioctl(self->fd, &req));
	ASSERT_GT(req.count, 0);
	b = (unsigned char *)recs;
	for (i = 0; i < req.count; i++) {
		pte = (struct mmscope_page_pte *)(b + i * req.record_size);
		EXPECT_EQ(0, *(uint64_t *)(b + i * req.record_size + sizeof(*pte)));
		/* They tile the range, in order. */
		if (i) {
			EXPECT_LT(((struct mmscope_page_pte *)(b + (i - 1) * req.record_size))->addr,
				  pte->addr);
		} else {
			EXPECT_EQ(a, pte->addr);
		}
		EXPECT_LT(pte->addr, a + 16 * PAGE);
	}

	/* SUMMARY: no records, and a struct with room for the counters. */
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.records_ptr = (uintptr_t)recs;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.record_size = sizeof(struct mmscope_page);
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.count = 1;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.size = MMSCOPE_PAGES_SIZE_VER0;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	req.size = offsetof(struct mmscope_pages, sum_present) + 8;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.end = a;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	req.end = 1ULL << 60;
	EXPECT_EQ(-EINVAL, pages_ioctl(self->fd, &req));
	/* A good one, with garbage in its counters: they are out only. */
	pages_req(&req, MMSCOPE_PAGES_SUMMARY, a, NULL);
	memset(req.sum_state, 0xff, sizeof(req.sum_state));
	memset(req.sum_cow, 0xff, sizeof(req.sum_cow));
	ASSERT_EQ(0, pages_ioctl(self->fd, &req));
	EXPECT_EQ(16, sum_of(req.sum_state, MMSCOPE_PAGES_SUM_STATES));
	EXPECT_EQ(16, sum_of(req.sum_cow, MMSCOPE_PAGES_SUM_COWS));

	/* The old callers: the first version's struct, records, unchanged. */
	pages_req(&req, 0, a, recs);
	req.size = MMSCOPE_PAGES_SIZE_VER0;
	ASSERT_EQ(0, pages_ioctl(self->fd, &req));
	EXPECT_EQ(16, req.count);
	EXPECT_EQ(a, recs[0].addr);
	/* Records with counters in the struct: the counters come back zero. */
	pages_req(&req, 0, a, recs);
	memset(req.sum_present, 0xff, sizeof(req.sum_present));
	ASSERT_EQ(0, pages_ioctl(self->fd, &req));
	EXPECT_EQ(0, sum_of(req.sum_present, MMSCOPE_PAGES_SUM_SIZES));
}

/* A kernel thread (kthreadd) has no mm: one run with no VMA, in either mode. */
TEST(kernel_thread)
{
	struct mmscope_page_pte *recs;
	struct mmscope_pages sum;
	int fd = open_target(2);
	size_t n;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_pages_summary(fd, 0, 1UL << 30, &sum));
	EXPECT_EQ((1UL << 30) / PAGE, sum.sum_state[MMSCOPE_ENTRY_NO_VMA]);
	EXPECT_EQ((1UL << 30) / PAGE, sum.sum_cow[MMSCOPE_COW_READONLY]);
	EXPECT_TRUE(sum.out_flags & MMSCOPE_PAGES_DONE);
	ASSERT_EQ(0, mms_pages_pte_all(fd, 0, 1UL << 30, &recs, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(MMSCOPE_ENTRY_NO_VMA, recs[0].state);
	EXPECT_EQ(0, recs[0].addr);
	free(recs);
	close(fd);
}

TEST_HARNESS_MAIN
