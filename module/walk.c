// SPDX-License-Identifier: GPL-2.0
/*
 * Walking a process's page tables, read-only.
 *
 * walk_page_range() is not exported, nor (on 6.12) pte_offset_map_lock(),
 * so this file walks the tables itself, as mm/pagewalk.c and GUP do:
 *
 * - Inside a VMA, with the mmap read lock held, the PGD, P4D, PUD and PMD
 *   tables stay put: they are freed only when the VMA goes. A PTE table can
 *   still be freed by khugepaged with RCU (6.6+), so it is read as
 *   __pte_offset_map_lock() reads it: the PMD locklessly under
 *   rcu_read_lock(), then the PTE lock, then the PMD again.
 * - PMD and PUD leaves (THP, hugetlb) are read under their own lock, and
 *   re-read there.
 * - Page state is read only under the lock of the entry that maps the
 *   page, so the page stays mapped, hence allocated, while we look.
 * - An address outside any VMA may have its tables freed by a concurrent
 *   munmap() that has downgraded to the read lock. It is walked with
 *   interrupts off, as GUP-fast walks (table freeing waits for an IPI or an
 *   RCU grace period), and no struct page is touched.
 *
 * Nothing here writes a page table or faults a page in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <asm/io.h>

#include "internal.h"

struct mmscope_walker {
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* NULL: lockless, no page state */
	struct mmscope_walk *trace;	/* per-level record, or NULL */
	struct mmscope_page *recs;
	unsigned int nr, max;
	unsigned int steps;		/* walk steps taken in this batch */
};

/*
 * Empty entries merge into one record, so records alone do not bound the
 * work of a batch over a huge sparse VMA: steps do. 4096 steps cover at
 * most 4096 PTE tables, well under a millisecond each.
 */
#define MMSCOPE_STEPS_PER_BATCH 4096

static const char * const mmscope_level_names[] = {
	[MMSCOPE_LEVEL_PGD] = "pgd", [MMSCOPE_LEVEL_P4D] = "p4d",
	[MMSCOPE_LEVEL_PUD] = "pud", [MMSCOPE_LEVEL_PMD] = "pmd",
	[MMSCOPE_LEVEL_PTE] = "pte",
};

const char *mmscope_level_name(u32 level)
{
	return level < ARRAY_SIZE(mmscope_level_names) ? mmscope_level_names[level] : "?";
}

/* As crash's vtop prints them. */
static const char * const mmscope_level_names_upper[] = {
	[MMSCOPE_LEVEL_PGD] = "PGD", [MMSCOPE_LEVEL_P4D] = "P4D",
	[MMSCOPE_LEVEL_PUD] = "PUD", [MMSCOPE_LEVEL_PMD] = "PMD",
	[MMSCOPE_LEVEL_PTE] = "PTE",
};

const char *mmscope_level_name_upper(u32 level)
{
	return level < ARRAY_SIZE(mmscope_level_names_upper) ?
	       mmscope_level_names_upper[level] : "?";
}

static const char * const mmscope_state_names[MMSCOPE_ENTRY_STATE_COUNT] = {
	[MMSCOPE_ENTRY_NONE] = "none",
	[MMSCOPE_ENTRY_TABLE] = "table",
	[MMSCOPE_ENTRY_PRESENT] = "present",
	[MMSCOPE_ENTRY_SWAP] = "swap",
	[MMSCOPE_ENTRY_MIGRATION] = "migration",
	[MMSCOPE_ENTRY_DEVICE_PRIVATE] = "device_private",
	[MMSCOPE_ENTRY_DEVICE_EXCLUSIVE] = "device_exclusive",
	[MMSCOPE_ENTRY_HWPOISON] = "hwpoison",
	[MMSCOPE_ENTRY_MARKER] = "marker",
	[MMSCOPE_ENTRY_BAD] = "bad",
	[MMSCOPE_ENTRY_NO_VMA] = "no_vma",
};

const char *mmscope_entry_state_name(u32 state)
{
	return state < MMSCOPE_ENTRY_STATE_COUNT ? mmscope_state_names[state] : "?";
}

