// SPDX-License-Identifier: GPL-2.0
/*
 * What the labs look at: mmscope's exports as snapshots and their diff,
 * the kernel's own interfaces as oracles, and the subject processes a lab
 * drives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"
#include "main.h"

static void change(void *arg, const char *key, const char *before, const char *after)
{
	lab_change(arg, key, before, after);
}

void lab_changes(struct lab *lab, struct snap *before, struct snap *after)
{
	snap_diff(before, after, change, lab);
}

/* mmscope's answers */

static int aim(struct lab *lab, pid_t pid)
{
	int ret = mms_set_target(lab->fd, pid);

	if (ret)
		lab_broken(lab, "mmscope aims at PID %d: %s", pid, strerror(-ret));
	return ret;
}

int lab_mm_info(struct lab *lab, pid_t pid, struct mmscope_mm_info *info,
		struct mmscope_mm_user *users, uint32_t *nusers)
{
	int ret = aim(lab, pid);

	if (ret)
		return ret;
	ret = mms_mm_info(lab->fd, info, users, nusers);
	if (ret)
		lab_broken(lab, "mmscope mm %d: %s", pid, strerror(-ret));
	return ret;
}

int lab_page(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_page *page)
{
	struct mmscope_walk walk;
	int ret = lab_walk(lab, pid, addr, &walk);

	if (!ret)
		*page = walk.page;
	return ret;
}

int lab_walk(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_walk *walk)
{
	int ret = aim(lab, pid);

	if (ret)
		return ret;
	ret = mms_walk(lab->fd, addr, walk);
	if (ret)
		lab_broken(lab, "mmscope walk %d 0x%" PRIx64 ": %s", pid, addr, strerror(-ret));
	return ret;
}

int lab_lookup(struct lab *lab, pid_t pid, uint64_t addr, struct mmscope_lookup *res,
	       struct mmscope_vma *vma)
{
	int ret = aim(lab, pid);

	if (ret)
		return ret;
	ret = mms_lookup(lab->fd, addr, res, vma);
	if (ret)
		lab_broken(lab, "mmscope lookup %d 0x%" PRIx64 ": %s", pid, addr, strerror(-ret));
	return ret;
}

int snap_mm(struct lab *lab, struct snap *s, const char *prefix, pid_t pid)
{
	struct mmscope_mm_info mm;
	char key[64];
	int ret = lab_mm_info(lab, pid, &mm, NULL, NULL);

	if (ret)
		return ret;
#define MM_FIELD(f, fmt) do { \
		snprintf(key, sizeof(key), "%smm.%s", prefix, #f); \
		snap_put(s, key, fmt, (unsigned long long)mm.f); \
	} while (0)
	MM_FIELD(mm_users, "%llu");
	MM_FIELD(map_count, "%llu");
	MM_FIELD(total_vm, "%llu pages");
	MM_FIELD(locked_vm, "%llu pages");
	MM_FIELD(data_vm, "%llu pages");
	MM_FIELD(stack_vm, "%llu pages");
	MM_FIELD(rss_anon, "%llu pages");
	MM_FIELD(rss_file, "%llu pages");
	MM_FIELD(rss_shmem, "%llu pages");
	MM_FIELD(brk, "0x%llx");
	MM_FIELD(pgd_phys, "0x%llx");
	MM_FIELD(pgtables_bytes, "%llu bytes");
#undef MM_FIELD
	return 0;
}

