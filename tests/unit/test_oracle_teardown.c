/*
 * The oracle judges a lab's teardown too. A VFIO user leaves the dma-copy
 * engine copying through IOVAs it already unmapped, with arm-smmu's test
 * hook lab_skip_tlbi (not Linux) keeping their IOTLB entries: nothing has
 * moved when the lab shuts down, then closing the device resets it, the
 * reset waits for the transfer, and the transfer reads and writes freed
 * frames through the stale entries: two escapes, both during the teardown.
 *
 * Without arguments: the declared escapes pass tu_lab_shutdown, and
 * lab_shutdown, lab_oracle_report and lab_run_script count them.
 * With "undeclared": the same escapes undeclared must FAIL with the rule's
 * line (meson.build runs it through expect-status.sh): an oracle detached
 * before the kernel went down would let it pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "iommulab/lab.h"
#include "test_util.h"

#define TD_CMDLINE "arm-smmu.lab_skip_tlbi=1 vfio_iommu_type1.allow_unsafe_interrupts=1"
#define TD_ESCAPES 2

/* The engine to vfio-platform, a copy within a mapping that is then unmapped, left running. */
static const char *const td_lines[] = {
	"modprobe vfio-platform",
	"echo vfio-platform > /sys/bus/platform/devices/a000000.dma/driver_override",
	"echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind",
	"echo a000000.dma > /sys/bus/platform/drivers/vfio-platform/bind",
	"vfio container",
	"vfio group 0",
	"vfio set-container 0",
	"vfio set-iommu type1v2",
	"vfio map 0x100000 0x10000 rw",
	"vfio device a000000.dma",
	/* fill the IOTLB with both pages the copy will use */
	"dma a000000.dma read 0x100000 16",
	"dma a000000.dma write 0x108000 16",
	"vfio unmap all",
	/* SRC 0x100000, DST 0x108000, LEN 4096, START: posted, nothing runs yet */
	"vfio write a000000.dma 0x8 0x100000",
	"vfio write a000000.dma 0x10 0x108000",
	"vfio write a000000.dma 0x18 4096",
	"vfio write a000000.dma 0x20 1",
};

/* Boots and leaves the transfer in flight; no escape yet. */
static void td_provoke(void)
{
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	assert_int_equal(tu_lab_boot(NULL, TD_CMDLINE), LAB_OK);
	for (size_t i = 0; i < sizeof(td_lines) / sizeof(td_lines[0]); i++) {
		int st = lab_exec(td_lines[i], null);
		if (st)
			print_error("%s: status %d\n", td_lines[i], st);
		assert_int_equal(st, 0);
	}
	fclose(null);
	assert_int_equal(oracle_escapes(), 0);
}

static void test_teardown_declared(void **state)
{
	char rep[4096];

	td_provoke();
	tu_expect_escapes(TD_ESCAPES);
	assert_int_equal(tu_lab_shutdown(), 0);
	/* The report outlives the lab, teardown included, until the next boot. */
	lab_oracle_report(rep, sizeof(rep));
	assert_non_null(strstr(rep, "2 escapes (2 stale)"));
	assert_non_null(strstr(rep, "oracle: ESCAPE: a000000.dma read"));
	assert_non_null(strstr(rep, "oracle: ESCAPE: a000000.dma wrote"));
	/* A second shutdown is a no-op: nothing more to judge. */
	assert_int_equal(lab_shutdown(), 0);   /* oracle-rule: ok (nothing booted) */
	assert_int_equal(tu_lab_shutdown(), 0);
}

/* iommulab run fails a scenario whose escapes happen as it is torn down. */
static void test_teardown_run_script(void **state)
{
	char path[] = "/tmp/test_oracle_teardown_XXXXXX", out[8192] = "";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *o;

	assert_non_null(f);
	fprintf(f, "#! cmdline %s\n", TD_CMDLINE);
	for (size_t i = 0; i < sizeof(td_lines) / sizeof(td_lines[0]); i++)
		fprintf(f, "%s\n", td_lines[i]);
	fclose(f);
	o = fmemopen(out, sizeof(out) - 1, "w");
	assert_non_null(o);
	assert_int_equal(lab_run_script(path, NULL, NULL, 0, o, stderr), LAB_EXIT_FAILED);
	fclose(o);
	unlink(path);
	assert_non_null(strstr(out, "isolation escape(s) detected:"));
	assert_non_null(strstr(out, "2 escapes (2 stale)"));
}

static void test_teardown_undeclared(void **state)
{
	td_provoke();
	assert_int_equal(tu_lab_shutdown(), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest ok[] = {
		cmocka_unit_test(test_teardown_declared),
		cmocka_unit_test(test_teardown_run_script),
	};
	const struct CMUnitTest undeclared[] = { cmocka_unit_test(test_teardown_undeclared) };

	if (argc == 2 && !strcmp(argv[1], "undeclared"))
		return cmocka_run_group_tests(undeclared, NULL, NULL);
	if (argc == 1)
		return cmocka_run_group_tests(ok, NULL, NULL);
	fprintf(stderr, "usage: test_oracle_teardown [undeclared]\n");
	return 2;
}
