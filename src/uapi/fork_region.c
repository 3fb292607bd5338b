/*
 * A forked child's region mappings in a session. On Linux a child
 * inherits a MAP_SHARED mapping of a VFIO region: its loads and stores
 * reach the device as the parent's do, and the mapping lasts until the
 * child unmaps it or exits, whatever the parent does. A session client's
 * mapping is a handle of its connection (session_vfio_mmap.c); the
 * server's SESSION_FORK ticket carries a reference to it with the
 * parent's other files, and the child adopts it under a handle of its own
 * connection. Here the client keeps its mappings so that the child can
 * switch each to that handle: its accesses are then its own
 * SESSION_READ/WRITE, its munmap its own SESSION_CLOSE.
 */
#include <pthread.h>
#include <unistd.h>

#include "fork_region.h"

static struct fwd_map *maps;
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;

void fork_region_add(struct fwd_map *m)
{
	pthread_mutex_lock(&maps_lock);
	m->next = maps;
	maps = m;
	pthread_mutex_unlock(&maps_lock);
}

void fork_region_del(struct fwd_map *m)
{
	pthread_mutex_lock(&maps_lock);
	for (struct fwd_map **pp = &maps; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&maps_lock);
}

void fork_region_adopt(const int32_t *map, int64_t nr)
{
	pid_t self = getpid();

	/* The child has one thread: the lock as another thread held it at fork is stale. */
	pthread_mutex_init(&maps_lock, NULL);
	for (struct fwd_map *m = maps; m; m = m->next) {
		if (m->pid == self)
			continue;
		/* Not in the ticket: it stays the parent's (its accesses fail). */
		if (m->handle < 0 || m->handle >= nr || map[m->handle] < 0)
			continue;
		m->handle = map[m->handle];
		m->pid = self;
		m->epoch = 0;	/* no answered access on this connection yet: the next store waits */
	}
}
