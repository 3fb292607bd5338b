/*
 * The PCI core's interface for PCI drivers, the MSI layer and the IOMMU
 * core (Linux's <linux/pci.h>, same names and signatures unless noted).
 *
 * Differences from Linux, chosen for this kernel:
 * - MMIO is by physical address (readl(u64)): pci_iomap returns the BAR's
 *   CPU address as a u64 (0: failure) instead of a void __iomem pointer.
 * - A driver's dynamic IDs (new_id) live in the PCI core's state, not in
 *   struct pci_driver (drivers are constant tables here, docs/hacking.md
 *   "Kernel state").
 * - The module owner comes from driver_register (driver_owner()), so
 *   pci_register_driver is a function without THIS_MODULE.
 */
#ifndef LAB_KERNEL_PCI_PCI_H
#define LAB_KERNEL_PCI_PCI_H

#include "common/list.h"
#include "common/types.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"	/* struct resource */
#include "kernel/base/printk.h"
#include "kernel/pci/pci_regs.h"

/* ---- resources ------------------------------------------------------- */

#define IORESOURCE_BITS		0x000000ffUL	/* bus-specific bits (BAR type) */
#define IORESOURCE_TYPE_BITS	0x00001f00UL
#define IORESOURCE_IO		0x00000100UL
#define IORESOURCE_BUS		0x00001000UL
#define IORESOURCE_PREFETCH	0x00002000UL
#define IORESOURCE_READONLY	0x00004000UL
#define IORESOURCE_SIZEALIGN	0x00040000UL
#define IORESOURCE_MEM_64	0x00100000UL
#define IORESOURCE_WINDOW	0x00200000UL
#define IORESOURCE_DISABLED	0x10000000UL
#define IORESOURCE_UNSET	0x20000000UL

static inline unsigned long resource_type(const struct resource *r)
{
	return r->flags & IORESOURCE_TYPE_BITS;
}

/* Resource numbers of a pci_dev (CONFIG_PCI_IOV layout, as lspci sees it). */
#define PCI_STD_NUM_BARS	6
#define PCI_STD_RESOURCES	0
#define PCI_STD_RESOURCE_END	5
#define PCI_ROM_RESOURCE	6
#define PCI_IOV_RESOURCES	7
#define PCI_BRIDGE_RESOURCES	13	/* first bridge window */
#define PCI_BRIDGE_IO_WINDOW	(PCI_BRIDGE_RESOURCES + 0)
#define PCI_BRIDGE_MEM_WINDOW	(PCI_BRIDGE_RESOURCES + 1)
#define PCI_BRIDGE_PREF_MEM_WINDOW (PCI_BRIDGE_RESOURCES + 2)
#define PCI_BRIDGE_RESOURCE_NUM	4
#define PCI_NUM_RESOURCES	(PCI_BRIDGE_RESOURCES + PCI_BRIDGE_RESOURCE_NUM)
#define DEVICE_COUNT_RESOURCE	PCI_NUM_RESOURCES

#define pci_resource_start(dev, bar)	((dev)->resource[(bar)].start)
#define pci_resource_end(dev, bar)	((dev)->resource[(bar)].end)
#define pci_resource_flags(dev, bar)	((dev)->resource[(bar)].flags)
#define pci_resource_len(dev, bar)					\
	((pci_resource_end((dev), (bar)) == 0) ? 0 :			\
	 resource_size(&(dev)->resource[(bar)]))

/* ---- identifiers ----------------------------------------------------- */

#define PCI_ANY_ID (~0u)

#define PCI_DEVFN(slot, func)	((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 0x07)

/* An entry of a driver's id_table (include/linux/mod_devicetable.h). */
struct pci_device_id {
	u32 vendor, device;		/* PCI_ANY_ID: any */
	u32 subvendor, subdevice;	/* PCI_ANY_ID: any */
	u32 class, class_mask;		/* (class ^ dev->class) & class_mask == 0 */
	unsigned long driver_data;	/* the driver's own */
	u32 override_only;		/* PCI_ID_F_*: match only by driver_override */
};

