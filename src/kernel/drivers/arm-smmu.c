/*
 * arm-smmu: the platform driver and IOMMU ops for ARM SMMUv1/v2, MMU-400,
 * MMU-401 and MMU-500 (Linux: drivers/iommu/arm/arm-smmu/arm-smmu.c).
 *
 * What a user can observe, as in Linux:
 * - stream-map entries (SMR + S2CR) are allocated when a master joins its
 *   IOMMU and shared, refcounted, between masters with covered IDs; those
 *   masters share a group. They stay when the master's driver unbinds and
 *   go only when the master leaves its bus (release_device);
 * - free S2CRs and unmatched streams bypass, or fault with
 *   arm-smmu.disable_bypass=1;
 * - a paging domain gets a stage-1 context bank at its first attach
 *   (ASID = bank index, offset by an implementation such as Cavium's);
 *   identity = S2CR bypass, blocked = S2CR fault;
 * - the legacy "mmu-masters" binding works only with the driver built in
 *   (as a module the SMMU probes but serves no master), its masters default
 *   to identity, and legacy and generic SMMUs do not mix.
 *
 * Test hook (not Linux): arm-smmu.lab_skip_tlbi=1 skips every TLB
 * invalidation so that the oracle's stale-IOTLB check can be exercised.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/module.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/pci/pci.h"
#include "kernel/drivers/arm-smmu-glue.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

/*
 * The module's data (parameters, binding, instances, ops, static domains)
 * is kernel state: struct arm_smmu_state, kstate->arm_smmu.
 */
static struct arm_smmu_state *smmu_state(void)
{
	return &kstate->arm_smmu;
}

/* The ops this kernel registers (fwspec->ops of every master). */
static struct iommu_ops *smmu_ops(void)
{
	return &kstate->arm_smmu.ops;
}

/* ---- per-instance and per-master state -------------------------------- */

struct arm_smmu_instance {
	struct list_head link;
	struct arm_smmu_device *smmu;	/* its own allocation: an impl may wrap it */
	struct iommu_device iommu;
	struct arm_smmu_domain *cb_domain[ARM_SMMU_MAX_CBS];
	unsigned irqs_requested;
	unsigned next_v1_irq;           /* round-robin context IRQ on v1 */
	bool registered;
};

struct arm_smmu_master_cfg {
	struct arm_smmu_device *smmu;
	unsigned num;
	int smendx[];
};

static struct arm_smmu_instance *to_instance(struct arm_smmu_device *smmu)
{
	return smmu->priv;
}

static struct arm_smmu_domain *to_smmu_domain(struct iommu_domain *dom)
{
	return container_of(dom, struct arm_smmu_domain, domain);
}

/* ---- stream-map entries ----------------------------------------------- */

static void arm_smmu_master_install_s2crs(struct arm_smmu_master_cfg *cfg,
					  enum arm_smmu_s2cr_type type, u8 cbndx)
{
	struct arm_smmu_device *smmu = cfg->smmu;

	for (unsigned i = 0; i < cfg->num; i++) {
		int idx = cfg->smendx[i];
		struct arm_smmu_s2cr *s2cr = &smmu->s2crs[idx];

		if (s2cr->type == type && s2cr->cbndx == cbndx)
			continue;
		s2cr->type = type;
		s2cr->cbndx = cbndx;
		arm_smmu_write_sme(smmu, idx);
	}
}

/* ---- TLB maintenance through io-pgtable -------------------------------- */

static void arm_smmu_tlb_flush_all(void *cookie)
{
	struct arm_smmu_domain *d = cookie;

	arm_smmu_tlb_inv_context(d->smmu, (unsigned)d->cbndx);
}

static void arm_smmu_tlb_flush_walk(unsigned long iova, size_t size, size_t granule,
				    void *cookie)
{
	struct arm_smmu_domain *d = cookie;

	arm_smmu_tlb_inv_range(d->smmu, (unsigned)d->cbndx, iova, size, granule, false);
	arm_smmu_tlb_sync_context(d->smmu, (unsigned)d->cbndx);
}

static void arm_smmu_tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
				  size_t granule, void *cookie)
{
	struct arm_smmu_domain *d = cookie;

	/* Lazy mode: the flush queue invalidates everything later. */
	if (gather && gather->queued)
		return;
	arm_smmu_tlb_inv_range(d->smmu, (unsigned)d->cbndx, iova, granule, granule, true);
}

static const struct iommu_flush_ops arm_smmu_flush_ops = {
	.tlb_flush_all = arm_smmu_tlb_flush_all,
	.tlb_flush_walk = arm_smmu_tlb_flush_walk,
	.tlb_add_page = arm_smmu_tlb_add_page,
};

/* ---- context banks ----------------------------------------------------- */

/* The first free bank from @start (Linux's __arm_smmu_alloc_bitmap). */
static int arm_smmu_alloc_cb(struct arm_smmu_device *smmu, unsigned start)
{
	for (unsigned i = start; i < smmu->num_context_banks; i++) {
		if (!smmu->context_map[i]) {
			smmu->context_map[i] = true;
			return (int)i;
		}
	}
	return -ENOSPC;
}

static int arm_smmu_alloc_context_bank(struct arm_smmu_domain *d, struct arm_smmu_device *smmu,
				       struct device *dev)
{
	int start = (int)smmu->num_s2_context_banks;

	if (smmu->impl && smmu->impl->alloc_context_bank)
		return smmu->impl->alloc_context_bank(d, smmu, dev, start);
	return arm_smmu_alloc_cb(smmu, (unsigned)start);
}

