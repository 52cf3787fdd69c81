// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope lab: the engine of the guided experiments (lab.h). It runs the
 * labs, numbers their steps, keeps what each step saw, and prints it as
 * text while it happens, or as one JSON document.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"
#include "main.h"
#include "table.h"

#define USAGE "mmscope lab { list | all | NAME... } [--step]"

static const char help_text[] =
	"Usage: mmscope lab list           the labs and the concepts they show\n"
	"       mmscope lab NAME... [--step] run these labs\n"
	"       mmscope lab all [--step]     run every lab\n"
	"       mmscope lab help\n"
	"\n"
	"A lab creates its own processes and memory, then steps through an\n"
	"experiment. After each step it shows what moved in mmscope's exports and\n"
	"checks what it expected against the kernel's own interfaces (/proc/PID/maps,\n"
	"smaps, stat, status, pagemap, /proc/kpageflags). A failed check says FAILED\n"
	"with what was expected and seen, and the exit code is 1. A step this machine\n"
	"cannot do says SKIPPED and why. --step waits for Enter before each step.\n"
	"docs/lab.md explains each concept; mmscope-lab(8) the output.\n";

static const struct lab_def *const lab_tables[] = {
	lab_layout_defs, lab_process_defs, lab_vma_defs, lab_paging_defs, lab_file_defs,
	lab_memory_defs, lab_huge_defs, lab_tlb_defs, lab_device_defs, lab_faultlab_defs,
};

static void for_each_def(void (*fn)(const struct lab_def *, void *), void *arg)
{
	size_t t;
	const struct lab_def *d;

	for (t = 0; t < sizeof(lab_tables) / sizeof(lab_tables[0]); t++)
		for (d = lab_tables[t]; d->name; d++)
			fn(d, arg);
}

static void vsay(char *buf, size_t len, const char *fmt, va_list ap)
{
	vsnprintf(buf, len, fmt, ap);
}

/* The caller's "..." after @fmt, formatted into the array @buf. */
#define FORMAT_ARGS(buf, fmt)						\
	do {								\
		va_list ap;						\
									\
		va_start(ap, fmt);					\
		vsay(buf, sizeof(buf), fmt, ap);			\
		va_end(ap);						\
	} while (0)

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		perror("mmscope");
		exit(1);
	}
	return d;
}

static void lines_free(struct lab_line *lines, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 3; j++)
			free(lines[i].text[j]);
	free(lines);
}

static void step_clear(struct lab_step *st)
{
	lines_free(st->changes, st->nchanges);
	lines_free(st->expects, st->nexpects);
	free(st->skipped);
	free(st->say);
	memset(st, 0, sizeof(*st));
}

/* The next line of @lines (@n of *@cap), holding copies of @a, @b, @c. */
static struct lab_line *line_add(struct lab_line **lines, size_t *n, size_t *cap,
				 const char *a, const char *b, const char *c)
{
	struct lab_line *l;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*lines = realloc(*lines, *cap * sizeof(**lines));
		if (!*lines) {
			perror("mmscope");
			exit(1);
		}
	}
	l = &(*lines)[(*n)++];
	l->text[0] = xstrdup(a);
	l->text[1] = xstrdup(b);
	l->text[2] = xstrdup(c);
	l->ok = false;
	return l;
}

/* @key: an array of @n objects of the @names of each line's texts, and "ok" if @ok. */
static void jw_lines(const char *key, const struct lab_line *lines, size_t n,
		     const char *const names[3], bool ok)
{
	size_t i, j;

	jw_key(jw, key);
	jw_start_array(jw);
	for (i = 0; i < n; i++) {
		jw_start_object(jw);
		for (j = 0; j < 3; j++) {
			jw_key(jw, names[j]);
			jw_string(jw, lines[i].text[j]);
		}
		if (ok) {
			jw_key(jw, "ok");
			jw_bool(jw, lines[i].ok);
		}
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

/* A step that ran must have checked something: else the lab is wrong. */
static void step_close(struct lab *lab)
{
	struct lab_step *st = &lab->step;

	if (!st->say)
		return;
	if (!st->skipped && !st->nexpects)
		lab_expect(lab, false, "this step checks something", "at least one check",
			   "none");
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "say");
		jw_string(jw, st->say);
		jw_lines("changes", st->changes, st->nchanges,
			 (const char *const []){ "what", "before", "after" }, false);
		jw_key(jw, "skipped");
		if (st->skipped)
			jw_string(jw, st->skipped);
		else
			jw_null(jw);
		jw_lines("expected", st->expects, st->nexpects,
			 (const char *const []){ "what", "want", "seen" }, true);
		jw_end_object(jw);
	}
	step_clear(st);
}

