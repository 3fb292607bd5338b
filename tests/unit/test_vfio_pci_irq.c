/*
 * vfio-pci interrupts through real descriptors and the real <linux/vfio.h>:
 * VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS on the NVMe (INTx, one
 * MSI, 65 MSI-X with dynamic allocation) and the conventional pci-dma-copy
 * (INTx, one MSI-X vector) as Linux 6.12 answers them: the argument checks,
 * every data and action type, loopback, ERR and REQ, the completion of a
 * real DMA copy arriving on an MSI-X eventfd and on the automasked INTx,
 * and the interrupts gone at close. The oracle watches every test.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
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
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/irqchip/msi.h"
#include "kernel/pci/pci.h"

#define NVME "0000:01:00.0"
#define DMAC "0000:06:01.0"      /* conventional pci-dma-copy, group with its bridge */
#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/* dma-copy registers (docs/devices.md) in BAR0. */
#define REG_SRC_LO 0x008
#define REG_DST_LO 0x010
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define CTRL_START 1u
#define CTRL_IRQ_EN 2u
#define ST_BUSY 1u
#define ST_DONE 2u

#define CFG_COMMAND 0x04
#define CMD_MEMORY 0x0002
#define CMD_MASTER 0x0004
#define CMD_INTX_DISABLE 0x0400
#define IOVA 0x100000ull

struct vctx {
	int container, group, dev;
	uint8_t *buf;
};

static int teardown(void **state)
{
	(void)state;
	lab_close_all();
	int oracle = tu_lab_shutdown();
	if (kalloc_outstanding() != 0) {
		fprintf(stderr, "leak: %ld kernel allocations outstanding\n", kalloc_outstanding());
		return -1;
	}
	return oracle;
}

static void shutdown_checked(void)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
}

static struct pci_dev *pdev_of(const char *name)
{
	unsigned bus, slot, fn;
	assert_int_equal(sscanf(name, "0000:%x:%x.%x", &bus, &slot, &fn), 3);
	struct pci_dev *p = pci_get_domain_bus_and_slot(0, bus, PCI_DEVFN(slot, fn));
	assert_non_null(p);
	pci_dev_put(p);   /* the device outlives the test's look */
	return p;
}

/* The group number of @name from its iommu_group link. */
static int group_of(const char *name)
{
	char path[128], link[256];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", name);
	ssize_t n = lab_readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = 0;
	return atoi(strrchr(link, '/') + 1);
}

/* Parameters for the next vsetup's modprobe of vfio-pci. */
static const char *modargs = "";

/* Boots, hands @name to vfio-pci from @from, opens container, group and device. */
static void vsetup(struct vctx *c, const char *name, const char *from)
{
	char path[64];

	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_int_equal(tu_sh("modprobe vfio-pci %s", modargs), 0);
	modargs = "";
	assert_int_equal(tu_sh("echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", name), 0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/pci/drivers/%s/unbind", name, from), 0);
	assert_int_equal(tu_sh("echo %s > /sys/bus/pci/drivers/vfio-pci/bind", name), 0);
	c->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_of(name));
	c->group = lab_open(path, O_RDWR, 0);
	assert_true(c->container >= 0 && c->group >= 0);
	assert_int_equal(lab_ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container), 0);
	assert_int_equal(lab_ioctl(c->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU), 0);
	c->buf = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(c->buf != MAP_FAILED);
	for (int i = 0; i < 0x1000; i++)
		c->buf[i] = (uint8_t)(i * 7 + 1);
	struct vfio_iommu_type1_dma_map mp = { .argsz = sizeof(mp), .flags = RW,
		.vaddr = (uintptr_t)c->buf, .iova = IOVA, .size = 0x2000 };
	assert_int_equal(lab_ioctl(c->container, VFIO_IOMMU_MAP_DMA, &mp), 0);
	c->dev = lab_ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, (void *)name);
	assert_true(c->dev >= 0);
}

static int efd_new(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(fd >= 0);
	return fd;
}

