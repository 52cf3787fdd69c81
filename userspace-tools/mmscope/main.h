/* SPDX-License-Identifier: GPL-2.0 */
/* What the CLI's objects share: output mode, errors, and VMA printers. */
#ifndef MMSCOPE_CLI_H
#define MMSCOPE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/mmscope.h>

#include "json_writer.h"

extern bool json_output;
extern const char *device;
extern struct json_writer *jw;	/* with -j, the writer of stdout */
extern struct mmscope_vm_flag_names flag_names;	/* for json_vma() */

/* One line on stderr, and {"error": ...} on stdout with -j. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An errno from the device, turned into what the user should do about it. */
void p_errno(int err, const char *what);

void json_vma(const struct mmscope_vma *v);
void text_vma_header(void);
void text_vma(const struct mmscope_vma *v);
/* Comma-separated names (a JSON array with -j) of the set bits of @bits. */
void put_bits(uint64_t bits, const char *(*name)(unsigned int));
const char *size_name(uint64_t size);

/* faultlab.c */
int do_faultlab(int argc, char **argv);

#endif
