// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope map --svg: the boxes of map.c drawn as an address space picture,
 * low addresses at the bottom, TASK_SIZE and the kernel's half on top.
 *
 * The scale is logarithmic and broken: a box is 16 px plus 3 px per
 * doubling of its size above 4 KiB, a gap 8 px plus 2 px per doubling, so
 * a 4 KiB vdso and a 100 TiB hole both fit on one page. Within a box or a
 * gap an address is placed linearly (brk, mmap_base).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmmscope.h"
#include "main.h"
#include "map.h"

#define WIDTH 1000
#define ADDR_X 170	/* right edge of the address column */
#define BOX_X 180
#define BOX_W 300
#define LABEL_X 490
#define MARK_X 640
#define LEGEND_X 830
#define TOP 150		/* y of TASK_SIZE */

/* Colours by kind (enum mmscope_vma_kind), then mixed. */
static const char *const kind_colour[MMSCOPE_KIND_COUNT + 1] = {
	[MMSCOPE_KIND_ANON] = "#edc948", [MMSCOPE_KIND_TEXT] = "#4e79a7",
	[MMSCOPE_KIND_DATA] = "#59a14f", [MMSCOPE_KIND_BSS] = "#8cd17d",
	[MMSCOPE_KIND_HEAP] = "#f28e2b", [MMSCOPE_KIND_STACK] = "#e15759",
	[MMSCOPE_KIND_VDSO] = "#9c755f", [MMSCOPE_KIND_VVAR] = "#bab0ac",
	[MMSCOPE_KIND_FILE] = "#76b7b2", [MMSCOPE_KIND_SHM] = "#b07aa1",
	[MMSCOPE_KIND_PFNMAP] = "#d37295", [MMSCOPE_KIND_IO] = "#fabfd2",
	[MMSCOPE_KIND_DEVICE] = "#ff9da7", [MAP_KIND_MIXED] = "#999999",
};

/* A stretch of the picture: a box, or the gap below box @box. */
struct seg {
	uint64_t lo, hi;
	double top, bottom;
	const struct map_box *box;	/* NULL for a gap */
};

/* log2 of the pages, linear between powers of two (no libm needed). */
static double log_pages(uint64_t bytes)
{
	uint64_t pages = bytes >> 12;
	int whole;

	if (pages <= 1)
		return 0;
	whole = 63 - __builtin_clzll(pages);
	return whole + ((double)pages / (double)(1ULL << whole) - 1);
}

static double box_height(uint64_t bytes)
{
	return 16 + 3 * log_pages(bytes);
}

static double gap_height(uint64_t bytes)
{
	return bytes ? 8 + 2 * log_pages(bytes) : 0;
}

static const char *human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 && v != (uint64_t)v ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

