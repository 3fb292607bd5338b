/*
 * vfio-pci resets: the function reset (VFIO_DEVICE_RESET, an FLR written
 * through the PCIe capability), the header kept from open to close, and
 * the bus reset user space asks for with VFIO_DEVICE_PCI_HOT_RESET after
 * proving with group fds that it owns every function the reset touches
 * (Linux's vfio_pci_core.c).
 *
 * Which reset, and so which functions it touches: Linux 6.12 takes a slot
 * reset when the function's slot can do one (pci_probe_reset_slot: a
 * pci_slot a hotplug driver registered with a reset_slot method, pciehp's
 * for a hotplug-capable port), the functions below that slot affected;
 * else a secondary bus reset of the bridge above (pci_probe_reset_bus),
 * every function on that bus and below affected; else -ENODEV (a root
 * bus). The lab registers no pci_slot (its pciehp is the `pci hotadd`
 * verbs, without a slot object), so it is always the bus reset, as on a
 * Linux host whose ports have no hotplug driver. For a PCIe port the two
 * sets are the same anyway: its link holds one device, whose functions
 * fill its secondary bus; a function alone behind its port (the NVMe,
 * the conventional engine behind its PCIe-to-PCI bridge) is affected
 * alone, the functions of a multifunction device together.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/base/fs.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/uaccess.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

void vfio_pci_save_config(struct vfio_pci_core_device *vdev)
{
	for (int i = 0; i < 16; i++)
		pci_read_config_dword(vdev->pdev, i * 4, &vdev->saved_config[i]);
}

/* Command last, so that decoding restarts on the restored BARs. */
void vfio_pci_restore_config(struct vfio_pci_core_device *vdev)
{
	for (int i = 15; i >= 0; i--) {
		u32 cur;

		pci_read_config_dword(vdev->pdev, i * 4, &cur);
		if (cur != vdev->saved_config[i])
			pci_write_config_dword(vdev->pdev, i * 4, vdev->saved_config[i]);
	}
}

/*
 * PCI 2.3 INTx masking works when Command.INTx Disable can be set and
 * cleared (Linux's pci_intx_mask_supported; the Status half needs an
 * interrupt to test and the lab's functions all implement it).
 */
bool vfio_pci_intx_mask_supported(struct pci_dev *pdev)
{
	u16 orig, toggled, back;

	if (!pdev->pin)
		return false;
	pci_read_config_word(pdev, PCI_COMMAND, &orig);
	pci_write_config_word(pdev, PCI_COMMAND, orig ^ PCI_COMMAND_INTX_DISABLE);
	pci_read_config_word(pdev, PCI_COMMAND, &toggled);
	pci_write_config_word(pdev, PCI_COMMAND, orig);
	pci_read_config_word(pdev, PCI_COMMAND, &back);
	return ((toggled ^ orig) & PCI_COMMAND_INTX_DISABLE) && back == orig;
}

/*
 * A function reset on the user's behalf: pci_try_reset_function saves and
 * restores the kernel's state around it (MSI included), as Linux, so the
 * interrupts the user set stay set and the user's view of config space
 * stays as it was.
 */
int vfio_pci_core_reset(struct vfio_pci_core_device *vdev)
{
	vfio_pci_pm_wake(vdev);
	return pci_try_reset_function(vdev->pdev);
}

/* ---- hot reset ------------------------------------------------------------- */

/* Linux's pci_probe_reset_bus for the lab: a bridge above with no slot. */
static int probe_reset_bus(struct pci_dev *pdev)
{
	return pdev->bus->self ? 0 : -ENOTTY;
}

struct walk {
	int count;
	int err;
	struct vfio_pci_dependent_device *devices;   /* NULL: count only */
	int nr;
	struct pci_dev **pdevs;                      /* or collect the functions */
};

static int count_dev(struct pci_dev *pdev, void *data)
{
	struct walk *w = data;

	(void)pdev;
	w->count++;
	return 0;
}

static int fill_dev(struct pci_dev *pdev, void *data)
{
	struct walk *w = data;
	struct vfio_pci_dependent_device *d;

	/* The topology changed since the count. */
	if (w->count >= w->nr) {
		w->err = -EAGAIN;
		return 1;
	}
	/* A function without a group cannot be isolated, so not reset (Linux). */
	if (!pdev->dev.iommu_group) {
		w->err = -EPERM;
		return 1;
	}
	d = &w->devices[w->count++];
	memset(d, 0, sizeof(*d));
	d->group_id = (u32)iommu_group_id(pdev->dev.iommu_group);
	d->segment = (u16)pci_domain_nr(pdev->bus);
	d->bus = pdev->bus->number;
	d->devfn = pdev->devfn;
	return 0;
}

/* Every function the bus reset of @pdev's bus touches, below bridges too. */
static int walk_affected(struct pci_dev *pdev, int (*fn)(struct pci_dev *, void *), void *data)
{
	struct pci_dev *d;

	list_for_each_entry(d, &pdev->bus->devices, bus_list) {
		if (fn(d, data))
			return 1;
		if (d->subordinate) {
			struct walk *w = data;
			pci_walk_bus(d->subordinate, fn, data);
			if (w->err)
				return 1;
		}
	}
	return 0;
}

