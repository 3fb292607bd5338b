/*
 * MSI irq domains (Linux: kernel/irq/msi.c, include/linux/msi.h,
 * drivers/base/platform-msi.c). An MSI controller driver (irq-gic-v2m.c,
 * irq-gic-v3-its.c) registers a domain for its DT node; a bus allocates a
 * device's vectors from it:
 *
 *   platform:  platform_msi_domain_alloc_irqs(dev, nvec, write_msg)
 *              (controller and DeviceID from the node's `msi-parent`)
 *   PCI:       domain/DeviceID from of_msi_map_get_device_node and
 *              of_msi_map_id (msi-map), then
 *              msi_setup_device_data(dev, domain, dev_id, write_msg) and
 *              msi_domain_alloc_irqs(dev, domain, nvec): one descriptor
 *              per vector (MSI-X entries), whose message write_msg puts
 *              in the MSI-X table; or msi_domain_alloc_irqs_block(dev,
 *              domain, nvec): one descriptor for a multi-MSI block
 *              (nvec_used vectors, the low bits of the data select one).
 *              kernel/pci/msi.c is the PCI side.
 *
 * Each vector's INTID is the controller's (an SPI of a v2m frame, an LPI
 * of the ITS); request_irq takes it as is (msi_get_virq). The message
 * written to the device goes through iommu_dma_compose_msi_msg: the
 * doorbell's IOVA when the device's domain translates.
 */
#ifndef LAB_KERNEL_IRQCHIP_MSI_H
#define LAB_KERNEL_IRQCHIP_MSI_H

#include "common/list.h"
#include "common/types.h"

struct device;
struct device_node;
struct irq_domain;
struct msi_device_data;

struct msi_msg {
	u32 address_lo;
	u32 address_hi;
	u32 data;
};

struct msi_desc {
	struct list_head list;		/* msi_device_data.descs, by msi_index */
	struct device *dev;
	struct irq_domain *domain;	/* where it was allocated */
	unsigned msi_index;
	/*
	 * Vectors in this descriptor: 1, or a multi-MSI block (PCI MSI) of
	 * nvec_used vectors at indexes msi_index.., INTIDs irq..irq +
	 * nvec_used - 1, allocated as a naturally aligned power-of-two block
	 * so that vector i's message is the data with i in its low bits.
	 */
	unsigned nvec_used;
	u32 irq;			/* its (first) INTID, 0 until allocated */
	u32 masked;			/* the bus's per-vector mask bits (PCI: as written) */
	struct msi_msg msg;		/* as last written to the device */
	/* dma-iommu (iommu_dma_prepare_msi): the doorbell page's IOVA, if translated */
	bool iommu_msi;
	u64 iommu_msi_iova;
	unsigned iommu_msi_shift;	/* log2 of the IOMMU granule */
	bool activated;			/* the controller routes it (ITS: MAPTI done) */
	void *chip_data;		/* the controller's (ITS: its device) */
	void *sysfs_attrs;		/* msi_sysfs.c: its msi_irqs/ files */
};

typedef void (*msi_write_msg_t)(struct msi_desc *desc, const struct msi_msg *msg);
/* The bus's per-vector mask (PCI: MSI Mask Bits, MSI-X Vector Control); @i from 0. */
typedef void (*msi_mask_vec_t)(struct msi_desc *desc, unsigned i, bool mask);
/* The device's end of interrupt for vector @i of @desc (mbigen: its clear bit). */
typedef void (*msi_eoi_vec_t)(struct msi_desc *desc, unsigned i);

/* What a controller driver provides (Linux: irq_domain_ops + msi_domain_ops + irq_chip). */
struct msi_domain_ops {
	/* Before a device's first vector (ITS: MAPD of its DeviceID for @nvec). */
	int (*msi_prepare)(struct irq_domain *d, struct msi_device_data *md, unsigned nvec);
	/* After its last vector is freed (ITS: MAPD V=0). */
	void (*msi_unprepare)(struct irq_domain *d, struct msi_device_data *md);
	/*
	 * Picks the descriptor's INTIDs (desc->irq, a block aligned to the
	 * power of two at or above desc->nvec_used) and maps its doorbell.
	 */
	int (*alloc)(struct irq_domain *d, struct msi_device_data *md, struct msi_desc *desc);
	void (*free)(struct irq_domain *d, struct msi_device_data *md, struct msi_desc *desc);
	/* Routes / stops routing the descriptor's vectors (ITS: MAPTI / DISCARD). */
	int (*activate)(struct irq_domain *d, struct msi_device_data *md, struct msi_desc *desc);
	void (*deactivate)(struct irq_domain *d, struct msi_device_data *md,
			   struct msi_desc *desc);
	/* The untranslated message: doorbell physical address and data. */
	void (*compose_msi_msg)(struct irq_domain *d, struct msi_desc *desc, struct msi_msg *msg);
	/* Mask / unmask vector @irq of @desc at the controller (ITS: LPI enable + INV). */
	void (*mask)(struct irq_domain *d, struct msi_desc *desc, u32 irq, bool mask);
};

/* An MSI-capable domain hands out isolated MSIs (Linux 6.12's flag). */
#define IRQ_DOMAIN_FLAG_ISOLATED_MSI (1u << 0)
/* Its controller tells devices apart by a DeviceID (needs an msi-parent cell). */
#define IRQ_DOMAIN_FLAG_MSI_DEVICE_ID (1u << 1)

