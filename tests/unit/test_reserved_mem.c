/*
 * Reserved memory at the page allocator: a `no-map` page inside RAM
 * (platforms/mem-no-node.dts, fw@80001000) is never handed out, not by a
 * boot (page tables, buffers), not when the allocator is drained page by
 * page, not inside a larger block, and it is there again on the next boot.
 */
#include "kernel_test.h"
#include "kernel/base/page_alloc.h"

#define PLATFORM LAB_SRCDIR "/tests/scenarios/platforms/mem-no-node.dts"
#define RAM_BASE 0x80000000ull
#define RAM_SIZE (8ull << 20)
#define NOMAP 0x80001000ull
#define NPAGES (RAM_SIZE >> 12)

static bool covers(u64 pa, unsigned order, u64 page)
{
	return page >= pa && page - pa < (4096ull << order);
}

/* Drains the allocator in blocks of @order; returns how many it gave. */
static size_t drain(unsigned order, u64 *got, size_t max)
{
	size_t n = 0;
	u64 pa;

	while (n < max && (pa = alloc_pages_phys(order))) {
		assert_true(pa >= RAM_BASE && pa + (4096ull << order) <= RAM_BASE + RAM_SIZE);
		assert_int_equal(pa & ((4096ull << order) - 1), 0);
		if (covers(pa, order, NOMAP))
			fail_msg("order %u block at 0x%llx holds the no-map page", order,
				 (unsigned long long)pa);
		got[n++] = pa;
	}
	return n;
}

static void nomap_never_allocated(void **state)
{
	static u64 got[NPAGES];

	(void)state;
	for (int boot = 0; boot < 2; boot++) {
		assert_int_equal(kt_boot_file(PLATFORM, "mem=8M"), 0);
		u64 before = page_alloc_outstanding();
		size_t n = drain(0, got, NPAGES);

		/* Every page but the boot's, the no-map one: nothing else missing. */
		assert_int_equal(n + before + 1, NPAGES);
		for (size_t i = 0; i < n; i++)
			free_pages_phys(got[i], 0);
		assert_int_equal(page_alloc_outstanding(), before);
		/* Blocks: the 16 KiB and 2 MiB ones around the page stay broken. */
		for (unsigned order = 2; order <= 9; order += 7) {
			n = drain(order, got, NPAGES);
			assert_true(n > 0);
			for (size_t i = 0; i < n; i++)
				free_pages_phys(got[i], order);
		}
		assert_int_equal(page_alloc_outstanding(), before);
		kt_shutdown();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nomap_never_allocated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
