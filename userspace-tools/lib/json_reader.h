/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JSON reader: the whole document into a tree. mmscope diff reads
 * snapshots with it, and the selftests read the CLI's output.
 */
#ifndef MMSCOPE_JSON_READER_H
#define MMSCOPE_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	uint64_t number;	/* integers; a negative one reads 0 here */
	int64_t integer;	/* the same, signed */
	char *string;		/* JSON_STRING, UTF-8; JSON_NUMBER: its text */
	char *key;		/* the key of an object member */
	struct json *child;	/* first element or member */
	struct json *next;	/* next sibling */
};

/* NULL on a syntax error. */
struct json *json_parse(const char *text);
/* The same; on a syntax error, says where and what in @err. */
struct json *json_parse_err(const char *text, char *err, size_t len);
void json_free(struct json *j);
/* The member @key of @obj, or NULL (also for a NULL @obj). */
struct json *json_get(const struct json *obj, const char *key);
size_t json_count(const struct json *j);	/* elements or members */
/* The members' keys of obj, in order, joined by spaces. */
void json_keys(const struct json *obj, char *out, size_t size);

#endif