static const char * const mmscope_pte_bit_names[] = {
	"present", "rw", "user", "pwt", "pcd", "accessed", "dirty", "huge",
	"global", "nx", "soft_dirty", "uffd_wp", "protnone", "special",
	"devmap", "pat", "exclusive",
};

void mmscope_seq_pte_bits(struct seq_file *m, u32 bits)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmscope_pte_bit_names); i++) {
		if (!(bits & BIT(i)))
			continue;
		seq_printf(m, "%s%s", sep, mmscope_pte_bit_names[i]);
		sep = ",";
	}
	if (!*sep)
		seq_puts(m, "-");
}

/* The hardware and software bits of a present entry, or of a table entry. */
static u32 mmscope_present_bits(u64 v, bool upper_level)
{
	u32 bits = 0;

	if (v & _PAGE_PRESENT)
		bits |= MMSCOPE_PTE_PRESENT;
	else if (v & _PAGE_PROTNONE)
		bits |= MMSCOPE_PTE_PROTNONE;
	if (v & _PAGE_RW)
		bits |= MMSCOPE_PTE_RW;
	if (v & _PAGE_USER)
		bits |= MMSCOPE_PTE_USER;
	if (v & _PAGE_PWT)
		bits |= MMSCOPE_PTE_PWT;
	if (v & _PAGE_PCD)
		bits |= MMSCOPE_PTE_PCD;
	if (v & _PAGE_ACCESSED)
		bits |= MMSCOPE_PTE_ACCESSED;
	if (v & _PAGE_DIRTY)
		bits |= MMSCOPE_PTE_DIRTY;
	/* Bit 7 is PS above the PTE level and PAT in a PTE. */
	if (v & _PAGE_PSE)
		bits |= upper_level ? MMSCOPE_PTE_HUGE : MMSCOPE_PTE_PAT;
	if (upper_level && (v & _PAGE_PSE) && (v & _PAGE_PAT_LARGE))
		bits |= MMSCOPE_PTE_PAT;
	if ((v & _PAGE_GLOBAL) && (v & _PAGE_PRESENT))
		bits |= MMSCOPE_PTE_GLOBAL;
	if (v & _PAGE_NX)
		bits |= MMSCOPE_PTE_NX;
	if (v & _PAGE_SOFT_DIRTY)
		bits |= MMSCOPE_PTE_SOFT_DIRTY;
	if (v & _PAGE_UFFD_WP)
		bits |= MMSCOPE_PTE_UFFD_WP;
	if (!upper_level && (v & _PAGE_SPECIAL))
		bits |= MMSCOPE_PTE_SPECIAL;
	if (v & _PAGE_DEVMAP)
		bits |= MMSCOPE_PTE_DEVMAP;
	return bits;
}

/* A non-present, non-empty entry: what the swap-entry encoding says. */
static void mmscope_decode_swap(pte_t pte, struct mmscope_page *rec)
{
	swp_entry_t entry = pte_to_swp_entry(pte);

	if (is_pte_marker_entry(entry))
		rec->state = MMSCOPE_ENTRY_MARKER;
	else if (is_migration_entry(entry))
		rec->state = MMSCOPE_ENTRY_MIGRATION;
	else if (is_device_private_entry(entry))
		rec->state = MMSCOPE_ENTRY_DEVICE_PRIVATE;
	else if (is_device_exclusive_entry(entry))
		rec->state = MMSCOPE_ENTRY_DEVICE_EXCLUSIVE;
	else if (is_hwpoison_entry(entry))
		rec->state = MMSCOPE_ENTRY_HWPOISON;
	else
		rec->state = MMSCOPE_ENTRY_SWAP;
	rec->swap_type = swp_type(entry);
	rec->swap_offset = swp_offset(entry);
	if (pte_swp_soft_dirty(pte))
		rec->pte_flags |= MMSCOPE_PTE_SOFT_DIRTY;
	if (pte_swp_uffd_wp(pte))
		rec->pte_flags |= MMSCOPE_PTE_UFFD_WP;
	if (pte_swp_exclusive(pte))
		rec->pte_flags |= MMSCOPE_PTE_EXCLUSIVE;
}

