// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope version: this tool's version, the loaded module's version and
 * ABI, the kernel, and the features that decide what mmscope can show.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "libmmscope.h"
#include "main.h"

static const char help_text[] =
	"Usage: mmscope version\n"
	"       mmscope version help\n"
	"\n"
	"This tool's version and ABI; the loaded module's version and ABI (and\n"
	"whether it is older than this tool); the kernel release; its paging\n"
	"levels, PCID and PTI; its THP and hugetlb page sizes; and which of the\n"
	"kernel options that decide what mmscope shows it lacks. mmscope -V says\n"
	"the same.\n";

/* The kernel options MMSCOPE_KERNEL_* stand for, and the key of each. */
static const struct {
	uint64_t bit;
	const char *key, *option;
} kernel_options[] = {
	{ MMSCOPE_KERNEL_THP, "thp", "CONFIG_TRANSPARENT_HUGEPAGE" },
	{ MMSCOPE_KERNEL_HUGETLB, "hugetlb", "CONFIG_HUGETLBFS" },
	{ MMSCOPE_KERNEL_KSM, "ksm", "CONFIG_KSM" },
	{ MMSCOPE_KERNEL_SWAP, "swap", "CONFIG_SWAP" },
	{ MMSCOPE_KERNEL_MEMCG, "memcg", "CONFIG_MEMCG" },
	{ MMSCOPE_KERNEL_NUMA, "numa", "CONFIG_NUMA" },
	{ MMSCOPE_KERNEL_USERFAULTFD, "userfaultfd", "CONFIG_USERFAULTFD" },
	{ MMSCOPE_KERNEL_DEBUG_FS, "debugfs", "CONFIG_DEBUG_FS" },
	{ MMSCOPE_KERNEL_HUGE_PFNMAP, "huge_pfnmap", "CONFIG_ARCH_SUPPORTS_PMD_PFNMAP" },
};
#define NR_OPTIONS (sizeof(kernel_options) / sizeof(kernel_options[0]))

/* The hugetlb page sizes, in kB, from /sys/kernel/mm/hugepages. */
static int hugetlb_sizes(unsigned long *kb, int max)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	int n = 0, i, j;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max)
		if (sscanf(e->d_name, "hugepages-%lukB", &kb[n]) == 1)
			n++;
	closedir(d);
	for (i = 1; i < n; i++)	/* smallest first */
		for (j = i; j > 0 && kb[j - 1] > kb[j]; j--) {
			unsigned long t = kb[j];

			kb[j] = kb[j - 1];
			kb[j - 1] = t;
		}
	return n;
}

/* The PMD size of THP in kB, or 0 without THP. */
static unsigned long thp_size_kb(void)
{
	unsigned long long bytes = 0;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &bytes) != 1)
		bytes = 0;
	fclose(f);
	return bytes >> 10;
}

/* A flag of /proc/cpuinfo: what the CPU and kernel say when no module can. */
static bool cpu_flag(const char *flag)
{
	char line[4096], want[64];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	snprintf(want, sizeof(want), " %s ", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		line[strcspn(line, "\n")] = ' ';
		found = strstr(line, want) != NULL;
		break;
	}
	fclose(f);
	return found;
}

/* What the module says, or why it says nothing: 0, or the message. */
static const char *module_version(struct mmscope_version *v)
{
	static char msg[256];
	int fd, ret;

	fd = mms_open(device);
	if (fd == -ENOENT || fd == -ENODEV || fd == -ENXIO) {
		snprintf(msg, sizeof(msg), "not loaded (%s: %s)", device, strerror(-fd));
		return msg;
	}
	if (fd == -EACCES || fd == -EPERM) {
		snprintf(msg, sizeof(msg), "unknown: %s needs CAP_SYS_ADMIN (%s)", device,
			 strerror(-fd));
		return msg;
	}
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "unknown (%s: %s)", device, strerror(-fd));
		return msg;
	}
	ret = mms_version(fd, v);
	close(fd);
	if (ret == -ENOTTY)
		return "loaded, older than this tool: ABI 1, which has no version request";
	if (ret) {
		snprintf(msg, sizeof(msg), "unknown (%s)", strerror(-ret));
		return msg;
	}
	v->version[sizeof(v->version) - 1] = '\0';	/* whatever a module sends */
	return NULL;
}

