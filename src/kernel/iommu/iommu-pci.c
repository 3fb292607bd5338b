// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups of PCI functions (Linux: drivers/iommu/iommu.c,
 * pci_device_group and its helpers). Functions that the IOMMU cannot tell
 * apart, or that can reach each other without passing it, share a group:
 * - DMA aliases: a function behind a PCIe-to-PCI bridge carries the
 *   bridge's alias RID, so it joins whatever group an alias already has;
 * - ACS along the path to the root: below a bridge without the full
 *   REQ_ACS_FLAGS isolation, everything shares the topmost such bridge's
 *   group;
 * - devfn aliases on one bus (quirks) and the functions of a
 *   multifunction device without ACS.
 */
#include "kernel/iommu/iommu.h"
#include "kernel/pci/pci.h"

struct group_for_pci_data {
	struct pci_dev *pdev;
	struct iommu_group *group;
};

/* 256 bits: the devfns visited on one bus. */
static bool test_and_set_devfn(unsigned long *devfns, unsigned devfn)
{
	unsigned long bit = 1ul << (devfn % (8 * sizeof(long)));
	unsigned long *w = &devfns[devfn / (8 * sizeof(long))];
	bool was = *w & bit;

	*w |= bit;
	return was;
}

static struct iommu_group *get_pci_alias_group(struct pci_dev *pdev, unsigned long *devfns);

static struct iommu_group *get_pci_function_alias_group(struct pci_dev *pdev,
							unsigned long *devfns)
{
	struct pci_dev *tmp;
	struct iommu_group *group;

	if (!pdev->multifunction || pci_acs_enabled(pdev, REQ_ACS_FLAGS))
		return NULL;
	list_for_each_entry(tmp, &pdev->bus->devices, bus_list) {
		if (tmp == pdev || PCI_SLOT(tmp->devfn) != PCI_SLOT(pdev->devfn) ||
		    pci_acs_enabled(tmp, REQ_ACS_FLAGS))
			continue;
		group = get_pci_alias_group(tmp, devfns);
		if (group)
			return group;
	}
	return NULL;
}

static struct iommu_group *get_pci_alias_group(struct pci_dev *pdev, unsigned long *devfns)
{
	struct pci_dev *tmp;
	struct iommu_group *group;

	if (test_and_set_devfn(devfns, pdev->devfn & 0xff))
		return NULL;
	group = iommu_group_get(&pdev->dev);
	if (group)
		return group;
	list_for_each_entry(tmp, &pdev->bus->devices, bus_list) {
		if (tmp == pdev || !pci_devs_are_dma_aliases(pdev, tmp))
			continue;
		group = get_pci_alias_group(tmp, devfns);
		if (group)
			return group;
		group = get_pci_function_alias_group(tmp, devfns);
		if (group)
			return group;
	}
	return NULL;
}

/* Each alias in turn: stop at the first that has a group; remember the last. */
static int get_pci_alias_or_group(struct pci_dev *pdev, u16 alias, void *opaque)
{
	struct group_for_pci_data *data = opaque;

	data->pdev = pdev;
	data->group = iommu_group_get(&pdev->dev);
	return data->group != NULL;
}

int pci_device_group(struct device *dev, struct iommu_group **out)
{
	struct group_for_pci_data data = { 0 };
	unsigned long devfns[256 / (8 * sizeof(long))] = { 0 };
	struct iommu_group *group;
	struct pci_dev *pdev;
	struct pci_bus *bus;

	if (!dev_is_pci(dev))
		return -EINVAL;
	pdev = to_pci_dev(dev);
	if (pci_for_each_dma_alias(pdev, get_pci_alias_or_group, &data)) {
		*out = data.group;
		return 0;
	}
	pdev = data.pdev;
	/* Up to the first bridge whose path to the root is isolated. */
	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent) {
		if (!bus->self)
			continue;
		if (pci_acs_path_enabled(bus->self, NULL, REQ_ACS_FLAGS))
			break;
		pdev = bus->self;
		group = iommu_group_get(&pdev->dev);
		if (group) {
			*out = group;
			return 0;
		}
	}
	group = get_pci_alias_group(pdev, devfns);
	if (!group)
		group = get_pci_function_alias_group(pdev, devfns);
	if (!group)
		group = iommu_group_alloc();
	if (!group)
		return -ENOMEM;
	*out = group;
	return 0;
}
