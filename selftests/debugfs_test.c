// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs files, read as text: each of them is checked against a
 * kernel oracle, /proc or the ioctl that answers the same query (target,
 * mm, maps, lookup, pagetable, pages, smaps, vmatree, tlb, faultlab/stats
 * and faultlab/log); and every bad write gets its errno, on every writable
 * file.
 */
#include <errno.h>
#include <inttypes.h>
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
	long long vmsize, vmpte_before, vmpte = -1, pgtables = -2;
	int tries;

	ASSERT_EQ(0, set_target(getpid()));
	/*
	 * A page table can appear between the module's read and /proc's (a
	 * buffer's first touch, the stack): compare in a window where /proc
	 * says the same before and after the module's read.
	 */
	memset(text, 0, sizeof(text));
	for (tries = 0; tries < 10 && vmpte != pgtables; tries++) {
		vmpte_before = proc_status(0, "VmPTE");
		ASSERT_GT(read_file(DEBUGFS_DIR "/mm", text, sizeof(text)), 0);
		vmpte = proc_status(0, "VmPTE");
		pgtables = text_field(text, "pgtables_bytes") / 1024;
		if (vmpte != vmpte_before)
			pgtables = -2;	/* not a quiet window: again */
	}
	vmsize = proc_status(0, "VmSize");
	EXPECT_EQ(getpid(), text_field(text, "pid"));
	EXPECT_NE(NULL, strstr(text, "kernel_thread:  no\n"));
	EXPECT_EQ(vmsize, text_field(text, "total_vm") * 4);
	EXPECT_EQ(proc_stat_field(0, 26), (unsigned long long)text_field(text, "start_code"));
	EXPECT_EQ(proc_stat_field(0, 28), (unsigned long long)text_field(text, "start_stack"));
	EXPECT_EQ(vmpte, pgtables);
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

	pid = fork_waiting(wake);
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	ASSERT_EQ(0, set_target(pid));
	ASSERT_GT(read_file(DEBUGFS_DIR "/maps", text, sizeof(text)), 0);
	ASSERT_EQ(0, wake_child(wake));
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

	/*
	 * Hex as maps prints it, with leading zeros and no 0x, works too; the
	 * gap below the VMA is reported.
	 */
	snprintf(addr, sizeof(addr), "%016lx", (unsigned long)p - 4096);
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
	ASSERT_EQ(0, madvise_no_thp(p, 16 * 4096));
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
	/* Space-separated, in bare hex, works too. */
	snprintf(range, sizeof(range), "%016lx %lx", (unsigned long)p,
		 (unsigned long)p + 4096);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	EXPECT_EQ(NULL, strstr(text, " none "));
	/* START+LEN, with a unit or in hex: the two present pages. */
	snprintf(range, sizeof(range), "%lx+8K", (unsigned long)p);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	EXPECT_EQ(NULL, strstr(text, " none "));
	for (lines = 0, line = text; (line = strchr(line, '\n')); line++)
		lines++;
	EXPECT_EQ(2, lines);
	snprintf(range, sizeof(range), "%p+0x2000", (void *)p);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	for (lines = 0, line = text; (line = strchr(line, '\n')); line++)
		lines++;
	EXPECT_EQ(2, lines);
	/* A bare length could be bytes or pages: refused, as are 64-bit wraps. */
	snprintf(range, sizeof(range), "%p+8192", (void *)p);
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", range));
	snprintf(range, sizeof(range), "%p+2X", (void *)p);
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", range));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", "ffffffffffff0000+1M"));
	/* "START +LEN" is neither START END (kstrtou64 takes '+') nor START+LEN. */
	snprintf(range, sizeof(range), "%lx +2000", (unsigned long)p);
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/pages", range));
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

/*
 * The input audit of every writable file. They share one parser: at most
 * 63 bytes, surrounding whitespace and a missing newline are fine, nothing
 * else is; a number too large for u64 is ERANGE, anything else malformed is
 * EINVAL; an address must be below TASK_SIZE_MAX, a PID in 1..INT_MAX and
 * alive (ESRCH). A refused write leaves the last good input in effect.
 */
