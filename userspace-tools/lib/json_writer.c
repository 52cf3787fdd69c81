// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>

#include "fmt.h"
#include "json_writer.h"

struct json_writer {
	FILE *f;
	bool pretty;
	unsigned int depth;
	bool first;	/* nothing written yet at this depth */
	bool after_key;
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (jw) {
		jw->f = f;
		jw->pretty = pretty;
		jw->first = true;
	}
	return jw;
}

void jw_destroy(struct json_writer *jw)
{
	fputc('\n', jw->f);
	free(jw);
}

static void jw_newline(struct json_writer *jw)
{
	unsigned int i;

	if (!jw->pretty)
		return;
	fputc('\n', jw->f);
	for (i = 0; i < jw->depth; i++)
		fputs("  ", jw->f);
}

/* Separator and indentation before a value or a key. */
static void jw_begin_value(struct json_writer *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first)
		fputc(',', jw->f);
	if (jw->depth)
		jw_newline(jw);
	jw->first = false;
}

static void jw_open(struct json_writer *jw, char c)
{
	jw_begin_value(jw);
	fputc(c, jw->f);
	jw->depth++;
	jw->first = true;
}

static void jw_close(struct json_writer *jw, char c)
{
	bool empty = jw->first;

	jw->depth--;
	if (!empty)
		jw_newline(jw);
	fputc(c, jw->f);
	jw->first = false;
}

void jw_start_object(struct json_writer *jw) { jw_open(jw, '{'); }
void jw_end_object(struct json_writer *jw) { jw_close(jw, '}'); }
void jw_start_array(struct json_writer *jw) { jw_open(jw, '['); }
void jw_end_array(struct json_writer *jw) { jw_close(jw, ']'); }

/* Runs of characters that need no escape go out in one fwrite(). */
static void jw_quoted(FILE *f, const char *s)
{
	const unsigned char *p, *run;

	fputc('"', f);
	for (run = p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		fwrite(run, 1, p - run, f);
		run = p + 1;
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			fprintf(f, "\\u%04x", *p);
		}
	}
	fwrite(run, 1, p - run, f);
	fputc('"', f);
}

void jw_key(struct json_writer *jw, const char *key)
{
	jw_begin_value(jw);
	jw_quoted(jw->f, key);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	jw_begin_value(jw);
	jw_quoted(jw->f, s);
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	char buf[24];

	jw_begin_value(jw);
	fwrite(buf, 1, fmt_udec(buf, v) - buf, jw->f);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	jw_begin_value(jw);
	fprintf(jw->f, "%" PRId64, v);
}

void jw_hex(struct json_writer *jw, uint64_t v)
{
	char buf[24] = "\"0x", *p;

	jw_begin_value(jw);
	p = fmt_hex(buf + 3, v, 1);
	*p++ = '"';
	fwrite(buf, 1, p - buf, jw->f);
}

void jw_bool(struct json_writer *jw, bool v)
{
	jw_begin_value(jw);
	fputs(v ? "true" : "false", jw->f);
}

void jw_null(struct json_writer *jw)
{
	jw_begin_value(jw);
	fputs("null", jw->f);
}