static u32 arm_smmu_lpae_tcr(const struct io_pgtable_cfg *cfg)
{
	u32 tcr = cfg->arm_lpae_s1_cfg.tcr.tsz |
		  ((u32)cfg->arm_lpae_s1_cfg.tcr.irgn << 8) |
		  ((u32)cfg->arm_lpae_s1_cfg.tcr.orgn << 10) |
		  ((u32)cfg->arm_lpae_s1_cfg.tcr.sh << 12) |
		  ((u32)cfg->arm_lpae_s1_cfg.tcr.tg << 14);

	/* Only TTBR0 is used: walks through TTBR1 are disabled (EPD1). */
	return tcr | BIT(23);
}

/* The table format a stage-1 context uses on @smmu, or NONE. */
static enum arm_smmu_context_fmt arm_smmu_s1_fmt(const struct arm_smmu_device *smmu)
{
	enum arm_smmu_context_fmt fmt = ARM_SMMU_CTX_FMT_NONE;

	if (smmu->features & ARM_SMMU_FEAT_FMT_AARCH32_L)
		fmt = ARM_SMMU_CTX_FMT_AARCH32_L;
	/*
	 * Linux prefers AArch64 whenever a granule is advertised, which on an
	 * MMU-401 (v1 with the 64K supplement) means AArch64/64K tables. SMMUv1
	 * has no CBA2R.VA64 to say so, and the lab's v1 model (docs/devices.md)
	 * walks the AArch32 long-descriptor format only: v1 keeps AArch32-L.
	 */
	if ((smmu->version == ARM_SMMU_V2 || fmt == ARM_SMMU_CTX_FMT_NONE) &&
	    (smmu->features & (ARM_SMMU_FEAT_FMT_AARCH64_4K | ARM_SMMU_FEAT_FMT_AARCH64_16K |
			       ARM_SMMU_FEAT_FMT_AARCH64_64K)))
		fmt = ARM_SMMU_CTX_FMT_AARCH64;
	return fmt;
}

static void arm_smmu_domain_unbind(struct arm_smmu_domain *d)
{
	d->smmu->context_map[d->cbndx] = false;
	d->smmu = NULL;
	d->cbndx = -1;
}

/* The shadow of the bank (replayed on reset) from the domain's cfg and tables. */
static void arm_smmu_init_context_bank(struct arm_smmu_domain *d,
				       const struct io_pgtable_cfg *pgtbl_cfg)
{
	struct arm_smmu_cb *cb = &d->smmu->cbs[d->cbndx];

	*cb = (struct arm_smmu_cb){
		.in_use = true,
		.fmt = d->cfg.fmt,
		.asid = d->cfg.asid,
		.irptndx = d->cfg.irptndx,
		.tcr = arm_smmu_lpae_tcr(pgtbl_cfg),
		.mair0 = (u32)pgtbl_cfg->arm_lpae_s1_cfg.mair,
		.mair1 = (u32)(pgtbl_cfg->arm_lpae_s1_cfg.mair >> 32),
	};
	if (d->cfg.fmt == ARM_SMMU_CTX_FMT_AARCH64)
		cb->tcr2 = pgtbl_cfg->arm_lpae_s1_cfg.tcr.ips | TCR2_SEP_UPSTREAM | TCR2_AS;
	else
		cb->tcr |= TCR_EAE;
	cb->ttbr0 = pgtbl_cfg->arm_lpae_s1_cfg.ttbr | ((u64)cb->asid << TTBRn_ASID_SHIFT);
}

static int arm_smmu_init_domain_context(struct arm_smmu_domain *d,
					struct arm_smmu_device *smmu, struct device *dev)
{
	struct arm_smmu_instance *inst = to_instance(smmu);
	enum arm_smmu_context_fmt fmt = arm_smmu_s1_fmt(smmu);
	struct io_pgtable_cfg pgtbl_cfg;
	enum io_pgtable_fmt pgtbl_fmt;
	unsigned ias, oas;
	int cbndx, ret;

	if (!(smmu->features & ARM_SMMU_FEAT_TRANS_S1)) {
		/* Stage-2-only SMMUs would need an S2 table format the lab lacks. */
		dev_err(smmu->dev, "no stage-1 translation: paging domains unsupported");
		return -EINVAL;
	}
	if (fmt == ARM_SMMU_CTX_FMT_NONE)
		return -EINVAL;
	if (fmt == ARM_SMMU_CTX_FMT_AARCH64) {
		pgtbl_fmt = ARM_64_LPAE_S1;
		ias = smmu->va_size;
		oas = smmu->ipa_size;
	} else {
		pgtbl_fmt = ARM_32_LPAE_S1;
		ias = MIN(smmu->va_size, 32u);
		oas = MIN(smmu->ipa_size, 40u);
	}

	cbndx = arm_smmu_alloc_context_bank(d, smmu, dev);
	if (cbndx < 0)
		return cbndx;
	if (cbndx >= (int)smmu->num_context_banks)
		return -ENOSPC;   /* an implementation's bank must exist */
	d->smmu = smmu;
	d->cbndx = cbndx;
	d->cfg = (struct arm_smmu_cfg){ .cbndx = (u8)cbndx, .asid = (u16)cbndx, .fmt = fmt };
	if (smmu->version == ARM_SMMU_V2)
		d->cfg.irptndx = (u8)cbndx;
	else
		d->cfg.irptndx = (u8)(inst->next_v1_irq++ % MAX(smmu->num_context_irqs, 1u));

	pgtbl_cfg = (struct io_pgtable_cfg){
		.pgsize_bitmap = smmu->pgsize_bitmap,
		.ias = ias,
		.oas = oas,
		.coherent_walk = smmu->features & ARM_SMMU_FEAT_COHERENT_WALK,
		.tlb = &arm_smmu_flush_ops,
		.alloc_table = io_pgtable_kernel_alloc_table,
		.free_table = io_pgtable_kernel_free_table,
	};
	if (smmu->impl && smmu->impl->init_context) {
		ret = smmu->impl->init_context(d, &pgtbl_cfg, dev);
		if (ret) {
			arm_smmu_domain_unbind(d);
			return ret;
		}
	}
	d->pgtbl_ops = alloc_io_pgtable_ops(pgtbl_fmt, &pgtbl_cfg, d);
	if (!d->pgtbl_ops) {
		arm_smmu_domain_unbind(d);
		return -ENOMEM;
	}

