// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios of mmscope faultlab: each maps a lab into this process and
 * does one thing at a time to it, stating what it expects of the counters.
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
#include <unistd.h>

#include "faultlab.h"
#include "libmmscope.h"
#include "main.h"

static void touch_read(const volatile char *p)
{
	(void)*p;
}

static int demand(struct lab *lab)
{
	volatile char *p = lab_map(lab, 4, PROT_READ, MAP_SHARED);

	if (!p)
		return -1;
	step(lab, "mmap() 4 pages MAP_SHARED: nothing is mapped until touched",
	     EXPECT({ "mmaps", 1 }, { "faults_read", 0 }), ADDRS(A(p)));
	touch_read(p);
	step(lab, "read page 0: ->fault fills a zeroed page, returns it locked in vmf->page",
	     EXPECT({ "faults_read", 1 }, { "faults_page", 1 }, { "pages_filled", 1 }),
	     ADDRS(A(p), A(p + PAGE)));
	touch_read(p + 8);
	step(lab, "read page 0 again: the PTE is present, the kernel is not entered",
	     EXPECT({ "faults_read", 0 }), NULL);
	touch_read(p + 2 * PAGE);
	step(lab, "read page 2: one more fault; page 1 stays unmapped",
	     EXPECT({ "faults_read", 1 }), ADDRS(A(p + PAGE), A(p + 2 * PAGE)));
	munmap((void *)p, 4 * PAGE);
	step(lab, "munmap(): ->close; the lab keeps its pages for the next mmap()",
	     EXPECT({ "closes", 1 }, { "vmas", -1 }), NULL);
	return 0;
}

static int faultaround(struct lab *lab)
{
	volatile char *p = lab_map(lab, 16, PROT_READ, MAP_SHARED);
	int i;

	if (!p)
		return -1;
	for (i = 0; i < 16; i++)
		touch_read(p + i * PAGE);
	step(lab, "read 16 pages of an empty lab: ->map_pages finds nothing cached, so each page faults",
	     EXPECT({ "faults_read", 16 }, { "map_pages_calls", 16 }, { "map_pages_pages", 0 }),
	     NULL);
	munmap((void *)p, 16 * PAGE);
	p = lab_map(lab, 16, PROT_READ, MAP_SHARED);
	if (!p)
		return -1;
	touch_read(p);
	step(lab, "map again and read page 0: fault-around maps the cached pages around it, and page 0 itself, without ->fault",
	     EXPECT({ "faults_read", 0 }, { "map_pages_calls", 1 }),
	     ADDRS(A(p), A(p + PAGE), A(p + 15 * PAGE)));
	for (i = 0; i < 16; i++)
		touch_read(p + i * PAGE);
	step(lab, "read all 16: what fault-around did not map, the next ->map_pages calls do; still no ->fault",
	     EXPECT({ "faults_read", 0 }), NULL);
	munmap((void *)p, 16 * PAGE);
	return 0;
}