/* The length of a valid UTF-8 character XML 1.0 allows at @s, or 0. */
static int utf8_len(const unsigned char *s)
{
	unsigned int c, n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/*
 * Text or an attribute value: the five markup characters as entities, and
 * what XML cannot hold (control characters, bytes that are not UTF-8, as
 * a path may have) as '?'.
 */
static void put_escaped(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	while (*s) {
		switch (*s) {
		case '&': fputs("&amp;", f); s++; continue;
		case '<': fputs("&lt;", f); s++; continue;
		case '>': fputs("&gt;", f); s++; continue;
		case '"': fputs("&quot;", f); s++; continue;
		case '\'': fputs("&apos;", f); s++; continue;
		}
		n = *s < 0x20 || *s == 0x7f ? 0 : utf8_len(s);
		if (!n) {
			fputc('?', f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
}

/* The last part of a path, at most 40 bytes of it, for a box's caption. */
static const char *short_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash && slash[1])
		path = slash + 1;
	len = strlen(path);
	return len > 40 ? path + len - 40 : path;
}

/* y of @addr: linear within the stretch that holds it. */
static double y_of(const struct seg *segs, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (addr < segs[i].lo || addr > segs[i].hi)
			continue;
		return segs[i].bottom - (segs[i].bottom - segs[i].top) *
			((double)(addr - segs[i].lo) / (double)(segs[i].hi - segs[i].lo));
	}
	return segs[n - 1].top;
}

/* Boxes and gaps from 0 to TASK_SIZE, bottom up; returns the picture's bottom. */
static size_t lay_out(const struct map *m, struct seg *segs, double *bottom)
{
	uint64_t at = 0;
	size_t n = 0, i;
	double h = 0, y;

	for (i = 0; i <= m->nboxes; i++) {
		uint64_t next = i < m->nboxes ? m->boxes[i].start : m->mm.task_size;

		if (next > at) {
			segs[n++] = (struct seg){ .lo = at, .hi = next };
			h += gap_height(next - at);
		}
		if (i == m->nboxes)
			break;
		segs[n++] = (struct seg){ .lo = next, .hi = m->boxes[i].end,
					  .box = &m->boxes[i] };
		h += box_height(m->boxes[i].end - next);
		at = m->boxes[i].end;
	}
	/* from the top down: the last stretch touches TASK_SIZE */
	y = TOP;
	for (i = n; i-- > 0;) {
		segs[i].top = y;
		y += segs[i].box ? box_height(segs[i].hi - segs[i].lo) :
				   gap_height(segs[i].hi - segs[i].lo);
		segs[i].bottom = y;
	}
	*bottom = y;
	return n;
}

static void draw_gap(FILE *f, const struct seg *s)
{
	double h = s->bottom - s->top;
	char sz[32];

	fprintf(f, "<g class=\"gap\" data-start=\"%#llx\" data-end=\"%#llx\">"
		"<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#f4f4f4\" "
		"stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/>",
		(unsigned long long)s->lo, (unsigned long long)s->hi, BOX_X, s->top, BOX_W, h);
	if (h >= 14)
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#777777\" "
			"text-anchor=\"middle\" font-style=\"italic\">~ gap %s ~</text>",
			BOX_X + BOX_W / 2, s->top + h / 2 + 3.5,
			human(s->hi - s->lo, sz, sizeof(sz)));
	fputs("</g>\n", f);
}

static void draw_box(FILE *f, const struct seg *s)
{
	const struct map_box *b = s->box;
	const char *colour = kind_colour[b->kind];
	double h = s->bottom - s->top;
	double frac = b->size ? (double)b->rss / (double)b->size : 0;
	char sz[32], rs[32];
	unsigned int k;
	int l;

	fprintf(f, "<g class=\"%s\" data-start=\"%#llx\" data-end=\"%#llx\" data-kind=\"%s\" "
		"data-count=\"%u\" data-size=\"%llu\" data-rss=\"%llu\"",
		b->count > 1 ? "group" : "vma", (unsigned long long)b->start,
		(unsigned long long)b->end, map_kind_name(b->kind), b->count,
		(unsigned long long)b->size, (unsigned long long)b->rss);
	if (b->kind == MAP_KIND_MIXED) {
		fputs(" data-kinds=\"", f);
		for (k = 0, l = 0; k < MMSCOPE_KIND_COUNT; k++)
			if (b->kind_counts[k])
				fprintf(f, "%s%s:%u", l++ ? " " : "", mms_kind_name(k),
					b->kind_counts[k]);
		fputc('"', f);
	}
	if (b->labels) {
		fputs(" data-label=\"", f);
		for (l = 0, k = 0; l < LABEL_COUNT; l++)
			if (b->labels & (1U << l))
				fprintf(f, "%s%s", k++ ? " " : "", map_label_name(l));
		fputc('"', f);
	}
	fprintf(f, "><title>%#llx-%#llx %s, %s, resident %s", (unsigned long long)b->start,
		(unsigned long long)b->end, map_kind_name(b->kind),
		human(b->size, sz, sizeof(sz)), human(b->rss, rs, sizeof(rs)));
	if (b->path && *b->path) {
		fputc(' ', f);
		put_escaped(f, b->path);
	}
	fprintf(f, "</title>\n<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
		"fill=\"%s\" fill-opacity=\"0.3\" stroke=\"%s\"/>",
		BOX_X, s->top, BOX_W, h, colour, colour);
	if (frac > 0)
		fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
			BOX_X, s->top, BOX_W * (frac > 1 ? 1 : frac), h, colour);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\">", BOX_X + 5, s->top + h / 2 + 4);
	if (b->count > 1)
		fprintf(f, "%u %s VMAs, %s", b->count, map_kind_name(b->kind), sz);
	else
		fprintf(f, "%s %s", map_kind_name(b->kind), sz);
	if (b->path && *b->path) {
		fputc(' ', f);
		put_escaped(f, short_path(b->path));
	}
	fprintf(f, " (%.0f%% resident)</text>", frac * 100);
	/* the start address, at the bottom edge */
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" font-family=\"monospace\" "
		"text-anchor=\"end\">%#llx</text>", ADDR_X, s->bottom - 3,
		(unsigned long long)b->start);
	fputs("</g>\n", f);
}

