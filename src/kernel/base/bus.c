// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buses: /sys/bus/<bus>/{devices,drivers,uevent,drivers_probe,
 * drivers_autoprobe}, the per-driver bind/unbind/uevent files, the device
 * and driver lists, and bus notifiers (drivers/base/bus.c).
 */
#include <stdio.h>
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

void bus_state_init(struct bus_state *bs)
{
	INIT_LIST_HEAD(&bs->all_buses);
}

/*
 * A bus's driver-core half, found in the running kernel's list as Linux's
 * bus_to_subsys does: the bus_type itself stays a constant table, shared
 * by every lab. NULL: not registered (or no kernel).
 */
struct subsys_private *bus_to_subsys(const struct bus_type *bus)
{
	struct subsys_private *sp;
	if (!bus || !kstate)
		return NULL;
	list_for_each_entry(sp, &kstate->bus.all_buses, entry)
		if (sp->bus == bus)
			return sp;
	return NULL;
}

/*
 * A driver's driver-core half, in its bus's driver list: a driver struct
 * stays as its module defined it. NULL: not registered.
 */
struct driver_private *driver_to_private(const struct device_driver *drv)
{
	struct subsys_private *sp = drv ? bus_to_subsys(drv->bus) : NULL;
	struct driver_private *p;
	if (!sp)
		return NULL;
	list_for_each_entry(p, &sp->drivers, bus_node)
		if (p->driver == drv)
			return p;
	return NULL;
}

struct module *driver_owner(const struct device_driver *drv)
{
	struct driver_private *p = driver_to_private(drv);

	return p ? p->owner : NULL;
}

struct bus_type *bus_find(const char *name)
{
	struct subsys_private *sp;
	if (!kstate)
		return NULL;
	list_for_each_entry(sp, &kstate->bus.all_buses, entry)
		if (!strcmp(sp->bus->name, name))
			return sp->bus;
	return NULL;
}

void bus_notify(struct device *dev, unsigned long action)
{
	struct subsys_private *sp = bus_to_subsys(dev->bus);
	struct notifier_block *nb, *n;
	if (!sp)
		return;
	list_for_each_entry_safe(nb, n, &sp->notifiers, link)
		nb->notifier_call(nb, action, dev);
}

int bus_register_notifier(struct bus_type *bus, struct notifier_block *nb)
{
	struct subsys_private *sp = bus_to_subsys(bus);
	if (!sp)
		return -EINVAL;
	list_add_tail(&nb->link, &sp->notifiers);
	return 0;
}

int bus_unregister_notifier(struct bus_type *bus, struct notifier_block *nb)
{
	list_del_init(&nb->link);
	return 0;
}

/* ---- lookups and iteration ------------------------------------------- */

int bus_for_each_dev(struct bus_type *bus, struct device *start, void *data,
		     int (*fn)(struct device *dev, void *data))
{
	struct subsys_private *sp = bus_to_subsys(bus);
	struct device *dev, *n;
	if (!sp)
		return -EINVAL;
	list_for_each_entry_safe(dev, n, &sp->devices, bus_node) {
		if (start) {
			if (dev == start)
				start = NULL;
			continue;
		}
		int ret = fn(dev, data);
		if (ret)
			return ret;
	}
	return 0;
}

int bus_for_each_drv(struct bus_type *bus, struct device_driver *start, void *data,
		     int (*fn)(struct device_driver *drv, void *data))
{
	struct subsys_private *sp = bus_to_subsys(bus);
	struct driver_private *p, *n;
	if (!sp)
		return -EINVAL;
	list_for_each_entry_safe(p, n, &sp->drivers, bus_node) {
		if (start) {
			if (p->driver == start)
				start = NULL;
			continue;
		}
		int ret = fn(p->driver, data);
		if (ret)
			return ret;
	}
	return 0;
}

struct device *bus_find_device_by_name(struct bus_type *bus, const char *name)
{
	struct subsys_private *sp = bus_to_subsys(bus);
	struct device *dev;
	if (!sp)
		return NULL;
	list_for_each_entry(dev, &sp->devices, bus_node)
		if (sysfs_streq(dev_name(dev), name))
			return dev;
	return NULL;
}

