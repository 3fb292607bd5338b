// SPDX-License-Identifier: GPL-2.0-only
/*
 * Misc devices (Linux's drivers/char/misc.c): one character major (10)
 * whose open finds the registered device by minor and hands the file its
 * fops, and a devtmpfs node per device (nodename, e.g. "vfio/vfio", or
 * name). misc_register: -EBUSY for a minor taken, -EINVAL without fops.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/cdev.h"
#include "kernel/base/fs_internal.h"
#include "kernel/base/module.h"
#include "kernel/kernel_state.h"

static struct miscdevice *misc_find(unsigned int minor)
{
	struct miscdevice *c;

	list_for_each_entry(c, &kstate->fs.misc_list, list)
		if ((unsigned int)c->minor == minor)
			return c;
	return NULL;
}

/* The misc major's open: the device's own fops from here on (misc_open). */
static int misc_open(struct inode *inode, struct file *file)
{
	struct miscdevice *c = misc_find(MINOR(inode->i_rdev));
	int ret;

	if (!c)
		return -ENODEV;
	if (!try_module_get(c->owner))
		return -ENODEV;
	module_put(file->f_module);
	file->f_module = c->owner;
	file->f_op = c->fops;
	file->private_data = c;
	if (file->f_op->open) {
		ret = file->f_op->open(inode, file);
		if (ret)
			return ret;	/* chrdev_open puts f_module */
	}
	return 0;
}

static const struct file_operations misc_fops = {
	.open = misc_open,
};

int misc_init(void)
{
	struct fs_state *fs = &kstate->fs;
	int ret = register_chrdev_region(MKDEV(MISC_MAJOR, 0), MINORMASK + 1, "misc");

	if (ret)
		return ret;
	cdev_init(&fs->misc_cdev, &misc_fops);
	ret = cdev_add(&fs->misc_cdev, MKDEV(MISC_MAJOR, 0), MINORMASK + 1);
	if (ret) {
		unregister_chrdev_region(MKDEV(MISC_MAJOR, 0), MINORMASK + 1);
		return ret;
	}
	fs->misc_ready = true;
	return 0;
}

void misc_exit(void)
{
	struct fs_state *fs = &kstate->fs;

	if (!fs->misc_ready)
		return;
	cdev_del(&fs->misc_cdev);
	unregister_chrdev_region(MKDEV(MISC_MAJOR, 0), MINORMASK + 1);
	fs->misc_ready = false;
}

int misc_register(struct miscdevice *misc)
{
	int ret;

	if (!misc->fops || misc->minor < 0 || (unsigned int)misc->minor > MINORMASK)
		return -EINVAL;
	if (!kstate->fs.misc_ready)
		return -ENODEV;
	if (misc_find((unsigned int)misc->minor))
		return -EBUSY;
	ret = devtmpfs_create_node(misc->nodename ? misc->nodename : misc->name,
				   S_IFCHR | (misc->mode ? misc->mode : 0600),
				   MKDEV(MISC_MAJOR, misc->minor));
	if (ret)
		return ret;
	misc->owner = module_current();
	list_add_tail(&misc->list, &kstate->fs.misc_list);
	return 0;
}

void misc_deregister(struct miscdevice *misc)
{
	list_del_init(&misc->list);
	devtmpfs_delete_node(misc->nodename ? misc->nodename : misc->name);
}
