/* The platform bus's kernel state (struct kernel.platform). */
#ifndef LAB_KERNEL_PLATFORM_INTERNAL_H
#define LAB_KERNEL_PLATFORM_INTERNAL_H

#include "kernel/base/device.h"

struct platform_state {
	struct device bus;		/* /sys/devices/platform, every platform device's parent */
};

#endif
