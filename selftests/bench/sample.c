// SPDX-License-Identifier: GPL-2.0
/*
 * The sample process of `make demo`: a little of everything mmscope shows.
 * It prints its PID and the address of its heap block, then sleeps. At
 * SIGUSR1 it changes its memory once, for `mmscope diff` to show: an
 * mprotect() splits its shared mapping, an mmap() adds a VMA, and writes
 * touch more pages; then it prints "changed".
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t change_asked;

static void ask_change(int sig)
{
	change_asked = sig;
}

/* The change `mmscope diff` shows in make demo. */
static int change(char *shared)
{
	char *added = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (added == MAP_FAILED || mprotect(shared + (256 << 10), 256 << 10, PROT_READ))
		return -1;
	memset(added, 2, 16 << 10);
	memset(shared + (512 << 10), 3, 128 << 10);
	printf("changed\n");
	return fflush(stdout);
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

int main(void)
{
	char *heap, *shared, *file_map;
	pthread_t threads[2];
	sigset_t usr1;
	int fd, i;

	heap = malloc(64 << 10);
	memset(heap, 1, 64 << 10);
	shared = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = open("/proc/self/exe", O_RDONLY);
	file_map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (shared == MAP_FAILED || file_map == MAP_FAILED || fd < 0)
		return 1;
	shared[0] = 1;
	/* SIGUSR1 for the main thread only: the others never wake. */
	signal(SIGUSR1, ask_change);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, idle_thread, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	printf("%d %p\n", getpid(), (void *)heap);
	fflush(stdout);
	for (;;) {
		pause();
		if (change_asked && change(shared))
			return 1;
		change_asked = 0;
	}
}