void lab_step(struct lab *lab, const char *fmt, ...)
{
	char say[512];

	step_close(lab);
	FORMAT_ARGS(say, fmt);
	lab->step.say = xstrdup(say);
	lab->nsteps++;
	if (lab->step_mode) {
		char line[64];

		fprintf(stderr, "[step %u: Enter goes on] ", lab->nsteps);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin))
			lab->step_mode = false;	/* no more input: run on */
	}
	if (!json_output)
		printf(" %2u. %s\n", lab->nsteps, say);
	fflush(stdout);
}

void lab_skip_step(struct lab *lab, const char *fmt, ...)
{
	char why[512];

	FORMAT_ARGS(why, fmt);
	free(lab->step.skipped);
	lab->step.skipped = xstrdup(why);
	lab->nskipped++;
	if (!json_output)
		printf("     SKIPPED: %s\n", why);
}

void lab_skip(struct lab *lab, const char *fmt, ...)
{
	char why[512];

	FORMAT_ARGS(why, fmt);
	free(lab->skipped);
	lab->skipped = xstrdup(why);
	if (!json_output)
		printf("     SKIPPED: %s\n", why);
}

void lab_broken(struct lab *lab, const char *fmt, ...)
{
	char what[512];

	FORMAT_ARGS(what, fmt);
	/* Where JSON goes to a program, a person still reads stderr. */
	if (json_output)
		fprintf(stderr, "mmscope: lab %s: %s\n", lab->def->name, what);
	lab_expect(lab, false, what, "success", "failed");
}

bool lab_expect(struct lab *lab, bool ok, const char *what, const char *want,
		const char *seen)
{
	struct lab_step *st = &lab->step;

	line_add(&st->expects, &st->nexpects, &st->cap_expects, what, want, seen)->ok = ok;
	lab->nchecks++;
	if (!ok)
		lab->nfailed++;
	if (!json_output) {
		if (ok)
			printf("     ok      %s: %s\n", what, seen);
		else
			printf("     FAILED  %s: expected %s, seen %s\n", what, want, seen);
	}
	return ok;
}

bool lab_expect_u64(struct lab *lab, const char *what, uint64_t want, uint64_t seen)
{
	char w[32], s[32];

	snprintf(w, sizeof(w), "%llu", (unsigned long long)want);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)seen);
	return lab_expect(lab, want == seen, what, w, s);
}

bool lab_expect_hex(struct lab *lab, const char *what, uint64_t want, uint64_t seen)
{
	char w[32], s[32];

	snprintf(w, sizeof(w), "0x%llx", (unsigned long long)want);
	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)seen);
	return lab_expect(lab, want == seen, what, w, s);
}

bool lab_expect_hex_ne(struct lab *lab, const char *what, uint64_t other, uint64_t seen)
{
	char w[40], s[32];

	snprintf(w, sizeof(w), "not 0x%llx", (unsigned long long)other);
	snprintf(s, sizeof(s), "0x%llx", (unsigned long long)seen);
	return lab_expect(lab, other != seen, what, w, s);
}

bool lab_expect_str(struct lab *lab, const char *what, const char *want, const char *seen)
{
	return lab_expect(lab, !strcmp(want, seen), what, want, seen);
}

void lab_change(struct lab *lab, const char *what, const char *before, const char *after)
{
	struct lab_step *st = &lab->step;

	line_add(&st->changes, &st->nchanges, &st->cap_changes, what, before, after);
	if (!json_output)
		printf("     %-30s %s -> %s\n", what, before, after);
}

static const struct lab_def *find_def(const char *name)
{
	size_t t;
	const struct lab_def *d;

	for (t = 0; t < sizeof(lab_tables) / sizeof(lab_tables[0]); t++)
		for (d = lab_tables[t]; d->name; d++)
			if (!strcmp(d->name, name))
				return d;
	return NULL;
}

static void concepts_text(const struct lab_def *d, char *buf, size_t len)
{
	const unsigned char *c;
	size_t off = 0;

	buf[0] = 0;
	for (c = d->concepts; *c && off < len; c++)
		off += snprintf(buf + off, len - off, "%s%u", c == d->concepts ? "" : ",", *c);
}

/* "concepts": the lab's numbers, as an array. */
static void jw_concepts(const struct lab_def *d)
{
	const unsigned char *c;

	jw_key(jw, "concepts");
	jw_start_array(jw);
	for (c = d->concepts; *c; c++)
		jw_uint(jw, *c);
	jw_end_array(jw);
}

static void list_one(const struct lab_def *d, void *arg)
{
	char concepts[64];

	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "name");
		jw_string(jw, d->name);
		jw_concepts(d);
		jw_key(jw, "title");
		jw_string(jw, d->title);
		jw_end_object(jw);
		return;
	}
	concepts_text(d, concepts, sizeof(concepts));
	table_str(arg, d->name);
	table_str(arg, concepts);
	table_str(arg, d->title);
}

static int list_labs(void)
{
	static const struct table_col cols[] = {
		{ "LAB", 0 }, { "CONCEPTS", 0 }, { "WHAT IT SHOWS", 0 },
	};
	struct table t;

	if (json_output)
		jw_start_array(jw);
	else
		table_start(&t, cols, 3);
	for_each_def(list_one, &t);
	if (json_output)
		jw_end_array(jw);
	else
		table_end(&t);
	return 0;
}

