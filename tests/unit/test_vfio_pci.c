/*
 * vfio-pci through the lab's fd API on the built-in platform: the module
 * and its binding, the device ioctls with Linux 6.12's answers and errno
 * values, the virtualized config space, BAR accesses that reach the NVMe
 * and dma-copy models, resets, ioeventfds, features, ownership and MSI
 * isolation, and a DMA by a PCI function into this program's buffer. The
 * oracle watches every test: no escape.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "test_util.h"
#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "kernel/base/printk.h"
#include "uapi/mmio_trap.h"

#define NVME "0000:01:00.0"       /* group 3, with root port 0000:00:00.0 */
#define RP0 "0000:00:00.0"
#define DC0 "0000:04:00.0"        /* dma-copy, multifunction: group 8 with 04:00.1 */
#define DC1 "0000:04:00.1"
#define SW_UP "0000:02:00.0"      /* a switch upstream port (type 1 header) */
#define NVME_GROUP 3
#define DC_GROUP 8

#define CFG_OFF ((uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40)
#define BAR_OFF(n) ((uint64_t)(n) << 40)

/* NVMe BAR0 registers (docs/devices.md). */
#define NVME_VS 0x08
#define NVME_AQA 0x24
#define NVME_MSIX_TABLE 0x2000

/* dma-copy registers (docs/devices.md). */
#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024

/* ---- helpers ------------------------------------------------------------ */

static void boot(const char *cmdline)
{
	assert_int_equal(tu_lab_boot(NULL, cmdline), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-pci"), 0);
}

static void shutdown_checked(void)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
}

/* A sysfs write: 0 or -errno. */
static int sys_write(const char *path, const char *s)
{
	int fd = lab_open(path, O_WRONLY, 0);
	if (fd < 0)
		return -errno;
	ssize_t n = lab_write(fd, s, strlen(s));
	int ret = n < 0 ? -errno : 0;
	lab_close(fd);
	return ret;
}

static const char *sys_read(const char *path)
{
	static char buf[256];
	int fd = lab_open(path, O_RDONLY, 0);
	if (fd < 0)
		return NULL;
	ssize_t n = lab_read(fd, buf, sizeof(buf) - 1);
	lab_close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static const char *driver_of(const char *dev)
{
	static char target[256];
	char link[128];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", dev);
	ssize_t n = lab_readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return "";
	target[n] = 0;
	return strrchr(target, '/') + 1;
}

/* Unbinds @dev from its driver (if any) and hands it to vfio-pci by driver_override. */
static void to_vfio_pci(const char *dev)
{
	char path[128];
	if (*driver_of(dev)) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", dev);
		assert_int_equal(sys_write(path, dev), 0);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", dev);
	assert_int_equal(sys_write(path, "vfio-pci"), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers_probe", dev), 0);
	assert_string_equal(driver_of(dev), "vfio-pci");
}

struct ctx {
	int container, group, dev;
};

/* Container, group (TYPE1v2) and device fd of @dev, which is bound to vfio-pci. */
static void open_dev(struct ctx *c, int gid, const char *dev)
{
	char path[32];
	c->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(c->container >= 0);
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	c->group = lab_open(path, O_RDWR, 0);
	assert_true(c->group >= 0);
	assert_int_equal(lab_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container), 0);
	assert_int_equal(lab_ioctl(c->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	c->dev = lab_ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, (void *)dev);
	assert_true(c->dev >= 0);
}

static void nvme_open(struct ctx *c)
{
	to_vfio_pci(NVME);
	open_dev(c, NVME_GROUP, NVME);
}

static uint32_t cfg_read(int dev, unsigned off, unsigned size)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(dev, &v, size, (off_t)(CFG_OFF + off)), (ssize_t)size);
	return v;
}

static void cfg_write(int dev, unsigned off, unsigned size, uint32_t v)
{
	assert_int_equal(lab_pwrite(dev, &v, size, (off_t)(CFG_OFF + off)), (ssize_t)size);
}

static uint32_t bar_read(int dev, int bar, uint64_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(dev, &v, 4, (off_t)(BAR_OFF(bar) + off)), 4);
	return v;
}

static void bar_write(int dev, int bar, uint64_t off, uint32_t v)
{
	assert_int_equal(lab_pwrite(dev, &v, 4, (off_t)(BAR_OFF(bar) + off)), 4);
}

