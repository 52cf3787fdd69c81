// SPDX-License-Identifier: GPL-2.0
/*
 * The mmscope CLI: its JSON contract (keys and values, against /proc), its
 * tables, and its error messages and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cli.h"
#include "json_reader.h"
#include "libmmscope.h"
#include "util.h"

#define MAPS_KEYS "start end perms offset dev inode path vm_flags flags anon_vma vm_ops kind"
#define MM_KEYS "pid comm kernel_thread has_mm mm_users mm_count map_count total_vm " \
	"locked_vm pinned_vm data_vm exec_vm stack_vm rss_file rss_anon rss_shmem " \
	"swap_ents hiwater_rss hiwater_vm start_code end_code start_data end_data " \
	"start_brk brk start_stack arg_start arg_end env_start env_end mmap_base " \
	"task_size pgd_phys pgtables_bytes not_in_kernel users"

static char out[4 << 20], err[4096];
/* An ioctl command the next CLI runs get EIO for, through seccomp; 0: none. */
static unsigned int failing_ioctl;
static struct proc_vma maps[1024];

/*
 * From now on, ioctl(.., cmd, ..) fails with EIO in this process and what
 * it execs: a failure injected into the CLI at the call of our choice,
 * with no test hook in the CLI. 0, or -1 without seccomp.
 */
static int fail_ioctl(unsigned int cmd)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cmd, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EIO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -1 : 0;
}

/* Whether fail_ioctl() works here: tried in a child. */
static int fail_ioctl_works(void)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(fail_ioctl(MMSCOPE_IOC_WALK) ? 1 : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* fail_ioctl(failing_ioctl) in the CLI's child, if one is set. */
static int fail_failing_ioctl(void)
{
	return failing_ioctl ? fail_ioctl(failing_ioctl) : 0;
}

/* Run the CLI as uid (0: as we are); returns its exit code, -1 on a signal. */
static int run_argv_as(uid_t uid, const char *const argv[])
{
	struct cli_run r = {
		.out = out, .out_size = sizeof(out), .err = err, .err_size = sizeof(err),
		.uid = uid, .before_exec = fail_failing_ioctl,
	};

	return cli_run(&r, argv);
}

#define run_cli_as(uid, ...) run_argv_as(uid, CLI_ARGV(__VA_ARGS__))
#define run_cli(...) run_cli_as(0, __VA_ARGS__)

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
	snprintf(addr, sizeof(addr), "%llx", (unsigned long long)maps[n - 1].end);
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

/* ls -h's size, as the tables print one with -H: 4.0K, 10K, 2.0M. */
static void human(char *buf, size_t size, unsigned long long bytes)
{
	static const char units[] = "KMGTPE";
	unsigned long long unit = 1024, v;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu", bytes);
		return;
	}
	for (;;) {
		v = (bytes * 10 + unit - 1) / unit;
		if (bytes < 10 * unit && v < 100) {
			snprintf(buf, size, "%llu.%llu%c", v / 10, v % 10, units[u]);
			return;
		}
		v = (bytes + unit - 1) / unit;
		if (v < 1024) {
			snprintf(buf, size, "%llu%c", v, units[u]);
			return;
		}
		unit *= 1024;
		u++;
	}
}

/* The @col'th blank-separated word of @line (from 0) into @word. */
static int column(const char *line, int col, char *word, size_t size)
{
	int n = 0;

	while (*line) {
		size_t len;

		line += strspn(line, " ");
		len = strcspn(line, " \n");
		if (!len)
			break;
		if (n++ == col) {
			snprintf(word, size, "%.*s", (int)len, line);
			return 0;
		}
		line += len;
		if (*line == '\n')
			break;
	}
	return -1;
}

/* The first line of @text that starts with @prefix, or NULL. */
static const char *line_starting(const char *text, const char *prefix)
{
	const char *p;

	for (p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
	return NULL;
}

/* The line after @line, or NULL. */
static const char *next_line(const char *line)
{
	const char *nl = strchr(line, '\n');

	return nl && nl[1] ? nl + 1 : NULL;
}

/*
 * The columns line up by construction: each header word but the last
 * (free text) marks its column, where @align says how: 'L', every row's
 * cell starts where the word starts (a blank before it), 'R', it ends
 * where the word ends (a blank after it). The table ends at an empty line,
 * or at a line of text after it ("(no PCID ...", "brk ...").
 */
static int check_aligned(const char *table, const char *first_header, const char *align)
{
	const char *hdr = line_starting(table, first_header), *row;
	size_t hlen, s, e, len;
	int rows = 0, col;

	if (!hdr)
		return -1;
	hlen = strcspn(hdr, "\n");
	for (row = next_line(hdr); row; row = next_line(row)) {
		len = strcspn(row, "\n");
		if (!len || row[0] == '(' || !strncmp(row, "brk ", 4))
			break;
		if (!strncmp(row, "    vm_flags ", 13))
			continue;	/* a note under a row (maps -v) */
		rows++;
		for (s = 0, col = 0; s < hlen && align[col]; s = e, col++) {
			s += strspn(hdr + s, " ");
			e = s + strcspn(hdr + s, " \n");
			if (align[col] == 'L' ? s && s <= len && row[s - 1] != ' ' :
			    e < len && row[e] != ' ') {
				fprintf(stderr, "# column %.*s: row '%.*s'\n", (int)(e - s), hdr + s,
					(int)len, row);
				return -1;
			}
		}
	}
	if (rows)	/* the header, in the log: what the table looks like */
		fprintf(stderr, "# %.*s\n", (int)hlen, hdr);
	return rows ? 0 : -1;
}

/*
 * Sizes in tables: kB (the header says _KB) or with -H as ls -h prints
 * them, and against the kernel: smaps's RSS_KB is /proc/PID/smaps's Rss,
 * maps's and lookup's SIZE_KB is end - start of /proc/PID/maps.
 */
TEST(table_units)
{
	char pid_s[16], range[64], kb[32], hum[32], want[32], start_s[32], *plain;
	unsigned long long start, end;
	const char *line, *hline;
	int n, rows = 0;
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	n = proc_maps(pid, maps, 1024);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, run_cli("maps", pid_s));
	EXPECT_EQ(0, strncmp(out, "START-END", 9));
	EXPECT_NE(NULL, strstr(out, " SIZE_KB ")) TH_LOG("%.200s", out);
	plain = strdup(out);
	ASSERT_NE(NULL, plain);
	ASSERT_EQ(0, run_cli("-H", "maps", pid_s));
	EXPECT_NE(NULL, strstr(out, " SIZE ")) TH_LOG("%.200s", out);
	for (line = next_line(plain), hline = next_line(out); line && hline;
	     line = next_line(line), hline = next_line(hline), rows++) {
		ASSERT_EQ(0, column(line, 0, range, sizeof(range)));
		ASSERT_EQ(2, sscanf(range, "%llx-%llx", &start, &end));
		ASSERT_EQ(0, column(line, 1, kb, sizeof(kb)));
		ASSERT_EQ(0, column(hline, 1, hum, sizeof(hum)));
		EXPECT_EQ((end - start) >> 10, strtoull(kb, NULL, 10)) TH_LOG("%s", range);
		human(want, sizeof(want), strtoull(kb, NULL, 10) << 10);
		EXPECT_STREQ(want, hum) TH_LOG("%s: %s kB", range, kb);
	}
	EXPECT_EQ(n, rows);
	free(plain);

	/* smaps: every VMA's Rss, as the kernel's own smaps says it. */
	ASSERT_EQ(0, run_cli("smaps", pid_s));
	EXPECT_NE(NULL, strstr(out, " RSS_KB ")) TH_LOG("%.200s", out);
	rows = 0;
	for (line = next_line(out); line && strncmp(line, "total", 5); line = next_line(line)) {
		ASSERT_EQ(0, column(line, 0, range, sizeof(range)));
		ASSERT_EQ(2, sscanf(range, "%llx-%llx", &start, &end));
		ASSERT_EQ(0, column(line, 2, kb, sizeof(kb)));
		EXPECT_EQ(proc_smaps_field(pid, start, "Rss"), strtoll(kb, NULL, 10))
			TH_LOG("%s", range);
		rows++;
	}
	EXPECT_EQ(n, rows);

	/* lookup: the VMA's row, its size against /proc/PID/maps. */
	snprintf(start_s, sizeof(start_s), "%llx", (unsigned long long)maps[0].start);
	ASSERT_EQ(0, run_cli("lookup", pid_s, start_s));
	line = line_starting(out, "START-END");
	ASSERT_NE(NULL, line);
	line = next_line(line);
	ASSERT_NE(NULL, line);
	ASSERT_EQ(0, column(line, 1, kb, sizeof(kb)));
	EXPECT_EQ((maps[0].end - maps[0].start) >> 10, strtoull(kb, NULL, 10));
	ASSERT_EQ(0, run_cli("-H", "lookup", pid_s, start_s));
	line = line_starting(out, "START-END");
	ASSERT_NE(NULL, line);
	line = next_line(line);
	ASSERT_NE(NULL, line);
	ASSERT_EQ(0, column(line, 1, hum, sizeof(hum)));
	human(want, sizeof(want), maps[0].end - maps[0].start);
	EXPECT_STREQ(want, hum);
	stop(pid);
}

