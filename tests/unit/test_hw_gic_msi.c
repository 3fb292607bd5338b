/*
 * The MSI controllers on a bare machine: the GICv2m frame and the GICv3
 * ITS, driven by raw register writes, commands in emulated memory and
 * doorbell writes as the fabric will deliver them (docs/devices.md).
 */
#include <errno.h>
#include <stdio.h>

#include "hw_test_fdt.h"
#include "test_util.h"
#include "hw/machine.h"
#include "hw/gic_its.h"
#include "hw/gicv2m.h"

#define RAM 0x40000000ull
#define RAM_SIZE 0x1000000ull
#define V2M 0x08020000ull       /* arm,msi-base-spi 64, arm,msi-num-spis 32 */
#define V2M_DFLT 0x08030000ull  /* no SPI properties: the reset TYPER */
#define ITS 0x08080000ull

/* Where the tests put the ITS's memory. */
#define CQ (RAM + 0x000000)      /* command queue, 64 KiB */
#define DT (RAM + 0x100000)      /* device table: 4 pages of 4 KiB, DeviceIDs 0..2047 */
#define CT (RAM + 0x200000)      /* collection table: 1 page */
#define PROP (RAM + 0x300000)    /* LPI configuration table, 8 KiB */
#define ITT (RAM + 0x400000)     /* ITTs: 1 MiB arena */
#define ITT_ARENA 0x100000ull
#define CQ_SIZE 0x10000ull

#define GITS_CTLR 0x0000
#define GITS_IIDR 0x0004
#define GITS_TYPER 0x0008
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER0 0x0100
#define GITS_BASER1 0x0108
#define GITS_ERR 0xc000
#define GITS_ERRCODE 0xc004
#define GITS_ERRCNT 0xc008
#define GITS_PIDR2 0xffe8
#define GITS_TRANSLATER 0x10040

#define LPI 8192u

struct sink {
	unsigned raised[16384];
};

static void sink(void *opaque, u32 intid, bool level)
{
	struct sink *s = opaque;

	if (level && intid < 16384)
		s->raised[intid]++;
}

struct fx {
	struct machine *m;
	struct gic_its *its;
	struct sink sink;
	u64 cw;   /* the next free slot of the queue */
};

/* A property of the ITS node rather than of the second v2m frame. */
static bool its_prop(const char *prop)
{
	return !strncmp(prop, "iommulab,its-", 13);
}

static void *dts(bool stall, const char *v2m_prop, u32 v2m_val, u64 its_size, size_t *size)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM, RAM_SIZE);
	tfdt_node(b, "cpus");
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 0);
	for (int i = 0; i < 2; i++) {
		tfdt_node(b, i ? "cpu@1" : "cpu@0");
		tfdt_str(b, "device_type", "cpu");
		tfdt_u32(b, "reg", (u32)i);
		tfdt_end_node(b);
	}
	tfdt_end_node(b);
	tfdt_node(b, "interrupt-controller@8000000");
	tfdt_str(b, "compatible", "arm,gic-v3");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_cells(b, "reg", 4, 0, 0x08000000, 0, 0x10000);
	tfdt_u32(b, "phandle", 1);
	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_empty(b, "ranges");
	tfdt_node(b, "v2m@8020000");
	tfdt_str(b, "compatible", "arm,gic-v2m-frame");
	tfdt_empty(b, "msi-controller");
	tfdt_cells(b, "reg", 4, 0, (u32)V2M, 0, 0x1000);
	tfdt_u32(b, "arm,msi-base-spi", 64);
	tfdt_u32(b, "arm,msi-num-spis", 32);
	tfdt_end_node(b);
	tfdt_node(b, "v2m@8030000");
	tfdt_str(b, "compatible", "arm,gic-v2m-frame");
	tfdt_empty(b, "msi-controller");
	tfdt_cells(b, "reg", 4, 0, (u32)V2M_DFLT, 0, 0x1000);
	if (v2m_prop && !its_prop(v2m_prop))
		tfdt_u32(b, v2m_prop, v2m_val);
	tfdt_end_node(b);
	tfdt_node(b, "msi-controller@8080000");
	tfdt_str(b, "compatible", "arm,gic-v3-its");
	tfdt_empty(b, "msi-controller");
	tfdt_u32(b, "#msi-cells", 1);
	tfdt_cells(b, "reg", 4, 0, (u32)ITS, (u32)(its_size >> 32), (u32)its_size);
	if (stall)
		tfdt_empty(b, "iommulab,its-stall-on-error");
	if (v2m_prop && its_prop(v2m_prop))
		tfdt_u32(b, v2m_prop, v2m_val);
	tfdt_end_node(b);
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

