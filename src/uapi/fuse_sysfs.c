/*
 * The lab's /sys (and /proc/bus/pci) as a filesystem every program of a
 * session sees: a FUSE filesystem mounted in the session's private mount
 * namespace. Requests arrive on the FUSE thread; each is run in the
 * kernel thread (session_kernel_call) through the kernel's own sysfs
 * files (sysfs_file_open and the vfs_* calls of kernel/base/fs.h), so a
 * read is kernfs's snapshot at offset 0 and a write is one store, with
 * the store's errno. Nothing is cached: every lookup, attribute and read
 * asks the lab, as sysfs's attributes change under any program.
 *
 * The FUSE root holds "sys" (the lab's /sys), "pci" (its
 * /proc/bus/pci, fuse_sysfs_pci.c) and "vfio" (its /dev/vfio, from its
 * devtmpfs: listed and stat'ed here, opened through the preload shim,
 * session_devfs.c); each is bind-mounted where it belongs, then the root
 * is unmounted.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kernel/base/fs.h"
#include "kernel/base/sysfs.h"
#include "fuse_sysfs_pci.h"
#include "session_devfs.h"
#include "session_server.h"

static struct {
	struct fuse *fuse;
	pthread_t thread;
	bool started;
	struct timespec boot;
	bool have_proc_pci;
} fs;

/* "/sys/..." is the lab's path as it is; "/pci/..." a /proc/bus/pci path. */
static bool is_sys(const char *path)
{
	return !strncmp(path, "/sys", 4) && (!path[4] || path[4] == '/');
}

static bool is_pci(const char *path)
{
	return !strncmp(path, "/pci", 4) && (!path[4] || path[4] == '/');
}

/* "/vfio/..." is the lab's /dev/vfio. */
static bool is_vfio(const char *path)
{
	return !strncmp(path, "/vfio", 5) && (!path[5] || path[5] == '/');
}

/* The lab's devtmpfs path of a "/vfio/..." path. */
static void dev_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "/dev%s", path);
}

static int run(void (*fn)(void *), void *arg)
{
	return session_kernel_call(fn, arg);
}

/* ---- getattr ------------------------------------------------------------- */

struct attr_call {
	const char *path;
	struct kstat ks;
	int ret;
};

static void do_getattr(void *p)
{
	struct attr_call *a = p;

	char dev[PATH_MAX];

	if (is_sys(a->path)) {
		a->ret = sysfs_getattr(a->path, false, &a->ks);
	} else if (is_vfio(a->path)) {
		dev_path(dev, sizeof(dev), a->path);
		a->ret = devtmpfs_stat(dev, &a->ks);
	} else {
		a->ret = procpci_getattr(a->path + 4, &a->ks);
	}
}

static void fill_stat(struct stat *st, const struct kstat *ks)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = ks->mode;
	st->st_nlink = S_ISDIR(ks->mode) ? 2 : 1;
	st->st_size = ks->size;
	st->st_rdev = makedev(MAJOR(ks->rdev), MINOR(ks->rdev));
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = fs.boot;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct attr_call a = { .path = path };

	/*
	 * The root and its folders answer without the kernel: mounting needs
	 * them (/dev/vfio too before vfio makes its first node).
	 */
	if (!strcmp(path, "/") || !strcmp(path, "/sys") || !strcmp(path, "/pci") ||
	    !strcmp(path, "/vfio")) {
		a.ks.mode = S_IFDIR | 0755;
		if (!strcmp(path, "/pci"))
			a.ks.mode = S_IFDIR | 0555;
		fill_stat(st, &a.ks);
		return 0;
	}
	if (!is_sys(path) && !is_pci(path) && !is_vfio(path))
		return -ENOENT;
	int ret = run(do_getattr, &a);
	if (ret || a.ret)
		return ret ? ret : a.ret;
	fill_stat(st, &a.ks);
	return 0;
}

/* ---- readlink ------------------------------------------------------------ */

struct link_call {
	const char *path;
	char *buf;
	size_t size;
	ssize_t ret;
};

static void do_readlink(void *p)
{
	struct link_call *l = p;

	l->ret = is_sys(l->path) ? sysfs_readlink(l->path, l->buf, l->size - 1) : -EINVAL;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct link_call l = { .path = path, .buf = buf, .size = size };

	if (size < 2)
		return -EINVAL;
	int ret = run(do_readlink, &l);
	if (ret || l.ret < 0)
		return ret ? ret : (int)l.ret;
	buf[l.ret] = 0;
	return 0;
}

