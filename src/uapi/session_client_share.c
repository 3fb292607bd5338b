/*
 * MAP_DMA's memory through a session, without a copy (session.h,
 * struct session_share): before the ioctl leaves, the client makes the
 * range memory the server can map too, as the in-process pin does for
 * itself (uaccess_host.c):
 *  - a shared mapping (a memfd, shared anonymous memory, a file) is sent
 *    as it is: the descriptor of its object. In a session's user
 *    namespace /proc/self/map_files cannot be opened (it wants
 *    CAP_SYS_ADMIN in the host's namespace), so the object is found
 *    exactly, by device and inode: among the memfds this client keeps
 *    (below), through map_files where it opens, else among the process's
 *    own open descriptors (QEMU keeps its memory-backend-memfd's);
 *  - shared anonymous memory has no descriptor at all: the shim makes it
 *    a memfd ("iommulab-shared") as the program maps it
 *    (session_share_mmap_anon, from the mmap interposer), and keeps the
 *    descriptor; such memory is shared with a fork()ed child as on Linux;
 *  - private memory moves into a memfd ("iommulab-pin", the name the fork
 *    guard knows): the contents it has are copied once (never-populated
 *    pages are not), the memfd is mapped MAP_SHARED|MAP_FIXED over the
 *    range with its protection. Nameless memory moves whole up to 2 MiB
 *    boundaries around the range, so later pins of neighbouring pages find
 *    it moved already; the client keeps the memfd and sends it again.
 * The server maps the descriptor and keeps its own view until unpin: the
 * device's DMA lands in the program's pages. Moved memory stays shared
 * (a later fork() gives the child a private copy, as Linux copies pinned
 * anonymous pages for a child). A kept memfd is closed when the program
 * unmaps the whole range it was mapped at (session_share_munmap, from the
 * munmap interposer: no /proc read), else, once no longer mapped
 * anywhere in the process, at the next one kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

/* A memfd this client made (moved private memory, shared anonymous memory): kept for pins. */
struct moved {
	struct moved *next;
	int fd;
	uint64_t ino;
	unsigned dev_major, dev_minor;
	bool anon_shared;	/* shared anonymous memory: its child shares it too */
	uint64_t base, len;	/* where the shim mapped it */
};

static struct moved *moved;
static pthread_mutex_t moved_lock = PTHREAD_MUTEX_INITIALIZER;

static void moved_drop(struct moved **pp)
{
	struct moved *m = *pp;

	*pp = m->next;
	syscall(SYS_close, m->fd);
	free(m);
}

void session_share_forget(void)
{
	pthread_mutex_init(&moved_lock, NULL);
	for (struct moved **pp = &moved; *pp;) {
		if ((*pp)->anon_shared)
			pp = &(*pp)->next;
		else
			moved_drop(pp);
	}
}

/* Is an object of @dev:@ino (maps' "major:minor inode") mapped in @maps? */
static bool mapped_in(const char *maps, unsigned major, unsigned minor, uint64_t ino)
{
	char key[64];

	snprintf(key, sizeof(key), " %02x:%02x %llu ", major, minor, (unsigned long long)ino);
	return strstr(maps, key) != NULL;
}

