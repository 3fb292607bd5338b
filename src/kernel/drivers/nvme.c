// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nvme driver's PCI side (Linux: drivers/nvme/host/pci.c): probe
 * (enable, BAR0, controller reset, admin queue, Identify, one I/O queue
 * pair on MSI-X) and remove (queues deleted, controller shut down,
 * vectors freed, bus mastering off), as a real machine binds its NVMe at
 * boot. Registers from docs/devices.md, "iommulab,nvme".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/nvme.h"
#include "kernel/kernel.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

#define NVME_REG_CAP	0x00
#define NVME_REG_CC	0x14
#define NVME_REG_CSTS	0x1c
#define NVME_REG_AQA	0x24
#define NVME_REG_ASQ	0x28
#define NVME_REG_ACQ	0x30
#define NVME_REG_DBS	0x1000

#define NVME_CC_ENABLE		(1u << 0)
#define NVME_CC_CSS_NVM		(0u << 4)
#define NVME_CC_MPS_4K		(0u << 7)
#define NVME_CC_AMS_RR		(0u << 11)
#define NVME_CC_SHN_NORMAL	(1u << 14)
#define NVME_CC_SHN_MASK	(3u << 14)
#define NVME_CC_IOSQES		(6u << 16)
#define NVME_CC_IOCQES		(4u << 20)
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)
#define NVME_CSTS_SHST_MASK	(3u << 2)
#define NVME_CSTS_SHST_CMPLT	(2u << 2)

#define NVME_CAP_MQES(cap)	((u32)((cap) & 0xffff))
#define NVME_CAP_TIMEOUT(cap)	((u32)(((cap) >> 24) & 0xff))
#define NVME_CAP_STRIDE(cap)	((u32)(((cap) >> 32) & 0xf))

#define nvme_admin_delete_sq	0x00
#define nvme_admin_create_sq	0x01
#define nvme_admin_delete_cq	0x04
#define nvme_admin_create_cq	0x05
#define nvme_admin_identify	0x06
#define nvme_admin_set_features	0x09
#define NVME_FEAT_NUM_QUEUES	0x07
#define NVME_QUEUE_PHYS_CONTIG	(1u << 0)
#define NVME_CQ_IRQ_ENABLED	(1u << 1)

static struct pci_driver nvme_driver;

/* Log lines as Linux's dev_info(ctrl->device, ...): "nvme nvme0: ...". */
#define nvme_info(nd, fmt, ...) pr_info("nvme %s: " fmt, (nd)->name, ##__VA_ARGS__)
#define nvme_warn(nd, fmt, ...) pr_warn("nvme %s: " fmt, (nd)->name, ##__VA_ARGS__)

/* ---- instances ----------------------------------------------------------------- */

static int instance_used(struct device *dev, void *data)
{
	int *want = data;
	struct nvme_dev *nd;

	if (dev->driver != &nvme_driver.driver || !(nd = dev_get_drvdata(dev)))
		return 0;
	return nd->instance == *want;
}

/* The lowest free nvmeN (Linux's nvme_instance_ida), from the bound controllers. */
static int nvme_alloc_instance(void)
{
	for (int n = 0;; n++)
		if (!bus_for_each_dev(&pci_bus_type, NULL, &n, instance_used))
			return n;
}

struct nvme_dev *nvme_find(const char *name)
{
	struct device *dev = name ? bus_find_device_by_name(&pci_bus_type, name) : NULL;

	if (!dev || dev->driver != &nvme_driver.driver)
		return NULL;
	return dev_get_drvdata(dev);
}

/* ---- registers ------------------------------------------------------------------ */

static u64 lo_hi_readq(u64 addr)
{
	u64 lo = readl(addr);

	return lo | (u64)readl(addr + 4) << 32;
}

static void lo_hi_writeq(u64 val, u64 addr)
{
	writel((u32)val, addr);
	writel((u32)(val >> 32), addr + 4);
}

/* Polls CSTS until (CSTS & mask) == val, for CAP.TO units of 500 ms. */
static int nvme_wait_ready(struct nvme_dev *nd, u32 mask, u32 val, const char *op)
{
	u64 budget = (u64)(NVME_CAP_TIMEOUT(nd->cap) + 1) * 500000000ull;
	u32 csts;

	for (u64 waited = 0;; waited += 1000000) {
		csts = readl(nd->bar + NVME_REG_CSTS);
		if (csts == ~0u)
			return -ENODEV;
		if ((csts & mask) == val)
			return 0;
		if (csts & NVME_CSTS_CFS && val) {
			nvme_warn(nd, "Device not ready; aborting %s, CSTS=0x%x\n", op, csts);
			return -ENODEV;
		}
		if (waited >= budget) {
			nvme_warn(nd, "Device not ready; aborting %s, CSTS=0x%x\n", op, csts);
			return -ENODEV;
		}
		kernel_sleep(1000000);
	}
}

