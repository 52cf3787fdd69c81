// SPDX-License-Identifier: GPL-2.0
/* mmscope lookup PID ADDR: find_vma(), as the kernel answers it. */
#include <stdio.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope lookup PID ADDR"

static const char help_text[] =
	"Usage: " USAGE "\n"
	"       mmscope lookup help\n"
	"\n"
	"The VMA of process PID that contains ADDR or, as find_vma() answers, the\n"
	"first VMA above it and the gap up to it. ADDR is hex, as mmscope prints\n"
	"it, with or without 0x (00007ffd0000 or 0x7ffd0000); at or above the\n"
	"process's TASK_SIZE it is refused.\n";

static int lookup_show(int argc, char **argv)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	bool found, contains;
	struct table t;
	uint64_t addr;
	int fd, ret;
	char gap[24];

	fd = open_addr_query(argc, argv, "usage: " USAGE, &addr);
	if (fd < 0)
		return -fd;
	ret = mms_lookup(fd, addr, &res, &vma);
	close(fd);
	if (ret)
		return p_addr_query_err(-ret, ERR_QUERY, argv[0], argv[1]);

	found = res.out_flags & MMSCOPE_LOOKUP_FOUND;
	contains = res.out_flags & MMSCOPE_LOOKUP_CONTAINS;
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "addr");
		jw_hex(jw, addr);
		jw_key(jw, "vma");
		if (found)
			json_vma(&vma);
		else
			jw_null(jw);
		jw_key(jw, "contains");
		jw_bool(jw, contains);
		jw_key(jw, "gap");
		jw_uint(jw, res.gap);
		jw_end_object(jw);
		return 0;
	}
	printf("addr      0x%llx\n", (unsigned long long)addr);
	if (!found) {
		printf("vma       none: no VMA at or above this address\n");
		return 0;
	}
	printf("contains  %s\n", contains ? "yes" : "no");
	if (!contains)
		printf("gap       %s%s below the next VMA\n", size_text(gap, res.gap),
		       human_output ? "" : " kB");
	vma_table_start(&t);
	vma_table_row_full(&t, &vma);
	table_end(&t);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, lookup_show },
	{}
};

const struct object obj_lookup = {
	.name = "lookup",
	.help = help_text,
	.cmds = cmds,
};
