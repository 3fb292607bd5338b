// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files without a path (Linux's fs/anon_inodes.c): one anonymous inode
 * for all of them, mode 0600 with no file type, as Linux's
 * anon_inode_mkinode gives it, so fstat on a VFIO device fd reports what
 * Linux reports.
 */
#include <errno.h>

#include "kernel/base/fs.h"

int anon_inode_getfile(const char *name, const struct file_operations *fops, void *priv,
		       unsigned int flags, struct file **out)
{
	struct file *file = alloc_file(fops, flags, priv);

	(void)name;	/* Linux names the dentry ("[vfio-device]"); the lab has none */
	if (!file)
		return -ENOMEM;
	file->f_inode.i_mode = S_IRUSR | S_IWUSR;
	*out = file;
	return 0;
}
