// SPDX-License-Identifier: GPL-2.0-only
/* request_irq and the machine's interrupt sink. */
#include <string.h>

#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

/*
 * INTIDs the kernel handles: SGIs, PPIs, SPIs and the LPIs (8192..16383),
 * as the machine's lines. Descriptors are sparse (Linux's SPARSE_IRQ): a
 * chunk of IRQ_CHUNK is allocated when a line in it first gets an action,
 * a chip or a type, so a boot pays for the lines it uses, not for 16K.
 */
#define NR_IRQS 16384
#define IRQ_CHUNK 64
/* 1020..1023 are special INTIDs, 1024..8191 reserved (no extended ranges). */
#define NR_SPI_END 1020
#define LPI_BASE 8192

static bool irq_valid(u32 intid)
{
	return intid < NR_SPI_END || (intid >= LPI_BASE && intid < NR_IRQS);
}

/* Handler runs for one assertion before the line is declared stuck. */
#define IRQ_STORM_LIMIT 10000

struct irqaction {
	struct irqaction *next;
	irq_handler_t handler;
	void *dev_id;
	unsigned long flags;
	char *name;
};

struct irq_desc {
	struct irqaction *action;
	bool in_handler;
	bool disabled;		/* "nobody cared" */
	unsigned depth;		/* disable_irq nesting: handlers run at 0 */
	unsigned type;		/* IRQ_TYPE_*: 0 is level (the default flow) */
	const struct irq_chip *chip;	/* masks the source (an MSI), or NULL */
	void *chip_data;
};

/* The descriptor of @intid, or NULL (no kernel, out of range, never used). */
static struct irq_desc *irq_to_desc(u32 intid)
{
	struct irq_desc **chunks = kstate ? kstate->irq.chunks : NULL;

	if (!chunks || !irq_valid(intid) || !chunks[intid / IRQ_CHUNK])
		return NULL;
	return &chunks[intid / IRQ_CHUNK][intid % IRQ_CHUNK];
}

/* The same, allocating its chunk: NULL for a bad number or no memory. */
static struct irq_desc *irq_to_desc_alloc(u32 intid)
{
	struct irq_desc **chunks = kstate ? kstate->irq.chunks : NULL;

	if (!chunks || !irq_valid(intid))
		return NULL;
	if (!chunks[intid / IRQ_CHUNK]) {
		chunks[intid / IRQ_CHUNK] = kcalloc(IRQ_CHUNK, sizeof(struct irq_desc));
		if (!chunks[intid / IRQ_CHUNK])
			return NULL;
	}
	return &chunks[intid / IRQ_CHUNK][intid % IRQ_CHUNK];
}

static void irq_mask(struct irq_desc *desc, u32 intid)
{
	if (desc->chip && desc->chip->irq_mask)
		desc->chip->irq_mask(intid, desc->chip_data);
}

static void irq_unmask(struct irq_desc *desc, u32 intid)
{
	if (desc->chip && desc->chip->irq_unmask)
		desc->chip->irq_unmask(intid, desc->chip_data);
}

/* One round of every action; false when the line must be disabled. */
static bool run_actions(struct irq_desc *desc, u32 intid, unsigned *rounds, bool edge)
{
	irqreturn_t ret = IRQ_NONE;

	for (struct irqaction *a = desc->action; a; a = a->next)
		ret |= a->handler((int)intid, a->dev_id);
	/* An unclaimed edge is one spurious event, not a stuck line. */
	if ((ret == IRQ_NONE && !edge) || ++*rounds >= IRQ_STORM_LIMIT) {
		pr_err("irq %u: nobody cared\n", intid);
		pr_err("Disabling IRQ #%u\n", intid);
		desc->disabled = true;
		return false;
	}
	return true;
}

/*
 * Level flow (handle_level_irq): the handlers run for as long as the line
 * is high; the device lowers it. Edge flow (handle_edge_irq): the line is
 * a latched edge (an MSI), so it is acknowledged (lowered) before the
 * handlers run, and an edge that arrives meanwhile runs them again. A
 * masked edge stays latched and is delivered at enable_irq.
 */
