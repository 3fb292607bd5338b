/*
 * Reserved memory from the device tree (Linux: drivers/of/of_reserved_mem.c):
 * the children of /reserved-memory with a `reg` are carved out of RAM
 * before the page allocator is given any of it.
 */
#ifndef LAB_KERNEL_OF_RESERVED_MEM_H
#define LAB_KERNEL_OF_RESERVED_MEM_H

#include "common/types.h"

struct of_rmem {
	u64 base, size;
};

/*
 * Scans the flat tree @fdt (the page allocator runs before the tree is
 * unflattened, as Linux's early_init_fdt_scan_reserved_mem does) and
 * logs each region as Linux does. Returns the number of static regions
 * with their ranges in *@out (kcalloc'd, the caller kfrees), or -ENOMEM.
 */
int of_scan_reserved_mem(const void *fdt, struct of_rmem **out);

#endif
