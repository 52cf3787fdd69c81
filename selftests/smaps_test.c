// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_SMAPS and debugfs smaps against the kernel's own oracles:
 * every field of every VMA equals /proc/PID/smaps, and the rollup equals
 * /proc/PID/smaps_rollup, for quiet forked targets that share pages in
 * every way smaps tells apart (fork, three sharers, shmem and files, THP,
 * swap, MADV_FREE, mlock, hugetlb, the fault lab, KSM). SwapPss is not
 * computed; SwapExclusive is checked against it where they must agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * The longest tests here take minutes under KASAN on a loaded TCG host: a
 * test never fails for being slow (the VM run has its own time bound).
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#include "libmmscope.h"
#include "util.h"

#define PAGE 4096UL
#define MB (1UL << 20)

/* The fields both sides name, and where mmscope keeps them. */
static const struct field {
	const char *name;
	size_t off;
	bool pss;
} fields[] = {
#define F(n, m, p) { n, offsetof(struct mmscope_smaps_vma, m), p }
	F("Rss", rss, false),
	F("Pss", pss, true),
	F("Pss_Dirty", pss_dirty, true),
	F("Pss_Anon", pss_anon, true),
	F("Pss_File", pss_file, true),
	F("Pss_Shmem", pss_shmem, true),
	F("Shared_Clean", shared_clean, false),
	F("Shared_Dirty", shared_dirty, false),
	F("Private_Clean", private_clean, false),
	F("Private_Dirty", private_dirty, false),
	F("Referenced", referenced, false),
	F("Anonymous", anonymous, false),
	F("KSM", ksm, false),
	F("LazyFree", lazyfree, false),
	F("AnonHugePages", anon_huge_pages, false),
	F("ShmemPmdMapped", shmem_pmd_mapped, false),
	F("FilePmdMapped", file_pmd_mapped, false),
	F("Shared_Hugetlb", shared_hugetlb, false),
	F("Private_Hugetlb", private_hugetlb, false),
	F("Swap", swap, false),
	F("Locked", pss_locked, true),
	F("KernelPageSize", kernel_page_size, false),
	F("MMUPageSize", mmu_page_size, false),
#undef F
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static uint64_t rec_kb(const struct mmscope_smaps_vma *r, const struct field *f)
{
	uint64_t v = *(const uint64_t *)((const char *)r + f->off);

	return (f->pss ? v >> MMSCOPE_PSS_SHIFT : v) >> 10;
}

/* One block of /proc/PID/smaps (or the rollup): its range and its kB lines. */
struct proc_block {
	uint64_t start, end;
	bool vsyscall;
	long long kb[NFIELDS];		/* -1: the kernel has no such line */
	long long size, swap_pss;
};

#define MAX_BLOCKS 512
static char procbuf[4][1 << 20];

/* Parse smaps text into blocks; returns the count or -1. */
static int parse_smaps(char *text, struct proc_block *b, int max)
{
	char *line, *save = NULL, name[64];
	unsigned long long start, end, v;
	int n = -1;
	size_t j;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2 && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (++n >= max)
				return -1;
			memset(&b[n], 0, sizeof(b[n]));
			for (j = 0; j < NFIELDS; j++)
				b[n].kb[j] = -1;
			b[n].start = start;
			b[n].end = end;
			b[n].vsyscall = strstr(line, "[vsyscall]") != NULL;
			b[n].swap_pss = -1;
			continue;
		}
		if (n < 0 || sscanf(line, "%63[^:]: %llu kB", name, &v) != 2)
			continue;
		if (!strcmp(name, "Size"))
			b[n].size = v;
		if (!strcmp(name, "SwapPss"))
			b[n].swap_pss = v;
		for (j = 0; j < NFIELDS; j++)
			if (!strcmp(name, fields[j].name))
				b[n].kb[j] = v;
	}
	return n + 1;
}

static int read_proc(pid_t pid, const char *file, char *buf)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	return read_file(path, buf, sizeof(procbuf[0])) > 0 ? 0 : -1;
}

static void rollup(const struct mmscope_smaps_vma *recs, size_t n,
		   struct mmscope_smaps_vma *sum)
{
	size_t i, j;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		for (j = 0; j < NFIELDS; j++)
			*(uint64_t *)((char *)sum + fields[j].off) +=
				*(const uint64_t *)((const char *)&recs[i] + fields[j].off);
		sum->swap_exclusive += recs[i].swap_exclusive;
	}
}

/*
 * The MMSCOPE_SMAPS_VMA_NO_* flags this kernel must set, from what it
 * shows of itself: THP, hugetlb and KSM have their sysfs directories, and
 * /proc/swaps exists with CONFIG_SWAP.
 */
static uint32_t kernel_lacks(void)
{
	uint32_t lacks = 0;

	if (!thp_in_kernel())
		lacks |= MMSCOPE_SMAPS_VMA_NO_THP;
	if (access("/sys/kernel/mm/hugepages", F_OK))
		lacks |= MMSCOPE_SMAPS_VMA_NO_HUGETLB;
	if (access("/sys/kernel/mm/ksm", F_OK))
		lacks |= MMSCOPE_SMAPS_VMA_NO_KSM;
	if (access("/proc/swaps", F_OK))
		lacks |= MMSCOPE_SMAPS_VMA_NO_SWAP;
	return lacks;
}

/*
 * MMSCOPE_SMAPS_ROLLUP's record against /proc/PID/smaps_rollup (@proc),
 * field by field in kB, and against @sum, the per-VMA records summed, in
 * the records' own units (Pss in fixed point): the kernel adds what the
 * records hold. Returns the mismatches.
 */
