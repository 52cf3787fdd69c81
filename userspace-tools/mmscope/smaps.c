// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope smaps PID: Rss, Pss, Shared/Private, Swap per VMA and rolled up,
 * from mmscope's own page walk with the kernel's arithmetic (module/smaps.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope smaps PID [--rollup] [--sort pss|addr] [--top N]"

static const char help_text[] =
	"Usage: mmscope [-j] smaps PID [--rollup] [--sort pss|addr] [--top N]\n"
	"       mmscope smaps help\n"
	"\n"
	"The fields of /proc/PID/smaps, summed from mmscope's own page walk with\n"
	"the running kernel's arithmetic (smaps_account(), Pss in 1/4096ths of a\n"
	"byte). One row per VMA: Rss, Pss, Shared (clean + dirty), Private,\n"
	"Swap and AnonHugePages in kB, then a totals row of every VMA (its Pss\n"
	"is the rollup's, summed before the division is rounded).\n"
	"\n"
	"  --rollup      the /proc/PID/smaps_rollup block instead\n"
	"  --sort pss    the largest Pss first (default: by address)\n"
	"  --top N       only the first N rows\n"
	"\n"
	"With -j: {\"vmas\": [...], \"rollup\": {...}}, every field under the\n"
	"kernel's name, in kB. SwapPss is not computed: it needs the swap map\n"
	"count, which modules cannot read. SwapExclusive (not a kernel field) is\n"
	"the swap of entries known to be counted once; SwapPss is at least that.\n"
	"The [vsyscall] gate area is not a VMA of the mm: it is not listed.\n"
	"Memory the kernel was built without (THP, hugetlbfs, KSM, swap) is\n"
	"shown as \"not in this kernel (CONFIG_...)\"; with -j, the rollup's\n"
	"\"not_in_kernel\" maps each such field to its option.\n";

/*
 * Every field but the page sizes, in the order smaps_rollup prints them;
 * @absent: the record flag that says this kernel has no such memory.
 */
static const struct smaps_field {
	const char *name;
	size_t off;
	int pss;		/* bytes << MMSCOPE_PSS_SHIFT */
	uint32_t absent;	/* MMSCOPE_SMAPS_VMA_NO_*, or 0 */
} fields[] = {
#define F(n, m, p, a) { n, offsetof(struct mmscope_smaps_vma, m), p, a }
	F("Rss", rss, 0, 0),
	F("Pss", pss, 1, 0),
	F("Pss_Dirty", pss_dirty, 1, 0),
	F("Pss_Anon", pss_anon, 1, 0),
	F("Pss_File", pss_file, 1, 0),
	F("Pss_Shmem", pss_shmem, 1, 0),
	F("Shared_Clean", shared_clean, 0, 0),
	F("Shared_Dirty", shared_dirty, 0, 0),
	F("Private_Clean", private_clean, 0, 0),
	F("Private_Dirty", private_dirty, 0, 0),
	F("Referenced", referenced, 0, 0),
	F("Anonymous", anonymous, 0, 0),
	F("KSM", ksm, 0, MMSCOPE_SMAPS_VMA_NO_KSM),
	F("LazyFree", lazyfree, 0, 0),
	F("AnonHugePages", anon_huge_pages, 0, MMSCOPE_SMAPS_VMA_NO_THP),
	F("ShmemPmdMapped", shmem_pmd_mapped, 0, MMSCOPE_SMAPS_VMA_NO_THP),
	F("FilePmdMapped", file_pmd_mapped, 0, MMSCOPE_SMAPS_VMA_NO_THP),
	F("Shared_Hugetlb", shared_hugetlb, 0, MMSCOPE_SMAPS_VMA_NO_HUGETLB),
	F("Private_Hugetlb", private_hugetlb, 0, MMSCOPE_SMAPS_VMA_NO_HUGETLB),
	F("Swap", swap, 0, MMSCOPE_SMAPS_VMA_NO_SWAP),
	F("SwapExclusive", swap_exclusive, 0, MMSCOPE_SMAPS_VMA_NO_SWAP),
	F("Locked", pss_locked, 1, 0),
#undef F
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The option a kernel was built without, for each MMSCOPE_SMAPS_VMA_NO_*. */
static const struct {
	uint32_t flag;
	const char *config;
	const char *fields;
} absent_kinds[] = {
	{ MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE",
	  "AnonHugePages, ShmemPmdMapped, FilePmdMapped" },
	{ MMSCOPE_SMAPS_VMA_NO_HUGETLB, "CONFIG_HUGETLBFS", "Shared_Hugetlb, Private_Hugetlb" },
	{ MMSCOPE_SMAPS_VMA_NO_KSM, "CONFIG_KSM", "KSM" },
	{ MMSCOPE_SMAPS_VMA_NO_SWAP, "CONFIG_SWAP", "Swap, SwapExclusive" },
};

#define NABSENT (sizeof(absent_kinds) / sizeof(absent_kinds[0]))

static const char *absent_config(uint32_t flag)
{
	size_t i;

	for (i = 0; i < NABSENT; i++)
		if (absent_kinds[i].flag == flag)
			return absent_kinds[i].config;
	return "?";
}

/* JSON: "not_in_kernel": {"FIELD": "CONFIG_...", ...}, of what @flags lacks. */
static void json_not_in_kernel(uint32_t flags)
{
	size_t j;

	jw_key(jw, "not_in_kernel");
	jw_start_object(jw);
	for (j = 0; j < NFIELDS; j++) {
		if (!(flags & fields[j].absent))
			continue;
		jw_key(jw, fields[j].name);
		jw_string(jw, absent_config(fields[j].absent));
	}
	jw_end_object(jw);
}

static uint64_t field_raw(const struct mmscope_smaps_vma *r, const struct smaps_field *f)
{
	return *(const uint64_t *)((const char *)r + f->off);
}

/* In kB, as /proc shows it: Pss is shifted down before it is divided. */
static uint64_t field_kb(const struct mmscope_smaps_vma *r, const struct smaps_field *f)
{
	uint64_t v = field_raw(r, f);

	return (f->pss ? v >> MMSCOPE_PSS_SHIFT : v) >> 10;
}

/* The totals row: every record summed, the Pss family still in fixed point. */
static void rollup(const struct mmscope_smaps_vma *recs, size_t n,
		   struct mmscope_smaps_vma *sum)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++)
		mms_smaps_add(sum, &recs[i]);
}

