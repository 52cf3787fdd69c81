// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table walker: the levels, the locking and the budget, for the
 * consumers listed in walk.h. It reads another process's page tables and
 * never writes them; what an entry says is decoded in walk_decode.c.
 *
 * walk_page_range() is not exported, nor (on 6.12) pte_offset_map_lock(),
 * so the tables are walked here, the way mm/pagewalk.c and GUP walk them.
 *
 * Locking:
 * - The caller holds the target's mmap read lock, and an mm_users
 *   reference, so exit_mmap() cannot run, and mremap() and exec, which
 *   move tables, hold the write lock. munmap() (and brk() and mremap()
 *   shrinking) frees the tables of the space it unmapped after it has
 *   downgraded to the read lock, but only those lying wholly between the
 *   VMAs that remain (free_pgtables()' floor and ceiling): a table whose
 *   span overlaps a VMA is not freed that way. A table that no VMA
 *   overlaps may be freed at any moment, its split ptlock at once and
 *   its page after a TLB flush, with no RCU grace period on x86; so the
 *   walker never follows an entry whose span no VMA overlaps, and says
 *   where it stopped (->hole with MMSCOPE_ENTRY_NO_VMA, w->unpinned). This
 *   pin is what makes the walk safe; do not relax it. Upstream's
 *   walk_page_range_novma() takes the write lock instead; a diagnostic
 *   must not stall the process it looks at.
 * - Under the read lock, a PTE table inside a VMA can still be freed by
 *   khugepaged and MADV_COLLAPSE of file and shmem THPs, with RCU (6.6+:
 *   retract_page_tables(), collapse_pte_mapped_thp(), pte_free_defer()),
 *   so it is read as __pte_offset_map_lock() reads it: the PMD locklessly
 *   under rcu_read_lock(), then the PTE lock, then the PMD again. (6.1
 *   retracts under the write lock; the same code is merely cautious there.)
 * - A hugetlb PMD table may be shared by several processes, and any of
 *   them may unshare and free it: huge_pmd_unshare() asserts i_mmap_rwsem
 *   held for write, on 6.1 as on 6.12. So a hugetlb VMA is walked holding
 *   its file's i_mmap_rwsem for read, which hugetlb_walk() (6.2) accepts
 *   in place of the hugetlb VMA lock that walk_hugetlb_range() takes there
 *   (hugetlb_vma_lock_read() is not exported; 6.1's walk takes neither).
 *   The lock order is mmap_lock, i_mmap_rwsem, page table lock, as in the
 *   kernel (mm/rmap.c).
 * - PMD and PUD entries that are not tables are read again under their
 *   lock, and every entry callback runs under the lock of its entry
 *   (w->ptl), so a page it looks at stays mapped, hence allocated. The
 *   core asserts both before each callback (mmscope_walk_assert_entry()).
 * - One call reads at most MMSCOPE_WALK_BUDGET entries, then yields, so
 *   that its caller drops the locks and reschedules.
 * - On PREEMPT_RT the page table locks are sleeping spinlock_t and RCU
 *   readers are preemptible, so taking a PTE lock inside rcu_read_lock() is
 *   allowed there as everywhere; nothing here runs with preemption or
 *   interrupts off, and the callbacks, as elsewhere, must not sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>

#include "internal.h"
#include "walk.h"

/*
 * Fault injection for the race tests: a wait between reading a table entry
 * and following it, which widens the window a concurrent munmap() or PMD
 * unshare has to free the table under a walker that would not deserve to
 * be safe. 0 (no wait) but in tests; at most 100 µs.
 */
static unsigned int walk_delay_us;
module_param(walk_delay_us, uint, 0644);
MODULE_PARM_DESC(walk_delay_us,
		 "Test only: microseconds to wait before following a table entry (0..100)");

/* The entry changed under us: walk the step again from the top. */
#define MMSCOPE_WALK_AGAIN (-EAGAIN)

/*
 * May the walker follow an entry that maps [start, start + size)? Inside a
 * VMA always; elsewhere only if a VMA overlaps the span and so pins the
 * table below it (see "Locking").
 */
static bool mmscope_walk_pinned(struct mmscope_walker *w, unsigned long addr,
				unsigned long size)
{
	unsigned long start = addr & ~(size - 1);
	struct vm_area_struct *vma;

	if (w->vma)
		return true;
	vma = find_vma(w->mm, start);
	return vma && vma->vm_start < start + size;
}

/*
 * Go below the table entry @e, which maps @size bytes around @addr? The
 * consumer sees the entry either way; a table no VMA pins is not followed.
 */
static bool mmscope_walk_descend(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
				 unsigned long addr, unsigned long size)
{
	unsigned int delay = READ_ONCE(walk_delay_us);

	if (w->ops->table)
		w->ops->table(w, e);
	if (!mmscope_walk_pinned(w, addr, size)) {
		w->unpinned = true;
		return false;
	}
	if (delay)
		udelay(min(delay, 100U));
	return true;
}

/* The entry callbacks run under @ptl, held by the caller. */
static void mmscope_walk_enter(struct mmscope_walker *w, spinlock_t *ptl)
{
	w->ptl = ptl;
	w->mapcount.folio = NULL;
}

static void mmscope_walk_leave(struct mmscope_walker *w)
{
	w->ptl = NULL;
	w->mapcount.folio = NULL;
}

/*
 * What every entry callback runs under, stated where it is called: the
 * entry's lock, and in a hugetlb VMA its file's i_mmap_rwsem, taken by
 * mmscope_walk_span() so that no shared PMD table is unshared and freed.
 */
static void mmscope_walk_assert_entry(const struct mmscope_walker *w)
{
	lockdep_assert_held(w->ptl);
	if (w->vma && is_vm_hugetlb_page(w->vma))
		i_mmap_assert_locked(w->vma->vm_file->f_mapping);
}

/* A non-empty entry: the consumer's hook for its level if it has one, or ->leaf. */
static int mmscope_walk_leaf(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			     unsigned long addr, unsigned long next)
{
	const struct mmscope_walk_ops *ops = w->ops;

	mmscope_walk_assert_entry(w);
	if (e->level == MMSCOPE_LEVEL_PTE && ops->pte_entry)
		return ops->pte_entry(w, e, addr, next);
	if (e->level == MMSCOPE_LEVEL_PMD && ops->pmd_entry)
		return ops->pmd_entry(w, e, addr, next);
	if (e->level == MMSCOPE_LEVEL_PUD && ops->pud_entry)
		return ops->pud_entry(w, e, addr, next);
	return ops->leaf(w, e, addr, next);
}

/* The entries of one PTE table in [addr, end): *addr moves past those done. */
static int mmscope_walk_ptes(struct mmscope_walker *w, pmd_t *pmdp,
			     unsigned long *addr, unsigned long end)
{
	struct mmscope_walk_entry e = { .level = MMSCOPE_LEVEL_PTE };
	unsigned long a = *addr;
	pte_t *ptep, pte;
	spinlock_t *ptl;	/* the PTE table's lock */
	pmd_t pmdval;
	int ret = 0;

	rcu_read_lock();
	pmdval = pmdp_get_lockless(pmdp);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval)) {
		rcu_read_unlock();
		return MMSCOPE_WALK_AGAIN;
	}
	ptep = pte_offset_kernel(&pmdval, a);
	ptl = pte_lockptr(w->mm, &pmdval);
	spin_lock(ptl);
	if (!pmd_same(pmdval, pmdp_get_lockless(pmdp))) {
		ret = MMSCOPE_WALK_AGAIN;	/* the table went away */
		goto out_unlock;
	}

	mmscope_walk_enter(w, ptl);
	if (w->ops->ptes) {
		mmscope_walk_assert_entry(w);
		ret = w->ops->ptes(w, ptep, &a, end);
		w->budget -= (a - *addr) >> PAGE_SHIFT;
		goto out_leave;
	}
	for (; a < end; a += PAGE_SIZE, ptep++) {
		pte = ptep_get(ptep);
		e.index = pte_index(a);
		e.ptr = ptep;
		e.raw = pte_val(pte);
		w->budget--;
		if (pte_none(pte)) {
			mmscope_walk_assert_entry(w);
			ret = w->ops->hole(w, &e, a, a + PAGE_SIZE, MMSCOPE_ENTRY_NONE);
		} else {
			ret = mmscope_walk_leaf(w, &e, a, a + PAGE_SIZE);
		}
		if (ret)
			break;
	}
out_leave:
	mmscope_walk_leave(w);
	*addr = a;
out_unlock:
	spin_unlock(ptl);
	rcu_read_unlock();
	return ret;
}

