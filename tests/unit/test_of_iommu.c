/*
 * Probe deferral across the IOMMU seam, on a booted kernel: the built-in
 * platform with its SMMU node renamed to a compatible no driver claims, so
 * a fake IOMMU driver written here can arrive late.
 *
 * - a master whose IOMMU node is enabled defers while the IOMMU driver is
 *   missing; when the driver registers, the master joins its group and
 *   binds with the DMA API on its default domain (owner_cnt counts it);
 * - while a module not loaded could provide the IOMMU's driver, the wait
 *   ends at the deferred probe timeout with Linux's log line; with none,
 *   at the late initcall. The fake stands for such a module: the node also
 *   says "arm,smmu-v2", and arm-smmu is booted as a module never loaded,
 *   so its match table is the fake's modules.alias;
 * - a master behind a disabled IOMMU node never waits.
 */
#include <errno.h>
#include <libfdt.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/iommu/iommu.h"

#define PDEV "/sys/bus/platform/devices/"

/* ---- a minimal fake IOMMU driver ------------------------------------------ */

struct fdom {
	struct iommu_domain d;
	u64 pa[1024];
};

static struct iommu_device fake;
static const struct iommu_ops fake_ops;

static int f_attach(struct iommu_domain *d, struct device *dev) { return 0; }

static int f_map(struct iommu_domain *d, u64 iova, u64 pa, size_t pgsize, size_t count,
		 int prot, size_t *mapped)
{
	struct fdom *f = container_of(d, struct fdom, d);
	for (size_t i = 0; i < count; i++) {
		u64 pfn = (iova >> 12) + i;
		if (pfn >= 1024)
			return -ERANGE;
		f->pa[pfn] = pa + i * 4096;
		*mapped += 4096;
	}
	return 0;
}

static size_t f_unmap(struct iommu_domain *d, u64 iova, size_t pgsize, size_t count,
		      struct iommu_iotlb_gather *g)
{
	struct fdom *f = container_of(d, struct fdom, d);
	size_t i;
	for (i = 0; i < count && (iova >> 12) + i < 1024 && f->pa[(iova >> 12) + i]; i++)
		f->pa[(iova >> 12) + i] = 0;
	return i * 4096;
}

static u64 f_iova_to_phys(struct iommu_domain *d, u64 iova)
{
	struct fdom *f = container_of(d, struct fdom, d);
	return (iova >> 12) < 1024 && f->pa[iova >> 12] ? f->pa[iova >> 12] + (iova & 0xfff) : 0;
}

static void f_free(struct iommu_domain *d) { kfree(container_of(d, struct fdom, d)); }
static int flushes, syncs;
static void f_flush_all(struct iommu_domain *d) { flushes++; }
static void f_sync(struct iommu_domain *d, struct iommu_iotlb_gather *g) { syncs++; }

static const struct iommu_domain_ops f_dom_ops = {
	.attach_dev = f_attach, .map_pages = f_map, .unmap_pages = f_unmap,
	.iova_to_phys = f_iova_to_phys, .free = f_free, .flush_iotlb_all = f_flush_all,
	.iotlb_sync = f_sync,
};
static const struct iommu_domain_ops f_static_ops = { .attach_dev = f_attach };
static struct iommu_domain f_identity, f_blocked;

static struct iommu_domain *f_alloc(struct device *dev)
{
	struct fdom *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->d.geometry.aperture_end = 1024 * 4096 - 1;
	f->d.geometry.force_aperture = true;
	return &f->d;
}

static int f_probe(struct device *dev, struct iommu_device **out)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);
	if (!fw || fw->ops != &fake_ops)
		return -ENODEV;
	*out = &fake;
	return 0;
}

static void f_release(struct device *dev) {}

static int f_of_xlate(struct device *dev, const struct of_phandle_args *args)
{
	return iommu_fwspec_add_ids(dev, args->args, 1);
}

/* Same first stream ID, same group. */
static u32 want_sid;
static bool found;

