// SPDX-License-Identifier: GPL-2.0-only
/*
 * Driver for the iommulab,dma-copy engine (docs/devices.md): the engine's
 * programming, shared by its two faces (the platform device here, the
 * PCI function in dma_copy_pci.c, one module as the hardware is one
 * engine), and the kernel side of the shell's dmatest verb.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/dma_copy.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/of/of.h"

#define DMAC_ID		0x000
#define DMAC_VERSION	0x004
#define DMAC_SRC_LO	0x008
#define DMAC_SRC_HI	0x00c
#define DMAC_DST_LO	0x010
#define DMAC_DST_HI	0x014
#define DMAC_LEN	0x018
#define DMAC_SID_IDX	0x01c
#define DMAC_CTRL	0x020
#define DMAC_STATUS	0x024
#define DMAC_ERR_ADDR_LO 0x028
#define DMAC_ERR_ADDR_HI 0x02c
#define DMAC_ERR_CODE	0x030

#define DMAC_ID_VALUE	0x444d4143u
#define CTRL_START	BIT(0)
#define CTRL_IRQ_EN	BIT(1)
#define STATUS_BUSY	BIT(0)
#define STATUS_DONE	BIT(1)
#define STATUS_ERROR	BIT(2)
#define DMAC_MAX_LEN	(16u << 20)


static struct platform_driver dma_copy_driver;

irqreturn_t dma_copy_irq(int irq, void *data)
{
	struct dma_copy *dc = data;
	u32 status = readl(dc->base + DMAC_STATUS);

	if (!(status & (STATUS_DONE | STATUS_ERROR)))
		return IRQ_NONE;
	dc->status = status;
	if (status & STATUS_ERROR) {
		dc->err_code = readl(dc->base + DMAC_ERR_CODE);
		dc->err_addr = readl(dc->base + DMAC_ERR_ADDR_LO) |
			       (u64)readl(dc->base + DMAC_ERR_ADDR_HI) << 32;
	}
	dc->done = true;
	dc->irqs++;
	/* W1C: this lowers the line (from inside the machine's sink). */
	writel(status & (STATUS_DONE | STATUS_ERROR), dc->base + DMAC_STATUS);
	return IRQ_HANDLED;
}

int dma_copy_engine_setup(struct device *dev, u64 base, struct dma_copy **out)
{
	struct dma_copy *dc;
	u32 id = readl(base + DMAC_ID);

	if (id != DMAC_ID_VALUE) {
		dev_err(dev, "unexpected ID register %#x\n", id);
		return -ENODEV;
	}
	dc = devm_kzalloc(dev, sizeof(*dc));
	if (!dc)
		return -ENOMEM;
	dc->dev = dev;
	dc->base = base;
	/* Quiesce before taking the interrupt: no stale DONE/ERROR, no IRQ enable. */
	dma_copy_engine_stop(dc);
	writel(STATUS_DONE | STATUS_ERROR, dc->base + DMAC_STATUS);
	*out = dc;
	return 0;
}

void dma_copy_engine_stop(struct dma_copy *dc)
{
	writel(0, dc->base + DMAC_CTRL);
}

u32 dma_copy_engine_version(struct dma_copy *dc)
{
	return readl(dc->base + DMAC_VERSION);
}

static int dma_copy_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct resource *res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	struct dma_copy *dc;
	int irq, ret;

	if (!res)
		return dev_err_probe(dev, -EINVAL, "no register window\n");
	ret = dma_copy_engine_setup(dev, res->start, &dc);
	if (ret)
		return ret;
	irq = platform_get_irq(pdev, 0);
	if (irq < 0)
		return irq;
	dc->irq = (u32)irq;
	ret = devm_request_irq(dev, dc->irq, dma_copy_irq, "dma-copy", dc);
	if (ret)
		return dev_err_probe(dev, ret, "cannot request IRQ %d\n", irq);
	platform_set_drvdata(pdev, dc);
	dev_info(dev, "dma-copy engine v%u at %#llx, irq %u\n", dma_copy_engine_version(dc),
		 (unsigned long long)dc->base, dc->irq);
	return 0;
}

static void dma_copy_remove(struct platform_device *pdev)
{
	struct dma_copy *dc = platform_get_drvdata(pdev);

	if (dc)
		dma_copy_engine_stop(dc);
}

const struct of_device_id dma_copy_of_match[] = {
	{ .compatible = "iommulab,dma-copy" },
	{ NULL }
};

static struct platform_driver dma_copy_driver = {
	.probe = dma_copy_probe,
	.remove = dma_copy_remove,
	.driver = {
		.name = "dma-copy",
		.of_match_table = dma_copy_of_match,
	},
};

int dma_copy_init(void)
{
	int ret = platform_driver_register(&dma_copy_driver);

	if (ret)
		return ret;
	ret = dma_copy_pci_init();
	if (ret)
		platform_driver_unregister(&dma_copy_driver);
	return ret;
}

void dma_copy_exit(void)
{
	dma_copy_pci_exit();
	platform_driver_unregister(&dma_copy_driver);
}

/* ---- dmatest --------------------------------------------------------- */

struct dmatest_buf {
	u64 phys;	/* where the CPU reaches it (phys_to_virt) */
	u64 bus;	/* what the device is programmed with */
	unsigned order;
};

/*
 * The one place that decides how test buffers are obtained and what bus
 * address the engine gets: the DMA API, so that behind an IOMMU the
 * engine is programmed with IOVAs of its default domain.
 */
