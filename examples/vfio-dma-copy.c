/*
 * vfio-dma-copy: a plain VFIO program, written for real hardware against
 * <linux/vfio.h>. It drives an "iommulab,dma-copy" engine (register map in
 * docs/devices.md) bound to vfio-platform: container, group, TYPE1v2,
 * IOVA ranges, one mapped buffer, the device fd, a copy programmed through
 * region writes, the completion interrupt on an eventfd, and a check of
 * the copied bytes.
 *
 *   vfio-dma-copy DEVICE      e.g. vfio-dma-copy a000000.dma
 *
 * The group comes from /sys/bus/platform/devices/DEVICE/iommu_group, as
 * Documentation/driver-api/vfio.rst shows. Under the lab:
 *   iommulab preload --cmdline vfio_iommu_type1.allow_unsafe_interrupts=1 \
 *       --setup examples/vfio-dma-copy.setup -- ./vfio-dma-copy a000000.dma
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define CTRL_START 0x1
#define CTRL_IRQ_EN 0x2
#define STATUS_DONE 0x2
#define STATUS_ERROR 0x4

#define BUF_SIZE (64 * 1024)

static void die(const char *what)
{
	fprintf(stderr, "vfio-dma-copy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reg_write(int dev, uint64_t base, uint32_t off, uint32_t val)
{
	if (pwrite(dev, &val, sizeof(val), base + off) != sizeof(val))
		die("region write");
}

static uint32_t reg_read(int dev, uint64_t base, uint32_t off)
{
	uint32_t val;
	if (pread(dev, &val, sizeof(val), base + off) != sizeof(val))
		die("region read");
	return val;
}

/* The IOVA ranges capability; returns the first range big enough for @size. */
/*
 * Waits for the interrupt eventfd the way @how names (poll, a blocking
 * read, epoll or select), as event loops do; returns the count read.
 */
static uint64_t wait_irq(int efd, int how)
{
	uint64_t count = 0;
	if (how == 0) {
		struct pollfd pfd = { .fd = efd, .events = POLLIN };
		if (poll(&pfd, 1, 5000) != 1)
			return 0;
	} else if (how == 2) {
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = efd }, out;
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
			die("epoll");
		int n = epoll_wait(ep, &out, 1, 5000);
		close(ep);
		if (n != 1)
			return 0;
	} else if (how == 3) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(efd, &r);
		struct timeval tv = { 5, 0 };
		if (select(efd + 1, &r, NULL, NULL, &tv) != 1)
			return 0;
	}
	/* how == 1: the read itself blocks until the interrupt. */
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		die("eventfd read");
	return count;
}

static uint64_t pick_iova(int container, uint64_t size)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe))
		die("VFIO_IOMMU_GET_INFO");
	struct vfio_iommu_type1_info *info = calloc(1, probe.argsz);
	if (!info)
		die("calloc");
	info->argsz = probe.argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
		die("VFIO_IOMMU_GET_INFO");
	uint64_t iova = UINT64_MAX;
	for (uint32_t off = info->cap_offset; off && (info->flags & VFIO_IOMMU_INFO_CAPS);) {
		struct vfio_info_cap_header *hdr = (void *)((char *)info + off);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)hdr;
			for (uint32_t i = 0; i < r->nr_iovas; i++) {
				uint64_t s = (r->iova_ranges[i].start + 0xfffff) & ~0xfffffull;
				printf("iova range %u: 0x%llx-0x%llx\n", i,
				       (unsigned long long)r->iova_ranges[i].start,
				       (unsigned long long)r->iova_ranges[i].end);
				if (iova == UINT64_MAX && s + size - 1 <= r->iova_ranges[i].end &&
				    s >= r->iova_ranges[i].start)
					iova = s ? s : 0x100000;
			}
		}
		off = hdr->next;
	}
	free(info);
	if (iova == UINT64_MAX) {
		fprintf(stderr, "vfio-dma-copy: no usable IOVA range\n");
		exit(1);
	}
	return iova;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfio-dma-copy DEVICE\n");
		return 2;
	}
	const char *name = argv[1];
	char link[512], target[512], path[600];
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", name);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die(link);
	target[n] = 0;
	const char *group_id = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	snprintf(path, sizeof(path), "/dev/vfio/%s", group_id);

	int container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unknown API version");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("no TYPE1v2");

	int group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	struct vfio_group_status status = { .argsz = sizeof(status) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-dma-copy: group %s is not viable\n", group_id);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	uint64_t iova = pick_iova(container, BUF_SIZE);
	uint8_t *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (int i = 0; i < BUF_SIZE / 2; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	memset(buf + BUF_SIZE / 2, 0, BUF_SIZE / 2);

	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = BUF_SIZE,
	};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");

	int dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("VFIO_DEVICE_GET_REGION_INFO");

	int efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		die("eventfd");
	char irqbuf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *irq = (void *)irqbuf;
	irq->argsz = sizeof(irqbuf);
	irq->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq->index = 0;
	irq->start = 0;
	irq->count = 1;
	memcpy(irq->data, &efd, sizeof(efd));
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, irq))
		die("VFIO_DEVICE_SET_IRQS");

	uint64_t src = iova, dst = iova + BUF_SIZE / 2;
	static const char *const ways[] = { "poll", "read", "epoll_wait", "select" };
	for (int how = 0; how < 4; how++) {
		memset(buf + BUF_SIZE / 2, 0, BUF_SIZE / 2);
		reg_write(dev, reg.offset, REG_SRC_LO, (uint32_t)src);
		reg_write(dev, reg.offset, REG_SRC_HI, (uint32_t)(src >> 32));
		reg_write(dev, reg.offset, REG_DST_LO, (uint32_t)dst);
		reg_write(dev, reg.offset, REG_DST_HI, (uint32_t)(dst >> 32));
		reg_write(dev, reg.offset, REG_LEN, BUF_SIZE / 2);
		reg_write(dev, reg.offset, REG_CTRL, CTRL_IRQ_EN | CTRL_START);
		if (wait_irq(efd, how) != 1) {
			fprintf(stderr, "vfio-dma-copy: no interrupt (%s)\n", ways[how]);
			return 1;
		}
		uint32_t st = reg_read(dev, reg.offset, REG_STATUS);
		if (st & STATUS_ERROR || !(st & STATUS_DONE)) {
			fprintf(stderr, "vfio-dma-copy: device status 0x%x\n", st);
			return 1;
		}
		/* Ack the device, then unmask the (automasked, level) interrupt. */
		reg_write(dev, reg.offset, REG_STATUS, STATUS_DONE);
		struct vfio_irq_set unmask = { .argsz = sizeof(unmask), .index = 0, .start = 0,
			.count = 1, .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK };
		if (ioctl(dev, VFIO_DEVICE_SET_IRQS, &unmask))
			die("VFIO_DEVICE_SET_IRQS unmask");
		if (memcmp(buf, buf + BUF_SIZE / 2, BUF_SIZE / 2)) {
			fprintf(stderr, "vfio-dma-copy: copied bytes differ (%s)\n", ways[how]);
			return 1;
		}
	}
	printf("copied %d bytes from iova 0x%llx to 0x%llx four times (poll, read, epoll_wait, select): ok\n", BUF_SIZE / 2,
	       (unsigned long long)src, (unsigned long long)dst);

	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap), .iova = iova,
						    .size = BUF_SIZE };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA");
	close(dev);
	close(group);
	close(container);
	close(efd);
	munmap(buf, BUF_SIZE);
	return 0;
}
