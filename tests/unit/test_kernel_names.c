/* Linux's device names and bus placement for real device trees. */
#include <errno.h>

#include "kernel_test.h"

/* ../shared beside the source tree, wherever it is checked out */
#define DTS LAB_SRCDIR "/../shared/linux-dts/"
#define PDEV "/sys/bus/platform/devices/"
#define ADEV "/sys/bus/amba/devices/"

static bool have(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

static void test_juno_r2(void **state)
{
	const char *f = DTS "linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts";
	/* Not a skip: without the real trees this test fails, loudly. */
	if (!have(f))
		fail_msg("missing %s", f);
	assert_int_equal(kt_boot_file(f, NULL), 0);
	/* a device nobody drives still exists, unbound */
	assert_true(kt_exists(PDEV "7ff50000.hdlcd"));
	assert_false(kt_exists(PDEV "7ff50000.hdlcd/driver"));
	assert_string_equal(kt_readlink(PDEV "7ff50000.hdlcd"),
			    "../../../devices/platform/7ff50000.hdlcd");
	assert_true(kt_exists(PDEV "7fb00000.iommu"));
	assert_true(kt_exists(PDEV "2b600000.iommu"));
	/* simple-bus without reg: basenames joined with ':' down the tree */
	assert_true(kt_exists(PDEV "bus@8000000:motherboard-bus@8000000:iofpga-bus@300000000"));
	assert_string_equal(kt_readlink(PDEV "18000000.ethernet"),
			    "../../../devices/platform/bus@8000000/bus@8000000:motherboard-bus@8000000/"
			    "18000000.ethernet");
	/* simple-mfd children sit under their parent device */
	assert_true(kt_exists("/sys/devices/platform/bus@8000000/bus@8000000:motherboard-bus@8000000/"
			      "bus@8000000:motherboard-bus@8000000:iofpga-bus@300000000/"
			      "1c010000.apbregs/1c010008.led"));
	/* nodes without reg */
	assert_true(kt_exists(PDEV "psci"));
	assert_true(kt_exists(PDEV "timer"));
	/* primecells on the AMBA bus */
	assert_true(kt_exists(ADEV "7ff80000.serial"));
	assert_true(kt_exists(ADEV "7ff00000.dma-controller"));
	assert_false(kt_exists(PDEV "7ff80000.serial"));
	/* the GIC was set up by irqchip init: no platform device */
	assert_false(kt_exists(PDEV "2c010000.interrupt-controller"));
	assert_string_equal(kt_cat(PDEV "7ff50000.hdlcd/modalias"), "of:NhdlcdT(null)Carm,hdlcd\n");
	kt_shutdown();
}

static void test_amd_overdrive(void **state)
{
	const char *f = DTS "linux-6.12/arch/arm64/boot/dts/amd/amd-overdrive-rev-b1.dts";
	/* Not a skip: without the real trees this test fails, loudly. */
	if (!have(f))
		fail_msg("missing %s", f);
	assert_int_equal(kt_boot_file(f, NULL), 0);
	assert_string_equal(kt_readlink(PDEV "e0700000.xgmac"),
			    "../../../devices/platform/smb/e0700000.xgmac");
	assert_true(kt_exists(PDEV "e0600000.iommu"));
	assert_true(kt_exists(ADEV "e1010000.serial"));
	kt_shutdown();
}

static void test_qemu_virt(void **state)
{
	const char *f = DTS "generated/qemu-7.2-virt-iommu-smmuv3-gicv3-its.dts";
	/* Not a skip: without the real trees this test fails, loudly. */
	if (!have(f))
		fail_msg("missing %s", f);
	assert_int_equal(kt_boot_file(f, NULL), 0);
	assert_true(kt_exists(PDEV "4010000000.pcie"));
	assert_true(kt_exists(PDEV "9050000.smmuv3"));
	assert_true(kt_exists(PDEV "a003e00.virtio_mmio"));
	assert_true(kt_exists(PDEV "0.flash"));
	assert_true(kt_exists(PDEV "platform-bus@c000000"));
	kt_shutdown();
}

static void test_fvp(void **state)
{
	const char *f = DTS "linux-6.12/arch/arm64/boot/dts/arm/fvp-base-revc.dts";
	/* Not a skip: without the real trees this test fails, loudly. */
	if (!have(f))
		fail_msg("missing %s", f);
	assert_int_equal(kt_boot_file(f, NULL), 0);
	assert_true(kt_exists(PDEV "2b400000.iommu"));
	assert_true(kt_exists(PDEV "40000000.pci"));
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_juno_r2),
		cmocka_unit_test(test_amd_overdrive),
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_fvp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
