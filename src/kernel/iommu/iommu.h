/*
 * The IOMMU core: IOMMU instances, per-device firmware specs, groups,
 * domains, default-domain policy, DMA ownership and reserved regions, under
 * Linux's names (include/linux/iommu.h is the behavioural reference).
 *
 * Conventions (differences from Linux, chosen for plain C without ERR_PTR):
 * - Functions return 0 or a negative errno. Where Linux returns an ERR_PTR,
 *   the ops below return an int and hand the object back through an out
 *   pointer (probe_device, device_group).
 * - Addresses are u64: an IOVA (dma_addr_t) or an emulated physical address.
 * - A firmware node is a device-tree node offset in the machine's blob
 *   (machine_fdt()); IOMMU_FWNODE_NONE stands for "no node" (an IOMMU
 *   registered without a hardware device, as the legacy SMMU binding does).
 * - Every domain carries a lab-wide unique @id (never reused during a boot)
 *   so that the log and the isolation oracle can name it.
 *
 * Locking: the lab is single-threaded (one event loop); the core takes no
 * locks.
 */
#ifndef LAB_KERNEL_IOMMU_IOMMU_H
#define LAB_KERNEL_IOMMU_IOMMU_H

#include "common/types.h"
#include "common/list.h"

struct device;
struct module;
struct iommu_group;
struct iommu_domain;
struct iommu_dma_cookie;
struct iommu_ops;
struct iommu_device;
struct sysfs_node;

#define IOMMU_FWNODE_NONE (-1)

/* ---- protection flags for iommu_map() ------------------------------- */

#define IOMMU_READ   (1 << 0)
#define IOMMU_WRITE  (1 << 1)
#define IOMMU_CACHE  (1 << 2)   /* DMA cache coherency */
#define IOMMU_NOEXEC (1 << 3)
#define IOMMU_MMIO   (1 << 4)   /* device memory (an MSI doorbell) */
#define IOMMU_PRIV   (1 << 5)   /* privileged accesses only */

/* ---- domain types ---------------------------------------------------- */

/*
 * Built from the same property bits as Linux: PAGING domains have page
 * tables (map/unmap work), DMA_API ones belong to the DMA API (an IOVA
 * cookie), PT passes addresses through, DMA_FQ adds the lazy flush queue.
 */
#define __IOMMU_DOMAIN_PAGING  (1u << 0)
#define __IOMMU_DOMAIN_DMA_API (1u << 1)
#define __IOMMU_DOMAIN_PT      (1u << 2)
#define __IOMMU_DOMAIN_DMA_FQ  (1u << 3)

#define IOMMU_DOMAIN_BLOCKED   0u       /* every DMA faults */
#define IOMMU_DOMAIN_IDENTITY  __IOMMU_DOMAIN_PT
#define IOMMU_DOMAIN_UNMANAGED __IOMMU_DOMAIN_PAGING   /* owned by a user (VFIO) */
#define IOMMU_DOMAIN_DMA       (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)
#define IOMMU_DOMAIN_DMA_FQ    (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API | \
				__IOMMU_DOMAIN_DMA_FQ)

/* "DMA", "DMA-FQ", "identity", "blocked", "unmanaged": the sysfs `type` names. */
const char *iommu_domain_type_name(unsigned type);

/* ---- reserved regions ------------------------------------------------ */

enum iommu_resv_type {
	IOMMU_RESV_DIRECT,            /* must stay 1:1 mapped at all times */
	IOMMU_RESV_DIRECT_RELAXABLE,  /* 1:1, but may be dropped for assignment */
	IOMMU_RESV_RESERVED,          /* never map anything here */
	IOMMU_RESV_MSI,               /* hardware MSI window, untranslated */
	IOMMU_RESV_SW_MSI,            /* software-managed MSI translation window */
};

struct iommu_resv_region {
	struct list_head list;
	u64 start;
	u64 length;
	int prot;
	enum iommu_resv_type type;
};

/* A kmalloc'ed region (NULL on allocation failure); freed by iommu_put_resv_regions. */
struct iommu_resv_region *iommu_alloc_resv_region(u64 start, u64 length, int prot,
						  enum iommu_resv_type type);
/* The device's regions: the driver's get_resv_regions (which may call
 * iommu_dma_get_resv_regions for the DT's reserved-memory regions). */
