/*
 * vfio-pci's core: the pci_driver, open/close, the device ioctls and the
 * read/write entry (see vfio_pci.h; Linux's vfio_pci.c and vfio_pci_core.c
 * are the behavioural reference).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/uaccess.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci-msi.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

void vfio_pci_state_init(struct vfio_pci_state *vps)
{
	INIT_LIST_HEAD(&vps->devices);
	INIT_LIST_HEAD(&vps->trigger_list);
}

/* ---- open / close ---------------------------------------------------------- */

static void vfio_pci_probe_bars(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	for (int i = 0; i <= PCI_ROM_RESOURCE; i++) {
		vdev->bar_addr[i] = pci_resource_start(pdev, i);
		vdev->bar_size[i] = vdev->bar_addr[i] ? pci_resource_len(pdev, i) : 0;
	}
	/*
	 * A memory BAR can be mapped if it fills its pages: at least a page,
	 * or a smaller one that starts a page (Linux reserves the rest of
	 * that page for it). Linux's vfio_pci_probe_mmaps.
	 */
	for (int i = 0; i < PCI_STD_NUM_BARS; i++)
		vdev->bar_mmap_supported[i] = vfio_pci_mmap_available() && vdev->bar_size[i] &&
			(pci_resource_flags(pdev, i) & IORESOURCE_MEM) &&
			(vdev->bar_size[i] >= PAGE_SIZE || !(vdev->bar_addr[i] & (PAGE_SIZE - 1)));
}

static void vfio_pci_find_msix(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u16 flags;
	u32 table;

	if (!pdev->msix_cap) {
		vdev->msix_bar = -1;
		vdev->msix_entries = 0;
		return;
	}
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &flags);
	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	vdev->msix_bar = table & PCI_MSIX_TABLE_BIR;
	vdev->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
	vdev->msix_entries = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	vdev->msix_size = vdev->msix_entries * 16u;
	/* The lab's MSI layer allocates MSI-X vectors one at a time. */
	vdev->has_dyn_msix = true;
}

