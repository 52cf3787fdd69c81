// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: a misc device named "mmscope", so that mmscope.ko's own
 * misc_register() fails with -EEXIST. load_test loads it, then checks that
 * a failing mmscope.ko load never shows its debugfs files.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

static const struct file_operations name_taken_fops = {
	.owner = THIS_MODULE,
};

static struct miscdevice name_taken_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mmscope",
	.fops = &name_taken_fops,
};

module_misc_device(name_taken_miscdev);

MODULE_DESCRIPTION("Test only: takes the misc device name of mmscope");
MODULE_AUTHOR("The mmscope developers");
MODULE_LICENSE("GPL");
