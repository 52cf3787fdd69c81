// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_VMATREE and debugfs vmatree: the nodes of the target's VMA
 * tree, mm->mm_mt, decoded from the node layout of the running kernel's
 * include/linux/maple_tree.h.
 *
 * The helpers that decode a node are static in lib/maple_tree.c, so the few
 * this walk needs are restated here, each named after its original. Every
 * value read from a node is checked against the tree's own rules before it
 * is followed: a node that breaks one is reported up to that point, with a
 * flag, and nothing below it is read.
 *
 * Locking: the VMA tree is written only under the mmap write lock (the tree
 * is MT_FLAGS_LOCK_EXTERN with mm->mmap_lock), so under the read lock its
 * nodes neither change nor get freed. Records are copied to the user after
 * the lock is dropped; a walk resumes from a cursor (see the uapi header).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/rcupdate.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

static_assert(MAPLE_RANGE64_SLOTS == MMSCOPE_VMATREE_SLOTS);
static_assert(MAPLE_ARANGE64_SLOTS <= MMSCOPE_VMATREE_SLOTS);
static_assert(MAPLE_HEIGHT_MAX <= MMSCOPE_VMATREE_DEPTH);
static_assert(offsetof(struct mmscope_vmatree, walk_id) == MMSCOPE_VMATREE_SIZE_VER0);
static_assert((int)maple_leaf_64 == (int)MMSCOPE_VMATREE_LEAF_64 &&
	      (int)maple_range_64 == (int)MMSCOPE_VMATREE_RANGE_64 &&
	      (int)maple_arange_64 == (int)MMSCOPE_VMATREE_ARANGE_64);

/* Walk ids: never 0, which a request's walk_id means "not known". */
static atomic64_t vt_walk_ids = ATOMIC64_INIT(0);

void mmscope_vmatree_walk_init(struct mmscope_vmatree_walk *vw)
{
	mutex_init(&vw->lock);
	vw->mm = NULL;
	vw->id = 0;
}

void mmscope_vmatree_walk_destroy(struct mmscope_vmatree_walk *vw)
{
	if (vw->mm)
		mmdrop(vw->mm);
	mutex_destroy(&vw->lock);
}

/*
 * Whether a call continues the walk @vw began, in @mm. A new walk (a zero
 * cursor) keeps @mm's struct with mmgrab(): while it is held no other mm
 * can get its address, so comparing pointers is exact. The walk id ties a
 * cursor to the last walk begun on this file (a caller that predates
 * @walk_id passes 0 and is checked by the mm alone).
 */
static bool vt_same_walk(struct mmscope_vmatree_walk *vw, struct mm_struct *mm,
			 struct mmscope_vmatree *req)
{
	struct mm_struct *old = NULL;
	bool same = true;

	mutex_lock(&vw->lock);
	if (!req->cursor.id) {
		old = vw->mm;
		mmgrab(mm);
		vw->mm = mm;
		vw->id = atomic64_inc_return(&vt_walk_ids);
		req->walk_id = vw->id;
	} else {
		same = mm == vw->mm && (!req->walk_id || req->walk_id == vw->id);
	}
	mutex_unlock(&vw->lock);
	if (old)
		mmdrop(old);
	return same;
}

/* One node on the path from the root, decoded. */
struct vt_frame {
	struct maple_node *node;
	unsigned long *pivots;
	void __rcu **slots;
	unsigned long min, max;
	u32 id, parent_slot, flags;
	u8 type;
	u8 end;		/* the data end: the last slot in use */
	u8 nr;		/* slots that passed the checks */
	u8 next;	/* the next slot to look for a child in */
};

struct vt_walk {
	struct mm_struct *mm;
	unsigned int height;
	u64 vmas;	/* VMAs met so far, in maps order */
	u32 next_id;
	struct vt_frame path[MMSCOPE_VMATREE_DEPTH];
};

