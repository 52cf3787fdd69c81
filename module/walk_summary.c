// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PAGES with MMSCOPE_PAGES_SUMMARY: what the records of a
 * range would say, counted in 4K pages by state, COW verdict and page
 * size, with no record built or copied. A present PTE whose verdict the
 * entry and its VMA decide (writable, shared, read-only; not the
 * write-protected private pages of a forked process) costs no struct page
 * read; any other takes the records' own path,
 * so the counts are the records' by construction.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "internal.h"
#include "walk.h"

static_assert(offsetof(struct mmscope_pages, sum_state) == MMSCOPE_PAGES_SIZE_VER0);
static_assert(MMSCOPE_ENTRY_STATE_COUNT <= MMSCOPE_PAGES_SUM_STATES);
static_assert(MMSCOPE_COW_COUNT <= MMSCOPE_PAGES_SUM_COWS);

static void mmscope_sum_add(struct mmscope_pages *sum, u32 state, u32 cow, u64 pages)
{
	sum->sum_state[min_t(u32, state, MMSCOPE_PAGES_SUM_STATES - 1)] += pages;
	sum->sum_cow[min_t(u32, cow, MMSCOPE_PAGES_SUM_COWS - 1)] += pages;
}

/* The verdict of a present, non-PROT_NONE PTE, if no struct page is needed. */
static bool mmscope_sum_quick_cow(struct vm_area_struct *vma, pte_t pte, u32 *cow)
{
	if (!vma || !(vma->vm_flags & VM_WRITE))
		*cow = MMSCOPE_COW_READONLY;
	else if (pte_write(pte))
		*cow = MMSCOPE_COW_WRITABLE;
	else if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE))
		*cow = MMSCOPE_COW_SHARED;
	else
		return false;
	return true;
}

static int mmscope_sum_leaf(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			    unsigned long addr, unsigned long next)
{
	struct mmscope_pages *sum = w->private;
	u64 pages = (next - addr) >> PAGE_SHIFT;
	struct mmscope_page rec;
	pte_t pte = __pte(e->raw);
	u32 cow;

	/* mmscope_cow_verdict()'s first tests, in its order. */
	if (e->level == MMSCOPE_LEVEL_PTE && (e->raw & _PAGE_PRESENT) &&
	    mmscope_sum_quick_cow(w->vma, pte, &cow)) {
		mmscope_sum_add(sum, MMSCOPE_ENTRY_PRESENT, cow, 1);
		sum->sum_present[0]++;
		return 0;
	}
	mmscope_page_init(&rec, addr, next - addr);
	mmscope_walk_decode(w, e, addr, next, &rec);
	mmscope_sum_add(sum, rec.state, rec.cow, pages);
	if (rec.state == MMSCOPE_ENTRY_PRESENT)
		sum->sum_present[rec.page_size >= PUD_SIZE ? 2 :
				 rec.page_size >= PMD_SIZE ? 1 : 0] += pages;
	return 0;
}

/* A whole PTE table: the common entries counted here, the rest as leaves. */
static int mmscope_sum_ptes(struct mmscope_walker *w, pte_t *ptep, unsigned long *addr,
			    unsigned long end)
{
	struct mmscope_walk_entry e = { .level = MMSCOPE_LEVEL_PTE };
	u32 none_cow = mmscope_hole_cow(w->vma, MMSCOPE_ENTRY_NONE), cow;
	struct mmscope_pages *sum = w->private;
	unsigned long a;
	u64 none = 0;
	pte_t pte;

	for (a = *addr; a < end; a += PAGE_SIZE, ptep++) {
		pte = ptep_get(ptep);
		if (pte_none(pte)) {
			none++;
			continue;
		}
		if ((pte_val(pte) & _PAGE_PRESENT) && mmscope_sum_quick_cow(w->vma, pte, &cow)) {
			sum->sum_state[MMSCOPE_ENTRY_PRESENT]++;
			sum->sum_cow[cow]++;
			sum->sum_present[0]++;
			continue;
		}
		e.index = pte_index(a);
		e.ptr = ptep;
		e.raw = pte_val(pte);
		mmscope_sum_leaf(w, &e, a, a + PAGE_SIZE);
	}
	mmscope_sum_add(sum, MMSCOPE_ENTRY_NONE, none_cow, none);
	*addr = a;
	return 0;
}

static int mmscope_sum_hole(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			    unsigned long addr, unsigned long next, u32 state)
{
	mmscope_sum_add(w->private, state, mmscope_hole_cow(w->vma, state),
			(next - addr) >> PAGE_SHIFT);
	return 0;
}

static const struct mmscope_walk_ops mmscope_sum_ops = {
	.leaf		= mmscope_sum_leaf,
	.ptes		= mmscope_sum_ptes,
	.hole		= mmscope_sum_hole,
};

/**
 * mmscope_pages_summary - MMSCOPE_IOC_PAGES with MMSCOPE_PAGES_SUMMARY
 * @mm: the target's mm, or NULL (a kernel thread: one no-VMA run)
 * @req: the validated request, its counters zeroed; they, next and
 *	out_flags are set
 *
 * The counters live in @req, kernel memory: nothing is copied to user
 * memory here. The mmap lock is dropped every MMSCOPE_WALK_BUDGET entries,
 * and a fatal signal ends the call.
 *
 * Return: 0 or -EINTR.
 */
int mmscope_pages_summary(struct mm_struct *mm, struct mmscope_pages *req)
{
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_sum_ops, .private = req };
	unsigned long addr = req->start & PAGE_MASK;
	unsigned long end = PAGE_ALIGN(req->end);
	int ret = 0;

	req->out_flags = 0;
	while (addr < end) {
		ret = fatal_signal_pending(current) ? -EINTR : mmscope_walk_locked(&w, &addr, end);
		if (ret)
			break;
		cond_resched();
	}
	if (!ret)
		req->out_flags |= MMSCOPE_PAGES_DONE;
	req->next = addr;
	return ret;
}
