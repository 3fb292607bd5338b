/*
 * Helpers shared by the benchmarks: a monotonic clock, the median of a set
 * of runs (every figure a benchmark prints is a median, so one slow run,
 * preempted by another process, does not move it), and the callgrind mode
 * (docs/bench.md):
 *
 *  - every measured operation is a BENCH_PHASE function named phase_<name>,
 *    and nothing else runs inside it (no clock reads, no warm-up);
 *  - each figure line ends in the tag "[phase_<name>]" (bench_line), which
 *    tools/run-bench.sh replaces with that phase's instructions per op;
 *  - `bench_X --callgrind` runs every phase once, at a small fixed scale,
 *    after any warm-up, and prints "callgrind-ops phase_<name> N UNIT" for
 *    each (bench_callgrind_ops): N operations of UNIT (op, page, device).
 *    run-bench.sh runs that under valgrind --tool=callgrind and divides
 *    each phase's inclusive instruction count by N.
 */
#ifndef LAB_BENCH_UTIL_H
#define LAB_BENCH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A phase keeps its own symbol: not inlined, not cloned, not folded into an
 * identical function (GCC's noipa: all three).
 */
#if defined(__has_attribute) && __has_attribute(noipa)
#define BENCH_PHASE __attribute__((noipa))
#else
#define BENCH_PHASE __attribute__((noinline))
#endif

/*
 * A figure line: text up to BENCH_TAG_COL, the phase tag in a field of
 * BENCH_TAG_WIDTH (run-bench.sh's replacement has the same width), a note.
 */
#define BENCH_TAG_COL 58
#define BENCH_TAG_WIDTH 22

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts @v in place (so v[0] is the minimum, v[n - 1] the maximum). */
static inline void bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
}

/* Sorts @v and returns its median (the upper one for an even @n). */
static inline double bench_median(double *v, size_t n)
{
	bench_sort(v, n);
	return v[n / 2];
}

/* True for `bench_X --callgrind` (argv[1]). */
static inline bool bench_callgrind_mode(int argc, char **argv)
{
	return argc > 1 && !strcmp(argv[1], "--callgrind");
}

/* Callgrind mode: @phase ran @ops operations of @unit in all. */
static inline void bench_callgrind_ops(const char *phase, unsigned long ops, const char *unit)
{
	printf("callgrind-ops %s %lu %s\n", phase, ops, unit);
}

/*
 * Prints one figure line: the text, padded to BENCH_TAG_COL, the tag of the
 * phase that measured it (@phase NULL: none) and @note (NULL: none).
 */
__attribute__((format(printf, 3, 4)))
static inline void bench_line(const char *phase, const char *note, const char *fmt, ...)
{
	char text[256], tag[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (phase)
		snprintf(tag, sizeof(tag), "[%s]", phase);
	if (!phase && !note)
		printf("%s\n", text);
	else if (!note)
		printf("%-*s %s\n", BENCH_TAG_COL, text, tag);
	else
		printf("%-*s %-*s %s\n", BENCH_TAG_COL, text, BENCH_TAG_WIDTH, tag, note);
}

#endif
