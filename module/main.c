// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: look at a process's mm_struct, VMAs and page tables.
 *
 * Module entry points. The query ABI is in include/uapi/linux/mmscope.h;
 * README.md explains what each export shows and how it is tested.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "internal.h"

static int __init mmscope_init(void)
{
	int ret;

	ret = mmscope_faultlog_init();
	if (ret)
		return ret;
	mmscope_debugfs_init();
	ret = mmscope_chrdev_init();
	if (ret)
		goto out_remove_debugfs;
	pr_info("ready: /dev/mmscope%s\n", IS_ENABLED(CONFIG_DEBUG_FS) ?
		" and debugfs mmscope/" : " (no debugfs in this kernel)");
	return 0;

out_remove_debugfs:
	mmscope_debugfs_exit();
	mmscope_faultlog_exit();
	/* debugfs tlb may have registered the probe before we failed. */
	mmscope_tlb_exit();
	return ret;
}

static void __exit mmscope_exit(void)
{
	mmscope_chrdev_exit();
	mmscope_debugfs_exit();
	mmscope_faultlog_exit();
	mmscope_tlb_exit();
}

module_init(mmscope_init);
module_exit(mmscope_exit);

MODULE_DESCRIPTION("Look at a process's mm_struct, VMAs and page tables");
MODULE_AUTHOR("The mmscope developers");
MODULE_LICENSE("GPL");
