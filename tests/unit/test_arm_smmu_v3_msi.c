/*
 * SMMUv3 MSIs (IDR0.MSI), on tests/scenarios/platforms/smmuv3-pci.dts
 * whose SMMU has `msi-parent = <&its 0x8000>`: arm-smmu-v3 allocates two
 * platform MSIs from the ITS (Linux 6.12's arm_smmu_setup_msis), writes
 * their doorbell and data into EVTQ_IRQ_CFG0..2 and GERROR_IRQ_CFG0..2,
 * and a fault's event reaches its handler through the MSI the model
 * writes; CMD_SYNCs complete by MSI polling (coherent SMMU) unless
 * arm-smmu-v3.disable_msipolling. Counted by the MODEL: what it wrote.
 * Without an MSI domain the driver falls back to the wired lines.
 */
#include "kernel_test.h"
#include "hw/arm_smmu_v3.h"
#include "hw/machine.h"
#include "kernel/base/device.h"

#define PLATFORM LAB_SRCDIR "/tests/scenarios/platforms/smmuv3-pci.dts"
#define WIRED LAB_SRCDIR "/tests/scenarios/platforms/smmuv3-virt.dts"
#define SMMU_BASE 0x09050000ull
#define ITS_TRANSLATER (0x08080000ull + 0x10040)

static struct arm_smmu_v3_stats stats(void)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(arm_smmu_v3_stats(kernel_machine(), SMMU_BASE, &st), 0);
	return st;
}

static u64 reg(u64 off, unsigned size)
{
	u64 v = ~0ull;

	assert_int_equal(hw_mmio_read(kernel_machine(), SMMU_BASE + off, size, &v), 0);
	return v;
}

/* Two vectors from the ITS, their messages in the IRQ_CFG registers. */
static void test_msi_setup(void **state)
{
	assert_int_equal(kt_boot_file(PLATFORM, NULL), 0);
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: ias 48-bit, oas 48-bit "
				 "(features 0x00000385)"));
	assert_false(kt_dmesg_has("falling back to wired irqs"));
	/* The ITS's first two LPIs (the SMMU probes before any PCI function). */
	assert_true(kt_exists("/sys/bus/platform/devices/9050000.iommu/msi_irqs/8192"));
	assert_true(kt_exists("/sys/bus/platform/devices/9050000.iommu/msi_irqs/8193"));
	assert_false(kt_exists("/sys/bus/platform/devices/9050000.iommu/msi_irqs/8194"));
	assert_int_equal(reg(0x00, 4) & (1u << 13), 1u << 13);   /* IDR0.MSI */
	assert_int_equal(reg(0xb0, 8), ITS_TRANSLATER);        /* EVTQ_IRQ_CFG0 */
	assert_int_equal(reg(0x68, 8), ITS_TRANSLATER);        /* GERROR_IRQ_CFG0 */
	assert_int_equal(reg(0xb8, 4), 0);                     /* event ID 0 */
	assert_int_equal(reg(0x70, 4), 1);                     /* event ID 1 */
	assert_int_equal(reg(0xbc, 4), 1);                     /* Device-nGnRE */
	kt_shutdown();
}

/* A rogue write: one event record, one MSI, and the handler logs it. */
static void test_event_by_msi(void **state)
{
	struct arm_smmu_v3_stats a, b;
	struct hw_dma_master *nvme;
	u8 buf[16] = { 0 };

	assert_int_equal(kt_boot_file(PLATFORM, NULL), 0);
	nvme = hw_master_by_name(kernel_machine(), "0000:01:00.0");
	assert_non_null(nvme);
	assert_false(kt_dmesg_has("event 0x10 received:"));
	a = stats();
	assert_int_equal(hw_dma(kernel_machine(), nvme, 0x40000000, buf, sizeof(buf), HW_WRITE),
			 -EFAULT);
	b = stats();
	assert_int_equal(b.events - a.events, 1);
	assert_int_equal(b.msi - a.msi, 1);
	assert_int_equal(b.msi_ram - a.msi_ram, 0);   /* to the ITS */
	assert_int_equal(b.msi_aborts, 0);
	assert_int_equal(b.sync - a.sync, 0);
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: event 0x10 received:"));
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: \t0x0000020000000010"));
	/* The handler consumed it: the queue is empty again. */
	assert_int_equal(reg(0x100a8, 4), reg(0x100ac, 4));
	kt_shutdown();
}

/* Every CMD_SYNC of the boot completed by its MSI write, unless disabled. */
static void test_msi_polling(void **state)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(kt_boot_file(PLATFORM, NULL), 0);
	st = stats();
	assert_true(st.sync > 0);
	assert_int_equal(st.msi, st.sync);
	/* Into each SYNC's own slot: RAM, never aborted. */
	assert_int_equal(st.msi_ram, st.sync);
	assert_int_equal(st.msi_aborts, 0);
	kt_shutdown();
	assert_int_equal(kt_boot_file(PLATFORM, "arm-smmu-v3.disable_msipolling=1"), 0);
	st = stats();
	assert_true(st.sync > 0);
	assert_int_equal(st.msi, 0);
	kt_shutdown();
}

/* IDR0.MSI without an msi-parent: Linux's message, the wired lines. */
static void test_no_msi_domain(void **state)
{
	char *text = NULL, *at, *patched;
	size_t len = 0;
	FILE *f = fopen(WIRED, "r");
	struct arm_smmu_v3_stats a, b;
	u8 buf[16] = { 0 };

	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	at = strstr(text, "dma-coherent;");
	assert_non_null(at);
	len = strlen(text) + 32;
	patched = malloc(len);
	if (!patched)
		abort();
	snprintf(patched, len, "%.*siommulab,msi; %s", (int)(at - text), text, at);
	assert_int_equal(kt_boot_dts_text(patched, NULL), 0);
	free(patched);
	free(text);
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: msi_domain absent - falling back "
				 "to wired irqs"));
	assert_int_equal(reg(0xb0, 8), 0);
	a = stats();
	assert_int_equal(hw_dma(kernel_machine(), hw_master_by_name(kernel_machine(), "/soc/dma@0"),
				0x40000000, buf, sizeof(buf), HW_WRITE), -EFAULT);
	b = stats();
	assert_int_equal(b.events - a.events, 1);
	assert_int_equal(b.msi - a.msi, 0);
	assert_true(kt_dmesg_has("arm-smmu-v3 9050000.iommu: event 0x10 received:"));
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msi_setup),
		cmocka_unit_test(test_event_by_msi),
		cmocka_unit_test(test_msi_polling),
		cmocka_unit_test(test_no_msi_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
