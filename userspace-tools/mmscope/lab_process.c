// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of processes and their mm: threads share one mm_struct (CLONE_VM),
 * fork gives a new one whose private pages are copy-on-write, and who
 * copies and who reuses when either side writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "libmmscope.h"

#define NR_THREADS 3

struct lab_thread {
	pthread_t thread;
	pid_t tid;
	uint64_t stack_addr;	/* an address on its stack */
	int ready[2];		/* it writes when it runs */
	int go[2];		/* it ends when this closes */
};

static void *thread_main(void *arg)
{
	struct lab_thread *t = arg;
	char c = 0;

	t->tid = gettid();
	t->stack_addr = (uintptr_t)&c;
	if (write(t->ready[1], &c, 1) != 1)
		return NULL;
	while (read(t->go[0], &c, 1) > 0)
		;
	return NULL;
}

/*
 * mm_users, as the smallest of 20 readings 5 ms apart: whoever holds the
 * mm for a moment (a /proc reader, ps, mmscope's own queries) raises it
 * while it does, and the lab must not depend on being alone.
 */
static int settled_mm_users(struct lab *lab, pid_t pid, uint64_t *users)
{
	struct mmscope_mm_info mm;
	int i;

	*users = UINT64_MAX;
	for (i = 0; i < 20; i++) {
		if (lab_mm_info(lab, pid, &mm, NULL, NULL))
			return -1;
		if (mm.mm_users < *users)
			*users = mm.mm_users;
		usleep(5000);
	}
	return 0;
}

static bool users_has(const struct mmscope_mm_user *users, uint32_t n, pid_t tid)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if ((pid_t)users[i].tid == tid)
			return true;
	return false;
}

static int threads(struct lab *lab)
{
	struct lab_thread t[NR_THREADS];
	struct mmscope_mm_user users[64];
	struct mmscope_mm_info before, after, other;
	uint64_t users0, users1;
	struct snap s0 = { 0 }, s1 = { 0 };
	pid_t self = getpid();
	uint32_t nusers = 64;
	long threads0, threads1;
	char what[128], seen[64];
	int i, started = 0;

	lab_step(lab, "This process starts %d threads (pthread_create: clone(CLONE_VM | CLONE_THREAD))",
		 NR_THREADS);
	threads0 = proc_status_kb(self, "Threads");
	if (lab_mm_info(lab, self, &before, NULL, NULL) || snap_mm(lab, &s0, "", self) ||
	    settled_mm_users(lab, self, &users0))
		goto out;
	for (i = 0; i < NR_THREADS; i++) {
		char c;

		if (pipe(t[i].ready) || pipe(t[i].go)) {
			lab_broken(lab, "pipe: %s", strerror(errno));
			goto out;
		}
		if (pthread_create(&t[i].thread, NULL, thread_main, &t[i])) {
			lab_broken(lab, "pthread_create failed");
			close(t[i].go[1]);
			goto out;
		}
		started++;
		if (read(t[i].ready[0], &c, 1) != 1) {
			lab_broken(lab, "thread %d did not start", i);
			goto out;
		}
	}
	threads1 = proc_status_kb(self, "Threads");
	if (lab_mm_info(lab, self, &after, users, &nusers) || snap_mm(lab, &s1, "", self) ||
	    settled_mm_users(lab, self, &users1))
		goto out;
	lab_changes(lab, &s0, &s1);
	lab_expect_u64(lab, "/proc/PID/status Threads: one more per thread",
		       threads0 + NR_THREADS, threads1);
	lab_expect_u64(lab, "mm_users (settled): one more per thread", users0 + NR_THREADS,
		       users1);
	lab_expect_u64(lab, "mmscope: tasks listed among the mm's users", threads1, nusers);
	for (i = 0; i < NR_THREADS; i++) {
		snprintf(what, sizeof(what), "thread %d (TID %d) is among the mm's users", i,
			 t[i].tid);
		lab_expect(lab, users_has(users, nusers, t[i].tid), what, "listed",
			   users_has(users, nusers, t[i].tid) ? "listed" : "not listed");
	}

	lab_step(lab, "Each thread is a task of its own, but they share the mm: one page-table root, one set of VMAs");
	for (i = 0; i < NR_THREADS; i++) {
		if (lab_mm_info(lab, t[i].tid, &other, NULL, NULL))
			goto out;
		snprintf(what, sizeof(what), "thread %d: pgd_phys", i);
		lab_expect_hex(lab, what, after.pgd_phys, other.pgd_phys);
		snprintf(what, sizeof(what), "thread %d: /proc/TID/maps has the process's VMAs", i);
		lab_expect_u64(lab, what, proc_maps_count(self, 0, UINT64_MAX),
			       proc_maps_count(t[i].tid, 0, UINT64_MAX));
	}

	lab_step(lab, "Only the stacks differ: each thread runs on a stack of its own, a VMA that glibc mapped");
	for (i = 0; i < NR_THREADS; i++) {
		uint64_t s, e, s2, e2;
		char perms[5];

		snprintf(what, sizeof(what), "thread %d's stack is a VMA apart from the main stack", i);
		if (proc_maps_find(self, t[i].stack_addr, &s, &e, perms) ||
		    proc_maps_find(self, (uintptr_t)&s2, &s2, &e2, perms)) {
			lab_expect(lab, false, what, "in /proc/PID/maps", "not found");
			continue;
		}
		snprintf(seen, sizeof(seen), "%" PRIx64 "-%" PRIx64, s, e);
		lab_expect(lab, s != s2, what, "not the main stack's VMA", seen);
	}

out:
	for (i = 0; i < started; i++) {
		close(t[i].go[1]);
		pthread_join(t[i].thread, NULL);
		close(t[i].go[0]);
		close(t[i].ready[0]);
		close(t[i].ready[1]);
	}
	if (started == NR_THREADS) {
		lab_step(lab, "The threads exit");
		if (!settled_mm_users(lab, self, &users1))
			lab_expect_u64(lab, "mm_users (settled) is back", users0, users1);
	}
	snap_free(&s0);
	snap_free(&s1);
	return 0;
}

