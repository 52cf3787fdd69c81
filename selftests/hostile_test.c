// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile targets and callers.
 *
 * target: a target that execs, exits, is OOM-killed in a small memory
 * cgroup, munmaps everything but one page of its own code, or munmaps big
 * regions, while we walk all of its address space with PAGES: each call
 * gives 0 or ESRCH.
 * caller_killed: callers SIGKILLed at random points of long PAGES calls;
 * then the target still maps and unmaps (no mmap lock left held), and
 * can still be walked.
 * sixteen_callers: 16 threads, a descriptor each, every query on one
 * changing target for a few seconds: every call succeeds.
 * userns: a user namespace's root is no one to mmscope: open() fails
 * with EACCES, and a descriptor opened before gets EPERM for every ioctl.
 * inject (kernels with fault injection): every allocation of every ioctl
 * and debugfs read fails in turn; each call ends in 0, ENOMEM or EFAULT.
 *
 * With MMSCOPE_HOSTILE_RMMOD=/path/mmscope.ko in the environment, this is
 * instead the VM's rmmod loop (run by /init after the tests): rmmod is
 * tried again and again while callers, debugfs readers and fault labs
 * come and go; it must succeed only when nothing is open or mapped. It
 * leaves the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define PAGE	4096UL
#define NREC	16384

static uint64_t xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* TASK_SIZE, or the 4-level one if MMSCOPE_IOC_MM_INFO fails. */
static uint64_t user_top(void)
{
	uint64_t ts = task_size();

	return ts ? ts : 1ULL << 47;
}

/* One PAGES call of [start, end) into recs; 0 or -errno, *next the cursor. */
static int pages_call(int fd, uint64_t start, uint64_t end, struct mmscope_page *recs,
		      uint32_t count, uint64_t *next, bool *done)
{
	struct mmscope_pages p = {
		.size = sizeof(p), .start = start, .end = end, .records_ptr = (uintptr_t)recs,
		.record_size = sizeof(*recs), .count = count,
	};

	if (ioctl(fd, MMSCOPE_IOC_PAGES, &p))
		return -errno;
	*next = p.next;
	*done = p.out_flags & MMSCOPE_PAGES_DONE;
	return 0;
}

/* Walk [0, ts) once, in calls of @count records; the first error. */
static int walk_all(int fd, uint64_t ts, struct mmscope_page *recs, uint32_t count,
		    unsigned long *ncalls)
{
	uint64_t start = 0, next = 0;
	bool done = false;
	int ret;

	while (!done) {
		ret = pages_call(fd, start, ts, recs, count, &next, &done);
		(*ncalls)++;
		if (ret)
			return ret;
		start = next;
	}
	return 0;
}

/* ---- the rmmod loop (a helper mode for /init) ----------------------------- */

#define RM_WORKERS 4

struct rm_shared {
	atomic_int holding[RM_WORKERS];		/* a file open or a lab mapped */
	atomic_int stop;
	atomic_ulong opens, labs, debugfs, gone;
};

static int rm_bad;

static void rm_worker(struct rm_shared *sh, int i)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (i + 1);
	struct mmscope_mm_info info;
	char buf[4096];
	char *p;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!atomic_load(&sh->stop)) {
		switch (xrand(&s) % 4) {
		case 0:	/* a caller */
		case 3:
			fd = open(MMSCOPE_DEVICE, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				atomic_fetch_add(&sh->gone, 1);
				break;
			}
			atomic_store(&sh->holding[i], 1);
			mms_set_target(fd, getpid());
			mms_mm_info(fd, &info, NULL, NULL);
			usleep(xrand(&s) % 2000);
			atomic_store(&sh->holding[i], 0);
			close(fd);
			atomic_fetch_add(&sh->opens, 1);
			break;
		case 1:	/* a lab that outlives its descriptor */
			fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PATTERN, 4 * PAGE, 0, NULL);
			if (fd < 0) {
				atomic_fetch_add(&sh->gone, 1);
				break;
			}
			atomic_store(&sh->holding[i], 1);
			p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
			close(fd);
			if (p != MAP_FAILED) {
				(void)*(volatile char *)p;
				usleep(xrand(&s) % 2000);
				atomic_store(&sh->holding[i], 0);
				munmap(p, 4 * PAGE);
			}
			atomic_store(&sh->holding[i], 0);
			atomic_fetch_add(&sh->labs, 1);
			break;
		case 2:	/* a debugfs reader */
			fd = open(DEBUGFS_DIR "/faultlab/stats", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				atomic_fetch_add(&sh->gone, 1);
				break;
			}
			atomic_store(&sh->holding[i], 2);
			usleep(xrand(&s) % 1000);
			if (read(fd, buf, sizeof(buf)) < 0 && errno != EIO)
				atomic_fetch_add(&sh->gone, 0);
			atomic_store(&sh->holding[i], 0);
			close(fd);
			atomic_fetch_add(&sh->debugfs, 1);
			break;
		}
		usleep(xrand(&s) % 500);
	}
	_exit(0);
}

