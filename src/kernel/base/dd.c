// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding devices to drivers and deferred probing (drivers/base/dd.c):
 * really_probe with its dma_configure/dma_cleanup seams, the pending and
 * active deferred lists, the trigger count that closes the race with a
 * dependency binding mid-probe, the late initcall and the timeout.
 *
 * The deferred-probe "work" runs as an event on the machine's queue (so
 * it runs when kernel_run_pending() or kernel_sleep() lets time pass), or
 * synchronously when flushed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/kalloc_internal.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

/* The state (struct dd_state, base.h) lives in kstate->dd. */
void dd_state_init(struct dd_state *dd)
{
	memset(dd, 0, sizeof(*dd));
	INIT_LIST_HEAD(&dd->deferred_probe_pending_list);
	INIT_LIST_HEAD(&dd->deferred_probe_active_list);
}

/* ---- the deferred lists ---------------------------------------------- */

void driver_deferred_probe_add(struct device *dev)
{
	if (!dev->can_match)
		return;
	if (list_empty(&dev->deferred_probe)) {
		dev_dbg(dev, "Added to deferred list\n");
		list_add_tail(&dev->deferred_probe, &kstate->dd.deferred_probe_pending_list);
	}
}

void driver_deferred_probe_del(struct device *dev)
{
	if (!list_empty(&dev->deferred_probe)) {
		dev_dbg(dev, "Removed from deferred list\n");
		list_del_init(&dev->deferred_probe);
		kfree(dev->deferred_probe_reason);
		dev->deferred_probe_reason = NULL;
	}
}

size_t deferred_probe_pending_count(void)
{
	return list_count(&kstate->dd.deferred_probe_pending_list);
}

static void deferred_probe_work_func(void)
{
	kstate->dd.work_queued = false;
	if (kstate->dd.work_running)
		return;
	kstate->dd.work_running = true;
	while (!list_empty(&kstate->dd.deferred_probe_active_list)) {
		struct device *dev = list_first_entry(&kstate->dd.deferred_probe_active_list,
						      struct device, deferred_probe);
		list_del_init(&dev->deferred_probe);
		get_device(dev);
		kfree(dev->deferred_probe_reason);
		dev->deferred_probe_reason = NULL;
		dev_dbg(dev, "Retrying from deferred list\n");
		bus_probe_device(dev);
		put_device(dev);
	}
	kstate->dd.work_running = false;
}

static void deferred_probe_work_event(void *arg)
{
	kstate->dd.work_event = 0;
	deferred_probe_work_func();
}

static void queue_deferred_work(void)
{
	struct machine *m = kernel_machine();
	if (kstate->dd.work_queued)
		return;
	kstate->dd.work_queued = true;
	if (m)
		kstate->dd.work_event = hw_event_schedule(m, 0, deferred_probe_work_event, NULL);
}

void deferred_probe_flush(void)
{
	struct machine *m = kernel_machine();
	while (kstate->dd.work_queued && !kstate->dd.work_running) {
		if (m && kstate->dd.work_event)
			hw_event_cancel(m, kstate->dd.work_event);
		kstate->dd.work_event = 0;
		deferred_probe_work_func();
	}
}

void driver_deferred_probe_trigger(void)
{
	if (!kstate->dd.driver_deferred_probe_enable)
		return;
	/*
	 * A successful probe means a dependency may now be met: give every
	 * pending device one more chance, counting triggers so a probe that
	 * deferred while one happened can ask again.
	 */
	kstate->dd.deferred_trigger_count++;
	list_splice_tail_init(&kstate->dd.deferred_probe_pending_list,
			      &kstate->dd.deferred_probe_active_list);
	queue_deferred_work();
}

void device_set_deferred_probe_reason(struct device *dev, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kfree(dev->deferred_probe_reason);
	dev->deferred_probe_reason = kasprintf("%s: %s", dev_driver_string(dev), msg);
}

