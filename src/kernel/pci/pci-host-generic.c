// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic ECAM host bridge (Linux: drivers/pci/controller/
 * pci-host-generic.c, pci-host-common.c, ecam.c, drivers/pci/of.c): a
 * platform driver for `pci-host-ecam-generic` that maps configuration
 * space (1 MiB per bus), reads `bus-range`, `linux,pci-domain` and the
 * `ranges` windows, scans, assigns resources unless /chosen says
 * `linux,pci-probe-only`, and lets drivers bind.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

struct pci_config_window {
	struct pci_host_bridge bridge;
	u64 ecam_base, ecam_size;
	int bus_start, bus_end;
};

static struct pci_config_window *bus_to_cfg(struct pci_bus *bus)
{
	return bus->sysdata;
}

/* pci_ecam_map_bus: bus - first << 20 | devfn << 12 | where. */
static u64 ecam_map_bus(struct pci_bus *bus, unsigned devfn, int where)
{
	struct pci_config_window *cfg = bus_to_cfg(bus);
	int busn = bus->number;

	if (busn < cfg->bus_start || busn > cfg->bus_end)
		return 0;
	return cfg->ecam_base + ((u64)(busn - cfg->bus_start) << 20 | (u64)devfn << 12 |
				 (u64)where);
}

static const struct pci_ops pci_generic_ecam_ops = {
	.map_bus = ecam_map_bus,
	.read = pci_generic_config_read,
	.write = pci_generic_config_write,
};

/* ---- device tree ------------------------------------------------------------ */

static int add_window(struct pci_host_bridge *hb, unsigned long flags, u64 cpu, u64 pci,
		      u64 size)
{
	struct resource_entry *e = kzalloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->res = &e->__res;
	e->res->start = cpu;
	e->res->end = cpu + size - 1;
	e->res->flags = flags | IORESOURCE_WINDOW;
	e->offset = (s64)(cpu - pci);
	list_add_tail(&e->node, &hb->windows);
	return 0;
}

/* devm_of_pci_get_host_bridge_resources: `ranges` to windows. */
static int parse_ranges(struct device *dev, struct pci_host_bridge *hb)
{
	const struct device_node *np = dev->of_node;
	int pna = of_n_addr_cells(np->parent ? np->parent : np), len, ret;
	const fdt32_t *p = of_get_property(np, "ranges", &len);
	int ent = 3 + pna + 2;

	if (!p)
		return 0;
	dev_info(dev, "host bridge %s ranges:\n", np->full_name);
	for (int i = 0; (i + ent) * 4 <= len; i += ent) {
		u32 cells[8];
		u32 hi = fdt32_to_cpu(p[i]);
		unsigned long flags;
		u64 pci, cpu, size;

		for (int k = 0; k < ent && k < 8; k++)
			cells[k] = fdt32_to_cpu(p[i + k]);
		pci = of_read_number(&cells[1], 2);
		cpu = of_read_number(&cells[3], pna);
		size = of_read_number(&cells[3 + pna], 2);
		switch ((hi >> 24) & 3) {
		case 1:
			flags = IORESOURCE_IO;
			break;
		case 2:
			flags = IORESOURCE_MEM;
			break;
		case 3:
			flags = IORESOURCE_MEM | IORESOURCE_MEM_64;
			break;
		default:
			continue;	/* configuration space: not a window */
		}
		if (hi & 0x40000000)
			flags |= IORESOURCE_PREFETCH;
		if (!size)
			continue;
		dev_info(dev, "  %6s %#012llx..%#012llx -> %#012llx\n",
			 flags & IORESOURCE_IO ? "IO" : "MEM", (unsigned long long)cpu,
			 (unsigned long long)(cpu + size - 1), (unsigned long long)pci);
		if ((ret = add_window(hb, flags, cpu, pci, size)))
			return ret;
	}
	return 0;
}

static void free_windows(struct pci_host_bridge *hb)
{
	struct resource_entry *e, *n;

	list_for_each_entry_safe(e, n, &hb->windows, node) {
		list_del(&e->node);
		kfree(e);
	}
}

