// SPDX-License-Identifier: GPL-2.0-only
/*
 * Character device numbers and cdevs (Linux's fs/char_dev.c): reserved
 * ranges of device numbers, the cdev that serves each number, and
 * chrdev_open, which turns an open of a node into a file with the cdev's
 * fops. Errors as Linux: a range that overlaps a reserved one -EBUSY; a
 * node whose number no cdev serves -ENXIO; a device whose module is going
 * away -ENXIO (fops_get fails).
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/cdev.h"
#include "kernel/base/fs_internal.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/kernel_state.h"

/* Linux's dynamic majors: 254 down to 234, then the high range (not modelled). */
#define CHRDEV_MAJOR_DYN_END 234
#define CHRDEV_MAJOR_MAX 255

struct char_device_struct {
	struct list_head list;
	u32 from;
	unsigned int count;
	char name[64];
};

void fs_state_init(struct fs_state *fs)
{
	INIT_LIST_HEAD(&fs->regions);
	INIT_LIST_HEAD(&fs->cdevs);
	INIT_LIST_HEAD(&fs->misc_list);
	INIT_LIST_HEAD(&fs->nodes);
}

static bool ranges_overlap(u32 a, unsigned int na, u32 b, unsigned int nb)
{
	return (u64)a < (u64)b + nb && (u64)b < (u64)a + na;
}

static bool region_taken(u32 from, unsigned int count)
{
	struct char_device_struct *cd;

	list_for_each_entry(cd, &kstate->fs.regions, list)
		if (ranges_overlap(cd->from, cd->count, from, count))
			return true;
	return false;
}

int register_chrdev_region(u32 from, unsigned int count, const char *name)
{
	struct char_device_struct *cd;

	if (!count || MINOR(from) + (u64)count > MINORMASK + 1ull)
		return -EINVAL;
	if (region_taken(from, count))
		return -EBUSY;
	cd = kzalloc(sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	cd->from = from;
	cd->count = count;
	strncpy(cd->name, name, sizeof(cd->name) - 1);
	list_add_tail(&cd->list, &kstate->fs.regions);
	return 0;
}

int alloc_chrdev_region(u32 *dev, unsigned int baseminor, unsigned int count, const char *name)
{
	for (unsigned int major = CHRDEV_MAJOR_MAX - 1; major >= CHRDEV_MAJOR_DYN_END; major--) {
		/* A dynamic major is one nobody holds any minor of. */
		if (region_taken(MKDEV(major, 0), MINORMASK + 1))
			continue;
		int ret = register_chrdev_region(MKDEV(major, baseminor), count, name);
		if (!ret)
			*dev = MKDEV(major, baseminor);
		return ret;
	}
	return -EBUSY;
}

void unregister_chrdev_region(u32 from, unsigned int count)
{
	struct char_device_struct *cd, *n;

	list_for_each_entry_safe(cd, n, &kstate->fs.regions, list) {
		if (cd->from == from && cd->count == count) {
			list_del(&cd->list);
			kfree(cd);
			return;
		}
	}
}

void cdev_init(struct cdev *cdev, const struct file_operations *fops)
{
	memset(cdev, 0, sizeof(*cdev));
	cdev->ops = fops;
	INIT_LIST_HEAD(&cdev->list);
}

int cdev_add(struct cdev *cdev, u32 dev, unsigned int count)
{
	struct cdev *p;

	list_for_each_entry(p, &kstate->fs.cdevs, list)
		if (ranges_overlap(p->dev, p->count, dev, count))
			return -EBUSY;
	cdev->dev = dev;
	cdev->count = count;
	list_add_tail(&cdev->list, &kstate->fs.cdevs);
	return 0;
}

void cdev_del(struct cdev *cdev)
{
	list_del_init(&cdev->list);
}

static struct cdev *cdev_lookup(u32 dev)
{
	struct cdev *p;

	list_for_each_entry(p, &kstate->fs.cdevs, list)
		if (dev >= p->dev && (u64)dev < (u64)p->dev + p->count)
			return p;
	return NULL;
}

int chrdev_open(struct inode *inode, struct file *file)
{
	struct cdev *cdev = cdev_lookup(inode->i_rdev);
	int ret;

	if (!cdev)
		return -ENXIO;
	if (!try_module_get(cdev->owner))
		return -ENXIO;
	inode->i_cdev = cdev;
	file->f_op = cdev->ops;
	file->f_module = cdev->owner;
	if (file->f_op->open) {
		ret = file->f_op->open(inode, file);
		if (ret) {
			/* The caller frees the file: no release, no module reference. */
			module_put(file->f_module);
			file->f_module = NULL;
			file->f_op = NULL;
			return ret;
		}
	}
	return 0;
}