/* Runs one lab; 0 when every check held. */
static int run_lab(const struct lab_def *d, bool step_mode)
{
	struct lab lab = { .def = d, .step_mode = step_mode, .fd = -1 };
	char concepts[64];
	bool ok;

	concepts_text(d, concepts, sizeof(concepts));
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "name");
		jw_string(jw, d->name);
		jw_key(jw, "title");
		jw_string(jw, d->title);
		jw_concepts(d);
		jw_key(jw, "steps");
		jw_start_array(jw);
	} else {
		printf("lab %s: %s (concepts %s)\n", d->name, d->title, concepts);
	}
	fflush(stdout);

	lab.fd = mms_open(device);
	if (lab.fd < 0) {
		lab_step(&lab, "open %s", device);
		lab_expect(&lab, false, "the mmscope device opens", "an fd", strerror(-lab.fd));
	} else {
		d->run(&lab);
		close(lab.fd);
	}
	step_close(&lab);
	ok = !lab.nfailed;
	if (json_output) {
		jw_end_array(jw);
		jw_key(jw, "ok");
		jw_bool(jw, ok);
		jw_key(jw, "skipped");
		if (lab.skipped)
			jw_string(jw, lab.skipped);
		else
			jw_null(jw);
		jw_end_object(jw);
	} else if (lab.skipped) {
		printf("lab %s: skipped: %s\n\n", d->name, lab.skipped);
	} else {
		printf("lab %s: %s (%u step%s, %u checks", d->name, ok ? "ok" : "FAILED",
		       lab.nsteps, lab.nsteps == 1 ? "" : "s", lab.nchecks);
		if (lab.nfailed)
			printf(", %u failed", lab.nfailed);
		if (lab.nskipped)
			printf(", %u steps skipped", lab.nskipped);
		printf(")\n\n");
	}
	fflush(stdout);
	free(lab.skipped);
	return ok ? 0 : 1;
}

static bool step_mode;

static int take_option(int opt, const char *arg)
{
	(void)arg;
	if (opt == 's')
		step_mode = true;
	return 0;
}

/* 0 when the device opens; else the exit code, after the message. */
static int check_device(void)
{
	struct mmscope_version v;
	int fd = mms_open(device), ret;

	/* A subject that died must not kill the lab (EPIPE instead). */
	signal(SIGPIPE, SIG_IGN);
	if (fd < 0) {
		p_errno(-fd, ERR_DEVICE, device);
		return 1;
	}
	/* Said once here, not as a failed step of every lab. */
	ret = mms_version(fd, &v);
	close(fd);
	if (ret) {
		p_errno(-ret, ERR_DEVICE, device);
		return 1;
	}
	return 0;
}

struct run_all {
	bool step;
	int ret;
};

static void run_one(const struct lab_def *d, void *arg)
{
	struct run_all *ra = arg;

	if (run_lab(d, ra->step))
		ra->ret = 1;
}

/* lab list */
static int do_list(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		p_err("usage: " USAGE);
		return 2;
	}
	return list_labs();
}

int lab_run(const struct lab_def *const *defs, size_t n, bool step)
{
	struct run_all ra = { .step = step };
	size_t i;

	if (check_device())
		return 1;
	/* A lab's subjects must not inherit unflushed output. */
	fflush(stdout);
	if (json_output)
		jw_start_array(jw);
	if (!defs)
		for_each_def(run_one, &ra);
	for (i = 0; defs && i < n; i++)
		if (run_lab(defs[i], step))
			ra.ret = 1;
	if (json_output)
		jw_end_array(jw);
	return ra.ret;
}

/* lab all */
static int do_all(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		p_err("usage: " USAGE);
		return 2;
	}
	return lab_run(NULL, 0, step_mode);
}

/* lab NAME... */
static int do_names(int argc, char **argv)
{
	const struct lab_def *defs[64];
	int i;

	if (!argc) {
		p_err("usage: " USAGE);
		return 2;
	}
	if (argc > 64) {
		p_err("lab: at most 64 labs at a time (mmscope lab all runs every lab)");
		return 2;
	}
	for (i = 0; i < argc; i++) {
		defs[i] = find_def(argv[i]);
		if (!defs[i]) {
			p_err("lab: no lab '%s' (mmscope lab list)", argv[i]);
			return 2;
		}
	}
	return lab_run(defs, argc, step_mode);
}

static const struct cmd cmds[] = {
	{ "list", do_list },
	{ "all", do_all },
	{ NULL, do_names },
	{}
};

static const struct option longopts[] = {
	{ "step", no_argument, NULL, 's' },
	{}
};

const struct object obj_lab = {
	.name = "lab",
	.help = help_text,
	.cmds = cmds,
	.longopts = longopts,
	.take = take_option,
};
