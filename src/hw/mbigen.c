/*
 * The mbigen model (HiSilicon's "message based interrupt generator",
 * hisilicon,mbigen-v2; register layout as docs/devices.md gives it).
 * Pins are numbered as the device tree numbers them: 64 and up (the first
 * 64 are reserved), 128 to a register node; node n (from 1) has its pin
 * type bits at n * 0x1000 (one bit a pin, 1 = level) and one vector
 * register a pin at n * 0x1000 + 0x200 + pin * 4, whose bits 21:12 hold
 * the event ID the driver programs. The clear registers at 0xa000 are
 * indexed by the whole pin number (bit pin % 32 of word pin / 32).
 *
 * A pin that rises writes its event ID to GITS_TRANSLATER of the ITS its
 * child node's msi-parent names, carrying that node's DeviceID (the real
 * mbigen has the doorbell built in). A level pin then stays pending: it
 * sends nothing more until the driver writes its clear bit, and sends
 * again at that write if the line is still high.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw/gic_its.h"
#include "hw/hw_internal.h"
#include "hw/mbigen.h"

#define MBIGEN_FIRST_PIN	64u
#define MBIGEN_LAST_PIN		1407u
#define MBIGEN_NR_PINS		(MBIGEN_LAST_PIN + 1)
#define MBIGEN_PINS_PER_NODE	128u
#define MBIGEN_NODE_SIZE	0x1000u
#define MBIGEN_VEC		0x200u
#define MBIGEN_CLEAR		0xa000u
#define MBIGEN_EVENT_SHIFT	12
#define MBIGEN_EVENT_MASK	(0x3ffu << MBIGEN_EVENT_SHIFT)
#define MBIGEN_WINDOW		0x10000u

struct mbigen {
	struct machine *m;
	u64 base;
	u32 vec[MBIGEN_NR_PINS];
	u8 level[MBIGEN_NR_PINS / 8 + 1];   /* type bits: 1 = level */
	bool line[MBIGEN_NR_PINS], pending[MBIGEN_NR_PINS];
	int ctrl[MBIGEN_NR_PINS];           /* the child node that raised it */
	u64 msis;
};

static const struct hw_mmio_ops mbigen_ops;

static bool pin_is_level(const struct mbigen *g, u32 pin)
{
	return g->level[pin / 8] & (1u << (pin % 8));
}

/* The pin's MSI: to its child's ITS doorbell with the child's DeviceID. */
static void send(struct mbigen *g, u32 pin)
{
	const void *fdt = g->m->fdt;
	int len, its;
	const fdt32_t *mp = fdt_getprop(fdt, g->ctrl[pin], "msi-parent", &len);
	u64 base, size;

	if (!mp || len < 8)
		return;   /* no ITS: the write goes nowhere */
	its = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(mp[0]));
	if (its < 0 || dt_reg(fdt, its, 0, &base, &size))
		return;
	/*
	 * Pending before the write: the MSI may run the kernel's handler and
	 * its clear (end of interrupt) before the write returns.
	 */
	g->pending[pin] = pin_is_level(g, pin);
	g->msis++;
	if (hw_msi_write(g->m, base + GITS_TRANSLATER, fdt32_to_cpu(mp[1]),
			 (g->vec[pin] & MBIGEN_EVENT_MASK) >> MBIGEN_EVENT_SHIFT, 4)) {
		g->pending[pin] = false;
		g->msis--;
	}
}

static struct mbigen *mbigen_of_ctrl(struct machine *m, int ctrl)
{
	int parent = fdt_parent_offset(m->fdt, ctrl);
	u64 base, size;
	struct hw_mmio_region *r;

	if (parent < 0 || dt_reg(m->fdt, parent, 0, &base, &size))
		return NULL;
	r = hw_mmio_find(m, base);
	return r && r->ops == &mbigen_ops ? r->opaque : NULL;
}

int mbigen_line_set(struct machine *m, int ctrl, u32 hwirq, bool level)
{
	struct mbigen *g = mbigen_of_ctrl(m, ctrl);
	bool rise;

	if (!g)
		return -ENODEV;
	if (hwirq < MBIGEN_FIRST_PIN || hwirq > MBIGEN_LAST_PIN)
		return -EINVAL;
	rise = level && !g->line[hwirq];
	g->line[hwirq] = level;
	g->ctrl[hwirq] = ctrl;
	if (rise && !g->pending[hwirq])
		send(g, hwirq);
	return 0;
}

