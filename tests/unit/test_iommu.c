/*
 * The IOMMU core against a fake IOMMU driver: groups (ids, refcounts,
 * shared stream IDs, sysfs), the default-domain policy, DMA ownership
 * errnos, attach rollback, reserved-region merging and the
 * reserved_regions / type files, and the DMA API through a fake domain.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel_state.h"

#define FAKE_NODE 4242
#define MAXPG 4096

/* ---- the fake driver ------------------------------------------------------- */

struct fake_domain {
	struct iommu_domain d;
	u64 pa[MAXPG];             /* by iova pfn (iova < 16 MiB); 0: unmapped */
	int prot[MAXPG];
};

struct fake_master {
	struct iommu_domain *cur;
	u32 sid;
};

static struct iommu_device fake_iommu;
static struct device *fail_attach_dev;
static int syncs, flush_alls;

static int fake_attach(struct iommu_domain *d, struct device *dev)
{
	struct fake_master *fm = dev_iommu_priv_get(dev);

	if (dev == fail_attach_dev)
		return -EIO;
	fm->cur = d;
	return 0;
}

static int fake_map(struct iommu_domain *d, u64 iova, u64 pa, size_t pgsize, size_t count,
		    int prot, size_t *mapped)
{
	struct fake_domain *fd = container_of(d, struct fake_domain, d);

	for (size_t i = 0; i < count * (pgsize / 4096); i++) {
		u64 pfn = (iova >> 12) + i;
		if (pfn >= MAXPG)
			return -ERANGE;
		if (fd->pa[pfn])
			return -EEXIST;
		fd->pa[pfn] = pa + i * 4096;
		fd->prot[pfn] = prot;
		*mapped += 4096;
	}
	return 0;
}

static size_t fake_unmap(struct iommu_domain *d, u64 iova, size_t pgsize, size_t count,
			 struct iommu_iotlb_gather *g)
{
	struct fake_domain *fd = container_of(d, struct fake_domain, d);
	size_t done = 0;

	for (size_t i = 0; i < count * (pgsize / 4096); i++) {
		u64 pfn = (iova >> 12) + i;
		if (pfn >= MAXPG || !fd->pa[pfn])
			break;
		fd->pa[pfn] = 0;
		done += 4096;
	}
	return done;
}

static u64 fake_iova_to_phys(struct iommu_domain *d, u64 iova)
{
	struct fake_domain *fd = container_of(d, struct fake_domain, d);
	u64 pfn = iova >> 12;

	return pfn < MAXPG && fd->pa[pfn] ? fd->pa[pfn] + (iova & 0xfff) : 0;
}

static void fake_sync(struct iommu_domain *d, struct iommu_iotlb_gather *g) { syncs++; }
static void fake_flush_all(struct iommu_domain *d) { flush_alls++; }
static void fake_free(struct iommu_domain *d) { kfree(container_of(d, struct fake_domain, d)); }

static const struct iommu_domain_ops fake_paging_ops = {
	.attach_dev = fake_attach, .map_pages = fake_map, .unmap_pages = fake_unmap,
	.iova_to_phys = fake_iova_to_phys, .iotlb_sync = fake_sync,
	.flush_iotlb_all = fake_flush_all, .free = fake_free,
};
static const struct iommu_domain_ops fake_static_ops = { .attach_dev = fake_attach };
static struct iommu_domain fake_identity = { .type = IOMMU_DOMAIN_IDENTITY, .ops = &fake_static_ops };
static struct iommu_domain fake_blocked = { .type = IOMMU_DOMAIN_BLOCKED, .ops = &fake_static_ops };

static struct iommu_domain *fake_alloc_paging(struct device *dev)
{
	struct fake_domain *fd = kzalloc(sizeof(*fd));

	if (!fd)
		return NULL;
	fd->d.geometry.aperture_start = 0;
	fd->d.geometry.aperture_end = (MAXPG * 4096ull) - 1;
	fd->d.geometry.force_aperture = true;
	return &fd->d;
}

static const struct iommu_ops fake_ops;

