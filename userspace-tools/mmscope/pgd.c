// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope pgd PID [user|kernel|all]: the present entries of a process's
 * top-level page table, so that the kernel half of two processes' PGDs can
 * be set side by side: pgd_ctor() copied it from the kernel's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope pgd PID [user|kernel|all]"

static const char help_text[] =
	"Usage: " USAGE "\n"
	"       mmscope pgd help\n"
	"\n"
	"The present entries of the top-level page table (PGD) of process PID,\n"
	"one row each: its index, the virtual addresses it maps (START-LAST,\n"
	"the last byte included), the raw entry, the physical address of the\n"
	"table it points at, its half and its flags. user: the entries below\n"
	"TASK_SIZE, the process's own; kernel: the upper half, whose entries\n"
	"from pgd_ctor()'s boundary on (KERNEL_PGD_BOUNDARY, HALF kernel-clone)\n"
	"are copied from the kernel's own PGD and so equal in every process;\n"
	"all (the default): both. Set mmscope pgd PID1 kernel beside mmscope\n"
	"pgd PID2 kernel to see it. The entries are read from the kernel's copy\n"
	"of the PGD: with PTI, user mode runs on another copy. A kernel thread\n"
	"has no PGD of its own.\n";

/* Which entries are shown. */
enum pgd_half { HALF_ALL, HALF_USER, HALF_KERNEL };

static int parse_half(const char *arg, enum pgd_half *half)
{
	static const char *const words[] = {
		[HALF_ALL] = "all", [HALF_USER] = "user", [HALF_KERNEL] = "kernel",
	};
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(arg, words[i])) {
			*half = i;
			return 0;
		}
	}
	p_err("invalid half '%s': expected user, kernel or all (try: mmscope pgd help)", arg);
	return -1;
}

/* The x86-64 bits of a table entry, as MMSCOPE_PTE_* (mms_pte_bit_name()). */
#define X86_ENTRY_NX		(1ULL << 63)
#define X86_ENTRY_ADDR_MASK	0x000ffffffffff000ULL	/* bits 12-51 */

static uint32_t entry_bits(uint64_t e)
{
	static const uint32_t low[9] = {
		MMSCOPE_PTE_PRESENT, MMSCOPE_PTE_RW, MMSCOPE_PTE_USER, MMSCOPE_PTE_PWT,
		MMSCOPE_PTE_PCD, MMSCOPE_PTE_ACCESSED, MMSCOPE_PTE_DIRTY, MMSCOPE_PTE_HUGE,
		MMSCOPE_PTE_GLOBAL,
	};
	uint32_t bits = 0;
	unsigned int i;

	for (i = 0; i < 9; i++)
		if (e & (1ULL << i))
			bits |= low[i];
	if (e & X86_ENTRY_NX)
		bits |= MMSCOPE_PTE_NX;
	return bits;
}

/* What one entry maps: its first address (the upper half sign-extended) and last. */
struct pgd_slot {
	unsigned long long start, last;
};

static struct pgd_slot slot_of(const struct mmscope_pgd *p, uint32_t index)
{
	unsigned int shift = p->levels == 5 ? 48 : 39;
	struct pgd_slot s;

	s.start = (unsigned long long)index << shift;
	if (index >= p->ptrs_per_pgd / 2)	/* canonical: bits above the top one set */
		s.start |= ~((1ULL << (shift + 9)) - 1);
	s.last = s.start + (1ULL << shift) - 1;
	return s;
}

static bool shown(const struct mmscope_pgd *p, uint32_t index, enum pgd_half half)
{
	if (half == HALF_USER)
		return index < p->user_end;
	if (half == HALF_KERNEL)
		return index >= p->user_end;
	return true;
}

static const char *half_name(const struct mmscope_pgd *p, uint32_t index)
{
	if (index < p->user_end)
		return "user";
	return index >= p->kernel_clone_first ? "kernel-clone" : "kernel";
}

/* The bytes an entry maps, as 512G or 256T. */
static const char *span_name(unsigned int levels)
{
	return levels == 5 ? "256T" : "512G";
}

