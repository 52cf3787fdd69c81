// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario engine of mmscope faultlab, on the lab engine (lab.h): open
 * a fault lab, map it, and around each step's action show what the kernel
 * did about it: the lab's counters that moved, the new fault-log entries,
 * and the lab's VMAs and page-table walks, before and after. A step checks
 * the counters it expects, and that /proc/self/pagemap and /proc/self/maps
 * say of the same pages and VMAs what mmscope says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "faultlab.h"
#include "libmmscope.h"
#include "main.h"

static bool is_lab_vma(const struct mmscope_vma *v)
{
	return strstr((const char *)v->vm_ops, "mmscope_lab_") != NULL;
}

static int read_counters(struct fault_lab *fl, struct mmscope_faultlab_stats *st)
{
	int ret = mms_faultlab_stats(fl->fd, st);

	if (ret)
		lab_broken(fl->lab, "FAULTLAB_STATS: %s", strerror(-ret));
	return ret;
}

/* The lab's VMAs in this process, and the walks of the step's addresses. */
static void snapshot(struct fault_lab *fl, struct snap *s)
{
	struct mmscope_vma *vmas;
	struct mmscope_walk w;
	char key[64];
	size_t n, i;
	int ret;

	ret = mms_vmas_all(fl->fd, &vmas, &n);
	if (ret) {
		lab_broken(fl->lab, "VMAS of this process: %s", strerror(-ret));
		return;
	}
	for (i = 0; i < n; i++) {
		if (!is_lab_vma(&vmas[i]))
			continue;
		snprintf(key, sizeof(key), "lab vma %llx-%llx", vmas[i].start, vmas[i].end);
		snap_put(s, key, "%s %s flags 0x%llx", (const char *)vmas[i].perms,
			 mms_kind_name(vmas[i].kind), (unsigned long long)vmas[i].vm_flags);
	}
	free(vmas);

	for (i = 0; i < fl->naddrs; i++) {
		const struct mmscope_page *p = &w.page;

		ret = mms_walk(fl->fd, fl->addrs[i], &w);
		if (ret) {
			lab_broken(fl->lab, "WALK of 0x%" PRIx64 ": %s", fl->addrs[i],
				   strerror(-ret));
			continue;
		}
		snprintf(key, sizeof(key), "walk 0x%" PRIx64, fl->addrs[i]);
		if (w.out_flags & MMSCOPE_WALK_NO_VMA)
			snap_put(s, key, "no VMA");
		else if (p->state == MMSCOPE_ENTRY_PRESENT)
			snap_put(s, key, "present pfn 0x%llx %s cow %s%s",
				 (unsigned long long)p->pfn,
				 p->pte_flags & MMSCOPE_PTE_RW ? "rw" : "ro", mms_cow_name(p->cow),
				 p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE ? "" :
				 " special (no struct page)");
		else
			snap_put(s, key, "%s", mms_state_name(p->state));
	}
}

void fault_walk_also(struct fault_lab *fl, uint64_t addr)
{
	if (fl->naddrs < FAULT_ADDRS_MAX)
		fl->addrs[fl->naddrs++] = addr;
}

/* Skips the log to its end: what was logged before this step is not its own. */
static void log_skip(struct fault_lab *fl)
{
	struct mmscope_faultlab_event ev;
	uint32_t n;

	do {
		n = 1;
		if (mms_faultlab_log(fl->fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, fl->since, &ev, &n,
				     &fl->since, NULL))
			break;
	} while (n);
}

void fault_step(struct fault_lab *fl, const char *say, const uint64_t *addrs)
{
	struct mmscope_faultlab_stats st;

	lab_step(fl->lab, "%s", say);
	fl->naddrs = 0;
	for (; addrs && *addrs; addrs++)
		fault_walk_also(fl, *addrs);
	if (!read_counters(fl, &st))
		fl->last = st.lab;
	log_skip(fl);
	snap_free(&fl->before);
	snapshot(fl, &fl->before);
}

/* The counters that moved, as changes. */
static void counters_moved(struct fault_lab *fl, const struct mmscope_faultlab_counters *now)
{
	char what[64], before[32], after[32];
	size_t i;

	for (i = 0; i < nr_counters; i++) {
		if (counter(now, i) == counter(&fl->last, i))
			continue;
		snprintf(what, sizeof(what), "lab counter %s", counter_fields[i].name);
		snprintf(before, sizeof(before), "%" PRId64, counter(&fl->last, i));
		snprintf(after, sizeof(after), "%" PRId64, counter(now, i));
		lab_change(fl->lab, what, before, after);
	}
}

