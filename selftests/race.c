// SPDX-License-Identifier: GPL-2.0
/* The race tests' shared parts (race.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "libmmscope.h"
#include "util.h"
#include "race.h"

unsigned int race_seconds(unsigned int dflt)
{
	const char *s = getenv("MMSCOPE_RACE_SECONDS");
	unsigned long v = s ? strtoul(s, NULL, 0) : 0;

	if (v)
		return v > 300 ? 300 : v;
	/* A light run (mmscope.light=1, every entry but 6.12): half as long. */
	if (getenv("MMSCOPE_LIGHT"))
		return dflt > 2 ? dflt / 2 : 1;
	return dflt;
}

void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
}

struct remote_shared *shared_page(void)
{
	void *p = mmap(NULL, sizeof(struct remote_shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#define WALK_DELAY_KNOB "/sys/module/mmscope/parameters/walk_delay_us"

void walk_delay(const char *us)
{
	write_file(WALK_DELAY_KNOB, us);
}

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

int walkers_start(struct walker *w, int nr, pid_t target)
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

void walkers_join(struct walker *w, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		pthread_join(w[i].thread, NULL);
		close(w[i].fd);
	}
}

void *lone_walker_main(void *arg)
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
