// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device's msi_irqs/ directory (Linux: kernel/irq/msi.c, msi_sysfs_*;
 * Documentation/ABI/testing/sysfs-bus-pci): one read-only file per
 * allocated vector, named by its interrupt number, reading "msi" or
 * "msix" (the device's mode when read: "msix" while a PCI function has
 * MSI-X on, "msi" otherwise, platform MSIs included). The directory is
 * made with the device's MSI state and is a managed resource of whoever
 * set that up (Linux's devm_device_add_group), so it stays, empty, after
 * the vectors are freed, until the driver unbinds; the files come and go
 * with their vectors.
 */
#include <errno.h>
#include <stdio.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/irqchip/msi.h"
#include "kernel/irqchip/msi_internal.h"
#include "kernel/pci/pci.h"

#define MSI_IRQS "msi_irqs"

/* One file per vector; the attribute must outlive its file (sysfs.h). */
struct msi_vec_attr {
	struct sysfs_attr attr;
	char name[12];
};

static ssize_t msi_mode_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev = owner;
	bool msix = dev_is_pci(dev) && to_pci_dev(dev)->msix_enabled;

	(void)attr;
	return snprintf(buf, PAGE_SIZE, "%s\n", msix ? "msix" : "msi");
}

static unsigned vec_count(const struct msi_desc *desc)
{
	return desc->nvec_used ? desc->nvec_used : 1;
}

static struct sysfs_node *msi_irqs_dir(struct device *dev)
{
	return dev->kobj ? sysfs_get_child(dev->kobj, MSI_IRQS) : NULL;
}

/* device_del has removed the whole directory already when kobj is gone. */
static void msi_irqs_group_release(struct device *dev, void *res)
{
	(void)res;
	if (dev->kobj)
		sysfs_remove_name(dev->kobj, MSI_IRQS);
}

int msi_sysfs_create_group(struct device *dev)
{
	void *res;
	int ret;

	if (!dev->kobj || msi_irqs_dir(dev))
		return 0;
	res = devres_alloc(msi_irqs_group_release, 0);
	if (!res)
		return -ENOMEM;
	ret = sysfs_create_dir(dev->kobj, MSI_IRQS, NULL);
	if (ret) {
		devres_free(res);
		return ret;
	}
	devres_add(dev, res);
	return 0;
}

void msi_sysfs_remove_desc(struct device *dev, struct msi_desc *desc)
{
	struct msi_vec_attr *attrs = desc->sysfs_attrs;
	struct sysfs_node *dir = msi_irqs_dir(dev);

	if (!attrs)
		return;
	desc->sysfs_attrs = NULL;
	for (unsigned i = 0; dir && i < vec_count(desc); i++)
		if (attrs[i].attr.name)
			sysfs_remove_name(dir, attrs[i].name);
	kfree(attrs);
}

int msi_sysfs_populate_desc(struct device *dev, struct msi_desc *desc)
{
	struct sysfs_node *dir = msi_irqs_dir(dev);
	struct msi_vec_attr *attrs;
	int ret = 0;

	if (!dir)
		return 0;
	attrs = kcalloc(vec_count(desc), sizeof(*attrs));
	if (!attrs)
		return -ENOMEM;
	desc->sysfs_attrs = attrs;
	for (unsigned i = 0; i < vec_count(desc) && !ret; i++) {
		snprintf(attrs[i].name, sizeof(attrs[i].name), "%u", desc->irq + i);
		attrs[i].attr.name = attrs[i].name;	/* set: the file exists */
		attrs[i].attr.mode = 0444;
		attrs[i].attr.show = msi_mode_show;
		ret = sysfs_create_file(dir, &attrs[i].attr, dev, NULL);
		if (ret)
			attrs[i].attr.name = NULL;
	}
	if (ret)
		msi_sysfs_remove_desc(dev, desc);
	return ret;
}
