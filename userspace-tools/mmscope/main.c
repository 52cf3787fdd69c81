// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: the command-line view of mmscope.ko.
 *
 *   mmscope [OPTIONS] OBJECT { ARGS... | help }
 *
 * One file per object (mm.c, maps.c, ...), each with its arguments and its
 * help. Every command prints a human table, or JSON with -j (keys are a
 * contract: see docs/abi.md). Errors are one clear line on stderr (and an
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

static int do_help(int argc, char **argv);

/*
 * The objects, and the global options that apply to only some of them:
 * any other object refuses such an option rather than ignore it.
 */
enum { OPT_VERBOSE = 1, OPT_DOT = 2, OPT_VMA = 4 };

static const struct object {
	const char *name;
	int (*run)(int argc, char **argv);
	unsigned int options;
} objects[] = {
	{ "mm", do_mm, 0 },
	{ "maps", do_maps, OPT_VERBOSE },
	{ "lookup", do_lookup, 0 },
	{ "walk", do_walk, OPT_DOT },
	{ "pages", do_pages, OPT_VMA },
	{ "cow", do_cow, OPT_VMA },
	{ "faultlab", do_faultlab, 0 },
	{ "lab", do_lab, 0 },
	{ "smaps", do_smaps, 0 },
	{ "tlb", do_tlb, 0 },
	{ "map", do_map, 0 },
	{ "vmatree", do_vmatree, OPT_DOT },
	{ "version", do_version, 0 },
	{ "help", do_help, 0 },
};
#define NR_OBJECTS (sizeof(objects) / sizeof(objects[0]))

/*
 * The object @name names: itself, or the one object it is a prefix of
 * (mmscope vm, as bpftool and ip take them); NULL after p_err().
 */
static const struct object *find_object(const char *name)
{
	const struct object *found = NULL;
	char matches[256] = "";
	size_t len = strlen(name), n = 0;
	unsigned int i;

	for (i = 0; i < NR_OBJECTS; i++)
		if (!strcmp(name, objects[i].name))
			return &objects[i];
	for (i = 0; len && i < NR_OBJECTS; i++) {
		if (strncmp(name, objects[i].name, len))
			continue;
		found = &objects[i];
		n += snprintf(matches + n, n < sizeof(matches) ? sizeof(matches) - n : 0, "%s%s",
			      n ? ", " : "", objects[i].name);
	}
	if (found && !strchr(matches, ','))
		return found;
	if (found)
		p_err("ambiguous object '%s': %s (try: mmscope help)", name, matches);
	else
		p_err("unknown object '%s' (try: mmscope help)", name);
	return NULL;
}

/* mmscope help OBJECT: as mmscope OBJECT help. */
static int do_help(int argc, char **argv)
{
	static char *help_argv[] = { "help", NULL };
	const struct object *obj;

	if (!argc || !strcmp(argv[0], "help"))
		return p_help(usage_text);
	obj = find_object(argv[0]);
	return obj ? obj->run(1, help_argv) : 2;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: its value, or NULL. */
static const char *option_value(const char *name, int argc, char **argv, int *i, int *err)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len))
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len])
		return NULL;
	if (*i + 1 >= argc) {
		p_err("option '%s' needs an argument (try: mmscope help)", name);
		*err = 2;
		return NULL;
	}
	return argv[++*i];
}

/*
 * Global options may follow the object too (mmscope maps 1 -j), anywhere
 * among its arguments: they are taken out before the object reads its own.
 * "--" ends them. Returns 0, or 2 after p_err().
 */
static int take_global_options(int *argc, char **argv, unsigned int *used)
{
	int i, n = 0, err = 0;
	const char *a, *v;

	for (i = 0; i < *argc; i++) {
		a = argv[i];
		if (!strcmp(a, "--")) {	/* kept: the object's getopt stops there too */
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json_output = pretty_output = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
			*used |= OPT_VERBOSE;
		} else if (!strcmp(a, "--dot")) {
			dot_output = true;
			*used |= OPT_DOT;
		} else if ((v = option_value("--vma", *argc, argv, &i, &err))) {
			vma_index_arg = v;
			*used |= OPT_VMA;
		} else if ((v = option_value("--device", *argc, argv, &i, &err)) ||
			   (!err && (v = option_value("-d", *argc, argv, &i, &err)))) {
			device = v;
		} else if (err) {
			return err;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

static const char *option_name(unsigned int opt)
{
	return opt == OPT_VERBOSE ? "-v" : opt == OPT_DOT ? "--dot" : "--vma";
}

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
	const struct object *obj;
	unsigned int used = 0, opt_bit;
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
			used |= OPT_VERBOSE;
			break;
		case 'd':
			device = optarg;
			break;
		case 'D':
			dot_output = true;
			used |= OPT_DOT;
			break;
		case 'n':
			vma_index_arg = optarg;
			used |= OPT_VMA;
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
	argc--;
	argv++;
	ret = take_global_options(&argc, argv, &used);
	if (ret)
		return ret;
	obj = find_object(argv[-1]);
	if (!obj)
		return 2;
	for (opt_bit = OPT_VERBOSE; opt_bit <= OPT_VMA; opt_bit <<= 1) {
		if ((used & opt_bit) && !(obj->options & opt_bit)) {
			p_err("option %s does not apply to '%s' (try: mmscope %s help)",
			      option_name(opt_bit), obj->name, obj->name);
			return 2;
		}
	}
	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		if (!jw)
			return 1;
	}
	ret = obj->run(argc, argv);
	if (jw)
		jw_destroy(jw);
	return ret;
}
