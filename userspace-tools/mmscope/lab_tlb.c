// SPDX-License-Identifier: GPL-2.0
/*
 * A lab of the TLB: which CPUs hold this process's page tables in CR3, the
 * shootdown an munmap() sends to another CPU running on them, and lazy TLB
 * mode, in which a CPU running a kernel thread keeps the last user mm
 * loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"

#define TLB_PAGES 64
#define UNMAPPED 8
#define MAX_CPUS 512

struct spinner {
	pthread_t thread;
	pid_t tid;
	int cpu;
	int stop[2];
	volatile int spin;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spin(void *arg)
{
	struct spinner *s = arg;
	char c;

	struct sched_param fifo = { .sched_priority = 1 };
	struct timespec start, now;
	unsigned long n = 0;

	pin(s->cpu);
	/*
	 * Real-time, where allowed: other processes on that CPU (mmscope's
	 * own walkers, say) then do not take it from the spinner.
	 */
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo);
	s->tid = gettid();
	/* Never more than 3 s, whatever the lab's thread does meanwhile. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (__atomic_load_n(&s->spin, __ATOMIC_ACQUIRE)) {
		if (++n % 4096)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= 3)
			break;
	}
	/* Sleep: its CPU goes idle. */
	if (read(s->stop[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

/* The TLB interrupts CPU @cpu has taken (/proc/interrupts, TLB line), or -1. */
static long tlb_interrupts(int cpu)
{
	char line[8192], *p, *end;
	FILE *f = fopen("/proc/interrupts", "re");
	long v = -1;
	int i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "TLB:", 4))
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++) {
			v = strtol(p, &end, 10);
			if (end == p) {
				v = -1;
				break;
			}
			p = end;
		}
		break;
	}
	fclose(f);
	return v;
}

static const struct mmscope_tlb_cpu *cpu_record(const struct mmscope_tlb_cpu *cpus,
						uint32_t n, uint32_t cpu)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (cpus[i].cpu == cpu)
			return &cpus[i];
	return NULL;
}