/* The device's own config register, as the kernel sees it (sysfs config). */
static uint32_t hw_cfg(const char *dev, unsigned off)
{
	char path[128];
	uint32_t v = 0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", dev);
	int fd = lab_open(path, O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(lab_pread(fd, &v, 4, off), 4);
	lab_close(fd);
	return v;
}

static int region_info(int dev, uint32_t index, struct vfio_region_info *ri, uint32_t argsz)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = argsz;
	ri->index = index;
	return lab_ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

/* Offset of capability @id in the user's config view, 0 when absent. */
static unsigned find_cap(int dev, uint8_t id)
{
	unsigned pos = cfg_read(dev, 0x34, 1);
	for (int ttl = 48; pos && ttl--; pos = cfg_read(dev, pos + 1, 1))
		if (cfg_read(dev, pos, 1) == id)
			return pos;
	return 0;
}

/* ---- the module and binding -------------------------------------------- */

static void test_module(void **state)
{
	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_null(sys_read("/sys/module/vfio_pci/parameters/nointxmask"));
	assert_int_equal(tu_sh("modprobe vfio-pci"), 0);
	assert_string_equal(sys_read("/sys/module/vfio_pci/parameters/nointxmask"), "N\n");
	assert_string_equal(sys_read("/sys/module/vfio_pci/parameters/disable_idle_d3"), "N\n");
	/* ids= is not readable in sysfs (perm 0), as Linux. */
	assert_null(sys_read("/sys/module/vfio_pci/parameters/ids"));
	/* An empty ID table: nothing binds on its own, the NVMe stays with nvme. */
	assert_string_equal(driver_of(NVME), "nvme");
	struct ctx c;
	nvme_open(&c);
	/* The open device pins the module. */
	assert_int_equal(tu_sh("rmmod vfio-pci"), 1);
	lab_close_all();
	assert_int_equal(tu_sh("rmmod vfio-pci"), 0);
	assert_string_equal(driver_of(NVME), "");
	shutdown_checked();

	/* ids= at load: every unbound function with that ID binds at once. */
	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/nvme/unbind", NVME), 0);
	assert_int_equal(tu_sh("modprobe vfio-pci ids=1de5:0011,zz"), 0);
	assert_string_equal(driver_of(NVME), "vfio-pci");
	/* The bound dma-copy functions keep their driver. */
	assert_string_equal(driver_of(DC0), "dma-copy");
	shutdown_checked();
}

static void test_bind_rules(void **state)
{
	boot(NULL);
	/* new_id: binds the unbound function at once; a second is -EEXIST. */
	assert_int_equal(sys_write("/sys/bus/pci/drivers/nvme/unbind", NVME), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/new_id", "1de5 0011"), 0);
	assert_string_equal(driver_of(NVME), "vfio-pci");
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/new_id", "1de5 0011"), -EEXIST);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/remove_id", "1de5 0011"), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/remove_id", "1de5 0011"), -ENODEV);
	assert_string_equal(driver_of(NVME), "vfio-pci");
	/* bind of a function vfio-pci does not match: -ENODEV, as Linux. */
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/bind", RP0), -ENODEV);
	/*
	 * A bridge, even by override: while pcieport has it, bind is -EBUSY;
	 * once free, probe refuses a type 1 header (-EINVAL).
	 */
	assert_int_equal(sys_write("/sys/bus/pci/devices/" SW_UP "/driver_override", "vfio-pci"), 0);
	assert_string_equal(driver_of(SW_UP), "pcieport");
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/bind", SW_UP), -EBUSY);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/pcieport/unbind", SW_UP), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/bind", SW_UP), -EINVAL);
	assert_string_equal(driver_of(SW_UP), "");
	/* The group node exists while a function of it is bound to vfio-pci. */
	int g = lab_open("/dev/vfio/3", O_RDWR, 0);
	assert_true(g >= 0);
	lab_close(g);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/unbind", NVME), 0);
	assert_true(lab_open("/dev/vfio/3", O_RDWR, 0) < 0);
	assert_int_equal(errno, ENOENT);
	shutdown_checked();
}

/* ---- GET_INFO and regions ------------------------------------------------ */

static void test_info(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	struct vfio_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_INFO, &di), 0);
	assert_int_equal(di.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(di.num_regions, VFIO_PCI_NUM_REGIONS);
	assert_int_equal(di.num_regions, 9);
	assert_int_equal(di.num_irqs, VFIO_PCI_NUM_IRQS);
	di.argsz = 8;
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_INFO, &di), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_INFO, (void *)8), -1);
	assert_int_equal(errno, EFAULT);

	struct vfio_region_info ri;
	assert_int_equal(region_info(c.dev, VFIO_PCI_CONFIG_REGION_INDEX, &ri, sizeof(ri)), 0);
	assert_int_equal(ri.size, 4096);
	assert_int_equal(ri.offset, CFG_OFF);
	assert_int_equal(ri.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);
	/* BAR0: 16 KiB, 64-bit; BAR1 is its upper half: size 0, no flags. */
	assert_int_equal(region_info(c.dev, VFIO_PCI_BAR0_REGION_INDEX, &ri, sizeof(ri)), 0);
	assert_int_equal(ri.size, 0x4000);
	assert_int_equal(ri.offset, 0);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_READ);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_WRITE);
	for (uint32_t i = VFIO_PCI_BAR1_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		assert_int_equal(region_info(c.dev, i, &ri, sizeof(ri)), 0);
		assert_int_equal(ri.size, 0);
		assert_int_equal(ri.flags, 0);
		assert_int_equal(ri.offset, BAR_OFF(i));
	}
	/* No ROM: size 0, no flags. No VGA: -EINVAL, as for any index past them. */
	assert_int_equal(region_info(c.dev, VFIO_PCI_ROM_REGION_INDEX, &ri, sizeof(ri)), 0);
	assert_int_equal(ri.size, 0);
	assert_int_equal(ri.flags, 0);
	assert_int_equal(region_info(c.dev, VFIO_PCI_VGA_REGION_INDEX, &ri, sizeof(ri)), -EINVAL);
	assert_int_equal(region_info(c.dev, 9, &ri, sizeof(ri)), -EINVAL);
	assert_int_equal(region_info(c.dev, 0, &ri, 8), -EINVAL);
	/* Unknown device ioctls. */
	assert_int_equal(lab_ioctl(c.dev, VFIO_GET_API_VERSION, &ri), -1);
	assert_int_equal(errno, ENOTTY);
	shutdown_checked();
}

