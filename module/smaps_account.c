// SPDX-License-Identifier: GPL-2.0
/*
 * The accounting of MMSCOPE_IOC_SMAPS and debugfs smaps: Rss, Pss and the
 * rest of /proc/PID/smaps for one VMA, summed from mmscope's own page walk
 * (walk.c) with the kernel's own arithmetic: smaps_account(),
 * smaps_pte_entry(), smaps_pmd_entry() and smaps_hugetlb_range() of
 * fs/proc/task_mmu.c, as the running kernel has them (the differences are
 * in compat.h).
 *
 * What cannot be computed with exported symbols is not: SwapPss needs the
 * swap map count (swp_swapcount()), so the record has swap_exclusive, the
 * swap entries that are known to be counted once, under its own name.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pagemap.h>
#include <linux/page_idle.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "smaps.h"

#define PSS_SHIFT MMSCOPE_PSS_SHIFT

/* smaps_page_accumulate() */
static void mmscope_smaps_accumulate(struct mmscope_smaps_vma *rec, struct folio *folio,
				     unsigned long size, u64 pss, bool dirty,
				     bool locked, bool private)
{
	rec->pss += pss;
	if (folio_test_anon(folio))
		rec->pss_anon += pss;
	else if (folio_test_swapbacked(folio))
		rec->pss_shmem += pss;
	else
		rec->pss_file += pss;
	if (locked)
		rec->pss_locked += pss;
	if (dirty || folio_test_dirty(folio)) {
		rec->pss_dirty += pss;
		if (private)
			rec->private_dirty += size;
		else
			rec->shared_dirty += size;
	} else {
		if (private)
			rec->private_clean += size;
		else
			rec->shared_clean += size;
	}
}

/*
 * smaps_account(): @page is mapped by a PTE, or (@compound) is the head of
 * a folio mapped by a PMD. @present: by a present entry; @migration: by a
 * migration entry (see MMSCOPE_SMAPS_NONPRESENT_SHARED).
 */
static void mmscope_smaps_account(struct mmscope_smaps_vma *rec, struct page *page,
				  bool compound, bool young, bool dirty, bool locked,
				  bool present, bool migration)
{
	struct folio *folio = page_folio(page);
	int i, nr = compound ? folio_nr_pages(folio) : 1;
	unsigned long size = nr * PAGE_SIZE;
	bool whole;

	if (folio_test_anon(folio)) {
		rec->anonymous += size;
		if (!folio_test_swapbacked(folio) && !dirty && !folio_test_dirty(folio))
			rec->lazyfree += size;
	}
	if (folio_test_ksm(folio))
		rec->ksm += size;
	rec->rss += size;
	if (young || folio_test_young(folio) || folio_test_referenced(folio))
		rec->referenced += size;

	/*
	 * A refcount of 1 means one mapping. The kernel reads the mapcounts
	 * as a snapshot without the folio lock, and so do we, under the
	 * entry's lock like it.
	 */
	if (MMSCOPE_SMAPS_NONPRESENT_SHARED)
		whole = folio_ref_count(folio) == 1 || !present;
	else
		whole = folio_ref_count(folio) == 1 || migration;
	if (whole) {
		mmscope_smaps_accumulate(rec, folio, size, (u64)size << PSS_SHIFT, dirty,
					 locked, MMSCOPE_SMAPS_NONPRESENT_SHARED ? present : true);
		return;
	}
	for (i = 0; i < nr; i++) {
		int mapcount = mmscope_page_mapcount(folio, nth_page(page, i));
		unsigned long pss = PAGE_SIZE << PSS_SHIFT;

		if (mapcount >= 2)
			pss /= mapcount;
		mmscope_smaps_accumulate(rec, folio, PAGE_SIZE, pss, dirty, locked,
					 mapcount < 2);
	}
}

/*
 * shmem_partial_swap_usage() (not exported): the swapped-out pages of
 * [start, end) of a shmem file, bytes. It may reschedule only when the
 * caller holds no spinlock (@may_sleep).
 */
static unsigned long mmscope_shmem_swapped(struct address_space *mapping, pgoff_t start,
					   pgoff_t end, bool may_sleep)
{
	XA_STATE(xas, &mapping->i_pages, start);
	unsigned long swapped = 0, max = end - 1;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, max) {
		if (xas_retry(&xas, entry))
			continue;
		/* A swap entry is order 0 on 6.1: 1 << 0 is what it counts. */
		if (xa_is_value(entry))
			swapped += 1UL << xas_get_order(&xas);
		if (xas.xa_index == max)
			break;
		if (may_sleep && need_resched()) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return swapped << PAGE_SHIFT;
}

