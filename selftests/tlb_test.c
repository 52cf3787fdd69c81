// SPDX-License-Identifier: GPL-2.0
/*
 * TLB state (MMSCOPE_IOC_TLB, debugfs tlb) against the kernel's own
 * oracles and against experiments on forked targets: /proc/cpuinfo for the
 * features, the mm export for the PGD, /proc/kallsyms + /proc/iomem for
 * init_mm's PGD, /proc/vmstat's nr_tlb_* where the kernel has them
 * (CONFIG_DEBUG_TLBFLUSH: the debug kernel), and flushes made on purpose
 * (munmap, mprotect, MADV_DONTNEED, a COW fault) by a target with a thread
 * on each CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "json_reader.h"
#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define MAX_CPUS 256
#define AREA_PAGES 512

static long page_size;

static bool two_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

/*
 * init_mm's PGD, which the module cannot name: init_top_pgt's offset from
 * _text (/proc/kallsyms) plus the kernel code's physical start
 * (/proc/iomem: code_resource begins at __pa_symbol(_text)). 0 if hidden.
 */
static uint64_t init_mm_pgd_phys(void)
{
	unsigned long long a, b, text = 0, pgt = 0, code = 0;
	char line[256], sym[128], type;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while ((!text || !pgt) && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &a, &type, sym) != 3)
			continue;
		if (!strcmp(sym, "_text"))
			text = a;
		else if (!strcmp(sym, "init_top_pgt"))
			pgt = a;
	}
	fclose(f);
	f = fopen("/proc/iomem", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " : Kernel code") && sscanf(line, " %llx-%llx", &a, &b) == 2) {
			code = a;
			break;
		}
	fclose(f);
	return text && pgt && code && pgt > text ? code + (pgt - text) : 0;
}

static long flush_ceiling(void)
{
	char buf[32];

	if (read_file("/sys/kernel/debug/x86/tlb_single_page_flush_ceiling", buf,
		      sizeof(buf)) <= 0)
		return -1;
	return atol(buf);
}

static const struct mmscope_tlb_cpu *cpu_rec(const struct mmscope_tlb_cpu *cpus,
					     uint32_t n, unsigned int cpu)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (cpus[i].cpu == cpu)
			return &cpus[i];
	return NULL;
}

/* ---- a target with a spinner on CPU 1 and a worker on CPU 0 ------------ */

enum op { OP_NONE, OP_MUNMAP, OP_MPROTECT, OP_DONTNEED, OP_UNMAP_TABLES, OP_STOP_SPIN };

struct cmd {
	int op;
	long first, pages;	/* in pages of the area */
};

struct target {
	pid_t pid;
	int cmd, ack;		/* the parent's ends */
};

static volatile int spinner_stop;

