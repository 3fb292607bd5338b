// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI bus type and PCI drivers (Linux: drivers/pci/pci-driver.c):
 * matching by ID table, dynamic IDs (new_id, remove_id) and
 * driver_override; probe and remove; the bus's dma_configure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

/* ---- matching ------------------------------------------------------------ */

static bool match_one_device(const struct pci_device_id *id, const struct pci_dev *dev)
{
	return (id->vendor == PCI_ANY_ID || id->vendor == dev->vendor) &&
	       (id->device == PCI_ANY_ID || id->device == dev->device) &&
	       (id->subvendor == PCI_ANY_ID || id->subvendor == dev->subsystem_vendor) &&
	       (id->subdevice == PCI_ANY_ID || id->subdevice == dev->subsystem_device) &&
	       !((id->class ^ dev->class) & id->class_mask);
}

/* The table ends with an entry whose vendor, subvendor and class_mask are 0. */
static bool id_end(const struct pci_device_id *id)
{
	return !id->vendor && !id->subvendor && !id->class_mask;
}

const struct pci_device_id *pci_match_id(const struct pci_device_id *ids, struct pci_dev *dev)
{
	for (; ids && !id_end(ids); ids++)
		if (match_one_device(ids, dev))
			return ids;
	return NULL;
}

/* What pci_match_device returns for an override with nothing matching: any ID. */
static const struct pci_device_id pci_device_id_any = {
	.vendor = PCI_ANY_ID, .device = PCI_ANY_ID,
	.subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID,
};

const struct pci_device_id *pci_match_device(struct pci_driver *drv, struct pci_dev *dev)
{
	const char *ovr = dev->dev.driver_override;
	const struct pci_device_id *found = NULL, *ids;
	struct pci_dynid *dynid;

	/* An override naming another driver: no match at all. */
	if (ovr && strcmp(ovr, drv->driver.name)) {
		if (!lab_bug(LAB_BUG_OVERRIDE_RESCAN))
			return NULL;
		/*
		 * lab.bug=override-ignored-on-rescan: the ID tables decide as
		 * they did before driver_override, so the next probe (a
		 * rescan, a hot add, drivers_probe, a driver loading) binds
		 * the host driver the override was set to keep away.
		 */
		ovr = NULL;
	}
	list_for_each_entry(dynid, &kstate->pci.dynids, node)
		if (dynid->drv == drv && match_one_device(&dynid->id, dev))
			return &dynid->id;
	for (ids = drv->id_table; ids && !id_end(ids); ids++) {
		if (!match_one_device(ids, dev))
			continue;
		/* vfio-pci's catch-all: only by override. */
		if (!ids->override_only || ovr) {
			found = ids;
			break;
		}
	}
	if (found)
		return found;
	if (ovr)
		return &pci_device_id_any;
	return NULL;
}

const struct pci_device_id *pci_match_device_id(struct pci_driver *drv, struct pci_dev *dev)
{
	return pci_match_device(drv, dev);
}

static int pci_bus_match(struct device *dev, const struct device_driver *drv)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	if (!pdev->match_driver)
		return 0;
	return pci_match_device(to_pci_driver((struct device_driver *)drv), pdev) != NULL;
}

/* ---- probe and remove ------------------------------------------------------ */

static int pci_device_probe(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_driver *drv = to_pci_driver(dev->driver);
	const struct pci_device_id *id = pci_match_device(drv, pdev);
	int ret;

	if (!id)
		return -ENODEV;
	if (!drv->probe)
		return 0;
	pdev->driver = drv;
	ret = drv->probe(pdev, id);
	if (ret) {
		pdev->driver = NULL;
		return ret;
	}
	return 0;
}

static void pci_device_remove(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct pci_driver *drv = to_pci_driver(dev->driver);

	if (drv->remove)
		drv->remove(pdev);
	/*
	 * A device the driver left enabled stays so, as in Linux (which only
	 * wishes drivers called pci_disable_device); pcim_enable_device's
	 * devres action disables it after remove.
	 */
	pdev->driver = NULL;
}

/*
 * pci_dma_configure: the firmware part finds the host bridge's node
 * (of_iommu_configure's PCI branch: iommu-map over every DMA alias) and
 * the DMA ownership part is the driver core's, the same as for every bus:
 * generic_dma_configure. Nothing PCI-specific is decided here.
 */
static int pci_dma_configure(struct device *dev)
{
	return generic_dma_configure(dev);
}

static void pci_dma_cleanup(struct device *dev)
{
	generic_dma_cleanup(dev);
}

static struct master_id pci_master_id(const struct device *dev)
{
	const struct pci_dev *pdev = to_pci_dev(dev);

	return master_id_pci((u16)pci_domain_nr(pdev->bus), pci_dev_id(pdev));
}

static int pci_add_dev_files(struct device *dev)
{
	return pci_create_sysfs_dev_files(dev);
}

