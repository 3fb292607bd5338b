/*
 * The session's /dev/vfio (session_devfs.c). Not public API.
 */
#ifndef IOMMULAB_UAPI_SESSION_DEVFS_H
#define IOMMULAB_UAPI_SESSION_DEVFS_H

#include <stddef.h>

/*
 * Puts @from (the FUSE filesystem's "vfio" folder) at /dev/vfio in the
 * session's mount namespace; @dir is the session directory (a staging
 * place). 0 or -errno with @msg set.
 */
int session_devfs_install(const char *dir, const char *from, char *msg, size_t msglen);

#endif
