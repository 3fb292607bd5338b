/*
 * VFIO through the lab's fd API on the built-in platform (arm-smmu, the
 * dma-copy engines): containers, groups, type1 and vfio-platform, with
 * Linux's errno values, the ownership rules, and device DMA into this
 * program's own buffers. The oracle watches every test: no escape.
 */
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "check/oracle.h"
#include "test_util.h"
#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/user_frames.h"
#include "kernel/kernel.h"
#include "hw/machine.h"
#include "kernel/base/printk.h"

#define DEV0 "a000000.dma"
#define DEV1 "a001000.dma"
#define SHARED_A "a002000.dma"
#define SHARED_B "a003000.dma"
#define UNSAFE "vfio_iommu_type1.allow_unsafe_interrupts=1"

#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define REG_ERR_CODE 0x030

/* ---- helpers ------------------------------------------------------------ */

static void boot(const char *cmdline)
{
	assert_int_equal(tu_lab_boot(NULL, cmdline), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
}

/* Every descriptor closed, then the shutdown's oracle check (test_util.h): no escape. */
static void shutdown_checked(void)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
}

static int group_of(const char *dev)
{
	char link[256], target[256];
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", dev);
	ssize_t n = lab_readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	return atoi(strrchr(target, '/') + 1);
}

static int open_group(int id)
{
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	return lab_open(path, O_RDWR, 0);
}

struct ctx {
	int container, group, gid;
};

/* Container + group of @dev (bound to vfio-platform), TYPE1v2 set. */
static void setup_ctx(struct ctx *c, const char *dev)
{
	assert_int_equal(tu_to_vfio(dev, "dma-copy"), 0);
	c->gid = group_of(dev);
	c->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(c->container >= 0);
	c->group = open_group(c->gid);
	assert_true(c->group >= 0);
	assert_int_equal(lab_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container), 0);
	assert_int_equal(lab_ioctl(c->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
}

static int map(int container, void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags,
		.vaddr = (uintptr_t)vaddr, .iova = iova, .size = size,
	};
	return lab_ioctl(container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
}

static int unmap(int container, uint64_t iova, uint64_t size, uint32_t flags, uint64_t *done)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	int ret = lab_ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u) ? -errno : 0;
	if (done)
		*done = u.size;
	return ret;
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void *buffer(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static void reg_write(int dev, uint32_t off, uint32_t val)
{
	assert_int_equal(lab_pwrite(dev, &val, 4, off), 4);
}

static uint32_t reg_read(int dev, uint32_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(dev, &v, 4, off), 4);
	return v;
}

static void start_copy(int dev, uint64_t src, uint64_t dst, uint32_t len)
{
	reg_write(dev, REG_SRC_LO, (uint32_t)src);
	reg_write(dev, REG_SRC_HI, (uint32_t)(src >> 32));
	reg_write(dev, REG_DST_LO, (uint32_t)dst);
	reg_write(dev, REG_DST_HI, (uint32_t)(dst >> 32));
	reg_write(dev, REG_LEN, len);
	reg_write(dev, REG_CTRL, 3);   /* IRQ_EN | START */
}

static int set_trigger(int dev, int efd)
{
	char b[sizeof(struct vfio_irq_set) + 4];
	struct vfio_irq_set *s = (void *)b;
	s->argsz = sizeof(b);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = 0;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &efd, 4);
	return lab_ioctl(dev, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

static int irq_simple(int dev, uint32_t flags)
{
	struct vfio_irq_set s = { .argsz = sizeof(s), .flags = flags, .index = 0, .start = 0,
				  .count = 1 };
	return lab_ioctl(dev, VFIO_DEVICE_SET_IRQS, &s) ? -errno : 0;
}

/* Spins on STATUS while BUSY, as a driver without interrupts does (each read takes time). */
static uint32_t wait_idle(int dev)
{
	uint32_t st = 0;
	for (int i = 0; i < 1000000; i++)
		if (!((st = reg_read(dev, REG_STATUS)) & 1))
			break;
	return st;
}

/* Waits as a program does (virtual time runs until it fires or nothing is pending). */
static uint64_t efd_count(int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	if (lab_irq_wait(&p, 1, -1) != 1)
		return 0;
	uint64_t v = 0;
	assert_int_equal(read(efd, &v, 8), 8);
	return v;
}

/* ---- container and group basics ------------------------------------------- */

static void test_container_basics(void **state)
{
	boot(UNSAFE);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(c >= 0);
	assert_true(lab_fd_is_lab(c));
	assert_int_equal(lab_ioctl(c, VFIO_GET_API_VERSION, NULL), VFIO_API_VERSION);
	assert_int_equal(lab_ioctl(c, VFIO_CHECK_EXTENSION, (void *)VFIO_TYPE1_IOMMU), 1);
	assert_int_equal(lab_ioctl(c, VFIO_CHECK_EXTENSION, (void *)VFIO_TYPE1v2_IOMMU), 1);
	assert_int_equal(lab_ioctl(c, VFIO_CHECK_EXTENSION, (void *)VFIO_UNMAP_ALL), 1);
	assert_int_equal(lab_ioctl(c, VFIO_CHECK_EXTENSION, (void *)VFIO_SPAPR_TCE_IOMMU), 0);
	/* No group yet: SET_IOMMU and backend ioctls are refused. */
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), -1);
	assert_int_equal(errno, EINVAL);
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	assert_int_equal(lab_ioctl(c, VFIO_IOMMU_GET_INFO, &info), -1);
	assert_int_equal(errno, EINVAL);
	struct stat st;
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(lab_close(c), 0);
	assert_int_equal(lab_close(c), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(lab_ioctl(c, VFIO_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, EBADF);
	shutdown_checked();
}

static int count_names(void *opaque, const char *name, unsigned char t)
{
	(*(int *)opaque)++;
	return 0;
}

static void test_group_node(void **state)
{
	boot(UNSAFE);
	int gid = group_of(DEV0);
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	struct stat st;
	/* No node before a VFIO driver binds. */
	assert_int_equal(lab_stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(open_group(gid), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	assert_int_equal(lab_stat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	int n = 0;
	assert_int_equal(lab_listdir("/dev/vfio", count_names, &n), 0);
	assert_int_equal(n, 4);   /* . .. N vfio */
	int g = open_group(gid);
	assert_true(g >= 0);
	/* One opener at a time. */
	assert_int_equal(open_group(gid), -1);
	assert_int_equal(errno, EBUSY);
	struct vfio_group_status s = { .argsz = sizeof(s) };
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &s), 0);
	assert_int_equal(s.flags, VFIO_GROUP_FLAGS_VIABLE);
	s.argsz = 4;
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_UNSET_CONTAINER, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(g, 0x1234, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	/* Device fd needs a container with a backend. */
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_DEVICE_FD, DEV0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_close(g), 0);
	g = open_group(gid);
	assert_true(g >= 0);
	shutdown_checked();
}

/* ---- viability and ownership --------------------------------------------- */

static void test_viability(void **state)
{
	boot(UNSAFE);
	/* a002000/a003000 share a stream ID: one group. One stays on dma-copy. */
	assert_int_equal(group_of(SHARED_A), group_of(SHARED_B));
	assert_int_equal(tu_to_vfio(SHARED_A, "dma-copy"), 0);
	int gid = group_of(SHARED_A);
	int g = open_group(gid);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(g >= 0 && c >= 0);
	struct vfio_group_status s = { .argsz = sizeof(s) };
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &s), 0);
	assert_int_equal(s.flags & VFIO_GROUP_FLAGS_VIABLE, 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -1);
	assert_int_equal(errno, EPERM);
	/* Unbound is fine. */
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/unbind", SHARED_B), 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &s), 0);
	assert_int_equal(s.flags, VFIO_GROUP_FLAGS_VIABLE);
	/* Bad descriptors. */
	int bad = 12345;
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &bad), -1);
	assert_int_equal(errno, EBADF);
	int notc = g;
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &notc), -1);
	assert_int_equal(errno, EBADFD);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, NULL), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &s), 0);
	assert_int_equal(s.flags, VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -1);
	assert_int_equal(errno, EINVAL);
	/* Owned: a DMA-using kernel driver cannot bind into the group. */
	assert_int_not_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/bind", SHARED_B), 0);
	/* Released: it can. */
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/bind", SHARED_B), 0);
	shutdown_checked();
}

static void test_unsafe_interrupts(void **state)
{
	boot(NULL);   /* no allow_unsafe_interrupts: platform devices lack MSI isolation */
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = open_group(group_of(DEV0));
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), -1);
	assert_int_equal(errno, EPERM);
	size_t len;
	const char *log = dmesg_text(&len);
	assert_non_null(strstr(log, "No interrupt remapping support"));
	/* Nothing changed: the container has no backend. */
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)42), -1);
	assert_int_equal(errno, ENODEV);
	shutdown_checked();
}

/*
 * A PCI function whose MSIs go to the ITS (the host bridge's msi-map, no
 * msi-parent of its own) is isolated, as iommu_group_has_isolated_msi
 * answers on Linux: type1 takes its group without allow_unsafe_interrupts.
 * The NVMe shares group 3 with its root port, which is under the ITS too.
 */
