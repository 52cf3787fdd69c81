// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of paging: mmap() only reserves; the first touch faults a page in
 * (do_anonymous_page()), a read of untouched anonymous memory maps the
 * shared zero page and a write replaces it; MAP_POPULATE and
 * MADV_POPULATE_WRITE fault the pages in before the first touch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define KPF_ZERO_PAGE 24
#define STAT_MINFLT 10	/* /proc/PID/stat's minflt */

#define DEMAND_PAGES 8
#define TOUCHED 4

/* How many pages of [addr, addr + pages) pagemap has present. */
static int present(pid_t pid, uint64_t addr, int pages)
{
	uint64_t pfn;
	int i, n = 0;

	for (i = 0; i < pages; i++)
		if (proc_pagemap(pid, addr + i * LAB_PAGE, &pfn) == 1)
			n++;
	return n;
}

/* And how many mmscope has present. */
static int present_mmscope(struct lab *lab, pid_t pid, uint64_t addr, int pages)
{
	struct mmscope_page page;
	int i, n = 0;

	for (i = 0; i < pages; i++) {
		if (lab_page(lab, pid, addr + i * LAB_PAGE, &page))
			return -1;
		if (page.state == MMSCOPE_ENTRY_PRESENT)
			n++;
	}
	return n;
}

static void expect_present(struct lab *lab, pid_t pid, uint64_t addr, int pages, int want)
{
	lab_expect_u64(lab, "mmscope: pages present", want,
		       present_mmscope(lab, pid, addr, pages));
	lab_expect_u64(lab, "/proc/PID/pagemap: pages present", want, present(pid, addr, pages));
}

/* The subject touches @pages pages from @addr; the minor faults it took. */
static long touch(struct lab *lab, struct subject *s, uint64_t addr, int pages, bool write)
{
	long before = proc_stat_field(s->pid, STAT_MINFLT);
	int i;

	for (i = 0; i < pages; i++)
		if (subject_do(lab, s, write ? ORDER_WRITE : ORDER_READ, addr + i * LAB_PAGE, 0,
			       1, NULL))
			return -1;
	return proc_stat_field(s->pid, STAT_MINFLT) - before;
}

