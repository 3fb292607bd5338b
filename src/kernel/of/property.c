/*
 * OF property helpers beyond base.c's: u32 arrays and their element count,
 * the address and size cell counts of a node's bus, a node's `reg` as a
 * resource, and its interrupts (Linux: drivers/of/property.c, address.c,
 * irq.c). Drivers read the device tree only through these and base.c;
 * the flattened blob under them is of_fdt()'s, already checked at boot.
 */
#include <errno.h>
#include <limits.h>

#include <libfdt.h>

#include "common/dt.h"
#include "kernel/base/platform_device.h"
#include "kernel/irqchip/irqdomain.h"
#include "kernel/of/of.h"

int of_property_count_elems_of_size(const struct device_node *np, const char *name,
				    int elem_size)
{
	struct property *pp = of_find_property(np, name, NULL);

	if (!pp)
		return -EINVAL;
	if (!pp->value)
		return -ENODATA;
	if (elem_size <= 0 || pp->length % elem_size)
		return -EINVAL;
	return pp->length / elem_size;
}

int of_property_count_u32_elems(const struct device_node *np, const char *name)
{
	return of_property_count_elems_of_size(np, name, 4);
}

int of_property_read_u32_array(const struct device_node *np, const char *name, u32 *out,
			       size_t sz)
{
	struct property *pp = of_find_property(np, name, NULL);
	const fdt32_t *v;

	if (!pp)
		return -EINVAL;
	if (!pp->value)
		return -ENODATA;
	if ((size_t)pp->length < sz * 4)
		return -EOVERFLOW;
	v = pp->value;
	for (size_t i = 0; i < sz; i++)
		out[i] = fdt32_to_cpu(v[i]);
	return 0;
}

/* The first ancestor-or-self that says, as Linux's of_bus_n_*_cells. */
static int bus_cells(const struct device_node *np, const char *name, int def)
{
	u32 cells;

	for (; np; np = np->parent)
		if (!of_property_read_u32(np, name, &cells))
			return (int)MIN(cells, (u32)INT_MAX);
	return def;
}

int of_n_addr_cells(const struct device_node *np)
{
	return bus_cells(np && np->parent ? np->parent : np, "#address-cells", 2);
}

int of_n_size_cells(const struct device_node *np)
{
	return bus_cells(np && np->parent ? np->parent : np, "#size-cells", 1);
}

u64 of_read_number(const u32 *cells, int size)
{
	u64 v = 0;

	while (size-- > 0)
		v = (v << 32) | *cells++;
	return v;
}

int of_address_to_resource(const struct device_node *np, int index, struct resource *r)
{
	u64 addr, size;

	if (!np || index < 0 || dt_reg(of_fdt(), np->fdt_offset, index, &addr, &size) || !size)
		return -EINVAL;
	*r = (struct resource){
		.start = addr, .end = addr + size - 1, .flags = IORESOURCE_MEM, .name = np->full_name,
	};
	return 0;
}

int of_irq_get(const struct device_node *np, int index)
{
	u32 intid;
	int ret;

	if (!np || index < 0)
		return -EINVAL;
	/* A controller with its own domain (an mbigen) maps the specifier. */
	ret = of_irq_get_wired(np, index);
	if (ret != -ENOENT)
		return ret;
	ret = dt_irq(of_fdt(), np->fdt_offset, index, &intid);
	if (ret == -ENOENT)
		return -ENXIO;
	if (ret || intid > INT_MAX)
		return -EINVAL;
	return (int)intid;
}

int of_irq_count(const struct device_node *np)
{
	int n = 0;

	while (of_irq_get(np, n) >= 0)
		n++;
	return n;
}
