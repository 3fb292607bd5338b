// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU core: policy, instances, device probe/release, domains, the
 * default domain of each group, attach/detach, map/unmap and DMA
 * ownership. Groups and their sysfs files are in group.c, reserved
 * regions in resv.c, /sys/class/iommu in iommu-sysfs.c, the DMA API's
 * IOVA side in dma-iommu.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/strtobool.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/iommu/observer.h"
#include "kernel/kernel_state.h"

/* ---- policy ---------------------------------------------------------------- */

void iommu_core_state_init(struct iommu_core_state *is)
{
	is->def_domain_type = IOMMU_DOMAIN_DMA;
	is->dma_strict = true;
	is->next_domain_id = 1;
	INIT_LIST_HEAD(&is->iommu_device_list);
}

/* The buses whose devices can sit behind an IOMMU. */
static const char *const iommu_bus_names[] = { "platform", "amba", "pci" };

/* early_param("iommu.passthrough"): iommu_set_def_domain_type. */
static int iommu_set_def_domain_type(const char *str)
{
	bool pt;
	int ret = kstrtobool(str, &pt);

	if (ret)
		return ret;
	kstate->iommu.def_domain_type = pt ? IOMMU_DOMAIN_IDENTITY : IOMMU_DOMAIN_DMA;
	kstate->iommu.passthrough_from_cmdline = true;
	return 0;
}

/* early_param("iommu.strict"): a bad value leaves the policy as it was. */
static int iommu_dma_setup(const char *str)
{
	int ret = kstrtobool(str, &kstate->iommu.dma_strict);

	if (!ret)
		kstate->iommu.strict_from_cmdline = true;
	return ret;
}

/* Bus notifier: devices join their IOMMU when added, leave when removed. */
static int iommu_bus_notifier(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;

	(void)nb;
	if (action == BUS_NOTIFY_ADD_DEVICE)
		iommu_probe_device(dev);
	else if (action == BUS_NOTIFY_REMOVED_DEVICE)
		iommu_release_device(dev);
	return 0;
}

int iommu_bus_init(struct bus_type *bus)
{
	struct iommu_core_state *is = &kstate->iommu;

	for (int i = 0; i < MAX_IOMMU_BUSES; i++) {
		if (is->nb_buses[i] == bus)
			return 0;
		if (!is->nb_buses[i]) {
			is->bus_nbs[i].notifier_call = iommu_bus_notifier;
			INIT_LIST_HEAD(&is->bus_nbs[i].link);
			int ret = bus_register_notifier(bus, &is->bus_nbs[i]);
			if (!ret)
				is->nb_buses[i] = bus;
			return ret;
		}
	}
	return -ENOSPC;
}

void iommu_subsys_init(void)
{
	struct iommu_core_state *is = &kstate->iommu;

	/* The defaults of a fresh boot, then the command line's early params. */
	is->def_domain_type = IOMMU_DOMAIN_DMA;
	is->dma_strict = true;
	is->passthrough_from_cmdline = is->strict_from_cmdline = false;
	parse_early_param("iommu.passthrough", iommu_set_def_domain_type);
	parse_early_param("iommu.strict", iommu_dma_setup);
	if (is->def_domain_type == IOMMU_DOMAIN_DMA && !is->dma_strict)
		is->def_domain_type = IOMMU_DOMAIN_DMA_FQ;

	pr_info("iommu: Default domain type: %s%s",
		is->def_domain_type == IOMMU_DOMAIN_IDENTITY ? "Passthrough" : "Translated",
		is->passthrough_from_cmdline ? " (set via kernel command line)" : "");
	if (is->def_domain_type != IOMMU_DOMAIN_IDENTITY)
		pr_info("iommu: DMA domain TLB invalidation policy: %s mode%s",
			is->dma_strict ? "strict" : "lazy",
			is->strict_from_cmdline ? " (set via kernel command line)" : "");
	iommu_group_sysfs_init();
	iommu_install_dma_configure();
	for (size_t i = 0; i < ARRAY_SIZE(iommu_bus_names); i++) {
		struct bus_type *bus = bus_find(iommu_bus_names[i]);
		if (bus)
			iommu_bus_init(bus);
	}
}

void iommu_subsys_exit(void)
{
	struct iommu_core_state *is = &kstate->iommu;

	for (int i = 0; i < MAX_IOMMU_BUSES; i++) {
		if (is->nb_buses[i] && bus_find(is->nb_buses[i]->name) == is->nb_buses[i])
			bus_unregister_notifier(is->nb_buses[i], &is->bus_nbs[i]);
		is->nb_buses[i] = NULL;
	}
	iommu_groups_forget_all();
	iommu_class_forget();
	INIT_LIST_HEAD(&is->iommu_device_list);
	for (size_t i = 0; i < ARRAY_SIZE(is->static_domains); i++) {
		if (is->static_domains[i])
			is->static_domains[i]->id = 0;
		is->static_domains[i] = NULL;
	}
	is->next_domain_id = 1;
}

