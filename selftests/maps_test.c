// SPDX-License-Identifier: GPL-2.0
/*
 * The maps export against /proc/PID/maps (every field), /proc/PID/smaps
 * (VmFlags, Anonymous) and the kernel's own names for special VMAs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

#define MAX_VMAS 24000
#define PAGE 4096UL

/* Buffers mapped once, so listing our own VMAs does not add VMAs. */
static struct mmscope_vma *ours;
static struct proc_vma *theirs;

static void __attribute__((constructor)) alloc_buffers(void)
{
	ours = mmap(NULL, MAX_VMAS * sizeof(*ours), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	theirs = mmap(NULL, MAX_VMAS * sizeof(*theirs), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ours == MAP_FAILED || theirs == MAP_FAILED)
		abort();
}

/* mmscope, /proc, mmscope: both listings agree when nothing moved. */
static int snapshot(pid_t pid, int batch, int *nproc)
{
	int fd, n = -1, again, tries;

	fd = open_target(pid);
	if (fd < 0)
		return fd;
	for (tries = 0; tries < 10; tries++) {
		n = list_vmas(fd, ours, MAX_VMAS, batch);
		*nproc = proc_maps(pid, theirs, MAX_VMAS);
		again = list_vmas(fd, ours, MAX_VMAS, batch);
		if (n == again && n == *nproc)
			break;
	}
	close(fd);
	return n;
}

static int mismatches(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		if (vma_matches_proc(&ours[i], &theirs[i]))
			continue;
		if (bad++ < 5)
			fprintf(stderr, "# mmscope: %llx-%llx %s %llx %02x:%02x %llu %s\n"
				"# /proc:   %s\n", ours[i].start, ours[i].end,
				(char *)ours[i].perms, ours[i].offset, ours[i].dev_major,
				ours[i].dev_minor, ours[i].inode, (char *)ours[i].path,
				theirs[i].line);
	}
	return bad;
}

static struct mmscope_vma *find_ours(int n, uint64_t addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (ours[i].start <= addr && addr < ours[i].end)
			return &ours[i];
	return NULL;
}

static struct mmscope_vm_flag_names names;

static bool has_flag(const struct mmscope_vma *v, const char *name)
{
	int bit;

	for (bit = 0; bit < 64; bit++)
		if (!strcmp((const char *)names.names[bit], name))
			return v->vm_flags & (1ULL << bit);
	return false;
}

static void load_names(void)
{
	int fd = mms_open(NULL);

	if (fd >= 0) {
		mms_vm_flag_names(fd, &names);
		close(fd);
	}
}

TEST(self_matches_proc)
{
	int n, nproc;

	n = snapshot(getpid(), 64, &nproc);
	ASSERT_GT(n, 5);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
}

/* One record per call: the cursor alone must walk the same list. */
TEST(cursor_resumes_one_by_one)
{
	int n, nproc;

	n = snapshot(getpid(), 1, &nproc);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
}

/* A caller built with a larger record gets its tail zeroed. */
TEST(larger_record_tail_is_zeroed)
{
	struct { struct mmscope_vma v; char tail[256]; } big[2];
	struct mmscope_vmas req = { .size = sizeof(req) };
	int fd, i;

	memset(big, 0xff, sizeof(big));
	fd = open_target(getpid());
	ASSERT_GE(fd, 0);
	req.vmas_ptr = (uintptr_t)big;
	req.vma_size = sizeof(big[0]);
	req.count = 2;
	ASSERT_EQ(0, ioctl(fd, MMSCOPE_IOC_VMAS, &req));
	ASSERT_EQ(2, req.count);
	EXPECT_LE(big[0].v.end, big[1].v.start);
	EXPECT_EQ(req.next, big[1].v.end);
	for (i = 0; i < 256; i++)
		ASSERT_EQ(0, big[0].tail[i] | big[1].tail[i]);
	close(fd);
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static uint64_t make_threads(void *arg)
{
	pthread_t t;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t, NULL, idle_thread, NULL);
	return 0;
}

TEST(process_with_threads)
{
	int n, nproc;
	pid_t pid;

	pid = start_child(make_threads, NULL, NULL);
	ASSERT_GT(pid, 0);
	n = snapshot(pid, 64, &nproc);
	EXPECT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
	stop_child(pid);
}

/*
 * @arg VMAs: every other page of a PROT_NONE reservation made readable.
 * 20,000 on the 6.12 entry; 5,000 in a light run (mmscope.light=1), which
 * still spans five of snapshot()'s 1,000-record batches and a hundred
 * seq_file pages, at a quarter of the time (a minute on the debug kernel).
 */
