// SPDX-License-Identifier: GPL-2.0
/*
 * Walks racing with changes: one thread reads a 64 MiB range through
 * MMSCOPE_IOC_PAGES and MMSCOPE_IOC_WALK in a loop, while another
 * munmaps, mmaps, mprotects, MADV_DONTNEEDs and MADV_COLLAPSEs it for 20
 * seconds. Every record must be well-formed, every call must succeed, and
 * the kernel must not complain (the VM runner checks the console).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define PAGE 4096UL
#define MB (1UL << 20)
#define RANGE (64 * MB)
#define SECONDS 20

struct race {
	char *base;
	volatile bool stop;
	unsigned long ops;
};

static void *mutator(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 1;
	size_t off, len;
	char *p;

	while (!r->stop) {
		off = (rand_r(&seed) % (RANGE / (2 * MB))) * 2 * MB;
		len = (1 + rand_r(&seed) % 4) * 2 * MB;
		if (off + len > RANGE)
			len = RANGE - off;
		p = r->base + off;
		switch (rand_r(&seed) % 6) {
		case 0:
			munmap(p, len);
			break;
		case 1:
			mmap(p, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case 2:
			mprotect(p, len, rand_r(&seed) % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
			break;
		case 3:
			madvise(p, len, MADV_DONTNEED);
			break;
		case 4:
			madvise(p, len, MADV_COLLAPSE);
			break;
		default:
			/* mprotect() fails on any hole, so this writes only mapped memory. */
			if (!mprotect(p, len, PROT_READ | PROT_WRITE))
				memset(p, 1, len);
			break;
		}
		r->ops++;
	}
	return NULL;
}

/* A batch of records must tile [start, end) with sane contents. */
static int check_records(const struct mmscope_page *recs, int n, uint64_t start, uint64_t end)
{
	uint64_t at = start;
	int i;

	for (i = 0; i < n; i++) {
		const struct mmscope_page *p = &recs[i];

		if (p->addr != at || !p->size || p->size % PAGE ||
		    p->state >= MMSCOPE_ENTRY_STATE_COUNT || p->cow >= MMSCOPE_COW_COUNT)
			return i + 1;
		if (p->state == MMSCOPE_ENTRY_PRESENT &&
		    (!p->pfn || (p->page_size != PAGE && p->page_size != 2 * MB)))
			return i + 1;
		at += p->size;
	}
	return at == end ? 0 : n + 1;
}


FIXTURE(race) {
	struct race r;
	pthread_t thread;
	int fd;
};

FIXTURE_SETUP(race)
{
	self->r.base = mmap(NULL, RANGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r.base);
	memset(self->r.base, 1, RANGE);
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(race)
{
	close(self->fd);
}

TEST_F_TIMEOUT(race, walk_while_the_range_changes, 120)
{
	uint64_t start = (uintptr_t)self->r.base, end = start + RANGE;
	struct mmscope_page *recs;
	unsigned long rounds = 0, walks = 0;
	struct mmscope_walk w;
	struct timespec t0, t;
	int n, bad;

	ASSERT_EQ(0, pthread_create(&self->thread, NULL, mutator, &self->r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = pages_of(self->fd, start, end, &recs);
		ASSERT_GT(n, 0);
		bad = check_records(recs, n, start, end);
		if (bad)
			TH_LOG("record %d of %d is malformed", bad - 1, n);
		free(recs);
		ASSERT_EQ(0, bad);
		ASSERT_EQ(0, mmscope_walk(self->fd, start + (rounds % 16384) * PAGE, &w));
		ASSERT_LT(w.page.state, MMSCOPE_ENTRY_STATE_COUNT);
		ASSERT_LE(w.nr_levels, w.paging_levels);
		walks++;
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < SECONDS);
	self->r.stop = true;
	pthread_join(self->thread, NULL);
	TH_LOG("%lu range reads and %lu walks against %lu changes", rounds, walks, self->r.ops);
	munmap(self->r.base, RANGE);
}

TEST_HARNESS_MAIN
