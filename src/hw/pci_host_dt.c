/*
 * The PCI topology below a host bridge, from its device-tree children
 * (Linux's PCI binding: reg = <devfn << 8 0 0 0 0>, bridges with
 * device_type = "pci"), validated as it is built; and hot add / surprise
 * removal of endpoints (machine.h). docs/devices.md, "PCI topology".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "pci_host.h"
#include "pci_func_priv.h"

/* ---- what a function asks of its owner ------------------------------------ */

static void dev_map(void *owner, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct pci_dev *d = owner;

	(void)f;
	d->bars[bar] = (struct pci_bar_map){ .want = true, .io = io, .addr = addr, .size = size,
					     .mapped = d->bars[bar].mapped,
					     .cpu = d->bars[bar].cpu };
	pci_dev_bars_sync(d);
}

static void dev_unmap(void *owner, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct pci_dev *d = owner;

	(void)f;
	(void)addr;
	(void)size;
	(void)io;
	d->bars[bar].want = false;
	pci_dev_bars_sync(d);
}

static void reset_below(struct pci_bus *bus)
{
	for (unsigned i = 0; i < 256; i++) {
		struct pci_dev *d = bus->slot[i];

		if (!d)
			continue;
		pci_func_reset(&d->func, PCI_RESET_CONVENTIONAL);
		if (d->subordinate)
			reset_below(d->subordinate);
	}
}

static void dev_reset(void *owner, struct pci_func *f, enum pci_reset_kind kind)
{
	struct pci_dev *d = owner;

	(void)f;
	if (d->model && d->model->reset && d->model_state)
		d->model->reset(d->model_state, kind);
}

static void dev_msi_write(void *owner, struct pci_func *f, u64 addr, u32 data)
{
	(void)f;
	pci_dev_msi_write(owner, addr, data);
}

static void dev_intx(void *owner, struct pci_func *f, bool level)
{
	(void)f;
	pci_dev_intx(owner, level);
}

/* Asserting Secondary Bus Reset resets everything below (a conventional reset). */
static void dev_secondary_reset(void *owner, struct pci_func *f, bool asserted)
{
	struct pci_dev *d = owner;

	(void)f;
	if (asserted && d->subordinate)
		reset_below(d->subordinate);
}

const struct pci_func_ops pci_dev_func_ops = {
	.map = dev_map,
	.unmap = dev_unmap,
	.reset = dev_reset,
	.msi_write = dev_msi_write,
	.intx = dev_intx,
	.secondary_reset = dev_secondary_reset,
};

/* ---- building --------------------------------------------------------------- */

void pci_dev_free(struct pci_dev *d)
{
	pci_bars_unmap_all(d);
	if (d->model && d->model_state)
		d->model->destroy(d->model_state);
	d->model_state = NULL;
	pci_func_exit(&d->func);
	if (d->registered)
		list_del(&d->master.link);
	list_del(&d->link);
	free(d->subordinate);
	free(d->fdt_copy);
	free(d);
}

static struct pci_dev *dev_alloc(struct pci_bus *bus, u8 devfn, const void *fdt, int node,
				 enum pci_dev_kind kind)
{
	struct pci_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->host = bus->host;
	d->bus = bus;
	d->devfn = devfn;
	d->kind = kind;
	d->fdt = fdt;
	d->node = node;
	INIT_LIST_HEAD(&d->link);
	return d;
}

/* Puts a built function on its bus and the host's fabric. */
static void dev_attach(struct pci_dev *d)
{
	struct pci_host *h = d->host;

	d->bus->slot[d->devfn] = d;
	list_add_tail(&d->link, &h->devs);
	pci_dev_master_init(d);
	hw_master_register(h->m, &d->master);
	d->registered = true;
}

/*
 * iommulab,class-code: the board presents the endpoint under another
 * class (a lab engine as an Ethernet controller, for tools that pick
 * devices by class). One cell of 24 bits; a PCI bridge class would
 * contradict the type 0 header Linux reads beside it.
 */
static int ep_class_code(struct pci_dev *d, char *why, size_t whylen)
{
	const char *name = fdt_get_name(d->fdt, d->node, NULL);
	int len;
	const fdt32_t *p = fdt_getprop(d->fdt, d->node, "iommulab,class-code", &len);
	u32 class;

	if (!p)
		return 0;
	if (len != 4) {
		hw_why(why, whylen, "%s: iommulab,class-code must be one cell", name);
		return -EINVAL;
	}
	class = fdt32_to_cpu(*p);
	if (class > 0xffffff || (class >> 8) == 0x0604 || (class >> 8) == 0x0609) {
		hw_why(why, whylen,
		       "%s: iommulab,class-code = %#x (24 bits, not a PCI-to-PCI bridge)",
		       name, class);
		return -EINVAL;
	}
	u32 rev = pci_cfg_get(&d->func, PCI_REVISION_ID, 1);

	pci_cfg_set_reset(&d->func, PCI_REVISION_ID, 4, rev | class << 8);
	return 0;
}

