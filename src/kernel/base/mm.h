/*
 * Mappings of a file (Linux's struct vm_area_struct and mmap_region, the
 * part a driver's mmap sees). The lab has no page tables for a program:
 * a device mapping is trap and emulate. The uapi reserves the address
 * range (no access), calls vfs_mmap, which hands the vma to the file's
 * f_op->mmap; the driver validates it and sets vm_ops. Each load or store
 * the program then makes in the range traps in the uapi and becomes one
 * vma_access call, which the driver's vm_ops->access performs on the
 * device (Linux's remap_pfn_range would instead let the CPU reach it).
 *
 * A vma holds a reference on its file: closing the descriptor leaves the
 * mapping working, as in Linux; vfs_munmap drops it.
 */
#ifndef LAB_KERNEL_BASE_MM_H
#define LAB_KERNEL_BASE_MM_H

#include "common/types.h"

struct file;
struct vm_area_struct;

/* vm_flags, Linux's values. */
#define VM_READ		0x1ul
#define VM_WRITE	0x2ul
#define VM_EXEC		0x4ul
#define VM_SHARED	0x8ul
#define VM_PFNMAP	0x400ul		/* page frames with no struct page: a device's MMIO */
#define VM_IO		0x4000ul

struct vm_operations_struct {
	/* The mapping is going (munmap, or the process's exit). */
	void (*close)(struct vm_area_struct *vma);
	/*
	 * One load (@write 0: fill @buf) or store (@write 1: from @buf) of
	 * @len bytes (1, 2, 4 or 8) at @addr in [vm_start, vm_end): the bytes
	 * moved, or a negative errno (the program then gets SIGBUS). @buf is
	 * kernel memory. Linux's generic_access_phys has this shape.
	 */
	int (*access)(struct vm_area_struct *vma, unsigned long addr, void *buf, int len,
		      int write);
	/*
	 * A VM_PFNMAP mapping's page frame at @addr: what Linux's
	 * remap_pfn_range (or the mapping's fault handler) would put in the
	 * PTE and follow_pfnmap_start reads back. 0 and *@pfn, or -errno when
	 * a CPU access there would fault (memory decode off, device gone).
	 */
	int (*pfn)(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn);
};

struct vm_area_struct {
	unsigned long vm_start, vm_end;	/* page aligned, in the program */
	unsigned long vm_pgoff;		/* the file offset, in pages */
	unsigned long vm_flags;		/* VM_READ | VM_WRITE | VM_SHARED ... */
	struct file *vm_file;		/* referenced while mapped */
	const struct vm_operations_struct *vm_ops;	/* the driver's (mmap sets it) */
	void *vm_private_data;		/* the driver's */
};

/*
 * mmap(2) of @file over [@start, @start + @len) at file page @pgoff: the
 * checks of Linux's do_mmap (length, offset overflow, access mode: a
 * mapping needs a readable file, a shared writable one a writable file,
 * -EACCES), then f_op->mmap (-ENODEV without one). A driver that accepts
 * must set vm_ops with an access method. 0 and *@out, or a negative errno
 * and nothing changed.
 */
int vfs_mmap(struct file *file, unsigned long start, unsigned long len,
	     unsigned long vm_flags, unsigned long pgoff, struct vm_area_struct **out);
/* munmap: vm_ops->close, the file reference goes, the vma is freed. */
void vfs_munmap(struct vm_area_struct *vma);
/*
 * A trapped load or store (see vm_operations_struct.access): bytes or
 * -errno; -EACCES when the mapping's protection forbids it (a store to a
 * PROT_READ mapping: SIGSEGV, as the MMU would give).
 */
int vma_access(struct vm_area_struct *vma, unsigned long addr, void *buf, int len, int write);
/*
 * The page frame a VM_PFNMAP mapping reaches at @addr (type1's MAP_DMA of
 * a device mapping, Linux's follow_fault_pfn): 0 and *@pfn, -EFAULT for
 * an address outside the vma or a vma that is no pfnmap, or the driver's
 * -errno.
 */
int follow_pfnmap(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn);

#endif
