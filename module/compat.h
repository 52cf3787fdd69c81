/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels mmscope supports (Debian
 * bookworm's 6.1 and 6.12), in one place and named after the feature.
 * The MMSCOPE_HAVE_* macros come from header probes in Kbuild: stable
 * kernels backport features, so a version number would not tell.
 */
#ifndef _MMSCOPE_COMPAT_H
#define _MMSCOPE_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mm_types.h>

/*
 * file_user_path() (6.8) names the path a user opened, which differs from
 * f_path for overlayfs backing files. /proc/PID/maps prints that one.
 */
static inline const struct path *mmscope_file_user_path(struct file *file)
{
#ifdef MMSCOPE_HAVE_FILE_USER_PATH
	return file_user_path(file);
#else
	return &file->f_path;
#endif
}

/*
 * vma_is_initial_heap() and vma_is_initial_stack() (6.5) are what
 * /proc/PID/maps uses to print [heap] and [stack]. Before them, fs/proc
 * open-coded the same tests, with inclusive bounds for the heap.
 */
static inline bool mmscope_vma_is_initial_heap(const struct vm_area_struct *vma)
{
#ifdef MMSCOPE_HAVE_VMA_IS_INITIAL_HEAP
	return vma_is_initial_heap(vma);
#else
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
#endif
}

static inline bool mmscope_vma_is_initial_stack(const struct vm_area_struct *vma)
{
#ifdef MMSCOPE_HAVE_VMA_IS_INITIAL_HEAP
	return vma_is_initial_stack(vma);
#else
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
#endif
}

/* The name given by prctl(PR_SET_VMA_ANON_NAME), where the kernel has it. */
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
 * exists.
 */
static inline unsigned long mmscope_mm_counter(struct mm_struct *mm, int member)
{
#ifdef MMSCOPE_HAVE_MM_COUNTER_SUM
	return get_mm_counter_sum(mm, member);
#else
	return get_mm_counter(mm, member);
#endif
}

#endif /* _MMSCOPE_COMPAT_H */
