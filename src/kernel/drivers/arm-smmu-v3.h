/*
 * arm-smmu-v3: the kernel driver for ARM SMMUv3 (Linux 6.12:
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c). Private to
 * src/kernel/drivers/arm-smmu-v3*.c, apart from the module-table hooks.
 *
 * The register and structure layouts are the architected ones
 * (docs/devices.md, "arm,smmu-v3 (model)"); the constants below are the
 * driver's own, never shared with the model in src/hw/.
 *
 * Split by concern:
 *   arm-smmu-v3.c        platform driver, hardware probe, reset, interrupts,
 *                        event and global-error handling, the module
 *   arm-smmu-v3-cmdq.c   the command queue: building, issuing, CMD_SYNC,
 *                        skipping a command in error
 *   arm-smmu-v3-strtab.c the stream table, STE and CD building and their
 *                        hitless writes with CFGI + CMD_SYNC
 *   arm-smmu-v3-iommu.c  the iommu_ops: masters, groups, domains, TLB
 */
#ifndef LAB_KERNEL_DRIVERS_ARM_SMMU_V3_H
#define LAB_KERNEL_DRIVERS_ARM_SMMU_V3_H

#include "common/list.h"
#include "common/types.h"
#include "kernel/iommu/iommu.h"
#include "kernel/drivers/arm-smmu-v3-state.h"