static struct fx *make(bool stall)
{
	struct fx *f = calloc(1, sizeof(*f));
	char why[160] = "";
	size_t size;
	void *b = dts(stall, NULL, 0, 0x20000, &size);

	assert_non_null(f);
	assert_int_equal(machine_create(b, size, 1, &f->m, why, sizeof(why)), 0);
	free(b);
	f->its = gic_its_find(f->m, ITS);
	assert_non_null(f->its);
	hw_irq_set_sink(f->m, sink, &f->sink);
	return f;
}

static int setup(void **state)
{
	*state = make(false);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	machine_destroy(f->m);
	free(f);
	return 0;
}

static u64 rd(struct fx *f, u64 pa, unsigned size)
{
	u64 v;

	assert_int_equal(hw_mmio_read(f->m, pa, size, &v), 0);
	return v;
}

static void wr(struct fx *f, u64 pa, unsigned size, u64 v)
{
	assert_int_equal(hw_mmio_write(f->m, pa, size, v), 0);
}

/* ---- GICv2m ----------------------------------------------------------- */

static void test_v2m_typer_iidr(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, V2M + 0x008, 4), 64u << 16 | 32);   /* from the DT */
	assert_int_equal(rd(f, V2M_DFLT + 0x008, 4), 96u << 16 | 64);   /* reset value */
	assert_int_equal(rd(f, V2M + 0xfcc, 4), 0x4c000000);
	assert_int_equal(rd(f, V2M + 0x040, 4), 0);   /* write-only */
	wr(f, V2M + 0x008, 4, 0xffffffff);
	assert_int_equal(rd(f, V2M + 0x008, 4), 64u << 16 | 32);
	assert_non_null(gicv2m_find(f->m, V2M));
	assert_null(gicv2m_find(f->m, ITS));
}

static void test_v2m_setspi(void **state)
{
	struct fx *f = *state;

	wr(f, V2M + 0x040, 4, 64);
	assert_true(hw_irq_level(f->m, 64));
	assert_int_equal(f->sink.raised[64], 1);
	/* Latched: a second MSI while pending merges; after the acknowledge it is new. */
	wr(f, V2M + 0x040, 4, 64);
	assert_int_equal(f->sink.raised[64], 1);
	hw_irq_set(f->m, 64, false);
	wr(f, V2M + 0x040, 4, 64);
	assert_int_equal(f->sink.raised[64], 2);
	wr(f, V2M + 0x040, 4, 95);   /* the last of the frame's 32 */
	assert_true(hw_irq_level(f->m, 95));
	/* The doorbell path: any DeviceID, same effect. */
	assert_int_equal(gicv2m_doorbell_write(gicv2m_find(f->m, V2M), 0x1234, 0x40, 70), 0);
	assert_true(hw_irq_level(f->m, 70));
	assert_int_equal(gicv2m_doorbell_write(gicv2m_find(f->m, V2M), 0, 0x1000, 70), -EFAULT);
}

static void test_v2m_out_of_range(void **state)
{
	struct fx *f = *state;
	u32 bad[] = { 0, 31, 63, 96, 97, 128, 1019, 0xffff, 64 + 0x10000, 0xffffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		wr(f, V2M + 0x040, 4, bad[i]);
	wr(f, V2M + 0x040, 2, 64);   /* a 16-bit write does nothing */
	wr(f, V2M + 0x044, 4, 64);   /* nor does the word after SETSPI_NS */
	wr(f, V2M_DFLT + 0x040, 4, 64);   /* 64 is not the default frame's */
	for (unsigned i = 0; i < 16384; i++)
		assert_int_equal(f->sink.raised[i], 0);
	wr(f, V2M_DFLT + 0x040, 4, 96);
	assert_int_equal(f->sink.raised[96], 1);
}

static void refuse(const char *prop, u32 val, u64 its_size, const char *reason)
{
	struct machine *m = NULL;
	char why[160] = "";
	size_t size;
	void *b = dts(false, prop, val, its_size, &size);

	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), -EINVAL);
	assert_null(m);
	if (!strstr(why, reason))
		fail_msg("why '%s' lacks '%s'", why, reason);
	free(b);
}

