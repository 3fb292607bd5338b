/*
 * The kernel's side of the isolation checker's seam. The kernel may not
 * include src/check (see docs/hacking.md), so it reports what it does here
 * and the checker (src/check/oracle.c) installs the receiving end with
 * iommu_set_observer(). With no observer installed every call is a no-op.
 *
 * Who calls what:
 * - page_alloc.c: kobserve_page_alloc / kobserve_page_free for every
 *   allocation it hands out (the frames become "kernel" owned);
 * - io-pgtable: kobserve_frames(pa, len, KOBS_PGTABLE, 0) for each table
 *   page it allocates (and KOBS_KERNEL again before freeing it);
 * - the IOMMU core (iommu.c): domains, maps and unmaps, group membership,
 *   the group's current domain;
 * - VFIO (later): kobserve_frames(.., KOBS_VFIO, container id) for pinned
 *   user pages, KOBS_FREE when they are unpinned.
 */
#ifndef LAB_KERNEL_IOMMU_OBSERVER_H
#define LAB_KERNEL_IOMMU_OBSERVER_H

#include "common/master_id.h"
#include "common/types.h"

enum kobs_owner {
	KOBS_FREE,      /* nobody: a DMA here reaches unallocated RAM */
	KOBS_KERNEL,    /* allocated by page_alloc */
	KOBS_PGTABLE,   /* an IOMMU page table */
	KOBS_VFIO,      /* a VFIO container's pinned user memory (id = container) */
};

struct iommu_observer {
	void (*frames)(void *opaque, u64 pa, u64 len, enum kobs_owner owner, u32 id);
	void (*domain_alloc)(void *opaque, u32 domain, unsigned type);
	void (*domain_free)(void *opaque, u32 domain);
	void (*domain_map)(void *opaque, u32 domain, u64 iova, u64 pa, u64 len, int prot);
	void (*domain_unmap)(void *opaque, u32 domain, u64 iova, u64 len);
	/* The group's current domain changed (domain 0: none). */
	void (*group_domain)(void *opaque, int group, u32 domain, unsigned type);
	/* A device (by its bus master identity) joined @group, or left it (group -1). */
	void (*device_group)(void *opaque, const struct master_id *id, const char *name,
			     int group);
};

void iommu_set_observer(const struct iommu_observer *obs, void *opaque);

void kobserve_frames(u64 pa, u64 len, enum kobs_owner owner, u32 id);
void kobserve_page_alloc(u64 pa, unsigned order);
void kobserve_page_free(u64 pa, unsigned order);
void kobserve_domain_alloc(u32 domain, unsigned type);
void kobserve_domain_free(u32 domain);
void kobserve_domain_map(u32 domain, u64 iova, u64 pa, u64 len, int prot);
void kobserve_domain_unmap(u32 domain, u64 iova, u64 len);
void kobserve_group_domain(int group, u32 domain, unsigned type);
void kobserve_device_group(struct master_id id, const char *name, int group);

#endif
