// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libmmscope.h"

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int mms_open(const char *path)
{
	int fd = open(path ? path : MMSCOPE_DEVICE, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
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

static int pages_fill(int fd, void *room, size_t records, uint64_t *cursor,
		      uint64_t end, size_t *filled, int *done)
{
	struct mmscope_pages req = {
		.size = sizeof(req), .start = *cursor, .end = end,
		.records_ptr = (uintptr_t)room, .record_size = sizeof(struct mmscope_page),
		.count = records,
	};
	int ret = ioctl_err(fd, MMSCOPE_IOC_PAGES, &req);

	*filled = req.count;
	*cursor = req.next;
	*done = req.out_flags & MMSCOPE_PAGES_DONE;
	return ret;
}

int mms_pages_all(int fd, uint64_t start, uint64_t end,
		      struct mmscope_page **recs, size_t *count)
{
	return collect_all(fd, sizeof(**recs), start, end, pages_fill, (void **)recs, count);
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

#define NAME(table, i) ((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

static const char *const level_names[] = { "pgd", "p4d", "pud", "pmd", "pte" };

const char *mms_level_name(uint32_t level)
{
	return NAME(level_names, level);
}

static const char *const state_names[MMSCOPE_ENTRY_STATE_COUNT] = {
	"none", "table", "present", "swap", "migration", "device_private",
	"device_exclusive", "hwpoison", "marker", "bad", "no_vma",
};

const char *mms_state_name(uint32_t state)
{
	return NAME(state_names, state);
}

static const char *const cow_names[MMSCOPE_COW_COUNT] = {
	"none", "writable", "reuse", "copy", "zero", "shared", "readonly",
};

const char *mms_cow_name(uint32_t cow)
{
	return NAME(cow_names, cow);
}

static const char *const pte_bits[] = {
	"present", "rw", "user", "pwt", "pcd", "accessed", "dirty", "huge",
	"global", "nx", "soft_dirty", "uffd_wp", "protnone", "special",
	"devmap", "pat", "exclusive",
};

const char *mms_pte_bit_name(unsigned int bit)
{
	return bit < sizeof(pte_bits) / sizeof(pte_bits[0]) ? pte_bits[bit] : NULL;
}

static const char *const pg_bits[] = {
	"anon", "ksm", "swapbacked", "swapcache", "lru", "active", "referenced",
	"dirty", "writeback", "locked", "unevictable", "mlocked", "hugetlb",
	"reserved", "anon_exclusive", "zero_page", "huge_zero_page", "head",
	"tail", "thp",
};

const char *mms_pg_bit_name(unsigned int bit)
{
	return bit < sizeof(pg_bits) / sizeof(pg_bits[0]) ? pg_bits[bit] : NULL;
}

static const char *const kind_names[MMSCOPE_KIND_COUNT] = {
	[MMSCOPE_KIND_ANON] = "anon",	[MMSCOPE_KIND_TEXT] = "text",
	[MMSCOPE_KIND_DATA] = "data",	[MMSCOPE_KIND_BSS] = "bss",
	[MMSCOPE_KIND_HEAP] = "heap",	[MMSCOPE_KIND_STACK] = "stack",
	[MMSCOPE_KIND_VDSO] = "vdso",	[MMSCOPE_KIND_VVAR] = "vvar",
	[MMSCOPE_KIND_FILE] = "file",	[MMSCOPE_KIND_SHM] = "shm",
	[MMSCOPE_KIND_PFNMAP] = "pfnmap", [MMSCOPE_KIND_IO] = "io",
	[MMSCOPE_KIND_DEVICE] = "device",
};

const char *mms_kind_name(uint32_t kind)
{
	return kind < MMSCOPE_KIND_COUNT ? kind_names[kind] : "?";
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
	int fd = open(MMSCOPE_DEVICE, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
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

static const char *const faultlab_modes[MMSCOPE_FAULTLAB_MODE_COUNT] = {
	[MMSCOPE_FAULTLAB_PAGE] = "page",	[MMSCOPE_FAULTLAB_PATTERN] = "pattern",
	[MMSCOPE_FAULTLAB_PFN] = "pfn",		[MMSCOPE_FAULTLAB_MIXED] = "mixed",
};

const char *mms_faultlab_mode_name(uint32_t mode)
{
	return NAME(faultlab_modes, mode);
}

static const char *const faultlab_handlers[MMSCOPE_FAULTLAB_H_COUNT] = {
	[MMSCOPE_FAULTLAB_H_FAULT] = "fault",
	[MMSCOPE_FAULTLAB_H_MAP_PAGES] = "map_pages",
	[MMSCOPE_FAULTLAB_H_PAGE_MKWRITE] = "page_mkwrite",
	[MMSCOPE_FAULTLAB_H_PFN_MKWRITE] = "pfn_mkwrite",
	[MMSCOPE_FAULTLAB_H_ACCESS] = "access",
};

const char *mms_faultlab_handler_name(uint32_t handler)
{
	return NAME(faultlab_handlers, handler);
}

static const char *const fault_flag_bits[32] = {
	"write", "mkwrite", "allow_retry", "retry_nowait", "killable", "tried",
	"user", "remote", "instruction", "interruptible", "unshare",
	"orig_pte_valid", "vma_lock", [31] = "access_write",
};

const char *mms_fault_flag_bit_name(unsigned int bit)
{
	return bit < 32 ? fault_flag_bits[bit] : NULL;
}

static const char *const vm_fault_bits[32] = {
	"oom", "sigbus", "major", "hwpoison", "sigsegv", "nopage", "locked",
	"retry", "fallback", "done_cow", "needdsync", "completed",
	[31] = "errno",
};

const char *mms_vm_fault_bit_name(unsigned int bit)
{
	return bit < 32 ? vm_fault_bits[bit] : NULL;
}