static void *spinner(void *arg)
{
	pin_to_cpu(1);
	while (!spinner_stop)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * The target: @spin starts a thread spinning on CPU 1; the main thread
 * (CPU 0) owns an area of AREA_PAGES touched pages, no THP, and runs
 * commands: OP_STOP_SPIN ends the spinner, which leaves CPU 1 idle.
 */
static void target_main(int cmd, int ack, bool spin)
{
	char *area, *tables;
	pthread_t t;
	struct cmd c;
	char r = 'k';

	pin_to_cpu(0);
	area = mmap(NULL, AREA_PAGES * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		_exit(1);
	madvise(area, AREA_PAGES * page_size, MADV_NOHUGEPAGE);
	memset(area, 1, AREA_PAGES * page_size);
	/* A 2M-aligned 2M area alone in its PMD: unmapping it frees its PTE table. */
	tables = mmap(NULL, 6 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (tables == MAP_FAILED)
		_exit(1);
	{
		char *al = (char *)(((unsigned long)tables + (2 << 20) - 1) & ~((2UL << 20) - 1));

		if (al > tables)
			munmap(tables, al - tables);
		munmap(al + (2 << 20), tables + (6 << 20) - (al + (2 << 20)));
		tables = al;
	}
	madvise(tables, 2 << 20, MADV_NOHUGEPAGE);
	memset(tables, 1, 16 * page_size);
	if (spin && pthread_create(&t, NULL, spinner, NULL))
		_exit(1);
	if (write(ack, &r, 1) != 1)
		_exit(1);
	while (read(cmd, &c, sizeof(c)) == sizeof(c)) {
		char *p = area + c.first * page_size;
		size_t len = c.pages * page_size;

		switch (c.op) {
		case OP_MUNMAP:
			r = munmap(p, len) ? 'e' : 'k';
			break;
		case OP_MPROTECT:
			r = mprotect(p, len, PROT_READ) ? 'e' : 'k';
			break;
		case OP_DONTNEED:
			r = madvise(p, len, MADV_DONTNEED) ? 'e' : 'k';
			break;
		case OP_UNMAP_TABLES:
			r = munmap(tables, 2 << 20) ? 'e' : 'k';
			break;
		case OP_STOP_SPIN:
			spinner_stop = 1;
			r = spin && pthread_join(t, NULL) ? 'e' : 'k';
			break;
		default:
			r = 'k';
		}
		if (write(ack, &r, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static int target_start(struct target *t, bool spin)
{
	int cmd[2], ack[2];
	char r;

	if (pipe(cmd) || pipe(ack))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		close(cmd[1]);
		close(ack[0]);
		target_main(cmd[0], ack[1], spin);
	}
	close(cmd[0]);
	close(ack[1]);
	t->cmd = cmd[1];
	t->ack = ack[0];
	if (read(t->ack, &r, 1) != 1 || r != 'k')
		return -EIO;
	usleep(100000);	/* the spinner settles on CPU 1 */
	return 0;
}

/*
 * The usual start: this test on CPU 0, the target spinning on CPU 1, and a
 * query fd on it (returned), or -errno.
 */
static int spinning_target_open(struct target *t)
{
	int ret;

	pin_to_cpu(0);
	ret = target_start(t, true);
	return ret ? ret : open_target(t->pid);
}

static int target_do(struct target *t, int op, long first, long pages)
{
	struct cmd c = { .op = op, .first = first, .pages = pages };
	char r;

	if (write(t->cmd, &c, sizeof(c)) != sizeof(c) || read(t->ack, &r, 1) != 1)
		return -EIO;
	return r == 'k' ? 0 : -EINVAL;
}

static void target_stop(struct target *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->cmd);
	close(t->ack);
}

static int tlb_cpus(int fd, uint32_t flags, struct mmscope_tlb *tlb,
		    struct mmscope_tlb_cpu *cpus, uint32_t *n)
{
	*n = MAX_CPUS;
	return mms_tlb(fd, flags, tlb, cpus, n);
}

/* The CLI (below): its output is read into cli_out. */
static char cli_out[1 << 16];
static int cli(const char **argv);

/* ---- the snapshot ------------------------------------------------------- */

TEST(features_match_cpuinfo)
{
	struct mmscope_tlb t;
	int fd = open_target(getpid());

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_EQ(cpuinfo_flag("pcid"), !!(t.out_flags & MMSCOPE_TLB_PCID));
	EXPECT_EQ(cpuinfo_flag("invpcid"), !!(t.out_flags & MMSCOPE_TLB_INVPCID));
	EXPECT_EQ(cpuinfo_flag("pti"), !!(t.out_flags & MMSCOPE_TLB_PTI));
	EXPECT_EQ(cpuinfo_flag("la57"), !!(t.out_flags & MMSCOPE_TLB_LA57));
	if (t.out_flags & MMSCOPE_TLB_INVLPGB_KNOWN)
		EXPECT_EQ(cpuinfo_flag("invlpgb"), !!(t.out_flags & MMSCOPE_TLB_INVLPGB));
	/* No per-CPU records were asked for: none came, and no counting. */
	EXPECT_EQ(0, t.cpus_count);
	EXPECT_EQ(0, t.out_flags & MMSCOPE_TLB_COUNTING);
	TH_LOG("pcid %d invpcid %d pti %d la57 %d invlpgb %s",
	       !!(t.out_flags & MMSCOPE_TLB_PCID), !!(t.out_flags & MMSCOPE_TLB_INVPCID),
	       !!(t.out_flags & MMSCOPE_TLB_PTI), !!(t.out_flags & MMSCOPE_TLB_LA57),
	       t.out_flags & MMSCOPE_TLB_INVLPGB_KNOWN ? "known" : "unknown to this kernel");
	close(fd);
}

/* A spinner pinned on CPU 1 has its tables loaded there. */
TEST(pinned_spinner_loaded)
{
	struct mmscope_tlb_cpu cpus[MAX_CPUS];
	const struct mmscope_tlb_cpu *c1, *c0;
	struct mmscope_mm_info info;
	struct mmscope_tlb t;
	struct target tg;
	char path[64];
	uint32_t n, i;
	int fd;

	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	fd = spinning_target_open(&tg);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	ASSERT_EQ(0, tlb_cpus(fd, 0, &t, cpus, &n));
	ASSERT_EQ(sysconf(_SC_NPROCESSORS_ONLN), n);
	EXPECT_EQ(n, t.cpus_total);
	EXPECT_EQ(info.pgd_phys, t.pgd_phys);
	if (!(t.out_flags & MMSCOPE_TLB_PCID))
		EXPECT_EQ(t.pgd_phys, t.cr3);
	c1 = cpu_rec(cpus, n, 1);
	ASSERT_NE(NULL, c1);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_ONLINE);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_TARGET_ACTIVE);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_ACTIVE_LOADED);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_IN_MASK);
	EXPECT_FALSE(c1->flags & (MMSCOPE_TLB_CPU_KTHREAD | MMSCOPE_TLB_CPU_LAZY |
				  MMSCOPE_TLB_CPU_NO_MM | MMSCOPE_TLB_CPU_IDLE));
	EXPECT_EQ(info.pgd_phys, c1->pgd_phys);
	/* The spinner is a thread of the target: a TID of its thread group. */
	snprintf(path, sizeof(path), "/proc/%d/task/%u", tg.pid, c1->pid);
	EXPECT_EQ(0, access(path, F_OK));
	EXPECT_NE(tg.pid, c1->pid);
	if (!(t.out_flags & MMSCOPE_TLB_PCID))
		EXPECT_EQ(0, c1->pcid);
	/* CPU 0 runs this test, which asked: its own tables, not the target's. */
	c0 = cpu_rec(cpus, n, 0);
	ASSERT_NE(NULL, c0);
	EXPECT_EQ(getpid(), c0->pid);
	EXPECT_FALSE(c0->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
	EXPECT_TRUE(c0->flags & MMSCOPE_TLB_CPU_ACTIVE_LOADED);
	for (i = 0; i < n; i++)
		TH_LOG("cpu %u cr3 %#llx pid %u %s flags %#x", cpus[i].cpu,
		       (unsigned long long)cpus[i].cr3, cpus[i].pid, cpus[i].comm,
		       cpus[i].flags);
	close(fd);
	target_stop(&tg);
}

/* A target forked later has a later ctx_id: ctx_ids are never reused. */
TEST(ctx_id_grows)
{
	struct mmscope_tlb a, b;
	struct target ta, tb;
	int fa, fb;

	ASSERT_EQ(0, target_start(&ta, false));
	ASSERT_EQ(0, target_start(&tb, false));
	fa = open_target(ta.pid);
	fb = open_target(tb.pid);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fb, 0);
	ASSERT_EQ(0, mms_tlb(fa, 0, &a, NULL, NULL));
	ASSERT_EQ(0, mms_tlb(fb, 0, &b, NULL, NULL));
	EXPECT_LT(a.ctx_id, b.ctx_id);
	EXPECT_NE(a.pgd_phys, b.pgd_phys);
	close(fa);
	close(fb);
	target_stop(&ta);
	target_stop(&tb);
}

/*
 * A CPU whose target blocked runs its idle task on the target's tables,
 * lazily (enter_lazy_tlb() keeps CR3 and sets is_lazy). A flush that frees
 * page tables is sent to lazy CPUs too (native_flush_tlb_multi()), and a
 * lazy CPU answers it by switching to init_mm (flush_tlb_func()): then its
 * CR3 holds init_mm's PGD, it is no longer lazy, and it left the target's
 * mm_cpumask.
 */
TEST(idle_cpu_lazy_then_init_mm)
{
	struct mmscope_tlb_cpu cpus[MAX_CPUS];
	const struct mmscope_tlb_cpu *c1 = NULL;
	uint64_t init_pgd = init_mm_pgd_phys();
	const char *argv[] = { "mmscope", "tlb", NULL, NULL };
	struct mmscope_tlb t;
	struct target tg;
	char pid_s[16];
	uint32_t n;
	int fd, tries;

	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	/* The spinner runs on CPU 1, then stops: CPU 1 goes idle after it. */
	fd = spinning_target_open(&tg);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tlb_cpus(fd, 0, &t, cpus, &n));
	ASSERT_TRUE(cpu_rec(cpus, n, 1)->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
	/* The spinner ends: CPU 1 has nothing else to run. */
	ASSERT_EQ(0, target_do(&tg, OP_STOP_SPIN, 0, 0));
	for (tries = 0; tries < 50; tries++) {
		usleep(20000);
		ASSERT_EQ(0, tlb_cpus(fd, 0, &t, cpus, &n));
		c1 = cpu_rec(cpus, n, 1);
		if (c1->flags & MMSCOPE_TLB_CPU_IDLE)
			break;
	}
	ASSERT_TRUE(c1->flags & MMSCOPE_TLB_CPU_IDLE);
	TH_LOG("CPU 1 idle: cr3 %#llx flags %#x (target pgd %#llx, init_mm pgd %#llx)",
	       (unsigned long long)c1->cr3, c1->flags, (unsigned long long)t.pgd_phys,
	       (unsigned long long)init_pgd);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_KTHREAD);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_NO_MM);
	EXPECT_EQ(0, c1->pid);
	/* What the kernels do: lazy on the target's tables, borrowed as active_mm. */
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_LAZY);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_TARGET_ACTIVE);
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_IN_MASK);
	snprintf(pid_s, sizeof(pid_s), "%d", tg.pid);
	argv[2] = pid_s;
	if (!cli(argv))
		TH_LOG("mmscope tlb %s, CPU 1 idle after the target ran there:\n%s", pid_s, cli_out);

	/* Freed tables reach the lazy CPU, which moves to init_mm. */
	ASSERT_EQ(0, target_do(&tg, OP_UNMAP_TABLES, 0, 0));
	ASSERT_EQ(0, tlb_cpus(fd, 0, &t, cpus, &n));
	c1 = cpu_rec(cpus, n, 1);
	TH_LOG("CPU 1 after freed tables: cr3 %#llx pid %u flags %#x", (unsigned long long)c1->cr3,
	       c1->pid, c1->flags);
	/*
	 * Its idle task, or a kernel thread that took the idle task's
	 * active_mm over (the debug kernel's kmemleak scan, 60 s after boot
	 * and then every 10 min, runs for a while on CPU 1): no mm of its own.
	 */
	ASSERT_TRUE(c1->flags & (MMSCOPE_TLB_CPU_IDLE | MMSCOPE_TLB_CPU_KTHREAD));
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_NO_MM);
	EXPECT_FALSE(c1->flags & MMSCOPE_TLB_CPU_LAZY);
	EXPECT_FALSE(c1->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
	EXPECT_FALSE(c1->flags & MMSCOPE_TLB_CPU_IN_MASK);
	/* It still names the target as active_mm; CR3 says otherwise. */
	EXPECT_TRUE(c1->flags & MMSCOPE_TLB_CPU_TARGET_ACTIVE);
	EXPECT_FALSE(c1->flags & MMSCOPE_TLB_CPU_ACTIVE_LOADED);
	if (init_pgd) {
		EXPECT_EQ(init_pgd, c1->pgd_phys);
	} else {
		TH_LOG("init_mm's PGD is hidden (kallsyms or iomem): not compared");
	}
	if (!cli(argv))
		TH_LOG("mmscope tlb %s, after a flush that freed page tables:\n%s", pid_s, cli_out);
	close(fd);
	target_stop(&tg);
}

