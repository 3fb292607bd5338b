/*
 * The ARM SMMUv2 / MMU-500 (and SMMUv1) hardware model, programmed only
 * through its registers (hw_mmio_write) and page tables in emulated RAM,
 * observed through the translate op, hw_dma, its registers and the
 * interrupt lines.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "common/dt.h"
#include "hw/hw_internal.h"
#include "hw/arm_smmu.h"

/* ---- the machine ---------------------------------------------------- */

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull          /* 256 MiB */
#define SMMU2 0x09050000ull             /* mmu-500: 4 SMRs, 4 context banks */
#define SMMU1 0x09070000ull             /* smmu-v1: 2 SMRs, 2 context banks */
#define NUMPAGE 16                      /* 0x20000 window, 4 KiB pages */
#define GIRQ2 (32 + 40)
#define CIRQ2(n) (32 + 41 + (n))
#define GIRQ1 (32 + 50)
#define CIRQ1(n) (32 + 51 + (n))
#define SID 0x100

/* Architectural register offsets and fields (docs/devices.md). */
#define sCR0 0x0
#define ID0 0x20
#define ID1 0x24
#define ID2 0x28
#define ID7 0x3c
#define sGFAR 0x40
#define sGFSR 0x48
#define sGFSYNR0 0x50
#define sGFSYNR1 0x54
#define TLBIVMID 0x64
#define TLBIALLNSNH 0x68
#define sTLBGSYNC 0x70
#define sTLBGSTATUS 0x74
#define SMR(n) (0x800 + 4 * (n))
#define S2CR(n) (0xc00 + 4 * (n))
#define GR1 0x1000
#define CBAR(n) (GR1 + 4 * (n))
#define CBFRSYNRA(n) (GR1 + 0x400 + 4 * (n))
#define CBA2R(n) (GR1 + 0x800 + 4 * (n))
#define CB(n) ((u64)(NUMPAGE + (n)) << 12)
#define SCTLR 0x0
#define TCR2 0x10
#define TTBR0 0x20
#define TCR 0x30
#define PAR 0x50
#define FSR 0x58
#define FAR 0x60
#define FSYNR0 0x68
#define TLBIVA 0x600
#define TLBIVAA 0x608
#define TLBIASID 0x610
#define TLBIALL 0x618
#define TLBIVAL 0x620
#define TLBSYNC 0x7f0
#define TLBSTATUS 0x7f4
#define ATS1PR 0x800

#define CLIENTPD BIT(0)
#define GFRE BIT(1)
#define GFIE BIT(2)
#define USFCFG BIT(10)
#define USF BIT(1)
#define SMCF BIT(2)
#define UCBF BIT(3)
#define ICF BIT(0)
#define gMULTI BIT(31)
#define SMR_VALID BIT(31)
#define S2CR_TRANS 0
#define S2CR_BYPASS (1u << 16)
#define S2CR_FAULT (2u << 16)
#define CBAR_S1 (1u << 16)
#define SCTLR_ON (BIT(0) | BIT(1) | BIT(2) | BIT(5) | BIT(6))
#define TF BIT(1)
#define AFF BIT(2)
#define PF BIT(3)
#define EF BIT(4)
#define MULTI BIT(31)
#define WNR BIT(4)
#define PTWF BIT(10)
#define EAE BIT(31)
#define EPD1 BIT(23)

/* Descriptor bits (VMSAv8-64 / LPAE). */
#define D_TABLE 3ull
#define D_PAGE 3ull
#define D_BLOCK 1ull
#define D_AF (1ull << 10)
#define D_UNPRIV (1ull << 6)
#define D_RO (1ull << 7)
#define D_NG (1ull << 11)
#define D_RW (D_AF | D_UNPRIV | D_NG)

struct t {
	struct machine *m;
	struct hw_iommu *v2, *v1;
	struct hw_dma_master *dma2, *dma1;
	u64 next_table;   /* bump allocator for page tables */
};

static void smmu_node(void *b, const char *name, u64 base, const char *compat, u32 phandle,
		      u32 nsmr, u32 ncb, u32 first_spi, u32 nirq)
{
	fdt32_t irqs[3 * 16];

	tfdt_node(b, name);
	tfdt_str(b, "compatible", compat);
	tfdt_cells(b, "reg", 4, 0, (u32)base, 0, 0x20000);
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "#global-interrupts", 1);
	for (u32 i = 0; i < nirq; i++) {
		irqs[3 * i] = cpu_to_fdt32(0);
		irqs[3 * i + 1] = cpu_to_fdt32(first_spi + i);
		irqs[3 * i + 2] = cpu_to_fdt32(4);
	}
	assert_int_equal(fdt_property(b, "interrupts", irqs, 12 * (int)nirq), 0);
	tfdt_u32(b, "iommulab,num-smr", nsmr);
	tfdt_u32(b, "iommulab,num-cb", ncb);
	tfdt_u32(b, "phandle", phandle);
	tfdt_end_node(b);
}

static void dma_node(void *b, const char *name, u32 addr, u32 spi, u32 smmu, u32 sid)
{
	tfdt_node(b, name);
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, addr, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, spi, 4);
	tfdt_cells(b, "iommus", 2, smmu, sid);
	tfdt_end_node(b);
}

/* The register window of build_fdt's third SMMU (sizing tests change it). */
static u64 knob_window = 0x20000;

static void *build_fdt(size_t *size, const char *extra_prop, u32 extra_val)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM_BASE, RAM_SIZE);
	tfdt_node(b, "interrupt-controller@8000000");
	tfdt_str(b, "compatible", "arm,gic-400");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_cells(b, "reg", 4, 0, 0x08000000, 0, 0x10000);
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	smmu_node(b, "iommu@9050000", SMMU2, "arm,mmu-500", 2, 4, 4, 40, 5);
	if (extra_prop) {
		/* A third SMMU with one knob changed, for the creation tests. */
		tfdt_node(b, "iommu@9090000");
		tfdt_str(b, "compatible", "arm,mmu-500");
		tfdt_cells(b, "reg", 4, 0, 0x09090000, (u32)(knob_window >> 32), (u32)knob_window);
		tfdt_u32(b, "#iommu-cells", 1);
		tfdt_u32(b, "#global-interrupts", 1);
		tfdt_cells(b, "interrupts", 3, 0, 60, 4);
		tfdt_u32(b, extra_prop, extra_val);
		tfdt_end_node(b);
	}
	smmu_node(b, "iommu@9070000", SMMU1, "arm,smmu-v1", 3, 2, 2, 50, 3);
	dma_node(b, "dma@a000000", 0x0a000000, 16, 2, SID);
	dma_node(b, "dma@a001000", 0x0a001000, 17, 3, SID);
	return tfdt_finish(b, size);
}

/* The IOMMU the master's fabric routes its first stream to. */
static struct hw_iommu *master_iommu(struct hw_dma_master *d)
{
	struct hw_route r;

