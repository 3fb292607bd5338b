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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