/* ---- BAR accesses --------------------------------------------------------- */

static void test_bar_rw(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	/* Memory decode off: a BAR access is -EIO, as Linux. */
	cfg_write(c.dev, 0x04, 2, cmd & ~2u);
	uint32_t v;
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)BAR_OFF(0) + NVME_VS), -1);
	assert_int_equal(errno, EIO);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	assert_int_equal(bar_read(c.dev, 0, NVME_VS), 0x00010400);
	/* Writes reach the model (AQA keeps its implemented bits). */
	bar_write(c.dev, 0, NVME_AQA, 0xffffffff);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x0fff0fff);
	/*
	 * 8-byte and 1-byte accesses reach the model as such: the NVMe
	 * answers a byte read with 0 (its datasheet), not AQA's low byte.
	 */
	uint64_t q = 0;
	assert_int_equal(lab_pread(c.dev, &q, 8, (off_t)BAR_OFF(0) + NVME_AQA), 8);
	assert_int_equal((uint32_t)q, 0x0fff0fff);
	uint8_t b = 0;
	assert_int_equal(lab_pread(c.dev, &b, 1, (off_t)BAR_OFF(0) + NVME_AQA), 1);
	assert_int_equal(b, 0);
	/* The MSI-X table is the kernel's: all ones, writes dropped. */
	assert_int_equal(bar_read(c.dev, 0, NVME_MSIX_TABLE), 0xffffffff);
	bar_write(c.dev, 0, NVME_MSIX_TABLE, 0x12345678);
	assert_int_equal(bar_read(c.dev, 0, NVME_MSIX_TABLE + 8), 0xffffffff);
	/* A read running past the BAR's end is cut there. */
	assert_int_equal(lab_pread(c.dev, &q, 8, (off_t)BAR_OFF(0) + 0x4000 - 4), 4);
	/* At or past the end, on an empty BAR, on the ROM or VGA: -EINVAL. */
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)BAR_OFF(0) + 0x4000), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)BAR_OFF(1)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_pwrite(c.dev, &v, 4, (off_t)BAR_OFF(VFIO_PCI_ROM_REGION_INDEX)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)BAR_OFF(VFIO_PCI_VGA_REGION_INDEX)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)BAR_OFF(9)), -1);
	assert_int_equal(errno, EINVAL);
	/* A bad user buffer: -EFAULT. */
	assert_int_equal(lab_pread(c.dev, (void *)8, 4, (off_t)BAR_OFF(0) + NVME_VS), -1);
	assert_int_equal(errno, EFAULT);
	shutdown_checked();
}

/* ---- config space ---------------------------------------------------------- */

static void test_config_header(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	assert_int_equal(cfg_read(c.dev, 0, 4), 0x00111de5);
	/* Read-only: the IDs and the class do not change. */
	cfg_write(c.dev, 0, 4, 0xdeadbeef);
	cfg_write(c.dev, 0x08, 4, 0xdeadbeef);
	assert_int_equal(cfg_read(c.dev, 0, 4), 0x00111de5);
	assert_int_equal(cfg_read(c.dev, 0x08, 4) >> 8, 0x010802);
	assert_int_equal(hw_cfg(NVME, 0), 0x00111de5);

	/* BAR sizing on the virtual BARs: all ones reads back the size mask. */
	uint32_t hw_bar0 = hw_cfg(NVME, 0x10), hw_bar1 = hw_cfg(NVME, 0x14);
	uint32_t bar0 = cfg_read(c.dev, 0x10, 4);
	assert_int_equal(bar0 & 0xf, 0x4);   /* 64-bit memory, not prefetchable */
	cfg_write(c.dev, 0x10, 4, 0xffffffff);
	cfg_write(c.dev, 0x14, 4, 0xffffffff);
	assert_int_equal(cfg_read(c.dev, 0x10, 4), 0xffffc004);
	assert_int_equal(cfg_read(c.dev, 0x14, 4), 0xffffffff);
	/* Unimplemented BARs read zero whatever is written. */
	cfg_write(c.dev, 0x18, 4, 0xffffffff);
	assert_int_equal(cfg_read(c.dev, 0x18, 4), 0);
	cfg_write(c.dev, 0x30, 4, 0xffffffff);
	assert_int_equal(cfg_read(c.dev, 0x30, 4), 0);
	/* The device keeps its real addresses. */
	assert_int_equal(hw_cfg(NVME, 0x10), hw_bar0);
	assert_int_equal(hw_cfg(NVME, 0x14), hw_bar1);
	cfg_write(c.dev, 0x10, 4, bar0);
	assert_int_equal(cfg_read(c.dev, 0x10, 4), bar0);

	/*
	 * Command: INTx Disable is virtual (with no INTx enabled the function's
	 * bit follows it, as Linux's vfio_pci_intx_mask), Bus Master reaches
	 * the device.
	 */
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 0x0400 | 0x0004);
	assert_int_equal(cfg_read(c.dev, 0x04, 2) & 0x0404, 0x0404);
	assert_int_equal(hw_cfg(NVME, 0x04) & 0x0400, 0x0400);
	assert_int_equal(hw_cfg(NVME, 0x04) & 0x0004, 0x0004);
	cfg_write(c.dev, 0x04, 2, cmd & ~0x0404u);
	assert_int_equal(cfg_read(c.dev, 0x04, 2) & 0x0404, 0);
	assert_int_equal(hw_cfg(NVME, 0x04) & 0x0400, 0);
	assert_int_equal(hw_cfg(NVME, 0x04) & 0x0004, 0);
	/* Interrupt Line is virtual and writable, Pin read-only. */
	uint8_t pin = (uint8_t)cfg_read(c.dev, 0x3d, 1);
	cfg_write(c.dev, 0x3c, 2, 0x0755);
	assert_int_equal(cfg_read(c.dev, 0x3c, 1), 0x55);
	assert_int_equal(cfg_read(c.dev, 0x3d, 1), pin);
	assert_int_equal(hw_cfg(NVME, 0x3c) & 0xff, 0);

	/* Out of range: -EFAULT, as Linux's config accesses. */
	uint32_t v;
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)CFG_OFF + 4096), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)CFG_OFF + 4094), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(lab_pwrite(c.dev, (void *)8, 4, (off_t)CFG_OFF + 0x3c), -1);
	assert_int_equal(errno, EFAULT);
	/* A read across fields and capabilities is cut and put together. */
	uint8_t all[64];
	assert_int_equal(lab_pread(c.dev, all, 64, (off_t)CFG_OFF), 64);
	assert_int_equal(all[0], 0xe5);
	assert_int_equal(all[2], 0x11);
	shutdown_checked();
}