static void handle_irq(u32 intid)
{
	struct irq_desc *desc = irq_to_desc(intid);
	struct machine *m = kstate->irq.machine;
	bool edge;
	unsigned rounds = 0;

	if (!desc || desc->in_handler || desc->disabled || desc->depth)
		return;
	edge = desc->type & IRQ_TYPE_EDGE_BOTH;
	desc->in_handler = true;
	/* A handler may mask its own line (an automasking handler): stop then. */
	while (desc->action && !desc->depth && hw_irq_level(m, intid)) {
		if (edge) {
			hw_irq_ack(m, intid);
			pr_debug("%s: irq %u\n", desc->chip ? desc->chip->name : "edge", intid);
		}
		bool more = run_actions(desc, intid, &rounds, edge);

		if (desc->chip && desc->chip->irq_eoi)
			desc->chip->irq_eoi(intid, desc->chip_data);
		if (!more)
			break;
	}
	desc->in_handler = false;
}

static void irq_sink(void *opaque, u32 intid, bool level)
{
	(void)opaque;
	if (!kstate || !level)
		return;
	handle_irq(intid);
}

int irq_init(struct machine *m)
{
	struct irq_state *is = &kstate->irq;

	is->chunks = kcalloc(NR_IRQS / IRQ_CHUNK, sizeof(*is->chunks));
	if (!is->chunks)
		return -ENOMEM;
	is->machine = m;
	hw_irq_set_sink(m, irq_sink, NULL);
	return 0;
}

void irq_exit(void)
{
	struct irq_state *is = kstate ? &kstate->irq : NULL;

	if (!is || !is->chunks)
		return;
	for (u32 i = 0; i < NR_IRQS; i++) {
		struct irq_desc *desc = irq_to_desc(i);

		if (!desc) {
			i += IRQ_CHUNK - 1;
			continue;
		}
		while (desc->action) {
			struct irqaction *a = desc->action;
			pr_warn("irq %u: %s still requested at shutdown\n", i, a->name);
			desc->action = a->next;
			kfree(a->name);
			kfree(a);
		}
	}
	if (is->machine)
		hw_irq_set_sink(is->machine, NULL, NULL);
	for (u32 c = 0; c < NR_IRQS / IRQ_CHUNK; c++)
		kfree(is->chunks[c]);
	kfree(is->chunks);
	is->chunks = NULL;
	is->machine = NULL;
}

int irq_set_irq_type(u32 intid, unsigned type)
{
	struct irq_desc *desc;

	if (type & ~(IRQ_TYPE_EDGE_BOTH | IRQ_TYPE_LEVEL_MASK))
		return -EINVAL;
	desc = irq_to_desc_alloc(intid);
	if (!desc)
		return !irq_valid(intid) || !kstate ? -EINVAL : -ENOMEM;
	desc->type = type;
	return 0;
}

int irq_set_chip_and_data(u32 intid, const struct irq_chip *chip, void *data)
{
	struct irq_desc *desc = chip ? irq_to_desc_alloc(intid) : irq_to_desc(intid);

	if (!desc)
		return chip && irq_valid(intid) && kstate ? -ENOMEM : (chip ? -EINVAL : 0);
	desc->chip = chip;
	desc->chip_data = data;
	return 0;
}

bool irq_has_action(u32 intid)
{
	struct irq_desc *desc = irq_to_desc(intid);

	return desc && desc->action;
}