static int compare_kernel_rollup(pid_t pid, const struct mmscope_smaps_vma *kroll,
				 const struct mmscope_smaps_vma *sum,
				 const struct proc_block *proc, bool verbose, int *fields_seen)
{
	int bad = 0;
	size_t j;

	for (j = 0; j < NFIELDS; j++) {
		if (proc->kb[j] < 0)
			continue;
		(*fields_seen)++;
		if ((uint64_t)proc->kb[j] == rec_kb(kroll, &fields[j]))
			continue;
		if (verbose)
			fprintf(stderr, "# %d: kernel rollup %s: /proc %lld kB, mmscope %llu kB\n",
				pid, fields[j].name, proc->kb[j],
				(unsigned long long)rec_kb(kroll, &fields[j]));
		bad++;
	}
	if (proc->start != kroll->start || proc->end != kroll->end) {
		if (verbose)
			fprintf(stderr, "# %d: kernel rollup %llx-%llx, /proc %llx-%llx\n", pid,
				(unsigned long long)kroll->start, (unsigned long long)kroll->end,
				(unsigned long long)proc->start, (unsigned long long)proc->end);
		bad++;
	}
	for (j = 0; j < NFIELDS; j++) {
		uint64_t k = *(const uint64_t *)((const char *)kroll + fields[j].off);
		uint64_t v = *(const uint64_t *)((const char *)sum + fields[j].off);

		/* The page sizes are per VMA: a rollup has none. */
		if (fields[j].off == offsetof(struct mmscope_smaps_vma, kernel_page_size) ||
		    fields[j].off == offsetof(struct mmscope_smaps_vma, mmu_page_size)) {
			bad += k != 0;
			continue;
		}
		(*fields_seen)++;
		if (k == v)
			continue;
		if (verbose)
			fprintf(stderr, "# %d: kernel rollup %s %llu, summed records %llu\n", pid,
				fields[j].name, (unsigned long long)k, (unsigned long long)v);
		bad++;
	}
	bad += kroll->swap_exclusive != sum->swap_exclusive;
	/* The targets are quiet; what the kernel lacks, it lacks throughout. */
	bad += (kroll->flags & MMSCOPE_SMAPS_VMA_CHANGED) != 0;
	if ((kroll->flags & ~MMSCOPE_SMAPS_VMA_CHANGED) != kernel_lacks()) {
		if (verbose)
			fprintf(stderr, "# %d: kernel rollup flags %#x, this kernel lacks %#x\n",
				pid, kroll->flags, kernel_lacks());
		bad++;
	}
	return bad;
}

/*
 * Compare one reading of mmscope with /proc, field by field: every VMA
 * of smaps (but [vsyscall], which is no VMA of the mm), and the rollup.
 * Returns the mismatches; *@fields_seen counts the comparisons made.
 */
static int compare_once(pid_t pid, const struct mmscope_smaps_vma *recs, size_t n,
			const struct mmscope_smaps_vma *kroll,
			const char *smaps, const char *rollup_text, bool verbose,
			int *fields_seen)
{
	static struct proc_block blocks[MAX_BLOCKS], roll[2];
	struct mmscope_smaps_vma sum;
	int nb, nr, i, bad = 0;
	size_t k = 0, j;

	strcpy(procbuf[2], smaps);
	strcpy(procbuf[3], rollup_text);
	nb = parse_smaps(procbuf[2], blocks, MAX_BLOCKS);
	nr = parse_smaps(procbuf[3], roll, 2);
	if (nb < 1 || nr != 1)
		return 1000;
	*fields_seen = 0;
	for (i = 0; i < nb; i++) {
		if (blocks[i].vsyscall)
			continue;
		while (k < n && recs[k].start < blocks[i].start)
			k++;
		if (k >= n || recs[k].start != blocks[i].start || recs[k].end != blocks[i].end) {
			if (verbose)
				fprintf(stderr, "# %d: VMA %llx-%llx: no mmscope record\n", pid,
					(unsigned long long)blocks[i].start,
					(unsigned long long)blocks[i].end);
			bad++;
			continue;
		}
		for (j = 0; j < NFIELDS; j++) {
			if (blocks[i].kb[j] < 0)
				continue;
			(*fields_seen)++;
			if ((uint64_t)blocks[i].kb[j] == rec_kb(&recs[k], &fields[j]))
				continue;
			if (verbose && bad < 16)
				fprintf(stderr, "# %d: %llx-%llx %s: /proc %lld kB, mmscope %llu kB\n",
					pid, (unsigned long long)blocks[i].start,
					(unsigned long long)blocks[i].end, fields[j].name,
					blocks[i].kb[j],
					(unsigned long long)rec_kb(&recs[k], &fields[j]));
			bad++;
		}
		if (blocks[i].size != (long long)((recs[k].end - recs[k].start) >> 10))
			bad++;
		/* An exclusive swap entry has a swap count of 1: SwapPss counts it whole. */
		if (blocks[i].swap_pss >= 0 &&
		    (uint64_t)blocks[i].swap_pss < recs[k].swap_exclusive >> 10) {
			if (verbose)
				fprintf(stderr, "# %d: %llx SwapPss %lld < SwapExclusive %llu\n",
					pid, (unsigned long long)blocks[i].start,
					blocks[i].swap_pss,
					(unsigned long long)recs[k].swap_exclusive >> 10);
			bad++;
		}
		k++;
	}
	rollup(recs, n, &sum);
	for (j = 0; j < NFIELDS; j++) {
		if (roll[0].kb[j] < 0)
			continue;
		(*fields_seen)++;
		if ((uint64_t)roll[0].kb[j] == rec_kb(&sum, &fields[j]))
			continue;
		if (verbose)
			fprintf(stderr, "# %d: rollup %s: /proc %lld kB, mmscope %llu kB\n", pid,
				fields[j].name, roll[0].kb[j],
				(unsigned long long)rec_kb(&sum, &fields[j]));
		bad++;
	}
	bad += compare_kernel_rollup(pid, kroll, &sum, &roll[0], verbose, fields_seen);
	return bad;
}

/* The per-VMA records from @start up, summed as the kernel sums them. */
static void sum_from(const struct mmscope_smaps_vma *recs, size_t n, uint64_t start,
		     struct mmscope_smaps_vma *sum)
{
	size_t i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++)
		if (recs[i].end > start)
			mms_smaps_add(sum, &recs[i]);
}

/*
 * mmscope's smaps of @pid equals /proc's (@whole), or only its rollup, for
 * targets too big for that: the kernel's rollup against
 * /proc/PID/smaps_rollup and against the per-VMA records summed. /proc is
 * read before and after mmscope; a reading where the two /proc readings
 * differ (the kernel aged a page meanwhile) is taken again.
 */
