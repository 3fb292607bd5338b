/*
 * Inside the SMMUv3 model: the architected register offsets and fields it
 * decodes (the model's own definitions, from the SMMUv3 architecture as
 * docs/devices.md lists them), and its state. Only src/hw/arm_smmu_v3*.c
 * include this.
 */
#ifndef LAB_HW_ARM_SMMU_V3_PRIV_H
#define LAB_HW_ARM_SMMU_V3_PRIV_H

#include "hw/arm_smmu_v3.h"
#include "hw/irq_line.h"
#include "hw/smmu_common.h"

/* ---- registers (page 0; EVTQ_PROD/CONS in page 1) ------------------- */
#define V3_IDR0			0x00
#define  V3_IDR0_MSI		(1u << 13)
#define  V3_IDR0_ST_LVL_2	(1u << 27)
#define  V3_IDR0_TTENDIAN_LE	(2u << 21)
#define  V3_IDR0_ASID16		(1u << 12)
#define  V3_IDR0_COHACC		(1u << 4)
#define  V3_IDR0_TTF_AARCH64	(2u << 2)
#define  V3_IDR0_S1P		(1u << 1)
#define V3_IDR1			0x04
#define  V3_IDR1_CMDQS_SHIFT	21
#define  V3_IDR1_EVTQS_SHIFT	16
#define  V3_IDR1_SSIDSIZE_SHIFT	6
#define V3_IDR2			0x08
#define V3_IDR3			0x0c
#define V3_IDR4			0x10
#define V3_IDR5			0x14
#define  V3_IDR5_GRAN64K	(1u << 6)
#define  V3_IDR5_GRAN16K	(1u << 5)
#define  V3_IDR5_GRAN4K		(1u << 4)
#define  V3_IDR5_OAS_48		5u
#define V3_IIDR			0x18
#define V3_AIDR			0x1c
#define V3_CR0			0x20
#define  V3_CR0_SMMUEN		(1u << 0)
#define  V3_CR0_EVTQEN		(1u << 2)
#define  V3_CR0_CMDQEN		(1u << 3)
#define  V3_CR0_WRITABLE	(V3_CR0_SMMUEN | V3_CR0_EVTQEN | V3_CR0_CMDQEN)
#define V3_CR0ACK		0x24
#define V3_CR1			0x28
#define V3_CR2			0x2c
#define V3_STATUSR		0x40
#define V3_GBPA			0x44
#define  V3_GBPA_UPDATE		(1u << 31)
#define  V3_GBPA_ABORT		(1u << 20)
#define  V3_GBPA_WRITABLE	(V3_GBPA_ABORT | GENMASK(17, 16) | GENMASK(13, 12) | \
				 GENMASK(11, 8) | (1u << 7) | GENMASK(5, 4) | GENMASK(3, 0))
#define  V3_GBPA_RESET		0x1000u	/* SHCFG = use incoming; bypass */
#define V3_AGBPA		0x48
#define V3_IRQ_CTRL		0x50
#define  V3_IRQ_GERROR_EN	(1u << 0)
#define  V3_IRQ_EVTQ_EN		(1u << 2)
#define V3_IRQ_CTRLACK		0x54
#define V3_GERROR		0x60
#define  V3_GERROR_CMDQ_ERR	(1u << 0)
#define  V3_GERROR_EVTQ_ABT	(1u << 2)
#define  V3_GERROR_MSI_CMDQ_ABT	(1u << 4)
#define  V3_GERROR_MSI_EVTQ_ABT	(1u << 5)
#define  V3_GERROR_MSI_GERROR_ABT (1u << 7)
#define  V3_GERROR_MASK		0x1fdu
#define V3_GERRORN		0x64
#define V3_GERROR_IRQ_CFG0	0x68	/* CFG0 (64-bit), CFG1 +8, CFG2 +12 */
#define  V3_MSI_ADDR		GENMASK_ULL(51, 2)
#define V3_STRTAB_BASE		0x80
#define  V3_STRTAB_BASE_ADDR	GENMASK_ULL(51, 6)
#define  V3_STRTAB_BASE_RA	(1ull << 62)
#define V3_STRTAB_BASE_CFG	0x88
#define  V3_STRTAB_FMT_SHIFT	16
#define  V3_STRTAB_SPLIT_SHIFT	6
#define V3_CMDQ_BASE		0x90
#define V3_CMDQ_PROD		0x98
#define V3_CMDQ_CONS		0x9c
#define  V3_CMDQ_CONS_ERR_SHIFT	24
#define V3_EVTQ_BASE		0xa0
#define V3_EVTQ_PROD_P0		0xa8	/* page-0 alias (64 KiB window only) */
#define V3_EVTQ_CONS_P0		0xac
#define V3_EVTQ_IRQ_CFG0	0xb0
#define V3_PAGE1		0x10000
#define V3_EVTQ_PROD		(V3_PAGE1 + 0xa8)
#define V3_EVTQ_CONS		(V3_PAGE1 + 0xac)
#define  V3_Q_BASE_ADDR		GENMASK_ULL(51, 5)
#define  V3_Q_BASE_LOG2SIZE	GENMASK_ULL(4, 0)
#define  V3_Q_BASE_WRITABLE	(GENMASK_ULL(51, 0) | (1ull << 62))
#define  V3_Q_OVF		(1u << 31)