static void test_bad_dt(void **state)
{
	(void)state;
	refuse("arm,msi-num-spis", 0x7fffffff, 0x20000, "SPI range");
	refuse("arm,msi-num-spis", 0, 0x20000, "SPI range");
	refuse("arm,msi-num-spis", 1000, 0x20000, "SPI range");   /* 96 + 1000 > 1020 */
	refuse("arm,msi-base-spi", 16, 0x20000, "SPI range");     /* a PPI */
	refuse("arm,msi-base-spi", 0xffffffff, 0x20000, "SPI range");
	refuse(NULL, 0, 0x8000, "at least 64 KiB");   /* 64 KiB is Stingray's: test_msi */
	refuse("iommulab,its-devbits", 0, 0x20000, "not 1..32");
	refuse("iommulab,its-devbits", 33, 0x20000, "not 1..32");
	/* The largest good range is accepted. */
	struct machine *m = NULL;
	size_t size;
	void *b = dts(false, "arm,msi-num-spis", 1020 - 96, 0x20000, &size);

	assert_int_equal(machine_create(b, size, 1, &m, NULL, 0), 0);
	machine_destroy(m);
	free(b);
}

/* iommulab,its-devbits sets GITS_TYPER.Devbits; IDs beyond it are out of range. */
static void test_its_devbits_override(void **state)
{
	struct machine *m = NULL;
	size_t size;
	void *b = dts(false, "iommulab,its-devbits", 32, 0x20000, &size);
	u64 typer;

	(void)state;
	assert_int_equal(machine_create(b, size, 1, &m, NULL, 0), 0);
	assert_int_equal(hw_mmio_read(m, ITS + GITS_TYPER, 8, &typer), 0);
	assert_int_equal(typer >> 13 & 0x1f, 31);
	machine_destroy(m);
	free(b);
	b = dts(false, "iommulab,its-devbits", 16, 0x20000, &size);
	assert_int_equal(machine_create(b, size, 1, &m, NULL, 0), 0);
	assert_int_equal(hw_mmio_read(m, ITS + GITS_TYPER, 8, &typer), 0);
	assert_int_equal(typer >> 13 & 0x1f, 15);
	machine_destroy(m);
	free(b);
}

/* ---- ITS: programming as a driver does -------------------------------- */

static void cmd(struct fx *f, u64 dw0, u64 dw1, u64 dw2, u64 dw3)
{
	u64 c[4] = { dw0, dw1, dw2, dw3 };

	assert_int_equal(hw_mem_write(f->m, CQ + f->cw, c, sizeof(c)), 0);
	f->cw = (f->cw + 32) % CQ_SIZE;
	wr(f, ITS + GITS_CWRITER, 8, f->cw);
}

static void mapd(struct fx *f, u32 dev, u64 itt, u32 bits, bool v)
{
	cmd(f, 0x08 | (u64)dev << 32, bits - 1, itt | (u64)v << 63, 0);
}

static void mapc(struct fx *f, u32 icid, u32 cpu, bool v)
{
	cmd(f, 0x09, 0, icid | (u64)cpu << 16 | (u64)v << 63, 0);
}

static void mapti(struct fx *f, u32 dev, u32 ev, u32 intid, u32 icid)
{
	cmd(f, 0x0a | (u64)dev << 32, ev | (u64)intid << 32, icid, 0);
}

static void ev_cmd(struct fx *f, u8 op, u32 dev, u32 ev)
{
	cmd(f, op | (u64)dev << 32, ev, 0, 0);
}

static void movi(struct fx *f, u32 dev, u32 ev, u32 icid)
{
	cmd(f, 0x01 | (u64)dev << 32, ev, icid, 0);
}

static void sync_(struct fx *f)
{
	cmd(f, 0x05, 0, 0, 0);
}

/* Linux's order: tables and queue while disabled, CWRITER 0, then Enabled. */
static void its_init(struct fx *f)
{
	wr(f, ITS + GITS_CBASER, 8, 1ull << 63 | CQ | 15);   /* 16 pages: 64 KiB */
	wr(f, ITS + GITS_BASER0, 8, rd(f, ITS + GITS_BASER0, 8) | 1ull << 63 | DT | 3);
	wr(f, ITS + GITS_BASER1, 8, rd(f, ITS + GITS_BASER1, 8) | 1ull << 63 | CT | 0);
	wr(f, ITS + GITS_CWRITER, 8, 0);
	wr(f, ITS + GITS_CTLR, 4, 1);
	f->cw = 0;
}

static u32 errcode(struct fx *f)
{
	return (u32)rd(f, ITS + GITS_ERRCODE, 4);
}

static void clear_err(struct fx *f)
{
	wr(f, ITS + GITS_ERR, 4, 1);
}

static void translate(struct fx *f, u32 dev, u32 ev)
{
	assert_int_equal(its_doorbell_write(f->its, dev, GITS_TRANSLATER, ev), 0);
}

static unsigned total_raised(struct fx *f)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 16384; i++)
		n += f->sink.raised[i];
	return n;
}

