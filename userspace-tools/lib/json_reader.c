// SPDX-License-Identifier: GPL-2.0
/*
 * A JSON reader (RFC 8259): strings with every escape (\u as UTF-8, with
 * surrogate pairs), numbers as JSON writes them, nesting up to a limit.
 * It reads a whole document in memory; an error says its line and column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"

/* Deeper documents are refused, not walked into a stack overflow. */
#define JSON_MAX_DEPTH 256

struct parser {
	const char *start, *p;
	unsigned int depth;
	const char *error;	/* what went wrong first, at p */
};

static void *fail(struct parser *ps, const char *what)
{
	if (!ps->error)
		ps->error = what;
	return NULL;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Appends @c to the string being built; false when memory ran out. */
static bool put(char **s, size_t *len, size_t *cap, char c)
{
	if (*len + 2 > *cap) {
		char *n = realloc(*s, *cap * 2);

		if (!n)
			return false;
		*s = n;
		*cap *= 2;
	}
	(*s)[(*len)++] = c;
	return true;
}

/* Code point @u as UTF-8. */
static bool put_utf8(char **s, size_t *len, size_t *cap, unsigned int u)
{
	if (u < 0x80)
		return put(s, len, cap, u);
	if (u < 0x800)
		return put(s, len, cap, 0xc0 | u >> 6) && put(s, len, cap, 0x80 | (u & 0x3f));
	if (u < 0x10000)
		return put(s, len, cap, 0xe0 | u >> 12) &&
		       put(s, len, cap, 0x80 | ((u >> 6) & 0x3f)) &&
		       put(s, len, cap, 0x80 | (u & 0x3f));
	return put(s, len, cap, 0xf0 | u >> 18) && put(s, len, cap, 0x80 | ((u >> 12) & 0x3f)) &&
	       put(s, len, cap, 0x80 | ((u >> 6) & 0x3f)) && put(s, len, cap, 0x80 | (u & 0x3f));
}

/* \uXXXX at @ps->p (after the 'u'), with its low surrogate if it is a high one. */
static bool unicode_escape(struct parser *ps, char **s, size_t *len, size_t *cap)
{
	int u = hex4(ps->p), lo;

	if (u < 0)
		return fail(ps, "a \\u escape without 4 hex digits");
	ps->p += 4;
	if (u >= 0xd800 && u < 0xdc00) {
		if (ps->p[0] != '\\' || ps->p[1] != 'u' || (lo = hex4(ps->p + 2)) < 0 ||
		    lo < 0xdc00 || lo >= 0xe000)
			return fail(ps, "a high surrogate without its low one");
		ps->p += 6;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	} else if (u >= 0xdc00 && u < 0xe000) {
		return fail(ps, "a low surrogate alone");
	}
	if (!put_utf8(s, len, cap, u))
		return fail(ps, strerror(ENOMEM));
	return true;
}

static char *parse_string(struct parser *ps)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap), c;

	if (!s)
		return fail(ps, strerror(ENOMEM));
	if (*ps->p != '"')
		goto bad;
	ps->p++;
	while ((c = *ps->p++) != '"') {
		if (!c) {
			ps->p--;
			fail(ps, "a string without its closing quote");
			goto bad;
		}
		if ((unsigned char)c < 0x20) {
			ps->p--;
			fail(ps, "a control character in a string");
			goto bad;
		}
		if (c == '\\') {
			switch (c = *ps->p++) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': break;
			case 'u':
				if (!unicode_escape(ps, &s, &len, &cap))
					goto bad;
				continue;
			default:
				ps->p--;
				fail(ps, "an unknown escape in a string");
				goto bad;
			}
		}
		if (!put(&s, &len, &cap, c)) {
			fail(ps, strerror(ENOMEM));
			goto bad;
		}
	}
	s[len] = '\0';
	return s;
bad:
	fail(ps, "a string expected");
	free(s);
	return NULL;
}

