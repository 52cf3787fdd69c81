// SPDX-License-Identifier: GPL-2.0
/*
 * libmmscope's names of the uapi's enum values and flag bits, built from
 * the lists of include/mmscope_names.h, as the module builds its own: the
 * CLI and debugfs cannot disagree.
 */
#include <mmscope_names.h>

#include "libmmscope.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Enums are indexed by value, flag words by bit number. A value or bit
 * listed twice is a -Woverride-init warning (in -Wextra).
 */
#define ENUM_NAME(value, name) [value] = name,
#define BIT_NAME(mask, name) [__builtin_ctzll(mask)] = name,

static const char *const level_names[] = { MMSCOPE_NAMES_LEVEL(ENUM_NAME) };
static const char *const state_names[] = { MMSCOPE_NAMES_STATE(ENUM_NAME) };
static const char *const cow_names[] = { MMSCOPE_NAMES_COW(ENUM_NAME) };
static const char *const kind_names[] = { MMSCOPE_NAMES_KIND(ENUM_NAME) };
static const char *const faultlab_mode_names[] = {
	MMSCOPE_NAMES_FAULTLAB_MODE(ENUM_NAME)
};
static const char *const faultlab_handler_names[] = {
	MMSCOPE_NAMES_FAULTLAB_HANDLER(ENUM_NAME)
};

static const char *const pte_bit_names[] = { MMSCOPE_NAMES_PTE_BIT(BIT_NAME) };
static const char *const pg_bit_names[] = { MMSCOPE_NAMES_PG_BIT(BIT_NAME) };
static const char *const fault_flag_names[] = { MMSCOPE_NAMES_FAULT_FLAG(BIT_NAME) };
static const char *const vm_fault_names[] = { MMSCOPE_NAMES_FAULT_RESULT(BIT_NAME) };

/* Every value of an enum with a _COUNT has a name; a gap would print "?". */
_Static_assert(ARRAY_SIZE(state_names) == MMSCOPE_ENTRY_STATE_COUNT, "entry states");
_Static_assert(ARRAY_SIZE(cow_names) == MMSCOPE_COW_COUNT, "cow verdicts");
_Static_assert(ARRAY_SIZE(kind_names) == MMSCOPE_KIND_COUNT, "vma kinds");
_Static_assert(ARRAY_SIZE(faultlab_mode_names) == MMSCOPE_FAULTLAB_MODE_COUNT,
	       "fault-lab modes");
_Static_assert(ARRAY_SIZE(faultlab_handler_names) == MMSCOPE_FAULTLAB_H_COUNT,
	       "fault-lab handlers");

static const char *enum_name(const char *const *names, size_t count, uint32_t value)
{
	return value < count && names[value] ? names[value] : "?";
}

static const char *bit_name(const char *const *names, size_t count, unsigned int bit)
{
	return bit < count ? names[bit] : NULL;
}

#define ENUM_ACCESSOR(fn, table)					\
const char *fn(uint32_t value)						\
{									\
	return enum_name(table, ARRAY_SIZE(table), value);		\
}

#define BIT_ACCESSOR(fn, table)						\
const char *fn(unsigned int bit)					\
{									\
	return bit_name(table, ARRAY_SIZE(table), bit);			\
}

ENUM_ACCESSOR(mms_level_name, level_names)
ENUM_ACCESSOR(mms_state_name, state_names)
ENUM_ACCESSOR(mms_cow_name, cow_names)
ENUM_ACCESSOR(mms_kind_name, kind_names)
ENUM_ACCESSOR(mms_faultlab_mode_name, faultlab_mode_names)
ENUM_ACCESSOR(mms_faultlab_handler_name, faultlab_handler_names)

BIT_ACCESSOR(mms_pte_bit_name, pte_bit_names)
BIT_ACCESSOR(mms_pg_bit_name, pg_bit_names)
BIT_ACCESSOR(mms_fault_flag_bit_name, fault_flag_names)
BIT_ACCESSOR(mms_vm_fault_bit_name, vm_fault_names)
