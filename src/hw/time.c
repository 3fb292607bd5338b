/*
 * Interrupt lines, virtual time and the event queue. Events sit in a binary
 * min-heap ordered by (time, sequence): two events due at the same time run
 * in the order they were scheduled, so a run is deterministic.
 */
#include <errno.h>
#include <stdlib.h>

#include "hw_internal.h"

/* ---- interrupts ---------------------------------------------------- */

void hw_irq_set_sink(struct machine *m, hw_irq_sink_fn fn, void *opaque)
{
	m->irq_sink = fn;
	m->irq_sink_opaque = opaque;
}

void hw_irq_set(struct machine *m, u32 intid, bool level)
{
	if (intid >= HW_MAX_INTID)
		return;
	u64 bit = 1ull << (intid % 64);
	u64 *w = &m->irq_level[intid / 64];
	if (!!(*w & bit) == level)
		return;   /* the sink hears about changes only */
	if (level)
		*w |= bit;
	else
		*w &= ~bit;
	if (m->irq_sink)
		m->irq_sink(m->irq_sink_opaque, intid, level);
}

void hw_irq_ack(struct machine *m, u32 intid)
{
	hw_irq_set(m, intid, false);
}

bool hw_irq_level(struct machine *m, u32 intid)
{
	return intid < HW_MAX_INTID && (m->irq_level[intid / 64] >> (intid % 64) & 1);
}

/* ---- events -------------------------------------------------------- */

static bool before(const struct hw_event *a, const struct hw_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void swap_ev(struct hw_event *a, struct hw_event *b)
{
	struct hw_event t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct hw_event *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!before(&h[i], &h[p]))
			break;
		swap_ev(&h[i], &h[p]);
		i = p;
	}
}

static void sift_down(struct hw_event *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;

		if (l < n && before(&h[l], &h[best]))
			best = l;
		if (r < n && before(&h[r], &h[best]))
			best = r;
		if (best == i)
			return;
		swap_ev(&h[i], &h[best]);
		i = best;
	}
}

u64 hw_now(const struct machine *m)
{
	return m->now;
}

u64 hw_event_schedule(struct machine *m, u64 delay_ns, hw_event_fn fn, void *arg)
{
	if (!fn)
		return 0;
	if (m->nr_events == m->cap_events) {
		size_t cap = m->cap_events ? m->cap_events * 2 : 64;
		struct hw_event *v = realloc(m->events, cap * sizeof(*v));

		if (!v)
			return 0;
		m->events = v;
		m->cap_events = cap;
	}
	struct hw_event *e = &m->events[m->nr_events];
	e->time = m->now + delay_ns < m->now ? UINT64_MAX : m->now + delay_ns;
	e->seq = m->next_seq++;
	e->id = ++m->next_event_id;
	e->fn = fn;
	e->arg = arg;
	u64 id = e->id;
	sift_up(m->events, m->nr_events++);
	return id;
}

void hw_event_cancel(struct machine *m, u64 id)
{
	for (size_t i = 0; id && i < m->nr_events; i++) {
		if (m->events[i].id != id)
			continue;
		m->events[i] = m->events[--m->nr_events];
		if (i < m->nr_events) {
			sift_up(m->events, i);
			sift_down(m->events, m->nr_events, i);
		}
		return;
	}
}

/* Runs the earliest event if it is due by @t. */
static bool run_one(struct machine *m, u64 t)
{
	if (!m->nr_events || m->events[0].time > t)
		return false;
	struct hw_event e = m->events[0];
	m->events[0] = m->events[--m->nr_events];
	sift_down(m->events, m->nr_events, 0);
	if (e.time > m->now)
		m->now = e.time;
	e.fn(e.arg);
	return true;
}

size_t hw_run_until(struct machine *m, u64 t)
{
	size_t n = 0;

	while (run_one(m, t))
		n++;
	if (t > m->now)
		m->now = t;
	return n;
}

size_t hw_run_until_idle(struct machine *m)
{
	size_t n = 0;

	while (run_one(m, UINT64_MAX))
		n++;
	return n;
}

size_t hw_events_pending(const struct machine *m)
{
	return m->nr_events;
}

u64 hw_next_event(const struct machine *m)
{
	return m->nr_events ? m->events[0].time : UINT64_MAX;
}

void hw_events_fini(struct machine *m)
{
	free(m->events);
	m->events = NULL;
	m->nr_events = m->cap_events = 0;
}

/* ---- randomness: splitmix64 over the seed --------------------------- */

u64 hw_random(struct machine *m)
{
	u64 z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