struct device *bus_find_device_by_of_node(struct bus_type *bus, const struct device_node *np)
{
	struct subsys_private *sp = bus_to_subsys(bus);
	struct device *dev;
	if (!sp || !np)
		return NULL;
	list_for_each_entry(dev, &sp->devices, bus_node)
		if (dev->of_node == np)
			return dev;
	return NULL;
}

struct device_driver *driver_find(const char *name, struct bus_type *bus)
{
	struct subsys_private *sp = bus_to_subsys(bus);
	struct driver_private *p;
	if (!sp)
		return NULL;
	list_for_each_entry(p, &sp->drivers, bus_node)
		if (!strcmp(p->driver->name, name))
			return p->driver;
	return NULL;
}

/* ---- bus files ------------------------------------------------------- */

static ssize_t autoprobe_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct bus_type *bus = owner;
	return snprintf(buf, PAGE_SIZE, "%d\n", bus_to_subsys(bus)->drivers_autoprobe);
}

static ssize_t autoprobe_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			       size_t len)
{
	struct bus_type *bus = owner;
	bus_to_subsys(bus)->drivers_autoprobe = buf[0] != '0';
	return (ssize_t)len;
}

static ssize_t drivers_probe_store(void *owner, const struct sysfs_attr *attr,
				   const char *buf, size_t len)
{
	struct bus_type *bus = owner;
	struct device *dev = bus_find_device_by_name(bus, buf);
	int ret = 0;
	if (!dev)
		return -ENODEV;
	/* bus_rescan_devices_helper: only a negative attach result fails. */
	if (!dev->driver)
		ret = device_attach(dev);
	return ret < 0 ? -EINVAL : (ssize_t)len;
}

static const struct sysfs_attr bus_attr_autoprobe = {
	.name = "drivers_autoprobe", .mode = 0644,
	.show = autoprobe_show, .store = autoprobe_store,
};
static const struct sysfs_attr bus_attr_probe = {
	.name = "drivers_probe", .mode = 0200, .store = drivers_probe_store,
};
static const struct sysfs_attr bus_attr_uevent = {
	.name = "uevent", .mode = 0200, .store = kobject_uevent_store,
};

int bus_register(struct bus_type *bus)
{
	struct subsys_private *sp;
	int ret;

	if (bus_find(bus->name))
		return -EEXIST;
	sp = kzalloc(sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->bus = bus;
	sp->drivers_autoprobe = true;
	INIT_LIST_HEAD(&sp->devices);
	INIT_LIST_HEAD(&sp->drivers);
	INIT_LIST_HEAD(&sp->notifiers);
	ret = sysfs_create_dir(sysfs_dir_bus(), bus->name, &sp->dir);
	if (ret)
		goto fail;
	if ((ret = sysfs_create_dir(sp->dir, "devices", &sp->devices_dir)) ||
	    (ret = sysfs_create_dir(sp->dir, "drivers", &sp->drivers_dir)) ||
	    (ret = sysfs_create_file(sp->dir, &bus_attr_uevent, bus, NULL)) ||
	    (ret = sysfs_create_file(sp->dir, &bus_attr_probe, bus, NULL)) ||
	    (ret = sysfs_create_file(sp->dir, &bus_attr_autoprobe, bus, NULL)))
		goto fail_dir;
	list_add_tail(&sp->entry, &kstate->bus.all_buses);
	return 0;
fail_dir:
	sysfs_remove(sp->dir);
fail:
	kfree(sp);
	return ret;
}

void bus_unregister(struct bus_type *bus)
{
	struct subsys_private *sp = bus_to_subsys(bus);
	if (!sp)
		return;
	list_del_init(&sp->entry);
	sysfs_remove(sp->dir);
	kfree(sp);
}

void buses_exit(void)
{
	struct list_head *all = &kstate->bus.all_buses;

	while (!list_empty(all))
		bus_unregister(list_first_entry(all, struct subsys_private, entry)->bus);
}

/* ---- devices on the bus ---------------------------------------------- */

int bus_add_device(struct device *dev)
{
	struct bus_type *bus = dev->bus;
	struct subsys_private *sp;
	int ret;
	if (!bus)
		return 0;
	sp = bus_to_subsys(bus);
	if (!sp)
		return -EINVAL;
	if (bus->add_dev_files && (ret = bus->add_dev_files(dev)))
		return ret;
	ret = sysfs_create_link(sp->devices_dir, dev_name(dev), dev->kobj);
	if (ret)
		return ret;
	ret = sysfs_create_link(dev->kobj, "subsystem", sp->dir);
	if (ret) {
		sysfs_remove_name(sp->devices_dir, dev_name(dev));
		return ret;
	}
	list_add_tail(&dev->bus_node, &sp->devices);
	return 0;
}

void bus_remove_device(struct device *dev)
{
	struct subsys_private *sp = bus_to_subsys(dev->bus);
	if (!sp)
		return;
	sysfs_remove_name(dev->kobj, "subsystem");
	sysfs_remove_name(sp->devices_dir, dev_name(dev));
	device_release_driver(dev);
	list_del_init(&dev->bus_node);
}

void bus_probe_device(struct device *dev)
{
	struct subsys_private *sp = bus_to_subsys(dev->bus);

	if (sp && sp->drivers_autoprobe)
		device_initial_probe(dev);
}

/* ---- drivers on the bus ---------------------------------------------- */

static ssize_t bind_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			  size_t len)
{
	struct device_driver *drv = owner;
	struct device *dev = bus_find_device_by_name(drv->bus, buf);
	int ret = -ENODEV;
	if (dev && driver_match_device(drv, dev)) {
		ret = device_driver_attach(drv, dev);
		if (!ret)
			return (ssize_t)len;
	}
	return ret;
}

