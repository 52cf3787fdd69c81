/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mmscope CLI, run from a test as a user runs it: cli_path() exec'd
 * with stdin from /dev/null, what it prints read whole into the caller's
 * buffers, its exit code returned.
 */
#ifndef MMSCOPE_SELFTEST_CLI_H
#define MMSCOPE_SELFTEST_CLI_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cli_run {
	char *out;		/* its stdout, NUL-terminated; NULL: /dev/null */
	size_t out_size;
	char *err;		/* its stderr, likewise; NULL: the test's own */
	size_t err_size;
	uid_t uid;		/* run as this uid and gid; 0: as we are */
	const cpu_set_t *cpus;	/* bound to these CPUs; NULL: any */
	/* Called in the child before exec (fault injection); nonzero: exit 97. */
	int (*before_exec)(void);
	/* Set by cli_spawn(), for cli_wait(). */
	pid_t pid;
	int out_fd, err_fd;
	bool truncated;		/* it printed more than a buffer holds */
};

/*
 * The child's own exit codes, before the CLI runs: 96 sched_setaffinity(),
 * 97 before_exec(), 98 execv(), 99 setgid() or setuid() failed.
 */

/* Start it: @argv begins with "mmscope" and ends with NULL. 0 or -1. */
int cli_spawn(struct cli_run *r, const char *const argv[]);
/*
 * Read what it prints to the end and reap it: its exit code, -1 on a
 * signal, -3 if it printed more than a buffer holds (a test must not
 * pass on the part it saw).
 */
int cli_wait(struct cli_run *r);
/* Both: its exit code, -1 on a signal, -2 if it could not start. */
int cli_run(struct cli_run *r, const char *const argv[]);
/* An argv for these: "mmscope", the arguments, NULL. */
#define CLI_ARGV(...) ((const char *const []){ "mmscope", __VA_ARGS__, NULL })

#endif
