/*
 * A model's interrupt output, as its node's `interrupts` names it: a GIC
 * INTID (the machine's line of that number), or a pin of a controller
 * that turns wired lines into MSIs (an mbigen child node), or nothing
 * the lab can route (left unwired: raising it does nothing).
 */
#ifndef LAB_HW_IRQ_LINE_H
#define LAB_HW_IRQ_LINE_H

#include "common/types.h"

struct machine;

struct hw_irq_line {
	u32 intid;       /* a GIC INTID, or 0 */
	int ctrl;        /* else the wired-to-MSI controller's node, or -1 */
	u32 pin;         /* its pin (the specifier's first cell) */
};

/* Entry @index of @node's interrupts; an entry the lab cannot route is unwired. */
void hw_irq_line_init(struct hw_irq_line *l, const void *fdt, int node, int index);
bool hw_irq_line_wired(const struct hw_irq_line *l);
void hw_irq_line_set(struct machine *m, const struct hw_irq_line *l, bool level);

#endif
