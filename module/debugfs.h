/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the debugfs files share: debugfs.c owns the target, the inputs and
 * the table of files; each debugfs_<object>.c shows its own.
 */
#ifndef _MMSCOPE_DEBUGFS_H
#define _MMSCOPE_DEBUGFS_H

#include <linux/seq_file.h>
#include <linux/types.h>

#include "internal.h"

/* debugfs.c: the one target of the files, and what was written to them. */
int mmscope_debugfs_subject(struct mmscope_subject *subject);
int mmscope_debugfs_subject_or_say(struct seq_file *m, struct mmscope_subject *subject);

enum mmscope_debugfs_input {
	MMSCOPE_INPUT_LOOKUP,		/* an address */
	MMSCOPE_INPUT_PAGETABLE,	/* an address */
	MMSCOPE_INPUT_PAGES,		/* a range */
	MMSCOPE_INPUT_NR
};

bool mmscope_debugfs_input(enum mmscope_debugfs_input which, u64 *start, u64 *end);

/*
 * A seq_file over records fetched a batch at a time (debugfs.c owns its
 * start/next/stop/show): the position is the record number, a restart at a
 * position inside the batch reuses it, and a read that went back, or began
 * again at 0, rewinds the object. Nothing is held between two callbacks:
 * each fill takes the target and its locks, and lets them go.
 */
struct mmscope_seq_batch;

struct mmscope_seq_batch_ops {
	size_t priv_size;	/* the object's state, at b->priv */
	size_t rec_size;	/* one record */
	unsigned int max;	/* records per fill */
	size_t buf_size;	/* the seq_file buffer, if not a page */
	bool need_target;	/* no target set: -ENOENT, not an empty file */
	/* Start again from the first record. Optional. */
	void (*rewind)(struct mmscope_seq_batch *b);
	/*
	 * The next records from b->cursor, at most ops->max into b->recs,
	 * under the locks they need; set b->done after the last. The
	 * subject's mm is NULL for a kernel thread. Returns records or -errno.
	 */
	int (*fill)(struct mmscope_seq_batch *b, const struct mmscope_subject *subject);
	void (*show)(struct seq_file *m, struct mmscope_seq_batch *b, const void *rec);
	/* What follows the last record, if anything. Optional. */
	void (*show_end)(struct seq_file *m, struct mmscope_seq_batch *b);
	void (*open)(struct mmscope_seq_batch *b);	/* optional */
	void (*release)(struct mmscope_seq_batch *b);	/* optional */
};

struct mmscope_seq_batch {
	const struct mmscope_seq_batch_ops *ops;
	unsigned long cursor;	/* where the next fill begins: the object's */
	loff_t base;		/* record number of recs[0] */
	unsigned int nr;	/* records in the batch */
	bool done;		/* no record after this batch */
	void *priv;
	void *recs;
};

/* One file: what it shows, who may open it, and what it takes. */
struct mmscope_debugfs_file {
	const char *name;
	umode_t mode;
	bool in_faultlab;	/* under faultlab/ */
	int (*allowed)(void);
	int (*show)(struct seq_file *m, void *unused);		/* one record, */
	const struct mmscope_seq_batch_ops *batch;		/* or batches */
	int (*write)(char *input);	/* the input, trimmed; optional */
};

/* debugfs_mm.c */
int mmscope_debugfs_mm_show(struct seq_file *m, void *unused);

/* debugfs_vma.c */
extern const struct mmscope_seq_batch_ops mmscope_debugfs_maps_ops;
int mmscope_debugfs_lookup_show(struct seq_file *m, void *unused);

/* debugfs_page.c */
int mmscope_debugfs_pagetable_show(struct seq_file *m, void *unused);
extern const struct mmscope_seq_batch_ops mmscope_debugfs_pages_ops;

/* debugfs_faultlab.c */
int mmscope_debugfs_lab_stats_show(struct seq_file *m, void *unused);
int mmscope_debugfs_lab_log_show(struct seq_file *m, void *unused);

/* debugfs_tlb.c */
int mmscope_debugfs_tlb_show(struct seq_file *m, void *unused);
int mmscope_debugfs_tlb_start(void);
void mmscope_debugfs_tlb_stop(void);

/* debugfs_smaps.c */
extern const struct mmscope_seq_batch_ops mmscope_debugfs_smaps_ops;

/* debugfs_vmatree.c */
extern const struct mmscope_seq_batch_ops mmscope_debugfs_vmatree_ops;

#endif /* _MMSCOPE_DEBUGFS_H */
