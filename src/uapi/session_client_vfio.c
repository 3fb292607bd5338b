/*
 * The preload shim's session-client side of /dev/vfio (session.h,
 * "/dev/vfio forwarding"): every /dev/vfio open and every call on such a
 * descriptor goes to the session server over this process's connection.
 * A forwarded descriptor is a real one (/dev/null, opened by raw system
 * call: it polls as Linux's VFIO files, which have no poll method) that a
 * table maps to the server's handle. VFIO ioctl arguments are marshalled
 * (session_vfio_marshal.c): the bytes travel in the message, descriptors
 * inside them as SCM_RIGHTS, MAP_DMA's memory as shared descriptors
 * (session_client_share.c), never copied.
 *
 * One connection per process, opened at the first /dev/vfio open and
 * again in a fork()ed child (a connection is never shared across fork).
 * A child's inherited forwarded descriptors are the parent's files, as on
 * Linux: around fork() the child's connection adopts references of its
 * own (SESSION_FORK, SESSION_ADOPT; session_fork.c), so a close in one
 * process leaves the file open in the other and the last close releases.
 * Requests are serialised by a mutex (a VMM calls from several threads).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "fork_region.h"
#include "mmio_trap.h"
#include "session_spin.h"
#include "session_vfio.h"

#define MAX_FWD_FD 65536
/* An entry of the parent's connection, in a fork()ed child. */
#define HANDLE_DEAD (-2)

/* handle + 1 for a forwarded descriptor (0: none; HANDLE_DEAD + 1: a parent's). */
static _Atomic int32_t fwd[MAX_FWD_FD];

static struct {
	pthread_mutex_t lock;
	int sock;
	pid_t pid;
	uint64_t seq;
	uint8_t *out, *in;	/* request and reply messages */
	/*
	 * Posted stores (session.h SESSION_WRITE_POSTED): every request bumps
	 * the epoch but those that cannot change how a region mapping
	 * answers (keep_epoch: the mappings' own accesses, DMA map and
	 * unmap). A mapping posts a store only while the epoch is the one of
	 * its last answered access: nothing of this process since then could
	 * have made the store fail (Memory Space off, a reset, an unbind).
	 */
	uint64_t epoch;
	bool keep_epoch;
	struct session_spin spin;	/* waiting for replies */
	bool spin_ready;
} cl = { .lock = PTHREAD_MUTEX_INITIALIZER, .sock = -1, .epoch = 1 };

static int fail(int e)
{
	errno = e;
	return -1;
}

bool session_vfio_fd(int fd)
{
	return fd >= 0 && fd < MAX_FWD_FD && atomic_load_explicit(&fwd[fd], memory_order_relaxed);
}

bool session_vfio_connected(void)
{
	return __atomic_load_n(&cl.sock, __ATOMIC_RELAXED) >= 0;
}

/* The handle behind @fd, or -EBADF (none, or the parent's connection). */
static int handle_of(int fd)
{
	int32_t h = session_vfio_fd(fd) ? atomic_load(&fwd[fd]) - 1 : -1;
	return h >= 0 ? h : -EBADF;
}

static long raw_close(int fd)
{
	return syscall(SYS_close, fd);
}

/* ---- the connection ----------------------------------------------------- */

static int connect_locked(void);
static int64_t call_locked(uint32_t op, const void *req, size_t reqlen, const int *fds,
			   unsigned int nfds, size_t *replen);

/* The parent's ticket for the child being forked (session_fork.c), or 0. */
static uint64_t fork_ticket;

/* Before fork(): the server keeps this process's files for the child. */
static void atfork_prepare(void)
{
	size_t n = 0;

	pthread_mutex_lock(&cl.lock);
	fork_ticket = 0;
	if (cl.sock < 0 || cl.pid != getpid())
		return;
	if (!call_locked(SESSION_FORK, NULL, 0, NULL, 0, &n) && n == sizeof(fork_ticket))
		memcpy(&fork_ticket, cl.in, sizeof(fork_ticket));
}

static void atfork_parent(void)
{
	fork_ticket = 0;
	pthread_mutex_unlock(&cl.lock);
}

