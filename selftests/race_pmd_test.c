// SPDX-License-Identifier: GPL-2.0
/*
 * hugetlb PMD sharing: two children map the same 1 GiB of a hugetlbfs
 * memfd, PUD-aligned, so the second one's fault shares the first one's PMD
 * table. One punches holes, refaults, zaps and remaps; a punch unshares
 * the table in every mm that maps the file, without their mmap locks. We
 * walk the other child meanwhile.
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

#define HUGETLB_FAULTED 8		/* 2M pages each child faults */
#define HUGETLB_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* The physical address of the PMD table that maps addr in fd's target. */
static uint64_t pmd_table(int fd, uint64_t addr)
{
	struct mmscope_walk wk;
	unsigned int i;

	if (mms_walk(fd, addr, &wk))
		return 0;
	for (i = 0; i < wk.nr_levels; i++)
		if (wk.levels[i].level == MMSCOPE_LEVEL_PMD)
			return wk.levels[i].table_phys;
	return 0;
}

static void hugetlb_touch(char *base, unsigned long value)
{
	int i;

	for (i = 0; i < HUGETLB_FAULTED; i++)
		*(volatile unsigned long *)(base + i * 2 * MB) = value + i;
}

static int hugetlb_map(int memfd, char *base)
{
	return mmap(base, GIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED,
		    memfd, 0) == base ? 0 : -1;
}

static int hugetlb_child(struct remote_shared *sh, int memfd, char *raw, char *base,
			 bool mutator)
{
	unsigned int seed = getpid();
	volatile char *p;
	unsigned long v;
	int i;

	/* Only the 1 GiB at base stays: a megabyte on each side is a hole. */
	munmap(raw, base - raw);
	munmap(base + GIB, raw + 3 * GIB - (base + GIB));
	if (hugetlb_map(memfd, base))
		CHILD_FAIL(sh, "mmap of the hugetlb memfd: %s", strerror(errno));
	while (mutator && !sh->ready)
		usleep(1000);	/* the walked child faults first: we share its table */
	hugetlb_touch(base, mutator ? 2000 : 1000);
	if (!mutator) {
		sh->ready = 1;
		/* Refault now and then, to share the table again. */
		while (!sh->stop) {
			for (i = 0; i < HUGETLB_FAULTED; i++)
				(void)*(volatile char *)(base + i * 2 * MB);
			usleep(2000);
		}
		return 0;
	}
	sh->go = 1;		/* shared now: the test checks, then lets us go */
	while (sh->go != 2)
		usleep(1000);
	while (!sh->stop) {
		i = rand_r(&seed) % HUGETLB_FAULTED;
		p = base + i * 2 * MB;
		switch (rand_r(&seed) % 8) {
		case 0:		/* all of them at once */
			if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				      HUGETLB_FAULTED * 2 * MB))
				CHILD_FAIL(sh, "fallocate(PUNCH_HOLE): %s", strerror(errno));
			sh->punches += HUGETLB_FAULTED;
			break;
		case 1:
			if (madvise((void *)p, 2 * MB, MADV_DONTNEED))
				CHILD_FAIL(sh, "MADV_DONTNEED: %s", strerror(errno));
			break;
		case 2:		/* a new VMA: the next fault shares the table again */
			if (rand_r(&seed) % 4 == 0 && hugetlb_map(memfd, base))
				CHILD_FAIL(sh, "mmap again: %s", strerror(errno));
			break;
		default:
			if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      i * 2 * MB, 2 * MB))
				CHILD_FAIL(sh, "fallocate(PUNCH_HOLE): %s", strerror(errno));
			sh->punches++;
			break;
		}
		/* Refault; a write, then a read of the same page, must agree. */
		v = rand_r(&seed);
		*(volatile unsigned long *)p = v;
		if (*(volatile unsigned long *)p != v)
			CHILD_FAIL(sh, "page %d does not hold what was written", i);
		sh->cycles++;
	}
	return 0;
}

/*
 * What both tests map: a GiB of a hugetlb memfd, at a PUD-aligned GiB
 * (base) with a hole of a megabyte or more on each side, in 3 GiB of
 * PROT_NONE (raw) that the children trim; and the page they report on.
 */
FIXTURE(shared_pmd) {
	int memfd;
	struct remote_shared *sh;
	char *raw, *base;
};

FIXTURE_SETUP(shared_pmd)
{
	self->memfd = memfd_create("mmscope-pmd", MFD_HUGETLB | MFD_HUGE_2MB);
	if (self->memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(self->memfd, GIB));
	self->sh = shared_page();
	ASSERT_NE(NULL, self->sh);
	self->raw = mmap(NULL, 3 * GIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->raw);
	self->base = (char *)(((uintptr_t)self->raw + MB + GIB - 1) & ~(GIB - 1));
	walk_delay("20");
}

FIXTURE_TEARDOWN(shared_pmd)
{
	walk_delay("0");
	close(self->memfd);
	munmap(self->sh, sizeof(*self->sh));
}

