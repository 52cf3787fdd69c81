/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope faultlab, in three files: faultlab.c (the object, the counters,
 * stats and log), faultlab_lab.c (the scenario engine: a fault lab of
 * /dev/mmscope mapped here, and what each step shows and checks) and
 * faultlab_scenarios.c (the scenarios). Each scenario runs as a lab of
 * mmscope lab (lab.h): `mmscope faultlab NAME` is `mmscope lab faultlab-NAME`.
 */
#ifndef MMSCOPE_FAULTLAB_H
#define MMSCOPE_FAULTLAB_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/mmscope.h>

#include "lab.h"

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
/* One event as text, without its sequence number. */
void format_event(char *buf, size_t len, const struct mmscope_faultlab_event *ev);

/* What a step expects of a counter: its change over the step. */
struct expect {
	const char *counter;
	int64_t delta;
};

#define FAULT_ADDRS_MAX 4

/* A scenario in progress: the lab of the mmscope lab engine, and its fault lab. */
struct fault_lab {
	struct lab *lab;
	int fd;			/* the fault lab, and the query fd aimed at us */
	uint64_t id;
	uint64_t since;		/* log position */
	struct mmscope_faultlab_counters last;
	struct snap before;	/* the lab's VMAs and walks, as the step began */
	uint64_t addrs[FAULT_ADDRS_MAX];
	unsigned int naddrs;
};

/* A scenario: the fault lab it sets up, and its steps. */
struct scenario {
	const char *name;
	uint32_t mode;
	uint32_t flags;
	uint64_t pages;
	int (*run)(struct fault_lab *fl);
};
/*
 * faultlab_scenarios.c: each scenario is the lab "faultlab-NAME" of
 * lab_faultlab_defs (lab.h), which faultlab list, all and NAME run.
 */
#define FAULTLAB_LAB_PREFIX "faultlab-"

/* faultlab_lab.c: the engine */
/*
 * Begins a step (with --step, waits for Enter) before its action: the
 * lab's VMAs and the walks of @addrs (0-ended, or NULL) as they are now.
 */
void fault_step(struct fault_lab *fl, const char *say, const uint64_t *addrs);
/* Walk @addr too, from now on (it was mapped by the step's action). */
void fault_walk_also(struct fault_lab *fl, uint64_t addr);
/*
 * Ends the step's action: what moved (the lab's counters, the fault log,
 * its VMAs, the walks) and the checks: each counter in @expect moved by
 * its delta; every walk agrees with /proc/self/pagemap, and the lab's
 * VMAs with /proc/self/maps.
 */
void fault_check(struct fault_lab *fl, const struct expect *expect);
/* The lab mapped into this process, or NULL (the step is broken). */
char *fault_map(struct fault_lab *fl, size_t pages, int prot, int flags);
/* The lab of a scenario (lab.h's run): 0, or -1 when it could not go on. */
int run_scenario_lab(struct lab *lab, const struct scenario *sc);

#define ADDRS(...) ((const uint64_t[]){ __VA_ARGS__, 0 })
#define EXPECT(...) ((const struct expect[]){ __VA_ARGS__, { NULL, 0 } })
#define A(p) ((uint64_t)(uintptr_t)(p))

#endif
