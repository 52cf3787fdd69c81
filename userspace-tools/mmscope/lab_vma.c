// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of VMAs: adjacent compatible mappings merge into one VMA, an
 * mprotect() of the middle splits it into three, and restoring merges it
 * back; find_vma() answers for an address inside a VMA, in a gap, and
 * above the last VMA.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#define VMA_PAGES 3

/* The VMA entries of the maple tree (mm->mm_mt) in [start, end), or -1. */
static long tree_vmas(struct lab *lab, uint64_t start, uint64_t end)
{
	struct mmscope_vmatree req = { 0 };
	struct mmscope_vmatree_node *nodes;
	size_t n, i;
	unsigned int j;
	long count = 0;
	int ret = mms_set_target(lab->fd, getpid());

	if (!ret)
		ret = mms_vmatree_all(lab->fd, &req, &nodes, &n);
	if (ret) {
		lab_broken(lab, "mmscope vmatree: %s", strerror(-ret));
		return -1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < nodes[i].nr_slots && j < MMSCOPE_VMATREE_SLOTS; j++) {
			const struct mmscope_vmatree_slot *sl = &nodes[i].slots[j];

			if (sl->kind == MMSCOPE_VMATREE_SLOT_VMA && sl->max >= start && sl->min < end)
				count++;
		}
	free(nodes);
	return count;
}

/* mmscope's, the maple tree's and /proc's count of VMAs in [start, end). */
static void expect_vmas(struct lab *lab, uint64_t start, uint64_t end, unsigned int want)
{
	struct snap s = { 0 };

	lab_expect_u64(lab, "mmscope vmatree: VMA entries of the maple tree in the region", want,
		       tree_vmas(lab, start, end));
	if (snap_vmas(lab, &s, "", getpid(), start, end))
		return;
	lab_expect_u64(lab, "mmscope maps: VMAs in the region", want, s.count);
	lab_expect_u64(lab, "/proc/PID/maps: VMAs in the region", want,
		       proc_maps_count(getpid(), start, end));
	snap_free(&s);
}

static void vmas_changed(struct lab *lab, struct snap *before, uint64_t start, uint64_t end)
{
	struct snap after = { 0 };

	if (snap_vmas(lab, &after, "", getpid(), start, end))
		return;
	lab_changes(lab, before, &after);
	snap_free(before);
	*before = after;
}

static int merge_split(struct lab *lab)
{
	struct snap s = { 0 };
	uint64_t start, end;
	char *p;
	int i;

	lab_step(lab, "Reserve %d pages with PROT_NONE, then map %d read-write pages into its middle one at a time (MAP_FIXED): each new page merges with the one before (vma_merge())",
		 VMA_PAGES + 2, VMA_PAGES);
	p = lab_region(lab, VMA_PAGES, PROT_NONE, MAP_PRIVATE);
	if (!p)
		return 0;
	start = (uintptr_t)p;
	end = start + VMA_PAGES * LAB_PAGE;
	if (snap_vmas(lab, &s, "", getpid(), start, end))
		goto out;
	for (i = 0; i < VMA_PAGES; i++) {
		if (mmap(p + i * LAB_PAGE, LAB_PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
			lab_broken(lab, "mmap MAP_FIXED: %s", strerror(errno));
			goto out;
		}
	}
	vmas_changed(lab, &s, start, end);
	expect_vmas(lab, start, end, 1);

	lab_step(lab, "mprotect() the middle page read-only: __split_vma() cuts the VMA in three");
	if (mprotect(p + LAB_PAGE, LAB_PAGE, PROT_READ)) {
		lab_broken(lab, "mprotect: %s", strerror(errno));
		goto out;
	}
	vmas_changed(lab, &s, start, end);
	expect_vmas(lab, start, end, 3);
	{
		uint64_t s0, e0;
		char perms[5] = "";

		proc_maps_find(getpid(), start + LAB_PAGE, &s0, &e0, perms);
		lab_expect_str(lab, "/proc/PID/maps: the middle VMA's permissions", "r--p", perms);
	}

	lab_step(lab, "mprotect() it read-write again: the three are compatible again and merge back into one");
	if (mprotect(p + LAB_PAGE, LAB_PAGE, PROT_READ | PROT_WRITE)) {
		lab_broken(lab, "mprotect: %s", strerror(errno));
		goto out;
	}
	vmas_changed(lab, &s, start, end);
	expect_vmas(lab, start, end, 1);
out:
	snap_free(&s);
	lab_region_free(p, VMA_PAGES);
	return 0;
}

/* The /proc/PID/maps VMA that ends above @addr (find_vma()'s answer). */
static int proc_next_vma(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end,
			 uint64_t *prev_end)
{
	char line[4096];
	char path[64];
	unsigned long long s, e;
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	*prev_end = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx", &s, &e) != 2 || strstr(line, "[vsyscall]"))
			continue;
		if (e > addr) {
			*start = s;
			*end = e;
			ret = 0;
			break;
		}
		*prev_end = e;
	}
	fclose(f);
	return ret;
}

