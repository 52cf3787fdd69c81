// SPDX-License-Identifier: GPL-2.0
/*
 * Every bad input to /dev/mmscope gets its errno: sizes, reserved fields,
 * flags, pointers, commands, and callers without CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "libmmscope.h"
#include "util.h"

/* An address with nothing mapped: a page we map, then unmap. */
static void *unmapped(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(p, 4096);
	return p;
}

static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

FIXTURE(abi) {
	int fd;
};

FIXTURE_SETUP(abi)
{
	self->fd = open_target(getpid());
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->fd);
}

TEST_F(abi, unknown_commands)
{
	struct mmscope_set_target t = { .size = sizeof(t), .pid = 1 };

	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IO(MMSCOPE_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOW(MMSCOPE_IOC_MAGIC, 0x00, struct mmscope_set_target), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOW('x', 0x01, struct mmscope_set_target), &t));
	/* The right number with the wrong direction is another command. */
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(MMSCOPE_IOC_MAGIC, 0x01, struct mmscope_set_target), &t));
	/* TLB's range: its number with the wrong direction, and its neighbours. */
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(MMSCOPE_IOC_MAGIC, 0x30, struct mmscope_tlb), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOW(MMSCOPE_IOC_MAGIC, 0x30, struct mmscope_tlb), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x3f, struct mmscope_tlb), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x2f, struct mmscope_tlb), &t));
	/* PGD's number with the wrong direction, and the number after it. */
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(MMSCOPE_IOC_MAGIC, 0x14, struct mmscope_pgd), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOW(MMSCOPE_IOC_MAGIC, 0x14, struct mmscope_pgd), &t));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(MMSCOPE_IOC_MAGIC, 0x15, struct mmscope_pgd), &t));
}

TEST_F(abi, wrong_sizes)
{
	struct { struct mmscope_set_target t; __u64 extra; } big = {
		.t = { .size = sizeof(big), .pid = 1 },
	};
	struct mmscope_set_target t = { .pid = getpid() };

	t.size = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &t));
	t.size = sizeof(t) - 4;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &t));
	t.size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &t));
	/* A newer, larger struct: fine while its extra fields are zero. */
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &big));
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &big));
}

TEST_F(abi, reserved_and_flags_must_be_zero)
{
	struct mmscope_set_target t = { .size = sizeof(t), .pid = getpid() };
	struct mmscope_mm_info m = { .size = sizeof(m) };
	struct mmscope_vmas v = { .size = sizeof(v), .count = 1,
				  .vma_size = sizeof(struct mmscope_vma) };
	struct mmscope_lookup l = { .size = sizeof(l) };
	struct mmscope_vm_flag_names *n = calloc(1, sizeof(*n));
	struct mmscope_vma rec;

	v.vmas_ptr = (uintptr_t)&rec;
	t.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &t));
	t.flags = 0;
	t.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, &t));
	m.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_MM_INFO, &m));
	m.flags = 0;
	m.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_MM_INFO, &m));
	v.flags = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.flags = 0;
	v.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.reserved = 0;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	l.flags = 4;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_LOOKUP, &l));
	n->size = sizeof(*n);
	n->flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VM_FLAG_NAMES, n));
	free(n);
}

TEST_F(abi, bad_request_pointers)
{
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_SET_TARGET, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_MM_INFO, unmapped()));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMAS, unmapped()));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_LOOKUP, (void *)1));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VM_FLAG_NAMES, NULL));
}

TEST_F(abi, bad_buffer_pointers)
{
	struct mmscope_vmas v = { .size = sizeof(v), .count = 4,
				  .vma_size = sizeof(struct mmscope_vma) };
	struct mmscope_mm_info m = { .size = sizeof(m), .users_cap = 4 };
	struct mmscope_lookup l = { .size = sizeof(l),
				    .vma_size = sizeof(struct mmscope_vma) };

	v.vmas_ptr = 0;
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.vmas_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	m.users_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_MM_INFO, &m));
	l.addr = (uintptr_t)&l;
	l.vma_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_LOOKUP, &l));
	/* A kernel address as a buffer is refused, not written. */
	v.vmas_ptr = 0xffffffff81000000ULL;
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
}

