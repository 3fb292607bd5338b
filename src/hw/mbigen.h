/*
 * HiSilicon's mbigen ("hisilicon,mbigen-v2", docs/devices.md): wired
 * interrupt lines turned into MSIs. A device whose interrupt-parent is one
 * of the mbigen's child nodes raises its line here (hw/irq_line.h routes
 * it); the mbigen writes the pin's event ID to the ITS named by that
 * child's msi-parent, with the child's DeviceID.
 */
#ifndef LAB_HW_MBIGEN_H
#define LAB_HW_MBIGEN_H

#include "common/types.h"

struct machine;

int mbigen_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);
/* Pin @hwirq of child node @ctrl goes to @level; -ENODEV: no mbigen model there. */
int mbigen_line_set(struct machine *m, int ctrl, u32 hwirq, bool level);
/* MSIs the mbigen at @base has written (tests). */
u64 mbigen_msis(struct machine *m, u64 base);

#endif
