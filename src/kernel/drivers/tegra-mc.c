// SPDX-License-Identifier: GPL-2.0-only
/*
 * tegra-mc (Linux 6.12: drivers/memory/tegra/mc.c), the platform driver
 * of the Tegra186/194/234 memory controllers (`nvidia,tegra186-mc`,
 * `nvidia,tegra194-mc`, `nvidia,tegra234-mc`). Linux registers it at
 * arch_initcall, before the SMMU drivers; arm-smmu-nvidia takes the MC
 * named by the SMMU's `nvidia,memory-controller` and defers until it is
 * bound (tegra_memory_controller_get).
 *
 * Not modelled: the MC's registers, among them the per-client stream-ID
 * override registers Linux programs (tegra186_mc_program_sid at probe,
 * tegra186_mc_probe_device for each master's `interconnects`): the lab's
 * masters carry their stream IDs from `iommus` directly.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/platform-suppliers.h"
#include "kernel/of/of.h"

struct tegra_mc {
	struct device *dev;
};

static int tegra_mc_probe(struct platform_device *pdev)
{
	struct tegra_mc *mc = kzalloc(sizeof(*mc));

	if (!mc)
		return -ENOMEM;
	mc->dev = &pdev->dev;
	dev_set_drvdata(&pdev->dev, mc);
	return 0;
}

static void tegra_mc_remove(struct platform_device *pdev)
{
	kfree(dev_get_drvdata(&pdev->dev));
	dev_set_drvdata(&pdev->dev, NULL);
}

int tegra_memory_controller_get(struct device *dev, struct device **out)
{
	struct device_node *np = of_parse_phandle(dev->of_node, "nvidia,memory-controller", 0);
	struct device *mc;

	if (!np)
		return -ENOENT;
	mc = bus_find_device_by_of_node(bus_find("platform"), np);
	if (!mc)
		return -ENODEV;
	if (!dev_get_drvdata(mc) || !mc->driver || strcmp(mc->driver->name, "tegra-mc"))
		return -EPROBE_DEFER;
	*out = mc;
	return 0;
}

const struct of_device_id tegra_mc_of_match[] = {
	{ .compatible = "nvidia,tegra186-mc" },
	{ .compatible = "nvidia,tegra194-mc" },
	{ .compatible = "nvidia,tegra234-mc" },
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
