/*
 * Fail the Nth kernel allocation, for every N, across a boot through the
 * arm-smmu driver (built in, and as a module loaded later), DMA through
 * its domains, an unbind and rebind in a shared-stream group, and the
 * shutdown: nothing crashes, nothing leaks, and every master is either in
 * a group with a domain or has no IOMMU state at all.
 */
#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/drivers/drivers.h"
#include "kernel/iommu/iommu.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"

static const char *const masters[] = {
	"a000000.dma", "a001000.dma", "a002000.dma", "a003000.dma",
};

static void check_consistent(void)
{
	struct bus_type *bus = bus_find("platform");

	for (size_t i = 0; i < ARRAY_SIZE(masters); i++) {
		struct device *dev = bus_find_device_by_name(bus, masters[i]);

		if (!dev)
			continue;
		if (dev->iommu_group)
			assert_non_null(iommu_get_domain_for_dev(dev));
	}
}

/* Returns how many of the steps that must work on a clean run failed. */
static int workload(void *arg)
{
	bool module = *(bool *)arg;
	char msg[128];
	int bad = 0;

	if (module) {
		kernel_modprobe("arm-smmu", NULL);
		kernel_run_pending();
	}
	check_consistent();
	bad += dma_copy_test("a000000.dma", 4096, msg, sizeof(msg)) != 0;
	bad += dma_copy_test("a001000.dma", 65536, msg, sizeof(msg)) != 0;
	bad += kt_echo(PDRV "dma-copy/unbind", "a002000.dma") < 0;
	bad += dma_copy_test("a003000.dma", 8192, msg, sizeof(msg)) != 0;
	bad += kt_echo(PDRV "dma-copy/bind", "a002000.dma") < 0;
	kt_cat("/sys/kernel/iommu_groups/0/reserved_regions");
	kt_cat(PDEV "a003000.dma/iommu_group/type");
	/* Masters pin the module (built in: not removable either way). */
	bad += kernel_rmmod("arm-smmu") == 0;
	check_consistent();
	return bad;
}

static void run(const char *cmdline, bool module)
{
	const void *blob = lab_platform_virt_start;
	size_t size = (size_t)(lab_platform_virt_end - lab_platform_virt_start);
	unsigned long n;
	int bad = kt_fail_nth_boots(blob, size, cmdline, workload, &module, &n);

	/* The last run had no failure: everything worked. */
	assert_int_equal(bad, 0);
	print_message("fail-nth (%s): %lu runs until no allocation failed\n", cmdline, n);
	assert_true(n > 50);
}

static void test_fail_nth_built_in(void **state)
{
	run("", false);
}

static void test_fail_nth_module(void **state)
{
	run("lab.module=arm-smmu", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth_built_in),
		cmocka_unit_test(test_fail_nth_module),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
