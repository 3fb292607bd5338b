/*
 * The oracle rule must bite: this program provokes an isolation escape
 * and does not declare it, so it must FAIL (exit 1) with the rule's line
 * first on stderr. meson.build registers it through expect-status.sh for
 * each way a test boots: "kt" (kt_boot/kt_shutdown) and "lab"
 * (tu_lab_boot/tu_lab_shutdown). If it ever passes, the rule stopped
 * working and every test's "no escape" means nothing.
 */
#include <string.h>

#include "oracle_escape.h"

static void kt_undeclared(void **state)
{
	kt_boot(OE_CMDLINE);
	oe_kt_escape();
	kt_shutdown();
}

static void lab_undeclared(void **state)
{
	assert_int_equal(tu_lab_boot(NULL, OE_CMDLINE), LAB_OK);
	oe_lab_escape();
	assert_int_equal(tu_lab_shutdown(), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest kt[] = { cmocka_unit_test(kt_undeclared) };
	const struct CMUnitTest lab[] = { cmocka_unit_test(lab_undeclared) };

	if (argc == 2 && !strcmp(argv[1], "kt"))
		return cmocka_run_group_tests(kt, NULL, NULL);
	if (argc == 2 && !strcmp(argv[1], "lab"))
		return cmocka_run_group_tests(lab, NULL, NULL);
	fprintf(stderr, "usage: test_oracle_undeclared kt|lab\n");
	return 2;
}