static int compare_smaps(pid_t pid, bool whole)
{
	static struct proc_block roll[2];
	struct mmscope_smaps_vma *recs = NULL, kroll, sum;
	int fd, bad = -1, seen = 0, tries;
	size_t n;

	fd = open_target(pid);
	if (fd < 0)
		return -1;
	for (tries = 0; tries < 5; tries++) {
		/* The second reading of /proc goes into the comparison buffers. */
		if ((whole && read_proc(pid, "smaps", procbuf[0])) ||
		    read_proc(pid, "smaps_rollup", procbuf[1]) ||
		    mms_smaps_all(fd, &recs, &n) || mms_smaps_rollup(fd, &kroll) ||
		    (whole && read_proc(pid, "smaps", procbuf[2])) ||
		    read_proc(pid, "smaps_rollup", procbuf[3]))
			break;
		if ((whole && strcmp(procbuf[0], procbuf[2])) || strcmp(procbuf[1], procbuf[3])) {
			free(recs);
			recs = NULL;
			usleep(10000);
			continue;
		}
		if (whole) {
			bad = compare_once(pid, recs, n, &kroll, procbuf[0], procbuf[1], true,
					   &seen);
		} else {
			if (parse_smaps(procbuf[3], roll, 2) != 1)
				break;
			sum_from(recs, n, 0, &sum);
			bad = compare_kernel_rollup(pid, &kroll, &sum, &roll[0], true, &seen);
		}
		if (!seen)
			bad = 1000;
		break;
	}
	free(recs);
	close(fd);
	return bad;
}

static int compare_pid(pid_t pid)
{
	return compare_smaps(pid, true);
}

/* A field of /proc/PID/smaps_rollup, kB. */
static long long rollup_field(pid_t pid, const char *name)
{
	static struct proc_block roll[2];
	size_t j;

	if (read_proc(pid, "smaps_rollup", procbuf[3]) || parse_smaps(procbuf[3], roll, 2) != 1)
		return -1;
	for (j = 0; j < NFIELDS; j++)
		if (!strcmp(fields[j].name, name))
			return roll[0].kb[j];
	return -1;
}

/*
 * Targets: forked processes that set up their memory, say so on a pipe,
 * then wait for commands (one byte each, acknowledged), 'q' or EOF to end.
 */
struct target {
	pid_t pid;
	int cmd;	/* write end: commands to it */
	int ack;	/* read end: its acknowledgements */
};

/* Both sharers against /proc: how many of them differ. */
static int compare_pair(const struct target *t)
{
	return !!compare_pid(t[0].pid) + !!compare_pid(t[1].pid);
}

typedef void (*setup_fn)(void *arg);
typedef void (*cmd_fn)(char c, void *arg);

