/*
 * The lab's /proc/bus/pci (fuse_sysfs_pci.c), made from its sysfs: the
 * "devices" table and one config-space file per function under its bus,
 * as Linux's drivers/pci/proc.c shows them. Paths are relative to
 * /proc/bus/pci ("" is the folder, "/devices", "/00/01.0"). In the kernel
 * thread only.
 */
#ifndef IOMMULAB_UAPI_FUSE_SYSFS_PCI_H
#define IOMMULAB_UAPI_FUSE_SYSFS_PCI_H

#include "kernel/base/fs.h"

int procpci_getattr(const char *path, struct kstat *st);
int procpci_readdir(const char *path, int (*fn)(void *opaque, const char *name), void *opaque);
int procpci_open(const char *path, unsigned int flags, struct file **out);

#endif