static int fake_probe(struct device *dev, struct iommu_device **out)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);
	struct fake_master *fm;

	/* Ops NULL: a firmware spec parsed before the driver registered. */
	if (!fw || (fw->ops && fw->ops != &fake_ops) || fw->iommu_fwnode != FAKE_NODE ||
	    !fw->num_ids)
		return -ENODEV;
	fm = kzalloc(sizeof(*fm));
	if (!fm)
		return -ENOMEM;
	fm->sid = fw->ids[0];
	dev_iommu_priv_set(dev, fm);
	*out = &fake_iommu;
	return 0;
}

static void fake_release(struct device *dev)
{
	kfree(dev_iommu_priv_get(dev));
	dev_iommu_priv_set(dev, NULL);
}

/* Masters with the same stream ID share a group (as arm-smmu's shared SMEs). */
static struct device *devs[16];

static int fake_device_group(struct device *dev, struct iommu_group **out)
{
	struct fake_master *me = dev_iommu_priv_get(dev);

	for (int i = 0; i < 16; i++) {
		struct device *o = devs[i];
		if (!o || o == dev || !o->iommu_group)
			continue;
		struct fake_master *fm = dev_iommu_priv_get(o);
		if (fm && fm->sid == me->sid) {
			*out = iommu_group_get(o);
			return 0;
		}
	}
	return generic_device_group(dev, out);
}

static void fake_resv(struct device *dev, struct list_head *list)
{
	struct fake_master *fm = dev_iommu_priv_get(dev);
	struct iommu_resv_region *r;

	r = iommu_alloc_resv_region(0x08000000, 0x100000, IOMMU_WRITE, IOMMU_RESV_SW_MSI);
	if (r)
		list_add_tail(&r->list, list);
	/* The top 64 KiB of the fake aperture is reserved for everyone. */
	r = iommu_alloc_resv_region(MAXPG * 4096ull - 0x10000, 0x10000, 0, IOMMU_RESV_RESERVED);
	if (r)
		list_add_tail(&r->list, list);
	if (fm->sid == 0x77) {
		r = iommu_alloc_resv_region(0x100000, 0x2000, IOMMU_READ | IOMMU_WRITE,
					    IOMMU_RESV_DIRECT);
		if (r)
			list_add_tail(&r->list, list);
	}
}

static int fake_def_type(struct device *dev)
{
	struct fake_master *fm = dev_iommu_priv_get(dev);

	return fm->sid == 0x999 ? (int)IOMMU_DOMAIN_IDENTITY : 0;
}

static bool fake_capable(struct device *dev, enum iommu_cap cap) { return true; }

static const struct iommu_ops fake_ops = {
	.capable = fake_capable,
	.domain_alloc_paging = fake_alloc_paging,
	.probe_device = fake_probe,
	.release_device = fake_release,
	.device_group = fake_device_group,
	.get_resv_regions = fake_resv,
	.def_domain_type = fake_def_type,
	.identity_domain = &fake_identity,
	.blocked_domain = &fake_blocked,
	.default_domain_ops = &fake_paging_ops,
	.pgsize_bitmap = 0x1000 | 0x200000,
};

/* ---- fixture ------------------------------------------------------------------ */

static struct bus_type test_bus = { .name = "platform" };

static int boot(const char *cmdline)
{
	memset(devs, 0, sizeof(devs));
	memset(&fake_identity, 0, sizeof(fake_identity));
	fake_identity.type = IOMMU_DOMAIN_IDENTITY;
	fake_identity.ops = &fake_static_ops;
	memset(&fake_blocked, 0, sizeof(fake_blocked));
	fake_blocked.ops = &fake_static_ops;
	memset(&fake_iommu, 0, sizeof(fake_iommu));
	fail_attach_dev = NULL;
	syncs = flush_alls = 0;
	/* The IOMMU core over the driver core, no boot: the kernel state by hand. */
	assert_int_equal(kernel_state_create(NULL), 0);
	assert_int_equal(driver_core_init(), 0);
	assert_int_equal(bus_register(&test_bus), 0);
	assert_int_equal(cmdline_init(cmdline), 0);
	iommu_subsys_init();
	assert_int_equal(iommu_device_sysfs_add(&fake_iommu, NULL, "fake.%d", 0), 0);
	assert_int_equal(iommu_device_register(&fake_iommu, &fake_ops, NULL), 0);
	return 0;
}

