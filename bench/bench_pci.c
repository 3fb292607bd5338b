/*
 * The PCI fabric: enumeration of generated topologies of 1,000 and 10,000
 * pci-dma-copy functions behind PCIe switches (each switch 32 downstream
 * ports, each port one multifunction device of 8 functions; as many switches
 * as a segment's 256 buses hold, then another host bridge), booted through
 * the public API: boot time, time per function and the growth against
 * n log n relative to 1,000. MSI-X through a GICv3 ITS per segment
 * (msi-map) while the machine's 8,192 LPIs last, INTx after; no IOMMU:
 * the cost is the PCI core's (scan, bus numbers, resource assignment,
 * sysfs, matching, dma-copy's probe with its MSI-X vector).
 *
 * Then DMA of one function on the built-in platform through the PCI fabric
 * and the SMMU (its DMA-API domain, an IOVA from dma_alloc_coherent), 4 KiB
 * and 64 KiB reads, as a ratio to memcpy of the same bytes in the same run.
 * Printed, never asserted (docs/bench.md). `bench_pci --callgrind` runs
 * each phase once (the 10,000-function boot at 2,000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "iommulab/lab.h"
#include "common/master_id.h"
#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/kernel.h"
#include "kernel/pci/pci.h"
#include "bench_util.h"

#define RUNS 5
#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "fdt: %s failed\n", #x); exit(2); } } while (0)

#define PORTS 32			/* downstream ports per switch */
#define FUNCS 8				/* functions below each port */
#define SWITCHES_PER_SEG 7		/* 7 * (2 + 32) + 1 = 239 of 256 buses */
#define FUNCS_PER_SEG (SWITCHES_PER_SEG * PORTS * FUNCS)
#define ECAM_BASE 0x4000000000ull	/* segment s: 256 MiB of ECAM each */
#define MEM_BASE 0x8000000000ull	/* segment s: its 256 MiB memory window */
#define SEG_SIZE 0x10000000ull

#define ITS_PHANDLE 2			/* segment s's ITS: phandle 2 + s */
#define ITS_EXTRA 0x0c000000u		/* the ITSes of segments 1 and up */

#define DMA_DEV "0000:04:00.0"
#define SPAN (2u << 20)			/* the DMA buffer: 512 pages */

static volatile u64 sink;

static void cells(void *fdt, const char *name, const u32 *v, int n)
{
	fdt32_t c[8];

	for (int i = 0; i < n; i++)
		c[i] = cpu_to_fdt32(v[i]);
	CHECK(fdt_property(fdt, name, c, n * sizeof(fdt32_t)));
}

static void bridge(void *fdt, const char *name, const char *compat, u32 devfn)
{
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "compatible", compat));
	CHECK(fdt_property_string(fdt, "device_type", "pci"));
	cells(fdt, "reg", (u32[]){ devfn << 8, 0, 0, 0, 0 }, 5);
	cells(fdt, "#address-cells", (u32[]){ 3 }, 1);
	cells(fdt, "#size-cells", (u32[]){ 2 }, 1);
}

/* One switch below root port @rp with up to PORTS * FUNCS of *@left functions. */
static void pci_switch(void *fdt, unsigned rp, unsigned *left)
{
	char name[32];

	snprintf(name, sizeof(name), "pcie@%x,0", rp);
	bridge(fdt, name, "iommulab,pcie-root-port", rp << 3);
	bridge(fdt, "pcie@0,0", "iommulab,pcie-switch-upstream", 0);
	for (unsigned p = 0; p < PORTS && *left; p++) {
		snprintf(name, sizeof(name), "pcie@%x,0", p);
		bridge(fdt, name, "iommulab,pcie-switch-downstream", p << 3);
		for (unsigned f = 0; f < FUNCS && *left; f++, (*left)--) {
			snprintf(name, sizeof(name), "dma@0,%x", f);
			CHECK(fdt_begin_node(fdt, name));
			CHECK(fdt_property_string(fdt, "compatible", "iommulab,pci-dma-copy"));
			cells(fdt, "reg", (u32[]){ f << 8, 0, 0, 0, 0 }, 5);
			CHECK(fdt_end_node(fdt));
		}
		CHECK(fdt_end_node(fdt));
	}
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_end_node(fdt));
}

