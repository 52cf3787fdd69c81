// SPDX-License-Identifier: GPL-2.0
/*
 * Labs of a driver's side of a mapping, on mmscope's own device: the fault
 * lab's vm_operations (->fault, ->page_mkwrite, ->close) as the kernel
 * calls them, and device memory (VM_IO | VM_PFNMAP: special PTEs that
 * give the core no struct page, ->pfn_mkwrite, ->access). A new process
 * does the faults; the lab's counters say which handler ran, and
 * /proc/PID/stat, pagemap, smaps, kpageflags and /proc/PID/mem say what
 * the kernel made of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "libmmscope.h"
#include "mmscope_names.h"

#define STAT_MINFLT 10	/* /proc/PID/stat's minflt */
#define KPF_DIRTY 4
#define LAB_PAGES 2

/* A fault lab mapped here, and the subject that does its faults. */
struct device_lab {
	int fd;
	uint64_t id;
	char *map;
	struct subject s;
	struct mmscope_faultlab_counters last;
};

static int read_counters(struct lab *lab, struct device_lab *d,
			 struct mmscope_faultlab_counters *c)
{
	struct mmscope_faultlab_stats st;
	int ret = mms_faultlab_stats(d->fd, &st);

	if (ret) {
		lab_broken(lab, "FAULTLAB_STATS: %s", strerror(-ret));
		return -1;
	}
	*c = st.lab;
	return 0;
}

/* The lab's counters that moved since the last call, as changes. */
static void counters_moved(struct lab *lab, struct device_lab *d,
			   struct mmscope_faultlab_counters *delta)
{
	struct mmscope_faultlab_counters now;
	char what[64], before[32], after[32];

	memset(delta, 0, sizeof(*delta));
	if (read_counters(lab, d, &now))
		return;
#define COUNTER_MOVED(f)							\
	do {									\
		delta->f = now.f - d->last.f;					\
		if (delta->f) {							\
			snprintf(what, sizeof(what), "lab counter %s", #f);	\
			snprintf(before, sizeof(before), "%llu",		\
				 (unsigned long long)d->last.f);		\
			snprintf(after, sizeof(after), "%llu",			\
				 (unsigned long long)now.f);			\
			lab_change(lab, what, before, after);			\
		}								\
	} while (0);
	MMSCOPE_NAMES_FAULTLAB_COUNTER(COUNTER_MOVED)
#undef COUNTER_MOVED
	d->last = now;
}

/*
 * A lab of @mode, mapped MAP_SHARED here, then a subject forked with it:
 * 0, or -1 (the step is broken and says why).
 */
static int device_lab_start(struct lab *lab, struct device_lab *d, uint32_t mode,
			    uint32_t flags)
{
	d->fd = mms_faultlab_open(mode, LAB_PAGES * LAB_PAGE, flags, &d->id);
	if (d->fd < 0) {
		lab_broken(lab, "a %s fault lab on /dev/mmscope: %s", mms_faultlab_mode_name(mode),
			   strerror(-d->fd));
		return -1;
	}
	if (read_counters(lab, d, &d->last))
		return -1;
	d->map = mmap(NULL, LAB_PAGES * LAB_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		lab_broken(lab, "mmap of the fault lab: %s", strerror(errno));
		return -1;
	}
	return subject_start(lab, &d->s);
}

static void device_lab_end(struct device_lab *d)
{
	subject_end(&d->s);
	if (d->map)
		munmap(d->map, LAB_PAGES * LAB_PAGE);
	if (d->fd >= 0)
		close(d->fd);
}

/* The subject reads (or writes @value to) @addr: the minor faults it took. */
static long subject_touch(struct lab *lab, struct subject *s, uint64_t addr, bool write,
			  uint8_t value)
{
	long before = proc_stat_field(s->pid, STAT_MINFLT);

	if (subject_do(lab, s, write ? ORDER_WRITE : ORDER_READ, addr, 0, value, NULL))
		return -1;
	return proc_stat_field(s->pid, STAT_MINFLT) - before;
}

/* What pagemap says of @addr: "present", "not present" or "unreadable". */
static const char *pagemap_state(pid_t pid, uint64_t addr)
{
	uint64_t pfn;
	int ret = proc_pagemap(pid, addr, &pfn);

	return ret == 1 ? "present" : ret == 0 ? "not present" : "unreadable";
}

static const char *kpf_dirty(int64_t kpf)
{
	return kpf < 0 ? "unreadable" : kpf & (1LL << KPF_DIRTY) ? "dirty" : "clean";
}

static int vm_ops(struct lab *lab)
{
	struct mmscope_faultlab_counters delta;
	struct device_lab d = { .fd = -1 };
	struct mmscope_page page;
	uint64_t addr, pfn = 0, again;

	lab_step(lab, "This process opens a fault lab of %d pages on /dev/mmscope (page mode, no fault-around) and maps it MAP_SHARED; a new process forked from it shares the mapping",
		 LAB_PAGES);
	if (device_lab_start(lab, &d, MMSCOPE_FAULTLAB_PAGE, MMSCOPE_FAULTLAB_NO_FAULT_AROUND))
		goto out;
	addr = (uintptr_t)d.map;
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->mmap calls (mmaps)", 1, delta.mmaps);
	lab_expect_u64(lab, "mmscope: ->open calls, for the fork's copy of the VMA (opens)", 1,
		       delta.opens);
	lab_expect_u64(lab, "/proc/PID/maps: the new process's VMAs over the lab", 1,
		       proc_maps_count(d.s.pid, addr, addr + LAB_PAGES * LAB_PAGE));
	lab_expect_str(lab, "/proc/PID/pagemap: page 0 is", "not present",
		       pagemap_state(d.s.pid, addr));

	lab_step(lab, "It reads page 0: no PTE, so the kernel calls the VMA's ->fault (mmscope's lab_fault()), which returns a page of the lab's cache in vmf->page, and the core maps it");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       subject_touch(lab, &d.s, addr, false, 0));
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->fault calls for a read (faults_read)", 1, delta.faults_read);
	lab_expect_u64(lab, "mmscope: faults that returned a page (faults_page)", 1,
		       delta.faults_page);
	if (proc_pagemap(d.s.pid, addr, &pfn) != 1) {
		lab_expect(lab, false, "/proc/PID/pagemap: page 0 is present", "present",
			   "not present");
		goto out;
	}
	if (!lab_page(lab, d.s.pid, addr, &page)) {
		lab_expect_hex(lab, "mmscope: its PFN is pagemap's", pfn, page.pfn);
		lab_expect_str(lab, "mmscope: the PTE is", "read-only",
			       page.pte_flags & MMSCOPE_PTE_RW ? "writable" : "read-only");
	}

