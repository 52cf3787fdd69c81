// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: the command-line view of mmscope.ko.
 *
 *   mmscope [OPTIONS] OBJECT { ARGS... | help }
 *
 * One file per object (mm.c, maps.c, ...), each with its struct object:
 * its commands, its options and its help, as bpftool's objects own theirs.
 * This file owns the dispatch of objects and the global options only.
 * Every command prints a table (table.c), or JSON with -j (keys are a
 * contract: see docs/abi.md). Errors are one clear line on stderr (and an
 * {"error": ...} object on stdout with -j) and a non-zero exit: 1 for a
 * failed query, 2 for a usage error or a malformed argument.
 */
#define _GNU_SOURCE
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
	"  pgd       the top-level page table's present entries: the user half, and\n"
	"            the kernel-half entries every process copies from the kernel's\n"
	"  pages     every page of a range: state, PFN, COW, counts\n"
	"  cow       copy-on-write verdicts of a range, as runs\n"
	"  faultlab  guided scenarios on /dev/mmscope's own vm_operations, and the\n"
	"            counters and fault log of every lab\n"
	"  smaps     Rss, Pss, Shared/Private, Swap per VMA and rolled up, from\n"
	"            mmscope's own page walk with the kernel's arithmetic\n"
	"  tlb       TLB state: mm context, CR3 and lazy TLB per CPU, flushes\n"
	"  map       the address space as a picture (--svg FILE): a box per VMA\n"
	"  vmatree   the VMA tree (maple tree) node by node: pivots, gaps, VMAs\n"
	"  lab       guided experiments on process memory, checked against /proc\n"
	"  snapshot  mm, maps, smaps and TLB of a process now, as JSON to keep\n"
	"  diff      what changed between two snapshots, or a snapshot and a PID\n"
	"  version   this tool, the module and its ABI, the kernel's features\n"
	"\n"
	"'mmscope OBJECT help' shows an object's arguments and options (maps -v,\n"
	"pages and cow --vma, walk and vmatree --dot, ...): they too may come\n"
	"before or after the object.\n"
	"\n"
	"Options:\n"
	"  -j, --json         JSON output\n"
	"  -p, --pretty       indented JSON (implies -j)\n"
	"  -H, --human        sizes in tables as 4.0K, 2.0M, 1.0G (default: kB)\n"
	"      --no-headers   tables without their header line\n"
	"  -d, --device PATH  the mmscope device (default " MMSCOPE_DEVICE ")\n"
	"  -h, --help         this text\n"
	"  -V, --version      the versions and features (mmscope version)\n"
	"\n"
	"mmscope needs CAP_SYS_ADMIN and the mmscope.ko module.\n";

static const struct object *const objects[] = {
	&obj_mm, &obj_maps, &obj_lookup, &obj_walk, &obj_pgd, &obj_pages, &obj_cow,
	&obj_faultlab, &obj_lab, &obj_smaps, &obj_tlb, &obj_map, &obj_vmatree, &obj_snapshot,
	&obj_diff, &obj_version,
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
		if (!strcmp(name, objects[i]->name))
			return objects[i];
	for (i = 0; len && i < NR_OBJECTS; i++) {
		if (strncmp(name, objects[i]->name, len))
			continue;
		found = objects[i];
		n += snprintf(matches + n, n < sizeof(matches) ? sizeof(matches) - n : 0, "%s%s",
			      n ? ", " : "", objects[i]->name);
	}
	if (found && !strchr(matches, ','))
		return found;
	if (found)
		p_err("ambiguous object '%s': %s (try: mmscope help)", name, matches);
	else
		p_err("unknown object '%s' (try: mmscope help)", name);
	return NULL;
}

/* Whether @arg ("-v", "--dot", "--vma=0") is an option of any object. */
static bool is_object_option(const char *arg)
{
	size_t len = strcspn(arg, "=");
	const struct option *o;
	unsigned int i;

	for (i = 0; i < NR_OBJECTS; i++) {
		if (arg[1] != '-' && arg[1] && !arg[2] && objects[i]->shortopts &&
		    strchr(objects[i]->shortopts, arg[1]))
			return true;
		for (o = objects[i]->longopts; arg[1] == '-' && o && o->name; o++)
			if (strlen(o->name) == len - 2 && !strncmp(o->name, arg + 2, len - 2))
				return true;
	}
	return false;
}

/* As bpftool's cmd_select(): the command argv[0] names, else the default. */
static int cmd_select(const struct object *obj, int argc, char **argv)
{
	const struct cmd *c;

	if (argc >= 1 && !strcmp(argv[0], "help"))
		return p_help(obj->help);
	for (c = obj->cmds; c->func; c++)
		if (c->name && argc >= 1 && !strcmp(argv[0], c->name))
			return c->func(argc - 1, argv + 1);
	for (c = obj->cmds; c->func; c++)
		if (!c->name)
			return c->func(argc, argv);
	p_err("%s: unknown command '%s' (try: mmscope %s help)", obj->name,
	      argc ? argv[0] : "", obj->name);
	return 2;
}

/*
 * The object's options, anywhere among its arguments (getopt_long()
 * permutes): each is given to obj->take; argv keeps the rest. The new
 * argc, or -2 after p_err().
 */
