/*
 * vfio-platform: the driver, its regions and interrupts, and the reset
 * registry (see vfio_platform.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/vfio.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/mm.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"
#include "vfio_platform.h"
#include "kernel/base/uaccess.h"
#include "kernel/kernel_state.h"

void vfio_platform_state_init(struct vfio_platform_state *vps)
{
	INIT_LIST_HEAD(&vps->reset_list);
	INIT_LIST_HEAD(&vps->trigger_list);
}

/* ---- reset registry ---------------------------------------------------- */

struct reset_node {
	struct list_head link;
	char *compat;
	vfio_platform_reset_fn_t fn;
};

static struct reset_node *reset_find(const char *compat)
{
	struct reset_node *n;
	list_for_each_entry(n, &kstate->vfio_platform.reset_list, link)
		if (!strcmp(n->compat, compat))
			return n;
	return NULL;
}

int vfio_platform_register_reset(const char *compat, vfio_platform_reset_fn_t fn)
{
	if (reset_find(compat))
		return -EEXIST;
	struct reset_node *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->compat = kstrdup(compat);
	if (!n->compat) {
		kfree(n);
		return -ENOMEM;
	}
	n->fn = fn;
	list_add_tail(&n->link, &kstate->vfio_platform.reset_list);
	return 0;
}

void vfio_platform_unregister_reset(const char *compat)
{
	struct reset_node *n = reset_find(compat);
	if (!n)
		return;
	list_del(&n->link);
	kfree(n->compat);
	kfree(n);
}

/* ---- MMIO --------------------------------------------------------------- */

u32 vfio_platform_readl(struct vfio_platform_device *vp, unsigned region, u64 off)
{
	u64 v = ~0ull;
	hw_mmio_read(kernel_machine(), vp->regions[region].addr + off, 4, &v);
	return (u32)v;
}

void vfio_platform_writel(struct vfio_platform_device *vp, unsigned region, u64 off, u32 val)
{
	hw_mmio_write(kernel_machine(), vp->regions[region].addr + off, 4, val);
}

static struct vfio_platform_device *to_vp(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_platform_device, vdev);
}

/* The widest naturally aligned access that fits: 4, 2 then 1 bytes. */
static unsigned access_width(u64 off, size_t count)
{
	if (count >= 4 && !(off % 4))
		return 4;
	if (count >= 2 && !(off % 2))
		return 2;
	return 1;
}

static ssize_t vp_rw(struct vfio_device *vdev, void *buf, size_t count, u64 pos, bool write)
{
	struct vfio_platform_device *vp = to_vp(vdev);
	u64 index = pos >> VFIO_PLATFORM_OFFSET_SHIFT, off = pos & VFIO_PLATFORM_OFFSET_MASK;
	struct machine *m = kernel_machine();

	if (index >= vp->num_regions)
		return -EINVAL;
	struct vfio_platform_region *r = &vp->regions[index];
	if (!(r->flags & (write ? VFIO_REGION_INFO_FLAG_WRITE : VFIO_REGION_INFO_FLAG_READ)))
		return -EINVAL;
	if (off >= r->size)
		return -EINVAL;
	count = MIN(count, r->size - off);
	size_t done = 0;
	while (done < count) {
		unsigned w = access_width(off + done, count - done);
		u64 v = 0;
		if (write) {
			if (copy_from_user(&v, (void *)((uintptr_t)buf + done), w))
				break;
			hw_mmio_write(m, r->addr + off + done, w, v);
		} else {
			hw_mmio_read(m, r->addr + off + done, w, &v);
			if (copy_to_user((void *)((uintptr_t)buf + done), &v, w))
				break;
		}
		done += w;
	}
	/* Nothing moved: the buffer itself was bad (-EFAULT, as Linux). */
	if (count && !done)
		return -EFAULT;
	/*
	 * A read is not posted: it takes the bus round trip, and the device
	 * runs meanwhile (a program spinning on a status register sees it
	 * progress). Writes are posted and take no time.
	 */
	if (!write && done)
		kernel_sleep(VFIO_PLATFORM_READ_NS);
	return done;
}

static ssize_t vp_read(struct vfio_device *vdev, void *buf, size_t count, u64 off)
{
	return vp_rw(vdev, buf, count, off, false);
}

static ssize_t vp_write(struct vfio_device *vdev, const void *buf, size_t count, u64 off)
{
	return vp_rw(vdev, (void *)buf, count, off, true);
}

