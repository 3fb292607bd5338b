/*
 * The fabric stage of the DMA path (machine.h): the platform fabric's
 * routing, a master that cannot issue on a stream it does not own, DMA
 * whose output decodes to MMIO reaching that peer's callbacks (reported as
 * a peer or a doorbell), a fabric that intercepts an address before the
 * IOMMU (the seam a PCI host bridge fills), and master identities.
 */
#include <errno.h>
#include <stdio.h>

#include "hw_test_fdt.h"
#include "hw/hw_internal.h"

#define RAM 0x40000000ull
#define PEER 0x0b000000ull        /* a test MMIO region: 0x100 bytes of registers */
#define BELL 0x0c000000ull        /* a region the test marks as a doorbell */
#define IOVA_PEER 0x20000ull      /* the fake IOMMU sends this page to PEER */
#define IOVA_BELL 0x21000ull      /* ... and this one to BELL */

/* Fake IOMMU: stream 0x10 only; 0x10000.. -> RAM + iova, two pages to MMIO. */
struct fake {
	struct hw_iommu iommu;
	int calls;
	u32 last_sid;
};

static int fake_translate(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			  struct hw_xlate *out)
{
	struct fake *f = (struct fake *)iommu;

	f->calls++;
	f->last_sid = sid;
	out->kind = HW_XLATE_TRANSLATED;
	out->len = 0x1000 - (addr & 0xfff);
	if (sid != 0x10 && sid != 0x11) {
		out->kind = HW_XLATE_FAULT;
		return -EFAULT;
	}
	if ((addr & ~0xfffull) == IOVA_PEER)
		out->pa = PEER + (addr & 0xfff);
	else if ((addr & ~0xfffull) == IOVA_BELL)
		out->pa = BELL + (addr & 0xfff);
	else if (addr >= 0x10000 && addr < 0x20000)
		out->pa = RAM + addr;
	else {
		out->kind = HW_XLATE_FAULT;
		return -EFAULT;
	}
	return 0;
}

static const struct hw_iommu_ops fake_ops = { .translate = fake_translate };

/* A peer: 0x100 bytes of registers that record every access. */
struct peer {
	u8 regs[0x100];
	int reads, writes;
	unsigned sizes[64];
	u64 offs[64];
};

static u64 peer_read(void *opaque, u64 off, unsigned size)
{
	struct peer *p = opaque;
	u64 v = 0;

	memcpy(&v, p->regs + off, size);
	p->reads++;
	return v;
}

static void peer_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct peer *p = opaque;

	if (p->writes < 64) {
		p->sizes[p->writes] = size;
		p->offs[p->writes] = off;
	}
	memcpy(p->regs + off, &val, size);
	p->writes++;
}

static const struct hw_mmio_ops peer_ops = { .read = peer_read, .write = peer_write };

struct obs {
	struct hw_dma_event ev[16];
	char peer[16][48];
	int n;
};

static void observer(void *opaque, const struct hw_dma_event *ev)
{
	struct obs *o = opaque;

	if (o->n < 16) {
		o->ev[o->n] = *ev;
		/* ev->peer is valid during the call only. */
		snprintf(o->peer[o->n], sizeof(o->peer[0]), "%s", ev->peer ? ev->peer : "");
	}
	o->n++;
}

struct fixture {
	struct machine *m;
	struct fake fake;
	struct peer peer, bell;
	struct obs obs;
	struct hw_dma_master *dma0, *plain;
};

static void dma_node(void *b, const char *name, u64 base)
{
	tfdt_node(b, name);
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, (u32)base, 0, 0x1000);
}

static void *test_tree(size_t *size)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", RAM, 0x1000000);
	tfdt_node(b, "iommu@9000000");           /* no model: the test registers one */
	tfdt_str(b, "compatible", "test,fake-iommu");
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	dma_node(b, "dma@a000000", 0x0a000000);
	tfdt_cells(b, "iommus", 4, 1, 0x10, 1, 0x11);
	tfdt_end_node(b);
	dma_node(b, "dma@a001000", 0x0a001000);  /* no IOMMU: straight on */
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t size;
	void *b = test_tree(&size);
	char why[200];

	assert_int_equal(machine_create(b, size, 1, &f->m, why, sizeof(why)), 0);
	free(b);
	f->fake.iommu = (struct hw_iommu){ &fake_ops,
					   fdt_path_offset(machine_fdt(f->m), "/iommu@9000000"),
					   "fake" };
	f->dma0 = hw_master_by_name(f->m, "/dma@a000000");
	f->plain = hw_master_by_name(f->m, "/dma@a001000");
	assert_non_null(f->dma0);
	assert_non_null(f->plain);
	assert_int_equal(hw_mmio_map(f->m, PEER, 0x100, &peer_ops, &f->peer, "peer@b000000"), 0);
	assert_int_equal(hw_mmio_map(f->m, BELL, 0x1000, &peer_ops, &f->bell, "v2m@c000000"), 0);
	hw_set_dma_observer(f->m, observer, &f->obs);
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

