// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs pagetable and pages: the walk of one address, every level, and
 * the page records of a range.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "debugfs.h"

/* One page record, as pagetable and pages print it. */
static void mmscope_seq_page(struct seq_file *m, const struct mmscope_page *p)
{
	seq_printf(m, "%016llx %10llx %-16s", p->addr, p->size,
		   mmscope_name(&mmscope_state_names, p->state));
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		seq_printf(m, " pfn=%#llx page_size=%#llx", p->pfn, p->page_size);
	else if (p->state != MMSCOPE_ENTRY_NONE && p->state != MMSCOPE_ENTRY_NO_VMA &&
		 p->state != MMSCOPE_ENTRY_BAD)
		seq_printf(m, " swap_type=%u swap_offset=%#llx", p->swap_type, p->swap_offset);
	seq_printf(m, " cow=%s pte=", mmscope_name(&mmscope_cow_names, p->cow));
	mmscope_seq_bits(m, p->pte_flags, &mmscope_pte_bit_names);
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
		seq_printf(m, " refcount=%u mapcount=%u folio_mapcount=%u order=%u page=",
			   p->refcount, p->mapcount, p->folio_mapcount, p->order);
		mmscope_seq_bits(m, p->page_flags, &mmscope_pg_bit_names);
		if (p->flags & MMSCOPE_PAGE_FILE)
			seq_printf(m, " ino=%llu", p->ino);
		seq_printf(m, " index=%#llx", p->index);
	}
	seq_putc(m, '\n');
}

int mmscope_debugfs_pagetable_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_walk *walk;
	struct mmscope_level *l;
	u64 addr, unused_end;
	u32 i;
	int ret;

	if (!mmscope_debugfs_input(MMSCOPE_INPUT_PAGETABLE, &addr, &unused_end)) {
		seq_puts(m, "no address: write one to pagetable\n");
		return 0;
	}
	ret = mmscope_debugfs_subject_or_say(m, &subject);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk) {
		ret = -ENOMEM;
		goto out_put_subject;
	}
	walk->addr = addr;
	if (!subject.mm)
		ret = -ENOENT;
	else if (addr >= mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else
		ret = mmscope_walk_addr(subject.mm, walk);
	if (ret)
		goto out_free_walk;

	seq_printf(m, "addr: %#llx  paging: %u-level%s%s\n", addr, walk->paging_levels,
		   walk->out_flags & MMSCOPE_WALK_NO_VMA ? "  (no VMA here)" : "",
		   walk->out_flags & MMSCOPE_WALK_NOT_PINNED ?
		   "  (the next table is pinned by no VMA: not read)" : "");
	for (i = 0; i < walk->nr_levels; i++) {
		l = &walk->levels[i];
		/* crash's vtop: the entry's physical address => its value. */
		mmscope_seq_level_upper(m, l->level);
		seq_printf(m, ": %016llx => %016llx  [%u] %s ",
			   l->table_phys + l->index * 8, l->entry, l->index,
			   mmscope_name(&mmscope_state_names, l->state));
		mmscope_seq_bits(m, l->bits, &mmscope_pte_bit_names);
		if (l->leaf_size)
			seq_printf(m, " leaf=%lluK", l->leaf_size >> 10);
		seq_putc(m, '\n');
	}
	if (walk->page.state == MMSCOPE_ENTRY_PRESENT)
		seq_printf(m, "PAGE: %016llx\n", walk->phys & PAGE_MASK);
	seq_puts(m, "page: ");
	mmscope_seq_page(m, &walk->page);

out_free_walk:
	kfree(walk);
out_put_subject:
	mmscope_subject_put(&subject);
	return ret;
}

/*
 * The records of the range written to "pages", a batch at a time, so that
 * memory stays bounded for any range. The cursor is the next address.
 */
struct pages_priv {
	unsigned long end;
};

static void pages_rewind(struct mmscope_seq_batch *b)
{
	struct pages_priv *p = b->priv;
	u64 start, end;

	if (!mmscope_debugfs_input(MMSCOPE_INPUT_PAGES, &start, &end)) {
		b->done = true;		/* nothing written yet: an empty file */
		return;
	}
	b->cursor = start & PAGE_MASK;
	p->end = PAGE_ALIGN(end);	/* a page is walked whole */
}

static int pages_fill(struct mmscope_seq_batch *b, const struct mmscope_subject *subject)
{
	struct pages_priv *p = b->priv;
	int ret;

	/* As the ioctl: no further than the target's user space. */
	p->end = min(p->end, mmscope_subject_addr_limit(subject));
	ret = mmscope_pages_fill(subject->mm, &b->cursor, p->end, b->recs,
				 MMSCOPE_PAGES_BATCH);
	b->done = b->cursor >= p->end;
	return ret;
}

static void pages_show(struct seq_file *m, struct mmscope_seq_batch *b, const void *rec)
{
	mmscope_seq_page(m, rec);
}

const struct mmscope_seq_batch_ops mmscope_debugfs_pages_ops = {
	.priv_size	= sizeof(struct pages_priv),
	.rec_size	= sizeof(struct mmscope_page),
	.max		= MMSCOPE_PAGES_BATCH,
	.need_target	= true,
	.rewind		= pages_rewind,
	.fill		= pages_fill,
	.show		= pages_show,
};
