/* The character-device registry's kernel state (struct kernel.fs). */
#ifndef LAB_KERNEL_BASE_FS_INTERNAL_H
#define LAB_KERNEL_BASE_FS_INTERNAL_H

#include "common/list.h"
#include "kernel/base/cdev.h"

struct fs_state {
	struct list_head regions;	/* char_dev.c: reserved device-number ranges */
	struct list_head cdevs;		/* char_dev.c: added cdevs */
	struct list_head misc_list;	/* misc.c: registered misc devices */
	struct list_head nodes;		/* devtmpfs.c: nodes under /dev */
	struct cdev misc_cdev;		/* misc.c: the misc major's cdev */
	bool misc_ready;		/* misc_init done */
};

void fs_state_init(struct fs_state *fs);

/* chrdev_open (char_dev.c): a file for the device number of node @inode. */
int chrdev_open(struct inode *inode, struct file *file);

#endif
