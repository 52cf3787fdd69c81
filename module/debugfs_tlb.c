// SPDX-License-Identifier: GPL-2.0
/* debugfs tlb: the target's TLB state, and the counting of its flushes. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/slab.h>

#include "debugfs.h"

static struct mmscope_tlb_count *mmscope_debugfs_tlb_count;	/* the target's counting */

/* One query as MMSCOPE_IOC_TLB makes it, with @flags (start or stop). */
static int tlb_query(struct seq_file *m, u32 flags)
{
	struct mmscope_subject subject;
	struct mmscope_tlb_cpu *recs;
	struct mmscope_tlb *req;
	int ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	recs = kvcalloc(nr_cpu_ids, sizeof(*recs), GFP_KERNEL);
	if (!req || !recs) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = mmscope_debugfs_subject(&subject);
	if (ret == -ESRCH)
		mmscope_debugfs_tlb_stop();
	if (ret)
		goto out_free;
	req->flags = flags;
	if (!subject.mm)
		ret = -ENOENT;
	else
		ret = mmscope_tlb_query(subject.mm, &mmscope_debugfs_tlb_count, req,
					m ? recs : NULL, nr_cpu_ids);
	mmscope_subject_put(&subject);
	if (!ret && m)
		mmscope_seq_tlb(m, req, recs);
out_free:
	kvfree(recs);
	kfree(req);
	return ret;
}

int mmscope_debugfs_tlb_show(struct seq_file *m, void *unused)
{
	return tlb_query(m, 0);
}

/* Count the target's flushes from now. */
int mmscope_debugfs_tlb_start(void)
{
	return tlb_query(NULL, MMSCOPE_TLB_COUNT_START);
}

void mmscope_debugfs_tlb_stop(void)
{
	mmscope_tlb_count_stop(&mmscope_debugfs_tlb_count);
}
