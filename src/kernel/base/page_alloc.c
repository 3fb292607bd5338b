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
#include "kernel/kernel_state.h"
#include "kernel/base/cmdline.h"
#include "kernel/of/of_reserved_mem.h"
#include "common/memparse.h"

#define NIL 0xffffffffu

struct pa_bank {
	u64 base_pfn, npages;
	u32 first;		/* global index of its first frame */
};

static struct pa_bank *bank_of_pfn(struct page_alloc_state *pas, u64 pfn)
{
	for (size_t i = 0; i < pas->nr_banks; i++)
		if (pfn >= pas->banks[i].base_pfn && pfn - pas->banks[i].base_pfn < pas->banks[i].npages)
			return &pas->banks[i];
	return NULL;
}

static u32 idx_of(struct pa_bank *b, u64 pfn)
{
	return b->first + (u32)(pfn - b->base_pfn);
}

static u64 pfn_of_idx(struct page_alloc_state *pas, u32 idx)
{
	for (size_t i = 0; i < pas->nr_banks; i++)
		if (idx >= pas->banks[i].first && idx - pas->banks[i].first < pas->banks[i].npages)
			return pas->banks[i].base_pfn + (idx - pas->banks[i].first);
	return 0;
}

static void list_push(struct page_alloc_state *pas, u32 idx, unsigned order)
{
	pas->state[idx] = (u8)(order + 1);
	pas->prev_free[idx] = NIL;
	pas->next_free[idx] = pas->free_head[order];
	if (pas->free_head[order] != NIL)
		pas->prev_free[pas->free_head[order]] = idx;
	pas->free_head[order] = idx;
}

static void list_unlink(struct page_alloc_state *pas, u32 idx, unsigned order)
{
	if (pas->prev_free[idx] != NIL)
		pas->next_free[pas->prev_free[idx]] = pas->next_free[idx];
	else
		pas->free_head[order] = pas->next_free[idx];
	if (pas->next_free[idx] != NIL)
		pas->prev_free[pas->next_free[idx]] = pas->prev_free[idx];
	pas->state[idx] = 0;
}

static void free_block(struct page_alloc_state *pas, struct pa_bank *b, u64 pfn, unsigned order)
{
	while (order < MAX_ORDER) {
		u64 buddy = pfn ^ (1ull << order);
		if (buddy < b->base_pfn || buddy + (1ull << order) > b->base_pfn + b->npages)
			break;
		u32 bi = idx_of(b, buddy);
		if (pas->state[bi] != order + 1)
			break;
		list_unlink(pas, bi, order);
		pfn &= ~(1ull << order);
		order++;
	}
	list_push(pas, idx_of(b, pfn), order);
}

/* Frames no allocation may ever return (reserved-memory): never a free block head. */
#define RESERVED 0xff

/* Pushes [start, end) (pfns, inside @b) onto the free lists in the largest aligned blocks. */
static u64 carve(struct page_alloc_state *pas, struct pa_bank *b, u64 start, u64 end)
{
	u64 pfn = start;

	while (pfn < end) {
		unsigned order = MAX_ORDER;

		while (order && ((pfn & ((1ull << order) - 1)) || pfn + (1ull << order) > end))
			order--;
		list_push(pas, idx_of(b, pfn), order);
		pfn += 1ull << order;
	}
	return end > start ? end - start : 0;
}

/* The first reserved range that ends after @pfn, or NULL. */
static const struct of_rmem *next_rmem(const struct of_rmem *r, int n, u64 pfn)
{
	const struct of_rmem *best = NULL;

	for (int i = 0; i < n; i++) {
		u64 end = ALIGN_UP(r[i].base + r[i].size, PAGE_SIZE) >> PAGE_SHIFT;

		if (end > pfn && (!best || r[i].base < best->base))
			best = &r[i];
	}
	return best;
}

