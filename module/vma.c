// SPDX-License-Identifier: GPL-2.0
/*
 * Describing VMAs: the /proc/PID/maps line, the decoded vm_flags, the
 * vm_ops symbol and a kind, for the maps export and for lookup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

#define MMSCOPE_VM_FLAG(f) { f, #f }

/*
 * Every vm_flags bit the kernel we are built for defines. Flags that a
 * configuration compiles out are VM_NONE and are skipped at run time.
 */
static const struct mmscope_name mmscope_vm_flag_list[] = {
	MMSCOPE_VM_FLAG(VM_READ),
	MMSCOPE_VM_FLAG(VM_WRITE),
	MMSCOPE_VM_FLAG(VM_EXEC),
	MMSCOPE_VM_FLAG(VM_SHARED),
	MMSCOPE_VM_FLAG(VM_MAYREAD),
	MMSCOPE_VM_FLAG(VM_MAYWRITE),
	MMSCOPE_VM_FLAG(VM_MAYEXEC),
	MMSCOPE_VM_FLAG(VM_MAYSHARE),
	MMSCOPE_VM_FLAG(VM_GROWSDOWN),
	MMSCOPE_VM_FLAG(VM_UFFD_MISSING),
	MMSCOPE_VM_FLAG(VM_PFNMAP),
	MMSCOPE_VM_FLAG(VM_UFFD_WP),
	MMSCOPE_VM_FLAG(VM_LOCKED),
	MMSCOPE_VM_FLAG(VM_IO),
	MMSCOPE_VM_FLAG(VM_SEQ_READ),
	MMSCOPE_VM_FLAG(VM_RAND_READ),
	MMSCOPE_VM_FLAG(VM_DONTCOPY),
	MMSCOPE_VM_FLAG(VM_DONTEXPAND),
	MMSCOPE_VM_FLAG(VM_LOCKONFAULT),
	MMSCOPE_VM_FLAG(VM_ACCOUNT),
	MMSCOPE_VM_FLAG(VM_NORESERVE),
	MMSCOPE_VM_FLAG(VM_HUGETLB),
	MMSCOPE_VM_FLAG(VM_SYNC),
#ifdef VM_PAT
	MMSCOPE_VM_FLAG(VM_PAT),
#endif
	MMSCOPE_VM_FLAG(VM_ARCH_1),
	MMSCOPE_VM_FLAG(VM_WIPEONFORK),
	MMSCOPE_VM_FLAG(VM_DONTDUMP),
	MMSCOPE_VM_FLAG(VM_SOFTDIRTY),
	MMSCOPE_VM_FLAG(VM_MIXEDMAP),
	MMSCOPE_VM_FLAG(VM_HUGEPAGE),
	MMSCOPE_VM_FLAG(VM_NOHUGEPAGE),
	MMSCOPE_VM_FLAG(VM_MERGEABLE),
#ifdef VM_PKEY_BIT0
	MMSCOPE_VM_FLAG(VM_PKEY_BIT0),
	MMSCOPE_VM_FLAG(VM_PKEY_BIT1),
	MMSCOPE_VM_FLAG(VM_PKEY_BIT2),
	MMSCOPE_VM_FLAG(VM_PKEY_BIT3),
	MMSCOPE_VM_FLAG(VM_PKEY_BIT4),
#endif
#ifdef VM_SHADOW_STACK
	MMSCOPE_VM_FLAG(VM_SHADOW_STACK),
#endif
#ifdef VM_UFFD_MINOR
	MMSCOPE_VM_FLAG(VM_UFFD_MINOR),
#endif
#ifdef VM_DROPPABLE
	MMSCOPE_VM_FLAG(VM_DROPPABLE),
#endif
#ifdef VM_SEALED
	MMSCOPE_VM_FLAG(VM_SEALED),
#endif
	MMSCOPE_VM_FLAG(VM_GROWSUP),
};

static const struct mmscope_name_table mmscope_vm_flag_names_table = {
	mmscope_vm_flag_list, ARRAY_SIZE(mmscope_vm_flag_list),
};

/* The first table entry for a bit names it (VM_PAT before VM_ARCH_1). */
static const char *mmscope_vm_flag_name(unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mmscope_vm_flag_list); i++)
		if (mmscope_vm_flag_list[i].value == BIT(bit))
			return mmscope_vm_flag_list[i].name;
	return NULL;
}

void mmscope_vm_flag_names(struct mmscope_vm_flag_names *out)
{
	unsigned int bit;
	const char *name;

	BUILD_BUG_ON(ARRAY_SIZE(out->names) < BITS_PER_LONG);
	for (bit = 0; bit < BITS_PER_LONG; bit++) {
		name = mmscope_vm_flag_name(bit);
		if (!name)
			continue;
		out->known |= BIT_ULL(bit);
		strscpy((char *)out->names[bit], name, sizeof(out->names[bit]));
	}
}

/*
 * The last column of /proc/PID/maps, decided exactly as get_vma_name() in
 * fs/proc/task_mmu.c decides it. arch_vma_name() is left out: it is NULL on
 * x86, and not exported.
 */
