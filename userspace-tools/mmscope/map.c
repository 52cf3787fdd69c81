// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope map PID [--svg FILE]: the address space from 0 to TASK_SIZE, a
 * box per VMA, coloured by kind and shaded by how much of it is resident.
 * Past MAP_MAX_BOXES VMAs, runs of small neighbours become one box with a
 * count, so that 65,000 VMAs still make a small, readable picture.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"
#include "map.h"

#define USAGE "mmscope map PID [--svg FILE]"

/* Few enough boxes to read, and a file of a few hundred kB at most. */
#define MAP_MAX_BOXES 250
#define VMA_BATCH 64

static const char help_text[] =
	"Usage: " USAGE "\n"
	"       mmscope map help\n"
	"\n"
	"The address space of process PID from 0 to its TASK_SIZE, a box per VMA,\n"
	"with the segments named: text, data, bss, heap (and brk), the mmap area\n"
	"(mmap_base), the stack, vdso and vvar. Each box has its VMA's kind (as\n"
	"maps shows it) and the bytes of it that are resident (Rss, from\n"
	"mmscope's smaps walk). Past 250 VMAs, runs of small neighbouring VMAs of\n"
	"one kind (then, if still too many, of any kind: \"mixed\") are drawn as\n"
	"one box with their count.\n"
	"\n"
	"  --svg FILE   draw it as SVG into FILE (\"-\": stdout): a log scale (a\n"
	"               box's height grows with the log of its size) broken at\n"
	"               the gaps, the kernel's half above TASK_SIZE, a legend.\n"
	"               Every box carries data-start, data-end, data-kind,\n"
	"               data-count, data-size and data-rss attributes.\n"
	"\n"
	"Without --svg, one line per box. With -j, an object of the layout and\n"
	"its boxes.\n";

struct map_vma {
	uint64_t start, end, rss;
	uint32_t kind, labels;
	char *path;
};

static bool holds(const struct map_vma *v, uint64_t addr)
{
	return v->start <= addr && addr < v->end;
}

static uint32_t labels_of(const struct map_vma *v, const struct mmscope_mm_info *mm)
{
	uint32_t l = 0;

	if (holds(v, mm->start_code))
		l |= 1U << LABEL_TEXT;
	if (mm->end_data > mm->start_data && holds(v, mm->start_data))
		l |= 1U << LABEL_DATA;
	if (v->kind == MMSCOPE_KIND_BSS)
		l |= 1U << LABEL_BSS;
	if (v->kind == MMSCOPE_KIND_HEAP)	/* what /proc calls [heap] */
		l |= 1U << LABEL_HEAP;
	if (holds(v, mm->start_stack))
		l |= 1U << LABEL_STACK;
	if (v->kind == MMSCOPE_KIND_VDSO)
		l |= 1U << LABEL_VDSO;
	if (v->kind == MMSCOPE_KIND_VVAR)
		l |= 1U << LABEL_VVAR;
	return l;
}

/* Every VMA, kept small: whole records of 65,000 VMAs would be 275 MB. */
static int read_vmas(int fd, struct map_vma **out, size_t *count)
{
	struct mmscope_vma *room;
	struct map_vma *all = NULL, *grown;
	size_t n = 0, cap = 0, filled, i;
	uint64_t cursor = 0;
	int done = 0, ret = 0;

	room = calloc(VMA_BATCH, sizeof(*room));
	if (!room)
		return -ENOMEM;
	while (!done && !ret) {
		ret = mms_vmas_batch(fd, &cursor, room, VMA_BATCH, &filled, &done);
		if (!ret && n + filled > cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown)
				ret = -ENOMEM;
			else
				all = grown;
		}
		for (i = 0; !ret && i < filled; i++, n++) {
			all[n] = (struct map_vma){ .start = room[i].start, .end = room[i].end,
						   .kind = room[i].kind };
			all[n].path = strdup((const char *)room[i].path);
			if (!all[n].path)
				ret = -ENOMEM;
		}
	}
	free(room);
	*out = all;
	*count = n;
	return ret;
}

