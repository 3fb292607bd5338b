/*
 * Helpers shared by the unit tests (and the benchmarks) that need no
 * kernel internals and no cmocka: the seeded generators behind every
 * randomised test, and a boot of a platform through the public API.
 * Kernel-level helpers (kt_*) are in kernel_test.h.
 */
#ifndef LAB_TESTS_TEST_UTIL_H
#define LAB_TESTS_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>

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

/* lab_boot of @platform (NULL: the built-in one); says why on stderr when it fails. */
static inline int tu_lab_boot(const char *platform, const char *cmdline)
{
	char msg[256] = "";
	int ret = lab_boot(platform, cmdline, msg, sizeof(msg));

	if (ret)
		fprintf(stderr, "lab_boot %s: %d %s\n", platform ? platform : "(built-in)", ret, msg);
	return ret;
}

#endif