struct bad_input {
	const char *bytes;
	size_t len;		/* 0: strlen(bytes) */
	int err;
};

#define BAD(s, e) { s, sizeof(s) - 1, e }

/* Inputs that every file refuses, whatever it parses. */
static const struct bad_input bad_for_all[] = {
	BAD("", EINVAL),
	BAD(" ", EINVAL),
	BAD("\n", EINVAL),
	BAD(" \t \n", EINVAL),
	BAD("\n\n", EINVAL),
	BAD("xyz", EINVAL),	/* hex reads "abc" */
	BAD("-1", EINVAL),
	BAD("0x", EINVAL),
	BAD("12xyz", EINVAL),
};

/* A write of exactly these bytes: 0 or -errno. */
static int write_bytes(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n < 0 ? -errno : n == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return n;
}

/* Printable: the bytes of an input, for a log line. */
static const char *shown(const char *buf, size_t len)
{
	static char out[512];
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof(out); i++) {
		if (buf[i] == '\n')
			o += snprintf(out + o, sizeof(out) - o, "\\n");
		else if (buf[i] == '\t')
			o += snprintf(out + o, sizeof(out) - o, "\\t");
		else if (buf[i] == '\0')
			o += snprintf(out + o, sizeof(out) - o, "\\0");
		else
			out[o++] = buf[i];
	}
	out[o] = '\0';
	return out;
}

/* What the file reads back for a good input: a prefix or a substring. */
static bool reads_back(const char *file, const char *value)
{
	char path[128], want[128];
	unsigned long long a, b;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", file);
	if (read_file(path, text, sizeof(text)) <= 0)
		return false;
	if (!strcmp(file, "target")) {
		snprintf(want, sizeof(want), "%llu ", strtoull(value, NULL, 0));
		return !strncmp(text, want, strlen(want));
	}
	if (!strcmp(file, "pages")) {
		if (sscanf(value, "%llx%*[ -]%llx", &a, &b) != 2)
			return false;
		snprintf(want, sizeof(want), "%016llx ", a);
		return !strncmp(text, want, strlen(want));
	}
	a = strtoull(value, NULL, 16);
	snprintf(want, sizeof(want), !strcmp(file, "lookup") ? "addr:     %#llx\n" :
		 "addr: %#llx  ", a);
	return strstr(text, want) != NULL;
}

/* value, padded to len bytes: leading spaces, then maybe a newline. */
static size_t padded(char *out, const char *value, size_t len, bool newline)
{
	size_t vlen = strlen(value) + newline;

	memset(out, ' ', len - vlen);
	memcpy(out + len - vlen, value, strlen(value));
	if (newline)
		out[len - 1] = '\n';
	return len;
}

/*
 * Audit one file: @good and @other are two good inputs; each bad input is
 * refused with its errno while @good stays in effect; each spelling of
 * @other is taken.
 */
