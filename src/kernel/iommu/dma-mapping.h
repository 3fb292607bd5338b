/*
 * The DMA API for in-kernel drivers, over PHYSICAL addresses: kernel
 * buffers are emulated physical pages (page_alloc.h), so where Linux takes
 * a CPU pointer these take the buffer's physical address, and the CPU side
 * reaches the bytes through phys_to_virt().
 *
 * A device behind an IOMMU whose group is on a DMA (or DMA-FQ) domain gets
 * IOVAs from its domain (dma-iommu.c): reserved regions are never handed
 * out, IOVA page 0 is never used, allocations are size-aligned. A device
 * with no IOMMU, or on an identity domain, gets its physical addresses
 * back (dma-direct). Anything else (blocked, unmanaged: the group belongs
 * to a user) fails with DMA_MAPPING_ERROR.
 *
 * Unmap in strict mode invalidates the IOTLB before the IOVA is reused; in
 * lazy mode (DMA-FQ, iommu.strict=0) the IOVA waits in a flush queue that
 * is flushed when full, on a 10 ms virtual-time timer, or on demand.
 */
#ifndef LAB_KERNEL_IOMMU_DMA_MAPPING_H
#define LAB_KERNEL_IOMMU_DMA_MAPPING_H

#include "common/types.h"

struct device;

typedef u64 dma_addr_t;

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,  /* device reads and writes */
	DMA_TO_DEVICE = 1,      /* device reads */
	DMA_FROM_DEVICE = 2,    /* device writes */
	DMA_NONE = 3,           /* invalid for mapping */
};

#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ull : ((1ull << (n)) - 1))

/*
 * Maps [phys, phys + size) for @dev; returns the bus address of @phys or
 * DMA_MAPPING_ERROR (size 0, DMA_NONE, no IOVA space, a failed map, a
 * group not on a DMA-API or identity domain).
 */
dma_addr_t dma_map_single(struct device *dev, u64 phys, size_t size,
			  enum dma_data_direction dir);
/* @addr and @size as dma_map_single took and gave them. */
void dma_unmap_single(struct device *dev, dma_addr_t addr, size_t size,
		      enum dma_data_direction dir);
/* Non-zero if @addr is DMA_MAPPING_ERROR. */
int dma_mapping_error(struct device *dev, dma_addr_t addr);

/*
 * Allocates zeroed, physically contiguous pages for @size bytes and maps
 * them bidirectionally. Returns their physical address (0 on failure) and
 * the bus address in *dma_handle.
 */
u64 dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle);
void dma_free_coherent(struct device *dev, size_t size, u64 phys, dma_addr_t dma_handle);

/*
 * The device's addressing limit (default 32 bits, as Linux for platform
 * devices). -EIO if the mask is too small to be usable (< 12 bits).
 */
int dma_set_mask(struct device *dev, u64 mask);
int dma_set_coherent_mask(struct device *dev, u64 mask);
int dma_set_mask_and_coherent(struct device *dev, u64 mask);
u64 dma_get_mask(struct device *dev);

#endif
