// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI irq-domain layer (Linux: kernel/irq/msi.c, platform-msi.c): a
 * device's MSI descriptors, their allocation from a controller's domain,
 * the message each vector writes (composed by the controller, rewritten
 * by dma-iommu to the doorbell's IOVA) and the edge flow each INTID gets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/irqchip/msi_internal.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"
#include "kernel/pci/pci-msi.h"

void msi_state_init(struct msi_state *s)
{
	INIT_LIST_HEAD(&s->domains);
	INIT_LIST_HEAD(&s->devices);
	INIT_LIST_HEAD(&s->v2m_frames);
	INIT_LIST_HEAD(&s->its_nodes);
	INIT_LIST_HEAD(&s->wired_domains);
	INIT_LIST_HEAD(&s->mbigen_children);
}

/* ---- domains ------------------------------------------------------------------ */

struct irq_domain *msi_create_irq_domain(struct device_node *fwnode, const char *name,
					 unsigned flags, const struct msi_domain_ops *ops,
					 void *host_data)
{
	struct irq_domain *d = kzalloc(sizeof(*d));

	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "msi");
	d->fwnode = fwnode;
	d->flags = flags;
	d->ops = ops;
	d->host_data = host_data;
	list_add_tail(&d->link, &kstate->msi.domains);
	return d;
}

void irq_domain_remove(struct irq_domain *d)
{
	if (!d)
		return;
	list_del(&d->link);
	kfree(d);
}

struct irq_domain *irq_find_msi_domain(const struct device_node *np)
{
	struct irq_domain *d;

	if (!kstate || !np)
		return NULL;
	list_for_each_entry(d, &kstate->msi.domains, link)
		if (d->fwnode == np)
			return d;
	return NULL;
}

/* ---- per-device state --------------------------------------------------------- */

static struct msi_device_data *msi_data(struct device *dev)
{
	struct msi_device_data *md;

	if (!kstate || !dev)
		return NULL;
	list_for_each_entry(md, &kstate->msi.devices, link)
		if (md->dev == dev)
			return md;
	return NULL;
}

static void msi_free_all(struct msi_device_data *md);

/* The driver that allocated the vectors unbinds: they go with it (Linux's devres). */
static void msi_device_data_release(struct device *dev, void *res)
{
	struct msi_device_data *md = res;

	(void)dev;
	msi_free_all(md);
	list_del(&md->link);
}

static bool msi_device_data_match(struct device *dev, void *res, void *data)
{
	(void)dev;
	return res == data;
}

int msi_setup_device_data(struct device *dev, struct irq_domain *domain, u32 dev_id,
			  msi_write_msg_t write_msg)
{
	struct msi_device_data *md;

	if (!kstate || !dev || !domain || !write_msg)
		return -EINVAL;
	md = msi_data(dev);
	if (md) {
		if (md->nvec)
			return -EBUSY;
	} else {
		md = devres_alloc(msi_device_data_release, sizeof(*md));
		if (!md)
			return -ENOMEM;
		/* msi_irqs/ first: its devres goes after the vectors' (reverse order). */
		int ret = msi_sysfs_create_group(dev);
		if (ret) {
			devres_free(md);
			return ret;
		}
		memset(md, 0, sizeof(*md));
		INIT_LIST_HEAD(&md->descs);
		md->dev = dev;
		list_add_tail(&md->link, &kstate->msi.devices);
		devres_add(dev, md);
	}
	md->domain = domain;
	md->dev_id = dev_id;
	md->write_msg = write_msg;
	return 0;
}

static void msi_free_device_data(struct msi_device_data *md)
{
	struct device *dev = md->dev;

	list_del(&md->link);
	devres_destroy(dev, msi_device_data_release, msi_device_data_match, md);
}

static unsigned desc_nvec(const struct msi_desc *desc)
{
	return desc->nvec_used ? desc->nvec_used : 1;
}

