/*
 * The vfio-pci module (Linux's vfio_pci.c): the driver's registration and
 * its parameters. ids= adds dynamic IDs at load, as Linux; nointxmask
 * stops vfio-pci masking INTx at the device (Command.INTx Disable);
 * disable_vga, disable_idle_d3, enable_sriov and disable_denylist are
 * accepted and change nothing: the lab has no VGA device, no D3, no
 * SR-IOV and no device on Linux's denylist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

/*
 * One ids= entry, "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]"
 * in hex, as Linux's vfio_pci_fill_ids: a bad entry is logged and skipped.
 */
static void add_id(char *id)
{
	unsigned vendor, device, subvendor = PCI_ANY_ID, subdevice = PCI_ANY_ID;
	unsigned class = 0, class_mask = 0;
	int fields, ret;

	fields = sscanf(id, "%x:%x:%x:%x:%x:%x", &vendor, &device, &subvendor, &subdevice,
			&class, &class_mask);
	if (fields < 2) {
		pr_warn("vfio_pci: invalid id string \"%s\"\n", id);
		return;
	}
	ret = pci_add_dynid(vfio_pci_get_driver(), vendor, device, subvendor, subdevice, class,
			    class_mask, 0);
	if (ret)
		pr_warn("vfio_pci: failed to add dynamic id [%04x:%04x[%04x:%04x]] class %#08x/%08x (%d)\n",
			vendor, device, subvendor, subdevice, class, class_mask, ret);
	else
		pr_info("vfio_pci: add [%04x:%04x[%04x:%04x]] class %#08x/%08x\n", vendor, device,
			subvendor, subdevice, class, class_mask);
}

static void fill_ids(void)
{
	const char *ids = kstate->vfio_pci.param.ids;
	char *copy, *p, *id;

	if (!ids || !*ids)
		return;
	copy = kstrdup(ids);
	if (!copy)
		return;
	for (p = copy; (id = strsep(&p, ",")) != NULL;)
		if (*id)
			add_id(id);
	kfree(copy);
}

int vfio_pci_init(void)
{
	int ret = pci_register_driver(vfio_pci_get_driver());

	if (ret)
		return ret;
	fill_ids();
	return 0;
}

void vfio_pci_exit(void)
{
	pci_unregister_driver(vfio_pci_get_driver());
}
