/*
 * The platform bus (drivers/base/platform.c): devices from the device tree
 * and drivers matched by driver_override, OF compatible, then name.
 */
#ifndef LAB_KERNEL_BASE_PLATFORM_DEVICE_H
#define LAB_KERNEL_BASE_PLATFORM_DEVICE_H

#include "kernel/base/device.h"

#define IORESOURCE_MEM 0x00000200ul
#define IORESOURCE_IRQ 0x00000400ul

struct resource {
	u64 start, end;		/* inclusive; for IRQs start == end == the INTID */
	unsigned long flags;
	const char *name;
};

static inline u64 resource_size(const struct resource *r) { return r->end - r->start + 1; }

struct platform_device {
	const char *name;	/* "" for devices from the device tree, as Linux */
	struct device dev;
	u32 num_resources;
	struct resource *resource;
};

#define to_platform_device(d) container_of((d), struct platform_device, dev)

struct platform_driver {
	int (*probe)(struct platform_device *pdev);
	void (*remove)(struct platform_device *pdev);
	struct device_driver driver;
};

#define to_platform_driver(d) container_of((d), struct platform_driver, driver)

extern struct bus_type platform_bus_type;
extern struct bus_type amba_bustype;
/* /sys/devices/platform, the default parent. */
struct device *platform_bus(void);

int platform_bus_init(void);
void platform_bus_exit(void);

int platform_driver_register(struct platform_driver *drv);
void platform_driver_unregister(struct platform_driver *drv);

/* Allocated with kzalloc; device_add'ed by platform_device_add. */
struct platform_device *platform_device_alloc(const char *name);
int platform_device_add(struct platform_device *pdev);
void platform_device_put(struct platform_device *pdev);
void platform_device_unregister(struct platform_device *pdev);

struct resource *platform_get_resource(struct platform_device *pdev, unsigned long type,
				       unsigned num);
/* The @num-th interrupt as a GIC INTID, or -ENXIO. */
int platform_get_irq(struct platform_device *pdev, unsigned num);
static inline void *platform_get_drvdata(const struct platform_device *pdev)
{
	return dev_get_drvdata(&pdev->dev);
}
static inline void platform_set_drvdata(struct platform_device *pdev, void *data)
{
	dev_set_drvdata(&pdev->dev, data);
}

#endif