static int setup(void **state) { return boot(NULL); }

static void dev_release(struct device *dev) { free(dev); }

/* A device on the bus with a fwspec naming stream ID @sid (or none if 0). */
static bool fwspec_without_ops;

static struct device *add_dev(int slot, const char *name, u32 sid)
{
	struct device *dev = calloc(1, sizeof(*dev));

	assert_non_null(dev);
	device_initialize(dev);
	dev->release = dev_release;
	assert_int_equal(dev_set_name(dev, "%s", name), 0);
	dev->bus = &test_bus;
	if (sid) {
		assert_int_equal(iommu_fwspec_init(dev, FAKE_NODE,
						   fwspec_without_ops ? NULL : &fake_ops), 0);
		assert_int_equal(iommu_fwspec_add_ids(dev, &sid, 1), 0);
	}
	devs[slot] = dev;
	assert_int_equal(device_add(dev), 0);
	return dev;
}

static void del_dev(int slot)
{
	struct device *dev = devs[slot];

	devs[slot] = NULL;
	device_del(dev);
	put_device(dev);
}

static int teardown(void **state)
{
	for (int i = 0; i < 16; i++)
		if (devs[i])
			del_dev(i);
	iommu_device_unregister(&fake_iommu);
	iommu_device_sysfs_remove(&fake_iommu);
	bus_unregister(&test_bus);
	iommu_subsys_exit();
	cmdline_exit();
	driver_core_exit();
	kernel_state_destroy();
	assert_int_equal(kalloc_outstanding(), 0);
	return 0;
}

static void read_file(const char *path, char *buf, size_t size)
{
	ssize_t n = sysfs_read(path, buf, size);
	assert_true(n >= 0);
	buf[n] = 0;
}

static int gid(struct device *dev)
{
	struct iommu_group *g = iommu_group_get(dev);
	int id = g ? iommu_group_id(g) : -1;
	iommu_group_put(g);
	return id;
}

static struct iommu_domain *cur(struct device *dev)
{
	struct { struct iommu_domain *cur; u32 sid; } *fm = dev_iommu_priv_get(dev);
	return fm->cur;
}

/* ---- groups --------------------------------------------------------------------- */

static void groups_ids_and_sysfs(void **state)
{
	char buf[256];

	struct device *a = add_dev(0, "a", 1);
	struct device *b = add_dev(1, "b", 2);
	struct device *c = add_dev(2, "c", 2);
	struct device *n = add_dev(3, "noiommu", 0);

	assert_int_equal(gid(a), 0);
	assert_int_equal(gid(b), 1);
	assert_int_equal(gid(c), 1);    /* shared stream ID: one group */
	assert_int_equal(gid(n), -1);
	assert_false(device_iommu_mapped(n));
	assert_int_equal(sysfs_readlink("/sys/devices/b/iommu_group", buf, sizeof(buf)) > 0, 1);
	assert_non_null(strstr(buf, "kernel/iommu_groups/1"));
	struct sysfs_stat st;
	assert_int_equal(sysfs_lstat("/sys/kernel/iommu_groups/1/devices/c", &st), 0);
	assert_int_equal(st.type, SYSFS_LINK);
	assert_int_equal(sysfs_lstat("/sys/class/iommu/fake.0/devices/a", &st), 0);
	assert_int_equal(sysfs_lstat("/sys/devices/a/iommu", &st), 0);
	read_file("/sys/kernel/iommu_groups/0/type", buf, sizeof(buf));
	assert_string_equal(buf, "DMA\n");

	/* Refcounts: a lookup by id holds the group. */
	struct iommu_group *g = iommu_group_get_by_id(0);
	assert_non_null(g);
	assert_int_equal(iommu_group_device_count(g), 1);
	del_dev(0);
	assert_int_equal(sysfs_stat("/sys/kernel/iommu_groups/0", &st), 0);  /* still held */
	iommu_group_put(g);
	assert_int_equal(sysfs_stat("/sys/kernel/iommu_groups/0", &st), -ENOENT);
	assert_null(iommu_group_get_by_id(0));

	/* Lowest free id is reused. */
	struct device *d = add_dev(4, "d", 3);
	assert_int_equal(gid(d), 0);
	/* Leaving a shared group keeps it for the other member. */
	del_dev(1);
	assert_int_equal(gid(c), 1);
	assert_int_equal(sysfs_lstat("/sys/kernel/iommu_groups/1/devices/b", &st), -ENOENT);
}

