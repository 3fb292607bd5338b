/*
 * arm-smmu-v3: the IOMMU ops (Linux 6.12's arm_smmu_ops). What a user can
 * observe, as in Linux:
 * - a master's SIDs are checked against the stream table (-ERANGE) and
 *   claimed in the SMMU's stream list; a SID another master already owns
 *   fails the second master's probe ("stream %u already in tree",
 *   -EINVAL): unlike arm-smmu, v3 never merges masters into one group;
 * - every platform master gets its own group (generic_device_group), a PCI
 *   function the group of its aliases and ACS path (pci_device_group);
 * - a paging domain is stage 1: an ASID (lowest free from 1) and an
 *   AArch64 io-pgtable at its first attach, a CD in the master's linear
 *   CD table and an STE of config S1 pointing at it; identity is a bypass
 *   STE, blocked an abort STE, and a released master gets abort again;
 * - unmap gathers pages and iotlb_sync sends one TLBI_NH_VA per page and
 *   a CMD_SYNC; the flush queue (lazy mode) and flush_iotlb_all send
 *   TLBI_NH_ASID and a CMD_SYNC.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/pci/pci.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu-v3.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"

static struct arm_smmu_domain *to_smmu_domain(struct iommu_domain *dom)
{
	return container_of(dom, struct arm_smmu_domain, domain);
}

/* ---- TLB maintenance ------------------------------------------------------ */

/* TLBI_NH_ASID and a CMD_SYNC; honours lab_skip_tlbi, as every invalidation here. */
static void arm_smmu_tlb_inv_context(struct arm_smmu_domain *d)
{
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMDQ_OP_TLBI_NH_ASID, .asid = d->asid };

	if (!d->smmu || arm_smmu_v3_skip_tlbi())
		return;
	arm_smmu_cmdq_issue_cmd(d->smmu, &cmd, true);
}

/* One TLBI_NH_VA per @granule (no range invalidation: IDR3.RIL), then a CMD_SYNC. */
static void tlb_inv_range(struct arm_smmu_domain *d, u64 iova, u64 size, u64 granule, bool leaf)
{
	struct arm_smmu_cmdq_batch batch = { .num = 0 };
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMDQ_OP_TLBI_NH_VA, .asid = d->asid, .leaf = leaf,
	};

	if (!d->smmu || !size || !granule || arm_smmu_v3_skip_tlbi())
		return;
	for (u64 off = 0; off < size; off += granule) {
		cmd.addr = iova + off;
		arm_smmu_cmdq_batch_add(d->smmu, &batch, &cmd);
	}
	arm_smmu_cmdq_batch_submit(d->smmu, &batch);
}

static void arm_smmu_tlb_flush_all(void *cookie)
{
	arm_smmu_tlb_inv_context(cookie);
}

static void arm_smmu_tlb_flush_walk(unsigned long iova, size_t size, size_t granule,
				    void *cookie)
{
	tlb_inv_range(cookie, iova, size, granule, false);
}

static void arm_smmu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather)
{
	if (!gather->pgsize || gather->start > gather->end)
		return;
	tlb_inv_range(to_smmu_domain(domain), gather->start, gather->end - gather->start + 1,
		      gather->pgsize, true);
}

/*
 * Linux's iommu_iotlb_gather_add_page: a page of another size, or one not
 * touching the gathered range, flushes what was gathered first.
 */
static void arm_smmu_tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
				  size_t granule, void *cookie)
{
	struct arm_smmu_domain *d = cookie;
	u64 end = iova + granule - 1;

	if ((gather->pgsize && gather->pgsize != granule) ||
	    (gather->start <= gather->end && (end + 1 < gather->start || iova > gather->end + 1))) {
		arm_smmu_iotlb_sync(&d->domain, gather);
		iommu_iotlb_gather_init(gather);
	}
	iommu_iotlb_gather_add_page(&d->domain, gather, iova, granule);
}

static const struct iommu_flush_ops arm_smmu_flush_ops = {
	.tlb_flush_all = arm_smmu_tlb_flush_all,
	.tlb_flush_walk = arm_smmu_tlb_flush_walk,
	.tlb_add_page = arm_smmu_tlb_add_page,
};

/* ---- paging domains ---------------------------------------------------------- */

/* Linux's ASID xarray: the lowest ASID from 1 no live domain holds. */
static int alloc_asid(struct arm_smmu_device *smmu, u16 *out)
{
	u32 limit = (1u << smmu->asid_bits) - 1;

	for (u32 asid = 1; asid <= limit; asid++) {
		struct arm_smmu_domain *d;
		bool used = false;

		list_for_each_entry(d, &arm_smmu_v3_state()->asid_domains, link)
			used |= d->asid == asid;
		if (!used) {
			*out = (u16)asid;
			return 0;
		}
	}
	return -ENOSPC;
}

