/*
 * libiommulab-preload.so: runs an unmodified VFIO program against the lab.
 * Loaded with LD_PRELOAD, it boots the platform named by the environment
 * (IOMMULAB_PLATFORM, IOMMULAB_CMDLINE; IOMMULAB_SETUP: a script of shell
 * lines run after boot, e.g. binding a device to vfio-platform), then
 * interposes the libc calls below: those on the lab's paths (/dev/vfio,
 * /sys) or descriptors go to the lab's fd API, everything else passes
 * through to the next definition (the real libc).
 */
/* The interposers define both open and open64 (and friends): no header redirection. */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "fdtable.h"
#include "mmio_trap.h"
#include "session_vfio.h"

#define EXPORT __attribute__((visibility("default")))

#define REAL(name, ret, ...)                                                   \
	static ret (*real_##name)(__VA_ARGS__);                                \
	static ret (*get_##name(void))(__VA_ARGS__)                            \
	{                                                                      \
		if (!real_##name)                                              \
			real_##name = dlsym(RTLD_NEXT, #name);                 \
		return real_##name;                                            \
	}

REAL(open, int, const char *, int, ...)
REAL(open64, int, const char *, int, ...)
REAL(openat, int, int, const char *, int, ...)
REAL(openat64, int, int, const char *, int, ...)
REAL(close, int, int)
REAL(close_range, int, unsigned int, unsigned int, int)
REAL(closefrom, void, int)
REAL(ioctl, int, int, unsigned long, ...)
REAL(read, ssize_t, int, void *, size_t)
REAL(write, ssize_t, int, const void *, size_t)
REAL(pread, ssize_t, int, void *, size_t, off_t)
REAL(pread64, ssize_t, int, void *, size_t, off_t)
REAL(pwrite, ssize_t, int, const void *, size_t, off_t)
REAL(pwrite64, ssize_t, int, const void *, size_t, off_t)
REAL(lseek, off_t, int, off_t, int)
REAL(lseek64, off_t, int, off_t, int)
REAL(mmap, void *, void *, size_t, int, int, int, off_t)
REAL(mmap64, void *, void *, size_t, int, int, int, off_t)
REAL(munmap, int, void *, size_t)
REAL(sigaction, int, int, const struct sigaction *, struct sigaction *)
REAL(signal, sighandler_t, int, sighandler_t)
REAL(readlink, ssize_t, const char *, char *, size_t)
REAL(stat, int, const char *, struct stat *)
REAL(lstat, int, const char *, struct stat *)
REAL(fstat, int, int, struct stat *)
REAL(stat64, int, const char *, struct stat64 *)
REAL(lstat64, int, const char *, struct stat64 *)
REAL(fstat64, int, int, struct stat64 *)
REAL(access, int, const char *, int)
REAL(dup, int, int)
REAL(dup2, int, int, int)
REAL(dup3, int, int, int, int)
REAL(fcntl, int, int, int, ...)
REAL(fcntl64, int, int, int, ...)
REAL(recvmsg, ssize_t, int, struct msghdr *, int)
REAL(opendir, DIR *, const char *)
REAL(readdir, struct dirent *, DIR *)
REAL(readdir64, struct dirent64 *, DIR *)
REAL(closedir, int, DIR *)
REAL(dirfd, int, DIR *)
REAL(fopen, FILE *, const char *, const char *)
REAL(fopen64, FILE *, const char *, const char *)
REAL(realpath, char *, const char *, char *)
REAL(fstatat, int, int, const char *, struct stat *, int)
REAL(fstatat64, int, int, const char *, struct stat64 *, int)
REAL(statx, int, int, const char *, int, unsigned int, struct statx *)
REAL(poll, int, struct pollfd *, nfds_t, int)
REAL(ppoll, int, struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)
REAL(select, int, int, fd_set *, fd_set *, fd_set *, struct timeval *)
REAL(pselect, int, int, fd_set *, fd_set *, fd_set *, const struct timespec *,
     const sigset_t *)
REAL(epoll_wait, int, int, struct epoll_event *, int, int)
REAL(epoll_pwait, int, int, struct epoll_event *, int, int, const sigset_t *)

/* ---- boot from the environment ---------------------------------------- */

static bool booted;

/*
 * The lab lives in this process only: programs this one runs must not boot
 * labs of their own, so the shim leaves LD_PRELOAD and the IOMMULAB_*
 * variables (its own entries) out of what they inherit.
 */
static void forget_preload(void)
{
	const char *pre = getenv("LD_PRELOAD");
	if (pre) {
		char *copy = strdup(pre), *out = calloc(1, strlen(pre) + 1), *save = NULL;
		if (copy && out) {
			for (char *tok = strtok_r(copy, ": ", &save); tok;
			     tok = strtok_r(NULL, ": ", &save)) {
				if (strstr(tok, "libiommulab-preload"))
					continue;
				if (*out)
					strcat(out, ":");
				strcat(out, tok);
			}
			if (*out)
				setenv("LD_PRELOAD", out, 1);
			else
				unsetenv("LD_PRELOAD");
		}
		free(copy);
		free(out);
	}
	unsetenv("IOMMULAB_PLATFORM");
	unsetenv("IOMMULAB_CMDLINE");
	unsetenv("IOMMULAB_SETUP");
}

/*
 * Session-client mode: under `iommulab exec` (IOMMULAB_SESSION set, no
 * platform) the lab is the session server's. Nothing boots here; /sys is
 * the session's filesystem, so it passes through; the shim stays in
 * LD_PRELOAD for the children. /dev/vfio goes to the server (session.h).
 */
static bool session_client;

__attribute__((constructor)) static void preload_init(void)
{
	char *platform = getenv("IOMMULAB_PLATFORM");
	const char *session = getenv("IOMMULAB_SESSION");

	if (session && *session && !(platform && *platform)) {
		session_client = true;
		return;
	}
	char *cmdline = getenv("IOMMULAB_CMDLINE");
	char *setup = getenv("IOMMULAB_SETUP");
	char msg[256] = "";

	/*
	 * Out of the environment before the boot: booting a .dts runs dtc (and
	 * cpp), which must not boot a lab of its own, and so on without end.
	 */
	platform = platform && *platform ? strdup(platform) : NULL;
	cmdline = cmdline && *cmdline ? strdup(cmdline) : NULL;
	setup = setup && *setup ? strdup(setup) : NULL;
	forget_preload();
	lab_lock();
	int ret = lab_boot(platform, cmdline, msg, sizeof(msg));
	if (ret) {
		fprintf(stderr, "iommulab: boot failed: %s%s%s\n", lab_strerror(ret),
			*msg ? ": " : "", msg);
		_exit(2);
	}
	booted = true;
	if (setup) {
		FILE *f = fopen(setup, "r");
		if (!f) {
			fprintf(stderr, "iommulab: %s: %s\n", setup, strerror(errno));
			_exit(2);
		}
		char line[4096];
		unsigned n = 0;
		while (fgets(line, sizeof(line), f)) {
			n++;
			line[strcspn(line, "\n")] = 0;
			const char *p = line + strspn(line, " \t");
			if (!*p || *p == '#')
				continue;
			if (lab_exec(p, stderr) != 0) {
				fprintf(stderr, "iommulab: %s:%u: setup command failed: %s\n",
					setup, n, p);
				_exit(2);
			}
		}
		fclose(f);
	}
	free(platform);
	free(cmdline);
	free(setup);
	lab_unlock();
}

__attribute__((destructor)) static void preload_fini(void)
{
	if (!booted)
		return;
	lab_close_all();
	lab_shutdown();
	booted = false;
}

/* ---- open ------------------------------------------------------------- */

static mode_t va_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

static bool ours(const char *path)
{
	return booted && path && lab_path_is_lab(path);
}

/* Session-client mode: a /dev/vfio path goes to the server. */
static bool forwarded(const char *path)
{
	return session_client && path && !strncmp(path, "/dev/vfio", 9) &&
	       (path[9] == '/' || !path[9]);
}

/* A descriptor the session forwards (session_client_vfio.c). */
static bool fwd(int fd)
{
	return session_client && session_vfio_fd(fd);
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	if (ours(path))
		return lab_open(path, flags, mode);
	if (forwarded(path))
		return session_vfio_open(path, flags, mode);
	return get_open()(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	if (ours(path))
		return lab_open(path, flags, mode);
	if (forwarded(path))
		return session_vfio_open(path, flags, mode);
	return get_open64()(path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	/* Absolute paths only: a relative path under a lab directory fd is not served. */
	if (ours(path))
		return lab_open(path, flags, mode);
	if (forwarded(path))
		return session_vfio_open(path, flags, mode);
	return get_openat()(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_mode(flags, ap);
	va_end(ap);
	if (ours(path))
		return lab_open(path, flags, mode);
	if (forwarded(path))
		return session_vfio_open(path, flags, mode);
	return get_openat64()(dirfd, path, flags, mode);
}

EXPORT int close(int fd)
{
	if (fwd(fd))
		return session_vfio_close(fd);
	if (lab_fd_is_lab(fd))
		return lab_close(fd);
	return get_close()(fd);
}

/* Lab descriptors in [first, last] leave the lab's table before the real call. */
static void close_lab_range(unsigned int first, unsigned int last)
{
	for (unsigned int fd = first; fd <= last && fd < (1u << 20); fd++) {
		if (fwd((int)fd))
			session_vfio_forget((int)fd);
		if (lab_fd_is_lab((int)fd))
			lab_close((int)fd);
	}
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (first <= last && !(flags & CLOSE_RANGE_CLOEXEC))
		close_lab_range(first, last);
	return get_close_range()(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		close_lab_range((unsigned int)lowfd, ~0u);
	get_closefrom()(lowfd);
}

/* ---- ioctl, read, write ------------------------------------------------ */

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fwd(fd))
		return session_vfio_ioctl(fd, req, arg);
	if (lab_fd_is_lab(fd))
		return lab_ioctl(fd, req, arg);
	return get_ioctl()(fd, req, arg);
}

/* ---- waiting: virtual time passes while the program waits on an interrupt --- */

static int ms_of(const struct timespec *ts)
{
	if (!ts)
		return -1;
	long long ms = (long long)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (booted)
		lab_irq_wait(fds, n, timeout);
	return get_poll()(fds, n, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	if (booted)
		lab_irq_wait(fds, n, ms_of(ts));
	return get_ppoll()(fds, n, ts, mask);
}

/* The fds of select's sets as a pollfd array for the lab's wait. */
static void select_wait(int nfds, fd_set *r, fd_set *w, fd_set *e, int timeout)
{
	struct pollfd pfds[FD_SETSIZE];
	nfds_t n = 0;
	if (!booted || nfds <= 0 || nfds > FD_SETSIZE)
		return;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) |
				   (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				   (e && FD_ISSET(fd, e) ? POLLPRI : 0));
		if (ev)
			pfds[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	lab_irq_wait(pfds, n, timeout);
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	int ms = -1;
	if (tv) {
		long long v = (long long)tv->tv_sec * 1000 + tv->tv_usec / 1000;
		ms = v > 0x7fffffff ? 0x7fffffff : (int)v;
	}
	select_wait(nfds, r, w, e, ms);
	return get_select()(nfds, r, w, e, tv);
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts,
		   const sigset_t *mask)
{
	select_wait(nfds, r, w, e, ms_of(ts));
	return get_pselect()(nfds, r, w, e, ts, mask);
}

/*
 * An epoll set's members are the kernel's secret: while any interrupt
 * eventfd is registered, the wait runs the lab until the epoll fd itself
 * polls readable (one of its members is ready).
 */
static void epoll_lab_wait(int epfd, int timeout)
{
	if (booted)
		lab_irq_wait_epoll(epfd, timeout);
}

EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	epoll_lab_wait(epfd, timeout);
	return get_epoll_wait()(epfd, ev, max, timeout);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		       const sigset_t *mask)
{
	epoll_lab_wait(epfd, timeout);
	return get_epoll_pwait()(epfd, ev, max, timeout, mask);
}

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	if (fwd(fd))
		return session_vfio_rw(fd, buf, n, 0, false, true);
	if (lab_fd_is_lab(fd))
		return lab_read(fd, buf, n);
	/* A read of an interrupt eventfd waits for it: blocking, without limit. */
	if (booted && lab_fd_is_irq(fd)) {
		int fl = get_fcntl()(fd, F_GETFL, 0);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		lab_irq_wait(&p, 1, fl >= 0 && (fl & O_NONBLOCK) ? 0 : -1);
	}
	return get_read()(fd, buf, n);
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	if (fwd(fd))
		return session_vfio_rw(fd, (void *)buf, n, 0, true, true);
	if (lab_fd_is_lab(fd))
		return lab_write(fd, buf, n);
	return get_write()(fd, buf, n);
}

EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (fwd(fd))
		return session_vfio_rw(fd, buf, n, off, false, false);
	if (lab_fd_is_lab(fd))
		return lab_pread(fd, buf, n, off);
	return get_pread()(fd, buf, n, off);
}

EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	if (fwd(fd))
		return session_vfio_rw(fd, buf, n, off, false, false);
	if (lab_fd_is_lab(fd))
		return lab_pread(fd, buf, n, off);
	return get_pread64()(fd, buf, n, off);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (fwd(fd))
		return session_vfio_rw(fd, (void *)buf, n, off, true, false);
	if (lab_fd_is_lab(fd))
		return lab_pwrite(fd, buf, n, off);
	return get_pwrite()(fd, buf, n, off);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	if (fwd(fd))
		return session_vfio_rw(fd, (void *)buf, n, off, true, false);
	if (lab_fd_is_lab(fd))
		return lab_pwrite(fd, buf, n, off);
	return get_pwrite64()(fd, buf, n, off);
}

EXPORT off_t lseek(int fd, off_t off, int whence)
{
	if (fwd(fd))
		return session_vfio_lseek(fd, off, whence);
	if (lab_fd_is_lab(fd))
		return lab_lseek(fd, off, whence);
	return get_lseek()(fd, off, whence);
}

EXPORT off_t lseek64(int fd, off_t off, int whence)
{
	if (fwd(fd))
		return session_vfio_lseek(fd, off, whence);
	if (lab_fd_is_lab(fd))
		return lab_lseek(fd, off, whence);
	return get_lseek64()(fd, off, whence);
}

/*
 * Region mmap (trap and emulate, mmio_trap.h): a lab descriptor's in this
 * process, a forwarded one's through the session. Any other mapping made
 * over a trapped range (MAP_FIXED), and munmap, end the trap there.
 */
static void *do_mmap(void *(*real)(void *, size_t, int, int, int, off_t), void *addr,
		     size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (!(flags & MAP_ANONYMOUS) && fwd(fd))
		return session_vfio_mmap(addr, len, prot, flags, fd, off);
	if (!(flags & MAP_ANONYMOUS) && lab_fd_is_lab(fd))
		return lab_mmap(addr, len, prot, flags, fd, off);
	/* Shared anonymous memory in a session: a memfd MAP_DMA can send. */
	if (session_client && (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) != MAP_PRIVATE)
		p = session_share_mmap_anon(addr, len, prot, flags, real);
	else
		p = real(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & MAP_FIXED) && mmio_trap_any())
		mmio_trap_forget(p, len);
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(get_mmap(), addr, len, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return do_mmap(get_mmap64(), addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	int ret = get_munmap()(addr, len);

	if (!ret && mmio_trap_any())
		mmio_trap_forget(addr, (len + 4095) & ~(size_t)4095);
	if (!ret && session_client)
		session_share_munmap(addr, len);
	return ret;
}

/*
 * SIGSEGV is the trap's once a region is mapped: a handler the program
 * installs then gets the faults outside the mappings (mmio_trap.c chains
 * to it), and sigaction reports it back as the program's own.
 */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig == SIGSEGV && !mmio_trap_sigaction(act, old))
		return 0;
	return get_sigaction()(sig, act, old);
}

EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;

	if (sig != SIGSEGV || mmio_trap_sigaction(NULL, NULL))
		return get_signal()(sig, handler);
	sigemptyset(&act.sa_mask);
	mmio_trap_sigaction(&act, &old);
	return old.sa_handler;
}