int dev_err_probe(const struct device *dev, int err, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (err == -EPROBE_DEFER) {
		device_set_deferred_probe_reason((struct device *)dev, "%s\n", msg);
		dev_dbg(dev, "error %s: %s\n", "-EPROBE_DEFER", msg);
	} else if (err == -ENOMEM) {
		dev_dbg(dev, "error -ENOMEM: %s\n", msg);
	} else {
		char num[16];

		dev_err(dev, "error -%s: %s\n", errname(err, num, sizeof(num)), msg);
	}
	return err;
}

/* ---- policy: the timeout and "can this dependency still appear" ----- */

void deferred_probe_set_timeout(int seconds)
{
	kstate->dd.driver_deferred_probe_timeout = seconds;
}

int deferred_probe_get_timeout(void)
{
	return kstate->dd.driver_deferred_probe_timeout;
}

/* The supplier's device is itself waiting on the deferred list: it may still bind. */
static bool supplier_pending(const struct device_node *supplier)
{
	struct device *d;
	if (!supplier)
		return false;
	list_for_each_entry(d, &kstate->dd.deferred_probe_pending_list, deferred_probe)
		if (d->of_node == supplier)
			return true;
	list_for_each_entry(d, &kstate->dd.deferred_probe_active_list, deferred_probe)
		if (d->of_node == supplier)
			return true;
	return false;
}

int driver_deferred_probe_check_supplier(struct device *dev, const struct device_node *supplier)
{
	/*
	 * Linux asks IS_ENABLED(CONFIG_MODULES); the lab knows which modules
	 * are left and what they match, so a dependency none of them could
	 * provide, directly or through a supplier that is itself deferred,
	 * is given up at the end of boot, as a built-in-only kernel would.
	 */
	if (kstate->dd.initcalls_done && !module_could_provide(supplier) && !supplier_pending(supplier)) {
		dev_warn(dev, "ignoring dependency for device, assuming no driver\n");
		return -ENODEV;
	}
	if (!kstate->dd.driver_deferred_probe_timeout && kstate->dd.initcalls_done) {
		dev_warn(dev, "deferred probe timeout, ignoring dependency\n");
		return -ETIMEDOUT;
	}
	return -EPROBE_DEFER;
}

int driver_deferred_probe_check_state(struct device *dev)
{
	return driver_deferred_probe_check_supplier(dev, NULL);
}

static void deferred_probe_timeout_work_func(void *arg)
{
	struct device *dev;
	kstate->dd.timeout_queued = false;
	kstate->dd.timeout_event = 0;
	kstate->dd.driver_deferred_probe_timeout = 0;
	driver_deferred_probe_trigger();
	deferred_probe_flush();
	list_for_each_entry(dev, &kstate->dd.deferred_probe_pending_list, deferred_probe) {
		const char *r = dev->deferred_probe_reason;
		char reason[512];
		snprintf(reason, sizeof(reason), "%s", r ? r : "(reason unknown)");
		size_t n = strlen(reason);
		if (n && reason[n - 1] == '\n')
			reason[n - 1] = '\0';
		dev_warn(dev, "deferred probe pending: %s\n", reason);
	}
}

static void schedule_timeout_work(void)
{
	struct machine *m = kernel_machine();
	if (!m)
		return;
	kstate->dd.timeout_event =
		hw_event_schedule(m, (u64)kstate->dd.driver_deferred_probe_timeout * 1000000000ull,
				  deferred_probe_timeout_work_func, NULL);
	kstate->dd.timeout_queued = true;
}

void deferred_probe_extend_timeout(void)
{
	/* Only a still-queued timeout is pushed back; an expired one stays expired. */
	if (!kstate->dd.timeout_queued)
		return;
	hw_event_cancel(kernel_machine(), kstate->dd.timeout_event);
	schedule_timeout_work();
	pr_debug("Extended deferred probe timeout by %d secs\n",
		 kstate->dd.driver_deferred_probe_timeout);
}