/*
 * A PMD or PUD entry that is not a table (@e's level, entry and index set),
 * read again under its lock and given to the consumer under it; if it is
 * empty or a table by then, the step starts again.
 */
static int mmscope_walk_upper_leaf(struct mmscope_walker *w, struct mmscope_walk_entry *e,
				   unsigned long *addr, unsigned long next)
{
	spinlock_t *ptl;	/* the entry's lock */
	bool changed;
	pmd_t pmd;
	pud_t pud;
	int ret;

	if (e->level == MMSCOPE_LEVEL_PUD)
		ptl = pud_lockptr(w->mm, e->ptr);
	else if (w->vma && is_vm_hugetlb_page(w->vma))
		ptl = huge_pte_lockptr(hstate_vma(w->vma), w->mm, e->ptr);
	else
		ptl = pmd_lockptr(w->mm, e->ptr);
	spin_lock(ptl);
	if (e->level == MMSCOPE_LEVEL_PUD) {
		pud = READ_ONCE(*(pud_t *)e->ptr);
		changed = pud_none(pud) || (pud_present(pud) && !pud_leaf(pud));
		e->raw = pud_val(pud);
	} else {
		pmd = pmdp_get_lockless(e->ptr);
		changed = pmd_none(pmd) || (pmd_present(pmd) && !pmd_leaf(pmd) && !pmd_bad(pmd));
		e->raw = pmd_val(pmd);
	}
	if (changed) {
		ret = MMSCOPE_WALK_AGAIN;
		goto out_unlock;
	}
	mmscope_walk_enter(w, ptl);
	ret = mmscope_walk_leaf(w, e, *addr, next);
	mmscope_walk_leave(w);
	if (!ret)
		*addr = next;
out_unlock:
	spin_unlock(ptl);
	return ret;
}