/* ---- dup and fcntl ------------------------------------------------------ */

EXPORT int dup(int fd)
{
	if (fwd(fd))
		return session_vfio_dup(fd, -1, 0, 0);
	if (lab_fd_is_lab(fd))
		return lab_dup(fd, -1, 0);
	return get_dup()(fd);
}

EXPORT int dup2(int fd, int newfd)
{
	if (fwd(fd))
		return session_vfio_dup(fd, newfd, 0, 0);
	if (fwd(newfd) && fd != newfd && fcntl(fd, F_GETFD) >= 0)
		session_vfio_forget(newfd);
	if (lab_fd_is_lab(fd))
		return fd == newfd ? fd : lab_dup(fd, newfd, 0);
	if (lab_fd_is_lab(newfd))
		lab_close(newfd);
	return get_dup2()(fd, newfd);
}

EXPORT int dup3(int fd, int newfd, int flags)
{
	if (fwd(fd))
		return fd == newfd ? (errno = EINVAL, -1) : session_vfio_dup(fd, newfd, 0, flags);
	if (fwd(newfd) && fd != newfd && fcntl(fd, F_GETFD) >= 0)
		session_vfio_forget(newfd);
	if (lab_fd_is_lab(fd))
		return lab_dup(fd, newfd, flags);
	if (lab_fd_is_lab(newfd) && fd != newfd)
		lab_close(newfd);
	return get_dup3()(fd, newfd, flags);
}

