/*
 * The user-space surface: real file descriptors for the lab's /dev/vfio
 * nodes and /sys files, and the dispatch of open/ioctl/read/write/stat on
 * them (include/iommulab/fd.h). Each lab descriptor is a real one the lab
 * opened (on /dev/null), so the number is the kernel's own and cannot
 * collide with the program's other files; a table maps it to a refcounted
 * lab file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <sys/sysmacros.h>
#include <linux/vfio.h>

#include "iommulab/fd.h"
#include "fdtable.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel.h"
#include "kernel/vfio/vfio.h"
#include "kernel/vfio/vfio_platform.h"
#include "hw/machine.h"
#include "kernel/vfio/uaccess.h"

/* Character device numbers the lab reports (misc vfio is 10:196 in Linux). */
#define VFIO_MISC_MAJOR 10
#define VFIO_MISC_MINOR 196
#define VFIO_GROUP_MAJOR 243

enum lab_file_type { LF_CONTAINER, LF_GROUP, LF_DEVICE, LF_SYSFS, LF_DIR };

struct lab_file {
	enum lab_file_type type;
	unsigned refs;            /* descriptors sharing it */
	int flags;                /* open flags */
	off_t pos;
	union {
		struct vfio_container *container;
		struct vfio_group *group;
		struct {
			struct vfio_device *vdev;
			struct lab_file *group_file;   /* held: the group stays open */
		} dev;
		struct {
			char *path;
			char *buf;        /* the snapshot of the last read at offset 0 */
			size_t len;
		} sys;
	};
};

/* ---- the lock and the table -------------------------------------------- */

static pthread_mutex_t lab_mutex;
static pthread_once_t lab_mutex_once = PTHREAD_ONCE_INIT;

static void lab_mutex_create(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lab_mutex, &a);
	pthread_mutexattr_destroy(&a);
}

static void lab_mutex_init(void)
{
	lab_mutex_create();
	/*
	 * fork(): taken around it, so the child's copy of the lab is consistent;
	 * the child gets a fresh lock (its thread is not the one that held it).
	 */
	pthread_atfork(lab_lock, lab_unlock, lab_mutex_create);
}

void lab_lock(void)
{
	pthread_once(&lab_mutex_once, lab_mutex_init);
	pthread_mutex_lock(&lab_mutex);
}

void lab_unlock(void)
{
	pthread_mutex_unlock(&lab_mutex);
}

#define CHUNK 1024
#define NCHUNKS 1024   /* descriptors up to 1M */

/* Read without the lock (the shim asks "is this fd ours?" on every call). */
typedef _Atomic(struct lab_file *) fd_slot;
static _Atomic(fd_slot *) fdtab[NCHUNKS];

static struct lab_file *fd_get(int fd)
{
	if (fd < 0 || fd >= CHUNK * NCHUNKS)
		return NULL;
	fd_slot *c = atomic_load(&fdtab[fd / CHUNK]);
	return c ? atomic_load(&c[fd % CHUNK]) : NULL;
}

/* Under the lab lock. Chunks stay until exit: lock-free readers may hold them. */
static int fd_store(int fd, struct lab_file *f)
{
	if (fd < 0 || fd >= CHUNK * NCHUNKS)
		return -EMFILE;
	fd_slot *c = atomic_load(&fdtab[fd / CHUNK]);
	if (!c) {
		c = calloc(CHUNK, sizeof(*c));
		if (!c)
			return -ENOMEM;
		atomic_store(&fdtab[fd / CHUNK], c);
	}
	atomic_store(&c[fd % CHUNK], f);
	return 0;
}

bool lab_fd_is_lab(int fd)
{
	return fd_get(fd) != NULL;
}

static int ret_err(int e)
{
	errno = e;
	return -1;
}

/* ---- files ------------------------------------------------------------- */

static void file_put(struct lab_file *f)
{
	if (--f->refs)
		return;
	switch (f->type) {
	case LF_CONTAINER:
		vfio_container_release(f->container);
		break;
	case LF_GROUP:
		vfio_group_release(f->group);
		break;
	case LF_DEVICE:
		vfio_device_release(f->dev.vdev);
		file_put(f->dev.group_file);
		break;
	case LF_SYSFS:
	case LF_DIR:
		free(f->sys.path);
		free(f->sys.buf);
		break;
	}
	free(f);
}

