/*
 * ARM SMMUv1/v2 (MMU-400/401/500) hardware model. The register layout it
 * implements is in docs/devices.md, section "ARM SMMUv2 (model)".
 */
#ifndef LAB_HW_ARM_SMMU_H
#define LAB_HW_ARM_SMMU_H

#include "common/types.h"

struct machine;

/*
 * Creates the model for the DT node @node (compatible "arm,mmu-500",
 * "arm,smmu-v2", "arm,mmu-401", "arm,smmu-v1" or "arm,mmu-400"): maps its
 * registers, registers it as an IOMMU and wires its interrupts. Returns 0,
 * or -EINVAL / -ENOMEM with a one-line reason in @why.
 */
int arm_smmu_v2_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

#endif