/* The platform fabric: the IDs of `iommus`, in order; its IOMMU once registered. */
static void platform_fabric_routes(void **state)
{
	struct fixture *f = *state;
	struct hw_route r;

	assert_string_equal(f->dma0->fabric->name, "platform");
	assert_int_equal(hw_master_nr_streams(f->dma0), 2);
	/* The IOMMU has no model yet: the transaction goes straight on. */
	assert_int_equal(hw_master_route(f->dma0, 1, 0x1234, HW_WRITE, &r), 0);
	assert_int_equal(r.kind, HW_ROUTE_UPSTREAM);
	assert_null(r.iommu);
	assert_int_equal(r.sid, 0x11);
	/* A model registering later (hot add) is on the path from then on. */
	hw_iommu_register(f->m, &f->fake.iommu);
	assert_int_equal(hw_master_route(f->dma0, 0, 0x1234, HW_WRITE, &r), 0);
	assert_ptr_equal(r.iommu, &f->fake.iommu);
	assert_int_equal(r.sid, 0x10);
	assert_true(r.len >= 0x1000);

	char buf[32] = "through stream 1";
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 1, 0x10000, buf, sizeof(buf), HW_WRITE,
				       NULL), 0);
	assert_int_equal(f->fake.last_sid, 0x11);
	assert_int_equal(f->obs.n, 1);
	assert_int_equal(f->obs.ev[0].sid, 0x11);
	assert_int_equal(f->obs.ev[0].target, HW_DMA_MEMORY);
	assert_null(f->obs.ev[0].peer);

	/* No IDs: one stream, which carries stream ID 0 and no IOMMU. */
	assert_int_equal(hw_master_nr_streams(f->plain), 1);
	assert_int_equal(hw_master_route(f->plain, 0, RAM, HW_READ, &r), 0);
	assert_int_equal(r.sid, 0);
	assert_null(r.iommu);
}

/* A caller names one of the master's streams; it cannot pick a stream ID. */
static void stream_not_owned_is_refused(void **state)
{
	struct fixture *f = *state;
	struct hw_route r = { .sid = 0x77 };
	u64 fault = 0x99;
	char buf[16] = { 1 }, back[16];

	hw_iommu_register(f->m, &f->fake.iommu);
	assert_int_equal(hw_master_route(f->dma0, 2, 0x10000, HW_READ, &r), -EINVAL);
	assert_int_equal(hw_master_route(f->dma0, ~0u, 0x10000, HW_READ, &r), -EINVAL);
	assert_int_equal(hw_master_route(NULL, 0, 0, HW_READ, &r), -EINVAL);
	assert_int_equal(r.sid, 0x77);
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 2, 0x10000, buf, sizeof(buf), HW_WRITE,
				       &fault), -EINVAL);
	assert_int_equal(hw_dma_stream(f->m, f->plain, 1, RAM, buf, sizeof(buf), HW_WRITE, NULL),
			 -EINVAL);
	/* Nothing issued: no translation, no event, no byte, *fault_addr untouched. */
	assert_int_equal(f->fake.calls, 0);
	assert_int_equal(f->obs.n, 0);
	assert_int_equal(fault, 0x99);
	assert_int_equal(hw_mem_read(f->m, RAM, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0);
	assert_int_equal(hw_master_nr_streams(NULL), 0);
}