/* ---- mmap (trap and emulate, kernel/base/mm.h) ---------------------------- */

#define VP_PGOFF_SHIFT (VFIO_PLATFORM_OFFSET_SHIFT - PAGE_SHIFT)

/*
 * One trapped load or store: the device sees the program's own width, as
 * the CPU's access through Linux's remap_pfn_range mapping would, and
 * time runs as for the region's read/write (a load is a round trip).
 */
static int vp_mmap_access(struct vm_area_struct *vma, unsigned long addr, void *buf, int len,
			  int write)
{
	struct vfio_platform_device *vp = vma->vm_private_data;
	struct vfio_platform_region *r = &vp->regions[vma->vm_pgoff >> VP_PGOFF_SHIFT];
	u64 off = ((vma->vm_pgoff & ((1ul << VP_PGOFF_SHIFT) - 1)) << PAGE_SHIFT) +
		  (addr - vma->vm_start);
	u64 v = 0;

	/* The driver left: Linux's mapping would stay; the lab's device fd is cut off. */
	if (vp->vdev.unregistered)
		return -ENODEV;
	if (write) {
		memcpy(&v, buf, len);
		hw_mmio_write(kernel_machine(), r->addr + off, len, v);
		return len;
	}
	hw_mmio_read(kernel_machine(), r->addr + off, len, &v);
	memcpy(buf, &v, len);
	kernel_sleep(VFIO_PLATFORM_READ_NS);
	return len;
}

/* The region's page frame at @addr: what remap_pfn_range maps there in Linux. */
static int vp_mmap_pfn(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn)
{
	struct vfio_platform_device *vp = vma->vm_private_data;
	struct vfio_platform_region *r = &vp->regions[vma->vm_pgoff >> VP_PGOFF_SHIFT];
	u64 off = ((vma->vm_pgoff & ((1ul << VP_PGOFF_SHIFT) - 1)) << PAGE_SHIFT) +
		  (addr - vma->vm_start);

	if (vp->vdev.unregistered)
		return -ENODEV;
	*pfn = (unsigned long)((r->addr + off) >> PAGE_SHIFT);
	return 0;
}

static const struct vm_operations_struct vp_mmap_ops = {
	.access = vp_mmap_access,
	.pfn = vp_mmap_pfn,
};

/* Linux's vfio_platform_mmap and vfio_platform_mmap_mmio, in their order. */
static int vp_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct vfio_platform_device *vp = to_vp(vdev);
	u64 index = vma->vm_pgoff >> VP_PGOFF_SHIFT;
	u64 start = (vma->vm_pgoff & ((1ul << VP_PGOFF_SHIFT) - 1)) << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct vfio_platform_region *r;

	if (vma->vm_end < vma->vm_start || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (index >= vp->num_regions)
		return -EINVAL;
	if ((vma->vm_start | vma->vm_end) & (PAGE_SIZE - 1))
		return -EINVAL;
	r = &vp->regions[index];
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_READ) && (vma->vm_flags & VM_READ))
		return -EINVAL;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_WRITE) && (vma->vm_flags & VM_WRITE))
		return -EINVAL;
	if (r->size < PAGE_SIZE || start + len > r->size)
		return -EINVAL;
	vma->vm_flags |= VM_IO | VM_PFNMAP;
	vma->vm_private_data = vp;
	vma->vm_ops = &vp_mmap_ops;
	return 0;
}

/* ---- interrupts ----------------------------------------------------------- */

/*
 * As Linux's vfio_platform_irq.c: every line is requested, disabled
 * (IRQF_NO_AUTOEN), when the device is opened; a trigger eventfd enables it.
 * The level handler automasks: it disables the line in the IRQ core and
 * signals the eventfd once; UNMASK enables it again, and a line still
 * asserted then is delivered again by the IRQ core. @masked nests inside
 * the enable the trigger holds. The lab's kernel never looks at the line
 * itself: only the IRQ core calls these handlers.
 */

static void vp_send_eventfd(struct vfio_platform_irq *irq)
{
	if (irq->trigger)
		eventfd_signal(irq->trigger);
}

static irqreturn_t vp_automasked_handler(int intid, void *dev_id)
{
	struct vfio_platform_irq *irq = dev_id;

	if (irq->masked)
		return IRQ_NONE;
	disable_irq_nosync(irq->intid);
	irq->masked = true;
	vp_send_eventfd(irq);
	return IRQ_HANDLED;
}