/* ---- registers ------------------------------------------------------- */
#define ARM_SMMU_IDR0			0x0
#define  IDR0_ST_LVL_SHIFT		27
#define  IDR0_ST_LVL_2LVL		1
#define  IDR0_STALL_MODEL_SHIFT		24
#define  IDR0_TTENDIAN_SHIFT		21
#define  IDR0_TTENDIAN_MIXED		0
#define  IDR0_TTENDIAN_LE		2
#define  IDR0_TTENDIAN_BE		3
#define  IDR0_CD2L			BIT(19)
#define  IDR0_VMID16			BIT(18)
#define  IDR0_PRI			BIT(16)
#define  IDR0_SEV			BIT(14)
#define  IDR0_MSI			BIT(13)
#define  IDR0_ASID16			BIT(12)
#define  IDR0_ATS			BIT(10)
#define  IDR0_HYP			BIT(9)
#define  IDR0_COHACC			BIT(4)
#define  IDR0_TTF_SHIFT			2
#define  IDR0_TTF_AARCH64		2
#define  IDR0_TTF_AARCH32_64		3
#define  IDR0_S1P			BIT(1)
#define  IDR0_S2P			BIT(0)
#define ARM_SMMU_IDR1			0x4
#define  IDR1_TABLES_PRESET		BIT(30)
#define  IDR1_QUEUES_PRESET		BIT(29)
#define  IDR1_REL			BIT(28)
#define  IDR1_CMDQS_SHIFT		21
#define  IDR1_EVTQS_SHIFT		16
#define  IDR1_SSIDSIZE_SHIFT		6
#define  IDR1_SIZE_MASK			0x1f
#define  IDR1_SIDSIZE_MASK		0x3f
#define ARM_SMMU_IDR3			0xc
#define  IDR3_RIL			BIT(10)
#define ARM_SMMU_IDR5			0x14
#define  IDR5_VAX_SHIFT			10
#define  IDR5_GRAN64K			BIT(6)
#define  IDR5_GRAN16K			BIT(5)
#define  IDR5_GRAN4K			BIT(4)
#define  IDR5_OAS_MASK			0x7
#define ARM_SMMU_CR0			0x20
#define  CR0_ATSCHK			BIT(4)
#define  CR0_CMDQEN			BIT(3)
#define  CR0_EVTQEN			BIT(2)
#define  CR0_SMMUEN			BIT(0)
#define ARM_SMMU_CR0ACK			0x24
#define ARM_SMMU_CR1			0x28
#define  CR1_TABLE_SH_SHIFT		10
#define  CR1_TABLE_OC_SHIFT		8
#define  CR1_TABLE_IC_SHIFT		6
#define  CR1_QUEUE_SH_SHIFT		4
#define  CR1_QUEUE_OC_SHIFT		2
#define  CR1_QUEUE_IC_SHIFT		0
#define  CR1_CACHE_WB			1
#define  ARM_SMMU_SH_ISH		3
#define ARM_SMMU_CR2			0x2c
#define  CR2_PTM			BIT(2)
#define  CR2_RECINVSID			BIT(1)
#define ARM_SMMU_GBPA			0x44
#define  GBPA_UPDATE			BIT(31)
#define  GBPA_ABORT			BIT(20)
#define ARM_SMMU_IRQ_CTRL		0x50
#define  IRQ_CTRL_EVTQ_IRQEN		BIT(2)
#define  IRQ_CTRL_GERROR_IRQEN		BIT(0)
#define ARM_SMMU_IRQ_CTRLACK		0x54
#define ARM_SMMU_GERROR			0x60
#define  GERROR_SFM_ERR			BIT(8)
#define  GERROR_MSI_GERROR_ABT_ERR	BIT(7)
#define  GERROR_MSI_PRIQ_ABT_ERR	BIT(6)
#define  GERROR_MSI_EVTQ_ABT_ERR	BIT(5)
#define  GERROR_MSI_CMDQ_ABT_ERR	BIT(4)
#define  GERROR_PRIQ_ABT_ERR		BIT(3)
#define  GERROR_EVTQ_ABT_ERR		BIT(2)
#define  GERROR_CMDQ_ERR		BIT(0)
#define  GERROR_ERR_MASK		0x1fd
#define ARM_SMMU_GERRORN		0x64
#define ARM_SMMU_GERROR_IRQ_CFG0	0x68
#define ARM_SMMU_GERROR_IRQ_CFG1	0x70
#define ARM_SMMU_GERROR_IRQ_CFG2	0x74
#define ARM_SMMU_STRTAB_BASE		0x80
#define  STRTAB_BASE_RA			BIT_ULL(62)
#define  STRTAB_BASE_ADDR_MASK		GENMASK_ULL(51, 6)
#define ARM_SMMU_STRTAB_BASE_CFG	0x88
#define  STRTAB_BASE_CFG_FMT_SHIFT	16
#define  STRTAB_BASE_CFG_FMT_2LVL	1
#define  STRTAB_BASE_CFG_SPLIT_SHIFT	6
#define ARM_SMMU_CMDQ_BASE		0x90
#define ARM_SMMU_CMDQ_PROD		0x98
#define ARM_SMMU_CMDQ_CONS		0x9c
#define  CMDQ_CONS_ERR_SHIFT		24
#define  CMDQ_CONS_ERR_MASK		0x7f
#define  CMDQ_ERR_CERROR_NONE_IDX	0
#define  CMDQ_ERR_CERROR_ILL_IDX	1
#define  CMDQ_ERR_CERROR_ABT_IDX	2
#define  CMDQ_ERR_CERROR_ATC_INV_IDX	3
#define ARM_SMMU_EVTQ_BASE		0xa0
#define ARM_SMMU_EVTQ_PROD		0x100a8	/* page 1 */
#define ARM_SMMU_EVTQ_CONS		0x100ac
#define ARM_SMMU_EVTQ_IRQ_CFG0		0xb0
#define ARM_SMMU_EVTQ_IRQ_CFG1		0xb8
#define ARM_SMMU_EVTQ_IRQ_CFG2		0xbc
#define  MSI_CFG0_ADDR_MASK		GENMASK_ULL(51, 2)
#define  ARM_SMMU_MEMATTR_DEVICE_nGnRE	0x1
#define  Q_BASE_RWA			BIT_ULL(62)
#define  Q_BASE_ADDR_MASK		GENMASK_ULL(51, 5)
#define  Q_OVF				BIT(31)

