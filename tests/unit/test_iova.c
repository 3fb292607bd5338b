/*
 * IOVA allocator: top-down order, alignment, limits, reservations,
 * exhaustion, harmless bad frees, the range cache, allocation failures, and
 * a seeded random sequence checked against a brute-force bitmap model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/base/kalloc.h"
#include "kernel/iommu/iova.h"
#include "test_util.h"

static int setup(void **state)
{
	*state = (void *)(uintptr_t)kalloc_outstanding();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(kalloc_outstanding(), (long)(uintptr_t)*state);
	return 0;
}

static void test_init(void **state)
{
	struct iova_domain d;

	assert_int_equal(init_iova_domain(&d, 3000, 1, 100), -EINVAL);
	assert_int_equal(init_iova_domain(&d, 0, 1, 100), -EINVAL);
	assert_int_equal(init_iova_domain(&d, 4096, 101, 100), -EINVAL);
	assert_int_equal(init_iova_domain(&d, 4096, 1, ~0ul), 0);
	assert_int_equal(iova_shift(&d), 12);
	assert_int_equal(iova_offset(&d, 0x12345), 0x345);
	assert_int_equal(iova_align(&d, 0x1001), 0x2000);
	assert_int_equal(iova_pfn(&d, 0x12345), 0x12);
	/* The whole space: the top pfn is the anchor's. */
	struct iova *i = alloc_iova(&d, 1, ~0ul, false);
	assert_non_null(i);
	assert_int_equal(i->pfn_lo, ~0ul - 1);
	assert_int_equal(iova_dma_addr(&d, i), (u64)(~0ul - 1) << 12);
	put_iova_domain(&d);
}

static void test_top_down_and_alignment(void **state)
{
	struct iova_domain d;
	struct iova *a, *b, *c, *e;

	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xfffff), 0);
	a = alloc_iova(&d, 1, 0xfffff, true);
	b = alloc_iova(&d, 1, 0xfffff, true);
	assert_int_equal(a->pfn_lo, 0xfffff);
	assert_int_equal(b->pfn_lo, 0xffffe);
	c = alloc_iova(&d, 3, 0xfffff, true);	/* aligned to 4 */
	assert_int_equal(c->pfn_lo, 0xffff8);
	assert_int_equal(c->pfn_hi, 0xffffa);
	assert_int_equal(iova_size(c), 3);
	e = alloc_iova(&d, 3, 0xfffff, false);	/* the hole above c, unaligned */
	assert_int_equal(e->pfn_lo, 0xffffb);
	e = alloc_iova(&d, 5, 0xfffff, true);	/* aligned to 8 */
	assert_int_equal(e->pfn_lo, 0xffff0);
	/* The freed gap at the top is taken again first. */
	free_iova(&d, 0xfffff);
	a = alloc_iova(&d, 1, 0xfffff, true);
	assert_int_equal(a->pfn_lo, 0xfffff);
	/* The hole 0xffff5..0xffff7 is too small for 4: skipped. */
	e = alloc_iova(&d, 4, 0xfffff, true);
	assert_int_equal(e->pfn_lo, 0xfffec);
	/* Limits: below 0x1000, and an inclusive limit. */
	e = alloc_iova(&d, 1, 0x1000, false);
	assert_int_equal(e->pfn_lo, 0x1000);
	e = alloc_iova(&d, 16, 0x100f, true);
	assert_int_equal(e->pfn_lo, 0xff0);
	/* A limit above the domain's is clipped. */
	e = alloc_iova(&d, 1, ~0ul, false);
	assert_int_equal(e->pfn_lo, 0xffff7);
	assert_null(alloc_iova(&d, 0, 0xfffff, false));
	assert_null(alloc_iova(&d, 1, 0, false));	/* below start */
	assert_null(alloc_iova(&d, 0x100000, 0xfffff, false));
	/* find */
	assert_ptr_equal(find_iova(&d, 0xffff9), c);
	assert_null(find_iova(&d, 0xffff5));
	assert_null(find_iova(&d, 0x100000));	/* the anchor is not an iova */
	put_iova_domain(&d);
}