static int release_any(struct device *dev, void *data)
{
	(void)data;
	if (dev->iommu || dev->iommu_group)
		iommu_release_device(dev);
	return 0;
}

int iommu_init(void)
{
	iommu_subsys_init();
	return 0;
}

/* Devices may outlive the core at shutdown: release them all first. */
void iommu_exit(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(iommu_bus_names); i++) {
		struct bus_type *bus = bus_find(iommu_bus_names[i]);
		if (bus)
			bus_for_each_dev(bus, NULL, NULL, release_any);
	}
	iommu_subsys_exit();
}

unsigned iommu_default_domain_type(void)
{
	return kstate ? kstate->iommu.def_domain_type : IOMMU_DOMAIN_DMA;
}

bool iommu_dma_strict(void)
{
	return kstate ? kstate->iommu.dma_strict : true;
}

const char *iommu_domain_type_name(unsigned type)
{
	switch (type) {
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	default:
		return "unknown";
	}
}

/* ---- per-device data and fwspec ------------------------------------------- */

struct dev_iommu *dev_iommu_get(struct device *dev)
{
	if (!dev->iommu)
		dev->iommu = kzalloc(sizeof(struct dev_iommu));
	return dev->iommu;
}

static void dev_iommu_free(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	if (!param)
		return;
	if (param->module_held && param->iommu_dev && param->iommu_dev->ops)
		module_put(param->iommu_dev->ops->owner);
	if (param->fwspec) {
		kfree(param->fwspec->ids);
		kfree(param->fwspec);
	}
	kfree(param);
	dev->iommu = NULL;
}

struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev)
{
	return dev->iommu ? dev->iommu->fwspec : NULL;
}

void *dev_iommu_priv_get(struct device *dev)
{
	return dev->iommu ? dev->iommu->priv : NULL;
}

void dev_iommu_priv_set(struct device *dev, void *priv)
{
	struct dev_iommu *param = dev_iommu_get(dev);

	if (param)
		param->priv = priv;
}

int iommu_fwspec_init(struct device *dev, int iommu_fwnode, const struct iommu_ops *ops)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);
	struct dev_iommu *param;

	if (fw) {
		if (fw->iommu_fwnode != iommu_fwnode)
			return -EINVAL;
		if (fw->ops && ops && fw->ops != ops)
			return -EINVAL;
		if (!fw->ops)
			fw->ops = ops;
		return 0;
	}
	param = dev_iommu_get(dev);
	if (!param)
		return -ENOMEM;
	fw = kzalloc(sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->ops = ops;
	fw->iommu_fwnode = iommu_fwnode;
	param->fwspec = fw;
	return 0;
}

int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	if (!fw || num_ids < 0)
		return -EINVAL;
	if (!num_ids)
		return 0;
	u32 *n = krealloc(fw->ids, (fw->num_ids + (unsigned)num_ids) * sizeof(u32));
	if (!n)
		return -ENOMEM;
	memcpy(n + fw->num_ids, ids, (size_t)num_ids * sizeof(u32));
	fw->ids = n;
	fw->num_ids += (unsigned)num_ids;
	return 0;
}

void iommu_fwspec_free(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	if (param && param->fwspec) {
		kfree(param->fwspec->ids);
		kfree(param->fwspec);
		param->fwspec = NULL;
	}
}

/* ---- instances ------------------------------------------------------------- */

const struct iommu_ops *iommu_ops_from_fwnode(int fwnode)
{
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &kstate->iommu.iommu_device_list, list)
		if (iommu->fwnode == fwnode)
			return iommu->ops;
	return NULL;
}


static int probe_one(struct device *dev, void *data)
{
	(void)data;
	int ret = iommu_probe_device(dev);
	/* -ENODEV: not behind any registered IOMMU; not an error for the walk. */
	(void)ret;
	return 0;
}

int iommu_device_register(struct iommu_device *iommu, const struct iommu_ops *ops,
			  struct device *hwdev)
{
	if (!iommu || !ops)
		return -EINVAL;
	/* A module's ops must say so, or the core could not pin the module. */
	if (hwdev && hwdev->driver && driver_owner(hwdev->driver) && !ops->owner)
		return -EINVAL;
	iommu->ops = ops;
	iommu->hwdev = hwdev;
	iommu->fwnode = hwdev ? iommu_dev_fdt_node(hwdev) : IOMMU_FWNODE_NONE;
	list_add_tail(&iommu->list, &kstate->iommu.iommu_device_list);