void iommu_get_resv_regions(struct device *dev, struct list_head *list);
void iommu_put_resv_regions(struct device *dev, struct list_head *list);
/*
 * Inserts a copy of @new into the sorted list @regions, merging it with
 * regions of the same type it overlaps or touches (next.start <= end + 1);
 * regions of different types are never merged. -ENOMEM leaves the list as
 * it was.
 */
int iommu_insert_resv_region(const struct iommu_resv_region *new, struct list_head *regions);
/* The merged union over every device of @group (stops at a device without an IOMMU). */
int iommu_get_group_resv_regions(struct iommu_group *group, struct list_head *head);
/* Regions from the DT: `memory-region` phandles of @dev whose targets carry
 * `iommu-addresses` for @dev (DIRECT when the region also has a `reg`,
 * RESERVED otherwise). Drivers call it from get_resv_regions. */
void iommu_dma_get_resv_regions(struct device *dev, struct list_head *list);

/* ---- firmware (device-tree) description of a master ----------------- */

/* An `iommus` specifier: the IOMMU node and its #iommu-cells arguments. */
struct of_phandle_args {
	int np;             /* DT node offset of the IOMMU */
	int args_count;
	u32 args[8];
};

/*
 * What the firmware says about a master: which IOMMU (node) serves it,
 * which driver ops (NULL until that IOMMU's driver registers), and the IDs
 * (stream IDs, possibly with a mask in bits 31:16 as arm-smmu encodes it).
 */
struct iommu_fwspec {
	const struct iommu_ops *ops;
	int iommu_fwnode;
	unsigned num_ids;
	u32 *ids;
};

/* 0, or -EINVAL if the device already has a fwspec for another IOMMU node
 * or different non-NULL ops. @ops may be NULL (driver not registered yet). */
int iommu_fwspec_init(struct device *dev, int iommu_fwnode, const struct iommu_ops *ops);
/* Appends IDs; -EINVAL without a fwspec, -ENOMEM (unchanged) on failure. */
int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids);
void iommu_fwspec_free(struct device *dev);
struct iommu_fwspec *dev_iommu_fwspec_get(struct device *dev);
/* The driver's per-master data (arm-smmu's master cfg). */
void *dev_iommu_priv_get(struct device *dev);
void dev_iommu_priv_set(struct device *dev, void *priv);

/* ---- the driver's interface ----------------------------------------- */

struct iommu_iotlb_gather {
	u64 start, end;     /* range to invalidate, inclusive end; start > end: empty */
	size_t pgsize;
	bool queued;        /* lazy mode: the flush queue will flush all later */
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *g)
{
	g->start = ~0ull;
	g->end = 0;
	g->pgsize = 0;
	g->queued = false;
}

/* Widens the gather to cover [iova, iova + size). */
static inline void iommu_iotlb_gather_add_page(struct iommu_domain *domain,
					       struct iommu_iotlb_gather *g,
					       u64 iova, size_t size)
{
	(void)domain;
	if (iova < g->start)
		g->start = iova;
	if (iova + size - 1 > g->end)
		g->end = iova + size - 1;
	g->pgsize = size;
}

struct iommu_domain_ops {
	/* Point every stream of @dev at this domain; 0 or -errno (nothing changed). */
	int (*attach_dev)(struct iommu_domain *domain, struct device *dev);
	/* Map @pgcount pages of one size in @pgsize_bitmap; adds bytes done to *mapped. */
	int (*map_pages)(struct iommu_domain *domain, u64 iova, u64 paddr, size_t pgsize,
			 size_t pgcount, int prot, size_t *mapped);
	/* Bytes unmapped (0 at a hole); leaves TLB invalidation to @gather. */
	size_t (*unmap_pages)(struct iommu_domain *domain, u64 iova, size_t pgsize,
			      size_t pgcount, struct iommu_iotlb_gather *gather);
	void (*flush_iotlb_all)(struct iommu_domain *domain);
	int (*iotlb_sync_map)(struct iommu_domain *domain, u64 iova, size_t size);
	/* Invalidate what @gather collected and wait for completion. */
	void (*iotlb_sync)(struct iommu_domain *domain, struct iommu_iotlb_gather *gather);
	/* 0 when nothing is mapped at @iova. */
	u64 (*iova_to_phys)(struct iommu_domain *domain, u64 iova);
	/* Frees a domain the driver allocated (not its static ones). */
	void (*free)(struct iommu_domain *domain);
};

