/*
 * The session server's side of the kernel's uaccess and descriptor calls
 * (kernel/base/uaccess.h, kernel/base/fs.h) for a client process served
 * over a session (session.h): while session_vfio.c serves one of its ops,
 *  - copy_{from,to}_user inside the marshalled argument are served from
 *    the message's bytes, anything else from the client's memory by pid
 *    (process_vm_readv/writev);
 *  - pin_user_pages maps the descriptors the client shared for the range
 *    (struct session_share): the server's view of the program's own pages,
 *    kept until unpin, so a device's DMA lands in them with no copy;
 *  - eventfd_ctx_fdget takes the program's eventfd the message carried:
 *    the kernel signals the program's own eventfd;
 *  - descriptor numbers are the client connection's handles.
 * Between ops the server's own (in-process) accessors serve, for the
 * lab's shell. Pins and eventfds outlive the op: their unpin, address,
 * signal and put come at any time, so these objects carry a magic word
 * the dispatcher tells them by (the in-process objects begin with a small
 * count or a descriptor, never the magic).
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "common/types.h"
#include "fdtable.h"
#include "kernel/base/fs.h"
#include "kernel/base/uaccess.h"
#include "session_ioeventfd.h"
#include "session_server.h"
#include "session_vfio.h"
#include "uaccess_host.h"

#define REMOTE_PAGES_MAGIC 0x5345535350494e53ull	/* "SESSPINS" */
#define REMOTE_EVENTFD_MAGIC 0x7365737365766664ull	/* "sessevfd": > any fd in its top half */

struct remote_seg {
	void *map;		/* the server's view of the shared pages */
	size_t len;
	struct remote_view *view;	/* the kept view @map is in, or NULL: its own mapping */
};

struct remote_pages {
	u64 magic;
	size_t nr;
	struct remote_seg *segs;
};

struct remote_eventfd {
	u64 magic;
	int fd;			/* the server's copy of the program's eventfd */
};

static struct remote_op *cur;
static const struct uaccess_ops *host;

/* ---- copies ---------------------------------------------------------------- */

static int remote_copy(void *kbuf, unsigned long ubuf, size_t n, bool to_user)
{
	if (ubuf >= cur->arg && n <= cur->len && ubuf - cur->arg <= cur->len - n) {
		size_t off = ubuf - cur->arg;
		if (to_user) {
			memcpy(cur->buf + off, kbuf, n);
			if (off + n > cur->wrote)
				cur->wrote = off + n;
		} else {
			memcpy(kbuf, cur->buf + off, n);
		}
		return 0;
	}
	/* Past the marshalled bytes (a nested pointer, a short argsz): the client's memory. */
	struct iovec l = { kbuf, n }, r = { (void *)ubuf, n };
	long got = syscall(to_user ? SYS_process_vm_writev : SYS_process_vm_readv, cur->pid,
			   &l, 1, &r, 1, 0);
	return got == (long)n ? 0 : -EFAULT;
}

/* ---- pins ------------------------------------------------------------------ */

static void remote_unpin_pages(struct remote_pages *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		if (p->segs[i].view)
			remote_view_put(p->segs[i].view);
		else
			munmap(p->segs[i].map, p->segs[i].len);
	}
	free(p->segs);
	p->magic = 0;
	free(p);
}

/* The share covering client address @a, or NULL. */
static const struct session_share *share_at(u64 a)
{
	for (unsigned int i = 0; i < cur->nshares; i++) {
		const struct session_share *s = &cur->shares[i];
		if (a >= s->start && a - s->start < s->len)
			return s;
	}
	return NULL;
}