static void test_reserved_never_returned_and_exhaustion(void **state)
{
	struct iova_domain d;
	unsigned long count = 0;
	struct iova *i;

	assert_int_equal(init_iova_domain(&d, 4096, 1, 0x3ff), 0);
	assert_non_null(reserve_iova(&d, 0x100, 0x1ff));
	assert_non_null(reserve_iova(&d, 0x3f0, 0x5000));	/* clipped at the limit */
	assert_non_null(reserve_iova(&d, 0x180, 0x27f));	/* overlaps: fills the rest */
	assert_non_null(reserve_iova(&d, 0x8000, 0x9000));	/* beyond the limit: nothing to do */
	assert_null(reserve_iova(&d, 0x20, 0x10));
	assert_null(reserve_iova(&d, 1, ~0ul));		/* beyond what 4K pfns address */
	while ((i = alloc_iova(&d, 1, 0x3ff, false))) {
		assert_true(i->pfn_lo < 0x100 || (i->pfn_lo > 0x27f && i->pfn_lo < 0x3f0));
		assert_true(i->pfn_lo >= 1);
		count++;
	}
	assert_int_equal(count, 0xff + (0x3f0 - 0x280));
	/* Freeing a reserved pfn does nothing. */
	free_iova(&d, 0x150);
	free_iova(&d, 0x3f5);
	assert_null(alloc_iova(&d, 1, 0x3ff, false));
	assert_int_equal(alloc_iova_fast(&d, 1, 0x3ff, true), 0);
	put_iova_domain(&d);
}

static void test_reserve_over_allocation(void **state)
{
	struct iova_domain d;
	struct iova *a;

	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xff), 0);
	a = alloc_iova(&d, 4, 0xff, true);
	assert_int_equal(a->pfn_lo, 0xfc);
	assert_non_null(reserve_iova(&d, 0xf0, 0xfd));
	/* The allocation inside the reservation can no longer open it. */
	free_iova(&d, 0xfc);
	a = alloc_iova(&d, 1, 0xff, false);
	assert_int_equal(a->pfn_lo, 0xef);
	put_iova_domain(&d);
}

static void test_bad_frees_harmless(void **state)
{
	struct iova_domain d;
	struct iova *a, *b;

	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xffff), 0);
	free_iova(&d, 1234);
	free_iova(&d, 0x10000);		/* the anchor */
	__free_iova(&d, NULL);
	free_iova_fast(&d, 77, 1);
	a = alloc_iova(&d, 2, 0xffff, true);
	b = alloc_iova(&d, 1, 0xffff, true);
	free_iova(&d, a->pfn_lo);
	free_iova(&d, 0xfffe);		/* twice */
	assert_ptr_equal(find_iova(&d, b->pfn_lo), b);
	assert_int_equal(d.nr_nodes, 1);
	assert_int_equal(alloc_iova(&d, 2, 0xffff, true)->pfn_lo, 0xfffe);
	put_iova_domain(&d);
}

static void test_rcache(void **state)
{
	struct iova_domain d;
	unsigned long p, q, r;

	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xffff), 0);
	assert_int_equal(iova_domain_init_rcaches(&d), 0);
	p = alloc_iova_fast(&d, 1, 0xffff, true);
	q = alloc_iova_fast(&d, 1, 0xffff, true);
	assert_int_equal(p, 0xffff);
	assert_int_equal(q, 0xfffe);
	free_iova_fast(&d, p, 1);
	assert_null(find_iova(&d, p));		/* free for the user */
	free_iova_fast(&d, p, 1);		/* double free: nothing */
	free_iova(&d, p);			/* ditto */
	assert_int_equal(alloc_iova_fast(&d, 1, 0xffff, true), p);
	/* Nothing cached: the next comes from the tree. */
	assert_int_equal(alloc_iova_fast(&d, 1, 0xffff, true), 0xfffd);
	/* A cached range above the caller's limit is not handed out. */
	free_iova_fast(&d, p, 1);
	assert_int_equal(alloc_iova_fast(&d, 1, 0xfffe, true), 0xfffc);
	/* Sizes under 32 round up to a power of two, size-aligned. */
	r = alloc_iova_fast(&d, 3, 0xffff, true);
	assert_int_equal(r, 0xfff8);
	assert_int_equal(iova_size(find_iova(&d, r)), 4);
	free_iova_fast(&d, r, 2);		/* wrong size: nothing */
	assert_non_null(find_iova(&d, r));
	free_iova_fast(&d, r, 3);
	assert_null(find_iova(&d, r));
	assert_int_equal(alloc_iova_fast(&d, 4, 0xffff, true), r);
	/* Large sizes bypass the cache. */
	r = alloc_iova_fast(&d, 64, 0xffff, true);
	assert_int_equal(r, 0xff80);
	free_iova_fast(&d, r, 64);
	assert_null(find_iova(&d, r));
	put_iova_domain(&d);
}

