// SPDX-License-Identifier: GPL-2.0-only
/*
 * qcom_scm (Linux 6.12: drivers/firmware/qcom/qcom_scm.c): the platform
 * driver of Qualcomm's secure channel manager, `qcom,scm` (the SoC's own
 * compatible first, e.g. "qcom,scm-sc7180", in /firmware). Linux registers
 * it at subsys_initcall, before the SMMU drivers, and arm-smmu-qcom's
 * implementations wait for it ("qcom_scm not ready"). Linux 6.12's probe
 * has no check for an earlier instance: a second `qcom,scm` device binds
 * too (Linux's __scm then names the later one; the lab's SMC calls are
 * not modelled, so which one is unobservable). No unbind: the driver
 * suppresses its bind attributes, as Linux's. What the lab keeps is
 * whether an SCM is there.
 */
#include <errno.h>

#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/platform-suppliers.h"
#include "kernel/of/of.h"

static struct platform_driver qcom_scm_driver;

static int count_bound(struct device *dev, void *data)
{
	(*(unsigned *)data)++;
	return 0;
}

/* __scm: whether the driver has its device; the driver core keeps it. */
bool qcom_scm_is_available(void)
{
	unsigned n = 0;

	if (!kstate || !qcom_scm_driver.driver.bus)
		return false;
	driver_for_each_device(&qcom_scm_driver.driver, &n, count_bound);
	return n > 0;
}

static int qcom_scm_probe(struct platform_device *pdev)
{
	(void)pdev;
	return 0;
}

const struct of_device_id qcom_scm_dt_match[] = {
	{ .compatible = "qcom,scm" },
	{ NULL, NULL },
};

static struct platform_driver qcom_scm_driver = {
	.probe = qcom_scm_probe,
	.driver = {
		.name = "qcom_scm",
		.of_match_table = qcom_scm_dt_match,
		.suppress_bind_attrs = true,
	},
};

int qcom_scm_init(void)
{
	return platform_driver_register(&qcom_scm_driver);
}

void qcom_scm_exit(void)
{
	platform_driver_unregister(&qcom_scm_driver);
}
