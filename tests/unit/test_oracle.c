/*
 * The isolation oracle's verdicts, fed by hand: a translated DMA is ok
 * only into memory a granting layer gave the device's group (the DMA API
 * to the group, VFIO to the container the group is in, a domain's direct
 * regions to the domain it is on) for that direction; otherwise an escape
 * naming the frame's owner and the missing grant; stale-IOTLB escapes, the
 * lazy window of DMA-FQ domains, unisolated bypass/direct DMA (identity or
 * no group) and bypass escapes (a group on a translating or blocking
 * domain), faults; frame owners and the report.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "test_util.h"
#include "check/oracle.h"
#include "hw/hw_internal.h"
#include "kernel/iommu/iommu.h"
#include "kernel/iommu/observer.h"

#define RAM 0x40000000ull
#define NODE 123
#define RW (IOMMU_READ | IOMMU_WRITE)

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

static enum oracle_verdict xl(u64 pa, enum hw_access acc)
{
	return dma(HW_XLATE_TRANSLATED, 0x1000, pa, false, acc);
}

static bool logged(const char *s)
{
	return strstr(oracle_log(NULL), s) != NULL;
}

/*
 * Pages judged one after another under one grant (the oracle remembers the
 * grant's range): every change between two of them is honoured at once.
 */
static void remembered_grant_follows_changes(void **state)
{
	static struct hw_dma_master other = { .name = "/soc/dma@1", .id = { MASTER_BUS_PLATFORM, NODE + 1 } };
	struct hw_dma_event ev = {
		.master = &other, .sid = 0x101, .addr = 0x2000, .len = 8, .acc = HW_WRITE,
		.xl = { .kind = HW_XLATE_TRANSLATED, .pa = RAM + 0x21000, .len = 4096 },
	};

	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x20000, 0x4000, RW);
	assert_int_equal(xl(RAM + 0x20000, HW_WRITE), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x21000, HW_WRITE), ORACLE_OK);
	/* Another master in no group: the same page is its escape. */
	m->dma_observer(m->dma_observer_opaque, &ev);
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	assert_int_equal(xl(RAM + 0x22000, HW_WRITE), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x24000, HW_WRITE), ORACLE_ESCAPE);   /* past the grant */
	assert_int_equal(xl(RAM + 0x23000, HW_WRITE), ORACLE_OK);
	kobserve_revoke(KOBS_GROUP(0), 0x1000);
	assert_int_equal(xl(RAM + 0x23000, HW_WRITE), ORACLE_ESCAPE);
	kobserve_grant(KOBS_GROUP(0), 0x2000, RAM + 0x20000, 0x4000, RW);
	assert_int_equal(xl(RAM + 0x21000, HW_WRITE), ORACLE_OK);
	/* The device moves to a group with no grant. */
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", 1);
	kobserve_group_domain(1, 8, IOMMU_DOMAIN_DMA);
	assert_int_equal(xl(RAM + 0x21000, HW_WRITE), ORACLE_ESCAPE);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", 0);
	assert_int_equal(xl(RAM + 0x21000, HW_WRITE), ORACLE_OK);
	/* Its group leaves its domain. */
	kobserve_group_domain(0, 0, 0);
	assert_int_equal(xl(RAM + 0x22000, HW_WRITE), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 5);
}

static bool run(u64 pa, u64 len)
{
	struct hw_dma_event ev = {
		.master = &master, .sid = 0x100, .addr = 0x1000, .len = len, .acc = HW_WRITE,
		.xl = { .kind = HW_XLATE_TRANSLATED, .pa = pa, .len = 4096, .from_tlb = true },
	};

	return m->dma_run_observer(m->dma_observer_opaque, &ev, (u32)(len / 4096));
}

/*
 * A run of pages (hw_set_dma_run_observer) is taken at once only inside
 * the grant the oracle remembers; anything else is declined, for the DMA
 * path to show each page (and the escape to be found page by page).
 */
