/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one writer of the CLI's tables: columns declared once (header,
 * alignment, kind), every width computed from the widest cell, so that
 * header and rows line up by construction. Cells are formatted into one
 * buffer without printf() (a pages table may have 262,144 rows), and
 * printed at table_end().
 *
 * Units, for every table (docs/cli.md): a size is in kB as /proc prints
 * it (bytes / 1024, rounded down; the header says _KB), or with -H as
 * ls -h prints it (4.0K, 2.0M, 1.0G); an address is 16 hex digits,
 * zero-padded, without 0x, as /proc/PID/maps prints it; a PFN is hex
 * with 0x; a set of flags is their names, comma-separated, "-" if none.
 */
#ifndef MMSCOPE_TABLE_H
#define MMSCOPE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The global options of the tables (main.c). */
extern bool human_output;	/* -H: sizes as 4.0K, 2.0M, 1.0G */
extern bool no_headers;		/* --no-headers */

enum col_flags {
	COL_RIGHT = 1,	/* numbers: right-aligned */
	COL_SIZE = 2,	/* a size: the header gains _KB unless -H */
};

struct table_col {
	const char *header;
	unsigned int flags;
};

struct table {
	const struct table_col *cols;
	unsigned int ncols, cell;	/* the next cell's column */
	unsigned int width[16];
	char *buf;			/* rows of NUL-terminated cells */
	size_t len, cap;
	const char *indent;		/* before every line */
};

void table_start(struct table *t, const struct table_col *cols, unsigned int ncols);
/* The cells of a row, left to right; a row ends after its last column. */
void table_str(struct table *t, const char *s);
void table_uint(struct table *t, uint64_t v);
void table_addr(struct table *t, uint64_t addr);		/* 16 digits, no 0x */
void table_hex(struct table *t, uint64_t v, int width);	/* zero-padded, no 0x */
void table_range(struct table *t, uint64_t start, uint64_t end);	/* START-END */
void table_pfn(struct table *t, uint64_t pfn);			/* 0x... */
void table_size(struct table *t, uint64_t bytes);		/* kB, or -H */
void table_bits(struct table *t, uint64_t bits, const char *(*name)(unsigned int),
		const char *sep);
/* A cell formatted by printf(), for the few that need it. */
void table_fmt(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line of its own after the row that ends here (maps -v's vm_flags). */
void table_note(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the header (unless --no-headers) and the rows, and frees them. */
void table_end(struct table *t);

/*
 * The names of the set bits of @bits, @sep between them, "-" if none, into
 * @p (room for BITS_TEXT_MAX bytes; names and @sep are cut at their
 * maximum): the end, not NUL-terminated.
 */
#define BITS_NAME_MAX 64
#define BITS_SEP_MAX 8
#define BITS_TEXT_MAX (64 * (BITS_NAME_MAX + BITS_SEP_MAX))
char *fmt_bits(char *p, uint64_t bits, const char *(*name)(unsigned int), const char *sep);

/* A size as kB, or as -H prints it, into @buf (at least 24 bytes): @buf. */
char *size_text(char *buf, uint64_t bytes);
/* As ls -h: 1023 bytes as 1023, then K, M, G, ... rounded up, one decimal below 10. */
char *fmt_human(char *p, uint64_t bytes);

#endif
