/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope map: the address space as boxes, one per VMA or per group of
 * small neighbours (map.c), drawn as SVG (map_svg.c); the names both
 * use (map_names.c).
 */
#ifndef MMSCOPE_MAP_H
#define MMSCOPE_MAP_H

#include <stdint.h>
#include <stdio.h>
#include <linux/mmscope.h>

/* The segments the textbooks name, as bits of map_box.labels. */
enum map_label {
	LABEL_TEXT,	/* the VMA holding start_code */
	LABEL_DATA,	/* the VMA holding start_data */
	LABEL_BSS,	/* a VMA of kind bss */
	LABEL_HEAP,	/* a VMA of kind heap: [start_brk, brk), maybe in parts */
	LABEL_STACK,	/* the VMA holding start_stack */
	LABEL_VDSO,
	LABEL_VVAR,
	LABEL_COUNT
};

/* A kind of its own for groups of VMAs of several kinds. */
#define MAP_KIND_MIXED MMSCOPE_KIND_COUNT

struct map_box {
	uint64_t start, end;	/* of the first and the last VMA */
	uint64_t size;		/* the VMAs' bytes, without the gaps between */
	uint64_t rss;		/* resident bytes (smaps Rss) */
	uint32_t kind;		/* enum mmscope_vma_kind, or MAP_KIND_MIXED */
	uint32_t count;		/* VMAs in the box */
	uint32_t labels;	/* 1 << enum map_label */
	uint32_t kind_counts[MMSCOPE_KIND_COUNT];	/* for mixed groups */
	const char *path;	/* a single VMA's path, else NULL */
};

struct map {
	struct mmscope_mm_info mm;
	struct map_box *boxes;
	size_t nboxes;
	size_t nvmas;
};

/* map_names.c */
const char *map_label_name(unsigned int label);
const char *map_kind_name(uint32_t kind);
/* The address where the kernel's half starts, from the user half's top. */
uint64_t map_kernel_start(uint64_t task_size);

/* map_svg.c: the picture; 0 or -errno of the write. */
int map_write_svg(const struct map *m, FILE *f);

#endif