TEST_F(abi, bad_buffer_sizes)
{
	struct mmscope_vma rec[2];
	struct mmscope_vmas v = { .size = sizeof(v), .vmas_ptr = (uintptr_t)rec };
	struct mmscope_mm_info m = { .size = sizeof(m), .users_cap = 4 };
	struct mmscope_lookup l = { .size = sizeof(l), .vma_ptr = (uintptr_t)rec };

	v.count = 0;
	v.vma_size = sizeof(rec[0]);
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.count = 1;
	v.vma_size = sizeof(rec[0]) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.vma_size = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	v.vma_size = 1 << 30;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	/* Room for users but no pointer to them. */
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_MM_INFO, &m));
	l.addr = (uintptr_t)rec;
	l.vma_size = 16;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_LOOKUP, &l));
}

/*
 * MMSCOPE_IOC_VMAS grew the paths' buffer of MMSCOPE_VMAS_BRIEF: every size
 * from the first version's on is taken, the new fields must be zero without
 * the flag, the flag needs room for one path, and unknown flags still fail.
 */
TEST_F(abi, vmas_brief_flag_and_sizes)
{
	struct { struct mmscope_vmas v; __u64 extra; } big;
	struct mmscope_vma_brief rec[2];
	struct mmscope_vmas *v = &big.v;
	static char strings[MMSCOPE_PATH_MAX];
	uint32_t size;

	memset(&big, 0, sizeof(big));
	v->flags = MMSCOPE_VMAS_BRIEF;
	v->vmas_ptr = (uintptr_t)rec;
	v->vma_size = sizeof(rec[0]);
	v->count = 2;
	v->strings_ptr = (uintptr_t)strings;
	v->strings_size = sizeof(strings);
	v->size = sizeof(*v);
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	EXPECT_EQ(2, v->count);
	EXPECT_GT(v->strings_used, 0);
	/* A newer caller's larger request: its extra bytes must be zero. */
	v->size = sizeof(big);
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	big.extra = 0;
	/* A size that cuts the strings fields off leaves them zero: EINVAL. */
	for (size = MMSCOPE_VMAS_SIZE_VER0;
	     size < offsetof(struct mmscope_vmas, strings_used); size += 4) {
		v->size = size;
		EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	}
	/* Without strings_used, an output, the request still works. */
	v->size = offsetof(struct mmscope_vmas, strings_used);
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->size = MMSCOPE_VMAS_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->size = sizeof(*v);
	v->flags = MMSCOPE_VMAS_BRIEF | 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->flags = MMSCOPE_VMAS_BRIEF;
	v->strings_size = MMSCOPE_PATH_MAX - 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->strings_size = sizeof(strings);
	v->vma_size = sizeof(rec[0]) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->vma_size = 4 * sizeof(rec[0]) + 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	/* The strings fields without the flag. */
	v->vma_size = sizeof(struct mmscope_vma);
	v->count = 1;
	v->vmas_ptr = (uintptr_t)calloc(1, sizeof(struct mmscope_vma));
	v->flags = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->strings_ptr = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	v->strings_size = 0;
	v->strings_used = 7;	/* an output: ignored */
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, v));
	EXPECT_EQ(0, v->strings_used);
	free((void *)(uintptr_t)v->vmas_ptr);
}