/* A new real descriptor for @f (which it then holds). */
static int install(struct lab_file *f, int oflags)
{
	/*
	 * /dev/null, opened with a raw system call (never through the shim): a
	 * real descriptor that polls as Linux's VFIO files do (they have no
	 * poll method: always readable and writable) and is no eventfd, so
	 * SET_IRQS tells it from one as Linux does.
	 */
	long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null",
			  O_RDWR | ((oflags & O_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0)
		return -errno;
	int ret = fd_store((int)fd, f);
	if (ret) {
		syscall(SYS_close, fd);
		return ret;
	}
	return (int)fd;
}

/* ---- paths ------------------------------------------------------------- */

static bool has_prefix(const char *p, const char *pre)
{
	size_t n = strlen(pre);
	return !strncmp(p, pre, n) && (p[n] == '/' || p[n] == 0);
}

bool lab_path_is_lab(const char *path)
{
	if (!path)
		return false;
	if (has_prefix(path, "/dev/vfio"))
		return true;
	if (!has_prefix(path, "/sys"))
		return false;
	return !has_prefix(path, "/sys/devices/system") && !has_prefix(path, "/sys/fs") &&
	       !has_prefix(path, "/sys/kernel/mm");
}

/* /dev/vfio/<N>: the group id, or -1. */
static int devvfio_group(const char *path)
{
	const char *p = path + strlen("/dev/vfio/");
	if (strncmp(path, "/dev/vfio/", 10) || !*p)
		return -1;
	char *end;
	long id = strtol(p, &end, 10);
	if (*end || id < 0 || id > 1 << 20 || (p[0] == '0' && p[1]))
		return -1;
	return (int)id;
}

static bool is_devvfio_dir(const char *path)
{
	return !strcmp(path, "/dev/vfio") || !strcmp(path, "/dev/vfio/");
}

/* ---- open / close ---------------------------------------------------------- */

static int do_open(const char *path, int flags)
{
	struct lab_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->refs = 1;
	f->flags = flags;
	int ret = 0;

	if (!strcmp(path, "/dev/vfio/vfio")) {
		f->type = LF_CONTAINER;
		f->container = vfio_container_open();
		if (!f->container)
			ret = -ENOMEM;
	} else if (is_devvfio_dir(path)) {
		f->type = LF_DIR;
		f->sys.path = strdup("/dev/vfio");
		if ((flags & O_ACCMODE) != O_RDONLY)
			ret = -EISDIR;
	} else if (has_prefix(path, "/dev/vfio")) {
		int id = devvfio_group(path);
		f->type = LF_GROUP;
		ret = id < 0 ? -ENOENT : vfio_group_open(id, &f->group);
	} else {
		struct sysfs_stat st;
		ret = sysfs_stat(path, &st);
		if (!ret && st.type == SYSFS_DIR) {
			f->type = LF_DIR;
			if ((flags & O_ACCMODE) != O_RDONLY)
				ret = -EISDIR;
		} else if (!ret) {
			f->type = LF_SYSFS;
			if (flags & O_DIRECTORY)
				ret = -ENOTDIR;
			/* As Linux's kernfs: the mode decides who may open how. */
			else if ((flags & O_ACCMODE) != O_WRONLY && !(st.mode & 0444))
				ret = -EACCES;
			else if ((flags & O_ACCMODE) != O_RDONLY && !(st.mode & 0222))
				ret = -EACCES;
		}
		if (!ret) {
			f->sys.path = strdup(path);
			if (!f->sys.path)
				ret = -ENOMEM;
		}
	}
	if (!ret && f->type == LF_DIR && !f->sys.path)
		ret = -ENOMEM;
	if (ret) {
		if (f->type == LF_CONTAINER && f->container)
			vfio_container_release(f->container);
		free(f->sys.path);
		free(f);
		return ret;
	}
	ret = install(f, flags);
	if (ret < 0) {
		f->refs = 1;
		file_put(f);
	}
	return ret;
}

int lab_open(const char *path, int flags, mode_t mode)
{
	if (!path)
		return ret_err(EFAULT);
	if (!lab_path_is_lab(path))
		return ret_err(ENOENT);
	if (flags & O_CREAT && !has_prefix(path, "/dev/vfio")) {
		struct sysfs_stat st;
		lab_lock();
		int e = sysfs_stat(path, &st);
		lab_unlock();
		if (e)
			return ret_err(EACCES);
	}
	lab_lock();
	int ret = do_open(path, flags);
	lab_unlock();
	return ret < 0 ? ret_err(-ret) : ret;
}

int lab_close(int fd)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	fd_store(fd, NULL);
	syscall(SYS_close, fd);
	file_put(f);
	lab_unlock();
	return 0;
}