/* The eventfd's counter, read without waiting (0: nothing). */
static uint64_t drain(int efd)
{
	uint64_t v = 0;
	if (read(efd, &v, 8) != 8)
		return 0;
	return v;
}

static int wait_efd(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	return lab_poll(&p, 1, ms);
}

/* SET_IRQS with @count items of @data (eventfds or bools); -errno or the ioctl's value. */
static int set_irqs_n(int dev, uint32_t flags, uint32_t index, uint32_t start, uint32_t count,
		      const void *data, size_t size)
{
	char b[sizeof(struct vfio_irq_set) + 256];
	struct vfio_irq_set *s = (void *)b;
	assert_true(size <= 256);
	*s = (struct vfio_irq_set){ .argsz = (uint32_t)(sizeof(*s) + size), .flags = flags,
				    .index = index, .start = start, .count = count };
	if (size)
		memcpy(s->data, data, size);
	int r = lab_ioctl(dev, VFIO_DEVICE_SET_IRQS, s);
	return r < 0 ? -errno : r;
}

static int set_efd(int dev, uint32_t index, uint32_t start, int32_t fd)
{
	return set_irqs_n(dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index,
			  start, 1, &fd, 4);
}

static int set_none(int dev, uint32_t action, uint32_t index, uint32_t start, uint32_t count)
{
	return set_irqs_n(dev, VFIO_IRQ_SET_DATA_NONE | action, index, start, count, NULL, 0);
}

static int set_bool(int dev, uint32_t action, uint32_t index, uint8_t v)
{
	return set_irqs_n(dev, VFIO_IRQ_SET_DATA_BOOL | action, index, 0, 1, &v, 1);
}

