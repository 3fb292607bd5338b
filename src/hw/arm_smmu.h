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

/*
 * TLB maintenance the SMMU received: writes to each invalidation and sync
 * register, counted by the model from the register file (what a driver
 * really did, not what it meant to do). Context-bank registers are
 * summed over the banks.
 */
struct arm_smmu_tlbi_stats {
	u64 tlbiall;       /* CB TLBIALL */
	u64 tlbiasid;      /* CB TLBIASID */
	u64 tlbiva;        /* CB TLBIVA */
	u64 tlbival;       /* CB TLBIVAL (leaf only) */
	u64 tlbivaa;       /* CB TLBIVAA, TLBIVAAL (every ASID) */
	u64 tlbsync;       /* CB TLBSYNC */
	u64 tlbiallnsnh;   /* GR0 TLBIALLNSNH */
	u64 tlbivmid;      /* GR0 TLBIVMID */
	u64 tlbgsync;      /* GR0 sTLBGSYNC */
};

/*
 * The counts of the SMMUv1/v2 model whose registers start at @base, since
 * the machine was created. 0, or -ENODEV when no such model is there.
 */
int arm_smmu_v2_tlbi_stats(struct machine *m, u64 base, struct arm_smmu_tlbi_stats *out);

/*
 * What the driver left in one SMMU instance (the one whose register window
 * starts at @base; an NVIDIA node has one per window): its stream-map
 * entries, its context banks' configuration registers, and how many
 * register accesses of each size it took (a Marvell AP806 must see no
 * 64-bit one). For tests; -ENODEV when no SMMU sits at @base.
 */
#define ARM_SMMU_VIEW_MAX 128

struct arm_smmu_v2_view {
	unsigned num_smr, num_cb;
	u32 smr[ARM_SMMU_VIEW_MAX], s2cr[ARM_SMMU_VIEW_MAX];
	struct {
		u32 cbar, cba2r, sctlr, tcr, tcr2, mair0, mair1;
		u64 ttbr0, ttbr1;
	} cb[ARM_SMMU_VIEW_MAX];
	u64 reads32, reads64, writes32, writes64;
};

int arm_smmu_v2_view(struct machine *m, u64 base, struct arm_smmu_v2_view *out);

#endif
