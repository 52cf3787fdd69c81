// SPDX-License-Identifier: GPL-2.0
/*
 * The fault lab's counters: what the callbacks did, per lab and for every
 * lab since the module was loaded. They are atomics, counted from any
 * fault handler without a lock, and read one by one: a copy is not one
 * snapshot. Their names, and their order, are those of the fields of
 * struct mmscope_faultlab_counters, listed once in include/mmscope_names.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "faultlab.h"

static atomic64_t mmscope_lab_global[MMSCOPE_LAB_NR_COUNTS];

/* Every field but vmas is counted: a new one must be added to the list. */
static_assert(sizeof(struct mmscope_faultlab_counters) ==
	      (MMSCOPE_LAB_NR_COUNTS + 1) * sizeof(__u64));

/* Every field, as debugfs prints them. */
#define MMSCOPE_LAB_FIELD(field)					\
	{ #field, offsetof(struct mmscope_faultlab_counters, field) },
static const struct {
	const char *name;
	size_t offset;
} mmscope_lab_fields[] = {
	MMSCOPE_NAMES_FAULTLAB_COUNTER(MMSCOPE_LAB_FIELD)
};

static const atomic64_t *mmscope_lab_counts(const struct mmscope_lab *lab)
{
	return lab ? lab->counts : mmscope_lab_global;
}

/**
 * mmscope_lab_count - add @n to a counter of @lab and to every lab's
 * @lab: the lab
 * @c: the counter
 * @n: what to add
 *
 * Context: any, also under rcu_read_lock().
 * Return: @lab's counter after the addition.
 */
s64 mmscope_lab_count(struct mmscope_lab *lab, enum mmscope_lab_count c, s64 n)
{
	atomic64_add(n, &mmscope_lab_global[c]);
	return atomic64_add_return(n, &lab->counts[c]);
}

/* Copy the counters of @lab, or every lab's, out in the uapi's layout. */
void mmscope_lab_counters(const struct mmscope_lab *lab,
			  struct mmscope_faultlab_counters *out)
{
	const atomic64_t *c = mmscope_lab_counts(lab);

#define MMSCOPE_LAB_COUNT_COPY(field)					\
	.field = atomic64_read(&c[MMSCOPE_LAB_##field]),
	*out = (struct mmscope_faultlab_counters) {
		MMSCOPE_NAMES_FAULTLAB_COUNTED(MMSCOPE_LAB_COUNT_COPY)
	};
#undef MMSCOPE_LAB_COUNT_COPY
	/* Every VMA of a lab began as an mmap() or an open, and ends in a close. */
	out->vmas = out->mmaps + out->opens - out->closes;
}

/* The counters of a debugfs faultlab/stats line: " name=value" each. */
void mmscope_seq_lab_counts(struct seq_file *m, const struct mmscope_lab *lab)
{
	struct mmscope_faultlab_counters counters;
	unsigned int i;
	u64 v;

	mmscope_lab_counters(lab, &counters);
	for (i = 0; i < ARRAY_SIZE(mmscope_lab_fields); i++) {
		memcpy(&v, (const char *)&counters + mmscope_lab_fields[i].offset,
		       sizeof(v));
		seq_printf(m, " %s=%llu", mmscope_lab_fields[i].name, v);
	}
	seq_putc(m, '\n');
}
