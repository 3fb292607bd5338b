// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reserved regions: what a device (its IOMMU driver, its firmware) says
 * must not be used as ordinary IOVA space, merged per group the way
 * Linux's iommu_insert_resv_region merges them, and the 1:1 mappings that
 * DIRECT regions require in DMA domains.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "common/dt.h"
#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/iommu/observer.h"
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

static u64 read_cells(const fdt32_t *p, int n)
{
	u64 v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* One memory-region target: add its iommu-addresses entries that name @dev_node. */
static void resv_from_region(const void *fdt, struct device *dev, int dev_node, int region,
			     struct list_head *list)
{
	int len, ac, sc, parent = dt_parent(fdt, dev_node);
	const fdt32_t *p = fdt_getprop(fdt, region, "iommu-addresses", &len);
	u64 phys = 0, phys_len = 0;

	if (!p || len <= 0)
		return;
	/* A region with `reg` is memory that may need a 1:1 mapping. */
	if (dt_reg(fdt, region, 0, &phys, &phys_len))
		phys = phys_len = 0;
	ac = parent >= 0 ? dt_addr_cells(fdt, parent) : 2;
	sc = parent >= 0 ? dt_size_cells(fdt, parent) : 1;
	int per = 1 + ac + sc, cells = len / 4;
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return;
	for (int i = 0; i + per <= cells; i += per) {
		int target = dt_node_by_phandle(fdt, fdt32_to_cpu(p[i]));
		if (target != dev_node)
			continue;
		u64 iova = read_cells(p + i + 1, ac), size = read_cells(p + i + 1 + ac, sc);
		enum iommu_resv_type type = IOMMU_RESV_RESERVED;
		int prot = 0;
		if (!size)
			continue;
		if (phys_len && iova == phys && size == phys_len) {
			type = IOMMU_RESV_DIRECT;
			prot = IOMMU_READ | IOMMU_WRITE;
		} else if (phys_len) {
			dev_warn(dev, "treating non-direct mapping [0x%llx-0x%llx] -> [0x%llx-0x%llx] as reservation",
				 (unsigned long long)iova, (unsigned long long)(iova + size - 1),
				 (unsigned long long)phys,
				 (unsigned long long)(phys + phys_len - 1));
		}
		struct iommu_resv_region *r = iommu_alloc_resv_region(iova, size, prot, type);
		if (r)
			list_add_tail(&r->list, list);
	}
}

void iommu_dma_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct machine *m = kernel_machine();
	const void *fdt = m ? machine_fdt(m) : NULL;
	int node = iommu_dev_fdt_node(dev), len;
	const fdt32_t *p;

	if (!fdt || node < 0)
		return;
	p = fdt_getprop(fdt, node, "memory-region", &len);
	for (int i = 0; p && i < len / 4; i++) {
		int region = dt_node_by_phandle(fdt, fdt32_to_cpu(p[i]));
		if (region >= 0 && dt_node_enabled(fdt, region))
			resv_from_region(fdt, dev, node, region, list);
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
