// SPDX-License-Identifier: GPL-2.0
/* debugfs faultlab/stats and faultlab/log: every lab's counters, the log. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "debugfs.h"

int mmscope_debugfs_lab_stats_show(struct seq_file *m, void *unused)
{
	return mmscope_lab_seq_stats(m);
}

/* The whole ring, oldest first, as one snapshot. */
int mmscope_debugfs_lab_log_show(struct seq_file *m, void *unused)
{
	struct mmscope_faultlab_event *events;
	u32 cap = mmscope_log_capacity();
	u64 last, lost;
	u32 n, i;

	events = kvcalloc(cap, sizeof(*events), GFP_KERNEL);
	if (!events)
		return -ENOMEM;
	n = mmscope_log_read(events, cap, 0, 0, &last, &lost);
	seq_printf(m, "# %u of the last %u events; %llu before them are gone\n",
		   n, cap, lost);
	for (i = 0; i < n; i++)
		mmscope_seq_fault_event(m, &events[i]);
	kvfree(events);
	return 0;
}
