/*
 * The pci-host-ecam-generic host bridge (docs/devices.md,
 * "pci-host-ecam-generic"): its device-tree properties, the ECAM window
 * and type 0/type 1 configuration routing through the bridges' bus
 * numbers as software programmed them. Several host bridges may exist;
 * each is one PCI segment with its own fabric.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "pci_host.h"
#include "pci_func_priv.h"
#include "hw_models.h"

#define ECAM_BUS_SHIFT 20
#define ECAM_BUS_SIZE (1ull << ECAM_BUS_SHIFT)

void pci_log(struct pci_host *h, const char *fmt, ...)
{
	struct pci_machine *pm = h->m->pci;
	va_list ap;
	int n;

	if (!pm)
		return;
	n = snprintf(pm->last_log, sizeof(pm->last_log), "%s: ", h->name);
	if (n < 0 || (size_t)n >= sizeof(pm->last_log))
		return;
	va_start(ap, fmt);
	vsnprintf(pm->last_log + n, sizeof(pm->last_log) - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *hw_pci_last_log(struct machine *m)
{
	return m && m->pci ? m->pci->last_log : "";
}

struct pci_host *pci_host_by_segment(struct machine *m, u16 segment)
{
	struct pci_host *h;

	if (!m || !m->pci)
		return NULL;
	list_for_each_entry(h, &m->pci->hosts, link)
		if (h->segment == segment)
			return h;
	return NULL;
}

u8 pci_bus_number(const struct pci_bus *bus)
{
	return bus->self ? pci_bridge_secondary_bus(&bus->self->func) : bus->host->bus_first;
}

u16 pci_dev_rid(const struct pci_dev *d)
{
	return (u16)(pci_bus_number(d->bus) << 8 | d->devfn);
}

static void dev_rename(struct pci_dev *d)
{
	u16 rid = pci_dev_rid(d);

	d->master.id = master_id_pci(d->host->segment, rid);
	snprintf(d->name, sizeof(d->name), "%04x:%02x:%02x.%x", d->host->segment, rid >> 8,
		 (rid >> 3) & 0x1f, rid & 7);
}

static void bus_rename(struct pci_bus *bus)
{
	for (unsigned i = 0; i < 256; i++) {
		struct pci_dev *d = bus->slot[i];

		if (!d)
			continue;
		dev_rename(d);
		if (d->subordinate)
			bus_rename(d->subordinate);
	}
}

void pci_host_sync(struct pci_host *h)
{
	struct pci_dev *d;

	pci_host_routes_changed(h);
	list_for_each_entry(d, &h->devs, link)
		dev_rename(d);
	pci_bars_sync(h);
}

void pci_dev_sync(struct pci_dev *d)
{
	/* A bridge's bus numbers name and identify every function below it. */
	if (d->subordinate)
		bus_rename(d->subordinate);
	pci_dev_bars_sync(d);
}

/* ---- configuration routing ------------------------------------------------ */

/*
 * The bus a configuration request for bus number @nr reaches from @bus
 * (numbered @cur): a type 1 request is claimed by the first bridge (in
 * devfn order) whose secondary..subordinate range holds @nr.
 */
static struct pci_bus *route_config(struct pci_bus *bus, u8 cur, u8 nr)
{
	if (nr == cur)
		return bus;
	for (unsigned i = 0; i < 256; i++) {
		struct pci_dev *d = bus->slot[i];
		u8 sec, sub;

		if (!d || !d->subordinate)
			continue;
		sec = pci_bridge_secondary_bus(&d->func);
		sub = pci_bridge_subordinate_bus(&d->func);
		/* A secondary at or below the current bus would route nowhere new. */
		if (sec <= cur || nr < sec || nr > sub)
			continue;
		return route_config(d->subordinate, sec, nr);
	}
	return NULL;   /* no bridge claims it: master abort */
}

