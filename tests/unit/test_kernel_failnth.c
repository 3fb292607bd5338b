/*
 * Fail the Nth kernel allocation, for every N, across a whole boot, a
 * round of driver-core operations and the shutdown: nothing crashes and
 * nothing leaks, whichever allocation fails.
 */
#include <errno.h>

#include "kernel_test.h"
#include "kernel/drivers/drivers.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"

static void workload(void)
{
	char msg[128];
	kernel_modprobe("dma-copy", NULL);
	kernel_run_pending();
	dma_copy_test("a000000.dma", 8192, msg, sizeof(msg));
	kt_echo(PDRV "dma-copy/unbind", "a001000.dma");
	kt_echo(PDEV "a001000.dma/driver_override", "dma-copy\n");
	kt_echo(PDRV "dma-copy/bind", "a001000.dma");
	kt_echo("/sys/bus/platform/drivers_probe", "a002000.dma");
	kt_cat(PDEV "a000000.dma/uevent");
	kt_cat("/sys/kernel/debug/devices_deferred");
	kernel_modprobe("defer-test", "probe_result=0");
	kernel_rmmod("dma-copy");
	kernel_sleep(6000000000ull);   /* past the deferred-probe timeout */
}

static void test_fail_nth(void **state)
{
	void *blob;
	size_t size;
	unsigned long n;

	assert_int_equal(kt_compile_dts_text(kt_noiommu_dts, &blob, &size), 0);
	for (n = 1; n < 100000; n++) {
		kalloc_fail_nth(n);
		if (kt_boot_blob(blob, size, "lab.module=dma-copy deferred_probe_timeout=5") == 0) {
			workload();
			kernel_shutdown();
			machine_destroy(kt_machine);
			kt_machine = NULL;
		}
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (kalloc_outstanding() || page_alloc_outstanding())
			print_error("leak with allocation %lu failed\n", n);
		assert_int_equal(kalloc_outstanding(), 0);
		assert_int_equal(page_alloc_outstanding(), 0);
		if (!fired)
			break;
	}
	print_message("fail-nth: %lu runs until no allocation failed\n", n);
	assert_true(n > 100);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
