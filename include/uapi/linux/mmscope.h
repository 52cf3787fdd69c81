/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmscope: look at a process's mm_struct, VMAs and page tables.
 *
 * The ioctl ABI of /dev/mmscope. Every request starts with its own size
 * (read with copy_struct_from_user(), so requests can grow: a size between
 * a struct's first version and the module's is zero-extended, a larger one
 * must be zero past what the module knows), carries a flags
 * word that must be 0 today, and has reserved fields that must be 0.
 * Unknown commands fail with ENOTTY, bad requests with EINVAL, unreadable or
 * unwritable user memory with EFAULT, and callers without CAP_SYS_ADMIN with
 * EPERM. Under lockdown=confidentiality every query that looks at a process
 * or at physical addresses fails with EPERM too (the fault lab's setup,
 * counters and mmap() still work). User pointers are __u64.
 *
 * The target is per open file: MMSCOPE_IOC_SET_TARGET chooses a process, and
 * every other query looks at that process until the target is changed. A
 * query whose target has exited fails with ESRCH.
 */
#ifndef _UAPI_LINUX_MMSCOPE_H
#define _UAPI_LINUX_MMSCOPE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MMSCOPE_IOC_MAGIC	0xE7

#define MMSCOPE_COMM_LEN	16
#define MMSCOPE_PATH_MAX	4096
#define MMSCOPE_SYM_LEN		64
#define MMSCOPE_FLAG_NAME_LEN	32

/*
 * The ABI's version: raised with every command, flag or field added, so
 * that a tool can tell a module older than itself (MMSCOPE_IOC_VERSION).
 */
#define MMSCOPE_ABI_VERSION	3

/**
 * struct mmscope_version - MMSCOPE_IOC_VERSION: which module this is, and
 *	what the running kernel lets it show
 * @size: sizeof(struct mmscope_version)
 * @flags: must be 0
 * @abi: out: the MMSCOPE_ABI_VERSION the module was built with; the first
 *	modules had no MMSCOPE_IOC_VERSION (ENOTTY) and were ABI 1
 * @tlb_features: out: the CPU features that decide TLB behaviour, as
 *	mmscope_tlb.out_flags gives them (MMSCOPE_TLB_PCID, _INVPCID, _PTI,
 *	_LA57, _INVLPGB, _INVLPGB_KNOWN)
 * @kernel_features: out: MMSCOPE_KERNEL_*: the kernel's configuration, as
 *	far as it decides what the exports can show
 * @version: out: the module's version, NUL-terminated (also in
 *	/sys/module/mmscope/version)
 *
 * Needs CAP_SYS_ADMIN, as every command, but no target, and it answers
 * under lockdown too.
 */
struct mmscope_version {
	__u32 size;
	__u32 flags;
	__u32 abi;
	__u32 tlb_features;
	__u64 kernel_features;
	__u8 version[32];
};

/* mmscope_version.kernel_features: without one, what it shows is never there */
#define MMSCOPE_KERNEL_THP		(1ULL << 0) /* CONFIG_TRANSPARENT_HUGEPAGE */
#define MMSCOPE_KERNEL_HUGETLB		(1ULL << 1) /* CONFIG_HUGETLBFS */
#define MMSCOPE_KERNEL_KSM		(1ULL << 2) /* CONFIG_KSM */
#define MMSCOPE_KERNEL_SWAP		(1ULL << 3) /* CONFIG_SWAP */
#define MMSCOPE_KERNEL_MEMCG		(1ULL << 4) /* CONFIG_MEMCG */
#define MMSCOPE_KERNEL_NUMA		(1ULL << 5) /* CONFIG_NUMA */
#define MMSCOPE_KERNEL_USERFAULTFD	(1ULL << 6) /* CONFIG_USERFAULTFD */
#define MMSCOPE_KERNEL_DEBUG_FS		(1ULL << 7) /* CONFIG_DEBUG_FS: debugfs files */
#define MMSCOPE_KERNEL_HUGE_PFNMAP	(1ULL << 8) /* PMD leaves of PFNs: MMSCOPE_FAULTLAB_HUGE */

/**
 * struct mmscope_set_target - MMSCOPE_IOC_SET_TARGET
 * @size: sizeof(struct mmscope_set_target)
 * @flags: must be 0
 * @pid: a PID in the caller's pid namespace, 1 to INT_MAX; EINVAL outside
 *	that range, ESRCH if no such process lives
 * @reserved: must be 0
 */
struct mmscope_set_target {
	__u32 size;
	__u32 flags;
	__u32 pid;
	__u32 reserved;
};

/* mmscope_mm_info.out_flags */
#define MMSCOPE_MM_KERNEL_THREAD	(1U << 0) /* the target is a kernel thread */
#define MMSCOPE_MM_NO_MM		(1U << 1) /* it has no mm: mm fields are 0 */
/* The kernel has no swap (no CONFIG_SWAP): @swap_ents is 0 for that reason. */
#define MMSCOPE_MM_NO_SWAP		(1U << 2)

/**
 * struct mmscope_mm_user - a task whose ->mm is the target's mm
 * @tid: thread ID in the caller's pid namespace (0 if not visible there)
 * @reserved: 0
 * @comm: the task's comm, NUL-terminated
 */
struct mmscope_mm_user {
	__u32 tid;
	__u32 reserved;
	__u8 comm[MMSCOPE_COMM_LEN];
};

/*
 * The most users one MMSCOPE_IOC_MM_INFO call copies out; users_total still
 * counts them all.
 */
#define MMSCOPE_MM_USERS_MAX	65536

/**
 * struct mmscope_mm_info - MMSCOPE_IOC_MM_INFO: the target's mm_struct
 * @size: sizeof(struct mmscope_mm_info)
 * @flags: must be 0
 * @users_ptr: in: array of @users_cap struct mmscope_mm_user, or 0
 * @users_cap: in: entries at @users_ptr
 * @users_count: out: entries written
 * @users_total: out: tasks (threads, CLONE_VM children, vfork children)
 *	whose ->mm is this mm
 * @pid: out: the target's PID in the caller's pid namespace
 * @out_flags: out: MMSCOPE_MM_*
 * @reserved: must be 0
 * @comm: out: the target's comm
 * @mm_users: out: mm->mm_users, the tasks and passing references (GUP,
 *	/proc/PID/mem readers) that keep the address space alive, without the
 *	one mmscope holds while it reads
 * @mm_count: out: mm->mm_count, the references to the struct itself: one
 *	for all of @mm_users together, plus each mmgrab() holder (such as a
 *	CPU that runs a kernel thread on this mm's page tables)
 * @map_count: out: mm->map_count, the number of VMAs
 * @total_vm: out: mm->total_vm, pages mapped (VmSize)
 * @locked_vm: out: mm->locked_vm, pages mlock()ed (VmLck); 0 without
 *	mlock(), mlockall() or MAP_LOCKED
 * @pinned_vm: out: mm->pinned_vm, pages pinned for the long term, such as
 *	RDMA or io_uring buffers (VmPin); usually 0
 * @data_vm: out: mm->data_vm, pages of private writable mappings that are
 *	not stack (VmData)
 * @exec_vm: out: mm->exec_vm, pages of executable mappings that are neither
 *	writable nor stack (VmExe)
 * @stack_vm: out: mm->stack_vm, pages of stack mappings (VmStk)
 * @rss_file: out: resident pages of file mappings, the MM_FILEPAGES counter
 *	(RssFile)
 * @rss_anon: out: resident anonymous pages, MM_ANONPAGES (RssAnon)
 * @rss_shmem: out: resident shared-memory pages (shmem, tmpfs, shared
 *	anonymous), MM_SHMEMPAGES (RssShmem)
 * @swap_ents: out: swap entries in the page tables, MM_SWAPENTS (VmSwap);
 *	0 while nothing is swapped out, and always with MMSCOPE_MM_NO_SWAP
 * @hiwater_rss: out: the peak of @rss_file + @rss_anon + @rss_shmem, from
 *	mm->hiwater_rss (VmHWM)
 * @hiwater_vm: out: the peak of @total_vm, from mm->hiwater_vm (VmPeak)
 * @start_code: out: mm->start_code, the first address of the program's
 *	text, as exec() loaded it
 * @end_code: out: mm->end_code, the end of that text
 * @start_data: out: mm->start_data, the first address of its initialized
 *	data
 * @end_data: out: mm->end_data, the end of that data
 * @start_brk: out: mm->start_brk, the start of the heap
 * @brk: out: mm->brk, the program break, the end of the heap (@start_brk
 *	while the heap is empty)
 * @start_stack: out: mm->start_stack, the initial stack pointer exec() left
 *	(where argc is), near the top of the main stack
 * @arg_start: out: mm->arg_start, the first byte of the argument strings
 * @arg_end: out: mm->arg_end, the end of the argument strings
 * @env_start: out: mm->env_start, the first byte of the environment strings
 * @env_end: out: mm->env_end, the end of the environment strings
 * @mmap_base: out: mm->mmap_base, where mmap() starts looking for room
 *	(downwards, in the usual top-down layout)
 * @task_size: out: mm->task_size, the end of the user address space:
 *	2^47 - 4096 with 4-level paging, 2^56 - 4096 with 5-level paging
 *	(where mmap() goes above 2^47 only when asked to), 4 GiB or less for
 *	a 32-bit process
 * @pgd_phys: out: the physical address of mm->pgd, the top-level page
 *	table
 * @pgtables_bytes: out: bytes of page tables below the PGD,
 *	mm_pgtables_bytes() (VmPTE, in bytes)
 *
 * Page counts (@total_vm up to @hiwater_vm) are in pages, as in struct
 * mm_struct; the layout fields up to @task_size are user virtual
 * addresses. Every field from @mm_users on is 0 with MMSCOPE_MM_NO_MM. The
 * layout fields are those the last exec() set (prctl(PR_SET_MM) can move
 * them). @hiwater_rss and @hiwater_vm are computed as /proc/PID/status
 * computes VmHWM and VmPeak, and the rss counters are read as
 * /proc/PID/status reads them.
 */
