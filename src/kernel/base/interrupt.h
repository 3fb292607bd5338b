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

/*
 * Trigger types (Linux's values). The default, 0, is the level flow above.
 * An edge line (an MSI: the controller latches it high) is acknowledged by
 * lowering it (hw_irq_ack, the GIC's acknowledge) before its handlers run,
 * so an edge during a handler runs them again (handle_edge_irq).
 * -EINVAL for a bad type or number, -ENOMEM.
 */
#define IRQ_TYPE_EDGE_RISING 0x1u
#define IRQ_TYPE_EDGE_FALLING 0x2u
#define IRQ_TYPE_EDGE_BOTH 0x3u
#define IRQ_TYPE_LEVEL_HIGH 0x4u
#define IRQ_TYPE_LEVEL_MASK 0xcu
int irq_set_irq_type(u32 intid, unsigned type);

/*
 * The chip that masks a line's source (an MSI controller's LPI enable, a
 * device's mask bit): irq_unmask at request_irq (startup, unless
 * IRQF_NO_AUTOEN) and when enable_irq brings the depth back to 0,
 * irq_mask when disable_irq leaves depth 0 and when the last action is
 * freed (shutdown). irq_eoi, if given, runs after each round of the
 * handlers (Linux's handle_fasteoi_irq: an mbigen clears its pin there).
 * NULL @chip removes it.
 */
struct irq_chip {
	const char *name;
	void (*irq_mask)(u32 intid, void *chip_data);
	void (*irq_unmask)(u32 intid, void *chip_data);
	void (*irq_eoi)(u32 intid, void *chip_data);
};
int irq_set_chip_and_data(u32 intid, const struct irq_chip *chip, void *data);
bool irq_has_action(u32 intid);

/* kernel.c */
int irq_init(struct machine *m);
void irq_exit(void);

#endif
