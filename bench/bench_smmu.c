/*
 * The SMMUv2 model's cost on the DMA path.
 *
 * Builds a machine with an MMU-500, programs one AArch64 stage-1 context
 * (4 KiB granule, 48-bit input, so four levels) through the registers and
 * hand-built tables in emulated RAM, then prints:
 *   - ns per translation served from the IOTLB (target: <= 10 ns), beside
 *     a plain loop's ns per iteration;
 *   - ns per translation that walks all four levels (each preceded by a
 *     TLBIVA of that page), beside the TLBIVA-only loop it is measured
 *     against;
 *   - hw_dma throughput through the SMMU for 4 KiB and 64 KiB transfers,
 *     as a ratio to memcpy of the same bytes in the same run.
 * Medians of RUNS runs. `bench_smmu SCALE` multiplies every loop count.
 * Figures only, no assertions.
 *
 * Instruction counts: each loop is a phase function (phase_hit, phase_loop,
 * phase_walk, phase_tlbiva, phase_dma4k, phase_memcpy4k, phase_dma64k,
 * phase_memcpy64k); `bench_smmu --callgrind` runs each once at scale
 * CG_SCALE, after warming the IOTLB, and prints its operation count for
 * tools/run-bench.sh (docs/bench.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libfdt.h>

#include "hw/machine.h"
#include "bench_util.h"

#define RUNS 5
#define RAM_BASE 0x40000000ull
#define SMMU 0x09050000ull
#define CB0 (16ull << 12)
#define SID 0x100
#define IOVA 0x100000000ull
#define PA (RAM_BASE + 0x10000000ull)
#define NPAGES 2048u      /* 8 MiB mapped: fits the 4096-entry IOTLB */
#define CG_SCALE 0.01

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "bench_smmu: %s failed\n", #x); exit(2); } } while (0)

static double scale = 1.0;
static bool callgrind;
static int runs = RUNS;
static volatile u64 sink;

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
	CHECK(fdt_property_string(f, "compatible", "arm,mmu-500"));
	cells(f, "reg", (u32[]){ 0, 0x09050000, 0, 0x20000 }, 4);
	cells(f, "#iommu-cells", (u32[]){ 1 }, 1);
	cells(f, "#global-interrupts", (u32[]){ 1 }, 1);
	cells(f, "interrupts", (u32[]){ 0, 40, 4, 0, 41, 4 }, 6);
	cells(f, "iommulab,num-cb", (u32[]){ 1 }, 1);
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

/* Four-level 4K tables: IOVA + i * 4K -> PA + i * 4K, read/write. */
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

static void program(struct machine *m)
{
	u64 root = table(m);

	for (u64 i = 0; i < NPAGES; i++)
		map_page(m, root, IOVA + i * 4096, PA + i * 4096);
	CHECK(hw_mmio_write(m, SMMU + 0x1000 + 0x800, 4, 1));          /* CBA2R0: VA64 */
	CHECK(hw_mmio_write(m, SMMU + 0x1000, 4, (1u << 16) | 1));      /* CBAR0: S1 */
	CHECK(hw_mmio_write(m, SMMU + CB0 + 0x10, 4, 5));               /* TCR2: 48-bit PA */
	CHECK(hw_mmio_write(m, SMMU + CB0 + 0x30, 4, 16 | (1u << 23))); /* TCR: T0SZ 16, EPD1 */
	CHECK(hw_mmio_write(m, SMMU + CB0 + 0x20, 8, root));            /* TTBR0, ASID 0 */
	CHECK(hw_mmio_write(m, SMMU + CB0, 4, 0x67));                   /* SCTLR: M, CFIE... */
	CHECK(hw_mmio_write(m, SMMU + 0x800, 4, (1u << 31) | SID));     /* SMR0 */
	CHECK(hw_mmio_write(m, SMMU + 0xc00, 4, 0));                    /* S2CR0: translate, CB0 */
	CHECK(hw_mmio_write(m, SMMU + 0, 4, 0x406));                    /* sCR0: enable, USFCFG */
}

#define SMMU_PHASE(x) phase_##x
#define HIT_NOTE "target <= 10 ns"
#include "bench_smmu_shared.h"

/* Each translation walks all four levels: a TLBIVA of its page first. */
BENCH_PHASE static void phase_walk(struct machine *m, struct hw_iommu *io, unsigned long n)
{
	struct hw_xlate x;

	for (unsigned long i = 0; i < n; i++) {
		u64 va = IOVA + ((i % NPAGES) << 12);

		hw_mmio_write(m, SMMU + CB0 + 0x600, 8, va >> 12);   /* TLBIVA */
		io->ops->translate(io, SID, va, HW_READ, &x);
		sink += x.pa;
	}
}

BENCH_PHASE static void phase_tlbiva(struct machine *m, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		hw_mmio_write(m, SMMU + CB0 + 0x600, 8, (IOVA >> 12) + (i % NPAGES));
}

static void bench_walk(struct machine *m, struct hw_iommu *io)
{
	unsigned long n = iters(2000000);
	double t[RUNS], base[RUNS];

	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		phase_walk(m, io, n);
		t[r] = (bench_now_ns() - t0) / n;
		t0 = bench_now_ns();
		phase_tlbiva(m, n);
		base[r] = (bench_now_ns() - t0) / n;
	}
	if (callgrind) {
		bench_callgrind_ops("phase_walk", n, "op");
		bench_callgrind_ops("phase_tlbiva", n, "op");
		return;
	}
	double tm = bench_median(t, RUNS), bm = bench_median(base, RUNS);
	char note[64];

	snprintf(note, sizeof(note), "the walk alone ~ %.2f ns", tm - bm);
	bench_line("phase_walk", note, "  translate after a TLBIVA       %7.2f ns/op", tm);
	bench_line("phase_tlbiva", NULL, "  baseline: TLBIVA alone         %7.2f ns/op", bm);
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
		fprintf(stderr, "usage: bench_smmu [SCALE | --callgrind]\n");
		return 2;
	}
	fdt = platform(&size);
	if (machine_create(fdt, size, 1, &m, why, sizeof(why))) {
		fprintf(stderr, "bench_smmu: %s\n", why);
		return 2;
	}
	free(fdt);
	struct hw_dma_master *d = hw_master_by_name(m, "/dma@a000000");
	if (!d || !master_iommu(d)) {
		fprintf(stderr, "bench_smmu: no master behind the SMMU\n");
		return 2;
	}
	program(m);
	if (!callgrind)
		printf("SMMUv2 model, AArch64 4K granule, 48-bit, %u pages mapped, median of %d runs\n",
		       NPAGES, RUNS);
	bench_hit(master_iommu(d));
	bench_walk(m, master_iommu(d));
	bench_dma(m, d, 4096);
	bench_dma(m, d, 65536);
	machine_destroy(m);
	return 0;
}
