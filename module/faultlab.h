/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault lab's own interface between its files: faultlab.c (a lab's
 * file, setup, mmap and lifetime), faultlab_vmops.c (its vm_operations)
 * and faultlab_count.c (its counters). The rest of the module sees only
 * what internal.h declares.
 */
#ifndef _MMSCOPE_FAULTLAB_H
#define _MMSCOPE_FAULTLAB_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/mmscope.h>

#include "internal.h"
#include "mmscope_names.h"

/*
 * The index of a counter, MMSCOPE_LAB_<field>: named by its field of
 * struct mmscope_faultlab_counters, in the same order.
 */
#define MMSCOPE_LAB_COUNT_ID(field) MMSCOPE_LAB_##field,
enum mmscope_lab_count {
	MMSCOPE_NAMES_FAULTLAB_COUNTED(MMSCOPE_LAB_COUNT_ID)
	MMSCOPE_LAB_NR_COUNTS
};

#undef MMSCOPE_LAB_COUNT_ID

struct mmscope_lab {
	struct list_head node;		/* on mmscope_labs once set up */
	struct mutex lock;		/* serialises setup against mmap */
	struct inode *inode;		/* its page cache backs PAGE and PATTERN */
	struct xarray pages;		/* PFN and MIXED: pgoff -> struct page */
	atomic_long_t device_pages;	/* entries in @pages */
	u64 id;				/* 0 until set up; then fixed */
	u32 mode;
	u32 flags;
	pgoff_t npages;
	atomic64_t counts[MMSCOPE_LAB_NR_COUNTS];
};

/* The pages of a HUGE lab's block: one PMD entry maps them. */
#define MMSCOPE_LAB_BLOCK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define MMSCOPE_LAB_BLOCK_PAGES	BIT(MMSCOPE_LAB_BLOCK_ORDER)

static inline bool mmscope_lab_is_device(const struct mmscope_lab *lab)
{
	return lab->mode == MMSCOPE_FAULTLAB_PFN ||
	       lab->mode == MMSCOPE_FAULTLAB_MIXED;
}

/* faultlab_vmops.c */
extern const struct vm_operations_struct mmscope_lab_cache_ops;
extern const struct vm_operations_struct mmscope_lab_cache_nofa_ops;
extern const struct vm_operations_struct mmscope_lab_device_ops;
void mmscope_lab_fill(struct mmscope_lab *lab, struct page *page, pgoff_t pgoff);

/* faultlab_count.c; a NULL @lab means every lab's counters together */
s64 mmscope_lab_count(struct mmscope_lab *lab, enum mmscope_lab_count c, s64 n);
void mmscope_lab_counters(const struct mmscope_lab *lab,
			  struct mmscope_faultlab_counters *out);
void mmscope_seq_lab_counts(struct seq_file *m, const struct mmscope_lab *lab);

#endif /* _MMSCOPE_FAULTLAB_H */
