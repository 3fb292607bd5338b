// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/class/iommu: each IOMMU instance is a class device
 * (<hwdev>/iommu/<name>/, linked from /sys/class/iommu/<name>) whose
 * devices/ directory links every master it serves; each master gets an
 * `iommu` link back to it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "kernel/base/device.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/kernel_state.h"


static struct sysfs_node *get_or_create(struct sysfs_node *parent, const char *name)
{
	struct sysfs_node *n = sysfs_get_child(parent, name);

	if (!n && sysfs_create_dir(parent, name, &n))
		return NULL;
	return n;
}

static struct sysfs_node *class_dir(void)
{
	if (!kstate->iommu_sysfs.class_iommu) {
		struct sysfs_node *c = get_or_create(sysfs_root(), "class");
		kstate->iommu_sysfs.class_iommu = c ? get_or_create(c, "iommu") : NULL;
	}
	return kstate->iommu_sysfs.class_iommu;
}

int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *hwdev,
			   const char *fmt, ...)
{
	struct sysfs_node *parent, *dir, *cls = class_dir();
	va_list ap;
	int ret;

	if (!cls)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(iommu->name, sizeof(iommu->name), fmt, ap);
	va_end(ap);
	if (hwdev && hwdev->kobj) {
		parent = get_or_create(hwdev->kobj, "iommu");
	} else {
		if (!kstate->iommu_sysfs.virtual_iommu) {
			struct sysfs_node *v = sysfs_find("/sys/devices/virtual");
			if (!v) {
				struct sysfs_node *d = get_or_create(sysfs_root(), "devices");
				v = d ? get_or_create(d, "virtual") : NULL;
			}
			kstate->iommu_sysfs.virtual_iommu = v ? get_or_create(v, "iommu") : NULL;
		}
		parent = kstate->iommu_sysfs.virtual_iommu;
	}
	if (!parent)
		return -ENOMEM;
	ret = sysfs_create_dir(parent, iommu->name, &dir);
	if (ret)
		return ret;
	ret = sysfs_create_dir(dir, "devices", NULL);
	if (!ret)
		ret = sysfs_create_link(cls, iommu->name, dir);
	if (ret) {
		sysfs_remove(dir);
		return ret;
	}
	iommu->sysfs_dir = dir;
	iommu->hwdev = hwdev;
	return 0;
}

void iommu_device_sysfs_remove(struct iommu_device *iommu)
{
	if (!iommu->sysfs_dir)
		return;
	if (kstate->iommu_sysfs.class_iommu)
		sysfs_remove_name(kstate->iommu_sysfs.class_iommu, iommu->name);
	sysfs_remove(iommu->sysfs_dir);
	iommu->sysfs_dir = NULL;
}

/* Both links or neither: a probe that cannot make them fails (-ENOMEM). */
int iommu_device_link(struct iommu_device *iommu, struct device *dev)
{
	struct sysfs_node *devs;
	int ret;

	if (!iommu || !iommu->sysfs_dir || !dev->kobj)
		return 0;
	devs = sysfs_get_child(iommu->sysfs_dir, "devices");
	if (devs) {
		ret = sysfs_create_link(devs, dev_name(dev), dev->kobj);
		if (ret)
			return ret;
	}
	ret = sysfs_create_link(dev->kobj, "iommu", iommu->sysfs_dir);
	if (ret && devs)
		sysfs_remove_name(devs, dev_name(dev));
	return ret;
}

void iommu_device_unlink(struct iommu_device *iommu, struct device *dev)
{
	struct sysfs_node *devs;

	if (!iommu || !iommu->sysfs_dir || !dev->kobj)
		return;
	devs = sysfs_get_child(iommu->sysfs_dir, "devices");
	if (devs)
		sysfs_remove_name(devs, dev_name(dev));
	sysfs_remove_name(dev->kobj, "iommu");
}

void iommu_class_forget(void)
{
	kstate->iommu_sysfs.class_iommu = NULL;
	kstate->iommu_sysfs.virtual_iommu = NULL;
}
