// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of the address space's layout: the segments the mm_struct records
 * (start_code ... env_end) against /proc/PID/stat and the VMAs that hold
 * them; kernel threads, which have no mm at all; and malloc(), which
 * grows the heap with brk() for small blocks and maps large ones apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#define PF_KTHREAD 0x00200000	/* include/linux/sched.h */

/* In the executable's private writable mapping: a "data" VMA. */
static volatile int lab_initialized = 42;

/* The kind mmscope gives the VMA holding @addr ("none" if no VMA does). */
static const char *kind_at(struct lab *lab, pid_t pid, uint64_t addr)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;

	if (lab_lookup(lab, pid, addr, &res, &vma))
		return "?";
	if (!(res.out_flags & MMSCOPE_LOOKUP_CONTAINS))
		return "none";
	return mms_kind_name(vma.kind);
}

/* The name /proc/PID/maps gives the VMA holding @addr ("" for none). */
static void proc_name_at(pid_t pid, uint64_t addr, char *name, size_t len)
{
	char path[64], line[4096];
	unsigned long long s, e;
	FILE *f;
	int n;

	name[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &n) < 2 ||
		    addr < s || addr >= e)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(name, len, "%s", line + n);
		break;
	}
	fclose(f);
}

static int segments(struct lab *lab)
{
	static const struct {
		const char *name;
		size_t offset;
		int stat_field;		/* proc(5)'s field of /proc/PID/stat */
	} fields[] = {
		{ "start_code", offsetof(struct mmscope_mm_info, start_code), 26 },
		{ "end_code", offsetof(struct mmscope_mm_info, end_code), 27 },
		{ "start_stack", offsetof(struct mmscope_mm_info, start_stack), 28 },
		{ "start_data", offsetof(struct mmscope_mm_info, start_data), 45 },
		{ "end_data", offsetof(struct mmscope_mm_info, end_data), 46 },
		{ "start_brk", offsetof(struct mmscope_mm_info, start_brk), 47 },
		{ "arg_start", offsetof(struct mmscope_mm_info, arg_start), 48 },
		{ "arg_end", offsetof(struct mmscope_mm_info, arg_end), 49 },
		{ "env_start", offsetof(struct mmscope_mm_info, env_start), 50 },
		{ "env_end", offsetof(struct mmscope_mm_info, env_end), 51 },
	};
	struct mmscope_mm_info mm;
	pid_t self = getpid();
	char what[128], name[256];
	uint64_t v, heap_s, heap_e;
	size_t i;
	char perms[5];
	void *block;

	lab_step(lab, "The mm_struct records where each segment of this process lies; /proc/PID/stat shows the same fields");
	/* A heap that exists: a block from brk(). */
	block = malloc(1000);
	if (lab_mm_info(lab, self, &mm, NULL, NULL))
		goto out;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(&v, (const char *)&mm + fields[i].offset, sizeof(v));
		snprintf(what, sizeof(what), "mm.%s against /proc/PID/stat field %d",
			 fields[i].name, fields[i].stat_field);
		lab_expect_hex(lab, what, (uint64_t)proc_stat_field(self, fields[i].stat_field), v);
	}

	lab_step(lab, "Each segment lies in a VMA of its kind: mmscope's kinds against the names of /proc/PID/maps");
	{
		const struct {
			const char *say, *kind, *proc_name;
			uint64_t addr;
		} places[] = {
			{ "the code (start_code)", "text", NULL, mm.start_code },
			{ "an initialized global variable", "data", NULL,
			  (uintptr_t)&lab_initialized },
			{ "the stack (start_stack)", "stack", "[stack]", mm.start_stack },
			{ "argv (arg_start)", "stack", "[stack]", mm.arg_start },
			{ "the environment (env_start)", "stack", "[stack]", mm.env_start },
		};

		for (i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
			snprintf(what, sizeof(what), "mmscope: the VMA of %s is of kind",
				 places[i].say);
			lab_expect_str(lab, what, places[i].kind,
				       kind_at(lab, self, places[i].addr));
			if (places[i].proc_name) {
				proc_name_at(self, places[i].addr, name, sizeof(name));
				snprintf(what, sizeof(what), "/proc/PID/maps names the VMA of %s",
					 places[i].say);
				lab_expect_str(lab, what, places[i].proc_name, name);
			}
		}
	}
	if (!proc_maps_find(self, mm.brk - 1, &heap_s, &heap_e, perms)) {
		proc_name_at(self, heap_s, name, sizeof(name));
		lab_expect_str(lab, "/proc/PID/maps names the VMA below brk", "[heap]", name);
		lab_expect_str(lab, "mmscope: the VMA below brk is of kind", "heap",
			       kind_at(lab, self, heap_s));
		lab_expect_hex(lab, "the heap VMA starts at mm.start_brk", mm.start_brk, heap_s);
	} else {
		lab_expect(lab, false, "/proc/PID/maps has a VMA below brk", "[heap]", "none");
	}
	for (i = 0; i < 2; i++) {
		const char *vname = i ? "[vvar]" : "[vdso]";
		char line[4096], path[64];
		unsigned long long s = 0, e;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/maps", self);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, vname) && sscanf(line, "%llx-%llx", &s, &e) == 2)
				break;
		if (f)
			fclose(f);
		snprintf(what, sizeof(what), "mmscope: the kind of /proc/PID/maps' %s", vname);
		lab_expect_str(lab, what, i ? "vvar" : "vdso", s ? kind_at(lab, self, s) : "none");
	}
out:
	free(block);
	return 0;
}

