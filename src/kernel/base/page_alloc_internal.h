/* Set-up of the page allocator, for kernel_boot and kernel_shutdown. */
#ifndef LAB_KERNEL_PAGE_ALLOC_INTERNAL_H
#define LAB_KERNEL_PAGE_ALLOC_INTERNAL_H

#include <errno.h>
#include "common/types.h"

struct machine;
int page_alloc_init(struct machine *m);
void page_alloc_exit(void);

#endif
