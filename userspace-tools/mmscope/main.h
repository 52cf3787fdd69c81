/* SPDX-License-Identifier: GPL-2.0 */
/* What the CLI's objects share: options, errors, help, and printers. */
#ifndef MMSCOPE_CLI_H
#define MMSCOPE_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/mmscope.h>

#include "json_writer.h"
#include "table.h"

/* The global options (main.c), and the tables' (table.h). */
extern bool json_output;
extern const char *device;
extern struct json_writer *jw;	/* with -j, the writer of stdout */

/* An object's command (bpftool's struct cmd); @name NULL: every other argument. */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

/*
 * An object (one per file, as bpftool's): its commands and its options.
 * main.c takes the global options out, finds the object, takes the
 * object's options out of its arguments (before or after the object, as
 * --opt value or --opt=value), calls @take for each, then runs the
 * command argv[0] names: "help" prints @help.
 */
struct object {
	const char *name;
	const char *help;
	const struct cmd *cmds;		/* ends with a NULL func */
	const char *shortopts;		/* getopt's, without ':' in front, or NULL */
	const struct option *longopts;	/* getopt_long()'s, or NULL */
	int (*take)(int opt, const char *arg);	/* 0, or 2 after p_err() */
};

extern const struct object obj_mm, obj_maps, obj_lookup, obj_walk, obj_pgd, obj_pages,
	obj_cow, obj_faultlab, obj_lab, obj_smaps, obj_tlb, obj_map, obj_vmatree, obj_snapshot,
	obj_diff, obj_version;

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

/* Help: prints @text (null with -j); the exit code. */
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
/* --dot, of walk and vmatree: a Graphviz picture. */
extern bool dot_output;
extern const struct option dot_opts[];
int take_dot_option(int opt, const char *arg);
/* The device, read-only or read-write (the fault lab): an fd, or -1 after p_err(). */
int open_device(void);
int open_device_rw(void);
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

/* The running kernel's names of vm_flags bits: loaded, then by bit ("bitN" if none). */
int load_vm_flag_names(int fd);
const char *vm_flag_name(unsigned int bit);

/* maps.c: one VMA, as maps prints it, for every object that shows VMAs */
void json_vma(const struct mmscope_vma *v);
void json_vma_brief(const struct mmscope_vma_brief *v, const char *path);
/* The table of VMAs (maps, lookup, walk, faultlab): start, a row each, table_end(). */
void vma_table_start(struct table *t);
void vma_table_row(struct table *t, const struct mmscope_vma_brief *v, const char *path);
void vma_table_row_full(struct table *t, const struct mmscope_vma *v);

/* mm.c: the members of `mm -j` but its users, into the open object */
void json_mm_fields(const struct mmscope_mm_info *info);
/* smaps.c: a record's smaps fields (kB, as /proc), into the open object */
void json_smaps_fields(const struct mmscope_smaps_vma *r);

/* tlb.c: ctx_id, tlb_gen and pgd_phys, into the open object */
void json_tlb_context(const struct mmscope_tlb *t);

/* snapshot.c: the snapshot of PID @pid_arg, as `mmscope snapshot` writes it, to @f */
int snapshot_write(FILE *f, const char *pid_arg);

/* pages.c: the records of `pages PID START-END` (or --vma N), for cow too */
int fetch_pages(int argc, char **argv, const char *vma_arg, const char *usage, uint64_t *start,
		uint64_t *end, struct mmscope_page **recs, size_t *n);

#endif
