/*
 * The unflattened device tree (Linux's struct device_node), the OF helpers
 * drivers use, and population of platform devices from it.
 */
#ifndef LAB_KERNEL_OF_OF_H
#define LAB_KERNEL_OF_OF_H

#include "common/types.h"
#include "kernel/base/device.h"
#include "kernel/base/sysfs.h"

struct property {
	char *name;
	int length;
	void *value;
	struct property *next;
	struct sysfs_attr attr;		/* its file under /sys/firmware/devicetree */
};

#define OF_POPULATED		BIT(0)	/* a device was created for it */
#define OF_POPULATED_BUS	BIT(1)	/* its children were populated */

struct device_node {
	char *name;			/* node name without unit address ("dma") */
	char *full_name;		/* whole path ("/soc/dma@0"), "/" for the root */
	u32 phandle;
	int fdt_offset;			/* offset in the machine's blob (dt_reg, dt_irq) */
	unsigned long flags;
	struct property *properties;
	struct device_node *parent, *child, *sibling;
	struct sysfs_node *kobj;	/* /sys/firmware/devicetree/base/... */
};

/* The root of the tree built at boot from machine_fdt() (of_root); NULL before. */
struct device_node *of_root_node(void);

int of_unflatten(const void *fdt);
void of_free_tree(void);
/* The blob the tree came from (for dt_* helpers). */
const void *of_fdt(void);

#define for_each_child_of_node(parent_np, child_np) \
	for ((child_np) = (parent_np)->child; (child_np); (child_np) = (child_np)->sibling)

static inline const char *kbasename(const char *path)
{
	const char *tail = __builtin_strrchr(path, '/');
	return tail ? tail + 1 : path;
}

struct device_node *of_find_node_by_path(const char *path);
struct device_node *of_find_node_by_phandle(u32 phandle);
/* Next node (depth first, after @from; NULL: from the root) with that compatible. */
struct device_node *of_find_compatible_node(struct device_node *from, const char *compat);
struct property *of_find_property(const struct device_node *np, const char *name, int *lenp);
const void *of_get_property(const struct device_node *np, const char *name, int *lenp);
bool of_property_read_bool(const struct device_node *np, const char *name);
/* 0, -EINVAL (absent), -ENODATA (no value), -EOVERFLOW (too short). */
int of_property_read_u32(const struct device_node *np, const char *name, u32 *out);
int of_property_read_u32_index(const struct device_node *np, const char *name, u32 index,
			       u32 *out);
int of_property_read_string(const struct device_node *np, const char *name, const char **out);
int of_property_read_string_index(const struct device_node *np, const char *name, int index,
				  const char **out);
int of_property_count_strings(const struct device_node *np, const char *name);
/* property.c: u32 arrays, bus cell counts, reg and interrupts of a node. */
struct resource;
/* Elements of @elem_size bytes in @name; -EINVAL (absent or ragged), -ENODATA. */
int of_property_count_elems_of_size(const struct device_node *np, const char *name,
				    int elem_size);
int of_property_count_u32_elems(const struct device_node *np, const char *name);
/* The first @sz cells of @name; -EINVAL, -ENODATA, -EOVERFLOW (shorter). */
int of_property_read_u32_array(const struct device_node *np, const char *name, u32 *out,
			       size_t sz);
/* #address-cells / #size-cells of the bus @np sits on (defaults 2 and 1). */
int of_n_addr_cells(const struct device_node *np);
int of_n_size_cells(const struct device_node *np);
/* @size cells (0..2) as one number. */
u64 of_read_number(const u32 *cells, int size);
/* The @index-th `reg` entry translated to a CPU address; 0 or -EINVAL. */
int of_address_to_resource(const struct device_node *np, int index, struct resource *r);
/* The @index-th interrupt as a GIC INTID; -ENXIO (no such entry), -EINVAL. */
int of_irq_get(const struct device_node *np, int index);
/* How many interrupts the node lists (up to the first bad one). */
int of_irq_count(const struct device_node *np);
/* Node named by the @index-th phandle cell of @name, or NULL. */
struct device_node *of_parse_phandle(const struct device_node *np, const char *name, int index);
/* Score > 0 when compatible (higher for an earlier entry), 0 otherwise. */
int of_device_is_compatible(const struct device_node *np, const char *compat);
/* status absent, "okay" or "ok". */
bool of_device_is_available(const struct device_node *np);
/* The best-scoring entry of @matches for @np, or NULL. */
const struct of_device_id *of_match_node(const struct of_device_id *matches,
					 const struct device_node *np);
const struct of_device_id *of_match_device(const struct of_device_id *matches,
					   const struct device *dev);
const void *of_device_get_match_data(const struct device *dev);

/* "of:N<name>T<type>C<compat>..." (no newline); length or -errno. */
ssize_t of_modalias(const struct device_node *np, char *buf, size_t size);
/* Appends OF_NAME, OF_FULLNAME, [OF_TYPE], OF_COMPATIBLE_* lines; returns bytes. */
size_t of_device_uevent(const struct device *dev, char *buf, size_t size);

/* /sys/firmware/devicetree/base */
int of_sysfs_init(void);
void of_sysfs_exit(void);

/*
 * A platform device for @np (NULL @parent: the platform bus), as a driver
 * makes one for a child node; NULL if it is disabled, already has one, or
 * on failure. of_platform_depopulate_all removes it with the rest.
 */
struct platform_device;
struct device;
struct platform_device *of_platform_device_create(struct device_node *np, struct device *parent);

/* of_platform_default_populate_init: /firmware children, then the tree. */
int of_platform_default_populate(void);
void of_platform_depopulate_all(void);

#endif
