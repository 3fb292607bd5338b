/*
 * Device-tree helpers shared by the machine (which is built from the tree)
 * and the kernel (which is handed the same tree by firmware). Both read the
 * flattened blob through libfdt, but only after dt_check_blob() has walked
 * it within bounds: libfdt 1.6.1 can crash or loop on a hostile blob that
 * passes fdt_check_header().
 */
#ifndef LAB_COMMON_DT_H
#define LAB_COMMON_DT_H

#include "types.h"

/* Limits of the bounded walk: deeper or bigger trees are rejected. */
#define DT_MAX_DEPTH 32
#define DT_MAX_NODES 200000
#define DT_MAX_SIZE (64u << 20)

/*
 * Checks a blob from outside before libfdt touches it: header, block
 * bounds, token stream, string offsets, nesting, phandle uniqueness, and
 * that every phandle a known property references (interrupt-parent,
 * iommus, iommu-map, msi-parent, msi-map, mmu-masters) resolves.
 * Returns 0 or -EINVAL with a one-line reason in @why.
 */
int dt_check_blob(const void *blob, size_t size, char *why, size_t whylen);

/*
 * Loads a platform file: a .dtb is read, a .dts is compiled with dtc (through
 * cpp first when it has #include lines). On success *blob is malloc'ed.
 * Returns 0, -ENOENT, or -EINVAL with the reason in @why.
 */
int dt_load_file(const char *path, void **blob, size_t *size, char *why, size_t whylen);

/* Property helpers over a checked blob. Cells are returned in host order. */
int dt_prop_u32(const void *fdt, int node, const char *name, u32 *out);
bool dt_prop_bool(const void *fdt, int node, const char *name);
int dt_addr_cells(const void *fdt, int parent);  /* default 2, as Linux */
int dt_size_cells(const void *fdt, int parent);  /* default 1, as Linux */
bool dt_node_enabled(const void *fdt, int node);  /* status absent, "okay" or "ok" */
bool dt_node_is_compatible(const void *fdt, int node, const char *compat);

/*
 * The i-th `reg` entry of @node translated through every parent's `ranges`
 * to a CPU physical address. Returns 0, -ENOENT (no such entry) or -EINVAL
 * (untranslatable: missing ranges, bad cell counts).
 */
int dt_reg(const void *fdt, int node, int index, u64 *addr, u64 *size);

/*
 * The i-th interrupt of @node as a GIC interrupt ID (SPI n -> 32 + n,
 * PPI n -> 16 + n), following interrupt-parent up the tree. Returns 0,
 * -ENOENT or -EINVAL.
 */
int dt_irq(const void *fdt, int node, int index, u32 *intid);

/* Node from a phandle, or a negative libfdt error. */
int dt_node_by_phandle(const void *fdt, u32 phandle);

/*
 * An index of a checked blob that makes the lookups below, dt_reg, dt_irq
 * and dt_node_by_phandle O(log n) instead of a walk from the blob's start.
 * The owner of the blob attaches it once the blob will not change and
 * detaches it before freeing the blob; without one, libfdt's walks answer.
 * Returns 0 or -ENOMEM.
 */
int dt_index_attach(const void *fdt);
void dt_index_detach(const void *fdt);

/* fdt_parent_offset and fdt_get_path, through the index when there is one. */
int dt_parent(const void *fdt, int node);
int dt_node_path(const void *fdt, int node, char *buf, size_t len);

/*
 * The first legacy `mmu-masters` entry naming @master (SMMUs in tree order):
 * the SMMU's node and the entry's cell index in its list. -ENOENT when none,
 * -ENOSYS when the blob has no index (the caller scans instead).
 */
int dt_legacy_master(const void *fdt, int master, int *smmu, int *cell);

#endif