/* Brief records and their paths are zeroed and bounded: no stale bytes. */
/* PAGES's modes: one at a time, each with its own record, sizes checked. */
TEST_F(abi, pages_modes_flags_and_sizes)
{
	struct { struct mmscope_pages p; __u64 extra; } big = { 0 };
	struct mmscope_pages *p = &big.p;
	struct mmscope_page_pte rec[4];
	uint64_t a = (uintptr_t)&rec;
	uint32_t size;

	p->size = sizeof(*p);
	p->flags = MMSCOPE_PAGES_SUMMARY;
	p->start = a & ~4095ULL;
	p->end = p->start + 4096;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	EXPECT_EQ(1, p->sum_state[MMSCOPE_ENTRY_PRESENT]);
	/* The summary's counters must fit the caller's struct. */
	for (size = MMSCOPE_PAGES_SIZE_VER0; size < sizeof(*p); size += 8) {
		p->size = size;
		EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	}
	p->size = MMSCOPE_PAGES_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	p->size = sizeof(big);
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	big.extra = 0;
	p->size = sizeof(*p);
	p->flags = MMSCOPE_PAGES_SUMMARY | MMSCOPE_PAGES_PTE_ONLY;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	p->flags = 1U << 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	p->flags = 1U << 31;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	/* PTE_ONLY: its record's size, from the first version's struct too. */
	p->flags = MMSCOPE_PAGES_PTE_ONLY;
	p->records_ptr = (uintptr_t)rec;
	p->count = 4;
	p->record_size = sizeof(struct mmscope_page);
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	p->record_size = sizeof(rec[0]);
	p->size = MMSCOPE_PAGES_SIZE_VER0;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
	EXPECT_EQ(1, p->count);
	EXPECT_EQ(p->start, rec[0].addr);
	EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, rec[0].state);
	p->count = 4;
	p->reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PAGES, p));
}

TEST_F(abi, vmas_brief_outputs_are_clean)
{
	struct { struct mmscope_vma_brief b; char tail[64]; } big[4];
	struct mmscope_vmas v = { .size = sizeof(v), .flags = MMSCOPE_VMAS_BRIEF };
	static char strings[2 * MMSCOPE_PATH_MAX];
	unsigned int i, j;

	memset(big, 0xff, sizeof(big));
	memset(strings, 0xff, sizeof(strings));
	v.vmas_ptr = (uintptr_t)big;
	v.vma_size = sizeof(big[0]);
	v.count = 4;
	v.strings_ptr = (uintptr_t)strings;
	v.strings_size = sizeof(strings);
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMAS, &v));
	ASSERT_EQ(4, v.count);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < sizeof(big[i].tail); j++)
			ASSERT_EQ(0, big[i].tail[j]);
		EXPECT_EQ(strlen((char *)big[i].b.perms), 4);
		EXPECT_LT(big[i].b.path_offset + big[i].b.path_len, v.strings_used);
		EXPECT_EQ(big[i].b.path_len, strlen(strings + big[i].b.path_offset));
	}
	/* Nothing is written past what strings_used says. */
	for (j = v.strings_used; j < sizeof(strings); j++)
		ASSERT_EQ((char)0xff, strings[j]);
}

/*
 * MMSCOPE_SMAPS_ROLLUP: the one flag MMSCOPE_IOC_SMAPS knows; others,
 * reserved, sizes and pointers fail as without it; one record comes back,
 * its tail zeroed for a newer caller's larger record.
 */
TEST_F(abi, smaps_rollup_flag)
{
	struct { struct mmscope_smaps_vma r; __u64 tail[2]; } rec;
	struct mmscope_smaps req, good = {
		.size = sizeof(req), .flags = MMSCOPE_SMAPS_ROLLUP,
		.records_ptr = (uintptr_t)&rec, .record_size = sizeof(rec), .count = 1,
	};

	memset(&rec, 0xff, sizeof(rec));
	req = good;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	EXPECT_EQ(1, req.count);
	EXPECT_TRUE(req.out_flags & MMSCOPE_SMAPS_DONE);
	EXPECT_EQ(0, rec.tail[0] | rec.tail[1]);
	EXPECT_EQ(0, rec.r.reserved);
	EXPECT_EQ(0, rec.r.kernel_page_size | rec.r.mmu_page_size);
	EXPECT_LT(rec.r.start, rec.r.end);
	EXPECT_EQ(rec.r.end, req.next);
	EXPECT_GT(rec.r.rss, 0);
	req = good;
	req.flags = MMSCOPE_SMAPS_ROLLUP | 0x80000000;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.flags = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.record_size = sizeof(rec.r) - 4;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.record_size = 4 * sizeof(rec.r) + 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.records_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	req = good;
	req.size = offsetof(struct mmscope_smaps, reserved);
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	/* Outputs that come in set are overwritten. */
	req = good;
	req.next = 1;
	req.out_flags = ~0U;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_SMAPS, &req));
	EXPECT_EQ(MMSCOPE_SMAPS_DONE, req.out_flags);
	EXPECT_EQ(rec.r.end, req.next);
}

