/*
 * The PCI machine on a bare machine (docs/devices.md,
 * "pci-host-ecam-generic" and after): ECAM enumeration of a topology (root
 * ports, a switch, a PCIe-to-PCI bridge with a conventional device, a
 * multifunction device) walked as firmware walks it, BAR sizing and decode
 * through bridge windows, the fabric (iommu-map stream IDs, BME, the
 * bridge alias, peer-to-peer and ACS redirect, host-bridge interception),
 * MSI-X from iommulab,pci-dma-copy to the ITS with msi-map's DeviceID,
 * INTx through the swizzle and interrupt-map, hot add and surprise
 * removal, malformed nodes and a seeded ECAM fuzz.
 */
#include <errno.h>
#include <stdio.h>

#include "hw_test_fdt.h"
#include "test_util.h"
#include "hw/hw_internal.h"
#include "hw/gic_its.h"
#include "common/dt.h"

#define RAM 0x40000000ull
#define RAM_SIZE 0x1000000ull
#define ECAM 0x30000000ull        /* 16 buses */
#define MEM 0x10000000ull         /* the MMIO32 window, 256 MiB, bus == CPU */
#define ITS 0x08080000ull
#define LPI 8192u

/* Requester IDs the firmware walk below gives. */
#define RID_RPA 0x0000
#define RID_UP 0x0100
#define RID_DN0 0x0200
#define RID_DN1 0x0208
#define RID_EPA 0x0300
#define RID_EPB 0x0400
#define RID_EPB1 0x0401
#define RID_RPB 0x0008
#define RID_BR 0x0500
#define RID_EPC 0x0618
#define RID_RPC 0x0010

/* ---- a fake IOMMU: records stream IDs; IOVA 0x100000.. -> RAM, one page -> ITS ---- */

#define IOVA_RAM 0x100000ull
#define IOVA_MSI 0x8000000ull

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
	if (addr >= IOVA_RAM && addr < IOVA_RAM + 0x100000) {
		out->pa = RAM + addr;
		return 0;
	}
	if ((addr & ~0xfffull) == IOVA_MSI) {
		out->pa = ITS + 0x10000 + (addr & 0xfff);
		return 0;
	}
	out->kind = HW_XLATE_FAULT;
	return -EFAULT;
}

static const struct hw_iommu_ops fake_ops = { .translate = fake_translate };

struct obs {
	int n, peer, fault;
	struct hw_dma_event last;
};

static void observer(void *opaque, const struct hw_dma_event *ev)
{
	struct obs *o = opaque;

	o->n++;
	o->peer += ev->target == HW_DMA_PEER;
	o->fault += ev->xl.kind == HW_XLATE_FAULT;
	o->last = *ev;
	o->last.peer = NULL;
}

struct sink {
	unsigned raised[16384];
};

static void sink(void *opaque, u32 intid, bool level)
{
	struct sink *s = opaque;

	if (level && intid < 16384)
		s->raised[intid]++;
}

/* ---- the device tree ------------------------------------------------------ */

struct opts {
	u32 map[8];           /* iommu-map: base, phandle(ignored: 2), out, len; n cells */
	int map_cells;
	bool has_mask;
	u32 mask;
	bool intercept;
	const char *bad;      /* which malformation to put in */
	bool unknown_ep;      /* a child no model claims */
	u32 class_code;       /* an endpoint 00:06.0 with iommulab,class-code */
};

static void cfg_node(void *b, const char *name, const char *compat, u8 devfn, bool bridge)
{
	tfdt_node(b, name);
	tfdt_str(b, "compatible", compat);
	tfdt_cells(b, "reg", 5, (u32)devfn << 8, 0, 0, 0, 0);
	if (bridge) {
		tfdt_str(b, "device_type", "pci");
		tfdt_u32(b, "#address-cells", 3);
		tfdt_u32(b, "#size-cells", 2);
	}
}

static void ep(void *b, const char *name, u8 devfn)
{
	cfg_node(b, name, "iommulab,pci-dma-copy", devfn, false);
	tfdt_end_node(b);
}

static void gic(void *b)
{
	tfdt_node(b, "interrupt-controller@8000000");
	tfdt_str(b, "compatible", "arm,gic-v3");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_cells(b, "reg", 4, 0, 0x08000000, 0, 0x10000);
	tfdt_u32(b, "phandle", 1);
	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_empty(b, "ranges");
	tfdt_node(b, "msi-controller@8080000");
	tfdt_str(b, "compatible", "arm,gic-v3-its");
	tfdt_empty(b, "msi-controller");
	tfdt_u32(b, "#msi-cells", 1);
	tfdt_cells(b, "reg", 4, 0, (u32)ITS, 0, 0x20000);
	tfdt_u32(b, "phandle", 3);
	tfdt_end_node(b);
	tfdt_end_node(b);
}

/* INTx: device 0..2 of the root bus, pins A..D -> SPI 8 + 4 * dev + pin - 1. */
static void intx_map(void *b)
{
	fdt32_t v[12 * 10];
	int n = 0;

	for (u32 dev = 0; dev < 3; dev++)
		for (u32 pin = 1; pin <= 4; pin++) {
			u32 e[10] = { dev << 11, 0, 0, pin, 1, 0, 0, 0, 8 + 4 * dev + pin - 1, 4 };

			for (int i = 0; i < 10; i++)
				v[n++] = cpu_to_fdt32(e[i]);
		}
	assert_int_equal(fdt_property(b, "interrupt-map", v, 4 * n), 0);
	tfdt_cells(b, "interrupt-map-mask", 4, 0x1800, 0, 0, 7);
}

static bool bad(const struct opts *o, const char *what)
{
	return o->bad && !strcmp(o->bad, what);
}