static void host_bridge(void *fdt, unsigned s, unsigned *left)
{
	u64 ecam = ECAM_BASE + s * SEG_SIZE, mem = MEM_BASE + s * SEG_SIZE;
	char name[32];

	snprintf(name, sizeof(name), "pcie@%llx", (unsigned long long)ecam);
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	CHECK(fdt_property_string(fdt, "device_type", "pci"));
	cells(fdt, "#address-cells", (u32[]){ 3 }, 1);
	cells(fdt, "#size-cells", (u32[]){ 2 }, 1);
	cells(fdt, "reg", (u32[]){ (u32)(ecam >> 32), (u32)ecam, 0, (u32)SEG_SIZE }, 4);
	cells(fdt, "bus-range", (u32[]){ 0, 0xff }, 2);
	cells(fdt, "linux,pci-domain", (u32[]){ s }, 1);
	cells(fdt, "ranges", (u32[]){ 0x02000000, 0, 0x10000000, (u32)(mem >> 32), (u32)mem,
				      0, (u32)SEG_SIZE }, 7);
	/* Each segment its own ITS: one has 16 DeviceID bits, a segment's RIDs. */
	cells(fdt, "msi-map", (u32[]){ 0, ITS_PHANDLE + s, 0, 0x10000 }, 4);
	/* INTx for the functions past the machine's 8,192 LPIs. */
	cells(fdt, "#interrupt-cells", (u32[]){ 1 }, 1);
	cells(fdt, "interrupt-map-mask", (u32[]){ 0, 0, 0, 7 }, 4);
	{
		fdt32_t map[4 * 10];

		for (u32 pin = 1, k = 0; pin <= 4; pin++) {
			const u32 e[10] = { 0, 0, 0, pin, 1, 0, 0, 0, 2 + pin, 4 };

			for (int i = 0; i < 10; i++)
				map[k++] = cpu_to_fdt32(e[i]);
		}
		CHECK(fdt_property(fdt, "interrupt-map", map, sizeof(map)));
	}
	for (unsigned rp = 0; rp < SWITCHES_PER_SEG && *left; rp++)
		pci_switch(fdt, rp, left);
	CHECK(fdt_end_node(fdt));
}

static void *make_platform(unsigned n, size_t *size)
{
	size_t cap = 65536 + (size_t)n * 160;
	void *fdt = malloc(cap);
	unsigned left = n, segs = (n + FUNCS_PER_SEG - 1) / FUNCS_PER_SEG;
	char name[40];

	if (!fdt)
		exit(2);
	CHECK(fdt_create(fdt, cap));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", "iommulab,virt"));
	CHECK(fdt_property_string(fdt, "model", "iommulab PCI enumeration benchmark"));
	cells(fdt, "#address-cells", (u32[]){ 2 }, 1);
	cells(fdt, "#size-cells", (u32[]){ 2 }, 1);
	cells(fdt, "interrupt-parent", (u32[]){ 1 }, 1);
	CHECK(fdt_begin_node(fdt, "chosen"));
	CHECK(fdt_property_string(fdt, "bootargs", ""));
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_begin_node(fdt, "memory@40000000"));
	CHECK(fdt_property_string(fdt, "device_type", "memory"));
	cells(fdt, "reg", (u32[]){ 0, 0x40000000, 0, 0x40000000 }, 4);
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_begin_node(fdt, "interrupt-controller@8000000"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	cells(fdt, "#interrupt-cells", (u32[]){ 3 }, 1);
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	cells(fdt, "reg", (u32[]){ 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0xf60000 }, 8);
	cells(fdt, "#address-cells", (u32[]){ 2 }, 1);
	cells(fdt, "#size-cells", (u32[]){ 2 }, 1);
	CHECK(fdt_property(fdt, "ranges", NULL, 0));
	cells(fdt, "phandle", (u32[]){ 1 }, 1);
	for (unsigned s = 0; s < segs; s++) {
		u32 base = s ? ITS_EXTRA + (s - 1) * 0x20000 : 0x08080000;

		snprintf(name, sizeof(name), "msi-controller@%x", base);
		CHECK(fdt_begin_node(fdt, name));
		CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		CHECK(fdt_property(fdt, "msi-controller", NULL, 0));
		cells(fdt, "#msi-cells", (u32[]){ 1 }, 1);
		cells(fdt, "reg", (u32[]){ 0, base, 0, 0x20000 }, 4);
		cells(fdt, "phandle", (u32[]){ ITS_PHANDLE + s }, 1);
		CHECK(fdt_end_node(fdt));
	}
	CHECK(fdt_end_node(fdt));
	for (unsigned s = 0; left; s++)
		host_bridge(fdt, s, &left);
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_finish(fdt));
	*size = fdt_totalsize(fdt);
	return fdt;
}

/* log2 without libm (as bench_boot's). */
static double lg2(double x)
{
	int e = 0;
	double m = x, t, t2, sum = 0, term;

	while (m >= 2) {
		m /= 2;
		e++;
	}
	t = (m - 1) / (m + 1);
	t2 = t * t;
	term = t;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return e + 2 * sum / 0.69314718055994530942;
}

