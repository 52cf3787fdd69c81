// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PAGES with MMSCOPE_PAGES_PTE_ONLY: 24-byte records of what
 * the page-table entries say, read without touching struct page. The same
 * walk as walk_range.c, a quarter of the bytes to copy or less (runs of
 * consecutive frames are one record), and no page state: a present PTE
 * costs its decode and nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>

#include "internal.h"
#include "walk.h"

/*
 * Records filled per hold of the mmap lock: a PTE table's worth, 12 KB.
 * A present PTE costs tens of nanoseconds here, so a hold stays short.
 */
#define MMSCOPE_PAGES_PTE_BATCH PTRS_PER_PTE

/*
 * A new record at @addr, or the run before it grown: records tile the
 * range, so a run needs no size, and empty runs merge. NULL when full.
 */
static struct mmscope_page_pte *mmscope_pte_emit(struct mmscope_walker *w,
						 unsigned long addr, u32 state)
{
	struct mmscope_batch *b = w->private;
	struct mmscope_page_pte *recs = b->recs, *rec;

	if (b->nr && (state == MMSCOPE_ENTRY_NONE || state == MMSCOPE_ENTRY_NO_VMA) &&
	    recs[b->nr - 1].state == state)
		return &recs[b->nr - 1];
	if (b->nr >= b->max)
		return NULL;
	rec = &recs[b->nr++];
	*rec = (struct mmscope_page_pte){ .addr = addr, .state = state };
	return rec;
}

static int mmscope_pte_leaf(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			    unsigned long addr, unsigned long next)
{
	struct mmscope_page_pte *rec;
	struct mmscope_page full;
	pte_t pte = __pte(e->raw);

	rec = mmscope_pte_emit(w, addr, MMSCOPE_ENTRY_PRESENT);
	if (!rec)
		return MMSCOPE_WALK_STOP;
	if (e->level == MMSCOPE_LEVEL_PTE && pte_present(pte)) {
		/* The common case, inline: a 4K page. */
		rec->pfn = pte_pfn(pte);
		rec->pte_flags = mmscope_present_bits(e->raw, false);
		rec->page_shift = PAGE_SHIFT;
		return 0;
	}
	/* A leaf above the PTE level, or a swap-style entry. */
	mmscope_page_init(&full, addr, next - addr);
	mmscope_walk_decode(w, e, addr, next, &full);
	rec->state = full.state;
	rec->pte_flags = full.pte_flags;
	if (full.state == MMSCOPE_ENTRY_PRESENT) {
		rec->pfn = full.pfn;
		rec->page_shift = ilog2(full.page_size);
	} else {
		rec->pfn = full.swap_offset;
		rec->swap_type = full.swap_type;
	}
	return 0;
}

/*
 * Does the present 4K PTE at @a continue the record before it: the next
 * frame, the same bits, the same VMA? Then that record covers it too, and
 * nothing is written: a run of pages the allocator handed out in order
 * costs one record. A run never crosses into the next VMA, as full
 * records never do.
 */
static bool mmscope_pte_extends(const struct mmscope_walker *w, unsigned long a, pte_t pte)
{
	const struct mmscope_batch *b = w->private;
	const struct mmscope_page_pte *recs = b->recs;
	const struct mmscope_page_pte *last = b->nr ? &recs[b->nr - 1] : NULL;

	return last && w->vma && a != w->vma->vm_start &&
	       last->state == MMSCOPE_ENTRY_PRESENT && last->page_shift == PAGE_SHIFT &&
	       last->pfn + ((a - last->addr) >> PAGE_SHIFT) == pte_pfn(pte) &&
	       last->pte_flags == mmscope_present_bits(pte_val(pte), false);
}

/* A whole PTE table, the empty entries and the present ones inline. */
static int mmscope_pte_ptes(struct mmscope_walker *w, pte_t *ptep, unsigned long *addr,
			    unsigned long end)
{
	struct mmscope_walk_entry e = { .level = MMSCOPE_LEVEL_PTE };
	unsigned long a;
	int ret = 0;
	pte_t pte;

	for (a = *addr; a < end; a += PAGE_SIZE, ptep++) {
		pte = ptep_get(ptep);
		if (pte_none(pte)) {
			if (!mmscope_pte_emit(w, a, MMSCOPE_ENTRY_NONE)) {
				ret = MMSCOPE_WALK_STOP;
				break;
			}
			continue;
		}
		if (pte_present(pte) && mmscope_pte_extends(w, a, pte))
			continue;
		e.index = pte_index(a);
		e.ptr = ptep;
		e.raw = pte_val(pte);
		ret = mmscope_pte_leaf(w, &e, a, a + PAGE_SIZE);
		if (ret)
			break;
	}
	*addr = a;
	return ret;
}

static int mmscope_pte_hole(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			    unsigned long addr, unsigned long next, u32 state)
{
	return mmscope_pte_emit(w, addr, state) ? 0 : MMSCOPE_WALK_STOP;
}

static const struct mmscope_walk_ops mmscope_pte_ops = {
	.leaf		= mmscope_pte_leaf,
	.ptes		= mmscope_pte_ptes,
	.hole		= mmscope_pte_hole,
};

/**
 * mmscope_pages_pte_copy - MMSCOPE_IOC_PAGES with MMSCOPE_PAGES_PTE_ONLY
 * @mm: the target's mm, or NULL (a kernel thread: one no-VMA run)
 * @req: the validated request; count, next and out_flags are set
 *
 * As mmscope_pages_copy(), with records of what the entries say.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_pages_pte_copy(struct mm_struct *mm, struct mmscope_pages *req)
{
	struct mmscope_batch batch = {};
	struct mmscope_walker w = {
		.mm = mm, .ops = &mmscope_pte_ops, .private = &batch, .no_page = true,
	};

	return mmscope_pages_batches(&w, req, sizeof(struct mmscope_page_pte),
				     MMSCOPE_PAGES_PTE_BATCH);
}