#define FORK_PAGES 4

/* pagemap's PFN of @addr in @pid, or 0 (and a failed check). */
static uint64_t pfn_of(struct lab *lab, pid_t pid, uint64_t addr)
{
	uint64_t pfn = 0;
	char what[96];

	if (proc_pagemap(pid, addr, &pfn) != 1) {
		snprintf(what, sizeof(what), "/proc/%d/pagemap has 0x%" PRIx64 " present", pid, addr);
		lab_expect(lab, false, what, "present", "not present");
		return 0;
	}
	return pfn;
}

static void expect_cow(struct lab *lab, const char *who, pid_t pid, uint64_t addr,
		       uint32_t want)
{
	struct mmscope_page page;
	char what[96];

	if (lab_page(lab, pid, addr, &page))
		return;
	snprintf(what, sizeof(what), "mmscope: a write by the %s to 0x%" PRIx64 " would", who, addr);
	lab_expect_str(lab, what, mms_cow_name(want), mms_cow_name(page.cow));
}

/* @who writes @addr: the PFN must change (@copies) or stay. */
static void expect_write(struct lab *lab, struct subject *child, const char *who,
			 uint64_t addr, bool copies)
{
	pid_t pid = child ? child->pid : getpid();
	uint64_t pfn0 = pfn_of(lab, pid, addr), pfn1;
	char what[128];

	if (child) {
		if (subject_do(lab, child, ORDER_WRITE, addr, 0, 0x5a, NULL))
			return;
	} else {
		*(volatile char *)(uintptr_t)addr = 0x5a;
	}
	pfn1 = pfn_of(lab, pid, addr);
	snprintf(what, sizeof(what), "pagemap: the %s's PFN of 0x%" PRIx64 " %s", who, addr,
		 copies ? "changed (a copy)" : "stayed (reused)");
	if (copies)
		lab_expect_hex_ne(lab, what, pfn0, pfn1);
	else
		lab_expect_hex(lab, what, pfn0, pfn1);
}

