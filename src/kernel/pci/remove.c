// SPDX-License-Identifier: GPL-2.0-only
/*
 * Removal and rescan (Linux: drivers/pci/remove.c, probe.c's
 * pci_rescan_bus): a device and, for a bridge, everything below it are
 * stopped (drivers unbound, children first) and then destroyed
 * (device_del: the IOMMU core releases each from its group, freeing the
 * group with its last member). A rescan finds functions not known yet,
 * places their BARs and lets drivers bind.
 */
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

#define list_for_each_entry_safe_reverse(pos, n, head, member)				\
	for (pos = list_last_entry(head, typeof(*pos), member),				\
	     n = list_entry(pos->member.prev, typeof(*pos), member);			\
	     &pos->member != (head);							\
	     pos = n, n = list_entry(n->member.prev, typeof(*n), member))

/* The lab is single-threaded: the rescan/remove lock is only a marker. */
void pci_lock_rescan_remove(void)
{
}

void pci_unlock_rescan_remove(void)
{
}

static void pci_stop_dev(struct pci_dev *dev)
{
	if (dev->dev.registered)
		device_release_driver(&dev->dev);
}

static void pci_stop_bus_device(struct pci_dev *dev)
{
	struct pci_bus *bus = dev->subordinate;

	if (bus) {
		struct pci_dev *child, *tmp;

		/* Children first, last added first, as Linux walks them. */
		list_for_each_entry_safe_reverse(child, tmp, &bus->devices, bus_list)
			pci_stop_bus_device(child);
	}
	pci_stop_dev(dev);
}

static void pci_destroy_dev(struct pci_dev *dev)
{
	device_del(&dev->dev);
	list_del_init(&dev->bus_list);
	put_device(&dev->dev);
}

static void pci_remove_bus_device(struct pci_dev *dev)
{
	struct pci_bus *bus = dev->subordinate;

	if (bus) {
		struct pci_dev *child, *tmp;

		list_for_each_entry_safe_reverse(child, tmp, &bus->devices, bus_list)
			pci_remove_bus_device(child);
		pci_free_bus(bus);
		dev->subordinate = NULL;
	}
	pci_destroy_dev(dev);
}

void pci_stop_and_remove_bus_device(struct pci_dev *dev)
{
	pci_stop_bus_device(dev);
	pci_remove_bus_device(dev);
}

void pci_stop_and_remove_bus_device_locked(struct pci_dev *dev)
{
	pci_lock_rescan_remove();
	pci_stop_and_remove_bus_device(dev);
	pci_unlock_rescan_remove();
}

unsigned pci_rescan_bus(struct pci_bus *bus)
{
	unsigned max;

	pci_lock_rescan_remove();
	max = pci_scan_child_bus(bus);
	pci_assign_unassigned_bus_resources(bus);
	pci_bus_add_devices(bus);
	pci_unlock_rescan_remove();
	return max;
}

void pci_remove_root_bus(struct pci_bus *bus)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(bus);
	struct pci_dev *child, *tmp;

	list_for_each_entry_safe_reverse(child, tmp, &bus->devices, bus_list)
		pci_stop_bus_device(child);
	list_for_each_entry_safe_reverse(child, tmp, &bus->devices, bus_list)
		pci_remove_bus_device(child);
	pci_free_bus(bus);
	hb->bus = NULL;
	device_del(&hb->dev);
	put_device(&hb->dev);
}
