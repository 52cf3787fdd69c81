// SPDX-License-Identifier: GPL-2.0
/*
 * mm_walkers [-n N] [-p NICE] [-r READY_FILE] ROOT_PID: N processes (4 by
 * default) that walk ROOT_PID and every descendant of it through
 * /dev/mmscope until SIGTERM, while the kernel's own mm selftests run there
 * (selftests/vm/kernel-mm.sh).
 * -p sets the walkers' nice value (a test that waits for a daemon thread of
 * nice 19, such as khugepaged, needs walkers that do not starve it). -r
 * creates READY_FILE at the first answered query, so that the caller can
 * start its test once the walkers are at work, and then send SIGUSR1: the
 * answered queries count from there (without -r, from the start).
 *
 * Each walker rescans /proc/{pid}/stat for the tree of ROOT_PID before each
 * round, picks the next process of it, and makes the queries a user would:
 * MM_INFO, the whole VMA list, PAGES over the whole address space [0,
 * TASK_SIZE) in bounded pieces, WALK of addresses inside VMAs and anywhere,
 * LOOKUP, SMAPS of every VMA and its rollup, TLB (with every CPU's record) and the VMA
 * tree. ESRCH (the target is gone) and ENOENT (it has no mm any more) are
 * normal; any other errno is a failure, reported on stderr as
 * "mm_walkers: FAIL: ...".
 *
 * At SIGTERM each walker prints, on stdout, its walks (successful WALK
 * ioctls) and rounds per target and a line
 *   walker K total: W walks R rounds Q queries E errors A answered
 * The exit status is 1 if any walker saw an unexpected errno.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmmscope.h"

#define MAX_PROCS	4096
#define MAX_TARGETS	256
#define PAGES_PIECE	(4UL << 20)	/* bytes of a VMA asked for at once */
#define WALKS_IN_VMAS	8
#define WALKS_ANYWHERE	4
#define LOOKUPS		6

static volatile sig_atomic_t stop;
/* -r: answers count from SIGUSR1 on (the caller's test has started). */
static volatile sig_atomic_t counting = 1, go;

struct target {
	int pid;
	char comm[MMSCOPE_COMM_LEN + 1];
	unsigned long walks, rounds;
	bool size_guessed;	/* this round's TASK_SIZE is a mid-exec guess */
};

static struct target targets[MAX_TARGETS];
static int ntargets;
static unsigned long queries, errors, answered;
static int me;
static const char *ready_path;	/* -r: created at the first answered query */

static void on_term(int sig)
{
	stop = 1;
}

static void on_go(int sig)
{
	go = 1;		/* main: to forward to the walkers */
	counting = 1;	/* a walker: count from now on */
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^ random();
}

static struct target *target_of(int pid)
{
	int i;

	for (i = 0; i < ntargets; i++)
		if (targets[i].pid == pid)
			return &targets[i];
	if (ntargets == MAX_TARGETS)
		return &targets[MAX_TARGETS - 1];	/* lumped together */
	targets[ntargets].pid = pid;
	return &targets[ntargets++];
}

/* The pids of @root and its descendants, root first; 0 if root is gone. */
static int scan_tree(int root, int *tree, int cap)
{
	static int pids[MAX_PROCS], ppids[MAX_PROCS];
	int n = 0, count = 0, i, j;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MAX_PROCS) {
		char path[300], buf[512], *p;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (!p || sscanf(p + 1, " %*c %d", &ppids[n]) != 1)
			continue;
		pids[n++] = atoi(de->d_name);
	}
	closedir(d);

	for (i = 0; i < n; i++)
		if (pids[i] == root)
			tree[count++] = root;
	/* Breadth first: each pid found adds its children. */
	for (i = 0; i < count && count < cap; i++)
		for (j = 0; j < n && count < cap; j++)
			if (ppids[j] == tree[i] && pids[j] != root)
				tree[count++] = pids[j];
	return count;
}

