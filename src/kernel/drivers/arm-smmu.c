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
 *   (ASID = bank index); identity = S2CR bypass, blocked = S2CR fault;
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

#include <libfdt.h>

#include "common/dt.h"
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/drivers/arm-smmu-glue.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"

/* ---- module parameters ------------------------------------------------ */

static bool disable_bypass;
static int force_stage;

/* Which binding the SMMUs of this boot use: the first one probed decides. */
static bool using_legacy_binding, using_generic_binding;

/* ---- per-instance and per-master state -------------------------------- */

struct arm_smmu_instance {
	struct list_head link;
	struct arm_smmu_device smmu;
	struct iommu_device iommu;
	struct arm_smmu_domain *cb_domain[ARM_SMMU_MAX_CBS];
	unsigned irqs_requested;
	unsigned next_v1_irq;           /* round-robin context IRQ on v1 */
	bool registered;
};

static LIST_HEAD(arm_smmu_instances);

struct arm_smmu_master_cfg {
	struct arm_smmu_device *smmu;
	unsigned num;
	int smendx[];
};

struct arm_smmu_domain {
	struct iommu_domain domain;
	struct arm_smmu_device *smmu;   /* bound at the first attach */
	struct io_pgtable_ops *pgtbl_ops;
	int cbndx;
	enum arm_smmu_context_fmt fmt;
};

static struct arm_smmu_instance *to_instance(struct arm_smmu_device *smmu)
{
	return container_of(smmu, struct arm_smmu_instance, smmu);
}

static struct arm_smmu_domain *to_smmu_domain(struct iommu_domain *dom)
{
	return container_of(dom, struct arm_smmu_domain, domain);
}

static struct iommu_ops arm_smmu_ops;

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

