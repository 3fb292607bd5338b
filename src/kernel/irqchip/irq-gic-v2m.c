// SPDX-License-Identifier: GPL-2.0-only
/*
 * GICv2m MSI frames (Linux: drivers/irqchip/irq-gic-v2m.c). A frame turns
 * a write of an SPI INTID to its MSI_SETSPI_NS register into that SPI; the
 * driver hands out the SPIs MSI_TYPER (or the DT) gives the frame. The
 * frame cannot tell devices apart, so its domain is not
 * IRQ_DOMAIN_FLAG_ISOLATED_MSI: any device that reaches the doorbell can
 * raise any of the frame's SPIs.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/irqchip/msi_internal.h"
#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"

#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NS 0x040
#define V2M_MSI_TYPER_BASE(x) (((x) >> 16) & 0x3ff)
#define V2M_MSI_TYPER_NUM(x) ((x) & 0x3ff)
#define V2M_MIN_SPI 32
#define V2M_MAX_SPI 1019

struct v2m_data {
	struct list_head link;		/* msi_state.v2m_frames */
	struct resource res;
	u32 spi_start, nr_spis;
	bool *used;			/* SPIs in use, by offset from spi_start */
	struct irq_domain *domain;
};

static u64 v2m_doorbell(const struct v2m_data *v)
{
	return v->res.start + V2M_MSI_SETSPI_NS;
}

/* The power of two at or above a descriptor's vectors: its block's size and alignment. */
static unsigned msi_block_size(const struct msi_desc *desc)
{
	unsigned n = 1;

	while (n < desc->nvec_used)
		n <<= 1;
	return n;
}

/* A free, naturally aligned block (bitmap_find_free_region): the data's low bits pick the SPI. */
static int v2m_alloc(struct irq_domain *d, struct msi_device_data *md, struct msi_desc *desc)
{
	struct v2m_data *v = d->host_data;
	unsigned n = msi_block_size(desc), k;
	int ret;
	u32 i;

	(void)md;
	for (i = 0; i + n <= v->nr_spis; i += n) {
		for (k = 0; k < n && !v->used[i + k]; k++)
			;
		if (k == n)
			break;
	}
	if (i + n > v->nr_spis)
		return -ENOSPC;
	ret = iommu_dma_prepare_msi(desc, v2m_doorbell(v));
	if (ret)
		return ret;
	memset(&v->used[i], 1, n);
	desc->irq = v->spi_start + i;
	return 0;
}

static void v2m_free(struct irq_domain *d, struct msi_device_data *md, struct msi_desc *desc)
{
	struct v2m_data *v = d->host_data;

	(void)md;
	memset(&v->used[desc->irq - v->spi_start], 0, msi_block_size(desc));
}

static void v2m_compose(struct irq_domain *d, struct msi_desc *desc, struct msi_msg *msg)
{
	struct v2m_data *v = d->host_data;

	msg->address_hi = (u32)(v2m_doorbell(v) >> 32);
	msg->address_lo = (u32)v2m_doorbell(v);
	msg->data = desc->irq;
}

/* Masking is the distributor's (not modelled): irq.c's depth gates the handler. */
static const struct msi_domain_ops v2m_ops = {
	.alloc = v2m_alloc,
	.free = v2m_free,
	.compose_msi_msg = v2m_compose,
};

/* The SPI range: MSI_TYPER, unless the DT gives both properties. */
static int v2m_range(struct v2m_data *v, struct device_node *np)
{
	u32 typer, base, num;

	if (!of_property_read_u32(np, "arm,msi-base-spi", &base) &&
	    !of_property_read_u32(np, "arm,msi-num-spis", &num)) {
		pr_info("GICv2m: DT overriding V2M MSI_TYPER (base:%u, num:%u)\n", base, num);
	} else {
		typer = readl(v->res.start + V2M_MSI_TYPER);
		base = V2M_MSI_TYPER_BASE(typer);
		num = V2M_MSI_TYPER_NUM(typer);
	}
	if (base < V2M_MIN_SPI || num == 0 || base + num - 1 > V2M_MAX_SPI) {
		pr_err("GICv2m: Invalid MSI_TYPER: base %u num %u\n", base, num);
		return -EINVAL;
	}
	v->spi_start = base;
	v->nr_spis = num;
	return 0;
}

static void v2m_free_frame(struct v2m_data *v)
{
	irq_domain_remove(v->domain);
	kfree(v->used);
	list_del(&v->link);
	kfree(v);
}

static int v2m_init_one(struct device_node *np)
{
	struct v2m_data *v = kzalloc(sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	list_add_tail(&v->link, &kstate->msi.v2m_frames);
	ret = of_address_to_resource(np, 0, &v->res);
	if (ret) {
		pr_err("GICv2m: Failed to allocate v2m resource.\n");
		goto fail;
	}
	ret = v2m_range(v, np);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	v->used = kcalloc(v->nr_spis, sizeof(*v->used));
	if (!v->used)
		goto fail;
	v->domain = msi_create_irq_domain(np, "GICv2m", 0, &v2m_ops, v);
	if (!v->domain)
		goto fail;
	pr_info("GICv2m: range[mem 0x%08llx-0x%08llx], SPI[%u:%u]\n",
		(unsigned long long)v->res.start, (unsigned long long)v->res.end, v->spi_start,
		v->spi_start + v->nr_spis - 1);
	return 0;
fail:
	v2m_free_frame(v);
	return ret;
}

int gicv2m_init(void)
{
	struct device_node *np = NULL;

	while ((np = of_find_compatible_node(np, "arm,gic-v2m-frame"))) {
		if (!of_device_is_available(np) || !of_property_read_bool(np, "msi-controller"))
			continue;
		if (v2m_init_one(np) == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

void gicv2m_exit(void)
{
	while (!list_empty(&kstate->msi.v2m_frames))
		v2m_free_frame(list_first_entry(&kstate->msi.v2m_frames, struct v2m_data, link));
}