	d->domain.pgsize_bitmap = pgtbl_cfg.pgsize_bitmap;
	d->domain.geometry.aperture_start = 0;
	d->domain.geometry.aperture_end = (ias >= 64 ? ~0ull : (1ull << ias) - 1);
	d->domain.geometry.force_aperture = true;

	arm_smmu_init_context_bank(d, &pgtbl_cfg);
	inst->cb_domain[cbndx] = d;
	arm_smmu_write_context_bank(smmu, (unsigned)cbndx);
	return 0;
}

static void arm_smmu_destroy_domain_context(struct arm_smmu_domain *d)
{
	struct arm_smmu_device *smmu = d->smmu;

	if (!smmu)
		return;
	smmu->cbs[d->cbndx].in_use = false;
	arm_smmu_write_context_bank(smmu, (unsigned)d->cbndx);
	to_instance(smmu)->cb_domain[d->cbndx] = NULL;
	free_io_pgtable_ops(d->pgtbl_ops);
	d->pgtbl_ops = NULL;
	arm_smmu_domain_unbind(d);
}

/* ---- domain ops -------------------------------------------------------- */

static int arm_smmu_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);
	struct arm_smmu_domain *d = to_smmu_domain(domain);
	int ret;

	if (!cfg)
		return -ENODEV;
	if (!d->smmu) {
		ret = arm_smmu_init_domain_context(d, cfg->smmu, dev);
		if (ret)
			return ret;
	} else if (d->smmu != cfg->smmu) {
		return -EINVAL;
	}
	arm_smmu_master_install_s2crs(cfg, S2CR_TYPE_TRANS, (u8)d->cbndx);
	return 0;
}

static int arm_smmu_map_pages(struct iommu_domain *domain, u64 iova, u64 paddr,
			      size_t pgsize, size_t pgcount, int prot, size_t *mapped)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (!d->pgtbl_ops)
		return -ENODEV;
	return d->pgtbl_ops->map_pages(d->pgtbl_ops, iova, paddr, pgsize, pgcount, prot,
				       mapped);
}

static size_t arm_smmu_unmap_pages(struct iommu_domain *domain, u64 iova, size_t pgsize,
				   size_t pgcount, struct iommu_iotlb_gather *gather)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (!d->pgtbl_ops)
		return 0;
	return d->pgtbl_ops->unmap_pages(d->pgtbl_ops, iova, pgsize, pgcount, gather);
}

static void arm_smmu_flush_iotlb_all(struct iommu_domain *domain)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (d->smmu)
		arm_smmu_tlb_inv_context(d->smmu, (unsigned)d->cbndx);
}

static void arm_smmu_iotlb_sync(struct iommu_domain *domain,
				struct iommu_iotlb_gather *gather)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	/* The per-page TLBIVALs went out during unmap; wait for them. */
	if (d->smmu)
		arm_smmu_tlb_sync_context(d->smmu, (unsigned)d->cbndx);
}

static u64 arm_smmu_iova_to_phys(struct iommu_domain *domain, u64 iova)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (!d->pgtbl_ops)
		return 0;
	return d->pgtbl_ops->iova_to_phys(d->pgtbl_ops, iova);
}

static void arm_smmu_domain_free(struct iommu_domain *domain)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	arm_smmu_destroy_domain_context(d);
	kfree(d);
}

static const struct iommu_domain_ops arm_smmu_domain_ops = {
	.attach_dev = arm_smmu_attach_dev,
	.map_pages = arm_smmu_map_pages,
	.unmap_pages = arm_smmu_unmap_pages,
	.flush_iotlb_all = arm_smmu_flush_iotlb_all,
	.iotlb_sync = arm_smmu_iotlb_sync,
	.iova_to_phys = arm_smmu_iova_to_phys,
	.free = arm_smmu_domain_free,
};

static struct iommu_domain *arm_smmu_domain_alloc_paging(struct device *dev)
{
	struct arm_smmu_domain *d = kzalloc(sizeof(*d));

	if (!d)
		return NULL;
	d->cbndx = -1;
	d->domain.ops = &arm_smmu_domain_ops;
	return &d->domain;
}

static int arm_smmu_attach_static(struct device *dev, enum arm_smmu_s2cr_type type)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);

	if (!cfg)
		return -ENODEV;
	arm_smmu_master_install_s2crs(cfg, type, 0);
	return 0;
}

static int arm_smmu_attach_identity(struct iommu_domain *domain, struct device *dev)
{
	return arm_smmu_attach_static(dev, S2CR_TYPE_BYPASS);
}

static int arm_smmu_attach_blocked(struct iommu_domain *domain, struct device *dev)
{
	return arm_smmu_attach_static(dev, S2CR_TYPE_FAULT);
}

static const struct iommu_domain_ops arm_smmu_identity_ops = {
	.attach_dev = arm_smmu_attach_identity,
};

static const struct iommu_domain_ops arm_smmu_blocked_ops = {
	.attach_dev = arm_smmu_attach_blocked,
};


/* ---- masters ----------------------------------------------------------- */

static struct arm_smmu_device *arm_smmu_find_by_node(int node)
{
	struct arm_smmu_instance *inst;

	list_for_each_entry(inst, &smmu_state()->instances, link)
		if (inst->smmu->fdt_node == node)
			return inst->smmu;
	return NULL;
}

