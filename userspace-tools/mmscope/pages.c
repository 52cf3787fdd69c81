// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope pages PID START-END: a record per page, or per run of empty
 * entries, of a range. cow shows the same records' verdicts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope pages PID RANGE [--summary | --pte] | mmscope --vma VMA pages PID"

static const char help_text[] =
	"Usage: mmscope pages PID RANGE [--summary | --pte]\n"
	"       mmscope --vma VMA pages PID [--summary | --pte]\n"
	"       mmscope pages help\n"
	"\n"
	"Every page of RANGE in process PID (or of one VMA: its number from 0, as\n"
	"maps lists them, or its name): a record per present page (one per huge\n"
	"leaf), per swap or other non-present entry, and per run of empty entries\n"
	"or of space with no VMA, with its state, PFN, page size, PTE bits,\n"
	"copy-on-write verdict, counts and page flags; then a summary in 4K pages.\n"
	"\n"
	"RANGE is START-END or START+LEN, addresses in hex as mmscope prints them,\n"
	"with or without 0x (0x400000-0x401000, 00007f0bcad45000+2M; LEN as 4K, 2M,\n"
	"1G or 0x1000), or a VMA's name: [heap], [stack], [vdso], a path or its\n"
	"basename (libc.so.6: the file's neighbouring VMAs together).\n"
	"\n"
	"  --summary  the summary alone, counted by the kernel (no records)\n"
	"  --pte      the page-table fields alone (state, PFN or swap entry, page\n"
	"             size, PTE bits), read without struct page, and the summary\n"
	"             by state and size: no verdicts, counts or page flags\n";

/* The options: --vma VMA instead of RANGE; --summary or --pte. */
static const char *opt_vma;
static int opt_mode;

/* The target and its range; returns the exit code, *@fd open on 0. */
static int open_range(int argc, char **argv, const char *vma_arg, const char *usage, int *fd,
		      uint64_t *start, uint64_t *end)
{
	int ret;

	if (argc != (vma_arg ? 1 : 2)) {
		p_err("%s", usage);
		return 2;
	}
	if (vma_arg ? check_vma_arg(vma_arg) : check_range_arg(argv[1]))
		return 2;
	*fd = open_target(argv[0]);
	if (*fd < 0)
		return -*fd;
	if (vma_arg)
		ret = resolve_vma(*fd, argv[0], vma_arg, start, end);
	else
		ret = resolve_range(*fd, argv[0], argv[1], start, end);
	if (ret)
		close(*fd);
	return ret;
}

/* The query's error as the CLI says it; returns the exit code. */
static int pages_error(int ret, const char *pid_arg)
{
	if (ret == -EINVAL) {
		p_err("invalid range: END is above the TASK_SIZE of process %s", pid_arg);
		return 1;
	}
	p_errno(-ret, ERR_QUERY, pid_arg);
	return 1;
}

/* Returns the exit code; on 0, *@recs is the caller's to free. */
int fetch_pages(int argc, char **argv, const char *vma_arg, const char *usage, uint64_t *start,
		uint64_t *end, struct mmscope_page **recs, size_t *n)
{
	int fd, ret;

	ret = open_range(argc, argv, vma_arg, usage, &fd, start, end);
	if (ret)
		return ret;
	ret = mms_pages_all(fd, *start, *end, recs, n);
	close(fd);
	return ret ? pages_error(ret, argv[0]) : 0;
}

/* A JSON object's opening: {"start": ..., "end": ..., */
static void json_range_start(uint64_t start, uint64_t end)
{
	jw_start_object(jw);
	jw_key(jw, "start");
	jw_hex(jw, start);
	jw_key(jw, "end");
	jw_hex(jw, end);
}

/* A record's "state" and "pfn" (null unless present). */
static void json_state_pfn(uint32_t state, uint64_t pfn)
{
	jw_key(jw, "state");
	jw_string(jw, mms_state_name(state));
	jw_key(jw, "pfn");
	if (state == MMSCOPE_ENTRY_PRESENT)
		jw_uint(jw, pfn);
	else
		jw_null(jw);
}

