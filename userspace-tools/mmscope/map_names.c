// SPDX-License-Identifier: GPL-2.0
/* What map.c (the boxes) and map_svg.c (their picture) both name. */
#include "libmmscope.h"
#include "map.h"

static const char *const label_names[LABEL_COUNT] = {
	[LABEL_TEXT] = "text", [LABEL_DATA] = "data", [LABEL_BSS] = "bss",
	[LABEL_HEAP] = "heap", [LABEL_STACK] = "stack", [LABEL_VDSO] = "vdso",
	[LABEL_VVAR] = "vvar",
};

const char *map_label_name(unsigned int label)
{
	return label < LABEL_COUNT ? label_names[label] : "?";
}

const char *map_kind_name(uint32_t kind)
{
	return kind == MAP_KIND_MIXED ? "mixed" : mms_kind_name(kind);
}

/* x86-64: the kernel's half mirrors the user half, below 2^64. */
uint64_t map_kernel_start(uint64_t task_size)
{
	return -(task_size + 4096);
}