	assert_int_equal(hw_master_route(d, 0, 0, HW_READ, &r), 0);
	return r.iommu;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char why[160] = "";
	size_t size;
	void *b = build_fdt(&size, NULL, 0);

	assert_non_null(t);
	assert_int_equal(machine_create(b, size, 1, &t->m, why, sizeof(why)), 0);
	free(b);
	t->dma2 = hw_master_by_name(t->m, "/dma@a000000");
	t->dma1 = hw_master_by_name(t->m, "/dma@a001000");
	assert_non_null(t->dma2);
	assert_non_null(t->dma1);
	t->v2 = master_iommu(t->dma2);
	t->v1 = master_iommu(t->dma1);
	assert_non_null(t->v2);
	assert_non_null(t->v1);
	assert_ptr_not_equal(t->v1, t->v2);
	t->next_table = RAM_BASE + 0x8000000;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	machine_destroy(t->m);
	free(t);
	return 0;
}

/* ---- register and table helpers ------------------------------------ */

static void w32(struct t *t, u64 base, u64 off, u32 v)
{
	assert_int_equal(hw_mmio_write(t->m, base + off, 4, v), 0);
}

static void w64(struct t *t, u64 base, u64 off, u64 v)
{
	assert_int_equal(hw_mmio_write(t->m, base + off, 8, v), 0);
}

static u32 r32(struct t *t, u64 base, u64 off)
{
	u64 v = 0;

	assert_int_equal(hw_mmio_read(t->m, base + off, 4, &v), 0);
	return (u32)v;
}

static u64 r64(struct t *t, u64 base, u64 off)
{
	u64 v = 0;

	assert_int_equal(hw_mmio_read(t->m, base + off, 8, &v), 0);
	return v;
}

static int xl(struct hw_iommu *io, u32 sid, u64 addr, enum hw_access acc, struct hw_xlate *out)
{
	memset(out, 0xa5, sizeof(*out));
	return io->ops->translate(io, sid, addr, acc, out);
}

static u64 table_alloc(struct t *t, u64 size)
{
	u64 pa = ALIGN_UP(t->next_table, size);
	static const char zero[65536];

	t->next_table = pa + size;
	assert_int_equal(hw_mem_write(t->m, pa, zero, size), 0);
	return pa;
}

static void put_desc(struct t *t, u64 pa, u64 desc)
{
	assert_int_equal(hw_mem_write(t->m, pa, &desc, sizeof(desc)), 0);
}

static u64 get_desc(struct t *t, u64 pa)
{
	u64 d;

	assert_int_equal(hw_mem_read(t->m, pa, &d, sizeof(d)), 0);
	return d;
}

/*
 * Maps @va -> @pa with a leaf at @leaf_level in tables of granule 1<<@g
 * whose top table (at @start) is @root; @va_bits is the input size.
 * Returns the address of the leaf descriptor.
 */
static u64 map(struct t *t, u64 root, unsigned g, unsigned start, unsigned va_bits, u64 va,
	       u64 pa, unsigned leaf_level, u64 attrs)
{
	unsigned bpl = g - 3;
	u64 table = root;

	for (unsigned lvl = start;; lvl++) {
		unsigned shift = g + bpl * (3 - lvl);
		unsigned bits = lvl == start ? va_bits - shift : bpl;
		u64 slot = table + ((va >> shift) & ((1ull << bits) - 1)) * 8;

		if (lvl == leaf_level) {
			put_desc(t, slot, (pa & ~((1ull << shift) - 1)) | attrs |
				 (lvl == 3 ? D_PAGE : D_BLOCK));
			return slot;
		}
		u64 d = get_desc(t, slot);
		if (!(d & 1)) {
			d = table_alloc(t, 1ull << g) | D_TABLE;
			put_desc(t, slot, d);
		}
		table = d & GENMASK_ULL(47, g);
	}
}

/* Turns the v2 SMMU on with SMR 0 = SID -> S2CR 0 = @s2cr. */
static void enable_v2(struct t *t, u32 s2cr, bool usfcfg)
{
	w32(t, SMMU2, SMR(0), SMR_VALID | SID);
	w32(t, SMMU2, S2CR(0), s2cr);
	w32(t, SMMU2, sCR0, GFRE | GFIE | (usfcfg ? USFCFG : 0));
}

/* Context bank @cb as an AArch64 stage-1 context (4K or 64K granule, 48-bit). */
static u64 ctx_v2(struct t *t, unsigned cb, unsigned g, u16 asid)
{
	u64 root = table_alloc(t, 1ull << g);

	w32(t, SMMU2, CBA2R(cb), 1);                       /* VA64 */
	w32(t, SMMU2, CBAR(cb), CBAR_S1 | (cb + 1));
	w32(t, SMMU2, CB(cb) + TCR2, 5);                   /* PASIZE 48 bits */
	w32(t, SMMU2, CB(cb) + TCR, 16 | (g == 16 ? 1u << 14 : 0) | EPD1);
	w64(t, SMMU2, CB(cb) + TTBR0, root | (u64)asid << 48);
	w32(t, SMMU2, CB(cb) + SCTLR, SCTLR_ON);
	return root;
}

/* The common case: SID -> context bank 0, 4K granule; returns the root table. */
static u64 translating_v2(struct t *t, u16 asid)
{
	u64 root = ctx_v2(t, 0, 12, asid);

	enable_v2(t, S2CR_TRANS | 0, true);
	return root;
}

/* ---- ID registers and reset ---------------------------------------- */

static void id_registers(void **state)
{
	struct t *t = *state;
	u32 id0 = r32(t, SMMU2, ID0), id1 = r32(t, SMMU2, ID1), id2 = r32(t, SMMU2, ID2);

	assert_int_equal(id0 & 0xff, 4);                   /* NUMSMRG */
	assert_true(id0 & BIT(27));                        /* SMS */
	assert_true(id0 & BIT(30));                        /* S1TS */
	assert_int_equal((id0 >> 9) & 0xf, 15);            /* NUMSIDB */
	assert_int_equal((id0 >> 16) & 0xff, 4);           /* NUMIRPT */
	assert_false(id0 & BIT(8));                        /* no EXIDS */
	assert_int_equal(id1 & 0xff, 4);                   /* NUMCB */
	assert_int_equal((id1 >> 16) & 0xff, 0);           /* NUMS2CB */
	assert_int_equal((id1 >> 28) & 7, 3);              /* 16 pages */
	assert_false(id1 & BIT(31));                       /* 4K register pages */
	assert_true(id2 & BIT(12));                        /* AArch64 4K */
	assert_true(id2 & BIT(14));                        /* AArch64 64K */
	assert_int_equal(id2 & 0xfff, 0x555);              /* UBS, OAS, IAS: 48 bits */
	assert_int_equal(r32(t, SMMU2, ID7), 0x21);
	/* v1 parts: no AArch64 granules, so a driver picks the LPAE format. */
	id2 = r32(t, SMMU1, ID2);
	assert_int_equal(id2 & (BIT(12) | BIT(13) | BIT(14)), 0);
	assert_int_equal(id2 & 0xff, 0x22);                /* 40-bit IAS/OAS */
	assert_int_equal(r32(t, SMMU1, ID0) & 0xff, 2);
	assert_int_equal(r32(t, SMMU1, ID1) & 0xff, 2);
	/* Reset: disabled, SMRs invalid, S2CRs fault. */
	assert_int_equal(r32(t, SMMU2, sCR0), CLIENTPD);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r32(t, SMMU2, SMR(i)), 0);
		assert_int_equal(r32(t, SMMU2, S2CR(i)), S2CR_FAULT);
	}
	assert_int_equal(r32(t, SMMU2, sGFSR), 0);
	assert_int_equal(r32(t, SMMU2, sTLBGSTATUS), 0);
	assert_int_equal(r32(t, SMMU2, CB(0) + TLBSTATUS), 0);
}