#define PCI_ID_F_VFIO_DRIVER_OVERRIDE 1

#define PCI_DEVICE(vend, dev)						\
	.vendor = (vend), .device = (dev),				\
	.subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID
#define PCI_DEVICE_SUB(vend, dev, subvend, subdev)			\
	.vendor = (vend), .device = (dev),				\
	.subvendor = (subvend), .subdevice = (subdev)
#define PCI_DEVICE_CLASS(dev_class, dev_class_mask)			\
	.class = (dev_class), .class_mask = (dev_class_mask),		\
	.vendor = PCI_ANY_ID, .device = PCI_ANY_ID,			\
	.subvendor = PCI_ANY_ID, .subdevice = PCI_ANY_ID
#define PCI_DRIVER_OVERRIDE_DEVICE_VFIO(vend, dev)			\
	PCI_DEVICE(vend, dev), .override_only = PCI_ID_F_VFIO_DRIVER_OVERRIDE

#define PCI_VENDOR_ID_IOMMULAB	0x1de5
#define PCI_CLASS_BRIDGE_PCI	0x0604
#define PCI_CLASS_STORAGE_EXPRESS 0x010802

/* Config accessor results (positive, as Linux's PCIBIOS_* codes). */
#define PCIBIOS_SUCCESSFUL		0x00
#define PCIBIOS_FUNC_NOT_SUPPORTED	0x81
#define PCIBIOS_BAD_VENDOR_ID		0x83
#define PCIBIOS_DEVICE_NOT_FOUND	0x86
#define PCIBIOS_BAD_REGISTER_NUMBER	0x87
#define PCIBIOS_SET_FAILED		0x88
#define PCIBIOS_BUFFER_TOO_SMALL	0x89
/* PCIBIOS_* to -errno. */
int pcibios_err_to_errno(int err);

#define PCI_POSSIBLE_ERROR(val)	((val) == ((typeof(val))~0))

/* ---- buses, host bridges ---------------------------------------------- */

struct pci_bus;
struct pci_dev;

/* A host bridge's configuration access method (ECAM: map_bus + generic). */
struct pci_ops {
	/* The CPU address of (@bus, @devfn, @where); 0: not reachable. */
	u64 (*map_bus)(struct pci_bus *bus, unsigned devfn, int where);
	int (*read)(struct pci_bus *bus, unsigned devfn, int where, int size, u32 *val);
	int (*write)(struct pci_bus *bus, unsigned devfn, int where, int size, u32 val);
};

/* pci_generic_config_read/write: through ops->map_bus with readb/w/l. */
int pci_generic_config_read(struct pci_bus *bus, unsigned devfn, int where, int size,
			    u32 *val);
int pci_generic_config_write(struct pci_bus *bus, unsigned devfn, int where, int size,
			     u32 val);

/* A host-bridge window: CPU range and the bus address offset (cpu - bus). */
struct resource_entry {
	struct list_head node;
	struct resource *res;
	s64 offset;
	struct resource __res;
};

struct pci_host_bridge {
	struct device dev;		/* "pci%04x:%02x", parent the controller */
	struct pci_bus *bus;		/* the root bus */
	const struct pci_ops *ops;
	void *sysdata;
	int busnr;			/* first bus number */
	int busnr_end;			/* last bus number (bus-range) */
	int domain_nr;			/* the PCI segment */
	struct list_head windows;	/* resource_entry: ranges (+ the bus range) */
	struct list_head dma_ranges;	/* resource_entry: dma-ranges */
	bool preserve_config;		/* linux,pci-probe-only: keep firmware's setup */
	void *private;			/* the controller driver's */
};

#define to_pci_host_bridge(d) container_of((d), struct pci_host_bridge, dev)

