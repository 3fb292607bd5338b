/*
 * Device-tree MSI plumbing (Linux: drivers/of/base.c of_map_id,
 * drivers/of/irq.c of_msi_map_id and the msi-parent walk): which MSI
 * controller a device's MSIs go to, and with which DeviceID.
 */
#ifndef LAB_KERNEL_OF_OF_MSI_H
#define LAB_KERNEL_OF_OF_MSI_H

#include "common/types.h"

struct device;
struct device_node;

/*
 * Translates @id through @np's @map_name (`iommu-map`, `msi-map`: tuples
 * of id-base, phandle, out-base, length) after masking it with
 * @map_mask_name (default 0xffffffff), as Linux's of_map_id:
 * - no map: -ENODEV when @target is given, else 0 with *@id_out = @id;
 * - a bad length: "Bad <map> length" and -EINVAL; an id-base with bits
 *   outside the mask: -EFAULT; an unresolvable phandle: -ENODEV;
 * - *@target already set: entries for other controllers are skipped;
 *   else it is set to the matching entry's controller;
 * - no entry matches: "no <map> translation for id 0x.. on <target>"
 *   (info), *@id_out = @id untranslated, 0, *@target unchanged.
 */
int of_map_id(const struct device_node *np, u32 id, const char *map_name,
	      const char *map_mask_name, struct device_node **target, u32 *id_out);

/*
 * The MSI DeviceID for requester ID @id_in of @dev: the first `msi-map`
 * found walking up from @dev's node translates it (for @msi_np, the
 * controller, when it is not NULL); otherwise @id_in itself.
 */
u32 of_msi_map_id(struct device *dev, struct device_node *msi_np, u32 id_in);

/*
 * The controller @dev's requester ID @id maps to through the first
 * `msi-map` up the tree, or NULL (no map, or no entry covers it).
 */
struct device_node *of_msi_map_get_device_node(struct device *dev, u32 id);

/*
 * Entry @index of @np's `msi-parent`: the controller (which must be an
 * `msi-controller`) and its specifier cells (`#msi-cells` of the
 * controller, 0 when absent; at most @max_args kept in @args). Returns
 * the number of cells, -ENOENT (no such entry) or -EINVAL (malformed).
 */
int of_msi_parent(const struct device_node *np, int index, struct device_node **ctrl,
		  u32 *args, int max_args);

#endif