/* Rss per VMA, from smaps; a VMA that changed in between keeps 0. */
static int read_rss(int fd, struct map_vma *v, size_t n)
{
	struct mmscope_smaps_vma *recs;
	size_t nr, i, k = 0;
	int ret;

	ret = mms_smaps_all(fd, &recs, &nr);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++) {
		while (k < n && v[k].end <= recs[i].start)
			k++;
		if (k < n && v[k].start == recs[i].start && v[k].end == recs[i].end)
			v[k].rss = recs[i].rss;
	}
	free(recs);
	return 0;
}

/*
 * One pass of grouping: a VMA of at most @small bytes, with no label, joins
 * the box before it when that box is of the same kind (any kind if @mixed)
 * and the gap between them is at most @small. Returns the box count.
 */
static size_t group(const struct map_vma *v, size_t n, uint64_t small, bool mixed,
		    struct map_box *boxes)
{
	struct map_box *b = NULL;
	bool open = false;
	size_t nb = 0, i;

	for (i = 0; i < n; i++) {
		uint64_t size = v[i].end - v[i].start;
		bool groupable = !v[i].labels && size <= small;

		if (open && groupable && v[i].start - b->end <= small &&
		    (mixed || b->kind == v[i].kind)) {
			if (b->kind != v[i].kind)
				b->kind = MAP_KIND_MIXED;
			b->end = v[i].end;
			b->size += size;
			b->rss += v[i].rss;
			b->count++;
			b->kind_counts[v[i].kind]++;
			b->path = NULL;
			continue;
		}
		b = &boxes[nb++];
		*b = (struct map_box){ .start = v[i].start, .end = v[i].end, .size = size,
				       .rss = v[i].rss, .kind = v[i].kind, .count = 1,
				       .labels = v[i].labels, .path = v[i].path };
		b->kind_counts[v[i].kind] = 1;
		open = groupable;
	}
	return nb;
}

/* The finest grouping that keeps the boxes within MAP_MAX_BOXES. */
static size_t build_boxes(const struct map_vma *v, size_t n, struct map_box *boxes)
{
	static const uint64_t smalls[] = { 0, 1ULL << 20, 16ULL << 20, 256ULL << 20,
					   4ULL << 30, 1ULL << 40, UINT64_MAX };
	size_t nb = 0, i;
	int mixed;

	for (mixed = 0; mixed < 2; mixed++) {
		for (i = 0; i < sizeof(smalls) / sizeof(smalls[0]); i++) {
			nb = group(v, n, smalls[i], mixed, boxes);
			if (nb <= MAP_MAX_BOXES)
				return nb;
		}
	}
	return nb;	/* only labelled VMAs are left apart */
}

static void text_map(const struct map *m)
{
	static const struct table_col cols[] = {
		{ "START-END", 0 }, { "KIND", 0 }, { "VMAS", COL_RIGHT },
		{ "SIZE", COL_RIGHT | COL_SIZE }, { "RSS", COL_RIGHT | COL_SIZE },
		{ "LABELS", 0 }, { "PATH", 0 },
	};
	struct table t;
	size_t i;

	printf("PID %u (%s): %zu VMAs in %zu boxes, TASK_SIZE %#llx\n", m->mm.pid,
	       (const char *)m->mm.comm, m->nvmas, m->nboxes, m->mm.task_size);
	table_start(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < m->nboxes; i++) {
		const struct map_box *b = &m->boxes[i];

		table_range(&t, b->start, b->end);
		table_str(&t, map_kind_name(b->kind));
		table_uint(&t, b->count);
		table_size(&t, b->size);
		table_size(&t, b->rss);
		table_bits(&t, b->labels, map_label_name, ",");
		table_str(&t, b->path ? b->path : "");
	}
	table_end(&t);
	printf("brk %#llx, mmap_base %#llx\n", m->mm.brk, m->mm.mmap_base);
}