static int demand(struct lab *lab)
{
	struct subject s = { 0 };
	struct snap s0 = { 0 }, s1 = { 0 };
	uint64_t addr = 0, zero_pfn = 0, pfn;
	int64_t kpf;

	if (subject_start(lab, &s))
		return 0;
	/* Its first order faults in what its loop needs; later ones do not. */
	lab_step(lab, "A new process (PID %d) maps %d pages of anonymous memory: mmap() only creates a VMA",
		 s.pid, DEMAND_PAGES);
	if (subject_do(lab, &s, ORDER_MMAP, 0, DEMAND_PAGES * LAB_PAGE, 0, &addr) || !addr) {
		lab_broken(lab, "the subject's mmap");
		goto out;
	}
	/* 4K pages only: with THP a first touch could map 2M at once. */
	if (subject_do(lab, &s, ORDER_MADVISE, addr, DEMAND_PAGES * LAB_PAGE, MADV_NOHUGEPAGE,
		       NULL))
		goto out;
	lab_expect_u64(lab, "/proc/PID/maps: VMAs over the new memory", 1,
		       proc_maps_count(s.pid, addr, addr + DEMAND_PAGES * LAB_PAGE));
	expect_present(lab, s.pid, addr, DEMAND_PAGES, 0);

	lab_step(lab, "It writes %d of them: each first touch is a page fault that allocates a page (do_anonymous_page())",
		 TOUCHED);
	snap_pages(lab, &s0, "", s.pid, addr, addr + DEMAND_PAGES * LAB_PAGE);
	snap_mm(lab, &s0, "", s.pid);
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", TOUCHED,
		       touch(lab, &s, addr, TOUCHED, true));
	snap_pages(lab, &s1, "", s.pid, addr, addr + DEMAND_PAGES * LAB_PAGE);
	snap_mm(lab, &s1, "", s.pid);
	lab_changes(lab, &s0, &s1);
	expect_present(lab, s.pid, addr, DEMAND_PAGES, TOUCHED);
	lab_expect_u64(lab, "a second write of the same pages faults no more", 0,
		       touch(lab, &s, addr, TOUCHED, true));

	lab_step(lab, "It reads an untouched page: the fault maps the shared zero page, read-only");
	snap_free(&s0);
	snap_free(&s1);
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       touch(lab, &s, addr + TOUCHED * LAB_PAGE, 1, false));
	if (proc_pagemap(s.pid, addr + TOUCHED * LAB_PAGE, &zero_pfn) == 1) {
		struct mmscope_page page;

		kpf = proc_kpageflags(zero_pfn);
		lab_expect(lab, kpf >= 0 && (kpf & (1LL << KPF_ZERO_PAGE)),
			   "/proc/kpageflags: the page is the zero page", "ZERO_PAGE",
			   kpf < 0 ? "unreadable" : (kpf & (1LL << KPF_ZERO_PAGE)) ? "ZERO_PAGE" :
			   "another page");
		if (!lab_page(lab, s.pid, addr + TOUCHED * LAB_PAGE, &page)) {
			lab_expect_hex(lab, "mmscope: its PFN is pagemap's", zero_pfn, page.pfn);
			lab_expect_str(lab, "mmscope: a write would", mms_cow_name(MMSCOPE_COW_ZERO),
				       mms_cow_name(page.cow));
		}
	} else {
		lab_expect(lab, false, "/proc/PID/pagemap: the page is present", "present",
			   "not present");
	}

	lab_step(lab, "It writes that page: the write fault replaces the zero page with a page of its own");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       touch(lab, &s, addr + TOUCHED * LAB_PAGE, 1, true));
	if (proc_pagemap(s.pid, addr + TOUCHED * LAB_PAGE, &pfn) == 1) {
		lab_expect_hex_ne(lab, "/proc/PID/pagemap: the PFN", zero_pfn, pfn);
		kpf = proc_kpageflags(pfn);
		lab_expect(lab, kpf >= 0 && !(kpf & (1LL << KPF_ZERO_PAGE)),
			   "/proc/kpageflags: the page", "not the zero page",
			   kpf < 0 ? "unreadable" : (kpf & (1LL << KPF_ZERO_PAGE)) ? "ZERO_PAGE" :
			   "not the zero page");
	} else {
		lab_expect(lab, false, "/proc/PID/pagemap: the page is present", "present",
			   "not present");
	}
out:
	snap_free(&s0);
	snap_free(&s1);
	subject_end(&s);
	return 0;
}

static int populate(struct lab *lab)
{
	struct subject s = { 0 };
	uint64_t addr = 0, err = 0;

	if (subject_start(lab, &s))
		return 0;
	lab_step(lab, "A new process (PID %d) maps %d pages with MAP_POPULATE: mmap() faults them in itself",
		 s.pid, TOUCHED);
	if (subject_do(lab, &s, ORDER_MMAP, 0, TOUCHED * LAB_PAGE, MAP_POPULATE, &addr) || !addr) {
		lab_broken(lab, "the subject's mmap");
		goto out;
	}
	expect_present(lab, s.pid, addr, TOUCHED, TOUCHED);
	lab_expect_u64(lab, "/proc/PID/stat: minor faults at the first touch", 0,
		       touch(lab, &s, addr, TOUCHED, true));

	lab_step(lab, "It maps %d more pages, then MADV_POPULATE_WRITE faults them in as writes would",
		 TOUCHED);
	if (subject_do(lab, &s, ORDER_MMAP, 0, TOUCHED * LAB_PAGE, 0, &addr) || !addr) {
		lab_broken(lab, "the subject's mmap");
		goto out;
	}
	expect_present(lab, s.pid, addr, TOUCHED, 0);
	if (subject_do(lab, &s, ORDER_MADVISE, addr, TOUCHED * LAB_PAGE, MADV_POPULATE_WRITE,
		       &err))
		goto out;
	if (err == EINVAL) {
		lab_skip_step(lab, "this kernel has no MADV_POPULATE_WRITE (5.14 and later)");
		goto out;
	}
	lab_expect_str(lab, "madvise(MADV_POPULATE_WRITE)", "0", err ? strerror((int)err) : "0");
	expect_present(lab, s.pid, addr, TOUCHED, TOUCHED);
	lab_expect_u64(lab, "/proc/PID/stat: minor faults at the first touch", 0,
		       touch(lab, &s, addr, TOUCHED, true));
out:
	subject_end(&s);
	return 0;
}

