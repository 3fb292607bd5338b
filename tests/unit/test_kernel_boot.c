/* Booting the built-in platform: device names, sysfs layout, binding, dmatest. */
#include <errno.h>

#include "kernel_test.h"
#include "kernel/drivers/drivers.h"

#define PDEV "/sys/bus/platform/devices/"

static void test_device_names(void **state)
{
	kt_boot(NULL);
	/* simple-bus children under their bus device, named by translated address */
	assert_true(kt_exists("/sys/devices/platform/soc/a000000.dma"));
	assert_true(kt_exists(PDEV "a000000.dma"));
	assert_true(kt_exists(PDEV "a001000.dma"));
	assert_true(kt_exists(PDEV "a002000.dma"));
	assert_true(kt_exists(PDEV "a003000.dma"));
	assert_true(kt_exists(PDEV "a004000.defer"));
	assert_true(kt_exists(PDEV "soc"));
	assert_true(kt_exists(PDEV "9050000.iommu"));
	/* disabled node: no device */
	assert_false(kt_exists(PDEV "a005000.dma"));
	/* the GIC is claimed by irqchip init, as of_irq_init marks it populated */
	assert_false(kt_exists(PDEV "8000000.interrupt-controller"));
	/* nodes without compatible (chosen, memory) give no device */
	assert_false(kt_exists(PDEV "chosen"));
	/* a primecell sits on the AMBA bus, unbound */
	assert_true(kt_exists("/sys/bus/amba/devices/9000000.uart"));
	assert_false(kt_exists("/sys/bus/amba/devices/9000000.uart/driver"));
	assert_string_equal(kt_readlink(PDEV "a000000.dma"),
			    "../../../devices/platform/soc/a000000.dma");
	assert_string_equal(kt_readlink(PDEV "9050000.iommu"),
			    "../../../devices/platform/9050000.iommu");
	kt_shutdown();
}

static void test_bound_and_files(void **state)
{
	char buf[256];
	kt_boot_noiommu(NULL);
	assert_string_equal(kt_readlink(PDEV "a000000.dma/driver"),
			    "../../../../bus/platform/drivers/dma-copy");
	assert_string_equal(kt_readlink("/sys/bus/platform/drivers/dma-copy/a000000.dma"),
			    "../../../../devices/platform/soc/a000000.dma");
	assert_string_equal(kt_readlink(PDEV "a000000.dma/subsystem"), "../../../../bus/platform");
	assert_string_equal(kt_readlink(PDEV "a000000.dma/of_node"),
			    "../../../../firmware/devicetree/base/soc/dma@0");
	assert_int_equal(sysfs_realpath(PDEV "a000000.dma/driver", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/bus/platform/drivers/dma-copy");
	assert_string_equal(kt_cat(PDEV "a000000.dma/modalias"),
			    "of:NdmaT(null)Ciommulab,dma-copy\n");
	assert_string_equal(kt_cat(PDEV "a000000.dma/driver_override"), "(null)\n");
	assert_string_equal(kt_cat(PDEV "a000000.dma/uevent"),
			    "DRIVER=dma-copy\nOF_NAME=dma\nOF_FULLNAME=/soc/dma@0\n"
			    "OF_COMPATIBLE_0=iommulab,dma-copy\nOF_COMPATIBLE_N=1\n"
			    "MODALIAS=of:NdmaT(null)Ciommulab,dma-copy\n");
	assert_string_equal(kt_cat("/sys/bus/amba/devices/9000000.uart/uevent"),
			    "OF_NAME=uart\nOF_FULLNAME=/uart@9000000\n"
			    "OF_COMPATIBLE_0=arm,pl011\nOF_COMPATIBLE_1=arm,primecell\n"
			    "OF_COMPATIBLE_N=2\nAMBA_ID=00000000\nMODALIAS=amba:d00000000\n");
	/* the supplier was bound first, so defer-test bound without deferring */
	assert_string_equal(kt_readlink(PDEV "a004000.defer/driver"),
			    "../../../../bus/platform/drivers/defer-test");
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"), "");
	assert_true(kt_dmesg_has("dma-copy a000000.dma: dma-copy engine v1 at 0xa000000, irq 48"));
	assert_true(kt_dmesg_has("defer-test a004000.defer: supplier a000000.dma ready"));
	/* driver directory files */
	struct sysfs_stat st;
	assert_int_equal(sysfs_stat("/sys/bus/platform/drivers/dma-copy/bind", &st), 0);
	assert_int_equal(st.mode, 0200);
	assert_int_equal(sysfs_stat("/sys/bus/platform/drivers/dma-copy/unbind", &st), 0);
	assert_int_equal(sysfs_stat("/sys/bus/platform/drivers/dma-copy/uevent", &st), 0);
	assert_int_equal(st.mode, 0200);
	assert_false(kt_exists("/sys/bus/platform/drivers/dma-copy/new_id"));
	assert_false(kt_exists("/sys/bus/platform/drivers/dma-copy/module"));
	assert_string_equal(kt_cat("/sys/bus/platform/drivers_autoprobe"), "1\n");
	assert_true(kt_exists("/sys/kernel"));
	assert_true(kt_exists("/sys/class"));
	/* devicetree properties: raw bytes */
	assert_string_equal(kt_cat("/sys/firmware/devicetree/base/soc/dma@0/compatible"),
			    "iommulab,dma-copy");
	assert_string_equal(kt_cat("/sys/firmware/devicetree/base/soc/dma@0/name"), "dma");
	assert_string_equal(kt_cat("/sys/firmware/devicetree/base/model"), "iommulab virt (no iommu)");
	kt_shutdown();
}

static void test_dmatest(void **state)
{
	char msg[256];
	kt_boot_noiommu(NULL);
	assert_int_equal(dma_copy_test("a000000.dma", 4096, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "dmatest: a000000.dma: copied 4096 bytes"));
	assert_non_null(strstr(msg, " ok"));
	assert_int_equal(dma_copy_test("a001000.dma", 3 * 4096 + 5, msg, sizeof(msg)), 0);
	assert_int_equal(dma_copy_test("9000000.uart", 4096, msg, sizeof(msg)), -ENODEV);
	assert_int_equal(dma_copy_test("nope", 4096, msg, sizeof(msg)), -ENODEV);
	assert_int_equal(dma_copy_test("a004000.defer", 4096, msg, sizeof(msg)), -ENODEV);
	assert_int_equal(dma_copy_test("a000000.dma", 0, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(dma_copy_test("a000000.dma", (16u << 20) + 1, msg, sizeof(msg)), -EINVAL);
	/* unbound: -ENODEV */
	assert_int_equal(kt_echo("/sys/bus/platform/drivers/dma-copy/unbind", "a000000.dma\n"), 12);
	assert_int_equal(dma_copy_test("a000000.dma", 4096, msg, sizeof(msg)), -ENODEV);
	kt_shutdown();
}

static void test_boot_twice(void **state)
{
	for (int i = 0; i < 3; i++) {
		kt_boot(NULL);
		assert_true(kt_exists(PDEV "a000000.dma"));
		kt_shutdown();
		kt_boot_noiommu(NULL);
		assert_true(kt_exists(PDEV "a000000.dma/driver"));
		kt_shutdown();
	}
	/* a second boot without shutdown is refused */
	kt_boot(NULL);
	assert_int_equal(kernel_boot(kt_machine, NULL), -EBUSY);   /* oracle-rule: ok (refused) */
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_names),
		cmocka_unit_test(test_bound_and_files),
		cmocka_unit_test(test_dmatest),
		cmocka_unit_test(test_boot_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