struct pci_bus {
	struct list_head node;		/* the parent's children list */
	struct pci_bus *parent;		/* NULL: root bus */
	struct list_head children;	/* child buses */
	struct list_head devices;	/* pci_dev on this bus, devfn order */
	struct pci_dev *self;		/* the bridge above, NULL on the root bus */
	struct resource *resource[PCI_BRIDGE_RESOURCE_NUM]; /* its windows */
	const struct pci_ops *ops;
	void *sysdata;
	struct device *bridge;		/* the host bridge's or the bridge's device */
	struct resource busn_res;	/* bus numbers behind this bus */
	unsigned char number;		/* this bus */
	unsigned char primary;		/* the bus above */
	int domain_nr;
	char name[48];
	bool is_added;
};

static inline bool pci_is_root_bus(const struct pci_bus *pbus)
{
	return !(pbus->parent);
}

int pci_domain_nr(const struct pci_bus *bus);
/* The host bridge a bus or device hangs from. */
struct pci_host_bridge *pci_find_host_bridge(struct pci_bus *bus);
/* The host bridge's parent (the platform device), Linux's pci_get_host_bridge_device less the ref. */
struct device *pci_get_host_bridge_device(struct pci_dev *dev);

int pci_bus_read_config_byte(struct pci_bus *bus, unsigned devfn, int where, u8 *val);
int pci_bus_read_config_word(struct pci_bus *bus, unsigned devfn, int where, u16 *val);
int pci_bus_read_config_dword(struct pci_bus *bus, unsigned devfn, int where, u32 *val);
int pci_bus_write_config_byte(struct pci_bus *bus, unsigned devfn, int where, u8 val);
int pci_bus_write_config_word(struct pci_bus *bus, unsigned devfn, int where, u16 val);
int pci_bus_write_config_dword(struct pci_bus *bus, unsigned devfn, int where, u32 val);

/* ---- devices ---------------------------------------------------------- */

typedef int pci_channel_state_t;
#define pci_channel_io_normal		1
#define pci_channel_io_frozen		2
#define pci_channel_io_perm_failure	3

typedef unsigned pci_ers_result_t;
#define PCI_ERS_RESULT_NONE		1
#define PCI_ERS_RESULT_CAN_RECOVER	2
#define PCI_ERS_RESULT_NEED_RESET	3
#define PCI_ERS_RESULT_DISCONNECT	4
#define PCI_ERS_RESULT_RECOVERED	5

/* Reset methods, in Linux's order (pci_reset_fn_methods). */
enum pci_reset_method {
	PCI_RESET_METHOD_FLR,
	PCI_RESET_METHOD_PM,
	PCI_RESET_METHOD_BUS,
	PCI_NUM_RESET_METHODS,
};

struct pci_driver;

struct pci_dev {
	struct list_head bus_list;	/* bus->devices */
	struct pci_bus *bus;		/* the bus it is on */
	struct pci_bus *subordinate;	/* a bridge's secondary bus */
	struct device dev;		/* "%04x:%02x:%02x.%d" */
	struct pci_driver *driver;	/* bound PCI driver */

	unsigned devfn;
	u16 vendor, device;
	u16 subsystem_vendor, subsystem_device;
	u32 class;			/* base << 16 | sub << 8 | prog-if */
	u8 revision;
	u8 hdr_type;			/* without the multi-function bit */
	u8 pin;				/* Interrupt Pin, 0 none */
	u8 pcie_cap;			/* PCI Express capability offset, 0 none */
	u8 msi_cap;			/* MSI capability offset, 0 none */
	u8 msix_cap;			/* MSI-X capability offset, 0 none */
	u8 pm_cap;			/* Power Management capability, 0 none */
	u16 acs_cap;			/* ACS extended capability, 0 none */
	u16 pcie_flags_reg;		/* PCI Express Capabilities register */
	int cfg_size;			/* 256 or 4096 */
	unsigned irq;			/* INTx INTID (0 none); MSI: the first vector */
	struct resource resource[DEVICE_COUNT_RESOURCE];
	u64 dma_mask;

