// SPDX-License-Identifier: GPL-2.0
/* mmscope cow PID RANGE: the copy-on-write verdicts of a range, as runs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope cow PID RANGE | mmscope --vma VMA cow PID"

static const char help_text[] =
	"Usage: mmscope cow PID RANGE\n"
	"       mmscope --vma VMA cow PID\n"
	"       mmscope cow help\n"
	"\n"
	"What a write by process PID would do to each page of RANGE (or of one VMA,\n"
	"by number or name) now, as runs of equal verdicts: readonly, none,\n"
	"writable, shared, zero, copy or reuse (mmscope-cow(8) says when each applies).\n"
	"RANGE is START-END or START+LEN in hex, or a VMA's name, as for pages.\n";

/* --vma VMA: instead of RANGE. */
static const char *vma_arg;

/* The verdicts alone, as runs of equal verdicts. */
static int cow_show(int argc, char **argv)
{
	/* PAGES counts 4K pages: a count, not a size. */
	static const struct table_col cols[] = {
		{ "START-END", 0 }, { "COW", 0 }, { "PAGES", COL_RIGHT },
	};
	struct mmscope_page *recs;
	struct table t;
	uint64_t start, end;
	size_t n, i, j;
	int ret;

	ret = fetch_pages(argc, argv, vma_arg, "usage: " USAGE, &start, &end, &recs, &n);
	if (ret)
		return ret;
	if (json_output)
		jw_start_array(jw);
	else
		table_start(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i = j) {
		uint64_t run_end = recs[i].addr + recs[i].size;

		for (j = i + 1; j < n && recs[j].cow == recs[i].cow && recs[j].addr == run_end; j++)
			run_end = recs[j].addr + recs[j].size;
		if (json_output) {
			jw_start_object(jw);
			jw_key(jw, "start");
			jw_hex(jw, recs[i].addr);
			jw_key(jw, "end");
			jw_hex(jw, run_end);
			jw_key(jw, "cow");
			jw_string(jw, mms_cow_name(recs[i].cow));
			jw_key(jw, "pages");
			jw_uint(jw, (run_end - recs[i].addr) / 4096);
			jw_end_object(jw);
		} else {
			table_range(&t, recs[i].addr, run_end);
			table_str(&t, mms_cow_name(recs[i].cow));
			table_uint(&t, (run_end - recs[i].addr) / 4096);
		}
	}
	if (json_output)
		jw_end_array(jw);
	else
		table_end(&t);
	free(recs);
	return 0;
}

static const struct option opts[] = {
	{ "vma", required_argument, NULL, 'n' },
	{}
};

static int take_option(int opt, const char *arg)
{
	(void)opt;
	vma_arg = arg;
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, cow_show },
	{}
};

const struct object obj_cow = {
	.name = "cow",
	.help = help_text,
	.cmds = cmds,
	.longopts = opts,
	.take = take_option,
};