/* The header and the rows of every table share their column boundaries. */
TEST(table_columns_line_up)
{
	char pid_s[16], range[64];
	pid_t pid;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_LT(0, proc_maps(pid, maps, 1024));
	snprintf(range, sizeof(range), "%llx-%llx", (unsigned long long)maps[0].start,
		 (unsigned long long)maps[0].end);
	ASSERT_EQ(0, run_cli("maps", pid_s));
	EXPECT_EQ(0, check_aligned(out, "START-END", "LRLLLRLLL"));
	ASSERT_EQ(0, run_cli("-H", "maps", pid_s));
	EXPECT_EQ(0, check_aligned(out, "START-END", "LRLLLRLLL"));
	ASSERT_EQ(0, run_cli("smaps", pid_s));
	EXPECT_EQ(0, check_aligned(out, "START-END", "LLRRRRRR"));
	ASSERT_EQ(0, run_cli("pages", pid_s, range));
	EXPECT_EQ(0, check_aligned(out, "ADDR", "LRLLRLRRL"));
	ASSERT_EQ(0, run_cli("pages", pid_s, range, "--pte"));
	EXPECT_EQ(0, check_aligned(out, "ADDR", "LRLLR"));
	ASSERT_EQ(0, run_cli("cow", pid_s, range));
	EXPECT_EQ(0, check_aligned(out, "START-END", "LL"));
	ASSERT_EQ(0, run_cli("map", pid_s));
	EXPECT_EQ(0, check_aligned(out, "START-END", "LLRRRL"));
	ASSERT_EQ(0, run_cli("faultlab", "list"));
	EXPECT_EQ(0, check_aligned(out, "NAME", "L"));
	if (run_cli("tlb", pid_s) == 0)
		EXPECT_EQ(0, check_aligned(out, "CPU", "RLRRLL")) TH_LOG("%s", out);
	stop(pid);
}

/* --no-headers: every table object prints its rows alone, as they were. */
TEST(no_headers)
{
	static const struct {
		const char *args[4];
		const char *header;
	} tables[] = {
		{ { "maps", "PID" }, "START-END " },
		{ { "smaps", "PID" }, "START-END " },
		{ { "pages", "PID", "RANGE" }, "ADDR " },
		{ { "pages", "PID", "RANGE", "--pte" }, "ADDR " },
		{ { "cow", "PID", "RANGE" }, "START-END " },
		{ { "map", "PID" }, "START-END " },
		{ { "faultlab", "list" }, "NAME " },
		{ { "tlb", "PID" }, "CPU " },
		{ { "lookup", "PID", "START" }, "START-END " },
	};
	char pid_s[16], range[64], start_s[32], *with;
	const char *a[4];
	size_t i, j;
	pid_t pid;
	int ret;

	pid = start_sleeper();
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	ASSERT_LT(0, proc_maps(pid, maps, 1024));
	snprintf(range, sizeof(range), "%llx-%llx", (unsigned long long)maps[0].start,
		 (unsigned long long)maps[0].end);
	snprintf(start_s, sizeof(start_s), "%llx", (unsigned long long)maps[0].start);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		for (j = 0; j < 4; j++) {
			a[j] = tables[i].args[j];
			if (a[j] && !strcmp(a[j], "PID"))
				a[j] = pid_s;
			else if (a[j] && !strcmp(a[j], "RANGE"))
				a[j] = range;
			else if (a[j] && !strcmp(a[j], "START"))
				a[j] = start_s;
		}
		ret = run_cli(a[0], a[1], a[2], a[3]);
		if (ret && !strcmp(a[0], "tlb"))
			continue;	/* a kernel without the TLB state */
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", a[0], err);
		ASSERT_NE(NULL, line_starting(out, tables[i].header))
			TH_LOG("%s: no header '%s'", a[0], tables[i].header);
		with = strdup(out);
		ASSERT_NE(NULL, with);
		ASSERT_EQ(0, run_cli("--no-headers", a[0], a[1], a[2], a[3]));
		EXPECT_EQ(NULL, line_starting(out, tables[i].header))
			TH_LOG("%s --no-headers: %.300s", a[0], out);
		/* The same rows: one line fewer (tlb's state moves: not compared). */
		if (strcmp(a[0], "tlb")) {
			int l1 = 0, l2 = 0;
			const char *p;

			for (p = with; (p = strchr(p, '\n')); p++)
				l1++;
			for (p = out; (p = strchr(p, '\n')); p++)
				l2++;
			EXPECT_EQ(l1 - 1, l2) TH_LOG("%s", a[0]);
		}
		free(with);
	}
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

/*
 * Eight pages of a toucher: the first written (exclusive, writable), the
 * second read (the zero page), six never touched.
 */
FIXTURE(toucher) {
	char *p;
	pid_t pid;
	char pid_s[16], addr[32], range[64];
};

FIXTURE_SETUP(toucher)
{
	self->p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(0, madvise_no_thp(self->p, 8 * 4096));
	self->pid = start_toucher(self->p);
	ASSERT_GT(self->pid, 0);
	snprintf(self->pid_s, sizeof(self->pid_s), "%d", self->pid);
	snprintf(self->addr, sizeof(self->addr), "%p", (void *)(self->p + 8));
	snprintf(self->range, sizeof(self->range), "%p-%p", (void *)self->p,
		 (void *)(self->p + 8 * 4096));
}

FIXTURE_TEARDOWN(toucher)
{
	if (self->pid > 0)
		stop(self->pid);
	munmap(self->p, 8 * 4096);
}

TEST_F(toucher, walk_json_matches_pagemap)
{
	const char *pid_s = self->pid_s, *addr = self->addr;
	struct json *root, *l;
	char keys[512];
	char *p = self->p;
	uint64_t e;

	ASSERT_EQ(0, pagemap_read(self->pid, (uintptr_t)p, 1, &e));
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
}

TEST_F(toucher, pages_and_cow_json)
{
	const char *pid_s = self->pid_s, *range = self->range;
	struct json *root, *recs, *summary;
	char keys[512];

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
}

/* --summary (the kernel's counts) and --pte (PTE-only records) agree with pages. */
TEST_F(toucher, pages_summary_and_pte_json)
{
	const char *pid_s = self->pid_s, *range = self->range;
	struct json *root, *recs, *summary;
	char keys[512];
	uint64_t e;

	ASSERT_EQ(0, pagemap_read(self->pid, (uintptr_t)self->p, 1, &e));
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
}

