/* Module glue for VFIO: parameters as Linux names them (see vfio_modules.h). */
#include <stddef.h>

#include "kernel/kernel_state.h"
#include "vfio.h"
#include "vfio_modules.h"
#include "vfio_pci.h"
#include "vfio_platform.h"

const struct kernel_param vfio_iommu_type1_params[] = {
	{ .name = "allow_unsafe_interrupts", .type = PARAM_BOOL,
	  KPARAM_STATE(vfio_type1.allow_unsafe_interrupts), .perm = 0644, .def = "N" },
	{ .name = "disable_hugepages", .type = PARAM_BOOL,
	  KPARAM_STATE(vfio_type1.disable_hugepages), .perm = 0644, .def = "N" },
	{ .name = "dma_entry_limit", .type = PARAM_UINT,
	  KPARAM_STATE(vfio_type1.dma_entry_limit), .perm = 0644, .def = "65535" },
	{ .name = NULL },
};

const struct kernel_param vfio_platform_params[] = {
	{ .name = "reset_required", .type = PARAM_BOOL,
	  KPARAM_STATE(vfio_platform.param.reset_required), .perm = 0444, .def = "Y" },
	{ .name = NULL },
};

/* Linux's vfio_pci parameters; the ones with no meaning in the lab change nothing (vfio_pci.c). */
const struct kernel_param vfio_pci_params[] = {
	{ .name = "ids", .type = PARAM_CHARP, KPARAM_STATE(vfio_pci.param.ids), .perm = 0,
	  .def = "" },
	{ .name = "nointxmask", .type = PARAM_BOOL, KPARAM_STATE(vfio_pci.param.nointxmask),
	  .perm = 0644, .def = "N" },
	{ .name = "disable_vga", .type = PARAM_BOOL, KPARAM_STATE(vfio_pci.param.disable_vga),
	  .perm = 0444, .def = "N" },
	{ .name = "disable_idle_d3", .type = PARAM_BOOL,
	  KPARAM_STATE(vfio_pci.param.disable_idle_d3), .perm = 0644, .def = "N" },
	{ .name = "enable_sriov", .type = PARAM_BOOL, KPARAM_STATE(vfio_pci.param.enable_sriov),
	  .perm = 0644, .def = "N" },
	{ .name = "disable_denylist", .type = PARAM_BOOL,
	  KPARAM_STATE(vfio_pci.param.disable_denylist), .perm = 0444, .def = "N" },
	{ .name = NULL },
};

int vfio_type1_mod_init(void)
{
	return 0;
}

void vfio_type1_mod_exit(void)
{
}