static void mmscope_trace(struct mmscope_walker *w, u32 level, void *entry_ptr,
			  u32 index, u64 raw, u32 state, u64 leaf_size)
{
	struct mmscope_level *l;

	if (!w->trace || w->trace->nr_levels >= MMSCOPE_MAX_LEVELS)
		return;
	l = &w->trace->levels[w->trace->nr_levels++];
	l->level = level;
	l->index = index;
	l->table_phys = virt_to_phys(entry_ptr) & PAGE_MASK;
	l->entry = raw;
	l->state = state;
	/* Swap-style entries keep their bits elsewhere: see the page record. */
	if (state == MMSCOPE_ENTRY_PRESENT || state == MMSCOPE_ENTRY_TABLE)
		l->bits = mmscope_present_bits(raw, level != MMSCOPE_LEVEL_PTE);
	l->leaf_size = leaf_size;
}

/*
 * Append a record for [addr, addr + size); runs of empty entries, and of
 * space with no VMA, merge into the record before them. Returns the record,
 * or NULL when the batch is full.
 */
static struct mmscope_page *mmscope_emit(struct mmscope_walker *w, unsigned long addr,
					 unsigned long size, u32 state)
{
	struct mmscope_page *rec = w->nr ? &w->recs[w->nr - 1] : NULL;
	u32 cow = state == MMSCOPE_ENTRY_NONE && w->vma && (w->vma->vm_flags & VM_WRITE) ?
		  MMSCOPE_COW_NONE : MMSCOPE_COW_READONLY;

	if (rec && (state == MMSCOPE_ENTRY_NONE || state == MMSCOPE_ENTRY_NO_VMA) &&
	    rec->state == state && rec->cow == cow && rec->addr + rec->size == addr) {
		rec->size += size;
		return rec;
	}
	if (w->nr >= w->max)
		return NULL;
	rec = &w->recs[w->nr++];
	memset(rec, 0, sizeof(*rec));
	rec->addr = addr;
	rec->size = size;
	rec->state = state;
	rec->cow = cow;
	return rec;
}

/* The walk of one step must start again from the top: an entry changed. */
#define MMSCOPE_WALK_AGAIN ULONG_MAX

/* Take an entry's lock; a walk outside any VMA has none and takes none. */
static void mmscope_walk_lock(spinlock_t *ptl)
	__acquires(ptl)
{
	if (ptl)
		spin_lock(ptl);
	else
		__acquire(ptl);
}

static void mmscope_walk_unlock(spinlock_t *ptl)
	__releases(ptl)
{
	if (ptl)
		spin_unlock(ptl);
	else
		__release(ptl);
}

/* A present leaf of @page_size at @addr: its page, its state, its verdict. */
static void mmscope_leaf(struct mmscope_walker *w, struct mmscope_page *rec,
			 u64 raw, unsigned long pfn, unsigned long page_size,
			 bool writable, bool has_page)
{
	bool huge = page_size > PAGE_SIZE;

	rec->state = MMSCOPE_ENTRY_PRESENT;
	rec->page_size = page_size;
	rec->pfn = pfn;
	rec->pte_flags = mmscope_present_bits(raw, huge);
	if (has_page && w->vma)
		mmscope_page_fill(rec, w->vma, huge);
	rec->cow = mmscope_cow_verdict(w->vma, rec, writable, huge);
}

/*
 * The PTEs of one table, [addr, end), under the PTE lock (none for a walk
 * outside any VMA). Returns where to continue, or MMSCOPE_WALK_AGAIN if
 * the PMD changed under us.
 */