static void target_loop(int cmd, int ack, cmd_fn on_cmd, void *arg)
{
	char c;

	if (write(ack, "r", 1) != 1)
		_exit(1);
	while (read(cmd, &c, 1) == 1 && c != 'q') {
		if (on_cmd)
			on_cmd(c, arg);
		if (write(ack, "k", 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* Pipes for a target not yet forked (a child of another target, maybe). */
static int target_pipes(struct target *t, int fds[4])
{
	if (pipe(fds) || pipe(fds + 2))
		return -1;
	t->cmd = fds[1];
	t->ack = fds[2];
	return 0;
}

static int target_wait_ready(struct target *t)
{
	char c;

	return read(t->ack, &c, 1) == 1 ? 0 : -1;
}

static int target_send(struct target *t, char c)
{
	char a;

	if (write(t->cmd, &c, 1) != 1)
		return -1;
	return read(t->ack, &a, 1) == 1 ? 0 : -1;
}

static void target_end(struct target *t)
{
	int status;

	if (write(t->cmd, "q", 1) != 1)
		kill(t->pid, SIGKILL);
	close(t->cmd);
	close(t->ack);
	waitpid(t->pid, &status, 0);
}

/* Fork one target: @setup runs in it, then it serves commands. */
static int spawn(struct target *t, setup_fn setup, cmd_fn on_cmd, void *arg)
{
	int fds[4];

	if (target_pipes(t, fds))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (!t->pid) {
		close(fds[1]);
		close(fds[2]);
		if (setup)
			setup(arg);
		target_loop(fds[0], fds[3], on_cmd, arg);
	}
	close(fds[0]);
	close(fds[3]);
	return target_wait_ready(t);
}

/*
 * Sharers: the first target sets up @setup's memory, then forks the others
 * (nr in all) from it, so that they share its pages. Each serves commands.
 */
static int spawn_sharers(struct target *t, int nr, setup_fn setup, cmd_fn on_cmd, void *arg)
{
	int fds[8][4], i, k;

	for (i = 0; i < nr; i++)
		if (target_pipes(&t[i], fds[i]))
			return -1;
	t[0].pid = fork();
	if (t[0].pid < 0)
		return -1;
	if (!t[0].pid) {
		for (k = 0; k < nr; k++) {
			close(fds[k][1]);
			close(fds[k][2]);
		}
		if (setup)
			setup(arg);
		for (i = 1; i < nr; i++) {
			pid_t pid = fork();

			if (pid < 0)
				_exit(1);
			if (!pid) {
				for (k = 0; k < nr; k++)
					if (k != i) {
						close(fds[k][0]);
						close(fds[k][3]);
					}
				target_loop(fds[i][0], fds[i][3], on_cmd, arg);
			}
			/* The pids go through the first target's ack pipe, before its "r". */
			if (write(fds[0][3], &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
		}
		for (k = 1; k < nr; k++) {
			close(fds[k][0]);
			close(fds[k][3]);
		}
		target_loop(fds[0][0], fds[0][3], on_cmd, arg);
	}
	for (i = 0; i < nr; i++) {
		close(fds[i][0]);
		if (i > 0 && read(fds[0][2], &t[i].pid, sizeof(pid_t)) != sizeof(pid_t))
			return -1;
	}
	for (i = 0; i < nr; i++) {
		close(fds[i][3]);
		if (target_wait_ready(&t[i]))
			return -1;
	}
	return 0;
}

/* --- the memory the targets set up --------------------------------------- */

struct region {
	char *p;
	size_t len;
};

static struct region anon;

static void setup_anon(void *arg)
{
	size_t len = (size_t)(uintptr_t)arg;

	anon.len = len;
	anon.p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon.p == MAP_FAILED)
		_exit(1);
	madvise(anon.p, len, MADV_NOHUGEPAGE);
	memset(anon.p, 0x5a, len);
}

/* 'w': write the first quarter of the region (COW breaks there). */
static void cmd_anon(char c, void *arg)
{
	if (c == 'w')
		memset(anon.p, 0xa5, anon.len / 4);
}

TEST(plain_process)
{
	struct target t;

	ASSERT_EQ(0, spawn(&t, setup_anon, NULL, (void *)(64 * PAGE)));
	EXPECT_EQ(0, compare_pid(t.pid));
	target_end(&t);
}

/* Pss halves after fork, and changes when one side writes. */
TEST(fork_shares_then_writes)
{
	struct target t[2];
	long long pss_shared, pss_after;

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_anon, cmd_anon, (void *)(64 * PAGE)));
	EXPECT_EQ(0, compare_pair(t));
	pss_shared = rollup_field(t[1].pid, "Pss");
	ASSERT_EQ(0, target_send(&t[1], 'w'));
	EXPECT_EQ(0, compare_pair(t));
	pss_after = rollup_field(t[1].pid, "Pss");
	/* The oracle itself moved: the case tests what it means to. */
	EXPECT_GT(pss_after, pss_shared);
	target_end(&t[1]);
	target_end(&t[0]);
}

/* Three sharers: 4096 / 3 per page, where the fixed point matters. */
TEST(three_sharers)
{
	struct target t[3];
	int i;

	ASSERT_EQ(0, spawn_sharers(t, 3, setup_anon, NULL, (void *)(61 * PAGE)));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, compare_pid(t[i].pid));
	for (i = 2; i >= 0; i--)
		target_end(&t[i]);
}

/* Shared anonymous memory (shmem) and a MAP_SHARED file, in two processes. */
static void setup_shared(void *arg)
{
	char path[] = "/tmp/mmscope-smaps-XXXXXX";
	size_t len = 32 * PAGE;
	char *s, *f;
	int fd;

	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = mkstemp(path);
	if (s == MAP_FAILED || fd < 0 || ftruncate(fd, len))
		_exit(1);
	unlink(path);
	f = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		_exit(1);
	memset(s, 1, len);
	memset(f, 2, len / 2);	/* half dirty, the rest read */
	for (size_t i = len / 2; i < len; i += PAGE)
		(void)*(volatile char *)(f + i);
	close(fd);
}

TEST(shmem_and_shared_file)
{
	struct target t[2];

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_shared, NULL, NULL));
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

/* THP: PMD-mapped and shared by fork; then partly PTE-mapped by mprotect. */
static char *thp;

static void setup_thp(void *arg)
{
	char *raw;

	thp = thp_region(4 * MB, &raw);
	if (!thp)
		_exit(3);
}

static void cmd_thp(char c, void *arg)
{
	if (c == 'm')
		mprotect(thp + 5 * PAGE, PAGE, PROT_READ);
}

TEST(thp_pmd_then_pte_mapped)
{
	struct target t[2];

	if (!thp_in_kernel())
		SKIP(return, THP_MISSING);
	ASSERT_EQ(0, spawn_sharers(t, 2, setup_thp, cmd_thp, NULL));
	if (rollup_field(t[0].pid, "AnonHugePages") <= 0) {
		target_end(&t[1]);
		target_end(&t[0]);
		SKIP(return, "no THP");
	}
	EXPECT_EQ(0, compare_pair(t));
	ASSERT_EQ(0, target_send(&t[0], 'm'));
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

/* 'p': page out the whole region; 'r': read back its first half. */
static void cmd_swap(char c, void *arg)
{
	size_t i;

	if (c == 'p')
		madvise(anon.p, anon.len, MADV_PAGEOUT);
	if (c == 'r')
		for (i = 0; i < anon.len / 2; i += PAGE)
			(void)*(volatile char *)(anon.p + i);
}

static void setup_swapped(void *arg)
{
	setup_anon(arg);
	madvise(anon.p, anon.len, MADV_PAGEOUT);
}

TEST(swapped_region)
{
	struct target t[2];

	if (!swap_active())
		SKIP(return, "no swap device");
	/* Exclusive swap entries: SwapExclusive must then equal SwapPss. */
	ASSERT_EQ(0, spawn(&t[0], setup_anon, cmd_swap, (void *)(64 * PAGE)));
	ASSERT_EQ(0, target_send(&t[0], 'p'));
	EXPECT_GT(rollup_field(t[0].pid, "Swap"), 0);
	EXPECT_EQ(0, compare_pid(t[0].pid));
	ASSERT_EQ(0, target_send(&t[0], 'r'));
	EXPECT_EQ(0, compare_pid(t[0].pid));
	target_end(&t[0]);

	/* Shared ones: paged out before the fork, so both map each entry. */
	ASSERT_EQ(0, spawn_sharers(t, 2, setup_swapped, cmd_swap, (void *)(64 * PAGE)));
	EXPECT_GT(rollup_field(t[1].pid, "Swap"), 0);
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

/*
 * shmem swap: a memfd paged out through a shared mapping, then mapped
 * shared whole, shared in part (shmem_partial_swap_usage()), and private
 * writable (the holes of the walk count its swap).
 */
static void setup_shmem_swapped(void *arg)
{
	size_t len = 32 * PAGE;
	char *s, *p, *q;
	int fd;

	fd = memfd_create("mmscope-smaps", 0);
	if (fd < 0 || ftruncate(fd, len))
		_exit(1);
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED)
		_exit(1);
	memset(s, 7, len);
	madvise(s, len, MADV_PAGEOUT);
	p = mmap(NULL, len / 2, PROT_READ, MAP_SHARED, fd, len / 4);
	q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED || q == MAP_FAILED)
		_exit(1);
	q[0] = 1;	/* one private copy: the rest of q is holes */
	close(fd);
}

TEST(shmem_swapped)
{
	struct target t;

	if (!swap_active())
		SKIP(return, "no swap device");
	ASSERT_EQ(0, spawn(&t, setup_shmem_swapped, NULL, NULL));
	EXPECT_GT(rollup_field(t.pid, "Swap"), 0);
	EXPECT_EQ(0, compare_pid(t.pid));
	target_end(&t);
}

/*
 * shmem THP: shared anonymous memory in PMD-sized folios (ShmemPmdMapped),
 * PMD-mapped by the first target's writes and by the second one's reads
 * (fork() copies no page table of a shared mapping). shmem_enabled is
 * "advise" for the test, so MADV_HUGEPAGE asks for them.
 */
#define SHMEM_ENABLED "/sys/kernel/mm/transparent_hugepage/shmem_enabled"
static char *shm_thp;

static void setup_shmem_thp(void *arg)
{
	/* shmem_get_unmapped_area() aligns it to 2 MiB when huge is allowed. */
	shm_thp = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm_thp == MAP_FAILED)
		_exit(1);
	madvise(shm_thp, 4 * MB, MADV_HUGEPAGE);
	memset(shm_thp, 3, 4 * MB);
}

