// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_SMAPS and debugfs smaps: Rss, Pss and the rest of
 * /proc/PID/smaps, per VMA, summed from mmscope's own page walk (walk.c)
 * with the kernel's own arithmetic: smaps_account(), smaps_pte_entry(),
 * smaps_pmd_entry() and smaps_hugetlb_range() of fs/proc/task_mmu.c, as
 * the running kernel has them (the differences are in compat.h).
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

#include "internal.h"
#include "walk.h"

#define PSS_SHIFT MMSCOPE_PSS_SHIFT

/* Records filled per hold of the mmap lock; user copies happen unlocked. */
#define MMSCOPE_SMAPS_BATCH 32

struct mmscope_smaps_acc {
	struct mmscope_smaps_vma *rec;	/* the VMA being summed */
	const struct file *file;	/* its vm_file, compared, never followed */
	bool shmem_holes;		/* count shmem swap in the holes */
};

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
static void mmscope_smaps_begin(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc,
				bool whole)
{
	struct mmscope_smaps_vma *rec = acc->rec;
	unsigned long swapped;

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

static const struct mmscope_walk_ops mmscope_smaps_ops = {
	.pte_entry	= mmscope_smaps_pte,
	.pmd_entry	= mmscope_smaps_pmd,
	.pud_entry	= mmscope_smaps_pud,
	.hole		= mmscope_smaps_hole,
};

/**
 * mmscope_smaps_fill - the smaps records of the VMAs above *@addr
 * @mm: the target's mm with an mm_users reference
 * @addr: in: the VMAs ending above it; out: where the next call starts
 * @recs: room for @max records
 * @max: at least 1
 * @more: out: false when no VMA ends above *@addr
 *
 * Whole VMAs only: a record is finished before it is returned. A long VMA
 * is walked in several holds of the mmap read lock (one per walker
 * budget); if it changed meanwhile, its record says so.
 *
 * Return: records filled, or -EINTR on a fatal signal.
 */
int mmscope_smaps_fill(struct mm_struct *mm, unsigned long *addr,
		       struct mmscope_smaps_vma *recs, unsigned int max, bool *more)
{
	struct mmscope_smaps_acc acc = {};
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_smaps_ops, .private = &acc };
	struct vm_area_struct *vma;
	unsigned int n = 0;
	bool resuming = false;

	*more = true;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	while (n < max) {
		vma = find_vma(mm, *addr);
		acc.rec = &recs[n];
		if (resuming) {
			/* The lock was let go inside the VMA of recs[n]. */
			if (!vma || vma->vm_start > *addr) {
				acc.rec->flags |= MMSCOPE_SMAPS_VMA_CHANGED;
				n++;
				resuming = false;
				continue;
			}
			if (vma->vm_start != acc.rec->start || vma->vm_end != acc.rec->end ||
			    vma->vm_file != acc.file) {
				acc.rec->flags |= MMSCOPE_SMAPS_VMA_CHANGED;
				acc.rec->end = vma->vm_end;
			}
			/* Another mapping in its place: no shmem holes to sum. */
			if (vma->vm_file != acc.file)
				acc.shmem_holes = false;
		} else {
			if (!vma) {
				*more = false;
				break;
			}
			mmscope_smaps_begin(vma, &acc, true);
			*addr = vma->vm_start;
		}
		/*
		 * walk_page_vma() skips a VM_PFNMAP VMA (walk_page_test()):
		 * no struct page is behind it.
		 */
		if (!(vma->vm_flags & VM_PFNMAP) &&
		    mmscope_walk_range(&w, addr, vma->vm_end) == MMSCOPE_WALK_YIELD) {
			resuming = true;
			mmap_read_unlock(mm);
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			if (mmap_read_lock_killable(mm))
				return -EINTR;
			continue;
		}
		*addr = vma->vm_end;
		resuming = false;
		n++;
	}
	mmap_read_unlock(mm);
	return n;
}

