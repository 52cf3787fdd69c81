/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels mmscope supports (Debian
 * bookworm's 6.1 and 6.12), in one place and named after the feature.
 * The MMSCOPE_HAVE_* macros come from header probes in Kbuild: stable
 * kernels backport features, so a version number would not tell.
 *
 * Where a kernel has a helper the other lacks, or cannot give a module,
 * the helper is defined here under its upstream name for the kernel
 * without it, so that callers read like upstream and a shim goes away
 * without touching them. mmscope_* names are left only where upstream has
 * no such helper.
 */
#ifndef _MMSCOPE_COMPAT_H
#define _MMSCOPE_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/pagemap.h>
#include <asm/cpufeature.h>

/*
 * file_user_path() (6.8) names the path a user opened, which differs from
 * f_path for overlayfs backing files. /proc/PID/maps prints that one.
 */
#ifndef MMSCOPE_HAVE_FILE_USER_PATH
static inline const struct path *file_user_path(struct file *f)
{
	return &f->f_path;
}
#endif

/*
 * vma_is_initial_heap() and vma_is_initial_stack() (6.5) are what
 * /proc/PID/maps uses to print [heap] and [stack]. Before them, fs/proc
 * open-coded the same tests, with inclusive bounds for the heap: these
 * are those tests, so that mmscope names what that kernel's maps names.
 */
#ifndef MMSCOPE_HAVE_VMA_IS_INITIAL_HEAP
static inline bool vma_is_initial_heap(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
}

static inline bool vma_is_initial_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
}
#endif

/*
 * The name given by prctl(PR_SET_VMA_ANON_NAME), where the kernel has it:
 * anon_vma_name() reads the same field, but is not exported.
 */
static inline const char *mmscope_anon_vma_name(struct vm_area_struct *vma)
{
#ifdef CONFIG_ANON_VMA_NAME
	return vma->anon_name ? vma->anon_name->name : NULL;
#else
	return NULL;
#endif
}

/*
 * get_mm_counter_sum() (6.16, backported to 6.12.y) folds in the per-CPU
 * deltas, and /proc/PID/status reads the rss counters with it where it
 * exists; where it does not, /proc reads get_mm_counter(), and so do we.
 */
#ifndef MMSCOPE_HAVE_MM_COUNTER_SUM
static inline unsigned long get_mm_counter_sum(struct mm_struct *mm, int member)
{
	return get_mm_counter(mm, member);
}
#endif

/* A PMD read without its lock; one word on x86-64, where 6.1 has no helper. */
#ifndef MMSCOPE_HAVE_PMDP_GET_LOCKLESS
static inline pmd_t pmdp_get_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}
#endif

/*
 * The mappings of one page, as /proc/kpagecount counts them: 6.12 has
 * folio_precise_page_mapcount() in fs/proc/internal.h, which no module can
 * include, 6.1 page_mapcount() with slab and typed pages counting 0.
 */
static inline int mmscope_page_mapcount(struct folio *folio, struct page *page)
{
#ifdef MMSCOPE_HAVE_PAGE_MAPCOUNT_IS_TYPE
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
#else
	if (PageSlab(page) || page_has_type(page))
		return 0;
	return page_mapcount(page);
#endif
}

/*
 * The mappings of a whole folio. With the large-folio mapcount (6.11)
 * folio_mapcount() is an inline; 6.1 keeps the old DoubleMap scheme in an
 * unexported folio_mapcount(), restated here and put in its place.
 */
#ifndef MMSCOPE_HAVE_LARGE_MAPCOUNT
static inline int mmscope_folio_mapcount(struct folio *folio)
{
	int i, compound, nr, ret;

	if (!folio_test_large(folio))
		return atomic_read(&folio->_mapcount) + 1;
	compound = folio_entire_mapcount(folio);
	if (folio_test_hugetlb(folio))
		return compound;
	ret = compound;
	nr = folio_nr_pages(folio);
	for (i = 0; i < nr; i++)
		ret += atomic_read(&folio_page(folio, i)->_mapcount) + 1;
	/* File pages have the compound mapcount in each _mapcount. */
	if (!folio_test_anon(folio))
		return ret - compound * nr;
	if (folio_test_double_map(folio))
		ret -= nr;
	return ret;
}