enum iommu_cap {
	IOMMU_CAP_CACHE_COHERENCY,
	IOMMU_CAP_NOEXEC,
	IOMMU_CAP_DEFERRED_FLUSH,   /* DMA-FQ allowed; without it DMA-FQ becomes DMA */
};

struct iommu_ops {
	bool (*capable)(struct device *dev, enum iommu_cap cap);
	/* A fresh paging domain for @dev (context bound on first attach), or NULL. */
	struct iommu_domain *(*domain_alloc_paging)(struct device *dev);
	/*
	 * Called when a master (with a fwspec whose ops are these, or any
	 * device if registered with IOMMU_FWNODE_NONE) joins: set up its
	 * streams and return the instance serving it. -ENODEV: not ours.
	 */
	int (*probe_device)(struct device *dev, struct iommu_device **out);
	void (*probe_finalize)(struct device *dev);
	/* The device leaves its bus: drop its streams. */
	void (*release_device)(struct device *dev);
	/* The group @dev belongs in, with a reference for the caller. */
	int (*device_group)(struct device *dev, struct iommu_group **out);
	/* Append kmalloc'ed regions (iommu_alloc_resv_region) to @list. */
	void (*get_resv_regions)(struct device *dev, struct list_head *list);
	/* Decode one `iommus` specifier into fwspec IDs (iommu_fwspec_add_ids). */
	int (*of_xlate)(struct device *dev, const struct of_phandle_args *args);
	/* 0 (no preference), IOMMU_DOMAIN_IDENTITY or IOMMU_DOMAIN_DMA. */
	int (*def_domain_type)(struct device *dev);

	/* Static domains: attach never fails for them, free is not called. */
	struct iommu_domain *identity_domain;
	struct iommu_domain *blocked_domain;

	/* Installed in every domain domain_alloc_paging returns without its own ops. */
	const struct iommu_domain_ops *default_domain_ops;
	u64 pgsize_bitmap;
	/* The module providing these ops (NULL: built in); pinned while devices use it. */
	struct module *owner;
};

struct iommu_domain_geometry {
	u64 aperture_start;   /* first usable IOVA */
	u64 aperture_end;     /* last usable IOVA (inclusive) */
	bool force_aperture;  /* DMA outside the aperture is impossible */
};

typedef int (*iommu_fault_handler_t)(struct iommu_domain *domain, struct device *dev,
				     u64 iova, int flags, void *token);

#define IOMMU_FAULT_READ  0x0
#define IOMMU_FAULT_WRITE 0x1

struct iommu_domain {
	unsigned type;
	const struct iommu_domain_ops *ops;
	const struct iommu_ops *owner;     /* the driver that allocated it */
	u64 pgsize_bitmap;
	struct iommu_domain_geometry geometry;
	struct iommu_dma_cookie *iova_cookie;  /* DMA / DMA-FQ (dma-iommu.c) */
	iommu_fault_handler_t handler;
	void *handler_token;
	u32 id;                            /* lab-wide unique id, set by the core */
};

static inline bool iommu_is_dma_domain(const struct iommu_domain *d)
{
	return d && (d->type & __IOMMU_DOMAIN_DMA_API);
}

/* ---- IOMMU instances ------------------------------------------------ */

struct iommu_device {
	struct list_head list;
	const struct iommu_ops *ops;
	int fwnode;                 /* DT node, or IOMMU_FWNODE_NONE */
	char name[48];              /* /sys/class/iommu/<name> ("smmu.0x0000000009050000") */
	struct sysfs_node *sysfs_dir;   /* its class device directory (core-owned) */
	struct device *hwdev;       /* the IOMMU's own device (may be NULL) */
};

/*
 * Creates /sys/class/iommu/<name>/ (with a devices/ dir that gets a link
 * per master) and, under @hwdev, the iommu/ link Linux shows. Call before
 * iommu_device_register, as arm-smmu does.
 */
int iommu_device_sysfs_add(struct iommu_device *iommu, struct device *hwdev,
			   const char *fmt, ...) __printf(3, 4);
void iommu_device_sysfs_remove(struct iommu_device *iommu);
/*
 * Registers an instance: @hwdev NULL registers it without a firmware node
 * (legacy binding; found by iommu_ops_from_fwnode(IOMMU_FWNODE_NONE)).
 * Then every device of every IOMMU bus is probed (a device joins as soon
 * as both it and its IOMMU's driver exist) and new groups get their
 * default domains. -EINVAL for ops in a module without an owner.
 */
