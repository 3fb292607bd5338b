/*
 * arm-smmu-v3: the platform driver (Linux 6.12 arm_smmu_device_probe):
 * the device-tree probe, the hardware probe from the ID registers, the
 * queues and the stream table in memory, the reset sequence, the event
 * queue and global-error interrupts, and the module.
 *
 * Unknown streams: Linux 6.12 has no arm-smmu-v3 disable_bypass parameter
 * any more; every STE starts as abort (arm_smmu_init_initial_stes), so a
 * stream no master probed for is aborted silently once the SMMU is on,
 * and GBPA is set to abort only when the SMMU was found already enabled.
 *
 * Test hook (not Linux): arm-smmu-v3.lab_skip_tlbi=1 skips every TLB
 * invalidation so that the oracle's stale-IOTLB check can be exercised.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu-v3.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/of/of.h"

struct arm_smmu_device *arm_smmu_v3_find_by_node(int node)
{
	struct arm_smmu_device *smmu;

	list_for_each_entry(smmu, &arm_smmu_v3_state()->instances, link)
		if (smmu->fdt_node == node)
			return smmu;
	return NULL;
}

/* ---- register helpers --------------------------------------------------- */

/* Linux's arm_smmu_write_reg_sync: write, then poll the ACK register. */
static int write_reg_sync(struct arm_smmu_device *smmu, u32 val, u32 reg, u32 ack)
{
	writel(val, smmu->base + reg);
	for (unsigned i = 0; i < ARM_SMMU_POLL_READS; i++)
		if (readl(smmu->base + ack) == val)
			return 0;
	return -ETIMEDOUT;
}

/* GBPA's update protocol: wait for UPDATE clear, write with UPDATE, wait again. */
static int update_gbpa(struct arm_smmu_device *smmu, u32 set, u32 clr)
{
	u64 gbpa = smmu->base + ARM_SMMU_GBPA;
	unsigned i;
	u32 reg = 0;

	for (i = 0; i < ARM_SMMU_POLL_READS; i++)
		if (!((reg = readl(gbpa)) & GBPA_UPDATE))
			break;
	if (i == ARM_SMMU_POLL_READS)
		return -ETIMEDOUT;
	writel(((reg & ~clr) | set) | GBPA_UPDATE, gbpa);
	for (i = 0; i < ARM_SMMU_POLL_READS; i++)
		if (!(readl(gbpa) & GBPA_UPDATE))
			return 0;
	dev_err(smmu->dev, "GBPA not responding to update");
	return -ETIMEDOUT;
}

static int device_disable(struct arm_smmu_device *smmu)
{
	int ret = write_reg_sync(smmu, 0, ARM_SMMU_CR0, ARM_SMMU_CR0ACK);

	if (ret)
		dev_err(smmu->dev, "failed to clear cr0");
	return ret;
}

/* ---- interrupts ------------------------------------------------------------ */

static irqreturn_t arm_smmu_evtq_thread(int irq, void *dev)
{
	struct arm_smmu_device *smmu = dev;
	struct arm_smmu_queue *q = &smmu->evtq;
	u32 mask = (2u << q->max_n_shift) - 1;

	for (;;) {
		u32 prod = readl(q->prod_reg);

		if ((prod & Q_OVF) != (q->prod & Q_OVF))
			dev_err(smmu->dev, "EVTQ overflow detected -- events lost");
		q->prod = prod;
		if ((q->prod & mask) == (q->cons & mask))
			break;
		while ((q->prod & mask) != (q->cons & mask)) {
			u64 ent = q->base_dma + (u64)(q->cons & ((1u << q->max_n_shift) - 1)) * 32;
			u64 evt[EVTQ_ENT_DWORDS];

			for (unsigned i = 0; i < EVTQ_ENT_DWORDS; i++)
				evt[i] = arm_smmu_read_qword(ent + i * 8);
			q->cons = (q->cons & Q_OVF) | ((q->cons + 1) & mask);
			writel(q->cons, q->cons_reg);
			/* Stall-less faults have no handler: each is logged (6.12's format). */
			dev_info(smmu->dev, "event 0x%02x received:", (unsigned)(evt[0] & EVTQ_0_ID_MASK));
			for (unsigned i = 0; i < EVTQ_ENT_DWORDS; i++)
				dev_info(smmu->dev, "\t0x%016llx", (unsigned long long)evt[i]);
		}
	}
	/* Up to date: acknowledge an overflow by copying the flag into CONS. */
	if ((q->cons & Q_OVF) != (q->prod & Q_OVF)) {
		q->cons = (q->prod & Q_OVF) | (q->cons & mask);
		writel(q->cons, q->cons_reg);
	}
	return IRQ_HANDLED;
}