static void topology(void *b, const struct opts *o)
{
	/* 00:00.0 root port A -> 01: switch up -> 02: dn0 (02:00.0), dn1 (02:01.0) */
	cfg_node(b, "pcie@0,0", "iommulab,pcie-root-port", 0, true);
	cfg_node(b, "pcie@0,0", "iommulab,pcie-switch-upstream", 0, true);
	cfg_node(b, "pcie@0,0", "iommulab,pcie-switch-downstream", 0, true);
	ep(b, "ep@0,0", 0);                       /* 03:00.0 */
	if (bad(o, "link"))
		ep(b, "ep@1,0", 1 << 3);
	tfdt_end_node(b);
	cfg_node(b, "pcie@1,0", "iommulab,pcie-switch-downstream", 1 << 3, true);
	ep(b, "ep@0,0", 0);                       /* 04:00.0, multifunction */
	ep(b, "ep@0,1", 1);                       /* 04:00.1 */
	if (bad(o, "dup"))
		ep(b, "ep@0,1", 1);
	tfdt_end_node(b);
	if (bad(o, "up-child"))
		ep(b, "ep@2,0", 2 << 3);
	tfdt_end_node(b);
	tfdt_end_node(b);
	/* 00:01.0 root port B (no ACS) -> 05: PCIe-to-PCI bridge -> 06: conventional 06:03.0 */
	cfg_node(b, "pcie@1,0", "iommulab,pcie-root-port", 1 << 3, true);
	tfdt_empty(b, "iommulab,no-acs");
	cfg_node(b, "pci@0,0", "iommulab,pcie-pci-bridge", 0, true);
	ep(b, "ep@3,0", 3 << 3);
	tfdt_end_node(b);
	tfdt_end_node(b);
	/* 00:02.0 root port C -> 07: empty, for hot add */
	cfg_node(b, "pcie@2,0", "iommulab,pcie-root-port", 2 << 3, true);
	tfdt_end_node(b);
	if (o->unknown_ep) {
		cfg_node(b, "thing@4,0", "vendor,unknown", 4 << 3, false);
		tfdt_end_node(b);
	}
	if (bad(o, "reg")) {
		tfdt_node(b, "ep@5,0");
		tfdt_str(b, "compatible", "iommulab,pci-dma-copy");
		tfdt_cells(b, "reg", 2, 5 << 11, 0);
		tfdt_end_node(b);
	}
	if (bad(o, "dev32"))
		ep(b, "ep@20,0", 0);
	if (bad(o, "fn8"))
		ep(b, "ep@0,8", 0);
	if (bad(o, "dn-on-root")) {
		cfg_node(b, "pcie@6,0", "iommulab,pcie-switch-downstream", 6 << 3, true);
		tfdt_end_node(b);
	}
	if (bad(o, "no-compat")) {
		cfg_node(b, "pcie@6,0", "vendor,bridge", 6 << 3, true);
		tfdt_end_node(b);
	}
	if (bad(o, "ep-child")) {
		cfg_node(b, "ep@6,0", "iommulab,pci-dma-copy", 6 << 3, false);
		ep(b, "ep@0,0", 0);
		tfdt_node(b, "mdio");
		tfdt_u32(b, "#address-cells", 1);
		tfdt_u32(b, "#size-cells", 0);
		tfdt_node(b, "ethernet-phy@2");
		tfdt_u32(b, "reg", 2);
		tfdt_end_node(b);
		tfdt_end_node(b);
		tfdt_end_node(b);
	}
	if (bad(o, "fn-no-f0"))
		ep(b, "ep@6,1", 6 << 3 | 1);
	if (bad(o, "class-cells") || bad(o, "class-range") || bad(o, "class-bridge") ||
	    o->class_code) {
		cfg_node(b, "ep@6,0", "iommulab,pci-dma-copy", 6 << 3, false);
		if (bad(o, "class-cells"))
			tfdt_cells(b, "iommulab,class-code", 2, 0, 0x020000);
		else
			tfdt_u32(b, "iommulab,class-code", bad(o, "class-range") ? 0x1020000 :
				 bad(o, "class-bridge") ? 0x060400 : o->class_code);
		tfdt_end_node(b);
	}
}

static void *tree(const struct opts *o, size_t *size)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM, RAM_SIZE);
	gic(b);
	tfdt_node(b, "iommu@9000000");           /* no model: the test registers one */
	tfdt_str(b, "compatible", "test,fake-iommu");
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "pcie@30000000");
	tfdt_str(b, "compatible", "pci-host-ecam-generic");
	tfdt_str(b, "device_type", "pci");
	tfdt_u32(b, "#address-cells", 3);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_cells(b, "reg", 4, 0, (u32)ECAM, 0, 0x1000000);
	tfdt_cells(b, "bus-range", 2, 0, 15);
	tfdt_cells(b, "ranges", 14, 0x01000000, 0, 0, 0, 0x3eff0000, 0, 0x10000,
		   0x02000000, 0, (u32)MEM, 0, (u32)MEM, 0, 0x10000000);
	if (o->map_cells) {
		fdt32_t v[8];

		/* Every entry's phandle cell names the fake IOMMU. */
		for (int i = 0; i < o->map_cells; i++)
			v[i] = cpu_to_fdt32(i % 4 == 1 ? 2 : o->map[i]);
		assert_int_equal(fdt_property(b, "iommu-map", v, 4 * o->map_cells), 0);
	}
	if (o->has_mask)
		tfdt_u32(b, "iommu-map-mask", o->mask);
	tfdt_cells(b, "msi-map", 4, 0, 3, 0x100, 0x10000);
	if (o->intercept)
		tfdt_empty(b, "iommulab,intercept-p2p");
	intx_map(b);
	topology(b, o);
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

/* ---- fixture ------------------------------------------------------------------ */

struct fx {
	struct machine *m;
	struct fake fake;
	struct obs obs;
	struct sink sink;
	u64 mem_next;   /* the firmware's allocation cursor in the MMIO32 window */
	u8 bus_next;
};

static const struct opts default_opts = {
	.map = { 0, 2, 0x10000, 0x10000 }, .map_cells = 4,
};

static struct fx *make(const struct opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));
	char why[200] = "";
	size_t size;
	void *b = tree(o, &size);
	int ret;

	assert_non_null(f);
	ret = machine_create(b, size, 1, &f->m, why, sizeof(why));
	if (ret)
		fail_msg("machine_create: %d %s", ret, why);
	free(b);
	f->fake.iommu.ops = &fake_ops;
	f->fake.iommu.fdt_node = fdt_path_offset(machine_fdt(f->m), "/iommu@9000000");
	f->fake.iommu.name = "fake";
	hw_iommu_register(f->m, &f->fake.iommu);
	hw_set_dma_observer(f->m, observer, &f->obs);
	hw_irq_set_sink(f->m, sink, &f->sink);
	return f;
}

static void destroy(struct fx *f)
{
	machine_destroy(f->m);
	free(f);
}

static u64 ecam(u8 bus, u8 devfn, unsigned off)
{
	return ECAM + ((u64)bus << 20 | (u64)devfn << 12 | off);
}

static u32 cfg_rd(struct fx *f, u16 rid, unsigned off, unsigned size)
{
	u64 v;

	assert_int_equal(hw_mmio_read(f->m, ecam(rid >> 8, rid & 0xff, off), size, &v), 0);
	return (u32)v;
}

static void cfg_wr(struct fx *f, u16 rid, unsigned off, unsigned size, u32 v)
{
	assert_int_equal(hw_mmio_write(f->m, ecam(rid >> 8, rid & 0xff, off), size, v), 0);
}

/* ---- firmware: bus numbers, BARs, windows, enables (depth first) ------------ */

static void assign(struct fx *f, u8 bus);

static void assign_bars(struct fx *f, u16 rid)
{
	for (unsigned bar = 0; bar < 6; bar++) {
		unsigned reg = 0x10 + 4 * bar;

		cfg_wr(f, rid, reg, 4, 0xffffffff);
		u32 sz = cfg_rd(f, rid, reg, 4) & ~0xfu;
		if (!sz)
			continue;
		u64 size = (u64)(~sz) + 1;
		size &= 0xffffffff;
		f->mem_next = (f->mem_next + size - 1) & ~(size - 1);
		cfg_wr(f, rid, reg, 4, (u32)f->mem_next);
		f->mem_next += size;
	}
}

