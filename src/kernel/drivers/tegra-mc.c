// SPDX-License-Identifier: GPL-2.0-only
/*
 * tegra-mc (Linux 6.12: drivers/memory/tegra/mc.c), the platform driver
 * of the Tegra186/194/234 memory controllers (`nvidia,tegra186-mc`,
 * `nvidia,tegra194-mc`, `nvidia,tegra234-mc`). Linux registers it at
 * arch_initcall, before the SMMU drivers; arm-smmu-nvidia takes the MC
 * named by the SMMU's `nvidia,memory-controller` and defers until it is
 * bound (tegra_memory_controller_get).
 *
 * The stream-ID overrides (tegra186.c): arm-smmu-nvidia's probe_finalize
 * calls tegra_mc_probe_device for each master, which writes the master's
 * stream ID (its only `iommus` ID) into the override register of every
 * memory client its `interconnects` name on this MC, if the SoC's client
 * table knows the client. The tables here hold the clients of the boards
 * in tests/boards (Linux's hold every client of the SoC); a client Linux
 * 6.12's table lacks (Tegra234's SDMMCRA, XUSB, HOST1XDMAR) is not
 * programmed, as in Linux. The MC's interrupts, its resume
 * (tegra186_mc_resume reprograms every client) and the interconnect
 * provider are not modelled.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/platform-suppliers.h"
#include "kernel/of/of.h"

#define MC_SID_STREAMID_OVERRIDE_MASK			0xffu
#define MC_SID_STREAMID_SECURITY_OVERRIDE		(1u << 8)
#define MC_SID_STREAMID_SECURITY_WRITE_ACCESS_DISABLED	(1u << 16)

/* A memory client: its ID in the dt-bindings and its override register. */
struct tegra_mc_client {
	u32 id;
	const char *name;
	u32 sid_override;	/* the security register is 4 bytes above */
};

struct tegra_mc_soc {
	const struct tegra_mc_client *clients;
	unsigned num_clients;
};

struct tegra_mc {
	struct device *dev;
	const struct tegra_mc_soc *soc;
	u64 regs;		/* the MC-SID window (reg 0) */
};

/* Tegra194 (dt-bindings/memory/tegra194-mc.h; Linux's tegra194.c). */
static const struct tegra_mc_client tegra194_mc_clients[] = {
	{ 0x15, "hdar", 0x0a8 },	{ 0x16, "host1xdmar", 0x0b0 },
	{ 0x35, "hdaw", 0x1a8 },	{ 0x4a, "xusb_hostr", 0x250 },
	{ 0x4b, "xusb_hostw", 0x258 },	{ 0x4c, "xusb_devr", 0x260 },
	{ 0x4d, "xusb_devw", 0x268 },	{ 0x60, "sdmmcra", 0x300 },
	{ 0x62, "sdmmcr", 0x310 },	{ 0x63, "sdmmcrab", 0x318 },
	{ 0x64, "sdmmcwa", 0x320 },	{ 0x66, "sdmmcw", 0x330 },
	{ 0x67, "sdmmcwab", 0x338 },	{ 0x8e, "eqosr", 0x470 },
	{ 0x8f, "eqosw", 0x478 },
};

/* Tegra234 (dt-bindings/memory/tegra234-mc.h; Linux's tegra234.c). */
static const struct tegra_mc_client tegra234_mc_clients[] = {
	{ 0x15, "hdar", 0x0a8 },	{ 0x35, "hdaw", 0x1a8 },
	{ 0x58, "mgbeard", 0x2c0 },	{ 0x5c, "mgbeawr", 0x2e0 },
	{ 0x63, "sdmmcrab", 0x318 },	{ 0x67, "sdmmcwab", 0x338 },
};

static const struct tegra_mc_soc tegra194_mc_soc = {
	tegra194_mc_clients, ARRAY_SIZE(tegra194_mc_clients),
};
static const struct tegra_mc_soc tegra234_mc_soc = {
	tegra234_mc_clients, ARRAY_SIZE(tegra234_mc_clients),
};
static const struct tegra_mc_soc tegra_mc_no_clients = { NULL, 0 };

static int tegra_mc_probe(struct platform_device *pdev)
{
	struct tegra_mc *mc;
	struct resource res;

	/* The MC-SID window (Linux: devm_platform_ioremap_resource(pdev, 0)). */
	if (of_address_to_resource(pdev->dev.of_node, 0, &res))
		return -EINVAL;
	mc = kzalloc(sizeof(*mc));
	if (!mc)
		return -ENOMEM;
	mc->dev = &pdev->dev;
	mc->regs = res.start;
	mc->soc = of_device_get_match_data(&pdev->dev);
	if (!mc->soc)
		mc->soc = &tegra_mc_no_clients;
	dev_set_drvdata(&pdev->dev, mc);
	return 0;
}

