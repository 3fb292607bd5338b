/* The iommulab,dma-copy model, driven by raw register accesses as a driver would. */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"

#define RAM 0x40000000ull
#define DC0 0xa000000ull   /* direct to memory, SPI 16 */
#define DC1 0xa001000ull   /* behind the fake IOMMU, stream IDs 0x10 and 0x11 */

#define ID 0x000
#define VERSION 0x004
#define SRC_LO 0x008
#define SRC_HI 0x00c
#define DST_LO 0x010
#define DST_HI 0x014
#define LEN 0x018
#define SID_IDX 0x01c
#define CTRL 0x020
#define STATUS 0x024
#define ERR_ADDR_LO 0x028
#define ERR_ADDR_HI 0x02c
#define ERR_CODE 0x030

#define START 1
#define IRQ_EN 2
#define BUSY 1
#define DONE 2
#define ERROR 4

struct fake {
	struct hw_iommu iommu;
	u32 last_sid;
};

/* Identity for IOVAs in RAM, except the page at RAM + 0x50000 and stream 0x11 writes. */
static int fake_translate(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			  struct hw_xlate *out)
{
	struct fake *f = (struct fake *)iommu;

	f->last_sid = sid;
	if ((addr & ~0xfffull) == RAM + 0x50000 || (sid == 0x11 && acc == HW_WRITE)) {
		out->kind = HW_XLATE_FAULT;
		return -EFAULT;
	}
	out->kind = HW_XLATE_TRANSLATED;
	out->pa = addr;
	out->len = 0x1000 - (addr & 0xfff);
	return 0;
}

static const struct hw_iommu_ops fake_ops = { .translate = fake_translate };

struct sink {
	int changes;
	bool level;
};

static void sink(void *opaque, u32 intid, bool level)
{
	struct sink *s = opaque;

	if (intid == 32 + 16) {
		s->changes++;
		s->level = level;
	}
}

struct fx {
	struct machine *m;
	struct fake fake;
	struct sink sink;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t size;
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM, 0x2000000);
	tfdt_node(b, "gic");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	tfdt_node(b, "iommu");
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a000000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, (u32)DC0, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, 16, 4);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a001000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, (u32)DC1, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, 17, 4);
	tfdt_cells(b, "iommus", 4, 2, 0x10, 2, 0x11);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	if (machine_create(b, size, 1, &f->m, NULL, 0))
		return -1;
	free(b);
	f->fake.iommu = (struct hw_iommu){ &fake_ops,
					   fdt_path_offset(machine_fdt(f->m), "/iommu"), "fake" };
	hw_iommu_register(f->m, &f->fake.iommu);
	hw_irq_set_sink(f->m, sink, &f->sink);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	machine_destroy(f->m);
	free(f);
	return 0;
}

static u32 rd(struct fx *f, u64 dev, u64 off)
{
	u64 v;

	assert_int_equal(hw_mmio_read(f->m, dev + off, 4, &v), 0);
	return (u32)v;
}

static void wr(struct fx *f, u64 dev, u64 off, u32 v)
{
	assert_int_equal(hw_mmio_write(f->m, dev + off, 4, v), 0);
}

static void program(struct fx *f, u64 dev, u64 src, u64 dst, u32 len)
{
	wr(f, dev, SRC_LO, (u32)src);
	wr(f, dev, SRC_HI, (u32)(src >> 32));
	wr(f, dev, DST_LO, (u32)dst);
	wr(f, dev, DST_HI, (u32)(dst >> 32));
	wr(f, dev, LEN, len);
}

static void fill(struct fx *f, u64 pa, size_t len, int seed)
{
	char *buf = malloc(len);

	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i * 13 + (size_t)seed);
	assert_int_equal(hw_mem_write(f->m, pa, buf, len), 0);
	free(buf);
}

static bool same(struct fx *f, u64 a, u64 b, size_t len)
{
	char *x = malloc(len), *y = malloc(len);

	assert_int_equal(hw_mem_read(f->m, a, x, len), 0);
	assert_int_equal(hw_mem_read(f->m, b, y, len), 0);
	bool eq = !memcmp(x, y, len);
	free(x);
	free(y);
	return eq;
}

static bool zero(struct fx *f, u64 a, size_t len)
{
	char *x = calloc(1, len), *z = calloc(1, len);

	assert_int_equal(hw_mem_read(f->m, a, x, len), 0);
	bool eq = !memcmp(x, z, len);
	free(x);
	free(z);
	return eq;
}

