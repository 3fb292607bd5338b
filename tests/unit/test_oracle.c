/*
 * The isolation oracle's verdicts: translated-as-mapped, escapes (never
 * mapped, mapped elsewhere, not permitted, blocked group, no group),
 * stale-IOTLB escapes, the lazy window of DMA-FQ domains, unisolated
 * bypass/direct DMA (identity or no group) and bypass escapes (a group on
 * a translating or blocking domain), faults; frame owners and the report.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "check/oracle.h"
#include "hw/hw_internal.h"
#include "kernel/iommu/iommu.h"
#include "kernel/iommu/observer.h"

#define RAM 0x40000000ull
#define NODE 123

static struct machine *m;
static struct hw_dma_master master = { .name = "/soc/dma@0", .id = { MASTER_BUS_PLATFORM, NODE } };

static int setup(void **state)
{
	size_t size;
	void *b = tfdt_begin();
	char why[128];

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_node(b, "memory@40000000");
	tfdt_str(b, "device_type", "memory");
	tfdt_cells(b, "reg", 4, 0x0, 0x40000000, 0x0, 0x10000000);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	free(b);
	assert_int_equal(oracle_attach(m), 0);
	/* dma0 is in group 0, whose current domain is 7 (DMA). */
	kobserve_domain_alloc(7, IOMMU_DOMAIN_DMA);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", 0);
	kobserve_group_domain(0, 7, IOMMU_DOMAIN_DMA);
	return 0;
}

static int teardown(void **state)
{
	oracle_detach();
	machine_destroy(m);
	return 0;
}

static enum oracle_verdict dma(enum hw_xlate_kind kind, u64 iova, u64 pa, bool tlb,
			       enum hw_access acc)
{
	struct hw_dma_event ev = {
		.master = &master, .sid = 0x100, .addr = iova, .len = 8, .acc = acc,
		.xl = { .kind = kind, .pa = pa, .len = 4096, .from_tlb = tlb },
	};
	m->dma_observer(m->dma_observer_opaque, &ev);
	return oracle_last_verdict();
}

static void translated_as_mapped_is_ok(void **state)
{
	kobserve_domain_map(7, 0x1000, RAM + 0x5000, 0x2000, IOMMU_READ | IOMMU_WRITE);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1010, RAM + 0x5010, false, HW_WRITE), ORACLE_OK);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x2ff8, RAM + 0x6ff8, true, HW_READ), ORACLE_OK);
	assert_int_equal(oracle_escapes(), 0);
}

static void unmapped_is_escape_with_owner(void **state)
{
	char buf[4096];
	size_t len;

	kobserve_page_alloc(RAM + 0x123000, 0);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x9000, RAM + 0x123000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 1);
	const char *log = oracle_log(&len);
	assert_non_null(strstr(log, "oracle: ESCAPE: a000000.dma wrote 0x40123000 (owner: kernel) "
				    "via iova 0x9000 in domain 7 (unmapped)"));
	oracle_report(buf, sizeof(buf));
	assert_non_null(strstr(buf, "1 escapes (0 stale)"));
	assert_non_null(strstr(buf, "oracle: ESCAPE: a000000.dma"));
}

static void elsewhere_and_permission(void **state)
{
	kobserve_domain_map(7, 0x1000, RAM + 0x5000, 0x1000, IOMMU_READ);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x8000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x5000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x5000, false, HW_READ),
			 ORACLE_OK);
	size_t len;
	assert_non_null(strstr(oracle_log(&len), "(mapped elsewhere)"));
	assert_non_null(strstr(oracle_log(&len), "(not permitted)"));
}

static void stale_iotlb_is_escape(void **state)
{
	struct oracle_counts c;

	kobserve_domain_map(7, 0x4000, RAM + 0x4000, 0x1000, IOMMU_READ | IOMMU_WRITE);
	kobserve_domain_unmap(7, 0x4000, 0x1000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x4000, RAM + 0x4000, true, HW_WRITE),
			 ORACLE_STALE);
	oracle_get_counts(&c);
	assert_int_equal(c.stale, 1);
	assert_int_equal(c.escapes, 1);
	size_t len;
	assert_non_null(strstr(oracle_log(&len), "stale IOTLB entry"));
}

