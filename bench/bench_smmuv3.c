/*
 * The SMMUv3 model's cost on the DMA path, beside bench_smmu's SMMUv2
 * figures (same mapping, same loops, same baselines).
 *
 * Builds a machine with an arm,smmu-v3, programs one stage-1 stream through
 * the registers and hand-built structures in emulated RAM (a linear stream
 * table, an STE pointing at one CD, AArch64 4 KiB granule, 48-bit input:
 * four levels), then prints:
 *   - ns per translation served from the IOTLB, beside a plain loop;
 *   - ns per translation that fetches the STE and the CD and walks all
 *     four levels (each preceded by CFGI_ALL, TLBI_NH_VA and CMD_SYNC on
 *     the command queue), beside those commands alone;
 *   - the command-queue invalidation alone: TLBI_NH_VA + CMD_SYNC, one
 *     CMDQ_PROD write per pair;
 *   - hw_dma throughput through the SMMU for 4 KiB and 64 KiB transfers,
 *     as a ratio to memcpy of the same bytes in the same run.
 * Medians of RUNS runs. `bench_smmuv3 SCALE` multiplies every loop count.
 * Figures only, no assertions.
 *
 * Instruction counts: each loop is a phase (phase_v3_hit, phase_v3_loop,
 * phase_v3_walk, phase_v3_inval_all, phase_v3_tlbi, phase_v3_dma4k,
 * phase_v3_memcpy4k, phase_v3_dma64k, phase_v3_memcpy64k); `--callgrind`
 * runs each once at scale CG_SCALE (docs/bench.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "hw/machine.h"
#include "bench_util.h"

#define RUNS 5
#define RAM_BASE 0x40000000ull
#define SMMU 0x09050000ull
#define SID 0x10
#define ASID 7
#define IOVA 0x100000000ull
#define PA (RAM_BASE + 0x10000000ull)
#define NPAGES 2048u      /* 8 MiB mapped, as bench_smmu */
#define CG_SCALE 0.01

#define STRTAB (RAM_BASE + 0x100000)
#define CDTAB (RAM_BASE + 0x120000)
#define CMDQ (RAM_BASE + 0x130000)
#define EVTQ (RAM_BASE + 0x140000)
#define CMDQ_SHIFT 8

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "bench_smmuv3: %s failed\n", #x); exit(2); } } while (0)

static double scale = 1.0;
static bool callgrind;
static int runs = RUNS;
static volatile u64 sink;
static u32 cmd_prod;

static unsigned long iters(unsigned long n)
{
	unsigned long k = (unsigned long)(n * scale);

	return k ? k : 1;
}

static void cells(void *fdt, const char *name, const u32 *c, int n)
{
	fdt32_t v[32];

	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(c[i]);
	CHECK(fdt_property(fdt, name, v, n * 4));
}

static void *platform(size_t *size)
{
	size_t cap = 16384;
	void *f = malloc(cap);

	CHECK(fdt_create(f, cap));
	CHECK(fdt_finish_reservemap(f));
	CHECK(fdt_begin_node(f, ""));
	cells(f, "#address-cells", (u32[]){ 2 }, 1);
	cells(f, "#size-cells", (u32[]){ 2 }, 1);
	cells(f, "interrupt-parent", (u32[]){ 1 }, 1);
	CHECK(fdt_begin_node(f, "memory@40000000"));
	CHECK(fdt_property_string(f, "device_type", "memory"));
	cells(f, "reg", (u32[]){ 0, 0x40000000, 0, 0x40000000 }, 4);
	CHECK(fdt_end_node(f));
	CHECK(fdt_begin_node(f, "interrupt-controller@8000000"));
	CHECK(fdt_property_string(f, "compatible", "arm,gic-400"));
	cells(f, "#interrupt-cells", (u32[]){ 3 }, 1);
	CHECK(fdt_property(f, "interrupt-controller", NULL, 0));
	cells(f, "reg", (u32[]){ 0, 0x08000000, 0, 0x10000 }, 4);
	cells(f, "phandle", (u32[]){ 1 }, 1);
	CHECK(fdt_end_node(f));
	CHECK(fdt_begin_node(f, "iommu@9050000"));
	CHECK(fdt_property_string(f, "compatible", "arm,smmu-v3"));
	cells(f, "reg", (u32[]){ 0, 0x09050000, 0, 0x20000 }, 4);
	cells(f, "#iommu-cells", (u32[]){ 1 }, 1);
	cells(f, "iommulab,sid-bits", (u32[]){ 8 }, 1);
	cells(f, "phandle", (u32[]){ 2 }, 1);
	CHECK(fdt_end_node(f));
	CHECK(fdt_begin_node(f, "dma@a000000"));
	CHECK(fdt_property_string(f, "compatible", "iommulab,dma-copy"));
	cells(f, "reg", (u32[]){ 0, 0x0a000000, 0, 0x1000 }, 4);
	cells(f, "interrupts", (u32[]){ 0, 16, 4 }, 3);
	cells(f, "iommus", (u32[]){ 2, SID }, 2);
	CHECK(fdt_end_node(f));
	CHECK(fdt_end_node(f));
	CHECK(fdt_finish(f));
	*size = fdt_totalsize(f);
	return f;
}

