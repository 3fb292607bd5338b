// SPDX-License-Identifier: GPL-2.0-only
/*
 * The platform bus and its per-device files: driver_override, modalias,
 * the uevent MODALIAS line. Also a minimal AMBA bus: Linux puts
 * "arm,primecell" nodes there (of_amba_device_create); the lab has no
 * AMBA drivers, so it matches on driver_override alone.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

/* ---- matching -------------------------------------------------------- */

/* device_match_driver_override: -1 when no override is set. */
static int match_driver_override(const struct device *dev, const struct device_driver *drv)
{
	if (dev->driver_override)
		return !strcmp(dev->driver_override, drv->name);
	return -1;
}

static int platform_match(struct device *dev, const struct device_driver *drv)
{
	struct platform_device *pdev = to_platform_device(dev);
	int ret = match_driver_override(dev, drv);
	if (ret >= 0)
		return ret;
	if (drv->of_match_table && of_match_device(drv->of_match_table, dev))
		return 1;
	return !strcmp(pdev->name, drv->name);
}

static int platform_probe(struct device *dev)
{
	struct platform_driver *drv = to_platform_driver(dev->driver);
	return drv->probe ? drv->probe(to_platform_device(dev)) : 0;
}

static void platform_remove(struct device *dev)
{
	struct platform_driver *drv = to_platform_driver(dev->driver);
	if (drv->remove)
		drv->remove(to_platform_device(dev));
}

/* A platform or AMBA device's DMA is known by its device-tree node. */
static struct master_id of_master_id(const struct device *dev)
{
	return dev->of_node ? master_id_platform(dev->of_node->fdt_offset) : master_id_none();
}

/* ---- per-device files ------------------------------------------------ */

static ssize_t modalias_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev = owner;
	struct platform_device *pdev = to_platform_device(dev);
	if (dev->of_node) {
		ssize_t n = of_modalias(dev->of_node, buf, PAGE_SIZE - 1);
		if (n < 0)
			return n;
		buf[n++] = '\n';
		return n;
	}
	return snprintf(buf, PAGE_SIZE, "platform:%s\n", pdev->name);
}

static ssize_t driver_override_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev = owner;
	/* sysfs_emit("%s\n", NULL) prints "(null)": driverctl relies on it. */
	return snprintf(buf, PAGE_SIZE, "%s\n", dev->driver_override ? dev->driver_override
								       : "(null)");
}

static ssize_t driver_override_store(void *owner, const struct sysfs_attr *attr,
				     const char *buf, size_t len)
{
	struct device *dev = owner;
	int ret = driver_set_override(dev, &dev->driver_override, buf, len);
	return ret ? ret : (ssize_t)len;
}

static const struct sysfs_attr dev_attr_modalias = {
	.name = "modalias", .mode = 0444, .show = modalias_show,
};
static const struct sysfs_attr dev_attr_driver_override = {
	.name = "driver_override", .mode = 0644,
	.show = driver_override_show, .store = driver_override_store,
};

static int platform_add_dev_files(struct device *dev)
{
	int ret = sysfs_create_file(dev->kobj, &dev_attr_driver_override, dev, NULL);
	if (!ret)
		ret = sysfs_create_file(dev->kobj, &dev_attr_modalias, dev, NULL);
	return ret;
}

static int platform_uevent(const struct device *dev, char *buf, size_t size)
{
	struct platform_device *pdev = to_platform_device(dev);
	if (dev->of_node) {
		int n = snprintf(buf, size, "MODALIAS=");
		if (n < 0 || (size_t)n >= size)
			return 0;
		ssize_t m = of_modalias(dev->of_node, buf + n, size - (size_t)n - 1);
		if (m < 0)
			return 0;
		buf[n + m] = '\n';
		return n + (int)m + 1;
	}
	return snprintf(buf, size, "MODALIAS=platform:%s\n", pdev->name);
}

struct bus_type platform_bus_type = {
	.name = "platform",
	.match = platform_match,
	.uevent = platform_uevent,
	.probe = platform_probe,
	.remove = platform_remove,
	.dma_configure = generic_dma_configure,
	.dma_cleanup = generic_dma_cleanup,
	.add_dev_files = platform_add_dev_files,
	.master_id = of_master_id,
};

