// SPDX-License-Identifier: GPL-2.0
/*
 * A target in the middle of exec. A forked child re-executes this very
 * binary in a loop (execv("/proc/self/exe", "--exec-loop", ...)), mapping
 * and touching some memory in each generation, while four walkers, each
 * with its own /dev/mmscope file, aim at it again and again and run every
 * query: MM_INFO, VMAS, LOOKUP and WALK of addresses it mapped before an
 * exec (its text, its stack, a mapping at a fixed address) and PAGES over
 * the whole user address space.
 *
 * Every call must succeed; ESRCH is the only other answer, and only once
 * the child was told to exit. In particular EINVAL would mean that an
 * address was checked against the task_size of an mm that exec has
 * installed but not yet set up (0 until setup_new_exec()).
 *
 * MMSCOPE_EXEC_SECONDS lengthens the run (default 5 s, at most 60); a
 * slow kernel gets up to six times that, until the child made 20 execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE		4096UL
#define MB		(1UL << 20)
#define WALKERS		4
#define EXEC_HINT	0x200000000000UL	/* each generation maps 2 MiB here */
/* PAGES up to TASK_SIZE_MAX of 4-level paging: valid on both paging modes. */
#define PAGES_END	0x7ffffffff000UL
#define MIN_CALLS	50			/* successful calls per walker, at least */
#define MIN_EXECS	20			/* execs during the run, at least */

/*
 * One generation of the exec loop: argv is "--exec-loop LEFT STOPFD
 * COUNTFD". The parent closes the pipe at STOPFD to stop us; COUNTFD is a
 * memfd whose first word counts the generations.
 */
static int exec_loop(char **argv)
{
	long left = atol(argv[2]);
	int stopfd = atoi(argv[3]), countfd = atoi(argv[4]);
	char next[32], c, *p;
	char *args[] = { argv[0], argv[1], next, argv[3], argv[4], NULL };
	unsigned long *count;

	if (left <= 0)
		return 0;
	fcntl(stopfd, F_SETFL, O_NONBLOCK);
	if (read(stopfd, &c, 1) == 0)
		return 0;		/* EOF: told to stop */
	count = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, countfd, 0);
	if (count == MAP_FAILED)
		return 10;
	__atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
	/* Something to walk, at the same address in every generation. */
	p = mmap((void *)EXEC_HINT, 2 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 11;
	memset(p, 1, 2 * MB);
	snprintf(next, sizeof(next), "%ld", left - 1);
	execv("/proc/self/exe", args);
	return 12;
}

struct exec_walker {
	pthread_t thread;
	pid_t pid;
	uint64_t addrs[3];		/* text, stack, EXEC_HINT */
	volatile bool *stop, *told;
	unsigned long ok, esrch, esrch_early, rounds, errors;
	unsigned long mid_exec;	/* MM_INFO answers of an mm whose task_size is 0 */
	char error[256];
};

/* Count one call's answer; false when the walker should stop. */
static bool answer(struct exec_walker *w, int ret, const char *what, uint64_t addr)
{
	if (!ret) {
		w->ok++;
		return true;
	}
	if (ret == -ESRCH) {
		if (*w->told) {
			w->esrch++;
			return false;
		}
		w->esrch_early++;	/* allowed, but worth saying */
		return true;
	}
	if (!w->errors++)
		snprintf(w->error, sizeof(w->error), "%s %#llx: %s (%d)", what,
			 (unsigned long long)addr, strerror(-ret), -ret);
	return true;
}

static void *exec_walker_main(void *arg)
{
	struct exec_walker *w = arg;
	struct mmscope_mm_info info;
	struct mmscope_lookup lk;
	struct mmscope_vma *vmas, vma;
	struct mmscope_page *recs;
	struct mmscope_walk wk;
	size_t n;
	int fd, i, ret;

	fd = mms_open(NULL);
	if (fd < 0) {
		answer(w, fd, "open", 0);
		return NULL;
	}
	while (!*w->stop) {
		w->rounds++;
		if (!answer(w, mms_set_target(fd, w->pid), "SET_TARGET", w->pid))
			break;
		if (!answer(w, mms_mm_info(fd, &info, NULL, NULL), "MM_INFO", 0))
			break;
		/* Between exec_mmap() and setup_new_exec(): the window itself. */
		if (!(info.out_flags & MMSCOPE_MM_NO_MM) && !info.task_size)
			w->mid_exec++;
		ret = mms_vmas_all(fd, &vmas, &n);
		if (!ret)
			free(vmas);
		if (!answer(w, ret, "VMAS", 0))
			break;
		for (i = 0; i < 3; i++) {
			if (!answer(w, mms_lookup(fd, w->addrs[i], &lk, &vma), "LOOKUP",
				    w->addrs[i]))
				goto out;
			if (!answer(w, mms_walk(fd, w->addrs[i], &wk), "WALK", w->addrs[i]))
				goto out;
			if (wk.page.state >= MMSCOPE_ENTRY_STATE_COUNT ||
			    wk.nr_levels > wk.paging_levels)
				answer(w, -EBADMSG, "WALK (malformed)", w->addrs[i]);
		}
		ret = mms_pages_all(fd, 0, PAGES_END, &recs, &n);
		if (!ret)
			free(recs);
		if (!answer(w, ret, "PAGES", 0))
			break;
	}
out:
	close(fd);
	return NULL;
}

