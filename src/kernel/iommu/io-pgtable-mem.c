/*
 * Page-table memory from the kernel's page allocator, for drivers whose
 * tables the hardware walks in emulated RAM. The frames are reported to the
 * isolation checker as page tables while they are in use.
 *
 * io-pgtable reads a table as one array, but the machine backs each
 * emulated frame with its own host page. A table larger than a page (16K
 * and 64K granules) therefore gets one contiguous host buffer, and its
 * frames are aliased onto it for as long as the table lives: the walker and
 * the kernel see the same bytes.
 */
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/observer.h"
#include "kernel/kernel_state.h"

/* A multi-page table's host buffer (kmalloc gives no page alignment). */
struct big_table {
	struct big_table *next;
	u64 pa;
	void *raw;
};


static void unalias(u64 pa, unsigned int pages)
{
	for (unsigned int i = 0; i < pages; i++)
		hw_frame_unalias(kernel_machine(), pa + (u64)i * PAGE_SIZE);
}

static void *alias_big_table(u64 pa, unsigned int order)
{
	unsigned int pages = 1u << order;
	struct big_table *bt = kmalloc(sizeof(*bt));
	char *buf;

	if (!bt)
		return NULL;
	bt->raw = kmalloc((PAGE_SIZE << order) + PAGE_SIZE);
	if (!bt->raw) {
		kfree(bt);
		return NULL;
	}
	buf = (char *)ALIGN_UP((uintptr_t)bt->raw, PAGE_SIZE);
	for (unsigned int i = 0; i < pages; i++) {
		if (hw_frame_alias(kernel_machine(), pa + (u64)i * PAGE_SIZE,
				   buf + (size_t)i * PAGE_SIZE)) {
			unalias(pa, i);
			kfree(bt->raw);
			kfree(bt);
			return NULL;
		}
	}
	bt->pa = pa;
	bt->next = kstate->io_pgtable_mem.big_tables;
	kstate->io_pgtable_mem.big_tables = bt;
	return buf;
}

static void free_big_table(u64 pa, unsigned int order)
{
	for (struct big_table **p = &kstate->io_pgtable_mem.big_tables; *p; p = &(*p)->next) {
		struct big_table *bt = *p;

		if (bt->pa != pa)
			continue;
		unalias(pa, 1u << order);
		*p = bt->next;
		kfree(bt->raw);
		kfree(bt);
		return;
	}
}

void *io_pgtable_kernel_alloc_table(void *cookie, size_t size, u64 *pa)
{
	unsigned int order = get_order(size);
	u64 phys = alloc_pages_phys(order);
	char *va;

	if (!phys)
		return NULL;
	va = order ? alias_big_table(phys, order) : phys_to_virt(phys);
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
	unsigned int order = get_order(size);

	kobserve_frames(pa, PAGE_SIZE << order, KOBS_KERNEL, 0);
	if (order)
		free_big_table(pa, order);
	free_pages_phys(pa, order);
}
