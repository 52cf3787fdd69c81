// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of large pages and shared ones: a THP mapped by one PMD leaf, made
 * by a fault or by MADV_COLLAPSE and split by an mprotect() of one page;
 * hugetlb pages of 2M and 1G; and KSM, which merges identical pages into
 * one until a write copies it again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define KPF_ANON 12
#define KPF_HUGE 17
#define KPF_KSM 21
#define KPF_THP 22
#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)

/* The first line of a sysfs file, or "" */
static void sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* The walk's leaf of @addr, against pagemap, kpageflags and smaps. */
static void expect_leaf(struct lab *lab, uint64_t addr, const char *level, uint64_t size,
			int kpf_bit, const char *kpf_name)
{
	struct mmscope_walk walk;
	const struct mmscope_level *leaf;
	uint64_t pfn = 0;
	int64_t kpf;
	char what[96];

	if (lab_walk(lab, getpid(), addr, &walk) || !walk.nr_levels)
		return;
	leaf = &walk.levels[walk.nr_levels - 1];
	lab_expect_str(lab, "mmscope: the walk's leaf level", level, mms_level_name(leaf->level));
	lab_expect_u64(lab, "mmscope: the leaf maps (bytes)", size, leaf->leaf_size);
	if (proc_pagemap(getpid(), addr, &pfn) != 1) {
		lab_expect(lab, false, "/proc/PID/pagemap: present", "present", "not present");
		return;
	}
	lab_expect_hex(lab, "mmscope: the page's PFN is pagemap's", pfn, walk.page.pfn);
	kpf = proc_kpageflags(pfn);
	snprintf(what, sizeof(what), "/proc/kpageflags: the page is %s", kpf_name);
	lab_expect_str(lab, what, "yes", kpf < 0 ? "unreadable" : kpf & (1LL << kpf_bit) ? "yes" : "no");
}

/* A counter of /proc/vmstat, or -1. */
static long vmstat(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	FILE *f = fopen("/proc/vmstat", "re");
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ') {
			v = atol(line + len + 1);
			break;
		}
	fclose(f);
	return v;
}

/* A 2M-aligned region of @len bytes (len a multiple of 2M), or NULL. */
static char *aligned_region(struct lab *lab, size_t len, int flags)
{
	char *p = mmap(NULL, len + SZ_2M, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		lab_broken(lab, "mmap: %s", strerror(errno));
		return NULL;
	}
	a = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + SZ_2M - a);
	return a;
}