/* Out-structs are zeroed before they are copied out: no stale bytes. */
TEST_F(abi, outputs_are_zeroed)
{
	struct mmscope_mm_info m;
	struct mmscope_vm_flag_names *n = malloc(sizeof(*n));
	int bit, i;

	memset(&m, 0xa5, sizeof(m));
	m.size = sizeof(m);
	m.flags = 0;
	m.users_ptr = 0;
	m.users_cap = 0;
	m.reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_MM_INFO, &m));
	EXPECT_EQ(0, m.reserved);
	EXPECT_EQ(0, m.users_count);
	for (i = strlen((char *)m.comm); i < MMSCOPE_COMM_LEN; i++)
		EXPECT_EQ(0, m.comm[i]);

	memset(n, 0xa5, sizeof(*n));
	n->size = sizeof(*n);
	n->flags = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VM_FLAG_NAMES, n));
	for (bit = 0; bit < 64; bit++) {
		size_t len = strlen((char *)n->names[bit]);

		EXPECT_EQ(!!(n->known & (1ULL << bit)), len > 0);
		for (i = len; i < MMSCOPE_FLAG_NAME_LEN; i++)
			ASSERT_EQ(0, n->names[bit][i]);
	}
	free(n);
}

/* The fault-lab requests follow the same rules. */
TEST_F(abi, faultlab_requests)
{
	struct { struct mmscope_faultlab_setup s; __u64 extra; } big = {
		.s = { .size = sizeof(big), .mode = MMSCOPE_FAULTLAB_PAGE, .length = 4096,
		       .flags = MMSCOPE_FAULTLAB_NO_FAULT_AROUND },
	};
	struct { struct mmscope_faultlab_event ev; __u64 tail[3]; } rec[2];
	struct mmscope_faultlab_log log = { .size = sizeof(log), .count = 2,
					    .event_size = sizeof(rec[0]) };
	struct mmscope_faultlab_stats st;
	volatile char *p;
	int fd;

	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_SETUP, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_STATS, unmapped()));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_LOG, (void *)1));

	/* Outputs of a file without a lab: zero, whatever was there. */
	memset(&st, 0xa5, sizeof(st));
	st.size = sizeof(st);
	st.flags = 0;
	st.reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_STATS, &st));
	EXPECT_EQ(0, st.lab_id);
	EXPECT_EQ(0, st.mode);
	EXPECT_EQ(0, st.length);
	EXPECT_EQ(0, st.lab.faults_read);
	EXPECT_EQ(0, st.lab.vmas);
	EXPECT_LE(16, st.log_size);

	/* A newer, larger setup request: fine while its extra field is zero. */
	fd = open(MMSCOPE_DEVICE, O_RDWR);
	ASSERT_GE(fd, 0);
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &big));
	big.extra = 0;
	ASSERT_EQ(0, ioc(fd, MMSCOPE_IOC_FAULTLAB_SETUP, &big));
	EXPECT_NE(0, big.s.lab_id);

	/* Make an event, then read it into records larger than ours. */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[0];
	log.flags = MMSCOPE_FAULTLAB_LOG_THIS_LAB;
	log.events_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(fd, MMSCOPE_IOC_FAULTLAB_LOG, &log));
	memset(rec, 0xa5, sizeof(rec));
	log.events_ptr = (uintptr_t)rec;
	log.count = 2;
	ASSERT_EQ(0, ioc(fd, MMSCOPE_IOC_FAULTLAB_LOG, &log));
	ASSERT_EQ(1, log.count);
	EXPECT_EQ(big.s.lab_id, rec[0].ev.lab_id);
	EXPECT_EQ(0, rec[0].ev.reserved);
	EXPECT_EQ(0, rec[0].tail[0] | rec[0].tail[1] | rec[0].tail[2]);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, rec[1].ev.seq);	/* untouched */
	log.event_size = sizeof(rec[0].ev) - 8;
	EXPECT_EQ(-EINVAL, ioc(fd, MMSCOPE_IOC_FAULTLAB_LOG, &log));
	log.event_size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(fd, MMSCOPE_IOC_FAULTLAB_LOG, &log));
	log.event_size = sizeof(rec[0].ev);
	log.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(fd, MMSCOPE_IOC_FAULTLAB_LOG, &log));
	munmap((void *)p, 4096);
	close(fd);
}

