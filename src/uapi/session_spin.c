/*
 * Lab sessions: a bounded, adaptive spin before sleeping for the other
 * end (session_spin.h says why and how the window moves).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "session_spin.h"

/* Below this a window is not worth a poll: spinning is off until a short sleep. */
#define MIN_WINDOW_NS 1000u
/* A gap in the spin this long: the core went to other work meanwhile. */
#define PREEMPTED_NS 200000u
/* How long a spinning end that was preempted sleeps at once instead. */
#define CONTENDED_NS 20000000u

uint64_t session_spin_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void session_spin_init(struct session_spin *s)
{
	const char *v = getenv(SESSION_SPIN_ENV);
	unsigned long us = SESSION_SPIN_DEFAULT_US;

	if (v && *v) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(v, &end, 10);
		if (!errno && !*end && *v != '-' && n <= SESSION_SPIN_MAX_US)
			us = n;
	}
	*s = (struct session_spin){ .full_ns = us * 1000u, .window_ns = us * 1000u };
}

/*
 * poll(2) that only looks, by system call: the preload shim interposes
 * poll() itself (virtual time for in-process labs).
 */
static int look(struct pollfd *fds, nfds_t n)
{
	static const struct timespec zero;

	return (int)syscall(SYS_ppoll, fds, n, &zero, NULL, 0);
}

int session_spin_poll(struct session_spin *s, struct pollfd *fds, nfds_t n)
{
	uint64_t start, now;
	int ready;

	if (s->window_ns < MIN_WINDOW_NS)
		return 0;
	start = session_spin_now();
	if (start < s->contended_until)
		return 0;
	s->spins++;
	for (uint64_t last = start;; last = now) {
		ready = look(fds, n);
		if (ready < 0 && errno == EINTR)
			ready = 0;	/* a signal: the spin goes on (the gap check sees its handler's time) */
		if (ready)
			break;
		now = session_spin_now();
		/*
		 * A poll and a yield take a microsecond or two: a longer gap was
		 * another task's time slice on this core.
		 */
		if (now - last >= PREEMPTED_NS) {
			s->contended++;
			s->contended_until = now + CONTENDED_NS;
			break;
		}
		if (now - start >= s->window_ns) {
			s->window_ns /= 2;
			break;
		}
		sched_yield();
	}
	if (ready > 0)
		s->hits++;
	return ready;
}

void session_spin_slept(struct session_spin *s, uint64_t ns)
{
	if (ns < s->full_ns)
		s->window_ns = s->full_ns;
}
