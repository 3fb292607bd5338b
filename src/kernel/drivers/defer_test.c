// SPDX-License-Identifier: GPL-2.0-only
/*
 * "defer-test": a driver whose probe waits for another device (the one its
 * iommulab,supplier phandle names) to have a driver. An optional
 * dependency in Linux's sense: it defers through
 * driver_deferred_probe_check_supplier(), and once that says the supplier
 * will never come (no module left to load could provide it, or the
 * timeout expired) it binds without it.
 *
 * Parameters (test knobs): ignore_supplier (bool) binds at once;
 * probe_result (int) is what probe returns once the supplier question is
 * settled (0 binds, a negative errno fails the probe); supplier_prop
 * (charp, read-only) names the phandle property; defer_count (uint,
 * read-only in sysfs) counts the deferrals so far.
 */
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/drivers.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

#define P(field) KPARAM_STATE(defer_test.field)
const struct kernel_param defer_test_params[] = {
	{ .name = "ignore_supplier", .type = PARAM_BOOL, P(ignore_supplier), .perm = 0644, .def = "N" },
	{ .name = "probe_result", .type = PARAM_INT, P(probe_result), .perm = 0644, .def = "0" },
	{ .name = "supplier_prop", .type = PARAM_CHARP, P(supplier_prop), .perm = 0444,
	  .def = "iommulab,supplier" },
	{ .name = "defer_count", .type = PARAM_UINT, P(defer_count), .perm = 0444, .def = "0" },
	{ .name = NULL }
};
#undef P

static struct device *find_supplier(struct device_node *np)
{
	struct device *dev = bus_find_device_by_of_node(&platform_bus_type, np);
	return dev ? dev : bus_find_device_by_of_node(&amba_bustype, np);
}

static int defer_test_probe(struct platform_device *pdev)
{
	struct defer_test_state *st = &kstate->defer_test;
	struct device *dev = &pdev->dev;
	const char *prop = st->supplier_prop ? st->supplier_prop : "iommulab,supplier";
	struct device_node *snp = of_parse_phandle(dev->of_node, prop, 0);
	struct device *sup;
	int ret;

	if (st->ignore_supplier) {
		dev_info(dev, "not waiting for a supplier\n");
		return st->probe_result;
	}
	if (!snp)
		return dev_err_probe(dev, -EINVAL, "no %s\n", prop);
	sup = find_supplier(snp);
	if (sup && device_is_bound(sup)) {
		dev_info(dev, "supplier %s ready (driver %s)\n", dev_name(sup), sup->driver->name);
		return st->probe_result;
	}
	ret = driver_deferred_probe_check_supplier(dev, snp);
	if (ret == -EPROBE_DEFER) {
		st->defer_count++;
		return dev_err_probe(dev, ret, "supplier %s not ready\n",
				     sup ? dev_name(sup) : snp->full_name);
	}
	dev_info(dev, "continuing without supplier %s\n", sup ? dev_name(sup) : snp->full_name);
	return st->probe_result;
}

const struct of_device_id defer_test_of_match[] = {
	{ .compatible = "iommulab,defer-test" },
	{ NULL }
};

static struct platform_driver defer_test_driver = {
	.probe = defer_test_probe,
	.driver = {
		.name = "defer-test",
		.of_match_table = defer_test_of_match,
	},
};

int defer_test_init(void)
{
	return platform_driver_register(&defer_test_driver);
}

void defer_test_exit(void)
{
	platform_driver_unregister(&defer_test_driver);
}