static void assign_function(struct fx *f, u8 bus, u8 devfn)
{
	u16 rid = (u16)(bus << 8 | devfn);

	if ((cfg_rd(f, rid, 0x0e, 1) & 0x7f) == 1) {
		u8 sec = ++f->bus_next;

		cfg_wr(f, rid, 0x18, 4, 0xff << 16 | sec << 8 | bus);
		f->mem_next = (f->mem_next + 0xfffff) & ~0xfffffull;
		u64 base = f->mem_next;
		assign(f, sec);
		cfg_wr(f, rid, 0x1a, 1, f->bus_next);
		f->mem_next = (f->mem_next + 0xfffff) & ~0xfffffull;
		if (f->mem_next == base)
			f->mem_next += 0x100000;   /* a window for hot add */
		cfg_wr(f, rid, 0x20, 4, (u32)((f->mem_next - 1) >> 16 & 0xfff0) << 16 |
					     (u32)(base >> 16 & 0xfff0));
	} else {
		assign_bars(f, rid);
	}
	cfg_wr(f, rid, 0x04, 2, 0x0006);   /* Memory Space, Bus Master */
}

static void assign(struct fx *f, u8 bus)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		u8 devfn = (u8)(dev << 3);

		if (cfg_rd(f, (u16)(bus << 8 | devfn), 0, 2) == 0xffff)
			continue;
		bool mf = cfg_rd(f, (u16)(bus << 8 | devfn), 0x0e, 1) & 0x80;
		for (unsigned fn = 0; fn < (mf ? 8u : 1u); fn++)
			if (cfg_rd(f, (u16)(bus << 8 | devfn | fn), 0, 2) != 0xffff)
				assign_function(f, bus, (u8)(devfn | fn));
	}
}

static void firmware(struct fx *f)
{
	f->mem_next = MEM;
	f->bus_next = 0;
	assign(f, 0);
}

static u64 bar0(struct fx *f, u16 rid)
{
	return cfg_rd(f, rid, 0x10, 4) & ~0xfull;
}

static struct hw_dma_master *master(struct fx *f, u16 rid)
{
	struct master_id id = master_id_pci(0, rid);
	struct hw_dma_master *d = hw_master_by_id(f->m, &id);

	assert_non_null(d);
	return d;
}

static int setup(void **state)
{
	struct fx *f = make(&default_opts);

	firmware(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	destroy(*state);
	return 0;
}

/* ---- enumeration ---------------------------------------------------------------- */

static void test_enumeration(void **state)
{
	struct { u16 rid; u16 device; u8 header; u8 sec; } want[] = {
		{ RID_RPA, 0x0100, 0x01, 1 }, { RID_UP, 0x0101, 0x01, 2 },
		{ RID_DN0, 0x0102, 0x01, 3 }, { RID_EPA, 0x0010, 0x00, 0 },
		{ RID_DN1, 0x0102, 0x01, 4 }, { RID_EPB, 0x0010, 0x80, 0 },
		{ RID_EPB1, 0x0010, 0x00, 0 }, { RID_RPB, 0x0100, 0x01, 5 },
		{ RID_BR, 0x0103, 0x01, 6 }, { RID_EPC, 0x0010, 0x00, 0 },
		{ RID_RPC, 0x0100, 0x01, 7 },
	};
	struct fx *f = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(cfg_rd(f, want[i].rid, 0, 4), (u32)want[i].device << 16 | 0x1de5);
		assert_int_equal(cfg_rd(f, want[i].rid, 0x0e, 1), want[i].header);
		if (want[i].header & 1)
			assert_int_equal(cfg_rd(f, want[i].rid, 0x19, 1), want[i].sec);
		/* Every function is a master named by its requester ID. */
		assert_int_equal(master(f, want[i].rid)->id.rid, want[i].rid);
	}
	assert_string_equal(master(f, RID_EPC)->name, "0000:06:03.0");
	/* Absent functions read all ones; a PCIe link has only device 0. */
	assert_int_equal(cfg_rd(f, 0x0028, 0, 4), 0xffffffff);         /* 00:05.0 */
	assert_int_equal(cfg_rd(f, 0x0308, 0, 2), 0xffff);             /* 03:01.0 */
	assert_int_equal(cfg_rd(f, 0x0402, 0, 2), 0xffff);             /* 04:00.2 */
	assert_int_equal(cfg_rd(f, 0x0800, 0, 4), 0xffffffff);         /* bus 8: no bridge */
	assert_int_equal(cfg_rd(f, 0x0f00, 0, 1), 0xff);
	/* Unaligned and 8-byte accesses read all ones. */
	assert_int_equal(cfg_rd(f, RID_EPA, 1, 2), 0xffff);
	/* PCIe port types and ACS where the tree asks for it. */
	unsigned cap = cfg_rd(f, RID_RPA, 0x34, 1);
	while (cap && (cfg_rd(f, RID_RPA, cap, 1) != 0x10))
		cap = cfg_rd(f, RID_RPA, cap + 1, 1);
	assert_int_not_equal(cap, 0);
	assert_int_equal(cfg_rd(f, RID_RPA, cap + 2, 2) >> 4 & 0xf, 4);
	assert_int_equal(cfg_rd(f, RID_RPA, 0x100, 4) & 0xffff, 0x000d);
	assert_int_equal(cfg_rd(f, RID_DN1, 0x100, 4) & 0xffff, 0x000d);
	assert_int_equal(cfg_rd(f, RID_RPB, 0x100, 4), 0);              /* iommulab,no-acs */
	assert_int_equal(cfg_rd(f, RID_UP, 0x100, 4), 0);
	/* Reprogramming a bus number moves the functions below it (once every bridge above forwards it). */
	cfg_wr(f, RID_DN0, 0x19, 1, 9);
	assert_int_equal(cfg_rd(f, 0x0900, 0, 4), 0xffffffff);
	cfg_wr(f, RID_RPA, 0x1a, 1, 9);
	cfg_wr(f, RID_UP, 0x1a, 1, 9);
	cfg_wr(f, RID_DN0, 0x1a, 1, 9);
	assert_int_equal(cfg_rd(f, RID_EPA, 0, 2), 0xffff);
	assert_int_equal(cfg_rd(f, 0x0900, 0, 2), 0x1de5);
	assert_string_equal(master(f, 0x0900)->name, "0000:09:00.0");
}

static void test_before_bus_numbers(void **state)
{
	struct fx *f = make(&default_opts);

	(void)state;
	/* Only the root bus answers until the bridges are numbered. */
	assert_int_equal(cfg_rd(f, RID_RPA, 0, 2), 0x1de5);
	assert_int_equal(cfg_rd(f, 0x0100, 0, 4), 0xffffffff);
	cfg_wr(f, RID_RPA, 0x18, 4, 0x010100);
	assert_int_equal(cfg_rd(f, 0x0100, 2, 2), 0x0101);
	assert_int_equal(cfg_rd(f, 0x0200, 0, 4), 0xffffffff);   /* beyond subordinate 1 */
	destroy(f);
}

/* ---- BARs ------------------------------------------------------------------------ */