static void test_pci_its_isolated(void **state)
{
	const char *d = "/sys/bus/pci/devices/0000:01:00.0";

	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-pci"), 0);
	assert_int_equal(tu_sh("echo vfio-pci > %s/driver_override", d), 0);
	assert_int_equal(tu_sh("echo 0000:01:00.0 > %s/driver/unbind", d), 0);
	assert_int_equal(tu_sh("echo 0000:01:00.0 > /sys/bus/pci/drivers_probe"), 0);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = open_group(3);
	assert_true(c >= 0 && g >= 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	size_t len;
	assert_null(strstr(dmesg_text(&len), "No interrupt remapping support"));
	shutdown_checked();
}

/* ---- type1 ----------------------------------------------------------------- */

static void test_set_iommu(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	assert_int_equal(lab_ioctl(c.container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(c.container, 0x7777, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(lab_ioctl(c.container, VFIO_CHECK_EXTENSION, (void *)VFIO_TYPE1v2_IOMMU), 1);
	shutdown_checked();
}

static void test_get_info(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	struct vfio_iommu_type1_info small = { .argsz = sizeof(small) };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, &small), 0);
	assert_true(small.flags & VFIO_IOMMU_INFO_PGSIZES);
	assert_true(small.flags & VFIO_IOMMU_INFO_CAPS);
	assert_true(small.iova_pgsizes & 4096);
	assert_int_equal(small.cap_offset, 0);
	assert_true(small.argsz > sizeof(small));
	/* argsz below iova_pgsizes: -EINVAL. */
	struct vfio_iommu_type1_info tiny = { .argsz = 8 };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, &tiny), -1);
	assert_int_equal(errno, EINVAL);

	struct vfio_iommu_type1_info *info = calloc(1, small.argsz);
	info->argsz = small.argsz;
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, info), 0);
	assert_int_equal(info->cap_offset, sizeof(*info));
	int seen = 0;
	for (uint32_t off = info->cap_offset; off;) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);
		assert_int_equal(off % 8, 0);
		if (seen == 0) {
			assert_int_equal(h->id, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
			struct vfio_iommu_type1_info_cap_migration *m = (void *)h;
			assert_int_equal(m->pgsize_bitmap, 4096);
		} else if (seen == 1) {
			assert_int_equal(h->id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
			assert_int_equal(((struct vfio_iommu_type1_info_dma_avail *)h)->avail, 65535);
		} else {
			assert_int_equal(h->id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
			/* The SMMU's software MSI window is carved out. */
			assert_int_equal(r->nr_iovas, 2);
			assert_int_equal(r->iova_ranges[0].start, 0);
			assert_int_equal(r->iova_ranges[0].end, 0x7ffffff);
			assert_int_equal(r->iova_ranges[1].start, 0x8100000);
		}
		seen++;
		off = h->next;
	}
	assert_int_equal(seen, 3);
	free(info);
	shutdown_checked();
}

/* Linux copies back min(argsz, sizeof(info)) bytes of a zeroed info (cap_offset 0). */
static void test_get_info_argsz(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	static const uint32_t sizes[] = { 16, 17, 19, 20, 23, 24, 31, 32 };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t buf[64];
		memset(buf, 0xff, sizeof(buf));
		struct vfio_iommu_type1_info *info = (void *)buf;
		info->argsz = sizes[i];
		assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, info), 0);
		/* Too small for the capabilities: argsz says what is needed. */
		assert_true(info->argsz > sizeof(*info));
		assert_int_equal(info->flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
		size_t copied = MIN(sizes[i], sizeof(*info));
		for (size_t b = 16; b < sizeof(buf); b++)
			assert_int_equal(buf[b], b < copied ? 0 : 0xff);
	}
	shutdown_checked();
}

static void test_map_errors(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	size_t sz = 64 * 1024;
	uint8_t *b = buffer(sz);
	uint64_t done;

	assert_int_equal(map(c.container, b, 0x100000, sz, 0), -EINVAL);          /* no prot */
	assert_int_equal(map(c.container, b, 0x100000, sz, RW | 0x80), -EINVAL);   /* flags */
	assert_int_equal(map(c.container, b, 0x100000, 0, RW), -EINVAL);           /* size 0 */
	assert_int_equal(map(c.container, b, 0x100800, sz, RW), -EINVAL);          /* iova */
	assert_int_equal(map(c.container, b + 8, 0x100000, sz, RW), -EINVAL);      /* vaddr */
	assert_int_equal(map(c.container, b, 0x100000, sz - 1, RW), -EINVAL);      /* size */
	assert_int_equal(map(c.container, b, UINT64_MAX - 0xfff, sz, RW), -EINVAL); /* wrap */
	assert_int_equal(map(c.container, b, 0x8000000, sz, RW), -EINVAL);         /* MSI window */
	assert_int_equal(map(c.container, b, 0x7ff0000, 0x20000, RW), -EINVAL);    /* straddles */
	assert_int_equal(map(c.container, NULL, 0x100000, sz, RW), -EFAULT);       /* not mapped */
	assert_int_equal(map(c.container, b, 0x100000, sz, VFIO_DMA_MAP_FLAG_VADDR), -ENOENT);

	assert_int_equal(map(c.container, b, 0x100000, sz, RW), 0);
	assert_int_equal(map(c.container, b, 0x100000, sz, RW), -EEXIST);
	assert_int_equal(map(c.container, b, 0x108000, sz, RW), -EEXIST);
	assert_int_equal(map(c.container, b, 0xf8000, sz, RW), -EEXIST);
	assert_int_equal(map(c.container, b, 0x110000, sz, RW), 0);                /* adjacent */

	/* v2: no bisection; nothing mapped: size 0. */
	assert_int_equal(unmap(c.container, 0x104000, 0x1000, 0, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, 0x1000, 0, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100800, 0x1000, 0, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, 0, 0, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, sz, 0x80, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, sz, VFIO_DMA_UNMAP_FLAG_ALL, NULL), -EINVAL);
	assert_int_equal(unmap(c.container, 0x40000000, 0x1000, 0, &done), 0);
	assert_int_equal(done, 0);
	/* Two whole mappings in one call. */
	assert_int_equal(unmap(c.container, 0x100000, 2 * sz, 0, &done), 0);
	assert_int_equal(done, 2 * sz);
	assert_int_equal(unmap(c.container, 0x100000, 2 * sz, 0, &done), 0);
	assert_int_equal(done, 0);

	assert_int_equal(map(c.container, b, 0x200000, sz, RW), 0);
	assert_int_equal(map(c.container, b, 0x300000, sz, VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(unmap(c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 2 * sz);
	munmap(b, sz);
	shutdown_checked();
}

/* The DMA_AVAIL capability's value, or -1 when absent. */
static long dma_avail(int container)
{
	uint8_t buf[512] = { 0 };
	struct vfio_iommu_type1_info *info = (void *)buf;
	info->argsz = sizeof(buf);
	assert_int_equal(lab_ioctl(container, VFIO_IOMMU_GET_INFO, info), 0);
	for (uint32_t off = info->cap_offset; off;) {
		struct vfio_info_cap_header *h = (void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL)
			return ((struct vfio_iommu_type1_info_dma_avail *)h)->avail;
		off = h->next;
	}
	return -1;
}

static int unmap_bitmap(int container, uint32_t argsz, uint32_t flags, uint64_t iova,
			uint64_t size, uint64_t pgsize, uint64_t *bm, uint64_t bmsize)
{
	char ub[sizeof(struct vfio_iommu_type1_dma_unmap) + sizeof(struct vfio_bitmap)];
	struct vfio_iommu_type1_dma_unmap *u = (void *)ub;
	struct vfio_bitmap *vb = (void *)u->data;
	*u = (struct vfio_iommu_type1_dma_unmap){ .argsz = argsz, .flags = flags,
						  .iova = iova, .size = size };
	*vb = (struct vfio_bitmap){ .pgsize = pgsize, .size = bmsize, .data = (__u64 *)bm };
	return lab_ioctl(container, VFIO_IOMMU_UNMAP_DMA, u) ? -errno : 0;
}

/* The checks test_map_errors leaves out; every refusal changes nothing. */
static void test_map_unmap_checks(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x4000);
	assert_int_equal(dma_avail(c.container), 65535);
	/* argsz below the end of size: -EINVAL, for map and unmap. */
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m) - 1, .flags = RW,
		.vaddr = (uintptr_t)b, .iova = 0x100000, .size = 0x4000 };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_MAP_DMA, &m), -1);
	assert_int_equal(errno, EINVAL);
	/* vaddr + size wraps (iova is fine): -EINVAL, not -EFAULT. */
	struct vfio_iommu_type1_dma_map w = { .argsz = sizeof(w), .flags = RW,
		.vaddr = UINT64_MAX - 0xfff, .iova = 0x100000, .size = 0x2000 };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_MAP_DMA, &w), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(map(c.container, b, 0x100000, 0x4000, VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(map(c.container, b, 0x200000, 0x4000, VFIO_DMA_MAP_FLAG_WRITE), 0);
	assert_int_equal(dma_avail(c.container), 65533);
	/* Failed maps take no entry. */
	assert_int_equal(map(c.container, b, 0x102000, 0x4000, RW), -EEXIST);
	assert_int_equal(map(c.container, b, 0x8000000, 0x1000, RW), -EINVAL);
	assert_int_equal(map(c.container, NULL, 0x300000, 0x1000, RW), -EFAULT);
	assert_int_equal(dma_avail(c.container), 65533);

	struct vfio_iommu_type1_dma_unmap u = { .argsz = 16, .iova = 0x100000, .size = 0x4000 };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_UNMAP_DMA, &u), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, UINT64_MAX - 0xfff, 0, NULL), -EINVAL); /* wrap */
	assert_int_equal(unmap(c.container, 0x100000, 0x800, 0, NULL), -EINVAL);
	/* GET_DIRTY_BITMAP: never with ALL or VADDR; needs room for the bitmap, tracking on,
	 * the smallest page size and a big enough bitmap. */
	uint64_t bm[4] = { 0 };
	uint32_t full = sizeof(struct vfio_iommu_type1_dma_unmap) + sizeof(struct vfio_bitmap);
	uint32_t dbm = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	assert_int_equal(unmap_bitmap(c.container, full, dbm | VFIO_DMA_UNMAP_FLAG_ALL, 0, 0,
				      4096, bm, 8), -EINVAL);
	assert_int_equal(unmap_bitmap(c.container, full, dbm | VFIO_DMA_UNMAP_FLAG_VADDR,
				      0x100000, 0x4000, 4096, bm, 8), -EINVAL);
	assert_int_equal(unmap_bitmap(c.container, full - 1, dbm, 0x100000, 0x4000, 4096, bm, 8),
			 -EINVAL);
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 4096, bm, 8),
			 -EINVAL);   /* not tracking */
	struct vfio_iommu_type1_dirty_bitmap start = { .argsz = sizeof(start),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_DIRTY_PAGES, &start), 0);
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 8192, bm, 8),
			 -EINVAL);   /* page size */
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 4096, bm, 0),
			 -EINVAL);   /* bitmap size */
	/* A bitmap outside user space fails access_ok (-EINVAL); NULL passes it and faults. */
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 4096,
				      (uint64_t *)0xffff000000000000ull, 8), -EINVAL);
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 4096, NULL, 8),
			 -EFAULT);
	assert_int_equal(dma_avail(c.container), 65533);
	/* Nothing changed: both mappings are still there, whole. */
	assert_int_equal(map(c.container, b, 0x100000, 0x1000, RW), -EEXIST);
	assert_int_equal(map(c.container, b, 0x203000, 0x1000, RW), -EEXIST);
	uint64_t done;
	assert_int_equal(unmap_bitmap(c.container, full, dbm, 0x100000, 0x4000, 4096, bm, 8), 0);
	assert_int_equal(bm[0], 0xf);
	assert_int_equal(dma_avail(c.container), 65534);
	assert_int_equal(unmap(c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 0x4000);
	assert_int_equal(dma_avail(c.container), 65535);
	/* ALL with nothing mapped: success, size 0. */
	assert_int_equal(unmap(c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 0);
	munmap(b, 0x4000);
	shutdown_checked();
}

static void test_v1_unmap(void **state)
{
	boot(UNSAFE);
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = open_group(group_of(DEV0));
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1_IOMMU), 0);
	uint8_t *b = buffer(0x4000);
	uint64_t done;
	assert_int_equal(map(c, b, 0x100000, 0x4000, RW), 0);
	/* v1: starting inside a mapping removes nothing, successfully. */
	assert_int_equal(unmap(c, 0x101000, 0x1000, 0, &done), 0);
	assert_int_equal(done, 0);
	/* Covering its first byte removes all of it. */
	assert_int_equal(unmap(c, 0x100000, 0x1000, 0, &done), 0);
	assert_int_equal(done, 0x4000);
	/* Dirty tracking is a v2 feature. */
	struct vfio_iommu_type1_dirty_bitmap db = { .argsz = sizeof(db),
		.flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_START };
	assert_int_equal(lab_ioctl(c, VFIO_IOMMU_DIRTY_PAGES, &db), -1);
	assert_int_equal(errno, EACCES);
	munmap(b, 0x4000);
	shutdown_checked();
}

