// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enumeration (Linux: drivers/pci/probe.c): a depth-first scan of every
 * slot of a bus, a pci_dev per function found, BARs sized, capabilities
 * cached, ACS enabled (pci_acs_init), bridges given bus numbers (a DT
 * generic host reassigns them all unless linux,pci-probe-only) and their
 * secondary buses scanned. Devices are device_add'ed as they are found,
 * which is when the IOMMU core sees them (and, on a device-tree system,
 * when the first one makes of_iommu_configure call pci_request_acs), but
 * no driver binds before pci_bus_add_devices, after resources are
 * assigned.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

/* ---- buses -------------------------------------------------------------- */

static struct pci_bus *pci_alloc_bus(struct pci_bus *parent)
{
	struct pci_bus *b = kzalloc(sizeof(*b));

	if (!b)
		return NULL;
	INIT_LIST_HEAD(&b->node);
	INIT_LIST_HEAD(&b->children);
	INIT_LIST_HEAD(&b->devices);
	b->parent = parent;
	if (parent) {
		b->ops = parent->ops;
		b->sysdata = parent->sysdata;
		b->domain_nr = parent->domain_nr;
	}
	return b;
}

void pci_free_bus(struct pci_bus *bus)
{
	list_del_init(&bus->node);
	kfree(bus);
}

struct pci_bus *pci_alloc_child_bus(struct pci_bus *parent, struct pci_dev *bridge, int busnr)
{
	struct pci_bus *child = pci_alloc_bus(parent);

	if (!child)
		return NULL;
	child->self = bridge;
	child->bridge = &bridge->dev;
	child->number = (unsigned char)busnr;
	child->primary = parent->number;
	child->busn_res.start = (u64)busnr;
	child->busn_res.end = 0xff;
	child->busn_res.flags = IORESOURCE_BUS;
	snprintf(child->name, sizeof(child->name), "PCI Bus %04x:%02x", child->domain_nr, busnr);
	for (int i = 0; i < PCI_BRIDGE_RESOURCE_NUM; i++)
		child->resource[i] = &bridge->resource[PCI_BRIDGE_RESOURCES + i];
	bridge->subordinate = child;
	list_add_tail(&child->node, &parent->children);
	return child;
}

/* ---- one function ------------------------------------------------------- */

static void pci_release_dev(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	kfree(dev->driver_override);
	kfree(pdev->dma_alias_mask);
	kfree(pdev);
}

