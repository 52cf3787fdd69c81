// SPDX-License-Identifier: GPL-2.0
/*
 * MMSCOPE_IOC_VMATREE and debugfs vmatree against a forked child: the VMAs
 * at the leaves are /proc/PID/maps, every node lies within its parent's
 * slot, every arange gap is the largest gap of its subtree, and the tree
 * reshapes as mprotect() splits and merges.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
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
#define NO_PARENT 0xffffffffU
#define MAX_MAP_COUNT "/proc/sys/vm/max_map_count"

struct range {
	uint64_t start, end;
};

/* /proc/PID/maps, start and end only (the [vsyscall] gate is no VMA of the tree). */
static int maps_ranges(pid_t pid, struct range **out)
{
	char path[64], line[4096 + 128];
	struct range *r = NULL, *grown;
	size_t n = 0, cap = 0;
	unsigned long long s, e;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vsyscall]") || sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			grown = realloc(r, cap * sizeof(*r));
			if (!grown) {
				fclose(f);
				free(r);
				return -ENOMEM;
			}
			r = grown;
		}
		r[n].start = s;
		r[n++].end = e;
	}
	fclose(f);
	*out = r;
	return n;
}

/*
 * The child: makes its VMAs, then runs the parent's mprotect() requests, or
 * exec()s busybox's sleep at CMD_EXEC.
 */
#define CMD_EXEC	(-1)
#define BUSYBOX		"/bin/busybox"
struct cmd {
	uint64_t addr, len;
	int prot;
};

struct child {
	pid_t pid;
	int cmd, ack;
	char *region;
};

/*
 * @nvmas VMAs in one reservation: every other page readable, so that no
 * two neighbours merge. @churn: then map and unmap a page for ever.
 */
static void child_main(size_t nvmas, bool churn, int cmd_fd, int ack_fd)
{
	size_t pages = nvmas ? nvmas : 1, i;
	struct cmd c;
	char *base;

	base = mmap(NULL, pages * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		_exit(1);
	for (i = 0; i < pages; i += 2)
		if (mprotect(base + i * PAGE, PAGE, PROT_READ))
			_exit(2);
	if (write(ack_fd, &base, sizeof(base)) != sizeof(base))
		_exit(3);
	while (churn) {
		void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, PAGE);
	}
	while (read(cmd_fd, &c, sizeof(c)) == sizeof(c)) {
		int ret;

		if (c.prot == CMD_EXEC) {
			execl(BUSYBOX, "busybox", "sleep", "1000", (char *)NULL);
			_exit(5);
		}
		ret = mprotect((void *)(uintptr_t)c.addr, c.len, c.prot) ? errno : 0;

		if (write(ack_fd, &ret, sizeof(ret)) != sizeof(ret))
			_exit(4);
	}
	_exit(0);
}

/*
 * A child that makes @nvmas VMAs, sends their base, then churns (@churn)
 * or carries out the commands of child_mprotect() and child_exec().
 */
