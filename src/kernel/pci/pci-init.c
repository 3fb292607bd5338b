// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI subsystem's initcall (Linux: pci_driver_init, postcore): the
 * bus type and its files, the IOMMU core watching it, the built-in
 * generic host bridge driver, and the lab's PCI command-line option.
 */
#include <errno.h>
#include <string.h>

#include "common/strtobool.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci_internal.h"

void pci_state_init(struct pci_state *ps)
{
	INIT_LIST_HEAD(&ps->root_buses);
	INIT_LIST_HEAD(&ps->dynids);
}

/* Early params: a BOOL each (kstrtobool); malformed values are logged by cmdline.c. */
static int set_resv_windows(const char *val)
{
	return kstrtobool(val, &kstate->pci.resv_windows);
}

static int set_acs_after_iommu(const char *val)
{
	return kstrtobool(val, &kstate->pci.acs_after_iommu);
}

int pci_subsys_init(void)
{
	int ret;

	parse_early_param("lab.pci_resv_windows", set_resv_windows);
	parse_early_param("lab.pci_acs_after_iommu", set_acs_after_iommu);
	ret = bus_register(&pci_bus_type);
	if (ret)
		return ret;
	kstate->pci.bus_registered = true;
	/* pcieport registers before the host bridges probe (Linux's link order). */
	if ((ret = pci_bus_create_files()) || (ret = iommu_bus_init(&pci_bus_type)) ||
	    (ret = pcie_portdrv_init()) || (ret = pci_host_generic_init())) {
		pci_subsys_exit();
		return ret;
	}
	return 0;
}

void pci_subsys_exit(void)
{
	if (!kstate->pci.bus_registered)
		return;
	pci_host_generic_exit();
	pcie_portdrv_exit();
	pci_dynids_free_all();
	bus_unregister(&pci_bus_type);
	kstate->pci.bus_registered = false;
}
