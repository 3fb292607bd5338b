/*
 * Small device trees for the hw and dt unit tests, built with libfdt's
 * sequential writer. Each helper aborts the test (fail()) on a libfdt error.
 */
#ifndef LAB_TEST_HW_FDT_H
#define LAB_TEST_HW_FDT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "common/types.h"

#define TFDT_SIZE (64 * 1024)

static inline void *tfdt_begin(void)
{
	void *b = calloc(1, TFDT_SIZE);

	assert_non_null(b);
	assert_int_equal(fdt_create(b, TFDT_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(b), 0);
	assert_int_equal(fdt_begin_node(b, ""), 0);
	return b;
}

static inline void tfdt_u32(void *b, const char *name, u32 v)
{
	assert_int_equal(fdt_property_u32(b, name, v), 0);
}

/* A list of cells. */
static inline void tfdt_cells(void *b, const char *name, int n, ...)
{
	fdt32_t v[64];
	va_list ap;

	assert_true(n <= 64);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(va_arg(ap, u32));
	va_end(ap);
	assert_int_equal(fdt_property(b, name, v, 4 * n), 0);
}

static inline void tfdt_str(void *b, const char *name, const char *s)
{
	assert_int_equal(fdt_property_string(b, name, s), 0);
}

static inline void tfdt_empty(void *b, const char *name)
{
	assert_int_equal(fdt_property(b, name, NULL, 0), 0);
}

static inline void tfdt_node(void *b, const char *name)
{
	assert_int_equal(fdt_begin_node(b, name), 0);
}

static inline void tfdt_end_node(void *b)
{
	assert_int_equal(fdt_end_node(b), 0);
}

/* A memory node with one 2+2-cell reg entry. */
static inline void tfdt_memory(void *b, const char *name, u64 base, u64 size)
{
	tfdt_node(b, name);
	tfdt_str(b, "device_type", "memory");
	tfdt_cells(b, "reg", 4, (u32)(base >> 32), (u32)base, (u32)(size >> 32), (u32)size);
	tfdt_end_node(b);
}

static inline void *tfdt_finish(void *b, size_t *size)
{
	assert_int_equal(fdt_end_node(b), 0);
	assert_int_equal(fdt_finish(b), 0);
	*size = fdt_totalsize(b);
	return b;
}

#endif
