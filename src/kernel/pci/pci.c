// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI device helpers (Linux: drivers/pci/pci.c): capabilities, enabling,
 * bus mastering, ACS, function resets, config save/restore.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci_internal.h"

/* ---- capabilities ----------------------------------------------------- */

static u8 find_next_cap_ttl(struct pci_dev *dev, u8 pos, int cap, int *ttl)
{
	u8 id;

	pci_read_config_byte(dev, pos, &pos);
	while ((*ttl)--) {
		if (pos < 0x40)
			break;
		pos &= ~3;
		u16 ent;
		pci_read_config_word(dev, pos, &ent);
		id = ent & 0xff;
		if (id == 0xff)
			break;
		if (id == cap)
			return pos;
		pos = (u8)(ent >> 8);
	}
	return 0;
}

u8 pci_find_next_capability(struct pci_dev *dev, u8 pos, int cap)
{
	int ttl = PCI_FIND_CAP_TTL;

	return find_next_cap_ttl(dev, (u8)(pos + PCI_CAP_LIST_NEXT), cap, &ttl);
}

u8 pci_find_capability(struct pci_dev *dev, int cap)
{
	u16 status;
	int ttl = PCI_FIND_CAP_TTL;

	pci_read_config_word(dev, PCI_STATUS, &status);
	if (!(status & PCI_STATUS_CAP_LIST) || status == 0xffff)
		return 0;
	return find_next_cap_ttl(dev, PCI_CAPABILITY_LIST, cap, &ttl);
}

u16 pci_find_ext_capability(struct pci_dev *dev, int cap)
{
	int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	int pos = PCI_CFG_SPACE_SIZE;
	u32 header;

	if (dev->cfg_size <= PCI_CFG_SPACE_SIZE)
		return 0;
	if (pci_read_config_dword(dev, pos, &header) || header == 0 || header == ~0u)
		return 0;
	while (ttl-- > 0) {
		if (PCI_EXT_CAP_ID(header) == (u32)cap && pos)
			return (u16)pos;
		pos = PCI_EXT_CAP_NEXT(header);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
		if (pci_read_config_dword(dev, pos, &header))
			break;
	}
	return 0;
}

/* ---- lookups and references ------------------------------------------- */

struct pci_dev *pci_dev_get(struct pci_dev *dev)
{
	if (dev)
		get_device(&dev->dev);
	return dev;
}

void pci_dev_put(struct pci_dev *dev)
{
	if (dev)
		put_device(&dev->dev);
}

struct pci_dev *pci_upstream_bridge(struct pci_dev *dev)
{
	return pci_is_root_bus(dev->bus) ? NULL : dev->bus->self;
}

struct pci_host_bridge *pci_find_host_bridge(struct pci_bus *bus)
{
	while (bus->parent)
		bus = bus->parent;
	return to_pci_host_bridge(bus->bridge);
}

struct device *pci_get_host_bridge_device(struct pci_dev *dev)
{
	return pci_find_host_bridge(dev->bus)->dev.parent;
}

int pci_domain_nr(const struct pci_bus *bus)
{
	return bus->domain_nr;
}

struct find_ctx {
	unsigned vendor, device;
	struct pci_dev *from;
	bool seen;
	struct pci_dev *found;
};

static int find_dev(struct device *d, void *data)
{
	struct find_ctx *c = data;
	struct pci_dev *p = to_pci_dev(d);

	if (c->from && !c->seen) {
		c->seen = p == c->from;
		return 0;
	}
	if ((c->vendor == PCI_ANY_ID || c->vendor == p->vendor) &&
	    (c->device == PCI_ANY_ID || c->device == p->device)) {
		c->found = p;
		return 1;
	}
	return 0;
}

struct pci_dev *pci_get_device(unsigned vendor, unsigned device, struct pci_dev *from)
{
	struct find_ctx c = { .vendor = vendor, .device = device, .from = from };

	if (kstate && kstate->pci.bus_registered)
		bus_for_each_dev(&pci_bus_type, NULL, &c, find_dev);
	pci_dev_put(from);
	return pci_dev_get(c.found);
}

struct pci_dev *pci_get_slot(struct pci_bus *bus, unsigned devfn)
{
	struct pci_dev *d;

	list_for_each_entry(d, &bus->devices, bus_list)
		if (d->devfn == devfn)
			return pci_dev_get(d);
	return NULL;
}

