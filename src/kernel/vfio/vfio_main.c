/*
 * VFIO core: device registration, the groups behind /dev/vfio/N, the
 * containers behind /dev/vfio/vfio, and the device fd's calls (Linux's
 * drivers/vfio/{vfio_main,group,container}.c are the behavioural
 * reference). Errno values are Linux's; see docs/uapi.md.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "vfio.h"
#include "kernel/base/uaccess.h"

struct vfio_group {
	struct list_head next;             /* vfio_groups */
	struct iommu_group *iommu_group;   /* NULL once torn down */
	int id;
	struct list_head devices;
	unsigned int drivers;              /* registered devices */
	bool opened;
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

static LIST_HEAD(vfio_groups);
static u32 next_container_id = 1;
static int next_device_index;

/* ---- groups ------------------------------------------------------------ */

static void group_detach_container(struct vfio_group *g);

static void vfio_device_put(struct vfio_device *vdev)
{
	if (--vdev->refs == 0 && vdev->ops->release)
		vdev->ops->release(vdev);
}

static struct vfio_group *group_find(int id)
{
	struct vfio_group *g;
	list_for_each_entry(g, &vfio_groups, next)
		if (g->id == id && g->drivers)
			return g;
	return NULL;
}

static void group_maybe_free(struct vfio_group *g)
{
	if (g->drivers || g->opened)
		return;
	list_del(&g->next);
	iommu_group_put(g->iommu_group);
	kfree(g);
}

bool vfio_group_exists(int id)
{
	return group_find(id) != NULL;
}

size_t vfio_group_ids(int *ids, size_t max)
{
	size_t n = 0;
	struct vfio_group *g;
	/* Ascending order: insertion sort into the caller's array. */
	list_for_each_entry(g, &vfio_groups, next) {
		if (!g->drivers)
			continue;
		if (n < max) {
			size_t i = n;
			while (i && ids[i - 1] > g->id) {
				ids[i] = ids[i - 1];
				i--;
			}
			ids[i] = g->id;
		}
		n++;
	}
	return n;
}

int vfio_group_id(const struct vfio_group *g)
{
	return g->id;
}

int vfio_register_group_dev(struct vfio_device *vdev)
{
	struct iommu_group *ig = iommu_group_get(vdev->dev);
	if (!ig)
		return -EINVAL;
	int id = iommu_group_id(ig);
	struct vfio_group *g, *found = NULL;
	list_for_each_entry(g, &vfio_groups, next)
		if (g->iommu_group == ig)
			found = g;
	if (!found) {
		found = kzalloc(sizeof(*found));
		if (!found) {
			iommu_group_put(ig);
			return -ENOMEM;
		}
		found->iommu_group = ig;
		found->id = id;
		INIT_LIST_HEAD(&found->devices);
		INIT_LIST_HEAD(&found->container_next);
		list_add_tail(&found->next, &vfio_groups);
	} else {
		iommu_group_put(ig);
	}
	vdev->group = found;
	vdev->index = next_device_index++;
	vdev->open_count = 0;
	vdev->unregistered = false;
	vdev->refs = 1;
	list_add_tail(&vdev->group_next, &found->devices);
	found->drivers++;
	return 0;
}

void vfio_unregister_group_dev(struct vfio_device *vdev)
{
	struct vfio_group *g = vdev->group;
	if (vdev->open_count) {
		if (vdev->ops->request)
			vdev->ops->request(vdev, 0);
		dev_warn(vdev->dev, "Device is currently in use, cut off from user space "
			 "(Linux would block the unbind until the fd is closed)\n");
		if (vdev->ops->close_device)
			vdev->ops->close_device(vdev);
		vdev->open_count = 0;
		if (g->container)
			g->container_users--;
	}
	vdev->unregistered = true;
	list_del_init(&vdev->group_next);
	/* The group's last VFIO device going: its container and ownership go too. */
	if (--g->drivers == 0 && g->container)
		group_detach_container(g);
	group_maybe_free(g);
	vdev->group = NULL;
	vfio_device_put(vdev);
}

/* ---- containers ------------------------------------------------------- */

