/*
 * vfio-pci-dma-copy: a plain vfio-pci program, written for real hardware
 * against <linux/vfio.h>. It drives the dma-copy engine's PCI face
 * (1de5:0010, register map in docs/devices.md, "iommulab,pci-dma-copy")
 * bound to vfio-pci, as a user-space driver does: the group from sysfs,
 * container and TYPE1v2, the device fd, BAR0 mapped with mmap (pread and
 * pwrite on the region only when the kernel offers no mmap), memory decode
 * and bus mastering through the config region, a buffer mapped for DMA,
 * MSI-X vector 0 on an eventfd, copies programmed through the mapping,
 * each completion waited for with poll, the bytes checked, and everything
 * undone.
 *
 *   vfio-pci-dma-copy BDF      e.g. vfio-pci-dma-copy 0000:06:01.0
 *
 * Under the lab (examples/vfio-pci-dma-copy.setup hands it to vfio-pci):
 *   iommulab preload --setup examples/vfio-pci-dma-copy.setup -- \
 *       ./vfio-pci-dma-copy 0000:06:01.0
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

/* The engine's registers in BAR0. */
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
#define COPIES 3

struct bar {
	int dev;
	uint64_t offset;           /* the region's offset in the device fd */
	volatile uint32_t *map;    /* NULL: pread/pwrite */
	size_t size;
};

static void die(const char *what)
{
	fprintf(stderr, "vfio-pci-dma-copy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reg_write(struct bar *b, uint32_t off, uint32_t val)
{
	if (b->map)
		b->map[off / 4] = val;
	else if (pwrite(b->dev, &val, 4, b->offset + off) != 4)
		die("BAR0 write");
}

static uint32_t reg_read(struct bar *b, uint32_t off)
{
	uint32_t val;

	if (b->map)
		return b->map[off / 4];
	if (pread(b->dev, &val, 4, b->offset + off) != 4)
		die("BAR0 read");
	return val;
}

static uint64_t cfg_offset(int dev)
{
	struct vfio_region_info r = { .argsz = sizeof(r), .index = VFIO_PCI_CONFIG_REGION_INDEX };

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r))
		die("VFIO_DEVICE_GET_REGION_INFO config");
	return r.offset;
}

static uint32_t cfg_read(int dev, unsigned off, unsigned size)
{
	uint32_t v = 0;

	if (pread(dev, &v, size, cfg_offset(dev) + off) != (ssize_t)size)
		die("config read");
	return v;
}

static void cfg_write16(int dev, unsigned off, uint16_t v)
{
	if (pwrite(dev, &v, 2, cfg_offset(dev) + off) != 2)
		die("config write");
}

/* The group's number: the last part of the iommu_group link's target. */
static const char *group_of(const char *bdf, char *buf, size_t len)
{
	char link[300];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		die(link);
	buf[n] = 0;
	return strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
}

/* The first IOVA (1 MiB aligned) with @size bytes free in the IOVA ranges capability. */
static uint64_t pick_iova(int container, uint64_t size)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;
	uint64_t iova = UINT64_MAX;

	if (ioctl(container, VFIO_IOMMU_GET_INFO, &probe))
		die("VFIO_IOMMU_GET_INFO");
	info = calloc(1, probe.argsz);
	if (!info)
		die("calloc");
	info->argsz = probe.argsz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info))
		die("VFIO_IOMMU_GET_INFO");
	for (uint32_t off = info->flags & VFIO_IOMMU_INFO_CAPS ? info->cap_offset : 0; off;) {
		struct vfio_info_cap_header *hdr = (void *)((char *)info + off);

		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)hdr;

			for (uint32_t i = 0; i < r->nr_iovas && iova == UINT64_MAX; i++) {
				uint64_t s = (r->iova_ranges[i].start + 0xfffff) & ~0xfffffull;

				if (!s)
					s = 0x100000;
				if (s >= r->iova_ranges[i].start && s + size - 1 <= r->iova_ranges[i].end)
					iova = s;
			}
		}
		off = hdr->next;
	}
	free(info);
	if (iova == UINT64_MAX) {
		fprintf(stderr, "vfio-pci-dma-copy: no usable IOVA range\n");
		exit(1);
	}
	return iova;
}

