// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope tlb PID [--watch SECONDS] | tlb --demo: the TLB context of a
 * process (its x86 mm context, what every CPU has loaded) and its TLB
 * flushes by reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope tlb PID [--watch SECONDS] | mmscope tlb --demo"

static const char help_text[] =
	"Usage: mmscope tlb PID\n"
	"       mmscope tlb PID --watch SECONDS\n"
	"       mmscope tlb --demo\n"
	"       mmscope tlb help\n"
	"\n"
	"The TLB context of process PID: the CPU features that decide how the\n"
	"kernel flushes (PCID, INVPCID, PTI, 5-level paging), its mm's ctx_id,\n"
	"tlb_gen, mm_cpumask, PGD and CR3, and for every CPU, read on that CPU:\n"
	"CR3, the task running there, whether it is a kernel thread in lazy TLB\n"
	"mode, and whether the loaded tables are PID's, its active_mm's or the\n"
	"kernel's own (init_mm).\n"
	"\n"
	"--watch SECONDS counts PID's TLB flushes for that long, one line a\n"
	"second as vmstat prints (Ctrl-C ends it early), then the totals: by\n"
	"reason (task_switch: a\n"
	"CR3 load switching to it; local_mm: a flush of it by the CPU that\n"
	"changed it; ipi_sent: shootdowns sent by a CPU that had it loaded;\n"
	"remote: shootdowns received; local: reclaim's and migration's batched\n"
	"flushes on a CPU that had it loaded), with the pages they covered and\n"
	"the full flushes, and how far tlb_gen moved. Every count is of\n"
	"tlb_flush events on a CPU whose CR3 held PID's tables: a shootdown of\n"
	"PID sent from another mm (kswapd, khugepaged) is seen as remote only.\n"
	"\n"
	"--demo forks a process with a thread on CPU 0 and one on CPU 1, unmaps\n"
	"pages from CPU 0 and shows the shootdown the other CPU received.\n";

static const char *const reason_key[MMSCOPE_TLB_REASON_COUNT] = {
	[MMSCOPE_TLB_TASK_SWITCH] = "task_switch",
	[MMSCOPE_TLB_REMOTE] = "remote",
	[MMSCOPE_TLB_LOCAL] = "local",
	[MMSCOPE_TLB_LOCAL_MM] = "local_mm",
	[MMSCOPE_TLB_IPI_SENT] = "ipi_sent",
};

/*
 * The physical address of init_mm's PGD (init_top_pgt), which mmscope.ko
 * cannot name (init_mm is not exported): its offset from _text in
 * /proc/kallsyms, plus where /proc/iomem says the kernel's code starts
 * (code_resource starts at __pa_symbol(_text)). 0 if either is hidden.
 */
static uint64_t init_mm_pgd_phys(void)
{
	unsigned long long a, b, text = 0, pgt = 0, code = 0;
	char line[256], sym[128], type;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
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
		if (strstr(line, " : Kernel code") &&
		    sscanf(line, " %llx-%llx", &a, &b) == 2) {
			code = a;
			break;
		}
	fclose(f);
	if (!text || !pgt || !code || pgt < text)
		return 0;
	return code + (pgt - text);
}

/* Whose tables a CPU has loaded, in words. */
static const char *loaded_name(const struct mmscope_tlb_cpu *c, uint64_t init_pgd)
{
	if (c->flags & MMSCOPE_TLB_CPU_TARGET_LOADED)
		return "target";
	if (init_pgd && c->pgd_phys == init_pgd)
		return "init_mm";
	if (c->flags & MMSCOPE_TLB_CPU_ACTIVE_LOADED)
		return "active_mm";
	return "other";
}

