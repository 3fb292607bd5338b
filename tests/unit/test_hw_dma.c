/*
 * The DMA path: masters and their stream IDs from `iommus` and legacy
 * `mmu-masters` (the platform fabric), routing to a registered IOMMU,
 * all-or-nothing transfers and the observer tap.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"

#define RAM 0x40000000ull

/* Fake IOMMU: IOVA 0x10000.. maps to RAM + iova; page 0x13000 faults; 0x30000 -> non-RAM. */
struct fake {
	struct hw_iommu iommu;
	int calls;
};

static int fake_translate(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			  struct hw_xlate *out)
{
	struct fake *f = (struct fake *)iommu;

	f->calls++;
	if ((sid != 0x10 && sid != 0x11) || (addr >= 0x13000 && addr < 0x14000)) {
		out->kind = HW_XLATE_FAULT;
		return -EFAULT;
	}
	if (addr >= 0x30000 && addr < 0x31000) {
		out->kind = HW_XLATE_TRANSLATED;
		out->pa = 0x1000 + (addr & 0xfff);
		out->len = 0x1000 - (addr & 0xfff);
		return 0;
	}
	if (addr < 0x10000 || addr >= 0x20000) {
		out->kind = HW_XLATE_FAULT;
		return -EFAULT;
	}
	out->kind = HW_XLATE_TRANSLATED;
	out->pa = RAM + addr;
	out->len = 0x1000 - (addr & 0xfff);
	out->domain_tag = sid;
	return 0;
}

static const struct hw_iommu_ops fake_ops = { .translate = fake_translate };

/* What the master's fabric gives its stream @stream: the stream ID and IOMMU. */
static u32 sid_of(struct hw_dma_master *d, unsigned stream)
{
	struct hw_route r;

	assert_int_equal(hw_master_route(d, stream, 0, HW_READ, &r), 0);
	assert_int_equal(r.kind, HW_ROUTE_UPSTREAM);
	return r.sid;
}

static struct hw_iommu *iommu_of(struct hw_dma_master *d)
{
	struct hw_route r;

	assert_int_equal(hw_master_route(d, 0, 0, HW_READ, &r), 0);
	return r.iommu;
}

static void *test_tree(size_t *size)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", RAM, 0x1000000);
	tfdt_node(b, "iommu@9000000");           /* no model: the test registers one */
	tfdt_str(b, "compatible", "test,fake-iommu");
	tfdt_u32(b, "#iommu-cells", 2);
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	tfdt_node(b, "iommu@9100000");
	tfdt_str(b, "compatible", "test,fake-iommu");
	tfdt_str(b, "status", "disabled");
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "smmu@9200000");            /* legacy binding */
	tfdt_str(b, "compatible", "test,legacy-smmu");
	tfdt_cells(b, "mmu-masters", 4, 3, 0x20, 0x21, 0x22);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a000000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0xa000000, 0, 0x1000);
	tfdt_cells(b, "iommus", 6, 1, 0x10, 0x0, 1, 0x11, 0xf0);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a001000");             /* no IOMMU: straight to memory */
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0xa001000, 0, 0x1000);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a002000");             /* behind a disabled IOMMU */
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0xa002000, 0, 0x1000);
	tfdt_cells(b, "iommus", 2, 2, 0x5);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a003000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0xa003000, 0, 0x1000);
	tfdt_u32(b, "#stream-id-cells", 3);
	tfdt_u32(b, "phandle", 3);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a004000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_str(b, "status", "disabled");
	tfdt_cells(b, "reg", 4, 0, 0xa004000, 0, 0x1000);
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

struct obs {
	struct hw_dma_event ev[64];
	int n;
};

static void observer(void *opaque, const struct hw_dma_event *ev)
{
	struct obs *o = opaque;

	if (o->n < 64)
		o->ev[o->n] = *ev;
	o->n++;
}

struct fixture {
	struct machine *m;
	struct fake fake;
	struct obs obs;
	struct hw_dma_master *dma0;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t size;
	void *b = test_tree(&size);
	char why[200];

	if (machine_create(b, size, 1, &f->m, why, sizeof(why)))
		return -1;
	free(b);
	const void *fdt = machine_fdt(f->m);
	f->fake.iommu = (struct hw_iommu){ &fake_ops, fdt_path_offset(fdt, "/iommu@9000000"),
					   "fake" };
	hw_iommu_register(f->m, &f->fake.iommu);
	hw_set_dma_observer(f->m, observer, &f->obs);
	f->dma0 = hw_master_by_name(f->m, "/dma@a000000");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	machine_destroy(f->m);
	free(f);
	return 0;
}

