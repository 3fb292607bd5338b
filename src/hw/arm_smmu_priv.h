/*
 * Inside the SMMUv2 model: register constants (from the architecture as
 * docs/devices.md describes it), the model's state, and the interface
 * between its two parts: registers and stream matching (arm_smmu.c) and
 * the decoding of a context bank into the common translation config
 * (arm_smmu_ctx.c). The walker and the IOTLB are the common ones
 * (smmu_common.h).
 */
#ifndef LAB_HW_ARM_SMMU_PRIV_H
#define LAB_HW_ARM_SMMU_PRIV_H

#include "hw/arm_smmu.h"
#include "hw/smmu_common.h"

/* ---- limits of the model ------------------------------------------ */

#define SMMU_MAX_SMR 128
#define SMMU_MAX_CB 128
#define SMMU_MAX_CTX_IRQ 128
#define SMMU_MAX_INST 3                 /* instances in one node (NVIDIA) */
#define SMMU_NUMSIDB 15                 /* stream ID bits the model decodes */
#define SMMU_SID_MASK ((1u << SMMU_NUMSIDB) - 1)

/* ---- global register space 0 -------------------------------------- */

#define GR0_sCR0 0x000
#define GR0_sCR1 0x004
#define GR0_sCR2 0x008
#define GR0_sACR 0x010
#define GR0_sIDR0 0x020
#define GR0_sIDR1 0x024
#define GR0_sIDR2 0x028
#define GR0_sIDR3 0x02c
#define GR0_sIDR4 0x030
#define GR0_sIDR5 0x034
#define GR0_sIDR6 0x038
#define GR0_sIDR7 0x03c
#define GR0_sGFAR 0x040                 /* 64-bit */
#define GR0_sGFSR 0x048
#define GR0_sGFSRRESTORE 0x04c
#define GR0_sGFSYNR0 0x050
#define GR0_sGFSYNR1 0x054
#define GR0_sGFSYNR2 0x058
#define GR0_STLBIALL 0x060
#define GR0_TLBIVMID 0x064
#define GR0_TLBIALLNSNH 0x068
#define GR0_TLBIALLH 0x06c
#define GR0_sTLBGSYNC 0x070
#define GR0_sTLBGSTATUS 0x074
#define GR0_SMR(n) (0x800 + 4 * (n))
#define GR0_S2CR(n) (0xc00 + 4 * (n))

#define sCR0_CLIENTPD BIT(0)
#define sCR0_GFRE BIT(1)
#define sCR0_GFIE BIT(2)
#define sCR0_EXIDENABLE BIT(3)
#define sCR0_GCFGFRE BIT(4)
#define sCR0_GCFGFIE BIT(5)
#define sCR0_USFCFG BIT(10)
#define sCR0_VMIDPNE BIT(11)
#define sCR0_PTM BIT(12)
#define sCR0_FB BIT(13)
#define sCR0_BSU GENMASK(15, 14)
#define sCR0_VMID16EN BIT(31)

#define ID0_S1TS BIT(30)
#define ID0_S2TS BIT(29)
#define ID0_NTS BIT(28)
#define ID0_SMS BIT(27)
#define ID0_ATOSNS BIT(26)
#define ID0_PTFS_NO_AARCH32 BIT(25)
#define ID0_PTFS_NO_AARCH32S BIT(24)
#define ID0_NUMIRPT_SHIFT 16
#define ID0_CTTW BIT(14)
#define ID0_NUMSIDB_SHIFT 9
#define ID0_EXIDS BIT(8)

#define ID1_PAGESIZE BIT(31)
#define ID1_NUMPAGENDXB_SHIFT 28
#define ID1_NUMS2CB_SHIFT 16

#define ID2_PTFS_64K BIT(14)
#define ID2_PTFS_16K BIT(13)
#define ID2_PTFS_4K BIT(12)
#define ID2_UBS_SHIFT 8
#define ID2_OAS_SHIFT 4

