// SPDX-License-Identifier: GPL-2.0
/* The table writer of every object (table.h): widths from the cells. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "main.h"
#include "table.h"

bool human_output;
bool no_headers;

/*
 * The rows are kept as cells, each a 16-bit length and its bytes, so that
 * printing them measures nothing again; a note is NOTE_LEN, then its text
 * and a NUL.
 */
#define NOTE_LEN 0xffff
#define CELL_MAX 0xfffe

void table_start(struct table *t, const struct table_col *cols, unsigned int ncols)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols < 16 ? ncols : 16;
	t->indent = "";
	for (i = 0; i < t->ncols; i++)
		t->width[i] = strlen(cols[i].header) +
			      (cols[i].flags & COL_SIZE && !human_output ? 3 : 0);
}

/* Room for a cell of @n bytes at most: where it goes. Exits on ENOMEM. */
static inline __attribute__((always_inline)) char *cell_begin(struct table *t, size_t n)
{
	if (__builtin_expect(t->len + n + 2 > t->cap, 0)) {
		size_t cap = t->cap ? t->cap : 1 << 16;

		while (cap < t->len + n + 2)
			cap *= 2;
		t->buf = realloc(t->buf, cap);
		if (!t->buf) {
			p_err("out of memory");
			exit(1);
		}
		t->cap = cap;
	}
	return t->buf + t->len + 2;
}

/* The cell written from @start (cell_begin()'s) to @end: its length, its width. */
static inline __attribute__((always_inline)) void cell_done(struct table *t, char *start,
								 char *end)
{
	size_t w = end - start;

	if (w > CELL_MAX)
		w = CELL_MAX;
	start[-2] = w & 0xff;
	start[-1] = w >> 8;
	t->len = start + w - t->buf;
	if (w > t->width[t->cell])
		t->width[t->cell] = w;
	if (++t->cell == t->ncols)
		t->cell = 0;
}

static size_t cell_len(const char *cell)
{
	return (unsigned char)cell[0] | (unsigned char)cell[1] << 8;
}

void table_str(struct table *t, const char *s)
{
	size_t n = strnlen(s, CELL_MAX);
	char *p = cell_begin(t, n);

	memcpy(p, s, n);
	cell_done(t, p, p + n);
}

void table_uint(struct table *t, uint64_t v)
{
	char *p = cell_begin(t, 20);

	cell_done(t, p, fmt_udec(p, v));
}

void table_hex(struct table *t, uint64_t v, int width)
{
	char *p = cell_begin(t, 16);

	cell_done(t, p, fmt_hex(p, v, width));
}

void table_addr(struct table *t, uint64_t addr)
{
	table_hex(t, addr, 16);
}

void table_range(struct table *t, uint64_t start, uint64_t end)
{
	char *p = cell_begin(t, 33), *e;

	e = fmt_hex(p, start, 16);
	*e++ = '-';
	cell_done(t, p, fmt_hex(e, end, 16));
}

void table_pfn(struct table *t, uint64_t pfn)
{
	char *p = cell_begin(t, 18);

	p[0] = '0';
	p[1] = 'x';
	cell_done(t, p, fmt_hex(p + 2, pfn, 1));
}

char *fmt_human(char *p, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	unsigned __int128 unit = 1024;
	unsigned int u = 0;
	uint64_t v;

	if (bytes < 1024)
		return fmt_udec(p, bytes);
	for (;;) {
		if (bytes < 10 * unit) {
			/* Tenths, rounded up: 9.96K is 10K. */
			v = (bytes * (unsigned __int128)10 + unit - 1) / unit;
			if (v < 100) {
				p = fmt_udec(p, v / 10);
				*p++ = '.';
				*p++ = '0' + v % 10;
				*p++ = units[u];
				return p;
			}
		}
		v = (bytes + unit - 1) / unit;
		if (v < 1024 || u == sizeof(units) - 2) {
			p = fmt_udec(p, v);
			*p++ = units[u];
			return p;
		}
		unit *= 1024;
		u++;
	}
}

char *size_text(char *buf, uint64_t bytes)
{
	*(human_output ? fmt_human(buf, bytes) : fmt_udec(buf, bytes >> 10)) = '\0';
	return buf;
}

