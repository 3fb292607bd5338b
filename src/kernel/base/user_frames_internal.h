/* The user-frame allocator's kernel state (struct kernel.user_frames). */
#ifndef LAB_KERNEL_BASE_USER_FRAMES_INTERNAL_H
#define LAB_KERNEL_BASE_USER_FRAMES_INTERNAL_H

#include "common/types.h"

#define USER_FRAMES_ORDERS 10

/* Freed blocks of one order: a stack of their addresses. */
struct user_frames_list {
	u64 *pa;
	size_t nr, cap;
};

struct user_frames_state {
	bool ready;		/* the window was read from the machine */
	u64 base, end;		/* the window; [next, end) never handed out */
	u64 next;
	u64 outstanding[USER_FRAMES_ORDERS];   /* blocks out, per order */
	u64 pages_out;				/* frames out in all */
	struct user_frames_list free[USER_FRAMES_ORDERS];
};

void user_frames_exit(void);

#endif
