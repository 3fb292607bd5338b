/*
 * vfio-pci interrupts: a placeholder until the interrupt work lands (it
 * replaces this file). Every index reports no interrupts and SET_IRQS
 * refuses, so user space sees a device without interrupts.
 */
#include <errno.h>

#include "vfio_pci.h"

long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	(void)vdev;
	(void)arg;
	return -EINVAL;
}

long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	(void)vdev;
	(void)arg;
	return -EINVAL;
}

void vfio_pci_irqs_disable_all(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
}

void vfio_pci_signal_request(struct vfio_pci_core_device *vdev, unsigned int count)
{
	(void)vdev;
	(void)count;
}

void vfio_pci_signal_err(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
}

bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
	return false;
}

void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev)
{
	(void)vdev;
}

bool vfio_pci_is_trigger(int fd)
{
	(void)fd;
	return false;
}

bool vfio_pci_any_trigger(void)
{
	return false;
}