static irqreturn_t arm_smmu_gerror_handler(int irq, void *dev)
{
	struct arm_smmu_device *smmu = dev;
	u32 gerror = readl(smmu->base + ARM_SMMU_GERROR);
	u32 gerrorn = readl(smmu->base + ARM_SMMU_GERRORN);
	u32 active = (gerror ^ gerrorn) & GERROR_ERR_MASK;

	if (!active)
		return IRQ_NONE;
	dev_warn(smmu->dev, "unexpected global error reported (0x%08x), this could be serious",
		 active);
	if (active & GERROR_SFM_ERR) {
		dev_err(smmu->dev, "device has entered Service Failure Mode!");
		device_disable(smmu);
	}
	if (active & GERROR_MSI_GERROR_ABT_ERR)
		dev_warn(smmu->dev, "GERROR MSI write aborted");
	if (active & GERROR_MSI_PRIQ_ABT_ERR)
		dev_warn(smmu->dev, "PRIQ MSI write aborted");
	if (active & GERROR_MSI_EVTQ_ABT_ERR)
		dev_warn(smmu->dev, "EVTQ MSI write aborted");
	if (active & GERROR_MSI_CMDQ_ABT_ERR)
		dev_warn(smmu->dev, "CMDQ MSI write aborted");
	if (active & GERROR_PRIQ_ABT_ERR)
		dev_err(smmu->dev, "PRIQ write aborted -- events may have been lost");
	if (active & GERROR_EVTQ_ABT_ERR)
		dev_err(smmu->dev, "EVTQ write aborted -- events may have been lost");
	if (active & GERROR_CMDQ_ERR)
		arm_smmu_cmdq_skip_err(smmu);
	writel(gerror, smmu->base + ARM_SMMU_GERRORN);
	return IRQ_HANDLED;
}

static irqreturn_t arm_smmu_combined_irq(int irq, void *dev)
{
	arm_smmu_gerror_handler(irq, dev);
	return arm_smmu_evtq_thread(irq, dev);
}

enum { IRQ_COMBINED, IRQ_EVTQ, IRQ_GERR };

static void free_irqs(struct arm_smmu_device *smmu)
{
	u32 lines[] = { smmu->combined_irq, smmu->evtq_irq, smmu->gerr_irq };

	for (unsigned i = 0; i < ARRAY_SIZE(lines); i++)
		if (smmu->irqs_requested & (1u << i))
			free_irq(lines[i], smmu);
	smmu->irqs_requested = 0;
	if (smmu->msis) {
		platform_msi_domain_free_irqs(smmu->dev);
		smmu->msis = false;
	}
}

/* ---- MSIs (Linux's arm_smmu_setup_msis) ------------------------------------- */

enum { EVTQ_MSI_INDEX, GERROR_MSI_INDEX, ARM_SMMU_NR_MSIS };

static const u32 arm_smmu_msi_cfg[ARM_SMMU_NR_MSIS][3] = {
	[EVTQ_MSI_INDEX] = { ARM_SMMU_EVTQ_IRQ_CFG0, ARM_SMMU_EVTQ_IRQ_CFG1,
			     ARM_SMMU_EVTQ_IRQ_CFG2 },
	[GERROR_MSI_INDEX] = { ARM_SMMU_GERROR_IRQ_CFG0, ARM_SMMU_GERROR_IRQ_CFG1,
			       ARM_SMMU_GERROR_IRQ_CFG2 },
};