static int arm_smmu_alloc_cb(struct arm_smmu_device *smmu)
{
	for (unsigned i = smmu->num_s2_context_banks; i < smmu->num_context_banks; i++) {
		if (!smmu->context_map[i]) {
			smmu->context_map[i] = true;
			return (int)i;
		}
	}
	return -ENOSPC;
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

static int arm_smmu_init_domain_context(struct arm_smmu_domain *d,
					struct arm_smmu_device *smmu)
{
	struct arm_smmu_instance *inst = to_instance(smmu);
	struct io_pgtable_cfg pgtbl_cfg;
	enum io_pgtable_fmt fmt;
	struct arm_smmu_cb *cb;
	unsigned ias, oas;
	int cbndx;

	if (!(smmu->features & ARM_SMMU_FEAT_TRANS_S1)) {
		/* Stage-2-only SMMUs would need an S2 table format the lab lacks. */
		dev_err(smmu->dev, "no stage-1 translation: paging domains unsupported");
		return -EINVAL;
	}

	d->fmt = ARM_SMMU_CTX_FMT_NONE;
	if (smmu->features & ARM_SMMU_FEAT_FMT_AARCH32_L)
		d->fmt = ARM_SMMU_CTX_FMT_AARCH32_L;
	/*
	 * Linux prefers AArch64 whenever a granule is advertised, which on an
	 * MMU-401 (v1 with the 64K supplement) means AArch64/64K tables. SMMUv1
	 * has no CBA2R.VA64 to say so, and the lab's v1 model (docs/devices.md)
	 * walks the AArch32 long-descriptor format only: v1 keeps AArch32-L.
	 */
	if ((smmu->version == ARM_SMMU_V2 || d->fmt == ARM_SMMU_CTX_FMT_NONE) &&
	    (smmu->features & (ARM_SMMU_FEAT_FMT_AARCH64_4K | ARM_SMMU_FEAT_FMT_AARCH64_16K |
			       ARM_SMMU_FEAT_FMT_AARCH64_64K)))
		d->fmt = ARM_SMMU_CTX_FMT_AARCH64;
	if (d->fmt == ARM_SMMU_CTX_FMT_NONE)
		return -EINVAL;

	if (d->fmt == ARM_SMMU_CTX_FMT_AARCH64) {
		fmt = ARM_64_LPAE_S1;
		ias = smmu->va_size;
		oas = smmu->ipa_size;
	} else {
		fmt = ARM_32_LPAE_S1;
		ias = MIN(smmu->va_size, 32u);
		oas = MIN(smmu->ipa_size, 40u);
	}

	cbndx = arm_smmu_alloc_cb(smmu);
	if (cbndx < 0)
		return cbndx;
	d->smmu = smmu;
	d->cbndx = cbndx;

	pgtbl_cfg = (struct io_pgtable_cfg){
		.pgsize_bitmap = smmu->pgsize_bitmap,
		.ias = ias,
		.oas = oas,
		.coherent_walk = smmu->features & ARM_SMMU_FEAT_COHERENT_WALK,
		.tlb = &arm_smmu_flush_ops,
		.alloc_table = io_pgtable_kernel_alloc_table,
		.free_table = io_pgtable_kernel_free_table,
	};
	d->pgtbl_ops = alloc_io_pgtable_ops(fmt, &pgtbl_cfg, d);
	if (!d->pgtbl_ops) {
		smmu->context_map[cbndx] = false;
		d->smmu = NULL;
		d->cbndx = -1;
		return -ENOMEM;
	}

	d->domain.pgsize_bitmap = pgtbl_cfg.pgsize_bitmap;
	d->domain.geometry.aperture_start = 0;
	d->domain.geometry.aperture_end = (ias >= 64 ? ~0ull : (1ull << ias) - 1);
	d->domain.geometry.force_aperture = true;

	cb = &smmu->cbs[cbndx];
	*cb = (struct arm_smmu_cb){
		.in_use = true,
		.fmt = d->fmt,
		.asid = (u16)cbndx,
		.tcr = arm_smmu_lpae_tcr(&pgtbl_cfg),
		.mair0 = (u32)pgtbl_cfg.arm_lpae_s1_cfg.mair,
		.mair1 = (u32)(pgtbl_cfg.arm_lpae_s1_cfg.mair >> 32),
	};
	if (d->fmt == ARM_SMMU_CTX_FMT_AARCH64)
		cb->tcr2 = pgtbl_cfg.arm_lpae_s1_cfg.tcr.ips | TCR2_SEP_UPSTREAM | TCR2_AS;
	else
		cb->tcr |= TCR_EAE;
	cb->ttbr0 = pgtbl_cfg.arm_lpae_s1_cfg.ttbr | ((u64)cb->asid << TTBRn_ASID_SHIFT);
	if (smmu->version == ARM_SMMU_V2) {
		cb->irptndx = (u8)cbndx;
	} else {
		cb->irptndx = (u8)(inst->next_v1_irq++ % MAX(smmu->num_context_irqs, 1u));
	}
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
	smmu->context_map[d->cbndx] = false;
	d->pgtbl_ops = NULL;
	d->smmu = NULL;
	d->cbndx = -1;
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
		ret = arm_smmu_init_domain_context(d, cfg->smmu);
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

static struct iommu_domain arm_smmu_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &arm_smmu_identity_ops,
};

static struct iommu_domain arm_smmu_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &arm_smmu_blocked_ops,
};

/* ---- masters ----------------------------------------------------------- */

static struct arm_smmu_device *arm_smmu_find_by_node(int node)
{
	struct arm_smmu_instance *inst;

	list_for_each_entry(inst, &arm_smmu_instances, link)
		if (inst->smmu.fdt_node == node)
			return &inst->smmu;
	return NULL;
}

/*
 * Legacy binding: the master is listed in some SMMU node's mmu-masters
 * with its own #stream-id-cells. Builds the fwspec from that list.
 */
static int arm_smmu_register_legacy_master(struct device *dev,
					   struct arm_smmu_device **out)
{
	const void *fdt = of_fdt();
	int np = smmu_glue_dev_fdt_node(dev);
	struct arm_smmu_instance *inst;
	u32 cells;

