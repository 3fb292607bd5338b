// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA API (dma-mapping.h): dma-direct for devices without translation
 * (no IOMMU, or an identity domain), dma-iommu for devices on a DMA or
 * DMA-FQ domain, and a refusal for anything else (a blocked or user-owned
 * group has no kernel DMA).
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/page_alloc.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/iommu/iommu-priv.h"

static u64 dev_mask(struct device *dev)
{
	return dev->dma_mask ? dev->dma_mask : DMA_BIT_MASK(32);
}

static int dir_to_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return IOMMU_READ | IOMMU_WRITE;
	case DMA_TO_DEVICE:
		return IOMMU_READ;
	case DMA_FROM_DEVICE:
		return IOMMU_WRITE;
	default:
		return 0;
	}
}

dma_addr_t dma_map_single(struct device *dev, u64 phys, size_t size,
			  enum dma_data_direction dir)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	int prot = dir_to_prot(dir);

	if (!size || !prot || phys + size - 1 < phys)
		return DMA_MAPPING_ERROR;
	if (!domain || domain->type == IOMMU_DOMAIN_IDENTITY) {
		/* dma-direct: the bus sees physical addresses, within the mask. */
		if (phys + size - 1 > dev_mask(dev))
			return DMA_MAPPING_ERROR;
		return phys;
	}
	if (!iommu_is_dma_domain(domain))
		return DMA_MAPPING_ERROR;
	return iommu_dma_map(dev, domain, phys, size, prot, dev_mask(dev));
}

void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	(void)dir;
	if (!size || addr == DMA_MAPPING_ERROR)
		return;
	if (iommu_is_dma_domain(domain))
		iommu_dma_unmap(dev, domain, addr, size);
}

int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

static unsigned size_order(size_t size)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

u64 dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle)
{
	unsigned order;
	u64 pa;

	if (!size || size > (PAGE_SIZE << 10))
		return 0;
	order = size_order(size);
	pa = alloc_pages_phys(order);
	if (!pa)
		return 0;
	for (u64 off = 0; off < (PAGE_SIZE << order); off += PAGE_SIZE) {
		void *p = phys_to_virt(pa + off);
		if (p)
			memset(p, 0, PAGE_SIZE);
	}
	*dma_handle = dma_map_single(dev, pa, PAGE_SIZE << order, DMA_BIDIRECTIONAL);
	if (*dma_handle == DMA_MAPPING_ERROR) {
		free_pages_phys(pa, order);
		return 0;
	}
	return pa;
}

void dma_free_coherent(struct device *dev, size_t size, u64 phys, dma_addr_t dma_handle)
{
	unsigned order;

	if (!size || !phys)
		return;
	order = size_order(size);
	dma_unmap_single(dev, dma_handle, PAGE_SIZE << order, DMA_BIDIRECTIONAL);
	free_pages_phys(phys, order);
}

int dma_set_mask(struct device *dev, u64 mask)
{
	if (mask < DMA_BIT_MASK(12))
		return -EIO;
	dev->dma_mask = mask;
	return 0;
}

int dma_set_coherent_mask(struct device *dev, u64 mask)
{
	if (mask < DMA_BIT_MASK(12))
		return -EIO;
	dev->coherent_dma_mask = mask;
	return 0;
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	int ret = dma_set_mask(dev, mask);

	return ret ? ret : dma_set_coherent_mask(dev, mask);
}

u64 dma_get_mask(struct device *dev)
{
	return dev_mask(dev);
}
