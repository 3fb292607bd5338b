// SPDX-License-Identifier: GPL-2.0-only
/*
 * devtmpfs (Linux's drivers/base/devtmpfs.c): the nodes under /dev that
 * drivers create with their devices and delete with them, and the
 * directories they imply (a directory exists while a node is below it, as
 * devtmpfs removes the empty ones). Opening a node goes through its
 * device number (chrdev_open); opening a directory gives a directory file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/cdev.h"
#include "kernel/base/fs_internal.h"
#include "kernel/base/kalloc.h"
#include "kernel/kernel_state.h"

struct devtmpfs_node {
	struct list_head list;
	char *name;		/* below /dev: "vfio/0" */
	mode_t mode;		/* S_IFCHR | permissions */
	u32 dev;
};

static struct devtmpfs_node *node_find(const char *name, size_t len)
{
	struct devtmpfs_node *n;

	if (!kstate)
		return NULL;
	list_for_each_entry(n, &kstate->fs.nodes, list)
		if (strlen(n->name) == len && !strncmp(n->name, name, len))
			return n;
	return NULL;
}

/* Is "@name" (@len bytes; 0: /dev itself) a directory: some node below it? */
static bool is_dir(const char *name, size_t len)
{
	struct devtmpfs_node *n;

	if (!len)
		return true;
	if (!kstate)
		return false;
	list_for_each_entry(n, &kstate->fs.nodes, list)
		if (!strncmp(n->name, name, len) && n->name[len] == '/')
			return true;
	return false;
}

int devtmpfs_create_node(const char *name, mode_t mode, u32 dev)
{
	struct devtmpfs_node *n;

	if (node_find(name, strlen(name)) || is_dir(name, strlen(name)))
		return -EEXIST;
	n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->name = kstrdup(name);
	if (!n->name) {
		kfree(n);
		return -ENOMEM;
	}
	n->mode = mode;
	n->dev = dev;
	list_add_tail(&n->list, &kstate->fs.nodes);
	return 0;
}

void devtmpfs_delete_node(const char *name)
{
	struct devtmpfs_node *n = node_find(name, strlen(name));

	if (!n)
		return;
	list_del(&n->list);
	kfree(n->name);
	kfree(n);
}

/* ---- lookups by path ----------------------------------------------------- */

struct dev_lookup {
	struct devtmpfs_node *node;	/* the node, or NULL */
	bool dir;			/* a directory */
};

/* "/dev/X": 0, -ENOENT, or -ENOTDIR (a node named with a trailing slash). */
static int dev_lookup(const char *path, struct dev_lookup *l)
{
	const char *name;
	size_t len;

	l->node = NULL;
	l->dir = false;
	if (strncmp(path, "/dev", 4) || (path[4] && path[4] != '/'))
		return -ENOENT;
	name = path + 4;
	while (*name == '/')
		name++;
	len = strlen(name);
	l->node = node_find(name, len);
	if (l->node)
		return 0;
	while (len && name[len - 1] == '/')
		len--;
	if (node_find(name, len))
		return -ENOTDIR;
	if (!is_dir(name, len))
		return -ENOENT;
	l->dir = true;
	return 0;
}

static ssize_t dir_read(struct file *file, char *ubuf, size_t count, loff_t *ppos)
{
	return -EISDIR;
}

static ssize_t dir_write(struct file *file, const char *ubuf, size_t count, loff_t *ppos)
{
	return -EISDIR;
}

static const struct file_operations devtmpfs_dir_fops = {
	.read = dir_read,
	.write = dir_write,
	.llseek = default_llseek,
};

int devtmpfs_open(const char *path, unsigned int flags, struct file **out)
{
	struct dev_lookup l;
	struct file *file;
	int ret = dev_lookup(path, &l);

	if (ret)
		return ret;
	if (l.dir && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (!l.dir && (flags & O_DIRECTORY))
		return -ENOTDIR;
	file = alloc_file(l.dir ? &devtmpfs_dir_fops : NULL, flags, NULL);
	if (!file)
		return -ENOMEM;
	if (l.dir) {
		file->f_inode.i_mode = S_IFDIR | 0755;
	} else {
		file->f_inode.i_mode = l.node->mode;
		file->f_inode.i_rdev = l.node->dev;
		ret = chrdev_open(file_inode(file), file);
		if (ret) {
			fput(file);
			return ret;
		}
	}
	*out = file;
	return 0;
}

int devtmpfs_stat(const char *path, struct kstat *st)
{
	struct dev_lookup l;
	int ret = dev_lookup(path, &l);

	if (ret)
		return ret;
	st->mode = l.dir ? S_IFDIR | 0755 : l.node->mode;
	st->rdev = l.dir ? 0 : l.node->dev;
	st->size = 0;
	return 0;
}

/* Numbers first, ascending (the group nodes), then names in byte order. */
static int entry_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	char *ex, *ey;
	unsigned long nx = strtoul(x, &ex, 10), ny = strtoul(y, &ey, 10);
	bool dx = *x && !*ex, dy = *y && !*ey;

	if (dx != dy)
		return dx ? -1 : 1;
	if (dx && nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x, y);
}

int devtmpfs_readdir(const char *path, int (*fn)(void *opaque, const char *name, mode_t type),
		     void *opaque)
{
	struct dev_lookup l;
	struct devtmpfs_node *n;
	const char *dir;
	size_t len, count = 0, i;
	char **names;
	int ret = dev_lookup(path, &l);

	if (ret)
		return ret;
	if (!l.dir)
		return -ENOTDIR;
	dir = path + 4;
	while (*dir == '/')
		dir++;
	len = strlen(dir);
	while (len && dir[len - 1] == '/')
		len--;
	list_for_each_entry(n, &kstate->fs.nodes, list)
		count++;
	names = kcalloc(count ? count : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	count = 0;
	/* The entries right below @dir: a node's name, or the directory it lies in. */
	list_for_each_entry(n, &kstate->fs.nodes, list) {
		const char *rest = n->name + len + (len ? 1 : 0);
		if (len && (strncmp(n->name, dir, len) || n->name[len] != '/'))
			continue;
		char *entry = kstrndup(rest, strcspn(rest, "/"));
		if (!entry) {
			ret = -ENOMEM;
			goto out;
		}
		for (i = 0; i < count && strcmp(names[i], entry); i++)
			;
		if (i < count)
			kfree(entry);
		else
			names[count++] = entry;
	}
	qsort(names, count, sizeof(*names), entry_cmp);
	ret = fn(opaque, ".", S_IFDIR);
	if (!ret)
		ret = fn(opaque, "..", S_IFDIR);
	for (i = 0; !ret && i < count; i++) {
		const char *rest = names[i];
		char full[256];
		snprintf(full, sizeof(full), "%.*s%s%s", (int)len, dir, len ? "/" : "", rest);
		n = node_find(full, strlen(full));
		ret = fn(opaque, names[i], n ? (n->mode & S_IFMT) : S_IFDIR);
	}
out:
	for (i = 0; i < count; i++)
		kfree(names[i]);
	kfree(names);
	return ret > 0 ? 0 : ret;
}