/* mte_node_type(): the type is in the encoded pointer's low byte. */
static enum maple_type vt_node_type(const void *enode)
{
	return ((unsigned long)enode >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK;
}

/* mte_to_node(): nodes are 256-byte aligned, the low byte is the encoding. */
static struct maple_node *vt_to_node(const void *enode)
{
	return (struct maple_node *)((unsigned long)enode & ~MAPLE_NODE_MASK);
}

/* ma_dead_node(): a node being freed points its parent at itself. */
static bool vt_dead_node(const struct maple_node *node)
{
	return vt_to_node(READ_ONCE(node->parent)) == node;
}

static void *vt_slot(struct vt_walk *w, void __rcu **slots, unsigned int i)
{
	return rcu_dereference_check(slots[i], lockdep_is_held(&w->mm->mmap_lock));
}

/* The indices slot @i covers (mas_safe_min() and mas_safe_pivot()). */
static void vt_slot_range(const struct vt_frame *f, unsigned int i,
			  unsigned long *lo, unsigned long *hi)
{
	*lo = i ? f->pivots[i - 1] + 1 : f->min;
	*hi = i < f->end ? f->pivots[i] : f->max;
}

/*
 * mt_mk_node(): a child is its node's address with the type in bits 3-6
 * and bits 0-1 clear (only the root pointer has MAPLE_ROOT_NODE, bit 1),
 * and the node is slab memory of the direct map.
 */
static bool vt_is_enode(const void *entry)
{
	return !((unsigned long)entry & 3) && virt_addr_valid(vt_to_node(entry));
}

/* A slot of a node above the leaves holds an encoded node, or nothing. */
static bool vt_slot_ok(struct vt_walk *w, const struct vt_frame *f, unsigned int i)
{
	void *entry;

	if (f->type < maple_range_64)	/* ma_is_leaf() */
		return true;
	entry = vt_slot(w, f->slots, i);
	return !entry || vt_is_enode(entry);
}

/*
 * Decode the node @enode that covers [@min, @max] at @depth into @f: its
 * type, its data end (ma_data_end()) and how many of its slots are sound.
 */
static void vt_decode(struct vt_walk *w, struct vt_frame *f, void *enode,
		      unsigned long min, unsigned long max, unsigned int depth)
{
	unsigned int nr_pivots, nr_slots, i;
	struct maple_metadata *meta;
	struct maple_node *node = vt_to_node(enode);
	bool leaf;

	memset(f, 0, sizeof(*f));
	f->node = node;
	f->type = vt_node_type(enode);
	f->min = min;
	f->max = max;
	switch (f->type) {
	case maple_leaf_64:
	case maple_range_64:
		f->pivots = node->mr64.pivot;
		f->slots = node->mr64.slot;
		meta = &node->mr64.meta;
		nr_slots = MAPLE_RANGE64_SLOTS;
		break;
	case maple_arange_64:
		f->pivots = node->ma64.pivot;
		f->slots = node->ma64.slot;
		meta = &node->ma64.meta;
		nr_slots = MAPLE_ARANGE64_SLOTS;
		break;
	default:
		f->flags = MMSCOPE_VMATREE_BAD_TYPE;
		return;
	}
	if (vt_dead_node(node)) {
		f->flags = MMSCOPE_VMATREE_DEAD;
		return;
	}
	/* Leaves are exactly at height - 1 (mt_height() counts the levels). */
	leaf = f->type < maple_range_64;
	if (depth >= w->height || leaf != (depth == w->height - 1))
		f->flags |= MMSCOPE_VMATREE_BAD_DEPTH;

	/*
	 * ma_data_end(): an arange node keeps its end in the metadata; the
	 * others keep it there too unless the last pivot is in use, which then
	 * ends at the node's max or leaves the last slot to run to it.
	 */
	nr_pivots = nr_slots - 1;
	if (f->type == maple_arange_64 || !f->pivots[nr_pivots - 1])
		i = meta->end;
	else if (f->pivots[nr_pivots - 1] == max)
		i = nr_pivots - 1;
	else
		i = nr_pivots;
	if (i >= nr_slots) {
		f->flags |= MMSCOPE_VMATREE_BAD_END;
		return;
	}
	f->end = i;

	/* Pivots rise (mas_validate_limits() allows equal ones) within [min, max]. */
	for (i = 0; i <= f->end; i++) {
		if (i && f->pivots[i - 1] >= max) {
			f->flags |= MMSCOPE_VMATREE_BAD_PIVOT;
			break;
		}
		if (i < f->end && (f->pivots[i] < (i ? f->pivots[i - 1] : min) ||
				   f->pivots[i] > max)) {
			f->flags |= MMSCOPE_VMATREE_BAD_PIVOT;
			break;
		}
		if (!vt_slot_ok(w, f, i)) {
			f->flags |= MMSCOPE_VMATREE_BAD_SLOT;
			break;
		}
	}
	f->nr = i;
}

/* May the walk follow the children of @f? Only those its rules vouch for. */
static bool vt_descend_ok(const struct vt_frame *f)
{
	return f->type >= maple_range_64 && f->type <= maple_arange_64 &&
	       !(f->flags & (MMSCOPE_VMATREE_BAD_TYPE | MMSCOPE_VMATREE_DEAD |
			     MMSCOPE_VMATREE_BAD_DEPTH | MMSCOPE_VMATREE_BAD_END |
			     MMSCOPE_VMATREE_BAD_PIVOT | MMSCOPE_VMATREE_BAD_SLOT));
}

/* A leaf's entry: a VMA, unless it is NULL or an xarray internal value. */
static void vt_fill_leaf_slot(struct vt_walk *w, void *entry,
			      struct mmscope_vmatree_slot *s)
{
	struct vm_area_struct *vma = entry;

