/* Driver-core internals shared by core.c, bus.c, dd.c, driver.c. */
#ifndef LAB_KERNEL_BASE_BASE_H
#define LAB_KERNEL_BASE_BASE_H

#include "kernel/base/device.h"
#include "kernel/base/sysfs.h"

struct subsys_private {
	struct bus_type *bus;
	struct list_head devices;	/* struct device.bus_node, insertion order */
	struct list_head drivers;	/* struct driver_private.bus_node */
	struct list_head notifiers;
	struct list_head entry;		/* all buses */
	struct sysfs_node *dir, *devices_dir, *drivers_dir;
	bool drivers_autoprobe;
};

struct driver_private {
	struct device_driver *driver;
	struct list_head bus_node;
	struct list_head devices;	/* struct device.driver_node, bind order */
	struct sysfs_node *dir;
	struct module *owner;		/* THIS_MODULE at registration; NULL: built in */
};

/* bus.c's kernel state (struct kernel.bus). */
struct bus_state {
	struct list_head all_buses;	/* struct subsys_private.entry */
};

/* dd.c's kernel state (struct kernel.dd): binding and deferred probing. */
struct dd_state {
	struct list_head deferred_probe_pending_list;
	struct list_head deferred_probe_active_list;
	unsigned deferred_trigger_count;
	bool driver_deferred_probe_enable;
	bool initcalls_done;
	bool defer_all_probes;
	int driver_deferred_probe_timeout;
	int probe_count;
	bool work_queued, work_running;
	u64 work_event;
	bool timeout_queued;
	u64 timeout_event;
	const struct dma_configure_ops *dma_ops_hooks;
};

/* core.c's kernel state (struct kernel.core): the well-known /sys directories. */
struct core_state {
	struct sysfs_node *dir_devices, *dir_bus, *dir_class, *dir_kernel, *dir_debug,
		*dir_firmware, *dir_module;
};

void bus_state_init(struct bus_state *bs);
void dd_state_init(struct dd_state *dd);

/* The sysfs "well-known" directories. */
struct sysfs_node *sysfs_dir_bus(void);
struct sysfs_node *sysfs_dir_debug(void);
struct sysfs_node *sysfs_dir_firmware(void);
struct sysfs_node *sysfs_dir_module(void);

static inline int driver_match_device(const struct device_driver *drv, struct device *dev)
{
	return drv->bus->match ? drv->bus->match(dev, drv) : 1;
}

/* The bus's registration in the running kernel, or NULL (bus.c). */
struct subsys_private *bus_to_subsys(const struct bus_type *bus);
/* The driver's registration on its bus, or NULL (bus.c). */
struct driver_private *driver_to_private(const struct device_driver *drv);
void bus_notify(struct device *dev, unsigned long action);
int bus_add_device(struct device *dev);
void bus_remove_device(struct device *dev);
void bus_probe_device(struct device *dev);
int bus_add_driver(struct device_driver *drv, struct module *owner);
void bus_remove_driver(struct device_driver *drv);
void buses_exit(void);

void driver_deferred_probe_del(struct device *dev);
void driver_deferred_probe_add(struct device *dev);
void deferred_probe_exit(void);
int deferred_probe_debugfs_init(void);
void device_initial_probe(struct device *dev);

/* sysfs_streq: equal, ignoring one trailing newline on either side. */
bool sysfs_streq(const char *a, const char *b);
/* The store of every uevent file (device, bus, driver): an action name or -EINVAL. */
ssize_t kobject_uevent_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			     size_t len);
/*
 * "EPROBE_DEFER" for -EPROBE_DEFER, "1234" for -1234: %pe without its sign.
 * A number is written to @buf (16 bytes are enough), a name is not.
 */
const char *errname(int err, char *buf, size_t size);

/* module.c: driver <-> module links */
int module_add_driver(struct module *mod, struct device_driver *drv);
void module_remove_driver(struct device_driver *drv);
struct module *module_current(void);

#endif
