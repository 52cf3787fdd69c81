// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_VMAS with MMSCOPE_VMAS_BRIEF: brief records and their paths
 * in a separate buffer, against /proc/PID/maps of a forked child, against
 * the full records of the same child, and at the edges of the paths'
 * buffer (paths that do not fit, a buffer too small, old-size requests).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define MAX_VMAS 4096
#define LONG_FILES 6		/* files with paths of about 2,800 bytes */
#define SHORT_FILES 32		/* and with short ones, between them */

static struct mmscope_vma full[MAX_VMAS];
static struct mmscope_vma_brief brief[MAX_VMAS];
static struct proc_vma theirs[MAX_VMAS];
static char strings[MAX_VMAS * 64 + LONG_FILES * MMSCOPE_PATH_MAX];

/* A directory chain under /tmp whose path is about 2,800 bytes long. */
static char long_dir[3200];
static size_t base_len;		/* of its first directory */

static int make_long_dir(void)
{
	char part[201];
	size_t len;

	memset(part, 'd', sizeof(part) - 1);
	part[sizeof(part) - 1] = '\0';
	len = snprintf(long_dir, sizeof(long_dir), "/tmp/mmscope-brief-%d", getpid());
	base_len = len;
	if (mkdir(long_dir, 0700))
		return -1;
	while (len + sizeof(part) + 1 < 3000) {
		len += snprintf(long_dir + len, sizeof(long_dir) - len, "/%s", part);
		if (mkdir(long_dir, 0700))
			return -1;
	}
	return 0;
}

/* Map one page of @path, read-only: a file VMA that merges with nothing. */
static int map_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	void *p;

	if (fd < 0 || ftruncate(fd, PAGE))
		return -1;
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	return p == MAP_FAILED ? -1 : 0;
}

