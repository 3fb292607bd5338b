/*
 * The SMMU models' IOTLB on its own: lookups probe the smallest leaf size
 * first, and skip sizes it holds no entry of; that skip follows every way
 * an entry comes and goes (insert, eviction, each invalidation), so a
 * lookup finds exactly what a probe of every size would.
 */
#include <stdlib.h>

#include "hw_test_fdt.h"
#include "hw/smmu_common.h"

static struct smmu_walk_result leaf(u64 pa, unsigned shift)
{
	return (struct smmu_walk_result){ .pa = pa, .shift = (u8)shift, .level = 3 };
}

static u64 pa_of(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 va)
{
	const struct smmu_iotlb_entry *e = smmu_iotlb_lookup(t, ctx, asid, va);

	return e ? e->pa : ~0ull;
}

/* A 4K entry inside a cached 2M block wins, and stops winning when it goes. */
static void smaller_size_first_whatever_comes_and_goes(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	struct smmu_walk_result blk = leaf(0x80000000, 21), pg = leaf(0x90000000, 12);

	(void)state;
	smmu_iotlb_insert(t, 1, 5, 0x200000, &blk);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), 0x80000000);
	smmu_iotlb_insert(t, 1, 5, 0x234000, &pg);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), 0x90000000);
	assert_int_equal(pa_of(t, 1, 5, 0x235000), 0x80000000);
	smmu_iotlb_inv_va(t, 1, 0x234000, 5, false);   /* both go */
	assert_int_equal(pa_of(t, 1, 5, 0x235000), ~0ull);
	smmu_iotlb_insert(t, 1, 5, 0x234000, &pg);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), 0x90000000);
	smmu_iotlb_inv_asid(t, 1, 5);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), ~0ull);
	assert_int_equal(t->nr_valid[0], 0);   /* no 4K entry left: none probed */
	smmu_iotlb_insert(t, 1, 5, 0x200000, &blk);
	smmu_iotlb_insert(t, 2, 5, 0x234000, &pg);
	smmu_iotlb_inv_ctx(t, 2);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), 0x80000000);
	assert_int_equal(t->nr_valid[0], 0);
	assert_int_equal(t->nr_valid[3], 1);
	smmu_iotlb_inv_all(t);
	assert_int_equal(pa_of(t, 1, 5, 0x234000), ~0ull);
	for (unsigned i = 0; i < SMMU_TLB_NR_SIZES; i++)
		assert_int_equal(t->nr_valid[i], 0);
	free(t);
}

/*
 * smmu_iotlb_hits of @n pages from @va, each checked against its own
 * lookup (smmu_iotlb_lookup): output addresses in @pa, ~0 past the end.
 */
static unsigned hits_ctx(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 va, unsigned n,
			 enum hw_access acc, u64 *pa)
{
	struct hw_xlate out[40];
	unsigned k = smmu_iotlb_hits(t, ctx, asid, va, n, acc, false, 2, out);

	for (unsigned i = 0; i < n; i++) {
		u64 a = i ? (va & ~0xfffull) + i * 0x1000ull : va;
		const struct smmu_iotlb_entry *e = smmu_iotlb_lookup(t, ctx, asid, a);
		struct hw_xlate want;

		pa[i] = i < k ? out[i].pa : ~0ull;
		if (i >= k)
			continue;
		assert_non_null(e);
		smmu_xlate_translated(&want, e->pa, e->shift, a, 2, true);
		assert_int_equal(out[i].kind, HW_XLATE_TRANSLATED);
		assert_true(out[i].from_tlb);
		assert_int_equal(out[i].domain_tag, 2);
		assert_int_equal(out[i].pa, want.pa);
		assert_int_equal(out[i].len, want.len);
	}
	return k;
}

static unsigned hits(struct smmu_iotlb *t, u16 asid, u64 va, unsigned n, enum hw_access acc,
		     u64 *pa)
{
	return hits_ctx(t, 1, asid, va, n, acc, pa);
}

