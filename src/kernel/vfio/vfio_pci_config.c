/* vfio-pci's config space (placeholder: reads the device, drops writes). */
#include <errno.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/uaccess.h"
#include "kernel/pci/pci.h"
#include "vfio_pci.h"

int vfio_config_init(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
	return 0;
}

void vfio_config_free(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
}

ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			   u64 pos, bool iswrite)
{
	u64 off = pos & VFIO_PCI_OFFSET_MASK;
	size_t done = 0;

	if (off >= (u64)vdev->pdev->cfg_size)
		return -EINVAL;
	count = MIN(count, (size_t)vdev->pdev->cfg_size - off);
	if (iswrite)
		return (ssize_t)count;
	for (; done < count; done++) {
		u8 v;
		pci_user_read_config_byte(vdev->pdev, (int)(off + done), &v);
		if (copy_to_user((u8 *)buf + done, &v, 1))
			return -EFAULT;
	}
	return (ssize_t)done;
}
