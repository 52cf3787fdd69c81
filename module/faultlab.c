// SPDX-License-Identifier: GPL-2.0
/*
 * The fault lab: mmap() of /dev/mmscope maps memory whose vm_operations are
 * ours, so every fault, fault-around, mkwrite, access and VMA event is
 * counted, and the page-level ones are logged (faultlog.c).
 *
 * PAGE and PATTERN keep their pages in the page cache of an inode of our
 * own pseudo filesystem, as DRM does, and the open file's f_mapping points
 * there. That is what lets ->map_pages be filemap_map_pages(): the helpers
 * that map a page from a fault handler (set_pte_range(), finish_fault(),
 * vmf_insert_page()) are not exported. ->fault returns the page locked in
 * vmf->page; the core maps it, or copies it for a private write.
 *
 * PFN and MIXED are device memory: pages the module owns, inserted by
 * ->fault with vmf_insert_pfn() or vmf_insert_mixed().
 *
 * A lab belongs to an open file, and every VMA that maps it holds that
 * file. So the lab lives exactly as long as its last mapping or descriptor,
 * is freed once, by ->release, and pins the module (fops owner) meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/migrate_mode.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include <linux/rmap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

static unsigned long faultlab_max_bytes = 64UL << 20;
module_param(faultlab_max_bytes, ulong, 0444);
MODULE_PARM_DESC(faultlab_max_bytes, "Largest fault lab in bytes (default 64 MiB)");

static unsigned long faultlab_budget_bytes = 256UL << 20;
module_param(faultlab_budget_bytes, ulong, 0444);
MODULE_PARM_DESC(faultlab_budget_bytes,
		 "Bytes all fault labs together may hold (default 256 MiB)");

#define MMSCOPE_LAB_FS_MAGIC	0x6d6d6c62	/* "mmlb" */

/* In the order of struct mmscope_faultlab_counters. */
enum mmscope_lab_count {
	MMSCOPE_LAB_MMAPS,
	MMSCOPE_LAB_OPENS,
	MMSCOPE_LAB_CLOSES,
	MMSCOPE_LAB_MAY_SPLITS,
	MMSCOPE_LAB_MREMAPS,
	MMSCOPE_LAB_FAULTS_READ,
	MMSCOPE_LAB_FAULTS_WRITE,
	MMSCOPE_LAB_FAULTS_PAGE,
	MMSCOPE_LAB_FAULTS_NOPAGE,
	MMSCOPE_LAB_FAULTS_SIGBUS,
	MMSCOPE_LAB_FAULTS_OOM,
	MMSCOPE_LAB_MAP_PAGES_CALLS,
	MMSCOPE_LAB_MAP_PAGES_PAGES,
	MMSCOPE_LAB_PAGE_MKWRITES,
	MMSCOPE_LAB_PFN_MKWRITES,
	MMSCOPE_LAB_ACCESS_CALLS,
	MMSCOPE_LAB_ACCESS_BYTES,
	MMSCOPE_LAB_PAGES_FILLED,
	MMSCOPE_LAB_PAGES_CLEANED,
	MMSCOPE_LAB_NR_COUNTS
};

static const char *const mmscope_lab_count_names[MMSCOPE_LAB_NR_COUNTS] = {
	"mmaps", "opens", "closes", "may_splits", "mremaps", "faults_read",
	"faults_write", "faults_page", "faults_nopage", "faults_sigbus",
	"faults_oom", "map_pages_calls", "map_pages_pages", "page_mkwrites",
	"pfn_mkwrites", "access_calls", "access_bytes", "pages_filled",
	"pages_cleaned",
};

static const char *const mmscope_lab_mode_names[MMSCOPE_FAULTLAB_MODE_COUNT] = {
	[MMSCOPE_FAULTLAB_PAGE] = "page",
	[MMSCOPE_FAULTLAB_PATTERN] = "pattern",
	[MMSCOPE_FAULTLAB_PFN] = "pfn",
	[MMSCOPE_FAULTLAB_MIXED] = "mixed",
};