static void json_map(const struct map *m)
{
	size_t i;
	int l;

	jw_start_object(jw);
	jw_key(jw, "task_size");
	jw_hex(jw, m->mm.task_size);
	jw_key(jw, "kernel_start");
	jw_hex(jw, map_kernel_start(m->mm.task_size));
	jw_key(jw, "brk");
	jw_hex(jw, m->mm.brk);
	jw_key(jw, "mmap_base");
	jw_hex(jw, m->mm.mmap_base);
	jw_key(jw, "vma_count");
	jw_uint(jw, m->nvmas);
	jw_key(jw, "boxes");
	jw_start_array(jw);
	for (i = 0; i < m->nboxes; i++) {
		const struct map_box *b = &m->boxes[i];

		jw_start_object(jw);
		jw_key(jw, "start");
		jw_hex(jw, b->start);
		jw_key(jw, "end");
		jw_hex(jw, b->end);
		jw_key(jw, "kind");
		jw_string(jw, map_kind_name(b->kind));
		jw_key(jw, "count");
		jw_uint(jw, b->count);
		jw_key(jw, "size");
		jw_uint(jw, b->size);
		jw_key(jw, "rss");
		jw_uint(jw, b->rss);
		jw_key(jw, "labels");
		jw_start_array(jw);
		for (l = 0; l < LABEL_COUNT; l++)
			if (b->labels & (1U << l))
				jw_string(jw, map_label_name(l));
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
}

/* Written whole or not at all: a failed write leaves no half picture. */
static int write_svg_file(const struct map *m, const char *file)
{
	FILE *f;
	int ret;

	if (!strcmp(file, "-"))
		return map_write_svg(m, stdout) ? 1 : 0;
	f = fopen(file, "w");
	if (!f) {
		p_err("cannot write %s: %s", file, strerror(errno));
		return 1;
	}
	ret = map_write_svg(m, f);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret) {
		p_err("cannot write %s: %s", file, strerror(-ret));
		unlink(file);
		return 1;
	}
	return 0;
}

/* --svg FILE: the picture, into FILE. */
static const char *svg;

static const struct option opts[] = {
	{ "svg", required_argument, NULL, 's' },
	{}
};

static int take_option(int opt, const char *arg)
{
	(void)opt;
	svg = arg;
	return 0;
}

static int query(int fd, const char *pid_arg, struct map *m, struct map_vma **vp)
{
	int ret;

	ret = mms_mm_info(fd, &m->mm, NULL, NULL);
	if (ret) {
		p_errno(-ret, ERR_QUERY, pid_arg);
		return 1;
	}
	if (m->mm.out_flags & (MMSCOPE_MM_KERNEL_THREAD | MMSCOPE_MM_NO_MM)) {
		p_err("PID %s is a kernel thread: it has no user address space", pid_arg);
		return 1;
	}
	if (!m->mm.task_size) {
		p_err("process %s is in the middle of exec(): its layout is not set yet",
		      pid_arg);
		return 1;
	}
	ret = read_vmas(fd, vp, &m->nvmas);
	if (!ret)
		ret = read_rss(fd, *vp, m->nvmas);
	if (ret) {
		p_errno(-ret, ERR_QUERY, pid_arg);
		return 1;
	}
	return 0;
}

static int map_show(int argc, char **argv)
{
	struct map_vma *v = NULL;
	struct map m = {};
	int fd, ret;
	size_t i;

	fd = open_pid_query(argc, argv, "usage: " USAGE);
	if (fd < 0)
		return -fd;
	ret = query(fd, argv[0], &m, &v);
	close(fd);
	if (!ret) {
		for (i = 0; i < m.nvmas; i++)
			v[i].labels = labels_of(&v[i], &m.mm);
		m.boxes = calloc(m.nvmas ? m.nvmas : 1, sizeof(*m.boxes));
		if (!m.boxes) {
			p_err("out of memory");
			ret = 1;
		}
	}
	if (!ret) {
		m.nboxes = build_boxes(v, m.nvmas, m.boxes);
		if (svg)
			ret = write_svg_file(&m, svg);
		else if (json_output)
			json_map(&m);
		else
			text_map(&m);
	}
	for (i = 0; v && i < m.nvmas; i++)
		free(v[i].path);
	free(v);
	free(m.boxes);
	return ret;
}

static const struct cmd cmds[] = {
	{ NULL, map_show },
	{}
};

const struct object obj_map = {
	.name = "map",
	.help = help_text,
	.cmds = cmds,
	.longopts = opts,
	.take = take_option,
};
