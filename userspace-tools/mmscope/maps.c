// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope maps PID: every VMA. Its printers of one VMA serve every object
 * that shows VMAs (lookup, walk, faultlab).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "libmmscope.h"
#include "main.h"
#include "table.h"

#define USAGE "mmscope maps PID"

static const char help_text[] =
	"Usage: mmscope [-v] maps PID\n"
	"       mmscope maps help\n"
	"\n"
	"Every VMA of process PID, in address order: what /proc/PID/maps prints,\n"
	"then the kind, whether an anon_vma is attached and the vm_ops symbol.\n"
	"With -v, the vm_flags under each VMA, named as the running kernel names\n"
	"them. The [vsyscall] gate area is not a VMA of the mm: it is not listed.\n";

/* -v: the vm_flags under each VMA. */
static bool verbose;

void json_vma_brief(const struct mmscope_vma_brief *v, const char *path)
{
	char dev[24], *p;

	/* "%02x:%02x", without printf() (see text_vma_brief()). */
	p = fmt_hex(dev, v->dev_major, 2);
	*p++ = ':';
	*fmt_hex(p, v->dev_minor, 2) = '\0';
	jw_start_object(jw);
	jw_key(jw, "start");
	jw_hex(jw, v->start);
	jw_key(jw, "end");
	jw_hex(jw, v->end);
	jw_key(jw, "perms");
	jw_string(jw, (const char *)v->perms);
	jw_key(jw, "offset");
	jw_hex(jw, v->offset);
	jw_key(jw, "dev");
	jw_string(jw, dev);
	jw_key(jw, "inode");
	jw_uint(jw, v->inode);
	jw_key(jw, "path");
	jw_string(jw, path);
	jw_key(jw, "vm_flags");
	jw_hex(jw, v->vm_flags);
	jw_key(jw, "flags");
	put_bits(v->vm_flags, vm_flag_name);
	jw_key(jw, "anon_vma");
	jw_bool(jw, v->flags & MMSCOPE_VMA_ANON_VMA);
	jw_key(jw, "vm_ops");
	if (v->vm_ops[0])
		jw_string(jw, (const char *)v->vm_ops);
	else
		jw_null(jw);
	jw_key(jw, "kind");
	jw_string(jw, mms_kind_name(v->kind));
	jw_end_object(jw);
}

void json_vma(const struct mmscope_vma *v)
{
	struct mmscope_vma_brief b;

	mms_vma_brief_of(v, &b);
	json_vma_brief(&b, (const char *)v->path);
}

static const struct table_col vma_cols[] = {
	{ "START-END", 0 }, { "SIZE", COL_RIGHT | COL_SIZE }, { "PERM", 0 }, { "OFFSET", 0 }, { "DEV", 0 },
	{ "INODE", COL_RIGHT }, { "KIND", 0 }, { "ANON", 0 }, { "VM_OPS", 0 },
	{ "PATH", 0 },
};

void vma_table_start(struct table *t)
{
	table_start(t, vma_cols, sizeof(vma_cols) / sizeof(vma_cols[0]));
}

/* The fields of /proc/PID/maps (offset and device as it prints them), then ours. */
void vma_table_row(struct table *t, const struct mmscope_vma_brief *v, const char *path)
{
	char perms[sizeof(v->perms) + 1] = "", dev[24], *p;

	memcpy(perms, v->perms, sizeof(v->perms));
	table_range(t, v->start, v->end);
	table_size(t, v->end - v->start);
	table_str(t, perms);
	table_hex(t, v->offset, 8);
	p = fmt_hex(dev, v->dev_major, 2);
	*p++ = ':';
	*fmt_hex(p, v->dev_minor, 2) = '\0';
	table_str(t, dev);
	table_uint(t, v->inode);
	table_str(t, mms_kind_name(v->kind));
	table_str(t, v->flags & MMSCOPE_VMA_ANON_VMA ? "yes" : "no");
	table_str(t, v->vm_ops[0] ? (const char *)v->vm_ops : "-");
	table_str(t, path);
	if (verbose) {
		static char names[BITS_TEXT_MAX + 1];

		*fmt_bits(names, v->vm_flags, vm_flag_name, " ") = '\0';
		table_note(t, "    vm_flags 0x%llx: %s", (unsigned long long)v->vm_flags, names);
	}
}

void vma_table_row_full(struct table *t, const struct mmscope_vma *v)
{
	struct mmscope_vma_brief b;

	mms_vma_brief_of(v, &b);
	vma_table_row(t, &b, (const char *)v->path);
}

/* glibc ignores setvbuf()'s size unless the buffer is ours; it lives until exit. */
static char maps_stdout_buf[1 << 20];

static int maps_show(int argc, char **argv)
{
	struct mms_vmas vmas;
	size_t i;
	int fd, ret;

	fd = open_pid_query(argc, argv, "usage: " USAGE);
	if (fd < 0)
		return -fd;
	/* Nothing is written yet: a large buffer, few write()s, for a file or pipe. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, maps_stdout_buf, _IOFBF, sizeof(maps_stdout_buf));
	ret = load_vm_flag_names(fd);
	if (!ret)
		ret = mms_vmas_brief_all(fd, &vmas);
	close(fd);
	if (ret) {
		p_errno(-ret, ERR_QUERY, argv[0]);
		return 1;
	}

	if (json_output) {
		jw_start_array(jw);
		for (i = 0; i < vmas.count; i++)
			json_vma_brief(&vmas.recs[i], mms_vma_path(&vmas, i));
		jw_end_array(jw);
	} else {
		struct table t;

		vma_table_start(&t);
		for (i = 0; i < vmas.count; i++)
			vma_table_row(&t, &vmas.recs[i], mms_vma_path(&vmas, i));
		table_end(&t);
	}
	mms_vmas_free(&vmas);
	return 0;
}

static const struct option opts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{}
};

static int take_option(int opt, const char *arg)
{
	(void)opt;
	(void)arg;
	verbose = true;
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, maps_show },
	{}
};

const struct object obj_maps = {
	.name = "maps",
	.help = help_text,
	.cmds = cmds,
	.shortopts = "v",
	.longopts = opts,
	.take = take_option,
};