/* Pages a memo served in one call of hits_ctx (all @n of them must hit). */
static u64 memo_pages(struct smmu_iotlb *t, unsigned ctx, u64 va, unsigned n, u64 *pa)
{
	u64 before = t->memo_hits;

	assert_int_equal(hits_ctx(t, ctx, 5, va, n, HW_READ, pa), n);
	return t->memo_hits - before;
}

/* Pages [0, @n) of @va in @ctx, at @pa on. */
static void map_pages(struct smmu_iotlb *t, unsigned ctx, u64 va, u64 pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct smmu_walk_result r = leaf(pa + i * 0x1000ull, 12);

		smmu_iotlb_insert(t, ctx, 5, va + i * 0x1000ull, &r);
	}
}

/*
 * Two streams at the same IOVA (two contexts), taking turns: each keeps
 * its own memo, and each gets its own translations from it.
 */
static void alternating_streams_keep_their_memos(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	u64 va = 0x7770000, pa[40];

	(void)state;
	map_pages(t, 1, va, 0x80000000, 16);
	map_pages(t, 2, va, 0x90000000, 16);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 0);   /* looked up, remembered */
	assert_int_equal(memo_pages(t, 2, va, 16, pa), 0);
	for (unsigned round = 0; round < 4; round++) {
		assert_int_equal(memo_pages(t, 1, va, 16, pa), 16);
		assert_int_equal(pa[15], 0x8000f000);
		assert_int_equal(memo_pages(t, 2, va, 16, pa), 16);
		assert_int_equal(pa[15], 0x9000f000);
	}
	free(t);
}

/*
 * Parts of one group looked up by different calls (transfers not aligned
 * to a group) join into one memo instead of replacing each other; a part
 * that does not follow the memo's translations is not joined.
 */
static void parts_of_a_group_join(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	u64 va = 0x5550000, pa[40];

	(void)state;
	map_pages(t, 1, va, 0x80000000, 32);
	assert_int_equal(memo_pages(t, 1, va + 0x8000, 16, pa), 0);   /* [8, 16) and next [0, 8) */
	/* Pages 0-7 looked up, then the memo's [8, 16): the first part joins it. */
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 8);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 16);
	assert_int_equal(pa[0], 0x80000000);
	assert_int_equal(pa[15], 0x8000f000);
	/* The next group: [0, 8) remembered by the first call, then [8, 16) after it. */
	assert_int_equal(memo_pages(t, 1, va + 0x18000, 8, pa), 0);
	assert_int_equal(memo_pages(t, 1, va + 0x10000, 16, pa), 16);
	assert_int_equal(pa[15], 0x8001f000);
	/* Two parts whose output addresses do not follow: each page still its own. */
	struct smmu_walk_result far = leaf(0xa0000000, 12);
	u64 g3 = va + 0x30000;
	map_pages(t, 1, g3, 0x80100000, 8);
	for (unsigned i = 8; i < 16; i++) {
		far.pa = 0xa0000000 + i * 0x1000ull;
		smmu_iotlb_insert(t, 1, 5, g3 + i * 0x1000ull, &far);
	}
	assert_int_equal(memo_pages(t, 1, g3, 8, pa), 0);
	assert_int_equal(memo_pages(t, 1, g3 + 0x8000, 8, pa), 0);
	/* [8, 16) replaced [0, 8): pages 0-7 looked up, and not joined to it. */
	assert_int_equal(memo_pages(t, 1, g3, 16, pa), 8);
	assert_int_equal(memo_pages(t, 1, g3, 16, pa), 8);
	assert_int_equal(pa[7], 0x80107000);
	assert_int_equal(pa[8], 0xa0008000);
	free(t);
}

/*
 * A memo made before an insertion or an invalidation is never used after
 * it, even where it would still give the right pages: the next call looks
 * every page up, and remembers them again.
 */