static struct pci_bus *find_bus(struct pci_bus *bus, unsigned nr)
{
	struct pci_bus *c, *r;

	if (bus->number == nr)
		return bus;
	list_for_each_entry(c, &bus->children, node)
		if ((r = find_bus(c, nr)))
			return r;
	return NULL;
}

struct pci_bus *pci_find_bus(int domain, unsigned busnr)
{
	struct pci_bus *root, *b;

	if (!kstate)
		return NULL;
	list_for_each_entry(root, &kstate->pci.root_buses, node)
		if (root->domain_nr == domain && (b = find_bus(root, busnr)))
			return b;
	return NULL;
}

struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned busnr, unsigned devfn)
{
	struct pci_bus *b = pci_find_bus(domain, busnr);

	return b ? pci_get_slot(b, devfn) : NULL;
}

static int walk(struct pci_bus *bus, int (*cb)(struct pci_dev *, void *), void *data)
{
	struct pci_dev *d, *n;
	int ret;

	list_for_each_entry_safe(d, n, &bus->devices, bus_list) {
		if ((ret = cb(d, data)))
			return ret;
		if (d->subordinate && (ret = walk(d->subordinate, cb, data)))
			return ret;
	}
	return 0;
}

void pci_walk_bus(struct pci_bus *top, int (*cb)(struct pci_dev *, void *), void *userdata)
{
	walk(top, cb, userdata);
}

/* ---- enabling and bus mastering --------------------------------------- */

static void set_command_bits(struct pci_dev *dev, u16 set, u16 clear)
{
	u16 cmd, old;

	pci_read_config_word(dev, PCI_COMMAND, &cmd);
	old = cmd;
	cmd = (u16)((cmd & ~clear) | set);
	if (cmd != old)
		pci_write_config_word(dev, PCI_COMMAND, cmd);
}

static void __pci_set_master(struct pci_dev *dev, bool enable)
{
	if (enable)
		set_command_bits(dev, PCI_COMMAND_MASTER, 0);
	else
		set_command_bits(dev, 0, PCI_COMMAND_MASTER);
	dev->is_busmaster = enable;
}

void pci_set_master(struct pci_dev *dev)
{
	__pci_set_master(dev, true);
}

void pci_clear_master(struct pci_dev *dev)
{
	__pci_set_master(dev, false);
}

void pci_intx(struct pci_dev *dev, int enable)
{
	if (enable)
		set_command_bits(dev, 0, PCI_COMMAND_INTX_DISABLE);
	else
		set_command_bits(dev, PCI_COMMAND_INTX_DISABLE, 0);
}

bool pci_is_enabled(struct pci_dev *dev)
{
	return dev->enable_cnt > 0;
}

static int do_enable_device(struct pci_dev *dev, unsigned long type);

/* pci_enable_bridge: the path above must decode and forward DMA too. */
static void enable_bridge(struct pci_dev *bridge)
{
	struct pci_dev *up = pci_upstream_bridge(bridge);

	if (up)
		enable_bridge(up);
	if (pci_is_enabled(bridge)) {
		if (!bridge->is_busmaster)
			pci_set_master(bridge);
		return;
	}
	if (!do_enable_device(bridge, IORESOURCE_MEM | IORESOURCE_IO))
		pci_set_master(bridge);
}

static int do_enable_device(struct pci_dev *dev, unsigned long type)
{
	u16 set = 0;

	if (pci_dev_is_disconnected(dev))
		return -ENODEV;
	if (dev->enable_cnt++ > 0)
		return 0;
	struct pci_dev *up = pci_upstream_bridge(dev);
	if (up)
		enable_bridge(up);
	for (int i = 0; i < DEVICE_COUNT_RESOURCE; i++) {
		struct resource *r = &dev->resource[i];

		if (i == PCI_ROM_RESOURCE || !r->flags || (r->flags & IORESOURCE_UNSET))
			continue;
		if ((r->flags & IORESOURCE_MEM) && (type & IORESOURCE_MEM))
			set |= PCI_COMMAND_MEMORY;
		if ((r->flags & IORESOURCE_IO) && (type & IORESOURCE_IO))
			set |= PCI_COMMAND_IO;
	}
	/* A bridge forwards for whatever is below it. */
	if (pci_is_bridge(dev))
		set |= PCI_COMMAND_MEMORY;
	set_command_bits(dev, set, 0);
	return 0;
}

