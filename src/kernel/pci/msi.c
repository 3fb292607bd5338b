// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI MSI and MSI-X (Linux: drivers/pci/msi/api.c, msi.c, irqdomain.c).
 * The vectors come from the MSI layer (kernel/irqchip/msi.c) and the host
 * bridge's MSI domain; this file programs the function: the MSI
 * capability (address, data, Multiple Message Enable, per-vector mask
 * bits) through config space, the MSI-X table (entries, vector masks)
 * and its Function Mask through the BAR. A multi-MSI block is one
 * descriptor of nvec_used vectors.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/irqchip/msi.h"
#include "kernel/kernel.h"
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

/* dev->msi_priv: what the enabled mode needs, freed with the driver's devres. */
struct pci_msi_priv {
	struct pci_dev *pdev;
	u64 msix_table;		/* CPU address of the MSI-X table */
	unsigned msix_size;	/* its entries */
	unsigned intx_irq;	/* dev->irq while MSI borrows it */
};

/* ---- the MSI domain --------------------------------------------------------- */

static int get_msi_id_cb(struct pci_dev *pdev, u16 alias, void *data)
{
	(void)pdev;
	*(u32 *)data = alias;
	return 0;
}

struct irq_domain *pci_msi_get_device_domain(struct pci_dev *dev, u32 *dev_id)
{
	struct device *host = pci_get_host_bridge_device(dev);
	struct device_node *np = NULL;
	u32 rid = pci_dev_id(dev), args[1];

	if (!host || !host->of_node)
		return NULL;
	/* The DeviceID is the last alias's, the RID the bus carries upstream. */
	pci_for_each_dma_alias(dev, get_msi_id_cb, &rid);
	np = of_msi_map_get_device_node(host, rid);
	if (!np && of_msi_parent(host->of_node, 0, &np, args, 1) < 0)
		return NULL;
	if (dev_id)
		*dev_id = of_msi_map_id(host, np, rid);
	return irq_find_msi_domain(np);
}

/* ---- capability registers ------------------------------------------------------ */

static u16 msi_ctrl(struct pci_dev *dev)
{
	u16 ctrl = 0;

	pci_read_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, &ctrl);
	return ctrl;
}

static u16 msix_ctrl(struct pci_dev *dev)
{
	u16 ctrl = 0;

	pci_read_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	return ctrl;
}

static void msix_ctrl_update(struct pci_dev *dev, u16 clear, u16 set)
{
	u16 ctrl = (u16)((msix_ctrl(dev) & ~clear) | set);

	pci_write_config_word(dev, dev->msix_cap + PCI_MSIX_FLAGS, ctrl);
}

int pci_msi_vec_count(struct pci_dev *dev)
{
	if (!dev || !dev->msi_cap)
		return -EINVAL;
	return 1 << ((msi_ctrl(dev) & PCI_MSI_FLAGS_QMASK) >> 1);
}

int pci_msix_vec_count(struct pci_dev *dev)
{
	if (!dev || !dev->msix_cap)
		return -EINVAL;
	return (msix_ctrl(dev) & PCI_MSIX_FLAGS_QSIZE) + 1;
}

static struct pci_dev *desc_pdev(const struct msi_desc *desc)
{
	return to_pci_dev(desc->dev);
}

/* pci_write_msg for MSI: the one message of the block (data's low bits pick a vector). */
static void msi_write_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	struct pci_dev *dev = desc_pdev(desc);
	int pos = dev->msi_cap;
	bool is64 = msi_ctrl(dev) & PCI_MSI_FLAGS_64BIT;

	pci_write_config_dword(dev, pos + PCI_MSI_ADDRESS_LO, msg->address_lo);
	if (is64) {
		pci_write_config_dword(dev, pos + PCI_MSI_ADDRESS_HI, msg->address_hi);
		pci_write_config_word(dev, pos + PCI_MSI_DATA_64, (u16)msg->data);
	} else {
		pci_write_config_word(dev, pos + PCI_MSI_DATA_32, (u16)msg->data);
	}
}

static void msi_write_mask(struct pci_dev *dev, u32 mask)
{
	u16 ctrl = msi_ctrl(dev);

	if (!(ctrl & PCI_MSI_FLAGS_MASKBIT))
		return;
	pci_write_config_dword(dev, dev->msi_cap + ((ctrl & PCI_MSI_FLAGS_64BIT) ?
				    PCI_MSI_MASK_64 : PCI_MSI_MASK_32), mask);
}