/* The VMA tree request follows the same rules. */
TEST_F(abi, vmatree_requests)
{
	struct { struct mmscope_vmatree v; __u64 extra; } big;
	struct { struct mmscope_vmatree_node n; __u64 tail[2]; } rec[2];
	struct mmscope_vmatree v;

	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMATREE, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMATREE, unmapped()));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(MMSCOPE_IOC_MAGIC, 0x13, struct mmscope_vmatree), &v));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOW(MMSCOPE_IOC_MAGIC, 0x13, struct mmscope_vmatree), &v));

	/* Sizes: too small, absurd, and a newer caller's larger ones. */
	memset(&v, 0, sizeof(v));
	v.records_ptr = (uintptr_t)rec;
	v.record_size = sizeof(rec[0].n);
	v.count = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.size = MMSCOPE_VMATREE_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	/* The first version, without walk_id: it works, and walk_id is not written. */
	v.size = MMSCOPE_VMATREE_SIZE_VER0;
	v.walk_id = 0x5a5a5a5a5a5a5a5aULL;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	EXPECT_LE(1, v.count);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, v.walk_id);
	memset(&v.cursor, 0, sizeof(v.cursor));
	v.seq = 0;
	v.walk_id = 0;
	v.count = 2;
	v.size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	memset(&big, 0, sizeof(big));
	big.v = v;
	big.v.size = sizeof(big);
	big.v.record_size = sizeof(rec[0]);	/* larger records: tails zeroed */
	memset(rec, 0xff, sizeof(rec));
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMATREE, &big));
	/* A small static process may have a single leaf: one node. */
	ASSERT_LE(1, big.v.count);
	EXPECT_EQ(0, rec[0].tail[0] | rec[0].tail[1]);
	EXPECT_EQ(0, rec[0].n.id);
	EXPECT_EQ(0xffffffff, rec[0].n.parent);
	if (big.v.count == 2) {
		EXPECT_EQ(0, rec[1].tail[0] | rec[1].tail[1]);
		EXPECT_EQ(1, rec[1].n.id);
		EXPECT_EQ(0, rec[1].n.parent);
	}
	memset(&big, 0, sizeof(big));
	big.v = v;
	big.v.size = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_VMATREE, &big));

	/* Flags, reserved, records. */
	v.size = sizeof(v);
	v.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.flags = 0;
	v.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.reserved = 0;
	v.record_size = sizeof(rec[0].n) - 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.record_size = 16 * sizeof(rec[0].n);
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.record_size = sizeof(rec[0].n);
	v.records_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
	v.records_ptr = (uintptr_t)rec;
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VMATREE, &v));
}