/* The ITS's doorbell and data go into the source's IRQ_CFG0..2. */
static void arm_smmu_write_msi_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	struct arm_smmu_device *smmu = dev_get_drvdata(desc->dev);
	const u32 *cfg;
	u64 doorbell;

	if (!smmu || desc->msi_index >= ARM_SMMU_NR_MSIS)
		return;
	cfg = arm_smmu_msi_cfg[desc->msi_index];
	doorbell = (((u64)msg->address_hi << 32) | msg->address_lo) & MSI_CFG0_ADDR_MASK;
	writeq(doorbell, smmu->base + cfg[0]);
	writel(msg->data, smmu->base + cfg[1]);
	writel(ARM_SMMU_MEMATTR_DEVICE_nGnRE, smmu->base + cfg[2]);
}

/*
 * The addresses are cleared first (a zero address: the wired line); with
 * IDR0.MSI and an MSI domain (the node's msi-parent) the event queue and
 * global errors get platform MSIs, which replace the wired lines. No PRI
 * queue: two vectors.
 */
static void setup_msis(struct arm_smmu_device *smmu)
{
	struct device *dev = smmu->dev;
	int ret;

	writeq(0, smmu->base + ARM_SMMU_GERROR_IRQ_CFG0);
	writeq(0, smmu->base + ARM_SMMU_EVTQ_IRQ_CFG0);
	if (!(smmu->features & ARM_SMMU_FEAT_MSI))
		return;
	if (!dev_get_msi_domain(dev)) {
		dev_info(dev, "msi_domain absent - falling back to wired irqs");
		return;
	}
	ret = platform_msi_domain_alloc_irqs(dev, ARM_SMMU_NR_MSIS, arm_smmu_write_msi_msg);
	if (ret) {
		dev_warn(dev, "failed to allocate MSIs - falling back to wired irqs");
		return;
	}
	smmu->msis = true;
	smmu->evtq_irq = msi_get_virq(dev, EVTQ_MSI_INDEX);
	smmu->gerr_irq = msi_get_virq(dev, GERROR_MSI_INDEX);
}

static void request_one(struct arm_smmu_device *smmu, unsigned which, u32 irq,
			irq_handler_t fn, const char *name, const char *what)
{
	if (request_irq_flags(irq, fn, 0, name, smmu) < 0)
		dev_warn(smmu->dev, "failed to enable %s irq", what);
	else
		smmu->irqs_requested |= 1u << which;
}

/* Linux's arm_smmu_setup_irqs: off, request, then evtq and gerror on. */
static int setup_irqs(struct arm_smmu_device *smmu)
{
	if (write_reg_sync(smmu, 0, ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK)) {
		dev_err(smmu->dev, "failed to disable irqs");
		return -ETIMEDOUT;
	}
	if (smmu->combined_irq) {
		request_one(smmu, IRQ_COMBINED, smmu->combined_irq, arm_smmu_combined_irq,
			    "arm-smmu-v3-combined-irq", "combined");
	} else {
		setup_msis(smmu);
		if (smmu->evtq_irq)
			request_one(smmu, IRQ_EVTQ, smmu->evtq_irq, arm_smmu_evtq_thread,
				    "arm-smmu-v3-evtq", "evtq");
		else
			dev_warn(smmu->dev, "no evtq irq - events will not be reported!");
		if (smmu->gerr_irq)
			request_one(smmu, IRQ_GERR, smmu->gerr_irq, arm_smmu_gerror_handler,
				    "arm-smmu-v3-gerror", "gerror");
		else
			dev_warn(smmu->dev, "no gerr irq - errors will not be reported!");
	}
	if (write_reg_sync(smmu, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN, ARM_SMMU_IRQ_CTRL,
			   ARM_SMMU_IRQ_CTRLACK))
		dev_warn(smmu->dev, "failed to enable irqs");
	return 0;
}

/* ---- reset ------------------------------------------------------------------ */