static int vfio_pci_open_device(struct vfio_device *core)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);
	struct pci_dev *pdev = vdev->pdev;
	u16 cmd;
	int ret;

	/* The saved state must not include bus mastering. */
	pci_clear_master(pdev);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	vdev->reset_works = !pci_try_reset_function(pdev);
	vfio_pci_save_config(vdev);

	vdev->nointx = false;
	vdev->pci_2_3 = false;
	if (!kstate->vfio_pci.param.nointxmask)
		vdev->pci_2_3 = vfio_pci_intx_mask_supported(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (vdev->pci_2_3 && (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_write_config_word(pdev, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);

	vfio_pci_probe_bars(vdev);
	vfio_pci_find_msix(vdev);
	ret = vfio_config_init(vdev);
	if (ret) {
		pci_disable_device(pdev);
		return ret;
	}
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
	vdev->needs_reset = true;
	return 0;
}

static void vfio_pci_close_device(struct vfio_device *core)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);
	struct pci_dev *pdev = vdev->pdev;

	vfio_pci_pm_exit(vdev);
	/* Stop the device's DMA before its interrupts go. */
	pci_clear_master(pdev);
	vfio_pci_irqs_disable_all(vdev);
	vfio_pci_ioeventfd_remove_all(vdev);
	vdev->virq_disabled = false;
	vfio_config_free(vdev);
	/*
	 * Back to the state found at open, reset if the function can be, as
	 * Linux's vfio_pci_core_disable (INTx off across the reset).
	 */
	pci_write_config_word(pdev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
	if (vdev->reset_works && !pci_reset_function_locked(pdev))
		vdev->needs_reset = false;
	vfio_pci_restore_config(vdev);
	pci_disable_device(pdev);
}

/* ---- ioctls ---------------------------------------------------------------- */

static long vfio_pci_ioctl_get_info(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (vdev->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
}

/* The ROM region is readable only if an image with the 0x55aa signature is there. */
static bool vfio_pci_rom_present(struct vfio_pci_core_device *vdev)
{
	u16 sig = 0;

	if (!vdev->bar_size[PCI_ROM_RESOURCE])
		return false;
	if (vfio_pci_rom_read(vdev, &sig, 0, sizeof(sig)))
		return false;
	return sig == 0xaa55;
}

static long vfio_pci_ioctl_get_region_info(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap_header cap = { 0 };
	struct vfio_region_info info;
	bool add_cap = false;

	if (copy_from_user(&info, (void *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = (u64)vdev->pdev->cfg_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = vdev->bar_size[info.index];
		if (!info.size) {
			info.flags = 0;
			break;
		}
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if (vdev->bar_mmap_supported[info.index]) {
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
			/*
			 * 6.12 maps the whole BAR, the MSI-X table included
			 * (the kernel never lets the table decide where an
			 * MSI goes: the IOMMU does), and says so with this
			 * capability instead of a sparse-mmap list.
			 */
			add_cap = (int)info.index == vdev->msix_bar;
		}
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.flags = 0;
		info.size = vdev->bar_size[PCI_ROM_RESOURCE];
		if (vfio_pci_rom_present(vdev))
			info.flags = VFIO_REGION_INFO_FLAG_READ;
		else
			info.size = 0;
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		/* No VGA device in the lab: Linux's answer for a non-VGA function. */
		if (!vdev->has_vga)
			return -EINVAL;
		info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
		info.size = 0xc0000;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		return -EINVAL;
	}

	if (add_cap) {
		cap.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE;
		cap.version = 1;
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + sizeof(cap)) {
			/* Too small: say how much is needed, as Linux. */
			info.argsz = sizeof(info) + sizeof(cap);
			info.cap_offset = 0;
		} else {
			if (copy_to_user((u8 *)arg + sizeof(info), &cap, sizeof(cap)))
				return -EFAULT;
			info.cap_offset = sizeof(info);
		}
		/* argsz and cap_offset lie past minsz: copy the whole struct. */
		return copy_to_user((void *)arg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
}

static long vfio_pci_ioctl_reset(struct vfio_pci_core_device *vdev)
{
	if (!vdev->reset_works)
		return -EINVAL;
	return vfio_pci_core_reset(vdev);
}

static long vfio_pci_ioctl_ioeventfd(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	struct vfio_device_ioeventfd ioeventfd;
	int count;

	if (copy_from_user(&ioeventfd, (void *)arg, minsz))
		return -EFAULT;
	if (ioeventfd.argsz < minsz)
		return -EINVAL;
	if (ioeventfd.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;
	count = ioeventfd.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	/* Exactly one size bit. */
	if (count != 1 && count != 2 && count != 4 && count != 8)
		return -EINVAL;
	return vfio_pci_ioeventfd(vdev, ioeventfd.offset, ioeventfd.data, count, ioeventfd.fd);
}

static long vfio_pci_ioctl(struct vfio_device *core, unsigned int cmd, unsigned long arg)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);

	/* Any access wakes a device the user put in low power (runtime PM). */
	vfio_pci_pm_wake(vdev);
	vfio_pci_ioeventfd_poll(vdev);
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(vdev, arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_get_region_info(vdev, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(vdev, arg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vdev, arg);
	case VFIO_DEVICE_RESET:
		return vfio_pci_ioctl_reset(vdev);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return vfio_pci_ioctl_get_pci_hot_reset_info(vdev, arg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return vfio_pci_ioctl_pci_hot_reset(vdev, arg);
	case VFIO_DEVICE_IOEVENTFD:
		return vfio_pci_ioctl_ioeventfd(vdev, arg);
	default:
		return -ENOTTY;
	}
}

/* ---- read / write ---------------------------------------------------------- */

static ssize_t vfio_pci_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			   u64 pos, bool iswrite)
{
	u64 index = VFIO_PCI_OFFSET_TO_INDEX(pos);

	vfio_pci_pm_wake(vdev);
	vfio_pci_ioeventfd_poll(vdev);
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return vfio_pci_config_rw(vdev, buf, count, pos, iswrite);
	case VFIO_PCI_ROM_REGION_INDEX:
		if (iswrite)
			return -EINVAL;
		return vfio_pci_bar_rw(vdev, buf, count, pos, false);
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		return vfio_pci_bar_rw(vdev, buf, count, pos, iswrite);
	default:
		/* VGA (no VGA device) and anything past the regions. */
		return -EINVAL;
	}
}

static ssize_t vfio_pci_read(struct vfio_device *core, void *buf, size_t count, u64 off)
{
	if (!count)
		return 0;
	return vfio_pci_rw(to_vfio_pci(core), buf, count, off, false);
}

static ssize_t vfio_pci_write(struct vfio_device *core, const void *buf, size_t count, u64 off)
{
	if (!count)
		return 0;
	return vfio_pci_rw(to_vfio_pci(core), (void *)buf, count, off, true);
}

/* ---- request and release --------------------------------------------------- */

/*
 * The driver is unbinding while the device is open: Linux asks the user
 * through the REQ eventfd (and logs the first time a user does not have one).
 */
static void vfio_pci_request(struct vfio_device *core, unsigned int count)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);

	if (vdev->req_trigger) {
		if (!(count % 10))
			dev_notice(&vdev->pdev->dev, "Relaying device request to user (#%u)\n",
				   count);
		vfio_pci_signal_request(vdev, count);
	} else if (count == 0) {
		dev_warn(&vdev->pdev->dev,
			 "No device request channel registered, blocked until released by user\n");
	}
}

static void vfio_pci_release(struct vfio_device *core)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);

	pci_dev_put(vdev->pdev);
	kfree(vdev);
}