int iommu_device_register(struct iommu_device *iommu, const struct iommu_ops *ops,
			  struct device *hwdev);
/* Releases every master this instance serves, then forgets it. */
void iommu_device_unregister(struct iommu_device *iommu);
const struct iommu_ops *iommu_ops_from_fwnode(int fwnode);

/* ---- device probe / release (called by the driver core) ------------- */

/*
 * Bus notifier on device add (and replayed by of_iommu_configure): parse
 * the firmware spec if needed, ask the driver, put the device in its group
 * and attach the group's domain. -ENODEV when no IOMMU serves the device.
 */
int iommu_probe_device(struct device *dev);
/* Bus notifier on device removal: leave the group, drop the streams. */
void iommu_release_device(struct device *dev);
/* True once the device is in a group (Linux's device_iommu_mapped). */
bool device_iommu_mapped(struct device *dev);

/* ---- groups ----------------------------------------------------------- */

/* A new group with the lowest free id (ids are reused after release), or NULL. */
struct iommu_group *iommu_group_alloc(void);
/* The device's group with a new reference, or NULL. */
struct iommu_group *iommu_group_get(struct device *dev);
struct iommu_group *iommu_group_ref_get(struct iommu_group *group);
/* Drops a reference; the last frees the group and its id. NULL is fine. */
void iommu_group_put(struct iommu_group *group);
int iommu_group_id(const struct iommu_group *group);
/* The group with that id, referenced, or NULL (VFIO's /dev/vfio/N, the shell). */
struct iommu_group *iommu_group_get_by_id(int id);
/* Calls @fn on each member in join order until it returns non-zero. */
int iommu_group_for_each_dev(struct iommu_group *group, void *data,
			     int (*fn)(struct device *dev, void *data));
unsigned iommu_group_device_count(struct iommu_group *group);
void *iommu_group_get_iommudata(struct iommu_group *group);
void iommu_group_set_iommudata(struct iommu_group *group, void *data,
			       void (*release)(void *data));
/* device_group helpers: a new group per device, or one per IOMMU instance. */
int generic_device_group(struct device *dev, struct iommu_group **out);
int generic_single_device_group(struct device *dev, struct iommu_group **out);
/* PCI functions (iommu-pci.c): DMA aliases, ACS to the root, multifunction. */
int pci_device_group(struct device *dev, struct iommu_group **out);

/* ---- domains ---------------------------------------------------------- */

/* An UNMANAGED paging domain for @dev's IOMMU (VFIO type1), or NULL. */
struct iommu_domain *iommu_paging_domain_alloc(struct device *dev);
void iommu_domain_free(struct iommu_domain *domain);
/* The group's current domain (NULL if none). */
struct iommu_domain *iommu_get_domain_for_dev(struct device *dev);
struct iommu_domain *iommu_group_default_domain(struct iommu_group *group);

/*
 * Attach: -EBUSY if the group is on a domain other than its default or
 * blocking one, -EINVAL if @domain belongs to another driver; every device
 * is switched or, on the first failure, all are returned to the previous
 * domain. iommu_attach_device needs a single-device group (-EINVAL) and a
 * group at all (-ENODEV). Detach returns to the blocking domain while the
 * group has a DMA owner, else to the default domain.
 */
int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group);
void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group);
int iommu_attach_device(struct iommu_domain *domain, struct device *dev);
void iommu_detach_device(struct iommu_domain *domain, struct device *dev);
/* Switch directly (no blocking step); -EINVAL for NULL. */
int iommu_group_replace_domain(struct iommu_group *group, struct iommu_domain *new);

/*
 * Map: paging domains only (-EINVAL), iova/paddr/size aligned to the
 * smallest page size (-EINVAL), largest pages that fit; on failure nothing
 * stays mapped. Unmap returns bytes unmapped (0 for misalignment or a
 * non-paging domain), stops at the first hole, and syncs the IOTLB;
 * iommu_unmap_fast leaves the sync to the caller's gather.
 */
int iommu_map(struct iommu_domain *domain, u64 iova, u64 paddr, size_t size, int prot);
size_t iommu_unmap(struct iommu_domain *domain, u64 iova, size_t size);
size_t iommu_unmap_fast(struct iommu_domain *domain, u64 iova, size_t size,
			struct iommu_iotlb_gather *gather);
void iommu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *gather);
void iommu_flush_iotlb_all(struct iommu_domain *domain);
/* Identity: @iova itself; blocked: 0; paging: the driver's walk. */
u64 iommu_iova_to_phys(struct iommu_domain *domain, u64 iova);