static void default_domain_policy(void **state)
{
	char buf[64];
	struct device *a = add_dev(0, "a", 1);
	struct device *p = add_dev(1, "p", 0x999);

	assert_int_equal(iommu_get_domain_for_dev(a)->type, IOMMU_DOMAIN_DMA);
	assert_ptr_equal(cur(a), iommu_get_domain_for_dev(a));
	/* The driver's def_domain_type wins. */
	assert_ptr_equal(iommu_get_domain_for_dev(p), &fake_identity);
	read_file("/sys/kernel/iommu_groups/1/type", buf, sizeof(buf));
	assert_string_equal(buf, "identity\n");
	assert_true(iommu_dma_strict());
}

static void passthrough_cmdline(void **state)
{
	teardown(state);
	boot("quiet iommu.passthrough=1");
	struct device *a = add_dev(0, "a", 1);
	assert_ptr_equal(iommu_get_domain_for_dev(a), &fake_identity);
	assert_int_equal(iommu_default_domain_type(), IOMMU_DOMAIN_IDENTITY);
}

static void lazy_cmdline(void **state)
{
	teardown(state);
	boot("iommu.strict=0");
	struct device *a = add_dev(0, "a", 1);
	assert_int_equal(iommu_get_domain_for_dev(a)->type, IOMMU_DOMAIN_DMA_FQ);
	assert_false(iommu_dma_strict());
}

/* Devices added before the IOMMU registers join when it does. */
static void register_probes_existing_devices(void **state)
{
	iommu_device_unregister(&fake_iommu);
	fwspec_without_ops = true;
	struct device *a = add_dev(0, "a", 1);
	fwspec_without_ops = false;
	assert_false(device_iommu_mapped(a));
	assert_int_equal(iommu_device_register(&fake_iommu, &fake_ops, NULL), 0);
	assert_true(device_iommu_mapped(a));
	assert_int_equal(iommu_get_domain_for_dev(a)->type, IOMMU_DOMAIN_DMA);
	/* Unregister releases it. */
	iommu_device_unregister(&fake_iommu);
	assert_false(device_iommu_mapped(a));
	assert_int_equal(iommu_device_register(&fake_iommu, &fake_ops, NULL), 0);
}

/* ---- ownership ------------------------------------------------------------------- */