/* What vm_ops->name says; /proc/PID/maps prefers the file's path. */
static const char *const mmscope_lab_vma_names[MMSCOPE_FAULTLAB_MODE_COUNT] = {
	[MMSCOPE_FAULTLAB_PAGE] = "[mmscope:page]",
	[MMSCOPE_FAULTLAB_PATTERN] = "[mmscope:pattern]",
	[MMSCOPE_FAULTLAB_PFN] = "[mmscope:pfn]",
	[MMSCOPE_FAULTLAB_MIXED] = "[mmscope:mixed]",
};

struct mmscope_lab {
	struct list_head node;		/* on mmscope_labs once set up */
	struct mutex lock;		/* serialises setup against mmap */
	struct inode *inode;		/* its page cache backs PAGE and PATTERN */
	struct xarray pages;		/* PFN and MIXED: pgoff -> struct page */
	atomic_long_t device_pages;	/* entries in @pages */
	u64 id;				/* 0 until set up; then fixed */
	u32 mode;
	u32 flags;
	pgoff_t npages;
	atomic64_t counts[MMSCOPE_LAB_NR_COUNTS];
};

static LIST_HEAD(mmscope_labs);
static DEFINE_MUTEX(mmscope_labs_lock);	/* the list, ids and the budget */
static u64 mmscope_lab_last_id;
static unsigned int mmscope_labs_alive;	/* entries of mmscope_labs */
static atomic_t mmscope_lab_files;	/* labs made, set up or not */
static unsigned long mmscope_lab_budget_pages;	/* reserved by live labs */
static atomic64_t mmscope_lab_global[MMSCOPE_LAB_NR_COUNTS];

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

static bool mmscope_lab_is_device(const struct mmscope_lab *lab)
{
	return lab->mode == MMSCOPE_FAULTLAB_PFN ||
	       lab->mode == MMSCOPE_FAULTLAB_MIXED;
}

static void mmscope_lab_count(struct mmscope_lab *lab, enum mmscope_lab_count c,
			      s64 n)
{
	atomic64_add(n, &lab->counts[c]);
	atomic64_add(n, &mmscope_lab_global[c]);
}

/* Log a handler's run on the page offsets @first..@last of @vmf's VMA. */
static void mmscope_lab_log(struct mmscope_lab *lab, u32 handler,
			    const struct vm_fault *vmf, pgoff_t first, pgoff_t last,
			    vm_fault_t ret, u64 pfn, u64 nr)
{
	struct mmscope_faultlab_event ev = {
		.lab_id = lab->id,
		.addr = vmf->address,
		.pgoff = first,
		.pgoff_last = last,
		.nr = nr,
		.pfn = pfn,
		.handler = handler,
		.fault_flags = mmscope_fault_flags(vmf->flags),
		.result = mmscope_fault_result(ret),
	};

	mmscope_log_event(&ev);
}

/* Give a new backing page its contents: zeroes, or the PATTERN record. */
static void mmscope_lab_fill(struct mmscope_lab *lab, struct page *page,
			     pgoff_t pgoff)
{
	struct mmscope_faultlab_pattern pattern, *dst;
	unsigned int i;

	pattern.fill = atomic64_inc_return(&lab->counts[MMSCOPE_LAB_PAGES_FILLED]);
	atomic64_inc(&mmscope_lab_global[MMSCOPE_LAB_PAGES_FILLED]);
	if (lab->mode != MMSCOPE_FAULTLAB_PATTERN) {
		clear_highpage(page);
		return;
	}
	pattern.magic = MMSCOPE_FAULTLAB_MAGIC;
	pattern.lab_id = lab->id;
	pattern.pgoff = pgoff;
	dst = kmap_local_page(page);
	for (i = 0; i < PAGE_SIZE / sizeof(pattern); i++)
		dst[i] = pattern;
	kunmap_local(dst);
	flush_dcache_page(page);
}

static void mmscope_lab_fault_done(struct mmscope_lab *lab, struct vm_fault *vmf,
				   vm_fault_t ret, u64 pfn)
{
	mmscope_lab_count(lab, vmf->flags & FAULT_FLAG_WRITE ?
			  MMSCOPE_LAB_FAULTS_WRITE : MMSCOPE_LAB_FAULTS_READ, 1);
	if (ret & VM_FAULT_LOCKED)
		mmscope_lab_count(lab, MMSCOPE_LAB_FAULTS_PAGE, 1);
	else if (ret & VM_FAULT_NOPAGE)
		mmscope_lab_count(lab, MMSCOPE_LAB_FAULTS_NOPAGE, 1);
	else if (ret & VM_FAULT_SIGBUS)
		mmscope_lab_count(lab, MMSCOPE_LAB_FAULTS_SIGBUS, 1);
	else if (ret & VM_FAULT_OOM)
		mmscope_lab_count(lab, MMSCOPE_LAB_FAULTS_OOM, 1);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_FAULT, vmf, vmf->pgoff, vmf->pgoff,
			ret, pfn, 0);
}

