/*
 * Files: what a user program holds a descriptor to (Linux's struct file,
 * struct file_operations and the corners of the VFS the lab needs).
 *
 * Each lab file has a file_operations table, as in Linux: the VFIO
 * container, group and device, sysfs attributes and directories, devtmpfs
 * directories. The uapi (src/uapi/fdtable.c) keeps only the map from a
 * descriptor number to a struct file and calls the vfs_* helpers below;
 * nothing outside a file's provider knows what kind of file it is.
 *
 * How files come to be:
 *   - a path under /dev: devtmpfs finds the node, whose device number
 *     leads to the character device registered for it (char_dev.c: a
 *     cdev_add, or misc.c: misc_register); chrdev_open hands the file the
 *     device's fops and calls its open;
 *   - a path under /sys: the sysfs layer's own fops (sysfs_file.c);
 *   - a file with no path (a VFIO device fd): anon_inode_getfile, then
 *     fd_install on a number get_unused_fd_flags reserved.
 *
 * The descriptor numbers are the host's (the program's own table), so the
 * kernel reaches them through the ops the uapi installs
 * (files_set_host_ops), as it reaches user memory through uaccess.h.
 */
#ifndef LAB_KERNEL_BASE_FS_H
#define LAB_KERNEL_BASE_FS_H

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/types.h"

struct file;
struct inode;
struct cdev;
struct module;
struct vm_area_struct;

/* The kernel's device numbers: 12 bits of major, 20 of minor (Linux's kdev_t). */
#define MINORBITS 20
#define MINORMASK ((1u << MINORBITS) - 1)
#define MAJOR(dev) ((unsigned int)((dev) >> MINORBITS))
#define MINOR(dev) ((unsigned int)((dev) & MINORMASK))
#define MKDEV(ma, mi) (((u32)(ma) << MINORBITS) | (u32)(mi))

/* What stat(2) reports: the file type and mode, the device number, the size. */
struct kstat {
	mode_t mode;
	u32 rdev;
	loff_t size;
};

struct inode_operations {
	/* Fills @st afresh (sysfs: the node may have changed); NULL: the inode's fields. */
	int (*getattr)(const struct inode *inode, struct kstat *st);
};

/*
 * The inode a file was opened through. Each lab file carries its own copy
 * (struct file.f_inode), taken at open: the node it came from may go while
 * the file stays open, as a devtmpfs node does when its device leaves.
 */
struct inode {
	mode_t i_mode;
	u32 i_rdev;
	struct cdev *i_cdev;		/* chrdev_open: the character device */
	const struct inode_operations *i_op;
	void *i_private;
};

/*
 * Linux's file_operations, the methods the lab's files use. A NULL method
 * answers as Linux's VFS does: read/write -EINVAL, unlocked_ioctl -ENOTTY,
 * llseek -ESPIPE (no_llseek), mmap -ENODEV, open/release nothing.
 * Read and write take the user's buffer and the position to use, and
 * advance *@ppos by what they moved (pread/pwrite pass a copy).
 */
struct file_operations {
	int (*open)(struct inode *inode, struct file *file);
	int (*release)(struct inode *inode, struct file *file);
	ssize_t (*read)(struct file *file, char *ubuf, size_t count, loff_t *ppos);
	ssize_t (*write)(struct file *file, const char *ubuf, size_t count, loff_t *ppos);
	loff_t (*llseek)(struct file *file, loff_t offset, int whence);
	long (*unlocked_ioctl)(struct file *file, unsigned int cmd, unsigned long arg);
	int (*mmap)(struct file *file, struct vm_area_struct *vma);	/* kernel/base/mm.h */
};

struct file {
	const struct file_operations *f_op;
	void *private_data;
	unsigned int f_flags;		/* open flags (O_ACCMODE, O_CLOEXEC...) */
	loff_t f_pos;
	unsigned int f_count;		/* descriptors and kernel references */
	struct inode f_inode;
	struct module *f_module;	/* the module pinned while open (its fops' owner) */
};

static inline struct inode *file_inode(struct file *file)
{
	return &file->f_inode;
}

/* A new file (f_count 1) with @fops; NULL on -ENOMEM. open is not called. */
struct file *alloc_file(const struct file_operations *fops, unsigned int flags, void *priv);
struct file *get_file(struct file *file);
/* Drops a reference; the last calls f_op->release, puts f_module and frees. */
void fput(struct file *file);

/* The VFS calls on an open file (the uapi's read(2), ioctl(2)...). */
ssize_t vfs_read(struct file *file, void *ubuf, size_t count, loff_t *pos);
ssize_t vfs_write(struct file *file, const void *ubuf, size_t count, loff_t *pos);
long vfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
loff_t vfs_llseek(struct file *file, loff_t offset, int whence);
int vfs_getattr(struct file *file, struct kstat *st);
/* SEEK_SET and SEEK_CUR on f_pos; -EINVAL for the rest or a negative result. */
loff_t default_llseek(struct file *file, loff_t offset, int whence);

/*
 * Linux's anon_inode_getfile: a file with no path (fstat: mode 0600, no
 * type bits, as Linux's anonymous inode), e.g. "[vfio-device]".
 * 0 and *@out, or -ENOMEM.
 */
int anon_inode_getfile(const char *name, const struct file_operations *fops, void *priv,
		       unsigned int flags, struct file **out);

/* ---- the program's descriptor table (the host's side) ---------------- */

struct files_host_ops {
	/* A free descriptor number, reserved (O_CLOEXEC in @flags): >= 0 or -errno. */
	int (*get_unused_fd_flags)(unsigned int flags);
	void (*put_unused_fd)(int fd);
	/* @fd (reserved above) now names @file, which the table then holds. */
	void (*fd_install)(int fd, struct file *file);
	/*
	 * The file behind @fd, referenced (fput it): 0 and *@out; 0 and NULL
	 * for an open descriptor that is no lab file; -EBADF for none.
	 */
	int (*fdget)(int fd, struct file **out);
};

/* The host installs its table (NULL: none; every call fails -EBADF/-EMFILE). */
void files_set_host_ops(const struct files_host_ops *ops);
int get_unused_fd_flags(unsigned int flags);
void put_unused_fd(int fd);
void fd_install(int fd, struct file *file);
int fdget(int fd, struct file **out);

/* ---- paths ------------------------------------------------------------ */

/*
 * devtmpfs (devtmpfs.c): @path is "/dev/..." as the program wrote it.
 * Open gives a file through the node's character device (chrdev_open) or
 * a directory file; stat and readdir answer from the nodes.
 */
int devtmpfs_open(const char *path, unsigned int flags, struct file **out);
int devtmpfs_stat(const char *path, struct kstat *st);
/* ".", ".." and the entries of directory @path, in order; fn's non-zero stops. */
int devtmpfs_readdir(const char *path, int (*fn)(void *opaque, const char *name, mode_t type),
		     void *opaque);

/* sysfs as files (sysfs_file.c): open a file or directory; stat by path. */
int sysfs_file_open(const char *path, unsigned int flags, struct file **out);
int sysfs_getattr(const char *path, bool follow, struct kstat *st);

#endif