static void test_config_caps(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	assert_true(cfg_read(c.dev, 0x06, 2) & 0x10);
	unsigned pm = find_cap(c.dev, 0x01), msi = find_cap(c.dev, 0x05);
	unsigned msix = find_cap(c.dev, 0x11), exp = find_cap(c.dev, 0x10);
	assert_true(pm && msi && msix && exp);
	/* The chain is read-only: a write to a next pointer changes nothing. */
	uint8_t next = (uint8_t)cfg_read(c.dev, pm + 1, 1);
	cfg_write(c.dev, pm + 1, 1, 0x00);
	assert_int_equal(cfg_read(c.dev, pm + 1, 1), next);

	/* PM: the user may not see or enable PME (virtual, read-only zero). */
	assert_int_equal(cfg_read(c.dev, pm + 2, 2) & 0xf800, 0);
	cfg_write(c.dev, pm + 4, 2, 0x0100);
	assert_int_equal(cfg_read(c.dev, pm + 4, 2) & 0x0100, 0);
	assert_int_equal(hw_cfg(NVME, pm + 4) & 0x0100, 0);

	/* MSI: Enable follows SET_IRQS, not the write; the message is virtual. */
	uint16_t mflags = (uint16_t)cfg_read(c.dev, msi + 2, 2);
	cfg_write(c.dev, msi + 2, 2, mflags | 1);
	assert_int_equal(cfg_read(c.dev, msi + 2, 2) & 1, 0);
	assert_int_equal(hw_cfg(NVME, msi + 2) & 0x10000, 0);
	cfg_write(c.dev, msi + 4, 4, 0x8000040);
	assert_int_equal(cfg_read(c.dev, msi + 4, 4), 0x8000040);
	assert_int_not_equal(hw_cfg(NVME, msi + 4), 0x8000040);

	/* MSI-X: read-only, Enable the device's. */
	uint16_t xflags = (uint16_t)cfg_read(c.dev, msix + 2, 2);
	cfg_write(c.dev, msix + 2, 2, xflags | 0xc000);
	assert_int_equal(cfg_read(c.dev, msix + 2, 2), xflags);
	assert_int_equal((hw_cfg(NVME, msix) >> 16) & 0xc000, 0);

	/* PCIe: Phantom Functions never reach the device. */
	uint16_t devctl = (uint16_t)cfg_read(c.dev, exp + 8, 2);
	cfg_write(c.dev, exp + 8, 2, devctl | 0x0200);
	assert_int_equal(hw_cfg(NVME, exp + 8) & 0x0200, 0);
	/* DevCap is read-only. */
	uint32_t devcap = cfg_read(c.dev, exp + 4, 4);
	cfg_write(c.dev, exp + 4, 4, 0);
	assert_int_equal(cfg_read(c.dev, exp + 4, 4), devcap);
	assert_true(devcap & 0x10000000);   /* FLR */

	/*
	 * D3hot and back: the NVMe has no No_Soft_Reset, so it comes back
	 * reset; vfio-pci puts its configuration back (its BAR, its decode).
	 */
	uint32_t hw_bar0 = hw_cfg(NVME, 0x10);
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	cfg_write(c.dev, pm + 4, 2, 3);
	assert_int_equal(cfg_read(c.dev, pm + 4, 2) & 3, 3);
	cfg_write(c.dev, pm + 4, 2, 0);
	assert_int_equal(cfg_read(c.dev, pm + 4, 2) & 3, 0);
	assert_int_equal(hw_cfg(NVME, 0x10), hw_bar0);
	assert_int_equal(bar_read(c.dev, 0, NVME_VS), 0x00010400);

	/* Extended config space: no extended capability, the device's zeros. */
	assert_int_equal(cfg_read(c.dev, 0x100, 4), 0);
	shutdown_checked();
}