static int cow(struct lab *lab)
{
	char *priv = lab_map(lab, 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *shared = lab_map(lab, 2, PROT_READ, MAP_SHARED);
	const struct mmscope_faultlab_pattern *rec = (const void *)shared;

	if (!priv || !shared)
		return -1;
	touch_read(priv);
	step(lab, "read page 0 of a MAP_PRIVATE mapping: the lab's page is mapped read-only (cow: copy)",
	     EXPECT({ "faults_read", 1 }), ADDRS(A(priv)));
	priv[0] = 'x';
	step(lab, "write it: do_wp_page() copies it to a new anonymous page; no lab callback runs",
	     EXPECT({ "faults_write", 0 }, { "page_mkwrites", 0 }), ADDRS(A(priv)));
	priv[PAGE] = 'y';
	step(lab, "write page 1 before reading it: ->fault runs for a write, and the core copies what it returns",
	     EXPECT({ "faults_write", 1 }), ADDRS(A(priv + PAGE)));
	touch_read(shared);
	step(lab, rec->magic == MMSCOPE_FAULTLAB_MAGIC && rec->pgoff == 0 ?
	     "the lab's page 0, seen through MAP_SHARED, still holds its pattern: the write went to the copy" :
	     "the lab's page 0 LOST its pattern",
	     NULL, ADDRS(A(shared), A(priv)));
	if (rec->magic != MMSCOPE_FAULTLAB_MAGIC)
		lab->failed++;
	munmap(priv, 2 * PAGE);
	munmap(shared, 2 * PAGE);
	return 0;
}

static int mkwrite(struct lab *lab)
{
	volatile char *p = lab_map(lab, 2, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (!p)
		return -1;
	p[0] = 1;
	step(lab, "write page 0 of a MAP_SHARED mapping: ->fault, then ->page_mkwrite dirties the page",
	     EXPECT({ "faults_write", 1 }, { "page_mkwrites", 1 }), ADDRS(A(p)));
	p[1] = 2;
	step(lab, "write it again: the PTE is writable and dirty now, no callback",
	     EXPECT({ "page_mkwrites", 0 }), NULL);
	msync((void *)p, 2 * PAGE, MS_SYNC);
	step(lab, "msync(MS_SYNC) cleans the page: its PTE is write-protected again",
	     EXPECT({ "pages_cleaned", 1 }), ADDRS(A(p)));
	p[2] = 3;
	step(lab, "write it once more: ->page_mkwrite runs again, as after writeback",
	     EXPECT({ "page_mkwrites", 1 }, { "faults_write", 0 }), ADDRS(A(p)));
	munmap((void *)p, 2 * PAGE);
	return 0;
}

static int forked(struct lab *lab)
{
	volatile char *p = lab_map(lab, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	int status;
	pid_t pid;

	if (!p)
		return -1;
	p[0] = 1;
	step(lab, "map 2 pages MAP_SHARED and write page 0", NULL, NULL);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		p[PAGE] = 42;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	step(lab, p[PAGE] == 42 ?
	     "fork(); the child writes page 1 and exits: ->open for its copy of the VMA, ->close at its exit; we see its write" :
	     "fork(); the child's write to page 1 is NOT visible here",
	     EXPECT({ "opens", 1 }, { "closes", 1 }, { "faults_write", 1 }), ADDRS(A(p + PAGE)));
	if (p[PAGE] != 42)
		lab->failed++;
	munmap((void *)p, 2 * PAGE);
	return 0;
}

static int split(struct lab *lab)
{
	char *p = lab_map(lab, 3, PROT_READ | PROT_WRITE, MAP_SHARED);

	if (!p)
		return -1;
	step(lab, "map 3 pages: one VMA", EXPECT({ "vmas", 1 }), NULL);
	mprotect(p + PAGE, PAGE, PROT_READ);
	step(lab, "mprotect() the middle page read-only: ->may_split twice, ->open for each new VMA",
	     EXPECT({ "may_splits", 2 }, { "opens", 2 }, { "vmas", 2 }), NULL);
	munmap(p, 3 * PAGE);
	step(lab, "munmap() all: ->close for each of the three", EXPECT({ "closes", 3 }), NULL);
	return 0;
}

static int moved(struct lab *lab)
{
	char *p = lab_map(lab, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char *hole = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q;

	if (!p || hole == MAP_FAILED)
		return -1;
	p[0] = 'm';
	step(lab, "map 2 pages and write page 0", NULL, ADDRS(A(p)));
	q = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	if (q == MAP_FAILED) {
		p_err("mremap: %s", strerror(errno));
		return -1;
	}
	step(lab, "mremap() them elsewhere: ->open for the new VMA, ->mremap, ->close for the old; the page table moved with them",
	     EXPECT({ "mremaps", 1 }, { "opens", 1 }, { "closes", 1 }, { "faults_read", 0 }),
	     ADDRS(A(q)));
	munmap(q, 2 * PAGE);
	return 0;
}

static int sigbus(struct lab *lab)
{
	volatile char *p = lab_map(lab, 2, PROT_READ, MAP_SHARED);
	int status;
	pid_t pid;

	if (!p)
		return -1;
	touch_read(p);
	step(lab, "a 1-page lab mapped with 2 pages: page 0 reads fine", NULL, ADDRS(A(p)));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		touch_read(p + PAGE);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	step(lab, WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS ?
	     "a child reads page 1, past the lab's end: ->fault says VM_FAULT_SIGBUS and the child dies of SIGBUS" :
	     "a child read past the lab's end and did NOT get SIGBUS",
	     EXPECT({ "faults_sigbus", 1 }), NULL);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		lab->failed++;
	munmap((void *)p, 2 * PAGE);
	return 0;
}

static int pfnmap(struct lab *lab)
{
	volatile char *p = lab_map(lab, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	char buf[8] = "";
	int mem;

	if (!p)
		return -1;
	touch_read(p);
	step(lab, "read page 0 of device memory: ->fault inserts the PFN with vmf_insert_pfn(); the VMA is VM_IO|VM_PFNMAP",
	     EXPECT({ "faults_read", 1 }, { "faults_nopage", 1 }), ADDRS(A(p)));
	p[0] = 'd';
	step(lab, "write it: the entry was read-only (write-notify), so ->pfn_mkwrite runs",
	     EXPECT({ "pfn_mkwrites", 1 }, { "faults_write", 0 }), ADDRS(A(p)));
	mem = open("/proc/self/mem", O_RDONLY);
	if (mem < 0 || pread(mem, buf, 1, (off_t)A(p)) != 1 || buf[0] != 'd')
		lab->failed++;
	if (mem >= 0)
		close(mem);
	step(lab, "read it through /proc/self/mem: GUP refuses VM_IO, so access_remote_vm() calls ->access",
	     EXPECT({ "access_calls", 1 }, { "access_bytes", 1 }), NULL);
	munmap((void *)p, 2 * PAGE);
	return 0;
}

const struct scenario scenarios[] = {
	{ "demand", "demand paging: one fault per page touched",
	  MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_NO_FAULT_AROUND, 4, demand },
	{ "faultaround", "fault-around: ->map_pages maps what the cache holds",
	  MMSCOPE_FAULTLAB_PAGE, 0, 16, faultaround },
	{ "cow", "copy-on-write of a MAP_PRIVATE mapping",
	  MMSCOPE_FAULTLAB_PATTERN, 0, 2, cow },
	{ "mkwrite", "page_mkwrite on MAP_SHARED, and cleaning",
	  MMSCOPE_FAULTLAB_PAGE, 0, 2, mkwrite },
	{ "fork", "fork and ->open, exit and ->close",
	  MMSCOPE_FAULTLAB_PAGE, 0, 2, forked },
	{ "split", "mprotect splits a VMA",
	  MMSCOPE_FAULTLAB_PAGE, 0, 3, split },
	{ "mremap", "mremap moves a VMA",
	  MMSCOPE_FAULTLAB_PATTERN, 0, 2, moved },
	{ "sigbus", "SIGBUS past the end",
	  MMSCOPE_FAULTLAB_PAGE, 0, 1, sigbus },
	{ "pfnmap", "device memory: VM_PFNMAP, pfn_mkwrite and ->access",
	  MMSCOPE_FAULTLAB_PFN, 0, 2, pfnmap },
};
const size_t nr_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);
