/* Module glue for VFIO: parameters as Linux names them (see vfio_modules.h). */
#include "vfio.h"
#include "vfio_modules.h"
#include "vfio_platform.h"

const struct kernel_param vfio_iommu_type1_params[] = {
	{ "allow_unsafe_interrupts", PARAM_BOOL, &vfio_type1_params.allow_unsafe_interrupts,
	  0644, "N" },
	{ "disable_hugepages", PARAM_BOOL, &vfio_type1_params.disable_hugepages, 0644, "N" },
	{ "dma_entry_limit", PARAM_UINT, &vfio_type1_params.dma_entry_limit, 0644, "65535" },
	{ NULL },
};

const struct kernel_param vfio_platform_params[] = {
	{ "reset_required", PARAM_BOOL, &vfio_platform_reset_required, 0444, "Y" },
	{ NULL },
};

int vfio_type1_mod_init(void)
{
	return 0;
}

void vfio_type1_mod_exit(void)
{
}
