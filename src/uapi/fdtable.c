/*
 * The user-space surface: real file descriptors for the lab's /dev nodes
 * and /sys files (include/iommulab/fd.h). Each lab descriptor is a real
 * one the lab opened (on /dev/null), so the number is the host's own and
 * cannot collide with the program's other files; a table maps it to the
 * lab kernel's struct file, and every call goes through the file's
 * file_operations (kernel/base/fs.h): this file knows no kind of file.
 * It is also the host side of the kernel's descriptor calls
 * (get_unused_fd_flags, fd_install, fdget: struct files_host_ops).
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
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <sys/sysmacros.h>

#include "iommulab/fd.h"
#include "fdtable.h"
#include "kernel/base/fs.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel.h"
#include "kernel/vfio/vfio_pci.h"
#include "kernel/vfio/vfio_platform.h"
#include "hw/machine.h"
#include "uaccess_host.h"

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

static const struct files_host_ops files_host;

static void lab_mutex_init(void)
{
	lab_mutex_create();
	uaccess_host_install();
	files_set_host_ops(&files_host);
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
typedef _Atomic(struct file *) fd_slot;
static _Atomic(fd_slot *) fdtab[NCHUNKS];

static struct file *fd_get(int fd)
{
	if (fd < 0 || fd >= CHUNK * NCHUNKS)
		return NULL;
	fd_slot *c = atomic_load(&fdtab[fd / CHUNK]);
	return c ? atomic_load(&c[fd % CHUNK]) : NULL;
}

/* Under the lab lock. Chunks stay until exit: lock-free readers may hold them. */
static int fd_store(int fd, struct file *f)
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

/* ---- descriptors ------------------------------------------------------- */

/*
 * A free descriptor number: /dev/null, opened with a raw system call
 * (never through the shim): a real descriptor that polls as Linux's VFIO
 * files do (they have no poll method: always readable and writable) and
 * is no eventfd, so SET_IRQS tells it from one as Linux does.
 */
static int host_get_unused_fd_flags(unsigned int flags)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null",
			  O_RDWR | ((flags & O_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0)
		return -errno;
	/* The table must be able to hold it before the kernel installs a file. */
	if (fd_store((int)fd, NULL)) {
		syscall(SYS_close, fd);
		return -EMFILE;
	}
	return (int)fd;
}

static void host_put_unused_fd(int fd)
{
	syscall(SYS_close, fd);
}

static void host_fd_install(int fd, struct file *file)
{
	fd_store(fd, file);
}

/* A lab file (referenced), an open host descriptor that is none (NULL), or -EBADF. */
static int host_fdget(int fd, struct file **out)
{
	struct file *f = fd_get(fd);

	*out = f ? get_file(f) : NULL;
	if (!f && (fd < 0 || syscall(SYS_fcntl, fd, F_GETFD) < 0))
		return -EBADF;
	return 0;
}

static const struct files_host_ops files_host = {
	.get_unused_fd_flags = host_get_unused_fd_flags,
	.put_unused_fd = host_put_unused_fd,
	.fd_install = host_fd_install,
	.fdget = host_fdget,
};

const struct files_host_ops *fdtable_files_ops(void)
{
	return &files_host;
}

/* A new descriptor for @f (which it then holds), or -errno (@f is then put). */
static int install(struct file *f, int oflags)
{
	int fd = get_unused_fd_flags((unsigned int)oflags);

	if (fd < 0) {
		fput(f);
		return fd;
	}
	fd_install(fd, f);
	return fd;
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

/* ---- open / close ---------------------------------------------------------- */

/* The file system the path lies in: devtmpfs under /dev, sysfs under /sys. */
static int do_open(const char *path, int flags)
{
	struct file *f = NULL;
	int ret = has_prefix(path, "/dev") ? devtmpfs_open(path, (unsigned int)flags, &f)
					   : sysfs_file_open(path, (unsigned int)flags, &f);

	if (ret)
		return ret;
	return install(f, flags);
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
	struct file *f = fd_get(fd);
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	fd_store(fd, NULL);
	syscall(SYS_close, fd);
	fput(f);
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
			struct file *f = atomic_load(&chunk[i]);
			if (!f)
				continue;
			atomic_store(&chunk[i], NULL);
			syscall(SYS_close, c * CHUNK + i);
			fput(f);
		}
	}
	lab_unlock();
}

/* dup3 onto @newfd, or (@newfd < 0) F_DUPFD from @minfd. */
static int dup_file(int fd, int newfd, int minfd, int flags)
{
	lab_lock();
	struct file *f = fd_get(fd);
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
	struct file *old = fd_get((int)n);
	fd_store((int)n, get_file(f));
	if (old)
		fput(old);
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
			struct file *f = atomic_load(&chunk[i]);
			if (f && syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd, c * CHUNK + i) == 0) {
				adopted = fd_store(fd, get_file(f)) == 0;
				if (!adopted)
					fput(f);
				break;
			}
		}
	}
	lab_unlock();
	return adopted;
}

struct file *fdtable_get(int fd)
{
	lab_lock();
	struct file *f = fd_get(fd);
	if (f)
		get_file(f);
	lab_unlock();
	return f;
}

/* ---- ioctl, read, write, lseek ----------------------------------------------- */

