/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope faultlab, in three files: faultlab.c (the object, the counters,
 * stats and log), faultlab_lab.c (the scenario engine: a lab, its steps
 * and what each shows) and faultlab_scenarios.c (the scenarios).
 */
#ifndef MMSCOPE_FAULTLAB_H
#define MMSCOPE_FAULTLAB_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/mmscope.h>

#define PAGE 4096UL

/* faultlab.c: the lab counters, by name, and the events of the log */
struct counter_field {
	const char *name;
	size_t offset;
};
extern const struct counter_field counter_fields[];
extern const size_t nr_counters;
int64_t counter(const struct mmscope_faultlab_counters *c, size_t i);
/* One event: a JSON object, or a text line after @lead. */
void show_event(const char *lead, const struct mmscope_faultlab_event *ev);

/* What a step expects of a counter: its change over the step. */
struct expect {
	const char *counter;
	int64_t delta;
};

/* A scenario in progress. */
struct lab {
	int fd;			/* the lab, and the query fd aimed at us */
	uint64_t id;
	uint32_t mode;
	uint32_t flags;
	uint64_t since;		/* log position */
	struct mmscope_faultlab_counters last;
	int step;
	int failed;		/* expectations the kernel did not meet */
	int checked;
	char maps_shape[512];	/* the lab VMAs the text showed last */
};

struct scenario {
	const char *name;
	const char *title;
	uint32_t mode;
	uint32_t flags;
	uint64_t pages;
	int (*run)(struct lab *lab);
};

/* faultlab_scenarios.c */
extern const struct scenario scenarios[];
extern const size_t nr_scenarios;

/* faultlab_lab.c: the engine */
/*
 * After the step's action: what moved, what was logged, the maps and the
 * walk of @addrs (0-terminated).
 */
void step(struct lab *lab, const char *action, const struct expect *expect,
	  const uint64_t *addrs);
/* The lab mapped into this process, or NULL after p_err(). */
char *lab_map(struct lab *lab, size_t pages, int prot, int flags);
/* Run one scenario; 0 if the kernel did all the steps expected. */
int run_scenario(const struct scenario *sc);

#define ADDRS(...) ((const uint64_t[]){ __VA_ARGS__, 0 })
#define EXPECT(...) ((const struct expect[]){ __VA_ARGS__, { NULL, 0 } })
#define A(p) ((uint64_t)(uintptr_t)(p))

#endif
