// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: the command-line view of mmscope.ko.
 *
 *   mmscope [OPTIONS] OBJECT { ARGS... | help }
 *
 * One file per object (mm.c, maps.c, ...), each with its arguments and its
 * help. Every command prints a human table, or JSON with -j (keys are a
 * contract: see README.md). Errors are one clear line on stderr (and an
 * {"error": ...} object on stdout with -j) and a non-zero exit: 1 for a
 * failed query, 2 for a usage error or a malformed argument.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "json_writer.h"
#include "libmmscope.h"
#include "main.h"

bool json_output;
static bool pretty_output;
bool verbose;
bool dot_output;
const char *vma_index_arg;
const char *device = MMSCOPE_DEVICE;
struct json_writer *jw;

void p_err(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mmscope: %s\n", msg);
	if (!json_output)
		return;
	if (jw) {
		jw_fail(jw, msg);
	} else {
		/* Before the object ran: an option or an object that is wrong. */
		struct json_writer *ejw = jw_new(stdout, pretty_output);

		if (ejw) {
			jw_fail(ejw, msg);
			jw_destroy(ejw);
		}
	}
}

/*
 * How to load the module: modprobe once it is installed for the running
 * kernel (make install, or the dkms package), else insmod from the tree.
 */
static const char *load_hint(void)
{
	char path[256], line[512];
	struct utsname u;
	const char *hint = "sudo insmod mmscope.ko";
	FILE *f;

	if (uname(&u))
		return hint;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(path, "r");
	if (!f)
		return hint;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "/mmscope.ko")) {
			hint = "sudo modprobe mmscope";
			break;
		}
	}
	fclose(f);
	return hint;
}

/* Whether @path is the misc device mmscope.ko registered (sysfs says its number). */
static bool is_mmscope_device(const char *path)
{
	unsigned int major, minor;
	struct stat st;
	FILE *f;
	int n;

	if (stat(path, &st) || !S_ISCHR(st.st_mode))
		return false;
	f = fopen("/sys/class/misc/mmscope/dev", "r");
	if (!f)
		return false;
	n = fscanf(f, "%u:%u", &major, &minor);
	fclose(f);
	return n == 2 && st.st_rdev == makedev(major, minor);
}

/*
 * Turn an errno from the device into what the user should do about it.
 * ENOENT is the clearest case of why @src matters: from open() the module
 * is missing, from a walk the process is a kernel thread.
 */
void p_errno(int err, enum err_src src, const char *what)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		if (src == ERR_DEVICE) {
			p_err("%s not found: is the module loaded? (%s)", what, load_hint());
			return;
		}
		if (err == ENOENT && src == ERR_WALK) {
			p_err("PID %s is a kernel thread: it has no user address space", what);
			return;
		}
		if (err == ENOENT && src == ERR_QUERY) {
			p_err("no target set: mmscope.ko was asked about PID %s before it was chosen",
			      what);
			return;
		}
		break;
	case EACCES:		/* open() of the 0600 node */
		p_err("permission denied: mmscope needs CAP_SYS_ADMIN");
		return;
	case EPERM:
		p_err("permission denied: mmscope needs CAP_SYS_ADMIN; or the kernel is locked down (lockdown=confidentiality), and mmscope.ko refuses every query");
		return;
	case ESRCH:
		if (src == ERR_TARGET)
			p_err("no such process: %s", what);
		else
			p_err("process %s exited", what);
		return;
	case ENOTTY:
		if (!is_mmscope_device(device))
			p_err("%s is not the mmscope device (give it with -d, or leave -d out for %s)",
			      device, MMSCOPE_DEVICE);
		else
			p_err("%s does not understand this request: is mmscope.ko older than this tool?",
			      device);
		return;
	}
	p_err("%s: %s", what, strerror(err));
}

bool is_help(int argc, char **argv)
{
	return argc >= 1 && !strcmp(argv[0], "help");
}

/* As bpftool: with -j, help is null, so that the output is still JSON. */
int p_help(const char *text)
{
	if (json_output)
		jw_null(jw);
	else
		fputs(text, stdout);
	return 0;
}

