/* The interrupt layer's kernel state (struct kernel.irq). */
#ifndef LAB_KERNEL_IRQ_INTERNAL_H
#define LAB_KERNEL_IRQ_INTERNAL_H

struct irq_desc;
struct machine;

struct irq_state {
	struct irq_desc **chunks;	/* irq.c's sparse table from irq_init; NULL before */
	struct machine *machine;	/* whose lines they are */
};

#endif