/* Sizes BAR @pos into @res (__pci_read_base); returns 1 for a 64-bit BAR. */
static int read_base(struct pci_dev *dev, struct resource *res, int pos, bool rom)
{
	u32 l, sz, mask = rom ? (u32)PCI_ROM_ADDRESS_MASK : ~0u;
	u64 l64, sz64, mask64;
	u16 cmd;
	bool is64 = false;

	/* Decoding off while the BAR reads back its size. */
	pci_read_config_word(dev, PCI_COMMAND, &cmd);
	if (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO))
		pci_write_config_word(dev, PCI_COMMAND,
				      cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	pci_read_config_dword(dev, pos, &l);
	pci_write_config_dword(dev, pos, l | mask);
	pci_read_config_dword(dev, pos, &sz);
	pci_write_config_dword(dev, pos, l);
	memset(res, 0, sizeof(*res));
	if (sz == 0 || sz == ~0u)
		goto out;
	if (rom) {
		res->flags = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY |
			     IORESOURCE_SIZEALIGN;
		l64 = l & PCI_ROM_ADDRESS_MASK;
		sz64 = sz & PCI_ROM_ADDRESS_MASK;
		mask64 = PCI_ROM_ADDRESS_MASK;
	} else if (l & PCI_BASE_ADDRESS_SPACE_IO) {
		res->flags = IORESOURCE_IO | (l & 0x3);
		l64 = l & PCI_BASE_ADDRESS_IO_MASK;
		sz64 = sz & PCI_BASE_ADDRESS_IO_MASK & 0xffff;
		mask64 = PCI_BASE_ADDRESS_IO_MASK & 0xffff;
	} else {
		res->flags = IORESOURCE_MEM | (l & 0xf);
		if (l & PCI_BASE_ADDRESS_MEM_PREFETCH)
			res->flags |= IORESOURCE_PREFETCH;
		is64 = (l & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
		l64 = l & PCI_BASE_ADDRESS_MEM_MASK;
		sz64 = sz & PCI_BASE_ADDRESS_MEM_MASK;
		mask64 = (u32)PCI_BASE_ADDRESS_MEM_MASK;
		if (is64) {
			u32 lh, szh;

			res->flags |= IORESOURCE_MEM_64;
			pci_read_config_dword(dev, pos + 4, &lh);
			pci_write_config_dword(dev, pos + 4, ~0u);
			pci_read_config_dword(dev, pos + 4, &szh);
			pci_write_config_dword(dev, pos + 4, lh);
			l64 |= (u64)lh << 32;
			sz64 |= (u64)szh << 32;
			mask64 |= (u64)~0u << 32;
		}
	}
	res->flags |= IORESOURCE_SIZEALIGN;
	/* pci_size: the lowest set bit of the size mask is the size. */
	sz64 &= mask64;
	if (!sz64) {
		res->flags = 0;
		goto out;
	}
	sz64 = sz64 & ~(sz64 - 1);
	/* Firmware's address is ignored: the kernel assigns (IORESOURCE_UNSET). */
	(void)l64;
	res->start = 0;
	res->end = sz64 - 1;
	res->flags |= IORESOURCE_UNSET;
out:
	if (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO))
		pci_write_config_word(dev, PCI_COMMAND, cmd);
	return is64;
}

static void pci_read_bases(struct pci_dev *dev, int howmany, int rom)
{
	for (int pos = 0; pos < howmany; pos++) {
		struct resource *res = &dev->resource[pos];

		res->name = pci_name(dev);
		pos += read_base(dev, res, PCI_BASE_ADDRESS_0 + (pos << 2), false);
	}
	if (rom) {
		dev->resource[PCI_ROM_RESOURCE].name = pci_name(dev);
		read_base(dev, &dev->resource[PCI_ROM_RESOURCE], rom, true);
	}
}

/* A bridge's windows (what it will need is decided by setup-bus.c). */
void pci_read_bridge_bases(struct pci_bus *bus)
{
	struct pci_dev *br = bus->self;

	br->resource[PCI_BRIDGE_IO_WINDOW].flags = IORESOURCE_IO;
	br->resource[PCI_BRIDGE_MEM_WINDOW].flags = IORESOURCE_MEM;
	br->resource[PCI_BRIDGE_PREF_MEM_WINDOW].flags =
		IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64;
	for (int i = PCI_BRIDGE_RESOURCES; i < PCI_NUM_RESOURCES; i++)
		br->resource[i].name = pci_name(br);
}

void pci_init_capabilities(struct pci_dev *dev)
{
	dev->pm_cap = pci_find_capability(dev, PCI_CAP_ID_PM);
	dev->msi_cap = pci_find_capability(dev, PCI_CAP_ID_MSI);
	dev->msix_cap = pci_find_capability(dev, PCI_CAP_ID_MSIX);
	/* pci_acs_init: cache the capability, enable what was requested. */
	dev->acs_cap = pci_find_ext_capability(dev, PCI_EXT_CAP_ID_ACS);
	pci_enable_acs(dev);
	pci_init_reset_methods(dev);
}

