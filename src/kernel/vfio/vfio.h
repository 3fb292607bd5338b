/*
 * VFIO: containers, groups and devices (drivers/vfio/{vfio_main,group,
 * container}.c are the behavioural reference), the type1 IOMMU backend and
 * the bus drivers' interface.
 *
 * The files: the VFIO module registers /dev/vfio/vfio (a misc device,
 * vfio_fops: the container) when it loads, and a character device per
 * group, /dev/vfio/<group id> (vfio_group_fops), while a device of the
 * group is registered with a VFIO bus driver. VFIO_GROUP_GET_DEVICE_FD
 * gives an anonymous file (vfio_device_fops) on a new descriptor. Ioctl
 * arguments are user memory (kernel/base/uaccess.h); every call returns 0
 * (or a count, or a descriptor) or a negative errno, and changes nothing
 * on error.
 *
 * Lifetimes: a container lives while its file or any group holds it; a
 * group object lives while a registered vfio device of its IOMMU group
 * exists or its file is open; a device file holds its group's file (the
 * group file's release waits for the device files, as in Linux).
 */
#ifndef LAB_KERNEL_VFIO_VFIO_H
#define LAB_KERNEL_VFIO_VFIO_H

#include "common/types.h"
#include "common/list.h"
#include "kernel/base/cdev.h"

struct device;
struct iommu_group;
struct vfio_device;
struct vfio_group;
struct vfio_container;
struct vm_area_struct;

/* ---- bus drivers (vfio-platform, later vfio-pci) --------------------- */

struct vfio_device_ops {
	const char *name;
	/* First open of the device fd / last close. */
	int (*open_device)(struct vfio_device *vdev);
	void (*close_device)(struct vfio_device *vdev);
	/* Device ioctls (GET_INFO, regions, IRQs, RESET); -ENOTTY if unknown. */
	long (*ioctl)(struct vfio_device *vdev, unsigned int cmd, unsigned long arg);
	ssize_t (*read)(struct vfio_device *vdev, void *buf, size_t count, u64 off);
	ssize_t (*write)(struct vfio_device *vdev, const void *buf, size_t count, u64 off);
	/*
	 * mmap of the device fd (NULL: -EINVAL, as Linux). vma->vm_pgoff is the
	 * file offset in pages (region index << (40 - PAGE_SHIFT) + page);
	 * vm_flags carry VM_READ/VM_WRITE from PROT_* and VM_SHARED. The driver
	 * checks as Linux's vfio_platform_mmap/vfio_pci_core_mmap: no
	 * VM_SHARED, a region out of range or without
	 * VFIO_REGION_INFO_FLAG_MMAP, a range past the region (or an unaligned
	 * one), VM_READ/VM_WRITE the region's flags do not allow: -EINVAL.
	 * On success it sets vma->vm_ops, whose access method performs each
	 * trapped load/store of the mapping on the device (the width the
	 * program used, 1/2/4/8 bytes) and runs time as its read/write would;
	 * vm_private_data is the driver's. See kernel/base/mm.h.
	 */
	int (*mmap)(struct vfio_device *vdev, struct vm_area_struct *vma);
	/* The driver is unbinding while the device is open (Linux's request). */
	void (*request)(struct vfio_device *vdev, unsigned int count);
	/* The last reference went (driver unregistered, no fd left): free it. */
	void (*release)(struct vfio_device *vdev);
	/*
	 * VFIO_DEVICE_FEATURE past the core's checks (Linux's device_feature):
	 * @flags as the user gave them, @arg the user's data after the
	 * header, @argsz its size. NULL: every feature is -ENOTTY.
	 */
	int (*device_feature)(struct vfio_device *vdev, u32 flags, void *arg, size_t argsz);
};

/*
 * Linux's vfio_check_feature for a device_feature op: -EINVAL for an
 * operation outside @supported_ops (VFIO_DEVICE_FEATURE_GET/SET) or a
 * payload under @minsz, 0 for a probe that passes, 1: do it.
 */
int vfio_check_feature(u32 flags, size_t argsz, u32 supported_ops, size_t minsz);

struct vfio_device {
	struct device *dev;
	struct module *driver_module;  /* the bus driver's, pinned while open */
	const struct vfio_device_ops *ops;
	struct vfio_group *group;
	struct list_head group_next;
	unsigned int open_count;
	unsigned int refs;         /* the registration + each fd */
	int index;                 /* vfioN */
	bool unregistered;         /* the driver left while the fd was open */
	void *priv;                /* the bus driver's data */
};

/*
 * Registers @vdev (its dev must be in an IOMMU group: -EINVAL otherwise)
 * and creates /dev/vfio/<group id> with the first device of the group.
 */
int vfio_register_group_dev(struct vfio_device *vdev);
/*
 * Unregisters. Linux blocks the unbind until userspace closes the device
 * fd; the lab cannot block its only thread, so an open device is cut off
 * instead (closed, its fd's calls fail with -ENODEV). The driver must not
 * free @vdev itself: ops->release runs once the registration and every fd
 * are gone (possibly from inside this call).
 */
void vfio_unregister_group_dev(struct vfio_device *vdev);

struct file;
/* Is @file a VFIO group's (/dev/vfio/N)? Linux's vfio_file_is_group. */
bool vfio_file_is_group(struct file *file);
/* Is @vdev registered in the group @file is open on? Linux's vfio_file_has_dev. */
bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev);

/* ---- type1 (vfio_iommu_type1.c) -------------------------------------- */

struct vfio_iommu_driver_ops {
	const char *name;
	int (*check_extension)(void *iommu_data, unsigned long ext);
	/* A backend instance for @type; -EINVAL for a type it does not serve. */
	int (*open)(unsigned long type, u32 container_id, void **iommu_data);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
};

extern const struct vfio_iommu_driver_ops vfio_iommu_type1_ops;

/* type1 module parameters (vfio_iommu_type1.<name>=). */
struct vfio_type1_params {
	unsigned int dma_entry_limit;     /* default 65535 */
	bool disable_hugepages;           /* map every 4 KiB page on its own */
	bool allow_unsafe_interrupts;     /* attach without MSI isolation */
};

/* ---- user-memory checks the kernel side makes on ioctl arguments ----- */

/*
 * Linux's access_ok(): is [p, p + size) inside the user address space (arm64
 * with 48-bit VAs)? NULL passes; the copy then faults (-EFAULT).
 */
#define VFIO_TASK_SIZE (1ull << 48)
static inline bool vfio_access_ok(unsigned long p, unsigned long long size)
{
	return size <= VFIO_TASK_SIZE && p <= VFIO_TASK_SIZE - size;
}

/* Linux's offsetofend(). */
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

/* ---- the VFIO core's kernel state (struct kernel.vfio) ------------- */

struct vfio_state {
	struct list_head groups;       /* every struct vfio_group */
	u32 next_container_id;         /* from 1, per boot */
	int next_device_index;         /* vfioN, from 0 */
	u32 group_devt;                /* the groups' character region (minor: group id) */
	struct miscdevice misc;        /* /dev/vfio/vfio */
	bool ready;                    /* the vfio module is loaded */
};

void vfio_state_init(struct vfio_state *vs);

/* The vfio module's init and exit (Linux's vfio_init, vfio_cleanup). */
int vfio_init(void);
void vfio_exit(void);

#endif