u64 mbigen_msis(struct machine *m, u64 base)
{
	struct hw_mmio_region *r = hw_mmio_find(m, base);

	return r && r->ops == &mbigen_ops ? ((struct mbigen *)r->opaque)->msis : 0;
}

/* The pin a vector register (or the first of a type word) at @off is, or 0. */
static u32 node_pin(u32 off, u32 first_reg, u32 stride)
{
	u32 nid = off / MBIGEN_NODE_SIZE, in = off % MBIGEN_NODE_SIZE - first_reg;
	u32 pin = MBIGEN_FIRST_PIN + (nid - 1) * MBIGEN_PINS_PER_NODE + in / 4 * stride;

	return nid >= 1 && pin <= MBIGEN_LAST_PIN ? pin : 0;
}

static bool is_vec(u32 off)
{
	u32 in = off % MBIGEN_NODE_SIZE;

	return off < MBIGEN_CLEAR && in >= MBIGEN_VEC && in < MBIGEN_VEC + MBIGEN_PINS_PER_NODE * 4;
}

static bool is_type(u32 off)
{
	return off < MBIGEN_CLEAR && off >= MBIGEN_NODE_SIZE &&
	       off % MBIGEN_NODE_SIZE < MBIGEN_PINS_PER_NODE / 8;
}

static u64 mbigen_read(void *opaque, u64 off, unsigned size)
{
	struct mbigen *g = opaque;
	u32 pin, v = 0;

	if (size != 4 || (off & 3) || off >= MBIGEN_WINDOW)
		return 0;
	if (is_vec((u32)off)) {
		pin = node_pin((u32)off, MBIGEN_VEC, 1);
		return pin ? g->vec[pin] : 0;
	}
	if (is_type((u32)off)) {
		pin = node_pin((u32)off, 0, 32);
		for (u32 i = 0; pin && i < 32 && pin + i <= MBIGEN_LAST_PIN; i++)
			v |= (u32)pin_is_level(g, pin + i) << i;
	}
	return v;
}

static void write_clear(struct mbigen *g, u32 word, u32 val)
{
	for (u32 i = 0; i < 32; i++) {
		u32 pin = word * 32 + i;

		if (!(val & (1u << i)) || pin < MBIGEN_FIRST_PIN || pin > MBIGEN_LAST_PIN)
			continue;
		g->pending[pin] = false;
		if (g->line[pin] && pin_is_level(g, pin))
			send(g, pin);
	}
}

static void mbigen_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct mbigen *g = opaque;
	u32 pin;

	if (size != 4 || (off & 3) || off >= MBIGEN_WINDOW)
		return;
	if (off >= MBIGEN_CLEAR) {
		write_clear(g, (u32)(off - MBIGEN_CLEAR) / 4, (u32)val);
	} else if (is_vec((u32)off)) {
		pin = node_pin((u32)off, MBIGEN_VEC, 1);
		if (pin)
			g->vec[pin] = (u32)val & MBIGEN_EVENT_MASK;
	} else if (is_type((u32)off)) {
		pin = node_pin((u32)off, 0, 32);
		for (u32 i = 0; pin && i < 32 && pin + i <= MBIGEN_LAST_PIN; i++) {
			u8 bit = 1u << ((pin + i) % 8);

			if (val & (1u << i))
				g->level[(pin + i) / 8] |= bit;
			else
				g->level[(pin + i) / 8] &= (u8)~bit;
		}
	}
}

static const struct hw_mmio_ops mbigen_ops = {
	.read = mbigen_read,
	.write = mbigen_write,
};

int mbigen_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	struct mbigen *g;
	u64 base, size;

	if (dt_reg(fdt, node, 0, &base, &size) || !size) {
		hw_why(why, whylen, "%s: missing or untranslatable reg", name);
		return -EINVAL;
	}
	/* The registers span 64 KiB; a smaller window decodes what it covers. */
	size = MIN(size, (u64)MBIGEN_WINDOW);
	g = hw_model_alloc(m, sizeof(*g), NULL);
	if (!g)
		return -ENOMEM;
	g->m = m;
	g->base = base;
	return hw_mmio_map_node(m, base, size, &mbigen_ops, g, name, "window", why, whylen);
}