static void audit(struct __test_metadata *_metadata, const char *file,
		  const char *good, const char *other,
		  const struct bad_input *bad, size_t nbad)
{
	const struct bad_input *list[2] = { bad_for_all, bad };
	size_t sizes[2] = { ARRAY_SIZE(bad_for_all), nbad };
	char path[128], buf[128];
	const struct bad_input *b;
	size_t i, l, len, vlen;
	int ret;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", file);
	ASSERT_EQ(0, write_file(path, good));
	ASSERT_TRUE(reads_back(file, good)) TH_LOG("%s reads %s", file, text);

	for (l = 0; l < 2; l++) {
		for (i = 0; i < sizes[l]; i++) {
			b = &list[l][i];
			len = b->len ? b->len : strlen(b->bytes);
			ret = write_bytes(path, b->bytes, len);
			EXPECT_EQ(-b->err, ret) TH_LOG("%s: \"%s\" (%zu bytes): %s",
						       file, shown(b->bytes, len), len,
						       strerror(-ret));
			EXPECT_TRUE(reads_back(file, good))
				TH_LOG("%s after \"%s\": %s", file, shown(b->bytes, len), text);
			if (!ret)	/* it was taken: go back to the good input */
				ASSERT_EQ(0, write_file(path, good));
		}
	}

	/* Too long: 64 and 65 bytes of spaces and a good value. */
	for (len = 64; len <= 65; len++) {
		padded(buf, good, len, len == 65);
		EXPECT_EQ(-EINVAL, write_bytes(path, buf, len))
			TH_LOG("%s: %zu bytes", file, len);
		EXPECT_TRUE(reads_back(file, good));
	}
	/* A NUL byte inside, or after the value. */
	vlen = strlen(good);
	memcpy(buf, good, vlen);
	buf[vlen] = '\0';
	buf[vlen + 1] = '\n';
	EXPECT_EQ(-EINVAL, write_bytes(path, buf, vlen + 2)) TH_LOG("%s: NUL, newline", file);
	memcpy(buf, good, 1);
	buf[1] = '\0';
	memcpy(buf + 2, good + 1, vlen - 1);
	EXPECT_EQ(-EINVAL, write_bytes(path, buf, vlen + 1)) TH_LOG("%s: \"%s\"", file,
								      shown(buf, vlen + 1));
	buf[0] = '\0';
	memcpy(buf + 1, good, vlen);
	EXPECT_EQ(-EINVAL, write_bytes(path, buf, vlen + 1)) TH_LOG("%s: leading NUL", file);
	EXPECT_TRUE(reads_back(file, good));

	/* Every spelling of a good input is taken. */
	vlen = strlen(other);
	for (i = 0; i < 5; i++) {
		switch (i) {
		case 0:
			len = snprintf(buf, sizeof(buf), "%s\n", other);
			break;
		case 1:
			len = snprintf(buf, sizeof(buf), "%s", other);
			break;
		case 2:
			len = snprintf(buf, sizeof(buf), " \t %s \t\n", other);
			break;
		case 3:
			len = padded(buf, other, 63, false);
			break;
		default:
			len = padded(buf, other, 63, true);
			break;
		}
		ASSERT_EQ(0, write_file(path, good));
		ret = write_bytes(path, buf, len);
		EXPECT_EQ(0, ret) TH_LOG("%s: \"%s\" (%zu bytes): %s", file, shown(buf, len),
					 len, strerror(-ret));
		EXPECT_TRUE(reads_back(file, ret ? good : other))
			TH_LOG("%s after \"%s\": %s", file, shown(buf, len), text);
	}
}

TEST(audit_target)
{
	char good[32], other[32], dead[32];
	struct bad_input bad[] = {
		BAD("0", EINVAL),
		BAD("00", EINVAL),
		BAD("2147483648", EINVAL),		/* INT_MAX + 1 */
		BAD("4294967297", EINVAL),		/* 1 after 32-bit wrap */
		BAD("18446744073709551615", EINVAL),	/* U64_MAX */
		BAD("1 2", EINVAL),
		BAD("99999999999999999999", ERANGE),
		BAD("18446744073709551616", ERANGE),	/* U64_MAX + 1 */
		{ dead, 0, ESRCH },
	};
	pid_t child;

	/* The other good target is another process: a child that waits. */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		pause();
		_exit(0);
	}
	snprintf(good, sizeof(good), "%d", getpid());
	snprintf(other, sizeof(other), "%d", child);
	snprintf(dead, sizeof(dead), "%d", unused_pid());
	audit(_metadata, "target", good, other, bad, ARRAY_SIZE(bad));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	set_target(getpid());
}

