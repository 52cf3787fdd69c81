// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario engine of mmscope faultlab: open a lab, map it, and after
 * each step show what the kernel did about it: the lab's counters that
 * moved (against what the step expected), the new fault-log entries, the
 * lab's VMAs and the page-table walk of the pages involved.
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

/* The counters that moved, checked against what the step expected. */
static void show_counters(struct lab *lab, const struct mmscope_faultlab_counters *now,
			  const struct expect *expect)
{
	const struct expect *e;
	bool any = false;
	size_t i;

	if (json_output) {
		jw_key(jw, "counters");
		jw_start_object(jw);
	} else {
		printf("   counters:");
	}
	for (i = 0; i < nr_counters; i++) {
		int64_t delta = counter(now, i) - counter(&lab->last, i);

		if (!delta)
			continue;
		any = true;
		if (json_output) {
			jw_key(jw, counter_fields[i].name);
			jw_int(jw, delta);
		} else {
			printf(" %s %+" PRId64, counter_fields[i].name, delta);
		}
	}
	if (json_output)
		jw_end_object(jw);
	else
		printf("%s\n", any ? "" : " (none moved)");

	if (json_output) {
		jw_key(jw, "expected");
		jw_start_array(jw);
	}
	for (e = expect; e && e->counter; e++) {
		int64_t seen = 0;
		bool ok;

		for (i = 0; i < nr_counters; i++)
			if (!strcmp(counter_fields[i].name, e->counter))
				seen = counter(now, i) - counter(&lab->last, i);
		ok = seen == e->delta;
		lab->checked++;
		lab->failed += !ok;
		if (json_output) {
			jw_start_object(jw);
			jw_key(jw, "counter");
			jw_string(jw, e->counter);
			jw_key(jw, "delta");
			jw_int(jw, e->delta);
			jw_key(jw, "seen");
			jw_int(jw, seen);
			jw_key(jw, "ok");
			jw_bool(jw, ok);
			jw_end_object(jw);
		} else {
			printf("   expect:   %s %+" PRId64 ": %s", e->counter, e->delta,
			       ok ? "ok" : "NO");
			if (!ok)
				printf(" (it moved %+" PRId64 ")", seen);
			printf("\n");
		}
	}
	if (json_output)
		jw_end_array(jw);
}

static bool is_lab_vma(const struct mmscope_vma *v)
{
	return strstr((const char *)v->vm_ops, "mmscope_lab_") != NULL;
}

/*
 * A request about the lab failed in a step: said (inside the JSON document,
 * which then ends), and the scenario fails. Never a silent zero.
 */
static void lab_error(struct lab *lab, int ret, const char *what)
{
	p_errno(-ret, ERR_LAB, what);
	lab->failed++;
}

/*
 * The VMAs of this process that map a lab. The text shows them when they
 * changed since the last step; the JSON always has them.
 */
static void show_maps(struct lab *lab)
{
	struct mmscope_vma *vmas;
	char shape[sizeof(lab->maps_shape)] = "", *at = shape;
	size_t n, i;
	bool any = false;
	int ret;

	ret = mms_vmas_all(lab->fd, &vmas, &n);
	if (ret) {
		lab_error(lab, ret, "fault lab maps");
		return;
	}
	for (i = 0; i < n; i++)
		if (is_lab_vma(&vmas[i]) && at < shape + sizeof(shape) - 64)
			at += sprintf(at, "%llx-%llx %s;", vmas[i].start, vmas[i].end,
				      (const char *)vmas[i].perms);
	if (json_output) {
		jw_key(jw, "maps");
		jw_start_array(jw);
		for (i = 0; i < n; i++)
			if (is_lab_vma(&vmas[i]))
				json_vma(&vmas[i]);
		jw_end_array(jw);
	} else if (lab->step > 1 && !strcmp(shape, lab->maps_shape)) {
		printf("   maps:     (unchanged)\n");
	} else {
		struct table t;

		vma_table_start(&t);
		t.indent = "             ";
		for (i = 0; i < n; i++) {
			if (!is_lab_vma(&vmas[i]))
				continue;
			if (!any)
				printf("   maps:\n");
			any = true;
			vma_table_row_full(&t, &vmas[i]);
		}
		if (any)
			table_end(&t);
		else
			printf("   maps:     (no VMA maps a lab)\n");
	}
	strcpy(lab->maps_shape, shape);
	free(vmas);
}

