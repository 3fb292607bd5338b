// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSI device-tree bindings (pci-msi.txt, msi.txt): `msi-map` and
 * `msi-map-mask` translate a requester ID into an MSI controller and a
 * DeviceID (of_map_id, shared with `iommu-map`), `msi-parent` names a
 * device's controller with an optional DeviceID cell.
 */
#include <errno.h>

#include <libfdt.h>

#include "kernel/base/device.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"

static const char *node_name(const struct device_node *np)
{
	return np ? np->full_name : "(null)";
}

/* The mask defaults to all ones; a malformed mask property is ignored, as Linux. */
static u32 read_mask(const struct device_node *np, const char *map_mask_name)
{
	u32 mask = 0xffffffff;

	if (map_mask_name && of_property_read_u32(np, map_mask_name, &mask))
		mask = 0xffffffff;
	return mask;
}

/* One tuple: does it take @masked? 0 (no), 1 (yes, *@id_out set) or -errno. */
static int map_entry(const struct device_node *np, const fdt32_t *e, u32 masked, u32 mask,
		     const char *map_name, struct device_node **target, u32 *id_out)
{
	u32 id_base = fdt32_to_cpu(e[0]), phandle = fdt32_to_cpu(e[1]);
	u32 out_base = fdt32_to_cpu(e[2]), len = fdt32_to_cpu(e[3]);
	struct device_node *ctrl;

	if (id_base & ~mask) {
		pr_err("%s: Invalid %s translation - %s-mask (0x%x) ignores id-base (0x%x)\n",
		       np->full_name, map_name, map_name, mask, id_base);
		return -EFAULT;
	}
	if (masked < id_base || masked - id_base >= len)
		return 0;
	ctrl = of_find_node_by_phandle(phandle);
	if (!ctrl)
		return -ENODEV;
	if (*target && *target != ctrl)
		return 0;   /* an entry for another controller */
	*target = ctrl;
	*id_out = masked - id_base + out_base;
	pr_debug("%s: %s, using mask %08x, id-base: %08x, out-base: %08x, length: %08x, id: %08x -> %08x\n",
		 np->full_name, map_name, mask, id_base, out_base, len, masked, *id_out);
	return 1;
}

int of_map_id(const struct device_node *np, u32 id, const char *map_name,
	      const char *map_mask_name, struct device_node **target, u32 *id_out)
{
	struct device_node *none = NULL, **tgt = target ? target : &none;
	const fdt32_t *map;
	int len;
	u32 mask;

	if (!np || !map_name || (!target && !id_out))
		return -EINVAL;
	map = of_get_property(np, map_name, &len);
	if (!map) {
		if (target)
			return -ENODEV;
		*id_out = id;   /* no map: no translation */
		return 0;
	}
	if (!len || len % (4 * sizeof(u32))) {
		pr_err("%s: Error: Bad %s length: %d\n", np->full_name, map_name, len);
		return -EINVAL;
	}
	mask = read_mask(np, map_mask_name);
	for (int i = 0; i < len / 4; i += 4) {
		u32 out;
		int ret = map_entry(np, &map[i], id & mask, mask, map_name, tgt, &out);

		if (ret < 0)
			return ret;
		if (ret) {
			if (id_out)
				*id_out = out;
			return 0;
		}
	}
	pr_info("%s: no %s translation for id 0x%x on %s\n", np->full_name, map_name, id,
		node_name(*tgt));
	if (id_out)
		*id_out = id;
	return 0;
}

/* The first `msi-map` up from @dev: 0 with the result, or -ENODEV (none). */
static int msi_map_walk(struct device *dev, struct device_node **msi_np, u32 id_in,
			u32 *id_out)
{
	for (struct device *d = dev; d; d = d->parent)
		if (d->of_node && !of_map_id(d->of_node, id_in, "msi-map", "msi-map-mask", msi_np,
					     id_out))
			return 0;
	return -ENODEV;
}

u32 of_msi_map_id(struct device *dev, struct device_node *msi_np, u32 id_in)
{
	u32 id_out = id_in;

	if (msi_map_walk(dev, &msi_np, id_in, &id_out))
		return id_in;
	return id_out;
}

struct device_node *of_msi_map_get_device_node(struct device *dev, u32 id)
{
	struct device_node *np = NULL;
	u32 out;

	if (msi_map_walk(dev, &np, id, &out))
		return NULL;
	return np;
}

int of_msi_parent(const struct device_node *np, int index, struct device_node **ctrl,
		  u32 *args, int max_args)
{
	const fdt32_t *v;
	int len, i = 0;

	if (!np || !ctrl || index < 0)
		return -EINVAL;
	v = of_get_property(np, "msi-parent", &len);
	if (!v)
		return -ENOENT;
	for (int n = 0; i < len / 4; n++) {
		struct device_node *c = of_find_node_by_phandle(fdt32_to_cpu(v[i]));
		u32 cells = 0;

		if (!c || !of_property_read_bool(c, "msi-controller"))
			return -EINVAL;
		if (of_property_read_u32(c, "#msi-cells", &cells))
			cells = 0;   /* absent: no specifier */
		if (cells > 8 || cells > (u32)(len / 4 - i - 1))
			return -EINVAL;
		if (n == index) {
			*ctrl = c;
			for (u32 k = 0; k < cells && (int)k < max_args; k++)
				args[k] = fdt32_to_cpu(v[i + 1 + (int)k]);
			return (int)cells;
		}
		i += 1 + (int)cells;
	}
	return -ENOENT;
}