/* lookup and pagetable take one address. */
static void audit_address_file(struct __test_metadata *_metadata, const char *file)
{
	unsigned long long ts = task_size();
	char last[32], above[32], path[128];
	struct bad_input bad[] = {
		BAD("0x200000000000000", EINVAL),	/* 1 << 57 */
		BAD("0xffff800000000000", EINVAL),
		BAD("0xffffffffffffffff", EINVAL),
		BAD("ffffffffffffffff", EINVAL),	/* hex, as every address */
		BAD("0x1000 0x2000", EINVAL),
		BAD("0x1000-0x2000", EINVAL),
		BAD("0x1000x", EINVAL),
		BAD("99999999999999999999", ERANGE),
		BAD("18446744073709551616", ERANGE),
		BAD("0x10000000000000000", ERANGE),
		{ above, 0, EINVAL },
	};

	ASSERT_NE(0, ts);
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(last, sizeof(last), "%#llx", ts - 1);
	snprintf(above, sizeof(above), "%#llx", ts);
	audit(_metadata, file, "0x10000", "0x7f0000002000", bad, ARRAY_SIZE(bad));
	/* The last address below TASK_SIZE_MAX is fine, in bare hex too. */
	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", file);
	EXPECT_EQ(0, write_file(path, last));
	EXPECT_TRUE(reads_back(file, last)) TH_LOG("%s", text);
	snprintf(last, sizeof(last), "%016llx", ts - 4096);
	EXPECT_EQ(0, write_file(path, last));
	EXPECT_TRUE(reads_back(file, last)) TH_LOG("%s", text);
}

TEST(audit_lookup)
{
	audit_address_file(_metadata, "lookup");
}

TEST(audit_pagetable)
{
	audit_address_file(_metadata, "pagetable");
}

TEST(audit_pages)
{
	unsigned long long ts = task_size();
	char to_end[64], past_end[64];
	struct bad_input bad[] = {
		BAD("0x5000", EINVAL),
		BAD("0x5000-", EINVAL),
		BAD("0x5000 ", EINVAL),
		BAD("-0x5000", EINVAL),
		BAD("0x5000-0x3000", EINVAL),
		BAD("0x5000-0x5000", EINVAL),
		BAD("0x5000 0x5000", EINVAL),
		BAD("0x1000-0x2000-0x3000", EINVAL),
		BAD("0x1000 0x2000 0x3000", EINVAL),
		BAD("0x1000-0x2000x", EINVAL),
		BAD("0x1000-99999999999999999999", ERANGE),
		BAD("99999999999999999999 0x2000", ERANGE),
		BAD("0x1000 0x10000000000000000", ERANGE),
		BAD("0x200000000000000-0x200000001000000", EINVAL),
		BAD("0x1000-0x200000000000000", EINVAL),
		BAD("0xffff800000000000 0xffff800000001000", EINVAL),
		BAD("0x1000-0xffffffffffffffff", EINVAL),
		{ past_end, 0, EINVAL },
	};

	ASSERT_NE(0, ts);
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(to_end, sizeof(to_end), "%#llx-%#llx", ts - 0x2000, ts);
	snprintf(past_end, sizeof(past_end), "%#llx-%#llx", ts - 0x2000, ts + 0x1000);
	audit(_metadata, "pages", "0x10000-0x20000", "0x30000 0x40000", bad, ARRAY_SIZE(bad));
	audit(_metadata, "pages", "0000000000010000 20000", "0x30000-40000", bad, ARRAY_SIZE(bad));
	/* A range may end at TASK_SIZE_MAX. */
	EXPECT_EQ(0, write_file(DEBUGFS_DIR "/pages", to_end));
	EXPECT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
}

/*
 * A child that sleeps until it is killed: a target that changes nothing, once
 * it sleeps. Until then it is breaking the COW of the stack and data pages
 * that fork() write-protected, and every break flushes its mm (tlb_gen moves).
 * pause() is its only sleep: state S (not the D of a fault waiting on a lock)
 * means it is there.
 */