static void ownership_rules(void **state)
{
	struct device *b = add_dev(0, "b", 2);
	struct device *c = add_dev(1, "c", 2);
	struct iommu_group *g = iommu_group_get(b);
	struct iommu_domain *def = iommu_group_default_domain(g);
	int owner1, owner2;

	/* A kernel driver uses the DMA API on b. */
	assert_int_equal(iommu_device_use_default_domain(b), 0);
	assert_int_equal(iommu_group_owner_cnt(g), 1);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner1), -EPERM);
	assert_int_equal(iommu_device_claim_dma_owner(c, &owner1), -EPERM);
	assert_ptr_equal(iommu_get_domain_for_dev(c), def);
	iommu_device_unuse_default_domain(b);

	assert_int_equal(iommu_group_claim_dma_owner(g, NULL), -EINVAL);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner1), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(b), &fake_blocked);
	assert_ptr_equal(cur(c), &fake_blocked);
	assert_true(iommu_group_dma_owner_claimed(g));
	/* A DMA-using driver cannot bind while a user owns the group. */
	assert_int_equal(iommu_device_use_default_domain(c), -EBUSY);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner2), -EPERM);
	iommu_group_release_dma_owner(g);
	assert_ptr_equal(iommu_get_domain_for_dev(b), def);
	assert_ptr_equal(cur(b), def);

	/* Device claims: the same owner may claim again, another may not. */
	assert_int_equal(iommu_device_claim_dma_owner(b, &owner1), 0);
	assert_int_equal(iommu_device_claim_dma_owner(c, &owner1), 0);
	assert_int_equal(iommu_device_claim_dma_owner(c, &owner2), -EPERM);
	iommu_device_release_dma_owner(c);
	assert_ptr_equal(iommu_get_domain_for_dev(b), &fake_blocked);
	iommu_device_release_dma_owner(b);
	assert_ptr_equal(iommu_get_domain_for_dev(b), def);
	assert_int_equal(iommu_group_owner_cnt(g), 0);
	iommu_group_put(g);

	struct device *n = add_dev(2, "n", 0);
	assert_int_equal(iommu_device_use_default_domain(n), 0);   /* no group: fine */
	assert_int_equal(iommu_device_claim_dma_owner(n, &owner1), -ENODEV);
}

static void attach_rollback_and_detach(void **state)
{
	struct device *b = add_dev(0, "b", 2);
	struct device *c = add_dev(1, "c", 2);
	struct iommu_group *g = iommu_group_get(b);
	struct iommu_domain *def = iommu_group_default_domain(g);
	struct iommu_domain *u = iommu_paging_domain_alloc(b);
	struct iommu_domain *u2 = iommu_paging_domain_alloc(b);
	int owner;

	assert_non_null(u);
	assert_int_equal(u->type, IOMMU_DOMAIN_UNMANAGED);
	fail_attach_dev = c;
	assert_int_equal(iommu_attach_group(u, g), -EIO);
	assert_ptr_equal(iommu_get_domain_for_dev(b), def);
	assert_ptr_equal(cur(b), def);    /* b was switched and rolled back */
	fail_attach_dev = NULL;
	assert_int_equal(iommu_attach_device(u, b), -EINVAL);   /* two devices */
	assert_int_equal(iommu_attach_group(u, g), 0);
	assert_ptr_equal(cur(c), u);
	assert_int_equal(iommu_attach_group(u2, g), -EBUSY);
	iommu_detach_group(u, g);
	assert_ptr_equal(cur(c), def);

	/* With an owner, detach returns to the blocking domain. */
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(iommu_attach_group(u, g), 0);
	iommu_detach_group(u, g);
	assert_ptr_equal(cur(b), &fake_blocked);
	iommu_group_release_dma_owner(g);
	assert_int_equal(iommu_group_replace_domain(g, NULL), -EINVAL);
	iommu_domain_free(u);
	iommu_domain_free(u2);
	iommu_group_put(g);
}

/* A driver's static domains get fresh ids at each boot, like everything else. */
static void static_domain_ids_restart(void **state)
{
	struct device *b = add_dev(0, "b", 2);
	struct iommu_group *g = iommu_group_get(b);
	int owner;

	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	u32 id = fake_blocked.id;
	assert_int_not_equal(id, 0);
	iommu_group_release_dma_owner(g);
	iommu_group_put(g);
	teardown(state);
	assert_int_equal(fake_blocked.id, 0);
	setup(state);
}

/* ---- map / unmap ------------------------------------------------------------------ */

