// SPDX-License-Identifier: GPL-2.0
/*
 * Walks racing with changes: one thread reads a 64 MiB range through
 * MMSCOPE_IOC_PAGES and MMSCOPE_IOC_WALK in a loop, while another
 * munmaps, mmaps, mprotects, MADV_DONTNEEDs and MADV_COLLAPSEs it for 20
 * seconds. Every record must be well-formed, every call must succeed, and
 * the kernel must not complain (the VM runner checks the console).
 *
 * And the fault lab under fire: threads fault, write and read a lab while
 * another cleans, zaps, remaps and forks it, and we walk it; its counters
 * must still add up and its memory must still hold what was written.
 *
 * Those walk this process. The rest walk other processes, forked children,
 * while they change: that is what mmscope is for, and where a walk races
 * with changes it does not serialize with (below).
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
#include <sys/prctl.h>
#include <sys/wait.h>
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
	} while (t.tv_sec - t0.tv_sec < SECONDS);
	self->r.stop = true;
	pthread_join(self->thread, NULL);
	TH_LOG("%lu range reads and %lu walks against %lu changes", rounds, walks, self->r.ops);
	munmap(self->r.base, RANGE);
}

#define LAB_PAGES 256
#define LAB_SECONDS 8

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
		} while (t.tv_sec - t0.tv_sec < LAB_SECONDS);
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
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif

#define REMOTE_BASE	0x300000000000UL	/* 1 GiB-aligned, below 47 bits */
#define REMOTE_PAGES	(RANGE / PAGE)
#define REMOTE_EDGE	4			/* pages walked beyond each end */
#define GIB		(1UL << 30)
#define UNMAPPED	0xff

static unsigned int race_seconds(unsigned int dflt)
{
	const char *s = getenv("MMSCOPE_RACE_SECONDS");
	unsigned long v = s ? strtoul(s, NULL, 0) : 0;

	return v ? (v > 300 ? 300 : v) : dflt;
}

/* Die with the test, whichever way it ends. */
static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
}

/* Shared (MAP_SHARED) between the test and its children. */
struct remote_shared {
	volatile int ready, go, stop, phase;
	volatile unsigned long cycles, forks, punches, collapses;
	char doing[128];		/* the change under way, for a fault's report */
	char error[512];
};

/* The shmem file of shmem_collapse_under_walks, inherited by its child. */
static int memfd_of_child = -1;