/* Stream IDs one mmu-masters entry may carry (Linux's MAX_PHANDLE_ARGS). */
#define ARM_SMMU_LEGACY_MAX_SIDS	16

/*
 * Finds @master in @smmu_np's mmu-masters list (<phandle sid...>, as many
 * sids as the target's #stream-id-cells) and copies its stream IDs into
 * @sids. Returns how many, 0 when it is not listed (or the list breaks
 * before it), -EINVAL when its entry has more than the driver takes.
 * Every count is checked against the cells left before it moves the
 * cursor or sizes a copy.
 */
static int arm_smmu_legacy_sids(const struct device_node *smmu_np,
				const struct device_node *master, u32 *sids)
{
	int n = of_property_count_u32_elems(smmu_np, "mmu-masters");
	u32 i = 0;

	while (n > 0 && i < (u32)n) {
		struct device_node *target;
		u32 ph, cells;

		if (of_property_read_u32_index(smmu_np, "mmu-masters", i, &ph))
			return 0;
		target = of_find_node_by_phandle(ph);
		if (!target || of_property_read_u32(target, "#stream-id-cells", &cells) ||
		    cells > (u32)n - i - 1)
			return 0;
		if (target == master) {
			if (cells > ARM_SMMU_LEGACY_MAX_SIDS)
				return -EINVAL;
			for (u32 k = 0; k < cells; k++)
				of_property_read_u32_index(smmu_np, "mmu-masters", i + 1 + k, &sids[k]);
			return (int)cells;
		}
		i += 1 + cells;
	}
	return 0;
}

/*
 * Legacy binding: the master is listed in some SMMU node's mmu-masters
 * with its own #stream-id-cells. Builds the fwspec from that list.
 */
static int arm_smmu_register_legacy_master(struct device *dev,
					   struct arm_smmu_device **out)
{
	const struct device_node *np = dev->of_node;
	struct arm_smmu_instance *inst;
	u32 cells;

	/* Without the legacy-binding support (a module), no master joins. */
	if (!smmu_glue_built_in())
		return -ENODEV;
	if (!np || of_property_read_u32(np, "#stream-id-cells", &cells))
		return -ENODEV;

	list_for_each_entry(inst, &smmu_state()->instances, link) {
		u32 sids[ARM_SMMU_LEGACY_MAX_SIDS];
		int n, ret;

		n = arm_smmu_legacy_sids(inst->smmu->dev->of_node, np, sids);
		if (n < 0)
			return n;
		if (!n)
			continue;
		ret = iommu_fwspec_init(dev, inst->smmu->fdt_node, smmu_ops());
		if (ret)
			return ret;
		ret = iommu_fwspec_add_ids(dev, sids, n);
		if (ret)
			return ret;
		*out = inst->smmu;
		return 0;
	}
	return -ENODEV;
}

static int arm_smmu_probe_device(struct device *dev, struct iommu_device **out)
{
	struct arm_smmu_device *smmu = NULL;
	struct arm_smmu_master_cfg *cfg;
	struct iommu_fwspec *fwspec;
	int ret;

	if (smmu_state()->using_legacy_binding) {
		ret = arm_smmu_register_legacy_master(dev, &smmu);
		if (ret)
			return ret;
		fwspec = dev_iommu_fwspec_get(dev);
	} else {
		fwspec = dev_iommu_fwspec_get(dev);
		if (!fwspec || fwspec->ops != smmu_ops())
			return -ENODEV;
		smmu = arm_smmu_find_by_node(fwspec->iommu_fwnode);
		if (!smmu)
			return -ENODEV;
	}
	if (!fwspec || !fwspec->num_ids)
		return -ENODEV;

	for (unsigned i = 0; i < fwspec->num_ids; i++) {
		u16 sid = fwspec->ids[i] & SMR_ID_MASK;
		u16 mask = (fwspec->ids[i] >> SMR_MASK_SHIFT) & SMR_MASK_MASK;

		if (sid & ~smmu->streamid_mask) {
			dev_err(dev, "stream ID 0x%x out of range for SMMU (0x%x)",
				sid, smmu->streamid_mask);
			return -EINVAL;
		}
		if (mask & ~smmu->smr_mask_mask) {
			dev_err(dev, "SMR mask 0x%x out of range for SMMU (0x%x)",
				mask, smmu->smr_mask_mask);
			return -EINVAL;
		}
	}

	cfg = kzalloc(sizeof(*cfg) + fwspec->num_ids * sizeof(cfg->smendx[0]));
	if (!cfg)
		return -ENOMEM;
	cfg->smmu = smmu;
	cfg->num = fwspec->num_ids;
	ret = arm_smmu_sme_get(smmu, fwspec->ids, fwspec->num_ids, cfg->smendx);
	if (ret) {
		kfree(cfg);
		return ret;
	}
	for (unsigned i = 0; i < cfg->num; i++)
		arm_smmu_write_sme(smmu, cfg->smendx[i]);
	dev_iommu_priv_set(dev, cfg);
	*out = &to_instance(smmu)->iommu;
	return 0;
}

static void arm_smmu_release_device(struct device *dev)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);

	if (!cfg)
		return;
	if (arm_smmu_sme_put(cfg->smmu, cfg->smendx, cfg->num)) {
		for (unsigned i = 0; i < cfg->num; i++)
			if (cfg->smendx[i] != INVALID_SMENDX)
				arm_smmu_write_sme(cfg->smmu, cfg->smendx[i]);
	}
	dev_iommu_priv_set(dev, NULL);
	kfree(cfg);
}