/* The child's own connection holding the parent's files: 0 or -errno. */
static int adopt(uint64_t ticket)
{
	size_t n = 0;
	int ret = connect_locked();

	if (ret)
		return ret;
	int64_t nr = call_locked(SESSION_ADOPT, &ticket, sizeof(ticket), NULL, 0, &n);
	if (nr < 0)
		return (int)nr;
	if ((size_t)nr * sizeof(int32_t) > n)
		return -EIO;
	const int32_t *map = (const int32_t *)cl.in;
	for (int fd = 0; fd < MAX_FWD_FD; fd++) {
		int32_t h = atomic_load_explicit(&fwd[fd], memory_order_relaxed) - 1;
		if (h < 0)
			continue;
		int32_t nh = h < nr ? map[h] : -1;
		atomic_store(&fwd[fd], (nh >= 0 ? nh : HANDLE_DEAD) + 1);
	}
	fork_region_adopt(map, nr);
	return 0;
}

/*
 * The child: its inherited descriptors are the same files as the
 * parent's (Linux shares them), through handles of its own connection.
 * The parent's socket is closed only after the adoption: it keeps the
 * parent's connection, and so the ticket, alive however soon the parent
 * exits.
 */
static void atfork_child(void)
{
	int parent_sock = cl.sock;
	uint64_t ticket = fork_ticket;

	pthread_mutex_init(&cl.lock, NULL);
	fork_ticket = 0;
	cl.sock = -1;
	session_share_forget();
	bool adopted = ticket && !adopt(ticket);
	if (parent_sock >= 0)
		raw_close(parent_sock);
	if (adopted)
		return;
	for (int fd = 0; fd < MAX_FWD_FD; fd++)
		if (atomic_load_explicit(&fwd[fd], memory_order_relaxed) > 0)
			atomic_store(&fwd[fd], HANDLE_DEAD + 1);
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Under cl.lock: the connection, made if needed. 0 or -errno. */
static int connect_locked(void)
{
	char dir[4096];
	int ret;

	if (cl.sock >= 0 && cl.pid == getpid())
		return 0;
	pthread_once(&atfork_once, atfork_register);
	if (!cl.out) {
		cl.out = malloc(SESSION_MAX_PAYLOAD);
		cl.in = malloc(SESSION_MAX_PAYLOAD);
		if (!cl.out || !cl.in)
			return -ENOMEM;
	}
	ret = session_dir(NULL, dir, sizeof(dir));
	if (ret)
		return ret;
	ret = session_connect(dir, SESSION_CLIENT_PRELOAD);
	if (ret < 0)
		return ret;
	cl.sock = ret;
	cl.pid = getpid();
	return 0;
}

/*
 * Under cl.lock, a request sent: spins for the reply (session_spin.h);
 * when it is not there in the window, session_recv sleeps for it.
 */
static void wait_reply(void)
{
	struct pollfd p = { .fd = cl.sock, .events = POLLIN };

	if (!cl.spin_ready) {
		session_spin_init(&cl.spin);
		cl.spin_ready = true;
	}
	if (session_spin_poll(&cl.spin, &p, 1))
		return;
	uint64_t t0 = session_spin_now();
	while (syscall(SYS_ppoll, &p, 1, NULL, NULL, 0) < 0 && errno == EINTR)
		;
	session_spin_slept(&cl.spin, session_spin_now() - t0);
}

/*
 * Under cl.lock: one request (@req of @reqlen bytes, built in cl.out or
 * elsewhere) and its reply in cl.in (*@replen bytes). The reply's ret or
 * a transport error; descriptors in replies are none for these ops.
 */
static int64_t call_locked(uint32_t op, const void *req, size_t reqlen, const int *fds,
			   unsigned int nfds, size_t *replen)
{
	struct session_hdr hdr = { .op = op, .len = (uint32_t)reqlen, .seq = ++cl.seq }, in;
	int got[SESSION_MAX_FDS];
	unsigned int ngot;
	int ret = connect_locked();

	if (!cl.keep_epoch)
		cl.epoch++;
	if (ret)
		return ret;
	ret = session_send(cl.sock, &hdr, req, fds, nfds);
	if (!ret)
		wait_reply();
	while (!ret) {
		ret = session_recv(cl.sock, &in, cl.in, SESSION_MAX_PAYLOAD, got, &ngot);
		for (unsigned int i = 0; !ret && i < ngot; i++)
			raw_close(got[i]);
		if (!ret && in.seq == hdr.seq) {
			if (replen)
				*replen = in.len;
			return in.ret;
		}
	}
	/* The server is gone: what this process had of the lab went with it. */
	raw_close(cl.sock);
	cl.sock = -1;
	return ret == -ECONNRESET || ret == -EPIPE ? -EIO : ret;
}

static int64_t call(uint32_t op, const void *req, size_t reqlen, const int *fds,
		    unsigned int nfds, void *rep, size_t repsize, size_t *replen)
{
	size_t n = 0;

	pthread_mutex_lock(&cl.lock);
	int64_t ret = call_locked(op, req, reqlen, fds, nfds, &n);
	if (rep && n)
		memcpy(rep, cl.in, n < repsize ? n : repsize);
	if (replen)
		*replen = n;
	pthread_mutex_unlock(&cl.lock);
	return ret;
}

/* ---- descriptors ---------------------------------------------------------- */

/* A /dev/null descriptor for @handle (O_CLOEXEC in @flags), or -errno (the handle is closed). */
static int fd_for_handle(int handle, int flags)
{
	struct session_fileop op = { .handle = handle };
	long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null",
			  O_RDWR | ((flags & O_CLOEXEC) ? O_CLOEXEC : 0));
	int ret = fd < 0 ? -errno : 0;

	if (!ret && fd >= MAX_FWD_FD) {
		raw_close((int)fd);
		ret = -EMFILE;
	}
	if (ret) {
		call(SESSION_CLOSE, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
		return ret;
	}
	atomic_store(&fwd[fd], handle + 1);
	return (int)fd;
}

static bool is_vfio_path(const char *p)
{
	return !strncmp(p, "/dev/vfio", 9) && (p[9] == '/' || !p[9]);
}

int session_vfio_open(const char *path, int flags, mode_t mode)
{
	struct session_open o = { .flags = flags, .mode = mode };
	size_t plen = strlen(path) + 1;
	char req[sizeof(o) + 4096];

	if (!is_vfio_path(path))
		return fail(ENOENT);
	if (plen > sizeof(req) - sizeof(o))
		return fail(ENAMETOOLONG);
	memcpy(req, &o, sizeof(o));
	memcpy(req + sizeof(o), path, plen);
	int64_t h = call(SESSION_OPEN, req, sizeof(o) + plen, NULL, 0, NULL, 0, NULL);
	if (h < 0)
		return fail(h == -ECONNREFUSED ? ENOENT : (int)-h);
	int fd = fd_for_handle((int)h, flags);
	return fd < 0 ? fail(-fd) : fd;
}

/* Drops the table entry and the server's handle (not the descriptor). */
static int drop(int fd)
{
	int h = handle_of(fd);

	if (!session_vfio_fd(fd))
		return -EBADF;
	atomic_store(&fwd[fd], 0);
	if (h < 0)
		return 0;
	struct session_fileop op = { .handle = h };
	int64_t ret = call(SESSION_CLOSE, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
	return ret == -EIO ? 0 : (int)ret;   /* a gone server closed it already */
}

int session_vfio_close(int fd)
{
	int ret = drop(fd);

	if (ret == -EBADF)
		return fail(EBADF);
	raw_close(fd);
	return 0;
}

void session_vfio_forget(int fd)
{
	drop(fd);
}

int session_vfio_dup(int fd, int newfd, int minfd, int flags)
{
	int h = handle_of(fd);
	long n;

	if (h < 0)
		return fail(EBADF);
	if (newfd == fd)
		return fd;
	struct session_fileop op = { .handle = h };
	int64_t nh = call(SESSION_DUP, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
	if (nh < 0)
		return fail((int)-nh);
	if (newfd >= 0) {
		drop(newfd);
		n = syscall(SYS_dup3, fd, newfd, flags & O_CLOEXEC);
	} else {
		n = syscall(SYS_fcntl, fd, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, minfd);
	}
	int e = errno;
	if (n < 0 || n >= MAX_FWD_FD) {
		op.handle = (int)nh;
		call(SESSION_CLOSE, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
		if (n >= 0)
			raw_close((int)n);
		return fail(n < 0 ? e : EMFILE);
	}
	atomic_store(&fwd[n], (int32_t)nh + 1);
	return (int)n;
}

/* ---- the program's memory, without faulting on a bad pointer ----------- */

static bool self_copy(void *dst, const void *src, size_t n, bool to_user)
{
	struct iovec l = { to_user ? (void *)src : dst, n };
	struct iovec r = { to_user ? dst : (void *)src, n };
	long got = syscall(to_user ? SYS_process_vm_writev : SYS_process_vm_readv, getpid(),
			   &l, 1, &r, 1, 0);
	return got == (long)n;
}

static bool user_read(void *dst, uint64_t uaddr, size_t n)
{
	return !n || self_copy(dst, (const void *)(uintptr_t)uaddr, n, false);
}

static bool user_write(uint64_t uaddr, const void *src, size_t n)
{
	return !n || self_copy((void *)(uintptr_t)uaddr, src, n, true);
}

/* ---- read, write, lseek, fstat ----------------------------------------- */

#define RW_MAX (SESSION_MAX_PAYLOAD - sizeof(struct session_fileop))

ssize_t session_vfio_rw(int fd, void *buf, size_t n, off_t off, bool write, bool use_pos)
{
	struct session_fileop op = { .handle = handle_of(fd), .off = use_pos ? -1 : off,
				     .arg = (uintptr_t)buf };
	size_t replen = 0;
	int64_t ret;

	if (op.handle < 0)
		return fail(EBADF);
	if (!use_pos && off < 0)
		return fail(EINVAL);
	op.count = n < RW_MAX ? n : RW_MAX;
	pthread_mutex_lock(&cl.lock);
	ret = connect_locked();
	if (ret) {
		pthread_mutex_unlock(&cl.lock);
		return fail((int)-ret);
	}
	memcpy(cl.out, &op, sizeof(op));
	if (write && !user_read(cl.out + sizeof(op), (uintptr_t)buf, op.count)) {
		pthread_mutex_unlock(&cl.lock);
		return fail(EFAULT);
	}
	ret = call_locked(write ? SESSION_WRITE : SESSION_READ, cl.out,
			  sizeof(op) + (write ? op.count : 0), NULL, 0, &replen);
	if (!write && ret > 0 && !user_write((uintptr_t)buf, cl.in, replen < (size_t)ret ? replen : (size_t)ret))
		ret = -EFAULT;
	pthread_mutex_unlock(&cl.lock);
	return ret < 0 ? fail((int)-ret) : (ssize_t)ret;
}

off_t session_vfio_lseek(int fd, off_t off, int whence)
{
	struct session_fileop op = { .handle = handle_of(fd), .off = off, .arg = (uint64_t)whence };

	if (op.handle < 0)
		return fail(EBADF);
	int64_t ret = call(SESSION_LSEEK, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
	return ret < 0 ? fail((int)-ret) : (off_t)ret;
}

int session_vfio_fstat(int fd, void *out)
{
	struct session_fileop op = { .handle = handle_of(fd) };
	struct session_stat ss;
	struct stat *st = out;

	if (op.handle < 0)
		return fail(EBADF);
	int64_t ret = call(SESSION_FSTAT, &op, sizeof(op), NULL, 0, &ss, sizeof(ss), NULL);
	if (ret < 0)
		return fail((int)-ret);
	memset(st, 0, sizeof(*st));
	st->st_mode = ss.mode;
	st->st_nlink = 1;
	st->st_rdev = makedev(ss.rdev >> 20, ss.rdev & 0xfffff);
	st->st_size = ss.size;
	st->st_blksize = 4096;
	return 0;
}

/* ---- ioctl ------------------------------------------------------------------ */

struct ioctl_msg {
	struct session_fileop op;
	uint8_t *arg;			/* in cl.out, after op */
	size_t slots[SESSION_MAX_FDS];
	int32_t orig[SESSION_MAX_FDS];
	unsigned int nslots;
	int fds[SESSION_MAX_FDS];
	unsigned int nfds, nowned;	/* fds[0..nowned) are ours to close */
	struct session_share sh[SESSION_MAX_FDS];
	unsigned int nsh;
	bool new_handle;		/* the value is a handle: the caller makes its fd */
};

/* The argument's bytes into m->arg: 0 or -EFAULT. */
static int marshal_arg(const struct session_ioctl_plan *p, uint64_t uarg, struct ioctl_msg *m)
{
	uint32_t argsz = 0;
	size_t len;

	if (p->string) {
		/* Page by page up to the NUL: the next page may not exist. */
		for (len = 0; len < SESSION_IOCTL_MAX_NAME;) {
			size_t chunk = 4096 - ((uarg + len) & 4095);
			if (!user_read(m->arg + len, uarg + len, chunk))
				return len ? (int)(m->op.count = len, 0) : -EFAULT;
			void *nul = memchr(m->arg + len, 0, chunk);
			len += chunk;
			if (nul) {
				len = (size_t)((uint8_t *)nul - m->arg) + 1;
				break;
			}
		}
		m->op.count = len < SESSION_IOCTL_MAX_NAME ? len : SESSION_IOCTL_MAX_NAME;
		return 0;
	}
	if (p->minsz > sizeof(uint32_t) && !user_read(&argsz, uarg, sizeof(argsz)))
		return -EFAULT;
	len = session_ioctl_len(p, argsz);
	if (!user_read(m->arg, uarg, len)) {
		/* argsz says more than is mapped: the kernel reads minsz, then faults as Linux's. */
		len = p->minsz;
		if (!user_read(m->arg, uarg, len))
			return -EFAULT;
	}
	m->op.count = len;
	return 0;
}

/* Is @fd open in this process? */
static bool fd_open(int fd)
{
	return syscall(SYS_fcntl, fd, F_GETFD) >= 0;
}

/* Rewrites the descriptors inside the argument (session.h). 0 or -errno. */
static int marshal_fds(const struct session_ioctl_plan *p, struct ioctl_msg *m)
{
	m->nslots = session_ioctl_fd_slots(p, m->arg, m->op.count, m->slots, SESSION_MAX_FDS);
	for (unsigned int i = 0; i < m->nslots; i++) {
		int32_t v;
		memcpy(&v, m->arg + m->slots[i], sizeof(v));
		m->orig[i] = v;
		if (v < 0)
			continue;
		if (p->container_fd) {
			int h = handle_of(v);
			v = h >= 0 ? h : session_vfio_fd(v) ? SESSION_FD_BAD
				: fd_open(v) ? SESSION_FD_FOREIGN : SESSION_FD_BAD;
		} else if (!fd_open(v)) {
			v = SESSION_FD_BAD;
		} else {
			unsigned int j;
			for (j = 0; j < m->nfds && m->fds[j] != v; j++)
				;
			if (j == m->nfds) {
				if (m->nfds == SESSION_MAX_FDS)
					return -EINVAL;
				m->fds[m->nfds++] = v;
			}
			v = (int32_t)j;
		}
		memcpy(m->arg + m->slots[i], &v, sizeof(v));
	}
	return 0;
}

static int marshal_share(unsigned int cmd, struct ioctl_msg *m)
{
	uint64_t vaddr, size;
	bool write;

	if (!session_ioctl_share_range(cmd, m->arg, m->op.count, &vaddr, &size, &write))
		return 0;
	/* The kernel's own checks answer a bad range; only a sane one is shared. */
	if ((vaddr | size) & 4095 || vaddr + size < vaddr)
		return 0;
	int ret = session_share_range(vaddr, size, write, m->sh, &m->nsh, m->fds, &m->nfds,
				      SESSION_MAX_FDS);
	return ret == -EFAULT ? 0 : ret;   /* an unmapped range: the kernel says -EFAULT */
}

static int64_t ioctl_locked(unsigned int cmd, uint64_t uarg, struct ioctl_msg *m)
{
	struct session_ioctl_plan p;
	size_t replen = 0;
	int ret;

	session_ioctl_plan(cmd, &p);
	m->arg = cl.out + sizeof(m->op);
	if (!p.value && (ret = marshal_arg(&p, uarg, m)))
		return ret;
	if ((ret = marshal_fds(&p, m)))
		return ret;
	m->nowned = m->nfds;   /* what follows are the shares' descriptors, ours */
	if (p.share && (ret = marshal_share(cmd, m)))
		return ret;
	m->op.off = m->nsh;
	memcpy(cl.out, &m->op, sizeof(m->op));
	memcpy(m->arg + m->op.count, m->sh, m->nsh * sizeof(m->sh[0]));
	cl.keep_epoch = session_ioctl_keeps_mappings(cmd);
	int64_t r = call_locked(SESSION_IOCTL, cl.out,
				sizeof(m->op) + m->op.count + m->nsh * sizeof(m->sh[0]), m->fds,
				m->nfds, &replen);
	cl.keep_epoch = false;
	if (replen && !p.value) {
		/* What the ioctl wrote goes back; the descriptors stay the program's numbers. */
		replen = replen < m->op.count ? replen : m->op.count;
		for (unsigned int i = 0; i < m->nslots; i++)
			if (m->slots[i] + sizeof(int32_t) <= replen)
				memcpy(cl.in + m->slots[i], &m->orig[i], sizeof(int32_t));
		if (!user_write(uarg, cl.in, replen) && r >= 0)
			r = -EFAULT;
	}
	m->new_handle = p.new_handle && r >= 0;
	return r;
}

int session_vfio_ioctl(int fd, unsigned long cmd, void *arg)
{
	struct ioctl_msg m = { .op = { .handle = handle_of(fd), .cmd = (uint32_t)cmd,
				       .arg = (uintptr_t)arg } };
	int64_t ret;

	if (m.op.handle < 0)
		return fail(EBADF);
	pthread_mutex_lock(&cl.lock);
	ret = connect_locked();
	if (!ret)
		ret = ioctl_locked((unsigned int)cmd, (uintptr_t)arg, &m);
	pthread_mutex_unlock(&cl.lock);
	for (unsigned int i = m.nowned; i < m.nfds; i++)
		raw_close(m.fds[i]);
	if (m.new_handle) {
		int nfd = fd_for_handle((int)ret, O_CLOEXEC);
		return nfd < 0 ? fail(-nfd) : nfd;
	}
	if (ret < 0)
		return fail((int)-ret);
	return (int)ret;
}

/* ---- exec (preload_exec.c) ------------------------------------------------- */

int session_vfio_exec_ticket(uint64_t *ticket)
{
	size_t n = 0;
	int ret = -ENOENT;

	pthread_mutex_lock(&cl.lock);
	if (cl.sock >= 0 && cl.pid == getpid()) {
		ret = (int)call_locked(SESSION_FORK, NULL, 0, NULL, 0, &n);
		if (!ret && n == sizeof(*ticket))
			memcpy(ticket, cl.in, sizeof(*ticket));
		else if (!ret)
			ret = -EIO;
		if (!ret && syscall(SYS_fcntl, cl.sock, F_SETFD, 0) < 0)
			ret = -errno;
		if (!ret)
			ret = cl.sock;
	}
	pthread_mutex_unlock(&cl.lock);
	return ret;
}

int session_vfio_handle(int fd)
{
	return handle_of(fd);
}

void session_vfio_exec_failed(int sock)
{
	syscall(SYS_fcntl, sock, F_SETFD, FD_CLOEXEC);
}

int session_vfio_exec_adopt(uint64_t ticket, int old_sock, const int32_t *fds,
			    const int32_t *handles, unsigned int n)
{
	struct session_fileop op = { 0 };
	size_t len = 0;
	int32_t *map = NULL;
	int64_t nr;

	pthread_mutex_lock(&cl.lock);
	nr = call_locked(SESSION_ADOPT, &ticket, sizeof(ticket), NULL, 0, &len);
	if (nr >= 0 && (size_t)nr * sizeof(*map) <= len)
		map = malloc((size_t)nr * sizeof(*map) + 1);
	if (map)
		memcpy(map, cl.in, (size_t)nr * sizeof(*map));
	for (unsigned int i = 0; map && i < n; i++) {
		int32_t h = handles[i];
		if (fds[i] < 0 || fds[i] >= MAX_FWD_FD || h < 0 || h >= nr || map[h] < 0 ||
		    syscall(SYS_fcntl, fds[i], F_GETFD) < 0)
			continue;
		atomic_store(&fwd[fds[i]], map[h] + 1);
		map[h] = -1;
	}
	for (int64_t h = 0; map && h < nr; h++) {
		if (map[h] < 0)
			continue;
		op.handle = map[h];
		memcpy(cl.out, &op, sizeof(op));
		call_locked(SESSION_CLOSE, cl.out, sizeof(op), NULL, 0, NULL);
	}
	pthread_mutex_unlock(&cl.lock);
	raw_close(old_sock);
	free(map);
	return nr < 0 ? (int)nr : map ? 0 : -ENOMEM;
}

/* ---- region mmap (trap and emulate, mmio_trap.h) ------------------------ */

/* Under cl.lock: a store at @off of @len bytes, posted (no reply). 0 or -errno. */
static int map_post(struct fwd_map *m, const struct session_fileop *op, const void *buf, int len)
{
	struct session_hdr hdr = { .op = SESSION_WRITE_POSTED,
				   .len = (uint32_t)(sizeof(*op) + (size_t)len), .seq = ++cl.seq };
	int ret;

	memcpy(cl.out, op, sizeof(*op));
	memcpy(cl.out + sizeof(*op), buf, (size_t)len);
	ret = session_send(cl.sock, &hdr, cl.out, NULL, 0);
	if (ret) {
		/* The server is gone: as call_locked, the next request reconnects. */
		raw_close(cl.sock);
		cl.sock = -1;
		m->epoch = 0;
		return -EIO;
	}
	return 0;
}

/*
 * One trapped access: SESSION_READ/WRITE on the mapping's handle (struct
 * fwd_map, fork_region.h). A fork()ed child's mapping is its own once its
 * connection adopted the parent's files (fork_region.c); before that, or
 * if the adoption failed, the access fails (SIGBUS), as its inherited
 * descriptors answer EBADF.
 */
static int map_access(void *cookie, uint64_t off, void *buf, int len, bool write)
{
	struct fwd_map *m = cookie;
	struct session_fileop op = { .handle = m->handle, .off = (int64_t)off,
				     .count = (uint64_t)len, .arg = (uintptr_t)buf };
	size_t replen = 0;
	int64_t ret;

	if (m->pid != getpid())
		return -EBADF;
	pthread_mutex_lock(&cl.lock);
	if (write && m->epoch == cl.epoch && cl.sock >= 0) {
		ret = map_post(m, &op, buf, len);
		pthread_mutex_unlock(&cl.lock);
		return (int)ret;
	}
	memcpy(cl.out, &op, sizeof(op));
	if (write)
		memcpy(cl.out + sizeof(op), buf, (size_t)len);
	cl.keep_epoch = true;
	ret = call_locked(write ? SESSION_WRITE : SESSION_READ, cl.out,
			  sizeof(op) + (write ? (size_t)len : 0), NULL, 0, &replen);
	cl.keep_epoch = false;
	if (!write && ret == len && replen >= (size_t)len)
		memcpy(buf, cl.in, (size_t)len);
	/* Answered: later stores may be posted, until some other request. */
	m->epoch = ret == len ? cl.epoch : 0;
	pthread_mutex_unlock(&cl.lock);
	return ret < 0 ? (int)ret : ret == len ? 0 : -EIO;
}

static void map_release(void *cookie)
{
	struct fwd_map *m = cookie;
	struct session_fileop op = { .handle = m->handle };

	fork_region_del(m);
	if (m->pid == getpid())
		call(SESSION_CLOSE, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
	free(m);
}

static const struct mmio_trap_ops map_ops = {
	.access = map_access,
	.release = map_release,
};

/* mmio_trap_open_t: the server's vfs_mmap of the device file (@arg: its handle + 1). */
static int map_open(void *arg, uintptr_t start, size_t len, unsigned long vm_flags,
		    uint64_t off, void **cookie)
{
	struct session_fileop op = { .handle = (int32_t)((intptr_t)arg - 1), .cmd = (uint32_t)vm_flags,
				     .off = (int64_t)off, .count = len, .arg = start };
	struct fwd_map *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	int64_t h = call(SESSION_MMAP, &op, sizeof(op), NULL, 0, NULL, 0, NULL);
	if (h < 0) {
		free(m);
		return (int)h;
	}
	*m = (struct fwd_map){ .handle = (int)h, .pid = getpid() };
	fork_region_add(m);
	*cookie = m;
	return 0;
}

void *session_vfio_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int h = handle_of(fd);

	if (h < 0) {
		errno = EBADF;
		return MAP_FAILED;
	}
	return mmio_trap_mmap(addr, len, prot, flags, off, &map_ops, map_open,
			      (void *)(intptr_t)(h + 1));
}
