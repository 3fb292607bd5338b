/*
 * GICv2m MSI frame (arm,gic-v2m-frame) model. The register layout is in
 * docs/devices.md, section "arm,gic-v2m-frame".
 */
#ifndef LAB_HW_GICV2M_H
#define LAB_HW_GICV2M_H

#include "common/types.h"

struct machine;
struct gicv2m;

/* DT create function for the hw_models table: 0, or -EINVAL/-ENOMEM with @why. */
int gicv2m_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

/* The frame whose registers start at @base, or NULL. */
struct gicv2m *gicv2m_find(struct machine *m, u64 base);

/*
 * A bus write of @value (32 bits) at @offset in the frame, as a device's
 * MSI reaches it through the fabric. A v2m frame ignores @device_id: any
 * master that reaches the doorbell raises any of its SPIs (no isolation).
 * Returns 0, or -EFAULT for an offset outside the 4 KiB frame.
 */
int gicv2m_doorbell_write(struct gicv2m *v2m, u32 device_id, u64 offset, u32 value);

#endif