static int arm_smmu_device_group(struct device *dev, struct iommu_group **out)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);
	struct iommu_group *group = NULL;
	struct arm_smmu_device *smmu;
	int ret;

	if (!cfg)
		return -ENODEV;
	smmu = cfg->smmu;
	/* Masters sharing a stream-map entry cannot be told apart: one group. */
	for (unsigned i = 0; i < cfg->num; i++) {
		struct iommu_group *g = smmu->s2crs[cfg->smendx[i]].group;

		if (group && g && group != g)
			return -EINVAL;
		if (g)
			group = g;
	}
	if (group) {
		/* lab.bug=group-ref: 2016, the joining device took no group reference. */
		*out = lab_bug(LAB_BUG_GROUP_REF) ? group : iommu_group_ref_get(group);
	} else {
		/* arm_smmu_device_group: PCI masters group by aliases and ACS. */
		ret = dev_is_pci(dev) ? pci_device_group(dev, out) :
					smmu_glue_default_device_group(dev, out);
		if (ret)
			return ret;
		group = *out;
	}
	for (unsigned i = 0; i < cfg->num; i++)
		smmu->s2crs[cfg->smendx[i]].group = group;
	return 0;
}

static void arm_smmu_get_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *region;

	region = iommu_alloc_resv_region(MSI_IOVA_BASE, MSI_IOVA_LENGTH,
					 IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
					 IOMMU_RESV_SW_MSI);
	if (!region)
		return;
	list_add_tail(&region->list, list);
	iommu_dma_get_resv_regions(dev, list);
}

static int arm_smmu_of_xlate(struct device *dev, const struct of_phandle_args *args)
{
	struct arm_smmu_device *smmu = arm_smmu_find_by_node(args->np);
	u32 fwid = 0;

	if (args->args_count > 0)
		fwid |= args->args[0] & SMR_ID_MASK;
	if (args->args_count > 1)
		fwid |= (args->args[1] & SMR_MASK_MASK) << SMR_MASK_SHIFT;
	else if (smmu)   /* its stream-match-mask, read at probe (0: none) */
		fwid |= (smmu->stream_match_mask & SMR_MASK_MASK) << SMR_MASK_SHIFT;
	return iommu_fwspec_add_ids(dev, &fwid, 1);
}

static int arm_smmu_def_domain_type(struct device *dev)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);
	const struct arm_smmu_impl *impl = cfg ? cfg->smmu->impl : NULL;

	/* Legacy masters get no DMA-API translation, as in Linux. */
	if (smmu_state()->using_legacy_binding)
		return (int)IOMMU_DOMAIN_IDENTITY;
	if (impl && impl->def_domain_type)
		return impl->def_domain_type(dev);
	return 0;
}

static void arm_smmu_probe_finalize(struct device *dev)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);

	if (cfg && cfg->smmu->impl && cfg->smmu->impl->probe_finalize)
		cfg->smmu->impl->probe_finalize(cfg->smmu, dev);
}

static bool arm_smmu_capable(struct device *dev, enum iommu_cap cap)
{
	struct arm_smmu_master_cfg *cfg = dev_iommu_priv_get(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return cfg && (cfg->smmu->features & ARM_SMMU_FEAT_COHERENT_WALK);
	case IOMMU_CAP_NOEXEC:
	case IOMMU_CAP_DEFERRED_FLUSH:
		return true;
	}
	return false;
}

/* The constant part of the ops: arm_smmu_state_load copies it into the kernel state. */
static const struct iommu_ops arm_smmu_ops = {
	.capable = arm_smmu_capable,
	.domain_alloc_paging = arm_smmu_domain_alloc_paging,
	.probe_device = arm_smmu_probe_device,
	.release_device = arm_smmu_release_device,
	.probe_finalize = arm_smmu_probe_finalize,
	.device_group = arm_smmu_device_group,
	.get_resv_regions = arm_smmu_get_resv_regions,
	.of_xlate = arm_smmu_of_xlate,
	.def_domain_type = arm_smmu_def_domain_type,
	.default_domain_ops = &arm_smmu_domain_ops,
	.pgsize_bitmap = ~0ull,   /* narrowed when the first SMMU probes */
};

void arm_smmu_state_init(struct arm_smmu_state *st)
{
	INIT_LIST_HEAD(&st->instances);
}

void arm_smmu_state_load(struct arm_smmu_state *st)
{
	st->using_legacy_binding = st->using_generic_binding = false;
	INIT_LIST_HEAD(&st->instances);
	st->identity_domain = (struct iommu_domain){
		.type = IOMMU_DOMAIN_IDENTITY, .ops = &arm_smmu_identity_ops,
	};
	st->blocked_domain = (struct iommu_domain){
		.type = IOMMU_DOMAIN_BLOCKED, .ops = &arm_smmu_blocked_ops,
	};
	st->ops = arm_smmu_ops;
	st->ops.identity_domain = &st->identity_domain;
	st->ops.blocked_domain = &st->blocked_domain;
	/* THIS_MODULE: pinned while masters use the ops (NULL when built in). */
	st->ops.owner = smmu_glue_module();
	arm_smmu_impl_module_init(st);
}

/* ---- interrupts --------------------------------------------------------- */

/* One domain's context bank (Linux's context_fault: dev is the domain). */
static irqreturn_t arm_smmu_context_fault(int irq, void *dev)
{
	struct arm_smmu_domain *d = dev;
	struct arm_smmu_device *smmu = d->smmu;
	unsigned cb = (unsigned)d->cbndx;
	u32 fsr, fsynr, cbfrsynra;
	u64 far;
	int ret;

	fsr = arm_smmu_cb_read(smmu, cb, ARM_SMMU_CB_FSR);
	if (!(fsr & FSR_FAULT))
		return IRQ_NONE;
	far = arm_smmu_cb_readq(smmu, cb, ARM_SMMU_CB_FAR);
	fsynr = arm_smmu_cb_read(smmu, cb, ARM_SMMU_CB_FSYNR0);
	cbfrsynra = arm_smmu_gr1_read(smmu, ARM_SMMU_GR1_CBFRSYNRA(cb));
	ret = report_iommu_fault(&d->domain, NULL, far,
				 (fsynr & FSYNR0_WNR) ? IOMMU_FAULT_WRITE : IOMMU_FAULT_READ);
	if (ret == -ENOSYS)
		dev_err(smmu->dev,
			"Unhandled context fault: fsr=0x%x, iova=0x%08llx, fsynr=0x%x, cbfrsynra=0x%x, cb=%u",
			fsr, (unsigned long long)far, fsynr, cbfrsynra, cb);
	arm_smmu_cb_write(smmu, cb, ARM_SMMU_CB_FSR, fsr);
	return IRQ_HANDLED;
}

