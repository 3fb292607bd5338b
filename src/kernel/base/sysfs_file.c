// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs attributes and directories as open files (Linux's
 * fs/kernfs/file.c and dir.c, reduced): the fops the sysfs layer gives a
 * file opened under /sys. A read at offset 0 takes a fresh snapshot of the
 * attribute (one show call, at most a page) and later reads continue in
 * it, as kernfs's seq_file does; each write(2) is one store of the whole
 * buffer (at most a page; a binary attribute gets it at the file position)
 * and leaves the position where it was. Opening
 * obeys the attribute's mode (-EACCES), a directory opens read-only
 * (-EISDIR), O_DIRECTORY wants one (-ENOTDIR).
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/fs.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/base/uaccess.h"

struct sysfs_open_file {
	char *path;
	char *buf;		/* the snapshot of the last read at offset 0 */
	size_t len;
};

static void stat_to_kstat(const struct sysfs_stat *ss, struct kstat *st)
{
	st->rdev = 0;
	st->size = 0;
	switch (ss->type) {
	case SYSFS_DIR:
		st->mode = S_IFDIR | (ss->mode ? ss->mode : 0755);
		break;
	case SYSFS_LINK:
		st->mode = S_IFLNK | 0777;
		break;
	default:
		st->mode = S_IFREG | ss->mode;
		st->size = 4096;
		break;
	}
}

int sysfs_getattr(const char *path, bool follow, struct kstat *st)
{
	struct sysfs_stat ss;
	int ret = follow ? sysfs_stat(path, &ss) : sysfs_lstat(path, &ss);

	if (!ret)
		stat_to_kstat(&ss, st);
	return ret;
}

/* kernfs's getattr: the node as it is now. */
static int sysfs_inode_getattr(const struct inode *inode, struct kstat *st)
{
	const struct sysfs_open_file *of = inode->i_private;

	return sysfs_getattr(of->path, true, st);
}

static const struct inode_operations sysfs_inode_ops = {
	.getattr = sysfs_inode_getattr,
};

static ssize_t sysfs_fop_read(struct file *file, char *ubuf, size_t count, loff_t *ppos)
{
	struct sysfs_open_file *of = file->private_data;
	loff_t off = *ppos;
	size_t n;

	if (off == 0 || !of->buf) {
		char *page = kmalloc(PAGE_SIZE + 1);
		ssize_t len;

		if (!page)
			return -ENOMEM;
		len = sysfs_read(of->path, page, PAGE_SIZE + 1);
		if (len < 0) {
			kfree(page);
			return len;
		}
		kfree(of->buf);
		of->buf = page;
		of->len = (size_t)len;
	}
	if ((u64)off >= of->len)
		return 0;
	n = MIN(count, of->len - (size_t)off);
	if (copy_to_user(ubuf, of->buf + off, n))
		return -EFAULT;
	*ppos = off + (loff_t)n;
	return (ssize_t)n;
}

static ssize_t sysfs_fop_write(struct file *file, const char *ubuf, size_t count, loff_t *ppos)
{
	struct sysfs_open_file *of = file->private_data;
	size_t n = MIN(count, (size_t)PAGE_SIZE);
	char *kbuf = kmalloc(n + 1);
	ssize_t ret;

	if (!kbuf)
		return -ENOMEM;
	if (copy_from_user(kbuf, ubuf, n)) {
		kfree(kbuf);
		return -EFAULT;
	}
	kbuf[n] = 0;
	/* A binary attribute (PCI config) takes the data at the offset; a store ignores it. */
	ret = sysfs_pwrite(of->path, kbuf, n, (u64)*ppos);
	kfree(kbuf);
	return ret;
}

static int sysfs_fop_release(struct inode *inode, struct file *file)
{
	struct sysfs_open_file *of = file->private_data;

	kfree(of->path);
	kfree(of->buf);
	kfree(of);
	return 0;
}

static const struct file_operations sysfs_file_fops = {
	.read = sysfs_fop_read,
	.write = sysfs_fop_write,
	.llseek = default_llseek,
	.release = sysfs_fop_release,
};

static ssize_t sysfs_dir_read(struct file *file, char *ubuf, size_t count, loff_t *ppos)
{
	return -EISDIR;
}

static ssize_t sysfs_dir_write(struct file *file, const char *ubuf, size_t count, loff_t *ppos)
{
	return -EISDIR;
}

static const struct file_operations sysfs_dir_fops = {
	.read = sysfs_dir_read,
	.write = sysfs_dir_write,
	.llseek = default_llseek,
	.release = sysfs_fop_release,
};

static int sysfs_may_open(const struct sysfs_stat *st, unsigned int flags)
{
	unsigned int acc = flags & O_ACCMODE;

	if (st->type == SYSFS_DIR)
		return acc != O_RDONLY ? -EISDIR : 0;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if (acc != O_WRONLY && !(st->mode & 0444))
		return -EACCES;
	if (acc != O_RDONLY && !(st->mode & 0222))
		return -EACCES;
	return 0;
}

int sysfs_file_open(const char *path, unsigned int flags, struct file **out)
{
	struct sysfs_open_file *of;
	struct sysfs_stat st;
	struct file *file;
	int ret = sysfs_stat(path, &st);

	if (!ret)
		ret = sysfs_may_open(&st, flags);
	if (ret)
		return ret;
	of = kzalloc(sizeof(*of));
	if (!of)
		return -ENOMEM;
	of->path = kstrdup(path);
	file = of->path ? alloc_file(st.type == SYSFS_DIR ? &sysfs_dir_fops : &sysfs_file_fops,
				     flags, of) : NULL;
	if (!file) {
		kfree(of->path);
		kfree(of);
		return -ENOMEM;
	}
	struct kstat ks;
	stat_to_kstat(&st, &ks);
	file->f_inode.i_mode = ks.mode;
	file->f_inode.i_op = &sysfs_inode_ops;
	file->f_inode.i_private = of;
	*out = file;
	return 0;
}