/* An FLR written through the PCIe capability resets the function; the bit reads 0. */
static void test_config_flr(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	unsigned exp = find_cap(c.dev, 0x10);
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	bar_write(c.dev, 0, NVME_AQA, 0x001f001f);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x001f001f);
	uint16_t devctl = (uint16_t)cfg_read(c.dev, exp + 8, 2);
	cfg_write(c.dev, exp + 8, 2, devctl | 0x8000);
	assert_int_equal(cfg_read(c.dev, exp + 8, 2) & 0x8000, 0);
	/* The reset kept the device's BARs and decode (restored around it). */
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0);
	assert_int_equal(bar_read(c.dev, 0, NVME_VS), 0x00010400);
	shutdown_checked();
}

/* ---- resets ------------------------------------------------------------------- */

static void test_reset(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	bar_write(c.dev, 0, NVME_AQA, 0x00070007);
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_RESET, NULL), 0);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0);
	/* The user's view of config space is kept. */
	assert_int_equal(cfg_read(c.dev, 0x04, 2) & 2, 2);
	shutdown_checked();
}

static int hot_reset_info(int dev, struct vfio_pci_hot_reset_info *h, uint32_t argsz)
{
	h->argsz = argsz;
	h->flags = 0;
	h->count = 0;
	return lab_ioctl(dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h) ? -errno : 0;
}

static void test_hot_reset_info(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	char buf[sizeof(struct vfio_pci_hot_reset_info) + 4 * sizeof(struct vfio_pci_dependent_device)];
	struct vfio_pci_hot_reset_info *h = (void *)buf;
	/* Header only: -ENOSPC with the count the user needs. */
	assert_int_equal(hot_reset_info(c.dev, h, sizeof(*h)), -ENOSPC);
	assert_int_equal(h->count, 1);
	assert_int_equal(hot_reset_info(c.dev, h, sizeof(buf)), 0);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->flags, 0);
	assert_int_equal(h->devices[0].group_id, NVME_GROUP);
	assert_int_equal(h->devices[0].segment, 0);
	assert_int_equal(h->devices[0].bus, 1);
	assert_int_equal(h->devices[0].devfn, 0);
	assert_int_equal(hot_reset_info(c.dev, h, 8), -EINVAL);
	lab_close_all();

	/* The multifunction dma-copy: both functions share the bus reset. */
	to_vfio_pci(DC0);
	to_vfio_pci(DC1);
	open_dev(&c, DC_GROUP, DC0);
	assert_int_equal(hot_reset_info(c.dev, h, sizeof(*h) + sizeof(h->devices[0])), -ENOSPC);
	assert_int_equal(h->count, 2);
	assert_int_equal(hot_reset_info(c.dev, h, sizeof(buf)), 0);
	assert_int_equal(h->count, 2);
	assert_int_equal(h->devices[0].devfn, 0);
	assert_int_equal(h->devices[1].devfn, 1);
	assert_int_equal(h->devices[0].bus, 4);
	assert_int_equal(h->devices[1].group_id, DC_GROUP);
	shutdown_checked();
}

static int hot_reset(int dev, const int32_t *fds, uint32_t count, uint32_t flags)
{
	char buf[sizeof(struct vfio_pci_hot_reset) + 8 * sizeof(int32_t)];
	struct vfio_pci_hot_reset *r = (void *)buf;
	r->argsz = (uint32_t)(sizeof(*r) + count * sizeof(int32_t));
	r->flags = flags;
	r->count = count;
	memcpy(r->group_fds, fds, count * sizeof(int32_t));
	return lab_ioctl(dev, VFIO_DEVICE_PCI_HOT_RESET, r) ? -errno : 0;
}

