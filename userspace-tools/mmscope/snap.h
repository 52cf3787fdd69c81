/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots of what mmscope exports, as key = value lines, and their diff:
 * the one diff of the CLI. A lab's step shows what moved with it (lab.h),
 * and `mmscope diff` what changed between two snapshots of a process.
 */
#ifndef MMSCOPE_SNAP_H
#define MMSCOPE_SNAP_H

#include <stdbool.h>
#include <stddef.h>

struct snap {
	size_t count, cap;
	char **keys, **vals;
	bool unsorted;		/* put since the last sort */
};

void snap_put(struct snap *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void snap_free(struct snap *s);
/* Sorts by key (equal keys keep their order); the diff does it itself. */
void snap_sort(struct snap *s);
/* The value of @key, or NULL. */
const char *snap_get(struct snap *s, const char *key);

/*
 * What differs from @before to @after, in key order: @fn is called with
 * a key and its two values, "-" for the side a key is missing from.
 */
typedef void (*snap_diff_fn)(void *arg, const char *key, const char *before,
			     const char *after);
void snap_diff(struct snap *before, struct snap *after, snap_diff_fn fn, void *arg);

#endif
