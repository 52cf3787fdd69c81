// SPDX-License-Identifier: GPL-2.0
/*
 * bench: mmscope against the kernel's own interfaces (make bench).
 *
 * Every case forks a separate target process, then times each way of
 * reading it RUNS times, the ways interleaved round by round, and reports
 * the medians and their ratios to the kernel's interface: maps, pages, a
 * single-address walk, the impact of a walker on a faulting target (and
 * the longest mmap-lock read hold, from the mmap_lock tracepoints), and
 * the module's slab and vmalloc usage during the largest requests.
 *
 * Not a test: it never fails on a number. It prints a table on stdout and
 * writes it as JSON to argv[1] (default /tmp/bench.json).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmmscope.h"
#include "util.h"

#define RUNS		7
#define DEBUGFS		"/sys/kernel/debug/mmscope"
#define TRACING		"/sys/kernel/tracing"
#define PAGE		4096UL
#define MIB		(1UL << 20)
#define GIB		(1UL << 30)
#define VMAS_PER_CALL	256
#define STRINGS_PER_CALL (64 * 1024)
#define PAGES_PER_CALL	65536
#define FILE_PATH	"/tmp/mmscope-bench/usr/lib/x86_64-linux-gnu/libbench.so.1"

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double s[64];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- the table ---------------------------------------------------------- */

struct row {
	char group[48], method[64], base[64], unit[8];
	double value, base_value;	/* medians; base_value 0: no ratio */
};
static struct row rows[128];
static int nrows;

static void add_row(const char *group, const char *method, double value,
		    const char *base, double base_value, const char *unit)
{
	struct row *r = &rows[nrows++];

	snprintf(r->group, sizeof(r->group), "%s", group);
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->base, sizeof(r->base), "%s", base ? base : "");
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	r->value = value;
	r->base_value = base_value;
	printf("%-20s %-38s %11.5g %-3s", group, method, value, unit);
	if (base && base_value > 0)
		printf(" | %-32s %11.5g  %6.2fx", base, base_value, value / base_value);
	printf("\n");
	fflush(stdout);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void write_json(const char *path, const char *kernel)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\"kernel\": ");
	json_string(f, kernel);
	fprintf(f, ", \"runs\": %d, \"cpus\": %ld, \"rows\": [\n", RUNS,
		sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		fprintf(f, "  {\"case\": ");
		json_string(f, r->group);
		fprintf(f, ", \"method\": ");
		json_string(f, r->method);
		fprintf(f, ", \"median\": %.9g, \"unit\": ", r->value);
		json_string(f, r->unit);
		if (r->base_value > 0) {
			fprintf(f, ", \"baseline\": ");
			json_string(f, r->base);
			fprintf(f, ", \"baseline_median\": %.9g, \"ratio\": %.4f",
				r->base_value, r->value / r->base_value);
		}
		fprintf(f, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(f, "]}\n");
	fclose(f);
}

/* ---- helpers ------------------------------------------------------------ */

static char iobuf[1 << 20];

/* Read a whole file the way cat does; returns bytes read. */
static size_t read_all(const char *path)
{
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	while ((n = read(fd, iobuf, sizeof(iobuf))) > 0)
		total += n;
	if (n < 0)
		die("read %s: %s", path, strerror(errno));
	close(fd);
	return total;
}

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("write %s to %s: %s", s, path, strerror(errno));
	close(fd);
}

/* Run a command with its stdout on /dev/null; dies unless it exits 0. */
static void run_quiet(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("%s failed (status %#x)", argv[0], status);
}

/* ---- targets ------------------------------------------------------------ */

struct target {
	pid_t pid;
	uint64_t addr, len;
};

enum target_kind { T_VMAS, T_PAGES_4K, T_PAGES_THP, T_PAGES_SCATTERED, T_SPARSE, T_FAULTER };

