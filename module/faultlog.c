// SPDX-License-Identifier: GPL-2.0
/*
 * The fault log: a ring of the last fault_log_size events of every lab's
 * page-level handlers (fault, map_pages, page_mkwrite, pfn_mkwrite,
 * access). Events are numbered from 1, so a reader can follow the log
 * without missing or repeating one, and can tell what it missed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "internal.h"

static unsigned int fault_log_size = 256;
module_param(fault_log_size, uint, 0444);
MODULE_PARM_DESC(fault_log_size,
		 "Fault-log entries kept, 16 to 65536 (default 256)");

#define MMSCOPE_LOG_MIN	16
#define MMSCOPE_LOG_MAX	65536

/*
 * A spinlock, not a mutex: ->map_pages runs under rcu_read_lock() on 6.12.
 * Not a raw one: every taker is a fault handler or a reader in process
 * context, none with interrupts or preemption off, so on PREEMPT_RT, where
 * RCU readers may sleep on a spinlock_t, the ring's copies can be
 * preempted rather than add to the latency of the CPU.
 */
static DEFINE_SPINLOCK(mmscope_log_lock);
static struct mmscope_faultlab_event *mmscope_log_ring;
static u32 mmscope_log_size;
static u64 mmscope_log_next_seq = 1;	/* under mmscope_log_lock */

static const struct {
	unsigned int kernel;
	u32 uapi;
} mmscope_fault_flag_map[] = {
	{ FAULT_FLAG_WRITE,		MMSCOPE_FAULT_WRITE },
	{ FAULT_FLAG_MKWRITE,		MMSCOPE_FAULT_MKWRITE },
	{ FAULT_FLAG_ALLOW_RETRY,	MMSCOPE_FAULT_ALLOW_RETRY },
	{ FAULT_FLAG_RETRY_NOWAIT,	MMSCOPE_FAULT_RETRY_NOWAIT },
	{ FAULT_FLAG_KILLABLE,		MMSCOPE_FAULT_KILLABLE },
	{ FAULT_FLAG_TRIED,		MMSCOPE_FAULT_TRIED },
	{ FAULT_FLAG_USER,		MMSCOPE_FAULT_USER },
	{ FAULT_FLAG_REMOTE,		MMSCOPE_FAULT_REMOTE },
	{ FAULT_FLAG_INSTRUCTION,	MMSCOPE_FAULT_INSTRUCTION },
	{ FAULT_FLAG_INTERRUPTIBLE,	MMSCOPE_FAULT_INTERRUPTIBLE },
	{ FAULT_FLAG_UNSHARE,		MMSCOPE_FAULT_UNSHARE },
	{ FAULT_FLAG_ORIG_PTE_VALID,	MMSCOPE_FAULT_ORIG_PTE_VALID },
	{ FAULT_FLAG_VMA_LOCK, MMSCOPE_FAULT_VMA_LOCK },
};

static const struct {
	vm_fault_t kernel;
	u32 uapi;
} mmscope_fault_result_map[] = {
	{ VM_FAULT_OOM,		MMSCOPE_VM_FAULT_OOM },
	{ VM_FAULT_SIGBUS,	MMSCOPE_VM_FAULT_SIGBUS },
	{ VM_FAULT_MAJOR,	MMSCOPE_VM_FAULT_MAJOR },
	{ VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE, MMSCOPE_VM_FAULT_HWPOISON },
	{ VM_FAULT_SIGSEGV,	MMSCOPE_VM_FAULT_SIGSEGV },
	{ VM_FAULT_NOPAGE,	MMSCOPE_VM_FAULT_NOPAGE },
	{ VM_FAULT_LOCKED,	MMSCOPE_VM_FAULT_LOCKED },
	{ VM_FAULT_RETRY,	MMSCOPE_VM_FAULT_RETRY },
	{ VM_FAULT_FALLBACK,	MMSCOPE_VM_FAULT_FALLBACK },
	{ VM_FAULT_DONE_COW,	MMSCOPE_VM_FAULT_DONE_COW },
	{ VM_FAULT_NEEDDSYNC,	MMSCOPE_VM_FAULT_NEEDDSYNC },
	{ VM_FAULT_COMPLETED,	MMSCOPE_VM_FAULT_COMPLETED },
};

/* The kernel's enum fault_flag renumbers between releases; ours does not. */
u32 mmscope_fault_flags(unsigned int flags)
{
	u32 out = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(mmscope_fault_flag_map); i++)
		if (flags & mmscope_fault_flag_map[i].kernel)
			out |= mmscope_fault_flag_map[i].uapi;
	return out;
}

u32 mmscope_fault_result(vm_fault_t ret)
{
	u32 out = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(mmscope_fault_result_map); i++)
		if (ret & mmscope_fault_result_map[i].kernel)
			out |= mmscope_fault_result_map[i].uapi;
	return out;
}

