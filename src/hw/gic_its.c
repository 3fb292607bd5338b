/*
 * The GICv3 ITS (docs/devices.md, "arm,gic-v3-its"): its registers and the
 * translation of a doorbell write. A bus write of EventID to
 * GITS_TRANSLATER, carrying the requester's DeviceID, is translated
 * through the device table, the device's ITT and the collection table in
 * memory to an LPI, which the ITS raises on the machine's interrupt line of
 * that INTID. The redistributors are not modelled (gic_its.h says what
 * stands for GICR_PROPBASER); an LPI stays raised until whoever consumes
 * interrupts acknowledges it by lowering the line, or a CLEAR or DISCARD
 * drops it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "gic_its_priv.h"

static const struct hw_mmio_ops gic_its_ops;

static u64 typer(const struct gic_its *its)
{
	return 1ull                               /* Physical */
	       | (u64)(ITS_ESZ - 1) << 4           /* ITT_entry_size */
	       | (u64)(ITS_EVENTBITS - 1) << 8     /* ID_bits */
	       | (u64)(its->devbits - 1) << 13     /* Devbits */
	       | (u64)(ITS_CIDBITS - 1) << 32      /* CIDbits */
	       | 1ull << 36;                       /* CIL; PTA, SEIS, HCC, Virtual: 0 */
}

static u64 baser_ro(unsigned n)
{
	u64 type = n == 0 ? GITS_BASER_TYPE_DEVICE : n == 1 ? GITS_BASER_TYPE_COLLECTION : 0;

	return type ? type << 56 | (u64)(ITS_ESZ - 1) << 48 : 0;
}

void its_error(struct gic_its *its, u32 code)
{
	its->err_code = code;
	its->err_valid = true;
	its->err_count++;
}

void its_translate(struct gic_its *its, u32 device_id, u32 event_id)
{
	struct its_dte dte;
	struct its_ite ite;
	u32 why = 0, target;
	bool mapped = false;

	if (!(its->ctlr & GITS_CTLR_ENABLED))
		return;   /* a disabled ITS drops translation requests */
	if (!its_cache_lookup(its, device_id, event_id, &ite)) {
		if (!its_dte_read(its, device_id, &dte))
			why = ITS_E_DEVICE_OOR;
		else if (!dte.valid)
			why = ITS_E_UNMAPPED_DEVICE;
		else if (!its_ite_read(its, &dte, event_id, &ite))
			why = ITS_E_ID_OOR;
		else if (!ite.valid)
			why = ITS_E_UNMAPPED_INTERRUPT;
		if (!why)
			its_cache_fill(its, device_id, event_id, &ite);
	}
	if (!why && !(its_cte_read(its, ite.icid, &mapped, &target) && mapped))
		why = ITS_E_UNMAPPED_COLLECTION;
	if (why) {
		its_error(its, ITS_ERR(ITS_E_TRANSLATE, why));
		return;
	}
	its_lpi_raise(its, ite.intid);
}

/* ---- registers -------------------------------------------------------- */

/* The 8 bytes at 8-aligned @off: a 64-bit register or a pair of 32-bit ones. */
static u64 reg_read(struct gic_its *its, u64 off)
{
	bool enabled = its->ctlr & GITS_CTLR_ENABLED;

	switch (off) {
	case GITS_CTLR:
		return (enabled ? GITS_CTLR_ENABLED : GITS_CTLR_QUIESCENT) |
		       (u64)ITS_IIDR_VALUE << 32;
	case GITS_TYPER: return typer(its);
	case GITS_CBASER: return its->cbaser;
	case GITS_CWRITER: return its->cwriter;
	case GITS_CREADR: return its->creadr | (its->stalled ? GITS_CREADR_STALLED : 0);
	case GITS_IMPDEF_ERR: return its->err_valid | (u64)its->err_code << 32;
	case GITS_IMPDEF_ERRCNT: return its->err_count;
	case GITS_PIDR2: return ITS_PIDR2_VALUE;
	}
	if (off >= GITS_BASER && off < GITS_BASER + 8 * 8)
		return its->baser[(off - GITS_BASER) / 8];
	return 0;
}

static void write_ctlr(struct gic_its *its, u32 v)
{
	its->ctlr = v & GITS_CTLR_ENABLED;
	its_process_queue(its);
}

/* Writes bytes @mask of the 8 at 8-aligned @off with @v. */
static void reg_write(struct gic_its *its, u64 off, u64 v, u64 mask)
{
	bool enabled = its->ctlr & GITS_CTLR_ENABLED;
	u64 *r;

	switch (off) {
	case GITS_CTLR:
		if (mask & 0xffffffff)
			write_ctlr(its, (u32)v);
		return;
	case GITS_CBASER:
		/* Programmed while disabled; then the queue restarts at 0. */
		if (enabled)
			return;
		its->cbaser = ((its->cbaser & ~mask) | (v & mask)) & GITS_CBASER_WMASK;
		its->creadr = 0;
		its->stalled = false;
		return;
	case GITS_CWRITER:
		its->cwriter = ((its->cwriter & ~mask) | (v & mask)) & GITS_CQ_OFFSET_MASK;
		if (v & mask & GITS_CWRITER_RETRY)
			its->stalled = false;
		its_process_queue(its);
		return;
	case GITS_IMPDEF_ERR:
		if (mask & v & 1)
			its->err_valid = false;
		return;
	}
	if (off < GITS_BASER || off >= GITS_BASER + 8 * 8 || enabled)
		return;
	unsigned n = (off - GITS_BASER) / 8;
	if (!baser_ro(n))
		return;   /* unimplemented: RAZ/WI */
	r = &its->baser[n];
	/* The device table may be two-level (Indirect); the collection table is flat. */
	*r = (((*r & ~mask) | (v & mask)) &
	      (GITS_BASER_WMASK | (n == 0 ? GITS_BASER_INDIRECT : 0))) | baser_ro(n);
	its_cache_inv_all(its);
}