static int irq_info(int dev, uint32_t index, struct vfio_irq_info *info)
{
	*info = (struct vfio_irq_info){ .argsz = sizeof(*info), .index = index };
	return lab_ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

static uint64_t region(uint32_t index)
{
	return (uint64_t)index << 40;
}

static uint16_t cfg_read16(int dev, uint32_t off)
{
	uint16_t v = 0;
	assert_int_equal(lab_pread(dev, &v, 2, (off_t)(region(VFIO_PCI_CONFIG_REGION_INDEX) + off)),
			 2);
	return v;
}

static void cfg_write16(int dev, uint32_t off, uint16_t v)
{
	assert_int_equal(lab_pwrite(dev, &v, 2, (off_t)(region(VFIO_PCI_CONFIG_REGION_INDEX) + off)),
			 2);
}

static void bar_write(int dev, uint32_t off, uint32_t v)
{
	assert_int_equal(lab_pwrite(dev, &v, 4, (off_t)(region(0) + off)), 4);
}

static uint32_t bar_read(int dev, uint32_t off)
{
	uint32_t v = 0;
	assert_int_equal(lab_pread(dev, &v, 4, (off_t)(region(0) + off)), 4);
	return v;
}

/* Capability @id's offset in the user's config space (0: none). */
static uint32_t cfg_find_cap(int dev, uint8_t id)
{
	uint8_t pos = (uint8_t)cfg_read16(dev, 0x34);
	for (int n = 0; pos && n < 48; n++) {
		uint16_t hdr = cfg_read16(dev, pos);
		if ((hdr & 0xff) == id)
			return pos;
		pos = (uint8_t)(hdr >> 8);
	}
	return 0;
}

/* The hardware's Command register, as the kernel reads it. */
static uint16_t hw_command(const char *name)
{
	uint16_t v = 0;
	pci_read_config_word(pdev_of(name), PCI_COMMAND, &v);
	return v;
}

/* ---- GET_IRQ_INFO ----------------------------------------------------------- */

static void test_irq_info(void **state)
{
	(void)state;
	struct vctx c;
	struct vfio_irq_info info;

	vsetup(&c, NVME, "nvme");
	assert_int_equal(irq_info(c.dev, VFIO_PCI_INTX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
				     VFIO_IRQ_INFO_AUTOMASKED);
	assert_int_equal(irq_info(c.dev, VFIO_PCI_MSI_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	/* 6.12 with dynamic MSI-X: no NORESIZE. */
	assert_int_equal(irq_info(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 65);
	assert_int_equal(info.flags, VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(irq_info(c.dev, VFIO_PCI_ERR_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	assert_int_equal(irq_info(c.dev, VFIO_PCI_REQ_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	assert_int_equal(info.flags, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	/* A bad index, a short argsz, a bad pointer. */
	assert_int_equal(irq_info(c.dev, VFIO_PCI_NUM_IRQS, &info), -EINVAL);
	assert_int_equal(irq_info(c.dev, 0xffffffff, &info), -EINVAL);
	info = (struct vfio_irq_info){ .argsz = offsetof(struct vfio_irq_info, count),
				       .index = 0 };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_IRQ_INFO, &info), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_IRQ_INFO, (void *)8), -1);
	assert_int_equal(errno, EFAULT);
	/* A larger argsz is fine; only the known part is written. */
	struct { struct vfio_irq_info i; uint32_t tail; } big = {
		.i = { .argsz = sizeof(big), .index = VFIO_PCI_MSIX_IRQ_INDEX }, .tail = 0xabcd };
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_GET_IRQ_INFO, &big), 0);
	assert_int_equal(big.i.count, 65);
	assert_int_equal(big.tail, 0xabcd);
	shutdown_checked();
}

/* ---- SET_IRQS argument checks ------------------------------------------------- */

static void test_set_irqs_validate(void **state)
{
	(void)state;
	struct vctx c;
	int efd = efd_new();
	int32_t fds[2] = { efd, efd };

	vsetup(&c, NVME, "nvme");
	struct vfio_irq_set s = { .argsz = sizeof(s) - 1, .flags = VFIO_IRQ_SET_DATA_NONE |
				  VFIO_IRQ_SET_ACTION_TRIGGER, .index = VFIO_PCI_MSIX_IRQ_INDEX };
	/* argsz under the header. */
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_SET_IRQS, &s), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lab_ioctl(c.dev, VFIO_DEVICE_SET_IRQS, (void *)8), -1);
	assert_int_equal(errno, EFAULT);
	/* Index past the last, unknown flag bits, two data types. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_NUM_IRQS, 0, 1),
			 -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, 1u << 6 | VFIO_IRQ_SET_DATA_NONE |
				    VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
				    NULL, 0), -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
				    VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
				    "\1", 1), -EINVAL);
	/* Two actions: no handler, as Linux (-ENOTTY). */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
				    VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				    NULL, 0), -ENOTTY);
	/* Ranges: start past the count, start + count past it, the u32 overflow. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 65, efd), -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 64, 2, fds, 8), -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 1, 0xffffffff, NULL, 0), -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSI_IRQ_INDEX, 1, efd), -EINVAL);
	/* Data shorter than count items. */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, fds, 7), -EINVAL);
	/* MSI and MSI-X have no masking in 6.12; INTx has no mask eventfd. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1),
			 -ENOTTY);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_MSI_IRQ_INDEX, 0, 1),
			 -ENOTTY);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_REQ_IRQ_INDEX, 0, 1),
			 -ENOTTY);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, efd), 0);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK,
				    VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd, 4), -ENOTTY);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0, 0),
			 0);
	/* Not an eventfd, not a descriptor; nothing was enabled by them. */
	int32_t bad = 0;
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, bad), -EINVAL);
	bad = 1000;
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, bad), -EBADF);
	assert_false(pdev_of(NVME)->msix_enabled);
	assert_false(lab_irq_registered());
	/* Unmask, mask and loopback on an index not enabled. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 -EINVAL);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1),
			 -EINVAL);
	/* A failing vector in a block undoes the ones before it and the enable. */
	int32_t mixed[2] = { efd, 1000 };
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, mixed, 8), -EBADF);
	assert_false(pdev_of(NVME)->msix_enabled);
	assert_false(lab_irq_registered());
	/* And the device still works. */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, fds, 8), 0);
	assert_true(pdev_of(NVME)->msix_enabled);
	close(efd);
	shutdown_checked();
}

