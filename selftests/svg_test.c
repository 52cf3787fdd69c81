// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope map --svg: the picture is well-formed XML (xml.c, a strict
 * checker of our own), has one shape per VMA, or per group with its count,
 * with the start and end of /proc/PID/maps, and the segment labels on the
 * VMAs /proc/PID/stat names. 65,000 VMAs make a small file of groups.
 * With MMSCOPE_ARTIFACTS set (the VM's /init), the pictures are kept there
 * for the host to check with xmllint.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cli.h"
#include "libmmscope.h"
#include "util.h"
#include "xml.h"

#define PAGE 4096UL
#define NASTY_FILE "/tmp/svg a&b<c>\"d'\xff.bin"
#define MAX_SHAPES 4096
/* The grouping keeps 65,000 VMAs to about 250 boxes: well under this. */
#define MAX_SVG_BYTES (256 << 10)

static char err[4096];

/* The CLI's exit code (-1 on a signal); its stderr in err, stdout dropped. */
static int run_argv(const char *const argv[])
{
	struct cli_run r = { .err = err, .err_size = sizeof(err) };

	return cli_run(&r, argv);
}

#define run_cli(...) run_argv(CLI_ARGV(__VA_ARGS__))

static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size + 1);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	if (buf) {
		buf[st.st_size] = '\0';
		*len = st.st_size;
	}
	return buf;
}

/* Keep a picture for the host's xmllint (MMSCOPE_ARTIFACTS, in the VM). */
static void keep_artifact(const char *file, const char *name)
{
	const char *dir = getenv("MMSCOPE_ARTIFACTS");
	char dst[512], cmd[1200];

	if (!dir)
		return;
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", file, dst);
	if (system(cmd))
		fprintf(stderr, "# could not keep %s\n", name);
}

/* A line of /proc/PID/maps, small enough for 65,000 of them. */
struct lvma {
	uint64_t start, end;
	char perms[5];
	char path[128];
};

static int light_maps(pid_t pid, struct lvma *v, int max)
{
	char file[64], line[4352];
	int n = 0, used;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/maps", pid);
	f = fopen(file, "r");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%llx %4s %*x %*x:%*x %*u %n", &s, &e, v[n].perms,
			   &used) < 3)
			continue;
		snprintf(v[n].path, sizeof(v[n].path), "%s", line + used);
		if (!strcmp(v[n].path, "[vsyscall]"))
			continue;
		v[n].start = s;
		v[n].end = e;
		n++;
	}
	fclose(f);
	return n;
}

struct shape {
	uint64_t start, end, size, rss;
	unsigned int count;
	char kind[16], label[64], kinds[128];
};

struct picture {
	struct shape shapes[MAX_SHAPES];
	int nshapes;
	struct shape labels[16];	/* class="label": start, end, label */
	int nlabels;
	char marker[8][16];
	uint64_t marker_addr[8];
	int nmarkers;
	int bad;			/* a shape without its data attributes */
};

static uint64_t hex_attr(const struct xml_tag *t, const char *name, int *bad)
{
	const char *v = xml_attr(t, name);

	if (!v || strncmp(v, "0x", 2)) {
		(*bad)++;
		return 0;
	}
	return strtoull(v, NULL, 16);
}

static uint64_t num_attr(const struct xml_tag *t, const char *name, int *bad)
{
	const char *v = xml_attr(t, name);

	if (!v || !*v) {
		(*bad)++;
		return 0;
	}
	return strtoull(v, NULL, 10);
}

static void str_attr(const struct xml_tag *t, const char *name, char *out, size_t size)
{
	const char *v = xml_attr(t, name);

	snprintf(out, size, "%s", v ? v : "");
}