static void test_bar_decode(void **state)
{
	struct fx *f = *state;
	u64 a = bar0(f, RID_EPA), v;

	assert_int_equal(a & 0xfff, 0);
	assert_true(a >= MEM && a < MEM + 0x10000000);
	/* BAR sizing: 4 KiB, 32-bit, non-prefetchable. */
	cfg_wr(f, RID_EPA, 0x04, 2, 0);
	cfg_wr(f, RID_EPA, 0x10, 4, 0xffffffff);
	assert_int_equal(cfg_rd(f, RID_EPA, 0x10, 4), 0xfffff000);
	cfg_wr(f, RID_EPA, 0x10, 4, (u32)a);
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), -EFAULT);   /* Memory Space off */
	cfg_wr(f, RID_EPA, 0x04, 2, 6);
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), 0);
	assert_int_equal(v, 0x444d4143);
	assert_string_equal(hw_mmio_name(f->m, a), "0000:03:00.0 BAR0");
	/* A bridge above with Memory Space clear stops forwarding it. */
	cfg_wr(f, RID_DN0, 0x04, 2, 4);
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), -EFAULT);
	cfg_wr(f, RID_DN0, 0x04, 2, 6);
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), 0);
	/* Outside the downstream port's window: unreachable. */
	u32 win = cfg_rd(f, RID_DN0, 0x20, 4);
	cfg_wr(f, RID_DN0, 0x20, 4, 0x0000fff0);   /* closed */
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), -EFAULT);
	cfg_wr(f, RID_DN0, 0x20, 4, win);
	assert_int_equal(hw_mmio_read(f->m, a, 4, &v), 0);
	/* Outside the host bridge's window: unreachable even with the bridges open. */
	cfg_wr(f, RID_EPB1, 0x10, 4, 0x20000000);
	assert_null(hw_mmio_name(f->m, 0x20000000));
	/* Overlapping another function's BAR: refused and logged, no crash. */
	cfg_wr(f, RID_EPB1, 0x10, 4, (u32)bar0(f, RID_EPB));
	assert_string_equal(hw_mmio_name(f->m, bar0(f, RID_EPB)), "0000:04:00.0 BAR0");
	assert_non_null(strstr(hw_pci_last_log(f->m), "0000:04:00.1 BAR0"));
	assert_non_null(strstr(hw_pci_last_log(f->m), "not mapped"));
	/*
	 * Once 04:00.0's BAR moves away, 04:00.1's maps where it was, though
	 * only 04:00.0's config was written (a write re-syncs the written
	 * function's subtree, and everything while a BAR is blocked).
	 */
	u64 b = bar0(f, RID_EPB), free = (b & ~0xfffffull) + 0xf0000;

	assert_null(hw_mmio_name(f->m, free));
	cfg_wr(f, RID_EPB, 0x10, 4, (u32)free);
	assert_string_equal(hw_mmio_name(f->m, free), "0000:04:00.0 BAR0");
	assert_string_equal(hw_mmio_name(f->m, b), "0000:04:00.1 BAR0");
	/* The MSI-X table BAR is the bus's: an entry reads back. */
	u64 t = cfg_rd(f, RID_EPA, 0x18, 4) & ~0xfull;
	assert_int_equal(hw_mmio_write(f->m, t + 8, 4, 0x1234), 0);
	assert_int_equal(hw_mmio_read(f->m, t + 8, 4, &v), 0);
	assert_int_equal(v, 0x1234);
}

/* ---- DMA ------------------------------------------------------------------------- */

static void test_dma_stream_id(void **state)
{
	struct fx *f = *state;
	u32 x = 0xabcd1234, y = 0;

	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), IOVA_RAM, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.last_sid, 0x10000 + RID_EPA);
	assert_int_equal(f->obs.last.sid, 0x10000 + RID_EPA);
	assert_int_equal(hw_mem_read(f->m, RAM + IOVA_RAM, &y, 4), 0);
	assert_int_equal(y, x);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPB1), IOVA_RAM, &x, 4, HW_READ), 0);
	assert_int_equal(f->fake.last_sid, 0x10000 + RID_EPB1);
	/* The conventional device behind the PCIe-to-PCI bridge carries (06, 00.0). */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_READ), 0);
	assert_int_equal(f->fake.last_sid, 0x10000 + 0x0600);
}

static void test_dma_map_mask(void **state)
{
	/* Juno-like: iommu-map-mask = <0>, every RID is stream 0x42. */
	struct opts o = { .map = { 0, 2, 0x42, 1 }, .map_cells = 4, .has_mask = true, .mask = 0 };
	struct fx *f = make(&o);
	u32 x = 1;

	(void)state;
	firmware(f);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), IOVA_RAM, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.last_sid, 0x42);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.last_sid, 0x42);
	destroy(f);

	/* A mask keeping the bus: RID 0x0401 -> 0x0400 -> 0x20 + 0x0400 - 0x0300. */
	struct opts o2 = { .map = { 0x0300, 2, 0x20, 0x200 }, .map_cells = 4, .has_mask = true,
			   .mask = 0xff00 };
	f = make(&o2);
	firmware(f);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPB1), IOVA_RAM, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.last_sid, 0x120);
	/* An RID no entry covers gets no stream: aborted at the host bridge. */
	int calls = f->fake.calls;
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_WRITE), -EFAULT);
	assert_int_equal(f->fake.calls, calls);
	assert_int_equal(f->obs.last.xl.kind, HW_XLATE_FAULT);
	destroy(f);
	/* No iommu-map at all: no IOMMU, the bus address is the physical one. */
	struct opts o3 = { 0 };
	f = make(&o3);
	firmware(f);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), RAM + 0x2000, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->obs.last.xl.kind, HW_XLATE_DIRECT);
	assert_int_equal(f->fake.calls, 0);
	destroy(f);
}

static void test_bme(void **state)
{
	struct fx *f = *state;
	u32 x = 0;

	cfg_wr(f, RID_EPA, 0x04, 2, 2);   /* Memory Space only */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), IOVA_RAM, &x, 4, HW_READ), -EFAULT);
	cfg_wr(f, RID_EPA, 0x04, 2, 6);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), IOVA_RAM, &x, 4, HW_READ), 0);
	/* A bridge on the way up with BME clear: master abort. */
	cfg_wr(f, RID_UP, 0x04, 2, 2);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), IOVA_RAM, &x, 4, HW_READ), -EFAULT);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_READ), 0);
	cfg_wr(f, RID_UP, 0x04, 2, 6);
	cfg_wr(f, RID_BR, 0x04, 2, 2);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_READ), -EFAULT);
	cfg_wr(f, RID_BR, 0x04, 2, 6);
	/* The engine's own DMA with BME clear: ERROR, Received Master Abort. */
	u64 regs = bar0(f, RID_EPA);
	cfg_wr(f, RID_EPA, 0x04, 2, 2);
	hw_mmio_write(f->m, regs + 0x08, 4, (u32)IOVA_RAM);
	hw_mmio_write(f->m, regs + 0x10, 4, (u32)IOVA_RAM + 0x1000);
	hw_mmio_write(f->m, regs + 0x18, 4, 64);
	hw_mmio_write(f->m, regs + 0x20, 4, 1);
	hw_run_until_idle(f->m);
	u64 st;
	hw_mmio_read(f->m, regs + 0x24, 4, &st);
	assert_int_equal(st, 0x6);
	hw_mmio_read(f->m, regs + 0x30, 4, &st);
	assert_int_equal(st, 1);
	assert_true(cfg_rd(f, RID_EPA, 0x06, 2) & 0x2000);
}