/* The CD arm_smmu_make_s1_cd builds from the table's configuration. */
static void make_s1_cd(struct arm_smmu_domain *d, const struct io_pgtable_cfg *cfg)
{
	const typeof(cfg->arm_lpae_s1_cfg.tcr) *tcr = &cfg->arm_lpae_s1_cfg.tcr;

	memset(d->cd, 0, sizeof(d->cd));
	d->cd[0] = ((u64)tcr->tsz << CTXDESC_CD_0_TCR_T0SZ_SHIFT) |
		   ((u64)tcr->tg << CTXDESC_CD_0_TCR_TG0_SHIFT) |
		   ((u64)tcr->irgn << CTXDESC_CD_0_TCR_IRGN0_SHIFT) |
		   ((u64)tcr->orgn << CTXDESC_CD_0_TCR_ORGN0_SHIFT) |
		   ((u64)tcr->sh << CTXDESC_CD_0_TCR_SH0_SHIFT) |
		   CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
		   ((u64)tcr->ips << CTXDESC_CD_0_TCR_IPS_SHIFT) | CTXDESC_CD_0_AA64 |
		   CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_ASET |
		   ((u64)d->asid << CTXDESC_CD_0_ASID_SHIFT);
	d->cd[1] = cfg->arm_lpae_s1_cfg.ttbr & CTXDESC_CD_1_TTB0_MASK;
	d->cd[3] = cfg->arm_lpae_s1_cfg.mair;
}

/* Linux's arm_smmu_domain_finalise for stage 1. */
static int domain_finalise(struct arm_smmu_domain *d, struct arm_smmu_device *smmu)
{
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = smmu->pgsize_bitmap,
		.ias = MIN(48u, smmu->ias),   /* VA_BITS */
		.oas = smmu->ias,
		.coherent_walk = smmu->features & ARM_SMMU_FEAT_COHERENCY,
		.tlb = &arm_smmu_flush_ops,
		.alloc_table = io_pgtable_kernel_alloc_table,
		.free_table = io_pgtable_kernel_free_table,
	};
	int ret;

	if (!(smmu->features & ARM_SMMU_FEAT_TRANS_S1))
		return -EINVAL;   /* stage 2 domains are not modelled */
	ret = alloc_asid(smmu, &d->asid);
	if (ret)
		return ret;
	d->smmu = smmu;
	d->pgtbl_ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, d);
	if (!d->pgtbl_ops) {
		d->smmu = NULL;
		d->asid = 0;
		return -ENOMEM;
	}
	list_add_tail(&d->link, &arm_smmu_v3_state()->asid_domains);
	d->domain.pgsize_bitmap = cfg.pgsize_bitmap;
	d->domain.geometry.aperture_start = 0;
	d->domain.geometry.aperture_end = (1ull << cfg.ias) - 1;
	d->domain.geometry.force_aperture = true;
	make_s1_cd(d, &cfg);
	return 0;
}

static int arm_smmu_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_domain *d = to_smmu_domain(domain);
	u64 ste[STRTAB_STE_DWORDS];
	int ret;

	if (!master)
		return -ENODEV;
	if (!d->smmu) {
		ret = domain_finalise(d, master->smmu);
		if (ret)
			return ret;
	} else if (d->smmu != master->smmu) {
		return -EINVAL;
	}
	ret = arm_smmu_write_cd0(master, d->cd);
	if (ret)
		return ret;
	arm_smmu_make_cdtable_ste(master, ste);
	arm_smmu_install_ste_for_dev(master, ste);
	master->domain = d;
	return 0;
}

static int arm_smmu_map_pages(struct iommu_domain *domain, u64 iova, u64 paddr, size_t pgsize,
			      size_t pgcount, int prot, size_t *mapped)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (!d->pgtbl_ops)
		return -ENODEV;
	return d->pgtbl_ops->map_pages(d->pgtbl_ops, iova, paddr, pgsize, pgcount, prot, mapped);
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
	arm_smmu_tlb_inv_context(to_smmu_domain(domain));
}

static u64 arm_smmu_iova_to_phys(struct iommu_domain *domain, u64 iova)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	return d->pgtbl_ops ? d->pgtbl_ops->iova_to_phys(d->pgtbl_ops, iova) : 0;
}

/*
 * The ASID goes back to the pool: its IOTLB entries go first, so that the
 * next domain given it cannot hit this one's translations.
 */
static void arm_smmu_domain_free(struct iommu_domain *domain)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);

	if (d->smmu) {
		arm_smmu_tlb_inv_context(d);
		free_io_pgtable_ops(d->pgtbl_ops);
		list_del(&d->link);
	}
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
	INIT_LIST_HEAD(&d->link);
	d->domain.ops = &arm_smmu_domain_ops;
	return &d->domain;
}

/* ---- identity and blocked: an STE of their own ---------------------------------- */