struct mmscope_mm_info {
	__u32 size;
	__u32 flags;
	__u64 users_ptr;
	__u32 users_cap;
	__u32 users_count;
	__u32 users_total;
	__u32 pid;
	__u32 out_flags;
	__u32 reserved;
	__u8 comm[MMSCOPE_COMM_LEN];

	__u64 mm_users;
	__u64 mm_count;
	__u64 map_count;

	__u64 total_vm;
	__u64 locked_vm;
	__u64 pinned_vm;
	__u64 data_vm;
	__u64 exec_vm;
	__u64 stack_vm;

	__u64 rss_file;
	__u64 rss_anon;
	__u64 rss_shmem;
	__u64 swap_ents;
	__u64 hiwater_rss;
	__u64 hiwater_vm;

	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
	__u64 mmap_base;
	__u64 task_size;

	__u64 pgd_phys;
	__u64 pgtables_bytes;
};

/* What a VMA is, by the rules in docs/exports.md ("VMA kinds"). */
enum mmscope_vma_kind {
	MMSCOPE_KIND_ANON = 0,
	MMSCOPE_KIND_TEXT = 1,
	MMSCOPE_KIND_DATA = 2,
	MMSCOPE_KIND_BSS = 3,
	MMSCOPE_KIND_HEAP = 4,
	MMSCOPE_KIND_STACK = 5,
	MMSCOPE_KIND_VDSO = 6,
	MMSCOPE_KIND_VVAR = 7,
	MMSCOPE_KIND_FILE = 8,
	MMSCOPE_KIND_SHM = 9,
	MMSCOPE_KIND_PFNMAP = 10,
	MMSCOPE_KIND_IO = 11,
	MMSCOPE_KIND_DEVICE = 12,
	MMSCOPE_KIND_COUNT
};

/* mmscope_vma.flags */
#define MMSCOPE_VMA_ANON_VMA	(1U << 0) /* an anon_vma is attached */
#define MMSCOPE_VMA_FILE	(1U << 1) /* vm_file is set */
#define MMSCOPE_VMA_PATH_LONG	(1U << 2) /* path longer than MMSCOPE_PATH_MAX: empty */

/**
 * struct mmscope_vma - one VMA, as one line of /proc/PID/maps and more
 * @start: vm_start
 * @end: vm_end
 * @offset: file offset in bytes (vm_pgoff << PAGE_SHIFT), 0 when no file,
 *	exactly as /proc/PID/maps shows it
 * @vm_flags: the raw vm_flags word; MMSCOPE_IOC_VM_FLAG_NAMES names its bits
 * @inode: inode number of the file, else 0
 * @dev_major: major of the file's device, else 0
 * @dev_minor: minor of the file's device, else 0
 * @kind: enum mmscope_vma_kind
 * @flags: MMSCOPE_VMA_*
 * @perms: "rwxp" or "rwxs" as in /proc/PID/maps, NUL-terminated
 * @vm_ops: symbol name of vma->vm_ops, "" when it is NULL
 * @path: the last column of /proc/PID/maps (unescaped): the file's path,
 *	[heap], [stack], [vdso], [vvar], [anon:NAME], or ""
 */
struct mmscope_vma {
	__u64 start;
	__u64 end;
	__u64 offset;
	__u64 vm_flags;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 kind;
	__u32 flags;
	__u8 perms[8];
	__u8 vm_ops[MMSCOPE_SYM_LEN];
	__u8 path[MMSCOPE_PATH_MAX];
};

/**
 * struct mmscope_vma_brief - one VMA as struct mmscope_vma says it, but
 *	with its path in a separate buffer (MMSCOPE_VMAS_BRIEF)
 * @start: vma->vm_start, the VMA's first address
 * @end: vma->vm_end, the address after its last byte
 * @offset: the file offset in bytes (vm_pgoff << PAGE_SHIFT), 0 when no
 *	file, as /proc/PID/maps shows it
 * @vm_flags: the raw vma->vm_flags; MMSCOPE_IOC_VM_FLAG_NAMES names its bits
 * @inode: the inode number of the mapped file, 0 when no file
 * @dev_major: the major number of the file's device (its superblock's
 *	s_dev), 0 when no file
 * @dev_minor: the minor number of that device, 0 when no file
 * @kind: enum mmscope_vma_kind
 * @flags: MMSCOPE_VMA_*
 * @perms: "rwxp" or "rwxs" as in /proc/PID/maps, NUL-terminated
 * @vm_ops: the symbol name of vma->vm_ops, "" when it is NULL
 * @path_offset: where the path starts in the call's @strings_ptr buffer
 * @path_len: its length in bytes, not counting the NUL that ends it; 0 for
 *	no path (the string at @path_offset is then "")
 *
 * @start up to @vm_ops are those of struct mmscope_vma, at the same
 * offsets. 136 bytes rather than 4,224: an anonymous VMA costs its path's
 * NUL.
 */
struct mmscope_vma_brief {
	__u64 start;
	__u64 end;
	__u64 offset;
	__u64 vm_flags;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 kind;
	__u32 flags;
	__u8 perms[8];
	__u8 vm_ops[MMSCOPE_SYM_LEN];
	__u32 path_offset;
	__u32 path_len;
};

/* mmscope_vmas.flags */
#define MMSCOPE_VMAS_BRIEF	(1U << 0) /* brief records, paths at @strings_ptr */

/* mmscope_vmas.out_flags */
#define MMSCOPE_VMAS_DONE	(1U << 0) /* no VMA ends above @next */

/**
 * struct mmscope_vmas - MMSCOPE_IOC_VMAS: the VMAs above an address, batched
 * @size: sizeof(struct mmscope_vmas); the first version ends at @reserved
 * @flags: 0, or MMSCOPE_VMAS_BRIEF
 * @start: in: report the VMAs that end above this address
 * @vmas_ptr: in: array of @count records of @vma_size bytes each
 * @vma_size: in: sizeof(struct mmscope_vma), or of struct mmscope_vma_brief
 *	with MMSCOPE_VMAS_BRIEF, as the caller knows it; at least the first
 *	version's size. Larger records get their tail zeroed.
 * @count: in: room at @vmas_ptr (at least 1); out: records written
 * @next: out: pass as @start to continue after the last record written
 * @out_flags: out: MMSCOPE_VMAS_*
 * @reserved: must be 0
 * @strings_ptr: in: with MMSCOPE_VMAS_BRIEF, where the paths go, each
 *	NUL-terminated, one after the other; else must be 0
 * @strings_size: in: bytes at @strings_ptr, at least MMSCOPE_PATH_MAX with
 *	MMSCOPE_VMAS_BRIEF (EINVAL otherwise), else must be 0
 * @strings_used: out: bytes written at @strings_ptr (ignored on input)
 *
 * With MMSCOPE_VMAS_BRIEF a call also ends before the first VMA whose path
 * does not fit in what is left at @strings_ptr (not the first VMA of the
 * call: a path is at most MMSCOPE_PATH_MAX bytes with its NUL); continue
 * from @next with the buffer emptied. A path too long for MMSCOPE_PATH_MAX
 * is "" with MMSCOPE_VMA_PATH_LONG, as in struct mmscope_vma.
 *
 * The mmap lock is dropped between internal batches, so a long listing of a
 * changing process is a series of consistent snapshots, never a crash.
 */
struct mmscope_vmas {
	__u32 size;
	__u32 flags;
	__u64 start;
	__u64 vmas_ptr;
	__u32 vma_size;
	__u32 count;
	__u64 next;
	__u32 out_flags;
	__u32 reserved;
	__u64 strings_ptr;
	__u32 strings_size;
	__u32 strings_used;
};

/* The size of struct mmscope_vmas's first version, without the strings. */
#define MMSCOPE_VMAS_SIZE_VER0	48

/* mmscope_lookup.out_flags */
#define MMSCOPE_LOOKUP_FOUND	(1U << 0) /* a VMA ends above @addr */
#define MMSCOPE_LOOKUP_CONTAINS	(1U << 1) /* and it contains @addr */

/**
 * struct mmscope_lookup - MMSCOPE_IOC_LOOKUP: find_vma() semantics
 * @size: sizeof(struct mmscope_lookup)
 * @flags: must be 0
 * @addr: in: user address below the target's TASK_SIZE, else EINVAL (the
 *	largest TASK_SIZE while the target is in the middle of exec())
 * @vma_ptr: in: a struct mmscope_vma to fill, or 0
 * @vma_size: in: its size, as for struct mmscope_vmas
 * @out_flags: out: MMSCOPE_LOOKUP_*
 * @gap: out: bytes from @addr up to the VMA's start when FOUND but not
 *	CONTAINS, else 0
 */