/* ---- structures in memory -------------------------------------------- */
#define V3_STE_SIZE		64
#define V3_CD_SIZE		64
#define V3_STE0_V		(1ull << 0)
#define V3_STE0_CFG_SHIFT	1
#define V3_STE0_S1FMT_SHIFT	4
#define V3_STE0_S1CTXPTR	GENMASK_ULL(51, 6)
#define V3_STE0_S1CDMAX_SHIFT	59
#define V3_STE1_S1DSS_MASK	3ull
#define V3_STE1_PRIVCFG_SHIFT	48
enum { V3_CFG_ABORT = 0, V3_CFG_BYPASS = 4, V3_CFG_S1 = 5, V3_CFG_S2 = 6, V3_CFG_NESTED = 7 };
#define V3_L1_SPAN		GENMASK_ULL(4, 0)
#define V3_L1_L2PTR		GENMASK_ULL(51, 6)

#define V3_CD0_T0SZ		GENMASK_ULL(5, 0)
#define V3_CD0_TG0_SHIFT	6
#define V3_CD0_EPD0		(1ull << 14)
#define V3_CD0_T1SZ_SHIFT	16
#define V3_CD0_TG1_SHIFT	22
#define V3_CD0_EPD1		(1ull << 30)
#define V3_CD0_V		(1ull << 31)
#define V3_CD0_IPS_SHIFT	32
#define V3_CD0_AA64		(1ull << 41)
#define V3_CD0_R		(1ull << 45)
#define V3_CD0_ASID_SHIFT	48
#define V3_CD_TTB		GENMASK_ULL(51, 4)

/* ---- commands and events ---------------------------------------------- */
enum v3_opcode {
	V3_CMD_PREFETCH_CONFIG = 0x01, V3_CMD_PREFETCH_ADDR = 0x02,
	V3_CMD_CFGI_STE = 0x03, V3_CMD_CFGI_STE_RANGE = 0x04,
	V3_CMD_CFGI_CD = 0x05, V3_CMD_CFGI_CD_ALL = 0x06,
	V3_CMD_TLBI_NH_ALL = 0x10, V3_CMD_TLBI_NH_ASID = 0x11,
	V3_CMD_TLBI_NH_VA = 0x12, V3_CMD_TLBI_NH_VAA = 0x13,
	V3_CMD_TLBI_NSNH_ALL = 0x30, V3_CMD_SYNC = 0x46,
};
enum { V3_CERROR_NONE = 0, V3_CERROR_ILL = 1, V3_CERROR_ABT = 2 };
enum v3_event {
	V3_EVT_NONE = 0,
	V3_EVT_C_BAD_STREAMID = 0x02, V3_EVT_F_STE_FETCH = 0x03, V3_EVT_C_BAD_STE = 0x04,
	V3_EVT_F_STREAM_DISABLED = 0x06, V3_EVT_F_CD_FETCH = 0x09, V3_EVT_C_BAD_CD = 0x0a,
	V3_EVT_F_WALK_EABT = 0x0b, V3_EVT_F_TRANSLATION = 0x10, V3_EVT_F_ADDR_SIZE = 0x11,
	V3_EVT_F_ACCESS = 0x12, V3_EVT_F_PERMISSION = 0x13,
};
#define V3_EVT1_PNU		(1ull << 33)
#define V3_EVT1_IND		(1ull << 34)
#define V3_EVT1_RNW		(1ull << 35)
#define V3_EVT1_CLASS_SHIFT	40
enum { V3_CLASS_CD = 0, V3_CLASS_TT = 1, V3_CLASS_IN = 2 };

/* ---- state ------------------------------------------------------------ */

/* The MSI sources the model has (no PRI queue); the first two have IRQ_CFG registers. */
enum v3_msi_src { V3_MSI_EVTQ, V3_MSI_GERROR, V3_MSI_CMDQ };
#define V3_MSI_CFGS 2

struct v3_msi_cfg {
	u64 cfg0;            /* doorbell address */
	u32 cfg1, cfg2;      /* data, memory attributes */
};

/*
 * MSIs to MMIO are posted: held until the model has finished what it was
 * doing (arm_smmu_v3_msi.c). The command queue stalls while only the two
 * slots kept for the event queue's and global errors' edges are free.
 */
#define V3_MSI_POSTED		8
#define V3_MSI_REENTRY_MAX	64   /* register writes into us per round of delivery */

struct v3_msi_post {
	u64 addr;
	u32 data;
	u8 src;              /* enum v3_msi_src */
};

/* What a stream's STE (and CD) say, as the model caches it until a CFGI. */
enum v3_ste_kind { V3_STE_ABORT, V3_STE_BYPASS, V3_STE_S1 };

