// SPDX-License-Identifier: GPL-2.0
/*
 * TLB state: the target's x86 mm context, what each CPU has loaded (read on
 * that CPU), and its TLB flushes counted by reason.
 *
 * cpu_tlbstate (each CPU's loaded_mm and ASIDs) is not exported, so each CPU
 * is asked in an IPI: its CR3, the task it runs and that task's active_mm.
 * cpu_tlbstate_shared.is_lazy is exported and says whether the CPU is in
 * lazy TLB mode.
 *
 * Flushes are counted with a probe on the tlb_flush tracepoint. The probe
 * runs on the CPU that traces, with preemption off, and counts the event for
 * every counter whose PGD that CPU's CR3 holds. For a task switch, a
 * received shootdown and a local flush of the mm, that is the mm flushed
 * (flush_tlb_func() returns before tracing when the mm is not loaded; a
 * task switch traces after loading the new CR3). The other two are traced
 * by whoever asks: IPI_SENT on the sending CPU, whatever it has loaded (so a
 * shootdown of the target sent by kswapd, khugepaged or another process is
 * missed, and one a lazy kernel thread still on the target's tables sends
 * for another mm is counted), and LOCAL (f->mm NULL: the batched flush of
 * reclaim and migration, arch_tlbbatch_flush()) on a CPU that may have any
 * mm loaded. They count "tlb_flush events on a CPU whose CR3 held the
 * target's PGD", which is what the uapi header says.
 * The probe is registered when the first counter starts and stays until
 * the module goes (then tracepoint_synchronize_unregister()). Each
 * registration and removal patches the tracepoint's call sites in the
 * kernel's text (a static key, text_poke_bp()) while other CPUs may be
 * flushing; under QEMU TCG such patching, repeated as readers came and
 * went, now and then met a CPU at the int3 it plants in flush_tlb_func()
 * and oopsed (first with a probe removed with its last counter, then still
 * with a removal a second later). Once per module lifetime, with no
 * counter the probe costs a CR3 read and an empty list per traced flush.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/mm_types_task.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <asm/cpufeature.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "internal.h"

/**
 * struct mmscope_tlb_count - the flushes of one mm, counted for one reader
 * @node: on mmscope_tlb_counts, read by the probe under RCU
 * @mm: the mm counted, held by mmgrab(): its PGD cannot be freed and
 *	reused by another mm while it is counted
 * @pgd_phys: its PGD, as CR3 holds it
 * @tlb_gen_start: its tlb_gen when counting started
 * @start_ns: ktime_get_ns() when counting started
 * @events: tracepoint hits per enum mmscope_tlb_reason
 * @pages: pages of the ranged flushes among them
 * @full: full flushes among them
 */
struct mmscope_tlb_count {
	struct list_head node;
	struct mm_struct *mm;
	unsigned long pgd_phys;
	u64 tlb_gen_start;
	u64 start_ns;
	atomic64_t events[MMSCOPE_TLB_REASON_COUNT];
	atomic64_t pages[MMSCOPE_TLB_REASON_COUNT];
	atomic64_t full[MMSCOPE_TLB_REASON_COUNT];
};

/* Protects the counters' lifetimes and the probe's registration. */
static DEFINE_MUTEX(mmscope_tlb_lock);
static LIST_HEAD(mmscope_tlb_counts);
static struct tracepoint *mmscope_tlb_tp;	/* registered while set */

/* The tracepoint's reasons (linux/mm_types_task.h), as ours. */
static int mmscope_tlb_reason(int reason)
{
	switch (reason) {
	case TLB_FLUSH_ON_TASK_SWITCH:
		return MMSCOPE_TLB_TASK_SWITCH;
	case TLB_REMOTE_SHOOTDOWN:
		return MMSCOPE_TLB_REMOTE;
	case TLB_LOCAL_SHOOTDOWN:
		return MMSCOPE_TLB_LOCAL;
	case TLB_LOCAL_MM_SHOOTDOWN:
		return MMSCOPE_TLB_LOCAL_MM;
	case TLB_REMOTE_SEND_IPI:
		return MMSCOPE_TLB_IPI_SENT;
	}
	return -1;
}