/*
 * One step down from the PGD at *addr, below @end: one leaf, one hole, or
 * one PTE table's worth. *addr moves past what was done.
 *
 * Return: 0, or MMSCOPE_WALK_STOP from a callback.
 */
static int mmscope_walk_step(struct mmscope_walker *w, unsigned long *addr,
			     unsigned long end)
{
	struct mmscope_walk_entry e;
	unsigned long next;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	u32 state;
	int ret;

again:
	/*
	 * With 4-level paging the P4D is folded into the PGD, and x86's
	 * pgd_none() is then always false: the PGD entry is read as a P4D,
	 * and named the PGD.
	 */
	pgdp = pgd_offset(w->mm, *addr);
	if (pgtable_l5_enabled()) {
		pgd = READ_ONCE(*pgdp);
		e = (struct mmscope_walk_entry){ MMSCOPE_LEVEL_PGD, pgd_index(*addr),
						 pgdp, pgd_val(pgd) };
		next = pgd_addr_end(*addr, end);
		w->budget--;
		state = pgd_none(pgd) ? MMSCOPE_ENTRY_NONE : MMSCOPE_ENTRY_BAD;
		if (pgd_none(pgd) || pgd_bad(pgd))
			goto hole;
		if (!mmscope_walk_descend(w, &e, *addr, PGDIR_SIZE))
			goto unpinned;
		p4dp = p4d_offset(&pgd, *addr);
		e.level = MMSCOPE_LEVEL_P4D;
		e.index = p4d_index(*addr);
	} else {
		p4dp = (p4d_t *)pgdp;
		e.level = MMSCOPE_LEVEL_PGD;
		e.index = pgd_index(*addr);
	}
	p4d = READ_ONCE(*p4dp);
	e.ptr = p4dp;
	e.raw = p4d_val(p4d);
	next = p4d_addr_end(*addr, end);
	w->budget--;
	state = p4d_none(p4d) ? MMSCOPE_ENTRY_NONE : MMSCOPE_ENTRY_BAD;
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto hole;
	if (!mmscope_walk_descend(w, &e, *addr, P4D_SIZE))
		goto unpinned;

	pudp = pud_offset(&p4d, *addr);
	pud = READ_ONCE(*pudp);
	e = (struct mmscope_walk_entry){ MMSCOPE_LEVEL_PUD, pud_index(*addr), pudp, pud_val(pud) };
	next = pud_addr_end(*addr, end);
	w->budget--;
	state = pud_none(pud) ? MMSCOPE_ENTRY_NONE : MMSCOPE_ENTRY_BAD;
	if (pud_none(pud))
		goto hole;
	if (pud_leaf(pud) || !pud_present(pud)) {
		ret = mmscope_walk_upper_leaf(w, &e, addr, next);
		goto out;
	}
	if (pud_bad(pud))
		goto hole;
	if (!mmscope_walk_descend(w, &e, *addr, PUD_SIZE))
		goto unpinned;

	pmdp = pmd_offset(&pud, *addr);
	pmd = pmdp_get_lockless(pmdp);
	e = (struct mmscope_walk_entry){ MMSCOPE_LEVEL_PMD, pmd_index(*addr), pmdp, pmd_val(pmd) };
	next = pmd_addr_end(*addr, end);
	w->budget--;
	state = MMSCOPE_ENTRY_NONE;
	if (pmd_none(pmd))
		goto hole;
	if (!pmd_present(pmd) || pmd_leaf(pmd) || pmd_bad(pmd)) {
		ret = mmscope_walk_upper_leaf(w, &e, addr, next);
		goto out;
	}
	if (!mmscope_walk_descend(w, &e, *addr, PMD_SIZE))
		goto unpinned;
	ret = mmscope_walk_ptes(w, pmdp, addr, next);
	goto out;

hole:
	/* A bad entry is a hole too: nothing below it is read. */
	ret = w->ops->hole(w, &e, *addr, next, state);
	goto advance;
unpinned:
	ret = w->ops->hole(w, NULL, *addr, next, MMSCOPE_ENTRY_NO_VMA);
advance:
	if (!ret)
		*addr = next;
out:
	if (ret == MMSCOPE_WALK_AGAIN)
		goto again;
	return ret;
}

