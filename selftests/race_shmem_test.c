// SPDX-License-Identifier: GPL-2.0
/*
 * The one path that frees a PTE table under the mmap read lock (6.6+): a
 * collapse of shmem into a THP retracts the PTE table that mapped its small
 * pages (collapse_pte_mapped_thp(), pte_free_defer()), with RCU. A child
 * punches a page out of a shmem THP (it splits, and faults back into a PTE
 * table), then MADV_COLLAPSEs it again, in a loop, while we walk it.
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

/* The shmem file, inherited by the child. */
static int memfd_of_child = -1;

#define SHMEM_CHUNKS 4

static const char shmem_thp_knob[] = "/sys/kernel/mm/transparent_hugepage/shmem_enabled";

static int shmem_collapse_child(struct remote_shared *sh, char *p)
{
	unsigned int seed = getpid();
	size_t c, off;

	sh->ready = 1;
	while (!sh->stop) {
		c = rand_r(&seed) % SHMEM_CHUNKS;
		off = c * 2 * MB;
		memset(p + off, (int)sh->cycles, 2 * MB);
		if (!madvise(p + off, 2 * MB, MADV_COLLAPSE))
			sh->collapses++;
		off += (rand_r(&seed) % 512) * PAGE;
		if (fallocate(memfd_of_child, FALLOC_FL_PUNCH_HOLE |
			      FALLOC_FL_KEEP_SIZE, (off_t)off, PAGE) == 0)
			sh->punches++;
		sh->cycles++;
	}
	return 0;
}

TEST(shmem_collapse_under_walks)
{
	unsigned long walks = 0, ranges = 0, bad = 0;
	unsigned int seconds = race_seconds(4);
	char knob[128] = "", *raw, *p;
	struct remote_shared *sh;
	struct mmscope_page *recs;
	struct mmscope_walk w;
	unsigned int seed = 1;
	int fd, status;
	size_t n, i;
	pid_t child;
	double t0;

	if (read_file(shmem_thp_knob, knob, sizeof(knob)) < 0)
		SKIP(return, "%s", thp_in_kernel() ? "no shmem THP" : THP_MISSING);
	if (write_file(shmem_thp_knob, "advise"))
		SKIP(return, "cannot set %s", shmem_thp_knob);
	memfd_of_child = memfd_create("mmscope-collapse", 0);
	ASSERT_GE(memfd_of_child, 0);
	ASSERT_EQ(0, ftruncate(memfd_of_child, SHMEM_CHUNKS * 2 * MB));
	raw = mmap(NULL, (SHMEM_CHUNKS + 1) * 2 * MB, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((uintptr_t)raw + 2 * MB - 1) & ~(2 * MB - 1));
	ASSERT_EQ(p, mmap(p, SHMEM_CHUNKS * 2 * MB, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, memfd_of_child, 0));
	ASSERT_EQ(0, madvise(p, SHMEM_CHUNKS * 2 * MB, MADV_HUGEPAGE));
	sh = shared_page();
	ASSERT_NE(NULL, sh);

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		die_with_parent(getppid());
		_exit(shmem_collapse_child(sh, p));
	}
	/* The parent keeps its own mapping out of the way. */
	munmap(raw, (SHMEM_CHUNKS + 1) * 2 * MB);
	while (!sh->ready)
		usleep(1000);
	fd = open_target(child);
	ASSERT_GE(fd, 0);
	for (t0 = now(); now() - t0 < seconds; ) {
		for (i = 0; i < 64; i++, walks++) {
			ASSERT_EQ(0, mms_walk(fd, (uintptr_t)p + rand_r(&seed) %
					      (SHMEM_CHUNKS * 2 * MB), &w));
			if (w.page.state >= MMSCOPE_ENTRY_STATE_COUNT ||
			    (w.out_flags & MMSCOPE_WALK_NO_VMA))
				bad++;
		}
		ASSERT_EQ(0, mms_pages_all(fd, (uintptr_t)p, (uintptr_t)p + SHMEM_CHUNKS * 2 * MB,
					   &recs, &n));
		for (i = 0; i < n; i++)
			if (recs[i].state >= MMSCOPE_ENTRY_STATE_COUNT)
				bad++;
		free(recs);
		ranges++;
	}
	sh->stop = 1;
	ASSERT_EQ(child, waitpid(child, &status, 0));
	close(fd);
	write_file(shmem_thp_knob, strchr(knob, '[') ? strtok(strchr(knob, '[') + 1, "]") :
		   "never");
	TH_LOG("%lu walks and %lu range reads against %lu cycles: %lu collapses, %lu punches",
	       walks, ranges, sh->cycles, sh->collapses, sh->punches);
	EXPECT_EQ(0, bad);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!sh->collapses)
		TH_LOG("no collapse succeeded: the RCU path went untested here");
}


TEST_HARNESS_MAIN
