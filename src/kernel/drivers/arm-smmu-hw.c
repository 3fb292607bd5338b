/*
 * arm-smmu: the register side. Everything the driver tells the SMMU goes
 * through readl/writel on the physical addresses of its `reg` window; the
 * software shadows (stream map, context banks) are the truth that a reset
 * replays.
 */
#include <errno.h>

#include "kernel/kernel.h"
#include "kernel/base/printk.h"
#include "kernel/base/lab_bug.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/kernel_state.h"

static bool skip_tlbi(void)
{
	/* lab.bug=missed-tlbi (docs/explore.md); the old test parameter is its alias. */
	return kstate->arm_smmu.param.lab_skip_tlbi || lab_bug(LAB_BUG_MISSED_TLBI);
}

/* The physical address of @offset in register page @page. */
static u64 page_addr(struct arm_smmu_device *smmu, int page, int offset)
{
	return smmu->base + ((u64)(unsigned)page << smmu->pgshift) + (u64)(unsigned)offset;
}

u32 arm_smmu_readl(struct arm_smmu_device *smmu, int page, int offset)
{
	if (smmu->impl && smmu->impl->read_reg)
		return smmu->impl->read_reg(smmu, page, offset);
	return readl(page_addr(smmu, page, offset));
}

void arm_smmu_writel(struct arm_smmu_device *smmu, int page, int offset, u32 val)
{
	if (smmu->impl && smmu->impl->write_reg)
		smmu->impl->write_reg(smmu, page, offset, val);
	else
		writel(val, page_addr(smmu, page, offset));
}

u64 arm_smmu_readq(struct arm_smmu_device *smmu, int page, int offset)
{
	if (smmu->impl && smmu->impl->read_reg64)
		return smmu->impl->read_reg64(smmu, page, offset);
	return readq(page_addr(smmu, page, offset));
}

void arm_smmu_writeq(struct arm_smmu_device *smmu, int page, int offset, u64 val)
{
	if (smmu->impl && smmu->impl->write_reg64)
		smmu->impl->write_reg64(smmu, page, offset, val);
	else
		writeq(val, page_addr(smmu, page, offset));
}

u32 arm_smmu_gr0_read(struct arm_smmu_device *smmu, u32 off)
{
	return arm_smmu_readl(smmu, ARM_SMMU_GR0, (int)off);
}

void arm_smmu_gr0_write(struct arm_smmu_device *smmu, u32 off, u32 val)
{
	arm_smmu_writel(smmu, ARM_SMMU_GR0, (int)off, val);
}

u32 arm_smmu_gr1_read(struct arm_smmu_device *smmu, u32 off)
{
	return arm_smmu_readl(smmu, ARM_SMMU_GR1, (int)off);
}

void arm_smmu_gr1_write(struct arm_smmu_device *smmu, u32 off, u32 val)
{
	arm_smmu_writel(smmu, ARM_SMMU_GR1, (int)off, val);
}

u32 arm_smmu_cb_read(struct arm_smmu_device *smmu, unsigned cb, u32 off)
{
	return arm_smmu_readl(smmu, ARM_SMMU_CB(smmu, cb), (int)off);
}

void arm_smmu_cb_write(struct arm_smmu_device *smmu, unsigned cb, u32 off, u32 val)
{
	arm_smmu_writel(smmu, ARM_SMMU_CB(smmu, cb), (int)off, val);
}

u64 arm_smmu_cb_readq(struct arm_smmu_device *smmu, unsigned cb, u32 off)
{
	return arm_smmu_readq(smmu, ARM_SMMU_CB(smmu, cb), (int)off);
}

void arm_smmu_cb_writeq(struct arm_smmu_device *smmu, unsigned cb, u32 off, u64 val)
{
	arm_smmu_writeq(smmu, ARM_SMMU_CB(smmu, cb), (int)off, val);
}

/* ID2 address-size encodings to bits. */
static unsigned id_size_to_bits(u32 size)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44 };

	return size < ARRAY_SIZE(bits) ? bits[size] : 48;
}

