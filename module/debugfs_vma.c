// SPDX-License-Identifier: GPL-2.0
/* debugfs maps and lookup: the target's VMAs, all of them or at an address. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>

#include "debugfs.h"

/*
 * VMAs described per hold of the mmap lock, and the room for their paths:
 * a fill also ends when less than one path's worth is left.
 */
#define MAPS_BATCH	64
#define MAPS_STRINGS	(8 * MMSCOPE_PATH_MAX)

/*
 * The seq_file buffer of maps: a read() fills at most this. With the page
 * that seq_read() allocates, every 4 KiB of output was one read(), and the
 * lines are 2.6 times /proc's: 2.6 times its reads for a listing.
 */
#define MAPS_BUF_SIZE	(64 * 1024)

struct maps_priv {
	struct mmscope_vma_ctx ctx;
	char strings[MAPS_STRINGS];	/* the batch's paths, at path_offset */
};

/* The VMAs from the cursor, an address: each is the first ending above it. */
static int maps_fill(struct mmscope_seq_batch *b, const struct mmscope_subject *subject)
{
	struct mmscope_vma_brief *recs = b->recs;
	struct maps_priv *p = b->priv;
	struct mm_struct *mm = subject->mm;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned int n = 0;
	size_t off = 0, len;

	if (!mm) {
		b->done = true;		/* a kernel thread has no VMAs */
		return 0;
	}
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	mmscope_vma_ctx_reset(&p->ctx);
	vma_iter_init(&vmi, mm, b->cursor);
	for_each_vma(vmi, vma) {
		if (n == MAPS_BATCH || sizeof(p->strings) - off < MMSCOPE_PATH_MAX)
			break;
		/* describe() clears the record: the offset comes after. */
		len = mmscope_vma_describe(vma, &p->ctx, &recs[n], p->strings + off);
		recs[n].path_offset = off;
		off += len + 1;
		b->cursor = vma->vm_end;
		p->ctx.prev = vma;	/* the one before the next, for its kind */
		p->ctx.prev_known = true;
		n++;
	}
	b->done = !vma;
	mmap_read_unlock(mm);
	return n;
}

static void maps_show(struct seq_file *m, struct mmscope_seq_batch *b, const void *rec)
{
	const struct mmscope_vma_brief *v = rec;
	const struct maps_priv *p = b->priv;

	mmscope_seq_vma(m, v, p->strings + v->path_offset);
}

const struct mmscope_seq_batch_ops mmscope_debugfs_maps_ops = {
	.priv_size	= sizeof(struct maps_priv),
	.rec_size	= sizeof(struct mmscope_vma_brief),
	.max		= MAPS_BATCH,
	.buf_size	= MAPS_BUF_SIZE,
	.fill		= maps_fill,
	.show		= maps_show,
};

int mmscope_debugfs_lookup_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_vma *vma;
	u64 addr, gap, unused_end;
	u32 out_flags;
	int ret;

	if (!mmscope_debugfs_input(MMSCOPE_INPUT_LOOKUP, &addr, &unused_end)) {
		seq_puts(m, "no address: write one to lookup\n");
		return 0;
	}
	ret = mmscope_debugfs_subject_or_say(m, &subject);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	vma = kmalloc(sizeof(*vma), GFP_KERNEL);
	if (!vma)
		ret = -ENOMEM;
	else if (addr >= mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else
		ret = mmscope_lookup(subject.mm, addr, vma, &out_flags, &gap);
	mmscope_subject_put(&subject);
	if (ret)
		goto out_free_vma;

	seq_printf(m, "addr:     %#llx\n", addr);
	if (!(out_flags & MMSCOPE_LOOKUP_FOUND)) {
		seq_puts(m, "vma:      none (no VMA at or above addr)\n");
		goto out_free_vma;
	}
	seq_printf(m, "contains: %s\n",
		   out_flags & MMSCOPE_LOOKUP_CONTAINS ? "yes" : "no");
	seq_printf(m, "gap:      %llu\n", gap);
	seq_puts(m, "vma:      ");
	mmscope_seq_vma_full(m, vma);

out_free_vma:
	kfree(vma);
	return ret;
}
