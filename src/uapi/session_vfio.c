/*
 * The session server's /dev/vfio (session.h, "/dev/vfio forwarding"): the
 * file ops a client's preload shim forwards, served on the lab's kernel
 * through the connection's handles, with the client's memory, pins and
 * eventfds through uaccess_remote.c. A client's files go when it does
 * (session_server.c closes its handles: containers, groups and device
 * files released as at a process's exit).
 *
 * Virtual time. In-process, time passes while a program waits on an
 * interrupt eventfd (lab_irq_wait). A session's program waits in its own
 * poll or epoll loop, which nothing interposes, so the server lets time
 * pass whenever it is idle while a client holds /dev/vfio files: one
 * hardware event at a time, in time order, between requests. A device's
 * DMA started by a region write completes as soon as the program stops
 * talking to the server, and its interrupt reaches the program's eventfd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommulab/fd.h"
#include "kernel/base/fs.h"
#include "kernel/kernel.h"
#include "hw/machine.h"
#include "session_server.h"
#include "session_vfio.h"

/* Clients holding /dev/vfio files: while any does, idle time passes. */
static unsigned int vfio_clients;

void session_vfio_client_uses(struct session_client *c)
{
	if (!c->priv) {
		c->priv = &vfio_clients;
		vfio_clients++;
	}
}

static void vfio_release(struct session_client *c)
{
	session_fork_release(c);
	if (c->priv == &vfio_clients) {
		c->priv = NULL;
		vfio_clients--;
	}
}

/* After a client's files went (its pins with them): its memory is not kept. */
static void vfio_released(struct session_client *c)
{
	remote_view_trim();
}

/* The request's fileop: false (and -EINVAL) when it is short. */
static bool get_fileop(struct session_req *req, struct session_rep *rep,
		       struct session_fileop *op)
{
	if (req->len < sizeof(*op)) {
		rep->ret = -EINVAL;
		return false;
	}
	memcpy(op, req->payload, sizeof(*op));
	return true;
}

static struct file *get_file_of(struct session_client *c, const struct session_fileop *op,
				struct session_rep *rep)
{
	struct file *f = session_client_file(c, op->handle);

	if (!f)
		rep->ret = -EBADF;
	return f;
}

static bool has_prefix(const char *p, const char *pre)
{
	size_t n = strlen(pre);
	return !strncmp(p, pre, n) && (p[n] == '/' || !p[n]);
}

static void op_open(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_open o;
	const char *path = (const char *)req->payload + sizeof(o);
	struct file *f = NULL;

	if (req->len <= sizeof(o) || ((char *)req->payload)[req->len - 1]) {
		rep->ret = -EINVAL;
		return;
	}
	memcpy(&o, req->payload, sizeof(o));
	/* Only /dev/vfio travels this way: /sys is the session's filesystem. */
	if (!has_prefix(path, "/dev/vfio")) {
		rep->ret = -ENOENT;
		return;
	}
	lab_lock();
	int ret = devtmpfs_open(path, (unsigned int)o.flags, &f);
	if (!ret) {
		ret = session_client_install(c, f);
		if (ret < 0)
			fput(f);
		else
			session_vfio_client_uses(c);
	}
	lab_unlock();
	rep->ret = ret;
}

static void op_close(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_fileop op;

	if (!get_fileop(req, rep, &op))
		return;
	lab_lock();
	rep->ret = session_client_close(c, op.handle);
	lab_unlock();
}

static void op_dup(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_fileop op;
	struct file *f;

	if (!get_fileop(req, rep, &op))
		return;
	lab_lock();
	if ((f = get_file_of(c, &op, rep))) {
		int h = session_client_install(c, get_file(f));
		if (h < 0)
			fput(f);
		rep->ret = h;
	}
	lab_unlock();
}

/* Runs @fn with the client's accessors; @r says where its argument lives. */
static void with_client(struct session_client *c, struct remote_op *r)
{
	r->c = c;
	r->pid = c->pid;
	uaccess_remote_begin(r);
}

static void op_rw(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	bool write = req->hdr.op == SESSION_WRITE;
	struct session_fileop op;
	struct file *f;

	if (!get_fileop(req, rep, &op))
		return;
	size_t max = write ? req->len - sizeof(op) : SESSION_MAX_PAYLOAD;
	if (op.count > max) {
		rep->ret = -EINVAL;
		return;
	}
	lab_lock();
	if ((f = get_file_of(c, &op, rep))) {
		/* The program's buffer address, served from the message (or into the reply). */
		struct remote_op r = {
			.arg = op.arg, .len = op.count,
			.buf = write ? (uint8_t *)req->payload + sizeof(op) : rep->payload,
		};
		loff_t pos = op.off < 0 ? f->f_pos : op.off;
		with_client(c, &r);
		ssize_t n = write ? vfs_write(f, (const void *)(uintptr_t)op.arg, op.count, &pos)
				  : vfs_read(f, (void *)(uintptr_t)op.arg, op.count, &pos);
		uaccess_remote_end();
		if (n >= 0 && op.off < 0)
			f->f_pos = pos;
		rep->ret = n;
		rep->len = !write && n > 0 ? MIN(r.wrote, (size_t)n) : 0;
	}
	lab_unlock();
}