/* Each counter of @expect moved by its delta over the step. */
static void counters_check(struct fault_lab *fl, const struct mmscope_faultlab_counters *now,
			   const struct expect *expect)
{
	char what[64], want[32], seen[32];
	size_t i;

	for (; expect && expect->counter; expect++) {
		int64_t moved = 0;
		bool known = false;

		for (i = 0; i < nr_counters; i++) {
			if (strcmp(counter_fields[i].name, expect->counter))
				continue;
			moved = counter(now, i) - counter(&fl->last, i);
			known = true;
		}
		snprintf(what, sizeof(what), "lab counter %s moved by", expect->counter);
		snprintf(want, sizeof(want), "%+" PRId64, expect->delta);
		if (known)
			snprintf(seen, sizeof(seen), "%+" PRId64, moved);
		else
			snprintf(seen, sizeof(seen), "no such counter");
		lab_expect(fl->lab, known && moved == expect->delta, what, want, seen);
	}
}

/* The fault log's new entries of this lab, as changes. */
static void log_changes(struct fault_lab *fl)
{
	struct mmscope_faultlab_event ev[32];
	char what[32], text[256];
	uint32_t n, i;
	int ret;

	do {
		n = 32;
		ret = mms_faultlab_log(fl->fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, fl->since, ev, &n,
				       &fl->since, NULL);
		if (ret) {
			lab_broken(fl->lab, "FAULTLAB_LOG: %s", strerror(-ret));
			return;
		}
		for (i = 0; i < n; i++) {
			snprintf(what, sizeof(what), "fault log #%" PRIu64, (uint64_t)ev[i].seq);
			format_event(text, sizeof(text), &ev[i]);
			lab_change(fl->lab, what, "-", text);
		}
	} while (n);
}

/* The range of /proc/self/maps holding @addr, as "START-END", or "no VMA". */
static void maps_range(uint64_t addr, char *buf, size_t len)
{
	uint64_t start, end;
	char perms[5];

	if (proc_maps_find(getpid(), addr, &start, &end, perms))
		snprintf(buf, len, "no VMA");
	else
		snprintf(buf, len, "%" PRIx64 "-%" PRIx64, start, end);
}

/* Each lab VMA the step ended (unmapped, split, moved) is gone from /proc/self/maps. */
static void gone_check(struct fault_lab *fl, struct snap *after)
{
	char what[96], want[64], seen[64];
	unsigned long long a, b;
	size_t i;

	for (i = 0; i < fl->before.count; i++) {
		if (sscanf(fl->before.keys[i], "lab vma %llx-%llx", &a, &b) != 2 ||
		    snap_get(after, fl->before.keys[i]))
			continue;
		snprintf(what, sizeof(what), "/proc/self/maps at 0x%llx, where %llx-%llx was", a,
			 a, b);
		snprintf(want, sizeof(want), "not %llx-%llx", a, b);
		maps_range(a, seen, sizeof(seen));
		lab_expect(fl->lab, strcmp(want + 4, seen), what, want, seen);
	}
}

/*
 * The oracles: what /proc/self/pagemap says of each walked page, and
 * whether /proc/self/maps has each of the lab's VMAs, against mmscope.
 */
static void proc_check(struct fault_lab *fl, const struct snap *after)
{
	char what[96], want[96], seen[96];
	uint64_t pfn;
	size_t i;

	for (i = 0; i < after->count; i++) {
		const char *key = after->keys[i], *val = after->vals[i];
		unsigned long long a, b, mpfn;
		int present;

		if (sscanf(key, "lab vma %llx-%llx", &a, &b) == 2) {
			snprintf(what, sizeof(what), "/proc/self/maps at 0x%llx", a);
			snprintf(want, sizeof(want), "%llx-%llx", a, b);
			maps_range(a, seen, sizeof(seen));
			lab_expect_str(fl->lab, what, want, seen);
			continue;
		}
		if (sscanf(key, "walk 0x%llx", &a) != 1)
			continue;
		if (!strcmp(val, "no VMA")) {
			snprintf(what, sizeof(what), "/proc/self/maps at 0x%llx", a);
			maps_range(a, seen, sizeof(seen));
			lab_expect_str(fl->lab, what, "no VMA", seen);
			continue;
		}
		snprintf(what, sizeof(what), "/proc/self/pagemap of 0x%llx", a);
		present = proc_pagemap(getpid(), a, &pfn);
		if (present < 0)
			snprintf(seen, sizeof(seen), "unreadable");
		else if (present)
			snprintf(seen, sizeof(seen), "present pfn 0x%" PRIx64, pfn);
		else
			snprintf(seen, sizeof(seen), "not present");
		if (strstr(val, "special"))
			/* pagemap's walk passes over VM_PFNMAP: it sees nothing there. */
			snprintf(want, sizeof(want), "not present");
		else if (sscanf(val, "present pfn 0x%llx", &mpfn) == 1)
			snprintf(want, sizeof(want), "present pfn 0x%llx", mpfn);
		else
			snprintf(want, sizeof(want), "not present");
		lab_expect_str(fl->lab, what, want, seen);
	}
}