/**
 * mmscope_smaps_copy - MMSCOPE_IOC_SMAPS
 * @mm: the target's mm, or NULL for a kernel thread (no VMAs)
 * @req: the validated request; @req->count, @next and @out_flags are set
 *
 * Kernel memory is one batch whatever the request; the batch is copied out
 * with the mmap lock dropped.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_smaps_copy(struct mm_struct *mm, struct mmscope_smaps *req)
{
	void __user *dst = u64_to_user_ptr(req->records_ptr);
	unsigned long addr = req->start;
	struct mmscope_smaps_vma *recs;
	bool more = true;
	u32 done = 0, i;
	int n, ret = 0;

	req->out_flags = 0;
	if (!mm) {
		req->count = 0;
		req->next = req->start;
		req->out_flags = MMSCOPE_SMAPS_DONE;
		return 0;
	}
	recs = kvmalloc_array(MMSCOPE_SMAPS_BATCH, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;

	while (done < req->count && more) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		n = mmscope_smaps_fill(mm, &addr, recs,
				       min_t(u32, MMSCOPE_SMAPS_BATCH, req->count - done), &more);
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
	if (!more)
		req->out_flags |= MMSCOPE_SMAPS_DONE;

out_free_recs:
	kvfree(recs);
	req->count = done;
	req->next = addr;
	return ret;
}

/* Add @r, a VMA's finished record, into @sum: smaps_rollup's one total. */
static void mmscope_smaps_sum(struct mmscope_smaps_vma *sum, const struct mmscope_smaps_vma *r)
{
	if (!sum->end)
		sum->start = r->start;
	sum->end = r->end;
	sum->rss += r->rss;
	sum->shared_clean += r->shared_clean;
	sum->shared_dirty += r->shared_dirty;
	sum->private_clean += r->private_clean;
	sum->private_dirty += r->private_dirty;
	sum->referenced += r->referenced;
	sum->anonymous += r->anonymous;
	sum->ksm += r->ksm;
	sum->lazyfree += r->lazyfree;
	sum->anon_huge_pages += r->anon_huge_pages;
	sum->shmem_pmd_mapped += r->shmem_pmd_mapped;
	sum->file_pmd_mapped += r->file_pmd_mapped;
	sum->shared_hugetlb += r->shared_hugetlb;
	sum->private_hugetlb += r->private_hugetlb;
	sum->swap += r->swap;
	sum->swap_exclusive += r->swap_exclusive;
	sum->pss += r->pss;
	sum->pss_dirty += r->pss_dirty;
	sum->pss_anon += r->pss_anon;
	sum->pss_file += r->pss_file;
	sum->pss_shmem += r->pss_shmem;
	sum->pss_locked += r->pss_locked;
	sum->flags |= r->flags;
}

/*
 * The walk went back to @vma, the first VMA ending above @addr, after the
 * lock was let go inside the VMA of acc->rec. Return: false if that VMA
 * is gone from @addr (its record ends there), true to walk on in @vma.
 */
static bool mmscope_smaps_resume(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc,
				 unsigned long addr)
{
	struct mmscope_smaps_vma *rec = acc->rec;

	if (!vma || vma->vm_start > addr) {
		rec->flags |= MMSCOPE_SMAPS_VMA_CHANGED;
		return false;
	}
	if (vma->vm_start != rec->start || vma->vm_end != rec->end || vma->vm_file != acc->file) {
		rec->flags |= MMSCOPE_SMAPS_VMA_CHANGED;
		rec->end = vma->vm_end;
	}
	/* Another mapping in its place: no shmem holes to sum. */
	if (vma->vm_file != acc->file)
		acc->shmem_holes = false;
	return true;
}

/*
 * One hold of the mmap lock of a rollup: the VMAs from *@addr into @sum,
 * stepped with the VMA iterator (no lookup per VMA), while one walker
 * budget lasts, so that a hold reads at most a budget of entries whatever
 * the VMAs' sizes. A VMA the budget cuts stays in acc->rec (*@inside).
 * Sets *@more while VMAs are left. @resumed: a hold before this one summed
 * everything below *@addr, so a VMA that now reaches below it (it grew, or
 * merged with its neighbour, while the lock was let go) is walked from
 * *@addr only, as smaps_rollup's resume does, and flagged as changed.
 */
