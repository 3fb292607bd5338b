// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resource sizing and assignment (Linux: drivers/pci/setup-bus.c,
 * setup-res.c): every BAR and bridge window below a root bus gets an
 * address inside the host bridge window of its kind, bottom-up sizes
 * (a bridge window is the sum of what is below it, in 1 MiB granules, 4
 * KiB for I/O) and top-down placement, largest alignment first, as
 * pbus_size_mem and __assign_resources_sorted do. BARs and bridge
 * windows are then written (pci_update_resource, pci_setup_bridge).
 *
 * Three kinds: I/O, non-prefetchable memory, and 64-bit prefetchable
 * memory (only where the host bridge has a 64-bit prefetchable window;
 * otherwise such BARs go with the rest of memory).
 *
 * After a rescan only the new functions' BARs are placed, in free space
 * of the window above them; an empty bridge window (a port whose slot
 * was empty at boot) is opened in free space of its parent's window.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/printk.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

enum { KIND_IO, KIND_MEM, KIND_PREF, NR_KINDS };

static const u64 granule[NR_KINDS] = { 0x1000, 0x100000, 0x100000 };


/* The host window of each kind: the resource_entry, or NULL. */
struct host_windows {
	struct resource_entry *win[NR_KINDS];
};

static void find_host_windows(struct pci_host_bridge *hb, struct host_windows *hw)
{
	struct resource_entry *e;

	memset(hw, 0, sizeof(*hw));
	list_for_each_entry(e, &hb->windows, node) {
		unsigned long f = e->res->flags;

		if (f & IORESOURCE_IO)
			hw->win[KIND_IO] = hw->win[KIND_IO] ? hw->win[KIND_IO] : e;
		else if ((f & IORESOURCE_MEM) && (f & IORESOURCE_PREFETCH) &&
			 (f & IORESOURCE_MEM_64))
			hw->win[KIND_PREF] = hw->win[KIND_PREF] ? hw->win[KIND_PREF] : e;
		else if (f & IORESOURCE_MEM)
			hw->win[KIND_MEM] = hw->win[KIND_MEM] ? hw->win[KIND_MEM] : e;
	}
}

static int kind_of(const struct resource *r, const struct host_windows *hw)
{
	if (!r->flags || r->end == 0)
		return -1;
	if (r->flags & IORESOURCE_IO)
		return KIND_IO;
	if (!(r->flags & IORESOURCE_MEM))
		return -1;
	if ((r->flags & IORESOURCE_PREFETCH) && (r->flags & IORESOURCE_MEM_64) &&
	    hw->win[KIND_PREF])
		return KIND_PREF;
	return KIND_MEM;
}

static bool is_window(const struct pci_dev *dev, int i)
{
	return i >= PCI_BRIDGE_RESOURCES && dev->subordinate;
}

/* The resources of @dev placed in its bus's window: BARs, ROM, bridge windows. */
static bool resource_used(const struct pci_dev *dev, int i)
{
	if (i >= PCI_IOV_RESOURCES && i < PCI_BRIDGE_RESOURCES)
		return false;
	if (i >= PCI_BRIDGE_RESOURCES)
		return is_window(dev, i);
	return true;
}

static int window_index(int kind)
{
	return kind == KIND_IO ? PCI_BRIDGE_IO_WINDOW :
	       kind == KIND_MEM ? PCI_BRIDGE_MEM_WINDOW : PCI_BRIDGE_PREF_MEM_WINDOW;
}

/* ---- sizing --------------------------------------------------------------- */