static struct remote_shared *shared_page(void)
{
	void *p = mmap(NULL, sizeof(struct remote_shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* --- the child that changes ---------------------------------------------- */

/* What the child expects of each page of its region. */
static uint64_t remote_stamp[REMOTE_PAGES];	/* the word at its start; 0: zero */
static uint8_t remote_prot[REMOTE_PAGES];	/* PROT_*, or UNMAPPED */
static uint64_t remote_next_stamp = 1;

static volatile uint64_t *remote_word(size_t i)
{
	return (volatile uint64_t *)(REMOTE_BASE + i * PAGE);
}

#define CHILD_FAIL(sh, ...) do {					\
	snprintf((sh)->error, sizeof((sh)->error), __VA_ARGS__);	\
	_exit(1);							\
} while (0)

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
			if (munmap((char *)REMOTE_BASE + i * PAGE, n * PAGE))
				CHILD_FAIL(sh, "munmap: %s", strerror(errno));
			memset(remote_prot + i, UNMAPPED, n);
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
				if (munmap((char *)REMOTE_BASE + d * PAGE, n * PAGE))
					CHILD_FAIL(sh, "munmap: %s", strerror(errno));
				memset(remote_prot + d, UNMAPPED, n);
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
			if (munmap((char *)REMOTE_BASE + i * PAGE, n * PAGE))
				CHILD_FAIL(sh, "munmap: %s", strerror(errno));
			memset(remote_prot + i, UNMAPPED, n);
			break;
		default:	/* now and then all of it: PMD and PTE tables are freed */
			what = "munmap of the whole region";
			if (rand_r(&seed) % 4)
				continue;
			if (munmap((char *)REMOTE_BASE, RANGE))
				CHILD_FAIL(sh, "munmap: %s", strerror(errno));
			memset(remote_prot, UNMAPPED, sizeof(remote_prot));
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

/* --- the walkers ---------------------------------------------------------- */

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

/* What every record, of a walk or of a range, must satisfy; and the counts. */
static void check_page(struct walker *w, const struct mmscope_page *p, const char *what)
{
	char why[256];
	uint64_t kpf;

	if (page_record_check(p, what, why, sizeof(why))) {
		WALKER_FAIL(w, "%s", why);
		return;
	}
	if (p->state != MMSCOPE_ENTRY_PRESENT)
		return;
	w->present++;
	w->leaves_2m += p->page_size == 2 * MB;
	if (!w->hugetlb)
		return;
	if (p->page_size != 2 * MB) {
		WALKER_FAIL(w, "%s at %#llx: a hugetlb page of %#llx bytes", what,
			    (unsigned long long)p->addr, (unsigned long long)p->page_size);
		return;
	}
	/* A hugetlb page stays one in the pool after it is punched out. */
	kpf = kpageflags(p->pfn);
	if (kpf == ~0ULL || !(kpf & (1ULL << KPF_HUGE)))
		WALKER_FAIL(w, "%s at %#llx: pfn %#llx is not HUGE in kpageflags (%#llx)",
			    what, (unsigned long long)p->addr, (unsigned long long)p->pfn,
			    (unsigned long long)kpf);
	else
		w->huge++;
}

static void check_walk(struct walker *w, uint64_t addr, const struct mmscope_walk *wk,
		       bool outside)
{
	unsigned int i;

	w->walks++;
	if ((wk->paging_levels != 4 && wk->paging_levels != 5) ||
	    wk->nr_levels > wk->paging_levels) {
		WALKER_FAIL(w, "walk of %#llx: %u of %u levels", (unsigned long long)addr,
			    wk->nr_levels, wk->paging_levels);
		return;
	}
	for (i = 0; i < wk->nr_levels; i++)
		if (wk->levels[i].level > MMSCOPE_LEVEL_PTE ||
		    wk->levels[i].state >= MMSCOPE_ENTRY_STATE_COUNT)
			WALKER_FAIL(w, "walk of %#llx: level %u is %u, state %u",
				    (unsigned long long)addr, i, wk->levels[i].level,
				    wk->levels[i].state);
	if (wk->out_flags & MMSCOPE_WALK_NO_VMA) {
		w->no_vma++;
		/* No VMA, no lock that keeps a page alive: no page state read. */
		if (wk->page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)
			WALKER_FAIL(w, "walk of %#llx: no VMA, yet page state (state %u, pfn %#llx)",
				    (unsigned long long)addr, wk->page.state,
				    (unsigned long long)wk->page.pfn);
	} else if (outside) {
		WALKER_FAIL(w, "walk of %#llx, beyond the region: a VMA", (unsigned long long)addr);
	}
	check_page(w, &wk->page, "walk");
}

/* The records of a range tile it, and each is well-formed. */
static void check_range(struct walker *w, uint64_t start, uint64_t end,
			const struct mmscope_page *recs, int n)
{
	char why[256];
	int i;

	w->ranges++;
	w->records += n;
	if (records_check(recs, n, start, end, why, sizeof(why))) {
		WALKER_FAIL(w, "%s", why);
		return;
	}
	for (i = 0; i < n; i++)
		check_page(w, &recs[i], "pages");
	if (w->edge && (recs[0].state != MMSCOPE_ENTRY_NO_VMA ||
			recs[n - 1].state != MMSCOPE_ENTRY_NO_VMA))
		WALKER_FAIL(w, "pages [%#llx, %#llx): the ends are not NO_VMA but %u and %u",
			    (unsigned long long)start, (unsigned long long)end,
			    recs[0].state, recs[n - 1].state);
}

/* An error, unless it is ESRCH after the target was told to exit. */
static void walker_error(struct walker *w, int ret, const char *what, uint64_t addr)
{
	if (ret == -ESRCH && *w->told)
		w->esrch++;
	else
		WALKER_FAIL(w, "%s at %#llx: %s", what, (unsigned long long)addr,
			    strerror(-ret));
}

static void *walker_main(void *arg)
{
	struct walker *w = arg;
	uint64_t pages = (w->hi - w->lo) / PAGE, edge = w->edge / PAGE, addr;
	struct mmscope_page *recs;
	struct mmscope_walk wk;
	bool outside;
	unsigned long round;
	int ret;

	for (round = 0; !*w->stop; round++) {
		outside = edge && rand_r(&w->seed) % 4 == 0;
		if (outside)	/* a few pages below or above the region */
			addr = rand_r(&w->seed) % 2 ?
			       w->lo - (1 + rand_r(&w->seed) % edge) * PAGE :
			       w->hi + (rand_r(&w->seed) % edge) * PAGE;
		else
			addr = w->lo + (rand_r(&w->seed) % pages) * PAGE;
		addr += rand_r(&w->seed) % PAGE;
		ret = mms_walk(w->fd, addr, &wk);
		if (ret) {
			walker_error(w, ret, "walk", addr);
			if (w->esrch)
				break;
			continue;
		}
		check_walk(w, addr, &wk, outside);
		if (round % 16)
			continue;
		ret = pages_of(w->fd, w->lo - w->edge, w->hi + w->edge, &recs);
		if (ret < 0) {
			walker_error(w, ret, "pages", w->lo);
			if (w->esrch)
				break;
			continue;
		}
		check_range(w, w->lo - w->edge, w->hi + w->edge, recs, ret);
		free(recs);
	}
	return NULL;
}

static int walkers_start(struct walker *w, int nr, pid_t target)
{
	int i, fd;

	for (i = 0; i < nr; i++) {
		fd = open_target(target);
		if (fd < 0)
			return fd;
		w[i].fd = fd;
		w[i].seed = i + 1;
		if (pthread_create(&w[i].thread, NULL, walker_main, &w[i]))
			return -EAGAIN;
	}
	return 0;
}

static void walkers_join(struct walker *w, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		pthread_join(w[i].thread, NULL);
		close(w[i].fd);
	}
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
 * The module's fault injection: a wait between reading a table entry and
 * following it, so that a walker that followed a table it had no right to
 * (one a concurrent munmap() or unshare frees) would read it after the
 * free, where KASAN sees it. The remote and shared_pmd walks run with it.
 */
#define WALK_DELAY_KNOB "/sys/module/mmscope/parameters/walk_delay_us"

static void walk_delay(const char *us)
{
	write_file(WALK_DELAY_KNOB, us);
}

/*
 * The child on CPU 1 from its birth, its walkers on CPU 0: the child's mm
 * is then never loaded on the walkers' CPU, so the TLB-flush IPI that
 * precedes a page-table free never waits for them. Walking with interrupts
 * off, as mmscope once did outside VMAs, protects nothing then
 * (pin_to_cpu()).
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

struct lone_walker {
	pthread_t thread;
	int fd;
	unsigned int seed;
	uint64_t base, size;		/* walked: random addresses in here */
	volatile bool *stop;
	unsigned long walks, mapped, pmd_tables, gone, window, errors;
	char error[256];
};

static void *lone_walker_main(void *arg)
{
	struct lone_walker *w = arg;
	struct mmscope_walk wk;
	unsigned int i;
	uint64_t addr;
	int ret;

	while (!*w->stop) {
		addr = w->base + rand_r(&w->seed) % w->size;
		ret = mms_walk(w->fd, addr, &wk);
		if (ret) {
			WALKER_FAIL(w, "walk of %#llx: %s", (unsigned long long)addr,
				    strerror(-ret));
			continue;
		}
		w->walks++;
		if (!(wk.out_flags & MMSCOPE_WALK_NO_VMA)) {
			w->mapped++;
			/* Read an entry of a PMD table: followed the PUD. */
			for (i = 0; i < wk.nr_levels; i++)
				w->pmd_tables += wk.levels[i].level == MMSCOPE_LEVEL_PMD;
			continue;
		}
		if (wk.page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)
			WALKER_FAIL(w, "walk of %#llx: no VMA, yet page state",
				    (unsigned long long)addr);
		/* The last level read is the entry that was not followed. */
		if (wk.out_flags & MMSCOPE_WALK_NOT_PINNED) {
			if (!wk.nr_levels ||
			    wk.levels[wk.nr_levels - 1].state != MMSCOPE_ENTRY_TABLE)
				WALKER_FAIL(w, "walk of %#llx: not pinned, yet no table entry last",
					    (unsigned long long)addr);
			w->window++;
		} else {
			w->gone++;
		}
	}
	return NULL;
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

/*
 * hugetlb PMD sharing: two children map the same 1 GiB of a hugetlbfs
 * memfd, PUD-aligned, so the second one's fault shares the first one's PMD
 * table. One punches holes, refaults, zaps and remaps; a punch unshares
 * the table in every mm that maps the file, without their mmap locks. We
 * walk the other child meanwhile.
 */
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

FIXTURE(shared_pmd) {
	int unused;
};

FIXTURE_SETUP(shared_pmd)
{
	walk_delay("20");
}

FIXTURE_TEARDOWN(shared_pmd)
{
	walk_delay("0");
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
	memfd = memfd_create("mmscope-pmd-share", MFD_HUGETLB | MFD_HUGE_2MB);
	if (memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(memfd, GIB));
	sh = shared_page();
	ASSERT_NE(NULL, sh);
	/* A PUD-aligned GiB with a hole of a megabyte or more on each side. */
	raw = mmap(NULL, 3 * GIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	base = (char *)(((uintptr_t)raw + MB + GIB - 1) & ~(GIB - 1));

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
	close(memfd);
	munmap(sh, sizeof(*sh));
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
	memfd = memfd_create("mmscope-pmd-unshare", MFD_HUGETLB | MFD_HUGE_2MB);
	if (memfd < 0)
		SKIP(return, "no hugetlb memfd: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(memfd, GIB));
	sh = shared_page();
	ASSERT_NE(NULL, sh);
	raw = mmap(NULL, 3 * GIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	base = (char *)(((uintptr_t)raw + MB + GIB - 1) & ~(GIB - 1));

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
	close(memfd);
	munmap(sh, sizeof(*sh));
}

/*
 * The one path that frees a PTE table under the mmap read lock (6.6+): a
 * collapse of shmem into a THP retracts the PTE table that mapped its small
 * pages (collapse_pte_mapped_thp(), pte_free_defer()), with RCU. A child
 * punches a page out of a shmem THP (it splits, and faults back into a PTE
 * table), then MADV_COLLAPSEs it again, in a loop, while we walk it.
 */
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
