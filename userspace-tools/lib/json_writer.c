// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>

#include "fmt.h"
#include "json_writer.h"

/* Containers nest at most this deep; deeper ones are not tracked. */
#define JW_MAX_DEPTH 64

struct json_writer {
	FILE *f;
	bool pretty;
	unsigned int depth;
	bool first;	/* nothing written yet at this depth */
	bool after_key;
	bool started;	/* a value was begun */
	bool failed;	/* closed by jw_fail(): it writes nothing more */
	uint64_t arrays;	/* bit d: the container at depth d + 1 is an array */
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
	if (jw->started)
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

/* Separator and indentation before a value or a key; false after jw_fail(). */
static bool jw_begin_value(struct json_writer *jw)
{
	if (jw->failed)
		return false;
	if (jw->after_key) {
		jw->after_key = false;
		return true;
	}
	if (!jw->first)
		fputc(',', jw->f);
	if (jw->depth)
		jw_newline(jw);
	jw->first = false;
	jw->started = true;
	return true;
}

static void jw_open(struct json_writer *jw, char c)
{
	if (!jw_begin_value(jw))
		return;
	fputc(c, jw->f);
	if (jw->depth < JW_MAX_DEPTH) {
		if (c == '[')
			jw->arrays |= 1ULL << jw->depth;
		else
			jw->arrays &= ~(1ULL << jw->depth);
	}
	jw->depth++;
	jw->first = true;
}

static void jw_close(struct json_writer *jw, char c)
{
	bool empty = jw->first;

	if (jw->failed || !jw->depth)
		return;
	jw->depth--;
	if (!empty)
		jw_newline(jw);
	fputc(c, jw->f);
	jw->first = false;
}

/*
 * A failure, wherever the document is: before it, the document is
 * {"error": msg}; in the middle of it, the error goes inside, as the
 * pending key's value, a member of the open object or an element of the
 * open array, and every open container is closed. So the output stays one
 * JSON document; after a whole one, or a first failure, nothing is added.
 */
void jw_fail(struct json_writer *jw, const char *msg)
{
	if (jw->failed || (jw->started && !jw->depth))
		return;
	if (!jw->started || jw->after_key || (jw->depth <= JW_MAX_DEPTH && (jw->arrays >> (jw->depth - 1)) & 1)) {
		jw_start_object(jw);
		jw_key(jw, "error");
		jw_string(jw, msg);
		jw_end_object(jw);
	} else {
		jw_key(jw, "error");
		jw_string(jw, msg);
	}
	while (jw->depth)
		jw_close(jw, jw->depth <= JW_MAX_DEPTH &&
			     (jw->arrays >> (jw->depth - 1)) & 1 ? ']' : '}');
	jw->failed = true;
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
	if (!jw_begin_value(jw))
		return;
	jw_quoted(jw->f, key);
	fputs(jw->pretty ? ": " : ":", jw->f);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!jw_begin_value(jw))
		return;
	jw_quoted(jw->f, s);
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	char buf[24];

	if (!jw_begin_value(jw))
		return;
	fwrite(buf, 1, fmt_udec(buf, v) - buf, jw->f);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	if (!jw_begin_value(jw))
		return;
	fprintf(jw->f, "%" PRId64, v);
}

void jw_hex(struct json_writer *jw, uint64_t v)
{
	char buf[24] = "\"0x", *p;

	if (!jw_begin_value(jw))
		return;
	p = fmt_hex(buf + 3, v, 1);
	*p++ = '"';
	fwrite(buf, 1, p - buf, jw->f);
}

void jw_bool(struct json_writer *jw, bool v)
{
	if (!jw_begin_value(jw))
		return;
	fputs(v ? "true" : "false", jw->f);
}

void jw_null(struct json_writer *jw)
{
	if (!jw_begin_value(jw))
		return;
	fputs("null", jw->f);
}
