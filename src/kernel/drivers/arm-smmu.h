/*
 * arm-smmu: the kernel driver for ARM SMMUv1/v2 and MMU-400/401/500.
 * Private to src/kernel/drivers/arm-smmu*.c.
 *
 * The register layout is the architected one (docs/devices.md, the SMMU
 * section); the constants below are defined here from it, never shared
 * with the model in src/hw/.
 *
 * Split as Linux splits it: arm-smmu-sme.c holds the software shadow of the
 * stream-map entries (pure, no MMIO, unit-tested directly), arm-smmu-hw.c the
 * register side (ID probe, reset, SME/context-bank writes, TLB maintenance),
 * arm-smmu.c the platform driver and the IOMMU ops, and arm-smmu-impl.c the
 * implementation quirks (struct arm_smmu_impl: MMU-500, Cavium ThunderX)
 * chosen by arm_smmu_impl_init. The generic code never tests for a vendor:
 * it calls a hook where Linux does, and an implementation fills the hooks.
 */
#ifndef LAB_KERNEL_DRIVERS_ARM_SMMU_H
#define LAB_KERNEL_DRIVERS_ARM_SMMU_H

#include "common/types.h"
#include "kernel/base/interrupt.h"
#include "kernel/iommu/iommu.h"

/* ---- global register space 0 (page 0) ------------------------------- */
#define ARM_SMMU_GR0_sCR0		0x0
#define  sCR0_VMID16EN			BIT(31)
#define  sCR0_BSU			GENMASK(15, 14)
#define  sCR0_FB			BIT(13)
#define  sCR0_PTM			BIT(12)
#define  sCR0_VMIDPNE			BIT(11)
#define  sCR0_USFCFG			BIT(10)
#define  sCR0_GCFGFIE			BIT(5)
#define  sCR0_GCFGFRE			BIT(4)
#define  sCR0_EXIDENABLE		BIT(3)
#define  sCR0_GFIE			BIT(2)
#define  sCR0_GFRE			BIT(1)
#define  sCR0_CLIENTPD			BIT(0)

#define ARM_SMMU_GR0_ID0		0x20
#define  ID0_S1TS			BIT(30)
#define  ID0_S2TS			BIT(29)
#define  ID0_NTS			BIT(28)
#define  ID0_SMS			BIT(27)
#define  ID0_ATOSNS			BIT(26)
#define  ID0_PTFS_NO_AARCH32		BIT(25)
#define  ID0_PTFS_NO_AARCH32S		BIT(24)
#define  ID0_NUMIRPT_SHIFT		16
#define  ID0_NUMIRPT_MASK		0xff
#define  ID0_CTTW			BIT(14)
#define  ID0_NUMSIDB_SHIFT		9
#define  ID0_NUMSIDB_MASK		0xf
#define  ID0_EXIDS			BIT(8)
#define  ID0_NUMSMRG_MASK		0xff

#define ARM_SMMU_GR0_ID1		0x24
#define  ID1_PAGESIZE			BIT(31)
#define  ID1_NUMPAGENDXB_SHIFT		28
#define  ID1_NUMPAGENDXB_MASK		0x7
#define  ID1_NUMS2CB_SHIFT		16
#define  ID1_NUMS2CB_MASK		0xff
#define  ID1_NUMCB_MASK			0xff

#define ARM_SMMU_GR0_ID2		0x28
#define  ID2_VMID16			BIT(15)
#define  ID2_PTFS_64K			BIT(14)
#define  ID2_PTFS_16K			BIT(13)
#define  ID2_PTFS_4K			BIT(12)
#define  ID2_UBS_SHIFT			8
#define  ID2_OAS_SHIFT			4
#define  ID2_IAS_SHIFT			0
#define  ID2_SIZE_MASK			0xf

#define ARM_SMMU_GR0_sACR		0x10
#define ARM_SMMU_GR0_ID7		0x3c
#define  ID7_MAJOR_SHIFT		4
#define  ID7_MAJOR_MASK			0xf

