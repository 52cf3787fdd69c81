// SPDX-License-Identifier: GPL-2.0
/*
 * The sample process of `make demo`: a little of everything mmscope shows.
 * It prints its PID and the address of its heap block, then sleeps.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

int main(void)
{
	char *heap, *shared, *file_map;
	pthread_t threads[2];
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
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, idle_thread, NULL);
	printf("%d %p\n", getpid(), (void *)heap);
	fflush(stdout);
	for (;;)
		pause();
}
