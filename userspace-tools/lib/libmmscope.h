/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the /dev/mmscope ioctls, shared by the CLI and the
 * selftests: the only code that issues them. Every call returns 0 or a
 * negative errno and never prints.
 */
#ifndef LIBMMSCOPE_H
#define LIBMMSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/mmscope.h>

#define MMSCOPE_DEVICE "/dev/mmscope"

/* An fd, or -errno; a NULL @path is MMSCOPE_DEVICE. */
int mms_open(const char *path);
int mms_open_rw(const char *path);	/* for a fault lab */
/* The module's version, ABI and features; ENOTTY from a module of ABI 1. */
int mms_version(int fd, struct mmscope_version *v);
int mms_set_target(int fd, uint32_t pid);
/* @users may be NULL; *@nusers is the room in, entries written out. */
int mms_mm_info(int fd, struct mmscope_mm_info *info,
		    struct mmscope_mm_user *users, uint32_t *nusers);
/* All VMAs of the target, in a malloc()ed array the caller frees. */
int mms_vmas_all(int fd, struct mmscope_vma **vmas, size_t *count);
/*
 * All VMAs of the target as brief records (MMSCOPE_VMAS_BRIEF), their
 * paths in one string table: the fast way for many VMAs.
 */
struct mms_vmas {
	struct mmscope_vma_brief *recs;
	size_t count;
	char *strings;	/* recs[i].path_offset indexes it */
};
int mms_vmas_brief_all(int fd, struct mms_vmas *out);
void mms_vmas_free(struct mms_vmas *v);
static inline const char *mms_vma_path(const struct mms_vmas *v, size_t i)
{
	return v->strings + v->recs[i].path_offset;
}
/* A full record's head as a brief one (its path stays in @v). */
void mms_vma_brief_of(const struct mmscope_vma *v, struct mmscope_vma_brief *b);
/*
 * One batch of VMAs from *@cursor (0 first), which it advances; *@done is
 * set after the last batch. For listings too long to hold whole records of.
 */
int mms_vmas_batch(int fd, uint64_t *cursor, struct mmscope_vma *room, size_t records,
		   size_t *filled, int *done);
int mms_lookup(int fd, uint64_t addr, struct mmscope_lookup *res,
		   struct mmscope_vma *vma);
int mms_vm_flag_names(int fd, struct mmscope_vm_flag_names *names);
int mms_walk(int fd, uint64_t addr, struct mmscope_walk *walk);
/* The records of [start, end), in a malloc()ed array the caller frees. */
int mms_pages_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page **recs, size_t *count);
/*
 * The same with MMSCOPE_PAGES_PTE_ONLY: record i covers up to record i+1's
 * addr, the last one up to @end rounded up to a page.
 */
int mms_pages_pte_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page_pte **recs, size_t *count);
/* MMSCOPE_PAGES_SUMMARY of [start, end), into @sum's sum_* counters. */
int mms_pages_summary(int fd, uint64_t start, uint64_t end, struct mmscope_pages *sum);

/* The fault lab: SETUP on an open file, or open O_RDWR and set up (an fd). */
int mms_faultlab_setup(int fd, uint32_t mode, uint64_t length,
			   uint32_t flags, uint64_t *lab_id);
int mms_faultlab_open(uint32_t mode, uint64_t length, uint32_t flags,
			  uint64_t *lab_id);
int mms_faultlab_stats(int fd, struct mmscope_faultlab_stats *stats);
/* *@count is the room in, events written out; @last, @lost may be NULL. */
int mms_faultlab_log(int fd, uint32_t flags, uint64_t since,
			 struct mmscope_faultlab_event *events, uint32_t *count,
			 uint64_t *last, uint64_t *lost);
/* smaps of every VMA of the target, in a malloc()ed array the caller frees. */
int mms_smaps_all(int fd, struct mmscope_smaps_vma **recs, size_t *count);
/*
 * The rollup of every VMA, summed by the kernel (MMSCOPE_SMAPS_ROLLUP) as
 * /proc/PID/smaps_rollup; all zero for no VMA. The Pss family stays in
 * fixed point (MMSCOPE_PSS_SHIFT).
 */
int mms_smaps_rollup(int fd, struct mmscope_smaps_vma *sum);
/* Add one record into a rollup (@sum zeroed to start). */
void mms_smaps_add(struct mmscope_smaps_vma *sum, const struct mmscope_smaps_vma *r);

/*
 * One batch of the VMA tree's nodes: @req's cursor and seq say where to
 * resume (zero them to start). @recs has room for *@count records; *@count
 * is the records written out.
 */
int mms_vmatree(int fd, struct mmscope_vmatree *req,
		struct mmscope_vmatree_node *recs, uint32_t *count);
/*
 * Every node of the VMA tree, one snapshot (a walk the tree changed under
 * is started again, a few times, then -EAGAIN), in a malloc()ed array the
 * caller frees; @req says height, ma_flags, node_count, root entry.
 */
int mms_vmatree_all(int fd, struct mmscope_vmatree *req,
		    struct mmscope_vmatree_node **recs, size_t *count);

/*
 * The target's TLB context. @flags: MMSCOPE_TLB_COUNT_*. @cpus may be NULL
 * (no per-CPU records, no IPIs); *@ncpus is the room in, records written out.
 */
int mms_tlb(int fd, uint32_t flags, struct mmscope_tlb *tlb,
	    struct mmscope_tlb_cpu *cpus, uint32_t *ncpus);

/*
 * The raw entries of the target's PGD from index @first: @entries has room
 * for *@count of them (NULL with 0: only @out's fields), *@count is the
 * entries written out. @out says the PGD's address, paging levels, size and
 * halves (user_end, kernel_clone_first).
 */
int mms_pgd(int fd, uint32_t first, uint64_t *entries, uint32_t *count,
	    struct mmscope_pgd *out);

/*
 * names.c, from include/mmscope_names.h: an enum value's name ("?" if it
 * has none), or a flag bit's (NULL if it has none).
 */
const char *mms_level_name(uint32_t level);
const char *mms_state_name(uint32_t state);
const char *mms_cow_name(uint32_t cow);
const char *mms_kind_name(uint32_t kind);
const char *mms_faultlab_mode_name(uint32_t mode);
const char *mms_faultlab_handler_name(uint32_t handler);
/* MMSCOPE_PTE_*, MMSCOPE_PG_*, MMSCOPE_FAULT_* and MMSCOPE_VM_FAULT_*: bit i */
const char *mms_pte_bit_name(unsigned int bit);
const char *mms_pg_bit_name(unsigned int bit);
const char *mms_fault_flag_bit_name(unsigned int bit);
const char *mms_vm_fault_bit_name(unsigned int bit);

#endif
