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
#include "main.h"

#define MMSCOPE_VERSION "0.1"

bool json_output;
static bool pretty_output;
static bool verbose;
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
		"  walk PID ADDR      the page-table walk of ADDR, level by level (as crash's\n"
		"                     vtop), the page's state and its copy-on-write verdict\n"
		"  pages PID START-END  every page of a range: state, PFN, COW, counts\n"
		"  cow PID START-END  copy-on-write verdicts, as runs\n"
		"  faultlab SCENARIO  run a guided fault-lab scenario on /dev/mmscope's own\n"
		"                     vm_operations ('faultlab list' names them; 'all')\n"
		"  faultlab stats|log the lab counters, or the fault log, of every lab\n"
		"\n"
		"Options:\n"
		"  -j, --json         JSON output\n"
		"  -p, --pretty       indented JSON (implies -j)\n"
		"  -v, --verbose      maps: decode vm_flags under each VMA\n"
		"      --vma N        pages, cow: the range of VMA number N (from 0, as in maps)\n"
		"      --dot          walk: a Graphviz picture of the walk\n"
		"  -d, --device PATH  the mmscope device (default " MMSCOPE_DEVICE ")\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"\n"
		"mmscope needs CAP_SYS_ADMIN and the mmscope.ko module.\n");
}

/* Turn an errno from the device into what the user should do about it. */
void p_errno(int err, const char *what)
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
 * The errors of a query about one address of a process; returns the exit
 * code. EINVAL there means the address, ENOENT a kernel thread.
 */
static int p_addr_query_err(int err, const char *pid_arg, const char *addr_arg)
{
	if (err == EINVAL)
		p_err("invalid address %s: not a user address of process %s (at or above its TASK_SIZE)",
		      addr_arg, pid_arg);
	else if (err == ENOENT)
		p_err("process %s is a kernel thread: it has no user page tables", pid_arg);
	else
		p_errno(err, pid_arg);
	return 1;
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
	fd = mms_open(device);
	if (fd < 0) {
		p_errno(-fd, device);
		return -1;
	}
	ret = mms_set_target(fd, pid);
	if (ret) {
		p_errno(-ret, pid_arg);
		close(fd);
		return -1;
	}
	return fd;
}

/* --- maps ---------------------------------------------------------------- */

struct mmscope_vm_flag_names flag_names;

void json_vma(const struct mmscope_vma *v)
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
	jw_string(jw, mms_kind_name(v->kind));
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

void text_vma_header(void)
{
	printf("%-33s %-4s %-8s %-5s %-8s %-6s %-4s %-24s %s\n", "START-END",
	       "PERM", "OFFSET", "DEV", "INODE", "KIND", "ANON", "VM_OPS", "PATH");
}