/* The TLB request follows the same rules. */
TEST_F(abi, tlb_requests)
{
	struct { struct mmscope_tlb t; __u64 extra; } big;
	struct { struct mmscope_tlb_cpu c; __u64 tail[2]; } rec[8];
	struct mmscope_tlb_cpu small[8];
	struct mmscope_tlb t;
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int i;

	/* The request itself. */
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_TLB, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_TLB, unmapped()));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_TLB, (void *)1));

	/* Its size: too small, absurd, and a newer caller's larger one. */
	memset(&t, 0, sizeof(t));
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.size = sizeof(t) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	memset(&big, 0, sizeof(big));
	big.t.size = sizeof(big);
	EXPECT_EQ(0, ioc(self->fd, MMSCOPE_IOC_TLB, &big));
	EXPECT_NE(0, big.t.pgd_phys);
	big.t.cpus_count = 0;
	big.t.cpus_total = 0;
	big.t.out_flags = 0;
	big.t.size = sizeof(big);	/* the answer's size is ours */
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_TLB, &big));

	/* Flags: unknown bits, and start with stop. */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.flags = MMSCOPE_TLB_COUNT_START | MMSCOPE_TLB_COUNT_STOP;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	EXPECT_EQ(0, t.out_flags & MMSCOPE_TLB_COUNTING);

	/* Reserved, and the outputs that come back as counts and flags. */
	t.flags = 0;
	t.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.reserved = 0;
	t.cpus_count = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_count = 0;
	t.cpus_total = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_total = 0;
	t.out_flags = MMSCOPE_TLB_COUNTING;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));

	/* Record room without a pointer, a pointer without room, bad sizes. */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.cpus_cap = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_cap = 0;
	t.cpu_size = sizeof(small[0]);
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_ptr = (uintptr_t)small;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_cap = 8;
	t.cpu_size = sizeof(small[0]) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpu_size = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpu_size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_TLB, &t));

	/* Record buffers that cannot be written. */
	t.cpu_size = sizeof(small[0]);
	t.cpus_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	t.cpus_ptr = 0xffffffff81000000ULL;
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_TLB, &t));

	/*
	 * Records larger than ours: a zero tail, and nothing past the last
	 * record written. Every output is zeroed, whatever came in.
	 */
	memset(rec, 0xa5, sizeof(rec));
	memset(&t, 0xa5, sizeof(t));
	t.size = sizeof(t);
	t.flags = 0;
	t.reserved = 0;
	t.cpus_count = 0;
	t.cpus_total = 0;
	t.out_flags = 0;
	t.cpus_ptr = (uintptr_t)rec;
	t.cpu_size = sizeof(rec[0]);
	t.cpus_cap = 8;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_TLB, &t));
	ASSERT_GE(t.cpus_count, 1);
	ASSERT_LE(t.cpus_count, 8);
	EXPECT_LE(t.cpus_count, ncpus);
	EXPECT_EQ(0, t.reserved);
	EXPECT_EQ(0, t.out_flags & MMSCOPE_TLB_COUNTING);
	EXPECT_EQ(0, t.count_ns);
	EXPECT_EQ(0, t.tlb_gen_delta);
	for (i = 0; i < MMSCOPE_TLB_REASONS; i++)
		EXPECT_EQ(0, t.events[i] | t.pages[i] | t.full[i]);
	for (i = 0; i < t.cpus_count; i++) {
		size_t len = strnlen((char *)rec[i].c.comm, MMSCOPE_COMM_LEN), j;

		EXPECT_EQ(0, rec[i].tail[0] | rec[i].tail[1]);
		for (j = len; j < MMSCOPE_COMM_LEN; j++)
			ASSERT_EQ(0, rec[i].c.comm[j]);
	}
	if (t.cpus_count < 8)
		EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, rec[t.cpus_count].c.cr3);	/* untouched */
}

/*
 * PGD: the request's rules (size, flags, reserved, room without a pointer,
 * a first index past the PGD), unwritable entries, and the window of
 * entries it copies: from @first, cut at the PGD's end, nothing written
 * past @count, every output zeroed whatever came in.
 */