static void test_hot_reset(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	bar_write(c.dev, 0, NVME_AQA, 0x00030003);
	int32_t fds[2] = { c.group, c.group };
	/* The argument checks first, then the proof of ownership. */
	assert_int_equal(hot_reset(c.dev, fds, 1, 1), -EINVAL);
	assert_int_equal(hot_reset(c.dev, fds, 0, 0), -EINVAL);
	assert_int_equal(hot_reset(c.dev, fds, 2, 0), -EINVAL);   /* more groups than functions */
	int32_t bad = 9999;
	assert_int_equal(hot_reset(c.dev, &bad, 1, 0), -EBADF);
	assert_int_equal(hot_reset(c.dev, &c.container, 1, 0), -EINVAL);
	assert_int_equal(hot_reset(c.dev, &c.dev, 1, 0), -EINVAL);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x00030003);
	/* The group proves it: the bus is reset, the function's header restored. */
	assert_int_equal(hot_reset(c.dev, fds, 1, 0), 0);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0);
	assert_int_equal(bar_read(c.dev, 0, NVME_VS), 0x00010400);
	lab_close_all();

	/* 04:00.1 unbound: not every affected function is vfio-pci's (-EINVAL). */
	to_vfio_pci(DC0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/dma-copy/unbind", DC1), 0);
	open_dev(&c, DC_GROUP, DC0);
	assert_int_equal(hot_reset(c.dev, &c.group, 1, 0), -EINVAL);
	/* Bound to vfio-pci too: the same group proves both. */
	assert_int_equal(sys_write("/sys/bus/pci/devices/" DC1 "/driver_override", "vfio-pci"), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/bind", DC1), 0);
	assert_int_equal(hot_reset(c.dev, &c.group, 1, 0), 0);
	/* A group of another bus proves nothing (the NVMe is still vfio-pci's). */
	int g3 = lab_open("/dev/vfio/3", O_RDWR, 0);
	assert_true(g3 >= 0);
	assert_int_equal(hot_reset(c.dev, &g3, 1, 0), -EINVAL);
	shutdown_checked();
}

/*
 * Under a GICv2m MSIs are not isolated: type1 refuses the group unless
 * allow_unsafe_interrupts (Linux). A function on the root bus has no bus
 * reset: the hot reset calls answer -ENODEV.
 */
static void v2m_open(struct ctx *c, const char *cmdline, int expect_set_iommu)
{
	assert_int_equal(tu_lab_boot(LAB_SRCDIR "/tests/scenarios/platforms/vfio-pci-v2m.dts",
				     cmdline), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-pci"), 0);
	to_vfio_pci("0000:00:01.0");
	c->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	c->group = lab_open("/dev/vfio/1", O_RDWR, 0);
	assert_true(c->container >= 0 && c->group >= 0);
	assert_int_equal(lab_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container), 0);
	int ret = lab_ioctl(c->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU) ? -errno : 0;
	assert_int_equal(ret, expect_set_iommu);
}

static void test_v2m(void **state)
{
	struct ctx c;
	v2m_open(&c, NULL, -EPERM);
	shutdown_checked();
	v2m_open(&c, "vfio_iommu_type1.allow_unsafe_interrupts=1", 0);
	c.dev = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, (void *)"0000:00:01.0");
	assert_true(c.dev >= 0);
	struct vfio_pci_hot_reset_info h = { .argsz = sizeof(h) };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &h), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(hot_reset(c.dev, &c.group, 1, 0), -ENODEV);
	/* A function reset still works (FLR). */
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_RESET, NULL), 0);
	shutdown_checked();
}

/* ---- ioeventfds ----------------------------------------------------------------- */

static int ioeventfd(int dev, uint64_t off, uint32_t flags, uint64_t data, int fd)
{
	struct vfio_device_ioeventfd e = {
		.argsz = sizeof(e), .flags = flags, .offset = off, .data = data, .fd = fd,
	};
	return lab_ioctl(dev, VFIO_DEVICE_IOEVENTFD, &e) ? -errno : 0;
}

static void test_ioeventfd(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	int efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	for (uint32_t sz = 1; sz <= 8; sz <<= 1)
		assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, sz, 1, efd), 0);
	/* The same (offset, size, data) again: -EEXIST; other data is another one. */
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, 4, 1, efd), -EEXIST);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, 4, 2, efd), 0);
	/* fd -1 removes; removing what is not there is -ENODEV. */
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, 4, 2, -1), 0);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, 4, 2, -1), -ENODEV);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1000, 4, 1, -2), -EEXIST);
	/* Sizes: exactly one of 1, 2, 4, 8; no other flag. */
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0), 0, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0), 3, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0), 0x10 | 4, 0, efd), -EINVAL);
	/* BARs only, inside the BAR, never over the MSI-X table. */
	assert_int_equal(ioeventfd(c.dev, CFG_OFF, 4, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x4000 - 2, 4, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(1), 4, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + NVME_MSIX_TABLE + 4, 4, 0, efd), -EINVAL);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + NVME_MSIX_TABLE - 2, 4, 0, efd), -EINVAL);
	/* The fd must be an eventfd. */
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1100, 4, 0, 9999), -EBADF);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x1100, 4, 0, c.group), -EINVAL);
	struct vfio_device_ioeventfd e = { .argsz = 8 };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_IOEVENTFD, &e), -1);
	assert_int_equal(errno, EINVAL);

	/* Signalled, it does its write before the program's next access. */
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	int door = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + NVME_AQA, 4, 0x00050006, door), 0);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0);
	uint64_t one = 1;
	assert_int_equal(write(door, &one, 8), 8);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x00050006);
	/* Once per signal: the program's own write stays. */
	bar_write(c.dev, 0, NVME_AQA, 0x00010001);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x00010001);
	/* Memory decode off: skipped, as Linux's handler. */
	cfg_write(c.dev, 0x04, 2, cmd & ~2u);
	assert_int_equal(write(door, &one, 8), 8);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x00010001);
	/* The limit: 1,000 per device (-ENOSPC). */
	for (int i = 0; i < 1000 - 5; i++)
		assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x100, 4, (uint64_t)i, efd), 0);
	assert_int_equal(ioeventfd(c.dev, BAR_OFF(0) + 0x100, 4, 5000, efd), -ENOSPC);
	close(door);
	close(efd);
	shutdown_checked();
}

/* ---- VFIO_DEVICE_FEATURE ------------------------------------------------------------ */

