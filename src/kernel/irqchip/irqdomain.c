/*
 * Wired irq domains (irqdomain.h), kept in the kernel's MSI state
 * (kstate->msi.wired_domains): a controller driver adds one at probe and
 * removes it at remove.
 */
#include <errno.h>

#include "common/list.h"
#include "kernel/base/kalloc.h"
#include "kernel/kernel_state.h"
#include "kernel/irqchip/irqdomain.h"
#include "kernel/of/of.h"

struct wired_irq_domain {
	struct list_head link;
	struct device_node *np;
	const struct wired_irq_domain_ops *ops;
	void *host_data;
};

static struct wired_irq_domain *find_domain(const struct device_node *np)
{
	struct wired_irq_domain *d;

	list_for_each_entry(d, &kstate->msi.wired_domains, link)
		if (d->np == np)
			return d;
	return NULL;
}

int irq_domain_add_wired(struct device_node *np, const struct wired_irq_domain_ops *ops,
			 void *host_data)
{
	struct wired_irq_domain *d;

	if (!np || !ops || !ops->map)
		return -EINVAL;
	if (find_domain(np))
		return -EBUSY;
	d = kzalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->np = np;
	d->ops = ops;
	d->host_data = host_data;
	list_add_tail(&d->link, &kstate->msi.wired_domains);
	return 0;
}

void irq_domain_remove_wired(struct device_node *np)
{
	struct wired_irq_domain *d = find_domain(np);

	if (!d)
		return;
	list_del(&d->link);
	kfree(d);
}

/* The nearest interrupt-parent from @np up, as of_irq_find_parent. */
static struct device_node *irq_parent(const struct device_node *np)
{
	for (; np; np = np->parent) {
		u32 ph;

		if (!of_property_read_u32(np, "interrupt-parent", &ph))
			return of_find_node_by_phandle(ph);
	}
	return NULL;
}

int of_irq_get_wired(const struct device_node *np, int index)
{
	struct irq_fwspec spec = { 0 };
	struct wired_irq_domain *d;
	u32 cells;
	int n;

	if (!kstate || list_empty(&kstate->msi.wired_domains) || !np || index < 0)
		return -ENOENT;
	spec.np = irq_parent(np);
	d = spec.np ? find_domain(spec.np) : NULL;
	if (!d)
		return -ENOENT;
	if (of_property_read_u32(spec.np, "#interrupt-cells", &cells) || !cells ||
	    cells > IRQ_FWSPEC_PARAMS)
		return -EINVAL;
	n = of_property_count_u32_elems(np, "interrupts");
	if (n < 0 || n % (int)cells)
		return -EINVAL;
	if (index >= n / (int)cells)
		return -ENXIO;
	for (u32 i = 0; i < cells; i++)
		if (of_property_read_u32_index(np, "interrupts", index * cells + i, &spec.param[i]))
			return -EINVAL;
	spec.param_count = (int)cells;
	return d->ops->map(d->host_data, &spec);
}