static int same_sid(struct device *o, void *data)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(o);

	if (fw && fw->num_ids && fw->ids[0] == want_sid)
		found = true;
	return 0;
}

static int f_group(struct device *dev, struct iommu_group **out)
{
	want_sid = dev_iommu_fwspec_get(dev)->ids[0];
	for (int id = 0; id < 64; id++) {
		struct iommu_group *g = iommu_group_get_by_id(id);
		if (!g)
			continue;
		found = false;
		iommu_group_for_each_dev(g, NULL, same_sid);
		if (found) {
			*out = g;
			return 0;
		}
		iommu_group_put(g);
	}
	return generic_device_group(dev, out);
}

static void f_resv(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *r = iommu_alloc_resv_region(0x08000000, 0x100000, IOMMU_WRITE,
							      IOMMU_RESV_SW_MSI);
	if (r)
		list_add_tail(&r->list, list);
	iommu_dma_get_resv_regions(dev, list);
}

static const struct iommu_ops fake_ops = {
	.get_resv_regions = f_resv,
	.domain_alloc_paging = f_alloc, .probe_device = f_probe, .release_device = f_release,
	.device_group = f_group, .of_xlate = f_of_xlate, .identity_domain = &f_identity,
	.blocked_domain = &f_blocked, .default_domain_ops = &f_dom_ops, .pgsize_bitmap = 0x1000,
};

/* ---- the platform --------------------------------------------------------- */

/*
 * The virt platform, its SMMU made unclaimed ("test,fake-iommu"), plus a
 * disabled IOMMU node and a master behind it (dma@6000, stream 7).
 */
static bool with_reserved_memory;

/* /reserved-memory: a 1:1 region (reg = iommu-addresses) and an IOVA-only hole. */
static void add_reserved_memory(void *b)
{
	int rm = fdt_add_subnode(b, 0, "reserved-memory"), fb, hole, dma0;
	fdt32_t cells[4], list[2];

	assert_true(rm >= 0);
	assert_int_equal(fdt_setprop_u32(b, rm, "#address-cells", 2), 0);
	assert_int_equal(fdt_setprop_u32(b, rm, "#size-cells", 2), 0);
	assert_int_equal(fdt_setprop(b, rm, "ranges", NULL, 0), 0);
	dma0 = fdt_path_offset(b, "/soc/dma@0");
	assert_true(dma0 >= 0);
	u32 ph = fdt_get_phandle(b, dma0);
	assert_true(ph != 0);
	fb = fdt_add_subnode(b, rm, "framebuffer@40100000");
	fdt32_t reg[4] = { 0, cpu_to_fdt32(0x40100000), 0, cpu_to_fdt32(0x2000) };
	assert_int_equal(fdt_setprop(b, fb, "reg", reg, sizeof(reg)), 0);
	/* The master's bus (soc) has one address and one size cell. */
	cells[0] = cpu_to_fdt32(ph);
	cells[1] = cpu_to_fdt32(0x40100000);
	cells[2] = cpu_to_fdt32(0x2000);
	assert_int_equal(fdt_setprop(b, fb, "iommu-addresses", cells, 12), 0);
	assert_int_equal(fdt_setprop_u32(b, fb, "phandle", 0x801), 0);
	hole = fdt_add_subnode(b, rm, "hole");
	cells[1] = cpu_to_fdt32(0x20000);
	cells[2] = cpu_to_fdt32(0x10000);
	assert_int_equal(fdt_setprop(b, hole, "iommu-addresses", cells, 12), 0);
	assert_int_equal(fdt_setprop_u32(b, hole, "phandle", 0x802), 0);
	dma0 = fdt_path_offset(b, "/soc/dma@0");
	list[0] = cpu_to_fdt32(0x801);
	list[1] = cpu_to_fdt32(0x802);
	assert_int_equal(fdt_setprop(b, dma0, "memory-region", list, sizeof(list)), 0);
}

/* The fake IOMMU has an alias (arm-smmu, a module never loaded): see above. */
static bool fake_alias = true;

