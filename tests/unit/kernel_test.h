/*
 * Shared helpers of the kernel unit tests: boot a platform, tear it down,
 * read sysfs. Every boot here runs with the isolation oracle attached and
 * every shutdown checks it (the oracle rule of test_util.h: an escape the
 * test did not declare with tu_expect_escapes() fails it).
 */
#ifndef LAB_TESTS_KERNEL_TEST_H
#define LAB_TESTS_KERNEL_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_util.h"
#include "check/oracle.h"
#include "common/dt.h"
#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"

extern const char lab_platform_virt_start[], lab_platform_virt_end[];

static struct machine *kt_machine;

/* A failed assertion skips kt_shutdown: clean up what it left before the next boot. */
static inline void kt_cleanup_stale(void)
{
	if (kernel_machine())
		kernel_shutdown();
	oracle_detach();
	if (kt_machine)
		machine_destroy(kt_machine);
	kt_machine = NULL;
}

/*
 * The end of every kt boot, booted or not: the oracle's check (before
 * detaching it clears its counts), then the machine goes. Returns
 * tu_oracle_check's result; the caller fails the test on -1.
 */
static inline int kt_teardown(const char *who)
{
	int ret = tu_oracle_check(who);

	oracle_detach();
	if (kt_machine)
		machine_destroy(kt_machine);
	kt_machine = NULL;
	return ret;
}

/* Boots @blob with the oracle attached from before the kernel's first allocation. */
static inline int kt_boot_blob(const void *blob, size_t size, const char *cmdline)
{
	char why[256];
	kt_cleanup_stale();
	tu_escapes_expected = 0;
	int ret = machine_create(blob, size, 1, &kt_machine, why, sizeof(why));
	if (ret) {
		print_error("machine_create: %s\n", why);
		return ret;
	}
	ret = oracle_attach(kt_machine);
	if (ret) {
		kt_teardown("kt_boot_blob");
		return ret;
	}
	ret = kernel_boot(kt_machine, cmdline);
	if (ret && kt_teardown("kt_boot_blob (failed boot)")) {
		kalloc_fail_nth(0);
		fail_msg("isolation escape during a failed boot (%d)", ret);
	}
	return ret;
}

static inline void kt_boot(const char *cmdline)
{
	assert_int_equal(kt_boot_blob(lab_platform_virt_start,
				      (size_t)(lab_platform_virt_end - lab_platform_virt_start),
				      cmdline), 0);
}

/*
 * The built-in platform without its SMMU: the same devices, names and
 * interrupts, but no `iommus`, so driver-core tests do not depend on an
 * IOMMU driver being built in.
 */
static const char kt_noiommu_dts[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	model = \"iommulab virt (no iommu)\"; compatible = \"iommulab,virt\";\n"
	"	#address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;\n"
	"	chosen { bootargs = \"\"; };\n"
	"	memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x40000000>; };\n"
	"	gic: interrupt-controller@8000000 { compatible = \"arm,gic-400\", \"arm,cortex-a15-gic\";\n"
	"		#interrupt-cells = <3>; interrupt-controller;\n"
	"		reg = <0 0x08000000 0 0x10000>, <0 0x08010000 0 0x10000>; };\n"
	"	uart@9000000 { compatible = \"arm,pl011\", \"arm,primecell\"; reg = <0 0x09000000 0 0x1000>; interrupts = <0 1 4>; };\n"
	"	soc { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>;\n"
	"		ranges = <0x0 0x0 0x0a000000 0x100000>;\n"
	"		dma0: dma@0 { compatible = \"iommulab,dma-copy\"; reg = <0x0 0x1000>; interrupts = <0 16 4>; };\n"
	"		dma@1000 { compatible = \"iommulab,dma-copy\"; reg = <0x1000 0x1000>; interrupts = <0 17 4>; };\n"
	"		dma@2000 { compatible = \"iommulab,dma-copy\"; reg = <0x2000 0x1000>; interrupts = <0 18 4>; };\n"
	"		dma@3000 { compatible = \"iommulab,dma-copy\"; reg = <0x3000 0x1000>; interrupts = <0 19 4>; };\n"
	"		defer@4000 { compatible = \"iommulab,defer-test\"; reg = <0x4000 0x1000>; iommulab,supplier = <&dma0>; };\n"
	"		dma@5000 { compatible = \"iommulab,dma-copy\"; reg = <0x5000 0x1000>; interrupts = <0 21 4>; status = \"disabled\"; };\n"
	"	};\n"
	"};\n";

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

#include <unistd.h>

/* Compiles device-tree source text (through a temporary file for dtc) to a malloc'ed blob. */
static inline int kt_compile_dts_text(const char *text, void **blob, size_t *size)
{
	char path[] = "/tmp/kt_XXXXXX.dts", why[256];
	int fd = mkstemps(path, 4);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	int ret = ok ? dt_load_file(path, blob, size, why, sizeof(why)) : -EIO;
	if (ok && ret)
		print_error("dt_load_file %s: %s\n", path, why);
	unlink(path);
	return ret;
}

/* Boots device-tree source text. */
static inline int kt_boot_dts_text(const char *text, const char *cmdline)
{
	void *blob;
	size_t size;
	int ret = kt_compile_dts_text(text, &blob, &size);
	if (ret)
		return ret;
	ret = kt_boot_blob(blob, size, cmdline);
	free(blob);
	return ret;
}

/* The built-in platform minus its SMMU (see kt_noiommu_dts). */
static inline void kt_boot_noiommu(const char *cmdline)
{
	assert_int_equal(kt_boot_dts_text(kt_noiommu_dts, cmdline), 0);
}

/* Shuts the kernel down, checks the oracle, then that the kernel freed everything. */
static inline void kt_shutdown(void)
{
	kernel_shutdown();
	int oracle = kt_teardown("kt_shutdown");
	assert_int_equal(kalloc_outstanding(), 0);
	assert_int_equal(page_alloc_outstanding(), 0);
	if (oracle)
		fail_msg("isolation escape(s) the test did not declare (tu_expect_escapes)");
}

/*
 * Fail-the-Nth over a whole boot: for n = 1, 2, ... boots @blob with the
 * n-th kernel allocation failing, runs @workload (its result counted) on
 * each boot that succeeds, shuts down and checks that nothing leaked and
 * that the oracle saw no escape (the oracle's own memory is plain malloc,
 * outside the fail-the-Nth count); stops after the first run in which no
 * allocation failed. Returns that last run's workload result (-1 if it did
 * not boot) and the run count in *@runs.
 */
static inline int kt_fail_nth_boots(const void *blob, size_t size, const char *cmdline,
				    int (*workload)(void *arg), void *arg, unsigned long *runs)
{
	unsigned long n;
	int result = -1;

	for (n = 1; n < 100000; n++) {
		kalloc_fail_nth(n);
		result = -1;
		int oracle = 0;
		if (kt_boot_blob(blob, size, cmdline) == 0) {
			result = workload(arg);
			kernel_shutdown();
			oracle = kt_teardown("kt_fail_nth_boots");
		}
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (oracle)
			fail_msg("isolation escape with allocation %lu failed", n);
		if (kalloc_outstanding() || page_alloc_outstanding())
			print_error("leak with allocation %lu failed\n", n);
		assert_int_equal(kalloc_outstanding(), 0);
		assert_int_equal(page_alloc_outstanding(), 0);
		if (!fired)
			break;
	}
	*runs = n;
	return result;
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
