/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal JSON reader, enough to check the CLI's output in tests. */
#ifndef MMSCOPE_SELFTEST_JSON_H
#define MMSCOPE_SELFTEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	uint64_t number;	/* integers; a negative one reads 0 here */
	int64_t integer;	/* the same, signed */
	char *string;		/* JSON_STRING; the key of an object member */
	char *key;
	struct json *child;	/* first element or member */
	struct json *next;	/* next sibling */
};

struct json *json_parse(const char *text);	/* NULL on a syntax error */
void json_free(struct json *j);
struct json *json_get(const struct json *obj, const char *key);
size_t json_count(const struct json *j);	/* elements or members */
/* The members' keys of obj, in order, joined by spaces. */
void json_keys(const struct json *obj, char *out, size_t size);

#endif