/* One line of debugfs faultlab/log (columns: docs/internals/faultlab.md). */
void mmscope_seq_fault_event(struct seq_file *m,
			     const struct mmscope_faultlab_event *ev)
{
	seq_printf(m, "%llu %llu.%09llu lab=%llu tgid=%u tid=%u %s addr=%#llx pgoff=%llu",
		   ev->seq, ev->time_ns / NSEC_PER_SEC, ev->time_ns % NSEC_PER_SEC,
		   ev->lab_id, ev->tgid, ev->tid,
		   mmscope_name(&mmscope_handler_names, ev->handler),
		   ev->addr, ev->pgoff);
	if (ev->pgoff_last != ev->pgoff)
		seq_printf(m, "-%llu", ev->pgoff_last);
	seq_puts(m, " flags=");
	mmscope_seq_bits(m, ev->fault_flags, &mmscope_fault_flag_names);
	seq_puts(m, " result=");
	mmscope_seq_bits(m, ev->result, &mmscope_fault_result_names);
	seq_printf(m, " pfn=%#llx nr=%llu\n", ev->pfn, ev->nr);
}

/**
 * mmscope_log_event - append an event to the fault log
 * @ev: the event; seq, time and ids are filled in here
 *
 * Context: any process context, also under rcu_read_lock().
 */
void mmscope_log_event(struct mmscope_faultlab_event *ev)
{
	u32 slot;

	ev->time_ns = ktime_get_ns();
	ev->tgid = task_tgid_nr(current);
	ev->tid = task_pid_nr(current);

	spin_lock(&mmscope_log_lock);
	ev->seq = mmscope_log_next_seq++;
	div_u64_rem(ev->seq - 1, mmscope_log_size, &slot);
	mmscope_log_ring[slot] = *ev;
	spin_unlock(&mmscope_log_lock);
}

/* Events copied per hold of the log's spinlock: 256 * 88 bytes, a few µs. */
#define MMSCOPE_LOG_CHUNK 256

/**
 * mmscope_log_read - copy events out of the fault log, oldest first
 * @buf: room for @cap events
 * @cap: at most this many are copied
 * @since: only events numbered above this
 * @lab_id: only this lab's events; 0 for every lab's
 * @last: out: the number of the last event looked at (pass as @since next)
 * @lost: out: events above @since the ring overwrote before we read them
 *
 * The ring is read MMSCOPE_LOG_CHUNK events per hold of its lock, so the
 * faulting side waits a few microseconds at most, whatever @cap is, up to
 * the last event logged when the read began: a reader never chases a lab
 * that keeps faulting. A fatal signal ends the read early.
 *
 * Context: process context; may sleep between chunks.
 *
 * Return: the number of events copied.
 */
u32 mmscope_log_read(struct mmscope_faultlab_event *buf, u32 cap, u64 since,
		     u64 lab_id, u64 *last, u64 *lost)
{
	u64 seq, oldest, end = 0;
	u32 n = 0, slot, chunk;
	bool more;

	*last = since;
	*lost = 0;
	do {
		spin_lock(&mmscope_log_lock);
		if (!end)
			end = mmscope_log_next_seq;
		if (*last >= end - 1) {
			spin_unlock(&mmscope_log_lock);
			break;		/* nothing newer */
		}
		oldest = mmscope_log_next_seq > mmscope_log_size ?
			 mmscope_log_next_seq - mmscope_log_size : 1;
		seq = max(*last + 1, oldest);
		*lost += seq - (*last + 1);
		for (chunk = 0; seq < end && n < cap && chunk < MMSCOPE_LOG_CHUNK;
		     seq++, chunk++) {
			div_u64_rem(seq - 1, mmscope_log_size, &slot);
			*last = seq;
			if (lab_id && mmscope_log_ring[slot].lab_id != lab_id)
				continue;
			buf[n++] = mmscope_log_ring[slot];
		}
		more = seq < end && n < cap;
		spin_unlock(&mmscope_log_lock);
		cond_resched();
	} while (more && !fatal_signal_pending(current));
	return n;
}

u32 mmscope_log_capacity(void)
{
	return mmscope_log_size;
}

int mmscope_faultlog_init(void)
{
	mmscope_log_size = clamp(fault_log_size, MMSCOPE_LOG_MIN, MMSCOPE_LOG_MAX);
	if (mmscope_log_size != fault_log_size)
		pr_info("fault_log_size %u is out of range, using %u\n",
			fault_log_size, mmscope_log_size);
	mmscope_log_ring = kvcalloc(mmscope_log_size, sizeof(*mmscope_log_ring),
				    GFP_KERNEL);
	return mmscope_log_ring ? 0 : -ENOMEM;
}

void mmscope_faultlog_exit(void)
{
	kvfree(mmscope_log_ring);
}