#define ARM_SMMU_GR0_sGFSR		0x48
#define  sGFSR_USF			BIT(1)
#define ARM_SMMU_GR0_sGFSYNR0		0x50
#define ARM_SMMU_GR0_sGFSYNR1		0x54
#define ARM_SMMU_GR0_sGFSYNR2		0x58
#define  sGFSYNR1_SID_MASK		0xffff

#define ARM_SMMU_GR0_TLBIVMID		0x64
#define ARM_SMMU_GR0_TLBIALLNSNH	0x68
#define ARM_SMMU_GR0_TLBIALLH		0x6c
#define ARM_SMMU_GR0_sTLBGSYNC		0x70
#define ARM_SMMU_GR0_sTLBGSTATUS	0x74
#define  sTLBGSTATUS_GSACTIVE		BIT(0)

#define ARM_SMMU_GR0_SMR(n)		(0x800 + ((n) << 2))
#define  SMR_VALID			BIT(31)
#define  SMR_MASK_SHIFT			16
#define  SMR_MASK_MASK			0xffff
#define  SMR_ID_MASK			0xffff

#define ARM_SMMU_GR0_S2CR(n)		(0xc00 + ((n) << 2))
#define  S2CR_PRIVCFG_SHIFT		24
#define  S2CR_TYPE_SHIFT		16
#define  S2CR_TYPE_MASK			0x3
#define  S2CR_CBNDX_MASK		0xff

enum arm_smmu_s2cr_type {
	S2CR_TYPE_TRANS = 0,
	S2CR_TYPE_BYPASS = 1,
	S2CR_TYPE_FAULT = 2,
};

/* ---- global register space 1 (page 1) ------------------------------- */
#define ARM_SMMU_GR1_CBAR(n)		((n) << 2)
#define  CBAR_IRPTNDX_SHIFT		24
#define  CBAR_TYPE_SHIFT		16
#define  CBAR_TYPE_S2_TRANS		0
#define  CBAR_TYPE_S1_TRANS_S2_BYPASS	1
#define  CBAR_S1_MEMATTR_SHIFT		12
#define  CBAR_S1_MEMATTR_WB		0xf
#define  CBAR_S1_BPSHCFG_SHIFT		8
#define  CBAR_S1_BPSHCFG_NSH		3
#define  CBAR_VMID_MASK			0xff
#define ARM_SMMU_GR1_CBFRSYNRA(n)	(0x400 + ((n) << 2))
#define ARM_SMMU_GR1_CBA2R(n)		(0x800 + ((n) << 2))
#define  CBA2R_VA64			BIT(0)

/* ---- a context bank (page numpage + n) ------------------------------ */
#define ARM_SMMU_CB_SCTLR		0x0
#define  SCTLR_M			BIT(0)
#define  SCTLR_TRE			BIT(1)
#define  SCTLR_AFE			BIT(2)
#define  SCTLR_CFRE			BIT(5)
#define  SCTLR_CFIE			BIT(6)
#define  SCTLR_ASIDPNE			BIT(12)
#define ARM_SMMU_CB_ACTLR		0x4
#define ARM_SMMU_CB_RESUME		0x8
#define ARM_SMMU_CB_TCR2		0x10
#define  TCR2_SEP_UPSTREAM		(7u << 15)
#define  TCR2_AS			BIT(4)
#define  TCR2_PASIZE_MASK		0x7
#define ARM_SMMU_CB_TTBR0		0x20
#define ARM_SMMU_CB_TTBR1		0x28
#define  TTBRn_ASID_SHIFT		48
#define ARM_SMMU_CB_TCR			0x30
#define  TCR_EAE			BIT(31)
#define ARM_SMMU_CB_CONTEXTIDR		0x34
#define ARM_SMMU_CB_S1_MAIR0		0x38
#define ARM_SMMU_CB_S1_MAIR1		0x3c
#define ARM_SMMU_CB_FSR			0x58
#define  FSR_MULTI			BIT(31)
#define  FSR_SS				BIT(30)
#define  FSR_UUT			BIT(8)
#define  FSR_ASF			BIT(7)
#define  FSR_TLBLKF			BIT(6)
#define  FSR_TLBMCF			BIT(5)
#define  FSR_EF				BIT(4)
#define  FSR_PF				BIT(3)
#define  FSR_AFF			BIT(2)
#define  FSR_TF				BIT(1)
#define  FSR_IGN			(FSR_AFF | FSR_ASF | FSR_TLBMCF | FSR_TLBLKF)
#define  FSR_FAULT			(FSR_MULTI | FSR_SS | FSR_UUT | FSR_EF | \
					 FSR_PF | FSR_TF | FSR_IGN)