static void test_its_registers(void **state)
{
	struct fx *f = *state;
	u64 typer = rd(f, ITS + GITS_TYPER, 8);

	assert_int_equal(typer & 1, 1);                 /* Physical */
	assert_int_equal(typer >> 4 & 0xf, 7);          /* 8-byte ITEs */
	assert_int_equal(typer >> 8 & 0x1f, 15);        /* 16 EventID bits */
	assert_int_equal(typer >> 13 & 0x1f, 19);       /* 20 DeviceID bits */
	assert_int_equal(typer >> 19 & 1, 0);           /* PTA: processor numbers */
	assert_int_equal(typer >> 24 & 0xff, 0);        /* HCC: collections in memory */
	assert_int_equal(typer >> 32 & 0x1f, 0x17);     /* CIL, 8 collection ID bits */
	assert_int_equal(rd(f, ITS + GITS_PIDR2, 4) & 0xf0, 0x30);
	assert_int_equal(rd(f, ITS + GITS_IIDR, 4), 0x4c000000);
	assert_int_equal(rd(f, ITS + GITS_CTLR, 4), 0x80000000);   /* disabled, quiescent */
	assert_int_equal(rd(f, ITS + GITS_BASER0, 8), 0x0107000000000000ull);
	assert_int_equal(rd(f, ITS + GITS_BASER1, 8), 0x0407000000000000ull);
	assert_int_equal(rd(f, ITS + GITS_BASER0 + 16, 8), 0);
	/* What Linux writes sticks (64 KiB pages, cacheability, shareability)... */
	u64 val = 1ull << 63 | 7ull << 59 | 0x0107000000000000ull | DT | 1ull << 10 | 2ull << 8 | 7;
	wr(f, ITS + GITS_BASER0, 8, val);
	assert_int_equal(rd(f, ITS + GITS_BASER0, 8), val);
	/* Indirect (bit 62) sticks for the device table, not the collection table. */
	wr(f, ITS + GITS_BASER0, 8, val | 1ull << 62);
	assert_int_equal(rd(f, ITS + GITS_BASER0, 8), val | 1ull << 62);
	wr(f, ITS + GITS_BASER1, 8, 0x0407000000000000ull | 1ull << 62);
	assert_int_equal(rd(f, ITS + GITS_BASER1, 8), 0x0407000000000000ull);
	wr(f, ITS + GITS_BASER1, 8, 0);
	/* 32-bit halves merge. */
	wr(f, ITS + GITS_BASER1 + 4, 4, 0x80000000);
	assert_int_equal(rd(f, ITS + GITS_BASER1, 8), 0x8407000000000000ull);
	its_init(f);
	assert_int_equal(rd(f, ITS + GITS_CTLR, 4), 1);
	/* Enabled: CBASER and BASERs no longer change. */
	wr(f, ITS + GITS_CBASER, 8, 0);
	wr(f, ITS + GITS_BASER0, 8, 0);
	assert_int_equal(rd(f, ITS + GITS_CBASER, 8), 1ull << 63 | CQ | 15);
	assert_int_equal(rd(f, ITS + GITS_BASER0, 8) >> 63, 1);
	wr(f, ITS + GITS_CREADR, 8, 0x100);
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8), 0);
}

/* Device 5 with 4 events, collection 0 on CPU 0, event 2 -> LPI 8202. */
static void map_one(struct fx *f)
{
	its_init(f);
	mapd(f, 5, ITT, 2, true);
	mapc(f, 0, 0, true);
	mapti(f, 5, 2, LPI + 10, 0);
	sync_(f);
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8), f->cw);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 0);
}

