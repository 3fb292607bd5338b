// SPDX-License-Identifier: GPL-2.0-only
/* request_irq and the machine's interrupt sink. */
#include <string.h>

#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

#define NR_IRQS 1024
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
};

/* The descriptors of the running kernel; NULL before irq_init and with no kernel. */
static struct irq_desc *irq_descs(void)
{
	return kstate ? kstate->irq.descs : NULL;
}

static void handle_irq(u32 intid)
{
	struct irq_desc *desc = &irq_descs()[intid];
	unsigned rounds = 0;

	if (desc->in_handler || desc->disabled || desc->depth)
		return;
	desc->in_handler = true;
	/* A handler may mask its own line (an automasking handler): stop then. */
	while (desc->action && !desc->depth && hw_irq_level(kstate->irq.machine, intid)) {
		irqreturn_t ret = IRQ_NONE;
		for (struct irqaction *a = desc->action; a; a = a->next)
			ret |= a->handler((int)intid, a->dev_id);
		if (ret == IRQ_NONE || ++rounds >= IRQ_STORM_LIMIT) {
			pr_err("irq %u: nobody cared\n", intid);
			pr_err("Disabling IRQ #%u\n", intid);
			desc->disabled = true;
			break;
		}
	}
	desc->in_handler = false;
}

static void irq_sink(void *opaque, u32 intid, bool level)
{
	if (!irq_descs() || intid >= NR_IRQS || !level)
		return;
	handle_irq(intid);
}

int irq_init(struct machine *m)
{
	struct irq_state *is = &kstate->irq;

	is->descs = kcalloc(NR_IRQS, sizeof(*is->descs));
	if (!is->descs)
		return -ENOMEM;
	is->machine = m;
	hw_irq_set_sink(m, irq_sink, NULL);
	return 0;
}

void irq_exit(void)
{
	struct irq_state *is = kstate ? &kstate->irq : NULL;

	if (!is || !is->descs)
		return;
	for (u32 i = 0; i < NR_IRQS; i++) {
		while (is->descs[i].action) {
			struct irqaction *a = is->descs[i].action;
			pr_warn("irq %u: %s still requested at shutdown\n", i, a->name);
			is->descs[i].action = a->next;
			kfree(a->name);
			kfree(a);
		}
	}
	if (is->machine)
		hw_irq_set_sink(is->machine, NULL, NULL);
	kfree(is->descs);
	is->descs = NULL;
	is->machine = NULL;
}

int request_irq_flags(u32 intid, irq_handler_t handler, unsigned long flags,
		      const char *name, void *dev_id)
{
	struct irq_desc *desc;
	struct irqaction *a, **pp;

	if (!irq_descs() || intid >= NR_IRQS || !handler)
		return -EINVAL;
	if ((flags & IRQF_SHARED) && !dev_id)
		return -EINVAL;
	/* As Linux: a shared line cannot start disabled. */
	if ((flags & IRQF_SHARED) && (flags & IRQF_NO_AUTOEN))
		return -EINVAL;
	desc = &irq_descs()[intid];
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
	if (!desc->action->next)
		desc->depth = (flags & IRQF_NO_AUTOEN) ? 1 : 0;
	/* Level-triggered: a line already high is delivered now. */
	handle_irq(intid);
	return 0;
}

int request_irq(u32 intid, irq_handler_t handler, const char *name, void *dev_id)
{
	return request_irq_flags(intid, handler, 0, name, dev_id);
}

void free_irq(u32 intid, void *dev_id)
{
	if (!irq_descs() || intid >= NR_IRQS)
		return;
	for (struct irqaction **pp = &irq_descs()[intid].action; *pp; pp = &(*pp)->next) {
		if ((*pp)->dev_id == dev_id) {
			struct irqaction *a = *pp;
			*pp = a->next;
			kfree(a->name);
			kfree(a);
			return;
		}
	}
	pr_warn("Trying to free already-free IRQ %u\n", intid);
}

void disable_irq_nosync(u32 intid)
{
	if (!irq_descs() || intid >= NR_IRQS || !irq_descs()[intid].action)
		return;
	irq_descs()[intid].depth++;
}

void disable_irq(u32 intid)
{
	disable_irq_nosync(intid);
}

void enable_irq(u32 intid)
{
	struct irq_desc *desc;

	if (!irq_descs() || intid >= NR_IRQS || !irq_descs()[intid].action)
		return;
	desc = &irq_descs()[intid];
	if (!desc->depth) {
		pr_warn("Unbalanced enable for IRQ %u\n", intid);
		return;
	}
	if (--desc->depth)
		return;
	/* Level-triggered: a line still asserted is delivered now. */
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