static void masters_and_stream_ids(void **state)
{
	struct fixture *f = *state;
	struct machine *m = f->m;
	const void *fdt = machine_fdt(m);

	struct hw_dma_master *d = f->dma0;
	assert_non_null(d);
	assert_ptr_equal(iommu_of(d), &f->fake.iommu);
	assert_int_equal(hw_master_nr_streams(d), 2);   /* 2-cell specifiers: the IDs */
	assert_int_equal(sid_of(d, 0), 0x10);
	assert_int_equal(sid_of(d, 1), 0x11);
	struct master_id id = master_id_platform(fdt_path_offset(fdt, "/dma@a000000"));
	assert_ptr_equal(hw_master_by_id(m, &id), d);

	d = hw_master_by_name(m, "/dma@a001000");
	assert_non_null(d);
	assert_null(iommu_of(d));
	assert_int_equal(hw_master_nr_streams(d), 1);   /* no IDs: one stream, ID 0 */
	assert_int_equal(sid_of(d, 0), 0);

	d = hw_master_by_name(m, "/dma@a002000");   /* IOMMU disabled: direct */
	assert_null(iommu_of(d));
	assert_int_equal(hw_master_nr_streams(d), 1);

	d = hw_master_by_name(m, "/dma@a003000");   /* legacy mmu-masters */
	assert_int_equal(hw_master_nr_streams(d), 3);
	assert_int_equal(sid_of(d, 2), 0x22);
	assert_null(iommu_of(d));                  /* no model for the legacy SMMU */

	assert_null(hw_master_by_name(m, "/dma@a004000"));   /* disabled: no model */
	assert_null(hw_master_by_name(m, "/nope"));
	id = master_id_platform(0);
	assert_null(hw_master_by_id(m, &id));
}

static void translated_dma(void **state)
{
	struct fixture *f = *state;
	char buf[0x2000], back[0x2000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;
	/* 0x11800..0x13800 crosses into the faulting page: nothing written. */
	assert_int_equal(hw_dma(f->m, f->dma0, 0x11800, buf, sizeof(buf), HW_WRITE), -EFAULT);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x11800, back, 0x1800), 0);
	for (int i = 0; i < 0x1800; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(f->obs.n, 1);   /* the fault, reported once */
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_FAULT);
	assert_int_equal(f->obs.ev[0].addr, 0x13000);

	u64 fault = 0;
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 0, 0x12ff0, buf, 0x20, HW_READ, &fault),
			 -EFAULT);
	assert_int_equal(fault, 0x13000);

	/* Pages that translate: moved, each page reported. */
	f->obs.n = 0;
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 1, 0x10800, buf, sizeof(buf), HW_WRITE, NULL),
			 0);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x10800, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	assert_int_equal(f->obs.n, 3);
	assert_int_equal(f->obs.ev[0].len, 0x800);
	assert_int_equal(f->obs.ev[1].addr, 0x11000);
	assert_int_equal(f->obs.ev[1].xl.pa, RAM + 0x11000);
	assert_int_equal(f->obs.ev[2].len, 0x800);
	assert_int_equal(f->obs.ev[1].sid, 0x11);
	assert_ptr_equal(f->obs.ev[1].master, f->dma0);

	memset(back, 0, sizeof(back));
	assert_int_equal(hw_dma(f->m, f->dma0, 0x10800, back, sizeof(back), HW_READ), 0);
	assert_memory_equal(buf, back, sizeof(buf));

	/* A stream the master does not have is no transaction at all. */
	f->obs.n = 0;
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 2, 0x10800, back, 16, HW_READ, NULL),
			 -EINVAL);
	assert_int_equal(f->obs.n, 0);
}

static void bus_error_and_bad_args(void **state)
{
	struct fixture *f = *state;
	char buf[16] = "x";

	/* Translates to an address that is not RAM: a bus error, reported, nothing moved. */
	f->obs.n = 0;
	assert_int_equal(hw_dma(f->m, f->dma0, 0x30000, buf, 16, HW_WRITE), -EFAULT);
	assert_int_equal(f->obs.n, 1);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_FAULT);
	assert_int_equal(f->obs.ev[0].xl.pa, 0x1000);

	assert_int_equal(hw_dma(f->m, NULL, 0, buf, 1, HW_READ), -EINVAL);
	assert_int_equal(hw_dma(f->m, f->dma0, 0x10000, buf, 1, 0), -EINVAL);
	assert_int_equal(hw_dma(f->m, f->dma0, 0x10000, NULL, 1, HW_READ), -EINVAL);
	assert_int_equal(hw_dma(f->m, f->dma0, 0x10000, buf, 0, HW_READ), 0);
	assert_int_equal(hw_dma(f->m, f->dma0, ~0ull - 4, buf, 16, HW_READ), -EFAULT);
}

