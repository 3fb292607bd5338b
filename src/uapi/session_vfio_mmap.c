/*
 * The session server's side of region mmap (session.h SESSION_MMAP): the
 * bus driver validates the client's mapping through vfs_mmap, and the vma
 * becomes a file on a new handle of the client's ("[vfio-mmap]"), whose
 * read and write at a position are the trapped loads and stores at that
 * offset in the mapping. The handle holds the vma, and the vma the device
 * file, so a mapping outlives the client's close of the device fd, and a
 * client's exit unmaps what it had mapped (its handles are closed).
 * The kernel's vma_lookup for a client looks among these handles
 * (session_mmap_vma): the client closes one when it unmaps the range.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "iommulab/fd.h"
#include "kernel/base/fs.h"
#include "kernel/base/mm.h"
#include "kernel/base/uaccess.h"
#include "session_server.h"
#include "session_vfio.h"

static int mapping_release(struct inode *inode, struct file *file)
{
	vfs_munmap(file->private_data);
	return 0;
}

/* One trapped access of @count bytes at @pos in the mapping. */
static ssize_t mapping_rw(struct file *file, char *ubuf, size_t count, loff_t pos, bool write)
{
	struct vm_area_struct *vma = file->private_data;
	uint64_t v = 0;
	int ret;

	if (count != 1 && count != 2 && count != 4 && count != 8)
		return -EINVAL;
	if (pos < 0 || (uint64_t)pos >= vma->vm_end - vma->vm_start)
		return -EFAULT;
	if (write && copy_from_user(&v, ubuf, count))
		return -EFAULT;
	ret = vma_access(vma, vma->vm_start + (unsigned long)pos, &v, (int)count, write);
	if (ret < 0)
		return ret;
	if (!write && copy_to_user(ubuf, &v, count))
		return -EFAULT;
	return ret;
}

static ssize_t mapping_read(struct file *file, char *ubuf, size_t count, loff_t *ppos)
{
	return mapping_rw(file, ubuf, count, *ppos, false);
}

static ssize_t mapping_write(struct file *file, const char *ubuf, size_t count, loff_t *ppos)
{
	return mapping_rw(file, (char *)ubuf, count, *ppos, true);
}

static const struct file_operations mapping_fops = {
	.release = mapping_release,
	.read = mapping_read,
	.write = mapping_write,
};

bool session_mmap_file(const struct file *f)
{
	return f->f_op == &mapping_fops;
}

struct vm_area_struct *session_mmap_vma(struct session_client *c, unsigned long addr)
{
	for (unsigned int i = 0; i < c->nr_files; i++) {
		struct file *f = c->files[i];
		struct vm_area_struct *vma;

		if (!f || f->f_op != &mapping_fops)
			continue;
		vma = f->private_data;
		if (addr >= vma->vm_start && addr < vma->vm_end)
			return vma;
	}
	return NULL;
}

static void op_mmap(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_fileop op;
	struct vm_area_struct *vma;
	struct file *f, *mf;

	if (req->len < sizeof(op)) {
		rep->ret = -EINVAL;
		return;
	}
	memcpy(&op, req->payload, sizeof(op));
	if (op.off < 0 || (op.off & (PAGE_SIZE - 1))) {
		rep->ret = -EINVAL;
		return;
	}
	lab_lock();
	f = session_client_file(c, op.handle);
	rep->ret = f ? vfs_mmap(f, op.arg, op.count, op.cmd, (uint64_t)op.off >> PAGE_SHIFT, &vma)
		     : -EBADF;
	if (!rep->ret) {
		rep->ret = anon_inode_getfile("[vfio-mmap]", &mapping_fops, vma, O_RDWR, &mf);
		if (rep->ret)
			vfs_munmap(vma);
	}
	if (!rep->ret) {
		rep->ret = session_client_install(c, mf);
		if (rep->ret < 0)
			fput(mf);
	}
	lab_unlock();
}

__attribute__((constructor)) static void session_vfio_mmap_register(void)
{
	session_register_op(SESSION_MMAP, op_mmap);
}
