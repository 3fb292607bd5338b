/*
 * Firmware and SoC drivers an SMMU implementation needs before it probes
 * (Linux: drivers/firmware/qcom/qcom_scm.c, drivers/memory/tegra/mc.c).
 * Each is a platform driver that only records that its device is there:
 * the secure-monitor calls and the memory controller's registers are not
 * modelled.
 */
#ifndef LAB_KERNEL_DRIVERS_PLATFORM_SUPPLIERS_H
#define LAB_KERNEL_DRIVERS_PLATFORM_SUPPLIERS_H

#include "common/types.h"

struct device;

/* qcom_scm_is_available: a `qcom,scm` device is bound to qcom_scm. */
bool qcom_scm_is_available(void);

/*
 * tegra_memory_controller_get for @dev (an SMMU with
 * `nvidia,memory-controller`): 0 with the MC's device in @mc, -ENOENT (no
 * such property), -ENODEV (no device for the node), -EPROBE_DEFER (the
 * device is not bound to tegra-mc yet).
 */
int tegra_memory_controller_get(struct device *dev, struct device **mc);

/*
 * tegra_mc_probe_device: program the stream-ID override of each memory
 * client @dev's `interconnects` name on the MC @mc with @dev's stream ID
 * (arm-smmu-nvidia's probe_finalize). 0.
 */
int tegra_mc_probe_device(struct device *mc, struct device *dev);

#endif
