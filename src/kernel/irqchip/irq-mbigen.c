// SPDX-License-Identifier: GPL-2.0-only
/*
 * HiSilicon's mbigen driver (Linux 6.12: drivers/irqchip/irq-mbigen.c),
 * the platform driver "Hisilicon MBIGEN-V2" for `hisilicon,mbigen-v2`.
 * Each child node that is an interrupt-controller becomes a platform
 * device of its own (its `msi-parent` gives the ITS and the DeviceID) and
 * an irq domain of `num-pins` interrupts: a consumer's specifier
 * <pin type> (pin 64..1407, type 1 edge-rising or 4 level-high, else
 * -EINVAL) gets an ITS LPI at its first use; the LPI's event ID goes into
 * the pin's vector register (the doorbell is built into the hardware) and
 * the type into the pin's type bit. No more pins than num-pins: -ENOSPC.
 * Without num-pins the probe fails ("No num-pins property", then
 * "Failed to create mbi-gen irqdomain").
 *
 * After each round of a pin's handlers the pin's clear bit is written
 * (mbigen_eoi_irq, for every pin as Linux does): a level pin sends
 * nothing more until then, and sends again at the clear if its line is
 * still high.
 */
#include <errno.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/kernel_state.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/drivers.h"
#include "kernel/irqchip/irqdomain.h"
#include "kernel/irqchip/msi.h"
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"

#define RESERVED_IRQ_PER_MBIGEN_CHIP	64u
#define MAXIMUM_IRQ_PIN_NUM		1407u
#define IRQS_PER_MBIGEN_NODE		128u
#define MBIGEN_NODE_OFFSET		0x1000u
#define REG_MBIGEN_VEC_OFFSET		0x200u
#define REG_MBIGEN_TYPE_OFFSET		0x0u
#define REG_MBIGEN_CLEAR_OFFSET		0xa000u
#define IRQ_EVENT_ID_SHIFT		12
#define IRQ_EVENT_ID_MASK		0x3ffu
#define IRQ_TYPE_EDGE_RISING_DT		1u
#define IRQ_TYPE_LEVEL_HIGH_DT		4u

/* One child interrupt controller: its device, domain and pins in use. */
struct mbigen_child {
	struct list_head link;
	struct mbigen_device *owner;
	struct platform_device *pdev;
	u64 base;			/* the mbigen's registers */
	u32 num_pins, used;
	u32 pending_hwirq;		/* the pin being allocated (write_msg before it is recorded) */
	u32 *hwirq;			/* by MSI index */
	u32 *virq;
};

/* A bound mbigen: owns the children it created. */
struct mbigen_device {
	u64 base;			/* its registers */
};

static u32 vec_reg(u32 hwirq)
{
	u32 n = hwirq - RESERVED_IRQ_PER_MBIGEN_CHIP;

	return (n % IRQS_PER_MBIGEN_NODE) * 4 + (n / IRQS_PER_MBIGEN_NODE + 1) * MBIGEN_NODE_OFFSET +
	       REG_MBIGEN_VEC_OFFSET;
}

static void type_reg(u32 hwirq, u32 *mask, u32 *off)
{
	u32 n = hwirq - RESERVED_IRQ_PER_MBIGEN_CHIP, pin = n % IRQS_PER_MBIGEN_NODE;

	*mask = 1u << (pin % 32);
	*off = pin / 32 * 4 + (n / IRQS_PER_MBIGEN_NODE + 1) * MBIGEN_NODE_OFFSET +
	       REG_MBIGEN_TYPE_OFFSET;
}

static struct mbigen_child *child_of(struct device *dev)
{
	struct mbigen_child *c;

	list_for_each_entry(c, &kstate->msi.mbigen_children, link)
		if (&c->pdev->dev == dev)
			return c;
	return NULL;
}