/* What a target does in its own process; never returns. */
static void target_main(int wfd, enum target_kind kind, uint64_t n)
{
	struct target t = { .pid = getpid() };
	uint64_t i;
	char *p;

	switch (kind) {
	case T_VMAS: {
		/* Anonymous rw and file-backed r pages, alternating: unmergeable. */
		int fd = open(FILE_PATH, O_RDONLY);

		if (fd < 0)
			_exit(2);
		p = mmap(NULL, n * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (i = 0; i < n; i++) {
			void *a = p + i * PAGE;
			void *r = i % 2 ?
				mmap(a, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) :
				mmap(a, PAGE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (r == MAP_FAILED)
				_exit(4);
		}
		t.addr = (uintptr_t)p;
		t.len = n * PAGE;
		break;
	}
	case T_PAGES_4K:
	case T_PAGES_THP:
	case T_PAGES_SCATTERED: {
		uint64_t align = 2 * MIB, pages = n / PAGE;

		p = mmap(NULL, n + align, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		p = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
		madvise(p, n, kind == T_PAGES_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		/*
		 * In order, the allocator mostly hands out consecutive frames;
		 * scattered (an odd stride through a power of two of pages),
		 * neighbours get unrelated frames, as in a long-lived process.
		 */
		for (i = 0; i < pages; i++)
			p[(kind == T_PAGES_SCATTERED ? i * 7919 % pages : i) * PAGE] = 1;
		t.addr = (uintptr_t)p;
		t.len = n;
		break;
	}
	case T_SPARSE:
		/* n bytes reserved, one page read in every GiB (zero page). */
		p = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (i = 0; i < n; i += GIB)
			(void)*(volatile char *)(p + i);
		t.addr = (uintptr_t)p;
		t.len = n;
		break;
	case T_FAULTER: {
		/*
		 * Fault fresh 4K pages in as fast as possible for n ms: map
		 * 16 MiB, touch every page, unmap, again. Reports the pages.
		 */
		uint64_t pages = 0;
		double end;

		pin_to_cpu(1);
		if (write(wfd, &t, sizeof(t)) != sizeof(t))
			_exit(5);
		end = now() + n / 1000.0;
		while (now() < end) {
			p = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(3);
			madvise(p, 16 * MIB, MADV_NOHUGEPAGE);
			for (i = 0; i < 16 * MIB; i += PAGE) {
				p[i] = 1;
				pages++;
				if (!(pages % 64) && now() >= end)
					break;
			}
			munmap(p, 16 * MIB);
		}
		t.addr = pages;
		if (write(wfd, &t, sizeof(t)) != sizeof(t))
			_exit(5);
		_exit(0);
	}
	}
	if (write(wfd, &t, sizeof(t)) != sizeof(t))
		_exit(5);
	for (;;)
		pause();
}

static int target_rfd;

static struct target start_target(enum target_kind kind, uint64_t n)
{
	struct target t;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		close(fds[0]);
		target_main(fds[1], kind, n);
	}
	close(fds[1]);
	if (read(fds[0], &t, sizeof(t)) != sizeof(t))
		die("target %d (kind %d, n %llu) failed to start", pid, kind,
		    (unsigned long long)n);
	target_rfd = fds[0];
	return t;
}

static void stop_target(struct target *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(target_rfd);
}

/* ---- the ways of reading a target ------------------------------------- */

static struct mmscope_vma *vma_buf;
static struct mmscope_vma_brief *brief_buf;
static char *strings_buf;
static struct mmscope_page *page_buf;
static uint64_t *pm_buf;

static int target_fd(pid_t pid)
{
	int fd = mms_open(NULL), ret;

	if (fd < 0)
		die("/dev/mmscope: %s", strerror(-fd));
	ret = mms_set_target(fd, pid);
	if (ret)
		die("set target %d: %s", pid, strerror(-ret));
	return fd;
}

/*
 * MMSCOPE_IOC_VMAS in batches of VMAS_PER_CALL; returns the VMAs. @brief:
 * with MMSCOPE_VMAS_BRIEF, paths into one buffer reused by every call;
 * else full records, a 4 KiB path in each (the first ABI).
 */
static uint64_t ioctl_vmas_of(pid_t pid, bool brief)
{
	struct mmscope_vmas req;
	uint64_t start = 0, total = 0;
	int fd = target_fd(pid);

	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.start = start;
		req.count = VMAS_PER_CALL;
		if (brief) {
			req.flags = MMSCOPE_VMAS_BRIEF;
			req.vmas_ptr = (uintptr_t)brief_buf;
			req.vma_size = sizeof(*brief_buf);
			req.strings_ptr = (uintptr_t)strings_buf;
			req.strings_size = STRINGS_PER_CALL;
		} else {
			req.vmas_ptr = (uintptr_t)vma_buf;
			req.vma_size = sizeof(*vma_buf);
		}
		if (ioctl(fd, MMSCOPE_IOC_VMAS, &req))
			die("MMSCOPE_IOC_VMAS: %s", strerror(errno));
		total += req.count;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_VMAS_DONE));
	close(fd);
	return total;
}

static uint64_t ioctl_vmas_brief(pid_t pid)
{
	return ioctl_vmas_of(pid, true);
}

static uint64_t ioctl_vmas(pid_t pid)
{
	return ioctl_vmas_of(pid, false);
}

/*
 * MMSCOPE_IOC_PAGES in batches of PAGES_PER_CALL; returns the records.
 * @pte_only: with MMSCOPE_PAGES_PTE_ONLY.
 */
static uint64_t ioctl_pages_of(pid_t pid, uint64_t start, uint64_t end, bool pte_only)
{
	struct mmscope_pages req;
	uint64_t total = 0;
	int fd = target_fd(pid);

	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = pte_only ? MMSCOPE_PAGES_PTE_ONLY : 0;
		req.start = start;
		req.end = end;
		req.records_ptr = (uintptr_t)page_buf;	/* room for either */
		req.record_size = pte_only ? sizeof(struct mmscope_page_pte) : sizeof(*page_buf);
		req.count = PAGES_PER_CALL;
		if (ioctl(fd, MMSCOPE_IOC_PAGES, &req))
			die("MMSCOPE_IOC_PAGES%s: %s", pte_only ? " PTE_ONLY" : "",
			    strerror(errno));
		total += req.count;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_PAGES_DONE));
	close(fd);
	return total;
}

static uint64_t ioctl_pages(pid_t pid, uint64_t start, uint64_t end)
{
	return ioctl_pages_of(pid, start, end, false);
}

static uint64_t ioctl_pages_pte(pid_t pid, uint64_t start, uint64_t end)
{
	return ioctl_pages_of(pid, start, end, true);
}

