/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The names of every enum value and flag bit of the uapi header, written
 * once. module/names.c builds the kernel's tables from these lists and
 * userspace-tools/lib/names.c builds libmmscope's, so debugfs, the CLI and
 * its JSON can never disagree; selftests/names-check.sh checks that every
 * constant of <linux/mmscope.h> is named here, and named in docs/abi.md.
 *
 * Each list is MMSCOPE_NAMES_<TABLE>(X), calling X(value, "name") once per
 * value, in value order. Names are what debugfs prints and the JSON says.
 * The fault lab's counters are fields, not values: their lists call
 * X(field) instead (below).
 */
#ifndef _MMSCOPE_NAMES_H
#define _MMSCOPE_NAMES_H

#include <linux/mmscope.h>

/* enum mmscope_pt_level; crash's vtop prints them in capitals. */
#define MMSCOPE_NAMES_LEVEL(X)						\
	X(MMSCOPE_LEVEL_PGD, "pgd")					\
	X(MMSCOPE_LEVEL_P4D, "p4d")					\
	X(MMSCOPE_LEVEL_PUD, "pud")					\
	X(MMSCOPE_LEVEL_PMD, "pmd")					\
	X(MMSCOPE_LEVEL_PTE, "pte")

/* enum mmscope_entry_state */
#define MMSCOPE_NAMES_STATE(X)						\
	X(MMSCOPE_ENTRY_NONE, "none")					\
	X(MMSCOPE_ENTRY_TABLE, "table")					\
	X(MMSCOPE_ENTRY_PRESENT, "present")				\
	X(MMSCOPE_ENTRY_SWAP, "swap")					\
	X(MMSCOPE_ENTRY_MIGRATION, "migration")				\
	X(MMSCOPE_ENTRY_DEVICE_PRIVATE, "device_private")		\
	X(MMSCOPE_ENTRY_DEVICE_EXCLUSIVE, "device_exclusive")		\
	X(MMSCOPE_ENTRY_HWPOISON, "hwpoison")				\
	X(MMSCOPE_ENTRY_MARKER, "marker")				\
	X(MMSCOPE_ENTRY_BAD, "bad")					\
	X(MMSCOPE_ENTRY_NO_VMA, "no_vma")

/* enum mmscope_cow */
#define MMSCOPE_NAMES_COW(X)						\
	X(MMSCOPE_COW_NONE, "none")					\
	X(MMSCOPE_COW_WRITABLE, "writable")				\
	X(MMSCOPE_COW_REUSE, "reuse")					\
	X(MMSCOPE_COW_COPY, "copy")					\
	X(MMSCOPE_COW_ZERO, "zero")					\
	X(MMSCOPE_COW_SHARED, "shared")					\
	X(MMSCOPE_COW_READONLY, "readonly")

/* enum mmscope_vma_kind */
#define MMSCOPE_NAMES_KIND(X)						\
	X(MMSCOPE_KIND_ANON, "anon")					\
	X(MMSCOPE_KIND_TEXT, "text")					\
	X(MMSCOPE_KIND_DATA, "data")					\
	X(MMSCOPE_KIND_BSS, "bss")					\
	X(MMSCOPE_KIND_HEAP, "heap")					\
	X(MMSCOPE_KIND_STACK, "stack")					\
	X(MMSCOPE_KIND_VDSO, "vdso")					\
	X(MMSCOPE_KIND_VVAR, "vvar")					\
	X(MMSCOPE_KIND_FILE, "file")					\
	X(MMSCOPE_KIND_SHM, "shm")					\
	X(MMSCOPE_KIND_PFNMAP, "pfnmap")				\
	X(MMSCOPE_KIND_IO, "io")					\
	X(MMSCOPE_KIND_DEVICE, "device")

