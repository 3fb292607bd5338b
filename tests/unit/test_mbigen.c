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

#include <libfdt.h>

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

/* The platform's text with @from replaced by @to (NULL: unchanged); the caller frees it. */
static char *platform_text(const char *from, const char *to)
{
	char *text = NULL, *at, *out;
	size_t len = 0;
	FILE *f = fopen(PLATFORM, "r");

	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	if (!from)
		return text;
	at = strstr(text, from);
	assert_non_null(at);
	len = strlen(text) + strlen(to) + 1;
	out = malloc(len);
	if (!out)
		abort();
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

/* The platform with @from replaced by @to (NULL: unchanged), booted. */
static void boot_with(const char *from, const char *to)
{
	char *text = platform_text(from, to);

	assert_int_equal(kt_boot_dts_text(text, NULL), 0);
	free(text);
}

/* machine_create's answer for the platform with @from replaced by @to, no kernel. */
static int machine_with(const char *from, const char *to, struct machine **m, char *why,
			size_t whylen)
{
	char *text = platform_text(from, to);
	size_t size;
	void *blob;

	assert_int_equal(kt_compile_dts_text(text, &blob, &size), 0);
	free(text);
	int ret = machine_create(blob, size, 1, m, why, whylen);
	free(blob);
	return ret;
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
	char why[256] = "";
	struct machine *m = NULL;

	assert_int_equal(machine_with("reg = <0x0 0xd0080000", "reg = <0x0 0xd0040000", &m, why,
				      sizeof(why)), -EINVAL);
	assert_null(m);
	if (!strstr(why, "interrupt-controller@d0080000: window at 0xd0040000 overlaps another region"))
		fail_msg("why: '%s'", why);
}

/* ---- the model alone: pins, clear bits, bad offsets ---------------------------- */

#define PIN_LEVEL 736u		/* node 6, slot 32: no driver uses it */
#define PIN_EDGE 737u

/* The platform's machine, no kernel: the mbigen's registers are the test's. */
static struct machine *bare_machine(int *ctrl)
{
	char why[256] = "";
	struct machine *m = NULL;

	if (machine_with(NULL, NULL, &m, why, sizeof(why)))
		fail_msg("machine_create: %s", why);
	*ctrl = fdt_path_offset(machine_fdt(m), "/interrupt-controller@d0080000/intc_smmu_alg");
	assert_true(*ctrl > 0);
	return m;
}

static void mmio_w(struct machine *m, u64 pa, u32 val)
{
	assert_int_equal(hw_mmio_write(m, pa, 4, val), 0);
}

static u32 mmio_r(struct machine *m, u64 pa)
{
	u64 v = ~0ull;

	assert_int_equal(hw_mmio_read(m, pa, 4, &v), 0);
	return (u32)v;
}

/* The clear register of @pin (indexed by the whole pin number) and its bit. */
static u64 clear_reg(u32 pin)
{
	return MBIGEN + 0xa000 + pin / 32 * 4;
}

static u32 clear_bit(u32 pin)
{
	return 1u << (pin % 32);
}

/* Pin @pin's type bit: 1 = level (node 6's first type word for pins 704..735, ...). */
static void set_level(struct machine *m, u32 pin)
{
	u32 n = pin - 64, off = (n / 128 + 1) * 0x1000 + (n % 128) / 32 * 4;

	mmio_w(m, MBIGEN + off, mmio_r(m, MBIGEN + off) | 1u << (n % 32));
}

/*
 * A level pin sends one MSI and stays pending while its line is high; the
 * driver's clear sends again if the line is still high, and nothing once
 * it has dropped. A clear of a pin that is not pending does nothing.
 */
static void test_level_pin_clear(void **state)
{
	int ctrl;
	struct machine *m = bare_machine(&ctrl);

	(void)state;
	set_level(m, PIN_LEVEL);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	/* Pending: a drop and a rise before the clear send nothing. */
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, false), 0);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	/* Cleared while still high: sent again, pending again. */
	mmio_w(m, clear_reg(PIN_LEVEL), clear_bit(PIN_LEVEL));
	assert_int_equal(mbigen_msis(m, MBIGEN), 2);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 2);
	/* The line drops, then the clear: nothing more. */
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, false), 0);
	mmio_w(m, clear_reg(PIN_LEVEL), clear_bit(PIN_LEVEL));
	assert_int_equal(mbigen_msis(m, MBIGEN), 2);
	/* Not pending: a second clear does nothing; the next rise sends. */
	mmio_w(m, clear_reg(PIN_LEVEL), clear_bit(PIN_LEVEL));
	assert_int_equal(mbigen_msis(m, MBIGEN), 2);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_LEVEL, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 3);
	/* Other bits of the same clear word leave the pin pending. */
	mmio_w(m, clear_reg(PIN_LEVEL), ~clear_bit(PIN_LEVEL));
	assert_int_equal(mbigen_msis(m, MBIGEN), 3);
	machine_destroy(m);
}

