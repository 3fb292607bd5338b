// SPDX-License-Identifier: GPL-2.0-only
/*
 * A buddy allocator over the RAM banks firmware describes. Every frame of
 * every bank gets a global index; per-order free lists are threaded through
 * index arrays, so allocation and free are O(MAX_ORDER). Buddies never cross
 * a bank boundary and blocks are aligned on physical frame numbers.
 */
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/kalloc_internal.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/page_alloc_internal.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/observer.h"

#define MAX_ORDER 10
#define NIL 0xffffffffu

struct pa_bank {
	u64 base_pfn, npages;
	u32 first;		/* global index of its first frame */
};

static struct pa_bank *banks;
static size_t nr_banks;
static u8 *state;		/* 0: not a free block head; else order + 1 */
static u32 *next_free, *prev_free;
static u32 free_head[MAX_ORDER + 1];
static u64 outstanding_pages;

static struct pa_bank *bank_of_pfn(u64 pfn)
{
	for (size_t i = 0; i < nr_banks; i++)
		if (pfn >= banks[i].base_pfn && pfn - banks[i].base_pfn < banks[i].npages)
			return &banks[i];
	return NULL;
}

static u32 idx_of(struct pa_bank *b, u64 pfn)
{
	return b->first + (u32)(pfn - b->base_pfn);
}

static u64 pfn_of_idx(u32 idx)
{
	for (size_t i = 0; i < nr_banks; i++)
		if (idx >= banks[i].first && idx - banks[i].first < banks[i].npages)
			return banks[i].base_pfn + (idx - banks[i].first);
	return 0;
}

static void list_push(u32 idx, unsigned order)
{
	state[idx] = (u8)(order + 1);
	prev_free[idx] = NIL;
	next_free[idx] = free_head[order];
	if (free_head[order] != NIL)
		prev_free[free_head[order]] = idx;
	free_head[order] = idx;
}

static void list_unlink(u32 idx, unsigned order)
{
	if (prev_free[idx] != NIL)
		next_free[prev_free[idx]] = next_free[idx];
	else
		free_head[order] = next_free[idx];
	if (next_free[idx] != NIL)
		prev_free[next_free[idx]] = prev_free[idx];
	state[idx] = 0;
}

static void free_block(struct pa_bank *b, u64 pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		u64 buddy = pfn ^ (1ull << order);
		if (buddy < b->base_pfn || buddy + (1ull << order) > b->base_pfn + b->npages)
			break;
		u32 bi = idx_of(b, buddy);
		if (state[bi] != order + 1)
			break;
		list_unlink(bi, order);
		pfn &= ~(1ull << order);
		order++;
	}
	list_push(idx_of(b, pfn), order);
}

int page_alloc_init(struct machine *m)
{
	const struct hw_ram_bank *rb;
	size_t n = hw_ram_banks(m, &rb);
	u64 total = 0;

	page_alloc_exit();
	for (size_t i = 0; i < n; i++)
		total += rb[i].size >> PAGE_SHIFT;
	if (total >= NIL)
		return -EINVAL;
	banks = kcalloc(n ? n : 1, sizeof(*banks));
	state = kzalloc(total ? total : 1);
	next_free = kmalloc((total ? total : 1) * sizeof(u32));
	prev_free = kmalloc((total ? total : 1) * sizeof(u32));
	if (!banks || !state || !next_free || !prev_free) {
		page_alloc_exit();
		return -ENOMEM;
	}
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		free_head[o] = NIL;
	u32 first = 0;
	for (size_t i = 0; i < n; i++) {
		u64 start = ALIGN_UP(rb[i].base, PAGE_SIZE) >> PAGE_SHIFT;
		u64 end = (rb[i].base + rb[i].size) >> PAGE_SHIFT;
		if (end <= start)
			continue;
		struct pa_bank *b = &banks[nr_banks++];
		b->base_pfn = start;
		b->npages = end - start;
		b->first = first;
		first += (u32)b->npages;
		/* Carve the bank into the largest naturally aligned blocks. */
		u64 pfn = start;
		while (pfn < end) {
			unsigned order = MAX_ORDER;
			while (order && ((pfn & ((1ull << order) - 1)) || pfn + (1ull << order) > end))
				order--;
			list_push(idx_of(b, pfn), order);
			pfn += 1ull << order;
		}
	}
	outstanding_pages = 0;
	return 0;
}

void page_alloc_exit(void)
{
	kfree(banks);
	kfree(state);
	kfree(next_free);
	kfree(prev_free);
	banks = NULL;
	state = NULL;
	next_free = prev_free = NULL;
	nr_banks = 0;
	outstanding_pages = 0;
}

u64 alloc_pages_phys(unsigned order)
{
	if (!state || order > MAX_ORDER || kalloc_should_fail())
		return 0;
	unsigned o = order;
	while (o <= MAX_ORDER && free_head[o] == NIL)
		o++;
	if (o > MAX_ORDER)
		return 0;
	u32 idx = free_head[o];
	u64 pfn = pfn_of_idx(idx);
	struct pa_bank *b = bank_of_pfn(pfn);
	list_unlink(idx, o);
	/* Split: the upper halves go back on the smaller lists. */
	while (o > order) {
		o--;
		list_push(idx_of(b, pfn + (1ull << o)), o);
	}
	outstanding_pages += 1ull << order;
	kobserve_page_alloc(pfn << PAGE_SHIFT, order);	/* the oracle: kernel-owned */
	return pfn << PAGE_SHIFT;
}

void free_pages_phys(u64 pa, unsigned order)
{
	if (!pa || !state || order > MAX_ORDER || !IS_ALIGNED(pa, PAGE_SIZE << order)) {
		if (pa)
			pr_err("free_pages_phys: bad free of %#llx order %u\n",
			       (unsigned long long)pa, order);
		return;
	}
	u64 pfn = pa >> PAGE_SHIFT;
	struct pa_bank *b = bank_of_pfn(pfn);
	if (!b || state[idx_of(b, pfn)]) {
		pr_err("free_pages_phys: bad free of %#llx order %u\n",
		       (unsigned long long)pa, order);
		return;
	}
	outstanding_pages -= 1ull << order;
	kobserve_page_free(pa, order);
	free_block(b, pfn, order);
}

void *phys_to_virt(u64 pa)
{
	struct machine *m = kernel_machine();
	if (!m)
		return NULL;
	u8 *frame = hw_frame(m, pa & ~(u64)(PAGE_SIZE - 1));
	return frame ? frame + (pa & (PAGE_SIZE - 1)) : NULL;
}

u64 page_alloc_outstanding(void)
{
	return outstanding_pages;
}