/*
 * Does the region's sparse mmap capability (when there is one) leave the
 * first @len bytes mappable? Without the capability the whole region is.
 */
static int sparse_covers(struct vfio_region_info *info, uint64_t len)
{
	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return 1;
	for (uint32_t off = info->cap_offset; off;) {
		struct vfio_info_cap_header *hdr = (void *)((char *)info + off);

		if (hdr->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			struct vfio_region_info_cap_sparse_mmap *s = (void *)hdr;

			for (uint32_t i = 0; i < s->nr_areas; i++)
				if (s->areas[i].offset == 0 && s->areas[i].size >= len)
					return 1;
			return 0;
		}
		off = hdr->next;
	}
	return 1;
}

/* BAR0: its region, mapped when the kernel allows it. */
static void bar0_open(int dev, struct bar *b)
{
	struct vfio_region_info probe = { .argsz = sizeof(probe),
					  .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info *info;

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &probe))
		die("VFIO_DEVICE_GET_REGION_INFO BAR0");
	info = calloc(1, probe.argsz);
	if (!info)
		die("calloc");
	info->argsz = probe.argsz;
	info->index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, info))
		die("VFIO_DEVICE_GET_REGION_INFO BAR0");
	*b = (struct bar){ .dev = dev, .offset = info->offset, .size = info->size };
	if (info->size < 0x100 || !(info->flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(info->flags & VFIO_REGION_INFO_FLAG_WRITE)) {
		fprintf(stderr, "vfio-pci-dma-copy: BAR0 is not the engine's (%llu bytes)\n",
			(unsigned long long)info->size);
		exit(1);
	}
	if ((info->flags & VFIO_REGION_INFO_FLAG_MMAP) && sparse_covers(info, info->size)) {
		void *p = mmap(NULL, info->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
			       (off_t)info->offset);

		if (p == MAP_FAILED)
			die("mmap BAR0");
		b->map = p;
	}
	printf("BAR0: %llu bytes, %s\n", (unsigned long long)info->size,
	       b->map ? "mapped with mmap" : "through pread/pwrite");
	free(info);
}

/* MSI-X vector 0 signals @efd (-1: MSI-X off). */
static void msix_vector0(int dev, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	set->argsz = sizeof(buf);
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = 0;
	if (efd >= 0) {
		set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 1;
		memcpy(set->data, &efd, sizeof(efd));
	} else {
		set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		set->count = 0;
		set->argsz = sizeof(*set);
	}
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS MSI-X");
}

static int msix_count(int dev)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_MSIX_IRQ_INDEX };

	if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &irq))
		die("VFIO_DEVICE_GET_IRQ_INFO MSI-X");
	return (int)irq.count;
}

/* One copy of @len bytes, its completion taken on @efd with poll. */
static int copy_once(struct bar *b, int efd, uint64_t src, uint64_t dst, uint32_t len)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t count;
	uint32_t st;

	reg_write(b, REG_SRC_LO, (uint32_t)src);
	reg_write(b, REG_SRC_HI, (uint32_t)(src >> 32));
	reg_write(b, REG_DST_LO, (uint32_t)dst);
	reg_write(b, REG_DST_HI, (uint32_t)(dst >> 32));
	reg_write(b, REG_LEN, len);
	reg_write(b, REG_CTRL, CTRL_IRQ_EN | CTRL_START);
	if (poll(&pfd, 1, 5000) != 1) {
		fprintf(stderr, "vfio-pci-dma-copy: no MSI-X interrupt\n");
		return -1;
	}
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		die("eventfd read");
	st = reg_read(b, REG_STATUS);
	if ((st & STATUS_ERROR) || !(st & STATUS_DONE)) {
		fprintf(stderr, "vfio-pci-dma-copy: device status 0x%x\n", st);
		return -1;
	}
	/* MSI-X is an edge: ack DONE so the next completion raises it again. */
	reg_write(b, REG_STATUS, STATUS_DONE);
	return 0;
}

