/*
 * The session server's inside (session_server.c): the clients, their
 * files and the table of ops, for the files that serve ops (the FUSE
 * filesystem, the /dev/vfio forwarding). Not public API.
 *
 * Threads. One thread, the kernel thread, owns the lab: it boots it,
 * serves every client's requests and every FUSE request, and shuts it
 * down. Another thread (the FUSE loop) only hands requests over with
 * session_kernel_call(), which runs a function in the kernel thread and
 * waits for it. Nothing but the kernel thread calls into the kernel.
 */
#ifndef IOMMULAB_UAPI_SESSION_SERVER_H
#define IOMMULAB_UAPI_SESSION_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "session.h"

struct file;

/* A connected client process. */
struct session_client {
	int sock;
	pid_t pid;			/* SO_PEERCRED */
	uid_t uid;
	enum session_kind kind;
	bool hello;			/* SESSION_HELLO received */
	bool released;			/* its files closed (gone, or the session is down) */
	struct file **files;		/* handle -> file (NULL: free) */
	unsigned int nr_files;
	void *priv;			/* the forwarding's per-client state */
	struct session_client *next;
};

/* A request as the server received it. */
struct session_req {
	struct session_hdr hdr;
	void *payload;
	size_t len;
	int fds[SESSION_MAX_FDS];	/* received; an op that keeps one sets it to -1 */
	unsigned int nfds;
};

/* What a handler answers: ret in hdr; payload up to SESSION_MAX_PAYLOAD. */
struct session_rep {
	int64_t ret;
	void *payload;			/* the server's buffer, SESSION_MAX_PAYLOAD bytes */
	size_t len;
	int fds[SESSION_MAX_FDS];	/* sent, then closed by the server */
	unsigned int nfds;
	bool no_reply;			/* a posted op: nothing is sent back */
};

/* Runs in the kernel thread; fills @rep. */
typedef void (*session_handler_t)(struct session_client *c, struct session_req *req,
				  struct session_rep *rep);

/*
 * Serves @op with @fn (the /dev/vfio forwarding registers its file ops
 * here before the server starts). 0 or -EEXIST/-EINVAL.
 */
int session_register_op(uint32_t op, session_handler_t fn);

/*
 * @fn runs when a client goes (its socket closed, or the session goes
 * down), before the server closes the client's files: the forwarding
 * drops its per-client state (c->priv). In the kernel thread.
 */
void session_register_release(void (*fn)(struct session_client *c));
/* @fn runs after a client's files were closed (the forwarding's kept state goes). */
void session_register_released(void (*fn)(struct session_client *c));

/*
 * @fn runs in the kernel thread whenever the server is idle (no request
 * waiting) and the last call said more was pending: the /dev/vfio
 * forwarding lets virtual time pass there (session_vfio.c). It returns
 * whether it has more to do (then the server polls without waiting).
 */
void session_register_idle(bool (*fn)(void));

/* A file for a client: its handle (>= 0) or -EMFILE/-ENOMEM; the client holds @file's reference. */
int session_client_install(struct session_client *c, struct file *file);
/* The file behind @handle (not referenced), or NULL. */
struct file *session_client_file(struct session_client *c, int handle);
/* Drops @handle: 0 or -EBADF. */
int session_client_close(struct session_client *c, int handle);
/*
 * The vma of @c's region mapping (SESSION_MMAP) holding client address
 * @addr, or NULL: the kernel's vma_lookup for a client (session_vfio_mmap.c).
 */
struct vm_area_struct;
struct vm_area_struct *session_mmap_vma(struct session_client *c, unsigned long addr);
/* Whether @f is a SESSION_MMAP handle's file (a region mapping). */
bool session_mmap_file(const struct file *f);

/*
 * Runs @fn(@arg) in the kernel thread and waits for it (from the FUSE
 * thread); in the kernel thread itself, calls it directly. 0, or
 * -ENOTCONN once the lab is down (@fn did not run).
 */
int session_kernel_call(void (*fn)(void *arg), void *arg);

/* ---- the FUSE filesystem (fuse_sysfs.c) -------------------------------- */

/*
 * Mounts the lab's /sys over /sys and its /proc/bus/pci over
 * /proc/bus/pci in the current (private) mount namespace and starts the
 * FUSE thread (@dir: the session directory, for a staging mount point). 0 or -errno (the message in @msg).
 */
int fuse_sysfs_start(const char *dir, char *msg, size_t msglen);
/* Stops the FUSE thread (at shutdown; the namespace takes the mounts away). */
void fuse_sysfs_stop(void);

#endif
