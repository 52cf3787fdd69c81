// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded fuzzer of /dev/mmscope and its debugfs files.
 *
 * storm: two threads issue random and boundary requests of every ioctl
 * (and unknown commands) on a few shared descriptors, whose targets are
 * ourselves, PID 1, PID 2, a zombie, children that exit while we ask,
 * and random PIDs. Requests and buffers are NULL, kernel, unmapped,
 * read-only, misaligned, span into an unmapped page, sit in memory that
 * another thread munmaps and maps again, or in userfaultfd memory whose
 * faults another thread resolves after a delay. Meanwhile two threads set
 * up fault labs of random modes and lengths, map and touch them (SIGBUS
 * past the end is caught and must happen exactly there), and one writes
 * random bytes to every writable debugfs file and reads every file.
 * Every call must end in 0 or an errno docs/abi.md and the uapi header
 * document for it; the runner fails the VM on any kernel splat.
 *
 * uffd_never_resolved: a caller stalled in a user copy on userfaultfd
 * memory that nobody serves still lets its own process map and unmap (the
 * module holds no mmap lock while it copies), and dies at SIGKILL.
 *
 * Environment: MMSCOPE_FUZZ_SEED (default 1), MMSCOPE_FUZZ_CALLS (ioctl
 * calls, default 100000; 0: no limit), MMSCOPE_FUZZ_SECONDS (a time limit,
 * default 180 s as a guard; `make fuzz` sets it and no call limit). A
 * light run (MMSCOPE_LIGHT: every make check entry but 6.12) defaults to
 * 20000 calls in at most 40 s: on the debug kernel, late in its run, that
 * is about 900 calls of each command under KASAN and lockdep.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE		4096UL
#define TS4		((1ULL << 47) - PAGE)	/* TASK_SIZE, 4-level paging */
#define TS5		((1ULL << 56) - PAGE)	/* TASK_SIZE, 5-level paging */
#define NFDS		6
#define NFUZZ		2
#define NLABS		2
#define ARENA		(1UL << 20)		/* per fuzz thread, then a guard page */
#define REQ_MAX		8192
#define UFFD_PAGES	16
#define CHURN_PAGES	64
/* Far below the mmap area, so no other mapping lands in its holes. */
#define CHURN_ADDR	0x100000000000ULL
#define NEVER_MAPPED	0x100000800000ULL
#define NERRNOS		11

/* --- random numbers ------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool one_in(struct rng *r, unsigned int n)
{
	return below(r, n) == 0;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

/* --- shared state -------------------------------------------------------- */

static int fds[NFDS];
static char *ro_mem;		/* PROT_READ, pages of valid-looking requests */
static char *uffd_mem;		/* userfaultfd MISSING region, or NULL */
static char *uffd_template;	/* what a resolved uffd page holds */
static int uffd = -1;
static volatile pid_t *churn_pid;	/* shared with the churning child */
static pid_t churner, zombie;
static pid_t lab_tids[NLABS];
static atomic_bool stop, stop_uffd;
static atomic_ulong calls, bad, labs_made, lab_signals, dfs_ops, uffd_served, churns;
static atomic_ulong by_cmd[16], by_errno[16][NERRNOS], ns_by_cmd[16];	/* NCMDS + 1 */
static uint64_t max_calls;
static double deadline;

static const int errnos[NERRNOS] = { 0, EINVAL, EFAULT, E2BIG, ESRCH, ENOENT, ENOMEM, EBUSY,
				      ENODEV, ENOTTY, -1 };

/* Every command, its request size and what it may fail with. */
static const struct cmd {
	const char *name;
	unsigned long cmd;
	size_t size;
	int errs[8];
} cmds[] = {
	{ "SET_TARGET", MMSCOPE_IOC_SET_TARGET, sizeof(struct mmscope_set_target),
	  { EINVAL, EFAULT, E2BIG, ESRCH } },
	{ "MM_INFO", MMSCOPE_IOC_MM_INFO, sizeof(struct mmscope_mm_info),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "VMAS", MMSCOPE_IOC_VMAS, sizeof(struct mmscope_vmas),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "LOOKUP", MMSCOPE_IOC_LOOKUP, sizeof(struct mmscope_lookup),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "VM_FLAG_NAMES", MMSCOPE_IOC_VM_FLAG_NAMES, sizeof(struct mmscope_vm_flag_names),
	  { EINVAL, EFAULT, E2BIG } },
	{ "WALK", MMSCOPE_IOC_WALK, sizeof(struct mmscope_walk),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "PAGES", MMSCOPE_IOC_PAGES, sizeof(struct mmscope_pages),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "FAULTLAB_SETUP", MMSCOPE_IOC_FAULTLAB_SETUP, sizeof(struct mmscope_faultlab_setup),
	  { EINVAL, EFAULT, E2BIG, ENOMEM, EBUSY } },
	{ "FAULTLAB_STATS", MMSCOPE_IOC_FAULTLAB_STATS, sizeof(struct mmscope_faultlab_stats),
	  { EINVAL, EFAULT, E2BIG } },
	{ "FAULTLAB_LOG", MMSCOPE_IOC_FAULTLAB_LOG, sizeof(struct mmscope_faultlab_log),
	  { EINVAL, EFAULT, E2BIG, ENODEV } },
	{ "TLB", MMSCOPE_IOC_TLB, sizeof(struct mmscope_tlb),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT, ENOMEM, EOPNOTSUPP } },
	{ "SMAPS", MMSCOPE_IOC_SMAPS, sizeof(struct mmscope_smaps),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT } },
	{ "VMATREE", MMSCOPE_IOC_VMATREE, sizeof(struct mmscope_vmatree),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT, ENOMEM } },
	{ "PGD", MMSCOPE_IOC_PGD, sizeof(struct mmscope_pgd),
	  { EINVAL, EFAULT, E2BIG, ESRCH, ENOENT, ENOMEM } },
	{ "VERSION", MMSCOPE_IOC_VERSION, sizeof(struct mmscope_version),
	  { EINVAL, EFAULT, E2BIG } },
	{ "unknown", 0, 0, { ENOTTY } },
};
#define NCMDS 15
#define UNKNOWN NCMDS
_Static_assert(UNKNOWN < sizeof(by_cmd) / sizeof(by_cmd[0]), "a counter per command");