void lab_close_all(void)
{
	lab_lock();
	for (int c = 0; c < NCHUNKS; c++) {
		fd_slot *chunk = atomic_load(&fdtab[c]);
		if (!chunk)
			continue;
		for (int i = 0; i < CHUNK; i++) {
			struct lab_file *f = atomic_load(&chunk[i]);
			if (!f)
				continue;
			atomic_store(&chunk[i], NULL);
			syscall(SYS_close, c * CHUNK + i);
			file_put(f);
		}
	}
	lab_unlock();
}

/* dup3 onto @newfd, or (@newfd < 0) F_DUPFD from @minfd. */
static int dup_file(int fd, int newfd, int minfd, int flags)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	long n;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	if (newfd < 0)
		n = syscall(SYS_fcntl, fd, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, minfd);
	else
		n = syscall(SYS_dup3, fd, newfd, flags & O_CLOEXEC);
	if (n < 0) {
		int e = errno;
		lab_unlock();
		return ret_err(e);
	}
	struct lab_file *old = fd_get((int)n);
	f->refs++;
	fd_store((int)n, f);
	if (old)
		file_put(old);
	lab_unlock();
	return (int)n;
}

int lab_dup(int fd, int newfd, int flags)
{
	return dup_file(fd, newfd, 0, flags);
}

int lab_dup_from(int fd, int minfd, int flags)
{
	return dup_file(fd, -1, minfd, flags);
}

/*
 * A descriptor that reached this process some other way than through the
 * shim (SCM_RIGHTS): if it is the same open file as a lab descriptor (the
 * kernel's kcmp tells), it shares that descriptor's lab file, as a dup
 * does. Returns whether it did.
 */
bool lab_adopt(int fd)
{
	pid_t pid = getpid();
	bool adopted = false;
	lab_lock();
	if (fd_get(fd)) {
		lab_unlock();
		return true;
	}
	for (int c = 0; c < NCHUNKS && !adopted; c++) {
		fd_slot *chunk = atomic_load(&fdtab[c]);
		for (int i = 0; chunk && i < CHUNK; i++) {
			struct lab_file *f = atomic_load(&chunk[i]);
			if (f && syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd, c * CHUNK + i) == 0) {
				f->refs++;
				adopted = fd_store(fd, f) == 0;
				if (!adopted)
					f->refs--;
				break;
			}
		}
	}
	lab_unlock();
	return adopted;
}

/* ---- ioctl ----------------------------------------------------------------- */

static long group_ioctl(struct lab_file *f, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_SET_CONTAINER: {
		int cfd;
		if (copy_from_user(&cfd, arg, sizeof(cfd)))
			return -EFAULT;
		struct lab_file *c = fd_get(cfd);
		if (!c && (cfd < 0 || syscall(SYS_fcntl, cfd, F_GETFD) < 0))
			return -EBADF;
		return vfio_group_set_container(f->group,
						c && c->type == LF_CONTAINER ? c->container : NULL);
	}
	case VFIO_GROUP_GET_DEVICE_FD: {
		struct vfio_device *vdev;
		int ret = vfio_group_get_device(f->group, (unsigned long)arg, &vdev);
		if (ret)
			return ret;
		struct lab_file *d = calloc(1, sizeof(*d));
		if (!d) {
			vfio_device_release(vdev);
			return -ENOMEM;
		}
		d->type = LF_DEVICE;
		d->refs = 1;
		d->flags = O_RDWR;
		d->dev.vdev = vdev;
		d->dev.group_file = f;
		f->refs++;
		ret = install(d, O_CLOEXEC);
		if (ret < 0)
			file_put(d);
		return ret;
	}
	default:
		return vfio_group_ioctl(f->group, req, (unsigned long)arg);
	}
}