int pci_enable_device(struct pci_dev *dev)
{
	return do_enable_device(dev, IORESOURCE_MEM | IORESOURCE_IO);
}

int pci_enable_device_mem(struct pci_dev *dev)
{
	return do_enable_device(dev, IORESOURCE_MEM);
}

void pci_disable_device(struct pci_dev *dev)
{
	if (dev->enable_cnt <= 0) {
		dev_warn(&dev->dev, "disabling already-disabled device\n");
		return;
	}
	if (--dev->enable_cnt > 0)
		return;
	/* do_pci_disable_device: only bus mastering goes off. */
	if (dev->is_busmaster)
		pci_clear_master(dev);
}

static void pcim_disable(void *data)
{
	struct pci_dev *dev = data;

	if (pci_is_enabled(dev))
		pci_disable_device(dev);
}

int pcim_enable_device(struct pci_dev *dev)
{
	int ret = devm_add_action(&dev->dev, pcim_disable, dev);

	if (ret)
		return ret;
	return pci_enable_device(dev);
}

int pci_request_regions(struct pci_dev *dev, const char *name)
{
	(void)name;
	return pci_dev_is_disconnected(dev) ? -ENODEV : 0;
}

void pci_release_regions(struct pci_dev *dev)
{
	(void)dev;
}

u64 pci_iomap(struct pci_dev *dev, int bar, unsigned long maxlen)
{
	(void)maxlen;
	if (bar < 0 || bar >= PCI_STD_NUM_BARS || !pci_resource_len(dev, bar) ||
	    !(pci_resource_flags(dev, bar) & IORESOURCE_MEM))
		return 0;
	return pci_resource_start(dev, bar);
}

void pci_iounmap(struct pci_dev *dev, u64 addr)
{
	(void)dev;
	(void)addr;
}

/* ---- ACS ---------------------------------------------------------------- */

void pci_request_acs(void)
{
	kstate->pci.acs_enable = true;
}

void pci_acs_iommu_configured(struct pci_dev *dev)
{
	if (kstate->pci.acs_after_iommu)
		pci_enable_acs(dev);
}

/* pci_std_enable_acs: SV, RR, CR, UF as advertised (TB needs ATS; EC, DT never). */
void pci_enable_acs(struct pci_dev *dev)
{
	u16 cap, ctrl;

	if (!kstate->pci.acs_enable || !dev->acs_cap)
		return;
	pci_read_config_word(dev, dev->acs_cap + PCI_ACS_CAP, &cap);
	pci_read_config_word(dev, dev->acs_cap + PCI_ACS_CTRL, &ctrl);
	ctrl |= cap & (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	pci_write_config_word(dev, dev->acs_cap + PCI_ACS_CTRL, ctrl);
}

static bool acs_flags_enabled(struct pci_dev *pdev, u16 acs_flags)
{
	u16 cap, ctrl;

	if (!pdev->acs_cap)
		return false;
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CAP, &cap);
	/* A feature the device does not implement cannot be violated. */
	acs_flags &= (u16)(cap | PCI_ACS_EC);
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, &ctrl);
	return (ctrl & acs_flags) == acs_flags;
}

bool pci_acs_enabled(struct pci_dev *pdev, u16 acs_flags)
{
	if (!pci_is_pcie(pdev))
		return false;
	switch (pci_pcie_type(pdev)) {
	case PCI_EXP_TYPE_PCIE_BRIDGE:
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_RC_EC:
		return false;
	case PCI_EXP_TYPE_DOWNSTREAM:
	case PCI_EXP_TYPE_ROOT_PORT:
		return acs_flags_enabled(pdev, acs_flags);
	}
	/* Endpoints, upstream ports: only a multifunction device can route peer to peer. */
	if (pdev->multifunction)
		return acs_flags_enabled(pdev, acs_flags);
	return true;
}

bool pci_acs_path_enabled(struct pci_dev *start, struct pci_dev *end, u16 acs_flags)
{
	struct pci_dev *pdev, *parent = start;

	do {
		pdev = parent;
		if (!pci_acs_enabled(pdev, acs_flags))
			return false;
		if (pci_is_root_bus(pdev->bus))
			return end == NULL;
		parent = pdev->bus->self;
	} while (pdev != end);
	return true;
}

