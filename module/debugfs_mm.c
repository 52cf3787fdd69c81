// SPDX-License-Identifier: GPL-2.0
/* debugfs mm: the target's mm_struct, as MMSCOPE_IOC_MM_INFO reads it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "debugfs.h"

static void mm_show_users(struct seq_file *m, struct mmscope_subject *subject)
{
	struct mmscope_mm_user *users;
	u32 total, cap, i;

	/*
	 * Room for every user mm_users counts, so that one scan collects them
	 * all (the scan does not stop to grow the buffer).
	 */
	cap = clamp_t(u32, atomic_read(&subject->mm->mm_users) + 16, 16,
		      MMSCOPE_MM_USERS_MAX);
	users = kvcalloc(cap, sizeof(*users), GFP_KERNEL);
	if (!users) {
		seq_puts(m, "users: ? (out of memory)\n");
		return;
	}
	total = mmscope_mm_users(subject->task, subject->mm, users, cap);
	seq_printf(m, "users: %u\n", total);
	for (i = 0; i < min(total, cap); i++)
		seq_printf(m, "  %u %s\n", users[i].tid, (const char *)users[i].comm);
	kvfree(users);
}

#define MM_FIELD(name) seq_printf(m, "%-15s %llu\n", #name ":", info.name)
#define MM_ADDR(name) seq_printf(m, "%-15s %#llx\n", #name ":", info.name)

int mmscope_debugfs_mm_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_mm_info info;
	int ret;

	ret = mmscope_debugfs_subject_or_say(m, &subject);
	if (ret)
		return ret == -ENOENT ? 0 : ret;

	memset(&info, 0, sizeof(info));
	mmscope_mm_fill(&subject, &info);
	seq_printf(m, "%-15s %u\n", "pid:", info.pid);
	seq_printf(m, "%-15s %s\n", "comm:", (const char *)info.comm);
	seq_printf(m, "%-15s %s\n", "kernel_thread:",
		   info.out_flags & MMSCOPE_MM_KERNEL_THREAD ? "yes" : "no");
	if (!subject.mm) {
		seq_printf(m, "%-15s none (a kernel thread borrows active_mm)\n", "mm:");
		goto out_put_subject;
	}
	MM_FIELD(mm_users);
	MM_FIELD(mm_count);
	MM_FIELD(map_count);
	MM_FIELD(total_vm);
	MM_FIELD(locked_vm);
	MM_FIELD(pinned_vm);
	MM_FIELD(data_vm);
	MM_FIELD(exec_vm);
	MM_FIELD(stack_vm);
	MM_FIELD(rss_file);
	MM_FIELD(rss_anon);
	MM_FIELD(rss_shmem);
	MM_FIELD(swap_ents);
	MM_FIELD(hiwater_rss);
	MM_FIELD(hiwater_vm);
	MM_ADDR(start_code);
	MM_ADDR(end_code);
	MM_ADDR(start_data);
	MM_ADDR(end_data);
	MM_ADDR(start_brk);
	MM_ADDR(brk);
	MM_ADDR(start_stack);
	MM_ADDR(arg_start);
	MM_ADDR(arg_end);
	MM_ADDR(env_start);
	MM_ADDR(env_end);
	MM_ADDR(mmap_base);
	MM_ADDR(task_size);
	MM_ADDR(pgd_phys);
	MM_FIELD(pgtables_bytes);
	mm_show_users(m, &subject);

out_put_subject:
	mmscope_subject_put(&subject);
	return 0;
}
