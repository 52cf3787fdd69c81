/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the smaps files share: the accounting (smaps_account.c) is the
 * walker's consumer that sums one VMA's record; smaps.c walks the VMAs for
 * their records, smaps_rollup.c for their total, and smaps_show.c prints
 * a record.
 */
#ifndef _MMSCOPE_SMAPS_H
#define _MMSCOPE_SMAPS_H

#include "internal.h"
#include "walk.h"

struct mmscope_smaps_acc {
	struct mmscope_smaps_vma *rec;	/* the VMA being summed */
	const struct file *file;	/* its vm_file, compared, never followed */
	bool shmem_holes;		/* count shmem swap in the holes */
};

/* smaps_account.c */
extern const struct mmscope_walk_ops mmscope_smaps_ops;
void mmscope_smaps_begin(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc, bool whole);

/* smaps.c */
bool mmscope_smaps_resume(struct vm_area_struct *vma, struct mmscope_smaps_acc *acc,
			  unsigned long addr);

#endif /* _MMSCOPE_SMAPS_H */
