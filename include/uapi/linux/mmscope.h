/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmscope: look at a process's mm_struct, VMAs and page tables.
 *
 * The ioctl ABI of /dev/mmscope. Every request starts with its own size
 * (read with copy_struct_from_user(), so requests can grow), carries a flags
 * word that must be 0 today, and has reserved fields that must be 0.
 * Unknown commands fail with ENOTTY, bad requests with EINVAL, unreadable or
 * unwritable user memory with EFAULT, and callers without CAP_SYS_ADMIN with
 * EPERM. User pointers are __u64.
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
 *
 * Page counts are in pages, as in struct mm_struct. @mm_users leaves out the
 * reference that mmscope holds while it reads. @hiwater_rss and @hiwater_vm
 * are computed as /proc/PID/status computes VmHWM and VmPeak, and the rss
 * counters are read as /proc/PID/status reads them.
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

/* What a VMA is, by the rules in README.md ("VMA kinds"). */
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

/* mmscope_vmas.out_flags */
#define MMSCOPE_VMAS_DONE	(1U << 0) /* no VMA ends above @next */

/**
 * struct mmscope_vmas - MMSCOPE_IOC_VMAS: the VMAs above an address, batched
 * @size: sizeof(struct mmscope_vmas)
 * @flags: must be 0
 * @start: in: report the VMAs that end above this address
 * @vmas_ptr: in: array of @count records of @vma_size bytes each
 * @vma_size: in: sizeof(struct mmscope_vma) as the caller knows it; at least
 *	the first version's size. Larger records get their tail zeroed.
 * @count: in: room at @vmas_ptr (at least 1); out: records written
 * @next: out: pass as @start to continue after the last record written
 * @out_flags: out: MMSCOPE_VMAS_*
 * @reserved: must be 0
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
};

/* mmscope_lookup.out_flags */
#define MMSCOPE_LOOKUP_FOUND	(1U << 0) /* a VMA ends above @addr */
#define MMSCOPE_LOOKUP_CONTAINS	(1U << 1) /* and it contains @addr */

/**
 * struct mmscope_lookup - MMSCOPE_IOC_LOOKUP: find_vma() semantics
 * @size: sizeof(struct mmscope_lookup)
 * @flags: must be 0
 * @addr: in: user address below the target's TASK_SIZE, else EINVAL
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

#define MMSCOPE_IOC_SET_TARGET	_IOW(MMSCOPE_IOC_MAGIC, 0x01, struct mmscope_set_target)
#define MMSCOPE_IOC_MM_INFO	_IOWR(MMSCOPE_IOC_MAGIC, 0x02, struct mmscope_mm_info)
#define MMSCOPE_IOC_VMAS	_IOWR(MMSCOPE_IOC_MAGIC, 0x03, struct mmscope_vmas)
#define MMSCOPE_IOC_LOOKUP	_IOWR(MMSCOPE_IOC_MAGIC, 0x04, struct mmscope_lookup)
#define MMSCOPE_IOC_VM_FLAG_NAMES _IOWR(MMSCOPE_IOC_MAGIC, 0x05, struct mmscope_vm_flag_names)

#endif /* _UAPI_LINUX_MMSCOPE_H */