/*
 * PAGE and PATTERN: the page-cache folio at the offset, created and filled
 * on first use, returned locked. Its reference goes to the page table.
 */
static vm_fault_t mmscope_lab_fault_cache(struct vm_fault *vmf)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	struct folio *folio;
	vm_fault_t ret;
	u64 pfn = 0;

	if (vmf->pgoff >= lab->npages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	folio = mmscope_filemap_grab_folio(lab->inode->i_mapping, vmf->pgoff);
	if (IS_ERR(folio)) {
		ret = vmf_error(PTR_ERR(folio));
		goto out;
	}
	/* A folio is filled under its lock, before it is marked uptodate. */
	if (!folio_test_uptodate(folio)) {
		mmscope_lab_fill(lab, &folio->page, vmf->pgoff);
		folio_mark_uptodate(folio);
	}
	vmf->page = folio_file_page(folio, vmf->pgoff);
	pfn = page_to_pfn(vmf->page);
	ret = VM_FAULT_LOCKED;
out:
	mmscope_lab_fault_done(lab, vmf, ret, pfn);
	return ret;
}

/*
 * Entries of the fault-around window that are not empty. The window lies
 * in the one page table under vmf->pmd; it is read locklessly under RCU,
 * which is enough for a count (a racing fault on the same window can blur
 * it, and docs/internals/faultlab.md says so).
 */
static unsigned int mmscope_lab_present(const struct vm_fault *vmf,
					pgoff_t start, pgoff_t end)
{
	unsigned long addr = vmf->address - ((vmf->pgoff - start) << PAGE_SHIFT);
	unsigned int n = 0;
	pte_t *ptep;
	pmd_t pmd;

	rcu_read_lock();
	pmd = pmdp_get_lockless(vmf->pmd);
	if (pmd_none(pmd) || !pmd_present(pmd) || pmd_leaf(pmd) || pmd_bad(pmd))
		goto out;
	ptep = pte_offset_kernel(&pmd, addr);
	for (; start <= end; start++, ptep++)
		n += !pte_none(ptep_get(ptep));
out:
	rcu_read_unlock();
	return n;
}

/* Fault-around: map what the page cache already holds near the fault. */
static vm_fault_t mmscope_lab_map_pages(struct vm_fault *vmf, pgoff_t start,
					pgoff_t end)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	unsigned int before, after;
	vm_fault_t ret;

	before = mmscope_lab_present(vmf, start, end);
	ret = filemap_map_pages(vmf, start, end);
	after = mmscope_lab_present(vmf, start, end);
	after = max(after, before);

	mmscope_lab_count(lab, MMSCOPE_LAB_MAP_PAGES_CALLS, 1);
	mmscope_lab_count(lab, MMSCOPE_LAB_MAP_PAGES_PAGES, after - before);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_MAP_PAGES, vmf, start, end, ret, 0,
			after - before);
	return ret;
}

/* A shared mapping's first write to a clean page: dirty it, as filemaps do. */
static vm_fault_t mmscope_lab_page_mkwrite(struct vm_fault *vmf)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	struct folio *folio = page_folio(vmf->page);
	vm_fault_t ret;

	folio_lock(folio);
	if (folio->mapping != lab->inode->i_mapping) {
		folio_unlock(folio);
		ret = VM_FAULT_NOPAGE;	/* gone from the cache: fault again */
	} else {
		folio_mark_dirty(folio);
		ret = VM_FAULT_LOCKED;
	}
	mmscope_lab_count(lab, MMSCOPE_LAB_PAGE_MKWRITES, 1);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_PAGE_MKWRITE, vmf, vmf->pgoff,
			vmf->pgoff, ret, folio_pfn(folio), 0);
	return ret;
}

