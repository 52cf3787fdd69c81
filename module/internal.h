/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the files of mmscope.ko. */
#ifndef _MMSCOPE_INTERNAL_H
#define _MMSCOPE_INTERNAL_H

#include "compat.h"

#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/mmscope.h>

struct file;
struct mm_struct;
struct task_struct;
struct vm_area_struct;

/*
 * The process a reader looks at: the debugfs files share one, and every open
 * file of /dev/mmscope has its own. Only the pid is held, so a target does not
 * pin a dead process's memory; each query resolves it anew.
 */
struct mmscope_target {
	struct mutex lock;	/* protects @pid */
	struct pid *pid;	/* NULL until set */
};

/* A name for each value of a uapi enum, or each bit of a uapi flag word. */
struct mmscope_name {
	u64 value;
	const char *name;
};

struct mmscope_name_table {
	const struct mmscope_name *names;
	unsigned int count;
};

/*
 * The mapcount of the last large folio summed under the entry lock held
 * now: 6.1 sums it page by page, and a PTE-mapped THP would otherwise be
 * summed again for each of its PTEs.
 */
struct mmscope_mapcount_cache {
	struct folio *folio;
	int mapcount;
};

/* A target resolved for the length of one query. */
struct mmscope_subject {
	struct task_struct *task;
	struct mm_struct *mm;	/* NULL for a kernel thread */
};

/*
 * Copy one record out to a user slot of @usize bytes (at least @ksize: the
 * caller's version of the struct may be newer), zeroing what we lack.
 */