static irqreturn_t vp_edge_handler(int intid, void *dev_id)
{
	vp_send_eventfd(dev_id);
	return IRQ_HANDLED;
}

static irq_handler_t vp_handler(struct vfio_platform_irq *irq)
{
	return irq->flags & VFIO_IRQ_INFO_AUTOMASKED ? vp_automasked_handler : vp_edge_handler;
}

static void vp_mask(struct vfio_platform_irq *irq)
{
	if (irq->masked)
		return;
	disable_irq_nosync(irq->intid);
	irq->masked = true;
}

static void vp_unmask(struct vfio_platform_irq *irq)
{
	if (!irq->masked)
		return;
	irq->masked = false;
	enable_irq(irq->intid);
}

static void drop_trigger(struct vfio_platform_irq *irq)
{
	if (!irq->trigger)
		return;
	disable_irq(irq->intid);
	eventfd_ctx_put(irq->trigger);
	irq->trigger = NULL;
	list_del(&irq->trigger_link);
}

static int set_trigger(struct vfio_platform_irq *irq, int fd)
{
	drop_trigger(irq);
	if (fd < 0)
		return 0;
	int ret = eventfd_ctx_fdget(fd, &irq->trigger);
	if (ret) {
		irq->trigger = NULL;
		return ret;
	}
	list_add_tail(&irq->trigger_link, &kstate->vfio_platform.trigger_list);
	/* Requested disabled: this enable is the trigger's; MASK nests inside it. */
	enable_irq(irq->intid);
	return 0;
}

bool vfio_platform_is_trigger(int fd)
{
	struct vfio_platform_irq *irq;
	list_for_each_entry(irq, &kstate->vfio_platform.trigger_list, trigger_link)
		if (eventfd_ctx_is_fd(irq->trigger, fd))
			return true;
	return false;
}

bool vfio_platform_any_trigger(void)
{
	return !list_empty(&kstate->vfio_platform.trigger_list);
}

static int set_irqs(struct vfio_platform_device *vp, const struct vfio_irq_set *hdr,
		    const u8 *data)
{
	struct vfio_platform_irq *irq = &vp->irqs[hdr->index];
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 dtype = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;

	/* request_irq failed at open: this index refuses SET_IRQS (Linux). */
	if (irq->request_err)
		return irq->request_err;
	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (hdr->start != 0 || hdr->count != 1)
			return -EINVAL;
		if (!(irq->flags & VFIO_IRQ_INFO_MASKABLE))
			return -EINVAL;
		if (dtype == VFIO_IRQ_SET_DATA_EVENTFD)
			return -EINVAL;   /* irqfd masking: not offered (docs/uapi.md) */
		if (dtype == VFIO_IRQ_SET_DATA_BOOL && !data[0])
			return 0;
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			vp_mask(irq);
		else
			vp_unmask(irq);
		return 0;
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (!hdr->count && dtype == VFIO_IRQ_SET_DATA_NONE)
			return set_trigger(irq, -1);
		if (hdr->start != 0 || hdr->count != 1)
			return -EINVAL;
		if (dtype == VFIO_IRQ_SET_DATA_EVENTFD) {
			s32 fd;
			memcpy(&fd, data, sizeof(fd));
			return set_trigger(irq, fd);
		}
		if (dtype == VFIO_IRQ_SET_DATA_NONE || data[0])
			vp_handler(irq)((int)irq->intid, irq);   /* loopback */
		return 0;
	default:
		return -ENOTTY;
	}
}

/* Open: every line requested, disabled; a failure stays local to its index. */
static void irqs_request(struct vfio_platform_device *vp)
{
	for (unsigned i = 0; i < vp->num_irqs; i++) {
		struct vfio_platform_irq *irq = &vp->irqs[i];
		char name[128];
		snprintf(name, sizeof(name), "vfio-irq[%u](%s)", irq->intid, dev_name(vp->vdev.dev));
		irq->masked = false;
		irq->request_err = request_irq_flags(irq->intid, vp_handler(irq), IRQF_NO_AUTOEN,
						     name, irq);
	}
}

static void irqs_cleanup(struct vfio_platform_device *vp)
{
	for (unsigned i = 0; i < vp->num_irqs; i++) {
		struct vfio_platform_irq *irq = &vp->irqs[i];
		drop_trigger(irq);
		if (!irq->request_err)
			free_irq(irq->intid, irq);
		irq->request_err = -EINVAL;
		irq->masked = false;
	}
}

/* ---- ioctls ---------------------------------------------------------------- */