static void memo_never_used_after_a_generation_change(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	struct smmu_walk_result other = leaf(0xd0000000, 12);
	u64 va = 0x3330000, pa[40];

	(void)state;
	map_pages(t, 1, va, 0x80000000, 16);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 0);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 16);
	smmu_iotlb_insert(t, 1, 5, 0x9990000, &other);   /* elsewhere */
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 0);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 16);
	smmu_iotlb_inv_va(t, 1, 0x9990000, 5, false);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 0);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 16);
	/* Page 3 remapped in between: never the memo's old page 3. */
	struct smmu_walk_result three = leaf(0xe0000000, 12);
	smmu_iotlb_inv_va(t, 1, va + 0x3000, 5, false);
	smmu_iotlb_insert(t, 1, 5, va + 0x3000, &three);
	assert_int_equal(memo_pages(t, 1, va, 16, pa), 0);
	assert_int_equal(pa[3], 0xe0000000);
	assert_int_equal(pa[4], 0x80004000);
	free(t);
}

/*
 * The fast lane's pages (smmu_iotlb_hits) are each what a lookup finds,
 * also once a 64 KiB group of them is remembered: an entry inserted or
 * invalidated since (a stale one kept, a page remapped), another ASID, a
 * write to read-only pages, all as page by page.
 */
static void fast_lane_groups_follow_every_change(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	u64 va = 0x1230000, pa[40];
	struct smmu_walk_result ro;

	(void)state;
	for (unsigned i = 0; i < 32; i++) {
		struct smmu_walk_result r = leaf(0x80000000 + i * 0x1000ull, 12);

		smmu_iotlb_insert(t, 1, 5, va + i * 0x1000ull, &r);
	}
	for (unsigned round = 0; round < 3; round++) {
		assert_int_equal(hits(t, 5, va + 0x800, 34, HW_WRITE, pa), 32);
		assert_int_equal(pa[0], 0x80000800);
		for (unsigned i = 1; i < 32; i++)
			assert_int_equal(pa[i], 0x80000000 + i * 0x1000ull);
	}
	/* Transfers not aligned to a group: each group's part remembered, and followed. */
	for (unsigned round = 0; round < 3; round++) {
		assert_int_equal(hits(t, 5, va + 0x5000, 16, HW_READ, pa), 16);
		for (unsigned i = 0; i < 16; i++)
			assert_int_equal(pa[i], 0x80005000 + i * 0x1000ull);
	}
	struct smmu_walk_result seven = leaf(0x88000000, 12);
	smmu_iotlb_inv_va(t, 1, va + 7 * 0x1000ull, 5, false);
	smmu_iotlb_insert(t, 1, 5, va + 7 * 0x1000ull, &seven);
	for (unsigned round = 0; round < 3; round++) {
		assert_int_equal(hits(t, 5, va + 0x5000, 16, HW_READ, pa), 16);
		assert_int_equal(pa[1], 0x80006000);
		assert_int_equal(pa[2], 0x88000000);
		assert_int_equal(pa[3], 0x80008000);
		assert_int_equal(pa[15], 0x80014000);
	}
	/* Page 20 remapped: its new entry from now on, the others unchanged. */
	struct smmu_walk_result moved = leaf(0x90000000, 12);
	smmu_iotlb_inv_va(t, 1, va + 20 * 0x1000ull, 5, false);
	assert_int_equal(hits(t, 5, va, 32, HW_READ, pa), 20);
	smmu_iotlb_insert(t, 1, 5, va + 20 * 0x1000ull, &moved);
	for (unsigned round = 0; round < 2; round++) {
		assert_int_equal(hits(t, 5, va, 32, HW_READ, pa), 32);
		assert_int_equal(pa[20], 0x90000000);
		assert_int_equal(pa[21], 0x80015000);
	}
	/* Another ASID finds nothing. */
	assert_int_equal(hits(t, 6, va, 32, HW_READ, pa), 0);
	/* One block's pages, remembered, then a page entry inside it: that page's from then on. */
	struct smmu_walk_result big = leaf(0xb0000000, 21), small = leaf(0xc0000000, 12);
	smmu_iotlb_insert(t, 1, 5, 0x4000000, &big);
	for (unsigned round = 0; round < 3; round++) {
		assert_int_equal(hits(t, 5, 0x4008000, 32, HW_READ, pa), 32);
		assert_int_equal(pa[0], 0xb0008000);
		assert_int_equal(pa[31], 0xb0027000);
	}
	smmu_iotlb_insert(t, 1, 5, 0x4010000, &small);
	assert_int_equal(hits(t, 5, 0x4008000, 32, HW_READ, pa), 32);
	assert_int_equal(pa[7], 0xb000f000);
	assert_int_equal(pa[8], 0xc0000000);
	assert_int_equal(pa[9], 0xb0011000);
	/* A 2M block under them changes no page (4K first); read-only pages refuse a write. */
	struct smmu_walk_result blk = leaf(0xa0000000, 21);
	smmu_iotlb_insert(t, 1, 5, va, &blk);
	assert_int_equal(hits(t, 5, va, 32, HW_READ, pa), 32);
	assert_int_equal(pa[3], 0x80003000);
	smmu_iotlb_inv_asid(t, 1, 5);
	for (unsigned i = 0; i < 16; i++) {
		ro = leaf(0x80000000 + i * 0x1000ull, 12);
		ro.ro = true;
		smmu_iotlb_insert(t, 1, 5, va + i * 0x1000ull, &ro);
	}
	assert_int_equal(hits(t, 5, va, 16, HW_READ, pa), 16);
	assert_int_equal(hits(t, 5, va, 16, HW_READ, pa), 16);
	assert_int_equal(hits(t, 5, va, 16, HW_WRITE, pa), 0);
	/* Everything gone: nothing served from a memo. */
	smmu_iotlb_inv_all(t);
	assert_int_equal(hits(t, 5, va, 16, HW_READ, pa), 0);
	free(t);
}

