// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: the command-line view of mmscope.ko.
 *
 *   mmscope [-j|--json] [-p|--pretty] OBJECT ARGS...
 *
 * Every command prints a human table, or JSON with -j (keys are a contract:
 * see README.md). Errors are one clear line on stderr (and an {"error": ...}
 * object on stdout with -j) and a non-zero exit: 1 for a failed query, 2 for
 * a usage error or a malformed argument.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_writer.h"
#include "libmmscope.h"

#define MMSCOPE_VERSION "0.1"

static bool json_output;
static bool pretty_output;
static bool verbose;
static const char *device = MMSCOPE_DEVICE;
static struct json_writer *jw;

static void p_err(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mmscope: %s\n", msg);
	if (json_output) {
		struct json_writer *ejw = jw_new(stdout, pretty_output);

		jw_start_object(ejw);
		jw_key(ejw, "error");
		jw_string(ejw, msg);
		jw_end_object(ejw);
		jw_destroy(ejw);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mmscope [OPTIONS] OBJECT ARGS...\n"
		"\n"
		"Objects:\n"
		"  mm PID             the mm_struct: counters, layout, page tables, users\n"
		"  maps PID           every VMA: /proc/PID/maps fields, flags, kind, vm_ops\n"
		"  lookup PID ADDR    the VMA containing ADDR, or the first one above it\n"
		"\n"
		"Options:\n"
		"  -j, --json         JSON output\n"
		"  -p, --pretty       indented JSON (implies -j)\n"
		"  -v, --verbose      maps: decode vm_flags under each VMA\n"
		"  -d, --device PATH  the mmscope device (default " MMSCOPE_DEVICE ")\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"\n"
		"mmscope needs CAP_SYS_ADMIN and the mmscope.ko module.\n");
}

/* Turn an errno from the device into what the user should do about it. */
static void p_errno(int err, const char *what)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		p_err("%s not found: is the module loaded? (sudo insmod mmscope.ko)", device);
		break;
	case EACCES:
	case EPERM:
		p_err("permission denied: mmscope needs CAP_SYS_ADMIN");
		break;
	case ESRCH:
		p_err("no such process: %s", what);
		break;
	case ENOTTY:
		p_err("%s does not understand this request: is mmscope.ko older than this tool?",
		      device);
		break;
	default:
		p_err("%s: %s", what, strerror(err));
	}
}

static int parse_pid(const char *arg, uint32_t *pid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v < 1 || v > INT_MAX) {
		p_err("invalid PID '%s': expected a number from 1 to %d", arg, INT_MAX);
		return -1;
	}
	*pid = v;
	return 0;
}

static int parse_addr(const char *arg, uint64_t *addr)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-') {
		p_err("invalid address '%s': expected a number such as 0x7ffd0000", arg);
		return -1;
	}
	*addr = v;
	return 0;
}

/*
 * Open the device and aim it at PID. On failure, prints why and returns the
 * exit code, negated: -2 for a malformed PID, -1 for anything else.
 */
static int open_target(const char *pid_arg)
{
	uint32_t pid;
	int fd, ret;

	if (parse_pid(pid_arg, &pid))
		return -2;
	fd = mmscope_open(device);
	if (fd < 0) {
		p_errno(-fd, device);
		return -1;
	}
	ret = mmscope_set_target(fd, pid);
	if (ret) {
		p_errno(-ret, pid_arg);
		close(fd);
		return -1;
	}
	return fd;
}

/* --- maps ---------------------------------------------------------------- */

static struct mmscope_vm_flag_names flag_names;

static void json_vma(const struct mmscope_vma *v)
{
	char dev[16];
	int bit;

	snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
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
	jw_string(jw, (const char *)v->path);
	jw_key(jw, "vm_flags");
	jw_hex(jw, v->vm_flags);
	jw_key(jw, "flags");
	jw_start_array(jw);
	for (bit = 0; bit < 64; bit++) {
		if (!(v->vm_flags & (1ULL << bit)))
			continue;
		if (flag_names.names[bit][0]) {
			jw_string(jw, (const char *)flag_names.names[bit]);
		} else {
			char unknown[24];

			snprintf(unknown, sizeof(unknown), "bit%d", bit);
			jw_string(jw, unknown);
		}
	}
	jw_end_array(jw);
	jw_key(jw, "anon_vma");
	jw_bool(jw, v->flags & MMSCOPE_VMA_ANON_VMA);
	jw_key(jw, "vm_ops");
	if (v->vm_ops[0])
		jw_string(jw, (const char *)v->vm_ops);
	else
		jw_null(jw);
	jw_key(jw, "kind");
	jw_string(jw, mmscope_kind_name(v->kind));
	jw_end_object(jw);
}

