/*
 * fork() of a session client (session.h, SESSION_FORK and SESSION_ADOPT).
 * On Linux a child shares its parent's open files: each process holds a
 * reference, a close in one leaves the other's open, the last close
 * releases. A session's files live in the server, one table per
 * connection, and a connection is one process, so the child needs
 * references of its own:
 *  - before the fork, the parent's shim asks for a ticket: the server
 *    takes a reference to every file of the parent's table and keeps them
 *    under the ticket;
 *  - the child's shim connects, adopts the ticket (the references move
 *    into its own table) and only then closes its copy of the parent's
 *    socket. Until then the parent's connection cannot end (the child
 *    holds it open), so a parent that exits right after fork() (a daemon)
 *    loses its child nothing.
 * A ticket never adopted (the fork failed, the child died before its first
 * step) goes with the parent's connection; at most MAX_TICKETS wait per
 * parent, the oldest going first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "iommulab/fd.h"
#include "kernel/base/fs.h"
#include "session_server.h"
#include "session_vfio.h"

#define MAX_TICKETS 16

struct ticket {
	struct ticket *next;
	struct session_client *parent;
	uint64_t id;
	struct file **files;	/* the parent's table: handle -> a reference, or NULL */
	unsigned int nr;
};

static struct ticket *tickets;

static void ticket_free(struct ticket *t)
{
	for (unsigned int i = 0; i < t->nr; i++)
		if (t->files[i])
			fput(t->files[i]);
	free(t->files);
	free(t);
}

/* Unlinks and returns the ticket @pred picks, or NULL. */
static struct ticket *ticket_take(bool (*pred)(struct ticket *t, const void *arg),
				  const void *arg)
{
	for (struct ticket **pp = &tickets; *pp; pp = &(*pp)->next) {
		if (pred(*pp, arg)) {
			struct ticket *t = *pp;
			*pp = t->next;
			return t;
		}
	}
	return NULL;
}

static bool by_parent(struct ticket *t, const void *arg)
{
	return t->parent == arg;
}

static bool by_id(struct ticket *t, const void *arg)
{
	return t->id == *(const uint64_t *)arg;
}

/* The oldest of @c's waiting tickets when it has MAX_TICKETS: it goes. */
static void ticket_limit(struct session_client *c)
{
	struct ticket *oldest = NULL;
	unsigned int n = 0;

	for (struct ticket *t = tickets; t; t = t->next) {
		if (t->parent == c) {
			n++;
			oldest = t;	/* new tickets go in front */
		}
	}
	if (n < MAX_TICKETS)
		return;
	for (struct ticket **pp = &tickets; *pp; pp = &(*pp)->next) {
		if (*pp == oldest) {
			*pp = oldest->next;
			break;
		}
	}
	ticket_free(oldest);
}

void session_fork_release(struct session_client *c)
{
	struct ticket *t;

	while ((t = ticket_take(by_parent, c)))
		ticket_free(t);
}

static void op_fork(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	struct ticket *t = calloc(1, sizeof(*t));
	unsigned int nr = 0;

	(void)req;
	for (unsigned int h = 0; h < c->nr_files; h++)
		if (c->files[h])
			nr = h + 1;
	if (t && nr)
		t->files = calloc(nr, sizeof(*t->files));
	if (!t || (nr && !t->files) ||
	    getrandom(&t->id, sizeof(t->id), 0) != sizeof(t->id)) {
		if (t)
			free(t->files);
		free(t);
		rep->ret = -ENOMEM;
		return;
	}
	lab_lock();
	ticket_limit(c);
	for (unsigned int h = 0; h < nr; h++) {
		struct file *f = session_client_file(c, (int)h);
		t->files[h] = f ? get_file(f) : NULL;
	}
	lab_unlock();
	t->nr = nr;
	t->parent = c;
	t->next = tickets;
	tickets = t;
	memcpy(rep->payload, &t->id, sizeof(t->id));
	rep->len = sizeof(t->id);
	rep->ret = 0;
}

static void op_adopt(struct session_client *c, struct session_req *req, struct session_rep *rep)
{
	int32_t *map = rep->payload;
	uint64_t id;

	if (req->len != sizeof(id)) {
		rep->ret = -EINVAL;
		return;
	}
	memcpy(&id, req->payload, sizeof(id));
	struct ticket *t = ticket_take(by_id, &id);
	if (!t) {
		rep->ret = -ENOENT;
		return;
	}
	lab_lock();
	for (unsigned int h = 0; h < t->nr; h++) {
		int nh = -1;

		/* The reference moves: a handle the table cannot take is the child's -EBADF. */
		if (t->files[h] && (nh = session_client_install(c, t->files[h])) >= 0)
			t->files[h] = NULL;
		map[h] = nh;
	}
	if (t->nr)
		session_vfio_client_uses(c);
	rep->len = t->nr * sizeof(*map);
	rep->ret = t->nr;
	ticket_free(t);
	lab_unlock();
}

__attribute__((constructor)) static void session_fork_register(void)
{
	session_register_op(SESSION_FORK, op_fork);
	session_register_op(SESSION_ADOPT, op_adopt);
}