struct bus_type pci_bus_type = {
	.name = "pci",
	.match = pci_bus_match,
	.uevent = pci_uevent_lines,
	.probe = pci_device_probe,
	.remove = pci_device_remove,
	.dma_configure = pci_dma_configure,
	.dma_cleanup = pci_dma_cleanup,
	.add_dev_files = pci_add_dev_files,
	.add_drv_files = pci_driver_add_files,
	.master_id = pci_master_id,
};

/* ---- drivers --------------------------------------------------------------- */

int pci_register_driver(struct pci_driver *drv)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &pci_bus_type;
	return driver_register(&drv->driver);
}

static void dynids_free(const struct pci_driver *drv)
{
	struct pci_dynid *d, *n;

	list_for_each_entry_safe(d, n, &kstate->pci.dynids, node)
		if (!drv || d->drv == drv) {
			list_del(&d->node);
			kfree(d);
		}
}

void pci_unregister_driver(struct pci_driver *drv)
{
	driver_unregister(&drv->driver);
	dynids_free(drv);
}

void pci_dynids_free_all(void)
{
	dynids_free(NULL);
}

int pci_add_dynid(struct pci_driver *drv, unsigned vendor, unsigned device,
		  unsigned subvendor, unsigned subdevice, unsigned class,
		  unsigned class_mask, unsigned long driver_data)
{
	struct pci_dynid *d = kzalloc(sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->drv = drv;
	d->id = (struct pci_device_id){
		.vendor = vendor, .device = device, .subvendor = subvendor,
		.subdevice = subdevice, .class = class, .class_mask = class_mask,
		.driver_data = driver_data,
	};
	list_add_tail(&d->node, &kstate->pci.dynids);
	return driver_attach(&drv->driver);
}

/* ---- new_id / remove_id ------------------------------------------------------ */

static int parse_ids(const char *buf, unsigned f[6], unsigned long *driver_data)
{
	f[2] = f[3] = PCI_ANY_ID;
	f[4] = f[5] = 0;
	*driver_data = 0;
	return sscanf(buf, "%x %x %x %x %x %x %lx", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5],
		      driver_data);
}

static ssize_t new_id_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			    size_t len)
{
	struct device_driver *ddrv = owner;
	struct pci_driver *pdrv = to_pci_driver(ddrv);
	unsigned f[6];
	unsigned long driver_data;
	int fields = parse_ids(buf, f, &driver_data), ret;

	if (fields < 2)
		return -EINVAL;
	if (fields != 7) {
		/* Would the driver already take a device with these IDs? */
		struct pci_dev *pdev = kzalloc(sizeof(*pdev));

		if (!pdev)
			return -ENOMEM;
		pdev->vendor = (u16)f[0];
		pdev->device = (u16)f[1];
		pdev->subsystem_vendor = (u16)f[2];
		pdev->subsystem_device = (u16)f[3];
		pdev->class = f[4];
		ret = pci_match_device(pdrv, pdev) ? -EEXIST : 0;
		kfree(pdev);
		if (ret)
			return ret;
	}
	/* Only driver_data a static entry already carries. */
	if (pdrv->id_table) {
		const struct pci_device_id *ids = pdrv->id_table;

		while (!id_end(ids) && ids->driver_data != driver_data)
			ids++;
		if (id_end(ids))
			return -EINVAL;
	}
	ret = pci_add_dynid(pdrv, f[0], f[1], f[2], f[3], f[4], f[5], driver_data);
	if (ret == -ENOMEM)
		return ret;
	return (ssize_t)len;
}

static ssize_t remove_id_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			       size_t len)
{
	struct pci_driver *pdrv = to_pci_driver((struct device_driver *)owner);
	struct pci_dynid *d, *n;
	unsigned f[6];
	unsigned long unused;
	int fields = parse_ids(buf, f, &unused);

	if (fields < 2)
		return -EINVAL;
	list_for_each_entry_safe(d, n, &kstate->pci.dynids, node) {
		struct pci_device_id *id = &d->id;

		if (d->drv == pdrv && id->vendor == f[0] && id->device == f[1] &&
		    (f[2] == PCI_ANY_ID || id->subvendor == f[2]) &&
		    (f[3] == PCI_ANY_ID || id->subdevice == f[3]) &&
		    !((id->class ^ f[4]) & id->class_mask)) {
			list_del(&d->node);
			kfree(d);
			return (ssize_t)len;
		}
	}
	return -ENODEV;
}

static const struct sysfs_attr drv_attr_new_id = {
	.name = "new_id", .mode = 0200, .store = new_id_store,
};
static const struct sysfs_attr drv_attr_remove_id = {
	.name = "remove_id", .mode = 0200, .store = remove_id_store,
};

int pci_driver_add_files(struct device_driver *drv)
{
	struct sysfs_node *dir = driver_to_private(drv)->dir;
	int ret = sysfs_create_file(dir, &drv_attr_new_id, drv, NULL);

	if (!ret)
		ret = sysfs_create_file(dir, &drv_attr_remove_id, drv, NULL);
	return ret;
}
