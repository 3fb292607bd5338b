/*
 * Interrupt outputs of models (irq_line.h). The GIC decodes its own
 * specifiers (dt_irq); a controller that turns wired lines into MSIs is
 * found by its parent's compatible in the table below, and gets the pin.
 */
#include <libfdt.h>

#include "common/dt.h"
#include "hw/hw_internal.h"
#include "hw/irq_line.h"
#include "hw/mbigen.h"

static const struct {
	const char *compatible;    /* of the controller's parent node */
	int (*set)(struct machine *m, int ctrl, u32 pin, bool level);
} wired_to_msi[] = {
	{ "hisilicon,mbigen-v2", mbigen_line_set },
};

static int bridge_of(const void *fdt, int ctrl)
{
	int parent = fdt_parent_offset(fdt, ctrl);

	for (unsigned i = 0; parent >= 0 && i < ARRAY_SIZE(wired_to_msi); i++)
		if (fdt_node_check_compatible(fdt, parent, wired_to_msi[i].compatible) == 0)
			return (int)i;
	return -1;
}

/* The node's interrupt parent: its own or the nearest ancestor's interrupt-parent. */
static int irq_parent_of(const void *fdt, int node)
{
	for (int n = node; n >= 0; n = fdt_parent_offset(fdt, n)) {
		int len;
		const fdt32_t *p = fdt_getprop(fdt, n, "interrupt-parent", &len);

		if (p && len == 4)
			return fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*p));
	}
	return -1;
}

void hw_irq_line_init(struct hw_irq_line *l, const void *fdt, int node, int index)
{
	int len, ctrl;
	u32 cells;
	const fdt32_t *v;

	l->intid = 0;
	l->ctrl = -1;
	l->pin = 0;
	if (index < 0)
		return;
	if (dt_irq(fdt, node, index, &l->intid) == 0)
		return;
	l->intid = 0;
	ctrl = irq_parent_of(fdt, node);
	v = fdt_getprop(fdt, node, "interrupts", &len);
	if (ctrl < 0 || !v || bridge_of(fdt, ctrl) < 0 ||
	    dt_prop_u32(fdt, ctrl, "#interrupt-cells", &cells) || cells < 1 || cells > 4 ||
	    (u64)(index + 1) * cells * 4 > (u64)len)
		return;
	l->ctrl = ctrl;
	l->pin = fdt32_to_cpu(v[index * cells]);
}

bool hw_irq_line_wired(const struct hw_irq_line *l)
{
	return l->intid || l->ctrl >= 0;
}

void hw_irq_line_set(struct machine *m, const struct hw_irq_line *l, bool level)
{
	int b;

	if (l->intid) {
		hw_irq_set(m, l->intid, level);
		return;
	}
	if (l->ctrl < 0)
		return;
	b = bridge_of(m->fdt, l->ctrl);
	if (b >= 0)
		wired_to_msi[b].set(m, l->ctrl, l->pin, level);
}
