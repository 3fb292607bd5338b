/*
 * VFIO type1 MAP_DMA of a device's region mapping (Linux's VM_PFNMAP
 * path: vaddr_get_pfns follows the mapping's page frames): the IOVA
 * translates to the region's MMIO, so the dma-copy engine reads its own
 * ID register through the IOMMU (peer-to-peer DMA, granted to the
 * container: the oracle says ok); what the mapping's protection refuses;
 * a range that leaves the mapping; UNMAP_DMA ends it (the next DMA
 * faults); a region unmapped while DMA-mapped stays mapped in the IOMMU
 * until UNMAP_DMA, as in Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "test_util.h"
#include "iommulab/fd.h"
#include "uapi/mmio_trap.h"

#define DEV0 "a000000.dma"
#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_SID_IDX 0x01c
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define ID_VALUE 0x444d4143u
#define ST_DONE 0x2
#define ST_ERROR 0x4

#define MEM_IOVA 0x100000ull
#define MMIO_IOVA 0x200000ull

static struct {
	int container, group, device;
	uint8_t *buf;		/* DMA memory at MEM_IOVA */
} fx;

static void dev_write(uint32_t off, uint32_t v)
{
	assert_int_equal(lab_pwrite(fx.device, &v, 4, off), 4);
}

static uint32_t dev_read(uint32_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(fx.device, &v, 4, off), 4);
	return v;
}

static int setup(void **state)
{
	char link[256], target[256], path[64];

	memset(&fx, 0, sizeof(fx));
	assert_int_equal(tu_lab_boot(NULL, "vfio_iommu_type1.allow_unsafe_interrupts=1"), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", DEV0);
	ssize_t n = lab_readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	fx.container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	fx.group = lab_open(path, O_RDWR, 0);
	assert_true(fx.container >= 0 && fx.group >= 0);
	assert_int_equal(lab_ioctl(fx.group, VFIO_GROUP_SET_CONTAINER, &fx.container), 0);
	assert_int_equal(lab_ioctl(fx.container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	fx.device = lab_ioctl(fx.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(fx.device >= 0);
	fx.buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fx.buf != MAP_FAILED);
	memset(fx.buf, 0, 4096);
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)fx.buf, .iova = MEM_IOVA, .size = 4096 };
	assert_int_equal(lab_ioctl(fx.container, VFIO_IOMMU_MAP_DMA, &m), 0);
	return 0;
}

static int teardown(void **state)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
	assert_false(mmio_trap_any());
	munmap(fx.buf, 4096);
	return 0;
}

static int map_dma(void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)vaddr, .iova = iova, .size = size };
	return lab_ioctl(fx.container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static uint64_t unmap_dma(uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };
	assert_int_equal(lab_ioctl(fx.container, VFIO_IOMMU_UNMAP_DMA, &u), 0);
	return u.size;
}

/* The engine copies 8 bytes from @src to the buffer: its STATUS after the copy. */
static uint32_t copy_to_buf(uint64_t src)
{
	memset(fx.buf, 0, 8);
	dev_write(REG_SRC_LO, (uint32_t)src);
	dev_write(REG_SRC_HI, (uint32_t)(src >> 32));
	dev_write(REG_DST_LO, (uint32_t)MEM_IOVA);
	dev_write(REG_DST_HI, 0);
	dev_write(REG_LEN, 8);
	dev_write(REG_SID_IDX, 0);
	dev_write(REG_CTRL, 1);		/* START */
	uint32_t st = dev_read(REG_STATUS);
	/* Each read lets virtual time pass: the copy ends within a few. */
	for (int i = 0; i < 1000 && (st & 1); i++)
		st = dev_read(REG_STATUS);
	dev_write(REG_STATUS, ST_DONE | ST_ERROR);
	return st & (ST_DONE | ST_ERROR);
}

/* The IOVA of a mapped region reaches the region: the engine reads its own ID. */
static void test_map_region_reaches_mmio(void **state)
{
	void *regs = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fx.device, 0);
	uint32_t id;

	assert_true(regs != MAP_FAILED);
	assert_int_equal(map_dma(regs, MMIO_IOVA, 4096,
				 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE), 0);
	/* The same range again: -EEXIST, as for memory. */
	assert_int_equal(map_dma(regs, MMIO_IOVA, 4096, VFIO_DMA_MAP_FLAG_READ), -EEXIST);
	assert_int_equal(copy_to_buf(MMIO_IOVA), ST_DONE);
	memcpy(&id, fx.buf, 4);
	assert_int_equal(id, ID_VALUE);
	assert_int_equal(oracle_escapes(), 0);
	assert_int_equal(unmap_dma(MMIO_IOVA, 4096), 4096);
	/* Gone from the IOMMU: the next copy faults. */
	assert_int_equal(copy_to_buf(MMIO_IOVA), ST_DONE | ST_ERROR);
	assert_int_equal(lab_munmap(regs, 4096), 0);
}

/* What the mapping cannot give: -EFAULT, and nothing mapped. */
static void test_map_region_refused(void **state)
{
	void *ro = lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fx.device, 0);
	uint8_t *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(ro != MAP_FAILED && two != MAP_FAILED);
	/* A device that writes needs a writable mapping. */
	assert_int_equal(map_dma(ro, MMIO_IOVA, 4096,
				 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE), -EFAULT);
	/* A range running past the mapping into memory. */
	void *rw = lab_mmap(two, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fx.device, 0);
	assert_ptr_equal(rw, two);
	assert_int_equal(map_dma(two, MMIO_IOVA, 8192, VFIO_DMA_MAP_FLAG_READ), -EFAULT);
	assert_int_equal(copy_to_buf(MMIO_IOVA), ST_DONE | ST_ERROR);
	/* Read-only of the read-only mapping is fine. */
	assert_int_equal(map_dma(ro, MMIO_IOVA, 4096, VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(copy_to_buf(MMIO_IOVA), ST_DONE);
	assert_int_equal(unmap_dma(MMIO_IOVA, 4096), 4096);
	assert_int_equal(lab_munmap(ro, 4096), 0);
	assert_int_equal(lab_munmap(two, 8192), 0);
}

/* Linux's type1 keeps the frames mapped until UNMAP_DMA, whatever the vma does. */
static void test_region_unmapped_stays_until_unmap_dma(void **state)
{
	void *regs = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fx.device, 0);
	uint32_t id;

	assert_true(regs != MAP_FAILED);
	assert_int_equal(map_dma(regs, MMIO_IOVA, 4096, VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(lab_munmap(regs, 4096), 0);
	assert_false(mmio_trap_any());
	assert_int_equal(copy_to_buf(MMIO_IOVA), ST_DONE);
	memcpy(&id, fx.buf, 4);
	assert_int_equal(id, ID_VALUE);
	assert_int_equal(unmap_dma(MMIO_IOVA, 4096), 4096);
	assert_int_equal(oracle_escapes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_region_reaches_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_region_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_unmapped_stays_until_unmap_dma, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