/* MMSCOPE_IOC_PAGES with MMSCOPE_PAGES_SUMMARY; returns the present pages. */
static uint64_t ioctl_pages_summary(pid_t pid, uint64_t start, uint64_t end)
{
	struct mmscope_pages req;
	int fd = target_fd(pid);

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = MMSCOPE_PAGES_SUMMARY;
	req.start = start;
	req.end = end;
	if (ioctl(fd, MMSCOPE_IOC_PAGES, &req) || !(req.out_flags & MMSCOPE_PAGES_DONE))
		die("MMSCOPE_IOC_PAGES SUMMARY: %s", strerror(errno));
	close(fd);
	return req.sum_state[MMSCOPE_ENTRY_PRESENT];
}

static void debugfs_target(pid_t pid)
{
	char s[32];

	snprintf(s, sizeof(s), "%d", pid);
	write_str(DEBUGFS "/target", s);
}

static size_t debugfs_maps(pid_t pid)
{
	debugfs_target(pid);
	return read_all(DEBUGFS "/maps");
}

static size_t debugfs_pages(pid_t pid, uint64_t start, uint64_t end)
{
	char s[64];

	debugfs_target(pid);
	snprintf(s, sizeof(s), "%#llx-%#llx", (unsigned long long)start,
		 (unsigned long long)end);
	write_str(DEBUGFS "/pages", s);
	return read_all(DEBUGFS "/pages");
}

static size_t read_proc_maps(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return read_all(path);
}

/*
 * /proc/PID/pagemap of [start, end), in reads of PAGES_PER_CALL entries;
 * with @kpage, then /proc/kpageflags and /proc/kpagecount of every present
 * PFN, one 8-byte pread each, as a tool that wants mmscope's page state
 * from /proc must do. Returns the present entries.
 */
static uint64_t proc_pagemap(pid_t pid, uint64_t start, uint64_t end, int kpage)
{
	int fd, kf = -1, kc = -1;
	uint64_t addr, present = 0, v;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (kpage) {
		kf = open("/proc/kpageflags", O_RDONLY);
		kc = open("/proc/kpagecount", O_RDONLY);
		if (kf < 0 || kc < 0)
			die("/proc/kpageflags, kpagecount: %s", strerror(errno));
	}
	for (addr = start; addr < end; ) {
		uint64_t n = (end - addr) / PAGE, i;
		ssize_t got;

		if (n > PAGES_PER_CALL)
			n = PAGES_PER_CALL;
		got = pread(fd, pm_buf, n * 8, addr / PAGE * 8);
		if (got <= 0)
			die("pread %s: %s", path, strerror(errno));
		n = got / 8;
		for (i = 0; i < n; i++) {
			uint64_t pfn = pm_buf[i] & ((1ULL << 55) - 1);

			if (!(pm_buf[i] >> 63))
				continue;
			present++;
			if (kpage && (pread(kf, &v, 8, pfn * 8) != 8 ||
				      pread(kc, &v, 8, pfn * 8) != 8))
				die("kpageflags/kpagecount of pfn %#llx: %s",
				    (unsigned long long)pfn, strerror(errno));
		}
		addr += n * PAGE;
	}
	if (kpage) {
		close(kf);
		close(kc);
	}
	close(fd);
	return present;
}

/* ---- module memory ------------------------------------------------------ */

struct meminfo {
	long slab, vmalloc;	/* kB */
};

static struct meminfo read_meminfo(void)
{
	struct meminfo m = { -1, -1 };
	char buf[8192], *s;
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return m;
	buf[n] = 0;
	s = strstr(buf, "\nSlab:");
	if (s)
		m.slab = strtol(s + 6, NULL, 10);
	s = strstr(buf, "\nVmallocUsed:");
	if (s)
		m.vmalloc = strtol(s + 13, NULL, 10);
	return m;
}

static volatile int sampling;
static struct meminfo peak;

static void *sampler(void *arg)
{
	pin_to_cpu(1);
	while (sampling) {
		struct meminfo m = read_meminfo();

		if (m.slab > peak.slab)
			peak.slab = m.slab;
		if (m.vmalloc > peak.vmalloc)
			peak.vmalloc = m.vmalloc;
		usleep(1000);
	}
	return NULL;
}

/*
 * The peak Slab and VmallocUsed over @fn's run, less their peak over the
 * same time idle just before. /proc/meminfo's counters are global ones that
 * per-CPU deltas reach late, so a few pages of noise are expected.
 */
static void measure_memory(const char *what, void (*fn)(void *), void *arg)
{
	struct meminfo idle;
	pthread_t th;
	double t0, dt;

	/* Idle first, for as long as the request takes. */
	t0 = now();
	fn(arg);
	dt = now() - t0;
	peak = read_meminfo();
	sampling = 1;
	pthread_create(&th, NULL, sampler, NULL);
	usleep(dt * 1e6 + 20000);
	sampling = 0;
	pthread_join(th, NULL);
	idle = peak;

	peak = read_meminfo();
	sampling = 1;
	pthread_create(&th, NULL, sampler, NULL);
	fn(arg);
	sampling = 0;
	pthread_join(th, NULL);
	{
		char m[64];

		snprintf(m, sizeof(m), "%s: Slab", what);
		add_row("module memory", m, peak.slab - idle.slab, NULL, 0, "kB");
		snprintf(m, sizeof(m), "%s: VmallocUsed", what);
		add_row("module memory", m, peak.vmalloc - idle.vmalloc, NULL, 0, "kB");
	}
}

