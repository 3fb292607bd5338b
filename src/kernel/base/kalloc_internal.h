/* Kernel-internal helpers of the allocator (not part of the kalloc.h contract). */
#ifndef LAB_KERNEL_KALLOC_INTERNAL_H
#define LAB_KERNEL_KALLOC_INTERNAL_H

#include <stdarg.h>
#include "common/types.h"

/* Consumes one step of the fail-the-Nth countdown; true: fail this one. */
bool kalloc_should_fail(void);
char *kvasprintf(const char *fmt, va_list ap);

#endif
