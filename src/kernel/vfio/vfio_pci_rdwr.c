/*
 * vfio-pci BAR and ROM accesses from read/write on the device fd, and
 * ioeventfds (Linux's vfio_pci_rdwr.c is the behavioural reference).
 *
 * An access reaches the BAR through the CPU's view of it (the physical
 * address the PCI core assigned), split into naturally aligned 8, 4, 2
 * and 1 byte accesses as Linux splits them. The MSI-X table belongs to
 * the kernel's MSI layer: reads of it give all ones, writes are dropped.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/mm.h"
#include "kernel/base/uaccess.h"
#include "kernel/pci/pci.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

/* Linux's VFIO_PCI_IOEVENTFD_MAX. */
#define VFIO_PCI_IOEVENTFD_MAX 1000

bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev)
{
	u16 cmd;

	/* The user's view decides, as 6.12 (Memory Space passes through to it). */
	if (vdev->vconfig)
		cmd = (u16)(vdev->vconfig[PCI_COMMAND] | vdev->vconfig[PCI_COMMAND + 1] << 8);
	else
		pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	return cmd & PCI_COMMAND_MEMORY;
}

/* One access of @w bytes at BAR offset @off; -EIO with memory decode off. */
static int bar_access(struct vfio_pci_core_device *vdev, int bar, bool test_mem, u64 off,
		      unsigned w, u64 *val, bool iswrite)
{
	struct machine *m = kernel_machine();
	u64 pa = vdev->bar_addr[bar] + off;

	if (test_mem && !vfio_pci_memory_enabled(vdev))
		return -EIO;
	if (iswrite)
		hw_mmio_write(m, pa, w, *val);
	else
		hw_mmio_read(m, pa, w, val);
	return 0;
}

static unsigned rw_width(u64 off, size_t fillable)
{
	if (fillable >= 8 && !(off % 8))
		return 8;
	if (fillable >= 4 && !(off % 4))
		return 4;
	if (fillable >= 2 && !(off % 2))
		return 2;
	return 1;
}

/* Linux's vfio_pci_core_do_io_rw: [x_start, x_end) reads as 0xff, drops writes. */
static ssize_t do_io_rw(struct vfio_pci_core_device *vdev, int bar, bool test_mem, u8 *buf,
			u64 off, size_t count, u64 x_start, u64 x_end, bool iswrite)
{
	ssize_t done = 0;

	while (count) {
		size_t fillable, filled;

		if (off < x_start)
			fillable = MIN(count, x_start - off);
		else if (off >= x_end)
			fillable = count;
		else
			fillable = 0;

		if (fillable) {
			unsigned w = rw_width(off, fillable);
			u64 v = 0;
			int ret;

			if (iswrite && copy_from_user(&v, buf, w))
				return -EFAULT;
			ret = bar_access(vdev, bar, test_mem, off, w, &v, iswrite);
			if (ret)
				return ret;
			if (!iswrite && copy_to_user(buf, &v, w))
				return -EFAULT;
			filled = w;
		} else {
			filled = MIN(count, x_end - off);
			if (!iswrite) {
				u8 ones = 0xff;
				for (size_t i = 0; i < filled; i++)
					if (copy_to_user(buf + i, &ones, 1))
						return -EFAULT;
			}
		}
		count -= filled;
		done += filled;
		off += filled;
		buf += filled;
	}
	return done;
}

/*
 * The ROM decodes only while its enable bit and Memory Space are on:
 * both for the duration of the read, as Linux's pci_map_rom.
 */
static ssize_t rom_rw(struct vfio_pci_core_device *vdev, u8 *buf, u64 off, size_t count,
		      bool to_user)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 rom;
	u16 cmd;
	ssize_t done = 0;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pci_read_config_dword(pdev, PCI_ROM_ADDRESS, &rom);
	pci_write_config_word(pdev, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	pci_write_config_dword(pdev, PCI_ROM_ADDRESS, rom | PCI_ROM_ADDRESS_ENABLE);
	while ((size_t)done < count) {
		unsigned w = rw_width(off + done, count - done);
		u64 v = 0;

		if (w == 8)
			w = 4;
		hw_mmio_read(kernel_machine(), vdev->bar_addr[PCI_ROM_RESOURCE] + off + done, w, &v);
		if (to_user) {
			if (copy_to_user(buf + done, &v, w)) {
				done = -EFAULT;
				break;
			}
		} else {
			memcpy(buf + done, &v, w);
		}
		done += w;
	}
	pci_write_config_dword(pdev, PCI_ROM_ADDRESS, rom);
	pci_write_config_word(pdev, PCI_COMMAND, cmd);
	return done;
}