void deferred_probe_initcall(void)
{
	kstate->dd.driver_deferred_probe_enable = true;
	driver_deferred_probe_trigger();
	/* Sort out as many dependencies as possible before initcalls end. */
	deferred_probe_flush();
	kstate->dd.initcalls_done = true;
	/* Again: this time optional dependencies are not waited for. */
	driver_deferred_probe_trigger();
	deferred_probe_flush();
	if (kstate->dd.driver_deferred_probe_timeout > 0)
		schedule_timeout_work();
}

/* /sys/kernel/debug/devices_deferred */
static ssize_t devices_deferred_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct device *dev;
	size_t off = 0;
	list_for_each_entry(dev, &kstate->dd.deferred_probe_pending_list, deferred_probe) {
		int n = snprintf(buf + off, PAGE_SIZE - off, "%s\t%s", dev_name(dev),
				 dev->deferred_probe_reason ? dev->deferred_probe_reason : "\n");
		if (n < 0 || (size_t)n >= PAGE_SIZE - off) {
			off = PAGE_SIZE;
			break;
		}
		off += (size_t)n;
	}
	return (ssize_t)off;
}

static const struct sysfs_attr devices_deferred_attr = {
	.name = "devices_deferred", .mode = 0444, .show = devices_deferred_show,
};

int deferred_probe_debugfs_init(void)
{
	return sysfs_create_file(sysfs_dir_debug(), &devices_deferred_attr, NULL, NULL);
}

void deferred_probe_exit(void)
{
	struct machine *m = kernel_machine();
	if (m && kstate->dd.work_event)
		hw_event_cancel(m, kstate->dd.work_event);
	if (m && kstate->dd.timeout_queued)
		hw_event_cancel(m, kstate->dd.timeout_event);
	while (!list_empty(&kstate->dd.deferred_probe_pending_list))
		driver_deferred_probe_del(list_first_entry(&kstate->dd.deferred_probe_pending_list,
							   struct device, deferred_probe));
	while (!list_empty(&kstate->dd.deferred_probe_active_list))
		driver_deferred_probe_del(list_first_entry(&kstate->dd.deferred_probe_active_list,
							   struct device, deferred_probe));
	/* Back to boot values: a test may init the driver core again. */
	dd_state_init(&kstate->dd);
}

int driver_probe_done(void)
{
	return kstate->dd.probe_count ? -EBUSY : 0;
}

/* ---- DMA configuration seam ------------------------------------------ */

void dma_configure_set_ops(const struct dma_configure_ops *ops)
{
	kstate->dd.dma_ops_hooks = ops;
}

int generic_dma_configure(struct device *dev)
{
	const struct dma_configure_ops *ops = kstate->dd.dma_ops_hooks;
	int ret = 0;
	if (ops && ops->fw_configure)
		ret = ops->fw_configure(dev);
	if (ret || !dev->driver || dev->driver->driver_managed_dma)
		return ret;
	if (ops && ops->use_default_domain) {
		ret = ops->use_default_domain(dev);
		if (ret && ops->fw_teardown)
			ops->fw_teardown(dev);
	}
	return ret;
}

void generic_dma_cleanup(struct device *dev)
{
	const struct dma_configure_ops *ops = kstate->dd.dma_ops_hooks;
	if (dev->driver && !dev->driver->driver_managed_dma && ops && ops->unuse_default_domain)
		ops->unuse_default_domain(dev);
}

/* ---- binding --------------------------------------------------------- */

static void driver_bound(struct device *dev)
{
	if (device_is_bound(dev)) {
		dev_warn(dev, "driver_bound: device already bound\n");
		return;
	}
	list_add_tail(&dev->driver_node, &driver_to_private(dev->driver)->devices);
	dev->bound_against_override = dev->driver_override &&
				      strcmp(dev->driver_override, dev->driver->name);
	/* No longer deferred; and every pending device gets another go. */
	driver_deferred_probe_del(dev);
	driver_deferred_probe_trigger();
	bus_notify(dev, BUS_NOTIFY_BOUND_DRIVER);
}