static const char usage_text[] =
	"Usage: mmscope [OPTIONS] OBJECT { ARGS... | help }\n"
	"       mmscope help\n"
	"\n"
	"Objects:\n"
	"  mm        the mm_struct: counters, layout, page tables, users\n"
	"  maps      every VMA: /proc/PID/maps fields, flags, kind, vm_ops\n"
	"  lookup    the VMA containing an address, or the first one above it\n"
	"  walk      the page-table walk of an address, level by level (as crash's\n"
	"            vtop), the page's state and its copy-on-write verdict\n"
	"  pages     every page of a range: state, PFN, COW, counts\n"
	"  cow       copy-on-write verdicts of a range, as runs\n"
	"  faultlab  guided scenarios on /dev/mmscope's own vm_operations, and the\n"
	"            counters and fault log of every lab\n"
	"  smaps     Rss, Pss, Shared/Private, Swap per VMA and rolled up, from\n"
	"            mmscope's own page walk with the kernel's arithmetic\n"
	"  tlb       TLB state: mm context, CR3 and lazy TLB per CPU, flushes\n"
	"  map       the address space as a picture (--svg FILE): a box per VMA\n"
	"  vmatree   the VMA tree (maple tree) node by node: pivots, gaps, VMAs\n"
	"  version   this tool, the module and its ABI, the kernel's features\n"
	"\n"
	"'mmscope OBJECT help' shows an object's arguments.\n"
	"\n"
	"Options:\n"
	"  -j, --json         JSON output\n"
	"  -p, --pretty       indented JSON (implies -j)\n"
	"  -v, --verbose      maps: decode vm_flags under each VMA\n"
	"      --vma VMA      pages, cow: one VMA, by number (from 0, as in maps) or name\n"
	"      --dot          walk, vmatree: a Graphviz picture\n"
	"  -d, --device PATH  the mmscope device (default " MMSCOPE_DEVICE ")\n"
	"  -h, --help         this text\n"
	"  -V, --version      the versions and features (mmscope version)\n"
	"\n"
	"mmscope needs CAP_SYS_ADMIN and the mmscope.ko module.\n";

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return p_help(usage_text);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} objects[] = {
	{ "mm", do_mm },
	{ "maps", do_maps },
	{ "lookup", do_lookup },
	{ "walk", do_walk },
	{ "pages", do_pages },
	{ "cow", do_cow },
	{ "faultlab", do_faultlab },
	{ "smaps", do_smaps },
	{ "tlb", do_tlb },
	{ "map", do_map },
	{ "vmatree", do_vmatree },
	{ "version", do_version },
	{ "help", do_help },
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "dot", no_argument, NULL, 'D' },
		{ "vma", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	static char *version_argv[] = { "version", NULL };
	bool version_requested = false;
	unsigned int i;
	int opt, ret;

	opterr = 0;	/* one error style: ours */
	while ((opt = getopt_long(argc, argv, "+:jpvd:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'd':
			device = optarg;
			break;
		case 'D':
			dot_output = true;
			break;
		case 'n':
			vma_index_arg = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			version_requested = true;
			break;
		case ':':
			p_err("option '%s' needs an argument (try: mmscope help)", argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				p_err("unknown option '-%c' (try: mmscope help)", optopt);
			else
				p_err("unknown option '%s' (try: mmscope help)", argv[optind - 1]);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (version_requested) {	/* -V, whatever follows: as "version" */
		argc = 1;
		argv = version_argv;
	}
	if (argc < 1) {
		p_err("no object given (try: mmscope help)");
		return 2;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (strcmp(argv[0], objects[i].name))
			continue;
		if (json_output) {
			jw = jw_new(stdout, pretty_output);
			if (!jw)
				return 1;
		}
		ret = objects[i].run(argc - 1, argv + 1);
		if (jw)
			jw_destroy(jw);
		return ret;
	}
	p_err("unknown object '%s' (try: mmscope help)", argv[0]);
	return 2;
}