struct irq_domain {
	struct list_head link;		/* msi_state.domains */
	char name[64];
	struct device_node *fwnode;	/* the msi-controller node */
	unsigned flags;
	const struct msi_domain_ops *ops;
	void *host_data;		/* the controller driver's */
	struct irq_domain *parent;
};

/* A device's MSI state (Linux: dev->msi.data). */
struct msi_device_data {
	struct list_head link;		/* msi_state.devices */
	struct device *dev;
	struct irq_domain *domain;
	u32 dev_id;			/* the MSI DeviceID (sideband), or 0 */
	msi_write_msg_t write_msg;
	msi_mask_vec_t mask_vec;	/* NULL: the controller masks alone */
	msi_eoi_vec_t eoi_vec;		/* NULL: nothing to do at end of interrupt */
	struct list_head descs;
	unsigned nvec;			/* vectors allocated */
	unsigned prepare_nvec;		/* at least this many at msi_prepare (dynamic MSI-X) */
	bool prepared;
	void *domain_data;		/* the controller's (ITS: its device) */
};

/* ---- controller drivers -------------------------------------------------------- */

/* NULL on no memory. Removed with irq_domain_remove (after its users freed). */
struct irq_domain *msi_create_irq_domain(struct device_node *fwnode, const char *name,
					 unsigned flags, const struct msi_domain_ops *ops,
					 void *host_data);
void irq_domain_remove(struct irq_domain *d);
/* The MSI domain of an msi-controller node, or NULL. */
struct irq_domain *irq_find_msi_domain(const struct device_node *np);

/* ---- buses ----------------------------------------------------------------------- */

/*
 * Ties @dev to @domain with DeviceID @dev_id; @write_msg writes a
 * composed message to the device. -EINVAL (NULL argument), -EBUSY (the
 * device has vectors from another set-up), -ENOMEM.
 */
int msi_setup_device_data(struct device *dev, struct irq_domain *domain, u32 dev_id,
			  msi_write_msg_t write_msg);
/*
 * Allocates @nvec vectors (indexes 0..nvec-1), activated, masked at the
 * controller until request_irq (edge flow), and writes each message.
 * -EINVAL (no set-up, nvec 0, or vectors already allocated), -ENOSPC
 * (controller out of vectors), -ENOMEM, or the controller's error: then
 * nothing stays allocated.
 */
int msi_domain_alloc_irqs(struct device *dev, struct irq_domain *domain, unsigned nvec);
/*
 * Multi-MSI: one descriptor with @nvec vectors (1 to 32), INTIDs a
 * naturally aligned block. Errors as msi_domain_alloc_irqs.
 */
int msi_domain_alloc_irqs_block(struct device *dev, struct irq_domain *domain, unsigned nvec);
#define MSI_ANY_INDEX (~0u)
/*
 * Dynamic allocation (Linux's msi_domain_alloc_irq_at): one more vector at
 * @index (MSI_ANY_INDEX: the first free one) once @dev has vectors. The
 * index, -EINVAL (no vectors yet, a multi-MSI device), -EBUSY (index
 * taken), -ENOSPC, -ENOMEM.
 */
int msi_domain_alloc_irq_at(struct device *dev, unsigned index);
/* Frees the one vector at @index (dynamic MSI-X). */
void msi_domain_free_irq_at(struct device *dev, unsigned index);
/* The bus's per-vector mask, applied with the controller's at request_irq/disable_irq. */
void msi_device_set_mask(struct device *dev, msi_mask_vec_t mask_vec);
/* The device's end of interrupt, after each round of a vector's handlers. */
void msi_device_set_eoi(struct device *dev, msi_eoi_vec_t eoi_vec);
/* msi_prepare sizes for at least @nvec (PCI MSI-X: the table, for dynamic vectors). */
void msi_device_set_prepare_nvec(struct device *dev, unsigned nvec);
/* Frees every vector of @dev (deactivated, unmapped) and its MSI state. */
void msi_domain_free_irqs_all(struct device *dev);
/* Vector @index's INTID (inside a block too), or 0. */
u32 msi_get_virq(struct device *dev, unsigned index);
/* The descriptor holding vector @index, or NULL. */
struct msi_desc *msi_get_desc(struct device *dev, unsigned index);

/*
 * Platform MSI: the controller is @dev's `msi-parent` (the first entry),
 * the DeviceID its cell (a controller with DeviceIDs, the ITS, needs
 * exactly one: else -EINVAL). -EINVAL also without msi-parent or
 * write_msg; -EPROBE_DEFER while the controller has no domain.
 */
int platform_msi_domain_alloc_irqs(struct device *dev, unsigned nvec, msi_write_msg_t write_msg);
void platform_msi_domain_free_irqs(struct device *dev);

/* ---- queries ---------------------------------------------------------------------- */

/* @dev's MSI domain: its set-up, else its `msi-parent`'s domain; or NULL. */
struct irq_domain *dev_get_msi_domain(struct device *dev);
/*
 * Linux 6.12: true when @dev's MSI domain or one of its parents is
 * IRQ_DOMAIN_FLAG_ISOLATED_MSI (the ITS); false otherwise, including no
 * MSI domain at all (arm64's arch_is_isolated_msi is false).
 */
bool msi_device_has_isolated_msi(struct device *dev);

/* kernel.c: initcall (probes the GICv2m frames and ITSs of the tree) and exit. */
int irqchip_init(void);
void irqchip_exit(void);

#endif
