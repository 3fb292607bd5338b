/* Physical memory: lazy frames, sparse banks, out-of-RAM, aliasing. */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/hw_internal.h"

#define GiB (1ull << 30)

/* Juno-like: 2 GiB low and 6 GiB high, far apart. */
static struct machine *sparse_machine(void)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m = NULL;
	char why[128];

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_node(b, "memory@80000000");
	tfdt_str(b, "device_type", "memory");
	tfdt_cells(b, "reg", 8, 0x0, 0x80000000, 0x0, 0x7f000000,
		   0x8, 0x80000000, 0x1, 0x80000000);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	free(b);
	return m;
}

static void banks_sorted_and_sparse(void **state)
{
	struct machine *m = sparse_machine();
	const struct hw_ram_bank *banks;

	assert_int_equal(hw_ram_banks(m, &banks), 2);
	assert_int_equal(banks[0].base, 0x80000000ull);
	assert_int_equal(banks[0].size, 0x7f000000ull);
	assert_int_equal(banks[1].base, 0x880000000ull);
	assert_int_equal(banks[1].size, 6 * GiB);
	assert_true(hw_mem_is_ram(m, 0x80000000, 4096));
	assert_false(hw_mem_is_ram(m, 0x7ffff000, 4096));
	assert_false(hw_mem_is_ram(m, 0xfeffffff, 2));   /* runs off the first bank */
	assert_true(hw_mem_is_ram(m, 0x880000000ull + 6 * GiB - 1, 1));
	assert_false(hw_mem_is_ram(m, ~0ull, 2));          /* wraps */
	machine_destroy(m);
}

static void frames_are_lazy_and_zero(void **state)
{
	struct machine *m = sparse_machine();
	struct hw_ram *hi = &m->ram[1];

	/* Nothing allocated for 8 GiB until touched. */
	for (u64 c = 0; c < (hi->nframes >> HW_CHUNK_SHIFT); c++)
		assert_null(hi->chunks[c]);
	u64 pa = 0x880000000ull + 5 * GiB + 0x123;
	char *p = hw_frame(m, pa);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	assert_ptr_equal(hw_frame(m, pa - 0x123), p - 0x123);  /* same page */
	size_t touched = 0;
	for (u64 c = 0; c < (hi->nframes >> HW_CHUNK_SHIFT); c++)
		touched += hi->chunks[c] != NULL;
	assert_int_equal(touched, 1);
	assert_null(hw_frame(m, 0x1000));
	machine_destroy(m);
}