int lab_ioctl(int fd, unsigned long req, void *arg)
{
	lab_lock();
	struct file *f = fd_get(fd);
	long ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	ret = vfs_ioctl(f, (unsigned int)req, (unsigned long)arg);
	lab_unlock();
	return ret < 0 ? ret_err((int)-ret) : (int)ret;
}

/* read(2)/write(2) at the file position, which they advance; pread/pwrite at @off. */
static ssize_t rw(int fd, void *buf, size_t count, off_t off, bool write, bool use_pos)
{
	lab_lock();
	struct file *f = fd_get(fd);
	ssize_t ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	loff_t pos = use_pos ? f->f_pos : off;
	ret = write ? vfs_write(f, buf, count, &pos) : vfs_read(f, buf, count, &pos);
	if (ret >= 0 && use_pos)
		f->f_pos = pos;
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
	struct file *f = fd_get(fd);
	off_t ret;
	if (!f) {
		lab_unlock();
		return ret_err(EBADF);
	}
	ret = vfs_llseek(f, offset, whence);
	lab_unlock();
	return ret < 0 ? ret_err((int)-ret) : ret;
}

/* ---- stat / readlink / listing ------------------------------------------------- */

static void fill_stat(struct stat *st, const struct kstat *ks)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = ks->mode;
	st->st_nlink = 1;
	st->st_rdev = makedev(MAJOR(ks->rdev), MINOR(ks->rdev));
	st->st_size = ks->size;
	st->st_blksize = 4096;
}

static int path_stat(const char *path, struct stat *st, bool follow)
{
	struct kstat ks;
	int ret = has_prefix(path, "/dev") ? devtmpfs_stat(path, &ks)
					   : sysfs_getattr(path, follow, &ks);
	if (!ret)
		fill_stat(st, &ks);
	return ret;
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
	struct file *f = fd_get(fd);
	struct kstat ks;
	int ret = f ? vfs_getattr(f, &ks) : -EBADF;
	if (!ret)
		fill_stat(st, &ks);
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
	if (has_prefix(path, "/dev")) {
		struct stat st;
		lab_lock();
		int ret = path_stat(path, &st, false);
		lab_unlock();
		return ret_err(ret ? -ret : EINVAL);   /* devtmpfs has no links */
	}
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
	if (has_prefix(path, "/dev")) {
		struct stat st;
		ret = path_stat(path, &st, true);
		if (!ret) {
			/* No links under /dev: the path without its trailing slashes. */
			size_t n = strlen(path);
			while (n > 1 && path[n - 1] == '/')
				n--;
			snprintf(tmp, sizeof(tmp), "%.*s", (int)n, path);
		}
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

static int listdir_sysfs(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct listdir_ctx *c = opaque;
	unsigned char t = st->type == SYSFS_DIR ? DT_DIR : st->type == SYSFS_LINK ? DT_LNK : DT_REG;
	return c->fn(c->opaque, name, t);
}

static int listdir_dev(void *opaque, const char *name, mode_t type)
{
	struct listdir_ctx *c = opaque;
	return c->fn(c->opaque, name, IFTODT(type));
}

int lab_listdir(const char *path, int (*fn)(void *opaque, const char *name, unsigned char d_type),
		void *opaque)
{
	struct listdir_ctx c = { fn, opaque };
	int ret = 0;
	lab_lock();
	if (has_prefix(path, "/dev")) {
		ret = devtmpfs_readdir(path, listdir_dev, &c);
		lab_unlock();
		return ret < 0 ? ret_err(-ret) : 0;
	}
	struct sysfs_stat st;
	ret = sysfs_stat(path, &st);
	if (!ret && st.type != SYSFS_DIR)
		ret = -ENOTDIR;
	if (!ret) {
		ret = fn(opaque, ".", DT_DIR);
		if (!ret)
			ret = fn(opaque, "..", DT_DIR);
		if (!ret)
			ret = sysfs_readdir(path, listdir_sysfs, &c);
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

/* An interrupt eventfd of either VFIO bus driver (SET_IRQS), or a dup of one. */
static bool is_irq_eventfd(int fd)
{
	return vfio_platform_is_trigger(fd) || vfio_pci_is_trigger(fd);
}

static bool any_irq_eventfd(void)
{
	return vfio_platform_any_trigger() || vfio_pci_any_trigger();
}

bool lab_fd_is_irq(int fd)
{
	lab_lock();
	bool r = fd >= 0 && kernel_machine() && is_irq_eventfd(fd);
	lab_unlock();
	return r;
}

bool lab_irq_registered(void)
{
	lab_lock();
	bool r = kernel_machine() && any_irq_eventfd();
	lab_unlock();
	return r;
}

/*
 * The idle loop's check: INTx unmask eventfds the program wrote first
 * (an unmask may let the interrupt it waits for through), then @fds.
 */
static bool wait_done(void *arg)
{
	vfio_pci_virqfd_poll();
	return poll_set_ready(arg);
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
		ours = m && any_irq_eventfd();
	for (nfds_t i = 0; m && i < nfds && !ours; i++)
		ours = fds[i].fd >= 0 && is_irq_eventfd(fds[i].fd);
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
	kernel_idle_until(deadline, wait_done, &ps);
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
