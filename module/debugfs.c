// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/mmscope/: text files for people with cat. They share
 * one target, chosen by writing a PID to "target". Everything here is also
 * reachable through /dev/mmscope, which keeps working under lockdown.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmscope.h"

static struct dentry *mmscope_debugfs_dir;
static struct mmscope_target mmscope_debugfs_target;

static DEFINE_MUTEX(mmscope_lookup_lock);
static u64 mmscope_lookup_addr;
static bool mmscope_lookup_set;

static int mmscope_debugfs_allowed(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* --- target ------------------------------------------------------------ */

static int target_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	char comm[TASK_COMM_LEN];
	int ret;

	ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
	if (ret == -ENOENT) {
		seq_puts(m, "none\n");
		return 0;
	}
	if (ret)
		return ret;
	get_task_comm(comm, subject.task);
	seq_printf(m, "%d %s\n", task_pid_vnr(subject.task), comm);
	mmscope_subject_put(&subject);
	return 0;
}

static int target_open(struct inode *inode, struct file *file)
{
	return mmscope_debugfs_allowed() ?: single_open(file, target_show, NULL);
}

static ssize_t target_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	u64 nr;
	int ret;

	ret = kstrtou64_from_user(ubuf, count, 10, &nr);
	if (ret)
		return ret;
	ret = mmscope_target_set(&mmscope_debugfs_target, nr);
	return ret ?: count;
}

static const struct file_operations target_fops = {
	.owner		= THIS_MODULE,
	.open		= target_open,
	.read		= seq_read,
	.write		= target_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* --- mm ---------------------------------------------------------------- */

static void mm_show_users(struct seq_file *m, struct mm_struct *mm)
{
	struct mmscope_mm_user *users;
	u32 total, cap, i;

	/* Count, then collect: the walk runs under RCU and cannot allocate. */
	total = mmscope_mm_users(mm, NULL, 0);
	cap = min_t(u32, total + 16, MMSCOPE_MM_USERS_MAX);
	users = kvcalloc(cap, sizeof(*users), GFP_KERNEL);
	if (!users) {
		seq_puts(m, "users: ? (out of memory)\n");
		return;
	}
	total = mmscope_mm_users(mm, users, cap);
	seq_printf(m, "users: %u\n", total);
	for (i = 0; i < min(total, cap); i++)
		seq_printf(m, "  %u %s\n", users[i].tid, (const char *)users[i].comm);
	kvfree(users);
}

#define MM_FIELD(name) seq_printf(m, "%-15s %llu\n", #name ":", info.name)
#define MM_ADDR(name) seq_printf(m, "%-15s %#llx\n", #name ":", info.name)

static int mm_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_mm_info info;
	int ret;

	ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
	if (ret == -ENOENT) {
		seq_puts(m, "no target: write a PID to target\n");
		return 0;
	}
	if (ret)
		return ret;

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
	mm_show_users(m, subject.mm);

out_put_subject:
	mmscope_subject_put(&subject);
	return 0;
}

static int mm_open(struct inode *inode, struct file *file)
{
	return mmscope_debugfs_allowed() ?: single_open(file, mm_show, NULL);
}

static const struct file_operations mm_fops = {
	.owner		= THIS_MODULE,
	.open		= mm_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* --- maps -------------------------------------------------------------- */

/*
 * As fs/proc/task_mmu.c: the position is the start address of the next VMA
 * to show, so ->start finds its place again with one find_vma() after the
 * lock was dropped to copy a full buffer out. Never quadratic.
 */
#define MAPS_POS_EOF ((loff_t)-1)

struct maps_iter {
	struct mmscope_subject subject;
	bool have_subject;
	bool locked;
	struct mmscope_vma rec;
};

static void *maps_start(struct seq_file *m, loff_t *pos)
{
	struct maps_iter *it = m->private;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	int ret;

	if (*pos == MAPS_POS_EOF)
		return NULL;
	ret = mmscope_target_get(&mmscope_debugfs_target, &it->subject);
	if (ret)
		return ret == -ENOENT ? NULL : ERR_PTR(ret);
	it->have_subject = true;
	mm = it->subject.mm;
	if (!mm)
		return NULL;	/* a kernel thread has no VMAs */
	if (mmap_read_lock_killable(mm))
		return ERR_PTR(-EINTR);
	it->locked = true;

	vma = find_vma(mm, *pos);
	*pos = vma ? vma->vm_start : MAPS_POS_EOF;
	return vma;
}

static void *maps_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct maps_iter *it = m->private;
	struct vm_area_struct *vma;

	vma = find_vma(it->subject.mm, ((struct vm_area_struct *)v)->vm_end);
	*pos = vma ? vma->vm_start : MAPS_POS_EOF;
	return vma;
}