int lab_ioctl(int fd, unsigned long req, void *arg)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	long ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	switch (f->type) {
	case LF_CONTAINER:
		ret = vfio_container_ioctl(f->container, req, (unsigned long)arg);
		break;
	case LF_GROUP:
		ret = group_ioctl(f, req, arg);
		break;
	case LF_DEVICE:
		ret = vfio_device_ioctl(f->dev.vdev, req, (unsigned long)arg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	lab_unlock();
	return ret < 0 ? ret_err((int)-ret) : (int)ret;
}

/* ---- read / write ------------------------------------------------------------ */

static ssize_t sys_read(struct lab_file *f, void *buf, size_t count, off_t off)
{
	if (f->type == LF_DIR)
		return -EISDIR;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (off == 0 || !f->sys.buf) {
		char *page = malloc(PAGE_SIZE + 1);
		if (!page)
			return -ENOMEM;
		ssize_t n = sysfs_read(f->sys.path, page, PAGE_SIZE + 1);
		if (n < 0) {
			free(page);
			return n;
		}
		free(f->sys.buf);
		f->sys.buf = page;
		f->sys.len = (size_t)n;
	}
	if ((size_t)off >= f->sys.len)
		return 0;
	size_t n = MIN(count, f->sys.len - (size_t)off);
	if (copy_to_user(buf, f->sys.buf + off, n))
		return -EFAULT;
	return (ssize_t)n;
}

/*
 * One write(2) to an attribute: the store sees the whole buffer (at most a
 * page, as kernfs); a binary file (PCI config) takes it at @off.
 */
static ssize_t sys_write(struct lab_file *f, const void *ubuf, size_t count, off_t off)
{
	size_t n = MIN(count, (size_t)PAGE_SIZE);
	char *kbuf = malloc(n + 1);
	if (!kbuf)
		return -ENOMEM;
	if (copy_from_user(kbuf, ubuf, n)) {
		free(kbuf);
		return -EFAULT;
	}
	kbuf[n] = 0;
	ssize_t ret = sysfs_pwrite(f->sys.path, kbuf, n, (u64)off);
	free(kbuf);
	return ret;
}

static ssize_t file_rw(struct lab_file *f, void *buf, size_t count, off_t off, bool write)
{
	if (off < 0)
		return -EINVAL;
	switch (f->type) {
	case LF_DEVICE:
		return write ? vfio_device_write(f->dev.vdev, buf, count, (u64)off)
			     : vfio_device_read(f->dev.vdev, buf, count, (u64)off);
	case LF_SYSFS:
		if (!write)
			return sys_read(f, buf, count, off);
		if ((f->flags & O_ACCMODE) == O_RDONLY)
			return -EBADF;
		return sys_write(f, buf, count, off);
	case LF_DIR:
		return -EISDIR;
	default:
		return -EINVAL;
	}
}

static ssize_t rw(int fd, void *buf, size_t count, off_t off, bool write, bool use_pos)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	ssize_t ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	ret = file_rw(f, buf, count, use_pos ? f->pos : off, write);
	if (ret > 0 && use_pos && !(write && f->type == LF_SYSFS))
		f->pos += ret;
	lab_unlock();
	return ret < 0 ? ret_err((int)-ret) : ret;
}

ssize_t lab_read(int fd, void *buf, size_t count)
{
	return rw(fd, buf, count, 0, false, true);
}

ssize_t lab_write(int fd, const void *buf, size_t count)
{
	return rw(fd, (void *)buf, count, 0, true, true);
}

ssize_t lab_pread(int fd, void *buf, size_t count, off_t offset)
{
	return rw(fd, buf, count, offset, false, false);
}

ssize_t lab_pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	return rw(fd, (void *)buf, count, offset, true, false);
}

off_t lab_lseek(int fd, off_t offset, int whence)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	off_t ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	switch (whence) {
	case SEEK_SET: ret = offset; break;
	case SEEK_CUR: ret = f->pos + offset; break;
	default: ret = -1; break;
	}
	if (ret < 0 || f->type == LF_CONTAINER || f->type == LF_GROUP) {
		lab_unlock();
		return ret_err(f->type == LF_CONTAINER || f->type == LF_GROUP ? ESPIPE : EINVAL);
	}
	f->pos = ret;
	lab_unlock();
	return ret;
}

/* ---- stat / readlink / listing ------------------------------------------------- */

static void fill_stat(struct stat *st, mode_t mode, dev_t rdev, off_t size)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = mode;
	st->st_nlink = 1;
	st->st_rdev = rdev;
	st->st_size = size;
	st->st_blksize = 4096;
}