struct msi_desc *msi_get_desc(struct device *dev, unsigned index)
{
	struct msi_device_data *md = msi_data(dev);
	struct msi_desc *desc;

	if (!md)
		return NULL;
	list_for_each_entry(desc, &md->descs, list)
		if (index >= desc->msi_index && index - desc->msi_index < desc_nvec(desc))
			return desc;
	return NULL;
}

u32 msi_get_virq(struct device *dev, unsigned index)
{
	struct msi_desc *desc = msi_get_desc(dev, index);

	return desc && desc->irq ? desc->irq + (index - desc->msi_index) : 0;
}

void msi_device_set_mask(struct device *dev, msi_mask_vec_t mask_vec)
{
	struct msi_device_data *md = msi_data(dev);

	if (md)
		md->mask_vec = mask_vec;
}

void msi_device_set_eoi(struct device *dev, msi_eoi_vec_t eoi_vec)
{
	struct msi_device_data *md = msi_data(dev);

	if (md)
		md->eoi_vec = eoi_vec;
}

void msi_device_set_prepare_nvec(struct device *dev, unsigned nvec)
{
	struct msi_device_data *md = msi_data(dev);

	if (md)
		md->prepare_nvec = nvec;
}

/* ---- the irq chip of an MSI INTID ----------------------------------------------- */

/* Masking: the device's bit (PCI's part of the chip) and the controller's, as Linux chains them. */
static void msi_irq_set_mask(u32 intid, struct msi_desc *desc, bool mask)
{
	struct msi_device_data *md = msi_data(desc->dev);

	if (md && md->mask_vec)
		md->mask_vec(desc, intid - desc->irq, mask);
	if (desc->domain->ops->mask)
		desc->domain->ops->mask(desc->domain, desc, intid, mask);
}

static void msi_irq_mask(u32 intid, void *data)
{
	msi_irq_set_mask(intid, data, true);
}

static void msi_irq_unmask(u32 intid, void *data)
{
	msi_irq_set_mask(intid, data, false);
}

static void msi_irq_eoi(u32 intid, void *data)
{
	struct msi_desc *desc = data;
	struct msi_device_data *md = msi_data(desc->dev);

	if (md && md->eoi_vec)
		md->eoi_vec(desc, intid - desc->irq);
}

static const struct irq_chip msi_irq_chip = {
	.name = "MSI",
	.irq_mask = msi_irq_mask,
	.irq_unmask = msi_irq_unmask,
	.irq_eoi = msi_irq_eoi,
};

/* The controller's message, with the doorbell's IOVA when the device's domain translates. */
static void msi_compose_and_write(struct msi_device_data *md, struct msi_desc *desc)
{
	struct msi_msg msg = { 0 };

	md->domain->ops->compose_msi_msg(md->domain, desc, &msg);
	iommu_dma_compose_msi_msg(desc, &msg);
	desc->msg = msg;
	md->write_msg(desc, &msg);
}

/* ---- allocation ------------------------------------------------------------------ */

static void msi_free_desc(struct msi_device_data *md, struct msi_desc *desc)
{
	struct irq_domain *d = md->domain;

	msi_sysfs_remove_desc(md->dev, desc);
	if (desc->irq) {
		for (unsigned i = 0; i < desc_nvec(desc); i++) {
			if (irq_has_action(desc->irq + i))
				pr_warn("MSI %u freed while requested\n", desc->irq + i);
			irq_set_chip_and_data(desc->irq + i, NULL, NULL);
		}
		if (desc->activated && d->ops->deactivate)
			d->ops->deactivate(d, md, desc);
		if (d->ops->free)
			d->ops->free(d, md, desc);
	}
	list_del(&desc->list);
	kfree(desc);
}