/* ---- readdir ------------------------------------------------------------- */

struct dir_call {
	const char *path;
	char **names;
	size_t nr, cap;
	int ret;
};

static int collect(struct dir_call *d, const char *name)
{
	if (d->nr == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		char **n = realloc(d->names, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		d->names = n;
		d->cap = cap;
	}
	d->names[d->nr] = strdup(name);
	return d->names[d->nr++] ? 0 : -ENOMEM;
}

static int collect_sysfs(void *opaque, const char *name, const struct sysfs_stat *st)
{
	return collect(opaque, name);
}

static int collect_pci(void *opaque, const char *name)
{
	return collect(opaque, name);
}

static int collect_dev(void *opaque, const char *name, mode_t type)
{
	return collect(opaque, name);
}

static void do_readdir(void *p)
{
	struct dir_call *d = p;
	char dev[PATH_MAX];

	if (is_sys(d->path)) {
		d->ret = sysfs_readdir(d->path, collect_sysfs, d);
	} else if (is_vfio(d->path)) {
		dev_path(dev, sizeof(dev), d->path);
		d->ret = devtmpfs_readdir(dev, collect_dev, d);
		/* No node yet (vfio not loaded): the mount point stays, empty. */
		if (d->ret == -ENOENT && !strcmp(d->path, "/vfio"))
			d->ret = 0;
	} else
		d->ret = procpci_readdir(d->path + 4, collect_pci, d);
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_call d = { .path = path };
	int ret = 0;

	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	if (!strcmp(path, "/")) {
		filler(buf, "sys", NULL, 0, 0);
		filler(buf, "pci", NULL, 0, 0);
		filler(buf, "vfio", NULL, 0, 0);
		return 0;
	}
	if (!is_sys(path) && !is_pci(path) && !is_vfio(path))
		return -ENOENT;
	ret = run(do_readdir, &d);
	if (!ret)
		ret = d.ret;
	for (size_t i = 0; i < d.nr; i++) {
		if (!ret && strcmp(d.names[i], ".") && strcmp(d.names[i], ".."))
			filler(buf, d.names[i], NULL, 0, 0);
		free(d.names[i]);
	}
	free(d.names);
	return ret;
}

/* ---- open files ------------------------------------------------------------ */

struct open_call {
	const char *path;
	unsigned int flags;
	struct file *file;
	int ret;
};

static void do_open(void *p)
{
	struct open_call *o = p;

	if (is_sys(o->path))
		o->ret = sysfs_file_open(o->path, o->flags, &o->file);
	else
		o->ret = procpci_open(o->path + 4, o->flags, &o->file);
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	/* O_TRUNC and O_CREAT mean nothing to sysfs (bash's `echo x > file` sends both). */
	struct open_call o = {
		.path = path,
		.flags = (unsigned int)fi->flags & ~(O_TRUNC | O_CREAT | O_EXCL),
	};

	if (!is_sys(path) && !is_pci(path))
		return -ENOENT;
	int ret = run(do_open, &o);
	if (ret || o.ret)
		return ret ? ret : o.ret;
	fi->fh = (uintptr_t)o.file;
	/* Every read and write reaches the attribute, whole, as on sysfs. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

struct io_call {
	struct file *file;
	char *buf;
	size_t size;
	loff_t pos;
	bool write;
	ssize_t ret;
};

static void do_io(void *p)
{
	struct io_call *io = p;

	io->ret = io->write ? vfs_write(io->file, io->buf, io->size, &io->pos)
			    : vfs_read(io->file, io->buf, io->size, &io->pos);
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct io_call io = { .file = (struct file *)(uintptr_t)fi->fh, .buf = buf,
			      .size = size, .pos = off };
	int ret = run(do_io, &io);

	return ret ? ret : (int)io.ret;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct io_call io = { .file = (struct file *)(uintptr_t)fi->fh, .buf = (char *)buf,
			      .size = size, .pos = off, .write = true };
	int ret = run(do_io, &io);

	return ret ? ret : (int)io.ret;
}

static void do_release(void *p)
{
	fput(p);
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct file *f = (struct file *)(uintptr_t)fi->fh;

	/* Once the lab is down its files went with it. */
	if (f)
		run(do_release, f);
	return 0;
}

/* sysfs ignores truncation: `echo x > attr` truncates before it writes. */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct attr_call a = { .path = path };
	int ret = run(do_getattr, &a);

	if (ret || a.ret)
		return ret ? ret : a.ret;
	return S_ISDIR(a.ks.mode) ? -EISDIR : 0;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	return 0;
}

