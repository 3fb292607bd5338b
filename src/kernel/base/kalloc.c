// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's one allocator: libc underneath, with a countdown that fails
 * the Nth allocation and a count of live allocations for leak checks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/kalloc_internal.h"

static unsigned long fail_countdown;
static bool fail_fired;
static long outstanding;

void kalloc_fail_nth(unsigned long n)
{
	fail_countdown = n;
	fail_fired = false;
}

bool kalloc_failed(void)
{
	return fail_fired;
}

long kalloc_outstanding(void)
{
	return outstanding;
}

/* Shared with the page allocator: one countdown for every allocation. */
bool kalloc_should_fail(void)
{
	if (!fail_countdown)
		return false;
	if (--fail_countdown)
		return false;
	fail_fired = true;
	return true;
}

void *kmalloc(size_t size)
{
	if (kalloc_should_fail())
		return NULL;
	void *p = malloc(size ? size : 1);
	if (p)
		outstanding++;
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return kzalloc(n * size);
}

void *krealloc(void *p, size_t size)
{
	if (!p)
		return kmalloc(size);
	if (kalloc_should_fail())
		return NULL;
	return realloc(p, size ? size : 1);
}

char *kstrndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	size_t len = strnlen(s, n);
	char *p = kmalloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

char *kstrdup(const char *s)
{
	return s ? kstrndup(s, strlen(s)) : NULL;
}

char *kvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		return NULL;
	char *p = kmalloc((size_t)len + 1);
	if (p)
		vsnprintf(p, (size_t)len + 1, fmt, ap);
	return p;
}

char *kasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = kvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void kfree(const void *p)
{
	if (!p)
		return;
	outstanding--;
	free((void *)p);
}
