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
/* The link's text, relative as Linux prints it ("../../../bus/platform/drivers/x"). */
ssize_t sysfs_readlink(const char *path, char *buf, size_t size);
/* Canonical absolute path with every link resolved (readlink -f). */
int sysfs_realpath(const char *path, char *buf, size_t size);
/* Entries of a directory, sorted by name; @fn returning non-zero stops the walk. */
int sysfs_readdir(const char *path,
		  int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		  void *opaque);

#endif
