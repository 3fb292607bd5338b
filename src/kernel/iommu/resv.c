// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reserved regions: what a device (its IOMMU driver, its firmware) says
 * must not be used as ordinary IOVA space, merged per group the way
 * Linux's iommu_insert_resv_region merges them, and the 1:1 mappings that
 * DIRECT regions require in DMA domains.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/iommu/observer.h"
#include "kernel/of/of.h"
#include "kernel/kernel.h"

struct iommu_resv_region *iommu_alloc_resv_region(u64 start, u64 length, int prot,
						  enum iommu_resv_type type)
{
	struct iommu_resv_region *r = kzalloc(sizeof(*r));

	if (!r)
		return NULL;
	INIT_LIST_HEAD(&r->list);
	r->start = start;
	r->length = length;
	r->prot = prot;
	r->type = type;
	return r;
}

void iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct dev_iommu *param = dev->iommu;
	const struct iommu_ops *ops = param && param->iommu_dev ? param->iommu_dev->ops : NULL;

	if (ops && ops->get_resv_regions)
		ops->get_resv_regions(dev, list);
}

void iommu_put_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *r, *n;

	(void)dev;
	list_for_each_entry_safe(r, n, list, list) {
		list_del(&r->list);
		kfree(r);
	}
}

static u64 resv_end(const struct iommu_resv_region *r)
{
	return r->start + r->length - 1;
}

/*
 * Insert a copy of @new sorted by start (before regions of the same start
 * and greater or equal type), then fold together the regions of @new's
 * type that overlap or touch. Other types are left as they are.
 */
int iommu_insert_resv_region(const struct iommu_resv_region *new, struct list_head *regions)
{
	struct iommu_resv_region *copy, *pos, *prev = NULL, *n;
	struct list_head *at = regions;

	if (!new->length)
		return 0;
	copy = iommu_alloc_resv_region(new->start, new->length, new->prot, new->type);
	if (!copy)
		return -ENOMEM;
	list_for_each_entry(pos, regions, list) {
		if (pos->start > new->start ||
		    (pos->start == new->start && pos->type >= new->type)) {
			at = &pos->list;
			break;
		}
	}
	list_add_tail(&copy->list, at);

	list_for_each_entry_safe(pos, n, regions, list) {
		if (pos->type != new->type)
			continue;
		if (prev && pos->start <= resv_end(prev) + 1) {
			if (resv_end(pos) > resv_end(prev))
				prev->length = resv_end(pos) - prev->start + 1;
			list_del(&pos->list);
			kfree(pos);
			continue;
		}
		prev = pos;
	}
	return 0;
}

int iommu_get_group_resv_regions(struct iommu_group *group, struct list_head *head)
{
	struct group_device *gd;
	int ret = 0;

	for_each_group_device(group, gd) {
		struct iommu_resv_region *r;
		LIST_HEAD(dev_regions);

		/* As Linux: stop at the first member without an IOMMU. */
		if (!gd->dev->iommu || !gd->dev->iommu->iommu_dev)
			break;
		iommu_get_resv_regions(gd->dev, &dev_regions);
		list_for_each_entry(r, &dev_regions, list) {
			ret = iommu_insert_resv_region(r, head);
			if (ret)
				break;
		}
		iommu_put_resv_regions(gd->dev, &dev_regions);
		if (ret)
			break;
	}
	return ret;
}

/* ---- regions from the device tree ------------------------------------------- */

static void resv_add(struct device *dev, const struct resource *phys, bool has_phys, u64 iova,
		     u64 size, struct list_head *list)
{
	enum iommu_resv_type type = IOMMU_RESV_RESERVED;
	struct iommu_resv_region *r;
	int prot = 0;

	if (!size)
		return;
	if (has_phys && iova == phys->start && size == resource_size(phys)) {
		type = IOMMU_RESV_DIRECT;
		prot = IOMMU_READ | IOMMU_WRITE;
	} else if (has_phys) {
		dev_warn(dev, "treating non-direct mapping [0x%llx-0x%llx] -> [0x%llx-0x%llx] as reservation",
			 (unsigned long long)iova, (unsigned long long)(iova + size - 1),
			 (unsigned long long)phys->start, (unsigned long long)phys->end);
	}
	r = iommu_alloc_resv_region(iova, size, prot, type);
	if (r)
		list_add_tail(&r->list, list);
}

