/*
 * VFIO core: device registration, the groups behind /dev/vfio/N, the
 * containers behind /dev/vfio/vfio, and the files of all three (Linux's
 * drivers/vfio/{vfio_main,group,container}.c are the behavioural
 * reference). Errno values are Linux's; see docs/uapi.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/base/base.h"
#include "kernel/base/device.h"
#include "kernel/base/fs.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/base/uaccess.h"
#include "kernel/kernel_state.h"
#include "vfio.h"

/* Linux's VFIO_MINOR, the misc minor of /dev/vfio/vfio. */
#define VFIO_MINOR 196

struct vfio_group {
	struct list_head next;             /* kstate->vfio.groups */
	struct iommu_group *iommu_group;   /* NULL once torn down */
	int id;
	struct list_head devices;
	unsigned int drivers;              /* registered devices */
	struct file *opened_file;          /* the open group fd's file, or NULL */
	struct cdev cdev;                  /* /dev/vfio/<id> while drivers > 0 */
	struct vfio_container *container;
	struct list_head container_next;
	unsigned int container_users;      /* 1 + open devices while attached */
};

struct vfio_container {
	unsigned int refs;                 /* the fd + each attached group */
	struct list_head groups;
	const struct vfio_iommu_driver_ops *driver;
	void *iommu_data;
	u32 id;
};

/* A device fd's file: the device, and the group file it holds open. */
struct vfio_device_file {
	struct vfio_device *vdev;
	struct file *group_file;
};

void vfio_state_init(struct vfio_state *vs)
{
	INIT_LIST_HEAD(&vs->groups);
	vs->next_container_id = 1;
}

/* ---- groups ------------------------------------------------------------ */

static void group_detach_container(struct vfio_group *g);
static const struct file_operations vfio_group_fops;

static void vfio_device_put(struct vfio_device *vdev)
{
	if (--vdev->refs == 0 && vdev->ops->release)
		vdev->ops->release(vdev);
}

static void group_maybe_free(struct vfio_group *g)
{
	if (g->drivers || g->opened_file)
		return;
	list_del(&g->next);
	iommu_group_put(g->iommu_group);
	kfree(g);
}

/*
 * /dev/vfio/<id>: a character device and its node, from the group's first
 * registered device to its last (Linux's cdev_device_add in
 * vfio_group_alloc, cdev_device_del in vfio_device_remove_group).
 */
static int group_add_node(struct vfio_group *g)
{
	u32 dev = MKDEV(MAJOR(kstate->vfio.group_devt), (u32)g->id);
	char name[32];
	int ret;

	if ((u32)g->id > MINORMASK)
		return -ENOSPC;
	cdev_init(&g->cdev, &vfio_group_fops);
	g->cdev.owner = kstate->vfio.misc.owner;	/* vfio's THIS_MODULE */
	ret = cdev_add(&g->cdev, dev, 1);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "vfio/%d", g->id);
	ret = devtmpfs_create_node(name, S_IFCHR | 0600, dev);
	if (ret)
		cdev_del(&g->cdev);
	return ret;
}

static void group_del_node(struct vfio_group *g)
{
	char name[32];

	snprintf(name, sizeof(name), "vfio/%d", g->id);
	devtmpfs_delete_node(name);
	cdev_del(&g->cdev);
}

static struct vfio_group *group_get_or_alloc(struct iommu_group *ig)
{
	struct vfio_group *g;

	list_for_each_entry(g, &kstate->vfio.groups, next) {
		if (g->iommu_group == ig) {
			iommu_group_put(ig);
			return g;
		}
	}
	g = kzalloc(sizeof(*g));
	if (!g) {
		iommu_group_put(ig);
		return NULL;
	}
	g->iommu_group = ig;
	g->id = iommu_group_id(ig);
	INIT_LIST_HEAD(&g->devices);
	INIT_LIST_HEAD(&g->container_next);
	INIT_LIST_HEAD(&g->cdev.list);
	list_add_tail(&g->next, &kstate->vfio.groups);
	return g;
}

