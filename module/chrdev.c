// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmscope: a misc device whose ioctls are the whole query ABI (see
 * include/uapi/linux/mmscope.h). Each open file has its own target.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

struct mmscope_file {
	struct file *file;
	struct mmscope_target target;
	/* The fault lab mmap() maps: see mmscope_file_lab() */
	struct mmscope_lab *lab;
	struct mutex lab_lock;		/* makes @lab, once */
	struct mmscope_tlb_count *tlb_count;	/* the target's flushes, if counted */
	struct mmscope_vmatree_walk vmatree_walk;
};

/*
 * Commands are matched without their size bits: a request that grew keeps
 * its command, and copy_struct_from_user() reconciles the sizes.
 */
#define MMSCOPE_CMD(cmd) ((cmd) & ~IOCSIZE_MASK)

/* Largest request size accepted; anything above cannot be ours. */
#define MMSCOPE_REQ_MAX PAGE_SIZE

/*
 * Read a request that begins with its own __u32 size: at least its first
 * version's, @min. Older, smaller versions are zero-extended; newer ones
 * must have zeros where we have no fields (-E2BIG otherwise).
 */
static int mmscope_get_req(void *req, size_t ksize, size_t min, void __user *uarg,
			   u32 *usize)
{
	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < min || *usize > MMSCOPE_REQ_MAX)
		return -EINVAL;
	return copy_struct_from_user(req, ksize, uarg, *usize);
}

/*
 * A record size the caller may use: at least ours (a newer caller's larger
 * records get their tail zeroed), at most a sane bound.
 */
static bool mmscope_record_size_ok(u32 usize, size_t ksize)
{
	return usize >= ksize && usize <= 4 * ksize;
}

static int mmscope_ioc_version(struct mmscope_file *mf, void *arg)
{
	struct mmscope_version *v = arg;

	if (v->flags)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	mmscope_version_fill(v);
	return 0;
}

static int mmscope_ioc_set_target(struct mmscope_file *mf, void *arg)
{
	struct mmscope_set_target *req = arg;

	int ret;

	if (req->flags || req->reserved)
		return -EINVAL;
	ret = mmscope_target_set(&mf->target, req->pid);
	if (!ret)	/* counting is per target */
		mmscope_tlb_count_stop(&mf->tlb_count);
	return ret;
}

static int mmscope_ioc_mm_info(struct mmscope_file *mf, void *arg)
{
	struct mmscope_mm_info *info = arg;
	struct mmscope_mm_user *users = NULL;
	struct mmscope_subject subject;
	u64 users_ptr;
	u32 cap;
	int ret;

	if (info->flags || info->reserved || (!info->users_ptr && info->users_cap))
		return -EINVAL;
	users_ptr = info->users_ptr;
	cap = min_t(u32, info->users_cap, MMSCOPE_MM_USERS_MAX);
	if (cap) {
		users = kvcalloc(cap, sizeof(*users), GFP_KERNEL);
		if (!users)
			return -ENOMEM;
	}

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		goto out_free_users;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->users_ptr = users_ptr;
	info->users_cap = cap;
	mmscope_mm_fill(&subject, info);
	if (subject.mm) {
		info->users_total = mmscope_mm_users(subject.task, subject.mm, users, cap);
		info->users_count = min(info->users_total, cap);
	}
	mmscope_subject_put(&subject);

	if (info->users_count &&
	    copy_to_user(u64_to_user_ptr(users_ptr), users,
			 info->users_count * sizeof(*users)))
		ret = -EFAULT;

out_free_users:
	kvfree(users);
	return ret;
}

static int mmscope_ioc_vmas(struct mmscope_file *mf, void *arg)
{
	struct mmscope_vmas *req = arg;
	struct mmscope_subject subject;
	int ret;

	bool brief = req->flags & MMSCOPE_VMAS_BRIEF;

	if ((req->flags & ~MMSCOPE_VMAS_BRIEF) || req->reserved || !req->count ||
	    !mmscope_record_size_ok(req->vma_size, brief ? sizeof(struct mmscope_vma_brief) :
							  sizeof(struct mmscope_vma)))
		return -EINVAL;
	/* The paths' buffer: only with brief records, and room for any path. */
	if (brief ? !req->strings_ptr || req->strings_size < MMSCOPE_PATH_MAX :
		    req->strings_ptr || req->strings_size)
		return -EINVAL;

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		return ret;
	ret = mmscope_vmas_copy(subject.mm, req);
	mmscope_subject_put(&subject);
	return ret;
}