/* ---- MSI and MSI-X on the NVMe -------------------------------------------------- */

static void test_msix_dynamic(void **state)
{
	(void)state;
	struct vctx c;
	int e0 = efd_new(), e1 = efd_new(), e9 = efd_new();
	int32_t two[2] = { e0, e1 };

	vsetup(&c, NVME, "nvme");
	struct pci_dev *pdev = pdev_of(NVME);
	/* Enable with two vectors: the function's MSI-X is on, two vectors allocated. */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, two, 8), 0);
	assert_true(pdev->msix_enabled);
	assert_true(msi_get_virq(&pdev->dev, 0) && msi_get_virq(&pdev->dev, 1));
	/* The user's config space shows MSI-X enabled, as SET_IRQS left it. */
	uint32_t msix = cfg_find_cap(c.dev, 0x11);
	assert_true(msix != 0);
	assert_true(cfg_read16(c.dev, msix + 2) & 0x8000);
	assert_int_equal(msi_get_virq(&pdev->dev, 9), 0);
	assert_true(lab_fd_is_irq(e0));
	assert_true(lab_fd_is_irq(e1));
	/* Loopback: DATA_NONE fires every vector in range, BOOL the ones set. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 2),
			 0);
	assert_int_equal(drain(e0), 1);
	assert_int_equal(drain(e1), 1);
	uint8_t bools[2] = { 0, 1 };
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, bools, 2), 0);
	assert_int_equal(drain(e0), 0);
	assert_int_equal(drain(e1), 1);
	/* A vector past the enabled ones, while enabled: allocated at once (dynamic MSI-X). */
	u32 irq0 = msi_get_virq(&pdev->dev, 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 9, e9), 0);
	assert_true(msi_get_virq(&pdev->dev, 9) != 0);
	assert_int_equal(msi_get_virq(&pdev->dev, 0), irq0);   /* not re-enabled */
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 1), 0);
	assert_int_equal(drain(e0), 1);
	/* fd -1 unsets vector 9: no loopback there, its interrupt stays allocated. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 9, -1), 0);
	assert_false(lab_fd_is_irq(e9));
	assert_true(msi_get_virq(&pdev->dev, 9) != 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 9, 1),
			 0);
	assert_int_equal(drain(e9), 0);
	/* ... and set again reuses it. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 9, e9), 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 9, 1),
			 0);
	assert_int_equal(drain(e9), 1);
	/* Replacing a vector's eventfd: the new one gets the signal. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e1), 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e0), 0);
	assert_int_equal(drain(e1), 1);
	/* MSI and INTx while MSI-X is on: -EINVAL, nothing changes. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSI_IRQ_INDEX, 0, e0), -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, e0), -EINVAL);
	assert_true(pdev->msix_enabled);
	/* count 0 + DATA_NONE disables: the function's MSI-X is off, no trigger left. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0),
			 0);
	assert_false(pdev->msix_enabled);
	assert_false(lab_irq_registered());
	assert_int_equal(msi_get_virq(&pdev->dev, 0), 0);
	assert_false(cfg_read16(c.dev, msix + 2) & 0x8000);
	/* Loopback on a disabled index. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1),
			 -EINVAL);
	close(e0);
	close(e1);
	close(e9);
	shutdown_checked();
}

static void test_msi(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new();

	vsetup(&c, NVME, "nvme");
	struct pci_dev *pdev = pdev_of(NVME);
	uint32_t msi = cfg_find_cap(c.dev, 0x05);
	assert_true(msi != 0);
	/* The user's MSI Enable takes only once SET_IRQS enabled MSI (QEMU writes both). */
	cfg_write16(c.dev, msi + 2, cfg_read16(c.dev, msi + 2) | 1);
	assert_false(cfg_read16(c.dev, msi + 2) & 1);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSI_IRQ_INDEX, 0, e), 0);
	assert_true(pdev->msi_enabled);
	cfg_write16(c.dev, msi + 2, cfg_read16(c.dev, msi + 2) | 1);
	assert_true(cfg_read16(c.dev, msi + 2) & 1);
	assert_true(lab_fd_is_irq(e));
	/* Switching type while MSI is on: -EINVAL. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e), -EINVAL);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 1);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0), 0);
	assert_int_equal(drain(e), 0);
	/* Disabling another index is refused; this one goes. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0),
			 -EINVAL);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0, 0),
			 0);
	assert_false(pdev->msi_enabled);
	/* Then MSI-X may be enabled. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e), 0);
	assert_true(pdev->msix_enabled);
	close(e);
	shutdown_checked();
}

/* ---- ERR and REQ --------------------------------------------------------------- */

