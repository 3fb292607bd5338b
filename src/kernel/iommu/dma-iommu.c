// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-iommu: the IOVA side of DMA / DMA-FQ domains. Each such domain gets a
 * cookie holding its IOVA space, initialised on first use from the
 * domain's aperture (IOVA page 0 is never handed out) with every reserved
 * region of its group carved out except the software-MSI window (which
 * dma-iommu itself manages).
 *
 * Unmap is strict in a DMA domain (the IOTLB is invalidated before the
 * IOVA can be reused) and lazy in a DMA-FQ domain: the unmapped IOVAs wait
 * in a flush queue of 256 entries until it fills, until a 10 ms
 * virtual-time timer fires, or until iommu_dma_flush_all_queues(); then one
 * flush_iotlb_all precedes freeing them all.
 */
#include <errno.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/iommu/iova.h"
#include "kernel/iommu/observer.h"
#include "kernel/irqchip/msi.h"
#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"

#define IOVA_FQ_SIZE 256
#define IOVA_FQ_TIMEOUT_NS (10ull * 1000 * 1000)

struct fq_entry {
	unsigned long pfn, pages;
};

enum iommu_dma_cookie_type {
	IOMMU_DMA_IOVA_COOKIE,           /* DMA / DMA-FQ: the IOVA allocator */
	IOMMU_DMA_MSI_COOKIE,            /* unmanaged (VFIO): MSI pages from msi_iova */
};

/* A doorbell page mapped into a domain (Linux's iommu_dma_msi_page). */
struct iommu_dma_msi_page {
	struct list_head list;
	u64 phys, iova;
};

struct iommu_dma_cookie {
	struct list_head link;           /* all cookies */
	enum iommu_dma_cookie_type type;
	struct list_head msi_page_list;  /* doorbells mapped, each once */
	u64 msi_iova;                    /* MSI cookie: the next doorbell IOVA */
	struct iommu_domain *domain;
	struct iova_domain iovad;
	bool inited;
	struct fq_entry *fq;             /* DMA-FQ only */
	unsigned fq_count;
	u64 fq_timer;                    /* hw event id, 0 when not armed */
};

void iommu_dma_state_init(struct iommu_dma_state *ds)
{
	INIT_LIST_HEAD(&ds->cookies);
}

static void iommu_dma_free_msi_pages(struct iommu_dma_cookie *c);

int iommu_get_dma_cookie(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *c;

	if (domain->iova_cookie)
		return -EEXIST;
	c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->domain = domain;
	INIT_LIST_HEAD(&c->msi_page_list);
	list_add_tail(&c->link, &kstate->iommu_dma.cookies);
	domain->iova_cookie = c;
	return 0;
}

static void fq_flush(struct iommu_dma_cookie *c)
{
	if (!c->fq_count)
		return;
	iommu_flush_iotlb_all(c->domain);
	for (unsigned i = 0; i < c->fq_count; i++)
		free_iova_fast(&c->iovad, c->fq[i].pfn, c->fq[i].pages);
	c->fq_count = 0;
}

static void fq_cancel_timer(struct iommu_dma_cookie *c)
{
	struct machine *m = kernel_machine();

	if (c->fq_timer && m)
		hw_event_cancel(m, c->fq_timer);
	c->fq_timer = 0;
}

bool iommu_dma_fq_queued(const struct iommu_domain *domain)
{
	const struct iommu_dma_cookie *c = domain ? domain->iova_cookie : NULL;

	return c && c->fq_count;
}

void iommu_put_dma_cookie(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;

	if (!c)
		return;
	fq_cancel_timer(c);
	iommu_dma_free_msi_pages(c);
	if (c->inited) {
		/* lab.bug=fq-not-drained: the queued IOVAs go without their invalidation. */
		if (!lab_bug(LAB_BUG_FQ_NOT_DRAINED))
			fq_flush(c);
		put_iova_domain(&c->iovad);
	}
	kfree(c->fq);
	list_del(&c->link);
	kfree(c);
	domain->iova_cookie = NULL;
}