/* An edge pin sends once per rising edge and never waits for a clear. */
static void test_edge_pin(void **state)
{
	int ctrl;
	struct machine *m = bare_machine(&ctrl);

	(void)state;
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_EDGE, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_EDGE, true), 0);   /* no edge */
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	/* Cleared while high: an edge pin does not send again. */
	mmio_w(m, clear_reg(PIN_EDGE), clear_bit(PIN_EDGE));
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_EDGE, false), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_EDGE, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 2);
	machine_destroy(m);
}

/* Pins outside 64..1407 and clear words past the last pin: refused or ignored. */
static void test_bad_pins_and_offsets(void **state)
{
	int ctrl;
	struct machine *m = bare_machine(&ctrl);
	u64 v;

	(void)state;
	assert_int_equal(mbigen_line_set(m, ctrl, 63, true), -EINVAL);
	assert_int_equal(mbigen_line_set(m, ctrl, 1408, true), -EINVAL);
	assert_int_equal(mbigen_line_set(m, ctrl, 0xffffffffu, true), -EINVAL);
	assert_int_equal(mbigen_line_set(m, 0, PIN_EDGE, true), -ENODEV);   /* the root */
	assert_int_equal(mbigen_msis(m, MBIGEN), 0);
	/* Clear words of the reserved pins, past pin 1407, the window's last word. */
	mmio_w(m, MBIGEN + 0xa000, ~0u);
	mmio_w(m, clear_reg(1407), ~0u);
	mmio_w(m, clear_reg(1408) + 4, ~0u);
	mmio_w(m, MBIGEN + 0xfffc, ~0u);
	/* Unaligned and narrow accesses: ignored, read 0. */
	assert_int_equal(hw_mmio_write(m, MBIGEN + 0xa002, 4, ~0ull), 0);
	assert_int_equal(hw_mmio_write(m, clear_reg(PIN_LEVEL), 1, 0xff), 0);
	assert_int_equal(hw_mmio_read(m, MBIGEN + 0xa001, 2, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mmio_r(m, clear_reg(PIN_LEVEL)), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 0);
	/* Between a node's registers (past its 4 type words, its 128 vectors): nothing. */
	mmio_w(m, MBIGEN + 6 * 0x1000 + 0x10, ~0u);
	assert_int_equal(mmio_r(m, MBIGEN + 6 * 0x1000 + 0x10), 0);
	mmio_w(m, MBIGEN + 6 * 0x1000 + 0x400, 5u << 12);
	assert_int_equal(mmio_r(m, MBIGEN + 6 * 0x1000 + 0x400), 0);
	/* Node 0 (pins below 64): no registers. */
	mmio_w(m, MBIGEN + 0x200, 5u << 12);
	assert_int_equal(mmio_r(m, MBIGEN + 0x200), 0);
	/* The model still works. */
	assert_int_equal(mbigen_line_set(m, ctrl, PIN_EDGE, true), 0);
	assert_int_equal(mbigen_msis(m, MBIGEN), 1);
	machine_destroy(m);
}

static int dmesg_count(const char *needle)
{
	const char *p = dmesg_text(NULL);
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/*
 * The SMMU's eventq on a level pin: the driver clears the pin after each
 * interrupt (Linux's mbigen_eoi_irq), so a second fault is a second MSI.
 */
static void test_level_pin_eoi(void **state)
{
	struct hw_dma_master *dma;
	u64 before;
	u8 buf[16] = { 0 };

	(void)state;
	boot_with("<733 1>", "<733 4>");
	assert_int_equal(rd(MBIGEN + 6 * 0x1000) & 0xe0000000u, 0x20000000u);
	dma = hw_master_by_name(kernel_machine(), "/soc/dma@0");
	assert_non_null(dma);
	before = mbigen_msis(kernel_machine(), MBIGEN);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(hw_dma(kernel_machine(), dma, 0x40000000, buf, sizeof(buf),
					HW_WRITE), -EFAULT);
		assert_int_equal(mbigen_msis(kernel_machine(), MBIGEN) - before, (u64)i);
	}
	assert_int_equal(dmesg_count("arm-smmu-v3 d0040000.iommu: event 0x10 received:"), 3);
	kt_shutdown();
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
		cmocka_unit_test(test_level_pin_clear),
		cmocka_unit_test(test_edge_pin),
		cmocka_unit_test(test_bad_pins_and_offsets),
		cmocka_unit_test(test_level_pin_eoi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
