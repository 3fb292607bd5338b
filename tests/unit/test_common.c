// SPDX-License-Identifier: GPL-2.0-only
/*
 * src/common's shared readings: kstrtobool's whole table (every first
 * byte, every second byte after o/O), the errno names, and the kernel
 * command line's early params (each occurrence in order, the last wins,
 * "Malformed early option" for a value the handler refuses). No machine,
 * no kernel boot: nothing for the oracle to judge.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/errname.h"
#include "common/strtobool.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

/* Linux 6.12 lib/kstrtox.c, stated as a table: 1 true, 0 false, -1 -EINVAL. */
static int want_first(unsigned char c)
{
	if (c && strchr("yYtT1", c))
		return 1;
	if (c && strchr("nNfF0", c))
		return 0;
	return -1;
}

static void strtobool_every_first_byte(void **state)
{
	for (int c = 1; c < 256; c++) {
		char s[3] = { (char)c, 'x', 0 };
		bool res = false, untouched = true;

		if (c == 'o' || c == 'O')
			continue;
		int ret = kstrtobool(s, &res);
		int want = want_first((unsigned char)c);
		if (want < 0) {
			/* -EINVAL leaves the result as it was. */
			res = untouched;
			assert_int_equal(kstrtobool(s, &res), -EINVAL);
			assert_true(res);
			continue;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(res, want);
	}
}

static void strtobool_o_and_second_byte(void **state)
{
	for (int o = 0; o < 2; o++) {
		for (int c = 0; c < 256; c++) {
			char s[3] = { o ? 'O' : 'o', (char)c, 0 };
			bool res = true;
			int ret = kstrtobool(s, &res);

			if (c == 'n' || c == 'N') {
				assert_int_equal(ret, 0);
				assert_true(res);
			} else if (c == 'f' || c == 'F') {
				res = true;
				assert_int_equal(kstrtobool(s, &res), 0);
				assert_false(res);
			} else {
				assert_int_equal(ret, -EINVAL);
				assert_true(res);
			}
		}
	}
}

static void strtobool_words(void **state)
{
	static const struct { const char *s; int want; } words[] = {
		{ "yy", 1 }, { "yes", 1 }, { "true", 1 }, { "True", 1 }, { "1", 1 },
		{ "10", 1 }, { "on", 1 }, { "ON", 1 }, { "y\n", 1 },
		{ "no", 0 }, { "false", 0 }, { "FALSE", 0 }, { "0", 0 }, { "01", 0 },
		{ "off", 0 }, { "Of", 0 }, { "n\n", 0 },
		{ "", -1 }, { "o", -1 }, { "oo", -1 }, { " y", -1 }, { "2", -1 },
		{ "enable", -1 }, { "disable", -1 }, { "-1", -1 }, { "\n", -1 },
	};
	bool res;

	assert_int_equal(kstrtobool(NULL, &res), -EINVAL);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		res = words[i].want != 1;
		int ret = kstrtobool(words[i].s, &res);
		if (words[i].want < 0) {
			assert_int_equal(ret, -EINVAL);
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(res, words[i].want);
		}
	}
}

static void errno_names(void **state)
{
	assert_string_equal(errno_name(EPERM), "EPERM");
	assert_string_equal(errno_name(-EPERM), "EPERM");
	assert_string_equal(errno_name(-EPROBE_DEFER), "EPROBE_DEFER");
	assert_string_equal(errno_name(ENOTSUP), "EOPNOTSUPP");
	assert_null(errno_name(0));
	assert_null(errno_name(9999));
	assert_int_equal(errno_by_name("EBADFD"), EBADFD);
	assert_int_equal(errno_by_name("ENOTSUP"), ENOTSUP);
	assert_int_equal(errno_by_name("EPROBE_DEFER"), EPROBE_DEFER);
	assert_int_equal(errno_by_name("eperm"), 0);
	assert_int_equal(errno_by_name(NULL), 0);
	/* Every name reads back to itself, except the alias printed as the other. */
	for (int e = 1; e < 600; e++) {
		const char *n = errno_name(e);
		if (n)
			assert_int_equal(errno_by_name(n), e);
	}
}

/* ---- early params over the command line ---------------------------------- */

static char seen[256];

static int record(const char *val)
{
	bool b;
	int ret = kstrtobool(val, &b);

	snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s",
		 *seen ? "," : "", val ? val : "(null)");
	return ret;
}

static void early_param_order(void **state)
{
	size_t len;

	/* printk keeps dmesg in the kernel's state: make one without a boot. */
	assert_int_equal(kernel_state_create(NULL), 0);
	dmesg_clear();
	*seen = 0;
	assert_int_equal(cmdline_init("x.my_flag=1 quiet x.my_flag=0 x.my-flag=yy x.my_flag x.my_flag= x.my_flagg=1"), 0);
	parse_early_param("x.my_flag", record);
	/* Every occurrence, in order ('-' is '_'): the handler's last call wins. */
	assert_string_equal(seen, "1,0,yy,(null),");
	const char *log = dmesg_text(&len);
	assert_non_null(strstr(log, "Malformed early option 'x.my_flag'\n"));
	/* Two malformed ones (bare and empty), nothing for the good ones. */
	const char *p = strstr(log, "Malformed");
	assert_non_null(p = strstr(p + 1, "Malformed"));
	assert_null(strstr(p + 1, "Malformed"));
	assert_null(strstr(log, "x.my-flag"));
	cmdline_exit();
	dmesg_clear();
	kernel_state_destroy();
	assert_int_equal(kalloc_outstanding(), 0);
}

/* A non-dotted early param is known: it is not reported as unknown. */
static void early_param_known(void **state)
{
	size_t len;

	/* printk keeps dmesg in the kernel's state: make one without a boot. */
	assert_int_equal(kernel_state_create(NULL), 0);
	dmesg_clear();
	*seen = 0;
	assert_int_equal(cmdline_init("myflag=1 other=2"), 0);
	parse_early_param("myflag", record);
	cmdline_report_unknown();
	assert_non_null(strstr(dmesg_text(&len), "parameters \"other=2\", will be passed"));
	cmdline_exit();
	dmesg_clear();
	kernel_state_destroy();
	assert_int_equal(kalloc_outstanding(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strtobool_every_first_byte),
		cmocka_unit_test(strtobool_o_and_second_byte),
		cmocka_unit_test(strtobool_words),
		cmocka_unit_test(errno_names),
		cmocka_unit_test(early_param_order),
		cmocka_unit_test(early_param_known),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