int snap_vmas(struct lab *lab, struct snap *s, const char *prefix, pid_t pid,
	      uint64_t start, uint64_t end)
{
	struct mmscope_vma *vmas;
	char key[96];
	size_t n, i;
	int ret = aim(lab, pid);

	if (ret)
		return ret;
	ret = mms_vmas_all(lab->fd, &vmas, &n);
	if (ret) {
		lab_broken(lab, "mmscope maps %d: %s", pid, strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++) {
		if (vmas[i].end <= start || vmas[i].start >= end)
			continue;
		snprintf(key, sizeof(key), "%svma %" PRIx64 "-%" PRIx64, prefix,
			 (uint64_t)vmas[i].start, (uint64_t)vmas[i].end);
		snap_put(s, key, "%s %s flags 0x%llx", (const char *)vmas[i].perms,
			 mms_kind_name(vmas[i].kind), (unsigned long long)vmas[i].vm_flags);
	}
	free(vmas);
	return 0;
}

int snap_pages(struct lab *lab, struct snap *s, const char *prefix, pid_t pid,
	       uint64_t start, uint64_t end)
{
	struct mmscope_page *recs;
	char key[96];
	size_t n, i;
	int ret = aim(lab, pid);

	if (ret)
		return ret;
	ret = mms_pages_all(lab->fd, start, end, &recs, &n);
	if (ret) {
		lab_broken(lab, "mmscope pages %d: %s", pid, strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++) {
		const struct mmscope_page *p = &recs[i];

		snprintf(key, sizeof(key), "%spage %" PRIx64, prefix, (uint64_t)p->addr);
		if (p->state == MMSCOPE_ENTRY_PRESENT)
			snap_put(s, key, "present pfn 0x%llx %s cow %s%s", (unsigned long long)p->pfn,
				 p->pte_flags & MMSCOPE_PTE_RW ? "rw" : "ro", mms_cow_name(p->cow),
				 p->page_flags & MMSCOPE_PG_ZERO ? " zero-page" : "");
		else
			snap_put(s, key, "%s", mms_state_name(p->state));
	}
	free(recs);
	return 0;
}

/* The kernel's own interfaces */

static FILE *proc_open(pid_t pid, const char *file)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return fopen(path, "re");
}

long proc_stat_field(pid_t pid, int field)
{
	char buf[1024], *p;
	FILE *f = proc_open(pid, "stat");
	long v = -1;
	int i;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	/* comm may hold spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p || field < 3)
		return -1;
	p++;
	for (i = 3; i <= field && p; i++) {
		while (*p == ' ')
			p++;
		if (i == field) {
			v = strtol(p, NULL, 10);
			break;
		}
		p = strchr(p, ' ');
	}
	return v;
}

long proc_status_kb(pid_t pid, const char *name)
{
	char line[256];
	size_t len = strlen(name);
	FILE *f = proc_open(pid, "status");
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int maps_line(const char *line, uint64_t *start, uint64_t *end, char perms[5])
{
	unsigned long long s, e;
	char p[5];

	if (sscanf(line, "%llx-%llx %4s", &s, &e, p) != 3)
		return -1;
	*start = s;
	*end = e;
	if (perms)
		memcpy(perms, p, 5);
	return 0;
}

int proc_maps_count(pid_t pid, uint64_t start, uint64_t end)
{
	char line[4096];
	uint64_t s, e;
	FILE *f = proc_open(pid, "maps");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!maps_line(line, &s, &e, NULL) && e > start && s < end)
			n++;
	fclose(f);
	return n;
}

int proc_maps_find(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end, char perms[5])
{
	char line[4096];
	FILE *f = proc_open(pid, "maps");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!maps_line(line, start, end, perms) && *start <= addr && addr < *end) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int proc_pagemap(pid_t pid, uint64_t addr, uint64_t *pfn)
{
	char path[64];
	uint64_t e;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, &e, sizeof(e), (addr / LAB_PAGE) * sizeof(e));
	close(fd);
	if (n != sizeof(e))
		return -1;
	if (!(e >> 63))
		return 0;
	*pfn = e & ((1ULL << 55) - 1);
	return 1;
}

int64_t proc_kpageflags(uint64_t pfn)
{
	uint64_t flags;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &flags, sizeof(flags), pfn * sizeof(flags));
	close(fd);
	return n == sizeof(flags) ? (int64_t)flags : -1;
}

/* Calls @fn on each line of the smaps entry of the VMA that holds @addr. */
static int smaps_of(pid_t pid, uint64_t addr, int (*fn)(const char *line, void *arg),
		    void *arg)
{
	char line[4096];
	uint64_t s, e;
	FILE *f = proc_open(pid, "smaps");
	bool in = false;
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!maps_line(line, &s, &e, NULL) && strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = s <= addr && addr < e;
			continue;
		}
		if (in) {
			ret = fn(line, arg);
			if (ret >= 0)
				break;
		}
	}
	fclose(f);
	return ret;
}

struct smaps_want {
	const char *name;
	long value;
};

static int smaps_field(const char *line, void *arg)
{
	struct smaps_want *w = arg;
	size_t len = strlen(w->name);

	if (strncmp(line, w->name, len) || line[len] != ':')
		return -1;
	w->value = strtol(line + len + 1, NULL, 10);
	return 0;
}

long proc_smaps_kb(pid_t pid, uint64_t addr, const char *field)
{
	struct smaps_want w = { field, -1 };

	return smaps_of(pid, addr, smaps_field, &w) ? -1 : w.value;
}

static int smaps_vmflag(const char *line, void *arg)
{
	const char *code = arg;
	const char *p;

	if (strncmp(line, "VmFlags:", 8))
		return -1;
	for (p = line + 8; *p; p++)
		if (p[0] == code[0] && p[1] == code[1] && (p[2] == ' ' || p[2] == '\n') &&
		    p[-1] == ' ')
			return 1;
	return 0;
}