static int remote_pin(unsigned long start, size_t len, unsigned int gup_flags,
		      struct user_pages **out)
{
	bool write = gup_flags & FOLL_WRITE;
	struct remote_pages *p = calloc(1, sizeof(*p));
	u64 end = (u64)start + len;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	p->magic = REMOTE_PAGES_MAGIC;
	for (u64 a = start; a < end && !ret;) {
		const struct session_share *s = share_at(a);
		/* Nothing shared here: the client found no memory (Linux: -EFAULT). */
		if (!s || s->fd < 0 || (unsigned int)s->fd >= cur->nfds || (write && !s->writable)) {
			ret = -EFAULT;
			break;
		}
		u64 e = MIN(end, s->start + s->len);
		size_t n = e - a;
		u64 off = s->offset + (a - s->start);
		struct remote_view *view = NULL;
		/* The object's kept view; else (not a whole regular file) this range alone. */
		void *map = remote_view_get(cur->fds[s->fd], off, n, s->writable, &view);
		if (!map)
			map = mmap(NULL, n, PROT_READ | (s->writable ? PROT_WRITE : 0), MAP_SHARED,
				   cur->fds[s->fd], (off_t)off);
		struct remote_seg *ns = map == MAP_FAILED ? NULL
				      : realloc(p->segs, (p->nr + 1) * sizeof(*ns));
		if (!ns) {
			ret = map == MAP_FAILED && errno != ENOMEM ? -EFAULT : -ENOMEM;
			if (view)
				remote_view_put(view);
			else if (map != MAP_FAILED)
				munmap(map, n);
			break;
		}
		p->segs = ns;
		p->segs[p->nr++] = (struct remote_seg){ map, n, view };
		a = e;
	}
	if (ret) {
		remote_unpin_pages(p);
		return ret;
	}
	*out = (struct user_pages *)p;
	return 0;
}

static void *remote_address(struct remote_pages *p, size_t off)
{
	for (size_t i = 0; i < p->nr; i++) {
		if (off < p->segs[i].len)
			return (u8 *)p->segs[i].map + off;
		off -= p->segs[i].len;
	}
	return NULL;
}

/* ---- eventfds -------------------------------------------------------------- */

static int remote_eventfd_get(int idx, struct eventfd_ctx **out)
{
	char path[64], link[64];

	if (idx < 0 || (unsigned int)idx >= cur->nfds || cur->fds[idx] < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cur->fds[idx]);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -EBADF;
	link[n] = 0;
	if (strcmp(link, "anon_inode:[eventfd]"))
		return -EINVAL;
	struct remote_eventfd *e = malloc(sizeof(*e));
	long fd = fcntl(cur->fds[idx], F_DUPFD_CLOEXEC, 0);
	if (!e || fd < 0) {
		free(e);
		if (fd >= 0)
			close((int)fd);
		return -ENOMEM;
	}
	*e = (struct remote_eventfd){ REMOTE_EVENTFD_MAGIC, (int)fd };
	*out = (struct eventfd_ctx *)e;
	return 0;
}

/* ---- the dispatcher --------------------------------------------------------- */

static bool is_remote_pages(struct user_pages *p)
{
	return *(const u64 *)p == REMOTE_PAGES_MAGIC;
}

static bool is_remote_eventfd(struct eventfd_ctx *ctx)
{
	return *(const u64 *)ctx == REMOTE_EVENTFD_MAGIC;
}

static int d_copy(void *kbuf, unsigned long ubuf, size_t n, bool to_user)
{
	return cur ? remote_copy(kbuf, ubuf, n, to_user) : host->copy(kbuf, ubuf, n, to_user);
}

static int d_pin(unsigned long start, size_t len, unsigned int flags, struct user_pages **out)
{
	return cur ? remote_pin(start, len, flags, out) : host->pin(start, len, flags, out);
}

static void d_unpin(struct user_pages *p)
{
	if (is_remote_pages(p))
		remote_unpin_pages((struct remote_pages *)p);
	else
		host->unpin(p);
}

static void *d_address(struct user_pages *p, size_t off)
{
	return is_remote_pages(p) ? remote_address((struct remote_pages *)p, off)
				  : host->address(p, off);
}

static int d_eventfd_get(int fd, struct eventfd_ctx **out)
{
	if (!cur)
		return host->eventfd_get(fd, out);
	if (fd == SESSION_FD_BAD)
		return -EBADF;
	return remote_eventfd_get(fd, out);
}

static void d_eventfd_signal(struct eventfd_ctx *ctx)
{
	u64 one = 1;

	if (!is_remote_eventfd(ctx)) {
		host->eventfd_signal(ctx);
		return;
	}
	/* A full counter saturates, as Linux's eventfd_signal. */
	if (write(((struct remote_eventfd *)ctx)->fd, &one, sizeof(one)) < 0)
		return;
}