/* ---- AMBA: the primecells ----------------------------------------------- */

static int amba_match(struct device *dev, const struct device_driver *drv)
{
	int ret = match_driver_override(dev, drv);
	return ret >= 0 ? ret : 0;
}

static int amba_add_dev_files(struct device *dev)
{
	return sysfs_create_file(dev->kobj, &dev_attr_driver_override, dev, NULL);
}

static int amba_uevent(const struct device *dev, char *buf, size_t size)
{
	/* Real AMBA reads the peripheral ID from hardware; the lab has none. */
	return snprintf(buf, size, "AMBA_ID=00000000\nMODALIAS=amba:d00000000\n");
}

struct bus_type amba_bustype = {
	.name = "amba",
	.match = amba_match,
	.uevent = amba_uevent,
	.probe = platform_probe,
	.remove = platform_remove,
	.dma_configure = generic_dma_configure,
	.dma_cleanup = generic_dma_cleanup,
	.add_dev_files = amba_add_dev_files,
	.master_id = of_master_id,
};

/* ---- devices and drivers --------------------------------------------- */

struct device *platform_bus(void)
{
	return kstate ? &kstate->platform.bus : NULL;
}

static void platform_bus_release(struct device *dev)
{
}

int platform_bus_init(void)
{
	struct device *pbus = platform_bus();
	int ret;
	memset(pbus, 0, sizeof(*pbus));
	device_initialize(pbus);
	pbus->release = platform_bus_release;
	ret = dev_set_name(pbus, "platform");
	if (!ret)
		ret = device_add(pbus);
	if (!ret)
		ret = bus_register(&platform_bus_type);
	if (!ret)
		ret = bus_register(&amba_bustype);
	return ret;
}

void platform_bus_exit(void)
{
	struct device *pbus = platform_bus();

	bus_unregister(&amba_bustype);
	bus_unregister(&platform_bus_type);
	if (pbus->registered)
		device_del(pbus);
	if (pbus->refcount)
		put_device(pbus);
	memset(pbus, 0, sizeof(*pbus));
}

static void platform_device_release(struct device *dev)
{
	struct platform_device *pdev = to_platform_device(dev);
	kfree(dev->driver_override);
	kfree(pdev->resource);
	kfree(pdev->name);
	kfree(pdev);
}

struct platform_device *platform_device_alloc(const char *name)
{
	struct platform_device *pdev = kzalloc(sizeof(*pdev));
	if (!pdev)
		return NULL;
	pdev->name = kstrdup(name);
	if (!pdev->name) {
		kfree(pdev);
		return NULL;
	}
	device_initialize(&pdev->dev);
	pdev->dev.release = platform_device_release;
	return pdev;
}

int platform_device_add(struct platform_device *pdev)
{
	if (!pdev->dev.parent)
		pdev->dev.parent = platform_bus();
	if (!pdev->dev.bus)
		pdev->dev.bus = &platform_bus_type;
	if (!pdev->dev.name) {
		int ret = dev_set_name(&pdev->dev, "%s", pdev->name);
		if (ret)
			return ret;
	}
	return device_add(&pdev->dev);
}

void platform_device_put(struct platform_device *pdev)
{
	if (pdev)
		put_device(&pdev->dev);
}

void platform_device_unregister(struct platform_device *pdev)
{
	device_unregister(&pdev->dev);
}

int platform_driver_register(struct platform_driver *drv)
{
	drv->driver.bus = &platform_bus_type;
	return driver_register(&drv->driver);
}

void platform_driver_unregister(struct platform_driver *drv)
{
	driver_unregister(&drv->driver);
}

struct resource *platform_get_resource(struct platform_device *pdev, unsigned long type,
				       unsigned num)
{
	for (u32 i = 0; i < pdev->num_resources; i++) {
		struct resource *r = &pdev->resource[i];
		if ((r->flags & type) && num-- == 0)
			return r;
	}
	return NULL;
}

int platform_get_irq(struct platform_device *pdev, unsigned num)
{
	struct resource *r = platform_get_resource(pdev, IORESOURCE_IRQ, num);
	if (!r) {
		dev_err(&pdev->dev, "IRQ index %u not found\n", num);
		return -ENXIO;
	}
	return (int)r->start;
}