static u64 next_table = RAM_BASE + 0x1000000;

static u64 table(struct machine *m)
{
	static const char zero[4096];
	u64 pa = next_table;

	next_table += 4096;
	CHECK(hw_mem_write(m, pa, zero, sizeof(zero)));
	return pa;
}

static void map_page(struct machine *m, u64 root, u64 va, u64 pa)
{
	u64 t = root;

	for (int lvl = 0; lvl < 3; lvl++) {
		u64 slot = t + ((va >> (39 - 9 * lvl)) & 511) * 8, d;

		CHECK(hw_mem_read(m, slot, &d, 8));
		if (!(d & 1)) {
			d = table(m) | 3;
			CHECK(hw_mem_write(m, slot, &d, 8));
		}
		t = d & 0x0000fffffffff000ull;
	}
	u64 pte = pa | 3 | (1ull << 10) | (1ull << 6) | (1ull << 11);
	CHECK(hw_mem_write(m, t + ((va >> 12) & 511) * 8, &pte, 8));
}

/* Queues @n commands (two qwords each), then one CMDQ_PROD write. */
static void cmds(struct machine *m, const u64 (*c)[2], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		u32 idx = cmd_prod & ((1u << CMDQ_SHIFT) - 1);

		hw_mem_write(m, CMDQ + idx * 16ull, c[i], 16);
		cmd_prod = (cmd_prod + 1) & ((2u << CMDQ_SHIFT) - 1);
	}
	hw_mmio_write(m, SMMU + 0x98, 4, cmd_prod);
}

static void program(struct machine *m)
{
	u64 root = table(m);
	/* CD (docs/devices.md): T0SZ 16, TG0 4K, EPD1, V, IPS 48 bits, AA64, R, ASID. */
	u64 cd[8] = { 16ull | (1ull << 30) | (1ull << 31) | (5ull << 32) | (1ull << 41) |
		      (1ull << 45) | ((u64)ASID << 48), root };
	u64 ste[8] = { 1ull | (5ull << 1) | CDTAB, 0 };

	for (u64 i = 0; i < NPAGES; i++)
		map_page(m, root, IOVA + i * 4096, PA + i * 4096);
	CHECK(hw_mem_write(m, CDTAB, cd, sizeof(cd)));
	CHECK(hw_mem_write(m, STRTAB + SID * 64ull, ste, sizeof(ste)));
	CHECK(hw_mmio_write(m, SMMU + 0x80, 8, STRTAB));          /* STRTAB_BASE */
	CHECK(hw_mmio_write(m, SMMU + 0x88, 4, 8));               /* linear, 2^8 STEs */
	CHECK(hw_mmio_write(m, SMMU + 0x90, 8, CMDQ | CMDQ_SHIFT));
	CHECK(hw_mmio_write(m, SMMU + 0xa0, 8, EVTQ | 7));
	CHECK(hw_mmio_write(m, SMMU + 0x20, 4, 8 | 4 | 1));       /* CR0: CMDQEN, EVTQEN, SMMUEN */
}

#define SMMU_PHASE(x) phase_v3_##x
#define HIT_NOTE "SMMUv2: bench_smmu's IOTLB hit"
#include "bench_smmu_shared.h"

/* CFGI_ALL, TLBI_NH_VA of @va, CMD_SYNC: the next translation fetches everything. */
static void inval_all(struct machine *m, u64 va)
{
	const u64 c[3][2] = {
		{ 0x04, 31 },                              /* CFGI_ALL */
		{ 0x12 | ((u64)ASID << 48), va },          /* TLBI_NH_VA */
		{ 0x46, 0 },                               /* CMD_SYNC */
	};

	cmds(m, c, 3);
}

