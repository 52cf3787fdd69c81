// SPDX-License-Identifier: GPL-2.0
/*
 * The fault lab's vm_operations: how a lab's memory is faulted in, and
 * what every callback counts (faultlab_count.c) and logs (faultlog.c).
 *
 * PAGE and PATTERN keep their pages in the page cache of the lab's inode
 * (faultlab.c). That is what lets ->map_pages be filemap_map_pages(): the
 * helpers that map a page from a fault handler (set_pte_range(),
 * finish_fault(), vmf_insert_page()) are not exported. ->fault returns the
 * page locked in vmf->page; the core maps it, or copies it for a private
 * write.
 *
 * PFN and MIXED are device memory: pages the module owns, inserted by
 * ->fault with vmf_insert_pfn() or vmf_insert_mixed(), or a HUGE lab's
 * 2 MiB blocks, inserted whole by ->huge_fault.
 *
 * Every VMA that maps a lab holds the lab's file, so vm_private_data (the
 * lab) outlives every callback here; the mode, flags and size a callback
 * reads were fixed at setup, before the first mmap().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pfn_t.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

#include "faultlab.h"

/* What vm_ops->name says; /proc/PID/maps prefers the file's path. */
#define MMSCOPE_LAB_VMA_NAME(value, name)				\
	[value] = "[mmscope:" name "]",
static const char *const mmscope_lab_vma_names[MMSCOPE_FAULTLAB_MODE_COUNT] = {
	MMSCOPE_NAMES_FAULTLAB_MODE(MMSCOPE_LAB_VMA_NAME)
};

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

/**
 * mmscope_lab_fill - give a new backing page its contents
 * @lab: the lab
 * @page: the page, not yet mapped anywhere
 * @pgoff: its offset in the lab
 *
 * Zeroes, or for PATTERN the pattern record, numbered by the lab's
 * pages_filled counter.
 */
void mmscope_lab_fill(struct mmscope_lab *lab, struct page *page, pgoff_t pgoff)
{
	struct mmscope_faultlab_pattern pattern, *dst;
	unsigned int i;

	pattern.fill = mmscope_lab_count(lab, MMSCOPE_LAB_pages_filled, 1);
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
			  MMSCOPE_LAB_faults_write : MMSCOPE_LAB_faults_read, 1);
	if (ret & VM_FAULT_LOCKED)
		mmscope_lab_count(lab, MMSCOPE_LAB_faults_page, 1);
	else if (ret & VM_FAULT_NOPAGE)
		mmscope_lab_count(lab, MMSCOPE_LAB_faults_nopage, 1);
	else if (ret & VM_FAULT_SIGBUS)
		mmscope_lab_count(lab, MMSCOPE_LAB_faults_sigbus, 1);
	else if (ret & VM_FAULT_OOM)
		mmscope_lab_count(lab, MMSCOPE_LAB_faults_oom, 1);
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

	mmscope_lab_count(lab, MMSCOPE_LAB_map_pages_calls, 1);
	mmscope_lab_count(lab, MMSCOPE_LAB_map_pages_pages, after - before);
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
	mmscope_lab_count(lab, MMSCOPE_LAB_page_mkwrites, 1);
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
	mmscope_lab_count(lab, write ? MMSCOPE_LAB_faults_write : MMSCOPE_LAB_faults_read, 1);
	if (ret & VM_FAULT_NOPAGE)
		mmscope_lab_count(lab, MMSCOPE_LAB_faults_nopage, 1);
	mmscope_lab_log(lab, MMSCOPE_FAULTLAB_H_HUGE_FAULT, vmf, pgoff,
			pgoff + MMSCOPE_LAB_BLOCK_PAGES - 1, ret, pfn, MMSCOPE_LAB_BLOCK_PAGES);
	return ret;
}

/* A write to a read-only PFN entry: shared writable device memory allows it. */
static vm_fault_t mmscope_lab_pfn_mkwrite(struct vm_fault *vmf)
{
	struct mmscope_lab *lab = vmf->vma->vm_private_data;
	vm_fault_t ret = vmf->pgoff < lab->npages ? 0 : VM_FAULT_SIGBUS;

	mmscope_lab_count(lab, MMSCOPE_LAB_pfn_mkwrites, 1);
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
	mmscope_lab_count(lab, MMSCOPE_LAB_access_calls, 1);
	mmscope_lab_count(lab, MMSCOPE_LAB_access_bytes, ev.nr);
	mmscope_log_event(&ev);
	return ret;
}

/* A VMA copied from one of ours: fork, a split, a move by mremap. */
static void mmscope_lab_vm_open(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_opens, 1);
}

static void mmscope_lab_vm_close(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_closes, 1);
}

static int mmscope_lab_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_may_splits, 1);
	return 0;
}

static int mmscope_lab_mremap(struct vm_area_struct *vma)
{
	mmscope_lab_count(vma->vm_private_data, MMSCOPE_LAB_mremaps, 1);
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

const struct vm_operations_struct mmscope_lab_cache_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_cache,
	.map_pages	= mmscope_lab_map_pages,
	.page_mkwrite	= mmscope_lab_page_mkwrite,
};

/* Without ->map_pages the core does no fault-around. */
const struct vm_operations_struct mmscope_lab_cache_nofa_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_cache,
	.page_mkwrite	= mmscope_lab_page_mkwrite,
};

const struct vm_operations_struct mmscope_lab_device_ops = {
	MMSCOPE_LAB_VMA_OPS,
	.fault		= mmscope_lab_fault_device,
	.huge_fault	= mmscope_lab_huge_fault,
	.pfn_mkwrite	= mmscope_lab_pfn_mkwrite,
	.access		= mmscope_lab_access,
};