static int ep_create(struct pci_dev *d, char *why, size_t whylen)
{
	const char *compat = fdt_getprop(d->fdt, d->node, "compatible", NULL);

	d->model = NULL;
	for (const struct pci_ep_model *e = pci_ep_models; e->compatible; e++)
		if (dt_node_is_compatible(d->fdt, d->node, e->compatible))
			d->model = e;
	if (!d->model) {
		hw_why(why, whylen, "%s: no PCI endpoint model for '%s'",
		       fdt_get_name(d->fdt, d->node, NULL), compat ? compat : "");
		return -ENOENT;
	}
	d->ctx = (struct pci_ep_ctx){
		.m = d->host->m, .fdt = d->fdt, .node = d->node, .func = &d->func,
		.func_ops = &pci_dev_func_ops, .func_owner = d,
		.dma = pci_dev_ep_dma, .copy = pci_dev_ep_copy, .bus = d,
	};
	int ret = d->model->create(&d->ctx, &d->model_state, why, whylen);
	if (ret) {
		d->model = NULL;
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	if (d->func.header_type != 0) {
		hw_why(why, whylen, "%s: the model built a bridge header",
		       fdt_get_name(d->fdt, d->node, NULL));
		ret = -EINVAL;
	} else {
		ret = ep_class_code(d, why, whylen);
	}
	if (ret) {
		d->model->destroy(d->model_state);
		d->model_state = NULL;
		pci_func_exit(&d->func);
		d->model = NULL;
	}
	return ret;
}

/* The devfn a child's `reg` and unit address give; -EINVAL with @why otherwise. */
static int child_devfn(const void *fdt, int node, u8 *devfn, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	const char *at = strchr(name, '@');
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	unsigned long dev, fn = 0;
	char *end;

	if (!reg || len != 20) {
		hw_why(why, whylen, "%s: bad reg (5 cells: phys.hi with devfn << 8, then 0s)", name);
		return -EINVAL;
	}
	u32 hi = fdt32_to_cpu(reg[0]);
	/* Only devfn (bits 15:8) is meaningful; register and space bits must be 0. */
	if (hi & 0xff0000ffu || reg[1] || reg[2] || reg[3] || reg[4]) {
		hw_why(why, whylen, "%s: bad reg: only bus << 16 | devfn << 8 in phys.hi", name);
		return -EINVAL;
	}
	*devfn = (hi >> 8) & 0xff;
	if (!at)
		return 0;
	dev = strtoul(at + 1, &end, 16);
	if (*end == ',')
		fn = strtoul(end + 1, &end, 16);
	if (*end || end == at + 1) {
		hw_why(why, whylen, "%s: bad unit address (want @dev,fn in hex)", name);
		return -EINVAL;
	}
	if (dev > 31) {
		hw_why(why, whylen, "%s: device number %lu > 31", name, dev);
		return -EINVAL;
	}
	if (fn > 7) {
		hw_why(why, whylen, "%s: function number %lu > 7", name, fn);
		return -EINVAL;
	}
	if ((dev << 3 | fn) != *devfn) {
		hw_why(why, whylen, "%s: unit address does not match reg's devfn %02x.%x", name,
		       *devfn >> 3, *devfn & 7);
		return -EINVAL;
	}
	return 0;
}

/* May a function of @kind sit on @bus? */
static const char *placement_error(const struct pci_bus *bus, int kind)
{
	enum pci_dev_kind above = bus->self ? bus->self->kind : PCI_DEV_ENDPOINT;

	if (kind == PCI_DEV_ROOT_PORT && bus->self)
		return "a root port must sit on the root bus";
	if (kind == PCI_DEV_SWITCH_DOWN && (!bus->self || above != PCI_DEV_SWITCH_UP))
		return "a switch downstream port must be a child of a switch upstream port";
	if (kind == PCI_DEV_SWITCH_UP && !bus->link)
		return "a switch upstream port must be below a root port or a downstream port";
	if (bus->self && above == PCI_DEV_SWITCH_UP && kind != PCI_DEV_SWITCH_DOWN)
		return "only downstream ports sit below a switch upstream port";
	if (bus->conventional && kind >= 0 && kind != PCI_DEV_ENDPOINT)
		return "no PCI Express port or bridge on a conventional bus";
	return NULL;
}

static int scan_bus(struct pci_bus *bus, const void *fdt, int parent, char *why, size_t whylen);

static int scan_child(struct pci_bus *bus, const void *fdt, int node, char *why, size_t whylen)
{
	struct pci_host *h = bus->host;
	const char *name = fdt_get_name(fdt, node, NULL);
	const char *type = fdt_getprop(fdt, node, "device_type", NULL);
	int kind = pci_bridge_kind(fdt, node), ret, child;
	const char *err;
	u8 devfn;

	ret = child_devfn(fdt, node, &devfn, why, whylen);
	if (ret)
		return ret;
	if (bus->slot[devfn]) {
		hw_why(why, whylen, "%s: devfn %02x.%x already taken", name, devfn >> 3, devfn & 7);
		return -EINVAL;
	}
	if (bus->link && devfn >> 3) {
		hw_why(why, whylen, "%s: device %u on a PCIe link (only device 0)", name, devfn >> 3);
		return -EINVAL;
	}
	if (type && !strcmp(type, "pci") && kind < 0) {
		hw_why(why, whylen, "%s: device_type \"pci\" without a bridge compatible", name);
		return -EINVAL;
	}
	/*
	 * Child nodes of a function that is not a bridge (NXP LS1028A's ENETC
	 * with its MDIO bus, a switch's ports) belong to the function's driver:
	 * Linux's PCI binding allows them and only a bridge's are scanned. The
	 * model ignores them too.
	 */
	err = placement_error(bus, kind < 0 ? PCI_DEV_ENDPOINT : kind);
	if (err) {
		hw_why(why, whylen, "%s: %s", name, err);
		return -EINVAL;
	}
	struct pci_dev *d = dev_alloc(bus, devfn, fdt, node, kind < 0 ? PCI_DEV_ENDPOINT : kind);
	if (!d)
		return -ENOMEM;
	if (kind < 0) {
		ret = ep_create(d, why, whylen);
		if (ret == -ENOENT) {
			/* No model claims it: the slot stays empty, as for a platform node. */
			pci_log(h, "%s: skipped, no PCI endpoint model claims it", name);
			free(d);
			return 0;
		}
		if (ret) {
			free(d);
			return ret;
		}
		dev_attach(d);
		return 0;
	}
	ret = pci_bridge_init(d, fdt, node, why, whylen);
	if (!ret) {
		d->subordinate = calloc(1, sizeof(*d->subordinate));
		if (!d->subordinate) {
			pci_func_exit(&d->func);
			ret = -ENOMEM;
		}
	}
	if (ret) {
		free(d);
		return ret;
	}
	*d->subordinate = (struct pci_bus){
		.host = h, .self = d, .node = node,
		.link = kind == PCI_DEV_ROOT_PORT || kind == PCI_DEV_SWITCH_DOWN,
		.conventional = kind == PCI_DEV_PCI_BRIDGE,
	};
	dev_attach(d);
	(void)child;
	return scan_bus(d->subordinate, fdt, node, why, whylen);
}

/* Function 0 carries the multi-function bit when its device has others. */
static int mark_multifunction(struct pci_bus *bus, char *why, size_t whylen)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		struct pci_dev *f0 = bus->slot[dev << 3];
		bool others = false;

		for (unsigned fn = 1; fn < 8; fn++)
			others |= bus->slot[dev << 3 | fn] != NULL;
		if (others && !f0) {
			for (unsigned fn = 1; fn < 8; fn++)
				if (bus->slot[dev << 3 | fn]) {
					hw_why(why, whylen, "%s: function %u without function 0",
					       fdt_get_name(bus->slot[dev << 3 | fn]->fdt,
							    bus->slot[dev << 3 | fn]->node, NULL),
					       fn);
					break;
				}
			return -EINVAL;
		}
		if (others) {
			u8 ht = (u8)pci_cfg_read(&f0->func, PCI_HEADER_TYPE, 1);

			pci_cfg_set_reset(&f0->func, PCI_HEADER_TYPE, 1, ht | PCI_HEADER_TYPE_MFD);
		}
	}
	return 0;
}