	lab_step(lab, "It writes page 0: the PTE is read-only because the VMA asks to be told of writes (it has ->page_mkwrite), so the write faults and ->page_mkwrite runs before the PTE becomes writable; the page stays the same");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       subject_touch(lab, &d.s, addr, true, 'w'));
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->page_mkwrite calls (page_mkwrites)", 1,
		       delta.page_mkwrites);
	lab_expect_u64(lab, "mmscope: ->fault calls for a write (faults_write)", 0,
		       delta.faults_write);
	lab_expect_hex(lab, "/proc/PID/pagemap: the PFN stayed", pfn,
		       proc_pagemap(d.s.pid, addr, &again) == 1 ? again : 0);
	lab_expect_str(lab, "/proc/kpageflags: the page is", "dirty",
		       kpf_dirty(proc_kpageflags(pfn)));

	lab_step(lab, "This process calls msync(MS_SYNC): the lab \"writes back\" the dirty page (folio_mkclean() write-protects it in every mapping) and counts it cleaned");
	if (msync(d.map, LAB_PAGES * LAB_PAGE, MS_SYNC)) {
		lab_broken(lab, "msync: %s", strerror(errno));
		goto out;
	}
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: pages cleaned (pages_cleaned)", 1, delta.pages_cleaned);
	lab_expect_str(lab, "/proc/kpageflags: the page is", "clean",
		       kpf_dirty(proc_kpageflags(pfn)));
	if (!lab_page(lab, d.s.pid, addr, &page))
		lab_expect_str(lab, "mmscope: the new process's PTE is", "read-only",
			       page.pte_flags & MMSCOPE_PTE_RW ? "writable" : "read-only");

	lab_step(lab, "It writes page 0 again: the write faults, and ->page_mkwrite runs again, as after any writeback");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       subject_touch(lab, &d.s, addr, true, 'W'));
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->page_mkwrite calls (page_mkwrites)", 1,
		       delta.page_mkwrites);
	lab_expect_str(lab, "/proc/kpageflags: the page is", "dirty",
		       kpf_dirty(proc_kpageflags(pfn)));

	/*
	 * munmap(), not exit: an exit runs ->close at the last mmput() of the
	 * mm, which whoever reads the process's memory at that moment (ps, a
	 * walker) may hold, and do later.
	 */
	lab_step(lab, "The new process and this one unmap the lab: munmap() calls ->close for each VMA");
	if (subject_do(lab, &d.s, ORDER_MUNMAP, addr, LAB_PAGES * LAB_PAGE, 0, NULL))
		goto out;
	munmap(d.map, LAB_PAGES * LAB_PAGE);
	d.map = NULL;
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->close calls (closes)", 2, delta.closes);
	lab_expect_u64(lab, "/proc/PID/maps: the new process's VMAs over the lab", 0,
		       proc_maps_count(d.s.pid, addr, addr + LAB_PAGES * LAB_PAGE));
	lab_expect_u64(lab, "/proc/PID/maps: this process's VMAs over the lab", 0,
		       proc_maps_count(getpid(), addr, addr + LAB_PAGES * LAB_PAGE));
out:
	device_lab_end(&d);
	return 0;
}