struct mmscope_lookup {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 vma_ptr;
	__u32 vma_size;
	__u32 out_flags;
	__u64 gap;
};

/**
 * struct mmscope_vm_flag_names - MMSCOPE_IOC_VM_FLAG_NAMES
 * @size: sizeof(struct mmscope_vm_flag_names)
 * @flags: must be 0
 * @known: out: the vm_flags bits the running kernel defines
 * @names: out: names[bit] is "VM_..." for each known bit, else ""
 *
 * The names come from the running kernel's own headers, so a tool decodes
 * vm_flags without knowing which kernel it runs on.
 */
struct mmscope_vm_flag_names {
	__u32 size;
	__u32 flags;
	__u64 known;
	__u8 names[64][MMSCOPE_FLAG_NAME_LEN];
};

/* --- Page tables, page state and copy-on-write ------------------------- */

/* Page-table levels (mmscope_level.level). */
enum mmscope_pt_level {
	MMSCOPE_LEVEL_PGD = 0,
	MMSCOPE_LEVEL_P4D = 1,	/* only when 5-level paging is active */
	MMSCOPE_LEVEL_PUD = 2,
	MMSCOPE_LEVEL_PMD = 3,
	MMSCOPE_LEVEL_PTE = 4,
};

/* What an entry holds (mmscope_level.state, mmscope_page.state). */
enum mmscope_entry_state {
	MMSCOPE_ENTRY_NONE = 0,		/* empty: nothing mapped, no table */
	MMSCOPE_ENTRY_TABLE = 1,	/* points to the next level's table */
	MMSCOPE_ENTRY_PRESENT = 2,	/* maps a page (a leaf; PROT_NONE too) */
	MMSCOPE_ENTRY_SWAP = 3,		/* swapped out: swap_type, swap_offset */
	MMSCOPE_ENTRY_MIGRATION = 4,	/* under migration */
	MMSCOPE_ENTRY_DEVICE_PRIVATE = 5,
	MMSCOPE_ENTRY_DEVICE_EXCLUSIVE = 6,
	MMSCOPE_ENTRY_HWPOISON = 7,
	MMSCOPE_ENTRY_MARKER = 8,	/* a PTE marker (uffd-wp, poison, guard) */
	MMSCOPE_ENTRY_BAD = 9,		/* corrupt (pXd_bad) */
	MMSCOPE_ENTRY_NO_VMA = 10,	/* pages only: a range with no VMA */
	MMSCOPE_ENTRY_STATE_COUNT
};

/*
 * Decoded entry bits (mmscope_level.bits, mmscope_page.pte_flags). For a
 * non-present entry only SOFT_DIRTY, UFFD_WP and EXCLUSIVE are meaningful,
 * read from their swap-entry positions.
 */
#define MMSCOPE_PTE_PRESENT	(1U << 0)
#define MMSCOPE_PTE_RW		(1U << 1)
#define MMSCOPE_PTE_USER	(1U << 2)
#define MMSCOPE_PTE_PWT		(1U << 3)
#define MMSCOPE_PTE_PCD		(1U << 4)
#define MMSCOPE_PTE_ACCESSED	(1U << 5)
#define MMSCOPE_PTE_DIRTY	(1U << 6)
#define MMSCOPE_PTE_HUGE	(1U << 7)	/* PS: a leaf above the PTE level */
#define MMSCOPE_PTE_GLOBAL	(1U << 8)
#define MMSCOPE_PTE_NX		(1U << 9)
#define MMSCOPE_PTE_SOFT_DIRTY	(1U << 10)
#define MMSCOPE_PTE_UFFD_WP	(1U << 11)
#define MMSCOPE_PTE_PROTNONE	(1U << 12)
#define MMSCOPE_PTE_SPECIAL	(1U << 13)
#define MMSCOPE_PTE_DEVMAP	(1U << 14)
#define MMSCOPE_PTE_PAT		(1U << 15)
#define MMSCOPE_PTE_EXCLUSIVE	(1U << 16)	/* swap entry of an exclusive page */

/**
 * struct mmscope_level - one entry of a page-table walk
 * @table_phys: physical address of the table that holds the entry
 * @entry: the raw entry
 * @leaf_size: bytes a present leaf maps (1G, 2M, 4K), else 0
 * @index: the entry's index in its table
 * @level: enum mmscope_pt_level
 * @state: enum mmscope_entry_state
 * @bits: MMSCOPE_PTE_*
 */
struct mmscope_level {
	__u64 table_phys;
	__u64 entry;
	__u64 leaf_size;
	__u32 index;
	__u32 level;
	__u32 state;
	__u32 bits;
};

/* What a write by the target would do now (mmscope_page.cow). */
enum mmscope_cow {
	MMSCOPE_COW_NONE = 0,		/* not present: a fault will populate */
	MMSCOPE_COW_WRITABLE = 1,	/* the PTE allows the write: no fault */
	MMSCOPE_COW_REUSE = 2,		/* a write fault that keeps the page */
	MMSCOPE_COW_COPY = 3,		/* a write fault that copies the page */
	MMSCOPE_COW_ZERO = 4,		/* the zero page: a write allocates */
	MMSCOPE_COW_SHARED = 5,		/* MAP_SHARED: never copies */
	MMSCOPE_COW_READONLY = 6,	/* no VM_WRITE (or no VMA): SIGSEGV */
	MMSCOPE_COW_COUNT
};

/* mmscope_page.page_flags: what struct page / folio says. */
#define MMSCOPE_PG_ANON		(1ULL << 0)
#define MMSCOPE_PG_KSM		(1ULL << 1)
#define MMSCOPE_PG_SWAPBACKED	(1ULL << 2)
#define MMSCOPE_PG_SWAPCACHE	(1ULL << 3)
#define MMSCOPE_PG_LRU		(1ULL << 4)
#define MMSCOPE_PG_ACTIVE	(1ULL << 5)
#define MMSCOPE_PG_REFERENCED	(1ULL << 6)
#define MMSCOPE_PG_DIRTY	(1ULL << 7)
#define MMSCOPE_PG_WRITEBACK	(1ULL << 8)
#define MMSCOPE_PG_LOCKED	(1ULL << 9)
#define MMSCOPE_PG_UNEVICTABLE	(1ULL << 10)
#define MMSCOPE_PG_MLOCKED	(1ULL << 11)
#define MMSCOPE_PG_HUGETLB	(1ULL << 12)
#define MMSCOPE_PG_RESERVED	(1ULL << 13)
#define MMSCOPE_PG_ANON_EXCLUSIVE (1ULL << 14)
#define MMSCOPE_PG_ZERO		(1ULL << 15)	/* the shared zero page */
#define MMSCOPE_PG_HUGE_ZERO	(1ULL << 16)	/* the huge zero page */
#define MMSCOPE_PG_HEAD		(1ULL << 17)	/* first page of a large folio */
#define MMSCOPE_PG_TAIL		(1ULL << 18)	/* any other page of one */
#define MMSCOPE_PG_THP		(1ULL << 19)	/* large folio, not hugetlb */

/* mmscope_page.flags */
#define MMSCOPE_PAGE_HAS_STRUCT_PAGE (1U << 0) /* page state fields are valid */
#define MMSCOPE_PAGE_FILE	(1U << 1)	/* page cache: ino and index */

/**
 * struct mmscope_page - one page, or one run of a range, and its state
 * @addr: first virtual address covered
 * @size: bytes covered: a present leaf's page size, or less where the
 *	requested range cuts the leaf; a run of empty or unmapped space otherwise
 * @pfn: page frame of the first page covered, when present
 * @page_size: size of the mapping (4K, 2M, 1G) when present, else 0
 * @swap_offset: offset of a swap or migration entry
 * @page_flags: MMSCOPE_PG_* (valid with MMSCOPE_PAGE_HAS_STRUCT_PAGE)
 * @ino: inode number of a page-cache page
 * @index: page index in its file or anon_vma
 * @state: enum mmscope_entry_state of the leaf entry
 * @pte_flags: MMSCOPE_PTE_* of the leaf entry
 * @cow: enum mmscope_cow
 * @swap_type: type (swap device) of a swap entry
 * @refcount: the folio's reference count
 * @mapcount: mappings of this page, as /proc/kpagecount counts them
 * @folio_mapcount: mappings of the whole folio
 * @order: the folio's order
 * @flags: MMSCOPE_PAGE_*
 * @reserved: 0
 */
struct mmscope_page {
	__u64 addr;
	__u64 size;
	__u64 pfn;
	__u64 page_size;
	__u64 swap_offset;
	__u64 page_flags;
	__u64 ino;
	__u64 index;
	__u32 state;
	__u32 pte_flags;
	__u32 cow;
	__u32 swap_type;
	__u32 refcount;
	__u32 mapcount;
	__u32 folio_mapcount;
	__u32 order;
	__u32 flags;
	__u32 reserved;
};

#define MMSCOPE_MAX_LEVELS	5

/* mmscope_walk.out_flags */
#define MMSCOPE_WALK_NO_VMA	(1U << 0)	/* no VMA contains addr */
/*
 * The walk stopped at a table entry whose span no VMA overlaps: the table
 * it points to may be freed at any moment by a munmap() in progress, so it
 * was not read. The last level is that entry; @page is a NO_VMA run.
 */
#define MMSCOPE_WALK_NOT_PINNED	(1U << 1)

