/*
 * Kernel interrupt handling over the machine's level-triggered lines
 * (GIC INTIDs). A handler runs whenever its line is high and enabled (see
 * disable_irq below): when it is raised, at enable_irq,
 * when request_irq finds it already high, and again after a handler returns
 * if the line is still asserted (level semantics). A handler that clears
 * its device's status lowers the line from inside the call; that nested
 * notification is absorbed, not re-entered.
 */
#ifndef LAB_KERNEL_BASE_INTERRUPT_H
#define LAB_KERNEL_BASE_INTERRUPT_H

#include "common/types.h"

struct device;
struct machine;

typedef enum irqreturn { IRQ_NONE = 0, IRQ_HANDLED = 1 } irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);

#define IRQF_SHARED 0x80u
/* Requested disabled (depth 1): the handler runs only after enable_irq. */
#define IRQF_NO_AUTOEN 0x00080000u

/* -EINVAL for a bad number or handler, -EBUSY if taken (unless both shared). */
int request_irq(u32 intid, irq_handler_t handler, const char *name, void *dev_id);
int request_irq_flags(u32 intid, irq_handler_t handler, unsigned long flags,
		      const char *name, void *dev_id);
void free_irq(u32 intid, void *dev_id);
/* Freed automatically after remove or a failed probe. */
int devm_request_irq(struct device *dev, u32 intid, irq_handler_t handler,
		     const char *name, void *dev_id);
void devm_free_irq(struct device *dev, u32 intid, void *dev_id);
/*
 * Masking, nested as Linux's: each disable adds one to the line's depth,
 * each enable takes one off; handlers run only at depth 0. A level line
 * still high when its depth returns to 0 is delivered at once. The lab has
 * no other CPU: disable_irq (which waits for running handlers) and
 * disable_irq_nosync are the same call. An enable at depth 0 is
 * "Unbalanced enable" (logged, ignored).
 */
void disable_irq_nosync(u32 intid);
void disable_irq(u32 intid);
void enable_irq(u32 intid);

/* kernel.c */
int irq_init(struct machine *m);
void irq_exit(void);

#endif
