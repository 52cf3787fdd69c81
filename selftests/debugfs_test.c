// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs files: target, mm, maps and lookup, read as text and checked
 * against /proc; and every bad write gets its errno, on every writable file.
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

/* This process's TASK_SIZE, which is TASK_SIZE_MAX on x86_64. */
static unsigned long long task_size(void)
{
	struct mmscope_mm_info info;
	int fd = open_target(getpid());
	unsigned long long ts = 0;

	if (fd >= 0 && !mms_mm_info(fd, &info, NULL, NULL))
		ts = info.task_size;
	if (fd >= 0)
		close(fd);
	return ts;
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

TEST_HARNESS_MAIN