/**
 * struct mmscope_walk - MMSCOPE_IOC_WALK: one address, every level
 * @size: sizeof(struct mmscope_walk)
 * @flags: must be 0
 * @addr: in: a user address below the target's TASK_SIZE (the largest
 *	TASK_SIZE while the target is in the middle of exec())
 * @nr_levels: out: entries filled in @levels (the walk stops at a leaf or
 *	at a missing table)
 * @paging_levels: out: 4 or 5
 * @out_flags: out: MMSCOPE_WALK_*
 * @reserved: must be 0
 * @phys: out: physical address of @addr's byte when present
 * @levels: out: PGD first
 * @page: out: the leaf: state, PFN, page state, COW verdict
 *
 * The walk is a snapshot taken under the target's mmap lock and the page
 * table lock; it never changes the target's page tables or faults in.
 * @page covers the 4K page at @addr; @page.page_size is its leaf's size.
 * An address with no VMA is walked as far as VMAs keep the tables alive
 * (MMSCOPE_WALK_NOT_PINNED says where that stopped), and its page state is
 * never read. A kernel thread has no user page tables: ENOENT.
 */
struct mmscope_walk {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u32 nr_levels;
	__u32 paging_levels;
	__u32 out_flags;
	__u32 reserved;
	__u64 phys;
	struct mmscope_level levels[MMSCOPE_MAX_LEVELS];
	struct mmscope_page page;
};

/* mmscope_pages.out_flags */
#define MMSCOPE_PAGES_DONE	(1U << 0)	/* the range is complete */

/* mmscope_pages.flags: what the call returns (at most one of them) */
#define MMSCOPE_PAGES_PTE_ONLY	(1U << 0)	/* struct mmscope_page_pte records */
#define MMSCOPE_PAGES_SUMMARY	(1U << 1)	/* no records: the sum_* counters */

/**
 * struct mmscope_page_pte - a record with the page-table entry's fields only
 * @addr: first virtual address covered; the record covers up to the next
 *	record's @addr, the last one of a call up to mmscope_pages.next
 * @pfn: the page frame of @addr when present (the next 4K page's is
 *	@pfn + 1, and so on); the offset of a swap-style entry (swap,
 *	migration...); else 0
 * @pte_flags: MMSCOPE_PTE_* of the leaf entry
 * @state: enum mmscope_entry_state
 * @page_shift: log2 of the mapping's page size (12, 21, 30) when present,
 *	else 0
 * @swap_type: the type of a swap-style entry
 * @reserved: 0
 *
 * What MMSCOPE_PAGES_PTE_ONLY returns, read from the page tables alone:
 * no struct page is read, so there is no COW verdict, no counts and no
 * page flags. The records are struct mmscope_page's (one per PMD or PUD
 * leaf, per swap-style entry, per run of empty entries or of space with no
 * VMA), except that runs of one empty state merge across VMAs too, and
 * that present 4K pages with consecutive frames and the same @pte_flags
 * are one record (a run the allocator handed out in order).
 */
struct mmscope_page_pte {
	__u64 addr;
	__u64 pfn;
	__u32 pte_flags;
	__u8 state;
	__u8 page_shift;
	__u8 swap_type;
	__u8 reserved;
};

/* Room in the summary's counters, for states and verdicts to come */
#define MMSCOPE_PAGES_SUM_STATES	16
#define MMSCOPE_PAGES_SUM_COWS		8
#define MMSCOPE_PAGES_SUM_SIZES		4	/* 4K, 2M, 1G, and one spare */

/**
 * struct mmscope_pages - MMSCOPE_IOC_PAGES: the pages of a range, batched
 * @size: sizeof(struct mmscope_pages); with MMSCOPE_PAGES_SUMMARY at least
 *	up to @sum_present (EINVAL otherwise), else at least
 *	MMSCOPE_PAGES_SIZE_VER0
 * @flags: 0 (struct mmscope_page records), MMSCOPE_PAGES_PTE_ONLY or
 *	MMSCOPE_PAGES_SUMMARY; both together, or any other bit: EINVAL
 * @start: in: first address (rounded down to a page)
 * @end: in: end of the range, above @start and at most the TASK_SIZE
 * @records_ptr: in: array of @count records of @record_size bytes; 0 with
 *	SUMMARY
 * @record_size: in: sizeof(struct mmscope_page), or with PTE_ONLY
 *	sizeof(struct mmscope_page_pte), as the caller knows it; 0 with SUMMARY
 * @count: in: room at @records_ptr; out: records written; 0 with SUMMARY
 * @next: out: pass as @start to continue
 * @out_flags: out: MMSCOPE_PAGES_*
 * @reserved: must be 0
 * @sum_state: out, with SUMMARY: 4K pages of the range by
 *	enum mmscope_entry_state (a 2M leaf counts 512 PRESENT pages)
 * @sum_cow: out, with SUMMARY: 4K pages by enum mmscope_cow, as the records'
 *	verdicts
 * @sum_present: out, with SUMMARY: present 4K pages by the size of the leaf
 *	mapping them: [0] 4K, [1] 2M, [2] 1G
 *
 * One record per present page (one per PMD or PUD leaf, not one per 4K of
 * it), per swap or other non-present entry, and per run of empty entries
 * or of space with no VMA. Kernel memory per call is one small batch
 * whatever the range, and the mmap lock is dropped between batches.
 *
 * SUMMARY counts what the records of [@start, @end) would say, without
 * records: a call walks the whole range (DONE, @next = @end) unless a
 * fatal signal ends it. The counters are per call: every call zeroes them
 * first, whatever they held. Without SUMMARY they are returned as zeros.
 */
struct mmscope_pages {
	__u32 size;
	__u32 flags;
	__u64 start;
	__u64 end;
	__u64 records_ptr;
	__u32 record_size;
	__u32 count;
	__u64 next;
	__u32 out_flags;
	__u32 reserved;
	/* Version 2: the summary */
	__u64 sum_state[MMSCOPE_PAGES_SUM_STATES];
	__u64 sum_cow[MMSCOPE_PAGES_SUM_COWS];
	__u64 sum_present[MMSCOPE_PAGES_SUM_SIZES];
};

/* The size of struct mmscope_pages's first version, without the summary. */
#define MMSCOPE_PAGES_SIZE_VER0	56

/*
 * The fault lab. An open file of /dev/mmscope can hold one lab: after
 * MMSCOPE_IOC_FAULTLAB_SETUP, mmap() of that file maps the lab with
 * mmscope's own vm_operations, which count every callback and log every
 * fault. The lab's memory lives until the last mapping is gone and the
 * last descriptor is closed.
 *
 * mmap() of the file fails with ENODEV before setup, ENXIO at an offset at
 * or past the lab's end, and, for PFN and MIXED, EINVAL unless MAP_SHARED
 * and EPERM with PROT_EXEC. A fault past the lab's end (a mapping may be
 * longer than the lab) is SIGBUS. fsync() and msync(MS_SYNC) clean the
 * dirty pages of PAGE and PATTERN: the next write calls page_mkwrite again.
 */
enum mmscope_faultlab_mode {
	MMSCOPE_FAULTLAB_PAGE = 1,	/* zeroed pages, returned in vmf->page */
	MMSCOPE_FAULTLAB_PATTERN = 2,	/* like PAGE, filled with the pattern */
	MMSCOPE_FAULTLAB_PFN = 3,	/* VM_IO|VM_PFNMAP, vmf_insert_pfn() */
	MMSCOPE_FAULTLAB_MIXED = 4,	/* VM_MIXEDMAP, vmf_insert_mixed() */
	MMSCOPE_FAULTLAB_MODE_COUNT
};

/* mmscope_faultlab_setup.flags */
#define MMSCOPE_FAULTLAB_NO_FAULT_AROUND (1U << 0) /* no ->map_pages */
/*
 * PFN only, a length of whole 2 MiB (else EINVAL): the lab is allocated at
 * setup as 2 MiB blocks of contiguous, aligned memory (ENOMEM if there are
 * none), and ->huge_fault maps a block with one PMD entry where the kernel
 * calls it for VM_PFNMAP (6.12: vmf_insert_pfn_pmd(), a pmd_special()
 * leaf, whatever the THP settings, unless MADV_NOHUGEPAGE or
 * PR_SET_THP_DISABLE), in a VMA that covers the block's 2 MiB at a 2 MiB-
 * aligned address and file offset. Elsewhere, and on kernels that do not
 * (6.1), the lab faults in 4K PTEs as without the flag. A kernel without
 * CONFIG_TRANSPARENT_HUGEPAGE (Debian's PREEMPT_RT builds) cannot map a PMD
 * leaf of PFNs at all: setup with the flag fails with EOPNOTSUPP.
 */
#define MMSCOPE_FAULTLAB_HUGE		(1U << 1)
#define MMSCOPE_FAULTLAB_SETUP_FLAGS	(MMSCOPE_FAULTLAB_NO_FAULT_AROUND | MMSCOPE_FAULTLAB_HUGE)

