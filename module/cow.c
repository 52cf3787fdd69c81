// SPDX-License-Identifier: GPL-2.0
/*
 * The copy-on-write verdict: what a write by the target would do to a page
 * right now. It restates the decisions of the running kernel's write-fault
 * path, without taking them:
 *
 *   do_wp_page()          PTE-mapped pages (mm/memory.c)
 *   do_huge_pmd_wp_page() PMD-mapped THPs (mm/huge_memory.c)
 *   hugetlb_wp()          hugetlb pages (mm/hugetlb.c)
 *
 * The reuse test of an anonymous page that is not known to be exclusive
 * depends on references that come and go (a pending per-CPU LRU batch, a
 * GUP pin, swap cache). mmscope assumes, as the fault would after its
 * lru_add_drain(), that a page not yet on the LRU carries one batch
 * reference that the fault drops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>

#include "internal.h"

/* wp_can_reuse_anon_folio(), for a page we may not lock or drain. */
static bool mmscope_can_reuse_small(struct folio *folio)
{
	int refs = folio_ref_count(folio);

	if (!MMSCOPE_COW_REUSES_LARGE_FOLIOS && folio_test_large(folio))
		return false;
	if (folio_test_ksm(folio) || refs > 3)
		return false;
	if (!folio_test_lru(folio))
		refs--;		/* the batch reference lru_add_drain() drops */
	return refs <= 1 + folio_test_swapcache(folio);
}

/**
 * mmscope_cow_verdict - what a write to the page of @rec would do
 * @vma: the VMA containing the page, or NULL
 * @rec: the page's record: state, pte_flags and (with a struct page)
 *	page_flags are filled
 * @writable: the leaf entry allows writing
 * @huge: the leaf is a PMD or PUD entry
 *
 * Locking: as mmscope_page_fill(), the page table lock of the entry.
 *
 * Return: enum mmscope_cow.
 */
u32 mmscope_cow_verdict(struct vm_area_struct *vma, const struct mmscope_page *rec,
			bool writable, bool huge)
{
	struct folio *folio;
	u64 pg = rec->page_flags;

	if (!vma || !(vma->vm_flags & VM_WRITE))
		return MMSCOPE_COW_READONLY;
	if (rec->state != MMSCOPE_ENTRY_PRESENT || (rec->pte_flags & MMSCOPE_PTE_PROTNONE))
		return MMSCOPE_COW_NONE;
	if (writable)
		return MMSCOPE_COW_WRITABLE;
	if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE))
		return MMSCOPE_COW_SHARED;
	if (pg & (MMSCOPE_PG_ZERO | MMSCOPE_PG_HUGE_ZERO))
		return MMSCOPE_COW_ZERO;
	/* No struct page (a private VM_PFNMAP): wp_page_copy(). */
	if (!(rec->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE))
		return MMSCOPE_COW_COPY;
	if (!(pg & MMSCOPE_PG_ANON) || (pg & MMSCOPE_PG_KSM))
		return MMSCOPE_COW_COPY;
	if (pg & MMSCOPE_PG_ANON_EXCLUSIVE)
		return MMSCOPE_COW_REUSE;

	folio = page_folio(pfn_to_page(rec->pfn));
	if (is_vm_hugetlb_page(vma))
		return rec->folio_mapcount == 1 ? MMSCOPE_COW_REUSE : MMSCOPE_COW_COPY;
	if (huge)	/* do_huge_pmd_wp_page(): the only reference, or split */
		return folio_ref_count(folio) == 1 + folio_test_swapcache(folio) ?
		       MMSCOPE_COW_REUSE : MMSCOPE_COW_COPY;
	return mmscope_can_reuse_small(folio) ? MMSCOPE_COW_REUSE : MMSCOPE_COW_COPY;
}

/*
 * The verdict for a record that maps nothing: a write faults a page in,
 * unless no VMA allows writing.
 */
u32 mmscope_hole_cow(struct vm_area_struct *vma, u32 state)
{
	return state == MMSCOPE_ENTRY_NONE && vma && (vma->vm_flags & VM_WRITE) ?
	       MMSCOPE_COW_NONE : MMSCOPE_COW_READONLY;
}
