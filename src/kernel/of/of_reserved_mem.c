// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reserved memory (Linux: drivers/of/of_reserved_mem.c). What Linux does
 * with each child of /reserved-memory, and what the lab keeps of it:
 *
 * - a region with `reg` is reserved before the page allocator exists:
 *   with `no-map` it is also left out of the linear map, with `reusable`
 *   (a CMA pool) Linux may lend it for movable pages. The lab's kernel
 *   allocates only unmovable pages (page tables, DMA buffers), so all
 *   three are never handed out (page_alloc.c); the log line says which;
 * - a region with only `size` (dynamic, placed by the kernel) is not
 *   placed: nothing in the lab allocates from such a pool, and its line
 *   says so;
 * - `iommu-addresses` of a region a device names in `memory-region`
 *   become that device's reserved regions (iommu/resv.c, Linux's
 *   of_iommu_get_resv_regions).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/of/of_reserved_mem.h"

#define pr_fmt "OF: reserved mem: "

static void log_region(const void *fdt, int node, u64 base, u64 size)
{
	const char *name = fdt_get_name(fdt, node, NULL);

	pr_info(pr_fmt "0x%016llx..0x%016llx (%llu KiB) %s %s %s\n",
		(unsigned long long)base, (unsigned long long)(base + size - 1),
		(unsigned long long)(size >> 10),
		fdt_getprop(fdt, node, "no-map", NULL) ? "nomap" : "map",
		fdt_getprop(fdt, node, "reusable", NULL) ? "reusable" : "non-reusable",
		name ? name : "unknown");
}

static int add(struct of_rmem **v, int *n, int *cap, u64 base, u64 size)
{
	if (*n == *cap) {
		int ncap = *cap ? 2 * *cap : 8;
		struct of_rmem *nv = kcalloc((size_t)ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		if (*v)
			memcpy(nv, *v, (size_t)*n * sizeof(*nv));
		kfree(*v);
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = (struct of_rmem){ base, size };
	return 0;
}

int of_scan_reserved_mem(const void *fdt, struct of_rmem **out)
{
	int root = fdt_path_offset(fdt, "/reserved-memory"), node, n = 0, cap = 0;
	struct of_rmem *v = NULL;

	*out = NULL;
	if (root < 0) {
		pr_info("Reserved memory: No reserved-memory node in the DT\n");
		return 0;
	}
	fdt_for_each_subnode(node, fdt, root) {
		const char *name = fdt_get_name(fdt, node, NULL);
		u64 base, size;
		int i;

		if (!dt_node_enabled(fdt, node))
			continue;
		for (i = 0; !dt_reg(fdt, node, i, &base, &size); i++) {
			if (!size || base + size < base)
				continue;
			if (add(&v, &n, &cap, base, size)) {
				kfree(v);
				return -ENOMEM;
			}
			log_region(fdt, node, base, size);
		}
		if (i == 0 && fdt_getprop(fdt, node, "size", NULL))
			pr_info(pr_fmt "%s: dynamic region (size only) not placed: nothing in the lab allocates from it\n",
				name ? name : "unknown");
	}
	*out = v;
	return n;
}