/* 't': read every page, which maps the folios the first target made. */
static void cmd_shmem_thp(char c, void *arg)
{
	if (c == 't')
		for (size_t i = 0; i < 4 * MB; i += PAGE)
			(void)*(volatile char *)(shm_thp + i);
}

FIXTURE(shmem_thp) {
	char saved[32];	/* shmem_enabled's choice before the test */
};

FIXTURE_SETUP(shmem_thp)
{
	char line[256], *open, *close;
	FILE *f = fopen(SHMEM_ENABLED, "r");

	self->saved[0] = 0;
	if (!f && !thp_in_kernel())
		SKIP(return, THP_MISSING);
	if (!f)
		SKIP(return, "no shmem THP (%s)", SHMEM_ENABLED);
	if (fgets(line, sizeof(line), f) && (open = strchr(line, '[')) &&
	    (close = strchr(open, ']')) && close - open - 1 < (int)sizeof(self->saved)) {
		memcpy(self->saved, open + 1, close - open - 1);
		self->saved[close - open - 1] = 0;
	}
	fclose(f);
	ASSERT_NE(0, self->saved[0]);
	ASSERT_EQ(0, write_file(SHMEM_ENABLED, "advise"));
}

FIXTURE_TEARDOWN(shmem_thp)
{
	if (self->saved[0])
		write_file(SHMEM_ENABLED, self->saved);
}

TEST_F(shmem_thp, pmd_mapped_in_two)
{
	struct target t[2];

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_shmem_thp, cmd_shmem_thp, NULL));
	if (rollup_field(t[0].pid, "ShmemPmdMapped") <= 0) {
		target_end(&t[1]);
		target_end(&t[0]);
		SKIP(return, "no PMD-mapped shmem THP here");
	}
	EXPECT_EQ(0, rollup_field(t[1].pid, "ShmemPmdMapped"));
	EXPECT_EQ(0, compare_pair(t));
	ASSERT_EQ(0, target_send(&t[1], 't'));
	EXPECT_EQ(4 * 1024, rollup_field(t[1].pid, "ShmemPmdMapped"));
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

static void setup_lazyfree(void *arg)
{
	setup_anon(arg);
	if (madvise(anon.p, anon.len / 2, MADV_FREE))
		_exit(1);
}

TEST(madv_free)
{
	struct target t;

	ASSERT_EQ(0, spawn(&t, setup_lazyfree, NULL, (void *)(64 * PAGE)));
	EXPECT_GT(rollup_field(t.pid, "LazyFree"), 0);
	EXPECT_EQ(0, compare_pid(t.pid));
	target_end(&t);
}

static void setup_mlock(void *arg)
{
	setup_anon(arg);
	if (mlock(anon.p, anon.len / 2))
		_exit(1);
}

TEST(mlocked_region)
{
	struct target t[2];

	ASSERT_EQ(0, spawn(&t[0], setup_mlock, NULL, (void *)(64 * PAGE)));
	EXPECT_GT(rollup_field(t[0].pid, "Locked"), 0);
	EXPECT_EQ(0, compare_pid(t[0].pid));
	target_end(&t[0]);
}

/* 2M shared and private, and 1G private; the pages are shared by fork. */
static void setup_hugetlb(void *arg)
{
	int flags = MAP_ANONYMOUS | MAP_HUGETLB;
	char *s, *p, *g;

	/* What cannot be had is left out; the test skips without 2M pages. */
	s = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE, flags | MAP_SHARED | (21 << MAP_HUGE_SHIFT),
		 -1, 0);
	p = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, flags | MAP_PRIVATE | (21 << MAP_HUGE_SHIFT),
		 -1, 0);
	if (s != MAP_FAILED)
		s[0] = 1;
	if (p != MAP_FAILED) {
		p[0] = 1;
		p[2 * MB] = 1;
	}
	g = mmap(NULL, 1024 * MB, PROT_READ | PROT_WRITE,
		 flags | MAP_PRIVATE | (30 << MAP_HUGE_SHIFT), -1, 0);
	if (g != MAP_FAILED)
		g[0] = 1;
}

/* 'w': write the second private 2M page: a copy of its own. */
static void cmd_hugetlb(char c, void *arg)
{
	struct proc_vma maps[64];
	int n = proc_maps(0, maps, 64), i;

	for (i = 0; c == 'w' && i < n; i++)
		if (maps[i].end - maps[i].start == 4 * MB && maps[i].perms[3] == 'p' &&
		    strstr(maps[i].path, "huge"))
			((char *)(uintptr_t)maps[i].start)[2 * MB] = 2;
}

TEST(hugetlb_2m_1g)
{
	struct target t[2];

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_hugetlb, cmd_hugetlb, NULL));
	if (rollup_field(t[0].pid, "Shared_Hugetlb") + rollup_field(t[0].pid, "Private_Hugetlb") <= 0) {
		target_end(&t[1]);
		target_end(&t[0]);
		SKIP(return, "no hugetlb pages reserved");
	}
	EXPECT_EQ(0, compare_pair(t));
	ASSERT_EQ(0, target_send(&t[1], 'w'));
	EXPECT_GT(rollup_field(t[1].pid, "Private_Hugetlb"), 0);
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

/* The fault lab: device memory as smaps sees it (PFN maps count nothing). */
static void setup_lab(void *arg)
{
	uint32_t mode = (uint32_t)(uintptr_t)arg;
	size_t i, len = 8 * PAGE;
	int fd = mms_faultlab_open(mode, len, 0, NULL);
	char *p;

	if (fd < 0)
		_exit(1);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(1);
	for (i = 0; i < len; i += 2 * PAGE)
		p[i] = 1;
	(void)*(volatile char *)(p + PAGE);
}

FIXTURE(lab) {
	int unused;
};