/* sysfs has no create, mkdir, unlink... (kernfs's answers). */
static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EACCES;
}

static int fs_mkdir(const char *path, mode_t mode)
{
	return -EPERM;
}

static int fs_unlink(const char *path)
{
	return -EPERM;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
	return -EPERM;
}

static int fs_symlink(const char *target, const char *path)
{
	return -EPERM;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EPERM;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	return -EPERM;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Nothing cached: sysfs changes under every program. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->kernel_cache = 0;
	cfg->direct_io = 1;
	cfg->nullpath_ok = 0;
	return NULL;
}

static const struct fuse_operations fs_ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.release = fs_release,
	.truncate = fs_truncate,
	.utimens = fs_utimens,
	.create = fs_create,
	.mkdir = fs_mkdir,
	.rmdir = fs_unlink,
	.unlink = fs_unlink,
	.rename = fs_rename,
	.symlink = fs_symlink,
	.link = fs_symlink,
	.chmod = fs_chmod,
	.chown = fs_chown,
};

static void *fuse_thread(void *arg)
{
	fuse_loop(fs.fuse);
	return NULL;
}

/* The FUSE root at @stage, served from @fd (/dev/fuse). */
static int mount_stage(const char *stage, int fd, char *msg, size_t msglen)
{
	char opts[160];

	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions", fd);
	if (mount("sysfs", stage, "fuse.sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		int ret = -errno;
		snprintf(msg, msglen, "mount FUSE on %s: %s", stage, strerror(errno));
		return ret;
	}
	return 0;
}

static int bind_over(const char *from, const char *to, char *msg, size_t msglen)
{
	if (mount(from, to, NULL, MS_BIND, NULL) < 0) {
		int ret = -errno;
		snprintf(msg, msglen, "bind %s over %s: %s", from, to, strerror(errno));
		return ret;
	}
	return 0;
}

int fuse_sysfs_start(const char *dir, char *msg, size_t msglen)
{
	char stage[PATH_MAX], dev[32], from[PATH_MAX + 8];
	char *argv[] = { "iommulab", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct stat st;
	int fd, ret;

	clock_gettime(CLOCK_REALTIME, &fs.boot);
	snprintf(stage, sizeof(stage), "%s/fs", dir);
	if (mkdir(stage, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "%s: %s", stage, strerror(errno));
		return -errno;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(msg, msglen, "/dev/fuse: %s (FUSE is needed for a session's /sys)",
			 strerror(errno));
		return ret;
	}
	ret = mount_stage(stage, fd, msg, msglen);
	if (ret) {
		close(fd);
		return ret;
	}
	fs.fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	snprintf(dev, sizeof(dev), "/dev/fd/%d", fd);
	/* libfuse takes an open /dev/fuse as "/dev/fd/N": the mount is ours. */
	if (!fs.fuse || fuse_mount(fs.fuse, dev)) {
		snprintf(msg, msglen, "libfuse could not start");
		umount2(stage, MNT_DETACH);
		return -EIO;
	}
	if (pthread_create(&fs.thread, NULL, fuse_thread, NULL)) {
		snprintf(msg, msglen, "cannot start the FUSE thread");
		umount2(stage, MNT_DETACH);
		return -EAGAIN;
	}
	fs.started = true;
	snprintf(from, sizeof(from), "%s/sys", stage);
	ret = bind_over(from, "/sys", msg, msglen);
	fs.have_proc_pci = !stat("/proc/bus/pci", &st) && S_ISDIR(st.st_mode);
	if (!ret && fs.have_proc_pci) {
		snprintf(from, sizeof(from), "%s/pci", stage);
		ret = bind_over(from, "/proc/bus/pci", msg, msglen);
	}
	if (!ret) {
		snprintf(from, sizeof(from), "%s/vfio", stage);
		ret = session_devfs_install(dir, from, msg, msglen);
	}
	umount2(stage, MNT_DETACH);
	return ret;
}

void fuse_sysfs_stop(void)
{
	if (!fs.started)
		return;
	fuse_exit(fs.fuse);
	/* The connection ends with its last mount: the loop's read then fails. */
	umount2("/sys", MNT_DETACH);
	if (fs.have_proc_pci)
		umount2("/proc/bus/pci", MNT_DETACH);
	umount2("/dev/vfio", MNT_DETACH);
}