/*
 * Walk [*addr, end) inside w->vma, or in a gap with no VMA when w->vma is
 * NULL, until done, stopped or out of budget.
 */
static int mmscope_walk_span(struct mmscope_walker *w, unsigned long *addr,
			     unsigned long end)
{
	struct address_space *mapping = NULL;
	int ret = 0;

	/* A shared hugetlb PMD table is freed only under i_mmap_rwsem. */
	if (w->vma && is_vm_hugetlb_page(w->vma)) {
		mapping = w->vma->vm_file->f_mapping;
		i_mmap_lock_read(mapping);
	}
	while (*addr < end && w->budget > 0) {
		ret = mmscope_walk_step(w, addr, end);
		if (ret)
			break;
	}
	if (mapping)
		i_mmap_unlock_read(mapping);
	return ret;
}

/**
 * mmscope_walk_range - walk [*addr, end) of w->mm for w->ops
 * @w: mm, ops and private set; the rest is the walker's
 * @addr: in: where to start; out: where to resume
 * @end: the end of the range
 *
 * Gaps with no VMA are one ->hole(MMSCOPE_ENTRY_NO_VMA), or, with
 * ops->walk_no_vma, walked as far as VMAs pin their tables.
 *
 * Locking: the mmap read lock of w->mm, and an mm_users reference.
 *
 * Return: enum mmscope_walk_result.
 */