FIXTURE_VARIANT(lab) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(lab, page) { .mode = MMSCOPE_FAULTLAB_PAGE };
FIXTURE_VARIANT_ADD(lab, pfn) { .mode = MMSCOPE_FAULTLAB_PFN };
FIXTURE_VARIANT_ADD(lab, mixed) { .mode = MMSCOPE_FAULTLAB_MIXED };

FIXTURE_SETUP(lab) {}
FIXTURE_TEARDOWN(lab) {}

TEST_F(lab, device_memory)
{
	struct target t[2];

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_lab, NULL, (void *)(uintptr_t)variant->mode));
	EXPECT_EQ(0, compare_pair(t));
	target_end(&t[1]);
	target_end(&t[0]);
}

/* KSM: two regions of the same content merge into shared KSM pages. */
static void setup_ksm(void *arg)
{
	size_t len = 64 * PAGE;

	setup_anon((void *)(2 * len));
	if (madvise(anon.p, 2 * len, MADV_MERGEABLE))
		_exit(3);
}

FIXTURE(ksm) {
	struct ksm_knobs knobs;
};
FIXTURE_SETUP(ksm) {}
FIXTURE_TEARDOWN(ksm)
{
	ksm_knobs_restore(&self->knobs);
}

TEST_F_TIMEOUT(ksm, merged_pages, 120)
{
	long long shared = 0;
	struct target t;
	char buf[64];
	int i;

	if (access("/sys/kernel/mm/ksm/run", W_OK))
		SKIP(return, "no KSM");
	ASSERT_EQ(0, ksm_scan_fast(&self->knobs));
	ASSERT_EQ(0, spawn(&t, setup_ksm, NULL, NULL));
	for (i = 0; i < 600 && shared <= 0; i++) {
		usleep(100000);
		if (read_file("/sys/kernel/mm/ksm/pages_sharing", buf, sizeof(buf)) > 0)
			shared = atoll(buf);
	}
	/* Let ksmd finish its pass, then stop it: a quiet target. */
	usleep(500000);
	write_file("/sys/kernel/mm/ksm/run", "0");
	if (shared <= 0) {
		target_end(&t);
		SKIP(return, "ksmd merged nothing in 60 s");
	}
	EXPECT_EQ(0, compare_pid(t.pid));
	target_end(&t);
}

/* Run the CLI; its output goes to the log as "# " lines and into @out. */
static int run_cli(const char *args, char *out, size_t size)
{
	char cmd[512], line[512];
	size_t len = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s", cli_path(), args);
	fprintf(stderr, "# $ mmscope %s\n", args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "# %s", line);
		if (len + strlen(line) < size) {
			strcpy(out + len, line);
			len += strlen(line);
		}
	}
	return pclose(f);
}

/*
 * Two processes share 64 pages by fork; one writes 16 of them. The CLI's
 * table and rollup (shown in the log: docs/internals/smaps.md's example) say what
 * /proc/PID/smaps_rollup says.
 */
TEST(cli_two_processes)
{
	static char out[1 << 16];
	char args[128], *pss;
	struct target t[2];
	int i;

	ASSERT_EQ(0, spawn_sharers(t, 2, setup_anon, cmd_anon, (void *)(64 * PAGE)));
	ASSERT_EQ(0, target_send(&t[1], 'w'));
	for (i = 0; i < 2; i++) {
		snprintf(args, sizeof(args), "smaps %d --sort pss --top 3", t[i].pid);
		EXPECT_EQ(0, run_cli(args, out, sizeof(out)));
		snprintf(args, sizeof(args), "smaps %d --rollup", t[i].pid);
		EXPECT_EQ(0, run_cli(args, out, sizeof(out)));
		snprintf(args, sizeof(args), "-j smaps %d --rollup", t[i].pid);
		ASSERT_EQ(0, run_cli(args, out, sizeof(out)));
		pss = strstr(out, "\"Pss\":");
		ASSERT_NE(NULL, pss);
		EXPECT_EQ(rollup_field(t[i].pid, "Pss"), atoll(pss + 6));
	}
	target_end(&t[1]);
	target_end(&t[0]);
}

/* Records come in address order, one per VMA, whatever the batch size. */
TEST(resumable_one_at_a_time)
{
	struct mmscope_smaps_vma *all, one;
	struct mmscope_smaps req;
	struct target t;
	size_t n, i = 0;
	int fd;

	ASSERT_EQ(0, spawn(&t, setup_anon, NULL, (void *)(64 * PAGE)));
	fd = open_target(t.pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_smaps_all(fd, &all, &n));
	ASSERT_GT(n, 3);
	memset(&req, 0, sizeof(req));
	do {
		req.size = sizeof(req);
		req.records_ptr = (uintptr_t)&one;
		req.record_size = sizeof(one);
		req.count = 1;
		ASSERT_EQ(0, ioctl(fd, MMSCOPE_IOC_SMAPS, &req));
		if (!req.count)
			break;
		ASSERT_LT(i, n);
		EXPECT_EQ(all[i].start, one.start);
		EXPECT_EQ(all[i].end, one.end);
		EXPECT_EQ(all[i].rss, one.rss);
		/*
		 * Not Pss itself: the child shares pages with this process
		 * since fork(), and a write of ours in between (our stack)
		 * makes one of them the child's alone (seen on debug).
		 */
		EXPECT_LE(one.pss, one.rss << MMSCOPE_PSS_SHIFT);
		EXPECT_EQ(one.end, req.next);
		i++;
		req.start = req.next;
	} while (!(req.out_flags & MMSCOPE_SMAPS_DONE));
	EXPECT_EQ(n, i);
	free(all);
	close(fd);
	target_end(&t);
}

static int smaps_ioctl(int fd, struct mmscope_smaps *req)
{
	return ioctl(fd, MMSCOPE_IOC_SMAPS, req) ? -errno : 0;
}

/* --- MMSCOPE_SMAPS_ROLLUP ------------------------------------------------ */

/*
 * A target of many VMAs and one big region: more page-table entries than
 * one hold of the mmap lock reads (the walker's budget, 16,384), so the
 * rollup lets the lock go between VMAs and inside the big one. 8,000 VMAs
 * and 80 MiB on the 6.12 entry; a light run (mmscope.light=1) makes 2,000
 * and 68 MiB, still more entries than the budget in the region alone, at
 * about half the debug kernel's 40 s per target.
 */