static void *platform(size_t *size)
{
	size_t len = (size_t)(lab_platform_virt_end - lab_platform_virt_start);
	void *b = malloc(len + 4096);
	int smmu, soc, off, dis;
	fdt32_t iommus[2], reg[2], irq[3] = { cpu_to_fdt32(0), cpu_to_fdt32(22), cpu_to_fdt32(4) };

	assert_non_null(b);
	assert_int_equal(fdt_open_into(lab_platform_virt_start, b, (int)len + 4096), 0);
	smmu = fdt_path_offset(b, "/iommu@9050000");
	assert_true(smmu >= 0);
	if (fake_alias) {
		static const char compat[] = "test,fake-iommu\0arm,smmu-v2";
		assert_int_equal(fdt_setprop(b, smmu, "compatible", compat, sizeof(compat)), 0);
	} else {
		assert_int_equal(fdt_setprop_string(b, smmu, "compatible", "test,fake-iommu"), 0);
	}
	dis = fdt_add_subnode(b, 0, "iommu@9070000");
	assert_true(dis >= 0);
	assert_int_equal(fdt_setprop_string(b, dis, "compatible", "test,fake-iommu"), 0);
	assert_int_equal(fdt_setprop_string(b, dis, "status", "disabled"), 0);
	assert_int_equal(fdt_setprop_u32(b, dis, "#iommu-cells", 1), 0);
	assert_int_equal(fdt_setprop_u32(b, dis, "phandle", 0x777), 0);
	soc = fdt_path_offset(b, "/soc");
	off = fdt_add_subnode(b, soc, "dma@6000");
	assert_true(off >= 0);
	assert_int_equal(fdt_setprop_string(b, off, "compatible", "iommulab,dma-copy"), 0);
	reg[0] = cpu_to_fdt32(0x6000);
	reg[1] = cpu_to_fdt32(0x1000);
	assert_int_equal(fdt_setprop(b, off, "reg", reg, sizeof(reg)), 0);
	assert_int_equal(fdt_setprop(b, off, "interrupts", irq, sizeof(irq)), 0);
	iommus[0] = cpu_to_fdt32(0x777);
	iommus[1] = cpu_to_fdt32(7);
	assert_int_equal(fdt_setprop(b, off, "iommus", iommus, sizeof(iommus)), 0);
	if (with_reserved_memory)
		add_reserved_memory(b);
	assert_int_equal(fdt_pack(b), 0);
	*size = fdt_totalsize(b);
	return b;
}

static void boot(const char *cmdline)
{
	size_t size;
	void *b = platform(&size);

	memset(&fake, 0, sizeof(fake));
	memset(&f_identity, 0, sizeof(f_identity));
	f_identity.type = IOMMU_DOMAIN_IDENTITY;
	f_identity.ops = &f_static_ops;
	memset(&f_blocked, 0, sizeof(f_blocked));
	f_blocked.ops = &f_static_ops;
	char line[256];
	snprintf(line, sizeof(line), "%s %s", fake_alias ? "lab.module=arm-smmu" : "",
		 cmdline ? cmdline : "");
	assert_int_equal(kt_boot_blob(b, size, line), 0);
	free(b);
}

static struct device *pdev(const char *name)
{
	return bus_find_device_by_name(&platform_bus_type, name);
}

static void register_fake(void)
{
	struct device *hw = pdev("9050000.iommu");

	assert_non_null(hw);
	assert_int_equal(iommu_device_sysfs_add(&fake, hw, "fake.%d", 0), 0);
	assert_int_equal(iommu_device_register(&fake, &fake_ops, hw), 0);
}

/* ---- tests ---------------------------------------------------------------- */