static int scan_bus(struct pci_bus *bus, const void *fdt, int parent, char *why, size_t whylen)
{
	int node, ret;

	fdt_for_each_subnode(node, fdt, parent) {
		if (!dt_node_enabled(fdt, node))
			continue;
		ret = scan_child(bus, fdt, node, why, whylen);
		if (ret)
			return ret;
	}
	return mark_multifunction(bus, why, whylen);
}

int pci_host_scan(struct pci_host *h, const void *fdt, char *why, size_t whylen)
{
	*h->root = (struct pci_bus){ .host = h, .node = h->node };
	return scan_bus(h->root, fdt, h->node, why, whylen);
}

/* ---- hot add and surprise removal ----------------------------------------------- */

static struct pci_bus *port_bus(struct pci_host *h, u8 nr)
{
	struct pci_dev *d;

	list_for_each_entry(d, &h->devs, link)
		if ((d->kind == PCI_DEV_ROOT_PORT || d->kind == PCI_DEV_SWITCH_DOWN) &&
		    pci_bridge_secondary_bus(&d->func) == nr)
			return d->subordinate;
	return NULL;
}

int hw_pci_hot_add(struct machine *m, u16 segment, u8 bus, u8 devfn, const void *desc,
		   int desc_node, char *why, size_t whylen)
{
	struct pci_host *h = pci_host_by_segment(m, segment);
	struct pci_bus *b;
	struct pci_dev *d;
	int ret;

	if (!m || !desc || fdt_check_header(desc) || desc_node < 0) {
		hw_why(why, whylen, "bad arguments or description");
		return -EINVAL;
	}
	if (!h || !(b = port_bus(h, bus))) {
		hw_why(why, whylen, "no port with secondary bus %02x on segment %04x", bus, segment);
		return -ENODEV;
	}
	if (devfn >> 3) {
		hw_why(why, whylen, "device %u on a PCIe link (only device 0)", devfn >> 3);
		return -EINVAL;
	}
	if (b->slot[devfn]) {
		hw_why(why, whylen, "devfn %02x.%x is taken", devfn >> 3, devfn & 7);
		return -EBUSY;
	}
	if ((devfn & 7) && !b->slot[devfn & ~7]) {
		hw_why(why, whylen, "function %u without function 0", devfn & 7);
		return -EINVAL;
	}
	void *copy = malloc(fdt_totalsize(desc));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, desc, fdt_totalsize(desc));
	if (desc_node >= (int)fdt_size_dt_struct(copy) ||
	    fdt_first_subnode(copy, desc_node) >= 0 || pci_bridge_kind(copy, desc_node) >= 0) {
		free(copy);
		hw_why(why, whylen, "the description is not an endpoint node");
		return -EINVAL;
	}
	d = dev_alloc(b, devfn, copy, desc_node, PCI_DEV_ENDPOINT);
	if (!d) {
		free(copy);
		return -ENOMEM;
	}
	d->fdt_copy = copy;
	ret = ep_create(d, why, whylen);
	if (ret) {
		free(copy);
		free(d);
		return ret == -ENOENT ? -EINVAL : ret;
	}
	dev_attach(d);
	if (devfn & 7) {
		struct pci_func *f0 = &b->slot[devfn & ~7]->func;
		u8 ht = (u8)pci_cfg_read(f0, PCI_HEADER_TYPE, 1);

		pci_cfg_set_reset(f0, PCI_HEADER_TYPE, 1, ht | PCI_HEADER_TYPE_MFD);
	}
	pci_host_sync(h);
	return 0;
}

int hw_pci_surprise_remove(struct machine *m, u16 segment, u16 rid)
{
	struct pci_host *h = pci_host_by_segment(m, segment);
	struct pci_dev *d, *found = NULL;

	if (!m)
		return -EINVAL;
	if (!h)
		return -ENODEV;
	list_for_each_entry(d, &h->devs, link)
		if (pci_dev_rid(d) == rid && d->bus->slot[d->devfn] == d)
			found = d;
	if (!found)
		return -ENODEV;
	if (found->subordinate)
		return -EBUSY;
	d = found;
	/* Gone from config space, the system bus and the machine's masters. */
	d->bus->slot[d->devfn] = NULL;
	d->removed = true;
	list_del(&d->link);
	list_add_tail(&d->link, &h->removed);
	list_del_init(&d->master.link);
	d->registered = false;
	for (int i = 0; i <= PCI_ROM_SLOT; i++)
		d->bars[i].want = false;
	pci_bars_unmap_all(d);
	if (d->intx_out)
		pci_dev_intx(d, false);
	if (d->model && d->model_state)
		d->model->destroy(d->model_state);
	d->model_state = NULL;
	pci_host_sync(h);
	return 0;
}
