// SPDX-License-Identifier: GPL-2.0
/*
 * The mm_struct summary against /proc/PID/stat, /proc/PID/status and
 * /proc/PID/maps, and the list of tasks sharing an mm.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define KB(pages) ((long long)(pages) * (getpagesize() / 1024))

struct status_snapshot {
	long long vm_size, vm_peak, vm_lck, vm_pin, vm_hwm, vm_rss, rss_anon;
	long long rss_file, rss_shmem, vm_data, vm_stk, vm_exe, vm_swap, vm_pte;
};

static void read_status(pid_t pid, struct status_snapshot *s)
{
	s->vm_size = proc_status(pid, "VmSize");
	s->vm_peak = proc_status(pid, "VmPeak");
	s->vm_lck = proc_status(pid, "VmLck");
	s->vm_pin = proc_status(pid, "VmPin");
	s->vm_hwm = proc_status(pid, "VmHWM");
	s->vm_rss = proc_status(pid, "VmRSS");
	s->rss_anon = proc_status(pid, "RssAnon");
	s->rss_file = proc_status(pid, "RssFile");
	s->rss_shmem = proc_status(pid, "RssShmem");
	s->vm_data = proc_status(pid, "VmData");
	s->vm_stk = proc_status(pid, "VmStk");
	s->vm_exe = proc_status(pid, "VmExe");
	s->vm_swap = proc_status(pid, "VmSwap");
	s->vm_pte = proc_status(pid, "VmPTE");
}

/* What /proc/PID/status would print for the mm mmscope reported. */
static void status_of(const struct mmscope_mm_info *m, struct status_snapshot *s)
{
	unsigned long long text;

	/* fs/proc/task_mmu.c: task_mem() */
	text = ((m->end_code + 4095) & ~4095ULL) - (m->start_code & ~4095ULL);
	if (text > m->exec_vm * getpagesize())
		text = m->exec_vm * getpagesize();
	s->vm_size = KB(m->total_vm);
	s->vm_peak = KB(m->hiwater_vm);
	s->vm_lck = KB(m->locked_vm);
	s->vm_pin = KB(m->pinned_vm);
	s->vm_hwm = KB(m->hiwater_rss);
	s->vm_rss = KB(m->rss_anon + m->rss_file + m->rss_shmem);
	s->rss_anon = KB(m->rss_anon);
	s->rss_file = KB(m->rss_file);
	s->rss_shmem = KB(m->rss_shmem);
	s->vm_data = KB(m->data_vm);
	s->vm_stk = KB(m->stack_vm);
	s->vm_exe = text >> 10;
	s->vm_swap = KB(m->swap_ents);
	s->vm_pte = m->pgtables_bytes >> 10;
}

/*
 * mmscope, then the oracle, then mmscope again: the two agree when nothing
 * changed in between, and then the oracle must agree too. Retry otherwise.
 */
static bool stable_snapshot(int fd, pid_t pid, struct mmscope_mm_info *m,
			    struct status_snapshot *proc)
{
	struct mmscope_mm_info again;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		if (mms_mm_info(fd, m, NULL, NULL))
			return false;
		read_status(pid, proc);
		if (mms_mm_info(fd, &again, NULL, NULL))
			return false;
		if (!memcmp(m, &again, sizeof(again)))
			return true;
	}
	return false;
}