static void test_entry_limit(void **state)
{
	boot(UNSAFE " vfio_iommu_type1.dma_entry_limit=3");
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(map(c.container, b, 0x100000 + i * 0x1000, 0x1000, RW), 0);
	assert_int_equal(map(c.container, b, 0x200000, 0x1000, RW), -ENOSPC);
	/* Overlap is reported before the limit. */
	assert_int_equal(map(c.container, b, 0x100000, 0x1000, RW), -EEXIST);
	assert_int_equal(unmap(c.container, 0x100000, 0x1000, 0, NULL), 0);
	assert_int_equal(map(c.container, b, 0x200000, 0x1000, RW), 0);
	munmap(b, 0x1000);
	shutdown_checked();
}

/* Pinning needs the access the device gets: Linux's pin_user_pages faults otherwise. */
static void test_map_protections(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *ro = mmap(NULL, 0x2000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *none = mmap(NULL, 0x1000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED && none != MAP_FAILED);
	assert_int_equal(map(c.container, ro, 0x100000, 0x2000, RW), -EFAULT);
	assert_int_equal(map(c.container, ro, 0x100000, 0x2000, VFIO_DMA_MAP_FLAG_WRITE), -EFAULT);
	assert_int_equal(map(c.container, none, 0x100000, 0x1000, VFIO_DMA_MAP_FLAG_READ), -EFAULT);
	/* Large ranges (checked another way): the last page read-only, or none at all. */
	uint8_t *big = buffer(0x100000);
	assert_int_equal(mprotect(big + 0xff000, 0x1000, PROT_READ), 0);
	assert_int_equal(map(c.container, big, 0x200000, 0x100000, RW), -EFAULT);
	assert_int_equal(map(c.container, big, 0x200000, 0x100000, VFIO_DMA_MAP_FLAG_READ), 0);
	assert_int_equal(mprotect(big, 0x100000, PROT_NONE), 0);
	assert_int_equal(map(c.container, big, 0x400000, 0x100000, VFIO_DMA_MAP_FLAG_READ), -EFAULT);
	assert_int_equal(unmap(c.container, 0x200000, 0x100000, 0, NULL), 0);
	munmap(big, 0x100000);
	assert_int_equal(dma_avail(c.container), 65535);
	/* Read-only memory the device only reads: fine, and a device write faults. */
	assert_int_equal(map(c.container, ro, 0x100000, 0x2000, VFIO_DMA_MAP_FLAG_READ), 0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	start_copy(d, 0x100000, 0x101000, 0x1000);
	assert_int_equal(wait_idle(d) & 4, 4);   /* ERROR: the write to 0x101000 faulted */
	assert_int_equal(lab_close(d), 0);
	munmap(ro, 0x2000);
	munmap(none, 0x1000);
	shutdown_checked();
}

/* v1 keeps Linux's old rules: an unmap starting inside a mapping stops there. */
static void test_v1_rules(void **state)
{
	boot(UNSAFE);
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = open_group(group_of(DEV0));
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1_IOMMU), 0);
	uint8_t *b = buffer(0x4000);
	uint64_t done;
	assert_int_equal(map(c, b, 0x100000, 0x4000, RW), 0);
	assert_int_equal(map(c, b, 0x104000, 0x4000, RW), 0);
	assert_int_equal(map(c, b, 0x102000, 0x4000, RW), -EEXIST);
	/* Starting inside the first mapping: nothing, even the second one it covers. */
	assert_int_equal(unmap(c, 0x102000, 0x6000, 0, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(dma_avail(c), 65533);
	/* Ending inside the second one removes both whole. */
	assert_int_equal(unmap(c, 0x100000, 0x5000, 0, &done), 0);
	assert_int_equal(done, 0x8000);
	assert_int_equal(map(c, b, 0x100000, 0x4000, RW), 0);
	assert_int_equal(unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 0x4000);
	assert_int_equal(dma_avail(c), 65535);
	munmap(b, 0x4000);
	shutdown_checked();
}

/* Linux's default dma_entry_limit: 65,535 mappings, then -ENOSPC. */
static void test_entry_limit_default(void **state)
{
	boot(UNSAFE " vfio_iommu_type1.disable_hugepages=1");
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x1000);
	uint64_t done;
	for (uint64_t i = 0; i < 65535; i++)
		if (map(c.container, b, 0x10000000 + i * 0x1000, 0x1000, VFIO_DMA_MAP_FLAG_READ))
			fail_msg("map %llu failed", (unsigned long long)i);
	assert_int_equal(dma_avail(c.container), 0);
	assert_int_equal(map(c.container, b, 0x40000000, 0x1000, RW), -ENOSPC);
	assert_int_equal(unmap(c.container, 0x10000000, 0x1000, 0, &done), 0);
	assert_int_equal(dma_avail(c.container), 1);
	assert_int_equal(map(c.container, b, 0x40000000, 0x1000, RW), 0);
	assert_int_equal(unmap(c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 65535ull * 0x1000);
	assert_int_equal(dma_avail(c.container), 65535);
	munmap(b, 0x1000);
	shutdown_checked();
}

/* Container and group errno values not covered above. */
static void test_container_group_errors(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	/* SET_IOMMU: another type, or any type, once set: -EINVAL; unknown types: -ENODEV
	 * only while no backend is set (SPAPR, no-IOMMU). */
	assert_int_equal(lab_ioctl(c.container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1_IOMMU), -1);
	assert_int_equal(errno, EINVAL);
	int c2 = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(c2 >= 0);
	/* A group already in one container cannot join another. */
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_SET_CONTAINER, &c2), -1);
	assert_int_equal(errno, EINVAL);
	/* A second group in the second container: unknown IOMMU types. */
	assert_int_equal(tu_to_vfio(SHARED_A, "dma-copy"), 0);
	int gs = open_group(group_of(SHARED_A));
	assert_true(gs >= 0);
	/* SHARED_B still uses the DMA API: not viable, -EPERM, nothing attached. */
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_SET_CONTAINER, &c2), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(lab_ioctl(c2, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/unbind", SHARED_B), 0);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_SET_CONTAINER, &c2), 0);
	assert_int_equal(lab_ioctl(c2, VFIO_SET_IOMMU, (void *)VFIO_SPAPR_TCE_IOMMU), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(lab_ioctl(c2, VFIO_SET_IOMMU, (void *)VFIO_NOIOMMU_IOMMU), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(lab_ioctl(c2, VFIO_SET_IOMMU, (void *)VFIO_TYPE1_IOMMU), 0);
	/* GET_DEVICE_FD: a device of the group not bound to VFIO, a device of another
	 * group, no such device: -ENODEV. */
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_GET_DEVICE_FD, SHARED_B), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_GET_DEVICE_FD, DEV0), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_GET_DEVICE_FD, "nonexistent"), -1);
	assert_int_equal(errno, ENODEV);
	/* UNSET_CONTAINER: -EBUSY while any device fd (or a dup of one) is open. */
	int d = lab_ioctl(gs, VFIO_GROUP_GET_DEVICE_FD, SHARED_A);
	assert_true(d >= 0);
	assert_int_equal(fcntl(d, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);   /* as Linux */
	int d2 = lab_dup(d, -1, 0);
	assert_true(d2 >= 0);
	assert_int_equal(lab_close(d), 0);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_UNSET_CONTAINER, NULL), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(lab_close(d2), 0);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	assert_int_equal(lab_ioctl(gs, VFIO_GROUP_UNSET_CONTAINER, NULL), -1);
	assert_int_equal(errno, EINVAL);
	shutdown_checked();
}

/* Every order of closing device, group and container fds releases the group to its
 * default domain: a kernel driver binds again and its DMA works. */
static void test_close_orders(void **state)
{
	static const char orders[6][3] = {
		"dgc", "dcg", "gdc", "gcd", "cdg", "cgd",
	};
	for (int o = 0; o < 6; o++) {
		boot(UNSAFE);
		struct ctx c;
		setup_ctx(&c, DEV0);
		uint8_t *b = buffer(0x2000);
		assert_int_equal(map(c.container, b, 0x100000, 0x2000, RW), 0);
		int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
		assert_true(d >= 0);
		for (int i = 0; i < 3; i++) {
			int fd = orders[o][i] == 'd' ? d : orders[o][i] == 'g' ? c.group : c.container;
			assert_int_equal(lab_close(fd), 0);
		}
		assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/unbind", DEV0), 0);
		assert_int_equal(tu_sh("echo > /sys/bus/platform/devices/%s/driver_override", DEV0), 0);
		assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/bind", DEV0), 0);
		assert_int_equal(tu_sh("dmatest %s 4096", DEV0), 0);
		munmap(b, 0x2000);
		shutdown_checked();
		assert_int_equal(kalloc_outstanding(), 0);
	}
}

/* ---- device fd ---------------------------------------------------------------- */

static void test_device_info(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, "nope"), -1);
	assert_int_equal(errno, ENODEV);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	struct vfio_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_INFO, &di), 0);
	assert_int_equal(di.flags, VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(di.num_regions, 1);
	assert_int_equal(di.num_irqs, 1);
	di.argsz = 8;
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_INFO, &di), -1);
	assert_int_equal(errno, EINVAL);
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	assert_int_equal(ri.size, 0x1000);
	assert_int_equal(ri.offset, 0);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				   VFIO_REGION_INFO_FLAG_MMAP);
	ri.index = 1;
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &ri), -1);
	assert_int_equal(errno, EINVAL);
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = 0 };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_int_equal(ii.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
				   VFIO_IRQ_INFO_AUTOMASKED);
	ii.index = 1;
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &ii), -1);
	assert_int_equal(errno, EINVAL);
	/* Region access: the ID register, bad index, past the end. */
	assert_int_equal(reg_read(d, 0), 0x444d4143);
	uint32_t v;
	assert_int_equal(lab_pread(d, &v, 4, 1ull << 40), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_pread(d, &v, 4, 0x1000), -1);
	assert_int_equal(errno, EINVAL);
	/* mmap is not offered; reset is. */
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_RESET, NULL), 0);
	assert_int_equal(lab_ioctl(d, 0x5555, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	/* Device fds keep the container in use. */
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_UNSET_CONTAINER, NULL), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(lab_close(d), 0);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	shutdown_checked();
}

