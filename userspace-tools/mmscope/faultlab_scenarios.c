// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios of mmscope faultlab: each maps a fault lab into this
 * process and does one thing at a time to it, stating what it expects of
 * the lab's counters. Each is also a lab of mmscope lab, "faultlab-NAME".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faultlab.h"
#include "libmmscope.h"
#include "main.h"

static void touch_read(const volatile char *p)
{
	(void)*p;
}

static int demand(struct fault_lab *fl)
{
	volatile char *p;

	fault_step(fl, "mmap() 4 pages MAP_SHARED: nothing is mapped until touched", NULL);
	p = fault_map(fl, 4, PROT_READ, MAP_SHARED);
	if (!p)
		return -1;
	fault_walk_also(fl, A(p));
	fault_walk_also(fl, A(p + PAGE));
	fault_check(fl, EXPECT({ "mmaps", 1 }, { "faults_read", 0 }));

	fault_step(fl, "read page 0: ->fault fills a zeroed page, returns it locked in vmf->page",
		   ADDRS(A(p), A(p + PAGE)));
	touch_read(p);
	fault_check(fl, EXPECT({ "faults_read", 1 }, { "faults_page", 1 }, { "pages_filled", 1 }));

	fault_step(fl, "read page 0 again: the PTE is present, the kernel is not entered",
		   ADDRS(A(p)));
	touch_read(p + 8);
	fault_check(fl, EXPECT({ "faults_read", 0 }));

	fault_step(fl, "read page 2: one more fault; page 1 stays unmapped",
		   ADDRS(A(p + PAGE), A(p + 2 * PAGE)));
	touch_read(p + 2 * PAGE);
	fault_check(fl, EXPECT({ "faults_read", 1 }));

	fault_step(fl, "munmap(): ->close; the lab keeps its pages for the next mmap()",
		   ADDRS(A(p)));
	munmap((void *)p, 4 * PAGE);
	fault_check(fl, EXPECT({ "closes", 1 }, { "vmas", -1 }));
	return 0;
}

static int faultaround(struct fault_lab *fl)
{
	volatile char *p = fault_map(fl, 16, PROT_READ, MAP_SHARED);
	int i;

	if (!p)
		return -1;
	fault_step(fl, "read 16 pages of an empty lab: ->map_pages finds nothing cached, so each page faults",
		   ADDRS(A(p), A(p + 15 * PAGE)));
	for (i = 0; i < 16; i++)
		touch_read(p + i * PAGE);
	fault_check(fl, EXPECT({ "faults_read", 16 }, { "map_pages_calls", 16 },
			       { "map_pages_pages", 0 }));
	munmap((void *)p, 16 * PAGE);

	p = fault_map(fl, 16, PROT_READ, MAP_SHARED);
	if (!p)
		return -1;
	fault_step(fl, "map again and read page 0: fault-around maps the cached pages around it, and page 0 itself, without ->fault",
		   ADDRS(A(p), A(p + PAGE), A(p + 15 * PAGE)));
	touch_read(p);
	fault_check(fl, EXPECT({ "faults_read", 0 }, { "map_pages_calls", 1 }));

	fault_step(fl, "read all 16: what fault-around did not map, the next ->map_pages calls do; still no ->fault",
		   ADDRS(A(p + 15 * PAGE)));
	for (i = 0; i < 16; i++)
		touch_read(p + i * PAGE);
	fault_check(fl, EXPECT({ "faults_read", 0 }));
	munmap((void *)p, 16 * PAGE);
	return 0;
}

