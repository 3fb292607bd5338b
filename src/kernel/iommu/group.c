// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups: ids (lowest free, reused after release), references, the
 * member list, and /sys/kernel/iommu_groups/<id>/{devices/, type,
 * reserved_regions}.
 *
 * References: iommu_group_alloc() hands one to its caller; each member
 * device holds one (taken from the device_group op's result); the last
 * put removes the directory, frees the id and the group.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/iommu/observer.h"
#include "kernel/kernel_state.h"

/* The state (struct iommu_group_state, iommu-priv.h) lives in kstate->iommu_group. */
void iommu_group_state_init(struct iommu_group_state *gs)
{
	INIT_LIST_HEAD(&gs->groups);
}

/* ---- ids ------------------------------------------------------------- */

static int ida_alloc_lowest(void)
{
	struct iommu_group_state *gs = &kstate->iommu_group;

	for (int i = 0; i < gs->id_cap; i++)
		if (!gs->id_used[i]) {
			gs->id_used[i] = 1;
			return i;
		}
	int cap = gs->id_cap ? gs->id_cap * 2 : 64;
	u8 *n = krealloc(gs->id_used, (size_t)cap);
	if (!n)
		return -ENOMEM;
	memset(n + gs->id_cap, 0, (size_t)(cap - gs->id_cap));
	gs->id_used = n;
	int id = gs->id_cap;
	gs->id_cap = cap;
	gs->id_used[id] = 1;
	return id;
}

static void ida_free_id(int id)
{
	struct iommu_group_state *gs = &kstate->iommu_group;

	if (id >= 0 && id < gs->id_cap)
		gs->id_used[id] = 0;
}

/* ---- sysfs attributes ------------------------------------------------- */

static ssize_t type_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct iommu_group *group = owner;
	const char *name = "unknown";

	if (group->default_domain)
		name = iommu_domain_type_name(group->default_domain->type);
	return snprintf(buf, PAGE_SIZE, "%s\n", name);
}

/* sysfs_streq: equal, ignoring one trailing newline on either side. */
static bool streq_nl(const char *buf, size_t len, const char *s)
{
	size_t l = strlen(s);

	if (len && buf[len - 1] == '\n')
		len--;
	return len == l && !memcmp(buf, s, l);
}

static ssize_t type_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			  size_t len)
{
	struct iommu_group *group = owner;
	unsigned req;
	int ret;

	if (!group->default_domain)
		return -EINVAL;
	if (streq_nl(buf, len, "identity"))
		req = IOMMU_DOMAIN_IDENTITY;
	else if (streq_nl(buf, len, "DMA"))
		req = IOMMU_DOMAIN_DMA;
	else if (streq_nl(buf, len, "DMA-FQ"))
		req = IOMMU_DOMAIN_DMA_FQ;
	else if (streq_nl(buf, len, "auto"))
		req = 0;
	else
		return -EINVAL;

	/* A flush queue can be added to a live DMA domain without replacing it. */
	if (req == IOMMU_DOMAIN_DMA_FQ && group->default_domain->type == IOMMU_DOMAIN_DMA) {
		ret = iommu_dma_init_fq_domain(group->default_domain);
		if (ret)
			return ret;
		if (group->domain == group->default_domain)
			kobserve_group_domain(group->id, group->domain->id, group->domain->type);
		return (ssize_t)len;
	}
	/* Anything else replaces the domain: only with no driver using the group. */
	if (list_empty(&group->devices) || group->owner_cnt)
		return -EPERM;
	ret = iommu_setup_default_domain(group, req);
	if (ret)
		return ret;
	return (ssize_t)len;
}

static const char *const resv_type_names[] = {
	[IOMMU_RESV_DIRECT] = "direct",
	[IOMMU_RESV_DIRECT_RELAXABLE] = "direct-relaxable",
	[IOMMU_RESV_RESERVED] = "reserved",
	[IOMMU_RESV_MSI] = "msi",
	[IOMMU_RESV_SW_MSI] = "msi",
};

static ssize_t resv_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	struct iommu_group *group = owner;
	struct iommu_resv_region *r, *n;
	LIST_HEAD(regions);
	size_t off = 0;

	iommu_get_group_resv_regions(group, &regions);
	list_for_each_entry_safe(r, n, &regions, list) {
		if (off < PAGE_SIZE)
			off += (size_t)snprintf(buf + off, PAGE_SIZE - off,
						"0x%016llx 0x%016llx %s\n",
						(unsigned long long)r->start,
						(unsigned long long)(r->start + r->length - 1),
						resv_type_names[r->type]);
		kfree(r);
	}
	return (ssize_t)(off < PAGE_SIZE ? off : PAGE_SIZE - 1);
}