static void map_unmap_rules(void **state)
{
	struct device *a = add_dev(0, "a", 1);
	struct iommu_domain *u = iommu_paging_domain_alloc(a);

	assert_int_equal(iommu_map(u, 0x1000, 0x40000000, 0x3000, IOMMU_READ), 0);
	assert_int_equal(iommu_iova_to_phys(u, 0x2010), 0x40001010);
	assert_int_equal(iommu_map(u, 0x1800, 0x40000000, 0x1000, IOMMU_READ), -EINVAL);
	/* A failure part-way leaves nothing mapped. */
	assert_int_equal(iommu_map(u, 0x0, 0x50000000, 0x2000, IOMMU_READ), -EEXIST);
	assert_int_equal(iommu_iova_to_phys(u, 0x0), 0);
	assert_int_equal(iommu_unmap(u, 0x1000, 0x800), 0);       /* unaligned */
	assert_int_equal(iommu_unmap(u, 0x1000, 0x5000), 0x3000);  /* stops at the hole */
	assert_int_equal(iommu_iova_to_phys(&fake_identity, 0x1234), 0x1234);
	assert_int_equal(iommu_iova_to_phys(&fake_blocked, 0x1234), 0);
	assert_int_equal(iommu_map(&fake_identity, 0, 0, 0x1000, IOMMU_READ), -EINVAL);
	assert_int_equal(report_iommu_fault(u, a, 0x1000, 0), -ENOSYS);
	iommu_domain_free(u);
}

/* ---- reserved regions -------------------------------------------------------------- */

static void resv_insert_merges_same_type(void **state)
{
	LIST_HEAD(l);
	struct iommu_resv_region r[] = {
		{ .start = 0x1000, .length = 0x1000, .type = IOMMU_RESV_RESERVED },
		{ .start = 0x2000, .length = 0x1000, .type = IOMMU_RESV_RESERVED },   /* adjacent */
		{ .start = 0x1800, .length = 0x1000, .type = IOMMU_RESV_MSI },        /* other type */
		{ .start = 0x8000, .length = 0x1000, .type = IOMMU_RESV_RESERVED },
		{ .start = 0x2800, .length = 0x6000, .type = IOMMU_RESV_RESERVED },   /* bridges */
		{ .start = 0x1000, .length = 0x100, .type = IOMMU_RESV_DIRECT },      /* same start */
	};
	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		assert_int_equal(iommu_insert_resv_region(&r[i], &l), 0);
	struct iommu_resv_region *p;
	u64 want[][3] = {
		{ 0x1000, 0x100, IOMMU_RESV_DIRECT },
		{ 0x1000, 0x8000, IOMMU_RESV_RESERVED },
		{ 0x1800, 0x1000, IOMMU_RESV_MSI },
	};
	size_t i = 0;
	list_for_each_entry(p, &l, list) {
		assert_true(i < 3);
		assert_int_equal(p->start, want[i][0]);
		assert_int_equal(p->length, want[i][1]);
		assert_int_equal(p->type, want[i][2]);
		i++;
	}
	assert_int_equal(i, 3);
	iommu_put_resv_regions(NULL, &l);
}

static void resv_sysfs_format(void **state)
{
	char buf[512];

	add_dev(0, "a", 1);
	add_dev(1, "x", 0x77);
	read_file("/sys/kernel/iommu_groups/0/reserved_regions", buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x0000000000ff0000 0x0000000000ffffff reserved\n"
			    "0x0000000008000000 0x00000000080fffff msi\n");
	read_file("/sys/kernel/iommu_groups/1/reserved_regions", buf, sizeof(buf));
	assert_string_equal(buf,
			    "0x0000000000100000 0x0000000000101fff direct\n"
			    "0x0000000000ff0000 0x0000000000ffffff reserved\n"
			    "0x0000000008000000 0x00000000080fffff msi\n");
	/* The DIRECT region is mapped 1:1 in the DMA default domain. */
	assert_int_equal(iommu_iova_to_phys(iommu_get_domain_for_dev(devs[1]), 0x101008), 0x101008);
}

/* ---- the type file ------------------------------------------------------------------ */