/* ---- flushes by reason --------------------------------------------------- */

/* Windows by_reason may take to find one whose shootdown CPU 1 received. */
#define WINDOWS 5

FIXTURE(flush) {
	struct target tg;
	int fd;
	long ceiling;
};

FIXTURE_VARIANT(flush) {
	int op;
	bool small;	/* a range the kernel flushes page by page, or above the ceiling */
};

FIXTURE_VARIANT_ADD(flush, munmap_small) { .op = OP_MUNMAP, .small = true };
FIXTURE_VARIANT_ADD(flush, munmap_large) { .op = OP_MUNMAP, .small = false };
FIXTURE_VARIANT_ADD(flush, mprotect_small) { .op = OP_MPROTECT, .small = true };
FIXTURE_VARIANT_ADD(flush, mprotect_large) { .op = OP_MPROTECT, .small = false };
FIXTURE_VARIANT_ADD(flush, dontneed_small) { .op = OP_DONTNEED, .small = true };
FIXTURE_VARIANT_ADD(flush, dontneed_large) { .op = OP_DONTNEED, .small = false };

FIXTURE_SETUP(flush)
{
	self->fd = -1;
	self->tg.pid = 0;
	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	self->ceiling = flush_ceiling();
	if (self->ceiling < 0)
		SKIP(return, "no /sys/kernel/debug/x86/tlb_single_page_flush_ceiling");
	pin_to_cpu(0);
	ASSERT_EQ(0, target_start(&self->tg, true));
	self->fd = open_target(self->tg.pid);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(flush)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tg.pid > 0)
		target_stop(&self->tg);
}

/*
 * One operation by the thread on CPU 0, while the spinner keeps the
 * target's tables loaded, not lazily, on CPU 1: CPU 0 flushes its own TLB
 * (local_mm) and sends a shootdown IPI (ipi_sent) that CPU 1 receives
 * (remote). flush_tlb_mm_range() flushes page by page up to
 * tlb_single_page_flush_ceiling pages, and the whole TLB above it.
 */