#define ARM_SMMU_CB_FAR			0x60
#define ARM_SMMU_CB_FSYNR0		0x68
#define  FSYNR0_WNR			BIT(4)
#define ARM_SMMU_CB_S1_TLBIVA		0x600
#define ARM_SMMU_CB_S1_TLBIASID		0x610
#define ARM_SMMU_CB_S1_TLBIVAL		0x620
#define ARM_SMMU_CB_TLBSYNC		0x7f0
#define ARM_SMMU_CB_TLBSTATUS		0x7f4
#define  TLBSTATUS_SACTIVE		BIT(0)

/* TLB sync polling bound (reads of the status register). */
#define ARM_SMMU_TLB_SYNC_POLLS		1000

/* The software MSI window every arm-smmu master reports (Linux's value). */
#define MSI_IOVA_BASE			0x8000000ull
#define MSI_IOVA_LENGTH			0x100000ull

enum arm_smmu_version { ARM_SMMU_V1, ARM_SMMU_V1_64K, ARM_SMMU_V2 };
enum arm_smmu_model { GENERIC_SMMU, ARM_MMU500, CAVIUM_SMMUV2, QCOM_SMMUV2 };

/* features */
#define ARM_SMMU_FEAT_COHERENT_WALK	BIT(0)
#define ARM_SMMU_FEAT_STREAM_MATCH	BIT(1)
#define ARM_SMMU_FEAT_TRANS_S1		BIT(2)
#define ARM_SMMU_FEAT_TRANS_S2		BIT(3)
#define ARM_SMMU_FEAT_TRANS_NESTED	BIT(4)
#define ARM_SMMU_FEAT_TRANS_OPS		BIT(5)
#define ARM_SMMU_FEAT_VMID16		BIT(6)
#define ARM_SMMU_FEAT_FMT_AARCH64_4K	BIT(7)
#define ARM_SMMU_FEAT_FMT_AARCH64_16K	BIT(8)
#define ARM_SMMU_FEAT_FMT_AARCH64_64K	BIT(9)
#define ARM_SMMU_FEAT_FMT_AARCH32_L	BIT(10)
#define ARM_SMMU_FEAT_FMT_AARCH32_S	BIT(11)
#define ARM_SMMU_FEAT_EXIDS		BIT(12)

#define ARM_SMMU_MAX_CBS		128
/* Interrupts a node may list: global, then context (v2: one per bank). */
#define ARM_SMMU_MAX_IRQS		(2 * ARM_SMMU_MAX_CBS)
#define INVALID_SMENDX			-1

struct arm_smmu_smr {
	u16 id;
	u16 mask;
	bool valid;
};

struct iommu_group;

struct arm_smmu_s2cr {
	struct iommu_group *group;	/* the group of the masters sharing it */
	int count;			/* masters using this entry */
	enum arm_smmu_s2cr_type type;
	u8 cbndx;
};

enum arm_smmu_context_fmt {
	ARM_SMMU_CTX_FMT_NONE,
	ARM_SMMU_CTX_FMT_AARCH64,
	ARM_SMMU_CTX_FMT_AARCH32_L,
};

/* What a context bank is programmed with (the shadow replayed on reset). */
struct arm_smmu_cb {
	bool in_use;
	enum arm_smmu_context_fmt fmt;
	u16 asid;
	u8 irptndx;
	u32 tcr;
	u32 tcr2;
	u64 ttbr0;
	u32 mair0;
	u32 mair1;
};

