/*
 * The virtual /sys tree. The kernel creates directories, attribute files and
 * symlinks in it as Linux does; the shell and the uapi read and write it by
 * path. Errors are negative errno values, the same Linux's VFS gives
 * (-ENOENT, -ENOTDIR, -EISDIR, -EACCES for a write to a read-only file or a
 * read of a write-only one, and whatever the store callback returns).
 */
#ifndef LAB_KERNEL_SYSFS_H
#define LAB_KERNEL_SYSFS_H

#include "common/types.h"

enum sysfs_type { SYSFS_DIR, SYSFS_FILE, SYSFS_LINK };

struct sysfs_stat {
	enum sysfs_type type;
	unsigned mode;      /* permission bits as ls -l would show, e.g. 0644, 0200 */
};

/* ---- access by path (the shell, the uapi) ----------------------------- */

/* Follows symlinks in every component except, for lstat, the last. */
int sysfs_stat(const char *path, struct sysfs_stat *st);
int sysfs_lstat(const char *path, struct sysfs_stat *st);
/* Reads a whole attribute; returns the byte count (< size) or -errno. */
ssize_t sysfs_read(const char *path, char *buf, size_t size);
/* One write(2) of @len bytes; returns @len or -errno (state unchanged on error). */
ssize_t sysfs_write(const char *path, const char *buf, size_t len);
/* One pwrite(2) at @off to a binary file (sysfs_attr.write); others as sysfs_write at 0. */
ssize_t sysfs_pwrite(const char *path, const char *buf, size_t len, u64 off);
/* The link's text, relative as Linux prints it ("../../../bus/platform/drivers/x"). */
ssize_t sysfs_readlink(const char *path, char *buf, size_t size);
/* Canonical absolute path with every link resolved (readlink -f). */
int sysfs_realpath(const char *path, char *buf, size_t size);
/* Entries of a directory, sorted by name; @fn returning non-zero stops the walk. */
int sysfs_readdir(const char *path,
		  int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		  void *opaque);

/* ---- building the tree (the kernel side) ------------------------------ */

struct sysfs_node;

/*
 * An attribute file. @show fills a PAGE_SIZE buffer and returns the byte
 * count; @store gets the whole write, NUL-terminated, and returns @len or
 * -errno. @read, if set, replaces @show for binary files of any size (the
 * devicetree properties). Attributes are not copied: they must outlive the
 * file. Embed one in a bigger struct to give each file its own data.
 */
struct sysfs_attr {
	const char *name;
	unsigned mode;
	ssize_t (*show)(void *owner, const struct sysfs_attr *attr, char *buf);
	ssize_t (*store)(void *owner, const struct sysfs_attr *attr, const char *buf, size_t len);
	ssize_t (*read)(void *owner, const struct sysfs_attr *attr, char *buf, size_t size);
	/* Binary files written at an offset (Linux's bin_attribute write): PCI config. */
	ssize_t (*write)(void *owner, const struct sysfs_attr *attr, const char *buf, size_t len,
			 u64 off);
};

int sysfs_init(void);
/* Frees the whole tree (every node, whatever still refers to it). */
void sysfs_exit(void);
struct sysfs_node *sysfs_root(void);

/* Each returns 0 and the new node in *@out (may be NULL), -EEXIST or -ENOMEM. */
int sysfs_create_dir(struct sysfs_node *parent, const char *name, struct sysfs_node **out);
int sysfs_create_file(struct sysfs_node *dir, const struct sysfs_attr *attr, void *owner,
		      struct sysfs_node **out);
int sysfs_create_link(struct sysfs_node *dir, const char *name, struct sysfs_node *target);
/* Removes a node and everything under it; links to it dangle (-ENOENT). NULL is a no-op. */
void sysfs_remove(struct sysfs_node *node);
/* Removes the child @name of @dir if it exists. */
void sysfs_remove_name(struct sysfs_node *dir, const char *name);
/* Child @name of @dir, links not followed; NULL if absent. */
struct sysfs_node *sysfs_get_child(struct sysfs_node *dir, const char *name);
/* A link's target, or NULL for a dangling link or a node that is no link (readlink's -ENOENT). */
struct sysfs_node *sysfs_link_target(const struct sysfs_node *link);
/* Resolves an absolute path ("/sys/...") following every link; NULL if absent. */
struct sysfs_node *sysfs_find(const char *path);
/* Renames a node inside its directory (device_rename); -EEXIST, -ENOMEM. */
int sysfs_rename(struct sysfs_node *node, const char *name);
/* Absolute path of a node ("/sys/devices/platform/x") into @buf. */
int sysfs_node_path(const struct sysfs_node *node, char *buf, size_t size);
const char *sysfs_node_name(const struct sysfs_node *node);

#endif