FIXTURE(exec) {
	pid_t child;
	int stop[2];
	int countfd;
	unsigned long *count;
};

FIXTURE_SETUP(exec)
{
	char stopfd[16], countfd[16];
	pid_t parent = getpid();

	self->countfd = memfd_create("mmscope-exec-count", 0);
	ASSERT_GE(self->countfd, 0);
	ASSERT_EQ(0, ftruncate(self->countfd, PAGE));
	self->count = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->countfd, 0);
	ASSERT_NE(MAP_FAILED, self->count);
	ASSERT_EQ(0, pipe(self->stop));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* kept across exec */
		if (getppid() != parent)
			_exit(3);
		close(self->stop[1]);
		snprintf(stopfd, sizeof(stopfd), "%d", self->stop[0]);
		snprintf(countfd, sizeof(countfd), "%d", self->countfd);
		execl("/proc/self/exe", "exec_test", "--exec-loop", "1000000", stopfd,
		      countfd, (char *)NULL);
		_exit(127);
	}
	close(self->stop[0]);
}

FIXTURE_TEARDOWN(exec)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
}

/* The text and stack of the child as /proc/PID/maps shows them. */
static int child_addrs(pid_t pid, uint64_t *text, uint64_t *stack)
{
	static struct proc_vma pv[256];
	int n, i;

	*text = *stack = 0;
	n = proc_maps(pid, pv, 256);
	for (i = 0; i < n; i++) {
		if (!*text && pv[i].perms[2] == 'x' && pv[i].inode)
			*text = pv[i].start;
		if (!strcmp(pv[i].path, "[stack]"))
			*stack = pv[i].end - PAGE;
	}
	return *text && *stack ? 0 : -1;
}

TEST_F_TIMEOUT(exec, walk_a_target_that_execs, 400)
{
	volatile bool stop = false, told = false;
	struct exec_walker w[WALKERS];
	unsigned int seconds = 5, i;
	unsigned long execs0, execs;
	uint64_t text = 0, stack = 0;
	const char *env;
	double t0;
	int status;

	env = getenv("MMSCOPE_EXEC_SECONDS");
	if (env && atoi(env) > 0)
		seconds = atoi(env) > 60 ? 60 : atoi(env);
	/* Its addresses before any of the execs to come. */
	for (t0 = now(); now() - t0 < 30 && child_addrs(self->child, &text, &stack); )
		usleep(1000);
	ASSERT_NE(0, text);
	ASSERT_NE(0, stack);

	memset(w, 0, sizeof(w));
	for (i = 0; i < WALKERS; i++) {
		w[i].pid = self->child;
		w[i].addrs[0] = text;
		w[i].addrs[1] = stack;
		w[i].addrs[2] = EXEC_HINT + PAGE;
		w[i].stop = &stop;
		w[i].told = &told;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, exec_walker_main, &w[i]));
	}
	/* A slow (debug) kernel gets more time, for enough execs to race with. */
	execs0 = *self->count;
	for (t0 = now(); now() - t0 < seconds ||
			 (*self->count - execs0 < MIN_EXECS && now() - t0 < 6 * seconds); )
		usleep(100000);
	execs = *self->count - execs0;
	seconds = now() - t0 + 0.5;

	/* Tell it to stop; it exits at its next generation. */
	told = true;
	close(self->stop[1]);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	usleep(200000);
	stop = true;
	for (i = 0; i < WALKERS; i++)
		pthread_join(w[i].thread, NULL);

	TH_LOG("the child exec()ed %lu times in %u s (text %#llx, stack %#llx)", execs, seconds,
	       (unsigned long long)text, (unsigned long long)stack);
	for (i = 0; i < WALKERS; i++) {
		TH_LOG("walker %u: %lu rounds, %lu successful calls, %lu ESRCH during the run, %lu after the exit, %lu mm_info answers mid-exec (task_size 0)",
		       i, w[i].rounds, w[i].ok, w[i].esrch_early, w[i].esrch, w[i].mid_exec);
		EXPECT_EQ(0, w[i].errors) TH_LOG("walker %u: %lu failed calls, the first: %s",
						  i, w[i].errors, w[i].error);
		EXPECT_LE(MIN_CALLS, w[i].ok);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("exec loop: status %#x", status);
	EXPECT_LE(MIN_EXECS, execs);
}

/* TEST_HARNESS_MAIN's main(), behind one that runs the exec loop. */
#define main harness_main
TEST_HARNESS_MAIN
#undef main

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--exec-loop"))
		return exec_loop(argv);
	return harness_main(argc, argv);
}