static void test_its_translate(void **state)
{
	struct fx *f = *state;

	map_one(f);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(f->sink.raised[LPI + 10], 1);
	assert_int_equal(total_raised(f), 1);
	/* The CPU's MMIO write carries no DeviceID: nothing. */
	hw_irq_set(f->m, LPI + 10, false);
	wr(f, ITS + GITS_TRANSLATER, 4, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	/* The ITT lives where MAPD said: the ITE of event 2 is in memory. */
	u64 ite;
	assert_int_equal(hw_mem_read(f->m, ITT + 2 * 8, &ite, 8), 0);
	assert_int_equal(ite >> 32, LPI + 10);
	/* A disabled ITS drops doorbells. */
	wr(f, ITS + GITS_CTLR, 4, 0);
	translate(f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(rd(f, ITS + GITS_ERRCNT, 4), 0);
	assert_int_equal(its_doorbell_write(f->its, 5, 0x20000, 2), -EFAULT);
}

/*
 * A two-level device table (BASER0.Indirect), as Linux sets up for 20
 * DeviceID bits: 2 pages of level-1 entries, each naming a 4 KiB page of
 * 512 DTEs. Hip07's 0x40b1b has its DTE in the level-2 page of entry
 * 0x205, at 0x11b; an ID whose level-1 entry is invalid, or beyond the
 * level-1 table, is out of range.
 */
static void test_its_two_level(void **state)
{
	struct fx *f = *state;
	const u64 l2 = RAM + 0x500000;
	u64 l1e = l2 | 1ull << 63, dte;

	wr(f, ITS + GITS_CBASER, 8, 1ull << 63 | CQ | 15);
	wr(f, ITS + GITS_BASER0, 8,
	   rd(f, ITS + GITS_BASER0, 8) | 1ull << 63 | 1ull << 62 | DT | 1);
	wr(f, ITS + GITS_BASER1, 8, rd(f, ITS + GITS_BASER1, 8) | 1ull << 63 | CT | 0);
	assert_int_equal(hw_mem_write(f->m, DT + 0x205 * 8, &l1e, 8), 0);
	wr(f, ITS + GITS_CWRITER, 8, 0);
	wr(f, ITS + GITS_CTLR, 4, 1);
	f->cw = 0;
	mapd(f, 0x40b1b, ITT, 2, true);
	mapc(f, 0, 0, true);
	mapti(f, 0x40b1b, 1, LPI + 20, 0);
	sync_(f);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 0);
	assert_int_equal(hw_mem_read(f->m, l2 + 0x11b * 8, &dte, 8), 0);
	assert_int_equal(dte & 1, 1);
	translate(f, 0x40b1b, 1);
	assert_true(hw_irq_level(f->m, LPI + 20));
	/* No level-2 page for 0x409ff (entry 0x204): MAPD fails, DEVICE_OOR. */
	mapd(f, 0x409ff, ITT + 0x1000, 2, true);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 1);
	assert_int_equal(errcode(f), 0x010801);
	clear_err(f);
	translate(f, 0x409ff, 0);
	assert_int_equal(errcode(f), 0x010001);
	clear_err(f);
	translate(f, 0x80000, 0);   /* level-1 entry 1024: beyond the 2 pages */
	assert_int_equal(errcode(f), 0x010001);
	assert_int_equal(total_raised(f), 1);
}

static void test_its_translation_errors(void **state)
{
	struct fx *f = *state;
	struct { u32 dev, ev, code; } cases[] = {
		{ 6, 2, 0x010004 },      /* unmapped device */
		{ 5, 4, 0x010005 },      /* beyond the ITT's 4 events */
		{ 5, 1, 0x010007 },      /* no ITE */
		{ 2048, 0, 0x010001 },   /* beyond the 4-page device table */
		{ 1u << 20, 0, 0x010001 },  /* beyond Devbits */
		{ 5, 3, 0x010009 },      /* mapped to collection 3, which is not */
	};

	map_one(f);
	mapti(f, 5, 3, LPI + 11, 3);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		clear_err(f);
		translate(f, cases[i].dev, cases[i].ev);
		assert_int_equal(rd(f, ITS + GITS_ERR, 4), 1);
		assert_int_equal(errcode(f), cases[i].code);
	}
	assert_int_equal(total_raised(f), 0);
	assert_int_equal(rd(f, ITS + GITS_ERRCNT, 4), ARRAY_SIZE(cases));
}