/**
 * struct mmscope_faultlab_setup - MMSCOPE_IOC_FAULTLAB_SETUP
 * @size: sizeof(struct mmscope_faultlab_setup)
 * @flags: MMSCOPE_FAULTLAB_* setup flags
 * @mode: an enum mmscope_faultlab_mode
 * @reserved: must be 0
 * @length: bytes, a multiple of the page size, at most the module parameter
 *	faultlab_max_bytes (EINVAL above it); the sum over all labs is bounded by
 *	faultlab_budget_bytes (ENOMEM above it)
 * @lab_id: out: the lab's number, as the log and debugfs name it
 *
 * Once per open file (EBUSY after that). PFN and MIXED are device memory:
 * they map only MAP_SHARED and never PROT_EXEC. The lab is set up before
 * @lab_id is written back: if that write faults (EFAULT), the file has its
 * lab all the same, and MMSCOPE_IOC_FAULTLAB_STATS tells its id.
 */
struct mmscope_faultlab_setup {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 reserved;
	__u64 length;
	__u64 lab_id;
};

#define MMSCOPE_FAULTLAB_MAGIC	0x6d6d73636f70654cULL	/* "Lepocsmm" */

/**
 * struct mmscope_faultlab_pattern - what a PATTERN page holds: this
 *	record, repeated to fill the page
 * @magic: MMSCOPE_FAULTLAB_MAGIC
 * @lab_id: the lab's number, as MMSCOPE_IOC_FAULTLAB_SETUP returned it
 * @pgoff: the page's offset in the lab, in pages
 * @fill: the lab's pages_filled counter once this page was filled: it
 *	counts the pages the lab has filled, from 1, so a refill is visible
 */
struct mmscope_faultlab_pattern {
	__u64 magic;
	__u64 lab_id;
	__u64 pgoff;
	__u64 fill;
};

/**
 * struct mmscope_faultlab_counters - what the lab's callbacks did
 * @mmaps: successful mmap() calls
 * @opens: vm_ops->open (a VMA copied: fork, split, mremap)
 * @closes: vm_ops->close (a VMA gone)
 * @may_splits: vm_ops->may_split (mprotect, munmap or mremap cut a VMA)
 * @mremaps: vm_ops->mremap (a VMA moved)
 * @faults_read: vm_ops->fault without FAULT_FLAG_WRITE
 * @faults_write: vm_ops->fault with FAULT_FLAG_WRITE
 * @faults_page: faults that returned a page (VM_FAULT_LOCKED)
 * @faults_nopage: faults that installed the entry themselves (VM_FAULT_NOPAGE)
 * @faults_sigbus: faults past the lab's end (VM_FAULT_SIGBUS)
 * @faults_oom: faults that could not get memory (VM_FAULT_OOM)
 * @map_pages_calls: vm_ops->map_pages (fault-around)
 * @map_pages_pages: entries it turned from empty to present
 * @page_mkwrites: vm_ops->page_mkwrite
 * @pfn_mkwrites: vm_ops->pfn_mkwrite
 * @access_calls: vm_ops->access (ptrace, /proc/PID/mem on VM_IO memory)
 * @access_bytes: bytes it copied
 * @pages_filled: backing pages created
 * @pages_cleaned: dirty pages cleaned by fsync() or msync(MS_SYNC)
 * @vmas: VMAs that map the lab now
 */
struct mmscope_faultlab_counters {
	__u64 mmaps;
	__u64 opens;
	__u64 closes;
	__u64 may_splits;
	__u64 mremaps;
	__u64 faults_read;
	__u64 faults_write;
	__u64 faults_page;
	__u64 faults_nopage;
	__u64 faults_sigbus;
	__u64 faults_oom;
	__u64 map_pages_calls;
	__u64 map_pages_pages;
	__u64 page_mkwrites;
	__u64 pfn_mkwrites;
	__u64 access_calls;
	__u64 access_bytes;
	__u64 pages_filled;
	__u64 pages_cleaned;
	__u64 vmas;
};

/**
 * struct mmscope_faultlab_stats - MMSCOPE_IOC_FAULTLAB_STATS
 * @size: sizeof(struct mmscope_faultlab_stats)
 * @flags: must be 0
 * @reserved: must be 0
 * @lab_id: out: this file's lab, 0 if it has none (then @lab is all 0)
 * @mode: out: its enum mmscope_faultlab_mode
 * @setup_flags: out: its setup flags
 * @length: out: its length in bytes
 * @pages_resident: out: backing pages it holds now
 * @labs: out: labs alive in the module
 * @log_size: out: entries the fault log keeps (module parameter)
 * @lab: out: this lab's counters
 * @global: out: every lab's counters, since the module was loaded (@vmas:
 *	VMAs that map any lab now)
 * @lab_files: out: open files of the device that hold a lab, set up or not
 *	(a file opened for writing gets one at open(), a read-only file at
 *	its first MMSCOPE_IOC_FAULTLAB_SETUP; queries never make one)
 * @reserved2: 0
 */
struct mmscope_faultlab_stats {
	__u32 size;
	__u32 flags;
	__u64 reserved;
	__u64 lab_id;
	__u32 mode;
	__u32 setup_flags;
	__u64 length;
	__u64 pages_resident;
	__u32 labs;
	__u32 log_size;
	struct mmscope_faultlab_counters lab;
	struct mmscope_faultlab_counters global;
	__u32 lab_files;
	__u32 reserved2;
};

/* The first version of struct mmscope_faultlab_stats ended at @global. */
#define MMSCOPE_FAULTLAB_STATS_SIZE_VER0	376

/* mmscope_faultlab_event.handler */
enum mmscope_faultlab_handler {
	MMSCOPE_FAULTLAB_H_FAULT = 1,
	MMSCOPE_FAULTLAB_H_MAP_PAGES = 2,
	MMSCOPE_FAULTLAB_H_PAGE_MKWRITE = 3,
	MMSCOPE_FAULTLAB_H_PFN_MKWRITE = 4,
	MMSCOPE_FAULTLAB_H_ACCESS = 5,
	MMSCOPE_FAULTLAB_H_HUGE_FAULT = 6,	/* nr: the pages of the PMD leaf */
	MMSCOPE_FAULTLAB_H_COUNT
};

/* mmscope_faultlab_event.fault_flags: enum fault_flag, renumbered stably */
#define MMSCOPE_FAULT_WRITE		(1U << 0)
#define MMSCOPE_FAULT_MKWRITE		(1U << 1)
#define MMSCOPE_FAULT_ALLOW_RETRY	(1U << 2)
#define MMSCOPE_FAULT_RETRY_NOWAIT	(1U << 3)
#define MMSCOPE_FAULT_KILLABLE		(1U << 4)
#define MMSCOPE_FAULT_TRIED		(1U << 5)
#define MMSCOPE_FAULT_USER		(1U << 6)
#define MMSCOPE_FAULT_REMOTE		(1U << 7)
#define MMSCOPE_FAULT_INSTRUCTION	(1U << 8)
#define MMSCOPE_FAULT_INTERRUPTIBLE	(1U << 9)
#define MMSCOPE_FAULT_UNSHARE		(1U << 10)
#define MMSCOPE_FAULT_ORIG_PTE_VALID	(1U << 11)
#define MMSCOPE_FAULT_VMA_LOCK		(1U << 12) /* 6.4+: under the VMA lock */
#define MMSCOPE_FAULT_ACCESS_WRITE	(1U << 31) /* ->access: a write */

/* mmscope_faultlab_event.result: enum vm_fault_reason, renumbered stably */
#define MMSCOPE_VM_FAULT_OOM		(1U << 0)
#define MMSCOPE_VM_FAULT_SIGBUS		(1U << 1)
#define MMSCOPE_VM_FAULT_MAJOR		(1U << 2)
#define MMSCOPE_VM_FAULT_HWPOISON	(1U << 3)
#define MMSCOPE_VM_FAULT_SIGSEGV	(1U << 4)
#define MMSCOPE_VM_FAULT_NOPAGE		(1U << 5)
#define MMSCOPE_VM_FAULT_LOCKED		(1U << 6)
#define MMSCOPE_VM_FAULT_RETRY		(1U << 7)
#define MMSCOPE_VM_FAULT_FALLBACK	(1U << 8)
#define MMSCOPE_VM_FAULT_DONE_COW	(1U << 9)
#define MMSCOPE_VM_FAULT_NEEDDSYNC	(1U << 10)
#define MMSCOPE_VM_FAULT_COMPLETED	(1U << 11)
#define MMSCOPE_VM_FAULT_ERRNO		(1U << 31) /* ->access failed */

/**
 * struct mmscope_faultlab_event - one entry of the fault log
 * @seq: its number, from 1, in the order the handlers finished
 * @time_ns: CLOCK_MONOTONIC when it finished
 * @lab_id: the lab
 * @addr: the faulting address (->access: the first byte)
 * @pgoff: the page's offset in the lab (->map_pages: the window's first)
 * @pgoff_last: ->map_pages: the window's last offset; else @pgoff
 * @nr: ->map_pages: entries made present; ->access: bytes copied
 * @pfn: the page frame returned or inserted, 0 if none
 * @tgid: the faulting process, as the init pid namespace numbers it
 * @tid: the faulting thread, likewise
 * @handler: an enum mmscope_faultlab_handler
 * @fault_flags: MMSCOPE_FAULT_*
 * @result: MMSCOPE_VM_FAULT_* the handler returned
 * @reserved: 0
 */
struct mmscope_faultlab_event {
	__u64 seq;
	__u64 time_ns;
	__u64 lab_id;
	__u64 addr;
	__u64 pgoff;
	__u64 pgoff_last;
	__u64 nr;
	__u64 pfn;
	__u32 tgid;
	__u32 tid;
	__u32 handler;
	__u32 fault_flags;
	__u32 result;
	__u32 reserved;
};