static void lazy_window_is_not_escape(void **state)
{
	struct oracle_counts c;

	kobserve_group_domain(0, 7, IOMMU_DOMAIN_DMA_FQ);
	kobserve_domain_map(7, 0x4000, RAM + 0x4000, 0x1000, IOMMU_READ | IOMMU_WRITE);
	kobserve_domain_unmap(7, 0x4000, 0x1000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x4000, RAM + 0x4000, true, HW_WRITE),
			 ORACLE_LAZY);
	/* Not from the TLB: the page table itself is wrong, an escape even lazily. */
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x4000, RAM + 0x4000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	oracle_get_counts(&c);
	assert_int_equal(c.lazy, 1);
	assert_int_equal(c.escapes, 1);
}

/* Bypass is what the kernel chose: an identity domain, or no group at all. */
static void bypass_and_direct_are_unisolated(void **state)
{
	struct oracle_counts c;

	kobserve_domain_alloc(8, IOMMU_DOMAIN_IDENTITY);
	kobserve_group_domain(0, 8, IOMMU_DOMAIN_IDENTITY);
	assert_int_equal(dma(HW_XLATE_BYPASS, 0x40001000, RAM + 0x1000, false, HW_WRITE),
			 ORACLE_UNISOLATED);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", -1);
	assert_int_equal(dma(HW_XLATE_BYPASS, 0x40001000, RAM + 0x1000, false, HW_WRITE),
			 ORACLE_UNISOLATED);
	assert_int_equal(dma(HW_XLATE_DIRECT, 0x40001000, RAM + 0x1000, false, HW_READ),
			 ORACLE_UNISOLATED);
	assert_int_equal(dma(HW_XLATE_FAULT, 0x1000, 0, false, HW_READ), ORACLE_FAULT);
	oracle_get_counts(&c);
	assert_int_equal(c.unisolated, 3);
	assert_int_equal(c.faults, 1);
	assert_int_equal(c.escapes, 0);
}

/*
 * A device whose group is on a translating or blocking domain must never
 * reach memory untranslated: a bypass there (a stream-map entry dropped or
 * never written) is an escape, not "unisolated".
 */
static void bypass_in_translated_group_is_escape(void **state)
{
	size_t len;

	kobserve_page_alloc(RAM + 0x1000, 0);
	assert_int_equal(dma(HW_XLATE_BYPASS, 0x40001000, RAM + 0x1000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	assert_non_null(strstr(oracle_log(&len),
			       "oracle: ESCAPE: a000000.dma wrote 0x40001000 (owner: kernel) "
			       "bypassing the IOMMU while group 0 is in domain 7 (DMA)"));
	kobserve_domain_alloc(9, IOMMU_DOMAIN_BLOCKED);
	kobserve_group_domain(0, 9, IOMMU_DOMAIN_BLOCKED);
	assert_int_equal(dma(HW_XLATE_DIRECT, 0x40001000, RAM + 0x1000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_non_null(strstr(oracle_log(&len), "in domain 9 (blocked)"));
	assert_int_equal(oracle_escapes(), 2);
}

static void blocked_and_groupless_are_escapes(void **state)
{
	kobserve_domain_alloc(9, IOMMU_DOMAIN_BLOCKED);
	kobserve_group_domain(0, 9, IOMMU_DOMAIN_BLOCKED);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x5000, false, HW_READ),
			 ORACLE_ESCAPE);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", -1);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x5000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 2);
}

static void unmap_splits_extents(void **state)
{
	kobserve_domain_map(7, 0x10000, RAM + 0x20000, 0x4000, IOMMU_READ);
	kobserve_domain_unmap(7, 0x11000, 0x1000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x10000, RAM + 0x20000, false, HW_READ), ORACLE_OK);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x11000, RAM + 0x21000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x12000, RAM + 0x22000, false, HW_READ), ORACLE_OK);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x13000, RAM + 0x23000, false, HW_READ), ORACLE_OK);
	/* Unmap across the hole and into the tail. */
	kobserve_domain_unmap(7, 0x10000, 0x3000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x12000, RAM + 0x22000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x13000, RAM + 0x23000, false, HW_READ), ORACLE_OK);
	/* A freed domain forgets everything. */
	kobserve_domain_free(7);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x13000, RAM + 0x23000, false, HW_READ),
			 ORACLE_ESCAPE);
}