/* PFN and MIXED: the module's page at @pgoff, allocated on first use. */
static struct page *mmscope_lab_device_page(struct mmscope_lab *lab, pgoff_t pgoff)
{
	struct page *page, *old;

	page = xa_load(&lab->pages, pgoff);
	if (page)
		return page;
	page = alloc_page(GFP_KERNEL_ACCOUNT);
	if (!page)
		return ERR_PTR(-ENOMEM);
	mmscope_lab_fill(lab, page, pgoff);
	old = xa_cmpxchg(&lab->pages, pgoff, NULL, page, GFP_KERNEL_ACCOUNT);
	if (old) {
		__free_page(page);	/* lost a race, or no memory */
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	atomic_long_inc(&lab->device_pages);
	return page;
}

static vm_fault_t mmscope_lab_fault_device(struct vm_fault *vmf)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	struct page *page;
	unsigned long pfn;
	vm_fault_t ret;

	if (vmf->pgoff >= lab->npages) {
		ret = VM_FAULT_SIGBUS;
		pfn = 0;
		goto out;
	}
	page = mmscope_lab_device_page(lab, vmf->pgoff);
	if (IS_ERR(page)) {
		ret = vmf_error(PTR_ERR(page));
		pfn = 0;
		goto out;
	}
	pfn = page_to_pfn(page);
	if (lab->mode == MMSCOPE_FAULTLAB_PFN)
		ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	else
		ret = vmf_insert_mixed(vmf->vma, vmf->address,
				       pfn_to_pfn_t(pfn));
out:
	mmscope_lab_fault_done(lab, vmf, ret, pfn);
	return ret;
}

/* The pages of a HUGE lab's block: one PMD entry maps them. */
#define MMSCOPE_LAB_BLOCK_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define MMSCOPE_LAB_BLOCK_PAGES	BIT(MMSCOPE_LAB_BLOCK_ORDER)

/*
 * A HUGE lab's block with one PMD entry, a pmd_special() leaf, when the VMA
 * covers the block's 2 MiB at an aligned address and file offset; else
 * the 4K ->fault maps it page by page. A write to the read-only leaf comes
 * here too (wp_huge_pmd()), and makes it writable.
 */
static vm_fault_t mmscope_lab_huge_fault(struct vm_fault *vmf, mmscope_huge_fault_size size)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mmscope_lab *lab = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	struct page *page;
	unsigned long pfn;
	vm_fault_t ret;
	pgoff_t pgoff;

	if (!mmscope_huge_fault_is_pmd(size) || !(lab->flags & MMSCOPE_FAULTLAB_HUGE) ||
	    addr < vma->vm_start || addr + PMD_SIZE > vma->vm_end)
		return VM_FAULT_FALLBACK;
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (!IS_ALIGNED(pgoff, MMSCOPE_LAB_BLOCK_PAGES) ||
	    pgoff + MMSCOPE_LAB_BLOCK_PAGES > lab->npages)
		return VM_FAULT_FALLBACK;
	page = xa_load(&lab->pages, pgoff);	/* setup allocated every block */
	if (WARN_ON_ONCE(!page))
		return VM_FAULT_FALLBACK;
	pfn = page_to_pfn(page);
	/* Setup refuses HUGE without THP, where this is not built. */
	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return VM_FAULT_FALLBACK;
	ret = vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
	mmscope_lab_count(lab, write ? MMSCOPE_LAB_FAULTS_WRITE : MMSCOPE_LAB_FAULTS_READ, 1);
	if (ret & VM_FAULT_NOPAGE)
		mmscope_lab_count(lab, MMSCOPE_LAB_FAULTS_NOPAGE, 1);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_HUGE_FAULT, vmf, pgoff,
			pgoff + MMSCOPE_LAB_BLOCK_PAGES - 1, ret, pfn, MMSCOPE_LAB_BLOCK_PAGES);
	return ret;
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

/* A write to a read-only PFN entry: shared writable device memory allows it. */
static vm_fault_t mmscope_lab_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	vm_fault_t ret = vmf->pgoff < lab->npages ? 0 : VM_FAULT_SIGBUS;

	mmscope_lab_count(lab, MMSCOPE_LAB_PFN_MKWRITES, 1);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_PFN_MKWRITE, vmf, vmf->pgoff,
			vmf->pgoff, ret, pte_pfn(vmf->orig_pte), 0);
	return ret;
}