static void defers_then_binds_behind_the_iommu(void **state)
{
	boot(NULL);
	/* Behind an enabled IOMMU without a driver: deferred. */
	assert_false(kt_exists(PDEV "a000000.dma/driver"));
	assert_non_null(strstr(kt_cat("/sys/kernel/debug/devices_deferred"), "a000000.dma"));
	/* Behind a disabled IOMMU: bound at once, without one. */
	assert_true(kt_exists(PDEV "a006000.dma/driver"));
	assert_false(kt_exists(PDEV "a006000.dma/iommu_group"));

	register_fake();
	/* Every master joins as soon as the IOMMU driver exists, bound or not. */
	assert_true(kt_exists(PDEV "a000000.dma/iommu_group"));
	assert_string_equal(kt_readlink(PDEV "a000000.dma/iommu_group"),
			    "../../../../kernel/iommu_groups/0");
	assert_true(kt_exists("/sys/kernel/iommu_groups/2/devices/a002000.dma"));
	assert_true(kt_exists("/sys/kernel/iommu_groups/2/devices/a003000.dma"));
	assert_string_equal(kt_cat("/sys/kernel/iommu_groups/0/type"), "DMA\n");
	assert_true(kt_exists("/sys/class/iommu/fake.0/devices/a000000.dma"));
	assert_true(kt_exists(PDEV "9050000.iommu/iommu/fake.0"));
	assert_true(kt_exists(PDEV "a000000.dma/iommu"));

	/* The deferred probes retry and bind through the DMA API. */
	driver_deferred_probe_trigger();
	deferred_probe_flush();
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	struct device *d0 = pdev("a000000.dma");
	struct iommu_group *g = iommu_group_get(d0);
	assert_int_equal(iommu_group_owner_cnt(g), 1);
	struct iommu_domain *def = iommu_get_domain_for_dev(d0);
	dma_addr_t h = dma_map_single(d0, 0x40001000, 0x1000, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(d0, h));
	assert_int_equal(iommu_iova_to_phys(def, h), 0x40001000);
	dma_unmap_single(d0, h, 0x1000, DMA_TO_DEVICE);

	/* Unbinding drops the use; the domain stays (no fallback to bypass). */
	assert_true(kt_echo("/sys/bus/platform/drivers/dma-copy/unbind", "a000000.dma") > 0);
	assert_int_equal(iommu_group_owner_cnt(g), 0);
	assert_ptr_equal(iommu_get_domain_for_dev(d0), def);
	/* Now a user may claim it; a kernel bind then fails with EBUSY. */
	int owner;
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers/dma-copy/bind", "a000000.dma"), -EBUSY);
	iommu_group_release_dma_owner(g);
	assert_true(kt_echo("/sys/bus/platform/drivers/dma-copy/bind", "a000000.dma") > 0);
	assert_int_equal(iommu_group_owner_cnt(g), 1);
	/* The type file refuses while a driver uses the group. */
	assert_int_equal(kt_echo("/sys/kernel/iommu_groups/0/type", "identity"), -EPERM);
	iommu_group_put(g);
	kt_shutdown();
}

static void timeout_ends_the_wait(void **state)
{
	boot(NULL);   /* arm-smmu, loadable, matches the IOMMU: the kernel waits */
	assert_false(kt_exists(PDEV "a000000.dma/driver"));
	kernel_sleep(11ull * 1000 * 1000 * 1000);
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	assert_true(kt_dmesg_has("dma-copy a000000.dma: deferred probe timeout, ignoring dependency"));
	assert_false(kt_exists(PDEV "a000000.dma/iommu_group"));
	kt_shutdown();
}

static void no_modules_ends_the_wait_at_late_initcall(void **state)
{
	/* vfio-platform is loadable, but matches no IOMMU: it does not count. */
	fake_alias = false;
	boot(NULL);
	fake_alias = true;
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	assert_true(kt_dmesg_has("dma-copy a000000.dma: ignoring dependency for device, assuming no driver"));
	kt_shutdown();
}

static void passthrough_gives_identity(void **state)
{
	boot("iommu.passthrough=1");
	register_fake();
	assert_string_equal(kt_cat("/sys/kernel/iommu_groups/0/type"), "identity\n");
	driver_deferred_probe_trigger();
	deferred_probe_flush();
	struct device *d0 = pdev("a000000.dma");
	assert_int_equal(dma_map_single(d0, 0x40001000, 0x100, DMA_TO_DEVICE), 0x40001000);
	kt_shutdown();
}

