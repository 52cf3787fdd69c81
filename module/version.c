// SPDX-License-Identifier: GPL-2.0
/*
 * Which module this is (its version and ABI), and what the running kernel
 * lets it show: MMSCOPE_IOC_VERSION, for `mmscope version`.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "internal.h"

/* The kernel's configuration, as far as it decides what the exports show. */
static u64 mmscope_kernel_features(void)
{
	u64 f = 0;

	if (IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		f |= MMSCOPE_KERNEL_THP;
	if (IS_ENABLED(CONFIG_HUGETLBFS))
		f |= MMSCOPE_KERNEL_HUGETLB;
	if (IS_ENABLED(CONFIG_KSM))
		f |= MMSCOPE_KERNEL_KSM;
	if (IS_ENABLED(CONFIG_SWAP))
		f |= MMSCOPE_KERNEL_SWAP;
	if (IS_ENABLED(CONFIG_MEMCG))
		f |= MMSCOPE_KERNEL_MEMCG;
	if (IS_ENABLED(CONFIG_NUMA))
		f |= MMSCOPE_KERNEL_NUMA;
	if (IS_ENABLED(CONFIG_USERFAULTFD))
		f |= MMSCOPE_KERNEL_USERFAULTFD;
	if (IS_ENABLED(CONFIG_DEBUG_FS))
		f |= MMSCOPE_KERNEL_DEBUG_FS;
	if (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP))
		f |= MMSCOPE_KERNEL_HUGE_PFNMAP;
	return f;
}

/* Fill the output fields of MMSCOPE_IOC_VERSION; @v is zeroed but its size. */
void mmscope_version_fill(struct mmscope_version *v)
{
	v->abi = MMSCOPE_ABI_VERSION;
	v->tlb_features = mmscope_tlb_features();
	v->kernel_features = mmscope_kernel_features();
	strscpy((char *)v->version, MMSCOPE_VERSION, sizeof(v->version));
}

MODULE_VERSION(MMSCOPE_VERSION);
