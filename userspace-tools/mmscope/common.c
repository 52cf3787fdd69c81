// SPDX-License-Identifier: GPL-2.0
/* What several objects share: PID and address arguments, and printers. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

static int parse_pid(const char *arg, uint32_t *pid)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v < 1 || v > INT_MAX) {
		p_err("invalid PID '%s': expected a number from 1 to %d", arg, INT_MAX);
		return -1;
	}
	*pid = v;
	return 0;
}

bool dot_output;

const struct option dot_opts[] = {
	{ "dot", no_argument, NULL, 'D' },
	{}
};

int take_dot_option(int opt, const char *arg)
{
	(void)opt;
	(void)arg;
	dot_output = true;
	return 0;
}

int open_device(void)
{
	int fd = mms_open(device);

	if (fd < 0)
		p_errno(-fd, ERR_DEVICE, device);
	return fd;
}

int open_device_rw(void)
{
	int fd = mms_open_rw(device);

	if (fd < 0)
		p_errno(-fd, ERR_DEVICE, device);
	return fd;
}

/* -2 for a malformed PID (a usage error), -1 for a failed query. */
int open_target(const char *pid_arg)
{
	uint32_t pid;
	int fd, ret;

	if (parse_pid(pid_arg, &pid))
		return -2;
	fd = open_device();
	if (fd < 0)
		return -1;
	ret = mms_set_target(fd, pid);
	if (ret) {
		p_errno(-ret, ERR_TARGET, pid_arg);
		close(fd);
		return -1;
	}
	return fd;
}

int open_pid_query(int argc, char **argv, const char *usage)
{
	if (argc != 1) {
		p_err("%s", usage);
		return -2;
	}
	return open_target(argv[0]);
}

int open_addr_query(int argc, char **argv, const char *usage, uint64_t *addr)
{
	int fd, ret;

	if (argc != 2) {
		p_err("%s", usage);
		return -2;
	}
	if (parse_addr(argv[1], addr))
		return -2;
	fd = open_target(argv[0]);
	if (fd < 0)
		return fd;
	ret = load_vm_flag_names(fd);
	if (ret) {
		close(fd);
		p_errno(-ret, ERR_QUERY, argv[0]);
		return -1;
	}
	return fd;
}

/* EINVAL from a lookup or a walk is the address; the rest, p_errno()'s. */
int p_addr_query_err(int err, enum err_src src, const char *pid_arg,
		     const char *addr_arg)
{
	if (err == EINVAL)
		p_err("invalid address %s: not a user address of process %s (at or above its TASK_SIZE)",
		      addr_arg, pid_arg);
	else
		p_errno(err, src, pid_arg);
	return 1;
}

/* The running kernel's names of vm_flags bits (MMSCOPE_IOC_VM_FLAG_NAMES). */
static struct mmscope_vm_flag_names flag_names;

int load_vm_flag_names(int fd)
{
	return mms_vm_flag_names(fd, &flag_names);
}

/* A bit the kernel does not name is "bitN": vm_flags are never hidden. */
const char *vm_flag_name(unsigned int bit)
{
	static char unknown[16];

	if (flag_names.names[bit][0])
		return (const char *)flag_names.names[bit];
	snprintf(unknown, sizeof(unknown), "bit%u", bit);
	return unknown;
}

/* Bits @name does not name (NULL) are left out. */
void put_bits_sep(uint64_t bits, const char *(*name)(unsigned int), const char *sep)
{
	const char *s, *lead = "";
	unsigned int bit;

	if (json_output)
		jw_start_array(jw);
	for (bit = 0; bit < 64; bit++) {
		if (!(bits & (1ULL << bit)) || !(s = name(bit)))
			continue;
		if (json_output) {
			jw_string(jw, s);
		} else {
			printf("%s%s", lead, s);
			lead = sep;
		}
	}
	if (json_output)
		jw_end_array(jw);
	else if (!*lead)
		printf("-");
}

void put_bits(uint64_t bits, const char *(*name)(unsigned int))
{
	put_bits_sep(bits, name, ",");
}

const char *size_name(uint64_t size)
{
	static char buf[32];

	if (size >= (1ULL << 30) && !(size & ((1ULL << 30) - 1)))
		snprintf(buf, sizeof(buf), "%lluG", (unsigned long long)size >> 30);
	else if (size >= (1ULL << 20) && !(size & ((1ULL << 20) - 1)))
		snprintf(buf, sizeof(buf), "%lluM", (unsigned long long)size >> 20);
	else
		snprintf(buf, sizeof(buf), "%lluK", (unsigned long long)size >> 10);
	return buf;
}

/* The states whose entry holds a swap-format type and offset. */
bool page_has_swap(const struct mmscope_page *p)
{
	return p->state == MMSCOPE_ENTRY_SWAP || p->state == MMSCOPE_ENTRY_MIGRATION ||
	       p->state == MMSCOPE_ENTRY_DEVICE_PRIVATE ||
	       p->state == MMSCOPE_ENTRY_DEVICE_EXCLUSIVE || p->state == MMSCOPE_ENTRY_HWPOISON;
}