static int invalidate_all(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq_ent cfgi = { .opcode = CMDQ_OP_CFGI_ALL };
	struct arm_smmu_cmdq_ent el2 = { .opcode = CMDQ_OP_TLBI_EL2_ALL };
	struct arm_smmu_cmdq_ent nsnh = { .opcode = CMDQ_OP_TLBI_NSNH_ALL };
	int ret = arm_smmu_cmdq_issue_cmd(smmu, &cfgi, true);

	if (!ret && (smmu->features & ARM_SMMU_FEAT_HYP))
		ret = arm_smmu_cmdq_issue_cmd(smmu, &el2, true);
	if (!ret)
		ret = arm_smmu_cmdq_issue_cmd(smmu, &nsnh, true);
	return ret;
}

/* Linux's arm_smmu_device_reset, step by step. */
static int device_reset(struct arm_smmu_device *smmu)
{
	u32 enables;
	int ret;

	if (readl(smmu->base + ARM_SMMU_CR0) & CR0_SMMUEN) {
		dev_warn(smmu->dev, "SMMU currently enabled! Resetting...");
		update_gbpa(smmu, GBPA_ABORT, 0);
	}
	ret = device_disable(smmu);
	if (ret)
		return ret;
	writel((ARM_SMMU_SH_ISH << CR1_TABLE_SH_SHIFT) | (CR1_CACHE_WB << CR1_TABLE_OC_SHIFT) |
	       (CR1_CACHE_WB << CR1_TABLE_IC_SHIFT) | (ARM_SMMU_SH_ISH << CR1_QUEUE_SH_SHIFT) |
	       (CR1_CACHE_WB << CR1_QUEUE_OC_SHIFT) | (CR1_CACHE_WB << CR1_QUEUE_IC_SHIFT),
	       smmu->base + ARM_SMMU_CR1);
	writel(CR2_PTM | CR2_RECINVSID, smmu->base + ARM_SMMU_CR2);
	writeq(smmu->strtab_cfg.strtab_base, smmu->base + ARM_SMMU_STRTAB_BASE);
	writel(smmu->strtab_cfg.strtab_base_cfg, smmu->base + ARM_SMMU_STRTAB_BASE_CFG);
	writeq(smmu->cmdq.q_base, smmu->base + ARM_SMMU_CMDQ_BASE);
	writel(smmu->cmdq.prod, smmu->cmdq.prod_reg);
	writel(smmu->cmdq.cons, smmu->cmdq.cons_reg);
	enables = CR0_CMDQEN;
	if (write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK)) {
		dev_err(smmu->dev, "failed to enable command queue");
		return -ETIMEDOUT;
	}
	ret = invalidate_all(smmu);
	if (ret)
		return ret;
	writeq(smmu->evtq.q_base, smmu->base + ARM_SMMU_EVTQ_BASE);
	writel(smmu->evtq.prod, smmu->evtq.prod_reg);
	writel(smmu->evtq.cons, smmu->evtq.cons_reg);
	enables |= CR0_EVTQEN;
	if (write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK)) {
		dev_err(smmu->dev, "failed to enable event queue");
		return -ETIMEDOUT;
	}
	ret = setup_irqs(smmu);
	if (ret)
		return ret;
	enables |= CR0_SMMUEN;
	if (write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK)) {
		dev_err(smmu->dev, "failed to enable SMMU interface");
		return -ETIMEDOUT;
	}
	return 0;
}

/* ---- the hardware probe ------------------------------------------------------ */