static const struct vfio_device_ops vfio_pci_ops = {
	.name = "vfio-pci",
	.open_device = vfio_pci_open_device,
	.close_device = vfio_pci_close_device,
	.ioctl = vfio_pci_ioctl,
	.read = vfio_pci_read,
	.write = vfio_pci_write,
	.mmap = vfio_pci_mmap,
	.request = vfio_pci_request,
	.release = vfio_pci_release,
	.device_feature = vfio_pci_device_feature,
};

/* ---- the driver ------------------------------------------------------------ */

static int vfio_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vfio_pci_core_device *vdev;
	int ret;

	(void)id;
	/* Bridges and other non-type-0 functions are not for user space (Linux). */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;
	vdev = kzalloc(sizeof(*vdev));
	if (!vdev)
		return -ENOMEM;
	vdev->pdev = pci_dev_get(pdev);
	vdev->vdev.dev = &pdev->dev;
	vdev->vdev.ops = &vfio_pci_ops;
	vdev->vdev.priv = vdev;
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
	vdev->msix_bar = -1;
	INIT_LIST_HEAD(&vdev->ioeventfds_list);
	INIT_LIST_HEAD(&vdev->next);
	ret = vfio_register_group_dev(&vdev->vdev);
	if (ret) {
		pci_dev_put(pdev);
		kfree(vdev);
		return ret;
	}
	list_add_tail(&vdev->next, &kstate->vfio_pci.devices);
	pci_set_drvdata(pdev, vdev);
	return 0;
}

static void vfio_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = pci_get_drvdata(pdev);

	pci_set_drvdata(pdev, NULL);
	list_del_init(&vdev->next);
	/* Frees @vdev through vfio_pci_release once no fd holds it. */
	vfio_unregister_group_dev(&vdev->vdev);
}

/*
 * An uncorrectable error on the function: the user hears of it through
 * the ERR eventfd (Linux's vfio_pci_core_aer_err_detected).
 */
static pci_ers_result_t vfio_pci_err_detected(struct pci_dev *pdev, pci_channel_state_t state)
{
	struct vfio_pci_core_device *vdev = pci_get_drvdata(pdev);

	(void)state;
	if (vdev)
		vfio_pci_signal_err(vdev);
	return PCI_ERS_RESULT_CAN_RECOVER;
}

static const struct pci_error_handlers vfio_pci_err_handlers = {
	.error_detected = vfio_pci_err_detected,
};

/*
 * Every function, but only by driver_override (Linux's table); otherwise
 * new_id, ids= or bind.
 */
static const struct pci_device_id vfio_pci_table[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{ 0 },
};

static struct pci_driver vfio_pci_driver = {
	.name = "vfio-pci",
	.id_table = vfio_pci_table,
	.probe = vfio_pci_probe,
	.remove = vfio_pci_remove,
	.err_handler = &vfio_pci_err_handlers,
	.driver = {
		.driver_managed_dma = true,
	},
};

struct pci_driver *vfio_pci_get_driver(void)
{
	return &vfio_pci_driver;
}

struct vfio_pci_core_device *vfio_pci_find(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev;

	list_for_each_entry(vdev, &kstate->vfio_pci.devices, next)
		if (vdev->pdev == pdev)
			return vdev;
	return NULL;
}
