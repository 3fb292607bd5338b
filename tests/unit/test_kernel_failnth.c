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

static int workload(void *arg)
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
	return 0;
}

static void test_fail_nth(void **state)
{
	void *blob;
	size_t size;
	unsigned long n;

	assert_int_equal(kt_compile_dts_text(kt_noiommu_dts, &blob, &size), 0);
	kt_fail_nth_boots(blob, size, "lab.module=dma-copy deferred_probe_timeout=5", workload,
			  NULL, &n);
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
