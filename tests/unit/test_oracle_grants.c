/*
 * The oracle judges ownership on a booted lab: a kernel bug that maps the
 * wrong page is caught whatever the page tables say. Each test plays the
 * bug with a direct iommu_map into a device's domain, then lets the device
 * DMA through it:
 * - a live page-table frame, or a free frame, mapped into group 0's
 *   default domain: an escape naming the frame's owner;
 * - a buffer the DMA API mapped DMA_TO_DEVICE, or VFIO MAP_DMA'd read
 *   only, remapped writable: the device's write is an escape naming the
 *   missing write grant, its read stays ok.
 */
#include <libfdt.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/iommu/iommu.h"

#define DEV "a000000.dma"
#define NODE "/soc/dma@0"
#define BUG_IOVA 0x10000000ull

static struct device *dev0(void)
{
	struct device *d = bus_find_device_by_name(&platform_bus_type, DEV);

	assert_non_null(d);
	return d;
}

/* The device's own DMA, as a rogue master would issue it; returns hw_dma's result. */
static int dev_dma(u64 iova, enum hw_access acc)
{
	struct machine *m = kernel_machine();
	struct hw_dma_master *master = hw_master_by_name(m, NODE);
	u8 buf[16];

	assert_non_null(master);
	memset(buf, 0x5a, sizeof(buf));
	return hw_dma(m, master, iova, buf, sizeof(buf), acc);
}

/* The first RAM frame the oracle says @owner owns. */
static u64 frame_owned_by(const char *owner)
{
	const struct hw_ram_bank *rb;
	size_t n = hw_ram_banks(kernel_machine(), &rb);
	char buf[48];

	for (size_t i = 0; i < n; i++)
		for (u64 pa = rb[i].base; pa < rb[i].base + rb[i].size; pa += PAGE_SIZE)
			if (!strcmp(oracle_frame_owner(pa, buf, sizeof(buf)), owner))
				return pa;
	fail_msg("no %s frame", owner);
	return 0;
}