static void bad_knobs_rejected(void **state)
{
	static const struct { const char *prop; u32 val; } bad[] = {
		{ "iommulab,num-cb", 0 }, { "iommulab,num-cb", 129 }, { "iommulab,num-smr", 0 },
		{ "iommulab,num-smr", 1000 }, { "iommulab,page-size", 8192 },
		{ "iommulab,num-cb", 17 },   /* more banks than the 0x20000 window holds */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct machine *m = NULL;
		char why[160] = "";
		size_t size;
		void *b = build_fdt(&size, bad[i].prop, bad[i].val);

		assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), -EINVAL);
		assert_null(m);
		assert_non_null(strstr(why, "iommu@9090000"));
		free(b);
	}
}

/* ID0.NUMSMRG, ID1.NUMCB, NUMPAGENDXB and PAGESIZE of the third SMMU. */
static void sized(u64 window, const char *prop, u32 val, u32 smrs, u32 cbs, u32 ndxb, bool p64k)
{
	struct machine *m = NULL;
	char why[160] = "";
	size_t size;
	void *b;
	u64 id0, id1;

	knob_window = window;
	b = build_fdt(&size, prop, val);
	knob_window = 0x20000;
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(hw_mmio_read(m, 0x09090000 + ID0, 4, &id0), 0);
	assert_int_equal(hw_mmio_read(m, 0x09090000 + ID1, 4, &id1), 0);
	assert_int_equal(id0 & 0xff, smrs);
	assert_int_equal(id1 & 0xff, cbs);
	assert_int_equal((id1 >> 28) & 7, ndxb);
	assert_int_equal(!!(id1 & BIT(31)), p64k);
	machine_destroy(m);
	free(b);
}

/*
 * Without knobs an SMMU has what its window holds, to the architecture's
 * limits: the upper half is the context banks, one page each.
 */
static void sized_from_window(void **state)
{
	/* 64 KiB of banks: 16 pages of 4 KiB, 16 banks; 128 SMRs. */
	sized(0x20000, "iommulab,unrelated", 1, 128, 16, 3, false);
	/* A Qualcomm application SMMU (1 MiB): 128 pages, 128 banks (NUMCB's limit). */
	sized(0x100000, "iommulab,unrelated", 1, 128, 128, 6, false);
	/* 2 MiB: 256 pages of 4 KiB (NUMPAGENDXB's limit), still 128 banks. */
	sized(0x200000, "iommulab,unrelated", 1, 128, 128, 7, false);
	/* Tegra194's MMU-500 (8 MiB): 4 KiB pages cannot fill the half: 64 of 64 KiB. */
	sized(0x800000, "iommulab,unrelated", 1, 128, 64, 5, true);
	/* The knobs still win, for tests of exhaustion. */
	sized(0x100000, "iommulab,num-cb", 8, 128, 8, 6, false);
	sized(0x100000, "iommulab,num-smr", 2, 2, 128, 6, false);
	sized(0x100000, "iommulab,page-size", 65536, 128, 8, 2, true);
}

/* ---- stream matching ------------------------------------------------ */

