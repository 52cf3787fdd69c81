// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of what memory counts: Rss counts every page mapped, Pss divides
 * each page by the processes that map it, and Private/Shared says whether
 * others map it too; mmscope's smaps against /proc/PID/smaps, field by field.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#define SHARERS 3

/* mmscope's smaps record of the VMA of @pid at @addr; 0 or -1 (broken). */
static int smaps_record(struct lab *lab, pid_t pid, uint64_t addr,
			struct mmscope_smaps_vma *rec)
{
	struct mmscope_smaps_vma *recs;
	size_t n, i;
	int ret = mms_set_target(lab->fd, pid);

	if (!ret)
		ret = mms_smaps_all(lab->fd, &recs, &n);
	if (ret) {
		lab_broken(lab, "mmscope smaps %d: %s", pid, strerror(-ret));
		return -1;
	}
	for (i = 0; i < n; i++)
		if (recs[i].start <= addr && addr < recs[i].end)
			break;
	if (i == n) {
		free(recs);
		lab_broken(lab, "mmscope smaps %d has no VMA at 0x%" PRIx64, pid, addr);
		return -1;
	}
	*rec = recs[i];
	free(recs);
	return 0;
}

/* Rss, Pss and Shared/Private of @pid's page at @addr, mapped by @n. */
static void expect_counts(struct lab *lab, pid_t pid, uint64_t addr, int n)
{
	static const struct {
		const char *name;
		size_t offset;
		bool pss;
	} fields[] = {
		{ "Rss", offsetof(struct mmscope_smaps_vma, rss), false },
		{ "Pss", offsetof(struct mmscope_smaps_vma, pss), true },
		{ "Shared_Dirty", offsetof(struct mmscope_smaps_vma, shared_dirty), false },
		{ "Private_Dirty", offsetof(struct mmscope_smaps_vma, private_dirty), false },
	};
	/* What the kernel's rules give for one dirty page mapped by @n. */
	const uint64_t want_kb[] = { 4, 4 / n, n > 1 ? 4 : 0, n > 1 ? 0 : 4 };
	struct mmscope_smaps_vma rec;
	char what[96];
	size_t i;

	if (smaps_record(lab, pid, addr, &rec))
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v;
		long proc = proc_smaps_kb(pid, addr, fields[i].name);

		memcpy(&v, (const char *)&rec + fields[i].offset, sizeof(v));
		v = (fields[i].pss ? v >> MMSCOPE_PSS_SHIFT : v) >> 10;
		snprintf(what, sizeof(what), "PID %d: /proc/PID/smaps %s (kB)", pid, fields[i].name);
		lab_expect_u64(lab, what, want_kb[i], proc);
		snprintf(what, sizeof(what), "PID %d: mmscope smaps %s (kB)", pid, fields[i].name);
		lab_expect_u64(lab, what, proc, v);
	}
	/* Pss in bytes, before /proc rounds it down to kB: 4096 / n. */
	snprintf(what, sizeof(what), "PID %d: mmscope Pss in bytes (4096 / %d)", pid, n);
	lab_expect_u64(lab, what, 4096 / n, rec.pss >> MMSCOPE_PSS_SHIFT);
}

static int rss_pss(struct lab *lab)
{
	struct subject s[SHARERS - 1] = { 0 };
	pid_t pids[SHARERS];
	char *p;
	int i, j;

	lab_step(lab, "This process maps one page of shared anonymous memory (MAP_SHARED: shmem) and writes it");
	p = lab_region(lab, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p)
		return 0;
	p[0] = 1;
	pids[0] = getpid();
	expect_counts(lab, pids[0], (uintptr_t)p, 1);

	for (i = 1; i < SHARERS; i++) {
		lab_step(lab, "A new process maps the same page too (fork(), then a read of it): %d processes map it, and each one's Pss is a %s of it",
			 i + 1, i == 1 ? "half" : "third");
		if (subject_start(lab, &s[i - 1]) ||
		    subject_do(lab, &s[i - 1], ORDER_READ, (uintptr_t)p, 0, 0, NULL))
			goto out;
		pids[i] = s[i - 1].pid;
		for (j = 0; j <= i; j++)
			expect_counts(lab, pids[j], (uintptr_t)p, i + 1);
	}
out:
	for (i = 0; i < SHARERS - 1; i++)
		subject_end(&s[i]);
	lab_region_free(p, 1);
	return 0;
}

static const unsigned char rss_concepts[] = { 17, 0 };

const struct lab_def lab_memory_defs[] = {
	{ "rss-pss", "Rss, Pss, Shared and Private of a page mapped by 1, 2 and 3 processes",
	  rss_concepts, rss_pss },
	{ NULL },
};
