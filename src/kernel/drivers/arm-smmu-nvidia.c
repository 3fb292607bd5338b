/*
 * arm-smmu: NVIDIA Tegra186/194/234 (Linux: drivers/iommu/arm/arm-smmu/
 * arm-smmu-nvidia.c). One node, `nvidia,smmu-500`, may hold two MMU-500
 * instances, one `reg` window each, that the memory controller uses
 * interleaved: they must be programmed identically. So every register
 * write goes to each instance, reads come from the first, a TLB sync
 * waits on each, and the fault handlers look at each. A node with one
 * window gets none of that. Either way the implementation replaces
 * MMU-500's (no sACR/ACTLR reset), as in Linux.
 *
 * The SMMU needs the memory controller its `nvidia,memory-controller`
 * names: -ENOENT without the property, -EPROBE_DEFER until tegra-mc has
 * bound it (tegra-mc.c). Each master's probe_finalize has the MC
 * program its memory clients' stream-ID overrides (tegra_mc_probe_device).
 */
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/drivers/platform-suppliers.h"
#include "kernel/of/of.h"

#define NVIDIA_SMMU_MAX_INSTANCES	2	/* Linux 6.12's MAX_SMMU_INSTANCES */

struct nvidia_smmu {
	struct arm_smmu_device smmu;	/* first: arm_smmu_impl_realloc */
	u64 bases[NVIDIA_SMMU_MAX_INSTANCES];
	unsigned num_instances;
	struct device *mc;		/* the memory controller's device */
};

static struct nvidia_smmu *to_nvidia_smmu(struct arm_smmu_device *smmu)
{
	return container_of(smmu, struct nvidia_smmu, smmu);
}

static u64 nvidia_smmu_page(struct arm_smmu_device *smmu, unsigned inst, int page)
{
	return to_nvidia_smmu(smmu)->bases[inst] + ((u64)(unsigned)page << smmu->pgshift);
}

static u32 nvidia_smmu_read_reg(struct arm_smmu_device *smmu, int page, int offset)
{
	return readl(nvidia_smmu_page(smmu, 0, page) + (unsigned)offset);
}

static void nvidia_smmu_write_reg(struct arm_smmu_device *smmu, int page, int offset, u32 val)
{
	for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++)
		writel(val, nvidia_smmu_page(smmu, i, page) + (unsigned)offset);
}

static u64 nvidia_smmu_read_reg64(struct arm_smmu_device *smmu, int page, int offset)
{
	return readq(nvidia_smmu_page(smmu, 0, page) + (unsigned)offset);
}

static void nvidia_smmu_write_reg64(struct arm_smmu_device *smmu, int page, int offset, u64 val)
{
	for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++)
		writeq(val, nvidia_smmu_page(smmu, i, page) + (unsigned)offset);
}

static void nvidia_smmu_tlb_sync(struct arm_smmu_device *smmu, int page, int sync, int status)
{
	arm_smmu_writel(smmu, page, sync, 0);
	for (unsigned poll = 0; poll < ARM_SMMU_TLB_SYNC_POLLS; poll++) {
		u32 active = 0;

		for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++)
			active |= readl(nvidia_smmu_page(smmu, i, page) + (unsigned)status) &
				  sTLBGSTATUS_GSACTIVE;
		if (!active)
			return;
	}
	dev_err(smmu->dev, "TLB sync timed out -- SMMU may be deadlocked");
}

static int nvidia_smmu_reset(struct arm_smmu_device *smmu)
{
	/* Clear each instance's global faults (write-one-to-clear). */
	for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++) {
		u64 gr0 = nvidia_smmu_page(smmu, i, ARM_SMMU_GR0);

		writel(readl(gr0 + ARM_SMMU_GR0_sGFSR), gr0 + ARM_SMMU_GR0_sGFSR);
	}
	return 0;
}