/* mmscope_faultlab_log.flags */
#define MMSCOPE_FAULTLAB_LOG_THIS_LAB	(1U << 0) /* only this file's lab */

/**
 * struct mmscope_faultlab_log - MMSCOPE_IOC_FAULTLAB_LOG: read the fault log
 * @size: sizeof(struct mmscope_faultlab_log)
 * @flags: MMSCOPE_FAULTLAB_LOG_*; THIS_LAB on a file without a lab: ENODEV
 * @since_seq: in: return events numbered above this, oldest first
 * @events_ptr: in: array of @count events of @event_size bytes
 * @event_size: in: sizeof(struct mmscope_faultlab_event) as the caller knows it
 * @count: in: room at @events_ptr; out: events written
 * @last_seq: out: the last event's number; pass as @since_seq to go on
 * @lost: out: events above @since_seq the log no longer holds
 * @reserved: must be 0
 */
struct mmscope_faultlab_log {
	__u32 size;
	__u32 flags;
	__u64 since_seq;
	__u64 events_ptr;
	__u32 event_size;
	__u32 count;
	__u64 last_seq;
	__u64 lost;
	__u64 reserved;
};

/*
 * smaps: the kernel's own accounting (fs/proc/task_mmu.c, smaps_account()),
 * from mmscope's walk. Sizes are in bytes; the Pss family is kept as the
 * kernel keeps it, in bytes << MMSCOPE_PSS_SHIFT, so that a sum of records
 * (a rollup) divides exactly as /proc/PID/smaps_rollup does.
 */
#define MMSCOPE_PSS_SHIFT	12

/*
 * mmscope_smaps_vma.flags: MMSCOPE_SMAPS_VMA_CHANGED, the VMA changed while
 * the walk let the mmap lock go, so its numbers are not one snapshot.
 */
#define MMSCOPE_SMAPS_VMA_CHANGED (1U << 0)
/*
 * What this kernel lacks, set in every record it writes: those fields are
 * 0 because the kernel has no such memory, not because the VMA has none.
 *   NO_THP      AnonHugePages, ShmemPmdMapped, FilePmdMapped
 *               (no CONFIG_TRANSPARENT_HUGEPAGE)
 *   NO_HUGETLB  Shared_Hugetlb, Private_Hugetlb (no CONFIG_HUGETLBFS)
 *   NO_KSM      KSM (no CONFIG_KSM)
 *   NO_SWAP     Swap, SwapExclusive (no CONFIG_SWAP)
 */
#define MMSCOPE_SMAPS_VMA_NO_THP	(1U << 1)
#define MMSCOPE_SMAPS_VMA_NO_HUGETLB	(1U << 2)
#define MMSCOPE_SMAPS_VMA_NO_KSM	(1U << 3)
#define MMSCOPE_SMAPS_VMA_NO_SWAP	(1U << 4)

/**
 * struct mmscope_smaps_vma - the smaps fields of one VMA
 * @start: vm_start
 * @end: vm_end
 * @kernel_page_size: KernelPageSize, bytes
 * @mmu_page_size: MMUPageSize, bytes
 * @rss: Rss
 * @shared_clean: Shared_Clean
 * @shared_dirty: Shared_Dirty
 * @private_clean: Private_Clean
 * @private_dirty: Private_Dirty
 * @referenced: Referenced
 * @anonymous: Anonymous
 * @ksm: KSM (a field of /proc/PID/smaps since 6.6; computed on every kernel)
 * @lazyfree: LazyFree
 * @anon_huge_pages: AnonHugePages
 * @shmem_pmd_mapped: ShmemPmdMapped
 * @file_pmd_mapped: FilePmdMapped
 * @shared_hugetlb: Shared_Hugetlb
 * @private_hugetlb: Private_Hugetlb
 * @swap: Swap
 * @swap_exclusive: not a kernel field: the swap entries marked exclusive,
 *	whose swap count is 1. SwapPss needs the swap map count
 *	(swp_swapcount(), not exported), so it is not computed.
 * @pss: Pss, bytes << MMSCOPE_PSS_SHIFT
 * @pss_dirty: Pss_Dirty, likewise
 * @pss_anon: Pss_Anon, likewise
 * @pss_file: Pss_File, likewise
 * @pss_shmem: Pss_Shmem, likewise
 * @pss_locked: Locked, likewise
 * @flags: MMSCOPE_SMAPS_VMA_*
 * @reserved: 0
 */
struct mmscope_smaps_vma {
	__u64 start;
	__u64 end;
	__u64 kernel_page_size;
	__u64 mmu_page_size;
	__u64 rss;
	__u64 shared_clean;
	__u64 shared_dirty;
	__u64 private_clean;
	__u64 private_dirty;
	__u64 referenced;
	__u64 anonymous;
	__u64 ksm;
	__u64 lazyfree;
	__u64 anon_huge_pages;
	__u64 shmem_pmd_mapped;
	__u64 file_pmd_mapped;
	__u64 shared_hugetlb;
	__u64 private_hugetlb;
	__u64 swap;
	__u64 swap_exclusive;
	__u64 pss;
	__u64 pss_dirty;
	__u64 pss_anon;
	__u64 pss_file;
	__u64 pss_shmem;
	__u64 pss_locked;
	__u32 flags;
	__u32 reserved;
};

/* mmscope_smaps.out_flags */
#define MMSCOPE_SMAPS_DONE	(1U << 0) /* no VMA ends above @next */

/*
 * mmscope_smaps.flags: MMSCOPE_SMAPS_ROLLUP, every VMA from @start up summed
 * in the kernel into one record, as /proc/PID/smaps_rollup: @start is the
 * first VMA's start, @end the last one's end, the page sizes are 0, @flags
 * has MMSCOPE_SMAPS_VMA_CHANGED if any VMA changed during the walk.
 */
#define MMSCOPE_SMAPS_ROLLUP	(1U << 0)

/**
 * struct mmscope_smaps - MMSCOPE_IOC_SMAPS: smaps of the VMAs above an
 *	address, batched and resumable as MMSCOPE_IOC_VMAS
 * @size: sizeof(struct mmscope_smaps)
 * @flags: in: 0 or MMSCOPE_SMAPS_ROLLUP; other bits EINVAL
 * @start: in: the VMAs that end above this address
 * @records_ptr: in: array of @count records of @record_size bytes
 * @record_size: in: sizeof(struct mmscope_smaps_vma) as the caller knows it
 * @count: in: room at @records_ptr (at least 1); out: records written
 * @next: out: pass as @start to continue after the last record written
 * @out_flags: out: MMSCOPE_SMAPS_*
 * @reserved: must be 0
 *
 * The mmap lock is dropped between internal batches, and within a VMA
 * in a long VMA, as often as the page walk does (flags then say so).
 *
 * With MMSCOPE_SMAPS_ROLLUP the call writes one record (@count 1), or none
 * (@count 0) when no VMA ends above @start. The kernel holds two records,
 * lets the mmap lock go after each walker budget of page-table entries, and
 * copies the record out unlocked. A VMA that grew or merged below the point
 * reached while the lock was let go is summed from that point on (as
 * smaps_rollup resumes) and sets MMSCOPE_SMAPS_VMA_CHANGED: no page counts
 * twice. As smaps_rollup, the call sums the whole range (MMSCOPE_SMAPS_DONE)
 * unless a fatal signal ends it with EINTR; a caught signal does not.
 */
struct mmscope_smaps {
	__u32 size;
	__u32 flags;
	__u64 start;
	__u64 records_ptr;
	__u32 record_size;
	__u32 count;
	__u64 next;
	__u32 out_flags;
	__u32 reserved;
};

/* --- TLB state ---------------------------------------------------------- */

/* Why a TLB flush happened: the kernel's enum tlb_flush_reason, renamed. */
enum mmscope_tlb_reason {
	MMSCOPE_TLB_TASK_SWITCH = 0,	/* a CR3 load that switched to the mm */
	MMSCOPE_TLB_REMOTE = 1,		/* a shootdown IPI received */
	MMSCOPE_TLB_LOCAL = 2,		/* an mm-less flush: reclaim's batch */
	MMSCOPE_TLB_LOCAL_MM = 3,	/* the flushing CPU's own flush of the mm */
	MMSCOPE_TLB_IPI_SENT = 4,	/* shootdown IPIs sent to other CPUs */
	MMSCOPE_TLB_REASON_COUNT
};

#define MMSCOPE_TLB_REASONS	8	/* room in the per-reason arrays */

/* mmscope_tlb.flags */
#define MMSCOPE_TLB_COUNT_START	(1U << 0) /* (re)start counting: counters 0 */
#define MMSCOPE_TLB_COUNT_STOP	(1U << 1) /* report, then stop counting */

/* mmscope_tlb.out_flags: the CPU features that decide TLB behaviour */
#define MMSCOPE_TLB_PCID	(1U << 0) /* PCID in use: CR3 bits 0-11 are a PCID */
#define MMSCOPE_TLB_INVPCID	(1U << 1)
#define MMSCOPE_TLB_PTI		(1U << 2) /* page-table isolation is on */
#define MMSCOPE_TLB_LA57	(1U << 3) /* 5-level paging */
#define MMSCOPE_TLB_INVLPGB	(1U << 4) /* broadcast invalidation in use */
#define MMSCOPE_TLB_INVLPGB_KNOWN (1U << 5) /* the kernel knows INVLPGB at all */
#define MMSCOPE_TLB_COUNTING	(1U << 6) /* this file counts the target's flushes */
/* The counting stopped: the target's mm is not the one counted (exec). */
#define MMSCOPE_TLB_COUNT_LOST	(1U << 7)

