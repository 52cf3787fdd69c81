// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope vmatree PID: the nodes of the target's VMA tree (the maple tree
 * mm->mm_mt), as an indented tree, as JSON, or as a Graphviz picture.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope [--dot] vmatree PID"

static const char help_text[] =
	"Usage: mmscope [-j] [--dot] vmatree PID\n"
	"       mmscope vmatree help\n"
	"\n"
	"The VMA tree of process PID: the maple tree the kernel keeps its VMAs\n"
	"in, node by node in depth-first order. Internal nodes (arange_64) split\n"
	"the address space at their pivots and store the largest gap below each\n"
	"slot; leaves (leaf_64) hold the VMAs, in /proc/PID/maps order, and the\n"
	"gaps between them as empty slots. With --dot, a Graphviz picture\n"
	"(mmscope --dot vmatree PID | dot -Tsvg > tree.svg); a large tree shows\n"
	"each leaf as one box with its first and last VMA.\n";

/* Above this many nodes the picture lists no VMA of a leaf one by one. */
#define DOT_DETAIL_MAX 64

struct tree {
	struct mmscope_vmatree req;
	struct mmscope_vmatree_node *nodes;
	size_t n;
	int *child;	/* child[id * SLOTS + slot]: the node a slot holds, or -1 */
	struct mmscope_vma *vmas;
	size_t nvmas;
};

static const char *type_name(uint32_t type)
{
	switch (type) {
	case MMSCOPE_VMATREE_LEAF_64:
		return "leaf_64";
	case MMSCOPE_VMATREE_RANGE_64:
		return "range_64";
	case MMSCOPE_VMATREE_ARANGE_64:
		return "arange_64";
	}
	return "unknown";
}

static const char *bad_bit_name(unsigned int bit)
{
	static const char * const names[] = {
		"bad_type", "bad_end", "bad_pivot", "bad_depth", "bad_slot", "dead",
	};

	return bit < sizeof(names) / sizeof(names[0]) ? names[bit] : NULL;
}