static void expect_lookup(struct lab *lab, uint64_t addr, const char *where)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	uint64_t start = 0, end = 0, prev_end = 0;
	bool found = !proc_next_vma(getpid(), addr, &start, &end, &prev_end);
	char what[128], want[96], seen[96];

	if (lab_lookup(lab, getpid(), addr, &res, &vma))
		return;
	snprintf(what, sizeof(what), "find_vma(0x%" PRIx64 "), %s", addr, where);
	if (!found)
		snprintf(want, sizeof(want), "no VMA");
	else
		snprintf(want, sizeof(want), "%" PRIx64 "-%" PRIx64 "%s", start, end,
			 start <= addr ? " (contains it)" : " (above it)");
	if (!(res.out_flags & MMSCOPE_LOOKUP_FOUND))
		snprintf(seen, sizeof(seen), "no VMA");
	else
		snprintf(seen, sizeof(seen), "%" PRIx64 "-%" PRIx64 "%s", (uint64_t)vma.start,
			 (uint64_t)vma.end,
			 res.out_flags & MMSCOPE_LOOKUP_CONTAINS ? " (contains it)" : " (above it)");
	lab_expect_str(lab, what, want, seen);
	if (found && start > addr && (res.out_flags & MMSCOPE_LOOKUP_FOUND)) {
		snprintf(what, sizeof(what),
			 "bytes from 0x%" PRIx64 " up to that VMA, in a hole of %" PRIu64, addr,
			 start - prev_end);
		lab_expect_u64(lab, what, start - addr, res.gap);
	}
}

static int find_vma_lab(struct lab *lab)
{
	uint64_t start, last = 0;
	char line[4096];
	unsigned long long s, e;
	FILE *f;
	char *p;

	lab_step(lab, "Map 3 pages and unmap the middle one: find_vma() of an address inside a VMA returns that VMA");
	p = lab_region(lab, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		return 0;
	start = (uintptr_t)p;
	if (munmap(p + LAB_PAGE, LAB_PAGE)) {
		lab_broken(lab, "munmap: %s", strerror(errno));
		goto out;
	}
	expect_lookup(lab, start + 100, "inside a VMA");

	lab_step(lab, "find_vma() of an address in the hole returns the first VMA above it, and mmscope the size of the gap");
	expect_lookup(lab, start + LAB_PAGE + 8, "in a gap");

	lab_step(lab, "find_vma() of an address above the last VMA finds nothing");
	f = fopen("/proc/self/maps", "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%llx-%llx", &s, &e) == 2 && !strstr(line, "[vsyscall]"))
				last = e;
		fclose(f);
	}
	if (!last)
		lab_broken(lab, "the last VMA of /proc/self/maps");
	else
		expect_lookup(lab, last, "above the last VMA");
out:
	lab_region_free(p, 3);
	return 0;
}

/* The vm_flags bit the running kernel calls @name, or -1. */
static int vm_flag_bit(const struct mmscope_vm_flag_names *names, const char *name)
{
	int bit;

	for (bit = 0; bit < 64; bit++)
		if (!strcmp((const char *)names->names[bit], name))
			return bit;
	return -1;
}

/* mmscope's vm_flags of the VMA at @addr has @name, and smaps has @code. */
static void expect_vm_flag(struct lab *lab, const struct mmscope_vm_flag_names *names,
			   uint64_t addr, const char *name, const char *code, bool want)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	int bit = vm_flag_bit(names, name), smaps;
	char what[96];

	if (bit < 0) {
		lab_broken(lab, "this kernel names no vm_flags bit %s", name);
		return;
	}
	if (lab_lookup(lab, getpid(), addr, &res, &vma))
		return;
	snprintf(what, sizeof(what), "mmscope: the VMA's vm_flags has %s", name);
	lab_expect_str(lab, what, want ? "set" : "clear",
		       vma.vm_flags & (1ULL << bit) ? "set" : "clear");
	smaps = proc_smaps_vmflag(getpid(), addr, code);
	snprintf(what, sizeof(what), "/proc/PID/smaps: VmFlags has \"%s\"", code);
	lab_expect_str(lab, what, want ? "set" : "clear",
		       smaps < 0 ? "unreadable" : smaps ? "set" : "clear");
}