static int rmmod_loop(const char *ko)
{
	struct rm_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long unloads = 0, refused = 0;
	uint64_t s = 12345;
	pid_t pids[RM_WORKERS];
	double end = now() + 10;
	int i, h, ret;

	if (sh == MAP_FAILED)
		return 1;
	if (!module_loaded("mmscope") && load_module(ko)) {
		printf("# FAILED: rmmod loop: cannot load %s\n", ko);
		return 1;
	}
	for (i = 0; i < RM_WORKERS; i++) {
		pids[i] = fork();
		if (!pids[i])
			rm_worker(sh, i);
	}
	while (now() < end) {
		usleep(xrand(&s) % 3000);
		if (!unload_module("mmscope")) {
			unloads++;
			/* Gone: nothing may have held a file or a mapping across it. */
			for (i = 0; i < RM_WORKERS; i++) {
				h = atomic_load(&sh->holding[i]);
				if (h) {
					printf("# FAILED: rmmod succeeded while worker %d held %s\n",
					       i, h == 2 ? "a debugfs file" : "a file or a mapping");
					rm_bad++;
				}
			}
			usleep(xrand(&s) % 3000);
			ret = load_module(ko);
			if (ret) {
				printf("# FAILED: reload after rmmod: %s\n", strerror(-ret));
				rm_bad++;
				break;
			}
		} else if (errno == EWOULDBLOCK || errno == EBUSY) {
			refused++;
		} else {
			printf("# FAILED: rmmod: %s\n", strerror(errno));
			rm_bad++;
			break;
		}
	}
	atomic_store(&sh->stop, 1);
	for (i = 0; i < RM_WORKERS; i++)
		waitpid(pids[i], NULL, 0);
	/* Nothing is open now: rmmod must work, then the module comes back. */
	if (module_loaded("mmscope") && unload_module("mmscope")) {
		printf("# FAILED: rmmod with nothing open: %s\n", strerror(errno));
		rm_bad++;
	}
	if (!module_loaded("mmscope") && (ret = load_module(ko))) {
		printf("# FAILED: final reload: %s\n", strerror(-ret));
		rm_bad++;
	}
	printf("# %s: rmmod loop: %lu unloads, %lu refusals in 10 s; workers: %lu callers, "
	       "%lu labs, %lu debugfs reads, %lu opens of a module gone\n",
	       rm_bad ? "FAILED" : "ok", unloads, refused, atomic_load(&sh->opens),
	       atomic_load(&sh->labs), atomic_load(&sh->debugfs), atomic_load(&sh->gone));
	if (!unloads || !refused) {
		printf("# FAILED: the loop must see both unloads and refusals\n");
		rm_bad++;
	}
	return rm_bad ? 1 : 0;
}

/* An exec()ed target: map, touch, linger, exit. */
static void exec_child(void)
{
	char *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		memset(p, 1, 8 << 20);
	usleep(100000);
	_exit(0);
}

__attribute__((constructor)) static void helper_modes(void)
{
	const char *ko = getenv("MMSCOPE_HOSTILE_RMMOD");

	if (getenv("MMSCOPE_HOSTILE_EXECED"))
		exec_child();
	if (ko)
		exit(rmmod_loop(ko));
}

/* ---- targets that go away ------------------------------------------------- */

/*
 * In a page of its own: unmap all of the address space but this page,
 * then map, write and unmap 2 MiB forever, with no stack (rdi: the page).
 */
__attribute__((noipa, noreturn, aligned(4096)))
static void island(unsigned long page, unsigned long ts)
{
	asm volatile(
		"mov %0, %%r12\n\t"
		"mov %1, %%r13\n\t"
		"mov $11, %%eax\n\t"		/* munmap(0, page) */
		"xor %%edi, %%edi\n\t"
		"mov %%r12, %%rsi\n\t"
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 9f\n\t"
		"mov $11, %%eax\n\t"		/* munmap(page + 4096, ts - page - 4096) */
		"lea 4096(%%r12), %%rdi\n\t"
		"mov %%r13, %%rsi\n\t"
		"sub %%rdi, %%rsi\n\t"
		"syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 9f\n\t"
		"1:\n\t"
		"mov $9, %%eax\n\t"		/* mmap(0, 2M, RW, PRIVATE|ANON, -1, 0) */
		"xor %%edi, %%edi\n\t"
		"mov $0x200000, %%esi\n\t"
		"mov $3, %%edx\n\t"
		"mov $0x22, %%r10d\n\t"
		"mov $-1, %%r8\n\t"
		"xor %%r9d, %%r9d\n\t"
		"syscall\n\t"
		"cmp $-4096, %%rax\n\t"
		"ja 1b\n\t"
		"movb $1, (%%rax)\n\t"
		"movb $1, 0x100000(%%rax)\n\t"
		"mov %%rax, %%rdi\n\t"
		"mov $11, %%eax\n\t"		/* munmap(it, 2M) */
		"mov $0x200000, %%esi\n\t"
		"syscall\n\t"
		"jmp 1b\n\t"
		"9:\n\t"
		"mov $60, %%eax\n\t"		/* exit(9) */
		"mov $9, %%edi\n\t"
		"syscall\n\t"
		: : "r"(page), "r"(ts)
		: "rax", "rdi", "rsi", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "rcx",
		  "memory");
	__builtin_unreachable();
}

