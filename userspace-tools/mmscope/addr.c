// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, lengths and ranges, read the way mmscope prints them. Tables
 * print addresses as /proc/PID/maps does, bare hex with leading zeros
 * (00007f0bcad45000), JSON as 0x...: both are hex, so every address is hex,
 * with or without 0x, and any address mmscope printed can be pasted back.
 * A range is START-END, START+LEN (LEN as 2M, 4K, 1G or 0x1000), or the
 * name of a VMA: [heap], [stack], [vdso], a path, or a path's basename.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

#define ADDR_FORMS "hex, as mmscope prints it: 7f0bcad45000, 00007f0bcad45000 or 0x7f0bcad45000"
#define RANGE_FORMS "START-END or START+LEN in hex (0x400000-0x401000, 7f0bcad45000+2M), or a VMA's name ([heap], [stack], libc.so.6)"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return tolower((unsigned char)c) - 'a' + 10;
}

/* Hex digits, after an optional 0x, up to 64 bits; *@end is past them. */
static bool scan_hex(const char *s, const char **end, uint64_t *v)
{
	const char *p = s;
	uint64_t x = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
		p += 2;
	if (!isxdigit((unsigned char)*p))
		return false;
	for (; isxdigit((unsigned char)*p); p++) {
		if (x >> 60)
			return false;	/* past 64 bits */
		x = x << 4 | hex_value(*p);
	}
	*end = p;
	*v = x;
	return true;
}

/* A length: decimal with a unit (4K, 2M, 1G), or hex bytes with 0x. */
static bool scan_length(const char *s, uint64_t *len)
{
	unsigned long long n;
	const char *end;
	char *unit;
	int shift;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return scan_hex(s, &end, len) && !*end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoull(s, &unit, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*unit)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;	/* a bare number: bytes or pages? say which */
	}
	if (unit[1] && strcmp(unit + 1, "B") && strcmp(unit + 1, "iB"))
		return false;
	if (n > (UINT64_MAX >> shift))
		return false;
	*len = (uint64_t)n << shift;
	return true;
}

int parse_addr(const char *arg, uint64_t *addr)
{
	const char *end;

	if (scan_hex(arg, &end, addr) && !*end)
		return 0;
	p_err("invalid address '%s': expected %s", arg, ADDR_FORMS);
	return -1;
}

/*
 * "START-END" or "START+LEN": 0, with the range; 1 for text that is not
 * such a range (maybe a VMA's name); -1 for a range that is wrong (said).
 */
static int scan_range(const char *arg, uint64_t *start, uint64_t *end)
{
	const char *p;
	uint64_t a, b;

	if (!scan_hex(arg, &p, &a) || (*p != '-' && *p != '+'))
		return 1;
	if (*p == '+') {
		if (!scan_length(p + 1, &b)) {
			p_err("invalid length in '%s': expected a size such as 4K, 2M, 1G or 0x1000",
			      arg);
			return -1;
		}
		if (b > UINT64_MAX - a) {
			p_err("invalid range '%s': it ends past 64 bits", arg);
			return -1;
		}
		b += a;
	} else if (!scan_hex(p + 1, &p, &b) || *p) {
		return 1;
	}
	if (a >= b) {
		p_err("invalid range '%s': START must be below END", arg);
		return -1;
	}
	*start = a;
	*end = b;
	return 0;
}

/* Text that can only be meant as numbers, not as a VMA's name. */
static bool looks_numeric(const char *arg)
{
	for (; *arg; arg++)
		if (!isxdigit((unsigned char)*arg) && !strchr("xX-+", *arg))
			return false;
	return true;
}

static bool names_vma(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');

	return !strcmp(path, name) || (base && path[0] == '/' && !strcmp(base + 1, name));
}

/*
 * The VMAs that @name names: one run of neighbours in the list (a file's
 * text, data and read-only VMAs) is one range; more than one is an error
 * that lists them.
 */
static int vma_named(const struct mms_vmas *vmas, const char *pid_arg, const char *name,
		     uint64_t *start, uint64_t *end)
{
	size_t i, first = 0, last = 0, prev = 0, runs = 0;

	/* Runs of neighbours that @name names: the first one's ends, and how many. */
	for (i = 0; i < vmas->count; i++) {
		if (!names_vma(mms_vma_path(vmas, i), name))
			continue;
		if (!runs || i != prev + 1) {
			runs++;
			if (runs == 1)
				first = i;
		}
		if (runs == 1)
			last = i;
		prev = i;
	}
	if (runs == 1) {
		*start = vmas->recs[first].start;
		*end = vmas->recs[last].end;
		return 0;
	}
	if (!runs) {
		p_err("process %s has no VMA named '%s' (names are as maps prints them: [heap], [stack], a path or its basename)",
		      pid_arg, name);
	} else {
		fprintf(stderr, "mmscope: '%s' names %zu runs of VMAs apart in process %s; give one range:\n",
			name, runs, pid_arg);
		for (i = 0; i < vmas->count; i++)
			if (names_vma(mms_vma_path(vmas, i), name))
				fprintf(stderr, "  %llx-%llx %s\n",
					(unsigned long long)vmas->recs[i].start,
					(unsigned long long)vmas->recs[i].end,
					mms_vma_path(vmas, i));
		p_err("ambiguous VMA name '%s'", name);
	}
	return 1;
}

/* The N-th VMA, counted from 0 as maps lists them. */
static int vma_numbered(const struct mms_vmas *vmas, const char *pid_arg, unsigned long n,
			uint64_t *start, uint64_t *end)
{
	if (n >= vmas->count) {
		p_err("no VMA number %lu: process %s has %zu (numbered from 0, as in maps)",
		      n, pid_arg, vmas->count);
		return 1;
	}
	*start = vmas->recs[n].start;
	*end = vmas->recs[n].end;
	return 0;
}

/* A VMA by number (@by_number) or by name: the exit code. */
static int vma_range(int fd, const char *pid_arg, const char *arg, bool by_number,
		     uint64_t *start, uint64_t *end)
{
	struct mms_vmas vmas;
	int ret;

	ret = mms_vmas_brief_all(fd, &vmas);
	if (ret) {
		p_errno(-ret, ERR_QUERY, pid_arg);
		return 1;
	}
	if (by_number)
		ret = vma_numbered(&vmas, pid_arg, strtoul(arg, NULL, 10), start, end);
	else
		ret = vma_named(&vmas, pid_arg, arg, start, end);
	mms_vmas_free(&vmas);
	return ret;
}

int check_range_arg(const char *arg)
{
	uint64_t start, end;
	int ret = scan_range(arg, &start, &end);

	if (ret < 0)
		return -1;
	if (ret > 0 && looks_numeric(arg)) {
		p_err("invalid range '%s': expected %s", arg, RANGE_FORMS);
		return -1;
	}
	return 0;
}

int check_vma_arg(const char *arg)
{
	if (!*arg) {
		p_err("invalid VMA '': expected its number in maps (from 0) or its name");
		return -1;
	}
	return 0;
}

int resolve_range(int fd, const char *pid_arg, const char *arg, uint64_t *start,
		  uint64_t *end)
{
	int ret = scan_range(arg, start, end);

	if (ret <= 0)
		return ret ? 2 : 0;
	return vma_range(fd, pid_arg, arg, false, start, end);
}

int resolve_vma(int fd, const char *pid_arg, const char *arg, uint64_t *start,
		uint64_t *end)
{
	char *tail;

	errno = 0;
	strtoul(arg, &tail, 10);
	return vma_range(fd, pid_arg, arg, isdigit((unsigned char)*arg) && !*tail && !errno,
			 start, end);
}
