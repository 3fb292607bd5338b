/*
 * Invariants of the running kernel, checked by `iommulab explore` after
 * every operation and by the shell's `invariants` verb. Beside the
 * isolation oracle (no escape), they check what Linux's rules promise:
 *
 * - groups: each member's dev->iommu_group is the group listing it; a
 *   group holds at least one reference per member and at most one more
 *   (VFIO's); devices whose firmware gives them a common stream ID on one
 *   IOMMU share a group;
 * - ownership: a group is used by kernel drivers or owned by one user,
 *   never both; an unowned group's use count equals its members bound to
 *   drivers that use the DMA API (not driver_managed_dma);
 * - sysfs agrees with the driver core: <dev>/driver and <dev>/iommu_group
 *   exist exactly when the device has a driver and a group, and name them.
 *
 * Leaks are checked after a shutdown (kalloc_outstanding()), errno values
 * per operation by the explorer (tools/explore_ops.c).
 */
#ifndef LAB_CHECK_INVARIANTS_H
#define LAB_CHECK_INVARIANTS_H

#include <stddef.h>

/*
 * Checks every invariant of the running kernel; returns how many are
 * broken (0 with no kernel) and writes one line per broken one into
 * @buf (NUL-terminated, cut at @size).
 */
int invariants_check(char *buf, size_t size);

#endif
