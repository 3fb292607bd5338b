/*
 * Lab sessions: waiting for the other end without a wake-up when it
 * answers soon (session_spin.c).
 *
 * A request and its answer cross between two processes. Sleeping in
 * poll() for the other side costs a wake-up per crossing: tens of
 * microseconds on a virtual machine, far more than a small request takes
 * to serve. So each end first polls without sleeping, for a window, and
 * sleeps only when nothing came in it: the server after the requests it
 * served, the shim for its reply. QEMU's event loop does the same for its
 * own completions (adaptive polling).
 *
 * The window adapts, so a quiet peer costs next to nothing:
 *  - a spin that ends with nothing halves the window (down to none);
 *  - a sleep that ended within the full window (the spin would have
 *    caught it) opens the window again to the full length;
 *  - each poll is followed by sched_yield(): a spinning end gives its
 *    core to anything else runnable there, such as its own peer;
 *  - an end whose spin was preempted (a gap of 200 us between two looks:
 *    another task's time slice on its core; the machine has no core to
 *    spare) does not spin for the next 20 ms. On a busy machine spinning
 *    only takes turns with the other work, a time slice each, where a
 *    sleeper is woken at once.
 * IOMMULAB_SESSION_SPIN_US sets the full window in microseconds (default
 * 50; 0 turns spinning off: every wait sleeps). Both ends read it.
 */
#ifndef IOMMULAB_UAPI_SESSION_SPIN_H
#define IOMMULAB_UAPI_SESSION_SPIN_H

#include <poll.h>
#include <stdint.h>

#define SESSION_SPIN_ENV "IOMMULAB_SESSION_SPIN_US"
#define SESSION_SPIN_DEFAULT_US 50
#define SESSION_SPIN_MAX_US 10000

struct session_spin {
	uint64_t full_ns;	/* the full window (0: never spin) */
	uint64_t window_ns;	/* the next spin's length */
	uint64_t contended_until;	/* no spinning before (session_spin_now) */
	uint64_t spins, hits;	/* spins made, and those that found something */
	uint64_t contended;	/* spins cut short by a preemption */
};

/* The window from SESSION_SPIN_ENV (an unparsable or huge value: the default). */
void session_spin_init(struct session_spin *s);

/*
 * Polls @fds (poll(2) with no timeout) until one is ready or the window
 * passes: poll's count (> 0), 0 when the window passed with nothing (the
 * caller then sleeps its own way), -1 with errno from poll.
 */
int session_spin_poll(struct session_spin *s, struct pollfd *fds, nfds_t n);

/* The caller slept @ns after a spin that found nothing: the window adapts. */
void session_spin_slept(struct session_spin *s, uint64_t ns);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t session_spin_now(void);

#endif