TEST_F_TIMEOUT(shared_pmd, walk_while_another_unshares, 120)
{
	volatile bool stop = false, told = false;
	struct remote_shared *sh;
	unsigned int seconds = race_seconds(5), i;
	pid_t parent = getpid(), walked, mutator;
	uint64_t t_walked, t_mutator;
	char buf[32], *raw, *base;
	int memfd, ret, status;
	struct walker w[2];
	int fd_walked, fd_mutator;
	double t0;

	if (read_file(HUGETLB_FREE, buf, sizeof(buf)) <= 0 ||
	    atoi(buf) < HUGETLB_FAULTED + 2)
		SKIP(return, "fewer than %d free 2M hugetlb pages", HUGETLB_FAULTED + 2);
	memfd = self->memfd;
	sh = self->sh;
	raw = self->raw;
	base = self->base;

	walked = fork();
	ASSERT_GE(walked, 0);
	if (!walked) {
		die_with_parent(parent);
		_exit(hugetlb_child(sh, memfd, raw, base, false));
	}
	mutator = fork();
	ASSERT_GE(mutator, 0);
	if (!mutator) {
		die_with_parent(parent);
		_exit(hugetlb_child(sh, memfd, raw, base, true));
	}
	munmap(raw, 3 * GIB);
	for (t0 = now(); sh->go != 1 && !sh->error[0] && now() - t0 < 60; )
		usleep(10000);
	ASSERT_EQ(1, sh->go) TH_LOG("children: %s", sh->error);

	/* The two mms share one PMD table, as the walks of both show. */
	fd_walked = open_target(walked);
	fd_mutator = open_target(mutator);
	ASSERT_GE(fd_walked, 0);
	ASSERT_GE(fd_mutator, 0);
	t_walked = pmd_table(fd_walked, (uintptr_t)base);
	t_mutator = pmd_table(fd_mutator, (uintptr_t)base);
	ASSERT_NE(0, t_walked);
	ASSERT_EQ(t_walked, t_mutator) TH_LOG("the PMD table is not shared");
	close(fd_mutator);

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].lo = (uintptr_t)base;
		w[i].hi = (uintptr_t)base + 2 * HUGETLB_FAULTED * 2 * MB;
		w[i].hugetlb = true;
		w[i].stop = &stop;
		w[i].told = &told;
	}
	/* One walker also reads the whole GiB and what lies beyond. */
	w[1].hi = (uintptr_t)base + GIB;
	w[1].edge = 4 * PAGE;
	ret = walkers_start(w, 2, walked);
	ASSERT_EQ(0, ret) TH_LOG("walkers: %s", strerror(-ret));
	sh->go = 2;
	for (t0 = now(); now() - t0 < seconds && !sh->error[0]; )
		usleep(100000);
	stop = true;
	walkers_join(w, 2);
	sh->stop = 1;
	ASSERT_EQ(walked, waitpid(walked, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("walked child: status %#x: %s", status, sh->error);
	ASSERT_EQ(mutator, waitpid(mutator, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("mutating child: status %#x: %s", status, sh->error);
	/* Still walkable after all that: the child's table is there or not. */
	for (i = 0; i < 2; i++) {
		TH_LOG("walker %u: %lu walks (%lu present, %lu checked HUGE), %lu range reads",
		       i, w[i].walks, w[i].present, w[i].huge, w[i].ranges);
		EXPECT_EQ(0, w[i].errors) TH_LOG("walker %u: %lu errors, the first: %s",
						  i, w[i].errors, w[i].error);
		EXPECT_LT(0, w[i].walks);
	}
	TH_LOG("%lu walks of a child whose shared PMD table the other unshared with %lu punches in %lu changes",
	       w[0].walks + w[1].walks, sh->punches, sh->cycles);
	EXPECT_LT(0, sh->punches);
	close(fd_walked);
}

/*
 * Finding 2's window, in lockstep: a shared PMD table freed while the
 * walked child's PUD entry pointed to it a moment before. Per cycle:
 *   1. the owner child maps the GiB and faults a page: a new PMD table;
 *   2. the walked child faults the same page: it shares that table, and
 *      walkers reading it now follow its PUD entry into the table;
 *   3. the walked child MADV_DONTNEEDs the page, which unshares the table
 *      in its mm (huge_pmd_unshare(), under i_mmap_rwsem for write) while
 *      it keeps the VMA: nothing of the walked mm's locks stops this;
 *   4. the owner unmaps the GiB: the table, now its alone, is freed.
 * A walker that followed the PUD entry at 2 without i_mmap_rwsem reads the
 * table, and spins on its split lock, after 4 (mmscope did, before it took
 * i_mmap_rwsem for hugetlb VMAs). mmscope holds it for read, so step 3
 * waits for the walk, and the walk never sees a freed table.
 */
static void wait_phase(struct remote_shared *sh, int phase)
{
	while (sh->phase != phase && !sh->stop)
		sched_yield();
}

static int unshare_walked_child(struct remote_shared *sh, int memfd, char *raw, char *base)
{
	munmap(raw, base - raw);
	munmap(base + GIB, raw + 3 * GIB - (base + GIB));
	if (hugetlb_map(memfd, base))
		CHILD_FAIL(sh, "mmap of the hugetlb memfd: %s", strerror(errno));
	sh->ready = 1;
	while (!sh->stop) {
		wait_phase(sh, 1);
		if (sh->stop)
			break;
		*(volatile char *)base;			/* 2: share the table */
		sh->phase = 2;
		while (sh->go != 2 && !sh->stop)	/* the test checks once */
			sched_yield();
		if (madvise(base, 2 * MB, MADV_DONTNEED))	/* 3: unshare */
			CHILD_FAIL(sh, "MADV_DONTNEED: %s", strerror(errno));
		sh->phase = 3;
	}
	return 0;
}

static int unshare_owner_child(struct remote_shared *sh, int memfd, char *raw, char *base)
{
	double t;

	munmap(raw, base - raw);
	munmap(base + GIB, raw + 3 * GIB - (base + GIB));
	while (!sh->stop) {
		if (hugetlb_map(memfd, base))		/* 1: a new table */
			CHILD_FAIL(sh, "mmap of the hugetlb memfd: %s", strerror(errno));
		*(volatile char *)base = 1;
		sh->phase = 1;
		wait_phase(sh, 3);
		if (munmap(base, GIB))			/* 4: free it */
			CHILD_FAIL(sh, "munmap: %s", strerror(errno));
		sh->cycles++;
		/* Let the freed table stay free a moment (KASAN-poisoned). */
		for (t = now(); now() - t < 200e-6; )
			;
		sh->phase = 0;
	}
	return 0;
}

TEST_F_TIMEOUT(shared_pmd, table_freed_under_walks, 120)
{
	unsigned int seconds = race_seconds(5);
	pid_t parent = getpid(), walked, owner;
	unsigned long tables = 0;
	struct lone_walker w[2];
	volatile bool stop = false;
	struct remote_shared *sh;
	uint64_t t_walked, t_owner;
	int memfd, status, i, fd;
	char buf[32], *raw, *base;
	double t0;

	if (read_file(HUGETLB_FREE, buf, sizeof(buf)) <= 0 || atoi(buf) < 2)
		SKIP(return, "fewer than 2 free 2M hugetlb pages");
	memfd = self->memfd;
	sh = self->sh;
	raw = self->raw;
	base = self->base;

	walk_delay("100");	/* the longest: steps 3 and 4 are slow */
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(1);
	walked = fork();
	ASSERT_GE(walked, 0);
	if (!walked) {
		die_with_parent(parent);
		_exit(unshare_walked_child(sh, memfd, raw, base));
	}
	for (t0 = now(); !sh->ready && !sh->error[0] && now() - t0 < 60; )
		usleep(1000);
	ASSERT_TRUE(sh->ready) TH_LOG("walked child: %s", sh->error);
	owner = fork();
	ASSERT_GE(owner, 0);
	if (!owner) {
		die_with_parent(parent);
		_exit(unshare_owner_child(sh, memfd, raw, base));
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(0);
	munmap(raw, 3 * GIB);

	/* Once, at step 2: the two mms map the GiB with one PMD table. */
	for (t0 = now(); sh->phase != 2 && !sh->error[0] && now() - t0 < 60; )
		usleep(1000);
	ASSERT_EQ(2, sh->phase) TH_LOG("children: %s", sh->error);
	fd = open_target(owner);
	ASSERT_LE(0, fd);
	t_owner = pmd_table(fd, (uintptr_t)base);
	close(fd);
	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].fd = open_target(walked);
		ASSERT_LE(0, w[i].fd) TH_LOG("open_target: %s", strerror(-w[i].fd));
	}
	t_walked = pmd_table(w[0].fd, (uintptr_t)base);
	ASSERT_NE(0, t_walked);
	ASSERT_EQ(t_walked, t_owner) TH_LOG("the PMD table is not shared");

	for (i = 0; i < 2; i++) {
		w[i].seed = i + 1;
		w[i].base = (uintptr_t)base;
		w[i].size = 2 * MB;
		w[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, lone_walker_main, &w[i]));
	}
	sh->go = 2;
	for (t0 = now(); now() - t0 < seconds && !sh->error[0]; )
		usleep(10000);
	stop = true;
	for (i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	sh->stop = 1;
	ASSERT_EQ(walked, waitpid(walked, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("walked child: status %#x: %s", status, sh->error);
	ASSERT_EQ(owner, waitpid(owner, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("owner child: status %#x: %s", status, sh->error);

	for (i = 0; i < 2; i++) {
		TH_LOG("walker %d: %lu walks, %lu of them read the shared PMD table",
		       i, w[i].walks, w[i].pmd_tables);
		EXPECT_EQ(0, w[i].errors) TH_LOG("walker %d: %lu errors, the first: %s",
						  i, w[i].errors, w[i].error);
		close(w[i].fd);
		tables += w[i].pmd_tables;
	}
	TH_LOG("%lu tables shared, unshared and freed in %u s", sh->cycles, seconds);
	/* Else nothing stood where the bug was. */
	EXPECT_LT(0, sh->cycles);
	EXPECT_LT(0, tables);
}


TEST_HARNESS_MAIN