/* /proc/self/maps as a string (malloc'd), or NULL. */
static char *maps_read(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, len = 0;
	char *buf = fd < 0 ? NULL : malloc(cap);
	long n;

	while (buf && (n = syscall(SYS_read, fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* Under moved_lock: closes the kept memfds the process no longer maps. */
static void moved_prune(void)
{
	char *maps = moved ? maps_read() : NULL;

	if (!maps)
		return;
	for (struct moved **pp = &moved; *pp;) {
		struct moved *m = *pp;
		if (mapped_in(maps, m->dev_major, m->dev_minor, m->ino))
			pp = &m->next;
		else
			moved_drop(pp);
	}
	free(maps);
}

/* Under moved_lock: keeps @fd (a memfd this client made) for later pins. NULL on failure. */
static struct moved *moved_add(int fd, bool anon_shared, uint64_t base, uint64_t len)
{
	struct moved *m = calloc(1, sizeof(*m));
	struct stat st;

	if (!m || syscall(SYS_fstat, fd, &st)) {
		free(m);
		return NULL;
	}
	moved_prune();
	*m = (struct moved){ moved, fd, st.st_ino, major(st.st_dev), minor(st.st_dev),
			     anon_shared, base, len };
	__atomic_store_n(&moved, m, __ATOMIC_RELEASE);
	return m;
}

void *session_share_mmap_anon(void *addr, size_t len, int prot, int flags,
			      void *(*real_mmap)(void *, size_t, int, int, int, off_t))
{
	long fd = syscall(SYS_memfd_create, SESSION_SHARED_MEMFD_NAME, MFD_CLOEXEC);
	void *p = MAP_FAILED;

	/* Without a memfd it stays plain shared anonymous memory (MAP_DMA then says EFAULT). */
	if (fd < 0 || syscall(SYS_ftruncate, fd, (off_t)len))
		goto plain;
	p = real_mmap(addr, len, prot, flags & ~MAP_ANONYMOUS, (int)fd, 0);
	if (p == MAP_FAILED)
		goto plain;
	pthread_mutex_lock(&moved_lock);
	bool kept = moved_add((int)fd, true, (uintptr_t)p, ALIGN_U(len, 4096));
	pthread_mutex_unlock(&moved_lock);
	if (kept)
		return p;
	syscall(SYS_munmap, p, len);
plain:
	if (fd >= 0)
		syscall(SYS_close, fd);
	return real_mmap(addr, len, prot, flags, -1, 0);
}

void session_share_munmap(void *addr, size_t len)
{
	uint64_t s = (uintptr_t)addr, e = s + ALIGN_U(len, 4096);

	/* Nothing kept (most programs): no lock. */
	if (!__atomic_load_n(&moved, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&moved_lock);
	for (struct moved **pp = &moved; *pp;) {
		if ((*pp)->base >= s && (*pp)->base + (*pp)->len <= e)
			moved_drop(pp);
		else
			pp = &(*pp)->next;
	}
	pthread_mutex_unlock(&moved_lock);
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
	struct moved *m;
	void *k = MAP_FAILED;

	if (fd < 0 || syscall(SYS_ftruncate, fd, (off_t)len))
		goto fail;
	k = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (k == MAP_FAILED)
		goto fail;
	uaccess_host_copy_present((const void *)(uintptr_t)s, k, len, !v->inode);
	if ((void *)syscall(SYS_mmap, s, len, vma_prot(v), MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED)
		goto fail;
	syscall(SYS_munmap, k, len);
	m = moved_add((int)fd, false, s, len);
	if (!m)
		goto fail;
	uaccess_host_fork_guard();
	return m;
fail:
	if (k != MAP_FAILED)
		syscall(SYS_munmap, k, len);
	if (fd >= 0)
		syscall(SYS_close, fd);
	return NULL;
}

/* Is @fd open on the object of @v? */
static bool fd_is_object(int fd, const struct uaccess_vma *v)
{
	struct stat st;

	return !syscall(SYS_fstat, fd, &st) && st.st_ino == v->inode &&
	       major(st.st_dev) == v->dev_major && minor(st.st_dev) == v->dev_minor;
}

/* One of the process's descriptors open on @v's object, reopened for the server, or -EFAULT. */
static int open_from_fds(const struct uaccess_vma *v)
{
	long dir = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096];
	long n;
	int found = -EFAULT;

	if (dir < 0)
		return -EFAULT;
	while (found < 0 && (n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; found < 0 && off < n;) {
			struct { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type;
				 char name[]; } *d = (void *)(buf + off);
			char path[64];
			int fd = atoi(d->name);

			off += d->reclen;
			if (d->name[0] < '0' || d->name[0] > '9' || fd == (int)dir ||
			    !fd_is_object(fd, v))
				continue;
			/* A new open of the same object, with the access the mapping has. */
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			long nfd = syscall(SYS_openat, AT_FDCWD, path,
					   (v->w ? O_RDWR : O_RDONLY) | O_CLOEXEC);
			if (nfd >= 0)
				found = (int)nfd;
		}
	}
	syscall(SYS_close, dir);
	return found;
}

/* The object behind shared mapping @v, opened for the server: a descriptor or -EFAULT. */
static int open_shared(const struct uaccess_vma *v)
{
	char path[80];

	snprintf(path, sizeof(path), "/proc/self/map_files/%llx-%llx",
		 (unsigned long long)v->start, (unsigned long long)v->end);
	long fd = syscall(SYS_openat, AT_FDCWD, path, (v->w ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd >= 0)
		return (int)fd;
	return v->inode ? open_from_fds(v) : -EFAULT;
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

/*
 * The stack this code runs on can be nameless memory right beside the
 * range (a QEMU coroutine's stack is an anonymous mapping, merged with
 * its neighbours into one vma): moved, it would lose what the move itself
 * writes there between the copy and the remap, and return into garbage.
 * The extension to 2 MiB stops short of the pages around the stack
 * pointer; the range the caller asked for moves as it is.
 */
#define STACK_SPARE (64ull << 10)

static void spare_stack(uint64_t s, uint64_t e, uint64_t *cs, uint64_t *ce)
{
	uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
	uint64_t lo = sp > STACK_SPARE ? sp - STACK_SPARE : 0, hi = sp + STACK_SPARE;

	if (*cs < s && lo < s && hi > *cs)
		*cs = s;
	if (*ce > e && lo < *ce && hi > e)
		*ce = e;
}

static int share_range_locked(uint64_t start, uint64_t len, bool write,
			      struct session_share *sh, unsigned int *nsh, int *fds,
			      unsigned int *nfds, unsigned int max)
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
				spare_stack(s, e, &cs, &ce);
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

int session_share_range(uint64_t start, uint64_t len, bool write, struct session_share *sh,
			unsigned int *nsh, int *fds, unsigned int *nfds, unsigned int max)
{
	pthread_mutex_lock(&moved_lock);
	int ret = share_range_locked(start, len, write, sh, nsh, fds, nfds, max);
	pthread_mutex_unlock(&moved_lock);
	return ret;
}