static const struct sysfs_attr group_attr_type = {
	.name = "type", .mode = 0644, .show = type_show, .store = type_store,
};
static const struct sysfs_attr group_attr_resv = {
	.name = "reserved_regions", .mode = 0444, .show = resv_show,
};

int iommu_group_sysfs_init(void)
{
	struct sysfs_node *kernel;
	int ret;

	if (kstate->iommu_group.groups_kset)
		return 0;
	kernel = sysfs_get_child(sysfs_root(), "kernel");
	if (!kernel) {
		ret = sysfs_create_dir(sysfs_root(), "kernel", &kernel);
		if (ret)
			return ret;
	}
	kstate->iommu_group.groups_kset = sysfs_get_child(kernel, "iommu_groups");
	if (!kstate->iommu_group.groups_kset)
		return sysfs_create_dir(kernel, "iommu_groups", &kstate->iommu_group.groups_kset);
	return 0;
}

/* ---- allocation and references ---------------------------------------- */

struct iommu_group *iommu_group_alloc(void)
{
	struct iommu_group *group;
	char name[16];

	if (!kstate->iommu_group.groups_kset && iommu_group_sysfs_init())
		return NULL;
	group = kzalloc(sizeof(*group));
	if (!group)
		return NULL;
	group->id = ida_alloc_lowest();
	if (group->id < 0)
		goto free;
	group->refcount = 1;
	INIT_LIST_HEAD(&group->devices);
	snprintf(name, sizeof(name), "%d", group->id);
	if (sysfs_create_dir(kstate->iommu_group.groups_kset, name, &group->dir))
		goto free_id;
	if (sysfs_create_dir(group->dir, "devices", &group->devices_dir) ||
	    sysfs_create_file(group->dir, &group_attr_resv, group, NULL) ||
	    sysfs_create_file(group->dir, &group_attr_type, group, NULL))
		goto remove;
	list_add_tail(&group->entry, &kstate->iommu_group.groups);
	return group;

remove:
	sysfs_remove(group->dir);
free_id:
	ida_free_id(group->id);
free:
	kfree(group);
	return NULL;
}

struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	if (group)
		group->refcount++;
	return group;
}

static void iommu_group_release(struct iommu_group *group)
{
	if (group->iommu_data_release)
		group->iommu_data_release(group->iommu_data);
	/* Domains went with the last device (iommu_release_device). */
	if (kstate->iommu_group.groups_kset)
		sysfs_remove(group->dir);
	list_del(&group->entry);
	ida_free_id(group->id);
	kfree(group);
}

void iommu_group_put(struct iommu_group *group)
{
	/*
	 * Not below zero with members left: a reference dropped once too
	 * often (lab.bug=group-ref) is the invariant checker's to report,
	 * not a use-after-free of the lab; the last member's put frees it.
	 */
	if (group && --group->refcount <= 0 && list_empty(&group->devices))
		iommu_group_release(group);
}

struct iommu_group *iommu_group_get(struct device *dev)
{
	return iommu_group_ref_get(dev->iommu_group);
}

int iommu_group_id(const struct iommu_group *group)
{
	return group->id;
}

struct iommu_group *iommu_group_get_by_id(int id)
{
	struct iommu_group *g;

	if (!kstate)
		return NULL;
	list_for_each_entry(g, &kstate->iommu_group.groups, entry)
		if (g->id == id)
			return iommu_group_ref_get(g);
	return NULL;
}

/*
 * A group whose default domain cannot be set up must not keep members
 * that look translated but have no domain: they leave the IOMMU (their DMA
 * API then fails rather than silently going direct).
 */
void iommu_groups_setup_pending(void)
{
	struct iommu_group *g, *n;

	list_for_each_entry_safe(g, n, &kstate->iommu_group.groups, entry) {
		if (g->default_domain || list_empty(&g->devices))
			continue;
		int ret = iommu_setup_default_domain(g, 0);
		if (!ret)
			continue;
		pr_warn("iommu: group %d: no default domain (%d), releasing its devices", g->id, ret);
		iommu_group_ref_get(g);
		while (!list_empty(&g->devices))
			iommu_release_device(list_first_entry(&g->devices, struct group_device,
							      list)->dev);
		n = list_entry(g->entry.next, struct iommu_group, entry);
		iommu_group_put(g);
	}
}

