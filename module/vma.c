// SPDX-License-Identifier: GPL-2.0
/*
 * Describing VMAs: the /proc/PID/maps line, the decoded vm_flags, the
 * vm_ops symbol and a kind, for the maps export and for lookup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/kernel.h>
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
 * fs/proc/task_mmu.c decides it, into @buf (MMSCOPE_PATH_MAX bytes).
 * arch_vma_name() is left out: it is NULL on x86, and not exported.
 * Returns its length; sets MMSCOPE_VMA_PATH_LONG in @out->flags.
 */
static size_t mmscope_vma_name(struct vm_area_struct *vma,
			       struct mmscope_vma_brief *out, char *buf)
{
	const char *anon_name = mmscope_anon_vma_name(vma);
	const char *name = NULL;
	char *path;
	size_t len;

	buf[0] = '\0';
	if (vma->vm_file) {
		if (anon_name)
			return scnprintf(buf, MMSCOPE_PATH_MAX, "[anon_shmem:%s]", anon_name);
		path = d_path(file_user_path(vma->vm_file), buf,
			      MMSCOPE_PATH_MAX);
		if (IS_ERR(path)) {
			buf[0] = '\0';
			out->flags |= MMSCOPE_VMA_PATH_LONG;
			return 0;
		}
		len = strlen(path);
		memmove(buf, path, len + 1);
		return len;
	}

	if (vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	if (!name && vma_is_initial_heap(vma))
		name = "[heap]";
	if (!name && vma_is_initial_stack(vma))
		name = "[stack]";
	if (!name && anon_name)
		return scnprintf(buf, MMSCOPE_PATH_MAX, "[anon:%s]", anon_name);
	if (!name)
		return 0;
	return strscpy(buf, name, MMSCOPE_PATH_MAX) < 0 ? MMSCOPE_PATH_MAX - 1 : strlen(buf);
}

/*
 * An anonymous private VMA right after a file's private writable one.
 * @ctx->prev is the VMA before when the caller iterated over it.
 */
static bool mmscope_vma_follows_data(struct vm_area_struct *vma,
				     const struct mmscope_vma_ctx *ctx)
{
	struct vm_area_struct *prev = ctx->prev;

	if (!vma->vm_start || (vma->vm_flags & VM_MAYSHARE))
		return false;
	if (!ctx->prev_known)
		prev = find_vma(vma->vm_mm, vma->vm_start - 1);
	return prev && prev->vm_end == vma->vm_start && prev->vm_file &&
	       (prev->vm_flags & (VM_WRITE | VM_MAYSHARE)) == VM_WRITE;
}

/* The rules are in docs/exports.md, "VMA kinds"; keep both in step. */
static u32 mmscope_vma_kind(struct vm_area_struct *vma, const char *name,
			    const struct mmscope_vma_ctx *ctx)
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
		if (mmscope_vma_follows_data(vma, ctx))
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
 * mmscope_vma_ctx_reset - forget what the last VMAs taught
 * @ctx: the context
 *
 * Call it with each new hold of the mmap lock: the cached vm_ops names are
 * trusted only while the VMAs that use them cannot go away.
 */
void mmscope_vma_ctx_reset(struct mmscope_vma_ctx *ctx)
{
	ctx->prev = NULL;
	ctx->prev_known = false;
	ctx->ops_nr = 0;
}

/*
 * The symbol of @ops into @sym. "%ps" searches kallsyms, which costs more
 * than all the rest of a VMA's record: a process has a handful of vm_ops,
 * so the last few names are kept.
 */
static void mmscope_vm_ops_name(struct mmscope_vma_ctx *ctx, const void *ops, u8 *sym)
{
	unsigned int i, slot;

	for (i = 0; i < ctx->ops_nr; i++)
		if (ctx->ops[i] == ops) {
			memcpy(sym, ctx->ops_name[i], MMSCOPE_SYM_LEN);
			return;
		}
	snprintf((char *)sym, MMSCOPE_SYM_LEN, "%ps", ops);
	/* No symbol: say so rather than print a kernel address. */
	if (!strncmp((char *)sym, "0x", 2))
		strscpy((char *)sym, "?", MMSCOPE_SYM_LEN);
	slot = ctx->ops_nr < MMSCOPE_VM_OPS_CACHE ? ctx->ops_nr++ :
	       (unsigned long)ops / sizeof(void *) % MMSCOPE_VM_OPS_CACHE;
	ctx->ops[slot] = ops;
	memcpy(ctx->ops_name[slot], sym, MMSCOPE_SYM_LEN);
}

/**
 * mmscope_vma_describe - describe @vma
 * @vma: the VMA
 * @ctx: the VMA before @vma when known, and the vm_ops names seen
 * @out: the record to fill; all of it is written, @path_offset 0
 * @path: MMSCOPE_PATH_MAX bytes for the path, NUL-terminated
 *
 * Locking: the mmap lock of @vma->vm_mm must be held.
 *
 * Return: the length of the path.
 */
size_t mmscope_vma_describe(struct vm_area_struct *vma, struct mmscope_vma_ctx *ctx,
			    struct mmscope_vma_brief *out, char *path)
{
	unsigned long flags = vma->vm_flags;
	struct inode *inode;
	size_t len;

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
	if (vma->vm_ops)
		mmscope_vm_ops_name(ctx, vma->vm_ops, out->vm_ops);

