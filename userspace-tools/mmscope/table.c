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

/* A cell that starts a note line rather than a column. */
#define NOTE_MARK '\x1e'

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

/* Room for @n more bytes; exits on ENOMEM, as nothing could be printed. */
static char *reserve(struct table *t, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 1 << 16;

		while (cap < t->len + n)
			cap *= 2;
		t->buf = realloc(t->buf, cap);
		if (!t->buf) {
			p_err("out of memory");
			exit(1);
		}
		t->cap = cap;
	}
	return t->buf + t->len;
}

/* The cell just written at @start..@end: NUL-terminated, its width counted. */
static void cell_done(struct table *t, char *start, char *end)
{
	size_t w = end - start;

	*end = '\0';
	t->len = end + 1 - t->buf;
	if (w > t->width[t->cell])
		t->width[t->cell] = w;
	if (++t->cell == t->ncols)
		t->cell = 0;
}

void table_str(struct table *t, const char *s)
{
	size_t n = strlen(s);
	char *p = reserve(t, n + 1);

	memcpy(p, s, n);
	cell_done(t, p, p + n);
}

void table_uint(struct table *t, uint64_t v)
{
	char *p = reserve(t, 21);

	cell_done(t, p, fmt_udec(p, v));
}

void table_addr(struct table *t, uint64_t addr)
{
	char *p = reserve(t, 17);

	cell_done(t, p, fmt_hex(p, addr, 16));
}

void table_hex(struct table *t, uint64_t v, int width)
{
	char *p = reserve(t, 17);

	cell_done(t, p, fmt_hex(p, v, width));
}

void table_range(struct table *t, uint64_t start, uint64_t end)
{
	char *p = reserve(t, 34), *e;

	e = fmt_hex(p, start, 16);
	*e++ = '-';
	cell_done(t, p, fmt_hex(e, end, 16));
}

void table_pfn(struct table *t, uint64_t pfn)
{
	char *p = reserve(t, 19);

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
	char *p = reserve(t, 24);

	cell_done(t, p, human_output ? fmt_human(p, bytes) : fmt_udec(p, bytes >> 10));
}

void table_bits(struct table *t, uint64_t bits, const char *(*name)(unsigned int),
		const char *sep)
{
	size_t seplen = strlen(sep), start = t->len, n;
	unsigned int bit;
	const char *s;
	char *p;

	for (bit = 0; bit < 64; bit++) {
		if (!(bits & (1ULL << bit)) || !(s = name(bit)))
			continue;
		n = strlen(s);
		p = reserve(t, n + seplen + 1);
		if (t->len > start) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, s, n);
		t->len = p + n - t->buf;
	}
	p = reserve(t, 2);
	if (t->len == start)
		*p++ = '-';
	cell_done(t, t->buf + start, p);
}

static void vcell(struct table *t, const char *lead, const char *fmt, va_list ap)
{
	va_list aq;
	size_t lead_len = strlen(lead);
	int n;
	char *p;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	p = reserve(t, lead_len + n + 1);
	memcpy(p, lead, lead_len);
	vsnprintf(p + lead_len, n + 1, fmt, ap);
	if (*lead) {	/* a note: no column, no width */
		t->len = p + lead_len + n + 1 - t->buf;
		return;
	}
	cell_done(t, p, p + n);
}

void table_fmt(struct table *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcell(t, "", fmt, ap);
	va_end(ap);
}

void table_note(struct table *t, const char *fmt, ...)
{
	static const char mark[] = { NOTE_MARK, '\0' };
	va_list ap;

	va_start(ap, fmt);
	vcell(t, mark, fmt, ap);
	va_end(ap);
}

/* One line into @line: the cells from @cells, padded; returns its end. */
static char *put_line(const struct table *t, char *line, const char **cells)
{
	char *p = line;
	unsigned int i;
	size_t n, w;

	n = strlen(t->indent);
	memcpy(p, t->indent, n);
	p += n;
	for (i = 0; i < t->ncols; i++) {
		n = strlen(cells[i]);
		w = t->width[i];
		if (t->cols[i].flags & COL_RIGHT) {
			memset(p, ' ', w - n);
			p += w - n;
		}
		memcpy(p, cells[i], n);
		p += n;
		if (i + 1 == t->ncols)
			break;	/* no trailing blanks */
		if (!(t->cols[i].flags & COL_RIGHT)) {
			memset(p, ' ', w - n);
			p += w - n;
		}
		*p++ = ' ';
	}
	while (p > line && p[-1] == ' ')	/* an empty last cell */
		p--;
	*p++ = '\n';
	return p;
}

void table_end(struct table *t)
{
	const char *cells[16];
	char hdr[16][64];
	size_t line_max = strlen(t->indent) + 2, off = 0, size, used = 0;
	unsigned int i;
	char *out;

	for (i = 0; i < t->ncols; i++)
		line_max += t->width[i] + 1;
	for (i = 0; i < t->ncols; i++) {
		snprintf(hdr[i], sizeof(hdr[i]), "%s%s", t->cols[i].header,
			 t->cols[i].flags & COL_SIZE && !human_output ? "_KB" : "");
		cells[i] = hdr[i];
	}
	/* Lines go out in large writes: one stdio call per line costs too. */
	size = line_max < (1 << 16) ? 1 << 20 : 16 * line_max;
	out = malloc(size);
	if (!out) {
		p_err("out of memory");
		exit(1);
	}
	if (!no_headers)
		used = put_line(t, out, cells) - out;
	while (off < t->len) {
		if (used + line_max > size) {
			fwrite(out, 1, used, stdout);
			used = 0;
		}
		if (t->buf[off] == NOTE_MARK) {
			fwrite(out, 1, used, stdout);
			used = 0;
			printf("%s\n", t->buf + off + 1);
			off += strlen(t->buf + off) + 1;
			continue;
		}
		for (i = 0; i < t->ncols; i++) {
			cells[i] = t->buf + off;
			off += strlen(t->buf + off) + 1;
		}
		used = put_line(t, out + used, cells) - out;
	}
	fwrite(out, 1, used, stdout);
	free(out);
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
