/*
 * The PCI core's private half (Linux: drivers/pci/pci.h): its kernel
 * state and the functions its files share.
 */
#ifndef LAB_KERNEL_PCI_PCI_INTERNAL_H
#define LAB_KERNEL_PCI_PCI_INTERNAL_H

#include "common/list.h"
#include "kernel/pci/pci.h"

struct sysfs_node;

/* A dynamic ID (new_id), Linux's struct pci_dynid, kept per driver. */
struct pci_dynid {
	struct list_head node;		/* pci_state.dynids */
	const struct pci_driver *drv;
	struct pci_device_id id;
};

/* struct kernel.pci */
struct pci_state {
	struct list_head root_buses;	/* pci_bus.node of every root bus */
	struct list_head dynids;	/* struct pci_dynid, every driver's */
	bool acs_enable;		/* pci_request_acs() was called */
	bool bus_registered;
	/*
	 * The lab's iommulab.pci_resv_windows option: report the host
	 * bridge windows of an intercepting root complex as reserved regions
	 * (the gap Linux leaves; docs/kernel.md "PCI").
	 */
	bool resv_windows;
	/* lab.pci_acs_after_iommu: ACS enabled after the IOMMU is configured (later Linux). */
	bool acs_after_iommu;
	struct sysfs_node *slots_dir;
};

void pci_state_init(struct pci_state *ps);
int pci_subsys_init(void);
void pci_subsys_exit(void);

/* probe.c */
struct pci_bus *pci_alloc_child_bus(struct pci_bus *parent, struct pci_dev *bridge, int busnr);
int pci_scan_root_bus_bridge(struct pci_host_bridge *bridge);
unsigned pci_scan_child_bus(struct pci_bus *bus);
void pci_bus_add_devices(struct pci_bus *bus);
void pci_free_bus(struct pci_bus *bus);
void pci_read_bridge_bases(struct pci_bus *bus);
void pci_init_capabilities(struct pci_dev *dev);
int pci_setup_device(struct pci_dev *dev);

/* setup-bus.c */
void pci_assign_unassigned_bus_resources(struct pci_bus *bus);
void pci_bus_size_and_assign(struct pci_bus *bus);
void pci_setup_bridge(struct pci_bus *bus);

/* pci.c */
void pci_enable_acs(struct pci_dev *dev);
void pci_init_reset_methods(struct pci_dev *dev);
bool pci_dev_has_added(const struct pci_dev *dev);
void pci_dev_set_disconnected(struct pci_dev *dev);
const char *pci_reset_method_name(int m);

/* pci-driver.c */
const struct pci_device_id *pci_match_device_id(struct pci_driver *drv, struct pci_dev *dev);
int pci_driver_add_files(struct device_driver *drv);
void pci_dynids_free_all(void);

/* pci-sysfs.c */
int pci_create_sysfs_dev_files(struct device *dev);
int pci_uevent_lines(const struct device *dev, char *buf, size_t size);
int pci_bus_create_files(void);

/* remove.c */
void pci_remove_root_bus(struct pci_bus *bus);

/* pci-host-generic.c */
int pci_host_generic_init(void);
void pci_host_generic_exit(void);

/* portdrv.c: the built-in "pcieport" driver */
int pcie_portdrv_init(void);
void pcie_portdrv_exit(void);

#endif
