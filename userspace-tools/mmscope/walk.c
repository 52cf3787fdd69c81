// SPDX-License-Identifier: GPL-2.0
/* mmscope walk PID ADDR: the page-table walk of one address, as crash's vtop. */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope [--dot] walk PID ADDR"

static const char help_text[] =
	"Usage: " USAGE "\n"
	"       mmscope walk help\n"
	"\n"
	"The page-table walk of ADDR in process PID, as crash's vtop prints it: a\n"
	"line per level (PGD, P4D with 5-level paging, PUD, PMD, PTE) with the\n"
	"table, the entry and its bits, then what the leaf maps: the page, its\n"
	"struct page state, its VMA and its copy-on-write verdict. With --dot, a\n"
	"Graphviz picture (mmscope --dot walk PID ADDR | dot -Tpng > walk.png).\n"
	"ADDR is hex, as mmscope prints it, with or without 0x (00007ffd0000 or\n"
	"0x7ffd0000). A kernel thread has no user page tables to walk.\n";

/* Look up the VMA of addr, for the walk's "vma" line. */
static bool vma_of(int fd, uint64_t addr, struct mmscope_vma *vma)
{
	struct mmscope_lookup res;

	return !mms_lookup(fd, addr, &res, vma) &&
	       (res.out_flags & MMSCOPE_LOOKUP_CONTAINS);
}

static void json_page_state(const struct mmscope_page *p)
{
	jw_start_object(jw);
	jw_key(jw, "refcount");
	jw_uint(jw, p->refcount);
	jw_key(jw, "mapcount");
	jw_uint(jw, p->mapcount);
	jw_key(jw, "folio_mapcount");
	jw_uint(jw, p->folio_mapcount);
	jw_key(jw, "order");
	jw_uint(jw, p->order);
	jw_key(jw, "flags");
	put_bits(p->page_flags, mms_pg_bit_name);
	jw_key(jw, "anon_exclusive");
	jw_bool(jw, p->page_flags & MMSCOPE_PG_ANON_EXCLUSIVE);
	jw_key(jw, "zero_page");
	jw_bool(jw, p->page_flags & (MMSCOPE_PG_ZERO | MMSCOPE_PG_HUGE_ZERO));
	jw_key(jw, "ksm");
	jw_bool(jw, p->page_flags & MMSCOPE_PG_KSM);
	jw_key(jw, "mapping");
	jw_string(jw, p->page_flags & MMSCOPE_PG_ANON ? "anon" :
		  p->flags & MMSCOPE_PAGE_FILE ? "file" : "none");
	jw_key(jw, "ino");
	jw_uint(jw, p->ino);
	jw_key(jw, "index");
	jw_uint(jw, p->index);
	jw_end_object(jw);
}

static void json_walk(const struct mmscope_walk *w, const struct mmscope_vma *vma)
{
	const struct mmscope_page *p = &w->page;
	bool present = p->state == MMSCOPE_ENTRY_PRESENT;
	uint32_t i;

	jw_start_object(jw);
	jw_key(jw, "addr");
	jw_hex(jw, w->addr);
	jw_key(jw, "paging_levels");
	jw_uint(jw, w->paging_levels);
	jw_key(jw, "levels");
	jw_start_array(jw);
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];

		jw_start_object(jw);
		jw_key(jw, "level");
		jw_string(jw, mms_level_name(l->level));
		jw_key(jw, "index");
		jw_uint(jw, l->index);
		jw_key(jw, "table_phys");
		jw_hex(jw, l->table_phys);
		jw_key(jw, "entry");
		jw_hex(jw, l->entry);
		jw_key(jw, "state");
		jw_string(jw, mms_state_name(l->state));
		jw_key(jw, "flags");
		put_bits(l->bits, mms_pte_bit_name);
		jw_key(jw, "leaf");
		if (l->leaf_size)
			jw_uint(jw, l->leaf_size);
		else
			jw_null(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_key(jw, "state");
	jw_string(jw, mms_state_name(p->state));
	jw_key(jw, "present");
	jw_bool(jw, present);
	jw_key(jw, "pfn");
	if (present)
		jw_uint(jw, p->pfn);
	else
		jw_null(jw);
	jw_key(jw, "phys");
	if (present)
		jw_hex(jw, w->phys);
	else
		jw_null(jw);
	jw_key(jw, "page_size");
	jw_uint(jw, p->page_size);
	jw_key(jw, "pte_flags");
	put_bits(p->pte_flags, mms_pte_bit_name);
	jw_key(jw, "swap");
	if (page_has_swap(p)) {
		jw_start_object(jw);
		jw_key(jw, "type");
		jw_uint(jw, p->swap_type);
		jw_key(jw, "offset");
		jw_uint(jw, p->swap_offset);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_key(jw, "page");
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE)
		json_page_state(p);
	else
		jw_null(jw);
	jw_key(jw, "vma");
	if (vma)
		json_vma(vma);
	else
		jw_null(jw);
	jw_key(jw, "cow");
	jw_string(jw, mms_cow_name(p->cow));
	jw_end_object(jw);
}