long vfio_pci_ioctl_get_pci_hot_reset_info(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_pci_hot_reset_info hdr;
	struct walk w = { 0 };
	long ret = 0;

	if (copy_from_user(&hdr, (void *)arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	hdr.flags = 0;
	if (probe_reset_bus(vdev->pdev))
		return -ENODEV;
	walk_affected(vdev->pdev, count_dev, &w);
	if ((u64)w.count > (hdr.argsz - sizeof(hdr)) / sizeof(struct vfio_pci_dependent_device)) {
		/* Too small: the count the user needs, -ENOSPC (Linux). */
		hdr.count = (u32)w.count;
		ret = -ENOSPC;
		goto header;
	}
	w.devices = kcalloc((size_t)w.count, sizeof(*w.devices));
	if (!w.devices)
		return -ENOMEM;
	w.nr = w.count;
	w.count = 0;
	walk_affected(vdev->pdev, fill_dev, &w);
	if (w.err) {
		kfree(w.devices);
		return w.err;
	}
	if (copy_to_user((u8 *)arg + sizeof(hdr), w.devices, sizeof(*w.devices) * (size_t)w.count)) {
		kfree(w.devices);
		return -EFAULT;
	}
	kfree(w.devices);
	hdr.count = (u32)w.count;
header:
	if (copy_to_user((void *)arg, &hdr, minsz))
		ret = -EFAULT;
	return ret;
}

static int collect_dev(struct pci_dev *pdev, void *data)
{
	struct walk *w = data;

	if (w->count >= w->nr) {
		w->err = -EAGAIN;
		return 1;
	}
	w->pdevs[w->count++] = pdev;
	return 0;
}

/* Is @vdev in one of the groups behind @files (Linux's vfio_dev_in_groups)? */
static bool dev_in_groups(struct vfio_pci_core_device *vdev, struct file **files, int n)
{
	for (int i = 0; i < n; i++)
		if (vfio_file_has_dev(files[i], &vdev->vdev))
			return true;
	return false;
}

/*
 * Every affected function must be bound to vfio-pci (Linux's dev_set:
 * else -EINVAL) and in a group the user passed (else -EINVAL); then the
 * bus is reset, each function's header saved and restored around it.
 */
static int hot_reset(struct vfio_pci_core_device *vdev, struct file **files, int nfiles,
		     int count)
{
	struct walk w = { .nr = count };
	int ret = 0;

	w.pdevs = kcalloc((size_t)count, sizeof(*w.pdevs));
	if (!w.pdevs)
		return -ENOMEM;
	walk_affected(vdev->pdev, collect_dev, &w);
	if (w.err) {
		ret = w.err;
		goto out;
	}
	for (int i = 0; i < w.count; i++) {
		struct vfio_pci_core_device *v = vfio_pci_find(w.pdevs[i]);
		if (!v || !dev_in_groups(v, files, nfiles)) {
			ret = -EINVAL;
			goto out;
		}
	}
	for (int i = 0; i < w.count; i++) {
		vfio_pci_pm_wake(vfio_pci_find(w.pdevs[i]));
		pci_save_state(w.pdevs[i]);
	}
	ret = pci_reset_bus(vdev->pdev);
	for (int i = 0; i < w.count; i++)
		pci_restore_state(w.pdevs[i]);
out:
	kfree(w.pdevs);
	return ret;
}

long vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	struct walk w = { 0 };
	struct file **files;
	s32 *fds;
	int n = 0;
	long ret = 0;

	if (copy_from_user(&hdr, (void *)arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* A zero-length array is for devices opened through the cdev only. */
	if (!hdr.count)
		return -EINVAL;
	if (probe_reset_bus(vdev->pdev))
		return -ENODEV;
	walk_affected(vdev->pdev, count_dev, &w);
	/* At most one group per affected function. */
	if (hdr.count > (u32)w.count)
		return -EINVAL;
	fds = kcalloc(hdr.count, sizeof(*fds));
	files = kcalloc(hdr.count, sizeof(*files));
	if (!fds || !files) {
		kfree(fds);
		kfree(files);
		return -ENOMEM;
	}
	if (copy_from_user(fds, (u8 *)arg + sizeof(hdr), hdr.count * sizeof(*fds))) {
		ret = -EFAULT;
		goto out;
	}
	/* Each group file is held across the reset. */
	for (n = 0; n < (int)hdr.count; n++) {
		struct file *f = NULL;

		if (fdget(fds[n], &f)) {
			ret = -EBADF;
			break;
		}
		/* An open descriptor that is no VFIO group (a host file: no lab file at all). */
		if (!f || !vfio_file_is_group(f)) {
			if (f)
				fput(f);
			ret = -EINVAL;
			break;
		}
		files[n] = f;
	}
	if (!ret)
		ret = hot_reset(vdev, files, n, w.count);
out:
	while (n-- > 0)
		fput(files[n]);
	kfree(fds);
	kfree(files);
	return ret;
}
