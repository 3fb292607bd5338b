/*
 * OF glue of the IOMMU core (Linux: drivers/iommu/of_iommu.c): a master's
 * `iommus` specifiers become its iommu_fwspec, and the legacy SMMU
 * `mmu-masters` binding can be looked up for the driver that still
 * supports it.
 */
#ifndef LAB_KERNEL_OF_OF_IOMMU_H
#define LAB_KERNEL_OF_OF_IOMMU_H

#include "common/types.h"

struct device;
struct device_node;

/*
 * Builds @dev's fwspec from `iommus` (each entry through the IOMMU
 * driver's of_xlate). Returns 0 (configured, and the device then joins its
 * IOMMU if it had not), -ENODEV (no IOMMU: no property, IOMMU node
 * disabled, driver without of_xlate), -EPROBE_DEFER while the IOMMU node is
 * enabled but its driver has not registered (through
 * driver_deferred_probe_check_supplier when @from_probe, so the timeout,
 * or the end of boot with no module that could drive the IOMMU, ends the
 * wait: -ETIMEDOUT / -ENODEV with Linux's log line), or the driver's error. The empty fwspec left by a deferral
 * remembers which IOMMU is awaited.
 */
int of_iommu_configure(struct device *dev, bool from_probe);

#endif