	/* Without the legacy-binding support (a module), no master joins. */
	if (!smmu_glue_built_in())
		return -ENODEV;
	if (np < 0 || dt_prop_u32(fdt, np, "#stream-id-cells", &cells))
		return -ENODEV;

	list_for_each_entry(inst, &arm_smmu_instances, link) {
		const fdt32_t *prop;
		int len, n, i = 0;

		prop = fdt_getprop(fdt, inst->smmu.fdt_node, "mmu-masters", &len);
		if (!prop || len < 0)
			continue;
		n = len / 4;
		while (i < n) {
			u32 ph = fdt32_to_cpu(prop[i]);
			int target = dt_node_by_phandle(fdt, ph);
			u32 tcells;

			if (target < 0 || dt_prop_u32(fdt, target, "#stream-id-cells", &tcells) ||
			    i + 1 + (int)tcells > n)
				break;
			if (target == np) {
				u32 sids[16];
				int ret;

				if (tcells > ARRAY_SIZE(sids))
					return -EINVAL;
				for (u32 k = 0; k < tcells; k++)
					sids[k] = fdt32_to_cpu(prop[i + 1 + k]);
				ret = iommu_fwspec_init(dev, inst->smmu.fdt_node, &arm_smmu_ops);
				if (ret)
					return ret;
				ret = iommu_fwspec_add_ids(dev, sids, (int)tcells);
				if (ret)
					return ret;
				*out = &inst->smmu;
				return 0;
			}
			i += 1 + (int)tcells;
		}
	}
	return -ENODEV;
}

