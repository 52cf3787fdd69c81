// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/mmscope/: text files for people with cat. They share
 * one target, chosen by writing a PID to "target". Everything here is also
 * reachable through /dev/mmscope, which keeps working under integrity
 * lockdown (where debugfs refuses these files); under confidentiality
 * lockdown mmscope refuses its queries everywhere (target.c).
 *
 * This file owns the target, what is written to the files, the one
 * seq_file of records fetched in batches, and the table of files; each
 * debugfs_<object>.c shows its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debugfs.h"

static struct dentry *mmscope_debugfs_dir;
static struct mmscope_target mmscope_debugfs_target;

/* --- the target ---------------------------------------------------------- */

int mmscope_debugfs_subject(struct mmscope_subject *subject)
{
	return mmscope_target_get(&mmscope_debugfs_target, subject);
}

/*
 * The target of a file of one record: with none set, the file says so and
 * this returns -ENOENT, which the file's show turns into 0.
 */
int mmscope_debugfs_subject_or_say(struct seq_file *m, struct mmscope_subject *subject)
{
	int ret = mmscope_debugfs_subject(subject);

	if (ret == -ENOENT)
		seq_puts(m, "no target: write a PID to target\n");
	return ret;
}

static int target_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	char comm[TASK_COMM_LEN];
	int ret;

	ret = mmscope_debugfs_subject(&subject);
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

/* --- what was written to lookup, pagetable and pages ------------------------ */

struct mmscope_range_input {
	u64 start, end;		/* end is unused for a single address */
	bool set;
};

static DEFINE_MUTEX(mmscope_input_lock);
static struct mmscope_range_input mmscope_inputs[MMSCOPE_INPUT_NR];

static void mmscope_input_store(enum mmscope_debugfs_input which, u64 start, u64 end)
{
	struct mmscope_range_input *in = &mmscope_inputs[which];

	mutex_lock(&mmscope_input_lock);
	in->start = start;
	in->end = end;
	in->set = true;
	mutex_unlock(&mmscope_input_lock);
}

/* The input last written to a file, if any. */
bool mmscope_debugfs_input(enum mmscope_debugfs_input which, u64 *start, u64 *end)
{
	struct mmscope_range_input *in = &mmscope_inputs[which];
	bool set;

	mutex_lock(&mmscope_input_lock);
	*start = in->start;
	*end = in->end;
	set = in->set;
	mutex_unlock(&mmscope_input_lock);
	return set;
}

/*
 * Longest input any file takes: "0x7ffffffff000 0x7ffffffff000" and room
 * for spaces around it. Longer writes are refused, never cut short.
 */
#define MMSCOPE_INPUT_MAX 63

/*
 * The one reader of what is written to a debugfs file: at most
 * MMSCOPE_INPUT_MAX bytes in one write, no NUL byte, something besides
 * white space. Returns the input with the white space around it trimmed,
 * in @buf, or an ERR_PTR (-EINVAL, -EFAULT).
 */
static char *mmscope_input_read(const char __user *ubuf, size_t count,
				char buf[MMSCOPE_INPUT_MAX + 1])
{
	char *s;

	if (!count || count > MMSCOPE_INPUT_MAX)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	if (memchr(buf, '\0', count))
		return ERR_PTR(-EINVAL);
	buf[count] = '\0';
	s = strim(buf);
	return *s ? s : ERR_PTR(-EINVAL);
}

/*
 * A user address in hex, with or without 0x, as mmscope and /proc/PID/maps
 * print them ("00007ffd...", "0x7ffd..."); -ERANGE past 64 bits.
 */
static int mmscope_input_addr(const char *s, u64 *addr)
{
	int ret = kstrtou64(s, 16, addr);

	if (ret)
		return ret;
	return *addr < TASK_SIZE_MAX ? 0 : -EINVAL;
}

/* A length: hex bytes with 0x, or a size with its unit (4K, 2M, 1G). */
static int mmscope_input_length(const char *s, u64 *len)
{
	size_t n = strspn(s, "0123456789");
	char digits[24];
	int shift, ret;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return kstrtou64(s, 16, len);
	/* A bare number could mean bytes or pages: a unit says which. */
	if (!n || n >= sizeof(digits) || !s[n] || s[n + 1])
		return -EINVAL;
	switch (s[n]) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	ret = kstrtou64(digits, 10, len);
	if (ret)
		return ret;
	if (*len > U64_MAX >> shift)
		return -ERANGE;
	*len <<= shift;
	return 0;
}

/* A PID, in decimal. */
static int target_write(char *s)
{
	u64 nr;
	int ret;

	ret = kstrtou64(s, 10, &nr);
	if (!ret)
		ret = mmscope_target_set(&mmscope_debugfs_target, nr);
	if (!ret)	/* counting is per target */
		mmscope_debugfs_tlb_stop();
	return ret;
}

/* An address written as text, in hex. */
static int mmscope_addr_write(enum mmscope_debugfs_input which, const char *s)
{
	u64 addr;
	int ret;

	ret = mmscope_input_addr(s, &addr);
	if (!ret)
		mmscope_input_store(which, addr, 0);
	return ret;
}