static long vp_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	struct vfio_platform_device *vp = to_vp(vdev);

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;
		size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PLATFORM;
		if (vp->reset)
			info.flags |= VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = vp->num_regions;
		info.num_irqs = vp->num_irqs;
		return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;
		size_t minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, (void *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		if (info.index >= vp->num_regions)
			return -EINVAL;
		info.offset = (u64)info.index << VFIO_PLATFORM_OFFSET_SHIFT;
		info.size = vp->regions[info.index].size;
		info.flags = vp->regions[info.index].flags;
		return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;
		size_t minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, (void *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		if (info.index >= vp->num_irqs)
			return -EINVAL;
		info.flags = vp->irqs[info.index].flags;
		info.count = 1;
		return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS: {
		struct vfio_irq_set hdr;
		size_t minsz = offsetofend(struct vfio_irq_set, count);
		if (copy_from_user(&hdr, (void *)arg, minsz))
			return -EFAULT;
		if (hdr.argsz < minsz || hdr.index >= vp->num_irqs ||
		    hdr.count >= UINT32_MAX - hdr.start ||
		    hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK))
			return -EINVAL;
		if (hdr.start >= vp->num_irqs || hdr.start + hdr.count > vp->num_irqs)
			return -EINVAL;
		size_t size;
		switch (hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
		case VFIO_IRQ_SET_DATA_NONE: size = 0; break;
		case VFIO_IRQ_SET_DATA_BOOL: size = 1; break;
		case VFIO_IRQ_SET_DATA_EVENTFD: size = 4; break;
		default: return -EINVAL;
		}
		if (size && hdr.argsz - minsz < hdr.count * size)
			return -EINVAL;
		u8 data[8] = { 0 };
		if (size && hdr.count &&
		    copy_from_user(data, (u8 *)arg + minsz, MIN(sizeof(data), hdr.count * size)))
			return -EFAULT;
		return set_irqs(vp, &hdr, data);
	}
	case VFIO_DEVICE_RESET:
		if (!vp->reset)
			return -EINVAL;
		return vp->reset(vp);
	default:
		return -ENOTTY;
	}
}

/* ---- open / close ---------------------------------------------------------- */

static int vp_open(struct vfio_device *vdev)
{
	struct vfio_platform_device *vp = to_vp(vdev);
	irqs_request(vp);
	if (vp->reset) {
		int ret = vp->reset(vp);
		if (ret && kstate->vfio_platform.param.reset_required) {
			dev_warn(vdev->dev, "reset driver is required and reset call failed in open (%d)\n",
				 ret);
			irqs_cleanup(vp);
			return ret;
		}
	}
	return 0;
}

static void vp_close(struct vfio_device *vdev)
{
	struct vfio_platform_device *vp = to_vp(vdev);
	if (vp->reset)
		vp->reset(vp);
	irqs_cleanup(vp);
}

static void vp_release(struct vfio_device *vdev)
{
	struct vfio_platform_device *vp = to_vp(vdev);
	kfree(vp->regions);
	kfree(vp->irqs);
	kfree(vp);
}

static const struct vfio_device_ops vfio_platform_ops = {
	.name = "vfio-platform",
	.open_device = vp_open,
	.close_device = vp_close,
	.ioctl = vp_ioctl,
	.read = vp_read,
	.write = vp_write,
	.mmap = vp_mmap,
	.release = vp_release,
};

/* ---- the driver ------------------------------------------------------------ */

static int vp_init_resources(struct vfio_platform_device *vp, struct platform_device *pdev)
{
	unsigned n = 0;

	while (platform_get_resource(pdev, IORESOURCE_MEM, n))
		n++;
	if (n) {
		vp->regions = kcalloc(n, sizeof(*vp->regions));
		if (!vp->regions)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		struct resource *r = platform_get_resource(pdev, IORESOURCE_MEM, i);
		vp->regions[i].addr = r->start;
		vp->regions[i].size = resource_size(r);
		vp->regions[i].flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		/* As Linux: only a region of whole pages maps without exposing a neighbour. */
		if (!(r->start & (PAGE_SIZE - 1)) && !(resource_size(r) & (PAGE_SIZE - 1)))
			vp->regions[i].flags |= VFIO_REGION_INFO_FLAG_MMAP;
	}
	vp->num_regions = n;
	n = 0;
	/* Counted through the resources: platform_get_irq logs a miss. */
	while (platform_get_resource(pdev, IORESOURCE_IRQ, n))
		n++;
	if (n) {
		vp->irqs = kcalloc(n, sizeof(*vp->irqs));
		if (!vp->irqs)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		vp->irqs[i].intid = (u32)platform_get_irq(pdev, i);
		/* The lab's GIC interrupts are level: maskable and automasked. */
		vp->irqs[i].flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
				    VFIO_IRQ_INFO_AUTOMASKED;
		vp->irqs[i].request_err = -EINVAL;   /* until open requests it */
		vp->irqs[i].vpdev = vp;
	}
	vp->num_irqs = n;
	return 0;
}