static void clientpd_bypasses(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	assert_int_equal(xl(t->v2, SID, 0x12345678, HW_WRITE, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	assert_int_equal(x.pa, 0x12345678);
	assert_int_equal(x.domain_tag, 0);
	assert_false(x.from_tlb);
	assert_int_equal(x.len, 0x1000 - 0x678);
	/* Even with every S2CR at "fault" and SMRs matching. */
	w32(t, SMMU2, SMR(0), SMR_VALID | SID);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
}

static void unmatched_stream_bypass_or_fault(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	w32(t, SMMU2, sCR0, GFRE | GFIE);                  /* USFCFG = 0 */
	assert_int_equal(xl(t->v2, 0x42, 0x40001000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	assert_int_equal(r32(t, SMMU2, sGFSR), 0);

	w32(t, SMMU2, sCR0, GFRE | GFIE | USFCFG);
	assert_false(hw_irq_level(t->m, GIRQ2));
	assert_int_equal(xl(t->v2, 0x42, 0x40001234, HW_WRITE, &x), -EFAULT);
	assert_int_equal(x.kind, HW_XLATE_FAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), USF);
	assert_int_equal(r32(t, SMMU2, sGFSYNR1), 0x42);
	assert_true(r32(t, SMMU2, sGFSYNR0) & BIT(1));    /* WNR */
	assert_int_equal(r64(t, SMMU2, sGFAR), 0x40001234);
	assert_true(hw_irq_level(t->m, GIRQ2));
	/* A second fault before the first is cleared: MULTI, the record stays. */
	assert_int_equal(xl(t->v2, 0x43, 0x5000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), USF | gMULTI);
	assert_int_equal(r32(t, SMMU2, sGFSYNR1), 0x42);
	/* Write-one-to-clear drops the line. */
	w32(t, SMMU2, sGFSR, r32(t, SMMU2, sGFSR));
	assert_int_equal(r32(t, SMMU2, sGFSR), 0);
	assert_false(hw_irq_level(t->m, GIRQ2));
	/* Without GFIE the fault is recorded but the line stays low. */
	w32(t, SMMU2, sCR0, GFRE | USFCFG);
	assert_int_equal(xl(t->v2, 0x42, 0x5000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), USF);
	assert_false(hw_irq_level(t->m, GIRQ2));
	w32(t, SMMU2, sCR0, GFRE | GFIE | USFCFG);         /* enabling it raises it */
	assert_true(hw_irq_level(t->m, GIRQ2));
}

static void smr_mask_and_conflict(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	/* Only implemented bits stick: ID 14:0, MASK 30:16, VALID. */
	w32(t, SMMU2, SMR(1), 0xffffffff);
	assert_int_equal(r32(t, SMMU2, SMR(1)), 0xffff7fff);
	w32(t, SMMU2, SMR(1), 0);

	w32(t, SMMU2, SMR(0), SMR_VALID | (0xfu << 16) | 0x100);
	w32(t, SMMU2, S2CR(0), S2CR_BYPASS);
	w32(t, SMMU2, sCR0, GFRE | GFIE | USFCFG);
	assert_int_equal(xl(t->v2, 0x10a, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	assert_int_equal(xl(t->v2, 0x110, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), USF);
	w32(t, SMMU2, sGFSR, USF);
	/* Two SMRs matching one stream: a stream match conflict. */
	w32(t, SMMU2, SMR(2), SMR_VALID | 0x10a);
	w32(t, SMMU2, S2CR(2), S2CR_BYPASS);
	assert_int_equal(xl(t->v2, 0x10a, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), SMCF);
	assert_int_equal(r32(t, SMMU2, sGFSYNR1), 0x10a);
	w32(t, SMMU2, sGFSR, SMCF);
	/* Invalidating one of them resolves it (the match cache follows SMR writes). */
	w32(t, SMMU2, SMR(2), 0x10a);
	assert_int_equal(xl(t->v2, 0x10a, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
}

static void s2cr_types(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	enable_v2(t, S2CR_FAULT, false);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), USF);
	assert_int_equal(r32(t, SMMU2, sGFSYNR1), SID);
	w32(t, SMMU2, sGFSR, USF);
	w32(t, SMMU2, S2CR(0), S2CR_BYPASS);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	/* Translate to an unimplemented bank, then to one not set up for stage 1. */
	w32(t, SMMU2, S2CR(0), S2CR_TRANS | 9);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), UCBF);
	w32(t, SMMU2, sGFSR, UCBF);
	w32(t, SMMU2, S2CR(0), S2CR_TRANS | 2);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, sGFSR), ICF);
	w32(t, SMMU2, sGFSR, ICF);
	/* A stage-1 bank with translation off passes addresses through. */
	w32(t, SMMU2, CBAR(2), CBAR_S1);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	assert_int_equal(x.pa, 0x1000);
}

/* ---- AArch64 walks -------------------------------------------------- */

static void aarch64_4k_levels_and_blocks(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 0);
	struct hw_xlate x;

	map(t, root, 12, 0, 48, 0x1234567000ull, RAM_BASE + 0x5000, 3, D_RW);
	map(t, root, 12, 0, 48, 0x800000000000ull - 0x200000, RAM_BASE + 0x200000, 2, D_RW);
	map(t, root, 12, 0, 48, 0x40000000ull, RAM_BASE, 1, D_RW);

	assert_int_equal(xl(t->v2, SID, 0x1234567abcull, HW_WRITE, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_TRANSLATED);
	assert_int_equal(x.pa, RAM_BASE + 0x5abc);
	assert_int_equal(x.len, 0x1000 - 0xabc);
	assert_int_equal(x.domain_tag, 1);
	assert_false(x.from_tlb);
	assert_int_equal(xl(t->v2, SID, 0x1234567000ull, HW_READ, &x), 0);
	assert_true(x.from_tlb);
	assert_int_equal(x.pa, RAM_BASE + 0x5000);

	/* 2 MiB block at the top of the 48-bit range. */
	assert_int_equal(xl(t->v2, SID, 0x800000000000ull - 0x1ff000, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x201000);
	assert_int_equal(x.len, 0x1ff000);
	/* 1 GiB block. */
	assert_int_equal(xl(t->v2, SID, 0x40000000ull + 0x3456789, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x3456789);
	assert_int_equal(x.len, 0x40000000ull - 0x3456789);
	assert_int_equal(xl(t->v2, SID, 0x40000000ull + 0x10, HW_READ, &x), 0);
	assert_true(x.from_tlb);

	/* A DMA through it lands where the tables say. */
	char buf[64] = "through the smmu", back[64];
	assert_int_equal(hw_dma(t->m, t->dma2, 0x1234567100ull, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x5100, back, sizeof(back)), 0);
	assert_memory_equal(buf, back, sizeof(buf));
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), 0);
}

static void aarch64_64k_granule(void **state)
{
	struct t *t = *state;
	u64 root = ctx_v2(t, 1, 16, 7);
	struct hw_xlate x;

	enable_v2(t, S2CR_TRANS | 1, true);
	/* 48 bits with 64K pages: levels 1-3, 64K pages and 512M blocks. */
	map(t, root, 16, 1, 48, 0x7fff00010000ull, RAM_BASE + 0x30000, 3, D_RW);
	map(t, root, 16, 1, 48, 0x20000000ull, RAM_BASE, 2, D_RW);
	assert_int_equal(xl(t->v2, SID, 0x7fff0001fffeull, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x3fffe);
	assert_int_equal(x.len, 2);
	assert_int_equal(x.domain_tag, 2);
	assert_int_equal(xl(t->v2, SID, 0x20000000ull + 0x1234567, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x1234567);
	assert_int_equal(x.len, 0x20000000ull - 0x1234567);
	/* The neighbouring 64K page is not mapped. */
	assert_int_equal(xl(t->v2, SID, 0x7fff00020000ull, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(1) + FSR), TF);
	assert_int_equal(r32(t, SMMU2, CB(1) + FSYNR0) & 3, 3);
	assert_true(hw_irq_level(t->m, CIRQ2(1)));
	assert_false(hw_irq_level(t->m, CIRQ2(0)));
}

static void readonly_page_write_faults(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 0);
	struct hw_xlate x;

	map(t, root, 12, 0, 48, 0x10000, RAM_BASE + 0x10000, 3, D_RW);
	map(t, root, 12, 0, 48, 0x11000, RAM_BASE + 0x11000, 3, D_RW | D_RO);
	assert_int_equal(xl(t->v2, SID, 0x11008, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x11008);
	assert_false(hw_irq_level(t->m, CIRQ2(0)));
	/* The write is refused even though the translation is now cached. */
	assert_int_equal(xl(t->v2, SID, 0x11010, HW_WRITE, &x), -EFAULT);
	assert_int_equal(x.kind, HW_XLATE_FAULT);
	assert_int_equal(x.domain_tag, 1);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), PF);
	assert_int_equal(r64(t, SMMU2, CB(0) + FAR), 0x11010);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSYNR0), WNR | 3);
	assert_int_equal(r32(t, SMMU2, CBFRSYNRA(0)), SID);
	assert_true(hw_irq_level(t->m, CIRQ2(0)));
	/* A second fault only adds MULTI. */
	assert_int_equal(xl(t->v2, SID, 0x99000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), PF | MULTI);
	assert_int_equal(r64(t, SMMU2, CB(0) + FAR), 0x11010);
	w32(t, SMMU2, CB(0) + FSR, PF | MULTI);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), 0);
	assert_false(hw_irq_level(t->m, CIRQ2(0)));

	/* A DMA over both pages writes nothing, not even the writable page. */
	char buf[0x1800], back[0x800];
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(hw_dma(t->m, t->dma2, 0x10800, buf, sizeof(buf), HW_WRITE), -EFAULT);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x10800, back, sizeof(back)), 0);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), PF);
	/* Without CFIE the fault is recorded but no interrupt rises. */
	w32(t, SMMU2, CB(0) + FSR, PF);
	w32(t, SMMU2, CB(0) + SCTLR, SCTLR_ON & ~BIT(6));
	assert_int_equal(xl(t->v2, SID, 0x11000, HW_WRITE, &x), -EFAULT);
	assert_false(hw_irq_level(t->m, CIRQ2(0)));
	w32(t, SMMU2, CB(0) + SCTLR, SCTLR_ON);
	assert_true(hw_irq_level(t->m, CIRQ2(0)));
}

