/* printk's kernel state (struct kernel.printk): the log and the dyndbg queries. */
#ifndef LAB_KERNEL_PRINTK_INTERNAL_H
#define LAB_KERNEL_PRINTK_INTERNAL_H

#include <stddef.h>

struct ddebug_rule;

struct printk_state {
	/* libc memory, outside kmalloc: see printk.c. */
	char *log_buf;
	size_t log_len, log_cap;
	int console_level;		/* lines above it are not echoed to the sink */
	struct ddebug_rule *rules;	/* the dyndbg queries so far, in order */
	size_t nr_rules;
};

void printk_state_init(struct printk_state *ps);

#endif