int request_irq_flags(u32 intid, irq_handler_t handler, unsigned long flags,
		      const char *name, void *dev_id)
{
	struct irq_desc *desc;
	struct irqaction *a, **pp;

	if (!kstate || !kstate->irq.chunks || !irq_valid(intid) || !handler)
		return -EINVAL;
	if ((flags & IRQF_SHARED) && !dev_id)
		return -EINVAL;
	/* As Linux: a shared line cannot start disabled. */
	if ((flags & IRQF_SHARED) && (flags & IRQF_NO_AUTOEN))
		return -EINVAL;
	desc = irq_to_desc_alloc(intid);
	if (!desc)
		return -ENOMEM;
	if (desc->action && !(flags & IRQF_SHARED && desc->action->flags & IRQF_SHARED)) {
		pr_err("genirq: Flags mismatch irq %u. %08lx (%s) vs. %08lx (%s)\n", intid,
		       flags, name ? name : "", desc->action->flags, desc->action->name);
		return -EBUSY;
	}
	a = kzalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->name = kstrdup(name ? name : "");
	if (!a->name) {
		kfree(a);
		return -ENOMEM;
	}
	a->handler = handler;
	a->dev_id = dev_id;
	a->flags = flags;
	for (pp = &desc->action; *pp; pp = &(*pp)->next)
		;
	*pp = a;
	desc->disabled = false;
	/* The first action sets the line's enable state (Linux's __setup_irq). */
	if (!desc->action->next) {
		desc->depth = (flags & IRQF_NO_AUTOEN) ? 1 : 0;
		if (!desc->depth)
			irq_unmask(desc, intid);   /* irq_startup */
	}
	/* A line already high (a level, or a latched edge) is delivered now. */
	handle_irq(intid);
	return 0;
}

int request_irq(u32 intid, irq_handler_t handler, const char *name, void *dev_id)
{
	return request_irq_flags(intid, handler, 0, name, dev_id);
}

void free_irq(u32 intid, void *dev_id)
{
	struct irq_desc *desc = irq_to_desc(intid);

	for (struct irqaction **pp = desc ? &desc->action : NULL; pp && *pp; pp = &(*pp)->next) {
		if ((*pp)->dev_id == dev_id) {
			struct irqaction *a = *pp;
			*pp = a->next;
			kfree(a->name);
			kfree(a);
			/* The last action gone: irq_shutdown masks the source. */
			if (!desc->action && !desc->depth)
				irq_mask(desc, intid);
			return;
		}
	}
	pr_warn("Trying to free already-free IRQ %u\n", intid);
}

void disable_irq_nosync(u32 intid)
{
	struct irq_desc *desc = irq_to_desc(intid);

	if (!desc || !desc->action)
		return;
	if (!desc->depth++)
		irq_mask(desc, intid);
}

void disable_irq(u32 intid)
{
	disable_irq_nosync(intid);
}

void enable_irq(u32 intid)
{
	struct irq_desc *desc = irq_to_desc(intid);

	if (!desc || !desc->action)
		return;
	if (!desc->depth) {
		pr_warn("Unbalanced enable for IRQ %u\n", intid);
		return;
	}
	if (--desc->depth)
		return;
	irq_unmask(desc, intid);
	/* A line still asserted (or an edge latched while masked) is delivered now. */
	handle_irq(intid);
}

struct irq_devres {
	u32 intid;
	void *dev_id;
};

static void devm_irq_release(struct device *dev, void *res)
{
	struct irq_devres *r = res;
	free_irq(r->intid, r->dev_id);
}

static bool devm_irq_match(struct device *dev, void *res, void *data)
{
	struct irq_devres *r = res, *want = data;
	return r->intid == want->intid && r->dev_id == want->dev_id;
}

int devm_request_irq(struct device *dev, u32 intid, irq_handler_t handler,
		     const char *name, void *dev_id)
{
	struct irq_devres *r = devres_alloc(devm_irq_release, sizeof(*r));
	if (!r)
		return -ENOMEM;
	int ret = request_irq(intid, handler, name ? name : dev_name(dev), dev_id);
	if (ret) {
		devres_free(r);
		return ret;
	}
	r->intid = intid;
	r->dev_id = dev_id;
	devres_add(dev, r);
	return 0;
}

void devm_free_irq(struct device *dev, u32 intid, void *dev_id)
{
	struct irq_devres want = { intid, dev_id };
	if (!devres_destroy(dev, devm_irq_release, devm_irq_match, &want))
		free_irq(intid, dev_id);
}
