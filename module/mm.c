// SPDX-License-Identifier: GPL-2.0
/*
 * The mm_struct summary: counters, layout, page tables, and the tasks that
 * share the mm. The fields are read the way fs/proc/task_mmu.c's task_mem()
 * and fs/proc/array.c read them, without the mmap lock, so the values agree
 * with /proc/PID/status and /proc/PID/stat taken at the same moment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/io.h>

#include "internal.h"

static void mmscope_comm(struct task_struct *task, u8 *out)
{
	char comm[TASK_COMM_LEN];

	BUILD_BUG_ON(MMSCOPE_COMM_LEN != TASK_COMM_LEN);
	get_task_comm(comm, task);
	memcpy(out, comm, TASK_COMM_LEN);
}

/**
 * mmscope_mm_fill - fill the mm fields of @info
 * @subject: the resolved target; @subject->mm may be NULL (kernel thread)
 * @info: zeroed by the caller; users are filled by mmscope_mm_users()
 */
void mmscope_mm_fill(const struct mmscope_subject *subject,
		     struct mmscope_mm_info *info)
{
	struct mm_struct *mm = subject->mm;
	unsigned long anon, file, shmem;

	info->pid = task_pid_vnr(subject->task);
	mmscope_comm(subject->task, info->comm);
	if (subject->task->flags & PF_KTHREAD)
		info->out_flags |= MMSCOPE_MM_KERNEL_THREAD;
	if (!mm) {
		info->out_flags |= MMSCOPE_MM_NO_MM;
		return;
	}

	/* Leave out the reference that mmscope_target_get() took. */
	info->mm_users = atomic_read(&mm->mm_users) - 1;
	info->mm_count = atomic_read(&mm->mm_count);
	info->map_count = mm->map_count;

	info->total_vm = mm->total_vm;
	info->locked_vm = mm->locked_vm;
	info->pinned_vm = atomic64_read(&mm->pinned_vm);
	info->data_vm = mm->data_vm;
	info->exec_vm = mm->exec_vm;
	info->stack_vm = mm->stack_vm;

	anon = mmscope_mm_counter(mm, MM_ANONPAGES);
	file = mmscope_mm_counter(mm, MM_FILEPAGES);
	shmem = mmscope_mm_counter(mm, MM_SHMEMPAGES);
	info->rss_anon = anon;
	info->rss_file = file;
	info->rss_shmem = shmem;
	info->swap_ents = mmscope_mm_counter(mm, MM_SWAPENTS);
	/* As task_mem(): the high-water mark is only updated lazily. */
	info->hiwater_rss = max(anon + file + shmem, mm->hiwater_rss);
	info->hiwater_vm = max(mm->total_vm, mm->hiwater_vm);

	info->start_code = mm->start_code;
	info->end_code = mm->end_code;
	info->start_data = mm->start_data;
	info->end_data = mm->end_data;
	info->start_brk = mm->start_brk;
	info->brk = mm->brk;
	info->start_stack = mm->start_stack;
	info->arg_start = mm->arg_start;
	info->arg_end = mm->arg_end;
	info->env_start = mm->env_start;
	info->env_end = mm->env_end;
	info->mmap_base = mm->mmap_base;
	info->task_size = mm->task_size;

	info->pgd_phys = virt_to_phys(mm->pgd);
	info->pgtables_bytes = mm_pgtables_bytes(mm);
}

/**
 * mmscope_mm_users - list the tasks whose ->mm is @mm
 * @mm: the mm
 * @users: room for @cap entries, or NULL
 * @cap: entries at @users
 *
 * Threads, CLONE_VM children and vfork children all share an mm, and only
 * the last two are separate processes, so every thread of every process is
 * looked at, as the OOM killer does. The walk runs under RCU and cannot
 * sleep; its length is bounded by the number of tasks.
 *
 * Return: how many tasks use @mm; the first @cap of them are in @users.
 */
u32 mmscope_mm_users(struct mm_struct *mm, struct mmscope_mm_user *users,
		     u32 cap)
{
	struct task_struct *process, *thread;
	u32 total = 0;

	rcu_read_lock();
	for_each_process_thread(process, thread) {
		if (READ_ONCE(thread->mm) != mm)
			continue;
		if (total < cap) {
			users[total].tid = task_pid_vnr(thread);
			mmscope_comm(thread, users[total].comm);
		}
		total++;
	}
	rcu_read_unlock();
	return total;
}
