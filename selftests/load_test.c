// SPDX-License-Identifier: GPL-2.0
/*
 * Loading mmscope.ko when its init fails: a misc device of the same name
 * (the test module mmscope_name_taken.ko) makes misc_register() fail. A
 * debugfs file opened while init runs would hold a module reference that
 * outlives the module (do_init_module() frees it whatever references it
 * holds), so the debugfs directory must never appear during such a load.
 * A poller opens debugfs files all along, and holds any it gets past the
 * failed load, as a user would; on the debug kernel, KASAN sees the rest.
 *
 * init.sh runs this with the module unloaded, and MMSCOPE_KO and
 * MMSCOPE_NAME_TAKEN_KO naming the two modules; it leaves mmscope unloaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

/* A light run (every make check entry but 6.12) makes fewer attempts. */
#define LOAD_ATTEMPTS 40
#define LOAD_ATTEMPTS_LIGHT 12

struct poller {
	atomic_bool stop;
	atomic_uint attempts;	/* load attempts finished */
	atomic_uint seen_dir;	/* times the debugfs directory was there */
	atomic_uint opened;	/* debugfs files opened */
	unsigned long polls;
};

/* Open debugfs files of mmscope all along; hold one until the load ends. */
static void *poll_debugfs(void *arg)
{
	static const char *const files[] = { DEBUGFS_DIR "/mm", DEBUGFS_DIR "/target",
					     DEBUGFS_DIR "/faultlab/stats" };
	struct poller *p = arg;
	unsigned int i = 0, attempt;
	struct stat st;
	int fd;

	while (!atomic_load(&p->stop)) {
		p->polls++;
		if (stat(DEBUGFS_DIR, &st) == 0)
			atomic_fetch_add(&p->seen_dir, 1);
		fd = open(files[i++ % 3], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		atomic_fetch_add(&p->opened, 1);
		attempt = atomic_load(&p->attempts);
		while (atomic_load(&p->attempts) == attempt && !atomic_load(&p->stop))
			usleep(100);
		close(fd);
	}
	return NULL;
}

FIXTURE(load) {
	const char *ko, *name_taken_ko;
};

FIXTURE_SETUP(load)
{
	self->ko = getenv("MMSCOPE_KO");
	self->name_taken_ko = getenv("MMSCOPE_NAME_TAKEN_KO");
	if (!self->ko || !self->name_taken_ko)
		SKIP(return, "MMSCOPE_KO and MMSCOPE_NAME_TAKEN_KO name the modules (init.sh)");
	if (module_loaded("mmscope"))
		SKIP(return, "mmscope is loaded: this test loads it itself");
}

FIXTURE_TEARDOWN(load)
{
}

TEST_F_TIMEOUT(load, failed_init_never_shows_debugfs, 300)
{
	struct poller p = { 0 };
	pthread_t poller;
	int i, ret, attempts = getenv("MMSCOPE_LIGHT") ? LOAD_ATTEMPTS_LIGHT : LOAD_ATTEMPTS;

	ASSERT_EQ(0, load_module(self->name_taken_ko));
	ASSERT_EQ(0, pthread_create(&poller, NULL, poll_debugfs, &p));
	for (i = 0; i < attempts; i++) {
		ret = load_module(self->ko);
		atomic_fetch_add(&p.attempts, 1);
		EXPECT_EQ(-EEXIST, ret);
		EXPECT_FALSE(module_loaded("mmscope"));
		EXPECT_NE(0, access(DEBUGFS_DIR, F_OK));
		if (ret == 0)
			break;
	}
	atomic_store(&p.stop, true);
	ASSERT_EQ(0, pthread_join(poller, NULL));
	TH_LOG("%d failed loads, %lu polls", i, p.polls);
	EXPECT_EQ(0, atomic_load(&p.seen_dir));
	EXPECT_EQ(0, atomic_load(&p.opened));
	EXPECT_EQ(0, unload_module("mmscope_name_taken"));
	if (module_loaded("mmscope"))
		unload_module("mmscope");
}

/* Once the name is free, the same module loads, with all it shows. */
TEST_F_TIMEOUT(load, loads_once_the_name_is_free, 60)
{
	struct mmscope_mm_info info;
	struct stat st;
	int fd;

	ASSERT_FALSE(module_loaded("mmscope_name_taken"));
	ASSERT_EQ(0, load_module(self->ko));
	EXPECT_EQ(0, stat(DEBUGFS_DIR "/mm", &st));
	ASSERT_EQ(0, stat("/dev/mmscope", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 0777);
	fd = open_target(getpid());
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mms_mm_info(fd, &info, NULL, NULL));
	EXPECT_EQ(getpid(), (pid_t)info.pid);
	close(fd);
	EXPECT_EQ(0, unload_module("mmscope"));
	EXPECT_FALSE(module_loaded("mmscope"));
	EXPECT_NE(0, access(DEBUGFS_DIR, F_OK));
}

TEST_HARNESS_MAIN
