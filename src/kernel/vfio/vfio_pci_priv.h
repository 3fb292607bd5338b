/*
 * vfio-pci's files among themselves (vfio_pci.h is the interface the
 * interrupt code and the module table see).
 */
#ifndef LAB_KERNEL_VFIO_VFIO_PCI_PRIV_H
#define LAB_KERNEL_VFIO_VFIO_PCI_PRIV_H

#include "common/types.h"
#include "vfio_pci.h"

struct pci_dev;
struct pci_driver;

/* vfio_pci_core.c */
struct pci_driver *vfio_pci_get_driver(void);
/* The vfio-pci device of @pdev, or NULL (bound elsewhere or unbound). */
struct vfio_pci_core_device *vfio_pci_find(struct pci_dev *pdev);

/* vfio_pci_reset.c: function and bus resets, the header saved at open. */
void vfio_pci_save_config(struct vfio_pci_core_device *vdev);
void vfio_pci_restore_config(struct vfio_pci_core_device *vdev);
bool vfio_pci_intx_mask_supported(struct pci_dev *pdev);
long vfio_pci_ioctl_get_pci_hot_reset_info(struct vfio_pci_core_device *vdev,
					   unsigned long arg);
long vfio_pci_ioctl_pci_hot_reset(struct vfio_pci_core_device *vdev, unsigned long arg);

/* vfio_pci_feature.c: VFIO_DEVICE_FEATURE (low power) */
void vfio_pci_pm_wake(struct vfio_pci_core_device *vdev);
void vfio_pci_pm_exit(struct vfio_pci_core_device *vdev);
int vfio_pci_device_feature(struct vfio_device *core, u32 flags, void *arg, size_t argsz);

/* vfio_pci_rdwr.c */
int vfio_pci_rom_read(struct vfio_pci_core_device *vdev, void *dst, u64 off, size_t len);
/* Does the VFIO core offer mmap of device regions? */
bool vfio_pci_mmap_available(void);
void vfio_pci_ioeventfd_poll(struct vfio_pci_core_device *vdev);
struct vm_area_struct;
int vfio_pci_mmap(struct vfio_device *core, struct vm_area_struct *vma);

#endif