static void show_walk(struct lab *lab, uint64_t addr)
{
	struct mmscope_walk w;
	const struct mmscope_page *p = &w.page;
	int ret;

	ret = mms_walk(lab->fd, addr, &w);
	if (ret) {
		lab_error(lab, ret, "fault lab walk");
		return;
	}
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "addr");
		jw_hex(jw, addr);
		jw_key(jw, "state");
		jw_string(jw, mms_state_name(p->state));
		jw_key(jw, "pfn");
		jw_hex(jw, p->state == MMSCOPE_ENTRY_PRESENT ? p->pfn : 0);
		jw_key(jw, "pte_flags");
		put_bits(p->pte_flags, mms_pte_bit_name);
		jw_key(jw, "cow");
		jw_string(jw, mms_cow_name(p->cow));
		jw_key(jw, "struct_page");
		jw_bool(jw, p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE);
		jw_key(jw, "page_flags");
		put_bits(p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE ? p->page_flags : 0,
			 mms_pg_bit_name);
		jw_key(jw, "refcount");
		jw_uint(jw, p->refcount);
		jw_key(jw, "mapcount");
		jw_uint(jw, p->mapcount);
		jw_end_object(jw);
		return;
	}
	printf("   walk:     %#" PRIx64 " %s", addr, mms_state_name(p->state));
	if (p->state == MMSCOPE_ENTRY_PRESENT) {
		printf(" pfn %#" PRIx64 " [", (uint64_t)p->pfn);
		put_bits(p->pte_flags, mms_pte_bit_name);
		printf("] cow %s", mms_cow_name(p->cow));
		if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
			printf(" page refcount %u mapcount %u [", p->refcount, p->mapcount);
			put_bits(p->page_flags, mms_pg_bit_name);
			printf("]");
			if (p->flags & MMSCOPE_PAGE_FILE)
				printf(" page cache index %" PRIu64, (uint64_t)p->index);
		} else {
			printf(" no struct page: a special (pfnmap) entry");
		}
	}
	printf("\n");
}

/*
 * After the step's action: what moved, what was logged, the maps and the
 * walk of @addrs (0-terminated).
 */
void step(struct lab *lab, const char *action, const struct expect *expect,
	  const uint64_t *addrs)
{
	struct mmscope_faultlab_event ev[64];
	struct mmscope_faultlab_stats st = { 0 };
	struct mmscope_faultlab_counters now;
	uint64_t last;
	uint32_t n, i;
	int ret;

	lab->step++;
	ret = mms_faultlab_stats(lab->fd, &st);
	if (ret)
		lab_error(lab, ret, "fault lab stats");
	now = st.lab;
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "step");
		jw_uint(jw, lab->step);
		jw_key(jw, "action");
		jw_string(jw, action);
	} else {
		printf("-- step %d: %s\n", lab->step, action);
	}
	show_counters(lab, &now, expect);
	lab->last = now;

	if (json_output) {
		jw_key(jw, "log");
		jw_start_array(jw);
	}
	do {
		n = 64;
		ret = mms_faultlab_log(lab->fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, lab->since,
				       ev, &n, &last, NULL);
		if (ret) {
			lab_error(lab, ret, "fault log");
			break;
		}
		for (i = 0; i < n; i++)
			show_event("   log:      ", &ev[i]);
		lab->since = last;
	} while (n);
	if (json_output)
		jw_end_array(jw);

	show_maps(lab);
	if (json_output) {
		jw_key(jw, "walk");
		jw_start_array(jw);
	}
	for (; addrs && *addrs; addrs++)
		show_walk(lab, *addrs);
	if (json_output) {
		jw_end_array(jw);
		jw_end_object(jw);
	}
}

