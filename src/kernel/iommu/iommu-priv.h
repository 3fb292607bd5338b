/*
 * Inside the IOMMU core: the group and per-device structures the core's
 * files share (iommu.c, group.c, resv.c, iommu-sysfs.c, dma-iommu.c).
 * Drivers and VFIO use iommu.h only.
 */
#ifndef LAB_KERNEL_IOMMU_PRIV_H
#define LAB_KERNEL_IOMMU_PRIV_H

#include "common/list.h"
#include "kernel/base/device.h"
#include "kernel/iommu/iommu.h"

struct sysfs_node;

/* dev->iommu: everything the core keeps per device. */
struct dev_iommu {
	struct iommu_fwspec *fwspec;
	struct iommu_device *iommu_dev;   /* set once probe_device succeeded */
	void *priv;                       /* the driver's (dev_iommu_priv_get) */
	bool require_direct;              /* has an IOMMU_RESV_DIRECT region */
	bool module_held;                 /* we hold ops->owner */
};

struct group_device {
	struct list_head list;
	struct device *dev;
	char *name;                       /* its link name under devices/ */
};

struct iommu_group {
	int id;
	int refcount;
	struct list_head entry;           /* all groups, by creation */
	struct list_head devices;         /* struct group_device, join order */
	struct iommu_domain *default_domain;
	struct iommu_domain *blocking_domain;
	struct iommu_domain *domain;      /* current */
	unsigned owner_cnt;
	void *owner;
	void *iommu_data;
	void (*iommu_data_release)(void *data);
	struct sysfs_node *dir, *devices_dir;
	bool default_set_up;              /* default domain chosen at least once */
};

#define for_each_group_device(group, gd) \
	list_for_each_entry(gd, &(group)->devices, list)

/* iommu.c's kernel state (struct kernel.iommu): policy, instances, domain ids. */
#define MAX_IOMMU_BUSES 8
#define MAX_STATIC_DOMAINS 16
struct iommu_core_state {
	unsigned def_domain_type;
	bool dma_strict;			/* arm64: CONFIG_IOMMU_DEFAULT_DMA_STRICT */
	bool passthrough_from_cmdline, strict_from_cmdline;
	u32 next_domain_id;
	/*
	 * Drivers' static identity/blocked domains the core has numbered: a
	 * driver that keeps them outside the kernel state (a test's fake
	 * driver) gets their ids cleared at exit, so the next boot numbers
	 * them afresh.
	 */
	struct iommu_domain *static_domains[MAX_STATIC_DOMAINS];
	struct list_head iommu_device_list;	/* struct iommu_device.list */
	struct notifier_block bus_nbs[MAX_IOMMU_BUSES];
	struct bus_type *nb_buses[MAX_IOMMU_BUSES];
	bool bus_probing;			/* iommu_device_register's bus walk */
};
void iommu_core_state_init(struct iommu_core_state *is);

/* dma-iommu.c's kernel state (struct kernel.iommu_dma). */
struct iommu_dma_state {
	struct list_head cookies;		/* struct iommu_dma_cookie.link */
};
void iommu_dma_state_init(struct iommu_dma_state *ds);

/* group.c's kernel state (struct kernel.iommu_group). */
struct iommu_group_state {
	struct list_head groups;		/* struct iommu_group.entry, by creation */
	u8 *id_used;				/* ida: one byte per id */
	int id_cap;
	struct sysfs_node *groups_kset;		/* /sys/kernel/iommu_groups */
};
void iommu_group_state_init(struct iommu_group_state *gs);

/* iommu-sysfs.c's kernel state (struct kernel.iommu_sysfs). */
struct iommu_sysfs_state {
	struct sysfs_node *class_iommu;		/* /sys/class/iommu */
	struct sysfs_node *virtual_iommu;	/* /sys/devices/virtual/iommu */
};

/* io-pgtable-mem.c's kernel state (struct kernel.io_pgtable_mem). */
struct big_table;
struct io_pgtable_mem_state {
	struct big_table *big_tables;		/* multi-page tables' host buffers */
};

/* iommu.c */
struct dev_iommu *dev_iommu_get(struct device *dev);   /* allocates */
int iommu_setup_default_domain(struct iommu_group *group, unsigned req_type);
int __iommu_group_set_domain(struct iommu_group *group, struct iommu_domain *new);
void iommu_domain_assign_id(struct iommu_domain *domain);
int iommu_dma_init_fq_domain(struct iommu_domain *domain);

/* group.c */
int iommu_group_sysfs_init(void);
int iommu_group_add_device_entry(struct iommu_group *group, struct device *dev);
void iommu_group_remove_device_entry(struct iommu_group *group, struct device *dev);
/* Default domains for every non-empty group that has none (after a bus walk). */
void iommu_groups_setup_pending(void);
void iommu_groups_forget_all(void);

/* iommu-sysfs.c */
int iommu_device_link(struct iommu_device *iommu, struct device *dev);
void iommu_device_unlink(struct iommu_device *iommu, struct device *dev);
void iommu_class_forget(void);

/* resv.c */
int iommu_create_device_direct_mappings(struct iommu_domain *domain, struct device *dev);

/* dma-iommu.c */
int iommu_get_dma_cookie(struct iommu_domain *domain);
void iommu_put_dma_cookie(struct iommu_domain *domain);
/* Does @domain's flush queue hold IOVAs waiting for their invalidation? (explore's signature) */
bool iommu_dma_fq_queued(const struct iommu_domain *domain);
/* A device joined @domain's group: reserve its regions in the IOVA space. */
void iommu_dma_device_joined(struct iommu_domain *domain, struct device *dev);
/* The dma_map/unmap bodies for a device on a DMA / DMA-FQ domain. */
u64 iommu_dma_map(struct device *dev, struct iommu_domain *domain, u64 phys, size_t size,
		  int prot, u64 dma_limit);
void iommu_dma_unmap(struct device *dev, struct iommu_domain *domain, u64 addr, size_t size);

/* of_iommu.c (src/kernel/of); of_iommu_configure is in of/of_iommu.h. */
int of_iommu_configure(struct device *dev, bool from_probe);
/* Installs the driver core's dma_configure hooks (dma_configure_set_ops). */
void iommu_install_dma_configure(void);
/* The device's DT node offset, or -1. */
int iommu_dev_fdt_node(struct device *dev);

#endif