/* The Mask Bits, when the function has per-vector masking (else only the controller masks). */
static void msi_mask_vec(struct msi_desc *desc, unsigned i, bool mask)
{
	if (mask)
		desc->masked |= 1u << i;
	else
		desc->masked &= ~(1u << i);
	msi_write_mask(desc_pdev(desc), desc->masked);
}

static u64 msix_entry(struct pci_dev *dev, unsigned index)
{
	struct pci_msi_priv *p = dev->msi_priv;

	return p->msix_table + (u64)index * PCI_MSIX_ENTRY_SIZE;
}

/* An entry is written while masked (its reset state, or masked by us). */
static void msix_write_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	u64 e = msix_entry(desc_pdev(desc), desc->msi_index);

	writel(msg->address_lo, e + PCI_MSIX_ENTRY_LOWER_ADDR);
	writel(msg->address_hi, e + PCI_MSIX_ENTRY_UPPER_ADDR);
	writel(msg->data, e + PCI_MSIX_ENTRY_DATA);
}

static void msix_mask_vec(struct msi_desc *desc, unsigned i, bool mask)
{
	u64 e = msix_entry(desc_pdev(desc), desc->msi_index + i);

	desc->masked = mask;
	writel(mask ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0, e + PCI_MSIX_ENTRY_VECTOR_CTRL);
	readl(e + PCI_MSIX_ENTRY_VECTOR_CTRL);	/* flush, as Linux does */
}

/* ---- enable / disable ----------------------------------------------------------- */

static void pci_msi_shutdown(struct pci_dev *dev)
{
	struct pci_msi_priv *p = dev->msi_priv;
	u16 ctrl;

	if (!dev->msi_enabled)
		return;
	ctrl = msi_ctrl(dev) & (u16)~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, ctrl);
	msi_write_mask(dev, 0);
	dev->msi_enabled = 0;
	dev->irq = p->intx_irq;
	pci_intx(dev, 1);
}

static void pci_msix_shutdown(struct pci_dev *dev)
{
	struct pci_msi_priv *p = dev->msi_priv;

	if (!dev->msix_enabled)
		return;
	/* Every entry masked, then the capability off (pci_msix_shutdown). */
	for (unsigned i = 0; i < p->msix_size; i++)
		writel(PCI_MSIX_ENTRY_CTRL_MASKBIT,
		       msix_entry(dev, i) + PCI_MSIX_ENTRY_VECTOR_CTRL);
	msix_ctrl_update(dev, PCI_MSIX_FLAGS_ENABLE, 0);
	dev->msix_enabled = 0;
	pci_intx(dev, 1);
}

/* The driver unbinds with vectors allocated: the function stops signalling first. */
static void pci_msi_release(struct device *d, void *res)
{
	struct pci_dev *dev = to_pci_dev(d);

	(void)res;
	pci_msi_shutdown(dev);
	pci_msix_shutdown(dev);
	dev->msi_priv = NULL;
}

static bool priv_match(struct device *d, void *res, void *data)
{
	(void)d;
	return res == data;
}

static struct pci_msi_priv *priv_get(struct pci_dev *dev)
{
	struct pci_msi_priv *p;