static void test_rcache_flush_on_exhaustion(void **state)
{
	struct iova_domain d;
	unsigned long pfns[64];

	assert_int_equal(init_iova_domain(&d, 4096, 1, 64), 0);
	assert_int_equal(iova_domain_init_rcaches(&d), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pfns[i] = alloc_iova_fast(&d, 1, 64, true), 64 - i);
	assert_int_equal(alloc_iova_fast(&d, 1, 64, true), 0);
	for (int i = 0; i < 64; i++)
		free_iova_fast(&d, pfns[i], 1);
	/* Everything sits in the single-page cache: a 2-page request flushes it. */
	assert_int_equal(alloc_iova_fast(&d, 2, 64, false), 0);
	assert_int_equal(alloc_iova_fast(&d, 2, 64, true), 62);
	put_iova_domain(&d);
}

static void test_fail_nth(void **state)
{
	struct iova_domain d;
	unsigned long nodes, fails = 0;
	struct iova *i;

	kalloc_fail_nth(1);
	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xfffff), -ENOMEM);
	kalloc_fail_nth(0);
	assert_int_equal(init_iova_domain(&d, 4096, 1, 0xfffff), 0);
	assert_non_null(alloc_iova(&d, 1, 0xfffff, false));
	assert_non_null(alloc_iova(&d, 1, 0x800, false));
	nodes = d.nr_nodes;
	/* Far from everything: new tree nodes are needed. Fail each in turn. */
	for (unsigned n = 1; ; n++) {
		kalloc_fail_nth(n);
		i = alloc_iova(&d, 1, 0x40000, false);
		if (!kalloc_failed())
			break;
		fails++;
		assert_null(i);
		assert_int_equal(d.nr_nodes, nodes);
		assert_null(find_iova(&d, 0x40000));
	}
	kalloc_fail_nth(0);
	assert_true(fails > 0);
	assert_non_null(i);
	assert_int_equal(i->pfn_lo, 0x40000);
	nodes = d.nr_nodes;
	/* A reservation with holes in new places: each failure changes nothing. */
	fails = 0;
	for (unsigned n = 1; ; n++) {
		kalloc_fail_nth(n);
		i = reserve_iova(&d, 0x700, 0x90000);
		if (!kalloc_failed())
			break;
		fails++;
		assert_null(i);
		assert_int_equal(d.nr_nodes, nodes);
		assert_non_null(find_iova(&d, 0x800));
		assert_int_equal(alloc_iova(&d, 1, 0x90000, false)->pfn_lo, 0x90000);
		free_iova(&d, 0x90000);
	}
	kalloc_fail_nth(0);
	assert_true(fails > 0);
	assert_non_null(i);
	/* 0x800 and 0x40000 became reserved; holes 0x700-0x7ff, 0x801-0x3ffff, 0x40001-0x90000 */
	assert_int_equal(d.nr_nodes, nodes + 3);
	assert_int_equal(alloc_iova(&d, 1, 0x90000, false)->pfn_lo, 0x6ff);
	free_iova(&d, 0x800);
	assert_non_null(find_iova(&d, 0x800));
	/* The range cache's allocation. */
	kalloc_fail_nth(1);
	assert_int_equal(iova_domain_init_rcaches(&d), -ENOMEM);
	kalloc_fail_nth(0);
	put_iova_domain(&d);
}

/* ---- random sequence against a bitmap ---- */

#define M_LIMIT 2047

static u64 rnd_state;
static u64 rnd(void)
{
	return xorshift64(&rnd_state);
}

/* The highest aligned fit under @limit in the model, 0 if none. */
static unsigned long model_alloc(const u8 *used, unsigned long start, unsigned long size,
				 unsigned long limit, bool aligned)
{
	unsigned long align = 1;

	while (aligned && align < size)
		align <<= 1;
	if (limit > M_LIMIT)
		limit = M_LIMIT;
	if (limit + 1 < size)
		return 0;
	for (unsigned long p = (limit + 1 - size) & ~(align - 1); p >= start; p -= align) {
		bool ok = true;

		for (unsigned long i = 0; i < size && ok; i++)
			ok = !used[p + i];
		if (ok)
			return p;
		if (p < align)
			break;
	}
	return 0;
}