	/*
	 * Probe every device now: each joins its group, and the new groups get
	 * their default domains once every device has been seen, so that the
	 * group-wide type decision sees all members.
	 */
	kstate->iommu.bus_probing = true;
	for (size_t i = 0; i < ARRAY_SIZE(iommu_bus_names); i++) {
		struct bus_type *bus = bus_find(iommu_bus_names[i]);
		if (bus)
			bus_for_each_dev(bus, NULL, NULL, probe_one);
	}
	kstate->iommu.bus_probing = false;
	iommu_groups_setup_pending();
	return 0;
}

static int release_if_ours(struct device *dev, void *data)
{
	if (dev->iommu && dev->iommu->iommu_dev == data)
		iommu_release_device(dev);
	return 0;
}

void iommu_device_unregister(struct iommu_device *iommu)
{
	for (size_t i = 0; i < ARRAY_SIZE(iommu_bus_names); i++) {
		struct bus_type *bus = bus_find(iommu_bus_names[i]);
		if (bus)
			bus_for_each_dev(bus, NULL, iommu, release_if_ours);
	}
	list_del_init(&iommu->list);
}

/* ---- domains ----------------------------------------------------------------- */

void iommu_domain_assign_id(struct iommu_domain *domain)
{
	if (!domain->id)
		domain->id = kstate->iommu.next_domain_id++;
}

static const struct iommu_ops *dev_iommu_ops(struct device *dev)
{
	struct dev_iommu *param = dev->iommu;

	if (param && param->iommu_dev)
		return param->iommu_dev->ops;
	if (param && param->fwspec)
		return param->fwspec->ops;
	return NULL;
}

static void note_static_domain(struct iommu_domain *d)
{
	struct iommu_domain **sd = kstate->iommu.static_domains;

	for (size_t i = 0; i < MAX_STATIC_DOMAINS; i++) {
		if (sd[i] == d)
			return;
		if (!sd[i]) {
			sd[i] = d;
			return;
		}
	}
}

static bool is_static_domain(const struct iommu_ops *ops, struct iommu_domain *d)
{
	return ops && (d == ops->identity_domain || d == ops->blocked_domain);
}

static struct iommu_domain *__iommu_domain_alloc(const struct iommu_ops *ops,
						 struct device *dev, unsigned type)
{
	struct iommu_domain *d;

	if (type == IOMMU_DOMAIN_IDENTITY && ops->identity_domain) {
		d = ops->identity_domain;
		d->owner = ops;
		iommu_domain_assign_id(d);
		note_static_domain(d);
		return d;
	}
	if (type == IOMMU_DOMAIN_BLOCKED && ops->blocked_domain) {
		d = ops->blocked_domain;
		d->owner = ops;
		iommu_domain_assign_id(d);
		note_static_domain(d);
		return d;
	}
	if (!(type & __IOMMU_DOMAIN_PAGING) || !ops->domain_alloc_paging)
		return NULL;
	d = ops->domain_alloc_paging(dev);
	if (!d)
		return NULL;
	d->type = type;
	d->owner = ops;
	d->id = 0;
	if (!d->pgsize_bitmap)
		d->pgsize_bitmap = ops->pgsize_bitmap;
	if (!d->ops)
		d->ops = ops->default_domain_ops;
	if (type & __IOMMU_DOMAIN_DMA_API) {
		if (iommu_get_dma_cookie(d)) {
			if (d->ops && d->ops->free)
				d->ops->free(d);
			return NULL;
		}
	}
	iommu_domain_assign_id(d);
	return d;
}

struct iommu_domain *iommu_paging_domain_alloc(struct device *dev)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	if (!ops || !dev->iommu_group)
		return NULL;
	return __iommu_domain_alloc(ops, dev, IOMMU_DOMAIN_UNMANAGED);
}

void iommu_domain_free(struct iommu_domain *domain)
{
	if (!domain || is_static_domain(domain->owner, domain))
		return;
	iommu_put_dma_cookie(domain);
	if (domain->id)
		kobserve_domain_free(domain->id);
	if (domain->ops && domain->ops->free)
		domain->ops->free(domain);
}

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	return dev->iommu_group ? dev->iommu_group->domain : NULL;
}

struct iommu_domain *iommu_group_default_domain(struct iommu_group *group)
{
	return group->default_domain;
}

/* ---- attach ------------------------------------------------------------------ */