static int lookup_write(char *s)
{
	return mmscope_addr_write(MMSCOPE_INPUT_LOOKUP, s);
}

static int pagetable_write(char *s)
{
	return mmscope_addr_write(MMSCOPE_INPUT_PAGETABLE, s);
}

/*
 * "START END", "START-END" or "START+LEN", addresses as an address is
 * written.
 */
static int pages_write(char *s)
{
	char *sep, how;
	u64 start, end;
	int ret;

	sep = strpbrk(s, " \t-+");
	if (!sep)
		return -EINVAL;
	how = *sep;
	*sep++ = '\0';
	ret = mmscope_input_addr(s, &start);
	if (ret)
		return ret;
	sep = strim(sep);
	/* kstrtou64() takes a leading '+': "START +LEN" must not read as END. */
	if (how != '+' && (*sep == '+' || *sep == '-'))
		return -EINVAL;
	if (how == '+') {
		ret = mmscope_input_length(sep, &end);
		if (!ret && check_add_overflow(start, end, &end))
			ret = -EINVAL;
	} else {
		ret = kstrtou64(sep, 16, &end);
	}
	if (ret)
		return ret;
	if (start >= end || end > TASK_SIZE_MAX)
		return -EINVAL;
	mmscope_input_store(MMSCOPE_INPUT_PAGES, start, end);
	return 0;
}

/* "start" (re)starts counting the target's flushes, "stop" stops it. */
static int tlb_write(char *s)
{
	if (!strcmp(s, "start"))
		return mmscope_debugfs_tlb_start();
	if (!strcmp(s, "stop")) {
		mmscope_debugfs_tlb_stop();
		return 0;
	}
	return -EINVAL;
}

/* --- records in batches ----------------------------------------------------- */

/* What ops->show_end() shows: a position past the last record. */
#define MMSCOPE_SEQ_END ((void *)1)

/*
 * Make record @pos available, filling batches as needed. Each fill
 * resolves the target anew and the object's fill takes the locks it
 * needs, so that nothing is held while seq_read() copies out.
 */
static void *mmscope_seq_batch_seek(struct mmscope_seq_batch *b, loff_t pos)
{
	const struct mmscope_seq_batch_ops *ops = b->ops;
	struct mmscope_subject subject;
	int ret;

	/* A seek far ahead fills every batch before it: let a kill end it. */
	while (pos >= b->base + b->nr) {
		if (b->done)
			return pos == b->base + b->nr && ops->show_end ? MMSCOPE_SEQ_END : NULL;
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
		ret = mmscope_debugfs_subject(&subject);
		if (ret == -ENOENT && !ops->need_target)
			return NULL;
		if (ret)
			return ERR_PTR(ret);
		b->base += b->nr;
		b->nr = 0;
		ret = ops->fill(b, &subject);
		mmscope_subject_put(&subject);
		if (ret < 0)
			return ERR_PTR(ret);
		b->nr = ret;
		cond_resched();
	}
	return b->recs + (pos - b->base) * ops->rec_size;
}

static void *mmscope_seq_batch_start(struct seq_file *m, loff_t *pos)
{
	struct mmscope_seq_batch *b = m->private;

	if (*pos < b->base || !*pos) {
		b->cursor = 0;
		b->base = 0;
		b->nr = 0;
		b->done = false;
		if (b->ops->rewind)
			b->ops->rewind(b);
	}
	return mmscope_seq_batch_seek(b, *pos);
}

static void *mmscope_seq_batch_next(struct seq_file *m, void *v, loff_t *pos)
{
	return mmscope_seq_batch_seek(m->private, ++*pos);
}

static void mmscope_seq_batch_stop(struct seq_file *m, void *v)
{
}

static int mmscope_seq_batch_show(struct seq_file *m, void *v)
{
	struct mmscope_seq_batch *b = m->private;

	if (v == MMSCOPE_SEQ_END)
		b->ops->show_end(m, b);
	else
		b->ops->show(m, b, v);
	return 0;
}

static const struct seq_operations mmscope_seq_batch_ops = {
	.start	= mmscope_seq_batch_start,
	.next	= mmscope_seq_batch_next,
	.stop	= mmscope_seq_batch_stop,
	.show	= mmscope_seq_batch_show,
};

static int mmscope_seq_batch_open(struct file *file, const struct mmscope_seq_batch_ops *ops)
{
	size_t priv_size = ALIGN(ops->priv_size, sizeof(u64));
	struct mmscope_seq_batch *b;
	struct seq_file *m;
	int ret;

	b = kvzalloc(sizeof(*b) + priv_size + ops->max * ops->rec_size, GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	b->ops = ops;
	b->priv = b + 1;
	b->recs = b->priv + priv_size;
	ret = seq_open(file, &mmscope_seq_batch_ops);
	if (ret) {
		kvfree(b);
		return ret;
	}
	m = file->private_data;
	m->private = b;
	/* As single_open_size(): seq_release() frees it; seq_read() falls back. */
	if (ops->buf_size) {
		m->buf = kvmalloc(ops->buf_size, GFP_KERNEL_ACCOUNT);
		if (m->buf)
			m->size = ops->buf_size;
	}
	if (ops->open)
		ops->open(b);
	return 0;
}

static int mmscope_seq_batch_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct mmscope_seq_batch *b = m->private;

	if (b->ops->release)
		b->ops->release(b);
	kvfree(b);
	return seq_release(inode, file);
}

