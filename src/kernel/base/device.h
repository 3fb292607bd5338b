/*
 * The device model: buses, devices, drivers, as in Linux's <linux/device.h>.
 * Later subsystems extend it: the IOMMU core fills the iommu slots of
 * struct device and implements bus dma_configure/dma_cleanup, PCI adds a
 * bus, VFIO adds drivers. Everything is single-threaded and global, like
 * the one kernel it models; kernel_shutdown() tears it all down.
 */
#ifndef LAB_KERNEL_BASE_DEVICE_H
#define LAB_KERNEL_BASE_DEVICE_H

#include <errno.h>

#include "common/list.h"
#include "common/master_id.h"
#include "common/types.h"

/* Linux's internal errno values, never seen by user space. */
#ifndef EPROBE_DEFER
#define EPROBE_DEFER 517
#endif

struct device;
struct device_driver;
struct bus_type;
struct device_node;
struct module;
struct sysfs_node;
struct iommu_group;
struct dev_iommu;
struct iommu_fwspec;

/* ---- notifiers (bus events the IOMMU core listens to) ---------------- */

enum {
	BUS_NOTIFY_ADD_DEVICE = 1,	/* device added */
	BUS_NOTIFY_DEL_DEVICE,		/* device about to be removed */
	BUS_NOTIFY_REMOVED_DEVICE,	/* device removed */
	BUS_NOTIFY_BIND_DRIVER,		/* driver about to be bound */
	BUS_NOTIFY_BOUND_DRIVER,	/* driver bound */
	BUS_NOTIFY_UNBIND_DRIVER,	/* driver about to be unbound */
	BUS_NOTIFY_UNBOUND_DRIVER,	/* driver unbound */
	BUS_NOTIFY_DRIVER_NOT_BOUND,	/* probe failed */
};

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	struct list_head link;
};

/* ---- bus ------------------------------------------------------------- */

struct bus_type {
	const char *name;
	/* 0 no match, > 0 match, -EPROBE_DEFER undecided, other < 0 error. */
	int (*match)(struct device *dev, const struct device_driver *drv);
	/* Adds "KEY=value\n" lines to a uevent file after DRIVER= (may be NULL). */
	int (*uevent)(const struct device *dev, char *buf, size_t size);
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	/* The IOMMU seams: called around every probe, as really_probe does. */
	int (*dma_configure)(struct device *dev);
	void (*dma_cleanup)(struct device *dev);
	/* Creates the bus-specific per-device files (driver_override, modalias...). */
	int (*add_dev_files)(struct device *dev);
	/* Per-driver extra files (PCI new_id/remove_id); may be NULL. */
	int (*add_drv_files)(struct device_driver *drv);
	/*
	 * The identity the device's DMA carries on the machine (master_id.h),
	 * from what the bus knows of it: the DT node of a platform device,
	 * segment and requester ID of a PCI function. May be NULL: none.
	 */
	struct master_id (*master_id)(const struct device *dev);
	/* Constant once defined: the driver core's half is bus_to_subsys(). */
};

int bus_register(struct bus_type *bus);
void bus_unregister(struct bus_type *bus);
int bus_register_notifier(struct bus_type *bus, struct notifier_block *nb);
int bus_unregister_notifier(struct bus_type *bus, struct notifier_block *nb);
/* Iteration in insertion order; a non-zero return stops and is returned. */
int bus_for_each_dev(struct bus_type *bus, struct device *start, void *data,
		     int (*fn)(struct device *dev, void *data));
int bus_for_each_drv(struct bus_type *bus, struct device_driver *start, void *data,
		     int (*fn)(struct device_driver *drv, void *data));
struct device *bus_find_device_by_name(struct bus_type *bus, const char *name);
struct device *bus_find_device_by_of_node(struct bus_type *bus, const struct device_node *np);
struct device_driver *driver_find(const char *name, struct bus_type *bus);
struct bus_type *bus_find(const char *name);

/* ---- driver ---------------------------------------------------------- */