static void identity(void **state)
{
	struct fx *f = *state;
	u64 v;

	assert_int_equal(rd(f, DC0, ID), 0x444d4143);
	assert_int_equal(rd(f, DC0, VERSION), 1);
	wr(f, DC0, ID, 0);
	assert_int_equal(rd(f, DC0, ID), 0x444d4143);
	assert_int_equal(rd(f, DC0, SID_IDX), 0);
	assert_int_equal(rd(f, DC0, STATUS), 0);
	/* A 64-bit access covers a LO/HI pair. */
	assert_int_equal(hw_mmio_write(f->m, DC0 + SRC_LO, 8, 0x123456789abcdef0ull), 0);
	assert_int_equal(rd(f, DC0, SRC_HI), 0x12345678);
	assert_int_equal(hw_mmio_read(f->m, DC0 + SRC_LO, 8, &v), 0);
	assert_int_equal(v, 0x123456789abcdef0ull);
}

static void copy_done_irq_w1c(void **state)
{
	struct fx *f = *state;
	u32 len = 0x2800;
	u64 t0 = hw_now(f->m);

	fill(f, RAM + 0x1000, len, 1);
	program(f, DC0, RAM + 0x1000, RAM + 0x100000, len);
	wr(f, DC0, CTRL, START | IRQ_EN);
	assert_int_equal(rd(f, DC0, CTRL), IRQ_EN);   /* START reads 0 */
	assert_int_equal(rd(f, DC0, STATUS), BUSY);
	/* 1 us + 1 ns per 4 bytes. */
	hw_run_until(f->m, t0 + 1000 + len / 4 - 1);
	assert_int_equal(rd(f, DC0, STATUS), BUSY);
	assert_true(zero(f, RAM + 0x100000, len));
	hw_run_until(f->m, t0 + 1000 + len / 4);
	assert_int_equal(rd(f, DC0, STATUS), DONE);
	assert_int_equal(rd(f, DC0, ERR_CODE), 0);
	assert_true(same(f, RAM + 0x1000, RAM + 0x100000, len));
	assert_true(f->sink.level);
	assert_true(hw_irq_level(f->m, 48));
	/* Writing 0 changes nothing; writing 1 clears DONE and drops the line. */
	wr(f, DC0, STATUS, 0);
	assert_int_equal(rd(f, DC0, STATUS), DONE);
	wr(f, DC0, STATUS, DONE | BUSY);
	assert_int_equal(rd(f, DC0, STATUS), 0);
	assert_false(f->sink.level);
	assert_int_equal(f->sink.changes, 2);
}

static void irq_follows_irq_en(void **state)
{
	struct fx *f = *state;

	program(f, DC0, RAM, RAM + 0x10000, 64);
	wr(f, DC0, CTRL, START);
	hw_run_until_idle(f->m);
	assert_int_equal(rd(f, DC0, STATUS), DONE);
	assert_false(hw_irq_level(f->m, 48));
	wr(f, DC0, CTRL, IRQ_EN);     /* enabling with DONE pending raises it */
	assert_true(hw_irq_level(f->m, 48));
	wr(f, DC0, CTRL, 0);
	assert_false(hw_irq_level(f->m, 48));
}

static void start_while_busy_ignored(void **state)
{
	struct fx *f = *state;

	fill(f, RAM + 0x4000, 0x100, 2);
	fill(f, RAM + 0x8000, 0x100, 3);
	program(f, DC0, RAM + 0x4000, RAM + 0x200000, 0x100);
	wr(f, DC0, CTRL, START);
	wr(f, DC0, SRC_LO, (u32)(RAM + 0x8000));
	wr(f, DC0, CTRL, START);      /* ignored: the first transfer is latched */
	assert_int_equal(hw_events_pending(f->m), 1);
	hw_run_until_idle(f->m);
	assert_true(same(f, RAM + 0x4000, RAM + 0x200000, 0x100));
	assert_int_equal(rd(f, DC0, STATUS), DONE);
	assert_int_equal(rd(f, DC0, SRC_LO), (u32)(RAM + 0x8000));
}

