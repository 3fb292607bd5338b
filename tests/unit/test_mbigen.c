/*
 * HiSilicon's mbigen (model src/hw/mbigen.c, driver
 * src/kernel/irqchip/irq-mbigen.c) on tests/scenarios/platforms/
 * smmuv3-mbigen.dts, Hip07's shape: the SMMUv3's eventq, priq and gerror
 * lines are pins 733, 735 and 734 of the child intc_smmu_alg. Checked
 * through the model's registers and MSI count: the event IDs the driver
 * programs, the pin types, one MSI per event; and the driver's refusals
 * (a pin below 64, more pins than num-pins, no num-pins) as Linux's.
 */
#include "kernel_test.h"
#include "hw/arm_smmu_v3.h"
#include "hw/machine.h"
#include "hw/mbigen.h"

#define PLATFORM LAB_SRCDIR "/tests/scenarios/platforms/smmuv3-mbigen.dts"
#define MBIGEN 0xd0080000ull
#define SMMU 0xd0040000ull

/* Pin p's vector register: node (p - 64) / 128 + 1, slot (p - 64) % 128. */
static u64 vec(u32 pin)
{
	u32 n = pin - 64;

	return MBIGEN + (n / 128 + 1) * 0x1000 + 0x200 + (n % 128) * 4;
}

static u32 rd(u64 pa)
{
	u64 v = ~0ull;

	assert_int_equal(hw_mmio_read(kernel_machine(), pa, 4, &v), 0);
	return (u32)v;
}

/* The platform with @from replaced by @to (NULL: unchanged), booted. */
static void boot_with(const char *from, const char *to)
{
	char *text = NULL, *at, *out;
	size_t len = 0;
	FILE *f = fopen(PLATFORM, "r");

	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	if (!from) {
		assert_int_equal(kt_boot_dts_text(text, NULL), 0);
		free(text);
		return;
	}
	at = strstr(text, from);
	assert_non_null(at);
	len = strlen(text) + strlen(to) + 1;
	out = malloc(len);
	if (!out)
		abort();
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	assert_int_equal(kt_boot_dts_text(out, NULL), 0);
	free(out);
	free(text);
}

static void test_pins_programmed(void **state)
{
	boot_with(NULL, NULL);
	assert_false(kt_dmesg_has("no evtq irq"));
	/* Event IDs in mapping order: eventq 0, priq 1, gerror 2 (bits 21:12). */
	assert_int_equal(rd(vec(733)), 0 << 12);
	assert_int_equal(rd(vec(735)), 1 << 12);
	assert_int_equal(rd(vec(734)), 2 << 12);
	/* Edge-rising pins: their type bits (node 6, word 0, bits 29..31) clear. */
	assert_int_equal(rd(MBIGEN + 6 * 0x1000) & 0xe0000000u, 0);
	kt_shutdown();
}

static void test_event_is_one_msi(void **state)
{
	struct hw_dma_master *dma;
	u64 before;
	u8 buf[16] = { 0 };

	boot_with(NULL, NULL);
	dma = hw_master_by_name(kernel_machine(), "/soc/dma@0");
	assert_non_null(dma);
	before = mbigen_msis(kernel_machine(), MBIGEN);
	assert_int_equal(hw_dma(kernel_machine(), dma, 0x40000000, buf, sizeof(buf), HW_WRITE),
			 -EFAULT);
	assert_int_equal(mbigen_msis(kernel_machine(), MBIGEN) - before, 1);
	assert_true(kt_dmesg_has("arm-smmu-v3 d0040000.iommu: event 0x10 received:"));
	/* Handled: the SMMU's queue is empty, its pin low; a second fault is a second MSI. */
	assert_int_equal(hw_dma(kernel_machine(), dma, 0x40000000, buf, sizeof(buf), HW_WRITE),
			 -EFAULT);
	assert_int_equal(mbigen_msis(kernel_machine(), MBIGEN) - before, 2);
	kt_shutdown();
}

/* A pin below 64: mbigen_domain_translate's -EINVAL; the SMMU runs without it. */
static void test_reserved_pin(void **state)
{
	boot_with("<733 1>", "<10 1>");
	assert_true(kt_dmesg_has("arm-smmu-v3 d0040000.iommu: no evtq irq - events will not be "
				 "reported!"));
	assert_false(kt_dmesg_has("no gerr irq"));
	kt_shutdown();
}

/* One pin: eventq has it, priq and gerror find the domain full. */
static void test_num_pins(void **state)
{
	boot_with("num-pins = <3>;", "num-pins = <1>;");
	assert_false(kt_dmesg_has("no evtq irq"));
	assert_true(kt_dmesg_has("arm-smmu-v3 d0040000.iommu: no gerr irq - errors will not be "
				 "reported!"));
	kt_shutdown();
}

static void test_no_num_pins(void **state)
{
	boot_with("num-pins = <3>;", "");
	assert_true(kt_dmesg_has("No num-pins property"));
	assert_true(kt_dmesg_has("Failed to create mbi-gen irqdomain"));
	assert_true(kt_dmesg_has("no evtq irq - events will not be reported!"));
	kt_shutdown();
}

/* A window over another device's registers: the machine refuses the tree and says why. */
static void test_window_overlap(void **state)
{
	char *text = NULL, *at, why[256] = "";
	size_t len = 0, size;
	void *blob;
	struct machine *m = NULL;
	FILE *f = fopen(PLATFORM, "r");

	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	at = strstr(text, "reg = <0x0 0xd0080000");
	assert_non_null(at);
	memcpy(at, "reg = <0x0 0xd0040000", strlen("reg = <0x0 0xd0040000"));
	assert_int_equal(kt_compile_dts_text(text, &blob, &size), 0);
	assert_int_equal(machine_create(blob, size, 1, &m, why, sizeof(why)), -EINVAL);
	assert_null(m);
	if (!strstr(why, "interrupt-controller@d0080000: window at 0xd0040000 overlaps another region"))
		fail_msg("why: '%s'", why);
	free(blob);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pins_programmed),
		cmocka_unit_test(test_event_is_one_msi),
		cmocka_unit_test(test_reserved_pin),
		cmocka_unit_test(test_num_pins),
		cmocka_unit_test(test_no_num_pins),
		cmocka_unit_test(test_window_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