static int attach_dev_ste(struct device *dev, bool bypass)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	u64 ste[STRTAB_STE_DWORDS];

	if (!master)
		return -ENODEV;
	if (bypass)
		arm_smmu_make_bypass_ste(ste);
	else
		arm_smmu_make_abort_ste(ste);
	arm_smmu_install_ste_for_dev(master, ste);
	/* The STE no longer names the CD table: CD 0 can go. */
	arm_smmu_write_cd0(master, NULL);
	master->domain = NULL;
	return 0;
}

static int arm_smmu_attach_identity(struct iommu_domain *domain, struct device *dev)
{
	return attach_dev_ste(dev, true);
}

static int arm_smmu_attach_blocked(struct iommu_domain *domain, struct device *dev)
{
	return attach_dev_ste(dev, false);
}

const struct iommu_domain_ops arm_smmu_v3_identity_ops = {
	.attach_dev = arm_smmu_attach_identity,
};

const struct iommu_domain_ops arm_smmu_v3_blocked_ops = {
	.attach_dev = arm_smmu_attach_blocked,
};

/* ---- masters ------------------------------------------------------------------ */

static struct arm_smmu_master *sid_owner(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_master *m;

	list_for_each_entry(m, &smmu->masters, link)
		for (unsigned i = 0; i < m->num_streams; i++)
			if (m->sids[i] == sid)
				return m;
	return NULL;
}

/* Linux's arm_smmu_insert_master: range, L2 table, then the stream list. */
static int insert_master(struct arm_smmu_device *smmu, struct arm_smmu_master *master)
{
	for (unsigned i = 0; i < master->num_streams; i++) {
		u32 sid = master->sids[i];
		int ret = arm_smmu_init_sid_strtab(smmu, sid);

		if (ret)
			return ret;
		if (sid_owner(smmu, sid)) {
			dev_warn(master->dev, "stream %u already in tree", sid);
			return -EINVAL;
		}
	}
	list_add_tail(&master->link, &smmu->masters);
	return 0;
}

static int arm_smmu_probe_device(struct device *dev, struct iommu_device **out)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct arm_smmu_device *smmu;
	struct arm_smmu_master *master;
	int ret;

	if (!fwspec || fwspec->ops != &arm_smmu_v3_state()->ops || !fwspec->num_ids)
		return -ENODEV;
	if (dev_iommu_priv_get(dev))
		return -EBUSY;
	smmu = arm_smmu_v3_find_by_node(fwspec->iommu_fwnode);
	if (!smmu)
		return -ENODEV;
	master = kzalloc(sizeof(*master) + fwspec->num_ids * sizeof(master->sids[0]));
	if (!master)
		return -ENOMEM;
	INIT_LIST_HEAD(&master->link);
	master->dev = dev;
	master->smmu = smmu;
	master->num_streams = fwspec->num_ids;
	memcpy(master->sids, fwspec->ids, fwspec->num_ids * sizeof(master->sids[0]));
	ret = insert_master(smmu, master);
	if (ret) {
		kfree(master);
		return ret;
	}
	/* No pasid-num-bits support: one CD per master (S1CDMax 0). */
	master->ssid_bits = 0;
	dev_iommu_priv_set(dev, master);
	*out = &smmu->iommu;
	return 0;
}

/* The STEs go back to what the stream table starts with: abort. */
static void arm_smmu_release_device(struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);

	if (!master)
		return;
	attach_dev_ste(dev, false);
	list_del(&master->link);
	arm_smmu_free_cd_table(master);
	dev_iommu_priv_set(dev, NULL);
	kfree(master);
}

static int arm_smmu_device_group(struct device *dev, struct iommu_group **out)
{
	/* As Linux's arm_smmu_device_group: PCI masters group by aliases and ACS. */
	if (dev_is_pci(dev))
		return pci_device_group(dev, out);
	return generic_device_group(dev, out);
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
	u32 sid = args->args_count > 0 ? args->args[0] : 0;

	return iommu_fwspec_add_ids(dev, &sid, 1);
}

/* Only HiSilicon's PCIe trace device (PCI) wants identity: platform masters, no preference. */
static int arm_smmu_def_domain_type(struct device *dev)
{
	return 0;
}

static bool arm_smmu_capable(struct device *dev, enum iommu_cap cap)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return master && (master->smmu->features & ARM_SMMU_FEAT_COHERENCY);
	case IOMMU_CAP_NOEXEC:
	case IOMMU_CAP_DEFERRED_FLUSH:
		return true;
	}
	return false;
}

const struct iommu_ops arm_smmu_v3_ops_template = {
	.capable = arm_smmu_capable,
	.domain_alloc_paging = arm_smmu_domain_alloc_paging,
	.probe_device = arm_smmu_probe_device,
	.release_device = arm_smmu_release_device,
	.device_group = arm_smmu_device_group,
	.get_resv_regions = arm_smmu_get_resv_regions,
	.of_xlate = arm_smmu_of_xlate,
	.def_domain_type = arm_smmu_def_domain_type,
	.default_domain_ops = &arm_smmu_domain_ops,
	.pgsize_bitmap = ~0ull,   /* narrowed when the first SMMU probes */
};