int iommu_dma_init_fq_domain(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;

	if (!c)
		return -EINVAL;
	if (!c->fq) {
		c->fq = kcalloc(IOVA_FQ_SIZE, sizeof(*c->fq));
		if (!c->fq)
			return -ENOMEM;
	}
	domain->type = IOMMU_DOMAIN_DMA_FQ;
	return 0;
}

void iommu_dma_flush_all_queues(void)
{
	struct iommu_dma_cookie *c;

	if (!kstate)
		return;
	list_for_each_entry(c, &kstate->iommu_dma.cookies, link) {
		fq_cancel_timer(c);
		fq_flush(c);
	}
}

static void fq_timeout(void *arg)
{
	struct iommu_dma_cookie *c = arg;

	c->fq_timer = 0;
	fq_flush(c);
}

/* ---- IOVA space --------------------------------------------------------------- */

/*
 * iova_reserve_pci_windows: a PCI function's DMA to a bus address inside
 * its host bridge's memory windows may be taken as peer to peer before it
 * reaches the IOMMU, so the DMA API never hands out such IOVAs. This is
 * the kernel's own allocator only: the windows are not reserved regions
 * (not in sysfs, not excluded by VFIO) unless lab.pci_resv_windows says
 * so (iommu-pci.c).
 */
static void iova_reserve_pci_windows(struct iommu_dma_cookie *c, struct pci_dev *pdev)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(pdev->bus);
	unsigned shift = iova_shift(&c->iovad);
	struct resource_entry *w;

	list_for_each_entry(w, &hb->windows, node) {
		u64 lo, hi;

		if (resource_type(w->res) != IORESOURCE_MEM)
			continue;
		lo = w->res->start - (u64)w->offset;
		hi = w->res->end - (u64)w->offset;
		reserve_iova(&c->iovad, (unsigned long)(lo >> shift), (unsigned long)(hi >> shift));
	}
}

static void reserve_dev_regions(struct iommu_dma_cookie *c, struct device *dev)
{
	struct iommu_resv_region *r;
	unsigned shift = iova_shift(&c->iovad);
	LIST_HEAD(regions);

	if (dev_is_pci(dev))
		iova_reserve_pci_windows(c, to_pci_dev(dev));
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(r, &regions, list) {
		if (r->type == IOMMU_RESV_SW_MSI || !r->length)
			continue;
		reserve_iova(&c->iovad, (unsigned long)(r->start >> shift),
			     (unsigned long)((r->start + r->length - 1) >> shift));
	}
	iommu_put_resv_regions(dev, &regions);
}

static int dma_cookie_init(struct iommu_dma_cookie *c, struct device *dev)
{
	struct iommu_domain *d = c->domain;
	struct iommu_group *group = dev->iommu_group;
	struct group_device *gd;
	u64 granule;
	unsigned long base, limit;

	if (c->inited)
		return 0;
	if (!d->pgsize_bitmap)
		return -ENODEV;
	granule = 1ull << __builtin_ctzll(d->pgsize_bitmap);
	if (granule > PAGE_SIZE)
		return -EINVAL;
	base = (unsigned long)(d->geometry.aperture_start >> __builtin_ctzll(granule));
	if (!base)
		base = 1;   /* IOVA 0 looks like an error to too many drivers */
	limit = d->geometry.force_aperture && d->geometry.aperture_end ?
		(unsigned long)(d->geometry.aperture_end >> __builtin_ctzll(granule)) : ~0ul;
	if (init_iova_domain(&c->iovad, (unsigned long)granule, base, limit))
		return -EINVAL;
	if (iova_domain_init_rcaches(&c->iovad)) {
		put_iova_domain(&c->iovad);
		return -ENOMEM;
	}
	c->inited = true;
	if (group)
		for_each_group_device(group, gd)
			reserve_dev_regions(c, gd->dev);
	return 0;
}

void iommu_dma_device_joined(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;

	if (c && c->inited)
		reserve_dev_regions(c, dev);
}