/*
 * The tlb_flush probe. Called with preemption disabled, which is the RCU
 * read side the counter list needs; it reads one CR3 and walks a list as
 * long as the number of readers counting. Some callers also have
 * interrupts off (switch_mm_irqs_off(), the shootdown IPI), and on
 * PREEMPT_RT that stays true: so it takes no lock at all, not even a
 * spinlock_t, which sleeps there. The counters are atomics, and the list
 * changes only under mmscope_tlb_lock, with a grace period before a free.
 */
static void mmscope_tlb_probe(void *data, int reason, unsigned long pages)
{
	unsigned long pgd = read_cr3_pa();
	struct mmscope_tlb_count *c;
	int r = mmscope_tlb_reason(reason);

	if (r < 0)
		return;
	list_for_each_entry_rcu(c, &mmscope_tlb_counts, node) {
		if (c->pgd_phys != pgd)
			continue;
		atomic64_inc(&c->events[r]);
		if (pages == TLB_FLUSH_ALL)
			atomic64_inc(&c->full[r]);
		else
			atomic64_add(pages, &c->pages[r]);
	}
}

static void mmscope_tlb_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "tlb_flush"))
		*(struct tracepoint **)priv = tp;
}

static int mmscope_tlb_register(void)
{
	struct tracepoint *tp = NULL;
	int ret;

	lockdep_assert_held(&mmscope_tlb_lock);
	if (mmscope_tlb_tp)
		return 0;
	for_each_kernel_tracepoint(mmscope_tlb_find_tp, &tp);
	if (!tp)
		return -EOPNOTSUPP;
	ret = tracepoint_probe_register(tp, (void *)mmscope_tlb_probe, NULL);
	if (ret)
		return ret;
	mmscope_tlb_tp = tp;
	return 0;
}

static void mmscope_tlb_unregister(void)
{
	lockdep_assert_held(&mmscope_tlb_lock);
	if (!mmscope_tlb_tp)
		return;
	WARN_ON_ONCE(tracepoint_probe_unregister(mmscope_tlb_tp, (void *)mmscope_tlb_probe, NULL));
	mmscope_tlb_tp = NULL;
	tracepoint_synchronize_unregister();
}

/* Take @c off the list (the probe stays registered). */
static void mmscope_tlb_count_free(struct mmscope_tlb_count *c)
{
	lockdep_assert_held(&mmscope_tlb_lock);
	list_del_rcu(&c->node);
	/* No probe still running can see @c after this. */
	tracepoint_synchronize_unregister();
	mmdrop(c->mm);
	kfree(c);
}

/**
 * mmscope_tlb_count_stop - stop counting, if @slot counts
 * @slot: a reader's counter (an open file's, or the debugfs target's)
 *
 * Called when the reader's target changes, when its file is closed, and at
 * module exit. Sleeps.
 */
void mmscope_tlb_count_stop(struct mmscope_tlb_count **slot)
{
	mutex_lock(&mmscope_tlb_lock);
	if (*slot) {
		mmscope_tlb_count_free(*slot);
		*slot = NULL;
	}
	mutex_unlock(&mmscope_tlb_lock);
}

static int mmscope_tlb_count_start(struct mmscope_tlb_count **slot, struct mm_struct *mm)
{
	struct mmscope_tlb_count *c;
	int ret;

	lockdep_assert_held(&mmscope_tlb_lock);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = mmscope_tlb_register();
	if (ret) {
		kfree(c);
		return ret;
	}
	mmgrab(mm);
	c->mm = mm;
	c->pgd_phys = __pa(mm->pgd);
	c->start_ns = ktime_get_ns();
	c->tlb_gen_start = atomic64_read(&mm->context.tlb_gen);
	list_add_tail_rcu(&c->node, &mmscope_tlb_counts);
	/* A restart: the new counter is listed before the old one goes. */
	if (*slot)
		mmscope_tlb_count_free(*slot);
	*slot = c;
	return 0;
}