static void json_pgd(const struct mmscope_pgd *p, const uint64_t *e, uint32_t n,
		     const char *pid_arg, enum pgd_half half)
{
	static const char *const half_key[] = {
		[HALF_ALL] = "all", [HALF_USER] = "user", [HALF_KERNEL] = "kernel",
	};
	uint32_t i;

	jw_start_object(jw);
	jw_key(jw, "pid");
	jw_uint(jw, strtoul(pid_arg, NULL, 10));
	jw_key(jw, "pgd_phys");
	jw_hex(jw, p->pgd_phys);
	jw_key(jw, "paging_levels");
	jw_uint(jw, p->levels);
	jw_key(jw, "ptrs_per_pgd");
	jw_uint(jw, p->ptrs_per_pgd);
	jw_key(jw, "entry_span");
	jw_uint(jw, 1ULL << (p->levels == 5 ? 48 : 39));
	jw_key(jw, "user_end");
	jw_uint(jw, p->user_end);
	jw_key(jw, "kernel_clone_first");
	jw_uint(jw, p->kernel_clone_first);
	jw_key(jw, "shown");
	jw_string(jw, half_key[half]);
	jw_key(jw, "entries");
	jw_start_array(jw);
	for (i = 0; i < n; i++) {
		struct pgd_slot s = slot_of(p, i);

		if (!(e[i] & 1) || !shown(p, i, half))
			continue;
		jw_start_object(jw);
		jw_key(jw, "index");
		jw_uint(jw, i);
		jw_key(jw, "start");
		jw_hex(jw, s.start);
		jw_key(jw, "last");
		jw_hex(jw, s.last);
		jw_key(jw, "entry");
		jw_hex(jw, e[i]);
		jw_key(jw, "next_table");
		jw_hex(jw, e[i] & X86_ENTRY_ADDR_MASK);
		jw_key(jw, "half");
		jw_string(jw, i < p->user_end ? "user" : "kernel");
		jw_key(jw, "clone");
		jw_bool(jw, i >= p->kernel_clone_first);
		jw_key(jw, "flags");
		put_bits(entry_bits(e[i]), mms_pte_bit_name);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
}

static void text_pgd(const struct mmscope_pgd *p, const uint64_t *e, uint32_t n,
		     enum pgd_half half)
{
	static const struct table_col cols[] = {
		{ "INDEX", COL_RIGHT }, { "START-LAST", 0 }, { "ENTRY", 0 },
		{ "NEXT_TABLE", 0 }, { "HALF", 0 }, { "FLAGS", 0 },
	};
	struct pgd_slot u = slot_of(p, p->user_end - 1), k = slot_of(p, p->user_end);
	struct table t;
	uint32_t i;

	printf("%-12s 0x%llx\n", "pgd_phys", p->pgd_phys);
	printf("%-12s %u-level, %u entries of %s each\n", "paging", p->levels,
	       p->ptrs_per_pgd, span_name(p->levels));
	printf("%-12s entries 0-%u (0000000000000000-%016llx)\n", "user half",
	       p->user_end - 1, u.last);
	printf("%-12s entries %u-%u (%016llx-ffffffffffffffff); %u-%u copied from the kernel's PGD by pgd_ctor()\n",
	       "kernel half", p->user_end, p->ptrs_per_pgd - 1, k.start,
	       p->kernel_clone_first, p->ptrs_per_pgd - 1);
	table_start(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		struct pgd_slot s = slot_of(p, i);

		if (!(e[i] & 1) || !shown(p, i, half))
			continue;
		table_uint(&t, i);
		table_range(&t, s.start, s.last);
		table_hex(&t, e[i], 16);
		table_addr(&t, e[i] & X86_ENTRY_ADDR_MASK);
		table_str(&t, half_name(p, i));
		table_bits(&t, entry_bits(e[i]), mms_pte_bit_name, ",");
	}
	table_end(&t);
}

static int pgd_show(int argc, char **argv)
{
	enum pgd_half half = HALF_ALL;
	struct mmscope_pgd p;
	uint64_t *entries;
	uint32_t n = 0;
	int fd, ret;

	if (argc < 1 || argc > 2) {
		p_err("usage: " USAGE);
		return 2;
	}
	if (argc == 2 && parse_half(argv[1], &half))
		return 2;
	fd = open_target(argv[0]);
	if (fd < 0)
		return -fd;
	/* How many entries a PGD has, then all of them. */
	ret = mms_pgd(fd, 0, NULL, NULL, &p);
	if (!ret) {
		n = p.ptrs_per_pgd;
		entries = calloc(n ? n : 1, sizeof(*entries));
		if (!entries) {
			close(fd);
			p_err("out of memory");
			return 1;
		}
		ret = mms_pgd(fd, 0, entries, &n, &p);
	} else {
		entries = NULL;
	}
	close(fd);
	if (ret) {
		free(entries);
		p_errno(-ret, ERR_WALK, argv[0]);
		return 1;
	}
	if (json_output)
		json_pgd(&p, entries, n, argv[0], half);
	else
		text_pgd(&p, entries, n, half);
	free(entries);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, pgd_show },
	{}
};

const struct object obj_pgd = {
	.name = "pgd",
	.help = help_text,
	.cmds = cmds,
};