static int collect(const struct xml_tag *t, void *arg)
{
	struct picture *pic = arg;
	const char *cls = xml_attr(t, "class");
	struct shape *s;

	if (strcmp(t->name, "g") || !cls)
		return 0;
	if (!strcmp(cls, "vma") || !strcmp(cls, "group")) {
		if (pic->nshapes == MAX_SHAPES)
			return 1;
		s = &pic->shapes[pic->nshapes++];
		s->start = hex_attr(t, "data-start", &pic->bad);
		s->end = hex_attr(t, "data-end", &pic->bad);
		s->count = num_attr(t, "data-count", &pic->bad);
		s->size = num_attr(t, "data-size", &pic->bad);
		s->rss = num_attr(t, "data-rss", &pic->bad);
		str_attr(t, "data-kind", s->kind, sizeof(s->kind));
		str_attr(t, "data-label", s->label, sizeof(s->label));
		str_attr(t, "data-kinds", s->kinds, sizeof(s->kinds));
		if (!s->kind[0] || (s->count > 1) != !strcmp(cls, "group"))
			pic->bad++;
	} else if (!strcmp(cls, "label") && pic->nlabels < 16) {
		s = &pic->labels[pic->nlabels++];
		s->start = hex_attr(t, "data-start", &pic->bad);
		s->end = hex_attr(t, "data-end", &pic->bad);
		str_attr(t, "data-label", s->label, sizeof(s->label));
	} else if (!strcmp(cls, "marker") && pic->nmarkers < 8) {
		str_attr(t, "data-label", pic->marker[pic->nmarkers], sizeof(pic->marker[0]));
		pic->marker_addr[pic->nmarkers++] = hex_attr(t, "data-addr", &pic->bad);
	}
	return 0;
}

/* Draw PID into @file and parse it; NULL (and a diagnostic) if it fails. */
static struct picture *draw(pid_t pid, const char *file, size_t *bytes, double *secs)
{
	struct picture *pic = calloc(1, sizeof(*pic));
	struct timespec t0, t1;
	char pid_s[16], xerr[256];
	size_t len;
	char *doc;
	int rc;

	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_cli("map", pid_s, "--svg", file);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (secs)
		*secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc) {
		fprintf(stderr, "# mmscope map exited %d: %s", rc, err);
		free(pic);
		return NULL;
	}
	doc = slurp(file, &len);
	if (!doc || !pic) {
		free(pic);
		return NULL;
	}
	if (xml_check(doc, len, collect, pic, xerr, sizeof(xerr))) {
		fprintf(stderr, "# %s is not well-formed: %s\n", file, xerr);
		free(pic);
		pic = NULL;
	}
	free(doc);
	if (bytes)
		*bytes = len;
	return pic;
}

/*
 * Every VMA of /proc in exactly one shape, in order: a shape of count c
 * starts at VMA i and ends where VMA i + c - 1 ends. Returns the VMAs
 * covered, or -1 at the first mismatch (printed).
 */