static int __iommu_device_set_domain(struct iommu_group *group, struct device *dev,
				     struct iommu_domain *new)
{
	/* Firmware asked for a 1:1 mapping: never block this device. */
	if (dev->iommu && dev->iommu->require_direct &&
	    (new->type == IOMMU_DOMAIN_BLOCKED || new == group->blocking_domain)) {
		dev_warn(dev, "Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.");
		return -EINVAL;
	}
	if (!new->ops || !new->ops->attach_dev)
		return -ENODEV;
	return new->ops->attach_dev(new, dev);
}

static void group_domain_changed(struct iommu_group *group)
{
	struct group_device *gd;

	if (group->domain) {
		kobserve_group_domain(group->id, group->domain->id, group->domain->type);
		if (iommu_is_dma_domain(group->domain))
			for_each_group_device(group, gd)
				iommu_dma_device_joined(group->domain, gd->dev);
	} else {
		kobserve_group_domain(group->id, 0, 0);
	}
}

/*
 * Switches every device of @group to @new; on the first failure the
 * devices already switched go back to the old domain and the error is
 * returned, so the group is never left split.
 */
int __iommu_group_set_domain(struct iommu_group *group, struct iommu_domain *new)
{
	struct group_device *gd, *last;
	int ret = 0;

	if (group->domain == new)
		return 0;
	if (!new)
		return -EINVAL;
	for_each_group_device(group, gd) {
		ret = __iommu_device_set_domain(group, gd->dev, new);
		if (ret) {
			last = gd;
			goto rollback;
		}
	}
	group->domain = new;
	group_domain_changed(group);
	return 0;

rollback:
	for_each_group_device(group, gd) {
		if (gd == last)
			break;
		if (group->domain)
			group->domain->ops->attach_dev(group->domain, gd->dev);
	}
	return ret;
}

/*
 * The first attach of a group (no current domain) must succeed: a device
 * that refuses falls back to the blocked domain if the driver has one.
 * Returns the first refusal, so that a first default-domain setup can fail
 * as Linux's does (its caller then releases the devices).
 */
static int __iommu_group_set_domain_nofail(struct iommu_group *group,
					   struct iommu_domain *new)
{
	struct group_device *gd;
	int ret, first = 0;

	for_each_group_device(group, gd) {
		ret = __iommu_device_set_domain(group, gd->dev, new);
		if (ret) {
			const struct iommu_ops *ops = dev_iommu_ops(gd->dev);
			dev_warn(gd->dev, "iommu: failed to attach the default domain");
			if (ops && ops->blocked_domain && ops->blocked_domain->ops)
				ops->blocked_domain->ops->attach_dev(ops->blocked_domain, gd->dev);
			if (!first)
				first = ret;
		}
	}
	group->domain = new;
	group_domain_changed(group);
	return first;
}

int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	struct group_device *gd;

	if (!domain || !group)
		return -EINVAL;
	if (group->domain && group->domain != group->default_domain &&
	    group->domain != group->blocking_domain)
		return -EBUSY;
	for_each_group_device(group, gd)
		if (dev_iommu_ops(gd->dev) != domain->owner)
			return -EINVAL;
	return __iommu_group_set_domain(group, domain);
}

void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	struct iommu_domain *core = group->owner ? group->blocking_domain : group->default_domain;

	(void)domain;
	if (core && group->domain != core && __iommu_group_set_domain(group, core))
		__iommu_group_set_domain_nofail(group, core);
}

int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group)
		return -ENODEV;
	if (iommu_group_device_count(group) != 1)
		return -EINVAL;
	return iommu_attach_group(domain, group);
}

void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group || group->domain != domain || iommu_group_device_count(group) != 1)
		return;
	iommu_detach_group(domain, group);
}

int iommu_group_replace_domain(struct iommu_group *group, struct iommu_domain *new)
{
	if (!group || !new)
		return -EINVAL;
	return __iommu_group_set_domain(group, new);
}

/* ---- default domain -------------------------------------------------------- */

