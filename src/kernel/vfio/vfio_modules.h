/*
 * The VFIO entries of the module table (kernel/base/modules.def):
 * vfio_iommu_type1 (built in, with Linux's parameters) and vfio-platform
 * (loadable, reset_required).
 */
#ifndef LAB_KERNEL_VFIO_VFIO_MODULES_H
#define LAB_KERNEL_VFIO_VFIO_MODULES_H

#include "kernel/base/module.h"

int vfio_type1_mod_init(void);
void vfio_type1_mod_exit(void);
extern const struct kernel_param vfio_iommu_type1_params[];

int vfio_platform_init(void);
void vfio_platform_exit(void);
extern const struct kernel_param vfio_platform_params[];

#endif
