// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *p;
};

static void skip_ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static char *parse_string(struct parser *ps)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap), c;

	if (*ps->p++ != '"')
		goto fail;
	while ((c = *ps->p++) != '"') {
		if (!c)
			goto fail;
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'u':
				c = (char)strtol((char[]){ ps->p[0], ps->p[1], ps->p[2], ps->p[3], 0 },
						 NULL, 16);
				ps->p += 4;
				break;
			case '"': case '\\': case '/': break;
			default: goto fail;
			}
		}
		if (len + 2 > cap)
			s = realloc(s, cap *= 2);
		s[len++] = c;
	}
	s[len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static struct json *parse_value(struct parser *ps);

static struct json *parse_container(struct parser *ps, struct json *j, char close)
{
	struct json **tail = &j->child, *item;
	char *key = NULL;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		skip_ws(ps);
		if (close == '}') {
			key = parse_string(ps);
			skip_ws(ps);
			if (!key || *ps->p++ != ':')
				goto fail;
		}
		item = parse_value(ps);
		if (!item)
			goto fail;
		item->key = key;
		key = NULL;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ == close)
			return j;
		goto fail;
	}
fail:
	free(key);
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct parser *ps)
{
	struct json *j = calloc(1, sizeof(*j));

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
	case 't': case 'f': case 'n':
		if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "null", 4)) {
			j->type = *ps->p == 't' ? JSON_BOOL : JSON_NULL;
			j->boolean = *ps->p == 't';
			ps->p += 4;
			return j;
		}
		if (!strncmp(ps->p, "false", 5)) {
			j->type = JSON_BOOL;
			ps->p += 5;
			return j;
		}
		break;
	default:
		if (isdigit((unsigned char)*ps->p) ||
		    (*ps->p == '-' && isdigit((unsigned char)ps->p[1]))) {
			char *end;

			j->type = JSON_NUMBER;
			j->integer = strtoll(ps->p, &end, 10);
			j->number = *ps->p == '-' ? 0 : strtoull(ps->p, &end, 10);
			ps->p = end;
			return j;
		}
	}
	free(j);
	return NULL;
}

struct json *json_parse(const char *text)
{
	struct parser ps = { text };
	struct json *j = parse_value(&ps);

	skip_ws(&ps);
	if (j && *ps.p) {
		json_free(j);
		return NULL;
	}
	return j;
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