int vfio_register_group_dev(struct vfio_device *vdev)
{
	struct iommu_group *ig;
	struct vfio_group *g;

	if (!kstate->vfio.ready)
		return -ENODEV;
	ig = iommu_group_get(vdev->dev);
	if (!ig)
		return -EINVAL;
	g = group_get_or_alloc(ig);
	if (!g)
		return -ENOMEM;
	if (!g->drivers) {
		int ret = group_add_node(g);
		if (ret) {
			group_maybe_free(g);
			return ret;
		}
	}
	vdev->group = g;
	vdev->index = kstate->vfio.next_device_index++;
	vdev->open_count = 0;
	vdev->unregistered = false;
	vdev->refs = 1;
	list_add_tail(&vdev->group_next, &g->devices);
	g->drivers++;
	return 0;
}

static void vfio_device_last_close(struct vfio_device *vdev)
{
	if (vdev->ops->close_device)
		vdev->ops->close_device(vdev);
	module_put(vdev->driver_module);
	vdev->driver_module = NULL;
}

void vfio_unregister_group_dev(struct vfio_device *vdev)
{
	struct vfio_group *g = vdev->group;
	if (vdev->open_count) {
		if (vdev->ops->request)
			vdev->ops->request(vdev, 0);
		dev_warn(vdev->dev, "Device is currently in use, cut off from user space "
			 "(Linux would block the unbind until the fd is closed)\n");
		vfio_device_last_close(vdev);
		vdev->open_count = 0;
		if (g->container)
			g->container_users--;
	}
	vdev->unregistered = true;
	list_del_init(&vdev->group_next);
	/* The group's last VFIO device going: its node, container and ownership go too. */
	if (--g->drivers == 0) {
		group_del_node(g);
		if (g->container)
			group_detach_container(g);
	}
	group_maybe_free(g);
	vdev->group = NULL;
	vfio_device_put(vdev);
}

/* ---- containers ------------------------------------------------------- */

static const struct file_operations vfio_fops;


static void container_put(struct vfio_container *c)
{
	if (--c->refs)
		return;
	if (c->driver)
		c->driver->release(c->iommu_data);
	kfree(c);
}

static void group_detach_container(struct vfio_group *g)
{
	struct vfio_container *c = g->container;
	if (c->driver)
		c->driver->detach_group(c->iommu_data, g->iommu_group);
	iommu_group_release_dma_owner(g->iommu_group);
	g->container = NULL;
	g->container_users = 0;
	list_del_init(&g->container_next);
	/* The last group leaving deprivileges the container: the backend goes. */
	if (c->driver && list_empty(&c->groups)) {
		c->driver->release(c->iommu_data);
		c->driver = NULL;
		c->iommu_data = NULL;
	}
	container_put(c);
}

static long container_set_iommu(struct vfio_container *c, unsigned long type)
{
	const struct vfio_iommu_driver_ops *drv = &vfio_iommu_type1_ops;
	if (list_empty(&c->groups) || c->driver)
		return -EINVAL;
	if (drv->check_extension(NULL, type) <= 0)
		return -ENODEV;
	void *data;
	int ret = drv->open(type, c->id, &data);
	if (ret)
		return ret;
	struct vfio_group *g;
	list_for_each_entry(g, &c->groups, container_next) {
		ret = drv->attach_group(data, g->iommu_group);
		if (ret) {
			struct vfio_group *u;
			list_for_each_entry(u, &c->groups, container_next) {
				if (u == g)
					break;
				drv->detach_group(data, u->iommu_group);
			}
			drv->release(data);
			return ret;
		}
	}
	c->driver = drv;
	c->iommu_data = data;
	return 0;
}

static long vfio_container_ioctl(struct vfio_container *c, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		if (c->driver)
			return c->driver->check_extension(c->iommu_data, arg);
		return vfio_iommu_type1_ops.check_extension(NULL, arg);
	case VFIO_SET_IOMMU:
		return container_set_iommu(c, arg);
	default:
		if (c->driver)
			return c->driver->ioctl(c->iommu_data, cmd, arg);
		return -EINVAL;
	}
}

/* /dev/vfio/vfio: each open is a new container (Linux's vfio_fops_open). */
static int vfio_fops_open(struct inode *inode, struct file *file)
{
	struct vfio_container *c = kzalloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->refs = 1;
	INIT_LIST_HEAD(&c->groups);
	c->id = kstate->vfio.next_container_id++;
	file->private_data = c;
	return 0;
}

/* The fd closed (the container lives on while groups hold it). */
static int vfio_fops_release(struct inode *inode, struct file *file)
{
	container_put(file->private_data);
	return 0;
}