/*
 * ptrace and /proc/PID/mem: GUP refuses VM_IO and special entries, so
 * access_remote_vm() asks us. One page at most per call; it loops.
 */
static int mmscope_lab_access(struct vm_area_struct *vma, unsigned long addr,
			      void *buf, int len, int write)
{
	struct mmscope_lab *lab = vma->vm_private_data;
	unsigned int offset = offset_in_page(addr);
	struct mmscope_faultlab_event ev = {
		.lab_id = lab->id,
		.addr = addr,
		.pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT),
		.handler = MMSCOPE_FAULTLAB_H_ACCESS,
		.fault_flags = write ? MMSCOPE_FAULT_ACCESS_WRITE : 0,
	};
	struct page *page;
	void *kaddr;
	int ret;

	ev.pgoff_last = ev.pgoff;
	len = min_t(int, len, PAGE_SIZE - offset);
	/*
	 * No write where the mapping allows none: GUP refuses a write, even
	 * a forced one, to a shared mapping without VM_WRITE, and
	 * generic_access_phys() one whose PTE is not writable.
	 */
	if (write && !(vma->vm_flags & VM_WRITE)) {
		ret = -EINVAL;
		goto out;
	}
	if (ev.pgoff >= lab->npages) {
		ret = -EIO;	/* past the end, where a fault gets SIGBUS */
		goto out;
	}
	page = mmscope_lab_device_page(lab, ev.pgoff);
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
		goto out;
	}
	kaddr = kmap_local_page(page);
	if (write)
		memcpy(kaddr + offset, buf, len);
	else
		memcpy(buf, kaddr + offset, len);
	kunmap_local(kaddr);
	ev.pfn = page_to_pfn(page);
	ev.nr = len;
	ret = len;
out:
	if (ret < 0)
		ev.result = MMSCOPE_VM_FAULT_ERRNO;
	mmscope_lab_count(lab, MMSCOPE_LAB_ACCESS_CALLS, 1);
	mmscope_lab_count(lab, MMSCOPE_LAB_ACCESS_BYTES, ev.nr);
	mmscope_log_event(&ev);
	return ret;
}

/* A VMA copied from one of ours: fork, a split, a move by mremap. */
static void mmscope_lab_vm_open(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_OPENS, 1);
}

static void mmscope_lab_vm_close(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_CLOSES, 1);
}

static int mmscope_lab_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_MAY_SPLITS, 1);
	return 0;
}

static int mmscope_lab_mremap(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_MREMAPS, 1);
	return 0;
}

static const char *mmscope_lab_vma_name(struct vm_area_struct *vma)
{
	const struct mmscope_lab *lab = vma->vm_private_data;

	return mmscope_lab_vma_names[lab->mode];
}

#define MMSCOPE_LAB_VMA_OPS				\
	.open		= mmscope_lab_vm_open,		\
	.close		= mmscope_lab_vm_close,		\
	.may_split	= mmscope_lab_may_split,	\
	.mremap		= mmscope_lab_mremap,		\
	.name		= mmscope_lab_vma_name

static const struct vm_operations_struct mmscope_lab_cache_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_cache,
	.map_pages	= mmscope_lab_map_pages,
	.page_mkwrite	= mmscope_lab_page_mkwrite,
};

/* Without ->map_pages the core does no fault-around. */
static const struct vm_operations_struct mmscope_lab_cache_nofa_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_cache,
	.page_mkwrite	= mmscope_lab_page_mkwrite,
};

static const struct vm_operations_struct mmscope_lab_device_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_device,
	.huge_fault	= mmscope_lab_huge_fault,
	.pfn_mkwrite	= mmscope_lab_pfn_mkwrite,
	.access		= mmscope_lab_access,
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
	mmscope_lab_count(lab, MMSCOPE_LAB_MMAPS, 1);
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
	mmscope_lab_budget_pages -= pages;
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
	mmscope_lab_count(lab, MMSCOPE_LAB_PAGES_CLEANED, cleaned);
	return ret;
}