static void translation_and_access_faults(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 0);
	struct hw_xlate x;

	map(t, root, 12, 0, 48, 0x20000, RAM_BASE + 0x20000, 3, D_RW & ~D_AF);
	/* Above the 48 bits T0SZ allows: a translation fault at level 0. */
	assert_int_equal(xl(t->v2, SID, 1ull << 48, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), TF);
	assert_int_equal(r64(t, SMMU2, CB(0) + FAR), 1ull << 48);
	w32(t, SMMU2, CB(0) + FSR, TF);
	/* AF = 0: an access flag fault. */
	assert_int_equal(xl(t->v2, SID, 0x20000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), AFF);
	w32(t, SMMU2, CB(0) + FSR, AFF);
	/* A smaller input range: T0SZ = 32 gives 4 GiB, 3 levels from level 1. */
	u64 root2 = table_alloc(t, 0x1000);
	map(t, root2, 12, 1, 32, 0xfffff000ull, RAM_BASE + 0x7000, 3, D_RW);
	w32(t, SMMU2, CB(0) + TCR, 32 | EPD1);
	w64(t, SMMU2, CB(0) + TTBR0, root2);
	w32(t, SMMU2, CB(0) + TLBIALL, 0);
	assert_int_equal(xl(t->v2, SID, 0xfffff123ull, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x7123);
	assert_int_equal(xl(t->v2, SID, 0x100000000ull, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), TF);
}

/* ---- AArch32 long descriptors on the v1 part ----------------------- */

static void lpae32_on_v1(void **state)
{
	struct t *t = *state;
	u64 root = table_alloc(t, 0x1000);
	struct hw_xlate x;

	/* v1 has no CBA2R: VA64 cannot be set. */
	w32(t, SMMU1, CBA2R(1), 1);
	assert_int_equal(r32(t, SMMU1, CBA2R(1)), 0);
	w32(t, SMMU1, CBAR(1), CBAR_S1 | (1u << 24) | 2);   /* IRPTNDX 1 */
	w32(t, SMMU1, CB(1) + TCR, EAE);                    /* T0SZ 0: 32-bit input */
	w64(t, SMMU1, CB(1) + TTBR0, root | (5ull << 48));
	w32(t, SMMU1, CB(1) + SCTLR, SCTLR_ON);
	w32(t, SMMU1, SMR(0), SMR_VALID | SID);
	w32(t, SMMU1, S2CR(0), S2CR_TRANS | 1);
	w32(t, SMMU1, sCR0, GFRE | GFIE | USFCFG);
	map(t, root, 12, 1, 32, 0xc0001000ull, RAM_BASE + 0x9000, 3, D_RW);
	map(t, root, 12, 1, 32, 0x00200000ull, RAM_BASE + 0x400000, 2, D_RW);
	assert_int_equal(xl(t->v1, SID, 0xc0001004ull, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_TRANSLATED);
	assert_int_equal(x.pa, RAM_BASE + 0x9004);
	assert_int_equal(x.domain_tag, 2);
	assert_int_equal(xl(t->v1, SID, 0x00234567ull, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x434567);
	/* The input address is 32 bits: anything above 4 GiB faults. */
	assert_int_equal(xl(t->v1, SID, 0x1c0001000ull, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU1, CB(1) + FSR), TF);
	assert_true(hw_irq_level(t->m, CIRQ1(1)));         /* routed by IRPTNDX */
	assert_false(hw_irq_level(t->m, CIRQ1(0)));
	w32(t, SMMU1, CB(1) + FSR, TF);
	assert_false(hw_irq_level(t->m, CIRQ1(1)));
	/* AArch32 TLBIVA: VA[31:12] | ASID in 7:0, a 32-bit write. */
	put_desc(t, map(t, root, 12, 1, 32, 0xc0001000ull, 0, 3, 0), 0);
	assert_int_equal(xl(t->v1, SID, 0xc0001000ull, HW_READ, &x), 0);
	assert_true(x.from_tlb);
	w32(t, SMMU1, CB(1) + TLBIVA, 0xc0001000u | 4);     /* wrong ASID */
	assert_int_equal(xl(t->v1, SID, 0xc0001000ull, HW_READ, &x), 0);
	w32(t, SMMU1, CB(1) + TLBIVA, 0xc0001000u | 5);
	assert_int_equal(xl(t->v1, SID, 0xc0001000ull, HW_READ, &x), -EFAULT);
	/* A v2 part's banks never touched by this: independent models. */
	assert_int_equal(r32(t, SMMU2, CB(1) + FSR), 0);
}

/* ---- the IOTLB ------------------------------------------------------ */

/* Maps one page, caches it, clears the PTE: the stale entry must survive. */
static u64 stale_setup(struct t *t, u64 root, u64 va)
{
	struct hw_xlate x;
	u64 slot = map(t, root, 12, 0, 48, va, RAM_BASE + 0x66000, 3, D_RW);

	assert_int_equal(xl(t->v2, SID, va, HW_READ, &x), 0);
	assert_false(x.from_tlb);
	put_desc(t, slot, 0);
	assert_int_equal(xl(t->v2, SID, va, HW_WRITE, &x), 0);
	assert_true(x.from_tlb);
	assert_int_equal(x.pa, RAM_BASE + 0x66000);
	return slot;
}

static void gone(struct t *t, u64 va)
{
	struct hw_xlate x;

	assert_int_equal(xl(t->v2, SID, va, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR) & TF, TF);
	w32(t, SMMU2, CB(0) + FSR, r32(t, SMMU2, CB(0) + FSR));
}

static void still_there(struct t *t, u64 va)
{
	struct hw_xlate x;

	assert_int_equal(xl(t->v2, SID, va, HW_READ, &x), 0);
	assert_true(x.from_tlb);
}

static void iotlb_stale_until_invalidated(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 3);
	u64 va = 0x5000000;

	/* TLBIVA: VA[55:12] in 43:0, ASID in 63:48. */
	stale_setup(t, root, va);
	w64(t, SMMU2, CB(0) + TLBIVA, (va >> 12) | (2ull << 48));  /* other ASID */
	w64(t, SMMU2, CB(0) + TLBIVA, ((va >> 12) + 1) | (3ull << 48));  /* other page */
	w32(t, SMMU2, CB(0) + TLBIALL, 0);
	w32(t, SMMU2, CB(1) + TLBIALL, 0);                 /* other bank */
	w32(t, SMMU2, CB(0) + TLBSYNC, 0);
	assert_int_equal(r32(t, SMMU2, CB(0) + TLBSTATUS), 0);
	gone(t, va);   /* TLBIALL of bank 0 did it */

	stale_setup(t, root, va);
	w64(t, SMMU2, CB(0) + TLBIVA, ((va >> 12) + 1) | (3ull << 48));
	still_there(t, va);
	w64(t, SMMU2, CB(0) + TLBIVAL, (va >> 12) | (3ull << 48));
	gone(t, va);

	stale_setup(t, root, va);
	w32(t, SMMU2, CB(0) + TLBIASID, 2);
	still_there(t, va);
	w32(t, SMMU2, CB(0) + TLBIASID, 3);
	gone(t, va);

	stale_setup(t, root, va);
	w64(t, SMMU2, CB(0) + TLBIVAA, va >> 12);
	gone(t, va);

	stale_setup(t, root, va);
	w32(t, SMMU2, TLBIVMID, 2);                        /* bank 1's VMID */
	still_there(t, va);
	w32(t, SMMU2, TLBIVMID, 1);
	gone(t, va);

	stale_setup(t, root, va);
	w32(t, SMMU2, TLBIALLNSNH, 0);
	w32(t, SMMU2, sTLBGSYNC, 0);
	assert_int_equal(r32(t, SMMU2, sTLBGSTATUS), 0);
	gone(t, va);

	/* A new ASID in TTBR0 does not hit the old ASID's entries. */
	stale_setup(t, root, va);
	w64(t, SMMU2, CB(0) + TTBR0, root | (4ull << 48));
	gone(t, va);
	w64(t, SMMU2, CB(0) + TTBR0, root | (3ull << 48));
	still_there(t, va);   /* ... and they come back with the old ASID */
}

static void iotlb_block_invalidated_by_any_address_in_it(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 1);
	u64 slot = map(t, root, 12, 0, 48, 0x600000, RAM_BASE + 0x800000, 2, D_RW);
	struct hw_xlate x;

	assert_int_equal(xl(t->v2, SID, 0x6abcde, HW_READ, &x), 0);
	put_desc(t, slot, 0);
	assert_int_equal(xl(t->v2, SID, 0x612345, HW_READ, &x), 0);
	assert_true(x.from_tlb);
	assert_int_equal(x.pa, RAM_BASE + 0x812345);
	w64(t, SMMU2, CB(0) + TLBIVAL, (0x600000 >> 12) | (1ull << 48));
	gone(t, 0x612345);
}

