// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmmscope.h"

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int open_device(const char *path, int flags)
{
	int fd = open(path ? path : MMSCOPE_DEVICE, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mms_open(const char *path)
{
	return open_device(path, O_RDONLY);
}

int mms_open_rw(const char *path)
{
	return open_device(path, O_RDWR);
}

int mms_version(int fd, struct mmscope_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ioctl_err(fd, MMSCOPE_IOC_VERSION, v);
}

int mms_set_target(int fd, uint32_t pid)
{
	struct mmscope_set_target req = { .size = sizeof(req), .pid = pid };

	return ioctl_err(fd, MMSCOPE_IOC_SET_TARGET, &req);
}

int mms_mm_info(int fd, struct mmscope_mm_info *info,
		    struct mmscope_mm_user *users, uint32_t *nusers)
{
	int ret;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->users_ptr = (uintptr_t)users;
	info->users_cap = users && nusers ? *nusers : 0;
	ret = ioctl_err(fd, MMSCOPE_IOC_MM_INFO, info);
	if (!ret && nusers)
		*nusers = info->users_count;
	return ret;
}

/*
 * The shape of the batched queries (VMAS, PAGES): call @fill with room for
 * some records and a cursor until it says it is done, growing one array.
 */
typedef int (*batch_fill_t)(int fd, void *room, size_t records, uint64_t *cursor,
			    uint64_t end, size_t *filled, int *done);

static int collect_all(int fd, size_t elem, uint64_t start, uint64_t end,
		       batch_fill_t fill, void **out, size_t *count)
{
	size_t n = 0, cap = 0, filled;
	char *all = NULL, *grown;
	int done = 0, ret;

	while (!done) {
		if (cap - n < 64) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(all, cap * elem);
			if (!grown) {
				free(all);
				return -ENOMEM;
			}
			all = grown;
		}
		ret = fill(fd, all + n * elem, cap - n, &start, end, &filled, &done);
		if (ret) {
			free(all);
			return ret;
		}
		n += filled;
	}
	*out = all;
	*count = n;
	return 0;
}

static int vmas_fill(int fd, void *room, size_t records, uint64_t *cursor,
		     uint64_t end, size_t *filled, int *done)
{
	struct mmscope_vmas req = {
		.size = sizeof(req), .start = *cursor, .vmas_ptr = (uintptr_t)room,
		.vma_size = sizeof(struct mmscope_vma), .count = records,
	};
	int ret = ioctl_err(fd, MMSCOPE_IOC_VMAS, &req);

	(void)end;
	*filled = req.count;
	*cursor = req.next;
	*done = req.out_flags & MMSCOPE_VMAS_DONE;
	return ret;
}

int mms_vmas_all(int fd, struct mmscope_vma **vmas, size_t *count)
{
	return collect_all(fd, sizeof(**vmas), 0, 0, vmas_fill, (void **)vmas, count);
}

/*
 * MMSCOPE_VMAS_BRIEF: records of 136 bytes, and the paths in one string
 * table that grows as the records do. Each call's offsets count from the
 * room it was given, so they are moved to count from the table's start.
 */
int mms_vmas_brief_all(int fd, struct mms_vmas *out)
{
	size_t rcap = 0, scap = 0, used = 0, i;
	struct mmscope_vmas req;
	uint64_t start = 0;
	void *grown;
	int ret;

	memset(out, 0, sizeof(*out));
	do {
		if (rcap - out->count < 256) {
			rcap = rcap ? rcap * 2 : 1024;
			grown = realloc(out->recs, rcap * sizeof(*out->recs));
			if (!grown)
				goto out_nomem;
			out->recs = grown;
		}
		if (scap - used < 4 * MMSCOPE_PATH_MAX) {
			scap = scap ? scap * 2 : 16 * MMSCOPE_PATH_MAX;
			grown = realloc(out->strings, scap);
			if (!grown)
				goto out_nomem;
			out->strings = grown;
		}
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.flags = MMSCOPE_VMAS_BRIEF;
		req.start = start;
		req.vmas_ptr = (uintptr_t)(out->recs + out->count);
		req.vma_size = sizeof(*out->recs);
		req.count = rcap - out->count;
		req.strings_ptr = (uintptr_t)(out->strings + used);
		req.strings_size = scap - used > UINT32_MAX ? UINT32_MAX : scap - used;
		ret = ioctl_err(fd, MMSCOPE_IOC_VMAS, &req);
		if (ret) {
			mms_vmas_free(out);
			return ret;
		}
		if (used + req.strings_used > UINT32_MAX) {
			mms_vmas_free(out);
			return -EOVERFLOW;
		}
		for (i = out->count; i < out->count + req.count; i++)
			out->recs[i].path_offset += used;
		out->count += req.count;
		used += req.strings_used;
		start = req.next;
	} while (!(req.out_flags & MMSCOPE_VMAS_DONE));
	return 0;

out_nomem:
	mms_vmas_free(out);
	return -ENOMEM;
}

void mms_vmas_free(struct mms_vmas *v)
{
	free(v->recs);
	free(v->strings);
	memset(v, 0, sizeof(*v));
}

void mms_vma_brief_of(const struct mmscope_vma *v, struct mmscope_vma_brief *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b, v, offsetof(struct mmscope_vma, path));
	b->path_len = strnlen((const char *)v->path, sizeof(v->path));
}