	pci_channel_state_t error_state;
	int enable_cnt;			/* pci_enable_device nesting */
	u8 reset_methods[PCI_NUM_RESET_METHODS]; /* 1-based method numbers, 0 ends */
	unsigned long *dma_alias_mask;	/* 256 bits: quirk aliases on this bus */

	unsigned multifunction:1;
	unsigned is_busmaster:1;
	unsigned msi_enabled:1;
	unsigned msix_enabled:1;
	unsigned no_msi:1;
	unsigned is_added:1;		/* pci_bus_add_device done */
	unsigned match_driver:1;	/* drivers may bind (after pci_bus_add_device) */
	unsigned state_saved:1;
	unsigned untrusted:1;
	u32 saved_config_space[16];	/* pci_save_state */

	void *msi_priv;			/* the PCI MSI layer's */
};

#define to_pci_dev(n) container_of((n), struct pci_dev, dev)

/* Log lines "pci 0000:00:01.0: ..." (dev_printk with the bus name when unbound). */
#define pci_err(pdev, ...)	dev_err(&(pdev)->dev, __VA_ARGS__)
#define pci_warn(pdev, ...)	dev_warn(&(pdev)->dev, __VA_ARGS__)
#define pci_info(pdev, ...)	dev_info(&(pdev)->dev, __VA_ARGS__)
#define pci_dbg(pdev, ...)	dev_dbg(&(pdev)->dev, __VA_ARGS__)
#define for_each_pci_dev(d) while ((d = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, d)) != NULL)

extern struct bus_type pci_bus_type;

static inline bool dev_is_pci(const struct device *dev)
{
	return dev && dev->bus == &pci_bus_type;
}

static inline const char *pci_name(const struct pci_dev *pdev)
{
	return dev_name(&pdev->dev);
}

static inline u16 pci_dev_id(const struct pci_dev *dev)
{
	return (u16)((dev->bus->number << 8) | dev->devfn);
}

static inline void *pci_get_drvdata(struct pci_dev *pdev)
{
	return dev_get_drvdata(&pdev->dev);
}

static inline void pci_set_drvdata(struct pci_dev *pdev, void *data)
{
	dev_set_drvdata(&pdev->dev, data);
}

static inline bool pci_is_pcie(const struct pci_dev *dev)
{
	return dev->pcie_cap != 0;
}

static inline int pci_pcie_type(const struct pci_dev *dev)
{
	return (dev->pcie_flags_reg & PCI_EXP_FLAGS_TYPE) >> 4;
}

static inline bool pci_is_bridge(const struct pci_dev *dev)
{
	return dev->hdr_type == PCI_HEADER_TYPE_BRIDGE ||
	       dev->hdr_type == PCI_HEADER_TYPE_CARDBUS;
}

static inline bool pci_dev_is_disconnected(const struct pci_dev *dev)
{
	return dev->error_state == pci_channel_io_perm_failure;
}

/* The bridge above @dev, NULL on a root bus. */
struct pci_dev *pci_upstream_bridge(struct pci_dev *dev);

struct pci_dev *pci_dev_get(struct pci_dev *dev);
void pci_dev_put(struct pci_dev *dev);
/* With a reference; @from's is dropped. NULL at the end. */
struct pci_dev *pci_get_device(unsigned vendor, unsigned device, struct pci_dev *from);
struct pci_dev *pci_get_slot(struct pci_bus *bus, unsigned devfn);
/* The bus numbered @busnr in PCI domain @domain, or NULL (search.c). */
struct pci_bus *pci_find_bus(int domain, unsigned busnr);
struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned bus, unsigned devfn);
/* Calls @cb for every device below @top, depth first; non-zero stops. */
void pci_walk_bus(struct pci_bus *top, int (*cb)(struct pci_dev *, void *), void *userdata);

