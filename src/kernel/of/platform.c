// SPDX-License-Identifier: GPL-2.0-only
/*
 * Platform devices from the device tree (drivers/of/platform.c): names
 * from of_device_make_bus_id, resources from reg and interrupts, the
 * default bus table (simple-bus & co) populated recursively, primecells on
 * the AMBA bus, disabled and compatible-less nodes skipped.
 */
#include <stdio.h>
#include <string.h>

#include "common/dt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"

static const struct of_device_id of_default_bus_match_table[] = {
	{ .compatible = "simple-bus" },
	{ .compatible = "simple-mfd" },
	{ .compatible = "isa" },
	{ .compatible = "arm,amba-bus" },
	{ NULL }
};

static const struct of_device_id of_skipped_node_table[] = {
	{ .compatible = "operating-points-v2" },
	{ NULL }
};

/*
 * Nodes early init code already claimed (OF_POPULATED before populate):
 * interrupt controllers set up by of_irq_init, clocks by of_clk_init.
 */
static const struct of_device_id irqchip_table[] = {
	{ .compatible = "arm,gic-400" }, { .compatible = "arm,cortex-a15-gic" },
	{ .compatible = "arm,cortex-a9-gic" }, { .compatible = "arm,cortex-a7-gic" },
	{ .compatible = "arm,arm11mp-gic" }, { .compatible = "arm,eb11mp-gic" },
	{ .compatible = "arm,pl390" }, { .compatible = "arm,tc11mp-gic" },
	{ .compatible = "arm,arm1176jzf-devchip-gic" }, { .compatible = "arm,gic-v3" },
	{ .compatible = "qcom,msm-qgic2" }, { .compatible = "qcom,msm-8660-qgic" },
	{ NULL }
};

static const struct of_device_id clk_of_table[] = {
	{ .compatible = "fixed-clock" },
	{ .compatible = "fixed-factor-clock" },
	{ NULL }
};

static void mark_early_populated(void)
{
	/* depth-first walk */
	struct device_node *np = of_root_node();
	while (np) {
		if (of_device_is_available(np) &&
		    ((of_property_read_bool(np, "interrupt-controller") &&
		      of_match_node(irqchip_table, np)) || of_match_node(clk_of_table, np)))
			np->flags |= OF_POPULATED;
		if (np->child) {
			np = np->child;
			continue;
		}
		while (np && !np->sibling)
			np = np->parent;
		if (np)
			np = np->sibling;
	}
}

static bool node_reg_addr(const struct device_node *np, int index, u64 *addr, u64 *size)
{
	if (!of_find_property(np, "reg", NULL))
		return false;
	return dt_reg(of_fdt(), np->fdt_offset, index, addr, size) == 0;
}

/* "<addr>.<name>" once an ancestor-or-self translates, prefixed by the basenames below it. */
static char *make_bus_id(const struct device_node *np)
{
	char *name = NULL;
	for (const struct device_node *node = np; node->parent; node = node->parent) {
		u64 addr, size;
		char *n;
		if (node_reg_addr(node, 0, &addr, &size)) {
			n = name ? kasprintf("%llx.%s:%s", (unsigned long long)addr, node->name, name)
				 : kasprintf("%llx.%s", (unsigned long long)addr, node->name);
			kfree(name);
			return n;
		}
		n = name ? kasprintf("%s:%s", kbasename(node->full_name), name)
			 : kasprintf("%s", kbasename(node->full_name));
		kfree(name);
		if (!n)
			return NULL;
		name = n;
	}
	return name;
}

static int fill_resources(struct platform_device *pdev, const struct device_node *np)
{
	unsigned nr_reg = 0, nr_irq = 0;
	u64 addr, size;
	u32 intid;

	while (node_reg_addr(np, (int)nr_reg, &addr, &size))
		nr_reg++;
	while (of_find_property(np, "interrupts", NULL) &&
	       dt_irq(of_fdt(), np->fdt_offset, (int)nr_irq, &intid) == 0)
		nr_irq++;
	if (!nr_reg && !nr_irq)
		return 0;
	pdev->resource = kcalloc(nr_reg + nr_irq, sizeof(*pdev->resource));
	if (!pdev->resource)
		return -ENOMEM;
	pdev->num_resources = nr_reg + nr_irq;
	for (unsigned i = 0; i < nr_reg; i++) {
		node_reg_addr(np, (int)i, &addr, &size);
		pdev->resource[i].start = addr;
		pdev->resource[i].end = addr + size - 1;
		pdev->resource[i].flags = IORESOURCE_MEM;
		pdev->resource[i].name = np->full_name;
	}
	for (unsigned i = 0; i < nr_irq; i++) {
		dt_irq(of_fdt(), np->fdt_offset, (int)i, &intid);
		pdev->resource[nr_reg + i].start = intid;
		pdev->resource[nr_reg + i].end = intid;
		pdev->resource[nr_reg + i].flags = IORESOURCE_IRQ;
		pdev->resource[nr_reg + i].name = np->full_name;
	}
	return 0;
}