TEST(walk_pages_cow_errors)
{
	char pid_s[16];

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	EXPECT_EQ(2, run_cli("pages", pid_s, "0x5000-0x1000"));
	EXPECT_NE(NULL, strstr(err, "invalid range '0x5000-0x1000'"));
	EXPECT_EQ(1, run_cli("cow", pid_s, "nonsense"));
	EXPECT_NE(NULL, strstr(err, "no VMA named 'nonsense'"));
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

/* The "addr" key of `mmscope -j walk PID ADDR`, or 0 on failure. */
static unsigned long long walked_addr(const char *pid_s, const char *addr)
{
	unsigned long long v = 0;
	struct json *root;

	if (run_cli("-j", "walk", pid_s, addr))
		return 0;
	root = json_parse(out);
	if (root && json_get(root, "addr"))
		v = strtoull(json_get(root, "addr")->string, NULL, 16);
	json_free(root);
	return v;
}

/*
 * The range `mmscope -j ARGS...` (pages or cow) read from its arguments, as
 * "START-END" from its JSON: what the range forms and names resolve to,
 * whatever the pages in it do meanwhile.
 */
static int pages_shape(char *shape, size_t size, const char *a1, const char *a2,
		       const char *a3, const char *a4)
{
	struct json *root;
	int ret;

	ret = run_cli("-j", a1, a2, a3, a4);
	if (ret)
		return ret;
	root = json_parse(out);
	if (!root || !json_get(root, "start") || !json_get(root, "end")) {
		json_free(root);
		return -1;
	}
	snprintf(shape, size, "%s-%s", json_get(root, "start")->string,
		 json_get(root, "end")->string);
	json_free(root);
	return 0;
}

/*
 * Addresses are read as mmscope prints them: the START-END column of maps
 * (bare hex with leading zeros) pastes back into walk and pages; 0x and bare
 * hex are the same address; START+LEN and a VMA's name give the same range
 * as START-END and --vma N.
 */
TEST(address_forms)
{
	char pid_s[16], col[64], start_s[32], a[64], shape1[4096], shape2[4096];
	unsigned long long start, end;
	int heap = -1, n, i, j;
	char *line, *p;

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	p = malloc(64 << 10);	/* below the mmap threshold: on the heap */
	ASSERT_NE(NULL, p);
	memset(p, 1, 64 << 10);
	ASSERT_EQ(0, run_cli("maps", pid_s));
	/* The second line: the first VMA's START-END as the table prints it. */
	line = strchr(out, '\n');
	ASSERT_NE(NULL, line);
	ASSERT_EQ(1, sscanf(line + 1, "%63s", col));
	ASSERT_EQ(2, sscanf(col, "%llx-%llx", &start, &end));
	ASSERT_EQ('0', col[0]) TH_LOG("the table prints leading zeros: %s", col);
	n = proc_maps(0, maps, 1024);
	ASSERT_LT(0, n);
	EXPECT_EQ(maps[0].start, start);

	/* One address, three ways: as printed, with 0x, without leading zeros. */
	snprintf(start_s, sizeof(start_s), "%.*s", (int)(strchr(col, '-') - col), col);
	EXPECT_EQ(start, walked_addr(pid_s, start_s));
	snprintf(a, sizeof(a), "0x%llx", start + 0x123);
	EXPECT_EQ(start + 0x123, walked_addr(pid_s, a));
	snprintf(a, sizeof(a), "%llx", start + 0x123);
	EXPECT_EQ(start + 0x123, walked_addr(pid_s, a));
	snprintf(a, sizeof(a), "0X%llX", start);
	EXPECT_EQ(start, walked_addr(pid_s, a));
	EXPECT_EQ(0, run_cli("lookup", pid_s, start_s));

	/* One range, four ways: the column pasted, 0x, START+LEN, --vma 0. */
	ASSERT_EQ(0, pages_shape(shape1, sizeof(shape1), "pages", pid_s, col, NULL));
	snprintf(a, sizeof(a), "0x%llx-0x%llx", start, end);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "pages", pid_s, a, NULL));
	EXPECT_STREQ(shape1, shape2);
	snprintf(a, sizeof(a), "%llx+%lluK", start, (end - start) >> 10);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "pages", pid_s, a, NULL));
	EXPECT_STREQ(shape1, shape2);
	snprintf(a, sizeof(a), "%llx+0x%llx", start, end - start);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "pages", pid_s, a, NULL));
	EXPECT_STREQ(shape1, shape2);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "--vma", "0", "pages", pid_s));
	EXPECT_STREQ(shape1, shape2);

	/*
	 * A VMA by name: [heap] is the VMA /proc/PID/maps names so, read again
	 * right before each run (the test's own malloc()s may move brk).
	 */
	for (i = 0; i < 2; i++) {
		static const char *const how[][4] = {
			{ "pages", NULL, "[heap]" }, { "--vma", "[heap]", "pages" },
		};

		n = proc_maps(0, maps, 1024);
		for (heap = -1, j = 0; j < n && heap < 0; j++)
			if (!strcmp(maps[j].path, "[heap]"))
				heap = j;
		if (heap < 0) {
			TH_LOG("no [heap] VMA: malloc() used mmap()");
			break;
		}
		/* The heap may be more than one VMA: the name takes them all. */
		for (j = heap; j + 1 < n && !strcmp(maps[j + 1].path, "[heap]"); j++)
			;
		snprintf(a, sizeof(a), "0x%llx-0x%llx", (unsigned long long)maps[heap].start,
			 (unsigned long long)maps[j].end);
		if (how[i][1]) {
			ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), how[i][0], how[i][1],
						 how[i][2], pid_s));
		} else {
			ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), how[i][0], pid_s,
						 how[i][2], NULL));
		}
		EXPECT_STREQ(a, shape2);
	}
	EXPECT_EQ(0, run_cli("cow", pid_s, "[heap]"));
	EXPECT_EQ(0, run_cli("cow", pid_s, "--vma", "[heap]"));
	/* A VMA by its number, as maps counts them. */
	n = proc_maps(0, maps, 1024);
	snprintf(a, sizeof(a), "0x%llx-0x%llx", (unsigned long long)maps[1].start,
		 (unsigned long long)maps[1].end);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "--vma", "1", "pages", pid_s));
	EXPECT_STREQ(a, shape2);
	/* The program's own file by its basename: its VMAs together. */
	line = strrchr(maps[0].path, '/');
	ASSERT_NE(NULL, line);
	for (i = 0; i < n && !strcmp(maps[i].path, maps[0].path); i++)
		;
	snprintf(a, sizeof(a), "0x%llx-0x%llx", (unsigned long long)maps[0].start,
		 (unsigned long long)maps[i - 1].end);
	ASSERT_EQ(0, pages_shape(shape1, sizeof(shape1), "pages", pid_s, a, NULL));
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "pages", pid_s, line + 1, NULL));
	EXPECT_STREQ(shape1, shape2);
	ASSERT_EQ(0, pages_shape(shape2, sizeof(shape2), "pages", pid_s, maps[0].path, NULL));
	EXPECT_STREQ(shape1, shape2);
	free(p);
}