static unsigned long mmscope_walk_ptes(struct mmscope_walker *w, pmd_t *pmdp,
				       unsigned long addr, unsigned long end)
{
	struct mmscope_page *rec;
	spinlock_t *ptl;	/* NULL outside any VMA: a lockless walk */
	pte_t *ptep, pte;
	unsigned long pfn;
	bool changed;
	pmd_t pmdval;

	rcu_read_lock();
	pmdval = mmscope_pmdp_get_lockless(pmdp);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) || pmd_bad(pmdval)) {
		rcu_read_unlock();
		return MMSCOPE_WALK_AGAIN;
	}
	ptep = pte_offset_kernel(&pmdval, addr);
	ptl = w->vma ? pte_lockptr(w->mm, &pmdval) : NULL;
	mmscope_walk_lock(ptl);
	changed = ptl && !pmd_same(pmdval, mmscope_pmdp_get_lockless(pmdp));

	for (; !changed && addr < end; addr += PAGE_SIZE, ptep++) {
		pte = ptep_get(ptep);
		if (pte_none(pte)) {
			rec = mmscope_emit(w, addr, PAGE_SIZE, MMSCOPE_ENTRY_NONE);
		} else {
			rec = mmscope_emit(w, addr, PAGE_SIZE, MMSCOPE_ENTRY_PRESENT);
			if (rec && pte_present(pte)) {
				pfn = pte_pfn(pte);
				/*
				 * What vm_normal_page() decides, which is not
				 * exported: a special PTE has no page to show,
				 * except the zero page, which is worth showing.
				 */
				mmscope_leaf(w, rec, pte_val(pte), pfn, PAGE_SIZE,
					     pte_write(pte),
					     !pte_special(pte) || is_zero_pfn(pfn));
			} else if (rec) {
				mmscope_decode_swap(pte, rec);
				rec->cow = mmscope_cow_verdict(w->vma, rec, false, false);
			}
		}
		if (!rec)
			break;		/* batch full */
		mmscope_trace(w, MMSCOPE_LEVEL_PTE, ptep, pte_index(addr), pte_val(pte),
			      rec->state, rec->page_size);
	}

	mmscope_walk_unlock(ptl);
	rcu_read_unlock();
	return changed ? MMSCOPE_WALK_AGAIN : addr;
}

/* A PMD entry that is not a table: a leaf, a migration entry, or garbage. */
static unsigned long mmscope_walk_pmd_leaf(struct mmscope_walker *w, pmd_t *pmdp,
					   unsigned long addr, unsigned long end)
{
	unsigned long start = addr & PMD_MASK, next = min(start + PMD_SIZE, end);
	struct mmscope_page *rec;
	spinlock_t *ptl;	/* NULL outside any VMA: a lockless walk */
	pmd_t pmd;

	if (!w->vma)
		ptl = NULL;
	else if (is_vm_hugetlb_page(w->vma))
		ptl = huge_pte_lockptr(hstate_vma(w->vma), w->mm, (pte_t *)pmdp);
	else
		ptl = pmd_lockptr(w->mm, pmdp);
	mmscope_walk_lock(ptl);
	pmd = mmscope_pmdp_get_lockless(pmdp);
	if (pmd_none(pmd) || (pmd_present(pmd) && !pmd_leaf(pmd) && !pmd_bad(pmd))) {
		next = MMSCOPE_WALK_AGAIN;	/* changed under us */
		goto out_unlock;
	}

	rec = mmscope_emit(w, addr, next - addr, MMSCOPE_ENTRY_PRESENT);
	if (!rec) {
		next = addr;			/* batch full */
		goto out_unlock;
	}
	if (pmd_present(pmd) && pmd_leaf(pmd)) {
		mmscope_trace(w, MMSCOPE_LEVEL_PMD, pmdp, pmd_index(addr), pmd_val(pmd),
			      MMSCOPE_ENTRY_PRESENT, PMD_SIZE);
		mmscope_leaf(w, rec, pmd_val(pmd),
			     pmd_pfn(pmd) + ((addr - start) >> PAGE_SHIFT), PMD_SIZE,
			     pmd_write(pmd), !pmd_devmap(pmd));
	} else if (pmd_present(pmd)) {
		mmscope_trace(w, MMSCOPE_LEVEL_PMD, pmdp, pmd_index(addr), pmd_val(pmd),
			      MMSCOPE_ENTRY_BAD, 0);
		rec->state = MMSCOPE_ENTRY_BAD;
		rec->cow = mmscope_cow_verdict(w->vma, rec, false, true);
	} else {
		/* A THP migration entry, or a hugetlb swap-style entry. */
		mmscope_decode_swap(__pte(pmd_val(pmd)), rec);
		mmscope_trace(w, MMSCOPE_LEVEL_PMD, pmdp, pmd_index(addr), pmd_val(pmd),
			      rec->state, 0);
		rec->cow = mmscope_cow_verdict(w->vma, rec, false, true);
	}
out_unlock:
	mmscope_walk_unlock(ptl);
	return next;
}