/* Config space of @dev: PCIBIOS_* codes; a disconnected device reads all ones. */
int pci_read_config_byte(const struct pci_dev *dev, int where, u8 *val);
int pci_read_config_word(const struct pci_dev *dev, int where, u16 *val);
int pci_read_config_dword(const struct pci_dev *dev, int where, u32 *val);
int pci_write_config_byte(const struct pci_dev *dev, int where, u8 val);
int pci_write_config_word(const struct pci_dev *dev, int where, u16 val);
int pci_write_config_dword(const struct pci_dev *dev, int where, u32 val);
/* The same for user-space accesses (sysfs config, vfio): -errno. */
int pci_user_read_config_byte(struct pci_dev *dev, int where, u8 *val);
int pci_user_read_config_word(struct pci_dev *dev, int where, u16 *val);
int pci_user_read_config_dword(struct pci_dev *dev, int where, u32 *val);
int pci_user_write_config_byte(struct pci_dev *dev, int where, u8 val);
int pci_user_write_config_word(struct pci_dev *dev, int where, u16 val);
int pci_user_write_config_dword(struct pci_dev *dev, int where, u32 val);

/* PCI Express capability registers (0 when absent, as Linux). */
int pcie_capability_read_word(struct pci_dev *dev, int pos, u16 *val);
int pcie_capability_read_dword(struct pci_dev *dev, int pos, u32 *val);
int pcie_capability_write_word(struct pci_dev *dev, int pos, u16 val);
int pcie_capability_clear_and_set_word(struct pci_dev *dev, int pos, u16 clear, u16 set);

/* Capability offsets; 0 when absent. */
u8 pci_find_capability(struct pci_dev *dev, int cap);
u8 pci_find_next_capability(struct pci_dev *dev, u8 pos, int cap);
u16 pci_find_ext_capability(struct pci_dev *dev, int cap);

/* Enabling: decode on (Memory/I/O for the BARs it has), counted. */
int pci_enable_device(struct pci_dev *dev);
int pci_enable_device_mem(struct pci_dev *dev);
/* Managed: disabled when the driver unbinds. */
int pcim_enable_device(struct pci_dev *dev);
void pci_disable_device(struct pci_dev *dev);
bool pci_is_enabled(struct pci_dev *dev);
void pci_set_master(struct pci_dev *dev);
void pci_clear_master(struct pci_dev *dev);
void pci_intx(struct pci_dev *dev, int enable);
int pci_request_regions(struct pci_dev *dev, const char *name);
void pci_release_regions(struct pci_dev *dev);
/* The BAR's CPU address (see the top of this file), 0 when unassigned. */
u64 pci_iomap(struct pci_dev *dev, int bar, unsigned long maxlen);
void pci_iounmap(struct pci_dev *dev, u64 addr);

/* Config header save/restore around resets. */
int pci_save_state(struct pci_dev *dev);
void pci_restore_state(struct pci_dev *dev);

/*
 * Function reset through the first method of dev->reset_methods: -ENOTTY
 * when it has none. pci_try_reset_function is the same here (no locks).
 */
int pci_reset_function(struct pci_dev *dev);
int pci_reset_function_locked(struct pci_dev *dev);
int pci_try_reset_function(struct pci_dev *dev);
bool pci_reset_supported(struct pci_dev *dev);
int pcie_flr(struct pci_dev *dev);
/* A secondary bus reset of @bus (its bridge's): -ENOTTY on a root bus. */
int pci_reset_bus(struct pci_dev *dev);

/* DMA aliases (drivers/pci/search.c): @fn(pdev, alias RID, data), non-zero stops. */
int pci_for_each_dma_alias(struct pci_dev *pdev,
			   int (*fn)(struct pci_dev *pdev, u16 alias, void *data), void *data);
