// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct device: naming, reference counting, registration (device_add /
 * device_del) and its directory under /sys/devices, as drivers/base/core.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/errname.h"
#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/kalloc_internal.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

struct sysfs_node *sysfs_dir_bus(void) { return kstate ? kstate->core.dir_bus : NULL; }
struct sysfs_node *sysfs_dir_debug(void) { return kstate ? kstate->core.dir_debug : NULL; }
struct sysfs_node *sysfs_dir_firmware(void) { return kstate ? kstate->core.dir_firmware : NULL; }
struct sysfs_node *sysfs_dir_module(void) { return kstate ? kstate->core.dir_module : NULL; }

bool sysfs_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (*a == '\n' && !a[1] && !*b)
		return true;
	if (*b == '\n' && !b[1] && !*a)
		return true;
	return false;
}

/* %pe: the name, or the number in @buf when it has none (the caller adds the sign). */
const char *errname(int err, char *buf, size_t size)
{
	const char *name = errno_name(err);

	if (name)
		return name;
	snprintf(buf, size, "%d", err < 0 ? -err : err);
	return buf;
}

int dev_set_name(struct device *dev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *n = kvasprintf(fmt, ap);
	va_end(ap);
	if (!n)
		return -ENOMEM;
	kfree(dev->name);
	dev->name = n;
	return 0;
}

void device_initialize(struct device *dev)
{
	dev->refcount = 1;
	INIT_LIST_HEAD(&dev->devres_head);
	INIT_LIST_HEAD(&dev->bus_node);
	INIT_LIST_HEAD(&dev->driver_node);
	INIT_LIST_HEAD(&dev->child_node);
	INIT_LIST_HEAD(&dev->children);
	INIT_LIST_HEAD(&dev->deferred_probe);
	dev->coherent_dma_mask = 0xffffffffull;
	dev->dma_mask = 0xffffffffull;
}

struct device *get_device(struct device *dev)
{
	if (dev)
		dev->refcount++;
	return dev;
}

void put_device(struct device *dev)
{
	if (!dev || --dev->refcount > 0)
		return;
	struct device *parent = dev->parent_held ? dev->parent : NULL;
	kfree(dev->deferred_probe_reason);
	dev->deferred_probe_reason = NULL;
	/*
	 * device_release: what was added to a device no driver held (a bus,
	 * a parent's driver) goes with the device, last first.
	 */
	devres_release_all(dev);
	char *name = dev->name;
	if (dev->release)
		dev->release(dev);
	kfree(name);
	put_device(parent);
}

bool device_is_bound(const struct device *dev)
{
	return !list_empty(&dev->driver_node);
}

int device_for_each_child(struct device *parent, void *data,
			  int (*fn)(struct device *dev, void *data))
{
	struct device *c, *n;
	list_for_each_entry_safe(c, n, &parent->children, child_node) {
		int ret = fn(c, data);
		if (ret)
			return ret;
	}
	return 0;
}

int device_create_link(struct device *dev, const char *name, struct sysfs_node *target)
{
	if (!dev->kobj)
		return -ENOENT;
	return sysfs_create_link(dev->kobj, name, target);
}

/* ---- the uevent file ------------------------------------------------- */

static ssize_t uevent_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev = owner;
	size_t off = 0;
	if (dev->driver)
		off += (size_t)snprintf(buf, PAGE_SIZE, "DRIVER=%s\n", dev->driver->name);
	if (dev->of_node)
		off += of_device_uevent(dev, buf + off, PAGE_SIZE - off);
	if (dev->bus && dev->bus->uevent && off < PAGE_SIZE) {
		int r = dev->bus->uevent(dev, buf + off, PAGE_SIZE - off);
		if (r > 0)
			off += (size_t)r;
	}
	return (ssize_t)MIN(off, PAGE_SIZE);
}

/* kobject_synth_uevent: only the action names are accepted. */
ssize_t kobject_uevent_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			     size_t len)
{
	static const char *const actions[] = { "add", "remove", "change", "move",
					       "online", "offline", "bind", "unbind" };
	size_t n = strcspn(buf, " \n");
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (strlen(actions[i]) == n && !strncmp(buf, actions[i], n))
			return (ssize_t)len;
	return -EINVAL;
}

static const struct sysfs_attr dev_attr_uevent = {
	.name = "uevent", .mode = 0644, .show = uevent_show, .store = kobject_uevent_store,
};

/* ---- registration ---------------------------------------------------- */

int device_add(struct device *dev)
{
	struct sysfs_node *pdir;
	int ret;

	if (!dev->name || !*dev->name)
		return -EINVAL;
	pdir = dev->parent ? dev->parent->kobj : kstate->core.dir_devices;
	if (!pdir)
		return -ENODEV;
	ret = sysfs_create_dir(pdir, dev->name, &dev->kobj);
	if (ret)
		return ret;
	ret = sysfs_create_file(dev->kobj, &dev_attr_uevent, dev, NULL);
	if (!ret && dev->of_node && dev->of_node->kobj)
		ret = sysfs_create_link(dev->kobj, "of_node", dev->of_node->kobj);
	if (!ret)
		ret = bus_add_device(dev);
	if (ret) {
		sysfs_remove(dev->kobj);
		dev->kobj = NULL;
		return ret;
	}
	/* Held until the last put, like the kobject parent reference. */
	if (!dev->parent_held)
		get_device(dev->parent);
	dev->parent_held = true;
	dev->registered = true;
	bus_notify(dev, BUS_NOTIFY_ADD_DEVICE);
	bus_probe_device(dev);
	if (dev->parent)
		list_add_tail(&dev->child_node, &dev->parent->children);
	return 0;
}

int device_register(struct device *dev)
{
	device_initialize(dev);
	return device_add(dev);
}

void device_del(struct device *dev)
{
	if (!dev->registered)
		return;
	dev->dead = true;
	bus_notify(dev, BUS_NOTIFY_DEL_DEVICE);
	if (dev->parent)
		list_del_init(&dev->child_node);
	bus_remove_device(dev);
	driver_deferred_probe_del(dev);
	bus_notify(dev, BUS_NOTIFY_REMOVED_DEVICE);
	sysfs_remove(dev->kobj);
	dev->kobj = NULL;
	dev->registered = false;
}

void device_unregister(struct device *dev)
{
	device_del(dev);
	put_device(dev);
}

/* ---- the sysfs skeleton ---------------------------------------------- */

int driver_core_init(void)
{
	struct core_state *cs = &kstate->core;
	struct sysfs_node *root;
	int ret = sysfs_init();
	if (ret)
		return ret;
	root = sysfs_root();
	if ((ret = sysfs_create_dir(root, "devices", &cs->dir_devices)) ||
	    (ret = sysfs_create_dir(root, "bus", &cs->dir_bus)) ||
	    (ret = sysfs_create_dir(root, "class", &cs->dir_class)) ||
	    (ret = sysfs_create_dir(root, "kernel", &cs->dir_kernel)) ||
	    (ret = sysfs_create_dir(cs->dir_kernel, "debug", &cs->dir_debug)) ||
	    (ret = sysfs_create_dir(root, "firmware", &cs->dir_firmware)) ||
	    (ret = sysfs_create_dir(root, "module", &cs->dir_module)) ||
	    (ret = deferred_probe_debugfs_init()))
		return ret;
	return 0;
}

void driver_core_exit(void)
{
	deferred_probe_exit();
	buses_exit();
	sysfs_exit();
	/* The nodes went with the tree. */
	memset(&kstate->core, 0, sizeof(kstate->core));
}
