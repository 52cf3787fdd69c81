// SPDX-License-Identifier: GPL-2.0
/*
 * Walks racing with changes: one thread reads a 64 MiB range through
 * MMSCOPE_IOC_PAGES and MMSCOPE_IOC_WALK in a loop, while another
 * munmaps, mmaps, mprotects, MADV_DONTNEEDs and MADV_COLLAPSEs it for 20
 * seconds (race_seconds(): 10 in a light run). Every record must be
 * well-formed, every call must succeed, and the kernel must not complain
 * (the VM runner checks the console).
 *
 * And the fault lab under fire: threads fault, write and read a lab while
 * another cleans, zaps, remaps and forks it, and we walk it; its counters
 * must still add up and its memory must still hold what was written.
 *
 * Those walk this process; the other race_*_test walk forked children
 * while they change.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"
#include "race.h"

#define SECONDS 20	/* race_seconds(): 10 in a light run */

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
	unsigned int seconds = race_seconds(SECONDS);
	unsigned long rounds = 0, walks = 0;
	struct mmscope_walk w;
	struct timespec t0, t;
	char why[256];
	int n, bad;

	ASSERT_EQ(0, pthread_create(&self->thread, NULL, mutator, &self->r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = pages_of(self->fd, start, end, &recs);
		ASSERT_GT(n, 0);
		bad = records_check(recs, n, start, end, why, sizeof(why));
		if (bad)
			TH_LOG("record %d of %d is malformed: %s", bad - 1, n, why);
		free(recs);
		ASSERT_EQ(0, bad);
		ASSERT_EQ(0, mms_walk(self->fd, start + (rounds % 16384) * PAGE, &w));
		ASSERT_LT(w.page.state, MMSCOPE_ENTRY_STATE_COUNT);
		ASSERT_LE(w.nr_levels, w.paging_levels);
		walks++;
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	self->r.stop = true;
	pthread_join(self->thread, NULL);
	TH_LOG("%lu range reads and %lu walks against %lu changes", rounds, walks, self->r.ops);
	munmap(self->r.base, RANGE);
}

#define LAB_PAGES 256
#define LAB_SECONDS 8	/* race_seconds(): 4 in a light run */

struct lab_race {
	int fd;
	char *p;
	volatile bool stop;
	unsigned long touches, changes;
};

static void *lab_toucher(void *arg)
{
	struct lab_race *r = arg;
	unsigned int seed = (uintptr_t)&seed;
	volatile char *c;

	while (!r->stop) {
		c = r->p + (rand_r(&seed) % LAB_PAGES) * PAGE + rand_r(&seed) % 64;
		if (rand_r(&seed) % 2)
			*c = 1;
		else
			(void)*c;
		__atomic_add_fetch(&r->touches, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *lab_mutator(void *arg)
{
	struct lab_race *r = arg;
	unsigned int seed = 7;
	size_t off, len;
	pid_t pid;

	while (!r->stop) {
		off = (rand_r(&seed) % LAB_PAGES) * PAGE;
		len = (1 + rand_r(&seed) % 16) * PAGE;
		if (off + len > LAB_PAGES * PAGE)
			len = LAB_PAGES * PAGE - off;
		switch (rand_r(&seed) % 5) {
		case 0:
			msync(r->p + off, len, MS_SYNC);
			break;
		case 1:
			madvise(r->p + off, len, MADV_DONTNEED);
			break;
		case 2:	/* replace part of the mapping: splits, closes, mmaps */
			mmap(r->p + off, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, r->fd, off);
			break;
		case 3:
			posix_fadvise(r->fd, off, len, POSIX_FADV_DONTNEED);
			break;
		default:
			pid = fork();
			if (!pid) {
				r->p[off] = 2;
				_exit(0);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
			break;
		}
		r->changes++;
	}
	return NULL;
}

/* Lab VMAs of this process, by /proc/self/maps. */
static int lab_vmas_in_maps(void)
{
	static struct proc_vma pv[4096];
	int n, i, count = 0;

	n = proc_maps(0, pv, 4096);
	for (i = 0; i < n; i++)
		count += !strcmp(pv[i].path, "/dev/mmscope");
	return count;
}

TEST_F_TIMEOUT(race, faultlab_under_fire, 120)
{
	static const uint32_t modes[] = { MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_PFN };
	struct mmscope_faultlab_stats st;
	struct mmscope_page *recs;
	struct lab_race r;
	pthread_t threads[3];
	unsigned int lab_seconds = race_seconds(LAB_SECONDS);
	struct timespec t0, t;
	unsigned int m, i;
	uint64_t start;
	char why[256];
	int n;

	for (m = 0; m < 2; m++) {
		memset(&r, 0, sizeof(r));
		r.fd = mms_faultlab_open(modes[m], LAB_PAGES * PAGE, 0, NULL);
		ASSERT_GE(r.fd, 0);
		r.p = mmap(NULL, LAB_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
		ASSERT_NE(MAP_FAILED, r.p);
		start = (uintptr_t)r.p;
		ASSERT_EQ(0, pthread_create(&threads[0], NULL, lab_toucher, &r));
		ASSERT_EQ(0, pthread_create(&threads[1], NULL, lab_toucher, &r));
		ASSERT_EQ(0, pthread_create(&threads[2], NULL, lab_mutator, &r));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			n = pages_of(self->fd, start, start + LAB_PAGES * PAGE, &recs);
			ASSERT_GT(n, 0);
			EXPECT_EQ(0, records_check(recs, n, start, start + LAB_PAGES * PAGE,
						   why, sizeof(why))) TH_LOG("%s", why);
			free(recs);
			ASSERT_EQ(0, mms_faultlab_stats(r.fd, &st));
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (t.tv_sec - t0.tv_sec < lab_seconds);
		r.stop = true;
		for (i = 0; i < 3; i++)
			pthread_join(threads[i], NULL);
		TH_LOG("%s: %lu touches against %lu changes",
		       mms_faultlab_mode_name(modes[m]), r.touches, r.changes);

		/* The counters add up with what the kernel shows. */
		ASSERT_EQ(0, mms_faultlab_stats(r.fd, &st));
		EXPECT_EQ(lab_vmas_in_maps(), st.lab.vmas);
		EXPECT_LE(st.pages_resident, LAB_PAGES);
		EXPECT_LE(st.pages_resident, st.lab.pages_filled);
		EXPECT_EQ(0, st.lab.faults_sigbus + st.lab.faults_oom);
		EXPECT_LT(0, st.lab.faults_read + st.lab.faults_write);

		/* And the memory still holds what is written to it. */
		for (i = 0; i < LAB_PAGES; i++)
			r.p[i * PAGE + 100] = (char)i;
		ASSERT_EQ(0, msync(r.p, LAB_PAGES * PAGE, MS_SYNC));
		ASSERT_EQ(0, munmap(r.p, LAB_PAGES * PAGE));
		r.p = mmap(NULL, LAB_PAGES * PAGE, PROT_READ, MAP_SHARED, r.fd, 0);
		ASSERT_NE(MAP_FAILED, r.p);
		for (i = 0; i < LAB_PAGES; i++)
			ASSERT_EQ((char)i, r.p[i * PAGE + 100]);
		munmap(r.p, LAB_PAGES * PAGE);
		ASSERT_EQ(0, mms_faultlab_stats(r.fd, &st));
		EXPECT_EQ(0, st.lab.vmas);
		close(r.fd);
	}
}


TEST_HARNESS_MAIN