void table_size(struct table *t, uint64_t bytes)
{
	char *p = cell_begin(t, 24);

	cell_done(t, p, human_output ? fmt_human(p, bytes) : fmt_udec(p, bytes >> 10));
}

char *fmt_bits(char *p, uint64_t bits, const char *(*name)(unsigned int), const char *sep)
{
	size_t seplen = strnlen(sep, BITS_SEP_MAX), n;
	char *start = p;
	unsigned int bit;
	const char *s;

	for (bit = 0; bit < 64; bit++) {
		if (!(bits & (1ULL << bit)) || !(s = name(bit)))
			continue;
		if (p != start) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		n = strnlen(s, BITS_NAME_MAX);
		memcpy(p, s, n);
		p += n;
	}
	if (p == start)
		*p++ = '-';
	return p;
}

void table_bits(struct table *t, uint64_t bits, const char *(*name)(unsigned int),
		const char *sep)
{
	char *p = cell_begin(t, BITS_TEXT_MAX);

	cell_done(t, p, fmt_bits(p, bits, name, sep));
}

/* A cell, or a note, by printf(). */
static void vcell(struct table *t, bool note, const char *fmt, va_list ap)
{
	va_list aq;
	char *p;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	if (n > CELL_MAX)
		n = CELL_MAX;
	p = cell_begin(t, n + 1);
	vsnprintf(p, n + 1, fmt, ap);
	if (!note) {
		cell_done(t, p, p + n);
		return;
	}
	p[-2] = p[-1] = (char)0xff;	/* NOTE_LEN */
	t->len = p + n + 1 - t->buf;
}

void table_fmt(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcell(t, false, fmt, ap);
	va_end(ap);
}

void table_note(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcell(t, true, fmt, ap);
	va_end(ap);
}

/* One line into @line: the cells (@lens bytes each), padded; returns its end. */
static char *put_line(const struct table *t, char *line, const char **cells,
		      const size_t *lens)
{
	size_t n = strlen(t->indent), w;
	char *p = line;
	unsigned int i;

	memcpy(p, t->indent, n);
	p += n;
	/* Padding is short: a byte loop beats a call to memset(). */
	for (i = 0; i < t->ncols; i++) {
		w = t->width[i] - lens[i];
		if (t->cols[i].flags & COL_RIGHT)
			while (w) {
				*p++ = ' ';
				w--;
			}
		memcpy(p, cells[i], lens[i]);
		p += lens[i];
		if (i + 1 == t->ncols)
			break;	/* no trailing blanks */
		while (w--)
			*p++ = ' ';
		*p++ = ' ';
	}
	while (p > line && p[-1] == ' ')	/* an empty last cell */
		p--;
	*p++ = '\n';
	return p;
}

void table_end(struct table *t)
{
	size_t line_max = strlen(t->indent) + 2, off = 0, size, used = 0, lens[16];
	const char *cells[16];
	char hdr[16][64];
	unsigned int i;
	char *out;

	for (i = 0; i < t->ncols; i++)
		line_max += t->width[i] + 1;
	for (i = 0; i < t->ncols; i++) {
		snprintf(hdr[i], sizeof(hdr[i]), "%s%s", t->cols[i].header,
			 t->cols[i].flags & COL_SIZE && !human_output ? "_KB" : "");
		cells[i] = hdr[i];
		lens[i] = strlen(hdr[i]);
	}
	/* Lines go out in large writes: one stdio call per line costs too. */
	size = line_max < (1 << 16) ? 1 << 20 : 16 * line_max;
	out = malloc(size);
	if (!out) {
		p_err("out of memory");
		exit(1);
	}
	if (!no_headers)
		used = put_line(t, out, cells, lens) - out;
	while (off < t->len) {
		if (used + line_max > size) {
			fwrite(out, 1, used, stdout);
			used = 0;
		}
		if (cell_len(t->buf + off) == NOTE_LEN) {
			fwrite(out, 1, used, stdout);
			used = 0;
			printf("%s\n", t->buf + off + 2);
			off += 2 + strlen(t->buf + off + 2) + 1;
			continue;
		}
		for (i = 0; i < t->ncols; i++) {
			lens[i] = cell_len(t->buf + off);
			cells[i] = t->buf + off + 2;
			off += 2 + lens[i];
		}
		used = put_line(t, out + used, cells, lens) - out;
	}
	fwrite(out, 1, used, stdout);
	free(out);
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