int mms_vmas_batch(int fd, uint64_t *cursor, struct mmscope_vma *room, size_t records,
		   size_t *filled, int *done)
{
	return vmas_fill(fd, room, records, cursor, 0, filled, done);
}

/* One MMSCOPE_IOC_PAGES of a batch: where the next one resumes, and whether it is needed. */
static int pages_ioctl(int fd, struct mmscope_pages *req, uint64_t *cursor, size_t *filled,
		       int *done)
{
	int ret = ioctl_err(fd, MMSCOPE_IOC_PAGES, req);

	*filled = req->count;
	*cursor = req->next;
	*done = req->out_flags & MMSCOPE_PAGES_DONE;
	return ret;
}

static int pages_fill(int fd, void *room, size_t records, uint64_t *cursor,
		      uint64_t end, size_t *filled, int *done)
{
	struct mmscope_pages req = {
		.size = sizeof(req), .start = *cursor, .end = end,
		.records_ptr = (uintptr_t)room, .record_size = sizeof(struct mmscope_page),
		.count = records,
	};

	return pages_ioctl(fd, &req, cursor, filled, done);
}

int mms_pages_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page **recs, size_t *count)
{
	return collect_all(fd, sizeof(**recs), start, end, pages_fill, (void **)recs, count);
}

static int pages_pte_fill(int fd, void *room, size_t records, uint64_t *cursor,
			  uint64_t end, size_t *filled, int *done)
{
	struct mmscope_pages req = {
		.size = sizeof(req), .flags = MMSCOPE_PAGES_PTE_ONLY, .start = *cursor,
		.end = end, .records_ptr = (uintptr_t)room,
		.record_size = sizeof(struct mmscope_page_pte), .count = records,
	};

	return pages_ioctl(fd, &req, cursor, filled, done);
}

int mms_pages_pte_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page_pte **recs, size_t *count)
{
	return collect_all(fd, sizeof(**recs), start, end, pages_pte_fill, (void **)recs,
			   count);
}

int mms_pages_summary(int fd, uint64_t start, uint64_t end, struct mmscope_pages *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->size = sizeof(*sum);
	sum->flags = MMSCOPE_PAGES_SUMMARY;
	sum->start = start;
	sum->end = end;
	return ioctl_err(fd, MMSCOPE_IOC_PAGES, sum);
}

int mms_lookup(int fd, uint64_t addr, struct mmscope_lookup *res,
		   struct mmscope_vma *vma)
{
	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	res->addr = addr;
	res->vma_ptr = (uintptr_t)vma;
	res->vma_size = vma ? sizeof(*vma) : 0;
	return ioctl_err(fd, MMSCOPE_IOC_LOOKUP, res);
}

int mms_vm_flag_names(int fd, struct mmscope_vm_flag_names *names)
{
	memset(names, 0, sizeof(*names));
	names->size = sizeof(*names);
	return ioctl_err(fd, MMSCOPE_IOC_VM_FLAG_NAMES, names);
}

int mms_walk(int fd, uint64_t addr, struct mmscope_walk *walk)
{
	memset(walk, 0, sizeof(*walk));
	walk->size = sizeof(*walk);
	walk->addr = addr;
	return ioctl_err(fd, MMSCOPE_IOC_WALK, walk);
}

int mms_faultlab_setup(int fd, uint32_t mode, uint64_t length,
			   uint32_t flags, uint64_t *lab_id)
{
	struct mmscope_faultlab_setup req = {
		.size = sizeof(req), .flags = flags, .mode = mode, .length = length,
	};
	int ret = ioctl_err(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &req);

	if (!ret && lab_id)
		*lab_id = req.lab_id;
	return ret;
}

