/*
 * Lab sessions: the wire protocol between a session's server (`iommulab
 * up`, session_server.c) and its clients (`iommulab exec/shell/down`, the
 * modprobe/rmmod helpers, and libiommulab-preload.so in session-client
 * mode for /dev/vfio). Not public API: both ends are built from this tree.
 *
 * Where a session lives. A session is a directory (session_dir):
 *   $XDG_RUNTIME_DIR/iommulab/NAME, or /tmp/iommulab-$UID/NAME without
 *   XDG_RUNTIME_DIR; NAME is "default" unless --name or IOMMULAB_SESSION
 *   says otherwise (IOMMULAB_SESSION may also be the directory itself, an
 *   absolute path: that is what `iommulab exec` exports to its program).
 * It holds:
 *   sock   the server's listening socket (AF_UNIX, SOCK_SEQPACKET)
 *   pid    the server's process id, in decimal, and a newline
 *   ns     a directory: the helpers bind-mounted in the namespace
 *   log    the server's standard error (boot log, warnings)
 * The directory is 0700: only its owner reaches the session. The server
 * also checks each connection's SO_PEERCRED uid against its own.
 *
 * The namespace. The server unshares a user and a mount namespace
 * (CLONE_NEWUSER | CLONE_NEWNS, the user mapped to root inside, as
 * `unshare -r`), mounts its FUSE filesystem over /sys and /proc/bus/pci
 * and bind-mounts the modprobe/rmmod helpers over /sbin/modprobe and
 * /sbin/rmmod. A program joins it with setns() on /proc/PID/ns/user then
 * /proc/PID/ns/mnt (session_join). No mount is ever made in the host's
 * namespace: the namespace dies with its last process.
 *
 * Messages. SOCK_SEQPACKET keeps message boundaries: one request is one
 * message, struct session_hdr then hdr.len bytes of payload, with up to
 * SESSION_MAX_FDS descriptors in one SCM_RIGHTS control message. The
 * reply is one message with the same op and seq, ret set (>= 0 or a
 * negative errno, Linux's), its own payload and descriptors. Requests on
 * one connection are answered in order, one at a time (the server runs
 * them in its kernel thread, serialised with every other client and with
 * the FUSE side).
 *
 * A connection is a client process. Its first request is SESSION_HELLO
 * (struct session_hello: the kind of client, its pid). Everything the
 * client opened through the connection (SESSION_OPEN handles, the files
 * the kernel installed for it) belongs to the connection: when the socket
 * closes, because the client closed it or died, the server closes them
 * all, as Linux's exit closes a process's descriptors (VFIO containers
 * and groups released, module references dropped).
 *
 * A connection must not be shared across fork(): a child opens its own
 * and adopts references to its parent's files (SESSION_FORK,
 * SESSION_ADOPT), so its inherited descriptors stay the same files.
 *
 * Descriptors. A request passes descriptors the server needs as its own
 * (an eventfd for VFIO_DEVICE_SET_IRQS, a memfd of DMA memory): the
 * server receives them in SCM_RIGHTS, in the order the op's payload
 * names them (an index into the message's descriptors, -1 for none). A
 * reply passes descriptors the client gets (a memfd or a region to
 * mmap); the client owns them. A server never keeps a received
 * descriptor past its op unless the op says so (an eventfd the kernel
 * holds until the irq is torn down).
 *
 * User memory. An op whose argument points into the client's memory (a
 * VFIO ioctl's struct, MAP_DMA's vaddr) is served through a uaccess_ops
 * for that client: the server reaches the client's memory by pid
 * (process_vm_readv/writev), the pid in SO_PEERCRED (the session has no
 * pid namespace, so numbers agree).
 */
#ifndef IOMMULAB_UAPI_SESSION_H
#define IOMMULAB_UAPI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SESSION_MAGIC 0x4c4d4f49u	/* "IOML" */
#define SESSION_VERSION 1
/* The largest message: header plus payload (a page of sysfs, a shell reply). */
#define SESSION_MAX_MSG (256 * 1024)
#define SESSION_MAX_PAYLOAD (SESSION_MAX_MSG - sizeof(struct session_hdr))
#define SESSION_MAX_FDS 8

/* Environment: the session directory (exec sets it for its program). */
#define SESSION_ENV "IOMMULAB_SESSION"

enum session_op {
	/* Request: struct session_hello. Reply: ret 0, payload the server's banner. */
	SESSION_HELLO = 1,
	/* Request: nothing. Reply: ret 0 (is the server alive). */
	SESSION_PING,
	/*
	 * Request: one shell line, NUL-terminated. Reply: the command's output
	 * (no NUL), ret its status. The lab's shell, on the server's kernel.
	 */
	SESSION_SHELL,
	/* Request: nothing. Reply: the shell's current directory, NUL-terminated. */
	SESSION_SHELL_CWD,
	/*
	 * Request: struct session_module then its argv, NUL-separated.
	 * Reply: kmod's messages (stderr text), ret the exit status.
	 */
	SESSION_MODULE,
	/*
	 * Request: nothing. The server ends every client, shuts the lab down
	 * and answers with the oracle's report, ret the escape count; then it
	 * exits.
	 */
	SESSION_DOWN,

