// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmmscope.h"
#include "util.h"

ssize_t read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return len;
}

int write_file(const char *path, const char *s)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

#define KSM_DIR "/sys/kernel/mm/ksm/"

int ksm_scan_fast(struct ksm_knobs *k)
{
	ssize_t n;

	k->saved = false;
	n = read_file(KSM_DIR "run", k->run, sizeof(k->run));
	if (n < 0)
		return n;
	if (read_file(KSM_DIR "sleep_millisecs", k->sleep_millisecs, sizeof(k->sleep_millisecs)) < 0 ||
	    read_file(KSM_DIR "pages_to_scan", k->pages_to_scan, sizeof(k->pages_to_scan)) < 0)
		return -EIO;
	k->saved = true;
	write_file(KSM_DIR "sleep_millisecs", "0");
	write_file(KSM_DIR "pages_to_scan", "10000");
	return write_file(KSM_DIR "run", "1");
}

void ksm_knobs_restore(struct ksm_knobs *k)
{
	if (!k->saved)
		return;
	write_file(KSM_DIR "run", "2");		/* unmerge what we merged */
	write_file(KSM_DIR "sleep_millisecs", k->sleep_millisecs);
	write_file(KSM_DIR "pages_to_scan", k->pages_to_scan);
	write_file(KSM_DIR "run", k->run);
	k->saved = false;
}

static char proc_buf[64 << 20];

static void proc_path(char *out, size_t size, pid_t pid, const char *file)
{
	if (pid)
		snprintf(out, size, "/proc/%d/%s", pid, file);
	else
		snprintf(out, size, "/proc/self/%s", file);
}

int proc_maps(pid_t pid, struct proc_vma *vmas, size_t max)
{
	char path[64], *line, *next;
	struct proc_vma *v;
	ssize_t len;
	size_t n = 0;
	int pos;

	proc_path(path, sizeof(path), pid, "maps");
	len = read_file(path, proc_buf, sizeof(proc_buf));
	if (len < 0)
		return len;
	for (line = proc_buf; *line && n < max; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		v = &vmas[n];
		memset(v, 0, offsetof(struct proc_vma, path));
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &v->start, &v->end, v->perms, &v->offset, &v->major,
			   &v->minor, &v->inode, &pos) != 7)
			return -EINVAL;
		snprintf(v->path, sizeof(v->path), "%s", line + pos);
		snprintf(v->line, sizeof(v->line), "%s", line);
		if (!strcmp(v->path, "[vsyscall]"))
			continue;
		n++;
	}
	return n;
}