enum hostile { EXEC, EXIT, OOM, MUNMAP_ALL, MUNMAP_BIG };

#define CG "/sys/fs/cgroup"
#define CG_DIR CG "/mmscope_hostile"

/* A small memory cgroup without swap; NULL, or why there is none. */
static const char *cgroup_setup(void)
{
	char buf[256];

	if (access(CG "/cgroup.controllers", F_OK)) {
		mkdir(CG, 0755);
		if (mount("none", CG, "cgroup2", 0, NULL))
			return "cannot mount cgroup2";
	}
	if (read_file(CG "/cgroup.controllers", buf, sizeof(buf)) < 0 || !strstr(buf, "memory"))
		return "no memory controller";
	if (write_file(CG "/cgroup.subtree_control", "+memory"))
		return "cannot enable the memory controller";
	rmdir(CG_DIR);
	if (mkdir(CG_DIR, 0755) && errno != EEXIST)
		return "cannot create a cgroup";
	if (write_file(CG_DIR "/memory.max", "16M"))
		return "cannot set memory.max";
	if (!access(CG_DIR "/memory.swap.max", F_OK))
		write_file(CG_DIR "/memory.swap.max", "0");
	return NULL;
}

/* The target: populate, say so, then do its hostile thing after @delay_us. */
static void target_child(enum hostile how, int ready_fd, unsigned int delay_us,
			 uint64_t ts, const char *self)
{
	size_t len = how == OOM ? 4 << 20 : 16 << 20;	/* the cgroup allows 16M */
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *argv[] = { "hostile_test", NULL };
	char *envp[] = { "MMSCOPE_HOSTILE_EXECED=1", NULL };
	char pid[16];
	size_t i;

	if (how == OOM) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_file(CG_DIR "/cgroup.procs", pid))
			_exit(3);
	}
	if (p == MAP_FAILED)
		_exit(2);
	memset(p, 1, len);
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	usleep(delay_us);
	switch (how) {
	case EXEC:
		execve(self, argv, envp);
		_exit(4);
	case EXIT:
		_exit(0);
	case OOM:
		for (;;) {	/* until the OOM killer comes */
			p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p != MAP_FAILED)
				for (i = 0; i < 1 << 20; i += PAGE)
					p[i] = 1;
		}
	case MUNMAP_ALL:
		/* glibc's rseq area goes too: a kernel that updates it would SIGSEGV us. */
		/* (glibc registers 32 bytes, whatever __rseq_size says) */
		if (__rseq_size &&
		    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
			    __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
			syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
				32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
		island((uintptr_t)island & ~(PAGE - 1), ts);
	case MUNMAP_BIG:
		for (i = 0; i < len; i += 2 << 20) {
			munmap(p + i, 2 << 20);
			usleep(1000);
		}
		munmap(NULL, (uintptr_t)p);		/* all below it */
		for (;;)
			pause();
	}
	_exit(1);
}

FIXTURE(target) {
	struct mmscope_page *recs;
	uint64_t ts;
	char self[256];
};

FIXTURE_VARIANT(target) {
	enum hostile how;
};

FIXTURE_VARIANT_ADD(target, execs) { .how = EXEC };
FIXTURE_VARIANT_ADD(target, exits) { .how = EXIT };
FIXTURE_VARIANT_ADD(target, oom_killed) { .how = OOM };
FIXTURE_VARIANT_ADD(target, munmaps_everything) { .how = MUNMAP_ALL };
FIXTURE_VARIANT_ADD(target, munmaps_big_regions) { .how = MUNMAP_BIG };

FIXTURE_SETUP(target)
{
	ssize_t n;

	self->recs = calloc(NREC, sizeof(*self->recs));
	ASSERT_NE(NULL, self->recs);
	self->ts = user_top();
	n = readlink("/proc/self/exe", self->self, sizeof(self->self) - 1);
	ASSERT_GT(n, 0);
	self->self[n] = 0;
}

FIXTURE_TEARDOWN(target)
{
	free(self->recs);
	if (variant->how == OOM)
		rmdir(CG_DIR);
}

