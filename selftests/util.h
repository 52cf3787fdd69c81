/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Oracles for the selftests: parsers of the kernel's own /proc files, read
 * with plain read(2) into caller buffers so that reading an oracle does not
 * change the address space it describes.
 */
#ifndef MMSCOPE_SELFTEST_UTIL_H
#define MMSCOPE_SELFTEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/mmscope.h>

#define DEBUGFS_DIR "/sys/kernel/debug/mmscope"

struct proc_vma {
	uint64_t start, end, offset, inode;
	unsigned int major, minor;
	char perms[5];
	char path[MMSCOPE_PATH_MAX];
	char line[MMSCOPE_PATH_MAX + 128];	/* the whole line, unchanged */
};

/* Reads a whole file into buf (NUL-terminated); returns length or -errno. */
ssize_t read_file(const char *path, char *buf, size_t size);
int write_file(const char *path, const char *s);	/* 0 or -errno */

/*
 * ksmd at full speed (sleep_millisecs 0, pages_to_scan 10000, run 1), the
 * three knobs saved first; ksm_knobs_restore() unmerges (run 2) and puts
 * them back, so that the tests after ours find KSM as they would have.
 * ksm_scan_fast() returns 0, or -errno without KSM (nothing changed).
 */
struct ksm_knobs {
	char run[16], sleep_millisecs[16], pages_to_scan[16];
	bool saved;
};
int ksm_scan_fast(struct ksm_knobs *k);
void ksm_knobs_restore(struct ksm_knobs *k);

/*
 * Parse /proc/PID/maps (pid 0: self) into vmas; the [vsyscall] gate VMA,
 * which is not in the mm's VMA tree, is skipped. Returns the count or -errno.
 */
int proc_maps(pid_t pid, struct proc_vma *vmas, size_t max);
/* A "Key:" line of /proc/PID/status, in kB or as a plain number; -1 if absent. */
long long proc_status(pid_t pid, const char *key);
/* Field n (1-based, as in proc(5)) of /proc/PID/stat. */
unsigned long long proc_stat_field(pid_t pid, int n);
/* The VmFlags mnemonics of the smaps entry starting at start, space-separated. */
int proc_smaps_vmflags(pid_t pid, uint64_t start, char *out, size_t size);
/* A "Key:" line (kB) of the smaps entry starting at start; -1 if absent. */
long long proc_smaps_field(pid_t pid, uint64_t start, const char *key);

/* /proc/PID/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PFN_MASK		((1ULL << 55) - 1)
#define PM_SOFT_DIRTY		(1ULL << 55)
#define PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define PM_UFFD_WP		(1ULL << 57)
#define PM_FILE			(1ULL << 61)
#define PM_SWAP			(1ULL << 62)
#define PM_PRESENT		(1ULL << 63)
#define PM_SWAP_TYPE(e)		((e) & 0x1f)
#define PM_SWAP_OFFSET(e)	(((e) & PM_PFN_MASK) >> 5)

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_DIRTY		4
#define KPF_LRU			5
#define KPF_ANON		12
#define KPF_SWAPCACHE		13
#define KPF_SWAPBACKED		14
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_UNEVICTABLE		18
#define KPF_KSM			21
#define KPF_THP			22
#define KPF_ZERO_PAGE		24
#define KPF_MLOCKED		33

/* n pagemap entries from addr (pid 0: self); 0 or -errno. */
int pagemap_read(pid_t pid, uint64_t addr, size_t n, uint64_t *out);
/* The kpageflags / kpagecount word of a PFN; ~0 on error. */
uint64_t kpageflags(uint64_t pfn);
uint64_t kpagecount(uint64_t pfn);
/* mmscope's records of [start, end) into a malloc()ed array; the count or -errno. */
int pages_of(int fd, uint64_t start, uint64_t end, struct mmscope_page **recs);

/*
 * A 2M-aligned, MADV_HUGEPAGE, written region of @size inside a larger
 * mapping (*@raw, @size + 2M, for munmap). NULL if the kernel gave no THP
 * (smaps AnonHugePages stays 0).
 */