static int driver_sysfs_add(struct device *dev)
{
	struct driver_private *p = driver_to_private(dev->driver);
	int ret;
	bus_notify(dev, BUS_NOTIFY_BIND_DRIVER);
	ret = sysfs_create_link(p->dir, dev_name(dev), dev->kobj);
	if (ret)
		return ret;
	ret = sysfs_create_link(dev->kobj, "driver", p->dir);
	if (ret)
		sysfs_remove_name(p->dir, dev_name(dev));
	return ret;
}

static void driver_sysfs_remove(struct device *dev)
{
	struct driver_private *p = driver_to_private(dev->driver);

	if (p) {
		sysfs_remove_name(p->dir, dev_name(dev));
		sysfs_remove_name(dev->kobj, "driver");
	}
}

static void device_unbind_cleanup(struct device *dev)
{
	devres_release_all(dev);
	dev->dma_ops = NULL;
	dev->driver = NULL;
	dev_set_drvdata(dev, NULL);
}

static void device_remove(struct device *dev)
{
	if (dev->bus && dev->bus->remove)
		dev->bus->remove(dev);
	else if (dev->driver->remove)
		dev->driver->remove(dev);
}

static int call_driver_probe(struct device *dev, struct device_driver *drv)
{
	int ret = 0;
	if (dev->bus->probe)
		ret = dev->bus->probe(dev);
	else if (drv->probe)
		ret = drv->probe(dev);
	switch (ret) {
	case 0:
		break;
	case -EPROBE_DEFER:
		dev_dbg(dev, "Driver %s requests probe deferral\n", drv->name);
		break;
	case -ENODEV:
	case -ENXIO:
		dev_dbg(dev, "probe with driver %s rejects match %d\n", drv->name, ret);
		break;
	default:
		dev_err(dev, "probe with driver %s failed with error %d\n", drv->name, ret);
		break;
	}
	return ret;
}

/* Probe errors come back positive, set-up errors negative, as in Linux. */
static int really_probe(struct device *dev, struct device_driver *drv)
{
	int ret;

	if (kstate->dd.defer_all_probes) {
		dev_dbg(dev, "Driver %s force probe deferral\n", drv->name);
		return -EPROBE_DEFER;
	}
	if (!list_empty(&dev->devres_head)) {
		dev_crit(dev, "Resources present before probing\n");
		return -EBUSY;
	}
	dev->driver = drv;
	if (dev->bus->dma_configure) {
		ret = dev->bus->dma_configure(dev);
		if (ret)
			goto dma_failed;
	}
	ret = driver_sysfs_add(dev);
	if (ret) {
		dev_err(dev, "really_probe: driver_sysfs_add failed\n");
		goto sysfs_failed;
	}
	ret = call_driver_probe(dev, drv);
	if (ret) {
		ret = -ret;
		goto probe_failed;
	}
	driver_bound(dev);
	dev_dbg(dev, "bus: '%s': really_probe: bound device %s to driver %s\n",
		drv->bus->name, dev_name(dev), drv->name);
	return 0;

probe_failed:
	driver_sysfs_remove(dev);
sysfs_failed:
	bus_notify(dev, BUS_NOTIFY_DRIVER_NOT_BOUND);
	if (dev->bus->dma_cleanup)
		dev->bus->dma_cleanup(dev);
dma_failed:
	device_unbind_cleanup(dev);
	return ret;
}

static int __driver_probe_device(struct device_driver *drv, struct device *dev)
{
	if (dev->dead || !dev->registered)
		return -ENODEV;
	if (dev->driver)
		return -EBUSY;
	dev->can_match = true;
	dev_dbg(dev, "bus: '%s': matched device with driver %s\n", drv->bus->name, drv->name);
	return really_probe(dev, drv);
}

static int driver_probe_device(struct device_driver *drv, struct device *dev)
{
	unsigned trigger_count = kstate->dd.deferred_trigger_count;
	int ret;

	kstate->dd.probe_count++;
	ret = __driver_probe_device(drv, dev);
	if (ret == -EPROBE_DEFER || ret == EPROBE_DEFER) {
		driver_deferred_probe_add(dev);
		/* A dependency bound while we were probing: look again. */
		if (trigger_count != kstate->dd.deferred_trigger_count && !kstate->dd.defer_all_probes)
			driver_deferred_probe_trigger();
	}
	kstate->dd.probe_count--;
	return ret;
}