/* Start, read or stop the counting of @slot, as req->flags say. */
static int mmscope_tlb_count(struct mmscope_tlb_count **slot, struct mm_struct *mm,
			     u32 flags, struct mmscope_tlb *req)
{
	struct mmscope_tlb_count *c;
	int ret = 0, r;

	mutex_lock(&mmscope_tlb_lock);
	if (*slot && (*slot)->mm != mm) {
		/* The target exec()ed: what was counted is another mm's. */
		mmscope_tlb_count_free(*slot);
		*slot = NULL;
		req->out_flags |= MMSCOPE_TLB_COUNT_LOST;
	}
	if (flags & MMSCOPE_TLB_COUNT_START)
		ret = mmscope_tlb_count_start(slot, mm);
	c = *slot;
	if (!ret && c) {
		req->out_flags |= MMSCOPE_TLB_COUNTING;
		req->count_ns = ktime_get_ns() - c->start_ns;
		req->tlb_gen_delta = atomic64_read(&mm->context.tlb_gen) - c->tlb_gen_start;
		for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++) {
			req->events[r] = atomic64_read(&c->events[r]);
			req->pages[r] = atomic64_read(&c->pages[r]);
			req->full[r] = atomic64_read(&c->full[r]);
		}
		if (flags & MMSCOPE_TLB_COUNT_STOP) {
			mmscope_tlb_count_free(c);
			*slot = NULL;
		}
	}
	mutex_unlock(&mmscope_tlb_lock);
	return ret;
}

/* What an IPI reads on one CPU. */
struct mmscope_tlb_ipi {
	struct mm_struct *mm;		/* the target's */
	unsigned long pgd_phys;		/* its PGD */
	struct pid_namespace *ns;	/* the caller's */
	bool pcid;
	struct mmscope_tlb_cpu *rec;
};

/*
 * Runs on the CPU asked, in hard interrupt context even on PREEMPT_RT:
 * nothing here may sleep, so it takes no lock (a spinlock_t sleeps there);
 * task_pid_nr_ns() needs only rcu_read_lock(), which never does.
 */
static void mmscope_tlb_cpu_read(void *info)
{
	struct mmscope_tlb_ipi *ipi = info;
	struct mmscope_tlb_cpu *rec = ipi->rec;
	struct task_struct *p = current;
	struct mm_struct *active = p->active_mm;
	unsigned long cr3 = __read_cr3();

	rec->flags |= MMSCOPE_TLB_CPU_ONLINE;
	rec->cr3 = cr3;
	rec->pgd_phys = cr3 & CR3_ADDR_MASK;
	if (ipi->pcid)
		rec->pcid = cr3 & CR3_PCID_MASK;
	rec->pid = task_pid_nr_ns(p, ipi->ns);
	BUILD_BUG_ON(sizeof(rec->comm) != sizeof(p->comm));
	/* current itself cannot rename while it is interrupted here. */
	strscpy_pad(rec->comm, p->comm, sizeof(rec->comm));
	if (p->flags & PF_KTHREAD)
		rec->flags |= MMSCOPE_TLB_CPU_KTHREAD;
	if (is_idle_task(p))
		rec->flags |= MMSCOPE_TLB_CPU_IDLE;
	if (!p->mm)
		rec->flags |= MMSCOPE_TLB_CPU_NO_MM;
	if (mmscope_cpu_is_lazy())
		rec->flags |= MMSCOPE_TLB_CPU_LAZY;
	if (rec->pgd_phys == ipi->pgd_phys)
		rec->flags |= MMSCOPE_TLB_CPU_TARGET_LOADED;
	if (active == ipi->mm)
		rec->flags |= MMSCOPE_TLB_CPU_TARGET_ACTIVE;
	/* The running task holds its active_mm: reading its pgd is safe. */
	if (active && __pa(active->pgd) == rec->pgd_phys)
		rec->flags |= MMSCOPE_TLB_CPU_ACTIVE_LOADED;
}