/* of_get_pci_domain_nr, else one past the highest domain in use. */
static int host_domain_nr(const struct device_node *np)
{
	struct pci_bus *b;
	u32 d;
	int next = 0;

	if (!of_property_read_u32(np, "linux,pci-domain", &d) && d <= 0xffff)
		return (int)d;
	list_for_each_entry(b, &kstate->pci.root_buses, node)
		if (b->domain_nr >= next)
			next = b->domain_nr + 1;
	return next;
}

static bool probe_only(void)
{
	const struct device_node *chosen = of_find_node_by_path("/chosen");
	u32 v = 0;

	return chosen && !of_property_read_u32(chosen, "linux,pci-probe-only", &v) && v;
}

/* ---- the driver -------------------------------------------------------------- */

static int pci_host_common_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct resource *cfgres = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	struct pci_config_window *cfg;
	u32 range[2] = { 0, 255 };
	int ret;

	if (!cfgres) {
		dev_err(dev, "missing \"reg\" property\n");
		return -EINVAL;
	}
	cfg = kzalloc(sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	INIT_LIST_HEAD(&cfg->bridge.windows);
	INIT_LIST_HEAD(&cfg->bridge.dma_ranges);
	if (of_property_read_u32_array(dev->of_node, "bus-range", range, 2))
		range[0] = 0, range[1] = 255;
	cfg->ecam_base = cfgres->start;
	cfg->ecam_size = resource_size(cfgres);
	cfg->bus_start = (int)range[0];
	cfg->bus_end = (int)range[1];
	if ((u64)(cfg->bus_end - cfg->bus_start + 1) > cfg->ecam_size >> 20) {
		cfg->bus_end = cfg->bus_start + (int)(cfg->ecam_size >> 20) - 1;
		dev_warn(dev, "ECAM area [mem %#llx-%#llx] can only accommodate [bus %02x-%02x] (reduced from [bus %02x-%02x] desired)\n",
			 (unsigned long long)cfgres->start, (unsigned long long)cfgres->end,
			 cfg->bus_start, cfg->bus_end, range[0], range[1]);
	}
	ret = parse_ranges(dev, &cfg->bridge);
	if (ret)
		goto err;
	dev_info(dev, "ECAM at [mem %#llx-%#llx] for [bus %02x-%02x]\n",
		 (unsigned long long)cfgres->start, (unsigned long long)cfgres->end,
		 cfg->bus_start, cfg->bus_end);
	cfg->bridge.dev.parent = dev;
	cfg->bridge.ops = &pci_generic_ecam_ops;
	cfg->bridge.sysdata = cfg;
	cfg->bridge.busnr = cfg->bus_start;
	cfg->bridge.busnr_end = cfg->bus_end;
	cfg->bridge.domain_nr = host_domain_nr(dev->of_node);
	cfg->bridge.preserve_config = probe_only();
	ret = pci_scan_root_bus_bridge(&cfg->bridge);
	if (ret)
		goto err;
	if (!cfg->bridge.preserve_config)
		pci_bus_size_and_assign(cfg->bridge.bus);
	pci_bus_add_devices(cfg->bridge.bus);
	platform_set_drvdata(pdev, cfg);
	return 0;
err:
	free_windows(&cfg->bridge);
	kfree(cfg);
	return ret;
}

static void pci_host_common_remove(struct platform_device *pdev)
{
	struct pci_config_window *cfg = platform_get_drvdata(pdev);

	if (cfg->bridge.bus) {
		list_del_init(&cfg->bridge.bus->node);
		pci_remove_root_bus(cfg->bridge.bus);
	}
	free_windows(&cfg->bridge);
	kfree(cfg);
}

static const struct of_device_id gen_pci_of_match[] = {
	{ .compatible = "pci-host-ecam-generic" },
	{ .compatible = NULL },
};

static struct platform_driver gen_pci_driver = {
	.probe = pci_host_common_probe,
	.remove = pci_host_common_remove,
	.driver = {
		.name = "pci-host-generic",
		.of_match_table = gen_pci_of_match,
	},
};

int pci_host_generic_init(void)
{
	return platform_driver_register(&gen_pci_driver);
}

void pci_host_generic_exit(void)
{
	platform_driver_unregister(&gen_pci_driver);
}