/* shmem_swap_usage() (not exported): what of @vma's shmem object is swapped. */
static unsigned long mmscope_shmem_swap_usage(struct vm_area_struct *vma)
{
	struct inode *inode = file_inode(vma->vm_file);
	unsigned long swapped = READ_ONCE(SHMEM_I(inode)->swapped);

	if (!swapped)
		return 0;
	if (!vma->vm_pgoff && vma->vm_end - vma->vm_start >= i_size_read(inode))
		return swapped << PAGE_SHIFT;
	return mmscope_shmem_swapped(inode->i_mapping, vma->vm_pgoff,
				     vma->vm_pgoff + vma_pages(vma), true);
}

/* The MMSCOPE_SMAPS_VMA_NO_* flags: the kinds of memory this kernel has not. */
static u32 mmscope_smaps_absent(void)
{
	u32 flags = 0;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		flags |= MMSCOPE_SMAPS_VMA_NO_THP;
	if (!IS_ENABLED(CONFIG_HUGETLB_PAGE))
		flags |= MMSCOPE_SMAPS_VMA_NO_HUGETLB;
	if (!IS_ENABLED(CONFIG_KSM))
		flags |= MMSCOPE_SMAPS_VMA_NO_KSM;
	if (!IS_ENABLED(CONFIG_SWAP))
		flags |= MMSCOPE_SMAPS_VMA_NO_SWAP;
	return flags;
}

/*
 * The start of a VMA, as smap_gather_stats(): the sizes, and the swap of a
 * shmem object that this VMA's pages cannot hide. @whole: the walk covers
 * all of @vma; else, as smap_gather_stats() with a start, the shmem swap is
 * counted in the holes of the part walked only.
 */
void mmscope_smaps_begin(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc, bool whole)
{
	struct mmscope_smaps_vma *rec = acc->rec;
	unsigned long swapped;

	mmap_assert_locked(vma->vm_mm);
	memset(rec, 0, sizeof(*rec));
	rec->start = vma->vm_start;
	rec->end = vma->vm_end;
	rec->kernel_page_size = vma_kernel_pagesize(vma);
	/* vma_mmu_pagesize() is vma_kernel_pagesize() but on powerpc. */
	rec->mmu_page_size = rec->kernel_page_size;
	rec->flags = mmscope_smaps_absent();
	acc->file = vma->vm_file;
	acc->shmem_holes = false;

	if (vma->vm_file && shmem_mapping(vma->vm_file->f_mapping)) {
		swapped = mmscope_shmem_swap_usage(vma);
		if (whole && (!swapped || (vma->vm_flags & VM_SHARED) ||
			      !(vma->vm_flags & VM_WRITE)))
			rec->swap += swapped;
		else
			acc->shmem_holes = swapped != 0;
	}
}