static int feature(int dev, uint32_t flags, const void *data, size_t len)
{
	char buf[sizeof(struct vfio_device_feature) + 16];
	struct vfio_device_feature *f = (void *)buf;
	f->argsz = (uint32_t)(sizeof(*f) + len);
	f->flags = flags;
	if (len)
		memcpy(f->data, data, len);
	return lab_ioctl(dev, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
}

static void test_feature(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	const uint32_t S = VFIO_DEVICE_FEATURE_SET, G = VFIO_DEVICE_FEATURE_GET,
		       P = VFIO_DEVICE_FEATURE_PROBE;
	/* Low power: SET only, as on every vfio-pci device in Linux. */
	assert_int_equal(feature(c.dev, P | S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), 0);
	assert_int_equal(feature(c.dev, P | G | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), -EINVAL);
	assert_int_equal(feature(c.dev, G | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0), -EINVAL);
	assert_int_equal(feature(c.dev, VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), -EINVAL);
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), 0);
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), -EINVAL);
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0), 0);
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT, NULL, 0), 0);
	/* With a wakeup eventfd: the next access wakes the device and signals it. */
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct vfio_device_low_power_entry_with_wakeup w = { .wakeup_eventfd = efd };
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, &w, 4),
			 -EINVAL);   /* payload too short */
	w.wakeup_eventfd = -1;
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, &w,
				 sizeof(w)), -EINVAL);
	w.wakeup_eventfd = 9999;
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, &w,
				 sizeof(w)), -EBADF);
	w.wakeup_eventfd = efd;
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP, &w,
				 sizeof(w)), 0);
	uint64_t n = 0;
	assert_int_equal(read(efd, &n, 8), -1);
	(void)cfg_read(c.dev, 0, 4);
	assert_int_equal(read(efd, &n, 8), 8);
	assert_int_equal(n, 1);
	/* Woken: entering again works. */
	assert_int_equal(feature(c.dev, S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), 0);
	/* No SR-IOV, no migration, no dirty tracking: -ENOTTY. */
	assert_int_equal(feature(c.dev, P | S | VFIO_DEVICE_FEATURE_PCI_VF_TOKEN, NULL, 0), -ENOTTY);
	assert_int_equal(feature(c.dev, P | G | VFIO_DEVICE_FEATURE_MIGRATION, NULL, 0), -ENOTTY);
	assert_int_equal(feature(c.dev, P | S | VFIO_DEVICE_FEATURE_DMA_LOGGING_START, NULL, 0),
			 -ENOTTY);
	assert_int_equal(feature(c.dev, P | S | 0x7777, NULL, 0), -ENOTTY);
	assert_int_equal(feature(c.dev, G | S | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY, NULL, 0), -EINVAL);
	close(efd);
	shutdown_checked();
}

/* ---- ownership, MSI isolation, removal ------------------------------------------------ */

static void test_ownership(void **state)
{
	boot(NULL);
	/* 04:00.1 still has dma-copy: group 8 is not viable. */
	to_vfio_pci(DC0);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = lab_open("/dev/vfio/8", O_RDWR, 0);
	assert_true(c >= 0 && g >= 0);
	struct vfio_group_status st = { .argsz = sizeof(st) };
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &st), 0);
	assert_int_equal(st.flags & VFIO_GROUP_FLAGS_VIABLE, 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -1);
	assert_int_equal(errno, EPERM);
	/* Unbound is fine too. */
	assert_int_equal(sys_write("/sys/bus/pci/drivers/dma-copy/unbind", DC1), 0);
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_GET_STATUS, &st), 0);
	assert_true(st.flags & VFIO_GROUP_FLAGS_VIABLE);
	/* The ITS isolates MSIs: type1 needs no allow_unsafe_interrupts. */
	assert_int_equal(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), 0);
	assert_int_equal(lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	/* Owned by the user: dma-copy cannot take 04:00.1 back. */
	assert_int_equal(sys_write("/sys/bus/pci/drivers/dma-copy/bind", DC1), -EBUSY);
	shutdown_checked();
}

/* Removal while open: the user is asked (REQ), then cut off (-ENODEV). */
static void test_remove_open(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/vfio-pci/unbind", NVME), 0);
	struct vfio_device_info di = { .argsz = sizeof(di) };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_INFO, &di), -1);
	assert_int_equal(errno, ENODEV);
	uint32_t v;
	assert_int_equal(lab_pread(c.dev, &v, 4, (off_t)CFG_OFF), -1);
	assert_int_equal(errno, ENODEV);
	size_t len;
	assert_non_null(strstr(dmesg_text(&len),
			       "vfio-pci 0000:01:00.0: No device request channel registered"));
	/* The nvme driver takes it back. */
	assert_int_equal(sys_write("/sys/bus/pci/devices/" NVME "/driver_override", "\n"), 0);
	assert_int_equal(sys_write("/sys/bus/pci/drivers/nvme/bind", NVME), 0);
	shutdown_checked();
}

/* ---- mmap of BARs (trap and emulate) --------------------------------------------- */

static sigjmp_buf jump;
static volatile int got_sig;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	got_sig = sig;
	siglongjmp(jump, 1);
}