TEST_F_TIMEOUT(target, goes_away_during_pages, 120)
{
	unsigned long ncalls = 0, ok = 0, esrch = 0, round;
	uint64_t seed = 42 + variant->how;
	int status, ret, fd, pfd[2];
	bool killed_by_oom = false;
	const char *why;
	double until;
	pid_t pid;
	char c;

	if (variant->how == OOM && (why = cgroup_setup()))
		SKIP(return, "%s", why);
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			close(pfd[0]);
			target_child(variant->how, pfd[1], xrand(&seed) % 100000, self->ts, self->self);
		}
		close(pfd[1]);
		fd = open_target(pid);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(1, read(pfd[0], &c, 1));
		close(pfd[0]);
		/*
		 * Walk it all, over and over, until it is gone (or for 1 s; an
		 * OOM target until its cgroup kills it: under KASAN on a loaded
		 * host, filling 16M took longer than a second).
		 */
		until = now() + (variant->how == OOM ? 45 : 1);
		do {
			ret = walk_all(fd, self->ts, self->recs, 1 + xrand(&seed) % NREC, &ncalls);
			if (!ret)
				ok++;
			else if (ret == -ESRCH)
				esrch++;
			else
				EXPECT_EQ(0, ret) TH_LOG("round %lu: PAGES said %s", round, strerror(-ret));
		} while (ret != -ESRCH && now() < until);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (variant->how == OOM && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
		    ret == -ESRCH)
			killed_by_oom = true;
		if (variant->how == MUNMAP_ALL)	/* it unmapped all but its island and lived */
			EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("the island exited %d", WEXITSTATUS(status));
		close(fd);
	}
	TH_LOG("%lu PAGES calls, %lu whole walks, %lu ended in ESRCH", ncalls, ok, esrch);
	if (variant->how == OOM) {
		char ev[512];

		read_file(CG_DIR "/memory.events", ev, sizeof(ev));
		EXPECT_TRUE(killed_by_oom || strstr(ev, "oom_kill 0") == NULL) TH_LOG("%s", ev);
	}
}

/* ---- callers killed mid-call --------------------------------------------- */

FIXTURE(hostile) {
	int unused;
};

FIXTURE_SETUP(hostile)
{
}

FIXTURE_TEARDOWN(hostile)
{
}

