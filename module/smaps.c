// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_SMAPS and debugfs smaps: the record of each VMA, walked whole
 * in as many holds of the mmap lock as it takes (smaps_account.c sums it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "smaps.h"

/* Records filled per hold of the mmap lock; user copies happen unlocked. */
#define MMSCOPE_SMAPS_BATCH 32

/*
 * The walk went back to @vma, the first VMA ending above @addr, after the
 * lock was let go inside the VMA of acc->rec. Return: false if that VMA
 * is gone from @addr (its record ends there), true to walk on in @vma.
 */
bool mmscope_smaps_resume(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc,
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
			if (!mmscope_smaps_resume(vma, &acc, *addr)) {
				n++;
				resuming = false;
				continue;
			}
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