#define PTE_PFN_MASK 0x000ffffffffff000ULL
#define PGD_ENTRIES 512	/* PTRS_PER_PGD on x86-64 */
#define PGD_SHOWN 3	/* kernel entries shown side by side */

/* The whole PGD of @pid (MMSCOPE_IOC_PGD): 0, or -errno (the step is broken). */
static int pgd_of(struct lab *lab, pid_t pid, uint64_t *e, struct mmscope_pgd *pgd)
{
	uint32_t n = PGD_ENTRIES;
	int ret = mms_set_target(lab->fd, pid);

	if (ret) {
		lab_broken(lab, "mmscope aims at PID %d: %s", pid, strerror(-ret));
		return ret;
	}
	ret = mms_pgd(lab->fd, 0, e, &n, pgd);
	if (!ret && n != pgd->ptrs_per_pgd)
		ret = -EOVERFLOW;	/* a PGD larger than x86-64's */
	if (ret)
		lab_broken(lab, "mmscope pgd %d: %s", pid, strerror(-ret));
	return ret;
}

/*
 * pgd_alloc() -> pgd_ctor() copies the entries from KERNEL_PGD_BOUNDARY on
 * from swapper_pg_dir (clone_pgd_range()): this process's and a forked
 * one's are the same there, in two PGDs, while their user entries point at
 * tables of their own.
 */
static void kernel_half_step(struct lab *lab, uint64_t addr)
{
	static uint64_t mine[PGD_ENTRIES], theirs[PGD_ENTRIES];
	struct mmscope_pgd p, q;
	struct subject s = { 0 };
	unsigned int i, idx, equal = 0, present = 0;
	uint64_t pfn_mine = 0, pfn_theirs = 0;
	int pm_mine, pm_theirs;
	char what[96], a[32], b[32];

	lab_step(lab, "The kernel half of the PGD is the same in every process: pgd_ctor() copied it from the kernel's own; the user half is each process's (this process's entries -> those of a fork)");
	if (subject_start(lab, &s))
		return;
	if (pgd_of(lab, getpid(), mine, &p) || pgd_of(lab, s.pid, theirs, &q))
		goto out;
	lab_expect_hex_ne(lab, "mmscope: the fork's pgd_phys, not ours", p.pgd_phys, q.pgd_phys);
	for (i = p.kernel_clone_first; i < p.ptrs_per_pgd; i++) {
		equal += mine[i] == theirs[i];
		if (!(mine[i] & 1))
			continue;
		if (present++ < PGD_SHOWN) {
			snprintf(what, sizeof(what), "pgd[%u] (kernel): ours -> fork's", i);
			snprintf(a, sizeof(a), "0x%" PRIx64, mine[i]);
			snprintf(b, sizeof(b), "0x%" PRIx64, theirs[i]);
			lab_change(lab, what, a, b);
		}
	}
	snprintf(what, sizeof(what), "entries %u-%u (pgd_ctor()'s range) equal in both",
		 p.kernel_clone_first, p.ptrs_per_pgd - 1);
	lab_expect_u64(lab, what, p.ptrs_per_pgd - p.kernel_clone_first, equal);
	snprintf(a, sizeof(a), "%u", present);
	lab_expect(lab, present > 0, "present entries in that range", "at least 1", a);
	/* The user half: the same address, a table of each process's own. */
	idx = addr >> (p.levels == 5 ? 48 : 39);
	snprintf(what, sizeof(what), "pgd[%u] (user): the fork's next table, not ours", idx);
	lab_expect_hex_ne(lab, what, mine[idx] & PTE_PFN_MASK, theirs[idx] & PTE_PFN_MASK);
	/* The kernel's word on it: one frame, shared by COW, under two tables. */
	pm_mine = proc_pagemap(getpid(), addr, &pfn_mine);
	pm_theirs = proc_pagemap(s.pid, addr, &pfn_theirs);
	snprintf(a, sizeof(a), pm_mine == 1 ? "0x%" PRIx64 : "not present", pfn_mine);
	snprintf(b, sizeof(b), pm_theirs == 1 ? "0x%" PRIx64 : "not present", pfn_theirs);
	snprintf(what, sizeof(what), "/proc/PID/pagemap of 0x%" PRIx64 ": the fork's frame", addr);
	lab_expect(lab, pm_mine == 1 && pm_theirs == 1 && pfn_mine == pfn_theirs, what, a, b);
out:
	subject_end(&s);
}