static void test_irqs(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	int efd = eventfd(0, EFD_CLOEXEC);
	/* Validation. */
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
				       VFIO_IRQ_SET_ACTION_TRIGGER), -EINVAL);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
				       VFIO_IRQ_SET_ACTION_UNMASK), -ENOTTY);
	assert_int_equal(set_trigger(d, 9999), -EBADF);
	assert_int_equal(set_trigger(d, c.container), -EINVAL);   /* not an eventfd */
	struct vfio_irq_set s = { .argsz = sizeof(s), .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_TRIGGER, .index = 0, .count = 1 };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_SET_IRQS, &s), -1);      /* short data */
	assert_int_equal(errno, EINVAL);
	s.index = 1;
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_SET_IRQS, &s), -1);
	assert_int_equal(errno, EINVAL);

	/* Loopback: DATA_NONE trigger signals; automasked until unmask. */
	assert_int_equal(set_trigger(d, efd), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER), 0);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER), 0);
	assert_int_equal(efd_count(efd), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER), 0);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER), 0);
	assert_int_equal(efd_count(efd), 0);
	/* Disable the index: DATA_NONE, count 0. */
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK), 0);
	struct vfio_irq_set off = { .argsz = sizeof(off), .flags = VFIO_IRQ_SET_DATA_NONE |
				    VFIO_IRQ_SET_ACTION_TRIGGER, .index = 0, .count = 0 };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_SET_IRQS, &off), 0);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER), 0);
	assert_int_equal(efd_count(efd), 0);
	close(efd);
	shutdown_checked();
}

/* ---- DMA into the program's memory ------------------------------------------- */

