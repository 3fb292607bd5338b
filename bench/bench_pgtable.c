/*
 * io-pgtable-arm speed: single 4 KiB map and unmap calls, one call mapping
 * 256 pages, and the software walk (iova_to_phys), on a 4K-granule, 48-bit
 * table in plain host memory. Prints the median ns per operation over
 * several runs beside a plain-loop baseline.
 *
 * Targets (Linux 6.12's own code built in userspace on this kind of
 * machine): map <= 20 ns and <= 400 instructions (Linux 14.7 ns, 336),
 * unmap <= 20 ns (Linux 13.3 ns, 299), 256-page map <= 1.5 ns per page
 * (Linux 1.35), iova_to_phys <= 15 ns.
 *
 * Instruction counts: every timed phase is its own function (phase_map,
 * phase_unmap, phase_map256, phase_unmap256, phase_walk, phase_baseline);
 * `bench_pgtable --callgrind` runs each once after the warm-up and prints
 * its operation count, for tools/run-bench.sh (docs/bench.md). Target:
 * map <= 400 instructions (Linux 336), unmap: Linux 299.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"
#include "bench_util.h"

#define POOL_BASE 0x80000000ull
#define POOL_SIZE (256ul << 20)
#define NPAGES 65536ul			/* pages per single-call phase */
#define IOVA_BASE 0x1000000000ul
#define RUNS 9

static u8 *pool;
static size_t pool_used;
static void *free_list;			/* freed granule-sized tables */

static void *b_alloc(void *cookie, size_t size, u64 *pa)
{
	void *va;

	if (size == 4096 && free_list) {
		va = free_list;
		free_list = *(void **)va;
	} else {
		pool_used = ALIGN_UP(pool_used, size < 4096 ? 4096 : size);
		if (pool_used + size > POOL_SIZE)
			return NULL;
		va = pool + pool_used;
		pool_used += size;
	}
	memset(va, 0, size);
	*pa = POOL_BASE + (u64)((u8 *)va - pool);
	return va;
}

static void b_free(void *cookie, void *va, u64 pa, size_t size)
{
	if (size == 4096) {
		*(void **)va = free_list;
		free_list = va;
	}
}

static unsigned long pages_flushed;

static void b_flush_all(void *cookie) { }
static void b_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie) { }
static void b_add_page(struct iommu_iotlb_gather *g, unsigned long iova, size_t granule,
		       void *cookie)
{
	pages_flushed++;
}

static const struct iommu_flush_ops tlb_ops = {
	.tlb_flush_all = b_flush_all,
	.tlb_flush_walk = b_flush_walk,
	.tlb_add_page = b_add_page,
};

static struct io_pgtable_ops *ops;
static struct iommu_iotlb_gather gather;
static volatile u64 sink;
static u64 *flat;

/*
 * The loops, inlined into each phase and into the warm-up, so the warm-up
 * does not count as a phase.
 */
static inline __attribute__((always_inline)) void map_loop(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		size_t mapped = 0;

		ops->map_pages(ops, IOVA_BASE + i * 4096, 0x40000000ull + i * 4096, 4096, 1,
			       IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, &mapped);
	}
}

static inline __attribute__((always_inline)) void unmap_loop(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		ops->unmap_pages(ops, IOVA_BASE + i * 4096, 4096, 1, &gather);
}

BENCH_PHASE static void phase_map(unsigned long n)
{
	map_loop(n);
}

BENCH_PHASE static void phase_unmap(unsigned long n)
{
	unmap_loop(n);
}

/* Warm-up: the tables exist afterwards (Linux keeps them too). */
__attribute__((noinline)) static void warm_up(void)
{
	map_loop(NPAGES);
	unmap_loop(NPAGES);
}

BENCH_PHASE static void phase_map256(unsigned long calls)
{
	for (unsigned long i = 0; i < calls; i++) {
		size_t mapped = 0;

		ops->map_pages(ops, IOVA_BASE + i * 256 * 4096, 0x40000000ull + i * 256 * 4096,
			       4096, 256, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, &mapped);
	}
}

BENCH_PHASE static void phase_unmap256(unsigned long calls)
{
	for (unsigned long i = 0; i < calls; i++)
		ops->unmap_pages(ops, IOVA_BASE + i * 256 * 4096, 4096, 256, &gather);
}