static int mmscope_ioc_lookup(struct mmscope_file *mf, void *arg)
{
	struct mmscope_lookup *req = arg;
	struct mmscope_vma *vma = NULL;
	struct mmscope_subject subject;
	int ret;

	if (req->flags ||
	    (req->vma_ptr && !mmscope_record_size_ok(req->vma_size, sizeof(struct mmscope_vma))))
		return -EINVAL;
	if (req->vma_ptr) {
		vma = kmalloc(sizeof(*vma), GFP_KERNEL);
		if (!vma)
			return -ENOMEM;
	}

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		goto out_free_vma;
	if (req->addr >= mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else
		ret = mmscope_lookup(subject.mm, req->addr, vma, &req->out_flags, &req->gap);
	mmscope_subject_put(&subject);
	if (!ret && vma && (req->out_flags & MMSCOPE_LOOKUP_FOUND))
		ret = mmscope_copy_record(u64_to_user_ptr(req->vma_ptr), req->vma_size,
					  vma, sizeof(*vma));

out_free_vma:
	kfree(vma);
	return ret;
}

static int mmscope_ioc_walk(struct mmscope_file *mf, void *arg)
{
	struct mmscope_walk *walk = arg;
	struct mmscope_subject subject;
	u64 addr = walk->addr;
	int ret;

	if (walk->flags || walk->reserved)
		return -EINVAL;
	memset(walk, 0, sizeof(*walk));
	walk->size = sizeof(*walk);
	walk->addr = addr;

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		return ret;
	if (addr >= mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else if (!subject.mm)
		ret = -ENOENT;	/* a kernel thread has no user page tables */
	else
		ret = mmscope_walk_addr(subject.mm, walk);
	mmscope_subject_put(&subject);
	return ret;
}

/* The request's flags, records and sizes agree (mmscope_pages's rules). */
static bool mmscope_pages_req_ok(const struct mmscope_pages *req)
{
	u32 mode = req->flags;

	if ((mode & ~(MMSCOPE_PAGES_PTE_ONLY | MMSCOPE_PAGES_SUMMARY)) ||
	    mode == (MMSCOPE_PAGES_PTE_ONLY | MMSCOPE_PAGES_SUMMARY) ||
	    req->reserved || req->start >= req->end)
		return false;
	if (mode == MMSCOPE_PAGES_SUMMARY)
		return !req->records_ptr && !req->record_size && !req->count;
	return req->count &&
	       mmscope_record_size_ok(req->record_size, mode == MMSCOPE_PAGES_PTE_ONLY ?
				      sizeof(struct mmscope_page_pte) :
				      sizeof(struct mmscope_page));
}

/* A summary needs a caller whose struct has room for the counters. */
static size_t mmscope_pages_min_size(const void *arg)
{
	const struct mmscope_pages *req = arg;

	return req->flags & MMSCOPE_PAGES_SUMMARY ?
	       offsetofend(struct mmscope_pages, sum_present) : MMSCOPE_PAGES_SIZE_VER0;
}

static int mmscope_ioc_pages(struct mmscope_file *mf, void *arg)
{
	struct mmscope_pages *req = arg;
	struct mmscope_subject subject;
	int ret;

	if (!mmscope_pages_req_ok(req))
		return -EINVAL;
	/* The counters are out only, and per call. */
	memset(req->sum_state, 0, sizeof(req->sum_state));
	memset(req->sum_cow, 0, sizeof(req->sum_cow));
	memset(req->sum_present, 0, sizeof(req->sum_present));

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		return ret;
	if (req->end > mmscope_subject_addr_limit(&subject))
		ret = -EINVAL;
	else if (req->flags & MMSCOPE_PAGES_SUMMARY)
		ret = mmscope_pages_summary(subject.mm, req);
	else if (req->flags & MMSCOPE_PAGES_PTE_ONLY)
		ret = mmscope_pages_pte_copy(subject.mm, req);
	else
		ret = mmscope_pages_copy(subject.mm, req);
	mmscope_subject_put(&subject);
	return ret;
}

static int mmscope_ioc_vm_flag_names(struct mmscope_file *mf, void *arg)
{
	struct mmscope_vm_flag_names *names = arg;

	if (names->flags)
		return -EINVAL;
	memset(names, 0, sizeof(*names));
	names->size = sizeof(*names);
	mmscope_vm_flag_names(names);
	return 0;
}

/*
 * The file's fault lab, made if @make and there is none yet. A file opened
 * for writing has had one since open() (mmscope_open()); a read-only file
 * gets one at its first setup, so that queries never make one. Changing
 * f_mapping then is safe: a read-only file cannot be mapped shared and
 * writable, the one kind of mapping whose count mmap_region() keeps in
 * f_mapping across our ->mmap. ->mmap sees the lab only once f_mapping is
 * the lab's (release and acquire).
 *
 * Return: the lab, NULL if there is none and !@make, or an ERR_PTR.
 */
static struct mmscope_lab *mmscope_file_lab(struct mmscope_file *mf, bool make)
{
	/* Pairs with the release below: the lab's f_mapping is in place. */
	struct mmscope_lab *lab = smp_load_acquire(&mf->lab);

	if (lab || !make)
		return lab;
	mutex_lock(&mf->lab_lock);
	lab = mf->lab;
	if (!lab) {
		lab = mmscope_lab_create(mf->file);
		if (!IS_ERR(lab)) {
			/* Published after mmscope_lab_create() set f_mapping. */
			smp_store_release(&mf->lab, lab);
		}
	}
	mutex_unlock(&mf->lab_lock);
	return lab;
}

static int mmscope_ioc_faultlab_setup(struct mmscope_file *mf, void *arg)
{
	struct mmscope_faultlab_setup *req = arg;
	struct mmscope_lab *lab;
	int ret;

	if (req->lab_id)
		return -EINVAL;
	/* A refused request leaves a read-only file without a lab. */
	ret = mmscope_lab_setup_check(req);
	if (ret)
		return ret;
	lab = mmscope_file_lab(mf, true);
	if (IS_ERR(lab))
		return PTR_ERR(lab);
	return mmscope_lab_setup(lab, req);
}

static int mmscope_ioc_faultlab_stats(struct mmscope_file *mf, void *arg)
{
	struct mmscope_faultlab_stats *stats = arg;

	if (stats->flags || stats->reserved)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	mmscope_lab_stats(mmscope_file_lab(mf, false), stats);
	return 0;
}

static int mmscope_ioc_faultlab_log(struct mmscope_file *mf, void *arg)
{
	struct mmscope_faultlab_log *req = arg;
	struct mmscope_faultlab_event *events;
	u64 lab_id = 0;
	u32 n, i;
	int ret = 0;

	if ((req->flags & ~MMSCOPE_FAULTLAB_LOG_THIS_LAB) || req->reserved ||
	    !req->count || !req->events_ptr ||
	    !mmscope_record_size_ok(req->event_size, sizeof(*events)))
		return -EINVAL;
	if (req->flags & MMSCOPE_FAULTLAB_LOG_THIS_LAB) {
		struct mmscope_lab *lab = mmscope_file_lab(mf, false);

		lab_id = lab ? mmscope_lab_id(lab) : 0;
		if (!lab_id)
			return -ENODEV;
	}
	req->count = min(req->count, mmscope_log_capacity());
	events = kvcalloc(req->count, sizeof(*events), GFP_KERNEL);
	if (!events)
		return -ENOMEM;

	n = mmscope_log_read(events, req->count, req->since_seq, lab_id,
			     &req->last_seq, &req->lost);
	for (i = 0; i < n && !ret; i++)
		ret = mmscope_copy_record(u64_to_user_ptr(req->events_ptr) +
					  (u64)i * req->event_size, req->event_size,
					  &events[i], sizeof(*events));
	req->count = n;
	kvfree(events);
	return ret;
}

static int mmscope_ioc_smaps(struct mmscope_file *mf, void *arg)
{
	struct mmscope_smaps *req = arg;
	struct mmscope_subject subject;
	int ret;

	if ((req->flags & ~MMSCOPE_SMAPS_ROLLUP) || req->reserved || !req->count ||
	    !req->records_ptr ||
	    !mmscope_record_size_ok(req->record_size, sizeof(struct mmscope_smaps_vma)))
		return -EINVAL;

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		return ret;
	if (req->flags & MMSCOPE_SMAPS_ROLLUP)
		ret = mmscope_smaps_rollup(subject.mm, req);
	else
		ret = mmscope_smaps_copy(subject.mm, req);
	mmscope_subject_put(&subject);
	return ret;
}

static int mmscope_ioc_tlb(struct mmscope_file *mf, void *arg)
{
	struct mmscope_tlb *req = arg;
	struct mmscope_tlb_cpu *recs = NULL;
	struct mmscope_subject subject;
	u64 cpus_ptr = req->cpus_ptr;
	u32 flags = req->flags, cpu_size = req->cpu_size, cap, i;
	int ret;

	if ((flags & ~(MMSCOPE_TLB_COUNT_START | MMSCOPE_TLB_COUNT_STOP)) ||
	    (flags & MMSCOPE_TLB_COUNT_START && flags & MMSCOPE_TLB_COUNT_STOP) ||
	    req->reserved || req->cpus_count || req->cpus_total || req->out_flags ||
	    (cpus_ptr && (!req->cpus_cap ||
			  !mmscope_record_size_ok(cpu_size, sizeof(*recs)))) ||
	    (!cpus_ptr && (req->cpus_cap || cpu_size)))
		return -EINVAL;
	cap = min(req->cpus_cap, nr_cpu_ids);
	if (cpus_ptr) {
		recs = kvcalloc(cap, sizeof(*recs), GFP_KERNEL);
		if (!recs)
			return -ENOMEM;
	}

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret == -ESRCH)	/* a target that exited counts no more */
		mmscope_tlb_count_stop(&mf->tlb_count);
	if (ret)
		goto out_free_recs;
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->flags = flags;
	req->cpus_ptr = cpus_ptr;
	req->cpu_size = cpu_size;
	req->cpus_cap = cap;
	if (!subject.mm)
		ret = -ENOENT;	/* a kernel thread has no mm of its own */
	else
		ret = mmscope_tlb_query(subject.mm, &mf->tlb_count, req, recs, cap);
	mmscope_subject_put(&subject);

	for (i = 0; !ret && i < req->cpus_count; i++)
		ret = mmscope_copy_record(u64_to_user_ptr(cpus_ptr) + (u64)i * cpu_size,
					  cpu_size, &recs[i], sizeof(*recs));
out_free_recs:
	kvfree(recs);
	return ret;
}

/* A cursor is zero, or as a call left it: its unused path must be zero. */
static bool mmscope_vmatree_cursor_ok(const struct mmscope_vmatree_cursor *cur)
{
	u32 d;

	if (cur->depth >= MMSCOPE_VMATREE_DEPTH || (!cur->id && (cur->depth || cur->min ||
								 cur->vmas_before)))
		return false;
	for (d = 0; d < ARRAY_SIZE(cur->path); d++)
		if (d < cur->depth ? cur->path[d] >= cur->id : cur->path[d])
			return false;
	return true;
}

static int mmscope_ioc_vmatree(struct mmscope_file *mf, void *arg)
{
	struct mmscope_vmatree *req = arg;
	struct mmscope_subject subject;
	int ret;

	if (req->flags || req->reserved || !req->count || !req->records_ptr ||
	    !mmscope_record_size_ok(req->record_size, sizeof(struct mmscope_vmatree_node)) ||
	    !mmscope_vmatree_cursor_ok(&req->cursor))
		return -EINVAL;

	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		return ret;
	ret = mmscope_vmatree_copy(&mf->vmatree_walk, subject.mm, req);
	mmscope_subject_put(&subject);
	return ret;
}

static int mmscope_ioc_pgd(struct mmscope_file *mf, void *arg)
{
	struct mmscope_pgd *req = arg;
	struct mmscope_subject subject;
	u64 entries_ptr = req->entries_ptr, *entries = NULL;
	u32 first = req->first, cap = req->cap, n;
	int ret;

	if (req->flags || req->reserved || (!entries_ptr && cap) || first > PTRS_PER_PGD)
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->entries_ptr = entries_ptr;
	req->first = first;
	req->cap = cap;

	n = min_t(u32, cap, PTRS_PER_PGD - first);
	if (n) {
		entries = kmalloc_array(n, sizeof(*entries), GFP_KERNEL);
		if (!entries)
			return -ENOMEM;
	}
	ret = mmscope_target_get(&mf->target, &subject);
	if (ret)
		goto out_free_entries;
	if (!subject.mm)
		ret = -ENOENT;	/* a kernel thread has no PGD of its own */
	else
		ret = mmscope_pgd_read(subject.mm, req, entries, n);
	/* Copy out without the target: a stalled copy must not keep its mm alive. */
	mmscope_subject_put(&subject);
	if (!ret && n && copy_to_user(u64_to_user_ptr(entries_ptr), entries,
				      n * sizeof(*entries)))
		ret = -EFAULT;
	if (!ret)
		req->count = n;
out_free_entries:
	kfree(entries);
	return ret;
}

/*
 * Every command: its handler, the size of its request today and of its
 * first version (a request may grow; an old caller's smaller one is
 * zero-extended, never refused), and whether it looks at a process or at
 * physical addresses (mmscope_query_allowed()). The fault lab's setup and
 * counters show neither, but still need CAP_SYS_ADMIN: the lab is kernel
 * memory. MMSCOPE_IOC_VMAS grew the paths' buffer, MMSCOPE_IOC_PAGES the
 * summary and MMSCOPE_IOC_VMATREE the mm's identity; the others are at
 * their first version. @min_size, if set, is the smallest caller's struct
 * the request's flags need (EINVAL below it).
 */
#define MMSCOPE_IOCTL(_cmd, _handler, _type, _query)			\
	{ .cmd = _cmd, .handler = _handler, .size = sizeof(_type),	\
	  .size_ver0 = sizeof(_type), .query = _query }
/* A request that grew since its first version, of @_ver0 bytes. */
#define MMSCOPE_IOCTL_GREW(_cmd, _handler, _type, _ver0, _query)	\
	{ .cmd = _cmd, .handler = _handler, .size = sizeof(_type),	\
	  .size_ver0 = _ver0, .query = _query }

static const struct mmscope_ioctl {
	unsigned int cmd;
	int (*handler)(struct mmscope_file *mf, void *req);
	size_t size, size_ver0;
	bool query;
	size_t (*min_size)(const void *req);
} mmscope_ioctls[] = {
	MMSCOPE_IOCTL(MMSCOPE_IOC_VERSION, mmscope_ioc_version, struct mmscope_version, false),
	MMSCOPE_IOCTL(MMSCOPE_IOC_SET_TARGET, mmscope_ioc_set_target,
		      struct mmscope_set_target, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_MM_INFO, mmscope_ioc_mm_info,
		      struct mmscope_mm_info, true),
	MMSCOPE_IOCTL_GREW(MMSCOPE_IOC_VMAS, mmscope_ioc_vmas, struct mmscope_vmas,
			   MMSCOPE_VMAS_SIZE_VER0, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_LOOKUP, mmscope_ioc_lookup, struct mmscope_lookup, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_VM_FLAG_NAMES, mmscope_ioc_vm_flag_names,
		      struct mmscope_vm_flag_names, false),
	MMSCOPE_IOCTL(MMSCOPE_IOC_WALK, mmscope_ioc_walk, struct mmscope_walk, true),
	{ .cmd = MMSCOPE_IOC_PAGES, .handler = mmscope_ioc_pages,
	  .size = sizeof(struct mmscope_pages), .size_ver0 = MMSCOPE_PAGES_SIZE_VER0,
	  .query = true, .min_size = mmscope_pages_min_size },
	MMSCOPE_IOCTL(MMSCOPE_IOC_FAULTLAB_SETUP, mmscope_ioc_faultlab_setup,
		      struct mmscope_faultlab_setup, false),
	MMSCOPE_IOCTL_GREW(MMSCOPE_IOC_FAULTLAB_STATS, mmscope_ioc_faultlab_stats,
			   struct mmscope_faultlab_stats, MMSCOPE_FAULTLAB_STATS_SIZE_VER0, false),
	MMSCOPE_IOCTL(MMSCOPE_IOC_FAULTLAB_LOG, mmscope_ioc_faultlab_log,
		      struct mmscope_faultlab_log, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_SMAPS, mmscope_ioc_smaps, struct mmscope_smaps, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_TLB, mmscope_ioc_tlb, struct mmscope_tlb, true),
	MMSCOPE_IOCTL_GREW(MMSCOPE_IOC_VMATREE, mmscope_ioc_vmatree, struct mmscope_vmatree,
			   MMSCOPE_VMATREE_SIZE_VER0, true),
	MMSCOPE_IOCTL(MMSCOPE_IOC_PGD, mmscope_ioc_pgd, struct mmscope_pgd, true),
};

/*
 * The one way into a command: find it (ENOTTY if it is not ours), check
 * the caller, read the request, run the handler, write the request back.
 */
static long mmscope_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmscope_file *mf = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct mmscope_ioctl *ioc;
	u32 usize;
	void *req;
	int ret;

	for (ioc = mmscope_ioctls; ioc < mmscope_ioctls + ARRAY_SIZE(mmscope_ioctls); ioc++)
		if (MMSCOPE_CMD(ioc->cmd) == MMSCOPE_CMD(cmd))
			break;
	if (ioc == mmscope_ioctls + ARRAY_SIZE(mmscope_ioctls))
		return -ENOTTY;
	ret = ioc->query ? mmscope_query_allowed() : (capable(CAP_SYS_ADMIN) ? 0 : -EPERM);
	if (ret)
		return ret;

	req = kzalloc(ioc->size, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = mmscope_get_req(req, ioc->size, ioc->size_ver0, uarg, &usize);
	if (!ret && ioc->min_size && usize < ioc->min_size(req))
		ret = -EINVAL;
	if (!ret)
		ret = ioc->handler(mf, req);
	/*
	 * What the command answers goes back (_IOW ones answer nothing), as
	 * much of it as the caller's version of the struct holds.
	 */
	if (!ret && (_IOC_DIR(ioc->cmd) & _IOC_READ) &&
	    copy_to_user(uarg, req, min_t(size_t, ioc->size, usize)))
		ret = -EFAULT;
	kfree(req);
	return ret;
}

static int mmscope_open(struct inode *inode, struct file *file)
{
	struct mmscope_file *mf;
	int ret;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->file = file;
	mutex_init(&mf->lab_lock);
	/* A writable file may be mapped shared-writable: its lab comes now. */
	if (file->f_mode & FMODE_WRITE) {
		mf->lab = mmscope_lab_create(file);
		if (IS_ERR(mf->lab)) {
			ret = PTR_ERR(mf->lab);
			goto out_free_file;
		}
	}
	mmscope_target_init(&mf->target);
	mmscope_vmatree_walk_init(&mf->vmatree_walk);
	file->private_data = mf;
	return 0;

out_free_file:
	mutex_destroy(&mf->lab_lock);
	kfree(mf);
	return ret;
}

static int mmscope_release(struct inode *inode, struct file *file)
{
	struct mmscope_file *mf = file->private_data;

	mmscope_tlb_count_stop(&mf->tlb_count);
	if (mf->lab)
		mmscope_lab_destroy(mf->lab, file);
	mmscope_vmatree_walk_destroy(&mf->vmatree_walk);
	mmscope_target_destroy(&mf->target);
	mutex_destroy(&mf->lab_lock);
	kfree(mf);
	return 0;
}

static int mmscope_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mmscope_lab *lab = mmscope_file_lab(file->private_data, false);

	return lab ? mmscope_lab_mmap(lab, vma) : -ENODEV;
}

static int mmscope_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct mmscope_lab *lab = mmscope_file_lab(file->private_data, false);

	return lab ? mmscope_lab_clean(lab, start, end) : 0;
}

static const struct file_operations mmscope_fops = {
	.owner		= THIS_MODULE,
	.open		= mmscope_open,
	.release	= mmscope_release,
	.unlocked_ioctl	= mmscope_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= mmscope_mmap,
	.fsync		= mmscope_fsync,
	.llseek		= noop_llseek,
};

static struct miscdevice mmscope_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mmscope",
	.fops	= &mmscope_fops,
	.mode	= 0600,
};

int mmscope_chrdev_init(void)
{
	return misc_register(&mmscope_miscdev);
}

void mmscope_chrdev_exit(void)
{
	misc_deregister(&mmscope_miscdev);
}
