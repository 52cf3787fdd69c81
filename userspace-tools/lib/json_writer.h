/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer, in the manner of bpftool's json_writer. */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jw_new(FILE *f, bool pretty);
/* Ends any output with '\n', and writes out what it collected. */
void jw_destroy(struct json_writer *jw);

void jw_start_object(struct json_writer *jw);
void jw_end_object(struct json_writer *jw);
void jw_start_array(struct json_writer *jw);
void jw_end_array(struct json_writer *jw);
void jw_key(struct json_writer *jw, const char *key);
/* An error, as a document or inside the begun one, which it then closes. */
void jw_fail(struct json_writer *jw, const char *msg);

void jw_string(struct json_writer *jw, const char *s);
void jw_uint(struct json_writer *jw, uint64_t v);
void jw_int(struct json_writer *jw, int64_t v);
void jw_hex(struct json_writer *jw, uint64_t v);	/* "0x..." */
void jw_bool(struct json_writer *jw, bool v);
void jw_null(struct json_writer *jw);

#endif