static void test_dma_into_user_buffer(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	size_t sz = 0x10000;
	uint8_t *b = buffer(sz);
	for (size_t i = 0; i < sz / 2; i++)
		b[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(map(c.container, b, 0x400000, sz, RW), 0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	int efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(set_trigger(d, efd), 0);
	start_copy(d, 0x400000, 0x400000 + sz / 2, (uint32_t)(sz / 2));
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(reg_read(d, REG_STATUS) & 6, 2);   /* DONE, no ERROR */
	assert_memory_equal(b, b + sz / 2, sz / 2);
	reg_write(d, REG_STATUS, 2);
	assert_int_equal(irq_simple(d, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK), 0);

	/* An unmapped destination faults; the program's memory is untouched. */
	memset(b + sz / 2, 0x5a, sz / 2);
	start_copy(d, 0x400000, 0x900000, 0x1000);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(reg_read(d, REG_STATUS) & 4, 4);
	assert_int_equal(reg_read(d, REG_ERR_CODE), 2);
	for (size_t i = sz / 2; i < sz; i++)
		assert_int_equal(b[i], 0x5a);
	struct oracle_counts oc;
	oracle_get_counts(&oc);
	assert_true(oc.faults > 0);
	close(efd);
	shutdown_checked();
}

/*
 * Issue 9: pinned user memory is the program's, not the lab's RAM. A lab of
 * 1 GiB (QEMU's -m 1024) maps a sparse 4 GiB buffer: no page of the lab's
 * RAM goes to it (page tables aside), pages never touched are neither
 * copied nor made, a device DMA into its last page lands in the program's
 * buffer, and the frames go at unmap.
 */
static void test_map_4g_sparse(void **state)
{
	const uint64_t sz = 4ull << 30, iova = 1ull << 32;

	boot(UNSAFE " mem=1G");
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(b != MAP_FAILED);
	for (int i = 0; i < 4096; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	u64 ram_before = page_alloc_outstanding();
	assert_int_equal(map(c.container, b, iova, sz, RW), 0);
	/* Only the IOMMU's page tables come from the lab's RAM. */
	assert_true(page_alloc_outstanding() - ram_before < 16);
	assert_int_equal(user_frames_outstanding(), sz >> 12);
	/* The frames are the user window's, and the oracle names their owner. */
	u64 ubase, usize;
	char owner[48];
	assert_int_equal(hw_user_window(kernel_machine(), &ubase, &usize), 0);
	assert_true(usize >= sz);
	assert_true(hw_mem_is_ram(kernel_machine(), ubase, sz));
	oracle_frame_owner(ubase + sz - 4096, owner, sizeof(owner));
	assert_true(!strncmp(owner, "vfio container ", 15));
	/* The next frame was never lent: no memory, a bus access to it is refused. */
	oracle_frame_owner(ubase + sz, owner, sizeof(owner));
	assert_string_equal(owner, "not RAM");
	assert_false(hw_mem_is_ram(kernel_machine(), ubase + sz, 0));
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	int efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(set_trigger(d, efd), 0);
	start_copy(d, iova, iova + sz - 4096, 4096);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(reg_read(d, REG_STATUS) & 6, 2);   /* DONE, no ERROR */
	assert_memory_equal(b, b + sz - 4096, 4096);
	/* Never-touched pages were not populated by the pin. */
	unsigned char *vec = malloc(sz >> 12);
	assert_non_null(vec);
	assert_int_equal(mincore(b, sz, vec), 0);
	size_t resident = 0;
	for (size_t i = 0; i < sz >> 12; i++)
		resident += vec[i] & 1;
	free(vec);
	assert_true(resident <= 64);
	assert_int_equal(unmap(c.container, iova, sz, 0, NULL), 0);
	assert_int_equal(user_frames_outstanding(), 0);
	assert_int_equal(page_alloc_outstanding() - ram_before < 16, 1);
	/* Unpinned: host RAM nobody owns (a stale DMA lands there and is judged). */
	assert_string_equal(oracle_frame_owner(ubase, owner, sizeof(owner)), "free");
	assert_true(hw_mem_is_ram(kernel_machine(), ubase, sz));
	assert_memory_equal(b, b + sz - 4096, 4096);
	close(efd);
	lab_close(d);
	munmap(b, sz);
	shutdown_checked();
}

/*
 * A DMA through a mapping UNMAP_DMA left in the IOMMU (the catalogue's
 * vfio-unmap-keeps-mapping) reaches the unpinned user frame: host RAM
 * nobody owns now, as on a host. The write lands there, never in the
 * program's page, and the oracle judges it an escape.
 */
static void test_stale_dma_after_unmap_is_judged(void **state)
{
	boot(UNSAFE " lab.bug=vfio-unmap-keeps-mapping");
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x2000);
	memset(b, 0x11, 0x1000);
	memset(b + 0x1000, 0x22, 0x1000);
	assert_int_equal(map(c.container, b, 0x400000, 0x1000, RW), 0);
	assert_int_equal(map(c.container, b + 0x1000, 0x401000, 0x1000, RW), 0);
	assert_int_equal(unmap(c.container, 0x401000, 0x1000, 0, NULL), 0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	int efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(set_trigger(d, efd), 0);
	tu_expect_escapes(1);
	start_copy(d, 0x400000, 0x401000, 0x1000);
	assert_int_equal(efd_count(efd), 1);
	assert_int_equal(reg_read(d, REG_STATUS) & 6, 2);   /* DONE: the bus took it */
	for (size_t i = 0x1000; i < 0x2000; i++)
		assert_int_equal(b[i], 0x22);
	struct oracle_counts oc;
	oracle_get_counts(&oc);
	assert_int_equal(oc.escapes, 1);
	close(efd);
	lab_close(d);
	shutdown_checked();
}

static void test_teardown_returns_default_domain(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x2000);
	assert_int_equal(map(c.container, b, 0x100000, 0x2000, RW), 0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	/* Close everything: the group leaves the container, mappings go, ownership is released. */
	assert_int_equal(lab_close(d), 0);
	assert_int_equal(lab_close(c.group), 0);
	assert_int_equal(lab_close(c.container), 0);
	/* Back on its default domain: a kernel driver can take the device again and DMA. */
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/unbind", DEV0), 0);
	assert_int_equal(tu_sh("echo > /sys/bus/platform/devices/%s/driver_override", DEV0), 0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/bind", DEV0), 0);
	assert_int_equal(tu_sh("dmatest %s 4096", DEV0), 0);
	munmap(b, 0x2000);
	shutdown_checked();
}

static void test_unbound_cannot_dma(void **state)
{
	boot(UNSAFE);
	/* Unbound from dma-copy: the device stays on its default domain, with nothing mapped. */
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/unbind", DEV1), 0);
	assert_int_not_equal(tu_sh("dma %s write 0x40000000 4096 0xaa", DEV1), 0);
	shutdown_checked();
}

static void test_reset_required(void **state)
{
	boot(UNSAFE);
	/* defer-test has no reset handler: the bind fails with -ENOENT, as Linux. */
	assert_int_not_equal(tu_to_vfio("a004000.defer", "defer-test"), 0);
	size_t len;
	assert_non_null(strstr(dmesg_text(&len),
			       "No reset function found for device iommulab,defer-test"));
	shutdown_checked();
	boot(UNSAFE " vfio-platform.reset_required=0");
	/* Without the requirement it gets further: no IOMMU group (-EINVAL). */
	assert_int_not_equal(tu_to_vfio("a004000.defer", "defer-test"), 0);
	assert_non_null(strstr(dmesg_text(&len), "No IOMMU group for device iommulab,defer-test"));
	shutdown_checked();
}

static void test_unbind_while_open(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/unbind", DEV0), 0);
	struct vfio_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_INFO, &di), -1);
	assert_int_equal(errno, ENODEV);
	/* The group lost its last VFIO device: container and ownership released. */
	struct vfio_group_status st = { .argsz = sizeof(st) };
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_STATUS, &st), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(tu_sh("echo > /sys/bus/platform/devices/%s/driver_override", DEV0), 0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/platform/drivers/dma-copy/bind", DEV0), 0);
	assert_int_equal(lab_close(d), 0);
	assert_int_equal(lab_close(c.group), 0);
	shutdown_checked();
	assert_int_equal(kalloc_outstanding(), 0);
}

/* /sys/module/NAME/refcnt as a number (-1: no such file). */
static int refcnt(const char *mod)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	int fd = lab_open(path, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	assert_true(lab_read(fd, buf, sizeof(buf) - 1) > 0);
	lab_close(fd);
	return atoi(buf);
}

/*
 * The character-device registry: vfio built as a module (lab.module=vfio)
 * registers /dev/vfio/vfio at modprobe and removes it at rmmod; an open
 * file pins the module (rmmod: EBUSY, as Linux's module refcount), and
 * so does vfio-platform, which depends on it.
 */
static void test_chrdev_registry(void **state)
{
	struct stat st;

	assert_int_equal(tu_lab_boot(NULL, UNSAFE " lab.module=vfio"), LAB_OK);
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lab_open("/dev/vfio/vfio", O_RDWR, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lab_stat("/dev/vfio", &st), -1);   /* devtmpfs drops empty directories */
	assert_int_equal(errno, ENOENT);

	assert_int_equal(tu_sh("modprobe vfio"), 0);
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	assert_int_equal(major(st.st_rdev), 10);   /* misc */
	assert_int_equal(minor(st.st_rdev), 196);  /* VFIO_MINOR */
	assert_int_equal(lab_stat("/dev/vfio", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(c >= 0);
	assert_int_equal(lab_fstat(c, &st), 0);
	assert_int_equal(minor(st.st_rdev), 196);
	assert_int_equal(refcnt("vfio"), 1);
	int c2 = lab_dup(c, -1, 0);
	assert_true(c2 >= 0);
	assert_int_equal(refcnt("vfio"), 1);   /* one open file, two descriptors */
	assert_int_equal(tu_sh("expect errno EBUSY rmmod vfio"), 0);
	assert_int_equal(lab_close(c), 0);
	assert_int_equal(tu_sh("expect errno EBUSY rmmod vfio"), 0);
	assert_int_equal(lab_close(c2), 0);
	assert_int_equal(refcnt("vfio"), 0);
	assert_int_equal(tu_sh("rmmod vfio"), 0);
	assert_int_equal(lab_open("/dev/vfio/vfio", O_RDWR, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), -1);
	assert_int_equal(errno, ENOENT);

	/* vfio-platform depends on vfio: loading it loads vfio, which it holds. */
	assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), 0);
	assert_int_equal(refcnt("vfio"), 1);
	assert_int_equal(tu_sh("expect errno EBUSY rmmod vfio"), 0);
	/* A group file pins vfio too. */
	assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
	int g = open_group(group_of(DEV0));
	assert_true(g >= 0);
	assert_int_equal(refcnt("vfio"), 2);
	assert_int_equal(lab_close(g), 0);
	assert_int_equal(tu_sh("rmmod vfio-platform"), 0);
	assert_int_equal(tu_sh("rmmod vfio"), 0);
	assert_int_equal(lab_stat("/dev/vfio", &st), -1);
	shutdown_checked();
	assert_int_equal(kalloc_outstanding(), 0);
}

/* Built in (the default), vfio cannot be removed: rmmod says EPERM, as kmod's "builtin". */
static void test_vfio_builtin(void **state)
{
	boot(UNSAFE);
	assert_int_equal(tu_sh("expect errno EPERM rmmod vfio"), 0);
	struct stat st;
	assert_int_equal(lab_stat("/dev/vfio/vfio", &st), 0);
	shutdown_checked();
}

/*
 * An open device fd pins its bus driver's module (Linux's vfio_df_open
 * takes the driver's owner): rmmod vfio-platform is refused until it
 * closes. The group's node goes with its last VFIO device, while its open
 * file answers ENODEV.
 */
static void test_rmmod_while_open(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	struct stat st;
	char path[64];
	setup_ctx(&c, DEV0);
	snprintf(path, sizeof(path), "/dev/vfio/%d", c.gid);
	assert_int_equal(refcnt("vfio_platform"), 0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	assert_int_equal(refcnt("vfio_platform"), 1);
	/* A second fd of the same device: the module is pinned once, by the first open. */
	int d2 = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d2 >= 0 && d2 != d);
	assert_int_equal(refcnt("vfio_platform"), 1);
	assert_int_equal(tu_sh("expect errno EBUSY rmmod vfio-platform"), 0);
	assert_int_equal(lab_close(d), 0);
	assert_int_equal(tu_sh("expect errno EBUSY rmmod vfio-platform"), 0);
	assert_int_equal(lab_close(d2), 0);
	assert_int_equal(refcnt("vfio_platform"), 0);
	assert_int_equal(lab_stat(path, &st), 0);
	/* Nothing pins it now: rmmod unbinds the device and the node goes. */
	assert_int_equal(tu_sh("rmmod vfio-platform"), 0);
	assert_int_equal(lab_stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(lab_open(path, O_RDWR, 0), -1);
	assert_int_equal(errno, ENOENT);
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_STATUS, &gs), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(lab_close(c.group), 0);
	assert_int_equal(lab_close(c.container), 0);
	shutdown_checked();
	assert_int_equal(kalloc_outstanding(), 0);
}

/*
 * The files the VFIO core hands out, as Linux's: the group node is a
 * character device whose minor is the group id; the device fd is an
 * anonymous file (mode 0600, no type), close-on-exec, that holds the group
 * file: the group stays open (EBUSY for a new opener) until it closes.
 */
static void test_device_fd_files(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	struct stat st;
	setup_ctx(&c, DEV0);
	assert_int_equal(lab_fstat(c.group, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(minor(st.st_rdev), (unsigned)c.gid);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	assert_int_equal(fcntl(d, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(lab_fstat(d, &st), 0);
	assert_int_equal(st.st_mode, 0600);
	assert_int_equal(lab_close(c.group), 0);
	assert_int_equal(open_group(c.gid), -1);
	assert_int_equal(errno, EBUSY);
	/* The held group keeps its container: the device still works. */
	struct vfio_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_INFO, &di), 0);
	assert_int_equal(lab_close(d), 0);
	int g = open_group(c.gid);
	assert_true(g >= 0);
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &gs), 0);
	assert_int_equal(gs.flags, VFIO_GROUP_FLAGS_VIABLE);   /* the last close detached it */
	/* A descriptor that is no VFIO file, or a directory: not a container. */
	int dir = lab_open("/dev/vfio", O_RDONLY, 0);
	assert_true(dir >= 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &dir), -1);
	assert_int_equal(errno, EBADFD);
	assert_int_equal(lab_read(dir, &gs, 4), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(lab_ioctl(dir, VFIO_GET_API_VERSION, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	assert_int_equal(lab_open("/dev/vfio", O_RDWR, 0), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(lab_open("/dev/vfio/vfio/", O_RDWR, 0), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(lab_lseek(c.container, 0, SEEK_SET), -1);
	assert_int_equal(errno, ESPIPE);
	assert_int_equal(lab_close(dir), 0);
	assert_int_equal(lab_close(g), 0);
	shutdown_checked();
	assert_int_equal(kalloc_outstanding(), 0);
}

static void test_sysfs_fds(void **state)
{
	boot(UNSAFE);
	int fd = lab_open("/sys/bus/platform/devices/" DEV0 "/driver_override", O_WRONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(lab_write(fd, "vfio-platform\n", 14), 14);
	assert_int_equal(lab_close(fd), 0);
	fd = lab_open("/sys/bus/platform/devices/" DEV0 "/driver_override", O_RDONLY, 0);
	char buf[64] = "";
	assert_int_equal(lab_read(fd, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "vfio-platform\n");
	assert_int_equal(lab_read(fd, buf, sizeof(buf)), 0);
	assert_int_equal(lab_write(fd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(lab_close(fd), 0);
	assert_int_equal(lab_open("/sys/nonexistent", O_RDONLY, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(lab_path_is_lab("/etc/passwd"));
	assert_false(lab_path_is_lab("/sys/devices/system/cpu"));
	assert_false(lab_path_is_lab("/system"));
	assert_true(lab_path_is_lab("/sys/bus/platform"));
	assert_true(lab_path_is_lab("/dev/vfio/vfio"));
	shutdown_checked();
}

static void test_last_group_drops_mappings(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x4000);
	assert_int_equal(map(c.container, b, 0x100000, 0x4000, RW), 0);
	/* The last group leaving releases the backend: the container starts over. */
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, &info), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_SET_CONTAINER, &c.container), 0);
	assert_int_equal(lab_ioctl(c.container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	/* The old mapping is gone: the same IOVA maps again. */
	assert_int_equal(map(c.container, b, 0x100000, 0x4000, RW), 0);
	munmap(b, 0x4000);
	shutdown_checked();
}

struct thread_arg {
	int container;
	int index;
	int failures;
};

static void *hammer(void *p)
{
	struct thread_arg *a = p;
	uint8_t *b = buffer(0x2000);
	uint64_t iova = 0x10000000ull + (uint64_t)a->index * 0x100000;
	for (int i = 0; i < 300; i++) {
		uint64_t done = 0;
		if (map(a->container, b, iova, 0x2000, RW) ||
		    unmap(a->container, iova, 0x2000, 0, &done) || done != 0x2000)
			a->failures++;
		struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
		if (lab_ioctl(a->container, VFIO_IOMMU_GET_INFO, &info))
			a->failures++;
	}
	munmap(b, 0x2000);
	return NULL;
}

/* One lab lock: concurrent callers are serialised, none sees a torn state. */
static void test_threads(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	pthread_t t[4];
	struct thread_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ c.container, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].failures, 0);
	}
	uint64_t done;
	assert_int_equal(unmap(c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &done), 0);
	assert_int_equal(done, 0);
	shutdown_checked();
}

/* Fail-the-Nth over MAP_DMA and the attach path: -ENOMEM, and nothing changed. */
static void test_fail_nth(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	size_t sz = 0x400000;
	uint8_t *b = buffer(sz);
	bool done = false;
	for (unsigned long n = 1; n < 200 && !done; n++) {
		kalloc_fail_nth(n);
		int r = map(c.container, b, 0x200000, sz, RW);
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (!fired) {
			assert_int_equal(r, 0);
			done = true;
		} else if (r) {
			assert_int_equal(r, -ENOMEM);
			/* Nothing of it stayed: the whole range maps now. */
			assert_int_equal(map(c.container, b, 0x200000, sz, RW), 0);
		}
		/* (A failed 2 MiB frame run falls back to smaller runs: success.) */
		uint64_t got;
		assert_int_equal(unmap(c.container, 0x200000, sz, 0, &got), 0);
		assert_int_equal(got, sz);
	}
	assert_true(done);
	munmap(b, sz);

	/* The attach path: a second group joins the container under failures. */
	assert_int_equal(tu_to_vfio(DEV1, "dma-copy"), 0);
	int g1 = open_group(group_of(DEV1));
	assert_true(g1 >= 0);
	done = false;
	for (unsigned long n = 1; n < 200 && !done; n++) {
		kalloc_fail_nth(n);
		int r = lab_ioctl(g1, VFIO_GROUP_SET_CONTAINER, &c.container) ? -errno : 0;
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		struct vfio_group_status st = { .argsz = sizeof(st) };
		assert_int_equal(lab_ioctl(g1, VFIO_GROUP_GET_STATUS, &st), 0);
		if (!fired) {
			assert_int_equal(r, 0);
			done = true;
		} else if (r) {
			/* Refused: still viable, not attached, and attachable now. */
			assert_int_equal(st.flags, VFIO_GROUP_FLAGS_VIABLE);
			assert_int_equal(lab_ioctl(g1, VFIO_GROUP_SET_CONTAINER, &c.container), 0);
		}
		assert_int_equal(lab_ioctl(g1, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	}
	assert_true(done);
	shutdown_checked();
}

/* UPDATE_VADDR: invalidate, DMA meanwhile, the old memory goes, a new vaddr takes over. */
static void test_update_vaddr(void **state)
{
	boot(UNSAFE);
	int c0 = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_int_equal(lab_ioctl(c0, VFIO_CHECK_EXTENSION, (void *)VFIO_UPDATE_VADDR), 0);
	struct ctx c;
	setup_ctx(&c, DEV0);
	assert_int_equal(lab_ioctl(c.container, VFIO_CHECK_EXTENSION, (void *)VFIO_UPDATE_VADDR), 1);
	size_t sz = 0x4000;
	uint8_t *a = buffer(sz);
	memset(a, 0x11, sz / 2);
	assert_int_equal(map(c.container, a, 0x100000, sz, RW), 0);
	uint64_t done;
	/* A valid vaddr cannot be replaced; unknown ranges: -ENOENT. */
	assert_int_equal(map(c.container, a, 0x100000, sz, VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
	assert_int_equal(map(c.container, a, 0x900000, sz, VFIO_DMA_MAP_FLAG_VADDR), -ENOENT);
	assert_int_equal(map(c.container, a, 0x100000, sz,
			     VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ), -EINVAL);
	assert_int_equal(unmap(c.container, 0x100000, sz, VFIO_DMA_UNMAP_FLAG_VADDR, &done), 0);
	assert_int_equal(done, sz);
	assert_int_equal(unmap(c.container, 0x100000, sz, VFIO_DMA_UNMAP_FLAG_VADDR, NULL), -EINVAL);
	assert_int_equal(map(c.container, a, 0x100000, 0x1000, VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
	/* The device still works on the pinned data; the program frees the old memory. */
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	start_copy(d, 0x100000, 0x102000, 0x1000);
	assert_int_equal(wait_idle(d) & 6, 2);
	munmap(a, sz);
	uint8_t *b = buffer(sz);
	assert_int_equal(map(c.container, b, 0x100000, sz, VFIO_DMA_MAP_FLAG_VADDR), 0);
	for (size_t i = 0; i < 0x1000; i++) {
		assert_int_equal(b[i], 0x11);
		assert_int_equal(b[0x2000 + i], 0x11);
	}
	/* Aliased again: the next DMA lands in the new memory. */
	memset(b, 0x22, 0x1000);
	reg_write(d, REG_STATUS, 2);
	start_copy(d, 0x100000, 0x103000, 0x1000);
	assert_int_equal(wait_idle(d) & 6, 2);
	for (size_t i = 0; i < 0x1000; i++)
		assert_int_equal(b[0x3000 + i], 0x22);
	assert_int_equal(unmap(c.container, 0x100000, sz, 0, &done), 0);
	assert_int_equal(done, sz);
	munmap(b, sz);
	shutdown_checked();
}

static int dirty(int c, uint32_t flags, uint64_t iova, uint64_t size, uint64_t pgsize,
		 uint64_t *bm, uint64_t bmsize)
{
	char b[sizeof(struct vfio_iommu_type1_dirty_bitmap) +
	       sizeof(struct vfio_iommu_type1_dirty_bitmap_get)];
	struct vfio_iommu_type1_dirty_bitmap *d = (void *)b;
	struct vfio_iommu_type1_dirty_bitmap_get *r = (void *)d->data;
	d->argsz = flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP ? sizeof(b) : sizeof(*d);
	d->flags = flags;
	r->iova = iova;
	r->size = size;
	r->bitmap.pgsize = pgsize;
	r->bitmap.size = bmsize;
	r->bitmap.data = (__u64 *)bm;
	return lab_ioctl(c, VFIO_IOMMU_DIRTY_PAGES, d) ? -errno : 0;
}

static void test_dirty_pages(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *b = buffer(0x4000);
	uint64_t bm[2] = { 0, 0 };
	assert_int_equal(map(c.container, b, 0x100000, 0x4000, RW), 0);
	assert_int_equal(map(c.container, b, 0x108000, 0x2000, RW), 0);
	assert_int_equal(dirty(c.container, 0, 0, 0, 0, NULL, 0), -EINVAL);
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_START |
			       VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, 0, 0, 0, NULL, 0), -EINVAL);
	/* Not tracking yet. */
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0x100000,
			       0x10000, 4096, bm, 8), -EINVAL);
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_START, 0, 0, 0, NULL, 0), 0);
	/* Every pinned page counts as dirty. */
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0x100000,
			       0x10000, 4096, bm, 8), 0);
	assert_int_equal(bm[0], 0x30f);
	/* Wrong page size, bisected mapping, bitmap too small. */
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0x100000,
			       0x10000, 8192, bm, 8), -EINVAL);
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0x101000,
			       0x1000, 4096, bm, 8), -EINVAL);
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP, 0x100000,
			       0x100000, 4096, bm, 8), -EINVAL);
	/* UNMAP_DMA with the bitmap of what it unmapped. */
	char ub[sizeof(struct vfio_iommu_type1_dma_unmap) + sizeof(struct vfio_bitmap)];
	struct vfio_iommu_type1_dma_unmap *u = (void *)ub;
	struct vfio_bitmap *vb = (void *)u->data;
	u->argsz = sizeof(ub);
	u->flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	u->iova = 0x108000;
	u->size = 0x2000;
	vb->pgsize = 4096;
	vb->size = 8;
	bm[0] = 0;
	vb->data = (__u64 *)bm;
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_UNMAP_DMA, u), 0);
	assert_int_equal(u->size, 0x2000);
	assert_int_equal(bm[0], 0x3);
	assert_int_equal(dirty(c.container, VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, 0, 0, 0, NULL, 0), 0);
	/* Tracking off: an unmap bitmap is refused. */
	u->iova = 0x100000;
	u->size = 0x4000;
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_UNMAP_DMA, u), -1);
	assert_int_equal(errno, EINVAL);
	munmap(b, 0x4000);
	shutdown_checked();
}