static long vfio_fops_unl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return vfio_container_ioctl(file->private_data, cmd, arg);
}

/* No read, write or llseek: -EINVAL, -EINVAL, -ESPIPE, as Linux's. */
static const struct file_operations vfio_fops = {
	.open = vfio_fops_open,
	.release = vfio_fops_release,
	.unlocked_ioctl = vfio_fops_unl_ioctl,
};

/* The container behind @file, or NULL for any other file (vfio_container_from_file). */
static struct vfio_container *vfio_container_from_file(struct file *file)
{
	return file && file->f_op == &vfio_fops ? file->private_data : NULL;
}

/* ---- group fd ------------------------------------------------------------ */

bool vfio_file_is_group(struct file *file)
{
	return file && file->f_op == &vfio_group_fops;
}

bool vfio_file_has_dev(struct file *file, struct vfio_device *vdev)
{
	return vfio_file_is_group(file) && vdev->group && file->private_data == vdev->group;
}

/* One opener at a time (-EBUSY), as Linux's vfio_group_fops_open. */
static int vfio_group_fops_open(struct inode *inode, struct file *file)
{
	struct vfio_group *g = container_of(inode->i_cdev, struct vfio_group, cdev);

	if (g->opened_file)
		return -EBUSY;
	if (!g->drivers)
		return -ENODEV;
	g->opened_file = file;
	file->private_data = g;
	return 0;
}

/* Device files hold the group's file: this runs once they are all closed. */
static int vfio_group_fops_release(struct inode *inode, struct file *file)
{
	struct vfio_group *g = file->private_data;

	if (g->container)
		group_detach_container(g);
	g->opened_file = NULL;
	group_maybe_free(g);
	return 0;
}

static int vfio_group_set_container(struct vfio_group *g, struct vfio_container *c)
{
	if (g->container)
		return -EINVAL;
	if (!g->drivers)
		return -ENODEV;
	/* The descriptor is no container: checked after the two above, as Linux. */
	if (!c)
		return -EBADFD;
	int ret = iommu_group_claim_dma_owner(g->iommu_group, g);
	if (ret)
		return ret;
	if (c->driver) {
		ret = c->driver->attach_group(c->iommu_data, g->iommu_group);
		if (ret) {
			iommu_group_release_dma_owner(g->iommu_group);
			return ret;
		}
	}
	g->container = c;
	g->container_users = 1;
	list_add_tail(&g->container_next, &c->groups);
	c->refs++;
	return 0;
}

/* The descriptor's file: -EBADF for none, then the container checks. */
static long vfio_group_ioctl_set_container(struct vfio_group *g, unsigned long arg)
{
	struct file *f;
	int fd, ret;

	if (copy_from_user(&fd, (void *)arg, sizeof(fd)))
		return -EFAULT;
	ret = fdget(fd, &f);
	if (ret)
		return ret;
	ret = vfio_group_set_container(g, vfio_container_from_file(f));
	if (f)
		fput(f);
	return ret;
}

static long vfio_group_ioctl_get_status(struct vfio_group *g, unsigned long arg)
{
	struct vfio_group_status st;
	size_t minsz = offsetofend(struct vfio_group_status, flags);

	if (copy_from_user(&st, (void *)arg, minsz))
		return -EFAULT;
	if (st.argsz < minsz)
		return -EINVAL;
	st.flags = 0;
	if (!g->drivers)
		return -ENODEV;
	if (g->container)
		st.flags |= VFIO_GROUP_FLAGS_CONTAINER_SET | VFIO_GROUP_FLAGS_VIABLE;
	else if (!iommu_group_dma_owner_claimed(g->iommu_group))
		st.flags |= VFIO_GROUP_FLAGS_VIABLE;
	return copy_to_user((void *)arg, &st, minsz) ? -EFAULT : 0;
}