static int cow(struct fault_lab *fl)
{
	char *priv = fault_map(fl, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *shared = fault_map(fl, 2, PROT_READ, MAP_SHARED);
	const struct mmscope_faultlab_pattern *rec = (const void *)shared;
	char seen[64];

	if (!priv || !shared) {
		if (priv)
			munmap(priv, 2 * PAGE);
		if (shared)
			munmap(shared, 2 * PAGE);
		return -1;
	}
	fault_step(fl, "read page 0 of a MAP_PRIVATE mapping: the lab's page is mapped read-only (cow: copy)",
		   ADDRS(A(priv)));
	touch_read(priv);
	fault_check(fl, EXPECT({ "faults_read", 1 }));

	fault_step(fl, "write it: do_wp_page() copies it to a new anonymous page; no lab callback runs",
		   ADDRS(A(priv)));
	priv[0] = 'x';
	fault_check(fl, EXPECT({ "faults_write", 0 }, { "page_mkwrites", 0 }));

	fault_step(fl, "write page 1 before reading it: ->fault runs for a write, and the core copies what it returns",
		   ADDRS(A(priv + PAGE)));
	priv[PAGE] = 'y';
	fault_check(fl, EXPECT({ "faults_write", 1 }));

	fault_step(fl, "read the lab's page 0 through MAP_SHARED: it still holds its pattern, so the write went to the copy",
		   ADDRS(A(shared), A(priv)));
	touch_read(shared);
	snprintf(seen, sizeof(seen), "magic 0x%llx pgoff %llu",
		 (unsigned long long)rec->magic, (unsigned long long)rec->pgoff);
	lab_expect(fl->lab, rec->magic == MMSCOPE_FAULTLAB_MAGIC && rec->pgoff == 0,
		   "the lab's page 0, read through MAP_SHARED", "its pattern (pgoff 0)", seen);
	fault_check(fl, NULL);
	munmap(priv, 2 * PAGE);
	munmap(shared, 2 * PAGE);
	return 0;
}

static int mkwrite(struct fault_lab *fl)
{
	volatile char *p = fault_map(fl, 2, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (!p)
		return -1;
	fault_step(fl, "write page 0 of a MAP_SHARED mapping: ->fault, then ->page_mkwrite dirties the page",
		   ADDRS(A(p)));
	p[0] = 1;
	fault_check(fl, EXPECT({ "faults_write", 1 }, { "page_mkwrites", 1 }));

	fault_step(fl, "write it again: the PTE is writable and dirty now, no callback", ADDRS(A(p)));
	p[1] = 2;
	fault_check(fl, EXPECT({ "page_mkwrites", 0 }));

	fault_step(fl, "msync(MS_SYNC) cleans the page: its PTE is write-protected again",
		   ADDRS(A(p)));
	msync((void *)p, 2 * PAGE, MS_SYNC);
	fault_check(fl, EXPECT({ "pages_cleaned", 1 }));

	fault_step(fl, "write it once more: ->page_mkwrite runs again, as after writeback",
		   ADDRS(A(p)));
	p[2] = 3;
	fault_check(fl, EXPECT({ "page_mkwrites", 1 }, { "faults_write", 0 }));
	munmap((void *)p, 2 * PAGE);
	return 0;
}

/*
 * An exit calls ->close at the mm's last mmput(), which a reader of the
 * process (ps, a walker) may do a little later: wait for it, 5 s at most,
 * and say so if it did not come.
 */
static void wait_for_close(struct fault_lab *fl)
{
	struct mmscope_faultlab_stats st;
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 500; i++) {
		if (mms_faultlab_stats(fl->fd, &st))
			return;	/* fault_check() says why */
		if (st.lab.closes != fl->last.closes)
			return;
		nanosleep(&pause, NULL);
	}
	lab_expect(fl->lab, false, "->close of the child's VMA, after its exit", "within 5 s",
		   "not yet");
}

/*
 * A child reads @p (or writes @value there, if not 0) and exits; its end
 * in *@status, once its copy of the VMA is closed. 0, or -1 (broken).
 */
static int in_child(struct fault_lab *fl, volatile char *p, char value, int *status)
{
	pid_t pid;

	fflush(stdout);	/* the child must not print what we have not */
	pid = fork();
	if (pid < 0) {
		lab_broken(fl->lab, "fork(): %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		if (value)
			*p = value;
		else
			touch_read(p);
		_exit(0);
	}
	waitpid(pid, status, 0);
	wait_for_close(fl);
	return 0;
}

static int forked(struct fault_lab *fl)
{
	volatile char *p = fault_map(fl, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char seen[16];
	int status;

	if (!p)
		return -1;
	fault_step(fl, "write page 0 of 2 pages mapped MAP_SHARED", ADDRS(A(p)));
	p[0] = 1;
	fault_check(fl, EXPECT({ "faults_write", 1 }, { "page_mkwrites", 1 }));

	fault_step(fl, "fork(); the child writes page 1 and exits: ->open for its copy of the VMA, ->close at its exit; we see its write",
		   ADDRS(A(p + PAGE)));
	if (in_child(fl, p + PAGE, 42, &status)) {
		munmap((void *)p, 2 * PAGE);
		return -1;
	}
	snprintf(seen, sizeof(seen), "%d", p[PAGE]);
	lab_expect(fl->lab, p[PAGE] == 42, "the child's write, read here", "42", seen);
	fault_check(fl, EXPECT({ "opens", 1 }, { "closes", 1 }, { "faults_write", 1 }));
	munmap((void *)p, 2 * PAGE);
	return 0;
}

static int split(struct fault_lab *fl)
{
	char *p;

	fault_step(fl, "map 3 pages: one VMA", NULL);
	p = fault_map(fl, 3, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p)
		return -1;
	fault_check(fl, EXPECT({ "vmas", 1 }));

	fault_step(fl, "mprotect() the middle page read-only: ->may_split twice, ->open for each new VMA",
		   NULL);
	if (mprotect(p + PAGE, PAGE, PROT_READ))
		lab_broken(fl->lab, "mprotect(): %s", strerror(errno));
	fault_check(fl, EXPECT({ "may_splits", 2 }, { "opens", 2 }, { "vmas", 2 }));

	fault_step(fl, "munmap() all: ->close for each of the three", NULL);
	munmap(p, 3 * PAGE);
	fault_check(fl, EXPECT({ "closes", 3 }, { "vmas", -3 }));
	return 0;
}

static int moved(struct fault_lab *fl)
{
	char *p = fault_map(fl, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *hole = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	if (!p || hole == MAP_FAILED) {
		if (hole == MAP_FAILED)
			lab_broken(fl->lab, "mmap() of a hole: %s", strerror(errno));
		else
			munmap(hole, 2 * PAGE);
		if (p)
			munmap(p, 2 * PAGE);
		return -1;
	}
	fault_step(fl, "write page 0 of 2 pages mapped MAP_SHARED", ADDRS(A(p), A(hole)));
	p[0] = 'm';
	fault_check(fl, EXPECT({ "faults_write", 1 }));

	fault_step(fl, "mremap() them elsewhere: ->open for the new VMA, ->mremap, ->close for the old; the page table moved with them",
		   ADDRS(A(p), A(hole)));
	q = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	if (q == MAP_FAILED) {
		lab_broken(fl->lab, "mremap(): %s", strerror(errno));
		munmap(p, 2 * PAGE);
		munmap(hole, 2 * PAGE);
		return -1;
	}
	fault_check(fl, EXPECT({ "mremaps", 1 }, { "opens", 1 }, { "closes", 1 },
			       { "faults_read", 0 }));
	munmap(q, 2 * PAGE);
	return 0;
}

static int sigbus(struct fault_lab *fl)
{
	volatile char *p = fault_map(fl, 2, PROT_READ, MAP_SHARED);
	char seen[32];
	int status;

	if (!p)
		return -1;
	fault_step(fl, "a 1-page lab mapped with 2 pages: page 0 reads fine", ADDRS(A(p)));
	touch_read(p);
	fault_check(fl, EXPECT({ "faults_read", 1 }, { "faults_sigbus", 0 }));

	fault_step(fl, "a child reads page 1, past the lab's end: ->fault says VM_FAULT_SIGBUS and the child dies of SIGBUS; ->open and ->close for its copy of the VMA",
		   NULL);
	if (in_child(fl, p + PAGE, 0, &status)) {
		munmap((void *)p, 2 * PAGE);
		return -1;
	}
	if (WIFSIGNALED(status))
		snprintf(seen, sizeof(seen), "signal %d", WTERMSIG(status));
	else
		snprintf(seen, sizeof(seen), "exit %d", WEXITSTATUS(status));
	lab_expect(fl->lab, WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
		   "the child's end (waitpid)", "signal 7 (SIGBUS)", seen);
	fault_check(fl, EXPECT({ "faults_sigbus", 1 }, { "opens", 1 }, { "closes", 1 }));
	munmap((void *)p, 2 * PAGE);
	return 0;
}

static int pfnmap(struct fault_lab *fl)
{
	volatile char *p = fault_map(fl, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char buf[8] = "", seen[32];
	int mem;

	if (!p)
		return -1;
	fault_step(fl, "read page 0 of device memory: ->fault inserts the PFN with vmf_insert_pfn(); the VMA is VM_IO|VM_PFNMAP",
		   ADDRS(A(p)));
	touch_read(p);
	fault_check(fl, EXPECT({ "faults_read", 1 }, { "faults_nopage", 1 }));

	fault_step(fl, "write it: the entry was read-only (write-notify), so ->pfn_mkwrite runs",
		   ADDRS(A(p)));
	p[0] = 'd';
	fault_check(fl, EXPECT({ "pfn_mkwrites", 1 }, { "faults_write", 0 }));

	fault_step(fl, "read it through /proc/self/mem: GUP refuses VM_IO, so access_remote_vm() calls ->access",
		   NULL);
	mem = open("/proc/self/mem", O_RDONLY);
	if (mem < 0 || pread(mem, buf, 1, (off_t)A(p)) != 1)
		snprintf(seen, sizeof(seen), "%s", strerror(errno));
	else
		snprintf(seen, sizeof(seen), "'%c'", buf[0]);
	if (mem >= 0)
		close(mem);
	lab_expect_str(fl->lab, "the byte read from /proc/self/mem", "'d'", seen);
	fault_check(fl, EXPECT({ "access_calls", 1 }, { "access_bytes", 1 }));
	munmap((void *)p, 2 * PAGE);
	return 0;
}

/*
 * Each scenario, once: its function, name, fault-lab mode, setup flags and
 * pages, the concepts of docs/lab.md it shows, and its title. It becomes a
 * struct scenario and a lab, "faultlab-NAME".
 */
#define FAULTLAB_SCENARIOS(X)							\
	X(demand, "demand", MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_NO_FAULT_AROUND, 4,	\
	  C(9, 18), "demand paging: one ->fault per page touched")		\
	X(faultaround, "faultaround", MMSCOPE_FAULTLAB_PAGE, 0, 16, C(18),	\
	  "fault-around: ->map_pages maps what the cache holds")		\
	X(cow, "cow", MMSCOPE_FAULTLAB_PATTERN, 0, 2, C(16, 18),		\
	  "copy-on-write of a MAP_PRIVATE mapping of a driver's pages")		\
	X(mkwrite, "mkwrite", MMSCOPE_FAULTLAB_PAGE, 0, 2, C(18),		\
	  "->page_mkwrite on MAP_SHARED, and cleaning by msync()")		\
	X(forked, "fork", MMSCOPE_FAULTLAB_PAGE, 0, 2, C(3, 18),		\
	  "fork and ->open, exit and ->close")					\
	X(split, "split", MMSCOPE_FAULTLAB_PAGE, 0, 3, C(7, 18),		\
	  "mprotect() splits a VMA: ->may_split, ->open")			\
	X(moved, "mremap", MMSCOPE_FAULTLAB_PATTERN, 0, 2, C(18),		\
	  "mremap() moves a VMA and its page tables: ->mremap")		\
	X(sigbus, "sigbus", MMSCOPE_FAULTLAB_PAGE, 0, 1, C(18),			\
	  "SIGBUS past the end of a driver's pages")				\
	X(pfnmap, "pfnmap", MMSCOPE_FAULTLAB_PFN, 0, 2, C(19),			\
	  "device memory: VM_PFNMAP, ->pfn_mkwrite and ->access")

#define C(...) ((const unsigned char[]){ __VA_ARGS__, 0 })

/* lab.h's run takes only the lab: one stub per scenario gives it its own. */
#define AS_STUB(fn, name, mode, flags, pages, concepts, title)		\
	static int lab_##fn(struct lab *lab)					\
	{									\
		static const struct scenario sc = { name, mode, flags, pages, fn }; \
										\
		return run_scenario_lab(lab, &sc);				\
	}
FAULTLAB_SCENARIOS(AS_STUB)

#define AS_LAB(fn, name, mode, flags, pages, concepts, title)		\
	{ "faultlab-" name, title, concepts, lab_##fn },
const struct lab_def lab_faultlab_defs[] = {
	FAULTLAB_SCENARIOS(AS_LAB)
	{}
};