/* Sizes every bridge window of @kind below @bus; returns the bus's need and alignment. */
static u64 size_bus(struct pci_bus *bus, int kind, const struct host_windows *hw, u64 *alignp)
{
	u64 total = 0, max_align = 0;
	struct pci_dev *dev;

	/* Sizes first, so the placement below can sort by alignment. */
	list_for_each_entry(dev, &bus->devices, bus_list) {
		if (dev->subordinate) {
			struct resource *w = &dev->resource[window_index(kind)];
			u64 al, need = size_bus(dev->subordinate, kind, hw, &al);

			w->start = 0;
			w->end = 0;
			if (need) {
				/* Until placed, start holds the alignment (IORESOURCE_STARTALIGN). */
				if (al < granule[kind])
					al = granule[kind];
				w->start = al;
				w->end = al + ALIGN_UP(need, granule[kind]) - 1;
				w->flags |= IORESOURCE_UNSET;
			}
		}
	}
	/* Largest alignment first: aligned sizes then pack without holes. */
	for (u64 a = (u64)1 << 63; a; a >>= 1) {
		list_for_each_entry(dev, &bus->devices, bus_list) {
			for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
				struct resource *r = &dev->resource[i];
				u64 al;

				if (!resource_used(dev, i) || kind_of(r, hw) != kind ||
				    (i >= PCI_BRIDGE_RESOURCES && i != window_index(kind)) ||
				    !(r->flags & IORESOURCE_UNSET))
					continue;
				al = is_window(dev, i) ? r->start : resource_size(r);
				if (al != a)
					continue;
				total = ALIGN_UP(total, al) + resource_size(r);
				if (al > max_align)
					max_align = al;
			}
		}
	}
	*alignp = max_align;
	return total;
}

/* ---- writing the hardware ------------------------------------------------- */

static u64 to_bus(const struct host_windows *hw, int kind, u64 cpu)
{
	return hw->win[kind] ? cpu - (u64)hw->win[kind]->offset : cpu;
}

/* pci_update_resource: the BAR register gets the bus address. */
static void update_resource(struct pci_dev *dev, int resno, const struct host_windows *hw)
{
	struct resource *r = &dev->resource[resno];
	int kind = kind_of(r, hw);
	u64 bus = to_bus(hw, kind, r->start);
	int reg;

	if (resno == PCI_ROM_RESOURCE) {
		reg = dev->hdr_type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
		pci_write_config_dword(dev, reg, (u32)bus & PCI_ROM_ADDRESS_MASK);
		return;
	}
	reg = PCI_BASE_ADDRESS_0 + 4 * resno;
	pci_write_config_dword(dev, reg, (u32)bus | (u32)(r->flags & 0xf));
	if (r->flags & IORESOURCE_MEM_64)
		pci_write_config_dword(dev, reg + 4, (u32)(bus >> 32));
	pci_info(dev, "BAR %d [%s %#llx-%#llx%s]: assigned\n", resno,
		 kind == KIND_IO ? "io" : "mem", (unsigned long long)r->start,
		 (unsigned long long)r->end, r->flags & IORESOURCE_MEM_64 ? " 64bit" : "");
}