/* The device by name, opened: the first open pins its driver's module and resets it. */
static int vfio_group_find_open(struct vfio_group *g, const char *name, struct vfio_device **out)
{
	struct vfio_device *vdev, *found = NULL;
	list_for_each_entry(vdev, &g->devices, group_next)
		if (!strcmp(dev_name(vdev->dev), name))
			found = vdev;
	if (!found)
		return -ENODEV;
	if (!g->container || !g->container->driver)
		return -EINVAL;
	if (found->open_count == 0) {
		struct module *mod = found->dev->driver ? driver_owner(found->dev->driver) : NULL;
		if (!try_module_get(mod))
			return -ENODEV;
		if (found->ops->open_device) {
			int ret = found->ops->open_device(found);
			if (ret) {
				module_put(mod);
				return ret;
			}
		}
		found->driver_module = mod;
		g->container_users++;
	}
	found->open_count++;
	found->refs++;
	*out = found;
	return 0;
}

static void vfio_device_close(struct vfio_device *vdev)
{
	if (!vdev->unregistered && vdev->open_count && --vdev->open_count == 0) {
		vfio_device_last_close(vdev);
		if (vdev->group->container)
			vdev->group->container_users--;
	}
	vfio_device_put(vdev);
}

static const struct file_operations vfio_device_fops;

/*
 * VFIO_GROUP_GET_DEVICE_FD (Linux's vfio_group_ioctl_get_device_fd): the
 * named device opened, on a new anonymous file and descriptor (O_CLOEXEC)
 * that holds the group's file.
 */
static long vfio_group_ioctl_get_device_fd(struct vfio_group *g, struct file *group_file,
					   unsigned long arg)
{
	struct vfio_device_file *df = NULL;
	struct vfio_device *vdev = NULL;
	struct file *filep;
	char *name;
	long len;
	int fd, ret;

	name = kmalloc(PAGE_SIZE);
	if (!name)
		return -ENOMEM;
	len = strncpy_from_user_lab(name, (const char *)arg, PAGE_SIZE);
	ret = len < 0 ? (int)len : vfio_group_find_open(g, name, &vdev);
	kfree(name);
	if (ret)
		return ret;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_close;
	}
	df = kzalloc(sizeof(*df));
	ret = df ? anon_inode_getfile("[vfio-device]", &vfio_device_fops, df, O_RDWR, &filep)
		 : -ENOMEM;
	if (ret)
		goto err_fd;
	df->vdev = vdev;
	df->group_file = get_file(group_file);
	fd_install(fd, filep);
	return fd;
err_fd:
	kfree(df);
	put_unused_fd(fd);
err_close:
	vfio_device_close(vdev);
	return ret;
}

static long vfio_group_fops_unl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vfio_group *g = file->private_data;

	switch (cmd) {
	case VFIO_GROUP_GET_STATUS:
		return vfio_group_ioctl_get_status(g, arg);
	case VFIO_GROUP_SET_CONTAINER:
		return vfio_group_ioctl_set_container(g, arg);
	case VFIO_GROUP_UNSET_CONTAINER:
		if (!g->container)
			return -EINVAL;
		if (g->container_users != 1)
			return -EBUSY;
		group_detach_container(g);
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		return vfio_group_ioctl_get_device_fd(g, file, arg);
	default:
		return -ENOTTY;
	}
}

/* No read, write or llseek, as Linux's vfio_group_fops. */
static const struct file_operations vfio_group_fops = {
	.open = vfio_group_fops_open,
	.release = vfio_group_fops_release,
	.unlocked_ioctl = vfio_group_fops_unl_ioctl,
};

/* ---- device fd --------------------------------------------------------- */

int vfio_check_feature(u32 flags, size_t argsz, u32 supported_ops, size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) & ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	/* Without PROBE, one of GET or SET. */
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (argsz < minsz)
		return -EINVAL;
	return 1;
}

/*
 * VFIO_DEVICE_FEATURE belongs to the core, as in Linux: it checks the header
 * itself. No lab device has migration or dirty logging (-ENOTTY, as Linux
 * 6.12.y for a device without them); the rest is the driver's
 * device_feature op, -ENOTTY without one.
 */
static long vfio_ioctl_device_feature(struct vfio_device *vdev, unsigned long arg)
{
	const u32 known = VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET |
			  VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE;
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature f;

	if (copy_from_user(&f, (void *)arg, minsz))
		return -EFAULT;
	if (f.argsz < minsz || (f.flags & ~known))
		return -EINVAL;
	/* Getting and setting at once only makes sense as a probe. */
	if (!(f.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (f.flags & VFIO_DEVICE_FEATURE_GET) && (f.flags & VFIO_DEVICE_FEATURE_SET))
		return -EINVAL;
	switch (f.flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
		return -ENOTTY;
	default:
		if (!vdev->ops->device_feature)
			return -ENOTTY;
		return vdev->ops->device_feature(vdev, f.flags, (u8 *)arg + minsz, f.argsz - minsz);
	}
}

static long vfio_device_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (cmd == VFIO_DEVICE_FEATURE)
		return vfio_ioctl_device_feature(vdev, arg);
	if (!vdev->ops->ioctl)
		return -EINVAL;
	return vdev->ops->ioctl(vdev, cmd, arg);
}