TEST_F(abi, pgd_requests)
{
	struct { struct mmscope_pgd p; __u64 extra; } big;
	uint64_t all[512], win[16];
	struct mmscope_pgd p;
	uint32_t n, i;

	/* The request itself. */
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_PGD, NULL));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_PGD, unmapped()));
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_PGD, (void *)1));

	/* Its size: too small, absurd, and a newer caller's larger one. */
	memset(&p, 0, sizeof(p));
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.size = sizeof(p) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.size = 1 << 20;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	memset(&big, 0, sizeof(big));
	big.p.size = sizeof(big);
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PGD, &big));
	EXPECT_EQ(sizeof(p), big.p.size);	/* the answer's size is ours */
	EXPECT_NE(0, big.p.pgd_phys);
	EXPECT_EQ(0, big.extra);
	big.p.size = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_PGD, &big));

	/* Flags and reserved. */
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.flags = 0x80000000;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.flags = 0;
	p.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.reserved = 0;

	/* Room without a pointer; no room and no pointer answers the rest. */
	p.cap = 4;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.cap = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	EXPECT_EQ(0, p.count);
	EXPECT_EQ(512, p.ptrs_per_pgd);
	EXPECT_EQ(256, p.user_end);
	EXPECT_LE(p.user_end, p.kernel_clone_first);
	EXPECT_GT(p.ptrs_per_pgd, p.kernel_clone_first);
	EXPECT_TRUE(p.levels == 4 || p.levels == 5);

	/* The first index: past the PGD is refused, at its end copies nothing. */
	p.entries_ptr = (uintptr_t)all;
	p.cap = 512;
	p.first = 513;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.first = 0xffffffff;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.first = 512;
	p.count = 7;	/* an output: overwritten */
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	EXPECT_EQ(0, p.count);

	/* Entries that cannot be written. */
	p.first = 0;
	p.entries_ptr = (uintptr_t)unmapped();
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	p.entries_ptr = 0xffffffff81000000ULL;
	EXPECT_EQ(-EFAULT, ioc(self->fd, MMSCOPE_IOC_PGD, &p));

	/*
	 * A window at the end: cut there, the same kernel entries as the
	 * whole table's, nothing written past it.
	 */
	n = 512;
	ASSERT_EQ(0, mms_pgd(self->fd, 0, all, &n, &p));
	ASSERT_EQ(512, n);
	memset(win, 0xa5, sizeof(win));
	n = 16;
	ASSERT_EQ(0, mms_pgd(self->fd, 500, win, &n, &p));
	ASSERT_EQ(12, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(all[500 + i], win[i]) TH_LOG("entry %u", 500 + i);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, win[12]);

	/* Every output is zeroed, whatever came in. */
	memset(&p, 0xa5, sizeof(p));
	p.size = sizeof(p);
	p.flags = 0;
	p.reserved = 0;
	p.entries_ptr = 0;
	p.cap = 0;
	p.first = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_PGD, &p));
	EXPECT_EQ(0, p.count);
	EXPECT_EQ(512, p.ptrs_per_pgd);
	EXPECT_EQ(256, p.user_end);
	EXPECT_LE(256, p.kernel_clone_first);
	EXPECT_GT(512, p.kernel_clone_first);
	EXPECT_TRUE(p.levels == 4 || p.levels == 5);
	EXPECT_EQ(0, p.pgd_phys & 4095);
	EXPECT_NE(0, p.pgd_phys);
}

static int ioctl_as_nobody(void *arg)
{
	struct mmscope_mm_info m;
	int fd = *(int *)arg;

	/* An fd opened by root, used after dropping privileges. */
	if (mms_mm_info(fd, &m, NULL, NULL) != -EPERM)
		return 1;
	if (mms_set_target(fd, 1) != -EPERM)
		return 2;
	if (mms_faultlab_stats(fd, &(struct mmscope_faultlab_stats){ 0 }) != -EPERM)
		return 4;
	if (mms_tlb(fd, 0, &(struct mmscope_tlb){ 0 }, NULL, NULL) != -EPERM)
		return 5;
	if (mms_tlb(fd, MMSCOPE_TLB_COUNT_START, &(struct mmscope_tlb){ 0 }, NULL, NULL) != -EPERM)
		return 6;
	if (mms_pgd(fd, 0, NULL, NULL, &(struct mmscope_pgd){ 0 }) != -EPERM)
		return 7;
	/* Unknown commands are still unknown. */
	if (ioc(fd, _IO(MMSCOPE_IOC_MAGIC, 0x7f), NULL) != -ENOTTY)
		return 3;
	return 0;
}