char *thp_region(size_t size, char **raw);
/*
 * Whether the kernel has transparent hugepages at all (Debian's PREEMPT_RT
 * builds have not): tests that need them SKIP with THP_MISSING otherwise.
 */
bool thp_in_kernel(void);
#define THP_MISSING "no transparent hugepages in this kernel (CONFIG_TRANSPARENT_HUGEPAGE)"
/*
 * madvise(MADV_NOHUGEPAGE), which fails with EINVAL where the kernel has no
 * THP: there, there is nothing to keep out, and that is a success.
 */
int madvise_no_thp(void *p, size_t len);

/* The smaps mnemonic of a VM_* flag name, or NULL when smaps has none. */
const char *vm_flag_mnemonic(const char *name);

/* Open /dev/mmscope and aim it at pid; -errno on failure. */
int open_target(pid_t pid);

/* finit_module() of the .ko at @path, delete_module() of @name: 0 or -errno. */
int load_module(const char *path);
int unload_module(const char *name);
/* Whether module @name is loaded (or being loaded: /sys/module/NAME). */
bool module_loaded(const char *name);
/*
 * The VMAs of @fd's target with the raw ioctl, @batch records per call,
 * resuming, into @out (at most @max): the count or -errno.
 */
int list_vmas(int fd, struct mmscope_vma *out, int max, int batch);
/* Are the mmscope record and the /proc line the same maps line? */
bool vma_matches_proc(const struct mmscope_vma *v, const struct proc_vma *p);

/* An unused PID: nothing answers kill(pid, 0). */
pid_t unused_pid(void);
/* Run fn in a child with the uid of nobody; returns the child's exit code. */
int run_as_nobody(int (*fn)(void *), void *arg);

/* Fault injection for /proc/thread-self/fail-nth, set up quietly. */
bool fault_injection_ready(void);

/* Whether the CPU flags of /proc/cpuinfo have @flag ("la57", "pcid"). */
bool cpuinfo_flag(const char *flag);

/* CLOCK_MONOTONIC, in seconds. */
double now(void);
/* Run this thread on @cpu only. */
void pin_to_cpu(int cpu);

/*
 * Fork a child that runs @setup(@arg), sends what it returns (an address
 * of the layout it made, say) and then waits to be killed. The child's pid,
 * with that value in *@out if @out; -1 on failure.
 */
pid_t start_child(uint64_t (*setup)(void *arg), void *arg, uint64_t *out);
/* SIGKILL and reap it. */
void stop_child(pid_t pid);

/*
 * fork() for a child that waits to be woken: in the child it returns 0
 * once the parent called wake_child() (the child exits 1 if the parent is
 * gone first); in the parent the child's pid, with the pipe in @wake.
 * -1 on failure.
 */
pid_t fork_waiting(int wake[2]);
/* Wake it: 0 or -1. The pipe is closed either way. */
int wake_child(int wake[2]);

/*
 * Whether record @p is well-formed: 0, or -1 with why in @why. @what and
 * the record's address start the message.
 */
int page_record_check(const struct mmscope_page *p, const char *what, char *why, size_t size);
/*
 * Whether @n records tile [@start, @end) and each is well-formed: 0, or
 * the index + 1 of the first that does not (@n + 1: they end short), with
 * why in @why.
 */
int records_check(const struct mmscope_page *recs, int n, uint64_t start, uint64_t end,
		  char *why, size_t size);

/* The CLI: $MMSCOPE_CLI, /bin/mmscope in the VM, else the one built here. */
const char *cli_path(void);
/* Whether a swap device is on (/proc/swaps lists one). */
bool swap_active(void);
/* Whether the VMA at @addr of @fd's target has VM_SOFTDIRTY. */
bool vma_soft_dirty(int fd, uint64_t addr);
/* This process's TASK_SIZE (TASK_SIZE_MAX on x86_64); 0 if unknown. */
uint64_t task_size(void);

#endif
