/*
 * MAP_DMA's memory through a session, without a copy (session.h,
 * struct session_share): before the ioctl leaves, the client makes the
 * range memory the server can map too, as the in-process pin does for
 * itself (uaccess_host.c):
 *  - a shared mapping (a memfd, shared anonymous memory, a file) is sent
 *    as it is: its object through /proc/self/map_files;
 *  - private memory moves into a memfd ("iommulab-pin", the name the fork
 *    guard knows): the contents it has are copied once (never-populated
 *    pages are not), the memfd is mapped MAP_SHARED|MAP_FIXED over the
 *    range with its protection. Nameless memory moves whole up to 2 MiB
 *    boundaries around the range, so later pins of neighbouring pages find
 *    it moved already; the client keeps the memfd and sends it again.
 * The server maps the descriptor and keeps its own view until unpin: the
 * device's DMA lands in the program's pages. Moved memory stays shared
 * (a later fork() gives the child a private copy, as Linux copies pinned
 * anonymous pages for a child).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "session_vfio.h"
#include "uaccess_host.h"

#define CHUNK (2ull << 20)
#define ALIGN_DN(x, a) ((x) & ~((a) - 1))
#define ALIGN_U(x, a) (((x) + (a) - 1) & ~((a) - 1))

/* Memory this client moved into a memfd: the descriptor, kept for later pins. */
struct moved {
	struct moved *next;
	int fd;
	uint64_t ino;
	unsigned dev_major, dev_minor;
};

static struct moved *moved;

void session_share_forget(void)
{
	while (moved) {
		struct moved *m = moved;
		moved = m->next;
		syscall(SYS_close, m->fd);
		free(m);
	}
}

static struct moved *moved_find(const struct uaccess_vma *v)
{
	for (struct moved *m = moved; m; m = m->next)
		if (m->ino == v->inode && m->dev_major == v->dev_major &&
		    m->dev_minor == v->dev_minor)
			return m;
	return NULL;
}

static int vma_prot(const struct uaccess_vma *v)
{
	return (v->r ? PROT_READ : 0) | (v->w ? PROT_WRITE : 0) | (v->x ? PROT_EXEC : 0);
}

/* Moves private [@s, @e) of @v into a new memfd mapped in its place: the record, or NULL. */
static struct moved *move_private(const struct uaccess_vma *v, uint64_t s, uint64_t e)
{
	size_t len = e - s;
	long fd = syscall(SYS_memfd_create, UACCESS_PIN_MEMFD_NAME, MFD_CLOEXEC);
	struct moved *m = calloc(1, sizeof(*m));
	struct stat st;
	void *k = MAP_FAILED;

	if (fd < 0 || !m || syscall(SYS_ftruncate, fd, (off_t)len) || syscall(SYS_fstat, fd, &st))
		goto fail;
	k = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (k == MAP_FAILED)
		goto fail;
	uaccess_host_copy_present((const void *)(uintptr_t)s, k, len, !v->inode);
	if ((void *)syscall(SYS_mmap, s, len, vma_prot(v), MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED)
		goto fail;
	syscall(SYS_munmap, k, len);
	*m = (struct moved){ moved, (int)fd, st.st_ino, major(st.st_dev), minor(st.st_dev) };
	moved = m;
	uaccess_host_fork_guard();
	return m;
fail:
	if (k != MAP_FAILED)
		syscall(SYS_munmap, k, len);
	if (fd >= 0)
		syscall(SYS_close, fd);
	free(m);
	return NULL;
}

/* The object behind shared mapping @v, opened for the server: a descriptor or -errno. */
static int open_shared(const struct uaccess_vma *v)
{
	char path[80];

	snprintf(path, sizeof(path), "/proc/self/map_files/%llx-%llx",
		 (unsigned long long)v->start, (unsigned long long)v->end);
	long fd = syscall(SYS_openat, AT_FDCWD, path, (v->w ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/* Adds @fd to the message's descriptors (once): its index, or -E2BIG. */
static int fd_index(int fd, int *fds, unsigned int *nfds, unsigned int max, bool *added)
{
	*added = false;
	for (unsigned int i = 0; i < *nfds; i++)
		if (fds[i] == fd)
			return (int)i;
	if (*nfds >= max)
		return -E2BIG;
	fds[*nfds] = fd;
	*added = true;
	return (int)(*nfds)++;
}

int session_share_range(uint64_t start, uint64_t len, bool write, struct session_share *sh,
			unsigned int *nsh, int *fds, unsigned int *nfds, unsigned int max)
{
	uint64_t end = start + len;
	struct uaccess_vma v;

	*nsh = 0;
	for (uint64_t a = start; a < end; a = v.end) {
		int ret = uaccess_host_vma(a, &v);
		if (ret)
			return ret == -ENOENT ? -EFAULT : ret;
		if (!v.r || (write && !v.w))
			return -EFAULT;
		uint64_t s = a, e = v.end < end ? v.end : end, offset;
		struct moved *m = v.shared ? moved_find(&v) : NULL;
		int fd;
		bool ours = false, added;
		if (m) {
			fd = m->fd;
			offset = v.pgoff + (s - v.start);
		} else if (v.shared) {
			fd = open_shared(&v);
			if (fd < 0)
				return -EFAULT;
			ours = true;
			offset = v.pgoff + (s - v.start);
		} else {
			uint64_t cs = s, ce = e;
			if (!v.named) {
				cs = ALIGN_DN(s, CHUNK) > v.start ? ALIGN_DN(s, CHUNK) : v.start;
				ce = ALIGN_U(e, CHUNK) < v.end ? ALIGN_U(e, CHUNK) : v.end;
			}
			m = move_private(&v, cs, ce);
			if (!m)
				return -ENOMEM;
			fd = m->fd;
			offset = s - cs;
			v.end = ce;
		}
		int idx = fd_index(fd, fds, nfds, max, &added);
		if (idx < 0 || *nsh >= max) {
			if (ours)
				syscall(SYS_close, fd);
			return -E2BIG;
		}
		if (ours && !added)
			syscall(SYS_close, fd);
		/* Kept descriptors are not the caller's to close: sent as a duplicate. */
		if (added && !ours) {
			long dup = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
			if (dup < 0)
				return -errno;
			fds[idx] = (int)dup;
		}
		sh[(*nsh)++] = (struct session_share){ s, e - s, offset, idx,
						       m ? 1u : (uint32_t)v.w };
	}
	return 0;
}
