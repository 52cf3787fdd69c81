/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the race tests share: the page shared with a forked child that
 * changes its memory, and the walkers that walk that child meanwhile.
 */
#ifndef MMSCOPE_SELFTEST_RACE_H
#define MMSCOPE_SELFTEST_RACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif

#define PAGE 4096UL
#define MB (1UL << 20)
#define GIB (1UL << 30)
#define RANGE (64 * MB)

/*
 * MMSCOPE_RACE_SECONDS, else @dflt (halved in a light run): how long a race
 * runs (at most 300 s).
 */
unsigned int race_seconds(unsigned int dflt);
/* Die with the test, whichever way it ends. */
void die_with_parent(pid_t parent);

/* Shared (MAP_SHARED) between the test and its children. */
struct remote_shared {
	volatile int ready, go, stop, phase;
	volatile unsigned long cycles, forks, punches, collapses;
	char doing[128];		/* the change under way, for a fault's report */
	char error[512];
};

struct remote_shared *shared_page(void);

#define CHILD_FAIL(sh, ...) do {					\
	snprintf((sh)->error, sizeof((sh)->error), __VA_ARGS__);	\
	_exit(1);							\
} while (0)

/*
 * The module's fault injection: a wait between reading a table entry and
 * following it, so that a walker that followed a table it had no right to
 * (one a concurrent munmap() or unshare frees) would read it after the
 * free, where KASAN sees it. The remote and shared_pmd walks run with it.
 */
void walk_delay(const char *us);

/* Walkers of random addresses of [lo, hi) and of its records, checked. */
struct walker {
	pthread_t thread;
	int fd;
	unsigned int seed;
	uint64_t lo, hi;		/* the region walked */
	uint64_t edge;			/* bytes beyond each end that no VMA covers */
	bool hugetlb;			/* every present page is a 2M hugetlb page */
	volatile bool *stop;		/* stop walking */
	volatile bool *told;		/* the target was told to exit: ESRCH is fine */
	unsigned long walks, ranges, records, present, leaves_2m, no_vma, huge, esrch;
	unsigned long errors;
	char error[512];
};

#define WALKER_FAIL(w, ...) do {					\
	if (!(w)->errors++)						\
		snprintf((w)->error, sizeof((w)->error), __VA_ARGS__);	\
} while (0)

/* Start @nr walkers of @target (each with its own file): 0 or -errno. */
int walkers_start(struct walker *w, int nr, pid_t target);
void walkers_join(struct walker *w, int nr);

/* Walkers that count what they find at random addresses of [base, base + size). */
struct lone_walker {
	pthread_t thread;
	int fd;
	unsigned int seed;
	uint64_t base, size;		/* walked: random addresses in here */
	volatile bool *stop;
	unsigned long walks, mapped, pmd_tables, gone, window, errors;
	char error[256];
};

void *lone_walker_main(void *arg);

#endif