	if (dev->msi_priv)
		return dev->msi_priv;
	p = devres_alloc(pci_msi_release, sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->pdev = dev;
	dev->msi_priv = p;
	return p;
}

/* Sets up the MSI layer's device data and adds our devres after it (released first). */
static int pci_msi_setup(struct pci_dev *dev, msi_write_msg_t write, msi_mask_vec_t mask,
			 unsigned prepare_nvec, struct irq_domain **dom)
{
	struct pci_msi_priv *p;
	u32 dev_id = 0;
	int ret;

	*dom = pci_msi_get_device_domain(dev, &dev_id);
	if (!*dom)
		return -ENODEV;
	p = priv_get(dev);
	if (!p)
		return -ENOMEM;
	ret = msi_setup_device_data(&dev->dev, *dom, dev_id, write);
	if (ret) {
		devres_free(p);
		dev->msi_priv = NULL;
		return ret;
	}
	msi_device_set_mask(&dev->dev, mask);
	msi_device_set_prepare_nvec(&dev->dev, prepare_nvec);
	devres_add(&dev->dev, p);
	return 0;
}

static void pci_msi_teardown(struct pci_dev *dev)
{
	struct pci_msi_priv *p = dev->msi_priv;

	msi_domain_free_irqs_all(&dev->dev);
	if (p) {
		dev->msi_priv = NULL;
		devres_destroy(&dev->dev, pci_msi_release, priv_match, p);
	}
}

static int msix_capability_init(struct pci_dev *dev, unsigned nvec)
{
	struct irq_domain *dom;
	struct pci_msi_priv *p;
	u32 table;
	int bir, ret;

	pci_read_config_dword(dev, dev->msix_cap + PCI_MSIX_TABLE, &table);
	bir = (int)(table & PCI_MSIX_TABLE_BIR);
	if (bir >= PCI_STD_NUM_BARS || !pci_resource_len(dev, bir) ||
	    (pci_resource_flags(dev, bir) & IORESOURCE_UNSET))
		return -ENOMEM;	/* msix_map_region: the table is not reachable */
	ret = pci_msi_setup(dev, msix_write_msg, msix_mask_vec,
			    (unsigned)pci_msix_vec_count(dev), &dom);
	if (ret)
		return ret;
	p = dev->msi_priv;
	p->msix_table = pci_resource_start(dev, bir) + (table & PCI_MSIX_TABLE_OFFSET);
	p->msix_size = (unsigned)pci_msix_vec_count(dev);
	/* Enabled with every vector masked while the entries are written. */
	msix_ctrl_update(dev, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < p->msix_size; i++)
		writel(PCI_MSIX_ENTRY_CTRL_MASKBIT, msix_entry(dev, i) + PCI_MSIX_ENTRY_VECTOR_CTRL);
	ret = msi_domain_alloc_irqs(&dev->dev, dom, nvec);
	if (ret) {
		msix_ctrl_update(dev, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
		pci_msi_teardown(dev);
		return ret;
	}
	dev->msix_enabled = 1;
	pci_intx(dev, 0);
	msix_ctrl_update(dev, PCI_MSIX_FLAGS_MASKALL, 0);
	return 0;
}

static unsigned order_base_2(unsigned n)
{
	unsigned o = 0;

	while ((1u << o) < n)
		o++;
	return o;
}

static int msi_capability_init(struct pci_dev *dev, unsigned nvec)
{
	struct irq_domain *dom;
	struct pci_msi_priv *p;
	u16 ctrl;
	int ret;

	ret = pci_msi_setup(dev, msi_write_msg, msi_mask_vec, nvec, &dom);
	if (ret)
		return ret;
	p = dev->msi_priv;
	/* Disabled while set up; every vector masked until request_irq. */
	ctrl = msi_ctrl(dev) & (u16)~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, ctrl);
	msi_write_mask(dev, nvec >= 32 ? ~0u : (1u << nvec) - 1);
	ret = msi_domain_alloc_irqs_block(&dev->dev, dom, nvec);
	if (ret) {
		msi_write_mask(dev, 0);
		pci_msi_teardown(dev);
		return ret;
	}
	ctrl |= (u16)(order_base_2(nvec) << 4) | PCI_MSI_FLAGS_ENABLE;
	pci_intx(dev, 0);
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, ctrl);
	dev->msi_enabled = 1;
	p->intx_irq = dev->irq;
	dev->irq = msi_get_virq(&dev->dev, 0);
	return 0;
}

/*
 * After a reset: the function forgot its MSI/MSI-X setup, the kernel did
 * not (pci_restore_msi_state). Each vector's message and mask go back as
 * last written, then the enable, with every vector masked meanwhile.
 */
static void msix_restore(struct pci_dev *dev)
{
	struct pci_msi_priv *p = dev->msi_priv;

	msix_ctrl_update(dev, 0, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < p->msix_size; i++) {
		struct msi_desc *desc = msi_get_desc(&dev->dev, i);
		bool live = desc && desc->irq && desc->msi_index == i;

		if (live)
			msix_write_msg(desc, &desc->msg);
		writel(!live || desc->masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0,
		       msix_entry(dev, i) + PCI_MSIX_ENTRY_VECTOR_CTRL);
	}
	pci_intx(dev, 0);
	msix_ctrl_update(dev, PCI_MSIX_FLAGS_MASKALL, 0);
}

static void msi_restore(struct pci_dev *dev)
{
	struct msi_desc *desc = msi_get_desc(&dev->dev, 0);
	u16 ctrl = msi_ctrl(dev) & (u16)~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);

	if (!desc)
		return;
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, ctrl);
	msi_write_msg(desc, &desc->msg);
	msi_write_mask(dev, desc->masked);
	ctrl |= (u16)(order_base_2(desc->nvec_used) << 4) | PCI_MSI_FLAGS_ENABLE;
	pci_intx(dev, 0);
	pci_write_config_word(dev, dev->msi_cap + PCI_MSI_FLAGS, ctrl);
}

void pci_restore_msi_state(struct pci_dev *dev)
{
	if (dev->msix_enabled && dev->msi_priv)
		msix_restore(dev);
	else if (dev->msi_enabled)
		msi_restore(dev);
}

