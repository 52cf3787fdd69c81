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

/* The smaps mnemonic of a VM_* flag name, or NULL when smaps has none. */
const char *vm_flag_mnemonic(const char *name);

/* Open /dev/mmscope and aim it at pid; -errno on failure. */
int open_target(pid_t pid);
/* Are the mmscope record and the /proc line the same maps line? */
bool vma_matches_proc(const struct mmscope_vma *v, const struct proc_vma *p);

/* An unused PID: nothing answers kill(pid, 0). */
pid_t unused_pid(void);
/* Run fn in a child with the uid of nobody; returns the child's exit code. */
int run_as_nobody(int (*fn)(void *), void *arg);

#endif
