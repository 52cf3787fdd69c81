// SPDX-License-Identifier: GPL-2.0
/* mmscope mm PID: the mm_struct summary, and the tasks sharing it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define USAGE "mmscope mm PID"

static const char help_text[] =
	"Usage: " USAGE "\n"
	"       mmscope mm help\n"
	"\n"
	"The mm_struct of process PID: its counters (in kB, as /proc/PID/status\n"
	"prints them; with -j in pages, as the kernel keeps them), its layout\n"
	"addresses, its page tables, and every task whose ->mm it is. A kernel\n"
	"thread has none: it borrows active_mm.\n";

/* How the text shows a field; JSON keeps the kernel's unit (pages, bytes). */
enum mm_unit { UNIT_COUNT, UNIT_PAGES, UNIT_BYTES, UNIT_ADDR };

struct mm_field {
	const char *name;
	size_t offset;
	enum mm_unit unit;
};

#define MM_NUM(f) { #f, offsetof(struct mmscope_mm_info, f), UNIT_COUNT }
#define MM_PG(f) { #f, offsetof(struct mmscope_mm_info, f), UNIT_PAGES }
#define MM_BYTES(f) { #f, offsetof(struct mmscope_mm_info, f), UNIT_BYTES }
#define MM_HEX(f) { #f, offsetof(struct mmscope_mm_info, f), UNIT_ADDR }

static const struct mm_field mm_fields[] = {
	MM_NUM(mm_users), MM_NUM(mm_count), MM_NUM(map_count),
	MM_PG(total_vm), MM_PG(locked_vm), MM_PG(pinned_vm),
	MM_PG(data_vm), MM_PG(exec_vm), MM_PG(stack_vm),
	MM_PG(rss_file),
	MM_PG(rss_anon), MM_PG(rss_shmem), MM_PG(swap_ents),
	MM_PG(hiwater_rss), MM_PG(hiwater_vm),
	MM_HEX(start_code), MM_HEX(end_code), MM_HEX(start_data),
	MM_HEX(end_data), MM_HEX(start_brk), MM_HEX(brk), MM_HEX(start_stack),
	MM_HEX(arg_start), MM_HEX(arg_end), MM_HEX(env_start), MM_HEX(env_end),
	MM_HEX(mmap_base), MM_HEX(task_size), MM_HEX(pgd_phys),
	MM_BYTES(pgtables_bytes),
};

void json_mm_fields(const struct mmscope_mm_info *info)
{
	bool has_mm = !(info->out_flags & MMSCOPE_MM_NO_MM);
	uint64_t value;
	size_t i;

	jw_key(jw, "pid");
	jw_uint(jw, info->pid);
	jw_key(jw, "comm");
	jw_string(jw, (const char *)info->comm);
	jw_key(jw, "kernel_thread");
	jw_bool(jw, info->out_flags & MMSCOPE_MM_KERNEL_THREAD);
	jw_key(jw, "has_mm");
	jw_bool(jw, has_mm);
	for (i = 0; i < sizeof(mm_fields) / sizeof(mm_fields[0]); i++) {
		memcpy(&value, (const char *)info + mm_fields[i].offset, sizeof(value));
		jw_key(jw, mm_fields[i].name);
		if (!has_mm)
			jw_null(jw);
		else if (mm_fields[i].unit == UNIT_ADDR)
			jw_hex(jw, value);
		else
			jw_uint(jw, value);
	}
	jw_key(jw, "not_in_kernel");
	jw_start_object(jw);
	if (info->out_flags & MMSCOPE_MM_NO_SWAP) {
		jw_key(jw, "swap_ents");
		jw_string(jw, "CONFIG_SWAP");
	}
	jw_end_object(jw);
}

static int mm_show(int argc, char **argv)
{
	struct mmscope_mm_user *users = NULL;
	struct mmscope_mm_info info;
	uint32_t nusers = 0, i;
	bool has_mm, kthread;
	uint64_t value;
	char size[24];
	int fd, ret;

	fd = open_pid_query(argc, argv, "usage: " USAGE);
	if (fd < 0)
		return -fd;
	/* Ask for the count, then for the list; retry if threads came. */
	ret = mms_mm_info(fd, &info, NULL, NULL);
	while (!ret) {
		free(users);
		nusers = info.users_total + 16;
		users = calloc(nusers, sizeof(*users));
		if (!users) {
			ret = -ENOMEM;
			break;
		}
		ret = mms_mm_info(fd, &info, users, &nusers);
		if (ret || info.users_total <= info.users_cap ||
		    info.users_cap >= MMSCOPE_MM_USERS_MAX)
			break;
	}
	close(fd);
	if (ret) {
		free(users);
		p_errno(-ret, ERR_QUERY, argv[0]);
		return 1;
	}

	kthread = info.out_flags & MMSCOPE_MM_KERNEL_THREAD;
	has_mm = !(info.out_flags & MMSCOPE_MM_NO_MM);
	if (json_output) {
		jw_start_object(jw);
		json_mm_fields(&info);
		jw_key(jw, "users");
		jw_start_array(jw);
		for (i = 0; i < nusers; i++) {
			jw_start_object(jw);
			jw_key(jw, "tid");
			jw_uint(jw, users[i].tid);
			jw_key(jw, "comm");
			jw_string(jw, (const char *)users[i].comm);
			jw_end_object(jw);
		}
		jw_end_array(jw);
		jw_end_object(jw);
	} else {
		printf("%-16s %u\n%-16s %s\n%-16s %s\n", "pid", info.pid, "comm",
		       (const char *)info.comm, "kernel_thread", kthread ? "yes" : "no");
		if (!has_mm)
			printf("%-16s none (a kernel thread borrows active_mm)\n", "mm");
		for (i = 0; has_mm && i < sizeof(mm_fields) / sizeof(mm_fields[0]); i++) {
			memcpy(&value, (char *)&info + mm_fields[i].offset, sizeof(value));
			if (mm_fields[i].offset == offsetof(struct mmscope_mm_info, swap_ents) &&
			    (info.out_flags & MMSCOPE_MM_NO_SWAP))
				printf("%-16s not in this kernel (CONFIG_SWAP)\n", mm_fields[i].name);
			else if (mm_fields[i].unit == UNIT_ADDR)
				printf("%-16s 0x%" PRIx64 "\n", mm_fields[i].name, value);
			else if (mm_fields[i].unit == UNIT_COUNT)
				printf("%-16s %" PRIu64 "\n", mm_fields[i].name, value);
			else
				printf("%-16s %s%s\n", mm_fields[i].name,
				       size_text(size, mm_fields[i].unit == UNIT_PAGES ?
						 value * sysconf(_SC_PAGESIZE) : value),
				       human_output ? "" : " kB");
		}
		if (has_mm) {
			printf("%-16s %u\n", "users", info.users_total);
			for (i = 0; i < nusers; i++)
				printf("  %-8u %s\n", users[i].tid, (const char *)users[i].comm);
		}
	}
	free(users);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, mm_show },
	{}
};

const struct object obj_mm = {
	.name = "mm",
	.help = help_text,
	.cmds = cmds,
};
