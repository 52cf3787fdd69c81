// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs vmatree: one record per node of the target's maple tree in
 * depth-first order, as MMSCOPE_IOC_VMATREE reads them, then a summary.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "debugfs.h"

/* Nodes fetched per hold of the mmap lock: about 8.3 KiB of records. */
#define VMATREE_DEBUGFS_BATCH 8

/* The walk a file began, resumed by each fill; a rewind begins another. */
struct vmatree_priv {
	struct mmscope_vmatree_walk walk;
	struct mmscope_vmatree req;
};

static void vmatree_open(struct mmscope_seq_batch *b)
{
	struct vmatree_priv *p = b->priv;

	mmscope_vmatree_walk_init(&p->walk);
}

static void vmatree_release(struct mmscope_seq_batch *b)
{
	struct vmatree_priv *p = b->priv;

	mmscope_vmatree_walk_destroy(&p->walk);
}

static void vmatree_rewind(struct mmscope_seq_batch *b)
{
	struct vmatree_priv *p = b->priv;

	memset(&p->req, 0, sizeof(p->req));
}

static int vmatree_fill(struct mmscope_seq_batch *b, const struct mmscope_subject *subject)
{
	struct vmatree_priv *p = b->priv;
	int ret = 0;

	if (subject->mm)
		ret = mmscope_vmatree_fill(&p->walk, subject->mm, &p->req, b->recs,
					   VMATREE_DEBUGFS_BATCH);
	else
		p->req.out_flags = MMSCOPE_VMATREE_DONE;
	b->done = p->req.out_flags & (MMSCOPE_VMATREE_DONE | MMSCOPE_VMATREE_CHANGED);
	return ret;
}

static void vmatree_show(struct seq_file *m, struct mmscope_seq_batch *b, const void *rec)
{
	mmscope_seq_vmatree_node(m, rec);
}

/* "height=H nodes=N ma_flags=F", or that the tree changed under the walk. */
static void vmatree_show_end(struct seq_file *m, struct mmscope_seq_batch *b)
{
	const struct vmatree_priv *p = b->priv;
	const struct mmscope_vmatree *req = &p->req;

	if (req->out_flags & MMSCOPE_VMATREE_CHANGED) {
		seq_puts(m, "changed: the tree changed while it was read, read again\n");
		return;
	}
	seq_printf(m, "height=%u nodes=%llu ma_flags=%#x", req->height, req->node_count,
		   req->ma_flags);
	if (req->out_flags & MMSCOPE_VMATREE_ROOT_ENTRY)
		seq_printf(m, " root_entry=%llx-%llx", req->root_entry_start,
			   req->root_entry_end);
	seq_putc(m, '\n');
}

const struct mmscope_seq_batch_ops mmscope_debugfs_vmatree_ops = {
	.priv_size	= sizeof(struct vmatree_priv),
	.rec_size	= sizeof(struct mmscope_vmatree_node),
	.max		= VMATREE_DEBUGFS_BATCH,
	.open		= vmatree_open,
	.release	= vmatree_release,
	.rewind		= vmatree_rewind,
	.fill		= vmatree_fill,
	.show		= vmatree_show,
	.show_end	= vmatree_show_end,
};