static void json_cpu(const struct mmscope_tlb_cpu *c, bool pcid, uint64_t init_pgd)
{
	bool online = c->flags & MMSCOPE_TLB_CPU_ONLINE;

	jw_start_object(jw);
	jw_key(jw, "cpu");
	jw_uint(jw, c->cpu);
	jw_key(jw, "online");
	jw_bool(jw, online);
	jw_key(jw, "in_mm_cpumask");
	jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_IN_MASK);
	if (online) {
		jw_key(jw, "cr3");
		jw_hex(jw, c->cr3);
		jw_key(jw, "pgd_phys");
		jw_hex(jw, c->pgd_phys);
		jw_key(jw, "pcid");
		if (pcid)
			jw_uint(jw, c->pcid);
		else
			jw_null(jw);	/* no PCID: CR3's low bits are no PCID */
		jw_key(jw, "pid");
		jw_uint(jw, c->pid);
		jw_key(jw, "comm");
		jw_string(jw, (const char *)c->comm);
		jw_key(jw, "kernel_thread");
		jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_KTHREAD);
		jw_key(jw, "idle");
		jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_IDLE);
		jw_key(jw, "lazy");
		jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_LAZY);
		jw_key(jw, "target_loaded");
		jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_TARGET_LOADED);
		jw_key(jw, "target_active_mm");
		jw_bool(jw, c->flags & MMSCOPE_TLB_CPU_TARGET_ACTIVE);
		jw_key(jw, "loaded");
		jw_string(jw, loaded_name(c, init_pgd));
	}
	jw_end_object(jw);
}

static void json_reasons(const __u64 *v, bool counting)
{
	int r;

	jw_start_object(jw);
	for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++) {
		jw_key(jw, reason_key[r]);
		if (counting)
			jw_uint(jw, v[r]);
		else
			jw_null(jw);
	}
	jw_end_object(jw);
}

static void json_flushes(const struct mmscope_tlb *t)
{
	bool counting = t->out_flags & MMSCOPE_TLB_COUNTING;
	int r;

	jw_start_object(jw);
	jw_key(jw, "counting");
	jw_bool(jw, counting);
	for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++) {
		jw_key(jw, reason_key[r]);
		if (counting)
			jw_uint(jw, t->events[r]);
		else
			jw_null(jw);
	}
	jw_key(jw, "pages");
	json_reasons(t->pages, counting);
	jw_key(jw, "full");
	json_reasons(t->full, counting);
	jw_key(jw, "tlb_gen_delta");
	if (counting)
		jw_uint(jw, t->tlb_gen_delta);
	else
		jw_null(jw);
	jw_key(jw, "count_ms");
	if (counting)
		jw_uint(jw, t->count_ns / 1000000);
	else
		jw_null(jw);
	jw_end_object(jw);
}

void json_tlb_context(const struct mmscope_tlb *t)
{
	jw_key(jw, "ctx_id");
	jw_uint(jw, t->ctx_id);
	jw_key(jw, "tlb_gen");
	jw_uint(jw, t->tlb_gen);
	jw_key(jw, "pgd_phys");
	jw_hex(jw, t->pgd_phys);
}

static void json_tlb(const struct mmscope_tlb *t, const struct mmscope_tlb_cpu *cpus,
		     uint32_t n)
{
	bool pcid = t->out_flags & MMSCOPE_TLB_PCID;
	uint64_t init_pgd = init_mm_pgd_phys();
	uint32_t i;

	jw_start_object(jw);
	jw_key(jw, "pcid");
	jw_bool(jw, pcid);
	jw_key(jw, "invpcid");
	jw_bool(jw, t->out_flags & MMSCOPE_TLB_INVPCID);
	jw_key(jw, "pti");
	jw_bool(jw, t->out_flags & MMSCOPE_TLB_PTI);
	jw_key(jw, "la57");
	jw_bool(jw, t->out_flags & MMSCOPE_TLB_LA57);
	jw_key(jw, "invlpgb");
	if (t->out_flags & MMSCOPE_TLB_INVLPGB_KNOWN)
		jw_bool(jw, t->out_flags & MMSCOPE_TLB_INVLPGB);
	else
		jw_null(jw);	/* this kernel does not know INVLPGB */
	json_tlb_context(t);
	jw_key(jw, "cr3");
	jw_hex(jw, t->cr3);
	jw_key(jw, "init_mm_pgd_phys");
	if (init_pgd)
		jw_hex(jw, init_pgd);
	else
		jw_null(jw);
	jw_key(jw, "mm_cpumask");
	jw_start_array(jw);
	for (i = 0; i < n; i++)
		if (cpus[i].flags & MMSCOPE_TLB_CPU_IN_MASK)
			jw_uint(jw, cpus[i].cpu);
	jw_end_array(jw);
	jw_key(jw, "cpus");
	jw_start_array(jw);
	for (i = 0; i < n; i++)
		json_cpu(&cpus[i], pcid, init_pgd);
	jw_end_array(jw);
	jw_key(jw, "flushes");
	json_flushes(t);
	jw_end_object(jw);
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

static void text_flushes(const struct mmscope_tlb *t)
{
	/* PAGES is how many pages the flushes named: a count. */
	static const struct table_col flush_cols[] = {
		{ "REASON", 0 }, { "EVENTS", COL_RIGHT }, { "PAGES", COL_RIGHT },
		{ "FULL", COL_RIGHT },
	};
	struct table tab;
	int r;

	if (!(t->out_flags & MMSCOPE_TLB_COUNTING)) {
		printf("flushes          not counted (--watch SECONDS counts them)\n");
		return;
	}
	printf("flushes          counted for %.1f s; tlb_gen moved by %llu\n",
	       t->count_ns / 1e9, t->tlb_gen_delta);
	table_start(&tab, flush_cols, sizeof(flush_cols) / sizeof(flush_cols[0]));
	tab.indent = "  ";
	for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++) {
		table_str(&tab, reason_key[r]);
		table_uint(&tab, t->events[r]);
		table_uint(&tab, t->pages[r]);
		table_uint(&tab, t->full[r]);
	}
	table_end(&tab);
}

