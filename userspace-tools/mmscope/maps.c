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

#define USAGE "mmscope maps PID"

static const char help_text[] =
	"Usage: mmscope [-v] maps PID\n"
	"       mmscope maps help\n"
	"\n"
	"Every VMA of process PID, in address order: what /proc/PID/maps prints,\n"
	"then the kind, whether an anon_vma is attached and the vm_ops symbol.\n"
	"With -v, the vm_flags under each VMA, named as the running kernel names\n"
	"them. The [vsyscall] gate area is not a VMA of the mm: it is not listed.\n";

/* The running kernel's names of vm_flags bits (MMSCOPE_IOC_VM_FLAG_NAMES). */
static struct mmscope_vm_flag_names flag_names;

int load_vm_flag_names(int fd)
{
	return mms_vm_flag_names(fd, &flag_names);
}

/* A bit the kernel does not name is "bitN": vm_flags are never hidden. */
static const char *vm_flag_name(unsigned int bit)
{
	static char unknown[16];

	if (flag_names.names[bit][0])
		return (const char *)flag_names.names[bit];
	snprintf(unknown, sizeof(unknown), "bit%u", bit);
	return unknown;
}

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

void text_vma_header(void)
{
	printf("%-33s %-4s %-8s %-5s %-8s %-6s %-4s %-24s %s\n", "START-END",
	       "PERM", "OFFSET", "DEV", "INODE", "KIND", "ANON", "VM_OPS", "PATH");
}

/*
 * One line, as printf("%-33s %-4s %08llx %-5s %-8llu %-6s %-4s %-24s %s\n")
 * of the range, perms, offset, dev, inode, kind, anon, vm_ops and path
 * would print it, formatted by hand: printf() took three quarters of the
 * time of `mmscope maps` of 65,000 VMAs.
 */
void text_vma_brief(const struct mmscope_vma_brief *v, const char *path)
{
	/* The columns before the path: 33 + 9 + 17 + 18 + 21 + 65 + 5 + vm_ops + 1. */
	static char line[192 + MMSCOPE_SYM_LEN + MMSCOPE_PATH_MAX];
	const char *kind = mms_kind_name(v->kind);
	size_t len = strnlen(path, MMSCOPE_PATH_MAX);
	char *p = line, *f;

	p = fmt_hex(p, v->start, 16);
	*p++ = '-';
	p = fmt_hex(p, v->end, 16);
	*p++ = ' ';
	p = fmt_str(p, (const char *)v->perms, sizeof(v->perms), 4);
	*p++ = ' ';
	p = fmt_hex(p, v->offset, 8);
	*p++ = ' ';
	f = p;
	p = fmt_hex(p, v->dev_major, 2);
	*p++ = ':';
	p = fmt_hex(p, v->dev_minor, 2);
	p = fmt_pad(f, p, 5);
	*p++ = ' ';
	f = p;
	p = fmt_udec(p, v->inode);
	p = fmt_pad(f, p, 8);
	*p++ = ' ';
	p = fmt_str(p, kind, 64, 6);
	*p++ = ' ';
	p = fmt_str(p, v->flags & MMSCOPE_VMA_ANON_VMA ? "yes" : "no", 4, 4);
	*p++ = ' ';
	p = fmt_str(p, v->vm_ops[0] ? (const char *)v->vm_ops : "-", sizeof(v->vm_ops), 24);
	*p++ = ' ';
	/* One write per line: stdio's locking per call costs too. */
	if (len < MMSCOPE_PATH_MAX) {
		memcpy(p, path, len);
		p += len;
		*p++ = '\n';
		fwrite(line, 1, p - line, stdout);
	} else {
		fwrite(line, 1, p - line, stdout);
		printf("%s\n", path);
	}
	if (verbose) {
		printf("    vm_flags 0x%llx: ", v->vm_flags);
		put_bits_sep(v->vm_flags, vm_flag_name, " ");
		printf("\n");
	}
}

void text_vma(const struct mmscope_vma *v)
{
	struct mmscope_vma_brief b;

	mms_vma_brief_of(v, &b);
	text_vma_brief(&b, (const char *)v->path);
}

/* glibc ignores setvbuf()'s size unless the buffer is ours; it lives until exit. */
static char maps_stdout_buf[1 << 20];

int do_maps(int argc, char **argv)
{
	struct mms_vmas vmas;
	size_t i;
	int fd, ret;

	if (is_help(argc, argv))
		return p_help(help_text);
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
		text_vma_header();
		for (i = 0; i < vmas.count; i++)
			text_vma_brief(&vmas.recs[i], mms_vma_path(&vmas, i));
	}
	mms_vmas_free(&vmas);
	return 0;
}
