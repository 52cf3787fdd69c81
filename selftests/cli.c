// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

int cli_spawn(struct cli_run *r, const char *const argv[])
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };

	/* CLOEXEC: the CLI does not hold the pipes' other ends. */
	if ((r->out && pipe2(po, O_CLOEXEC)) || (r->err && pipe2(pe, O_CLOEXEC)))
		goto close_pipes;
	r->pid = fork();
	if (r->pid < 0)
		goto close_pipes;
	if (!r->pid) {
		int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int null_out = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(null_in, 0);
		dup2(r->out ? po[1] : null_out, 1);
		if (r->err)
			dup2(pe[1], 2);
		if (r->cpus && sched_setaffinity(0, sizeof(*r->cpus), r->cpus))
			_exit(96);
		if (r->uid && (setgid(r->uid) || setuid(r->uid)))
			_exit(99);
		if (r->before_exec && r->before_exec())
			_exit(97);
		execv(cli_path(), (char **)argv);
		_exit(98);
	}
	r->out_fd = po[0];
	r->err_fd = pe[0];
	if (po[1] >= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	return 0;

close_pipes:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return -1;
}

/*
 * Both pipes at once: a long stderr (a failure in every row, say) must not
 * block the CLI while we wait for the end of its stdout.
 */
int cli_wait(struct cli_run *r)
{
	struct pollfd pfd[2] = {
		{ .fd = r->out ? r->out_fd : -1, .events = POLLIN },
		{ .fd = r->err ? r->err_fd : -1, .events = POLLIN },
	};
	char *buf[2] = { r->out, r->err };
	size_t size[2] = { r->out_size, r->err_size }, len[2] = { 0, 0 };
	char discard[4096];
	int status, i;
	ssize_t n;

	r->truncated = false;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			for (i = 0; i < 2; i++) {
				if (pfd[i].fd >= 0)
					close(pfd[i].fd);
			}
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			/* Past the buffer's end the rest is read and dropped. */
			if (len[i] + 1 < size[i])
				n = read(pfd[i].fd, buf[i] + len[i], size[i] - 1 - len[i]);
			else
				n = read(pfd[i].fd, discard, sizeof(discard));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			} else if (len[i] + 1 < size[i]) {
				len[i] += n;
			} else {
				r->truncated = true;
			}
		}
	}
	for (i = 0; i < 2; i++) {
		if (buf[i])
			buf[i][len[i]] = '\0';
	}
	if (waitpid(r->pid, &status, 0) != r->pid)
		return -1;
	if (r->truncated)
		return -3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int cli_run(struct cli_run *r, const char *const argv[])
{
	return cli_spawn(r, argv) ? -2 : cli_wait(r);
}
