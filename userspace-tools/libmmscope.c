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

int mmscope_open(const char *path)
{
	int fd = open(path ? path : MMSCOPE_DEVICE, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int mmscope_set_target(int fd, uint32_t pid)
{
	struct mmscope_set_target req = { .size = sizeof(req), .pid = pid };

	return ioctl_err(fd, MMSCOPE_IOC_SET_TARGET, &req);
}

int mmscope_mm_info(int fd, struct mmscope_mm_info *info,
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

int mmscope_vmas_all(int fd, struct mmscope_vma **vmas, size_t *count)
{
	struct mmscope_vmas req;
	struct mmscope_vma *all = NULL, *grown;
	size_t n = 0, cap = 0;
	uint64_t start = 0;
	int ret;

	for (;;) {
		if (cap - n < 64) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown) {
				free(all);
				return -ENOMEM;
			}
			all = grown;
		}
		memset(&req, 0, sizeof(req));
		req.size = sizeof(req);
		req.start = start;
		req.vmas_ptr = (uintptr_t)(all + n);
		req.vma_size = sizeof(*all);
		req.count = cap - n;
		ret = ioctl_err(fd, MMSCOPE_IOC_VMAS, &req);
		if (ret) {
			free(all);
			return ret;
		}
		n += req.count;
		start = req.next;
		if (req.out_flags & MMSCOPE_VMAS_DONE)
			break;
	}
	*vmas = all;
	*count = n;
	return 0;
}

int mmscope_lookup(int fd, uint64_t addr, struct mmscope_lookup *res,
		   struct mmscope_vma *vma)
{
	memset(res, 0, sizeof(*res));
	res->size = sizeof(*res);
	res->addr = addr;
	res->vma_ptr = (uintptr_t)vma;
	res->vma_size = vma ? sizeof(*vma) : 0;
	return ioctl_err(fd, MMSCOPE_IOC_LOOKUP, res);
}

int mmscope_vm_flag_names(int fd, struct mmscope_vm_flag_names *names)
{
	memset(names, 0, sizeof(*names));
	names->size = sizeof(*names);
	return ioctl_err(fd, MMSCOPE_IOC_VM_FLAG_NAMES, names);
}

static const char *const kind_names[MMSCOPE_KIND_COUNT] = {
	[MMSCOPE_KIND_ANON] = "anon",	[MMSCOPE_KIND_TEXT] = "text",
	[MMSCOPE_KIND_DATA] = "data",	[MMSCOPE_KIND_BSS] = "bss",
	[MMSCOPE_KIND_HEAP] = "heap",	[MMSCOPE_KIND_STACK] = "stack",
	[MMSCOPE_KIND_VDSO] = "vdso",	[MMSCOPE_KIND_VVAR] = "vvar",
	[MMSCOPE_KIND_FILE] = "file",	[MMSCOPE_KIND_SHM] = "shm",
	[MMSCOPE_KIND_PFNMAP] = "pfnmap", [MMSCOPE_KIND_IO] = "io",
};

const char *mmscope_kind_name(uint32_t kind)
{
	return kind < MMSCOPE_KIND_COUNT ? kind_names[kind] : "?";
}