/* The end address above a box, where a gap leaves room for it. */
static void draw_end(FILE *f, const struct seg *s, const struct seg *above)
{
	if (!above || above->box || above->bottom - above->top < 12)
		return;
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" font-family=\"monospace\" "
		"text-anchor=\"end\" fill=\"#555555\">%#llx</text>\n", ADDR_X, s->top - 2,
		(unsigned long long)s->hi);
}

/* The segment names the textbooks use, beside their boxes. */
static void draw_labels(FILE *f, const struct map *m, const struct seg *s)
{
	const struct map_box *b = s->box;
	char text[128] = "";
	size_t len = 0;
	int l;

	for (l = 0; l < LABEL_COUNT; l++) {
		if (!(b->labels & (1U << l)))
			continue;
		len += snprintf(text + len, sizeof(text) - len, "%s%s", len ? ", " : "",
				map_label_name(l));
		if (l == LABEL_HEAP && len < sizeof(text))
			len += snprintf(text + len, sizeof(text) - len, " (brk %#llx)",
					(unsigned long long)m->mm.brk);
		if (len >= sizeof(text))
			break;
	}
	fprintf(f, "<g class=\"label\" data-label=\"%s\" data-start=\"%#llx\" data-end=\"%#llx\">"
		"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333333\"/>"
		"<text x=\"%d\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">%s</text></g>\n",
		text, (unsigned long long)b->start, (unsigned long long)b->end,
		BOX_X + BOX_W, (s->top + s->bottom) / 2, LABEL_X, (s->top + s->bottom) / 2,
		LABEL_X + 4, (s->top + s->bottom) / 2 + 4, text);
}

static void draw_marker(FILE *f, const char *name, uint64_t addr, double y)
{
	fprintf(f, "<g class=\"marker\" data-label=\"%s\" data-addr=\"%#llx\">"
		"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000000\" "
		"stroke-dasharray=\"6 3\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\">%s %#llx</text></g>\n",
		name, (unsigned long long)addr, BOX_X - 10, y, MARK_X - 4, y, MARK_X, y + 4,
		name, (unsigned long long)addr);
}

static void draw_legend(FILE *f, const struct map *m)
{
	bool used[MMSCOPE_KIND_COUNT + 1] = {};
	unsigned int k;
	size_t i;
	int y = 60;

	for (i = 0; i < m->nboxes; i++)
		used[m->boxes[i].kind] = true;
	fprintf(f, "<g class=\"legend\"><text x=\"%d\" y=\"%d\" font-size=\"12\" "
		"font-weight=\"bold\">kinds</text>\n", LEGEND_X, y);
	for (k = 0; k <= MMSCOPE_KIND_COUNT; k++) {
		if (!used[k])
			continue;
		y += 17;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", LEGEND_X, y - 10,
			kind_colour[k], LEGEND_X + 20, y, map_kind_name(k));
	}
	y += 24;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"40\" height=\"12\" fill=\"#4e79a7\" "
		"fill-opacity=\"0.3\" stroke=\"#4e79a7\"/><rect x=\"%d\" y=\"%d\" width=\"16\" "
		"height=\"12\" fill=\"#4e79a7\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">"
		"resident part</text>\n", LEGEND_X, y - 10, LEGEND_X, y - 10, LEGEND_X + 46, y);
	y += 18;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"40\" height=\"12\" fill=\"#f4f4f4\" "
		"stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\" "
		"font-size=\"11\">gap (no VMA)</text></g>\n", LEGEND_X, y - 10, LEGEND_X + 46, y);
}