static void report(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(const char *what, const char *fmt, ...)
{
	static atomic_int printed;
	va_list ap;

	atomic_fetch_add(&bad, 1);
	if (atomic_fetch_add(&printed, 1) >= 40)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# BAD %s: ", what);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static bool allowed(const struct cmd *c, int err)
{
	unsigned int i;

	if (!err)
		return c != &cmds[UNKNOWN];
	for (i = 0; i < 8 && c->errs[i]; i++)
		if (c->errs[i] == err)
			return true;
	return false;
}

/* --- values -------------------------------------------------------------- */

struct fuzzer {
	struct rng r;
	char *arena;		/* ARENA bytes, then a PROT_NONE page */
	uint8_t req[REQ_MAX + 64];
	uint64_t task_size;
};

static uint64_t pick_addr(struct fuzzer *f)
{
	static const uint64_t fixed[] = {
		0, 1, PAGE - 1, PAGE, 0x400000, TS4 - 1, TS4, TS4 + 1, 1ULL << 47,
		(1ULL << 47) + 1, TS5 - 1, TS5, TS5 + 1, 1ULL << 56, 0x0000800000000000ULL,
		0x8000000000000000ULL, 0x00ff800000000000ULL, 0xffff800000000000ULL,
		0xffff888000000000ULL, 0xffffffff81000000ULL, ~0ULL, ~0ULL - PAGE + 1,
		CHURN_ADDR, NEVER_MAPPED, 0x7ffffffff000ULL,
	};
	struct rng *r = &f->r;

	switch (below(r, 8)) {
	case 0:
		return fixed[below(r, sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return rnd(r);
	case 2:
		return below(r, f->task_size);
	case 3:
		return (uintptr_t)f->arena + below(r, ARENA);
	case 4:
		return (uintptr_t)&f + below(r, 65536) - 32768;	/* our stack */
	case 5:
		return (uintptr_t)pick_addr + below(r, 1 << 20);	/* our text */
	case 6:
		return f->task_size - below(r, 3) * PAGE - below(r, 2);
	default:
		return (uintptr_t)ro_mem + below(r, 16 * PAGE);
	}
}

/* A user pointer for @len bytes of output (or input). */
static uint64_t pick_ptr(struct fuzzer *f, size_t len)
{
	struct rng *r = &f->r;
	char *end = f->arena + ARENA;

	switch (below(r, 24)) {
	case 0:
		return 0;
	case 1:
		return 0xffff888000000000ULL + below(r, 1 << 20);
	case 2:
		return NEVER_MAPPED + below(r, PAGE);
	case 3:
		return (uintptr_t)ro_mem + below(r, 15) * PAGE;
	case 4:
		return (uintptr_t)f->arena + 16384 + 1 + below(r, 7);	/* misaligned */
	case 5:	/* spanning into the guard page */
		return (uintptr_t)end - 1 - below(r, len ? len : 1);
	case 6:
		return uffd_mem ? (uintptr_t)uffd_mem + below(r, UFFD_PAGES * PAGE) :
				  (uintptr_t)f->arena + 16384;
	case 8:
	case 9:
		return CHURN_ADDR + below(r, CHURN_PAGES) * PAGE + (one_in(r, 4) ? below(r, 64) : 0);
	case 10:
		return rnd(r);
	default:
		return (uintptr_t)f->arena + 16384 + (one_in(r, 4) ? below(r, 8) * 1024 : 0);
	}
}

static uint32_t pick_flags(struct rng *r)
{
	switch (below(r, 16)) {
	case 0:
		return 1U << below(r, 32);
	case 1:
		return rnd(r);
	case 2:
		return ~0U;
	default:
		return 0;
	}
}

static uint64_t pick_reserved(struct rng *r)
{
	return one_in(r, 16) ? (one_in(r, 2) ? 1ULL << below(r, 64) : rnd(r)) : 0;
}

static uint32_t pick_count(struct rng *r)
{
	static const uint32_t fixed[] = { 0, 1, 2, 3, 63, 64, 65, 256, 1024, 65535,
					  65536, 65537, 1U << 31, ~0U };

	switch (below(r, 4)) {
	case 0:
		return fixed[below(r, sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return rnd(r);
	default:
		return 1 + below(r, 64);
	}
}

static uint32_t pick_recsize(struct rng *r, size_t ksize)
{
	switch (below(r, 12)) {
	case 0:
		return 0;
	case 1:
		return ksize - 1;
	case 2:
		return ksize + 1;
	case 3:
		return 4 * ksize;
	case 4:
		return 4 * ksize + 1;
	case 5:
		return rnd(r);
	case 6:
		return ksize + 8 * below(r, 16);
	default:
		return ksize;
	}
}

static uint32_t pick_pid(struct fuzzer *f)
{
	struct rng *r = &f->r;

	switch (below(r, 16)) {
	case 0:
		return 1;
	case 1:
		return 2;	/* kthreadd */
	case 2:
		return zombie;
	case 3:
	case 4:
	case 5:
		return *churn_pid ?: getpid();	/* exits any moment now */
	case 6:
		return lab_tids[below(r, NLABS)] ?: 1;
	case 7:
		return 0;
	case 8:
		return (uint32_t)INT32_MAX + below(r, 3) - 1;
	case 9:
		return rnd(r);
	case 10:
		return 3 + below(r, 200);
	default:
		return getpid();
	}
}

/* The request's own size field. */
static uint32_t pick_size(struct rng *r, size_t ksize)
{
	static const int deltas[] = { -8, -1, 1, 4, 8, 64 };

	switch (below(r, 16)) {
	case 0:
		return below(r, 9);
	case 1:
		return ksize + deltas[below(r, 6)];
	case 2:
		return 4096 + below(r, 3) - 1;
	case 3:
		return REQ_MAX - below(r, 2);
	case 4:
		return below(r, REQ_MAX + 1);
	default:
		return ksize;
	}
}

/* Fill the request of command @i (its fields; the size comes later). */
static void fill_request(struct fuzzer *f, unsigned int i)
{
	struct rng *r = &f->r;
	void *q = f->req;

	switch (i) {
	case 0: {
		struct mmscope_set_target *t = q;

		t->flags = pick_flags(r);
		t->pid = pick_pid(f);
		t->reserved = pick_reserved(r);
		break;
	}
	case 1: {
		struct mmscope_mm_info *m = q;

		m->flags = pick_flags(r);
		m->users_cap = one_in(r, 3) ? 0 : pick_count(r) % (one_in(r, 8) ? ~0U : 257);
		m->users_ptr = one_in(r, 8) ? 0 : pick_ptr(f, m->users_cap * sizeof(struct mmscope_mm_user));
		m->reserved = pick_reserved(r);
		if (one_in(r, 8))	/* output fields are overwritten */
			m->pid = rnd(r), m->mm_users = rnd(r);
		break;
	}
	case 2: {
		struct mmscope_vmas *v = q;

		v->flags = pick_flags(r);
		v->start = one_in(r, 2) ? 0 : pick_addr(f);
		v->count = pick_count(r) % (one_in(r, 8) ? ~0U : 48);
		v->vma_size = pick_recsize(r, sizeof(struct mmscope_vma));
		/* Half of them brief, with a paths' buffer of any size. */
		if (one_in(r, 2)) {
			v->flags = MMSCOPE_VMAS_BRIEF | (one_in(r, 8) ? pick_flags(r) : 0);
			v->vma_size = pick_recsize(r, sizeof(struct mmscope_vma_brief));
			v->strings_size = one_in(r, 4) ? pick_count(r) :
					  MMSCOPE_PATH_MAX + below(r, 4 * MMSCOPE_PATH_MAX);
			v->strings_ptr = one_in(r, 8) ? 0 : pick_ptr(f, v->strings_size);
		} else if (one_in(r, 8)) {
			v->strings_size = pick_count(r);
			v->strings_ptr = pick_ptr(f, v->strings_size);
		}
		v->vmas_ptr = pick_ptr(f, (size_t)v->count * v->vma_size);
		v->reserved = pick_reserved(r);
		if (one_in(r, 8))
			v->next = rnd(r), v->out_flags = rnd(r), v->strings_used = rnd(r);
		break;
	}
	case 3: {
		struct mmscope_lookup *l = q;

		l->flags = pick_flags(r);
		l->addr = pick_addr(f);
		l->vma_ptr = one_in(r, 3) ? 0 : pick_ptr(f, sizeof(struct mmscope_vma));
		l->vma_size = pick_recsize(r, sizeof(struct mmscope_vma));
		if (one_in(r, 8))
			l->gap = rnd(r), l->out_flags = rnd(r);
		break;
	}
	case 4: {
		struct mmscope_vm_flag_names *n = q;

		n->flags = pick_flags(r);
		if (one_in(r, 4))
			n->known = rnd(r), n->names[below(r, 64)][0] = 'x';
		break;
	}
	case 5: {
		struct mmscope_walk *w = q;

		w->flags = pick_flags(r);
		w->addr = pick_addr(f);
		w->reserved = pick_reserved(r);
		if (one_in(r, 8))
			w->nr_levels = rnd(r), w->phys = rnd(r), w->page.pfn = rnd(r);
		break;
	}
	case 6: {
		static const uint32_t modes[] = { 0, MMSCOPE_PAGES_PTE_ONLY, MMSCOPE_PAGES_SUMMARY,
						  MMSCOPE_PAGES_PTE_ONLY | MMSCOPE_PAGES_SUMMARY };
		struct mmscope_pages *p = q;
		uint64_t len;

		p->flags = below(r, 4) ? modes[below(r, 4)] : pick_flags(r);
		p->start = pick_addr(f);
		switch (below(r, 16)) {
		case 0:
			p->start = 0;
			p->end = f->task_size;	/* everything */
			break;
		case 1:
			p->end = pick_addr(f);
			break;
		case 2:
			p->end = p->start;
			break;
		default:
			len = one_in(r, 2) ? below(r, 64) * PAGE : below(r, 64ULL << 20);
			p->end = p->start + len + below(r, 2);
		}
		p->count = pick_count(r) % (one_in(r, 8) ? ~0U : 128);
		p->record_size = pick_recsize(r, p->flags & MMSCOPE_PAGES_PTE_ONLY ?
					      sizeof(struct mmscope_page_pte) :
					      sizeof(struct mmscope_page));
		p->records_ptr = pick_ptr(f, (size_t)p->count * p->record_size);
		/* A summary has no records, mostly. */
		if ((p->flags & MMSCOPE_PAGES_SUMMARY) && !one_in(r, 4))
			p->count = p->record_size = p->records_ptr = 0;
		p->reserved = pick_reserved(r);
		if (one_in(r, 8))
			p->next = rnd(r), p->out_flags = rnd(r), p->sum_cow[1] = rnd(r);
		break;
	}
	case 7: {
		struct mmscope_faultlab_setup *s = q;
		static const uint64_t lens[] = { 0, 1, PAGE - 1, PAGE, PAGE + 1, 64 << 20,
						 (64 << 20) + PAGE, 1ULL << 40, ~0ULL,
						 ~0ULL - PAGE + 1 };

		s->flags = one_in(r, 2) ? below(r, 2) : pick_flags(r);
		s->mode = below(r, 4) ? 1 + below(r, 4) : rnd(r) % (one_in(r, 2) ? 8 : ~0U);
		s->length = one_in(r, 3) ? lens[below(r, 10)] : (1 + below(r, 256)) * PAGE;
		s->reserved = pick_reserved(r);
		s->lab_id = pick_reserved(r);
		break;
	}
	case 8: {
		struct mmscope_faultlab_stats *s = q;

		s->flags = pick_flags(r);
		s->reserved = pick_reserved(r);
		if (one_in(r, 8))
			s->lab_id = rnd(r), s->lab.faults_read = rnd(r);
		break;
	}
	case 9: {
		struct mmscope_faultlab_log *l = q;

		l->flags = one_in(r, 2) ? below(r, 2) : pick_flags(r);
		l->since_seq = one_in(r, 2) ? 0 : (one_in(r, 2) ? below(r, 100000) : rnd(r));
		l->count = pick_count(r) % (one_in(r, 8) ? ~0U : 300);
		l->event_size = pick_recsize(r, sizeof(struct mmscope_faultlab_event));
		l->events_ptr = pick_ptr(f, (size_t)l->count * l->event_size);
		l->reserved = pick_reserved(r);
		if (one_in(r, 8))
			l->last_seq = rnd(r), l->lost = rnd(r);
		break;
	}
	case 10: {
		struct mmscope_tlb *t = q;

		/* Mostly a plain query; sometimes start or stop counting. */
		t->flags = below(r, 4) ? 0 : one_in(r, 2) ? below(r, 4) : pick_flags(r);
		if (one_in(r, 4)) {	/* no per-CPU records, no IPIs */
			t->cpus_cap = one_in(r, 8) ? pick_count(r) : 0;
			t->cpu_size = one_in(r, 8) ? pick_recsize(r, sizeof(struct mmscope_tlb_cpu)) : 0;
		} else {
			t->cpus_cap = pick_count(r) % (one_in(r, 8) ? ~0U : 9);
			t->cpu_size = pick_recsize(r, sizeof(struct mmscope_tlb_cpu));
			t->cpus_ptr = pick_ptr(f, (size_t)t->cpus_cap * t->cpu_size);
		}
		t->reserved = pick_reserved(r);
		if (one_in(r, 16))	/* outputs that must come in as 0 */
			t->cpus_count = rnd(r), t->cpus_total = rnd(r), t->out_flags = rnd(r);
		if (one_in(r, 8))	/* outputs that are overwritten */
			t->ctx_id = rnd(r), t->tlb_gen = rnd(r), t->events[below(r, 8)] = rnd(r);
		break;
	}
	case 11: {
		struct mmscope_smaps *sm = q;

		/* Half of them kernel rollups (MMSCOPE_SMAPS_ROLLUP). */
		sm->flags = one_in(r, 2) ? MMSCOPE_SMAPS_ROLLUP : pick_flags(r);
		sm->start = one_in(r, 2) ? 0 : pick_addr(f);
		sm->count = pick_count(r) % (one_in(r, 8) ? ~0U : 48);
		sm->record_size = pick_recsize(r, sizeof(struct mmscope_smaps_vma));
		sm->records_ptr = pick_ptr(f, (size_t)sm->count * sm->record_size);
		sm->reserved = pick_reserved(r);
		if (one_in(r, 8))
			sm->next = rnd(r), sm->out_flags = rnd(r);
		break;
	}
	case 12: {
		struct mmscope_vmatree *vt = q;
		unsigned int d;

		vt->flags = pick_flags(r);
		vt->count = pick_count(r) % (one_in(r, 8) ? ~0U : 40);
		vt->record_size = pick_recsize(r, sizeof(struct mmscope_vmatree_node));
		vt->records_ptr = pick_ptr(f, (size_t)vt->count * vt->record_size);
		vt->reserved = pick_reserved(r);
		/* Cursors: none, plausible ones (ancestors before the node), or noise. */
		if (one_in(r, 2)) {
			vt->cursor.depth = below(r, one_in(r, 8) ? 64 : 6);
			vt->cursor.id = vt->cursor.depth + below(r, 4000);
			vt->cursor.min = one_in(r, 2) ? pick_addr(f) : rnd(r);
			vt->cursor.vmas_before = below(r, 70000);
			for (d = 0; d < vt->cursor.depth && d < MMSCOPE_VMATREE_DEPTH + 1; d++)
				vt->cursor.path[d] = one_in(r, 16) ? rnd(r) : d;
			vt->seq = one_in(r, 2) ? 0 : rnd(r);
		}
		if (one_in(r, 8))
			vt->height = rnd(r), vt->out_flags = rnd(r), vt->node_count = rnd(r);
		break;
	}
	case 13: {
		struct mmscope_pgd *pg = q;

		pg->flags = pick_flags(r);
		/* Mostly inside the PGD, sometimes at its end or past it. */
		pg->first = one_in(r, 8) ? pick_count(r) : below(r, 514);
		pg->cap = one_in(r, 4) ? 0 : pick_count(r) % (one_in(r, 8) ? ~0U : 520);
		pg->entries_ptr = one_in(r, 8) ? 0 : pick_ptr(f, (size_t)pg->cap * sizeof(__u64));
		pg->reserved = pick_reserved(r);
		if (one_in(r, 8))	/* outputs that are overwritten */
			pg->count = rnd(r), pg->levels = rnd(r), pg->pgd_phys = rnd(r);
		break;
	}
	}
}

/* An unknown command: ours with another number or direction, or another magic. */
static unsigned long unknown_cmd(struct rng *r)
{
	static const unsigned int magics[] = { MMSCOPE_IOC_MAGIC, MMSCOPE_IOC_MAGIC,
					       0xE6, 0xE8, 0xFE };
	unsigned long cmd;
	unsigned int i;

	for (;;) {
		cmd = _IOC(below(r, 4), magics[below(r, 5)], below(r, 256), below(r, 1 << 14));
		if (one_in(r, 4))	/* a known command with the wrong direction */
			cmd = (cmds[below(r, NCMDS)].cmd & ~(_IOC_DIRMASK << _IOC_DIRSHIFT)) |
			      ((unsigned long)below(r, 4) << _IOC_DIRSHIFT);
		for (i = 0; i < NCMDS; i++)
			if ((cmds[i].cmd & ~IOCSIZE_MASK) == (cmd & ~IOCSIZE_MASK))
				break;
		if (i == NCMDS)
			return cmd;
	}
}

static void count_errno(unsigned int i, int err)
{
	unsigned int e;

	atomic_fetch_add(&by_cmd[i], 1);
	for (e = 0; e < NERRNOS - 1 && errnos[e] != err; e++)
		;
	atomic_fetch_add(&by_errno[i][e], 1);
}

/* One random call. */
static void fuzz_one(struct fuzzer *f)
{
	struct rng *r = &f->r;
	unsigned int i = below(r, 64) < 62 ? below(r, NCMDS) : UNKNOWN;
	const struct cmd *c = &cmds[i];
	size_t ksize = c->size ?: 64, len, room;
	unsigned long cmd = c->cmd;
	uint64_t arg;
	uint32_t size;
	char *end = f->arena + ARENA;
	int fd, ret, err;
	double t0;

	if (i == UNKNOWN)
		cmd = unknown_cmd(r);
	else if (one_in(r, 16))	/* the size bits do not matter */
		cmd = (cmd & ~IOCSIZE_MASK) | ((unsigned long)below(r, 1 << 14) << _IOC_SIZESHIFT);

	memset(f->req, 0, ksize);
	fill_request(f, i);
	size = pick_size(r, ksize);
	len = size > ksize ? size : ksize;
	if (len > REQ_MAX)
		len = REQ_MAX;
	memset(f->req + ksize, 0, len > ksize ? len - ksize : 0);
	if (size > ksize && one_in(r, 4))	/* a newer caller's non-zero tail */
		f->req[ksize + below(r, size - ksize)] = 1 + below(r, 255);
	memcpy(f->req, &size, 4);

	switch (below(r, 32)) {
	case 0:
		arg = 0;
		break;
	case 1:
		arg = 0xffffffff81000000ULL;
		break;
	case 2:
		arg = NEVER_MAPPED;
		break;
	case 3:	/* a read-only, valid-looking request: EFAULT on the way back */
		arg = (uintptr_t)ro_mem + (i < NCMDS ? i : 0) * PAGE;
		break;
	case 4:	/* spanning into the guard page */
		room = 1 + below(r, len);
		memcpy(end - room, f->req, room);
		arg = (uintptr_t)end - room;
		break;
	case 5:
		arg = uffd_mem ? (uintptr_t)uffd_mem + below(r, UFFD_PAGES) * PAGE :
				 (uintptr_t)f->arena;
		break;
	case 6:
		arg = CHURN_ADDR + below(r, CHURN_PAGES) * PAGE;
		break;
	case 7:	/* misaligned */
		memcpy(f->arena + 1 + (i & 3), f->req, len);
		arg = (uintptr_t)f->arena + 1 + (i & 3);
		break;
	default:
		memcpy(f->arena, f->req, len);
		arg = (uintptr_t)f->arena;
	}

	fd = fds[below(r, NFDS)];
	t0 = now();
	ret = ioctl(fd, cmd, (unsigned long)arg);
	err = ret ? errno : 0;
	atomic_fetch_add(&ns_by_cmd[i], (unsigned long)((now() - t0) * 1e9));
	if (ret && ret != -1)
		report(c->name, "ioctl returned %d", ret);
	atomic_fetch_add(&calls, 1);
	count_errno(i, err);
	if (!allowed(c, err))
		report(c->name, "cmd %#lx size %u arg %#" PRIx64 ": %s", cmd, size, arg,
		       err ? strerror(err) : "success");
}

static void reopen_fd(struct rng *r)
{
	int nfd = open(MMSCOPE_DEVICE, (one_in(r, 2) ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	int slot = below(r, NFDS);

	if (nfd < 0) {
		report("open", "%s", strerror(errno));
		return;
	}
	/* dup2() swaps atomically: a call in flight keeps its file. */
	dup2(nfd, fds[slot]);
	close(nfd);
	if (!one_in(r, 4))
		mms_set_target(fds[slot], one_in(r, 2) ? getpid() : *churn_pid ?: 1);
}

static bool time_up(uint64_t n)
{
	if (max_calls && n >= max_calls)
		return true;
	return deadline && now() > deadline;
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	uint64_t n = 0;

	while (!atomic_load(&stop)) {
		if ((++n & 63) == 0 && time_up(atomic_load(&calls)))
			break;
		if (one_in(&f->r, 1000))
			reopen_fd(&f->r);
		fuzz_one(f);
	}
	atomic_store(&stop, true);
	return NULL;
}

/* --- fault labs ---------------------------------------------------------- */

static __thread sigjmp_buf touch_jmp;
static __thread volatile int touch_armed;

static void touch_signal(int sig, siginfo_t *si, void *uc)
{
	if (touch_armed)
		siglongjmp(touch_jmp, sig);
	signal(sig, SIG_DFL);	/* not ours: crash as we would have */
}

/* Touch one byte; the signal it raised, or 0. */
static int touch(volatile char *p, bool write)
{
	int sig = sigsetjmp(touch_jmp, 1);

	if (sig) {
		touch_armed = 0;
		return sig;
	}
	touch_armed = 1;
	if (write)
		*p = 1;
	else
		(void)*p;
	touch_armed = 0;
	return 0;
}

static void lab_round(struct rng *r)
{
	uint64_t lab_pages = 1 + below(r, 64), len = lab_pages * PAGE, map_pages, pgoff, page;
	uint32_t mode = 1 + below(r, 4), flags = below(r, 2);
	bool rw = !one_in(r, 4), shared = !one_in(r, 4), past, huge = one_in(r, 8);
	int prot = PROT_READ | (one_in(r, 3) ? 0 : PROT_WRITE) | (one_in(r, 16) ? PROT_EXEC : 0);
	int fd, ret, sig, k;
	char *p, *hint = NULL;

	fd = open(MMSCOPE_DEVICE, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		report("lab open", "%s", strerror(errno));
		return;
	}
	if (one_in(r, 8))
		mode = below(r, 8);
	if (one_in(r, 8))
		flags = rnd(r);
	if (one_in(r, 16)) {
		len = below(r, 1 << 20);
		lab_pages = len / PAGE ?: 1;
	}
	if (huge) {	/* 2 MiB blocks, mapped by PMD entries where they fit */
		mode = MMSCOPE_FAULTLAB_PFN;
		flags = MMSCOPE_FAULTLAB_HUGE;
		lab_pages = 512 * (1 + below(r, 2));
		len = lab_pages * PAGE;
		shared = !one_in(r, 8);
	}
	ret = mms_faultlab_setup(fd, mode, len, flags, NULL);
	if (ret && ret != -EINVAL && ret != -ENOMEM &&
	    !(ret == -EOPNOTSUPP && (flags & MMSCOPE_FAULTLAB_HUGE) && !thp_in_kernel()))
		report("lab setup", "mode %u flags %#x: %s", mode, flags, strerror(-ret));
	map_pages = 1 + below(r, lab_pages + 4);
	pgoff = one_in(r, 4) ? below(r, lab_pages + 2) : 0;
	if (huge) {	/* a 2 MiB-aligned hint, and mostly whole blocks */
		if (!one_in(r, 4))
			pgoff = 512 * below(r, 2), map_pages = lab_pages - pgoff;
		p = mmap(NULL, map_pages * PAGE + (2 << 20), PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED) {
			hint = (char *)(((uintptr_t)p + (2 << 20) - 1) & ~((2UL << 20) - 1));
			munmap(p, map_pages * PAGE + (2 << 20));
		}
	}
	p = mmap(hint, map_pages * PAGE, prot, shared ? MAP_SHARED : MAP_PRIVATE, fd, pgoff * PAGE);
	if (p == MAP_FAILED) {
		if (errno != EINVAL && errno != ENXIO && errno != EPERM && errno != ENODEV &&
		    errno != EACCES && errno != ENOMEM)
			report("lab mmap", "mode %u: %s", mode, strerror(errno));
		close(fd);
		return;
	}
	if (ret) {
		report("lab mmap", "mapped a lab whose setup failed");
		munmap(p, map_pages * PAGE);
		close(fd);
		return;
	}
	atomic_fetch_add(&labs_made, 1);
	if (one_in(r, 2))
		close(fd), fd = -1;	/* the mapping holds the lab */
	for (k = below(r, 32); k >= 0; k--) {
		page = below(r, map_pages);
		past = pgoff + page >= lab_pages;
		sig = touch(p + page * PAGE + below(r, PAGE),
			    (prot & PROT_WRITE) && one_in(r, 2));
		if (sig)
			atomic_fetch_add(&lab_signals, 1);
		if (sig != (past ? SIGBUS : 0))
			report("lab touch", "mode %u page %" PRIu64 " of %" PRIu64 " (lab %" PRIu64
			       " pages): signal %d", mode, pgoff + page, map_pages, lab_pages, sig);
		if (one_in(r, 16))
			msync(p, map_pages * PAGE, MS_SYNC);
		if (one_in(r, 32))
			madvise(p, map_pages * PAGE, MADV_DONTNEED);
	}
	if (one_in(r, 4) && map_pages > 2)	/* split it */
		mprotect(p + PAGE, PAGE, PROT_READ);
	munmap(p, map_pages * PAGE);
	if (fd >= 0)
		close(fd);
}

static void *lab_thread(void *arg)
{
	struct rng r = { .s = (uintptr_t)arg };
	unsigned int i = (uintptr_t)arg & 1;

	lab_tids[i] = syscall(SYS_gettid);
	/* Paced, so that the fuzzing threads keep most of the CPU. */
	while (!atomic_load(&stop)) {
		lab_round(&r);
		usleep(5000);
	}
	lab_tids[i] = 0;
	return NULL;
}

/* --- debugfs -------------------------------------------------------------- */

static const char *const dfs_writable[] = { "target", "lookup", "pagetable", "pages", "tlb" };
static const char *const dfs_all[] = { "target", "mm", "maps", "lookup", "pagetable",
				       "pages", "faultlab/stats", "faultlab/log", "tlb" };

static void dfs_write(struct rng *r, char *buf)
{
	static const char *const texts[] = { "1", "2", "0", "-1", "4294967296", "2147483648",
		"18446744073709551616", "0x", "0x7fffffffe000", "0xfffffffffffff000",
		" 4096 \n", "\n", " ", "1-2", "0x1000 0x2000", "0-0xfffffffffffff",
		"0x1000-0x800000000000", "0-0x100000000000000", "abc", "1 2 3", "start", "stop" };
	const char *name = dfs_writable[below(r, 5)];
	char path[128];
	size_t len = below(r, 129), i;
	const void *src = buf;
	ssize_t n;
	int fd, err;

	switch (below(r, 4)) {
	case 0:
		for (i = 0; i < len; i++)
			buf[i] = rnd(r);
		break;
	case 1:
		len = snprintf(buf, 129, "%s", texts[below(r, 22)]);
		break;
	case 2:
		len = snprintf(buf, 129, one_in(r, 2) ? "%u" : "%#x",
			       one_in(r, 2) ? (unsigned int)getpid() : (unsigned int)*churn_pid);
		break;
	default:
		len = snprintf(buf, 129, "%#" PRIx64 "%c%#" PRIx64, rnd(r) >> below(r, 64),
			       " -\t"[below(r, 3)], rnd(r) >> below(r, 64));
	}
	if (one_in(r, 16))
		buf[below(r, len + 1)] = 0;	/* a NUL inside */
	if (one_in(r, 32))
		src = NULL;
	else if (uffd_mem && one_in(r, 16)) {
		src = uffd_mem + below(r, UFFD_PAGES) * PAGE;
		len = below(r, 64);
	}
	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		report("debugfs open", "%s: %s", name, strerror(errno));
		return;
	}
	n = write(fd, src, len);
	err = n < 0 ? errno : 0;
	if (n >= 0 && (size_t)n != len)
		report("debugfs write", "%s: %zd of %zu bytes", name, n, len);
	/* tlb's "start" needs a target with an mm, and the tracepoint. */
	if (err && err != EINVAL && err != ERANGE && err != ESRCH && err != EFAULT &&
	    !(!strcmp(name, "tlb") && (err == ENOENT || err == ENOMEM || err == EOPNOTSUPP)))
		report("debugfs write", "%s (%zu bytes): %s", name, len, strerror(err));
	close(fd);
}

static void dfs_read(struct rng *r, char *buf)
{
	const char *name = dfs_all[below(r, 9)];
	size_t total = 0;
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report("debugfs open", "%s: %s", name, strerror(errno));
		return;
	}
	do {
		n = read(fd, buf, 1 + below(r, 8192));
		total += n > 0 ? n : 0;
	} while (n > 0 && total < (64 << 10));
	if (n < 0 && errno != ESRCH && errno != EINVAL && errno != ENOENT)
		report("debugfs read", "%s: %s", name, strerror(errno));
	close(fd);
}

static void *dfs_thread(void *arg)
{
	struct rng r = { .s = (uintptr_t)arg };
	static char buf[8192];

	while (!atomic_load(&stop)) {
		if (one_in(&r, 2))
			dfs_write(&r, buf);
		else
			dfs_read(&r, buf);
		atomic_fetch_add(&dfs_ops, 1);
		usleep(3000);
	}
	return NULL;
}

/* --- memory that comes and goes ------------------------------------------ */

static void *churn_thread(void *arg)
{
	struct rng r = { .s = (uintptr_t)arg };
	char *p;

	while (!atomic_load(&stop)) {
		p = mmap((void *)CHURN_ADDR, CHURN_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED) {
			memset(p, 0, below(&r, CHURN_PAGES) * PAGE);
			usleep(below(&r, 300));
			if (one_in(&r, 2))
				munmap(p + below(&r, CHURN_PAGES) * PAGE, PAGE);
			usleep(below(&r, 300));
			munmap(p, CHURN_PAGES * PAGE);
		}
		usleep(below(&r, 300));
		atomic_fetch_add(&churns, 1);
	}
	return NULL;
}

/* Serves the uffd region's faults late, and empties it again now and then. */
static void *uffd_thread(void *arg)
{
	struct rng r = { .s = (uintptr_t)arg };
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	double rearm = now();

	while (!atomic_load(&stop_uffd)) {
		if (poll(&pfd, 1, 5) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT) {
			uint64_t page = msg.arg.pagefault.address & ~(PAGE - 1);

			usleep(below(&r, 1000));
			if (one_in(&r, 2)) {
				struct uffdio_zeropage z = { .range = { page, PAGE } };

				ioctl(uffd, UFFDIO_ZEROPAGE, &z);
			} else {
				struct uffdio_copy c = { .dst = page, .src = (uintptr_t)uffd_template,
							 .len = PAGE };

				ioctl(uffd, UFFDIO_COPY, &c);
			}
			atomic_fetch_add(&uffd_served, 1);
		}
		if (now() > rearm + 0.02) {
			madvise(uffd_mem, UFFD_PAGES * PAGE, MADV_DONTNEED);
			rearm = now();
		}
	}
	return NULL;
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int uffd_register(int fd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { (uintptr_t)p, len }, .mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(fd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

/* --- targets --------------------------------------------------------------- */

/* A child that keeps forking grandchildren that live a moment. */
static void churn_children(void)
{
	struct rng r = { .s = getpid() };
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		pid = fork();
		if (!pid) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED)
				memset(p, 1, below(&r, 256 << 10));
			usleep(10000 + below(&r, 30000));
			_exit(0);
		}
		if (pid > 0) {
			*churn_pid = pid;
			waitpid(pid, NULL, 0);
		}
		rnd(&r);
	}
}

static void ro_requests(void)
{
	unsigned int i;
	char *p;

	for (i = 0; i < NCMDS; i++) {
		p = ro_mem + i * PAGE;
		memset(p, 0, PAGE);
		*(uint32_t *)p = cmds[i].size;
	}
	((struct mmscope_set_target *)ro_mem)->pid = getpid();
	((struct mmscope_vmas *)(ro_mem + 2 * PAGE))->count = 1;
	((struct mmscope_vmas *)(ro_mem + 2 * PAGE))->vma_size = sizeof(struct mmscope_vma);
	((struct mmscope_vmas *)(ro_mem + 2 * PAGE))->vmas_ptr = (uintptr_t)(ro_mem + 12 * PAGE);
	((struct mmscope_pages *)(ro_mem + 6 * PAGE))->count = 4;
	((struct mmscope_pages *)(ro_mem + 6 * PAGE))->end = 1 << 30;
	((struct mmscope_pages *)(ro_mem + 6 * PAGE))->record_size = sizeof(struct mmscope_page);
	((struct mmscope_faultlab_setup *)(ro_mem + 7 * PAGE))->mode = 1;
	((struct mmscope_faultlab_setup *)(ro_mem + 7 * PAGE))->length = PAGE;
	((struct mmscope_vmatree *)(ro_mem + 12 * PAGE))->count = 1;
	((struct mmscope_vmatree *)(ro_mem + 12 * PAGE))->record_size =
		sizeof(struct mmscope_vmatree_node);
	((struct mmscope_vmatree *)(ro_mem + 12 * PAGE))->records_ptr = (uintptr_t)(ro_mem + 13 * PAGE);
	((struct mmscope_pgd *)(ro_mem + 13 * PAGE))->cap = 8;
	((struct mmscope_pgd *)(ro_mem + 13 * PAGE))->entries_ptr = (uintptr_t)(ro_mem + 15 * PAGE);
	mprotect(ro_mem, 16 * PAGE, PROT_READ);
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The timeout is the VM's (make fuzz runs it as long as asked). */
TEST_F_TIMEOUT(fuzz, storm, 36000)
{
	struct mmscope_mm_info info;
	pthread_t fuzzers[NFUZZ], labs[NLABS], dfs, churn, uffd_t;
	struct fuzzer *f[NFUZZ];
	uint64_t seed = env_u64("MMSCOPE_FUZZ_SEED", 1);
	bool light = getenv("MMSCOPE_LIGHT");
	double secs = env_u64("MMSCOPE_FUZZ_SECONDS", light ? 40 : 180), t0, t;
	unsigned int i, e;
	bool have_uffd;
	struct sigaction sa = { .sa_sigaction = touch_signal,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	int ret;

	max_calls = env_u64("MMSCOPE_FUZZ_CALLS", light ? 20000 : 100000);
	TH_LOG("seed %" PRIu64 ", %" PRIu64 " calls, at most %.0f s", seed, max_calls, secs);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	for (i = 0; i < NFDS; i++) {
		fds[i] = open(MMSCOPE_DEVICE, O_RDWR | O_CLOEXEC);
		ASSERT_GE(fds[i], 0);
	}
	ASSERT_EQ(0, mms_set_target(fds[0], getpid()));
	ASSERT_EQ(0, mms_mm_info(fds[0], &info, NULL, NULL));
	mms_set_target(fds[2], 1);
	mms_set_target(fds[3], 2);

	ro_mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_mem);
	ro_requests();

	churn_pid = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, churn_pid);
	zombie = fork();
	if (!zombie)
		_exit(0);
	churner = fork();
	if (!churner)
		churn_children();
	ASSERT_GT(churner, 0);
	mms_set_target(fds[4], zombie);		/* ESRCH once it is a zombie */

	uffd = uffd_open();
	have_uffd = uffd >= 0;
	if (have_uffd) {
		uffd_mem = mmap(NULL, UFFD_PAGES * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uffd_template = calloc(1, PAGE);
		ASSERT_NE(MAP_FAILED, uffd_mem);
		*(uint32_t *)uffd_template = sizeof(struct mmscope_pages);
		((struct mmscope_pages *)uffd_template)->end = 1 << 30;
		((struct mmscope_pages *)uffd_template)->count = 8;
		((struct mmscope_pages *)uffd_template)->record_size = sizeof(struct mmscope_page);
		((struct mmscope_pages *)uffd_template)->records_ptr = (uintptr_t)uffd_mem + 8 * PAGE;
		ret = uffd_register(uffd, uffd_mem, UFFD_PAGES * PAGE);
		if (ret) {
			TH_LOG("UFFDIO_REGISTER: %s: no userfaultfd buffers", strerror(-ret));
			munmap(uffd_mem, UFFD_PAGES * PAGE);
			uffd_mem = NULL;
			have_uffd = false;
		}
	} else {
		TH_LOG("userfaultfd: %s: no userfaultfd buffers", strerror(-uffd));
	}

	t0 = now();
	deadline = secs ? t0 + secs : 0;
	if (have_uffd)
		ASSERT_EQ(0, pthread_create(&uffd_t, NULL, uffd_thread, (void *)(uintptr_t)(seed * 7 + 5)));
	for (i = 0; i < NLABS; i++)
		ASSERT_EQ(0, pthread_create(&labs[i], NULL, lab_thread,
					    (void *)(uintptr_t)(seed * 7 + 1 + i * 2)));
	ASSERT_EQ(0, pthread_create(&dfs, NULL, dfs_thread, (void *)(uintptr_t)(seed * 7 + 3)));
	ASSERT_EQ(0, pthread_create(&churn, NULL, churn_thread, (void *)(uintptr_t)(seed * 7 + 4)));
	for (i = 0; i < NFUZZ; i++) {
		f[i] = calloc(1, sizeof(*f[i]));
		f[i]->r.s = seed * 1000003 + i;
		f[i]->task_size = info.task_size;
		f[i]->arena = mmap(NULL, ARENA + PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, f[i]->arena);
		mprotect(f[i]->arena + ARENA, PAGE, PROT_NONE);
		ASSERT_EQ(0, pthread_create(&fuzzers[i], NULL, fuzz_thread, f[i]));
	}
	for (i = 0; i < NFUZZ; i++)
		pthread_join(fuzzers[i], NULL);
	atomic_store(&stop, true);
	for (i = 0; i < NLABS; i++)
		pthread_join(labs[i], NULL);
	pthread_join(dfs, NULL);
	pthread_join(churn, NULL);
	atomic_store(&stop_uffd, true);
	if (have_uffd)
		pthread_join(uffd_t, NULL);
	t = now() - t0;

	kill(churner, SIGKILL);
	waitpid(churner, NULL, 0);
	waitpid(zombie, NULL, 0);

	printf("# fuzz: seed %" PRIu64 ": %lu ioctl calls in %.1f s: %.0f calls/s; %lu debugfs "
	       "operations, %lu labs mapped (%lu signals), %lu uffd faults served late, "
	       "%lu munmap rounds\n", seed, atomic_load(&calls), t, atomic_load(&calls) / t,
	       atomic_load(&dfs_ops), atomic_load(&labs_made), atomic_load(&lab_signals),
	       atomic_load(&uffd_served), atomic_load(&churns));
	for (i = 0; i <= NCMDS; i++) {
		char line[256];
		int n = snprintf(line, sizeof(line), "# fuzz: %-14s %7lu, %5.0f us each:", cmds[i].name,
				 atomic_load(&by_cmd[i]), atomic_load(&ns_by_cmd[i]) / 1e3 /
				 (atomic_load(&by_cmd[i]) ?: 1));

		for (e = 0; e < NERRNOS; e++)
			if (atomic_load(&by_errno[i][e]))
				n += snprintf(line + n, sizeof(line) - n, " %s %lu",
					      e == 0 ? "ok" : e == NERRNOS - 1 ? "other" :
					      strerrorname_np(errnos[e]),
					      atomic_load(&by_errno[i][e]));
		printf("%s\n", line);
	}
	fflush(stdout);
	EXPECT_EQ(0, atomic_load(&bad));
	/* A loaded host slows TCG down: the guard is a note, not a failure. */
	if (max_calls && atomic_load(&calls) < max_calls)
		TH_LOG("stopped by the %.0f s guard before %" PRIu64 " calls", secs, max_calls);
	for (i = 0; i < NFDS; i++)
		close(fds[i]);
	/* debugfs may still count a target of ours: no probe left for later tests. */
	ret = open(DEBUGFS_DIR "/tlb", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(ret, 0);
	EXPECT_EQ(4, write(ret, "stop", 4));
	close(ret);
}

/* --- a copy nobody serves ------------------------------------------------- */

struct stall {
	int pipe_fd;
	char *mem;
};

/* In the stalled caller's process: its mmap lock must stay free. */
static void *map_unmap(void *arg)
{
	struct stall *s = arg;
	int i;

	usleep(50000);
	for (i = 0; i < 20; i++) {
		void *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || munmap(p, 1 << 20))
			_exit(3);
	}
	if (write(s->pipe_fd, "m", 1) != 1)
		_exit(4);
	return NULL;
}

/* Case @c: one call whose request or buffer is in unserved uffd memory. */
static void stalled_call(unsigned int c, struct stall *s)
{
	static struct mmscope_vmas v = { .size = sizeof(v), .count = 4,
					 .vma_size = sizeof(struct mmscope_vma) };
	static struct mmscope_pages p = { .size = sizeof(p), .count = 64, .end = 1ULL << 40,
					  .record_size = sizeof(struct mmscope_page) };
	static struct mmscope_mm_info m = { .size = sizeof(m), .users_cap = 4 };
	static struct mmscope_lookup l = { .size = sizeof(l),
					   .vma_size = sizeof(struct mmscope_vma) };
	static struct mmscope_faultlab_log g = { .size = sizeof(g), .count = 16,
						  .event_size = sizeof(struct mmscope_faultlab_event) };
	static struct mmscope_tlb t = { .size = sizeof(t), .cpus_cap = 4,
					.cpu_size = sizeof(struct mmscope_tlb_cpu) };
	static struct mmscope_pgd pg = { .size = sizeof(pg), .cap = 512 };
	int fd = open_target(getpid()), dfd;

	if (fd < 0)
		_exit(5);
	switch (c) {
	case 0:
		ioctl(fd, MMSCOPE_IOC_SET_TARGET, s->mem);	/* the request itself */
		break;
	case 1:
		v.vmas_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_VMAS, &v);
		break;
	case 2:
		p.records_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_PAGES, &p);
		break;
	case 3:
		m.users_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_MM_INFO, &m);
		break;
	case 4:
		l.addr = (uintptr_t)&l;
		l.vma_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_LOOKUP, &l);
		break;
	case 5:
		g.events_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_FAULTLAB_LOG, &g);
		break;
	case 6:
		t.cpus_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_TLB, &t);
		break;
	case 7:
		pg.entries_ptr = (uintptr_t)s->mem;
		ioctl(fd, MMSCOPE_IOC_PGD, &pg);
		break;
	default:
		dfd = open(DEBUGFS_DIR "/pages", O_WRONLY);
		if (write(dfd, s->mem, 16) < 0)
			_exit(6);
	}
	_exit(7);	/* returned: fine too, if the kernel did not wait */
}

TEST_F_TIMEOUT(fuzz, uffd_never_resolved, 120)
{
	static const char *const what[] = { "SET_TARGET request", "VMAS records",
		"PAGES records", "MM_INFO users", "LOOKUP vma", "FAULTLAB_LOG events",
		"TLB cpus", "PGD entries", "debugfs write" };
	unsigned int c, stalled = 0;
	int status, i, fd;
	pthread_t t;
	pid_t pid;

	fd = uffd_open();
	if (fd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-fd));
	close(fd);
	/* The log must have an event for FAULTLAB_LOG to copy one. */
	fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PAGE, PAGE, 0, NULL);
	if (fd >= 0) {
		volatile char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

		if (p != MAP_FAILED)
			(void)p[0], munmap((void *)p, PAGE);
		close(fd);
	}

	for (c = 0; c < 9; c++) {
		int pfd[2];
		struct pollfd pl;
		char ch = 0;

		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			struct stall s = { .pipe_fd = pfd[1] };
			int u = uffd_open();

			s.mem = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (u < 0 || s.mem == MAP_FAILED || uffd_register(u, s.mem, 16 * PAGE))
				_exit(2);
			pthread_create(&t, NULL, map_unmap, &s);
			stalled_call(c, &s);
		}
		close(pfd[1]);
		pl = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
		/* The other thread maps and unmaps while the call waits. */
		EXPECT_EQ(1, poll(&pl, 1, 10000)) TH_LOG("%s: mmap lock held during a stalled copy",
							  what[c]);
		EXPECT_EQ(1, read(pfd[0], &ch, 1));
		EXPECT_EQ('m', ch);
		usleep(100000);
		if (waitpid(pid, &status, WNOHANG) == 0)
			stalled++;
		kill(pid, SIGKILL);
		for (i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; i++)
			usleep(10000);
		EXPECT_LT(i, 500) TH_LOG("%s: the stalled caller did not die at SIGKILL", what[c]);
		if (i == 500)
			waitpid(pid, &status, 0);
		EXPECT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 7))
			TH_LOG("%s: status %#x", what[c], status);
		close(pfd[0]);
	}
	TH_LOG("%u of 9 callers stalled on userfaultfd until killed", stalled);
}

TEST_HARNESS_MAIN