/* The non-zero counts: {NAME: n, ...} in JSON, "KEY: NAME n ..." in text. */
static void put_counts(const char *key, const uint64_t *counts, int n,
		       const char *(*name)(uint32_t))
{
	int i;

	if (json_output) {
		jw_key(jw, key);
		jw_start_object(jw);
	} else {
		printf("\n  %s:", key);
	}
	for (i = 0; i < n; i++) {
		if (!counts[i])
			continue;
		if (json_output) {
			jw_key(jw, name(i));
			jw_uint(jw, counts[i]);
		} else {
			printf(" %s %llu", name(i), (unsigned long long)counts[i]);
		}
	}
	if (json_output)
		jw_end_object(jw);
}

/* PAGE is the size of the page (or huge leaf) mapping the record. */
static const struct table_col cols[] = {
	{ "ADDR", 0 }, { "SIZE", COL_RIGHT | COL_SIZE }, { "STATE", 0 }, { "PFN", 0 },
	{ "PAGE", COL_RIGHT | COL_SIZE }, { "COW", 0 }, { "MAPC", COL_RIGHT },
	{ "REFC", COL_RIGHT }, { "PTE", 0 }, { "PAGE_FLAGS", 0 },
};

static const struct table_col pte_cols[] = {
	{ "ADDR", 0 }, { "SIZE", COL_RIGHT | COL_SIZE }, { "STATE", 0 }, { "PFN", 0 },
	{ "PAGE", COL_RIGHT | COL_SIZE }, { "PTE", 0 },
};

static const char *const rss_names[3] = { "4K", "2M", "1G" };

/* The summary: JSON's "summary" object, or text's block. @per_cow may be NULL. */
static void put_summary(uint64_t start, uint64_t end, const uint64_t *per_state,
			const uint64_t *per_cow, const uint64_t *rss)
{
	char buf[24];
	int s;

	if (json_output) {
		jw_key(jw, "summary");
		jw_start_object(jw);
		put_counts("pages", per_state, MMSCOPE_ENTRY_STATE_COUNT, mms_state_name);
		if (per_cow)
			put_counts("cow", per_cow, MMSCOPE_COW_COUNT, mms_cow_name);
		jw_key(jw, "rss");
		jw_start_object(jw);
		for (s = 0; s < 3; s++) {
			jw_key(jw, rss_names[s]);
			jw_uint(jw, rss[s]);
		}
		jw_end_object(jw);
		jw_end_object(jw);
		return;
	}
	printf("\nsummary of %#llx-%#llx (in 4K pages):", (unsigned long long)start,
	       (unsigned long long)end);
	put_counts("state", per_state, MMSCOPE_ENTRY_STATE_COUNT, mms_state_name);
	if (per_cow)
		put_counts("cow", per_cow, MMSCOPE_COW_COUNT, mms_cow_name);
	printf("\n  rss:  ");
	for (s = 0; s < 3; s++)
		printf(" %s %s%s%s", rss_names[s], size_text(buf, rss[s]), human_output ? "" : " kB",
		       s < 2 ? "," : "\n");
}

/* --summary: MMSCOPE_PAGES_SUMMARY, no records. */
static int pages_summary(int argc, char **argv)
{
	uint64_t start, end, per_state[MMSCOPE_ENTRY_STATE_COUNT], per_cow[MMSCOPE_COW_COUNT];
	uint64_t rss[3];
	struct mmscope_pages sum;
	int fd, ret, i;

	ret = open_range(argc, argv, opt_vma, "usage: " USAGE, &fd, &start, &end);
	if (ret)
		return ret;
	ret = mms_pages_summary(fd, start, end, &sum);
	close(fd);
	if (ret)
		return pages_error(ret, argv[0]);
	for (i = 0; i < MMSCOPE_ENTRY_STATE_COUNT; i++)
		per_state[i] = sum.sum_state[i];
	for (i = 0; i < MMSCOPE_COW_COUNT; i++)
		per_cow[i] = sum.sum_cow[i];
	for (i = 0; i < 3; i++)
		rss[i] = sum.sum_present[i] * 4096;
	if (json_output) {
		json_range_start(start, end);
	}
	put_summary(start, end, per_state, per_cow, rss);
	if (json_output)
		jw_end_object(jw);
	return 0;
}