static irqreturn_t nvidia_smmu_global_fault(int irq, void *dev)
{
	struct arm_smmu_device *smmu = dev;
	irqreturn_t ret = IRQ_NONE;

	for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++) {
		u64 gr0 = nvidia_smmu_page(smmu, i, ARM_SMMU_GR0);
		u32 gfsr = readl(gr0 + ARM_SMMU_GR0_sGFSR);

		if (!gfsr)
			continue;
		dev_err(smmu->dev, "Unexpected global fault, this could be serious");
		dev_err(smmu->dev, "\tGFSR 0x%08x, GFSYNR0 0x%08x, GFSYNR1 0x%08x, GFSYNR2 0x%08x",
			gfsr, readl(gr0 + ARM_SMMU_GR0_sGFSYNR0), readl(gr0 + ARM_SMMU_GR0_sGFSYNR1),
			readl(gr0 + ARM_SMMU_GR0_sGFSYNR2));
		writel(gfsr, gr0 + ARM_SMMU_GR0_sGFSR);
		ret = IRQ_HANDLED;
	}
	return ret;
}

/* One domain's bank, on every instance (dev: the arm_smmu_domain). */
static irqreturn_t nvidia_smmu_context_fault(int irq, void *dev)
{
	struct arm_smmu_domain *d = dev;
	struct arm_smmu_device *smmu = d->smmu;
	irqreturn_t ret = IRQ_NONE;

	for (unsigned i = 0; i < to_nvidia_smmu(smmu)->num_instances; i++) {
		u64 cb = nvidia_smmu_page(smmu, i, ARM_SMMU_CB(smmu, d->cbndx));
		u64 gr1 = nvidia_smmu_page(smmu, i, ARM_SMMU_GR1);
		u32 fsr = readl(cb + ARM_SMMU_CB_FSR);

		if (!(fsr & FSR_FAULT))
			continue;
		dev_err(smmu->dev,
			"Unhandled context fault: fsr=0x%x, iova=0x%08llx, fsynr=0x%x, cbfrsynra=0x%x, cb=%d",
			fsr, (unsigned long long)readq(cb + ARM_SMMU_CB_FAR),
			readl(cb + ARM_SMMU_CB_FSYNR0),
			readl(gr1 + ARM_SMMU_GR1_CBFRSYNRA(d->cbndx)), d->cbndx);
		writel(fsr, cb + ARM_SMMU_CB_FSR);
		ret = IRQ_HANDLED;
	}
	return ret;
}

static void nvidia_smmu_probe_finalize(struct arm_smmu_device *smmu, struct device *dev)
{
	int err = tegra_mc_probe_device(to_nvidia_smmu(smmu)->mc, dev);

	if (err < 0)
		dev_err(smmu->dev, "memory controller probe failed for %s: %d\n",
			dev_name(dev), err);
}

static const struct arm_smmu_impl nvidia_smmu_impl = {
	.read_reg = nvidia_smmu_read_reg,
	.write_reg = nvidia_smmu_write_reg,
	.read_reg64 = nvidia_smmu_read_reg64,
	.write_reg64 = nvidia_smmu_write_reg64,
	.reset = nvidia_smmu_reset,
	.tlb_sync = nvidia_smmu_tlb_sync,
	.global_fault = nvidia_smmu_global_fault,
	.context_fault = nvidia_smmu_context_fault,
	.probe_finalize = nvidia_smmu_probe_finalize,
};

/* One instance: the generic accessors; the MC hook remains. */
static const struct arm_smmu_impl nvidia_smmu_single_impl = {
	.probe_finalize = nvidia_smmu_probe_finalize,
};

struct arm_smmu_device *nvidia_smmu_impl_init(struct arm_smmu_device *smmu, int *err)
{
	struct nvidia_smmu *nv;
	struct resource res;
	struct device *mc;

	/* devm_tegra_memory_controller_get: no message, as Linux. */
	*err = tegra_memory_controller_get(smmu->dev, &mc);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	smmu = arm_smmu_impl_realloc(smmu, sizeof(*nv));
	if (!smmu)
		return NULL;
	nv = to_nvidia_smmu(smmu);
	nv->mc = mc;
	for (unsigned i = 0; i < NVIDIA_SMMU_MAX_INSTANCES; i++) {
		if (of_address_to_resource(smmu->dev->of_node, (int)i, &res))
			break;
		nv->bases[nv->num_instances++] = res.start;
	}
	smmu->impl = nv->num_instances > 1 ? &nvidia_smmu_impl : &nvidia_smmu_single_impl;
	return smmu;
}
