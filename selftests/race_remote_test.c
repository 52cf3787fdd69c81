// SPDX-License-Identifier: GPL-2.0
/*
 * Walking another process while it changes. mmscope's purpose is to look
 * at other processes, and a walk of another process races with changes
 * that it does not serialize with the way a walk of itself does: a child
 * maps, unmaps, remaps, mprotects, mremaps, zaps, collapses and forks over
 * a 64 MiB region at a fixed address, touching its pages so that PTE and
 * PMD tables come and go, and checks after each change that its memory
 * holds what it wrote. Two threads here, each with its own /dev/mmscope
 * file aimed at the child, walk addresses inside the region (mapped or
 * not) and a few pages beyond its ends (never mapped), and read the pages
 * of the whole region. On the debug kernel, KASAN watches the rest.
 *
 * MMSCOPE_RACE_SECONDS lengthens each run (default 4 s, at most 300).
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

#define REMOTE_BASE	0x300000000000UL	/* 1 GiB-aligned, below 47 bits */
#define REMOTE_PAGES	(RANGE / PAGE)
#define REMOTE_EDGE	4			/* pages walked beyond each end */
#define UNMAPPED	0xff

/* --- the child that changes ---------------------------------------------- */

/* What the child expects of each page of its region. */
static uint64_t remote_stamp[REMOTE_PAGES];	/* the word at its start; 0: zero */
static uint8_t remote_prot[REMOTE_PAGES];	/* PROT_*, or UNMAPPED */
static uint64_t remote_next_stamp = 1;

static volatile uint64_t *remote_word(size_t i)
{
	return (volatile uint64_t *)(REMOTE_BASE + i * PAGE);
}

/* Every readable page holds what was last written to it. */
static int remote_verify(struct remote_shared *sh, const char *after)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < REMOTE_PAGES; i++) {
		if (remote_prot[i] == UNMAPPED || !(remote_prot[i] & PROT_READ))
			continue;
		v = *remote_word(i);
		if (v != remote_stamp[i]) {
			snprintf(sh->error, sizeof(sh->error),
				 "after %s: page %zu (%#lx) holds %#llx, not %#llx",
				 after, i, REMOTE_BASE + i * PAGE, (unsigned long long)v,
				 (unsigned long long)remote_stamp[i]);
			return -1;
		}
	}
	return 0;
}

/* Write new stamps to the writable pages of [i, i + n). */
static void remote_fill(size_t i, size_t n)
{
	for (; n; i++, n--) {
		if (remote_prot[i] == UNMAPPED || !(remote_prot[i] & PROT_WRITE))
			continue;
		remote_stamp[i] = remote_next_stamp++ << 12 | 0xabc;
		*remote_word(i) = remote_stamp[i];
	}
}

/* The pages from i on that are mapped, contiguously, at most n of them. */
static size_t mapped_run(size_t i, size_t n)
{
	size_t k;

	for (k = 0; k < n && i + k < REMOTE_PAGES && remote_prot[i + k] != UNMAPPED; k++)
		;
	return k;
}

/* Unmap pages [i, i + n) of the region, as remote_prot then says. */
static void remote_unmap(struct remote_shared *sh, size_t i, size_t n)
{
	if (munmap((char *)REMOTE_BASE + i * PAGE, n * PAGE))
		CHILD_FAIL(sh, "munmap of page %zu, %zu pages: %s", i, n, strerror(errno));
	memset(remote_prot + i, UNMAPPED, n);
}