static int fork_lab(struct lab *lab)
{
	struct mmscope_mm_info parent_mm, child_mm;
	struct subject child = { 0 };
	struct snap s0 = { 0 }, s1 = { 0 };
	cpu_set_t old_set, one;
	pid_t self = getpid();
	uint64_t base, start, end, cstart, cend;
	char perms[5], cperms[5], what[96];
	char *p;
	int i;

	/*
	 * Whether a write fault reuses a page depends on references held by
	 * per-CPU LRU batches, which the fault drains on its own CPU only:
	 * on one CPU the outcome is the kernel's rule, not a race.
	 */
	sched_getaffinity(0, sizeof(old_set), &old_set);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);

	lab_step(lab, "This process maps %d private anonymous pages and writes each", FORK_PAGES);
	p = lab_region(lab, FORK_PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!p)
		goto out;
	base = (uintptr_t)p;
	if (snap_pages(lab, &s0, "", self, base, base + FORK_PAGES * LAB_PAGE))
		goto out;
	memset(p, 1, FORK_PAGES * LAB_PAGE);
	if (snap_pages(lab, &s1, "", self, base, base + FORK_PAGES * LAB_PAGE))
		goto out;
	lab_changes(lab, &s0, &s1);
	for (i = 0; i < FORK_PAGES; i++)
		expect_cow(lab, "parent", self, base + i * LAB_PAGE, MMSCOPE_COW_WRITABLE);
	snap_free(&s0);
	snap_free(&s1);

	lab_step(lab, "fork(): the child gets an mm of its own (dup_mm()), with the same VMAs; every private written page is now write-protected in both");
	if (lab_mm_info(lab, self, &parent_mm, NULL, NULL) || subject_start(lab, &child))
		goto out;
	if (lab_mm_info(lab, child.pid, &child_mm, NULL, NULL))
		goto out;
	lab_expect_hex_ne(lab, "mmscope: the child's pgd_phys", parent_mm.pgd_phys,
			  child_mm.pgd_phys);
	lab_expect_u64(lab, "/proc/PID/maps: the child has as many VMAs as the parent",
		       proc_maps_count(self, 0, UINT64_MAX), proc_maps_count(child.pid, 0, UINT64_MAX));
	if (!proc_maps_find(self, base, &start, &end, perms) &&
	    !proc_maps_find(child.pid, base, &cstart, &cend, cperms)) {
		snprintf(what, sizeof(what), "%" PRIx64 "-%" PRIx64 " %s", start, end, perms);
		snprintf(perms, sizeof(perms), "%s", cperms);
		{
			char seen[96];

			snprintf(seen, sizeof(seen), "%" PRIx64 "-%" PRIx64 " %s", cstart, cend, cperms);
			lab_expect_str(lab, "/proc/PID/maps: the region's VMA in the child", what, seen);
		}
	} else {
		lab_broken(lab, "the region is in /proc/PID/maps of both");
	}
	for (i = 0; i < FORK_PAGES; i++) {
		uint64_t a = base + i * LAB_PAGE;

		snprintf(what, sizeof(what), "pagemap: page %d has one PFN in both", i);
		lab_expect_hex(lab, what, pfn_of(lab, self, a), pfn_of(lab, child.pid, a));
		expect_cow(lab, "parent", self, a, MMSCOPE_COW_COPY);
		expect_cow(lab, "child", child.pid, a, MMSCOPE_COW_COPY);
	}

	lab_step(lab, "The child writes page 0: wp_page_copy() gives it a new page; the parent's page is now mapped once, so a write by the parent would reuse it");
	expect_write(lab, &child, "child", base, true);
	expect_cow(lab, "parent", self, base, MMSCOPE_COW_REUSE);

	lab_step(lab, "The parent writes page 0: the page is its alone, and do_wp_page() makes it writable in place");
	expect_write(lab, NULL, "parent", base, false);

	lab_step(lab, "The parent writes page 1, still mapped by both: it gets the copy, and the child keeps the page");
	{
		uint64_t a = base + LAB_PAGE, child_pfn = pfn_of(lab, child.pid, a);

		expect_write(lab, NULL, "parent", a, true);
		lab_expect_hex(lab, "pagemap: the child's PFN of page 1 stayed", child_pfn,
			       pfn_of(lab, child.pid, a));
		expect_cow(lab, "child", child.pid, a, MMSCOPE_COW_REUSE);
	}

	lab_step(lab, "The child exits: the parent is the last mapper of pages 2 and 3, and its writes reuse them");
	subject_end(&child);
	expect_cow(lab, "parent", self, base + 2 * LAB_PAGE, MMSCOPE_COW_REUSE);
	expect_write(lab, NULL, "parent", base + 2 * LAB_PAGE, false);

out:
	subject_end(&child);
	lab_region_free(p, FORK_PAGES);
	snap_free(&s0);
	snap_free(&s1);
	sched_setaffinity(0, sizeof(old_set), &old_set);
	return 0;
}

static const unsigned char threads_concepts[] = { 2, 0 };
static const unsigned char fork_concepts[] = { 3, 16, 0 };

const struct lab_def lab_process_defs[] = {
	{ "threads", "threads share one mm (CLONE_VM)", threads_concepts, threads },
	{ "fork", "fork gives a new mm, and copy-on-write decides who copies", fork_concepts,
	  fork_lab },
	{ NULL },
};