static int kernel_thread(struct lab *lab)
{
	struct mmscope_mm_info mm;
	long flags = proc_stat_field(2, 9);

	lab_step(lab, "kthreadd (PID 2) is a kernel thread: it runs in the kernel's half only, and has no mm");
	lab_expect(lab, flags >= 0 && (flags & PF_KTHREAD), "/proc/2/stat flags has PF_KTHREAD",
		   "set", flags < 0 ? "unreadable" : flags & PF_KTHREAD ? "set" : "clear");
	lab_expect_u64(lab, "/proc/2/maps: VMAs", 0, proc_maps_count(2, 0, UINT64_MAX));
	lab_expect(lab, proc_status_kb(2, "VmSize") < 0, "/proc/2/status has no VmSize line",
		   "none", proc_status_kb(2, "VmSize") < 0 ? "none" : "present");
	if (lab_mm_info(lab, 2, &mm, NULL, NULL))
		return 0;
	lab_expect_str(lab, "mmscope mm 2: a kernel thread", "yes",
		       mm.out_flags & MMSCOPE_MM_KERNEL_THREAD ? "yes" : "no");
	lab_expect_str(lab, "mmscope mm 2: no mm", "yes",
		       mm.out_flags & MMSCOPE_MM_NO_MM ? "yes" : "no");
	lab_expect_hex(lab, "mmscope mm 2: pgd_phys", 0, mm.pgd_phys);
	return 0;
}

/* The VMA of @pid holding @addr is the heap: 1, another VMA: 0, none: -1. */
static int in_heap(pid_t pid, uint64_t addr)
{
	char name[256];
	uint64_t s, e;
	char perms[5];

	if (proc_maps_find(pid, addr, &s, &e, perms))
		return -1;
	proc_name_at(pid, s, name, sizeof(name));
	return !strcmp(name, "[heap]");
}

static const char *where(int heap)
{
	return heap < 0 ? "no VMA" : heap ? "[heap]" : "a VMA of its own";
}

static int malloc_lab(struct lab *lab)
{
	struct mmscope_mm_info mm0, mm1;
	pid_t self = getpid();
	size_t big = 1 << 20;
	char *small[4], *p;
	int i, heap;

	lab_step(lab, "malloc() of 4 blocks of 64 KiB, below M_MMAP_THRESHOLD (128 KiB): glibc carves them from the heap, which brk() grows");
	if (lab_mm_info(lab, self, &mm0, NULL, NULL))
		return 0;
	for (i = 0; i < 4; i++) {
		small[i] = malloc(64 << 10);
		if (small[i])
			memset(small[i], 1, 64 << 10);
	}
	if (lab_mm_info(lab, self, &mm1, NULL, NULL))
		goto free_small;
	lab_expect(lab, mm1.brk > mm0.brk, "mmscope: mm.brk moved up", "above its old value",
		   mm1.brk > mm0.brk ? "above its old value" : "not moved");
	for (i = 0; i < 4; i++)
		lab_expect_str(lab, "/proc/PID/maps: the block lies in", "[heap]",
			       where(in_heap(self, (uintptr_t)small[i])));

	lab_step(lab, "malloc() of 1 MiB, above the threshold: glibc mmap()s it, a VMA of its own");
	p = malloc(big);
	if (!p) {
		lab_broken(lab, "malloc of 1 MiB");
		goto free_small;
	}
	memset(p, 1, big);
	heap = in_heap(self, (uintptr_t)p);
	lab_expect_str(lab, "/proc/PID/maps: the block lies in", "a VMA of its own", where(heap));
	lab_expect_str(lab, "mmscope: that VMA's kind", "anon", kind_at(lab, self, (uintptr_t)p));

	lab_step(lab, "free() of it: glibc munmap()s it, and raises M_MMAP_THRESHOLD to its size (mallopt(3): the dynamic threshold)");
	free(p);
	lab_expect_str(lab, "/proc/PID/maps: the block's address lies in", "no VMA",
		       where(in_heap(self, (uintptr_t)p)));

	lab_step(lab, "malloc() of 1 MiB again: now below the threshold, it comes from the heap");
	if (lab_mm_info(lab, self, &mm0, NULL, NULL))
		goto free_small;
	p = malloc(big);
	if (!p) {
		lab_broken(lab, "malloc of 1 MiB");
		goto free_small;
	}
	memset(p, 1, big);
	lab_expect_str(lab, "/proc/PID/maps: the block lies in", "[heap]",
		       where(in_heap(self, (uintptr_t)p)));
	if (!lab_mm_info(lab, self, &mm1, NULL, NULL))
		lab_expect(lab, mm1.brk >= mm0.brk + big, "mmscope: mm.brk moved up by the block",
			   "at least 1 MiB", mm1.brk >= mm0.brk + big ? "at least 1 MiB" : "less");
	free(p);
free_small:
	for (i = 0; i < 4; i++)
		free(small[i]);
	return 0;
}

static const unsigned char segments_concepts[] = { 5, 0 };
static const unsigned char kthread_concepts[] = { 4, 0 };
static const unsigned char malloc_concepts[] = { 11, 0 };

const struct lab_def lab_layout_defs[] = {
	{ "segments", "the segments of a process: the mm's fields and the VMAs that hold them",
	  segments_concepts, segments },
	{ "kthread", "kernel threads have no mm", kthread_concepts, kernel_thread },
	{ "malloc", "malloc(): brk() for small blocks, mmap() for large ones", malloc_concepts,
	  malloc_lab },
	{ NULL },
};