static ssize_t vfio_device_read(struct vfio_device *vdev, void *buf, size_t count, u64 off)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (!vdev->ops->read)
		return -EINVAL;
	return vdev->ops->read(vdev, buf, count, off);
}

static ssize_t vfio_device_write(struct vfio_device *vdev, const void *buf, size_t count, u64 off)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (!vdev->ops->write)
		return -EINVAL;
	return vdev->ops->write(vdev, buf, count, off);
}

static int vfio_device_fops_release(struct inode *inode, struct file *file)
{
	struct vfio_device_file *df = file->private_data;

	vfio_device_close(df->vdev);
	fput(df->group_file);
	kfree(df);
	return 0;
}

static long vfio_device_fops_unl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vfio_device_file *df = file->private_data;

	return vfio_device_ioctl(df->vdev, cmd, arg);
}

/* Region accesses at the file position (index << 40 + offset), which they advance. */
static ssize_t vfio_device_fops_read(struct file *file, char *buf, size_t count, loff_t *ppos)
{
	struct vfio_device_file *df = file->private_data;
	ssize_t ret = vfio_device_read(df->vdev, buf, count, (u64)*ppos);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t vfio_device_fops_write(struct file *file, const char *buf, size_t count,
				      loff_t *ppos)
{
	struct vfio_device_file *df = file->private_data;
	ssize_t ret = vfio_device_write(df->vdev, buf, count, (u64)*ppos);

	if (ret > 0)
		*ppos += ret;
	return ret;
}

/*
 * mmap of a region: the bus driver's (Linux's vfio_device_fops_mmap). The
 * mapping is trap and emulate (kernel/base/mm.h): each access the program
 * makes through it reaches the driver's vm_ops->access.
 */
static int vfio_device_fops_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vfio_device_file *df = file->private_data;
	struct vfio_device *vdev = df->vdev;

	if (vdev->unregistered)
		return -ENODEV;
	if (!vdev->ops->mmap)
		return -EINVAL;
	return vdev->ops->mmap(vdev, vma);
}

static const struct file_operations vfio_device_fops = {
	.release = vfio_device_fops_release,
	.read = vfio_device_fops_read,
	.write = vfio_device_fops_write,
	.llseek = default_llseek,
	.unlocked_ioctl = vfio_device_fops_unl_ioctl,
	.mmap = vfio_device_fops_mmap,
};

/* ---- the module ------------------------------------------------------------ */

/*
 * vfio_init: the groups' character region and /dev/vfio/vfio, and the
 * numbering starts over, as a fresh load's static data does.
 */
int vfio_init(void)
{
	struct vfio_state *vs = &kstate->vfio;
	int ret;

	vfio_state_init(vs);
	vs->next_device_index = 0;
	ret = alloc_chrdev_region(&vs->group_devt, 0, MINORMASK + 1, "vfio");
	if (ret)
		return ret;
	vs->misc = (struct miscdevice){
		.minor = VFIO_MINOR,
		.name = "vfio",
		.fops = &vfio_fops,
		.nodename = "vfio/vfio",
		.mode = 0666,
	};
	ret = misc_register(&vs->misc);
	if (ret) {
		unregister_chrdev_region(vs->group_devt, MINORMASK + 1);
		return ret;
	}
	vs->ready = true;
	return 0;
}

/*
 * vfio_cleanup: runs at rmmod (refused while a VFIO file is open or a
 * VFIO bus driver is loaded: both hold the module) and at shutdown, after
 * the bus drivers' exits and the uapi's closing of every descriptor.
 */
void vfio_exit(void)
{
	struct vfio_state *vs = &kstate->vfio;

	if (!vs->ready)
		return;
	misc_deregister(&vs->misc);
	unregister_chrdev_region(vs->group_devt, MINORMASK + 1);
	vs->ready = false;
}
