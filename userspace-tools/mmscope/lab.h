/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The labs: guided experiments on Linux process memory. A lab creates its
 * own processes and memory, then runs steps. Each step says what it does,
 * shows what moved in mmscope's exports (a before/after diff of snapshots),
 * and states expectations, each checked against the kernel's own interfaces
 * (/proc/PID/{maps,smaps,stat,status,pagemap}, /proc/kpageflags) or an
 * experiment, not only against mmscope.
 */
#ifndef MMSCOPE_LAB_H
#define MMSCOPE_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/mmscope.h>

#include "snap.h"

struct lab;

struct lab_def {
	const char *name;
	const char *title;
	const unsigned char *concepts;	/* the concepts of lab.md, 0-ended */
	int (*run)(struct lab *lab);	/* 0; -1 only when it could not go on */
};

/* The labs, in the order `lab all` runs them. */
extern const struct lab_def lab_process_defs[];
extern const struct lab_def lab_vma_defs[];
extern const struct lab_def lab_paging_defs[];
extern const struct lab_def lab_memory_defs[];
extern const struct lab_def lab_layout_defs[];
extern const struct lab_def lab_file_defs[];
extern const struct lab_def lab_huge_defs[];
extern const struct lab_def lab_tlb_defs[];
extern const struct lab_def lab_device_defs[];
extern const struct lab_def lab_faultlab_defs[];	/* mmscope faultlab's scenarios */

/*
 * Runs @n labs of @defs, or every lab if @defs is NULL, as `lab NAME...`
 * does: the device checked once, then one JSON array; @step waits for
 * Enter before each step. 0 when all held.
 */
int lab_run(const struct lab_def *const *defs, size_t n, bool step);

/*
 * Steps. lab_step() begins one (and, with --step, waits for Enter);
 * everything after it until the next step or the lab's end belongs to it.
 */
void lab_step(struct lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The step could not run on this machine: says why; it is not a pass. */
void lab_skip_step(struct lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The whole lab cannot run here (before its first step). */
void lab_skip(struct lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Something the lab could not do (a failed mmap, fork, query): a failure. */
void lab_broken(struct lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Expectations: @what is checked; @want and @seen are printed. */
bool lab_expect(struct lab *lab, bool ok, const char *what, const char *want,
		const char *seen);
bool lab_expect_u64(struct lab *lab, const char *what, uint64_t want, uint64_t seen);
bool lab_expect_hex(struct lab *lab, const char *what, uint64_t want, uint64_t seen);
bool lab_expect_str(struct lab *lab, const char *what, const char *want, const char *seen);
/* @seen must differ from @other. */
bool lab_expect_hex_ne(struct lab *lab, const char *what, uint64_t other, uint64_t seen);

/* Snapshots of what mmscope exports, and their diff (snap.h): a step shows only what moved. */
/* One thing that moved in this step. */
void lab_change(struct lab *lab, const char *what, const char *before, const char *after);
/* The lab's step records what moved from @before to @after. */
void lab_changes(struct lab *lab, struct snap *before, struct snap *after);

/*
 * What mmscope says (ioctls of /dev/mmscope), under @prefix ("", or
 * "child " for a second process). Each returns 0, or -errno (and the
 * step is broken).
 */
int snap_mm(struct lab *lab, struct snap *s, const char *prefix, pid_t pid);
int snap_vmas(struct lab *lab, struct snap *s, const char *prefix, pid_t pid,
	      uint64_t start, uint64_t end);
int snap_pages(struct lab *lab, struct snap *s, const char *prefix, pid_t pid,
	       uint64_t start, uint64_t end);

/* mmscope's answers, for expectations. */
int lab_mm_info(struct lab *lab, pid_t pid, struct mmscope_mm_info *info,
		struct mmscope_mm_user *users, uint32_t *nusers);
int lab_page(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_page *page);
int lab_walk(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_walk *walk);
int lab_lookup(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_lookup *res,
	       struct mmscope_vma *vma);

/* The kernel's own interfaces, the oracles. -1 when they cannot say. */
long proc_stat_field(pid_t pid, int field);	/* /proc/PID/stat, from 1 */
long proc_status_kb(pid_t pid, const char *name);	/* "VmRSS" etc. */
/* The VMAs of /proc/PID/maps that intersect [start, end). */
int proc_maps_count(pid_t pid, uint64_t start, uint64_t end);
/* The /proc/PID/maps line holding @addr: its range and perms; 0 or -1. */
int proc_maps_find(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end,
		   char perms[5]);
/* /proc/PID/pagemap: 1 present (PFN in *@pfn), 0 not, -1 unreadable. */
int proc_pagemap(pid_t pid, uint64_t addr, uint64_t *pfn);
/* /proc/kpageflags of @pfn, or -1 (KPF_* bits of linux/kernel-page-flags.h). */
int64_t proc_kpageflags(uint64_t pfn);
/* One smaps field (kB) of the VMA of /proc/PID/smaps holding @addr, or -1. */
long proc_smaps_kb(pid_t pid, uint64_t addr, const char *field);
/* Whether a VmFlags two-letter code is in that VMA's smaps VmFlags: 1, 0, -1. */
int proc_smaps_vmflag(pid_t pid, uint64_t addr, const char *code);

/*
 * Subjects: processes a lab drives. A subject is a fork of the lab that
 * waits for orders on a pipe, so it shares the lab's addresses until it
 * changes its own.
 */
struct subject {
	pid_t pid;
	int order_fd, answer_fd;
};
enum subject_order {
	ORDER_READ,	/* read a byte at @addr; answers 0 */
	ORDER_WRITE,	/* write @arg to the byte at @addr; answers 0 */
	ORDER_MMAP,	/* mmap @len bytes of anonymous memory, MAP_PRIVATE | @arg;
			 * answers the address, or 0 */
	ORDER_MADVISE,	/* madvise(@addr, @len, @arg); answers 0, or errno */
	ORDER_MUNMAP,	/* munmap(@addr, @len); answers 0, or errno */
	ORDER_EXIT,
};
int subject_start(struct lab *lab, struct subject *s);
/* Carries out one order in the subject: its answer, in *@answer if not NULL;
 * 0, or -1 (broken). */
int subject_do(struct lab *lab, struct subject *s, enum subject_order order,
	       uint64_t addr, uint64_t len, uint32_t arg, uint64_t *answer);
/* Ends it (ORDER_EXIT, then waitpid). */
void subject_end(struct subject *s);

/* A region of @pages pages between two PROT_NONE guard pages, so that it
 * never merges with a neighbour: the start, or NULL (broken). */
char *lab_region(struct lab *lab, size_t pages, int prot, int flags);
void lab_region_free(char *p, size_t pages);

#define LAB_PAGE 4096UL

#endif