static int device_memory(struct lab *lab)
{
	struct mmscope_faultlab_counters delta;
	struct device_lab d = { .fd = -1 };
	struct mmscope_page page;
	struct mmscope_lookup res;
	struct mmscope_vma vma;
	char path[64], byte = 0;
	uint64_t addr;
	ssize_t n;
	int mem;

	lab_step(lab, "This process opens a fault lab of %d pages in PFN mode (memory mapped as a driver maps device memory: by frame number) and maps it MAP_SHARED: its ->mmap makes the VMA VM_IO | VM_PFNMAP; a new process forked from it shares the mapping",
		 LAB_PAGES);
	if (device_lab_start(lab, &d, MMSCOPE_FAULTLAB_PFN, 0))
		goto out;
	addr = (uintptr_t)d.map;
	counters_moved(lab, &d, &delta);
	lab_expect_str(lab, "/proc/PID/smaps: VmFlags has \"io\" (VM_IO)", "set",
		       proc_smaps_vmflag(d.s.pid, addr, "io") == 1 ? "set" : "not set");
	lab_expect_str(lab, "/proc/PID/smaps: VmFlags has \"pf\" (VM_PFNMAP)", "set",
		       proc_smaps_vmflag(d.s.pid, addr, "pf") == 1 ? "set" : "not set");
	if (!lab_lookup(lab, d.s.pid, addr, &res, &vma))
		lab_expect_str(lab, "mmscope: the VMA's kind", mms_kind_name(MMSCOPE_KIND_PFNMAP),
			       mms_kind_name(vma.kind));

	lab_step(lab, "It reads page 0: ->fault inserts the frame with vmf_insert_pfn() and returns VM_FAULT_NOPAGE; the PTE is special: vm_normal_page() gives the core no struct page to use");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       subject_touch(lab, &d.s, addr, false, 0));
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->fault calls for a read (faults_read)", 1, delta.faults_read);
	lab_expect_u64(lab, "mmscope: faults that mapped a frame themselves (faults_nopage)", 1,
		       delta.faults_nopage);
	lab_expect_str(lab, "/proc/PID/pagemap: page 0 is (its walk passes over VM_PFNMAP)",
		       "not present", pagemap_state(d.s.pid, addr));
	lab_expect_u64(lab, "/proc/PID/smaps: Rss (kB): special entries are not counted", 0,
		       proc_smaps_kb(d.s.pid, addr, "Rss"));
	if (!lab_page(lab, d.s.pid, addr, &page)) {
		lab_expect_str(lab, "mmscope: page 0 is", "present",
			       page.state == MMSCOPE_ENTRY_PRESENT ? "present" : "not present");
		lab_expect_str(lab, "mmscope: the PTE is", "special",
			       page.pte_flags & MMSCOPE_PTE_SPECIAL ? "special" : "normal");
		lab_expect_str(lab, "mmscope: a struct page for the core (vm_normal_page())", "none",
			       page.flags & MMSCOPE_PAGE_HAS_STRUCT_PAGE ? "one" : "none");
	}

	lab_step(lab, "It writes page 0: the frame was inserted read-only because the VMA asks to be told of writes, so ->pfn_mkwrite runs");
	lab_expect_u64(lab, "/proc/PID/stat: minor faults taken", 1,
		       subject_touch(lab, &d.s, addr, true, 'd'));
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->pfn_mkwrite calls (pfn_mkwrites)", 1, delta.pfn_mkwrites);
	lab_expect_u64(lab, "mmscope: ->fault calls for a write (faults_write)", 0,
		       delta.faults_write);

	lab_step(lab, "This process reads the new process's page 0 through /proc/PID/mem: get_user_pages() refuses VM_IO | VM_PFNMAP, so access_remote_vm() calls the VMA's ->access, which copies from the frame: the byte written");
	snprintf(path, sizeof(path), "/proc/%d/mem", d.s.pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	n = mem < 0 ? -1 : pread(mem, &byte, 1, (off_t)addr);
	if (n != 1) {
		lab_expect(lab, false, "/proc/PID/mem: a read of page 0", "1 byte",
			   n < 0 ? strerror(errno) : "0 bytes");
	} else {
		lab_expect_str(lab, "/proc/PID/mem: the byte read", "d", (char[]){ byte, 0 });
	}
	if (mem >= 0)
		close(mem);
	counters_moved(lab, &d, &delta);
	lab_expect_u64(lab, "mmscope: ->access calls (access_calls)", 1, delta.access_calls);
	lab_expect_u64(lab, "mmscope: bytes ->access copied (access_bytes)", 1,
		       delta.access_bytes);
out:
	device_lab_end(&d);
	return 0;
}

static const unsigned char vm_ops_concepts[] = { 18, 0 };
static const unsigned char device_concepts[] = { 19, 0 };

const struct lab_def lab_device_defs[] = {
	{ "vm-ops", "a driver's vm_operations: ->fault, ->page_mkwrite and ->close as the kernel calls them",
	  vm_ops_concepts, vm_ops },
	{ "device-memory", "device memory: VM_IO | VM_PFNMAP, special PTEs, ->pfn_mkwrite and ->access",
	  device_concepts, device_memory },
	{ NULL },
};