/* The kind of the VMA that starts at @start, from the maps listing. */
static const char *vma_kind(const struct tree *t, uint64_t start)
{
	size_t lo = 0, hi = t->nvmas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->vmas[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nvmas && t->vmas[lo].start == start ?
	       mms_kind_name(t->vmas[lo].kind) : "?";
}

static int link_children(struct tree *t)
{
	size_t i, slots = t->n * MMSCOPE_VMATREE_SLOTS;

	t->child = malloc((slots ? slots : 1) * sizeof(*t->child));
	if (!t->child)
		return -1;
	for (i = 0; i < slots; i++)
		t->child[i] = -1;
	for (i = 0; i < t->n; i++) {
		const struct mmscope_vmatree_node *r = &t->nodes[i];

		if (r->id != i)
			return -1;	/* ids are depth-first positions */
		if (r->parent < i && r->parent_slot < MMSCOPE_VMATREE_SLOTS)
			t->child[r->parent * MMSCOPE_VMATREE_SLOTS + r->parent_slot] = i;
	}
	return 0;
}

static void json_node(const struct tree *t, const struct mmscope_vmatree_node *r)
{
	uint32_t i;

	jw_start_object(jw);
	jw_key(jw, "id");
	jw_uint(jw, r->id);
	jw_key(jw, "type");
	jw_string(jw, type_name(r->type));
	jw_key(jw, "depth");
	jw_uint(jw, r->depth);
	jw_key(jw, "min");
	jw_hex(jw, r->min);
	jw_key(jw, "max");
	jw_hex(jw, r->max);
	jw_key(jw, "parent");
	if (r->depth)
		jw_uint(jw, r->parent);
	else
		jw_null(jw);
	jw_key(jw, "parent_slot");
	if (r->depth)
		jw_uint(jw, r->parent_slot);
	else
		jw_null(jw);
	jw_key(jw, "pivots");
	jw_start_array(jw);
	for (i = 0; i < r->nr_pivots; i++)
		jw_hex(jw, r->pivots[i]);
	jw_end_array(jw);
	if (r->type == MMSCOPE_VMATREE_ARANGE_64) {
		jw_key(jw, "gaps");
		jw_start_array(jw);
		for (i = 0; i < r->nr_slots; i++)
			jw_uint(jw, r->gaps[i]);
		jw_end_array(jw);
	}
	jw_key(jw, "slots");
	jw_start_array(jw);
	for (i = 0; i < r->nr_slots; i++) {
		const struct mmscope_vmatree_slot *s = &r->slots[i];
		int child = t->child[r->id * MMSCOPE_VMATREE_SLOTS + i];

		if (s->kind == MMSCOPE_VMATREE_SLOT_NODE && child >= 0) {
			jw_start_object(jw);
			jw_key(jw, "node");
			jw_uint(jw, child);
			jw_end_object(jw);
		} else if (s->kind == MMSCOPE_VMATREE_SLOT_VMA) {
			jw_start_object(jw);
			jw_key(jw, "vma");
			jw_start_object(jw);
			jw_key(jw, "start");
			jw_hex(jw, s->vma_start);
			jw_key(jw, "end");
			jw_hex(jw, s->vma_end);
			jw_key(jw, "index");
			jw_uint(jw, s->vma_index);
			jw_end_object(jw);
			jw_end_object(jw);
		} else {
			jw_null(jw);
		}
	}
	jw_end_array(jw);
	/* Only a node whose decoding stopped says why. */
	if (r->flags) {
		jw_key(jw, "bad");
		put_bits(r->flags, bad_bit_name);
	}
	jw_end_object(jw);
}

static void json_tree(const struct tree *t)
{
	size_t i;

	jw_start_object(jw);
	jw_key(jw, "height");
	jw_uint(jw, t->req.height);
	jw_key(jw, "node_count");
	jw_uint(jw, t->n);
	jw_key(jw, "ma_flags");
	jw_hex(jw, t->req.ma_flags);
	if (t->req.out_flags & MMSCOPE_VMATREE_ROOT_ENTRY) {
		jw_key(jw, "root_entry");
		jw_start_object(jw);
		jw_key(jw, "vma");
		jw_start_object(jw);
		jw_key(jw, "start");
		jw_hex(jw, t->req.root_entry_start);
		jw_key(jw, "end");
		jw_hex(jw, t->req.root_entry_end);
		jw_end_object(jw);
		jw_end_object(jw);
	}
	jw_key(jw, "nodes");
	jw_start_array(jw);
	for (i = 0; i < t->n; i++)
		json_node(t, &t->nodes[i]);
	jw_end_array(jw);
	jw_end_object(jw);
}

static void text_node(const struct tree *t, const struct mmscope_vmatree_node *r)
{
	int ind = 2 * r->depth;
	char gap[24];
	uint32_t i;

	printf("%*snode %u %s [%llx-%llx]", ind, "", r->id, type_name(r->type),
	       r->min, r->max);
	if (r->flags) {
		printf(" STOPPED: ");
		put_bits(r->flags, bad_bit_name);
	}
	printf("\n");
	for (i = 0; i < r->nr_slots; i++) {
		const struct mmscope_vmatree_slot *s = &r->slots[i];

		printf("%*s  %2u ..%llx", ind, "", i, s->max);
		if (r->type == MMSCOPE_VMATREE_ARANGE_64)
			printf(" gap %s%s", size_text(gap, r->gaps[i]), human_output ? "" : " kB");
		switch (s->kind) {
		case MMSCOPE_VMATREE_SLOT_NODE:
			printf(" -> node %d\n", t->child[r->id * MMSCOPE_VMATREE_SLOTS + i]);
			break;
		case MMSCOPE_VMATREE_SLOT_VMA:
			printf(" vma %llx-%llx #%llu %s%s\n", s->vma_start, s->vma_end,
			       s->vma_index, vma_kind(t, s->vma_start),
			       s->flags & MMSCOPE_VMATREE_SLOT_MISMATCH ? " MISMATCH" : "");
			break;
		case MMSCOPE_VMATREE_SLOT_OTHER:
			printf(" (not a VMA)\n");
			break;
		default:
			printf(" empty\n");
		}
	}
}

static void text_tree(const struct tree *t)
{
	const uint32_t f = t->req.ma_flags;
	size_t i;

	printf("height %u, %zu nodes, ma_flags 0x%x (%s%s height=%u lock=%s)\n",
	       t->req.height, t->n, f, f & 0x1 ? "alloc_range " : "",
	       f & 0x2 ? "use_rcu" : "", (f & 0x7c) >> 2,
	       (f & 0x300) == 0x300 ? "extern" : (f & 0x300) ? "irq/bh" : "spinlock");
	if (t->req.out_flags & MMSCOPE_VMATREE_ROOT_ENTRY)
		printf("root entry: vma %llx-%llx\n", t->req.root_entry_start,
		       t->req.root_entry_end);
	for (i = 0; i < t->n; i++)
		text_node(t, &t->nodes[i]);
}

/* Internal nodes show pivots and gaps; leaves their VMAs with their kind. */
static void dot_node(const struct tree *t, const struct mmscope_vmatree_node *r,
		     bool detail)
{
	uint32_t i, nvma = 0;
	int first = -1, last = -1;
	char gap[24];

	printf("  n%u [label=\"node %u %s\\n[%llx-%llx]\\l", r->id, r->id,
	       type_name(r->type), r->min, r->max);
	for (i = 0; i < r->nr_slots; i++) {
		const struct mmscope_vmatree_slot *s = &r->slots[i];

		if (r->type != MMSCOPE_VMATREE_LEAF_64) {
			printf("%2u: ..%llx", i, s->max);
			if (r->type == MMSCOPE_VMATREE_ARANGE_64)
				printf(" gap %s%s", size_text(gap, r->gaps[i]),
				       human_output ? "" : " kB");
			printf("\\l");
		} else if (s->kind == MMSCOPE_VMATREE_SLOT_VMA) {
			if (detail)
				printf("%llx-%llx %s\\l", s->vma_start, s->vma_end,
				       vma_kind(t, s->vma_start));
			if (first < 0)
				first = i;
			last = i;
			nvma++;
		} else if (detail) {
			printf("(gap)\\l");
		}
	}
	if (!detail && first >= 0)
		printf("%u VMAs: #%llu %llx ..\\l#%llu ..%llx\\l", nvma,
		       r->slots[first].vma_index, r->slots[first].vma_start,
		       r->slots[last].vma_index, r->slots[last].vma_end);
	if (r->flags)
		printf("STOPPED (flags 0x%x)\\l", r->flags);
	printf("\"%s];\n", r->type == MMSCOPE_VMATREE_LEAF_64 ?
	       ", style=filled, fillcolor=\"#e8f4e8\"" : "");
	if (r->depth)
		printf("  n%u -> n%u [label=\"%u\"];\n", r->parent, r->id, r->parent_slot);
}

static void dot_tree(const struct tree *t)
{
	bool detail = t->n <= DOT_DETAIL_MAX;
	size_t i;

	printf("digraph vmatree {\n");
	printf("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
	printf("  label=\"VMA tree: height %u, %zu nodes, ma_flags 0x%x\";\n",
	       t->req.height, t->n, t->req.ma_flags);
	if (t->req.out_flags & MMSCOPE_VMATREE_ROOT_ENTRY)
		printf("  root [label=\"root entry\\n%llx-%llx\"];\n",
		       t->req.root_entry_start, t->req.root_entry_end);
	for (i = 0; i < t->n; i++)
		dot_node(t, &t->nodes[i], detail);
	printf("}\n");
}

static int vmatree_show(int argc, char **argv)
{
	struct tree t = { 0 };
	int fd, ret;

	fd = open_pid_query(argc, argv, "usage: " USAGE);
	if (fd < 0)
		return -fd;
	ret = mms_vmatree_all(fd, &t.req, &t.nodes, &t.n);
	if (!ret)	/* the kinds of the leaves' VMAs */
		ret = mms_vmas_all(fd, &t.vmas, &t.nvmas);
	close(fd);
	if (ret == -EAGAIN) {
		p_err("the VMA tree of %s changed under every dump: try again", argv[0]);
		ret = 1;
		goto out_free;
	}
	if (ret) {
		p_errno(-ret, ERR_QUERY, argv[0]);
		ret = 1;
		goto out_free;
	}
	if (link_children(&t)) {
		p_err("the VMA tree of %s came back out of order", argv[0]);
		ret = 1;
		goto out_free;
	}

	if (json_output)
		json_tree(&t);
	else if (dot_output)
		dot_tree(&t);
	else
		text_tree(&t);
out_free:
	free(t.child);
	free(t.vmas);
	free(t.nodes);
	return ret;
}

static const struct cmd cmds[] = {
	{ NULL, vmatree_show },
	{}
};

const struct object obj_vmatree = {
	.name = "vmatree",
	.help = help_text,
	.cmds = cmds,
	.longopts = dot_opts,
	.take = take_dot_option,
};
