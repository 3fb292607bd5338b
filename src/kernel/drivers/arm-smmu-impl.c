/*
 * arm-smmu: implementation quirks (Linux: drivers/iommu/arm/arm-smmu/
 * arm-smmu-impl.c). arm_smmu_impl_init picks an implementation by the
 * model the match table gave and by compatible; the generic driver only
 * calls the hooks of struct arm_smmu_impl (arm-smmu.h).
 *
 * - ARM MMU-500: its reset clears sACR.CACHE_LOCK (r2p0 onwards; without
 *   that the context banks' ACTLR writes do not stick), lets unmatched and
 *   bypassing streams allocate TLB entries, and turns off the next-page
 *   prefetcher (ACTLR.CPRE) of every context bank (errata 841119, 826419).
 * - Cavium ThunderX (CN88xx): erratum 27704, its SMMUs share one TLB
 *   namespace, so each instance takes its own range of ASIDs: cfg_probe
 *   reserves num_context_banks of them, init_context offsets the domain's.
 *   It keeps that base in a wrapper around the smmu structure, the way
 *   every implementation with per-instance state does.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"

struct arm_smmu_device *arm_smmu_impl_realloc(struct arm_smmu_device *smmu, size_t size)
{
	struct arm_smmu_device *bigger;

	if (size < sizeof(*smmu))
		return smmu;
	bigger = kzalloc(size);
	if (!bigger)
		return NULL;
	memcpy(bigger, smmu, sizeof(*smmu));
	kfree(smmu);
	return bigger;
}

/* ---- ARM MMU-500 --------------------------------------------------------- */

#define ARM_MMU500_ACTLR_CPRE		BIT(1)
#define ARM_MMU500_ACR_CACHE_LOCK	BIT(26)
#define ARM_MMU500_ACR_S2CRB_TLBEN	BIT(10)
#define ARM_MMU500_ACR_SMTNMB_TLBEN	BIT(8)

int arm_mmu500_reset(struct arm_smmu_device *smmu)
{
	u32 id7 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_ID7);
	u32 major = (id7 >> ID7_MAJOR_SHIFT) & ID7_MAJOR_MASK;
	u32 reg = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sACR);

	/* r2p0 onwards: the ACTLRs below are locked until this bit is clear. */
	if (major >= 2)
		reg &= ~ARM_MMU500_ACR_CACHE_LOCK;
	reg |= ARM_MMU500_ACR_SMTNMB_TLBEN | ARM_MMU500_ACR_S2CRB_TLBEN;
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sACR, reg);

	for (unsigned i = 0; i < smmu->num_context_banks; i++) {
		reg = arm_smmu_cb_read(smmu, i, ARM_SMMU_CB_ACTLR);
		arm_smmu_cb_write(smmu, i, ARM_SMMU_CB_ACTLR, reg & ~ARM_MMU500_ACTLR_CPRE);
		reg = arm_smmu_cb_read(smmu, i, ARM_SMMU_CB_ACTLR);
		if (reg & ARM_MMU500_ACTLR_CPRE) {
			dev_warn(smmu->dev,
				 "Failed to disable prefetcher for errata workarounds, check SACR.CACHE_LOCK");
			break;
		}
	}
	return 0;
}

static const struct arm_smmu_impl arm_mmu500_impl = {
	.reset = arm_mmu500_reset,
};

/* ---- Cavium ThunderX ----------------------------------------------------- */

struct cavium_smmu {
	struct arm_smmu_device smmu;	/* first: arm_smmu_impl_realloc */
	u32 id_base;
};

_Static_assert(offsetof(struct cavium_smmu, smmu) == 0, "the smmu must come first");

static int cavium_cfg_probe(struct arm_smmu_device *smmu)
{
	struct cavium_smmu *cs = container_of(smmu, struct cavium_smmu, smmu);
	/* ASIDs handed out so far to the SMMUs of this module load. */
	u32 *context_count = &kstate->arm_smmu.cavium_context_count;

	cs->id_base = *context_count;
	*context_count += smmu->num_context_banks;
	dev_notice(smmu->dev, "\tenabling workaround for Cavium erratum 27704");
	return 0;
}

