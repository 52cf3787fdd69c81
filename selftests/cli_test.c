// SPDX-License-Identifier: GPL-2.0
/*
 * The mmscope CLI: its JSON contract (keys and values, against /proc), its
 * tables, and its error messages and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "json.h"
#include "libmmscope.h"
#include "util.h"

#define MAPS_KEYS "start end perms offset dev inode path vm_flags flags anon_vma vm_ops kind"
#define MM_KEYS "pid comm kernel_thread has_mm mm_users mm_count map_count total_vm " \
	"locked_vm pinned_vm data_vm exec_vm stack_vm rss_file rss_anon rss_shmem " \
	"swap_ents hiwater_rss hiwater_vm start_code end_code start_data end_data " \
	"start_brk brk start_stack arg_start arg_end env_start env_end mmap_base " \
	"task_size pgd_phys pgtables_bytes not_in_kernel users"

static char out[4 << 20], err[4096];
static struct proc_vma maps[1024];

static const char *cli_path(void)
{
	const char *env = getenv("MMSCOPE_CLI");

	if (env)
		return env;
	return access("/bin/mmscope", X_OK) ? "../userspace-tools/mmscope/mmscope" : "/bin/mmscope";
}

static void drain(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
}

/* Run the CLI as uid (0: as we are); returns its exit code, -1 on a signal. */
static int run_cli_as(uid_t uid, const char *first, ...)
{
	const char *argv[16] = { "mmscope", first };
	int po[2], pe[2], status, argc = 2;
	va_list ap;
	pid_t pid;

	va_start(ap, first);
	while (argc < 15 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	if (pipe(po) || pipe(pe))
		return -2;
	pid = fork();
	if (!pid) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(99);
		execv(cli_path(), (char **)argv);
		_exit(98);
	}
	close(po[1]);
	close(pe[1]);
	/* Errors are short; the output may be long: read it first. */
	drain(po[0], out, sizeof(out));
	drain(pe[0], err, sizeof(err));
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define run_cli(...) run_cli_as(0, __VA_ARGS__, NULL)

static pid_t start_sleeper(void)
{
	pid_t pid = fork();

	if (!pid) {
		for (;;)
			pause();
	}
	usleep(100 * 1000);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool hex_is(const struct json *j, unsigned long long v)
{
	char want[32];

	snprintf(want, sizeof(want), "0x%llx", v);
	return j && j->type == JSON_STRING && !strcmp(j->string, want);
}

TEST(maps_json_matches_proc)
{
	struct json *root, *v, *f;
	char pid_s[16], keys[512], dev[16];
	int n, i;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_EQ(0, run_cli("-j", "maps", pid_s));
	n = proc_maps(pid, maps, 1024);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	ASSERT_EQ(JSON_ARRAY, root->type);
	ASSERT_EQ(n, json_count(root));
	for (v = root->child, i = 0; v; v = v->next, i++) {
		json_keys(v, keys, sizeof(keys));
		ASSERT_STREQ(MAPS_KEYS, keys);
		EXPECT_TRUE(hex_is(json_get(v, "start"), maps[i].start));
		EXPECT_TRUE(hex_is(json_get(v, "end"), maps[i].end));
		EXPECT_TRUE(hex_is(json_get(v, "offset"), maps[i].offset));
		EXPECT_STREQ(maps[i].perms, json_get(v, "perms")->string);
		snprintf(dev, sizeof(dev), "%02x:%02x", maps[i].major, maps[i].minor);
		EXPECT_STREQ(dev, json_get(v, "dev")->string);
		EXPECT_EQ(JSON_NUMBER, json_get(v, "inode")->type);
		EXPECT_EQ(maps[i].inode, json_get(v, "inode")->number);
		EXPECT_STREQ(maps[i].path, json_get(v, "path")->string);
		EXPECT_EQ(JSON_BOOL, json_get(v, "anon_vma")->type);
		EXPECT_TRUE(json_get(v, "vm_ops")->type == JSON_NULL ||
			    json_get(v, "vm_ops")->type == JSON_STRING);
		EXPECT_EQ(0, strncmp(json_get(v, "vm_flags")->string, "0x", 2));
		/* The decoded names agree with the permissions. */
		bool readable = false;

		for (f = json_get(v, "flags")->child; f; f = f->next) {
			EXPECT_EQ(0, strncmp(f->string, "VM_", 3));
			readable |= !strcmp(f->string, "VM_READ");
		}
		EXPECT_EQ(maps[i].perms[0] == 'r', readable);
		EXPECT_NE(NULL, strstr(" anon text data bss heap stack vdso vvar file shm pfnmap io ",
				       json_get(v, "kind")->string));
	}
	json_free(root);
	stop(pid);
}

/*
 * issue 13's contract: {height, node_count, ma_flags, nodes}, each node
 * {id, type, depth, min, max, parent, parent_slot, pivots, [gaps,] slots},
 * nodes in depth-first order, the leaves' VMAs exactly /proc/PID/maps.
 */
TEST(vmatree_json_matches_proc)
{
	struct json *root, *node, *slot, *vma;
	char pid_s[16], keys[256];
	int n, i = 0, id = 0;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_EQ(0, run_cli("-j", "vmatree", pid_s));
	n = proc_maps(pid, maps, 1024);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	ASSERT_STREQ("height node_count ma_flags nodes", keys);
	EXPECT_LE(1, json_get(root, "height")->number);
	EXPECT_EQ(json_count(json_get(root, "nodes")), json_get(root, "node_count")->number);
	EXPECT_EQ(0, strncmp(json_get(root, "ma_flags")->string, "0x", 2));
	for (node = json_get(root, "nodes")->child; node; node = node->next, id++) {
		const char *type = json_get(node, "type")->string;

		json_keys(node, keys, sizeof(keys));
		if (!strcmp(type, "arange_64")) {
			EXPECT_STREQ("id type depth min max parent parent_slot pivots gaps slots",
				     keys);
		} else {
			EXPECT_STREQ("id type depth min max parent parent_slot pivots slots", keys);
		}
		EXPECT_NE(NULL, strstr(" leaf_64 range_64 arange_64 ", type));
		EXPECT_EQ(id, json_get(node, "id")->number);
		EXPECT_EQ(JSON_STRING, json_get(node, "min")->type);
		EXPECT_EQ(json_count(json_get(node, "slots")),
			  json_count(json_get(node, "pivots")) + 1);
		if (id) {
			EXPECT_GT(id, json_get(node, "parent")->number);
		} else {
			EXPECT_EQ(JSON_NULL, json_get(node, "parent")->type);
		}
		for (slot = json_get(node, "slots")->child; slot; slot = slot->next) {
			if (slot->type == JSON_NULL)
				continue;
			if (json_get(slot, "node")) {
				EXPECT_LT(id, json_get(slot, "node")->number);
				continue;
			}
			vma = json_get(slot, "vma");
			ASSERT_NE(NULL, vma);
			ASSERT_LT(i, n);
			EXPECT_TRUE(hex_is(json_get(vma, "start"), maps[i].start));
			EXPECT_TRUE(hex_is(json_get(vma, "end"), maps[i].end));
			i++;
		}
	}
	EXPECT_EQ(n, i);
	json_free(root);

	/* The picture: one Graphviz digraph. */
	ASSERT_EQ(0, run_cli("--dot", "vmatree", pid_s));
	EXPECT_EQ(0, strncmp(out, "digraph vmatree {\n", 18));
	EXPECT_EQ(0, strcmp(out + strlen(out) - 2, "}\n"));
	EXPECT_NE(NULL, strstr(out, "  n0 [label=\"node 0 "));
	stop(pid);
	/* A target that is gone. */
	EXPECT_EQ(1, run_cli("vmatree", pid_s));
	EXPECT_NE(NULL, strstr(err, pid_s));
}

TEST(mm_json_matches_proc)
{
	struct json *root, *users;
	char pid_s[16], keys[1024];
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_EQ(0, run_cli("--json", "mm", pid_s));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ(MM_KEYS, keys);
	EXPECT_EQ(pid, json_get(root, "pid")->number);
	EXPECT_FALSE(json_get(root, "kernel_thread")->boolean);
	EXPECT_TRUE(json_get(root, "has_mm")->boolean);
	EXPECT_EQ(proc_status(pid, "VmSize"), json_get(root, "total_vm")->number * 4);
	EXPECT_EQ(proc_status(pid, "VmRSS"), (json_get(root, "rss_anon")->number +
					      json_get(root, "rss_file")->number +
					      json_get(root, "rss_shmem")->number) * 4);
	EXPECT_TRUE(hex_is(json_get(root, "start_code"), proc_stat_field(pid, 26)));
	EXPECT_TRUE(hex_is(json_get(root, "start_stack"), proc_stat_field(pid, 28)));
	EXPECT_TRUE(hex_is(json_get(root, "env_end"), proc_stat_field(pid, 51)));
	users = json_get(root, "users");
	ASSERT_EQ(1, json_count(users));
	EXPECT_EQ(pid, json_get(users->child, "tid")->number);
	json_free(root);
	stop(pid);
}

TEST(mm_json_kernel_thread)
{
	struct json *root;

	ASSERT_EQ(0, run_cli("-j", "mm", "2"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_TRUE(json_get(root, "kernel_thread")->boolean);
	EXPECT_FALSE(json_get(root, "has_mm")->boolean);
	EXPECT_EQ(JSON_NULL, json_get(root, "total_vm")->type);
	EXPECT_EQ(0, json_count(json_get(root, "users")));
	json_free(root);
	ASSERT_EQ(0, run_cli("-j", "maps", "2"));
	EXPECT_STREQ("[]\n", out);
}

TEST(lookup_json)
{
	struct json *root, *vma;
	char pid_s[16], addr[32];
	int n;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	n = proc_maps(pid, maps, 1024);
	ASSERT_GT(n, 1);

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)maps[1].start + 1);
	ASSERT_EQ(0, run_cli("-p", "lookup", pid_s, addr));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, addr, sizeof(addr));
	EXPECT_STREQ("addr vma contains gap", addr);
	EXPECT_TRUE(json_get(root, "contains")->boolean);
	EXPECT_EQ(0, json_get(root, "gap")->number);
	vma = json_get(root, "vma");
	EXPECT_TRUE(hex_is(json_get(vma, "start"), maps[1].start));
	json_free(root);

	/* Below the first VMA: the first VMA, and the gap up to it. */
	ASSERT_EQ(0, run_cli("-j", "lookup", pid_s, "0x1000"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_FALSE(json_get(root, "contains")->boolean);
	EXPECT_EQ(maps[0].start - 0x1000, json_get(root, "gap")->number);
	EXPECT_TRUE(hex_is(json_get(json_get(root, "vma"), "start"), maps[0].start));
	json_free(root);

	/* Above the last: nothing. */
	snprintf(addr, sizeof(addr), "%llu", (unsigned long long)maps[n - 1].end);
	ASSERT_EQ(0, run_cli("-j", "lookup", pid_s, addr));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_EQ(JSON_NULL, json_get(root, "vma")->type);
	json_free(root);
	stop(pid);
}

TEST(tables)
{
	char pid_s[16], *p;
	int lines = 0, n;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	n = proc_maps(pid, maps, 1024);
	ASSERT_EQ(0, run_cli("maps", pid_s));
	for (p = out; (p = strchr(p, '\n')); p++)
		lines++;
	EXPECT_EQ(n + 1, lines);	/* a header, then one line per VMA */
	EXPECT_EQ(0, strncmp(out, "START-END", 9));
	ASSERT_EQ(0, run_cli("-v", "maps", pid_s));
	EXPECT_NE(NULL, strstr(out, "    vm_flags 0x"));
	ASSERT_EQ(0, run_cli("mm", pid_s));
	EXPECT_NE(NULL, strstr(out, "map_count"));
	EXPECT_NE(NULL, strstr(out, "pgd_phys         0x"));
	stop(pid);
}

TEST(errors)
{
	char pid_s[16], want[64];
	struct json *root;

	snprintf(pid_s, sizeof(pid_s), "%d", unused_pid());
	EXPECT_EQ(1, run_cli("maps", pid_s));
	snprintf(want, sizeof(want), "mmscope: no such process: %s\n", pid_s);
	EXPECT_STREQ(want, err);
	EXPECT_STREQ("", out);

	/* With -j the error is also JSON on stdout. */
	EXPECT_EQ(1, run_cli("-j", "mm", pid_s));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_NE(NULL, strstr(json_get(root, "error")->string, "no such process"));
	json_free(root);

	EXPECT_EQ(2, run_cli("mm", "abc"));
	EXPECT_NE(NULL, strstr(err, "invalid PID 'abc'"));
	EXPECT_EQ(2, run_cli("mm", "-3"));
	EXPECT_EQ(2, run_cli("mm", "0"));
	EXPECT_EQ(1, run_cli("-d", "/nonexistent", "mm", "1"));
	EXPECT_STREQ("mmscope: /nonexistent not found: is the module loaded? (sudo insmod mmscope.ko)\n",
		     err);
	EXPECT_EQ(1, run_cli("lookup", "1", "0xffffffffffffffff"));
	EXPECT_NE(NULL, strstr(err, "invalid address 0xffffffffffffffff"));
	EXPECT_EQ(2, run_cli("lookup", "1", "zz"));
	EXPECT_NE(NULL, strstr(err, "invalid address 'zz'"));
	EXPECT_EQ(2, run_cli("frobnicate"));
	EXPECT_NE(NULL, strstr(err, "unknown object 'frobnicate'"));
	EXPECT_EQ(2, run_cli("maps"));
	EXPECT_NE(NULL, strstr(err, "usage: mmscope maps PID"));
	EXPECT_EQ(2, run_cli("--bogus"));
	EXPECT_EQ(0, run_cli("--help"));
	EXPECT_NE(NULL, strstr(out, "Usage: mmscope"));
}

#define WALK_KEYS "addr paging_levels levels state present pfn phys page_size pte_flags swap page vma cow"
#define LEVEL_KEYS "level index table_phys entry state flags leaf"
#define PAGE_KEYS "refcount mapcount folio_mapcount order flags anon_exclusive zero_page ksm mapping ino index"
#define RECORD_KEYS "addr size state pfn page_size pte_flags cow mapcount refcount page_flags"

/*
 * A child that writes the first page of p and reads the second after its
 * fork, so that its pages are its own: exclusive, writable, the zero page.
 * The test's own pages would not do: running the CLI forks the test.
 */
static pid_t start_toucher(char *p)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (!pid) {
		p[0] = 1;
		(void)*(volatile char *)(p + 4096);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	close(ready[1]);
	return pid;
}

TEST(walk_json_matches_pagemap)
{
	struct json *root, *l;
	char pid_s[16], addr[32], keys[512];
	uint64_t e;
	pid_t pid;
	char *p;

	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, 8 * 4096));
	pid = start_toucher(p);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pagemap_read(pid, (uintptr_t)p, 1, &e));
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(addr, sizeof(addr), "%p", (void *)(p + 8));
	ASSERT_EQ(0, run_cli("-j", "walk", pid_s, addr));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ(WALK_KEYS, keys);
	EXPECT_TRUE(json_get(root, "present")->boolean);
	EXPECT_EQ(e & PM_PFN_MASK, json_get(root, "pfn")->number);
	EXPECT_TRUE(hex_is(json_get(root, "phys"), (e & PM_PFN_MASK) * 4096 + 8));
	EXPECT_EQ(4096, json_get(root, "page_size")->number);
	EXPECT_STREQ("writable", json_get(root, "cow")->string);
	EXPECT_EQ(JSON_NULL, json_get(root, "swap")->type);
	json_keys(json_get(root, "page"), keys, sizeof(keys));
	EXPECT_STREQ(PAGE_KEYS, keys);
	EXPECT_TRUE(json_get(json_get(root, "page"), "anon_exclusive")->boolean);
	EXPECT_TRUE(hex_is(json_get(json_get(root, "vma"), "start"), (uintptr_t)p));
	l = json_get(root, "levels");
	ASSERT_EQ(json_get(root, "paging_levels")->number, json_count(l));
	json_keys(l->child, keys, sizeof(keys));
	EXPECT_STREQ(LEVEL_KEYS, keys);
	EXPECT_STREQ("pgd", json_get(l->child, "level")->string);
	json_free(root);

	ASSERT_EQ(0, run_cli("--dot", "walk", pid_s, addr));
	EXPECT_EQ(0, strncmp(out, "digraph walk {", 14));
	EXPECT_NE(NULL, strstr(out, "-> page;"));
	ASSERT_EQ(0, run_cli("walk", pid_s, addr));
	EXPECT_NE(NULL, strstr(out, "PGD: "));
	EXPECT_NE(NULL, strstr(out, "PAGE: "));
	EXPECT_NE(NULL, strstr(out, "  cow       writable"));
	stop(pid);
	munmap(p, 8 * 4096);
}