	/* ---- files (the /dev/vfio forwarding builds on these) ---- */

	/* Request: struct session_open then the path, NUL-terminated. Reply: ret the handle. */
	SESSION_OPEN = 32,
	/* Request: struct session_fileop (handle). Reply: ret 0 or -errno. */
	SESSION_CLOSE,
	/* Request: session_fileop (handle, count, off or -1 for f_pos). Reply: the bytes, ret the count. */
	SESSION_READ,
	/* Request: session_fileop then the bytes. Reply: ret the count. */
	SESSION_WRITE,
	/* Request: session_fileop (handle, off, whence in arg). Reply: ret the position. */
	SESSION_LSEEK,
	/*
	 * Request: session_fileop (handle, cmd, arg: the client's pointer or
	 * value); the server copies the argument from and to the client's
	 * memory by pid. Descriptors the ioctl names come in SCM_RIGHTS.
	 * Reply: ret the ioctl's value; descriptors it created (a device fd
	 * is a new handle: ret), none yet.
	 */
	SESSION_IOCTL,
	/* Request: session_fileop (handle). Reply: struct session_stat. */
	SESSION_FSTAT,
	/* Request: session_fileop (handle: dup it). Reply: ret the new handle. */
	SESSION_DUP,
	/*
	 * Request: session_fileop (handle: the device file, arg: the client's
	 * address of the mapping, count: its length, off: the file offset,
	 * cmd: VM_READ/VM_WRITE/VM_SHARED). The server's vfs_mmap validates
	 * it (the bus driver's mmap). Reply: ret a new handle, the mapping:
	 * SESSION_READ/WRITE on it at off (from the mapping's start), count 1,
	 * 2, 4 or 8, are the program's trapped loads and stores (mmio_trap.h);
	 * SESSION_CLOSE on it is the munmap of its last page.
	 */
	SESSION_MMAP,
	/*
	 * fork(): the parent, before the fork. Request: nothing. Reply: ret
	 * 0, payload a uint64_t ticket: the server holds a reference to every
	 * file of the connection for the child, until the child adopts them
	 * or the parent's connection goes (session_fork.c).
	 */
	SESSION_FORK,
	/*
	 * The child, on its own connection, before it closes its copy of the
	 * parent's socket. Request: the uint64_t ticket. Reply: ret the number
	 * of the parent's handles N, payload N int32_t: the child's handle for
	 * each of the parent's (-1: none). -ENOENT for an unknown ticket.
	 */
	SESSION_ADOPT,
	/*
	 * A posted store through a region mapping (the client's trapped
	 * store, session_client_vfio.c): as SESSION_WRITE on a SESSION_MMAP
	 * handle, but the server sends no reply. The client does not wait, as
	 * a CPU does not wait for a posted write on PCIe; the order stays: the
	 * connection's requests are served one after another, so the
	 * client's next request of any kind (a load, an ioctl) finds the
	 * store applied. A store the device refuses is dropped (the server's
	 * log says so, for the first 16), as a posted
	 * write to a disabled BAR is; the client posts only while nothing of
	 * its own since its last answered access could have made the
	 * mapping refuse it.
	 */
	SESSION_WRITE_POSTED,

	SESSION_OP_MAX = 64,
};

/* Every message begins with this. */
struct session_hdr {
	uint32_t magic;		/* SESSION_MAGIC */
	uint32_t op;		/* enum session_op */
	uint32_t len;		/* payload bytes after the header */
	uint32_t nfds;		/* descriptors in this message's SCM_RIGHTS */
	uint64_t seq;		/* the client's number; the reply repeats it */
	int64_t ret;		/* reply: >= 0 or -errno; request: 0 */
};

enum session_kind {
	SESSION_CLIENT_EXEC = 1,	/* `iommulab exec`: joins, then runs a program */
	SESSION_CLIENT_SHELL,		/* `iommulab shell` */
	SESSION_CLIENT_CONTROL,		/* `iommulab down`, status queries */
	SESSION_CLIENT_MODULE,		/* the modprobe/rmmod helpers */
	SESSION_CLIENT_PRELOAD,		/* libiommulab-preload.so: /dev/vfio */
};

struct session_hello {
	uint32_t magic;		/* SESSION_MAGIC */
	uint32_t version;	/* SESSION_VERSION */
	uint32_t kind;		/* enum session_kind */
	int32_t pid;		/* getpid(): for logs; the server trusts SO_PEERCRED */
};

enum session_module_cmd {
	SESSION_MODPROBE = 1,	/* argv as modprobe's (-r, -q, -v, names) */
	SESSION_RMMOD,		/* argv as rmmod's */
	SESSION_LSMOD,
};

struct session_module {
	uint32_t cmd;		/* enum session_module_cmd */
	uint32_t argc;		/* argv strings that follow, NUL-terminated each */
};

struct session_open {
	int32_t flags;		/* open(2) flags */
	uint32_t mode;
};