static int dmatest_buf_alloc(struct device *dev, size_t len, struct dmatest_buf *b)
{
	unsigned order = 0;
	while ((PAGE_SIZE << order) < len)
		order++;
	b->order = order;
	b->phys = dma_alloc_coherent(dev, PAGE_SIZE << order, &b->bus);
	if (!b->phys)
		return -ENOMEM;
	return 0;
}

static void dmatest_buf_free(struct device *dev, struct dmatest_buf *b)
{
	if (b->phys)
		dma_free_coherent(dev, PAGE_SIZE << b->order, b->phys, b->bus);
	b->phys = b->bus = 0;
}

/* Copies between the kernel's view of a buffer and @host, page by page. */
static void buf_io(const struct dmatest_buf *b, void *host, size_t len, bool to_buf)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		size_t n = MIN(PAGE_SIZE, len - off);
		u8 *p = phys_to_virt(b->phys + off);
		if (!p)
			return;
		if (to_buf)
			memcpy(p, (u8 *)host + off, n);
		else
			memcpy((u8 *)host + off, p, n);
	}
}

static void report(char *msg, size_t msglen, int level, const char *fmt, ...) __printf(4, 5);
static void report(char *msg, size_t msglen, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printk(level, "%s\n", line);
	if (msg && msglen)
		snprintf(msg, msglen, "%s", line);
}

int dma_copy_test(const char *devname, size_t len, char *msg, size_t msglen)
{
	struct device *dev = devname ? bus_find_device_by_name(&platform_bus_type, devname) : NULL;
	struct dmatest_buf src = { 0 }, dst = { 0 };
	struct dma_copy *dc;
	u8 *pattern = NULL, *check = NULL;
	int ret;

	if (msg && msglen)
		msg[0] = '\0';
	if (!dev && devname)
		dev = dma_copy_pci_find(devname);
	if (!dev || (dev->driver != &dma_copy_driver.driver && !dma_copy_pci_bound(dev)) ||
	    !dev_get_drvdata(dev)) {
		report(msg, msglen, LOGLEVEL_ERR, "dmatest: %s: no such device bound to dma-copy",
		       devname ? devname : "(null)");
		return -ENODEV;
	}
	dc = dev_get_drvdata(dev);
	if (!len || len > DMAC_MAX_LEN) {
		report(msg, msglen, LOGLEVEL_ERR, "dmatest: %s: bad length %zu", dev_name(dev), len);
		return -EINVAL;
	}
	pattern = kmalloc(len);
	check = kmalloc(len);
	ret = -ENOMEM;
	if (!pattern || !check || dmatest_buf_alloc(dev, len, &src) ||
	    dmatest_buf_alloc(dev, len, &dst)) {
		report(msg, msglen, LOGLEVEL_ERR, "dmatest: %s: out of memory", dev_name(dev));
		goto out;
	}
	/* A seeded pattern: the machine's RNG makes it reproducible per seed. */
	u64 x = hw_random(kernel_machine()) | 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (u8)x;
	}
	buf_io(&src, pattern, len, true);
	memset(check, 0, len);
	buf_io(&dst, check, len, true);

	dc->done = false;
	dc->status = 0;
	writel((u32)src.bus, dc->base + DMAC_SRC_LO);
	writel((u32)(src.bus >> 32), dc->base + DMAC_SRC_HI);
	writel((u32)dst.bus, dc->base + DMAC_DST_LO);
	writel((u32)(dst.bus >> 32), dc->base + DMAC_DST_HI);
	writel((u32)len, dc->base + DMAC_LEN);
	writel(0, dc->base + DMAC_SID_IDX);
	writel(CTRL_START | CTRL_IRQ_EN, dc->base + DMAC_CTRL);

	/* 1 us + 1 ns per 4 bytes, per the datasheet; wait up to twice that and 1 ms. */
	u64 budget = 2 * (1000 + len / 4) + 1000000;
	for (u64 waited = 0; !dc->done && waited < budget; waited += 1000)
		kernel_sleep(1000);
	if (!dc->done) {
		writel(0, dc->base + DMAC_CTRL);
		report(msg, msglen, LOGLEVEL_ERR, "dmatest: %s: no completion interrupt", dev_name(dev));
		ret = -ETIMEDOUT;
		goto out;
	}
	if (dc->status & STATUS_ERROR) {
		report(msg, msglen, LOGLEVEL_ERR,
		       "dmatest: %s: copy of %zu bytes failed: error %u at %#llx", dev_name(dev),
		       len, dc->err_code, (unsigned long long)dc->err_addr);
		ret = -EIO;
		goto out;
	}
	buf_io(&dst, check, len, false);
	for (size_t i = 0; i < len; i++) {
		if (check[i] != pattern[i]) {
			report(msg, msglen, LOGLEVEL_ERR,
			       "dmatest: %s: data mismatch at offset %zu: %#x != %#x", dev_name(dev),
			       i, check[i], pattern[i]);
			ret = -EIO;
			goto out;
		}
	}
	report(msg, msglen, LOGLEVEL_INFO, "dmatest: %s: copied %zu bytes from %#llx to %#llx ok",
	       dev_name(dev), len, (unsigned long long)src.bus, (unsigned long long)dst.bus);
	ret = 0;
out:
	dmatest_buf_free(dev, &src);
	dmatest_buf_free(dev, &dst);
	kfree(pattern);
	kfree(check);
	return ret;
}
