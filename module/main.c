// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope: look at a process's mm_struct, VMAs and page tables.
 *
 * Module entry points. The query ABI is in include/uapi/linux/mmscope.h;
 * docs/ explains what each export shows (exports.md) and how it is tested
 * (testing.md).
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
	ret = mmscope_chrdev_init();
	if (ret)
		goto out_faultlog_exit;
	/*
	 * Last, because it cannot fail: an open debugfs file holds a module
	 * reference, and a module whose init fails is freed whatever
	 * references it holds, so the file's release would run freed code.
	 */
	mmscope_debugfs_init();
	pr_info("ready: /dev/mmscope%s\n", IS_ENABLED(CONFIG_DEBUG_FS) ?
		" and debugfs mmscope/" : " (no debugfs in this kernel)");
	return 0;

out_faultlog_exit:
	mmscope_faultlog_exit();
	return ret;
}

static void __exit mmscope_exit(void)
{
	mmscope_debugfs_exit();
	mmscope_chrdev_exit();
	mmscope_faultlog_exit();
	mmscope_tlb_exit();
}

module_init(mmscope_init);
module_exit(mmscope_exit);

MODULE_DESCRIPTION("Look at a process's mm_struct, VMAs and page tables");
MODULE_AUTHOR("The mmscope developers");
MODULE_LICENSE("GPL");