struct session_fileop {
	int32_t handle;
	uint32_t cmd;		/* ioctl: the request */
	int64_t off;		/* read/write: the offset, -1 for the file position */
	uint64_t count;
	uint64_t arg;		/* ioctl: argument; lseek: whence */
};

struct session_stat {
	uint32_t mode;
	uint32_t rdev;
	int64_t size;
};

/*
 * ---- /dev/vfio forwarding (session_client_vfio.c, session_vfio.c) ----
 *
 * The preload shim in session-client mode forwards every /dev/vfio open
 * and every call on those descriptors. A forwarded descriptor is a real
 * one in the client (/dev/null, as in-process lab descriptors) that the
 * shim maps to the server's handle.
 *
 * SESSION_IOCTL, marshalled (session_vfio_marshal.c): the request is
 * struct session_fileop, then fileop.count bytes of the argument (what
 * the client's memory holds at fileop.arg: argsz-driven for the VFIO
 * structs, the NUL-terminated name for GET_DEVICE_FD, nothing for a
 * value), then fileop.off records struct session_share (the memory
 * MAP_DMA and UPDATE_VADDR pin, each with its descriptor in SCM_RIGHTS).
 * The server serves the kernel's copy_{from,to}_user inside
 * [arg, arg + count) from those bytes, and anything outside them from
 * the client's memory by pid (process_vm_readv/writev). The reply's
 * payload is the argument's bytes as the ioctl left them, up to the last
 * byte it wrote; the client copies them back to its memory.
 *
 * Descriptors inside an argument are rewritten by the client:
 *  - an eventfd in VFIO_DEVICE_SET_IRQS's data: the index of the
 *    descriptor in the message's SCM_RIGHTS (the server keeps its copy:
 *    the program's own eventfd, signalled with no interposition);
 *  - a lab descriptor (VFIO_GROUP_SET_CONTAINER's container): its handle;
 *  - an open descriptor that is no lab one: SESSION_FD_FOREIGN; a
 *    number that is not open: SESSION_FD_BAD (-1 and other negative
 *    values pass as they are: "none" to SET_IRQS).
 * A reply whose ret is a new handle (VFIO_GROUP_GET_DEVICE_FD) makes the
 * client a new descriptor for it (O_CLOEXEC, as Linux's device fd).
 */
#define SESSION_FD_FOREIGN 0x7ffffffe
#define SESSION_FD_BAD 0x7fffffff

/* User memory the client shares with the server for a pin, no copy made. */
struct session_share {
	uint64_t start;		/* the client's address (page aligned) */
	uint64_t len;		/* bytes (page aligned) */
	uint64_t offset;	/* where @start lies in the descriptor's object */
	int32_t fd;		/* index into the message's SCM_RIGHTS */
	uint32_t writable;	/* the descriptor maps writable */
};

/* ---- both ends (session_proto.c) -------------------------------------- */

/*
 * The session directory for @name (NULL: $IOMMULAB_SESSION, else
 * "default"); a name with a '/' is the directory itself. 0 or -errno
 * (-ENAMETOOLONG).
 */
int session_dir(const char *name, char *buf, size_t size);

/*
 * One message: @hdr (magic, len and nfds filled here), @payload, @fds.
 * 0 or -errno (-EPIPE when the peer is gone).
 */
int session_send(int sock, struct session_hdr *hdr, const void *payload, const int *fds,
		 unsigned int nfds);
/*
 * One message into @hdr and @payload (at most @size bytes; a longer one is
 * -EMSGSIZE), descriptors into @fds (at most SESSION_MAX_FDS; *@nfds set;
 * extra ones are closed). 0, -ECONNRESET at end of stream, or -errno.
 */
int session_recv(int sock, struct session_hdr *hdr, void *payload, size_t size, int *fds,
		 unsigned int *nfds);

/* ---- the client side (session_client.c) ------------------------------- */

/*
 * Connects to the session in directory @dir as a client of @kind and says
 * hello. The socket (SOCK_CLOEXEC) or -errno: -ENOENT/-ECONNREFUSED when
 * no server runs there.
 */
int session_connect(const char *dir, enum session_kind kind);

/*
 * One request and its reply. @rep gets at most @repsize bytes (the reply's
 * length in *@replen if non-NULL), @rfds at most SESSION_MAX_FDS
 * descriptors (*@nrfds). Returns the reply's ret (>= 0 or the server's
 * -errno), or a transport error (-EPIPE, -ECONNRESET: the server is gone).
 */
int64_t session_call(int sock, uint32_t op, const void *req, size_t reqlen, const int *fds,
		     unsigned int nfds, void *rep, size_t repsize, size_t *replen, int *rfds,
		     unsigned int *nrfds);

/*
 * Joins the session's namespaces (the server's pid in @dir/pid): user,
 * then mount, then back to the caller's working directory (by path).
 * The caller must be single-threaded (setns on a user namespace). 0 or -errno.
 */
int session_join(const char *dir);

/* The server's pid from @dir/pid, or -errno. */
pid_t session_server_pid(const char *dir);

#endif