struct of_device_id {
	const char *compatible;
	const void *data;
};

struct device_driver {
	const char *name;
	struct bus_type *bus;
	const struct of_device_id *of_match_table;	/* ends with a NULL compatible */
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	bool suppress_bind_attrs;	/* no bind/unbind files */
	bool driver_managed_dma;	/* vfio & co: not a kernel DMA user */
	/*
	 * The driver core's half is driver_to_private(): nothing here is
	 * written. Its module (Linux's .owner) is driver_owner().
	 */
};

int driver_register(struct device_driver *drv);
/* The module that registered @drv (its init was running), NULL when built in or not registered. */
struct module *driver_owner(const struct device_driver *drv);
void driver_unregister(struct device_driver *drv);
/* Binds every unbound matching device (bus_add_driver, new_id). */
int driver_attach(struct device_driver *drv);
int driver_for_each_device(struct device_driver *drv, void *data,
			   int (*fn)(struct device *dev, void *data));
/* The driver_override setter with Linux's rules (length, newline, empty clears). */
int driver_set_override(struct device *dev, char **override, const char *s, size_t len);

/* ---- device ---------------------------------------------------------- */

struct device {
	char *name;
	struct device *parent;
	struct bus_type *bus;
	struct device_driver *driver;
	struct device_node *of_node;
	char *driver_override;		/* bus with override support */
	/*
	 * Set when the binding was made while driver_override named another
	 * driver: no Linux path does that (the invariant checker's witness;
	 * writing the override later, while bound, is legal and leaves it).
	 */
	bool bound_against_override;
	void *driver_data;
	void *platform_data;
	void (*release)(struct device *dev);

	/* DMA */
	u64 dma_mask;
	u64 coherent_dma_mask;
	const void *dma_ops;		/* set by dma_configure (the IOMMU layer) */

	/* ---- IOMMU: owned and filled by the IOMMU core (src/kernel/iommu) ---- */
	struct dev_iommu *iommu;		/* per-device IOMMU data, fwspec */
	struct iommu_group *iommu_group;	/* the group, NULL when none */
	/* ------------------------------------------------------------------- */

	/* driver core private state */
	int refcount;
	bool registered;		/* device_add done, device_del not yet */
	bool dead;			/* device_del started */
	bool can_match;			/* a driver matched once: deferral allowed */
	bool parent_held;		/* device_add took a reference on the parent */
	struct list_head devres_head;
	struct list_head bus_node;	/* bus_to_subsys(bus)->devices */
	struct list_head driver_node;	/* driver_to_private(driver)->devices */
	struct list_head child_node;	/* parent->children */
	struct list_head children;
	struct list_head deferred_probe;	/* pending or active list */
	char *deferred_probe_reason;
	struct sysfs_node *kobj;	/* its directory under /sys/devices */
};

static inline const char *dev_name(const struct device *dev)
{
	return dev->name ? dev->name : "";
}

/*
 * The bus master identity of @dev (its bus's master_id op); a NONE
 * identity when it has no bus, or a bus with no DMA masters.
 */
static inline struct master_id dev_master_id(const struct device *dev)
{
	if (dev && dev->bus && dev->bus->master_id)
		return dev->bus->master_id(dev);
	return master_id_none();
}

static inline void *dev_get_drvdata(const struct device *dev) { return dev->driver_data; }
static inline void dev_set_drvdata(struct device *dev, void *data) { dev->driver_data = data; }

int dev_set_name(struct device *dev, const char *fmt, ...) __printf(2, 3);
void device_initialize(struct device *dev);
int device_add(struct device *dev);
void device_del(struct device *dev);
int device_register(struct device *dev);
void device_unregister(struct device *dev);
struct device *get_device(struct device *dev);
void put_device(struct device *dev);
const char *dev_driver_string(const struct device *dev);
bool device_is_bound(const struct device *dev);
int device_for_each_child(struct device *parent, void *data,
			  int (*fn)(struct device *dev, void *data));
/* Adds a link under a device's directory (iommu_group, of_node, ...). */
int device_create_link(struct device *dev, const char *name, struct sysfs_node *target);

