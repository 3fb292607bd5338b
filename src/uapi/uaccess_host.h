/*
 * The host's implementation of the kernel's uaccess ops for a program in
 * this process (uaccess_host.c). Installed once, with the lab's lock.
 */
#ifndef IOMMULAB_UAPI_UACCESS_HOST_H
#define IOMMULAB_UAPI_UACCESS_HOST_H

void uaccess_host_install(void);

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uaccess_ops;
/* The ops uaccess_host_install installs (the session server dispatches to them). */
const struct uaccess_ops *uaccess_host_ops(void);

/* One mapping of this process (/proc/self/maps or PROCMAP_QUERY). */
struct uaccess_vma {
	uint64_t start, end, pgoff, inode;
	unsigned dev_major, dev_minor;
	bool r, w, x, shared, named;
};
/* The mapping covering @addr: 0, -ENOENT (none) or -ENOMEM. */
int uaccess_host_vma(uint64_t addr, struct uaccess_vma *v);
/* Copies the pages of [@src, +@len) that have contents to @dst (@anon: per pagemap). */
void uaccess_host_copy_present(const void *src, void *dst, size_t len, bool anon);
/*
 * fork(): the child gets private copies of the iommulab-pin mappings (the
 * session client's shared DMA memory as the in-process pin's); registers
 * the atfork handlers once.
 */
void uaccess_host_fork_guard(void);
/* The memfd name of moved private memory (what the fork guard looks for). */
#define UACCESS_PIN_MEMFD_NAME "iommulab-pin"

#endif
