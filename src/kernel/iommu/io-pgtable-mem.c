/*
 * Page-table memory from the kernel's page allocator, for drivers whose
 * tables the hardware walks in emulated RAM. The frames are reported to the
 * isolation checker as page tables while they are in use.
 */
#include <string.h>

#include "kernel/base/page_alloc.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/observer.h"

static unsigned int order_of(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

void *io_pgtable_kernel_alloc_table(void *cookie, size_t size, u64 *pa)
{
	unsigned int order = order_of(size);
	u64 phys = alloc_pages_phys(order);
	char *va;

	if (!phys)
		return NULL;
	/* A table is one host-contiguous array: refuse frames that are not. */
	va = phys_to_virt(phys);
	for (size_t off = PAGE_SIZE; va && off < (PAGE_SIZE << order); off += PAGE_SIZE)
		if (phys_to_virt(phys + off) != va + off)
			va = NULL;
	if (!va) {
		free_pages_phys(phys, order);
		return NULL;
	}
	memset(va, 0, PAGE_SIZE << order);
	kobserve_frames(phys, PAGE_SIZE << order, KOBS_PGTABLE, 0);
	*pa = phys;
	return va;
}

void io_pgtable_kernel_free_table(void *cookie, void *va, u64 pa, size_t size)
{
	unsigned int order = order_of(size);

	kobserve_frames(pa, PAGE_SIZE << order, KOBS_KERNEL, 0);
	free_pages_phys(pa, order);
}
