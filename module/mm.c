// SPDX-License-Identifier: GPL-2.0
/*
 * The mm_struct summary: counters, layout, page tables, and the tasks that
 * share the mm. The fields are read the way fs/proc/task_mmu.c's task_mem()
 * and fs/proc/array.c read them, without the mmap lock, so the values agree
 * with /proc/PID/status and /proc/PID/stat taken at the same moment.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
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
	if (!IS_ENABLED(CONFIG_SWAP))
		info->out_flags |= MMSCOPE_MM_NO_SWAP;
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

	anon = get_mm_counter_sum(mm, MM_ANONPAGES);
	file = get_mm_counter_sum(mm, MM_FILEPAGES);
	shmem = get_mm_counter_sum(mm, MM_SHMEMPAGES);
	info->rss_anon = anon;
	info->rss_file = file;
	info->rss_shmem = shmem;
	info->swap_ents = get_mm_counter_sum(mm, MM_SWAPENTS);
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

static void mmscope_mm_user_add(struct task_struct *thread, struct mmscope_mm_user *users,
				u32 cap, u32 *total)
{
	if (*total < cap) {
		users[*total].tid = task_pid_vnr(thread);
		mmscope_comm(thread, users[*total].comm);
	}
	(*total)++;
}

/* process_shares_mm() of the OOM killer: one live thread tells for all. */
static bool mmscope_process_uses_mm(struct task_struct *process, struct mm_struct *mm)
{
	struct task_struct *thread;
	struct mm_struct *thread_mm;

	for_each_thread(process, thread) {
		thread_mm = READ_ONCE(thread->mm);
		if (thread_mm)
			return thread_mm == mm;
	}
	return false;
}

/* The threads of @process whose ->mm is @mm. Locking: under RCU. */
static void mmscope_mm_users_of(struct task_struct *process, struct mm_struct *mm,
				struct mmscope_mm_user *users, u32 cap, u32 *total)
{
	struct task_struct *thread;

	for_each_thread(process, thread)
		if (READ_ONCE(thread->mm) == mm)
			mmscope_mm_user_add(thread, users, cap, total);
}

/**
 * mmscope_mm_users - list the tasks whose ->mm is @mm
 * @task: the target, a user of @mm
 * @mm: its mm, with the mm_users reference mmscope_target_get() took
 * @users: room for @cap entries, or NULL
 * @cap: entries at @users
 *
 * The target's threads share its mm; so do CLONE_VM children and vfork
 * children, which are other processes. Those are looked for only when
 * mm_users counts more users than the target's threads (it also counts
 * passing references, such as GUP's and /proc/PID/mem readers'), and then
 * one thread per process is looked at, as the OOM killer does. That scan
 * goes by PID, as /proc's readdir does (next_tgid()), one process per RCU
 * read section: with thousands of processes, one section over the whole
 * process list would hold off grace periods for as long. A process that
 * comes or goes during the scan may be missed or counted, as in a listing
 * of /proc.
 *
 * Context: may sleep; a fatal signal ends the scan early.
 * Return: how many tasks use @mm; the first @cap of them are in @users.
 */
u32 mmscope_mm_users(struct task_struct *task, struct mm_struct *mm,
		     struct mmscope_mm_user *users, u32 cap)
{
	struct task_struct *process;
	struct pid *pid;
	u32 total = 0;
	int nr;

	rcu_read_lock();
	mmscope_mm_users_of(task, mm, users, cap, &total);
	rcu_read_unlock();
	if (atomic_read(&mm->mm_users) - 1 <= total)
		return total;

	for (nr = 1; !fatal_signal_pending(current); nr++) {
		rcu_read_lock();
		pid = find_ge_pid(nr, &init_pid_ns);
		if (!pid) {
			rcu_read_unlock();
			break;
		}
		nr = pid_nr_ns(pid, &init_pid_ns);
		process = pid_task(pid, PIDTYPE_TGID);
		if (process && !same_thread_group(process, task) &&
		    mmscope_process_uses_mm(process, mm))
			mmscope_mm_users_of(process, mm, users, cap, &total);
		rcu_read_unlock();
		cond_resched();
	}
	return total;
}