static void runs_taken_only_inside_the_remembered_grant(void **state)
{
	assert_non_null(m->dma_run_observer);
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x20000, 0x4000, RW);
	assert_false(run(RAM + 0x20000, 0x4000));   /* nothing remembered yet */
	assert_int_equal(xl(RAM + 0x20000, HW_WRITE), ORACLE_OK);
	assert_true(run(RAM + 0x20000, 0x4000));
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_true(run(RAM + 0x21000, 0x3000));
	assert_false(run(RAM + 0x21000, 0x4000));   /* its last page past the grant */
	assert_false(run(RAM + 0x1f000, 0x2000));   /* its first page before it */
	kobserve_revoke(KOBS_GROUP(0), 0x1000);
	assert_false(run(RAM + 0x20000, 0x1000));
	assert_int_equal(xl(RAM + 0x20000, HW_WRITE), ORACLE_ESCAPE);
}

static void granted_is_ok(void **state)
{
	/* Whole pages: a buffer's page is the device's, both pages of one that spans two. */
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x5800, 0x1000, RW);
	assert_int_equal(xl(RAM + 0x5010, HW_WRITE), ORACLE_OK);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x1ff8, RAM + 0x6ff8, true, HW_READ), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x7000, HW_READ), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 1);
}

/*
 * Whatever the page tables say: a frame nobody granted is an escape, whose
 * line names the frame's owner and the missing grant.
 */
static void not_granted_is_escape_with_owner(void **state)
{
	char buf[4096];

	kobserve_page_alloc(RAM + 0x123000, 0);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x9000, RAM + 0x123000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 1);
	assert_true(logged("oracle: ESCAPE: a000000.dma wrote 0x40123000 (owner: kernel) "
			   "via iova 0x9000 in domain 7 (not granted to group 0 for write)"));
	kobserve_frames(RAM + 0x200000, 0x1000, KOBS_PGTABLE, 0);
	assert_int_equal(xl(RAM + 0x200000, HW_READ), ORACLE_ESCAPE);
	assert_true(logged("read 0x40200000 (owner: page-table) via iova 0x1000 in domain 7 "
			   "(not granted to group 0 for read)"));
	assert_int_equal(xl(RAM + 0x300000, HW_READ), ORACLE_ESCAPE);
	assert_true(logged("(owner: free)"));
	oracle_report(buf, sizeof(buf));
	assert_non_null(strstr(buf, "3 escapes (0 stale)"));
	assert_non_null(strstr(buf, "oracle: ESCAPE: a000000.dma"));
}

/* DMA_TO_DEVICE grants reading only; another group's grant is not this one's. */
static void direction_and_grantee(void **state)
{
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x5000, 0x1000, IOMMU_READ);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x5000, HW_WRITE), ORACLE_ESCAPE);
	assert_true(logged("(not granted to group 0 for write)"));
	kobserve_grant(KOBS_GROUP(1), 0x1000, RAM + 0x8000, 0x1000, RW);
	assert_int_equal(xl(RAM + 0x8000, HW_READ), ORACLE_ESCAPE);
	/* Revoking an unknown handle, or another grantee's, changes nothing. */
	kobserve_revoke(KOBS_GROUP(0), 0x7000);
	kobserve_revoke(KOBS_GROUP(3), 0x1000);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_OK);
	kobserve_revoke(KOBS_GROUP(0), 0x1000);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 3);
}

/* Two buffers in one page: the page stays granted until both are unmapped. */
static void overlapping_grants_end_one_at_a_time(void **state)
{
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x5000, 0x100, IOMMU_READ);
	kobserve_grant(KOBS_GROUP(0), 0x2000, RAM + 0x5800, 0x1000, IOMMU_WRITE);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x5000, HW_WRITE), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x6000, HW_WRITE), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x6000, HW_READ), ORACLE_ESCAPE);
	kobserve_revoke(KOBS_GROUP(0), 0x2000);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x5000, HW_WRITE), ORACLE_ESCAPE);
	assert_int_equal(xl(RAM + 0x6000, HW_WRITE), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 3);
}