/* tegra186_mc_client_sid_override: unless firmware locked the client. */
static void tegra_mc_client_sid_override(struct tegra_mc *mc,
					 const struct tegra_mc_client *client, u32 sid)
{
	u64 security = mc->regs + client->sid_override + 4;
	u32 value = readl(security), old;

	if (!(value & MC_SID_STREAMID_SECURITY_OVERRIDE)) {
		if (value & MC_SID_STREAMID_SECURITY_WRITE_ACCESS_DISABLED)
			return;
		pr_warn("WARNING: tegra_mc: %s: stream-ID override was not enabled\n",
			client->name);
		writel(value | MC_SID_STREAMID_SECURITY_OVERRIDE, security);
	}
	old = readl(mc->regs + client->sid_override) & MC_SID_STREAMID_OVERRIDE_MASK;
	if (old != sid) {
		dev_dbg(mc->dev, "overriding SID %x for %s with %x\n", old, client->name, sid);
		writel(sid, mc->regs + client->sid_override);
	}
}

/* The clients of entry @index of @np's `interconnects` on @mc: 1, 0 at the end. */
static int tegra_mc_interconnect(struct tegra_mc *mc, struct device_node *np, unsigned *cell,
				 u32 sid)
{
	int n = of_property_count_u32_elems(np, "interconnects");
	struct device_node *provider;
	u32 phandle, cells, id;

	if (n <= 0 || *cell >= (unsigned)n ||
	    of_property_read_u32_index(np, "interconnects", *cell, &phandle))
		return 0;
	provider = of_find_node_by_phandle(phandle);
	if (!provider || of_property_read_u32(provider, "#interconnect-cells", &cells) ||
	    *cell + 1 + cells > (unsigned)n)
		return 0;   /* of_parse_phandle_with_args fails: the walk ends */
	if (provider == mc->dev->of_node && cells &&
	    !of_property_read_u32_index(np, "interconnects", *cell + 1, &id)) {
		for (unsigned i = 0; i < mc->soc->num_clients; i++)
			if (mc->soc->clients[i].id == id)
				tegra_mc_client_sid_override(mc, &mc->soc->clients[i], sid);
	}
	*cell += 1 + cells;
	return 1;
}

int tegra_mc_probe_device(struct device *mc_dev, struct device *dev)
{
	struct tegra_mc *mc = dev_get_drvdata(mc_dev);
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	unsigned cell = 0;

	/* tegra_dev_iommu_get_stream_id: a master of exactly one stream ID. */
	if (!mc || !dev->of_node || !fwspec || fwspec->num_ids != 1)
		return 0;
	while (tegra_mc_interconnect(mc, dev->of_node, &cell,
				     fwspec->ids[0] & MC_SID_STREAMID_OVERRIDE_MASK))
		;
	return 0;
}

static void tegra_mc_remove(struct platform_device *pdev)
{
	kfree(dev_get_drvdata(&pdev->dev));
	dev_set_drvdata(&pdev->dev, NULL);
}

static struct platform_driver tegra_mc_driver;

int tegra_memory_controller_get(struct device *dev, struct device **out)
{
	struct device_node *np = of_parse_phandle(dev->of_node, "nvidia,memory-controller", 0);
	struct device *mc;

	if (!np)
		return -ENOENT;
	mc = bus_find_device_by_of_node(bus_find("platform"), np);
	if (!mc)
		return -ENODEV;
	if (!dev_get_drvdata(mc) || !mc->driver || mc->driver != &tegra_mc_driver.driver)
		return -EPROBE_DEFER;
	*out = mc;
	return 0;
}

const struct of_device_id tegra_mc_of_match[] = {
	{ .compatible = "nvidia,tegra186-mc", .data = &tegra_mc_no_clients },
	{ .compatible = "nvidia,tegra194-mc", .data = &tegra194_mc_soc },
	{ .compatible = "nvidia,tegra234-mc", .data = &tegra234_mc_soc },
	{ NULL, NULL },
};

static struct platform_driver tegra_mc_driver = {
	.probe = tegra_mc_probe,
	.remove = tegra_mc_remove,
	.driver = {
		.name = "tegra-mc",
		.of_match_table = tegra_mc_of_match,
		.suppress_bind_attrs = true,
	},
};

int tegra_mc_init(void)
{
	return platform_driver_register(&tegra_mc_driver);
}

void tegra_mc_exit(void)
{
	platform_driver_unregister(&tegra_mc_driver);
}