static char *status_line(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return (char *)p + klen + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

long long proc_status(pid_t pid, const char *key)
{
	static char buf[16384];
	char path[64], *val;

	proc_path(path, sizeof(path), pid, "status");
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	val = status_line(buf, key);
	return val ? strtoll(val, NULL, 10) : -1;
}

unsigned long long proc_stat_field(pid_t pid, int n)
{
	static char buf[4096];
	char path[64], *p;
	int field;

	proc_path(path, sizeof(path), pid, "stat");
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* comm (field 2) may hold spaces: count fields after its ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p += 2;
	for (field = 3; field < n && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

/* The smaps entry of the VMA starting at start, NUL-terminated in place. */
static char *smaps_entry(pid_t pid, uint64_t start)
{
	char path[64], head[32], *p, *end;
	int hlen;

	proc_path(path, sizeof(path), pid, "smaps");
	if (read_file(path, proc_buf, sizeof(proc_buf)) < 0)
		return NULL;
	hlen = snprintf(head, sizeof(head), "%08" PRIx64 "-", start);
	for (p = proc_buf; p && *p; ) {
		if (!strncmp(p, head, hlen))
			break;
		p = strstr(p, "VmFlags:");
		if (p)
			p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	end = strstr(p, "VmFlags:");
	if (end && (end = strchr(end, '\n')))
		*end = '\0';
	return p;
}

int proc_smaps_vmflags(pid_t pid, uint64_t start, char *out, size_t size)
{
	char *entry = smaps_entry(pid, start), *flags;

	if (!entry || !(flags = strstr(entry, "VmFlags:")))
		return -ENOENT;
	snprintf(out, size, "%s", flags + strlen("VmFlags:"));
	return 0;
}

long long proc_smaps_field(pid_t pid, uint64_t start, const char *key)
{
	char *entry = smaps_entry(pid, start), *val;

	if (!entry)
		return -1;
	val = status_line(strchr(entry, '\n') + 1, key);
	return val ? strtoll(val, NULL, 10) : -1;
}

/* fs/proc/task_mmu.c: show_smap_vma_flags() */
static const struct {
	const char *name, *mnemonic;
} mnemonics[] = {
	{ "VM_READ", "rd" }, { "VM_WRITE", "wr" }, { "VM_EXEC", "ex" },
	{ "VM_SHARED", "sh" }, { "VM_MAYREAD", "mr" }, { "VM_MAYWRITE", "mw" },
	{ "VM_MAYEXEC", "me" }, { "VM_MAYSHARE", "ms" }, { "VM_GROWSDOWN", "gd" },
	{ "VM_PFNMAP", "pf" }, { "VM_LOCKED", "lo" }, { "VM_IO", "io" },
	{ "VM_SEQ_READ", "sr" }, { "VM_RAND_READ", "rr" }, { "VM_DONTCOPY", "dc" },
	{ "VM_DONTEXPAND", "de" }, { "VM_LOCKONFAULT", "lf" }, { "VM_ACCOUNT", "ac" },
	{ "VM_NORESERVE", "nr" }, { "VM_HUGETLB", "ht" }, { "VM_SYNC", "sf" },
	{ "VM_PAT", "ar" }, { "VM_WIPEONFORK", "wf" }, { "VM_DONTDUMP", "dd" },
	{ "VM_SOFTDIRTY", "sd" }, { "VM_MIXEDMAP", "mm" }, { "VM_HUGEPAGE", "hg" },
	{ "VM_NOHUGEPAGE", "nh" }, { "VM_MERGEABLE", "mg" },
	{ "VM_UFFD_MISSING", "um" }, { "VM_UFFD_WP", "uw" }, { "VM_UFFD_MINOR", "ui" },
	{ "VM_SHADOW_STACK", "ss" }, { "VM_SEALED", "sl" },
};

const char *vm_flag_mnemonic(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mnemonics) / sizeof(mnemonics[0]); i++)
		if (!strcmp(mnemonics[i].name, name))
			return mnemonics[i].mnemonic;
	return NULL;
}

int open_target(pid_t pid)
{
	int fd, ret;

	fd = mms_open(NULL);
	if (fd < 0)
		return fd;
	ret = mms_set_target(fd, pid);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

bool vma_matches_proc(const struct mmscope_vma *v, const struct proc_vma *p)
{
	return v->start == p->start && v->end == p->end &&
	       !strcmp((const char *)v->perms, p->perms) && v->offset == p->offset &&
	       v->dev_major == p->major && v->dev_minor == p->minor &&
	       v->inode == p->inode && !strcmp((const char *)v->path, p->path);
}

pid_t unused_pid(void)
{
	pid_t pid;

	for (pid = 4000000; pid > 1000; pid -= 7919)
		if (kill(pid, 0) && errno == ESRCH)
			return pid;
	return -1;
}

int run_as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(99);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int pagemap_read(pid_t pid, uint64_t addr, size_t n, uint64_t *out)
{
	char path[64];
	ssize_t len;
	int fd;

	proc_path(path, sizeof(path), pid, "pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = pread(fd, out, n * 8, addr / 4096 * 8);
	close(fd);
	return len == (ssize_t)(n * 8) ? 0 : -EIO;
}

static uint64_t kpage_word(const char *file, uint64_t pfn)
{
	uint64_t word = ~0ULL;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (pread(fd, &word, 8, pfn * 8) != 8)
			word = ~0ULL;
		close(fd);
	}
	return word;
}

uint64_t kpageflags(uint64_t pfn)
{
	return kpage_word("/proc/kpageflags", pfn);
}

uint64_t kpagecount(uint64_t pfn)
{
	return kpage_word("/proc/kpagecount", pfn);
}

char *thp_region(size_t size, char **raw)
{
	size_t huge = 2UL << 20;
	char *mem;

	*raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return NULL;
	mem = (char *)(((uintptr_t)*raw + huge - 1) & ~(huge - 1));
	if (madvise(mem, size, MADV_HUGEPAGE)) {
		munmap(*raw, size + huge);
		return NULL;
	}
	memset(mem, 1, size);
	/* 6.1 keeps the MADV_HUGEPAGE part as a VMA of its own: read it there. */
	if (proc_smaps_field(0, (uintptr_t)mem, "AnonHugePages") <= 0) {
		munmap(*raw, size + huge);
		return NULL;
	}
	return mem;
}

bool thp_in_kernel(void)
{
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

int madvise_no_thp(void *p, size_t len)
{
	if (!madvise(p, len, MADV_NOHUGEPAGE))
		return 0;
	return thp_in_kernel() ? -1 : 0;
}

int pages_of(int fd, uint64_t start, uint64_t end, struct mmscope_page **recs)
{
	size_t n;
	int ret = mms_pages_all(fd, start, end, recs, &n);

	return ret ? ret : (int)n;
}

/*
 * Make fault injection (FAILSLAB, FAIL_PAGE_ALLOC) fail the allocations
 * of a task's next call quietly; false where the kernel has none.
 */
bool fault_injection_ready(void)
{
	static const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;

	if (access("/proc/thread-self/fail-nth", W_OK))
		return false;
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (write_file(knobs[i][0], knobs[i][1]))
			return false;
	return true;
}

int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

bool cpuinfo_flag(const char *flag)
{
	static char buf[1 << 16];
	char *line, *save, *tok;

	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) <= 0)
		return false;
	line = strstr(buf, "\nflags");
	if (!line)
		return false;
	line = strchr(line, ':');
	if (!line)
		return false;
	*strchrnul(line, '\n') = '\0';
	for (tok = strtok_r(line + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

pid_t start_child(uint64_t (*setup)(void *arg), void *arg, uint64_t *out)
{
	uint64_t v;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		close(p[0]);
		v = setup(arg);
		if (write(p[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &v, sizeof(v)) != sizeof(v)) {
		close(p[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	if (out)
		*out = v;
	return pid;
}

void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

pid_t fork_waiting(int wake[2])
{
	pid_t pid;
	char c;

	if (pipe2(wake, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		close(wake[1]);
		if (read(wake[0], &c, 1) != 1)
			_exit(1);
		close(wake[0]);
		return 0;
	}
	if (pid < 0) {
		close(wake[0]);
		close(wake[1]);
	}
	return pid;
}

int wake_child(int wake[2])
{
	/* Our read end is still open: a child that died is no SIGPIPE. */
	int ret = write(wake[1], "w", 1) == 1 ? 0 : -1;

	close(wake[0]);
	close(wake[1]);
	return ret;
}

static bool valid_page_size(uint64_t size)
{
	return size == 4096 || size == 2 << 20 || size == 1 << 30;
}

int page_record_check(const struct mmscope_page *p, const char *what, char *why, size_t size)
{
	if (p->state >= MMSCOPE_ENTRY_STATE_COUNT || p->cow >= MMSCOPE_COW_COUNT) {
		snprintf(why, size, "%s at %#llx: state %u, cow %u", what,
			 (unsigned long long)p->addr, p->state, p->cow);
		return -1;
	}
	if (p->state == MMSCOPE_ENTRY_NO_VMA && (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)) {
		snprintf(why, size, "%s at %#llx: no VMA, yet page state", what,
			 (unsigned long long)p->addr);
		return -1;
	}
	if (p->state == MMSCOPE_ENTRY_PRESENT &&
	    (!p->pfn || !valid_page_size(p->page_size) || p->size > p->page_size)) {
		snprintf(why, size, "%s at %#llx: present, pfn %#llx, page_size %#llx, size %#llx",
			 what, (unsigned long long)p->addr, (unsigned long long)p->pfn,
			 (unsigned long long)p->page_size, (unsigned long long)p->size);
		return -1;
	}
	return 0;
}

int records_check(const struct mmscope_page *recs, int n, uint64_t start, uint64_t end,
		  char *why, size_t size)
{
	uint64_t at = start;
	int i;

	for (i = 0; i < n; i++) {
		if (recs[i].addr != at || !recs[i].size || recs[i].size % 4096 ||
		    recs[i].addr + recs[i].size > end) {
			snprintf(why, size,
				 "pages [%#llx, %#llx): record %d of %d is [%#llx, +%#llx), expected at %#llx",
				 (unsigned long long)start, (unsigned long long)end, i, n,
				 (unsigned long long)recs[i].addr,
				 (unsigned long long)recs[i].size, (unsigned long long)at);
			return i + 1;
		}
		if (page_record_check(&recs[i], "pages", why, size))
			return i + 1;
		at += recs[i].size;
	}
	if (at != end) {
		snprintf(why, size, "pages [%#llx, %#llx): the records end at %#llx",
			 (unsigned long long)start, (unsigned long long)end,
			 (unsigned long long)at);
		return n + 1;
	}
	return 0;
}

int list_vmas(int fd, struct mmscope_vma *out, int max, int batch)
{
	struct mmscope_vmas req;
	uint64_t start = 0;
	int n = 0;

	for (;;) {
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.start = start;
		req.vmas_ptr = (uintptr_t)(out + n);
		req.vma_size = sizeof(*out);
		req.count = batch < max - n ? batch : max - n;
		if (!req.count)
			return -ENOSPC;
		if (ioctl(fd, MMSCOPE_IOC_VMAS, &req))
			return -errno;
		n += req.count;
		start = req.next;
		if (req.out_flags & MMSCOPE_VMAS_DONE)
			return n;
	}
}


const char *cli_path(void)
{
	const char *env = getenv("MMSCOPE_CLI");

	if (env)
		return env;
	return access("/bin/mmscope", X_OK) ? "../userspace-tools/mmscope/mmscope" : "/bin/mmscope";
}

bool swap_active(void)
{
	char swaps[4096];

	/* A header line, then one line per swap device. */
	return read_file("/proc/swaps", swaps, sizeof(swaps)) > 0 &&
	       strchr(swaps, '\n') && strchr(strchr(swaps, '\n') + 1, '/');
}

/* pagemap ORs the VMA's VM_SOFTDIRTY into every page's soft-dirty bit. */
bool vma_soft_dirty(int fd, uint64_t addr)
{
	static struct mmscope_vm_flag_names names;
	static uint64_t vm_softdirty;
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	int b;

	if (!vm_softdirty && !mms_vm_flag_names(fd, &names))
		for (b = 0; b < 64; b++)
			if (!strcmp((char *)names.names[b], "VM_SOFTDIRTY"))
				vm_softdirty = 1ULL << b;
	return !mms_lookup(fd, addr, &res, &vma) &&
	       (res.out_flags & MMSCOPE_LOOKUP_CONTAINS) && (vma.vm_flags & vm_softdirty);
}

uint64_t task_size(void)
{
	struct mmscope_mm_info info;
	int fd = open_target(getpid());
	uint64_t ts = 0;

	if (fd >= 0 && !mms_mm_info(fd, &info, NULL, NULL))
		ts = info.task_size;
	if (fd >= 0)
		close(fd);
	return ts;
}
