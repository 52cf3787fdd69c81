/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Numbers and padded strings into a char buffer without printf(): for the
 * per-VMA lines of `mmscope maps` and the JSON writer, where parsing a
 * printf() format for every field cost more than all the rest of the
 * command (docs/performance.md). Each returns the end of what it
 * wrote; nothing is NUL-terminated.
 */
#ifndef MMSCOPE_FMT_H
#define MMSCOPE_FMT_H

#include <stdint.h>
#include <string.h>

/* printf("%0*llx", width, v): lowercase hex, zero-padded to @width <= 16. */
static inline char *fmt_hex(char *p, uint64_t v, int width)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < width && n < 16)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* printf("%llu", v). */
static inline char *fmt_udec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Spaces after the field that began at @start, up to @width columns. */
static inline char *fmt_pad(char *start, char *p, size_t width)
{
	while ((size_t)(p - start) < width)
		*p++ = ' ';
	return p;
}

/* printf("%-*s", width, s) of a string of at most @max bytes. */
static inline char *fmt_str(char *p, const char *s, size_t max, size_t width)
{
	size_t len = strnlen(s, max);
	char *start = p;

	memcpy(p, s, len);
	return fmt_pad(start, p + len, width);
}

#endif /* MMSCOPE_FMT_H */