TEST(status_and_stat_match)
{
	struct status_snapshot proc, ours;
	struct mmscope_mm_info m;
	char *locked, *shared;
	int fd;

	/* Give every counter something to count. */
	locked = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	shared = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, locked);
	ASSERT_NE(MAP_FAILED, shared);
	memset(shared, 1, 256 << 10);

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_TRUE(stable_snapshot(fd, getpid(), &m, &proc));
	status_of(&m, &ours);
	EXPECT_EQ(proc.vm_size, ours.vm_size);
	EXPECT_EQ(proc.vm_peak, ours.vm_peak);
	EXPECT_EQ(proc.vm_lck, ours.vm_lck);
	EXPECT_EQ(proc.vm_pin, ours.vm_pin);
	EXPECT_EQ(proc.vm_hwm, ours.vm_hwm);
	EXPECT_EQ(proc.vm_rss, ours.vm_rss);
	EXPECT_EQ(proc.rss_anon, ours.rss_anon);
	EXPECT_EQ(proc.rss_file, ours.rss_file);
	EXPECT_EQ(proc.rss_shmem, ours.rss_shmem);
	EXPECT_EQ(proc.vm_data, ours.vm_data);
	EXPECT_EQ(proc.vm_stk, ours.vm_stk);
	EXPECT_EQ(proc.vm_exe, ours.vm_exe);
	EXPECT_EQ(proc.vm_swap, ours.vm_swap);
	EXPECT_EQ(proc.vm_pte, ours.vm_pte);
	EXPECT_GE(ours.vm_lck, 64);
	EXPECT_GE(ours.rss_shmem, 256);

	/* proc(5) stat fields 26-28 and 45-51. */
	EXPECT_EQ(proc_stat_field(0, 26), m.start_code);
	EXPECT_EQ(proc_stat_field(0, 27), m.end_code);
	EXPECT_EQ(proc_stat_field(0, 28), m.start_stack);
	EXPECT_EQ(proc_stat_field(0, 45), m.start_data);
	EXPECT_EQ(proc_stat_field(0, 46), m.end_data);
	EXPECT_EQ(proc_stat_field(0, 47), m.start_brk);
	EXPECT_EQ(proc_stat_field(0, 48), m.arg_start);
	EXPECT_EQ(proc_stat_field(0, 49), m.arg_end);
	EXPECT_EQ(proc_stat_field(0, 50), m.env_start);
	EXPECT_EQ(proc_stat_field(0, 51), m.env_end);
	/* brk: the end of the [heap] VMA is page-aligned brk. */
	EXPECT_EQ((unsigned long)sbrk(0), m.brk);

	EXPECT_EQ(0, m.pgd_phys & 4095);
	EXPECT_NE(0, m.pgd_phys);
	EXPECT_LE(m.mmap_base, m.task_size);
	munmap(locked, 64 << 10);
	munmap(shared, 256 << 10);
	close(fd);
}

TEST(map_count_matches_maps)
{
	static struct proc_vma vmas[512];
	struct mmscope_mm_info m, again;
	int fd, n, tries;

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	for (tries = 0; tries < 20; tries++) {
		ASSERT_EQ(0, mms_mm_info(fd, &m, NULL, NULL));
		n = proc_maps(0, vmas, 512);
		ASSERT_EQ(0, mms_mm_info(fd, &again, NULL, NULL));
		if (m.map_count == again.map_count)
			break;
	}
	EXPECT_EQ(n, m.map_count);
	close(fd);
}

/* The task size follows the paging mode: 47 or 56 bits of user space. */
TEST(task_size_follows_paging_mode)
{
	struct mmscope_mm_info m;
	bool la57;
	int fd;

	la57 = cpuinfo_flag("la57");
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &m, NULL, NULL));
	EXPECT_EQ(la57 ? 0x00fffffffffff000ULL : 0x00007ffffffff000ULL, m.task_size);
	TH_LOG("paging: %s-level", la57 ? "5" : "4");
	close(fd);
}

static bool has_user(const struct mmscope_mm_user *users, uint32_t n, pid_t tid,
		     const char *comm)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (users[i].tid == (uint32_t)tid &&
		    (!comm || !strcmp((const char *)users[i].comm, comm)))
			return true;
	return false;
}

struct named_thread {
	pthread_t thread;
	pid_t tid;
	char name[16];
	pthread_barrier_t *ready;
};

static void *named_thread_fn(void *arg)
{
	struct named_thread *t = arg;

	t->tid = syscall(SYS_gettid);
	prctl(PR_SET_NAME, t->name);
	pthread_barrier_wait(t->ready);
	pause();
	return NULL;
}

