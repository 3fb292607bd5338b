/*
 * One DMA-ownership rule on every bus: a platform engine (a000000.dma) and
 * a PCI function (0000:01:00.0) share stream ID 0x100 on one MMU-500, so
 * they are one IOMMU group (tests/scenarios/platforms/ownership-both-buses.dts).
 * A kernel driver bound to either one refuses a user's claim of the group
 * (iommu_group_claim_dma_owner: -EPERM, as Linux's); a user's claim refuses
 * a DMA kernel driver's probe on either one (really_probe ->
 * iommu_device_use_default_domain: -EBUSY). ownership-both-buses.lab shows
 * the same through VFIO; this test covers the direction VFIO cannot show
 * until vfio-pci exists (the kernel driver on the platform engine).
 */
#include "kernel_test.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/iommu.h"
#include "kernel/pci/pci.h"

#define PLAT "a000000.dma"
#define PCIF "0000:01:00.0"
#define PLAT_DRV "/sys/bus/platform/drivers/dma-copy/"
#define PCI_DRV "/sys/bus/pci/drivers/dma-copy/"

static int owner_token;

static void boot(void)
{
	assert_int_equal(kt_boot_file(LAB_SRCDIR "/tests/scenarios/platforms/ownership-both-buses.dts",
				      NULL), 0);
}

static struct device *find(struct bus_type *bus, const char *name)
{
	struct device *dev = bus_find_device_by_name(bus, name);

	assert_non_null(dev);
	return dev;
}

static bool bound(const char *drv_dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s", drv_dir, name);
	return kt_exists(path);
}

/*
 * @kdir/@kname keep their kernel driver, @odir/@oname is unbound: the claim
 * fails; with both unbound it succeeds and neither driver binds again.
 */
static void check_rule(const char *kdir, const char *kname, const char *odir, const char *oname)
{
	struct iommu_group *g0 = iommu_group_get(find(&platform_bus_type, PLAT));
	struct iommu_group *g1 = iommu_group_get(find(&pci_bus_type, PCIF));
	char unbind[128];

	assert_non_null(g0);
	assert_ptr_equal(g0, g1);
	snprintf(unbind, sizeof(unbind), "%sunbind", odir);
	assert_true(kt_echo(unbind, oname) > 0);
	assert_true(bound(kdir, kname));
	/* A kernel DMA user in the group: the claim fails, nothing changes. */
	assert_int_equal(iommu_group_claim_dma_owner(g0, &owner_token), -EPERM);
	assert_true(bound(kdir, kname));
	snprintf(unbind, sizeof(unbind), "%sunbind", kdir);
	assert_true(kt_echo(unbind, kname) > 0);
	assert_int_equal(iommu_group_claim_dma_owner(g0, &owner_token), 0);
	/* Owned by the user: no kernel DMA driver binds, on either bus. */
	assert_int_equal(kt_echo(PLAT_DRV "bind", PLAT), -EBUSY);
	assert_int_equal(kt_echo(PCI_DRV "bind", PCIF), -EBUSY);
	assert_false(bound(PLAT_DRV, PLAT));
	assert_false(bound(PCI_DRV, PCIF));
	iommu_group_release_dma_owner(g0);
	/* Released: both bind again, and a claim fails again. */
	assert_true(kt_echo(PLAT_DRV "bind", PLAT) > 0);
	assert_true(kt_echo(PCI_DRV "bind", PCIF) > 0);
	assert_int_equal(iommu_group_claim_dma_owner(g0, &owner_token), -EPERM);
	iommu_group_put(g0);
	iommu_group_put(g1);
}

static void test_one_group(void **state)
{
	(void)state;
	boot();
	assert_string_equal(kt_readlink("/sys/bus/platform/devices/" PLAT "/iommu_group"),
			    "../../../kernel/iommu_groups/0");
	assert_string_equal(kt_readlink("/sys/bus/pci/devices/" PCIF "/iommu_group"),
			    "../../../../../../kernel/iommu_groups/0");
	kt_shutdown();
}

static void test_platform_driver_blocks(void **state)
{
	(void)state;
	boot();
	check_rule(PLAT_DRV, PLAT, PCI_DRV, PCIF);
	kt_shutdown();
}

static void test_pci_driver_blocks(void **state)
{
	(void)state;
	boot();
	check_rule(PCI_DRV, PCIF, PLAT_DRV, PLAT);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_group),
		cmocka_unit_test(test_platform_driver_blocks),
		cmocka_unit_test(test_pci_driver_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
