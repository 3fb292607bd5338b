/*
 * The arm-smmu-v3 driver over the SMMUv3 model, on
 * tests/scenarios/platforms/smmuv3-virt.dts: probe, groups, attach, DMA,
 * map/unmap with the invalidations counted by the MODEL (what the SMMU
 * received, never what the driver meant), and fail-the-Nth over a whole
 * boot: no crash, no leak, no escape.
 */
#include "kernel_test.h"
#include "hw/arm_smmu_v3.h"
#include "kernel/base/device.h"
#include "kernel/drivers/drivers.h"
#include "kernel/iommu/iommu.h"

#define PLATFORM LAB_SRCDIR "/tests/scenarios/platforms/smmuv3-virt.dts"
#define SMMU_BASE 0x09050000ull
#define PDRV "/sys/bus/platform/drivers/"

static struct arm_smmu_v3_stats stats(void)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(arm_smmu_v3_stats(kernel_machine(), SMMU_BASE, &st), 0);
	return st;
}

static struct device *dev_by_name(const char *name)
{
	return bus_find_device_by_name(bus_find("platform"), name);
}

static void test_probe(void **state)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(kt_boot_file(PLATFORM, NULL), 0);
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: ias 48-bit, oas 48-bit"));
	assert_true(kt_exists("/sys/class/iommu/smmu3.0x0000000009050000"));
	assert_non_null(dev_by_name("a000000.dma")->iommu_group);
	assert_non_null(dev_by_name("a002000.dma")->iommu_group);
	/* Shared stream ID and out-of-range stream ID: no group. */
	assert_null(dev_by_name("a003000.dma")->iommu_group);
	assert_null(dev_by_name("a004000.dma")->iommu_group);
	st = stats();
	/* The reset's CFGI_ALL and TLBI_NSNH_ALL, each with its CMD_SYNC. */
	assert_int_equal(st.cfgi_all, 1);
	assert_int_equal(st.tlbi_nsnh_all, 1);
	/* Three default domains: each STE install went CFGI_STE + SYNC, then PREFETCH. */
	assert_true(st.cfgi_ste >= 3);
	assert_int_equal(st.prefetch, 3);
	assert_true(st.cfgi_cd >= 3);
	assert_int_equal(st.cmd_errors, 0);
	kt_shutdown();
}

/* Strict unmap: one TLBI_NH_VA per page and one CMD_SYNC per unmap. */
static void test_map_unmap_tlbi(void **state)
{
	struct arm_smmu_v3_stats a, b;
	struct iommu_domain *dom;
	struct device *dev;
	u64 pa = 0x48000000ull;

	assert_int_equal(kt_boot_file(PLATFORM, NULL), 0);
	dev = dev_by_name("a001000.dma");
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a001000.dma"), (ssize_t)strlen("a001000.dma"));
	dom = iommu_paging_domain_alloc(dev);
	assert_non_null(dom);
	a = stats();
	assert_int_equal(iommu_attach_device(dom, dev), 0);
	b = stats();
	/* The STE already names the master's CD table: only CD 0 changes. */
	assert_int_equal(b.cfgi_ste, a.cfgi_ste);
	assert_true(b.cfgi_cd > a.cfgi_cd);
	assert_int_equal(iommu_map(dom, 0x100000, pa, 0x4000, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_iova_to_phys(dom, 0x101000), pa + 0x1000);
	a = stats();
	assert_int_equal(iommu_unmap(dom, 0x100000, 0x4000), 0x4000);
	b = stats();
	assert_int_equal(b.tlbi_nh_va - a.tlbi_nh_va, 4);
	assert_int_equal(b.sync - a.sync, 1);
	a = b;
	iommu_flush_iotlb_all(dom);
	b = stats();
	assert_int_equal(b.tlbi_nh_asid - a.tlbi_nh_asid, 1);
	/* With the test hook on, the SMMU receives nothing. */
	assert_int_equal(kt_echo("/sys/module/arm_smmu_v3/parameters/lab_skip_tlbi", "1"), 1);
	assert_int_equal(iommu_map(dom, 0x100000, pa, 0x1000, IOMMU_READ), 0);
	a = stats();
	assert_int_equal(iommu_unmap(dom, 0x100000, 0x1000), 0x1000);
	b = stats();
	assert_int_equal(b.tlbi_nh_va, a.tlbi_nh_va);
	assert_int_equal(kt_echo("/sys/module/arm_smmu_v3/parameters/lab_skip_tlbi", "0"), 1);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	kt_shutdown();
}

static int workload(void *arg)
{
	bool module = *(bool *)arg;
	char msg[128];
	int bad = 0;

	if (module) {
		kernel_modprobe("arm-smmu-v3", NULL);
		kernel_run_pending();
	}
	bad += dma_copy_test("a000000.dma", 4096, msg, sizeof(msg)) != 0;
	bad += dma_copy_test("a001000.dma", 65536, msg, sizeof(msg)) != 0;
	bad += kt_echo(PDRV "dma-copy/unbind", "a002000.dma") < 0;
	bad += kt_echo(PDRV "dma-copy/bind", "a002000.dma") < 0;
	bad += dma_copy_test("a002000.dma", 8192, msg, sizeof(msg)) != 0;
	kt_cat("/sys/kernel/iommu_groups/0/reserved_regions");
	bad += kernel_rmmod("arm-smmu-v3") == 0;
	return bad;
}

static void fail_nth(const char *cmdline, bool module)
{
	void *blob;
	size_t size;
	char why[256];
	unsigned long n;
	int bad;

	assert_int_equal(dt_load_file(PLATFORM, &blob, &size, why, sizeof(why)), 0);
	bad = kt_fail_nth_boots(blob, size, cmdline, workload, &module, &n);
	free(blob);
	assert_int_equal(bad, 0);
	print_message("fail-nth (%s): %lu runs until no allocation failed\n", cmdline, n);
	assert_true(n > 50);
}

static void test_fail_nth_built_in(void **state)
{
	fail_nth("", false);
}

static void test_fail_nth_module(void **state)
{
	fail_nth("lab.module=arm-smmu-v3", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_map_unmap_tlbi),
		cmocka_unit_test(test_fail_nth_built_in),
		cmocka_unit_test(test_fail_nth_module),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