static int probe_stages(struct arm_smmu_device *smmu, u32 id)
{
	if (id & ID0_S1TS) {
		smmu->features |= ARM_SMMU_FEAT_TRANS_S1;
		dev_notice(smmu->dev, "\tstage 1 translation");
	}
	if (id & ID0_S2TS) {
		smmu->features |= ARM_SMMU_FEAT_TRANS_S2;
		dev_notice(smmu->dev, "\tstage 2 translation");
	}
	if (id & ID0_NTS) {
		smmu->features |= ARM_SMMU_FEAT_TRANS_NESTED;
		dev_notice(smmu->dev, "\tnested translation");
	}
	if (!(smmu->features & (ARM_SMMU_FEAT_TRANS_S1 | ARM_SMMU_FEAT_TRANS_S2))) {
		dev_err(smmu->dev, "\tno translation support!");
		return -ENODEV;
	}
	if ((id & ID0_S1TS) && (smmu->version < ARM_SMMU_V2 || !(id & ID0_ATOSNS))) {
		smmu->features |= ARM_SMMU_FEAT_TRANS_OPS;
		dev_notice(smmu->dev, "\taddress translation ops");
	}
	return 0;
}

static void probe_walk_coherency(struct arm_smmu_device *smmu, u32 id)
{
	bool fw = smmu->features & ARM_SMMU_FEAT_COHERENT_WALK;
	bool reg = id & ID0_CTTW;

	if (fw || reg)
		dev_notice(smmu->dev, "\t%scoherent table walk", fw ? "" : "non-");
	if (fw != reg)
		dev_notice(smmu->dev, "\t(IDR0.CTTW overridden by FW configuration)");
}

static int probe_stream_map(struct arm_smmu_device *smmu, u32 id, bool disable_bypass)
{
	enum arm_smmu_s2cr_type init = disable_bypass ? S2CR_TYPE_FAULT : S2CR_TYPE_BYPASS;
	unsigned sidb = (id >> ID0_NUMSIDB_SHIFT) & ID0_NUMSIDB_MASK;
	unsigned size = 1u << sidb;
	bool sms = id & ID0_SMS;
	int ret;

	if (smmu->version == ARM_SMMU_V2 && (id & ID0_EXIDS)) {
		smmu->features |= ARM_SMMU_FEAT_EXIDS;
		size = 1u << 16;
	}
	smmu->streamid_mask = (u16)(size - 1);
	if (sms) {
		smmu->features |= ARM_SMMU_FEAT_STREAM_MATCH;
		size = id & ID0_NUMSMRG_MASK;
		if (!size) {
			dev_err(smmu->dev, "stream-matching supported, but no SMRs present!");
			return -ENODEV;
		}
	}
	ret = arm_smmu_sme_init(smmu, size, sms, init);
	if (ret)
		return ret;
	if (sms)
		dev_notice(smmu->dev, "\tstream matching with %u register groups", size);
	return 0;
}

static int probe_context_banks(struct arm_smmu_device *smmu, u32 id)
{
	unsigned size = 1u << (((id >> ID1_NUMPAGENDXB_SHIFT) & ID1_NUMPAGENDXB_MASK) + 1);

	smmu->pgshift = (id & ID1_PAGESIZE) ? 16 : 12;
	if (((u64)2 * size << smmu->pgshift) != smmu->size)
		dev_warn(smmu->dev,
			 "SMMU address space size (0x%llx) differs from mapped region size (0x%llx)!",
			 (unsigned long long)((u64)2 * size << smmu->pgshift),
			 (unsigned long long)smmu->size);
	smmu->numpage = size;

	smmu->num_s2_context_banks = (id >> ID1_NUMS2CB_SHIFT) & ID1_NUMS2CB_MASK;
	smmu->num_context_banks = id & ID1_NUMCB_MASK;
	if (smmu->num_s2_context_banks > smmu->num_context_banks) {
		dev_err(smmu->dev, "impossible number of S2 context banks!");
		return -ENODEV;
	}
	if (smmu->num_context_banks > ARM_SMMU_MAX_CBS) {
		dev_err(smmu->dev, "%u context banks: more than this driver handles",
			smmu->num_context_banks);
		return -ENODEV;
	}
	dev_notice(smmu->dev, "\t%u context banks (%u stage-2 only)",
		   smmu->num_context_banks, smmu->num_s2_context_banks);
	return 0;
}