static int version_show(int argc, char **argv)
{
	const char *module_msg;
	struct mmscope_version v;
	unsigned long huge_kb[8], thp_kb = thp_size_kb();
	struct utsname u;
	bool pcid, pti;
	int nhuge = hugetlb_sizes(huge_kb, 8), i;
	unsigned int k;

	if (argc) {
		(void)argv;
		p_err("usage: mmscope version (try: mmscope version help)");
		return 2;
	}
	module_msg = module_version(&v);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	pcid = module_msg ? cpu_flag("pcid") : v.tlb_features & MMSCOPE_TLB_PCID;
	pti = module_msg ? cpu_flag("pti") : v.tlb_features & MMSCOPE_TLB_PTI;

	if (json_output) {
		jw_start_object(jw);
		jw_key(jw, "version");
		jw_string(jw, MMSCOPE_TOOL_VERSION);
		jw_key(jw, "abi");
		jw_uint(jw, MMSCOPE_ABI_VERSION);
		jw_key(jw, "module");
		if (module_msg) {
			jw_null(jw);
			jw_key(jw, "module_error");
			jw_string(jw, module_msg);
		} else {
			jw_start_object(jw);
			jw_key(jw, "version");
			jw_string(jw, (const char *)v.version);
			jw_key(jw, "abi");
			jw_uint(jw, v.abi);
			jw_key(jw, "device");
			jw_string(jw, device);
			jw_end_object(jw);
		}
		jw_key(jw, "kernel");
		jw_string(jw, u.release);
		jw_key(jw, "paging_levels");
		if (module_msg)
			jw_null(jw);
		else
			jw_uint(jw, v.tlb_features & MMSCOPE_TLB_LA57 ? 5 : 4);
		jw_key(jw, "pcid");
		jw_bool(jw, pcid);
		jw_key(jw, "pti");
		jw_bool(jw, pti);
		jw_key(jw, "thp_size_kb");
		jw_uint(jw, thp_kb);
		jw_key(jw, "hugetlb_sizes_kb");
		jw_start_array(jw);
		for (i = 0; i < nhuge; i++)
			jw_uint(jw, huge_kb[i]);
		jw_end_array(jw);
		jw_key(jw, "kernel_features");
		if (module_msg) {
			jw_null(jw);
		} else {
			jw_start_object(jw);
			for (k = 0; k < NR_OPTIONS; k++) {
				jw_key(jw, kernel_options[k].key);
				jw_bool(jw, v.kernel_features & kernel_options[k].bit);
			}
			jw_end_object(jw);
		}
		jw_end_object(jw);
		return 0;
	}

	printf("mmscope %s (ABI %u)\n", MMSCOPE_TOOL_VERSION, MMSCOPE_ABI_VERSION);
	if (module_msg)
		printf("module:  %s\n", module_msg);
	else
		printf("module:  %s (ABI %u)%s\n", (const char *)v.version, v.abi,
		       v.abi < MMSCOPE_ABI_VERSION ? ", older than this tool: some requests fail" :
		       v.abi > MMSCOPE_ABI_VERSION ? ", newer than this tool" : "");
	printf("kernel:  %s %s\n", u.release, u.machine);
	if (module_msg)
		printf("paging:  unknown without the module\n");
	else
		printf("paging:  %u-level\n", v.tlb_features & MMSCOPE_TLB_LA57 ? 5 : 4);
	printf("tlb:     PCID %s, PTI %s\n", pcid ? "yes" : "no", pti ? "yes" : "no");
	if (thp_kb)
		printf("thp:     %lu kB\n", thp_kb);
	else
		printf("thp:     not in this kernel (CONFIG_TRANSPARENT_HUGEPAGE)\n");
	printf("hugetlb:");
	for (i = 0; i < nhuge; i++)
		printf(" %lu kB", huge_kb[i]);
	printf("%s\n", nhuge ? "" : " not in this kernel (CONFIG_HUGETLBFS)");
	if (!module_msg)
		for (k = 0; k < NR_OPTIONS; k++)
			if (!(v.kernel_features & kernel_options[k].bit))
				printf("not in this kernel: %s (%s)\n", kernel_options[k].key,
				       kernel_options[k].option);
	return 0;
}

static const struct cmd cmds[] = {
	{ NULL, version_show },
	{}
};

const struct object obj_version = {
	.name = "version",
	.help = help_text,
	.cmds = cmds,
};
