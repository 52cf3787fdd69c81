// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope faultlab: guided scenarios on the fault lab of /dev/mmscope, and
 * its counters and log.
 *
 * Each scenario is a lab of mmscope lab (faultlab_lab.c): it maps a fault
 * lab into this process, does one thing at a time to it, and after each
 * step shows what the kernel did about it and checks what it expected.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmscope_names.h>

#include "faultlab.h"
#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope faultlab { SCENARIO | all | list | stats | log } [--step]"

static bool step_mode;

static const char help_text[] =
	"Usage: mmscope faultlab SCENARIO [--step]  run one guided scenario, step by step\n"
	"       mmscope faultlab all [--step]       run every scenario\n"
	"       mmscope faultlab list               the scenarios\n"
	"       mmscope faultlab stats              every lab's counters, together\n"
	"       mmscope faultlab log                the fault log of every lab\n"
	"       mmscope faultlab help\n"
	"\n"
	"A scenario maps a fault lab of /dev/mmscope (mmscope's own vm_operations)\n"
	"into this process. It is a lab of mmscope lab (faultlab-SCENARIO), with its\n"
	"output: after each step, the lab's counters that moved, the new fault-log\n"
	"entries, and the lab's VMAs and page walks before and after. Each step checks\n"
	"what it expects of the counters, and /proc/self/pagemap and /proc/self/maps\n"
	"against mmscope: a check that fails says FAILED, and the exit code is 1.\n"
	"--step waits for Enter before each step.\n";

#define MAX_EVENTS 256

const struct counter_field counter_fields[] = {
#define COUNTER(f) { #f, offsetof(struct mmscope_faultlab_counters, f) },
	MMSCOPE_NAMES_FAULTLAB_COUNTER(COUNTER)
#undef COUNTER
};
const size_t nr_counters = sizeof(counter_fields) / sizeof(counter_fields[0]);

int64_t counter(const struct mmscope_faultlab_counters *c, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)c + counter_fields[i].offset, sizeof(v));
	return v;
}

/* The bits of @bits by @name, as put_bits() prints them, into @buf at @off. */
static size_t put_bits_buf(char *buf, size_t len, size_t off, uint64_t bits,
			   const char *(*name)(unsigned int))
{
	const char *s;
	unsigned int b;
	bool first = true;

	for (b = 0; b < 64 && off < len; b++) {
		if (!(bits & (1ULL << b)) || !(s = name(b)))
			continue;
		off += snprintf(buf + off, len - off, "%s%s", first ? "" : ",", s);
		first = false;
	}
	if (first && off < len)
		off += snprintf(buf + off, len - off, "-");
	return off;
}

void format_event(char *buf, size_t len, const struct mmscope_faultlab_event *ev)
{
	size_t off;

	off = snprintf(buf, len, "%s tid %u addr %#" PRIx64 " pgoff %" PRIu64,
		       mms_faultlab_handler_name(ev->handler), ev->tid, (uint64_t)ev->addr,
		       (uint64_t)ev->pgoff);
	if (ev->pgoff_last != ev->pgoff && off < len)
		off += snprintf(buf + off, len - off, "-%" PRIu64, (uint64_t)ev->pgoff_last);
	if (off < len)
		off += snprintf(buf + off, len - off, " flags ");
	off = put_bits_buf(buf, len, off, ev->fault_flags, mms_fault_flag_bit_name);
	if (off < len)
		off += snprintf(buf + off, len - off, " result ");
	off = put_bits_buf(buf, len, off, ev->result, mms_vm_fault_bit_name);
	if (ev->pfn && off < len)
		off += snprintf(buf + off, len - off, " pfn %#" PRIx64, (uint64_t)ev->pfn);
	if (ev->handler == MMSCOPE_FAULTLAB_H_MAP_PAGES && off < len)
		snprintf(buf + off, len - off, " mapped %" PRIu64, (uint64_t)ev->nr);
	else if (ev->handler == MMSCOPE_FAULTLAB_H_ACCESS && off < len)
		snprintf(buf + off, len - off, " bytes %" PRIu64, (uint64_t)ev->nr);
}

/* One event: a JSON object, or a text line after @lead. */
void show_event(const char *lead, const struct mmscope_faultlab_event *ev)
{
	if (!json_output) {
		char text[256];

		format_event(text, sizeof(text), ev);
		printf("%s#%-6" PRIu64 " %s\n", lead, (uint64_t)ev->seq, text);
		return;
	}
	jw_start_object(jw);
	jw_key(jw, "seq");
	jw_uint(jw, ev->seq);
	jw_key(jw, "handler");
	jw_string(jw, mms_faultlab_handler_name(ev->handler));
	jw_key(jw, "tgid");
	jw_uint(jw, ev->tgid);
	jw_key(jw, "tid");
	jw_uint(jw, ev->tid);
	jw_key(jw, "addr");
	jw_hex(jw, ev->addr);
	jw_key(jw, "pgoff");
	jw_uint(jw, ev->pgoff);
	jw_key(jw, "pgoff_last");
	jw_uint(jw, ev->pgoff_last);
	jw_key(jw, "nr");
	jw_uint(jw, ev->nr);
	jw_key(jw, "pfn");
	jw_hex(jw, ev->pfn);
	jw_key(jw, "flags");
	put_bits(ev->fault_flags, mms_fault_flag_bit_name);
	jw_key(jw, "result");
	put_bits(ev->result, mms_vm_fault_bit_name);
	jw_key(jw, "time_ns");
	jw_uint(jw, ev->time_ns);
	jw_end_object(jw);
}

