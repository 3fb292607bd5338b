/* Shared helpers of the kernel unit tests: boot a platform, tear it down, read sysfs. */
#ifndef LAB_TESTS_KERNEL_TEST_H
#define LAB_TESTS_KERNEL_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/dt.h"
#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"

extern const char lab_platform_virt_start[], lab_platform_virt_end[];

static struct machine *kt_machine;

static inline int kt_boot_blob(const void *blob, size_t size, const char *cmdline)
{
	char why[256];
	int ret = machine_create(blob, size, 1, &kt_machine, why, sizeof(why));
	if (ret) {
		print_error("machine_create: %s\n", why);
		return ret;
	}
	ret = kernel_boot(kt_machine, cmdline);
	if (ret) {
		machine_destroy(kt_machine);
		kt_machine = NULL;
	}
	return ret;
}

static inline void kt_boot(const char *cmdline)
{
	assert_int_equal(kt_boot_blob(lab_platform_virt_start,
				      (size_t)(lab_platform_virt_end - lab_platform_virt_start),
				      cmdline), 0);
}

/* Boots a .dts/.dtb file (compiled with dtc through dt_load_file). */
static inline int kt_boot_file(const char *path, const char *cmdline)
{
	void *blob;
	size_t size;
	char why[256];
	int ret = dt_load_file(path, &blob, &size, why, sizeof(why));
	if (ret) {
		print_error("dt_load_file %s: %s\n", path, why);
		return ret;
	}
	ret = kt_boot_blob(blob, size, cmdline);
	free(blob);
	return ret;
}

static inline void kt_shutdown(void)
{
	kernel_shutdown();
	if (kt_machine)
		machine_destroy(kt_machine);
	kt_machine = NULL;
	assert_int_equal(kalloc_outstanding(), 0);
	assert_int_equal(page_alloc_outstanding(), 0);
}

/* Reads a sysfs file into a static buffer; NULL on error (errno in *err). */
static inline const char *kt_cat(const char *path)
{
	static char buf[8192];
	ssize_t n = sysfs_read(path, buf, sizeof(buf));
	return n < 0 ? NULL : buf;
}

static inline ssize_t kt_echo(const char *path, const char *s)
{
	return sysfs_write(path, s, strlen(s));
}

static inline bool kt_exists(const char *path)
{
	struct sysfs_stat st;
	return sysfs_lstat(path, &st) == 0;
}

static inline const char *kt_readlink(const char *path)
{
	static char buf[512];
	ssize_t n = sysfs_readlink(path, buf, sizeof(buf));
	return n < 0 ? NULL : buf;
}

static inline bool kt_dmesg_has(const char *needle)
{
	return strstr(dmesg_text(NULL), needle) != NULL;
}

#endif