/* Context IRQs may be shared (v1, or one line listed several times). */
static int arm_smmu_context_faults(struct arm_smmu_instance *inst, u32 irq)
{
	struct arm_smmu_device *smmu = inst->smmu;
	irqreturn_t (*handler)(int irq, void *dev) = arm_smmu_context_fault;
	int handled = IRQ_NONE;

	if (smmu->impl && smmu->impl->context_fault)
		handler = smmu->impl->context_fault;
	for (unsigned cb = 0; cb < smmu->num_context_banks; cb++) {
		struct arm_smmu_domain *d = inst->cb_domain[cb];

		if (d && smmu->irqs[smmu->num_global_irqs + smmu->cbs[cb].irptndx] == irq)
			handled |= handler((int)irq, d);
	}
	return handled;
}

/* Linux's global_fault: dev is the smmu. */
static irqreturn_t arm_smmu_global_fault(int irq, void *dev)
{
	struct arm_smmu_device *smmu = dev;
	u32 gfsr, gfsynr0, gfsynr1, gfsynr2;

	gfsr = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSR);
	if (!gfsr)
		return IRQ_NONE;
	gfsynr0 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR0);
	gfsynr1 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR1);
	gfsynr2 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR2);

	if (smmu_state()->param.disable_bypass && (gfsr & sGFSR_USF)) {
		dev_err(smmu->dev,
			"Blocked unknown Stream ID 0x%hx; boot with \"arm-smmu.disable_bypass=0\" to allow, but this may have security implications",
			(unsigned short)(gfsynr1 & sGFSYNR1_SID_MASK));
	} else {
		dev_err(smmu->dev, "Unexpected global fault, this could be serious");
		dev_err(smmu->dev, "\tGFSR 0x%08x, GFSYNR0 0x%08x, GFSYNR1 0x%08x, GFSYNR2 0x%08x",
			gfsr, gfsynr0, gfsynr1, gfsynr2);
	}
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sGFSR, gfsr);
	return IRQ_HANDLED;
}

static void arm_smmu_free_irqs(struct arm_smmu_instance *inst)
{
	struct arm_smmu_device *smmu = inst->smmu;

	while (inst->irqs_requested) {
		unsigned i = --inst->irqs_requested;

		/* A line listed twice was requested once. */
		bool dup = false;
		for (unsigned j = 0; j < i; j++)
			dup |= smmu->irqs[j] == smmu->irqs[i];
		if (!dup)
			smmu_glue_free_irq(smmu->irqs[i], inst);
	}
}

static int arm_smmu_request_irqs(struct arm_smmu_instance *inst)
{
	struct arm_smmu_device *smmu = inst->smmu;
	unsigned total = smmu->num_global_irqs + smmu->num_context_irqs;

	for (unsigned i = 0; i < total; i++) {
		bool global = i < smmu->num_global_irqs;
		bool dup = false;
		int ret;

		for (unsigned j = 0; j < i; j++)
			dup |= smmu->irqs[j] == smmu->irqs[i];
		if (!dup) {
			/* One handler per line; it checks global and context state. */
			ret = smmu_glue_request_irq(smmu->irqs[i],
						    global ? "arm-smmu global fault" :
							     "arm-smmu-context-fault", inst);
			if (ret) {
				dev_err(smmu->dev, "failed to request %s irq %u",
					global ? "global" : "context", i);
				arm_smmu_free_irqs(inst);
				return ret;
			}
		}
		inst->irqs_requested = i + 1;
	}
	return 0;
}

/* Called by the glue for each raised line the instance requested. */
int arm_smmu_irq_handler(u32 irq, void *data)
{
	struct arm_smmu_instance *inst = data;
	struct arm_smmu_device *smmu = inst->smmu;
	irqreturn_t (*global_fault)(int irq, void *dev) = arm_smmu_global_fault;
	int handled = IRQ_NONE;

	if (smmu->impl && smmu->impl->global_fault)
		global_fault = smmu->impl->global_fault;
	for (unsigned i = 0; i < smmu->num_global_irqs; i++)
		if (smmu->irqs[i] == irq) {
			handled |= global_fault((int)irq, smmu);
			break;
		}
	handled |= arm_smmu_context_faults(inst, irq);
	return handled;
}

/* ---- probe / remove ----------------------------------------------------- */

struct arm_smmu_match_data {
	enum arm_smmu_version version;
	enum arm_smmu_model model;
};

static const struct arm_smmu_match_data smmu_generic_v1 = { ARM_SMMU_V1, GENERIC_SMMU };
static const struct arm_smmu_match_data smmu_generic_v2 = { ARM_SMMU_V2, GENERIC_SMMU };
static const struct arm_smmu_match_data arm_mmu401 = { ARM_SMMU_V1_64K, GENERIC_SMMU };
static const struct arm_smmu_match_data arm_mmu500 = { ARM_SMMU_V2, ARM_MMU500 };

static const struct arm_smmu_match_data cavium_smmuv2 = { ARM_SMMU_V2, CAVIUM_SMMUV2 };
static const struct arm_smmu_match_data qcom_smmuv2 = { ARM_SMMU_V2, QCOM_SMMUV2 };

