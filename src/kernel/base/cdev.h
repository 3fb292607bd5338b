/*
 * Character devices (Linux's fs/char_dev.c, drivers/char/misc.c and
 * drivers/base/devtmpfs.c, reduced): a driver reserves device numbers,
 * adds a cdev with its file_operations for them, and creates the node
 * under /dev that a program opens. Opening the node pins the module that
 * registered the device (its owner, as fops->owner does in Linux), so
 * rmmod answers -EBUSY while a file is open.
 */
#ifndef LAB_KERNEL_BASE_CDEV_H
#define LAB_KERNEL_BASE_CDEV_H

#include "common/list.h"
#include "kernel/base/fs.h"

struct module;

struct cdev {
	const struct file_operations *ops;
	struct module *owner;		/* set before cdev_add: opens pin it (Linux's cdev.owner) */
	u32 dev;
	unsigned int count;
	struct list_head list;		/* kstate->fs.cdevs */
};

/* Reserves [@from, @from + @count): 0, -EBUSY (taken) or -ENOMEM. */
int register_chrdev_region(u32 from, unsigned int count, const char *name);
/* A free major, chosen as Linux does (254 downwards): 0 and *@dev, -EBUSY, -ENOMEM. */
int alloc_chrdev_region(u32 *dev, unsigned int baseminor, unsigned int count, const char *name);
void unregister_chrdev_region(u32 from, unsigned int count);

void cdev_init(struct cdev *cdev, const struct file_operations *fops);
/* Makes [@dev, @dev + @count) open @cdev: 0 or -EBUSY. */
int cdev_add(struct cdev *cdev, u32 dev, unsigned int count);
void cdev_del(struct cdev *cdev);

/*
 * devtmpfs nodes, by name below /dev ("vfio/vfio"): created with the
 * device, deleted with it. Directories exist while a node is below them.
 */
int devtmpfs_create_node(const char *name, mode_t mode, u32 dev);
void devtmpfs_delete_node(const char *name);

/* Linux's misc devices: major 10, one minor each, a node at nodename (or name). */
#define MISC_MAJOR 10

struct miscdevice {
	int minor;
	const char *name;
	const struct file_operations *fops;
	const char *nodename;
	mode_t mode;
	/* Set by misc_register: */
	struct module *owner;
	struct list_head list;
};

int misc_register(struct miscdevice *misc);
void misc_deregister(struct miscdevice *misc);

/* The misc major's cdev (a subsys initcall) and the registry's first state. */
int misc_init(void);
void misc_exit(void);

#endif