TEST(threads_share_one_mm)
{
	struct mmscope_mm_user users[16];
	struct named_thread threads[3];
	pthread_barrier_t ready;
	struct mmscope_mm_info m;
	uint32_t n = 16;
	int fd, i;

	pthread_barrier_init(&ready, NULL, 4);
	for (i = 0; i < 3; i++) {
		snprintf(threads[i].name, sizeof(threads[i].name), "mmscope-t%d", i);
		threads[i].ready = &ready;
		ASSERT_EQ(0, pthread_create(&threads[i].thread, NULL,
					    named_thread_fn, &threads[i]));
	}
	pthread_barrier_wait(&ready);

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &m, users, &n));
	EXPECT_EQ(4, m.users_total);
	EXPECT_EQ(4, n);
	/* Each thread holds an mm_users reference: /proc's Threads count. */
	EXPECT_EQ(proc_status(0, "Threads"), m.mm_users);
	EXPECT_TRUE(has_user(users, n, getpid(), NULL));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(has_user(users, n, threads[i].tid, threads[i].name));

	/* A buffer too small still reports the total. */
	n = 2;
	ASSERT_EQ(0, mms_mm_info(fd, &m, users, &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(4, m.users_total);
	close(fd);	/* the threads go with this test's process */
}

/* Shared between the test and its helpers. */
struct vfork_pids {
	volatile pid_t parent, child;
	int release[2];
};

static int vfork_child(void *arg)
{
	struct vfork_pids *pids = arg;
	char c;

	pids->child = getpid();
	/* Block until the test has looked; the parent is suspended meanwhile. */
	if (read(pids->release[0], &c, 1) < 0)
		return 1;
	return 0;
}

/* A vfork child runs on its parent's mm until it execs or exits. */
TEST(vfork_child_shares_mm)
{
	static char stack[256 << 10];
	struct mmscope_mm_user users[8];
	struct vfork_pids *pids;
	struct mmscope_mm_info m;
	uint32_t n = 8;
	pid_t helper;
	int fd, i;

	pids = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pids);
	ASSERT_EQ(0, pipe(pids->release));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (!helper) {
		pids->parent = getpid();
		clone(vfork_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, pids);
		wait(NULL);
		_exit(0);
	}
	for (i = 0; i < 5000 && !pids->child; i++)
		usleep(1000);
	ASSERT_NE(0, pids->child);

	fd = open_target(helper);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &m, users, &n));
	EXPECT_EQ(2, m.users_total);
	EXPECT_TRUE(has_user(users, n, helper, NULL));
	EXPECT_TRUE(has_user(users, n, pids->child, NULL));
	close(fd);

	ASSERT_EQ(1, write(pids->release[1], "x", 1));
	ASSERT_EQ(helper, waitpid(helper, NULL, 0));
	munmap(pids, 4096);
}

TEST(forked_child_has_its_own_mm)
{
	struct mmscope_mm_user users[8];
	struct mmscope_mm_info parent, child;
	uint32_t n = 8;
	int fd, wake[2];
	pid_t pid;

	pid = fork_waiting(wake);
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(0);
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &parent, users, &n));
	EXPECT_FALSE(has_user(users, n, pid, NULL));
	ASSERT_EQ(0, mms_set_target(fd, pid));
	n = 8;
	ASSERT_EQ(0, mms_mm_info(fd, &child, users, &n));
	EXPECT_EQ(1, child.users_total);
	EXPECT_TRUE(has_user(users, n, pid, NULL));
	EXPECT_NE(parent.pgd_phys, child.pgd_phys);
	/* The child starts as a copy: same layout, same size. */
	EXPECT_EQ(parent.start_stack, child.start_stack);
	EXPECT_EQ(parent.total_vm, child.total_vm);
	close(fd);
	ASSERT_EQ(0, wake_child(wake));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}

/*
 * The scan for other processes on the mm (CLONE_VM, vfork) goes through
 * every process. With 2,000 of them alive and 64 /proc/PID/mem readers
 * raising mm_users all along, MM_INFO still finds the one CLONE_VM sharer
 * among them, created last so that it comes last, on every call. The scan
 * takes one process per RCU read section; the console's stall detector
 * and the debug kernel's lockdep watch it. The time per call is logged.
 */
#define CROWD 2000
#define MEM_READERS 64
#define READ_BYTES (4UL << 20)

struct crowd_shared {
	volatile pid_t target, sharer;
	volatile uintptr_t region;
	int forked;	/* crowd processes started, by the spawners */
};

struct mem_reader {
	pthread_t thread;
	int fd;
	uintptr_t addr;
	volatile bool *stop;
	unsigned long reads;
};

static void *mem_reader_fn(void *arg)
{
	struct mem_reader *r = arg;
	char *buf = malloc(READ_BYTES);

	while (buf && !*r->stop)
		if (pread(r->fd, buf, READ_BYTES, r->addr) == (ssize_t)READ_BYTES)
			r->reads++;
	free(buf);
	return NULL;
}

static int sharer_fn(void *arg)
{
	int *release = arg;
	char c;

	return read(release[0], &c, 1) < 0;
}

static void wait_release(int *release)
{
	char c;

	close(release[1]);
	_exit(read(release[0], &c, 1) < 0);
}