const struct of_device_id arm_smmu_of_match[] = {
	{ .compatible = "arm,smmu-v1", .data = &smmu_generic_v1 },
	{ .compatible = "arm,smmu-v2", .data = &smmu_generic_v2 },
	{ .compatible = "arm,mmu-400", .data = &smmu_generic_v1 },
	{ .compatible = "arm,mmu-401", .data = &arm_mmu401 },
	{ .compatible = "arm,mmu-500", .data = &arm_mmu500 },
	{ .compatible = "cavium,smmu-v2", .data = &cavium_smmuv2 },
	{ .compatible = "nvidia,smmu-500", .data = &arm_mmu500 },
	{ .compatible = "qcom,smmu-v2", .data = &qcom_smmuv2 },
	{ NULL, NULL },
};

/* Decides legacy vs generic for this SMMU, as the first SMMU decides for all. */
static int arm_smmu_check_binding(struct device *dev)
{
	struct arm_smmu_state *st = smmu_state();
	bool legacy = of_property_read_bool(dev->of_node, "mmu-masters");

	if (legacy && !st->using_generic_binding) {
		/*
		 * Linux supports the legacy binding only with the driver built
		 * in (ARM_SMMU_LEGACY_DT_BINDINGS depends on ARM_SMMU=y). As a
		 * module the SMMU still probes and resets, but no master is
		 * registered with it: "SMMU support unavailable".
		 */
		if (!st->using_legacy_binding)
			pr_notice("arm-smmu: deprecated \"mmu-masters\" DT property in use; %s support unavailable",
				  smmu_glue_built_in() ? "DMA API" : "SMMU");
		st->using_legacy_binding = true;
		return 0;
	}
	if (!legacy && !st->using_legacy_binding) {
		st->using_generic_binding = true;
		return 0;
	}
	dev_err(dev, "not probing due to mismatched DT properties");
	return -ENODEV;
}

static int arm_smmu_dt_probe(struct arm_smmu_device *smmu, struct device *dev)
{
	const struct device_node *np = dev->of_node;
	const struct of_device_id *match;
	const struct arm_smmu_match_data *data;
	u32 global_irqs;
	int ret;

	/*
	 * The best match is the node's most specific compatible the table
	 * knows (of_match_node scores by position in the node's list):
	 * "arm,mmu-401", "arm,smmu-v1" is an MMU-401, not a generic v1.
	 */
	match = of_match_node(arm_smmu_of_match, np);
	if (!match)
		return -ENODEV;
	data = match->data;
	smmu->version = data->version;
	smmu->model = data->model;

	if (of_property_read_u32(np, "#global-interrupts", &global_irqs))
		return dev_err_probe(dev, -ENODEV, "missing #global-interrupts property\n");
	smmu->num_global_irqs = global_irqs;
	ret = arm_smmu_check_binding(dev);
	if (ret)
		return ret;
	smmu->legacy = smmu_state()->using_legacy_binding;
	if (of_property_read_bool(np, "dma-coherent"))
		smmu->features |= ARM_SMMU_FEAT_COHERENT_WALK;
	if (of_property_read_u32(np, "stream-match-mask", &smmu->stream_match_mask))
		smmu->stream_match_mask = 0;
	return 0;
}

/*
 * The node's interrupts: #global-interrupts global ones, then at least one
 * context interrupt. The count from the tree is checked before it sizes
 * or indexes anything: Linux computes the context count as an int from
 * its u32 #global-interrupts, and refuses any count that leaves none,
 * with that int in the message ("expected at least -2147483647" for
 * 0x80000000); a count past the listed interrupts is refused the same way
 * here whatever its sign as an int.
 */
static int arm_smmu_get_irqs(struct arm_smmu_device *smmu, struct device *dev)
{
	const struct device_node *np = dev->of_node;
	u32 global_irqs = smmu->num_global_irqs;
	int num_irqs = of_irq_count(np);

	if (num_irqs > ARM_SMMU_MAX_IRQS)
		num_irqs = ARM_SMMU_MAX_IRQS;   /* more than any bank can use */
	if (global_irqs >= (u32)num_irqs)
		return dev_err_probe(dev, -ENODEV,
				     "found %d interrupts but expected at least %d\n",
				     num_irqs, (int)(global_irqs + 1));
	smmu->irqs = kcalloc((size_t)num_irqs, sizeof(*smmu->irqs));
	if (!smmu->irqs)
		return -ENOMEM;
	for (int i = 0; i < num_irqs; i++) {
		int irq = of_irq_get(np, i);

		if (irq < 0)
			return irq;
		smmu->irqs[i] = (u32)irq;
	}
	smmu->num_context_irqs = (unsigned)num_irqs - global_irqs;
	return 0;
}

static void arm_smmu_instance_free(struct arm_smmu_instance *inst)
{
	if (inst->smmu) {
		arm_smmu_sme_destroy(inst->smmu);
		kfree(inst->smmu->irqs);
		kfree(inst->smmu);
	}
	kfree(inst);
}

static void arm_smmu_forget_binding(void)
{
	struct arm_smmu_state *st = smmu_state();

	if (list_empty(&st->instances))
		st->using_legacy_binding = st->using_generic_binding = false;
}

/* The instance and its smmu, each its own allocation (an impl may wrap the smmu). */
static struct arm_smmu_instance *arm_smmu_instance_alloc(struct device *dev)
{
	struct arm_smmu_instance *inst = kzalloc(sizeof(*inst));

	if (!inst)
		return NULL;
	inst->smmu = kzalloc(sizeof(*inst->smmu));
	if (!inst->smmu) {
		kfree(inst);
		return NULL;
	}
	INIT_LIST_HEAD(&inst->link);
	inst->smmu->dev = dev;
	inst->smmu->fdt_node = smmu_glue_dev_fdt_node(dev);
	inst->smmu->priv = inst;
	return inst;
}