/* The type the group should get: 0 < type, or -EINVAL for an impossible @req. */
static int default_domain_type(struct iommu_group *group, unsigned req)
{
	struct group_device *gd;
	unsigned drv_type = 0;

	for_each_group_device(group, gd) {
		const struct iommu_ops *ops = dev_iommu_ops(gd->dev);
		int t = ops && ops->def_domain_type ? ops->def_domain_type(gd->dev) : 0;
		if (t <= 0)
			continue;
		if (drv_type && (unsigned)t != drv_type) {
			dev_warn(gd->dev, "iommu: IOMMU driver error, requesting conflicting def_domain_type, %s and %s, using %s",
				 iommu_domain_type_name(drv_type), iommu_domain_type_name((unsigned)t),
				 iommu_domain_type_name(IOMMU_DOMAIN_IDENTITY));
			drv_type = IOMMU_DOMAIN_IDENTITY;
		} else {
			drv_type = (unsigned)t;
		}
	}
	if (req) {
		if (drv_type && drv_type != req &&
		    !(drv_type == IOMMU_DOMAIN_DMA && req == IOMMU_DOMAIN_DMA_FQ))
			return -EINVAL;
		return (int)req;
	}
	if (drv_type == IOMMU_DOMAIN_DMA && !kstate->iommu.dma_strict)
		drv_type = IOMMU_DOMAIN_DMA_FQ;
	return (int)(drv_type ? drv_type : kstate->iommu.def_domain_type);
}

static struct device *group_first_dev(struct iommu_group *group)
{
	return list_empty(&group->devices) ? NULL :
	       list_first_entry(&group->devices, struct group_device, list)->dev;
}

int iommu_setup_default_domain(struct iommu_group *group, unsigned req)
{
	struct device *dev = group_first_dev(group);
	const struct iommu_ops *ops = dev ? dev_iommu_ops(dev) : NULL;
	struct iommu_domain *old = group->default_domain, *dom;
	struct group_device *gd;
	int type, ret;

	if (!ops)
		return -ENODEV;
	type = default_domain_type(group, req);
	if (type < 0)
		return -EINVAL;
	if (type == IOMMU_DOMAIN_DMA_FQ && ops->capable &&
	    !ops->capable(dev, IOMMU_CAP_DEFERRED_FLUSH))
		type = IOMMU_DOMAIN_DMA;
	if (old && old->type == (unsigned)type)
		return 0;
	dom = __iommu_domain_alloc(ops, dev, (unsigned)type);
	if (!dom && !req && type != IOMMU_DOMAIN_DMA) {
		dev_warn(dev, "iommu: Failed to allocate default IOMMU domain of type %s; falling back to DMA",
			 iommu_domain_type_name((unsigned)type));
		dom = __iommu_domain_alloc(ops, dev, IOMMU_DOMAIN_DMA);
	}
	if (!dom)
		return -ENOMEM;
	if (dom->type == IOMMU_DOMAIN_DMA_FQ && iommu_dma_init_fq_domain(dom))
		dom->type = IOMMU_DOMAIN_DMA;

	/* 1:1 regions exist before any device is switched over. */
	for_each_group_device(group, gd)
		iommu_create_device_direct_mappings(dom, gd->dev);

	group->default_domain = dom;
	if (!group->domain) {
		/*
		 * Linux: drivers may not fail the first attach; if one does
		 * (arm-smmu out of context banks: -ENOSPC) the setup fails and
		 * the devices leave the IOMMU. The domain stays the group's
		 * default so that releasing the last device frees it.
		 */
		ret = __iommu_group_set_domain_nofail(group, dom);
		if (ret)
			return ret;
	} else if (group->domain == old || !group->owner) {
		ret = __iommu_group_set_domain(group, dom);
		if (ret) {
			group->default_domain = old;
			iommu_domain_free(dom);
			return ret;
		}
	}
	/* Mappings that needed the attach (a driver binding its context late). */
	for_each_group_device(group, gd)
		iommu_create_device_direct_mappings(dom, gd->dev);
	if (old && old != dom)
		iommu_domain_free(old);
	return 0;
}

/* ---- device probe / release ----------------------------------------------- */

bool device_iommu_mapped(struct device *dev)
{
	return dev->iommu_group != NULL;
}

static int iommu_init_device(struct device *dev, const struct iommu_ops *ops)
{
	struct dev_iommu *param = dev_iommu_get(dev);
	struct iommu_device *iommu_dev = NULL;
	struct iommu_group *group = NULL;
	int ret;

	if (!param)
		return -ENOMEM;
	if (!ops->probe_device)
		return -ENODEV;
	/* Each master pins the driver's module: rmmod fails while any is probed. */
	if (ops->owner) {
		if (!try_module_get(ops->owner)) {
			ret = -EINVAL;
			goto err_free;
		}
		param->module_held = true;
	}
	ret = ops->probe_device(dev, &iommu_dev);
	if (ret)
		goto err_module;
	if (!iommu_dev) {
		ret = -ENODEV;
		goto err_release;
	}
	param->iommu_dev = iommu_dev;
	ret = iommu_device_link(iommu_dev, dev);
	if (ret) {
		param->iommu_dev = NULL;
		goto err_release;
	}
	ret = ops->device_group ? ops->device_group(dev, &group) : -EINVAL;
	if (!ret && !group)
		ret = -EINVAL;
	if (ret)
		goto err_unlink;
	dev->iommu_group = group;
	return 0;

err_unlink:
	iommu_device_unlink(iommu_dev, dev);
	param->iommu_dev = NULL;
err_release:
	if (ops->release_device)
		ops->release_device(dev);
err_module:
	if (param->module_held)
		module_put(ops->owner);
err_free:
	/* Linux drops the fwspec too; a later of_iommu_configure parses again. */
	dev_iommu_free(dev);
	return ret;
}