static int start_tree_child(struct child *ch, size_t nvmas, bool churn)
{
	int cmd[2], ack[2];

	if (pipe(cmd) || pipe(ack))
		return -1;
	ch->pid = fork();
	if (!ch->pid) {
		close(cmd[1]);
		close(ack[0]);
		child_main(nvmas, churn, cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	ch->cmd = cmd[1];
	ch->ack = ack[0];
	if (read(ch->ack, &ch->region, sizeof(ch->region)) != sizeof(ch->region))
		return -1;
	return 0;
}

static int child_mprotect(struct child *ch, void *addr, size_t len, int prot)
{
	struct cmd c = { (uintptr_t)addr, len, prot };
	int ret;

	if (write(ch->cmd, &c, sizeof(c)) != sizeof(c) ||
	    read(ch->ack, &ret, sizeof(ret)) != sizeof(ret))
		return -1;
	return ret;
}

/* Sends CMD_EXEC, then waits until the child runs busybox: 0, or -1. */
static int child_exec(struct child *ch)
{
	struct cmd c = { .prot = CMD_EXEC };
	char path[64], exe[PATH_MAX];
	int i;

	if (write(ch->cmd, &c, sizeof(c)) != sizeof(c))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/exe", ch->pid);
	for (i = 0; i < 1000; i++) {
		ssize_t n = readlink(path, exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = 0;
			if (!strcmp(exe, BUSYBOX))
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

static void stop_tree_child(struct child *ch)
{
	kill(ch->pid, SIGKILL);
	waitpid(ch->pid, NULL, 0);
	close(ch->cmd);
	close(ch->ack);
}

struct dump {
	struct mmscope_vmatree req;
	struct mmscope_vmatree_node *nodes;
	size_t n;
};

static int dump_tree(pid_t pid, struct dump *d)
{
	int fd = open_target(pid), ret;

	if (fd < 0)
		return fd;
	ret = mms_vmatree_all(fd, &d->req, &d->nodes, &d->n);
	close(fd);
	return ret;
}

/* The VMAs at the leaves, in depth-first order. */
static size_t leaf_vmas(const struct dump *d, struct range *out, size_t max)
{
	size_t i, n = 0;
	uint32_t s;

	for (i = 0; i < d->n; i++)
		for (s = 0; s < d->nodes[i].nr_slots; s++) {
			const struct mmscope_vmatree_slot *sl = &d->nodes[i].slots[s];

			if (sl->kind != MMSCOPE_VMATREE_SLOT_VMA)
				continue;
			if (n < max) {
				out[n].start = sl->vma_start;
				out[n].end = sl->vma_end;
			}
			n++;
		}
	return n;
}

/*
 * Count what breaks the tree's rules, logging the first few: ids in
 * depth-first order, each child exactly its parent's slot range, leaves at
 * height - 1, each leaf VMA exactly its slot, maps indices in order, and
 * each arange gap the largest empty range below its slot.
 */
static int tree_violations(struct __test_metadata *_metadata, const struct dump *d)
{
	uint64_t *maxgap = calloc(d->n ? d->n : 1, sizeof(*maxgap));
	uint64_t vma_index = 0;
	int bad = 0;
	size_t i;

#define VIOLATION(fmt, ...) do {				\
		if (bad++ < 5)					\
			TH_LOG("node %zu: " fmt, i, ##__VA_ARGS__); \
	} while (0)

	for (i = 0; i < d->n; i++) {
		const struct mmscope_vmatree_node *r = &d->nodes[i];
		uint32_t s;

		if (r->id != i || r->flags)
			VIOLATION("id %u flags 0x%x", r->id, r->flags);
		if (!r->depth) {
			if (i || r->parent != NO_PARENT || r->min || r->max != UINT64_MAX)
				VIOLATION("a root that is not [0, ULONG_MAX]");
		} else {
			const struct mmscope_vmatree_node *p = &d->nodes[r->parent];
			const struct mmscope_vmatree_slot *ps = &p->slots[r->parent_slot];

			if (r->parent >= i || p->depth + 1 != r->depth ||
			    r->parent_slot >= p->nr_slots || ps->kind != MMSCOPE_VMATREE_SLOT_NODE ||
			    r->min < ps->min || r->max > ps->max)
				VIOLATION("[%llx, %llx] outside its parent's slot",
					  r->min, r->max);
		}
		if ((r->type == MMSCOPE_VMATREE_LEAF_64) != (r->depth + 1 == d->req.height))
			VIOLATION("type %u at depth %u of height %u", r->type, r->depth,
				  d->req.height);
		for (s = 0; s < r->nr_slots; s++) {
			const struct mmscope_vmatree_slot *sl = &r->slots[s];

			if (sl->min < r->min || sl->max > r->max ||
			    (s && sl->min != r->slots[s - 1].max + 1))
				VIOLATION("slot %u [%llx, %llx] out of order", s, sl->min, sl->max);
			if (sl->kind == MMSCOPE_VMATREE_SLOT_VMA &&
			    (sl->flags || sl->vma_start != sl->min || sl->vma_end != sl->max + 1 ||
			     sl->vma_index != vma_index++))
				VIOLATION("slot %u VMA %llx-%llx #%llu", s, sl->vma_start,
					  sl->vma_end, sl->vma_index);
		}
	}
	/* Gaps bottom up: children come after their parent in depth-first order. */
	for (i = d->n; i-- > 0;) {
		const struct mmscope_vmatree_node *r = &d->nodes[i];
		uint32_t s;

		for (s = 0; s < r->nr_slots; s++) {
			const struct mmscope_vmatree_slot *sl = &r->slots[s];

			if (sl->kind == MMSCOPE_VMATREE_SLOT_EMPTY &&
			    sl->max - sl->min + 1 > maxgap[i])
				maxgap[i] = sl->max - sl->min + 1;
		}
		if (!r->depth)
			continue;
		if (maxgap[i] > maxgap[r->parent])
			maxgap[r->parent] = maxgap[i];
		if (d->nodes[r->parent].type == MMSCOPE_VMATREE_ARANGE_64 &&
		    d->nodes[r->parent].gaps[r->parent_slot] != maxgap[i])
			VIOLATION("parent's gap %llx, largest gap below %llx",
				  d->nodes[r->parent].gaps[r->parent_slot],
				  (unsigned long long)maxgap[i]);
	}
#undef VIOLATION
	free(maxgap);
	return bad;
}

/* Do the leaves list exactly the VMAs of /proc/PID/maps? */
static int maps_mismatches(struct __test_metadata *_metadata, pid_t pid,
			   const struct dump *d, size_t *nmaps)
{
	struct range *maps, *leaves;
	size_t nleaves, i;
	int n, bad = 0;

	n = maps_ranges(pid, &maps);
	if (n < 0)
		return -1;
	leaves = malloc((n + 1) * sizeof(*leaves));
	nleaves = leaf_vmas(d, leaves, n + 1);
	if (nleaves != (size_t)n) {
		TH_LOG("%zu VMAs at the leaves, %d in maps", nleaves, n);
		bad++;
	}
	for (i = 0; i < nleaves && i < (size_t)n; i++)
		if (leaves[i].start != maps[i].start || leaves[i].end != maps[i].end) {
			if (bad++ < 5)
				TH_LOG("VMA %zu: %llx-%llx in the tree, %llx-%llx in maps", i,
				       (unsigned long long)leaves[i].start,
				       (unsigned long long)leaves[i].end,
				       (unsigned long long)maps[i].start,
				       (unsigned long long)maps[i].end);
		}
	*nmaps = n;
	free(leaves);
	free(maps);
	return bad;
}

/* Empty slots at the leaves, plus VMAs: the tree's entries. */
static size_t leaf_entries(const struct dump *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (d->nodes[i].type == MMSCOPE_VMATREE_LEAF_64)
			n += d->nodes[i].nr_slots;
	return n;
}

static size_t pow10_of(unsigned int e)
{
	size_t p = 1;

	while (e--)
		p *= 10;
	return p;
}

/*
 * The heights measured on each kernel (the child's own VMAs included),
 * with @nvmas VMAs made by the test: 0 when not measured.
 */
static unsigned int measured_height(size_t nvmas)
{
	struct utsname u;
	bool v61;

	uname(&u);
	v61 = !strncmp(u.release, "6.1.", 4);
	switch (nvmas) {
	case 10:
		return v61 ? 2 : 2;
	case 1000:
		return v61 ? 3 : 3;
	case 20000:
		return v61 ? 5 : 5;
	case 65000:
		return v61 ? 5 : 5;
	}
	return 0;
}

FIXTURE(sizes) {
	char max_map_count[32];
};

FIXTURE_VARIANT(sizes) {
	size_t nvmas;
};

FIXTURE_VARIANT_ADD(sizes, ten) { .nvmas = 10 };
FIXTURE_VARIANT_ADD(sizes, thousand) { .nvmas = 1000 };
FIXTURE_VARIANT_ADD(sizes, twenty_thousand) { .nvmas = 20000 };
FIXTURE_VARIANT_ADD(sizes, sixty_five_thousand) { .nvmas = 65000 };

/* 65,000 VMAs and the child's own need more than the default 65530. */
FIXTURE_SETUP(sizes)
{
	self->max_map_count[0] = '\0';
	/*
	 * 20,000 VMAs give a tree of the same height (5) as 65,000: the 65,000
	 * run on the 6.12 entry only (light runs, mmscope.light=1, skip them).
	 */
	if (variant->nvmas > 60000 && getenv("MMSCOPE_LIGHT"))
		SKIP(return, "65,000 VMAs: this runs on the 6.12 entry (20,000 reach the same height)");
	/*
	 * Building 20,000 VMAs takes the debug kernel (the one with kmemleak)
	 * a minute under KASAN; the dump's code is the same at every height
	 * (MMSCOPE_VMATREE_DEPTH holds MAPLE_HEIGHT_MAX), and 1,000 VMAs give
	 * it internal nodes and leaves there.
	 */
	if (variant->nvmas > 10000 && !access("/sys/kernel/debug/kmemleak", F_OK))
		SKIP(return, "20,000 VMAs: not on the debug kernel (a minute under KASAN); 1,000 run there");
	if (variant->nvmas > 60000) {
		ASSERT_LT(0, read_file(MAX_MAP_COUNT, self->max_map_count,
				       sizeof(self->max_map_count)));
		ASSERT_EQ(0, write_file(MAX_MAP_COUNT, "262144"));
	}
}

FIXTURE_TEARDOWN(sizes)
{
	if (self->max_map_count[0])
		write_file(MAX_MAP_COUNT, self->max_map_count);
}

TEST_F_TIMEOUT(sizes, leaves_are_maps, 900)
{
	struct dump d = { 0 };
	struct child ch;
	size_t nmaps, entries;
	unsigned int h;

	ASSERT_EQ(0, start_tree_child(&ch, variant->nvmas, false));
	ASSERT_EQ(0, dump_tree(ch.pid, &d));
	EXPECT_EQ(0, maps_mismatches(_metadata, ch.pid, &d, &nmaps));
	EXPECT_GE(nmaps, variant->nvmas);
	EXPECT_EQ(0, tree_violations(_metadata, &d));
	EXPECT_EQ(d.n, d.req.node_count);
	EXPECT_TRUE(d.req.ma_flags & 0x1);	/* MT_FLAGS_ALLOC_RANGE */
	EXPECT_EQ(d.req.height, (d.req.ma_flags & 0x7c) >> 2);	/* mt_height() */

	/*
	 * The maple tree's rule: a leaf holds at most 16 entries (VMAs and
	 * the gaps between them) and an arange node at most 10 children, so
	 * a tree of height h holds at most 16 * 10^(h - 1) entries; the tree
	 * grows a level only when a split reaches the root, so it is never
	 * taller than the leaves need with half-full nodes either.
	 */
	entries = leaf_entries(&d);
	h = d.req.height;
	TH_LOG("%zu VMAs in maps, %zu entries: height %u, %zu nodes", nmaps, entries,
	       h, d.n);
	ASSERT_GE(h, 1);
	EXPECT_GE(16 * (size_t)pow10_of(h - 1), entries);
	EXPECT_EQ(measured_height(variant->nvmas), h);
	free(d.nodes);
	stop_tree_child(&ch);
}

/* The leaf slots that hold VMAs of [start, end). */
static int vmas_within(const struct dump *d, uint64_t start, uint64_t end)
{
	size_t i;
	uint32_t s;
	int n = 0;

	for (i = 0; i < d->n; i++)
		for (s = 0; s < d->nodes[i].nr_slots; s++) {
			const struct mmscope_vmatree_slot *sl = &d->nodes[i].slots[s];

			if (sl->kind == MMSCOPE_VMATREE_SLOT_VMA && sl->vma_start >= start &&
			    sl->vma_end <= end)
				n++;
		}
	return n;
}

/*
 * mprotect() of the last page of a VMA splits it: one more leaf entry.
 * Restoring the protection merges the two again: the tree holds the VMAs
 * it held before.
 */
TEST(split_and_merge)
{
	struct dump before = { 0 }, split = { 0 }, merged = { 0 };
	uintptr_t lo, hi;
	struct child ch;
	size_t nmaps;

	/*
	 * 200 one-page VMAs, even pages readable; pages 99 and 101 made
	 * readable too merge pages 98 to 102 into one VMA, between two
	 * PROT_NONE pages.
	 */
	ASSERT_EQ(0, start_tree_child(&ch, 200, false));
	lo = (uintptr_t)ch.region + 98 * PAGE;
	hi = lo + 5 * PAGE;
	ASSERT_EQ(0, child_mprotect(&ch, (void *)(lo + PAGE), 3 * PAGE, PROT_READ));
	ASSERT_EQ(0, dump_tree(ch.pid, &before));
	EXPECT_EQ(0, maps_mismatches(_metadata, ch.pid, &before, &nmaps));
	EXPECT_EQ(1, vmas_within(&before, lo, hi));

	/*
	 * Its last page made executable: two VMAs, one more leaf entry (not
	 * writable: on 6.1 that leaves VM_ACCOUNT behind, and no merge after).
	 */
	ASSERT_EQ(0, child_mprotect(&ch, (void *)(hi - PAGE), PAGE, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, dump_tree(ch.pid, &split));
	EXPECT_EQ(0, maps_mismatches(_metadata, ch.pid, &split, &nmaps));
	EXPECT_EQ(0, tree_violations(_metadata, &split));
	EXPECT_EQ(2, vmas_within(&split, lo, hi));
	EXPECT_EQ(leaf_vmas(&before, NULL, 0) + 1, leaf_vmas(&split, NULL, 0));
	EXPECT_EQ(leaf_entries(&before) + 1, leaf_entries(&split));

	/* Read-only again: merged back into one. */
	ASSERT_EQ(0, child_mprotect(&ch, (void *)(hi - PAGE), PAGE, PROT_READ));
	ASSERT_EQ(0, dump_tree(ch.pid, &merged));
	EXPECT_EQ(0, maps_mismatches(_metadata, ch.pid, &merged, &nmaps));
	EXPECT_EQ(0, tree_violations(_metadata, &merged));
	EXPECT_EQ(1, vmas_within(&merged, lo, hi));
	EXPECT_EQ(leaf_vmas(&before, NULL, 0), leaf_vmas(&merged, NULL, 0));
	TH_LOG("%zu -> %zu -> %zu VMAs at the leaves, %zu -> %zu -> %zu nodes",
	       leaf_vmas(&before, NULL, 0), leaf_vmas(&split, NULL, 0),
	       leaf_vmas(&merged, NULL, 0), before.n, split.n, merged.n);
	free(before.nodes);
	free(split.nodes);
	free(merged.nodes);
	stop_tree_child(&ch);
}

/*
 * A target that maps and unmaps a page in a loop: every dump the library
 * completes is a consistent tree where the kernel has a write sequence (a
 * change restarts the dump); without one, each node is sound on its own.
 * Once the target is stopped, the dump is exactly its maps.
 */
FIXTURE(churn) {};
FIXTURE_SETUP(churn) {}
FIXTURE_TEARDOWN(churn) {}

TEST_F_TIMEOUT(churn, map_unmap_loop, 600)
{
	int fd, i, done = 0, changed = 0, ret;
	struct child ch;
	struct dump d;
	size_t nmaps, k;

	ASSERT_EQ(0, start_tree_child(&ch, 2000, true));
	fd = open_target(ch.pid);
	ASSERT_LE(0, fd);
	for (i = 0; i < 20; i++) {
		memset(&d, 0, sizeof(d));
		ret = mms_vmatree_all(fd, &d.req, &d.nodes, &d.n);
		if (ret == -EAGAIN) {
			changed++;
			continue;
		}
		ASSERT_EQ(0, ret);
		done++;
		if (d.req.out_flags & MMSCOPE_VMATREE_HAS_SEQ) {
			EXPECT_EQ(0, tree_violations(_metadata, &d));
		} else {
			for (k = 0; k < d.n; k++)
				EXPECT_EQ(0, d.nodes[k].flags);
		}
		free(d.nodes);
	}
	TH_LOG("%d dumps complete, %d gave up on a changing tree", done, changed);
	EXPECT_EQ(20, done + changed);

	ASSERT_EQ(0, kill(ch.pid, SIGSTOP));
	ASSERT_EQ(ch.pid, waitpid(ch.pid, &ret, WUNTRACED));	/* stopped now */
	memset(&d, 0, sizeof(d));
	ASSERT_EQ(0, mms_vmatree_all(fd, &d.req, &d.nodes, &d.n));
	EXPECT_EQ(0, maps_mismatches(_metadata, ch.pid, &d, &nmaps));
	EXPECT_EQ(0, tree_violations(_metadata, &d));
	free(d.nodes);
	close(fd);
	stop_tree_child(&ch);
}

/*
 * A walk of @pid's tree under way: its first two records read on a new fd
 * (returned), the cursor in @req.
 */
static int walk_begun(struct __test_metadata *_metadata, pid_t pid,
		      struct mmscope_vmatree *req)
{
	struct mmscope_vmatree_node recs[2];
	uint32_t count = 2;
	int fd;

	fd = open_target(pid);
	ASSERT_LE(0, fd);
	memset(req, 0, sizeof(*req));
	ASSERT_EQ(0, mms_vmatree(fd, req, recs, &count));
	ASSERT_EQ(2, count);
	ASSERT_FALSE(req->out_flags & MMSCOPE_VMATREE_DONE);
	return fd;
}

/* The walk resumed where its cursor no longer belongs: CHANGED, no record. */
static void resume_sees_change(struct __test_metadata *_metadata, int fd,
			       struct mmscope_vmatree *req)
{
	struct mmscope_vmatree_node recs[2];
	uint32_t count = 2;

	ASSERT_EQ(0, mms_vmatree(fd, req, recs, &count));
	EXPECT_TRUE(req->out_flags & MMSCOPE_VMATREE_CHANGED);
	EXPECT_EQ(0, count);
}

/* A resume with a cursor of a tree that changed since: CHANGED, no record. */
TEST(resume_after_change)
{
	struct mmscope_vmatree_node recs[2];
	struct mmscope_vmatree req;
	struct child ch;
	uint32_t count = 2;
	int fd;

	ASSERT_EQ(0, start_tree_child(&ch, 2000, false));
	fd = walk_begun(_metadata, ch.pid, &req);
	EXPECT_EQ(2, req.cursor.id);
	/* Unmap... here: change the protection of every VMA the child made. */
	ASSERT_EQ(0, child_mprotect(&ch, ch.region, 2000 * PAGE, PROT_READ));
	count = 2;
	ASSERT_EQ(0, mms_vmatree(fd, &req, recs, &count));
	if (req.out_flags & MMSCOPE_VMATREE_HAS_SEQ) {
		EXPECT_TRUE(req.out_flags & MMSCOPE_VMATREE_CHANGED);
		EXPECT_EQ(0, count);
	} else {
		/* 6.1: the tree shrank to a few nodes; the cursor's node is gone. */
		TH_LOG("no write sequence: out_flags 0x%x, %u records", req.out_flags, count);
		EXPECT_TRUE(req.out_flags & (MMSCOPE_VMATREE_CHANGED | MMSCOPE_VMATREE_DONE));
	}
	close(fd);
	stop_tree_child(&ch);
}

/*
 * The resume tests' targets: 200 VMAs make a tree of a dozen nodes and
 * more, so that a walk of two records at a time is still under way.
 */
#define TREE_VMAS 200

/*
 * A cursor of one mm resumed in another: two children with trees of the
 * same shape at the same addresses (both forked from us), so that on 6.1,
 * which has no write sequence, only the walk's mm can tell the cursor does
 * not belong. CHANGED, no record, on every kernel. Also a cursor of an
 * older walk on the same file, even of the same mm.
 */
TEST(resume_in_another_mm)
{
	struct mmscope_vmatree_node recs[2];
	struct mmscope_vmatree req = { 0 }, fresh = { 0 };
	struct child a, b;
	uint32_t count = 2;
	uint64_t id_a;
	int fd;

	ASSERT_EQ(0, start_tree_child(&a, TREE_VMAS, false));
	ASSERT_EQ(0, start_tree_child(&b, TREE_VMAS, false));
	ASSERT_EQ(a.region, b.region);
	fd = walk_begun(_metadata, a.pid, &req);
	id_a = req.walk_id;
	EXPECT_NE(0, id_a);

	/* The same walk again: its id is stable, and the walk goes on. */
	count = 2;
	ASSERT_EQ(0, mms_vmatree(fd, &req, recs, &count));
	EXPECT_EQ(2, count);
	EXPECT_EQ(id_a, req.walk_id);
	EXPECT_FALSE(req.out_flags & MMSCOPE_VMATREE_CHANGED);

	ASSERT_EQ(0, mms_set_target(fd, b.pid));
	resume_sees_change(_metadata, fd, &req);

	/* A walk that starts in b is b's, with an id of its own. */
	count = 2;
	ASSERT_EQ(0, mms_vmatree(fd, &fresh, recs, &count));
	EXPECT_EQ(2, count);
	EXPECT_NE(0, fresh.walk_id);
	EXPECT_NE(id_a, fresh.walk_id);

	/* Back to a: the first walk's cursor is not the file's walk any more. */
	ASSERT_EQ(0, mms_set_target(fd, a.pid));
	memset(&req.cursor, 0, sizeof(req.cursor));
	req.seq = 0;
	req.walk_id = 0;
	count = 2;
	ASSERT_EQ(0, mms_vmatree(fd, &req, recs, &count));
	ASSERT_EQ(2, count);
	id_a = req.walk_id;
	count = 2;
	fresh.walk_id = id_a - 1;	/* any other walk's id */
	fresh.cursor = req.cursor;
	fresh.seq = req.seq;
	resume_sees_change(_metadata, fd, &fresh);
	close(fd);
	stop_tree_child(&a);
	stop_tree_child(&b);
}

/*
 * The walk's mm exits and a sibling of the same layout is forked: the
 * freed mm_struct's address would be the slab's next, but the file still
 * holds the old one, so the cursor is never taken for the new process's.
 */
TEST(resume_after_exit_and_fork)
{
	struct mmscope_vmatree req;
	struct child a, b;
	int fd, round;

	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, start_tree_child(&a, TREE_VMAS, false));
		fd = walk_begun(_metadata, a.pid, &req);
		stop_tree_child(&a);
		ASSERT_EQ(0, start_tree_child(&b, TREE_VMAS, false));
		ASSERT_EQ(0, mms_set_target(fd, b.pid));
		resume_sees_change(_metadata, fd, &req);
		close(fd);
		stop_tree_child(&b);
	}
}

/* The target exec()s between two calls: its new mm is another tree. */
TEST(resume_after_exec)
{
	struct mmscope_vmatree req;
	struct child ch;
	int fd;

	if (access(BUSYBOX, X_OK))
		SKIP(return, "no %s to exec", BUSYBOX);
	ASSERT_EQ(0, start_tree_child(&ch, 2000, false));
	fd = walk_begun(_metadata, ch.pid, &req);
	ASSERT_EQ(0, child_exec(&ch));
	resume_sees_change(_metadata, fd, &req);
	close(fd);
	stop_tree_child(&ch);
}

static int vmatree_ioctl(int fd, struct mmscope_vmatree *req)
{
	return ioctl(fd, MMSCOPE_IOC_VMATREE, req) ? -errno : 0;
}

static void valid_req(struct mmscope_vmatree *req, struct mmscope_vmatree_node *rec)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->records_ptr = (uintptr_t)rec;
	req->record_size = sizeof(*rec);
	req->count = 1;
}

TEST(errors)
{
	struct mmscope_vmatree_node *rec = malloc(sizeof(*rec));
	struct mmscope_vmatree req;
	struct child ch;
	int fd;

	ASSERT_EQ(0, start_tree_child(&ch, 10, false));
	fd = open_target(ch.pid);
	ASSERT_LE(0, fd);

	valid_req(&req, rec);
	EXPECT_EQ(0, vmatree_ioctl(fd, &req));
	EXPECT_EQ(1, req.count);
	EXPECT_EQ(NO_PARENT, rec->parent);

	valid_req(&req, rec);
	req.flags = 1;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.reserved = 1;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.count = 0;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.records_ptr = 0;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.record_size = sizeof(*rec) - 8;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.size = 8;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	/* Cursors no call hands back. */
	valid_req(&req, rec);
	req.cursor.depth = MMSCOPE_VMATREE_DEPTH;
	req.cursor.id = 5;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	valid_req(&req, rec);
	req.cursor.depth = 1;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));	/* no id */
	valid_req(&req, rec);
	req.cursor.id = 3;
	req.cursor.depth = 1;
	req.cursor.path[5] = 1;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));	/* path below the depth */
	valid_req(&req, rec);
	req.cursor.id = 3;
	req.cursor.depth = 1;
	req.cursor.path[0] = 3;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));	/* an ancestor after it */
	/* A cursor that names no node of the tree: CHANGED, never a crash. */
	valid_req(&req, rec);
	req.cursor.id = 3;
	req.cursor.depth = 1;
	req.cursor.min = 0x1234;
	ASSERT_EQ(0, vmatree_ioctl(fd, &req));
	EXPECT_TRUE(req.out_flags & (MMSCOPE_VMATREE_CHANGED | MMSCOPE_VMATREE_DONE));
	/* Bad pointers. */
	valid_req(&req, rec);
	req.records_ptr = 8;
	EXPECT_EQ(-EFAULT, vmatree_ioctl(fd, &req));
	EXPECT_EQ(-EFAULT, ioctl(fd, MMSCOPE_IOC_VMATREE, (void *)8) ? -errno : 0);
	/* A size no version had: larger ones must be zero past ours. */
	valid_req(&req, rec);
	req.size = 4096 * 2;
	EXPECT_EQ(-EINVAL, vmatree_ioctl(fd, &req));
	/* The command next to it is not ours. */
	EXPECT_EQ(-ENOTTY, ioctl(fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x1f, struct mmscope_vmatree),
				 &req) ? -errno : 0);

	/* A target that is gone. */
	stop_tree_child(&ch);
	valid_req(&req, rec);
	EXPECT_EQ(-ESRCH, vmatree_ioctl(fd, &req));
	close(fd);
	free(rec);
}