/* Naturally aligned 8- and 4-byte accesses; narrower reads get byte lanes. */
static u64 mmio_read(void *opaque, u64 off, unsigned size)
{
	struct gic_its *its = opaque;
	u64 v;

	if (off & (size - 1))
		return 0;
	v = reg_read(its, off & ~7ull);
	return size == 8 ? v : v >> (8 * (off & 7));
}

static void mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct gic_its *its = opaque;

	if (off == GITS_TRANSLATER)
		return;   /* a CPU write has no DeviceID: ignored */
	if (size == 8 && !(off & 7))
		reg_write(its, off, val, ~0ull);
	else if (size == 4 && !(off & 3))
		reg_write(its, off & ~7ull, val << (8 * (off & 4)), 0xffffffffull << (8 * (off & 4)));
	/* narrower or unaligned writes are ignored */
}

static const struct hw_mmio_ops gic_its_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

int its_doorbell_write(struct gic_its *its, u32 device_id, u64 offset, u32 value)
{
	if (!its || offset >= GITS_FRAME_SIZE || GITS_FRAME_SIZE - offset < 4)
		return -EFAULT;
	if (offset == GITS_TRANSLATER)
		its_translate(its, device_id, value);
	else
		mmio_write(its, offset, value, 4);
	return 0;
}

/* A DMA write into the frame: the fabric's DeviceID travels with it. */
static void doorbell_write(void *opaque, u32 device_id, u64 off, u64 val, unsigned size)
{
	if (off == GITS_TRANSLATER && size == 4)
		its_translate(opaque, device_id, (u32)val);
	else
		mmio_write(opaque, off, val, size);
}

struct gic_its *gic_its_find(struct machine *m, u64 base)
{
	for (size_t i = 0; m && i < m->nr_mmio; i++)
		if (m->mmio[i].base == base && m->mmio[i].ops == &gic_its_ops)
			return m->mmio[i].opaque;
	return NULL;
}

void its_set_lpi_config(struct gic_its *its, u64 propbase)
{
	its->propbase = propbase;
	its_lpi_load_all(its);
}

void hw_gic_set_propbaser(struct machine *m, u64 pa)
{
	for (size_t i = 0; m && i < m->nr_mmio; i++)
		if (m->mmio[i].ops == &gic_its_ops)
			its_set_lpi_config(m->mmio[i].opaque, pa);
}

/* ---- creation --------------------------------------------------------- */

/* Processor numbers a collection may target: the DT's CPUs (at least one). */
static u32 count_cpus(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), child;
	u32 n = 0;

	if (cpus >= 0)
		fdt_for_each_subnode(child, fdt, cpus) {
			const char *t = fdt_getprop(fdt, child, "device_type", NULL);

			if (t && !strcmp(t, "cpu") && n < 0x10000)
				n++;
		}
	return n ? n : 1;
}

static void gic_its_free(void *arg)
{
	free(arg);
}

int gic_its_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	u64 base, size;
	u32 devbits;
	int ret;

	if (dt_reg(fdt, node, 0, &base, &size)) {
		hw_why(why, whylen, "%s: no usable reg", name);
		return -EINVAL;
	}
	/*
	 * The ITS has its two 64 KiB frames (control, then translation) whatever
	 * the tree says. Linux maps only the control frame and computes the
	 * doorbell as base + GITS_TRANSLATER, so it accepts a reg of 64 KiB
	 * (Broadcom Stingray's): so does the model, which still decodes both.
	 */
	if (size < GITS_CTL_FRAME_SIZE || base & 0xffff) {
		hw_why(why, whylen, "%s: reg must be a 64 KiB aligned window of at least 64 KiB",
		       name);
		return -EINVAL;
	}
	struct gic_its *its = hw_model_alloc(m, sizeof(*its), gic_its_free);
	if (!its)
		return -ENOMEM;
	its->m = m;
	its->base = base;
	its->nr_cpus = count_cpus(fdt);
	its->stall_on_error = dt_prop_bool(fdt, node, "iommulab,its-stall-on-error");
	its->devbits = ITS_DEVBITS_DEFAULT;
	if (!dt_prop_u32(fdt, node, "iommulab,its-devbits", &devbits)) {
		if (devbits < 1 || devbits > 32) {
			hw_why(why, whylen, "%s: iommulab,its-devbits %u is not 1..32", name,
			       devbits);
			return -EINVAL;
		}
		its->devbits = devbits;
	}
	for (unsigned n = 0; n < 8; n++)
		its->baser[n] = baser_ro(n);
	memset(its->lpi_cfg, 1, sizeof(its->lpi_cfg));   /* no table yet: enabled */
	ret = hw_mmio_map_node(m, base, GITS_FRAME_SIZE, &gic_its_ops, its, name, "registers", why,
			       whylen);
	if (ret)
		return ret;
	/* DMA reaching the frame is an MSI (GITS_TRANSLATER): a doorbell. */
	return hw_mmio_set_doorbell_write(m, base, doorbell_write);
}