static void msi_free_all(struct msi_device_data *md)
{
	while (!list_empty(&md->descs))
		msi_free_desc(md, list_first_entry(&md->descs, struct msi_desc, list));
	if (md->prepared && md->domain->ops->msi_unprepare)
		md->domain->ops->msi_unprepare(md->domain, md);
	md->prepared = false;
	md->nvec = 0;
}

/* Keeps md->descs in index order (dynamic allocation fills holes). */
static void msi_insert_desc(struct msi_device_data *md, struct msi_desc *desc)
{
	struct msi_desc *pos;

	list_for_each_entry(pos, &md->descs, list)
		if (pos->msi_index > desc->msi_index) {
			list_add_tail(&desc->list, &pos->list);
			return;
		}
	list_add_tail(&desc->list, &md->descs);
}

static int msi_alloc_desc(struct msi_device_data *md, unsigned index, unsigned nvec_used,
			  struct msi_desc **out)
{
	struct irq_domain *d = md->domain;
	struct msi_desc *desc = kzalloc(sizeof(*desc));
	int ret = 0;

	if (!desc)
		return -ENOMEM;
	desc->dev = md->dev;
	desc->domain = d;
	desc->msi_index = index;
	desc->nvec_used = nvec_used;
	msi_insert_desc(md, desc);
	if (out)
		*out = desc;
	ret = d->ops->alloc(d, md, desc);
	if (ret)
		return ret;
	/* Edge flow, masked at the controller until request_irq starts it. */
	for (unsigned i = 0; i < nvec_used && !ret; i++) {
		ret = irq_set_irq_type(desc->irq + i, IRQ_TYPE_EDGE_RISING);
		if (!ret)
			ret = irq_set_chip_and_data(desc->irq + i, &msi_irq_chip, desc);
		if (!ret && d->ops->mask)
			d->ops->mask(d, desc, desc->irq + i, true);
	}
	if (ret)
		return ret;
	if (d->ops->activate) {
		ret = d->ops->activate(d, md, desc);
		if (ret)
			return ret;
	}
	desc->activated = true;
	msi_compose_and_write(md, desc);
	return msi_sysfs_populate_desc(md->dev, desc);
}

/* @ndesc descriptors of @per vectors each. */
static int msi_alloc_descs(struct device *dev, struct irq_domain *domain, unsigned ndesc,
			   unsigned per)
{
	struct msi_device_data *md = msi_data(dev);
	unsigned nvec = ndesc * per;
	int ret = 0;

	if (!md || md->domain != domain || !nvec || md->nvec || !list_empty(&md->descs))
		return -EINVAL;
	if (domain->ops->msi_prepare) {
		ret = domain->ops->msi_prepare(domain, md, MAX(nvec, md->prepare_nvec));
		if (ret)
			return ret;
	}
	md->prepared = true;
	md->nvec = nvec;
	for (unsigned i = 0; i < ndesc && !ret; i++)
		ret = msi_alloc_desc(md, i * per, per, NULL);
	if (ret)
		msi_free_all(md);
	return ret;
}

int msi_domain_alloc_irqs(struct device *dev, struct irq_domain *domain, unsigned nvec)
{
	return msi_alloc_descs(dev, domain, nvec, 1);
}

int msi_domain_alloc_irqs_block(struct device *dev, struct irq_domain *domain, unsigned nvec)
{
	if (nvec > 32)
		return -EINVAL;
	return msi_alloc_descs(dev, domain, 1, nvec);
}

int msi_domain_alloc_irq_at(struct device *dev, unsigned index)
{
	struct msi_device_data *md = msi_data(dev);
	struct msi_desc *desc = NULL;
	int ret;

	if (!md || !md->nvec || list_empty(&md->descs) ||
	    desc_nvec(list_first_entry(&md->descs, struct msi_desc, list)) > 1)
		return -EINVAL;
	if (index == MSI_ANY_INDEX) {
		for (index = 0; msi_get_desc(dev, index); index++)
			;
	} else if (msi_get_desc(dev, index)) {
		return -EBUSY;
	}
	ret = msi_alloc_desc(md, index, 1, &desc);
	if (ret) {
		if (desc)
			msi_free_desc(md, desc);
		return ret;
	}
	md->nvec++;
	return (int)index;
}