static int cover(const struct picture *pic, const struct lvma *v, int n)
{
	int i = 0, k;

	for (k = 0; k < pic->nshapes; k++) {
		const struct shape *s = &pic->shapes[k];

		if (!s->count || i + (int)s->count > n || s->start != v[i].start ||
		    s->end != v[i + s->count - 1].end) {
			fprintf(stderr, "# shape %d (%#llx-%#llx x%u) is not VMA %d (%#llx-...)\n",
				k, (unsigned long long)s->start, (unsigned long long)s->end,
				s->count, i, i < n ? (unsigned long long)v[i].start : 0ULL);
			return -1;
		}
		i += s->count;
	}
	return i;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* The one shape labelled @label, or NULL (and how many there were). */
static const struct shape *labelled(const struct picture *pic, const char *label, int *count)
{
	const struct shape *found = NULL;
	int k;

	*count = 0;
	for (k = 0; k < pic->nshapes; k++) {
		if (has_word(pic->shapes[k].label, label)) {
			found = &pic->shapes[k];
			(*count)++;
		}
	}
	return found;
}

static uint64_t marker(const struct picture *pic, const char *name)
{
	int i;

	for (i = 0; i < pic->nmarkers; i++)
		if (!strcmp(pic->marker[i], name))
			return pic->marker_addr[i];
	return 0;
}

/*
 * A heap, a partly resident anonymous region (its address is returned),
 * shmem, a badly named file.
 */
static uint64_t make_known_layout(void *arg)
{
	char *heap = sbrk(64 << 10), *anon_region, *shm_region;
	int fd;

	if (heap == (void *)-1)
		_exit(2);
	memset(heap, 1, 64 << 10);
	anon_region = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	shm_region = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fd = open(NASTY_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (anon_region == MAP_FAILED || shm_region == MAP_FAILED || fd < 0 ||
	    ftruncate(fd, 2 * PAGE) ||
	    mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED)
		_exit(2);
	madvise(anon_region, 1 << 20, MADV_NOHUGEPAGE);
	memset(anon_region, 1, 256 << 10);	/* 64 of its 256 pages */
	shm_region[0] = 1;
	return (uintptr_t)anon_region;
}

static struct lvma vmas[70000];

TEST(known_layout)
{
	static const char *const must[] = { "text", "data", "stack", "vdso" };
	const char *file = "/tmp/svg_test_known.svg";
	struct mmscope_mm_info mm;
	const struct shape *s;
	struct picture *pic;
	uint64_t start_code, start_data, end_data, start_brk, start_stack;
	int n, k, i, count, fd, heaps;
	uint64_t anon_region, heap_lo, heap_hi;
	pid_t pid;
	size_t bytes;

	pid = start_child(make_known_layout, NULL, &anon_region);
	ASSERT_GT(pid, 0);
	pic = draw(pid, file, &bytes, NULL);
	ASSERT_NE(NULL, pic);
	n = light_maps(pid, vmas, 70000);
	ASSERT_GT(n, 5);
	EXPECT_EQ(0, pic->bad);
	/* a few VMAs: one shape each, exactly the /proc lines */
	ASSERT_EQ(n, pic->nshapes);
	ASSERT_EQ(n, cover(pic, vmas, n));
	for (k = 0; k < n; k++) {
		s = &pic->shapes[k];
		EXPECT_EQ(1, s->count);
		EXPECT_EQ(s->end - s->start, s->size);
		if (!strcmp(vmas[k].path, NASTY_FILE))
			EXPECT_STREQ("file", s->kind);
		if (!strcmp(vmas[k].path, "[heap]"))
			EXPECT_STREQ("heap", s->kind);
		if (!strcmp(vmas[k].path, "[stack]"))
			EXPECT_STREQ("stack", s->kind);
		if (!strcmp(vmas[k].path, "[vdso]"))
			EXPECT_STREQ("vdso", s->kind);
		if (!strcmp(vmas[k].path, "/dev/zero (deleted)"))
			EXPECT_STREQ("shm", s->kind);
		/* the shading: the bytes resident, as smaps says */
		if (vmas[k].start == anon_region) {
			EXPECT_STREQ("anon", s->kind);
			EXPECT_EQ(256 << 10, s->rss);
			EXPECT_EQ(proc_smaps_field(pid, s->start, "Rss") * 1024, (long long)s->rss);
		}
	}

	/* The labels sit on the VMAs that /proc/PID/stat names. */
	start_code = proc_stat_field(pid, 26);
	start_stack = proc_stat_field(pid, 28);
	start_data = proc_stat_field(pid, 45);
	end_data = proc_stat_field(pid, 46);
	start_brk = proc_stat_field(pid, 47);
	for (i = 0; i < 4; i++) {
		labelled(pic, must[i], &count);
		EXPECT_EQ(1, count) TH_LOG("label %s on %d shapes", must[i], count);
	}
	s = labelled(pic, "text", &count);
	ASSERT_NE(NULL, s);
	EXPECT_TRUE(s->start <= start_code && start_code < s->end);
	s = labelled(pic, "data", &count);
	ASSERT_NE(NULL, s);
	EXPECT_TRUE(s->start <= start_data && start_data < s->end);
	s = labelled(pic, "stack", &count);
	ASSERT_NE(NULL, s);
	EXPECT_TRUE(s->start <= start_stack && start_stack < s->end);
	/*
	 * The heap may be several VMAs: brk() after fork() does not extend a
	 * VMA whose anon_vma is shared with the parent. /proc names each
	 * [heap]; each is labelled, and together they hold [start_brk, brk).
	 */
	heap_lo = UINT64_MAX;
	heap_hi = 0;
	heaps = 0;
	for (k = 0; k < n; k++) {
		const char *p = vmas[k].path;

		if (!strcmp(p, "[heap]")) {
			heaps++;
			if (vmas[k].start < heap_lo)
				heap_lo = vmas[k].start;
			heap_hi = vmas[k].end;
		}
		EXPECT_EQ(!strcmp(p, "[heap]"), has_word(pic->shapes[k].label, "heap"));
		if (!strcmp(p, "[vdso]") || !strcmp(p, "[vvar]") || !strcmp(p, "[stack]"))
			EXPECT_TRUE(has_word(pic->shapes[k].label, p[2] == 'd' ? "vdso" :
					     p[2] == 'v' ? "vvar" : "stack"));
	}
	/* bss, where the ELF has one past its data's last page */
	s = labelled(pic, "bss", &count);
	if (s)
		EXPECT_EQ((end_data + PAGE - 1) & ~(PAGE - 1), s->start);
	/* every labelled shape has its label element beside it */
	for (i = 0; i < pic->nlabels; i++) {
		for (k = 0; k < n; k++)
			if (pic->shapes[k].start == pic->labels[i].start &&
			    pic->shapes[k].end == pic->labels[i].end)
				break;
		EXPECT_LT(k, n);
		EXPECT_NE(0, pic->shapes[k < n ? k : 0].label[0]);
	}

	/* The markers: TASK_SIZE, mmap_base and brk, as mmscope.ko reads them. */
	fd = open_target(pid);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, mms_mm_info(fd, &mm, NULL, NULL));
	close(fd);
	EXPECT_EQ(mm.task_size, marker(pic, "TASK_SIZE"));
	EXPECT_EQ(mm.mmap_base, marker(pic, "mmap_base"));
	EXPECT_EQ(mm.brk, marker(pic, "brk"));
	EXPECT_EQ(start_brk, mm.start_brk);
	/* TASK_SIZE by the paging mode, as mm_test checks it */
	EXPECT_TRUE(mm.task_size == 0x7ffffffff000ULL || mm.task_size == 0x00fffffffffff000ULL);
	labelled(pic, "heap", &count);
	EXPECT_EQ(heaps, count);
	ASSERT_GE(heaps, 1);
	EXPECT_TRUE(heap_lo <= start_brk && start_brk < heap_hi);
	EXPECT_EQ((mm.brk + PAGE - 1) & ~(PAGE - 1), heap_hi);
	TH_LOG("%d VMAs, %zu bytes of SVG", n, bytes);
	keep_artifact(file, "svg_test-known.svg");
	free(pic);
	stop_child(pid);
	unlink(file);
	unlink(NASTY_FILE);
}

/* n one-page VMAs: every other page read-only, so that none merge. */
static uint64_t many_anon(void *arg)
{
	long n = (long)arg, i;
	char *p;

	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < n; i += 2)
		if (mprotect(p + i * PAGE, PAGE, PROT_READ))
			_exit(3);
	for (i = 1; i < n; i += 64)
		p[i * PAGE] = 1;
	return (uintptr_t)p;
}