void pci_setup_bridge(struct pci_bus *bus)
{
	struct pci_dev *br = bus->self;
	struct pci_host_bridge *hb = pci_find_host_bridge(bus);
	struct host_windows hw;
	struct resource *r;

	find_host_windows(hb, &hw);
	r = &br->resource[PCI_BRIDGE_IO_WINDOW];
	if (r->end && !(r->flags & IORESOURCE_UNSET)) {
		u64 s = to_bus(&hw, KIND_IO, r->start), e = to_bus(&hw, KIND_IO, r->end);

		pci_write_config_dword(br, PCI_IO_BASE_UPPER16,
				       (u32)(s >> 16) | (u32)((e >> 16) << 16));
		pci_write_config_byte(br, PCI_IO_BASE, (u8)((s >> 8) & 0xf0));
		pci_write_config_byte(br, PCI_IO_LIMIT, (u8)((e >> 8) & 0xf0));
	} else {
		pci_write_config_byte(br, PCI_IO_BASE, 0xf0);
		pci_write_config_byte(br, PCI_IO_LIMIT, 0x00);
		pci_write_config_dword(br, PCI_IO_BASE_UPPER16, 0);
	}
	r = &br->resource[PCI_BRIDGE_MEM_WINDOW];
	if (r->end && !(r->flags & IORESOURCE_UNSET)) {
		u64 s = to_bus(&hw, KIND_MEM, r->start), e = to_bus(&hw, KIND_MEM, r->end);

		pci_write_config_dword(br, PCI_MEMORY_BASE,
				       (u32)((s >> 16) & 0xfff0) | (u32)((e >> 16) & 0xfff0) << 16);
		pci_info(br, "PCI bridge to [bus %02x-%02x]\n", bus->number,
			 (unsigned)bus->busn_res.end);
		pci_info(br, "  bridge window [mem %#llx-%#llx]\n", (unsigned long long)r->start,
			 (unsigned long long)r->end);
	} else {
		pci_write_config_dword(br, PCI_MEMORY_BASE, 0x0000fff0);
	}
	r = &br->resource[PCI_BRIDGE_PREF_MEM_WINDOW];
	if (r->end && !(r->flags & IORESOURCE_UNSET)) {
		u64 s = to_bus(&hw, KIND_PREF, r->start), e = to_bus(&hw, KIND_PREF, r->end);

		pci_write_config_dword(br, PCI_PREF_MEMORY_BASE,
				       (u32)((s >> 16) & 0xfff0) | (u32)((e >> 16) & 0xfff0) << 16);
		pci_write_config_dword(br, PCI_PREF_BASE_UPPER32, (u32)(s >> 32));
		pci_write_config_dword(br, PCI_PREF_LIMIT_UPPER32, (u32)(e >> 32));
		pci_info(br, "  bridge window [mem %#llx-%#llx 64bit pref]\n",
			 (unsigned long long)r->start, (unsigned long long)r->end);
	} else {
		pci_write_config_dword(br, PCI_PREF_MEMORY_BASE, 0x0000fff0);
		pci_write_config_dword(br, PCI_PREF_BASE_UPPER32, 0);
		pci_write_config_dword(br, PCI_PREF_LIMIT_UPPER32, 0);
	}
}

/* ---- placement ------------------------------------------------------------ */

static void assign_bus(struct pci_bus *bus, int kind, u64 base, const struct host_windows *hw)
{
	struct pci_dev *dev;
	u64 cur = base;

	for (u64 a = (u64)1 << 63; a; a >>= 1) {
		list_for_each_entry(dev, &bus->devices, bus_list) {
			for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
				struct resource *r = &dev->resource[i];
				u64 size, al;

				if (!resource_used(dev, i) || kind_of(r, hw) != kind ||
				    (i >= PCI_BRIDGE_RESOURCES && i != window_index(kind)) ||
				    !(r->flags & IORESOURCE_UNSET))
					continue;
				size = resource_size(r);
				al = is_window(dev, i) ? r->start : size;
				if (al != a)
					continue;
				cur = ALIGN_UP(cur, al);
				r->start = cur;
				r->end = cur + size - 1;
				r->flags &= ~IORESOURCE_UNSET;
				cur += size;
				if (is_window(dev, i))
					assign_bus(dev->subordinate, kind, r->start, hw);
				else
					update_resource(dev, i, hw);
			}
		}
	}
}

static void setup_bridges(struct pci_bus *bus)
{
	struct pci_dev *dev;

	list_for_each_entry(dev, &bus->devices, bus_list) {
		if (!dev->subordinate)
			continue;
		pci_setup_bridge(dev->subordinate);
		setup_bridges(dev->subordinate);
	}
}

void pci_bus_size_and_assign(struct pci_bus *bus)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(bus);
	struct host_windows hw;

	find_host_windows(hb, &hw);
	for (int kind = 0; kind < NR_KINDS; kind++) {
		u64 align, need = size_bus(bus, kind, &hw, &align);
		struct resource *w = hw.win[kind] ? hw.win[kind]->res : NULL;

		if (!need)
			continue;
		if (!w || ALIGN_UP(w->start, align ? align : 1) + need - 1 > w->end) {
			dev_warn(&hb->dev, "no space for %s resources of %#llx bytes\n",
				 kind == KIND_IO ? "io" : "mem", (unsigned long long)need);
			continue;
		}
		assign_bus(bus, kind, ALIGN_UP(w->start, align ? align : 1), &hw);
	}
	setup_bridges(bus);
}

/* ---- after a rescan ------------------------------------------------------- */

