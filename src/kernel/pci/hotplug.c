// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a PCI Express hotplug controller's driver does when a slot changes
 * (Linux: drivers/pci/hotplug/pciehp_pci.c). The machine models no
 * hotplug interrupt, so the lab's `pci hotadd` and `pci surprise-remove`
 * verbs change the machine and then call these, as pciehp's interrupt
 * thread would:
 * - a card appeared: scan the port's secondary bus for new functions,
 *   place their BARs, bind drivers (pciehp_configure_device);
 * - a card vanished: mark every function below disconnected first (their
 *   config reads are all ones from then on, without a hardware access),
 *   then stop and remove them as any removal does: drivers' remove runs,
 *   devices leave their IOMMU groups (pciehp_unconfigure_device).
 */
#include <errno.h>

#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

int pciehp_configure_device(int domain, unsigned busnr)
{
	struct pci_bus *bus = pci_find_bus(domain, busnr);

	if (!bus)
		return -ENODEV;
	if (bus->self)
		pci_info(bus->self, "pciehp: Slot(%u): Card present\n", PCI_SLOT(bus->self->devfn));
	pci_rescan_bus(bus);
	return 0;
}

static int set_disconnected(struct pci_dev *dev, void *unused)
{
	pci_dev_set_disconnected(dev);
	return 0;
}

int pciehp_unconfigure_device(int domain, u16 rid)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(domain, rid >> 8, rid & 0xff);

	if (!dev)
		return -ENODEV;
	if (dev->bus->self)
		pci_info(dev->bus->self, "pciehp: Slot(%u): Card not present\n",
			 PCI_SLOT(dev->bus->self->devfn));
	set_disconnected(dev, NULL);
	if (dev->subordinate)
		pci_walk_bus(dev->subordinate, set_disconnected, NULL);
	pci_stop_and_remove_bus_device_locked(dev);
	pci_dev_put(dev);
	return 0;
}