/* Posted stores the device refused (session.h SESSION_WRITE_POSTED). */
static unsigned long posted_dropped;

/*
 * A posted store: a trapped store on a mapping's handle, served as
 * SESSION_WRITE, with no reply. Nothing else is posted: on any other
 * file the store is refused (and counted) unserved.
 */
static void op_write_posted(struct session_client *c, struct session_req *req,
			    struct session_rep *rep)
{
	struct session_fileop op;
	struct file *f = NULL;

	rep->no_reply = true;
	if (req->len >= sizeof(op)) {
		memcpy(&op, req->payload, sizeof(op));
		lab_lock();
		f = session_client_file(c, op.handle);
		lab_unlock();
	}
	if (f && session_mmap_file(f)) {
		req->hdr.op = SESSION_WRITE;
		op_rw(c, req, rep);
	} else {
		rep->ret = -EINVAL;
	}
	/* The program is not told (it did not wait); the server's log says. */
	if (rep->ret < 0 && posted_dropped++ < 16)
		fprintf(stderr, "iommulab: client %d: a posted store dropped: %s\n", (int)c->pid,
			strerror((int)-rep->ret));
}

static void op_lseek(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_fileop op;
	struct file *f;

	if (!get_fileop(req, rep, &op))
		return;
	lab_lock();
	if ((f = get_file_of(c, &op, rep)))
		rep->ret = vfs_llseek(f, op.off, (int)op.arg);
	lab_unlock();
}

static void op_fstat(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_fileop op;
	struct session_stat ss;
	struct kstat ks;
	struct file *f;

	if (!get_fileop(req, rep, &op))
		return;
	lab_lock();
	if ((f = get_file_of(c, &op, rep))) {
		rep->ret = vfs_getattr(f, &ks);
		if (!rep->ret) {
			ss = (struct session_stat){ ks.mode, ks.rdev, ks.size };
			memcpy(rep->payload, &ss, sizeof(ss));
			rep->len = sizeof(ss);
		}
	}
	lab_unlock();
}

static void op_ioctl(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct session_share shares[SESSION_MAX_FDS];
	struct session_fileop op;
	struct file *f;

	if (!get_fileop(req, rep, &op))
		return;
	size_t rest = req->len - sizeof(op);
	if (op.count > rest || op.count > SESSION_IOCTL_MAX_ARG ||
	    op.off < 0 || op.off > SESSION_MAX_FDS ||
	    (size_t)op.off * sizeof(shares[0]) != rest - op.count) {
		rep->ret = -EINVAL;
		return;
	}
	const uint8_t *arg = (const uint8_t *)req->payload + sizeof(op);
	memcpy(shares, arg + op.count, (size_t)op.off * sizeof(shares[0]));
	/* The argument is worked on in the reply: what the kernel wrote goes back. */
	memcpy(rep->payload, arg, op.count);
	lab_lock();
	if ((f = get_file_of(c, &op, rep))) {
		struct remote_op r = {
			.arg = op.arg, .buf = rep->payload, .len = op.count,
			.shares = shares, .nshares = (unsigned int)op.off,
			.fds = req->fds, .nfds = req->nfds,
		};
		with_client(c, &r);
		rep->ret = vfs_ioctl(f, op.cmd, (unsigned long)op.arg);
		uaccess_remote_end();
		rep->len = r.wrote;
	}
	lab_unlock();
}

/* ---- idle time ----------------------------------------------------------- */

/* One hardware event, if a client holds /dev/vfio files: whether more are pending. */
static bool vfio_idle(void)
{
	bool more = false;

	if (!vfio_clients)
		return false;
	lab_lock();
	struct machine *m = kernel_machine();
	if (m && hw_events_pending(m)) {
		hw_run_until(m, hw_next_event(m));
		kernel_run_pending();
		more = hw_events_pending(m) != 0;
	}
	lab_unlock();
	return more;
}

__attribute__((constructor)) static void session_vfio_register(void)
{
	session_register_op(SESSION_OPEN, op_open);
	session_register_op(SESSION_CLOSE, op_close);
	session_register_op(SESSION_READ, op_rw);
	session_register_op(SESSION_WRITE, op_rw);
	session_register_op(SESSION_WRITE_POSTED, op_write_posted);
	session_register_op(SESSION_LSEEK, op_lseek);
	session_register_op(SESSION_IOCTL, op_ioctl);
	session_register_op(SESSION_FSTAT, op_fstat);
	session_register_op(SESSION_DUP, op_dup);
	session_register_release(vfio_release);
	session_register_released(vfio_released);
	session_register_idle(vfio_idle);
}