void fault_check(struct fault_lab *fl, const struct expect *expect)
{
	struct mmscope_faultlab_stats st;
	struct snap after = { 0 };

	if (read_counters(fl, &st))
		return;
	/* What moved first, then what the step expected of it. */
	counters_moved(fl, &st.lab);
	log_changes(fl);
	snapshot(fl, &after);
	lab_changes(fl->lab, &fl->before, &after);
	counters_check(fl, &st.lab, expect);
	proc_check(fl, &after);
	gone_check(fl, &after);
	fl->last = st.lab;
	snap_free(&after);
}

char *fault_map(struct fault_lab *fl, size_t pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PAGE, prot, flags, fl->fd, 0);

	if (p == MAP_FAILED) {
		lab_broken(fl->lab, "mmap() of the fault lab: %s", strerror(errno));
		return NULL;
	}
	return p;
}

/* Why a setup was refused, in the module's terms. */
static const char *setup_refused(int err)
{
	switch (err) {
	case EINVAL:
		return "above the module's faultlab_max_bytes (/sys/module/mmscope/parameters/)";
	case ENOMEM:
		return "the labs' memory budget (faultlab_budget_bytes) is used up";
	case EOPNOTSUPP:
		return "huge PFN maps are not in this kernel (CONFIG_TRANSPARENT_HUGEPAGE)";
	}
	return strerror(err);
}

/* The fault lab, set up and aimed at this process; 0 or -1 (broken). */
static int fault_open(struct fault_lab *fl, const struct scenario *sc)
{
	struct mmscope_faultlab_stats st;
	char want[32], seen[32];
	int ret;

	fl->fd = mms_open_rw(device);
	if (fl->fd < 0) {
		lab_broken(fl->lab, "open %s for writing: %s", device, strerror(-fl->fd));
		return -1;
	}
	ret = mms_faultlab_setup(fl->fd, sc->mode, sc->pages * PAGE, sc->flags, &fl->id);
	if (ret) {
		lab_broken(fl->lab, "FAULTLAB_SETUP of %" PRIu64 " bytes: %s", sc->pages * PAGE,
			   setup_refused(-ret));
		return -1;
	}
	/* The lab's file also queries us: its VMAs, its walks. */
	ret = mms_set_target(fl->fd, getpid());
	if (ret) {
		lab_broken(fl->lab, "SET_TARGET of this process: %s", strerror(-ret));
		return -1;
	}
	if (read_counters(fl, &st))
		return -1;
	snprintf(want, sizeof(want), "%" PRIu64, fl->id);
	snprintf(seen, sizeof(seen), "%" PRIu64, (uint64_t)st.lab_id);
	lab_change(fl->lab, "fault lab", "-", want);
	lab_expect_str(fl->lab, "the file's lab, as FAULTLAB_STATS names it", want, seen);
	lab_expect_u64(fl->lab, "its length in bytes", sc->pages * PAGE, st.length);
	lab_expect_u64(fl->lab, "its handlers called so far (every counter)", 0,
		       st.lab.faults_read + st.lab.faults_write + st.lab.opens + st.lab.closes);
	fl->last = st.lab;
	log_skip(fl);
	return 0;
}

int run_scenario_lab(struct lab *lab, const struct scenario *sc)
{
	struct fault_lab fl = { .lab = lab, .fd = -1 };
	int ret = -1;

	lab_step(lab, "set up a fault lab of %s: mode %s, %" PRIu64 " page%s, fault-around %s",
		 device, mms_faultlab_mode_name(sc->mode), sc->pages, sc->pages == 1 ? "" : "s",
		 sc->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND || sc->mode == MMSCOPE_FAULTLAB_PFN ?
		 "off" : "on");
	if (!fault_open(&fl, sc))
		ret = sc->run(&fl);
	snap_free(&fl.before);
	if (fl.fd >= 0)
		close(fl.fd);
	return ret;
}
