/*
 * The GICv2m MSI frame (docs/devices.md, "arm,gic-v2m-frame"): a 4 KiB
 * window whose MSI_SETSPI_NS register turns a 32-bit write of an SPI INTID
 * into that SPI. The distributor is not modelled: the SPI is the machine's
 * interrupt line of that INTID, and the edge is latched there (the line
 * stays high) until whoever consumes interrupts acknowledges it by lowering
 * the line, as the GIC's pending bit stays set until the CPU interface
 * acknowledges the interrupt. A second MSI while pending merges with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "gicv2m.h"
#include "hw_internal.h"

#define V2M_FRAME_SIZE 0x1000
#define V2M_MSI_TYPER 0x008
#define V2M_MSI_SETSPI_NS 0x040
#define V2M_MSI_IIDR 0xfcc

#define V2M_IIDR_VALUE 0x4c000000u   /* product 'L', implementer 0: no Linux quirk */

/* Reset SPI range when the DT names none: INTIDs 96..159 (SPIs 64..127). */
#define V2M_DEFAULT_BASE 96u
#define V2M_DEFAULT_NUM 64u
/* The GIC's SPI INTIDs: 32..1019 (1020..1023 are special). */
#define V2M_MIN_SPI 32u
#define V2M_MAX_SPI 1019u

struct gicv2m {
	struct machine *m;
	u64 base;
	u32 spi_base, nr_spis;
};

static u32 typer(const struct gicv2m *v)
{
	return v->spi_base << 16 | v->nr_spis;
}

static void setspi(struct gicv2m *v, u32 intid)
{
	/* Outside the frame's range: dropped, as the hardware drops it. */
	if (intid < v->spi_base || intid - v->spi_base >= v->nr_spis)
		return;
	hw_irq_set(v->m, intid, true);
}

static u64 mmio_read(void *opaque, u64 off, unsigned size)
{
	struct gicv2m *v = opaque;
	u32 val;

	switch (off & ~3ull) {
	case V2M_MSI_TYPER: val = typer(v); break;
	case V2M_MSI_IIDR: val = V2M_IIDR_VALUE; break;
	default: val = 0; break;   /* SETSPI_NS is write-only */
	}
	if (size == 8)
		return val;   /* the next word is always 0 (no 64-bit registers) */
	return val >> (8 * (off & 3));
}

static void mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	/* Only a 32-bit write to SETSPI_NS does anything. */
	if (off == V2M_MSI_SETSPI_NS && size == 4)
		setspi(opaque, (u32)val);
}

static const struct hw_mmio_ops gicv2m_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

int gicv2m_doorbell_write(struct gicv2m *v2m, u32 device_id, u64 offset, u32 value)
{
	(void)device_id;   /* v2m has no sideband: every master is alike */
	if (!v2m || offset >= V2M_FRAME_SIZE || V2M_FRAME_SIZE - offset < 4)
		return -EFAULT;
	mmio_write(v2m, offset, value, 4);
	return 0;
}

static void doorbell_write(void *opaque, u32 device_id, u64 off, u64 val, unsigned size)
{
	if (size == 4)
		gicv2m_doorbell_write(opaque, device_id, off, (u32)val);
}

struct gicv2m *gicv2m_find(struct machine *m, u64 base)
{
	for (size_t i = 0; m && i < m->nr_mmio; i++)
		if (m->mmio[i].base == base && m->mmio[i].ops == &gicv2m_ops)
			return m->mmio[i].opaque;
	return NULL;
}

/* One optional u32 property: absent leaves *@out alone. */
static int opt_u32(const void *fdt, int node, const char *prop, u32 *out,
		   const char *name, char *why, size_t whylen)
{
	int ret = dt_prop_u32(fdt, node, prop, out);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		hw_why(why, whylen, "%s: bad %s", name, prop);
	return ret ? -EINVAL : 0;
}

static int spi_range(struct gicv2m *v, const void *fdt, int node, const char *name,
		     char *why, size_t whylen)
{
	u32 base = V2M_DEFAULT_BASE, num = V2M_DEFAULT_NUM;

	if (opt_u32(fdt, node, "arm,msi-base-spi", &base, name, why, whylen) ||
	    opt_u32(fdt, node, "arm,msi-num-spis", &num, name, why, whylen))
		return -EINVAL;
	/* MSI_TYPER has 10 bits for each; the range must be real SPIs. */
	if (num == 0 || num > 1023 || base < V2M_MIN_SPI || base > V2M_MAX_SPI ||
	    num - 1 > V2M_MAX_SPI - base) {
		hw_why(why, whylen, "%s: SPI range %u+%u outside the GIC's SPIs %u..%u", name,
		       base, num, V2M_MIN_SPI, V2M_MAX_SPI);
		return -EINVAL;
	}
	v->spi_base = base;
	v->nr_spis = num;
	return 0;
}

int gicv2m_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	u64 base, size;
	int ret;

	if (dt_reg(fdt, node, 0, &base, &size)) {
		hw_why(why, whylen, "%s: no usable reg", name);
		return -EINVAL;
	}
	if (size < V2M_FRAME_SIZE || base & (V2M_FRAME_SIZE - 1)) {
		hw_why(why, whylen, "%s: reg must be a 4 KiB aligned frame of at least 4 KiB", name);
		return -EINVAL;
	}
	struct gicv2m *v = hw_model_alloc(m, sizeof(*v), NULL);
	if (!v)
		return -ENOMEM;
	v->m = m;
	v->base = base;
	if (spi_range(v, fdt, node, name, why, whylen))
		return -EINVAL;
	ret = hw_mmio_map_node(m, base, V2M_FRAME_SIZE, &gicv2m_ops, v, name, "frame", why, whylen);
	if (ret)
		return ret;
	/* DMA reaching the frame is an MSI: the checker names it a doorbell. */
	return hw_mmio_set_doorbell_write(m, base, doorbell_write);
}