/* The INTx line: swizzle to the root bus, then the host's interrupt-map. */
static unsigned pci_assign_irq(struct pci_dev *dev)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(dev->bus);
	const struct device_node *np = hb->dev.parent ? hb->dev.parent->of_node : NULL;
	struct pci_dev *d = dev;
	u32 pin = dev->pin, mask[4] = { ~0u, ~0u, ~0u, ~0u };
	const fdt32_t *map;
	int len;

	if (!pin || !np || !(map = of_get_property(np, "interrupt-map", &len)))
		return 0;
	while (!pci_is_root_bus(d->bus)) {
		pin = (pin - 1 + PCI_SLOT(d->devfn)) % 4 + 1;
		d = d->bus->self;
	}
	of_property_read_u32_array(np, "interrupt-map-mask", mask, 4);
	u32 key[4] = { (u32)d->devfn << 8 & mask[0], 0, 0, pin & mask[3] };
	for (int i = 0; i + 4 < len / 4;) {
		const fdt32_t *e = &map[i];
		struct device_node *par = of_find_node_by_phandle(fdt32_to_cpu(e[4]));
		u32 pac = 0, pic = 0;

		if (!par || of_property_read_u32(par, "#interrupt-cells", &pic))
			return 0;
		of_property_read_u32(par, "#address-cells", &pac);
		if (i + 5 + (int)(pac + pic) > len / 4)
			return 0;
		const fdt32_t *spec = &e[5 + pac];
		bool hit = true;
		for (int k = 0; k < 4; k++)
			hit &= (fdt32_to_cpu(e[k]) & mask[k]) == key[k];
		if (hit) {
			if (pic == 3)	/* GIC: SPI n is INTID 32 + n, PPI n 16 + n */
				return fdt32_to_cpu(spec[1]) + (fdt32_to_cpu(spec[0]) ? 16 : 32);
			return pic == 1 ? fdt32_to_cpu(spec[0]) : 0;
		}
		i += 5 + (int)(pac + pic);
	}
	return 0;
}

int pci_setup_device(struct pci_dev *dev)
{
	u32 class;
	u8 hdr;
	u16 pos;

	pci_read_config_byte(dev, PCI_HEADER_TYPE, &hdr);
	dev->hdr_type = hdr & PCI_HEADER_TYPE_MASK;
	dev->multifunction = !!(hdr & PCI_HEADER_TYPE_MFD);
	pci_read_config_dword(dev, PCI_CLASS_REVISION, &class);
	dev->revision = class & 0xff;
	dev->class = class >> 8;
	dev->cfg_size = PCI_CFG_SPACE_SIZE;
	dev->pcie_cap = pci_find_capability(dev, PCI_CAP_ID_EXP);
	if (dev->pcie_cap) {
		pci_read_config_word(dev, dev->pcie_cap + PCI_EXP_FLAGS, &pos);
		dev->pcie_flags_reg = pos;
		dev->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	}
	dev->dma_mask = 0xffffffffull;
	dev->error_state = pci_channel_io_normal;
	switch (dev->hdr_type) {
	case PCI_HEADER_TYPE_NORMAL:
		pci_read_config_byte(dev, PCI_INTERRUPT_PIN, &dev->pin);
		pci_read_config_word(dev, PCI_SUBSYSTEM_VENDOR_ID, &dev->subsystem_vendor);
		pci_read_config_word(dev, PCI_SUBSYSTEM_ID, &dev->subsystem_device);
		pci_read_bases(dev, 6, PCI_ROM_ADDRESS);
		break;
	case PCI_HEADER_TYPE_BRIDGE:
		pci_read_config_byte(dev, PCI_INTERRUPT_PIN, &dev->pin);
		pci_read_bases(dev, 2, PCI_ROM_ADDRESS1);
		break;
	default:
		pci_info(dev, "unknown header type %02x, ignoring device\n", dev->hdr_type);
		return -EIO;
	}
	dev->irq = pci_assign_irq(dev);
	return 0;
}

