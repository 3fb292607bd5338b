/*
 * A bus master's identity across the three worlds: the kernel's device
 * (dev_master_id, from its bus) names the machine's master
 * (hw_master_by_id), and the oracle keys the DMA that master issues by the
 * same identity, naming the kernel's device in its verdict. Also what the
 * oracle says of a DMA that reaches another device's registers through a
 * translation: an escape naming the peer (nothing grants MMIO yet).
 */
#include "kernel_test.h"
#include "common/master_id.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/iommu.h"

#define PEER_IOVA 0x100000ull
#define DMA1_REGS 0x0a001000ull

static struct device *platform_dev(const char *name)
{
	struct device *dev = bus_find_device_by_name(&platform_bus_type, name);

	assert_non_null(dev);
	return dev;
}

static void kernel_device_names_hw_master(void **state)
{
	char name[64];

	kt_boot(NULL);
	struct master_id id = dev_master_id(platform_dev("a000000.dma"));
	assert_int_equal(id.bus, MASTER_BUS_PLATFORM);
	struct hw_dma_master *m = hw_master_by_id(kt_machine, &id);
	assert_non_null(m);
	assert_string_equal(m->name, "/soc/dma@0");
	assert_true(master_id_equal(&m->id, &id));
	master_id_name(&id, machine_fdt(kt_machine), name, sizeof(name));
	assert_string_equal(name, "/soc/dma@0");

	/* Two masters never share an identity, even behind one stream ID. */
	struct master_id a = dev_master_id(platform_dev("a002000.dma"));
	struct master_id b = dev_master_id(platform_dev("a003000.dma"));
	assert_false(master_id_equal(&a, &b));
	assert_ptr_not_equal(hw_master_by_id(kt_machine, &a), hw_master_by_id(kt_machine, &b));

	/* A device that is no bus master has an identity but no master. */
	struct device *uart = bus_find_device_by_name(&amba_bustype, "9000000.uart");
	assert_non_null(uart);
	id = dev_master_id(uart);
	assert_int_equal(id.bus, MASTER_BUS_PLATFORM);
	assert_null(hw_master_by_id(kt_machine, &id));
	id = dev_master_id(NULL);
	assert_int_equal(id.bus, MASTER_BUS_NONE);
	kt_shutdown();
}

/*
 * The oracle finds the device by the master's identity: its verdict names
 * the kernel's device ("a000000.dma"), not the DT path only hw knows.
 */
static void oracle_keys_dma_by_identity(void **state)
{
	struct device *dev;
	struct iommu_domain *dom;
	u32 v = 0;

	kt_boot(NULL);
	dev = platform_dev("a000000.dma");
	dom = iommu_get_domain_for_dev(dev);
	assert_non_null(dom);
	/* A mapping of dma@1000's registers: only a peer-to-peer grant could allow it. */
	assert_int_equal(iommu_map(dom, PEER_IOVA, DMA1_REGS, PAGE_SIZE,
				   IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO), 0);
	struct master_id id = dev_master_id(dev);
	struct hw_dma_master *m = hw_master_by_id(kt_machine, &id);
	assert_int_equal(hw_dma(kt_machine, m, PEER_IOVA, &v, 4, HW_READ), 0);
	assert_int_equal(v, 0x444d4143u);   /* dma@1000's ID register: it reached the peer */
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	assert_true(kt_dmesg_has("oracle: ESCAPE: a000000.dma read 0xa001000 (peer dma@1000) "
				 "via iova 0x100000 (MMIO not granted to its group)"));
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	assert_int_equal(iommu_unmap(dom, PEER_IOVA, PAGE_SIZE), PAGE_SIZE);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_device_names_hw_master),
		cmocka_unit_test(oracle_keys_dma_by_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