TEST(pages_and_cow_json)
{
	struct json *root, *recs, *summary;
	char pid_s[16], range[64], keys[512];
	pid_t pid;
	char *p;

	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, 8 * 4096));
	pid = start_toucher(p);
	ASSERT_GT(pid, 0);
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(range, sizeof(range), "%p-%p", (void *)p, (void *)(p + 8 * 4096));
	ASSERT_EQ(0, run_cli("-j", "pages", pid_s, range));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ("start end records summary", keys);
	recs = json_get(root, "records");
	ASSERT_EQ(3, json_count(recs));		/* written, zero page, empty run */
	json_keys(recs->child, keys, sizeof(keys));
	EXPECT_STREQ(RECORD_KEYS, keys);
	EXPECT_STREQ("writable", json_get(recs->child, "cow")->string);
	EXPECT_STREQ("zero", json_get(recs->child->next, "cow")->string);
	EXPECT_STREQ("none", json_get(recs->child->next->next, "state")->string);
	summary = json_get(root, "summary");
	EXPECT_EQ(2, json_get(json_get(summary, "pages"), "present")->number);
	EXPECT_EQ(6, json_get(json_get(summary, "pages"), "none")->number);
	EXPECT_EQ(8192, json_get(json_get(summary, "rss"), "4K")->number);
	json_free(root);

	ASSERT_EQ(0, run_cli("-j", "cow", pid_s, range));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	ASSERT_EQ(3, json_count(root));
	json_keys(root->child, keys, sizeof(keys));
	EXPECT_STREQ("start end cow pages", keys);
	EXPECT_EQ(6, json_get(root->child->next->next, "pages")->number);
	json_free(root);

	ASSERT_EQ(0, run_cli("pages", pid_s, range));
	EXPECT_NE(NULL, strstr(out, "summary of "));
	stop(pid);
	munmap(p, 8 * 4096);
}