struct arm_smmu_device {
	struct device *dev;
	u64 base;			/* physical address of the register window */
	u64 size;
	unsigned pgshift;		/* 12 or 16 */
	unsigned numpage;		/* pages of global space before the CBs */
	enum arm_smmu_version version;
	enum arm_smmu_model model;
	const struct arm_smmu_impl *impl;	/* NULL: the generic behaviour */
	u32 features;

	unsigned num_context_banks;
	unsigned num_s2_context_banks;
	bool context_map[ARM_SMMU_MAX_CBS];
	struct arm_smmu_cb cbs[ARM_SMMU_MAX_CBS];

	unsigned num_mapping_groups;	/* SMRs, or S2CRs when stream indexing */
	u16 streamid_mask;
	u16 smr_mask_mask;
	struct arm_smmu_smr *smrs;	/* NULL when stream indexing */
	struct arm_smmu_s2cr *s2crs;
	enum arm_smmu_s2cr_type s2cr_init_type;

	unsigned va_size, ipa_size, pa_size;
	unsigned long pgsize_bitmap;

	unsigned num_global_irqs;
	unsigned num_context_irqs;
	u32 *irqs;			/* global IRQs first, then one per CB */

	u32 stream_match_mask;		/* the node's stream-match-mask, or 0 */
	bool legacy;			/* this SMMU uses mmu-masters */
	int fdt_node;
	void *priv;			/* arm-smmu.c's per-instance data */
};

/* The register pages (Linux's ARM_SMMU_GR0, _GR1, ARM_SMMU_CB(smmu, n)). */
#define ARM_SMMU_GR0			0
#define ARM_SMMU_GR1			1
#define ARM_SMMU_CB(smmu, n)		((int)((smmu)->numpage + (n)))

struct device;
struct io_pgtable_ops;
struct io_pgtable_cfg;

/* What a paging domain's context bank is (Linux's struct arm_smmu_cfg). */
struct arm_smmu_cfg {
	u8 cbndx;
	u8 irptndx;
	u16 asid;
	enum arm_smmu_context_fmt fmt;
};

struct arm_smmu_domain {
	struct iommu_domain domain;
	struct arm_smmu_device *smmu;		/* bound at the first attach */
	struct io_pgtable_ops *pgtbl_ops;
	int cbndx;				/* -1 until bound */
	struct arm_smmu_cfg cfg;
};

/*
 * Implementation quirks (Linux's struct arm_smmu_impl): each hook, when set,
 * replaces or extends the generic step at the point Linux calls it.
 * page is ARM_SMMU_GR0, ARM_SMMU_GR1 or ARM_SMMU_CB(smmu, n).
 */
struct arm_smmu_impl {
	u32 (*read_reg)(struct arm_smmu_device *smmu, int page, int offset);
	void (*write_reg)(struct arm_smmu_device *smmu, int page, int offset, u32 val);
	u64 (*read_reg64)(struct arm_smmu_device *smmu, int page, int offset);
	void (*write_reg64)(struct arm_smmu_device *smmu, int page, int offset, u64 val);
	/* End of the ID-register probe; an error fails the SMMU's probe. */
	int (*cfg_probe)(struct arm_smmu_device *smmu);
	/* Before the global TLB sync and the sCR0 write that enables the SMMU. */
	int (*reset)(struct arm_smmu_device *smmu);
	/* A paging domain's context set up, before its page tables exist. */
	int (*init_context)(struct arm_smmu_domain *smmu_domain, struct io_pgtable_cfg *cfg,
			    struct device *dev);
	/* Replaces the write-then-poll of a TLB sync. */
	void (*tlb_sync)(struct arm_smmu_device *smmu, int page, int sync, int status);
	/* Asked after the legacy-binding rule (which always wins). */
	int (*def_domain_type)(struct device *dev);
	/* Replace the fault handlers: dev is the smmu, or the arm_smmu_domain. */
	irqreturn_t (*global_fault)(int irq, void *dev);
	irqreturn_t (*context_fault)(int irq, void *dev);
	/* Picks the bank for a domain: an index >= start, or -errno. */
	int (*alloc_context_bank)(struct arm_smmu_domain *smmu_domain,
				  struct arm_smmu_device *smmu, struct device *dev, int start);
	void (*write_s2cr)(struct arm_smmu_device *smmu, int idx);
	void (*write_sctlr)(struct arm_smmu_device *smmu, int idx, u32 reg);
	/* A master's probe is complete (iommu_ops.probe_finalize). */
	void (*probe_finalize)(struct arm_smmu_device *smmu, struct device *dev);
};

