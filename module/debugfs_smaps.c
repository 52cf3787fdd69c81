// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs smaps: one record per VMA, as MMSCOPE_IOC_SMAPS sums it. The
 * fill takes and lets go of the mmap lock itself (smaps.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "debugfs.h"

/* VMAs summed per fill: each is walked whole before it is shown. */
#define SMAPS_DEBUGFS_BATCH 4

/* The VMAs ending above the cursor, an address. */
static int smaps_fill(struct mmscope_seq_batch *b, const struct mmscope_subject *subject)
{
	bool more;
	int n;

	if (!subject->mm) {
		b->done = true;		/* a kernel thread has no VMAs */
		return 0;
	}
	n = mmscope_smaps_fill(subject->mm, &b->cursor, b->recs, SMAPS_DEBUGFS_BATCH, &more);
	b->done = !more;
	return n;
}

static void smaps_show(struct seq_file *m, struct mmscope_seq_batch *b, const void *rec)
{
	mmscope_seq_smaps(m, rec);
}

const struct mmscope_seq_batch_ops mmscope_debugfs_smaps_ops = {
	.rec_size	= sizeof(struct mmscope_smaps_vma),
	.max		= SMAPS_DEBUGFS_BATCH,
	.fill		= smaps_fill,
	.show		= smaps_show,
};