static struct platform_device *of_device_create(struct device_node *np, struct device *parent,
						struct bus_type *bus)
{
	struct platform_device *pdev;
	char *name;

	if (!of_device_is_available(np) || (np->flags & OF_POPULATED))
		return NULL;
	np->flags |= OF_POPULATED;
	pdev = platform_device_alloc("");
	if (!pdev)
		goto fail;
	if (fill_resources(pdev, np))
		goto fail_put;
	pdev->dev.of_node = np;
	pdev->dev.parent = parent ? parent : platform_bus();
	pdev->dev.bus = bus;
	name = make_bus_id(np);
	if (!name)
		goto fail_put;
	pdev->dev.name = name;
	if (platform_device_add(pdev)) {
		pr_err("OF: failed to add device for %s\n", np->full_name);
		goto fail_put;
	}
	return pdev;
fail_put:
	platform_device_put(pdev);
fail:
	np->flags &= ~OF_POPULATED;
	return NULL;
}

/* Linux's of_platform_device_create: a driver makes a device for a child node (mbigen). */
struct platform_device *of_platform_device_create(struct device_node *np, struct device *parent)
{
	return np ? of_device_create(np, parent, &platform_bus_type) : NULL;
}

static int of_platform_bus_create(struct device_node *bus, const struct of_device_id *matches,
				  struct device *parent, bool strict)
{
	struct device_node *child;
	struct platform_device *pdev;

	if (strict && !of_find_property(bus, "compatible", NULL))
		return 0;
	if (of_match_node(of_skipped_node_table, bus))
		return 0;
	if (bus->flags & OF_POPULATED_BUS)
		return 0;
	if (of_device_is_compatible(bus, "arm,primecell")) {
		of_device_create(bus, parent, &amba_bustype);
		return 0;
	}
	pdev = of_device_create(bus, parent, &platform_bus_type);
	if (!pdev || !matches || !of_match_node(matches, bus))
		return 0;
	for_each_child_of_node(bus, child) {
		int rc = of_platform_bus_create(child, matches, &pdev->dev, strict);
		if (rc)
			return rc;
	}
	bus->flags |= OF_POPULATED_BUS;
	return 0;
}

static int of_platform_populate(struct device_node *root, const struct of_device_id *matches)
{
	struct device_node *child;
	if (!root)
		return -EINVAL;
	for_each_child_of_node(root, child) {
		int rc = of_platform_bus_create(child, matches, NULL, true);
		if (rc)
			return rc;
	}
	root->flags |= OF_POPULATED_BUS;
	return 0;
}

int of_platform_default_populate(void)
{
	struct device_node *fw, *root = of_root_node();
	if (!root)
		return -ENODEV;
	mark_early_populated();
	fw = of_find_node_by_path("/firmware");
	if (fw)
		of_platform_populate(fw, NULL);
	return of_platform_populate(root, of_default_bus_match_table);
}

static int destroy_one(struct device *dev, void *data)
{
	if (!dev->of_node || !(dev->of_node->flags & OF_POPULATED))
		return 0;
	/* Children first, newest first (device_for_each_child_reverse). */
	while ((dev->of_node->flags & OF_POPULATED_BUS) && !list_empty(&dev->children)) {
		struct device *c = list_last_entry(&dev->children, struct device, child_node);
		if (!c->of_node || !(c->of_node->flags & OF_POPULATED))
			break;
		destroy_one(c, NULL);
	}
	dev->of_node->flags &= ~(OF_POPULATED | OF_POPULATED_BUS);
	platform_device_unregister(to_platform_device(dev));
	return 0;
}

/* Children before parents, last created first. */
void of_platform_depopulate_all(void)
{
	struct device *dev, *pbus = platform_bus();
	if (!pbus || !pbus->children.next)
		return;		/* the platform bus never came up */
	while (!list_empty(&pbus->children)) {
		dev = list_last_entry(&pbus->children, struct device, child_node);
		if (dev->of_node && (dev->of_node->flags & OF_POPULATED))
			destroy_one(dev, NULL);
		else
			break;
	}
}