/* ---- cases -------------------------------------------------------------- */

#define MAX_METHODS 8
struct method {
	const char *name;
	void (*fn)(struct target *t);
	double t[RUNS];
};

static void run_methods(struct target *t, struct method *m, int n)
{
	int r, i;

	for (i = 0; i < n; i++)		/* one warm-up round */
		m[i].fn(t);
	for (r = 0; r < RUNS; r++)
		for (i = 0; i < n; i++) {
			double t0 = now();

			m[i].fn(t);
			m[i].t[r] = now() - t0;
		}
}

static double med(struct method *m)
{
	return median(m->t, RUNS);
}

static char pidstr[16], rangestr[64];

static void m_proc_maps(struct target *t) { read_proc_maps(t->pid); }
static void m_ioctl_vmas(struct target *t) { ioctl_vmas(t->pid); }
static void m_ioctl_vmas_brief(struct target *t) { ioctl_vmas_brief(t->pid); }
static void m_debugfs_maps(struct target *t) { debugfs_maps(t->pid); }
static void m_cat_maps(struct target *t)
{
	char path[64];
	char *argv[] = { "cat", path, NULL };

	snprintf(path, sizeof(path), "/proc/%d/maps", t->pid);
	run_quiet(argv);
}
static void m_cli_maps(struct target *t)
{
	char *argv[] = { "mmscope", "maps", pidstr, NULL };

	run_quiet(argv);
}
static void m_cli_maps_json(struct target *t)
{
	char *argv[] = { "mmscope", "-j", "maps", pidstr, NULL };

	run_quiet(argv);
}

static void mem_ioctl_vmas(void *arg) { ioctl_vmas_brief(((struct target *)arg)->pid); }
static void mem_ioctl_vmas_full(void *arg) { ioctl_vmas(((struct target *)arg)->pid); }
static void mem_debugfs_maps(void *arg) { debugfs_maps(((struct target *)arg)->pid); }

static double per_vma_1000;

static void case_maps(uint64_t n)
{
	struct method m[] = {
		{ .name = "read /proc/PID/maps", .fn = m_proc_maps },
		{ .name = "MMSCOPE_IOC_VMAS brief (256/call)", .fn = m_ioctl_vmas_brief },
		{ .name = "debugfs maps", .fn = m_debugfs_maps },
		{ .name = "cat /proc/PID/maps >/dev/null", .fn = m_cat_maps },
		{ .name = "mmscope maps >/dev/null", .fn = m_cli_maps },
		{ .name = "mmscope -j maps >/dev/null", .fn = m_cli_maps_json },
		{ .name = "MMSCOPE_IOC_VMAS full (256/call)", .fn = m_ioctl_vmas },
	};
	struct target t = start_target(T_VMAS, n);
	char group[48];
	uint64_t got = ioctl_vmas_brief(t.pid);
	double per;

	if (ioctl_vmas(t.pid) != got)
		note("maps: the full and the brief records count different VMAs");
	snprintf(pidstr, sizeof(pidstr), "%d", t.pid);
	snprintf(group, sizeof(group), "maps %llu VMAs", (unsigned long long)got);
	run_methods(&t, m, 7);
	add_row(group, m[1].name, med(&m[1]), m[0].name, med(&m[0]), "s");
	add_row(group, m[6].name, med(&m[6]), m[0].name, med(&m[0]), "s");
	add_row(group, m[2].name, med(&m[2]), m[0].name, med(&m[0]), "s");
	add_row(group, m[4].name, med(&m[4]), m[3].name, med(&m[3]), "s");
	add_row(group, m[5].name, med(&m[5]), m[3].name, med(&m[3]), "s");
	per = med(&m[1]) / got;
	if (n == 1000)
		per_vma_1000 = per;
	else
		add_row(group, "ioctl per VMA (s)", per, "ioctl per VMA at 1,000", per_vma_1000, "s");
	if (n == 65000) {
		measure_memory("VMAS ioctl brief, 65,000 VMAs", mem_ioctl_vmas, &t);
		measure_memory("VMAS ioctl full, 65,000 VMAs", mem_ioctl_vmas_full, &t);
		measure_memory("debugfs maps, 65,000 VMAs", mem_debugfs_maps, &t);
	}
	stop_target(&t);
}

static void m_pagemap(struct target *t) { proc_pagemap(t->pid, t->addr, t->addr + t->len, 0); }
static void m_pagemap_kpage(struct target *t) { proc_pagemap(t->pid, t->addr, t->addr + t->len, 1); }
static void m_ioctl_pages(struct target *t) { ioctl_pages(t->pid, t->addr, t->addr + t->len); }
static void m_debugfs_pages(struct target *t) { debugfs_pages(t->pid, t->addr, t->addr + t->len); }
static void m_ioctl_pages_pte(struct target *t)
{
	ioctl_pages_pte(t->pid, t->addr, t->addr + t->len);
}
static void m_ioctl_pages_summary(struct target *t)
{
	ioctl_pages_summary(t->pid, t->addr, t->addr + t->len);
}
static void m_cli_pages_json(struct target *t)
{
	char *argv[] = { "mmscope", "-j", "pages", pidstr, rangestr, NULL };

	run_quiet(argv);
}