static void text_tlb(const struct mmscope_tlb *t, const struct mmscope_tlb_cpu *cpus,
		     uint32_t n)
{
	bool pcid = t->out_flags & MMSCOPE_TLB_PCID;
	static const struct table_col cpu_cols[] = {
		{ "CPU", COL_RIGHT }, { "CR3", 0 }, { "PCID", COL_RIGHT }, { "PID", COL_RIGHT },
		{ "COMM", 0 }, { "LOADED", 0 }, { "STATE", 0 },
	};
	uint64_t init_pgd = init_mm_pgd_phys();
	struct table tab;
	uint32_t i;

	printf("%-16s pcid %s, invpcid %s, pti %s, la57 %s, invlpgb %s\n", "features",
	       yes_no(pcid), yes_no(t->out_flags & MMSCOPE_TLB_INVPCID),
	       yes_no(t->out_flags & MMSCOPE_TLB_PTI), yes_no(t->out_flags & MMSCOPE_TLB_LA57),
	       !(t->out_flags & MMSCOPE_TLB_INVLPGB_KNOWN) ? "unknown to this kernel" :
	       yes_no(t->out_flags & MMSCOPE_TLB_INVLPGB));
	printf("%-16s %llu\n%-16s %llu\n", "ctx_id", t->ctx_id, "tlb_gen",
	       t->tlb_gen);
	printf("%-16s 0x%llx\n", "pgd_phys", t->pgd_phys);
	printf("%-16s 0x%llx%s\n", "cr3", t->cr3,
	       pcid ? " plus each CPU's own PCID" : " (no PCID: CR3 is the PGD alone)");
	printf("%-16s", "mm_cpumask");
	for (i = 0; i < n; i++)
		if (cpus[i].flags & MMSCOPE_TLB_CPU_IN_MASK)
			printf(" %u", cpus[i].cpu);
	printf("\n\n");
	table_start(&tab, cpu_cols, sizeof(cpu_cols) / sizeof(cpu_cols[0]));
	for (i = 0; i < n; i++) {
		const struct mmscope_tlb_cpu *c = &cpus[i];

		table_uint(&tab, c->cpu);
		if (!(c->flags & MMSCOPE_TLB_CPU_ONLINE)) {
			table_str(&tab, "-");
			table_str(&tab, "-");
			table_str(&tab, "-");
			table_str(&tab, "-");
			table_str(&tab, "-");
			table_str(&tab, c->flags & MMSCOPE_TLB_CPU_IN_MASK ?
				  "offline (in mm_cpumask)" : "offline");
			continue;
		}
		table_addr(&tab, c->cr3);
		if (pcid)
			table_uint(&tab, c->pcid);
		else
			table_str(&tab, "none");
		table_uint(&tab, c->pid);
		table_str(&tab, (const char *)c->comm);
		table_str(&tab, loaded_name(c, init_pgd));
		table_fmt(&tab, "%s%s%s%s",
			  c->flags & MMSCOPE_TLB_CPU_IDLE ? "idle" :
			  c->flags & MMSCOPE_TLB_CPU_KTHREAD ? "kernel thread" : "user",
			  c->flags & MMSCOPE_TLB_CPU_LAZY ? ", lazy TLB" : "",
			  c->flags & MMSCOPE_TLB_CPU_NO_MM &&
			  c->flags & MMSCOPE_TLB_CPU_TARGET_ACTIVE ? ", borrows the target's mm" : "",
			  c->flags & MMSCOPE_TLB_CPU_IN_MASK ? "" : ", not in mm_cpumask");
	}
	table_end(&tab);
	if (!pcid)
		printf("(no PCID on this CPU: every CR3 switch flushes the non-global TLB)\n");
	printf("\n");
	text_flushes(t);
}