static struct pci_dev *ecam_target(struct pci_host *h, u64 off, unsigned *reg)
{
	u8 nr = (u8)(h->bus_first + (off >> ECAM_BUS_SHIFT));
	u8 devfn = (off >> 12) & 0xff;
	struct pci_bus *bus = route_config(h->root, h->bus_first, nr);

	*reg = off & 0xfff;
	if (!bus)
		return NULL;
	/* Below a PCIe port only device 0 exists (no ARI). */
	if (bus->link && (devfn >> 3))
		return NULL;
	return bus->slot[devfn];
}

static bool ecam_size_ok(u64 off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1));
}

static u64 ecam_read(void *opaque, u64 off, unsigned size)
{
	struct pci_host *h = opaque;
	unsigned reg;
	struct pci_dev *d;

	if (!ecam_size_ok(off, size))
		return ~0ull;
	d = ecam_target(h, off, &reg);
	if (!d)
		return ~0ull;   /* an absent function: all ones (vendor 0xffff) */
	return pci_cfg_read(&d->func, reg, size);
}

static void ecam_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pci_host *h = opaque;
	u8 before[0x40];       /* the header: bus numbers, windows, BARs, enables */
	unsigned reg;
	struct pci_dev *d;
	bool d0;

	if (!ecam_size_ok(off, size))
		return;
	d = ecam_target(h, off, &reg);
	if (!d)
		return;
	memcpy(before, d->func.cfg, sizeof(before));
	d0 = pci_func_in_d0(&d->func);
	pci_cfg_write(&d->func, reg, size, (u32)val);
	/* Any write may move a route (ACS Control lives past the header). */
	pci_host_routes_changed(h);
	/*
	 * Bus numbers, windows, BARs, enables and the power state decide what
	 * decodes where, for this function and those below it only: nothing
	 * to do if none of them moved (most writes: capabilities, MSI-X).
	 */
	if (memcmp(before, d->func.cfg, sizeof(before)) || d0 != pci_func_in_d0(&d->func))
		pci_dev_sync(d);
}

static const struct hw_mmio_ops ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* ---- device tree ------------------------------------------------------------ */

static int parse_ranges(struct pci_host *h, const void *fdt, char *why, size_t whylen)
{
	int len, pac = dt_addr_cells(fdt, dt_parent(fdt, h->node));
	const fdt32_t *v = fdt_getprop(fdt, h->node, "ranges", &len);
	int entry = 3 + pac + 2;

	if (!v)
		return 0;   /* no windows: no BAR is reachable */
	if (pac < 1 || pac > 2 || len % (4 * entry)) {
		hw_why(why, whylen, "%s: bad ranges length", h->name);
		return -EINVAL;
	}
	for (int i = 0; i < len / 4; i += entry) {
		u32 hi = fdt32_to_cpu(v[i]);
		struct pci_host_win w = {
			.pci = (u64)fdt32_to_cpu(v[i + 1]) << 32 | fdt32_to_cpu(v[i + 2]),
			.cpu = pac == 2 ? (u64)fdt32_to_cpu(v[i + 3]) << 32 | fdt32_to_cpu(v[i + 4])
					: fdt32_to_cpu(v[i + 3]),
			.size = (u64)fdt32_to_cpu(v[i + 3 + pac]) << 32 |
				fdt32_to_cpu(v[i + 4 + pac]),
			.pref = hi & 0x40000000,
		};
		unsigned space = (hi >> 24) & 3;

		if (space == 0 || w.size == 0 || w.pci + w.size - 1 < w.pci ||
		    w.cpu + w.size - 1 < w.cpu) {
			hw_why(why, whylen, "%s: bad ranges entry %d", h->name, i / entry);
			return -EINVAL;
		}
		if (h->nr_win == PCI_HOST_MAX_WIN) {
			hw_why(why, whylen, "%s: more than %d ranges", h->name, PCI_HOST_MAX_WIN);
			return -EINVAL;
		}
		w.type = space == 1 ? PCI_WIN_IO : space == 2 ? PCI_WIN_MEM32 : PCI_WIN_MEM64;
		h->win[h->nr_win++] = w;
	}
	return 0;
}