int mms_faultlab_open(uint32_t mode, uint64_t length, uint32_t flags,
			  uint64_t *lab_id)
{
	int fd = mms_open_rw(NULL);
	int ret;

	if (fd < 0)
		return fd;
	ret = mms_faultlab_setup(fd, mode, length, flags, lab_id);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int mms_faultlab_stats(int fd, struct mmscope_faultlab_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	return ioctl_err(fd, MMSCOPE_IOC_FAULTLAB_STATS, stats);
}

int mms_faultlab_log(int fd, uint32_t flags, uint64_t since,
			 struct mmscope_faultlab_event *events, uint32_t *count,
			 uint64_t *last, uint64_t *lost)
{
	struct mmscope_faultlab_log req = {
		.size = sizeof(req), .flags = flags, .since_seq = since,
		.events_ptr = (uintptr_t)events, .event_size = sizeof(*events),
		.count = *count,
	};
	int ret = ioctl_err(fd, MMSCOPE_IOC_FAULTLAB_LOG, &req);

	if (ret)
		return ret;
	*count = req.count;
	if (last)
		*last = req.last_seq;
	if (lost)
		*lost = req.lost;
	return 0;
}

static int smaps_fill(int fd, void *room, size_t records, uint64_t *cursor,
		      uint64_t end, size_t *filled, int *done)
{
	struct mmscope_smaps req = {
		.size = sizeof(req), .start = *cursor, .records_ptr = (uintptr_t)room,
		.record_size = sizeof(struct mmscope_smaps_vma), .count = records,
	};
	int ret = ioctl_err(fd, MMSCOPE_IOC_SMAPS, &req);

	(void)end;
	*filled = req.count;
	*cursor = req.next;
	*done = req.out_flags & MMSCOPE_SMAPS_DONE;
	return ret;
}

int mms_smaps_all(int fd, struct mmscope_smaps_vma **recs, size_t *count)
{
	return collect_all(fd, sizeof(**recs), 0, 0, smaps_fill, (void **)recs, count);
}

/* Add a record into a rollup, as the kernel sums its VMAs. */
void mms_smaps_add(struct mmscope_smaps_vma *sum, const struct mmscope_smaps_vma *r)
{
	size_t off;

	if (!sum->end)
		sum->start = r->start;
	sum->end = r->end;
	/* Every field from rss to pss_locked is a __u64 sum. */
	for (off = offsetof(struct mmscope_smaps_vma, rss);
	     off < offsetof(struct mmscope_smaps_vma, flags); off += sizeof(uint64_t))
		*(uint64_t *)((char *)sum + off) += *(const uint64_t *)((const char *)r + off);
	sum->flags |= r->flags;
}

int mms_smaps_rollup(int fd, struct mmscope_smaps_vma *sum)
{
	struct mmscope_smaps_vma rec;
	struct mmscope_smaps req = {
		.size = sizeof(req), .flags = MMSCOPE_SMAPS_ROLLUP,
		.records_ptr = (uintptr_t)&rec, .record_size = sizeof(rec), .count = 1,
	};
	int ret;

	/* One call sums it all (only a fatal signal ends one early). */
	memset(sum, 0, sizeof(*sum));
	ret = ioctl_err(fd, MMSCOPE_IOC_SMAPS, &req);
	if (ret)
		return ret;
	if (req.count)
		*sum = rec;
	return req.out_flags & MMSCOPE_SMAPS_DONE ? 0 : -EIO;
}

int mms_vmatree(int fd, struct mmscope_vmatree *req,
		struct mmscope_vmatree_node *recs, uint32_t *count)
{
	int ret;

	req->size = sizeof(*req);
	req->records_ptr = (uintptr_t)recs;
	req->record_size = sizeof(*recs);
	req->count = *count;
	ret = ioctl_err(fd, MMSCOPE_IOC_VMATREE, req);
	*count = ret ? 0 : req->count;
	return ret;
}

/* Walks started again when the tree changed under one, before -EAGAIN. */
#define VMATREE_TRIES 8

int mms_vmatree_all(int fd, struct mmscope_vmatree *req,
		    struct mmscope_vmatree_node **recs, size_t *count)
{
	struct mmscope_vmatree_node *all = NULL, *grown;
	size_t n = 0, cap = 0;
	int tries = 0, ret;
	uint32_t got;

	memset(req, 0, sizeof(*req));
	for (;;) {
		if (cap - n < MMSCOPE_VMATREE_BATCH) {
			cap = cap ? 2 * cap : 4 * MMSCOPE_VMATREE_BATCH;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			all = grown;
		}
		got = MMSCOPE_VMATREE_BATCH;
		ret = mms_vmatree(fd, req, all + n, &got);
		if (ret)
			break;
		n += got;
		if (req->out_flags & MMSCOPE_VMATREE_CHANGED) {
			if (++tries == VMATREE_TRIES) {
				ret = -EAGAIN;
				break;
			}
			memset(req, 0, sizeof(*req));
			n = 0;
			continue;
		}
		if (req->out_flags & MMSCOPE_VMATREE_DONE)
			break;
	}
	if (ret) {
		free(all);
		return ret;
	}
	*recs = all;
	*count = n;
	return 0;
}

int mms_tlb(int fd, uint32_t flags, struct mmscope_tlb *tlb,
	    struct mmscope_tlb_cpu *cpus, uint32_t *ncpus)
{
	int ret;

	memset(tlb, 0, sizeof(*tlb));
	tlb->size = sizeof(*tlb);
	tlb->flags = flags;
	if (cpus && ncpus && *ncpus) {
		tlb->cpus_ptr = (uintptr_t)cpus;
		tlb->cpu_size = sizeof(*cpus);
		tlb->cpus_cap = *ncpus;
	}
	ret = ioctl_err(fd, MMSCOPE_IOC_TLB, tlb);
	if (ncpus)
		*ncpus = ret ? 0 : tlb->cpus_count;
	return ret;
}

int mms_pgd(int fd, uint32_t first, uint64_t *entries, uint32_t *count,
	    struct mmscope_pgd *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->first = first;
	if (entries && count && *count) {
		out->entries_ptr = (uintptr_t)entries;
		out->cap = *count;
	}
	ret = ioctl_err(fd, MMSCOPE_IOC_PGD, out);
	if (count)
		*count = ret ? 0 : out->count;
	return ret;
}