/* Linux's "pci 0000:00:00.0: [1de5:0100] type 01 class 0x060400 PCIe Root Port" line. */
static const char *pcie_type_name(const struct pci_dev *dev)
{
	static const char *const names[] = {
		[PCI_EXP_TYPE_ENDPOINT] = "PCIe Endpoint",
		[PCI_EXP_TYPE_LEG_END] = "PCIe Legacy Endpoint",
		[PCI_EXP_TYPE_ROOT_PORT] = "PCIe Root Port",
		[PCI_EXP_TYPE_UPSTREAM] = "PCIe Switch Upstream Port",
		[PCI_EXP_TYPE_DOWNSTREAM] = "PCIe Switch Downstream Port",
		[PCI_EXP_TYPE_PCI_BRIDGE] = "PCIe to PCI/PCI-X bridge",
		[PCI_EXP_TYPE_PCIE_BRIDGE] = "PCI/PCI-X to PCIe bridge",
		[PCI_EXP_TYPE_RC_END] = "PCIe Root Complex Integrated Endpoint",
		[PCI_EXP_TYPE_RC_EC] = "PCIe Root Complex Event Collector",
	};
	int t = pci_pcie_type(dev);

	if (!pci_is_pcie(dev))
		return "conventional PCI endpoint";
	return t < (int)ARRAY_SIZE(names) && names[t] ? names[t] : "PCIe";
}

/* pci_set_of_node: the DT child whose reg names this devfn (bus number ignored). */
static struct device_node *bus_of_node(struct pci_bus *bus)
{
	if (pci_is_root_bus(bus)) {
		struct device *host = pci_find_host_bridge(bus)->dev.parent;

		return host ? host->of_node : NULL;
	}
	return bus->self->dev.of_node;
}

static struct device_node *of_pci_find_child_device(struct pci_bus *bus, unsigned devfn)
{
	struct device_node *parent = bus_of_node(bus), *np;

	if (!parent)
		return NULL;
	for_each_child_of_node(parent, np) {
		u32 reg;

		if (!of_device_is_available(np) || of_property_read_u32(np, "reg", &reg))
			continue;
		if (((reg >> 8) & 0xff) == devfn)
			return np;
	}
	return NULL;
}

static struct pci_dev *pci_scan_device(struct pci_bus *bus, unsigned devfn)
{
	struct pci_dev *dev;
	u32 l;

	if (pci_bus_read_config_dword(bus, devfn, PCI_VENDOR_ID, &l) || l == ~0u ||
	    l == 0 || l == 0x0000ffff || l == 0xffff0000)
		return NULL;
	dev = kzalloc(sizeof(*dev));
	if (!dev)
		return NULL;
	INIT_LIST_HEAD(&dev->bus_list);
	dev->bus = bus;
	dev->devfn = devfn;
	dev->vendor = l & 0xffff;
	dev->device = (l >> 16) & 0xffff;
	device_initialize(&dev->dev);
	dev->dev.release = pci_release_dev;
	dev->dev.bus = &pci_bus_type;	/* "pci 0000:00:00.0: ..." in the log */
	dev->dev.of_node = of_pci_find_child_device(bus, devfn);
	if (dev_set_name(&dev->dev, "%04x:%02x:%02x.%d", bus->domain_nr, bus->number,
			 PCI_SLOT(devfn), PCI_FUNC(devfn))) {
		put_device(&dev->dev);
		return NULL;
	}
	if (pci_setup_device(dev)) {
		put_device(&dev->dev);
		return NULL;
	}
	pci_info(dev, "[%04x:%04x] type %02x class %#08x %s\n", dev->vendor, dev->device,
		 dev->hdr_type, dev->class, pcie_type_name(dev));
	return dev;
}

/* pci_device_add: capabilities, onto the bus, into the device model (no binding yet). */
static int pci_device_add(struct pci_dev *dev, struct pci_bus *bus)
{
	int ret;

	pci_init_capabilities(dev);
	dev->dev.parent = bus->bridge;
	dev->dev.bus = &pci_bus_type;
	dev->dev.dma_mask = dev->dma_mask;
	dev->dev.coherent_dma_mask = 0xffffffffull;
	list_add_tail(&dev->bus_list, &bus->devices);
	ret = device_add(&dev->dev);
	if (ret) {
		list_del_init(&dev->bus_list);
		return ret;
	}
	return 0;
}

/*
 * @mf: a function after 0 of a multifunction device. It is marked before
 * it is added, since the add puts it in an IOMMU group and a rescan adds
 * it next to a function 0 already there: marked only afterwards it would
 * get a group of its own, apart from functions it can reach peer to peer.
 */