void text_vma(const struct mmscope_vma *v)
{
	char range[40], dev[16];

	snprintf(range, sizeof(range), "%016llx-%016llx", v->start, v->end);
	snprintf(dev, sizeof(dev), "%02x:%02x", v->dev_major, v->dev_minor);
	printf("%-33s %-4s %08llx %-5s %-8llu %-6s %-4s %-24s %s\n",
	       range, (const char *)v->perms, v->offset, dev, v->inode,
	       mms_kind_name(v->kind),
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
	ret = mms_vm_flag_names(fd, &flag_names);
	if (!ret)
		ret = mms_vmas_all(fd, &vmas, &n);
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
	ret = mms_mm_info(fd, &info, NULL, NULL);
	while (!ret) {
		free(users);
		nusers = info.users_total + 16;
		users = calloc(nusers, sizeof(*users));
		if (!users) {
			ret = -ENOMEM;
			break;
		}
		ret = mms_mm_info(fd, &info, users, &nusers);
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

/*
 * The commands that take "PID ADDR": check the arguments, open the target
 * and load the flag names. Returns an fd, or the exit code negated.
 */
static int open_addr_query(int argc, char **argv, const char *usage, uint64_t *addr)
{
	int fd, ret;

	if (argc != 2) {
		p_err("%s", usage);
		return -2;
	}
	if (parse_addr(argv[1], addr))
		return -2;
	fd = open_target(argv[0]);
	if (fd < 0)
		return fd;
	ret = mms_vm_flag_names(fd, &flag_names);
	if (ret) {
		close(fd);
		return -p_addr_query_err(-ret, argv[0], argv[1]);
	}
	return fd;
}


static int do_lookup(int argc, char **argv)
{
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	bool found, contains;
	uint64_t addr;
	int fd, ret;

	fd = open_addr_query(argc, argv, "usage: mmscope lookup PID ADDR", &addr);
	if (fd < 0)
		return -fd;
	ret = mms_lookup(fd, addr, &res, &vma);
	close(fd);
	if (ret)
		return p_addr_query_err(-ret, argv[0], argv[1]);

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

/* --- walk, pages, cow ---------------------------------------------------- */

static bool dot_output;
static const char *vma_index_arg;

/* Space-separated names (or a JSON array) of the set bits of @bits. */
void put_bits(uint64_t bits, const char *(*name)(unsigned int))
{
	const char *sep = "";
	unsigned int bit;

	if (json_output)
		jw_start_array(jw);
	for (bit = 0; bit < 64 && name(bit); bit++) {
		if (!(bits & (1ULL << bit)))
			continue;
		if (json_output) {
			jw_string(jw, name(bit));
		} else {
			printf("%s%s", sep, name(bit));
			sep = ",";
		}
	}
	if (json_output)
		jw_end_array(jw);
	else if (!*sep)
		printf("-");
}

const char *size_name(uint64_t size)
{
	static char buf[32];

	if (size >= (1ULL << 30) && !(size & ((1ULL << 30) - 1)))
		snprintf(buf, sizeof(buf), "%lluG", (unsigned long long)size >> 30);
	else if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, sizeof(buf), "%lluM", (unsigned long long)size >> 20);
	else
		snprintf(buf, sizeof(buf), "%lluK", (unsigned long long)size >> 10);
	return buf;
}

/* Look up the VMA of addr, for the walk's "vma" line. */
static bool vma_of(int fd, uint64_t addr, struct mmscope_vma *vma)
{
	struct mmscope_lookup res;

	return !mms_lookup(fd, addr, &res, vma) &&
	       (res.out_flags & MMSCOPE_LOOKUP_CONTAINS);
}

static void json_page_state(const struct mmscope_page *p)
{
	jw_start_object(jw);
	jw_key(jw, "refcount");
	jw_uint(jw, p->refcount);
	jw_key(jw, "mapcount");
	jw_uint(jw, p->mapcount);
	jw_key(jw, "folio_mapcount");
	jw_uint(jw, p->folio_mapcount);
	jw_key(jw, "order");
	jw_uint(jw, p->order);
	jw_key(jw, "flags");
	put_bits(p->page_flags, mms_pg_bit_name);
	jw_key(jw, "anon_exclusive");
	jw_bool(jw, p->page_flags & MMSCOPE_PG_ANON_EXCLUSIVE);
	jw_key(jw, "zero_page");
	jw_bool(jw, p->page_flags & (MMSCOPE_PG_ZERO | MMSCOPE_PG_HUGE_ZERO));
	jw_key(jw, "ksm");
	jw_bool(jw, p->page_flags & MMSCOPE_PG_KSM);
	jw_key(jw, "mapping");
	jw_string(jw, p->page_flags & MMSCOPE_PG_ANON ? "anon" :
		  p->flags & MMSCOPE_PAGE_FILE ? "file" : "none");
	jw_key(jw, "ino");
	jw_uint(jw, p->ino);
	jw_key(jw, "index");
	jw_uint(jw, p->index);
	jw_end_object(jw);
}

static bool has_swap(const struct mmscope_page *p)
{
	return p->state == MMSCOPE_ENTRY_SWAP || p->state == MMSCOPE_ENTRY_MIGRATION ||
	       p->state == MMSCOPE_ENTRY_DEVICE_PRIVATE ||
	       p->state == MMSCOPE_ENTRY_DEVICE_EXCLUSIVE || p->state == MMSCOPE_ENTRY_HWPOISON;
}

static void json_walk(const struct mmscope_walk *w, const struct mmscope_vma *vma)
{
	const struct mmscope_page *p = &w->page;
	bool present = p->state == MMSCOPE_ENTRY_PRESENT;
	uint32_t i;

	jw_start_object(jw);
	jw_key(jw, "addr");
	jw_hex(jw, w->addr);
	jw_key(jw, "paging_levels");
	jw_uint(jw, w->paging_levels);
	jw_key(jw, "levels");
	jw_start_array(jw);
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];

		jw_start_object(jw);
		jw_key(jw, "level");
		jw_string(jw, mms_level_name(l->level));
		jw_key(jw, "index");
		jw_uint(jw, l->index);
		jw_key(jw, "table_phys");
		jw_hex(jw, l->table_phys);
		jw_key(jw, "entry");
		jw_hex(jw, l->entry);
		jw_key(jw, "state");
		jw_string(jw, mms_state_name(l->state));
		jw_key(jw, "flags");
		put_bits(l->bits, mms_pte_bit_name);
		jw_key(jw, "leaf");
		if (l->leaf_size)
			jw_uint(jw, l->leaf_size);
		else
			jw_null(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_key(jw, "state");
	jw_string(jw, mms_state_name(p->state));
	jw_key(jw, "present");
	jw_bool(jw, present);
	jw_key(jw, "pfn");
	if (present)
		jw_uint(jw, p->pfn);
	else
		jw_null(jw);
	jw_key(jw, "phys");
	if (present)
		jw_hex(jw, w->phys);
	else
		jw_null(jw);
	jw_key(jw, "page_size");
	jw_uint(jw, p->page_size);
	jw_key(jw, "pte_flags");
	put_bits(p->pte_flags, mms_pte_bit_name);
	jw_key(jw, "swap");
	if (has_swap(p)) {
		jw_start_object(jw);
		jw_key(jw, "type");
		jw_uint(jw, p->swap_type);
		jw_key(jw, "offset");
		jw_uint(jw, p->swap_offset);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_key(jw, "page");
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)
		json_page_state(p);
	else
		jw_null(jw);
	jw_key(jw, "vma");
	if (vma)
		json_vma(vma);
	else
		jw_null(jw);
	jw_key(jw, "cow");
	jw_string(jw, mms_cow_name(p->cow));
	jw_end_object(jw);
}

/* crash's vtop: one line per level, then what the leaf holds. */
static void text_walk(const struct mmscope_walk *w, const struct mmscope_vma *vma)
{
	const struct mmscope_page *p = &w->page;
	uint32_t i;

	printf("VIRTUAL           PHYSICAL\n%-17llx ", w->addr);
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		printf("%llx\n\n", w->phys);
	else
		printf("(not mapped: %s)\n\n", mms_state_name(p->state));
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];
		char name[8];
		int c;

		snprintf(name, sizeof(name), "%s", mms_level_name(l->level));
		for (c = 0; name[c]; c++)
			name[c] -= 'a' - 'A';
		printf("%4s: %016llx => %016llx  [%3u] ", name,
		       l->table_phys + l->index * 8, l->entry, l->index);
		if (l->leaf_size)
			printf("leaf %s ", size_name(l->leaf_size));
		else
			printf("%s ", mms_state_name(l->state));
		put_bits(l->bits, mms_pte_bit_name);
		printf("\n");
	}
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		printf("PAGE: %016llx  (pfn %#llx, %s page)\n", w->phys & ~(uint64_t)4095,
		       p->pfn, size_name(p->page_size));
	printf("\n  %-9s %s", "state", mms_state_name(p->state));
	if (has_swap(p))
		printf(" (type %u, offset %#llx)", p->swap_type, p->swap_offset);
	printf("\n  %-9s ", "flags");
	put_bits(p->pte_flags, mms_pte_bit_name);
	printf("\n  %-9s %s\n", "cow", mms_cow_name(p->cow));
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
		printf("  %-9s refcount %u, mapcount %u, folio_mapcount %u, order %u\n",
		       "page", p->refcount, p->mapcount, p->folio_mapcount, p->order);
		printf("  %-9s ", "");
		put_bits(p->page_flags, mms_pg_bit_name);
		if (p->flags & MMSCOPE_PAGE_FILE)
			printf(" (file: inode %llu, index %#llx)", p->ino, p->index);
		else if (p->page_flags & MMSCOPE_PG_ANON)
			printf(" (anon index %#llx)", p->index);
		printf("\n");
	} else if (p->state == MMSCOPE_ENTRY_PRESENT) {
		printf("  %-9s none: no struct page semantics (VM_PFNMAP/VM_IO)\n", "page");
	}
	if (vma) {
		printf("  %-9s ", "vma");
		text_vma(vma);
	} else {
		printf("  %-9s none: no VMA contains this address\n", "vma");
	}
}

