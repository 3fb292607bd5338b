/*
 * The host's implementation of the kernel's uaccess ops for a program in
 * this process (uaccess_host.c). Installed once, with the lab's lock.
 */
#ifndef IOMMULAB_UAPI_UACCESS_HOST_H
#define IOMMULAB_UAPI_UACCESS_HOST_H

void uaccess_host_install(void);

#endif