static int tlb_lab(struct lab *lab)
{
	static struct mmscope_tlb_cpu cpus[MAX_CPUS];
	struct spinner sp = { .spin = 1, .cpu = -1 };
	struct mmscope_mm_info mm;
	struct mmscope_tlb tlb;
	const struct mmscope_tlb_cpu *c1;
	cpu_set_t old_set;
	long irq0, irq1, cpu_of_spinner;
	uint32_t n = MAX_CPUS, i;
	int cpu0, tries;
	char what[128], seen[64];
	bool started = false;
	char *area = MAP_FAILED;
	int ret;

	sched_getaffinity(0, sizeof(old_set), &old_set);
	/* The first two CPUs this process may run on: one for each side. */
	for (i = 0, cpu0 = -1; i < CPU_SETSIZE && sp.cpu < 0; i++)
		if (CPU_ISSET(i, &old_set)) {
			if (cpu0 < 0)
				cpu0 = i;
			else
				sp.cpu = i;
		}
	lab_step(lab, "This process runs a thread spinning on CPU %d and waits on CPU %d: both CPUs run on its page tables (CR3 holds its pgd)",
		 sp.cpu < 0 ? 1 : sp.cpu, cpu0 < 0 ? 0 : cpu0);
	if (sp.cpu < 0) {
		lab_skip_step(lab, "this process may run on one CPU only: a shootdown goes from one CPU to another");
		return 0;
	}
	pin(cpu0);
	area = mmap(NULL, TLB_PAGES * LAB_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || pipe(sp.stop)) {
		lab_broken(lab, "mmap or pipe: %s", strerror(errno));
		goto out;
	}
	madvise(area, TLB_PAGES * LAB_PAGE, MADV_NOHUGEPAGE);
	memset(area, 1, TLB_PAGES * LAB_PAGE);
	if (pthread_create(&sp.thread, NULL, spin, &sp)) {
		lab_broken(lab, "pthread_create failed");
		goto out;
	}
	started = true;
	usleep(200000);	/* let it settle on its CPU */
	if (lab_mm_info(lab, getpid(), &mm, NULL, NULL))
		goto out;
	/* A busy machine may run something else there for a moment: look again. */
	for (tries = 0; tries < 20; tries++) {
		n = MAX_CPUS;
		ret = mms_tlb(lab->fd, MMSCOPE_TLB_COUNT_START, &tlb, cpus, &n);
		if (ret) {
			lab_broken(lab, "mmscope tlb: %s", strerror(-ret));
			goto out;
		}
		c1 = cpu_record(cpus, n, sp.cpu);
		if (c1 && (pid_t)c1->pid == sp.tid)
			break;
		usleep(25000);
	}
	lab_expect_hex(lab, "mmscope tlb: the mm's pgd is mm's pgd_phys", mm.pgd_phys,
		       tlb.pgd_phys);
	cpu_of_spinner = proc_stat_field(sp.tid, 39);
	lab_expect_u64(lab, "/proc/TID/stat: the CPU the spinner runs on", sp.cpu, cpu_of_spinner);
	if (!c1) {
		lab_broken(lab, "mmscope tlb has no record of CPU %d", sp.cpu);
		goto out;
	}
	snprintf(seen, sizeof(seen), "%u", c1->pid);
	snprintf(what, sizeof(what), "%d", sp.tid);
	lab_expect_str(lab, "mmscope tlb: the task running on the spinner's CPU", what, seen);
	lab_expect_hex(lab, "mmscope tlb: that CPU's CR3 holds this mm's pgd", mm.pgd_phys,
		       c1->pgd_phys);

	lab_step(lab, "munmap() of %d touched pages from CPU %d: it flushes them itself, and sends CPU %d a shootdown IPI (flush_tlb_mm_range())",
		 UNMAPPED, cpu0, sp.cpu);
	/*
	 * Only a CPU that runs on these page tables gets the IPI: if the
	 * spinner's CPU ran something else at that moment, unmap 8 more.
	 */
	irq0 = tlb_interrupts(sp.cpu);
	for (tries = 0; tries < 5; tries++) {
		if (munmap(area + (8 + tries * UNMAPPED) * LAB_PAGE, UNMAPPED * LAB_PAGE)) {
			lab_broken(lab, "munmap: %s", strerror(errno));
			goto out;
		}
		ret = mms_tlb(lab->fd, 0, &tlb, NULL, NULL);
		if (ret) {
			lab_broken(lab, "mmscope tlb: %s", strerror(-ret));
			goto out;
		}
		if (tlb.events[MMSCOPE_TLB_IPI_SENT] && tlb.events[MMSCOPE_TLB_REMOTE])
			break;
	}
	irq1 = tlb_interrupts(sp.cpu);
	snprintf(seen, sizeof(seen), "%ld", irq1 - irq0);
	lab_expect(lab, irq0 >= 0 && irq1 > irq0, "/proc/interrupts: TLB shootdowns the spinner's CPU took",
		   "at least 1", seen);
	snprintf(seen, sizeof(seen), "%llu", (unsigned long long)tlb.events[MMSCOPE_TLB_IPI_SENT]);
	lab_expect(lab, tlb.events[MMSCOPE_TLB_IPI_SENT] >= 1,
		   "mmscope tlb: shootdown IPIs sent (ipi_sent)", "at least 1", seen);
	snprintf(seen, sizeof(seen), "%llu", (unsigned long long)tlb.events[MMSCOPE_TLB_REMOTE]);
	lab_expect(lab, tlb.events[MMSCOPE_TLB_REMOTE] >= 1,
		   "mmscope tlb: shootdowns received (remote)", "at least 1", seen);
	snprintf(seen, sizeof(seen), "%llu", (unsigned long long)tlb.events[MMSCOPE_TLB_LOCAL_MM]);
	lab_expect(lab, tlb.events[MMSCOPE_TLB_LOCAL_MM] >= 1,
		   "mmscope tlb: the munmap()ing CPU's own flushes (local_mm)", "at least 1", seen);

	lab_step(lab, "The spinner sleeps: its CPU runs a kernel thread (its idle task, or another), which borrows the last mm in lazy TLB mode and keeps its page tables loaded");
	__atomic_store_n(&sp.spin, 0, __ATOMIC_RELEASE);
	/*
	 * Look soon and often: a lazy CPU leaves the mm for init_mm's tables
	 * at the next flush of it that frees page tables, or in a deep
	 * C-state (leave_mm()).
	 */
	for (tries = 0; tries < 100; tries++) {
		usleep(5000);
		n = MAX_CPUS;
		ret = mms_tlb(lab->fd, 0, &tlb, cpus, &n);
		if (ret) {
			lab_broken(lab, "mmscope tlb: %s", strerror(-ret));
			goto out;
		}
		c1 = cpu_record(cpus, n, sp.cpu);
		if (c1 && (c1->flags & (MMSCOPE_TLB_CPU_KTHREAD | MMSCOPE_TLB_CPU_IDLE)) &&
		    (c1->flags & MMSCOPE_TLB_CPU_TARGET_LOADED))
			break;
	}
	{
		char state[8] = "?";
		char p2[64], line[512];
		FILE *f;

		snprintf(p2, sizeof(p2), "/proc/%d/task/%d/stat", getpid(), sp.tid);
		f = fopen(p2, "re");
		if (f) {
			if (fgets(line, sizeof(line), f) && strrchr(line, ')'))
				snprintf(state, sizeof(state), "%c", strrchr(line, ')')[2]);
			fclose(f);
		}
		lab_expect_str(lab, "/proc/PID/task/TID/stat: the spinner's state", "S", state);
	}
	/*
	 * The spinner's CPU now runs its idle task (or another kernel thread):
	 * lazy, with this mm still in CR3 (enter_lazy_tlb() does not switch).
	 * A deep C-state may have left the mm for init_mm (leave_mm()), and a
	 * busy machine may run a user task there instead: both are said.
	 */
	c1 = cpu_record(cpus, n, sp.cpu);
	if (!c1 || !(c1->flags & MMSCOPE_TLB_CPU_ONLINE)) {
		lab_broken(lab, "mmscope tlb has no record of CPU %d", sp.cpu);
		goto out;
	}
	if (!(c1->flags & (MMSCOPE_TLB_CPU_KTHREAD | MMSCOPE_TLB_CPU_IDLE))) {
		lab_skip_step(lab, "CPU %d runs a user task (%s) at this moment, not a kernel thread",
			      sp.cpu, (const char *)c1->comm);
		goto out;
	}
	if (!(c1->flags & MMSCOPE_TLB_CPU_TARGET_LOADED)) {
		lab_skip_step(lab, "CPU %d left this mm for the kernel's own tables (leave_mm(), as a deep C-state does)",
			      sp.cpu);
		goto out;
	}
	snprintf(what, sizeof(what), "mmscope tlb: CPU %d runs %s, in lazy TLB mode", sp.cpu,
		 (const char *)c1->comm);
	lab_expect_str(lab, what, "lazy", c1->flags & MMSCOPE_TLB_CPU_LAZY ? "lazy" : "not lazy");
	lab_expect_hex(lab, "mmscope tlb: its CR3 still holds this mm's pgd", mm.pgd_phys,
		       c1->pgd_phys);
out:
	if (started) {
		__atomic_store_n(&sp.spin, 0, __ATOMIC_RELEASE);
		close(sp.stop[1]);
		pthread_join(sp.thread, NULL);
		close(sp.stop[0]);
	}
	if (area != MAP_FAILED)
		munmap(area, TLB_PAGES * LAB_PAGE);
	sched_setaffinity(0, sizeof(old_set), &old_set);
	return 0;
}

static const unsigned char tlb_concepts[] = { 4, 15, 0 };

const struct lab_def lab_tlb_defs[] = {
	{ "tlb", "the TLB: CR3 per CPU, a shootdown, lazy TLB", tlb_concepts, tlb_lab },
	{ NULL },
};