static void direct_dma(void **state)
{
	struct fixture *f = *state;
	struct hw_dma_master *d = hw_master_by_name(f->m, "/dma@a001000");
	char buf[0x3000], back[0x3000];

	memset(buf, 0x5c, sizeof(buf));
	f->obs.n = 0;
	assert_int_equal(hw_dma(f->m, d, RAM + 0x100, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x100, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	assert_int_equal(f->obs.n, 4);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_DIRECT);
	assert_int_equal(f->obs.ev[0].xl.pa, RAM + 0x100);
	/* Straddling the end of RAM: nothing moves. */
	memset(back, 0, sizeof(back));
	assert_int_equal(hw_mem_write(f->m, RAM + 0xfff000, back, 0x1000), 0);
	assert_int_equal(hw_dma(f->m, d, RAM + 0xfff000, buf, 0x2000, HW_WRITE), -EFAULT);
	assert_int_equal(hw_mem_read(f->m, RAM + 0xfff000, back, 0x1000), 0);
	assert_int_equal(back[0], 0);
}

/* A 16 MiB transfer needs more segments than the stack array: all of them moved. */
static void large_dma(void **state)
{
	struct fixture *f = *state;
	struct hw_dma_master *d = hw_master_by_name(f->m, "/dma@a001000");
	size_t len = 0xff0000;
	char *buf = malloc(len), *back = malloc(len);

	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i >> 12);
	assert_int_equal(hw_dma(f->m, d, RAM + 0x8000, buf, len, HW_WRITE), 0);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x8000, back, len), 0);
	assert_memory_equal(buf, back, len);
	free(buf);
	free(back);
}

/*
 * Transfers over 8 pages reuse the machine's piece list: shrinking, growing
 * and again, each moves exactly its bytes.
 */
static void long_dmas_reuse_pieces(void **state)
{
	struct fixture *f = *state;
	struct hw_dma_master *d = hw_master_by_name(f->m, "/dma@a001000");
	static const size_t pages[] = { 40, 3, 20, 600, 9, 130 };
	size_t max = 600 * 4096;
	char *buf = malloc(max), *back = malloc(max);

	for (size_t r = 0; r < ARRAY_SIZE(pages); r++) {
		size_t len = pages[r] * 4096 - 8;

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(i >> 12 ^ r);
		assert_int_equal(hw_dma(f->m, d, RAM + 0x100008, buf, len, HW_WRITE), 0);
		assert_int_equal(hw_mem_read(f->m, RAM + 0x100008, back, len), 0);
		assert_memory_equal(buf, back, len);
		memset(back, 0, len);
		assert_int_equal(hw_dma(f->m, d, RAM + 0x100008, back, len, HW_READ), 0);
		assert_memory_equal(buf, back, len);
	}
	free(buf);
	free(back);
}

/*
 * Frames whose host pages follow each other (lent by one buffer) move in one
 * copy; a frame lent out of order breaks the run. Each byte lands in its own
 * frame, and every piece is still observed, in order.
 */
static void host_runs_move_together(void **state)
{
	struct fixture *f = *state;
	struct hw_dma_master *d = hw_master_by_name(f->m, "/dma@a001000");
	char *lent = aligned_alloc(4096, 4 * 4096), buf[3 * 4096], back[3 * 4096];
	u64 pa = RAM + 0x200000;

	memset(lent, 0, 4 * 4096);
	/* Frames 0 and 1 on host pages 1 and 2, frame 2 on host page 0. */
	assert_int_equal(hw_frame_alias(f->m, pa, lent + 4096), 0);
	assert_int_equal(hw_frame_alias(f->m, pa + 0x1000, lent + 2 * 4096), 0);
	assert_int_equal(hw_frame_alias(f->m, pa + 0x2000, lent), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + (i >> 12));
	f->obs.n = 0;
	assert_int_equal(hw_dma(f->m, d, pa + 0x10, buf, sizeof(buf) - 0x20, HW_WRITE), 0);
	assert_memory_equal(lent + 4096 + 0x10, buf, 2 * 4096 - 0x10);
	assert_memory_equal(lent, buf + 2 * 4096 - 0x10, 4096 - 0x10);
	assert_int_equal(lent[4096 - 0x10], 0);   /* past the end: untouched */
	assert_int_equal(f->obs.n, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->obs.ev[i].addr, i ? pa + i * 0x1000 : pa + 0x10);
	memset(back, 0, sizeof(back));
	assert_int_equal(hw_dma(f->m, d, pa + 0x10, back, sizeof(back) - 0x20, HW_READ), 0);
	assert_memory_equal(back, buf, sizeof(buf) - 0x20);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hw_frame_unalias(f->m, pa + i * 0x1000), 0);
	free(lent);
}