static void probe_sizes(struct arm_smmu_device *smmu, u32 id)
{
	smmu->ipa_size = id_size_to_bits((id >> ID2_IAS_SHIFT) & ID2_SIZE_MASK);
	smmu->pa_size = id_size_to_bits((id >> ID2_OAS_SHIFT) & ID2_SIZE_MASK);
	if (id & ID2_VMID16)
		smmu->features |= ARM_SMMU_FEAT_VMID16;

	if (smmu->version < ARM_SMMU_V2) {
		smmu->va_size = smmu->ipa_size;
		if (smmu->version == ARM_SMMU_V1_64K)
			smmu->features |= ARM_SMMU_FEAT_FMT_AARCH64_64K;
	} else {
		smmu->va_size = id_size_to_bits((id >> ID2_UBS_SHIFT) & ID2_SIZE_MASK);
		if (id & ID2_PTFS_4K)
			smmu->features |= ARM_SMMU_FEAT_FMT_AARCH64_4K;
		if (id & ID2_PTFS_16K)
			smmu->features |= ARM_SMMU_FEAT_FMT_AARCH64_16K;
		if (id & ID2_PTFS_64K)
			smmu->features |= ARM_SMMU_FEAT_FMT_AARCH64_64K;
	}

	smmu->pgsize_bitmap = 0;
	if (smmu->features & ARM_SMMU_FEAT_FMT_AARCH32_S)
		smmu->pgsize_bitmap |= 0x1000 | 0x10000 | 0x100000 | 0x1000000;
	if (smmu->features & (ARM_SMMU_FEAT_FMT_AARCH32_L | ARM_SMMU_FEAT_FMT_AARCH64_4K))
		smmu->pgsize_bitmap |= 0x1000 | 0x200000 | 0x40000000;
	if (smmu->features & ARM_SMMU_FEAT_FMT_AARCH64_16K)
		smmu->pgsize_bitmap |= 0x4000 | 0x2000000;
	if (smmu->features & ARM_SMMU_FEAT_FMT_AARCH64_64K)
		smmu->pgsize_bitmap |= 0x10000 | 0x20000000;
}

int arm_smmu_device_cfg_probe(struct arm_smmu_device *smmu, int force_stage,
			      bool disable_bypass)
{
	u32 id;
	int ret;

	dev_notice(smmu->dev, "probing hardware configuration...");
	dev_notice(smmu->dev, "SMMUv%d with:", smmu->version == ARM_SMMU_V2 ? 2 : 1);

	/* ID0 */
	id = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_ID0);
	if (force_stage == 1)
		id &= ~(ID0_S2TS | ID0_NTS);
	else if (force_stage == 2)
		id &= ~(ID0_S1TS | ID0_NTS);
	ret = probe_stages(smmu, id);
	if (ret)
		return ret;
	probe_walk_coherency(smmu, id);
	ret = probe_stream_map(smmu, id, disable_bypass);
	if (ret)
		return ret;
	if (smmu->version < ARM_SMMU_V2 || !(id & ID0_PTFS_NO_AARCH32)) {
		smmu->features |= ARM_SMMU_FEAT_FMT_AARCH32_L;
		if (!(id & ID0_PTFS_NO_AARCH32S))
			smmu->features |= ARM_SMMU_FEAT_FMT_AARCH32_S;
	}

	/* ID1 */
	ret = probe_context_banks(smmu, arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_ID1));
	if (ret)
		goto fail;

	/* ID2 */
	probe_sizes(smmu, arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_ID2));
	dev_notice(smmu->dev, "\tSupported page sizes: 0x%08lx", smmu->pgsize_bitmap);
	if (smmu->features & ARM_SMMU_FEAT_TRANS_S1)
		dev_notice(smmu->dev, "\tStage-1: %u-bit VA -> %u-bit IPA",
			   smmu->va_size, smmu->ipa_size);
	if (smmu->features & ARM_SMMU_FEAT_TRANS_S2)
		dev_notice(smmu->dev, "\tStage-2: %u-bit IPA -> %u-bit PA",
			   smmu->ipa_size, smmu->pa_size);
	if (smmu->impl && smmu->impl->cfg_probe) {
		ret = smmu->impl->cfg_probe(smmu);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	arm_smmu_sme_destroy(smmu);
	return ret;
}

void arm_smmu_write_s2cr(struct arm_smmu_device *smmu, int idx)
{
	const struct arm_smmu_s2cr *s2cr = &smmu->s2crs[idx];
	u32 reg;

	if (smmu->impl && smmu->impl->write_s2cr) {
		smmu->impl->write_s2cr(smmu, idx);
		return;
	}
	reg = ((u32)s2cr->type << S2CR_TYPE_SHIFT) | (s2cr->cbndx & S2CR_CBNDX_MASK);
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_S2CR(idx), reg);
}

