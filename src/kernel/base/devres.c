// SPDX-License-Identifier: GPL-2.0-only
/*
 * Managed resources (drivers/base/devres.c): what probe acquires with a
 * devm_ call is released in reverse order after remove or a failed probe.
 */
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"

struct devres {
	struct list_head entry;
	dr_release_t release;
	size_t size;
	unsigned long long data[];	/* aligned for any payload */
};

static struct devres *to_devres(void *res)
{
	return container_of(res, struct devres, data);
}

void *devres_alloc(dr_release_t release, size_t size)
{
	struct devres *dr = kzalloc(sizeof(*dr) + size);
	if (!dr)
		return NULL;
	INIT_LIST_HEAD(&dr->entry);
	dr->release = release;
	dr->size = size;
	return dr->data;
}

void devres_free(void *res)
{
	if (res)
		kfree(to_devres(res));
}

void devres_add(struct device *dev, void *res)
{
	list_add_tail(&to_devres(res)->entry, &dev->devres_head);
}

void devres_release_all(struct device *dev)
{
	while (!list_empty(&dev->devres_head)) {
		struct devres *dr = list_last_entry(&dev->devres_head, struct devres, entry);
		list_del_init(&dr->entry);
		if (dr->release)
			dr->release(dev, dr->data);
		kfree(dr);
	}
}

int devres_destroy(struct device *dev, dr_release_t release,
		   bool (*match)(struct device *dev, void *res, void *data), void *data)
{
	struct devres *dr;
	list_for_each_entry_reverse(dr, &dev->devres_head, entry) {
		if (dr->release != release || (match && !match(dev, dr->data, data)))
			continue;
		list_del_init(&dr->entry);
		kfree(dr);
		return 0;
	}
	return -ENOENT;
}

struct action_devres {
	void (*action)(void *);
	void *data;
};

static void devm_action_release(struct device *dev, void *res)
{
	struct action_devres *a = res;
	a->action(a->data);
}

int devm_add_action(struct device *dev, void (*action)(void *), void *data)
{
	struct action_devres *a = devres_alloc(devm_action_release, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->action = action;
	a->data = data;
	devres_add(dev, a);
	return 0;
}

static void devm_kmalloc_release(struct device *dev, void *res)
{
}

void *devm_kzalloc(struct device *dev, size_t size)
{
	void *p = devres_alloc(devm_kmalloc_release, size);
	if (p)
		devres_add(dev, p);
	return p;
}