/*
 * One record per online CPU and per CPU of @mm's mm_cpumask, read in an IPI.
 * cpus_read_lock() keeps every CPU asked online until it answered, so each
 * smp_call_function_single() returns once that CPU ran the read: it has no
 * timeout, and needs none short of a CPU stuck with interrupts off, which
 * the kernel's own CSD-lock watchdog reports. A CPU of the mask that is
 * offline gets a record without MMSCOPE_TLB_CPU_ONLINE.
 */
static u32 mmscope_tlb_cpus(struct mm_struct *mm, struct mmscope_tlb_cpu *recs,
			    u32 cap, u32 *total)
{
	struct mmscope_tlb_ipi ipi = {
		.mm = mm,
		.pgd_phys = __pa(mm->pgd),
		.ns = task_active_pid_ns(current),
		.pcid = boot_cpu_has(X86_FEATURE_PCID),
	};
	unsigned int cpu;
	u32 n = 0;

	*total = 0;
	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		bool in_mask = cpumask_test_cpu(cpu, mm_cpumask(mm));

		if (!cpu_online(cpu) && !in_mask)
			continue;
		(*total)++;
		if (n == cap)
			continue;
		ipi.rec = &recs[n++];
		ipi.rec->cpu = cpu;
		if (in_mask)
			ipi.rec->flags |= MMSCOPE_TLB_CPU_IN_MASK;
		if (cpu_online(cpu))
			smp_call_function_single(cpu, mmscope_tlb_cpu_read, &ipi, 1);
		cond_resched();
	}
	cpus_read_unlock();
	return n;
}

/* The CPU features that decide TLB behaviour, as MMSCOPE_TLB_* bits. */
u32 mmscope_tlb_features(void)
{
	u32 f = 0;

	if (boot_cpu_has(X86_FEATURE_PCID))
		f |= MMSCOPE_TLB_PCID;
	if (boot_cpu_has(X86_FEATURE_INVPCID))
		f |= MMSCOPE_TLB_INVPCID;
	if (boot_cpu_has(X86_FEATURE_PTI))
		f |= MMSCOPE_TLB_PTI;
	if (pgtable_l5_enabled())
		f |= MMSCOPE_TLB_LA57;
	if (mmscope_invlpgb_known()) {
		f |= MMSCOPE_TLB_INVLPGB_KNOWN;
		if (mmscope_invlpgb())
			f |= MMSCOPE_TLB_INVLPGB;
	}
	return f;
}

/**
 * mmscope_tlb_query - the TLB context of @mm, and its flush counting
 * @mm: the target's mm, referenced by the caller
 * @slot: the reader's counter
 * @req: the request, checked by the caller; filled here
 * @recs: room for @cap per-CPU records, or NULL
 * @cap: room at @recs
 *
 * Sleeps (IPIs, the counter lock). Return: 0 or -errno of the counting.
 */
int mmscope_tlb_query(struct mm_struct *mm, struct mmscope_tlb_count **slot,
		      struct mmscope_tlb *req, struct mmscope_tlb_cpu *recs, u32 cap)
{
	u32 flags = req->flags;

	req->out_flags = mmscope_tlb_features();
	req->ctx_id = mm->context.ctx_id;
	req->tlb_gen = atomic64_read(&mm->context.tlb_gen);
	req->pgd_phys = __pa(mm->pgd);
	req->cr3 = __sme_pa(mm->pgd);
	if (recs)
		req->cpus_count = mmscope_tlb_cpus(mm, recs, cap, &req->cpus_total);
	return mmscope_tlb_count(slot, mm, flags, req);
}

/* The reasons, as the text files and the CLI name them. */
static const char *const mmscope_tlb_reason_names[MMSCOPE_TLB_REASON_COUNT] = {
	[MMSCOPE_TLB_TASK_SWITCH] = "task_switch",
	[MMSCOPE_TLB_REMOTE] = "remote",
	[MMSCOPE_TLB_LOCAL] = "local",
	[MMSCOPE_TLB_LOCAL_MM] = "local_mm",
	[MMSCOPE_TLB_IPI_SENT] = "ipi_sent",
};