static int open_as_nobody(void *arg)
{
	if (mms_open(NULL) != -EACCES)
		return 1;
	if (open(DEBUGFS_DIR "/maps", O_RDONLY) >= 0)
		return 2;
	return 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * VERSION: its request's rules, and what it answers against the kernel's
 * own word: /sys/module/mmscope/version, the TLB request's features, and
 * the files that a kernel with each option has.
 */
TEST_F(abi, version_request)
{
	const uint32_t cpu_bits = MMSCOPE_TLB_PCID | MMSCOPE_TLB_INVPCID | MMSCOPE_TLB_PTI |
				  MMSCOPE_TLB_LA57 | MMSCOPE_TLB_INVLPGB |
				  MMSCOPE_TLB_INVLPGB_KNOWN;
	struct { struct mmscope_version v; __u64 extra; } big = { 0 };
	struct mmscope_version v = { .size = sizeof(v) };
	struct mmscope_tlb tlb = { .size = sizeof(tlb) };
	char sysfs[64] = "";
	uint64_t f;

	v.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VERSION, &v));
	v.flags = 0;
	v.size = sizeof(v) - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_VERSION, &v));
	big.v.size = sizeof(big);
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ioc(self->fd, MMSCOPE_IOC_VERSION, &big));
	big.extra = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VERSION, &big));
	EXPECT_EQ(sizeof(v), big.v.size);
	EXPECT_EQ(0, big.extra);

	memset(&v, 0xa5, sizeof(v));
	v.size = sizeof(v);
	v.flags = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_VERSION, &v));
	EXPECT_EQ(MMSCOPE_ABI_VERSION, v.abi);
	ASSERT_NE(NULL, memchr(v.version, '\0', sizeof(v.version)));
	ASSERT_LT(0, read_file("/sys/module/mmscope/version", sysfs, sizeof(sysfs)));
	sysfs[strcspn(sysfs, "\n")] = '\0';
	EXPECT_STREQ(sysfs, (const char *)v.version);
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_TLB, &tlb));
	EXPECT_EQ(tlb.out_flags & cpu_bits, v.tlb_features);
	/* Nothing but the documented bits, each as the kernel's files say. */
	f = v.kernel_features;
	EXPECT_EQ(0, f & ~((MMSCOPE_KERNEL_HUGE_PFNMAP << 1) - 1));
	EXPECT_EQ(exists("/sys/kernel/mm/transparent_hugepage"), !!(f & MMSCOPE_KERNEL_THP));
	EXPECT_EQ(exists("/sys/kernel/mm/hugepages"), !!(f & MMSCOPE_KERNEL_HUGETLB));
	EXPECT_EQ(exists("/sys/kernel/mm/ksm"), !!(f & MMSCOPE_KERNEL_KSM));
	EXPECT_EQ(exists("/proc/swaps"), !!(f & MMSCOPE_KERNEL_SWAP));
	EXPECT_EQ(exists("/sys/devices/system/node"), !!(f & MMSCOPE_KERNEL_NUMA));
	EXPECT_EQ(exists("/sys/kernel/debug/mmscope"), !!(f & MMSCOPE_KERNEL_DEBUG_FS));
	EXPECT_EQ(exists("/proc/sys/vm/unprivileged_userfaultfd"),
		  !!(f & MMSCOPE_KERNEL_USERFAULTFD));
}

/* FAULTLAB_STATS grew lab_files: its first version's callers still work. */
TEST_F(abi, faultlab_stats_first_version)
{
	struct mmscope_faultlab_stats st;

	memset(&st, 0xa5, sizeof(st));
	st.size = MMSCOPE_FAULTLAB_STATS_SIZE_VER0;
	st.flags = 0;
	st.reserved = 0;
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_STATS, &st));
	EXPECT_LE(16, st.log_size);
	/* Nothing written past the caller's struct. */
	EXPECT_EQ(0xa5a5a5a5, st.lab_files);
	st.size = MMSCOPE_FAULTLAB_STATS_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_STATS, &st));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	ASSERT_EQ(0, ioc(self->fd, MMSCOPE_IOC_FAULTLAB_STATS, &st));
	EXPECT_EQ(0, st.reserved2);
}

TEST_F(abi, needs_cap_sys_admin)
{
	struct stat st;

	ASSERT_EQ(0, stat(MMSCOPE_DEVICE, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, run_as_nobody(ioctl_as_nobody, &self->fd));
	EXPECT_EQ(0, run_as_nobody(open_as_nobody, NULL));
}

TEST_HARNESS_MAIN