/* A container's pages, for the groups in it at the moment of the DMA. */
static void container_grants_follow_membership(void **state)
{
	kobserve_frames(RAM + 0x400000, 0x200000, KOBS_VFIO, 3);
	kobserve_grant(KOBS_CONTAINER(3), 0x100000, RAM + 0x400000, 0x200000, RW);
	assert_int_equal(xl(RAM + 0x410000, HW_WRITE), ORACLE_ESCAPE);
	assert_true(logged("(owner: vfio container 3) via iova 0x1000 in domain 7 "
			   "(not granted to group 0 for write)"));
	kobserve_container_group(3, 0, true);
	assert_int_equal(xl(RAM + 0x410000, HW_WRITE), ORACLE_OK);
	assert_int_equal(xl(RAM + 0x5ff000, HW_READ), ORACLE_OK);
	/* Another container's leaving does not take group 0 out of 3. */
	kobserve_container_group(4, 0, false);
	assert_int_equal(xl(RAM + 0x410000, HW_READ), ORACLE_OK);
	kobserve_container_group(3, 0, false);
	assert_int_equal(xl(RAM + 0x410000, HW_READ), ORACLE_ESCAPE);
	kobserve_container_group(3, 0, true);
	kobserve_revoke(KOBS_CONTAINER(3), 0x100000);   /* UNMAP_DMA */
	assert_int_equal(xl(RAM + 0x410000, HW_READ), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 3);
}

/*
 * A grant to a domain (direct regions; MSI doorbells later) is for
 * whichever group is on it, and ends with the domain.
 */
static void domain_grants_follow_the_group_domain(void **state)
{
	kobserve_grant(KOBS_DOMAIN(7), 0x40100000, 0x40100000, 0x2000, RW);
	assert_int_equal(xl(0x40101000, HW_WRITE), ORACLE_OK);
	kobserve_group_domain(0, 8, IOMMU_DOMAIN_DMA);
	assert_int_equal(xl(0x40101000, HW_WRITE), ORACLE_ESCAPE);
	kobserve_group_domain(0, 7, IOMMU_DOMAIN_DMA);
	assert_int_equal(xl(0x40101000, HW_WRITE), ORACLE_OK);
	kobserve_domain_free(7);
	assert_int_equal(xl(0x40101000, HW_WRITE), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 2);
}

static void stale_iotlb_is_escape(void **state)
{
	struct oracle_counts c;

	kobserve_grant(KOBS_GROUP(0), 0x4000, RAM + 0x4000, 0x1000, RW);
	kobserve_revoke(KOBS_GROUP(0), 0x4000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x4000, RAM + 0x4000, true, HW_WRITE),
			 ORACLE_STALE);
	oracle_get_counts(&c);
	assert_int_equal(c.stale, 1);
	assert_int_equal(c.escapes, 1);
	assert_true(logged("via iova 0x4000 in domain 7 (not granted to group 0 for write: "
			   "stale IOTLB entry)"));
}

static void lazy_window_is_not_escape(void **state)
{
	struct oracle_counts c;

	kobserve_group_domain(0, 7, IOMMU_DOMAIN_DMA_FQ);
	kobserve_grant(KOBS_GROUP(0), 0x4000, RAM + 0x4000, 0x1000, RW);
	kobserve_revoke(KOBS_GROUP(0), 0x4000);
	assert_int_equal(dma(HW_XLATE_TRANSLATED, 0x4000, RAM + 0x4000, true, HW_WRITE),
			 ORACLE_LAZY);
	assert_true(logged("(not granted to group 0 for write, flush pending)"));
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
 * never written) is an escape, not "unisolated", granted memory or not.
 */
static void bypass_in_translated_group_is_escape(void **state)
{
	kobserve_page_alloc(RAM + 0x1000, 0);
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x1000, 0x1000, RW);
	assert_int_equal(dma(HW_XLATE_BYPASS, 0x40001000, RAM + 0x1000, false, HW_WRITE),
			 ORACLE_ESCAPE);
	assert_true(logged("oracle: ESCAPE: a000000.dma wrote 0x40001000 (owner: kernel) "
			   "bypassing the IOMMU while group 0 is in domain 7 (DMA)"));
	kobserve_group_domain(0, 9, IOMMU_DOMAIN_BLOCKED);
	assert_int_equal(dma(HW_XLATE_DIRECT, 0x40001000, RAM + 0x1000, false, HW_READ),
			 ORACLE_ESCAPE);
	assert_true(logged("in domain 9 (blocked)"));
	assert_int_equal(oracle_escapes(), 2);
}

static void blocked_and_groupless_are_escapes(void **state)
{
	kobserve_group_domain(0, 9, IOMMU_DOMAIN_BLOCKED);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_ESCAPE);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", -1);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_ESCAPE);
	assert_true(logged("with no domain (device in no group)"));
	assert_int_equal(oracle_escapes(), 2);
}