/* What is not an address or a range is refused before the device is opened. */
TEST(address_errors)
{
	char pid_s[16], path[] = "/tmp/mmscope-twice-XXXXXX";
	char *x, *gap, *y;
	int fd;

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	/* Malformed input: usage errors, even with no device to ask. */
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "walk", pid_s, "0x"));
	EXPECT_NE(NULL, strstr(err, "invalid address '0x': expected hex"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "walk", pid_s, "12345678901234567"));
	EXPECT_NE(NULL, strstr(err, "invalid address"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "lookup", pid_s, "-1"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "walk", pid_s, "0x1000 "));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "pages", pid_s, "0x1000+4096"));
	EXPECT_NE(NULL, strstr(err, "invalid length in '0x1000+4096'"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "pages", pid_s, "0x1000+2X"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "pages", pid_s, "ffffffffffff0000+1M"));
	EXPECT_NE(NULL, strstr(err, "past 64 bits"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "pages", pid_s, "0x2000-0x2000"));
	EXPECT_NE(NULL, strstr(err, "START must be below END"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "pages", pid_s, "1000-"));
	EXPECT_NE(NULL, strstr(err, "invalid range '1000-'"));
	EXPECT_EQ(2, run_cli("-d", "/nonexistent", "--vma", "", "cow", pid_s));

	/* A name no VMA has, and a name of two VMAs apart. */
	EXPECT_EQ(1, run_cli("pages", pid_s, "[nothing]"));
	EXPECT_NE(NULL, strstr(err, "has no VMA named '[nothing]'"));
	/* Two runs of two VMAs each (split by mprotect()), an anonymous one between. */
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 2 * 4096));
	x = mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, x);
	gap = x + 2 * 4096;
	y = x + 3 * 4096;
	ASSERT_EQ(x, mmap(x, 2 * 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0));
	ASSERT_EQ(0, mprotect(x + 4096, 4096, PROT_NONE));
	ASSERT_EQ(gap, mmap(gap, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	ASSERT_EQ(y, mmap(y, 2 * 4096, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0));
	ASSERT_EQ(0, mprotect(y + 4096, 4096, PROT_NONE));
	EXPECT_EQ(1, run_cli("pages", pid_s, strrchr(path, '/') + 1));
	EXPECT_NE(NULL, strstr(err, "names 2 runs of VMAs apart"));
	EXPECT_NE(NULL, strstr(err, "ambiguous VMA name"));
	EXPECT_EQ(1, run_cli("--vma", path, "cow", pid_s));
	EXPECT_NE(NULL, strstr(err, "ambiguous VMA name"));
	munmap(x, 5 * 4096);
	close(fd);
	unlink(path);
}

/*
 * -j output is one JSON document whatever fails, wherever it fails: each
 * object runs with each ioctl failing in turn (EIO, through seccomp). Where
 * output had begun, the error is inside the document, which is closed.
 */
FIXTURE(json_failures) {
	int unused;
};

FIXTURE_SETUP(json_failures)
{
}

FIXTURE_TEARDOWN(json_failures)
{
}

TEST_F_TIMEOUT(json_failures, stay_json, 600)
{
	static const unsigned int cmds[] = {
		MMSCOPE_IOC_SET_TARGET, MMSCOPE_IOC_MM_INFO, MMSCOPE_IOC_VMAS,
		MMSCOPE_IOC_LOOKUP, MMSCOPE_IOC_VM_FLAG_NAMES, MMSCOPE_IOC_WALK,
		MMSCOPE_IOC_PAGES, MMSCOPE_IOC_SMAPS, MMSCOPE_IOC_VMATREE,
		MMSCOPE_IOC_FAULTLAB_SETUP, MMSCOPE_IOC_FAULTLAB_STATS,
		MMSCOPE_IOC_FAULTLAB_LOG, MMSCOPE_IOC_TLB, MMSCOPE_IOC_PGD,
	};
	char pid_s[16], addr[32], range[64];
	const char *runs[][5] = {
		{ "mm", pid_s }, { "maps", pid_s }, { "-v", "maps", pid_s },
		{ "lookup", pid_s, addr }, { "walk", pid_s, addr }, { "pages", pid_s, range },
		{ "pages", pid_s, range, "--pte" }, { "pages", pid_s, range, "--summary" },
		{ "cow", pid_s, range }, { "smaps", pid_s }, { "smaps", pid_s, "--rollup" },
		{ "tlb", pid_s }, { "map", pid_s }, { "vmatree", pid_s }, { "pgd", pid_s, "kernel" },
		{ "faultlab", "demand" }, { "faultlab", "cow" }, { "faultlab", "stats" },
		{ "faultlab", "log" },
	};
	unsigned int c, r, failures = 0;
	time_t t0 = time(NULL);
	struct json *root;
	int ret;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "the same CLI on every kernel: this runs on the 6.12 entry");
	if (fail_ioctl_works() < 0)
		SKIP(return, "no seccomp filters in this kernel (CONFIG_SECCOMP_FILTER)");
	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	snprintf(addr, sizeof(addr), "%p", (void *)&failures);
	snprintf(range, sizeof(range), "%p+64K", (void *)((uintptr_t)&failures & ~4095UL));
	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
			failing_ioctl = cmds[c];
			ret = run_cli("-j", runs[r][0], runs[r][1], runs[r][2], runs[r][3]);
			failing_ioctl = 0;
			ASSERT_LE(0, ret) TH_LOG("%s %s: a signal", runs[r][0], runs[r][1]);
			root = json_parse(out);
			EXPECT_NE(NULL, root) TH_LOG("mmscope -j %s %s %s with ioctl %#x failing: not one JSON document:\n%.2000s",
						     runs[r][0], runs[r][1] ? runs[r][1] : "",
						     runs[r][2] ? runs[r][2] : "", cmds[c], out);
			if (ret) {
				failures++;
				/* A lab says which of its steps broke, in its own shape. */
				EXPECT_TRUE(strstr(out, "\"error\"") ||
					    (!strcmp(runs[r][0], "faultlab") &&
					     strstr(out, "\"ok\":false")))
					TH_LOG("%s %s: exit %d and no error in the JSON", runs[r][0],
					       runs[r][1] ? runs[r][1] : "", ret);
				EXPECT_NE(NULL, strstr(err, "mmscope: "));
			}
			json_free(root);
		}
	}
	/* Every object met at least one failure. */
	EXPECT_LE(sizeof(runs) / sizeof(runs[0]), failures);
	TH_LOG("%u of %zu runs failed, each with one JSON document (%ld s)", failures,
	       sizeof(runs) / sizeof(runs[0]) * (sizeof(cmds) / sizeof(cmds[0])),
	       (long)(time(NULL) - t0));
}

