/*
 * How a session's ends wait for each other (src/uapi/session_spin.c): the
 * window from IOMMULAB_SESSION_SPIN_US, a spin that finds its descriptor
 * ready, one that finds nothing (the window halves, then spinning stops),
 * a short sleep opening the window again, and a spin cut short by a
 * preemption (no spinning for a while after). No kernel and no DMA:
 * nothing for the oracle to judge (docs/hacking.md).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "uapi/session_spin.h"

static struct session_spin spin_with(const char *value)
{
	struct session_spin s;

	if (value)
		setenv(SESSION_SPIN_ENV, value, 1);
	else
		unsetenv(SESSION_SPIN_ENV);
	session_spin_init(&s);
	unsetenv(SESSION_SPIN_ENV);
	return s;
}

static void test_window_from_env(void **state)
{
	assert_int_equal(spin_with(NULL).full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("").full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("7").full_ns, 7000);
	assert_int_equal(spin_with("7").window_ns, 7000);
	assert_int_equal(spin_with("0").full_ns, 0);
	assert_int_equal(spin_with("10000").full_ns, 10000000);
	/* Not a number, negative, trailing bytes, past the maximum: the default. */
	assert_int_equal(spin_with("abc").full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("-5").full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("5us").full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("10001").full_ns, SESSION_SPIN_DEFAULT_US * 1000);
	assert_int_equal(spin_with("99999999999999999999").full_ns,
			 SESSION_SPIN_DEFAULT_US * 1000);
}

struct pipe_fds {
	int r, w;
};

static struct pipe_fds make_pipe(void)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	return (struct pipe_fds){ p[0], p[1] };
}

static void test_ready_found(void **state)
{
	struct session_spin s = spin_with(NULL);
	struct pipe_fds p = make_pipe();
	struct pollfd fd = { .fd = p.r, .events = POLLIN };

	assert_int_equal(write(p.w, "x", 1), 1);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 1);
	assert_true(fd.revents & POLLIN);
	assert_int_equal(s.spins, 1);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.window_ns, s.full_ns);
	close(p.r);
	close(p.w);
}

/*
 * A spin over an empty pipe: 0, after its window, halved; or cut short by a
 * preemption (a loaded machine), the window kept. After a preemption the
 * next spin waits out its 20 ms first.
 */
static void miss(struct session_spin *s, struct pollfd *fd)
{
	uint64_t window = s->window_ns, contended = s->contended;
	struct timespec pause = { 0, 21000000 };

	if (session_spin_now() < s->contended_until)
		nanosleep(&pause, NULL);
	uint64_t t0 = session_spin_now();
	assert_int_equal(session_spin_poll(s, fd, 1), 0);
	if (s->contended == contended) {
		assert_true(session_spin_now() - t0 >= window);
		assert_int_equal(s->window_ns, window / 2);
	} else {
		assert_int_equal(s->window_ns, window);
	}
}

static void test_nothing_halves_then_stops(void **state)
{
	struct session_spin s = spin_with("40");
	struct pipe_fds p = make_pipe();
	struct pollfd fd = { .fd = p.r, .events = POLLIN };

	while (s.window_ns == 40000)
		miss(&s, &fd);
	assert_int_equal(s.window_ns, 20000);
	while (s.window_ns >= 1000)
		miss(&s, &fd);
	/* 40 -> 20 -> 10 -> 5 -> 2.5 -> 1.25 -> 0.625 us: six spins (and any preempted), then none. */
	assert_int_equal(s.spins, 6 + s.contended);
	assert_int_equal(s.window_ns, 625);
	struct timespec pause = { 0, 21000000 };
	if (session_spin_now() < s.contended_until)
		nanosleep(&pause, NULL);
	uint64_t spins = s.spins;
	assert_int_equal(session_spin_poll(&s, &fd, 1), 0);
	assert_int_equal(s.spins, spins);
	assert_int_equal(s.hits, 0);

	/* A long sleep leaves it off; a sleep the full window would have caught reopens it. */
	session_spin_slept(&s, 40000);
	assert_int_equal(s.window_ns, 625);
	session_spin_slept(&s, 39999);
	assert_int_equal(s.window_ns, 40000);
	assert_int_equal(write(p.w, "x", 1), 1);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 1);
	assert_int_equal(s.spins, spins + 1);
	assert_int_equal(s.hits, 1);
	close(p.r);
	close(p.w);
}

static void test_off(void **state)
{
	struct session_spin s = spin_with("0");
	struct pipe_fds p = make_pipe();
	struct pollfd fd = { .fd = p.r, .events = POLLIN };

	/* Even a ready descriptor is left to the caller's sleep. */
	assert_int_equal(write(p.w, "x", 1), 1);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 0);
	session_spin_slept(&s, 1);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 0);
	assert_int_equal(s.spins, 0);
	close(p.r);
	close(p.w);
}

/* A signal handler that takes the core for a millisecond: a preemption, as the spin sees it. */
static void busy_handler(int sig)
{
	struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
}

static void test_preempted(void **state)
{
	struct session_spin s;
	struct pipe_fds p = make_pipe();
	struct pollfd fd = { .fd = p.r, .events = POLLIN };
	struct sigaction sa = { .sa_handler = busy_handler }, old;
	struct itimerval it = { .it_value = { 0, 2000 } }, off = { 0 };

	/*
	 * The timer fires 2 ms into a 10 ms spin, unless a loaded machine
	 * delays the spin's start past it (then the spin sees no gap: again,
	 * up to five times) or preempts the spin itself (the same verdict).
	 */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	for (int tries = 0; tries < 5; tries++) {
		s = spin_with("10000");
		assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
		assert_int_equal(session_spin_poll(&s, &fd, 1), 0);
		setitimer(ITIMER_REAL, &off, NULL);	/* before the default action is back */
		if (s.contended)
			break;
	}
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(s.contended, 1);
	/*
	 * Cut short, not halved (how long it took is not checked: a loaded
	 * machine may hold the test off its core for longer than the window),
	 * and no spinning for the next 20 ms, even with data there.
	 */
	assert_int_equal(s.window_ns, 10000000);
	assert_int_equal(write(p.w, "x", 1), 1);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 0);
	assert_int_equal(s.spins, 1);
	struct timespec wait = { 0, 21000000 };
	nanosleep(&wait, NULL);
	assert_int_equal(session_spin_poll(&s, &fd, 1), 1);
	assert_int_equal(s.spins, 2);
	assert_int_equal(s.hits, 1);
	close(p.r);
	close(p.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_from_env),
		cmocka_unit_test(test_ready_found),
		cmocka_unit_test(test_nothing_halves_then_stops),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_preempted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
