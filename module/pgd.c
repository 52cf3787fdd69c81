// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_PGD: the raw entries of the target's top-level page table.
 *
 * On x86-64 the upper half of every PGD is the kernel's: pgd_alloc() calls
 * pgd_ctor(), which copies the entries from KERNEL_PGD_BOUNDARY
 * (pgd_index(PAGE_OFFSET)) to the last one from swapper_pg_dir with
 * clone_pgd_range(). They point at the same tables in every process, and
 * they change only all together: the vmalloc area's tables are allocated
 * at boot (preallocate_vmalloc_pages()), and memory hotplug writes a new
 * direct-map entry to every PGD (sync_global_pgds()). The user half is
 * each process's own. The slots between the two halves (the guard hole,
 * and with PTI the LDT remap, LDT_BASE_ADDR, which modify_ldt() fills per
 * mm) are not copied.
 *
 * Only mm->pgd, the kernel's copy of the PGD, is read. With page-table
 * isolation the CPU runs user mode on a second copy, the next page
 * (kernel_to_user_pgdp()), whose kernel half maps only what entering the
 * kernel needs; pti_set_user_pgtbl() writes user entries to both copies,
 * and sets NX in the kernel copy's. That copy is not read here.
 *
 * Locking: the caller holds an mm_users reference (mmscope_target_get()),
 * so mm->pgd stays allocated while it is read. The entries are read under the mmap read
 * lock, as every query reads: it keeps out mmap(), mremap() and munmap()
 * before it downgrades, though a fault may still fill a user entry (under
 * mm->page_table_lock) and munmap() may clear one after downgrading. Each
 * entry is read once with READ_ONCE() and nothing below it is followed, so
 * a racing change shows its old value or its new one, never a torn one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <asm/page.h>

#include "internal.h"

/**
 * mmscope_pgd_read - MMSCOPE_IOC_PGD: the entries of @mm's PGD
 * @mm: the target's mm (not NULL), with an mm_users reference
 * @req: checked by the caller (@req->first at most PTRS_PER_PGD), its out
 *	fields zeroed; its out fields but @count filled here
 * @entries: room for @n entries, from index @req->first on
 * @n: how many to read; @req->first + @n is at most PTRS_PER_PGD
 *
 * Locking: takes the mmap read lock of @mm. The caller copies @entries
 * out after dropping its reference to @mm.
 *
 * Return: 0, or -EINTR on a fatal signal.
 */
int mmscope_pgd_read(struct mm_struct *mm, struct mmscope_pgd *req, u64 *entries, u32 n)
{
	u32 i;

	req->levels = pgtable_l5_enabled() ? 5 : 4;
	req->ptrs_per_pgd = PTRS_PER_PGD;
	req->user_end = pgd_index(TASK_SIZE_MAX - 1) + 1;
	req->kernel_clone_first = KERNEL_PGD_BOUNDARY;
	req->pgd_phys = __pa(mm->pgd);
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (i = 0; i < n; i++)
		entries[i] = pgd_val(READ_ONCE(mm->pgd[req->first + i]));
	mmap_read_unlock(mm);
	return 0;
}