/* mmscope_tlb_cpu.flags */
#define MMSCOPE_TLB_CPU_ONLINE	(1U << 0) /* it answered: the fields are valid */
#define MMSCOPE_TLB_CPU_IN_MASK	(1U << 1) /* in the target's mm_cpumask */
#define MMSCOPE_TLB_CPU_KTHREAD	(1U << 2) /* a kernel thread runs there */
#define MMSCOPE_TLB_CPU_IDLE	(1U << 3) /* its idle task runs there */
#define MMSCOPE_TLB_CPU_NO_MM	(1U << 4) /* the running task has no ->mm */
#define MMSCOPE_TLB_CPU_LAZY	(1U << 5) /* lazy TLB mode (cpu_tlbstate_shared.is_lazy) */
#define MMSCOPE_TLB_CPU_TARGET_LOADED (1U << 6) /* CR3 holds the target's PGD */
#define MMSCOPE_TLB_CPU_TARGET_ACTIVE (1U << 7) /* the target's mm is active_mm */
/* CR3 holds the running task's active_mm's PGD (else: kernel tables, init_mm) */
#define MMSCOPE_TLB_CPU_ACTIVE_LOADED (1U << 8)

/**
 * struct mmscope_tlb_cpu - what one CPU has loaded, read on that CPU
 * @cr3: the raw CR3
 * @pgd_phys: the page-table address in it
 * @cpu: the CPU number
 * @pcid: CR3's PCID bits when MMSCOPE_TLB_PCID, else 0 (bits 0-11 are then
 *	cache-control bits, not a PCID)
 * @pid: the running task's PID in the caller's pid namespace (0 for an
 *	idle task or a task not visible there)
 * @flags: MMSCOPE_TLB_CPU_*
 * @comm: the running task's comm
 */
struct mmscope_tlb_cpu {
	__u64 cr3;
	__u64 pgd_phys;
	__u32 cpu;
	__u32 pcid;
	__u32 pid;
	__u32 flags;
	__u8 comm[MMSCOPE_COMM_LEN];
};

/**
 * struct mmscope_tlb - MMSCOPE_IOC_TLB: the target's TLB context
 * @size: sizeof(struct mmscope_tlb)
 * @flags: MMSCOPE_TLB_COUNT_*, not both
 * @cpus_ptr: in: @cpus_cap records of @cpu_size bytes, or 0 for no per-CPU
 *	records (and no IPIs)
 * @cpu_size: in: sizeof(struct mmscope_tlb_cpu) as the caller knows it
 * @cpus_cap: in: room at @cpus_ptr
 * @cpus_count: out: records written: every online CPU and every CPU of the
 *	target's mm_cpumask, lowest first, at most @cpus_cap
 * @cpus_total: out: how many records there were to write
 * @out_flags: out: MMSCOPE_TLB_*
 * @reserved: must be 0
 * @ctx_id: out: the mm's context ID (x86 mm->context.ctx_id)
 * @tlb_gen: out: its TLB generation (mm->context.tlb_gen)
 * @pgd_phys: out: physical address of its PGD
 * @cr3: out: the CR3 a CPU loads for it without PCID; with PCID a CPU adds
 *	its own per-CPU ASID, seen in @pcid of a CPU that has it loaded
 * @count_ns: out: how long this file has counted the target's flushes
 * @tlb_gen_delta: out: how far @tlb_gen moved since counting started
 * @events: out: tlb_flush tracepoint hits per enum mmscope_tlb_reason on a
 *	CPU whose CR3 held the target's PGD
 * @pages: out: pages those hits covered, full flushes left out
 * @full: out: those hits that flushed the whole TLB (no page count)
 *
 * Counting is per open file and per target: it stops when the target
 * changes, when the file is closed, and when the target exits (ESRCH). A
 * kernel thread has no mm: ENOENT.
 */
struct mmscope_tlb {
	__u32 size;
	__u32 flags;
	__u64 cpus_ptr;
	__u32 cpu_size;
	__u32 cpus_cap;
	__u32 cpus_count;
	__u32 cpus_total;
	__u32 out_flags;
	__u32 reserved;
	__u64 ctx_id;
	__u64 tlb_gen;
	__u64 pgd_phys;
	__u64 cr3;
	__u64 count_ns;
	__u64 tlb_gen_delta;
	__u64 events[MMSCOPE_TLB_REASONS];
	__u64 pages[MMSCOPE_TLB_REASONS];
	__u64 full[MMSCOPE_TLB_REASONS];
};

/* --- The VMA tree (the maple tree mm->mm_mt) ----------------------------- */

/*
 * The nodes of the target's VMA tree as the running kernel lays them out
 * (include/linux/maple_tree.h): internal nodes are maple_arange_64 (the mm
 * tree tracks gaps, MT_FLAGS_ALLOC_RANGE) or maple_range_64, leaves are
 * maple_leaf_64. Slot i of a node covers the indices from pivot i-1 + 1
 * (the node's min for slot 0) to pivot i (the node's max for the last slot).
 */
enum mmscope_vmatree_type {
	MMSCOPE_VMATREE_LEAF_64 = 1,	/* the kernel's enum maple_type values */
	MMSCOPE_VMATREE_RANGE_64 = 2,
	MMSCOPE_VMATREE_ARANGE_64 = 3,
};

/* The most slots of any node type (MAPLE_RANGE64_SLOTS on 64-bit) */
#define MMSCOPE_VMATREE_SLOTS	16
/* The deepest path from the root (MAPLE_HEIGHT_MAX) */
#define MMSCOPE_VMATREE_DEPTH	31

/* mmscope_vmatree_slot.kind */
#define MMSCOPE_VMATREE_SLOT_EMPTY	0 /* no entry: a gap in the address space */
#define MMSCOPE_VMATREE_SLOT_NODE	1 /* a child node, the next record below */
#define MMSCOPE_VMATREE_SLOT_VMA	2 /* a VMA */
#define MMSCOPE_VMATREE_SLOT_OTHER	3 /* an entry that is neither: not followed */

/* mmscope_vmatree_slot.flags */
#define MMSCOPE_VMATREE_SLOT_MISMATCH	(1U << 0) /* VMA bounds != slot range */

/**
 * struct mmscope_vmatree_slot - one slot of a node
 * @min: first index the slot covers
 * @max: last index the slot covers (inclusive, as the tree's pivots)
 * @kind: MMSCOPE_VMATREE_SLOT_*
 * @flags: MMSCOPE_VMATREE_SLOT_MISMATCH
 * @vma_start: a VMA's vm_start (equals @min in a sound tree), else 0
 * @vma_end: a VMA's vm_end (@max + 1 in a sound tree), else 0
 * @vma_index: a VMA's position in /proc/PID/maps order, from 0, else 0
 */
struct mmscope_vmatree_slot {
	__u64 min;
	__u64 max;
	__u32 kind;
	__u32 flags;
	__u64 vma_start;
	__u64 vma_end;
	__u64 vma_index;
};

/*
 * mmscope_vmatree_node.flags: the decoding of the node stopped at a value
 * the tree's rules do not vouch for; the slots before it are reported,
 * nothing after it is read, and no child of a stopped node is followed.
 */
#define MMSCOPE_VMATREE_BAD_TYPE	(1U << 0) /* unknown node type */
#define MMSCOPE_VMATREE_BAD_END		(1U << 1) /* slot count beyond the node's limit */
#define MMSCOPE_VMATREE_BAD_PIVOT	(1U << 2) /* pivot out of order or outside [min, max] */
#define MMSCOPE_VMATREE_BAD_DEPTH	(1U << 3) /* a leaf above, or a node below, the height */
#define MMSCOPE_VMATREE_BAD_SLOT	(1U << 4) /* an internal slot that is no node */
#define MMSCOPE_VMATREE_DEAD		(1U << 5) /* the node is marked dead (freed) */

/**
 * struct mmscope_vmatree_node - one node, in depth-first order
 * @id: position in depth-first order, from 0 (the root)
 * @parent: the parent's @id; 0xffffffff for the root
 * @depth: 0 for the root; leaves are at height - 1
 * @parent_slot: the slot of the parent that holds this node
 * @type: enum mmscope_vmatree_type, or the raw type when BAD_TYPE
 * @flags: MMSCOPE_VMATREE_BAD_* and MMSCOPE_VMATREE_DEAD
 * @nr_slots: slots decoded (the node's data end + 1 when sound)
 * @nr_pivots: pivots reported, @nr_slots - 1 (the last slot ends at @max)
 * @min: first index the node covers (from its parent's pivots)
 * @max: last index the node covers
 * @pivots: the stored pivots that bound the slots
 * @gaps: arange_64 only: the largest gap below each slot, in indices
 *	(bytes, for the VMA tree), as the tree stores them
 * @slots: the slots
 */