/* ---- arm-smmu-impl.c ---------------------------------------------------- */

/*
 * Picks @smmu's implementation by model and compatible, as Linux's
 * arm_smmu_impl_init. May return a different pointer: an implementation
 * that needs per-instance state reallocates the structure inside its own
 * (arm_smmu_impl_realloc; struct arm_smmu_device first), and @smmu is then
 * gone. NULL on failure with the errno in *@err (-ENOMEM; -EPROBE_DEFER
 * while a supplier the implementation needs is not bound: qcom_scm, the
 * Tegra memory controller), @smmu itself untouched then.
 */
struct arm_smmu_device *arm_smmu_impl_init(struct arm_smmu_device *smmu, int *err);
/* Grows @smmu into a zeroed wrapper of @size bytes that starts with it. */
struct arm_smmu_device *arm_smmu_impl_realloc(struct arm_smmu_device *smmu, size_t size);
/* Module load: per-module implementation state starts over, as in Linux. */
struct arm_smmu_state;
void arm_smmu_impl_module_init(struct arm_smmu_state *st);
int arm_mmu500_reset(struct arm_smmu_device *smmu);
/* arm-smmu-qcom.c, arm-smmu-nvidia.c: platform integrations, by compatible. */
struct arm_smmu_device *qcom_smmu_impl_init(struct arm_smmu_device *smmu, int *err);
struct arm_smmu_device *nvidia_smmu_impl_init(struct arm_smmu_device *smmu, int *err);

/* ---- arm-smmu-sme.c: the stream-map shadow (no MMIO) ------------------ */

/*
 * Allocates the shadow tables for @n entries (SMRs too when @stream_match).
 * Every S2CR starts at @init_type, every SMR invalid. Returns 0 or -ENOMEM.
 */
int arm_smmu_sme_init(struct arm_smmu_device *smmu, unsigned n, bool stream_match,
		      enum arm_smmu_s2cr_type init_type);
void arm_smmu_sme_destroy(struct arm_smmu_device *smmu);
/*
 * The entry index an (id, mask) request would use: an SMR that entirely
 * covers it, else the first free one. -EINVAL on a partial overlap with a
 * valid SMR, -ENOSPC when none is free. With stream indexing, the ID.
 */
int arm_smmu_find_sme(const struct arm_smmu_device *smmu, u16 id, u16 mask);
/*
 * Takes one reference per fwspec word (ID in bits 15:0, MASK in 31:16) and
 * fills smendx[0..n). All or nothing: on error every reference taken is
 * dropped again and smendx is left INVALID. Does not touch hardware: the
 * caller writes the entries (arm_smmu_write_sme) afterwards.
 */
int arm_smmu_sme_get(struct arm_smmu_device *smmu, const u32 *ids, unsigned n,
		     int *smendx);
/*
 * Drops the references of smendx[0..n). Returns how many entries reached
 * zero (their shadow is reset to invalid / init type and must be written);
 * their indexes are left in smendx, the others set to INVALID_SMENDX.
 */
unsigned arm_smmu_sme_put(struct arm_smmu_device *smmu, int *smendx, unsigned n);

/* ---- arm-smmu-hw.c: registers ---------------------------------------- */