struct vfio_container *vfio_container_open(void)
{
	struct vfio_container *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	INIT_LIST_HEAD(&c->groups);
	c->id = next_container_id++;
	return c;
}

static void container_put(struct vfio_container *c)
{
	if (--c->refs)
		return;
	if (c->driver)
		c->driver->release(c->iommu_data);
	kfree(c);
}

void vfio_container_release(struct vfio_container *c)
{
	container_put(c);
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

long vfio_container_ioctl(struct vfio_container *c, unsigned int cmd, unsigned long arg)
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

/* ---- group fd ------------------------------------------------------------ */

int vfio_group_open(int id, struct vfio_group **out)
{
	struct vfio_group *g = group_find(id);
	if (!g)
		return -ENOENT;
	if (g->opened)
		return -EBUSY;
	g->opened = true;
	*out = g;
	return 0;
}

void vfio_group_release(struct vfio_group *g)
{
	if (g->container)
		group_detach_container(g);
	g->opened = false;
	group_maybe_free(g);
}

int vfio_group_set_container(struct vfio_group *g, struct vfio_container *c)
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

long vfio_group_ioctl(struct vfio_group *g, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case VFIO_GROUP_GET_STATUS: {
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
	case VFIO_GROUP_UNSET_CONTAINER:
		if (!g->container)
			return -EINVAL;
		if (g->container_users != 1)
			return -EBUSY;
		group_detach_container(g);
		return 0;
	default:
		return -ENOTTY;
	}
}

static int vfio_group_find_open(struct vfio_group *g, const char *name, struct vfio_device **out);

int vfio_group_get_device(struct vfio_group *g, unsigned long arg, struct vfio_device **out)
{
	char *name = kmalloc(PAGE_SIZE);
	if (!name)
		return -ENOMEM;
	long len = strncpy_from_user_lab(name, (const char *)arg, PAGE_SIZE);
	if (len < 0) {
		kfree(name);
		return (int)len;
	}
	int ret = vfio_group_find_open(g, name, out);
	kfree(name);
	return ret;
}

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
		if (found->ops->open_device) {
			int ret = found->ops->open_device(found);
			if (ret)
				return ret;
		}
		g->container_users++;
	}
	found->open_count++;
	found->refs++;
	*out = found;
	return 0;
}

/* ---- device fd --------------------------------------------------------- */

const char *vfio_device_name(const struct vfio_device *vdev)
{
	return vdev->unregistered ? "" : dev_name(vdev->dev);
}

void vfio_device_release(struct vfio_device *vdev)
{
	if (!vdev->unregistered && vdev->open_count && --vdev->open_count == 0) {
		if (vdev->ops->close_device)
			vdev->ops->close_device(vdev);
		if (vdev->group->container)
			vdev->group->container_users--;
	}
	vfio_device_put(vdev);
}

/*
 * VFIO_DEVICE_FEATURE belongs to the core, as in Linux: it checks the header
 * itself. No lab device has migration, dirty logging or a feature of its
 * own, so every well-formed request ends in -ENOTTY (Linux 6.12.y answers
 * -ENOTTY for those, and for a driver without a device_feature op).
 */
static long vfio_ioctl_device_feature(unsigned long arg)
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
	return -ENOTTY;
}

long vfio_device_ioctl(struct vfio_device *vdev, unsigned int cmd, unsigned long arg)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (cmd == VFIO_DEVICE_FEATURE)
		return vfio_ioctl_device_feature(arg);
	if (!vdev->ops->ioctl)
		return -EINVAL;
	return vdev->ops->ioctl(vdev, cmd, arg);
}

ssize_t vfio_device_read(struct vfio_device *vdev, void *buf, size_t count, u64 off)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (!vdev->ops->read)
		return -EINVAL;
	return vdev->ops->read(vdev, buf, count, off);
}

ssize_t vfio_device_write(struct vfio_device *vdev, const void *buf, size_t count, u64 off)
{
	if (vdev->unregistered)
		return -ENODEV;
	if (!vdev->ops->write)
		return -EINVAL;
	return vdev->ops->write(vdev, buf, count, off);
}

void vfio_exit(void)
{
	/* Files still open at shutdown are the uapi's to release first. */
	next_container_id = 1;
	next_device_index = 0;
}
