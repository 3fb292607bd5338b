// SPDX-License-Identifier: GPL-2.0-only
/* Driver registration and driver_override (drivers/base/driver.c). */
#include <string.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"

int driver_register(struct device_driver *drv)
{
	int ret;

	if (!drv->bus || !bus_to_subsys(drv->bus)) {
		pr_err("Driver '%s' was unable to register with bus_type '%s' because the bus was not initialized.\n",
		       drv->name, drv->bus ? drv->bus->name : "(null)");
		return -EINVAL;
	}
	if (driver_find(drv->name, drv->bus)) {
		pr_err("Error: Driver '%s' is already registered, aborting...\n", drv->name);
		return -EBUSY;
	}
	/*
	 * THIS_MODULE: the module whose init is running (NULL when built in),
	 * kept in the driver core's half (driver_owner), not in @drv.
	 */
	ret = bus_add_driver(drv, module_current());
	if (ret)
		return ret;
	deferred_probe_extend_timeout();
	return 0;
}

void driver_unregister(struct device_driver *drv)
{
	if (!driver_to_private(drv))
		return;
	bus_remove_driver(drv);
}

int driver_set_override(struct device *dev, char **override, const char *s, size_t len)
{
	char *new, *old;
	const char *cp;

	if (!override || !s)
		return -EINVAL;
	/* sysfs shows it with a newline within a page: one byte less. */
	if (len >= PAGE_SIZE - 1)
		return -EINVAL;
	/* Embedded NULs end the string (python writes them). */
	len = strlen(s);
	if (!len) {
		old = *override;
		*override = NULL;
		kfree(old);
		return 0;
	}
	cp = memchr(s, '\n', len);
	if (cp)
		len = (size_t)(cp - s);
	new = kstrndup(s, len);
	if (!new)
		return -ENOMEM;
	old = *override;
	if (cp != s) {
		*override = new;
	} else {
		/* "\n": clear */
		kfree(new);
		*override = NULL;
	}
	kfree(old);
	return 0;
}