static void test_err_req(void **state)
{
	(void)state;
	struct vctx c;
	int err = efd_new(), req = efd_new();

	vsetup(&c, NVME, "nvme");
	/* DATA_NONE with no eventfd, BOOL or EVENTFD with count 0, count 2, fd -2. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0, 1),
			 -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_ERR_IRQ_INDEX, 0, 0, NULL, 0), -EINVAL);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				    VFIO_PCI_REQ_IRQ_INDEX, 0, 2, (int32_t[]){ req, req }, 8),
			 -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_REQ_IRQ_INDEX, 0, -2), -EINVAL);
	/* BOOL with no eventfd: nothing, no error. */
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 1), 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_ERR_IRQ_INDEX, 0, err), 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_REQ_IRQ_INDEX, 0, req), 0);
	/* Loopback. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 1), 0);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 0), 0);
	assert_int_equal(drain(err), 1);
	assert_int_equal(drain(req), 1);
	/* DATA_NONE count 0 unsets ERR; fd -1 unsets too. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0, 0),
			 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0, 1),
			 -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_ERR_IRQ_INDEX, 0, err), 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_ERR_IRQ_INDEX, 0, -1), 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_ERR_IRQ_INDEX, 0, 1),
			 -EINVAL);
	assert_int_equal(drain(err), 0);
	/* Unbinding while the device is open: the user is asked through REQ. */
	assert_int_equal(tu_sh("echo " NVME " > /sys/bus/pci/drivers/vfio-pci/unbind"), 0);
	assert_true(drain(req) >= 1);
	assert_non_null(strstr(dmesg_text(NULL), "Relaying device request to user"));
	close(err);
	close(req);
	shutdown_checked();
}

/* ---- a real completion: pci-dma-copy on MSI-X and INTx ------------------------------ */

/* Memory decode and bus mastering, as a user driver turns them on. */
static void enable_dma(int dev)
{
	cfg_write16(dev, CFG_COMMAND, cfg_read16(dev, CFG_COMMAND) | CMD_MEMORY | CMD_MASTER);
}

static void start_copy(int dev, uint32_t ctrl)
{
	bar_write(dev, REG_SRC_LO, (uint32_t)IOVA);
	bar_write(dev, REG_DST_LO, (uint32_t)IOVA + 0x1000);
	bar_write(dev, REG_LEN, 0x1000);
	bar_write(dev, REG_CTRL, ctrl);
}

static void test_msix_completion(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new();

	vsetup(&c, DMAC, "dma-copy");
	struct vfio_irq_info info;
	assert_int_equal(irq_info(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, &info), 0);
	assert_int_equal(info.count, 1);
	enable_dma(c.dev);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e), 0);
	assert_true(pdev_of(DMAC)->msix_enabled);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(drain(e), 0);              /* no time has passed yet */
	/* Waiting lets the copy run; its MSI-X write reaches the ITS and our eventfd. */
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	assert_int_equal(bar_read(c.dev, REG_STATUS) & (ST_BUSY | ST_DONE), ST_DONE);
	assert_memory_equal(c.buf, c.buf + 0x1000, 0x1000);
	/* An edge: the DONE left set raises nothing more; ack and copy again, once more. */
	assert_int_equal(wait_efd(e, 1), 0);
	bar_write(c.dev, REG_STATUS, ST_DONE);
	memset(c.buf + 0x1000, 0, 0x1000);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	assert_memory_equal(c.buf, c.buf + 0x1000, 0x1000);
	/* Vector unset (fd -1): the completion signals nobody. */
	bar_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, -1), 0);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	kernel_sleep(1000000);
	assert_int_equal(drain(e), 0);
	assert_int_equal(bar_read(c.dev, REG_STATUS) & ST_DONE, ST_DONE);
	close(e);
	shutdown_checked();
}

