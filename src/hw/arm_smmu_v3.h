/*
 * ARM SMMUv3 hardware model ("arm,smmu-v3"). The register layout, the
 * structures it reads from memory (stream table, STEs, CDs), the commands
 * and the events it implements are in docs/devices.md, section
 * "arm,smmu-v3 (model)".
 */
#ifndef LAB_HW_ARM_SMMU_V3_H
#define LAB_HW_ARM_SMMU_V3_H

#include "common/types.h"

struct machine;

/*
 * Creates the model for the DT node @node: maps its registers (at least
 * 128 KiB, or 64 KiB with page 1 folded into page 0 as on Cavium CN99xx),
 * registers it as an IOMMU and wires the interrupts its interrupt-names
 * list ("eventq", "gerror", "cmdq-sync", "priq", "combined"). Returns 0,
 * or -EINVAL / -ENOMEM with a one-line reason in @why.
 */
int arm_smmu_v3_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

/*
 * What the SMMU received and did, counted by the model from the command
 * queue (what a driver really issued, not what it meant to issue).
 */
struct arm_smmu_v3_stats {
	u64 prefetch;        /* PREFETCH_CONFIG, PREFETCH_ADDR */
	u64 cfgi_ste;        /* CFGI_STE */
	u64 cfgi_ste_range;  /* CFGI_STE_RANGE, CFGI_ALL included */
	u64 cfgi_all;        /* CFGI_STE_RANGE with RANGE = 31 */
	u64 cfgi_cd;         /* CFGI_CD */
	u64 cfgi_cd_all;     /* CFGI_CD_ALL */
	u64 tlbi_nh_all;     /* TLBI_NH_ALL */
	u64 tlbi_nh_asid;    /* TLBI_NH_ASID */
	u64 tlbi_nh_va;      /* TLBI_NH_VA, TLBI_NH_VAA */
	u64 tlbi_nsnh_all;   /* TLBI_NSNH_ALL */
	u64 sync;            /* CMD_SYNC */
	u64 msi;             /* MSI writes (events, global errors, CMD_SYNC) */
	u64 msi_ram;         /* of them, plain writes into RAM */
	u64 msi_aborts;      /* of them, aborted (GERROR.MSI_*_ABT_ERR) */
	u64 cmd_errors;      /* commands that stopped the queue (CERROR) */
	u64 events;          /* records written to the event queue */
	u64 events_lost;     /* records dropped: queue full or disabled */
	u64 ste_fetches;     /* STEs (and their CDs) read from memory */
};

/*
 * The counts of the SMMUv3 model whose registers start at @base, since the
 * machine was created. 0, or -ENODEV when no such model is there.
 */
int arm_smmu_v3_stats(struct machine *m, u64 base, struct arm_smmu_v3_stats *out);

#endif