/* Tries @max down to @min vectors: the controller may have fewer left. */
static int enable_range(struct pci_dev *dev, int count, unsigned min, unsigned max,
			int (*init)(struct pci_dev *, unsigned))
{
	unsigned nvec;
	int ret = -ENOSPC;

	if (count < 0)
		return count;
	if ((unsigned)count < min)
		return -ENOSPC;
	for (nvec = MIN(max, (unsigned)count); nvec >= min; nvec--) {
		ret = init(dev, nvec);
		if (ret != -ENOSPC)
			break;
	}
	return ret ? ret : (int)nvec;
}

static int msi_supported(struct pci_dev *dev)
{
	if (dev->no_msi)
		return -EINVAL;
	if (dev->msi_enabled || dev->msix_enabled)
		return -EINVAL;	/* "can't enable MSI-X (MSI already enabled)" and the like */
	return 0;
}

int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned min_vecs, unsigned max_vecs,
			  unsigned flags)
{
	int nvecs = -ENOSPC, ret;

	if (!dev || !min_vecs || max_vecs < min_vecs || !(flags & PCI_IRQ_ALL_TYPES) ||
	    (flags & ~PCI_IRQ_ALL_TYPES))
		return -EINVAL;
	if (flags & (PCI_IRQ_MSI | PCI_IRQ_MSIX)) {
		ret = msi_supported(dev);
		if (ret)
			return ret;
	}
	if ((flags & PCI_IRQ_MSIX) && dev->msix_cap) {
		nvecs = enable_range(dev, pci_msix_vec_count(dev), min_vecs, max_vecs,
				     msix_capability_init);
		if (nvecs > 0)
			return nvecs;
	}
	if ((flags & PCI_IRQ_MSI) && dev->msi_cap) {
		nvecs = enable_range(dev, pci_msi_vec_count(dev), min_vecs, MIN(max_vecs, 32u),
				     msi_capability_init);
		if (nvecs > 0)
			return nvecs;
	}
	/* INTx: the one line the host bridge's interrupt-map gives (pci_assign_irq). */
	if ((flags & PCI_IRQ_INTX) && min_vecs == 1 && dev->irq) {
		pci_intx(dev, 1);
		return 1;
	}
	return nvecs;
}

void pci_free_irq_vectors(struct pci_dev *dev)
{
	if (!dev || !dev->msi_priv)
		return;
	pci_msix_shutdown(dev);
	pci_msi_shutdown(dev);
	pci_msi_teardown(dev);
}

int pci_irq_vector(struct pci_dev *dev, unsigned nr)
{
	u32 irq;

	if (!dev)
		return -EINVAL;
	if (dev->msix_enabled || dev->msi_enabled) {
		irq = msi_get_virq(&dev->dev, nr);
		return irq ? (int)irq : -EINVAL;
	}
	return nr == 0 && dev->irq ? (int)dev->irq : -EINVAL;
}

/* ---- dynamic MSI-X -------------------------------------------------------------- */

bool pci_msix_can_alloc_dyn(struct pci_dev *dev)
{
	return dev && dev->msix_cap;
}

struct msi_map pci_msix_alloc_irq_at(struct pci_dev *dev, unsigned index, const void *affdesc)
{
	struct pci_msi_priv *p = dev ? dev->msi_priv : NULL;
	struct msi_map map = { .index = -EINVAL };
	int ret;

	(void)affdesc;
	if (!p || !dev->msix_enabled || (index != MSI_ANY_INDEX && index >= p->msix_size))
		return map;
	ret = msi_domain_alloc_irq_at(&dev->dev, index);
	if (ret >= 0 && (unsigned)ret >= p->msix_size) {
		msi_domain_free_irq_at(&dev->dev, (unsigned)ret);
		ret = -ENOSPC;		/* the table is full */
	}
	map.index = ret;
	if (ret >= 0)
		map.virq = (int)msi_get_virq(&dev->dev, (unsigned)ret);
	return map;
}

void pci_msix_free_irq(struct pci_dev *dev, struct msi_map map)
{
	if (!dev || !dev->msix_enabled || map.index < 0)
		return;
	if (msi_get_virq(&dev->dev, (unsigned)map.index) != (u32)map.virq)
		return;
	msi_domain_free_irq_at(&dev->dev, (unsigned)map.index);
	writel(PCI_MSIX_ENTRY_CTRL_MASKBIT,
	       msix_entry(dev, (unsigned)map.index) + PCI_MSIX_ENTRY_VECTOR_CTRL);
}