static void assert_logged(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void assert_logged(const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (!strstr(oracle_log(NULL), want))
		fail_msg("oracle log lacks \"%s\":\n%s", want, oracle_log(NULL));
}

/* Maps @pa at BUG_IOVA in group 0's current domain, the device writes it, the bug is undone. */
static void write_through_bug(u64 pa)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev0());
	u8 *frame = hw_frame(kernel_machine(), pa), saved[16];

	assert_non_null(frame);
	memcpy(saved, frame, sizeof(saved));
	assert_int_equal(iommu_map(d, BUG_IOVA, pa, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(dev_dma(BUG_IOVA, HW_WRITE), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	memcpy(frame, saved, sizeof(saved));   /* a page table must survive for the teardown */
	assert_int_equal(iommu_unmap(d, BUG_IOVA, PAGE_SIZE), PAGE_SIZE);
	assert_logged("oracle: ESCAPE: " DEV " wrote 0x%llx", (unsigned long long)pa);
	assert_logged("via iova 0x%llx in domain %u (not granted to group 0 for write)",
		      BUG_IOVA, d->id);
}

static void page_table_frame_is_escape(void **state)
{
	kt_boot(NULL);
	u64 pa = frame_owned_by("page-table");
	write_through_bug(pa);
	assert_logged("wrote 0x%llx (owner: page-table)", (unsigned long long)pa);
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	kt_shutdown();
}

static void free_frame_is_escape(void **state)
{
	kt_boot(NULL);
	u64 pa = frame_owned_by("free");
	write_through_bug(pa);
	assert_logged("wrote 0x%llx (owner: free)", (unsigned long long)pa);
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	kt_shutdown();
}

/* dma_map_single(DMA_TO_DEVICE) grants reading only, whatever the page table allows. */
static void dma_api_read_only_written_is_escape(void **state)
{
	kt_boot(NULL);
	struct device *d = dev0();
	struct iommu_domain *dom = iommu_get_domain_for_dev(d);
	u64 pa = alloc_pages_phys(0);
	assert_true(pa);
	dma_addr_t h = dma_map_single(d, pa, PAGE_SIZE, DMA_TO_DEVICE);
	assert_false(dma_mapping_error(d, h));
	assert_int_equal(dev_dma(h, HW_READ), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	/* The device cannot write: the page table says read only. */
	assert_int_equal(dev_dma(h, HW_WRITE), -EFAULT);
	/* The bug: the same IOVA and frame made writable. */
	assert_int_equal(iommu_unmap(dom, h, PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(iommu_map(dom, h, pa, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(dev_dma(h, HW_WRITE), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	assert_logged("oracle: ESCAPE: " DEV " wrote 0x%llx (owner: kernel) via iova 0x%llx in "
		      "domain %u (not granted to group 0 for write)", (unsigned long long)pa,
		      (unsigned long long)h, dom->id);
	assert_int_equal(dev_dma(h, HW_READ), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	dma_unmap_single(d, h, PAGE_SIZE, DMA_TO_DEVICE);
	free_pages_phys(pa, 0);
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	kt_shutdown();
}

/* VFIO MAP_DMA with READ only: the container's page is the device's to read, never to write. */
static void vfio_read_only_written_is_escape(void **state)
{
	assert_int_equal(tu_lab_boot(NULL, "vfio_iommu_type1.allow_unsafe_interrupts=1"), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
	assert_int_equal(tu_to_vfio(DEV, "dma-copy"), 0);
	const char *lines[] = { "vfio container", "vfio group 0", "vfio set-container 0",
				"vfio set-iommu type1v2", "vfio map 0x100000 0x10000 r",
				"vfio device " DEV, "dma " DEV " read 0x104000 16" };
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		assert_int_equal(tu_sh("%s", lines[i]), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(tu_sh("dma " DEV " write 0x104000 16"), 1);   /* faulted */
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev0());
	u64 pa = iommu_iova_to_phys(dom, 0x104000);
	assert_true(pa);
	assert_int_equal(iommu_unmap(dom, 0x104000, PAGE_SIZE), PAGE_SIZE);
	assert_int_equal(iommu_map(dom, 0x104000, pa, PAGE_SIZE, IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(tu_sh("dma " DEV " write 0x104000 16"), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	assert_logged("oracle: ESCAPE: " DEV " wrote 0x%llx (owner: vfio container 1) via iova "
		      "0x104000 in domain %u (not granted to group 0 for write)",
		      (unsigned long long)pa, dom->id);
	assert_int_equal(tu_sh("dma " DEV " read 0x104000 16"), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(oracle_escapes(), 1);
	tu_expect_escapes(1);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/*
 * Firmware's 1:1 region (reserved-memory with `iommu-addresses` equal to
 * its `reg`) is granted to the default domain that maps it: the device's
 * DMA into it is ok.
 */
static void direct_region_is_granted(void **state)
{
	extern const char lab_platform_virt_start[], lab_platform_virt_end[];
	size_t size = (size_t)(lab_platform_virt_end - lab_platform_virt_start) + 4096;
	void *b = malloc(size);
	fdt32_t reg[4] = { 0, cpu_to_fdt32(0x40100000), 0, cpu_to_fdt32(0x2000) };
	fdt32_t addr[3], ph;

	assert_non_null(b);
	assert_int_equal(fdt_open_into(lab_platform_virt_start, b, (int)size), 0);
	/* Offsets move as nodes are added: the phandle first, each offset looked up late. */
	u32 dev_ph = fdt_get_phandle(b, fdt_path_offset(b, NODE));
	int dma0, rm = fdt_add_subnode(b, 0, "reserved-memory");
	assert_true(dev_ph && rm >= 0);
	assert_int_equal(fdt_setprop_u32(b, rm, "#address-cells", 2), 0);
	assert_int_equal(fdt_setprop_u32(b, rm, "#size-cells", 2), 0);
	assert_int_equal(fdt_setprop(b, rm, "ranges", NULL, 0), 0);
	int fb = fdt_add_subnode(b, rm, "framebuffer@40100000");
	assert_true(fb >= 0);
	assert_int_equal(fdt_setprop(b, fb, "reg", reg, sizeof(reg)), 0);
	addr[0] = cpu_to_fdt32(dev_ph);
	addr[1] = cpu_to_fdt32(0x40100000);
	addr[2] = cpu_to_fdt32(0x2000);
	assert_int_equal(fdt_setprop(b, fb, "iommu-addresses", addr, sizeof(addr)), 0);
	assert_int_equal(fdt_setprop_u32(b, fb, "phandle", 0x801), 0);
	ph = cpu_to_fdt32(0x801);
	dma0 = fdt_path_offset(b, NODE);
	assert_int_equal(fdt_setprop(b, dma0, "memory-region", &ph, sizeof(ph)), 0);
	assert_int_equal(kt_boot_blob(b, fdt_totalsize(b), NULL), 0);
	free(b);
	assert_non_null(strstr(kt_cat("/sys/kernel/iommu_groups/0/reserved_regions"),
			       "0x0000000040100000 0x0000000040101fff direct"));
	assert_int_equal(dev_dma(0x40101000, HW_WRITE), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(oracle_escapes(), 0);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page_table_frame_is_escape),
		cmocka_unit_test(free_frame_is_escape),
		cmocka_unit_test(dma_api_read_only_written_is_escape),
		cmocka_unit_test(vfio_read_only_written_is_escape),
		cmocka_unit_test(direct_region_is_granted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