/* Graphviz: the tables as nodes, the walk as edges. */
static void dot_walk(const struct mmscope_walk *w)
{
	uint32_t i;

	printf("digraph walk {\n  rankdir=LR;\n  node [shape=record, fontname=monospace];\n");
	printf("  va [label=\"VA|%#llx\", shape=box];\n", w->addr);
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];

		printf("  t%u [label=\"%s table|phys %#llx|[%u] = %#llx|%s\"];\n", i,
		       mms_level_name(l->level), l->table_phys, l->index, l->entry,
		       l->leaf_size ? size_name(l->leaf_size) : mms_state_name(l->state));
		printf("  %s -> t%u;\n", i ? "" : "va", i);
		if (i)
			printf("  t%u -> t%u;\n", i - 1, i);
	}
	printf("\n");
	if (w->page.state == MMSCOPE_ENTRY_PRESENT && w->nr_levels)
		printf("  page [label=\"page|pfn %#llx|phys %#llx|cow: %s\", shape=box];\n"
		       "  t%u -> page;\n", w->page.pfn, w->phys,
		       mms_cow_name(w->page.cow), w->nr_levels - 1);
	printf("}\n");
}

static int do_walk(int argc, char **argv)
{
	struct mmscope_vma vma;
	struct mmscope_walk w;
	bool has_vma;
	uint64_t addr;
	int fd, ret;

	fd = open_addr_query(argc, argv, "usage: mmscope walk PID ADDR [--dot]", &addr);
	if (fd < 0)
		return -fd;
	ret = mms_walk(fd, addr, &w);
	has_vma = !ret && vma_of(fd, addr, &vma);
	close(fd);
	if (ret)
		return p_addr_query_err(-ret, argv[0], argv[1]);
	if (dot_output)
		dot_walk(&w);
	else if (json_output)
		json_walk(&w, has_vma ? &vma : NULL);
	else
		text_walk(&w, has_vma ? &vma : NULL);
	return 0;
}