/* A spawner forks its share of the crowd, then reaps it. */
static void spawn_crowd(int *release, int count, struct crowd_shared *shared)
{
	int i;

	close(release[1]);
	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid)
			wait_release(release);
		__atomic_add_fetch(&shared->forked, 1, __ATOMIC_SEQ_CST);
	}
	while (wait(NULL) > 0)
		;
	_exit(i != count);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Two spawners, one per CPU of the VM: forks under TCG are slow. */
#define SPAWNERS 2

FIXTURE(crowd) {
	int release[2];
	pid_t spawners[SPAWNERS];
	struct crowd_shared *shared;
};

FIXTURE_SETUP(crowd)
{
	ASSERT_EQ(0, pipe(self->release));
	self->shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
}

FIXTURE_TEARDOWN(crowd)
{
	int i;

	/* EOF on the pipe lets every process go; each parent reaps its own. */
	close(self->release[1]);
	if (self->shared->target)
		waitpid(self->shared->target, NULL, 0);
	for (i = 0; i < SPAWNERS; i++)
		if (self->spawners[i] > 0)
			waitpid(self->spawners[i], NULL, 0);
}

TEST_F_TIMEOUT(crowd, clone_vm_sharer_among_thousands, 600)
{
	static char sharer_stack[64 << 10];
	struct mmscope_mm_user users[8];
	struct mem_reader readers[MEM_READERS];
	volatile bool stop = false;
	struct mmscope_mm_info m;
	double t, slowest = 0, total = 0;
	uint32_t n, max_users = 0;
	char path[64];
	int fd, i, calls = 8;
	unsigned long reads = 0;
	pid_t pid;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "2,000 processes: this runs on the 6.12 entry");
	for (i = 0; i < SPAWNERS; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			spawn_crowd(self->release, CROWD / SPAWNERS, self->shared);
		self->spawners[i] = pid;
	}
	for (i = 0; i < 120000 && __atomic_load_n(&self->shared->forked, __ATOMIC_SEQ_CST) < CROWD; i++)
		usleep(1000);
	ASSERT_EQ(CROWD, __atomic_load_n(&self->shared->forked, __ATOMIC_SEQ_CST));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *region = mmap(NULL, READ_BYTES, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t sharer;

		if (region == MAP_FAILED)
			_exit(1);
		memset(region, 1, READ_BYTES);
		close(self->release[1]);	/* the sharer gets a copy of the fds */
		sharer = clone(sharer_fn, sharer_stack + sizeof(sharer_stack),
			       CLONE_VM | SIGCHLD, self->release);
		if (sharer < 0)
			_exit(1);
		self->shared->region = (uintptr_t)region;
		self->shared->sharer = sharer;
		waitpid(sharer, NULL, 0);
		_exit(0);
	}
	self->shared->target = pid;
	for (i = 0; i < 10000 && !self->shared->sharer; i++)
		usleep(1000);
	ASSERT_NE(0, self->shared->sharer);

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	for (i = 0; i < MEM_READERS; i++) {
		readers[i].fd = open(path, O_RDONLY);
		ASSERT_LE(0, readers[i].fd);
		readers[i].addr = self->shared->region;
		readers[i].stop = &stop;
		readers[i].reads = 0;
		ASSERT_EQ(0, pthread_create(&readers[i].thread, NULL, mem_reader_fn, &readers[i]));
	}

	fd = open_target(pid);
	ASSERT_LE(0, fd);
	for (i = 0; i < calls; i++) {
		n = 8;
		t = now_ms();
		ASSERT_EQ(0, mms_mm_info(fd, &m, users, &n));
		t = now_ms() - t;
		total += t;
		if (t > slowest)
			slowest = t;
		if (m.mm_users > max_users)
			max_users = m.mm_users;
		EXPECT_EQ(2, m.users_total);
		EXPECT_TRUE(has_user(users, n, pid, NULL));
		EXPECT_TRUE(has_user(users, n, self->shared->sharer, NULL));
	}
	close(fd);
	stop = true;
	for (i = 0; i < MEM_READERS; i++) {
		pthread_join(readers[i].thread, NULL);
		close(readers[i].fd);
		reads += readers[i].reads;
	}
	TH_LOG("%d processes, %d MM_INFO calls: %.2f ms mean, %.2f ms slowest; mm_users up to %u; %lu reads of %lu MiB",
	       CROWD + SPAWNERS + 2, calls, total / calls, slowest, max_users, reads, READ_BYTES >> 20);
	/* The readers did hold the mm: more users than the two tasks. */
	EXPECT_LT(2, max_users);
}

TEST_HARNESS_MAIN