struct mmscope_vmatree_node {
	__u32 id;
	__u32 parent;
	__u32 depth;
	__u32 parent_slot;
	__u32 type;
	__u32 flags;
	__u32 nr_slots;
	__u32 nr_pivots;
	__u64 min;
	__u64 max;
	__u64 pivots[MMSCOPE_VMATREE_SLOTS - 1];
	__u64 gaps[MMSCOPE_VMATREE_SLOTS];
	struct mmscope_vmatree_slot slots[MMSCOPE_VMATREE_SLOTS];
};

/**
 * struct mmscope_vmatree_cursor - where the next call resumes; all zero to
 *	start at the root, else as the previous call left it (opaque)
 * @min: the next node's min
 * @vmas_before: VMAs in the leaves already reported
 * @depth: the next node's depth
 * @id: the next node's id
 * @path: the ids of the next node's ancestors, root first
 */
struct mmscope_vmatree_cursor {
	__u64 min;
	__u64 vmas_before;
	__u32 depth;
	__u32 id;
	__u32 path[MMSCOPE_VMATREE_DEPTH + 1];
};

/* mmscope_vmatree.out_flags */
#define MMSCOPE_VMATREE_DONE	(1U << 0) /* every node was reported */
#define MMSCOPE_VMATREE_HAS_SEQ	(1U << 1) /* @seq is the mm's write sequence */
#define MMSCOPE_VMATREE_CHANGED	(1U << 2) /* the tree changed: start again */
#define MMSCOPE_VMATREE_ROOT_ENTRY (1U << 3) /* no node: @root_entry is the entry */

/**
 * struct mmscope_vmatree - MMSCOPE_IOC_VMATREE: the nodes of the VMA tree,
 *	batched and resumable by node
 * @size: sizeof(struct mmscope_vmatree)
 * @flags: must be 0
 * @records_ptr: in: array of @count records of @record_size bytes
 * @record_size: in: sizeof(struct mmscope_vmatree_node) as the caller knows it
 * @count: in: room at @records_ptr (at least 1); out: records written, at
 *	most MMSCOPE_VMATREE_BATCH per call
 * @cursor: in: zero, or as the last call returned it; out: the next node
 * @seq: in: 0 on the first call, else as the last call returned it; out:
 *	the mm's write sequence when HAS_SEQ
 * @height: out: the tree's height (mt_height(): 0 when it has no node)
 * @ma_flags: out: the tree's ma_flags (MT_FLAGS_ALLOC_RANGE, ...)
 * @node_count: out: with DONE, the number of nodes (@cursor.id)
 * @root_entry_start: out: with ROOT_ENTRY, the VMA held in the root pointer
 * @root_entry_end: out: its end
 * @out_flags: out: MMSCOPE_VMATREE_*
 * @reserved: must be 0
 * @walk_id: in: 0 on the first call, else as the last call returned it;
 *	out: the walk's id, which a zero @cursor begins anew
 *
 * One call reads at most one batch under the mmap read lock, and copies it
 * out after dropping the lock. The file keeps the mm a walk began in (a
 * reference to its struct, so no other mm can take its address): a resumed
 * call in another mm (the file was aimed at another process, or the target
 * called exec()), or with the @walk_id of an older walk on this file,
 * returns no record and CHANGED. Between calls the tree can change. Where the
 * kernel keeps a sequence of the mm's write locks (mm_lock_seq, 6.4+ with
 * per-VMA locks), HAS_SEQ is set and a resumed call whose @seq differs
 * returns no record and CHANGED: the records so far are not one snapshot,
 * start again from a zero cursor. Without it (6.1), a resume only checks
 * that the next node is still where the cursor says (CHANGED otherwise): a
 * change elsewhere is not seen, so a caller that needs one snapshot must
 * compare two dumps. A single call (a tree of at most one batch) is always
 * one snapshot.
 */
struct mmscope_vmatree {
	__u32 size;
	__u32 flags;
	__u64 records_ptr;
	__u32 record_size;
	__u32 count;
	struct mmscope_vmatree_cursor cursor;
	__u64 seq;
	__u32 height;
	__u32 ma_flags;
	__u64 node_count;
	__u64 root_entry_start;
	__u64 root_entry_end;
	__u32 out_flags;
	__u32 reserved;
	__u64 walk_id;
};

/* The first version of struct mmscope_vmatree ended at @reserved. */
#define MMSCOPE_VMATREE_SIZE_VER0	224

/* Nodes read per call, per hold of the mmap lock */
#define MMSCOPE_VMATREE_BATCH	32

/* --- The top-level page table (PGD) ------------------------------------- */

/**
 * struct mmscope_pgd - MMSCOPE_IOC_PGD: the raw entries of the target's PGD
 * @size: sizeof(struct mmscope_pgd)
 * @flags: must be 0
 * @entries_ptr: in: an array of @cap __u64, where the entries go; may be 0
 *	only when @cap is 0 (then only the out fields are answered)
 * @first: in: the index of the first entry to copy: at most @ptrs_per_pgd
 *	(EINVAL above it; equal to it copies nothing, @count 0)
 * @cap: in: room at @entries_ptr, in entries; more than is left from
 *	@first is fine
 * @count: out: entries copied, from index @first on: the smaller of @cap
 *	and @ptrs_per_pgd - @first
 * @levels: out: the paging levels, 4 or 5 (with 4, the PGD holds P4D
 *	entries folded into it: each entry points at a PUD table)
 * @ptrs_per_pgd: out: the entries of a PGD, PTRS_PER_PGD (512 on x86-64)
 * @user_end: out: the first index past the user half, pgd_index() of the
 *	largest TASK_SIZE less one, plus one (256 on x86-64, with 4-level or
 *	5-level paging): entries below it map user addresses and are the
 *	process's own
 * @kernel_clone_first: out: KERNEL_PGD_BOUNDARY, pgd_index(PAGE_OFFSET):
 *	the first entry pgd_alloc() (pgd_ctor()) copies from the kernel's own
 *	PGD (swapper_pg_dir); from there to the last entry every process's
 *	entries are the kernel's. The kernel-half entries between @user_end
 *	and it (the guard hole, and with PTI the slot of the LDT remap) are
 *	not copied, and may be the process's own.
 * @reserved: must be 0
 * @pgd_phys: out: the physical address of the PGD read, mm->pgd
 *
 * The entries are read from mm->pgd, the kernel's copy of the PGD. With
 * page-table isolation (PTI, MMSCOPE_TLB_PTI) user mode runs on a second
 * copy, the next page, which is not read: its kernel half maps only what
 * entering the kernel needs, and its user half is the same but for the NX
 * bit that the kernel copy sets in present user entries. A kernel thread
 * has no PGD of its own: ENOENT. The entries are read under the target's
 * mmap read lock, each once: a fault may still fill a user entry meanwhile,
 * and munmap() clear one.
 */
struct mmscope_pgd {
	__u32 size;
	__u32 flags;
	__u64 entries_ptr;
	__u32 first;
	__u32 cap;
	__u32 count;
	__u32 levels;
	__u32 ptrs_per_pgd;
	__u32 user_end;
	__u32 kernel_clone_first;
	__u32 reserved;
	__u64 pgd_phys;
};

#define MMSCOPE_IOC_VERSION	_IOWR(MMSCOPE_IOC_MAGIC, 0x00, struct mmscope_version)
#define MMSCOPE_IOC_SET_TARGET	_IOW(MMSCOPE_IOC_MAGIC, 0x01, struct mmscope_set_target)
#define MMSCOPE_IOC_MM_INFO	_IOWR(MMSCOPE_IOC_MAGIC, 0x02, struct mmscope_mm_info)
#define MMSCOPE_IOC_VMAS	_IOWR(MMSCOPE_IOC_MAGIC, 0x03, struct mmscope_vmas)
#define MMSCOPE_IOC_LOOKUP	_IOWR(MMSCOPE_IOC_MAGIC, 0x04, struct mmscope_lookup)
#define MMSCOPE_IOC_VM_FLAG_NAMES _IOWR(MMSCOPE_IOC_MAGIC, 0x05, struct mmscope_vm_flag_names)
#define MMSCOPE_IOC_WALK	_IOWR(MMSCOPE_IOC_MAGIC, 0x10, struct mmscope_walk)
#define MMSCOPE_IOC_PAGES	_IOWR(MMSCOPE_IOC_MAGIC, 0x11, struct mmscope_pages)
#define MMSCOPE_IOC_SMAPS	_IOWR(MMSCOPE_IOC_MAGIC, 0x12, struct mmscope_smaps)
#define MMSCOPE_IOC_VMATREE	_IOWR(MMSCOPE_IOC_MAGIC, 0x13, struct mmscope_vmatree)
#define MMSCOPE_IOC_PGD		_IOWR(MMSCOPE_IOC_MAGIC, 0x14, struct mmscope_pgd)
#define MMSCOPE_IOC_FAULTLAB_SETUP _IOWR(MMSCOPE_IOC_MAGIC, 0x20, struct mmscope_faultlab_setup)
#define MMSCOPE_IOC_FAULTLAB_STATS _IOWR(MMSCOPE_IOC_MAGIC, 0x21, struct mmscope_faultlab_stats)
#define MMSCOPE_IOC_FAULTLAB_LOG _IOWR(MMSCOPE_IOC_MAGIC, 0x22, struct mmscope_faultlab_log)
#define MMSCOPE_IOC_TLB		_IOWR(MMSCOPE_IOC_MAGIC, 0x30, struct mmscope_tlb)

#endif /* _UAPI_LINUX_MMSCOPE_H */