/* The engine's copy of @len bytes from @src to @dst: its ERR_CODE, and ERR_ADDR in *@addr. */
static u64 engine_copy(struct fx *f, u64 src, u64 dst, u32 len, u64 *addr)
{
	u64 regs = bar0(f, RID_EPA), code;

	hw_mmio_write(f->m, regs + 0x08, 4, (u32)src);
	hw_mmio_write(f->m, regs + 0x10, 4, (u32)dst);
	hw_mmio_write(f->m, regs + 0x18, 4, len);
	hw_mmio_write(f->m, regs + 0x20, 4, 1);
	hw_run_until_idle(f->m);
	hw_mmio_read(f->m, regs + 0x28, 4, addr);
	hw_mmio_read(f->m, regs + 0x30, 4, &code);
	return code;
}

/*
 * The PCI engine's copy goes through the bus's copy (pci_ep.h, straight
 * across where it can): the bytes land, a read or a write aborted is
 * ERR_READ or ERR_WRITE at that access's start, and a bridge's abort is
 * the function's Received Master Abort, as with a read then a write.
 */
static void test_engine_copy(void **state)
{
	struct fx *f = *state;
	char src[0x2000], back[0x2000];
	u64 addr;

	for (unsigned i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	assert_int_equal(hw_mem_write(f->m, RAM + IOVA_RAM + 0x800, src, sizeof(src)), 0);
	assert_int_equal(engine_copy(f, IOVA_RAM + 0x800, IOVA_RAM + 0x4000, sizeof(src), &addr), 0);
	assert_int_equal(hw_mem_read(f->m, RAM + IOVA_RAM + 0x4000, back, sizeof(back)), 0);
	assert_memory_equal(back, src, sizeof(src));
	/* Overlapping: the bytes the read took. */
	assert_int_equal(engine_copy(f, IOVA_RAM + 0x4000, IOVA_RAM + 0x4100, sizeof(src), &addr), 0);
	assert_int_equal(hw_mem_read(f->m, RAM + IOVA_RAM + 0x4100, back, sizeof(back)), 0);
	assert_memory_equal(back, src, sizeof(src));
	/* The write faults (past the fake IOMMU's mappings): nothing written. */
	memset(back, 0, sizeof(back));
	assert_int_equal(hw_mem_write(f->m, RAM + IOVA_RAM + 0xff000, back, 0x1000), 0);
	assert_int_equal(engine_copy(f, IOVA_RAM, IOVA_RAM + 0xff000, 0x2000, &addr), 2);
	assert_int_equal(addr, IOVA_RAM + 0xff000);
	assert_int_equal(hw_mem_read(f->m, RAM + IOVA_RAM + 0xff000, back, 0x1000), 0);
	assert_int_equal(back[0], 0);
	/* The read faults. */
	assert_int_equal(engine_copy(f, IOVA_RAM + 0xff000, IOVA_RAM, 0x2000, &addr), 1);
	assert_int_equal(addr, IOVA_RAM + 0xff000);
	assert_false(cfg_rd(f, RID_EPA, 0x06, 2) & 0x2000);
	/* A bridge on the way up with BME clear: the read aborts, Received Master Abort. */
	cfg_wr(f, RID_UP, 0x04, 2, 2);
	assert_int_equal(engine_copy(f, IOVA_RAM, IOVA_RAM + 0x4000, 0x1000, &addr), 1);
	assert_int_equal(addr, IOVA_RAM);
	assert_true(cfg_rd(f, RID_EPA, 0x06, 2) & 0x2000);
	cfg_wr(f, RID_UP, 0x04, 2, 6);
}

static void test_p2p(void **state)
{
	struct fx *f = *state;
	u64 peer = bar0(f, RID_EPB);
	u32 x = 0x5a5a5a5a;
	u64 v;
	int calls = f->fake.calls;

	/* Below the switch, without ACS P2P Request Redirect: straight to the peer. */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), peer + 0x08, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.calls, calls);
	assert_int_equal(f->obs.last.target, HW_DMA_PEER);
	assert_int_equal(f->obs.last.xl.kind, HW_XLATE_DIRECT);
	hw_mmio_read(f->m, peer + 0x08, 4, &v);
	assert_int_equal(v, x);
	/* Its own downstream port's window: not forwarded upstream. */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), bar0(f, RID_EPA), &x, 4, HW_READ),
			 -EFAULT);
	assert_int_equal(f->fake.calls, calls);
	/* Request Redirect on the ingress port: upstream, to the IOMMU (which faults it). */
	unsigned acs = 0x100;
	cfg_wr(f, RID_DN0, acs + 6, 2, 0x0004);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPA), peer + 0x08, &x, 4, HW_WRITE), -EFAULT);
	assert_int_equal(f->fake.calls, calls + 1);
	assert_int_equal(f->fake.last_sid, 0x10000 + RID_EPA);
	/* From another root port, without interception: the IOMMU sees it. */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), peer + 0x08, &x, 4, HW_WRITE), -EFAULT);
	assert_int_equal(f->fake.calls, calls + 2);
}

/*
 * The fabric caches a function's upstream route (pci_fabric.c): each
 * change of what the route depends on is honoured by the next DMA, even
 * for an address whose route was cached a moment before.
 */
static void dma_n(struct fx *f, u16 rid, u64 addr, int want, int n)
{
	u32 x = 0;

	for (int i = 0; i < n; i++)
		assert_int_equal(hw_dma(f->m, master(f, rid), addr, &x, 4, HW_READ), want);
}