#define folio_mapcount(folio) mmscope_folio_mapcount(folio)
#endif

/*
 * Whether do_wp_page() may reuse a page of a PTE-mapped large anonymous
 * folio. Since wp_can_reuse_anon_folio() (6.5) it never does; 6.1 applies
 * its refcount test to them as to small folios. This is the one feature no
 * header shows: the rule lives in mm/memory.c, which no headers package
 * ships, and nothing it declares changed with it. So Kbuild keys it on the
 * release that brought it, for this one feature only.
 */
#ifdef MMSCOPE_HAVE_WP_NO_LARGE_FOLIO_REUSE
#define MMSCOPE_COW_REUSES_LARGE_FOLIOS 0
#else
#define MMSCOPE_COW_REUSES_LARGE_FOLIOS 1
#endif

/*
 * Special PMD and PUD leaves (huge PFN maps, 6.12) map no struct page.
 * Before them every present leaf outside a devmap mapped a page.
 */
#ifndef MMSCOPE_HAVE_PMD_SPECIAL
static inline bool pmd_special(pmd_t pmd)
{
	return false;
}

static inline bool pud_special(pud_t pud)
{
	return false;
}
#endif

/*
 * pmd_special() and pud_special() read _PAGE_SPECIAL in a leaf where the
 * kernel makes special huge PFN maps (ARCH_SUPPORTS_PMD_PFNMAP, 6.12).
 * Before that, the bit meant nothing in a user PMD or PUD.
 */
#define MMSCOPE_HUGE_LEAF_SPECIAL (IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) || \
				   IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP))

/*
 * page_pgoff() (after 6.12): the index of @page in its file or anon_vma,
 * in base pages. A hugetlb folio's ->index counted huge pages while
 * hugetlb_basepage_index() (not exported) converted it, until 6.7; every
 * other folio's counts base pages. (page_to_pgoff() would not do: it calls
 * that converter on 6.1, and without THP, as on the RT kernels, it reads
 * a hugetlb tail page's own ->index on 6.12.)
 */
#ifndef MMSCOPE_HAVE_PAGE_PGOFF
static inline pgoff_t page_pgoff(struct folio *folio, struct page *page)
{
#ifdef MMSCOPE_HAVE_HUGETLB_INDEX_IN_HUGE_PAGES
	if (folio_test_hugetlb(folio))
		return (folio->index << folio_order(folio)) + folio_page_idx(folio, page);
#endif
	return folio->index + folio_page_idx(folio, page);
}
#endif

/*
 * vm_flags became read-only with the per-VMA lock (6.3): the setters also
 * assert the mmap write lock, which ->mmap holds either way.
 */
#ifndef MMSCOPE_HAVE_VM_FLAGS_SET
static inline void vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set,
				vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

/*
 * A locked page-cache folio at @index, created if absent, or an ERR_PTR.
 * __filemap_get_folio() said NULL on failure until it returned errors
 * (6.3); both answers are taken, so no probe has to guess which it gives.
 * Upstream's filemap_grab_folio() is not used: it was added returning
 * NULL on failure, before that change, so its name does not say which.
 */
static inline struct folio *mmscope_filemap_grab_folio(struct address_space *mapping,
						       pgoff_t index)
{
	struct folio *folio;

	folio = __filemap_get_folio(mapping, index, FGP_LOCK | FGP_ACCESSED | FGP_CREAT,
				    mapping_gfp_mask(mapping));
	return folio ?: ERR_PTR(-ENOMEM);
}

/*
 * Faults under the per-VMA lock (6.4) say so with FAULT_FLAG_VMA_LOCK.
 * Before it no fault has the flag: 0 matches none.
 */
#ifndef MMSCOPE_HAVE_FAULT_FLAG_VMA_LOCK
#define FAULT_FLAG_VMA_LOCK	0
#endif

/*
 * INVLPGB, AMD's broadcast TLB invalidation, is a CPU feature only the
 * kernels that use it define. Where it is not defined, the kernel neither
 * knows nor uses it.
 */
