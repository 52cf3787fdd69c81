// SPDX-License-Identifier: GPL-2.0
/*
 * The fault lab: mmap() of /dev/mmscope maps memory whose vm_operations are
 * ours (faultlab_vmops.c), so every fault, fault-around, mkwrite, access
 * and VMA event is counted (faultlab_count.c), and the page-level ones are
 * logged (faultlog.c). This file is a lab's life: its file, setup, mmap()
 * and cleaning, the labs' list and budget, and their stats.
 *
 * PAGE and PATTERN keep their pages in the page cache of an inode of our
 * own pseudo filesystem, as DRM does, and the open file's f_mapping points
 * there. PFN and MIXED are device memory: pages the module owns, in the
 * lab's xarray.
 *
 * A lab belongs to an open file, and every VMA that maps it holds that
 * file. So the lab lives exactly as long as its last mapping or descriptor,
 * is freed once, by ->release, and pins the module (fops owner) meanwhile.
 *
 * Locking: lab->lock serialises setup against mmap() and stats; a lab's
 * mode, flags and size are written under it, before its id, and never
 * change once the id is set. mmscope_labs_lock guards the list of set-up
 * labs, their ids and the budget.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/migrate_mode.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pseudo_fs.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "faultlab.h"

static unsigned long faultlab_max_bytes = 64UL << 20;
module_param(faultlab_max_bytes, ulong, 0444);
MODULE_PARM_DESC(faultlab_max_bytes, "Largest fault lab in bytes (default 64 MiB)");

static unsigned long faultlab_budget_bytes = 256UL << 20;
module_param(faultlab_budget_bytes, ulong, 0444);
MODULE_PARM_DESC(faultlab_budget_bytes,
		 "Bytes all fault labs together may hold (default 256 MiB)");

#define MMSCOPE_LAB_FS_MAGIC	0x6d6d6c62	/* "mmlb" */

#define MMSCOPE_LAB_MODE_NAME(value, name)				\
	[value] = name,
static const char *const mmscope_lab_mode_names[MMSCOPE_FAULTLAB_MODE_COUNT] = {
	MMSCOPE_NAMES_FAULTLAB_MODE(MMSCOPE_LAB_MODE_NAME)
};

static LIST_HEAD(mmscope_labs);
static DEFINE_MUTEX(mmscope_labs_lock);	/* the list, ids and the budget */
static u64 mmscope_lab_last_id;
static unsigned int mmscope_labs_alive;	/* entries of mmscope_labs */
static atomic_t mmscope_lab_files;	/* labs made, set up or not */
static unsigned long mmscope_lab_budget_pages;	/* reserved by live labs */

static struct vfsmount *mmscope_lab_mnt;
static int mmscope_lab_mnt_count;

static int mmscope_lab_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MMSCOPE_LAB_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type mmscope_lab_fs = {
	.owner		 = THIS_MODULE,
	.name		 = "mmscope_lab",
	.init_fs_context = mmscope_lab_init_fs_context,
	.kill_sb	 = kill_anon_super,
};

/**
 * mmscope_lab_mmap - map a set-up lab
 * @lab: the open file's lab
 * @vma: the new VMA; the caller holds the mmap write lock
 *
 * Return: 0; ENODEV before setup; ENXIO for an offset past the end; for
 * device memory EINVAL unless MAP_SHARED, EPERM for PROT_EXEC.
 */