static unsigned long mmscope_walk_pud_leaf(struct mmscope_walker *w, pud_t *pudp,
					   unsigned long addr, unsigned long end)
{
	unsigned long start = addr & PUD_MASK, next = min(start + PUD_SIZE, end);
	struct mmscope_page *rec;
	spinlock_t *ptl;	/* NULL outside any VMA: a lockless walk */
	pud_t pud;

	ptl = w->vma ? pud_lockptr(w->mm, pudp) : NULL;
	mmscope_walk_lock(ptl);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud) || (pud_present(pud) && !pud_leaf(pud))) {
		next = MMSCOPE_WALK_AGAIN;	/* changed under us */
		goto out_unlock;
	}
	rec = mmscope_emit(w, addr, next - addr, MMSCOPE_ENTRY_PRESENT);
	if (!rec) {
		next = addr;			/* batch full */
	} else if (pud_present(pud)) {
		mmscope_trace(w, MMSCOPE_LEVEL_PUD, pudp, pud_index(addr), pud_val(pud),
			      MMSCOPE_ENTRY_PRESENT, PUD_SIZE);
		mmscope_leaf(w, rec, pud_val(pud),
			     pud_pfn(pud) + ((addr - start) >> PAGE_SHIFT), PUD_SIZE,
			     pud_write(pud), !pud_devmap(pud));
	} else {
		mmscope_decode_swap(__pte(pud_val(pud)), rec);
		mmscope_trace(w, MMSCOPE_LEVEL_PUD, pudp, pud_index(addr), pud_val(pud),
			      rec->state, 0);
		rec->cow = mmscope_cow_verdict(w->vma, rec, false, true);
	}
out_unlock:
	mmscope_walk_unlock(ptl);
	return next;
}

/* An empty or corrupt entry covering [addr, next): one run. */
static unsigned long mmscope_hole(struct mmscope_walker *w, u32 level, void *entry_ptr,
				  u32 index, u64 raw, unsigned long addr,
				  unsigned long next, bool bad)
{
	u32 state = bad ? MMSCOPE_ENTRY_BAD : MMSCOPE_ENTRY_NONE;

	mmscope_trace(w, level, entry_ptr, index, raw, state, 0);
	return mmscope_emit(w, addr, next - addr, state) ? next : addr;
}

/*
 * One step down from the PGD at @addr, below @end: emits the records of
 * one leaf, one hole, or one PTE table's worth, and returns where the next
 * step starts. Returns @addr unchanged when the batch is full.
 */