/* --pte: MMSCOPE_PAGES_PTE_ONLY records, and the summary without verdicts. */
static int pages_pte(int argc, char **argv)
{
	uint64_t start, end, per_state[MMSCOPE_ENTRY_STATE_COUNT] = { 0 }, rss[3] = { 0 };
	struct mmscope_page_pte *recs;
	uint64_t rend, size, psize;
	struct table t;
	size_t n, i;
	int fd, ret;

	ret = open_range(argc, argv, opt_vma, "usage: " USAGE, &fd, &start, &end);
	if (ret)
		return ret;
	ret = mms_pages_pte_all(fd, start, end, &recs, &n);
	close(fd);
	if (ret)
		return pages_error(ret, argv[0]);
	/* The records cover [start rounded down, end rounded up to 4K). */
	rend = (end + 4095) & ~4095ULL;
	if (json_output) {
		json_range_start(start, end);
		jw_key(jw, "records");
		jw_start_array(jw);
	} else {
		table_start(&t, pte_cols, sizeof(pte_cols) / sizeof(pte_cols[0]));
	}
	for (i = 0; i < n; i++) {
		const struct mmscope_page_pte *p = &recs[i];

		size = (i + 1 < n ? recs[i + 1].addr : rend) - p->addr;
		psize = p->page_shift ? 1ULL << p->page_shift : 0;
		per_state[p->state < MMSCOPE_ENTRY_STATE_COUNT ? p->state : 0] += size / 4096;
		if (p->state == MMSCOPE_ENTRY_PRESENT)
			rss[psize >= (1ULL << 30) ? 2 : psize >= (1ULL << 21)] += size;
		if (json_output) {
			jw_start_object(jw);
			jw_key(jw, "addr");
			jw_hex(jw, p->addr);
			jw_key(jw, "size");
			jw_uint(jw, size);
			json_state_pfn(p->state, p->pfn);
			if (p->state >= MMSCOPE_ENTRY_SWAP && p->state <= MMSCOPE_ENTRY_HWPOISON) {
				jw_key(jw, "swap_type");
				jw_uint(jw, p->swap_type);
				jw_key(jw, "swap_offset");
				jw_uint(jw, p->pfn);
			}
			jw_key(jw, "page_size");
			jw_uint(jw, psize);
			jw_key(jw, "pte_flags");
			put_bits(p->pte_flags, mms_pte_bit_name);
			jw_end_object(jw);
			continue;
		}
		table_addr(&t, p->addr);
		table_size(&t, size);
		table_str(&t, mms_state_name(p->state));
		if (p->state == MMSCOPE_ENTRY_PRESENT)
			table_pfn(&t, p->pfn);
		else if (p->state >= MMSCOPE_ENTRY_SWAP && p->state <= MMSCOPE_ENTRY_HWPOISON)
			table_fmt(&t, "swp %u:%#llx", p->swap_type, (unsigned long long)p->pfn);
		else
			table_str(&t, "-");
		if (psize)
			table_size(&t, psize);
		else
			table_str(&t, "-");
		table_bits(&t, p->pte_flags, mms_pte_bit_name, ",");
	}
	if (json_output)
		jw_end_array(jw);
	else
		table_end(&t);
	put_summary(start, end, per_state, NULL, rss);
	if (json_output)
		jw_end_object(jw);
	free(recs);
	return 0;
}