/* @n cells (1 or 2) of @region's iommu-addresses from cell @at, as one number. */
static u64 read_cells(const struct device_node *region, int at, int n)
{
	u32 c[2] = { 0, 0 };

	for (int k = 0; k < n; k++)
		of_property_read_u32_index(region, "iommu-addresses", (u32)(at + k), &c[k]);
	return of_read_number(c, n);
}

/* One memory-region target: add its iommu-addresses entries that name @dev_np. */
static void resv_from_region(struct device *dev, const struct device_node *dev_np,
			     const struct device_node *region, struct list_head *list)
{
	int na = of_n_addr_cells(dev_np), ns = of_n_size_cells(dev_np), per = 1 + na + ns;
	int count = of_property_count_u32_elems(region, "iommu-addresses");
	struct resource phys;
	bool has_phys;

	if (count <= 0 || na < 1 || na > 2 || ns < 1 || ns > 2)
		return;
	/* A region with `reg` is memory that may need a 1:1 mapping. */
	has_phys = !of_address_to_resource(region, 0, &phys);
	for (int i = 0; i + per <= count; i += per) {
		u32 ph;

		if (of_property_read_u32_index(region, "iommu-addresses", (u32)i, &ph) ||
		    of_find_node_by_phandle(ph) != dev_np)
			continue;
		resv_add(dev, &phys, has_phys, read_cells(region, i + 1, na),
			 read_cells(region, i + 1 + na, ns), list);
	}
}

void iommu_dma_get_resv_regions(struct device *dev, struct list_head *list)
{
	const struct device_node *np = dev->of_node;
	int n;

	pci_host_bridge_resv_windows(dev, list);
	if (!np)
		return;
	n = of_property_count_u32_elems(np, "memory-region");
	for (int i = 0; i < n; i++) {
		struct device_node *region = of_parse_phandle(np, "memory-region", i);

		if (region && of_device_is_available(region))
			resv_from_region(dev, np, region, list);
	}
}

/* ---- 1:1 mappings ---------------------------------------------------------------- */

int iommu_create_device_direct_mappings(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_resv_region *r;
	LIST_HEAD(regions);
	int ret = 0;

	if (!domain || !dev->iommu)
		return 0;
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(r, &regions, list)
		if (r->type == IOMMU_RESV_DIRECT)
			dev->iommu->require_direct = true;
	if (!iommu_is_dma_domain(domain) || !domain->pgsize_bitmap)
		goto out;
	u64 pg = 1ull << __builtin_ctzll(domain->pgsize_bitmap);
	list_for_each_entry(r, &regions, list) {
		if (r->type != IOMMU_RESV_DIRECT && r->type != IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		u64 start = ALIGN_DOWN(r->start, pg), end = ALIGN_UP(r->start + r->length, pg);
		u64 run = start;
		/* Map runs of pages not already translated (the region may be shared). */
		for (u64 a = start; a <= end; a += pg) {
			bool mapped = a < end && iommu_iova_to_phys(domain, a);
			if (a < end && !mapped)
				continue;
			if (a > run) {
				ret = iommu_map(domain, run, run, a - run, r->prot);
				if (ret)
					goto out;
				kobserve_grant(KOBS_DOMAIN(domain->id), run, run, a - run, r->prot);
			}
			run = a + pg;
		}
	}
	iommu_flush_iotlb_all(domain);
out:
	iommu_put_resv_regions(dev, &regions);
	return ret;
}