/* "START-END": both in any base strtoull() reads. */
static int parse_range(const char *arg, uint64_t *start, uint64_t *end)
{
	unsigned long long a, b;
	char *dash;

	errno = 0;
	a = strtoull(arg, &dash, 0);
	if (errno || dash == arg || *dash != '-' || *arg == '-')
		goto bad;
	b = strtoull(dash + 1, &dash, 0);
	if (errno || *dash || a >= b)
		goto bad;
	*start = a;
	*end = b;
	return 0;
bad:
	p_err("invalid range '%s': expected START-END with START below END, e.g. 0x400000-0x401000",
	      arg);
	return -1;
}

/* The range of `pages`/`cow`: START-END, or the N-th VMA with --vma N. */
static int target_range(int fd, const char *arg, uint64_t *start, uint64_t *end)
{
	struct mmscope_vma *vmas;
	unsigned long n;
	size_t count;
	char *tail;
	int ret;

	if (!vma_index_arg)
		return parse_range(arg, start, end) ? 2 : 0;
	errno = 0;
	n = strtoul(vma_index_arg, &tail, 10);
	if (errno || *tail || tail == vma_index_arg) {
		p_err("invalid VMA number '%s'", vma_index_arg);
		return 2;
	}
	ret = mms_vmas_all(fd, &vmas, &count);
	if (ret) {
		p_errno(-ret, "maps");
		return 1;
	}
	if (n >= count) {
		p_err("no VMA number %lu: the process has %zu (numbered from 0, as in maps)",
		      n, count);
		free(vmas);
		return 1;
	}
	*start = vmas[n].start;
	*end = vmas[n].end;
	free(vmas);
	return 0;
}

