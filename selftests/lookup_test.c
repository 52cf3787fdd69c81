// SPDX-License-Identifier: GPL-2.0
/*
 * lookup: find_vma() semantics, against /proc/self/maps: an address inside
 * a VMA, in a gap, below the first VMA and above the last one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL

static struct proc_vma maps[1024];

FIXTURE(lookup) {
	int fd;
	struct mmscope_mm_info mm;
	struct mmscope_lookup res;
	struct mmscope_vma vma;
};

FIXTURE_SETUP(lookup)
{
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, mms_mm_info(self->fd, &self->mm, NULL, NULL));
}

FIXTURE_TEARDOWN(lookup)
{
	close(self->fd);
}

TEST_F(lookup, inside_a_vma)
{
	int n;

	ASSERT_EQ(0, mms_lookup(self->fd, (uintptr_t)&n, &self->res, &self->vma));
	EXPECT_EQ(MMSCOPE_LOOKUP_FOUND | MMSCOPE_LOOKUP_CONTAINS, self->res.out_flags);
	EXPECT_EQ(0, self->res.gap);
	n = proc_maps(0, maps, 1024);
	ASSERT_GT(n, 0);
	while (n-- > 0)
		if (maps[n].start <= (uintptr_t)&n && (uintptr_t)&n < maps[n].end)
			break;
	ASSERT_GE(n, 0);
	EXPECT_TRUE(vma_matches_proc(&self->vma, &maps[n]));
	EXPECT_STREQ("[stack]", (char *)self->vma.path);
}

TEST_F(lookup, in_a_gap)
{
	char *p;
	int n, i;

	/* Three pages, the middle one unmapped: a one-page hole. */
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + PAGE, PAGE));
	ASSERT_EQ(0, mms_lookup(self->fd, (uintptr_t)p + PAGE + 100, &self->res,
				    &self->vma));
	EXPECT_EQ(MMSCOPE_LOOKUP_FOUND, self->res.out_flags);
	EXPECT_EQ(PAGE - 100, self->res.gap);
	EXPECT_EQ((uintptr_t)p + 2 * PAGE, self->vma.start);

	/* The VMA found is the first one /proc lists above the address. */
	n = proc_maps(0, maps, 1024);
	for (i = 0; i < n && maps[i].end <= (uintptr_t)p + PAGE + 100; i++)
		;
	ASSERT_LT(i, n);
	EXPECT_TRUE(vma_matches_proc(&self->vma, &maps[i]));
	munmap(p, 3 * PAGE);
}

TEST_F(lookup, below_the_first_vma)
{
	int n = proc_maps(0, maps, 1024);

	ASSERT_GT(n, 0);
	ASSERT_GT(maps[0].start, 0);
	ASSERT_EQ(0, mms_lookup(self->fd, 0, &self->res, &self->vma));
	EXPECT_EQ(MMSCOPE_LOOKUP_FOUND, self->res.out_flags);
	EXPECT_EQ(maps[0].start, self->res.gap);
	EXPECT_TRUE(vma_matches_proc(&self->vma, &maps[0]));
}

TEST_F(lookup, above_the_last_vma)
{
	int n = proc_maps(0, maps, 1024);

	ASSERT_GT(n, 0);
	ASSERT_EQ(0, mms_lookup(self->fd, maps[n - 1].end, &self->res, &self->vma));
	EXPECT_EQ(0, self->res.out_flags);
	EXPECT_EQ(0, self->res.gap);
	/* The last byte below TASK_SIZE is still a valid question. */
	ASSERT_EQ(0, mms_lookup(self->fd, self->mm.task_size - 1, &self->res, NULL));
	EXPECT_EQ(0, self->res.out_flags);
}

TEST_F(lookup, not_a_user_address)
{
	EXPECT_EQ(-EINVAL, mms_lookup(self->fd, self->mm.task_size, &self->res, NULL));
	EXPECT_EQ(-EINVAL, mms_lookup(self->fd, 0x8000000000000000ULL, &self->res, NULL));
	EXPECT_EQ(-EINVAL, mms_lookup(self->fd, 0xffffffff81000000ULL, &self->res, NULL));
	EXPECT_EQ(-EINVAL, mms_lookup(self->fd, ~0ULL, &self->res, NULL));
}

/* Without a record to fill, lookup still answers. */
TEST_F(lookup, without_a_record)
{
	ASSERT_EQ(0, mms_lookup(self->fd, (uintptr_t)&self->res, &self->res, NULL));
	EXPECT_EQ(MMSCOPE_LOOKUP_FOUND | MMSCOPE_LOOKUP_CONTAINS, self->res.out_flags);
}

TEST_HARNESS_MAIN
