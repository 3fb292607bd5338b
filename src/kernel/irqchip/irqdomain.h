/*
 * Irq domains of wired interrupt controllers other than the GIC (Linux:
 * kernel/irq/irqdomain.c, irq_create_of_mapping): a controller driver
 * registers a domain for its node; of_irq_get of a line whose interrupt
 * parent is that node asks the domain to translate the specifier and
 * allocate the interrupt (an mbigen pin becomes an ITS LPI). The GIC's
 * own specifiers are decoded directly (dt_irq), as before.
 */
#ifndef LAB_KERNEL_IRQCHIP_IRQDOMAIN_H
#define LAB_KERNEL_IRQCHIP_IRQDOMAIN_H

#include "common/types.h"

struct device_node;

#define IRQ_FWSPEC_PARAMS 16

struct irq_fwspec {
	struct device_node *np;          /* the controller */
	int param_count;
	u32 param[IRQ_FWSPEC_PARAMS];
};

struct wired_irq_domain_ops {
	/* The INTID for @spec, allocated at its first use and the same after; -errno. */
	int (*map)(void *host_data, const struct irq_fwspec *spec);
};

/* -EINVAL, -EBUSY (the node has a domain), -ENOMEM. */
int irq_domain_add_wired(struct device_node *np, const struct wired_irq_domain_ops *ops,
			 void *host_data);
void irq_domain_remove_wired(struct device_node *np);

/*
 * of_irq_get's path for entry @index of @np's `interrupts` when its
 * interrupt parent has a wired domain: the INTID or -errno; -ENOENT when
 * the parent has none (the caller decodes a GIC specifier).
 */
int of_irq_get_wired(const struct device_node *np, int index);

#endif
