/*
 * GICv3 ITS (arm,gic-v3-its) model. The register layout, the command
 * formats and what the model settles are in docs/devices.md, section
 * "arm,gic-v3-its".
 */
#ifndef LAB_HW_GIC_ITS_H
#define LAB_HW_GIC_ITS_H

#include "common/types.h"

struct machine;
struct gic_its;

/* DT create function for the hw_models table: 0, or -EINVAL/-ENOMEM with @why. */
int gic_its_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);

/* The doorbell's offset from the ITS's base (its translation frame). */
#define GITS_TRANSLATER 0x10040

/* The ITS whose registers start at @base, or NULL. */
struct gic_its *gic_its_find(struct machine *m, u64 base);

/*
 * A bus write of @value (32 bits) at @offset in the ITS's 128 KiB frame
 * from the requester whose DeviceID is @device_id (the fabric computes it,
 * from `msi-map`). At GITS_TRANSLATER (0x10040) the ITS translates
 * (@device_id, EventID = @value) to an LPI; elsewhere it is an ordinary
 * register write, as any bus write that reaches the frame. Returns 0, or
 * -EFAULT for an offset outside the frame.
 */
int its_doorbell_write(struct gic_its *its, u32 device_id, u64 offset, u32 value);

/*
 * The LPI configuration table (one byte per LPI, from INTID 8192: bit 0
 * enable, bits 7:2 priority), i.e. GICR_PROPBASER, which belongs to the
 * redistributors the lab does not model: whoever models them hands the
 * table's physical address here (0: no table, every LPI enabled). The ITS
 * loads every LPI's configuration now and afterwards only on MAPTI/MAPI,
 * INV and INVALL, so a change without an INV is not seen.
 */
void its_set_lpi_config(struct gic_its *its, u64 propbase);

#endif