/* version: the module's own answer, the kernel's release, and -V alike. */
TEST(version)
{
	struct mmscope_version v;
	struct json *root, *m, *k;
	char keys[512], line[128];
	struct utsname u;
	int fd;

	fd = mms_open(NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mms_version(fd, &v));
	close(fd);
	ASSERT_EQ(0, uname(&u));

	ASSERT_EQ(0, run_cli("-j", "version"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ("version abi module kernel paging_levels pcid pti thp_size_kb hugetlb_sizes_kb kernel_features",
		     keys);
	/* The tool and the module are built from one VERSION. */
	EXPECT_STREQ((const char *)v.version, json_get(root, "version")->string);
	EXPECT_EQ(MMSCOPE_ABI_VERSION, json_get(root, "abi")->number);
	m = json_get(root, "module");
	ASSERT_NE(NULL, m);
	EXPECT_STREQ((const char *)v.version, json_get(m, "version")->string);
	EXPECT_EQ(v.abi, json_get(m, "abi")->number);
	EXPECT_STREQ(u.release, json_get(root, "kernel")->string);
	EXPECT_EQ(v.tlb_features & MMSCOPE_TLB_LA57 ? 5 : 4,
		  json_get(root, "paging_levels")->number);
	EXPECT_EQ(!!(v.tlb_features & MMSCOPE_TLB_PCID), json_get(root, "pcid")->boolean);
	EXPECT_EQ(!!(v.tlb_features & MMSCOPE_TLB_PTI), json_get(root, "pti")->boolean);
	k = json_get(root, "kernel_features");
	EXPECT_EQ(!!(v.kernel_features & MMSCOPE_KERNEL_THP), json_get(k, "thp")->boolean);
	EXPECT_EQ(!!(v.kernel_features & MMSCOPE_KERNEL_KSM), json_get(k, "ksm")->boolean);
	EXPECT_EQ(access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0,
		  json_count(json_get(root, "hugetlb_sizes_kb")) > 0);
	json_free(root);

	ASSERT_EQ(0, run_cli("version"));
	snprintf(line, sizeof(line), "mmscope %s (ABI %u)\n", (const char *)v.version,
		 MMSCOPE_ABI_VERSION);
	EXPECT_EQ(0, strncmp(out, line, strlen(line))) TH_LOG("%s", out);
	snprintf(line, sizeof(line), "module:  %s (ABI %u)\n", (const char *)v.version, v.abi);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("%s", out);
	snprintf(line, sizeof(line), "kernel:  %s ", u.release);
	EXPECT_NE(NULL, strstr(out, line));
	ASSERT_EQ(0, run_cli("-V"));
	EXPECT_EQ(0, strncmp(out, "mmscope ", 8));

	/* Without the module: said plainly, and still JSON. */
	ASSERT_EQ(0, run_cli("-d", "/nonexistent", "version"));
	EXPECT_NE(NULL, strstr(out, "module:  not loaded (/nonexistent: "));
	ASSERT_EQ(0, run_cli("-j", "-d", "/nonexistent", "version"));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_EQ(JSON_NULL, json_get(root, "module")->type);
	EXPECT_NE(NULL, json_get(root, "module_error"));
	json_free(root);
	EXPECT_EQ(2, run_cli("version", "extra"));
}

/*
 * One option grammar: global options before or after the object, object
 * options anywhere among its arguments as --opt=value or --opt value, an
 * option that does not apply refused with the object's name, unique
 * prefixes of objects, and help either way round.
 */
TEST(option_grammar)
{
	char pid_s[16], before[sizeof(out)];
	struct json *root;

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	ASSERT_EQ(0, run_cli("-j", "mm", pid_s));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	json_free(root);
	ASSERT_EQ(0, run_cli("mm", pid_s, "-j"));
	root = json_parse(out);
	EXPECT_NE(NULL, root) TH_LOG("mm PID -j: %.200s", out);
	json_free(root);
	ASSERT_EQ(0, run_cli("maps", "--json", pid_s));
	EXPECT_EQ('[', out[0]);
	ASSERT_EQ(0, run_cli("maps", pid_s, "-v"));
	EXPECT_NE(NULL, strstr(out, "VM_READ"));
	ASSERT_EQ(0, run_cli("--vma", "0", "pages", pid_s, "--summary"));
	memcpy(before, out, sizeof(out));
	ASSERT_EQ(0, run_cli("pages", pid_s, "--vma", "0", "--summary"));
	EXPECT_STREQ(before, out);
	ASSERT_EQ(0, run_cli("pages", "--summary", "--vma=0", pid_s));
	EXPECT_STREQ(before, out);
	EXPECT_EQ(0, run_cli("smaps", pid_s, "--top=3"));
	EXPECT_EQ(0, run_cli("smaps", "--top", "3", pid_s));
	/* --watch=N and --watch N, before or after the PID: read alike. */
	EXPECT_EQ(2, run_cli("tlb", pid_s, "--watch=0"));
	EXPECT_NE(NULL, strstr(err, "invalid --watch '0'"));
	EXPECT_EQ(2, run_cli("tlb", "--watch", "0", pid_s));
	EXPECT_NE(NULL, strstr(err, "invalid --watch '0'"));
	EXPECT_EQ(0, run_cli("-d", MMSCOPE_DEVICE, "mm", pid_s));
	EXPECT_EQ(0, run_cli("mm", pid_s, "--device", MMSCOPE_DEVICE));
	EXPECT_EQ(0, run_cli("mm", pid_s, "--device=" MMSCOPE_DEVICE));

	/* What does not apply is refused, naming the object. */
	EXPECT_EQ(2, run_cli("--dot", "maps", pid_s));
	EXPECT_STREQ("mmscope: option --dot does not apply to 'maps' (try: mmscope maps help)\n",
		     err);
	EXPECT_EQ(2, run_cli("mm", pid_s, "-v"));
	EXPECT_STREQ("mmscope: option -v does not apply to 'mm' (try: mmscope mm help)\n", err);
	EXPECT_EQ(2, run_cli("walk", pid_s, "0x1000", "--vma", "0"));
	EXPECT_NE(NULL, strstr(err, "option --vma does not apply to 'walk'"));
	EXPECT_EQ(2, run_cli("pages", pid_s, "--vma"));
	EXPECT_STREQ("mmscope: option '--vma' needs an argument (try: mmscope help)\n", err);
	EXPECT_EQ(2, run_cli("pages", pid_s, "--bogus", "0x1000-0x2000"));
	EXPECT_NE(NULL, strstr(err, "pages: invalid option '--bogus'"));
	EXPECT_EQ(2, run_cli("tlb", pid_s, "--watch"));
	EXPECT_NE(NULL, strstr(err, "option '--watch' needs an argument"));
	/* No error prints the whole usage: one line. */
	EXPECT_EQ(err + strlen(err) - 1, strchr(err, '\n'));

	/* Prefixes, where they name one object. */
	ASSERT_EQ(0, run_cli("-j", "vmat", pid_s));
	EXPECT_NE(NULL, strstr(out, "\"node_count\""));
	EXPECT_EQ(0, run_cli("looku", pid_s, "0x1000"));
	EXPECT_EQ(0, run_cli("map", pid_s));	/* exact, though maps starts so too */
	EXPECT_EQ(2, run_cli("ma", pid_s));
	EXPECT_STREQ("mmscope: ambiguous object 'ma': maps, map (try: mmscope help)\n", err);
	EXPECT_EQ(2, run_cli("m", pid_s));
	EXPECT_NE(NULL, strstr(err, "ambiguous object 'm': mm, maps, map"));

	/* help OBJECT is OBJECT help. */
	ASSERT_EQ(0, run_cli("walk", "help"));
	memcpy(before, out, sizeof(out));
	ASSERT_EQ(0, run_cli("help", "walk"));
	EXPECT_STREQ(before, out);
	ASSERT_EQ(0, run_cli("help", "wa"));
	EXPECT_STREQ(before, out);
	EXPECT_EQ(2, run_cli("help", "nothing"));
	EXPECT_NE(NULL, strstr(err, "unknown object 'nothing'"));
}

#define PGD_KEYS "pid pgd_phys paging_levels ptrs_per_pgd entry_span user_end " \
	"kernel_clone_first shown entries"
#define PGD_ENTRY_KEYS "index start last entry next_table half clone flags"

/*
 * pgd PID kernel: one JSON document whose entries are the ioctl's present
 * kernel-half entries, each with its span and next table; and the errors
 * of a bad PID, a gone one, a kernel thread and a bad word.
 */
TEST(pgd_json)
{
	uint64_t e[512], span, start;
	struct mmscope_pgd p;
	struct json *root, *j;
	char pid_s[16], keys[256];
	uint32_t n = 512, i, rows = 0;
	pid_t pid = start_sleeper();
	int fd;

	ASSERT_GT(pid, 0);
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_pgd(fd, 0, e, &n, &p));
	close(fd);
	ASSERT_EQ(512, n);

	ASSERT_EQ(0, run_cli("-j", "pgd", pid_s, "kernel")) TH_LOG("%s", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("not JSON: %.300s", out);
	json_keys(root, keys, sizeof(keys));
	EXPECT_STREQ(PGD_KEYS, keys);
	EXPECT_EQ(pid, json_get(root, "pid")->number);
	EXPECT_TRUE(hex_is(json_get(root, "pgd_phys"), p.pgd_phys));
	EXPECT_EQ(p.levels, json_get(root, "paging_levels")->number);
	EXPECT_EQ(p.ptrs_per_pgd, json_get(root, "ptrs_per_pgd")->number);
	EXPECT_EQ(p.user_end, json_get(root, "user_end")->number);
	EXPECT_EQ(p.kernel_clone_first, json_get(root, "kernel_clone_first")->number);
	EXPECT_STREQ("kernel", json_get(root, "shown")->string);
	span = json_get(root, "entry_span")->number;
	EXPECT_EQ(p.levels == 5 ? 1ULL << 48 : 1ULL << 39, span);

	/* Every present kernel entry, in order, as the ioctl read it. */
	j = json_get(root, "entries")->child;
	for (i = p.user_end; i < 512; i++) {
		if (!(e[i] & 1))
			continue;
		ASSERT_NE(NULL, j) TH_LOG("entry %u missing", i);
		if (!rows++) {
			json_keys(j, keys, sizeof(keys));
			EXPECT_STREQ(PGD_ENTRY_KEYS, keys);
		}
		EXPECT_EQ(i, json_get(j, "index")->number);
		/* The upper half's addresses are sign-extended. */
		start = ~0ULL - (512ULL - i) * span + 1;
		EXPECT_TRUE(hex_is(json_get(j, "start"), start)) TH_LOG("entry %u", i);
		EXPECT_TRUE(hex_is(json_get(j, "last"), start + span - 1)) TH_LOG("entry %u", i);
		EXPECT_TRUE(hex_is(json_get(j, "entry"), e[i])) TH_LOG("entry %u", i);
		EXPECT_TRUE(hex_is(json_get(j, "next_table"), e[i] & 0x000ffffffffff000ULL));
		EXPECT_STREQ("kernel", json_get(j, "half")->string);
		EXPECT_EQ(i >= p.kernel_clone_first, json_get(j, "clone")->boolean);
		EXPECT_EQ(JSON_ARRAY, json_get(j, "flags")->type);
		EXPECT_STREQ("present", json_get(j, "flags")->child->string);
		j = j->next;
	}
	EXPECT_EQ(NULL, j) TH_LOG("more entries than the ioctl's present ones");
	EXPECT_LT(0, rows);
	json_free(root);

	/* The text: a row per present entry, the same ones. */
	ASSERT_EQ(0, run_cli("--no-headers", "pgd", pid_s, "kernel"));
	for (i = p.kernel_clone_first; i < 512; i++) {
		char row[64];

		if (!(e[i] & 1))
			continue;
		snprintf(row, sizeof(row), " %016llx ", (unsigned long long)e[i]);
		EXPECT_NE(NULL, strstr(out, row)) TH_LOG("no row for entry %u:\n%s", i, out);
	}
	stop(pid);

	/* A bad word, a bad PID, a PID that is gone, a kernel thread. */
	EXPECT_EQ(2, run_cli("pgd", pid_s, "upper"));
	EXPECT_STREQ("mmscope: invalid half 'upper': expected user, kernel or all (try: mmscope pgd help)\n",
		     err);
	EXPECT_EQ(2, run_cli("pgd", "abc", "kernel"));
	EXPECT_NE(NULL, strstr(err, "invalid PID 'abc'"));
	EXPECT_EQ(2, run_cli("pgd"));
	EXPECT_NE(NULL, strstr(err, "usage: mmscope pgd PID"));
	EXPECT_EQ(2, run_cli("pgd", pid_s, "kernel", "more"));
	EXPECT_EQ(1, run_cli("pgd", pid_s));
	snprintf(keys, sizeof(keys), "mmscope: no such process: %s\n", pid_s);
	EXPECT_STREQ(keys, err);
	EXPECT_EQ(1, run_cli("-j", "pgd", "2"));
	EXPECT_STREQ("mmscope: PID 2 is a kernel thread: it has no user address space\n", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_NE(NULL, json_get(root, "error"));
	json_free(root);
}

/* tlb --watch: Ctrl-C ends the count early, and the totals still print. */
TEST(tlb_watch_ctrl_c)
{
	const char *argv[] = { "mmscope", "tlb", NULL, "--watch", "60", NULL };
	struct cli_run r = { .out = out, .out_size = sizeof(out), .err = err,
			     .err_size = sizeof(err) };
	struct pollfd pfd = { .events = POLLIN };
	char pid_s[16];
	int status;

	snprintf(pid_s, sizeof(pid_s), "%d", getpid());
	argv[2] = pid_s;
	ASSERT_EQ(0, cli_spawn(&r, argv));
	/* Once the first line is out, the count runs: then Ctrl-C. */
	pfd.fd = r.out_fd;
	ASSERT_EQ(1, poll(&pfd, 1, 60000)) TH_LOG("no line in 60 s");
	ASSERT_EQ(0, kill(r.pid, SIGINT));
	status = cli_wait(&r);
	if (status == 1 && strstr(err, "not in this kernel"))
		SKIP(return, "%.200s", err);
	ASSERT_NE(-1, status) TH_LOG("killed by the signal: no totals");
	EXPECT_EQ(0, status) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(out, "tlb_gen"));
	EXPECT_NE(NULL, strstr(out, "counted for")) TH_LOG("no totals after Ctrl-C:\n%s", out);
}

TEST(not_root)
{
	EXPECT_EQ(1, run_cli_as(65534, "maps", "1"));
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

	/* One error, once: not once per scenario of "all". */
	EXPECT_EQ(1, run_cli("-d", "/nonexistent", "faultlab", "all"));
	EXPECT_STREQ(want, err);
	/* ENOTTY from a device that is not ours, and JSON that says so. */
	EXPECT_EQ(1, run_cli("-j", "-d", "/dev/null", "faultlab", "all"));
	EXPECT_STREQ("mmscope: /dev/null is not the mmscope device (give it with -d, or leave -d out for /dev/mmscope)\n",
		     err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_NE(NULL, json_get(root, "error"));
	json_free(root);
	EXPECT_EQ(1, run_cli("-d", "/dev/null", "maps", "1"));
	EXPECT_NE(NULL, strstr(err, "is not the mmscope device"));

	/* Option errors: one line, and with -j one JSON document. */
	EXPECT_EQ(2, run_cli("-j", "--bogus", "maps", "1"));
	EXPECT_STREQ("mmscope: unknown option '--bogus' (try: mmscope help)\n", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_STREQ("unknown option '--bogus' (try: mmscope help)",
		     json_get(root, "error")->string);
	json_free(root);
	EXPECT_EQ(2, run_cli("-j", "-d"));
	EXPECT_STREQ("mmscope: option '-d' needs an argument (try: mmscope help)\n", err);
	EXPECT_EQ(2, run_cli("-j", "-x"));
	EXPECT_STREQ("mmscope: unknown option '-x' (try: mmscope help)\n", err);
	EXPECT_EQ(2, run_cli("-j", "-p"));
	EXPECT_STREQ("mmscope: no object given (try: mmscope help)\n", err);
	root = json_parse(out);
	EXPECT_NE(NULL, root);
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
		"mm", "maps", "lookup", "walk", "pgd", "pages", "cow", "faultlab", "map", "vmatree",
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

/* The change of a step named @what, or NULL. */
static const struct json *step_change(const struct json *stepj, const char *what)
{
	const struct json *c;

	for (c = json_get(stepj, "changes")->child; c; c = c->next)
		if (!strcmp(json_get(c, "what")->string, what))
			return c;
	return NULL;
}

/* The first change of a step whose name begins with @prefix, or NULL. */
static const struct json *step_change_prefix(const struct json *stepj, const char *prefix)
{
	const struct json *c;

	for (c = json_get(stepj, "changes")->child; c; c = c->next)
		if (!strncmp(json_get(c, "what")->string, prefix, strlen(prefix)))
			return c;
	return NULL;
}

/*
 * The expectations are the CLI's own (userspace-tools/mmscope/faultlab*.c),
 * written once: what is checked here is that its report of them is honest,
 * each counter's "seen" the move its change shows, each "ok" whether it was
 * the "want", and that every one held. Returns how many the step had.
 */
static int check_expected(struct __test_metadata *_metadata, const struct json *stepj)
{
	const struct json *e, *c;
	char counter[96];
	int n = 0;

	for (e = json_get(stepj, "expected")->child; e; e = e->next, n++) {
		const char *what = json_get(e, "what")->string;
		long long moved = 0;

		EXPECT_TRUE(json_get(e, "ok")->boolean)
			TH_LOG("%s: want %s, seen %s", what, json_get(e, "want")->string,
			       json_get(e, "seen")->string);
		if (sscanf(what, "lab counter %64s moved by", counter + 12) != 1)
			continue;
		memcpy(counter, "lab counter ", 12);
		c = step_change(stepj, counter);
		if (c)
			moved = atoll(json_get(c, "after")->string) -
				atoll(json_get(c, "before")->string);
		EXPECT_EQ(moved, atoll(json_get(e, "seen")->string)) TH_LOG("%s", counter);
		EXPECT_EQ(moved == atoll(json_get(e, "want")->string), json_get(e, "ok")->boolean);
	}
	return n;
}

/* The value after "pfn 0x" in @s, or 0. */
static unsigned long long pfn_in(const char *s)
{
	const char *p = s ? strstr(s, "pfn 0x") : NULL;

	return p ? strtoull(p + 6, NULL, 16) : 0;
}

/*
 * The guided fault-lab scenarios, which are labs: every one runs in the
 * lab's shape, the kernel meets every expectation the steps state, and the
 * changes carry the evidence (counters, log, VMAs, walks), checked here
 * where it is deterministic.
 */
TEST(faultlab_scenarios)
{
	const struct json *c, *l;
	struct json *root, *list, *sc, *steps, *st;
	char keys[256], name[64];
	int n = 0, nr, checked;

	ASSERT_EQ(0, run_cli("-j", "faultlab", "list"));
	list = json_parse(out);
	ASSERT_NE(NULL, list);
	nr = json_count(list);
	EXPECT_LT(0, nr);

	ASSERT_EQ(0, run_cli("-j", "faultlab", "all")) TH_LOG("%s", err);
	EXPECT_STREQ("", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("%.2000s", out);
	ASSERT_EQ(nr, json_count(root));
	for (sc = root->child, l = list->child; sc && l; sc = sc->next, l = l->next, n++) {
		snprintf(name, sizeof(name), "faultlab-%s", json_get(l, "name")->string);
		EXPECT_STREQ(name, json_get(l, "lab")->string);
		EXPECT_STREQ(name, json_get(sc, "name")->string);
		json_keys(sc, keys, sizeof(keys));
		EXPECT_STREQ("name title concepts steps ok skipped", keys);
		EXPECT_TRUE(json_get(sc, "ok")->boolean) TH_LOG("lab %s", name);
		EXPECT_EQ(JSON_NULL, json_get(sc, "skipped")->type);
		steps = json_get(sc, "steps");
		ASSERT_LT(1, json_count(steps));
		json_keys(steps->child, keys, sizeof(keys));
		EXPECT_STREQ("say changes skipped expected", keys);
		checked = 0;
		for (st = steps->child; st; st = st->next)
			checked += check_expected(_metadata, st);
		EXPECT_LT(json_count(steps), checked) TH_LOG("lab %s", name);

		if (!strcmp(name, "faultlab-demand")) {
			/* step 3: one fault, logged, page 0 present with a struct page */
			st = steps->child->next->next;
			c = step_change_prefix(st, "fault log #");
			ASSERT_NE(NULL, c);
			EXPECT_EQ(0, strncmp(json_get(c, "after")->string, "fault tid ", 10));
			EXPECT_NE(NULL, strstr(json_get(c, "after")->string, " pgoff 0 "));
			for (c = c->next; c; c = c->next)
				EXPECT_NE(0, strncmp(json_get(c, "what")->string, "fault log #", 11));
			c = step_change_prefix(st, "walk 0x");
			ASSERT_NE(NULL, c);
			EXPECT_STREQ("none", json_get(c, "before")->string);
			EXPECT_EQ(0, strncmp(json_get(c, "after")->string, "present pfn 0x", 14));
			EXPECT_EQ(NULL, strstr(json_get(c, "after")->string, "special"));
			EXPECT_NE(0, pfn_in(json_get(c, "after")->string));
			EXPECT_EQ(pfn_in(json_get(step_change_prefix(st, "fault log #"), "after")->string),
				  pfn_in(json_get(c, "after")->string));
			/* the last step: munmap closed the only VMA */
			for (st = steps->child; st->next; st = st->next)
				;
			c = step_change_prefix(st, "lab vma ");
			ASSERT_NE(NULL, c);
			EXPECT_STREQ("-", json_get(c, "after")->string);
			c = step_change_prefix(st, "walk 0x");
			ASSERT_NE(NULL, c);
			EXPECT_STREQ("no VMA", json_get(c, "after")->string);
		} else if (!strcmp(name, "faultlab-split")) {
			/* mprotect: one VMA gone, three there */
			int gone = 0, there = 0;

			st = steps->child->next->next;
			for (c = json_get(st, "changes")->child; c; c = c->next) {
				if (strncmp(json_get(c, "what")->string, "lab vma ", 8))
					continue;
				gone += !strcmp(json_get(c, "after")->string, "-");
				there += !strcmp(json_get(c, "before")->string, "-");
			}
			EXPECT_EQ(1, gone);
			EXPECT_EQ(3, there);
		} else if (!strcmp(name, "faultlab-pfnmap")) {
			st = steps->child->next;
			c = step_change_prefix(st, "walk 0x");
			ASSERT_NE(NULL, c);
			EXPECT_NE(NULL, strstr(json_get(c, "after")->string,
					       "special (no struct page)"));
			/* pagemap passes over VM_PFNMAP, and the lab says so */
			for (c = json_get(st, "expected")->child; c; c = c->next)
				if (!strncmp(json_get(c, "what")->string, "/proc/self/pagemap", 18))
					break;
			ASSERT_NE(NULL, c);
			EXPECT_STREQ("not present", json_get(c, "seen")->string);
		}
	}
	EXPECT_EQ(nr, n);
	json_free(root);
	json_free(list);

	/* The text form runs too, and says so. */
	ASSERT_EQ(0, run_cli("faultlab", "cow"));
	EXPECT_NE(NULL, strstr(out, "lab faultlab-cow: ok ("));
	EXPECT_NE(NULL, strstr(out, "  3. write it: do_wp_page()"));
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

/*
 * The child of snapshot_and_diff: a layout in a PROT_NONE reservation (so
 * that no region merges with a neighbour), then, at the parent's word, one
 * change of each kind diff reads: a split, pages touched in a VMA that
 * stays, a VMA unmapped and one mapped.
 */
#define SD_PAGE 4096UL
enum { SD_R = 1, SD_T = 6, SD_U = 11, SD_PAGES = 16 };

static void snapshot_child(int cmd, int ack)
{
	char *base = mmap(NULL, SD_PAGES * SD_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *r = base + SD_R * SD_PAGE, *t = base + SD_T * SD_PAGE, *u = base + SD_U * SD_PAGE;
	uint64_t addr[2] = { (uintptr_t)base, 0 };
	char c;
	int fd;

	if (base == MAP_FAILED ||
	    mmap(r, 4 * SD_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED ||
	    mmap(t, 4 * SD_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED ||
	    mmap(u, 2 * SD_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		_exit(1);
	r[0] = r[SD_PAGE] = t[0] = 1;
	fd = memfd_create("mmscope-diff", 0);
	if (fd < 0 || ftruncate(fd, 3 * SD_PAGE) ||
	    write(ack, addr, sizeof(addr)) != sizeof(addr) || read(cmd, &c, 1) != 1)
		_exit(1);
	if (mprotect(r + SD_PAGE, SD_PAGE, PROT_READ))
		_exit(1);
	t[SD_PAGE] = t[2 * SD_PAGE] = t[3 * SD_PAGE] = 1;
	if (munmap(u, 2 * SD_PAGE))
		_exit(1);
	addr[1] = (uintptr_t)mmap(NULL, 3 * SD_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr[1] == (uintptr_t)MAP_FAILED || write(ack, addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	pause();
	_exit(0);
}

/* The diff's VMA event @kind; NULL if it has none, or more than one. */
static const struct json *diff_event(const struct json *root, const char *kind)
{
	const struct json *e, *found = NULL;

	for (e = json_get(root, "vmas")->child; e; e = e->next) {
		if (strcmp(json_get(e, "event")->string, kind))
			continue;
		if (found)
			return NULL;
		found = e;
	}
	return found;
}

/* The diff's change of @what, or NULL. */
static const struct json *diff_change(const struct json *root, const char *what)
{
	const struct json *c;

	for (c = json_get(root, "changes")->child; c; c = c->next)
		if (!strcmp(json_get(c, "what")->string, what))
			return c;
	return NULL;
}

/* Whether /proc/PID/maps has a VMA of exactly [start, end). */
static bool proc_has_vma(pid_t pid, uint64_t start, uint64_t end)
{
	static struct proc_vma vmas[512];
	int n = proc_maps(pid, vmas, 512), i;

	for (i = 0; i < n; i++)
		if (vmas[i].start == start && vmas[i].end == end)
			return true;
	return false;
}

static uint64_t hex_of(const struct json *o, const char *key)
{
	return strtoull(json_get(o, key)->string, NULL, 16);
}

/*
 * snapshot, then diff of it against the process after a split, pages
 * touched, an munmap and an mmap: each VMA change and the values that
 * moved, against /proc/PID/maps, smaps and status. Then the diff of a
 * snapshot with itself, and every error.
 */
TEST(snapshot_and_diff)
{
	static const char *const not_snapshots[][2] = {
		{ "{\"x\": 1}", "not an mmscope snapshot (no \"snapshot\" member" },
		{ "{\"snapshot\": {\"format\": 2}, \"\"", "not JSON: line 1, column 31" },
		{ "{\"snapshot\": {\"format\": 2}}",
		  "a snapshot of format 2, and this mmscope reads format 1" },
	};
	static struct proc_vma vmas[512];
	char path[] = "/tmp/mmscope-snapshot-XXXXXX", pid_s[16], key[96], bad[64];
	size_t i;
	const struct json *e, *c, *into;
	uint64_t addr[2], base, r, t, u;
	int cmd[2], ack[2], fd, n;
	struct json *root;
	long long vmsize;
	pid_t pid;

	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(ack));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(cmd[1]);
		close(ack[0]);
		snapshot_child(cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	ASSERT_EQ(sizeof(addr), read(ack[0], addr, sizeof(addr)));
	base = addr[0];
	r = base + SD_R * SD_PAGE;
	t = base + SD_T * SD_PAGE;
	u = base + SD_U * SD_PAGE;
	snprintf(pid_s, sizeof(pid_s), "%d", pid);

	/* The snapshot: the VMAs of /proc/PID/maps, total_vm of its VmSize. */
	ASSERT_EQ(0, run_cli("snapshot", pid_s)) TH_LOG("%s", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	n = proc_maps(pid, vmas, 512);
	EXPECT_EQ(n, json_count(json_get(root, "maps")));
	EXPECT_EQ(n, json_count(json_get(root, "smaps")));
	EXPECT_EQ(proc_status(pid, "VmSize"),
		  (long long)json_get(json_get(root, "mm"), "total_vm")->number * 4);
	EXPECT_EQ(1, json_get(json_get(root, "snapshot"), "format")->number);
	EXPECT_EQ(pid, json_get(json_get(root, "snapshot"), "pid")->number);
	json_free(root);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(out), write(fd, out, strlen(out)));
	close(fd);

	/* A snapshot against itself: nothing changed, exit 0. */
	EXPECT_EQ(0, run_cli("-j", "diff", path, path));
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_EQ(0, json_count(json_get(root, "vmas")));
	EXPECT_EQ(0, json_count(json_get(root, "changes")));
	EXPECT_STREQ("file", json_get(json_get(root, "a"), "source")->string);
	json_free(root);

	ASSERT_EQ(1, write(cmd[1], "x", 1));
	ASSERT_EQ(sizeof(addr), read(ack[0], addr, sizeof(addr)));
	EXPECT_EQ(1, run_cli("-j", "diff", path, pid_s)) TH_LOG("%s", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root) TH_LOG("%.2000s", out);
	EXPECT_EQ(3, json_count(json_get(root, "vmas"))) TH_LOG("%.2000s", out);
	EXPECT_STREQ("pid", json_get(json_get(root, "b"), "source")->string);

	/* mprotect() of the middle page: one VMA in three, as /proc says. */
	e = diff_event(root, "split");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(r, hex_of(json_get(e, "from")->child, "start"));
	EXPECT_EQ(r + 4 * SD_PAGE, hex_of(json_get(e, "from")->child, "end"));
	ASSERT_EQ(3, json_count(json_get(e, "into")));
	into = json_get(e, "into")->child;
	EXPECT_EQ(r, hex_of(into, "start"));
	EXPECT_EQ(r + SD_PAGE, hex_of(into, "end"));
	EXPECT_EQ(r + 2 * SD_PAGE, hex_of(into->next, "end"));
	EXPECT_EQ(r + 4 * SD_PAGE, hex_of(into->next->next, "end"));
	for (; into; into = into->next)
		EXPECT_TRUE(proc_has_vma(pid, hex_of(into, "start"), hex_of(into, "end")));

	/* munmap(): gone from /proc too; mmap() of a memfd: there. */
	e = diff_event(root, "removed");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(u, hex_of(json_get(e, "from")->child, "start"));
	EXPECT_EQ(u + 2 * SD_PAGE, hex_of(json_get(e, "from")->child, "end"));
	EXPECT_EQ(0, json_count(json_get(e, "into")));
	e = diff_event(root, "added");
	ASSERT_NE(NULL, e);
	EXPECT_EQ(addr[1], hex_of(json_get(e, "into")->child, "start"));
	EXPECT_EQ(addr[1] + 3 * SD_PAGE, hex_of(json_get(e, "into")->child, "end"));
	EXPECT_TRUE(proc_has_vma(pid, addr[1], addr[1] + 3 * SD_PAGE));

	/* Three pages touched in a VMA that stayed: its Rss, as smaps says. */
	snprintf(key, sizeof(key), "vma %016llx-%016llx Rss", (unsigned long long)t,
		 (unsigned long long)(t + 4 * SD_PAGE));
	c = diff_change(root, key);
	ASSERT_NE(NULL, c) TH_LOG("no change of %s", key);
	EXPECT_STREQ("4 kB", json_get(c, "before")->string);
	snprintf(bad, sizeof(bad), "%lld kB", proc_smaps_field(pid, t, "Rss"));
	EXPECT_STREQ(bad, json_get(c, "after")->string);
	EXPECT_STREQ("16 kB", json_get(c, "after")->string);

	/* total_vm: 2 pages gone, 3 come; now VmSize. */
	c = diff_change(root, "mm total_vm");
	ASSERT_NE(NULL, c);
	vmsize = proc_status(pid, "VmSize");
	EXPECT_EQ(vmsize / 4, atoll(json_get(c, "after")->string));
	EXPECT_EQ(1, atoll(json_get(c, "after")->string) - atoll(json_get(c, "before")->string));
	/* The fields of a VMA on one side only are the VMA's coming or going. */
	snprintf(key, sizeof(key), "vma %016llx-%016llx", (unsigned long long)u,
		 (unsigned long long)(u + 2 * SD_PAGE));
	for (c = json_get(root, "changes")->child; c; c = c->next)
		EXPECT_NE(0, strncmp(json_get(c, "what")->string, key, strlen(key)));
	json_free(root);

	/* The text says the same. */
	EXPECT_EQ(1, run_cli("diff", path, pid_s));
	EXPECT_NE(NULL, strstr(out, "VMAs: 1 added, 1 removed, 1 split, 0 merged, 0 resized\n"))
		TH_LOG("%s", out);
	snprintf(key, sizeof(key), "PID %s (", pid_s);
	EXPECT_NE(NULL, strstr(out, key));

	/* Errors: exit 2 with what is wrong; JSON says it too. */
	EXPECT_EQ(2, run_cli("diff", path));
	EXPECT_NE(NULL, strstr(err, "usage: mmscope diff"));
	EXPECT_EQ(2, run_cli("diff", "/nonexistent.json", path));
	EXPECT_STREQ("mmscope: /nonexistent.json: No such file or directory (a snapshot file, or a PID)\n",
		     err);
	EXPECT_EQ(2, run_cli("-j", "diff", path, "/proc/self/status"));
	EXPECT_NE(NULL, strstr(err, "/proc/self/status: not an mmscope snapshot (not JSON: line 1, column 1:"))
		TH_LOG("%s", err);
	root = json_parse(out);
	ASSERT_NE(NULL, root);
	EXPECT_NE(NULL, json_get(root, "error"));
	json_free(root);
	for (i = 0; i < sizeof(not_snapshots) / sizeof(not_snapshots[0]); i++) {
		fd = open(path, O_WRONLY | O_TRUNC);
		ASSERT_LE(0, fd);
		n = strlen(not_snapshots[i][0]);
		ASSERT_EQ(n, write(fd, not_snapshots[i][0], n));
		close(fd);
		EXPECT_EQ(2, run_cli("diff", path, pid_s));
		EXPECT_NE(NULL, strstr(err, not_snapshots[i][1])) TH_LOG("%s", err);
	}
	EXPECT_EQ(2, run_cli("diff", "-", "-"));
	EXPECT_EQ(1, run_cli("snapshot", "2"));
	EXPECT_STREQ("mmscope: PID 2 is a kernel thread: it has no user address space\n", err);
	EXPECT_EQ(2, run_cli("snapshot"));
	EXPECT_EQ(2, run_cli("snapshot", "12x"));
	unlink(path);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	EXPECT_EQ(1, run_cli("snapshot", pid_s));
	EXPECT_NE(NULL, strstr(err, "no such process")) TH_LOG("%s", err);
	EXPECT_EQ(2, run_cli("diff", pid_s, pid_s));
	close(cmd[1]);
	close(ack[0]);
}

TEST_HARNESS_MAIN