u64 iommu_dma_map(struct device *dev, struct iommu_domain *domain, u64 phys, size_t size,
		  int prot, u64 dma_limit)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;
	struct iova_domain *iovad;
	unsigned long pfn, pages, limit;

	if (!c || c->type != IOMMU_DMA_IOVA_COOKIE || dma_cookie_init(c, dev))
		return ~0ull;
	iovad = &c->iovad;
	size_t off = iova_offset(iovad, phys);
	size_t len = iova_align(iovad, size + off);
	pages = len >> iova_shift(iovad);
	limit = (unsigned long)(dma_limit >> iova_shift(iovad));
	if (domain->geometry.force_aperture && domain->geometry.aperture_end &&
	    (domain->geometry.aperture_end >> iova_shift(iovad)) < limit)
		limit = (unsigned long)(domain->geometry.aperture_end >> iova_shift(iovad));
	pfn = alloc_iova_fast(iovad, pages, limit, true);
	if (!pfn)
		return ~0ull;
	u64 iova = (u64)pfn << iova_shift(iovad);
	if (iommu_map(domain, iova, phys - off, len, prot)) {
		free_iova_fast(iovad, pfn, pages);
		return ~0ull;
	}
	/* The isolation oracle: the group may reach these pages, this way, until unmapped. */
	if (dev->iommu_group)
		kobserve_grant(KOBS_GROUP(dev->iommu_group->id), iova, phys - off, len, prot);
	return iova + off;
}

void iommu_dma_unmap(struct device *dev, struct iommu_domain *domain, u64 addr, size_t size)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;
	struct iommu_iotlb_gather gather;

	if (!c || c->type != IOMMU_DMA_IOVA_COOKIE || !c->inited)
		return;
	struct iova_domain *iovad = &c->iovad;
	size_t off = iova_offset(iovad, addr);
	u64 iova = addr - off;
	size_t len = iova_align(iovad, size + off);
	unsigned long pfn = iova_pfn(iovad, iova), pages = len >> iova_shift(iovad);

	if (dev && dev->iommu_group)
		kobserve_revoke(KOBS_GROUP(dev->iommu_group->id), iova);
	iommu_iotlb_gather_init(&gather);
	gather.queued = domain->type == IOMMU_DOMAIN_DMA_FQ && c->fq;
	size_t done = iommu_unmap_fast(domain, iova, len, &gather);
	if (done != len)
		dev_warn(dev, "dma-iommu: unmapped 0x%zx of 0x%zx bytes at 0x%llx", done, len,
			 (unsigned long long)iova);
	if (!gather.queued) {
		iommu_iotlb_sync(domain, &gather);
		free_iova_fast(iovad, pfn, pages);
		return;
	}
	/* Lazy: the IOVA stays unusable until a flush covers it. */
	if (c->fq_count == IOVA_FQ_SIZE)
		fq_flush(c);
	c->fq[c->fq_count++] = (struct fq_entry){ pfn, pages };
	struct machine *m = kernel_machine();
	if (!c->fq_timer && m)
		c->fq_timer = hw_event_schedule(m, IOVA_FQ_TIMEOUT_NS, fq_timeout, c);
}

/* ---- MSI doorbells ------------------------------------------------------------ */