/* Translated output in an MMIO region: the peer's callbacks, reported as a peer access. */
static void translated_dma_reaches_peer(void **state)
{
	struct fixture *f = *state;
	u8 buf[16], back[16];

	hw_iommu_register(f->m, &f->fake.iommu);
	for (int i = 0; i < 16; i++)
		buf[i] = (u8)(0xa0 + i);
	/* 16 bytes at offset 0x14: a 4-byte, an 8-byte and a 4-byte access, in order. */
	assert_int_equal(hw_dma(f->m, f->dma0, IOVA_PEER + 0x14, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(f->peer.writes, 3);
	assert_int_equal(f->peer.offs[0], 0x14);
	assert_int_equal(f->peer.sizes[0], 4);
	assert_int_equal(f->peer.offs[1], 0x18);
	assert_int_equal(f->peer.sizes[1], 8);
	assert_int_equal(f->peer.offs[2], 0x20);
	assert_int_equal(f->peer.sizes[2], 4);
	assert_memory_equal(f->peer.regs + 0x14, buf, sizeof(buf));
	assert_int_equal(f->obs.n, 1);
	assert_int_equal(f->obs.ev[0].target, HW_DMA_PEER);
	assert_string_equal(f->obs.peer[0], "peer@b000000");
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_TRANSLATED);
	assert_int_equal(f->obs.ev[0].xl.pa, PEER + 0x14);
	assert_int_equal(f->obs.ev[0].len, 16);

	/* A read returns what the registers hold. */
	assert_int_equal(hw_dma(f->m, f->dma0, IOVA_PEER + 0x14, back, sizeof(back), HW_READ), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(f->peer.reads, 3);

	/* An unaligned 3-byte write: a byte then a halfword. */
	f->peer.writes = 0;
	assert_int_equal(hw_dma(f->m, f->dma0, IOVA_PEER + 0x41, buf, 3, HW_WRITE), 0);
	assert_int_equal(f->peer.writes, 2);
	assert_int_equal(f->peer.sizes[0], 1);
	assert_int_equal(f->peer.sizes[1], 2);

	/* Running past the region's end: nothing beyond decodes, so nothing moves at all. */
	f->peer.writes = 0;
	f->obs.n = 0;
	u64 fault = 0;
	assert_int_equal(hw_dma_stream(f->m, f->dma0, 0, IOVA_PEER + 0xf8, buf, 16, HW_WRITE,
				       &fault), -EFAULT);
	assert_int_equal(fault, IOVA_PEER + 0x100);
	assert_int_equal(f->peer.writes, 0);
	assert_int_equal(f->obs.n, 1);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_FAULT);
}

/* Untranslated DMA (no IOMMU) to a peer's registers reaches it too, as on ARM interconnects. */
static void direct_dma_reaches_peer(void **state)
{
	struct fixture *f = *state;
	u32 v = 0x12345678;

	assert_int_equal(hw_dma(f->m, f->plain, PEER + 0x80, &v, 4, HW_WRITE), 0);
	assert_int_equal(f->peer.writes, 1);
	assert_int_equal(f->peer.regs[0x80], 0x78);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_DIRECT);
	assert_int_equal(f->obs.ev[0].target, HW_DMA_PEER);
	/* Another master's own registers (dma@a001000's): also a peer. */
	f->obs.n = 0;
	assert_int_equal(hw_dma(f->m, f->plain, 0x0a001000, &v, 4, HW_READ), 0);
	assert_int_equal(v, 0x444d4143u);          /* dma-copy's ID register */
	assert_string_equal(f->obs.peer[0], "dma@a001000");
}

/* A region marked as a doorbell is reported as one; unmarking turns it back into a peer. */
static void doorbell_is_named(void **state)
{
	struct fixture *f = *state;
	u32 v = 42;

	hw_iommu_register(f->m, &f->fake.iommu);
	assert_int_equal(hw_mmio_set_doorbell(f->m, BELL, true), 0);
	assert_int_equal(hw_mmio_set_doorbell(f->m, BELL + 4, true), -ENOENT);
	assert_int_equal(hw_mmio_set_doorbell(f->m, 0x0d000000, true), -ENOENT);
	assert_int_equal(hw_dma(f->m, f->dma0, IOVA_BELL + 0x40, &v, 4, HW_WRITE), 0);
	assert_int_equal(f->bell.writes, 1);
	assert_int_equal(f->bell.offs[0], 0x40);
	assert_int_equal(f->obs.ev[0].target, HW_DMA_DOORBELL);
	assert_string_equal(f->obs.peer[0], "v2m@c000000");
	assert_int_equal(hw_mmio_set_doorbell(f->m, BELL, false), 0);
	assert_int_equal(hw_dma(f->m, f->dma0, IOVA_BELL + 0x40, &v, 4, HW_WRITE), 0);
	assert_int_equal(f->obs.ev[1].target, HW_DMA_PEER);
}

/*
 * A fabric that intercepts a window before the IOMMU (what a PCI switch
 * does with a peer's BAR), and sends the rest upstream with its own
 * stream ID: the seam a host bridge fills.
 */
#define WINDOW 0x80000000ull
struct test_fabric {
	struct hw_fabric fabric;
	struct hw_iommu *iommu;
	int routes;
};

static int tf_route(struct hw_fabric *fabric, const struct hw_dma_master *d, unsigned stream,
		    u64 addr, enum hw_access acc, struct hw_route *out)
{
	struct test_fabric *t = container_of(fabric, struct test_fabric, fabric);

	t->routes++;
	if (addr >= WINDOW && addr < WINDOW + 0x100) {
		*out = (struct hw_route){ .kind = HW_ROUTE_PEER, .sid = 0x10,
					  .pa = PEER + (addr - WINDOW),
					  .len = WINDOW + 0x100 - addr };
		return 0;
	}
	if (addr >= 0xdead0000 && addr < 0xdead1000)
		return -EFAULT;   /* the fabric drops it */
	*out = (struct hw_route){ .kind = HW_ROUTE_UPSTREAM, .iommu = t->iommu, .sid = 0x10,
				  .len = addr < WINDOW ? WINDOW - addr : 1 };
	return 0;
}

