/*
 * The fd table's calls for the preload shim only (not public API).
 */
#ifndef IOMMULAB_UAPI_FDTABLE_H
#define IOMMULAB_UAPI_FDTABLE_H

#include <stdbool.h>

/* F_DUPFD / F_DUPFD_CLOEXEC (O_CLOEXEC in @flags): the lowest free descriptor >= @minfd. */
int lab_dup_from(int fd, int minfd, int flags);
/* Is @fd (received over a UNIX socket) the same open file as a lab descriptor? Then it becomes one. */
bool lab_adopt(int fd);

/* The file behind lab descriptor @fd, referenced (fput it under the lab lock), or NULL. */
struct file;
struct file *fdtable_get(int fd);

/*
 * This process's descriptor table as the kernel's files_host_ops: the
 * session server puts it back after serving a client's op (session_vfio.c).
 */
struct files_host_ops;
const struct files_host_ops *fdtable_files_ops(void);

#endif
