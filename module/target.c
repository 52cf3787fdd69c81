// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the process to look at, and resolving it for each query.
 *
 * A target holds a reference on the struct pid only. Each query turns it
 * into a task and an mm reference (get_pid_task() + get_task_mm()) and drops
 * both at its end, so an idle target never keeps an exited process's
 * address space alive, and a target that exited is noticed at once (ESRCH).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/limits.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/security.h>

#include "internal.h"

void mmscope_target_init(struct mmscope_target *target)
{
	mutex_init(&target->lock);
	target->pid = NULL;
}

void mmscope_target_destroy(struct mmscope_target *target)
{
	put_pid(target->pid);
	target->pid = NULL;
	mutex_destroy(&target->lock);
}

/* A task is a valid target while it is alive: zombies have no mm left. */
static bool mmscope_task_alive(struct task_struct *task)
{
	return (task->flags & PF_KTHREAD) || READ_ONCE(task->mm);
}

/**
 * mmscope_target_set - point @target at the process @nr
 * @target: the target to change
 * @nr: a PID in the caller's pid namespace
 *
 * Return: 0, -EINVAL for a PID outside 1..INT_MAX, or -ESRCH when no live
 * process has that PID.
 */
int mmscope_target_set(struct mmscope_target *target, u64 nr)
{
	struct task_struct *task;
	struct pid *pid, *old;

	if (nr < 1 || nr > INT_MAX)
		return -EINVAL;

	pid = find_get_pid(nr);
	if (!pid)
		return -ESRCH;

	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task || !mmscope_task_alive(task)) {
		if (task)
			put_task_struct(task);
		put_pid(pid);
		return -ESRCH;
	}
	put_task_struct(task);

	mutex_lock(&target->lock);
	old = target->pid;
	target->pid = pid;
	mutex_unlock(&target->lock);

	put_pid(old);
	return 0;
}

/**
 * mmscope_target_get - resolve @target for one query
 * @target: the target
 * @subject: filled with a task reference and, unless the task is a kernel
 *	thread, an mm reference; release both with mmscope_subject_put()
 *
 * Return: 0, -ENOENT when no target was set, or -ESRCH when the target has
 * exited.
 */
int mmscope_target_get(struct mmscope_target *target,
		       struct mmscope_subject *subject)
{
	struct task_struct *task;

	mutex_lock(&target->lock);
	if (!target->pid) {
		mutex_unlock(&target->lock);
		return -ENOENT;
	}
	task = get_pid_task(target->pid, PIDTYPE_PID);
	mutex_unlock(&target->lock);
	if (!task)
		return -ESRCH;

	/* get_task_mm() gives NULL for kernel threads and for exited tasks. */
	subject->task = task;
	subject->mm = get_task_mm(task);
	if (!subject->mm && !(task->flags & PF_KTHREAD)) {
		put_task_struct(task);
		return -ESRCH;
	}
	return 0;
}

void mmscope_subject_put(struct mmscope_subject *subject)
{
	if (subject->mm)
		mmput(subject->mm);
	put_task_struct(subject->task);
	subject->mm = NULL;
	subject->task = NULL;
}

/**
 * mmscope_subject_addr_limit - the end of the user addresses a query may name
 * @subject: the resolved target
 *
 * The target's task_size, once it has one. A process in the middle of
 * exec() runs on its new mm between exec_mmap() and setup_new_exec(), and
 * that mm's task_size is still 0: its addresses are then bounded by the
 * largest user address space, never by 0. A kernel thread gets the
 * largest too.
 */
unsigned long mmscope_subject_addr_limit(const struct mmscope_subject *subject)
{
	unsigned long task_size = subject->mm ? READ_ONCE(subject->mm->task_size) : 0;

	return task_size ?: TASK_SIZE_MAX;
}

/**
 * mmscope_query_allowed - may the caller look at processes through mmscope?
 *
 * Like /proc/kpageflags, what mmscope shows is for CAP_SYS_ADMIN only. It
 * also shows physical addresses and the kernel's own structures (page
 * tables, struct page), which lockdown=confidentiality keeps from root:
 * mmscope then refuses, for the reason /proc/kcore is refused.
 *
 * Return: 0, or -EPERM.
 */
int mmscope_query_allowed(void)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!security_locked_down(LOCKDOWN_KCORE))
		return 0;
	/* The kernel's own notice names /proc/kcore: say who refused. */
	pr_notice_once("lockdown=confidentiality: every query is refused\n");
	return -EPERM;
}
