// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's invariants (invariants.h). The checker reads kernel state
 * here as a debugger would; it never changes it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check/invariants.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"

struct report {
	char *buf;
	size_t size, len;
	int broken;
};

static void __printf(2, 3) broken(struct report *r, const char *fmt, ...)
{
	va_list ap;

	r->broken++;
	if (!r->buf || r->len + 1 >= r->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(r->buf + r->len, r->size - r->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->len += (size_t)n;
	if (r->len + 1 < r->size)
		r->buf[r->len++] = '\n';
	if (r->len >= r->size)
		r->len = r->size - 1;
	r->buf[r->len] = '\0';
}

/* A member bound to a driver that uses the DMA API counts on the group's use count. */
static bool kernel_dma_user(const struct device *dev)
{
	return dev->driver && !dev->driver->driver_managed_dma;
}

static void check_group(struct report *r, struct iommu_group *g)
{
	struct group_device *gd;
	unsigned members = 0, users = 0;

	for_each_group_device(g, gd) {
		members++;
		if (gd->dev->iommu_group != g)
			broken(r, "invariant: group %d lists %s, whose iommu_group is %d", g->id,
			       dev_name(gd->dev), gd->dev->iommu_group ? gd->dev->iommu_group->id : -1);
		if (kernel_dma_user(gd->dev))
			users++;
	}
	if (g->refcount < (int)members || g->refcount > (int)members + 1)
		broken(r, "invariant: group %d holds %d reference(s) for %u member(s)", g->id,
		       g->refcount, members);
	if (g->owner && users)
		broken(r, "invariant: group %d is owned by a user while %u kernel driver(s) use its DMA API",
		       g->id, users);
	if (!g->owner && g->owner_cnt != users)
		broken(r, "invariant: group %d use count %u, but %u member(s) bound to DMA-using drivers",
		       g->id, g->owner_cnt, users);
	if (!members && (g->owner || g->owner_cnt))
		broken(r, "invariant: group %d has no members but is in use", g->id);
}

/*
 * The name of what the device directory's link @name points at (the
 * driver's directory, the group's number), read from the sysfs tree
 * itself rather than through a path: this runs after every explored
 * operation.
 */
static const char *link_leaf(struct device *dev, const char *name)
{
	if (!dev->kobj)
		return NULL;
	return sysfs_node_name(sysfs_link_target(sysfs_get_child(dev->kobj, name)));
}

struct dev_walk {
	struct report *r;
};

static bool shares_id(const struct iommu_fwspec *a, const struct iommu_fwspec *b)
{
	if (!a || !b || a->iommu_fwnode != b->iommu_fwnode || a->ops != b->ops || !a->ops)
		return false;
	for (unsigned i = 0; i < a->num_ids; i++)
		for (unsigned j = 0; j < b->num_ids; j++)
			if (a->ids[i] == b->ids[j])
				return true;
	return false;
}

/* Firmware: a member of @g sharing a stream ID with a device in another group. */
static int check_firmware(struct device *dev, void *data)
{
	struct device *other = data;

	if (dev == other || !dev->iommu_group || !other->iommu_group ||
	    dev->iommu_group == other->iommu_group || !dev->iommu || !other->iommu)
		return 0;
	return shares_id(dev->iommu->fwspec, other->iommu->fwspec);
}

static int check_device(struct device *dev, void *data)
{
	struct dev_walk *w = data;
	char id[16];
	const char *leaf;

	if (!dev->registered || dev->dead)
		return 0;
	leaf = link_leaf(dev, "driver");
	if (!dev->driver != !leaf || (leaf && strcmp(leaf, dev->driver->name)))
		broken(w->r, "invariant: %s: driver core says %s, sysfs driver link says %s",
		       dev_name(dev), dev->driver ? dev->driver->name : "(none)", leaf ? leaf : "(none)");
	leaf = link_leaf(dev, "iommu_group");
	snprintf(id, sizeof(id), "%d", dev->iommu_group ? dev->iommu_group->id : -1);
	if (!dev->iommu_group != !leaf || (leaf && strcmp(leaf, id)))
		broken(w->r, "invariant: %s: in group %s, sysfs iommu_group link says %s",
		       dev_name(dev), dev->iommu_group ? id : "(none)", leaf ? leaf : "(none)");
	/* A binding made while driver_override named another driver (set before it bound). */
	if (dev->driver && dev->bound_against_override)
		broken(w->r, "invariant: %s bound to %s although its driver_override named %s before it bound",
		       dev_name(dev), dev->driver->name,
		       dev->driver_override ? dev->driver_override : "another driver");
	if (dev->iommu_group && dev->iommu && dev->bus &&
	    bus_for_each_dev(dev->bus, NULL, dev, check_firmware))
		broken(w->r, "invariant: %s shares a stream ID with a device outside group %d",
		       dev_name(dev), dev->iommu_group->id);
	return 0;
}

int invariants_check(char *buf, size_t size)
{
	struct report r = { buf, size, 0, 0 };
	struct bus_type *buses[] = { &platform_bus_type, &amba_bustype, &pci_bus_type };
	struct iommu_group *g;

	if (buf && size)
		buf[0] = '\0';
	if (!kstate)
		return 0;
	list_for_each_entry(g, &kstate->iommu_group.groups, entry)
		check_group(&r, g);
	for (size_t i = 0; i < ARRAY_SIZE(buses); i++) {
		struct dev_walk w = { &r };
		bus_for_each_dev(buses[i], NULL, &w, check_device);
	}
	return r.broken;
}