static int cavium_init_context(struct arm_smmu_domain *smmu_domain,
			       struct io_pgtable_cfg *cfg, struct device *dev)
{
	struct cavium_smmu *cs = container_of(smmu_domain->smmu, struct cavium_smmu, smmu);

	/* Stage 1 only in this driver: the ASID is the tag to offset. */
	smmu_domain->cfg.asid += (u16)cs->id_base;
	return 0;
}

static const struct arm_smmu_impl cavium_impl = {
	.cfg_probe = cavium_cfg_probe,
	.init_context = cavium_init_context,
};

static struct arm_smmu_device *cavium_smmu_impl_init(struct arm_smmu_device *smmu)
{
	struct arm_smmu_device *wrapped = arm_smmu_impl_realloc(smmu, sizeof(struct cavium_smmu));

	if (wrapped)
		wrapped->impl = &cavium_impl;
	return wrapped;
}

/* ---- Marvell Armada AP806 ------------------------------------------------- */

/*
 * Erratum #582743: 64-bit accesses to the SMMU fail, so each is split in
 * two 32-bit ones (high word first on reads), and the AArch64 table
 * formats are hidden so that contexts use the AArch32 long-descriptor
 * format, whose registers 32-bit accesses can program.
 */
static u64 mrvl_mmu500_readq(struct arm_smmu_device *smmu, int page, int off)
{
	u64 hi = arm_smmu_readl(smmu, page, off + 4);

	return (hi << 32) | arm_smmu_readl(smmu, page, off);
}

static void mrvl_mmu500_writeq(struct arm_smmu_device *smmu, int page, int off, u64 val)
{
	arm_smmu_writel(smmu, page, off + 4, (u32)(val >> 32));
	arm_smmu_writel(smmu, page, off, (u32)val);
}

static int mrvl_mmu500_cfg_probe(struct arm_smmu_device *smmu)
{
	smmu->features &= ~(ARM_SMMU_FEAT_FMT_AARCH64_4K | ARM_SMMU_FEAT_FMT_AARCH64_16K |
			    ARM_SMMU_FEAT_FMT_AARCH64_64K);
	return 0;
}

static const struct arm_smmu_impl mrvl_mmu500_impl = {
	.read_reg64 = mrvl_mmu500_readq,
	.write_reg64 = mrvl_mmu500_writeq,
	.cfg_probe = mrvl_mmu500_cfg_probe,
	.reset = arm_mmu500_reset,
};

/* ---- selection ------------------------------------------------------------ */

void arm_smmu_impl_module_init(struct arm_smmu_state *st)
{
	st->cavium_context_count = 0;
}

struct arm_smmu_device *arm_smmu_impl_init(struct arm_smmu_device *smmu, int *err)
{
	*err = -ENOMEM;
	/*
	 * The model's quirks first, so that a platform integration matched
	 * by compatible below (Qualcomm, NVIDIA, Marvell) can build on them.
	 */
	switch (smmu->model) {
	case ARM_MMU500:
		smmu->impl = &arm_mmu500_impl;
		break;
	case CAVIUM_SMMUV2:
		return cavium_smmu_impl_init(smmu);
	default:
		break;
	}
	if (of_device_is_compatible(smmu->dev->of_node, "nvidia,tegra234-smmu") ||
	    of_device_is_compatible(smmu->dev->of_node, "nvidia,tegra194-smmu") ||
	    of_device_is_compatible(smmu->dev->of_node, "nvidia,tegra186-smmu"))
		return nvidia_smmu_impl_init(smmu, err);
	smmu = qcom_smmu_impl_init(smmu, err);
	if (!smmu)
		return NULL;
	if (of_device_is_compatible(smmu->dev->of_node, "marvell,ap806-smmu-500"))
		smmu->impl = &mrvl_mmu500_impl;
	return smmu;
}