/* A target with memory that maps and unmaps when asked ('m'), then says 'k'. */
static void obedient_target(int cmd_fd, int reply_fd)
{
	size_t len = 16 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (p != MAP_FAILED)
		memset(p, 1, len);
	if (write(reply_fd, "r", 1) != 1)
		_exit(1);
	while (read(cmd_fd, &c, 1) == 1) {
		for (i = 0; i < 10; i++) {
			void *q = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q == MAP_FAILED)
				_exit(2);
			memset(q, 1, 4096);
			munmap(q, 1 << 20);
		}
		if (mprotect(p, PAGE, PROT_READ) || mprotect(p, PAGE, PROT_READ | PROT_WRITE))
			_exit(3);
		if (write(reply_fd, "k", 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* Ask the target to map and unmap; false if it did not answer in 10 s. */
static bool target_maps(int cmd_fd, int reply_fd)
{
	struct pollfd pl = { .fd = reply_fd, .events = POLLIN };
	char c;

	if (write(cmd_fd, "m", 1) != 1)
		return false;
	return poll(&pl, 1, 10000) == 1 && read(reply_fd, &c, 1) == 1 && c == 'k';
}

TEST_F_TIMEOUT(hostile, caller_killed, 120)
{
	struct mmscope_page *recs = calloc(NREC, sizeof(*recs));
	int cmd[2], reply[2], fd, status, i, round;
	unsigned long ncalls = 0;
	uint64_t ts = user_top(), seed = 7;
	struct mmscope_mm_info info;
	pid_t target, caller;
	char c;

	ASSERT_NE(NULL, recs);
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(reply));
	target = fork();
	ASSERT_GE(target, 0);
	if (!target) {
		close(cmd[1]);
		close(reply[0]);
		obedient_target(cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	ASSERT_EQ(1, read(reply[0], &c, 1));

	for (round = 0; round < 20; round++) {
		caller = fork();
		ASSERT_GE(caller, 0);
		if (!caller) {
			uint64_t s = round + 1;

			fd = open_target(target);
			if (fd < 0)
				_exit(1);
			for (;;) {
				walk_all(fd, ts, recs, 1 + xrand(&s) % NREC, &ncalls);
				if (xrand(&s) % 4 == 0) {
					struct mmscope_walk w;

					mms_walk(fd, xrand(&s) % ts, &w);
				}
			}
		}
		usleep(1000 + xrand(&seed) % 50000);
		kill(caller, SIGKILL);
		for (i = 0; i < 1000 && waitpid(caller, &status, WNOHANG) == 0; i++)
			usleep(10000);
		ASSERT_LT(i, 1000) TH_LOG("round %d: a caller ignored SIGKILL for 10 s", round);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* No lock left held: the target can map and unmap. */
		ASSERT_TRUE(target_maps(cmd[1], reply[0]))
			TH_LOG("round %d: the target could not mmap/munmap after its caller was killed",
			       round);
	}

	/* The target can still be walked, and the module still answers. */
	fd = open_target(target);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, walk_all(fd, ts, recs, NREC, &ncalls));
	EXPECT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(target, info.pid);
	close(fd);
	close(cmd[1]);		/* it exits at EOF */
	for (i = 0; i < 1000 && waitpid(target, &status, WNOHANG) == 0; i++)
		usleep(10000);
	EXPECT_LT(i, 1000) TH_LOG("the target did not exit");
	if (i == 1000) {
		kill(target, SIGKILL);
		waitpid(target, &status, 0);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(reply[0]);
	free(recs);
}

/* ---- sixteen callers, one target ------------------------------------------ */

struct caller {
	pid_t target;
	uint64_t ts;
	double until;
	unsigned long calls, failed;
	int first_err, first_cmd;
};

static void *sixteen_one(void *arg)
{
	struct caller *c = arg;
	struct mmscope_page *recs = calloc(256, sizeof(*recs));
	struct mmscope_vma *vmas = calloc(16, sizeof(*vmas));
	struct mmscope_faultlab_event ev[16];
	struct mmscope_vm_flag_names *names = calloc(1, sizeof(*names));
	struct mmscope_faultlab_stats st;
	struct mmscope_mm_user users[64];
	struct mmscope_mm_info info;
	struct mmscope_lookup l;
	struct mmscope_walk w;
	uint64_t s = (uintptr_t)c, next, start;
	uint32_t n;
	bool done;
	int fd = open_target(c->target), k, ret;

	if (fd < 0 || !recs || !vmas || !names) {
		c->failed++;
		c->first_err = fd < 0 ? -fd : ENOMEM;
		return NULL;
	}
	while (now() < c->until) {
		k = xrand(&s) % 8;
		switch (k) {
		case 0:
			n = 64;
			ret = mms_mm_info(fd, &info, users, &n);
			break;
		case 1: {
			struct mmscope_vmas v = { .size = sizeof(v), .count = 16,
				.vma_size = sizeof(*vmas), .vmas_ptr = (uintptr_t)vmas,
				.start = xrand(&s) % c->ts };

			ret = ioctl(fd, MMSCOPE_IOC_VMAS, &v) ? -errno : 0;
			break;
		}
		case 2:
			ret = mms_lookup(fd, xrand(&s) % c->ts, &l, vmas);
			break;
		case 3:
			ret = mms_vm_flag_names(fd, names);
			break;
		case 4:
			ret = mms_walk(fd, xrand(&s) % c->ts, &w);
			break;
		case 5:
			start = xrand(&s) % 3 ? 0 : xrand(&s) % c->ts;
			ret = pages_call(fd, start, c->ts, recs, 256, &next, &done);
			break;
		case 6:
			ret = mms_faultlab_stats(fd, &st);
			break;
		default:
			n = 16;
			ret = mms_faultlab_log(fd, 0, 0, ev, &n, NULL, NULL);
		}
		c->calls++;
		if (ret) {
			if (!c->failed++)
				c->first_err = -ret, c->first_cmd = k;
		}
	}
	close(fd);
	free(recs);
	free(vmas);
	free(names);
	return NULL;
}

static void *churn_maps(void *arg)
{
	uint64_t s = (uintptr_t)arg;

	for (;;) {
		char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			continue;
		memset(p, 1, (xrand(&s) % 1024) * PAGE);
		mprotect(p + PAGE * (xrand(&s) % 1024), PAGE, PROT_READ);
		madvise(p, 2 << 20, MADV_DONTNEED);
		munmap(p, 4 << 20);
	}
	return NULL;
}

TEST_F_TIMEOUT(hostile, sixteen_callers, 60)
{
	struct caller c[16];
	pthread_t t[16];
	unsigned long total = 0;
	pid_t target;
	int i;

	target = fork();
	ASSERT_GE(target, 0);
	if (!target) {
		pthread_t ct[3];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < 3; i++)
			pthread_create(&ct[i], NULL, churn_maps, (void *)(uintptr_t)(i + 1));
		churn_maps((void *)99);
	}
	usleep(100000);
	for (i = 0; i < 16; i++) {
		c[i] = (struct caller){ .target = target, .ts = user_top(), .until = now() + 3 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, sixteen_one, &c[i]));
	}
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		total += c[i].calls;
		EXPECT_EQ(0, c[i].failed) TH_LOG("caller %d: %lu of %lu calls failed, first: query %d, %s",
						 i, c[i].failed, c[i].calls, c[i].first_cmd,
						 strerror(c[i].first_err));
	}
	TH_LOG("16 callers: %lu calls in 3 s", total);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}

/* ---- a user namespace's root ---------------------------------------------- */

/* Every command, with a request that root would get an answer to. */
static int every_ioctl_eperm(int fd)
{
	static union {
		struct mmscope_set_target t;
		struct mmscope_mm_info m;
		struct mmscope_vmas v;
		struct mmscope_lookup l;
		struct mmscope_vm_flag_names n;
		struct mmscope_walk w;
		struct mmscope_pages p;
		struct mmscope_faultlab_setup s;
		struct mmscope_faultlab_stats st;
		struct mmscope_faultlab_log g;
	} u;
	static struct mmscope_vma vma;
	static struct mmscope_page pg;
	static struct mmscope_faultlab_event ev;
	static const unsigned long cmds[] = {
		MMSCOPE_IOC_SET_TARGET, MMSCOPE_IOC_MM_INFO, MMSCOPE_IOC_VMAS,
		MMSCOPE_IOC_LOOKUP, MMSCOPE_IOC_VM_FLAG_NAMES, MMSCOPE_IOC_WALK,
		MMSCOPE_IOC_PAGES, MMSCOPE_IOC_FAULTLAB_SETUP, MMSCOPE_IOC_FAULTLAB_STATS,
		MMSCOPE_IOC_FAULTLAB_LOG,
	};
	int i, bad = 0;

	for (i = 0; i < 10; i++) {
		memset(&u, 0, sizeof(u));
		switch (i) {
		case 0: u.t = (struct mmscope_set_target){ sizeof(u.t), 0, getpid(), 0 }; break;
		case 1: u.m.size = sizeof(u.m); break;
		case 2: u.v = (struct mmscope_vmas){ .size = sizeof(u.v), .count = 1,
				.vma_size = sizeof(vma), .vmas_ptr = (uintptr_t)&vma }; break;
		case 3: u.l = (struct mmscope_lookup){ .size = sizeof(u.l), .addr = (uintptr_t)&u }; break;
		case 4: u.n.size = sizeof(u.n); break;
		case 5: u.w = (struct mmscope_walk){ .size = sizeof(u.w), .addr = (uintptr_t)&u }; break;
		case 6: u.p = (struct mmscope_pages){ .size = sizeof(u.p), .end = 1 << 30, .count = 1,
				.record_size = sizeof(pg), .records_ptr = (uintptr_t)&pg }; break;
		case 7: u.s = (struct mmscope_faultlab_setup){ .size = sizeof(u.s),
				.mode = MMSCOPE_FAULTLAB_PAGE, .length = PAGE }; break;
		case 8: u.st.size = sizeof(u.st); break;
		case 9: u.g = (struct mmscope_faultlab_log){ .size = sizeof(u.g), .count = 1,
				.event_size = sizeof(ev), .events_ptr = (uintptr_t)&ev }; break;
		}
		if (ioctl(fd, cmds[i], &u) == 0 || errno != EPERM) {
			fprintf(stderr, "# ioctl %d in a user namespace: %s\n", i,
				errno == EPERM ? "success" : strerror(errno));
			bad |= 1 << i;
		}
	}
	return bad;
}

static int write_id_map(const char *file, const char *map)
{
	return write_file(file, map);
}

/*
 * In a child: open as real root, drop to @uid (65534: an unprivileged
 * user; 0: stay root), unshare a user namespace whose root is @uid, then
 * try. Exit 0 when all is as expected, 4 when user namespaces are off.
 */
static int userns_child(uid_t uid, int *open_err)
{
	char map[32];
	int fd, fd2, bad = 0;

	fd = open(MMSCOPE_DEVICE, O_RDWR);
	if (fd < 0)
		return 10;
	if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
		return 11;
	/* setuid() made us undumpable: /proc/self/uid_map would be root's. */
	prctl(PR_SET_DUMPABLE, 1);
	if (unshare(CLONE_NEWUSER))
		return 4;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_id_map("/proc/self/uid_map", map) || write_id_map("/proc/self/gid_map", map))
		return 12;
	if (getuid() != 0)
		return 13;
	fd2 = open(MMSCOPE_DEVICE, O_RDWR);
	*open_err = fd2 < 0 ? errno : 0;
	if (fd2 >= 0) {
		bad |= every_ioctl_eperm(fd2) << 8;
		close(fd2);
	}
	bad |= every_ioctl_eperm(fd);
	/* debugfs: the directory's DAC (0700) or mmscope's own check. */
	fd2 = open(DEBUGFS_DIR "/maps", O_RDONLY);
	if (fd2 >= 0 || (errno != EACCES && errno != EPERM)) {
		fprintf(stderr, "# debugfs maps in a user namespace: %s\n",
			fd2 >= 0 ? "opened" : strerror(errno));
		bad |= 1 << 20;
	}
	return bad ? 20 : 0;
}

