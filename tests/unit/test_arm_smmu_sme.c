/*
 * arm-smmu stream-map entries: reuse of a covering SMR, -EINVAL on a
 * partial overlap, -ENOSPC when full, refcounts, all-or-nothing allocation.
 * These work on the driver's shadow only (no MMIO).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kernel/base/kalloc.h"
#include "kernel/drivers/arm-smmu.h"

#define SID(id, mask) ((u32)(id) | ((u32)(mask) << 16))

static struct arm_smmu_device *new_smmu(unsigned n, bool sms)
{
	static struct arm_smmu_device smmu;

	smmu = (struct arm_smmu_device){ 0 };
	assert_int_equal(arm_smmu_sme_init(&smmu, n, sms, S2CR_TYPE_BYPASS), 0);
	return &smmu;
}

static void test_new_entry_keeps_init_type(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(4, true);
	u32 ids[] = { SID(0x100, 0) };
	int idx[1];

	assert_int_equal(arm_smmu_sme_get(smmu, ids, 1, idx), 0);
	assert_int_equal(idx[0], 0);
	assert_true(smmu->smrs[0].valid);
	assert_int_equal(smmu->smrs[0].id, 0x100);
	assert_int_equal(smmu->s2crs[0].count, 1);
	/* Not translated until a domain attaches. */
	assert_int_equal(smmu->s2crs[0].type, S2CR_TYPE_BYPASS);
	arm_smmu_sme_destroy(smmu);
	assert_int_equal(kalloc_outstanding(), 0);
}

static void test_identical_ids_share_entry(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(4, true);
	u32 a[] = { SID(0x200, 0) }, b[] = { SID(0x200, 0) };
	int ia[1], ib[1];

	assert_int_equal(arm_smmu_sme_get(smmu, a, 1, ia), 0);
	assert_int_equal(arm_smmu_sme_get(smmu, b, 1, ib), 0);
	assert_int_equal(ia[0], ib[0]);
	assert_int_equal(smmu->s2crs[ia[0]].count, 2);

	/* The first put leaves the entry valid for the other master. */
	assert_int_equal(arm_smmu_sme_put(smmu, ia, 1), 0);
	assert_int_equal(ia[0], INVALID_SMENDX);
	assert_true(smmu->smrs[ib[0]].valid);
	assert_int_equal(smmu->s2crs[ib[0]].count, 1);

	/* The last one frees it: SMR invalid, S2CR back to the init type. */
	smmu->s2crs[ib[0]].type = S2CR_TYPE_TRANS;
	smmu->s2crs[ib[0]].cbndx = 3;
	assert_int_equal(arm_smmu_sme_put(smmu, ib, 1), 1);
	assert_int_equal(ib[0], 0);
	assert_false(smmu->smrs[0].valid);
	assert_int_equal(smmu->s2crs[0].type, S2CR_TYPE_BYPASS);
	assert_int_equal(smmu->s2crs[0].cbndx, 0);
	arm_smmu_sme_destroy(smmu);
}

static void test_covering_smr_reused(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(4, true);
	u32 wide[] = { SID(0x0, 0x1f) };     /* streams 0..31 */
	u32 narrow[] = { SID(0x5, 0x3) };    /* streams 4..7, inside */
	int iw[1], in[1];

	assert_int_equal(arm_smmu_sme_get(smmu, wide, 1, iw), 0);
	assert_int_equal(arm_smmu_sme_get(smmu, narrow, 1, in), 0);
	assert_int_equal(iw[0], in[0]);
	/* The SMR still holds the wider request. */
	assert_int_equal(smmu->smrs[iw[0]].mask, 0x1f);
	arm_smmu_sme_destroy(smmu);
}

