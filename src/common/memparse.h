/*
 * memparse (lib/cmdline.c, Linux 6.12): a size with an optional binary
 * suffix, as `mem=` takes it. Shared by the kernel (early_mem) and by
 * iommulab, which plays the bootloader (tools/lab.c) and needs the same
 * reading of `mem=` before the kernel runs.
 */
#ifndef LAB_COMMON_MEMPARSE_H
#define LAB_COMMON_MEMPARSE_H

#include "types.h"

/*
 * A number in any C base (0x, 0 prefixes) followed by at most one of
 * K M G T P E (either case), each a factor of 1024 over the last. @end
 * (may be NULL) gets where parsing stopped. Overflow saturates at
 * UINT64_MAX rather than wrapping.
 */
u64 memparse(const char *s, const char **end);

#endif