static int mmscope_smaps_rollup_hold(struct mmscope_walker *w, unsigned long *addr,
				     struct mmscope_smaps_vma *sum, bool *inside, bool *more,
				     bool resumed)
{
	VMA_ITERATOR(vmi, w->mm, *addr);
	struct mmscope_smaps_acc *acc = w->private;
	struct vm_area_struct *vma;

	if (mmap_read_lock_killable(w->mm))
		return -EINTR;
	w->budget = MMSCOPE_WALK_BUDGET;
	for_each_vma(vmi, vma) {
		if (w->budget <= 0)
			break;
		if (*inside && !mmscope_smaps_resume(vma, acc, *addr)) {
			mmscope_smaps_sum(sum, acc->rec);
			*inside = false;
		}
		if (!*inside) {
			bool grew = resumed && vma->vm_start < *addr;

			mmscope_smaps_begin(vma, acc, !grew);
			if (grew)
				acc->rec->flags |= MMSCOPE_SMAPS_VMA_CHANGED;
			else
				*addr = vma->vm_start;
		}
		resumed = false;
		/* A VM_PFNMAP VMA is not walked (see mmscope_smaps_fill()). */
		if (vma->vm_flags & VM_PFNMAP) {
			w->budget--;
		} else if (mmscope_walk_vma(w, vma, addr) != MMSCOPE_WALK_DONE) {
			*inside = true;
			break;
		}
		*inside = false;
		*addr = vma->vm_end;
		mmscope_smaps_sum(sum, acc->rec);
	}
	if (!vma && *inside) {
		mmscope_smaps_resume(NULL, acc, *addr);
		mmscope_smaps_sum(sum, acc->rec);
		*inside = false;
	}
	*more = !!vma;
	mmap_read_unlock(w->mm);
	return 0;
}