static pid_t sleeper(void)
{
	char path[64], stat[256], *state;
	pid_t pid = fork();
	int i;

	if (!pid) {
		for (;;)
			pause();
	}
	if (pid < 0)
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 10000; i++) {
		if (read_file(path, stat, sizeof(stat)) > 0) {
			state = strrchr(stat, ')');
			if (state && state[1] == ' ' && state[2] == 'S')
				return pid;
		}
		usleep(1000);
	}
	return pid;	/* not asleep after 10 s: the comparisons will say so */
}

/* A sleeper made the target, and @file read into text: its length. */
static ssize_t sleeper_read(const char *file, pid_t *pid)
{
	char path[128];

	*pid = sleeper();
	if (*pid < 0 || set_target(*pid))
		return -1;
	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", file);
	return read_file(path, text, sizeof(text));
}

static void sleeper_end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The line of @t that starts with @prefix, cut at its newline, or NULL. */
static char *text_line(char *t, const char *prefix)
{
	size_t n = strlen(prefix);
	char *line = t;

	while (line && strncmp(line, prefix, n)) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (line)
		*strchrnul(line, '\n') = '\0';
	return line;
}

/* The VMA that lookup shows begins with its /proc/PID/maps line. */
TEST(lookup_matches_proc)
{
	char addr[32], *vma;
	int n, i, checked = 0;

	ASSERT_EQ(0, set_target(getpid()));
	n = proc_maps(0, maps, 1024);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		/* The stack moves under a test: its line may change. */
		if (strstr(maps[i].line, "[stack]"))
			continue;
		snprintf(addr, sizeof(addr), "%" PRIx64, maps[i].start);
		ASSERT_EQ(0, write_file(DEBUGFS_DIR "/lookup", addr));
		ASSERT_GT(read_file(DEBUGFS_DIR "/lookup", text, sizeof(text)), 0);
		vma = text_line(text, "vma:      ");
		ASSERT_NE(NULL, vma) TH_LOG("%s", text);
		vma += strlen("vma:      ");
		EXPECT_EQ(0, strncmp(vma, maps[i].line, strlen(maps[i].line)))
			TH_LOG("lookup: '%s'\\n/proc:  '%s'", vma, maps[i].line);
		EXPECT_EQ(0, text_field(text, "gap"));
		checked++;
	}
	EXPECT_GT(checked, 3);
}

/* Each record of pages says what /proc/PID/pagemap says of its pages. */
TEST(pages_match_pagemap)
{
	unsigned long long addr, size, pfn;
	uint64_t e[16];
	char range[64], state[32], *line, *next;
	int i, present = 0, none = 0;
	char *p;

	p = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, 16 * 4096));
	for (i = 0; i < 16; i += 3)
		p[i * 4096] = 1;
	ASSERT_EQ(0, set_target(getpid()));
	snprintf(range, sizeof(range), "%p+64K", (void *)p);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", range));
	ASSERT_GT(read_file(DEBUGFS_DIR "/pages", text, sizeof(text)), 0);
	ASSERT_EQ(0, pagemap_read(0, (uintptr_t)p, 16, e));
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		ASSERT_NE(NULL, next);
		*next++ = '\0';
		ASSERT_EQ(3, sscanf(line, "%llx %llx %31s", &addr, &size, state)) TH_LOG("%s", line);
		ASSERT_GE(addr, (uintptr_t)p);
		ASSERT_LE(addr + size, (uintptr_t)p + 16 * 4096);
		for (i = (addr - (uintptr_t)p) / 4096; i < (int)((addr + size - (uintptr_t)p) / 4096); i++) {
			if (!strcmp(state, "present")) {
				ASSERT_NE(NULL, strstr(line, " pfn="));
				pfn = strtoull(strstr(line, " pfn=") + 5, NULL, 16);
				EXPECT_TRUE(e[i] & PM_PRESENT) TH_LOG("%s", line);
				EXPECT_EQ(e[i] & PM_PFN_MASK, pfn) TH_LOG("%s", line);
				present++;
			} else {
				EXPECT_STREQ("none", state);
				EXPECT_FALSE(e[i] & PM_PRESENT) TH_LOG("%s", line);
				none++;
			}
		}
	}
	EXPECT_EQ(6, present);
	EXPECT_EQ(10, none);
	munmap(p, 16 * 4096);
}

