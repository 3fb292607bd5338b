/*
 * arm-smmu-v3's kernel state and module-table hooks: what struct kernel
 * (kernel_state.h) and the module table (drivers.h) need, apart from the
 * driver's private header (arm-smmu-v3.h), whose Linux names (struct
 * arm_smmu_device, ...) are arm-smmu's too. Only arm-smmu-v3-state.c
 * reaches kstate.
 */
#ifndef LAB_KERNEL_DRIVERS_ARM_SMMU_V3_STATE_H
#define LAB_KERNEL_DRIVERS_ARM_SMMU_V3_STATE_H

#include "common/list.h"
#include "common/types.h"
#include "kernel/base/device.h"
#include "kernel/base/module.h"
#include "kernel/iommu/iommu.h"

/* ---- kernel state (struct kernel.arm_smmu_v3) ------------------------------- */

struct arm_smmu_v3_params {
	bool disable_msipolling;
	bool lab_skip_tlbi;	/* test hook, not Linux: TLB invalidations are skipped */
};

/*
 * What Linux keeps in the module's static data: the parameters, the
 * instances, the ops (a copy the driver writes its module and page sizes
 * into, as Linux writes its static arm_smmu_ops), the identity and
 * blocked domains, and the ASIDs in use (Linux's arm_smmu_asid_xa). All
 * but the parameters start over at each module init.
 */
struct arm_smmu_v3_state {
	struct arm_smmu_v3_params param;
	struct list_head instances;	/* struct arm_smmu_device.link */
	struct list_head asid_domains;	/* struct arm_smmu_domain.link */
	struct iommu_ops ops;
	struct iommu_domain identity_domain, blocked_domain;
};

void arm_smmu_v3_state_init(struct arm_smmu_v3_state *st);

/* The module's state in the running kernel (kstate->arm_smmu_v3). */
struct arm_smmu_v3_state *arm_smmu_v3_state(void);

/* The module table's entry (modules.def). */
int arm_smmu_v3_module_init(void);
void arm_smmu_v3_module_exit(void);
extern const struct kernel_param arm_smmu_v3_params[];
extern const struct of_device_id arm_smmu_v3_of_match[];

#endif
