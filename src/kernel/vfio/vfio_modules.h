/*
 * The VFIO entries of the module table (kernel/base/modules.def): vfio
 * (the core: /dev/vfio; built in, lab.module=vfio makes it loadable),
 * vfio_iommu_type1 (built in, with Linux's parameters), vfio-platform
 * (loadable, reset_required) and vfio-pci (loadable, ids= and Linux's
 * other parameters). The last three depend on vfio.
 */
#ifndef LAB_KERNEL_VFIO_VFIO_MODULES_H
#define LAB_KERNEL_VFIO_VFIO_MODULES_H

#include "kernel/base/module.h"

int vfio_init(void);
void vfio_exit(void);

int vfio_type1_mod_init(void);
void vfio_type1_mod_exit(void);
extern const struct kernel_param vfio_iommu_type1_params[];

int vfio_platform_init(void);
void vfio_platform_exit(void);
extern const struct kernel_param vfio_platform_params[];

int vfio_pci_init(void);
void vfio_pci_exit(void);
extern const struct kernel_param vfio_pci_params[];

#endif