static size_t many_vmas(void)
{
	return getenv("MMSCOPE_LIGHT") ? 5000 : 20000;
}

static uint64_t make_many_vmas(void *arg)
{
	size_t pages = (uintptr_t)arg;
	char *base;
	size_t i;

	base = mmap(NULL, pages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		_exit(1);
	for (i = 0; i < pages; i += 2)
		if (mprotect(base + i * PAGE, PAGE, PROT_READ))
			_exit(1);
	return 0;
}

/* The debugfs text must read like /proc/PID/maps, line for line. */
static int debugfs_mismatches(pid_t pid, int nproc)
{
	static char text[MAX_VMAS * 256];
	char pidstr[16], *line, *next, *bar;
	int i = 0, bad = 0;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	if (write_file(DEBUGFS_DIR "/target", pidstr) ||
	    read_file(DEBUGFS_DIR "/maps", text, sizeof(text)) < 0)
		return -1;
	for (line = text; *line; line = next, i++) {
		next = strchr(line, '\n');
		*next++ = '\0';
		bar = strstr(line, " | vm_flags=");
		if (!bar || i >= nproc)
			return -1;
		*bar = '\0';
		if (strcmp(line, theirs[i].line) && bad++ < 3)
			fprintf(stderr, "# debugfs: '%s'\n# /proc:   '%s'\n", line, theirs[i].line);
	}
	return i == nproc ? bad : -1;
}

/*
 * Building thousands of VMAs takes a minute under TCG on the KASAN kernel:
 * the timeout only guards against a hang, it measures nothing.
 */
FIXTURE(many) {};
FIXTURE_SETUP(many) {}
FIXTURE_TEARDOWN(many) {}

TEST_F_TIMEOUT(many, thousands_of_vmas, 600)
{
	size_t want = many_vmas();
	int n, nproc;
	pid_t pid;

	pid = start_child(make_many_vmas, (void *)(uintptr_t)want, NULL);
	ASSERT_GT(pid, 0);
	n = snapshot(pid, 1000, &nproc);
	TH_LOG("%d VMAs", n);
	EXPECT_GE(n, (int)want);
	EXPECT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
	/* seq_file drops the lock at every full page and must find its place. */
	EXPECT_EQ(0, debugfs_mismatches(pid, nproc));
	stop_child(pid);
}

FIXTURE(files) {
	char dir[64];
	char path[96];
	int fd;
	bool mounted;
};

/* ramfs, so that a shared file mapping is a plain file, not shmem. */
FIXTURE_SETUP(files)
{
	static const char page[PAGE * 4];

	snprintf(self->dir, sizeof(self->dir), "/tmp/mmscope-ramfs-%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0700));
	self->mounted = !mount("ramfs", self->dir, "ramfs", 0, NULL);
	snprintf(self->path, sizeof(self->path), "%s/data", self->dir);
	self->fd = open(self->path, O_RDWR | O_CREAT, 0700);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(sizeof(page), write(self->fd, page, sizeof(page)));
}

FIXTURE_TEARDOWN(files)
{
	close(self->fd);
	unlink(self->path);
	if (self->mounted)
		umount(self->dir);
	rmdir(self->dir);
}

TEST_F(files, private_and_shared_mappings)
{
	char *priv_ro, *priv_rw, *shared, *exec;
	struct mmscope_vma *v;
	struct stat st;
	int n, nproc;

	priv_ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd, PAGE);
	priv_rw = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, 2 * PAGE);
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	exec = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, self->fd, 3 * PAGE);
	ASSERT_NE(MAP_FAILED, priv_ro);
	ASSERT_NE(MAP_FAILED, priv_rw);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, exec);
	priv_rw[0] = 1;
	shared[0] = 1;
	ASSERT_EQ(0, fstat(self->fd, &st));

	n = snapshot(getpid(), 64, &nproc);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));

	v = find_ours(n, (uintptr_t)priv_ro);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(PAGE, v->offset);
	EXPECT_EQ(st.st_ino, v->inode);
	EXPECT_STREQ(self->path, (char *)v->path);
	EXPECT_STREQ("r--p", (char *)v->perms);
	EXPECT_STREQ("file", mms_kind_name(v->kind));
	v = find_ours(n, (uintptr_t)priv_rw);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(2 * PAGE, v->offset);
	EXPECT_STREQ("data", mms_kind_name(v->kind));
	EXPECT_TRUE(v->flags & MMSCOPE_VMA_ANON_VMA);	/* the COW copy */
	v = find_ours(n, (uintptr_t)shared);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("rw-s", (char *)v->perms);
	EXPECT_STREQ(self->mounted ? "file" : "shm", mms_kind_name(v->kind));
	EXPECT_FALSE(v->flags & MMSCOPE_VMA_ANON_VMA);
	if (self->mounted) {
		EXPECT_STREQ("generic_file_vm_ops", (char *)v->vm_ops);
	}
	v = find_ours(n, (uintptr_t)exec);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("text", mms_kind_name(v->kind));

	munmap(priv_ro, PAGE);
	munmap(priv_rw, PAGE);
	munmap(shared, PAGE);
	munmap(exec, PAGE);
}