/* The bank's frames below @limit_pfn, less the reserved ranges, onto the free lists. */
static u64 carve_bank(struct page_alloc_state *pas, struct pa_bank *b, const struct of_rmem *r,
		      int nr, u64 limit_pfn)
{
	u64 end = MIN(b->base_pfn + b->npages, limit_pfn), pfn = b->base_pfn, freed = 0;

	while (pfn < end) {
		const struct of_rmem *rm = next_rmem(r, nr, pfn);
		u64 rs = rm ? rm->base >> PAGE_SHIFT : end;
		u64 re = rm ? ALIGN_UP(rm->base + rm->size, PAGE_SIZE) >> PAGE_SHIFT : end;

		freed += carve(pas, b, pfn, MIN(MAX(rs, pfn), end));
		for (u64 f = MAX(rs, pfn); f < MIN(re, end); f++)
			pas->state[idx_of(b, f)] = RESERVED;
		pfn = MAX(re, pfn + 1);
	}
	/* What mem= cut off is not RAM to this kernel either. */
	for (u64 f = MAX(end, b->base_pfn); f < b->base_pfn + b->npages; f++)
		pas->state[idx_of(b, f)] = RESERVED;
	return freed;
}

/* early_param("mem"), arm64's early_mem: the kernel uses no RAM past this much. */
static int early_mem(const char *val)
{
	if (!val)
		return 1;
	kstate->page_alloc.memory_limit = memparse(val, NULL) & ~(u64)(PAGE_SIZE - 1);
	pr_notice("Memory limited to %lluMB\n",
		  (unsigned long long)(kstate->page_alloc.memory_limit >> 20));
	return 0;
}

/* The pfn below which memory_limit bytes of RAM lie, counting banks from the bottom. */
static u64 limit_pfn(const struct hw_ram_bank *rb, size_t n, u64 limit)
{
	for (size_t i = 0; limit && i < n; i++) {
		if (rb[i].size >= limit)
			return (rb[i].base + limit) >> PAGE_SHIFT;
		limit -= rb[i].size;
	}
	return ~0ull;
}

static void log_memory(struct machine *m, const struct hw_ram_bank *rb, size_t n, u64 total,
		       u64 freed)
{
	const char *note = machine_boot_note(m), *nl;

	/* The bootloader's lines first: it ran before the kernel. */
	while (note && *note) {
		nl = strchr(note, '\n');
		pr_info("%.*s\n", (int)(nl ? nl - note : (long)strlen(note)), note);
		note = nl ? nl + 1 : NULL;
	}
	pr_info("Early memory node ranges\n");
	for (size_t i = 0; i < n; i++)
		pr_info("  node   0: [mem %#018llx-%#018llx]\n", (unsigned long long)rb[i].base,
			(unsigned long long)(rb[i].base + rb[i].size - 1));
	pr_info("Memory: %lluK/%lluK available (%lluK reserved)\n",
		(unsigned long long)(freed << (PAGE_SHIFT - 10)),
		(unsigned long long)(total << (PAGE_SHIFT - 10)),
		(unsigned long long)((total - freed) << (PAGE_SHIFT - 10)));
}