/* Two groups in one container share its mappings; the last one leaving drops them. */
static void test_two_groups(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	size_t sz = 0x4000;
	uint8_t *b = buffer(sz);
	memset(b, 0x77, 0x1000);
	assert_int_equal(map(c.container, b, 0x100000, sz, RW), 0);
	/* The second group joins a container that already has a backend and mappings. */
	assert_int_equal(tu_to_vfio(DEV1, "dma-copy"), 0);
	int g1 = open_group(group_of(DEV1));
	assert_int_equal(lab_ioctl(g1, VFIO_GROUP_SET_CONTAINER, &c.container), 0);
	int d1 = lab_ioctl(g1, VFIO_GROUP_GET_DEVICE_FD, DEV1);
	assert_true(d1 >= 0);
	/* A device fd comes only from its own group. */
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV1), -1);
	assert_int_equal(errno, ENODEV);
	start_copy(d1, 0x100000, 0x101000, 0x1000);
	assert_int_equal(wait_idle(d1) & 6, 2);
	assert_memory_equal(b, b + 0x1000, 0x1000);
	assert_int_equal(lab_close(d1), 0);
	/* One group leaves: the mappings stay for the other. */
	assert_int_equal(lab_ioctl(g1, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	assert_int_equal(map(c.container, b, 0x100000, sz, RW), -EEXIST);
	int d0 = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	memset(b + 0x2000, 0, 0x1000);
	start_copy(d0, 0x100000, 0x102000, 0x1000);
	assert_int_equal(wait_idle(d0) & 6, 2);
	assert_memory_equal(b, b + 0x2000, 0x1000);
	assert_int_equal(lab_close(d0), 0);
	/* The last one leaves: the backend and its mappings go. */
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_UNSET_CONTAINER, NULL), 0);
	assert_int_equal(lab_ioctl(g1, VFIO_GROUP_SET_CONTAINER, &c.container), 0);
	assert_int_equal(lab_ioctl(c.container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	assert_int_equal(map(c.container, b, 0x100000, sz, RW), 0);
	munmap(b, sz);
	shutdown_checked();
}

/* Bad user pointers get -EFAULT, as from Linux's copy_{from,to}_user; nothing crashes. */
static void test_bad_pointers(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	/* Two pages: read-write, then none. */
	uint8_t *p = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p + 0x1000, 0x1000, PROT_NONE), 0);
	void *bad = p + 0x1000;
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_MAP_DMA, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_UNMAP_DMA, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, bad), -1);
	assert_int_equal(errno, EFAULT);
	/* GET_INFO into a read-only buffer: the copy back fails. */
	struct vfio_iommu_type1_info *ro = (void *)p;
	memset(ro, 0, sizeof(*ro));
	ro->argsz = sizeof(*ro);
	assert_int_equal(mprotect(p, 0x1000, PROT_READ), 0);
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_GET_INFO, ro), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(mprotect(p, 0x1000, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_SET_CONTAINER, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_STATUS, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, bad), -1);
	assert_int_equal(errno, EFAULT);
	/* A name running into the unreadable page: -EFAULT; a page with no NUL: -EINVAL. */
	memset(p, 'x', 0x1000);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, p + 0x800), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, p), -1);
	assert_int_equal(errno, EINVAL);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_INFO, bad), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_GET_REGION_INFO, bad), -1);
	assert_int_equal(errno, EFAULT);
	/* SET_IRQS whose data runs into the unreadable page. */
	struct vfio_irq_set *s = (void *)(p + 0x1000 - sizeof(*s));
	*s = (struct vfio_irq_set){ .argsz = sizeof(*s) + 4, .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				    VFIO_IRQ_SET_ACTION_TRIGGER, .index = 0, .start = 0, .count = 1 };
	assert_int_equal(lab_ioctl(d, VFIO_DEVICE_SET_IRQS, s), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pread(d, bad, 4, 0), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pwrite(d, bad, 4, 0x8), -1);
	assert_int_equal(errno, EFAULT);
	int fd = lab_open("/sys/bus/platform/devices/" DEV0 "/driver_override", O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(lab_read(fd, bad, 16), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_write(fd, bad, 4), -1);
	assert_int_equal(errno, EFAULT);
	lab_close(fd);
	munmap(p, 0x2000);
	shutdown_checked();
}

