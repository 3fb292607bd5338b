/*
 * The lab's PCI Express ports and bridges (docs/devices.md, "PCI ports and
 * bridges"): root ports, switch upstream and downstream ports and the
 * PCIe-to-PCI bridge, each a type 1 function with a PCI Express
 * capability of its port type; root and downstream ports with ACS unless
 * the node says `iommulab,no-acs`. What they forward is their bus numbers
 * and windows as programmed (pci_func.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "pci_host.h"

#define LAB_PCI_VENDOR 0x1de5
#define CLASS_PCI_BRIDGE 0x060400
/* ACS as Linux enables it: Source Validation, P2P Request/Completion Redirect, Upstream Forwarding. */
#define PORT_ACS (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

struct bridge_kind {
	const char *compatible;
	enum pci_dev_kind kind;
	enum pcie_type type;
	u16 device;
	bool acs;
};

static const struct bridge_kind kinds[] = {
	{ "iommulab,pcie-root-port", PCI_DEV_ROOT_PORT, PCIE_TYPE_ROOT_PORT, 0x0100, true },
	{ "iommulab,pcie-switch-upstream", PCI_DEV_SWITCH_UP, PCIE_TYPE_UPSTREAM, 0x0101, false },
	{ "iommulab,pcie-switch-downstream", PCI_DEV_SWITCH_DOWN, PCIE_TYPE_DOWNSTREAM, 0x0102,
	  true },
	{ "iommulab,pcie-pci-bridge", PCI_DEV_PCI_BRIDGE, PCIE_TYPE_PCI_BRIDGE, 0x0103, false },
};

int pci_bridge_kind(const void *fdt, int node)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (dt_node_is_compatible(fdt, node, kinds[i].compatible))
			return (int)kinds[i].kind;
	return -1;
}

const char *pci_bridge_kind_compatible(enum pci_dev_kind kind)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].compatible;
	return "endpoint";
}

int pci_bridge_init(struct pci_dev *d, const void *fdt, int node, char *why, size_t whylen)
{
	const struct bridge_kind *k = NULL;
	struct pci_func_id id = { .vendor = LAB_PCI_VENDOR, .class = CLASS_PCI_BRIDGE };
	int ret;

	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == d->kind)
			k = &kinds[i];
	if (!k)
		return -EINVAL;
	id.device = k->device;
	ret = pci_func_init(&d->func, 1, &id, &pci_dev_func_ops, d);
	if (!ret)
		ret = pci_cap_add_pcie(&d->func, k->type, 0);
	if (ret >= 0 && k->acs && !dt_prop_bool(fdt, node, "iommulab,no-acs")) {
		ret = pci_cap_add_acs(&d->func, PORT_ACS);
		d->acs = ret >= 0;
	}
	if (ret < 0) {
		hw_why(why, whylen, "%s: cannot build the %s", fdt_get_name(fdt, node, NULL),
		       k->compatible);
		pci_func_exit(&d->func);
		return -EINVAL;
	}
	return 0;
}

static bool in_window(const struct pci_func *f, enum pci_window w, u64 addr, u64 size)
{
	u64 base, limit;

	return pci_bridge_window(f, w, &base, &limit) && addr >= base && addr + size - 1 <= limit &&
	       addr + size - 1 >= addr;
}

bool pci_bridge_forwards(const struct pci_dev *d, u64 addr, u64 size, bool io)
{
	const struct pci_func *f = &d->func;

	if (io)
		return pci_func_io_enabled(f) && in_window(f, PCI_WINDOW_IO, addr, size);
	return pci_func_mem_enabled(f) &&
	       (in_window(f, PCI_WINDOW_MEM, addr, size) ||
		in_window(f, PCI_WINDOW_PREF, addr, size));
}

bool pci_bridge_acs_ctrl(const struct pci_dev *d, u16 bit)
{
	const struct pci_func *f = &d->func;

	return f->acs && (pci_cfg_read((struct pci_func *)f, f->acs + PCI_ACS_CTRL, 2) & bit);
}