static void test_partial_overlap_einval(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(4, true);
	u32 narrow[] = { SID(0x4, 0x3) };    /* 4..7 */
	u32 wide[] = { SID(0x0, 0xf) };      /* 0..15 overlaps but is not covered */
	int in[1], iw[1];

	assert_int_equal(arm_smmu_sme_get(smmu, narrow, 1, in), 0);
	assert_int_equal(arm_smmu_sme_get(smmu, wide, 1, iw), -EINVAL);
	assert_int_equal(iw[0], INVALID_SMENDX);
	/* Nothing changed. */
	assert_int_equal(smmu->s2crs[in[0]].count, 1);
	assert_false(smmu->smrs[1].valid);
	/* Disjoint IDs are fine. */
	u32 other[] = { SID(0x8, 0x3) };
	assert_int_equal(arm_smmu_sme_get(smmu, other, 1, iw), 0);
	assert_int_equal(iw[0], 1);
	arm_smmu_sme_destroy(smmu);
}

static void test_full_enospc_rolls_back(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(2, true);
	u32 first[] = { SID(0x1, 0) };
	u32 three[] = { SID(0x2, 0), SID(0x1, 0), SID(0x3, 0) };
	int i1[1], i3[3];

	assert_int_equal(arm_smmu_sme_get(smmu, first, 1, i1), 0);
	/* 0x2 takes the last SMR, 0x1 shares, 0x3 finds none: all undone. */
	assert_int_equal(arm_smmu_sme_get(smmu, three, 3, i3), -ENOSPC);
	for (int i = 0; i < 3; i++)
		assert_int_equal(i3[i], INVALID_SMENDX);
	assert_int_equal(smmu->s2crs[0].count, 1);
	assert_true(smmu->smrs[0].valid);
	assert_int_equal(smmu->s2crs[1].count, 0);
	assert_false(smmu->smrs[1].valid);
	arm_smmu_sme_destroy(smmu);
}

static void test_free_slot_is_first_invalid(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(3, true);
	u32 a[] = { SID(0xa, 0) }, b[] = { SID(0xb, 0) }, c[] = { SID(0xc, 0) };
	int ia[1], ib[1], ic[1];

	assert_int_equal(arm_smmu_sme_get(smmu, a, 1, ia), 0);
	assert_int_equal(arm_smmu_sme_get(smmu, b, 1, ib), 0);
	assert_int_equal(arm_smmu_sme_put(smmu, ia, 1), 1);
	assert_int_equal(arm_smmu_sme_get(smmu, c, 1, ic), 0);
	assert_int_equal(ic[0], 0);
	assert_int_equal(arm_smmu_find_sme(smmu, 0xb, 0), 1);
	arm_smmu_sme_destroy(smmu);
}

static void test_stream_indexing(void **state)
{
	struct arm_smmu_device *smmu = new_smmu(16, false);
	u32 ids[] = { SID(7, 0) };
	int idx[1];

	assert_null(smmu->smrs);
	assert_int_equal(arm_smmu_sme_get(smmu, ids, 1, idx), 0);
	assert_int_equal(idx[0], 7);
	assert_int_equal(arm_smmu_find_sme(smmu, 16, 0), -ERANGE);
	assert_int_equal(arm_smmu_sme_put(smmu, idx, 1), 1);
	arm_smmu_sme_destroy(smmu);
}

static void test_init_alloc_failure(void **state)
{
	struct arm_smmu_device smmu = { 0 };
	long before = kalloc_outstanding();

	kalloc_fail_nth(2);
	assert_int_equal(arm_smmu_sme_init(&smmu, 4, true, S2CR_TYPE_FAULT), -ENOMEM);
	kalloc_fail_nth(0);
	assert_null(smmu.s2crs);
	assert_int_equal(kalloc_outstanding(), before);
	assert_int_equal(arm_smmu_sme_init(&smmu, 0, true, S2CR_TYPE_FAULT), -EINVAL);
	assert_int_equal(arm_smmu_sme_init(&smmu, 4, true, S2CR_TYPE_FAULT), 0);
	assert_int_equal(smmu.s2crs[3].type, S2CR_TYPE_FAULT);
	arm_smmu_sme_destroy(&smmu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_entry_keeps_init_type),
		cmocka_unit_test(test_identical_ids_share_entry),
		cmocka_unit_test(test_covering_smr_reused),
		cmocka_unit_test(test_partial_overlap_einval),
		cmocka_unit_test(test_full_enospc_rolls_back),
		cmocka_unit_test(test_free_slot_is_first_invalid),
		cmocka_unit_test(test_stream_indexing),
		cmocka_unit_test(test_init_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