/* ---- structures ------------------------------------------------------- */
#define STRTAB_SPLIT			8
#define STRTAB_L1_SZ_SHIFT		20
#define STRTAB_L1_DESC_SPAN		GENMASK_ULL(4, 0)
#define STRTAB_L1_DESC_L2PTR_MASK	GENMASK_ULL(51, 6)
#define STRTAB_STE_DWORDS		8
#define STRTAB_STE_0_V			BIT_ULL(0)
#define STRTAB_STE_0_CFG_SHIFT		1
#define STRTAB_STE_0_CFG_MASK		GENMASK_ULL(3, 1)
#define  STRTAB_STE_0_CFG_ABORT		0
#define  STRTAB_STE_0_CFG_BYPASS	4
#define  STRTAB_STE_0_CFG_S1_TRANS	5
#define STRTAB_STE_0_S1FMT_MASK		GENMASK_ULL(5, 4)
#define STRTAB_STE_0_S1CTXPTR_MASK	GENMASK_ULL(51, 6)
#define STRTAB_STE_0_S1CDMAX_MASK	GENMASK_ULL(63, 59)
#define STRTAB_STE_1_S1DSS_SSID0	2ull
#define STRTAB_STE_1_S1CIR_SHIFT	2
#define STRTAB_STE_1_S1COR_SHIFT	4
#define STRTAB_STE_1_S1CSH_SHIFT	6
#define  STRTAB_STE_1_S1C_CACHE_WBRA	1
#define STRTAB_STE_1_USED_S1		(GENMASK_ULL(7, 0) | BIT_ULL(27) | GENMASK_ULL(31, 28) | \
					 GENMASK_ULL(45, 44))
#define STRTAB_STE_1_SHCFG_MASK		GENMASK_ULL(45, 44)

#define CTXDESC_CD_DWORDS		8
#define CTXDESC_CD_0_TCR_T0SZ_SHIFT	0
#define CTXDESC_CD_0_TCR_TG0_SHIFT	6
#define CTXDESC_CD_0_TCR_IRGN0_SHIFT	8
#define CTXDESC_CD_0_TCR_ORGN0_SHIFT	10
#define CTXDESC_CD_0_TCR_SH0_SHIFT	12
#define CTXDESC_CD_0_TCR_EPD1		BIT_ULL(30)
#define CTXDESC_CD_0_V			BIT_ULL(31)
#define CTXDESC_CD_0_TCR_IPS_SHIFT	32
#define CTXDESC_CD_0_AA64		BIT_ULL(41)
#define CTXDESC_CD_0_R			BIT_ULL(45)
#define CTXDESC_CD_0_A			BIT_ULL(46)
#define CTXDESC_CD_0_ASET		BIT_ULL(47)
#define CTXDESC_CD_0_ASID_SHIFT		48
#define CTXDESC_CD_1_TTB0_MASK		GENMASK_ULL(51, 4)

/* ---- commands and events ---------------------------------------------- */
#define CMDQ_ENT_DWORDS			2
#define CMDQ_BATCH_ENTRIES		64
#define CMDQ_MAX_SZ_SHIFT		18	/* 4K pages, MAX_PAGE_ORDER 10 */
#define EVTQ_ENT_DWORDS			4
#define EVTQ_MAX_SZ_SHIFT		17
#define CMDQ_OP_PREFETCH_CFG		0x1
#define CMDQ_OP_CFGI_STE		0x3
#define CMDQ_OP_CFGI_ALL		0x4	/* CFGI_STE_RANGE over every SID */
#define CMDQ_OP_CFGI_CD			0x5
#define CMDQ_OP_CFGI_CD_ALL		0x6
#define CMDQ_OP_TLBI_NH_ASID		0x11
#define CMDQ_OP_TLBI_NH_VA		0x12
#define CMDQ_OP_TLBI_EL2_ALL		0x20
#define CMDQ_OP_TLBI_NSNH_ALL		0x30
#define CMDQ_OP_CMD_SYNC		0x46
#define  CMDQ_SYNC_0_CS_SHIFT		12
#define  CMDQ_SYNC_0_CS_IRQ		1
#define  CMDQ_SYNC_0_CS_SEV		2
#define  CMDQ_SYNC_1_MSIADDR_MASK	GENMASK_ULL(51, 2)
#define  CMDQ_SYNC_0_MSH_SHIFT		22
#define  CMDQ_SYNC_0_MSIATTR_SHIFT	24
#define  ARM_SMMU_MEMATTR_OIWB		0xf
#define EVTQ_0_ID_MASK			0xff