static void d_eventfd_put(struct eventfd_ctx *ctx)
{
	if (!is_remote_eventfd(ctx)) {
		host->eventfd_put(ctx);
		return;
	}
	struct remote_eventfd *e = (struct remote_eventfd *)ctx;
	session_eventfd_unwatch(e->fd);
	close(e->fd);
	e->magic = 0;
	free(e);
}

/*
 * Is the server's descriptor @fd @ctx's eventfd? Asked only by the
 * in-process wait (lab_irq_wait), which a session's programs never run
 * in the server: a remote eventfd is no descriptor of the server's.
 */
static bool d_eventfd_is(struct eventfd_ctx *ctx, int fd)
{
	return !is_remote_eventfd(ctx) && host->eventfd_is(ctx, fd);
}

/* The server's copy of the program's eventfd is the same file: read it as the host does. */
static u64 d_eventfd_read(struct eventfd_ctx *ctx)
{
	struct pollfd p = { .events = POLLIN };
	u64 v = 0;

	if (!is_remote_eventfd(ctx))
		return host->eventfd_read ? host->eventfd_read(ctx) : 0;
	p.fd = ((struct remote_eventfd *)ctx)->fd;
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return 0;
	if (read(p.fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* An ioeventfd: the server's watcher wakes the kernel when the program writes it. */
static void d_eventfd_watch(struct eventfd_ctx *ctx)
{
	if (is_remote_eventfd(ctx))
		session_eventfd_watch(((struct remote_eventfd *)ctx)->fd);
	else if (host->eventfd_watch)
		host->eventfd_watch(ctx);
}

/* A client's region mapping (its SESSION_MMAP handles), or the server's own. */
static struct vm_area_struct *d_vma_lookup(unsigned long addr)
{
	if (cur)
		return session_mmap_vma(cur->c, addr);
	return host->vma_lookup ? host->vma_lookup(addr) : NULL;
}

static const struct uaccess_ops dispatch_ops = {
	.copy = d_copy,
	.pin = d_pin,
	.unpin = d_unpin,
	.address = d_address,
	.eventfd_get = d_eventfd_get,
	.eventfd_signal = d_eventfd_signal,
	.eventfd_put = d_eventfd_put,
	.eventfd_is = d_eventfd_is,
	.eventfd_read = d_eventfd_read,
	.eventfd_watch = d_eventfd_watch,
	.vma_lookup = d_vma_lookup,
};

/* ---- descriptors: the connection's handles ---------------------------------- */

/* A handle reserved between get_unused_fd_flags and fd_install. */
static struct file reserved_slot;

static int remote_get_unused_fd(unsigned int flags)
{
	return session_client_install(cur->c, &reserved_slot);
}

static void remote_put_unused_fd(int fd)
{
	if (session_client_file(cur->c, fd) == &reserved_slot)
		cur->c->files[fd] = NULL;
}

static void remote_fd_install(int fd, struct file *file)
{
	if (session_client_file(cur->c, fd) == &reserved_slot)
		cur->c->files[fd] = file;
}

static int remote_fdget(int fd, struct file **out)
{
	struct file *f = session_client_file(cur->c, fd);

	*out = NULL;
	if (fd == SESSION_FD_FOREIGN)
		return 0;
	if (!f || f == &reserved_slot)
		return -EBADF;
	*out = get_file(f);
	return 0;
}

static const struct files_host_ops remote_files = {
	.get_unused_fd_flags = remote_get_unused_fd,
	.put_unused_fd = remote_put_unused_fd,
	.fd_install = remote_fd_install,
	.fdget = remote_fdget,
};

/* Under the lab's lock (after its first taking installed the host's ops). */
void uaccess_remote_begin(struct remote_op *op)
{
	if (!host) {
		host = uaccess_host_ops();
		uaccess_set_ops(&dispatch_ops);
	}
	cur = op;
	files_set_host_ops(&remote_files);
}

void uaccess_remote_end(void)
{
	cur = NULL;
	files_set_host_ops(fdtable_files_ops());
}