/**
 * mmscope_seq_tlb - the debugfs text of a query's answer
 * @m: the seq_file
 * @req: the answer
 * @recs: its per-CPU records
 */
void mmscope_seq_tlb(struct seq_file *m, const struct mmscope_tlb *req,
		     const struct mmscope_tlb_cpu *recs)
{
	bool pcid = req->out_flags & MMSCOPE_TLB_PCID;
	u32 i;

	seq_printf(m, "pcid %s invpcid %s pti %s la57 %s invlpgb %s\n",
		   str_yes_no(pcid), str_yes_no(req->out_flags & MMSCOPE_TLB_INVPCID),
		   str_yes_no(req->out_flags & MMSCOPE_TLB_PTI),
		   str_yes_no(req->out_flags & MMSCOPE_TLB_LA57),
		   !(req->out_flags & MMSCOPE_TLB_INVLPGB_KNOWN) ? "unknown" :
		   str_yes_no(req->out_flags & MMSCOPE_TLB_INVLPGB));
	seq_printf(m, "ctx_id %llu tlb_gen %llu pgd_phys 0x%llx cr3 0x%llx%s\n",
		   req->ctx_id, req->tlb_gen, req->pgd_phys, req->cr3,
		   pcid ? " + per-CPU PCID" : "");
	seq_puts(m, "mm_cpumask");
	for (i = 0; i < req->cpus_count; i++)
		if (recs[i].flags & MMSCOPE_TLB_CPU_IN_MASK)
			seq_printf(m, " %u", recs[i].cpu);
	seq_puts(m, "\ncpu cr3 pgd_phys pcid pid comm flags\n");
	for (i = 0; i < req->cpus_count; i++) {
		const struct mmscope_tlb_cpu *r = &recs[i];

		if (!(r->flags & MMSCOPE_TLB_CPU_ONLINE)) {
			seq_printf(m, "%u offline\n", r->cpu);
			continue;
		}
		seq_printf(m, "%u 0x%llx 0x%llx ", r->cpu, r->cr3, r->pgd_phys);
		if (pcid)
			seq_printf(m, "%u", r->pcid);
		else
			seq_puts(m, "none");
		seq_printf(m, " %u %s%s%s%s%s%s\n", r->pid, r->comm,
			   r->flags & MMSCOPE_TLB_CPU_KTHREAD ? " kernel_thread" : "",
			   r->flags & MMSCOPE_TLB_CPU_IDLE ? " idle" : "",
			   r->flags & MMSCOPE_TLB_CPU_LAZY ? " lazy" : "",
			   r->flags & MMSCOPE_TLB_CPU_TARGET_LOADED ? " target_loaded" : "",
			   r->flags & MMSCOPE_TLB_CPU_ACTIVE_LOADED ? "" : " kernel_tables");
	}
	if (!(req->out_flags & MMSCOPE_TLB_COUNTING)) {
		seq_puts(m, "flushes not counted (write \"start\" to this file)\n");
		return;
	}
	seq_printf(m, "flushes counted for %llu ms, tlb_gen_delta %llu\n",
		   req->count_ns / NSEC_PER_MSEC, req->tlb_gen_delta);
	for (i = 0; i < MMSCOPE_TLB_REASON_COUNT; i++)
		seq_printf(m, "%-12s %llu pages %llu full %llu\n", mmscope_tlb_reason_names[i],
			   req->events[i], req->pages[i], req->full[i]);
}

/* Module exit: every reader has stopped; the probe goes now. */
void mmscope_tlb_exit(void)
{
	mutex_lock(&mmscope_tlb_lock);
	WARN_ON_ONCE(!list_empty(&mmscope_tlb_counts));
	mmscope_tlb_unregister();
	mutex_unlock(&mmscope_tlb_lock);
}