static void remote_map(struct remote_shared *sh, size_t i, size_t n, bool thp)
{
	char *p = (char *)REMOTE_BASE + i * PAGE;

	if (mmap(p, n * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
		CHILD_FAIL(sh, "mmap(MAP_FIXED) of page %zu, %zu pages: %s", i, n,
			   strerror(errno));
	madvise(p, n * PAGE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(remote_prot + i, PROT_READ | PROT_WRITE, n);
	memset(remote_stamp + i, 0, n * sizeof(remote_stamp[0]));
	remote_fill(i, n);
}

/*
 * A grandchild reads everything, writes some pages (copies on write) and
 * exits; the child then verifies that its own pages did not change.
 */
static void remote_fork(struct remote_shared *sh, size_t i, size_t n)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		CHILD_FAIL(sh, "fork: %s", strerror(errno));
	if (!pid) {
		if (remote_verify(sh, "fork (in the grandchild)"))
			_exit(1);
		remote_fill(i, n);
		_exit(remote_verify(sh, "writes in the grandchild") ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!sh->error[0])
			snprintf(sh->error, sizeof(sh->error), "grandchild: status %#x", status);
		_exit(1);
	}
	sh->forks++;
}

static struct remote_shared *remote_sh;

/* A fault in the child: say where, and in which change. */
static void remote_fault(int sig, siginfo_t *si, void *uc)
{
	size_t i = ((uintptr_t)si->si_addr - REMOTE_BASE) / PAGE;

	snprintf(remote_sh->error, sizeof(remote_sh->error),
		 "signal %d at %p (page %zu: prot %d, stamp %#llx) during %s", sig,
		 si->si_addr, i, i < REMOTE_PAGES ? remote_prot[i] : -1,
		 i < REMOTE_PAGES ? (unsigned long long)remote_stamp[i] : 0ULL,
		 remote_sh->doing);
	_exit(1);
}

static int remote_child(struct remote_shared *sh, bool thp)
{
	struct sigaction sa = { .sa_sigaction = remote_fault, .sa_flags = SA_SIGINFO };
	const size_t huge = 2 * MB / PAGE;
	unsigned int seed = getpid();
	size_t i, n, d;
	const char *what;
	char *edge;
	int prot, op;

	/* Nothing is mapped from a megabyte below the region to one above it. */
	edge = mmap((char *)REMOTE_BASE - MB, RANGE + 2 * MB, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (edge != (char *)REMOTE_BASE - MB)
		CHILD_FAIL(sh, "the region at %#lx is not free: %s", REMOTE_BASE,
			   strerror(errno));
	munmap(edge, RANGE + 2 * MB);
	remote_sh = sh;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	memset(remote_prot, UNMAPPED, sizeof(remote_prot));
	remote_map(sh, 0, REMOTE_PAGES, thp);
	sh->ready = 1;

	while (!sh->stop) {
		if (thp) {	/* whole 2M units for the maps; any pages for the rest */
			i = rand_r(&seed) % (REMOTE_PAGES / huge) * huge;
			n = (1 + rand_r(&seed) % 4) * huge;
		} else {
			i = rand_r(&seed) % REMOTE_PAGES;
			n = 1 + rand_r(&seed) % 1024;
		}
		if (i + n > REMOTE_PAGES)
			n = REMOTE_PAGES - i;
		op = rand_r(&seed) % 12;
		snprintf(sh->doing, sizeof(sh->doing), "change %lu (op %d) of pages %zu+%zu",
			 sh->cycles, op, i, n);
		switch (op) {
		case 0:
		case 1:
		case 10:	/* map, or remap over what is there */
			what = "mmap";
			remote_map(sh, i, n, thp);
			break;
		case 2:		/* unmap part of it, cutting any 2M leaf */
			what = "munmap";
			if (thp && rand_r(&seed) % 2) {
				i += rand_r(&seed) % huge;
				n = 1 + rand_r(&seed) % huge;
				if (i + n > REMOTE_PAGES)
					n = REMOTE_PAGES - i;
			}
			remote_unmap(sh, i, n);
			break;
		case 3:		/* mprotect a mapped run (a hole would stop it midway) */
			what = "mprotect";
			if (thp)
				i += rand_r(&seed) % huge;
			n = mapped_run(i, n);
			if (!n)
				break;
			prot = (int[]){ PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE }[rand_r(&seed) % 3];
			if (mprotect((char *)REMOTE_BASE + i * PAGE, n * PAGE, prot))
				CHILD_FAIL(sh, "mprotect: %s", strerror(errno));
			memset(remote_prot + i, prot, n);
			break;
		case 4:		/* zap: private anonymous memory reads zero again */
			what = "MADV_DONTNEED";
			if (thp)
				i += rand_r(&seed) % huge;
			n = mapped_run(i, n);
			if (!n)
				break;
			if (madvise((char *)REMOTE_BASE + i * PAGE, n * PAGE, MADV_DONTNEED))
				CHILD_FAIL(sh, "MADV_DONTNEED: %s", strerror(errno));
			memset(remote_stamp + i, 0, n * sizeof(remote_stamp[0]));
			break;
		case 5:
			what = "writes";
			remote_fill(i, n);
			break;
		case 6:		/* move a run elsewhere in the region (tables move) */
			what = "mremap";
			n = mapped_run(i, n);
			if (!n)
				break;
			d = rand_r(&seed) % (REMOTE_PAGES - n + 1);
			if (thp)
				d -= d % huge;
			if (d < i + n && i < d + n)
				break;	/* source and destination overlap */
			if (mremap((char *)REMOTE_BASE + i * PAGE, n * PAGE, n * PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   (char *)REMOTE_BASE + d * PAGE) == MAP_FAILED) {
				/*
				 * The run spans two VMAs, say: nothing moved, but
				 * the destination may be unmapped already.
				 */
				remote_unmap(sh, d, n);
				break;
			}
			memcpy(remote_prot + d, remote_prot + i, n);
			memcpy(remote_stamp + d, remote_stamp + i, n * sizeof(remote_stamp[0]));
			memset(remote_prot + i, UNMAPPED, n);
			break;
		case 7:
			what = "fork";
			remote_fork(sh, i, n);
			break;
		case 8:		/* THP: collapse again; else: free whole PTE tables */
			if (thp) {
				what = "MADV_COLLAPSE";
				madvise((char *)REMOTE_BASE + i * PAGE, n * PAGE, MADV_COLLAPSE);
				break;
			}
			what = "munmap of 2M units";
			i -= i % huge;
			n = (n + huge - 1) / huge * huge;
			if (i + n > REMOTE_PAGES)
				n = REMOTE_PAGES - i;
			remote_unmap(sh, i, n);
			break;
		default:	/* now and then all of it: PMD and PTE tables are freed */
			what = "munmap of the whole region";
			if (rand_r(&seed) % 4)
				continue;
			remote_unmap(sh, 0, REMOTE_PAGES);
			remote_map(sh, (rand_r(&seed) % 2) * REMOTE_PAGES / 2, REMOTE_PAGES / 2, thp);
			break;
		}
		snprintf(sh->doing, sizeof(sh->doing), "the check after %s (change %lu, pages %zu+%zu)",
			 what, sh->cycles, i, n);
		if (remote_verify(sh, what))
			_exit(1);
		sh->cycles++;
	}
	return remote_verify(sh, "the last change") ? 1 : 0;
}

static bool thp_enabled(void)
{
	char buf[128];

	return read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) > 0 &&
	       !strstr(buf, "[never]");
}

FIXTURE(remote) {
	struct remote_shared *sh;
	pid_t child;
};

FIXTURE_VARIANT(remote) {
	bool thp;
};

FIXTURE_VARIANT_ADD(remote, small_pages) {
	.thp = false,
};

FIXTURE_VARIANT_ADD(remote, thp) {
	.thp = true,
};

/*
 * The child on CPU 1 from its birth, its walkers on CPU 0 (here and in the
 * other race tests): the child's mm is then never loaded on the walkers'
 * CPU, so the TLB-flush IPI that precedes a page-table free never waits
 * for them. Walking with interrupts off, as mmscope once did outside VMAs,
 * protects nothing then.
 */
FIXTURE_SETUP(remote)
{
	pid_t parent = getpid();
	double t0;

	walk_delay("20");
	self->sh = shared_page();
	ASSERT_NE(NULL, self->sh);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(1);
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		die_with_parent(parent);
		_exit(remote_child(self->sh, variant->thp));
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		pin_to_cpu(0);
	for (t0 = now(); !self->sh->ready && now() - t0 < 60; )
		usleep(10000);
	ASSERT_TRUE(self->sh->ready) TH_LOG("child: %s", self->sh->error);
}

FIXTURE_TEARDOWN(remote)
{
	walk_delay("0");
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	munmap(self->sh, sizeof(*self->sh));
}

/*
 * A forked child changes its region while two walkers walk it; see above.
 * Then the child is told to exit while they go on: ESRCH, nothing else.
 */
TEST_F_TIMEOUT(remote, walk_a_changing_child, 600)
{
	volatile bool stop = false, told = false;
	struct walker w[2];
	unsigned int seconds = race_seconds(4), i;
	unsigned long walks = 0, ranges = 0;
	int status, ret;
	double t0;

	memset(w, 0, sizeof(w));
	for (i = 0; i < 2; i++) {
		w[i].lo = REMOTE_BASE;
		w[i].hi = REMOTE_BASE + RANGE;
		w[i].edge = REMOTE_EDGE * PAGE;
		w[i].stop = &stop;
		w[i].told = &told;
	}
	ret = walkers_start(w, 2, self->child);
	ASSERT_EQ(0, ret) TH_LOG("walkers: %s", strerror(-ret));
	for (t0 = now(); now() - t0 < seconds && !self->sh->error[0]; )
		usleep(100000);
	/* The child finishes its change, checks its memory and exits. */
	told = true;
	self->sh->stop = 1;
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	usleep(200000);
	stop = true;
	walkers_join(w, 2);

	for (i = 0; i < 2; i++) {
		TH_LOG("walker %u: %lu walks (%lu without a VMA), %lu range reads of %lu records; %lu present pages seen, %lu of them 2M leaves; %lu ESRCH after the exit",
		       i, w[i].walks, w[i].no_vma, w[i].ranges, w[i].records, w[i].present,
		       w[i].leaves_2m, w[i].esrch);
		EXPECT_EQ(0, w[i].errors) TH_LOG("walker %u: %lu errors, the first: %s",
						  i, w[i].errors, w[i].error);
		walks += w[i].walks;
		ranges += w[i].ranges;
	}
	TH_LOG("%s: %lu walks and %lu range reads of a child that made %lu changes and %lu forks in %u s",
	       variant->thp ? "THP" : "4K pages", walks, ranges, self->sh->cycles,
	       self->sh->forks, seconds);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child: status %#x: %s", status, self->sh->error);
	EXPECT_LT(0, self->sh->cycles);
	EXPECT_LT(0, w[0].ranges);
	EXPECT_LT(0, w[1].ranges);
	/* With THP (not "never"), PMD leaves came and went under the walkers. */
	if (variant->thp && thp_enabled())
		EXPECT_LT(0, w[0].leaves_2m + w[1].leaves_2m);
}


TEST_HARNESS_MAIN