/* The smaps record of a quiet VMA has /proc/PID/smaps's sizes. */
TEST(smaps_matches_proc)
{
	static const char *const keys[] = {
		"Size", "Rss", "Pss", "Private_Dirty", "Anonymous", "Referenced",
	};
	char head[64], field[32], *rec;
	long long ours;
	size_t k;
	pid_t pid;
	int i;
	char *p;

	p = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise_no_thp(p, 64 * 4096));
	for (i = 0; i < 10; i++)
		p[i * 4096] = 1;
	/* A child that sleeps: its copy of the mapping changes no more. */
	ASSERT_GT(sleeper_read("smaps", &pid), 0);
	snprintf(head, sizeof(head), "%08lx-%08lx\n", (unsigned long)p,
		 (unsigned long)p + 64 * 4096);
	rec = strstr(text, head);
	ASSERT_NE(NULL, rec) TH_LOG("no %s", head);
	*strchrnul(rec + strlen(head), '-') = '\0';	/* the next record's range */
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		snprintf(field, sizeof(field), "\n%s:", keys[k]);
		ASSERT_NE(NULL, strstr(rec, field)) TH_LOG("%s", rec);
		ours = strtoll(strstr(rec, field) + strlen(field), NULL, 10);
		EXPECT_EQ(proc_smaps_field(pid, (uintptr_t)p, keys[k]), ours)
			TH_LOG("%s", keys[k]);
	}
	sleeper_end(pid);
	munmap(p, 64 * 4096);
}

/* vmatree: the nodes and the summary of MMSCOPE_IOC_VMATREE. */
TEST(vmatree_matches_ioctl)
{
	struct mmscope_vmatree_node *nodes = NULL;
	struct mmscope_vmatree req;
	unsigned long long n;
	unsigned int height, ma_flags, heads = 0;
	size_t count = 0, i;
	char want[128], *summary, *line;
	int fd;
	pid_t pid;

	ASSERT_GT(sleeper_read("vmatree", &pid), 0);
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	memset(&req, 0, sizeof(req));
	ASSERT_EQ(0, mms_vmatree_all(fd, &req, &nodes, &count));
	summary = strstr(text, "height=");
	ASSERT_NE(NULL, summary) TH_LOG("%s", text);
	ASSERT_EQ(3, sscanf(summary, "height=%u nodes=%llu ma_flags=%x", &height, &n,
			    &ma_flags));
	EXPECT_EQ(req.height, height);
	EXPECT_EQ(req.node_count, n);
	EXPECT_EQ(req.ma_flags, ma_flags);
	/* A node's own line, then one per slot. */
	for (line = text; line < summary; line = strchr(line, '\n') + 1) {
		if (!strncmp(line + strspn(line, " "), "node ", 5))
			heads++;
	}
	EXPECT_EQ(count, heads);
	for (i = 0; i < count; i++) {
		snprintf(want, sizeof(want), "node %u ", nodes[i].id);
		line = strstr(text, want);
		ASSERT_NE(NULL, line) TH_LOG("no %s", want);
		*strchrnul(line, '\n') = '\0';
		snprintf(want, sizeof(want), " depth=%u parent=%d slot=%u [%llx, %llx]",
			 nodes[i].depth, (int)nodes[i].parent, nodes[i].parent_slot,
			 (unsigned long long)nodes[i].min, (unsigned long long)nodes[i].max);
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("'%s', not '%s'", line, want);
		line[strlen(line)] = '\n';
	}
	free(nodes);
	close(fd);
	sleeper_end(pid);
}

/*
 * tlb: the mm's context as MMSCOPE_IOC_TLB reads it, and its pgd as mm's.
 * The file is read between two ioctls: ctx_id and pgd_phys may not change,
 * tlb_gen only between the two (nothing should flush a sleeper, but the
 * kernel may: compaction, NUMA hinting).
 */