/* iommu.strict=0: unmaps wait in the flush queue until its 10 ms timer. */
static void lazy_unmap_flushes_on_timer(void **state)
{
	boot("iommu.strict=0");
	register_fake();
	assert_string_equal(kt_cat("/sys/kernel/iommu_groups/0/type"), "DMA-FQ\n");
	struct device *d0 = pdev("a000000.dma");
	struct iommu_domain *dom = iommu_get_domain_for_dev(d0);
	dma_addr_t h = dma_map_single(d0, 0x40001000, 0x1000, DMA_FROM_DEVICE);
	assert_false(dma_mapping_error(d0, h));
	flushes = syncs = 0;
	dma_unmap_single(d0, h, 0x1000, DMA_FROM_DEVICE);
	assert_int_equal(iommu_iova_to_phys(dom, h), 0);
	assert_int_equal(syncs, 0);
	assert_int_equal(flushes, 0);
	kernel_sleep(9ull * 1000 * 1000);
	assert_int_equal(flushes, 0);
	kernel_sleep(2ull * 1000 * 1000);
	assert_int_equal(flushes, 1);
	/* Strict again (sysfs, no driver bound on dma@0 yet): each unmap syncs. */
	assert_int_equal(kt_echo("/sys/kernel/iommu_groups/0/type", "DMA"), 3);
	dom = iommu_get_domain_for_dev(d0);
	h = dma_map_single(d0, 0x40001000, 0x1000, DMA_FROM_DEVICE);
	dma_unmap_single(d0, h, 0x1000, DMA_FROM_DEVICE);
	assert_int_equal(syncs, 1);
	kt_shutdown();
}

/*
 * DT reserved regions: `iommu-addresses` equal to the region's `reg` is a
 * 1:1 (direct) region, mapped in the default DMA domain and making the
 * group unclaimable; one without `reg` is only reserved.
 */
static void dt_reserved_regions(void **state)
{
	with_reserved_memory = true;
	boot(NULL);
	with_reserved_memory = false;
	register_fake();
	assert_string_equal(kt_cat("/sys/kernel/iommu_groups/0/reserved_regions"),
			    "0x0000000000020000 0x000000000002ffff reserved\n"
			    "0x0000000008000000 0x00000000080fffff msi\n"
			    "0x0000000040100000 0x0000000040101fff direct\n");
	assert_string_equal(kt_cat("/sys/kernel/iommu_groups/1/reserved_regions"),
			    "0x0000000008000000 0x00000000080fffff msi\n");
	struct device *d0 = pdev("a000000.dma");
	struct iommu_domain *def = iommu_get_domain_for_dev(d0);
	/* The aperture of the fake ends at 4 MiB: the direct region is outside it,
	 * so the map fails quietly; the hole is never handed out. */
	int n = 0;
	for (; n < 1100; n++) {
		dma_addr_t h = dma_map_single(d0, 0x40001000, 0x1000, DMA_TO_DEVICE);
		if (dma_mapping_error(d0, h))
			break;
		assert_true(h < 0x20000 || h > 0x2ffff);
		assert_true(h >= 0x1000);
	}
	/* Pages 1..1023 of the aperture, minus the 16 of the hole. */
	assert_int_equal(n, 1023 - 16);
	struct iommu_group *g = iommu_group_get(d0);
	int owner;
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), -EINVAL);
	assert_ptr_equal(iommu_get_domain_for_dev(d0), def);
	iommu_group_put(g);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defers_then_binds_behind_the_iommu),
		cmocka_unit_test(timeout_ends_the_wait),
		cmocka_unit_test(no_modules_ends_the_wait_at_late_initcall),
		cmocka_unit_test(passthrough_gives_identity),
		cmocka_unit_test(lazy_unmap_flushes_on_timer),
		cmocka_unit_test(dt_reserved_regions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
