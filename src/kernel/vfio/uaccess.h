/*
 * copy_from_user / copy_to_user for the lab, where "user" memory is this
 * process's own: a program's ioctl argument or read/write buffer. A bad
 * pointer must give -EFAULT, as in Linux, never a crash, so the copies go
 * through process_vm_readv/writev on ourselves, which report an
 * unmapped or read-only address instead of faulting. Where those calls
 * are unavailable (seccomp, old kernels) the copy falls back to memcpy.
 */
#ifndef LAB_KERNEL_VFIO_UACCESS_H
#define LAB_KERNEL_VFIO_UACCESS_H

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "common/types.h"

static inline int uaccess_copy(void *local, const void *remote, size_t n, bool write)
{
	if (!n)
		return 0;
	if ((uintptr_t)remote < 4096)
		return -EFAULT;
	struct iovec l = { local, n }, r = { (void *)remote, n };
	long got = syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv, getpid(),
			   &l, 1, &r, 1, 0);
	if (got == (long)n)
		return 0;
	if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (write)
			memcpy((void *)remote, local, n);
		else
			memcpy(local, remote, n);
		return 0;
	}
	return -EFAULT;
}

static inline int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return uaccess_copy(dst, usrc, n, false);
}

static inline int copy_to_user(void *udst, const void *src, size_t n)
{
	return uaccess_copy((void *)src, udst, n, true);
}

/*
 * A NUL-terminated user string of at most @max bytes (NUL included) into
 * @dst: its length, -EFAULT, or -EINVAL when no NUL comes within @max
 * (strndup_user's answers). Reads stop at the first unreadable byte.
 */
static inline long strncpy_from_user_lab(char *dst, const char *usrc, size_t max)
{
	if ((uintptr_t)usrc < 4096)
		return -EFAULT;
	size_t done = 0;
	while (done < max) {
		/* Up to the end of the current page: the next may not exist. */
		size_t chunk = PAGE_SIZE - (((uintptr_t)usrc + done) & (PAGE_SIZE - 1));
		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user(dst + done, usrc + done, chunk))
			return -EFAULT;
		void *nul = memchr(dst + done, 0, chunk);
		if (nul)
			return (char *)nul - dst;
		done += chunk;
	}
	return -EINVAL;
}

#endif