/* Raise vm.max_map_count for the test; returns the old value to restore. */
static long raise_max_map_count(long want)
{
	char buf[32];
	long old;

	if (read_file("/proc/sys/vm/max_map_count", buf, sizeof(buf)) <= 0)
		return -1;
	old = atol(buf);
	if (old < want) {
		snprintf(buf, sizeof(buf), "%ld", want);
		write_file("/proc/sys/vm/max_map_count", buf);
	}
	return old;
}

static void restore_max_map_count(long old)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", old);
	write_file("/proc/sys/vm/max_map_count", buf);
}

/* No state: a fixture only for the timeout (KASAN makes 65,000 VMAs slow). */
FIXTURE(big) {};
FIXTURE_SETUP(big) {}
FIXTURE_TEARDOWN(big) {}

TEST_F_TIMEOUT(big, sixty_five_thousand_vmas, 600)
{
	const char *file = "/tmp/svg_test_65k.svg";
	struct picture *pic;
	int n, k, i, biggest = 0;
	long old;
	size_t bytes;
	double secs;
	pid_t pid;

	/*
	 * The grouping is the CLI's, the same on every kernel, and its kernel
	 * side is VMAS and SMAPS, which maps_test and vmatree_test walk with
	 * thousands of VMAs everywhere: light runs (mmscope.light=1) skip it
	 * (on the debug kernel building the VMAs took 85 s under KASAN).
	 */
	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "65,000 VMAs: this runs on the 6.12 entry");
	old = raise_max_map_count(70000);
	pid = start_child(many_anon, (void *)65000L, NULL);
	ASSERT_GT(pid, 0);
	pic = draw(pid, file, &bytes, &secs);
	ASSERT_NE(NULL, pic);
	n = light_maps(pid, vmas, 70000);
	ASSERT_GT(n, 65000);
	EXPECT_EQ(0, pic->bad);
	EXPECT_LE(bytes, MAX_SVG_BYTES);
	EXPECT_LE(pic->nshapes, 260);
	/* the groups' counts add up to the VMAs, each group of one kind */
	ASSERT_EQ(n, cover(pic, vmas, n));
	for (k = 0, i = 0; k < pic->nshapes; i += pic->shapes[k++].count) {
		const struct shape *s = &pic->shapes[k];
		int j;

		if (s->count > pic->shapes[biggest].count)
			biggest = k;
		if (strcmp(s->kind, "anon"))
			continue;
		for (j = i; j < i + (int)s->count; j++)
			EXPECT_EQ(0, vmas[j].path[0]);
	}
	EXPECT_GE(pic->shapes[biggest].count, 65000);
	EXPECT_STREQ("anon", pic->shapes[biggest].kind);
	TH_LOG("%d VMAs: %d shapes, %zu bytes of SVG, mmscope map took %.2f s", n,
	       pic->nshapes, bytes, secs);
	keep_artifact(file, "svg_test-65k.svg");
	free(pic);
	stop_child(pid);
	unlink(file);
	if (old > 0)
		restore_max_map_count(old);
}