/*
 * Entries evicted by newer ones of other sizes (a full set) are counted
 * out: after filling and invalidating by VA, every count is back to zero,
 * and a lookup of what is left agrees with each insert.
 */
static void counts_follow_evictions(void **state)
{
	struct smmu_iotlb *t = calloc(1, sizeof(*t));
	static const u8 shifts[] = { 12, 21, 16, 14 };

	(void)state;
	for (unsigned n = 0; n < 3 * SMMU_TLB_SETS * SMMU_TLB_WAYS; n++) {
		struct smmu_walk_result r = leaf((u64)n << 30, shifts[n % 4]);

		smmu_iotlb_insert(t, 0, 1, (u64)n << 30, &r);
	}
	u32 total = 0;
	for (unsigned i = 0; i < SMMU_TLB_NR_SIZES; i++)
		total += t->nr_valid[i];
	assert_true(total <= SMMU_TLB_SETS * SMMU_TLB_WAYS);
	u32 found = 0;
	for (unsigned n = 0; n < 3 * SMMU_TLB_SETS * SMMU_TLB_WAYS; n++)
		if (pa_of(t, 0, 1, (u64)n << 30) == (u64)n << 30)
			found++;
	assert_int_equal(found, total);
	for (unsigned n = 0; n < 3 * SMMU_TLB_SETS * SMMU_TLB_WAYS; n++)
		smmu_iotlb_inv_va(t, 0, (u64)n << 30, 1, true);
	for (unsigned i = 0; i < SMMU_TLB_NR_SIZES; i++)
		assert_int_equal(t->nr_valid[i], 0);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smaller_size_first_whatever_comes_and_goes),
		cmocka_unit_test(counts_follow_evictions),
		cmocka_unit_test(fast_lane_groups_follow_every_change),
		cmocka_unit_test(alternating_streams_keep_their_memos),
		cmocka_unit_test(parts_of_a_group_join),
		cmocka_unit_test(memo_never_used_after_a_generation_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
