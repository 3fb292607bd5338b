/*
 * The session server's watch on the eventfds its kernel acts on when a
 * program writes them (vfio-pci's ioeventfds, eventfd_ctx_watch in
 * kernel/base/uaccess.h).
 *
 * Linux does an ioeventfd's write from the eventfd's wakeup, whatever the
 * program does next: a program may write the eventfd and then only wait
 * on its interrupt eventfd, which the server never sees. The server's
 * kernel thread sleeps in poll while no client asks anything, so a
 * watcher thread here sleeps in epoll_wait on the watched eventfds (the
 * server's copies of the program's) and, when one is written, has the
 * kernel thread look at them (vfio_pci_virqfd_poll); the kernel thread's
 * loop then runs the device's time, as after any request.
 *
 * Edge-triggered: each write is one wakeup, and the kernel consumes the
 * count under the lab's lock, so a wakeup that finds nothing is harmless.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "iommulab/fd.h"
#include "kernel/vfio/vfio_pci.h"
#include "session_ioeventfd.h"
#include "session_server.h"

static int watch_epfd = -1;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

/* In the kernel thread. */
static void watch_kick(void *arg)
{
	(void)arg;
	lab_lock();
	vfio_pci_virqfd_poll();
	lab_unlock();
}

static void *watcher(void *arg)
{
	struct epoll_event ev[16];

	(void)arg;
	for (;;) {
		int n = epoll_wait(watch_epfd, ev, 16, -1);

		if (n < 0 && errno != EINTR)
			break;
		/* The session is down: nothing more to do. */
		if (n > 0 && session_kernel_call(watch_kick, NULL))
			break;
	}
	return NULL;
}

static void watch_start(void)
{
	pthread_t t;

	watch_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (watch_epfd < 0)
		return;
	if (pthread_create(&t, NULL, watcher, NULL)) {
		close(watch_epfd);
		watch_epfd = -1;
		return;
	}
	pthread_detach(t);
}

void session_eventfd_watch(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };

	pthread_once(&watch_once, watch_start);
	/* No watcher (no memory): the next request or wait still acts on it. */
	if (watch_epfd >= 0)
		epoll_ctl(watch_epfd, EPOLL_CTL_ADD, fd, &ev);
}

void session_eventfd_unwatch(int fd)
{
	if (watch_epfd >= 0)
		epoll_ctl(watch_epfd, EPOLL_CTL_DEL, fd, NULL);
}
