/*
 * Shared by the libFuzzer harnesses (tests/fuzz, docs/hacking.md
 * "Fuzzing"): booting the built-in platform with the oracle on, as every
 * test does, and judging the lab at its shutdown. A crash, a sanitizer
 * report, an isolation escape or a leaked kernel allocation ends the run.
 */
#ifndef LAB_FUZZ_UTIL_H
#define LAB_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "iommulab/lab.h"
#include "kernel/base/kalloc.h"

/* Boots the built-in platform; a harness cannot go on without it. */
static inline void fuzz_boot(const char *cmdline)
{
	char msg[512];

	if (lab_boot(NULL, cmdline, msg, sizeof(msg))) {   /* oracle-rule: ok (lab_boot attaches the oracle; a harness has no cmocka) */
		fprintf(stderr, "fuzz: boot failed: %s\n", msg);
		abort();
	}
}

/* Shuts the lab down: no escape (none provoked on purpose) and no leak. */
static inline void fuzz_shutdown(void)
{
	unsigned long long escapes = lab_shutdown();   /* oracle-rule: ok (judged here) */

	if (escapes) {
		char buf[4096];

		lab_oracle_report(buf, sizeof(buf));
		fprintf(stderr, "fuzz: %llu isolation escapes:\n%s\n", escapes, buf);
		abort();
	}
	if (kalloc_outstanding()) {
		fprintf(stderr, "fuzz: %ld kernel allocations leaked\n", kalloc_outstanding());
		abort();
	}
}

#endif