static int take_object_options(const struct object *obj, int argc, char **argv)
{
	static const struct option none[] = { {} };
	char shortopts[32], **av;
	int opt, n, ret = 0;
	const char *bad;

	av = calloc(argc + 2, sizeof(*av));
	if (!av) {
		p_err("out of memory");
		return -2;
	}
	av[0] = (char *)obj->name;	/* getopt_long() skips the program's name */
	memcpy(av + 1, argv, argc * sizeof(*av));
	snprintf(shortopts, sizeof(shortopts), ":%s", obj->shortopts ? obj->shortopts : "");
	optind = 0;
	opterr = 0;
	while (!ret && (opt = getopt_long(argc + 1, av, shortopts,
					  obj->longopts ? obj->longopts : none, NULL)) != -1) {
		if (opt == ':') {
			p_err("option '%s' needs an argument (try: mmscope help)", av[optind - 1]);
			ret = 2;
		} else if (opt == '?') {
			bad = av[optind - 1];
			if (is_object_option(bad))
				p_err("option %.*s does not apply to '%s' (try: mmscope %s help)",
				      (int)strcspn(bad, "="), bad, obj->name, obj->name);
			else
				p_err("%s: invalid option '%s', or its argument missing (try: mmscope %s help)",
				      obj->name, bad, obj->name);
			ret = 2;
		} else {
			ret = obj->take(opt, optarg);
		}
	}
	n = argc + 1 - optind;
	memmove(argv, av + optind, n * sizeof(*av));
	argv[n] = NULL;
	free(av);
	return ret ? -ret : n;
}

/* mmscope help OBJECT: as mmscope OBJECT help. */
static int do_help(int argc, char **argv)
{
	const struct object *obj;

	if (!argc || !strcmp(argv[0], "help"))
		return p_help(usage_text);
	obj = find_object(argv[0]);
	return obj ? p_help(obj->help) : 2;
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
static int take_global_options(int *argc, char **argv)
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
		} else if (!strcmp(a, "-H") || !strcmp(a, "--human")) {
			human_output = true;
		} else if (!strcmp(a, "--no-headers")) {
			no_headers = true;
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

enum { OPT_NO_HEADERS = 0x100, OPT_OBJECT = 0x200 };

static bool find_long(const struct option *opts, size_t n, const char *name)
{
	while (n--)
		if (!strcmp(opts[n].name, name))
			return true;
	return false;
}

/*
 * getopt_long()'s table before the object: the global options, then every
 * object's (val OPT_OBJECT + i), kept for the object to read.
 */
static struct option *pre_options(char *shortopts, size_t size)
{
	static const struct option global[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "human", no_argument, NULL, 'H' },
		{ "no-headers", no_argument, NULL, OPT_NO_HEADERS },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t n = sizeof(global) / sizeof(global[0]), len;
	const struct option *o;
	struct option *all;
	unsigned int i;

	for (i = 0; i < NR_OBJECTS; i++)
		for (o = objects[i]->longopts; o && o->name; o++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return NULL;
	memcpy(all, global, sizeof(global));
	n = sizeof(global) / sizeof(global[0]);
	snprintf(shortopts, size, "+:jpHd:hV");
	for (i = 0; i < NR_OBJECTS; i++) {
		for (o = objects[i]->longopts; o && o->name; o++) {
			if (find_long(all, n, o->name))
				continue;	/* pages' --vma is cow's */
			all[n] = *o;
			all[n].flag = NULL;
			all[n].val = OPT_OBJECT + n;
			n++;
		}
		len = strlen(shortopts);
		snprintf(shortopts + len, size - len, "%s",
			 objects[i]->shortopts ? objects[i]->shortopts : "");
	}
	return all;
}

/* Before the object: an object's option, as it was given, for the object. */
static void keep_pre(char **pre, int *npre, const struct option *all, int opt)
{
	char *name;

	if (opt >= OPT_OBJECT ? asprintf(&name, "--%s", all[opt - OPT_OBJECT].name) < 0 :
	    asprintf(&name, "-%c", opt) < 0)
		return;
	pre[(*npre)++] = name;
	if (optarg)
		pre[(*npre)++] = optarg;
}

int main(int argc, char **argv)
{
	static char *version_argv[] = { "version", NULL };
	bool version_requested = false;
	const struct object *obj = NULL;
	struct option *all;
	char shortopts[64], **args;
	int opt, ret, npre = 0, nargs;

	all = pre_options(shortopts, sizeof(shortopts));
	args = calloc(2 * argc + 2, sizeof(*args));
	if (!all || !args)
		return 1;
	opterr = 0;	/* one error style: ours */
	while ((opt = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'H':
			human_output = true;
			break;
		case OPT_NO_HEADERS:
			no_headers = true;
			break;
		case 'd':
			device = optarg;
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
		case '?':
			if (optopt)
				p_err("unknown option '-%c' (try: mmscope help)", optopt);
			else
				p_err("unknown option '%s' (try: mmscope help)", argv[optind - 1]);
			return 2;
		default:
			keep_pre(args, &npre, all, opt);
		}
	}
	argc -= optind;
	argv += optind;
	if (version_requested) {	/* -V, whatever follows: as "version" */
		argc = 1;
		argv = version_argv;
		npre = 0;
	}
	if (argc < 1) {
		p_err("no object given (try: mmscope help)");
		return 2;
	}
	/* The object's arguments: its options given before it, then the rest. */
	memcpy(args + npre, argv + 1, (argc - 1) * sizeof(*args));
	nargs = npre + argc - 1;
	ret = take_global_options(&nargs, args);
	if (ret)
		return ret;
	/* help, or a prefix of it (no object starts with h). */
	if (strncmp(argv[0], "help", strlen(argv[0])) || !argv[0][0]) {
		obj = find_object(argv[0]);
		if (!obj)
			return 2;
		nargs = take_object_options(obj, nargs, args);
		if (nargs < 0)
			return -nargs;
	}
	if (json_output) {
		jw = jw_new(stdout, pretty_output);
		if (!jw)
			return 1;
	}
	ret = obj ? cmd_select(obj, nargs, args) : do_help(nargs, args);
	if (jw)
		jw_destroy(jw);
	free(args);
	free(all);
	return ret;
}