static void test_route_cache(void **state)
{
	struct fx *f = *state;
	unsigned acs = 0x100;
	u64 peer = bar0(f, RID_EPB);
	u32 win0 = cfg_rd(f, RID_DN0, 0x20, 4), win1 = cfg_rd(f, RID_DN1, 0x20, 4);
	int calls = f->fake.calls;

	/* Cached: to the IOMMU with EPA's stream ID, one lookup per DMA. */
	dma_n(f, RID_EPA, IOVA_RAM, 0, 3);
	assert_int_equal(f->fake.calls, calls + 3);
	assert_int_equal(f->fake.last_sid, 0x10000 + RID_EPA);
	/* EPA's own port's window moved over the address: not forwarded upstream. */
	cfg_wr(f, RID_DN0, 0x20, 4, 0x00100010);	/* 0x100000-0x1fffff */
	dma_n(f, RID_EPA, IOVA_RAM, -EFAULT, 2);
	assert_int_equal(f->fake.calls, calls + 3);
	cfg_wr(f, RID_DN0, 0x20, 4, win0);
	dma_n(f, RID_EPA, IOVA_RAM, 0, 1);
	assert_int_equal(f->fake.calls, calls + 4);
	/* A sibling port's window: peer to peer, a window no BAR claims aborts. */
	cfg_wr(f, RID_DN1, 0x20, 4, 0x00100010);
	dma_n(f, RID_EPA, IOVA_RAM, -EFAULT, 1);
	assert_int_equal(f->fake.calls, calls + 4);
	/* ... unless ACS P2P Request Redirect sends it up, and back when it is off. */
	cfg_wr(f, RID_DN0, acs + 6, 2, 0x0004);
	dma_n(f, RID_EPA, IOVA_RAM, 0, 1);
	assert_int_equal(f->fake.calls, calls + 5);
	cfg_wr(f, RID_DN0, acs + 6, 2, 0);
	dma_n(f, RID_EPA, IOVA_RAM, -EFAULT, 1);
	cfg_wr(f, RID_DN1, 0x20, 4, win1);
	dma_n(f, RID_EPA, IOVA_RAM, 0, 1);
	assert_int_equal(f->fake.calls, calls + 6);
	/* A peer's BAR: reached directly, then, moved away, its old address is nobody's. */
	dma_n(f, RID_EPA, peer + 0x08, 0, 1);
	assert_int_equal(f->obs.last.target, HW_DMA_PEER);
	cfg_wr(f, RID_EPB, 0x10, 4, (u32)peer + 0x4000);
	dma_n(f, RID_EPA, peer + 0x08, -EFAULT, 1);
	dma_n(f, RID_EPA, peer + 0x4008, 0, 1);
	assert_int_equal(f->obs.last.target, HW_DMA_PEER);
	cfg_wr(f, RID_EPB, 0x10, 4, (u32)peer);
	/* ACS on the ingress port: the peer's BAR goes to the IOMMU at once. */
	cfg_wr(f, RID_DN0, acs + 6, 2, 0x0004);
	dma_n(f, RID_EPA, peer + 0x08, -EFAULT, 1);	/* the fake IOMMU faults it */
	assert_int_equal(f->fake.calls, calls + 7);
	cfg_wr(f, RID_DN0, acs + 6, 2, 0);
	dma_n(f, RID_EPA, peer + 0x08, 0, 1);
	assert_int_equal(f->obs.last.target, HW_DMA_PEER);
	assert_int_equal(f->fake.calls, calls + 7);
	/* Hot removal of the function: its cached route goes with it. */
	dma_n(f, RID_EPA, IOVA_RAM, 0, 1);
	struct hw_dma_master *a = master(f, RID_EPA);
	assert_int_equal(hw_pci_surprise_remove(f->m, 0, RID_EPA), 0);
	u32 x;
	assert_int_equal(hw_dma(f->m, a, IOVA_RAM, &x, 4, HW_READ), -EFAULT);
}

static void test_intercept(void **state)
{
	struct opts o = default_opts;
	struct fx *f;
	u32 x = 0x77;
	u64 v;

	(void)state;
	o.intercept = true;
	f = make(&o);
	firmware(f);
	u64 peer = bar0(f, RID_EPA);
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), peer + 0x10, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.calls, 0);
	assert_int_equal(f->obs.last.target, HW_DMA_PEER);
	hw_mmio_read(f->m, peer + 0x10, 4, &v);
	assert_int_equal(v, 0x77);
	/* In the window but nothing claims it: aborted, not translated. */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), MEM + 0x0ff00000, &x, 4, HW_WRITE),
			 -EFAULT);
	assert_int_equal(f->fake.calls, 0);
	/* Outside the windows: the IOMMU. */
	assert_int_equal(hw_dma(f->m, master(f, RID_EPC), IOVA_RAM, &x, 4, HW_WRITE), 0);
	assert_int_equal(f->fake.calls, 1);
	destroy(f);
}

/* ---- MSI-X to the ITS, INTx -------------------------------------------------------- */

#define CQ (RAM + 0x800000)
#define DTAB (RAM + 0x900000)
#define CT (RAM + 0xa00000)
#define ITT (RAM + 0xb00000)

static void its_cmd(struct fx *f, u64 *cw, u64 dw0, u64 dw1, u64 dw2)
{
	u64 c[4] = { dw0, dw1, dw2, 0 };

	assert_int_equal(hw_mem_write(f->m, CQ + *cw, c, sizeof(c)), 0);
	*cw += 32;
	assert_int_equal(hw_mmio_write(f->m, ITS + 0x88, 8, *cw), 0);
}

/* Linux's order: tables and queue while disabled, then Enabled; one event mapped. */
static void its_setup(struct fx *f, u32 devid, u32 event, u32 intid)
{
	u64 v, cw = 0;

	hw_mmio_write(f->m, ITS + 0x80, 8, 1ull << 63 | CQ | 15);
	hw_mmio_read(f->m, ITS + 0x100, 8, &v);
	hw_mmio_write(f->m, ITS + 0x100, 8, v | 1ull << 63 | DTAB | 3);
	hw_mmio_read(f->m, ITS + 0x108, 8, &v);
	hw_mmio_write(f->m, ITS + 0x108, 8, v | 1ull << 63 | CT);
	hw_mmio_write(f->m, ITS + 0x88, 8, 0);
	hw_mmio_write(f->m, ITS + 0x0, 4, 1);
	its_cmd(f, &cw, 0x09, 0, 0 | 1ull << 63);                          /* MAPC 0 -> cpu 0 */
	its_cmd(f, &cw, 0x08 | (u64)devid << 32, 4, ITT | 1ull << 63);      /* MAPD, 32 events */
	its_cmd(f, &cw, 0x0a | (u64)devid << 32, event | (u64)intid << 32, 0);   /* MAPTI */
}

static unsigned msix_cap(struct fx *f, u16 rid)
{
	unsigned cap = cfg_rd(f, rid, 0x34, 1);

	while (cap && cfg_rd(f, rid, cap, 1) != 0x11)
		cap = cfg_rd(f, rid, cap + 1, 1);
	assert_int_not_equal(cap, 0);
	return cap;
}

static void start_copy(struct fx *f, u16 rid, u32 len)
{
	u64 regs = bar0(f, rid);

	hw_mmio_write(f->m, regs + 0x08, 4, (u32)IOVA_RAM);
	hw_mmio_write(f->m, regs + 0x10, 4, (u32)IOVA_RAM + 0x1000);
	hw_mmio_write(f->m, regs + 0x18, 4, len);
	hw_mmio_write(f->m, regs + 0x20, 4, 3);   /* START | IRQ_EN */
}