struct flag_case {
	const char *say;
	const char *name, *code;
	int prot, map_flags;	/* the region's mmap() */
	int advice;		/* madvise() after, or -1 */
	bool mlock;
	const char *skip_if_einval;
};

static const struct flag_case flag_cases[] = {
	{ "MADV_SEQUENTIAL: readahead may read ahead aggressively and drop pages behind",
	  "VM_SEQ_READ", "sr", PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_SEQUENTIAL, false, NULL },
	{ "MADV_RANDOM: no readahead at all", "VM_RAND_READ", "rr", PROT_READ | PROT_WRITE,
	  MAP_PRIVATE, MADV_RANDOM, false, NULL },
	{ "mlock(): the pages are faulted in and stay in memory", "VM_LOCKED", "lo",
	  PROT_READ | PROT_WRITE, MAP_PRIVATE, -1, true, NULL },
	{ "MAP_LOCKED: mlock() at mmap() time", "VM_LOCKED", "lo", PROT_READ | PROT_WRITE,
	  MAP_PRIVATE | MAP_LOCKED, -1, false, NULL },
	{ "MAP_GROWSDOWN: a stack-like VMA that grows down on a fault below it",
	  "VM_GROWSDOWN", "gd", PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_GROWSDOWN, -1, false,
	  NULL },
	{ "MADV_DONTFORK: fork() does not copy this VMA into the child", "VM_DONTCOPY", "dc",
	  PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_DONTFORK, false, NULL },
	{ "MADV_DONTDUMP: a core dump leaves this VMA out", "VM_DONTDUMP", "dd",
	  PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_DONTDUMP, false, NULL },
	{ "MADV_HUGEPAGE: THP may back this VMA whatever the system's default", "VM_HUGEPAGE",
	  "hg", PROT_READ | PROT_WRITE, MAP_PRIVATE, MADV_HUGEPAGE, false,
	  "this kernel has no transparent huge pages (MADV_HUGEPAGE is EINVAL)" },
};

static int vm_flags_lab(struct lab *lab)
{
	struct mmscope_vm_flag_names names;
	size_t i;
	int ret;

	ret = mms_vm_flag_names(lab->fd, &names);
	for (i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
		const struct flag_case *c = &flag_cases[i];
		char *p;

		lab_step(lab, "%s", c->say);
		if (ret) {
			lab_broken(lab, "mmscope's vm_flags names: %s", strerror(-ret));
			continue;
		}
		p = lab_region(lab, 4, c->prot, c->map_flags);
		if (!p)
			continue;
		expect_vm_flag(lab, &names, (uintptr_t)p, c->name, c->code,
			       c->map_flags & (MAP_LOCKED | MAP_GROWSDOWN));
		if (c->advice >= 0 && madvise(p, 4 * LAB_PAGE, c->advice)) {
			if (errno == EINVAL && c->skip_if_einval)
				lab_skip_step(lab, "%s", c->skip_if_einval);
			else
				lab_broken(lab, "madvise: %s", strerror(errno));
			lab_region_free(p, 4);
			continue;
		}
		if (c->mlock && mlock(p, 4 * LAB_PAGE)) {
			lab_broken(lab, "mlock: %s", strerror(errno));
			lab_region_free(p, 4);
			continue;
		}
		if (c->advice >= 0 || c->mlock)
			expect_vm_flag(lab, &names, (uintptr_t)p, c->name, c->code, true);
		lab_region_free(p, 4);
	}
	return 0;
}

static const unsigned char merge_concepts[] = { 7, 0 };
static const unsigned char find_concepts[] = { 8, 0 };
static const unsigned char flags_concepts[] = { 6, 0 };

const struct lab_def lab_vma_defs[] = {
	{ "vma-merge", "VMAs merge and split", merge_concepts, merge_split },
	{ "find-vma", "find_vma(): inside, in a gap, above the last VMA", find_concepts,
	  find_vma_lab },
	{ "vm-flags", "vm_flags from mmap(), mlock() and madvise()", flags_concepts,
	  vm_flags_lab },
	{ NULL },
};