/*
 * The DMA path's fast lane (translate_hits) serves a transfer's pages from
 * the IOTLB as translate would, page by page: a stale 4K entry inside a
 * cached 2 MiB block still wins for its page (a lookup probes 4K first),
 * an invalidation between transfers is honoured, and a page the IOTLB
 * cannot serve is walked (and faults) as before, with nothing moved.
 */
static void dma_fast_lane_per_page(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 1), va = 0x600000, fault = 0;
	struct hw_xlate x;
	char buf[4 * 4096], back[4096];

	/* A 4K page at va + 0x3000 cached, then its table replaced by a block. */
	map(t, root, 12, 0, 48, va + 0x3000, RAM_BASE + 0x66000, 3, D_RW);
	assert_int_equal(xl(t->v2, SID, va + 0x3000, HW_READ, &x), 0);
	map(t, root, 12, 0, 48, va, RAM_BASE + 0x800000, 2, D_RW);
	assert_int_equal(xl(t->v2, SID, va, HW_READ, &x), 0);
	assert_int_equal(x.pa, RAM_BASE + 0x800000);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(hw_dma(t->m, t->dma2, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x66000, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, sizeof(back));   /* the stale page's frame */
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x803000, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0);                   /* not the block's */

	/* Invalidated between transfers: the block serves that page now. */
	w64(t, SMMU2, CB(0) + TLBIVA, ((va + 0x3000) >> 12) | (1ull << 48));
	memset(buf, 0x6b, sizeof(buf));
	assert_int_equal(hw_dma(t->m, t->dma2, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x803000, back, sizeof(back)), 0);
	assert_memory_equal(back, buf, sizeof(back));
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x66000, back, sizeof(back)), 0);
	assert_int_equal((unsigned char)back[0], 0x5a);

	/* Pages after a cached 4K run: walked, the unmapped one faults, nothing moves. */
	u64 va2 = 0x1000000;
	for (unsigned i = 0; i < 3; i++)
		map(t, root, 12, 0, 48, va2 + i * 0x1000, RAM_BASE + 0x70000 + i * 0x2000, 3, D_RW);
	assert_int_equal(xl(t->v2, SID, va2, HW_READ, &x), 0);
	memset(buf, 0x7c, sizeof(buf));
	assert_int_equal(hw_dma_stream(t->m, t->dma2, 0, va2 + 0x800, buf, sizeof(buf), HW_WRITE,
				       &fault), -EFAULT);
	assert_int_equal(fault, va2 + 0x3000);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR) & TF, TF);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x70800, back, 16), 0);
	assert_int_equal(back[0], 0);
	w32(t, SMMU2, CB(0) + FSR, r32(t, SMMU2, CB(0) + FSR));
	/* Mapped now: the whole transfer lands, the pieces split at the pages. */
	map(t, root, 12, 0, 48, va2 + 0x3000, RAM_BASE + 0x76000, 3, D_RW);
	map(t, root, 12, 0, 48, va2 + 0x4000, RAM_BASE + 0x78000, 3, D_RW);
	assert_int_equal(hw_dma(t->m, t->dma2, va2 + 0x800, buf, sizeof(buf), HW_WRITE), 0);
	for (unsigned i = 0; i < 5; i++) {
		u64 pa = RAM_BASE + 0x70000 + i * 0x2000 + (i ? 0 : 0x800);

		assert_int_equal(hw_mem_read(t->m, pa, back, 16), 0);
		assert_int_equal((unsigned char)back[0], 0x7c);
	}
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x78800, back, 16), 0);
	assert_int_equal(back[0], 0);   /* the transfer ended at 0x800 into the last page */
}

/* ---- hostile programming --------------------------------------------- */