/* Every VM_* name against the mnemonics smaps prints in VmFlags. */
static int vmflags_mismatches(int n)
{
	char smaps[256], mn[4];
	int i, bit, bad = 0;
	const char *m;

	for (i = 0; i < n; i++) {
		if (proc_smaps_vmflags(0, ours[i].start, smaps, sizeof(smaps)))
			return -1;
		for (bit = 0; bit < 64; bit++) {
			m = vm_flag_mnemonic((const char *)names.names[bit]);
			if (!m)
				continue;
			snprintf(mn, sizeof(mn), "%s", m);
			bool in_smaps = strstr(smaps, mn) &&
					(strstr(smaps, mn)[-1] == ' ');
			bool in_ours = ours[i].vm_flags & (1ULL << bit);

			if (in_smaps != in_ours && bad++ < 5)
				fprintf(stderr, "# %llx: %s: mmscope %d, smaps '%s'\n",
					ours[i].start, (char *)names.names[bit], in_ours, smaps);
		}
	}
	return bad;
}

TEST(vm_flags_match_smaps)
{
	char *locked, *growsdown, *seq, *rnd, *dontfork, *shared;
	int n, nproc;

	load_names();
	locked = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	growsdown = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	seq = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rnd = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dontfork = mmap(NULL, 5 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, locked);
	ASSERT_NE(MAP_FAILED, growsdown);
	ASSERT_NE(MAP_FAILED, seq);
	ASSERT_NE(MAP_FAILED, rnd);
	ASSERT_NE(MAP_FAILED, dontfork);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, madvise(seq, 2 * PAGE, MADV_SEQUENTIAL));
	ASSERT_EQ(0, madvise(rnd, 3 * PAGE, MADV_RANDOM));
	ASSERT_EQ(0, madvise(dontfork, 5 * PAGE, MADV_DONTFORK));

	n = snapshot(getpid(), 64, &nproc);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, vmflags_mismatches(n));

	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)locked), "VM_LOCKED"));
	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)growsdown), "VM_GROWSDOWN"));
	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)seq), "VM_SEQ_READ"));
	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)rnd), "VM_RAND_READ"));
	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)dontfork), "VM_DONTCOPY"));
	EXPECT_TRUE(has_flag(find_ours(n, (uintptr_t)shared), "VM_SHARED"));
	EXPECT_FALSE(has_flag(find_ours(n, (uintptr_t)seq), "VM_RAND_READ"));
	EXPECT_FALSE(has_flag(find_ours(n, (uintptr_t)locked), "VM_SHARED"));
}

/* The names are the kernel's: bits fixed by the ABI of mmap and madvise. */
TEST(flag_names)
{
	load_names();
	EXPECT_STREQ("VM_READ", (char *)names.names[0]);
	EXPECT_STREQ("VM_WRITE", (char *)names.names[1]);
	EXPECT_STREQ("VM_EXEC", (char *)names.names[2]);
	EXPECT_STREQ("VM_SHARED", (char *)names.names[3]);
	EXPECT_STREQ("VM_GROWSDOWN", (char *)names.names[8]);
	EXPECT_STREQ("VM_PFNMAP", (char *)names.names[10]);
	EXPECT_STREQ("VM_LOCKED", (char *)names.names[13]);
	EXPECT_STREQ("VM_IO", (char *)names.names[14]);
	EXPECT_STREQ("VM_SEQ_READ", (char *)names.names[15]);
	EXPECT_STREQ("VM_RAND_READ", (char *)names.names[16]);
	EXPECT_STREQ("VM_DONTCOPY", (char *)names.names[17]);
	EXPECT_STREQ("VM_HUGEPAGE", (char *)names.names[29]);
	EXPECT_STREQ("VM_MERGEABLE", (char *)names.names[31]);
}