/* Is [s, s + size) free of every placed resource of @kind on @bus? */
static bool range_free(struct pci_bus *bus, int kind, u64 s, u64 size,
		       const struct host_windows *hw)
{
	struct pci_dev *dev;

	list_for_each_entry(dev, &bus->devices, bus_list)
		for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
			struct resource *r = &dev->resource[i];

			if (!resource_used(dev, i) || kind_of(r, hw) != kind ||
			    (r->flags & IORESOURCE_UNSET))
				continue;
			if (s <= r->end && r->start <= s + size - 1)
				return false;
		}
	return true;
}

/* First fit, aligned, in [lo, hi]; 0 with *@out, or -ENOSPC. */
static int find_space(struct pci_bus *bus, int kind, u64 lo, u64 hi, u64 size, u64 align,
		      const struct host_windows *hw, u64 *out)
{
	for (u64 s = ALIGN_UP(lo, align); s + size - 1 <= hi && s >= lo; s += align)
		if (range_free(bus, kind, s, size, hw)) {
			*out = s;
			return 0;
		}
	return -ENOSPC;
}

/* The window @bus decodes for @kind: [*lo, *hi], or false when closed. */
static bool bus_window(struct pci_bus *bus, int kind, const struct host_windows *hw, u64 *lo,
		       u64 *hi)
{
	struct resource *w;

	if (pci_is_root_bus(bus)) {
		if (!hw->win[kind])
			return false;
		w = hw->win[kind]->res;
	} else {
		w = &bus->self->resource[window_index(kind)];
		if (!w->end || (w->flags & IORESOURCE_UNSET))
			return false;
	}
	*lo = w->start;
	*hi = w->end;
	return true;
}

static int place_new(struct pci_bus *bus, int kind, const struct host_windows *hw)
{
	struct pci_dev *dev;
	u64 lo, hi;

	if (!bus_window(bus, kind, hw, &lo, &hi)) {
		/* Open the bridge's window in its parent's free space, sized for what is below. */
		struct pci_dev *br = bus->self;
		struct resource *w;
		u64 al, need, s, plo, phi;

		if (!br)
			return -ENOSPC;
		need = size_bus(bus, kind, hw, &al);
		w = &br->resource[window_index(kind)];
		if (!need)
			return 0;
		need = ALIGN_UP(need, granule[kind]);
		if (!bus_window(br->bus, kind, hw, &plo, &phi) ||
		    find_space(br->bus, kind, plo, phi, need, granule[kind], hw, &s)) {
			pci_warn(br, "bridge window: no space for %#llx\n", (unsigned long long)need);
			return -ENOSPC;
		}
		w->start = s;
		w->end = s + need - 1;
		w->flags &= ~IORESOURCE_UNSET;
		assign_bus(bus, kind, s, hw);
		pci_setup_bridge(bus);
		return 0;
	}
	list_for_each_entry(dev, &bus->devices, bus_list)
		for (int i = 0; i < PCI_BRIDGE_RESOURCES; i++) {
			struct resource *r = &dev->resource[i];
			u64 s;

			if (!resource_used(dev, i) || kind_of(r, hw) != kind ||
			    !(r->flags & IORESOURCE_UNSET))
				continue;
			if (find_space(bus, kind, lo, hi, resource_size(r), resource_size(r), hw,
				       &s)) {
				pci_warn(dev, "BAR %d: no space for [size %#llx]\n", i,
					 (unsigned long long)resource_size(r));
				continue;
			}
			r->end = s + resource_size(r) - 1;
			r->start = s;
			r->flags &= ~IORESOURCE_UNSET;
			update_resource(dev, i, hw);
		}
	return 0;
}

void pci_assign_unassigned_bus_resources(struct pci_bus *bus)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(bus);
	struct host_windows hw;
	struct pci_dev *dev;

	find_host_windows(hb, &hw);
	for (int kind = 0; kind < NR_KINDS; kind++)
		place_new(bus, kind, &hw);
	list_for_each_entry(dev, &bus->devices, bus_list)
		if (dev->subordinate)
			pci_assign_unassigned_bus_resources(dev->subordinate);
}