static void test_its_command_errors(void **state)
{
	struct fx *f = *state;
	struct { u64 dw0, dw1, dw2; u32 code; } cases[] = {
		{ 0x08 | 2048ull << 32, 1, ITT | 1ull << 63, 0x010801 },   /* MAPD device OOR */
		{ 0x08 | 7ull << 32, 16, ITT | 1ull << 63, 0x010802 },     /* 17 EventID bits */
		{ 0x09, 0, 256 | 1ull << 63, 0x010903 },                  /* ICID beyond 8 bits */
		{ 0x09, 0, 1 | 2ull << 16 | 1ull << 63, 0x010902 },       /* CPU 2 of 2 */
		{ 0x0a | 6ull << 32, 0 | (u64)LPI << 32, 0, 0x010a04 },    /* MAPTI unmapped device */
		{ 0x0a | 5ull << 32, 4 | (u64)LPI << 32, 0, 0x010a05 },    /* event beyond the ITT */
		{ 0x0a | 5ull << 32, 1 | 8191ull << 32, 0, 0x010a06 },     /* not an LPI */
		{ 0x0a | 5ull << 32, 1 | 16384ull << 32, 0, 0x010a06 },    /* beyond the LPIs */
		{ 0x0a | 5ull << 32, 1 | (u64)LPI << 32, 300, 0x010a03 },  /* ICID OOR */
		{ 0x0b | 5ull << 32, 1, 0, 0x010b06 },                    /* MAPI: INTID 1 */
		{ 0x0c | 5ull << 32, 1, 0, 0x010c07 },                    /* INV unmapped event */
		{ 0x0f | 5ull << 32, 1, 0, 0x010f07 },                    /* DISCARD the same */
		{ 0x03 | 6ull << 32, 2, 0, 0x010304 },                    /* INT unmapped device */
		{ 0x04 | 5ull << 32, 9, 0, 0x010405 },                    /* CLEAR event OOR */
		{ 0x01 | 5ull << 32, 2, 1, 0x010109 },                    /* MOVI to unmapped coll. */
		{ 0x0d, 0, 1, 0x010d09 },                                 /* INVALL unmapped coll. */
		{ 0x0e, 0, 5ull << 16, 0x010e01 },                        /* MOVALL CPU 5 */
		{ 0x20, 0, 0, 0x0120ff },                                 /* not a command */
	};

	map_one(f);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		clear_err(f);
		cmd(f, cases[i].dw0, cases[i].dw1, cases[i].dw2, 0);
		if (errcode(f) != cases[i].code || rd(f, ITS + GITS_ERR, 4) != 1)
			fail_msg("case %u: error %#x, want %#x", i, errcode(f), cases[i].code);
		/* Ignored, and the queue moves on. */
		assert_int_equal(rd(f, ITS + GITS_CREADR, 8), f->cw);
	}
	/* None of them changed the mapping. */
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(total_raised(f), 1);
	/* ERR is W1C: a write of 0 keeps it, of 1 clears it; ERRCODE stays. */
	wr(f, ITS + GITS_ERR, 4, 0);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 1);
	clear_err(f);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 0);
	assert_int_equal(errcode(f), 0x0120ff);
}

static void test_its_stall(void **state)
{
	struct fx *f = make(true);
	u64 bad;

	(void)state;
	map_one(f);
	bad = f->cw;
	ev_cmd(f, 0x03, 6, 2);       /* INT of an unmapped device: stalls here */
	ev_cmd(f, 0x03, 5, 2);       /* not run while stalled */
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8), bad | 1);
	assert_int_equal(errcode(f), 0x010304);
	assert_false(hw_irq_level(f->m, LPI + 10));
	/* A write without Retry changes nothing. */
	wr(f, ITS + GITS_CWRITER, 8, f->cw);
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8), bad | 1);
	/* Software fixes the command, then retries. */
	u64 fixed = 0x03 | 5ull << 32;
	assert_int_equal(hw_mem_write(f->m, CQ + bad, &fixed, 8), 0);
	wr(f, ITS + GITS_CWRITER, 8, f->cw | 1);
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8), f->cw);
	assert_true(hw_irq_level(f->m, LPI + 10));
	/* A CWRITER beyond the queue is an error and stalls too. */
	wr(f, ITS + GITS_CWRITER, 8, CQ_SIZE);
	assert_int_equal(rd(f, ITS + GITS_CREADR, 8) & 1, 1);
	machine_destroy(f->m);
	free(f);
}

static void set_prop(struct fx *f, u32 intid, u8 cfg)
{
	assert_int_equal(hw_mem_write(f->m, PROP + intid - LPI, &cfg, 1), 0);
}

static void test_its_inv(void **state)
{
	struct fx *f = *state;

	set_prop(f, LPI + 10, 0xa1);   /* priority 0xa0, enabled */
	its_set_lpi_config(f->its, PROP);
	map_one(f);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	hw_irq_set(f->m, LPI + 10, false);   /* the acknowledge */
	/* Disabled in memory without an INV: the ITS still has it enabled. */
	set_prop(f, LPI + 10, 0xa0);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	hw_irq_set(f->m, LPI + 10, false);
	ev_cmd(f, 0x0c, 5, 2);   /* INV */
	translate(f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));   /* pending, not delivered */
	assert_int_equal(f->sink.raised[LPI + 10], 2);
	/* Enabled again with INV: the pending LPI arrives. */
	set_prop(f, LPI + 10, 0xa1);
	ev_cmd(f, 0x0c, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(f->sink.raised[LPI + 10], 3);
	/* INVALL reloads too; disabling a raised LPI takes it off the line. */
	set_prop(f, LPI + 10, 0);
	cmd(f, 0x0d, 0, 0, 0);
	assert_false(hw_irq_level(f->m, LPI + 10));
	set_prop(f, LPI + 10, 1);
	cmd(f, 0x0d, 0, 0, 0);
	assert_true(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(rd(f, ITS + GITS_ERRCNT, 4), 0);
}

static void test_its_cache(void **state)
{
	struct fx *f = *state;
	u64 ite;

	map_one(f);
	translate(f, 5, 2);   /* cached now */
	hw_irq_set(f->m, LPI + 10, false);
	/* Software scribbles on the ITT (it must not): the cached translation wins. */
	assert_int_equal(hw_mem_read(f->m, ITT + 16, &ite, 8), 0);
	ite = (ite & 0xffffffff) | (u64)(LPI + 20) << 32;
	assert_int_equal(hw_mem_write(f->m, ITT + 16, &ite, 8), 0);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	assert_false(hw_irq_level(f->m, LPI + 20));
	ev_cmd(f, 0x0c, 5, 2);   /* INV drops the entry */
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 20));
}