TEST_F(hostile, userns)
{
	static const uid_t uids[] = { 65534, 0 };
	char old[16] = "";
	bool have_knob;
	int i, status, pfd[2], err;
	pid_t pid;

	/* Debian's switch for unprivileged user namespaces. */
	have_knob = read_file("/proc/sys/kernel/unprivileged_userns_clone", old, sizeof(old)) > 0;
	if (have_knob)
		write_file("/proc/sys/kernel/unprivileged_userns_clone", "1");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			int e = -1, rc = userns_child(uids[i], &e);

			if (write(pfd[1], &e, sizeof(e)) != sizeof(e))
				rc = 14;
			_exit(rc);
		}
		close(pfd[1]);
		err = -1;
		if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
			err = -1;
		close(pfd[0]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		if (WEXITSTATUS(status) == 4) {
			if (have_knob)
				write_file("/proc/sys/kernel/unprivileged_userns_clone", old);
			SKIP(return, "no user namespaces for uid %u", uids[i]);
		}
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("uid %u: see the lines above", uids[i]);
		if (uids[i]) {
			/* The node's owner (0) is not mapped: no DAC override there. */
			EXPECT_EQ(EACCES, err) TH_LOG("open as the root of a namespace of uid %u: %s",
						      uids[i], err ? strerror(err) : "success");
		} else {
			/* Still uid 0 outside: the 0600 node lets its owner open it. */
			TH_LOG("root mapped to root in a new user namespace: open %s, every ioctl EPERM",
			       err ? strerror(err) : "succeeds");
		}
	}
	if (have_knob)
		write_file("/proc/sys/kernel/unprivileged_userns_clone", old);
}