static void arm_smmu_write_smr(struct arm_smmu_device *smmu, int idx)
{
	const struct arm_smmu_smr *smr = &smmu->smrs[idx];
	u32 reg = smr->id | ((u32)smr->mask << SMR_MASK_SHIFT);

	if (smr->valid)
		reg |= SMR_VALID;
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_SMR(idx), reg);
}

void arm_smmu_write_sme(struct arm_smmu_device *smmu, int idx)
{
	/* The S2CR first, so a newly valid SMR never points at a stale one. */
	arm_smmu_write_s2cr(smmu, idx);
	if (smmu->smrs)
		arm_smmu_write_smr(smmu, idx);
}

void arm_smmu_test_smr_masks(struct arm_smmu_device *smmu)
{
	unsigned i;
	u32 reg;

	if (!smmu->smrs)
		return;
	/* A free SMR serves as the probe; it is left invalid as it was. */
	for (i = 0; i < smmu->num_mapping_groups; i++)
		if (!smmu->smrs[i].valid)
			break;
	if (i == smmu->num_mapping_groups)
		return;

	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_SMR(i), smmu->streamid_mask);
	reg = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_SMR(i));
	smmu->streamid_mask = reg & SMR_ID_MASK;

	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_SMR(i),
			   (u32)smmu->streamid_mask << SMR_MASK_SHIFT);
	reg = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_SMR(i));
	smmu->smr_mask_mask = (reg >> SMR_MASK_SHIFT) & SMR_MASK_MASK;
	/* Put the probe SMR back as the shadow says. */
	arm_smmu_write_sme(smmu, (int)i);
}

void arm_smmu_write_context_bank(struct arm_smmu_device *smmu, unsigned idx)
{
	const struct arm_smmu_cb *cb = &smmu->cbs[idx];
	u32 reg;

	if (!cb->in_use) {
		arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_SCTLR, 0);
		return;
	}

	if (smmu->version > ARM_SMMU_V1) {
		reg = cb->fmt == ARM_SMMU_CTX_FMT_AARCH64 ? CBA2R_VA64 : 0;
		arm_smmu_gr1_write(smmu, ARM_SMMU_GR1_CBA2R(idx), reg);
	}

	reg = (CBAR_TYPE_S1_TRANS_S2_BYPASS << CBAR_TYPE_SHIFT) |
	      (CBAR_S1_BPSHCFG_NSH << CBAR_S1_BPSHCFG_SHIFT) |
	      (CBAR_S1_MEMATTR_WB << CBAR_S1_MEMATTR_SHIFT);
	if (smmu->version < ARM_SMMU_V2)
		reg |= (u32)cb->irptndx << CBAR_IRPTNDX_SHIFT;
	arm_smmu_gr1_write(smmu, ARM_SMMU_GR1_CBAR(idx), reg);

	if (smmu->version > ARM_SMMU_V1)
		arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_TCR2, cb->tcr2);
	arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_TCR, cb->tcr);
	arm_smmu_cb_writeq(smmu, idx, ARM_SMMU_CB_TTBR0, cb->ttbr0);
	arm_smmu_cb_writeq(smmu, idx, ARM_SMMU_CB_TTBR1, (u64)cb->asid << TTBRn_ASID_SHIFT);
	arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_S1_MAIR0, cb->mair0);
	arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_S1_MAIR1, cb->mair1);

	reg = SCTLR_CFIE | SCTLR_CFRE | SCTLR_AFE | SCTLR_TRE | SCTLR_M | SCTLR_ASIDPNE;
	if (smmu->impl && smmu->impl->write_sctlr)
		smmu->impl->write_sctlr(smmu, (int)idx, reg);
	else
		arm_smmu_cb_write(smmu, idx, ARM_SMMU_CB_SCTLR, reg);
}

