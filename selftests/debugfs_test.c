// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs files: target, mm, maps and lookup, read as text and checked
 * against /proc; and every bad write gets its errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

static char text[1 << 20];
static struct proc_vma maps[1024];

static int set_target(pid_t pid)
{
	char s[16];

	snprintf(s, sizeof(s), "%d\n", pid);
	return write_file(DEBUGFS_DIR "/target", s);
}

/* The value after "key:" in a "key: value" text, as a number. */
static long long text_field(const char *t, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(t, pat);
	if (!p && !strncmp(t, pat + 1, strlen(pat + 1)))
		p = t - 1;
	return p ? strtoll(p + strlen(pat), NULL, 0) : -1;
}

TEST(target_reads_back)
{
	char comm[32], want[64];

	ASSERT_EQ(0, set_target(getpid()));
	ASSERT_GT(read_file("/proc/self/comm", comm, sizeof(comm)), 0);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(want, sizeof(want), "%d %s\n", getpid(), comm);
	ASSERT_GT(read_file(DEBUGFS_DIR "/target", text, sizeof(text)), 0);
	EXPECT_STREQ(want, text);
}

TEST(bad_target_writes)
{
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/target", "abc"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/target", "12abc"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/target", "0"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/target", "-5"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/target", ""));
	EXPECT_EQ(-ERANGE, write_file(DEBUGFS_DIR "/target", "99999999999999999999"));
	EXPECT_EQ(-ESRCH, set_target(unused_pid()));
}

/* Each maps line starts with exactly what /proc/PID/maps prints. */
TEST(maps_lines_match_proc)
{
	char *line, *next, *bar;
	int n, i, tries;
	bool same = false;

	ASSERT_EQ(0, set_target(getpid()));
	for (tries = 0; tries < 10 && !same; tries++) {
		ASSERT_GT(read_file(DEBUGFS_DIR "/maps", text, sizeof(text)), 0);
		n = proc_maps(0, maps, 1024);
		same = true;
		for (i = 0, line = text; *line; line = next, i++) {
			next = strchr(line, '\n');
			ASSERT_NE(NULL, next);
			*next++ = '\0';
			bar = strstr(line, " | vm_flags=");
			ASSERT_NE(NULL, bar);
			*bar = '\0';
			if (i >= n || strcmp(line, maps[i].line)) {
				same = false;
				break;
			}
			/* The extra fields are all there. */
			EXPECT_NE(NULL, strstr(bar + 1, " flags=VM_"));
			EXPECT_NE(NULL, strstr(bar + 1, " anon_vma="));
			EXPECT_NE(NULL, strstr(bar + 1, " vm_ops="));
			EXPECT_NE(NULL, strstr(bar + 1, " kind="));
		}
		same = same && i == n;
	}
	EXPECT_TRUE(same);
}

TEST(mm_matches_status)
{
	long long vmsize;

	ASSERT_EQ(0, set_target(getpid()));
	ASSERT_GT(read_file(DEBUGFS_DIR "/mm", text, sizeof(text)), 0);
	vmsize = proc_status(0, "VmSize");
	EXPECT_EQ(getpid(), text_field(text, "pid"));
	EXPECT_NE(NULL, strstr(text, "kernel_thread:  no\n"));
	EXPECT_EQ(vmsize, text_field(text, "total_vm") * 4);
	EXPECT_EQ(proc_stat_field(0, 26), (unsigned long long)text_field(text, "start_code"));
	EXPECT_EQ(proc_stat_field(0, 28), (unsigned long long)text_field(text, "start_stack"));
	EXPECT_EQ(proc_status(0, "VmPTE"), text_field(text, "pgtables_bytes") / 1024);
	EXPECT_EQ(1, text_field(text, "users"));
}

TEST(kernel_thread_has_no_maps)
{
	ASSERT_EQ(0, set_target(2));
	ASSERT_GT(read_file(DEBUGFS_DIR "/mm", text, sizeof(text)), 0);
	EXPECT_NE(NULL, strstr(text, "kernel_thread:  yes\n"));
	EXPECT_NE(NULL, strstr(text, "mm:             none"));
	EXPECT_EQ(0, read_file(DEBUGFS_DIR "/maps", text, sizeof(text)));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pagetable", "0x400000"));
	EXPECT_EQ(-ENOENT, read_file(DEBUGFS_DIR "/pagetable", text, sizeof(text)));
}

