/*
 * The dma-copy engine's driver, shared by its two faces (dma_copy.c: the
 * platform device and the engine code; dma_copy_pci.c: the PCI function).
 */
#ifndef LAB_KERNEL_DRIVERS_DMA_COPY_H
#define LAB_KERNEL_DRIVERS_DMA_COPY_H

#include "common/types.h"
#include "kernel/base/interrupt.h"

struct device;

struct dma_copy {
	struct device *dev;
	u64 base;		/* the register window's CPU address */
	u32 irq;
	bool done;
	u32 status;		/* STATUS as the last interrupt saw it */
	u32 err_code;
	u64 err_addr;
	u64 irqs;
};

/* Checks the ID register, allocates (devm) and quiesces the engine. */
int dma_copy_engine_setup(struct device *dev, u64 base, struct dma_copy **out);
void dma_copy_engine_stop(struct dma_copy *dc);
u32 dma_copy_engine_version(struct dma_copy *dc);
/* The completion interrupt: records STATUS (and the error), clears it. */
irqreturn_t dma_copy_irq(int irq, void *data);

/* dma_copy_pci.c: the PCI face, registered by the module's init. */
int dma_copy_pci_init(void);
void dma_copy_pci_exit(void);
/* True when @dev is a PCI function bound to the PCI face. */
bool dma_copy_pci_bound(struct device *dev);
/* The PCI function named @name ("0000:03:00.0"), or NULL. */
struct device *dma_copy_pci_find(const char *name);

#endif