/* Resources, the ID registers and the interrupt count: everything before the IRQs. */
static int arm_smmu_probe_hw(struct arm_smmu_device *smmu, struct device *dev)
{
	struct resource res;
	int ret;

	if (of_address_to_resource(dev->of_node, 0, &res)) {
		dev_err(dev, "no register window");
		return -ENODEV;
	}
	smmu->base = res.start;
	smmu->size = resource_size(&res);
	ret = arm_smmu_get_irqs(smmu, dev);
	if (ret)
		return ret;
	ret = arm_smmu_device_cfg_probe(smmu, smmu_state()->param.force_stage,
					smmu_state()->param.disable_bypass);
	if (ret)
		return ret;
	if (smmu->version == ARM_SMMU_V2) {
		if (smmu->num_context_banks > smmu->num_context_irqs) {
			dev_err(dev, "found only %u context irq(s) but %u required",
				smmu->num_context_irqs, smmu->num_context_banks);
			return -ENODEV;
		}
		/* Superfluous context interrupts are ignored. */
		smmu->num_context_irqs = smmu->num_context_banks;
	}
	return 0;
}

int arm_smmu_device_probe(struct device *dev)
{
	struct arm_smmu_instance *inst;
	struct arm_smmu_device *smmu;
	int ret;

	if (!dev->of_node || smmu_glue_dev_fdt_node(dev) < 0)
		return -ENODEV;
	inst = arm_smmu_instance_alloc(dev);
	if (!inst)
		return -ENOMEM;

	ret = arm_smmu_dt_probe(inst->smmu, dev);
	if (ret)
		goto out_free;
	ret = -ENOMEM;
	smmu = arm_smmu_impl_init(inst->smmu, &ret);
	if (!smmu)
		goto out_free;
	inst->smmu = smmu;
	ret = arm_smmu_probe_hw(smmu, dev);
	if (ret)
		goto out_free;

	if (smmu_ops()->pgsize_bitmap == ~0ull)
		smmu_ops()->pgsize_bitmap = smmu->pgsize_bitmap;
	else
		smmu_ops()->pgsize_bitmap |= smmu->pgsize_bitmap;

	ret = arm_smmu_request_irqs(inst);
	if (ret)
		goto out_free;

	/* The hardware is reset before masters are attached. */
	arm_smmu_device_reset(smmu, smmu_state()->param.disable_bypass);
	arm_smmu_test_smr_masks(smmu);

	ret = iommu_device_sysfs_add(&inst->iommu, dev, "smmu.0x%016llx",
				     (unsigned long long)smmu->base);
	if (ret)
		goto out_irqs;
	dev_set_drvdata(dev, inst);
	list_add_tail(&inst->link, &smmu_state()->instances);
	ret = iommu_device_register(&inst->iommu, smmu_ops(),
				    smmu_state()->using_legacy_binding ? NULL : dev);
	if (ret) {
		dev_err(dev, "Failed to register iommu");
		list_del(&inst->link);
		dev_set_drvdata(dev, NULL);
		iommu_device_sysfs_remove(&inst->iommu);
		goto out_irqs;
	}
	inst->registered = true;
	return 0;

out_irqs:
	arm_smmu_free_irqs(inst);
	arm_smmu_device_disable(smmu);
out_free:
	arm_smmu_instance_free(inst);
	arm_smmu_forget_binding();
	return ret;
}

void arm_smmu_device_remove(struct device *dev)
{
	struct arm_smmu_instance *inst = dev_get_drvdata(dev);

	if (!inst)
		return;
	if (inst->registered)
		iommu_device_unregister(&inst->iommu);
	iommu_device_sysfs_remove(&inst->iommu);
	list_del(&inst->link);
	/* Turn the SMMU off: every stream bypasses, as Linux leaves it. */
	arm_smmu_device_disable(inst->smmu);
	arm_smmu_free_irqs(inst);
	dev_set_drvdata(dev, NULL);
	arm_smmu_instance_free(inst);
	arm_smmu_forget_binding();
}

struct arm_smmu_device *arm_smmu_from_dev(struct device *dev)
{
	struct arm_smmu_instance *inst;

	list_for_each_entry(inst, &smmu_state()->instances, link)
		if (inst->smmu->dev == dev)
			return inst->smmu;
	return NULL;
}

/*
 * The kernel configuration the lab's arm-smmu is built with, where Linux
 * has a choice: CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT is "default y"
 * in drivers/iommu/Kconfig and y in Debian's arm64 kernel, so a stream
 * the kernel knows nothing about faults ("Blocked unknown Stream ID")
 * unless the command line says arm-smmu.disable_bypass=0.
 */
#define CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT	1
#define ARM_SMMU_BOOL_DEFAULT(c)			((c) ? "Y" : "N")

/* Module parameters (module_param in Linux; read-only after load). */
const struct kernel_param arm_smmu_params[] = {
	{ .name = "disable_bypass", .type = PARAM_BOOL,
	  KPARAM_STATE(arm_smmu.param.disable_bypass), .perm = 0444,
	  .def = ARM_SMMU_BOOL_DEFAULT(CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT) },
	{ .name = "force_stage", .type = PARAM_INT,
	  KPARAM_STATE(arm_smmu.param.force_stage), .perm = 0444, .def = "0" },
	/* Test hook, not Linux: skip every TLB invalidation (stale-IOTLB tests). */
	{ .name = "lab_skip_tlbi", .type = PARAM_BOOL,
	  KPARAM_STATE(arm_smmu.param.lab_skip_tlbi), .perm = 0644, .def = "N" },
	{ .name = NULL },
};