static void garbage_tables_fault_without_crashing(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 0);
	struct hw_xlate x;

	/* TTBR0 outside RAM, on the SMMU's own registers, and all ones. */
	static const u64 ttbrs[] = { 0x1000, SMMU2, 0x0000fffffffff000ull };
	for (size_t i = 0; i < ARRAY_SIZE(ttbrs); i++) {
		w64(t, SMMU2, CB(0) + TTBR0, ttbrs[i]);
		assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
		assert_int_equal(r32(t, SMMU2, CB(0) + FSR), EF);
		assert_true(r32(t, SMMU2, CB(0) + FSYNR0) & PTWF);
		w32(t, SMMU2, CB(0) + FSR, EF);
	}
	w64(t, SMMU2, CB(0) + TTBR0, ~0ull);               /* bits above 47 are ignored */
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
	w32(t, SMMU2, CB(0) + FSR, r32(t, SMMU2, CB(0) + FSR));

	/* A table descriptor pointing outside RAM. */
	w64(t, SMMU2, CB(0) + TTBR0, root);
	put_desc(t, root, 0xdead0000ull | D_TABLE);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), EF);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSYNR0) & 3, 1);
	w32(t, SMMU2, CB(0) + FSR, EF);
	/* A table pointing at itself: the walk still ends at level 3, where the
	 * same descriptor reads as a page without its access flag. */
	put_desc(t, root, root | D_TABLE);
	assert_int_equal(xl(t->v2, SID, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), AFF);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSYNR0) & 3, 3);
	w32(t, SMMU2, CB(0) + FSR, AFF);
	/* A level-0 block does not exist. */
	put_desc(t, root, D_BLOCK | D_RW);
	assert_int_equal(xl(t->v2, SID, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), TF);
	w32(t, SMMU2, CB(0) + FSR, TF);
	/* A leaf whose output nothing decodes translates; the bus then refuses the DMA. */
	put_desc(t, root, 0);
	w32(t, SMMU2, CB(0) + TLBIALL, 0);
	map(t, root, 12, 0, 48, 0x3000, 0x0b000000, 3, D_RW);
	assert_int_equal(xl(t->v2, SID, 0x3000, HW_READ, &x), 0);
	assert_int_equal(x.pa, 0x0b000000);
	char buf[16];
	assert_int_equal(hw_dma(t->m, t->dma2, 0x3000, buf, sizeof(buf), HW_READ), -EFAULT);
	/* Garbage in every CB register, and translation still ends somewhere. */
	for (u32 off = 0; off < 0x100; off += 4)
		w32(t, SMMU2, CB(0) + off, 0xffffffff);
	w32(t, SMMU2, CBAR(0), 0xffffffff);
	w32(t, SMMU2, CBA2R(0), 0xffffffff);
	w32(t, SMMU2, CBAR(0), 0xfffdffff);                /* type back to S1 */
	w32(t, SMMU2, CB(0) + FSR, 0xffffffff);
	int ret = xl(t->v2, SID, 0x3000, HW_READ, &x);
	assert_true(ret == 0 || ret == -EFAULT);
}

static void out_of_range_registers_ignored(void **state)
{
	struct t *t = *state;
	u64 v;

	w32(t, SMMU2, SMR(4), SMR_VALID | SID);            /* only 4 SMRs */
	w32(t, SMMU2, SMR(255), SMR_VALID | SID);
	w32(t, SMMU2, S2CR(4), S2CR_BYPASS);
	assert_int_equal(r32(t, SMMU2, SMR(4)), 0);
	assert_int_equal(r32(t, SMMU2, S2CR(4)), 0);
	w32(t, SMMU2, CBAR(4), CBAR_S1);                   /* only 4 banks */
	w32(t, SMMU2, CBAR(255), CBAR_S1);
	assert_int_equal(r32(t, SMMU2, CBAR(4)), 0);
	w32(t, SMMU2, CB(4) + SCTLR, SCTLR_ON);            /* page of bank 4: RAZ/WI */
	assert_int_equal(r32(t, SMMU2, CB(4) + SCTLR), 0);
	w32(t, SMMU2, CB(15) + SCTLR, SCTLR_ON);
	assert_int_equal(r32(t, SMMU2, 5 << 12), 0);      /* an unused global page */
	/* Bytes, halves and misaligned words are ignored. */
	assert_int_equal(hw_mmio_write(t->m, SMMU2 + sCR0, 1, 0), 0);
	assert_int_equal(hw_mmio_write(t->m, SMMU2 + sCR0, 2, 0), 0);
	assert_int_equal(hw_mmio_write(t->m, SMMU2 + sCR0 + 1, 4, 0), 0);
	assert_int_equal(r32(t, SMMU2, sCR0), CLIENTPD);
	assert_int_equal(hw_mmio_read(t->m, SMMU2 + sCR0, 2, &v), 0);
	assert_int_equal(v, 0);
	/* Read-only ID registers. */
	w32(t, SMMU2, ID0, 0);
	assert_int_equal(r32(t, SMMU2, ID0) & 0xff, 4);
	/* The model still works. */
	struct hw_xlate x;
	enable_v2(t, S2CR_BYPASS, true);
	assert_int_equal(xl(t->v2, SID, 0x1000, HW_READ, &x), 0);
	assert_int_equal(xl(t->v2, SID + 1, 0x1000, HW_READ, &x), -EFAULT);
}

static void registers_64bit_halves(void **state)
{
	struct t *t = *state;

	w64(t, SMMU2, CB(0) + TTBR0, 0x0003000040001000ull);
	assert_int_equal(r64(t, SMMU2, CB(0) + TTBR0), 0x0003000040001000ull);
	assert_int_equal(r32(t, SMMU2, CB(0) + TTBR0 + 4), 0x00030000);
	w32(t, SMMU2, CB(0) + TTBR0 + 4, 0x00050000);
	w32(t, SMMU2, CB(0) + TTBR0, 0x40002000);
	assert_int_equal(r64(t, SMMU2, CB(0) + TTBR0), 0x0005000040002000ull);
	/* A 64-bit access to two 32-bit registers touches both. */
	w64(t, SMMU2, CB(0) + 0x38, 0x1122334455667788ull);   /* MAIR0, MAIR1 */
	assert_int_equal(r32(t, SMMU2, CB(0) + 0x38), 0x55667788);
	assert_int_equal(r32(t, SMMU2, CB(0) + 0x3c), 0x11223344);
	/* Write-only operations read as zero. */
	assert_int_equal(r64(t, SMMU2, CB(0) + TLBIVA), 0);
}

static void ats1pr_translates(void **state)
{
	struct t *t = *state;
	u64 root = translating_v2(t, 0);

	map(t, root, 12, 0, 48, 0x77000, RAM_BASE + 0x123000, 3, D_RW);
	w64(t, SMMU2, CB(0) + ATS1PR, 0x77000);
	assert_int_equal(r32(t, SMMU2, CB(0) + 0x8f0), 0);   /* ATSR idle */
	assert_int_equal(r64(t, SMMU2, CB(0) + PAR), RAM_BASE + 0x123000);
	w64(t, SMMU2, CB(0) + ATS1PR, 0x78000);
	assert_true(r64(t, SMMU2, CB(0) + PAR) & 1);        /* F */
	assert_int_equal(r32(t, SMMU2, CB(0) + FSR), 0);     /* not a context fault */
}