TEST_F(flush, by_reason)
{
	long pages = variant->small ? 4 : self->ceiling + 1;
	struct mmscope_tlb t;
	int r, w;

	ASSERT_LE(pages * WINDOWS, AREA_PAGES / 2);
	/*
	 * If CPU 1 ran something else at the moment of the flush (a kernel
	 * thread, kmemleak's scan on the debug kernel), it was lazy and the
	 * shootdown skipped it: it catches up at its next switch, and no IPI
	 * reaches it. Such a window must still count one request, once
	 * locally; the exact count is checked in the first window whose
	 * shootdown CPU 1 received.
	 */
	for (w = 0; w < WINDOWS; w++) {
		ASSERT_EQ(0, mms_tlb(self->fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
		ASSERT_TRUE(t.out_flags & MMSCOPE_TLB_COUNTING);
		ASSERT_EQ(0, target_do(&self->tg, variant->op, AREA_PAGES / 4 + w * pages,
				       pages));
		ASSERT_EQ(0, mms_tlb(self->fd, MMSCOPE_TLB_COUNT_STOP, &t, NULL, NULL));
		ASSERT_TRUE(t.out_flags & MMSCOPE_TLB_COUNTING);
		for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++)
			TH_LOG("window %d: reason %d: events %llu pages %llu full %llu", w, r,
			       (unsigned long long)t.events[r], (unsigned long long)t.pages[r],
			       (unsigned long long)t.full[r]);
		TH_LOG("window %d: tlb_gen_delta %llu, %ld pages, ceiling %ld", w,
		       (unsigned long long)t.tlb_gen_delta, pages, self->ceiling);
		if (t.events[MMSCOPE_TLB_REMOTE])
			break;
		EXPECT_EQ(1, t.tlb_gen_delta);
		EXPECT_EQ(1, t.events[MMSCOPE_TLB_LOCAL_MM]);
		EXPECT_GE(1, t.events[MMSCOPE_TLB_IPI_SENT]);
	}
	ASSERT_GT(WINDOWS, w) TH_LOG("CPU 1 received no shootdown in any window");

	/* One flush request: tlb_gen moved once, and each CPU did its part once. */
	EXPECT_EQ(1, t.tlb_gen_delta);
	EXPECT_EQ(1, t.events[MMSCOPE_TLB_LOCAL_MM]);
	EXPECT_EQ(1, t.events[MMSCOPE_TLB_IPI_SENT]);
	EXPECT_EQ(1, t.events[MMSCOPE_TLB_REMOTE]);
	EXPECT_EQ(0, t.events[MMSCOPE_TLB_LOCAL]);
	if (variant->small) {
		EXPECT_EQ(pages, t.pages[MMSCOPE_TLB_LOCAL_MM]);
		EXPECT_EQ(pages, t.pages[MMSCOPE_TLB_IPI_SENT]);
		EXPECT_EQ(pages, t.pages[MMSCOPE_TLB_REMOTE]);
		EXPECT_EQ(0, t.full[MMSCOPE_TLB_LOCAL_MM] + t.full[MMSCOPE_TLB_IPI_SENT] +
			     t.full[MMSCOPE_TLB_REMOTE]);
	} else {
		EXPECT_EQ(1, t.full[MMSCOPE_TLB_LOCAL_MM]);
		EXPECT_EQ(1, t.full[MMSCOPE_TLB_IPI_SENT]);
		EXPECT_EQ(1, t.full[MMSCOPE_TLB_REMOTE]);
		EXPECT_EQ(0, t.pages[MMSCOPE_TLB_LOCAL_MM] + t.pages[MMSCOPE_TLB_IPI_SENT] +
			     t.pages[MMSCOPE_TLB_REMOTE]);
	}
	/* Stopped: the next answer counts nothing. */
	ASSERT_EQ(0, mms_tlb(self->fd, 0, &t, NULL, NULL));
	EXPECT_FALSE(t.out_flags & MMSCOPE_TLB_COUNTING);
	EXPECT_EQ(0, t.events[MMSCOPE_TLB_LOCAL_MM]);
}

/* ---- COW after fork: only the writer's mm flushes ------------------------ */

TEST(cow_flushes_only_the_writer)
{
	int go[2], ready[2], fa, fb;
	struct mmscope_tlb ta, tb;
	pid_t parent, child;
	char c;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	parent = fork();
	ASSERT_GE(parent, 0);
	if (!parent) {
		char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t kid;

		memset(p, 1, page_size);
		kid = fork();
		if (!kid) {
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			p[0] = 2;	/* the COW fault */
			if (write(ready[1], "w", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (write(ready[1], &kid, sizeof(kid)) != sizeof(kid))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(sizeof(child), read(ready[0], &child, sizeof(child)));
	usleep(100000);
	fa = open_target(parent);
	fb = open_target(child);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fb, 0);
	ASSERT_EQ(0, mms_tlb(fa, MMSCOPE_TLB_COUNT_START, &ta, NULL, NULL));
	ASSERT_EQ(0, mms_tlb(fb, MMSCOPE_TLB_COUNT_START, &tb, NULL, NULL));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, mms_tlb(fa, MMSCOPE_TLB_COUNT_STOP, &ta, NULL, NULL));
	ASSERT_EQ(0, mms_tlb(fb, MMSCOPE_TLB_COUNT_STOP, &tb, NULL, NULL));
	TH_LOG("writer: tlb_gen_delta %llu local_mm %llu (pages %llu); other: tlb_gen_delta %llu",
	       (unsigned long long)tb.tlb_gen_delta,
	       (unsigned long long)tb.events[MMSCOPE_TLB_LOCAL_MM],
	       (unsigned long long)tb.pages[MMSCOPE_TLB_LOCAL_MM],
	       (unsigned long long)ta.tlb_gen_delta);
	/* The writer's PTE changed from read-only to its own copy: one page flushed. */
	EXPECT_EQ(1, tb.tlb_gen_delta);
	EXPECT_EQ(1, tb.events[MMSCOPE_TLB_LOCAL_MM]);
	EXPECT_EQ(1, tb.pages[MMSCOPE_TLB_LOCAL_MM]);
	/* The other mm, asleep, neither flushed nor was asked to. */
	EXPECT_EQ(0, ta.tlb_gen_delta);
	EXPECT_EQ(0, ta.events[MMSCOPE_TLB_LOCAL_MM] + ta.events[MMSCOPE_TLB_IPI_SENT] +
		     ta.events[MMSCOPE_TLB_REMOTE] + ta.events[MMSCOPE_TLB_TASK_SWITCH]);
	close(fa);
	close(fb);
	kill(child, SIGKILL);
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
}

/* ---- /proc/vmstat's nr_tlb_* (CONFIG_DEBUG_TLBFLUSH) ---------------------- */

enum { VM_REMOTE, VM_RECEIVED, VM_LOCAL_ALL, VM_LOCAL_ONE, VM_NR };

/* The four nr_tlb_* counters; false where the kernel has none of them. */
static bool tlb_vmstat(uint64_t v[VM_NR])
{
	static const char *const names[VM_NR] = { "nr_tlb_remote_flush",
		"nr_tlb_remote_flush_received", "nr_tlb_local_flush_all",
		"nr_tlb_local_flush_one" };
	static char buf[1 << 14];	/* static: no malloc, no munmap of ours */
	char key[64], *line;
	unsigned long long n;
	int i, found = 0;

	if (read_file("/proc/vmstat", buf, sizeof(buf)) <= 0)
		return false;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%63s %llu", key, &n) != 2)
			continue;
		for (i = 0; i < VM_NR; i++)
			if (!strcmp(key, names[i]))
				v[i] = n, found++;
	}
	return found == VM_NR;
}

/*
 * mmscope's flush counts of the target against the kernel's own, over
 * windows in which only the target does anything: its thread on CPU 0
 * munmaps 4 pages, mprotects 4 pages and MADV_DONTNEEDs ceiling+1 pages,
 * while its spinner keeps its tables loaded on CPU 1, and we wait on a
 * pipe. x86's tlb.c counts, next to each tlb_flush trace:
 *   nr_tlb_remote_flush           once per native_flush_tlb_multi(): ipi_sent
 *   nr_tlb_remote_flush_received  once per IPI'd flush_tlb_func(): remote
 *   nr_tlb_local_flush_all        a full flush by the initiating CPU: the full
 *                                 local_mm (and mm-less local) flushes
 *   nr_tlb_local_flush_one        pages of its ranged flushes: their pages
 * vmstat counts every task's flushes and mmscope only those of a CPU with
 * the target's tables loaded, so the bound is
 *   0 <= vmstat delta - mmscope <= the flushes of other tasks meanwhile
 * (kernel threads: vfree's lazy purge, kmemleak, kworkers; flush_tlb_all(),
 * flush_tlb_one_kernel()). The lower bound must hold in every window; other
 * tasks flush rarely, so at least one of 5 windows must be exact, with
 * all three of the target's flushes received on CPU 1.
 * Task-switch flushes have no vmstat counter and stay out. Counting starts
 * before the first vmstat read: registering the probe patches kernel text,
 * which flushes the poking mm's TLB.
 */
TEST(vmstat_agrees)
{
	uint64_t v0[VM_NR], v1[VM_NR], d[VM_NR], m[VM_NR];
	struct mmscope_tlb t;
	struct target tg;
	int fd, w, i, exact = 0;
	long ceiling;

	if (!tlb_vmstat(v0))
		SKIP(return, "no nr_tlb_* in /proc/vmstat (needs CONFIG_DEBUG_TLBFLUSH)");
	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	ceiling = flush_ceiling();
	if (ceiling < 0)
		SKIP(return, "no /sys/kernel/debug/x86/tlb_single_page_flush_ceiling");
	ASSERT_LE(256 + 5 * (ceiling + 1), AREA_PAGES);
	fd = spinning_target_open(&tg);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	usleep(20000);

	for (w = 0; w < 5; w++) {
		bool same = true;

		/* A restart zeroes the counts and keeps the probe: no text patching. */
		ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
		ASSERT_TRUE(tlb_vmstat(v0));
		ASSERT_EQ(0, target_do(&tg, OP_MUNMAP, w * 16, 4));
		ASSERT_EQ(0, target_do(&tg, OP_MPROTECT, 100 + w * 8, 4));
		ASSERT_EQ(0, target_do(&tg, OP_DONTNEED, 256 + w * (ceiling + 1), ceiling + 1));
		ASSERT_TRUE(tlb_vmstat(v1));
		ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
		ASSERT_TRUE(t.out_flags & MMSCOPE_TLB_COUNTING);

		m[VM_REMOTE] = t.events[MMSCOPE_TLB_IPI_SENT];
		m[VM_RECEIVED] = t.events[MMSCOPE_TLB_REMOTE];
		m[VM_LOCAL_ALL] = t.full[MMSCOPE_TLB_LOCAL_MM] + t.full[MMSCOPE_TLB_LOCAL];
		m[VM_LOCAL_ONE] = t.pages[MMSCOPE_TLB_LOCAL_MM] + t.pages[MMSCOPE_TLB_LOCAL];
		for (i = 0; i < VM_NR; i++) {
			d[i] = v1[i] - v0[i];
			EXPECT_LE(m[i], d[i]) TH_LOG("window %d, counter %d: mmscope %llu > vmstat %llu",
						     w, i, (unsigned long long)m[i],
						     (unsigned long long)d[i]);
			same &= m[i] == d[i];
		}
		TH_LOG("window %d: vmstat remote %llu received %llu local_all %llu local_one %llu; "
		       "mmscope ipi_sent %llu remote %llu full %llu pages %llu; tlb_gen_delta %llu",
		       w, (unsigned long long)d[0], (unsigned long long)d[1],
		       (unsigned long long)d[2], (unsigned long long)d[3],
		       (unsigned long long)m[0], (unsigned long long)m[1],
		       (unsigned long long)m[2], (unsigned long long)m[3],
		       (unsigned long long)t.tlb_gen_delta);
		/*
		 * The target's own three flushes are in both, and never more.
		 * Exactly, in a window where its spinner kept CPU 1 all along:
		 * a spinner switched out meanwhile (the guest's own threads,
		 * a loaded host) gets one IPI'd flush with the target's tables
		 * not loaded, which vmstat counts and mmscope rightly does not.
		 */
		EXPECT_EQ(3, t.tlb_gen_delta);
		EXPECT_EQ(3, m[VM_REMOTE]);
		EXPECT_LE(m[VM_RECEIVED], 3);
		EXPECT_EQ(1, m[VM_LOCAL_ALL]);
		EXPECT_EQ(8, m[VM_LOCAL_ONE]);
		exact += same && m[VM_RECEIVED] == 3;
	}
	TH_LOG("%d of 5 windows exact", exact);
	EXPECT_GE(exact, 1);
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_STOP, &t, NULL, NULL));
	close(fd);
	target_stop(&tg);
}

