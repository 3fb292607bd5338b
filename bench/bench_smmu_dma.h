/*
 * DMA through an SMMU model against memcpy, 4 and 64 KiB reads: the half
 * that bench_smmu (SMMUv2) and bench_smmuv3 share, so the two models are
 * measured by the same loops. Included once by each, after it defines:
 *   IOVA, NPAGES (the mapped range), RUNS, `runs`, `callgrind`, `sink`,
 *   iters(n) (the run's scaled count) and warm_tlb(io);
 *   DMA_PHASE(x): the name of phase x (phase_x, phase_v3_x, ...), so that
 *   callgrind's --toggle-collect tells the benchmarks apart.
 */
#ifndef BENCH_SMMU_DMA_H
#define BENCH_SMMU_DMA_H

#define DMA_PHASE_STR2(x) #x
#define DMA_PHASE_STR(x) DMA_PHASE_STR2(x)
#define DMA_PHASE_NAME(x) DMA_PHASE_STR(DMA_PHASE(x))

/* The IOMMU the master's fabric sends its first stream to (NULL: none). */
static struct hw_iommu *master_iommu(struct hw_dma_master *d)
{
	struct hw_route r;

	return d && !hw_master_route(d, 0, 0, HW_READ, &r) ? r.iommu : NULL;
}

static inline __attribute__((always_inline)) void dma_loop(struct machine *m,
							   struct hw_dma_master *d, char *buf,
							   size_t len, unsigned long n)
{
	size_t span = (size_t)NPAGES * 4096;

	for (unsigned long i = 0; i < n; i++)
		hw_dma(m, d, IOVA + (i * len) % span, buf, len, HW_READ);
}

static inline __attribute__((always_inline)) void memcpy_loop(char *buf, const char *src,
							      size_t len, unsigned long n)
{
	size_t span = (size_t)NPAGES * 4096;

	for (unsigned long i = 0; i < n; i++) {
		memcpy(buf, src + (i * len) % span, len);
		sink += buf[i % len];
	}
}

BENCH_PHASE static void DMA_PHASE(dma4k)(struct machine *m, struct hw_dma_master *d, char *buf,
					 unsigned long n)
{
	dma_loop(m, d, buf, 4096, n);
}

BENCH_PHASE static void DMA_PHASE(memcpy4k)(char *buf, const char *src, unsigned long n)
{
	memcpy_loop(buf, src, 4096, n);
}

BENCH_PHASE static void DMA_PHASE(dma64k)(struct machine *m, struct hw_dma_master *d, char *buf,
					  unsigned long n)
{
	dma_loop(m, d, buf, 65536, n);
}

BENCH_PHASE static void DMA_PHASE(memcpy64k)(char *buf, const char *src, unsigned long n)
{
	memcpy_loop(buf, src, 65536, n);
}

static void bench_dma(struct machine *m, struct hw_dma_master *d, size_t len)
{
	unsigned long n = iters(len == 4096 ? 400000 : 40000);
	size_t span = (size_t)NPAGES * 4096;
	double t[RUNS], base[RUNS];
	char *buf = malloc(len), *src = malloc(span);
	bool small = len == 4096;
	const char *dma_name = small ? DMA_PHASE_NAME(dma4k) : DMA_PHASE_NAME(dma64k);
	const char *memcpy_name = small ? DMA_PHASE_NAME(memcpy4k) : DMA_PHASE_NAME(memcpy64k);

	if (!buf || !src)
		exit(2);
	memset(src, 1, span);
	warm_tlb(master_iommu(d));
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		if (small)
			DMA_PHASE(dma4k)(m, d, buf, n);
		else
			DMA_PHASE(dma64k)(m, d, buf, n);
		t[r] = bench_now_ns() - t0;
		t0 = bench_now_ns();
		if (small)
			DMA_PHASE(memcpy4k)(buf, src, n);
		else
			DMA_PHASE(memcpy64k)(buf, src, n);
		base[r] = bench_now_ns() - t0;
	}
	free(buf);
	free(src);
	/* Per 4 KiB page moved, the unit of the instruction counts. */
	unsigned long pages = n * (len / 4096);

	if (callgrind) {
		bench_callgrind_ops(dma_name, pages, "page");
		bench_callgrind_ops(memcpy_name, pages, "page");
		return;
	}
	double tm = bench_median(t, RUNS), bm = bench_median(base, RUNS), bytes = (double)n * len;
	char note[64];

	snprintf(note, sizeof(note), "ratio %.2f of memcpy%s", bm / tm,
		 small ? "" : " (target >= 0.5)");
	bench_line(dma_name, note, "  hw_dma read %2zu KiB  %6.2f GB/s %7.2f ns/4K page",
		   len / 1024, bytes / tm, tm / pages);
	bench_line(memcpy_name, NULL, "  memcpy      %2zu KiB  %6.2f GB/s %7.2f ns/4K page",
		   len / 1024, bytes / bm, bm / pages);
}

#endif