static int fetch_pages(int argc, char **argv, const char *usage, uint64_t *start,
		       uint64_t *end, struct mmscope_page **recs, size_t *n)
{
	int fd, ret;

	if (argc != (vma_index_arg ? 1 : 2)) {
		p_err("%s", usage);
		return 2;
	}
	fd = open_target(argv[0]);
	if (fd < 0)
		return -fd;
	ret = target_range(fd, argv[1], start, end);
	if (ret) {
		close(fd);
		return ret;
	}
	ret = mms_pages_all(fd, *start, *end, recs, n);
	close(fd);
	if (ret == -EINVAL) {
		p_err("invalid range: END is above the TASK_SIZE of process %s", argv[0]);
		return 1;
	}
	if (ret) {
		p_errno(-ret, argv[0]);
		return 1;
	}
	return 0;
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

static int do_pages(int argc, char **argv)
{
	uint64_t start, end, per_state[MMSCOPE_ENTRY_STATE_COUNT] = { 0 };
	uint64_t per_cow[MMSCOPE_COW_COUNT] = { 0 }, rss[3] = { 0 };
	static const char *const rss_names[3] = { "4K", "2M", "1G" };
	struct mmscope_page *recs;
	size_t n, i;
	int ret, s;

	ret = fetch_pages(argc, argv, "usage: mmscope pages PID START-END | mmscope pages --vma N PID",
			  &start, &end, &recs, &n);
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
		jw_start_object(jw);
		jw_key(jw, "start");
		jw_hex(jw, start);
		jw_key(jw, "end");
		jw_hex(jw, end);
		jw_key(jw, "records");
		jw_start_array(jw);
		for (i = 0; i < n; i++) {
			const struct mmscope_page *p = &recs[i];

			jw_start_object(jw);
			jw_key(jw, "addr");
			jw_hex(jw, p->addr);
			jw_key(jw, "size");
			jw_uint(jw, p->size);
			jw_key(jw, "state");
			jw_string(jw, mms_state_name(p->state));
			jw_key(jw, "pfn");
			if (p->state == MMSCOPE_ENTRY_PRESENT)
				jw_uint(jw, p->pfn);
			else
				jw_null(jw);
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
		jw_key(jw, "summary");
		jw_start_object(jw);
		put_counts("pages", per_state, MMSCOPE_ENTRY_STATE_COUNT, mms_state_name);
		put_counts("cow", per_cow, MMSCOPE_COW_COUNT, mms_cow_name);
		jw_key(jw, "rss");
		jw_start_object(jw);
		for (s = 0; s < 3; s++) {
			jw_key(jw, rss_names[s]);
			jw_uint(jw, rss[s]);
		}
		jw_end_object(jw);
		jw_end_object(jw);
		jw_end_object(jw);
		free(recs);
		return 0;
	}

	printf("%-16s %10s %-10s %-12s %-5s %-9s %4s %4s %s\n", "ADDR", "SIZE", "STATE",
	       "PFN", "PAGE", "COW", "MAPC", "REFC", "FLAGS");
	for (i = 0; i < n; i++) {
		const struct mmscope_page *p = &recs[i];
		char pfn[24] = "-";

		if (p->state == MMSCOPE_ENTRY_PRESENT)
			snprintf(pfn, sizeof(pfn), "%#llx", p->pfn);
		else if (has_swap(p))
			snprintf(pfn, sizeof(pfn), "swp %u:%#llx", p->swap_type, p->swap_offset);
		printf("%016llx %10s %-10s %-12s %-5s %-9s %4u %4u ", p->addr, size_name(p->size),
		       mms_state_name(p->state), pfn,
		       p->page_size ? size_name(p->page_size) : "-", mms_cow_name(p->cow),
		       p->mapcount, p->refcount);
		put_bits(p->pte_flags, mms_pte_bit_name);
		if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
			printf(" ");
			put_bits(p->page_flags, mms_pg_bit_name);
		}
		printf("\n");
	}
	printf("\nsummary of %#llx-%#llx (in 4K pages):", (unsigned long long)start,
	       (unsigned long long)end);
	put_counts("state", per_state, MMSCOPE_ENTRY_STATE_COUNT, mms_state_name);
	put_counts("cow", per_cow, MMSCOPE_COW_COUNT, mms_cow_name);
	printf("\n  rss:   4K %llu kB, 2M %llu kB, 1G %llu kB\n",
	       (unsigned long long)rss[0] >> 10, (unsigned long long)rss[1] >> 10,
	       (unsigned long long)rss[2] >> 10);
	free(recs);
	return 0;
}

/* The verdicts alone, as runs of equal verdicts. */
static int do_cow(int argc, char **argv)
{
	struct mmscope_page *recs;
	uint64_t start, end;
	size_t n, i, j;
	int ret;

	ret = fetch_pages(argc, argv, "usage: mmscope cow PID START-END | mmscope cow --vma N PID",
			  &start, &end, &recs, &n);
	if (ret)
		return ret;
	if (json_output)
		jw_start_array(jw);
	else
		printf("%-33s %-9s %s\n", "START-END", "COW", "PAGES");
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
			printf("%016llx-%016llx %-9s %llu\n", recs[i].addr,
			       (unsigned long long)run_end, mms_cow_name(recs[i].cow),
			       (unsigned long long)(run_end - recs[i].addr) / 4096);
		}
	}
	if (json_output)
		jw_end_array(jw);
	free(recs);
	return 0;
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
		case 'D':
			dot_output = true;
			break;
		case 'n':
			vma_index_arg = optarg;
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