int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data))
{
	struct group_device *gd;
	int ret;

	for_each_group_device(group, gd) {
		ret = fn(gd->dev, data);
		if (ret)
			return ret;
	}
	return 0;
}

unsigned iommu_group_device_count(struct iommu_group *group)
{
	return (unsigned)list_count(&group->devices);
}

void *iommu_group_get_iommudata(struct iommu_group *group)
{
	return group->iommu_data;
}

void iommu_group_set_iommudata(struct iommu_group *group, void *data,
			       void (*release)(void *data))
{
	group->iommu_data = data;
	group->iommu_data_release = release;
}

int generic_device_group(struct device *dev, struct iommu_group **out)
{
	*out = iommu_group_alloc();
	return *out ? 0 : -ENOMEM;
}

/* One group shared by every device of one IOMMU instance, kept in its first member. */
int generic_single_device_group(struct device *dev, struct iommu_group **out)
{
	struct dev_iommu *param = dev->iommu;
	struct iommu_group *g;

	if (!param || !param->iommu_dev)
		return -EINVAL;
	list_for_each_entry(g, &kstate->iommu_group.groups, entry) {
		struct group_device *gd;
		for_each_group_device(g, gd) {
			struct dev_iommu *p = gd->dev->iommu;
			if (p && p->iommu_dev == param->iommu_dev) {
				*out = iommu_group_ref_get(g);
				return 0;
			}
		}
	}
	return generic_device_group(dev, out);
}

/* ---- membership -------------------------------------------------------- */

/*
 * Links <dev>/iommu_group -> group and <group>/devices/<name> -> dev (name
 * clashes retry as "<name>.<N>", as Linux does) and appends the member.
 */
int iommu_group_add_device_entry(struct iommu_group *group, struct device *dev)
{
	struct group_device *gd = kzalloc(sizeof(*gd));
	int ret;

	if (!gd)
		return -ENOMEM;
	gd->dev = dev;
	gd->name = kstrdup(dev_name(dev));
	if (!gd->name) {
		ret = -ENOMEM;
		goto free;
	}
	if (dev->kobj) {
		ret = sysfs_create_link(dev->kobj, "iommu_group", group->dir);
		if (ret)
			goto free_name;
		for (int i = 1;; i++) {
			ret = sysfs_create_link(group->devices_dir, gd->name, dev->kobj);
			if (ret != -EEXIST || i > 1000)
				break;
			char *n = kasprintf("%s.%d", dev_name(dev), i);
			if (!n) {
				ret = -ENOMEM;
				break;
			}
			kfree(gd->name);
			gd->name = n;
		}
		if (ret) {
			sysfs_remove_name(dev->kobj, "iommu_group");
			goto free_name;
		}
	}
	list_add_tail(&gd->list, &group->devices);
	dev_info(dev, "Adding to iommu group %d", group->id);
	return 0;

free_name:
	kfree(gd->name);
free:
	kfree(gd);
	return ret;
}

void iommu_group_remove_device_entry(struct iommu_group *group, struct device *dev)
{
	struct group_device *gd, *n;

	list_for_each_entry_safe(gd, n, &group->devices, list) {
		if (gd->dev != dev)
			continue;
		if (kstate->iommu_group.groups_kset && dev->kobj) {
			sysfs_remove_name(group->devices_dir, gd->name);
			sysfs_remove_name(dev->kobj, "iommu_group");
		}
		list_del(&gd->list);
		kfree(gd->name);
		kfree(gd);
		dev_info(dev, "Removing from iommu group %d", group->id);
		return;
	}
}

/* Kernel shutdown: sysfs is going away wholesale; forget ids and groups. */
void iommu_groups_forget_all(void)
{
	struct iommu_group *g, *n;

	list_for_each_entry_safe(g, n, &kstate->iommu_group.groups, entry) {
		struct group_device *gd, *gn;
		list_for_each_entry_safe(gd, gn, &g->devices, list) {
			kfree(gd->name);
			kfree(gd);
		}
		list_del(&g->entry);
		kfree(g);
	}
	kfree(kstate->iommu_group.id_used);
	kstate->iommu_group.id_used = NULL;
	kstate->iommu_group.id_cap = 0;
	kstate->iommu_group.groups_kset = NULL;
}
