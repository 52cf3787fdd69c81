/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the /dev/mmscope ioctls, shared by the CLI and the
 * selftests. Every call returns 0 or a negative errno and never prints.
 */
#ifndef LIBMMSCOPE_H
#define LIBMMSCOPE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/mmscope.h>

#define MMSCOPE_DEVICE "/dev/mmscope"

int mmscope_open(const char *path);	/* an fd, or -errno */
int mmscope_set_target(int fd, uint32_t pid);
/* @users may be NULL; *@nusers is the room in, entries written out. */
int mmscope_mm_info(int fd, struct mmscope_mm_info *info,
		    struct mmscope_mm_user *users, uint32_t *nusers);
/* All VMAs of the target, in a malloc()ed array the caller frees. */
int mmscope_vmas_all(int fd, struct mmscope_vma **vmas, size_t *count);
int mmscope_lookup(int fd, uint64_t addr, struct mmscope_lookup *res,
		   struct mmscope_vma *vma);
int mmscope_vm_flag_names(int fd, struct mmscope_vm_flag_names *names);
int mmscope_walk(int fd, uint64_t addr, struct mmscope_walk *walk);
/* The records of [start, end), in a malloc()ed array the caller frees. */
int mmscope_pages_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page **recs, size_t *count);

const char *mmscope_kind_name(uint32_t kind);
const char *mmscope_level_name(uint32_t level);
const char *mmscope_state_name(uint32_t state);
const char *mmscope_cow_name(uint32_t cow);
/* Names of MMSCOPE_PTE_* (bit i) and MMSCOPE_PG_* (bit i); NULL past the end. */
const char *mmscope_pte_bit_name(unsigned int bit);
const char *mmscope_pg_bit_name(unsigned int bit);

#endif