TEST(tlb_matches_ioctl)
{
	struct mmscope_tlb before, after;
	unsigned long long ctx_id, gen, pgd_phys;
	uint32_t ncpus = 0;
	long long pgd;
	char *line;
	int fd;
	pid_t pid;

	ASSERT_GT(sleeper_read("mm", &pid), 0);
	pgd = text_field(text, "pgd_phys");
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	memset(&before, 0, sizeof(before));
	ASSERT_EQ(0, mms_tlb(fd, 0, &before, NULL, &ncpus));
	ASSERT_GT(read_file(DEBUGFS_DIR "/tlb", text, sizeof(text)), 0);
	memset(&after, 0, sizeof(after));
	ASSERT_EQ(0, mms_tlb(fd, 0, &after, NULL, &ncpus));
	line = text_line(text, "ctx_id ");
	ASSERT_NE(NULL, line) TH_LOG("%s", text);
	ASSERT_EQ(3, sscanf(line, "ctx_id %llu tlb_gen %llu pgd_phys %llx ", &ctx_id, &gen,
			    &pgd_phys)) TH_LOG("%s", line);
	EXPECT_EQ(before.ctx_id, ctx_id);
	EXPECT_EQ(after.ctx_id, ctx_id);
	EXPECT_LE(before.tlb_gen, gen) TH_LOG("%s", line);
	EXPECT_GE(after.tlb_gen, gen) TH_LOG("%s", line);
	if (before.tlb_gen != after.tlb_gen)
		TH_LOG("the sleeper's mm was flushed meanwhile: tlb_gen %llu to %llu",
		       (unsigned long long)before.tlb_gen, (unsigned long long)after.tlb_gen);
	EXPECT_EQ(before.pgd_phys, pgd_phys);
	EXPECT_EQ((long long)before.pgd_phys, pgd);
	close(fd);
	sleeper_end(pid);
}

/* faultlab/stats and faultlab/log: a lab's counters and events, as its ioctls. */
TEST(faultlab_matches_ioctls)
{
	struct mmscope_faultlab_event ev[8];
	struct mmscope_faultlab_stats st;
	char key[64], want[160], *line;
	uint64_t id, last, lost;
	uint32_t n = 8, i;
	volatile char *p;
	int fd;

	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PATTERN, 4 * 4096, 0, &id);
	ASSERT_GE(fd, 0);
	p = mmap(NULL, 4 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, (void *)p);
	(void)p[0];
	(void)p[2 * 4096];
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(0, mms_faultlab_stats(fd, &st));
	ASSERT_GT(read_file(DEBUGFS_DIR "/faultlab/stats", text, sizeof(text)), 0);
	snprintf(key, sizeof(key), "lab=%llu ", (unsigned long long)id);
	line = text_line(text, key);
	ASSERT_NE(NULL, line) TH_LOG("%s", text);
	snprintf(want, sizeof(want), " resident=%llu ",
		 (unsigned long long)st.pages_resident);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	snprintf(want, sizeof(want), " faults_read=%llu ",
		 (unsigned long long)st.lab.faults_read);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);

	ASSERT_EQ(0, mms_faultlab_log(fd, 0, 0, ev, &n, &last, &lost));
	ASSERT_GT(read_file(DEBUGFS_DIR "/faultlab/log", text, sizeof(text)), 0);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "\n%llu %llu.%09llu lab=%llu tgid=%u tid=%u ",
			 (unsigned long long)ev[i].seq,
			 (unsigned long long)(ev[i].time_ns / 1000000000),
			 (unsigned long long)(ev[i].time_ns % 1000000000),
			 (unsigned long long)ev[i].lab_id, ev[i].tgid, ev[i].tid);
		EXPECT_NE(NULL, strstr(text, want)) TH_LOG("no %s in %s", want + 1, text);
	}
	munmap((void *)p, 4 * 4096);
	close(fd);
}

TEST_HARNESS_MAIN
