// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dma-copy engine's PCI face (iommulab,pci-dma-copy, docs/devices.md):
 * the registers in BAR0, completion by MSI-X vector 0 (INTx when the
 * function cannot have it), DMA through the function's IOMMU domain with
 * the DMA API. The engine's programming is dma_copy.c's.
 */
#include <errno.h>

#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/dma_copy.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

#define PCI_DEVICE_ID_IOMMULAB_DMA_COPY	0x0010

/*
 * By vendor and device ID alone, as most drivers match: a board may
 * present the engine under another class (iommulab,class-code).
 */
static const struct pci_device_id dma_copy_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_IOMMULAB, PCI_DEVICE_ID_IOMMULAB_DMA_COPY) },
	{ 0 }
};

static struct pci_driver dma_copy_pci_driver;

static const char *irq_kind(struct pci_dev *pdev)
{
	return pdev->msix_enabled ? "MSI-X" : pdev->msi_enabled ? "MSI" : "INTx";
}

static int dma_copy_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct dma_copy *dc;
	u64 base;
	int ret, irq;

	(void)id;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	base = pci_iomap(pdev, 0, 0);
	if (!base)
		return dev_err_probe(dev, -ENOMEM, "BAR0 not assigned\n");
	ret = dma_copy_engine_setup(dev, base, &dc);
	if (ret)
		return ret;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX | PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		return dev_err_probe(dev, ret, "no interrupt\n");
	irq = pci_irq_vector(pdev, 0);
	dc->irq = (u32)irq;
	ret = devm_request_irq(dev, dc->irq, dma_copy_irq, "dma-copy", dc);
	if (ret)
		return dev_err_probe(dev, ret, "cannot request IRQ %d\n", irq);
	pci_set_master(pdev);
	pci_set_drvdata(pdev, dc);
	dev_info(dev, "dma-copy engine v%u at %#llx, irq %u (%s)\n", dma_copy_engine_version(dc),
		 (unsigned long long)base, dc->irq, irq_kind(pdev));
	return 0;
}

/* The engine stops; the PCI core clears Bus Master Enable, devres frees the vectors. */
static void dma_copy_pci_remove(struct pci_dev *pdev)
{
	struct dma_copy *dc = pci_get_drvdata(pdev);

	if (dc)
		dma_copy_engine_stop(dc);
}

static struct pci_driver dma_copy_pci_driver = {
	.name = "dma-copy",
	.id_table = dma_copy_pci_ids,
	.probe = dma_copy_pci_probe,
	.remove = dma_copy_pci_remove,
};

int dma_copy_pci_init(void)
{
	return pci_register_driver(&dma_copy_pci_driver);
}

void dma_copy_pci_exit(void)
{
	pci_unregister_driver(&dma_copy_pci_driver);
}

bool dma_copy_pci_bound(struct device *dev)
{
	return dev_is_pci(dev) && dev->driver == &dma_copy_pci_driver.driver;
}

struct device *dma_copy_pci_find(const char *name)
{
	return bus_find_device_by_name(&pci_bus_type, name);
}
