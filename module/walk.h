/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table walker's interface to its consumers. walk.c walks (the
 * levels, the locks, the budget; its "Locking" says why each lock is
 * enough), walk_decode.c says what an entry holds. The consumers, and what
 * each holds when it calls in:
 *
 * - walk_addr.c, MMSCOPE_IOC_WALK: one address, every level (->table,
 *   ->leaf, ->hole, walk_no_vma). One mmscope_walk_range() of one page
 *   under the mmap read lock it takes.
 * - walk_range.c, MMSCOPE_IOC_PAGES and debugfs pages: a record per leaf
 *   or run (->leaf, ->hole); walk_pte.c, MMSCOPE_PAGES_PTE_ONLY: 24-byte
 *   records, no struct page read (->leaf, ->ptes, ->hole, w->no_page);
 *   walk_summary.c, MMSCOPE_PAGES_SUMMARY: counts only (->leaf, ->ptes,
 *   ->hole). Each calls mmscope_walk_locked(), which takes and drops the
 *   mmap read lock around one budget.
 * - smaps.c, MMSCOPE_IOC_SMAPS: fs/proc's arithmetic, which differs by
 *   level, so ->pte_entry, ->pmd_entry and ->pud_entry, and ->hole. It
 *   holds the mmap read lock itself around mmscope_walk_range() and
 *   mmscope_walk_vma(), one budget per hold.
 *
 * In every consumer: the caller holds an mm_users reference on w->mm and
 * its mmap read lock (asserted); ->leaf, the per-level hooks, ->ptes, and
 * ->hole of an empty PTE run under the entry's page table lock, w->ptl,
 * and in a hugetlb VMA also under its file's i_mmap_rwsem for read (both
 * asserted before each call); ->table and the other ->hole calls run
 * under the mmap lock alone, with w->ptl NULL. No callback may sleep.
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
 * @leaf: a non-empty entry that is not a table, at the level e->level
 *	says: a PTE, or a PMD or PUD entry (a leaf, a migration or hugetlb
 *	swap entry, or a bad one), under its lock
 * @pte_entry: (optional) instead of @leaf for a PTE, for a consumer that
 *	treats the levels apart (smaps.c)
 * @pmd_entry: (optional) likewise for a PMD entry
 * @pud_entry: (optional) likewise for a PUD entry
 * @ptes: (optional) the entries of [*addr, end) of one PTE table, @ptep at
 *	*addr's, under the PTE lock, instead of ->leaf and ->hole one by
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
	int (*leaf)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
		    unsigned long addr, unsigned long next);
	int (*pte_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*pmd_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*pud_entry)(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next);
	int (*ptes)(struct mmscope_walker *w, pte_t *ptep, unsigned long *addr,
		    unsigned long end);
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
int mmscope_walk_locked(struct mmscope_walker *w, unsigned long *addr, unsigned long end);

/* walk_decode.c */
void mmscope_walk_decode(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next,
			 struct mmscope_page *rec);

/*
 * A batch of records a consumer fills under one hold of the mmap lock
 * (w->private of walk_range.c and walk_pte.c): @max records of the
 * consumer's type at @recs, @nr filled.
 */
struct mmscope_batch {
	void *recs;
	unsigned int nr, max;
};

/* walk_range.c */
int mmscope_pages_batches(struct mmscope_walker *w, struct mmscope_pages *req,
			  size_t ksize, unsigned int batch);

#endif /* _MMSCOPE_WALK_H */
