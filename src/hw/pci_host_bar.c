/*
 * BAR decode on the system bus (docs/devices.md, "pci-host-ecam-generic",
 * BARs): a BAR the function decodes is mapped at its CPU address only
 * when a host bridge window holds it and every bridge above forwards it
 * (window and Memory/I/O Space Enable); otherwise it is unreachable.
 * Re-evaluated after a configuration write that changed a function's header
 * or power state: that function and those below it (pci_dev_bars_sync).
 */
#include <errno.h>
#include <stdio.h>

#include "pci_host.h"

static u64 raz_read(void *opaque, u64 off, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return 0;
}

static void wi_write(void *opaque, u64 off, u64 val, unsigned size)
{
	(void)opaque;
	(void)off;
	(void)val;
	(void)size;
}

/* A BAR the model serves nothing in (a bridge's, the ROM): reads 0, ignores writes. */
static const struct hw_mmio_ops raz_wi_ops = { .read = raz_read, .write = wi_write };

static bool host_window(const struct pci_host *h, u64 addr, u64 size, bool io, u64 *cpu)
{
	for (unsigned i = 0; i < h->nr_win; i++) {
		const struct pci_host_win *w = &h->win[i];

		if ((w->type == PCI_WIN_IO) != io)
			continue;
		if (addr >= w->pci && addr - w->pci <= w->size - 1 && size - 1 <= w->size - 1 &&
		    addr - w->pci <= w->size - size) {
			*cpu = w->cpu + (addr - w->pci);
			return true;
		}
	}
	return false;
}

/* Where BAR @bar of @d decodes on the system bus, if it is reachable. */
static bool reachable(const struct pci_dev *d, int bar, u64 *cpu)
{
	const struct pci_bar_map *b = &d->bars[bar];

	if (!b->want || d->removed)
		return false;
	for (const struct pci_bus *bus = d->bus; bus->self; bus = bus->self->bus)
		if (!pci_bridge_forwards(bus->self, b->addr, b->size, b->io))
			return false;
	return host_window(d->host, b->addr, b->size, b->io, cpu);
}

static void bar_handler(struct pci_dev *d, int bar, const struct hw_mmio_ops **ops,
			void **opaque)
{
	*ops = &raz_wi_ops;
	*opaque = d;
	if (bar < PCI_NUM_BARS && d->model && d->ctx.bar_ops[bar]) {
		*ops = d->ctx.bar_ops[bar];
		*opaque = d->ctx.bar_opaque[bar];
	} else if (bar < PCI_NUM_BARS && d->func.msix && d->func.msix_st.bar == bar) {
		*ops = &pci_msix_bar_ops;
		*opaque = &d->func;
	}
}

static void bar_unmap(struct pci_dev *d, int bar)
{
	if (!d->bars[bar].mapped)
		return;
	hw_mmio_unmap(d->host->m, d->bars[bar].cpu);
	d->bars[bar].mapped = false;
}

static void bar_map(struct pci_dev *d, int bar, u64 cpu)
{
	const struct hw_mmio_ops *ops;
	void *opaque;
	char name[32];
	int ret;

	bar_handler(d, bar, &ops, &opaque);
	if (bar == PCI_ROM_SLOT)
		snprintf(name, sizeof(name), "%s ROM", d->name);
	else
		snprintf(name, sizeof(name), "%s BAR%d", d->name, bar);
	ret = hw_mmio_map(d->host->m, cpu, d->bars[bar].size, ops, opaque, name);
	if (ret) {
		/* Overlapping another region: the BAR stays unreachable. */
		pci_log(d->host, "%s at 0x%llx+0x%llx not mapped (%d): overlaps another region",
			name, (unsigned long long)cpu, (unsigned long long)d->bars[bar].size, ret);
		d->host->bars_blocked = true;
		return;
	}
	d->bars[bar].mapped = true;
	d->bars[bar].cpu = cpu;
}

void pci_bars_unmap_all(struct pci_dev *d)
{
	for (int i = 0; i <= PCI_ROM_SLOT; i++)
		bar_unmap(d, i);
}

void pci_bars_sync(struct pci_host *h)
{
	struct pci_dev *d;
	u64 cpu;

	/* Every unmap first, so a BAR may move where another one just left. */
	list_for_each_entry(d, &h->devs, link)
		for (int i = 0; i <= PCI_ROM_SLOT; i++)
			if (d->bars[i].mapped && (!reachable(d, i, &cpu) || cpu != d->bars[i].cpu))
				bar_unmap(d, i);
	list_for_each_entry(d, &h->devs, link)
		for (int i = 0; i <= PCI_ROM_SLOT; i++)
			if (!d->bars[i].mapped && reachable(d, i, &cpu))
				bar_map(d, i, cpu);
}

static void dev_unmap_moved(struct pci_dev *d)
{
	u64 cpu;

	for (int i = 0; i <= PCI_ROM_SLOT; i++)
		if (d->bars[i].mapped && (!reachable(d, i, &cpu) || cpu != d->bars[i].cpu))
			bar_unmap(d, i);
}

static void dev_map_reachable(struct pci_dev *d)
{
	u64 cpu;

	for (int i = 0; i <= PCI_ROM_SLOT; i++)
		if (!d->bars[i].mapped && reachable(d, i, &cpu))
			bar_map(d, i, cpu);
}

static void bus_walk(struct pci_bus *bus, void (*fn)(struct pci_dev *d))
{
	for (unsigned i = 0; i < 256; i++) {
		struct pci_dev *d = bus->slot[i];

		if (!d)
			continue;
		fn(d);
		if (d->subordinate)
			bus_walk(d->subordinate, fn);
	}
}

/*
 * Only @d's own registers changed: what decodes can change for its BARs and
 * those below it, nowhere else. A BAR left unmapped on an overlap may fit
 * now that something moved: then everything is looked at again.
 */
void pci_dev_bars_sync(struct pci_dev *d)
{
	if (d->host->bars_blocked || d->removed) {
		pci_bars_sync(d->host);
		return;
	}
	dev_unmap_moved(d);
	if (d->subordinate)
		bus_walk(d->subordinate, dev_unmap_moved);
	dev_map_reachable(d);
	if (d->subordinate)
		bus_walk(d->subordinate, dev_map_reachable);
}

static bool below(const struct pci_dev *d, const struct pci_bus *bus)
{
	for (const struct pci_bus *b = d->bus; b; b = b->self ? b->self->bus : NULL)
		if (b == bus)
			return true;
	return false;
}

struct pci_dev *pci_bar_claim(struct pci_bus *bus, u64 addr, int *bar)
{
	struct pci_dev *d;

	list_for_each_entry(d, &bus->host->devs, link) {
		if (!below(d, bus))
			continue;
		for (int i = 0; i <= PCI_ROM_SLOT; i++) {
			const struct pci_bar_map *b = &d->bars[i];

			if (b->mapped && !b->io && addr >= b->addr && addr - b->addr < b->size) {
				*bar = i;
				return d;
			}
		}
	}
	return NULL;
}
