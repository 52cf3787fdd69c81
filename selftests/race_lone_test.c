// SPDX-License-Identifier: GPL-2.0
/*
 * The window itself, made as wide and as frequent as it gets: a child maps
 * 2 MiB alone in an otherwise empty 512 GiB at LONE_BASE, touches a page
 * (so a PUD, a PMD and a PTE table are allocated for it) and unmaps it, in
 * a loop. munmap() removes the VMA under the mmap write lock, downgrades
 * to the read lock, zaps, and only then frees the three tables; a walker
 * that gets the read lock in between finds no VMA and upper entries that
 * still point to tables about to be freed. mmscope must not follow them:
 * it reports MMSCOPE_WALK_NOT_PINNED. Each such answer is one time a
 * walker stood in the window; the test requires that it did, so that it
 * proves something. A walker that followed those entries (mmscope did,
 * with interrupts off, before the pin rule) reads freed tables here, and
 * the child pauses after each munmap() so that the freed pages stay free
 * (KASAN-poisoned on the debug kernel) rather than coming straight back
 * as the next cycle's tables.
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

#define LONE_BASE	0x500000000000UL	/* 512 GiB-aligned, below 47 bits */
#define LONE_SIZE	(2 * MB)
#define LONE_WINDOWS	200			/* enough times in the window */
#define LONE_SECONDS	60			/* or as long as that takes, at most */

static int lone_child(struct remote_shared *sh)
{
	volatile char *p;
	double t;

	while (!sh->stop) {
		p = mmap((void *)LONE_BASE, LONE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (volatile char *)LONE_BASE)
			CHILD_FAIL(sh, "mmap at %#lx: %s", LONE_BASE,
				   p == MAP_FAILED ? strerror(errno) : "elsewhere");
		p[sh->cycles % (LONE_SIZE / PAGE) * PAGE] = 1;
		sh->ready = 1;
		if (munmap((void *)p, LONE_SIZE))
			CHILD_FAIL(sh, "munmap: %s", strerror(errno));
		sh->cycles++;
		for (t = now(); now() - t < 200e-6; )
			;
	}
	return 0;
}

/* A fixture only for its timeout: the walk lasts up to LONE_SECONDS. */
FIXTURE(lone) {};
FIXTURE_SETUP(lone) {}
FIXTURE_TEARDOWN(lone) {}

TEST_F_TIMEOUT(lone, tables_freed_under_walks, 120)
{
	struct remote_shared *sh = shared_page();
	struct lone_walker w[2];
	volatile bool stop = false;
	unsigned long window = 0;
	pid_t parent = getpid(), child;
	int i, status;
	double t0;

	ASSERT_NE(NULL, sh);
	walk_delay("20");
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(1);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		die_with_parent(parent);
		_exit(lone_child(sh));
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(0);
	for (t0 = now(); !sh->ready && !sh->error[0] && now() - t0 < 60; )
		usleep(1000);
	ASSERT_TRUE(sh->ready) TH_LOG("child: %s", sh->error);

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].fd = open_target(child);
		ASSERT_LE(0, w[i].fd) TH_LOG("open_target: %s", strerror(-w[i].fd));
		w[i].seed = i + 1;
		w[i].base = LONE_BASE;
		w[i].size = LONE_SIZE;
		w[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, lone_walker_main, &w[i]));
	}
	for (t0 = now(); now() - t0 < LONE_SECONDS && !sh->error[0] &&
	     w[0].window + w[1].window < LONE_WINDOWS; )
		usleep(10000);
	stop = true;
	for (i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	sh->stop = 1;
	ASSERT_EQ(child, waitpid(child, &status, 0));
	walk_delay("0");

	for (i = 0; i < 2; i++) {
		TH_LOG("walker %d: %lu walks: %lu in the VMA, %lu after the tables were freed, %lu in the window before",
		       i, w[i].walks, w[i].mapped, w[i].gone, w[i].window);
		EXPECT_EQ(0, w[i].errors) TH_LOG("walker %d: %lu errors, the first: %s",
						  i, w[i].errors, w[i].error);
		close(w[i].fd);
		window += w[i].window;
	}
	TH_LOG("%lu map-touch-unmap cycles in %.1f s", sh->cycles, now() - t0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status %#x: %s", status, sh->error);
	/* Else the test never stood where the bug was, and proved nothing. */
	EXPECT_LT(0, window);
	munmap(sh, sizeof(*sh));
}


TEST_HARNESS_MAIN