struct v3_stream_cfg {
	u32 sid;
	bool valid;
	u8 kind;             /* enum v3_ste_kind */
	bool priv;           /* STE.PRIVCFG: privileged */
	bool record;         /* CD.R: faults are recorded */
	struct smmu_trans_cfg tc;
};

#define V3_CFG_CACHE 1024   /* direct-mapped by stream ID */

/* One of the model's queues: base register and the two pointers. */
struct v3_queue {
	u64 base;
	u32 prod, cons;
};

struct arm_smmu_v3 {
	struct smmu_state common;   /* first: smmu_state_new allocates us */
	u64 reg_base, reg_size;
	bool page0_only;            /* page 1 folded into page 0 (64 KiB window) */

	u32 idr[6], iidr, aidr;
	unsigned sid_bits, ssid_bits, cmdq_shift, evtq_shift;

	u32 cr0, cr1, cr2, gbpa, irq_ctrl, gerror, gerrorn;
	u64 strtab_base;
	u32 strtab_cfg;
	struct v3_queue cmdq, evtq;

	/* Interrupt lines (0: none); "combined" takes the three sources. */
	struct hw_irq_line irq_evtq, irq_gerror, irq_sync, irq_combined;
	bool level_evtq, level_gerror, level_combined;

	/* MSIs (IDR0.MSI): each source's IRQ_CFG0..2, the DeviceID its writes carry. */
	bool msi;
	u32 msi_devid;
	bool cond_evtq, cond_gerror;   /* each source's interrupt condition */
	bool msi_evtq, msi_gerror;     /* signalled by MSI while the condition holds */
	struct v3_msi_cfg msi_cfg[V3_MSI_CFGS];
	struct v3_msi_post posted[V3_MSI_POSTED];
	unsigned posted_head, posted_nr;
	unsigned depth;                /* register writes in progress */
	bool draining;                 /* delivering posted MSIs */
	bool cmdq_stalled;             /* waiting for posted MSIs to drain */
	unsigned reentries;            /* register writes during this delivery */

	struct v3_stream_cfg cache[V3_CFG_CACHE];
	struct arm_smmu_v3_stats stats;
};

/* The context tag every stage-1 IOTLB entry carries: one VMID, 0. */
#define V3_TLB_CTX 0

/* arm_smmu_v3.c */
void v3_update_irqs(struct arm_smmu_v3 *s);
void v3_gerror_toggle(struct arm_smmu_v3 *s, u32 bit);
/* Queue pointer helpers: @shift is log2 of the entries. */
static inline u32 v3_q_idx(u32 p, unsigned shift) { return p & ((1u << shift) - 1); }
static inline u32 v3_q_wrp(u32 p, unsigned shift) { return p & (1u << shift); }
static inline unsigned v3_q_shift(const struct v3_queue *q, unsigned max)
{
	unsigned l = (unsigned)(q->base & V3_Q_BASE_LOG2SIZE);

	return l < max ? l : max;
}
static inline bool v3_q_empty(u32 prod, u32 cons, unsigned shift)
{
	u32 m = (2u << shift) - 1;

	return (prod & m) == (cons & m);
}
static inline bool v3_q_full(u32 prod, u32 cons, unsigned shift)
{
	return v3_q_idx(prod, shift) == v3_q_idx(cons, shift) &&
	       v3_q_wrp(prod, shift) != v3_q_wrp(cons, shift);
}
static inline u32 v3_q_inc(u32 p, unsigned shift)
{
	u32 m = (2u << shift) - 1;

	return (p & ~m) | ((p + 1) & m);
}

/* arm_smmu_v3_msi.c */
void v3_msi_init(struct arm_smmu_v3 *s, const void *fdt, int node);
void v3_msi_post(struct arm_smmu_v3 *s, enum v3_msi_src src, u64 addr, u32 data);
bool v3_msi_enabled(const struct arm_smmu_v3 *s, enum v3_msi_src src);
void v3_msi_signal(struct arm_smmu_v3 *s, enum v3_msi_src src);
void v3_msi_flush(struct arm_smmu_v3 *s);
static inline bool v3_msi_cmdq_must_wait(const struct arm_smmu_v3 *s)
{
	return s->posted_nr >= V3_MSI_POSTED - 2;
}
bool v3_msi_read32(struct arm_smmu_v3 *s, u32 off, u32 *val);
bool v3_msi_write32(struct arm_smmu_v3 *s, u32 off, u32 val);

/* arm_smmu_v3_cmdq.c: runs commands from CONS to PROD unless stopped. */
void v3_cmdq_consume(struct arm_smmu_v3 *s);

/* arm_smmu_v3_xlate.c */
extern const struct hw_iommu_ops v3_iommu_ops;
void v3_cfg_inv_all(struct arm_smmu_v3 *s);
void v3_cfg_inv_range(struct arm_smmu_v3 *s, u32 first, u32 last);
/* Writes one record to the event queue (or counts it lost). */
void v3_record_event(struct arm_smmu_v3 *s, const u64 evt[4]);

#endif