int iommu_probe_device(struct device *dev)
{
	struct iommu_fwspec *fw;
	const struct iommu_ops *ops;
	struct iommu_group *group;
	int ret;

	if (dev->iommu_group)
		return 0;
	fw = dev_iommu_fwspec_get(dev);
	/*
	 * Parse the firmware now (current Linux does it from the probe path),
	 * but not for a device whose driver is bound: its dma_configure ran at
	 * its probe and found no IOMMU then, and its driver chose its DMA ops
	 * on that; it joins at its next bind.
	 */
	if ((!fw || !fw->ops) && !dev->driver) {
		ret = of_iommu_configure(dev, false);
		if (ret < 0 && ret != -ENODEV)
			return ret;
		if (dev->iommu_group)  /* of_iommu_configure replayed the probe */
			return 0;
		fw = dev_iommu_fwspec_get(dev);
	}
	ops = fw && fw->ops ? fw->ops : iommu_ops_from_fwnode(IOMMU_FWNODE_NONE);
	if (!ops)
		return -ENODEV;

	ret = iommu_init_device(dev, ops);
	if (ret)
		return ret;
	group = dev->iommu_group;
	ret = iommu_group_add_device_entry(group, dev);
	if (ret)
		goto err_deinit;
	kobserve_device_group(dev_master_id(dev), dev_name(dev), group->id);

	if (group->default_domain)
		iommu_create_device_direct_mappings(group->default_domain, dev);
	if (group->domain) {
		/* Join whatever the group is on now (a VFIO-owned group: blocked). */
		ret = __iommu_device_set_domain(group, dev, group->domain);
		if (ret)
			goto err_remove;
		if (iommu_is_dma_domain(group->domain))
			iommu_dma_device_joined(group->domain, dev);
	} else if (!kstate->iommu.bus_probing) {
		ret = iommu_setup_default_domain(group, 0);
		if (ret)
			goto err_remove;
	}
	if (ops->probe_finalize)
		ops->probe_finalize(dev);
	return 0;

err_remove:
	iommu_group_remove_device_entry(group, dev);
	kobserve_device_group(dev_master_id(dev), dev_name(dev), -1);
err_deinit:
	iommu_device_unlink(dev->iommu->iommu_dev, dev);
	if (ops->release_device)
		ops->release_device(dev);
	dev_iommu_free(dev);
	dev->iommu_group = NULL;
	if (list_empty(&group->devices)) {
		iommu_domain_free(group->default_domain);
		iommu_domain_free(group->blocking_domain);
		group->default_domain = group->blocking_domain = group->domain = NULL;
	}
	iommu_group_put(group);
	return ret;
}

void iommu_release_device(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	if (!group) {
		dev_iommu_free(dev);
		return;
	}
	iommu_group_remove_device_entry(group, dev);
	kobserve_device_group(dev_master_id(dev), dev_name(dev), -1);
	if (dev->iommu && dev->iommu->iommu_dev)
		iommu_device_unlink(dev->iommu->iommu_dev, dev);
	if (ops && ops->release_device)
		ops->release_device(dev);
	if (list_empty(&group->devices)) {
		if (group->owner_cnt || group->domain != group->default_domain)
			pr_warn("iommu: group %d emptied while owned or off its default domain",
				group->id);
		iommu_domain_free(group->default_domain);
		if (group->blocking_domain != group->default_domain)
			iommu_domain_free(group->blocking_domain);
		group->default_domain = group->blocking_domain = group->domain = NULL;
		group->owner_cnt = 0;
		group->owner = NULL;
		kobserve_group_domain(group->id, 0, 0);
	}
	dev_iommu_free(dev);
	dev->iommu_group = NULL;
	iommu_group_put(group);
}

/* ---- map / unmap ----------------------------------------------------------- */

static inline unsigned ffs64(u64 x) { return (unsigned)__builtin_ctzll(x); }
static inline unsigned fls64_(u64 x) { return 63u - (unsigned)__builtin_clzll(x); }