static void read_write_across_pages(void **state)
{
	struct machine *m = sparse_machine();
	char buf[10000], back[10000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	assert_int_equal(hw_mem_write(m, 0x80000ffa, buf, sizeof(buf)), 0);
	assert_int_equal(hw_mem_read(m, 0x80000ffa, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	machine_destroy(m);
}

static void out_of_ram_moves_nothing(void **state)
{
	struct machine *m = sparse_machine();
	char buf[8192], back[8192];

	memset(buf, 0xab, sizeof(buf));
	memset(back, 0x5a, sizeof(back));
	/* Straddles the end of bank 0: must fail without writing the RAM part. */
	assert_int_equal(hw_mem_write(m, 0xfefff000, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(hw_mem_read(m, 0xfefff000, back, 4096), 0);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(back[i], 0);
	memset(back, 0x5a, sizeof(back));
	assert_int_equal(hw_mem_read(m, 0x1000, back, 16), -EFAULT);
	assert_int_equal(back[0], 0x5a);
	assert_int_equal(hw_mem_read(m, ~0ull - 4, back, 16), -EFAULT);
	machine_destroy(m);
}

static void alias_and_unalias(void **state)
{
	struct machine *m = sparse_machine();
	u64 pa = 0x80004000;
	char *lent = aligned_alloc(4096, 4096), got[8];

	assert_int_equal(hw_mem_write(m, pa, "before", 7), 0);
	memcpy(lent, "lender", 7);
	assert_int_equal(hw_frame_alias(m, pa, lent), 0);
	assert_ptr_equal(hw_frame(m, pa), lent);
	assert_int_equal(hw_mem_read(m, pa, got, 7), 0);
	assert_string_equal(got, "lender");
	assert_int_equal(hw_mem_write(m, pa, "device", 7), 0);
	assert_string_equal(lent, "device");
	assert_int_equal(hw_frame_alias(m, pa, lent), -EBUSY);
	assert_int_equal(hw_frame_unalias(m, pa), 0);
	assert_int_equal(hw_mem_read(m, pa, got, 7), 0);
	assert_string_equal(got, "before");   /* the old page came back */
	assert_string_equal(lent, "device");
	assert_int_equal(hw_frame_unalias(m, pa), -EINVAL);
	assert_int_equal(hw_frame_alias(m, pa + 1, lent), -EINVAL);
	assert_int_equal(hw_frame_alias(m, pa, lent + 1), -EINVAL);
	assert_int_equal(hw_frame_alias(m, 0x1000, lent), -EFAULT);
	/* An alias of a never-touched frame, left in place at destroy. */
	assert_int_equal(hw_frame_alias(m, 0x900000000ull, lent), 0);
	machine_destroy(m);
	free(lent);
}

static void memory_only_machine(void **state)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m = NULL;
	char why[128];

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", 0x40000000, 0x40000000);
	tfdt_node(b, "memory@0");
	tfdt_str(b, "device_type", "memory");
	tfdt_str(b, "status", "disabled");
	tfdt_cells(b, "reg", 4, 0, 0, 0, 0x1000);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(hw_ram_banks(m, NULL), 1);
	assert_non_null(machine_fdt(m));
	assert_ptr_not_equal(machine_fdt(m), b);   /* its own copy */
	free(b);
	machine_destroy(m);
}

static void overlapping_banks_refused(void **state)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m = (void *)1;
	char why[128];

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", 0x40000000, 0x40000000);
	tfdt_memory(b, "memory@60000000", 0x60000000, 0x1000);
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(why, "overlap"));
	free(b);
}

/* A machine with 1 GiB at 1 GiB and one of the buses below (@bus: 0 none, 1 to 3). */
static struct machine *window_machine(int bus)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m = NULL;
	char why[128];

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", 0x40000000, 0x40000000);
	if (bus == 1) {
		/* An identity-mapped bus: its device's registers at 40 GiB + 4 KiB. */
		tfdt_node(b, "soc");
		tfdt_u32(b, "#address-cells", 2);
		tfdt_u32(b, "#size-cells", 2);
		tfdt_empty(b, "ranges");
		tfdt_node(b, "dev@a00001000");
		tfdt_cells(b, "reg", 4, 0xa, 0x1000, 0x0, 0x1000);
		tfdt_end_node(b);
		tfdt_end_node(b);
	} else if (bus >= 2) {
		/* A host bridge's 64-bit window from 512 GiB: 256 GiB, or 260. */
		tfdt_node(b, "pcie");
		tfdt_u32(b, "#address-cells", 3);
		tfdt_u32(b, "#size-cells", 2);
		tfdt_cells(b, "ranges", 7, 0x03000000, 0x0, 0x0, 0x80, 0x0,
			   bus == 2 ? 0x40 : 0x41, 0x0);
		tfdt_end_node(b);
	}
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	free(b);
	return m;
}

/*
 * The user window lies above everything the tree decodes (machine.h): at
 * the next 1 GiB boundary up to 1 TiB, or 1 TiB at the next 1 TiB boundary
 * when that leaves less than 256 GiB.
 */
static void user_window_above_everything(void **state)
{
	static const struct { int bus; u64 base, size; } want[] = {
		{ 0, 2 * GiB, 1022 * GiB },
		{ 1, 41 * GiB, 983 * GiB },
		{ 2, 768 * GiB, 256 * GiB },
		{ 3, 1024 * GiB, 1024 * GiB },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct machine *m = window_machine(want[i].bus);
		u64 base, size;

		assert_int_equal(hw_user_window(m, &base, &size), 0);
		assert_int_equal(base, want[i].base);
		assert_int_equal(size, want[i].size);
		machine_destroy(m);
	}
}

/*
 * A window frame never lent is no memory (a bus access is refused); lent,
 * it is the lender's page; given back, host RAM nobody owns: reads and
 * writes land (a stale DMA is judged, not refused), and lending it again
 * shows the new lender's page.
 */
static void user_window_frames_once_lent(void **state)
{
	struct machine *m = window_machine(0);
	u64 base, size, v = 0x1122334455667788ull, got = 0;
	static u8 page[2][4096] __attribute__((aligned(4096)));

	assert_int_equal(hw_user_window(m, &base, &size), 0);
	assert_false(hw_mem_is_ram(m, base, 8));
	assert_null(hw_frame(m, base));
	assert_int_equal(hw_mem_write(m, base, &v, 8), -EFAULT);
	assert_int_equal(hw_frame_alias(m, base, page[0]), 0);
	assert_int_equal(hw_mem_write(m, base, &v, 8), 0);
	assert_memory_equal(page[0], &v, 8);
	assert_int_equal(hw_frame_unalias(m, base), 0);
	assert_true(hw_mem_is_ram(m, base, 4096));
	assert_false(hw_mem_is_ram(m, base, 8192));   /* the next frame was never lent */
	v = ~v;
	assert_int_equal(hw_mem_write(m, base, &v, 8), 0);
	assert_int_not_equal(memcmp(page[0], &v, 8), 0);   /* not the old lender's page */
	assert_int_equal(hw_mem_read(m, base, &got, 8), 0);
	assert_int_equal(got, v);
	assert_int_equal(hw_frame_alias(m, base, page[1]), 0);
	assert_int_equal(hw_mem_read(m, base, &got, 8), 0);
	assert_int_equal(got, 0);
	assert_int_equal(hw_frame_unalias(m, base), 0);
	/* Unowned again: a fresh zero page, not what the stale write left. */
	got = 1;
	assert_int_equal(hw_mem_read(m, base, &got, 8), 0);
	assert_int_equal(got, 0);
	machine_destroy(m);
}

/*
 * Frames of one 2 MiB chunk follow each other in the host (hw_internal.h),
 * so a DMA over physically contiguous frames is one copy; an alias stands
 * alone and leaves its neighbours in place.
 */
static void chunk_frames_follow_each_other(void **state)
{
	struct machine *m = sparse_machine();
	static u8 page[4096] __attribute__((aligned(4096)));
	u8 *f0 = hw_frame(m, 0x80200000), *f1 = hw_frame(m, 0x80201000);
	u8 *last = hw_frame(m, 0x803ff000), *next = hw_frame(m, 0x80400000);

	assert_non_null(f0);
	assert_ptr_equal(f1, f0 + 4096);
	assert_ptr_equal(last, f0 + 511 * 4096);
	assert_non_null(next);
	assert_ptr_equal(hw_frame(m, 0x80200123), f0 + 0x123);
	assert_int_equal(hw_frame_alias(m, 0x80201000, page), 0);
	assert_ptr_equal(hw_frame(m, 0x80201000), page);
	assert_ptr_equal(hw_frame(m, 0x80202000), f0 + 2 * 4096);
	assert_int_equal(hw_frame_unalias(m, 0x80201000), 0);
	assert_ptr_equal(hw_frame(m, 0x80201000), f1);
	machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(banks_sorted_and_sparse),
		cmocka_unit_test(frames_are_lazy_and_zero),
		cmocka_unit_test(read_write_across_pages),
		cmocka_unit_test(out_of_ram_moves_nothing),
		cmocka_unit_test(alias_and_unalias),
		cmocka_unit_test(memory_only_machine),
		cmocka_unit_test(overlapping_banks_refused),
		cmocka_unit_test(user_window_above_everything),
		cmocka_unit_test(user_window_frames_once_lent),
		cmocka_unit_test(chunk_frames_follow_each_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
