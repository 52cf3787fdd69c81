// SPDX-License-Identifier: GPL-2.0
/*
 * A lab of file mappings: MAP_SHARED maps the page cache's page itself, so
 * a write reaches the file (and dirties the page, which msync() writes
 * back where the file has a backing store); MAP_PRIVATE maps the same page
 * read-only until its first write, which copies it to an anonymous page
 * and leaves the file alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#define KPF_DIRTY 4
#define KPF_ANON 12

static const char *kpf_bit(int64_t flags, int bit, const char *set, const char *clear)
{
	return flags < 0 ? "unreadable" : flags & (1LL << bit) ? set : clear;
}

/* The PFN pagemap gives for @addr of this process, or 0 after a failed check. */
static uint64_t my_pfn(struct lab *lab, const void *addr)
{
	uint64_t pfn = 0;

	if (proc_pagemap(getpid(), (uintptr_t)addr, &pfn) != 1)
		lab_expect(lab, false, "/proc/PID/pagemap: the page is present", "present",
			   "not present");
	return pfn;
}

static char file_byte(int fd)
{
	char c = 0;

	return pread(fd, &c, 1, 0) == 1 ? c : 0;
}

static void expect_cow_at(struct lab *lab, const void *addr, uint32_t want, const char *map)
{
	struct mmscope_page page;
	char what[96];

	if (lab_page(lab, getpid(), (uintptr_t)addr, &page))
		return;
	snprintf(what, sizeof(what), "mmscope: a write through the %s mapping would", map);
	lab_expect_str(lab, what, mms_cow_name(want), mms_cow_name(page.cow));
}

static int file_lab(struct lab *lab)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096], seen[8], want[8];
	char *shared = MAP_FAILED, *private = MAP_FAILED;
	uint64_t pfn, pfn_private;
	struct statfs fs;
	bool backed;
	int fd;

	lab_step(lab, "Create a file of two pages of 'A' in %s, and map it twice: MAP_SHARED and MAP_PRIVATE; read both", dir);
	snprintf(path, sizeof(path), "%s/mmscope-lab-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		lab_broken(lab, "mkstemp in %s: %s", dir, strerror(errno));
		return 0;
	}
	unlink(path);
	{
		char buf[2 * LAB_PAGE];

		memset(buf, 'A', sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			lab_broken(lab, "write of the file: %s", strerror(errno));
			goto out;
		}
	}
	shared = mmap(NULL, 2 * LAB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	private = mmap(NULL, 2 * LAB_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (shared == MAP_FAILED || private == MAP_FAILED) {
		lab_broken(lab, "mmap of the file: %s", strerror(errno));
		goto out;
	}
	(void)*(volatile char *)shared;
	(void)*(volatile char *)private;
	pfn = my_pfn(lab, shared);
	lab_expect_hex(lab, "pagemap: both mappings map the page cache's one page", pfn,
		       my_pfn(lab, private));
	expect_cow_at(lab, private, MMSCOPE_COW_COPY, "private");

	lab_step(lab, "Write 'B' through the shared mapping: the page cache's page changes in place, and is dirty");
	shared[0] = 'B';
	lab_expect_hex(lab, "pagemap: the shared mapping's PFN stayed", pfn, my_pfn(lab, shared));
	expect_cow_at(lab, shared, MMSCOPE_COW_WRITABLE, "shared");
	snprintf(seen, sizeof(seen), "%c", file_byte(fd));
	lab_expect_str(lab, "read() of the file sees the write", "B", seen);
	snprintf(seen, sizeof(seen), "%c", *(volatile char *)private);
	lab_expect_str(lab, "the private mapping, not yet written, sees it too", "B", seen);
	lab_expect_str(lab, "/proc/kpageflags: the page is", "dirty",
		       kpf_bit(proc_kpageflags(pfn), KPF_DIRTY, "dirty", "clean"));

	backed = !(fstatfs(fd, &fs) == 0 &&
		   (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC));
	lab_step(lab, "msync(MS_SYNC): %s", backed ?
		 "the dirty page is written back to the file's disk, and is clean again" :
		 "this file is on tmpfs or ramfs, memory with no disk behind it: nothing to write back, so the page stays dirty");
	if (msync(shared, 2 * LAB_PAGE, MS_SYNC)) {
		lab_broken(lab, "msync: %s", strerror(errno));
		goto out;
	}
	lab_expect_str(lab, "/proc/kpageflags: the page is", backed ? "clean" : "dirty",
		       kpf_bit(proc_kpageflags(pfn), KPF_DIRTY, "dirty", "clean"));

	lab_step(lab, "Write 'C' through the private mapping: wp_page_copy() gives it an anonymous copy; the file keeps 'B'");
	private[0] = 'C';
	pfn_private = my_pfn(lab, private);
	lab_expect_hex_ne(lab, "pagemap: the private mapping's PFN", pfn, pfn_private);
	lab_expect_str(lab, "/proc/kpageflags: the private mapping's page is", "anonymous",
		       kpf_bit(proc_kpageflags(pfn_private), KPF_ANON, "anonymous", "page cache"));
	snprintf(seen, sizeof(seen), "%c", file_byte(fd));
	snprintf(want, sizeof(want), "B");
	lab_expect_str(lab, "read() of the file", want, seen);
	snprintf(seen, sizeof(seen), "%c", *(volatile char *)shared);
	lab_expect_str(lab, "the shared mapping", "B", seen);
	expect_cow_at(lab, private, MMSCOPE_COW_WRITABLE, "private");
out:
	if (shared != MAP_FAILED)
		munmap(shared, 2 * LAB_PAGE);
	if (private != MAP_FAILED)
		munmap(private, 2 * LAB_PAGE);
	close(fd);
	return 0;
}

static const unsigned char file_concepts[] = { 12, 0 };

const struct lab_def lab_file_defs[] = {
	{ "file-mapping", "MAP_SHARED and MAP_PRIVATE file mappings", file_concepts, file_lab },
	{ NULL },
};