static void mem_ioctl_pages(void *arg)
{
	struct target *t = arg;

	ioctl_pages(t->pid, t->addr, t->addr + t->len);
}
static void mem_ioctl_pages_pte(void *arg)
{
	struct target *t = arg;

	ioctl_pages_pte(t->pid, t->addr, t->addr + t->len);
}
static void mem_debugfs_pages(void *arg)
{
	struct target *t = arg;

	debugfs_pages(t->pid, t->addr, t->addr + t->len);
}

static long smaps_rollup_kb(pid_t pid, const char *key)
{
	char path[64], *s;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, iobuf, sizeof(iobuf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	iobuf[n] = 0;
	s = strstr(iobuf, key);
	return s ? strtol(s + strlen(key), NULL, 10) : -1;
}

static void case_walk(struct target *t);

static void case_pages(enum target_kind kind, uint64_t len, const char *name)
{
	struct method m[] = {
		{ .name = "pagemap", .fn = m_pagemap },
		{ .name = "pagemap+kpageflags+kpagecount", .fn = m_pagemap_kpage },
		{ .name = "MMSCOPE_IOC_PAGES (65536/call)", .fn = m_ioctl_pages },
		{ .name = "debugfs pages", .fn = m_debugfs_pages },
		{ .name = "mmscope -j pages >/dev/null", .fn = m_cli_pages_json },
		{ .name = "MMSCOPE_IOC_PAGES PTE_ONLY (65536/call)", .fn = m_ioctl_pages_pte },
		{ .name = "MMSCOPE_IOC_PAGES SUMMARY", .fn = m_ioctl_pages_summary },
	};
	struct target t = start_target(kind, len);
	char group[48];
	int i;

	snprintf(pidstr, sizeof(pidstr), "%d", t.pid);
	snprintf(rangestr, sizeof(rangestr), "%#llx-%#llx", (unsigned long long)t.addr,
		 (unsigned long long)(t.addr + t.len));
	note("%s: target %d, Rss %ld kB, AnonHugePages %ld kB, %llu records, %llu PTE-only, %llu present pages summed",
	     name, t.pid, smaps_rollup_kb(t.pid, "Rss:"),
	     smaps_rollup_kb(t.pid, "AnonHugePages:"),
	     (unsigned long long)ioctl_pages(t.pid, t.addr, t.addr + t.len),
	     (unsigned long long)ioctl_pages_pte(t.pid, t.addr, t.addr + t.len),
	     (unsigned long long)ioctl_pages_summary(t.pid, t.addr, t.addr + t.len));
	snprintf(group, sizeof(group), "pages %s", name);
	run_methods(&t, m, 7);
	for (i = 2; i < 5; i++) {
		add_row(group, m[i].name, med(&m[i]), m[0].name, med(&m[0]), "s");
		add_row(group, m[i].name, med(&m[i]), m[1].name, med(&m[1]), "s");
	}
	/* The field mask and the summary: against pagemap alone (issue 12). */
	for (i = 5; i < 7; i++)
		add_row(group, m[i].name, med(&m[i]), m[0].name, med(&m[0]), "s");
	if (kind == T_PAGES_4K && len == 64 * MIB) {
		case_walk(&t);
		measure_memory("PAGES ioctl, 64 MiB", mem_ioctl_pages, &t);
	}
	if (kind == T_PAGES_4K && len == GIB) {
		measure_memory("PAGES ioctl, 1 GiB 4K", mem_ioctl_pages, &t);
		measure_memory("PAGES PTE_ONLY ioctl, 1 GiB 4K", mem_ioctl_pages_pte, &t);
		measure_memory("debugfs pages, 1 GiB 4K", mem_debugfs_pages, &t);
	}
	stop_target(&t);
}

/* One address, many times: the cost of a single lookup. */
#define WALK_OPS 1000
static uint64_t walk_addr;
static int walk_fd, walk_pm;

static void m_walk_ioctl(struct target *t)
{
	struct mmscope_walk w;
	int i, ret;

	for (i = 0; i < WALK_OPS; i++) {
		ret = mms_walk(walk_fd, walk_addr, &w);
		if (ret)
			die("MMSCOPE_IOC_WALK: %s", strerror(-ret));
	}
}

static void m_walk_pagemap(struct target *t)
{
	uint64_t v;
	int i;

	for (i = 0; i < WALK_OPS; i++)
		if (pread(walk_pm, &v, 8, walk_addr / PAGE * 8) != 8)
			die("pagemap: %s", strerror(errno));
}

static void case_walk(struct target *t)
{
	struct method m[] = {
		{ .name = "pread pagemap, 8 bytes", .fn = m_walk_pagemap },
		{ .name = "MMSCOPE_IOC_WALK", .fn = m_walk_ioctl },
	};
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	walk_pm = open(path, O_RDONLY);
	walk_fd = target_fd(t->pid);
	walk_addr = t->addr + t->len / 2 + 123 * PAGE;
	run_methods(t, m, 2);
	add_row("walk, one address", "MMSCOPE_IOC_WALK", med(&m[1]) / WALK_OPS,
		m[0].name, med(&m[0]) / WALK_OPS, "s");
	close(walk_fd);
	close(walk_pm);
}

/*
 * PTE_ONLY's records merge consecutive frames: its worst case is a target
 * whose neighbouring pages have unrelated frames, one record per page.
 */
static void case_pages_scattered(void)
{
	struct method m[] = {
		{ .name = "pagemap", .fn = m_pagemap },
		{ .name = "MMSCOPE_IOC_PAGES (65536/call)", .fn = m_ioctl_pages },
		{ .name = "MMSCOPE_IOC_PAGES PTE_ONLY (65536/call)", .fn = m_ioctl_pages_pte },
		{ .name = "MMSCOPE_IOC_PAGES SUMMARY", .fn = m_ioctl_pages_summary },
	};
	struct target t = start_target(T_PAGES_SCATTERED, GIB);
	int i;

	note("1 GiB 4K scattered: target %d, %llu records, %llu PTE-only", t.pid,
	     (unsigned long long)ioctl_pages(t.pid, t.addr, t.addr + t.len),
	     (unsigned long long)ioctl_pages_pte(t.pid, t.addr, t.addr + t.len));
	run_methods(&t, m, 4);
	for (i = 1; i < 4; i++)
		add_row("pages 1 GiB 4K scattered", m[i].name, med(&m[i]), m[0].name,
			med(&m[0]), "s");
	stop_target(&t);
}

static void case_sparse(void)
{
	struct target t = start_target(T_SPARSE, 1ULL << 40);

	note("1 TiB range: target %d, %llu records", t.pid,
	     (unsigned long long)ioctl_pages(t.pid, t.addr, t.addr + t.len));
	measure_memory("PAGES ioctl, 1 TiB range", mem_ioctl_pages, &t);
	stop_target(&t);
}

/* ---- smaps -------------------------------------------------------------- */

#define SMAPS_PER_CALL 256
static struct mmscope_smaps_vma *smaps_buf;

/*
 * MMSCOPE_IOC_SMAPS over every VMA, SMAPS_PER_CALL records a call, summed
 * as mmscope smaps --rollup sums them; returns the records.
 */
static uint64_t ioctl_smaps(pid_t pid, uint64_t *rss)
{
	struct mmscope_smaps req;
	uint64_t start = 0, total = 0;
	int fd = target_fd(pid);
	uint32_t i;

	*rss = 0;
	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.start = start;
		req.records_ptr = (uintptr_t)smaps_buf;
		req.record_size = sizeof(*smaps_buf);
		req.count = SMAPS_PER_CALL;
		if (ioctl(fd, MMSCOPE_IOC_SMAPS, &req))
			die("MMSCOPE_IOC_SMAPS: %s", strerror(errno));
		for (i = 0; i < req.count; i++)
			*rss += smaps_buf[i].rss;
		total += req.count;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_SMAPS_DONE));
	close(fd);
	return total;
}