#define BITS_PER_LONG (8 * (int)sizeof(long))

/* ---- DMA aliases (drivers/pci/search.c) ----------------------------------- */

void pci_add_dma_alias(struct pci_dev *dev, u8 devfn_from, unsigned nr_devfns)
{
	if (!dev->dma_alias_mask)
		dev->dma_alias_mask = kzalloc(256 / 8);
	if (!dev->dma_alias_mask) {
		pci_warn(dev, "Unable to allocate DMA alias mask\n");
		return;
	}
	for (unsigned i = devfn_from; i < devfn_from + nr_devfns && i < 256; i++)
		dev->dma_alias_mask[i / BITS_PER_LONG] |= 1ul << (i % BITS_PER_LONG);
}

static bool alias_bit(const struct pci_dev *d, unsigned devfn)
{
	return d->dma_alias_mask &&
	       (d->dma_alias_mask[devfn / BITS_PER_LONG] >> (devfn % BITS_PER_LONG)) & 1;
}

bool pci_devs_are_dma_aliases(struct pci_dev *dev1, struct pci_dev *dev2)
{
	return dev1->bus == dev2->bus &&
	       (alias_bit(dev1, dev2->devfn) || alias_bit(dev2, dev1->devfn));
}

int pci_for_each_dma_alias(struct pci_dev *pdev,
			   int (*fn)(struct pci_dev *pdev, u16 alias, void *data), void *data)
{
	struct pci_bus *bus;
	int ret = fn(pdev, pci_dev_id(pdev), data);

	if (ret)
		return ret;
	for (unsigned devfn = 0; pdev->dma_alias_mask && devfn < 256; devfn++)
		if (alias_bit(pdev, devfn) &&
		    (ret = fn(pdev, (u16)(pdev->bus->number << 8 | devfn), data)))
			return ret;
	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent) {
		struct pci_dev *tmp = bus->self;

		if (!tmp)
			continue;
		if (!pci_is_pcie(tmp)) {
			/* A conventional bridge: the bridge takes ownership. */
			ret = fn(tmp, pci_dev_id(tmp), data);
		} else {
			switch (pci_pcie_type(tmp)) {
			case PCI_EXP_TYPE_ROOT_PORT:
			case PCI_EXP_TYPE_UPSTREAM:
			case PCI_EXP_TYPE_DOWNSTREAM:
				continue;
			case PCI_EXP_TYPE_PCI_BRIDGE:
				ret = fn(tmp, (u16)(tmp->subordinate->number << 8), data);
				break;
			case PCI_EXP_TYPE_PCIE_BRIDGE:
				ret = fn(tmp, pci_dev_id(tmp), data);
				break;
			}
		}
		if (ret)
			return ret;
	}
	return ret;
}

/* ---- resets ------------------------------------------------------------- */

static const char *const reset_method_names[PCI_NUM_RESET_METHODS] = {
	[PCI_RESET_METHOD_FLR] = "flr",
	[PCI_RESET_METHOD_PM] = "pm",
	[PCI_RESET_METHOD_BUS] = "bus",
};

const char *pci_reset_method_name(int m)
{
	return m >= 0 && m < PCI_NUM_RESET_METHODS ? reset_method_names[m] : NULL;
}

int pcie_flr(struct pci_dev *dev)
{
	pcie_capability_clear_and_set_word(dev, PCI_EXP_DEVCTL, 0, PCI_EXP_DEVCTL_BCR_FLR);
	/* The function reads back at once in the machine (docs/devices.md, "Resets"). */
	return pci_dev_is_disconnected(dev) ? -ENOTTY : 0;
}

static int probe_flr(struct pci_dev *dev, bool probe)
{
	u32 cap;

	pcie_capability_read_dword(dev, PCI_EXP_DEVCAP, &cap);
	if (!(cap & PCI_EXP_DEVCAP_FLR))
		return -ENOTTY;
	return probe ? 0 : pcie_flr(dev);
}