/* ---- errors ----------------------------------------------------------------- */

static int tlb_ioc(int fd, struct mmscope_tlb *t)
{
	return ioctl(fd, MMSCOPE_IOC_TLB, t) ? -errno : 0;
}

static void tlb_req(struct mmscope_tlb *t, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->flags = flags;
}

TEST(bad_input)
{
	char big[2][sizeof(struct mmscope_tlb_cpu) + 16];
	struct mmscope_tlb_cpu cpus[4];
	struct mmscope_tlb t;
	int fd = mms_open(NULL);

	ASSERT_GE(fd, 0);
	tlb_req(&t, 0);
	EXPECT_EQ(-ENOENT, tlb_ioc(fd, &t));	/* no target yet */
	ASSERT_EQ(0, mms_set_target(fd, getpid()));
	tlb_req(&t, 0);
	EXPECT_EQ(0, tlb_ioc(fd, &t));
	tlb_req(&t, 1U << 2);
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, MMSCOPE_TLB_COUNT_START | MMSCOPE_TLB_COUNT_STOP);
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.reserved = 1;
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.out_flags = 1;
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.cpus_count = 1;
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.cpus_ptr = (uintptr_t)cpus;	/* no room */
	t.cpu_size = sizeof(cpus[0]);
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.cpus_cap = 4;			/* room, no pointer */
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.cpus_ptr = (uintptr_t)cpus;
	t.cpus_cap = 4;
	t.cpu_size = sizeof(cpus[0]) - 8;	/* older than the first version */
	EXPECT_EQ(-EINVAL, tlb_ioc(fd, &t));
	tlb_req(&t, 0);
	t.cpus_ptr = 8;				/* unwritable */
	t.cpus_cap = 4;
	t.cpu_size = sizeof(cpus[0]);
	EXPECT_EQ(-EFAULT, tlb_ioc(fd, &t));
	/* A larger record gets its tail zeroed. */
	memset(big, 0xff, sizeof(big));
	tlb_req(&t, 0);
	t.cpus_ptr = (uintptr_t)big;
	t.cpus_cap = 1;
	t.cpu_size = sizeof(big[0]);
	EXPECT_EQ(0, tlb_ioc(fd, &t));
	EXPECT_EQ(1, t.cpus_count);
	EXPECT_EQ(0, big[0][sizeof(cpus[0])]);
	EXPECT_EQ(0, big[0][sizeof(big[0]) - 1]);
	/* A kernel thread (kthreadd) has no mm: ENOENT, counting or not. */
	ASSERT_EQ(0, mms_set_target(fd, 2));
	tlb_req(&t, 0);
	EXPECT_EQ(-ENOENT, tlb_ioc(fd, &t));
	tlb_req(&t, MMSCOPE_TLB_COUNT_START);
	EXPECT_EQ(-ENOENT, tlb_ioc(fd, &t));
	close(fd);
}