BENCH_PHASE static void phase_v3_walk(struct machine *m, struct hw_iommu *io, unsigned long n)
{
	struct hw_xlate x;

	for (unsigned long i = 0; i < n; i++) {
		u64 va = IOVA + ((i % NPAGES) << 12);

		inval_all(m, va);
		io->ops->translate(io, SID, va, HW_READ, &x);
		sink += x.pa;
	}
}

BENCH_PHASE static void phase_v3_inval_all(struct machine *m, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		inval_all(m, IOVA + ((i % NPAGES) << 12));
}

static void bench_walk(struct machine *m, struct hw_iommu *io)
{
	unsigned long n = iters(2000000);
	double t[RUNS], base[RUNS];

	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		phase_v3_walk(m, io, n);
		t[r] = (bench_now_ns() - t0) / n;
		t0 = bench_now_ns();
		phase_v3_inval_all(m, n);
		base[r] = (bench_now_ns() - t0) / n;
	}
	if (callgrind) {
		bench_callgrind_ops("phase_v3_walk", n, "op");
		bench_callgrind_ops("phase_v3_inval_all", n, "op");
		return;
	}
	double tm = bench_median(t, RUNS), bm = bench_median(base, RUNS);
	char note[64];

	snprintf(note, sizeof(note), "STE + CD + 4 levels ~ %.2f ns", tm - bm);
	bench_line("phase_v3_walk", note, "  translate after CFGI_ALL+TLBI  %7.2f ns/op", tm);
	bench_line("phase_v3_inval_all", NULL, "  baseline: those commands alone %7.2f ns/op", bm);
}

BENCH_PHASE static void phase_v3_tlbi(struct machine *m, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		const u64 c[2][2] = {
			{ 0x12 | ((u64)ASID << 48), IOVA + ((i % NPAGES) << 12) },
			{ 0x46, 0 },
		};

		cmds(m, c, 2);
	}
}

static void bench_tlbi(struct machine *m)
{
	unsigned long n = iters(2000000);
	double t[RUNS];

	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		phase_v3_tlbi(m, n);
		t[r] = (bench_now_ns() - t0) / n;
	}
	if (callgrind) {
		bench_callgrind_ops("phase_v3_tlbi", n, "op");
		return;
	}
	bench_line("phase_v3_tlbi", "SMMUv2: bench_smmu's TLBIVA alone",
		   "  TLBI_NH_VA + CMD_SYNC (cmdq)   %7.2f ns/op", bench_median(t, RUNS));
}

int main(int argc, char **argv)
{
	struct machine *m = NULL;
	char why[160] = "";
	size_t size;
	void *fdt;

	callgrind = bench_callgrind_mode(argc, argv);
	if (callgrind) {
		scale = CG_SCALE;
		runs = 1;
	} else if (argc > 1) {
		scale = atof(argv[1]);
	}
	if (!(scale > 0)) {
		fprintf(stderr, "usage: bench_smmuv3 [SCALE | --callgrind]\n");
		return 2;
	}
	fdt = platform(&size);
	if (machine_create(fdt, size, 1, &m, why, sizeof(why))) {
		fprintf(stderr, "bench_smmuv3: %s\n", why);
		return 2;
	}
	free(fdt);
	struct hw_dma_master *d = hw_master_by_name(m, "/dma@a000000");
	if (!d || !master_iommu(d)) {
		fprintf(stderr, "bench_smmuv3: no master behind the SMMU\n");
		return 2;
	}
	program(m);
	/* The stream translates (not bypass, not a fault), or the figures mean nothing. */
	struct hw_xlate x;
	if (master_iommu(d)->ops->translate(master_iommu(d), SID, IOVA + 0x123, HW_READ, &x) ||
	    x.kind != HW_XLATE_TRANSLATED || x.pa != PA + 0x123) {
		fprintf(stderr, "bench_smmuv3: the stream does not translate\n");
		return 2;
	}
	if (!callgrind)
		printf("SMMUv3 model, linear stream table, one STE and CD, AArch64 4K granule, "
		       "48-bit, %u pages mapped, median of %d runs\n", NPAGES, RUNS);
	bench_hit(master_iommu(d));
	bench_walk(m, master_iommu(d));
	bench_tlbi(m);
	bench_dma(m, d, 4096);
	bench_dma(m, d, 65536);
	machine_destroy(m);
	return 0;
}
