// SPDX-License-Identifier: GPL-2.0-only
/* The kernel's end of the checker seam: forwards to the installed observer. */
#include "kernel/iommu/observer.h"

/*
 * Harness state, not kernel state (docs/hacking.md "Kernel state"): the
 * checker installs its tap before kernel_boot and removes it after
 * kernel_shutdown (tools/lab.c), so it must outlive struct kernel; the
 * kernel only reads it to forward.
 */
static const struct iommu_observer *obs;
static void *obs_opaque;

void iommu_set_observer(const struct iommu_observer *o, void *opaque)
{
	obs = o;
	obs_opaque = opaque;
}

#define FORWARD(fn, ...)                                 \
	do {                                             \
		if (obs && obs->fn)                      \
			obs->fn(obs_opaque, __VA_ARGS__); \
	} while (0)

void kobserve_frames(u64 pa, u64 len, enum kobs_owner owner, u32 id)
{
	FORWARD(frames, pa, len, owner, id);
}

void kobserve_page_alloc(u64 pa, unsigned order)
{
	FORWARD(frames, pa, PAGE_SIZE << order, KOBS_KERNEL, 0);
}

void kobserve_page_free(u64 pa, unsigned order)
{
	FORWARD(frames, pa, PAGE_SIZE << order, KOBS_FREE, 0);
}

void kobserve_domain_free(u32 domain)
{
	FORWARD(domain_free, domain);
}

void kobserve_group_domain(int group, u32 domain, unsigned type)
{
	FORWARD(group_domain, group, domain, type);
}

void kobserve_device_group(struct master_id id, const char *name, int group)
{
	FORWARD(device_group, &id, name, group);
}

void kobserve_grant(struct kobs_grantee who, u64 handle, u64 pa, u64 len, int prot)
{
	FORWARD(grant, who, handle, pa, len, prot);
}

void kobserve_revoke(struct kobs_grantee who, u64 handle)
{
	FORWARD(revoke, who, handle);
}

void kobserve_container_group(u32 container, int group, bool member)
{
	FORWARD(container_group, container, group, member);
}