static int path_stat(const char *path, struct stat *st, bool follow)
{
	if (is_devvfio_dir(path)) {
		fill_stat(st, S_IFDIR | 0755, 0, 0);
		return 0;
	}
	if (!strcmp(path, "/dev/vfio/vfio")) {
		fill_stat(st, S_IFCHR | 0666, makedev(VFIO_MISC_MAJOR, VFIO_MISC_MINOR), 0);
		return 0;
	}
	if (has_prefix(path, "/dev/vfio")) {
		int id = devvfio_group(path);
		if (id < 0 || !vfio_group_exists(id))
			return -ENOENT;
		fill_stat(st, S_IFCHR | 0600, makedev(VFIO_GROUP_MAJOR, id), 0);
		return 0;
	}
	struct sysfs_stat ss;
	int ret = follow ? sysfs_stat(path, &ss) : sysfs_lstat(path, &ss);
	if (ret)
		return ret;
	switch (ss.type) {
	case SYSFS_DIR: fill_stat(st, S_IFDIR | (ss.mode ? ss.mode : 0755), 0, 0); break;
	case SYSFS_LINK: fill_stat(st, S_IFLNK | 0777, 0, 0); break;
	default: fill_stat(st, S_IFREG | ss.mode, 0, 4096); break;
	}
	return 0;
}

int lab_stat(const char *path, struct stat *st)
{
	if (!path || !st)
		return ret_err(EFAULT);
	lab_lock();
	int ret = path_stat(path, st, true);
	lab_unlock();
	return ret ? ret_err(-ret) : 0;
}

int lab_lstat(const char *path, struct stat *st)
{
	if (!path || !st)
		return ret_err(EFAULT);
	lab_lock();
	int ret = path_stat(path, st, false);
	lab_unlock();
	return ret ? ret_err(-ret) : 0;
}

int lab_fstat(int fd, struct stat *st)
{
	lab_lock();
	struct lab_file *f = fd_get(fd);
	int ret = 0;
	if (!f)
		ret = -EBADF;
	else if (f->type == LF_CONTAINER)
		fill_stat(st, S_IFCHR | 0666, makedev(VFIO_MISC_MAJOR, VFIO_MISC_MINOR), 0);
	else if (f->type == LF_GROUP)
		fill_stat(st, S_IFCHR | 0600, makedev(VFIO_GROUP_MAJOR, vfio_group_id(f->group)), 0);
	else if (f->type == LF_DEVICE)
		fill_stat(st, 0600, 0, 0);   /* an anonymous inode, as Linux's [vfio-device] */
	else
		ret = path_stat(f->sys.path, st, true);
	lab_unlock();
	return ret ? ret_err(-ret) : 0;
}

int lab_access(const char *path, int mode)
{
	struct stat st;
	if (lab_stat(path, &st))
		return -1;
	if ((mode & W_OK) && !(st.st_mode & 0222))
		return ret_err(EACCES);
	if ((mode & R_OK) && !(st.st_mode & 0444))
		return ret_err(EACCES);
	return 0;
}

ssize_t lab_readlink(const char *path, char *buf, size_t size)
{
	if (!path || !buf)
		return ret_err(EFAULT);
	if (has_prefix(path, "/dev/vfio"))
		return ret_err(path_stat(path, &(struct stat){ 0 }, false) ? ENOENT : EINVAL);
	lab_lock();
	char tmp[4096];
	ssize_t n = sysfs_readlink(path, tmp, sizeof(tmp));
	lab_unlock();
	if (n < 0)
		return ret_err((int)-n);
	/* readlink(2) truncates silently and does not terminate. */
	size_t len = strnlen(tmp, sizeof(tmp));
	size_t c = MIN(len, size);
	memcpy(buf, tmp, c);
	return (ssize_t)c;
}

char *lab_realpath(const char *path, char *buf)
{
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	char tmp[4096];
	int ret;
	lab_lock();
	if (has_prefix(path, "/dev/vfio")) {
		struct stat st;
		ret = path_stat(path, &st, true);
		if (!ret)
			snprintf(tmp, sizeof(tmp), "%s", is_devvfio_dir(path) ? "/dev/vfio" : path);
	} else {
		ret = sysfs_realpath(path, tmp, sizeof(tmp));
	}
	lab_unlock();
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (!buf)
		return strdup(tmp);
	snprintf(buf, 4096, "%s", tmp);
	return buf;
}

struct listdir_ctx {
	int (*fn)(void *opaque, const char *name, unsigned char d_type);
	void *opaque;
};

static int listdir_cb(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct listdir_ctx *c = opaque;
	unsigned char t = st->type == SYSFS_DIR ? DT_DIR : st->type == SYSFS_LINK ? DT_LNK : DT_REG;
	return c->fn(c->opaque, name, t);
}