	len = mmscope_vma_name(vma, out, path);
	out->path_len = len;
	out->kind = mmscope_vma_kind(vma, path, ctx);
	return len;
}

/* The full record from a brief one and its path: their heads are alike. */
static void mmscope_vma_from_brief(struct mmscope_vma *out,
				   const struct mmscope_vma_brief *brief)
{
	BUILD_BUG_ON(offsetof(struct mmscope_vma, path) !=
		     offsetof(struct mmscope_vma_brief, path_offset));
	memcpy(out, brief, offsetof(struct mmscope_vma, path));
}

/**
 * mmscope_vma_fill - describe @vma as one full record
 * @vma: the VMA
 * @out: the record to fill; all of it is written
 *
 * Locking: the mmap lock of @vma->vm_mm must be held.
 */
void mmscope_vma_fill(struct vm_area_struct *vma, struct mmscope_vma *out)
{
	struct mmscope_vma_ctx ctx;
	struct mmscope_vma_brief brief;
	size_t len;

	mmscope_vma_ctx_reset(&ctx);
	len = mmscope_vma_describe(vma, &ctx, &brief, (char *)out->path);
	mmscope_vma_from_brief(out, &brief);
	memset(out->path + len, 0, sizeof(out->path) - len);
}

/*
 * @v in hex, at least @width digits, at @p; returns the end. What "%0*llx"
 * prints, without vsnprintf(): /proc's own seq_put_hex_ll() is not exported,
 * and a maps line has four numbers.
 */
static char *mmscope_put_hex(char *p, u64 v, unsigned int width)
{
	char digits[16];
	unsigned int n = 0;

	do {
		digits[n++] = hex_asc[v & 0xf];
		v >>= 4;
	} while (v);
	while (n < width)
		digits[n++] = '0';
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * One maps line: exactly what /proc/PID/maps prints (same padding, same
 * escaping of '\n' in paths), then " | " and what mmscope adds.
 */
void mmscope_seq_vma(struct seq_file *m, const struct mmscope_vma_brief *v,
		     const char *path)
{
	char line[80], *p = line;	/* the numbers, up to the inode */

	seq_setwidth(m, 25 + sizeof(void *) * 6 - 1);
	p = mmscope_put_hex(p, v->start, 8);
	*p++ = '-';
	p = mmscope_put_hex(p, v->end, 8);
	*p++ = ' ';
	p = memcpy(p, v->perms, 4) + 4;
	*p++ = ' ';
	p = mmscope_put_hex(p, v->offset, 8);
	*p++ = ' ';
	p = mmscope_put_hex(p, v->dev_major, 2);
	*p++ = ':';
	p = mmscope_put_hex(p, v->dev_minor, 2);
	seq_write(m, line, p - line);
	seq_put_decimal_ull(m, " ", v->inode);
	seq_putc(m, ' ');
	if (path[0]) {
		seq_pad(m, ' ');
		seq_escape(m, path, "\n");
	}
	seq_puts(m, " | vm_flags=");
	if (v->vm_flags) {
		line[0] = '0';
		line[1] = 'x';
		seq_write(m, line, mmscope_put_hex(line + 2, v->vm_flags, 1) - line);
	} else {
		seq_putc(m, '0');
	}
	seq_puts(m, " flags=");
	/* VM_NONE entries match no bit; VM_PAT names its bit before VM_ARCH_1. */
	mmscope_seq_bits(m, v->vm_flags, &mmscope_vm_flag_names_table);
	seq_puts(m, v->flags & MMSCOPE_VMA_ANON_VMA ? " anon_vma=yes vm_ops=" :
						       " anon_vma=no vm_ops=");
	seq_puts(m, v->vm_ops[0] ? (const char *)v->vm_ops : "none");
	seq_puts(m, " kind=");
	seq_puts(m, mmscope_name(&mmscope_kind_names, v->kind));
	seq_putc(m, '\n');
}

/* The same line from a full record (debugfs lookup). */
void mmscope_seq_vma_full(struct seq_file *m, const struct mmscope_vma *v)
{
	struct mmscope_vma_brief brief;

	memcpy(&brief, v, offsetof(struct mmscope_vma, path));
	mmscope_seq_vma(m, &brief, (const char *)v->path);
}

/*
 * Records filled per hold of the mmap lock, and the room for their paths:
 * a batch also ends when less than one path's worth is left. User copies
 * happen with the lock dropped, one per batch.
 */
#define MMSCOPE_VMA_BATCH	256
#define MMSCOPE_VMA_STRINGS	(8 * MMSCOPE_PATH_MAX)

/* What one MMSCOPE_IOC_VMAS call keeps in the kernel: one batch. */
struct mmscope_vmas_batch {
	struct mmscope_vma_ctx ctx;
	struct mmscope_vma_brief recs[MMSCOPE_VMA_BATCH];
	char strings[MMSCOPE_VMA_STRINGS];
	struct mmscope_vma full;	/* the old records are built here */
};

/*
 * Fill one batch under the mmap lock from *@addr: at most @max records,
 * their paths in b->strings, and no path beyond @strings_left bytes.
 * Sets *@eof when no VMA is left, *@full when a path did not fit.
 */
static int mmscope_vmas_fill(struct mm_struct *mm, struct mmscope_vmas_batch *b,
			     unsigned long *addr, u32 max, u64 strings_left,
			     u32 *used, bool *eof, bool *full)
{
	VMA_ITERATOR(vmi, mm, *addr);
	struct vm_area_struct *vma;
	u32 n = 0, off = 0;
	size_t len;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	mmscope_vma_ctx_reset(&b->ctx);
	for_each_vma(vmi, vma) {
		if (n == max || sizeof(b->strings) - off < MMSCOPE_PATH_MAX)
			break;
		len = mmscope_vma_describe(vma, &b->ctx, &b->recs[n], b->strings + off);
		if (off + len + 1 > strings_left) {
			*full = true;
			break;
		}
		b->recs[n].path_offset = off;
		off += len + 1;
		n++;
		*addr = vma->vm_end;
		b->ctx.prev = vma;
		b->ctx.prev_known = true;
	}
	*eof = !vma;
	mmap_read_unlock(mm);
	*used = off;
	return n;
}

/* Copy a batch out in the caller's format; the mmap lock is not held. */
static int mmscope_vmas_put(struct mmscope_vmas *req, struct mmscope_vmas_batch *b,
			    u32 done, u32 n, u32 used)
{
	void __user *dst = u64_to_user_ptr(req->vmas_ptr) + (size_t)done * req->vma_size;
	void __user *strings = u64_to_user_ptr(req->strings_ptr) + req->strings_used;
	struct mmscope_vma_brief *r;
	u32 i;
	int ret;

	if (!(req->flags & MMSCOPE_VMAS_BRIEF)) {
		for (i = 0; i < n; i++) {
			r = &b->recs[i];
			mmscope_vma_from_brief(&b->full, r);
			memcpy(b->full.path, b->strings + r->path_offset, r->path_len + 1);
			memset(b->full.path + r->path_len + 1, 0,
			       sizeof(b->full.path) - r->path_len - 1);
			ret = mmscope_copy_record(dst + (size_t)i * req->vma_size, req->vma_size,
						  &b->full, sizeof(b->full));
			if (ret)
				return ret;
		}
		return 0;
	}

	for (i = 0; i < n; i++)
		b->recs[i].path_offset += req->strings_used;
	if (copy_to_user(strings, b->strings, used))
		return -EFAULT;
	if (req->vma_size == sizeof(*r))	/* the usual case: one copy */
		return copy_to_user(dst, b->recs, n * sizeof(*r)) ? -EFAULT : 0;
	for (i = 0; i < n; i++) {
		ret = mmscope_copy_record(dst + (size_t)i * req->vma_size, req->vma_size,
					  &b->recs[i], sizeof(*r));
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * mmscope_vmas_copy - MMSCOPE_IOC_VMAS
 * @mm: the target's mm, or NULL for a kernel thread (no VMAs)
 * @req: the validated request; @req->count, @next, @out_flags and
 *	@strings_used are set
 *
 * Fills a batch under the mmap read lock, drops the lock, and copies the
 * batch out: a fault on the user buffer must never happen while we hold
 * the target's mmap lock, which may be our own mm's. Kernel memory is one
 * batch whatever the size of the request.
 *
 * Return: 0, -EINTR on a fatal signal, -ENOMEM, or -EFAULT.
 */
int mmscope_vmas_copy(struct mm_struct *mm, struct mmscope_vmas *req)
{
	bool brief = req->flags & MMSCOPE_VMAS_BRIEF;
	unsigned long addr = req->start;
	struct mmscope_vmas_batch *b;
	bool eof = false, full = false;
	u32 done = 0, used;
	int n, ret = 0;

	req->out_flags = 0;
	req->strings_used = 0;
	if (!mm) {
		req->count = 0;
		req->next = req->start;
		req->out_flags = MMSCOPE_VMAS_DONE;
		return 0;
	}

	b = kvmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;

	while (done < req->count) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		n = mmscope_vmas_fill(mm, b, &addr,
				      min_t(u32, MMSCOPE_VMA_BATCH, req->count - done),
				      brief ? (u64)req->strings_size - req->strings_used : U64_MAX,
				      &used, &eof, &full);
		if (n < 0) {
			ret = n;
			break;
		}
		ret = mmscope_vmas_put(req, b, done, n, used);
		if (ret)
			break;
		done += n;
		if (brief)
			req->strings_used += used;
		if (eof) {
			req->out_flags |= MMSCOPE_VMAS_DONE;
			break;
		}
		if (full)
			break;
		cond_resched();
	}

	kvfree(b);
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