enum mmscope_walk_result mmscope_walk_range(struct mmscope_walker *w,
					    unsigned long *addr,
					    unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long stop;

	mmap_assert_locked(w->mm);
	w->budget = MMSCOPE_WALK_BUDGET;
	while (*addr < end) {
		if (w->budget <= 0)
			return MMSCOPE_WALK_YIELD;
		vma = find_vma(w->mm, *addr);
		if (vma && vma->vm_start <= *addr) {
			w->vma = vma;
			stop = min(end, vma->vm_end);
		} else {
			w->vma = NULL;
			stop = vma ? min(end, vma->vm_start) : end;
			if (!w->ops->walk_no_vma) {
				w->budget--;
				if (w->ops->hole(w, NULL, *addr, stop, MMSCOPE_ENTRY_NO_VMA))
					return MMSCOPE_WALK_STOPPED;
				*addr = stop;
				continue;
			}
		}
		if (mmscope_walk_span(w, addr, stop))
			return MMSCOPE_WALK_STOPPED;
	}
	return MMSCOPE_WALK_DONE;
}

/**
 * mmscope_walk_locked - mmscope_walk_range() under one hold of the mmap lock
 * @w: as for mmscope_walk_range(); w->mm may be NULL (a kernel thread),
 *	then [*addr, end) is one ->hole(MMSCOPE_ENTRY_NO_VMA)
 * @addr: in: where to start; out: where to resume
 * @end: the end of the range
 *
 * One walker budget at most: the caller loops, and reschedules between
 * calls.
 *
 * Locking: takes the mmap read lock of w->mm; w->mm has an mm_users
 * reference.
 *
 * Return: 0, or -EINTR on a fatal signal.
 */
int mmscope_walk_locked(struct mmscope_walker *w, unsigned long *addr, unsigned long end)
{
	if (*addr >= end)
		return 0;
	if (!w->mm) {
		w->ops->hole(w, NULL, *addr, end, MMSCOPE_ENTRY_NO_VMA);
		*addr = end;
		return 0;
	}
	if (mmap_read_lock_killable(w->mm))
		return -EINTR;
	mmscope_walk_range(w, addr, end);
	mmap_read_unlock(w->mm);
	return 0;
}

/**
 * mmscope_walk_vma - walk [*addr, vma->vm_end) of @vma, found by the caller
 * @w: mm, ops and private set; @w->budget is the caller's to set
 * @vma: the VMA that holds *@addr
 * @addr: in: where to start; out: where to resume
 *
 * For a caller that steps VMAs itself (a VMA iterator) and spreads one
 * budget over many VMAs: no lookup of the VMA, no reset of the budget.
 *
 * Locking: the mmap read lock of w->mm, and an mm_users reference.
 *
 * Return: enum mmscope_walk_result.
 */
enum mmscope_walk_result mmscope_walk_vma(struct mmscope_walker *w,
					  struct vm_area_struct *vma,
					  unsigned long *addr)
{
	mmap_assert_locked(w->mm);
	w->vma = vma;
	if (mmscope_walk_span(w, addr, vma->vm_end))
		return MMSCOPE_WALK_STOPPED;
	return *addr < vma->vm_end ? MMSCOPE_WALK_YIELD : MMSCOPE_WALK_DONE;
}