static void test_msix_its(void **state)
{
	struct fx *f = *state;
	const u32 devid = RID_EPA + 0x100;   /* msi-map = <0 &its 0x100 0x10000> */
	u64 table = cfg_rd(f, RID_EPA, 0x18, 4) & ~0xfull, st;
	unsigned cap = msix_cap(f, RID_EPA);
	u8 src[64];

	its_setup(f, devid, 5, LPI + 7);
	/* The GIC model marks its frames itself later; here the test does. */
	hw_mmio_set_doorbell(f->m, ITS, true);
	assert_int_equal(hw_mmio_read(f->m, ITS + 0xc000, 4, &st), 0);
	assert_int_equal(st & 1, 0);   /* no command error */
	for (unsigned i = 0; i < sizeof(src); i++)
		src[i] = (u8)i;
	assert_int_equal(hw_mem_write(f->m, RAM + IOVA_RAM, src, sizeof(src)), 0);
	/* Vector 0: the doorbell's IOVA (the fake IOMMU maps it to GITS_TRANSLATER), event 5. */
	hw_mmio_write(f->m, table + 0, 4, (u32)IOVA_MSI + 0x40);
	hw_mmio_write(f->m, table + 4, 4, 0);
	hw_mmio_write(f->m, table + 8, 4, 5);
	hw_mmio_write(f->m, table + 12, 4, 0);
	cfg_wr(f, RID_EPA, cap + 2, 2, 0x8000);
	start_copy(f, RID_EPA, sizeof(src));
	hw_run_until_idle(f->m);
	hw_mmio_read(f->m, bar0(f, RID_EPA) + 0x24, 4, &st);
	assert_int_equal(st, 0x2);
	assert_int_equal(f->sink.raised[LPI + 7], 1);
	assert_int_equal(f->obs.last.target, HW_DMA_DOORBELL);
	/* INTx stays quiet while MSI-X is enabled. */
	assert_int_equal(f->sink.raised[32 + 8], 0);
	/* Another function's DeviceID has no mapping: nothing raised. */
	hw_irq_set(f->m, LPI + 7, false);
	u64 t2 = cfg_rd(f, RID_EPB, 0x18, 4) & ~0xfull;
	hw_mmio_write(f->m, t2 + 0, 4, (u32)IOVA_MSI + 0x40);
	hw_mmio_write(f->m, t2 + 8, 4, 5);
	cfg_wr(f, RID_EPB, msix_cap(f, RID_EPB) + 2, 2, 0x8000);
	start_copy(f, RID_EPB, sizeof(src));
	hw_run_until_idle(f->m);
	assert_int_equal(f->sink.raised[LPI + 7], 1);
	/* A CPU write to GITS_TRANSLATER carries no DeviceID: ignored. */
	hw_mmio_write(f->m, ITS + 0x10040, 4, 5);
	assert_int_equal(f->sink.raised[LPI + 7], 1);
}

static void test_intx(void **state)
{
	struct fx *f = *state;
	u64 regs = bar0(f, RID_EPB1);

	/* 04:00.1 INTA -> dn1 (device 1): INTB -> up -> root port A (00:00.0): INTB = SPI 9. */
	start_copy(f, RID_EPB1, 16);
	hw_run_until_idle(f->m);
	assert_true(hw_irq_level(f->m, 32 + 9));
	/* Conventional 06:03.0 INTA -> bridge (device 3): INTD -> root port B (device 1): SPI 15. */
	start_copy(f, RID_EPC, 16);
	hw_run_until_idle(f->m);
	assert_true(hw_irq_level(f->m, 32 + 15));
	/* INTx Disable drops the line; DONE cleared drops it too. */
	cfg_wr(f, RID_EPB1, 0x04, 2, 0x0406);
	assert_false(hw_irq_level(f->m, 32 + 9));
	cfg_wr(f, RID_EPB1, 0x04, 2, 0x0006);
	assert_true(hw_irq_level(f->m, 32 + 9));
	hw_mmio_write(f->m, regs + 0x24, 4, 0x6);
	assert_false(hw_irq_level(f->m, 32 + 9));
}

static void test_flr(void **state)
{
	struct fx *f = *state;
	u64 regs = bar0(f, RID_EPA), v;
	unsigned cap = cfg_rd(f, RID_EPA, 0x34, 1);

	while (cfg_rd(f, RID_EPA, cap, 1) != 0x10)
		cap = cfg_rd(f, RID_EPA, cap + 1, 1);
	assert_true(cfg_rd(f, RID_EPA, cap + 4, 4) & (1u << 28));   /* FLR capable */
	hw_mmio_write(f->m, regs + 0x08, 4, 0x1234);
	start_copy(f, RID_EPA, 4096);                               /* in flight */
	cfg_wr(f, RID_EPA, cap + 8, 2, 0x8000);                     /* Initiate FLR */
	/* Reset: BARs no longer decode, the transfer is dropped. */
	assert_int_equal(hw_mmio_read(f->m, regs, 4, &v), -EFAULT);
	assert_int_equal(hw_events_pending(f->m), 0);
	cfg_wr(f, RID_EPA, 0x10, 4, (u32)regs);
	cfg_wr(f, RID_EPA, 0x04, 2, 6);
	hw_mmio_read(f->m, regs + 0x08, 4, &v);
	assert_int_equal(v, 0);
	hw_mmio_read(f->m, regs + 0x24, 4, &v);
	assert_int_equal(v, 0);
}

/* ---- hot add, surprise removal ------------------------------------------------------- */

static void *ep_desc(const char *compat, int *node)
{
	size_t size;
	void *b = tfdt_begin();

	tfdt_node(b, "ep");
	tfdt_str(b, "compatible", compat);
	tfdt_end_node(b);
	b = tfdt_finish(b, &size);
	*node = fdt_path_offset(b, "/ep");
	return b;
}

static void test_hotplug(void **state)
{
	struct fx *f = *state;
	char why[160] = "";
	int node;
	void *desc = ep_desc("iommulab,pci-dma-copy", &node);
	u32 x = 1;

	assert_int_equal(cfg_rd(f, 0x0700, 0, 4), 0xffffffff);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 7, 0, desc, node, why, sizeof(why)), 0);
	assert_int_equal(cfg_rd(f, 0x0700, 0, 4), 0x00101de5);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 7, 0, desc, node, why, sizeof(why)), -EBUSY);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 7, 8, desc, node, why, sizeof(why)), -EINVAL);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 7, 2, desc, node, why, sizeof(why)), 0);
	assert_int_equal(cfg_rd(f, 0x0700, 0x0e, 1), 0x80);   /* now multifunction */
	assert_int_equal(hw_pci_hot_add(f->m, 0, 0x0e, 0, desc, node, why, sizeof(why)), -ENODEV);
	assert_int_equal(hw_pci_hot_add(f->m, 1, 7, 0, desc, node, why, sizeof(why)), -ENODEV);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 2, 0, desc, node, why, sizeof(why)), -ENODEV);
	assert_int_equal(hw_pci_hot_add(NULL, 0, 7, 1, desc, node, why, sizeof(why)), -EINVAL);
	free(desc);
	desc = ep_desc("vendor,unknown", &node);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 7, 1, desc, node, why, sizeof(why)), -EINVAL);
	free(desc);
	/* The new function works: BAR in the port's window, DMA with its RID. */
	assign_function(f, 7, 0);
	assert_int_equal(hw_dma(f->m, master(f, 0x0700), IOVA_RAM, &x, 4, HW_READ), 0);
	assert_int_equal(f->fake.last_sid, 0x10700);

	/* Surprise removal of 03:00.0 with a transfer in flight. */
	struct hw_dma_master *old = master(f, RID_EPA);
	u64 regs = bar0(f, RID_EPA), v;
	u8 before[16], after[16];
	hw_mem_read(f->m, RAM + IOVA_RAM + 0x1000, before, sizeof(before));
	start_copy(f, RID_EPA, 16);
	hw_mem_write(f->m, RAM + IOVA_RAM, "0123456789abcdef", 16);
	assert_int_equal(hw_pci_surprise_remove(f->m, 0, RID_EPA), 0);
	hw_run_until_idle(f->m);
	hw_mem_read(f->m, RAM + IOVA_RAM + 0x1000, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(cfg_rd(f, RID_EPA, 0, 4), 0xffffffff);
	cfg_wr(f, RID_EPA, 0x04, 2, 6);
	assert_int_equal(hw_mmio_read(f->m, regs, 4, &v), -EFAULT);
	struct master_id id = master_id_pci(0, RID_EPA);
	assert_null(hw_master_by_id(f->m, &id));
	assert_int_equal(hw_dma(f->m, old, IOVA_RAM, &x, 4, HW_READ), -EFAULT);
	assert_int_equal(hw_pci_surprise_remove(f->m, 0, RID_EPA), -ENODEV);
	assert_int_equal(hw_pci_surprise_remove(f->m, 0, RID_DN0), -EBUSY);
	assert_int_equal(hw_pci_surprise_remove(f->m, 3, RID_EPB), -ENODEV);
	/* The slot can take a new function. */
	desc = ep_desc("iommulab,pci-dma-copy", &node);
	assert_int_equal(hw_pci_hot_add(f->m, 0, 3, 0, desc, node, why, sizeof(why)), 0);
	free(desc);
	assert_int_equal(cfg_rd(f, RID_EPA, 0, 2), 0x1de5);
}