static int nvme_disable_ctrl(struct nvme_dev *nd, bool shutdown)
{
	u32 cc = readl(nd->bar + NVME_REG_CC);

	if (shutdown) {
		cc = (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL;
		writel(cc, nd->bar + NVME_REG_CC);
		return nvme_wait_ready(nd, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_CMPLT, "shutdown");
	}
	writel(cc & ~NVME_CC_ENABLE, nd->bar + NVME_REG_CC);
	return nvme_wait_ready(nd, NVME_CSTS_RDY, 0, "reset");
}

static int nvme_enable_ctrl(struct nvme_dev *nd)
{
	writel(NVME_CC_CSS_NVM | NVME_CC_MPS_4K | NVME_CC_AMS_RR | NVME_CC_IOSQES |
	       NVME_CC_IOCQES | NVME_CC_ENABLE, nd->bar + NVME_REG_CC);
	return nvme_wait_ready(nd, NVME_CSTS_RDY, NVME_CSTS_RDY, "initialisation");
}

/* ---- queues ------------------------------------------------------------------------- */

static int nvme_alloc_queue(struct nvme_dev *nd, struct nvme_queue *q, u16 qid, u16 depth)
{
	memset(q, 0, sizeof(*q));
	q->dev = nd;
	q->qid = qid;
	q->depth = depth;
	q->cq_phase = 1;
	q->sq_phys = dma_alloc_coherent(&nd->pdev->dev, (size_t)depth * 64, &q->sq_dma);
	q->cq_phys = dma_alloc_coherent(&nd->pdev->dev, (size_t)depth * 16, &q->cq_dma);
	if (!q->sq_phys || !q->cq_phys)
		return -ENOMEM;
	return 0;
}

static void nvme_free_queue(struct nvme_dev *nd, struct nvme_queue *q)
{
	if (q->sq_phys)
		dma_free_coherent(&nd->pdev->dev, (size_t)q->depth * 64, q->sq_phys, q->sq_dma);
	if (q->cq_phys)
		dma_free_coherent(&nd->pdev->dev, (size_t)q->depth * 16, q->cq_phys, q->cq_dma);
	q->sq_phys = q->cq_phys = 0;
}

static irqreturn_t nvme_irq(int irq, void *data)
{
	struct nvme_dev *nd = data;
	bool any = false;

	if (nd->admin.irq == (u32)irq)
		any |= nvme_process_cq(&nd->admin);
	if (nd->io.created && nd->io.irq == (u32)irq)
		any |= nvme_process_cq(&nd->io);
	if (any)
		nd->irqs++;
	return any ? IRQ_HANDLED : IRQ_NONE;
}

static int nvme_request_vector(struct nvme_dev *nd, struct nvme_queue *q, u16 vector)
{
	int irq = pci_irq_vector(nd->pdev, vector);

	if (irq < 0)
		return irq;
	q->cq_vector = vector;
	q->irq = (u32)irq;
	/* Queues sharing vector 0 (MSI, INTx) share the handler too. */
	if (q != &nd->admin && nd->admin.irq == q->irq)
		return 0;
	return request_irq(q->irq, nvme_irq, nd->name, nd);
}

static void nvme_free_vector(struct nvme_dev *nd, struct nvme_queue *q)
{
	if (!q->irq || (q != &nd->admin && nd->admin.irq == q->irq))
		return;
	free_irq(q->irq, nd);
	q->irq = 0;
}

static int nvme_setup_admin_queue(struct nvme_dev *nd)
{
	int ret;

	ret = nvme_disable_ctrl(nd, false);
	if (ret)
		return ret;
	ret = nvme_alloc_queue(nd, &nd->admin, 0, NVME_AQ_DEPTH);
	if (ret)
		return ret;
	writel((NVME_AQ_DEPTH - 1) | (NVME_AQ_DEPTH - 1) << 16, nd->bar + NVME_REG_AQA);
	lo_hi_writeq(nd->admin.sq_dma, nd->bar + NVME_REG_ASQ);
	lo_hi_writeq(nd->admin.cq_dma, nd->bar + NVME_REG_ACQ);
	ret = nvme_enable_ctrl(nd);
	if (ret)
		return ret;
	return nvme_request_vector(nd, &nd->admin, 0);
}

static void ascii_field(char *dst, const u8 *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
	for (size_t i = n; i > 0 && (dst[i - 1] == ' ' || !dst[i - 1]); i--)
		dst[i - 1] = '\0';
}

static int nvme_identify(struct nvme_dev *nd, u32 cns, u32 nsid, u8 *out)
{
	struct nvme_command c = { { nvme_admin_identify } };
	dma_addr_t dma;
	u64 phys = dma_alloc_coherent(&nd->pdev->dev, NVME_PAGE_SIZE, &dma);
	int ret;

	if (!phys)
		return -ENOMEM;
	c.dw[1] = nsid;
	c.dw[6] = (u32)dma;
	c.dw[7] = (u32)(dma >> 32);
	c.dw[10] = cns;
	ret = nvme_submit_sync(&nd->admin, &c, NULL);
	if (!ret)
		memcpy(out, phys_to_virt(phys), NVME_PAGE_SIZE);
	dma_free_coherent(&nd->pdev->dev, NVME_PAGE_SIZE, phys, dma);
	return ret;
}

static u32 le32_at(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static int nvme_init_identify(struct nvme_dev *nd)
{
	u8 *id = kmalloc(NVME_PAGE_SIZE);
	int ret;

	if (!id)
		return -ENOMEM;
	ret = nvme_identify(nd, 1, 0, id);		/* CNS 01h: controller */
	if (ret)
		goto out;
	ascii_field(nd->sn, id + 4, 20);
	ascii_field(nd->mn, id + 24, 40);
	ascii_field(nd->fr, id + 64, 8);
	/* MDTS in units of the minimum page size; 0: no limit (keep ours). */
	nd->max_bytes = id[77] ? NVME_PAGE_SIZE << id[77] : NVME_MAX_BYTES;
	if (nd->max_bytes > NVME_MAX_BYTES)
		nd->max_bytes = NVME_MAX_BYTES;
	ret = nvme_identify(nd, 0, 1, id);		/* CNS 00h: namespace 1 */
	if (ret)
		goto out;
	nd->nsze = le32_at(id) | (u64)le32_at(id + 4) << 32;
	nd->lba_shift = (le32_at(id + 128 + 4 * (id[26] & 0xf)) >> 16) & 0xff;
	if (nd->lba_shift < 9 || nd->lba_shift > 12)
		ret = -EINVAL;
out:
	kfree(id);
	return ret;
}

static int nvme_set_queue_count(struct nvme_dev *nd)
{
	struct nvme_command c = { { nvme_admin_set_features } };
	u32 result = 0;
	int ret;

	c.dw[10] = NVME_FEAT_NUM_QUEUES;
	c.dw[11] = 0;		/* one SQ and one CQ, 0-based */
	ret = nvme_submit_sync(&nd->admin, &c, &result);
	if (ret > 0) {
		nvme_warn(nd, "Could not set queue count (%d)\n", ret);
		return -EIO;
	}
	return ret;
}

static int nvme_create_io_queue(struct nvme_dev *nd)
{
	struct nvme_queue *q = &nd->io;
	struct nvme_command c = { { nvme_admin_create_cq } };
	u16 depth = (u16)MIN(NVME_IO_DEPTH_MAX, NVME_CAP_MQES(nd->cap) + 1);
	int ret;

	ret = nvme_alloc_queue(nd, q, 1, depth);
	if (ret)
		return ret;
	ret = nvme_request_vector(nd, q, nd->nr_vecs > 1 ? 1 : 0);
	if (ret)
		return ret;
	c.dw[6] = (u32)q->cq_dma;
	c.dw[7] = (u32)(q->cq_dma >> 32);
	c.dw[10] = q->qid | (u32)(depth - 1) << 16;
	c.dw[11] = NVME_QUEUE_PHYS_CONTIG | NVME_CQ_IRQ_ENABLED | (u32)q->cq_vector << 16;
	q->created = true;	/* its completions may arrive from now on */
	ret = nvme_submit_sync(&nd->admin, &c, NULL);
	if (ret) {
		q->created = false;
		return ret > 0 ? -EIO : ret;
	}
	memset(&c, 0, sizeof(c));
	c.dw[0] = nvme_admin_create_sq;
	c.dw[6] = (u32)q->sq_dma;
	c.dw[7] = (u32)(q->sq_dma >> 32);
	c.dw[10] = q->qid | (u32)(depth - 1) << 16;
	c.dw[11] = NVME_QUEUE_PHYS_CONTIG | (u32)q->qid << 16;
	ret = nvme_submit_sync(&nd->admin, &c, NULL);
	if (ret) {
		memset(&c, 0, sizeof(c));
		c.dw[0] = nvme_admin_delete_cq;
		c.dw[10] = q->qid;
		nvme_submit_sync(&nd->admin, &c, NULL);
		q->created = false;
		return ret > 0 ? -EIO : ret;
	}
	return 0;
}

static void nvme_delete_io_queue(struct nvme_dev *nd)
{
	struct nvme_command c = { { nvme_admin_delete_sq } };

	if (!nd->io.created)
		return;
	c.dw[10] = nd->io.qid;
	nvme_submit_sync(&nd->admin, &c, NULL);
	memset(&c, 0, sizeof(c));
	c.dw[0] = nvme_admin_delete_cq;
	c.dw[10] = nd->io.qid;
	nvme_submit_sync(&nd->admin, &c, NULL);
	nd->io.created = false;
}

/* ---- probe and remove ------------------------------------------------------------------ */

/* Undoes whatever probe got to, in reverse; the controller first stops. */
static void nvme_teardown(struct nvme_dev *nd, bool shutdown)
{
	nd->online = false;
	if (nd->admin.irq) {
		nvme_delete_io_queue(nd);
		nvme_disable_ctrl(nd, shutdown);
	}
	/* Disabled, so nothing fetches from the queues freed below. */
	if (!pci_dev_is_disconnected(nd->pdev))
		writel(0, nd->bar + NVME_REG_CC);
	nvme_free_vector(nd, &nd->io);
	nvme_free_vector(nd, &nd->admin);
	pci_free_irq_vectors(nd->pdev);
	nvme_free_queue(nd, &nd->io);
	nvme_free_queue(nd, &nd->admin);
	if (nd->prp_list_phys)
		dma_free_coherent(&nd->pdev->dev, NVME_PAGE_SIZE, nd->prp_list_phys,
				  nd->prp_list_dma);
	nd->prp_list_phys = 0;
}

static int nvme_setup(struct nvme_dev *nd)
{
	int ret;

	nd->cap = lo_hi_readq(nd->bar + NVME_REG_CAP);
	if (readl(nd->bar + NVME_REG_CSTS) == ~0u)
		return -ENODEV;
	nd->db_stride = 4u << NVME_CAP_STRIDE(nd->cap);
	/* Admin on vector 0, the I/O queue on vector 1 (one vector: shared). */
	ret = pci_alloc_irq_vectors(nd->pdev, 1, 2, PCI_IRQ_ALL_TYPES);
	if (ret < 0)
		return ret;
	nd->nr_vecs = (unsigned)ret;
	nd->prp_list_phys = dma_alloc_coherent(&nd->pdev->dev, NVME_PAGE_SIZE, &nd->prp_list_dma);
	if (!nd->prp_list_phys)
		return -ENOMEM;
	ret = nvme_setup_admin_queue(nd);
	if (!ret)
		ret = nvme_init_identify(nd);
	if (!ret)
		ret = nvme_set_queue_count(nd);
	if (!ret)
		ret = nvme_create_io_queue(nd);
	return ret;
}

static int nvme_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nvme_dev *nd;
	int ret;

	(void)id;
	nd = devm_kzalloc(&pdev->dev, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	nd->pdev = pdev;
	nd->instance = nvme_alloc_instance();
	snprintf(nd->name, sizeof(nd->name), "nvme%d", nd->instance);
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	nd->bar = pci_iomap(pdev, 0, 0);
	if (!nd->bar)
		return -ENOMEM;
	if (dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64)))
		return -ENODEV;
	pci_set_master(pdev);
	pci_set_drvdata(pdev, nd);
	nvme_info(nd, "pci function %s\n", pci_name(pdev));
	ret = nvme_setup(nd);
	if (ret) {
		nvme_teardown(nd, false);
		pci_set_drvdata(pdev, NULL);
		nvme_warn(nd, "Removing after probe failure status: %d\n", ret);
		return ret;
	}
	nd->online = true;
	nvme_info(nd, "%d/%d/%d default/read/poll queues\n", 1, 0, 0);
	return 0;
}

/* nvme_remove: queues deleted, the controller shut down; the core clears Bus Master Enable. */
static void nvme_remove(struct pci_dev *pdev)
{
	struct nvme_dev *nd = pci_get_drvdata(pdev);

	if (!nd)
		return;
	nvme_teardown(nd, !pci_dev_is_disconnected(pdev));
	pci_set_drvdata(pdev, NULL);
}

static const struct pci_device_id nvme_id_table[] = {
	{ PCI_DEVICE_CLASS(PCI_CLASS_STORAGE_EXPRESS, 0xffffff) },
	{ 0 }
};

static struct pci_driver nvme_driver = {
	.name = "nvme",
	.id_table = nvme_id_table,
	.probe = nvme_probe,
	.remove = nvme_remove,
};

int nvme_init(void)
{
	return pci_register_driver(&nvme_driver);
}

void nvme_exit(void)
{
	pci_unregister_driver(&nvme_driver);
}