/**
 * mmscope_smaps_rollup - MMSCOPE_IOC_SMAPS with MMSCOPE_SMAPS_ROLLUP
 * @mm: the target's mm, or NULL for a kernel thread (no VMAs)
 * @req: the validated request; @req->count, @next and @out_flags are set
 *
 * Every VMA from @req->start up, summed into one record as smaps_rollup
 * does (Pss in fixed point, divided page by page, so the sum is exact).
 * Kernel memory is two records; the mmap lock is let go after each walker
 * budget, and the one record is copied out after the last hold. Only a
 * fatal signal stops it (-EINTR), so one call sums the whole range: a
 * caller never adds up calls, which could count twice a VMA that grew
 * down over @next between them.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_smaps_rollup(struct mm_struct *mm, struct mmscope_smaps *req)
{
	struct mmscope_smaps_acc acc = {};
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_smaps_ops, .private = &acc };
	struct mmscope_smaps_vma *sum;
	unsigned long addr = req->start;
	bool inside = false, more = true, resumed;
	int ret = 0;

	req->out_flags = 0;
	req->count = 0;
	req->next = req->start;
	if (!mm) {
		req->out_flags = MMSCOPE_SMAPS_DONE;
		return 0;
	}
	/* The total, and the VMA being walked. */
	sum = kcalloc(2, sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	acc.rec = &sum[1];

	/* As smaps_rollup, only a fatal signal ends the walk early. */
	for (resumed = false;; resumed = true) {
		ret = mmscope_smaps_rollup_hold(&w, &addr, sum, &inside, &more, resumed);
		if (ret || !more)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	if (ret)
		goto out_free_sum;
	if (!more)
		req->out_flags |= MMSCOPE_SMAPS_DONE;
	req->next = addr;
	if (sum->end) {
		/* Page sizes are per VMA: a rollup has none. */
		ret = mmscope_copy_record(u64_to_user_ptr(req->records_ptr), req->record_size,
					  sum, sizeof(*sum));
		if (!ret)
			req->count = 1;
	}

out_free_sum:
	kfree(sum);
	return ret;
}

/*
 * The fields as /proc/PID/smaps names and pads them (seq_put_decimal_ull_width()
 * is not exported: "%8llu" pads the same).
 */
static void mmscope_seq_kb(struct seq_file *m, const char *name, u64 bytes)
{
	seq_printf(m, "%-16s%8llu kB\n", name, bytes >> 10);
}

/* A field of memory the kernel may lack (@flags has @absent): say which. */
static void mmscope_seq_kb_of(struct seq_file *m, const char *name, u64 bytes,
			      u32 flags, u32 absent, const char *config)
{
	if (flags & absent)
		seq_printf(m, "%-16snot in this kernel (%s)\n", name, config);
	else
		mmscope_seq_kb(m, name, bytes);
}

/**
 * mmscope_seq_smaps - one record as /proc/PID/smaps prints its fields
 * @m: the seq_file
 * @r: the record
 *
 * The maps line is replaced by the range; Pss_Anon, Pss_File and Pss_Shmem
 * are shown per VMA too; SwapPss is not computed and says so, as does a
 * field of memory this kernel lacks (MMSCOPE_SMAPS_VMA_NO_*).
 */
void mmscope_seq_smaps(struct seq_file *m, const struct mmscope_smaps_vma *r)
{
	seq_printf(m, "%08llx-%08llx%s\n", r->start, r->end,
		   r->flags & MMSCOPE_SMAPS_VMA_CHANGED ? " (changed during the walk)" : "");
	mmscope_seq_kb(m, "Size:", r->end - r->start);
	mmscope_seq_kb(m, "KernelPageSize:", r->kernel_page_size);
	mmscope_seq_kb(m, "MMUPageSize:", r->mmu_page_size);
	mmscope_seq_kb(m, "Rss:", r->rss);
	mmscope_seq_kb(m, "Pss:", r->pss >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Dirty:", r->pss_dirty >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Anon:", r->pss_anon >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_File:", r->pss_file >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Shmem:", r->pss_shmem >> PSS_SHIFT);
	mmscope_seq_kb(m, "Shared_Clean:", r->shared_clean);
	mmscope_seq_kb(m, "Shared_Dirty:", r->shared_dirty);
	mmscope_seq_kb(m, "Private_Clean:", r->private_clean);
	mmscope_seq_kb(m, "Private_Dirty:", r->private_dirty);
	mmscope_seq_kb(m, "Referenced:", r->referenced);
	mmscope_seq_kb(m, "Anonymous:", r->anonymous);
	mmscope_seq_kb_of(m, "KSM:", r->ksm, r->flags, MMSCOPE_SMAPS_VMA_NO_KSM, "CONFIG_KSM");
	mmscope_seq_kb(m, "LazyFree:", r->lazyfree);
	mmscope_seq_kb_of(m, "AnonHugePages:", r->anon_huge_pages, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "ShmemPmdMapped:", r->shmem_pmd_mapped, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "FilePmdMapped:", r->file_pmd_mapped, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "Shared_Hugetlb:", r->shared_hugetlb, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_HUGETLB, "CONFIG_HUGETLBFS");
	if (r->flags & MMSCOPE_SMAPS_VMA_NO_HUGETLB)
		seq_puts(m, "Private_Hugetlb: not in this kernel (CONFIG_HUGETLBFS)\n");
	else
		seq_printf(m, "Private_Hugetlb: %7llu kB\n", r->private_hugetlb >> 10);
	mmscope_seq_kb_of(m, "Swap:", r->swap, r->flags, MMSCOPE_SMAPS_VMA_NO_SWAP, "CONFIG_SWAP");
	seq_puts(m, "SwapPss:        not computed: swp_swapcount() is not exported\n");
	mmscope_seq_kb_of(m, "SwapExclusive:", r->swap_exclusive, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_SWAP, "CONFIG_SWAP");
	mmscope_seq_kb(m, "Locked:", r->pss_locked >> PSS_SHIFT);
}