static int vp_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	if (!dev->of_node)
		return -EINVAL;
	struct vfio_platform_device *vp = kzalloc(sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	const char *compat = NULL;
	of_property_read_string(dev->of_node, "compatible", &compat);
	vp->compat = compat ? compat : "";
	struct reset_node *rn = reset_find(vp->compat);
	if (!rn && kstate->vfio_platform.param.reset_required) {
		dev_err(dev, "No reset function found for device %s\n", vp->compat);
		kfree(vp);
		return -ENOENT;
	}
	vp->reset = rn ? rn->fn : NULL;
	int ret = vp_init_resources(vp, pdev);
	if (ret)
		goto fail;
	vp->vdev.dev = dev;
	vp->vdev.ops = &vfio_platform_ops;
	vp->vdev.priv = vp;
	if (!dev->iommu_group) {
		dev_err(dev, "No IOMMU group for device %s\n", vp->compat);
		ret = -EINVAL;
		goto fail;
	}
	ret = vfio_register_group_dev(&vp->vdev);
	if (ret)
		goto fail;
	dev_set_drvdata(dev, vp);
	return 0;
fail:
	kfree(vp->regions);
	kfree(vp->irqs);
	kfree(vp);
	return ret;
}

static void vp_remove(struct platform_device *pdev)
{
	struct vfio_platform_device *vp = dev_get_drvdata(&pdev->dev);
	dev_set_drvdata(&pdev->dev, NULL);
	/* Frees @vp through vp_release once no fd holds it. */
	vfio_unregister_group_dev(&vp->vdev);
}

/* No match table: binds only through driver_override, as Linux. */
static struct platform_driver vfio_platform_driver = {
	.probe = vp_probe,
	.remove = vp_remove,
	.driver = {
		.name = "vfio-platform",
		.driver_managed_dma = true,
	},
};

/* ---- the dma-copy reset handler (docs/devices.md) -------------------------- */

#define DMAC_SRC_LO 0x008
#define DMAC_LEN 0x018
#define DMAC_SID_IDX 0x01c
#define DMAC_CTRL 0x020
#define DMAC_STATUS 0x024
#define DMAC_STATUS_BUSY BIT(0)
#define DMAC_STATUS_DONE BIT(1)
#define DMAC_STATUS_ERROR BIT(2)

static int dma_copy_reset(struct vfio_platform_device *vp)
{
	if (!vp->num_regions || vp->regions[0].size < 0x34)
		return -EINVAL;
	/* A transfer cannot be aborted: wait for it (at most 16 MiB: ~4.2 ms). */
	for (int i = 0; i < 100 && (vfio_platform_readl(vp, 0, DMAC_STATUS) & DMAC_STATUS_BUSY); i++)
		kernel_sleep(100 * 1000);
	if (vfio_platform_readl(vp, 0, DMAC_STATUS) & DMAC_STATUS_BUSY)
		return -ETIMEDOUT;
	vfio_platform_writel(vp, 0, DMAC_CTRL, 0);
	vfio_platform_writel(vp, 0, DMAC_STATUS, DMAC_STATUS_DONE | DMAC_STATUS_ERROR);
	for (u64 off = DMAC_SRC_LO; off <= DMAC_SID_IDX; off += 4)
		vfio_platform_writel(vp, 0, off, 0);
	(void)DMAC_LEN;
	return 0;
}

int vfio_platform_init(void)
{
	int ret = vfio_platform_register_reset("iommulab,dma-copy", dma_copy_reset);
	if (ret)
		return ret;
	ret = platform_driver_register(&vfio_platform_driver);
	if (ret)
		vfio_platform_unregister_reset("iommulab,dma-copy");
	return ret;
}

void vfio_platform_exit(void)
{
	platform_driver_unregister(&vfio_platform_driver);
	vfio_platform_unregister_reset("iommulab,dma-copy");
}