/* The CLI's picture of a small tree, for the log (as in docs/internals/). */
static void show_cli(pid_t pid)
{
	char cmd[64], line[256];
	FILE *p;

	if (access("/bin/mmscope", X_OK))
		return;
	snprintf(cmd, sizeof(cmd), "/bin/mmscope vmatree %d", pid);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		printf("# %s", line);
	pclose(p);
}

/* debugfs vmatree: the same nodes, then "height=H nodes=N ma_flags=F". */
TEST(debugfs)
{
	static char buf[4 << 20];
	unsigned int height, ma_flags;
	unsigned long long nodes;
	struct dump d = { 0 };
	struct child ch;
	char pid[16], *summary;
	ssize_t len;

	if (access(DEBUGFS_DIR "/vmatree", R_OK))
		SKIP(return, "no " DEBUGFS_DIR "/vmatree");
	ASSERT_EQ(0, start_tree_child(&ch, 10, false));
	snprintf(pid, sizeof(pid), "%d", ch.pid);
	ASSERT_EQ(0, write_file(DEBUGFS_DIR "/target", pid));
	show_cli(ch.pid);
	len = read_file(DEBUGFS_DIR "/vmatree", buf, sizeof(buf));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, dump_tree(ch.pid, &d));
	summary = strstr(buf, "height=");
	ASSERT_NE(NULL, summary);
	ASSERT_EQ(3, sscanf(summary, "height=%u nodes=%llu ma_flags=%x", &height, &nodes,
			    &ma_flags));
	EXPECT_EQ(d.req.height, height);
	EXPECT_EQ(d.n, nodes);
	EXPECT_EQ(d.req.ma_flags, ma_flags);
	free(d.nodes);
	stop_tree_child(&ch);
}

TEST_HARNESS_MAIN