	if (!entry)
		return;		/* MMSCOPE_VMATREE_SLOT_EMPTY */
	if (xa_is_internal(entry) || !IS_ALIGNED((unsigned long)entry, sizeof(long)) ||
	    !virt_addr_valid(entry)) {
		s->kind = MMSCOPE_VMATREE_SLOT_OTHER;
		return;
	}
	s->kind = MMSCOPE_VMATREE_SLOT_VMA;
	s->vma_start = vma->vm_start;
	s->vma_end = vma->vm_end;
	s->vma_index = w->vmas++;
	if (vma->vm_mm != w->mm || s->vma_start != s->min || s->vma_end - 1 != s->max)
		s->flags |= MMSCOPE_VMATREE_SLOT_MISMATCH;
}

static void vt_fill(struct vt_walk *w, unsigned int depth, struct mmscope_vmatree_node *rec)
{
	struct vt_frame *f = &w->path[depth];
	unsigned int i;

	memset(rec, 0, sizeof(*rec));
	rec->id = f->id;
	rec->parent = depth ? w->path[depth - 1].id : U32_MAX;
	rec->depth = depth;
	rec->parent_slot = f->parent_slot;
	rec->type = f->type;
	rec->flags = f->flags;
	rec->nr_slots = f->nr;
	rec->nr_pivots = f->nr ? min_t(u32, f->nr - 1, f->end) : 0;
	rec->min = f->min;
	rec->max = f->max;
	for (i = 0; i < rec->nr_pivots; i++)
		rec->pivots[i] = f->pivots[i];
	for (i = 0; i < f->nr; i++) {
		struct mmscope_vmatree_slot *s = &rec->slots[i];
		void *entry = vt_slot(w, f->slots, i);
		unsigned long lo, hi;

		vt_slot_range(f, i, &lo, &hi);
		s->min = lo;
		s->max = hi;
		if (f->type == maple_arange_64)
			rec->gaps[i] = f->node->ma64.gap[i];
		if (f->type < maple_range_64)
			vt_fill_leaf_slot(w, entry, s);
		else if (entry)
			s->kind = MMSCOPE_VMATREE_SLOT_NODE;
	}
}

/* The next child of @f to visit, if any; its slot is @f->next - 1 then. */
static void *vt_next_child(struct vt_walk *w, struct vt_frame *f)
{
	void *entry;

	if (!vt_descend_ok(f))
		return NULL;
	while (f->next < f->nr) {
		entry = vt_slot(w, f->slots, f->next++);
		if (entry)
			return entry;
	}
	return NULL;
}

/*
 * Rebuild the path down to the node the cursor names, which must still be
 * the child, at the cursor's depth, that starts at the cursor's min.
 *
 * Return: the node's encoding, or NULL when the tree no longer has it.
 */
static void *vt_resume(struct vt_walk *w, const struct mmscope_vmatree_cursor *cur,
		       void *root)
{
	unsigned long min = 0, max = ULONG_MAX, lo, hi;
	void *enode = root;
	unsigned int d, i;

	for (d = 0; d < cur->depth; d++) {
		struct vt_frame *f = &w->path[d];

		vt_decode(w, f, enode, min, max, d);
		f->id = cur->path[d];
		f->parent_slot = d ? w->path[d - 1].next - 1 : 0;
		if (!vt_descend_ok(f))
			return NULL;
		for (i = 0; i < f->nr; i++) {
			vt_slot_range(f, i, &lo, &hi);
			if (lo <= cur->min && cur->min <= hi)
				break;
		}
		enode = i < f->nr ? vt_slot(w, f->slots, i) : NULL;
		if (!enode || (d + 1 == cur->depth && lo != cur->min))
			return NULL;
		f->next = i + 1;
		min = lo;
		max = hi;
	}
	w->path[d].min = min;	/* where the caller decodes it */
	w->path[d].max = max;
	return enode;
}

static void vt_save_cursor(struct vt_walk *w, struct mmscope_vmatree_cursor *cur,
			   unsigned int depth, unsigned long min)
{
	unsigned int d;

	memset(cur, 0, sizeof(*cur));
	cur->min = min;
	cur->depth = depth;
	cur->id = w->next_id;
	cur->vmas_before = w->vmas;
	for (d = 0; d < depth; d++)
		cur->path[d] = w->path[d].id;
}

/* The root pointer holds the only entry: a VMA, if the tree holds one. */
static void vt_root_entry(struct mm_struct *mm, void *entry, struct mmscope_vmatree *req)
{
	struct vm_area_struct *vma = entry;

	req->out_flags |= MMSCOPE_VMATREE_ROOT_ENTRY;
	if (xa_is_internal(entry) || !IS_ALIGNED((unsigned long)entry, sizeof(long)) ||
	    !virt_addr_valid(entry))
		return;
	req->root_entry_start = vma->vm_start;
	req->root_entry_end = vma->vm_end;
}

/* The walk of one batch, with the mmap read lock held. */
static int vt_walk_batch(struct vt_walk *w, struct mmscope_vmatree *req,
			 struct mmscope_vmatree_node *recs, unsigned int max)
{
	struct mmscope_vmatree_cursor *cur = &req->cursor;
	struct mm_struct *mm = w->mm;
	unsigned int n = 0, depth;
	unsigned long lo, hi;
	void *root, *enode;