struct row {
	const struct mmscope_smaps_vma *r;
	const struct mmscope_vma *v;	/* NULL if the VMA changed since */
};

static int by_pss(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->r->pss != y->r->pss)
		return x->r->pss < y->r->pss ? 1 : -1;
	return x->r->start < y->r->start ? -1 : x->r->start > y->r->start;
}

void json_smaps_fields(const struct mmscope_smaps_vma *r)
{
	size_t j;

	for (j = 0; j < NFIELDS; j++) {
		jw_key(jw, fields[j].name);
		jw_uint(jw, field_kb(r, &fields[j]));
	}
}

static void json_vma_smaps(const struct row *row)
{
	const struct mmscope_smaps_vma *r = row->r;

	jw_start_object(jw);
	jw_key(jw, "start");
	jw_hex(jw, r->start);
	jw_key(jw, "end");
	jw_hex(jw, r->end);
	jw_key(jw, "kind");
	jw_string(jw, row->v ? mms_kind_name(row->v->kind) : "?");
	jw_key(jw, "path");
	jw_string(jw, row->v ? (const char *)row->v->path : "");
	jw_key(jw, "Size");
	jw_uint(jw, (r->end - r->start) >> 10);
	jw_key(jw, "KernelPageSize");
	jw_uint(jw, r->kernel_page_size >> 10);
	jw_key(jw, "MMUPageSize");
	jw_uint(jw, r->mmu_page_size >> 10);
	json_smaps_fields(r);
	jw_key(jw, "changed");
	jw_bool(jw, r->flags & MMSCOPE_SMAPS_VMA_CHANGED);
	jw_end_object(jw);
}

static void json_rollup(const struct mmscope_smaps_vma *sum)
{
	jw_key(jw, "rollup");
	jw_start_object(jw);
	jw_key(jw, "start");
	jw_hex(jw, sum->start);
	jw_key(jw, "end");
	jw_hex(jw, sum->end);
	json_smaps_fields(sum);
	json_not_in_kernel(sum->flags);
	jw_end_object(jw);
}

/* As /proc/PID/smaps_rollup prints it, in kB; with -H, as ls -h. */
static void text_rollup(const struct mmscope_smaps_vma *sum)
{
	const char *unit = human_output ? "" : " kB";
	char head[80], num[24];
	size_t j;

	/* show_vma_header_prefix(), padded as seq_pad() pads it. */
	snprintf(head, sizeof(head), "%08llx-%08llx ---p 00000000 00:00 0 ",
		 (unsigned long long)sum->start, (unsigned long long)sum->end);
	printf("%-*s [rollup]\n", (int)(25 + sizeof(void *) * 6 - 1), head);
	for (j = 0; j < NFIELDS; j++) {
		char label[32];

		snprintf(label, sizeof(label), "%s:", fields[j].name);
		if (sum->flags & fields[j].absent)
			printf("%-16snot in this kernel (%s)\n", label,
			       absent_config(fields[j].absent));
		else if (!strcmp(fields[j].name, "Private_Hugetlb"))
			printf("%s %7s%s\n", label, size_text(num, field_kb(sum, &fields[j]) << 10),
			       unit);
		else
			printf("%-16s%8s%s\n", label, size_text(num, field_kb(sum, &fields[j]) << 10),
			       unit);
		if (!strcmp(fields[j].name, "Swap"))
			printf("SwapPss:        not computed (needs the swap map count)\n");
	}
}

static const struct table_col cols[] = {
	{ "START-END", 0 }, { "KIND", 0 }, { "RSS", COL_RIGHT | COL_SIZE },
	{ "PSS", COL_RIGHT | COL_SIZE }, { "SHARED", COL_RIGHT | COL_SIZE },
	{ "PRIVATE", COL_RIGHT | COL_SIZE }, { "SWAP", COL_RIGHT | COL_SIZE },
	{ "ANONHUGE", COL_RIGHT | COL_SIZE }, { "PATH", 0 },
};

