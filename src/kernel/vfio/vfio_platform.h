/*
 * vfio-platform: hands a platform device's MMIO regions and interrupts to
 * user space (Linux's drivers/vfio/platform/ is the behavioural
 * reference). Binds only on request (driver_override); a device needs a
 * reset handler registered for its first compatible string unless the
 * module parameter reset_required is 0.
 */
#ifndef LAB_KERNEL_VFIO_VFIO_PLATFORM_H
#define LAB_KERNEL_VFIO_VFIO_PLATFORM_H

#include "common/types.h"
#include "vfio.h"

/* Region offsets on the device fd: index << 40, as Linux. */
#define VFIO_PLATFORM_OFFSET_SHIFT 40
#define VFIO_PLATFORM_OFFSET_MASK ((1ull << VFIO_PLATFORM_OFFSET_SHIFT) - 1)

/* Virtual time a region read takes (a non-posted MMIO round trip). */
#define VFIO_PLATFORM_READ_NS 200ull

struct vfio_platform_region {
	u64 addr, size;
	u32 flags;          /* VFIO_REGION_INFO_FLAG_* */
};

struct vfio_platform_irq {
	u32 intid;
	u32 flags;          /* VFIO_IRQ_INFO_* */
	struct eventfd_ctx *trigger;   /* the user's eventfd (SET_IRQS), or NULL */
	int request_err;    /* request_irq's answer at open (0: requested) */
	bool masked;        /* MASK or automasked: one disable_irq held */
	struct list_head trigger_link;
	struct vfio_platform_device *vpdev;
};

struct vfio_platform_device {
	struct vfio_device vdev;
	const char *compat;                 /* the first compatible (the name Linux uses) */
	int (*reset)(struct vfio_platform_device *vpdev);
	struct vfio_platform_region *regions;
	unsigned int num_regions;
	struct vfio_platform_irq *irqs;
	unsigned int num_irqs;
};

typedef int (*vfio_platform_reset_fn_t)(struct vfio_platform_device *vpdev);

/* The reset registry, by compatible: -EEXIST for a second handler, -ENOMEM. */
int vfio_platform_register_reset(const char *compat, vfio_platform_reset_fn_t fn);
void vfio_platform_unregister_reset(const char *compat);

/* The module's kernel state (struct kernel.vfio_platform). */
struct vfio_platform_state {
	struct list_head reset_list;     /* reset handlers by compatible */
	struct list_head trigger_list;   /* interrupt eventfds registered with SET_IRQS */
	struct {
		bool reset_required;     /* reset_required= (default Y) */
	} param;
};

void vfio_platform_state_init(struct vfio_platform_state *vps);

/* Registers / unregisters the platform driver (the module's init/exit). */
int vfio_platform_init(void);
void vfio_platform_exit(void);

/*
 * Is @fd (or a duplicate of it) an interrupt eventfd registered with
 * VFIO_DEVICE_SET_IRQS? The uapi lets virtual time run while a program
 * waits on one. vfio_platform_any_trigger: is any registered?
 */
bool vfio_platform_is_trigger(int fd);
bool vfio_platform_any_trigger(void);

/* MMIO of a region by physical address, widths 1, 2 or 4 (the reset handlers). */
u32 vfio_platform_readl(struct vfio_platform_device *vpdev, unsigned region, u64 off);
void vfio_platform_writel(struct vfio_platform_device *vpdev, unsigned region, u64 off, u32 val);

#endif
