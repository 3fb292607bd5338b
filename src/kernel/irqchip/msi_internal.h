/* The MSI layer's kernel state (struct kernel.msi) and the controller probes. */
#ifndef LAB_KERNEL_IRQCHIP_MSI_INTERNAL_H
#define LAB_KERNEL_IRQCHIP_MSI_INTERNAL_H

#include "common/list.h"
#include "common/types.h"

struct msi_state {
	struct list_head domains;	/* struct irq_domain.link */
	struct list_head devices;	/* struct msi_device_data.link */
	struct list_head v2m_frames;	/* irq-gic-v2m.c */
	struct list_head its_nodes;	/* irq-gic-v3-its.c */
	bool *lpi_used;			/* irq-gic-v3-its.c: LPIs in use, shared by every ITS */
	u64 prop_table;			/* irq-gic-v3-its.c: the LPI configuration table */
	struct list_head wired_domains;	/* irqdomain.c: wired irq domains (an mbigen's) */
	struct list_head mbigen_children; /* irq-mbigen.c: every bound mbigen's children */
};

void msi_state_init(struct msi_state *s);

/* msi_sysfs.c: the device's msi_irqs/ directory and a file per vector. */
struct device;
struct msi_desc;
int msi_sysfs_create_group(struct device *dev);
int msi_sysfs_populate_desc(struct device *dev, struct msi_desc *desc);
void msi_sysfs_remove_desc(struct device *dev, struct msi_desc *desc);

int gicv2m_init(void);
void gicv2m_exit(void);
int its_init(void);
void its_exit(void);

#endif