static int tlb_err(int err, const char *pid_arg)
{
	if (err == ENOENT)
		p_err("PID %s is a kernel thread: it has no mm of its own, only a borrowed active_mm",
		      pid_arg);
	else if (err == EOPNOTSUPP)
		p_err("flush counting is not in this kernel (CONFIG_TRACEPOINTS: no tlb_flush tracepoint)");
	else
		p_errno(err, ERR_QUERY, pid_arg);
	return 1;
}

static int parse_seconds(const char *arg, unsigned int *secs)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v < 1 || v > 86400) {
		p_err("invalid --watch '%s': expected seconds from 1 to 86400", arg);
		return -1;
	}
	*secs = v;
	return 0;
}

static volatile sig_atomic_t watch_interrupted;

static void watch_interrupt(int sig)
{
	(void)sig;
	watch_interrupted = 1;
}

/*
 * Count for @secs seconds, one line of deltas a second (not with -j).
 * Ctrl-C (SIGINT) ends the count early: the totals so far still print.
 */
static int watch(int fd, unsigned int secs, const char *pid_arg)
{
	struct sigaction sa = { .sa_handler = watch_interrupt }, old;
	struct mmscope_tlb prev, now;
	unsigned int s;
	int ret, r;

	/* Before counting starts: a Ctrl-C from then on ends it cleanly. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);	/* no SA_RESTART: sleep() returns */
	ret = mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &prev, NULL, NULL);
	if (ret) {
		sigaction(SIGINT, &old, NULL);
		return tlb_err(-ret, pid_arg);
	}
	if (!json_output && !no_headers) {
		/* A live table: its widths are declared, not measured. */
		for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++)
			printf("%12s", reason_key[r]);
		printf("%12s %s\n", "tlb_gen", "(events a second; pages in brackets)");
	}
	for (s = 0; s < secs && !watch_interrupted; s++) {
		sleep(1);
		ret = mms_tlb(fd, 0, &now, NULL, NULL);
		if (ret) {
			sigaction(SIGINT, &old, NULL);
			return tlb_err(-ret, pid_arg);
		}
		if (!(now.out_flags & MMSCOPE_TLB_COUNTING)) {
			sigaction(SIGINT, &old, NULL);
			p_err("PID %s exec()ed: its new mm is not the one counted", pid_arg);
			return 1;
		}
		if (json_output)
			continue;
		for (r = 0; r < MMSCOPE_TLB_REASON_COUNT; r++) {
			char cell[40];

			snprintf(cell, sizeof(cell), "%llu[%llu]",
				 now.events[r] - prev.events[r], now.pages[r] - prev.pages[r]);
			printf("%12s", cell);
		}
		printf("%12llu\n", now.tlb_gen_delta - prev.tlb_gen_delta);
		fflush(stdout);
		prev = now;
	}
	sigaction(SIGINT, &old, NULL);
	if (!json_output)
		printf("\n");
	return 0;
}

static int show(const char *pid_arg, unsigned int watch_secs)
{
	struct mmscope_tlb_cpu *cpus;
	struct mmscope_tlb t;
	uint32_t n;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	int fd, ret;

	fd = open_target(pid_arg);
	if (fd < 0)
		return fd == -2 ? 2 : 1;
	if (watch_secs) {
		ret = watch(fd, watch_secs, pid_arg);
		if (ret) {
			close(fd);
			return ret;
		}
	}
	n = (ncpu > 0 ? ncpu : 1) + 64;
	cpus = calloc(n, sizeof(*cpus));
	if (!cpus) {
		close(fd);
		p_err("out of memory");
		return 1;
	}
	ret = mms_tlb(fd, watch_secs ? MMSCOPE_TLB_COUNT_STOP : 0, &t, cpus, &n);
	close(fd);
	if (ret) {
		free(cpus);
		return tlb_err(-ret, pid_arg);
	}
	if (json_output)
		json_tlb(&t, cpus, n);
	else
		text_tlb(&t, cpus, n);
	free(cpus);
	return 0;
}