static int probe_idr0(struct arm_smmu_device *smmu, u32 reg)
{
	bool coherent = smmu->features & ARM_SMMU_FEAT_COHERENCY;

	if (((reg >> IDR0_ST_LVL_SHIFT) & 3) == IDR0_ST_LVL_2LVL)
		smmu->features |= ARM_SMMU_FEAT_2_LVL_STRTAB;
	if (reg & IDR0_CD2L)
		smmu->features |= ARM_SMMU_FEAT_2_LVL_CDTAB;
	switch ((reg >> IDR0_TTENDIAN_SHIFT) & 3) {
	case IDR0_TTENDIAN_MIXED:
		smmu->features |= ARM_SMMU_FEAT_TT_LE | ARM_SMMU_FEAT_TT_BE;
		break;
	case IDR0_TTENDIAN_LE:
		smmu->features |= ARM_SMMU_FEAT_TT_LE;
		break;
	case IDR0_TTENDIAN_BE:
		smmu->features |= ARM_SMMU_FEAT_TT_BE;
		break;
	default:
		dev_err(smmu->dev, "unknown/unsupported TT endianness!");
		return -ENXIO;
	}
	if (reg & IDR0_PRI)
		smmu->features |= ARM_SMMU_FEAT_PRI;
	if (reg & IDR0_ATS)
		smmu->features |= ARM_SMMU_FEAT_ATS;
	if (reg & IDR0_SEV)
		smmu->features |= ARM_SMMU_FEAT_SEV;
	if (reg & IDR0_MSI) {
		smmu->features |= ARM_SMMU_FEAT_MSI;
		if (coherent && !arm_smmu_v3_state()->param.disable_msipolling)
			smmu->options |= ARM_SMMU_OPT_MSIPOLL;
	}
	if (reg & IDR0_HYP)
		smmu->features |= ARM_SMMU_FEAT_HYP;
	if (!!(reg & IDR0_COHACC) != coherent)
		dev_warn(smmu->dev, "IDR0.COHACC overridden by FW configuration (%s)",
			 coherent ? "true" : "false");
	if (reg & IDR0_S1P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S1;
	if (reg & IDR0_S2P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S2;
	if (!(reg & (IDR0_S1P | IDR0_S2P))) {
		dev_err(smmu->dev, "no translation support!");
		return -ENXIO;
	}
	switch ((reg >> IDR0_TTF_SHIFT) & 3) {
	case IDR0_TTF_AARCH32_64:
		smmu->ias = 40;
		break;
	case IDR0_TTF_AARCH64:
		break;
	default:
		dev_err(smmu->dev, "AArch64 table format not supported!");
		return -ENXIO;
	}
	smmu->asid_bits = reg & IDR0_ASID16 ? 16 : 8;
	return 0;
}

static int probe_idr1(struct arm_smmu_device *smmu, u32 reg)
{
	if (reg & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET | IDR1_REL)) {
		dev_err(smmu->dev, "embedded implementation not supported");
		return -ENXIO;
	}
	smmu->cmdq.max_n_shift = MIN((unsigned)CMDQ_MAX_SZ_SHIFT,
				     (reg >> IDR1_CMDQS_SHIFT) & IDR1_SIZE_MASK);
	if (smmu->cmdq.max_n_shift <= 6) {   /* ilog2(CMDQ_BATCH_ENTRIES) */
		dev_err(smmu->dev, "command queue size <= %d entries not supported",
			CMDQ_BATCH_ENTRIES);
		return -ENXIO;
	}
	smmu->evtq.max_n_shift = MIN((unsigned)EVTQ_MAX_SZ_SHIFT,
				     (reg >> IDR1_EVTQS_SHIFT) & IDR1_SIZE_MASK);
	smmu->ssid_bits = (reg >> IDR1_SSIDSIZE_SHIFT) & IDR1_SIZE_MASK;
	smmu->sid_bits = reg & IDR1_SIDSIZE_MASK;
	/* Linux's STRTAB_MAX_L1_ENTRIES cap aside, a 32-bit SID space is the limit. */
	if (smmu->sid_bits > 32)
		smmu->sid_bits = 32;
	if (smmu->sid_bits <= STRTAB_SPLIT)
		smmu->features &= ~ARM_SMMU_FEAT_2_LVL_STRTAB;
	return 0;
}

static void probe_idr5(struct arm_smmu_device *smmu, u32 reg)
{
	struct iommu_ops *ops = &arm_smmu_v3_state()->ops;
	static const u8 oas_bits[] = { 32, 36, 40, 42, 44, 48 };
	unsigned oas = reg & IDR5_OAS_MASK;

	if ((reg >> IDR5_VAX_SHIFT) & 3)
		smmu->features |= ARM_SMMU_FEAT_VAX;
	if (reg & IDR5_GRAN64K)
		smmu->pgsize_bitmap |= SZ_64K | SZ_512M;
	if (reg & IDR5_GRAN16K)
		smmu->pgsize_bitmap |= SZ_16K | SZ_32M;
	if (reg & IDR5_GRAN4K)
		smmu->pgsize_bitmap |= SZ_4K | SZ_2M | SZ_1G;
	if (ops->pgsize_bitmap == ~0ull)
		ops->pgsize_bitmap = smmu->pgsize_bitmap;
	else
		ops->pgsize_bitmap |= smmu->pgsize_bitmap;
	if (oas < ARRAY_SIZE(oas_bits)) {
		smmu->oas = oas_bits[oas];
	} else {
		/* 52-bit output needs LPA tables the lab's io-pgtable lacks. */
		if (oas != 6)
			dev_info(smmu->dev, "unknown output address size. Truncating to 48-bit");
		smmu->oas = 48;
	}
	smmu->ias = MAX(smmu->ias, smmu->oas);
}

static int device_hw_probe(struct arm_smmu_device *smmu)
{
	int ret = probe_idr0(smmu, readl(smmu->base + ARM_SMMU_IDR0));

	if (!ret)
		ret = probe_idr1(smmu, readl(smmu->base + ARM_SMMU_IDR1));
	if (ret)
		return ret;
	if (readl(smmu->base + ARM_SMMU_IDR3) & IDR3_RIL)
		smmu->features |= ARM_SMMU_FEAT_RANGE_INV;
	probe_idr5(smmu, readl(smmu->base + ARM_SMMU_IDR5));
	dev_info(smmu->dev, "ias %u-bit, oas %u-bit (features 0x%08x)", smmu->ias, smmu->oas,
		 smmu->features);
	return 0;
}

/* ---- queues and structures ----------------------------------------------------- */

static int init_one_queue(struct arm_smmu_device *smmu, struct arm_smmu_queue *q, u64 page,
			  u32 prod_off, u32 cons_off, unsigned dwords, const char *name)
{
	u64 qsz;

	/* Halve the queue until it fits, down to a page (Linux's loop). */
	for (;;) {
		qsz = ((u64)dwords << 3) << q->max_n_shift;
		q->order = 0;
		while ((PAGE_SIZE << q->order) < qsz)
			q->order++;
		q->base_dma = arm_smmu_alloc_zeroed(q->order);
		if (q->base_dma || qsz < PAGE_SIZE)
			break;
		q->max_n_shift--;
	}
	if (!q->base_dma) {
		dev_err(smmu->dev, "failed to allocate queue (0x%llx bytes) for %s",
			(unsigned long long)qsz, name);
		return -ENOMEM;
	}
	dev_info(smmu->dev, "allocated %u entries for %s", 1u << q->max_n_shift, name);
	q->prod_reg = page + prod_off;
	q->cons_reg = page + cons_off;
	q->ent_dwords = dwords;
	q->q_base = Q_BASE_RWA | (q->base_dma & Q_BASE_ADDR_MASK) | q->max_n_shift;
	q->prod = q->cons = 0;
	return 0;
}

static void free_queue(struct arm_smmu_queue *q)
{
	if (q->base_dma)
		free_pages_phys(q->base_dma, q->order);
	q->base_dma = 0;
}

static void free_structures(struct arm_smmu_device *smmu)
{
	free_queue(&smmu->cmdq);
	free_queue(&smmu->evtq);
	arm_smmu_free_strtab(smmu);
}

static int init_structures(struct arm_smmu_device *smmu)
{
	int ret = init_one_queue(smmu, &smmu->cmdq, smmu->base, ARM_SMMU_CMDQ_PROD,
				 ARM_SMMU_CMDQ_CONS, CMDQ_ENT_DWORDS, "cmdq");

	if (!ret)
		ret = init_one_queue(smmu, &smmu->evtq, smmu->page1,
				     ARM_SMMU_EVTQ_PROD - 0x10000, ARM_SMMU_EVTQ_CONS - 0x10000,
				     EVTQ_ENT_DWORDS, "evtq");
	if (!ret)
		ret = arm_smmu_init_strtab(smmu);
	return ret;
}

/* ---- the device-tree probe --------------------------------------------------------- */

static const struct {
	u32 opt;
	const char *prop;
} arm_smmu_options[] = {
	{ ARM_SMMU_OPT_SKIP_PREFETCH, "hisilicon,broken-prefetch-cmd" },
	{ ARM_SMMU_OPT_PAGE0_REGS_ONLY, "cavium,cn9900-broken-page1-regspace" },
};

static int device_dt_probe(struct arm_smmu_device *smmu, struct device *dev)
{
	u32 cells;

	if (of_property_read_u32(dev->of_node, "#iommu-cells", &cells)) {
		dev_err(dev, "missing #iommu-cells property");
		return -EINVAL;
	}
	if (cells != 1) {
		dev_err(dev, "invalid #iommu-cells value (%d)", (int)cells);
		return -EINVAL;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(arm_smmu_options); i++)
		if (of_property_read_bool(dev->of_node, arm_smmu_options[i].prop)) {
			smmu->options |= arm_smmu_options[i].opt;
			dev_notice(dev, "option %s", arm_smmu_options[i].prop);
		}
	if (of_property_read_bool(dev->of_node, "dma-coherent"))
		smmu->features |= ARM_SMMU_FEAT_COHERENCY;
	return 0;
}

/* platform_get_irq_byname_optional: 0 when the name is not listed. */
static u32 irq_byname(struct device *dev, const char *name)
{
	int n = of_property_count_strings(dev->of_node, "interrupt-names");

	for (int i = 0; i < n; i++) {
		const char *s;
		int irq;

		if (of_property_read_string_index(dev->of_node, "interrupt-names", i, &s) ||
		    strcmp(s, name))
			continue;
		irq = of_irq_get(dev->of_node, i);
		return irq > 0 ? (u32)irq : 0;
	}
	return 0;
}

static int probe_resources(struct arm_smmu_device *smmu, struct device *dev)
{
	struct resource res;
	u64 need;

	if (of_address_to_resource(dev->of_node, 0, &res)) {
		dev_err(dev, "invalid resource");
		return -EINVAL;
	}
	need = smmu->options & ARM_SMMU_OPT_PAGE0_REGS_ONLY ? SZ_64K : SZ_128K;
	if (resource_size(&res) < need) {
		dev_err(dev, "MMIO region too small ([mem %#010llx-%#010llx])",
			(unsigned long long)res.start, (unsigned long long)res.end);
		return -EINVAL;
	}
	smmu->base = res.start;
	smmu->size = resource_size(&res);
	/* Cavium CN99xx: page 1's registers are reached at page 0's offsets. */
	smmu->page1 = smmu->options & ARM_SMMU_OPT_PAGE0_REGS_ONLY ? smmu->base :
								     smmu->base + SZ_64K;
	smmu->combined_irq = irq_byname(dev, "combined");
	if (!smmu->combined_irq) {
		smmu->evtq_irq = irq_byname(dev, "eventq");
		/* Mapped as Linux maps it (an mbigen pin gets its vector); no PRI to serve. */
		smmu->priq_irq = irq_byname(dev, "priq");
		smmu->gerr_irq = irq_byname(dev, "gerror");
	}
	return 0;
}

static void smmu_free(struct arm_smmu_device *smmu)
{
	free_irqs(smmu);
	free_structures(smmu);
	kfree(smmu);
}

static int arm_smmu_device_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct arm_smmu_v3_state *st = arm_smmu_v3_state();
	struct arm_smmu_device *smmu;
	int ret;

	if (!dev->of_node)
		return -ENODEV;
	smmu = kzalloc(sizeof(*smmu));
	if (!smmu)
		return -ENOMEM;
	smmu->dev = dev;
	smmu->fdt_node = dev->of_node->fdt_offset;
	INIT_LIST_HEAD(&smmu->link);
	INIT_LIST_HEAD(&smmu->masters);
	ret = device_dt_probe(smmu, dev);
	if (!ret)
		ret = probe_resources(smmu, dev);
	if (!ret)
		ret = device_hw_probe(smmu);
	if (!ret)
		ret = init_structures(smmu);
	/* As platform_set_drvdata before the reset: the MSI writer finds the SMMU. */
	dev_set_drvdata(dev, smmu);
	if (!ret)
		ret = device_reset(smmu);
	if (ret)
		goto out_free;
	ret = iommu_device_sysfs_add(&smmu->iommu, dev, "smmu3.0x%016llx",
				     (unsigned long long)smmu->base);
	if (ret)
		goto out_disable;
	list_add_tail(&smmu->link, &st->instances);
	ret = iommu_device_register(&smmu->iommu, &st->ops, dev);
	if (ret) {
		dev_err(dev, "Failed to register iommu");
		list_del(&smmu->link);
		dev_set_drvdata(dev, NULL);
		iommu_device_sysfs_remove(&smmu->iommu);
		goto out_disable;
	}
	smmu->registered = true;
	return 0;

out_disable:
	device_disable(smmu);
out_free:
	smmu_free(smmu);
	dev_set_drvdata(dev, NULL);
	return ret;
}