/* 0 for success or a normal end of the target, -1 to stop this round. */
static int check(int ret, const char *what, struct target *t, uint64_t addr)
{
	queries++;
	if (!ret) {
		/* The caller starts its test once some walker is answered. */
		static bool ready;

		if (!counting) {
			if (!ready)
				close(open(ready_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
			ready = true;
		} else {
			answered++;
		}
		return 0;
	}
	/*
	 * A round that began in the middle of exec() guessed the largest
	 * TASK_SIZE; once exec() is done, a range past the new one is
	 * EINVAL, as it should be: the round ends, like one whose target
	 * went away.
	 */
	if (ret != -ESRCH && ret != -ENOENT && !(ret == -EINVAL && t->size_guessed)) {
		errors++;
		fprintf(stderr, "mm_walkers: FAIL: walker %d: %s of pid %d (%s) at %#llx: %s\n",
			me, what, t->pid, t->comm, (unsigned long long)addr, strerror(-ret));
	}
	return -1;
}

static int pages_range(int fd, struct target *t, uint64_t start, uint64_t end)
{
	struct mmscope_page_pte *pte;
	struct mmscope_pages sum;
	struct mmscope_page *recs;
	size_t n;
	int ret;

	if (start >= end)
		return 0;
	ret = mms_pages_all(fd, start, end, &recs, &n);
	if (check(ret, "PAGES", t, start))
		return -1;
	free(recs);
	/* The lighter modes, on the same range: PTE-only records, the summary. */
	ret = mms_pages_pte_all(fd, start, end, &pte, &n);
	if (check(ret, "PAGES PTE_ONLY", t, start))
		return -1;
	free(pte);
	ret = mms_pages_summary(fd, start, end, &sum);
	if (check(ret, "PAGES SUMMARY", t, start))
		return -1;
	return 0;
}

static void round_of(int fd, int pid)
{
	struct target *t = target_of(pid);
	struct mmscope_mm_info info;
	struct mmscope_lookup look;
	struct mmscope_walk walk;
	struct mmscope_vma *vmas = NULL;
	struct mms_vmas brief;
	struct mmscope_smaps_vma *smaps = NULL;
	struct mmscope_tlb_cpu cpus[64];
	struct mmscope_tlb tlb;
	uint64_t size, prev = 0, a, s;
	size_t nvmas = 0, nsmaps = 0, i;
	uint32_t ncpus = 64;
	int ret;

	t->size_guessed = false;
	ret = mms_set_target(fd, pid);
	if (check(ret, "SET_TARGET", t, 0))
		return;
	if (check(mms_mm_info(fd, &info, NULL, NULL), "MM_INFO", t, 0))
		return;
	memcpy(t->comm, info.comm, MMSCOPE_COMM_LEN);
	if (info.out_flags & MMSCOPE_MM_NO_MM)
		return;
	/* In the middle of exec() the layout is unset: the largest TASK_SIZE. */
	size = info.task_size ? info.task_size : (1ULL << 56) - 4096;
	t->size_guessed = !info.task_size;
	if (check(mms_vmas_all(fd, &vmas, &nvmas), "VMAS", t, 0))
		return;
	/* The brief records too, paths in their own buffer. */
	if (check(mms_vmas_brief_all(fd, &brief), "VMAS_BRIEF", t, 0))
		goto out;
	mms_vmas_free(&brief);

	/* The whole address space: each gap at once, VMAs in pieces. */
	for (i = 0; i < nvmas && !stop; i++) {
		if (vmas[i].start >= size)
			break;
		if (pages_range(fd, t, prev, vmas[i].start))
			goto out;
		for (s = vmas[i].start; s < vmas[i].end && s < size && !stop; s += PAGES_PIECE) {
			uint64_t e = s + PAGES_PIECE;

			if (e > vmas[i].end)
				e = vmas[i].end;
			if (pages_range(fd, t, s, e > size ? size : e))
				goto out;
		}
		prev = vmas[i].end;
	}
	if (!stop && prev < size && pages_range(fd, t, prev, size))
		goto out;

	for (i = 0; i < WALKS_IN_VMAS + WALKS_ANYWHERE && !stop; i++) {
		if (i < WALKS_IN_VMAS && nvmas) {
			struct mmscope_vma *v = &vmas[random() % nvmas];

			a = v->start + (rnd64() % (v->end - v->start));
		} else {
			a = rnd64() % size;
		}
		if (check(mms_walk(fd, a, &walk), "WALK", t, a))
			goto out;
		t->walks++;
	}
	for (i = 0; i < LOOKUPS && !stop; i++) {
		if (i % 2 && nvmas) {
			struct mmscope_vma *v = &vmas[random() % nvmas];

			a = v->start + (rnd64() % (v->end - v->start));
		} else {
			a = rnd64() % size;
		}
		if (check(mms_lookup(fd, a, &look, NULL), "LOOKUP", t, a))
			goto out;
	}
	/* The newer exports: smaps of every VMA, and the TLB state. */
	if (!stop && check(mms_smaps_all(fd, &smaps, &nsmaps), "SMAPS", t, 0))
		goto out;
	if (!stop) {
		struct mmscope_smaps_vma roll;

		/* And summed in the kernel (MMSCOPE_SMAPS_ROLLUP). */
		if (check(mms_smaps_rollup(fd, &roll), "SMAPS_ROLLUP", t, 0))
			goto out;
	}
	if (!stop && check(mms_tlb(fd, 0, &tlb, cpus, &ncpus), "TLB", t, 0))
		goto out;
	if (!stop) {
		struct mmscope_pgd pgd;
		uint64_t entries[512];
		uint32_t n = 512;

		/* The whole PGD; a target that exec()s meanwhile still answers. */
		if (check(mms_pgd(fd, 0, entries, &n, &pgd), "PGD", t, 0))
			goto out;
	}
	/* The VMA tree: a target that changes it under every dump gives EAGAIN. */
	if (!stop) {
		struct mmscope_vmatree_node *nodes = NULL;
		struct mmscope_vmatree vt;
		size_t nnodes;
		int ret = mms_vmatree_all(fd, &vt, &nodes, &nnodes);

		free(nodes);
		if (ret != -EAGAIN && check(ret, "VMATREE", t, 0))
			goto out;
	}
	t->rounds++;
out:
	free(smaps);
	free(vmas);
}

static int walker(int root)
{
	static int tree[MAX_TARGETS];
	unsigned long walks = 0, rounds = 0;
	unsigned int next = me;
	int fd, n, i;

	srandom(getpid() ^ time(NULL));
	fd = mms_open(NULL);
	if (fd < 0) {
		fprintf(stderr, "mm_walkers: FAIL: walker %d: open %s: %s\n",
			me, MMSCOPE_DEVICE, strerror(-fd));
		return 1;
	}
	while (!stop) {
		n = scan_tree(root, tree, MAX_TARGETS);
		if (!n) {
			usleep(10000);	/* root gone: wait for SIGTERM */
			continue;
		}
		round_of(fd, tree[next++ % n]);
	}
	for (i = 0; i < ntargets; i++) {
		printf("walker %d: pid %d (%s): %lu walks %lu rounds\n", me,
		       targets[i].pid, targets[i].comm[0] ? targets[i].comm : "?",
		       targets[i].walks, targets[i].rounds);
		walks += targets[i].walks;
		rounds += targets[i].rounds;
	}
	printf("walker %d total: %lu walks %lu rounds %lu queries %lu errors %lu answered\n",
	       me, walks, rounds, queries, errors, answered);
	fflush(stdout);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term }, sa_go = { .sa_handler = on_go };
	int n = 4, niceness = 0, opt, root, i, status, ret = 0;
	pid_t kids[64];

	while ((opt = getopt(argc, argv, "n:p:r:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'p')
			niceness = atoi(optarg);
		else if (opt == 'r')
			ready_path = optarg;
		else
			goto usage;
	}
	if (optind != argc - 1 || n < 1 || n > 64 || niceness < 0 || niceness > 19)
		goto usage;
	root = atoi(argv[optind]);
	if (root <= 0)
		goto usage;
	if (niceness && setpriority(PRIO_PROCESS, 0, niceness)) {
		perror("mm_walkers: setpriority");
		return 1;
	}

	sigset_t term, old;

	/* Blocked until sigsuspend(), so that no SIGTERM is missed. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigaddset(&term, SIGUSR1);
	sigprocmask(SIG_BLOCK, &term, &old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa_go, NULL);
	if (ready_path)
		counting = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("mm_walkers: fork");
			n = i;
			ret = 1;
			break;
		}
		if (!kids[i]) {
			me = i;
			sigprocmask(SIG_SETMASK, &old, NULL);
			exit(walker(root));
		}
	}
	while (!stop) {
		sigsuspend(&old);
		if (go) {
			go = 0;
			for (i = 0; i < n; i++)
				kill(kids[i], SIGUSR1);
		}
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < n; i++) {
		if (waitpid(kids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "mm_walkers: FAIL: walker %d ended with status %#x\n",
				i, status);
			ret = 1;
		}
	}
	return ret;
usage:
	fprintf(stderr, "usage: mm_walkers [-n N] [-p NICE] [-r READY_FILE] ROOT_PID\n");
	return 2;
}