BENCH_PHASE static int phase_enum_1000(const void *fdt, size_t size, char *msg, size_t len)
{
	return lab_boot_blob(fdt, size, "", msg, len);
}

BENCH_PHASE static int phase_enum_10000(const void *fdt, size_t size, char *msg, size_t len)
{
	return lab_boot_blob(fdt, size, "", msg, len);
}

/*
 * The boot enumerated every function (the last one is there) and bound the
 * first. Past the machine's 8,192 LPIs a function falls back to INTx, whose
 * lines dma-copy does not share: those fail its probe with -EBUSY.
 */
static void check_enumerated(unsigned n)
{
	unsigned s = (n - 1) / FUNCS_PER_SEG, k = (n - 1) % FUNCS_PER_SEG;
	unsigned sw = k / (PORTS * FUNCS), port = k / FUNCS % PORTS, fn = k % FUNCS;
	/* Depth first: root port 1 + 34 sw, upstream port below, then its 32 ports. */
	unsigned bus = 1 + sw * (2 + PORTS) + 2 + port;
	struct device *first = bus_find_device_by_name(&pci_bus_type, "0000:03:00.0");
	char name[32];

	snprintf(name, sizeof(name), "%04x:%02x:00.%u", s, bus, fn);
	if (first && first->driver && bus_find_device_by_name(&pci_bus_type, name))
		return;
	fprintf(stderr, "bench_pci: %s missing or 0000:03:00.0 unbound after the boot\n", name);
	exit(1);
}

static const struct enum_phase {
	unsigned n;
	const char *name;
	int (*fn)(const void *fdt, size_t size, char *msg, size_t len);
} enum_phases[] = {
	{ 1000, "phase_enum_1000", phase_enum_1000 },
	{ 10000, "phase_enum_10000", phase_enum_10000 },
};

static void bench_enum(bool cg)
{
	double base = 0, base_nlogn = 0;
	char msg[256];

	if (!cg)
		bench_line(NULL, NULL, "  %9s %8s %4s %10s %13s %9s", "functions", "segments", "runs",
			   "boot (ms)", "per func (us)", "t / nlogn");
	for (size_t i = 0; i < 2; i++) {
		const struct enum_phase *ph = &enum_phases[i];
		/* Under callgrind the big one boots 2,000 functions (two segments). */
		unsigned n = cg && i ? 2000 : ph->n;
		size_t size;
		void *fdt = make_platform(n, &size);
		double t[RUNS], spent = 0;
		int runs = 0;

		/* Up to RUNS boots, fewer once 20 s have gone by. */
		for (int r = 0; r < (cg ? 1 : RUNS) && (r == 0 || spent < 20); r++, runs++) {
			double t0 = bench_now_ns();
			int ret = ph->fn(fdt, size, msg, sizeof(msg));

			t[r] = (bench_now_ns() - t0) * 1e-9;
			spent += t[r];
			if (ret) {
				fprintf(stderr, "bench_pci: %u functions: %s: %s\n", n,
					lab_strerror(ret), msg);
				exit(1);
			}
			check_enumerated(n);
			lab_shutdown();
		}
		free(fdt);
		if (cg) {
			bench_callgrind_ops(ph->name, n, "function");
			continue;
		}
		double med = bench_median(t, (size_t)runs), nlogn = ph->n * lg2(ph->n);

		if (i == 0) {
			base = med;
			base_nlogn = nlogn;
		}
		bench_line(ph->name, NULL, "  %9u %8u %4d %10.2f %13.2f %9.2f", ph->n,
			   (ph->n + FUNCS_PER_SEG - 1) / FUNCS_PER_SEG, runs, med * 1e3,
			   med * 1e6 / ph->n, (med / base) / (nlogn / base_nlogn));
	}
	if (!cg)
		printf("  t / nlogn: growth over n log n relative to 1,000 functions (1.00 = n log n)\n");
}

/* ---- DMA through the PCI fabric and the SMMU ---------------------------------- */

static inline __attribute__((always_inline)) void dma_loop(struct hw_dma_master *d, u64 iova,
							   char *buf, size_t len, unsigned long n)
{
	struct machine *m = kernel_machine();

	for (unsigned long i = 0; i < n; i++)
		hw_dma(m, d, iova + (i * len) % SPAN, buf, len, HW_READ);
}

static inline __attribute__((always_inline)) void memcpy_loop(char *buf, const char *src,
							      size_t len, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		memcpy(buf, src + (i * len) % SPAN, len);
		sink += buf[i % len];
	}
}

BENCH_PHASE static void phase_dma4k(struct hw_dma_master *d, u64 iova, char *buf, unsigned long n)
{
	dma_loop(d, iova, buf, 4096, n);
}

