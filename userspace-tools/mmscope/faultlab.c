// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope faultlab: guided scenarios on the fault lab of /dev/mmscope.
 *
 * Each scenario maps a lab into this process, does one thing at a time to
 * it, and after each step shows what the kernel did about it: the lab's
 * counters that moved, the new fault-log entries, the lab's VMAs (maps) and
 * the page-table walk of the pages involved. Steps state what they expect
 * the counters to do; a scenario whose kernel disagrees fails (exit 1).
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

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope faultlab { SCENARIO | all | list | stats | log }"

static const char help_text[] =
	"Usage: mmscope faultlab SCENARIO    run one guided scenario, step by step\n"
	"       mmscope faultlab all         run every scenario\n"
	"       mmscope faultlab list        the scenarios\n"
	"       mmscope faultlab stats       every lab's counters, together\n"
	"       mmscope faultlab log         the fault log of every lab\n"
	"       mmscope faultlab help\n"
	"\n"
	"A scenario maps a fault lab of /dev/mmscope (mmscope's own vm_operations)\n"
	"into this process and, after each step, shows the lab's counters that\n"
	"moved, the new fault-log entries, the lab's VMAs and the walk of the pages\n"
	"involved. Each step states what it expects of the counters: if the kernel\n"
	"disagrees, the scenario says FAILED and the exit code is 1.\n";

#define PAGE 4096UL
#define MAX_EVENTS 256
#define MAX_WALKS 4

static const struct {
	const char *name;
	size_t offset;
} counter_fields[] = {
#define COUNTER(f) { #f, offsetof(struct mmscope_faultlab_counters, f) }
	COUNTER(mmaps), COUNTER(opens), COUNTER(closes), COUNTER(may_splits),
	COUNTER(mremaps), COUNTER(faults_read), COUNTER(faults_write),
	COUNTER(faults_page), COUNTER(faults_nopage), COUNTER(faults_sigbus),
	COUNTER(faults_oom), COUNTER(map_pages_calls), COUNTER(map_pages_pages),
	COUNTER(page_mkwrites), COUNTER(pfn_mkwrites), COUNTER(access_calls),
	COUNTER(access_bytes), COUNTER(pages_filled), COUNTER(pages_cleaned),
	COUNTER(vmas),
#undef COUNTER
};
#define NR_COUNTERS (sizeof(counter_fields) / sizeof(counter_fields[0]))

static int64_t counter(const struct mmscope_faultlab_counters *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + counter_fields[i].offset, sizeof(v));
	return v;
}

/* What a step expects of a counter: its change over the step. */
struct expect {
	const char *counter;
	int64_t delta;
};

/* A scenario in progress. */
struct lab {
	int fd;			/* the lab, and the query fd aimed at us */
	uint64_t id;
	uint32_t mode;
	uint32_t flags;
	uint64_t since;		/* log position */
	struct mmscope_faultlab_counters last;
	int step;
	int failed;		/* expectations the kernel did not meet */
	int checked;
	char maps_shape[512];	/* the lab VMAs the text showed last */
};