static int thp_lab(struct lab *lab)
{
	char mode[128], *p, *q;
	long kb, fallback;
	int i;

	sysfs_read("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof(mode));
	lab_step(lab, "Map 2 MiB aligned to 2 MiB with MADV_HUGEPAGE, and write one byte: the fault maps a whole THP with one PMD entry (do_huge_pmd_anonymous_page())");
	if (!mode[0]) {
		lab_skip_step(lab, "this kernel has no transparent huge pages (no /sys/kernel/mm/transparent_hugepage)");
		return 0;
	}
	if (strstr(mode, "[never]")) {
		lab_skip_step(lab, "transparent huge pages are off: /sys/kernel/mm/transparent_hugepage/enabled is never");
		return 0;
	}
	/* 6.8 and later: the 2M size has a setting of its own. */
	sysfs_read("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled", mode,
		   sizeof(mode));
	if (strstr(mode, "[never]")) {
		lab_skip_step(lab, "2M transparent huge pages are off: /sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled is never");
		return 0;
	}
	p = aligned_region(lab, SZ_2M, 0);
	if (!p)
		return 0;
	if (madvise(p, SZ_2M, MADV_HUGEPAGE)) {
		lab_broken(lab, "madvise(MADV_HUGEPAGE): %s", strerror(errno));
		goto free_p;
	}
	fallback = vmstat("thp_fault_fallback");
	p[0] = 1;
	if (vmstat("thp_fault_fallback") > fallback) {
		lab_skip_step(lab, "no free 2M block: the fault fell back to 4K pages (thp_fault_fallback in /proc/vmstat)");
		goto free_p;
	}
	expect_leaf(lab, (uintptr_t)p, "pmd", SZ_2M, KPF_THP, "part of a THP");
	kb = proc_smaps_kb(getpid(), (uintptr_t)p, "AnonHugePages");
	lab_expect_u64(lab, "/proc/PID/smaps AnonHugePages (kB)", 2048, kb);

	lab_step(lab, "mprotect() one 4K page of it read-only: the VMA splits, and so must the PMD: the THP is now mapped by 512 PTEs");
	if (mprotect(p + LAB_PAGE, LAB_PAGE, PROT_READ)) {
		lab_broken(lab, "mprotect: %s", strerror(errno));
		goto free_p;
	}
	expect_leaf(lab, (uintptr_t)p, "pte", LAB_PAGE, KPF_THP, "still part of a THP folio");
	lab_expect_u64(lab, "/proc/PID/smaps AnonHugePages of the first VMA (kB)", 0,
		       proc_smaps_kb(getpid(), (uintptr_t)p, "AnonHugePages"));

	lab_step(lab, "MADV_COLLAPSE: 512 pages faulted in one by one (MADV_NOHUGEPAGE) are copied into one THP, synchronously (collapse_huge_page())");
	q = aligned_region(lab, SZ_2M, 0);
	if (!q)
		goto free_p;
	if (madvise(q, SZ_2M, MADV_NOHUGEPAGE)) {
		lab_broken(lab, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
		goto free_q;
	}
	for (i = 0; i < (int)(SZ_2M / LAB_PAGE); i++)
		q[i * LAB_PAGE] = 1;
	expect_leaf(lab, (uintptr_t)q, "pte", LAB_PAGE, KPF_ANON, "anonymous");
	if (madvise(q, SZ_2M, MADV_HUGEPAGE)) {
		lab_broken(lab, "madvise(MADV_HUGEPAGE): %s", strerror(errno));
		goto free_q;
	}
	if (madvise(q, SZ_2M, MADV_COLLAPSE)) {
		if (errno == EINVAL)
			lab_skip_step(lab, "this kernel has no MADV_COLLAPSE (it came in 6.1)");
		else if (errno == EAGAIN || errno == ENOMEM)
			lab_skip_step(lab, "MADV_COLLAPSE found no free 2M block now (%s)",
				      strerror(errno));
		else
			lab_broken(lab, "madvise(MADV_COLLAPSE): %s", strerror(errno));
		goto free_q;
	}
	expect_leaf(lab, (uintptr_t)q, "pmd", SZ_2M, KPF_THP, "part of a THP");
	lab_expect_u64(lab, "/proc/PID/smaps AnonHugePages (kB)", 2048,
		       proc_smaps_kb(getpid(), (uintptr_t)q, "AnonHugePages"));
free_q:
	munmap(q, SZ_2M);
free_p:
	munmap(p, SZ_2M);
	return 0;
}

static void hugetlb_step(struct lab *lab, unsigned long size, const char *level,
			 const char *sysfs)
{
	char path[128], free_pages[32], resv[32];
	char *p;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/resv_hugepages", sysfs);
	sysfs_read(path, resv, sizeof(resv));
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", sysfs);
	sysfs_read(path, free_pages, sizeof(free_pages));
	if (!free_pages[0]) {
		lab_skip_step(lab, "this kernel has no hugetlb pages of this size (no %s)", path);
		return;
	}
	/* Free pages include those reserved by others' mappings. */
	if (atoi(free_pages) - atoi(resv) < 1) {
		lab_skip_step(lab, "no free hugetlb page of this size is reserved (%s is 0; see nr_hugepages)",
			      path);
		return;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		 ((size == SZ_1G ? 30 : 21) << MAP_HUGE_SHIFT), -1, 0);
	if (p == MAP_FAILED) {
		lab_broken(lab, "mmap(MAP_HUGETLB): %s", strerror(errno));
		return;
	}
	p[0] = 1;
	expect_leaf(lab, (uintptr_t)p, level, size, KPF_HUGE, "a huge page");
	/*
	 * smaps counts it as Private_ or Shared_Hugetlb: smaps_hugetlb_range()
	 * says shared for a non-present entry, a folio it thinks shared, or
	 * an entry whose page-table page has more than one reference
	 * (hugetlb_pmd_shared()); a 1G page on 6.12-rt was counted shared.
	 */
	lab_expect_u64(lab, "/proc/PID/smaps Private_Hugetlb + Shared_Hugetlb (kB)", size >> 10,
		       proc_smaps_kb(getpid(), (uintptr_t)p, "Private_Hugetlb") +
		       proc_smaps_kb(getpid(), (uintptr_t)p, "Shared_Hugetlb"));
	munmap(p, size);
}

static int hugetlb_lab(struct lab *lab)
{
	lab_step(lab, "A 2M hugetlb page (MAP_HUGETLB | MAP_HUGE_2MB): one PMD leaf, from the reserved pool");
	hugetlb_step(lab, SZ_2M, "pmd", "hugepages-2048kB");
	lab_step(lab, "A 1G hugetlb page (MAP_HUGE_1GB): one PUD leaf");
	hugetlb_step(lab, SZ_1G, "pud", "hugepages-1048576kB");
	return 0;
}

static const char *const ksm_knobs[] = {
	"/sys/kernel/mm/ksm/run", "/sys/kernel/mm/ksm/pages_to_scan",
	"/sys/kernel/mm/ksm/sleep_millisecs",
};
#define NR_KNOBS 3

/* The knobs as they were, restored on every way out: also a signal's. */
static char ksm_saved[NR_KNOBS][32];
static volatile sig_atomic_t ksm_changed;	/* knobs changed, in order */
static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction old_actions[4];

/* Async-signal-safe: open(), write(), close() only. */
static void ksm_restore(void)
{
	int i, fd;

	for (i = ksm_changed - 1; i >= 0; i--) {
		fd = open(ksm_knobs[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, ksm_saved[i], strlen(ksm_saved[i])) < 0)
				ksm_saved[i][0] = 0;
			close(fd);
		}
	}
	ksm_changed = 0;
}

static void ksm_restore_and_die(int sig)
{
	ksm_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void ksm_guard(bool on)
{
	static bool registered;
	struct sigaction sa = { .sa_handler = ksm_restore_and_die };
	size_t i;

	if (on && !registered) {
		atexit(ksm_restore);
		registered = true;
	}
	for (i = 0; i < sizeof(restore_signals) / sizeof(restore_signals[0]); i++)
		if (on)
			sigaction(restore_signals[i], &sa, &old_actions[i]);
		else
			sigaction(restore_signals[i], &old_actions[i], NULL);
}

static int ksm_lab(struct lab *lab)
{
	const char *set[NR_KNOBS] = { "1", "1000", "10" };
	uint64_t pfn0 = 0, pfn1 = 1;
	struct mmscope_page page;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int64_t kpf;
	char *p;
	int i, tries;

	lab_step(lab, "Two private pages with the same bytes, marked MADV_MERGEABLE; ksmd runs (the lab sets /sys/kernel/mm/ksm/run to 1, and restores it)");
	for (i = 0; i < NR_KNOBS; i++)
		sysfs_read(ksm_knobs[i], ksm_saved[i], sizeof(ksm_saved[i]));
	if (!ksm_saved[0][0]) {
		lab_skip_step(lab, "this kernel has no KSM (no /sys/kernel/mm/ksm)");
		return 0;
	}
	p = lab_region(lab, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		return 0;
	memset(p, 0x42, 2 * LAB_PAGE);
	if (madvise(p, 2 * LAB_PAGE, MADV_MERGEABLE)) {
		lab_broken(lab, "madvise(MADV_MERGEABLE): %s", strerror(errno));
		goto out;
	}
	i = proc_smaps_vmflag(getpid(), (uintptr_t)p, "mg");
	lab_expect_str(lab, "/proc/PID/smaps: VmFlags has \"mg\" (VM_MERGEABLE)", "set",
		       i < 0 ? "unreadable" : i ? "set" : "clear");
	ksm_guard(true);
	for (i = 0; i < NR_KNOBS; i++) {
		if (sysfs_write(ksm_knobs[i], set[i])) {
			lab_broken(lab, "write %s to %s: %s", set[i], ksm_knobs[i], strerror(errno));
			goto restore;
		}
		ksm_changed = i + 1;
	}
	/* ksmd merges in its own time: wait for it, 10 s at most. */
	for (tries = 0; tries < 500; tries++) {
		if (proc_pagemap(getpid(), (uintptr_t)p, &pfn0) == 1 &&
		    proc_pagemap(getpid(), (uintptr_t)p + LAB_PAGE, &pfn1) == 1 && pfn0 == pfn1)
			break;
		nanosleep(&ts, NULL);
	}

	lab_step(lab, "ksmd merged them: both addresses map one write-protected KSM page");
	if (pfn0 != pfn1) {
		lab_skip_step(lab, "ksmd did not merge the pages within 10 s (a busy machine?)");
		goto restore;
	}
	lab_expect_hex(lab, "pagemap: the second page's PFN is the first's", pfn0, pfn1);
	kpf = proc_kpageflags(pfn0);
	lab_expect_str(lab, "/proc/kpageflags: the page is KSM", "yes",
		       kpf < 0 ? "unreadable" : kpf & (1LL << KPF_KSM) ? "yes" : "no");
	if (!lab_page(lab, getpid(), (uintptr_t)p, &page)) {
		lab_expect_str(lab, "mmscope: the page is KSM", "yes",
			       page.page_flags & MMSCOPE_PG_KSM ? "yes" : "no");
		lab_expect_str(lab, "mmscope: a write would", mms_cow_name(MMSCOPE_COW_COPY),
			       mms_cow_name(page.cow));
	}

	lab_step(lab, "A write to the first page: copy-on-write breaks the sharing, and the second keeps the KSM page");
	p[0] = 0x43;
	if (proc_pagemap(getpid(), (uintptr_t)p, &pfn1) == 1)
		lab_expect_hex_ne(lab, "pagemap: the first page's PFN", pfn0, pfn1);
	else
		lab_broken(lab, "pagemap of the first page");
	if (proc_pagemap(getpid(), (uintptr_t)p + LAB_PAGE, &pfn1) == 1)
		lab_expect_hex(lab, "pagemap: the second page's PFN", pfn0, pfn1);
	else
		lab_broken(lab, "pagemap of the second page");
restore:
	ksm_restore();
	ksm_guard(false);
out:
	lab_region_free(p, 2);
	return 0;
}

static const unsigned char thp_concepts[] = { 14, 0 };
static const unsigned char hugetlb_concepts[] = { 14, 0 };
static const unsigned char ksm_concepts[] = { 20, 0 };

const struct lab_def lab_huge_defs[] = {
	{ "thp", "transparent huge pages: a PMD leaf, split and collapse", thp_concepts, thp_lab },
	{ "hugetlb", "hugetlb pages of 2M and 1G", hugetlb_concepts, hugetlb_lab },
	{ "ksm", "KSM merges identical pages until a write", ksm_concepts, ksm_lab },
	{ NULL },
};