int mmscope_lab_mmap(struct mmscope_lab *lab, struct vm_area_struct *vma)
{
	unsigned long set;
	int ret = 0;

	mutex_lock(&lab->lock);
	if (!lab->id) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (vma->vm_pgoff >= lab->npages) {
		ret = -ENXIO;
		goto out_unlock;
	}
	if (mmscope_lab_is_device(lab)) {
		/* vmf_insert_pfn() cannot COW: it BUGs on a private mapping. */
		if (is_cow_mapping(vma->vm_flags)) {
			ret = -EINVAL;
			goto out_unlock;
		}
		if (vma->vm_flags & VM_EXEC) {
			ret = -EPERM;
			goto out_unlock;
		}
		set = lab->mode == MMSCOPE_FAULTLAB_PFN ? VM_IO | VM_PFNMAP :
							  VM_MIXEDMAP;
		vm_flags_mod(vma, set | VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
		vma->vm_ops = &mmscope_lab_device_ops;
	} else if (lab->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND) {
		vma->vm_ops = &mmscope_lab_cache_nofa_ops;
	} else {
		vma->vm_ops = &mmscope_lab_cache_ops;
	}
	vma->vm_private_data = lab;
	mmscope_lab_count(lab, MMSCOPE_LAB_mmaps, 1);
out_unlock:
	mutex_unlock(&lab->lock);
	return ret;
}

/* PFN and MIXED: free the pages; no VMA maps them, or none was set up. */
static void mmscope_lab_free_device_pages(struct mmscope_lab *lab)
{
	struct page *page;
	unsigned long index;

	xa_for_each(&lab->pages, index, page)
		__free_page(page);
	xa_destroy(&lab->pages);
	atomic_long_set(&lab->device_pages, 0);
}

/* Take @pages from the labs' common budget. */
static int mmscope_lab_budget_take(unsigned long pages)
{
	lockdep_assert_held(&mmscope_labs_lock);
	/* No overflow: a lab is at most faultlab_max_bytes. */
	if (mmscope_lab_budget_pages + pages > faultlab_budget_bytes >> PAGE_SHIFT)
		return -ENOMEM;
	mmscope_lab_budget_pages += pages;
	return 0;
}

/* Give @pages back to the labs' common budget. */
static void mmscope_lab_budget_put(unsigned long pages)
{
	lockdep_assert_held(&mmscope_labs_lock);
	mmscope_lab_budget_pages -= pages;
}

/*
 * A HUGE lab's memory, allocated at setup: 2 MiB blocks, contiguous and
 * aligned as ->huge_fault needs them, split into pages so that each is
 * an entry of @lab->pages and is freed as any other.
 */
static int mmscope_lab_alloc_blocks(struct mmscope_lab *lab)
{
	pgoff_t pgoff, i;
	struct page *block;
	int ret;

	lockdep_assert_held(&lab->lock);
	for (pgoff = 0; pgoff < lab->npages; pgoff += MMSCOPE_LAB_BLOCK_PAGES) {
		block = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_NOWARN, MMSCOPE_LAB_BLOCK_ORDER);
		if (!block)
			return -ENOMEM;
		split_page(block, MMSCOPE_LAB_BLOCK_ORDER);
		for (i = 0; i < MMSCOPE_LAB_BLOCK_PAGES; i++) {
			mmscope_lab_fill(lab, block + i, pgoff + i);
			ret = xa_insert(&lab->pages, pgoff + i, block + i, GFP_KERNEL_ACCOUNT);
			if (ret) {
				/* Those stored go with the lab; these now. */
				for (; i < MMSCOPE_LAB_BLOCK_PAGES; i++)
					__free_page(block + i);
				return ret;
			}
			atomic_long_inc(&lab->device_pages);
		}
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/**
 * mmscope_lab_setup_check - whether a setup request may be carried out
 * @req: the request
 *
 * Return: 0, EINVAL or EOPNOTSUPP, as mmscope_lab_setup() says; checked
 * before a read-only file is given a lab, so that a refused request
 * leaves none behind.
 */
int mmscope_lab_setup_check(const struct mmscope_faultlab_setup *req)
{
	if ((req->flags & ~MMSCOPE_FAULTLAB_SETUP_FLAGS) || req->reserved ||
	    !req->mode || req->mode >= MMSCOPE_FAULTLAB_MODE_COUNT ||
	    !req->length || !PAGE_ALIGNED(req->length) ||
	    req->length > faultlab_max_bytes)
		return -EINVAL;
	if ((req->flags & MMSCOPE_FAULTLAB_HUGE) &&
	    (req->mode != MMSCOPE_FAULTLAB_PFN || !IS_ALIGNED(req->length, PMD_SIZE)))
		return -EINVAL;
	if ((req->flags & MMSCOPE_FAULTLAB_HUGE) && !IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * mmscope_lab_setup - give a lab its mode and size, once
 * @lab: the open file's lab
 * @req: the request; @req->lab_id is filled in
 *
 * Return: 0, EINVAL for a bad request or a length above faultlab_max_bytes,
 * ENOMEM when the labs' budget cannot hold it (or, HUGE, no 2 MiB block is
 * free), EINTR if a fatal signal stopped a HUGE lab's allocation, EBUSY if
 * already set up, EOPNOTSUPP for HUGE on a kernel without THP (no
 * vmf_insert_pfn_pmd()).
 */
int mmscope_lab_setup(struct mmscope_lab *lab, struct mmscope_faultlab_setup *req)
{
	unsigned long pages;
	int ret;

	ret = mmscope_lab_setup_check(req);
	if (ret)
		return ret;
	pages = req->length >> PAGE_SHIFT;

	mutex_lock(&lab->lock);
	if (lab->id) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* filemap_map_pages() maps nothing past i_size. */
	i_size_write(lab->inode, req->length);
	lab->mode = req->mode;
	lab->flags = req->flags;
	lab->npages = pages;

	mutex_lock(&mmscope_labs_lock);
	ret = mmscope_lab_budget_take(pages);
	mutex_unlock(&mmscope_labs_lock);
	if (ret)
		goto out_reset;
	if (lab->flags & MMSCOPE_FAULTLAB_HUGE) {
		ret = mmscope_lab_alloc_blocks(lab);
		if (ret)
			goto out_free_blocks;
	}
	mutex_lock(&mmscope_labs_lock);
	WRITE_ONCE(lab->id, ++mmscope_lab_last_id);
	list_add_tail(&lab->node, &mmscope_labs);
	WRITE_ONCE(mmscope_labs_alive, mmscope_labs_alive + 1);
	mutex_unlock(&mmscope_labs_lock);
	req->lab_id = lab->id;
	mutex_unlock(&lab->lock);
	return 0;

out_free_blocks:
	mmscope_lab_free_device_pages(lab);
	mutex_lock(&mmscope_labs_lock);
	mmscope_lab_budget_put(pages);
	mutex_unlock(&mmscope_labs_lock);
out_reset:
	i_size_write(lab->inode, 0);
	lab->mode = 0;
	lab->flags = 0;
	lab->npages = 0;
out_unlock:
	mutex_unlock(&lab->lock);
	return ret;
}

/**
 * mmscope_lab_clean - fsync() and msync(MS_SYNC): "write back" dirty pages
 * @lab: the open file's lab
 * @start: first byte
 * @end: last byte
 *
 * There is no backing store to write to; cleaning write-protects the page
 * in every mapping (folio_mkclean()) and clears its dirty flag, so the
 * next write to it calls ->page_mkwrite again, as after real writeback.
 *
 * Return: 0, or EINTR if a fatal signal stopped it.
 */
int mmscope_lab_clean(struct mmscope_lab *lab, loff_t start, loff_t end)
{
	struct address_space *mapping = lab->inode->i_mapping;
	pgoff_t index = start >> PAGE_SHIFT;
	pgoff_t last = end >> PAGE_SHIFT;
	struct folio_batch fbatch;
	unsigned int i, cleaned = 0;
	int ret = 0;

	if (!lab->id || mmscope_lab_is_device(lab))
		return 0;
	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			folio_lock(folio);
			if (folio->mapping == mapping && folio_test_dirty(folio)) {
				folio_mkclean(folio);
				cleaned += folio_test_clear_dirty(folio);
			}
			folio_unlock(folio);
		}
		folio_batch_release(&fbatch);
		cond_resched();
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	mmscope_lab_count(lab, MMSCOPE_LAB_pages_cleaned, cleaned);
	return ret;
}

/* Backing pages a lab holds now. */
static unsigned long mmscope_lab_resident(const struct mmscope_lab *lab)
{
	if (mmscope_lab_is_device(lab))
		return atomic_long_read(&lab->device_pages);
	return READ_ONCE(lab->inode->i_mapping->nrpages);
}

u64 mmscope_lab_id(const struct mmscope_lab *lab)
{
	return READ_ONCE(lab->id);
}

/* Fill the output fields of MMSCOPE_IOC_FAULTLAB_STATS; @lab may be NULL. */
void mmscope_lab_stats(struct mmscope_lab *lab, struct mmscope_faultlab_stats *out)
{
	if (!lab)
		goto out_global;
	mutex_lock(&lab->lock);
	if (lab->id) {
		out->lab_id = lab->id;
		out->mode = lab->mode;
		out->setup_flags = lab->flags;
		out->length = (u64)lab->npages << PAGE_SHIFT;
		out->pages_resident = mmscope_lab_resident(lab);
		mmscope_lab_counters(lab, &out->lab);
	}
	mutex_unlock(&lab->lock);

out_global:
	out->labs = READ_ONCE(mmscope_labs_alive);
	out->lab_files = atomic_read(&mmscope_lab_files);
	out->log_size = mmscope_log_capacity();
	mmscope_lab_counters(NULL, &out->global);
}

/* debugfs faultlab/stats: one line for all labs, then one per live lab. */
int mmscope_lab_seq_stats(struct seq_file *m)
{
	struct mmscope_lab *lab;

	mutex_lock(&mmscope_labs_lock);
	seq_printf(m, "global labs=%u log_size=%u budget_pages=%lu",
		   mmscope_labs_alive, mmscope_log_capacity(), mmscope_lab_budget_pages);
	mmscope_seq_lab_counts(m, NULL);
	list_for_each_entry(lab, &mmscope_labs, node) {
		seq_printf(m, "lab=%llu mode=%s fault_around=%s huge=%s length=%lu resident=%lu",
			   lab->id, mmscope_lab_mode_names[lab->mode],
			   mmscope_lab_is_device(lab) ||
			   (lab->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND) ? "off" : "on",
			   lab->flags & MMSCOPE_FAULTLAB_HUGE ? "on" : "off",
			   lab->npages << PAGE_SHIFT, mmscope_lab_resident(lab));
		mmscope_seq_lab_counts(m, lab);
	}
	mutex_unlock(&mmscope_labs_lock);
	return 0;
}

static int mmscope_lab_migrate_folio(struct address_space *mapping, struct folio *dst,
				     struct folio *src, enum migrate_mode mode)
{
	return -EBUSY;
}

static const struct address_space_operations mmscope_lab_aops = {
	.dirty_folio	= noop_dirty_folio,
	.migrate_folio	= mmscope_lab_migrate_folio,
};

/**
 * mmscope_lab_create - the lab of a newly opened file
 * @file: the file; its f_mapping becomes the lab's page cache
 *
 * A file opened for writing gets one at open(), unused until setup, because
 * its f_mapping must not change once it can be mapped: mmap_region() counts
 * a shared writable mapping in f_mapping before our ->mmap and uncounts it
 * after. A read-only file can map nothing writable, so it gets its lab at
 * its first setup (mmscope_file_lab()).
 *
 * Return: the lab or an ERR_PTR.
 */
struct mmscope_lab *mmscope_lab_create(struct file *file)
{
	struct mmscope_lab *lab;
	struct inode *inode;
	int ret;

	lab = kzalloc(sizeof(*lab), GFP_KERNEL);
	if (!lab)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&lab->node);
	mutex_init(&lab->lock);
	xa_init(&lab->pages);

	ret = simple_pin_fs(&mmscope_lab_fs, &mmscope_lab_mnt, &mmscope_lab_mnt_count);
	if (ret)
		goto out_free_lab;
	inode = alloc_anon_inode(mmscope_lab_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto out_release_fs;
	}
	/*
	 * Not movable, so that a PFN the lab showed stays the page's: no
	 * __GFP_MOVABLE, and ->migrate_folio refuses (without one, compaction
	 * would migrate a clean folio). Not evictable: there is no backing.
	 */
	inode->i_mapping->a_ops = &mmscope_lab_aops;
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(inode->i_mapping);
	lab->inode = inode;
	file->f_mapping = inode->i_mapping;
	atomic_inc(&mmscope_lab_files);
	return lab;

out_release_fs:
	simple_release_fs(&mmscope_lab_mnt, &mmscope_lab_mnt_count);
out_free_lab:
	mutex_destroy(&lab->lock);
	kfree(lab);
	return ERR_PTR(ret);
}

/**
 * mmscope_lab_destroy - free a lab, from the file's ->release
 * @lab: the lab
 * @file: its file, whose last reference is going: no VMA maps the lab
 */
void mmscope_lab_destroy(struct mmscope_lab *lab, struct file *file)
{
	if (lab->id) {
		mutex_lock(&mmscope_labs_lock);
		list_del(&lab->node);
		WRITE_ONCE(mmscope_labs_alive, mmscope_labs_alive - 1);
		mmscope_lab_budget_put(lab->npages);
		mutex_unlock(&mmscope_labs_lock);
	}
	file->f_mapping = file_inode(file)->i_mapping;
	iput(lab->inode);	/* eviction truncates the page cache */
	simple_release_fs(&mmscope_lab_mnt, &mmscope_lab_mnt_count);
	mmscope_lab_free_device_pages(lab);
	mutex_destroy(&lab->lock);
	kfree(lab);
	atomic_dec(&mmscope_lab_files);
}