/* The child's VMAs: long paths, short ones, and anonymous ones between. */
static uint64_t make_child_vmas(void *arg)
{
	char path[MMSCOPE_PATH_MAX];
	int i;

	for (i = 0; i < LONG_FILES + SHORT_FILES; i++) {
		if (i < LONG_FILES)
			snprintf(path, sizeof(path), "%s/long-%d", long_dir, i);
		else
			snprintf(path, sizeof(path), "/tmp/mmscope-brief-%d-s%d",
				 getppid(), i);
		if (map_file(path))
			_exit(1);
		if (mmap(NULL, PAGE, i % 2 ? PROT_READ : PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			_exit(1);
	}
	return 0;
}

static void cleanup_files(pid_t parent)
{
	char path[MMSCOPE_PATH_MAX], *slash;
	int i;

	for (i = 0; i < LONG_FILES + SHORT_FILES; i++) {
		if (i < LONG_FILES)
			snprintf(path, sizeof(path), "%s/long-%d", long_dir, i);
		else
			snprintf(path, sizeof(path), "/tmp/mmscope-brief-%d-s%d", parent, i);
		unlink(path);
	}
	while (strlen(long_dir) >= base_len && (slash = strrchr(long_dir, '/'))) {
		rmdir(long_dir);
		*slash = '\0';
	}
}

/*
 * Brief records with @strings_size bytes of paths per call and @batch
 * records per call; each call's path offsets made to count from
 * strings[0]. Returns the records, or -errno. *@calls counts the calls.
 */
static int list_brief(int fd, uint32_t strings_size, uint32_t batch, int *calls)
{
	struct mmscope_vmas req;
	uint64_t start = 0;
	size_t used = 0;
	int n = 0, i;

	*calls = 0;
	for (;;) {
		if (n + batch > MAX_VMAS || used + strings_size > sizeof(strings))
			return -ENOSPC;
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = MMSCOPE_VMAS_BRIEF;
		req.start = start;
		req.vmas_ptr = (uintptr_t)(brief + n);
		req.vma_size = sizeof(*brief);
		req.count = batch;
		req.strings_ptr = (uintptr_t)(strings + used);
		req.strings_size = strings_size;
		req.strings_used = 12345;	/* an output: ignored on input */
		if (ioctl(fd, MMSCOPE_IOC_VMAS, &req))
			return -errno;
		(*calls)++;
		if ((!req.count && !(req.out_flags & MMSCOPE_VMAS_DONE)) ||
		    req.strings_used > strings_size)
			return -EPROTO;	/* no progress, or beyond the buffer */
		for (i = n; i < n + (int)req.count; i++) {
			if (brief[i].path_offset + brief[i].path_len >= req.strings_used ||
			    strings[used + brief[i].path_offset + brief[i].path_len])
				return -EPROTO;	/* a path outside the bytes used, or not ended */
			brief[i].path_offset += used;
		}
		n += req.count;
		used += req.strings_used;
		start = req.next;
		if (req.out_flags & MMSCOPE_VMAS_DONE)
			return n;
	}
}

/* A full record's fields from a brief one and its path, to compare. */
static void to_full(const struct mmscope_vma_brief *b, struct mmscope_vma *v)
{
	memset(v, 0, sizeof(*v));
	memcpy(v, b, offsetof(struct mmscope_vma, path));
	memcpy(v->path, strings + b->path_offset, b->path_len + 1);
}

FIXTURE(child) {
	pid_t pid;
	int fd;
};

FIXTURE_VARIANT(child) {
	uint32_t strings_size;	/* per call */
	uint32_t batch;		/* records per call */
};

/* Paths' room for one path: the long ones end calls early. */
FIXTURE_VARIANT_ADD(child, one_path_of_room) {
	.strings_size = MMSCOPE_PATH_MAX, .batch = 256,
};

/* Room for every path: calls end on the record count. */
FIXTURE_VARIANT_ADD(child, ample_room) {
	.strings_size = 64 * 1024, .batch = 16,
};

/* One record a call: the cursor alone walks the list. */
FIXTURE_VARIANT_ADD(child, one_by_one) {
	.strings_size = MMSCOPE_PATH_MAX, .batch = 1,
};

FIXTURE_SETUP(child)
{
	ASSERT_EQ(0, make_long_dir());
	self->pid = start_child(make_child_vmas, NULL, NULL);
	ASSERT_GT(self->pid, 0);
	self->fd = open_target(self->pid);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(child)
{
	close(self->fd);
	stop_child(self->pid);
	cleanup_files(getpid());
}

/* Every record and path as /proc/PID/maps says, and as the full records say. */
TEST_F(child, matches_proc_and_full_records)
{
	int n, nproc, nfull, calls, i, longs = 0, bad = 0;
	struct mmscope_vma v;

	n = list_brief(self->fd, variant->strings_size, variant->batch, &calls);
	nproc = proc_maps(self->pid, theirs, MAX_VMAS);
	nfull = list_vmas(self->fd, full, MAX_VMAS, MAX_VMAS);
	ASSERT_GT(n, 2 * (LONG_FILES + SHORT_FILES));
	ASSERT_EQ(nproc, n);
	ASSERT_EQ(nfull, n);
	for (i = 0; i < n; i++) {
		to_full(&brief[i], &v);
		if (brief[i].path_len > 2500)
			longs++;
		EXPECT_EQ(strlen((char *)v.path), brief[i].path_len);
		if (!vma_matches_proc(&v, &theirs[i]) || memcmp(&v, &full[i], sizeof(v))) {
			if (bad++ < 3)
				TH_LOG("record %d: '%s' against /proc '%s'", i,
				       (char *)v.path, theirs[i].line);
		}
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(LONG_FILES, longs);
	/* With one path of room, two long paths never share a call. */
	if (variant->strings_size == MMSCOPE_PATH_MAX)
		EXPECT_GE(calls, LONG_FILES);
}

/* An anonymous VMA costs its path's NUL, and says "" at its offset. */
TEST_F(child, anonymous_paths_are_empty)
{
	int n, calls, i, anon = 0;

	n = list_brief(self->fd, variant->strings_size, variant->batch, &calls);
	ASSERT_GT(n, 0);
	for (i = 0; i < n; i++) {
		if (brief[i].flags & MMSCOPE_VMA_FILE || brief[i].path_len)
			continue;
		anon++;
		EXPECT_EQ('\0', strings[brief[i].path_offset]);
	}
	EXPECT_GE(anon, LONG_FILES + SHORT_FILES);
}

/* The first version's 48-byte request: full records, and 48 bytes back. */
TEST_F(child, old_size_request_unchanged)
{
	struct {
		struct mmscope_vmas req;
		char canary[16];
	} old;
	int n = list_vmas(self->fd, full, MAX_VMAS, MAX_VMAS);

	ASSERT_GT(n, 1);
	memset(&old, 0xa5, sizeof(old));
	memset(&old.req, 0, MMSCOPE_VMAS_SIZE_VER0);
	old.req.size = MMSCOPE_VMAS_SIZE_VER0;
	old.req.vmas_ptr = (uintptr_t)&full[MAX_VMAS - 1];
	old.req.vma_size = sizeof(full[0]);
	old.req.count = 1;
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_VMAS, &old.req));
	EXPECT_EQ(1, old.req.count);
	EXPECT_EQ(0, memcmp(&full[0], &full[MAX_VMAS - 1], sizeof(full[0])));
	EXPECT_EQ(full[0].end, old.req.next);
	/* Past the first version nothing is written back. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, old.req.strings_ptr);
	EXPECT_EQ(0xa5a5a5a5U, old.req.strings_used);
}

/* The paths' buffer: only with the flag, and with room for any path. */
TEST_F(child, strings_buffer_rules)
{
	struct mmscope_vmas req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = MMSCOPE_VMAS_BRIEF;
	req.vmas_ptr = (uintptr_t)brief;
	req.vma_size = sizeof(brief[0]);
	req.count = 1;
	req.strings_ptr = (uintptr_t)strings;
	req.strings_size = MMSCOPE_PATH_MAX - 1;	/* too small */
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.strings_size = MMSCOPE_PATH_MAX;
	req.strings_ptr = 0;				/* no buffer */
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.strings_ptr = (uintptr_t)strings;
	req.vma_size = sizeof(brief[0]) - 8;		/* record too small */
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.vma_size = sizeof(brief[0]);
	EXPECT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(1, req.count);
	/* Full records with a buffer: the buffer must be 0 without the flag. */
	req.flags = 0;
	req.vmas_ptr = (uintptr_t)full;
	req.vma_size = sizeof(full[0]);
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.strings_ptr = 0;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EINVAL, errno);
	req.strings_size = 0;
	EXPECT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(0, req.strings_used);
	/* An unwritable paths' buffer: EFAULT, never a partial success. */
	req.flags = MMSCOPE_VMAS_BRIEF;
	req.vmas_ptr = (uintptr_t)brief;
	req.vma_size = sizeof(brief[0]);
	req.strings_ptr = (uintptr_t)"read-only";
	req.strings_size = MMSCOPE_PATH_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_VMAS, &req));
	EXPECT_EQ(EFAULT, errno);
}

/* The library's listing, which the CLI uses, is the raw one. */
TEST_F(child, library_listing)
{
	struct mms_vmas all;
	int n, calls, i;

	n = list_brief(self->fd, 64 * 1024, 256, &calls);
	ASSERT_GT(n, 0);
	ASSERT_EQ(0, mms_vmas_brief_all(self->fd, &all));
	ASSERT_EQ(n, all.count);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, memcmp(&all.recs[i], &brief[i],
				    offsetof(struct mmscope_vma_brief, path_offset)));
		EXPECT_STREQ(strings + brief[i].path_offset, mms_vma_path(&all, i));
	}
	mms_vmas_free(&all);
}

TEST_HARNESS_MAIN