#define SZ_4K				0x1000ull
#define SZ_16K				0x4000ull
#define SZ_64K				0x10000ull
#define SZ_128K				0x20000ull
#define SZ_2M				0x200000ull
#define SZ_32M				0x2000000ull
#define SZ_512M				0x20000000ull
#define SZ_1G				0x40000000ull

/* Poll bound for CR0ACK, GBPA and CMD_SYNC (register reads). */
#define ARM_SMMU_POLL_READS		1000

/* The software MSI window arm-smmu-v3 reports (Linux's value). */
#define MSI_IOVA_BASE			0x8000000ull
#define MSI_IOVA_LENGTH			0x100000ull

/* features (Linux's bit numbers, so the probe line reads the same) */
#define ARM_SMMU_FEAT_2_LVL_STRTAB	BIT(0)
#define ARM_SMMU_FEAT_2_LVL_CDTAB	BIT(1)
#define ARM_SMMU_FEAT_TT_LE		BIT(2)
#define ARM_SMMU_FEAT_TT_BE		BIT(3)
#define ARM_SMMU_FEAT_PRI		BIT(4)
#define ARM_SMMU_FEAT_ATS		BIT(5)
#define ARM_SMMU_FEAT_SEV		BIT(6)
#define ARM_SMMU_FEAT_MSI		BIT(7)
#define ARM_SMMU_FEAT_COHERENCY		BIT(8)
#define ARM_SMMU_FEAT_TRANS_S1		BIT(9)
#define ARM_SMMU_FEAT_TRANS_S2		BIT(10)
#define ARM_SMMU_FEAT_HYP		BIT(12)
#define ARM_SMMU_FEAT_VAX		BIT(14)
#define ARM_SMMU_FEAT_RANGE_INV		BIT(15)

/* options (the DT's quirk properties, and MSI polling) */
#define ARM_SMMU_OPT_SKIP_PREFETCH	BIT(0)
#define ARM_SMMU_OPT_PAGE0_REGS_ONLY	BIT(1)
#define ARM_SMMU_OPT_MSIPOLL		BIT(2)

struct device;
struct io_pgtable_ops;

/* One queue in memory: its pages, its size and the driver's copy of the pointers. */
struct arm_smmu_queue {
	u64 base_dma;
	unsigned order;
	unsigned max_n_shift;
	unsigned ent_dwords;
	u32 prod, cons;
	u64 prod_reg, cons_reg;		/* physical addresses of the pointer registers */
	u64 q_base;			/* the BASE register value */
};

struct arm_smmu_strtab_cfg {
	u64 strtab_dma;
	unsigned order;
	u32 num_l1_ents;		/* linear: STEs; two-level: L1 descriptors */
	u64 *l2_dma;			/* two-level: each L2 table, 0 until needed */
	u64 strtab_base;
	u32 strtab_base_cfg;
};

struct arm_smmu_device {
	struct device *dev;
	struct list_head link;		/* the module's instances */
	u64 base, page1;
	u64 size;
	int fdt_node;
	u32 features, options;
	unsigned sid_bits, ssid_bits, asid_bits, ias, oas;
	u64 pgsize_bitmap;
	struct arm_smmu_queue cmdq, evtq;
	struct arm_smmu_strtab_cfg strtab_cfg;
	u32 combined_irq, evtq_irq, gerr_irq;	/* 0: none */
	u32 priq_irq;				/* mapped, never requested (no PRI) */
	unsigned irqs_requested;		/* bit per line above */
	bool msis;				/* evtq_irq, gerr_irq are its platform MSIs */
	struct list_head masters;		/* struct arm_smmu_master.link: the SID owners */
	struct iommu_device iommu;
	bool registered;
};