BENCH_PHASE static void phase_memcpy4k(char *buf, const char *src, unsigned long n)
{
	memcpy_loop(buf, src, 4096, n);
}

BENCH_PHASE static void phase_dma64k(struct hw_dma_master *d, u64 iova, char *buf, unsigned long n)
{
	dma_loop(d, iova, buf, 65536, n);
}

BENCH_PHASE static void phase_memcpy64k(char *buf, const char *src, unsigned long n)
{
	memcpy_loop(buf, src, 65536, n);
}

static void bench_dma_len(struct hw_dma_master *d, u64 iova, size_t len, bool cg)
{
	bool small = len == 4096;
	unsigned long n = cg ? (small ? 512 : 32) : (small ? 200000 : 20000);
	double t[RUNS], base[RUNS];
	char *buf = malloc(len), *src = malloc(SPAN);

	if (!buf || !src)
		exit(2);
	memset(src, 1, SPAN);
	/* Warm-up: the IOTLB holds the span's pages, as it would mid-transfer. */
	phase_dma4k(d, iova, buf, SPAN / 4096);
	for (int r = 0; r < (cg ? 1 : RUNS); r++) {
		double t0 = bench_now_ns();

		if (small)
			phase_dma4k(d, iova, buf, n);
		else
			phase_dma64k(d, iova, buf, n);
		t[r] = bench_now_ns() - t0;
		t0 = bench_now_ns();
		if (small)
			phase_memcpy4k(buf, src, n);
		else
			phase_memcpy64k(buf, src, n);
		base[r] = bench_now_ns() - t0;
	}
	free(buf);
	free(src);
	unsigned long pages = n * (len / 4096);

	if (cg) {
		/* The 4 KiB phase's count includes the warm-ups (both lengths). */
		bench_callgrind_ops(small ? "phase_dma4k" : "phase_dma64k",
				    small ? pages + 2 * SPAN / 4096 : pages, "page");
		bench_callgrind_ops(small ? "phase_memcpy4k" : "phase_memcpy64k", pages, "page");
		return;
	}
	double tm = bench_median(t, RUNS), bm = bench_median(base, RUNS), bytes = (double)n * len;
	char note[64];

	snprintf(note, sizeof(note), "ratio %.2f of memcpy%s", bm / tm,
		 small ? "" : " (target >= 0.8)");
	bench_line(small ? "phase_dma4k" : "phase_dma64k", note,
		   "  PCI DMA read %2zu KiB %6.2f GB/s %7.2f ns/4K page", len / 1024, bytes / tm,
		   tm / pages);
	bench_line(small ? "phase_memcpy4k" : "phase_memcpy64k", NULL,
		   "  memcpy       %2zu KiB %6.2f GB/s %7.2f ns/4K page", len / 1024, bytes / bm,
		   bm / pages);
}

static void bench_dma(bool cg)
{
	char msg[256];
	int ret = lab_boot(NULL, NULL, msg, sizeof(msg));

	if (ret) {
		fprintf(stderr, "bench_pci: boot: %s: %s\n", lab_strerror(ret), msg);
		exit(2);
	}
	struct device *dev = bus_find_device_by_name(&pci_bus_type, DMA_DEV);
	struct master_id id;
	struct hw_dma_master *d;
	dma_addr_t iova;
	u64 phys;

	if (!dev)
		exit(2);
	id = dev_master_id(dev);
	d = hw_master_by_id(kernel_machine(), &id);
	phys = dma_alloc_coherent(dev, SPAN, &iova);
	if (!d || !phys) {
		fprintf(stderr, "bench_pci: no DMA master or buffer for " DMA_DEV "\n");
		exit(2);
	}
	if (!cg)
		printf("  %s on the built-in platform: reads of a %u KiB DMA-API buffer through the"
		       " fabric and the SMMU\n", DMA_DEV, SPAN >> 10);
	bench_dma_len(d, iova, 4096, cg);
	bench_dma_len(d, iova, 65536, cg);
	dma_free_coherent(dev, SPAN, phys, iova);
	lab_shutdown();
}

int main(int argc, char **argv)
{
	bool cg = bench_callgrind_mode(argc, argv);
	/* `bench_pci [--callgrind] enum|dma`: one half only (to profile it). */
	int half = cg ? 2 : 1;
	const char *only = argc > half ? argv[half] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!cg)
		printf("PCI enumeration (pci-dma-copy functions behind switches, MSI-X on an ITS) and"
		       " DMA through the fabric and the SMMU, median of up to %d runs\n", RUNS);
	if (strcmp(only, "dma"))
		bench_enum(cg);
	if (strcmp(only, "enum"))
		bench_dma(cg);
	return 0;
}