/* Counting is per target: a new target, an exited one, end it. */
TEST(counting_ends_with_the_target)
{
	struct target a, b;
	struct mmscope_tlb t;
	int fd;

	ASSERT_EQ(0, target_start(&a, false));
	ASSERT_EQ(0, target_start(&b, false));
	fd = open_target(a.pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	ASSERT_EQ(0, target_do(&a, OP_MUNMAP, 10, 2));
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_TRUE(t.out_flags & MMSCOPE_TLB_COUNTING);
	EXPECT_EQ(1, t.tlb_gen_delta);
	EXPECT_EQ(1, t.events[MMSCOPE_TLB_LOCAL_MM]);
	/* A restart starts from 0, and the only counter's probe keeps counting. */
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	EXPECT_EQ(0, t.tlb_gen_delta);
	EXPECT_EQ(0, t.events[MMSCOPE_TLB_LOCAL_MM]);
	ASSERT_EQ(0, target_do(&a, OP_MUNMAP, 14, 2));
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_EQ(1, t.tlb_gen_delta);
	EXPECT_EQ(1, t.events[MMSCOPE_TLB_LOCAL_MM]);
	EXPECT_EQ(2, t.pages[MMSCOPE_TLB_LOCAL_MM]);
	/* Another target: nothing counted carries over. */
	ASSERT_EQ(0, mms_set_target(fd, b.pid));
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_FALSE(t.out_flags & MMSCOPE_TLB_COUNTING);
	EXPECT_EQ(0, t.tlb_gen_delta);
	/* A target that exits while counted: ESRCH, and the counting is gone. */
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	target_stop(&b);
	EXPECT_EQ(-ESRCH, mms_tlb(fd, 0, &t, NULL, NULL));
	ASSERT_EQ(0, mms_set_target(fd, a.pid));
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_FALSE(t.out_flags & MMSCOPE_TLB_COUNTING);
	/* Closing a counting file ends its counting (and with the last, the probe). */
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	close(fd);
	ASSERT_EQ(0, target_do(&a, OP_MUNMAP, 20, 2));
	target_stop(&a);
}

/* A target that exec()s runs on a new mm: the count of the old one is lost. */
TEST(counting_lost_at_exec)
{
	struct mmscope_tlb t;
	int go[2], fd, tries;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		execl("/proc/self/exe", "tlb_test", "--exec-and-wait", (char *)NULL);
		_exit(2);
	}
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	ASSERT_EQ(1, write(go[1], "g", 1));
	for (tries = 0; tries < 200; tries++) {
		ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
		if (!(t.out_flags & MMSCOPE_TLB_COUNTING))
			break;
		usleep(10000);
	}
	EXPECT_TRUE(t.out_flags & MMSCOPE_TLB_COUNT_LOST);
	EXPECT_FALSE(t.out_flags & MMSCOPE_TLB_COUNTING);
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	EXPECT_FALSE(t.out_flags & (MMSCOPE_TLB_COUNT_LOST | MMSCOPE_TLB_COUNTING));
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	EXPECT_TRUE(t.out_flags & MMSCOPE_TLB_COUNTING);
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- debugfs --------------------------------------------------------------- */

TEST(debugfs_tlb)
{
	char buf[8192], pid_s[16];
	struct target tg;

	if (access(DEBUGFS_DIR "/tlb", F_OK))
		SKIP(return, "no debugfs tlb");
	ASSERT_EQ(0, target_start(&tg, two_cpus()));
	snprintf(pid_s, sizeof(pid_s), "%d", tg.pid);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/target", pid_s));
	ASSERT_GT(read_file(DEBUGFS_DIR "/tlb", buf, sizeof(buf)), 0);
	EXPECT_NE(NULL, strstr(buf, "flushes not counted"));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/tlb", "start"));
	ASSERT_EQ(0, target_do(&tg, OP_MUNMAP, 30, 3));
	ASSERT_GT(read_file(DEBUGFS_DIR "/tlb", buf, sizeof(buf)), 0);
	TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "tlb_gen_delta 1\n"));
	EXPECT_NE(NULL, strstr(buf, "\nlocal_mm     1 pages 3 full 0\n"));
	EXPECT_EQ(-EINVAL, write_file(DEBUGFS_DIR "/tlb", "bogus"));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/tlb", "stop"));
	ASSERT_GT(read_file(DEBUGFS_DIR "/tlb", buf, sizeof(buf)), 0);
	EXPECT_NE(NULL, strstr(buf, "flushes not counted"));
	target_stop(&tg);
}