/* MMSCOPE_PTE_* bits */
#define MMSCOPE_NAMES_PTE_BIT(X)					\
	X(MMSCOPE_PTE_PRESENT, "present")				\
	X(MMSCOPE_PTE_RW, "rw")						\
	X(MMSCOPE_PTE_USER, "user")					\
	X(MMSCOPE_PTE_PWT, "pwt")					\
	X(MMSCOPE_PTE_PCD, "pcd")					\
	X(MMSCOPE_PTE_ACCESSED, "accessed")				\
	X(MMSCOPE_PTE_DIRTY, "dirty")					\
	X(MMSCOPE_PTE_HUGE, "huge")					\
	X(MMSCOPE_PTE_GLOBAL, "global")					\
	X(MMSCOPE_PTE_NX, "nx")						\
	X(MMSCOPE_PTE_SOFT_DIRTY, "soft_dirty")				\
	X(MMSCOPE_PTE_UFFD_WP, "uffd_wp")				\
	X(MMSCOPE_PTE_PROTNONE, "protnone")				\
	X(MMSCOPE_PTE_SPECIAL, "special")				\
	X(MMSCOPE_PTE_DEVMAP, "devmap")					\
	X(MMSCOPE_PTE_PAT, "pat")					\
	X(MMSCOPE_PTE_EXCLUSIVE, "exclusive")

/* MMSCOPE_PG_* bits */
#define MMSCOPE_NAMES_PG_BIT(X)						\
	X(MMSCOPE_PG_ANON, "anon")					\
	X(MMSCOPE_PG_KSM, "ksm")					\
	X(MMSCOPE_PG_SWAPBACKED, "swapbacked")				\
	X(MMSCOPE_PG_SWAPCACHE, "swapcache")				\
	X(MMSCOPE_PG_LRU, "lru")					\
	X(MMSCOPE_PG_ACTIVE, "active")					\
	X(MMSCOPE_PG_REFERENCED, "referenced")				\
	X(MMSCOPE_PG_DIRTY, "dirty")					\
	X(MMSCOPE_PG_WRITEBACK, "writeback")				\
	X(MMSCOPE_PG_LOCKED, "locked")					\
	X(MMSCOPE_PG_UNEVICTABLE, "unevictable")			\
	X(MMSCOPE_PG_MLOCKED, "mlocked")				\
	X(MMSCOPE_PG_HUGETLB, "hugetlb")				\
	X(MMSCOPE_PG_RESERVED, "reserved")				\
	X(MMSCOPE_PG_ANON_EXCLUSIVE, "anon_exclusive")			\
	X(MMSCOPE_PG_ZERO, "zero_page")					\
	X(MMSCOPE_PG_HUGE_ZERO, "huge_zero_page")			\
	X(MMSCOPE_PG_HEAD, "head")					\
	X(MMSCOPE_PG_TAIL, "tail")					\
	X(MMSCOPE_PG_THP, "thp")

/* MMSCOPE_FAULT_* bits of mmscope_faultlab_event.fault_flags */
#define MMSCOPE_NAMES_FAULT_FLAG(X)					\
	X(MMSCOPE_FAULT_WRITE, "write")					\
	X(MMSCOPE_FAULT_MKWRITE, "mkwrite")				\
	X(MMSCOPE_FAULT_ALLOW_RETRY, "allow_retry")			\
	X(MMSCOPE_FAULT_RETRY_NOWAIT, "retry_nowait")			\
	X(MMSCOPE_FAULT_KILLABLE, "killable")				\
	X(MMSCOPE_FAULT_TRIED, "tried")					\
	X(MMSCOPE_FAULT_USER, "user")					\
	X(MMSCOPE_FAULT_REMOTE, "remote")				\
	X(MMSCOPE_FAULT_INSTRUCTION, "instruction")			\
	X(MMSCOPE_FAULT_INTERRUPTIBLE, "interruptible")			\
	X(MMSCOPE_FAULT_UNSHARE, "unshare")				\
	X(MMSCOPE_FAULT_ORIG_PTE_VALID, "orig_pte_valid")		\
	X(MMSCOPE_FAULT_VMA_LOCK, "vma_lock")				\
	X(MMSCOPE_FAULT_ACCESS_WRITE, "access_write")