static void test_random_vs_bitmap(void **state)
{
	static u8 used[M_LIMIT + 1];	/* 1 allocated, 2 reserved */
	static unsigned long starts[M_LIMIT + 1], sizes[M_LIMIT + 1];
	unsigned long nlive = 0;
	struct iova_domain d;

	rnd_state = 0x1234567887654321ull;
	memset(used, 0, sizeof(used));
	assert_int_equal(init_iova_domain(&d, 4096, 3, M_LIMIT), 0);
	for (int step = 0; step < 60000; step++) {
		unsigned op = rnd() % 16;

		if (op < 8 || nlive == 0) {
			unsigned long size = 1 + (rnd() % 4 == 0 ? rnd() % 40 : rnd() % 3);
			unsigned long limit = rnd() % 4 ? M_LIMIT : rnd() % (M_LIMIT + 100);
			bool aligned = rnd() % 2;
			unsigned long want = model_alloc(used, 3, size, limit, aligned);
			struct iova *got = alloc_iova(&d, size, limit, aligned);

			if (!want) {
				assert_null(got);
				continue;
			}
			assert_non_null(got);
			assert_int_equal(got->pfn_lo, want);
			assert_int_equal(iova_size(got), size);
			for (unsigned long i = 0; i < size; i++)
				used[want + i] = 1;
			starts[nlive] = want;
			sizes[nlive++] = size;
		} else if (op < 15) {
			unsigned long k = rnd() % nlive;
			unsigned long pfn = starts[k] + rnd() % sizes[k];

			/* Free by any pfn inside the range, as Linux's find does. */
			free_iova(&d, pfn);
			for (unsigned long i = 0; i < sizes[k]; i++)
				used[starts[k] + i] = 0;
			starts[k] = starts[--nlive];
			sizes[k] = sizes[nlive];
		} else if (rnd() % 8 == 0) {
			unsigned long lo = rnd() % M_LIMIT, hi = lo + rnd() % 8;

			if (hi > M_LIMIT)
				hi = M_LIMIT;
			assert_non_null(reserve_iova(&d, lo, hi));
			for (unsigned long p = lo; p <= hi; p++) {
				if (used[p] == 1) {	/* the overlapped range becomes reserved */
					for (unsigned long k = 0; k < nlive; k++) {
						if (p >= starts[k] && p < starts[k] + sizes[k]) {
							for (unsigned long i = 0; i < sizes[k]; i++)
								used[starts[k] + i] = 2;
							starts[k] = starts[--nlive];
							sizes[k] = sizes[nlive];
							break;
						}
					}
				}
				used[p] = 2;
			}
		} else {
			unsigned long pfn = rnd() % (M_LIMIT + 10);	/* maybe unknown */

			free_iova(&d, pfn);
			if (pfn > M_LIMIT || used[pfn] != 1)
				continue;
			for (unsigned long k = 0; k < nlive; k++) {
				if (pfn >= starts[k] && pfn < starts[k] + sizes[k]) {
					for (unsigned long i = 0; i < sizes[k]; i++)
						used[starts[k] + i] = 0;
					starts[k] = starts[--nlive];
					sizes[k] = sizes[nlive];
					break;
				}
			}
		}
	}
	put_iova_domain(&d);
}

/* Frees of random pfns (reserved, unknown, beyond the limit) never open a reservation. */
static void test_random_bad_frees(void **state)
{
	struct iova_domain d;
	u8 used[512] = { 0 };

	rnd_state = 42;
	assert_int_equal(init_iova_domain(&d, 4096, 1, 511), 0);
	assert_non_null(reserve_iova(&d, 100, 150));
	for (int i = 0; i < 5000; i++) {
		unsigned long pfn = rnd() % 600;
		struct iova *f = find_iova(&d, pfn);

		if (rnd() % 2) {
			struct iova *a = alloc_iova(&d, 1, 511, false);

			if (a) {
				assert_false(a->pfn_lo >= 100 && a->pfn_lo <= 150);
				assert_int_equal(used[a->pfn_lo], 0);
				used[a->pfn_lo] = 1;
			}
		} else {
			free_iova(&d, pfn);
			if (f && pfn < 512)
				used[pfn] = 0;
		}
	}
	put_iova_domain(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_down_and_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_never_returned_and_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserve_over_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_harmless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rcache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rcache_flush_on_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_vs_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_bad_frees, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