int lab_listdir(const char *path, int (*fn)(void *opaque, const char *name, unsigned char d_type),
		void *opaque)
{
	int ret = 0;
	lab_lock();
	if (is_devvfio_dir(path)) {
		int ids[256];
		size_t n = vfio_group_ids(ids, 256);
		char name[16];
		ret = fn(opaque, ".", DT_DIR);
		if (!ret)
			ret = fn(opaque, "..", DT_DIR);
		for (size_t i = 0; !ret && i < MIN(n, (size_t)256); i++) {
			snprintf(name, sizeof(name), "%d", ids[i]);
			ret = fn(opaque, name, DT_CHR);
		}
		if (!ret)
			ret = fn(opaque, "vfio", DT_CHR);
		lab_unlock();
		return ret > 0 ? 0 : ret;
	}
	struct listdir_ctx c = { fn, opaque };
	struct sysfs_stat st;
	ret = sysfs_stat(path, &st);
	if (!ret && st.type != SYSFS_DIR)
		ret = -ENOTDIR;
	if (!ret) {
		ret = fn(opaque, ".", DT_DIR);
		if (!ret)
			ret = fn(opaque, "..", DT_DIR);
		if (!ret)
			ret = sysfs_readdir(path, listdir_cb, &c);
	}
	lab_unlock();
	if (ret < 0)
		return ret_err(-ret);
	return 0;
}

/* ---- waiting on interrupt eventfds ------------------------------------------ */

struct poll_set {
	struct pollfd *fds;
	nfds_t n;
	int ready;
};

/* A raw poll with no timeout (never through the shim). */
static bool poll_set_ready(void *arg)
{
	struct poll_set *ps = arg;
	struct timespec zero = { 0, 0 };
	long r = syscall(SYS_ppoll, ps->fds, ps->n, &zero, NULL, (size_t)8);
	ps->ready = r > 0 ? (int)r : 0;
	return r != 0;   /* ready, or an error the real call will report */
}

bool lab_fd_is_irq(int fd)
{
	lab_lock();
	bool r = fd >= 0 && kernel_machine() && vfio_platform_is_trigger(fd);
	lab_unlock();
	return r;
}

bool lab_irq_registered(void)
{
	lab_lock();
	bool r = kernel_machine() && vfio_platform_any_trigger();
	lab_unlock();
	return r;
}

/* One microsecond: what a zero-timeout check lets pass. */
#define LAB_POLL_QUANTUM_NS 1000ull

/* @any: wait even if no member of @fds is a registered eventfd (an epoll fd). */
static int irq_wait(struct pollfd *fds, nfds_t nfds, int timeout_ms, bool any)
{
	struct poll_set ps = { fds, nfds, 0 };
	bool ours = false;

	lab_lock();
	struct machine *m = kernel_machine();
	if (any)
		ours = m && vfio_platform_any_trigger();
	for (nfds_t i = 0; m && i < nfds && !ours; i++)
		ours = fds[i].fd >= 0 && vfio_platform_is_trigger(fds[i].fd);
	if (!ours) {
		lab_unlock();
		poll_set_ready(&ps);
		return ps.ready;
	}
	u64 now = hw_now(m), deadline;
	if (timeout_ms < 0)
		deadline = UINT64_MAX;
	else if (timeout_ms == 0)
		deadline = now + LAB_POLL_QUANTUM_NS;
	else
		deadline = now + (u64)timeout_ms * 1000000ull;
	kernel_idle_until(deadline, poll_set_ready, &ps);
	lab_unlock();
	return ps.ready;
}

int lab_irq_wait(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	return irq_wait(fds, nfds, timeout_ms, false);
}

int lab_irq_wait_epoll(int epfd, int timeout_ms)
{
	struct pollfd p = { .fd = epfd, .events = POLLIN };
	return irq_wait(&p, 1, timeout_ms, true);
}

int lab_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	int n = lab_irq_wait(fds, nfds, timeout_ms);
	if (n > 0)
		return (int)syscall(SYS_ppoll, fds, nfds, &(struct timespec){ 0, 0 }, NULL,
				    (size_t)8);
	if (timeout_ms < 0)
		return (int)syscall(SYS_ppoll, fds, nfds, NULL, NULL, (size_t)8);
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	return (int)syscall(SYS_ppoll, fds, nfds, &ts, NULL, (size_t)8);
}