static void bad_length(void **state)
{
	struct fx *f = *state;
	static const u32 lens[] = { 0, (16u << 20) + 1, 0xffffffff };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		program(f, DC0, RAM, RAM + 0x300000, lens[i]);
		wr(f, DC0, CTRL, START | IRQ_EN);
		assert_int_equal(rd(f, DC0, STATUS), DONE | ERROR);
		assert_int_equal(rd(f, DC0, ERR_CODE), 3);
		assert_true(hw_irq_level(f->m, 48));
		assert_int_equal(hw_events_pending(f->m), 0);
		wr(f, DC0, STATUS, DONE | ERROR);
		assert_false(hw_irq_level(f->m, 48));
	}
	/* 16 MiB exactly is accepted. */
	program(f, DC0, RAM, RAM + 0x1000000, 16u << 20);
	wr(f, DC0, CTRL, START);
	assert_int_equal(rd(f, DC0, STATUS), BUSY);
	hw_run_until_idle(f->m);
	assert_int_equal(rd(f, DC0, STATUS), DONE);
	assert_int_equal(rd(f, DC0, ERR_CODE), 0);
}

static void faults_through_iommu(void **state)
{
	struct fx *f = *state;

	/* Read fault in the last page of the source: nothing written at all. */
	fill(f, RAM + 0x4e000, 0x2000, 4);
	program(f, DC1, RAM + 0x4e000, RAM + 0x400000, 0x2100);
	wr(f, DC1, CTRL, START);
	hw_run_until_idle(f->m);
	assert_int_equal(rd(f, DC1, STATUS), DONE | ERROR);
	assert_int_equal(rd(f, DC1, ERR_CODE), 1);
	assert_int_equal(rd(f, DC1, ERR_ADDR_LO), (u32)(RAM + 0x50000));
	assert_int_equal(rd(f, DC1, ERR_ADDR_HI), 0);
	assert_true(zero(f, RAM + 0x400000, 0x2100));
	assert_int_equal(f->fake.last_sid, 0x10);

	/* Write fault: destination untouched. */
	wr(f, DC1, STATUS, DONE | ERROR);
	assert_int_equal(hw_mem_write(f->m, RAM + 0x4f800, "untouched", 10), 0);
	program(f, DC1, RAM + 0x4e000, RAM + 0x4f800, 0x1000);
	wr(f, DC1, CTRL, START);
	hw_run_until_idle(f->m);
	assert_int_equal(rd(f, DC1, ERR_CODE), 2);
	assert_int_equal(rd(f, DC1, ERR_ADDR_LO), (u32)(RAM + 0x50000));
	char got[10];
	assert_int_equal(hw_mem_read(f->m, RAM + 0x4f800, got, 10), 0);
	assert_string_equal(got, "untouched");

	/* A good transfer clears ERR_CODE. */
	wr(f, DC1, STATUS, DONE | ERROR);
	program(f, DC1, RAM + 0x4e000, RAM + 0x500000, 0x800);
	wr(f, DC1, CTRL, START);
	hw_run_until_idle(f->m);
	assert_int_equal(rd(f, DC1, STATUS), DONE);
	assert_int_equal(rd(f, DC1, ERR_CODE), 0);
	assert_true(same(f, RAM + 0x4e000, RAM + 0x500000, 0x800));
}

struct seen {
	enum hw_access acc[64];
	enum hw_xlate_kind kind[64];
	u64 addr[64];
	int n;
};

static void seen_dma(void *opaque, const struct hw_dma_event *ev)
{
	struct seen *s = opaque;

	if (s->n < 64) {
		s->acc[s->n] = ev->acc;
		s->kind[s->n] = ev->xl.kind;
		s->addr[s->n] = ev->addr;
	}
	s->n++;
}

/* The engine's copy of @len bytes on @dev's stream @sid_idx, run to the end. */
static u32 run(struct fx *f, u64 dev, u32 sid_idx, u64 src, u64 dst, u32 len)
{
	wr(f, dev, STATUS, DONE | ERROR);
	program(f, dev, src, dst, len);
	wr(f, dev, SID_IDX, sid_idx);
	wr(f, dev, CTRL, START);
	hw_run_until_idle(f->m);
	return rd(f, dev, ERR_CODE);
}

/*
 * Where source and destination are each one run of host memory (frames
 * lent by one buffer) the bytes move once, source to destination: the
 * result is still that of reading all the source first (overlaps), the
 * observations those of a read then a write, a write fault leaves the
 * destination as it was; scattered frames on either side go through the
 * bounce buffer.
 */
