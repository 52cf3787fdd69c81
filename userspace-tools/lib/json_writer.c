// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_writer.h"

/* Containers nest at most this deep; deeper ones are not tracked. */
#define JW_MAX_DEPTH 64
/*
 * Output collects here and goes to the FILE in large writes, the rest at
 * jw_destroy(): a record of `pages -j` is some twenty tokens, and a stdio
 * call for each cost more than building them (docs/performance.md).
 */
#define JW_BUF_SIZE 65536

struct json_writer {
	FILE *f;
	size_t len;		/* bytes in buf */
	bool pretty;
	unsigned int depth;
	bool first;	/* nothing written yet at this depth */
	bool after_key;
	bool started;	/* a value was begun */
	bool failed;	/* closed by jw_fail(): it writes nothing more */
	uint64_t arrays;	/* bit d: the container at depth d + 1 is an array */
	char buf[JW_BUF_SIZE];
};

static void jw_drain(struct json_writer *jw)
{
	if (jw->len)
		fwrite(jw->buf, 1, jw->len, jw->f);
	jw->len = 0;
}

static void jw_write(struct json_writer *jw, const char *s, size_t n)
{
	if (n > JW_BUF_SIZE - jw->len) {
		jw_drain(jw);
		if (n > JW_BUF_SIZE) {
			fwrite(s, 1, n, jw->f);
			return;
		}
	}
	memcpy(jw->buf + jw->len, s, n);
	jw->len += n;
}

static void jw_putc(struct json_writer *jw, char c)
{
	if (jw->len == JW_BUF_SIZE)
		jw_drain(jw);
	jw->buf[jw->len++] = c;
}

static void jw_puts(struct json_writer *jw, const char *s)
{
	jw_write(jw, s, strlen(s));
}

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *jw = malloc(sizeof(*jw));

	if (jw) {
		memset(jw, 0, offsetof(struct json_writer, buf));
		jw->f = f;
		jw->pretty = pretty;
		jw->first = true;
	}
	return jw;
}

void jw_destroy(struct json_writer *jw)
{
	if (jw->started)
		jw_putc(jw, '\n');
	jw_drain(jw);
	free(jw);
}

static void jw_newline(struct json_writer *jw)
{
	unsigned int i;

	if (!jw->pretty)
		return;
	jw_putc(jw, '\n');
	for (i = 0; i < jw->depth; i++)
		jw_write(jw, "  ", 2);
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
		jw_putc(jw, ',');
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
	jw_putc(jw, c);
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
	jw_putc(jw, c);
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

/* The bytes a JSON string cannot hold as they are: control bytes, '"', '\\', and NUL. */
static const bool needs_escape[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true,
};

/* Runs of characters that need no escape go out in one copy. */
static void jw_quoted(struct json_writer *jw, const char *s)
{
	const unsigned char *p, *run;
	char esc[8];

	jw_putc(jw, '"');
	for (run = p = (const unsigned char *)s; *p; p++) {
		if (!needs_escape[*p])
			continue;
		jw_write(jw, (const char *)run, p - run);
		run = p + 1;
		switch (*p) {
		case '"': jw_write(jw, "\\\"", 2); break;
		case '\\': jw_write(jw, "\\\\", 2); break;
		case '\n': jw_write(jw, "\\n", 2); break;
		case '\t': jw_write(jw, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			jw_write(jw, esc, 6);
		}
	}
	jw_write(jw, (const char *)run, p - run);
	jw_putc(jw, '"');
}

void jw_key(struct json_writer *jw, const char *key)
{
	if (!jw_begin_value(jw))
		return;
	jw_quoted(jw, key);
	jw_write(jw, ": ", jw->pretty ? 2 : 1);
	jw->after_key = true;
}

void jw_string(struct json_writer *jw, const char *s)
{
	if (!jw_begin_value(jw))
		return;
	jw_quoted(jw, s);
}

void jw_uint(struct json_writer *jw, uint64_t v)
{
	char buf[24];

	if (!jw_begin_value(jw))
		return;
	jw_write(jw, buf, fmt_udec(buf, v) - buf);
}

void jw_int(struct json_writer *jw, int64_t v)
{
	char buf[24], *p = buf;

	if (!jw_begin_value(jw))
		return;
	if (v < 0)
		*p++ = '-';
	/* The magnitude of INT64_MIN does not fit in an int64_t: negate unsigned. */
	p = fmt_udec(p, v < 0 ? -(uint64_t)v : (uint64_t)v);
	jw_write(jw, buf, p - buf);
}

void jw_hex(struct json_writer *jw, uint64_t v)
{
	char buf[24] = "\"0x", *p;

	if (!jw_begin_value(jw))
		return;
	p = fmt_hex(buf + 3, v, 1);
	*p++ = '"';
	jw_write(jw, buf, p - buf);
}

void jw_bool(struct json_writer *jw, bool v)
{
	if (!jw_begin_value(jw))
		return;
	jw_puts(jw, v ? "true" : "false");
}

void jw_null(struct json_writer *jw)
{
	if (!jw_begin_value(jw))
		return;
	jw_write(jw, "null", 4);
}