/* ---- malformed trees -------------------------------------------------------------------- */

static void refuse(const char *what, const char *reason)
{
	struct opts o = default_opts;
	struct machine *m = NULL;
	char why[200] = "";
	size_t size;
	void *b;

	o.bad = what;
	b = tree(&o, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), -EINVAL);
	assert_null(m);
	if (!strstr(why, reason))
		fail_msg("%s: why '%s' lacks '%s'", what, why, reason);
	free(b);
}

static void test_malformed(void **state)
{
	(void)state;
	refuse("reg", "bad reg");
	refuse("dup", "already taken");
	refuse("dev32", "device number 32 > 31");
	refuse("fn8", "function number 8 > 7");
	refuse("link", "on a PCIe link");
	refuse("up-child", "only downstream ports");
	refuse("dn-on-root", "child of a switch upstream port");
	refuse("no-compat", "without a bridge compatible");
	refuse("fn-no-f0", "without function 0");
	refuse("class-cells", "ep@6,0: iommulab,class-code must be one cell");
	refuse("class-range", "iommulab,class-code = 0x1020000 (24 bits");
	refuse("class-bridge", "iommulab,class-code = 0x60400 (24 bits, not a PCI-to-PCI bridge)");

	/* iommulab,class-code: the function presents that class, read-only. */
	struct opts oc = default_opts;
	oc.class_code = 0x020000;
	struct fx *fc = make(&oc);
	assert_int_equal(cfg_rd(fc, 0x0030, 0x08, 4), 0x02000001);
	cfg_wr(fc, 0x0030, 0x08, 4, 0xffffffff);
	assert_int_equal(cfg_rd(fc, 0x0030, 0x08, 4), 0x02000001);
	destroy(fc);

	/* A child no model claims is skipped with a log. */
	struct opts o = default_opts;
	o.unknown_ep = true;
	struct fx *f = make(&o);
	assert_non_null(strstr(hw_pci_last_log(f->m), "thing@4,0: skipped"));
	assert_int_equal(cfg_rd(f, 0x0020, 0, 4), 0xffffffff);
	destroy(f);

	/*
	 * Child nodes under an endpoint (LS1028A's ENETC and its MDIO bus): the
	 * function's driver's business, as in Linux; not functions, not refused.
	 */
	o = default_opts;
	o.bad = "ep-child";
	f = make(&o);
	assert_int_not_equal(cfg_rd(f, 6 << 3, 0, 4), 0xffffffff);
	assert_int_equal(cfg_rd(f, 6 << 3, 0x0e, 1) & 0x7f, 0);   /* a type 0 header */
	destroy(f);
}

/* ---- fuzz --------------------------------------------------------------------------------- */

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_fuzz(void **state)
{
	struct fx *f = *state;
	static const u16 rids[] = { RID_EPA, RID_EPB, RID_EPB1, RID_EPC, RID_RPA, RID_DN0 };
	u64 s = 0x9e3779b97f4a7c15ull;
	u8 buf[64];

	for (int i = 0; i < 20000; i++) {
		u64 r = rnd(&s);
		unsigned size = 1u << (r & 3);
		/* Mostly the first buses' real functions, sometimes anywhere. */
		u64 off = (r >> 8) % (r & 0x100 ? 0x1000000 : 0x800000);
		if ((r >> 40) & 1) {
			u64 v;
			hw_mmio_read(f->m, ECAM + off, size, &v);
		} else {
			hw_mmio_write(f->m, ECAM + off, size, rnd(&s));
		}
		if ((r >> 41) % 16 == 0) {
			struct master_id id = master_id_pci(0, rids[(r >> 45) % ARRAY_SIZE(rids)]);
			struct hw_dma_master *d = hw_master_by_id(f->m, &id);

			if (d)
				hw_dma(f->m, d, rnd(&s) & 0x1ffffffffull, buf,
				       1 + (r >> 50) % sizeof(buf), (r >> 60) & 1 ? HW_READ : HW_WRITE);
		}
		if ((r >> 42) % 64 == 0)
			hw_run_until(f->m, hw_now(f->m) + 10000);
	}
	hw_run_until_idle(f->m);
}

/* The test platform with the full topology builds, and firmware finds it all. */
static void test_platform(void **state)
{
	const char *path = LAB_SRCDIR "/tests/scenarios/platforms/pci-topology.dts";
	struct fx *f = calloc(1, sizeof(*f));
	char why[200] = "";
	void *blob;
	size_t size;

	(void)state;
	assert_non_null(f);
	if (dt_load_file(path, &blob, &size, why, sizeof(why)))
		fail_msg("%s: %s", path, why);
	if (machine_create(blob, size, 1, &f->m, why, sizeof(why)))
		fail_msg("machine_create: %s", why);
	free(blob);
	firmware(f);
	assert_int_equal(cfg_rd(f, RID_EPC, 0, 4), 0x00101de5);
	assert_int_equal(cfg_rd(f, RID_EPB, 0x0e, 1), 0x80);
	assert_int_equal(cfg_rd(f, RID_RPC, 2, 2), 0x0100);
	assert_int_equal(hw_mmio_read(f->m, bar0(f, RID_EPB1), 4, &(u64){ 0 }), 0);
	destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
		cmocka_unit_test(test_before_bus_numbers),
		cmocka_unit_test_setup_teardown(test_bar_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_stream_id, setup, teardown),
		cmocka_unit_test(test_dma_map_mask),
		cmocka_unit_test_setup_teardown(test_bme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p2p, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_cache, setup, teardown),
		cmocka_unit_test(test_intercept),
		cmocka_unit_test_setup_teardown(test_msix_its, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug, setup, teardown),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test(test_platform),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