/* A row's sizes, each rounded down to kB as /proc rounds it (Pss: after the shift). */
static void text_row(struct table *t, const char *kind, const struct mmscope_smaps_vma *r,
		     const char *path)
{
	table_str(t, kind);
	table_size(t, r->rss & ~1023ULL);
	table_size(t, (r->pss >> MMSCOPE_PSS_SHIFT) & ~1023ULL);
	table_size(t, (r->shared_clean + r->shared_dirty) & ~1023ULL);
	table_size(t, (r->private_clean + r->private_dirty) & ~1023ULL);
	table_size(t, r->swap & ~1023ULL);
	table_size(t, r->anon_huge_pages & ~1023ULL);
	table_str(t, path);
}

/* The options: --rollup, --sort pss|addr, --top N. */
static int rollup_only, sort_pss;
static long top = -1;

static const struct option opts[] = {
	{ "rollup", no_argument, NULL, 'r' },
	{ "sort", required_argument, NULL, 's' },
	{ "top", required_argument, NULL, 't' },
	{}
};

static int take_option(int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'r':
		rollup_only = 1;
		break;
	case 's':
		if (!strcmp(arg, "pss")) {
			sort_pss = 1;
		} else if (!strcmp(arg, "addr")) {
			sort_pss = 0;
		} else {
			p_err("--sort %s: expected pss or addr", arg);
			return 2;
		}
		break;
	case 't':
		top = strtol(arg, &end, 10);
		if (*end || end == arg || top < 1) {
			p_err("--top %s: expected a number of rows, at least 1", arg);
			return 2;
		}
		break;
	}
	return 0;
}

static int smaps_show(int argc, char **argv)
{
	int fd, ret;
	struct mmscope_smaps_vma *recs, sum;
	struct mmscope_vma *vmas = NULL;
	size_t n, nv = 0, i, k, shown;
	const char *sep;
	struct row *rows;

	fd = open_pid_query(argc, argv, "usage: " USAGE);
	if (fd < 0)
		return -fd;
	if (rollup_only) {
		/* Summed in the kernel: one record, not one per VMA. */
		ret = mms_smaps_rollup(fd, &sum);
		close(fd);
		if (ret) {
			p_errno(-ret, ERR_QUERY, argv[0]);
			return 1;
		}
		if (json_output) {
			jw_start_object(jw);
			json_rollup(&sum);
			jw_end_object(jw);
		} else {
			text_rollup(&sum);
		}
		return 0;
	}
	ret = mms_smaps_all(fd, &recs, &n);
	if (!ret)
		ret = mms_vmas_all(fd, &vmas, &nv);
	close(fd);
	if (ret) {
		p_errno(-ret, ERR_QUERY, argv[0]);
		return 1;
	}
	rollup(recs, n, &sum);

	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		p_err("out of memory");
		free(recs);
		free(vmas);
		return 1;
	}
	/* Both lists are sorted by address: join them by start and end. */
	for (i = 0, k = 0; i < n; i++) {
		rows[i].r = &recs[i];
		while (k < nv && vmas[k].end <= recs[i].start)
			k++;
		if (k < nv && vmas[k].start == recs[i].start && vmas[k].end == recs[i].end)
			rows[i].v = &vmas[k];
	}
	if (sort_pss)
		qsort(rows, n, sizeof(*rows), by_pss);
	shown = top > 0 && (size_t)top < n ? (size_t)top : n;

	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "vmas");
		jw_start_array(jw);
		for (i = 0; i < shown; i++)
			json_vma_smaps(&rows[i]);
		jw_end_array(jw);
		json_rollup(&sum);
		jw_key(jw, "not_computed");
		jw_start_array(jw);
		jw_string(jw, "SwapPss");
		jw_end_array(jw);
		jw_end_object(jw);
	} else {
		struct table t;

		table_start(&t, cols, sizeof(cols) / sizeof(cols[0]));
		for (i = 0; i < shown; i++) {
			table_range(&t, rows[i].r->start, rows[i].r->end);
			text_row(&t, rows[i].v ? mms_kind_name(rows[i].v->kind) : "?",
				 rows[i].r, rows[i].v ? (const char *)rows[i].v->path : "");
		}
		table_fmt(&t, "total (%zu VMAs)", n);
		text_row(&t, "", &sum, "");
		table_end(&t);
		/* Notes under the table, a blank line apart: not rows of it. */
		for (i = 0, sep = "\n"; i < NABSENT; i++)
			if (sum.flags & absent_kinds[i].flag) {
				printf("%s%s: not in this kernel (%s)\n", sep, absent_kinds[i].fields,
				       absent_kinds[i].config);
				sep = "";
			}
	}
	free(rows);
	free(recs);
	free(vmas);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, smaps_show },
	{}
};

const struct object obj_smaps = {
	.name = "smaps",
	.help = help_text,
	.cmds = cmds,
	.longopts = opts,
	.take = take_option,
};