int iommu_get_msi_cookie(struct iommu_domain *domain, u64 base)
{
	int ret;

	if (!domain || domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	ret = iommu_get_dma_cookie(domain);
	if (ret)
		return ret;
	domain->iova_cookie->type = IOMMU_DMA_MSI_COOKIE;
	domain->iova_cookie->msi_iova = base;
	return 0;
}

static unsigned msi_granule_shift(const struct iommu_domain *d)
{
	return d->pgsize_bitmap ? (unsigned)__builtin_ctzll(d->pgsize_bitmap) : PAGE_SHIFT;
}

/* An IOVA for one doorbell page: 0 when none is left. */
static u64 msi_alloc_iova(struct iommu_dma_cookie *c, struct device *dev, u64 size)
{
	if (c->type == IOMMU_DMA_MSI_COOKIE) {
		u64 iova = c->msi_iova;

		c->msi_iova += size;
		return iova;
	}
	if (dma_cookie_init(c, dev))
		return 0;
	unsigned long pfn = alloc_iova_fast(&c->iovad, 1, (unsigned long)(dev->dma_mask ?
					    dev->dma_mask >> iova_shift(&c->iovad) : ~0ul), true);
	return (u64)pfn << iova_shift(&c->iovad);
}

static struct iommu_dma_msi_page *iommu_dma_get_msi_page(struct device *dev, u64 msi_addr,
							 struct iommu_domain *domain)
{
	struct iommu_dma_cookie *c = domain->iova_cookie;
	struct iommu_dma_msi_page *p;
	u64 size = 1ull << msi_granule_shift(domain);
	int prot = IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;

	msi_addr &= ~(size - 1);
	list_for_each_entry(p, &c->msi_page_list, list)
		if (p->phys == msi_addr)
			return p;
	p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->phys = msi_addr;
	p->iova = msi_alloc_iova(c, dev, size);
	if (!p->iova || iommu_map(domain, p->iova, msi_addr, size, prot)) {
		/* A DMA cookie's IOVA goes back; an MSI cookie's window is not reused. */
		if (p->iova && c->type == IOMMU_DMA_IOVA_COOKIE)
			free_iova_fast(&c->iovad, (unsigned long)(p->iova >> iova_shift(&c->iovad)), 1);
		kfree(p);
		return NULL;
	}
	list_add(&p->list, &c->msi_page_list);
	/* The isolation oracle: this domain may write the doorbell, until it is freed. */
	kobserve_grant(KOBS_DOMAIN(domain->id), p->iova, msi_addr, size, IOMMU_WRITE);
	return p;
}

int iommu_dma_prepare_msi(struct msi_desc *desc, u64 msi_addr)
{
	struct device *dev = desc->dev;
	struct iommu_domain *domain = dev ? iommu_get_domain_for_dev(dev) : NULL;
	struct iommu_dma_msi_page *p;

	desc->iommu_msi = false;
	if (!domain || !domain->iova_cookie)
		return 0;
	p = iommu_dma_get_msi_page(dev, msi_addr, domain);
	if (!p)
		return -ENOMEM;
	desc->iommu_msi = true;
	desc->iommu_msi_iova = p->iova;
	desc->iommu_msi_shift = msi_granule_shift(domain);
	return 0;
}

void iommu_dma_compose_msi_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	u64 mask;

	if (!desc->iommu_msi)
		return;
	mask = (1ull << desc->iommu_msi_shift) - 1;
	msg->address_hi = (u32)(desc->iommu_msi_iova >> 32);
	msg->address_lo = (u32)((msg->address_lo & mask) + (desc->iommu_msi_iova & 0xffffffffu));
}

/*
 * Domain teardown: the page tables go with the domain; the grants end
 * here. The doorbells are the one kind of mapping a domain still holds
 * when it is freed (every DMA mapping was unmapped first), and a device's
 * MSI may have left one in the IOTLB: unmapping them invalidates it, so
 * the next domain on the context bank (VFIO's, which does not flush at
 * setup) cannot reach the doorbell through it. Linux gets the same from
 * free_io_pgtable_ops, which flushes the whole context; the lab's
 * io-pgtable does not, so the doorbells are invalidated here.
 */
static void iommu_dma_free_msi_pages(struct iommu_dma_cookie *c)
{
	size_t size = (size_t)1 << msi_granule_shift(c->domain);

	while (!list_empty(&c->msi_page_list)) {
		struct iommu_dma_msi_page *p =
			list_first_entry(&c->msi_page_list, struct iommu_dma_msi_page, list);

		/* lab.bug=msi-left-mapped: the doorbell stays in the IOTLB. */
		if (!lab_bug(LAB_BUG_MSI_LEFT_MAPPED))
			iommu_unmap(c->domain, p->iova, size);
		kobserve_revoke(KOBS_DOMAIN(c->domain->id), p->iova);
		list_del(&p->list);
		kfree(p);
	}
}

static int dev_has_isolated_msi(struct device *dev, void *data)
{
	bool *ok = data;

	if (msi_device_has_isolated_msi(dev))
		return 0;
	*ok = false;
	return 1;
}

bool iommu_group_has_isolated_msi(struct iommu_group *group)
{
	bool ok = true;

	if (!group)
		return false;
	iommu_group_for_each_dev(group, &ok, dev_has_isolated_msi);
	return ok;
}