static struct pci_dev *pci_scan_single_device(struct pci_bus *bus, unsigned devfn, bool mf)
{
	struct pci_dev *dev = pci_get_slot(bus, devfn);

	if (dev) {
		pci_dev_put(dev);
		return dev;	/* already known (a rescan) */
	}
	dev = pci_scan_device(bus, devfn);
	if (!dev)
		return NULL;
	if (mf)
		dev->multifunction = 1;
	if (pci_device_add(dev, bus)) {
		put_device(&dev->dev);
		return NULL;
	}
	return dev;
}

/* A PCIe link below a root or downstream port has device 0 only (no ARI). */
static bool only_one_child(struct pci_bus *bus)
{
	struct pci_dev *bridge = bus->self;

	if (!bridge || !pci_is_pcie(bridge))
		return false;
	return pci_pcie_type(bridge) == PCI_EXP_TYPE_ROOT_PORT ||
	       pci_pcie_type(bridge) == PCI_EXP_TYPE_DOWNSTREAM;
}

static int pci_scan_slot(struct pci_bus *bus, unsigned devfn)
{
	struct pci_dev *dev;
	int nr = 0;

	if (only_one_child(bus) && PCI_SLOT(devfn) > 0)
		return 0;
	dev = pci_scan_single_device(bus, devfn, false);
	if (!dev)
		return 0;
	nr++;
	if (dev->multifunction)
		for (unsigned fn = 1; fn < 8; fn++) {
			struct pci_dev *f = pci_scan_single_device(bus, devfn + fn, true);

			/* Only function 0 carries the bit; Linux marks the others. */
			if (f) {
				f->multifunction = 1;
				nr++;
			}
		}
	return nr;
}

/* pci_scan_bridge_extend, reassigning: secondary = max + 1, then the subtree. */
static unsigned pci_scan_bridge(struct pci_bus *bus, struct pci_dev *dev, unsigned max)
{
	struct pci_host_bridge *hb = pci_find_host_bridge(bus);
	unsigned last = (unsigned)hb->bus->busn_res.end;
	struct pci_bus *child = dev->subordinate;
	u32 buses;

	/* Within what the bus above was given (after boot: a rescan). */
	if (!pci_is_root_bus(bus) && bus->busn_res.end < last)
		last = (unsigned)bus->busn_res.end;
	if (child) {	/* configured earlier (a rescan): look below it again */
		pci_scan_child_bus(child);
		return child->busn_res.end > max ? (unsigned)child->busn_res.end : max;
	}
	if (max + 1 > last) {
		pci_info(dev, "can't assign a bus number: [bus %02x-%02x] exhausted\n",
			 (unsigned)bus->number, last);
		return max;
	}
	child = pci_alloc_child_bus(bus, dev, (int)(max + 1));
	if (!child)
		return max;
	pci_read_bridge_bases(child);
	pci_read_config_dword(dev, PCI_PRIMARY_BUS, &buses);
	buses = (buses & 0xff000000) | bus->number | (u32)child->number << 8 | (u32)last << 16;
	pci_write_config_dword(dev, PCI_PRIMARY_BUS, buses);
	max = pci_scan_child_bus(child);
	child->busn_res.end = max;
	pci_write_config_byte(dev, PCI_SUBORDINATE_BUS, (u8)max);
	return max;
}

unsigned pci_scan_child_bus(struct pci_bus *bus)
{
	unsigned max = bus->number;
	struct pci_dev *dev;

	for (unsigned devfn = 0; devfn < 256; devfn += 8)
		pci_scan_slot(bus, devfn);
	list_for_each_entry(dev, &bus->devices, bus_list)
		if (pci_is_bridge(dev) && !pci_dev_is_disconnected(dev))
			max = pci_scan_bridge(bus, dev, max);
	if (max < bus->number)
		max = bus->number;
	return max;
}

/* ---- adding for binding -------------------------------------------------- */

