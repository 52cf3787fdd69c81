// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PAGES and debugfs pages: the records of a range, one per
 * present page or leaf, per swap-style entry, and per run of empty entries
 * or of space with no VMA. A consumer of the walker (walk.c) that fills a
 * bounded batch under the mmap lock, then lets the lock go to copy it out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "walk.h"

/*
 * Append a record for [addr, addr + size); runs of empty entries, and of
 * space with no VMA, merge into the record before them. Returns the record,
 * or NULL when the batch is full.
 */
static struct mmscope_page *mmscope_range_emit(struct mmscope_walker *w, unsigned long addr,
					       unsigned long size, u32 state)
{
	struct mmscope_batch *b = w->private;
	struct mmscope_page *recs = b->recs;
	struct mmscope_page *rec = b->nr ? &recs[b->nr - 1] : NULL;
	u32 cow = mmscope_hole_cow(w->vma, state);

	if (rec && (state == MMSCOPE_ENTRY_NONE || state == MMSCOPE_ENTRY_NO_VMA) &&
	    rec->state == state && rec->cow == cow && rec->addr + rec->size == addr) {
		rec->size += size;
		return rec;
	}
	if (b->nr >= b->max)
		return NULL;
	rec = &recs[b->nr++];
	mmscope_page_init(rec, addr, size);
	rec->state = state;
	rec->cow = cow;
	return rec;
}

static int mmscope_range_leaf(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			      unsigned long addr, unsigned long next)
{
	struct mmscope_page *rec;

	rec = mmscope_range_emit(w, addr, next - addr, MMSCOPE_ENTRY_PRESENT);
	if (!rec)
		return MMSCOPE_WALK_STOP;
	mmscope_walk_decode(w, e, addr, next, rec);
	return 0;
}

static int mmscope_range_hole(struct mmscope_walker *w, const struct mmscope_walk_entry *e,
			      unsigned long addr, unsigned long next, u32 state)
{
	return mmscope_range_emit(w, addr, next - addr, state) ? 0 : MMSCOPE_WALK_STOP;
}

static const struct mmscope_walk_ops mmscope_range_ops = {
	.leaf		= mmscope_range_leaf,
	.hole		= mmscope_range_hole,
};

/**
 * mmscope_pages_fill - the records of a range, one batch
 * @mm: the target's mm with an mm_users reference, or NULL (a kernel
 *	thread: one no-VMA run)
 * @addr: in: where to start; out: where the next batch starts
 * @end: end of the range
 * @recs: room for @max records
 * @max: at least 1
 *
 * One hold of the mmap read lock, reading at most MMSCOPE_WALK_BUDGET
 * entries; the caller copies the batch to user memory afterwards, with the
 * lock dropped.
 *
 * Return: records filled, or -EINTR on a fatal signal.
 */
int mmscope_pages_fill(struct mm_struct *mm, unsigned long *addr, unsigned long end,
		       struct mmscope_page *recs, unsigned int max)
{
	struct mmscope_batch batch = { .recs = recs, .max = max };
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_range_ops, .private = &batch };
	int ret;

	ret = mmscope_walk_locked(&w, addr, end);
	return ret ?: batch.nr;
}

/**
 * mmscope_records_put - one batch of records out to user slots
 * @dst: the user's first slot
 * @usize: the user's record size, at least @ksize (the tail is zeroed)
 * @recs: @n records of @ksize bytes
 * @ksize: the kernel's record size
 * @n: records
 *
 * One copy when the sizes agree. Never under the mmap lock.
 *
 * Return: 0 or -EFAULT.
 */
int mmscope_records_put(void __user *dst, u32 usize, const void *recs, size_t ksize, u32 n)
{
	u32 i;
	int ret;

	if (usize == ksize)
		return copy_to_user(dst, recs, n * ksize) ? -EFAULT : 0;
	for (i = 0; i < n; i++) {
		ret = mmscope_copy_record(dst + (size_t)i * usize, usize,
					  recs + i * ksize, ksize);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mmscope_pages_batches - the batch loop of MMSCOPE_IOC_PAGES, any records
 * @w: mm, ops and (struct mmscope_batch) private set: ops fill the batch
 * @req: the validated request; count, next and out_flags are set
 * @ksize: the kernel's record size
 * @batch: records per hold of the mmap lock
 *
 * Kernel memory is one batch whatever the range; the mmap lock is dropped
 * between batches and for the copies, and a fatal signal ends the call.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_pages_batches(struct mmscope_walker *w, struct mmscope_pages *req,
			  size_t ksize, unsigned int batch)
{
	void __user *dst = u64_to_user_ptr(req->records_ptr);
	unsigned long addr = req->start & PAGE_MASK;
	unsigned long end = PAGE_ALIGN(req->end);	/* a page is walked whole */
	struct mmscope_batch *b = w->private;
	u32 done = 0;
	int ret = 0;

	b->recs = kvmalloc_array(batch, ksize, GFP_KERNEL);
	if (!b->recs)
		return -ENOMEM;

	req->out_flags = 0;
	while (done < req->count && addr < end) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		b->nr = 0;
		b->max = min_t(u32, batch, req->count - done);
		ret = mmscope_walk_locked(w, &addr, end);
		if (ret)
			break;
		ret = mmscope_records_put(dst + (size_t)done * req->record_size,
					  req->record_size, b->recs, ksize, b->nr);
		if (ret)
			break;
		done += b->nr;
		cond_resched();
	}
	if (!ret && addr >= end)
		req->out_flags |= MMSCOPE_PAGES_DONE;

	kvfree(b->recs);
	req->count = done;
	req->next = addr;
	return ret;
}

/**
 * mmscope_pages_copy - MMSCOPE_IOC_PAGES
 * @mm: the target's mm, or NULL (a kernel thread: one no-VMA run)
 * @req: the validated request; count, next and out_flags are set
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_pages_copy(struct mm_struct *mm, struct mmscope_pages *req)
{
	struct mmscope_batch batch = {};
	struct mmscope_walker w = { .mm = mm, .ops = &mmscope_range_ops, .private = &batch };

	return mmscope_pages_batches(&w, req, sizeof(struct mmscope_page), MMSCOPE_PAGES_BATCH);
}