static void type_file(void **state)
{
	char buf[64];
	const char *path = "/sys/kernel/iommu_groups/0/type";
	struct device *a = add_dev(0, "a", 1);

	assert_int_equal(sysfs_write(path, "bogus\n", 6), -EINVAL);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "DMA\n");
	assert_int_equal(sysfs_write(path, "identity\n", 9), 9);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "identity\n");
	assert_ptr_equal(cur(a), &fake_identity);
	assert_int_equal(sysfs_write(path, "auto", 4), 4);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "DMA\n");
	assert_ptr_equal(cur(a), iommu_get_domain_for_dev(a));

	/* A bound DMA-API driver: only DMA -> DMA-FQ, in place. */
	assert_int_equal(iommu_device_use_default_domain(a), 0);
	struct iommu_domain *d = iommu_get_domain_for_dev(a);
	assert_int_equal(sysfs_write(path, "identity", 8), -EPERM);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "DMA\n");
	assert_int_equal(sysfs_write(path, "DMA-FQ", 6), 6);
	assert_ptr_equal(iommu_get_domain_for_dev(a), d);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "DMA-FQ\n");
	assert_int_equal(sysfs_write(path, "DMA", 3), -EPERM);
	iommu_device_unuse_default_domain(a);
	assert_int_equal(sysfs_write(path, "DMA", 3), 3);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "DMA\n");
}

/* ---- DMA API ------------------------------------------------------------------------- */

static void dma_api_translated_strict(void **state)
{
	struct device *a = add_dev(0, "a", 1);
	struct iommu_domain *d = iommu_get_domain_for_dev(a);

	dma_addr_t h = dma_map_single(a, 0x40005010, 0x100, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(a, h));
	assert_int_equal(h & 0xfff, 0x010);
	assert_int_not_equal(h, 0x40005010);
	assert_true(h >= 0x1000);                                 /* never IOVA page 0 */
	assert_true(h < MAXPG * 4096ull - 0x10000);                /* not in the reserved top */
	assert_int_equal(iommu_iova_to_phys(d, h), 0x40005010);
	dma_addr_t h2 = dma_map_single(a, 0x40008000, 0x2000, DMA_BIDIRECTIONAL);
	assert_false(dma_mapping_error(a, h2));
	assert_true(h2 + 0x2000 <= (h & ~0xfffull) || h2 >= (h & ~0xfffull) + 0x1000);
	syncs = 0;
	dma_unmap_single(a, h, 0x100, DMA_TO_DEVICE);
	assert_int_equal(iommu_iova_to_phys(d, h), 0);
	assert_int_equal(syncs, 1);                                /* strict */
	dma_unmap_single(a, h2, 0x2000, DMA_BIDIRECTIONAL);
	assert_true(dma_mapping_error(a, dma_map_single(a, 0x40000000, 0, DMA_TO_DEVICE)));
	assert_true(dma_mapping_error(a, dma_map_single(a, 0x40000000, 16, DMA_NONE)));
	assert_int_equal(dma_set_mask(a, 0xff), -EIO);
}

static void dma_api_lazy_flush_queue(void **state)
{
	struct device *a = add_dev(0, "a", 1);
	struct iommu_domain *d = iommu_get_domain_for_dev(a);

	assert_int_equal(sysfs_write("/sys/kernel/iommu_groups/0/type", "DMA-FQ", 6), 6);
	dma_addr_t h = dma_map_single(a, 0x40005000, 0x1000, DMA_FROM_DEVICE);
	syncs = flush_alls = 0;
	dma_unmap_single(a, h, 0x1000, DMA_FROM_DEVICE);
	assert_int_equal(iommu_iova_to_phys(d, h), 0);
	assert_int_equal(syncs, 0);
	assert_int_equal(flush_alls, 0);
	iommu_dma_flush_all_queues();
	assert_int_equal(flush_alls, 1);
}

static void dma_api_direct_and_blocked(void **state)
{
	struct device *n = add_dev(0, "n", 0);
	struct device *p = add_dev(1, "p", 0x999);
	struct device *b = add_dev(2, "b", 2);
	int owner;

	assert_int_equal(dma_map_single(n, 0x40005000, 0x100, DMA_TO_DEVICE), 0x40005000);
	assert_int_equal(dma_map_single(p, 0x40005000, 0x100, DMA_TO_DEVICE), 0x40005000);
	/* Beyond the default 32-bit mask. */
	assert_true(dma_mapping_error(n, dma_map_single(n, 0x100000000ull, 0x100, DMA_TO_DEVICE)));
	assert_int_equal(dma_set_mask(n, DMA_BIT_MASK(48)), 0);
	assert_int_equal(dma_map_single(n, 0x100000000ull, 0x100, DMA_TO_DEVICE), 0x100000000ull);
	/* A user-owned group has no kernel DMA. */
	struct iommu_group *g = iommu_group_get(b);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_true(dma_mapping_error(b, dma_map_single(b, 0x40005000, 0x100, DMA_TO_DEVICE)));
	iommu_group_release_dma_owner(g);
	iommu_group_put(g);
}