/* One event: a JSON object, or a text line after @lead. */
static void show_event(const char *lead, const struct mmscope_faultlab_event *ev)
{
	if (!json_output) {
		printf("%s#%-6" PRIu64 " %-12s tid %-6u addr %#" PRIx64 " pgoff %" PRIu64,
		       lead, (uint64_t)ev->seq, mms_faultlab_handler_name(ev->handler),
		       ev->tid, (uint64_t)ev->addr, (uint64_t)ev->pgoff);
		if (ev->pgoff_last != ev->pgoff)
			printf("-%" PRIu64, (uint64_t)ev->pgoff_last);
		printf(" flags ");
		put_bits(ev->fault_flags, mms_fault_flag_bit_name);
		printf(" result ");
		put_bits(ev->result, mms_vm_fault_bit_name);
		if (ev->pfn)
			printf(" pfn %#" PRIx64, (uint64_t)ev->pfn);
		if (ev->handler == MMSCOPE_FAULTLAB_H_MAP_PAGES)
			printf(" mapped %" PRIu64, (uint64_t)ev->nr);
		else if (ev->handler == MMSCOPE_FAULTLAB_H_ACCESS)
			printf(" bytes %" PRIu64, (uint64_t)ev->nr);
		printf("\n");
		return;
	}
	jw_start_object(jw);
	jw_key(jw, "seq");
	jw_uint(jw, ev->seq);
	jw_key(jw, "handler");
	jw_string(jw, mms_faultlab_handler_name(ev->handler));
	jw_key(jw, "tgid");
	jw_uint(jw, ev->tgid);
	jw_key(jw, "tid");
	jw_uint(jw, ev->tid);
	jw_key(jw, "addr");
	jw_hex(jw, ev->addr);
	jw_key(jw, "pgoff");
	jw_uint(jw, ev->pgoff);
	jw_key(jw, "pgoff_last");
	jw_uint(jw, ev->pgoff_last);
	jw_key(jw, "nr");
	jw_uint(jw, ev->nr);
	jw_key(jw, "pfn");
	jw_hex(jw, ev->pfn);
	jw_key(jw, "flags");
	put_bits(ev->fault_flags, mms_fault_flag_bit_name);
	jw_key(jw, "result");
	put_bits(ev->result, mms_vm_fault_bit_name);
	jw_key(jw, "time_ns");
	jw_uint(jw, ev->time_ns);
	jw_end_object(jw);
}

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
	for (i = 0; i < NR_COUNTERS; i++) {
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

		for (i = 0; i < NR_COUNTERS; i++)
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
static void step(struct lab *lab, const char *action, const struct expect *expect,
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
	fd = mms_open_rw(device);
	if (fd < 0) {
		p_errno(-fd, ERR_DEVICE, device);
		return -1;
	}
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

static char *lab_map(struct lab *lab, size_t pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PAGE, prot, flags, lab->fd, 0);

	if (p == MAP_FAILED) {
		p_err("mmap of the lab: %s", strerror(errno));
		return NULL;
	}
	return p;
}

#define ADDRS(...) ((const uint64_t[]){ __VA_ARGS__, 0 })
#define EXPECT(...) ((const struct expect[]){ __VA_ARGS__, { NULL, 0 } })
#define A(p) ((uint64_t)(uintptr_t)(p))

static void touch_read(const volatile char *p)
{
	(void)*p;
}

/* --- the scenarios ------------------------------------------------------ */

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

static const struct scenario {
	const char *name;
	const char *title;
	uint32_t mode;
	uint32_t flags;
	uint64_t pages;
	int (*run)(struct lab *lab);
} scenarios[] = {
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
#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* Run one scenario; 0 if the kernel did all the steps expected. */
static int run_scenario(const struct scenario *sc)
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

static void put_counters(const char *key, const struct mmscope_faultlab_counters *c)
{
	size_t i;

	if (json_output) {
		jw_key(jw, key);
		jw_start_object(jw);
		for (i = 0; i < NR_COUNTERS; i++) {
			jw_key(jw, counter_fields[i].name);
			jw_uint(jw, counter(c, i));
		}
		jw_end_object(jw);
		return;
	}
	printf("%s:\n", key);
	for (i = 0; i < NR_COUNTERS; i++)
		printf("  %-16s %" PRIu64 "\n", counter_fields[i].name, (uint64_t)counter(c, i));
}

static int show_stats(void)
{
	struct mmscope_faultlab_stats st;
	int fd, ret;

	fd = mms_open(device);
	if (fd < 0) {
		p_errno(-fd, ERR_DEVICE, device);
		return 1;
	}
	ret = mms_faultlab_stats(fd, &st);
	close(fd);
	if (ret) {
		p_errno(-ret, ERR_LAB, "fault lab stats");
		return 1;
	}
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "labs");
		jw_uint(jw, st.labs);
		jw_key(jw, "log_size");
		jw_uint(jw, st.log_size);
	} else {
		printf("labs alive: %u, fault log: %u entries\n", st.labs, st.log_size);
	}
	put_counters("global", &st.global);
	if (json_output)
		jw_end_object(jw);
	return 0;
}