static void put_counters(const char *key, const struct mmscope_faultlab_counters *c)
{
	size_t i;

	if (json_output) {
		jw_key(jw, key);
		jw_start_object(jw);
		for (i = 0; i < nr_counters; i++) {
			jw_key(jw, counter_fields[i].name);
			jw_uint(jw, counter(c, i));
		}
		jw_end_object(jw);
		return;
	}
	printf("%s:\n", key);
	for (i = 0; i < nr_counters; i++)
		printf("  %-16s %" PRIu64 "\n", counter_fields[i].name, (uint64_t)counter(c, i));
}

static int show_stats(void)
{
	struct mmscope_faultlab_stats st;
	int fd, ret;

	fd = open_device();
	if (fd < 0)
		return 1;
	ret = mms_faultlab_stats(fd, &st);
	close(fd);
	if (ret) {
		p_errno(-ret, ERR_LAB, "fault lab stats");
		return 1;
	}
	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "labs");
		jw_uint(jw, st.labs);
		jw_key(jw, "log_size");
		jw_uint(jw, st.log_size);
	} else {
		printf("labs alive: %u, fault log: %u entries\n", st.labs, st.log_size);
	}
	put_counters("global", &st.global);
	if (json_output)
		jw_end_object(jw);
	return 0;
}

static int show_log(void)
{
	struct mmscope_faultlab_event *ev;
	uint64_t since = 0, lost = 0, gone;
	uint32_t n;
	int fd, ret;

	fd = open_device();
	if (fd < 0)
		return 1;
	ev = calloc(MAX_EVENTS, sizeof(*ev));
	if (!ev) {
		close(fd);
		return 1;
	}
	if (json_output)
		jw_start_array(jw);
	do {
		n = MAX_EVENTS;
		ret = mms_faultlab_log(fd, 0, since, ev, &n, &since, &gone);
		if (ret)
			break;
		lost += gone;
		for (uint32_t i = 0; i < n; i++) {
			char lead[32];

			snprintf(lead, sizeof(lead), "lab %-4" PRIu64 " ", (uint64_t)ev[i].lab_id);
			show_event(lead, &ev[i]);
		}
	} while (n);
	free(ev);
	close(fd);
	if (ret) {	/* inside the array, which it closes */
		p_errno(-ret, ERR_LAB, "fault log");
		return 1;
	}
	if (json_output)
		jw_end_array(jw);
	else if (lost)
		printf("(%" PRIu64 " older events are no longer in the log)\n", lost);
	return 0;
}

/* No arguments after a command: usage error otherwise. */
static int no_args(int argc)
{
	if (argc)
		p_err("usage: " USAGE);
	return argc ? 2 : 0;
}

static int do_stats(int argc, char **argv)
{
	(void)argv;
	return no_args(argc) ?: show_stats();
}

static int do_log(int argc, char **argv)
{
	(void)argv;
	return no_args(argc) ?: show_log();
}

/* The scenario's lab: "faultlab-NAME". */
static const struct lab_def *scenario_lab(const char *name)
{
	const struct lab_def *d;

	for (d = lab_faultlab_defs; d->name; d++)
		if (!strcmp(d->name + strlen(FAULTLAB_LAB_PREFIX), name))
			return d;
	return NULL;
}

static int do_list(int argc, char **argv)
{
	static const struct table_col cols[] = { { "NAME", 0 }, { "LAB", 0 }, { "TITLE", 0 } };
	const struct lab_def *d;
	struct table t;

	(void)argv;
	if (no_args(argc))
		return 2;
	if (json_output)
		jw_start_array(jw);
	else
		table_start(&t, cols, 3);
	for (d = lab_faultlab_defs; d->name; d++) {
		if (json_output) {
			jw_start_object(jw);
			jw_key(jw, "name");
			jw_string(jw, d->name + strlen(FAULTLAB_LAB_PREFIX));
			jw_key(jw, "lab");
			jw_string(jw, d->name);
			jw_key(jw, "title");
			jw_string(jw, d->title);
			jw_end_object(jw);
		} else {
			table_str(&t, d->name + strlen(FAULTLAB_LAB_PREFIX));
			table_str(&t, d->name);
			table_str(&t, d->title);
		}
	}
	if (json_output)
		jw_end_array(jw);
	else
		table_end(&t);
	return 0;
}

static int do_all(int argc, char **argv)
{
	const struct lab_def *defs[32];
	size_t n;

	(void)argv;
	if (no_args(argc))
		return 2;
	for (n = 0; lab_faultlab_defs[n].name && n < sizeof(defs) / sizeof(defs[0]); n++)
		defs[n] = &lab_faultlab_defs[n];
	return lab_run(defs, n, step_mode);
}

/* faultlab SCENARIO: its lab */
static int do_scenario(int argc, char **argv)
{
	const struct lab_def *d;

	if (argc != 1) {
		p_err("usage: " USAGE);
		return 2;
	}
	d = scenario_lab(argv[0]);
	if (!d) {
		p_err("unknown fault-lab scenario '%s' (try: mmscope faultlab list)", argv[0]);
		return 2;
	}
	return lab_run(&d, 1, step_mode);
}

static const struct cmd cmds[] = {
	{ "stats", do_stats },
	{ "log", do_log },
	{ "list", do_list },
	{ "all", do_all },
	{ NULL, do_scenario },
	{}
};

static int take_option(int opt, const char *arg)
{
	(void)arg;
	if (opt == 's')
		step_mode = true;
	return 0;
}

static const struct option longopts[] = {
	{ "step", no_argument, NULL, 's' },
	{}
};

const struct object obj_faultlab = {
	.name = "faultlab",
	.help = help_text,
	.cmds = cmds,
	.longopts = longopts,
	.take = take_option,
};
