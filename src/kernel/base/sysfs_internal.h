/* The sysfs tree's kernel state (struct kernel.sysfs). */
#ifndef LAB_KERNEL_SYSFS_INTERNAL_H
#define LAB_KERNEL_SYSFS_INTERNAL_H

#include "common/types.h"

struct sysfs_node;

struct sysfs_state {
	struct sysfs_node *root;	/* "/sys"; NULL before sysfs_init */
	u64 prio_seq;			/* the treap priorities drawn so far */
};

#endif