static int show_log(void)
{
	struct mmscope_faultlab_event *ev;
	uint64_t since = 0, lost = 0, gone;
	uint32_t n;
	int fd, ret;

	fd = mms_open(device);
	if (fd < 0) {
		p_errno(-fd, ERR_DEVICE, device);
		return 1;
	}
	ev = calloc(MAX_EVENTS, sizeof(*ev));
	if (!ev) {
		close(fd);
		return 1;
	}
	if (json_output)
		jw_start_array(jw);
	do {
		n = MAX_EVENTS;
		ret = mms_faultlab_log(fd, 0, since, ev, &n, &since, &gone);
		if (ret)
			break;
		lost += gone;
		for (uint32_t i = 0; i < n; i++) {
			char lead[32];

			snprintf(lead, sizeof(lead), "lab %-4" PRIu64 " ", (uint64_t)ev[i].lab_id);
			show_event(lead, &ev[i]);
		}
	} while (n);
	free(ev);
	close(fd);
	if (ret) {	/* inside the array, which it closes */
		p_errno(-ret, ERR_LAB, "fault log");
		return 1;
	}
	if (json_output)
		jw_end_array(jw);
	else if (lost)
		printf("(%" PRIu64 " older events are no longer in the log)\n", lost);
	return 0;
}

static int faultlab_show(int argc, char **argv)
{
	size_t i;
	int failed = 0, fd;

	if (argc != 1) {
		p_err("usage: " USAGE);
		return 2;
	}
	if (!strcmp(argv[0], "stats"))
		return show_stats();
	if (!strcmp(argv[0], "log"))
		return show_log();
	if (!strcmp(argv[0], "list")) {
		static const struct table_col cols[] = { { "NAME", 0 }, { "TITLE", 0 } };
		struct table t;

		if (json_output)
			jw_start_array(jw);
		else
			table_start(&t, cols, 2);
		for (i = 0; i < NR_SCENARIOS; i++) {
			if (json_output) {
				jw_start_object(jw);
				jw_key(jw, "name");
				jw_string(jw, scenarios[i].name);
				jw_key(jw, "title");
				jw_string(jw, scenarios[i].title);
				jw_end_object(jw);
			} else {
				table_str(&t, scenarios[i].name);
				table_str(&t, scenarios[i].title);
			}
		}
		if (json_output)
			jw_end_array(jw);
		else
			table_end(&t);
		return 0;
	}
	if (!strcmp(argv[0], "all")) {
		/*
		 * No device, or one that answers no lab request: say so once,
		 * not once per scenario.
		 */
		struct mmscope_faultlab_stats stats;
		int ret;

		fd = mms_open_rw(device);
		if (fd < 0) {
			p_errno(-fd, ERR_DEVICE, device);
			return 1;
		}
		ret = mms_faultlab_stats(fd, &stats);
		close(fd);
		if (ret) {
			p_errno(-ret, ERR_LAB, "fault lab stats");
			return 1;
		}
		if (json_output)
			jw_start_array(jw);
		for (i = 0; i < NR_SCENARIOS; i++)
			failed |= run_scenario(&scenarios[i]);
		if (json_output)
			jw_end_array(jw);
		return failed ? 1 : 0;
	}
	for (i = 0; i < NR_SCENARIOS; i++)
		if (!strcmp(argv[0], scenarios[i].name))
			return run_scenario(&scenarios[i]) ? 1 : 0;
	p_err("unknown fault-lab scenario '%s' (try: mmscope faultlab list)", argv[0]);
	return 2;
}

static const struct cmd cmds[] = {
	{ NULL, faultlab_show },
	{}
};

const struct object obj_faultlab = {
	.name = "faultlab",
	.help = help_text,
	.cmds = cmds,
	.shortopts = "",
};