void pci_add_dma_alias(struct pci_dev *dev, u8 devfn_from, unsigned nr_devfns);
bool pci_devs_are_dma_aliases(struct pci_dev *dev1, struct pci_dev *dev2);

/* ACS (drivers/pci/pci.c). */
#define REQ_ACS_FLAGS (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)
bool pci_acs_enabled(struct pci_dev *pdev, u16 acs_flags);
bool pci_acs_path_enabled(struct pci_dev *start, struct pci_dev *end, u16 acs_flags);
/* Lets the next enumerated devices get ACS enabled (of_iommu_configure calls it). */
void pci_request_acs(void);
/*
 * Called once the IOMMU is configured for @dev (of_iommu_configure). With
 * the lab option lab.pci_acs_after_iommu=1 it enables ACS there, as the
 * later upstream fix "PCI: Enable ACS after configuring IOMMU for OF
 * platforms" does; by default ACS is only enabled at enumeration (and
 * in pci_restore_state), so the first function enumerated (the first
 * root port) never gets it on a device-tree system (docs/kernel.md "ACS
 * ordering": 6.12 itself enables none at boot).
 */
void pci_acs_iommu_configured(struct pci_dev *dev);

/* Hotplug and removal (drivers/pci/remove.c, probe.c). */
void pci_stop_and_remove_bus_device(struct pci_dev *dev);
void pci_stop_and_remove_bus_device_locked(struct pci_dev *dev);
/* Scans @bus for new functions and adds them; the number of the last bus. */
unsigned pci_rescan_bus(struct pci_bus *bus);
void pci_lock_rescan_remove(void);
/*
 * pciehp's reactions (hotplug.c), driven by the lab's `pci hotadd` /
 * `pci surprise-remove` after they changed the machine: scan bus @busnr of
 * segment @domain for new functions; or mark the function @rid and all
 * below it disconnected, then remove them. 0 or -ENODEV.
 */
int pciehp_configure_device(int domain, unsigned busnr);
int pciehp_unconfigure_device(int domain, u16 rid);
void pci_unlock_rescan_remove(void);

/* ---- drivers ---------------------------------------------------------- */

struct pci_error_handlers {
	pci_ers_result_t (*error_detected)(struct pci_dev *dev, pci_channel_state_t error);
	pci_ers_result_t (*slot_reset)(struct pci_dev *dev);
	void (*resume)(struct pci_dev *dev);
	void (*reset_prepare)(struct pci_dev *dev);
	void (*reset_done)(struct pci_dev *dev);
};

struct pci_driver {
	const char *name;
	const struct pci_device_id *id_table;	/* ends with an all-zero entry; may be NULL */
	int (*probe)(struct pci_dev *dev, const struct pci_device_id *id);
	void (*remove)(struct pci_dev *dev);
	void (*shutdown)(struct pci_dev *dev);
	const struct pci_error_handlers *err_handler;
	/* .driver.driver_managed_dma: vfio-pci & co (the driver core reads it). */
	struct device_driver driver;
};

#define to_pci_driver(drv) container_of((drv), struct pci_driver, driver)

int pci_register_driver(struct pci_driver *drv);
void pci_unregister_driver(struct pci_driver *drv);

/* One ID against a device (pci_match_one_device), and a table. */
const struct pci_device_id *pci_match_id(const struct pci_device_id *ids, struct pci_dev *dev);
/* Linux's pci_match_device: driver_override, dynamic IDs, then the table. */
const struct pci_device_id *pci_match_device(struct pci_driver *drv, struct pci_dev *dev);
/* new_id's core: adds a dynamic ID and binds the unbound devices it matches. */
int pci_add_dynid(struct pci_driver *drv, unsigned vendor, unsigned device,
		  unsigned subvendor, unsigned subdevice, unsigned class,
		  unsigned class_mask, unsigned long driver_data);

#endif
