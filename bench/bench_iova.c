/*
 * IOVA allocator speed. 300,000 single-page allocations fill a space of
 * exactly that many pages; then rounds that free one random page and
 * allocate one, which must find the single hole. Prints the mean per
 * operation of those rounds, the means of a free and of an allocation,
 * and the max of each (targets: mean <= 300 ns, max <= 10 us; Linux's
 * rbtree path: mean 241 us, max 1.9 ms on this pattern), plus the
 * range-cache path (alloc_iova_fast/free_iova_fast of one page) and a
 * plain-loop baseline. Figures only, no assertions.
 *
 * Means are of batches, with one pair of clock reads around a whole batch,
 * so the clock's own cost (about as long as a free) is spread over a
 * thousand operations instead of being guessed and subtracted from each:
 * the rounds' mean from a batch of NR_ROUNDS alternating rounds, the free
 * and allocation means from NR_ROUNDS frees of distinct random pages then
 * NR_ROUNDS allocations (which find up to NR_ROUNDS holes instead of one).
 * The maxima time each of those frees and allocations alone: a clock read
 * is in them.
 *
 * Instruction counts: each measured batch is a phase function
 * (phase_fill, phase_rounds, phase_free, phase_alloc, phase_cached,
 * phase_baseline); `bench_iova --callgrind` runs the same fill, one batch
 * of each kind of CG_ROUNDS rounds and CG_CACHED cached pairs, and prints
 * each phase's operation count for tools/run-bench.sh (docs/bench.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/iommu/iova.h"
#include "bench_util.h"
#include "../tests/unit/test_util.h"

#define NR_FILL 300000ul
#define NR_ROUNDS 1000ul
#define NR_CACHED 1000000ul
#define REPS 5
#define CG_ROUNDS 1000ul		/* --callgrind: one batch */
#define CG_CACHED 10000ul

static u64 rnd_state = 0x2545f4914f6cdd1dull;

static u64 rnd(void)
{
	return xorshift64(&rnd_state);
}

static struct iova_domain dom;
static unsigned long *live;
static volatile unsigned long sink;

BENCH_PHASE static void phase_fill(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		struct iova *iova = alloc_iova(&dom, 1, NR_FILL, true);

		live[i] = iova ? iova->pfn_lo : 0;
	}
}

/* @n rounds, each freeing the page of live[keys[i]] and allocating one (2 @n ops). */
BENCH_PHASE static void phase_rounds(const unsigned long *keys, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		free_iova(&dom, live[keys[i]]);
		struct iova *iova = alloc_iova(&dom, 1, NR_FILL, true);

		live[keys[i]] = iova ? iova->pfn_lo : 0;
	}
}

/* Frees the pages of live[keys[0..n-1]] (distinct keys). */
BENCH_PHASE static void phase_free(const unsigned long *keys, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		free_iova(&dom, live[keys[i]]);
}

/* Allocates @n pages into live[keys[0..n-1]]. */
BENCH_PHASE static void phase_alloc(const unsigned long *keys, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		struct iova *iova = alloc_iova(&dom, 1, NR_FILL, true);

		live[keys[i]] = iova ? iova->pfn_lo : 0;
	}
}

/* @n random keys, distinct when @distinct (a batch of frees frees each page once). */
static void pick_keys(unsigned long *keys, unsigned long n, bool distinct)
{
	static unsigned char picked[NR_FILL];

	for (unsigned long i = 0; i < n; i++) {
		do
			keys[i] = rnd() % NR_FILL;
		while (distinct && picked[keys[i]]);
		picked[keys[i]] = distinct;
	}
	for (unsigned long i = 0; i < n; i++)
		picked[keys[i]] = 0;
}

/* Nanoseconds @phase takes over @n keys. */
static double timed(void (*phase)(const unsigned long *, unsigned long),
		    const unsigned long *keys, unsigned long n)
{
	double t = bench_now_ns();

	phase(keys, n);
	return bench_now_ns() - t;
}

BENCH_PHASE static void phase_cached(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long pfn = alloc_iova_fast(&dom, 1, NR_FILL, true);

		free_iova_fast(&dom, pfn, 1);
	}
}

BENCH_PHASE static void phase_baseline(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		live[i % NR_FILL] = live[(i * 7) % NR_FILL] + 1;
	sink = live[5];
}

