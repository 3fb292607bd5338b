/*
 * The kernel's allocator of emulated physical pages (RAM from the memory
 * nodes), for DMA buffers and IOMMU page tables. Failures are injectable
 * through the same fail-the-Nth switch as kmalloc.
 */
#ifndef LAB_KERNEL_PAGE_ALLOC_H
#define LAB_KERNEL_PAGE_ALLOC_H

#include "common/types.h"

/* Linux's get_order: the least order whose 2^order pages hold @size bytes (0 for 0). */
static inline unsigned get_order(u64 size)
{
	unsigned order = 0;

	while (((u64)PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* 2^order contiguous, naturally aligned pages; returns the physical address or 0. */
u64 alloc_pages_phys(unsigned order);
void free_pages_phys(u64 pa, unsigned order);
/* Host pointer to the emulated page holding @pa (valid to the end of that page). */
void *phys_to_virt(u64 pa);
/* Pages currently allocated (leak checks). */
u64 page_alloc_outstanding(void);

#endif