static void test_mmap(void **state)
{
	boot(NULL);
	struct ctx c;
	nvme_open(&c);
	/* A memory BAR of a page or more: MMAP, and 6.12's MSI-X capability. */
	char buf[sizeof(struct vfio_region_info) + 64];
	struct vfio_region_info *ri = (void *)buf;
	assert_int_equal(region_info(c.dev, 0, ri, sizeof(*ri)), 0);
	assert_int_equal(ri->flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	assert_int_equal(ri->argsz, sizeof(*ri) + sizeof(struct vfio_info_cap_header));
	assert_int_equal(ri->cap_offset, 0);
	memset(buf, 0, sizeof(buf));
	ri->argsz = sizeof(buf);
	ri->index = 0;
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_REGION_INFO, ri), 0);
	assert_int_equal(ri->cap_offset, sizeof(*ri));
	struct vfio_info_cap_header *cap = (void *)(buf + ri->cap_offset);
	assert_int_equal(cap->id, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	assert_int_equal(cap->version, 1);
	assert_int_equal(cap->next, 0);
	/* mmap's rules: shared, inside the BAR, a BAR region that can be mapped. */
	assert_true(lab_mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, c.dev, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(lab_mmap(NULL, 0x5000, PROT_READ, MAP_SHARED, c.dev, 0) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.dev, 0x4000) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.dev, (off_t)BAR_OFF(1)) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.dev, (off_t)CFG_OFF) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);
	assert_true(lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.dev,
			     (off_t)BAR_OFF(VFIO_PCI_ROM_REGION_INDEX)) == MAP_FAILED);
	assert_int_equal(errno, EINVAL);

	volatile uint32_t *regs = lab_mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, c.dev, 0);
	assert_true(regs != MAP_FAILED);
	mmio_trap_rearm();
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	assert_int_equal(regs[NVME_VS / 4], 0x00010400);
	regs[NVME_AQA / 4] = 0x00110022;
	assert_int_equal(bar_read(c.dev, 0, NVME_AQA), 0x00110022);
	/* The MSI-X table is mapped too (MSIX_MAPPABLE): the device's own entry. */
	assert_int_not_equal(regs[(NVME_MSIX_TABLE + 12) / 4], 0xffffffff);
	/* Memory decode off: a load is a bus error (Linux's fault handler). */
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO }, old;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	cfg_write(c.dev, 0x04, 2, cmd & ~2u);
	got_sig = 0;
	if (!sigsetjmp(jump, 1))
		(void)regs[NVME_VS / 4];
	assert_int_equal(got_sig, SIGBUS);
	sigaction(SIGBUS, &old, NULL);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	mmio_trap_rearm();
	assert_int_equal(regs[NVME_VS / 4], 0x00010400);
	assert_int_equal(lab_munmap((void *)regs, 0x4000), 0);

	/* A 4 KiB BAR of the dma-copy maps whole; read-only mappings too. */
	lab_close_all();
	to_vfio_pci(DC0);
	to_vfio_pci(DC1);
	open_dev(&c, DC_GROUP, DC0);
	volatile uint32_t *dc = lab_mmap(NULL, 4096, PROT_READ, MAP_SHARED, c.dev, 0);
	assert_true(dc != MAP_FAILED);
	mmio_trap_rearm();
	cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 2);
	assert_int_equal(dc[0], bar_read(c.dev, 0, 0));
	assert_int_equal(lab_munmap((void *)dc, 4096), 0);
	shutdown_checked();
}

/* ---- DMA by a PCI function through vfio-pci ------------------------------------------ */

static void test_dma(void **state)
{
	boot(NULL);
	to_vfio_pci(DC0);
	to_vfio_pci(DC1);
	struct ctx c;
	open_dev(&c, DC_GROUP, DC0);
	size_t sz = 2 * 4096;
	uint8_t *buf = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7);
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = 0x100000, .size = sz,
	};
	assert_int_equal(lab_ioctl(c.container, VFIO_IOMMU_MAP_DMA, &m), 0);
	/* Decode and bus mastering through the config region, as a user driver does. */
	uint16_t cmd = (uint16_t)cfg_read(c.dev, 0x04, 2);
	cfg_write(c.dev, 0x04, 2, cmd | 0x6);
	bar_write(c.dev, 0, REG_SRC_LO, 0x100000);
	bar_write(c.dev, 0, REG_SRC_HI, 0);
	bar_write(c.dev, 0, REG_DST_LO, 0x101000);
	bar_write(c.dev, 0, REG_DST_HI, 0);
	bar_write(c.dev, 0, REG_LEN, 4096);
	bar_write(c.dev, 0, REG_CTRL, 1);
	uint32_t st = 0;
	for (int i = 0; i < 100000 && ((st = bar_read(c.dev, 0, REG_STATUS)) & 1); i++)
		;
	assert_int_equal(st & 6, 2);   /* DONE, no ERROR */
	assert_memory_equal(buf, buf + 4096, 4096);
	/* Bus Master off: the engine cannot reach memory any more. */
	bar_write(c.dev, 0, REG_STATUS, 6);
	cfg_write(c.dev, 0x04, 2, (cmd | 0x2) & ~0x4u);
	memset(buf + 4096, 0, 4096);
	bar_write(c.dev, 0, REG_CTRL, 1);
	for (int i = 0; i < 100000 && ((st = bar_read(c.dev, 0, REG_STATUS)) & 1); i++)
		;
	assert_int_equal(st & 4, 4);   /* ERROR */
	assert_int_equal(buf[4096 + 1], 0);
	munmap(buf, sz);
	shutdown_checked();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_bind_rules),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_bar_rw),
		cmocka_unit_test(test_config_header),
		cmocka_unit_test(test_config_caps),
		cmocka_unit_test(test_config_flr),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_hot_reset_info),
		cmocka_unit_test(test_hot_reset),
		cmocka_unit_test(test_v2m),
		cmocka_unit_test(test_ioeventfd),
		cmocka_unit_test(test_feature),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_remove_open),
		cmocka_unit_test(test_mmap),
		cmocka_unit_test(test_dma),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