static void direct_copy_same_as_bounce(void **state)
{
	struct fx *f = *state;
	const size_t win = 8 * 4096;
	char *lent = aligned_alloc(4096, win), *want = malloc(win);
	u64 pa = RAM + 0x100000;
	struct seen seen = { .n = 0 };

	for (size_t i = 0; i < 8; i++)
		assert_int_equal(hw_frame_alias(f->m, pa + i * 4096, lent + i * 4096), 0);
	hw_set_dma_observer(f->m, seen_dma, &seen);

	/* Overlapping, forwards and backwards: as if through a buffer. */
	for (size_t i = 0; i < win; i++)
		lent[i] = (char)(i * 13 + (i >> 12));
	memcpy(want, lent, win);
	memmove(want + 0x800, want, 0x3000);
	assert_int_equal(run(f, DC0, 0, pa, pa + 0x800, 0x3000), 0);
	assert_memory_equal(lent, want, win);
	assert_int_equal(seen.n, 3 + 4);   /* 3 read pieces, then 4 written */
	for (int i = 0; i < 7; i++)
		assert_int_equal(seen.acc[i], i < 3 ? HW_READ : HW_WRITE);
	assert_int_equal(seen.addr[0], pa);
	assert_int_equal(seen.addr[3], pa + 0x800);
	assert_int_equal(seen.addr[4], pa + 0x1000);
	memmove(want + 0x400, want + 0x1000, 0x4000);
	assert_int_equal(run(f, DC0, 0, pa + 0x1000, pa + 0x400, 0x4000), 0);
	assert_memory_equal(lent, want, win);

	/* A write fault (stream 0x11 writes fault): the reads observed, then the fault. */
	seen.n = 0;
	assert_int_equal(run(f, DC1, 1, pa, pa + 0x4000, 0x2000), 2);
	assert_int_equal(rd(f, DC1, ERR_ADDR_LO), (u32)(pa + 0x4000));
	assert_memory_equal(lent, want, win);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.acc[1], HW_READ);
	assert_int_equal(seen.acc[2], HW_WRITE);
	assert_int_equal(seen.kind[2], HW_XLATE_FAULT);
	/* ... and a read fault: only the fault observed, nothing written. */
	seen.n = 0;
	assert_int_equal(run(f, DC1, 0, RAM + 0x4f000, pa, 0x2000), 1);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.kind[0], HW_XLATE_FAULT);
	assert_memory_equal(lent, want, win);

	/* One side scattered over separate frames: through the bounce buffer. */
	fill(f, RAM + 0x600000, 0x3000, 9);
	assert_int_equal(run(f, DC0, 0, RAM + 0x600000, pa + 0x100, 0x3000), 0);
	assert_true(same(f, RAM + 0x600000, pa + 0x100, 0x3000));
	fill(f, pa, 0x2000, 3);
	assert_int_equal(run(f, DC1, 0, pa + 0x10, RAM + 0x700000, 0x1ff0), 0);
	assert_true(same(f, pa + 0x10, RAM + 0x700000, 0x1ff0));

	hw_set_dma_observer(f->m, NULL, NULL);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(hw_frame_unalias(f->m, pa + i * 4096), 0);
	free(lent);
	free(want);
}

static void sid_idx_selects_stream(void **state)
{
	struct fx *f = *state;

	wr(f, DC1, SID_IDX, 1);
	program(f, DC1, RAM, RAM + 0x600000, 0x10);
	wr(f, DC1, CTRL, START);
	hw_run_until_idle(f->m);
	assert_int_equal(f->fake.last_sid, 0x11);
	assert_int_equal(rd(f, DC1, ERR_CODE), 2);   /* the fake refuses writes from 0x11 */

	/* An index past the device's stream IDs: refused without a transfer. */
	wr(f, DC1, STATUS, DONE | ERROR);
	f->fake.last_sid = 0;
	wr(f, DC1, SID_IDX, 2);
	wr(f, DC1, CTRL, START);
	assert_int_equal(rd(f, DC1, STATUS), DONE | ERROR);
	assert_int_equal(rd(f, DC1, ERR_CODE), 4);
	assert_int_equal(f->fake.last_sid, 0);

	/* The master without stream IDs: index 0 only. */
	wr(f, DC0, SID_IDX, 1);
	program(f, DC0, RAM, RAM + 0x10, 0x10);
	wr(f, DC0, CTRL, START);
	assert_int_equal(rd(f, DC0, ERR_CODE), 4);
}

static void destroy_while_busy(void **state)
{
	struct fx *f = *state;

	program(f, DC0, RAM, RAM + 0x10000, 0x1000);
	wr(f, DC0, CTRL, START);
	assert_int_equal(rd(f, DC0, STATUS), BUSY);
	/* teardown destroys the machine with the copy pending: no leak, no use after free */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(identity),
		T(copy_done_irq_w1c),
		T(irq_follows_irq_en),
		T(start_while_busy_ignored),
		T(bad_length),
		T(faults_through_iommu),
		T(direct_copy_same_as_bounce),
		T(sid_idx_selects_stream),
		T(destroy_while_busy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