/* n pages alternating anonymous and a private file mapping: every run is one. */
static uint64_t alternating(void *arg)
{
	long n = (long)arg, i;
	char *p;
	int fd;

	fd = open("/tmp/svg_test_alt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, n * PAGE))
		_exit(2);
	p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	for (i = 0; i < n; i += 2)
		if (mmap(p + i * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
			 i * PAGE) == MAP_FAILED)
			_exit(3);
	return (uintptr_t)p;
}

TEST(mixed_groups)
{
	const char *file = "/tmp/svg_test_mixed.svg";
	struct picture *pic;
	int n, k, i, j, mixed = 0;
	size_t bytes;
	pid_t pid;

	pid = start_child(alternating, (void *)4000L, NULL);
	ASSERT_GT(pid, 0);
	pic = draw(pid, file, &bytes, NULL);
	ASSERT_NE(NULL, pic);
	n = light_maps(pid, vmas, 70000);
	ASSERT_GT(n, 4000);
	EXPECT_EQ(0, pic->bad);
	EXPECT_LE(pic->nshapes, 260);
	ASSERT_EQ(n, cover(pic, vmas, n));
	/* a mixed group says how many of each kind it holds */
	for (k = 0, i = 0; k < pic->nshapes; i += pic->shapes[k++].count) {
		const struct shape *s = &pic->shapes[k];
		char want[128];
		int anon = 0, files = 0;

		if (strcmp(s->kind, "mixed"))
			continue;
		mixed++;
		for (j = i; j < i + (int)s->count; j++) {
			if (!vmas[j].path[0])
				anon++;
			else if (!strcmp(vmas[j].path, "/tmp/svg_test_alt"))
				files++;
		}
		if (anon + files != (int)s->count)
			continue;	/* a group with other kinds too: not counted here */
		snprintf(want, sizeof(want), "anon:%d file:%d", anon, files);
		EXPECT_STREQ(want, s->kinds);
	}
	EXPECT_GE(mixed, 1);
	TH_LOG("%d VMAs: %d shapes (%d mixed), %zu bytes", n, pic->nshapes, mixed, bytes);
	free(pic);
	stop_child(pid);
	unlink(file);
	unlink("/tmp/svg_test_alt");
}

TEST(errors)
{
	const char *file = "/tmp/svg_test_err.svg";
	char pid_s[16], self[16];
	pid_t zombie;

	snprintf(self, sizeof(self), "%d", getpid());
	/* a file that cannot be written: no picture, a clear message */
	EXPECT_EQ(1, run_cli("map", self, "--svg", "/nonexistent/dir/x.svg"));
	EXPECT_NE(NULL, strstr(err, "cannot write /nonexistent/dir/x.svg: No such file"));
	/* a process that is gone, a zombie, a kernel thread */
	snprintf(pid_s, sizeof(pid_s), "%d", unused_pid());
	unlink(file);
	EXPECT_EQ(1, run_cli("map", pid_s, "--svg", file));
	EXPECT_NE(NULL, strstr(err, "no such process"));
	EXPECT_NE(0, access(file, F_OK));
	zombie = fork();
	if (!zombie)
		_exit(0);
	usleep(100 * 1000);
	snprintf(pid_s, sizeof(pid_s), "%d", zombie);
	EXPECT_EQ(1, run_cli("map", pid_s, "--svg", file));
	EXPECT_TRUE(strstr(err, "no such process") || strstr(err, "exited")) TH_LOG("%s", err);
	EXPECT_NE(0, access(file, F_OK));
	waitpid(zombie, NULL, 0);
	EXPECT_EQ(1, run_cli("map", "2", "--svg", file));
	EXPECT_NE(NULL, strstr(err, "kernel thread"));
	EXPECT_NE(0, access(file, F_OK));
	/* usage errors: exit 2 */
	EXPECT_EQ(2, run_cli("map"));
	EXPECT_NE(NULL, strstr(err, "usage: mmscope map PID"));
	EXPECT_EQ(2, run_cli("map", self, "--svg"));
	EXPECT_EQ(2, run_cli("map", self, "--png", file));
	EXPECT_EQ(2, run_cli("map", "abc", "--svg", file));
	EXPECT_NE(NULL, strstr(err, "invalid PID"));
	EXPECT_EQ(0, run_cli("map", "help"));
	/* without --svg, a table; the picture to stdout with "-" */
	EXPECT_EQ(0, run_cli("map", self));
	EXPECT_EQ(0, run_cli("map", self, "--svg", "-"));
}

/* The checker itself refuses what is not well-formed. */
TEST(xml_checker)
{
	static const char *const bad[] = {
		"", "<a>", "<a></b>", "<a><b></a></b>", "<a x=1/>", "<a x=\"1\" x=\"2\"/>",
		"<a>&</a>", "<a>&foo;</a>", "<a>x > y</a>", "<a x=\"<\"/>", "<a/><b/>",
		"text<a/>", "<a>\xff</a>", "<a>\x01</a>", "<a x=\"\xc0\x80\"/>",
		"<a><!-- a -- b --></a>", "<a>&#0;</a>", "<a>]]></a>", "<a x=\"1\"y=\"2\"/>",
	};
	static const char *const good[] = {
		"<a/>", "<?xml version=\"1.0\"?>\n<a x='1' y=\"&amp;&lt;&#65;&#x42;\"><b/>t&gt;</a>\n",
		"<a><![CDATA[ < & ]]><!-- c --></a>", "<a>caf\xc3\xa9</a>",
	};
	char msg[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = xml_check(bad[i], strlen(bad[i]), NULL, NULL, msg, sizeof(msg));
		EXPECT_EQ(-1, rc);
		if (rc != -1)
			fprintf(stderr, "# accepted: %s\n", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rc = xml_check(good[i], strlen(good[i]), NULL, NULL, msg, sizeof(msg));
		EXPECT_EQ(0, rc);
		if (rc)
			fprintf(stderr, "# refused: %s: %s\n", good[i], msg);
	}
}

TEST_HARNESS_MAIN