static void m_ioctl_smaps(struct target *t)
{
	uint64_t rss;

	ioctl_smaps(t->pid, &rss);
}

/* MMSCOPE_SMAPS_ROLLUP: summed in the kernel, one record (a call or a few). */
static uint64_t ioctl_smaps_rollup(pid_t pid)
{
	struct mmscope_smaps_vma rec;
	struct mmscope_smaps req;
	uint64_t start = 0, rss = 0;
	int fd = target_fd(pid);

	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = MMSCOPE_SMAPS_ROLLUP;
		req.start = start;
		req.records_ptr = (uintptr_t)&rec;
		req.record_size = sizeof(rec);
		req.count = 1;
		if (ioctl(fd, MMSCOPE_IOC_SMAPS, &req))
			die("MMSCOPE_IOC_SMAPS rollup: %s", strerror(errno));
		if (req.count)
			rss += rec.rss;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_SMAPS_DONE));
	close(fd);
	return rss;
}

static void m_ioctl_smaps_rollup(struct target *t)
{
	ioctl_smaps_rollup(t->pid);
}

static void m_smaps_rollup(struct target *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t->pid);
	read_all(path);
}

static void m_smaps(struct target *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", t->pid);
	read_all(path);
}

static void m_debugfs_smaps(struct target *t)
{
	debugfs_target(t->pid);
	read_all(DEBUGFS "/smaps");
}

/*
 * smaps of one target: the kernel's rollup (MMSCOPE_SMAPS_ROLLUP) and the
 * per-VMA loop summed in user space against smaps_rollup; the per-VMA loop
 * against smaps.
 */