static void test_intx_automask(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new();

	vsetup(&c, DMAC, "dma-copy");
	enable_dma(c.dev);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, e), 0);
	assert_true(lab_fd_is_irq(e));
	assert_int_equal(hw_command(DMAC) & CMD_INTX_DISABLE, 0);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	assert_memory_equal(c.buf, c.buf + 0x1000, 0x1000);
	/* Automasked at the function: INTx Disable set, the level does not storm. */
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	assert_int_equal(wait_efd(e, 1), 0);
	assert_null(strstr(dmesg_text(NULL), "nobody cared"));
	/* UNMASK with the condition still pending: stays masked, the interrupt is re-sent. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 1);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	/* Acked, then unmasked (BOOL 0 does nothing, BOOL 1 does): quiet, INTx enabled. */
	bar_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 1), 0);
	assert_int_equal(hw_command(DMAC) & CMD_INTX_DISABLE, 0);
	assert_int_equal(drain(e), 0);
	/* MASK: the next completion waits until UNMASK, then arrives. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1), 0);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 5), 0);
	assert_int_equal(bar_read(c.dev, REG_STATUS) & ST_DONE, ST_DONE);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 1);
	/* Loopback: DATA_NONE and BOOL 1 signal, BOOL 0 does not. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(set_bool(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	assert_int_equal(drain(e), 1);
	/* The user's INTx Disable masks too; clearing it with the condition pending re-sends. */
	bar_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(hw_command(DMAC) & CMD_INTX_DISABLE, 0);
	cfg_write16(c.dev, CFG_COMMAND, cfg_read16(c.dev, CFG_COMMAND) | CMD_INTX_DISABLE);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 5), 0);
	assert_int_equal(bar_read(c.dev, REG_STATUS) & ST_DONE, ST_DONE);
	/* Loopback while the user disabled INTx: nothing (Linux's virq_disabled). */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 0);
	cfg_write16(c.dev, CFG_COMMAND, cfg_read16(c.dev, CFG_COMMAND) & ~CMD_INTX_DISABLE);
	assert_int_equal(drain(e), 1);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);   /* still pending: still masked */
	/* Switching to MSI-X while INTx is on: -EINVAL. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e), -EINVAL);
	/* The trigger unset (fd -1) keeps INTx enabled, signalling nobody. */
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, -1), 0);
	assert_false(lab_fd_is_irq(e));
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 0);
	/* Disabled: MSI-X may come. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX, 0, 0),
			 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 0, e), 0);
	close(e);
	shutdown_checked();
}

/*
 * nointxmask=1: the function's INTx Disable is not used; the line is
 * masked at the interrupt controller instead (Linux's !pci_2_3 path).
 */
static void test_intx_nointxmask(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new();

	modargs = "nointxmask=1";
	vsetup(&c, DMAC, "dma-copy");
	enable_dma(c.dev);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, e), 0);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	/* Masked at the controller: INTx Disable untouched, the level line held, no storm. */
	assert_int_equal(hw_command(DMAC) & CMD_INTX_DISABLE, 0);
	assert_int_equal(wait_efd(e, 1), 0);
	assert_null(strstr(dmesg_text(NULL), "nobody cared"));
	/* UNMASK with the line still high: the IRQ core delivers it again, masked again. */
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 1);
	bar_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1),
			 0);
	assert_int_equal(drain(e), 0);
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	close(e);
	shutdown_checked();
}

