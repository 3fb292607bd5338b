/*
 * VFIO: containers, groups and devices (drivers/vfio/{vfio_main,group,
 * container}.c are the behavioural reference), the type1 IOMMU backend and
 * the bus drivers' interface.
 *
 * The uapi (src/uapi) owns the file descriptors; it holds the objects below
 * and calls these functions for open, ioctl, read/write and release. Ioctl
 * arguments are the caller's memory in this process (the "user pointer");
 * the kernel side copies what it reads into locals first, as copy_from_user
 * does, and writes back only the fields Linux writes. Every call returns 0
 * (or a count) or a negative errno, and changes nothing on error.
 *
 * Lifetimes: a container lives while its fd or any group holds it; a group
 * object (/dev/vfio/N) lives while a registered vfio device of its IOMMU
 * group exists or a file holds it; a device fd holds its group's file (the
 * uapi's job: the group fd's release waits for the device fds, as Linux's
 * group file reference does).
 */
#ifndef LAB_KERNEL_VFIO_VFIO_H
#define LAB_KERNEL_VFIO_VFIO_H

#include "common/types.h"
#include "common/list.h"

struct device;
struct iommu_group;
struct vfio_device;
struct vfio_group;
struct vfio_container;

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
	/* The driver is unbinding while the device is open (Linux's request). */
	void (*request)(struct vfio_device *vdev, unsigned int count);
	/* The last reference went (driver unregistered, no fd left): free it. */
	void (*release)(struct vfio_device *vdev);
};

struct vfio_device {
	struct device *dev;
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

/* ---- the uapi's side ------------------------------------------------- */

/* /dev/vfio/vfio: a new container, or NULL on -ENOMEM. */
struct vfio_container *vfio_container_open(void);
/* The fd closed (the container lives on while groups hold it). */
void vfio_container_release(struct vfio_container *c);
long vfio_container_ioctl(struct vfio_container *c, unsigned int cmd, unsigned long arg);
/* Ids of /dev/vfio/N nodes, ascending; returns how many (may exceed @max). */
size_t vfio_group_ids(int *ids, size_t max);
bool vfio_group_exists(int id);

/* /dev/vfio/N: -ENOENT (no such node), -EBUSY (already open), -ENODEV. */
int vfio_group_open(int id, struct vfio_group **out);
void vfio_group_release(struct vfio_group *g);
int vfio_group_id(const struct vfio_group *g);
/* VFIO_GROUP_GET_STATUS, UNSET_CONTAINER; -ENOTTY for the rest. */
long vfio_group_ioctl(struct vfio_group *g, unsigned int cmd, unsigned long arg);
/* VFIO_GROUP_SET_CONTAINER with the container the uapi found behind the fd (NULL: none, -EBADFD). */
int vfio_group_set_container(struct vfio_group *g, struct vfio_container *c);
/* VFIO_GROUP_GET_DEVICE_FD: the named device, opened (-ENODEV, -EINVAL...). */
int vfio_group_get_device(struct vfio_group *g, unsigned long arg, struct vfio_device **out);

/* The device fd. */
void vfio_device_release(struct vfio_device *vdev);
long vfio_device_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg);
ssize_t vfio_device_read(struct vfio_device *vdev, void *buf, size_t count, u64 off);
ssize_t vfio_device_write(struct vfio_device *vdev, const void *buf, size_t count, u64 off);
const char *vfio_device_name(const struct vfio_device *vdev);

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
extern struct vfio_type1_params vfio_type1_params;

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

/* Tears down every VFIO object (kernel shutdown). */
void vfio_exit(void);

#endif
