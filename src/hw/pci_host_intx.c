/*
 * INTx routing (docs/devices.md, "pci-host-ecam-generic", INTx): a
 * function's pin is swizzled at every bridge on the way up (pin' =
 * (pin - 1 + device) mod 4 + 1, device of the function below the bridge),
 * then the host bridge's interrupt-map, matched under interrupt-map-mask
 * against (root bus device << 11, 0, 0, pin), gives the GIC interrupt.
 * Lines are wired-OR: a line is high while any function routed to it
 * asserts its pin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "common/dt.h"
#include "pci_host.h"

/* One interrupt-map entry's parent specifier as a GIC INTID; -EINVAL if not GIC-like. */
static int parent_intid(const fdt32_t *spec, u32 cells, u32 *intid)
{
	if (cells == 1) {
		*intid = fdt32_to_cpu(spec[0]);
		return 0;
	}
	if (cells != 3 && cells != 4)
		return -EINVAL;
	u32 type = fdt32_to_cpu(spec[0]), num = fdt32_to_cpu(spec[1]);
	if (type > 1 || num > 988)
		return -EINVAL;
	*intid = type == 0 ? 32 + num : 16 + num;
	return 0;
}

int pci_host_parse_intx(struct pci_host *h, const void *fdt, char *why, size_t whylen)
{
	int len, mlen;
	const fdt32_t *map = fdt_getprop(fdt, h->node, "interrupt-map", &len);
	const fdt32_t *mask = fdt_getprop(fdt, h->node, "interrupt-map-mask", &mlen);

	for (int i = 0; i < 4; i++)
		h->intx_mask[i] = mask && mlen == 16 ? fdt32_to_cpu(mask[i]) : 0xffffffff;
	if (!map)
		return 0;   /* no interrupt-map: INTx goes nowhere */
	if (mask && mlen != 16)
		goto bad;
	h->intx = calloc((size_t)len / 4 + 1, sizeof(*h->intx));
	if (!h->intx)
		return -ENOMEM;
	for (int i = 0; i < len / 4;) {
		struct pci_intx_map *e = &h->intx[h->nr_intx];
		u32 pac = 0, pic;
		int parent;

		if (len / 4 - i < 5)
			goto bad;
		for (int c = 0; c < 4; c++)
			e->child[c] = fdt32_to_cpu(map[i + c]);
		parent = dt_node_by_phandle(fdt, fdt32_to_cpu(map[i + 4]));
		if (parent < 0 || dt_prop_u32(fdt, parent, "#interrupt-cells", &pic))
			goto bad;
		dt_prop_u32(fdt, parent, "#address-cells", &pac);   /* absent: 0 */
		i += 5;
		if (pac > 4 || pic > 4 || (u32)(len / 4 - i) < pac + pic)
			goto bad;
		if (parent_intid(&map[i + (int)pac], pic, &e->intid))
			goto bad;
		i += (int)(pac + pic);
		h->nr_intx++;
	}
	return 0;
bad:
	hw_why(why, whylen, "%s: bad interrupt-map", h->name);
	return -EINVAL;
}

/* The root-bus (devfn, pin) of @d's INTx after the swizzles; false without a pin. */
static bool root_pin(const struct pci_dev *d, u8 *devfn, u32 *pin)
{
	*pin = pci_cfg_read((struct pci_func *)&d->func, PCI_INTERRUPT_PIN, 1);
	if (*pin < 1 || *pin > 4)
		return false;
	*devfn = d->devfn;
	for (const struct pci_bus *bus = d->bus; bus->self; bus = bus->self->bus) {
		*pin = (*pin - 1 + (*devfn >> 3)) % 4 + 1;
		*devfn = bus->self->devfn;
	}
	return true;
}

static bool intx_line(const struct pci_dev *d, u32 *intid)
{
	const struct pci_host *h = d->host;
	u32 key[4];
	u8 devfn;
	u32 pin;

	if (!root_pin(d, &devfn, &pin))
		return false;
	key[0] = ((u32)devfn << 8) & h->intx_mask[0];
	key[1] = 0;
	key[2] = 0;
	key[3] = pin & h->intx_mask[3];
	for (unsigned i = 0; i < h->nr_intx; i++) {
		const u32 *c = h->intx[i].child;

		if (c[0] == key[0] && (c[1] & h->intx_mask[1]) == key[1] &&
		    (c[2] & h->intx_mask[2]) == key[2] && c[3] == key[3]) {
			*intid = h->intx[i].intid;
			return true;
		}
	}
	return false;
}

void pci_dev_intx(struct pci_dev *d, bool level)
{
	struct pci_host *h = d->host;
	struct pci_dev *o;
	u32 intid, other;
	bool line = false;

	d->intx_out = level && !d->removed;
	if (!intx_line(d, &intid))
		return;
	list_for_each_entry(o, &h->devs, link)
		if (o->intx_out && intx_line(o, &other) && other == intid)
			line = true;
	hw_irq_set(h->m, intid, line);
}
