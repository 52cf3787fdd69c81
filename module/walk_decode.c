// SPDX-License-Identifier: GPL-2.0
/*
 * What a page-table entry says, for the walker's consumers: its bits, the
 * swap-style entry it may hold, and the page a present leaf maps, with the
 * COW verdict. Nothing here walks or locks; every function is called from
 * an entry callback (walk.c), under the entry's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "internal.h"
#include "walk.h"

/* The hardware and software bits of a present entry, or of a table entry. */
u32 mmscope_present_bits(u64 v, bool upper_level)
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
	/* A PMD or PUD leaf is special only where pmd_special() reads the bit. */
	if ((v & _PAGE_SPECIAL) &&
	    (!upper_level || (MMSCOPE_HUGE_LEAF_SPECIAL && (v & _PAGE_PSE))))
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
	/*
	 * A migration entry keeps the page's young and dirty bits above its
	 * PFN (swap_migration_ad_supported): the frame, as pagemap gives it.
	 */
	rec->swap_offset = is_pfn_swap_entry(entry) ? swp_offset_pfn(entry) : swp_offset(entry);
	if (pte_swp_soft_dirty(pte))
		rec->pte_flags |= MMSCOPE_PTE_SOFT_DIRTY;
	if (pte_swp_uffd_wp(pte))
		rec->pte_flags |= MMSCOPE_PTE_UFFD_WP;
	if (pte_swp_exclusive(pte))
		rec->pte_flags |= MMSCOPE_PTE_EXCLUSIVE;
}

/*
 * Whether a PMD or PUD leaf of @vma at @addr maps a normal page whose
 * struct page may be read: vm_normal_page_pmd()'s rules (not exported).
 * A special entry (a huge PFN map, 6.12), the raw PFNs of a VM_PFNMAP
 * remap, a PFN without a memmap in a VM_MIXEDMAP, and a devmap entry have
 * none. The huge zero page does, and is worth showing.
 */
static bool mmscope_leaf_has_page(struct vm_area_struct *vma, unsigned long addr,
				  unsigned long pfn, bool special, bool devmap)
{
	if (special || devmap || !pfn_valid(pfn))
		return false;
	if (vma->vm_flags & VM_MIXEDMAP)
		return true;
	if (vma->vm_flags & VM_PFNMAP)
		return is_cow_mapping(vma->vm_flags) &&
		       pfn != vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	return true;
}

/* A present leaf: its page, its state, its verdict. */
static void mmscope_decode_leaf(struct mmscope_walker *w, struct mmscope_page *rec,
				u64 raw, unsigned long pfn, unsigned long page_size,
				bool writable, bool has_page)
{
	bool huge = page_size > PAGE_SIZE;

	rec->state = MMSCOPE_ENTRY_PRESENT;
	rec->page_size = page_size;
	rec->pfn = pfn;
	rec->pte_flags = mmscope_present_bits(raw, huge);
	if (w->no_page)
		return;
	if (has_page && w->vma) {
		lockdep_assert_held(w->ptl);
		mmscope_page_fill(rec, w->vma, huge, &w->mapcount);
	}
	rec->cow = mmscope_cow_verdict(w->vma, rec, writable, huge);
}

/**
 * mmscope_walk_decode - what a non-empty leaf entry maps, into @rec
 * @w: the walker, in an entry callback
 * @e: a PTE, or a PMD or PUD entry that is not a table
 * @addr: the first address @rec covers, inside the entry's span
 * @next: the end of what @rec covers
 * @rec: zeroed but for addr and size; state, PFN, bits, page state and
 *	COW verdict are filled (with w->no_page, neither page state nor
 *	verdict: no struct page is read)
 *
 * Locking: in an entry callback, under w->ptl.
 */
void mmscope_walk_decode(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			 unsigned long addr, unsigned long next,
			 struct mmscope_page *rec)
{
	unsigned long start, pfn;
	pmd_t pmd;
	pud_t pud;
	pte_t pte;

	switch (e->level) {
	case MMSCOPE_LEVEL_PTE:
		pte = __pte(e->raw);
		if (!pte_present(pte))
			break;
		/*
		 * vm_normal_page() with pte_special(): a special PTE has no
		 * page to show, except the zero page, which is worth showing.
		 */
		pfn = pte_pfn(pte);
		mmscope_decode_leaf(w, rec, e->raw, pfn, PAGE_SIZE, pte_write(pte),
				    !pte_special(pte) || is_zero_pfn(pfn));
		return;
	case MMSCOPE_LEVEL_PMD:
		pmd = __pmd(e->raw);
		if (!pmd_present(pmd))
			break;
		if (!pmd_leaf(pmd)) {
			rec->state = MMSCOPE_ENTRY_BAD;
			rec->cow = mmscope_cow_verdict(w->vma, rec, false, true);
			return;
		}
		start = addr & PMD_MASK;
		pfn = pmd_pfn(pmd);
		mmscope_decode_leaf(w, rec, e->raw, pfn + ((addr - start) >> PAGE_SHIFT),
				    PMD_SIZE, pmd_write(pmd),
				    w->vma && mmscope_leaf_has_page(w->vma, start, pfn,
								    pmd_special(pmd),
								    pmd_devmap(pmd)));
		return;
	case MMSCOPE_LEVEL_PUD:
		pud = __pud(e->raw);
		/*
		 * pud_present() leaves out a PROT_NONE leaf (a 1G hugetlb page
		 * after mprotect), which pmd_present() and pte_present() count.
		 */
		if (!(pud_flags(pud) & (_PAGE_PRESENT | _PAGE_PROTNONE)))
			break;
		start = addr & PUD_MASK;
		pfn = pud_pfn(pud);
		mmscope_decode_leaf(w, rec, e->raw, pfn + ((addr - start) >> PAGE_SHIFT),
				    PUD_SIZE, pud_write(pud),
				    w->vma && mmscope_leaf_has_page(w->vma, start, pfn,
								    pud_special(pud),
								    pud_devmap(pud)));
		return;
	default:
		WARN_ON_ONCE(1);
		return;
	}
	/* A swap, migration or other swap-style entry: same encoding at each level. */
	mmscope_decode_swap(__pte(e->raw), rec);
	if (!w->no_page)
		rec->cow = mmscope_cow_verdict(w->vma, rec, false,
					       e->level != MMSCOPE_LEVEL_PTE);
}