static void print_flags(uint64_t vm_flags)
{
	const char *sep = "";
	int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(vm_flags & (1ULL << bit)))
			continue;
		if (flag_names.names[bit][0])
			printf("%s%s", sep, (const char *)flag_names.names[bit]);
		else
			printf("%sbit%d", sep, bit);
		sep = " ";
	}
}

static void text_vma_header(void)
{
	printf("%-33s %-4s %-8s %-5s %-8s %-6s %-4s %-24s %s\n", "START-END",
	       "PERM", "OFFSET", "DEV", "INODE", "KIND", "ANON", "VM_OPS", "PATH");
}

static void text_vma(const struct mmscope_vma *v)
{
	char range[40], dev[16];

	snprintf(range, sizeof(range), "%016llx-%016llx", v->start, v->end);
	snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
	printf("%-33s %-4s %08llx %-5s %-8llu %-6s %-4s %-24s %s\n",
	       range, (const char *)v->perms, v->offset, dev, v->inode,
	       mmscope_kind_name(v->kind),
	       v->flags & MMSCOPE_VMA_ANON_VMA ? "yes" : "no",
	       v->vm_ops[0] ? (const char *)v->vm_ops : "-", (const char *)v->path);
	if (verbose) {
		printf("    vm_flags 0x%llx: ", v->vm_flags);
		print_flags(v->vm_flags);
		printf("\n");
	}
}

static int do_maps(int argc, char **argv)
{
	struct mmscope_vma *vmas;
	size_t n, i;
	int fd, ret;

	if (argc != 1) {
		p_err("usage: mmscope maps PID");
		return 2;
	}
	fd = open_target(argv[0]);
	if (fd < 0)
		return -fd;
	ret = mmscope_vm_flag_names(fd, &flag_names);
	if (!ret)
		ret = mmscope_vmas_all(fd, &vmas, &n);
	close(fd);
	if (ret) {
		p_errno(-ret, argv[0]);
		return 1;
	}

	if (json_output) {
		jw_start_array(jw);
		for (i = 0; i < n; i++)
			json_vma(&vmas[i]);
		jw_end_array(jw);
	} else {
		text_vma_header();
		for (i = 0; i < n; i++)
			text_vma(&vmas[i]);
	}
	free(vmas);
	return 0;
}

/* --- mm ---------------------------------------------------------------- */

struct mm_field {
	const char *name;
	size_t offset;
	bool hex;
};

#define MM_NUM(f) { #f, offsetof(struct mmscope_mm_info, f), false }
#define MM_HEX(f) { #f, offsetof(struct mmscope_mm_info, f), true }

static const struct mm_field mm_fields[] = {
	MM_NUM(mm_users), MM_NUM(mm_count), MM_NUM(map_count),
	MM_NUM(total_vm), MM_NUM(locked_vm), MM_NUM(pinned_vm),
	MM_NUM(data_vm), MM_NUM(exec_vm), MM_NUM(stack_vm),
	MM_NUM(rss_file),
	MM_NUM(rss_anon), MM_NUM(rss_shmem), MM_NUM(swap_ents),
	MM_NUM(hiwater_rss), MM_NUM(hiwater_vm),
	MM_HEX(start_code), MM_HEX(end_code), MM_HEX(start_data),
	MM_HEX(end_data), MM_HEX(start_brk), MM_HEX(brk), MM_HEX(start_stack),
	MM_HEX(arg_start), MM_HEX(arg_end), MM_HEX(env_start), MM_HEX(env_end),
	MM_HEX(mmap_base), MM_HEX(task_size), MM_HEX(pgd_phys),
	MM_NUM(pgtables_bytes),
};