static inline int mmscope_copy_record(void __user *dst, u32 usize,
				      const void *rec, size_t ksize)
{
	if (copy_to_user(dst, rec, ksize))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/* target.c */
void mmscope_target_init(struct mmscope_target *target);
void mmscope_target_destroy(struct mmscope_target *target);
int mmscope_target_set(struct mmscope_target *target, u64 nr);
int mmscope_target_get(struct mmscope_target *target,
		       struct mmscope_subject *subject);
void mmscope_subject_put(struct mmscope_subject *subject);
unsigned long mmscope_subject_addr_limit(const struct mmscope_subject *subject);
int mmscope_query_allowed(void);

/* names.c: built from include/mmscope_names.h */
extern const struct mmscope_name_table mmscope_level_names, mmscope_state_names,
	mmscope_cow_names, mmscope_kind_names, mmscope_pte_bit_names,
	mmscope_pg_bit_names, mmscope_fault_flag_names, mmscope_fault_result_names,
	mmscope_handler_names;
const char *mmscope_name(const struct mmscope_name_table *t, u64 value);
void mmscope_seq_level_upper(struct seq_file *m, u32 level);
void mmscope_seq_bits(struct seq_file *m, u64 bits, const struct mmscope_name_table *t);

/* mm.c */
void mmscope_mm_fill(const struct mmscope_subject *subject,
		     struct mmscope_mm_info *info);
u32 mmscope_mm_users(struct task_struct *task, struct mm_struct *mm,
		     struct mmscope_mm_user *users, u32 cap);

/* vma.c */

/* vm_ops symbol names remembered for one hold of the mmap lock. */
#define MMSCOPE_VM_OPS_CACHE 8

/* What describing one VMA after another saves (mmscope_vma_describe()). */
struct mmscope_vma_ctx {
	struct vm_area_struct *prev;	/* the VMA before the next one... */
	bool prev_known;		/* ...when this is true */
	unsigned int ops_nr;
	const void *ops[MMSCOPE_VM_OPS_CACHE];
	u8 ops_name[MMSCOPE_VM_OPS_CACHE][MMSCOPE_SYM_LEN];
};

void mmscope_vma_ctx_reset(struct mmscope_vma_ctx *ctx);
size_t mmscope_vma_describe(struct vm_area_struct *vma, struct mmscope_vma_ctx *ctx,
			    struct mmscope_vma_brief *out, char *path);
void mmscope_vma_fill(struct vm_area_struct *vma, struct mmscope_vma *out);
void mmscope_vm_flag_names(struct mmscope_vm_flag_names *out);
void mmscope_seq_vma(struct seq_file *m, const struct mmscope_vma_brief *v,
		     const char *path);
void mmscope_seq_vma_full(struct seq_file *m, const struct mmscope_vma *v);
int mmscope_vmas_copy(struct mm_struct *mm, struct mmscope_vmas *req);
int mmscope_lookup(struct mm_struct *mm, u64 addr, struct mmscope_vma *vma,
		   u32 *out_flags, u64 *gap);

/* walk_decode.c (the walker itself is declared in walk.h, for its consumers) */
u32 mmscope_present_bits(u64 v, bool upper_level);

/* walk_addr.c */
int mmscope_walk_addr(struct mm_struct *mm, struct mmscope_walk *walk);

/* walk_range.c */
int mmscope_pages_copy(struct mm_struct *mm, struct mmscope_pages *req);
int mmscope_pages_fill(struct mm_struct *mm, unsigned long *addr, unsigned long end,
		       struct mmscope_page *recs, unsigned int max);
int mmscope_records_put(void __user *dst, u32 usize, const void *recs, size_t ksize, u32 n);

/* walk_pte.c: MMSCOPE_PAGES_PTE_ONLY */
int mmscope_pages_pte_copy(struct mm_struct *mm, struct mmscope_pages *req);

/* walk_summary.c: MMSCOPE_PAGES_SUMMARY */
int mmscope_pages_summary(struct mm_struct *mm, struct mmscope_pages *req);

/*
 * Records filled per hold of the mmap lock; user copies happen unlocked.
 * A PTE table's worth (512) was measured no faster for 1 GiB of 4K pages
 * (160 against 153 ms: the walk and the copy of 104-byte records cost
 * the same however they are cut) and held the lock 11 times longer.
 */
#define MMSCOPE_PAGES_BATCH 64

/* page.c */
void mmscope_page_init(struct mmscope_page *rec, unsigned long addr, unsigned long size);
void mmscope_page_fill(struct mmscope_page *rec, struct vm_area_struct *vma,
		       bool huge, struct mmscope_mapcount_cache *cache);

/* cow.c */
u32 mmscope_cow_verdict(struct vm_area_struct *vma, const struct mmscope_page *rec,
			bool writable, bool huge);
u32 mmscope_hole_cow(struct vm_area_struct *vma, u32 state);

/* faultlab.c; the lab's own files share faultlab.h */
struct mmscope_lab;
struct mmscope_lab *mmscope_lab_create(struct file *file);
void mmscope_lab_destroy(struct mmscope_lab *lab, struct file *file);
int mmscope_lab_setup_check(const struct mmscope_faultlab_setup *req);
int mmscope_lab_setup(struct mmscope_lab *lab, struct mmscope_faultlab_setup *req);
int mmscope_lab_mmap(struct mmscope_lab *lab, struct vm_area_struct *vma);
int mmscope_lab_clean(struct mmscope_lab *lab, loff_t start, loff_t end);
u64 mmscope_lab_id(const struct mmscope_lab *lab);
void mmscope_lab_stats(struct mmscope_lab *lab, struct mmscope_faultlab_stats *out);
int mmscope_lab_seq_stats(struct seq_file *m);

/* faultlog.c */
int mmscope_faultlog_init(void);
void mmscope_faultlog_exit(void);
u32 mmscope_fault_flags(unsigned int flags);
u32 mmscope_fault_result(vm_fault_t ret);
void mmscope_log_event(struct mmscope_faultlab_event *ev);
u32 mmscope_log_read(struct mmscope_faultlab_event *buf, u32 cap, u64 since,
		     u64 lab_id, u64 *last, u64 *lost);
u32 mmscope_log_capacity(void);
void mmscope_seq_fault_event(struct seq_file *m,
			     const struct mmscope_faultlab_event *ev);

/* debugfs*.c, built only with CONFIG_DEBUG_FS */
#ifdef CONFIG_DEBUG_FS
void mmscope_debugfs_init(void);
void mmscope_debugfs_exit(void);
#else
static inline void mmscope_debugfs_init(void) {}
static inline void mmscope_debugfs_exit(void) {}
#endif

/* smaps.c, smaps_rollup.c, smaps_show.c */
int mmscope_smaps_fill(struct mm_struct *mm, unsigned long *addr,
		       struct mmscope_smaps_vma *recs, unsigned int max, bool *more);
int mmscope_smaps_copy(struct mm_struct *mm, struct mmscope_smaps *req);
int mmscope_smaps_rollup(struct mm_struct *mm, struct mmscope_smaps *req);
void mmscope_seq_smaps(struct seq_file *m, const struct mmscope_smaps_vma *r);

/* vmatree.c */
/* The VMA-tree walk a file began: resumed calls must continue it. */
struct mmscope_vmatree_walk {
	struct mutex lock;		/* the calls of one file's threads */
	struct mm_struct *mm;		/* mmgrab()ed: the walk's mm */
	u64 id;				/* its walk_id */
};

void mmscope_vmatree_walk_init(struct mmscope_vmatree_walk *vw);
void mmscope_vmatree_walk_destroy(struct mmscope_vmatree_walk *vw);
int mmscope_vmatree_fill(struct mmscope_vmatree_walk *vw, struct mm_struct *mm,
			 struct mmscope_vmatree *req, struct mmscope_vmatree_node *recs,
			 unsigned int max);
int mmscope_vmatree_copy(struct mmscope_vmatree_walk *vw, struct mm_struct *mm,
			 struct mmscope_vmatree *req);
void mmscope_seq_vmatree_node(struct seq_file *m, const struct mmscope_vmatree_node *r);

/* pgd.c */
int mmscope_pgd_read(struct mm_struct *mm, struct mmscope_pgd *req, u64 *entries, u32 n);

/* chrdev.c */
int mmscope_chrdev_init(void);
void mmscope_chrdev_exit(void);

/* tlb.c */
struct mmscope_tlb_count;
int mmscope_tlb_query(struct mm_struct *mm, struct mmscope_tlb_count **slot,
		      struct mmscope_tlb *req, struct mmscope_tlb_cpu *recs, u32 cap);
void mmscope_tlb_count_stop(struct mmscope_tlb_count **slot);
void mmscope_seq_tlb(struct seq_file *m, const struct mmscope_tlb *req,
		     const struct mmscope_tlb_cpu *recs);
void mmscope_tlb_exit(void);
u32 mmscope_tlb_features(void);

/* version.c */
void mmscope_version_fill(struct mmscope_version *v);

#endif /* _MMSCOPE_INTERNAL_H */