/* --summary (the kernel's counts) and --pte (PTE-only records) agree with pages. */
TEST(pages_summary_and_pte_json)
{
	struct json *root, *recs, *summary;
	char pid_s[16], range[64], keys[512];
	uint64_t e;
	pid_t pid;
	char *p;

	p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, 8 * 4096));
	pid = start_toucher(p);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pagemap_read(pid, (uintptr_t)p, 1, &e));
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	snprintf(range, sizeof(range), "%p-%p", (void *)p, (void *)(p + 8 * 4096));
	ASSERT_EQ(0, run_cli("-j", "pages", pid_s, range, "--summary"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ("start end summary", keys);
	summary = json_get(root, "summary");
	EXPECT_EQ(2, json_get(json_get(summary, "pages"), "present")->number);
	EXPECT_EQ(6, json_get(json_get(summary, "pages"), "none")->number);
	EXPECT_EQ(1, json_get(json_get(summary, "cow"), "writable")->number);
	EXPECT_EQ(1, json_get(json_get(summary, "cow"), "zero")->number);
	EXPECT_EQ(8192, json_get(json_get(summary, "rss"), "4K")->number);
	json_free(root);

	ASSERT_EQ(0, run_cli("-j", "pages", pid_s, range, "--pte"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	recs = json_get(root, "records");
	ASSERT_EQ(3, json_count(recs));		/* written, zero page, empty run */
	json_keys(recs->child, keys, sizeof(keys));
	EXPECT_STREQ("addr size state pfn page_size pte_flags", keys);
	EXPECT_EQ(e & PM_PFN_MASK, json_get(recs->child, "pfn")->number);
	EXPECT_EQ(4096, json_get(recs->child, "size")->number);
	EXPECT_EQ(6 * 4096, json_get(recs->child->next->next, "size")->number);
	EXPECT_EQ(NULL, json_get(json_get(root, "summary"), "cow"));
	json_free(root);

	ASSERT_EQ(0, run_cli("pages", pid_s, range, "--summary"));
	EXPECT_NE(NULL, strstr(out, "summary of "));
	EXPECT_EQ(NULL, strstr(out, "ADDR"));
	EXPECT_EQ(2, run_cli("pages", pid_s, range, "--summary", "--pte"));
	EXPECT_NE(NULL, strstr(err, "do not go together"));
	stop(pid);
	munmap(p, 8 * 4096);
}

TEST(walk_pages_cow_errors)
{
	char pid_s[16];

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	EXPECT_EQ(2, run_cli("pages", pid_s, "0x5000-0x1000"));
	EXPECT_NE(NULL, strstr(err, "invalid range '0x5000-0x1000'"));
	EXPECT_EQ(2, run_cli("cow", pid_s, "nonsense"));
	EXPECT_EQ(1, run_cli("--vma", "99999", "pages", pid_s));
	EXPECT_NE(NULL, strstr(err, "no VMA number 99999"));
	EXPECT_EQ(1, run_cli("walk", "2", "0x400000"));
	EXPECT_NE(NULL, strstr(err, "kernel thread"));
	EXPECT_EQ(1, run_cli("walk", pid_s, "0x8000000000000000"));
	EXPECT_NE(NULL, strstr(err, "invalid address"));
	EXPECT_EQ(1, run_cli("pages", pid_s, "0x1000-0xffffffffffff0000"));
	EXPECT_NE(NULL, strstr(err, "above the TASK_SIZE"));
	EXPECT_EQ(0, run_cli("--vma", "0", "cow", pid_s));
}

TEST(not_root)
{
	EXPECT_EQ(1, run_cli_as(65534, "maps", "1", NULL));
	EXPECT_STREQ("mmscope: permission denied: mmscope needs CAP_SYS_ADMIN\n", err);
}

/* An errno's message says what it means where it came from. */
TEST(errno_sources)
{
	static const char not_loaded[] =
		"/nonexistent not found: is the module loaded? (sudo insmod mmscope.ko)";
	static const char kthread[] = "PID 2 is a kernel thread: it has no user address space";
	char want[256];
	struct json *root;

	/* ENOENT from open(): no module; a fault lab opens the -d device too. */
	EXPECT_EQ(1, run_cli("-j", "-d", "/nonexistent", "faultlab", "demand"));
	snprintf(want, sizeof(want), "mmscope: %s\n", not_loaded);
	EXPECT_STREQ(want, err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_STREQ(not_loaded, json_get(root, "error")->string);
	json_free(root);

	/* ENOENT from a walk: kthreadd has no user page tables. */
	EXPECT_EQ(1, run_cli("walk", "2", "0x400000"));
	snprintf(want, sizeof(want), "mmscope: %s\n", kthread);
	EXPECT_STREQ(want, err);
	EXPECT_EQ(1, run_cli("-j", "walk", "2", "0x400000"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_STREQ(kthread, json_get(root, "error")->string);
	json_free(root);
}

/* map -j: the layout and a box per VMA of a small process (svg_test: --svg). */
TEST(map_json)
{
	struct json *root, *b;
	char pid_s[16], keys[256];
	int n, i;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_EQ(0, run_cli("-j", "map", pid_s));
	n = proc_maps(pid, maps, 1024);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ("task_size kernel_start brk mmap_base vma_count boxes", keys);
	EXPECT_EQ(n, json_get(root, "vma_count")->number);
	ASSERT_EQ(n, json_count(json_get(root, "boxes")));
	for (b = json_get(root, "boxes")->child, i = 0; b; b = b->next, i++) {
		json_keys(b, keys, sizeof(keys));
		EXPECT_STREQ("start end kind count size rss labels", keys);
		EXPECT_TRUE(hex_is(json_get(b, "start"), maps[i].start));
		EXPECT_TRUE(hex_is(json_get(b, "end"), maps[i].end));
		EXPECT_EQ(1, json_get(b, "count")->number);
		EXPECT_EQ(maps[i].end - maps[i].start, json_get(b, "size")->number);
	}
	json_free(root);
	/* the table: a line per box between its header and the markers */
	ASSERT_EQ(0, run_cli("map", pid_s));
	EXPECT_NE(NULL, strstr(out, "START-END"));
	EXPECT_NE(NULL, strstr(out, "mmap_base 0x"));
	stop(pid);
}

/* Every object has its help, as bpftool's do; with -j it is null. */
TEST(object_help)
{
	static const char *const objects[] = {
		"mm", "maps", "lookup", "walk", "pages", "cow", "faultlab", "map", "vmatree",
	};
	char want[64];
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		EXPECT_EQ(0, run_cli(objects[i], "help"));
		snprintf(want, sizeof(want), " %s help\n", objects[i]);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s help: %s", objects[i], out);
		EXPECT_STREQ("", err);
		EXPECT_EQ(0, run_cli("-j", objects[i], "help"));
		EXPECT_STREQ("null\n", out);
	}
	EXPECT_EQ(0, run_cli("help"));
	EXPECT_NE(NULL, strstr(out, "Usage: mmscope"));
}

/* A step's counter change, by name; 0 when it did not move. */
static int64_t step_delta(const struct json *stepj, const char *counter)
{
	const struct json *c = json_get(json_get(stepj, "counters"), counter);

	return c ? c->integer : 0;
}

/*
 * The expectations are the CLI's own (userspace-tools/mmscope/faultlab.c),
 * written once: what is checked here is that its report of them is honest,
 * each "seen" the counter's move and each "ok" whether it was the "delta".
 * Returns how many the step had.
 */
static int check_expected(struct __test_metadata *_metadata, const struct json *stepj)
{
	const struct json *e;
	int n = 0;

	for (e = json_get(stepj, "expected")->child; e; e = e->next, n++) {
		const char *counter = json_get(e, "counter")->string;
		int64_t seen = json_get(e, "seen")->integer;

		EXPECT_EQ(step_delta(stepj, counter), seen) TH_LOG("%s", counter);
		EXPECT_EQ(seen == json_get(e, "delta")->integer, json_get(e, "ok")->boolean);
	}
	return n;
}

/*
 * The guided fault-lab scenarios: every one runs, the kernel meets every
 * expectation the steps state, and the JSON carries the evidence (counters,
 * log, maps, walk), checked here where it is deterministic.
 */
TEST(faultlab_scenarios)
{
	struct json *root, *sc, *steps, *st, *ev, *w;
	char keys[256];
	int n = 0, nr, checked;

	ASSERT_EQ(0, run_cli("-j", "faultlab", "list"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	nr = json_count(root);
	EXPECT_LT(0, nr);
	json_free(root);

	ASSERT_EQ(0, run_cli("-j", "faultlab", "all")) TH_LOG("%s", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("%.2000s", out);
	ASSERT_EQ(nr, json_count(root));
	for (sc = root->child; sc; sc = sc->next, n++) {
		const char *name = json_get(sc, "scenario")->string;

		json_keys(sc, keys, sizeof(keys));
		EXPECT_STREQ("scenario title lab_id mode fault_around steps checked failed ok", keys);
		EXPECT_TRUE(json_get(sc, "ok")->boolean) TH_LOG("scenario %s", name);
		EXPECT_EQ(0, json_get(sc, "failed")->number);
		EXPECT_LT(0, json_get(sc, "checked")->number) TH_LOG("scenario %s", name);
		steps = json_get(sc, "steps");
		ASSERT_LT(1, json_count(steps));
		json_keys(steps->child, keys, sizeof(keys));
		EXPECT_STREQ("step action counters expected log maps walk", keys);
		checked = 0;
		for (st = steps->child; st; st = st->next)
			checked += check_expected(_metadata, st);
		EXPECT_EQ(checked, json_get(sc, "checked")->number) TH_LOG("scenario %s", name);

		if (!strcmp(name, "demand")) {
			/* step 2: one fault, logged, page 0 present with a struct page */
			st = steps->child->next;
			ASSERT_EQ(1, json_count(json_get(st, "log")));
			ev = json_get(st, "log")->child;
			EXPECT_STREQ("fault", json_get(ev, "handler")->string);
			EXPECT_EQ(0, json_get(ev, "pgoff")->number);
			w = json_get(st, "walk")->child;
			EXPECT_STREQ("present", json_get(w, "state")->string);
			EXPECT_TRUE(json_get(w, "struct_page")->boolean);
			EXPECT_STREQ(json_get(ev, "pfn")->string, json_get(w, "pfn")->string);
			EXPECT_STREQ("none", json_get(w->next, "state")->string);
			EXPECT_STREQ("device", json_get(json_get(st, "maps")->child, "kind")->string);
			/* last step: munmap closed the only VMA */
			for (st = steps->child; st->next; st = st->next)
				;
			EXPECT_EQ(0, json_count(json_get(st, "maps")));
		} else if (!strcmp(name, "split")) {
			st = steps->child->next;
			EXPECT_EQ(3, json_count(json_get(st, "maps")));
		} else if (!strcmp(name, "pfnmap")) {
			st = steps->child;
			w = json_get(st, "walk")->child;
			EXPECT_FALSE(json_get(w, "struct_page")->boolean);
			EXPECT_STREQ("pfnmap", json_get(json_get(st, "maps")->child, "kind")->string);
		}
	}
	EXPECT_EQ(nr, n);
	json_free(root);

	/* The text form runs too, and says so. */
	ASSERT_EQ(0, run_cli("faultlab", "cow"));
	EXPECT_NE(NULL, strstr(out, "== cow: ok"));
	EXPECT_NE(NULL, strstr(out, "-- step 2: write it"));
	ASSERT_EQ(0, run_cli("faultlab", "stats"));
	EXPECT_NE(NULL, strstr(out, "faults_read"));
	ASSERT_EQ(0, run_cli("-j", "faultlab", "log"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_LT(0, json_count(root));
	json_free(root);

	/* Bad input: a clear message and exit code 2. */
	EXPECT_EQ(2, run_cli("faultlab", "nosuch"));
	EXPECT_NE(NULL, strstr(err, "unknown fault-lab scenario 'nosuch'"));
	EXPECT_EQ(2, run_cli("faultlab"));
	EXPECT_NE(NULL, strstr(err, "usage: mmscope faultlab"));
}

TEST_HARNESS_MAIN