static void test_its_discard_clear_int_movi(void **state)
{
	struct fx *f = *state;

	map_one(f);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	ev_cmd(f, 0x04, 5, 2);   /* CLEAR */
	assert_false(hw_irq_level(f->m, LPI + 10));
	ev_cmd(f, 0x03, 5, 2);   /* INT */
	assert_true(hw_irq_level(f->m, LPI + 10));
	/* MOVI to collection 1 once it is mapped; translation follows it. */
	mapc(f, 1, 1, true);
	movi(f, 5, 2, 1);
	assert_int_equal(rd(f, ITS + GITS_ERR, 4), 0);
	hw_irq_set(f->m, LPI + 10, false);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	hw_irq_set(f->m, LPI + 10, false);
	mapc(f, 1, 0, false);    /* collection 1 unmapped */
	translate(f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(errcode(f), 0x010009);
	clear_err(f);
	mapc(f, 1, 1, true);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	/* DISCARD drops the pending LPI and the mapping. */
	ev_cmd(f, 0x0f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	translate(f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(errcode(f), 0x010007);
	/* Remapped, then MAPD V=0 unmaps the device whatever was cached. */
	mapti(f, 5, 2, LPI + 10, 0);
	translate(f, 5, 2);
	assert_true(hw_irq_level(f->m, LPI + 10));
	hw_irq_set(f->m, LPI + 10, false);
	mapd(f, 5, 0, 1, false);
	clear_err(f);
	translate(f, 5, 2);
	assert_false(hw_irq_level(f->m, LPI + 10));
	assert_int_equal(errcode(f), 0x010004);
	/* MAPI: the EventID is the INTID. */
	mapd(f, 9, ITT + 0x10000, 14, true);
	cmd(f, 0x0b | 9ull << 32, LPI + 100, 0, 0);
	translate(f, 9, LPI + 100);
	assert_true(hw_irq_level(f->m, LPI + 100));
}

/* ---- fuzz --------------------------------------------------------------- */

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly mapped-looking IDs, then near the table's end, within Devbits, anything. */
static u32 pick_dev(u64 *s)
{
	switch (rnd(s) % 8) {
	case 5: return rnd(s) % 4096;
	case 6: return rnd(s) % 65536;
	case 7: return (u32)rnd(s);
	default: return rnd(s) % 16;
	}
}

static void random_cmd(u64 *s, u64 c[4])
{
	static const u8 ops[] = { 1, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };
	u8 op = rnd(s) % 16 ? ops[rnd(s) % ARRAY_SIZE(ops)] : (u8)rnd(s);

	for (int i = 0; i < 4; i++)
		c[i] = rnd(s);
	c[0] = op | (u64)pick_dev(s) << 32 | (rnd(s) % 8 ? 0 : c[0] & 0xffffff00);
	if (rnd(s) % 4) {
		u32 ev = rnd(s) % 8;
		u32 intid = LPI + rnd(s) % 64;

		c[1] = ev | (u64)intid << 32 | (op == 8 ? rnd(s) % 17 : 0);
	}
	if (rnd(s) % 4)
		c[2] = (c[2] & (1ull << 63)) | rnd(s) % 4 | (rnd(s) % 3) << 16;
	if (op == 8) {
		/* ITTs in the arena; now and then one outside RAM. */
		u64 itt = rnd(s) % 16 ? ITT + (rnd(s) % (ITT_ARENA / 2) & ~0xffull)
				      : (rnd(s) & 0xffffffffff00ull) | 1ull << 47;
		c[2] = (c[2] & (1ull << 63)) | itt;
	}
	if (rnd(s) % 2 == 0) {
		/* Half the time, a well-formed command, so that mappings build up. */
		u32 dev = rnd(s) % 16, icid = rnd(s) % 4;

		switch (rnd(s) % 3) {
		case 0: c[0] = 8 | (u64)dev << 32; c[1] = 2;
			c[2] = 1ull << 63 | (ITT + dev * 0x8000); break;
		case 1: c[0] = 9; c[1] = 0; c[2] = 1ull << 63 | icid | (rnd(s) % 2) << 16; break;
		case 2: c[0] = 10 | (u64)dev << 32; c[1] = rnd(s) % 8 | (u64)(LPI + rnd(s) % 64) << 32;
			c[2] = icid; break;
		}
	}
}

static bool allowed(u64 pa)
{
	return (pa >= DT && pa < DT + 4 * 0x1000) || (pa >= CT && pa < CT + 0x1000) ||
	       (pa >= ITT && pa < ITT + ITT_ARENA);
}

static void test_its_fuzz(void **state)
{
	struct fx *f = *state;
	u64 seed = tu_env_u64("LAB_FUZZ_SEED", 0x2545f4914f6cdd1dull);
	u64 count = tu_env_u64("LAB_FUZZ_COUNT", 20000), s = seed;
	u8 *before = malloc(RAM_SIZE), *after = malloc(RAM_SIZE), *queue = calloc(1, CQ_SIZE);

	if (!seed)
		fail_msg("LAB_FUZZ_SEED: 0 would give the same input forever");
	fprintf(stderr, "test_its_fuzz: LAB_FUZZ_SEED=%#llx LAB_FUZZ_COUNT=%llu\n",
		(unsigned long long)seed, (unsigned long long)count);
	assert_non_null(before);
	assert_non_null(after);
	assert_non_null(queue);
	for (u32 i = 0; i < 64; i++)
		set_prop(f, LPI + i, rnd(&s) & 1);
	its_set_lpi_config(f->its, PROP);
	its_init(f);
	assert_int_equal(hw_mem_read(f->m, RAM, before, RAM_SIZE), 0);
	for (u64 n = 0; n < count;) {
		unsigned batch = 1 + rnd(&s) % 8;

		for (unsigned i = 0; i < batch && n < count; i++, n++) {
			u64 c[4];

			random_cmd(&s, c);
			memcpy(queue + f->cw, c, sizeof(c));
			cmd(f, c[0], c[1], c[2], c[3]);
		}
		u64 cr = rd(f, ITS + GITS_CREADR, 8);
		assert_true((cr & ~1ull) < CQ_SIZE && !(cr & 0x1e));
		for (unsigned i = rnd(&s) % 8; i; i--)
			its_doorbell_write(f->its, pick_dev(&s), GITS_TRANSLATER,
					   rnd(&s) % 4 ? rnd(&s) % 8 : (u32)rnd(&s));
		if (rnd(&s) % 2)
			for (u32 i = LPI; i < LPI + 64; i++)
				hw_irq_set(f->m, i, false);   /* acknowledge all */
		if (rnd(&s) % 256 == 0) {
			/* A wild CWRITER (may stall), then the reset a driver would do. */
			wr(f, ITS + GITS_CWRITER, 8, rnd(&s));
			wr(f, ITS + GITS_CTLR, 4, 0);
			its_init(f);
		} else if (cr & 1) {
			wr(f, ITS + GITS_CWRITER, 8, f->cw | 1);   /* never with this DT */
		}
	}
	/* Outside its tables the ITS wrote nothing: the queue is what we wrote. */
	assert_int_equal(hw_mem_read(f->m, RAM, after, RAM_SIZE), 0);
	for (u64 off = 0; off < RAM_SIZE; off++) {
		u64 pa = RAM + off;
		u8 want = pa - CQ < CQ_SIZE ? queue[off] : before[off];

		if (!allowed(pa) && after[off] != want)
			fail_msg("byte at %#llx changed: %#x, was %#x", (unsigned long long)pa,
				 after[off], want);
	}
	/* Only LPIs were ever raised, and the run did map and raise some. */
	for (u32 i = 0; i < LPI; i++)
		assert_int_equal(f->sink.raised[i], 0);
	fprintf(stderr, "test_its_fuzz: %u LPIs raised, %llu errors\n", total_raised(f),
		(unsigned long long)rd(f, ITS + GITS_ERRCNT, 4));
	assert_true(total_raised(f) > 100);
	free(before);
	free(after);
	free(queue);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2m_typer_iidr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2m_setspi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2m_out_of_range, setup, teardown),
		cmocka_unit_test(test_bad_dt),
		cmocka_unit_test_setup_teardown(test_its_registers, setup, teardown),
		cmocka_unit_test(test_its_devbits_override),
		cmocka_unit_test_setup_teardown(test_its_two_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_translate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_translation_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_command_errors, setup, teardown),
		cmocka_unit_test(test_its_stall),
		cmocka_unit_test_setup_teardown(test_its_inv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_discard_clear_int_movi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_its_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