static void arm_smmu_device_remove(struct platform_device *pdev)
{
	struct arm_smmu_device *smmu = dev_get_drvdata(&pdev->dev);

	if (!smmu)
		return;
	if (smmu->registered)
		iommu_device_unregister(&smmu->iommu);
	iommu_device_sysfs_remove(&smmu->iommu);
	list_del(&smmu->link);
	/* Off: GBPA decides for every stream again, as Linux leaves it. */
	device_disable(smmu);
	dev_set_drvdata(&pdev->dev, NULL);
	smmu_free(smmu);
}

/* ---- the module ------------------------------------------------------------------ */

const struct of_device_id arm_smmu_v3_of_match[] = {
	{ .compatible = "arm,smmu-v3" },
	{ NULL, NULL },
};

static struct platform_driver arm_smmu_v3_driver = {
	.probe = arm_smmu_device_probe,
	.remove = arm_smmu_device_remove,
	.driver = {
		.name = "arm-smmu-v3",
		.of_match_table = arm_smmu_v3_of_match,
		.suppress_bind_attrs = true,
	},
};

void arm_smmu_v3_state_init(struct arm_smmu_v3_state *st)
{
	INIT_LIST_HEAD(&st->instances);
	INIT_LIST_HEAD(&st->asid_domains);
}

/* The module's data as a fresh load has it (parameters aside). */
static void state_load(struct arm_smmu_v3_state *st)
{
	arm_smmu_v3_state_init(st);
	st->identity_domain = (struct iommu_domain){
		.type = IOMMU_DOMAIN_IDENTITY, .ops = &arm_smmu_v3_identity_ops,
	};
	st->blocked_domain = (struct iommu_domain){
		.type = IOMMU_DOMAIN_BLOCKED, .ops = &arm_smmu_v3_blocked_ops,
	};
	st->ops = arm_smmu_v3_ops_template;
	st->ops.identity_domain = &st->identity_domain;
	st->ops.blocked_domain = &st->blocked_domain;
	/* THIS_MODULE: pinned while masters use the ops (NULL when built in). */
	st->ops.owner = module_get_state("arm-smmu-v3") == MODULE_STATE_BUILTIN ?
			NULL : find_module("arm-smmu-v3");
}

int arm_smmu_v3_module_init(void)
{
	state_load(arm_smmu_v3_state());
	return platform_driver_register(&arm_smmu_v3_driver);
}

void arm_smmu_v3_module_exit(void)
{
	platform_driver_unregister(&arm_smmu_v3_driver);
}
