/* defer-test's kernel state (struct kernel.defer_test): its module parameters. */
#ifndef LAB_KERNEL_DRIVERS_DEFER_TEST_H
#define LAB_KERNEL_DRIVERS_DEFER_TEST_H

#include "common/types.h"

struct defer_test_state {
	bool ignore_supplier;
	int probe_result;
	char *supplier_prop;		/* module.c owns the string */
	unsigned defer_count;
};

#endif