static int walk_lab(struct lab *lab)
{
	struct mmscope_mm_info mm;
	struct mmscope_walk walk;
	uint64_t want_size, addr, pfn = 0;
	char what[128], seen[64];
	unsigned int i, levels;
	void *high;
	char *p;
	int ret;

	lab_step(lab, "TASK_SIZE ends the user half of the address space; with 5-level paging it is 2^56, else 2^47 (less a page)");
	p = lab_region(lab, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p || lab_mm_info(lab, getpid(), &mm, NULL, NULL))
		goto out;
	p[0] = 1;
	addr = (uintptr_t)p;
	if (lab_walk(lab, getpid(), addr, &walk))
		goto out;
	levels = walk.paging_levels;
	want_size = levels == 5 ? (1ULL << 56) - LAB_PAGE : (1ULL << 47) - LAB_PAGE;
	snprintf(what, sizeof(what), "mmscope: TASK_SIZE with %u-level paging", levels);
	lab_expect_hex(lab, what, want_size, mm.task_size);
	/* The kernel's own answer: can a page be mapped at 2^47? */
	high = mmap((void *)(1ULL << 47), LAB_PAGE, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	lab_expect_str(lab, "mmap() at 2^47 (MAP_FIXED_NOREPLACE)",
		       levels == 5 ? "mapped" : "refused",
		       high == MAP_FAILED ? "refused" : "mapped");
	if (high != MAP_FAILED)
		munmap(high, LAB_PAGE);

	lab_step(lab, "The walk of a user address: %u levels from the mm's pgd, each entry naming the physical address of the next table",
		 levels);
	lab_expect_u64(lab, "mmscope: the walk's levels", levels, walk.nr_levels);
	if (walk.nr_levels)
		lab_expect_hex(lab, "mmscope: the first table is the mm's pgd", mm.pgd_phys,
			       walk.levels[0].table_phys);
	for (i = 0; i < walk.nr_levels && i < MMSCOPE_MAX_LEVELS; i++) {
		unsigned int shift = 12 + 9 * (levels - 1 - i);

		snprintf(what, sizeof(what), "%s index: bits %u-%u of the address",
			 mms_level_name(walk.levels[i].level), shift + 8, shift);
		lab_expect_u64(lab, what, (addr >> shift) & 511, walk.levels[i].index);
		if (i + 1 < walk.nr_levels) {
			snprintf(what, sizeof(what), "%s entry points at the %s table",
				 mms_level_name(walk.levels[i].level),
				 mms_level_name(walk.levels[i + 1].level));
			lab_expect_hex(lab, what, walk.levels[i].entry & PTE_PFN_MASK,
				       walk.levels[i + 1].table_phys);
		}
	}
	if (proc_pagemap(getpid(), addr, &pfn) != 1)
		lab_expect(lab, false, "/proc/PID/pagemap: the page is present", "present",
			   "not present");
	else
		lab_expect_hex(lab, "the leaf's PFN is pagemap's", pfn, walk.page.pfn);

	lab_step(lab, "A kernel address is not the process's to walk: mmscope refuses it");
	ret = mms_walk(lab->fd, 0xffffffff81000000ULL, &walk);
	snprintf(seen, sizeof(seen), "%s", ret ? strerror(-ret) : "walked");
	lab_expect_str(lab, "mmscope walk of 0xffffffff81000000", strerror(EINVAL), seen);

	kernel_half_step(lab, addr);
out:
	lab_region_free(p, 1);
	return 0;
}

static const unsigned char demand_concepts[] = { 9, 0 };
static const unsigned char populate_concepts[] = { 10, 0 };
static const unsigned char walk_concepts[] = { 1, 13, 0 };

const struct lab_def lab_paging_defs[] = {
	{ "walk", "the user half of the address space, and the walk of one address", walk_concepts,
	  walk_lab },
	{ "demand", "demand paging, and the zero page", demand_concepts, demand },
	{ "populate", "MAP_POPULATE and MADV_POPULATE_WRITE", populate_concepts, populate },
	{ NULL },
};
