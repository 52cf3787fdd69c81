/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table walker's interface to its consumers: walk_addr.c (one
 * address, every level) and walk_range.c (the records of a range). The
 * rules it keeps are in walk.c, "Locking".
 */
#ifndef _MMSCOPE_WALK_H
#define _MMSCOPE_WALK_H

#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/mmscope.h>

#include "internal.h"

struct mmscope_walker;

/* One entry the walker read: which, where, and what it held. */
struct mmscope_walk_entry {
	u32 level;		/* enum mmscope_pt_level */
	u32 index;		/* its index in its table */
	void *ptr;		/* the entry itself, in its table */
	u64 raw;		/* its value, read once */
};

/*
 * What a consumer does with the entries, in the spirit of mm_walk_ops.
 * The entry callbacks return 0 to go on, or MMSCOPE_WALK_STOP to stop
 * before [addr, next): the walk resumes there.
 *
 * @table: a table entry the walk goes through (optional)
 * @pte_entry: a non-empty PTE, under the PTE lock
 * @pmd_entry: a PMD entry that is not a table (a leaf, a migration or
 *	hugetlb swap entry, or a bad one), under its lock
 * @pud_entry: likewise for a PUD entry
 * @ptes: (optional) the entries of [*addr, end) of one PTE table, @ptep at
 *	*addr's, under the PTE lock, instead of ->pte_entry and ->hole one by
 *	one (a whole table per call, as mm/pagewalk.c's pmd_entry): empty
 *	entries too. Returns 0, or MMSCOPE_WALK_STOP with *addr where it
 *	stopped
 * @hole: [addr, next) has nothing mapped: @state is MMSCOPE_ENTRY_NONE or
 *	MMSCOPE_ENTRY_BAD at the level of @e, or MMSCOPE_ENTRY_NO_VMA with
 *	@e NULL where no VMA is, or where a table was not followed
 * @walk_no_vma: read the tables where no VMA is (as far as they are
 *	pinned), rather than report the whole gap as one NO_VMA hole
 */
struct mmscope_walk_ops {
	void (*table)(struct mmscope_walker *w, const struct mmscope_walk_entry *e);
	int (*pte_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*ptes)(struct mmscope_walker *w, pte_t *ptep, unsigned long *addr,
		    unsigned long end);
	int (*pmd_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*pud_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*hole)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
		    unsigned long addr, unsigned long next, u32 state);
	bool walk_no_vma;
};

#define MMSCOPE_WALK_STOP 1

/* What mmscope_walk_range() did. */
enum mmscope_walk_result {
	MMSCOPE_WALK_DONE,	/* the range is walked */
	MMSCOPE_WALK_STOPPED,	/* a callback said stop: resume at *addr */
	MMSCOPE_WALK_YIELD,	/* the budget is spent: drop the lock, resume */
};

/*
 * Entries one hold of the mmap lock reads at most: about 32 PTE tables,
 * 64 MiB of densely mapped space, well under a millisecond.
 */
#define MMSCOPE_WALK_BUDGET (32 * PTRS_PER_PTE)

struct mmscope_walker {
	struct mm_struct *mm;
	const struct mmscope_walk_ops *ops;
	void *private;			/* the consumer's */
	struct vm_area_struct *vma;	/* the VMA being walked, or NULL */
	spinlock_t *ptl;		/* the entry lock, in the entry callbacks */
	struct mmscope_mapcount_cache mapcount;	/* valid under @ptl only */
	int budget;			/* entries left in this hold */
	bool unpinned;			/* a table was not followed: no VMA pins it */
	bool no_page;			/* decode reads no struct page, no verdict */
};

enum mmscope_walk_result mmscope_walk_range(struct mmscope_walker *w,
					    unsigned long *addr,
					    unsigned long end);
enum mmscope_walk_result mmscope_walk_vma(struct mmscope_walker *w,
					  struct vm_area_struct *vma,
					  unsigned long *addr);
void mmscope_walk_decode(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next,
			 struct mmscope_page *rec);

#endif /* _MMSCOPE_WALK_H */