TEST(exited_target)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-ESRCH, set_target(pid));
}

TEST(target_exits_while_set)
{
	int wake[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(wake));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (read(wake[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, set_target(pid));
	ASSERT_GT(read_file(DEBUGFS_DIR "/maps", text, sizeof(text)), 0);
	ASSERT_EQ(1, write(wake[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-ESRCH, read_file(DEBUGFS_DIR "/maps", text, sizeof(text)));
	EXPECT_EQ(-ESRCH, read_file(DEBUGFS_DIR "/mm", text, sizeof(text)));
	EXPECT_EQ(-ESRCH, read_file(DEBUGFS_DIR "/target", text, sizeof(text)));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pagetable", "0x400000"));
	EXPECT_EQ(-ESRCH, read_file(DEBUGFS_DIR "/pagetable", text, sizeof(text)));
}

TEST(lookup_file)
{
	char addr[32], want[128];
	char *p;

	p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(addr, sizeof(addr), "%p", (void *)(p + 4096));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/lookup", addr));
	ASSERT_GT(read_file(DEBUGFS_DIR "/lookup", text, sizeof(text)), 0);
	EXPECT_NE(NULL, strstr(text, "contains: yes\n"));
	snprintf(want, sizeof(want), "vma:      %08lx-%08lx r--p ",
		 (unsigned long)p, (unsigned long)p + 8192);
	EXPECT_NE(NULL, strstr(text, want));

	/* Decimal works too; the gap below the VMA is reported. */
	snprintf(addr, sizeof(addr), "%lu", (unsigned long)p - 4096);
	ASSERT_EQ(0, munmap(p - 4096, 4096));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/lookup", addr));
	ASSERT_GT(read_file(DEBUGFS_DIR "/lookup", text, sizeof(text)), 0);
	EXPECT_NE(NULL, strstr(text, "contains: no\n"));
	EXPECT_EQ(4096, text_field(text, "gap"));
	munmap(p, 8192);
}

TEST(bad_lookup_writes)
{
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/lookup", "nope"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/lookup", "0x8000000000000000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/lookup", "0xffffffff81000000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/lookup", "-1"));
}

/* The walk as text: one line per level, then the page, like crash's vtop. */
TEST(pagetable_file)
{
	char addr[32], want[64];
	uint64_t e;
	int levels = 0;
	char *p, *line;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(addr, sizeof(addr), "%p", (void *)(p + 100));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pagetable", addr));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pagetable", text, sizeof(text)), 0);
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 1, &e));
	for (line = text; (line = strstr(line, " => ")); line++)
		levels++;
	EXPECT_GE(levels, 4);
	EXPECT_NE(NULL, strstr(text, "PGD: "));
	EXPECT_NE(NULL, strstr(text, "PTE: "));
	snprintf(want, sizeof(want), "PAGE: %016llx\n",
		 (unsigned long long)(e & PM_PFN_MASK) * 4096);
	EXPECT_NE(NULL, strstr(text, want));
	EXPECT_NE(NULL, strstr(text, " cow=writable "));
	EXPECT_NE(NULL, strstr(text, "anon_exclusive"));
	munmap(p, 4096);
}

TEST(pages_file)
{
	char range[64];
	int lines = 0;
	char *p, *line;

	p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, 16 * 4096, MADV_NOHUGEPAGE));
	p[0] = 1;
	p[4096] = 1;
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(range, sizeof(range), "%p-%p", (void *)p, (void *)(p + 16 * 4096));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	for (line = text; (line = strchr(line, '\n')); line++)
		lines++;
	/* Two present pages, then one run of fourteen empty ones. */
	EXPECT_EQ(3, lines);
	EXPECT_NE(NULL, strstr(text, " present "));
	EXPECT_NE(NULL, strstr(text, "       e000 none "));
	/* Space-separated works too. */
	snprintf(range, sizeof(range), "%lu %lu", (unsigned long)p,
		 (unsigned long)p + 4096);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	EXPECT_EQ(NULL, strstr(text, " none "));
	munmap(p, 16 * 4096);
}

TEST(bad_pagetable_and_pages_writes)
{
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pagetable", "x"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pagetable", "0x8000000000000000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "abc"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "0x5000-0x3000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "0x5000-0x5000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "0x5000"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "0x1000-0xffffffffffffffff"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages",
				      "0x1000-0x2000 and then a great deal more text than fits"));
}

TEST_HARNESS_MAIN