/*
 * The page size to use at @iova/@paddr for @size bytes: the largest
 * supported size both are aligned to and that fits; *count is how many
 * such pages to do in one call, stopping where the next larger size could
 * take over.
 */
static size_t iommu_pgsize(struct iommu_domain *domain, u64 iova, u64 paddr, size_t size,
			   size_t *count)
{
	u64 merged = iova | paddr;
	u64 sizes = domain->pgsize_bitmap & (fls64_(size) == 63 ? ~0ull :
					     (2ull << fls64_(size)) - 1);
	unsigned shift;

	if (merged)
		sizes &= (2ull << ffs64(merged)) - 1;
	if (!sizes) {
		*count = 0;
		return 0;
	}
	shift = fls64_(sizes);
	*count = size >> shift;
	u64 bigger = domain->pgsize_bitmap & ~((2ull << shift) - 1);
	if (shift < 63 && bigger) {
		u64 next = 1ull << ffs64(bigger);
		u64 off = next - (merged & (next - 1));
		if (!((iova ^ paddr) & (next - 1)) && size >= off + next)
			*count = off >> shift;
	}
	return 1ull << shift;
}

static size_t __iommu_unmap(struct iommu_domain *domain, u64 iova, size_t size,
			    struct iommu_iotlb_gather *gather)
{
	size_t unmapped = 0;

	if (!(domain->type & __IOMMU_DOMAIN_PAGING) || !domain->ops ||
	    !domain->ops->unmap_pages || !domain->pgsize_bitmap)
		return 0;
	u64 min = 1ull << ffs64(domain->pgsize_bitmap);
	if ((iova | size) & (min - 1) || !size || iova + size - 1 < iova)
		return 0;
	while (unmapped < size) {
		size_t count, pgsize = iommu_pgsize(domain, iova + unmapped, iova + unmapped,
						    size - unmapped, &count);
		if (!pgsize)
			break;
		size_t done = domain->ops->unmap_pages(domain, iova + unmapped, pgsize, count,
						       gather);
		if (!done)
			break;
		unmapped += done;
	}
	return unmapped;
}

int iommu_map(struct iommu_domain *domain, u64 iova, u64 paddr, size_t size, int prot)
{
	size_t mapped = 0;
	int ret = 0;

	if (!domain || !(domain->type & __IOMMU_DOMAIN_PAGING))
		return -EINVAL;
	if (!domain->ops || !domain->ops->map_pages || !domain->pgsize_bitmap)
		return -ENODEV;
	u64 min = 1ull << ffs64(domain->pgsize_bitmap);
	if ((iova | paddr | size) & (min - 1) || !size) {
		pr_err("iommu: unaligned: iova 0x%llx pa 0x%llx size 0x%zx min_pagesz 0x%llx",
		       (unsigned long long)iova, (unsigned long long)paddr, size,
		       (unsigned long long)min);
		return -EINVAL;
	}
	if (iova + size - 1 < iova || paddr + size - 1 < paddr)
		return -EINVAL;
	while (mapped < size) {
		size_t count, done = 0;
		size_t pgsize = iommu_pgsize(domain, iova + mapped, paddr + mapped, size - mapped,
					     &count);
		if (!pgsize) {
			ret = -EINVAL;
			break;
		}
		ret = domain->ops->map_pages(domain, iova + mapped, paddr + mapped, pgsize, count,
					     prot, &done);
		mapped += done;
		if (ret)
			break;
		if (!done) {
			ret = -EINVAL;
			break;
		}
	}
	if (!ret && domain->ops->iotlb_sync_map)
		ret = domain->ops->iotlb_sync_map(domain, iova, size);
	if (ret) {
		if (mapped)
			iommu_unmap(domain, iova, mapped);
		return ret;
	}
	return 0;
}

size_t iommu_unmap(struct iommu_domain *domain, u64 iova, size_t size)
{
	struct iommu_iotlb_gather gather;
	size_t ret;

	if (!domain)
		return 0;
	iommu_iotlb_gather_init(&gather);
	ret = __iommu_unmap(domain, iova, size, &gather);
	iommu_iotlb_sync(domain, &gather);
	return ret;
}

size_t iommu_unmap_fast(struct iommu_domain *domain, u64 iova, size_t size,
			struct iommu_iotlb_gather *gather)
{
	return domain ? __iommu_unmap(domain, iova, size, gather) : 0;
}

void iommu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather)
{
	if (domain && domain->ops && domain->ops->iotlb_sync)
		domain->ops->iotlb_sync(domain, gather);
	iommu_iotlb_gather_init(gather);
}

