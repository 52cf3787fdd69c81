/* SPDX-License-Identifier: GPL-2.0 */
/* What the CLI's objects share: options, errors, help, and printers. */
#ifndef MMSCOPE_CLI_H
#define MMSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/mmscope.h>

#include "json_writer.h"

/* The global options (main.c); some matter to one object only, as bpftool's. */
extern bool json_output;
extern bool verbose;		/* maps: decode vm_flags */
extern bool dot_output;		/* walk, vmatree: Graphviz */
extern const char *vma_index_arg;	/* pages, cow: --vma N */
extern const char *device;
extern struct json_writer *jw;	/* with -j, the writer of stdout */

/* One line on stderr, and {"error": ...} on stdout with -j. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where an errno came from: the same errno means different things. */
enum err_src {
	ERR_DEVICE,	/* open() of the device; @what is its path */
	ERR_TARGET,	/* choosing the process; @what is its PID */
	ERR_QUERY,	/* a query of the chosen process; @what is its PID */
	ERR_WALK,	/* a walk of its page tables; @what is its PID */
	ERR_LAB,	/* a fault-lab request; @what says which */
};
/* An errno from the device, turned into what the user should do about it. */
void p_errno(int err, enum err_src src, const char *what);

/* "OBJECT help": prints @text (null with -j); the exit code. */
bool is_help(int argc, char **argv);
int p_help(const char *text);

/* addr.c: addresses and ranges as mmscope prints them (hex), VMAs by name */
/* 0, or -1 after p_err(). */
int parse_addr(const char *arg, uint64_t *addr);
/* Before the device is opened: -1 (after p_err()) for a malformed argument. */
int check_range_arg(const char *arg);
int check_vma_arg(const char *arg);
/*
 * A range argument (START-END, START+LEN or a VMA's name), or a --vma
 * argument (a number from 0 or a name), against the target of @fd:
 * the exit code, 0 with [*@start, *@end).
 */
int resolve_range(int fd, const char *pid_arg, const char *arg, uint64_t *start,
		  uint64_t *end);
int resolve_vma(int fd, const char *pid_arg, const char *arg, uint64_t *start,
		uint64_t *end);

/* common.c: arguments, and the printers every object uses */
/* After getopt_long() of an object's options returned '?' or ':'. */
void p_bad_option(const char *object, char **argv);
/* An fd aimed at PID @pid_arg, or the exit code negated (after p_err). */
int open_target(const char *pid_arg);
/* "PID": an fd, or the exit code negated. */
int open_pid_query(int argc, char **argv, const char *usage);
/* "PID ADDR", with the vm_flag names loaded: an fd, or the exit code negated. */
int open_addr_query(int argc, char **argv, const char *usage, uint64_t *addr);
/* The errors of a query about one address; returns the exit code. */
int p_addr_query_err(int err, enum err_src src, const char *pid_arg,
		     const char *addr_arg);
/* The names of the set bits of @bits: "a,b" ("-" if none), or a JSON array. */
void put_bits(uint64_t bits, const char *(*name)(unsigned int));
void put_bits_sep(uint64_t bits, const char *(*name)(unsigned int), const char *sep);
const char *size_name(uint64_t size);
bool page_has_swap(const struct mmscope_page *p);

/* maps.c: one VMA, as maps prints it, for every object that shows VMAs */
int load_vm_flag_names(int fd);
void json_vma(const struct mmscope_vma *v);
void json_vma_brief(const struct mmscope_vma_brief *v, const char *path);
void text_vma_header(void);
void text_vma(const struct mmscope_vma *v);
void text_vma_brief(const struct mmscope_vma_brief *v, const char *path);

/* pages.c: the records of `pages PID START-END` (or --vma N), for cow too */
int fetch_pages(int argc, char **argv, const char *usage, uint64_t *start,
		uint64_t *end, struct mmscope_page **recs, size_t *n);

/* The objects: mmscope OBJECT ARGS... */
int do_mm(int argc, char **argv);
int do_maps(int argc, char **argv);
int do_lookup(int argc, char **argv);
int do_walk(int argc, char **argv);
int do_pages(int argc, char **argv);
int do_cow(int argc, char **argv);
int do_faultlab(int argc, char **argv);
int do_lab(int argc, char **argv);
int do_smaps(int argc, char **argv);
int do_tlb(int argc, char **argv);
int do_map(int argc, char **argv);
int do_vmatree(int argc, char **argv);
int do_version(int argc, char **argv);

#endif