static int lab_open(struct lab *lab, uint32_t mode, uint64_t pages, uint32_t flags)
{
	struct mmscope_faultlab_event ev;
	uint64_t last = 0;
	uint32_t n;
	int fd, ret;

	memset(lab, 0, sizeof(*lab));
	fd = open_device_rw();
	if (fd < 0)
		return -1;
	ret = mms_faultlab_setup(fd, mode, pages * PAGE, flags, &lab->id);
	if (ret == -EINVAL)
		p_err("fault lab setup refused: a lab of %" PRIu64 " bytes is above the module's faultlab_max_bytes (/sys/module/mmscope/parameters/)",
		      pages * PAGE);
	else if (ret == -ENOMEM)
		p_err("fault lab setup refused: the labs' memory budget (faultlab_budget_bytes) is used up");
	else if (ret == -EOPNOTSUPP)
		p_err("fault lab setup refused: huge PFN maps are not in this kernel (CONFIG_TRANSPARENT_HUGEPAGE)");
	else if (ret)
		p_errno(-ret, ERR_LAB, "fault lab setup");
	if (ret)
		goto fail;
	/* The lab's file also queries us: its VMAs, its walks. */
	ret = mms_set_target(fd, getpid());
	if (!ret)
		ret = load_vm_flag_names(fd);
	if (ret) {
		p_errno(-ret, ERR_LAB, "fault lab");
		goto fail;
	}
	lab->fd = fd;
	lab->mode = mode;
	lab->flags = flags;
	/* Skip what other labs logged before us. */
	do {
		n = 1;
		if (mms_faultlab_log(fd, 0, last, &ev, &n, &last, NULL))
			break;
	} while (n);
	lab->since = last;
	return 0;
fail:
	close(fd);
	return -1;
}

char *lab_map(struct lab *lab, size_t pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PAGE, prot, flags, lab->fd, 0);

	if (p == MAP_FAILED) {
		p_err("mmap of the lab: %s", strerror(errno));
		return NULL;
	}
	return p;
}

/* Run one scenario; 0 if the kernel did all the steps expected. */
int run_scenario(const struct scenario *sc)
{
	struct lab lab;
	int ret;

	if (lab_open(&lab, sc->mode, sc->pages, sc->flags))
		return -1;
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "scenario");
		jw_string(jw, sc->name);
		jw_key(jw, "title");
		jw_string(jw, sc->title);
		jw_key(jw, "lab_id");
		jw_uint(jw, lab.id);
		jw_key(jw, "mode");
		jw_string(jw, mms_faultlab_mode_name(sc->mode));
		jw_key(jw, "fault_around");
		jw_bool(jw, !(sc->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND) &&
			    sc->mode != MMSCOPE_FAULTLAB_PFN);
		jw_key(jw, "steps");
		jw_start_array(jw);
	} else {
		printf("== %s: %s (lab %" PRIu64 ", mode %s, %" PRIu64 " pages)\n", sc->name,
		       sc->title, lab.id, mms_faultlab_mode_name(sc->mode), sc->pages);
	}
	ret = sc->run(&lab);
	close(lab.fd);
	if (ret)
		lab.failed++;
	if (json_output) {
		jw_end_array(jw);
		jw_key(jw, "checked");
		jw_uint(jw, lab.checked);
		jw_key(jw, "failed");
		jw_uint(jw, lab.failed);
		jw_key(jw, "ok");
		jw_bool(jw, !lab.failed);
		jw_end_object(jw);
	} else {
		printf("== %s: %s (%d expectations, %d not met)\n\n", sc->name,
		       lab.failed ? "FAILED" : "ok", lab.checked, lab.failed);
	}
	return lab.failed ? -1 : 0;
}