TEST(merge_and_split)
{
	struct mmscope_vma *v;
	char *a, *b;
	int n, nproc;

	/* Two adjacent identical anonymous mappings become one VMA. */
	a = mmap(NULL, 6 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, munmap(a, 6 * PAGE));
	a = mmap(a + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	b = mmap(a + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	n = snapshot(getpid(), 64, &nproc);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
	v = find_ours(n, (uintptr_t)a);
	ASSERT_NE(NULL, v);
	EXPECT_EQ((uintptr_t)a, v->start);
	EXPECT_EQ((uintptr_t)a + 4 * PAGE, v->end);

	/* mprotect of a middle page splits it in three. */
	ASSERT_EQ(0, mprotect(a + PAGE, PAGE, PROT_READ));
	n = snapshot(getpid(), 64, &nproc);
	ASSERT_EQ(nproc, n);
	EXPECT_EQ(0, mismatches(n));
	v = find_ours(n, (uintptr_t)a);
	ASSERT_NE(NULL, v);
	EXPECT_EQ((uintptr_t)a + PAGE, v->end);
	EXPECT_EQ((uintptr_t)a + PAGE, v[1].start);
	EXPECT_EQ((uintptr_t)a + 2 * PAGE, v[1].end);
	EXPECT_STREQ("r--p", (char *)v[1].perms);
	EXPECT_EQ((uintptr_t)a + 2 * PAGE, v[2].start);
	EXPECT_EQ((uintptr_t)a + 4 * PAGE, v[2].end);
	munmap(a, 4 * PAGE);
}

/* Kinds against what /proc says of the same VMA (docs/exports.md). */
TEST(kinds)
{
	char *shared, *anon;
	struct mmscope_vma *v;
	int n, nproc, i;
	void *heap;

	heap = sbrk(PAGE);
	ASSERT_NE((void *)-1, heap);
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, anon);

	n = snapshot(getpid(), 64, &nproc);
	ASSERT_EQ(nproc, n);
	for (i = 0; i < n; i++) {
		const char *kind = mms_kind_name(ours[i].kind);
		const char *path = theirs[i].path;

		if (!strcmp(path, "[heap]")) {
			EXPECT_STREQ("heap", kind);
		} else if (!strcmp(path, "[stack]")) {
			EXPECT_STREQ("stack", kind);
		} else if (!strcmp(path, "[vdso]")) {
			EXPECT_STREQ("vdso", kind);
		} else if (!strncmp(path, "[vvar", 5)) {
			EXPECT_STREQ("vvar", kind);
		} else if (path[0] == '/' && theirs[i].perms[2] == 'x') {
			EXPECT_STREQ("text", kind);
		}
	}
	v = find_ours(n, (uintptr_t)heap);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("heap", mms_kind_name(v->kind));
	EXPECT_STREQ("[heap]", (char *)v->path);
	v = find_ours(n, (uintptr_t)&v);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("stack", mms_kind_name(v->kind));
	v = find_ours(n, (uintptr_t)shared);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("shm", mms_kind_name(v->kind));
	EXPECT_EQ(0, strncmp("shmem", (char *)v->vm_ops, 5));
	v = find_ours(n, (uintptr_t)anon);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("anon", mms_kind_name(v->kind));
	EXPECT_STREQ("", (char *)v->vm_ops);
	/* Our own .data and .bss (static binary: next to each other). */
	v = find_ours(n, (uintptr_t)&names);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(!strcmp("bss", mms_kind_name(v->kind)) ||
		    !strcmp("data", mms_kind_name(v->kind)));
	munmap(shared, PAGE);
	munmap(anon, PAGE);
}

/* anon_vma is attached by the first anonymous fault: smaps "Anonymous:". */
TEST(anon_vma_follows_first_write)
{
	struct mmscope_vma *v;
	int n, nproc;
	char *p;

	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	n = snapshot(getpid(), 64, &nproc);
	v = find_ours(n, (uintptr_t)p);
	ASSERT_NE(NULL, v);
	if (v->start == (uintptr_t)p && v->end == (uintptr_t)p + 4 * PAGE) {
		EXPECT_EQ(0, proc_smaps_field(0, v->start, "Anonymous"));
		EXPECT_FALSE(v->flags & MMSCOPE_VMA_ANON_VMA);
	}
	p[0] = 1;
	n = snapshot(getpid(), 64, &nproc);
	v = find_ours(n, (uintptr_t)p);
	ASSERT_NE(NULL, v);
	EXPECT_GT(proc_smaps_field(0, v->start, "Anonymous"), 0);
	EXPECT_TRUE(v->flags & MMSCOPE_VMA_ANON_VMA);
	munmap(p, 4 * PAGE);
}

TEST_HARNESS_MAIN