/* ---- every allocation fails in turn ---------------------------------------- */

#define NOPS 20

struct inject_ctx {
	int fd;			/* target: ourselves; a lab with events */
	struct mmscope_page *recs;
	struct mmscope_vma *vmas;
	struct mmscope_mm_user users[8];
	struct mmscope_faultlab_event ev[64];
	struct mmscope_vm_flag_names names;
	char buf[65536];
};

static const char *const op_names[NOPS] = {
	"SET_TARGET", "MM_INFO", "VMAS", "LOOKUP", "VM_FLAG_NAMES", "WALK", "PAGES",
	"FAULTLAB_SETUP", "FAULTLAB_STATS", "FAULTLAB_LOG", "open", "debugfs target",
	"debugfs mm", "debugfs maps", "debugfs lookup", "debugfs pagetable", "debugfs pages",
	"debugfs faultlab/log", "SMAPS", "debugfs smaps",
};

static int debugfs_read(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd, ret = 0;

	snprintf(path, sizeof(path), DEBUGFS_DIR "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, size)) > 0)
		;
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Operation @op, on its own (a lab setup gets a fresh file); 0 or -errno. */
static int inject_op(struct inject_ctx *c, int op, int spare)
{
	struct mmscope_mm_info info;
	struct mmscope_faultlab_stats st;
	struct mmscope_lookup l;
	struct mmscope_walk w;
	uint64_t next;
	uint32_t n;
	bool done;
	int fd, ret;

	switch (op) {
	case 0:
		return mms_set_target(c->fd, getpid());
	case 1:
		n = 8;
		return mms_mm_info(c->fd, &info, c->users, &n);
	case 2: {
		struct mmscope_vmas v = { .size = sizeof(v), .count = 64,
			.vma_size = sizeof(*c->vmas), .vmas_ptr = (uintptr_t)c->vmas };

		return ioctl(c->fd, MMSCOPE_IOC_VMAS, &v) ? -errno : 0;
	}
	case 3:
		return mms_lookup(c->fd, (uintptr_t)c, &l, c->vmas);
	case 4:
		return mms_vm_flag_names(c->fd, &c->names);
	case 5:
		return mms_walk(c->fd, (uintptr_t)c->buf, &w);
	case 6:
		return pages_call(c->fd, 0, 1ULL << 47, c->recs, 4096, &next, &done);
	case 7:
		return mms_faultlab_setup(spare, MMSCOPE_FAULTLAB_PAGE, 4 * PAGE, 0, NULL);
	case 8:
		return mms_faultlab_stats(c->fd, &st);
	case 9:
		n = 64;
		return mms_faultlab_log(c->fd, MMSCOPE_FAULTLAB_LOG_THIS_LAB, 0, c->ev, &n,
					NULL, NULL);
	case 10:
		fd = open(MMSCOPE_DEVICE, O_RDWR);
		ret = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		return ret;
	case 11:
		return debugfs_read("target", c->buf, sizeof(c->buf));
	case 12:
		return debugfs_read("mm", c->buf, sizeof(c->buf));
	case 13:
		return debugfs_read("maps", c->buf, sizeof(c->buf));
	case 14:
		return debugfs_read("lookup", c->buf, sizeof(c->buf));
	case 15:
		return debugfs_read("pagetable", c->buf, sizeof(c->buf));
	case 16:
		return debugfs_read("pages", c->buf, sizeof(c->buf));
	case 18: {
		struct mmscope_smaps sm = { .size = sizeof(sm),
			.count = sizeof(c->buf) / sizeof(struct mmscope_smaps_vma),
			.record_size = sizeof(struct mmscope_smaps_vma),
			.records_ptr = (uintptr_t)c->buf };

		return ioctl(c->fd, MMSCOPE_IOC_SMAPS, &sm) ? -errno : 0;
	}
	case 19:
		return debugfs_read("smaps", c->buf, sizeof(c->buf));
	default:
		return debugfs_read("faultlab/log", c->buf, sizeof(c->buf));
	}
}

static void lab_census(uint32_t *labs)
{
	struct mmscope_faultlab_stats st;
	int fd = mms_open(NULL);

	*labs = ~0U;
	if (fd >= 0 && !mms_faultlab_stats(fd, &st))
		*labs = st.labs;
	if (fd >= 0)
		close(fd);
}

TEST_F_TIMEOUT(hostile, inject, 600)
{
	struct inject_ctx *c = calloc(1, sizeof(*c));
	unsigned int op, nth, total = 0;
	uint32_t labs0, labs;
	char left[16], addr[64];
	int nfd, ret, spare, bad;
	volatile char *p;

	ASSERT_NE(NULL, c);
	if (!fault_injection_ready())
		SKIP(return, "no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC)");
	c->recs = calloc(4096, sizeof(*c->recs));
	c->vmas = calloc(64, sizeof(*c->vmas));
	ASSERT_NE(NULL, c->recs);
	ASSERT_NE(NULL, c->vmas);
	/* Touch every buffer now: a user copy then needs no page table. */
	memset(c->recs, 0, 4096 * sizeof(*c->recs));
	memset(c->vmas, 0, 64 * sizeof(*c->vmas));
	lab_census(&labs0);

	/* Our own lab with events, and every debugfs file aimed at us. */
	c->fd = mms_faultlab_open(MMSCOPE_FAULTLAB_PAGE, 4 * PAGE, 0, NULL);
	ASSERT_GE(c->fd, 0);
	ASSERT_EQ(0, mms_set_target(c->fd, getpid()));
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, c->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[0];
	(void)p[3 * PAGE];
	snprintf(addr, sizeof(addr), "%d", getpid());
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/target", addr));
	snprintf(addr, sizeof(addr), "%p", (void *)c);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/lookup", addr));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pagetable", addr));
	snprintf(addr, sizeof(addr), "%p-%p", (void *)c->recs, (void *)(c->recs + 4096));
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/pages", addr));
	/* Warm up every path once, so that nothing allocates for the first time. */
	for (op = 0; op < NOPS; op++) {
		spare = mms_open_rw(NULL);
		ASSERT_GE(spare, 0);
		ret = inject_op(c, op, spare);
		close(spare);
		EXPECT_EQ(0, ret) TH_LOG("%s without injection: %s", op_names[op], strerror(-ret));
	}

	nfd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_GE(nfd, 0);
	for (op = 0; op < NOPS; op++) {
		for (nth = 1; nth < 2000; nth++) {
			spare = mms_open_rw(NULL);
			ASSERT_GE(spare, 0);
			snprintf(left, sizeof(left), "%u", nth);
			ASSERT_LT(0, pwrite(nfd, left, strlen(left), 0));
			ret = inject_op(c, op, spare);
			memset(left, 0, sizeof(left));
			ASSERT_LT(0, pread(nfd, left, sizeof(left) - 1, 0));
			ASSERT_LT(0, pwrite(nfd, "0", 1, 0));
			close(spare);
			bad = ret && ret != -ENOMEM && ret != -EFAULT;
			EXPECT_FALSE(bad) TH_LOG("%s: allocation %u failed, and the call said %s",
						 op_names[op], nth, strerror(-ret));
			if (atoi(left) > 0)
				break;	/* not injected: every allocation has failed once */
			total++;
		}
		/* And it works again. */
		spare = mms_open_rw(NULL);
		ASSERT_GE(spare, 0);
		ret = inject_op(c, op, spare);
		close(spare);
		EXPECT_EQ(0, ret) TH_LOG("%s after injection: %s", op_names[op], strerror(-ret));
	}
	close(nfd);
	TH_LOG("%u allocations failed in turn over %d operations", total, NOPS);
	munmap((void *)p, 4 * PAGE);
	close(c->fd);
	lab_census(&labs);
	EXPECT_EQ(labs0, labs);
	free(c->recs);
	free(c->vmas);
	free(c);
}

TEST_HARNESS_MAIN