void iommu_set_fault_handler(struct iommu_domain *domain, iommu_fault_handler_t handler,
			     void *token);
/* The driver's fault IRQ reports here: the handler's result, or -ENOSYS. */
int report_iommu_fault(struct iommu_domain *domain, struct device *dev, u64 iova, int flags);

/* ---- DMA ownership (one place for every bus) ------------------------- */

/*
 * owner_cnt counts kernel drivers using the DMA API on the group (owner
 * NULL) or the holds of one exclusive owner (a VFIO container, iommufd).
 *
 * use_default_domain (bus dma_configure, before a driver's probe unless it
 * sets driver_managed_dma): no group -> 0; -EBUSY while the group is owned
 * or not on its default domain; else owner_cnt++.
 * unuse_default_domain (dma_cleanup): owner_cnt--. The domain is unchanged:
 * an unbound device stays on the default domain.
 */
int iommu_device_use_default_domain(struct device *dev);
void iommu_device_unuse_default_domain(struct device *dev);
/*
 * claim: @owner NULL -> -EINVAL; any kernel user or other owner -> -EPERM;
 * -EBUSY if the group is not on its default domain; then the group is
 * switched to its blocking domain (BLOCKED, or an empty paging domain when
 * the driver has no blocked domain). release: back to the default domain.
 * The device variants allow the same owner to claim several times
 * (-ENODEV without a group).
 */
int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner);
void iommu_group_release_dma_owner(struct iommu_group *group);
int iommu_device_claim_dma_owner(struct device *dev, void *owner);
void iommu_device_release_dma_owner(struct device *dev);
/* Non-zero while kernel drivers use the group or an owner holds it. */
bool iommu_group_dma_owner_claimed(struct iommu_group *group);
unsigned iommu_group_owner_cnt(struct iommu_group *group);

/* ---- policy and lifetime -------------------------------------------- */

/*
 * Runs the early params iommu.passthrough= and iommu.strict= over the
 * kernel command line (cmdline.c; none before a boot: the defaults).
 * Default: DMA, strict (arm64). Logs Linux's two lines. Call once at boot
 * before any IOMMU driver registers.
 */
void iommu_subsys_init(void);
/* The subsystem initcall pair kernel_boot runs (reads the kernel command line). */
int iommu_init(void);
void iommu_exit(void);
/* Watch a bus registered after iommu_subsys_init (PCI): its devices join on add. */
struct bus_type;
int iommu_bus_init(struct bus_type *bus);
/* Forgets every group, instance and id (kernel shutdown; after all devices left). */
void iommu_subsys_exit(void);
unsigned iommu_default_domain_type(void);
/* Flush every DMA-FQ domain's queue now (what its 10 ms timer would do). */
/*
 * MSI doorbells through the IOMMU (dma-iommu.c, Linux 6.12):
 * - iommu_dma_prepare_msi: before a vector's message is composed, maps the
 *   doorbell page at @msi_addr into @desc's device's domain, once per
 *   domain and page: a DMA domain takes an IOVA from its allocator, an
 *   unmanaged one with an MSI cookie the next granule from the cookie's
 *   base (VFIO: the SW_MSI window). No domain or no cookie (identity,
 *   blocked, no IOMMU): nothing, the message keeps the physical address.
 *   The page is granted to the domain (oracle) until the domain is freed.
 *   0 or -ENOMEM.
 * - iommu_dma_compose_msi_msg: rewrites the message's address to that IOVA.
 * - iommu_get_msi_cookie: gives an unmanaged domain an MSI cookie whose
 *   doorbell IOVAs start at @base. -EINVAL (not unmanaged), -EEXIST, -ENOMEM.
 */
struct msi_desc;
struct msi_msg;
int iommu_dma_prepare_msi(struct msi_desc *desc, u64 msi_addr);
void iommu_dma_compose_msi_msg(struct msi_desc *desc, struct msi_msg *msg);
int iommu_get_msi_cookie(struct iommu_domain *domain, u64 base);
/*
 * Every device of @group has isolated MSIs (msi_device_has_isolated_msi):
 * VFIO type1 then needs no allow_unsafe_interrupts.
 */
bool iommu_group_has_isolated_msi(struct iommu_group *group);

void iommu_dma_flush_all_queues(void);   /* DMA, DMA_FQ or IDENTITY */
bool iommu_dma_strict(void);

#endif