void msi_domain_free_irq_at(struct device *dev, unsigned index)
{
	struct msi_device_data *md = msi_data(dev);
	struct msi_desc *desc = msi_get_desc(dev, index);

	if (!md || !desc || desc_nvec(desc) > 1)
		return;
	msi_free_desc(md, desc);
	md->nvec--;
}

void msi_domain_free_irqs_all(struct device *dev)
{
	struct msi_device_data *md = msi_data(dev);

	if (!md)
		return;
	msi_free_all(md);
	msi_free_device_data(md);
}

/* ---- platform MSI ------------------------------------------------------------------ */

int platform_msi_domain_alloc_irqs(struct device *dev, unsigned nvec, msi_write_msg_t write_msg)
{
	struct device_node *ctrl = NULL;
	struct irq_domain *d;
	u32 args[1] = { 0 };
	int nargs, ret;

	if (!dev || !dev->of_node || !write_msg)
		return -EINVAL;
	nargs = of_msi_parent(dev->of_node, 0, &ctrl, args, 1);
	if (nargs < 0)
		return -EINVAL;
	d = irq_find_msi_domain(ctrl);
	if (!d)
		return -EPROBE_DEFER;
	/* its_pmsi_prepare: the DeviceID is the specifier's one cell. */
	if ((d->flags & IRQ_DOMAIN_FLAG_MSI_DEVICE_ID) && nargs != 1) {
		dev_err(dev, "msi-parent %s: DeviceID needs one cell, not %d\n", ctrl->full_name,
			nargs);
		return -EINVAL;
	}
	ret = msi_setup_device_data(dev, d, nargs ? args[0] : 0, write_msg);
	if (ret)
		return ret;
	ret = msi_domain_alloc_irqs(dev, d, nvec);
	if (ret)
		msi_domain_free_irqs_all(dev);
	return ret;
}

void platform_msi_domain_free_irqs(struct device *dev)
{
	msi_domain_free_irqs_all(dev);
}

/* ---- queries -------------------------------------------------------------------------- */

struct irq_domain *dev_get_msi_domain(struct device *dev)
{
	struct msi_device_data *md = msi_data(dev);
	struct device_node *ctrl = NULL;
	u32 args[1];

	if (md)
		return md->domain;
	/* A PCI function's is its host bridge's (Linux sets it at device add). */
	if (dev_is_pci(dev))
		return pci_msi_get_device_domain(to_pci_dev(dev), NULL);
	if (!dev || !dev->of_node || of_msi_parent(dev->of_node, 0, &ctrl, args, 1) < 0)
		return NULL;
	return irq_find_msi_domain(ctrl);
}

bool msi_device_has_isolated_msi(struct device *dev)
{
	for (struct irq_domain *d = dev_get_msi_domain(dev); d; d = d->parent)
		if (d->flags & IRQ_DOMAIN_FLAG_ISOLATED_MSI)
			return true;
	return false;   /* arch_is_isolated_msi(): false on arm64 */
}

/* ---- init ---------------------------------------------------------------------------- */

int irqchip_init(void)
{
	int ret = gicv2m_init();

	if (!ret)
		ret = its_init();
	return ret;
}

void irqchip_exit(void)
{
	struct msi_device_data *md, *n;

	if (!kstate)
		return;
	/* Only a device that went without unbinding a driver leaves its MSIs here. */
	list_for_each_entry_safe(md, n, &kstate->msi.devices, link) {
		if (md->nvec)
			pr_warn("%u MSIs still allocated at shutdown\n", md->nvec);
		msi_free_all(md);
		list_del(&md->link);
	}
	its_exit();
	gicv2m_exit();
}
