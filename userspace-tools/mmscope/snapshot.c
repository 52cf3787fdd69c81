// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope snapshot PID: what mmscope says of a process at one moment, as
 * one JSON document that `mmscope diff` compares with another snapshot or
 * with the process as it is later. It holds the mm (as `mm -j` has it),
 * every VMA (as `maps -j`), the smaps of every VMA and the mm's TLB
 * context. Each part is read in its own call: a process that runs meanwhile
 * may change between them, as between two reads of /proc/PID/maps and smaps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope snapshot PID"
#define SNAPSHOT_FORMAT 1	/* raised when a member changes meaning */

static const char help_text[] =
	"Usage: mmscope snapshot PID     what mmscope says of PID now, as JSON\n"
	"       mmscope snapshot help\n"
	"\n"
	"The snapshot holds the mm (as mmscope mm), every VMA (as mmscope maps), the\n"
	"smaps of every VMA, and the TLB context, as one JSON document whether -j is\n"
	"given or not (-p pretty-prints it). Save it, and compare it later with\n"
	"mmscope diff SNAPSHOT PID, or with another snapshot.\n";

/* The CPUs whose records have @flag, as an array of numbers. */
static void json_cpus(const struct mmscope_tlb_cpu *cpus, uint32_t n, uint32_t flag)
{
	uint32_t i;

	jw_start_array(jw);
	for (i = 0; i < n; i++)
		if ((cpus[i].flags & MMSCOPE_TLB_CPU_ONLINE) && (cpus[i].flags & flag))
			jw_uint(jw, cpus[i].cpu);
	jw_end_array(jw);
}

static void json_tlb_summary(const struct mmscope_tlb *t, const struct mmscope_tlb_cpu *cpus,
		     uint32_t n)
{
	jw_start_object(jw);
	json_tlb_context(t);
	jw_key(jw, "cpus_in_mm_cpumask");
	json_cpus(cpus, n, MMSCOPE_TLB_CPU_IN_MASK);
	jw_key(jw, "cpus_loaded");
	json_cpus(cpus, n, MMSCOPE_TLB_CPU_TARGET_LOADED);
	jw_end_object(jw);
}

static void json_header(const struct mmscope_mm_info *mm)
{
	struct utsname u;

	jw_key(jw, "snapshot");
	jw_start_object(jw);
	jw_key(jw, "format");
	jw_uint(jw, SNAPSHOT_FORMAT);
	jw_key(jw, "pid");
	jw_uint(jw, mm->pid);
	jw_key(jw, "comm");
	jw_string(jw, (const char *)mm->comm);
	jw_key(jw, "time");
	jw_uint(jw, time(NULL));
	jw_key(jw, "kernel");
	jw_string(jw, uname(&u) ? "" : u.release);
	jw_key(jw, "tool");
	jw_string(jw, MMSCOPE_TOOL_VERSION);
	jw_end_object(jw);
}

/* The parts, read from @fd (aimed at the target): 0, or -errno. */
struct parts {
	struct mmscope_mm_info mm;
	struct mmscope_vma *vmas;
	size_t nvmas;
	struct mmscope_smaps_vma *smaps;
	size_t nsmaps;
	struct mmscope_tlb tlb;
	struct mmscope_tlb_cpu *cpus;
	uint32_t ncpus;
};

static int read_parts(int fd, struct parts *p)
{
	int ret;

	ret = mms_mm_info(fd, &p->mm, NULL, NULL);
	if (!ret && (p->mm.out_flags & MMSCOPE_MM_NO_MM))
		ret = -ENOENT;	/* a kernel thread: nothing to snapshot */
	if (!ret)
		ret = load_vm_flag_names(fd);
	if (!ret)
		ret = mms_vmas_all(fd, &p->vmas, &p->nvmas);
	if (!ret)
		ret = mms_smaps_all(fd, &p->smaps, &p->nsmaps);
	if (!ret) {
		long ncpu = sysconf(_SC_NPROCESSORS_CONF);

		/* Every online CPU and every CPU of mm_cpumask: the configured ones. */
		p->ncpus = (ncpu > 0 ? ncpu : 1) + 64;
		p->cpus = calloc(p->ncpus, sizeof(*p->cpus));
		ret = p->cpus ? mms_tlb(fd, 0, &p->tlb, p->cpus, &p->ncpus) : -ENOMEM;
	}
	return ret;
}

int snapshot_write(FILE *f, const char *pid_arg)
{
	struct json_writer *outer = jw;
	bool outer_json = json_output;
	struct parts *p;
	size_t i;
	int fd, ret;

	p = calloc(1, sizeof(*p));
	if (!p) {
		p_err("%s", strerror(ENOMEM));
		return 1;
	}
	fd = open_target(pid_arg);
	if (fd < 0) {
		free(p);
		return -fd;
	}
	ret = read_parts(fd, p);
	close(fd);
	if (ret) {
		p_errno(-ret, ret == -ENOENT ? ERR_WALK : ERR_QUERY, pid_arg);
		ret = 1;
		goto out;
	}

	/* The shared JSON printers write to jw: aim it at @f for the snapshot. */
	if (f != stdout || !jw) {
		jw = jw_new(f, false);
		if (!jw) {
			jw = outer;
			p_err("%s", strerror(ENOMEM));
			ret = 1;
			goto out;
		}
	}
	json_output = true;
	jw_start_object(jw);
	json_header(&p->mm);
	jw_key(jw, "mm");
	jw_start_object(jw);
	json_mm_fields(&p->mm);
	jw_key(jw, "users");
	jw_uint(jw, p->mm.users_total);
	jw_end_object(jw);
	jw_key(jw, "maps");
	jw_start_array(jw);
	for (i = 0; i < p->nvmas; i++)
		json_vma(&p->vmas[i]);
	jw_end_array(jw);
	jw_key(jw, "smaps");
	jw_start_array(jw);
	for (i = 0; i < p->nsmaps; i++) {
		jw_start_object(jw);
		jw_key(jw, "start");
		jw_hex(jw, p->smaps[i].start);
		jw_key(jw, "end");
		jw_hex(jw, p->smaps[i].end);
		json_smaps_fields(&p->smaps[i]);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_key(jw, "tlb");
	json_tlb_summary(&p->tlb, p->cpus, p->ncpus);
	jw_end_object(jw);
	if (jw != outer)
		jw_destroy(jw);
	jw = outer;
	json_output = outer_json;
	ret = 0;
out:
	free(p->vmas);
	free(p->smaps);
	free(p->cpus);
	free(p);
	return ret;
}

static int do_snapshot(int argc, char **argv)
{
	if (argc != 1) {
		p_err("usage: " USAGE);
		return 2;
	}
	return snapshot_write(stdout, argv[0]);
}

static const struct cmd cmds[] = {
	{ NULL, do_snapshot },
	{}
};

const struct object obj_snapshot = {
	.name = "snapshot",
	.help = help_text,
	.cmds = cmds,
};
