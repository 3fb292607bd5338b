/* Set-up of the page allocator, for kernel_boot and kernel_shutdown. */
#ifndef LAB_KERNEL_PAGE_ALLOC_INTERNAL_H
#define LAB_KERNEL_PAGE_ALLOC_INTERNAL_H

#include <errno.h>
#include "common/types.h"

struct machine;
struct pa_bank;

#define MAX_ORDER 10

/* The page allocator's kernel state (struct kernel.page_alloc). */
struct page_alloc_state {
	struct pa_bank *banks;
	size_t nr_banks;
	u8 *state;		/* per frame; 0: not a free block head; else order + 1 */
	u32 *next_free, *prev_free;
	u32 free_head[MAX_ORDER + 1];
	u64 outstanding_pages;
	u64 memory_limit;	/* mem=, 0: none */
};

int page_alloc_init(struct machine *m);
void page_alloc_exit(void);

#endif
