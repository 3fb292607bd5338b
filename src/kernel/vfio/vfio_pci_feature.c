/*
 * VFIO_DEVICE_FEATURE for vfio-pci (Linux's vfio_pci_core_ioctl_feature):
 * the low-power features and the VF token.
 *
 * Linux offers LOW_POWER_ENTRY, LOW_POWER_ENTRY_WITH_WAKEUP and
 * LOW_POWER_EXIT on every vfio-pci device (vfio-pci enables runtime PM
 * for all of them), so the lab answers as Linux does: SET only (a GET or
 * a GET probe is -EINVAL), a second entry while engaged -EINVAL, exit
 * always 0. The lab models no D3 transitions, so the device's power
 * state does not change: what the user sees is Linux's bookkeeping.
 * Any later access through the device fd "resumes" the device: with a
 * wakeup eventfd, that signals it and leaves the low-power state, as
 * Linux's runtime resume does. PCI_VF_TOKEN is -ENOTTY (no SR-IOV PF).
 */
#include <errno.h>
#include <linux/vfio.h>

#include "kernel/base/uaccess.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

void vfio_pci_pm_exit(struct vfio_pci_core_device *vdev)
{
	if (!vdev->pm_runtime_engaged)
		return;
	vdev->pm_runtime_engaged = false;
	if (vdev->pm_wake_eventfd_ctx) {
		eventfd_ctx_put(vdev->pm_wake_eventfd_ctx);
		vdev->pm_wake_eventfd_ctx = NULL;
	}
}

void vfio_pci_pm_wake(struct vfio_pci_core_device *vdev)
{
	if (!vdev || !vdev->pm_runtime_engaged || !vdev->pm_wake_eventfd_ctx)
		return;
	eventfd_signal(vdev->pm_wake_eventfd_ctx);
	vfio_pci_pm_exit(vdev);
}

static int pm_entry(struct vfio_pci_core_device *vdev, struct eventfd_ctx *wake)
{
	if (vdev->pm_runtime_engaged)
		return -EINVAL;
	vdev->pm_runtime_engaged = true;
	vdev->pm_wake_eventfd_ctx = wake;
	return 0;
}

static int feature_pm_entry(struct vfio_pci_core_device *vdev, u32 flags, size_t argsz)
{
	int ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);

	if (ret != 1)
		return ret;
	return pm_entry(vdev, NULL);
}

static int feature_pm_entry_wakeup(struct vfio_pci_core_device *vdev, u32 flags, void *arg,
				   size_t argsz)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	struct eventfd_ctx *ctx;
	int ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, sizeof(entry));

	if (ret != 1)
		return ret;
	if (copy_from_user(&entry, arg, sizeof(entry)))
		return -EFAULT;
	if (entry.wakeup_eventfd < 0)
		return -EINVAL;
	ret = eventfd_ctx_fdget(entry.wakeup_eventfd, &ctx);
	if (ret)
		return ret;
	ret = pm_entry(vdev, ctx);
	if (ret)
		eventfd_ctx_put(ctx);
	return ret;
}

static int feature_pm_exit(struct vfio_pci_core_device *vdev, u32 flags, size_t argsz)
{
	int ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);

	if (ret != 1)
		return ret;
	vfio_pci_pm_exit(vdev);
	return 0;
}

int vfio_pci_device_feature(struct vfio_device *core, u32 flags, void *arg, size_t argsz)
{
	struct vfio_pci_core_device *vdev = to_vfio_pci(core);

	/* The ioctl itself resumes the device first (Linux's pm wrapper). */
	vfio_pci_pm_wake(vdev);
	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		return feature_pm_entry(vdev, flags, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return feature_pm_entry_wakeup(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return feature_pm_exit(vdev, flags, argsz);
	default:
		/* PCI_VF_TOKEN included: only an SR-IOV PF has a token. */
		return -ENOTTY;
	}
}