static void worst_verdict_of_a_sequence(void **state)
{
	kobserve_domain_map(7, 0x1000, RAM + 0x5000, 0x1000, IOMMU_READ);
	oracle_begin();
	assert_int_equal(oracle_worst_verdict(), ORACLE_NONE);
	dma(HW_XLATE_TRANSLATED, 0x9000, RAM + 0x9000, false, HW_READ);   /* escape */
	dma(HW_XLATE_TRANSLATED, 0x1000, RAM + 0x5000, false, HW_READ);   /* ok */
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(oracle_worst_verdict(), ORACLE_ESCAPE);
	oracle_begin();
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", -1);   /* no group: bypass is unisolated */
	dma(HW_XLATE_FAULT, 0x9000, 0, false, HW_READ);
	dma(HW_XLATE_BYPASS, 0x9000, RAM + 0x9000, false, HW_READ);
	assert_int_equal(oracle_worst_verdict(), ORACLE_UNISOLATED);
}

/* Random maps and unmaps against a per-page model of the shadow tables. */
static void shadow_matches_a_page_model(void **state)
{
	enum { PAGES = 256 };
	u64 model[PAGES] = { 0 };
	u32 seed = 12345;

	for (int op = 0; op < 3000; op++) {
		seed = seed * 1103515245u + 12345u;
		u64 first = (seed >> 8) % PAGES, n = 1 + (seed >> 20) % 16;
		if (first + n > PAGES)
			n = PAGES - first;
		if (seed & 1) {
			/* Half the time contiguous with the page before, to exercise coalescing. */
			u64 pa = first && model[first - 1] && (seed & 2) ? model[first - 1] + 0x1000 :
				 RAM + 0x100000 + ((seed >> 4) % 4096) * 0x1000;
			kobserve_domain_map(7, first * 0x1000, pa, n * 0x1000, IOMMU_READ);
			for (u64 i = 0; i < n; i++)
				model[first + i] = pa + i * 0x1000;
		} else {
			kobserve_domain_unmap(7, first * 0x1000, n * 0x1000);
			for (u64 i = 0; i < n; i++)
				model[first + i] = 0;
		}
		if (op % 100 != 99)
			continue;
		for (u64 p = 0; p < PAGES; p++) {
			if (model[p])
				assert_int_equal(dma(HW_XLATE_TRANSLATED, p * 0x1000 + 8, model[p] + 8,
						     false, HW_READ), ORACLE_OK);
			else
				assert_int_equal(dma(HW_XLATE_TRANSLATED, p * 0x1000, RAM, false,
						     HW_READ), ORACLE_ESCAPE);
		}
		oracle_reset_counts();
	}
}

static void frame_owners(void **state)
{
	char buf[48];

	assert_string_equal(oracle_frame_owner(RAM, buf, sizeof(buf)), "free");
	kobserve_frames(RAM + 0x3000, 0x2000, KOBS_PGTABLE, 0);
	assert_string_equal(oracle_frame_owner(RAM + 0x4fff, buf, sizeof(buf)), "page-table");
	kobserve_frames(RAM + 0x3000, 0x1000, KOBS_VFIO, 2);
	assert_string_equal(oracle_frame_owner(RAM + 0x3000, buf, sizeof(buf)), "vfio container 2");
	kobserve_page_free(RAM + 0x3000, 1);
	assert_string_equal(oracle_frame_owner(RAM + 0x4000, buf, sizeof(buf)), "free");
	assert_string_equal(oracle_frame_owner(0x1000, buf, sizeof(buf)), "not RAM");
	oracle_reset_counts();
	assert_int_equal(oracle_escapes(), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(translated_as_mapped_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(unmapped_is_escape_with_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(elsewhere_and_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_iotlb_is_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(lazy_window_is_not_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(bypass_and_direct_are_unisolated, setup, teardown),
		cmocka_unit_test_setup_teardown(bypass_in_translated_group_is_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(blocked_and_groupless_are_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(unmap_splits_extents, setup, teardown),
		cmocka_unit_test_setup_teardown(worst_verdict_of_a_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(shadow_matches_a_page_model, setup, teardown),
		cmocka_unit_test_setup_teardown(frame_owners, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