static unsigned long mmscope_walk_step(struct mmscope_walker *w, unsigned long addr,
				       unsigned long end)
{
	unsigned long next, ret;
	u32 level, index;
	pgd_t *pgdp, pgd;
	bool l5;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;

	mmap_assert_locked(w->mm);
again:
	if (w->trace)
		w->trace->nr_levels = 0;

	/*
	 * With 4-level paging the P4D is folded into the PGD, and x86's
	 * pgd_none() is then always false: the PGD entry is tested as a P4D.
	 */
	l5 = pgtable_l5_enabled();
	pgdp = pgd_offset(w->mm, addr);
	if (l5) {
		pgd = READ_ONCE(*pgdp);
		next = pgd_addr_end(addr, end);
		if (pgd_none(pgd) || pgd_bad(pgd))
			return mmscope_hole(w, MMSCOPE_LEVEL_PGD, pgdp, pgd_index(addr),
					    pgd_val(pgd), addr, next, !pgd_none(pgd));
		mmscope_trace(w, MMSCOPE_LEVEL_PGD, pgdp, pgd_index(addr), pgd_val(pgd),
			      MMSCOPE_ENTRY_TABLE, 0);
		p4dp = p4d_offset(&pgd, addr);
	} else {
		p4dp = (p4d_t *)pgdp;
	}
	p4d = READ_ONCE(*p4dp);
	next = p4d_addr_end(addr, end);
	level = l5 ? MMSCOPE_LEVEL_P4D : MMSCOPE_LEVEL_PGD;
	index = l5 ? p4d_index(addr) : pgd_index(addr);
	if (p4d_none(p4d) || p4d_bad(p4d))
		return mmscope_hole(w, level, p4dp, index, p4d_val(p4d), addr, next,
				    !p4d_none(p4d));
	mmscope_trace(w, level, p4dp, index, p4d_val(p4d), MMSCOPE_ENTRY_TABLE, 0);

	pudp = pud_offset(&p4d, addr);
	pud = READ_ONCE(*pudp);
	next = pud_addr_end(addr, end);
	if (pud_none(pud))
		return mmscope_hole(w, MMSCOPE_LEVEL_PUD, pudp, pud_index(addr),
				    pud_val(pud), addr, next, false);
	if (pud_leaf(pud) || !pud_present(pud)) {
		ret = mmscope_walk_pud_leaf(w, pudp, addr, next);
		if (ret == MMSCOPE_WALK_AGAIN)
			goto again;
		return ret;
	}
	if (pud_bad(pud))
		return mmscope_hole(w, MMSCOPE_LEVEL_PUD, pudp, pud_index(addr),
				    pud_val(pud), addr, next, true);
	mmscope_trace(w, MMSCOPE_LEVEL_PUD, pudp, pud_index(addr), pud_val(pud),
		      MMSCOPE_ENTRY_TABLE, 0);

	pmdp = pmd_offset(&pud, addr);
	pmd = mmscope_pmdp_get_lockless(pmdp);
	next = pmd_addr_end(addr, end);
	if (pmd_none(pmd))
		return mmscope_hole(w, MMSCOPE_LEVEL_PMD, pmdp, pmd_index(addr),
				    pmd_val(pmd), addr, next, false);
	if (!pmd_present(pmd) || pmd_leaf(pmd) || pmd_bad(pmd)) {
		ret = mmscope_walk_pmd_leaf(w, pmdp, addr, next);
		if (ret == MMSCOPE_WALK_AGAIN)
			goto again;
		return ret;
	}
	mmscope_trace(w, MMSCOPE_LEVEL_PMD, pmdp, pmd_index(addr), pmd_val(pmd),
		      MMSCOPE_ENTRY_TABLE, 0);

	ret = mmscope_walk_ptes(w, pmdp, addr, next);
	if (ret == MMSCOPE_WALK_AGAIN)
		goto again;
	return ret;
}

/**
 * mmscope_walk_addr - MMSCOPE_IOC_WALK: every level for one address
 * @mm: the target's mm (not NULL)
 * @walk: @walk->addr in, everything else out
 *
 * Return: 0 or -EINTR.
 */
int mmscope_walk_addr(struct mm_struct *mm, struct mmscope_walk *walk)
{
	unsigned long addr = walk->addr & PAGE_MASK;
	struct mmscope_walker w = {
		.mm = mm, .trace = walk, .recs = &walk->page, .max = 1,
	};
	unsigned long irqflags;

	walk->paging_levels = pgtable_l5_enabled() ? 5 : 4;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	w.vma = find_vma(mm, walk->addr);
	if (w.vma && w.vma->vm_start > walk->addr)
		w.vma = NULL;
	if (w.vma) {
		mmscope_walk_step(&w, addr, addr + PAGE_SIZE);
	} else {
		walk->out_flags |= MMSCOPE_WALK_NO_VMA;
		local_irq_save(irqflags);
		mmscope_walk_step(&w, addr, addr + PAGE_SIZE);
		local_irq_restore(irqflags);
	}
	mmap_read_unlock(mm);

	/* The record covers the one page at addr, whatever size its leaf has. */
	if (walk->page.state == MMSCOPE_ENTRY_PRESENT)
		walk->phys = PFN_PHYS(walk->page.pfn) + offset_in_page(walk->addr);
	return 0;
}

