/* Interrupt lines, virtual time, the event queue and seeded randomness. */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"

static struct machine *empty_machine(u64 seed)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m;

	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, seed, &m, NULL, 0), 0);
	free(b);
	return m;
}

struct log {
	struct machine *m;
	char s[256];
	u64 when[32];
	int n;
};

struct tagged {
	struct log *log;
	char tag;
};

static void note(void *arg)
{
	struct tagged *t = arg;

	t->log->s[t->log->n] = t->tag;
	t->log->when[t->log->n++] = hw_now(t->log->m);
}

static void order_and_ties(void **state)
{
	struct machine *m = empty_machine(1);
	struct log log = { .m = m };
	struct tagged t[6];

	for (int i = 0; i < 6; i++)
		t[i] = (struct tagged){ &log, (char)('a' + i) };
	hw_event_schedule(m, 300, note, &t[0]);
	hw_event_schedule(m, 100, note, &t[1]);
	hw_event_schedule(m, 200, note, &t[2]);
	hw_event_schedule(m, 100, note, &t[3]);   /* same time as b: runs after b */
	hw_event_schedule(m, 100, note, &t[4]);
	hw_event_schedule(m, 0, note, &t[5]);
	assert_int_equal(hw_events_pending(m), 6);
	assert_int_equal(hw_run_until(m, 150), 4);
	assert_string_equal(log.s, "fbde");
	assert_int_equal(hw_now(m), 150);
	assert_int_equal(log.when[1], 100);
	assert_int_equal(hw_run_until_idle(m), 2);
	assert_string_equal(log.s, "fbdeca");
	assert_int_equal(hw_now(m), 300);
	assert_int_equal(hw_events_pending(m), 0);
	/* Time never runs backwards. */
	assert_int_equal(hw_run_until(m, 10), 0);
	assert_int_equal(hw_now(m), 300);
	machine_destroy(m);
}

static void cancel(void **state)
{
	struct machine *m = empty_machine(1);
	struct log log = { .m = m };
	struct tagged t[4];
	u64 id[4];

	for (int i = 0; i < 4; i++) {
		t[i] = (struct tagged){ &log, (char)('a' + i) };
		id[i] = hw_event_schedule(m, 10 * (u64)(i + 1), note, &t[i]);
		assert_true(id[i] != 0);
	}
	hw_event_cancel(m, id[1]);
	hw_event_cancel(m, id[1]);      /* twice: harmless */
	hw_event_cancel(m, 0);
	hw_event_cancel(m, 999999);
	assert_int_equal(hw_run_until_idle(m), 3);
	assert_string_equal(log.s, "acd");
	assert_int_equal(hw_event_schedule(m, 1, NULL, NULL), 0);
	machine_destroy(m);
}

/* An event that schedules another at the same time: it runs in the same pass. */
struct chain {
	struct machine *m;
	int left, ran;
};

static void chained(void *arg)
{
	struct chain *c = arg;

	c->ran++;
	if (--c->left > 0)
		hw_event_schedule(c->m, 0, chained, c);
}

static void events_scheduling_events(void **state)
{
	struct machine *m = empty_machine(1);
	struct chain c = { m, 5, 0 };

	hw_event_schedule(m, 50, chained, &c);
	assert_int_equal(hw_run_until(m, 50), 5);
	assert_int_equal(c.ran, 5);
	/* A huge delay saturates instead of wrapping into the past. */
	hw_event_schedule(m, ~0ull, chained, &c);
	assert_int_equal(hw_run_until(m, 1000000), 0);
	machine_destroy(m);
}

/* Same seed and same schedule: the same interleaving, bit for bit. */
static void determinism(void **state)
{
	char runs[2][64];

	for (int r = 0; r < 2; r++) {
		struct machine *m = empty_machine(42);
		struct log log = { .m = m };
		struct tagged t[26];

		for (int i = 0; i < 26; i++) {
			t[i] = (struct tagged){ &log, (char)('a' + i) };
			hw_event_schedule(m, hw_random(m) % 8, note, &t[i]);
		}
		hw_run_until_idle(m);
		memcpy(runs[r], log.s, sizeof(runs[r]));
		machine_destroy(m);
	}
	assert_string_equal(runs[0], runs[1]);

	struct machine *a = empty_machine(1), *b = empty_machine(1), *c = empty_machine(2);
	u64 x = hw_random(a);
	assert_true(x == hw_random(b));
	assert_true(x != hw_random(c));
	assert_true(hw_random(a) != x);
	machine_destroy(a);
	machine_destroy(b);
	machine_destroy(c);
}

struct sink {
	u32 intid[16];
	bool level[16];
	int n;
};

static void sink(void *opaque, u32 intid, bool level)
{
	struct sink *s = opaque;

	s->intid[s->n] = intid;
	s->level[s->n++] = level;
}

static void irq_lines(void **state)
{
	struct machine *m = empty_machine(1);
	struct sink s = { 0 };

	hw_irq_set(m, 40, true);     /* no sink yet: the level is still kept */
	assert_true(hw_irq_level(m, 40));
	hw_irq_set_sink(m, sink, &s);
	hw_irq_set(m, 40, true);     /* no change: no call */
	assert_int_equal(s.n, 0);
	hw_irq_set(m, 40, false);
	hw_irq_set(m, 33, true);
	hw_irq_set(m, 33, true);
	hw_irq_set(m, 33, false);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.intid[0], 40);
	assert_false(s.level[0]);
	assert_int_equal(s.intid[1], 33);
	assert_true(s.level[1]);
	assert_false(s.level[2]);
	assert_false(hw_irq_level(m, 40));
	hw_irq_set(m, 1u << 30, true);   /* out of range: ignored */
	assert_false(hw_irq_level(m, 1u << 30));
	assert_int_equal(s.n, 3);
	machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_and_ties),
		cmocka_unit_test(cancel),
		cmocka_unit_test(events_scheduling_events),
		cmocka_unit_test(determinism),
		cmocka_unit_test(irq_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