/* Every register access, through the impl's accessors when it has them. */
u32 arm_smmu_readl(struct arm_smmu_device *smmu, int page, int offset);
void arm_smmu_writel(struct arm_smmu_device *smmu, int page, int offset, u32 val);
u64 arm_smmu_readq(struct arm_smmu_device *smmu, int page, int offset);
void arm_smmu_writeq(struct arm_smmu_device *smmu, int page, int offset, u64 val);
u32 arm_smmu_gr0_read(struct arm_smmu_device *smmu, u32 off);
void arm_smmu_gr0_write(struct arm_smmu_device *smmu, u32 off, u32 val);
u32 arm_smmu_gr1_read(struct arm_smmu_device *smmu, u32 off);
void arm_smmu_gr1_write(struct arm_smmu_device *smmu, u32 off, u32 val);
u32 arm_smmu_cb_read(struct arm_smmu_device *smmu, unsigned cb, u32 off);
void arm_smmu_cb_write(struct arm_smmu_device *smmu, unsigned cb, u32 off, u32 val);
u64 arm_smmu_cb_readq(struct arm_smmu_device *smmu, unsigned cb, u32 off);
void arm_smmu_cb_writeq(struct arm_smmu_device *smmu, unsigned cb, u32 off, u64 val);

/* Reads the ID registers into @smmu and logs them as Linux does. */
int arm_smmu_device_cfg_probe(struct arm_smmu_device *smmu, int force_stage,
			      bool disable_bypass);
/* Finds the real ID and MASK widths of the SMRs by writing and reading back. */
void arm_smmu_test_smr_masks(struct arm_smmu_device *smmu);
/* Replays the shadow state and enables the SMMU (sCR0). */
void arm_smmu_device_reset(struct arm_smmu_device *smmu, bool disable_bypass);
/* Puts the SMMU into client bypass (sCR0.CLIENTPD), as on shutdown. */
void arm_smmu_device_disable(struct arm_smmu_device *smmu);
void arm_smmu_write_s2cr(struct arm_smmu_device *smmu, int idx);
void arm_smmu_write_sme(struct arm_smmu_device *smmu, int idx);
void arm_smmu_write_context_bank(struct arm_smmu_device *smmu, unsigned idx);
/* Context-bank TLB maintenance (stage 1). Each honours lab_skip_tlbi. */
void arm_smmu_tlb_inv_context(struct arm_smmu_device *smmu, unsigned cb);
void arm_smmu_tlb_inv_range(struct arm_smmu_device *smmu, unsigned cb, u64 iova,
			    size_t size, size_t granule, bool leaf);
void arm_smmu_tlb_sync_context(struct arm_smmu_device *smmu, unsigned cb);
void arm_smmu_tlb_sync_global(struct arm_smmu_device *smmu);

/* The instance a bound arm-smmu platform device drives, or NULL (tests). */
struct device;
struct arm_smmu_device *arm_smmu_from_dev(struct device *dev);

/* ---- kernel state (struct kernel.arm_smmu) ------------------------------ */

/* The module parameters (arm_smmu_params): module.c sets them before init. */
struct arm_smmu_params {
	bool disable_bypass;
	int force_stage;
	bool lab_skip_tlbi;	/* test hook, not Linux: TLB invalidations are skipped */
};

/*
 * What Linux keeps in the module's static data: everything but the
 * parameters starts over at each module init (arm_smmu_state_load), as a
 * module's data does at each load, and with every boot.
 */
struct arm_smmu_state {
	struct arm_smmu_params param;
	/* Which binding the SMMUs of this load use: the first one probed decides. */
	bool using_legacy_binding, using_generic_binding;
	struct list_head instances;	/* struct arm_smmu_instance.link */
	/*
	 * The IOMMU ops, a copy of a constant table: the driver fills in its
	 * module and widens pgsize_bitmap as SMMUs probe (Linux writes its
	 * static arm_smmu_ops the same way), and the core numbers the static
	 * domains they point at.
	 */
	struct iommu_ops ops;
	struct iommu_domain identity_domain, blocked_domain;
	u32 cavium_context_count;	/* arm-smmu-impl.c: ASIDs handed out so far */
};

/* Before any module init: an empty instance list (arm_smmu_from_dev may look). */
void arm_smmu_state_init(struct arm_smmu_state *st);
/* arm_smmu_module_init's first step: the module's data as a fresh load has it. */
void arm_smmu_state_load(struct arm_smmu_state *st);

#endif