/*
 * Fill @w with the records of [*addr, end), stopping when it is full or
 * has walked enough; *addr says where the next batch starts.
 *
 * Locking: the mmap read lock of @w->mm.
 */
static void mmscope_pages_batch(struct mmscope_walker *w, unsigned long *addr,
				unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long next, vend;

	mmap_assert_locked(w->mm);
	while (*addr < end && w->nr < w->max) {
		vma = find_vma(w->mm, *addr);
		if (!vma || vma->vm_start >= end) {
			if (mmscope_emit(w, *addr, end - *addr, MMSCOPE_ENTRY_NO_VMA))
				*addr = end;
			return;
		}
		if (vma->vm_start > *addr) {
			if (!mmscope_emit(w, *addr, vma->vm_start - *addr, MMSCOPE_ENTRY_NO_VMA))
				return;
			*addr = vma->vm_start;
			continue;
		}
		w->vma = vma;
		vend = min(end, vma->vm_end);
		while (*addr < vend) {
			if (++w->steps > MMSCOPE_STEPS_PER_BATCH)
				return;		/* let the lock go for a while */
			next = mmscope_walk_step(w, *addr, vend);
			if (next == *addr)
				return;		/* batch full */
			*addr = next;
		}
	}
}

/**
 * mmscope_pages_fill - the records of a range, one batch
 * @mm: the target's mm, or NULL (a kernel thread: one no-VMA run)
 * @addr: in: where to start; out: where the next batch starts
 * @end: end of the range
 * @recs: room for @max records
 * @max: at least 1
 *
 * Takes and drops the mmap read lock, so the caller may copy the batch to
 * user memory afterwards.
 *
 * Return: records filled, or -EINTR on a fatal signal.
 */
int mmscope_pages_fill(struct mm_struct *mm, unsigned long *addr, unsigned long end,
		       struct mmscope_page *recs, unsigned int max)
{
	struct mmscope_walker w = { .mm = mm, .recs = recs, .max = max };

	if (!mm) {
		mmscope_emit(&w, *addr, end - *addr, MMSCOPE_ENTRY_NO_VMA);
		*addr = end;
		return w.nr;
	}
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	mmscope_pages_batch(&w, addr, end);
	mmap_read_unlock(mm);
	return w.nr;
}

/**
 * mmscope_pages_copy - MMSCOPE_IOC_PAGES
 * @mm: the target's mm, or NULL
 * @req: the validated request; count, next and out_flags are set
 *
 * Kernel memory is one batch whatever the range; the mmap lock is dropped
 * between batches, and a fatal signal ends the call.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_pages_copy(struct mm_struct *mm, struct mmscope_pages *req)
{
	void __user *dst = u64_to_user_ptr(req->records_ptr);
	unsigned long addr = req->start & PAGE_MASK;
	struct mmscope_page *recs;
	u32 done = 0, i;
	int n, ret = 0;

	recs = kvmalloc_array(MMSCOPE_PAGES_BATCH, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;

	req->out_flags = 0;
	while (done < req->count && addr < req->end) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		n = mmscope_pages_fill(mm, &addr, req->end, recs,
				       min_t(u32, MMSCOPE_PAGES_BATCH, req->count - done));
		if (n < 0) {
			ret = n;
			break;
		}
		for (i = 0; i < n; i++) {
			ret = mmscope_copy_record(dst + (size_t)(done + i) * req->record_size,
						  req->record_size, &recs[i], sizeof(recs[i]));
			if (ret)
				goto out_free_recs;
		}
		done += n;
		cond_resched();
	}
	if (addr >= req->end)
		req->out_flags |= MMSCOPE_PAGES_DONE;

out_free_recs:
	kvfree(recs);
	req->count = done;
	req->next = addr;
	return ret;
}
