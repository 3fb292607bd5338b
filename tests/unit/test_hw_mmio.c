/* MMIO dispatch: sorted regions, overlap refusal, sizes, unmapped accesses. */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"

struct regs {
	u64 last_off, last_val;
	unsigned last_size, reads, writes;
};

static u64 rd(void *opaque, u64 off, unsigned size)
{
	struct regs *r = opaque;

	r->reads++;
	r->last_off = off;
	r->last_size = size;
	return 0x1122334455667788ull + off;
}

static void wr(void *opaque, u64 off, u64 val, unsigned size)
{
	struct regs *r = opaque;

	r->writes++;
	r->last_off = off;
	r->last_val = val;
	r->last_size = size;
}

static const struct hw_mmio_ops ops = { .read = rd, .write = wr };

static struct machine *ram_machine(void)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m;

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", 0x40000000, 0x10000000);
	tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 7, &m, NULL, 0), 0);
	free(b);
	return m;
}

static void dispatch_and_sizes(void **state)
{
	struct machine *m = ram_machine();
	struct regs a = { 0 }, b = { 0 }, c = { 0 };
	u64 v;

	/* Mapped out of order: lookups still find each. */
	assert_int_equal(hw_mmio_map(m, 0x9000000, 0x1000, &ops, &b, "b"), 0);
	assert_int_equal(hw_mmio_map(m, 0x8000000, 0x1000, &ops, &a, "a"), 0);
	assert_int_equal(hw_mmio_map(m, 0xa000000, 0x1000, &ops, &c, "c"), 0);
	assert_int_equal(hw_mmio_read(m, 0x9000010, 4, &v), 0);
	assert_int_equal(b.reads, 1);
	assert_int_equal(b.last_off, 0x10);
	assert_int_equal(v, 0x55667798ull);   /* truncated to the access size */
	assert_int_equal(hw_mmio_read(m, 0x8000ff8, 8, &v), 0);
	assert_int_equal(v, 0x1122334455667788ull + 0xff8);
	assert_int_equal(hw_mmio_read(m, 0xa000001, 1, &v), 0);
	assert_int_equal(v, 0x89);
	assert_int_equal(hw_mmio_write(m, 0xa000002, 2, 0x123456), 0);
	assert_int_equal(c.last_val, 0x3456);
	assert_int_equal(c.last_size, 2);
	assert_string_equal(hw_mmio_name(m, 0xa000fff), "c");
	assert_null(hw_mmio_name(m, 0xa001000));
	/* Bad sizes, and accesses running off a region's end. */
	assert_int_equal(hw_mmio_read(m, 0x9000000, 3, &v), -EINVAL);
	assert_int_equal(hw_mmio_write(m, 0x9000000, 16, 0), -EINVAL);
	assert_int_equal(hw_mmio_read(m, 0x9000ffe, 4, &v), -EFAULT);
	assert_int_equal(b.reads, 1);
	machine_destroy(m);
}

static void unmapped_reads_all_ones(void **state)
{
	struct machine *m = ram_machine();
	u64 v = 0;

	assert_int_equal(hw_mmio_read(m, 0x1000, 4, &v), -EFAULT);
	assert_int_equal(v, 0xffffffffull);
	assert_int_equal(hw_mmio_read(m, 0x1000, 8, &v), -EFAULT);
	assert_int_equal(v, ~0ull);
	assert_int_equal(hw_mmio_read(m, 0x1000, 2, NULL), -EFAULT);
	assert_int_equal(hw_mmio_write(m, 0x1000, 4, 1), -EFAULT);
	machine_destroy(m);
}

static void overlaps_refused(void **state)
{
	struct machine *m = ram_machine();
	struct regs r = { 0 };
	u64 v;

	assert_int_equal(hw_mmio_map(m, 0x9000000, 0x2000, &ops, &r, "x"), 0);
	assert_int_equal(hw_mmio_map(m, 0x9001000, 0x1000, &ops, &r, "in"), -EBUSY);
	assert_int_equal(hw_mmio_map(m, 0x8fff000, 0x2000, &ops, &r, "lo"), -EBUSY);
	assert_int_equal(hw_mmio_map(m, 0x8000000, 0x2000000, &ops, &r, "over"), -EBUSY);
	assert_int_equal(hw_mmio_map(m, 0x9001fff, 1, &ops, &r, "last"), -EBUSY);
	assert_int_equal(hw_mmio_map(m, 0x9002000, 0x1000, &ops, &r, "adjacent"), 0);
	assert_int_equal(hw_mmio_map(m, 0x8fff000, 0x1000, &ops, &r, "below"), 0);
	/* Over RAM, empty, wrapping, or without ops. */
	assert_int_equal(hw_mmio_map(m, 0x4ffff000, 0x2000, &ops, &r, "ram"), -EBUSY);
	assert_int_equal(hw_mmio_map(m, 0x1000, 0, &ops, &r, "empty"), -EINVAL);
	assert_int_equal(hw_mmio_map(m, ~0ull - 0xfff, 0x2000, &ops, &r, "wrap"), -EINVAL);
	assert_int_equal(hw_mmio_map(m, 0x1000, 0x1000, NULL, &r, "noops"), -EINVAL);
	/* Refusals changed nothing. */
	assert_string_equal(hw_mmio_name(m, 0x9001000), "x");
	assert_int_equal(hw_mmio_read(m, 0x1000, 4, &v), -EFAULT);
	assert_int_equal(hw_mmio_unmap(m, 0x9000000), 0);
	assert_int_equal(hw_mmio_unmap(m, 0x9000000), -ENOENT);
	assert_int_equal(hw_mmio_read(m, 0x9000000, 4, &v), -EFAULT);
	assert_int_equal(hw_mmio_map(m, 0x9001000, 0x1000, &ops, &r, "in"), 0);
	machine_destroy(m);
}

static void many_regions(void **state)
{
	struct machine *m = ram_machine();
	static struct regs r[500];
	u64 v;

	for (int i = 499; i >= 0; i--)
		assert_int_equal(hw_mmio_map(m, 0x100000000ull + (u64)i * 0x2000, 0x1000, &ops, &r[i],
					     "r"), 0);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(hw_mmio_read(m, 0x100000000ull + (u64)i * 0x2000 + 4, 4, &v), 0);
		assert_int_equal(r[i].reads, 1);
		assert_int_equal(hw_mmio_read(m, 0x100001000ull + (u64)i * 0x2000, 4, &v), -EFAULT);
	}
	machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dispatch_and_sizes),
		cmocka_unit_test(unmapped_reads_all_ones),
		cmocka_unit_test(overlaps_refused),
		cmocka_unit_test(many_regions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
