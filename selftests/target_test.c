// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing a target: live processes, kernel threads, PIDs that never
 * existed or exited, pid namespaces, and one target per open file.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

static void read_comm(pid_t pid, char *out, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_file(path, out, size) <= 0)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

TEST(self)
{
	struct mmscope_mm_info info;
	char comm[32];
	int fd;

	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(getpid(), info.pid);
	read_comm(getpid(), comm, sizeof(comm));
	EXPECT_STREQ(comm, (char *)info.comm);
	EXPECT_EQ(0, info.out_flags);
	close(fd);
}

TEST(bad_pids)
{
	int fd = mms_open(NULL);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EINVAL, mms_set_target(fd, 0));
	EXPECT_EQ(-EINVAL, mms_set_target(fd, (uint32_t)-1));	/* -1 */
	EXPECT_EQ(-EINVAL, mms_set_target(fd, (uint32_t)-42));
	EXPECT_EQ(-EINVAL, mms_set_target(fd, (uint32_t)INT_MAX + 1));
	EXPECT_EQ(-ESRCH, mms_set_target(fd, unused_pid()));
	close(fd);
}

TEST(no_target_yet)
{
	struct mmscope_mm_info info;
	int fd = mms_open(NULL);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, mms_mm_info(fd, &info, NULL, NULL));
	close(fd);
}

/* A child that waits for a byte on a pipe, then exits. */
static pid_t start_waiter(int *wake_fd)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		close(fds[1]);
		if (read(fds[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[0]);
	*wake_fd = fds[1];
	return pid;
}

TEST(target_exits_between_calls)
{
	struct mmscope_mm_info info;
	struct mmscope_vma *vmas;
	siginfo_t si;
	size_t n;
	int fd, wake;
	pid_t pid;

	pid = start_waiter(&wake);
	ASSERT_GT(pid, 0);
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(pid, info.pid);

	/* A zombie has no mm any more: ESRCH before it is even reaped. */
	ASSERT_EQ(1, write(wake, "x", 1));
	ASSERT_EQ(0, waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(-ESRCH, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(-ESRCH, mms_vmas_all(fd, &vmas, &n));
	EXPECT_EQ(-ESRCH, mms_set_target(fd, pid));

	/* Reaped: the pid is gone. */
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-ESRCH, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(-ESRCH, mms_set_target(fd, pid));
	close(wake);
	close(fd);
}

TEST(kernel_thread)
{
	struct mmscope_lookup res;
	struct mmscope_mm_info info;
	struct mmscope_vma *vmas, vma;
	char maps[64], comm[32];
	size_t n = 1;
	int fd;

	/* PID 2 is kthreadd; the kernel's own oracle: /proc/2/maps is empty. */
	ASSERT_EQ(0, read_file("/proc/2/maps", maps, sizeof(maps)));
	fd = open_target(2);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(MMSCOPE_MM_KERNEL_THREAD | MMSCOPE_MM_NO_MM, info.out_flags & ~MMSCOPE_MM_NO_SWAP);
	EXPECT_EQ(2, info.pid);
	read_comm(2, comm, sizeof(comm));
	EXPECT_STREQ(comm, (char *)info.comm);
	EXPECT_EQ(0, info.total_vm);
	EXPECT_EQ(0, info.users_total);
	ASSERT_EQ(0, mms_vmas_all(fd, &vmas, &n));
	EXPECT_EQ(0, n);
	free(vmas);
	ASSERT_EQ(0, mms_lookup(fd, 0x400000, &res, &vma));
	EXPECT_EQ(0, res.out_flags);
	close(fd);
}

TEST(target_per_open_file)
{
	struct mmscope_mm_info a, b;
	int fd_self, fd_init;

	fd_self = open_target(getpid());
	fd_init = open_target(1);
	ASSERT_GE(fd_self, 0);
	ASSERT_GE(fd_init, 0);
	ASSERT_EQ(0, mms_mm_info(fd_self, &a, NULL, NULL));
	ASSERT_EQ(0, mms_mm_info(fd_init, &b, NULL, NULL));
	EXPECT_EQ(getpid(), a.pid);
	EXPECT_EQ(1, b.pid);
	EXPECT_NE(a.pgd_phys, b.pgd_phys);
	close(fd_self);
	close(fd_init);
}

/*
 * The PID is read in the caller's pid namespace: inside a new namespace,
 * PID 1 is the caller itself, not init.
 */
TEST(pid_namespace)
{
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID)) {
		if (errno == EINVAL || errno == ENOSYS)
			SKIP(return, "kernel without pid namespaces");
		ASSERT_EQ(0, errno);
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct mmscope_mm_info info;
		int fd = open_target(1);

		if (fd < 0 || mms_mm_info(fd, &info, NULL, NULL))
			_exit(10);
		if (info.pid != 1)
			_exit(11);
		/* It is us: our own stack start, from our own /proc/self/stat. */
		if (info.start_stack != proc_stat_field(0, 28))
			_exit(12);
		if (mms_set_target(fd, pid + 100000) != -ESRCH)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