static void draw_kernel(FILE *f, const struct map *m)
{
	uint64_t k = map_kernel_start(m->mm.task_size);

	fprintf(f, "<g class=\"kernel\" data-start=\"%#llx\" data-end=\"0xffffffffffffffff\">"
		"<rect x=\"%d\" y=\"60\" width=\"%d\" height=\"50\" fill=\"#555555\"/>"
		"<text x=\"%d\" y=\"82\" font-size=\"12\" fill=\"#ffffff\" text-anchor=\"middle\">"
		"kernel half</text><text x=\"%d\" y=\"98\" font-size=\"10\" fill=\"#ffffff\" "
		"text-anchor=\"middle\" font-family=\"monospace\">%#llx-0xffffffffffffffff</text></g>\n",
		(unsigned long long)k, BOX_X, BOX_W, BOX_X + BOX_W / 2, BOX_X + BOX_W / 2,
		(unsigned long long)k);
	fprintf(f, "<g class=\"hole\" data-start=\"%#llx\" data-end=\"%#llx\">"
		"<rect x=\"%d\" y=\"110\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" stroke=\"#555555\" "
		"stroke-dasharray=\"2 2\"/><text x=\"%d\" y=\"%d\" font-size=\"10\" "
		"text-anchor=\"middle\" font-style=\"italic\">non-canonical: no address here</text></g>\n",
		(unsigned long long)m->mm.task_size, (unsigned long long)k, BOX_X, BOX_W, TOP - 110,
		BOX_X + BOX_W / 2, (110 + TOP) / 2 + 4);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">the kernel's half, out of reach"
		" of user mode</text>\n", LABEL_X, 88);
}

int map_write_svg(const struct map *m, FILE *f)
{
	struct seg *segs;
	double bottom, height;
	size_t n, i;

	segs = calloc(2 * m->nboxes + 1, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	n = lay_out(m, segs, &bottom);
	height = bottom + 30;
	if (height < 400)
		height = 400;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" "
		"viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\" data-pid=\"%u\" "
		"data-vmas=\"%zu\" data-boxes=\"%zu\" data-task-size=\"%#llx\">\n",
		WIDTH, height, WIDTH, height, m->mm.pid, m->nvmas, m->nboxes,
		(unsigned long long)m->mm.task_size);
	fprintf(f, "<rect width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n", WIDTH, height);
	fputs("<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", f);
	fprintf(f, "Address space of PID %u (", m->mm.pid);
	put_escaped(f, (const char *)m->mm.comm);
	fprintf(f, "): %zu VMAs in %zu boxes</text>\n", m->nvmas, m->nboxes);
	fputs("<text x=\"10\" y=\"42\" font-size=\"11\" fill=\"#555555\">Low addresses at "
	      "the bottom. Log scale: a box grows with the log of its size, a gap is "
	      "broken (~ gap ~). The dark part of a box is resident.</text>\n", f);
	draw_kernel(f, m);
	draw_legend(f, m);
	for (i = 0; i < n; i++) {
		if (segs[i].box)
			draw_box(f, &segs[i]);
		else
			draw_gap(f, &segs[i]);
	}
	for (i = 0; i < n; i++) {
		if (!segs[i].box)
			continue;
		draw_end(f, &segs[i], i + 1 < n ? &segs[i + 1] : NULL);
		if (segs[i].box->labels)
			draw_labels(f, m, &segs[i]);
	}
	draw_marker(f, "TASK_SIZE", m->mm.task_size, TOP);
	draw_marker(f, "mmap_base", m->mm.mmap_base, y_of(segs, n, m->mm.mmap_base));
	if (m->mm.brk)
		draw_marker(f, "brk", m->mm.brk, y_of(segs, n, m->mm.brk));
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" font-family=\"monospace\" "
		"text-anchor=\"end\">0x0</text>\n</svg>\n", ADDR_X, bottom);
	free(segs);
	if (fflush(f))
		return -errno;
	return ferror(f) ? -EIO : 0;
}
