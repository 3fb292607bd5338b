/* The module loader's kernel state (struct kernel.module). */
#ifndef LAB_KERNEL_MODULE_INTERNAL_H
#define LAB_KERNEL_MODULE_INTERNAL_H

#include "common/types.h"

struct module;

struct modules_state {
	struct module *modules;		/* one per module table entry, from modules_init */
	struct module *current;		/* whose init is running (THIS_MODULE) */
	bool ready;			/* modules_init done, modules_exit not yet */
};

#endif
