// SPDX-License-Identifier: GPL-2.0
/*
 * What struct page and its folio say about a mapped page: references,
 * mappings, order, flags, and what maps it (anon_vma or a file).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/page-flags.h>

#include "internal.h"

/* A record of [addr, addr + size) with nothing known about it yet. */
void mmscope_page_init(struct mmscope_page *rec, unsigned long addr, unsigned long size)
{
	memset(rec, 0, sizeof(*rec));
	rec->addr = addr;
	rec->size = size;
}

/**
 * mmscope_page_fill - fill the page-state fields of @rec
 * @rec: the record; @rec->pfn names the page
 * @vma: the VMA mapping it
 * @huge: the page is mapped by a PMD or PUD leaf
 * @cache: the folio mapcount summed last under the same entry lock
 *
 * Locking: the page table lock of the entry mapping the page must be held,
 * so that the page stays mapped, hence referenced, while it is read.
 */
void mmscope_page_fill(struct mmscope_page *rec, struct vm_area_struct *vma,
		       bool huge, struct mmscope_mapcount_cache *cache)
{
	struct address_space *mapping;
	struct folio *folio;
	struct page *page;
	u64 flags = 0;

	if (!pfn_valid(rec->pfn))
		return;
	page = pfn_to_page(rec->pfn);
	folio = page_folio(page);
	mapping = READ_ONCE(folio->mapping);
	rec->flags |= MMSCOPE_PAGE_HAS_STRUCT_PAGE;
	rec->refcount = folio_ref_count(folio);
	rec->mapcount = mmscope_page_mapcount(folio, page);
	if (folio != cache->folio) {
		cache->folio = folio;
		cache->mapcount = folio_mapcount(folio);
	}
	rec->folio_mapcount = cache->mapcount;
	rec->order = folio_order(folio);

	if (folio_test_anon(folio))
		flags |= MMSCOPE_PG_ANON;
	if (folio_test_ksm(folio))
		flags |= MMSCOPE_PG_KSM;
	if (folio_test_swapbacked(folio))
		flags |= MMSCOPE_PG_SWAPBACKED;
	if (folio_test_swapcache(folio))
		flags |= MMSCOPE_PG_SWAPCACHE;
	if (folio_test_lru(folio))
		flags |= MMSCOPE_PG_LRU;
	if (folio_test_active(folio))
		flags |= MMSCOPE_PG_ACTIVE;
	if (folio_test_referenced(folio))
		flags |= MMSCOPE_PG_REFERENCED;
	if (folio_test_dirty(folio))
		flags |= MMSCOPE_PG_DIRTY;
	if (folio_test_writeback(folio))
		flags |= MMSCOPE_PG_WRITEBACK;
	if (folio_test_locked(folio))
		flags |= MMSCOPE_PG_LOCKED;
	if (folio_test_unevictable(folio))
		flags |= MMSCOPE_PG_UNEVICTABLE;
	if (folio_test_mlocked(folio))
		flags |= MMSCOPE_PG_MLOCKED;
	if (folio_test_hugetlb(folio))
		flags |= MMSCOPE_PG_HUGETLB;
	if (PageReserved(page))
		flags |= MMSCOPE_PG_RESERVED;
	if (folio_test_large(folio)) {
		flags |= page == &folio->page ? MMSCOPE_PG_HEAD : MMSCOPE_PG_TAIL;
		if (!folio_test_hugetlb(folio))
			flags |= MMSCOPE_PG_THP;
	}
	if (is_zero_pfn(rec->pfn))
		flags |= MMSCOPE_PG_ZERO;

	if (folio_test_anon(folio)) {
		/* hugetlb keeps the bit on the head page only. */
		if (PageAnonExclusive(folio_test_hugetlb(folio) ? &folio->page : page))
			flags |= MMSCOPE_PG_ANON_EXCLUSIVE;
		rec->index = page_pgoff(folio, page);
	} else if (vma->vm_file && mapping == vma->vm_file->f_mapping) {
		/*
		 * Page cache of the VMA's own file, which the VMA keeps open:
		 * its host is alive. Any other mapping (a driver's page that
		 * belongs elsewhere) is not followed: nothing we hold keeps
		 * it, or its host, alive. Truncation unmaps under the lock we
		 * hold, so folio->mapping, read once, cannot change meanwhile.
		 */
		rec->flags |= MMSCOPE_PAGE_FILE;
		rec->ino = mapping->host->i_ino;
		rec->index = page_pgoff(folio, page);
	} else if (!mapping && huge && vma_is_anonymous(vma) && folio_test_large(folio)) {
		/*
		 * The huge zero folio is not exported to test for, but it is
		 * the only folio without anon_vma or mapping that a PMD leaf
		 * of an anonymous VMA can map.
		 */
		flags |= MMSCOPE_PG_HUGE_ZERO;
	}
	rec->page_flags = flags;
}
