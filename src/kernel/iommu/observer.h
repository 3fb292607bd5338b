/*
 * The kernel's side of the isolation checker's seam. The kernel may not
 * include src/check (see docs/hacking.md), so it reports what it does here
 * and the checker (src/check/oracle.c) installs the receiving end with
 * iommu_set_observer(). With no observer installed every call is a no-op.
 *
 * Two kinds of report. Frame owners say whose a page of RAM is, for the
 * oracle's log. Grants say which device may reach which memory, and they
 * come only from the layers that GRANT access, never from the IOMMU
 * driver's page tables (what the oracle checks those against):
 *
 * - page_alloc.c: kobserve_page_alloc / kobserve_page_free for every
 *   allocation it hands out (the frames become "kernel" owned);
 * - io-pgtable: kobserve_frames(pa, len, KOBS_PGTABLE, 0) for each table
 *   page it allocates (and KOBS_KERNEL again before freeing it);
 * - the IOMMU core (iommu.c): group membership and the group's current
 *   domain, domains freed; resv.c grants a domain the 1:1 (direct) regions
 *   firmware gives its devices;
 * - dma-iommu.c: the DMA API grants a buffer mapped or allocated for a
 *   device to the device's group, in the mapping's direction, until it is
 *   unmapped or freed;
 * - VFIO type1: kobserve_frames(.., KOBS_VFIO, container id) for pinned
 *   user pages; MAP_DMA grants them to the container with MAP_DMA's
 *   protection until UNMAP_DMA or teardown; a group attached to the
 *   container reaches them while it is a member (kobserve_container_group).
 *
 * Page-table frames and free frames are never granted to anyone.
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

/*
 * Who a grant is for. A DMA is judged against the grants of the issuing
 * device's group, of the VFIO container that group is in at that moment,
 * and of the domain the group is on at that moment.
 */
enum kobs_grantee_kind {
	KOBS_GRANT_GROUP,       /* id = IOMMU group id: the DMA API's buffers */
	KOBS_GRANT_CONTAINER,   /* id = VFIO container id: its pinned user pages */
	/*
	 * id = IOMMU domain id: memory a domain is meant to reach whichever
	 * group is on it, dropped when the domain is freed: firmware's direct
	 * regions, and the kind for MSI doorbells a domain maps (software-MSI
	 * pages, when MSI exists: grant the doorbell page to the domain where
	 * dma-iommu maps it, revoke where it unmaps it).
	 */
	KOBS_GRANT_DOMAIN,
};

struct kobs_grantee {
	enum kobs_grantee_kind kind;
	u32 id;
};

#define KOBS_GROUP(id) ((struct kobs_grantee){ KOBS_GRANT_GROUP, (u32)(id) })
#define KOBS_CONTAINER(id) ((struct kobs_grantee){ KOBS_GRANT_CONTAINER, (u32)(id) })
#define KOBS_DOMAIN(id) ((struct kobs_grantee){ KOBS_GRANT_DOMAIN, (u32)(id) })

struct iommu_observer {
	void (*frames)(void *opaque, u64 pa, u64 len, enum kobs_owner owner, u32 id);
	void (*domain_free)(void *opaque, u32 domain);
	/* The group's current domain changed (domain 0: none). */
	void (*group_domain)(void *opaque, int group, u32 domain, unsigned type);
	/* A device (by its bus master identity) joined @group, or left it (group -1). */
	void (*device_group)(void *opaque, const struct master_id *id, const char *name,
			     int group);
	/* @who may reach [pa, pa + len) (whole pages) as @prot (IOMMU_READ/WRITE) allows. */
	void (*grant)(void *opaque, struct kobs_grantee who, u64 handle, u64 pa, u64 len,
		      int prot);
	/* Ends every grant @who holds under @handle. */
	void (*revoke)(void *opaque, struct kobs_grantee who, u64 handle);
	/* @group joined (@member) or left VFIO container @container. */
	void (*container_group)(void *opaque, u32 container, int group, bool member);
};

void iommu_set_observer(const struct iommu_observer *obs, void *opaque);

void kobserve_frames(u64 pa, u64 len, enum kobs_owner owner, u32 id);
void kobserve_page_alloc(u64 pa, unsigned order);
void kobserve_page_free(u64 pa, unsigned order);
void kobserve_domain_free(u32 domain);
void kobserve_group_domain(int group, u32 domain, unsigned type);
void kobserve_device_group(struct master_id id, const char *name, int group);
/*
 * A grant: @handle is the granting layer's own name for it (the DMA
 * address it handed out, the IOVA of a VFIO mapping), what it revokes by.
 */
void kobserve_grant(struct kobs_grantee who, u64 handle, u64 pa, u64 len, int prot);
void kobserve_revoke(struct kobs_grantee who, u64 handle);
void kobserve_container_group(u32 container, int group, bool member);

#endif