/* mbigen_write_msi_msg: the event ID into the pin's vector register. */
static void mbigen_write_msi_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	struct mbigen_child *c = child_of(desc->dev);
	u32 hwirq, val;

	if (!c || (!msg->address_lo && !msg->address_hi) || desc->msi_index >= c->num_pins)
		return;
	hwirq = c->hwirq[desc->msi_index] ? c->hwirq[desc->msi_index] : c->pending_hwirq;
	val = readl(c->base + vec_reg(hwirq));
	val &= ~(IRQ_EVENT_ID_MASK << IRQ_EVENT_ID_SHIFT);
	val |= msg->data << IRQ_EVENT_ID_SHIFT;
	writel(val, c->base + vec_reg(hwirq));
}

static void mbigen_set_type(struct mbigen_child *c, u32 hwirq, u32 type)
{
	u32 mask, off, val;

	type_reg(hwirq, &mask, &off);
	val = readl(c->base + off);
	val = type == IRQ_TYPE_LEVEL_HIGH_DT ? val | mask : val & ~mask;
	writel(val, c->base + off);
}

/* mbigen_eoi_irq: the pin's bit in the clear registers, indexed by the whole pin number. */
static void mbigen_eoi(struct msi_desc *desc, unsigned i)
{
	struct mbigen_child *c = child_of(desc->dev);
	u32 hwirq;

	if (!c || i || desc->msi_index >= c->num_pins)
		return;
	hwirq = c->hwirq[desc->msi_index];
	if (hwirq)
		writel(1u << (hwirq % 32), c->base + REG_MBIGEN_CLEAR_OFFSET + hwirq / 32 * 4);
}

/* The first pin sets the device up with the ITS (msi-parent); later ones add a vector. */
static int alloc_vector(struct mbigen_child *c)
{
	struct device *dev = &c->pdev->dev;
	struct device_node *ctrl = NULL;
	struct irq_domain *d;
	u32 args[1] = { 0 };
	int ret;

	if (c->used)
		return msi_domain_alloc_irq_at(dev, MSI_ANY_INDEX);
	if (of_msi_parent(dev->of_node, 0, &ctrl, args, 1) != 1)
		return -EINVAL;
	d = irq_find_msi_domain(ctrl);
	if (!d)
		return -EPROBE_DEFER;
	ret = msi_setup_device_data(dev, d, args[0], mbigen_write_msi_msg);
	if (ret)
		return ret;
	msi_device_set_prepare_nvec(dev, c->num_pins);
	msi_device_set_eoi(dev, mbigen_eoi);
	ret = msi_domain_alloc_irqs(dev, d, 1);
	if (ret)
		msi_domain_free_irqs_all(dev);
	return ret;
}

/* mbigen_domain_translate, then the allocation at first use. */
static int mbigen_map(void *host_data, const struct irq_fwspec *spec)
{
	struct mbigen_child *c = host_data;
	u32 hwirq, type;
	int idx;

	if (spec->param_count != 2)
		return -EINVAL;
	hwirq = spec->param[0];
	type = spec->param[1];
	if (hwirq > MAXIMUM_IRQ_PIN_NUM || hwirq < RESERVED_IRQ_PER_MBIGEN_CHIP)
		return -EINVAL;
	if (type != IRQ_TYPE_EDGE_RISING_DT && type != IRQ_TYPE_LEVEL_HIGH_DT)
		return -EINVAL;
	for (u32 i = 0; i < c->num_pins; i++)
		if (c->hwirq[i] == hwirq)
			return (int)c->virq[i];
	if (c->used == c->num_pins)
		return -ENOSPC;
	c->pending_hwirq = hwirq;
	idx = alloc_vector(c);
	c->pending_hwirq = 0;
	if (idx < 0)
		return idx;
	c->hwirq[idx] = hwirq;
	c->virq[idx] = msi_get_virq(&c->pdev->dev, (unsigned)idx);
	c->used++;
	mbigen_set_type(c, hwirq, type);
	return (int)c->virq[idx];
}