int main(int argc, char **argv)
{
	char gbuf[512], path[600];
	const char *bdf, *group_id;
	int container, group, dev, efd;
	struct bar bar0;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio-pci-dma-copy BDF\n");
		return 2;
	}
	bdf = argv[1];
	group_id = group_of(bdf, gbuf, sizeof(gbuf));
	snprintf(path, sizeof(path), "/dev/vfio/%s", group_id);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unknown API version");
	if (!ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("no TYPE1v2");
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	struct vfio_group_status status = { .argsz = sizeof(status) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-pci-dma-copy: group %s is not viable (bind every device "
			"in it to vfio-pci)\n", group_id);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");

	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &dinfo))
		die("VFIO_DEVICE_GET_INFO");
	if (!(dinfo.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fprintf(stderr, "vfio-pci-dma-copy: %s is not a vfio-pci device\n", bdf);
		return 1;
	}
	uint32_t id = cfg_read(dev, PCI_VENDOR_ID, 4);
	uint32_t class = cfg_read(dev, PCI_CLASS_REVISION, 4) >> 8;
	printf("%s: group %s, %04x:%04x, class %06x, %u regions, %u irq indexes\n", bdf,
	       group_id, id & 0xffff, id >> 16, class, dinfo.num_regions, dinfo.num_irqs);
	if (id != (0x0010u << 16 | 0x1de5)) {
		fprintf(stderr, "vfio-pci-dma-copy: not a dma-copy engine\n");
		return 1;
	}
	bar0_open(dev, &bar0);
	/* A user-space driver turns on decoding and bus mastering itself. */
	cfg_write16(dev, PCI_COMMAND, (uint16_t)(cfg_read(dev, PCI_COMMAND, 2) |
						 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));

	uint64_t iova = pick_iova(container, BUF_SIZE);
	uint8_t *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (buf == MAP_FAILED)
		die("mmap buffer");
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = iova, .size = BUF_SIZE,
	};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");

	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		die("eventfd");
	printf("MSI-X: %d vector(s), vector 0 on an eventfd\n", msix_count(dev));
	msix_vector0(dev, efd);

	uint64_t src = iova, dst = iova + BUF_SIZE / 2;
	for (int n = 0; n < COPIES; n++) {
		for (int i = 0; i < BUF_SIZE / 2; i++)
			buf[i] = (uint8_t)(i * 7 + 3 + n * 11);
		memset(buf + BUF_SIZE / 2, 0, BUF_SIZE / 2);
		if (copy_once(&bar0, efd, src, dst, BUF_SIZE / 2))
			return 1;
		if (memcmp(buf, buf + BUF_SIZE / 2, BUF_SIZE / 2)) {
			fprintf(stderr, "vfio-pci-dma-copy: copy %d: the bytes differ\n", n + 1);
			return 1;
		}
	}
	printf("copied %d bytes %d times through the BAR0 mapping, each completion an MSI-X "
	       "interrupt taken with poll: ok\n", BUF_SIZE / 2, COPIES);

	/* Undo it all: MSI-X off, bus mastering off, the buffer unmapped. */
	msix_vector0(dev, -1);
	cfg_write16(dev, PCI_COMMAND,
		    (uint16_t)(cfg_read(dev, PCI_COMMAND, 2) & ~PCI_COMMAND_MASTER));
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap), .iova = iova,
						    .size = BUF_SIZE };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA");
	if (bar0.map)
		munmap((void *)bar0.map, bar0.size);
	munmap(buf, BUF_SIZE);
	close(efd);
	close(dev);
	close(group);
	close(container);
	printf("done\n");
	return 0;
}
