/*
 * VFIO ioctl sequences through the public fd API (include/iommulab/fd.h),
 * on every fd type: the container, the group and the device, valid fds
 * kept open across the sequence and reopened on demand. a000000.dma is
 * bound to vfio-platform in a fresh lab per input; each record is [u8 fd
 * and op][u8 ioctl][u8 len][len argument bytes]. A MAP_DMA's vaddr points
 * into a real buffer half of the time, so mappings do happen; the device
 * then DMAs at a few IOVAs, which the oracle judges.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "iommulab/fd.h"
#include "fuzz_util.h"

static const unsigned long ioctls[] = {
	VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO,
	VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA, VFIO_GROUP_GET_STATUS,
	VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_UNSET_CONTAINER, VFIO_GROUP_GET_DEVICE_FD,
	VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO,
	VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_RESET, VFIO_IOMMU_DIRTY_PAGES,
	VFIO_DEVICE_FEATURE, VFIO_IOMMU_ENABLE, VFIO_IOMMU_DISABLE,
};
#define NR_IOCTLS (sizeof(ioctls) / sizeof(ioctls[0]))

static FILE *sink;
static uint8_t *pages;   /* user memory a MAP_DMA may name */
#define PAGES_SIZE (64 * 4096)

static void setup(void)
{
	static const char *const lines[] = {
		"modprobe vfio-platform",
		"echo vfio-platform > /sys/bus/platform/devices/a000000.dma/driver_override",
		"echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind",
		"echo a000000.dma > /sys/bus/platform/drivers/vfio-platform/bind",
	};

	fuzz_boot("vfio_iommu_type1.allow_unsafe_interrupts=1");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (lab_exec(lines[i], sink))
			abort();
}

/* Fixes up an argument so that it can reach deeper: argsz, vaddr, a name. */
static void shape(unsigned long req, uint8_t *arg, size_t len, uint8_t how)
{
	if (req == VFIO_GROUP_GET_DEVICE_FD) {
		if (how & 1)
			strcpy((char *)arg, "a000000.dma");
		arg[255] = '\0';
		return;
	}
	if (req == VFIO_IOMMU_MAP_DMA && (how & 1)) {
		struct vfio_iommu_type1_dma_map *m = (void *)arg;
		m->argsz = sizeof(*m);
		m->vaddr = (uintptr_t)pages + 4096 * (m->vaddr % 64);
		m->size = 4096 * (1 + m->size % 16);
		m->iova = 4096 * (m->iova % 0x100000);
		m->flags &= 3;
		return;
	}
	if (how & 2 && len >= 4) {
		uint32_t argsz = len;
		memcpy(arg, &argsz, 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[3] = { -1, -1, -1 };
	uint8_t arg[256];

	if (!sink) {
		sink = fopen("/dev/null", "w");
		pages = mmap(NULL, PAGES_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	setup();
	for (size_t at = 0; at + 3 <= size;) {
		uint8_t op = data[at], which = op % 3;
		unsigned long req = data[at + 1] < 0xf0 ? ioctls[data[at + 1] % NR_IOCTLS]
							: (unsigned long)data[at + 1] << 8;
		size_t len = data[at + 2];

		at += 3;
		if (len > size - at)
			len = size - at;
		memset(arg, 0, sizeof(arg));
		memcpy(arg, data + at, len);
		at += len;
		if ((op >> 2) % 8 == 7 && fds[which] >= 0) {
			lab_close(fds[which]);
			fds[which] = -1;
			continue;
		}
		if (fds[0] < 0)
			fds[0] = lab_open("/dev/vfio/vfio", O_RDWR, 0);
		if (fds[1] < 0)
			fds[1] = lab_open("/dev/vfio/0", O_RDWR, 0);
		if (which == 2 && fds[2] < 0)
			continue;   /* the device fd comes from GET_DEVICE_FD */
		shape(req, arg, len, op >> 5);
		int ret = lab_ioctl(fds[which], req, req == VFIO_GROUP_GET_DEVICE_FD ||
				    req == VFIO_CHECK_EXTENSION || req == VFIO_SET_IOMMU ||
				    req == VFIO_GROUP_SET_CONTAINER ?
				    (req == VFIO_GROUP_GET_DEVICE_FD ? (void *)arg :
				     req == VFIO_GROUP_SET_CONTAINER ? (void *)&fds[0] :
				     (void *)(uintptr_t)arg[0]) : arg);
		if (req == VFIO_GROUP_GET_DEVICE_FD && ret >= 0) {
			if (fds[2] >= 0)
				lab_close(fds[2]);
			fds[2] = ret;
		}
	}
	/* The device DMAs where a user may have mapped: judged by the oracle. */
	lab_exec("dma a000000.dma write 0x0 4096", sink);
	lab_exec("dma a000000.dma write 0x10000 4096", sink);
	for (int i = 2; i >= 0; i--)
		if (fds[i] >= 0)
			lab_close(fds[i]);
	fuzz_shutdown();
	return 0;
}