static const struct wired_irq_domain_ops mbigen_domain_ops = {
	.map = mbigen_map,
};

static void child_free(struct mbigen_child *c)
{
	struct device_node *np = c->pdev->dev.of_node;

	irq_domain_remove_wired(np);
	msi_domain_free_irqs_all(&c->pdev->dev);
	list_del(&c->link);
	platform_device_unregister(c->pdev);
	np->flags &= ~OF_POPULATED;
	kfree(c->hwirq);
	kfree(c->virq);
	kfree(c);
}

static int child_create(struct platform_device *pdev, struct device_node *np, u64 base,
			struct mbigen_device *mgn)
{
	struct mbigen_child *c;
	struct platform_device *child = of_platform_device_create(np, NULL);
	u32 num_pins;
	int ret;

	if (!child)
		return -ENOMEM;
	if (of_property_read_u32(np, "num-pins", &num_pins) < 0) {
		dev_err(&pdev->dev, "No num-pins property");
		platform_device_unregister(child);
		np->flags &= ~OF_POPULATED;
		return -EINVAL;
	}
	c = kzalloc(sizeof(*c));
	if (c) {
		c->hwirq = kcalloc(num_pins ? num_pins : 1, sizeof(u32));
		c->virq = kcalloc(num_pins ? num_pins : 1, sizeof(u32));
	}
	if (!c || !c->hwirq || !c->virq) {
		if (c) {
			kfree(c->hwirq);
			kfree(c->virq);
		}
		kfree(c);
		platform_device_unregister(child);
		np->flags &= ~OF_POPULATED;
		return -ENOMEM;
	}
	c->owner = mgn;
	c->pdev = child;
	c->base = base;
	c->num_pins = num_pins;
	list_add_tail(&c->link, &kstate->msi.mbigen_children);
	ret = irq_domain_add_wired(np, &mbigen_domain_ops, c);
	if (ret)
		child_free(c);
	return ret;
}

static void mbigen_free(struct mbigen_device *mgn)
{
	struct mbigen_child *c, *n;

	list_for_each_entry_safe(c, n, &kstate->msi.mbigen_children, link)
		if (c->owner == mgn)
			child_free(c);
}

static int mbigen_device_probe(struct platform_device *pdev)
{
	struct resource *res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	struct device_node *np;
	struct mbigen_device *mgn;
	int err = 0;

	if (!res || !pdev->dev.of_node)
		return -EINVAL;
	mgn = kzalloc(sizeof(*mgn));
	if (!mgn)
		return -ENOMEM;
	mgn->base = res->start;
	for_each_child_of_node(pdev->dev.of_node, np) {
		if (!of_property_read_bool(np, "interrupt-controller"))
			continue;
		err = child_create(pdev, np, mgn->base, mgn);
		if (err)
			break;
	}
	if (err) {
		dev_err(&pdev->dev, "Failed to create mbi-gen irqdomain");
		mbigen_free(mgn);
		kfree(mgn);
		return err;
	}
	dev_set_drvdata(&pdev->dev, mgn);
	return 0;
}

static void mbigen_device_remove(struct platform_device *pdev)
{
	struct mbigen_device *mgn = dev_get_drvdata(&pdev->dev);

	mbigen_free(mgn);
	kfree(mgn);
	dev_set_drvdata(&pdev->dev, NULL);
}

const struct of_device_id mbigen_of_match[] = {
	{ .compatible = "hisilicon,mbigen-v2" },
	{ NULL, NULL },
};

static struct platform_driver mbigen_platform_driver = {
	.probe = mbigen_device_probe,
	.remove = mbigen_device_remove,
	.driver = {
		.name = "Hisilicon MBIGEN-V2",
		.of_match_table = mbigen_of_match,
		.suppress_bind_attrs = true,
	},
};

int mbigen_init(void)
{
	return platform_driver_register(&mbigen_platform_driver);
}

void mbigen_exit(void)
{
	platform_driver_unregister(&mbigen_platform_driver);
}