int vfio_pci_rom_read(struct vfio_pci_core_device *vdev, void *dst, u64 off, size_t len)
{
	if (!vdev->bar_size[PCI_ROM_RESOURCE] || off + len > vdev->bar_size[PCI_ROM_RESOURCE])
		return -EINVAL;
	return rom_rw(vdev, dst, off, len, false) == (ssize_t)len ? 0 : -EIO;
}

ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			u64 pos, bool iswrite)
{
	int bar = (int)VFIO_PCI_OFFSET_TO_INDEX(pos);
	u64 off = pos & VFIO_PCI_OFFSET_MASK, end = vdev->bar_size[bar];
	u64 x_start = 0, x_end = 0;
	ssize_t done;

	if (!vdev->bar_addr[bar] || !end)
		return -EINVAL;
	if (off >= end)
		return -EINVAL;
	count = MIN(count, end - off);
	if (bar == PCI_ROM_RESOURCE)
		return rom_rw(vdev, buf, off, count, true);
	if (bar == vdev->msix_bar) {
		x_start = vdev->msix_offset;
		x_end = (u64)vdev->msix_offset + vdev->msix_size;
	}
	done = do_io_rw(vdev, bar, pci_resource_flags(vdev->pdev, bar) & IORESOURCE_MEM, buf, off,
			count, x_start, x_end, iswrite);
	/*
	 * A read is not posted: it takes the bus round trip, and the device
	 * runs meanwhile (a program polling a status register sees it move).
	 */
	if (!iswrite && done > 0)
		kernel_sleep(VFIO_PCI_READ_NS);
	return done;
}

/* ---- ioeventfds ------------------------------------------------------------ */

static struct vfio_pci_ioeventfd *ioeventfd_find(struct vfio_pci_core_device *vdev, int bar,
						 u64 pos, u64 data, int count)
{
	struct vfio_pci_ioeventfd *e;

	list_for_each_entry(e, &vdev->ioeventfds_list, next)
		if (e->pos == pos && e->bar == bar && e->data == data && e->count == count)
			return e;
	return NULL;
}

static void ioeventfd_free(struct vfio_pci_core_device *vdev, struct vfio_pci_ioeventfd *e)
{
	list_del(&e->next);
	eventfd_ctx_put(e->ctx);
	kfree(e);
	vdev->ioeventfds_nr--;
}

