/*
 * The kernel side's one allocator. Every kernel allocation goes through it so
 * that a test can fail the Nth allocation and drive every error path, then
 * check that nothing leaked.
 */
#ifndef LAB_KERNEL_KALLOC_H
#define LAB_KERNEL_KALLOC_H

#include "common/types.h"

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *p, size_t size);
char *kstrdup(const char *s);
char *kstrndup(const char *s, size_t n);
char *kasprintf(const char *fmt, ...) __printf(1, 2);
void kfree(const void *p);

/* Fail-the-Nth: the Nth allocation from now (1 = the next) returns NULL. 0 disarms. */
void kalloc_fail_nth(unsigned long n);
/* True once an armed failure has fired. */
bool kalloc_failed(void);
/* Allocations not yet freed (for leak checks after a shutdown). */
long kalloc_outstanding(void);

#endif