/* ---- MAP_DMA pins: the device reaches the pages that were mapped ---------- */

#define PIN_IOVA 0x400000ull
#define PIN_KEEP 0x800000ull
#define PIN_SZ 0x4000ull

struct pin_ctx {
	struct ctx c;
	int dev;
	uint8_t *buf;    /* PIN_SZ, mapped at PIN_IOVA: its first page holds the pattern */
	uint8_t *keep;   /* PIN_SZ at PIN_KEEP: the program keeps it, to read the pages back */
};

static void pin_setup(struct pin_ctx *p)
{
	boot(UNSAFE);
	setup_ctx(&p->c, DEV0);
	p->buf = buffer(PIN_SZ);
	p->keep = buffer(PIN_SZ);
	for (size_t i = 0; i < 0x1000; i++)
		p->buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(map(p->c.container, p->buf, PIN_IOVA, PIN_SZ, RW), 0);
	assert_int_equal(map(p->c.container, p->keep, PIN_KEEP, PIN_SZ, RW), 0);
	p->dev = lab_ioctl(p->c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(p->dev >= 0);
}

/* One device copy; its STATUS (DONE 2, ERROR 4), cleared after. */
static uint32_t pin_copy(struct pin_ctx *p, uint64_t src, uint64_t dst, uint32_t len)
{
	start_copy(p->dev, src, dst, len);
	uint32_t st = wait_idle(p->dev) & 6;
	reg_write(p->dev, REG_STATUS, 6);
	return st;
}

static void assert_pattern(const uint8_t *b)
{
	for (size_t i = 0; i < 0x1000; i++)
		if (b[i] != (uint8_t)(i * 7 + 3))
			fail_msg("byte %zu is %#x", i, b[i]);
}

/*
 * The device writes the pattern into the pinned buffer's second page (which
 * the program may no longer reach), then copies it into @keep, where the
 * program reads what the pinned pages hold.
 */
static void pin_dma_roundtrip(struct pin_ctx *p)
{
	assert_int_equal(pin_copy(p, PIN_IOVA, PIN_IOVA + 0x1000, 0x1000), 2);
	assert_int_equal(pin_copy(p, PIN_IOVA + 0x1000, PIN_KEEP, 0x1000), 2);
	assert_pattern(p->keep);
}

static void pin_teardown(struct pin_ctx *p)
{
	assert_int_equal(lab_close(p->dev), 0);
	assert_int_equal(unmap(p->c.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL), 0);
	munmap(p->keep, PIN_SZ);
	shutdown_checked();
}

/* mprotect(PROT_READ) after MAP_DMA: the device still writes, the program reads it. */
static void test_pin_mprotect_ro(void **state)
{
	struct pin_ctx p;
	pin_setup(&p);
	assert_int_equal(mprotect(p.buf, PIN_SZ, PROT_READ), 0);
	pin_dma_roundtrip(&p);
	assert_pattern(p.buf + 0x1000);
	munmap(p.buf, PIN_SZ);
	pin_teardown(&p);
}

static void test_pin_prot_none(void **state)
{
	struct pin_ctx p;
	pin_setup(&p);
	assert_int_equal(mprotect(p.buf, PIN_SZ, PROT_NONE), 0);
	pin_dma_roundtrip(&p);
	assert_int_equal(mprotect(p.buf, PIN_SZ, PROT_READ | PROT_WRITE), 0);
	assert_pattern(p.buf + 0x1000);
	munmap(p.buf, PIN_SZ);
	pin_teardown(&p);
}

/* munmap: the pages stay pinned until UNMAP_DMA; the device reaches them. */
static void test_pin_munmap(void **state)
{
	struct pin_ctx p;
	pin_setup(&p);
	assert_int_equal(munmap(p.buf, PIN_SZ), 0);
	pin_dma_roundtrip(&p);
	pin_teardown(&p);
}

/* A new, unrelated mapping at the same address is never touched by the device. */
static void test_pin_munmap_remap(void **state)
{
	struct pin_ctx p;
	pin_setup(&p);
	assert_int_equal(munmap(p.buf, PIN_SZ), 0);
	uint8_t *n = mmap(p.buf, PIN_SZ, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(n, p.buf);
	memset(n, 0x77, PIN_SZ);
	pin_dma_roundtrip(&p);
	for (size_t i = 0; i < PIN_SZ; i++)
		if (n[i] != 0x77)
			fail_msg("the new mapping changed at %zu", i);
	munmap(n, PIN_SZ);
	pin_teardown(&p);
}

/*
 * fork: the child gets copies of the pinned pages. Its writes do not reach
 * the device, and the parent's device DMA does not reach the child.
 */
static void test_pin_fork(void **state)
{
	struct pin_ctx p;
	int to_parent[2], to_child[2];
	char c = 0;
	pin_setup(&p);
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(pipe(to_child), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		memset(p.buf, 0xcc, 0x1000);
		bool ok = write(to_parent[1], "x", 1) == 1 && read(to_child[0], &c, 1) == 1;
		for (size_t i = 0; ok && i < 0x1000; i++)
			ok = p.buf[0x1000 + i] == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	pin_dma_roundtrip(&p);
	assert_pattern(p.buf + 0x1000);
	assert_int_equal(write(to_child[1], "x", 1), 1);
	int status = -1;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* After UNMAP_DMA too, a child's memory is its own (private, as before MAP_DMA). */
	assert_int_equal(unmap(p.c.container, PIN_IOVA, PIN_SZ, 0, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		p.buf[0] = 0x55;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(p.buf[0], 3);
	for (int i = 0; i < 2; i++) {
		close(to_parent[i]);
		close(to_child[i]);
	}
	munmap(p.buf, PIN_SZ);
	pin_teardown(&p);
}

/*
 * fork() after MAP_DMA + UNMAP_DMA of a heap buffer (memory the lab moved
 * and keeps moved): each side's memory is its own from the fork on, as
 * private memory always is. The parent writes at once after fork(), before
 * the child can have done anything, and the child writes: neither sees the
 * other's write. With the container open, then closed.
 */
static void fork_private_check(uint8_t *b)
{
	int to_parent[2], to_child[2];
	char c = 0;
	int status = -1;
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(pipe(to_child), 0);
	memset(b, 0x11, 0x1000);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bool ok = read(to_child[0], &c, 1) == 1;
		for (size_t i = 0; ok && i < 0x1000; i++)
			ok = b[i] == 0x11;
		memset(b, 0xcc, 0x1000);
		ok = write(to_parent[1], "x", 1) == 1 && ok;
		_exit(ok ? 0 : 1);
	}
	memset(b, 0x22, 0x1000);
	assert_int_equal(write(to_child[1], "x", 1), 1);
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("the child saw the parent's write made after fork()");
	for (size_t i = 0; i < 0x1000; i++)
		if (b[i] != 0x22)
			fail_msg("the parent sees the child's write at %zu: %#x", i, b[i]);
	for (int i = 0; i < 2; i++) {
		close(to_parent[i]);
		close(to_child[i]);
	}
}

static void test_pin_fork_heap(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	uint8_t *raw = malloc(3 * 0x1000);
	assert_non_null(raw);
	uint8_t *b = (uint8_t *)(((uintptr_t)raw + 0xfff) & ~(uintptr_t)0xfff);
	assert_int_equal(map(c.container, b, PIN_IOVA, 0x1000, RW), 0);
	fork_private_check(b);
	assert_int_equal(unmap(c.container, PIN_IOVA, 0x1000, 0, NULL), 0);
	fork_private_check(b);
	assert_int_equal(map(c.container, b, PIN_IOVA, 0x1000, RW), 0);
	assert_int_equal(lab_close(c.group), 0);
	assert_int_equal(lab_close(c.container), 0);
	fork_private_check(b);
	free(raw);
	shutdown_checked();
}

/*
 * A thread's control block (where the kernel writes a fork()ed child's
 * thread id) on pinned memory: the child's id must not land in the
 * parent's copy, or the parent's locks no longer know their owner (an
 * error-checking mutex held across fork() cannot be unlocked, the lab's
 * own lock blocks forever). The thread's stack is a named private mapping
 * (only the pinned pages move), the top pages pinned, fork() called far
 * below them.
 */
#define TCB_STACK (256 * 1024)

struct tcb_fork {
	int container;
	uint8_t *stack;
	int unlock_ret, child_status;
};

static void *tcb_fork_thread(void *arg)
{
	struct tcb_fork *t = arg;
	volatile size_t deep_len = 64 * 1024;
	/* alloca: on the thread's own stack, whatever a sanitizer does with arrays. */
	volatile uint8_t *deep = alloca(deep_len);
	pthread_mutex_t m;
	pthread_mutexattr_t a;
	deep[0] = 1;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	pthread_mutex_lock(&m);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);   /* its thread id is a new one: the parent's lock is not its */
	t->unlock_ret = pthread_mutex_unlock(&m);
	t->child_status = -1;
	if (pid > 0)
		waitpid(pid, &t->child_status, 0);
	return (void *)(uintptr_t)deep[0];
}

static void test_pin_fork_thread_block(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	int fd = memfd_create("tcb-stack", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, TCB_STACK), 0);
	struct tcb_fork t = { .container = c.container };
	t.stack = mmap(NULL, TCB_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(t.stack != MAP_FAILED);
	close(fd);
	assert_int_equal(map(c.container, t.stack + TCB_STACK - 0x4000, PIN_IOVA, 0x4000, RW), 0);
	pthread_attr_t a;
	pthread_t th;
	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstack(&a, t.stack, TCB_STACK), 0);
	assert_int_equal(pthread_create(&th, &a, tcb_fork_thread, &t), 0);
	/*
	 * Not pthread_join: the kernel's wake at the thread's exit is a shared
	 * futex's, which a private waiter on moved (shared) memory can miss.
	 */
	int joined = -1;
	for (int i = 0; i < 10000 && (joined = pthread_tryjoin_np(th, NULL)); i++)
		usleep(1000);
	assert_int_equal(joined, 0);
	pthread_attr_destroy(&a);
	if (t.unlock_ret) {
		/* The lab's lock is as broken: a teardown would block forever. */
		fprintf(stderr, "the parent's mutex lost its owner across fork(): %d\n", t.unlock_ret);
		_exit(1);
	}
	assert_true(WIFEXITED(t.child_status));
	assert_int_equal(WEXITSTATUS(t.child_status), 0);
	assert_int_equal(unmap(c.container, PIN_IOVA, 0x4000, 0, NULL), 0);
	munmap(t.stack, TCB_STACK);
	shutdown_checked();
}

/* MAP_DMA, fork(), UNMAP_DMA, again and again: no fork leaves the lab's lock or memory broken. */
static void test_pin_fork_repeated(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	for (int i = 0; i < 20; i++) {
		uint8_t *b = buffer(0x4000);
		assert_int_equal(map(c.container, b, PIN_IOVA, 0x4000, RW), 0);
		fork_private_check(b);
		assert_int_equal(unmap(c.container, PIN_IOVA, 0x4000, 0, NULL), 0);
		fork_private_check(b + 0x1000);
		if (i & 1)
			munmap(b, 0x4000);
	}
	shutdown_checked();
}

/*
 * Shared memory, as a VMM's guest RAM (a memfd): the pin is the memfd's
 * pages, so a program that unmaps and maps the memfd again sees the
 * device's writes there.
 */
static void test_pin_memfd(void **state)
{
	boot(UNSAFE);
	struct pin_ctx p;
	setup_ctx(&p.c, DEV0);
	int mfd = memfd_create("guest-ram", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PIN_SZ), 0);
	p.buf = mmap(NULL, PIN_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(p.buf != MAP_FAILED);
	p.keep = buffer(PIN_SZ);
	for (size_t i = 0; i < 0x1000; i++)
		p.buf[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(map(p.c.container, p.buf, PIN_IOVA, PIN_SZ, RW), 0);
	/* A second IOVA for the same pages: one view serves both. */
	assert_int_equal(map(p.c.container, p.buf, PIN_IOVA + 0x100000, PIN_SZ, RW), 0);
	assert_int_equal(map(p.c.container, p.keep, PIN_KEEP, PIN_SZ, RW), 0);
	p.dev = lab_ioctl(p.c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(p.dev >= 0);
	assert_int_equal(munmap(p.buf, PIN_SZ), 0);
	assert_int_equal(pin_copy(&p, PIN_IOVA, PIN_IOVA + 0x100000 + 0x2000, 0x1000), 2);
	uint8_t *again = mmap(NULL, PIN_SZ, PROT_READ, MAP_SHARED, mfd, 0);
	assert_true(again != MAP_FAILED);
	assert_pattern(again + 0x2000);
	munmap(again, PIN_SZ);
	close(mfd);
	pin_teardown(&p);
}

/* The /proc/self/maps line covering @addr (empty when none). */
static void maps_line(const void *addr, char *line, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long s, e;
	line[0] = 0;
	assert_non_null(f);
	while (fgets(line, (int)len, f))
		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && (uintptr_t)addr >= s &&
		    (uintptr_t)addr < e)
			break;
		else
			line[0] = 0;
	fclose(f);
}

/* Does the program's @addr map memory the lab moved into a memfd? Its inode, else 0. */
static unsigned long long moved_inode(const void *addr)
{
	char line[512];
	unsigned long long ino = 0;
	maps_line(addr, line, sizeof(line));
	if (!strstr(line, "iommulab-pin") ||
	    sscanf(line, "%*x-%*x %*s %*x %*x:%*x %llu", &ino) != 1)
		return 0;
	return ino;
}

/*
 * Moved private memory stays moved after UNMAP_DMA, so mapping the same
 * buffer again costs no second move (bench_vfio's MAP_DMA + UNMAP_DMA of
 * one page): the program's writes in between and the device's DMA after
 * still meet in the same pages.
 */
static void test_pin_kept_moved_after_unmap(void **state)
{
	struct pin_ctx p;
	pin_setup(&p);
	unsigned long long ino = moved_inode(p.buf);
	assert_true(ino != 0);
	/* Both go (keep may share buf's move, when the two are neighbours). */
	assert_int_equal(unmap(p.c.container, PIN_IOVA, PIN_SZ, 0, NULL), 0);
	assert_int_equal(unmap(p.c.container, PIN_KEEP, PIN_SZ, 0, NULL), 0);
	assert_true(moved_inode(p.buf) == ino);
	assert_int_equal(map(p.c.container, p.keep, PIN_KEEP, PIN_SZ, RW), 0);
	for (size_t i = 0; i < 0x1000; i++)
		p.buf[0x1000 + i] = (uint8_t)(i * 7 + 3);
	memset(p.buf, 0, 0x1000);
	assert_int_equal(map(p.c.container, p.buf, PIN_IOVA, PIN_SZ, RW), 0);
	assert_true(moved_inode(p.buf) == ino);
	assert_int_equal(pin_copy(&p, PIN_IOVA + 0x1000, PIN_IOVA, 0x1000), 2);
	assert_pattern(p.buf);
	assert_int_equal(unmap(p.c.container, PIN_IOVA, PIN_SZ, 0, NULL), 0);
	/* Unmapped by the program and mapped anew: the new memory is what gets pinned. */
	assert_int_equal(munmap(p.buf, PIN_SZ), 0);
	uint8_t *n = mmap(p.buf, PIN_SZ, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(n, p.buf);
	assert_true(moved_inode(n) == 0);
	memset(n, 0x5a, PIN_SZ);
	assert_int_equal(map(p.c.container, n, PIN_IOVA, PIN_SZ, RW), 0);
	assert_true(moved_inode(n) != 0 && moved_inode(n) != ino);
	assert_int_equal(pin_copy(&p, PIN_IOVA, PIN_KEEP, 0x1000), 2);
	for (size_t i = 0; i < 0x1000; i++)
		if (p.keep[i] != 0x5a)
			fail_msg("byte %zu is %#x, not the new mapping's", i, p.keep[i]);
	munmap(n, PIN_SZ);
	pin_teardown(&p);
}

/*
 * What stays moved after its last unpin is bounded (16 MiB): the least
 * recently unmapped buffers become private memory again, so memory the
 * program unmaps is not held by the lab for long.
 */
static void test_pin_kept_moved_is_bounded(void **state)
{
	enum { NR = 12, SZ = 2 << 20 };
	uint8_t *b[NR];
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	for (int i = 0; i < NR; i++) {
		b[i] = buffer(SZ);
		b[i][0] = (uint8_t)i;
		assert_int_equal(map(c.container, b[i], 0x1000000, 0x1000, RW), 0);
		assert_int_equal(unmap(c.container, 0x1000000, 0x1000, 0, NULL), 0);
		assert_true(moved_inode(b[i]) != 0);
	}
	assert_true(moved_inode(b[0]) == 0);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(b[i][0], i);
		munmap(b[i], SZ);
	}
	shutdown_checked();
}

/* A NULL buffer: -EFAULT, and no pointer arithmetic on it (UBSan watches). */
static void test_region_null_buffer(void **state)
{
	boot(UNSAFE);
	struct ctx c;
	setup_ctx(&c, DEV0);
	int d = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	assert_true(d >= 0);
	assert_int_equal(lab_pread(d, NULL, 4, REG_STATUS), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pwrite(d, NULL, 4, REG_LEN), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pread(d, NULL, 8, (1ull << 40) * 0 + 0x10), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_close(d), 0);
	shutdown_checked();
}

static int teardown(void **state)
{
	lab_close_all();
	int oracle = tu_lab_shutdown();
	/* Everything the kernel side allocated went back (containers, groups, frames). */
	if (kalloc_outstanding() != 0) {
		fprintf(stderr, "leak: %ld kernel allocations outstanding\n", kalloc_outstanding());
		return -1;
	}
	return oracle;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_container_basics, teardown),
		cmocka_unit_test_teardown(test_group_node, teardown),
		cmocka_unit_test_teardown(test_viability, teardown),
		cmocka_unit_test_teardown(test_unsafe_interrupts, teardown),
		cmocka_unit_test_teardown(test_pci_its_isolated, teardown),
		cmocka_unit_test_teardown(test_set_iommu, teardown),
		cmocka_unit_test_teardown(test_get_info, teardown),
		cmocka_unit_test_teardown(test_get_info_argsz, teardown),
		cmocka_unit_test_teardown(test_map_errors, teardown),
		cmocka_unit_test_teardown(test_map_unmap_checks, teardown),
		cmocka_unit_test_teardown(test_v1_unmap, teardown),
		cmocka_unit_test_teardown(test_entry_limit, teardown),
		cmocka_unit_test_teardown(test_map_protections, teardown),
		cmocka_unit_test_teardown(test_v1_rules, teardown),
		cmocka_unit_test_teardown(test_entry_limit_default, teardown),
		cmocka_unit_test_teardown(test_container_group_errors, teardown),
		cmocka_unit_test_teardown(test_close_orders, teardown),
		cmocka_unit_test_teardown(test_device_info, teardown),
		cmocka_unit_test_teardown(test_irqs, teardown),
		cmocka_unit_test_teardown(test_dma_into_user_buffer, teardown),
		cmocka_unit_test_teardown(test_map_4g_sparse, teardown),
		cmocka_unit_test_teardown(test_stale_dma_after_unmap_is_judged, teardown),
		cmocka_unit_test_teardown(test_teardown_returns_default_domain, teardown),
		cmocka_unit_test_teardown(test_unbound_cannot_dma, teardown),
		cmocka_unit_test_teardown(test_reset_required, teardown),
		cmocka_unit_test_teardown(test_unbind_while_open, teardown),
		cmocka_unit_test_teardown(test_sysfs_fds, teardown),
		cmocka_unit_test_teardown(test_chrdev_registry, teardown),
		cmocka_unit_test_teardown(test_vfio_builtin, teardown),
		cmocka_unit_test_teardown(test_rmmod_while_open, teardown),
		cmocka_unit_test_teardown(test_device_fd_files, teardown),
		cmocka_unit_test_teardown(test_last_group_drops_mappings, teardown),
		cmocka_unit_test_teardown(test_threads, teardown),
		cmocka_unit_test_teardown(test_fail_nth, teardown),
		cmocka_unit_test_teardown(test_update_vaddr, teardown),
		cmocka_unit_test_teardown(test_dirty_pages, teardown),
		cmocka_unit_test_teardown(test_two_groups, teardown),
		cmocka_unit_test_teardown(test_bad_pointers, teardown),
		cmocka_unit_test_teardown(test_pin_mprotect_ro, teardown),
		cmocka_unit_test_teardown(test_pin_prot_none, teardown),
		cmocka_unit_test_teardown(test_pin_munmap, teardown),
		cmocka_unit_test_teardown(test_pin_munmap_remap, teardown),
		cmocka_unit_test_teardown(test_pin_fork, teardown),
		cmocka_unit_test_teardown(test_pin_fork_heap, teardown),
		cmocka_unit_test_teardown(test_pin_fork_thread_block, teardown),
		cmocka_unit_test_teardown(test_pin_fork_repeated, teardown),
		cmocka_unit_test_teardown(test_pin_memfd, teardown),
		cmocka_unit_test_teardown(test_pin_kept_moved_after_unmap, teardown),
		cmocka_unit_test_teardown(test_pin_kept_moved_is_bounded, teardown),
		cmocka_unit_test_teardown(test_region_null_buffer, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