static void case_smaps(enum target_kind kind, uint64_t n, const char *name)
{
	struct method m[] = {
		{ .name = "read /proc/PID/smaps_rollup", .fn = m_smaps_rollup },
		{ .name = "read /proc/PID/smaps", .fn = m_smaps },
		{ .name = "MMSCOPE_IOC_SMAPS (256/call)", .fn = m_ioctl_smaps },
		{ .name = "debugfs smaps", .fn = m_debugfs_smaps },
		{ .name = "MMSCOPE_IOC_SMAPS rollup flag", .fn = m_ioctl_smaps_rollup },
	};
	struct target t = start_target(kind, n);
	char group[48];
	uint64_t rss, recs = ioctl_smaps(t.pid, &rss);

	note("smaps %s: target %d, %llu records, Rss %llu kB (kernel rollup %llu kB, smaps_rollup %ld kB)",
	     name, t.pid, (unsigned long long)recs, (unsigned long long)(rss >> 10),
	     (unsigned long long)(ioctl_smaps_rollup(t.pid) >> 10),
	     smaps_rollup_kb(t.pid, "Rss:"));
	snprintf(group, sizeof(group), "smaps %s", name);
	run_methods(&t, m, 5);
	add_row(group, m[4].name, med(&m[4]), m[0].name, med(&m[0]), "s");
	add_row(group, "MMSCOPE_IOC_SMAPS, summed per VMA", med(&m[2]), m[0].name, med(&m[0]),
		"s");
	add_row(group, "MMSCOPE_IOC_SMAPS, per VMA", med(&m[2]), m[1].name, med(&m[1]), "s");
	add_row(group, m[3].name, med(&m[3]), m[1].name, med(&m[1]), "s");
	stop_target(&t);
}

/* ---- target impact ------------------------------------------------------ */

/*
 * One pass of MMSCOPE_IOC_PAGES over the target's whole user range, up to
 * its TASK_SIZE; returns the records.
 */
static uint64_t walk_once(pid_t pid)
{
	struct mmscope_mm_info info;
	struct mmscope_pages req;
	uint64_t start = 0, records = 0;
	int fd = mms_open(NULL), ret;

	if (fd < 0)
		die("/dev/mmscope: %s", strerror(-fd));
	/* The target may have exited since the caller looked: ESRCH ends. */
	ret = mms_set_target(fd, pid);
	if (!ret)
		ret = mms_mm_info(fd, &info, NULL, NULL);
	if (ret == -ESRCH)
		goto out;
	if (ret)
		die("set target, MMSCOPE_IOC_MM_INFO: %s", strerror(-ret));

	do {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.start = start;
		req.end = info.task_size;
		req.records_ptr = (uintptr_t)page_buf;
		req.record_size = sizeof(*page_buf);
		req.count = PAGES_PER_CALL;
		if (ioctl(fd, MMSCOPE_IOC_PAGES, &req)) {
			if (errno == ESRCH)	/* the target exited */
				break;
			die("MMSCOPE_IOC_PAGES of [0, %#llx): %s",
			    (unsigned long long)info.task_size, strerror(errno));
		}
		records += req.count;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_PAGES_DONE));
out:
	close(fd);
	return records;
}

/*
 * Fault throughput (pages/s) of a target (on CPU 1) that faults for @ms,
 * alone or with this process (on CPU 0) walking it in a loop meanwhile.
 */
static uint64_t walked_records;

static double fault_rate(int ms, int walker, uint64_t *passes)
{
	struct target t, res;
	struct pollfd pfd;

	pin_to_cpu(0);
	t = start_target(T_FAULTER, ms);
	pfd.fd = target_rfd;
	pfd.events = POLLIN;
	while (walker && poll(&pfd, 1, 0) == 0) {
		walked_records += walk_once(t.pid);
		(*passes)++;
	}
	if (read(target_rfd, &res, sizeof(res)) != sizeof(res))
		die("faulter %d gave no result", t.pid);
	waitpid(t.pid, NULL, 0);
	close(target_rfd);
	return res.addr / (ms / 1000.0);
}

/*
 * The mmap-lock read holds of this process, from the mmap_lock tracepoints:
 * from each acquire_returned (success, read) to the next released of the
 * same mm. Our own mm is the one we take for write (a munmap) first.
 */
static int trace_on(void)
{
	char s[16];

	if (access(TRACING "/events/mmap_lock/enable", W_OK))
		return -1;
	write_str(TRACING "/tracing_on", "0");
	write_str(TRACING "/trace", "");
	write_str(TRACING "/buffer_size_kb", "16384");
	snprintf(s, sizeof(s), "%d", getpid());
	write_str(TRACING "/set_event_pid", s);
	write_str(TRACING "/events/mmap_lock/enable", "1");
	write_str(TRACING "/tracing_on", "1");
	munmap(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), PAGE);
	return 0;
}

struct holds {
	uint64_t count;
	double max_us, total_us;
};

static struct holds trace_off(void)
{
	struct holds h = { 0 };
	uint64_t events = 0;
	char own[32] = "", mm[32], held_mm[32] = "", *line, *save, *buf;
	double held_at = -1;
	size_t cap = 64 << 20, len = 0;
	ssize_t n;
	int fd;

	write_str(TRACING "/tracing_on", "0");
	write_str(TRACING "/events/mmap_lock/enable", "0");
	write_str(TRACING "/set_event_pid", "");
	buf = malloc(cap);
	fd = open(TRACING "/trace", O_RDONLY);
	while (fd >= 0 && len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	if (fd >= 0)
		close(fd);
	buf[len] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ev = strstr(line, ": mmap_lock_"), *p, *q;
		int write_lock;
		double ts;

		if (!ev || !(p = strstr(ev, "mm=")))
			continue;
		sscanf(p + 3, "%31s", mm);
		events++;
		write_lock = strstr(ev, "write=true") != NULL;
		/* The timestamp is the last word before the event name. */
		*ev = 0;
		q = strrchr(line, ' ');
		ts = q ? strtod(q + 1, NULL) : 0;
		if (write_lock) {
			if (!own[0])
				snprintf(own, sizeof(own), "%s", mm);
			continue;
		}
		if (!own[0] || !strcmp(mm, own))
			continue;
		if (strstr(ev + 1, "acquire_returned") && strstr(ev + 1, "success=true")) {
			held_at = ts;
			snprintf(held_mm, sizeof(held_mm), "%s", mm);
		} else if (strstr(ev + 1, "released") && held_at >= 0 &&
			   !strcmp(mm, held_mm)) {
			double us = (ts - held_at) * 1e6;

			h.count++;
			h.total_us += us;
			if (us > h.max_us)
				h.max_us = us;
			held_at = -1;
		}
	}
	free(buf);
	note("trace: %zu bytes, %llu mmap_lock events of this process, own mm %s",
	     len, (unsigned long long)events, own[0] ? own : "not found");
	return h;
}