#ifdef X86_FEATURE_INVLPGB
static inline bool mmscope_invlpgb_known(void)
{
	return true;
}

static inline bool mmscope_invlpgb(void)
{
	return boot_cpu_has(X86_FEATURE_INVLPGB);
}
#else
static inline bool mmscope_invlpgb_known(void)
{
	return false;
}

static inline bool mmscope_invlpgb(void)
{
	return false;
}
#endif

/*
 * cpu_tlbstate_shared is exported (EXPORT_PER_CPU_SYMBOL), but
 * asm/tlbflush.h declares it, and its struct, only outside modules. Its one
 * member, bool is_lazy, is the same on every kernel that has it: the probe
 * in Kbuild checks the header still holds it.
 */
#ifdef MMSCOPE_HAVE_TLBSTATE_SHARED_IS_LAZY
#include <linux/percpu-defs.h>

struct tlb_state_shared {
	bool is_lazy;
};

DECLARE_PER_CPU_SHARED_ALIGNED(struct tlb_state_shared, cpu_tlbstate_shared);

static inline bool mmscope_cpu_is_lazy(void)
{
	return this_cpu_read(cpu_tlbstate_shared.is_lazy);
}
#else
static inline bool mmscope_cpu_is_lazy(void)
{
	return false;
}
#endif

/*
 * ->huge_fault() is told the order of the entry to map (6.10+); before, its
 * size as an enum page_entry_size. (6.1 never calls it for VM_PFNMAP.)
 */
#ifdef MMSCOPE_HAVE_HUGE_FAULT_ORDER
#define mmscope_huge_fault_size		unsigned int
#define mmscope_huge_fault_is_pmd(size)	((size) == PMD_SHIFT - PAGE_SHIFT)
#else
#define mmscope_huge_fault_size		enum page_entry_size
#define mmscope_huge_fault_is_pmd(size)	((size) == PE_SIZE_PMD)
#endif

/*
 * smaps_account() and smaps_hugetlb_range() (fs/proc/task_mmu.c), as each
 * kernel has them. With folio_likely_mapped_shared() (6.10, the same
 * series), a page behind a non-present entry (migration, device exclusive)
 * counts whole as "maybe shared", and a hugetlb folio is shared when the
 * folio says it likely is, or any non-present entry maps it. 6.1 counts a
 * migration entry's page as private, reads the page mapcount of the others,
 * and asks page_mapcount() of a hugetlb page.
 */
#ifdef MMSCOPE_HAVE_FOLIO_LIKELY_MAPPED_SHARED
#define MMSCOPE_SMAPS_NONPRESENT_SHARED 1
#else
#define MMSCOPE_SMAPS_NONPRESENT_SHARED 0
#endif

static inline bool mmscope_hugetlb_mapped_shared(struct folio *folio, struct page *page,
						 bool present)
{
#ifdef MMSCOPE_HAVE_FOLIO_LIKELY_MAPPED_SHARED
	return !present || folio_likely_mapped_shared(folio);
#else
	return mmscope_page_mapcount(folio, page) >= 2;
#endif
}

/*
 * The mm's count of mmap write locks, mm_lock_seq (6.4, with per-VMA
 * locks; a seqcount_t since 6.13 and in later 6.12 stables, an int before):
 * every change of the VMA tree happens under the write lock, so an equal
 * value on two reads under the read lock means an unchanged tree. Kernels
 * without it have no such sequence: false, and the caller says so.
 */
static inline bool mmscope_mm_write_seq(struct mm_struct *mm, u64 *seq)
{
#if defined(CONFIG_PER_VMA_LOCK) && defined(MMSCOPE_HAVE_MM_LOCK_SEQCOUNT)
	*seq = raw_read_seqcount(&mm->mm_lock_seq);
	return true;
#elif defined(CONFIG_PER_VMA_LOCK) && defined(MMSCOPE_HAVE_MM_LOCK_SEQ_INT)
	*seq = (u32)READ_ONCE(mm->mm_lock_seq);
	return true;
#else
	*seq = 0;
	return false;
#endif
}

#endif /* _MMSCOPE_COMPAT_H */
