/*
 * arm-smmu: registration as a platform driver and a module, interrupts.
 * The SMMU's own driver sets suppress_bind_attrs, as Linux's does: no bind
 * or unbind files, it goes away only with the module.
 */
#include <errno.h>

#include "kernel/base/interrupt.h"
#include "kernel/base/platform_device.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/drivers/arm-smmu-glue.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

static int arm_smmu_plat_probe(struct platform_device *pdev)
{
	return arm_smmu_device_probe(&pdev->dev);
}

static void arm_smmu_plat_remove(struct platform_device *pdev)
{
	arm_smmu_device_remove(&pdev->dev);
}

static struct platform_driver arm_smmu_driver = {
	.probe = arm_smmu_plat_probe,
	.remove = arm_smmu_plat_remove,
	.driver = {
		.name = "arm-smmu",
		.of_match_table = arm_smmu_of_match,
		.suppress_bind_attrs = true,
	},
};

int arm_smmu_module_init(void)
{
	arm_smmu_state_load(&kstate->arm_smmu);
	return platform_driver_register(&arm_smmu_driver);
}

void arm_smmu_module_exit(void)
{
	platform_driver_unregister(&arm_smmu_driver);
}

int smmu_glue_dev_fdt_node(struct device *dev)
{
	return dev && dev->of_node ? dev->of_node->fdt_offset : -1;
}

static irqreturn_t arm_smmu_irq(int irq, void *dev_id)
{
	return arm_smmu_irq_handler((u32)irq, dev_id) ? IRQ_HANDLED : IRQ_NONE;
}

int smmu_glue_request_irq(u32 irq, const char *name, void *data)
{
	return request_irq_flags(irq, arm_smmu_irq, IRQF_SHARED, name, data);
}

void smmu_glue_free_irq(u32 irq, void *data)
{
	free_irq(irq, data);
}

bool smmu_glue_built_in(void)
{
	return module_get_state("arm-smmu") == MODULE_STATE_BUILTIN;
}

struct module *smmu_glue_module(void)
{
	return smmu_glue_built_in() ? NULL : find_module("arm-smmu");
}

int smmu_glue_default_device_group(struct device *dev, struct iommu_group **out)
{
	/* PCI masters would take pci_device_group (aliases, ACS) once PCI exists. */
	return generic_device_group(dev, out);
}