/*
 * driver_match_device, queueing the device for a retry when the bus asks
 * for deferral: > 0 a match, 0 none, < 0 an error. The debug lines carry
 * the caller's name (@func), as dynamic debug's func selects them in Linux.
 */
static int match_or_defer(struct device_driver *drv, struct device *dev, const char *func)
{
	int ret = driver_match_device(drv, dev);

	if (ret == -EPROBE_DEFER) {
		__dev_dbg(__FILE__, func, dev, "Device match requests probe deferral\n");
		dev->can_match = true;
		driver_deferred_probe_add(dev);
	} else if (ret < 0) {
		__dev_dbg(__FILE__, func, dev, "Bus failed to match device: %d\n", ret);
	}
	return ret;
}

static int __device_attach_driver(struct device_driver *drv, void *data)
{
	struct device *dev = data;
	int ret = match_or_defer(drv, dev, __func__);

	if (ret <= 0)
		return ret;
	/* A failed probe (positive) lets the next driver try. */
	ret = driver_probe_device(drv, dev);
	if (ret < 0)
		return ret;
	return ret == 0;
}

/* 1 bound, 0 no driver took it, < 0 error. */
int device_attach(struct device *dev)
{
	if (dev->dead)
		return 0;
	if (dev->driver)
		return device_is_bound(dev) ? 1 : 0;
	return bus_for_each_drv(dev->bus, NULL, dev, __device_attach_driver);
}

void device_initial_probe(struct device *dev)
{
	device_attach(dev);
}

int device_driver_attach(struct device_driver *drv, struct device *dev)
{
	int ret = __driver_probe_device(drv, dev);
	if (ret > 0)
		ret = -ret;
	if (ret == -EPROBE_DEFER)
		return -EAGAIN;
	return ret;
}

static int __driver_attach(struct device *dev, void *data)
{
	struct device_driver *drv = data;

	/* A match error or deferral does not stop the walk over the devices. */
	if (match_or_defer(drv, dev, __func__) > 0)
		driver_probe_device(drv, dev);
	return 0;
}

int driver_attach(struct device_driver *drv)
{
	return bus_for_each_dev(drv->bus, NULL, drv, __driver_attach);
}

static void __device_release_driver(struct device *dev)
{
	struct device_driver *drv = dev->driver;
	if (!drv)
		return;
	driver_sysfs_remove(dev);
	bus_notify(dev, BUS_NOTIFY_UNBIND_DRIVER);
	device_remove(dev);
	if (dev->bus && dev->bus->dma_cleanup)
		dev->bus->dma_cleanup(dev);
	device_unbind_cleanup(dev);
	list_del_init(&dev->driver_node);
	bus_notify(dev, BUS_NOTIFY_UNBOUND_DRIVER);
}

void device_release_driver(struct device *dev)
{
	__device_release_driver(dev);
}

void device_driver_detach(struct device *dev)
{
	__device_release_driver(dev);
}

void driver_detach(struct device_driver *drv)
{
	struct driver_private *p = driver_to_private(drv);

	/* Last bound first. */
	while (p && !list_empty(&p->devices)) {
		struct device *dev = list_last_entry(&p->devices, struct device, driver_node);
		get_device(dev);
		__device_release_driver(dev);
		put_device(dev);
	}
}

int driver_for_each_device(struct device_driver *drv, void *data,
			   int (*fn)(struct device *dev, void *data))
{
	struct driver_private *p = driver_to_private(drv);
	struct device *dev, *n;
	if (!p)
		return -EINVAL;
	list_for_each_entry_safe(dev, n, &p->devices, driver_node) {
		int ret = fn(dev, data);
		if (ret)
			return ret;
	}
	return 0;
}