/* ---- fwspec ----------------------------------------------------------------------------- */

static void fwspec_rules(void **state)
{
	struct device *n = add_dev(0, "n", 0);
	u32 id = 5;

	assert_int_equal(iommu_fwspec_add_ids(n, &id, 1), -EINVAL);
	assert_int_equal(iommu_fwspec_init(n, 7, NULL), 0);
	assert_int_equal(iommu_fwspec_init(n, 7, &fake_ops), 0);    /* ops arrive later */
	assert_int_equal(iommu_fwspec_init(n, 8, &fake_ops), -EINVAL);
	assert_int_equal(iommu_fwspec_add_ids(n, &id, 1), 0);
	assert_int_equal(dev_iommu_fwspec_get(n)->num_ids, 1);
	iommu_fwspec_free(n);
	assert_null(dev_iommu_fwspec_get(n));
}

/*
 * Fail-the-Nth over the probe path and the group and DMA calls: every
 * allocation failure leaves a consistent state (a device is either in a
 * group with a domain or has no IOMMU data at all) and leaks nothing
 * (teardown checks kalloc_outstanding).
 */
static void fail_nth_everywhere(void **state)
{
	for (unsigned long n = 1; n < 400; n++) {
		boot(NULL);
		iommu_device_unregister(&fake_iommu);
		fwspec_without_ops = true;
		struct device *a = add_dev(0, "a", 1);
		struct device *b = add_dev(1, "b", 2);
		struct device *c = add_dev(2, "c", 2);
		add_dev(3, "x", 0x77);
		fwspec_without_ops = false;
		kalloc_fail_nth(n);
		iommu_device_register(&fake_iommu, &fake_ops, NULL);
		int owner;
		for (int i = 0; i < 4; i++) {
			struct device *d = devs[i];
			if (d->iommu_group) {
				assert_non_null(iommu_get_domain_for_dev(d));
			}
		}
		char buf[512];
		sysfs_read("/sys/kernel/iommu_groups/0/reserved_regions", buf, sizeof(buf));
		sysfs_write("/sys/kernel/iommu_groups/0/type", "identity", 8);
		struct iommu_group *g = iommu_group_get(b);
		if (g && !iommu_group_claim_dma_owner(g, &owner))
			iommu_group_release_dma_owner(g);
		/* Claimed and released (or refused): back on the default domain. */
		if (g && c->iommu_group == g)
			assert_ptr_equal(iommu_get_domain_for_dev(c), iommu_group_default_domain(g));
		iommu_group_put(g);
		dma_addr_t h = dma_map_single(a, 0x40000000, 0x3000, DMA_TO_DEVICE);
		if (!dma_mapping_error(a, h))
			dma_unmap_single(a, h, 0x3000, DMA_TO_DEVICE);
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		teardown(state);
		if (!fired)
			return;
	}
	fail_msg("fail-nth never ran out of allocations");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(groups_ids_and_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(default_domain_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(passthrough_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(lazy_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(register_probes_existing_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(ownership_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(attach_rollback_and_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(static_domain_ids_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(map_unmap_rules, setup, teardown),
		cmocka_unit_test(resv_insert_merges_same_type),
		cmocka_unit_test_setup_teardown(resv_sysfs_format, setup, teardown),
		cmocka_unit_test_setup_teardown(type_file, setup, teardown),
		cmocka_unit_test_setup_teardown(dma_api_translated_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(dma_api_lazy_flush_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(dma_api_direct_and_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(fwspec_rules, setup, teardown),
		cmocka_unit_test(fail_nth_everywhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