static void pci_bus_add_device(struct pci_dev *dev)
{
	if (dev->is_added)
		return;
	dev->match_driver = 1;
	dev->is_added = 1;
	if (dev->dev.registered)
		bus_probe_device(&dev->dev);
}

void pci_bus_add_devices(struct pci_bus *bus)
{
	struct pci_dev *dev;

	list_for_each_entry(dev, &bus->devices, bus_list)
		pci_bus_add_device(dev);
	list_for_each_entry(dev, &bus->devices, bus_list)
		if (dev->subordinate)
			pci_bus_add_devices(dev->subordinate);
}

/* ---- the root bus ---------------------------------------------------------- */

static void pci_release_host_bridge_dev(struct device *dev)
{
	(void)dev;	/* embedded in the controller's data, freed with it */
}

/*
 * "pci_bus 0000:00: root bus resource [...]" (%pR) for the bus range and
 * each window; I/O as the logical port range Linux remaps it to.
 */
static void pci_log_root_resources(struct pci_host_bridge *bridge)
{
	struct pci_bus *b = bridge->bus;
	struct resource_entry *e;

	pr_info("pci_bus %04x:%02x: root bus resource [bus %02x-%02x]\n", b->domain_nr, b->number,
		bridge->busnr, bridge->busnr_end);
	list_for_each_entry(e, &bridge->windows, node) {
		const struct resource *r = e->res;
		u64 bus_start = r->start - (u64)e->offset;

		if (resource_type(r) == IORESOURCE_IO) {
			pr_info("pci_bus %04x:%02x: root bus resource [io  0x%04llx-0x%04llx]\n",
				b->domain_nr, b->number, (unsigned long long)bus_start,
				(unsigned long long)(bus_start + resource_size(r) - 1));
			continue;
		}
		char busaddr[64] = "";

		if (e->offset)
			snprintf(busaddr, sizeof(busaddr), " (bus address [%#010llx-%#010llx])",
				 (unsigned long long)bus_start,
				 (unsigned long long)(bus_start + resource_size(r) - 1));
		pr_info("pci_bus %04x:%02x: root bus resource [mem %#010llx-%#010llx%s%s]%s\n",
			b->domain_nr, b->number, (unsigned long long)r->start,
			(unsigned long long)r->end, r->flags & IORESOURCE_MEM_64 ? " 64bit" : "",
			r->flags & IORESOURCE_PREFETCH ? " pref" : "", busaddr);
	}
}

int pci_scan_root_bus_bridge(struct pci_host_bridge *bridge)
{
	struct pci_bus *b;
	int ret;

	device_initialize(&bridge->dev);
	bridge->dev.release = pci_release_host_bridge_dev;
	ret = dev_set_name(&bridge->dev, "pci%04x:%02x", bridge->domain_nr, bridge->busnr);
	if (ret)
		goto put;
	b = pci_alloc_bus(NULL);
	if (!b) {
		ret = -ENOMEM;
		goto put;
	}
	b->ops = bridge->ops;
	b->sysdata = bridge->sysdata;
	b->domain_nr = bridge->domain_nr;
	b->number = b->primary = (unsigned char)bridge->busnr;
	b->bridge = &bridge->dev;
	b->busn_res.flags = IORESOURCE_BUS;
	b->busn_res.start = (u64)bridge->busnr;
	b->busn_res.end = (u64)bridge->busnr_end;
	snprintf(b->name, sizeof(b->name), "PCI Bus %04x:%02x", b->domain_nr, b->number);
	bridge->bus = b;
	ret = device_add(&bridge->dev);
	if (ret) {
		bridge->bus = NULL;
		kfree(b);
		goto put;
	}
	list_add_tail(&b->node, &kstate->pci.root_buses);
	dev_info(bridge->dev.parent ? bridge->dev.parent : &bridge->dev, "PCI host bridge to bus %04x:%02x\n", b->domain_nr, b->number);
	pci_log_root_resources(bridge);
	pci_scan_child_bus(b);
	return 0;
put:
	put_device(&bridge->dev);
	return ret;
}