static int probe_pm(struct pci_dev *dev, bool probe)
{
	u16 csr;

	if (!dev->pm_cap || dev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -ENOTTY;
	pci_read_config_word(dev, dev->pm_cap + PCI_PM_CTRL, &csr);
	if (csr & PCI_PM_CTRL_NO_SOFT_RESET)
		return -ENOTTY;
	if (probe)
		return 0;
	csr &= ~PCI_PM_CTRL_STATE_MASK;
	pci_write_config_word(dev, dev->pm_cap + PCI_PM_CTRL, (u16)(csr | 3));
	pci_write_config_word(dev, dev->pm_cap + PCI_PM_CTRL, csr);
	return 0;
}

/* pci_parent_bus_reset: only for a function alone on its bus. */
static int probe_bus(struct pci_dev *dev, bool probe)
{
	struct pci_dev *d;

	if (pci_is_root_bus(dev->bus) || dev->subordinate || !dev->bus->self)
		return -ENOTTY;
	list_for_each_entry(d, &dev->bus->devices, bus_list)
		if (d != dev)
			return -ENOTTY;
	return probe ? 0 : pci_reset_bus(dev);
}

static int (*const reset_probes[PCI_NUM_RESET_METHODS])(struct pci_dev *, bool) = {
	[PCI_RESET_METHOD_FLR] = probe_flr,
	[PCI_RESET_METHOD_PM] = probe_pm,
	[PCI_RESET_METHOD_BUS] = probe_bus,
};

void pci_init_reset_methods(struct pci_dev *dev)
{
	int n = 0;

	memset(dev->reset_methods, 0, sizeof(dev->reset_methods));
	for (int m = 0; m < PCI_NUM_RESET_METHODS; m++)
		if (!reset_probes[m](dev, true))
			dev->reset_methods[n++] = (u8)(m + 1);
}

bool pci_reset_supported(struct pci_dev *dev)
{
	return dev->reset_methods[0] != 0;
}

int pci_reset_bus(struct pci_dev *dev)
{
	struct pci_dev *bridge = dev->bus->self;
	u16 ctrl;

	if (!bridge)
		return -ENOTTY;
	pci_read_config_word(bridge, PCI_BRIDGE_CONTROL, &ctrl);
	pci_write_config_word(bridge, PCI_BRIDGE_CONTROL, ctrl | PCI_BRIDGE_CTL_BUS_RESET);
	pci_write_config_word(bridge, PCI_BRIDGE_CONTROL, ctrl & ~PCI_BRIDGE_CTL_BUS_RESET);
	return 0;
}

int pci_reset_function_locked(struct pci_dev *dev)
{
	int ret = -ENOTTY;

	if (!pci_reset_supported(dev))
		return -ENOTTY;
	for (int i = 0; i < PCI_NUM_RESET_METHODS && dev->reset_methods[i]; i++) {
		ret = reset_probes[dev->reset_methods[i] - 1](dev, false);
		if (ret != -ENOTTY)
			return ret;
	}
	return ret;
}

int pci_reset_function(struct pci_dev *dev)
{
	const struct pci_error_handlers *eh = dev->driver ? dev->driver->err_handler : NULL;
	int ret;

	if (!pci_reset_supported(dev))
		return -ENOTTY;
	if (eh && eh->reset_prepare)
		eh->reset_prepare(dev);
	pci_save_state(dev);
	ret = pci_reset_function_locked(dev);
	pci_restore_state(dev);
	if (eh && eh->reset_done)
		eh->reset_done(dev);
	return ret;
}

int pci_try_reset_function(struct pci_dev *dev)
{
	return pci_reset_function(dev);
}

int pci_save_state(struct pci_dev *dev)
{
	for (int i = 0; i < 16; i++)
		pci_read_config_dword(dev, i * 4, &dev->saved_config_space[i]);
	dev->state_saved = 1;
	return 0;
}

/* The header back, Command last so that decoding starts on the restored BARs. */
void pci_restore_state(struct pci_dev *dev)
{
	if (!dev->state_saved)
		return;
	for (int i = 15; i >= 0; i--) {
		u32 cur;

		pci_read_config_dword(dev, i * 4, &cur);
		if (cur != dev->saved_config_space[i])
			pci_write_config_dword(dev, i * 4, dev->saved_config_space[i]);
	}
	pci_restore_msi_state(dev);
	/* A reset cleared ACS Control: enable it again, as Linux does here. */
	pci_enable_acs(dev);
	dev->state_saved = 0;
}

void pci_dev_set_disconnected(struct pci_dev *dev)
{
	dev->error_state = pci_channel_io_perm_failure;
}