static unsigned tf_nr_streams(struct hw_fabric *fabric, const struct hw_dma_master *d)
{
	return 1;
}

static const struct hw_fabric_ops tf_ops = { .route = tf_route, .nr_streams = tf_nr_streams };

static void fabric_intercepts_before_iommu(void **state)
{
	struct fixture *f = *state;
	/* Static: machine_destroy (teardown) asks the fabric how to free the master. */
	static struct test_fabric tf;
	tf = (struct test_fabric){ .fabric = { &tf_ops, f->m, "test" }, .iommu = &f->fake.iommu };
	struct hw_dma_master *d = calloc(1, sizeof(*d));
	u8 buf[0x20];

	d->id = master_id_pci(0, 0x0108);            /* 00:01.0: no DT node */
	d->name = "0000:00:01.0";
	d->fabric = &tf.fabric;
	hw_master_register(f->m, d);
	assert_ptr_equal(hw_master_by_id(f->m, &d->id), d);
	assert_ptr_equal(hw_master_by_name(f->m, "0000:00:01.0"), d);

	memset(buf, 0x3c, sizeof(buf));
	assert_int_equal(hw_dma(f->m, d, WINDOW + 0x20, buf, 8, HW_WRITE), 0);
	assert_int_equal(f->fake.calls, 0);           /* the IOMMU never saw it */
	assert_int_equal(f->peer.writes, 1);
	assert_int_equal(f->peer.offs[0], 0x20);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_DIRECT);
	assert_int_equal(f->obs.ev[0].target, HW_DMA_PEER);
	assert_int_equal(f->obs.ev[0].sid, 0x10);

	/* Below the window: upstream, translated; a 3-page DMA is routed once. */
	static u8 big[0x2000];
	tf.routes = 0;
	assert_int_equal(hw_dma(f->m, d, 0x10800, big, sizeof(big), HW_WRITE), 0);
	assert_int_equal(tf.routes, 1);
	assert_int_equal(f->fake.calls, 3);
	assert_int_equal(f->fake.last_sid, 0x10);

	/* A transaction the fabric drops is a fault, and nothing moves. */
	f->obs.n = 0;
	f->peer.writes = 0;
	assert_int_equal(hw_dma(f->m, d, 0xdead0000, buf, 4, HW_WRITE), -EFAULT);
	assert_int_equal(f->obs.n, 1);
	assert_int_equal(f->obs.ev[0].xl.kind, HW_XLATE_FAULT);
	/* Across the window's end: the rest is routed again, upstream, and faults there. */
	tf.routes = 0;
	u64 fault = 0;
	assert_int_equal(hw_dma_stream(f->m, d, 0, WINDOW + 0xf8, buf, 16, HW_WRITE, &fault),
			 -EFAULT);
	assert_int_equal(tf.routes, 2);
	assert_int_equal(fault, WINDOW + 0x100);
	assert_int_equal(f->peer.writes, 0);          /* all or nothing */
	/* Freed by machine_destroy (the fabric has no release op: free()). */
}

static void master_id_names_and_equality(void **state)
{
	struct fixture *f = *state;
	const void *fdt = machine_fdt(f->m);
	char buf[64];
	struct master_id a = master_id_platform(fdt_path_offset(fdt, "/dma@a000000"));
	struct master_id p = master_id_pci(1, 0x1a0b), q = master_id_pci(1, 0x1a0b);
	struct master_id none = master_id_none();

	assert_true(master_id_equal(&f->dma0->id, &a));
	assert_false(master_id_equal(&f->plain->id, &a));
	assert_true(master_id_equal(&p, &q));
	q.segment = 0;
	assert_false(master_id_equal(&p, &q));
	assert_false(master_id_equal(&none, &a));
	master_id_name(&a, fdt, buf, sizeof(buf));
	assert_string_equal(buf, f->dma0->name);
	assert_string_equal(buf, "/dma@a000000");
	master_id_name(&a, NULL, buf, sizeof(buf));
	assert_true(!strncmp(buf, "of-node@", 8));
	master_id_name(&p, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "0001:1a:01.3");
	master_id_name(&none, fdt, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_string_equal(master_bus_name(MASTER_BUS_PCI), "pci");
	assert_string_equal(master_bus_name(a.bus), "platform");
	assert_null(hw_master_by_id(f->m, &none));
	assert_null(hw_master_by_id(f->m, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(platform_fabric_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_not_owned_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(translated_dma_reaches_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(direct_dma_reaches_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(doorbell_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(fabric_intercepts_before_iommu, setup, teardown),
		cmocka_unit_test_setup_teardown(master_id_names_and_equality, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