static void worst_verdict_of_a_sequence(void **state)
{
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x5000, 0x1000, IOMMU_READ);
	oracle_begin();
	assert_int_equal(oracle_worst_verdict(), ORACLE_NONE);
	xl(RAM + 0x9000, HW_READ);   /* escape */
	xl(RAM + 0x5000, HW_READ);   /* ok */
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(oracle_worst_verdict(), ORACLE_ESCAPE);
	oracle_begin();
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", -1);   /* no group: bypass is unisolated */
	dma(HW_XLATE_FAULT, 0x9000, 0, false, HW_READ);
	dma(HW_XLATE_BYPASS, 0x9000, RAM + 0x9000, false, HW_READ);
	assert_int_equal(oracle_worst_verdict(), ORACLE_UNISOLATED);
}

/*
 * Random overlapping grants and revokes against a per-page count model:
 * each page is readable (writable) while any live grant reads (writes) it.
 */
static void grants_match_a_page_model(void **state)
{
	enum { PAGES = 256, LIVE = 64 };
	struct { u64 handle, first, n; int prot; } live[LIVE] = { 0 };
	u32 rd[PAGES] = { 0 }, wr[PAGES] = { 0 };
	u64 seed = 12345, next_handle = 1;

	for (int op = 0; op < 4000; op++) {
		u64 r = xorshift64(&seed);
		unsigned slot = r % LIVE;
		if (live[slot].handle) {
			kobserve_revoke(KOBS_GROUP(0), live[slot].handle << 12);
			for (u64 i = 0; i < live[slot].n; i++) {
				rd[live[slot].first + i] -= !!(live[slot].prot & IOMMU_READ);
				wr[live[slot].first + i] -= !!(live[slot].prot & IOMMU_WRITE);
			}
			live[slot].handle = 0;
		} else {
			u64 first = (r >> 8) % PAGES, n = 1 + (r >> 20) % 16;
			int prot = 1 + (r >> 30) % 3;
			if (first + n > PAGES)
				n = PAGES - first;
			live[slot].handle = next_handle++;
			live[slot].first = first;
			live[slot].n = n;
			live[slot].prot = prot;
			/* Byte ranges inside the first and last pages still grant whole pages. */
			kobserve_grant(KOBS_GROUP(0), live[slot].handle << 12, RAM + first * 0x1000 + 0x80,
				       n * 0x1000 - 0x100, prot);
			for (u64 i = 0; i < n; i++) {
				rd[first + i] += !!(prot & IOMMU_READ);
				wr[first + i] += !!(prot & IOMMU_WRITE);
			}
		}
		if (op % 100 != 99)
			continue;
		for (u64 p = 0; p < PAGES; p++) {
			assert_int_equal(xl(RAM + p * 0x1000 + 8, HW_READ),
					 rd[p] ? ORACLE_OK : ORACLE_ESCAPE);
			assert_int_equal(xl(RAM + p * 0x1000 + 0xff8, HW_WRITE),
					 wr[p] ? ORACLE_OK : ORACLE_ESCAPE);
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

/* A new attach starts from nothing: no grant, group, device or count survives it. */
static void attach_resets_everything(void **state)
{
	kobserve_grant(KOBS_GROUP(0), 0x1000, RAM + 0x5000, 0x1000, RW);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_OK);
	assert_int_equal(oracle_attach(m), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_NONE);
	kobserve_device_group(master_id_platform(NODE), "a000000.dma", 0);
	kobserve_group_domain(0, 7, IOMMU_DOMAIN_DMA);
	assert_int_equal(xl(RAM + 0x5000, HW_READ), ORACLE_ESCAPE);
	assert_int_equal(oracle_escapes(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(granted_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(remembered_grant_follows_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(runs_taken_only_inside_the_remembered_grant, setup,
						teardown),
		cmocka_unit_test_setup_teardown(not_granted_is_escape_with_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(direction_and_grantee, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_grants_end_one_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(container_grants_follow_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_grants_follow_the_group_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_iotlb_is_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(lazy_window_is_not_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(bypass_and_direct_are_unisolated, setup, teardown),
		cmocka_unit_test_setup_teardown(bypass_in_translated_group_is_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(blocked_and_groupless_are_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(worst_verdict_of_a_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(grants_match_a_page_model, setup, teardown),
		cmocka_unit_test_setup_teardown(frame_owners, setup, teardown),
		cmocka_unit_test_setup_teardown(attach_resets_everything, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