#define sGFSR_ICF BIT(0)
#define sGFSR_USF BIT(1)
#define sGFSR_SMCF BIT(2)
#define sGFSR_UCBF BIT(3)
#define sGFSR_UCIF BIT(4)
#define sGFSR_CAF BIT(5)
#define sGFSR_EF BIT(6)
#define sGFSR_PF BIT(7)
#define sGFSR_UUT BIT(8)
#define sGFSR_MULTI BIT(31)
#define sGFSR_FAULTS (GENMASK(8, 0) | sGFSR_MULTI)

#define sGFSYNR0_WNR BIT(1)
#define sGFSYNR0_PNU BIT(2)
#define sGFSYNR0_IND BIT(3)

#define SMR_VALID BIT(31)
#define SMR_MASK_SHIFT 16
/* Implemented bits: ID 14:0 and MASK 30:16 (NUMSIDB = 15), VALID 31. */
#define SMR_WRITABLE (SMR_VALID | (SMMU_SID_MASK << SMR_MASK_SHIFT) | SMMU_SID_MASK)

#define S2CR_CBNDX GENMASK(7, 0)
#define S2CR_TYPE_SHIFT 16
#define S2CR_TYPE_TRANS 0
#define S2CR_TYPE_BYPASS 1
#define S2CR_TYPE_FAULT 2
#define S2CR_PRIVCFG_SHIFT 24
#define S2CR_PRIVCFG_PRIV 3
#define S2CR_WRITABLE GENMASK(29, 0)    /* 31:30 reserved; EXIDVALID kept but unused */

/* ---- global register space 1 -------------------------------------- */

#define GR1_CBAR(n) (0x000 + 4 * (n))
#define GR1_CBFRSYNRA(n) (0x400 + 4 * (n))
#define GR1_CBA2R(n) (0x800 + 4 * (n))

#define CBAR_VMID GENMASK(7, 0)
#define CBAR_TYPE_SHIFT 16
#define CBAR_TYPE_S2 0
#define CBAR_TYPE_S1_S2BYPASS 1
#define CBAR_TYPE_S1_S2FAULT 2
#define CBAR_TYPE_NESTED 3
#define CBAR_IRPTNDX_SHIFT 24

#define CBA2R_VA64 BIT(0)
#define CBA2R_WRITABLE (GENMASK(31, 16) | BIT(1) | BIT(0))

/* ---- context bank -------------------------------------------------- */

#define CB_SCTLR 0x000
#define CB_ACTLR 0x004
#define CB_RESUME 0x008
#define CB_TCR2 0x010
#define CB_TTBR0 0x020                  /* 64-bit */
#define CB_TTBR1 0x028                  /* 64-bit */
#define CB_TCR 0x030
#define CB_CONTEXTIDR 0x034
#define CB_MAIR0 0x038
#define CB_MAIR1 0x03c
#define CB_PAR 0x050                    /* 64-bit */
#define CB_FSR 0x058
#define CB_FSRRESTORE 0x05c
#define CB_FAR 0x060                    /* 64-bit */
#define CB_FSYNR0 0x068
#define CB_FSYNR1 0x06c
#define CB_IPAFAR 0x070                 /* 64-bit */
#define CB_TLBIVA 0x600                 /* 64-bit, write-only */
#define CB_TLBIVAA 0x608
#define CB_TLBIASID 0x610
#define CB_TLBIALL 0x618
#define CB_TLBIVAL 0x620
#define CB_TLBIVAAL 0x628
#define CB_TLBIIPAS2 0x630
#define CB_TLBIIPAS2L 0x638
#define CB_TLBSYNC 0x7f0
#define CB_TLBSTATUS 0x7f4
#define CB_ATS1PR 0x800                 /* 64-bit, write-only */
#define CB_ATS1PW 0x808
#define CB_ATS1UR 0x810
#define CB_ATS1UW 0x818
#define CB_ATSR 0x8f0

#define SCTLR_M BIT(0)
#define SCTLR_TRE BIT(1)
#define SCTLR_AFE BIT(2)
#define SCTLR_E BIT(4)
#define SCTLR_CFRE BIT(5)
#define SCTLR_CFIE BIT(6)
#define SCTLR_CFCFG BIT(7)
#define SCTLR_HUPCF BIT(8)
#define SCTLR_ASIDPNE BIT(12)

