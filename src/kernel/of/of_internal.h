/* The device tree's kernel state (struct kernel.of), of/base.c's. */
#ifndef LAB_KERNEL_OF_INTERNAL_H
#define LAB_KERNEL_OF_INTERNAL_H

#include <stddef.h>

struct device_node;
struct phandle_ent;
struct sysfs_node;

struct of_state {
	struct device_node *root;	/* the tree unflattened at boot (of_root) */
	const void *blob;		/* the blob it came from */
	struct phandle_ent *phandles;	/* sorted by phandle, for the lookup */
	size_t nr_phandles;
	struct sysfs_node *dt_dir;	/* /sys/firmware/devicetree */
};

#endif
