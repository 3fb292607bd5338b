/*
 * PCI MSI and MSI-X for drivers (Linux: drivers/pci/msi/api.c, msi.c,
 * irqdomain.c; the declarations <linux/pci.h> has). The vectors come from
 * the host bridge's MSI domain: `msi-map` (else `msi-parent`) of the
 * host bridge's node, with the DeviceID of the function's last DMA alias
 * (pci_msi_domain_get_msi_rid). Capability and table registers are
 * programmed through the config accessors and readl/writel only.
 */
#ifndef LAB_KERNEL_PCI_PCI_MSI_H
#define LAB_KERNEL_PCI_PCI_MSI_H

#include "kernel/pci/pci.h"

/* MSI capability (include/uapi/linux/pci_regs.h). */
#define PCI_MSI_FLAGS		0x02
#define  PCI_MSI_FLAGS_ENABLE	0x0001
#define  PCI_MSI_FLAGS_QMASK	0x000e	/* Multiple Message Capable */
#define  PCI_MSI_FLAGS_QSIZE	0x0070	/* Multiple Message Enable */
#define  PCI_MSI_FLAGS_64BIT	0x0080
#define  PCI_MSI_FLAGS_MASKBIT	0x0100
#define PCI_MSI_ADDRESS_LO	0x04
#define PCI_MSI_ADDRESS_HI	0x08
#define PCI_MSI_DATA_32		0x08
#define PCI_MSI_MASK_32		0x0c
#define PCI_MSI_DATA_64		0x0c
#define PCI_MSI_MASK_64		0x10

/* MSI-X capability and table. */
#define PCI_MSIX_FLAGS		0x02
#define  PCI_MSIX_FLAGS_QSIZE	0x07ff
#define  PCI_MSIX_FLAGS_MASKALL	0x4000
#define  PCI_MSIX_FLAGS_ENABLE	0x8000
#define PCI_MSIX_TABLE		0x04
#define  PCI_MSIX_TABLE_BIR	0x00000007
#define  PCI_MSIX_TABLE_OFFSET	0xfffffff8
#define PCI_MSIX_ENTRY_SIZE		16
#define PCI_MSIX_ENTRY_LOWER_ADDR	0x0
#define PCI_MSIX_ENTRY_UPPER_ADDR	0x4
#define PCI_MSIX_ENTRY_DATA		0x8
#define PCI_MSIX_ENTRY_VECTOR_CTRL	0xc
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT	0x1

/* pci_alloc_irq_vectors flags. */
#define PCI_IRQ_INTX		(1u << 0)
#define PCI_IRQ_MSI		(1u << 1)
#define PCI_IRQ_MSIX		(1u << 2)
#define PCI_IRQ_ALL_TYPES	(PCI_IRQ_INTX | PCI_IRQ_MSI | PCI_IRQ_MSIX)

/*
 * Between @min_vecs and @max_vecs vectors: MSI-X first (if in @flags and
 * the function has it), then MSI (a multi-MSI block), then INTx (one
 * vector, dev->irq, only when @min_vecs is 1). The number allocated, or
 * -EINVAL (bad range or flags, MSI/MSI-X already on), -ENOSPC (fewer than
 * @min_vecs to be had), -ENODEV (no MSI domain and no INTx), -ENOMEM.
 * The vectors are masked until request_irq; the driver's unbind frees
 * them (MSI and MSI-X disabled in config space first).
 */
int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned min_vecs, unsigned max_vecs,
			  unsigned flags);
/* Disables MSI/MSI-X and frees the vectors (nothing to do with INTx). */
void pci_free_irq_vectors(struct pci_dev *dev);
/* Vector @nr's INTID for request_irq, or -EINVAL. */
int pci_irq_vector(struct pci_dev *dev, unsigned nr);

/* The vectors the function offers: -EINVAL without the capability. */
int pci_msi_vec_count(struct pci_dev *dev);
int pci_msix_vec_count(struct pci_dev *dev);

/* Dynamic MSI-X (6.12's pci_msix_alloc_irq_at). */
struct msi_map {
	int index;	/* the table entry, or -errno */
	int virq;	/* its INTID */
};
#define MSI_ANY_INDEX (~0u)
bool pci_msix_can_alloc_dyn(struct pci_dev *dev);
/*
 * One more MSI-X vector at table entry @index (MSI_ANY_INDEX: the first
 * free) while MSI-X is enabled: map.index is -EINVAL (MSI-X not enabled,
 * index past the table), -EBUSY (taken), -ENOSPC or -ENOMEM on failure.
 */
struct msi_map pci_msix_alloc_irq_at(struct pci_dev *dev, unsigned index, const void *affdesc);
void pci_msix_free_irq(struct pci_dev *dev, struct msi_map map);

/* Reprograms the enabled MSI or MSI-X vectors after a reset (pci_restore_state). */
void pci_restore_msi_state(struct pci_dev *dev);

/* The MSI domain and DeviceID the function's messages go to; NULL without one. */
struct irq_domain *pci_msi_get_device_domain(struct pci_dev *dev, u32 *dev_id);

#endif