int main(int argc, char **argv)
{
	bool callgrind = bench_callgrind_mode(argc, argv);
	int reps = callgrind ? 1 : REPS;
	unsigned long rounds = callgrind ? CG_ROUNDS : NR_ROUNDS;
	unsigned long cached = callgrind ? CG_CACHED : NR_CACHED;
	double mean_free[REPS], mean_alloc[REPS], mean_op[REPS], max_free[REPS], max_alloc[REPS];
	double t, clock_cost;
	unsigned long fails = 0, *keys;

	live = calloc(NR_FILL, sizeof(*live));
	keys = calloc(rounds, sizeof(*keys));
	if (!live || !keys || init_iova_domain(&dom, 4096, 1, NR_FILL) ||
	    iova_domain_init_rcaches(&dom))
		return 1;

	t = bench_now_ns();
	phase_fill(NR_FILL);
	t = (bench_now_ns() - t) / NR_FILL;
	for (unsigned long i = 0; i < NR_FILL; i++)
		if (!live[i])
			return 1;

	/* What one clock read costs: it is inside every maximum. */
	clock_cost = bench_now_ns();
	for (int i = 0; i < 1000; i++)
		sink = (unsigned long)bench_now_ns();
	clock_cost = (bench_now_ns() - clock_cost) / 1000;

	/*
	 * REPS repetitions; the median is reported, so one preempted by
	 * another process does not decide the figure.
	 */
	for (int rep = 0; rep < reps; rep++) {
		pick_keys(keys, rounds, false);
		mean_op[rep] = timed(phase_rounds, keys, rounds) / (2.0 * rounds);
		pick_keys(keys, rounds, true);
		mean_free[rep] = timed(phase_free, keys, rounds) / rounds;
		mean_alloc[rep] = timed(phase_alloc, keys, rounds) / rounds;
		max_free[rep] = max_alloc[rep] = 0;
		if (callgrind)
			continue;   /* the maxima only time the same calls again */
		/* The same frees then allocations, each timed alone. */
		pick_keys(keys, rounds, true);
		for (unsigned long r = 0; r < rounds; r++) {
			double tf = timed(phase_free, keys + r, 1);

			if (tf > max_free[rep])
				max_free[rep] = tf;
		}
		for (unsigned long r = 0; r < rounds; r++) {
			double ta = timed(phase_alloc, keys + r, 1);

			if (ta > max_alloc[rep])
				max_alloc[rep] = ta;
		}
	}
	for (unsigned long i = 0; i < NR_FILL; i++)
		fails += !live[i];

	/* Cached path: the space is full, so only the cache can serve. */
	free_iova(&dom, live[0]);
	live[0] = alloc_iova_fast(&dom, 1, NR_FILL, true);
	free_iova_fast(&dom, live[0], 1);
	double tc = bench_now_ns();
	phase_cached(cached);
	tc = (bench_now_ns() - tc) / cached;

	double tb = bench_now_ns();
	phase_baseline(cached);
	tb = (bench_now_ns() - tb) / cached;

	if (callgrind) {
		bench_callgrind_ops("phase_fill", NR_FILL, "op");
		bench_callgrind_ops("phase_rounds", 2 * rounds, "op");
		bench_callgrind_ops("phase_free", rounds, "op");
		bench_callgrind_ops("phase_alloc", rounds, "op");
		bench_callgrind_ops("phase_cached", cached, "pair");
		bench_callgrind_ops("phase_baseline", cached, "op");
		put_iova_domain(&dom);
		free(live);
		free(keys);
		return 0;
	}
	printf("iova allocator, a space of %lu pages\n", NR_FILL);
	bench_line("phase_fill", NULL, "  fill: %lu single-page allocations %7.1f ns each", NR_FILL, t);
	printf("  fragmented (%d runs of each batch of %lu, median run):\n", REPS, NR_ROUNDS);
	bench_line("phase_rounds", "target <= 300 ns",
		   "    free+alloc rounds, mean per operation %7.1f ns", bench_median(mean_op, REPS));
	bench_line("phase_free", NULL, "    free   mean %7.1f ns   max %8.1f ns",
		   bench_median(mean_free, REPS), bench_median(max_free, REPS));
	bench_line("phase_alloc", "target max <= 10000 ns", "    alloc  mean %7.1f ns   max %8.1f ns",
		   bench_median(mean_alloc, REPS), bench_median(max_alloc, REPS));
	printf("    (rounds: free a random page, allocate the single hole; free and alloc:\n"
	       "    %lu frees of random pages, then %lu allocations into those holes. A mean\n"
	       "    is a batch's time over its operations, one clock read per batch; a max\n"
	       "    is one operation timed alone: it includes a clock read, %.1f ns, and any\n"
	       "    preemption)\n", NR_ROUNDS, NR_ROUNDS, clock_cost);
	bench_line("phase_cached", "Linux's per-CPU cache: 10.8 ns",
		   "  cached alloc_iova_fast+free_iova_fast pair %7.1f ns", tc);
	bench_line("phase_baseline", NULL, "  baseline: plain loop over the pfn array    %7.1f ns", tb);
	printf("  failed allocations: %lu\n", fails);
	put_iova_domain(&dom);
	free(live);
	free(keys);
	return 0;
}