struct arm_smmu_domain;

struct arm_smmu_master {
	struct arm_smmu_device *smmu;
	struct device *dev;
	struct list_head link;
	struct arm_smmu_domain *domain;	/* the paging domain its STEs point at, or NULL */
	u64 cd_table;			/* its linear CD table (one page), 0 until stage 1 */
	unsigned ssid_bits;
	unsigned num_streams;
	u32 sids[];
};

struct arm_smmu_domain {
	struct iommu_domain domain;
	struct arm_smmu_device *smmu;	/* bound at the first attach */
	struct io_pgtable_ops *pgtbl_ops;
	struct list_head link;		/* the module's ASID holders */
	u16 asid;			/* 0 until bound */
	u64 cd[CTXDESC_CD_DWORDS];	/* the CD every master's CD 0 holds */
};

/* ---- arm-smmu-v3-cmdq.c -------------------------------------------------- */

/* A command as the driver means it; built into two dwords by the cmdq code. */
struct arm_smmu_cmdq_ent {
	u8 opcode;
	u32 sid, ssid;
	bool leaf;
	u16 asid;
	u64 addr;
};

/* A batch of up to CMDQ_BATCH_ENTRIES commands, issued when full or submitted. */
struct arm_smmu_cmdq_batch {
	u64 cmds[CMDQ_BATCH_ENTRIES * CMDQ_ENT_DWORDS];
	unsigned num;
};

int arm_smmu_cmdq_issue_cmd(struct arm_smmu_device *smmu, const struct arm_smmu_cmdq_ent *ent,
			    bool sync);
void arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b,
			     const struct arm_smmu_cmdq_ent *ent);
int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b);
/* GERROR.CMDQ_ERR: log, and turn the command in error into a CMD_SYNC. */
void arm_smmu_cmdq_skip_err(struct arm_smmu_device *smmu);

/* ---- arm-smmu-v3-strtab.c ------------------------------------------------ */

/* Pages for the SMMU's tables and queues, zeroed; 0 on failure. */
u64 arm_smmu_alloc_zeroed(unsigned order);
void arm_smmu_write_qword(u64 pa, u64 val);
u64 arm_smmu_read_qword(u64 pa);
int arm_smmu_init_strtab(struct arm_smmu_device *smmu);
void arm_smmu_free_strtab(struct arm_smmu_device *smmu);
bool arm_smmu_sid_in_range(const struct arm_smmu_device *smmu, u32 sid);
/* Two-level: the L2 table holding @sid (abort STEs, then the L1 descriptor). */
int arm_smmu_init_sid_strtab(struct arm_smmu_device *smmu, u32 sid);
void arm_smmu_make_abort_ste(u64 *ste);
void arm_smmu_make_bypass_ste(u64 *ste);
void arm_smmu_make_cdtable_ste(const struct arm_smmu_master *master, u64 *ste);
/* Writes @target into every STE of @master, hitlessly, then PREFETCH_CONFIG. */
void arm_smmu_install_ste_for_dev(struct arm_smmu_master *master, const u64 *target);
/* Writes @target (NULL: an invalid CD) as @master's CD 0, allocating its table. */
int arm_smmu_write_cd0(struct arm_smmu_master *master, const u64 *target);
void arm_smmu_free_cd_table(struct arm_smmu_master *master);

/* ---- arm-smmu-v3-iommu.c --------------------------------------------------- */
extern const struct iommu_ops arm_smmu_v3_ops_template;
extern const struct iommu_domain_ops arm_smmu_v3_identity_ops, arm_smmu_v3_blocked_ops;

/* ---- arm-smmu-v3.c ---------------------------------------------------------- */
struct arm_smmu_device *arm_smmu_v3_find_by_node(int node);
bool arm_smmu_v3_skip_tlbi(void);

#endif