BENCH_PHASE static void phase_walk(unsigned long n)
{
	u64 acc = 0;

	/* A stride that visits every page in a scattered order. */
	for (unsigned long i = 0, p = 0; i < n; i++, p = (p + 40503) % NPAGES)
		acc += ops->iova_to_phys(ops, IOVA_BASE + p * 4096 + 8);
	sink = acc;
}

/* Baseline: the plain loop storing one PTE per page into a flat array. */
BENCH_PHASE static void phase_baseline(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		flat[i] = (0x40000000ull + i * 4096) | 0x743;
	sink = flat[n / 2];
}

struct phase {
	const char *name;
	const char *fn;			/* the phase function */
	const char *target;		/* NULL: none */
	double samples[RUNS];
};

static void report(struct phase *p, const char *unit)
{
	bench_sort(p->samples, RUNS);
	bench_line(p->fn, p->target, "  %-24s %6.2f ns/%-4s (min %.2f, max %.2f)", p->name,
		   p->samples[RUNS / 2], unit, p->samples[0], p->samples[RUNS - 1]);
}

int main(int argc, char **argv)
{
	bool callgrind = bench_callgrind_mode(argc, argv);
	int runs = callgrind ? 1 : RUNS;
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = 0x1000 | 0x200000 | 0x40000000,
		.ias = 48,
		.oas = 48,
		.coherent_walk = true,
		.tlb = &tlb_ops,
		.alloc_table = b_alloc,
		.free_table = b_free,
	};
	struct phase map = { "map 4K (1 page/call)", "phase_map",
			     "target <= 20 ns, 400 instr (Linux 14.7 ns, 336)" };
	struct phase unmap = { "unmap 4K (1 page/call)", "phase_unmap",
			       "target <= 20 ns (Linux 13.3 ns, 299 instr)" };
	struct phase map256 = { "map 256 pages/call", "phase_map256",
				"target <= 1.5 ns (Linux 1.35)" };
	struct phase unmap256 = { "unmap 256 pages/call", "phase_unmap256" };
	struct phase walk = { "iova_to_phys", "phase_walk", "target <= 15 ns (Linux 8.6-13.6)" };
	struct phase base = { "baseline: flat PTE store", "phase_baseline" };
	double t;

	pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	flat = calloc(NPAGES, sizeof(*flat));
	if (pool == MAP_FAILED || !flat)
		return 1;
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
	if (!ops)
		return 1;
	iommu_iotlb_gather_init(&gather);

	warm_up();

	for (int r = 0; r < runs; r++) {
		t = bench_now_ns();
		phase_map(NPAGES);
		map.samples[r] = (bench_now_ns() - t) / NPAGES;
		t = bench_now_ns();
		phase_walk(NPAGES);
		walk.samples[r] = (bench_now_ns() - t) / NPAGES;
		t = bench_now_ns();
		phase_unmap(NPAGES);
		unmap.samples[r] = (bench_now_ns() - t) / NPAGES;
		t = bench_now_ns();
		phase_map256(NPAGES / 256);
		map256.samples[r] = (bench_now_ns() - t) / NPAGES;
		t = bench_now_ns();
		phase_unmap256(NPAGES / 256);
		unmap256.samples[r] = (bench_now_ns() - t) / NPAGES;
		t = bench_now_ns();
		phase_baseline(NPAGES);
		base.samples[r] = (bench_now_ns() - t) / NPAGES;
	}
	if (callgrind) {
		bench_callgrind_ops("phase_map", NPAGES, "op");
		bench_callgrind_ops("phase_unmap", NPAGES, "op");
		bench_callgrind_ops("phase_map256", NPAGES, "page");
		bench_callgrind_ops("phase_unmap256", NPAGES, "page");
		bench_callgrind_ops("phase_walk", NPAGES, "op");
		bench_callgrind_ops("phase_baseline", NPAGES, "op");
		free_io_pgtable_ops(ops);
		return 0;
	}
	printf("io-pgtable-arm, ARM_64_LPAE_S1, 4K granule, ias 48: %lu pages per run,"
	       " median of %d runs\n", NPAGES, RUNS);
	report(&map, "op");
	report(&unmap, "op");
	report(&map256, "page");
	report(&unmap256, "page");
	report(&walk, "op");
	report(&base, "op");
	printf("  (%lu TLB page callbacks)\n", pages_flushed);
	free_io_pgtable_ops(ops);
	return 0;
}