static int arm_smmu_probe_device(struct device *dev, struct iommu_device **out)
{
	struct arm_smmu_device *smmu = NULL;
	struct arm_smmu_master_cfg *cfg;
	struct iommu_fwspec *fwspec;
	int ret;

	if (using_legacy_binding) {
		ret = arm_smmu_register_legacy_master(dev, &smmu);
		if (ret)
			return ret;
		fwspec = dev_iommu_fwspec_get(dev);
	} else {
		fwspec = dev_iommu_fwspec_get(dev);
		if (!fwspec || fwspec->ops != &arm_smmu_ops)
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
		*out = iommu_group_ref_get(group);
	} else {
		ret = smmu_glue_default_device_group(dev, out);
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
	const void *fdt = of_fdt();
	u32 fwid = 0, mask;

	if (args->args_count > 0)
		fwid |= args->args[0] & SMR_ID_MASK;
	if (args->args_count > 1)
		fwid |= (args->args[1] & SMR_MASK_MASK) << SMR_MASK_SHIFT;
	else if (!dt_prop_u32(fdt, args->np, "stream-match-mask", &mask))
		fwid |= (mask & SMR_MASK_MASK) << SMR_MASK_SHIFT;
	return iommu_fwspec_add_ids(dev, &fwid, 1);
}

static int arm_smmu_def_domain_type(struct device *dev)
{
	/* Legacy masters get no DMA-API translation, as in Linux. */
	return using_legacy_binding ? (int)IOMMU_DOMAIN_IDENTITY : 0;
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

static struct iommu_ops arm_smmu_ops = {
	.capable = arm_smmu_capable,
	.domain_alloc_paging = arm_smmu_domain_alloc_paging,
	.probe_device = arm_smmu_probe_device,
	.release_device = arm_smmu_release_device,
	.device_group = arm_smmu_device_group,
	.get_resv_regions = arm_smmu_get_resv_regions,
	.of_xlate = arm_smmu_of_xlate,
	.def_domain_type = arm_smmu_def_domain_type,
	.identity_domain = &arm_smmu_identity_domain,
	.blocked_domain = &arm_smmu_blocked_domain,
	.default_domain_ops = &arm_smmu_domain_ops,
	.pgsize_bitmap = ~0ull,   /* narrowed when the first SMMU probes */
};

/* ---- interrupts --------------------------------------------------------- */

static int arm_smmu_context_fault(u32 irq, void *data)
{
	struct arm_smmu_instance *inst = data;
	struct arm_smmu_device *smmu = &inst->smmu;
	int handled = 0;

	/* Context IRQs may be shared (v1, or one line listed several times). */
	for (unsigned cb = 0; cb < smmu->num_context_banks; cb++) {
		struct arm_smmu_domain *d = inst->cb_domain[cb];
		u32 fsr, fsynr, cbfrsynra;
		u64 far;
		int ret;

		if (!d || smmu->irqs[smmu->num_global_irqs + smmu->cbs[cb].irptndx] != irq)
			continue;
		fsr = arm_smmu_cb_read(smmu, cb, ARM_SMMU_CB_FSR);
		if (!(fsr & FSR_FAULT))
			continue;
		far = arm_smmu_cb_readq(smmu, cb, ARM_SMMU_CB_FAR);
		fsynr = arm_smmu_cb_read(smmu, cb, ARM_SMMU_CB_FSYNR0);
		cbfrsynra = arm_smmu_gr1_read(smmu, ARM_SMMU_GR1_CBFRSYNRA(cb));
		ret = report_iommu_fault(&d->domain, NULL, far,
					 (fsynr & FSYNR0_WNR) ? IOMMU_FAULT_WRITE :
								IOMMU_FAULT_READ);
		if (ret == -ENOSYS)
			dev_err(smmu->dev,
				"Unhandled context fault: fsr=0x%x, iova=0x%08llx, fsynr=0x%x, cbfrsynra=0x%x, cb=%u",
				fsr, (unsigned long long)far, fsynr, cbfrsynra, cb);
		arm_smmu_cb_write(smmu, cb, ARM_SMMU_CB_FSR, fsr);
		handled = 1;
	}
	return handled;
}

static int arm_smmu_global_fault(u32 irq, void *data)
{
	struct arm_smmu_instance *inst = data;
	struct arm_smmu_device *smmu = &inst->smmu;
	u32 gfsr, gfsynr0, gfsynr1, gfsynr2;

	gfsr = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSR);
	if (!gfsr)
		return 0;
	gfsynr0 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR0);
	gfsynr1 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR1);
	gfsynr2 = arm_smmu_gr0_read(smmu, ARM_SMMU_GR0_sGFSYNR2);

	if (disable_bypass && (gfsr & sGFSR_USF)) {
		dev_err(smmu->dev,
			"Blocked unknown Stream ID 0x%hx; boot with \"arm-smmu.disable_bypass=0\" to allow, but this may have security implications",
			(unsigned short)(gfsynr1 & sGFSYNR1_SID_MASK));
	} else {
		dev_err(smmu->dev, "Unexpected global fault, this could be serious");
		dev_err(smmu->dev, "\tGFSR 0x%08x, GFSYNR0 0x%08x, GFSYNR1 0x%08x, GFSYNR2 0x%08x",
			gfsr, gfsynr0, gfsynr1, gfsynr2);
	}
	arm_smmu_gr0_write(smmu, ARM_SMMU_GR0_sGFSR, gfsr);
	return 1;
}