/* The built-in platform's MMU-500: 16 SMRs, 8 banks, every master behind it. */
static void builtin_platform(void **state)
{
	struct machine *m = NULL;
	char why[200] = "";
	void *blob;
	size_t size;
	u64 v;

	assert_int_equal(dt_load_file(LAB_SRCDIR "/platforms/iommulab-virt.dts", &blob, &size,
				      why, sizeof(why)), 0);
	assert_int_equal(machine_create(blob, size, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(hw_mmio_read(m, SMMU2 + ID0, 4, &v), 0);
	assert_int_equal(v & 0xff, 16);
	assert_int_equal((v >> 16) & 0xff, 16);	/* NUMIRPT: the context interrupts listed */
	assert_int_equal(hw_mmio_read(m, SMMU2 + ID1, 4, &v), 0);
	assert_int_equal(v & 0xff, 16);	/* a context bank for each group, PCI's too */
	struct hw_dma_master *d = hw_master_by_name(m, "/soc/dma@0");
	assert_non_null(d);
	struct hw_route r;
	assert_int_equal(hw_master_route(d, 0, 0, HW_READ, &r), 0);
	assert_non_null(r.iommu);
	assert_int_equal(r.sid, 0x100);
	machine_destroy(m);
	free(blob);
}

/*
 * Each invalidation and sync register counts its writes, whichever width
 * or half carries them; nothing else counts, not even a write to a bank
 * the model does not implement.
 */
static void tlbi_stats_count_register_writes(void **state)
{
	struct t *t = *state;
	struct arm_smmu_tlbi_stats st;

	assert_int_equal(arm_smmu_v2_tlbi_stats(t->m, SMMU2, &st), 0);
	assert_int_equal(st.tlbiall + st.tlbiasid + st.tlbiva + st.tlbival + st.tlbivaa +
			 st.tlbsync + st.tlbiallnsnh + st.tlbivmid + st.tlbgsync, 0);
	w32(t, SMMU2, CB(0) + TLBIALL, 0);
	w32(t, SMMU2, CB(1) + TLBIASID, 3);
	w32(t, SMMU2, CB(1) + TLBIASID, 4);
	w64(t, SMMU2, CB(0) + TLBIVA, 5);
	w32(t, SMMU2, CB(0) + TLBIVA, 5);                  /* low half: the operation */
	w32(t, SMMU2, CB(0) + TLBIVA + 4, 0);              /* high half alone: none */
	w64(t, SMMU2, CB(2) + TLBIVAL, 5);
	w64(t, SMMU2, CB(3) + TLBIVAA, 5);
	w32(t, SMMU2, CB(0) + TLBSYNC, 0);
	w32(t, SMMU2, TLBIALLNSNH, 0);
	w32(t, SMMU2, TLBIVMID, 1);
	w32(t, SMMU2, sTLBGSYNC, 0);
	w32(t, SMMU2, sTLBGSYNC, 0);
	w32(t, SMMU2, CB(4) + TLBIALL, 0);                 /* bank 4 of 4 does not exist */
	w32(t, SMMU2, CB(0) + TLBSTATUS, 0);               /* read-only */
	assert_int_equal(arm_smmu_v2_tlbi_stats(t->m, SMMU2, &st), 0);
	assert_int_equal(st.tlbiall, 1);
	assert_int_equal(st.tlbiasid, 2);
	assert_int_equal(st.tlbiva, 2);
	assert_int_equal(st.tlbival, 1);
	assert_int_equal(st.tlbivaa, 1);
	assert_int_equal(st.tlbsync, 1);
	assert_int_equal(st.tlbiallnsnh, 1);
	assert_int_equal(st.tlbivmid, 1);
	assert_int_equal(st.tlbgsync, 2);
	/* Per SMMU: the v1 instance saw none of it. */
	assert_int_equal(arm_smmu_v2_tlbi_stats(t->m, SMMU1, &st), 0);
	assert_int_equal(st.tlbiall + st.tlbiasid + st.tlbiva + st.tlbsync, 0);
	/* Only an SMMU answers. */
	assert_int_equal(arm_smmu_v2_tlbi_stats(t->m, SMMU2 + 0x1000, &st), -ENODEV);
	assert_int_equal(arm_smmu_v2_tlbi_stats(t->m, RAM_BASE, &st), -ENODEV);
}

/*
 * #global-interrupts beyond the interrupts listed (the built-in platform
 * with <0x80000000>, and other extremes): the model reads only what is
 * listed, makes those lines global and gives the banks none; it is the
 * driver that refuses the tree. No count from the tree sizes anything.
 */
static void global_interrupts_beyond_listed(void **state)
{
	static const u32 counts[] = { 0x80000000u, 0xffffffffu, 0xffffff90u, 9, 10 };
	char why[200] = "";
	void *blob;
	size_t size;

	assert_int_equal(dt_load_file(LAB_SRCDIR "/tests/scenarios/platforms/smmu-global-irqs-huge.dts",
				      &blob, &size, why, sizeof(why)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++) {
		int node = fdt_path_offset(blob, "/iommu@9050000");
		struct machine *m = NULL;
		u64 v;

		assert_true(node >= 0);
		assert_int_equal(fdt_setprop_inplace_u32(blob, node, "#global-interrupts",
							 counts[i]), 0);
		assert_int_equal(machine_create(blob, size, 1, &m, why, sizeof(why)), 0);
		assert_int_equal(hw_mmio_read(m, SMMU2 + ID0, 4, &v), 0);
		assert_int_equal((v >> 16) & 0xff, 0);   /* NUMIRPT: no context line */
		/* A global fault still raises the first listed line (SPI 40). */
		assert_int_equal(hw_mmio_write(m, SMMU2 + sCR0, 4, GFIE | USFCFG), 0);
		assert_false(hw_irq_level(m, GIRQ2));
		{
			struct hw_dma_master *d = hw_master_by_name(m, "/soc/dma@0");
			u8 buf[4];

			assert_non_null(d);
			assert_int_equal(hw_dma(m, d, RAM_BASE, buf, sizeof(buf), HW_READ),
					 -EFAULT);
		}
		assert_true(hw_irq_level(m, GIRQ2));
		machine_destroy(m);
	}
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(id_registers, setup, teardown),
		cmocka_unit_test(bad_knobs_rejected),
		cmocka_unit_test(sized_from_window),
		cmocka_unit_test_setup_teardown(clientpd_bypasses, setup, teardown),
		cmocka_unit_test_setup_teardown(unmatched_stream_bypass_or_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(smr_mask_and_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(s2cr_types, setup, teardown),
		cmocka_unit_test_setup_teardown(aarch64_4k_levels_and_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(aarch64_64k_granule, setup, teardown),
		cmocka_unit_test_setup_teardown(readonly_page_write_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(translation_and_access_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(lpae32_on_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(iotlb_stale_until_invalidated, setup, teardown),
		cmocka_unit_test_setup_teardown(iotlb_block_invalidated_by_any_address_in_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(dma_fast_lane_per_page, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_tables_fault_without_crashing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(out_of_range_registers_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(registers_64bit_halves, setup, teardown),
		cmocka_unit_test_setup_teardown(ats1pr_translates, setup, teardown),
		cmocka_unit_test(builtin_platform),
		cmocka_unit_test_setup_teardown(tlbi_stats_count_register_writes, setup, teardown),
		cmocka_unit_test(global_interrupts_beyond_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