/* ---- unload while counting ---------------------------------------------- */

/*
 * With /dev/mmscope open and counting, rmmod is refused (the open file
 * holds the module). Counting started through debugfs outlives its file:
 * rmmod then succeeds and must take the probe away. A probe left behind
 * would run freed code at the next flush, which the flushes made after the
 * unload would show as an oops (the VM run fails on any splat).
 */
TEST(rmmod_while_counting)
{
	const char *ko = getenv("MMSCOPE_KO") ?: "/mmscope.ko";
	struct mmscope_tlb t;
	struct target tg;
	char pid_s[16];
	int fd;

	if (access(ko, R_OK) || access(DEBUGFS_DIR "/tlb", F_OK))
		SKIP(return, "no %s to reload, or no debugfs", ko);
	ASSERT_EQ(0, target_start(&tg, two_cpus()));
	fd = open_target(tg.pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &t, NULL, NULL));
	EXPECT_NE(0, unload_module("mmscope"));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	close(fd);

	snprintf(pid_s, sizeof(pid_s), "%d", tg.pid);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/target", pid_s));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/tlb", "start"));
	ASSERT_EQ(0, target_do(&tg, OP_MUNMAP, 40, 2));
	ASSERT_EQ(0, unload_module("mmscope"));
	/* Flushes of the counted mm, and of others, with the module gone. */
	ASSERT_EQ(0, target_do(&tg, OP_MUNMAP, 50, 2));
	ASSERT_EQ(0, target_do(&tg, OP_DONTNEED, 60, 40));
	usleep(100000);
	ASSERT_EQ(0, load_module(ko));
	target_stop(&tg);
}

/* ---- the CLI: mmscope tlb PID, -j, --watch, --demo ------------------------ */

/* The CLI's exit code (-1 on a signal), its stdout in cli_out. */
static int cli(const char **argv)
{
	struct cli_run r = { .out = cli_out, .out_size = sizeof(cli_out) };

	return cli_run(&r, argv);
}

static uint64_t jnum(const struct json *o, const char *key)
{
	const struct json *j = json_get(o, key);

	return j && j->type == JSON_NUMBER ? j->number : ~0ULL;
}

static bool jbool(const struct json *o, const char *key)
{
	const struct json *j = json_get(o, key);

	return j && j->type == JSON_BOOL && j->boolean;
}

static uint64_t jhex(const struct json *o, const char *key)
{
	const struct json *j = json_get(o, key);

	return j && j->type == JSON_STRING ? strtoull(j->string, NULL, 16) : ~0ULL;
}

TEST(cli_json_contract)
{
	static const char *const top[] = { "pcid", "invpcid", "pti", "la57", "ctx_id",
					   "tlb_gen", "mm_cpumask", "cpus", "flushes" };
	static const char *const per_cpu[] = { "cpu", "cr3", "pgd_phys", "pcid", "pid", "comm",
					       "kernel_thread", "lazy", "target_loaded" };
	static const char *const fl[] = { "counting", "local", "local_mm", "remote",
					  "task_switch", "ipi_sent", "pages", "tlb_gen_delta" };
	const char *argv[] = { "mmscope", "-j", "tlb", NULL, NULL };
	struct json *j, *cpus, *c, *mask, *e;
	struct mmscope_mm_info info;
	struct mmscope_tlb t;
	bool cpu1_in_mask = false;
	struct target tg;
	char pid_s[16];
	unsigned int i;
	int fd;

	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	fd = spinning_target_open(&tg);
	ASSERT_GE(fd, 0);
	snprintf(pid_s, sizeof(pid_s), "%d", tg.pid);
	argv[3] = pid_s;
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	ASSERT_EQ(0, mms_tlb(fd, 0, &t, NULL, NULL));
	ASSERT_EQ(0, cli(argv));
	j = json_parse(cli_out);
	ASSERT_NE(NULL, j);
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		EXPECT_NE(NULL, json_get(j, top[i]));
	EXPECT_EQ(!!(t.out_flags & MMSCOPE_TLB_PCID), jbool(j, "pcid"));
	EXPECT_EQ(!!(t.out_flags & MMSCOPE_TLB_LA57), jbool(j, "la57"));
	EXPECT_EQ(t.ctx_id, jnum(j, "ctx_id"));
	EXPECT_EQ(info.pgd_phys, jhex(j, "pgd_phys"));
	mask = json_get(j, "mm_cpumask");
	ASSERT_NE(NULL, mask);
	ASSERT_EQ(JSON_ARRAY, mask->type);
	for (e = mask->child; e; e = e->next)
		cpu1_in_mask |= e->type == JSON_NUMBER && e->number == 1;
	EXPECT_TRUE(cpu1_in_mask);
	cpus = json_get(j, "cpus");
	ASSERT_NE(NULL, cpus);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), json_count(cpus));
	for (c = cpus->child; c; c = c->next) {
		for (i = 0; i < sizeof(per_cpu) / sizeof(per_cpu[0]); i++)
			EXPECT_NE(NULL, json_get(c, per_cpu[i]));
		/* No PCID: null, not a 0 that looks like one. */
		if (!(t.out_flags & MMSCOPE_TLB_PCID))
			EXPECT_EQ(JSON_NULL, json_get(c, "pcid")->type);
		if (jnum(c, "cpu") == 1) {
			EXPECT_TRUE(jbool(c, "target_loaded"));
			/*
			 * Lazy only if a kernel thread (kmemleak's scan, a
			 * kworker) took CPU 1 for a moment, on our tables.
			 */
			if (!jbool(c, "kernel_thread"))
				EXPECT_FALSE(jbool(c, "lazy"));
			EXPECT_EQ(info.pgd_phys, jhex(c, "pgd_phys"));
		}
	}
	e = json_get(j, "flushes");
	ASSERT_NE(NULL, e);
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		EXPECT_NE(NULL, json_get(e, fl[i]));
	EXPECT_FALSE(jbool(e, "counting"));
	EXPECT_EQ(JSON_NULL, json_get(e, "local_mm")->type);
	json_free(j);

	/* The text, for docs/internals/tlb.md. */
	argv[1] = "tlb";
	argv[2] = pid_s;
	argv[3] = NULL;
	ASSERT_EQ(0, cli(argv));
	TH_LOG("mmscope tlb %s:\n%s", pid_s, cli_out);
	close(fd);
	target_stop(&tg);
}