/* iommu-map / msi-map: of_map_id's layout and checks (Linux drivers/of/base.c). */
static int parse_id_map(struct pci_host *h, const void *fdt, const char *prop,
			const char *mask_prop, struct pci_id_maps *map, char *why, size_t whylen)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, h->node, prop, &len);

	map->mask = 0xffffffff;
	if (!v)
		return 0;
	if (len <= 0 || len % 16) {
		hw_why(why, whylen, "%s: bad %s length", h->name, prop);
		return -EINVAL;
	}
	if (len / 16 > PCI_HOST_MAX_MAP) {
		hw_why(why, whylen, "%s: more than %d %s entries", h->name, PCI_HOST_MAX_MAP, prop);
		return -EINVAL;
	}
	if (fdt_getprop(fdt, h->node, mask_prop, NULL) &&
	    dt_prop_u32(fdt, h->node, mask_prop, &map->mask)) {
		hw_why(why, whylen, "%s: bad %s", h->name, mask_prop);
		return -EINVAL;
	}
	map->present = true;
	for (int i = 0; i < len / 16; i++) {
		struct pci_id_map *e = &map->e[map->n++];

		e->base = fdt32_to_cpu(v[4 * i]);
		e->target = dt_node_by_phandle(fdt, fdt32_to_cpu(v[4 * i + 1]));
		e->out = fdt32_to_cpu(v[4 * i + 2]);
		e->len = fdt32_to_cpu(v[4 * i + 3]);
		if (e->base & ~map->mask) {
			hw_why(why, whylen, "%s: %s entry %d has bits outside %s", h->name, prop, i,
			       mask_prop);
			return -EINVAL;
		}
		if (e->target < 0) {
			hw_why(why, whylen, "%s: %s entry %d names no node", h->name, prop, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_bus_range(struct pci_host *h, const void *fdt, char *why, size_t whylen)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, h->node, "bus-range", &len);

	h->bus_first = 0;
	h->bus_last = 255;
	if (!v)
		return 0;
	u32 first = len == 8 ? fdt32_to_cpu(v[0]) : 256, last = len == 8 ? fdt32_to_cpu(v[1]) : 0;
	if (first > 255 || last > 255 || first > last) {
		hw_why(why, whylen, "%s: bad bus-range", h->name);
		return -EINVAL;
	}
	h->bus_first = (u8)first;
	h->bus_last = (u8)last;
	return 0;
}

static int parse_host(struct pci_host *h, const void *fdt, char *why, size_t whylen)
{
	u32 v;
	int ret;

	if (dt_addr_cells(fdt, h->node) != 3 || dt_size_cells(fdt, h->node) != 2) {
		hw_why(why, whylen, "%s: #address-cells must be 3 and #size-cells 2", h->name);
		return -EINVAL;
	}
	if (dt_reg(fdt, h->node, 0, &h->ecam_base, &h->ecam_size) || !h->ecam_size) {
		hw_why(why, whylen, "%s: no usable reg (the ECAM window)", h->name);
		return -EINVAL;
	}
	ret = parse_bus_range(h, fdt, why, whylen);
	if (ret)
		return ret;
	if (h->ecam_size < ECAM_BUS_SIZE || h->ecam_base & (ECAM_BUS_SIZE - 1)) {
		hw_why(why, whylen, "%s: ECAM window must be 1 MiB aligned, 1 MiB per bus", h->name);
		return -EINVAL;
	}
	/* As Linux's pci_ecam_create: a window too small trims the bus range. */
	if ((h->ecam_size >> ECAM_BUS_SHIFT) < (u64)(h->bus_last - h->bus_first) + 1) {
		h->bus_last = (u8)(h->bus_first + (h->ecam_size >> ECAM_BUS_SHIFT) - 1);
		pci_log(h, "ECAM window too small, bus range trimmed to %02x-%02x", h->bus_first,
			h->bus_last);
	}
	h->ecam_size = ((u64)(h->bus_last - h->bus_first) + 1) << ECAM_BUS_SHIFT;
	if (fdt_getprop(fdt, h->node, "linux,pci-domain", NULL)) {
		if (dt_prop_u32(fdt, h->node, "linux,pci-domain", &v) || v > 0xffff) {
			hw_why(why, whylen, "%s: bad linux,pci-domain", h->name);
			return -EINVAL;
		}
		h->segment = (u16)v;
	} else {
		h->segment = (u16)h->m->pci->next_segment;
	}
	struct pci_host *other = pci_host_by_segment(h->m, h->segment);
	if (other && other != h) {
		hw_why(why, whylen, "%s: PCI domain %u already taken", h->name, h->segment);
		return -EINVAL;
	}
	h->m->pci->next_segment = MAX(h->m->pci->next_segment, (unsigned)h->segment + 1);
	ret = parse_ranges(h, fdt, why, whylen);
	if (!ret)
		ret = parse_id_map(h, fdt, "iommu-map", "iommu-map-mask", &h->iommu_map, why,
				   whylen);
	if (!ret)
		ret = parse_id_map(h, fdt, "msi-map", "msi-map-mask", &h->msi_map, why, whylen);
	if (ret)
		return ret;
	h->msi_parent = -1;
	if (dt_prop_u32(fdt, h->node, "msi-parent", &v) == 0)
		h->msi_parent = dt_node_by_phandle(fdt, v);
	h->intercept_p2p = dt_prop_bool(fdt, h->node, "iommulab,intercept-p2p");
	return pci_host_parse_intx(h, fdt, why, whylen);
}

/* ---- life cycle ------------------------------------------------------------ */

static void pci_host_free(void *arg)
{
	struct pci_host *h = arg;
	struct pci_dev *d, *n;

	/* Models first (they may reference their functions), then the functions. */
	list_for_each_entry_safe(d, n, &h->devs, link)
		pci_dev_free(d);
	list_for_each_entry_safe(d, n, &h->removed, link)
		pci_dev_free(d);
	free(h->root);
	free(h->intx);
	pci_host_routes_free(h);
	list_del(&h->link);
	if (list_empty(&h->m->pci->hosts)) {
		free(h->m->pci);
		h->m->pci = NULL;
	}
	free(h);
}

static int pci_machine_get(struct machine *m)
{
	if (m->pci)
		return 0;
	m->pci = calloc(1, sizeof(*m->pci));
	if (!m->pci)
		return -ENOMEM;
	INIT_LIST_HEAD(&m->pci->hosts);
	return 0;
}

int pci_host_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	struct pci_host *h;
	int ret = pci_machine_get(m);

	if (ret)
		return ret;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->root = calloc(1, sizeof(*h->root));
	if (!h->root) {
		free(h);
		return -ENOMEM;
	}
	h->m = m;
	h->node = node;
	h->route_gen = 1;	/* a function's cache starts at 0: stale */
	INIT_LIST_HEAD(&h->devs);
	INIT_LIST_HEAD(&h->removed);
	list_add_tail(&h->link, &m->pci->hosts);
	ret = hw_on_destroy(m, pci_host_free, h);
	if (ret) {
		pci_host_free(h);
		return ret;
	}
	snprintf(h->name, sizeof(h->name), "%s", fdt_get_name(fdt, node, NULL));
	h->fabric = (struct hw_fabric){ .ops = &pci_fabric_ops, .m = m, .name = h->name };
	h->root->host = h;
	h->root->node = node;
	ret = parse_host(h, fdt, why, whylen);
	if (!ret)
		ret = pci_host_scan(h, fdt, why, whylen);
	if (ret)
		return ret;
	ret = hw_mmio_map(m, h->ecam_base, h->ecam_size, &ecam_ops, h, h->name);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		hw_why(why, whylen, "%s: ECAM window at 0x%llx overlaps another region", h->name,
		       (unsigned long long)h->ecam_base);
		return -EINVAL;
	}
	pci_host_sync(h);
	return 0;
}