/* ---- --demo -------------------------------------------------------------- */

#define DEMO_PAGES 8

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *demo_spin(void *arg)
{
	(void)arg;
	pin(1);
	for (;;)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return NULL;
}

/* The demo's target: a spinner on CPU 1; unmaps when told, from CPU 0. */
static void demo_child(int cmd, int ack)
{
	long page = sysconf(_SC_PAGESIZE);
	pthread_t spinner;
	char *area, c;

	pin(0);
	area = mmap(NULL, 64 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED)
		_exit(1);
	madvise(area, 64 * page, MADV_NOHUGEPAGE);
	memset(area, 1, 64 * page);
	if (pthread_create(&spinner, NULL, demo_spin, NULL))
		_exit(1);
	if (write(ack, "r", 1) != 1 || read(cmd, &c, 1) != 1)
		_exit(1);
	/* Pages in the middle: the page table stays, only the range is flushed. */
	munmap(area + 8 * page, DEMO_PAGES * page);
	if (write(ack, "u", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

static int demo(void)
{
	int cmd[2], ack[2], fd, ret = 1;
	struct mmscope_tlb before, after;
	char pid_s[16], c;
	pid_t child;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		p_err("--demo needs two online CPUs: a shootdown goes from one to another");
		return 1;
	}
	if (pipe(cmd) || pipe(ack)) {
		p_err("pipe: %s", strerror(errno));
		return 1;
	}
	child = fork();
	if (child < 0) {
		p_err("fork: %s", strerror(errno));
		return 1;
	}
	if (!child)
		demo_child(cmd[0], ack[1]);
	snprintf(pid_s, sizeof(pid_s), "%d", child);
	if (read(ack[0], &c, 1) != 1)
		goto out_kill;
	fd = open_target(pid_s);
	if (fd < 0)
		goto out_kill;
	usleep(200000);	/* let the spinner settle on CPU 1 */
	ret = mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &before, NULL, NULL);
	if (ret) {
		ret = tlb_err(-ret, pid_s);
		goto out_close;
	}
	if (!json_output) {
		printf("# PID %d: one thread spins on CPU 1, one waits on CPU 0.\n", child);
		printf("# It unmaps %d touched pages from CPU 0, while CPU 1 runs on its page tables:\n"
		       "# CPU 0 flushes them itself (local_mm) and sends a shootdown IPI (ipi_sent)\n"
		       "# that CPU 1 receives (remote). tlb_gen counts one flush request.\n\n",
		       DEMO_PAGES);
	}
	if (write(cmd[1], "u", 1) != 1 || read(ack[0], &c, 1) != 1) {
		ret = 1;
		goto out_close;
	}
	usleep(100000);
	ret = mms_tlb(fd, 0, &after, NULL, NULL);
	if (ret) {
		ret = tlb_err(-ret, pid_s);
		goto out_close;
	}
	close(fd);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (json_output)
		json_flushes(&after);
	else
		text_flushes(&after);
	return 0;

out_close:
	close(fd);
out_kill:
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return ret ? ret : 1;
}

/* The options: --demo, or --watch SECONDS. */
static const char *watch_arg;
static bool do_demo;

static const struct option opts[] = {
	{ "demo", no_argument, NULL, 'D' },
	{ "watch", required_argument, NULL, 'w' },
	{}
};

static int take_option(int opt, const char *arg)
{
	if (opt == 'D')
		do_demo = true;
	else
		watch_arg = arg;
	return 0;
}

static int tlb_show(int argc, char **argv)
{
	unsigned int secs = 0;

	if (do_demo && !argc && !watch_arg)
		return demo();
	if (do_demo || argc != 1) {
		p_err("usage: " USAGE);
		return 2;
	}
	if (watch_arg && parse_seconds(watch_arg, &secs))
		return 2;
	return show(argv[0], secs);
}

static const struct cmd cmds[] = {
	{ NULL, tlb_show },
	{}
};

const struct object obj_tlb = {
	.name = "tlb",
	.help = help_text,
	.cmds = cmds,
	.longopts = opts,
	.take = take_option,
};
