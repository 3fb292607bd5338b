/*
 * Entry points of the drivers in this folder: the init/exit pairs and
 * parameter tables the module table (kernel/base/modules.def) names, and
 * the kernel functions the shell's device verbs call.
 */
#ifndef LAB_KERNEL_DRIVERS_DRIVERS_H
#define LAB_KERNEL_DRIVERS_DRIVERS_H

#include "common/types.h"
#include "kernel/base/module.h"
#include "kernel/vfio/vfio_modules.h"
#include "kernel/drivers/arm-smmu-glue.h"
#include "kernel/drivers/arm-smmu-v3-state.h"

int dma_copy_init(void);
void dma_copy_exit(void);
int nvme_init(void);
void nvme_exit(void);
int defer_test_init(void);
void defer_test_exit(void);
extern const struct kernel_param defer_test_params[];
/* kernel/irqchip/irq-mbigen.c: HiSilicon's mbigen (a platform driver). */
int mbigen_init(void);
void mbigen_exit(void);
/* qcom_scm.c, tegra-mc.c: suppliers of the SMMU implementations. */
int qcom_scm_init(void);
void qcom_scm_exit(void);
int tegra_mc_init(void);
void tegra_mc_exit(void);
/* Match tables, for the module table's aliases (modules.def). */
extern const struct of_device_id qcom_scm_dt_match[];
extern const struct of_device_id tegra_mc_of_match[];
extern const struct of_device_id mbigen_of_match[];
extern const struct of_device_id dma_copy_of_match[];
extern const struct of_device_id defer_test_of_match[];

/*
 * The shell's `dmatest DEV LEN` verb: the dma-copy driver bound to @devname
 * copies @len bytes (a seeded pattern) between two kernel buffers and
 * checks them. The one-line report ("dmatest: a000000.dma: copied 4096
 * bytes ... ok" or the failure) goes to the log and to @msg.
 * Returns 0, -ENODEV (no such device, or not bound to dma-copy), -EINVAL
 * (len 0 or above 16 MiB), -ENOMEM, -EIO (the engine reported an error or
 * the data differ), -ETIMEDOUT (no completion).
 */
int dma_copy_test(const char *devname, size_t len, char *msg, size_t msglen);

#endif
