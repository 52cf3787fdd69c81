// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/mmscope/: text files for people with cat. They share
 * one target, chosen by writing a PID to "target". Everything here is also
 * reachable through /dev/mmscope, which keeps working under integrity
 * lockdown (where debugfs refuses these files); under confidentiality
 * lockdown mmscope refuses its queries everywhere (target.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static struct dentry *mmscope_debugfs_dir;
static struct mmscope_target mmscope_debugfs_target;
static struct mmscope_tlb_count *mmscope_debugfs_tlb_count;	/* tlb's counting */

/* What was last written to lookup, pagetable and pages. */
struct mmscope_range_input {
	u64 start, end;		/* end is unused for a single address */
	bool set;
};

static DEFINE_MUTEX(mmscope_input_lock);
static struct mmscope_range_input mmscope_lookup_input, mmscope_walk_input,
				  mmscope_pages_input;

static void mmscope_input_store(struct mmscope_range_input *in, u64 start, u64 end)
{
	mutex_lock(&mmscope_input_lock);
	in->start = start;
	in->end = end;
	in->set = true;
	mutex_unlock(&mmscope_input_lock);
}

static bool mmscope_input_load(struct mmscope_range_input *in, u64 *start, u64 *end)
{
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

/* The fault lab's counters show no process and no physical address. */
static int mmscope_debugfs_lab_allowed(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/*
 * A read-only file of one name##_show(): DEFINE_SHOW_ATTRIBUTE(), plus
 * the check every mmscope file makes at open: @allowed() is
 * mmscope_query_allowed() for what looks at processes.
 */
#define MMSCOPE_DEBUGFS_SHOW(name, allowed)				\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return allowed() ?:						\
	       single_open(file, name##_show, inode->i_private);	\
}									\
									\
static const struct file_operations name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= name##_open,					\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
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
	return mmscope_query_allowed() ?: single_open(file, target_show, NULL);
}

static ssize_t target_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[MMSCOPE_INPUT_MAX + 1], *s;
	u64 nr;
	int ret;

	s = mmscope_input_read(ubuf, count, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = kstrtou64(s, 10, &nr);
	if (!ret)
		ret = mmscope_target_set(&mmscope_debugfs_target, nr);
	if (!ret)	/* counting is per target */
		mmscope_tlb_count_stop(&mmscope_debugfs_tlb_count);
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
	mm_show_users(m, &subject);

out_put_subject:
	mmscope_subject_put(&subject);
	return 0;
}

MMSCOPE_DEBUGFS_SHOW(mm, mmscope_query_allowed);

/* --- maps -------------------------------------------------------------- */

/*
 * As fs/proc/task_mmu.c: the position is the start address of the next VMA
 * to show, so ->start finds its place again with one lookup after the lock
 * was dropped to copy a full buffer out, and ->next steps the VMA iterator.
 * Never quadratic.
 */
#define MAPS_POS_EOF ((loff_t)-1)

struct maps_iter {
	struct mmscope_subject subject;
	bool have_subject;
	bool locked;
	struct vma_iterator vmi;	/* valid while locked */
	struct mmscope_vma_ctx ctx;
	struct mmscope_vma_brief rec;
	char path[MMSCOPE_PATH_MAX];
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
	mmscope_vma_ctx_reset(&it->ctx);

	vma_iter_init(&it->vmi, mm, *pos);
	vma = vma_next(&it->vmi);
	*pos = vma ? vma->vm_start : MAPS_POS_EOF;
	return vma;
}

static void *maps_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct maps_iter *it = m->private;
	struct vm_area_struct *vma;

	it->ctx.prev = v;	/* the one before the next, for its kind */
	it->ctx.prev_known = true;
	vma = vma_next(&it->vmi);
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

	mmscope_vma_describe(v, &it->ctx, &it->rec, it->path);
	mmscope_seq_vma(m, &it->rec, it->path);
	return 0;
}

static const struct seq_operations maps_seq_ops = {
	.start	= maps_start,
	.next	= maps_next,
	.stop	= maps_stop,
	.show	= maps_show,
};

/*
 * The seq_file buffer of maps: a read() fills at most this, each fill one
 * start() (the target, the mmap lock, a tree walk). With the page that
 * seq_read() allocates, every 4 KiB of output was one, and the lines are
 * 2.6 times /proc's: 2.6 times its starts for a listing.
 */
#define MAPS_BUF_SIZE (64 * 1024)

static int maps_open(struct inode *inode, struct file *file)
{
	struct seq_file *m;
	int ret;

	ret = mmscope_query_allowed() ?:
	      seq_open_private(file, &maps_seq_ops, sizeof(struct maps_iter));
	if (ret)
		return ret;
	/* As single_open_size(): seq_release() frees it; seq_read() falls back. */
	m = file->private_data;
	m->buf = kvmalloc(MAPS_BUF_SIZE, GFP_KERNEL_ACCOUNT);
	if (m->buf)
		m->size = MAPS_BUF_SIZE;
	return 0;
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
	u64 addr, gap, unused_end;
	u32 out_flags;
	int ret;

	if (!mmscope_input_load(&mmscope_lookup_input, &addr, &unused_end)) {
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
	if (addr >= mmscope_subject_addr_limit(&subject))
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
	mmscope_seq_vma_full(m, vma);

out_free_vma:
	kfree(vma);
	return ret;
}

static int lookup_open(struct inode *inode, struct file *file)
{
	return mmscope_query_allowed() ?: single_open(file, lookup_show, NULL);
}

/* An address written as text, in hex. */
static ssize_t mmscope_addr_write(struct mmscope_range_input *in,
				  const char __user *ubuf, size_t count)
{
	char buf[MMSCOPE_INPUT_MAX + 1], *s;
	u64 addr;
	int ret;

	s = mmscope_input_read(ubuf, count, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = mmscope_input_addr(s, &addr);
	if (ret)
		return ret;
	mmscope_input_store(in, addr, 0);
	return count;
}

static ssize_t lookup_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return mmscope_addr_write(&mmscope_lookup_input, ubuf, count);
}

static const struct file_operations lookup_fops = {
	.owner		= THIS_MODULE,
	.open		= lookup_open,
	.read		= seq_read,
	.write		= lookup_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* --- pagetable --------------------------------------------------------- */

/* One page record, as pagetable and pages print it. */
static void mmscope_seq_page(struct seq_file *m, const struct mmscope_page *p)
{
	seq_printf(m, "%016llx %10llx %-16s", p->addr, p->size,
		   mmscope_name(&mmscope_state_names, p->state));
	if (p->state == MMSCOPE_ENTRY_PRESENT)
		seq_printf(m, " pfn=%#llx page_size=%#llx", p->pfn, p->page_size);
	else if (p->state != MMSCOPE_ENTRY_NONE && p->state != MMSCOPE_ENTRY_NO_VMA &&
		 p->state != MMSCOPE_ENTRY_BAD)
		seq_printf(m, " swap_type=%u swap_offset=%#llx", p->swap_type, p->swap_offset);
	seq_printf(m, " cow=%s pte=", mmscope_name(&mmscope_cow_names, p->cow));
	mmscope_seq_bits(m, p->pte_flags, &mmscope_pte_bit_names);
	if (p->flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE) {
		seq_printf(m, " refcount=%u mapcount=%u folio_mapcount=%u order=%u page=",
			   p->refcount, p->mapcount, p->folio_mapcount, p->order);
		mmscope_seq_bits(m, p->page_flags, &mmscope_pg_bit_names);
		if (p->flags & MMSCOPE_PAGE_FILE)
			seq_printf(m, " ino=%llu", p->ino);
		seq_printf(m, " index=%#llx", p->index);
	}
	seq_putc(m, '\n');
}

static int pagetable_show(struct seq_file *m, void *unused)
{
	struct mmscope_subject subject;
	struct mmscope_walk *walk;
	struct mmscope_level *l;
	u64 addr, unused_end;
	u32 i;
	int ret;

	if (!mmscope_input_load(&mmscope_walk_input, &addr, &unused_end)) {
		seq_puts(m, "no address: write one to pagetable\n");
		return 0;
	}
	ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
	if (ret == -ENOENT) {
		seq_puts(m, "no target: write a PID to target\n");
		return 0;
	}
	if (ret)
		return ret;
	walk = kzalloc(sizeof(*walk), GFP_KERNEL);
	if (!walk) {
		ret = -ENOMEM;
		goto out_put_subject;
	}
	walk->addr = addr;
	if (!subject.mm)
		ret = -ENOENT;
	else if (addr >= mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else
		ret = mmscope_walk_addr(subject.mm, walk);
	if (ret)
		goto out_free_walk;

	seq_printf(m, "addr: %#llx  paging: %u-level%s%s\n", addr, walk->paging_levels,
		   walk->out_flags & MMSCOPE_WALK_NO_VMA ? "  (no VMA here)" : "",
		   walk->out_flags & MMSCOPE_WALK_NOT_PINNED ?
		   "  (the next table is pinned by no VMA: not read)" : "");
	for (i = 0; i < walk->nr_levels; i++) {
		l = &walk->levels[i];
		/* crash's vtop: the entry's physical address => its value. */
		mmscope_seq_level_upper(m, l->level);
		seq_printf(m, ": %016llx => %016llx  [%u] %s ",
			   l->table_phys + l->index * 8, l->entry, l->index,
			   mmscope_name(&mmscope_state_names, l->state));
		mmscope_seq_bits(m, l->bits, &mmscope_pte_bit_names);
		if (l->leaf_size)
			seq_printf(m, " leaf=%lluK", l->leaf_size >> 10);
		seq_putc(m, '\n');
	}
	if (walk->page.state == MMSCOPE_ENTRY_PRESENT)
		seq_printf(m, "PAGE: %016llx\n", walk->phys & PAGE_MASK);
	seq_puts(m, "page: ");
	mmscope_seq_page(m, &walk->page);

out_free_walk:
	kfree(walk);
out_put_subject:
	mmscope_subject_put(&subject);
	return ret;
}

static int pagetable_open(struct inode *inode, struct file *file)
{
	return mmscope_query_allowed() ?: single_open(file, pagetable_show, NULL);
}

static ssize_t pagetable_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	return mmscope_addr_write(&mmscope_walk_input, ubuf, count);
}

static const struct file_operations pagetable_fops = {
	.owner		= THIS_MODULE,
	.open		= pagetable_open,
	.read		= seq_read,
	.write		= pagetable_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* --- pages ------------------------------------------------------------- */

/*
 * A seq_file over the records of the range written to "pages", fetched one
 * batch at a time so that memory stays bounded for any range. The position
 * is the record number; a restart at the same position reuses the batch.
 */
struct pages_iter {
	struct mmscope_page recs[MMSCOPE_PAGES_BATCH];
	unsigned long cursor, end;
	loff_t base;		/* record number of recs[0] */
	int nr;
};

/* Make record @pos available, fetching batches as needed. */
static void *pages_seek(struct pages_iter *it, loff_t pos)
{
	struct mmscope_subject subject;
	int ret;

	/* A seek far ahead walks every batch before it: let a kill end it. */
	while (pos >= it->base + it->nr) {
		if (it->cursor >= it->end)
			return NULL;
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
		ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
		if (ret)
			return ERR_PTR(ret);
		/* As the ioctl: no further than the target's user space. */
		it->end = min(it->end, mmscope_subject_addr_limit(&subject));
		it->base += it->nr;
		ret = mmscope_pages_fill(subject.mm, &it->cursor, it->end, it->recs,
					 MMSCOPE_PAGES_BATCH);
		mmscope_subject_put(&subject);
		if (ret < 0)
			return ERR_PTR(ret);
		it->nr = ret;
		cond_resched();
	}
	return &it->recs[pos - it->base];
}

static void *pages_start(struct seq_file *m, loff_t *pos)
{
	struct pages_iter *it = m->private;
	u64 start, end;

	if (*pos < it->base || !*pos) {
		if (!mmscope_input_load(&mmscope_pages_input, &start, &end))
			return NULL;
		it->cursor = start & PAGE_MASK;
		it->end = PAGE_ALIGN(end);	/* a page is walked whole */
		it->base = 0;
		it->nr = 0;
	}
	return pages_seek(it, *pos);
}

static void *pages_next(struct seq_file *m, void *v, loff_t *pos)
{
	return pages_seek(m->private, ++*pos);
}

static void pages_stop(struct seq_file *m, void *v)
{
}

static int pages_show(struct seq_file *m, void *v)
{
	mmscope_seq_page(m, v);
	return 0;
}

static const struct seq_operations pages_seq_ops = {
	.start	= pages_start,
	.next	= pages_next,
	.stop	= pages_stop,
	.show	= pages_show,
};

static int pages_open(struct inode *inode, struct file *file)
{
	return mmscope_query_allowed() ?:
	       seq_open_private(file, &pages_seq_ops, sizeof(struct pages_iter));
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

/*
 * "START END", "START-END" or "START+LEN", addresses as an address is
 * written.
 */
static ssize_t pages_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[MMSCOPE_INPUT_MAX + 1], *s, *sep, how;
	u64 start, end;
	int ret;

	s = mmscope_input_read(ubuf, count, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
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
	mmscope_input_store(&mmscope_pages_input, start, end);
	return count;
}

static const struct file_operations pages_fops = {
	.owner		= THIS_MODULE,
	.open		= pages_open,
	.read		= seq_read,
	.write		= pages_write,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

/* --- faultlab/stats and faultlab/log ------------------------------------ */

static int faultlab_stats_show(struct seq_file *m, void *unused)
{
	return mmscope_lab_seq_stats(m);
}

MMSCOPE_DEBUGFS_SHOW(faultlab_stats, mmscope_debugfs_lab_allowed);

/* The whole ring, oldest first, as one snapshot. */
static int faultlab_log_show(struct seq_file *m, void *unused)
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

MMSCOPE_DEBUGFS_SHOW(faultlab_log, mmscope_query_allowed);

/* --- tlb ----------------------------------------------------------------- */

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
	ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
	if (ret == -ESRCH)
		mmscope_tlb_count_stop(&mmscope_debugfs_tlb_count);
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

static int tlb_show(struct seq_file *m, void *unused)
{
	return tlb_query(m, 0);
}

static int tlb_open(struct inode *inode, struct file *file)
{
	return mmscope_query_allowed() ?: single_open(file, tlb_show, NULL);
}

/* "start" (re)starts counting the target's flushes, "stop" stops it. */
static ssize_t tlb_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char buf[MMSCOPE_INPUT_MAX + 1], *s;
	int ret;

	s = mmscope_input_read(ubuf, count, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!strcmp(s, "start")) {
		ret = tlb_query(NULL, MMSCOPE_TLB_COUNT_START);
	} else if (!strcmp(s, "stop")) {
		mmscope_tlb_count_stop(&mmscope_debugfs_tlb_count);
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	return ret ?: count;
}

static const struct file_operations tlb_fops = {
	.owner		= THIS_MODULE,
	.open		= tlb_open,
	.read		= seq_read,
	.write		= tlb_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* --- smaps ------------------------------------------------------------- */

/*
 * One record per VMA, as maps: the position is the start of the next VMA.
 * The walk takes and lets go of the mmap lock itself, so no callback here
 * holds it.
 */
struct smaps_iter {
	struct mmscope_subject subject;
	bool have_subject;
	unsigned long next;
	struct mmscope_smaps_vma rec;
};

static void *smaps_fetch(struct smaps_iter *it, loff_t *pos)
{
	unsigned long addr = *pos;
	bool more;
	int n;

	n = mmscope_smaps_fill(it->subject.mm, &addr, &it->rec, 1, &more);
	if (n < 0)
		return ERR_PTR(n);
	if (!n) {
		*pos = MAPS_POS_EOF;
		return NULL;
	}
	*pos = it->rec.start;
	it->next = it->rec.end;
	return &it->rec;
}

static void *smaps_start(struct seq_file *m, loff_t *pos)
{
	struct smaps_iter *it = m->private;
	int ret;

	if (*pos == MAPS_POS_EOF)
		return NULL;
	ret = mmscope_target_get(&mmscope_debugfs_target, &it->subject);
	if (ret)
		return ret == -ENOENT ? NULL : ERR_PTR(ret);
	it->have_subject = true;
	if (!it->subject.mm)
		return NULL;
	return smaps_fetch(it, pos);
}

static void *smaps_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct smaps_iter *it = m->private;

	if (fatal_signal_pending(current)) {
		*pos = MAPS_POS_EOF;
		return NULL;
	}
	*pos = it->next;
	return smaps_fetch(it, pos);
}

static void smaps_stop(struct seq_file *m, void *v)
{
	struct smaps_iter *it = m->private;

	if (it->have_subject)
		mmscope_subject_put(&it->subject);
	it->have_subject = false;
}

static int smaps_show(struct seq_file *m, void *v)
{
	mmscope_seq_smaps(m, v);
	return 0;
}

static const struct seq_operations smaps_seq_ops = {
	.start	= smaps_start,
	.next	= smaps_next,
	.stop	= smaps_stop,
	.show	= smaps_show,
};

static int smaps_open(struct inode *inode, struct file *file)
{
	return mmscope_query_allowed() ?:
	       seq_open_private(file, &smaps_seq_ops, sizeof(struct smaps_iter));
}

static const struct file_operations smaps_fops = {
	.owner		= THIS_MODULE,
	.open		= smaps_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= seq_release_private,
};

/* --- vmatree ----------------------------------------------------------- */

/* Nodes fetched per hold of the mmap lock: about 8.3 KiB of records. */
#define VMATREE_DEBUGFS_BATCH 8

/*
 * One record per node in depth-first order, then a summary line: the
 * position is the node's id. A restart at the same position reuses the
 * batch; a read that went back starts the walk again.
 */
struct vmatree_iter {
	struct mmscope_vmatree_walk walk;
	struct mmscope_vmatree req;
	struct mmscope_vmatree_node recs[VMATREE_DEBUGFS_BATCH];
	loff_t base;		/* id of recs[0] */
	int nr;
	bool summary_shown;
};

#define VMATREE_SUMMARY ((void *)1)

static void *vmatree_seek(struct vmatree_iter *it, loff_t pos)
{
	struct mmscope_subject subject;
	int ret;

	while (pos >= it->base + it->nr) {
		if (it->req.out_flags & (MMSCOPE_VMATREE_DONE | MMSCOPE_VMATREE_CHANGED)) {
			if (pos > it->base + it->nr)
				return NULL;
			return VMATREE_SUMMARY;
		}
		if (fatal_signal_pending(current))
			return ERR_PTR(-EINTR);
		ret = mmscope_target_get(&mmscope_debugfs_target, &subject);
		if (ret)
			return ret == -ENOENT ? NULL : ERR_PTR(ret);
		it->base += it->nr;
		it->nr = 0;
		if (subject.mm)
			ret = mmscope_vmatree_fill(&it->walk, subject.mm, &it->req, it->recs,
						   VMATREE_DEBUGFS_BATCH);
		else
			it->req.out_flags = MMSCOPE_VMATREE_DONE;
		mmscope_subject_put(&subject);
		if (ret < 0)
			return ERR_PTR(ret);
		it->nr = ret;
		cond_resched();
	}
	return &it->recs[pos - it->base];
}

static void *vmatree_start(struct seq_file *m, loff_t *pos)
{
	struct vmatree_iter *it = m->private;

	if (*pos < it->base || !*pos) {
		memset(&it->req, 0, sizeof(it->req));
		it->base = 0;
		it->nr = 0;
	}
	return vmatree_seek(it, *pos);
}

static void *vmatree_next(struct seq_file *m, void *v, loff_t *pos)
{
	return vmatree_seek(m->private, ++*pos);
}

static void vmatree_stop(struct seq_file *m, void *v)
{
}

static int vmatree_show(struct seq_file *m, void *v)
{
	struct vmatree_iter *it = m->private;
	const struct mmscope_vmatree *req = &it->req;

	if (v != VMATREE_SUMMARY) {
		mmscope_seq_vmatree_node(m, v);
		return 0;
	}
	if (req->out_flags & MMSCOPE_VMATREE_CHANGED) {
		seq_puts(m, "changed: the tree changed while it was read, read again\n");
		return 0;
	}
	seq_printf(m, "height=%u nodes=%llu ma_flags=%#x", req->height, req->node_count,
		   req->ma_flags);
	if (req->out_flags & MMSCOPE_VMATREE_ROOT_ENTRY)
		seq_printf(m, " root_entry=%llx-%llx", req->root_entry_start,
			   req->root_entry_end);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations vmatree_seq_ops = {
	.start	= vmatree_start,
	.next	= vmatree_next,
	.stop	= vmatree_stop,
	.show	= vmatree_show,
};

static int vmatree_open(struct inode *inode, struct file *file)
{
	struct seq_file *m;
	int ret;

	ret = mmscope_query_allowed() ?:
	      seq_open_private(file, &vmatree_seq_ops, sizeof(struct vmatree_iter));
	if (ret)
		return ret;
	m = file->private_data;
	mmscope_vmatree_walk_init(&((struct vmatree_iter *)m->private)->walk);
	return 0;
}

static int vmatree_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	mmscope_vmatree_walk_destroy(&((struct vmatree_iter *)m->private)->walk);
	return seq_release_private(inode, file);
}

static const struct file_operations vmatree_fops = {
	.owner		= THIS_MODULE,
	.open		= vmatree_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= vmatree_release,
};

void mmscope_debugfs_init(void)
{
	struct dentry *faultlab;

	mmscope_target_init(&mmscope_debugfs_target);
	mmscope_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("target", 0600, mmscope_debugfs_dir, NULL, &target_fops);
	debugfs_create_file("mm", 0400, mmscope_debugfs_dir, NULL, &mm_fops);
	debugfs_create_file("maps", 0400, mmscope_debugfs_dir, NULL, &maps_fops);
	debugfs_create_file("lookup", 0600, mmscope_debugfs_dir, NULL, &lookup_fops);
	debugfs_create_file("pagetable", 0600, mmscope_debugfs_dir, NULL, &pagetable_fops);
	debugfs_create_file("pages", 0600, mmscope_debugfs_dir, NULL, &pages_fops);
	faultlab = debugfs_create_dir("faultlab", mmscope_debugfs_dir);
	debugfs_create_file("stats", 0400, faultlab, NULL, &faultlab_stats_fops);
	debugfs_create_file("log", 0400, faultlab, NULL, &faultlab_log_fops);
	debugfs_create_file("tlb", 0600, mmscope_debugfs_dir, NULL, &tlb_fops);
	debugfs_create_file("smaps", 0400, mmscope_debugfs_dir, NULL, &smaps_fops);
	debugfs_create_file("vmatree", 0400, mmscope_debugfs_dir, NULL, &vmatree_fops);
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove(mmscope_debugfs_dir);
	/* Counting started here may outlive every open file: stop it. */
	mmscope_tlb_count_stop(&mmscope_debugfs_tlb_count);
	mmscope_target_destroy(&mmscope_debugfs_target);
}