/* AArch64 TCR (TTBCR with EAE for the AArch32 long-descriptor format) */
#define TCR_T0SZ_SHIFT 0
#define TCR_EPD0 BIT(7)
#define TCR_TG0_SHIFT 14
#define TCR_T1SZ_SHIFT 16
#define TCR_A1 BIT(22)
#define TCR_EPD1 BIT(23)
#define TCR_TG1_SHIFT 30
#define TCR_EAE BIT(31)
#define TCR2_PASIZE GENMASK(3, 0)
#define TCR2_AS BIT(4)

#define FSR_TF BIT(1)
#define FSR_AFF BIT(2)
#define FSR_PF BIT(3)
#define FSR_EF BIT(4)
#define FSR_TLBMCF BIT(5)
#define FSR_TLBLKF BIT(6)
#define FSR_ASF BIT(7)
#define FSR_UUT BIT(8)
#define FSR_SS BIT(30)
#define FSR_MULTI BIT(31)
#define FSR_FAULTS (GENMASK(8, 1) | FSR_SS)
#define FSR_W1C (FSR_FAULTS | FSR_MULTI)

#define FSYNR0_PLVL GENMASK(1, 0)
#define FSYNR0_WNR BIT(4)
#define FSYNR0_PNU BIT(5)
#define FSYNR0_IND BIT(6)
#define FSYNR0_PTWF BIT(10)

#define PAR_F BIT(0)

/* ---- state --------------------------------------------------------- */

enum smmu_ctx_kind {
	CTX_INVALID,   /* a CBAR type the model does not translate with */
	CTX_BYPASS,    /* SCTLR.M = 0 */
	CTX_S1,
};

/* What the registers of a context bank mean, recomputed after a write. */
struct smmu_ctx_cfg {
	u8 kind;
	struct smmu_trans_cfg tc;   /* for CTX_S1 */
};

struct smmu_cb {
	u32 sctlr, actlr, tcr2, tcr, contextidr, mair[2];
	u64 ttbr[2], par, far, ipafar;
	u32 fsr, fsynr0, fsynr1;
	u32 cbar, cba2r, cbfrsynra;   /* global register space 1 */
	bool dirty;                   /* cfg must be recomputed */
	struct smmu_ctx_cfg cfg;
};

/* A small cache of stream ID -> SMR index resolutions. */
#define SMMU_SID_CACHE 64
#define SME_NOMATCH (-1)
#define SME_CONFLICT (-2)
struct smmu_sid_cache_entry {
	u32 sid, gen;
	int idx;
};

struct arm_smmu {
	struct smmu_state common;   /* first: the common code's view */
	bool v2;
	unsigned pgshift, numpage, num_smr, num_cb;

	u32 scr0, scr1, scr2, sacr;
	u32 idr[8];
	u64 sgfar;
	u32 sgfsr, sgfsynr[3];
	u32 smr[SMMU_MAX_SMR], s2cr[SMMU_MAX_SMR];
	struct smmu_cb cb[SMMU_MAX_CB];

	u32 sme_gen;
	struct smmu_sid_cache_entry sid_cache[SMMU_SID_CACHE];

	u32 global_irq;       /* 0: none */
	bool global_level;
	u32 ctx_irq[SMMU_MAX_CTX_IRQ];
	bool ctx_level[SMMU_MAX_CTX_IRQ];
	u8 ctx_irq_first[SMMU_MAX_CTX_IRQ];   /* first line with the same INTID */
	unsigned nr_ctx_irq;

	struct arm_smmu_tlbi_stats stats;
	u64 reads[2], writes[2];   /* register accesses: [0] 32-bit, [1] 64-bit */

	/* The first instance of a node: every instance, itself first (NVIDIA). */
	struct arm_smmu *inst[SMMU_MAX_INST];
	unsigned nr_inst;
};

/* ---- arm_smmu_ctx.c ------------------------------------------------- */

/* Decodes the context bank's registers into cb->cfg. */
void smmu_ctx_decode(const struct arm_smmu *s, struct smmu_cb *cb);

#endif
