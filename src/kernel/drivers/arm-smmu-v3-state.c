/*
 * arm-smmu-v3: where the module's data lives (struct kernel.arm_smmu_v3)
 * and its parameters, the one file of the driver that reaches kstate.
 */
#include "kernel/drivers/arm-smmu-v3-state.h"
#include "kernel/kernel_state.h"
#include "kernel/base/lab_bug.h"

struct arm_smmu_v3_state *arm_smmu_v3_state(void)
{
	return &kstate->arm_smmu_v3;
}

bool arm_smmu_v3_skip_tlbi(void)
{
	/* lab.bug=missed-tlbi (docs/explore.md); the old test parameter is its alias. */
	return kstate->arm_smmu_v3.param.lab_skip_tlbi || lab_bug(LAB_BUG_MISSED_TLBI);
}

/* Module parameters (module_param in Linux; read-only after load). */
const struct kernel_param arm_smmu_v3_params[] = {
	{ .name = "disable_msipolling", .type = PARAM_BOOL,
	  KPARAM_STATE(arm_smmu_v3.param.disable_msipolling), .perm = 0444, .def = "N" },
	/* Test hook, not Linux: skip every TLB invalidation (stale-IOTLB tests). */
	{ .name = "lab_skip_tlbi", .type = PARAM_BOOL,
	  KPARAM_STATE(arm_smmu_v3.param.lab_skip_tlbi), .perm = 0644, .def = "N" },
	{ .name = NULL },
};