int proc_smaps_vmflag(pid_t pid, uint64_t addr, const char *code)
{
	return smaps_of(pid, addr, smaps_vmflag, (void *)code);
}

/* Subjects */

struct order {
	uint32_t order;
	uint32_t arg;
	uint64_t addr;
	uint64_t len;
};

static volatile uint8_t subject_scratch;

/* The subject's loop: it touches nothing else, so that its fault counts
 * are the orders' own. */
static void subject_main(int order_fd, int answer_fd)
{
	struct order o;
	uint64_t answer;
	void *p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (read(order_fd, &o, sizeof(o)) == sizeof(o)) {
		answer = 0;
		switch (o.order) {
		case ORDER_READ:
			(void)*(volatile uint8_t *)(uintptr_t)o.addr;
			break;
		case ORDER_WRITE:
			*(volatile uint8_t *)(uintptr_t)o.addr = (uint8_t)o.arg;
			break;
		case ORDER_MMAP:
			p = mmap(NULL, o.len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | o.arg, -1, 0);
			answer = p == MAP_FAILED ? 0 : (uintptr_t)p;
			break;
		case ORDER_MADVISE:
			if (madvise((void *)(uintptr_t)o.addr, o.len, (int)o.arg))
				answer = errno;
			break;
		case ORDER_MUNMAP:
			if (munmap((void *)(uintptr_t)o.addr, o.len))
				answer = errno;
			break;
		case ORDER_EXIT:
		default:
			_exit(0);
		}
		if (write(answer_fd, &answer, sizeof(answer)) != sizeof(answer))
			_exit(1);
	}
	_exit(0);
}

int subject_start(struct lab *lab, struct subject *s)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC)) {
		lab_broken(lab, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(from, O_CLOEXEC)) {
		lab_broken(lab, "pipe: %s", strerror(errno));
		goto close_to;
	}
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0) {
		lab_broken(lab, "fork: %s", strerror(errno));
		s->pid = 0;
		goto close_from;
	}
	if (s->pid == 0) {
		close(to[1]);
		close(from[0]);
		subject_main(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	s->order_fd = to[1];
	s->answer_fd = from[0];
	/*
	 * Its code and its stack were the lab's: fork() copied no PTE of the
	 * text, and the stack is copy-on-write. One read and one write of a
	 * page of its own fault those in, so that later orders count only
	 * the faults of the memory they touch.
	 */
	if (subject_do(lab, s, ORDER_WRITE, (uintptr_t)&subject_scratch, 0, 1, NULL) ||
	    subject_do(lab, s, ORDER_READ, (uintptr_t)&subject_scratch, 0, 0, NULL)) {
		subject_end(s);
		return -1;
	}
	return 0;

close_from:
	close(from[0]);
	close(from[1]);
close_to:
	close(to[0]);
	close(to[1]);
	return -1;
}

int subject_do(struct lab *lab, struct subject *s, enum subject_order order,
	       uint64_t addr, uint64_t len, uint32_t arg, uint64_t *answer)
{
	struct order o = { .order = order, .arg = arg, .addr = addr, .len = len };
	uint64_t a;

	if (write(s->order_fd, &o, sizeof(o)) != sizeof(o) ||
	    read(s->answer_fd, &a, sizeof(a)) != sizeof(a)) {
		lab_broken(lab, "the subject process %d did not answer", s->pid);
		return -1;
	}
	if (answer)
		*answer = a;
	return 0;
}

void subject_end(struct subject *s)
{
	struct order o = { .order = ORDER_EXIT };

	if (s->pid <= 0)
		return;
	/* A subject that died already (EPIPE: SIGPIPE is ignored) is reaped. */
	if (write(s->order_fd, &o, sizeof(o)) != sizeof(o))
		kill(s->pid, SIGKILL);
	close(s->order_fd);
	close(s->answer_fd);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

char *lab_region(struct lab *lab, size_t pages, int prot, int flags)
{
	char *guard, *p;

	guard = mmap(NULL, (pages + 2) * LAB_PAGE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (guard == MAP_FAILED) {
		lab_broken(lab, "mmap of %zu pages: %s", pages + 2, strerror(errno));
		return NULL;
	}
	p = mmap(guard + LAB_PAGE, pages * LAB_PAGE, prot,
		 flags | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		lab_broken(lab, "mmap of %zu pages: %s", pages, strerror(errno));
		munmap(guard, (pages + 2) * LAB_PAGE);
		return NULL;
	}
	return p;
}

void lab_region_free(char *p, size_t pages)
{
	if (p)
		munmap(p - LAB_PAGE, (pages + 2) * LAB_PAGE);
}