static size_t many_vmas(void)
{
	return getenv("MMSCOPE_LIGHT") ? 2000 : 8000;
}

static size_t big_region(void)
{
	return getenv("MMSCOPE_LIGHT") ? 68 * MB : 80 * MB;
}

static void setup_many(void *arg)
{
	size_t nvmas = many_vmas(), big_len = big_region();
	char *p, *big;
	size_t i;

	p = mmap(NULL, nvmas * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	big = mmap(NULL, big_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || big == MAP_FAILED)
		_exit(1);
	madvise(p, nvmas * PAGE, MADV_NOHUGEPAGE);
	madvise(big, big_len, MADV_NOHUGEPAGE);
	memset(p, 0x5a, nvmas * PAGE);
	memset(big, 0x5a, big_len);
	/* Every other page read-only: nvmas VMAs that do not merge. */
	for (i = 1; i < nvmas; i += 2)
		if (mprotect(p + i * PAGE, PAGE, PROT_READ))
			_exit(1);
}

TEST(rollup_many_vmas_and_lock_breaks)
{
	struct target t;

	ASSERT_EQ(0, spawn(&t, setup_many, NULL, NULL));
	EXPECT_EQ(0, compare_smaps(t.pid, false));
	target_end(&t);
}

/* From a start inside the address space: the VMAs that end above it, whole. */
TEST(rollup_from_a_start)
{
	struct mmscope_smaps_vma *all = NULL, *again = NULL, rec, sum;
	struct mmscope_smaps req;
	struct target t;
	size_t n, n2, k;
	int fd, tries, bad = -1;

	ASSERT_EQ(0, spawn(&t, setup_anon, NULL, (void *)(64 * PAGE)));
	fd = open_target(t.pid);
	ASSERT_GE(fd, 0);
	/* Pss of pages shared with this process moves as we run: read again. */
	for (tries = 0; tries < 5 && bad; tries++) {
		free(all);
		free(again);
		ASSERT_EQ(0, mms_smaps_all(fd, &all, &n));
		ASSERT_GT(n, 3);
		k = n / 2;
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = MMSCOPE_SMAPS_ROLLUP;
		req.start = all[k].end - PAGE;	/* inside VMA k: it counts whole */
		req.records_ptr = (uintptr_t)&rec;
		req.record_size = sizeof(rec);
		req.count = 1;
		ASSERT_EQ(0, smaps_ioctl(fd, &req));
		ASSERT_EQ(0, mms_smaps_all(fd, &again, &n2));
		if (n2 != n || memcmp(all, again, n * sizeof(*all)))
			continue;
		EXPECT_EQ(1, req.count);
		EXPECT_TRUE(req.out_flags & MMSCOPE_SMAPS_DONE);
		EXPECT_EQ(all[n - 1].end, req.next);
		sum_from(all, n, req.start, &sum);
		EXPECT_EQ(all[k].start, rec.start);
		EXPECT_EQ(all[n - 1].end, rec.end);
		EXPECT_EQ(0, rec.kernel_page_size);
		bad = memcmp(&sum.rss, &rec.rss,
			     offsetof(struct mmscope_smaps_vma, flags) -
			     offsetof(struct mmscope_smaps_vma, rss));
	}
	EXPECT_EQ(0, bad);
	/* Above the last VMA: no record, and done. */
	req.start = all[n - 1].end;
	req.count = 1;
	EXPECT_EQ(0, smaps_ioctl(fd, &req));
	EXPECT_EQ(0, req.count);
	EXPECT_TRUE(req.out_flags & MMSCOPE_SMAPS_DONE);
	free(all);
	free(again);
	close(fd);
	target_end(&t);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/*
 * A pending signal may end a rollup between two VMAs: the calls' records,
 * added up from @next on, are the whole rollup. A timer keeps signals
 * coming while a big target is rolled up.
 */
TEST(rollup_ignores_caught_signals)
{
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = {};
	struct sigaction sa = { .sa_handler = on_alarm };
	struct mmscope_smaps_vma rec, once;
	struct mmscope_smaps req;
	struct target t;
	int fd;

	ASSERT_EQ(0, spawn(&t, setup_many, NULL, NULL));
	fd = open_target(t.pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = MMSCOPE_SMAPS_ROLLUP;
	req.records_ptr = (uintptr_t)&rec;
	req.record_size = sizeof(rec);
	req.count = 1;
	alarms = 0;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every, NULL));
	ASSERT_EQ(0, smaps_ioctl(fd, &req));
	setitimer(ITIMER_REAL, &off, NULL);
	TH_LOG("%d signals during the call", (int)alarms);
	/* One call, whole, however many signals came. */
	EXPECT_TRUE(req.out_flags & MMSCOPE_SMAPS_DONE);
	EXPECT_EQ(1, req.count);
	/*
	 * The target's own pages do not move: Rss, Anonymous and the dirty
	 * total are stable (our own writes may turn one of its shared dirty
	 * pages private, by copying ours, between the two calls).
	 */
	ASSERT_EQ(0, mms_smaps_rollup(fd, &once));
	EXPECT_EQ(once.start, rec.start);
	EXPECT_EQ(once.end, rec.end);
	EXPECT_EQ(once.rss, rec.rss);
	EXPECT_EQ(once.anonymous, rec.anonymous);
	EXPECT_EQ(once.private_dirty + once.shared_dirty, rec.private_dirty + rec.shared_dirty);
	EXPECT_GE(rec.rss, big_region() + many_vmas() * PAGE);
	close(fd);
	target_end(&t);
}

/*
 * What every request refuses, a rollup or not: each field of @good spoiled
 * in turn; @good itself is taken and fills @count records. Returns the
 * file, of this process.
 */
static int expect_common_refusals(struct __test_metadata *_metadata,
				  const struct mmscope_smaps *good, uint32_t count)
{
	struct mmscope_smaps req;
	int fd = open_target(getpid());

	if (fd < 0)
		return fd;
	req = *good;
	EXPECT_EQ(0, smaps_ioctl(fd, &req));
	EXPECT_EQ(count, req.count);
	req = *good;
	req.reserved = 1;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = *good;
	req.count = 0;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = *good;
	req.records_ptr = 0;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = *good;
	req.record_size = good->record_size - 8;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = *good;
	req.records_ptr = 16;	/* unmapped */
	EXPECT_EQ(-EFAULT, smaps_ioctl(fd, &req));
	return fd;
}

/* A kernel thread has no VMAs: @req fills no record, and is done. */
static void expect_kernel_thread_none(struct __test_metadata *_metadata,
				      struct mmscope_smaps req)
{
	int fd = open_target(2);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, smaps_ioctl(fd, &req));
	EXPECT_EQ(0, req.count);
	EXPECT_TRUE(req.out_flags & MMSCOPE_SMAPS_DONE);
	close(fd);
}