int vfio_pci_ioeventfd(struct vfio_pci_core_device *vdev, u64 offset, u64 data, int count,
		       int fd)
{
	u64 pos = offset & VFIO_PCI_OFFSET_MASK, index = VFIO_PCI_OFFSET_TO_INDEX(offset);
	struct vfio_pci_ioeventfd *e;
	int bar = (int)index, ret;

	/* BARs only. */
	if (index > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	if (pos + count > vdev->bar_size[bar] || pos + count < pos)
		return -EINVAL;
	/* Not a way around the MSI-X table's protection. */
	if (bar == vdev->msix_bar &&
	    !(pos + count <= vdev->msix_offset || pos >= (u64)vdev->msix_offset + vdev->msix_size))
		return -EINVAL;

	e = ioeventfd_find(vdev, bar, pos, data, count);
	if (e) {
		if (fd != -1)
			return -EEXIST;
		ioeventfd_free(vdev, e);
		return 0;
	}
	if (fd < 0)
		return -ENODEV;
	if (vdev->ioeventfds_nr >= VFIO_PCI_IOEVENTFD_MAX)
		return -ENOSPC;
	e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	ret = eventfd_ctx_fdget(fd, &e->ctx);
	if (ret) {
		kfree(e);
		return ret;
	}
	eventfd_ctx_watch(e->ctx);
	e->vdev = vdev;
	e->pos = pos;
	e->bar = bar;
	e->data = data;
	e->count = count;
	e->test_mem = pci_resource_flags(vdev->pdev, bar) & IORESOURCE_MEM;
	list_add(&e->next, &vdev->ioeventfds_list);
	vdev->ioeventfds_nr++;
	return 0;
}

/*
 * The writes the user's ioeventfds stand for (Linux's virqfd handler, one
 * per wakeup). Linux runs them from the eventfd's wakeup, asynchronously;
 * the lab's kernel runs only when entered, so it looks here before every
 * access to the device through its fd or a mapping (they land in the
 * order the program meant), when the program waits for an interrupt
 * in-process, and when the host's watch on the eventfd
 * (eventfd_ctx_watch: the session server's watcher thread) sees it
 * written: a write takes effect with nothing else done to the device.
 * Memory decode off: the write is skipped, as Linux's handler skips it.
 */
void vfio_pci_ioeventfd_poll(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd *e;

	list_for_each_entry(e, &vdev->ioeventfds_list, next) {
		u64 v = e->data;

		if (eventfd_ctx_read(e->ctx))
			bar_access(vdev, e->bar, e->test_mem, e->pos, (unsigned)e->count, &v, true);
	}
}

void vfio_pci_ioeventfd_remove_all(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_ioeventfd *e, *n;

	list_for_each_entry_safe(e, n, &vdev->ioeventfds_list, next)
		ioeventfd_free(vdev, e);
}

/* ---- mmap (trap and emulate, kernel/base/mm.h) --------------------------- */

#define VFIO_PCI_PGOFF_SHIFT (VFIO_PCI_OFFSET_SHIFT - PAGE_SHIFT)

bool vfio_pci_mmap_available(void)
{
	return true;
}

/*
 * One trapped load or store of a BAR mapping, at the program's width.
 * Memory decode off is a bus error (Linux's fault handler: SIGBUS). The
 * mapping covers the whole BAR, the MSI-X table included, as 6.12's
 * (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE). Past the end of a BAR smaller
 * than a page (Linux reserves the rest of the page): ones, writes dropped.
 */
static int vfio_pci_mmap_access(struct vm_area_struct *vma, unsigned long addr, void *buf,
				int len, int write)
{
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	int bar = (int)(vma->vm_pgoff >> VFIO_PCI_PGOFF_SHIFT);
	u64 off = ((vma->vm_pgoff & ((1ul << VFIO_PCI_PGOFF_SHIFT) - 1)) << PAGE_SHIFT) +
		  (addr - vma->vm_start);
	u64 v = 0;
	int ret;

	/* The driver left: Linux zaps the mapping; the lab's device is cut off. */
	if (vdev->vdev.unregistered)
		return -ENODEV;
	vfio_pci_ioeventfd_poll(vdev);
	if (off + (u64)len > vdev->bar_size[bar]) {
		if (!write)
			memset(buf, 0xff, (size_t)len);
		return len;
	}
	if (write)
		memcpy(&v, buf, (size_t)len);
	ret = bar_access(vdev, bar, true, off, (unsigned)len, &v, write);
	if (ret)
		return ret;
	if (!write) {
		memcpy(buf, &v, (size_t)len);
		kernel_sleep(VFIO_PCI_READ_NS);
	}
	return len;
}

/*
 * The BAR's page frame at @addr, as 6.12's fault handler computes it
 * (vma_to_pfn); with Memory Space off the fault is SIGBUS, so nothing to
 * follow (type1's MAP_DMA then fails with -EFAULT).
 */
static int vfio_pci_mmap_pfn(struct vm_area_struct *vma, unsigned long addr,
			     unsigned long *pfn)
{
	struct vfio_pci_core_device *vdev = vma->vm_private_data;
	int bar = (int)(vma->vm_pgoff >> VFIO_PCI_PGOFF_SHIFT);
	u64 off = ((vma->vm_pgoff & ((1ul << VFIO_PCI_PGOFF_SHIFT) - 1)) << PAGE_SHIFT) +
		  (addr - vma->vm_start);

	if (vdev->vdev.unregistered)
		return -ENODEV;
	if (!vfio_pci_memory_enabled(vdev))
		return -EFAULT;
	*pfn = (unsigned long)((vdev->bar_addr[bar] + off) >> PAGE_SHIFT);
	return 0;
}

static const struct vm_operations_struct vfio_pci_mmap_ops = {
	.access = vfio_pci_mmap_access,
	.pfn = vfio_pci_mmap_pfn,
};

/* Linux's vfio_pci_core_mmap, in its order. */
int vfio_pci_mmap(struct vfio_device *core, struct vm_area_struct *vma)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);
	u64 index = vma->vm_pgoff >> VFIO_PCI_PGOFF_SHIFT;
	u64 req_start = (vma->vm_pgoff & ((1ul << VFIO_PCI_PGOFF_SHIFT) - 1)) << PAGE_SHIFT;
	u64 req_len = vma->vm_end - vma->vm_start, phys_len;

	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if (vma->vm_end < vma->vm_start)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Config, ROM and VGA are never mapped. */
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (!vdev->bar_mmap_supported[index])
		return -EINVAL;
	phys_len = (vdev->bar_size[index] + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
	if (req_start + req_len > phys_len || req_start + req_len < req_start)
		return -EINVAL;
	vma->vm_flags |= VM_IO | VM_PFNMAP;
	vma->vm_private_data = vdev;
	vma->vm_ops = &vfio_pci_mmap_ops;
	return 0;
}