/* A long DMA started while another moves its bytes: it does not share the list. */
struct nest {
	struct machine *m;
	struct hw_dma_master *d;
	int calls;
	char inner[20 * 4096];
};

static void nesting_observer(void *opaque, const struct hw_dma_event *ev)
{
	struct nest *n = opaque;

	(void)ev;
	if (n->calls++ == 1)   /* the outer DMA's second piece */
		assert_int_equal(hw_dma(n->m, n->d, RAM + 0x800000, n->inner, sizeof(n->inner),
					HW_WRITE), 0);
}

static void nested_long_dma(void **state)
{
	struct fixture *f = *state;
	static struct nest n;
	size_t len = 30 * 4096;
	char *buf = malloc(len), *back = malloc(len);

	n = (struct nest){ .m = f->m, .d = hw_master_by_name(f->m, "/dma@a001000") };
	memset(n.inner, 0x5a, sizeof(n.inner));
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)(i >> 12);
	/* The machine has a piece list already, sized for 30 pages. */
	assert_int_equal(hw_dma(f->m, n.d, RAM + 0x100000, buf, len, HW_WRITE), 0);
	memset(buf, 0x33, 4096);
	hw_set_dma_observer(f->m, nesting_observer, &n);
	assert_int_equal(hw_dma(f->m, n.d, RAM + 0x100000, buf, len, HW_WRITE), 0);
	assert_int_equal(n.calls, 30 + 20);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x100000, back, len), 0);
	assert_memory_equal(buf, back, len);
	assert_int_equal(hw_mem_read(f->m, RAM + 0x800000, back, sizeof(n.inner)), 0);
	assert_memory_equal(n.inner, back, sizeof(n.inner));
	free(buf);
	free(back);
}

extern const char lab_platform_virt_start[], lab_platform_virt_end[];

/* The built-in platform: every enabled dma-copy is a master routed to the SMMU model. */
static void builtin_platform_masters(void **state)
{
	struct machine *m;
	char why[200];
	size_t size = (size_t)(lab_platform_virt_end - lab_platform_virt_start);

	assert_int_equal(machine_create(lab_platform_virt_start, size, 1, &m, why, sizeof(why)), 0);
	const void *fdt = machine_fdt(m);
	int smmu = fdt_path_offset(fdt, "/iommu@9050000");
	static const struct { const char *path; u32 sid; } want[] = {
		{ "/soc/dma@0", 0x100 }, { "/soc/dma@1000", 0x101 },
		{ "/soc/dma@2000", 0x200 }, { "/soc/dma@3000", 0x200 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct hw_dma_master *d = hw_master_by_name(m, want[i].path);

		assert_non_null(d);
		assert_int_equal(hw_master_nr_streams(d), 1);
		assert_int_equal(sid_of(d, 0), want[i].sid);
		assert_non_null(iommu_of(d));
		assert_int_equal(iommu_of(d)->fdt_node, smmu);
		assert_int_equal(d->id.bus, MASTER_BUS_PLATFORM);
		assert_int_equal(d->id.node, fdt_path_offset(fdt, want[i].path));
	}
	assert_null(hw_master_by_name(m, "/soc/dma@5000"));    /* disabled */
	assert_null(hw_master_by_name(m, "/soc/defer@4000"));  /* not a bus master */
	assert_null(hw_master_by_name(m, "/uart@9000000"));
	machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(masters_and_stream_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(translated_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(bus_error_and_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(direct_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(large_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(long_dmas_reuse_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(host_runs_move_together, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_long_dma, setup, teardown),
		cmocka_unit_test(builtin_platform_masters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
