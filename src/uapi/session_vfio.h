/*
 * /dev/vfio through a session (session.h, "/dev/vfio forwarding"): how a
 * VFIO ioctl's argument travels (session_vfio_marshal.c, both ends), the
 * client's side in the preload shim (session_client_vfio.c,
 * session_client_share.c) and the server's (session_vfio.c,
 * uaccess_remote.c). Not public API.
 */
#ifndef IOMMULAB_UAPI_SESSION_VFIO_H
#define IOMMULAB_UAPI_SESSION_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "session.h"

/* The most argument bytes one ioctl carries in its message (the rest by pid). */
#define SESSION_IOCTL_MAX_ARG (64 * 1024)
/* Longest GET_DEVICE_FD name sent (Linux reads at most a page). */
#define SESSION_IOCTL_MAX_NAME 4096

/* What an ioctl's argument is, by request number. */
struct session_ioctl_plan {
	bool value;		/* the argument is a value, no memory */
	bool string;		/* a NUL-terminated string (GET_DEVICE_FD's name) */
	bool new_handle;	/* the ioctl's value is a new file (a device fd) */
	bool container_fd;	/* an int descriptor at offset 0 (SET_CONTAINER) */
	bool eventfds;		/* SET_IRQS: DATA_EVENTFD's descriptors after the header */
	bool ioeventfd;		/* IOEVENTFD: an eventfd (or -1) in its fd field */
	bool share;		/* MAP_DMA: the vaddr range becomes shared memory */
	uint32_t minsz;		/* what the kernel reads first (argsz at offset 0 if > 4) */
};

/* The plan for @cmd; an unknown request passes its argument as a value. */
void session_ioctl_plan(unsigned int cmd, struct session_ioctl_plan *p);
/* Bytes to send for an argsz-driven argument whose argsz is @argsz. */
size_t session_ioctl_len(const struct session_ioctl_plan *p, uint32_t argsz);
/*
 * The descriptor slots (byte offsets of int32 values) inside the argument
 * @buf of @len bytes, at most @max into @offs: how many.
 */
unsigned int session_ioctl_fd_slots(const struct session_ioctl_plan *p, const void *buf,
				    size_t len, size_t *offs, unsigned int max);
/*
 * MAP_DMA's range: true and @vaddr, @size, @write (the device may write)
 * when @buf asks to pin user memory (MAP_DMA, with or without FLAG_VADDR).
 */
bool session_ioctl_share_range(unsigned int cmd, const void *buf, size_t len,
			       uint64_t *vaddr, uint64_t *size, bool *write);
/*
 * Whether ioctl @cmd leaves every region mapping of the process as it was
 * (a store through one cannot start failing because of it): a client
 * keeps posting stores across these (session_client_vfio.c).
 */
bool session_ioctl_keeps_mappings(unsigned int cmd);

/* ---- the client (the preload shim in session-client mode) ------------- */

/* Is @fd a forwarded descriptor? (lock-free; the shim asks on every call) */
bool session_vfio_fd(int fd);
/*
 * Whether this process has its own connection: without one no descriptor
 * of it is a forwarded file (lock-free; exec and spawn ask before they
 * look through the descriptor table).
 */
bool session_vfio_connected(void);
/* The shim's forwarded calls: errno and -1 on failure, as libc's. */
int session_vfio_open(const char *path, int flags, mode_t mode);
int session_vfio_close(int fd);
int session_vfio_ioctl(int fd, unsigned long cmd, void *arg);
ssize_t session_vfio_rw(int fd, void *buf, size_t n, off_t off, bool write, bool use_pos);
off_t session_vfio_lseek(int fd, off_t off, int whence);
int session_vfio_fstat(int fd, void *st);
/* dup3 onto @newfd, or (@newfd < 0) F_DUPFD from @minfd. */
int session_vfio_dup(int fd, int newfd, int minfd, int flags);
/* mmap of a forwarded device fd: a trapped mapping (mmio_trap.h); MAP_FAILED and errno. */
void *session_vfio_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
/* @newfd (not forwarded-from) is about to be replaced by dup2: forget it. */
void session_vfio_forget(int fd);
/* Shares [@start, +@len) with the server: records into @sh, descriptors into @fds. */
int session_share_range(uint64_t start, uint64_t len, bool write, struct session_share *sh,
			unsigned int *nsh, int *fds, unsigned int *nfds, unsigned int max);
/* Drops what the client shared (a fork's child), but shared anonymous memory. */
void session_share_forget(void);
/* [@addr, +@len) was unmapped: kept memfds mapped wholly inside it are closed. */
void session_share_munmap(void *addr, size_t len);

/*
 * exec() (preload_exec.c). Before it: the server keeps this process's
 * files under a ticket (SESSION_FORK) and the connection's socket loses
 * FD_CLOEXEC, so the connection, and the ticket, outlive the exec; the
 * socket, or -errno (no connection: nothing forwarded). The handle of a
 * forwarded @fd, or -EBADF.
 */
int session_vfio_exec_ticket(uint64_t *ticket);
int session_vfio_handle(int fd);
/* The exec failed: the socket is close-on-exec again (the ticket waits with it). */
void session_vfio_exec_failed(int sock);
/*
 * In the new program: its connection adopts @ticket; each @fds[i] still
 * open is again the file the old program had as handle @handles[i]; the
 * adopted files no descriptor kept (close-on-exec ones, mappings) are
 * closed; then the old program's socket @old_sock. 0 or -errno.
 */
int session_vfio_exec_adopt(uint64_t ticket, int old_sock, const int32_t *fds,
			    const int32_t *handles, unsigned int n);
/*
 * mmap(MAP_SHARED | MAP_ANONYMOUS) in a session: the same memory, made a
 * memfd the client keeps, so MAP_DMA can send it (session_client_share.c).
 */
void *session_share_mmap_anon(void *addr, size_t len, int prot, int flags,
			      void *(*real_mmap)(void *, size_t, int, int, int, off_t));
#define SESSION_SHARED_MEMFD_NAME "iommulab-shared"

/* ---- the server ------------------------------------------------------- */

struct session_client;
struct session_req;

/* The op being served for a client: whose memory, its argument's bytes. */
struct remote_op {
	struct session_client *c;
	pid_t pid;
	uint64_t arg;			/* the client's address of the argument */
	uint8_t *buf;			/* its bytes, as sent; replies from here */
	size_t len;
	size_t wrote;			/* the end of what the kernel wrote */
	const struct session_share *shares;
	unsigned int nshares;
	int *fds;			/* the request's descriptors */
	unsigned int nfds;
};

/*
 * The server's kept view of a client's shared object (uaccess_remote_view.c):
 * the address of [@offset, @offset + @len) of @fd's object in it, mapped
 * writable if @writable, and the view in *@out (a reference: put it at
 * unpin); NULL when @fd is no regular file or the range is past its end.
 */
struct remote_view;
void *remote_view_get(int fd, uint64_t offset, size_t len, bool writable,
		      struct remote_view **out);
void remote_view_put(struct remote_view *v);
/* Unmaps the views no pin uses (a client went: its memory is not kept). */
void remote_view_trim(void);

/* The server's uaccess and files ops for @op until uaccess_remote_end(). */
void uaccess_remote_begin(struct remote_op *op);
void uaccess_remote_end(void);

/* @c holds /dev/vfio files (idle time passes for it: session_vfio.c). */
void session_vfio_client_uses(struct session_client *c);
/* Drops the fork tickets @c's children never claimed (session_fork.c). */
void session_fork_release(struct session_client *c);

#endif