	lockdep_assert_held(&mm->mmap_lock);
	req->height = mt_height(&mm->mm_mt);
	req->ma_flags = mm->mm_mt.ma_flags;
	w->height = req->height;
	root = rcu_dereference_check(mm->mm_mt.ma_root, lockdep_is_held(&mm->mmap_lock));
	/* mte_mk_root(): the root pointer of a tree with nodes has bit 1 set. */
	if (!xa_is_node(root) || !virt_addr_valid(vt_to_node(root))) {
		/* A walk resumed in nodes that are gone: not the same tree. */
		if (cur->id && cur->depth) {
			req->out_flags |= MMSCOPE_VMATREE_CHANGED;
			return 0;
		}
		if (root)
			vt_root_entry(mm, root, req);
		req->out_flags |= MMSCOPE_VMATREE_DONE;
		return 0;
	}

	if (cur->id && !cur->depth) {	/* the cursor of a finished walk */
		req->out_flags |= MMSCOPE_VMATREE_DONE;
		req->node_count = cur->id;
		return 0;
	}
	w->next_id = cur->id;
	w->vmas = cur->vmas_before;
	depth = cur->depth;
	enode = vt_resume(w, cur, root);
	if (!enode) {
		req->out_flags |= MMSCOPE_VMATREE_CHANGED;
		return 0;
	}
	lo = w->path[depth].min;
	hi = w->path[depth].max;

	for (;;) {
		struct vt_frame *f = &w->path[depth];

		if (n == max) {
			vt_save_cursor(w, cur, depth, lo);
			return n;
		}
		vt_decode(w, f, enode, lo, hi, depth);
		f->id = w->next_id++;
		f->parent_slot = depth ? w->path[depth - 1].next - 1 : 0;
		vt_fill(w, depth, &recs[n++]);

		/* The next node in depth-first order: a child, or an uncle. */
		enode = NULL;
		for (;;) {
			f = &w->path[depth];
			if (depth + 1 < MMSCOPE_VMATREE_DEPTH)
				enode = vt_next_child(w, f);
			if (enode)
				break;
			if (!depth--)
				break;
		}
		if (!enode)
			break;
		vt_slot_range(f, f->next - 1, &lo, &hi);
		depth++;
	}
	req->out_flags |= MMSCOPE_VMATREE_DONE;
	req->node_count = w->next_id;
	vt_save_cursor(w, cur, 0, 0);
	cur->id = w->next_id;
	return n;
}

/**
 * mmscope_vmatree_fill - the next batch of nodes of @mm's VMA tree
 * @vw: the walk a resumed call must continue (the caller's file)
 * @mm: the target's mm
 * @req: the request: its cursor and seq are read and advanced; height,
 *	ma_flags, node_count, root_entry_* and out_flags are set
 * @recs: room for @max records
 * @max: at most MMSCOPE_VMATREE_BATCH
 *
 * Locking: takes and drops @vw's mutex, then the mmap read lock of @mm.
 *
 * Return: the records filled, or -EINTR or -ENOMEM.
 */
int mmscope_vmatree_fill(struct mmscope_vmatree_walk *vw, struct mm_struct *mm,
			 struct mmscope_vmatree *req, struct mmscope_vmatree_node *recs,
			 unsigned int max)
{
	struct vt_walk *w;
	bool resume = req->cursor.id != 0;
	u64 seq;
	int n;

	req->out_flags = 0;
	req->node_count = 0;
	req->root_entry_start = 0;
	req->root_entry_end = 0;
	/* A cursor of another mm's tree, or of another walk: meaningless here. */
	if (!vt_same_walk(vw, mm, req)) {
		req->out_flags |= MMSCOPE_VMATREE_CHANGED;
		return 0;
	}
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->mm = mm;

	if (mmap_read_lock_killable(mm)) {
		n = -EINTR;
		goto out_free_walk;
	}
	if (mmscope_mm_write_seq(mm, &seq)) {
		req->out_flags |= MMSCOPE_VMATREE_HAS_SEQ;
		if (resume && seq != req->seq) {
			req->out_flags |= MMSCOPE_VMATREE_CHANGED;
			n = 0;
			goto out_unlock;
		}
		req->seq = seq;
	}
	n = vt_walk_batch(w, req, recs, max);
out_unlock:
	mmap_read_unlock(mm);
out_free_walk:
	kfree(w);
	return n;
}

/**
 * mmscope_vmatree_copy - MMSCOPE_IOC_VMATREE
 * @vw: the file's walk
 * @mm: the target's mm, or NULL for a kernel thread (no tree)
 * @req: the validated request
 *
 * Kernel memory is one batch whatever the request; it is copied out with
 * the mmap lock dropped.
 *
 * Return: 0, -EINTR, -ENOMEM or -EFAULT.
 */
int mmscope_vmatree_copy(struct mmscope_vmatree_walk *vw, struct mm_struct *mm,
			 struct mmscope_vmatree *req)
{
	void __user *dst = u64_to_user_ptr(req->records_ptr);
	struct mmscope_vmatree_node *recs;
	u32 max = min_t(u32, req->count, MMSCOPE_VMATREE_BATCH);
	int n, i, ret = 0;

