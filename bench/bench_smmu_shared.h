/*
 * What bench_smmu (SMMUv2) and bench_smmuv3 measure alike, so the two
 * models are measured by the same loops: a translation that hits the
 * IOTLB beside a plain loop, and DMA through the SMMU against memcpy, 4
 * and 64 KiB reads. Included once by each, after it defines:
 *   SID, IOVA, PA, NPAGES (the mapped range), RUNS, `runs`, `callgrind`,
 *   `sink`, iters(n) (the run's scaled count);
 *   SMMU_PHASE(x): the name of phase x (phase_x, phase_v3_x, ...), so that
 *   callgrind's --toggle-collect tells the benchmarks apart;
 *   HIT_NOTE: the note on the IOTLB hit's line.
 */
#ifndef BENCH_SMMU_SHARED_H
#define BENCH_SMMU_SHARED_H

#define DMA_PHASE(x) SMMU_PHASE(x)
#define DMA_PHASE_STR2(x) #x
#define DMA_PHASE_STR(x) DMA_PHASE_STR2(x)
#define DMA_PHASE_NAME(x) DMA_PHASE_STR(DMA_PHASE(x))

/* Every mapped page once: the phases that follow hit the IOTLB. */
static void warm_tlb(struct hw_iommu *io)
{
	struct hw_xlate x;

	for (u64 i = 0; i < NPAGES; i++)
		io->ops->translate(io, SID, IOVA + (i << 12), HW_READ, &x);
}

BENCH_PHASE static void SMMU_PHASE(hit)(struct hw_iommu *io, unsigned long n)
{
	struct hw_xlate x;

	for (unsigned long i = 0; i < n; i++) {
		io->ops->translate(io, SID, IOVA + ((i & 255) << 12), HW_READ, &x);
		sink += x.pa;
	}
}

/* The same loop without the translation. */
BENCH_PHASE static void SMMU_PHASE(loop)(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += PA + ((i & 255) << 12);
}

static void bench_hit(struct hw_iommu *io)
{
	unsigned long n = iters(20000000);
	double t[RUNS], base[RUNS];

	warm_tlb(io);
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		SMMU_PHASE(hit)(io, n);
		t[r] = (bench_now_ns() - t0) / n;
		t0 = bench_now_ns();
		SMMU_PHASE(loop)(n);
		base[r] = (bench_now_ns() - t0) / n;
	}
	if (callgrind) {
		bench_callgrind_ops(DMA_PHASE_NAME(hit), n, "op");
		bench_callgrind_ops(DMA_PHASE_NAME(loop), n, "op");
		return;
	}
	bench_line(DMA_PHASE_NAME(hit), HIT_NOTE, "  translate, IOTLB hit           %7.2f ns/op",
		   bench_median(t, RUNS));
	bench_line(DMA_PHASE_NAME(loop), NULL, "  baseline: plain loop           %7.2f ns/op",
		   bench_median(base, RUNS));
}

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