/*
 * One window of "mmscope -j tlb PID --watch 2": five unmaps of two pages
 * each, from CPU 0, while the target's spinner runs on CPU 1. None of the
 * five may go uncounted: local_mm, ipi_sent and tlb_gen move by 5 at
 * least, or the window fails (-1). Returns 1 if it counted exactly those
 * flushes, 0 if there was noise: a kernel thread had CPU 1 when an IPI was
 * due (that CPU was lazy and got none), or another flush of the mm came in.
 */
static int watch_window(struct __test_metadata *_metadata, struct target *tg,
			const char **argv, int first_page)
{
	long remote, local_mm, ipi_sent, gen, pages;
	struct cli_run r = { .out = cli_out, .out_size = sizeof(cli_out) };
	struct json *j, *f;
	int i, exact;

	if (cli_spawn(&r, argv))
		return -1;
	usleep(300000);
	for (i = 0; i < 5; i++) {
		if (target_do(tg, OP_MUNMAP, first_page + i * 4, 2)) {
			cli_wait(&r);	/* the watch ends in 2 s */
			return -1;
		}
		usleep(100000);
	}
	if (cli_wait(&r))
		return -1;
	j = json_parse(cli_out);
	f = j ? json_get(j, "flushes") : NULL;
	if (!f || !jbool(f, "counting")) {
		TH_LOG("no counting flushes in: %s", cli_out);
		json_free(j);
		return -1;
	}
	remote = jnum(f, "remote");
	local_mm = jnum(f, "local_mm");
	ipi_sent = jnum(f, "ipi_sent");
	gen = jnum(f, "tlb_gen_delta");
	pages = jnum(json_get(f, "pages"), "remote");
	json_free(j);
	TH_LOG("window from page %d: remote %ld (%ld pages) local_mm %ld ipi_sent %ld tlb_gen +%ld",
	       first_page, remote, pages, local_mm, ipi_sent, gen);
	if (local_mm < 5 || ipi_sent < 5 || gen < 5 || remote > ipi_sent)
		return -1;
	exact = remote == 5 && local_mm == 5 && ipi_sent == 5 && gen == 5;
	/* With no other flush, each the spinner received was of two pages. */
	if (exact && pages != 10)
		return -1;
	return exact;
}

/* --watch counts while the target unmaps, once a tenth of a second. */
TEST(cli_watch)
{
	const char *argv[] = { "mmscope", "-j", "tlb", NULL, "--watch", "2", NULL };
	const char *text[] = { "mmscope", "tlb", NULL, "--watch", "2", NULL };
	struct target tg;
	struct cli_run r = { .out = cli_out, .out_size = sizeof(cli_out) };
	char pid_s[16];
	int i, w, exact = 0;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "a light run (mmscope.light=1): the CLI's --watch and --demo run on the 6.12 entry");
	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	pin_to_cpu(0);
	ASSERT_EQ(0, target_start(&tg, true));
	snprintf(pid_s, sizeof(pid_s), "%d", tg.pid);
	argv[3] = pid_s;
	text[2] = pid_s;
	/*
	 * The kernel may count one flush fewer or more in a window (see
	 * watch_window()); the CLI must show exactly what it counted in at
	 * least one of five.
	 */
	for (w = 0; w < 5 && !exact; w++) {
		exact = watch_window(_metadata, &tg, argv, 100 + w * 24);
		ASSERT_LE(0, exact);
	}
	EXPECT_EQ(1, exact);

	ASSERT_EQ(0, cli_spawn(&r, text));
	usleep(300000);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, target_do(&tg, OP_MUNMAP, 232 + i * 4, 2));
		usleep(100000);
	}
	ASSERT_EQ(0, cli_wait(&r));
	EXPECT_NE(NULL, strstr(cli_out, "flushes          counted for"));
	TH_LOG("mmscope tlb %s --watch 2:\n%s", pid_s, cli_out);
	target_stop(&tg);
}

TEST(cli_demo)
{
	const char *argv[] = { "mmscope", "-j", "tlb", "--demo", NULL };
	struct json *j;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "a light run (mmscope.light=1): the CLI's --watch and --demo run on the 6.12 entry");
	if (!two_cpus())
		SKIP(return, "needs two CPUs");
	ASSERT_EQ(0, cli(argv));
	j = json_parse(cli_out);
	ASSERT_NE(NULL, j);
	EXPECT_TRUE(jbool(j, "counting"));
	EXPECT_EQ(1, jnum(j, "ipi_sent"));
	EXPECT_EQ(1, jnum(j, "remote"));
	EXPECT_EQ(8, jnum(json_get(j, "pages"), "remote"));
	EXPECT_EQ(8, jnum(json_get(j, "pages"), "local_mm"));
	json_free(j);
	argv[1] = "tlb";
	argv[2] = "--demo";
	argv[3] = NULL;
	ASSERT_EQ(0, cli(argv));
	TH_LOG("mmscope tlb --demo:\n%s", cli_out);
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	/* counting_lost_at_exec's target, after its exec(). */
	if (argc == 2 && !strcmp(argv[1], "--exec-and-wait"))
		for (;;)
			pause();
	return test_harness_run(argc, argv);
}