/* Linux's __arm_smmu_tlb_sync: the impl's, or write the sync register and poll. */
static void __arm_smmu_tlb_sync(struct arm_smmu_device *smmu, int page, int sync, int status)
{
	if (smmu->impl && smmu->impl->tlb_sync) {
		smmu->impl->tlb_sync(smmu, page, sync, status);
		return;
	}
	arm_smmu_writel(smmu, page, sync, 0);
	for (unsigned i = 0; i < ARM_SMMU_TLB_SYNC_POLLS; i++) {
		if (!(arm_smmu_readl(smmu, page, status) & sTLBGSTATUS_GSACTIVE))
			return;
		kernel_sleep(1000);
	}
	dev_err(smmu->dev, "TLB sync timed out -- SMMU may be deadlocked");
}

void arm_smmu_tlb_sync_global(struct arm_smmu_device *smmu)
{
	__arm_smmu_tlb_sync(smmu, ARM_SMMU_GR0, ARM_SMMU_GR0_sTLBGSYNC, ARM_SMMU_GR0_sTLBGSTATUS);
}

void arm_smmu_tlb_sync_context(struct arm_smmu_device *smmu, unsigned cb)
{
	if (skip_tlbi())
		return;
	__arm_smmu_tlb_sync(smmu, ARM_SMMU_CB(smmu, cb), ARM_SMMU_CB_TLBSYNC,
			    ARM_SMMU_CB_TLBSTATUS);
}

void arm_smmu_tlb_inv_context(struct arm_smmu_device *smmu, unsigned cb)
{
	if (skip_tlbi())
		return;
	arm_smmu_cb_write(smmu, cb, ARM_SMMU_CB_S1_TLBIASID, smmu->cbs[cb].asid);
	arm_smmu_tlb_sync_context(smmu, cb);
}

void arm_smmu_tlb_inv_range(struct arm_smmu_device *smmu, unsigned cb, u64 iova,
			    size_t size, size_t granule, bool leaf)
{
	const struct arm_smmu_cb *c = &smmu->cbs[cb];
	u32 reg = leaf ? ARM_SMMU_CB_S1_TLBIVAL : ARM_SMMU_CB_S1_TLBIVA;

	if (skip_tlbi() || !granule)
		return;
	/* One invalidation per granule: a 2 MiB block leaf is one write. */
	if (c->fmt == ARM_SMMU_CTX_FMT_AARCH64) {
		u64 val = (iova >> 12) | ((u64)c->asid << 48);

		for (size_t done = 0; done < size; done += granule) {
			arm_smmu_cb_writeq(smmu, cb, reg, val);
			val += granule >> 12;
		}
	} else {
		u32 val = (u32)(iova & ~0xfffull) | c->asid;

		for (size_t done = 0; done < size; done += granule) {
			arm_smmu_cb_write(smmu, cb, reg, val);
			val += (u32)granule;
		}
	}
}

void arm_smmu_device_reset(struct arm_smmu_device *smmu, bool disable_bypass)
{
	u32 reg;

	/* Clear whatever global fault the firmware left. */
	reg = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSR);
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sGFSR, reg);

	for (unsigned i = 0; i < smmu->num_mapping_groups; i++)
		arm_smmu_write_sme(smmu, (int)i);

	for (unsigned i = 0; i < smmu->num_context_banks; i++) {
		arm_smmu_write_context_bank(smmu, i);
		arm_smmu_cb_write(smmu, i, ARM_SMMU_CB_FSR, FSR_FAULT);
	}

	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_TLBIALLH, 0);
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_TLBIALLNSNH, 0);

	reg = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sCR0);
	reg |= sCR0_GFRE | sCR0_GFIE | sCR0_GCFGFRE | sCR0_GCFGFIE;
	reg |= sCR0_VMIDPNE | sCR0_PTM;
	reg &= ~sCR0_CLIENTPD;
	if (disable_bypass)
		reg |= sCR0_USFCFG;
	else
		reg &= ~sCR0_USFCFG;
	reg &= ~(sCR0_FB | sCR0_BSU);
	if (smmu->features & ARM_SMMU_FEAT_VMID16)
		reg |= sCR0_VMID16EN;
	if (smmu->features & ARM_SMMU_FEAT_EXIDS)
		reg |= sCR0_EXIDENABLE;

	if (smmu->impl && smmu->impl->reset)
		smmu->impl->reset(smmu);

	/* Push the button. */
	arm_smmu_tlb_sync_global(smmu);
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sCR0, reg);
}

void arm_smmu_device_disable(struct arm_smmu_device *smmu)
{
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sCR0, sCR0_CLIENTPD);
}