static void case_impact(void)
{
	double alone[RUNS], walked[RUNS];
	uint64_t passes = 0;
	struct holds h;
	int r;

	for (r = 0; r < RUNS; r++) {
		alone[r] = fault_rate(1000, 0, NULL);
		walked[r] = fault_rate(1000, 1, &passes);
	}
	add_row("target impact", "faults/s with a walker", median(walked, RUNS),
		"faults/s alone", median(alone, RUNS), "/s");
	note("the walker made %llu passes over the target in %d s, %llu records",
	     (unsigned long long)passes, RUNS, (unsigned long long)walked_records);
	if (trace_on()) {
		note("no mmap_lock tracepoints in tracefs: longest hold not measured");
		return;
	}
	passes = 0;
	fault_rate(2000, 1, &passes);
	h = trace_off();
	if (!h.count) {
		note("the mmap_lock tracepoints recorded no read hold of the target");
		return;
	}
	add_row("target impact", "longest mmap-lock read hold", h.max_us, NULL, 0, "us");
	add_row("target impact", "mean mmap-lock read hold", h.total_us / h.count, NULL, 0, "us");
	note("%llu read holds of the target's mmap lock in %llu passes (tracepoints on)",
	     (unsigned long long)h.count, (unsigned long long)passes);
}

/* ---- main --------------------------------------------------------------- */

static int make_file(void)
{
	char dir[] = FILE_PATH;
	char *s;
	int fd;

	for (s = dir + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(dir, 0755);
		*s = '/';
	}
	fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, PAGE))
		return -1;
	close(fd);
	return 0;
}

/*
 * MMSCOPE_BENCH_CASES ("maps,pages", make bench BENCH_CASES=...) picks some
 * of the cases (maps, pages, smaps, impact); unset, all of them run.
 */
static int want(const char *name)
{
	const char *cases = getenv("MMSCOPE_BENCH_CASES");
	size_t len = strlen(name);
	const char *s;

	if (!cases || !*cases)
		return 1;
	for (s = cases; (s = strstr(s, name)); s += len)
		if ((s == cases || s[-1] == ',') && (!s[len] || s[len] == ','))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *json = argc > 1 ? argv[1] : "/tmp/bench.json";
	char kernel[128] = "?";
	int fd = open("/proc/sys/kernel/osrelease", O_RDONLY);
	ssize_t n;

	if (fd >= 0 && (n = read(fd, kernel, sizeof(kernel) - 1)) > 0)
		kernel[n - 1] = 0;
	if (fd >= 0)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (make_file())
		die("%s: %s", FILE_PATH, strerror(errno));
	/* 65,000 VMAs and the target's own need more than the default 65530. */
	write_str("/proc/sys/vm/max_map_count", "262144");
	vma_buf = calloc(VMAS_PER_CALL, sizeof(*vma_buf));
	brief_buf = calloc(VMAS_PER_CALL, sizeof(*brief_buf));
	strings_buf = malloc(STRINGS_PER_CALL);
	smaps_buf = calloc(SMAPS_PER_CALL, sizeof(*smaps_buf));
	page_buf = calloc(PAGES_PER_CALL, sizeof(*page_buf));
	pm_buf = calloc(PAGES_PER_CALL, sizeof(*pm_buf));
	if (!vma_buf || !brief_buf || !strings_buf || !smaps_buf || !page_buf || !pm_buf)
		die("out of memory");

	note("kernel %s, %ld CPUs, medians of %d runs (after one warm-up round)",
	     kernel, sysconf(_SC_NPROCESSORS_ONLN), RUNS);
	printf("%-20s %-38s %11s %-3s | %-32s %11s  %7s\n", "case", "mmscope",
	       "median", "", "baseline", "median", "ratio");
	if (want("maps")) {
		case_maps(1000);
		case_maps(10000);
		case_maps(65000);
	}
	if (want("pages")) {
		case_pages(T_PAGES_4K, 64 * MIB, "64 MiB 4K");
		case_pages(T_PAGES_4K, GIB, "1 GiB 4K");
		case_pages(T_PAGES_THP, GIB, "1 GiB THP");
		case_pages_scattered();
		case_sparse();
	}
	if (want("smaps")) {
		case_smaps(T_PAGES_4K, GIB, "1 GiB 4K");
		case_smaps(T_VMAS, 65000, "65,000 VMAs");
	}
	if (want("impact"))
		case_impact();
	write_json(json, kernel);
	note("JSON written to %s", json);
	return 0;
}