static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd, long arg)
{
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && fwd(fd))
		return session_vfio_dup(fd, -1, (int)arg, cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && lab_fd_is_lab(fd))
		return lab_dup_from(fd, (int)arg, cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
	return real(fd, cmd, arg);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(get_fcntl(), fd, cmd, arg);
}

/* What fcntl() calls in programs built with _FILE_OFFSET_BITS=64 (glibc >= 2.28). */
EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return do_fcntl(get_fcntl64(), fd, cmd, arg);
}

/* ---- descriptors passed over UNIX sockets ------------------------------ */

/* A lab descriptor sent with SCM_RIGHTS arrives as a new number: it stays a lab one. */
EXPORT ssize_t recvmsg(int sock, struct msghdr *msg, int flags)
{
	ssize_t n = get_recvmsg()(sock, msg, flags);
	if (n < 0 || !booted || !msg)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			lab_adopt(fd);
		}
	}
	return n;
}

/* ---- stat and friends --------------------------------------------------- */

EXPORT int stat(const char *path, struct stat *st)
{
	return ours(path) ? lab_stat(path, st) : get_stat()(path, st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	return ours(path) ? lab_lstat(path, st) : get_lstat()(path, st);
}

EXPORT int fstat(int fd, struct stat *st)
{
	if (fwd(fd))
		return session_vfio_fstat(fd, st);
	return lab_fd_is_lab(fd) ? lab_fstat(fd, st) : get_fstat()(fd, st);
}

/* On LP64 glibc, struct stat64 and struct stat (dirent64 and dirent) share one layout. */
_Static_assert(sizeof(struct stat64) == sizeof(struct stat), "stat64 layout");
_Static_assert(sizeof(struct dirent64) == sizeof(struct dirent), "dirent64 layout");

EXPORT int stat64(const char *path, struct stat64 *st)
{
	return ours(path) ? lab_stat(path, (struct stat *)st) : get_stat64()(path, st);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return ours(path) ? lab_lstat(path, (struct stat *)st) : get_lstat64()(path, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	if (fwd(fd))
		return session_vfio_fstat(fd, st);
	return lab_fd_is_lab(fd) ? lab_fstat(fd, (struct stat *)st) : get_fstat64()(fd, st);
}

EXPORT int access(const char *path, int mode)
{
	return ours(path) ? lab_access(path, mode) : get_access()(path, mode);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	return ours(path) ? lab_readlink(path, buf, size) : get_readlink()(path, buf, size);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (ours(path))
		return (flags & AT_SYMLINK_NOFOLLOW) ? lab_lstat(path, st) : lab_stat(path, st);
	return get_fstatat()(dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	if (ours(path))
		return (flags & AT_SYMLINK_NOFOLLOW) ? lab_lstat(path, (struct stat *)st)
						     : lab_stat(path, (struct stat *)st);
	return get_fstatat64()(dirfd, path, st, flags);
}

/* A lab path's stat in statx's form (the basic fields: what lab_stat knows). */
static void stat_to_statx(const struct stat *st, struct statx *stx)
{
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)st->st_blksize;
	stx->stx_nlink = (uint32_t)st->st_nlink;
	stx->stx_uid = st->st_uid;
	stx->stx_gid = st->st_gid;
	stx->stx_mode = (uint16_t)st->st_mode;
	stx->stx_ino = st->st_ino;
	stx->stx_size = (uint64_t)st->st_size;
	stx->stx_blocks = (uint64_t)st->st_blocks;
	stx->stx_atime = (struct statx_timestamp){ st->st_atim.tv_sec, (uint32_t)st->st_atim.tv_nsec };
	stx->stx_mtime = (struct statx_timestamp){ st->st_mtim.tv_sec, (uint32_t)st->st_mtim.tv_nsec };
	stx->stx_ctime = (struct statx_timestamp){ st->st_ctim.tv_sec, (uint32_t)st->st_ctim.tv_nsec };
	stx->stx_rdev_major = major(st->st_rdev);
	stx->stx_rdev_minor = minor(st->st_rdev);
	stx->stx_dev_major = major(st->st_dev);
	stx->stx_dev_minor = minor(st->st_dev);
}

/* coreutils' ls and stat ask with statx: `ls -l /dev/vfio` in-process. */
EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct stat st;
	int ret;

	if (!ours(path))
		return get_statx()(dirfd, path, flags, mask, stx);
	ret = (flags & AT_SYMLINK_NOFOLLOW) ? lab_lstat(path, &st) : lab_stat(path, &st);
	if (!ret)
		stat_to_statx(&st, stx);
	return ret;
}

EXPORT char *realpath(const char *path, char *resolved)
{
	return ours(path) ? lab_realpath(path, resolved) : get_realpath()(path, resolved);
}

/* ---- stdio --------------------------------------------------------------------- */

/*
 * libc's fopen opens through its internal open, which no interposer sees:
 * a lab path gets a stdio stream over a lab descriptor instead.
 */
static ssize_t cookie_read(void *c, char *buf, size_t n)
{
	return lab_read((int)(intptr_t)c, buf, n);
}

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
	return lab_write((int)(intptr_t)c, buf, n);
}

