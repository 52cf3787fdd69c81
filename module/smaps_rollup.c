// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_SMAPS with MMSCOPE_SMAPS_ROLLUP: every VMA's record summed
 * into one, as /proc/PID/smaps_rollup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "smaps.h"

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
