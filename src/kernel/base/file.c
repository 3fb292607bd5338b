// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct file: allocation, references, and the VFS calls that dispatch
 * through f_op (Linux's fs/file_table.c, fs/read_write.c, fs/ioctl.c),
 * plus the seam to the program's descriptor table (fs/file.c's
 * get_unused_fd_flags, fd_install, fdget), which the uapi provides.
 */
#include <errno.h>
#include <stdio.h>

#include "kernel/base/base.h"
#include "kernel/base/fs.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/kernel_state.h"

struct file *alloc_file(const struct file_operations *fops, unsigned int flags, void *priv)
{
	struct file *file = kzalloc(sizeof(*file));

	if (!file)
		return NULL;
	file->f_op = fops;
	file->f_flags = flags;
	file->private_data = priv;
	file->f_count = 1;
	return file;
}

struct file *get_file(struct file *file)
{
	file->f_count++;
	return file;
}

void fput(struct file *file)
{
	if (--file->f_count)
		return;
	if (file->f_op && file->f_op->release)
		file->f_op->release(file_inode(file), file);
	/* No kernel left: its modules are gone with it (files close before the shutdown). */
	if (kstate)
		module_put(file->f_module);
	kfree(file);
}

/* ---- the VFS calls --------------------------------------------------- */

static bool may_read(const struct file *file)
{
	return (file->f_flags & O_ACCMODE) != O_WRONLY;
}

static bool may_write(const struct file *file)
{
	return (file->f_flags & O_ACCMODE) != O_RDONLY;
}

/* As vfs_read: the access mode, then the method, then the position (rw_verify_area). */
ssize_t vfs_read(struct file *file, void *ubuf, size_t count, loff_t *pos)
{
	if (!may_read(file))
		return -EBADF;
	if (!file->f_op->read)
		return -EINVAL;
	if (*pos < 0)
		return -EINVAL;
	return file->f_op->read(file, ubuf, count, pos);
}

ssize_t vfs_write(struct file *file, const void *ubuf, size_t count, loff_t *pos)
{
	if (!may_write(file))
		return -EBADF;
	if (!file->f_op->write)
		return -EINVAL;
	if (*pos < 0)
		return -EINVAL;
	return file->f_op->write(file, ubuf, count, pos);
}

long vfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (!file->f_op->unlocked_ioctl)
		return -ENOTTY;
	return file->f_op->unlocked_ioctl(file, cmd, arg);
}

loff_t vfs_llseek(struct file *file, loff_t offset, int whence)
{
	if (!file->f_op->llseek)
		return -ESPIPE;
	return file->f_op->llseek(file, offset, whence);
}

loff_t default_llseek(struct file *file, loff_t offset, int whence)
{
	loff_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = offset;
		break;
	case SEEK_CUR:
		pos = file->f_pos + offset;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	file->f_pos = pos;
	return pos;
}

int vfs_getattr(struct file *file, struct kstat *st)
{
	struct inode *inode = file_inode(file);

	if (inode->i_op && inode->i_op->getattr)
		return inode->i_op->getattr(inode, st);
	st->mode = inode->i_mode;
	st->rdev = inode->i_rdev;
	st->size = 0;
	return 0;
}

/* ---- the program's descriptor table --------------------------------- */

/*
 * Host state, as uaccess's ops: how this process reaches the program's
 * descriptor table, installed once by the uapi, independent of any boot.
 */
static const struct files_host_ops *fops_host;

void files_set_host_ops(const struct files_host_ops *ops)
{
	fops_host = ops;
}

int get_unused_fd_flags(unsigned int flags)
{
	return fops_host ? fops_host->get_unused_fd_flags(flags) : -EMFILE;
}

void put_unused_fd(int fd)
{
	if (fops_host)
		fops_host->put_unused_fd(fd);
}

void fd_install(int fd, struct file *file)
{
	if (fops_host)
		fops_host->fd_install(fd, file);
	else
		fput(file);
}

int fdget(int fd, struct file **out)
{
	*out = NULL;
	return fops_host ? fops_host->fdget(fd, out) : -EBADF;
}
