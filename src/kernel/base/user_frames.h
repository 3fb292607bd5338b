/*
 * Frames for pinned user memory (Linux: the pinned pages are host RAM the
 * process owns, never the kernel's to allocate). The lab's stand-in: frame
 * numbers from the machine's user-memory window (hw_user_window), handed
 * out here and never by the page allocator, so pinning a 4 GiB buffer
 * costs the lab's RAM nothing. A frame only exists while the caller
 * aliases it to a pinned page (hw_frame_alias).
 *
 * Blocks are 2^order contiguous, naturally aligned 4 KiB frames (order <=
 * USER_FRAMES_MAX_ORDER); freed blocks are reused. Failures are injectable
 * through kalloc's fail-the-Nth switch, as the page allocator's.
 */
#ifndef LAB_KERNEL_BASE_USER_FRAMES_H
#define LAB_KERNEL_BASE_USER_FRAMES_H

#include "common/types.h"

#define USER_FRAMES_MAX_ORDER 9   /* 2 MiB */

/* The physical address of a free block, or 0: the window's addresses ran out (or no window). */
u64 user_frames_alloc(unsigned order);
void user_frames_free(u64 pa, unsigned order);
/* Frames handed out and not freed (leak checks, tests). */
u64 user_frames_outstanding(void);

#endif