/* vm_normal_page(): a special PTE (a PFN map, the zero page) has none. */
static struct page *mmscope_smaps_pte_page(pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	if (pte_special(pte) || !pfn_valid(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

/*
 * vm_normal_page_pmd() (6.12), follow_trans_huge_pmd(FOLL_DUMP) (6.1): no
 * page for a special or devmap leaf, a PFN map's, or the huge zero page.
 * The huge zero folio cannot be named from a module; it is the only folio
 * that a PMD leaf maps with neither anon_vma nor mapping.
 */
static struct page *mmscope_smaps_pmd_page(struct vm_area_struct *vma, unsigned long addr,
					   pmd_t pmd)
{
	unsigned long pfn = pmd_pfn(pmd);
	struct folio *folio;

	if (pmd_special(pmd) || pmd_devmap(pmd) || !pfn_valid(pfn))
		return NULL;
	if (vma->vm_flags & VM_PFNMAP)
		return NULL;
	folio = pfn_folio(pfn);
	if (!folio_test_anon(folio) && !READ_ONCE(folio->mapping))
		return NULL;
	return pfn_to_page(pfn);
}

static int mmscope_smaps_pte(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			     unsigned long addr, unsigned long next)
{
	struct mmscope_smaps_acc *acc = w->private;
	struct mmscope_smaps_vma *rec = acc->rec;
	bool locked = !!(w->vma->vm_flags & VM_LOCKED);
	bool present = false, migration = false, young = false, dirty = false;
	pte_t pte = __pte(e->raw);
	struct page *page = NULL;
	swp_entry_t entry;

	lockdep_assert_held(w->ptl);
	if (pte_present(pte)) {
		page = mmscope_smaps_pte_page(pte);
		young = pte_young(pte);
		dirty = pte_dirty(pte);
		present = true;
	} else {
		entry = pte_to_swp_entry(pte);
		if (!non_swap_entry(entry)) {
			rec->swap += PAGE_SIZE;
			if (pte_swp_exclusive(pte))
				rec->swap_exclusive += PAGE_SIZE;
		} else if (is_pfn_swap_entry(entry)) {
			/* 6.12 takes device private entries as present. */
			present = MMSCOPE_SMAPS_NONPRESENT_SHARED &&
				  is_device_private_entry(entry);
			migration = is_migration_entry(entry);
			page = pfn_swap_entry_to_page(entry);
		}
	}
	if (page)
		mmscope_smaps_account(rec, page, false, young, dirty, locked, present,
				      migration);
	return 0;
}

/* smaps_hugetlb_range(): one hugetlb page, by a PMD or a PUD entry. */
static void mmscope_smaps_hugetlb(struct mmscope_walker *w, const struct mmscope_walk_entry *e)
{
	struct mmscope_smaps_acc *acc = w->private;
	unsigned long size = huge_page_size(hstate_vma(w->vma));
	pte_t pte = __pte(e->raw);
	struct page *page = NULL;
	bool present = false;
	swp_entry_t entry;

	if (pte_present(pte)) {
		page = pte_page(pte);
		present = true;
	} else if (!pte_none(pte)) {
		entry = pte_to_swp_entry(pte);
		if (is_pfn_swap_entry(entry))
			page = pfn_swap_entry_to_page(entry);
	}
	if (!page)
		return;
	if (mmscope_hugetlb_mapped_shared(page_folio(page), page, present) ||
	    hugetlb_pmd_shared(e->ptr))
		acc->rec->shared_hugetlb += size;
	else
		acc->rec->private_hugetlb += size;
}

/* smaps_pmd_entry(), or a 2M hugetlb page. */
static int mmscope_smaps_pmd(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			     unsigned long addr, unsigned long next)
{
	struct mmscope_smaps_acc *acc = w->private;
	struct mmscope_smaps_vma *rec = acc->rec;
	struct vm_area_struct *vma = w->vma;
	bool locked = !!(vma->vm_flags & VM_LOCKED);
	bool present = false, migration = false;
	pmd_t pmd = __pmd(e->raw);
	struct page *page = NULL;
	struct folio *folio;
	swp_entry_t entry;

	lockdep_assert_held(w->ptl);
	if (is_vm_hugetlb_page(vma)) {
		mmscope_smaps_hugetlb(w, e);
		return 0;
	}
	/* Without THP no PMD leaf maps pages but hugetlb's (MMSCOPE_SMAPS_NO_THP). */
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return 0;
	if (pmd_present(pmd)) {
		if (!pmd_leaf(pmd))
			return 0;	/* a bad entry */
		page = mmscope_smaps_pmd_page(vma, addr, pmd);
		present = true;
	} else if (thp_migration_supported() && is_swap_pmd(pmd)) {
		entry = pmd_to_swp_entry(pmd);
		/* 6.1 follows migration entries only; they are all there is. */
		if (is_pfn_swap_entry(entry)) {
			migration = is_migration_entry(entry);
			page = pfn_swap_entry_to_page(entry);
		}
	}
	if (!page)
		return 0;
	folio = page_folio(page);
	if (folio_test_anon(folio))
		rec->anon_huge_pages += HPAGE_PMD_SIZE;
	else if (folio_test_swapbacked(folio))
		rec->shmem_pmd_mapped += HPAGE_PMD_SIZE;
	else if (!folio_is_zone_device(folio))
		rec->file_pmd_mapped += HPAGE_PMD_SIZE;
	mmscope_smaps_account(rec, page, true, pmd_young(pmd), pmd_dirty(pmd), locked,
			      present, migration);
	return 0;
}

/* smaps has no PUD leaves but hugetlb's: a huge PFN map has no pages. */
static int mmscope_smaps_pud(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			     unsigned long addr, unsigned long next)
{
	lockdep_assert_held(w->ptl);
	if (is_vm_hugetlb_page(w->vma))
		mmscope_smaps_hugetlb(w, e);
	return 0;
}

/* smaps_pte_hole(): the swap of a private writable shmem mapping's holes. */
static int mmscope_smaps_hole(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			      unsigned long addr, unsigned long next, u32 state)
{
	struct mmscope_smaps_acc *acc = w->private;
	struct vm_area_struct *vma = w->vma;

	/* The VMA may not be the one the record began with (a resumed walk). */
	if (!acc->shmem_holes || !vma || state == MMSCOPE_ENTRY_NO_VMA ||
	    !vma->vm_file || !shmem_mapping(vma->vm_file->f_mapping))
		return 0;
	acc->rec->swap += mmscope_shmem_swapped(vma->vm_file->f_mapping,
						linear_page_index(vma, addr),
						linear_page_index(vma, next), !w->ptl);
	return 0;
}

const struct mmscope_walk_ops mmscope_smaps_ops = {
	.pte_entry	= mmscope_smaps_pte,
	.pmd_entry	= mmscope_smaps_pmd,
	.pud_entry	= mmscope_smaps_pud,
	.hole		= mmscope_smaps_hole,
};
