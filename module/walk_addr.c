// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_WALK: one address, every level, as crash's vtop shows it.
 * A consumer of the walker (walk.c): each entry on the way down becomes a
 * struct mmscope_level, and the leaf, or the hole, becomes the page record.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <asm/io.h>

#include "internal.h"
#include "walk.h"

/* Append the level of @e; a step that starts (again) at the top resets. */
static void mmscope_trace_level(struct mmscope_walk *walk, const struct mmscope_walk_entry *e,
				u32 state, u64 leaf_size)
{
	struct mmscope_level *l;

	if (e->level == MMSCOPE_LEVEL_PGD)
		walk->nr_levels = 0;
	if (WARN_ON_ONCE(walk->nr_levels >= MMSCOPE_MAX_LEVELS))
		return;
	l = &walk->levels[walk->nr_levels++];
	memset(l, 0, sizeof(*l));
	l->level = e->level;
	l->index = e->index;
	l->table_phys = virt_to_phys(e->ptr) & PAGE_MASK;
	l->entry = e->raw;
	l->state = state;
	/* Swap-style entries keep their bits elsewhere: see the page record. */
	if (state == MMSCOPE_ENTRY_PRESENT || state == MMSCOPE_ENTRY_TABLE)
		l->bits = mmscope_present_bits(e->raw, e->level != MMSCOPE_LEVEL_PTE);
	l->leaf_size = leaf_size;
}

static void mmscope_trace_table(struct mmscope_walker *w, const struct mmscope_walk_entry *e)
{
	mmscope_trace_level(w->private, e, MMSCOPE_ENTRY_TABLE, 0);
}

static int mmscope_trace_leaf(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			      unsigned long addr, unsigned long next)
{
	struct mmscope_walk *walk = w->private;
	struct mmscope_page *rec = &walk->page;

	mmscope_page_init(rec, addr, next - addr);
	mmscope_walk_decode(w, e, addr, next, rec);
	mmscope_trace_level(walk, e, rec->state,
			    rec->state == MMSCOPE_ENTRY_PRESENT ? rec->page_size : 0);
	return 0;
}

static int mmscope_trace_hole(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			      unsigned long addr, unsigned long next, u32 state)
{
	struct mmscope_walk *walk = w->private;

	if (e)
		mmscope_trace_level(walk, e, state, 0);
	mmscope_page_init(&walk->page, addr, next - addr);
	walk->page.state = state;
	walk->page.cow = mmscope_hole_cow(w->vma, state);
	return 0;
}

static const struct mmscope_walk_ops mmscope_trace_ops = {
	.table		= mmscope_trace_table,
	.leaf		= mmscope_trace_leaf,
	.hole		= mmscope_trace_hole,
	.walk_no_vma	= true,
};

/**
 * mmscope_walk_addr - MMSCOPE_IOC_WALK: every level for one address
 * @mm: the target's mm (not NULL), with an mm_users reference
 * @walk: @walk->addr in, everything else out
 *
 * Locking: takes the mmap read lock of @mm.
 *
 * Return: 0 or -EINTR.
 */
int mmscope_walk_addr(struct mm_struct *mm, struct mmscope_walk *walk)
{
	unsigned long addr = walk->addr & PAGE_MASK;
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_trace_ops, .private = walk };
	struct vm_area_struct *vma;

	walk->paging_levels = pgtable_l5_enabled() ? 5 : 4;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		walk->out_flags |= MMSCOPE_WALK_NO_VMA;
	/* One page: well inside the walker's budget, so it never yields. */
	mmscope_walk_range(&w, &addr, addr + PAGE_SIZE);
	mmap_read_unlock(mm);
	if (w.unpinned)
		walk->out_flags |= MMSCOPE_WALK_NOT_PINNED;

	/* The record covers the one page at addr, whatever size its leaf has. */
	if (walk->page.state == MMSCOPE_ENTRY_PRESENT)
		walk->phys = PFN_PHYS(walk->page.pfn) + offset_in_page(walk->addr);
	return 0;
}