/* MMSCOPE_VM_FAULT_* bits of mmscope_faultlab_event.result */
#define MMSCOPE_NAMES_FAULT_RESULT(X)					\
	X(MMSCOPE_VM_FAULT_OOM, "oom")					\
	X(MMSCOPE_VM_FAULT_SIGBUS, "sigbus")				\
	X(MMSCOPE_VM_FAULT_MAJOR, "major")				\
	X(MMSCOPE_VM_FAULT_HWPOISON, "hwpoison")			\
	X(MMSCOPE_VM_FAULT_SIGSEGV, "sigsegv")				\
	X(MMSCOPE_VM_FAULT_NOPAGE, "nopage")				\
	X(MMSCOPE_VM_FAULT_LOCKED, "locked")				\
	X(MMSCOPE_VM_FAULT_RETRY, "retry")				\
	X(MMSCOPE_VM_FAULT_FALLBACK, "fallback")			\
	X(MMSCOPE_VM_FAULT_DONE_COW, "done_cow")			\
	X(MMSCOPE_VM_FAULT_NEEDDSYNC, "needdsync")			\
	X(MMSCOPE_VM_FAULT_COMPLETED, "completed")			\
	X(MMSCOPE_VM_FAULT_ERRNO, "errno")

/* enum mmscope_faultlab_mode */
#define MMSCOPE_NAMES_FAULTLAB_MODE(X)					\
	X(MMSCOPE_FAULTLAB_PAGE, "page")				\
	X(MMSCOPE_FAULTLAB_PATTERN, "pattern")				\
	X(MMSCOPE_FAULTLAB_PFN, "pfn")					\
	X(MMSCOPE_FAULTLAB_MIXED, "mixed")

/* enum mmscope_faultlab_handler */
#define MMSCOPE_NAMES_FAULTLAB_HANDLER(X)				\
	X(MMSCOPE_FAULTLAB_H_FAULT, "fault")				\
	X(MMSCOPE_FAULTLAB_H_MAP_PAGES, "map_pages")			\
	X(MMSCOPE_FAULTLAB_H_PAGE_MKWRITE, "page_mkwrite")		\
	X(MMSCOPE_FAULTLAB_H_PFN_MKWRITE, "pfn_mkwrite")		\
	X(MMSCOPE_FAULTLAB_H_ACCESS, "access")				\
	X(MMSCOPE_FAULTLAB_H_HUGE_FAULT, "huge_fault")

/*
 * The fields of struct mmscope_faultlab_counters, in its order, as
 * X(field): a counter's name in debugfs and the JSON is its field's
 * (#field). MMSCOPE_NAMES_FAULTLAB_COUNTED are those the lab's callbacks
 * count; MMSCOPE_NAMES_FAULTLAB_COUNTER adds vmas, computed from them
 * (mmaps + opens - closes), and is every field. selftests/names-check.sh
 * checks both against the struct.
 */
#define MMSCOPE_NAMES_FAULTLAB_COUNTED(X)				\
	X(mmaps)							\
	X(opens)							\
	X(closes)							\
	X(may_splits)							\
	X(mremaps)							\
	X(faults_read)							\
	X(faults_write)							\
	X(faults_page)							\
	X(faults_nopage)						\
	X(faults_sigbus)						\
	X(faults_oom)							\
	X(map_pages_calls)						\
	X(map_pages_pages)						\
	X(page_mkwrites)						\
	X(pfn_mkwrites)							\
	X(access_calls)							\
	X(access_bytes)							\
	X(pages_filled)							\
	X(pages_cleaned)

#define MMSCOPE_NAMES_FAULTLAB_COUNTER(X)				\
	MMSCOPE_NAMES_FAULTLAB_COUNTED(X)				\
	X(vmas)

#endif /* _MMSCOPE_NAMES_H */