static void maps_stop(struct seq_file *m, void *v)
{
	struct maps_iter *it = m->private;

	if (it->locked)
		mmap_read_unlock(it->subject.mm);
	if (it->have_subject)
		mmscope_subject_put(&it->subject);
	it->locked = false;
	it->have_subject = false;
}

static int maps_show(struct seq_file *m, void *v)
{
	struct maps_iter *it = m->private;

	mmscope_vma_fill(v, &it->rec);
	mmscope_seq_vma(m, &it->rec);
	return 0;
}

static const struct seq_operations maps_seq_ops = {
	.start	= maps_start,
	.next	= maps_next,
	.stop	= maps_stop,
	.show	= maps_show,
};

static int maps_open(struct inode *inode, struct file *file)
{
	return mmscope_debugfs_allowed() ?:
	       seq_open_private(file, &maps_seq_ops, sizeof(struct maps_iter));
}

static const struct file_operations maps_fops = {
	.owner		= THIS_MODULE,
	.open		= maps_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

/* --- lookup ------------------------------------------------------------ */

static int lookup_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_vma *vma;
	u32 out_flags;
	bool set;
	u64 addr, gap;
	int ret;

	mutex_lock(&mmscope_lookup_lock);
	addr = mmscope_lookup_addr;
	set = mmscope_lookup_set;
	mutex_unlock(&mmscope_lookup_lock);
	if (!set) {
		seq_puts(m, "no address: write one to lookup\n");
		return 0;
	}

	vma = kmalloc(sizeof(*vma), GFP_KERNEL);
	if (!vma)
		return -ENOMEM;
	ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
	if (ret == -ENOENT) {
		seq_puts(m, "no target: write a PID to target\n");
		ret = 0;
		goto out_free_vma;
	}
	if (ret)
		goto out_free_vma;
	if (subject.mm && addr >= subject.mm->task_size)
		ret = -EINVAL;
	else
		ret = mmscope_lookup(subject.mm, addr, vma, &out_flags, &gap);
	mmscope_subject_put(&subject);
	if (ret)
		goto out_free_vma;

	seq_printf(m, "addr:     %#llx\n", addr);
	if (!(out_flags & MMSCOPE_LOOKUP_FOUND)) {
		seq_puts(m, "vma:      none (no VMA at or above addr)\n");
		goto out_free_vma;
	}
	seq_printf(m, "contains: %s\n",
		   out_flags & MMSCOPE_LOOKUP_CONTAINS ? "yes" : "no");
	seq_printf(m, "gap:      %llu\n", gap);
	seq_puts(m, "vma:      ");
	mmscope_seq_vma(m, vma);

out_free_vma:
	kfree(vma);
	return ret;
}

static int lookup_open(struct inode *inode, struct file *file)
{
	return mmscope_debugfs_allowed() ?: single_open(file, lookup_show, NULL);
}

static ssize_t lookup_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	u64 addr;
	int ret;

	/* Base 0: "0x7ffd..." and decimal both work. */
	ret = kstrtou64_from_user(ubuf, count, 0, &addr);
	if (ret)
		return ret;
	if (addr >= TASK_SIZE_MAX)
		return -EINVAL;
	mutex_lock(&mmscope_lookup_lock);
	mmscope_lookup_addr = addr;
	mmscope_lookup_set = true;
	mutex_unlock(&mmscope_lookup_lock);
	return count;
}

static const struct file_operations lookup_fops = {
	.owner		= THIS_MODULE,
	.open		= lookup_open,
	.read		= seq_read,
	.write		= lookup_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

void mmscope_debugfs_init(void)
{
	mmscope_target_init(&mmscope_debugfs_target);
	mmscope_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("target", 0600, mmscope_debugfs_dir, NULL, &target_fops);
	debugfs_create_file("mm", 0400, mmscope_debugfs_dir, NULL, &mm_fops);
	debugfs_create_file("maps", 0400, mmscope_debugfs_dir, NULL, &maps_fops);
	debugfs_create_file("lookup", 0600, mmscope_debugfs_dir, NULL, &lookup_fops);
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove(mmscope_debugfs_dir);
	mmscope_target_destroy(&mmscope_debugfs_target);
}