static void arm_smmu_free_irqs(struct arm_smmu_instance *inst)
{
	struct arm_smmu_device *smmu = &inst->smmu;

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
	struct arm_smmu_device *smmu = &inst->smmu;
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
	struct arm_smmu_device *smmu = &inst->smmu;
	int handled = 0;

	for (unsigned i = 0; i < smmu->num_global_irqs; i++)
		if (smmu->irqs[i] == irq) {
			handled |= arm_smmu_global_fault(irq, data);
			break;
		}
	handled |= arm_smmu_context_fault(irq, data);
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

const struct of_device_id arm_smmu_of_match[] = {
	{ .compatible = "arm,smmu-v1", .data = &smmu_generic_v1 },
	{ .compatible = "arm,smmu-v2", .data = &smmu_generic_v2 },
	{ .compatible = "arm,mmu-400", .data = &smmu_generic_v1 },
	{ .compatible = "arm,mmu-401", .data = &arm_mmu401 },
	{ .compatible = "arm,mmu-500", .data = &arm_mmu500 },
	{ NULL, NULL },
};

/* Decides legacy vs generic for this SMMU, as the first SMMU decides for all. */
static int arm_smmu_check_binding(struct device *dev, const void *fdt, int np)
{
	bool legacy = fdt_getprop(fdt, np, "mmu-masters", NULL) != NULL;

	if (legacy && !using_generic_binding) {
		/*
		 * Linux supports the legacy binding only with the driver built
		 * in (ARM_SMMU_LEGACY_DT_BINDINGS depends on ARM_SMMU=y). As a
		 * module the SMMU still probes and resets, but no master is
		 * registered with it: "SMMU support unavailable".
		 */
		if (!using_legacy_binding)
			pr_notice("arm-smmu: deprecated \"mmu-masters\" DT property in use; %s support unavailable",
				  smmu_glue_built_in() ? "DMA API" : "SMMU");
		using_legacy_binding = true;
		return 0;
	}
	if (!legacy && !using_legacy_binding) {
		using_generic_binding = true;
		return 0;
	}
	dev_err(dev, "not probing due to mismatched DT properties");
	return -ENODEV;
}

static int arm_smmu_dt_probe(struct arm_smmu_instance *inst, struct device *dev,
			     const void *fdt, int np)
{
	struct arm_smmu_device *smmu = &inst->smmu;
	const struct arm_smmu_match_data *data = NULL;
	u32 global_irqs;
	int ret;

	/*
	 * The best match is the node's most specific compatible the table
	 * knows (Linux's of_match_node scores by position in the node's
	 * list): "arm,mmu-401", "arm,smmu-v1" is an MMU-401, not a generic v1.
	 */
	for (int i = 0; !data; i++) {
		const char *compat = fdt_stringlist_get(fdt, np, "compatible", i, NULL);

		if (!compat)
			return -ENODEV;
		for (const struct of_device_id *id = arm_smmu_of_match; id->compatible; id++)
			if (!strcmp(compat, id->compatible)) {
				data = id->data;
				break;
			}
	}
	smmu->version = data->version;
	smmu->model = data->model;

	if (dt_prop_u32(fdt, np, "#global-interrupts", &global_irqs)) {
		dev_err(dev, "missing #global-interrupts property");
		return -ENODEV;
	}
	smmu->num_global_irqs = global_irqs;
	ret = arm_smmu_check_binding(dev, fdt, np);
	if (ret)
		return ret;
	smmu->legacy = using_legacy_binding;
	if (dt_prop_bool(fdt, np, "dma-coherent"))
		smmu->features |= ARM_SMMU_FEAT_COHERENT_WALK;
	if (dt_prop_u32(fdt, np, "stream-match-mask", &smmu->stream_match_mask))
		smmu->stream_match_mask = 0;
	return 0;
}

static int arm_smmu_get_irqs(struct arm_smmu_device *smmu, struct device *dev,
			     const void *fdt, int np)
{
	int n = 0;
	u32 intid;

	while (dt_irq(fdt, np, n, &intid) == 0)
		n++;
	if (n <= (int)smmu->num_global_irqs) {
		dev_err(dev, "found %d interrupts but expected at least %u", n,
			smmu->num_global_irqs + 1);
		return -ENODEV;
	}
	smmu->irqs = kcalloc((size_t)n, sizeof(*smmu->irqs));
	if (!smmu->irqs)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		dt_irq(fdt, np, i, &smmu->irqs[i]);
	smmu->num_context_irqs = (unsigned)n - smmu->num_global_irqs;
	return 0;
}

static void arm_smmu_instance_free(struct arm_smmu_instance *inst)
{
	arm_smmu_sme_destroy(&inst->smmu);
	kfree(inst->smmu.irqs);
	kfree(inst);
}

static void arm_smmu_forget_binding(void)
{
	if (list_empty(&arm_smmu_instances))
		using_legacy_binding = using_generic_binding = false;
}

int arm_smmu_device_probe(struct device *dev)
{
	const void *fdt = of_fdt();
	int np = smmu_glue_dev_fdt_node(dev);
	struct arm_smmu_instance *inst;
	struct arm_smmu_device *smmu;
	int ret;

	if (np < 0)
		return -ENODEV;
	inst = kzalloc(sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	smmu = &inst->smmu;
	smmu->dev = dev;
	smmu->fdt_node = np;
	INIT_LIST_HEAD(&inst->link);

	ret = arm_smmu_dt_probe(inst, dev, fdt, np);
	if (ret)
		goto out_free;
	ret = dt_reg(fdt, np, 0, &smmu->base, &smmu->size);
	if (ret) {
		dev_err(dev, "no register window");
		ret = -ENODEV;
		goto out_free;
	}
	ret = arm_smmu_get_irqs(smmu, dev, fdt, np);
	if (ret)
		goto out_free;

	ret = arm_smmu_device_cfg_probe(smmu, force_stage, disable_bypass);
	if (ret)
		goto out_free;
	if (smmu->version == ARM_SMMU_V2) {
		if (smmu->num_context_banks > smmu->num_context_irqs) {
			dev_err(dev, "found only %u context irq(s) but %u required",
				smmu->num_context_irqs, smmu->num_context_banks);
			ret = -ENODEV;
			goto out_free;
		}
		/* Superfluous context interrupts are ignored. */
		smmu->num_context_irqs = smmu->num_context_banks;
	}

	if (arm_smmu_ops.pgsize_bitmap == ~0ull)
		arm_smmu_ops.pgsize_bitmap = smmu->pgsize_bitmap;
	else
		arm_smmu_ops.pgsize_bitmap |= smmu->pgsize_bitmap;

	ret = arm_smmu_request_irqs(inst);
	if (ret)
		goto out_free;

	/* The hardware is reset before masters are attached. */
	arm_smmu_device_reset(smmu, disable_bypass);
	arm_smmu_test_smr_masks(smmu);

	ret = iommu_device_sysfs_add(&inst->iommu, dev, "smmu.0x%016llx",
				     (unsigned long long)smmu->base);
	if (ret)
		goto out_irqs;
	dev_set_drvdata(dev, inst);
	list_add_tail(&inst->link, &arm_smmu_instances);
	arm_smmu_ops.owner = smmu_glue_module();
	ret = iommu_device_register(&inst->iommu, &arm_smmu_ops,
				    using_legacy_binding ? NULL : dev);
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
	arm_smmu_device_disable(&inst->smmu);
	arm_smmu_free_irqs(inst);
	dev_set_drvdata(dev, NULL);
	arm_smmu_instance_free(inst);
	arm_smmu_forget_binding();
}

struct arm_smmu_device *arm_smmu_from_dev(struct device *dev)
{
	struct arm_smmu_instance *inst;

	list_for_each_entry(inst, &arm_smmu_instances, link)
		if (inst->smmu.dev == dev)
			return &inst->smmu;
	return NULL;
}

/* Module parameters (module_param in Linux; read-only after load). */
const struct kernel_param arm_smmu_params[] = {
	{ .name = "disable_bypass", .type = PARAM_BOOL, .arg = &disable_bypass,
	  .perm = 0444, .def = "N" },
	{ .name = "force_stage", .type = PARAM_INT, .arg = &force_stage,
	  .perm = 0444, .def = "0" },
	/* Test hook, not Linux: skip every TLB invalidation (stale-IOTLB tests). */
	{ .name = "lab_skip_tlbi", .type = PARAM_BOOL, .arg = &arm_smmu_lab_skip_tlbi,
	  .perm = 0644, .def = "N" },
	{ .name = NULL },
};
