/*
 * arm-smmu: the seam between the driver proper (arm-smmu.c) and the lab's
 * driver core, interrupt and module plumbing (arm-smmu-glue.c). Private to
 * src/kernel/drivers/arm-smmu*.c, apart from the module-table hooks.
 */
#ifndef LAB_KERNEL_DRIVERS_ARM_SMMU_GLUE_H
#define LAB_KERNEL_DRIVERS_ARM_SMMU_GLUE_H

#include "common/types.h"
#include "kernel/base/device.h"
#include "kernel/base/module.h"

struct iommu_group;

/* ---- the module table entry (base/module.c) ------------------------- */
/* { "arm-smmu", true, arm_smmu_module_init, arm_smmu_module_exit, arm_smmu_params } */
int arm_smmu_module_init(void);
void arm_smmu_module_exit(void);
extern const struct kernel_param arm_smmu_params[];

/* ---- provided by arm-smmu.c ---------------------------------------- */
extern const struct of_device_id arm_smmu_of_match[];
int arm_smmu_device_probe(struct device *dev);
void arm_smmu_device_remove(struct device *dev);
/* Returns non-zero if the instance had something to report. */
int arm_smmu_irq_handler(u32 irq, void *data);

/* ---- provided by arm-smmu-glue.c ------------------------------------ */
/* The device-tree node offset of @dev, or a negative value. */
int smmu_glue_dev_fdt_node(struct device *dev);
int smmu_glue_request_irq(u32 irq, const char *name, void *data);
void smmu_glue_free_irq(u32 irq, void *data);
/* True when arm-smmu is built in, false when it was loaded with modprobe. */
bool smmu_glue_built_in(void);
/* The module to pin while masters use the ops (NULL when built in). */
struct module *smmu_glue_module(void);
/* The bus's default group for a master no shared entry ties to another. */
int smmu_glue_default_device_group(struct device *dev, struct iommu_group **out);

#endif
