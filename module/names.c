// SPDX-License-Identifier: GPL-2.0
/*
 * The names debugfs prints for the uapi's enums and flag bits, built from
 * the one list in include/mmscope_names.h that libmmscope builds its own
 * from, and the one printer of a set of bits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "internal.h"
#include "mmscope_names.h"

#define MMSCOPE_NAME(value, name) { value, name },
#define MMSCOPE_NAME_TABLE(var, list)					\
	static const struct mmscope_name var##_list[] = { list(MMSCOPE_NAME) }; \
	const struct mmscope_name_table var = { var##_list, ARRAY_SIZE(var##_list) }

MMSCOPE_NAME_TABLE(mmscope_level_names, MMSCOPE_NAMES_LEVEL);
MMSCOPE_NAME_TABLE(mmscope_state_names, MMSCOPE_NAMES_STATE);
MMSCOPE_NAME_TABLE(mmscope_cow_names, MMSCOPE_NAMES_COW);
MMSCOPE_NAME_TABLE(mmscope_kind_names, MMSCOPE_NAMES_KIND);
MMSCOPE_NAME_TABLE(mmscope_pte_bit_names, MMSCOPE_NAMES_PTE_BIT);
MMSCOPE_NAME_TABLE(mmscope_pg_bit_names, MMSCOPE_NAMES_PG_BIT);
MMSCOPE_NAME_TABLE(mmscope_fault_flag_names, MMSCOPE_NAMES_FAULT_FLAG);
MMSCOPE_NAME_TABLE(mmscope_fault_result_names, MMSCOPE_NAMES_FAULT_RESULT);
MMSCOPE_NAME_TABLE(mmscope_handler_names, MMSCOPE_NAMES_FAULTLAB_HANDLER);

/* The name of @value in @t, or "?" for a value the table lacks. */
const char *mmscope_name(const struct mmscope_name_table *t, u64 value)
{
	unsigned int i;

	for (i = 0; i < t->count; i++)
		if (t->names[i].value == value)
			return t->names[i].name;
	return "?";
}

/* A level as crash's vtop prints it: "PGD", "PTE". */
void mmscope_seq_level_upper(struct seq_file *m, u32 level)
{
	const char *name = mmscope_name(&mmscope_level_names, level);

	while (*name)
		seq_putc(m, toupper(*name++));
}

/*
 * "name,name,...": the set bits of @bits in bit order, named by @t (its
 * first entry for a bit wins), the bits it lacks as one hex number after
 * them, and "-" for none.
 */
void mmscope_seq_bits(struct seq_file *m, u64 bits, const struct mmscope_name_table *t)
{
	u64 left = bits, unnamed = 0, bit;
	const char *sep = "";
	unsigned int i;

	while (left) {
		bit = BIT_ULL(__ffs64(left));
		left &= ~bit;
		for (i = 0; i < t->count && t->names[i].value != bit; i++)
			;
		if (i == t->count) {
			unnamed |= bit;
			continue;
		}
		seq_puts(m, sep);
		seq_puts(m, t->names[i].name);
		sep = ",";
	}
	if (unnamed)
		seq_printf(m, "%s%#llx", sep, unnamed);
	else if (!*sep)
		seq_putc(m, '-');
}
