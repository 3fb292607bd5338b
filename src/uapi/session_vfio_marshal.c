/*
 * How a VFIO ioctl's argument travels through a session (session.h,
 * "/dev/vfio forwarding"): which requests take a value, a string or an
 * argsz-sized struct, where descriptors sit inside one, and which pin user
 * memory. Both ends use it; nothing here touches memory but @buf.
 */
#include <stddef.h>
#include <string.h>
#include <linux/vfio.h>

#include "session_vfio.h"

#define ENDOF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

void session_ioctl_plan(unsigned int cmd, struct session_ioctl_plan *p)
{
	memset(p, 0, sizeof(*p));
	switch (cmd) {
	case VFIO_GROUP_GET_STATUS:
		p->minsz = ENDOF(struct vfio_group_status, flags);
		break;
	case VFIO_GROUP_SET_CONTAINER:
		p->minsz = sizeof(int);
		p->container_fd = true;
		break;
	case VFIO_GROUP_GET_DEVICE_FD:
		p->string = true;
		p->new_handle = true;
		break;
	case VFIO_DEVICE_GET_INFO:
		p->minsz = ENDOF(struct vfio_device_info, num_irqs);
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		p->minsz = ENDOF(struct vfio_region_info, offset);
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		p->minsz = ENDOF(struct vfio_irq_info, count);
		break;
	case VFIO_DEVICE_SET_IRQS:
		p->minsz = ENDOF(struct vfio_irq_set, count);
		p->eventfds = true;
		break;
	case VFIO_DEVICE_IOEVENTFD:
		p->minsz = ENDOF(struct vfio_device_ioeventfd, fd);
		p->ioeventfd = true;
		break;
	case VFIO_IOMMU_GET_INFO:
		p->minsz = ENDOF(struct vfio_iommu_type1_info, iova_pgsizes);
		break;
	case VFIO_IOMMU_MAP_DMA:
		p->minsz = ENDOF(struct vfio_iommu_type1_dma_map, size);
		p->share = true;
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		p->minsz = ENDOF(struct vfio_iommu_type1_dma_unmap, size);
		break;
	case VFIO_IOMMU_DIRTY_PAGES:
		p->minsz = ENDOF(struct vfio_iommu_type1_dirty_bitmap, flags);
		break;
	default:
		/* GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU, UNSET_CONTAINER, RESET, unknown. */
		p->value = true;
		break;
	}
}

size_t session_ioctl_len(const struct session_ioctl_plan *p, uint32_t argsz)
{
	size_t len = p->minsz;

	/* argsz-driven: the kernel may read and write up to argsz (caps, data). */
	if (p->minsz > sizeof(uint32_t) && argsz > len)
		len = argsz;
	return len > SESSION_IOCTL_MAX_ARG ? SESSION_IOCTL_MAX_ARG : len;
}

unsigned int session_ioctl_fd_slots(const struct session_ioctl_plan *p, const void *buf,
				    size_t len, size_t *offs, unsigned int max)
{
	struct vfio_irq_set hdr;
	unsigned int n = 0;

	if (p->container_fd && len >= sizeof(int) && max)
		offs[n++] = 0;
	if (p->ioeventfd && len >= ENDOF(struct vfio_device_ioeventfd, fd) && max)
		offs[n++] = offsetof(struct vfio_device_ioeventfd, fd);
	if (!p->eventfds || len < sizeof(hdr))
		return n;
	memcpy(&hdr, buf, sizeof(hdr));
	if ((hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) != VFIO_IRQ_SET_DATA_EVENTFD)
		return n;
	for (uint32_t i = 0; i < hdr.count && n < max; i++) {
		size_t off = sizeof(hdr) + (size_t)i * sizeof(int32_t);
		if (off + sizeof(int32_t) > len)
			break;
		offs[n++] = off;
	}
	return n;
}

bool session_ioctl_share_range(unsigned int cmd, const void *buf, size_t len,
			       uint64_t *vaddr, uint64_t *size, bool *write)
{
	struct vfio_iommu_type1_dma_map map;

	if (cmd != VFIO_IOMMU_MAP_DMA || len < sizeof(map))
		return false;
	memcpy(&map, buf, sizeof(map));
	if (map.argsz < sizeof(map) || !map.size)
		return false;
	*vaddr = map.vaddr;
	*size = map.size;
	*write = map.flags & VFIO_DMA_MAP_FLAG_WRITE;
	return true;
}

bool session_ioctl_keeps_mappings(unsigned int cmd)
{
	/* A container's DMA map and unmap: IOMMU state, never a BAR's decode. */
	return cmd == VFIO_IOMMU_MAP_DMA || cmd == VFIO_IOMMU_UNMAP_DMA;
}
