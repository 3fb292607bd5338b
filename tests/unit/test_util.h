/*
 * Helpers shared by the unit tests (and the benchmarks) that need no
 * kernel internals and no cmocka: the seeded generators behind every
 * randomised test, a boot of a platform through the public API, and the
 * oracle rule every test boot follows (below). Kernel-level helpers (kt_*)
 * are in kernel_test.h.
 */
#ifndef LAB_TESTS_TEST_UTIL_H
#define LAB_TESTS_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/oracle.h"
#include "iommulab/lab.h"

/*
 * Two seeded generators, kept both because each test's expectations were
 * drawn from its own sequence: the same seed gives the same run.
 * xorshift64 (shifts 13, 7, 17): the model tests and bench_iova.
 */
static inline uint64_t xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* xorshift64* (shifts 12, 25, 27, then a multiply): the fuzzers. */
static inline uint64_t xorshift64star(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

/*
 * A fuzzer's knob from the environment (LAB_FUZZ_SEED, LAB_FUZZ_COUNT:
 * docs/hacking.md), in C's notation (0x.. hex); @dflt when unset or empty.
 * Not a number: says so and exits 2.
 */
static inline uint64_t tu_env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end;
	uint64_t x;

	if (!v || !*v)
		return dflt;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (*end || errno || *v == '-') {
		fprintf(stderr, "%s: not a number: %s\n", name, v);
		exit(2);
	}
	return x;
}

/*
 * The oracle rule: every boot of a test runs with the isolation oracle
 * attached (lab_boot attaches it; kt_boot_blob in kernel_test.h too), and
 * every shutdown checks it: a test fails, with the oracle's report on
 * stderr, unless the oracle counted exactly the escapes the test declared
 * with tu_expect_escapes() since its boot. Undeclared means none expected.
 */
static uint64_t tu_escapes_expected;

/* Declares that @n escapes are expected before this boot's shutdown (call it after the boot). */
static inline void tu_expect_escapes(uint64_t n)
{
	tu_escapes_expected = n;
}

/*
 * 0 if @got, the escapes the oracle counted, is exactly the declared
 * number; otherwise prints "@who: N isolation escape(s), M expected" and
 * the oracle's report (@report: oracle_report or lab_oracle_report) on
 * stderr and returns -1. Forgets the declaration either way.
 */
static inline int tu_escapes_judge(const char *who, uint64_t got,
				   int (*report)(char *buf, size_t size))
{
	uint64_t want = tu_escapes_expected;
	char rep[8192];

	tu_escapes_expected = 0;
	if (got == want)
		return 0;
	report(rep, sizeof(rep));
	fprintf(stderr, "%s: %" PRIu64 " isolation escape(s), %" PRIu64 " expected\n%s", who, got,
		want, rep);
	return -1;
}

/* The same on the oracle attached now (the kt_* paths, before they detach it). */
static inline int tu_oracle_check(const char *who)
{
	return tu_escapes_judge(who, oracle_escapes(), oracle_report);
}

/* Runs one shell line on the booted lab with its output discarded; returns its status. */
static inline int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int tu_sh(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	FILE *null = fopen("/dev/null", "w");
	int st = lab_exec(line, null);
	fclose(null);
	return st;
}

/*
 * Hands @dev to vfio-platform as a user does: set driver_override, unbind
 * it from @from (NULL: it is unbound), bind it. Returns 0 or the failing
 * command's status.
 */
static inline int tu_to_vfio(const char *dev, const char *from)
{
	if (tu_sh("echo vfio-platform > /sys/bus/platform/devices/%s/driver_override", dev))
		return -1;
	if (from && tu_sh("echo %s > /sys/bus/platform/drivers/%s/unbind", dev, from))
		return -1;
	return tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/bind", dev);
}

/*
 * lab_boot of @platform (NULL: the built-in one), after shutting down a lab
 * a failed test left up; says why on stderr when it fails.
 */
static inline int tu_lab_boot(const char *platform, const char *cmdline)
{
	char msg[256] = "";
	int ret;

	lab_shutdown();
	tu_escapes_expected = 0;
	ret = lab_boot(platform, cmdline, msg, sizeof(msg));
	if (ret)
		fprintf(stderr, "lab_boot %s: %d %s\n", platform ? platform : "(built-in)", ret, msg);
	return ret;
}

/*
 * lab_shutdown, then the oracle check on the escapes it returns, those of
 * the teardown included (DMA a device still ran while the kernel went
 * down): -1 if the check failed (a teardown returns it, a test body
 * asserts it is 0). A no-op returning 0 when nothing is booted.
 */
static inline int tu_lab_shutdown(void)
{
	return tu_escapes_judge("tu_lab_shutdown", lab_shutdown(), lab_oracle_report);
}

#endif
