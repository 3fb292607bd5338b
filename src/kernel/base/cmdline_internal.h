/* The command line's kernel state (struct kernel.cmdline): the line and its split. */
#ifndef LAB_KERNEL_CMDLINE_INTERNAL_H
#define LAB_KERNEL_CMDLINE_INTERNAL_H

#include <stddef.h>

struct cmd_param;

struct cmdline_state {
	char *saved_line;		/* the line as given (kmalloc) */
	struct cmd_param *params;	/* one per "name[=value]", in order */
	size_t nr_params;
};

#endif
