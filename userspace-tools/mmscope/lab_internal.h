/* SPDX-License-Identifier: GPL-2.0 */
/* The lab engine's state (lab.c); labs see only lab.h. */
#ifndef MMSCOPE_LAB_INTERNAL_H
#define MMSCOPE_LAB_INTERNAL_H

#include "lab.h"

/*
 * A line of a step: a change (what, before, after) or an expectation
 * (what, want, seen, and whether it held).
 */
struct lab_line {
	char *text[3];
	bool ok;
};

/* The step in progress: kept whole until it ends, for the JSON. */
struct lab_step {
	char *say;
	char *skipped;
	struct lab_line *changes;
	size_t nchanges, cap_changes;
	struct lab_line *expects;
	size_t nexpects, cap_expects;
};

struct lab {
	const struct lab_def *def;
	int fd;			/* /dev/mmscope, aimed at each query's PID */
	bool step_mode;		/* --step: wait for Enter before each step */
	char *skipped;		/* the whole lab could not run: why */
	unsigned int nsteps, nchecks, nfailed, nskipped;
	struct lab_step step;
};

#endif
