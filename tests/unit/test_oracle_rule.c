/*
 * The oracle rule of the test helpers (test_util.h, kernel_test.h): every
 * test boot runs with the isolation oracle attached, and a shutdown passes
 * only if the oracle counted exactly the escapes the test declared with
 * tu_expect_escapes(). The other half, an undeclared escape failing its
 * test, is test_oracle_undeclared (registered to fail).
 */
#include "oracle_escape.h"

/* A kt boot judges DMA: the dma-copy run through arm-smmu is checked and ok. */
static void kt_boot_has_oracle(void **state)
{
	char msg[128];
	struct oracle_counts c;

	kt_boot(NULL);
	assert_int_equal(dma_copy_test(OE_DEV, 8192, msg, sizeof(msg)), 0);
	oracle_get_counts(&c);
	assert_true(c.checked >= 4);
	assert_int_equal(c.ok, c.checked);
	kt_shutdown();
}

static void kt_declared_escape_passes(void **state)
{
	kt_boot(OE_CMDLINE);
	oe_kt_escape();
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	kt_shutdown();
}

static void lab_declared_escape_passes(void **state)
{
	assert_int_equal(tu_lab_boot(NULL, OE_CMDLINE), LAB_OK);
	oe_lab_escape();
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/* Or the test checks the escape itself and clears the oracle's counts. */
static void checked_and_cleared_passes(void **state)
{
	kt_boot(OE_CMDLINE);
	oe_kt_escape();
	assert_int_equal(oracle_last_verdict(), ORACLE_STALE);
	oracle_reset_counts();
	kt_shutdown();
}

/* The count is exact: a declared escape that did not happen fails the check too. */
static void declared_but_absent_fails(void **state)
{
	kt_boot(NULL);
	tu_expect_escapes(1);
	assert_int_equal(tu_oracle_check("declared_but_absent_fails (expected to complain)"), -1);
	/* The check forgot the declaration: the shutdown passes. */
	kt_shutdown();
}

/* A boot starts with nothing declared: a declaration left by an earlier boot does not carry over. */
static void boot_forgets_declaration(void **state)
{
	tu_expect_escapes(2);
	kt_boot(NULL);
	kt_shutdown();
	tu_expect_escapes(2);
	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/* A shutdown with nothing booted has nothing to check. */
static void shutdown_without_boot(void **state)
{
	assert_int_equal(tu_lab_shutdown(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kt_boot_has_oracle),
		cmocka_unit_test(kt_declared_escape_passes),
		cmocka_unit_test(lab_declared_escape_passes),
		cmocka_unit_test(checked_and_cleared_passes),
		cmocka_unit_test(declared_but_absent_fails),
		cmocka_unit_test(boot_forgets_declaration),
		cmocka_unit_test(shutdown_without_boot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
