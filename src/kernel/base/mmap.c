// SPDX-License-Identifier: GPL-2.0-only
/*
 * File mappings: vfs_mmap, vfs_munmap and the trapped accesses through a
 * mapping (see mm.h; Linux's mm/mmap.c do_mmap/mmap_region, reduced to a
 * device mapping's needs).
 */
#include <errno.h>
#include <fcntl.h>

#include "kernel/base/fs.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/mm.h"

/* The checks do_mmap makes before the file sees the request. */
static int mmap_check(struct file *file, unsigned long start, unsigned long len,
		      unsigned long vm_flags, unsigned long pgoff)
{
	unsigned int mode = file->f_flags & O_ACCMODE;

	if (!len || (start | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (start + len < start)
		return -ENOMEM;
	/* The file offset of the mapping's end must not wrap. */
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mode == O_WRONLY)
		return -EACCES;
	if ((vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE) && mode == O_RDONLY)
		return -EACCES;
	if (!file->f_op->mmap)
		return -ENODEV;
	return 0;
}

int vfs_mmap(struct file *file, unsigned long start, unsigned long len,
	     unsigned long vm_flags, unsigned long pgoff, struct vm_area_struct **out)
{
	struct vm_area_struct *vma;
	int ret = mmap_check(file, start, len, vm_flags, pgoff);

	if (ret)
		return ret;
	vma = kzalloc(sizeof(*vma));
	if (!vma)
		return -ENOMEM;
	vma->vm_start = start;
	vma->vm_end = start + len;
	vma->vm_pgoff = pgoff;
	vma->vm_flags = vm_flags;
	vma->vm_file = file;
	ret = file->f_op->mmap(file, vma);
	/* A driver that takes the mapping but gives no way to reach it is a bug. */
	if (!ret && (!vma->vm_ops || !vma->vm_ops->access)) {
		if (vma->vm_ops && vma->vm_ops->close)
			vma->vm_ops->close(vma);
		ret = -ENODEV;
	}
	if (ret) {
		kfree(vma);
		return ret;
	}
	get_file(file);
	*out = vma;
	return 0;
}

void vfs_munmap(struct vm_area_struct *vma)
{
	if (vma->vm_ops->close)
		vma->vm_ops->close(vma);
	fput(vma->vm_file);
	kfree(vma);
}

int vma_access(struct vm_area_struct *vma, unsigned long addr, void *buf, int len, int write)
{
	if (addr < vma->vm_start || addr >= vma->vm_end || len > (long)(vma->vm_end - addr))
		return -EFAULT;
	/* The protection forbids it: the CPU would fault (SIGSEGV), not the bus. */
	if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
		return -EACCES;
	return vma->vm_ops->access(vma, addr, buf, len, write);
}

int follow_pfnmap(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn)
{
	if (addr < vma->vm_start || addr >= vma->vm_end || !(vma->vm_flags & VM_PFNMAP) ||
	    !vma->vm_ops->pfn)
		return -EFAULT;
	return vma->vm_ops->pfn(vma, addr & ~(PAGE_SIZE - 1), pfn);
}