static const struct option opts[] = {
	{ "summary", no_argument, NULL, 's' },
	{ "pte", no_argument, NULL, 'p' },
	{ "vma", required_argument, NULL, 'n' },
	{}
};

static int take_option(int opt, const char *arg)
{
	if (opt == 'n') {
		opt_vma = arg;
		return 0;
	}
	if (opt_mode && opt_mode != opt) {
		p_err("--summary and --pte do not go together");
		return 2;
	}
	opt_mode = opt;
	return 0;
}

static int pages_show(int argc, char **argv)
{
	uint64_t start, end, per_state[MMSCOPE_ENTRY_STATE_COUNT] = { 0 };
	uint64_t per_cow[MMSCOPE_COW_COUNT] = { 0 }, rss[3] = { 0 };
	struct mmscope_page *recs;
	struct table t;
	size_t n, i;
	int ret;

	if (opt_mode == 's')
		return pages_summary(argc, argv);
	if (opt_mode == 'p')
		return pages_pte(argc, argv);
	ret = fetch_pages(argc, argv, opt_vma, "usage: " USAGE, &start, &end, &recs, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		const struct mmscope_page *p = &recs[i];

		per_state[p->state < MMSCOPE_ENTRY_STATE_COUNT ? p->state : 0] += p->size / 4096;
		per_cow[p->cow < MMSCOPE_COW_COUNT ? p->cow : 0] += p->size / 4096;
		if (p->state == MMSCOPE_ENTRY_PRESENT)
			rss[p->page_size >= (1ULL << 30) ? 2 : p->page_size >= (1ULL << 21)] += p->size;
	}

	if (json_output) {
		json_range_start(start, end);
		jw_key(jw, "records");
		jw_start_array(jw);
		for (i = 0; i < n; i++) {
			const struct mmscope_page *p = &recs[i];

			jw_start_object(jw);
			jw_key(jw, "addr");
			jw_hex(jw, p->addr);
			jw_key(jw, "size");
			jw_uint(jw, p->size);
			json_state_pfn(p->state, p->pfn);
			jw_key(jw, "page_size");
			jw_uint(jw, p->page_size);
			jw_key(jw, "pte_flags");
			put_bits(p->pte_flags, mms_pte_bit_name);
			jw_key(jw, "cow");
			jw_string(jw, mms_cow_name(p->cow));
			jw_key(jw, "mapcount");
			jw_uint(jw, p->mapcount);
			jw_key(jw, "refcount");
			jw_uint(jw, p->refcount);
			jw_key(jw, "page_flags");
			put_bits(p->page_flags, mms_pg_bit_name);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		put_summary(start, end, per_state, per_cow, rss);
		jw_end_object(jw);
		free(recs);
		return 0;
	}

	table_start(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		const struct mmscope_page *p = &recs[i];

		table_addr(&t, p->addr);
		table_size(&t, p->size);
		table_str(&t, mms_state_name(p->state));
		if (p->state == MMSCOPE_ENTRY_PRESENT)
			table_pfn(&t, p->pfn);
		else if (page_has_swap(p))
			table_fmt(&t, "swp %u:%#llx", p->swap_type, p->swap_offset);
		else
			table_str(&t, "-");
		if (p->page_size)
			table_size(&t, p->page_size);
		else
			table_str(&t, "-");
		table_str(&t, mms_cow_name(p->cow));
		table_uint(&t, p->mapcount);
		table_uint(&t, p->refcount);
		table_bits(&t, p->pte_flags, mms_pte_bit_name, ",");
		if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)
			table_bits(&t, p->page_flags, mms_pg_bit_name, ",");
		else
			table_str(&t, "-");
	}
	table_end(&t);
	put_summary(start, end, per_state, per_cow, rss);
	free(recs);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, pages_show },
	{}
};

const struct object obj_pages = {
	.name = "pages",
	.help = help_text,
	.cmds = cmds,
	.longopts = opts,
	.take = take_option,
};