static int cookie_seek(void *c, off64_t *pos, int whence)
{
	off_t r = lab_lseek((int)(intptr_t)c, *pos, whence);
	if (r < 0)
		return -1;
	*pos = r;
	return 0;
}

static int cookie_close(void *c)
{
	return lab_close((int)(intptr_t)c);
}

static FILE *lab_fopen(const char *path, const char *mode)
{
	int flags;
	switch (mode[0]) {
	case 'r': flags = strchr(mode, '+') ? O_RDWR : O_RDONLY; break;
	case 'w': flags = (strchr(mode, '+') ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC; break;
	case 'a': flags = (strchr(mode, '+') ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND; break;
	default: errno = EINVAL; return NULL;
	}
	if (strchr(mode, 'e'))
		flags |= O_CLOEXEC;
	int fd = lab_open(path, flags, 0666);
	if (fd < 0)
		return NULL;
	cookie_io_functions_t io = { cookie_read, cookie_write, cookie_seek, cookie_close };
	FILE *f = fopencookie((void *)(intptr_t)fd, mode, io);
	if (!f)
		lab_close(fd);
	return f;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	return ours(path) && mode ? lab_fopen(path, mode) : get_fopen()(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return ours(path) && mode ? lab_fopen(path, mode) : get_fopen64()(path, mode);
}

/* ---- directories ------------------------------------------------------------ */

/*
 * A lab directory stream: the listing taken at opendir, handed out entry by
 * entry. The DIR pointer is ours (a lab_dir); readdir/closedir tell it from
 * libc's by a magic word at its start.
 */
#define LAB_DIR_MAGIC 0x6c616264u

struct lab_dir {
	unsigned magic;
	size_t n, next, cap;
	struct dirent *ents;
};

static int collect(void *opaque, const char *name, unsigned char type)
{
	struct lab_dir *d = opaque;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 32;
		struct dirent *e = realloc(d->ents, nc * sizeof(*e));
		if (!e)
			return -ENOMEM;
		d->ents = e;
		d->cap = nc;
	}
	struct dirent *e = &d->ents[d->n];
	memset(e, 0, sizeof(*e));
	e->d_ino = d->n + 1;
	e->d_type = type;
	e->d_reclen = sizeof(*e);
	snprintf(e->d_name, sizeof(e->d_name), "%s", name);
	d->n++;
	return 0;
}

static bool is_lab_dir(DIR *dir)
{
	return dir && ((struct lab_dir *)dir)->magic == LAB_DIR_MAGIC;
}

EXPORT DIR *opendir(const char *path)
{
	if (!ours(path))
		return get_opendir()(path);
	struct lab_dir *d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->magic = LAB_DIR_MAGIC;
	if (lab_listdir(path, collect, d)) {
		int e = errno;
		free(d->ents);
		free(d);
		errno = e;
		return NULL;
	}
	return (DIR *)d;
}

EXPORT struct dirent *readdir(DIR *dir)
{
	if (!is_lab_dir(dir))
		return get_readdir()(dir);
	struct lab_dir *d = (struct lab_dir *)dir;
	return d->next < d->n ? &d->ents[d->next++] : NULL;
}

EXPORT struct dirent64 *readdir64(DIR *dir)
{
	if (!is_lab_dir(dir))
		return get_readdir64()(dir);
	return (struct dirent64 *)readdir(dir);
}

EXPORT int closedir(DIR *dir)
{
	if (!is_lab_dir(dir))
		return get_closedir()(dir);
	struct lab_dir *d = (struct lab_dir *)dir;
	d->magic = 0;
	free(d->ents);
	free(d);
	return 0;
}

EXPORT int dirfd(DIR *dir)
{
	if (!is_lab_dir(dir))
		return get_dirfd()(dir);
	errno = ENOTSUP;
	return -1;
}

/* ---- glibc's _FORTIFY_SOURCE entry points ------------------------------- */

/*
 * Programs built with _FORTIFY_SOURCE (most distribution packages) call
 * these instead of the plain functions when a buffer's size is known;
 * glibc's own versions reach the system call without passing through the
 * interposers above. Each checks the size as glibc does, then goes the
 * plain way.
 */
__attribute__((noreturn)) static void chk_fail(void)
{
	fprintf(stderr, "*** buffer overflow detected ***: terminated\n");
	abort();
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return read(fd, buf, n);
}

EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return pread(fd, buf, n, off);
}

EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return pread64(fd, buf, n, off);
}

EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		chk_fail();
	return readlink(path, buf, n);
}

EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	if (resolved && resolvedlen < PATH_MAX)
		chk_fail();
	return realpath(path, resolved);
}

/* open() with a constant flags argument that needs no mode. */
EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}