/* The unmask eventfd (irqfd-style resample): a write to it unmasks INTx. */
static void test_intx_unmask_eventfd(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new(), un = efd_new(), other = efd_new();
	uint64_t one = 1;

	vsetup(&c, DMAC, "dma-copy");
	enable_dma(c.dev);
	/* No INTx yet: -EINVAL. */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
				    VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &un, 4), -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, e), 0);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
				    VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &un, 4), 0);
	/* A second one while the first is set: -EBUSY, as Linux's virqfd. */
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
				    VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &other, 4), -EBUSY);
	for (int round = 0; round < 3; round++) {
		start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
		assert_int_equal(wait_efd(e, 100), 1);
		assert_int_equal(drain(e), 1);
		assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);    /* automasked */
		/* The program acks the device and writes the unmask eventfd, nothing else. */
		bar_write(c.dev, REG_STATUS, ST_DONE);
		assert_int_equal(write(un, &one, 8), 8);
		/* Waiting for the next interrupt unmasks first: the next completion arrives. */
	}
	/* Written while the condition is still pending: stays masked, the interrupt is re-sent. */
	start_copy(c.dev, CTRL_START | CTRL_IRQ_EN);
	assert_int_equal(wait_efd(e, 100), 1);
	assert_int_equal(drain(e), 1);
	assert_int_equal(write(un, &one, 8), 8);
	assert_int_equal(wait_efd(e, 1), 1);
	assert_int_equal(drain(e), 1);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	/* fd -1 removes it: a write no longer unmasks. */
	bar_write(c.dev, REG_STATUS, ST_DONE);
	assert_int_equal(set_irqs_n(c.dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
				    VFIO_PCI_INTX_IRQ_INDEX, 0, 1, (int32_t[]){ -1 }, 4), 0);
	assert_int_equal(write(un, &one, 8), 8);
	assert_int_equal(wait_efd(e, 1), 0);
	assert_true(hw_command(DMAC) & CMD_INTX_DISABLE);
	close(e);
	close(un);
	close(other);
	shutdown_checked();
}

/* ---- close ---------------------------------------------------------------------------- */

static void test_close_disables(void **state)
{
	(void)state;
	struct vctx c;
	int e = efd_new(), req = efd_new();

	vsetup(&c, NVME, "nvme");
	assert_int_equal(set_efd(c.dev, VFIO_PCI_MSIX_IRQ_INDEX, 3, e), 0);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_REQ_IRQ_INDEX, 0, req), 0);
	assert_true(pdev_of(NVME)->msix_enabled);
	assert_true(lab_irq_registered());
	assert_int_equal(lab_close(c.dev), 0);
	assert_false(pdev_of(NVME)->msix_enabled);
	assert_false(lab_irq_registered());
	/* Open again: everything starts from none. */
	c.dev = lab_ioctl(c.group, VFIO_GROUP_GET_DEVICE_FD, (void *)NVME);
	assert_true(c.dev >= 0);
	assert_int_equal(set_none(c.dev, VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_REQ_IRQ_INDEX, 0, 1),
			 -EINVAL);
	assert_int_equal(set_efd(c.dev, VFIO_PCI_INTX_IRQ_INDEX, 0, e), 0);
	close(e);
	close(req);
	shutdown_checked();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_irq_info, teardown),
		cmocka_unit_test_teardown(test_set_irqs_validate, teardown),
		cmocka_unit_test_teardown(test_msix_dynamic, teardown),
		cmocka_unit_test_teardown(test_msi, teardown),
		cmocka_unit_test_teardown(test_err_req, teardown),
		cmocka_unit_test_teardown(test_msix_completion, teardown),
		cmocka_unit_test_teardown(test_intx_automask, teardown),
		cmocka_unit_test_teardown(test_intx_nointxmask, teardown),
		cmocka_unit_test_teardown(test_intx_unmask_eventfd, teardown),
		cmocka_unit_test_teardown(test_close_disables, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