/* Every way a rollup request can be wrong. */
TEST(rollup_bad_requests)
{
	struct mmscope_smaps_vma recs[2];
	struct mmscope_smaps req, good = {
		.size = sizeof(req), .flags = MMSCOPE_SMAPS_ROLLUP,
		.records_ptr = (uintptr_t)recs, .record_size = sizeof(recs[0]), .count = 1,
	};
	int fd;

	fd = expect_common_refusals(_metadata, &good, 1);
	ASSERT_GE(fd, 0);
	req = good;
	req.flags = MMSCOPE_SMAPS_ROLLUP | 2;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = good;
	req.flags = ~0U;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = good;
	req.record_size = 0;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	/* A larger record of a newer caller: its tail comes back zeroed. */
	memset(recs, 0xff, sizeof(recs));
	req = good;
	req.record_size = sizeof(recs[0]) + 16;
	EXPECT_EQ(0, smaps_ioctl(fd, &req));
	EXPECT_EQ(0, recs[1].start);
	EXPECT_EQ(0, recs[1].end);
	close(fd);
	expect_kernel_thread_none(_metadata, good);
}

/* A caller that lost CAP_SYS_ADMIN after open(): EPERM, as for every query. */
static int smaps_as_nobody(void *arg)
{
	struct mmscope_smaps_vma rec;
	struct mmscope_smaps req = {
		.size = sizeof(req), .records_ptr = (uintptr_t)&rec,
		.record_size = sizeof(rec), .count = 1,
	};

	return ioctl(*(int *)arg, MMSCOPE_IOC_SMAPS, &req) && errno == EPERM ? 0 : 1;
}

/* Every way a request can be wrong. */
TEST(bad_requests)
{
	struct {
		struct mmscope_smaps req;
		uint64_t tail;
	} big;
	struct mmscope_smaps_vma recs[4];
	struct mmscope_smaps req, good = {
		.size = sizeof(req), .records_ptr = (uintptr_t)recs,
		.record_size = sizeof(recs[0]), .count = 4,
	};
	int fd;

	fd = expect_common_refusals(_metadata, &good, 4);
	ASSERT_GE(fd, 0);
	req = good;
	req.flags = 2;	/* not MMSCOPE_SMAPS_ROLLUP */
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = good;
	req.record_size = 5 * sizeof(recs[0]);
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	req = good;
	req.size = 8;
	EXPECT_EQ(-EINVAL, smaps_ioctl(fd, &req));
	/* A newer caller's larger request: fine with a zero tail, E2BIG without. */
	memset(&big, 0, sizeof(big));
	big.req = good;
	big.req.size = sizeof(big);
	EXPECT_EQ(0, smaps_ioctl(fd, &big.req));
	big.req = good;
	big.req.size = sizeof(big);
	big.tail = 1;
	EXPECT_EQ(-E2BIG, smaps_ioctl(fd, &big.req));
	EXPECT_EQ(0, run_as_nobody(smaps_as_nobody, &fd));
	close(fd);

	/* No target set yet. */
	fd = mms_open(NULL);
	ASSERT_GE(fd, 0);
	req = good;
	EXPECT_NE(0, smaps_ioctl(fd, &req));
	close(fd);
}

TEST(kernel_thread_has_none)
{
	struct mmscope_smaps_vma recs[2];
	struct mmscope_smaps req = {
		.size = sizeof(req), .records_ptr = (uintptr_t)recs,
		.record_size = sizeof(recs[0]), .count = 2,
	};

	expect_kernel_thread_none(_metadata, req);
}

/*
 * The debugfs file shows the ioctl's numbers, VMA by VMA. The Pss of the
 * binary's pages moves as other processes come and go: a reading where
 * debugfs changed around the ioctl is taken again.
 */
TEST(debugfs_matches_ioctl)
{
	static char text[1 << 20], again[1 << 20];
	struct mmscope_smaps_vma *recs = NULL;
	unsigned long long start, end, rss, pss;
	char pid[16], *line, *save = NULL;
	size_t n = 0, k = 0, seen = 0;
	struct target t;
	int fd, tries;

	ASSERT_EQ(0, spawn(&t, setup_anon, NULL, (void *)(64 * PAGE)));
	snprintf(pid, sizeof(pid), "%d", t.pid);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/target", pid));
	fd = open_target(t.pid);
	ASSERT_GE(fd, 0);
	for (tries = 0; tries < 10; tries++) {
		free(recs);
		ASSERT_GT(read_file(DEBUGFS_DIR "/smaps", text, sizeof(text)), 0);
		ASSERT_EQ(0, mms_smaps_all(fd, &recs, &n));
		ASSERT_GT(read_file(DEBUGFS_DIR "/smaps", again, sizeof(again)), 0);
		if (!strcmp(text, again))
			break;
		usleep(10000);
	}
	EXPECT_NE(NULL, strstr(text, "SwapPss:"));
	EXPECT_NE(NULL, strstr(text, "SwapExclusive:"));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx-%llx", &start, &end) == 2) {
			ASSERT_LT(k, n);
			EXPECT_EQ(recs[k].start, start);
			EXPECT_EQ(recs[k].end, end);
			k++;
		} else if (sscanf(line, "Rss: %llu kB", &rss) == 1) {
			EXPECT_EQ(recs[k - 1].rss >> 10, rss);
			seen++;
		} else if (sscanf(line, "Pss: %llu kB", &pss) == 1) {
			EXPECT_EQ(recs[k - 1].pss >> (MMSCOPE_PSS_SHIFT + 10), pss);
			seen++;
		}
	}
	EXPECT_EQ(n, k);
	EXPECT_EQ(2 * n, seen);
	free(recs);
	close(fd);
	target_end(&t);
}

TEST_HARNESS_MAIN