static void mmscope_lab_counters(const atomic64_t *c,
				 struct mmscope_faultlab_counters *out)
{
	out->mmaps = atomic64_read(&c[MMSCOPE_LAB_MMAPS]);
	out->opens = atomic64_read(&c[MMSCOPE_LAB_OPENS]);
	out->closes = atomic64_read(&c[MMSCOPE_LAB_CLOSES]);
	out->may_splits = atomic64_read(&c[MMSCOPE_LAB_MAY_SPLITS]);
	out->mremaps = atomic64_read(&c[MMSCOPE_LAB_MREMAPS]);
	out->faults_read = atomic64_read(&c[MMSCOPE_LAB_FAULTS_READ]);
	out->faults_write = atomic64_read(&c[MMSCOPE_LAB_FAULTS_WRITE]);
	out->faults_page = atomic64_read(&c[MMSCOPE_LAB_FAULTS_PAGE]);
	out->faults_nopage = atomic64_read(&c[MMSCOPE_LAB_FAULTS_NOPAGE]);
	out->faults_sigbus = atomic64_read(&c[MMSCOPE_LAB_FAULTS_SIGBUS]);
	out->faults_oom = atomic64_read(&c[MMSCOPE_LAB_FAULTS_OOM]);
	out->map_pages_calls = atomic64_read(&c[MMSCOPE_LAB_MAP_PAGES_CALLS]);
	out->map_pages_pages = atomic64_read(&c[MMSCOPE_LAB_MAP_PAGES_PAGES]);
	out->page_mkwrites = atomic64_read(&c[MMSCOPE_LAB_PAGE_MKWRITES]);
	out->pfn_mkwrites = atomic64_read(&c[MMSCOPE_LAB_PFN_MKWRITES]);
	out->access_calls = atomic64_read(&c[MMSCOPE_LAB_ACCESS_CALLS]);
	out->access_bytes = atomic64_read(&c[MMSCOPE_LAB_ACCESS_BYTES]);
	out->pages_filled = atomic64_read(&c[MMSCOPE_LAB_PAGES_FILLED]);
	out->pages_cleaned = atomic64_read(&c[MMSCOPE_LAB_PAGES_CLEANED]);
	/* Every VMA of a lab began as an mmap() or an open, and ends in a close. */
	out->vmas = out->mmaps + out->opens - out->closes;
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
		mmscope_lab_counters(lab->counts, &out->lab);
	}
	mutex_unlock(&lab->lock);

out_global:
	out->labs = READ_ONCE(mmscope_labs_alive);
	out->lab_files = atomic_read(&mmscope_lab_files);
	out->log_size = mmscope_log_capacity();
	mmscope_lab_counters(mmscope_lab_global, &out->global);
}

static void mmscope_seq_lab_counts(struct seq_file *m, const atomic64_t *c)
{
	struct mmscope_faultlab_counters counters;
	int i;

	for (i = 0; i < MMSCOPE_LAB_NR_COUNTS; i++)
		seq_printf(m, " %s=%lld", mmscope_lab_count_names[i],
			   atomic64_read(&c[i]));
	mmscope_lab_counters(c, &counters);
	seq_printf(m, " vmas=%llu\n", counters.vmas);
}

/* debugfs faultlab/stats: one line for all labs, then one per live lab. */
int mmscope_lab_seq_stats(struct seq_file *m)
{
	struct mmscope_lab *lab;

	mutex_lock(&mmscope_labs_lock);
	seq_printf(m, "global labs=%u log_size=%u budget_pages=%lu",
		   mmscope_labs_alive, mmscope_log_capacity(), mmscope_lab_budget_pages);
	mmscope_seq_lab_counts(m, mmscope_lab_global);
	list_for_each_entry(lab, &mmscope_labs, node) {
		seq_printf(m, "lab=%llu mode=%s fault_around=%s huge=%s length=%lu resident=%lu",
			   lab->id, mmscope_lab_mode_names[lab->mode],
			   mmscope_lab_is_device(lab) ||
			   (lab->flags & MMSCOPE_FAULTLAB_NO_FAULT_AROUND) ? "off" : "on",
			   lab->flags & MMSCOPE_FAULTLAB_HUGE ? "on" : "off",
			   lab->npages << PAGE_SHIFT, mmscope_lab_resident(lab));
		mmscope_seq_lab_counts(m, lab->counts);
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
		mmscope_lab_budget_pages -= lab->npages;
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