/* crash's vtop: one line per level, then what the leaf holds. */
static void text_walk(const struct mmscope_walk *w, const struct mmscope_vma *vma)
{
	const struct mmscope_page *p = &w->page;
	uint32_t i;

	printf("VIRTUAL           PHYSICAL\n%-17llx ", w->addr);
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		printf("%llx\n\n", w->phys);
	else
		printf("(not mapped: %s)\n\n", mms_state_name(p->state));
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];
		char name[8];
		int c;

		/* vtop's capitals, from the one list of names */
		snprintf(name, sizeof(name), "%s", mms_level_name(l->level));
		for (c = 0; name[c]; c++)
			name[c] = toupper((unsigned char)name[c]);
		printf("%4s: %016llx => %016llx  [%3u] ", name,
		       l->table_phys + l->index * 8, l->entry, l->index);
		if (l->leaf_size)
			printf("leaf %s ", size_name(l->leaf_size));
		else
			printf("%s ", mms_state_name(l->state));
		put_bits(l->bits, mms_pte_bit_name);
		printf("\n");
	}
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		printf("PAGE: %016llx  (pfn %#llx, %s page)\n", w->phys & ~(uint64_t)4095,
		       p->pfn, size_name(p->page_size));
	printf("\n  %-9s %s", "state", mms_state_name(p->state));
	if (page_has_swap(p))
		printf(" (type %u, offset %#llx)", p->swap_type, p->swap_offset);
	printf("\n  %-9s ", "flags");
	put_bits(p->pte_flags, mms_pte_bit_name);
	printf("\n  %-9s %s\n", "cow", mms_cow_name(p->cow));
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
		printf("  %-9s refcount %u, mapcount %u, folio_mapcount %u, order %u\n",
		       "page", p->refcount, p->mapcount, p->folio_mapcount, p->order);
		printf("  %-9s ", "");
		put_bits(p->page_flags, mms_pg_bit_name);
		if (p->flags & MMSCOPE_PAGE_FILE)
			printf(" (file: inode %llu, index %#llx)", p->ino, p->index);
		else if (p->page_flags & MMSCOPE_PG_ANON)
			printf(" (anon index %#llx)", p->index);
		printf("\n");
	} else if (p->state == MMSCOPE_ENTRY_PRESENT) {
		printf("  %-9s none: no struct page semantics (VM_PFNMAP/VM_IO)\n", "page");
	}
	if (vma) {
		struct table t;

		printf("  vma\n");
		vma_table_start(&t);
		t.indent = "    ";
		vma_table_row_full(&t, vma);
		table_end(&t);
	} else {
		printf("  %-9s none: no VMA contains this address\n", "vma");
	}
}

/* Graphviz: the tables as nodes, the walk as edges. */
static void dot_walk(const struct mmscope_walk *w)
{
	uint32_t i;

	printf("digraph walk {\n  rankdir=LR;\n  node [shape=record, fontname=monospace];\n");
	printf("  va [label=\"VA\\n%#llx\", shape=box];\n", w->addr);
	for (i = 0; i < w->nr_levels; i++) {
		const struct mmscope_level *l = &w->levels[i];

		printf("  t%u [label=\"%s table|phys %#llx|[%u] = %#llx|%s\"];\n", i,
		       mms_level_name(l->level), l->table_phys, l->index, l->entry,
		       l->leaf_size ? size_name(l->leaf_size) : mms_state_name(l->state));
		if (i)
			printf("  t%u -> t%u;\n", i - 1, i);
		else
			printf("  va -> t0;\n");
	}
	printf("\n");
	if (w->page.state == MMSCOPE_ENTRY_PRESENT && w->nr_levels)
		printf("  page [label=\"page\\npfn %#llx\\nphys %#llx\\ncow: %s\", shape=box];\n"
		       "  t%u -> page;\n", w->page.pfn, w->phys,
		       mms_cow_name(w->page.cow), w->nr_levels - 1);
	printf("}\n");
}

static int walk_show(int argc, char **argv)
{
	struct mmscope_vma vma;
	struct mmscope_walk w;
	bool has_vma;
	uint64_t addr;
	int fd, ret;

	fd = open_addr_query(argc, argv, "usage: " USAGE, &addr);
	if (fd < 0)
		return -fd;
	ret = mms_walk(fd, addr, &w);
	has_vma = !ret && vma_of(fd, addr, &vma);
	close(fd);
	if (ret)
		return p_addr_query_err(-ret, ERR_WALK, argv[0], argv[1]);
	if (dot_output)
		dot_walk(&w);
	else if (json_output)
		json_walk(&w, has_vma ? &vma : NULL);
	else
		text_walk(&w, has_vma ? &vma : NULL);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, walk_show },
	{}
};

const struct object obj_walk = {
	.name = "walk",
	.help = help_text,
	.cmds = cmds,
	.longopts = dot_opts,
	.take = take_dot_option,
};