	if (!mm) {
		req->count = 0;
		/* A resumed walk whose target has no mm now: not the same tree. */
		req->out_flags = req->cursor.id ? MMSCOPE_VMATREE_CHANGED :
						  MMSCOPE_VMATREE_DONE;
		return 0;
	}
	recs = kvmalloc_array(max, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	n = mmscope_vmatree_fill(vw, mm, req, recs, max);
	if (n < 0) {
		ret = n;
		goto out_free_recs;
	}
	for (i = 0; i < n && !ret; i++)
		ret = mmscope_copy_record(dst + (size_t)i * req->record_size,
					  req->record_size, &recs[i], sizeof(recs[i]));
	req->count = n;
out_free_recs:
	kvfree(recs);
	return ret;
}

/* debugfs vmatree: one node per block, indented by depth. */
void mmscope_seq_vmatree_node(struct seq_file *m, const struct mmscope_vmatree_node *r)
{
	static const char * const types[] = {
		[MMSCOPE_VMATREE_LEAF_64] = "leaf_64",
		[MMSCOPE_VMATREE_RANGE_64] = "range_64",
		[MMSCOPE_VMATREE_ARANGE_64] = "arange_64",
	};
	unsigned int ind = r->depth * 2, i;

	seq_printf(m, "%*snode %u %s depth=%u parent=%d slot=%u [%llx, %llx]",
		   ind, "", r->id, r->type < ARRAY_SIZE(types) && types[r->type] ?
		   types[r->type] : "unknown", r->depth, (int)r->parent, r->parent_slot,
		   r->min, r->max);
	if (r->flags)
		seq_printf(m, " flags=%#x", r->flags);
	seq_putc(m, '\n');
	for (i = 0; i < r->nr_slots; i++) {
		const struct mmscope_vmatree_slot *s = &r->slots[i];

		seq_printf(m, "%*s  %2u [%llx, %llx]", ind, "", i, s->min, s->max);
		if (r->type == MMSCOPE_VMATREE_ARANGE_64)
			seq_printf(m, " gap=%llx", r->gaps[i]);
		switch (s->kind) {
		case MMSCOPE_VMATREE_SLOT_NODE:
			seq_puts(m, " node\n");
			break;
		case MMSCOPE_VMATREE_SLOT_VMA:
			seq_printf(m, " vma %llx-%llx #%llu%s\n", s->vma_start, s->vma_end,
				   s->vma_index,
				   s->flags & MMSCOPE_VMATREE_SLOT_MISMATCH ? " mismatch" : "");
			break;
		case MMSCOPE_VMATREE_SLOT_OTHER:
			seq_puts(m, " other\n");
			break;
		default:
			seq_puts(m, " empty\n");
		}
	}
}
