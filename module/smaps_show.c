// SPDX-License-Identifier: GPL-2.0
/* debugfs smaps: a record as /proc/PID/smaps prints it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/seq_file.h>

#include "smaps.h"

#define PSS_SHIFT MMSCOPE_PSS_SHIFT

/*
 * The fields as /proc/PID/smaps names and pads them (seq_put_decimal_ull_width()
 * is not exported: "%8llu" pads the same).
 */
static void mmscope_seq_kb(struct seq_file *m, const char *name, u64 bytes)
{
	seq_printf(m, "%-16s%8llu kB\n", name, bytes >> 10);
}

/* A field of memory the kernel may lack (@flags has @absent): say which. */
static void mmscope_seq_kb_of(struct seq_file *m, const char *name, u64 bytes,
			      u32 flags, u32 absent, const char *config)
{
	if (flags & absent)
		seq_printf(m, "%-16snot in this kernel (%s)\n", name, config);
	else
		mmscope_seq_kb(m, name, bytes);
}

/**
 * mmscope_seq_smaps - one record as /proc/PID/smaps prints its fields
 * @m: the seq_file
 * @r: the record
 *
 * The maps line is replaced by the range; Pss_Anon, Pss_File and Pss_Shmem
 * are shown per VMA too; SwapPss is not computed and says so, as does a
 * field of memory this kernel lacks (MMSCOPE_SMAPS_VMA_NO_*).
 */
void mmscope_seq_smaps(struct seq_file *m, const struct mmscope_smaps_vma *r)
{
	seq_printf(m, "%08llx-%08llx%s\n", r->start, r->end,
		   r->flags & MMSCOPE_SMAPS_VMA_CHANGED ? " (changed during the walk)" : "");
	mmscope_seq_kb(m, "Size:", r->end - r->start);
	mmscope_seq_kb(m, "KernelPageSize:", r->kernel_page_size);
	mmscope_seq_kb(m, "MMUPageSize:", r->mmu_page_size);
	mmscope_seq_kb(m, "Rss:", r->rss);
	mmscope_seq_kb(m, "Pss:", r->pss >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Dirty:", r->pss_dirty >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Anon:", r->pss_anon >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_File:", r->pss_file >> PSS_SHIFT);
	mmscope_seq_kb(m, "Pss_Shmem:", r->pss_shmem >> PSS_SHIFT);
	mmscope_seq_kb(m, "Shared_Clean:", r->shared_clean);
	mmscope_seq_kb(m, "Shared_Dirty:", r->shared_dirty);
	mmscope_seq_kb(m, "Private_Clean:", r->private_clean);
	mmscope_seq_kb(m, "Private_Dirty:", r->private_dirty);
	mmscope_seq_kb(m, "Referenced:", r->referenced);
	mmscope_seq_kb(m, "Anonymous:", r->anonymous);
	mmscope_seq_kb_of(m, "KSM:", r->ksm, r->flags, MMSCOPE_SMAPS_VMA_NO_KSM, "CONFIG_KSM");
	mmscope_seq_kb(m, "LazyFree:", r->lazyfree);
	mmscope_seq_kb_of(m, "AnonHugePages:", r->anon_huge_pages, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "ShmemPmdMapped:", r->shmem_pmd_mapped, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "FilePmdMapped:", r->file_pmd_mapped, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_THP, "CONFIG_TRANSPARENT_HUGEPAGE");
	mmscope_seq_kb_of(m, "Shared_Hugetlb:", r->shared_hugetlb, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_HUGETLB, "CONFIG_HUGETLBFS");
	if (r->flags & MMSCOPE_SMAPS_VMA_NO_HUGETLB)
		seq_puts(m, "Private_Hugetlb: not in this kernel (CONFIG_HUGETLBFS)\n");
	else
		seq_printf(m, "Private_Hugetlb: %7llu kB\n", r->private_hugetlb >> 10);
	mmscope_seq_kb_of(m, "Swap:", r->swap, r->flags, MMSCOPE_SMAPS_VMA_NO_SWAP, "CONFIG_SWAP");
	seq_puts(m, "SwapPss:        not computed: swp_swapcount() is not exported\n");
	mmscope_seq_kb_of(m, "SwapExclusive:", r->swap_exclusive, r->flags,
			  MMSCOPE_SMAPS_VMA_NO_SWAP, "CONFIG_SWAP");
	mmscope_seq_kb(m, "Locked:", r->pss_locked >> PSS_SHIFT);
}