/* A number as RFC 8259 writes it; its text is kept. */
static bool parse_number(struct parser *ps, struct json *j)
{
	const char *start = ps->p;
	bool integral = true;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p == '0')
		ps->p++;
	else if (*ps->p >= '1' && *ps->p <= '9')
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	else
		return fail(ps, "a value expected");
	if (*ps->p == '.') {
		integral = false;
		if (*++ps->p < '0' || *ps->p > '9')
			return fail(ps, "a digit expected after the decimal point");
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		integral = false;
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (*ps->p < '0' || *ps->p > '9')
			return fail(ps, "a digit expected in the exponent");
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	j->type = JSON_NUMBER;
	j->string = strndup(start, ps->p - start);
	if (!j->string)
		return fail(ps, strerror(ENOMEM));
	if (integral) {
		j->integer = strtoll(start, NULL, 10);
		j->number = *start == '-' ? 0 : strtoull(start, NULL, 10);
	}
	return true;
}

static struct json *parse_value(struct parser *ps);

static struct json *parse_container(struct parser *ps, struct json *j, char close)
{
	struct json **tail = &j->child, *item;
	char *key = NULL;

	if (++ps->depth > JSON_MAX_DEPTH) {
		fail(ps, "nested too deep");
		goto bad;
	}
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return j;
	}
	for (;;) {
		skip_ws(ps);
		if (close == '}') {
			if (*ps->p != '"') {
				fail(ps, "a member's key (a string) expected");
				goto bad;
			}
			key = parse_string(ps);
			if (!key)
				goto bad;
			skip_ws(ps);
			if (*ps->p != ':') {
				fail(ps, "':' expected after a key");
				goto bad;
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item)
			goto bad;
		item->key = key;
		key = NULL;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return j;
		}
		fail(ps, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
		goto bad;
	}
bad:
	free(key);
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct parser *ps)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return fail(ps, strerror(ENOMEM));
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		j->type = JSON_OBJECT;
		return parse_container(ps, j, '}');
	case '[':
		j->type = JSON_ARRAY;
		return parse_container(ps, j, ']');
	case '"':
		j->type = JSON_STRING;
		j->string = parse_string(ps);
		if (j->string)
			return j;
		break;
	case 't':
	case 'n':
		if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "null", 4)) {
			j->type = *ps->p == 't' ? JSON_BOOL : JSON_NULL;
			j->boolean = *ps->p == 't';
			ps->p += 4;
			return j;
		}
		fail(ps, "a value expected");
		break;
	case 'f':
		if (!strncmp(ps->p, "false", 5)) {
			j->type = JSON_BOOL;
			ps->p += 5;
			return j;
		}
		fail(ps, "a value expected");
		break;
	default:
		if (parse_number(ps, j))
			return j;
	}
	json_free(j);
	return NULL;
}

struct json *json_parse_err(const char *text, char *err, size_t len)
{
	struct parser ps = { .start = text, .p = text };
	struct json *j = parse_value(&ps);
	unsigned int line = 1, col = 1;
	const char *q;

	if (j) {
		skip_ws(&ps);
		if (!*ps.p)
			return j;
		json_free(j);
		j = NULL;
		fail(&ps, "text after the document");
	}
	for (q = text; q < ps.p; q++, col++) {
		if (*q == '\n') {
			line++;
			col = 0;
		}
	}
	if (err && len)
		snprintf(err, len, "line %u, column %u: %s", line, col,
			 ps.error ? ps.error : "not JSON");
	return NULL;
}

struct json *json_parse(const char *text)
{
	return json_parse_err(text, NULL, 0);
}

void json_free(struct json *j)
{
	struct json *next;

	for (; j; j = next) {
		next = j->next;
		json_free(j->child);
		free(j->string);
		free(j->key);
		free(j);
	}
}

struct json *json_get(const struct json *obj, const char *key)
{
	struct json *m;

	for (m = obj ? obj->child : NULL; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

size_t json_count(const struct json *j)
{
	size_t n = 0;

	for (j = j->child; j; j = j->next)
		n++;
	return n;
}

void json_keys(const struct json *obj, char *out, size_t size)
{
	size_t len = 0;
	struct json *m;

	out[0] = '\0';
	for (m = obj->child; m && len < size; m = m->next)
		len += snprintf(out + len, size - len, "%s%s", len ? " " : "", m->key);
}
