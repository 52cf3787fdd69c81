// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots as key = value lines (snap.h): appended as they come, sorted
 * once before a diff or a lookup, so that a snapshot of 65,000 VMAs costs
 * a sort, not an insertion each.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap.h"

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		perror("mmscope");
		exit(1);
	}
	return p;
}

void snap_put(struct snap *s, const char *key, const char *fmt, ...)
{
	char val[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (s->count == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->keys = xrealloc(s->keys, s->cap * sizeof(*s->keys));
		s->vals = xrealloc(s->vals, s->cap * sizeof(*s->vals));
	}
	s->keys[s->count] = strdup(key);
	s->vals[s->count] = strdup(val);
	if (!s->keys[s->count] || !s->vals[s->count]) {
		perror("mmscope");
		exit(1);
	}
	if (s->count && strcmp(s->keys[s->count - 1], key) > 0)
		s->unsorted = true;
	s->count++;
}

void snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		free(s->keys[i]);
		free(s->vals[i]);
	}
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

static char **sort_keys;

/* By key, then by the order they were put in: a stable sort. */
static int by_key(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_keys[x], sort_keys[y]);

	return c ? c : (x > y) - (x < y);
}

void snap_sort(struct snap *s)
{
	char **keys, **vals;
	size_t *order, i;

	if (!s->unsorted)
		return;
	order = xrealloc(NULL, s->count * sizeof(*order));
	for (i = 0; i < s->count; i++)
		order[i] = i;
	sort_keys = s->keys;
	qsort(order, s->count, sizeof(*order), by_key);
	keys = xrealloc(NULL, s->cap * sizeof(*keys));
	vals = xrealloc(NULL, s->cap * sizeof(*vals));
	for (i = 0; i < s->count; i++) {
		keys[i] = s->keys[order[i]];
		vals[i] = s->vals[order[i]];
	}
	free(s->keys);
	free(s->vals);
	free(order);
	s->keys = keys;
	s->vals = vals;
	s->unsorted = false;
}

const char *snap_get(struct snap *s, const char *key)
{
	size_t lo = 0, hi = s->count;

	snap_sort(s);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->keys[mid], key);

		if (!c)
			return s->vals[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void snap_diff(struct snap *before, struct snap *after, snap_diff_fn fn, void *arg)
{
	size_t i = 0, j = 0;
	int c;

	snap_sort(before);
	snap_sort(after);
	while (i < before->count || j < after->count) {
		if (i == before->count)
			c = 1;
		else if (j == after->count)
			c = -1;
		else
			c = strcmp(before->keys[i], after->keys[j]);
		if (c < 0) {
			fn(arg, before->keys[i], before->vals[i], "-");
			i++;
		} else if (c > 0) {
			fn(arg, after->keys[j], "-", after->vals[j]);
			j++;
		} else {
			if (strcmp(before->vals[i], after->vals[j]))
				fn(arg, before->keys[i], before->vals[i], after->vals[j]);
			i++;
			j++;
		}
	}
}
