// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI Express port driver, "pcieport" (Linux: drivers/pci/pcie/
 * portdrv.c): built in, it binds every PCI-to-PCI bridge class function
 * that is a Root Port, a switch Upstream or Downstream Port or a Root
 * Complex Event Collector; a PCIe-to-PCI bridge (and any conventional
 * bridge) refuses with -ENODEV and stays without a driver, as in Linux.
 *
 * Linux's port driver hosts the port services (PME, AER, DPC, pciehp)
 * and, when a port has one, sets bus mastering and takes an interrupt
 * vector for them. The lab models no port service, so a port binds as a
 * Linux port without services does: enabled (pcie_port_device_register's
 * pci_enable_device), its config saved, no vector, no bus mastering of
 * its own. It manages no DMA (driver_managed_dma, as Linux since the DMA
 * ownership rework), so binding it changes neither a group's ownership
 * nor what may DMA: a bridge in a group with an endpoint does not keep
 * vfio from claiming that group.
 */
#include <errno.h>

#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

#define PCI_CLASS_BRIDGE_PCI_NORMAL	((PCI_CLASS_BRIDGE_PCI << 8) | 0x00)
#define PCI_CLASS_BRIDGE_PCI_SUBTRACTIVE ((PCI_CLASS_BRIDGE_PCI << 8) | 0x01)
#define PCI_CLASS_SYSTEM_RCEC		0x0807

static const struct pci_device_id port_pci_ids[] = {
	{ PCI_DEVICE_CLASS(PCI_CLASS_BRIDGE_PCI_NORMAL, ~0u) },
	{ PCI_DEVICE_CLASS(PCI_CLASS_BRIDGE_PCI_SUBTRACTIVE, ~0u) },
	{ PCI_DEVICE_CLASS((PCI_CLASS_SYSTEM_RCEC << 8) | 0x00, ~0u) },
	{ 0 }
};

static bool pcie_port_type(const struct pci_dev *dev)
{
	switch (pci_pcie_type(dev)) {
	case PCI_EXP_TYPE_ROOT_PORT:
	case PCI_EXP_TYPE_UPSTREAM:
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_RC_EC:
		return true;
	default:
		return false;
	}
}

static int pcie_portdrv_probe(struct pci_dev *dev, const struct pci_device_id *id)
{
	int ret;

	(void)id;
	if (!pci_is_pcie(dev) || !pcie_port_type(dev))
		return -ENODEV;
	ret = pci_enable_device(dev);
	if (ret)
		return ret;
	pci_save_state(dev);
	return 0;
}

/* Linux disables the port at remove: its bus mastering goes off, and DMA from below with it. */
static void pcie_portdrv_remove(struct pci_dev *dev)
{
	pci_disable_device(dev);
}

static struct pci_driver pcie_portdriver = {
	.name = "pcieport",
	.id_table = port_pci_ids,
	.probe = pcie_portdrv_probe,
	.remove = pcie_portdrv_remove,
	.driver = { .driver_managed_dma = true },
};

int pcie_portdrv_init(void)
{
	return pci_register_driver(&pcie_portdriver);
}

void pcie_portdrv_exit(void)
{
	pci_unregister_driver(&pcie_portdriver);
}