int page_alloc_init(struct machine *m)
{
	struct page_alloc_state *pas = &kstate->page_alloc;
	const struct hw_ram_bank *rb;
	size_t n = hw_ram_banks(m, &rb);
	struct of_rmem *rmem = NULL;
	u64 total = 0, freed = 0, lim;
	int nr_rmem;

	page_alloc_exit();
	parse_early_param("mem", early_mem);
	lim = limit_pfn(rb, n, pas->memory_limit);
	for (size_t i = 0; i < n; i++)
		total += rb[i].size >> PAGE_SHIFT;
	if (total >= NIL)
		return -EINVAL;
	nr_rmem = of_scan_reserved_mem(machine_fdt(m), &rmem);
	if (nr_rmem < 0)
		return nr_rmem;
	pas->banks = kcalloc(n ? n : 1, sizeof(*pas->banks));
	pas->state = kzalloc(total ? total : 1);
	pas->next_free = kmalloc((total ? total : 1) * sizeof(u32));
	pas->prev_free = kmalloc((total ? total : 1) * sizeof(u32));
	if (!pas->banks || !pas->state || !pas->next_free || !pas->prev_free) {
		kfree(rmem);
		page_alloc_exit();
		return -ENOMEM;
	}
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		pas->free_head[o] = NIL;
	u32 first = 0;
	for (size_t i = 0; i < n; i++) {
		u64 start = ALIGN_UP(rb[i].base, PAGE_SIZE) >> PAGE_SHIFT;
		u64 end = (rb[i].base + rb[i].size) >> PAGE_SHIFT;
		if (end <= start)
			continue;
		struct pa_bank *b = &pas->banks[pas->nr_banks++];
		b->base_pfn = start;
		b->npages = end - start;
		b->first = first;
		first += (u32)b->npages;
		freed += carve_bank(pas, b, rmem, nr_rmem, lim);
	}
	kfree(rmem);
	pas->outstanding_pages = 0;
	log_memory(m, rb, n, total, freed);
	/* Linux would panic with nothing to allocate from; the lab refuses the boot. */
	if (!freed) {
		pr_err("Memory: no usable RAM: %s\n",
		       !n ? "the device tree describes none" :
		       "every page is reserved (reserved-memory) or above mem=");
		page_alloc_exit();
		return -ENOMEM;
	}
	return 0;
}

void page_alloc_exit(void)
{
	struct page_alloc_state *pas = &kstate->page_alloc;

	kfree(pas->banks);
	kfree(pas->state);
	kfree(pas->next_free);
	kfree(pas->prev_free);
	memset(pas, 0, sizeof(*pas));
}

u64 alloc_pages_phys(unsigned order)
{
	struct page_alloc_state *pas = kstate ? &kstate->page_alloc : NULL;

	if (!pas || !pas->state || order > MAX_ORDER || kalloc_should_fail())
		return 0;
	unsigned o = order;
	while (o <= MAX_ORDER && pas->free_head[o] == NIL)
		o++;
	if (o > MAX_ORDER)
		return 0;
	u32 idx = pas->free_head[o];
	u64 pfn = pfn_of_idx(pas, idx);
	struct pa_bank *b = bank_of_pfn(pas, pfn);
	list_unlink(pas, idx, o);
	/* Split: the upper halves go back on the smaller lists. */
	while (o > order) {
		o--;
		list_push(pas, idx_of(b, pfn + (1ull << o)), o);
	}
	pas->outstanding_pages += 1ull << order;
	kobserve_page_alloc(pfn << PAGE_SHIFT, order);	/* the oracle: kernel-owned */
	return pfn << PAGE_SHIFT;
}

void free_pages_phys(u64 pa, unsigned order)
{
	struct page_alloc_state *pas = kstate ? &kstate->page_alloc : NULL;

	if (!pa || !pas || !pas->state || order > MAX_ORDER || !IS_ALIGNED(pa, PAGE_SIZE << order)) {
		if (pa)
			pr_err("free_pages_phys: bad free of %#llx order %u\n",
			       (unsigned long long)pa, order);
		return;
	}
	u64 pfn = pa >> PAGE_SHIFT;
	struct pa_bank *b = bank_of_pfn(pas, pfn);
	/* A reserved frame is never free: a free of one is as bad as a double free. */
	if (!b || pas->state[idx_of(b, pfn)]) {
		pr_err("free_pages_phys: bad free of %#llx order %u\n",
		       (unsigned long long)pa, order);
		return;
	}
	pas->outstanding_pages -= 1ull << order;
	kobserve_page_free(pa, order);
	free_block(pas, b, pfn, order);
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
	return kstate ? kstate->page_alloc.outstanding_pages : 0;
}