static void mmscope_vma_name(struct vm_area_struct *vma,
			     struct mmscope_vma *out)
{
	const char *anon_name = mmscope_anon_vma_name(vma);
	char *buf = (char *)out->path;
	const char *name = NULL;
	char *path;

	if (vma->vm_file) {
		if (anon_name) {
			snprintf(buf, MMSCOPE_PATH_MAX, "[anon_shmem:%s]", anon_name);
			return;
		}
		path = d_path(mmscope_file_user_path(vma->vm_file), buf,
			      MMSCOPE_PATH_MAX);
		if (IS_ERR(path)) {
			buf[0] = '\0';
			out->flags |= MMSCOPE_VMA_PATH_LONG;
			return;
		}
		memmove(buf, path, strlen(path) + 1);
		return;
	}

	if (vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	if (!name && mmscope_vma_is_initial_heap(vma))
		name = "[heap]";
	if (!name && mmscope_vma_is_initial_stack(vma))
		name = "[stack]";
	if (!name && anon_name) {
		snprintf(buf, MMSCOPE_PATH_MAX, "[anon:%s]", anon_name);
		return;
	}
	if (name)
		strscpy(buf, name, MMSCOPE_PATH_MAX);
}

/* An anonymous private VMA right after a file's private writable one. */
static bool mmscope_vma_follows_data(struct vm_area_struct *vma)
{
	struct vm_area_struct *prev;

	if (!vma->vm_start || (vma->vm_flags & VM_MAYSHARE))
		return false;
	prev = find_vma(vma->vm_mm, vma->vm_start - 1);
	return prev && prev->vm_end == vma->vm_start && prev->vm_file &&
	       (prev->vm_flags & (VM_WRITE | VM_MAYSHARE)) == VM_WRITE;
}

/* The rules are documented in README.md, "VMA kinds"; keep both in step. */
static u32 mmscope_vma_kind(struct vm_area_struct *vma, const char *name)
{
	unsigned long flags = vma->vm_flags;
	struct inode *inode;
	unsigned long magic;

	if (!vma->vm_file) {
		if (!strcmp(name, "[vdso]"))
			return MMSCOPE_KIND_VDSO;
		if (!strncmp(name, "[vvar", 5))
			return MMSCOPE_KIND_VVAR;
	}
	if (flags & VM_PFNMAP)
		return MMSCOPE_KIND_PFNMAP;
	if (flags & VM_IO)
		return MMSCOPE_KIND_IO;
	if (!vma->vm_file) {
		if (!strcmp(name, "[heap]"))
			return MMSCOPE_KIND_HEAP;
		if (!strcmp(name, "[stack]"))
			return MMSCOPE_KIND_STACK;
		if (mmscope_vma_follows_data(vma))
			return MMSCOPE_KIND_BSS;
		return MMSCOPE_KIND_ANON;
	}
	inode = file_inode(vma->vm_file);
	if (S_ISCHR(inode->i_mode) || S_ISBLK(inode->i_mode))
		return MMSCOPE_KIND_DEVICE;
	magic = inode->i_sb->s_magic;
	if ((flags & VM_MAYSHARE) &&
	    (magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC))
		return MMSCOPE_KIND_SHM;
	if (flags & VM_EXEC)
		return MMSCOPE_KIND_TEXT;
	if ((flags & (VM_WRITE | VM_MAYSHARE)) == VM_WRITE)
		return MMSCOPE_KIND_DATA;
	return MMSCOPE_KIND_FILE;
}

/**
 * mmscope_vma_fill - describe @vma
 * @vma: the VMA
 * @out: the record to fill; all of it is written
 *
 * Locking: the mmap lock of @vma->vm_mm must be held.
 */
void mmscope_vma_fill(struct vm_area_struct *vma, struct mmscope_vma *out)
{
	unsigned long flags = vma->vm_flags;
	struct inode *inode;
	char *sym;

	mmap_assert_locked(vma->vm_mm);
	memset(out, 0, sizeof(*out));
	out->start = vma->vm_start;
	out->end = vma->vm_end;
	out->vm_flags = flags;
	out->perms[0] = flags & VM_READ ? 'r' : '-';
	out->perms[1] = flags & VM_WRITE ? 'w' : '-';
	out->perms[2] = flags & VM_EXEC ? 'x' : '-';
	out->perms[3] = flags & VM_MAYSHARE ? 's' : 'p';

	if (vma->vm_file) {
		inode = file_inode(vma->vm_file);
		out->flags |= MMSCOPE_VMA_FILE;
		out->dev_major = MAJOR(inode->i_sb->s_dev);
		out->dev_minor = MINOR(inode->i_sb->s_dev);
		out->inode = inode->i_ino;
		out->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	}
	if (vma->anon_vma)
		out->flags |= MMSCOPE_VMA_ANON_VMA;

	if (vma->vm_ops) {
		sym = (char *)out->vm_ops;
		snprintf(sym, MMSCOPE_SYM_LEN, "%ps", vma->vm_ops);
		/* No symbol: say so rather than print a kernel address. */
		if (!strncmp(sym, "0x", 2))
			strscpy(sym, "?", MMSCOPE_SYM_LEN);
	}

	mmscope_vma_name(vma, out);
	out->kind = mmscope_vma_kind(vma, (const char *)out->path);
}

/*
 * One maps line: exactly what /proc/PID/maps prints (same padding, same
 * escaping of '\n' in paths), then " | " and what mmscope adds.
 */
void mmscope_seq_vma(struct seq_file *m, const struct mmscope_vma *v)
{
	seq_setwidth(m, 25 + sizeof(void *) * 6 - 1);
	seq_printf(m, "%08llx-%08llx %s %08llx %02x:%02x %llu ",
		   v->start, v->end, v->perms, v->offset,
		   v->dev_major, v->dev_minor, v->inode);
	if (v->path[0]) {
		seq_pad(m, ' ');
		seq_escape(m, (const char *)v->path, "\n");
	}
	seq_printf(m, " | vm_flags=%#llx flags=", v->vm_flags);
	/* VM_NONE entries match no bit; VM_PAT names its bit before VM_ARCH_1. */
	mmscope_seq_bits(m, v->vm_flags, &mmscope_vm_flag_names_table);
	seq_printf(m, " anon_vma=%s vm_ops=%s kind=%s\n",
		   v->flags & MMSCOPE_VMA_ANON_VMA ? "yes" : "no",
		   v->vm_ops[0] ? (const char *)v->vm_ops : "none",
		   mmscope_name(&mmscope_kind_names, v->kind));
}

/* Records filled per hold of the mmap lock; user copies happen unlocked. */
#define MMSCOPE_VMA_BATCH 8

/**
 * mmscope_vmas_copy - MMSCOPE_IOC_VMAS
 * @mm: the target's mm, or NULL for a kernel thread (no VMAs)
 * @req: the validated request; @req->count, @next and @out_flags are set
 *
 * Fills a small kernel batch under the mmap read lock, drops the lock, and
 * copies the batch out: a fault on the user buffer must never happen while
 * we hold the target's mmap lock, which may be our own mm's. Kernel memory
 * is one batch whatever the size of the request.
 *
 * Return: 0, -EINTR on a fatal signal, -ENOMEM, or -EFAULT.
 */
int mmscope_vmas_copy(struct mm_struct *mm, struct mmscope_vmas *req)
{
	void __user *dst = u64_to_user_ptr(req->vmas_ptr);
	struct vm_area_struct *vma = NULL;
	unsigned long addr = req->start;
	struct mmscope_vma *batch;
	u32 done = 0, n, i;
	int ret = 0;

	req->out_flags = 0;
	if (!mm) {
		req->count = 0;
		req->next = req->start;
		req->out_flags = MMSCOPE_VMAS_DONE;
		return 0;
	}

	batch = kvmalloc_array(MMSCOPE_VMA_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	while (done < req->count) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			break;
		}
		for (n = 0; n < min_t(u32, MMSCOPE_VMA_BATCH, req->count - done); n++) {
			vma = find_vma(mm, addr);
			if (!vma)
				break;
			mmscope_vma_fill(vma, &batch[n]);
			addr = vma->vm_end;
		}
		mmap_read_unlock(mm);

		for (i = 0; i < n; i++) {
			ret = mmscope_copy_record(dst + (size_t)(done + i) * req->vma_size,
						  req->vma_size, &batch[i], sizeof(batch[i]));
			if (ret)
				goto out_free_batch;
		}
		done += n;
		if (!vma) {
			req->out_flags |= MMSCOPE_VMAS_DONE;
			break;
		}
		cond_resched();
	}

out_free_batch:
	kvfree(batch);
	req->count = done;
	req->next = addr;
	return ret;
}

/**
 * mmscope_lookup - find_vma() for MMSCOPE_IOC_LOOKUP and debugfs lookup
 * @mm: the target's mm, or NULL (a kernel thread: nothing is found)
 * @addr: a user address, already checked against the task size
 * @vma: filled when a VMA is found, unless NULL
 * @out_flags: MMSCOPE_LOOKUP_*
 * @gap: bytes from @addr to the VMA when it lies above @addr, else 0
 *
 * Return: 0 or -EINTR.
 */
int mmscope_lookup(struct mm_struct *mm, u64 addr, struct mmscope_vma *vma,
		   u32 *out_flags, u64 *gap)
{
	struct vm_area_struct *found;

	*out_flags = 0;
	*gap = 0;
	if (!mm)
		return 0;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	found = find_vma(mm, addr);
	if (found) {
		*out_flags |= MMSCOPE_LOOKUP_FOUND;
		if (found->vm_start <= addr)
			*out_flags |= MMSCOPE_LOOKUP_CONTAINS;
		else
			*gap = found->vm_start - addr;
		if (vma)
			mmscope_vma_fill(found, vma);
	}
	mmap_read_unlock(mm);
	return 0;
}
