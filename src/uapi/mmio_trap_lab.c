/*
 * lab_mmap / lab_munmap (iommulab/fd.h): a region mapping of a lab
 * descriptor in this process. vfs_mmap validates it in the kernel (the
 * bus driver's mmap, kernel/base/mm.h) and the vma it gives is the
 * mapping's backend: each trapped access (mmio_trap.c) is one vma_access
 * under the lab's lock, as a pread/pwrite of the region is. The vma holds
 * the device file: closing the descriptor leaves the mapping working, as
 * in Linux; the last munmap of its pages releases it.
 *
 * fork(): the child has its own copy of the lab with the mapping in it
 * (the shim's ranges and handler are copied too), as a MAP_SHARED device
 * mapping is inherited on Linux. exec: gone with the address space.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommulab/fd.h"
#include "fdtable.h"
#include "kernel/base/fs.h"
#include "kernel/base/mm.h"
#include "kernel/kernel.h"
#include "mmio_trap.h"

static int lab_vma_access(void *cookie, uint64_t off, void *buf, int len, bool write)
{
	struct vm_area_struct *vma = cookie;

	lab_lock();
	int ret = vma_access(vma, vma->vm_start + off, buf, len, write);
	lab_unlock();
	return ret < 0 ? ret : ret == len ? 0 : -EIO;
}

static void lab_release(void *cookie)
{
	lab_lock();
	vfs_munmap(cookie);
	lab_unlock();
}

static const struct mmio_trap_ops lab_trap_ops = {
	.access = lab_vma_access,
	.release = lab_release,
};

struct vm_area_struct *mmio_trap_lab_vma(unsigned long addr)
{
	return mmio_trap_cookie(addr, &lab_trap_ops);
}

/* mmio_trap_open_t: the vma for the file in @arg. */
static int lab_open_vma(void *arg, uintptr_t start, size_t len, unsigned long vm_flags,
			uint64_t off, void **cookie)
{
	struct vm_area_struct *vma;

	lab_lock();
	int ret = vfs_mmap(arg, start, len, vm_flags, off >> PAGE_SHIFT, &vma);
	lab_unlock();
	if (!ret)
		*cookie = vma;
	return ret;
}

void *lab_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct file *f = fdtable_get(fd);
	void *p;

	if (!f) {
		errno = EBADF;
		return MAP_FAILED;
	}
	p = mmio_trap_mmap(addr, len, prot, flags, off, &lab_trap_ops, lab_open_vma, f);
	int e = errno;
	lab_lock();
	fput(f);
	lab_unlock();
	errno = e;
	return p;
}

int lab_munmap(void *addr, size_t len)
{
	long ret = syscall(SYS_munmap, addr, len);

	if (ret)
		return -1;
	mmio_trap_forget(addr, (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	return 0;
}