static ssize_t unbind_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			    size_t len)
{
	struct device_driver *drv = owner;
	struct device *dev = bus_find_device_by_name(drv->bus, buf);
	if (dev && dev->driver == drv) {
		device_driver_detach(dev);
		return (ssize_t)len;
	}
	return -ENODEV;
}

static const struct sysfs_attr driver_attr_bind = {
	.name = "bind", .mode = 0200, .store = bind_store,
};
static const struct sysfs_attr driver_attr_unbind = {
	.name = "unbind", .mode = 0200, .store = unbind_store,
};
static const struct sysfs_attr driver_attr_uevent = {
	.name = "uevent", .mode = 0200, .store = kobject_uevent_store,
};

int bus_add_driver(struct device_driver *drv, struct module *owner)
{
	struct bus_type *bus = drv->bus;
	struct subsys_private *sp = bus_to_subsys(bus);
	struct driver_private *p;
	int ret;

	if (!sp)
		return -EINVAL;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->driver = drv;
	p->owner = owner;
	INIT_LIST_HEAD(&p->devices);
	ret = sysfs_create_dir(sp->drivers_dir, drv->name, &p->dir);
	if (ret) {
		kfree(p);
		return ret;
	}
	list_add_tail(&p->bus_node, &sp->drivers);
	if (sp->drivers_autoprobe)
		driver_attach(drv);
	if ((ret = module_add_driver(owner, drv)) ||
	    (ret = sysfs_create_file(p->dir, &driver_attr_uevent, drv, NULL)) ||
	    (bus->add_drv_files && (ret = bus->add_drv_files(drv))))
		goto fail;
	if (!drv->suppress_bind_attrs &&
	    ((ret = sysfs_create_file(p->dir, &driver_attr_bind, drv, NULL)) ||
	     (ret = sysfs_create_file(p->dir, &driver_attr_unbind, drv, NULL))))
		goto fail;
	return 0;
fail:
	bus_remove_driver(drv);
	return ret;
}

void bus_remove_driver(struct device_driver *drv)
{
	struct driver_private *p = driver_to_private(drv);
	if (!p)
		return;
	sysfs_remove_name(p->dir, "bind");
	sysfs_remove_name(p->dir, "unbind");
	sysfs_remove_name(p->dir, "uevent");
	driver_detach(drv);
	module_remove_driver(drv);
	list_del_init(&p->bus_node);
	sysfs_remove(p->dir);
	kfree(p);
}