/* --- the files ---------------------------------------------------------------- */

/* The fault lab's counters show no process and no physical address. */
static int mmscope_debugfs_lab_allowed(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* In the order they are created, and listed. */
static const struct mmscope_debugfs_file mmscope_debugfs_files[] = {
	{ .name = "target", .mode = 0600, .allowed = mmscope_query_allowed,
	  .show = target_show, .write = target_write },
	{ .name = "mm", .mode = 0400, .allowed = mmscope_query_allowed,
	  .show = mmscope_debugfs_mm_show },
	{ .name = "maps", .mode = 0400, .allowed = mmscope_query_allowed,
	  .batch = &mmscope_debugfs_maps_ops },
	{ .name = "lookup", .mode = 0600, .allowed = mmscope_query_allowed,
	  .show = mmscope_debugfs_lookup_show, .write = lookup_write },
	{ .name = "pagetable", .mode = 0600, .allowed = mmscope_query_allowed,
	  .show = mmscope_debugfs_pagetable_show, .write = pagetable_write },
	{ .name = "pages", .mode = 0600, .allowed = mmscope_query_allowed,
	  .batch = &mmscope_debugfs_pages_ops, .write = pages_write },
	{ .name = "stats", .mode = 0400, .allowed = mmscope_debugfs_lab_allowed,
	  .in_faultlab = true, .show = mmscope_debugfs_lab_stats_show },
	{ .name = "log", .mode = 0400, .allowed = mmscope_query_allowed,
	  .in_faultlab = true, .show = mmscope_debugfs_lab_log_show },
	{ .name = "tlb", .mode = 0600, .allowed = mmscope_query_allowed,
	  .show = mmscope_debugfs_tlb_show, .write = tlb_write },
	{ .name = "smaps", .mode = 0400, .allowed = mmscope_query_allowed,
	  .batch = &mmscope_debugfs_smaps_ops },
	{ .name = "vmatree", .mode = 0400, .allowed = mmscope_query_allowed,
	  .batch = &mmscope_debugfs_vmatree_ops },
};

/* Every file: the check its reader must pass, then one record or batches. */
static int mmscope_debugfs_open(struct inode *inode, struct file *file)
{
	const struct mmscope_debugfs_file *f = inode->i_private;
	int ret = f->allowed();

	if (ret)
		return ret;
	if (f->batch)
		return mmscope_seq_batch_open(file, f->batch);
	return single_open(file, f->show, NULL);
}

static int mmscope_debugfs_release(struct inode *inode, struct file *file)
{
	const struct mmscope_debugfs_file *f = inode->i_private;

	if (f->batch)
		return mmscope_seq_batch_release(inode, file);
	return single_release(inode, file);
}

static ssize_t mmscope_debugfs_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	const struct mmscope_debugfs_file *f = file_inode(file)->i_private;
	char buf[MMSCOPE_INPUT_MAX + 1], *s;
	int ret;

	s = mmscope_input_read(ubuf, count, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = f->write(s);
	return ret ?: count;
}

static const struct file_operations mmscope_debugfs_ro_fops = {
	.owner		= THIS_MODULE,
	.open		= mmscope_debugfs_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= mmscope_debugfs_release,
};

static const struct file_operations mmscope_debugfs_rw_fops = {
	.owner		= THIS_MODULE,
	.open		= mmscope_debugfs_open,
	.read		= seq_read,
	.write		= mmscope_debugfs_write,
	.llseek		= seq_lseek,
	.release	= mmscope_debugfs_release,
};

void mmscope_debugfs_init(void)
{
	const struct mmscope_debugfs_file *f;
	struct dentry *faultlab = NULL;
	unsigned int i;

	mmscope_target_init(&mmscope_debugfs_target);
	mmscope_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	/* In the table's order, faultlab/ where its first file comes. */
	for (i = 0; i < ARRAY_SIZE(mmscope_debugfs_files); i++) {
		f = &mmscope_debugfs_files[i];
		if (f->in_faultlab && !faultlab)
			faultlab = debugfs_create_dir("faultlab", mmscope_debugfs_dir);
		debugfs_create_file(f->name, f->mode,
				    f->in_faultlab ? faultlab : mmscope_debugfs_dir, (void *)f,
				    f->write ? &mmscope_debugfs_rw_fops : &mmscope_debugfs_ro_fops);
	}
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove(mmscope_debugfs_dir);
	/* Counting started here may outlive every open file: stop it. */
	mmscope_debugfs_tlb_stop();
	mmscope_target_destroy(&mmscope_debugfs_target);
}