/* ---- binding (dd.c) -------------------------------------------------- */

int device_attach(struct device *dev);
/* Binds @dev to @drv (sysfs bind): -EBUSY bound, -EAGAIN deferred, probe errors. */
int device_driver_attach(struct device_driver *drv, struct device *dev);
void device_release_driver(struct device *dev);
void device_driver_detach(struct device *dev);
void driver_detach(struct device_driver *drv);
int driver_probe_done(void);
/* Runs the deferred-probe work until the active list is empty (flush_work). */
void deferred_probe_flush(void);
void driver_deferred_probe_trigger(void);
/* For optional dependencies: -EPROBE_DEFER, or -ENODEV / -ETIMEDOUT once hopeless. */
int driver_deferred_probe_check_state(struct device *dev);
/*
 * The same for a dependency on the device tree node @supplier (an IOMMU, a
 * supplier phandle): after the late initcall it is hopeless (-ENODEV) when
 * no module that is not loaded matches @supplier and @supplier's device is
 * not itself deferred. @supplier NULL: any module not loaded might provide
 * it (driver_deferred_probe_check_state).
 */
struct device_node;
int driver_deferred_probe_check_supplier(struct device *dev, const struct device_node *supplier);
/* Stores "<drvname>: <reason>" for devices_deferred. */
void device_set_deferred_probe_reason(struct device *dev, const char *fmt, ...) __printf(2, 3);
/* dev_err_probe: logs (or records the deferral reason) and returns @err. */
int dev_err_probe(const struct device *dev, int err, const char *fmt, ...) __printf(3, 4);

/* Deferred-probe policy (kernel_boot sets the timeout from the command line). */
void deferred_probe_set_timeout(int seconds);
int deferred_probe_get_timeout(void);
/* late_initcall: enable, trigger and flush twice, schedule the timeout. */
void deferred_probe_initcall(void);
/* Called by driver_register(): pushes a queued timeout back by a full period. */
void deferred_probe_extend_timeout(void);
/* Number of devices on the pending list (tests). */
size_t deferred_probe_pending_count(void);

/* ---- DMA configuration seam ------------------------------------------ */

/*
 * What a bus's dma_configure/dma_cleanup call, as Linux's platform and PCI
 * buses do: firmware DMA setup (of_dma_configure: may return -EPROBE_DEFER
 * while the IOMMU driver is missing), then, unless the driver sets
 * driver_managed_dma, DMA ownership of the default domain. The IOMMU core
 * installs these at init; with none installed the steps succeed and do
 * nothing. Any member may be NULL.
 */
struct dma_configure_ops {
	int (*fw_configure)(struct device *dev);	/* of_dma_configure */
	void (*fw_teardown)(struct device *dev);	/* arch_teardown_dma_ops */
	int (*use_default_domain)(struct device *dev);
	void (*unuse_default_domain)(struct device *dev);
};
void dma_configure_set_ops(const struct dma_configure_ops *ops);
/* The generic bodies buses plug into bus_type.dma_configure / dma_cleanup. */
int generic_dma_configure(struct device *dev);
void generic_dma_cleanup(struct device *dev);

/* ---- devres (managed resources, released after remove / failed probe) -- */

typedef void (*dr_release_t)(struct device *dev, void *res);
void *devres_alloc(dr_release_t release, size_t size);
void devres_free(void *res);
void devres_add(struct device *dev, void *res);
/* Releases every resource in reverse order of acquisition. */
void devres_release_all(struct device *dev);
/* Removes (without releasing) and frees the resource matching @match. */
int devres_destroy(struct device *dev, dr_release_t release,
		   bool (*match)(struct device *dev, void *res, void *data), void *data);
int devm_add_action(struct device *dev, void (*action)(void *), void *data);
void *devm_kzalloc(struct device *dev, size_t size);

/* ---- driver core set-up (kernel.c) ----------------------------------- */

int driver_core_init(void);
void driver_core_exit(void);

#endif