static int do_mm(int argc, char **argv)
{
	struct mmscope_mm_user *users = NULL;
	struct mmscope_mm_info info;
	uint32_t nusers = 0, i;
	bool has_mm, kthread;
	uint64_t value;
	int fd, ret;

	if (argc != 1) {
		p_err("usage: mmscope mm PID");
		return 2;
	}
	fd = open_target(argv[0]);
	if (fd < 0)
		return -fd;
	/* Ask for the count, then for the list; retry if threads came. */
	ret = mmscope_mm_info(fd, &info, NULL, NULL);
	while (!ret) {
		free(users);
		nusers = info.users_total + 16;
		users = calloc(nusers, sizeof(*users));
		if (!users) {
			ret = -ENOMEM;
			break;
		}
		ret = mmscope_mm_info(fd, &info, users, &nusers);
		if (ret || info.users_total <= info.users_cap ||
		    info.users_cap >= MMSCOPE_MM_USERS_MAX)
			break;
	}
	close(fd);
	if (ret) {
		free(users);
		p_errno(-ret, argv[0]);
		return 1;
	}

	kthread = info.out_flags & MMSCOPE_MM_KERNEL_THREAD;
	has_mm = !(info.out_flags & MMSCOPE_MM_NO_MM);
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "pid");
		jw_uint(jw, info.pid);
		jw_key(jw, "comm");
		jw_string(jw, (const char *)info.comm);
		jw_key(jw, "kernel_thread");
		jw_bool(jw, kthread);
		jw_key(jw, "has_mm");
		jw_bool(jw, has_mm);
		for (i = 0; i < sizeof(mm_fields) / sizeof(mm_fields[0]); i++) {
			memcpy(&value, (char *)&info + mm_fields[i].offset, sizeof(value));
			jw_key(jw, mm_fields[i].name);
			if (!has_mm)
				jw_null(jw);
			else if (mm_fields[i].hex)
				jw_hex(jw, value);
			else
				jw_uint(jw, value);
		}
		jw_key(jw, "users");
		jw_start_array(jw);
		for (i = 0; i < nusers; i++) {
			jw_start_object(jw);
			jw_key(jw, "tid");
			jw_uint(jw, users[i].tid);
			jw_key(jw, "comm");
			jw_string(jw, (const char *)users[i].comm);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	} else {
		printf("%-16s %u\n%-16s %s\n%-16s %s\n", "pid", info.pid, "comm",
		       (const char *)info.comm, "kernel_thread", kthread ? "yes" : "no");
		if (!has_mm)
			printf("%-16s none (a kernel thread borrows active_mm)\n", "mm");
		for (i = 0; has_mm && i < sizeof(mm_fields) / sizeof(mm_fields[0]); i++) {
			memcpy(&value, (char *)&info + mm_fields[i].offset, sizeof(value));
			if (mm_fields[i].hex)
				printf("%-16s 0x%" PRIx64 "\n", mm_fields[i].name, value);
			else
				printf("%-16s %" PRIu64 "\n", mm_fields[i].name, value);
		}
		if (has_mm) {
			printf("%-16s %u\n", "users", info.users_total);
			for (i = 0; i < nusers; i++)
				printf("  %-8u %s\n", users[i].tid, (const char *)users[i].comm);
		}
	}
	free(users);
	return 0;
}

/* --- lookup -------------------------------------------------------------- */

static int do_lookup(int argc, char **argv)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	bool found, contains;
	uint64_t addr;
	int fd, ret;

	if (argc != 2) {
		p_err("usage: mmscope lookup PID ADDR");
		return 2;
	}
	if (parse_addr(argv[1], &addr))
		return 2;
	fd = open_target(argv[0]);
	if (fd < 0)
		return -fd;
	ret = mmscope_vm_flag_names(fd, &flag_names);
	if (!ret)
		ret = mmscope_lookup(fd, addr, &res, &vma);
	close(fd);
	if (ret == -EINVAL) {
		p_err("invalid address %s: not a user address of process %s (at or above its TASK_SIZE)",
		      argv[1], argv[0]);
		return 1;
	}
	if (ret) {
		p_errno(-ret, argv[0]);
		return 1;
	}

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
		printf("gap       %llu bytes below the next VMA\n", res.gap);
	text_vma_header();
	text_vma(&vma);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} objects[] = {
	{ "mm", do_mm },
	{ "maps", do_maps },
	{ "lookup", do_lookup },
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	unsigned int i;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+jpvd:hV", options, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mmscope %s\n", MMSCOPE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
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
		if (jw && ret == 0)
			jw_destroy(jw);
		else
			free(jw);
		return ret;
	}
	p_err("unknown object '%s' (try: mmscope --help)", argv[0]);
	return 2;
}
