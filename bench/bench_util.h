/*
 * Helpers shared by the benchmarks: a monotonic clock and the median of a
 * set of runs (every figure a benchmark prints is a median, so one slow
 * run, preempted by another process, does not move it).
 */
#ifndef LAB_BENCH_UTIL_H
#define LAB_BENCH_UTIL_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

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

#endif