void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
	if (domain && domain->ops && domain->ops->flush_iotlb_all)
		domain->ops->flush_iotlb_all(domain);
}

u64 iommu_iova_to_phys(struct iommu_domain *domain, u64 iova)
{
	if (!domain)
		return 0;
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (domain->type == IOMMU_DOMAIN_BLOCKED || !domain->ops || !domain->ops->iova_to_phys)
		return 0;
	return domain->ops->iova_to_phys(domain, iova);
}

void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
			     void *token)
{
	if (!domain)
		return;
	domain->handler = handler;
	domain->handler_token = token;
}

int report_iommu_fault(struct iommu_domain *domain, struct device *dev, u64 iova, int flags)
{
	if (!domain || !domain->handler)
		return -ENOSYS;
	return domain->handler(domain, dev, iova, flags, domain->handler_token);
}

/* ---- DMA ownership ----------------------------------------------------------- */

int iommu_device_use_default_domain(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group)
		return 0;
	if (group->owner_cnt && (group->owner || group->domain != group->default_domain))
		return -EBUSY;
	group->owner_cnt++;
	return 0;
}

void iommu_device_unuse_default_domain(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group)
		return;
	if (!group->owner_cnt) {
		dev_warn(dev, "iommu: unbalanced unuse of the default domain");
		return;
	}
	group->owner_cnt--;
	/* lab.bug=sme-freed-on-unbind: 2016, arm64's teardown detached the device; arm-smmu freed its SMEs. */
	if (lab_bug(LAB_BUG_SME_FREED_ON_UNBIND) && dev_iommu_ops(dev) && dev_iommu_ops(dev)->release_device)
		dev_iommu_ops(dev)->release_device(dev);
}

/* The group's blocking domain: the driver's blocked one, or an empty paging domain. */
static int group_alloc_blocking_domain(struct iommu_group *group)
{
	struct device *dev = group_first_dev(group);
	const struct iommu_ops *ops = dev ? dev_iommu_ops(dev) : NULL;

	if (group->blocking_domain)
		return 0;
	if (!ops)
		return -ENODEV;
	group->blocking_domain = __iommu_domain_alloc(ops, dev, IOMMU_DOMAIN_BLOCKED);
	if (!group->blocking_domain)
		group->blocking_domain = __iommu_domain_alloc(ops, dev, IOMMU_DOMAIN_UNMANAGED);
	return group->blocking_domain ? 0 : -ENOMEM;
}

static int __iommu_take_dma_ownership(struct iommu_group *group, void *owner)
{
	int ret;

	if (group->domain != group->default_domain)
		return -EBUSY;
	ret = group_alloc_blocking_domain(group);
	if (ret)
		return ret;
	ret = __iommu_group_set_domain(group, group->blocking_domain);
	if (ret)
		return ret;
	group->owner = owner;
	group->owner_cnt++;
	return 0;
}

int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	if (!group || !owner)
		return -EINVAL;
	/* lab.bug=owner-while-kernel: 2021, the claim did not look at kernel users. */
	if (group->owner_cnt && !lab_bug(LAB_BUG_OWNER_WHILE_KERNEL))
		return -EPERM;
	return __iommu_take_dma_ownership(group, owner);
}

static void __iommu_release_dma_ownership(struct iommu_group *group)
{
	group->owner_cnt = 0;
	group->owner = NULL;
	if (group->default_domain && __iommu_group_set_domain(group, group->default_domain))
		__iommu_group_set_domain_nofail(group, group->default_domain);
}

void iommu_group_release_dma_owner(struct iommu_group *group)
{
	if (!group || !group->owner || !group->owner_cnt) {
		pr_warn("iommu: release of a DMA owner that does not own the group");
		return;
	}
	__iommu_release_dma_ownership(group);
}

int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group)
		return -ENODEV;
	if (!owner)
		return -EINVAL;
	if (group->owner_cnt) {
		if (group->owner != owner)
			return -EPERM;
		group->owner_cnt++;
		return 0;
	}
	return __iommu_take_dma_ownership(group, owner);
}

void iommu_device_release_dma_owner(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;

	if (!group || !group->owner || !group->owner_cnt) {
		pr_warn("iommu: release of a DMA owner that does not own the group");
		return;
	}
	if (group->owner_cnt > 1)
		group->owner_cnt--;
	else
		__iommu_release_dma_ownership(group);
}

bool iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	return group && group->owner_cnt;
}

unsigned iommu_group_owner_cnt(struct iommu_group *group)
{
	return group ? group->owner_cnt : 0;
}

void *iommu_group_dma_owner(struct iommu_group *group)
{
	return group ? group->owner : NULL;
}
