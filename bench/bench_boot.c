/*
 * Boot time and memory against platform size.
 *
 * Generates platforms with 100, 1,000 and 10,000 devices under a
 * simple-bus: nine in ten are dma-copy engines, one in ten a defer-test
 * device whose supplier is a dma-copy engine further down the tree (so it
 * defers at least once and binds on a deferred-probe retry). Boots each
 * up to five times (fewer once 20 s have gone by) through the public API
 * and prints the median wall time,
 * the heap in use once booted (mallinfo2) and the process's peak RSS,
 * with the growth against n log n beside them. Figures only, no assertions.
 *
 * Instruction counts: the boot of each default size is a phase function
 * (phase_boot_100, phase_boot_1000, phase_boot_10000; other sizes none);
 * `bench_boot --callgrind` boots each default size once
 * and prints its device count for tools/run-bench.sh (docs/bench.md).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <libfdt.h>

#include "iommulab/lab.h"
#include "bench_util.h"

#define RUNS 5
#define SOC_BASE 0x10000000u

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "fdt: %s failed\n", #x); exit(2); } } while (0)

static void prop_cells(void *fdt, const char *name, const unsigned *cells, int n)
{
	fdt32_t v[8];

	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(cells[i]);
	CHECK(fdt_property(fdt, name, v, n * sizeof(fdt32_t)));
}

/* Device k: a defer-test node every tenth, else a dma-copy engine (phandle k + 2). */
static bool is_defer(unsigned k) { return k % 10 == 0; }

static void *make_platform(unsigned n, size_t *size)
{
	size_t cap = 4096 + (size_t)n * 256;
	void *fdt = malloc(cap);
	char name[64];

	CHECK(fdt_create(fdt, cap));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", "iommulab,bench"));
	CHECK(fdt_property_string(fdt, "model", "iommulab boot benchmark"));
	prop_cells(fdt, "#address-cells", (unsigned[]){ 2 }, 1);
	prop_cells(fdt, "#size-cells", (unsigned[]){ 2 }, 1);
	prop_cells(fdt, "interrupt-parent", (unsigned[]){ 1 }, 1);

	CHECK(fdt_begin_node(fdt, "chosen"));
	CHECK(fdt_property_string(fdt, "bootargs", ""));
	CHECK(fdt_end_node(fdt));

	CHECK(fdt_begin_node(fdt, "memory@40000000"));
	CHECK(fdt_property_string(fdt, "device_type", "memory"));
	prop_cells(fdt, "reg", (unsigned[]){ 0, 0x40000000, 0, 0x40000000 }, 4);
	CHECK(fdt_end_node(fdt));

	CHECK(fdt_begin_node(fdt, "interrupt-controller@8000000"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,gic-400"));
	prop_cells(fdt, "#interrupt-cells", (unsigned[]){ 3 }, 1);
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	prop_cells(fdt, "reg", (unsigned[]){ 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000 }, 8);
	prop_cells(fdt, "phandle", (unsigned[]){ 1 }, 1);
	CHECK(fdt_end_node(fdt));

	snprintf(name, sizeof(name), "soc@%x", SOC_BASE);
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "compatible", "simple-bus"));
	prop_cells(fdt, "#address-cells", (unsigned[]){ 1 }, 1);
	prop_cells(fdt, "#size-cells", (unsigned[]){ 1 }, 1);
	prop_cells(fdt, "ranges", (unsigned[]){ 0, 0, SOC_BASE, n * 0x1000u }, 4);
	for (unsigned k = 0; k < n; k++) {
		unsigned off = k * 0x1000u;
		if (is_defer(k)) {
			/* Its supplier: the next dma-copy engine after it. */
			unsigned s = k + 1 < n ? k + 1 : k - 1;
			snprintf(name, sizeof(name), "defer@%x", off);
			CHECK(fdt_begin_node(fdt, name));
			CHECK(fdt_property_string(fdt, "compatible", "iommulab,defer-test"));
			prop_cells(fdt, "reg", (unsigned[]){ off, 0x1000 }, 2);
			prop_cells(fdt, "iommulab,supplier", (unsigned[]){ s + 2 }, 1);
		} else {
			snprintf(name, sizeof(name), "dma@%x", off);
			CHECK(fdt_begin_node(fdt, name));
			CHECK(fdt_property_string(fdt, "compatible", "iommulab,dma-copy"));
			prop_cells(fdt, "reg", (unsigned[]){ off, 0x1000 }, 2);
			/* GICv2 has 988 SPIs: engines share lines beyond that. */
			prop_cells(fdt, "interrupts", (unsigned[]){ 0, 16 + k % 960, 4 }, 3);
			prop_cells(fdt, "phandle", (unsigned[]){ k + 2 }, 1);
		}
		CHECK(fdt_end_node(fdt));
	}
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_finish(fdt));
	*size = fdt_totalsize(fdt);
	return fdt;
}

/* log2 without libm: x = m * 2^e with m in [1, 2), then ln m by its atanh series. */
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

static int boot(const void *fdt, size_t size, char *msg, size_t len)
{
	return lab_boot_blob(fdt, size, "", msg, len);
}

BENCH_PHASE static int phase_boot_100(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_1000(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_10000(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

static const struct boot_phase {
	unsigned n;
	const char *name;
	int (*fn)(const void *fdt, size_t size, char *msg, size_t len);
} boot_phases[] = {
	{ 100, "phase_boot_100", phase_boot_100 },
	{ 1000, "phase_boot_1000", phase_boot_1000 },
	{ 10000, "phase_boot_10000", phase_boot_10000 },
	{ 0, NULL, boot },	/* other sizes: no phase */
};

static const struct boot_phase *boot_phase(unsigned n)
{
	const struct boot_phase *p = boot_phases;

	while (p->n && p->n != n)
		p++;
	return p;
}

int main(int argc, char **argv)
{
	bool callgrind = bench_callgrind_mode(argc, argv);
	int max_runs = callgrind ? 1 : RUNS;
	static const unsigned def_sizes[] = { 100, 1000, 10000 };
	unsigned sizes[8];
	size_t nr_sizes = 0;

	/* Sizes may be given on the command line; default 100, 1000, 10000. */
	for (int i = 1; i < argc && nr_sizes < 8 && !callgrind; i++)
		sizes[nr_sizes++] = (unsigned)strtoul(argv[i], NULL, 0);
	if (!nr_sizes)
		for (; nr_sizes < 3; nr_sizes++)
			sizes[nr_sizes] = def_sizes[nr_sizes];
	double base_t = 0, base_nlogn = 0;
	char msg[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!callgrind)
		bench_line(NULL, NULL, "%7s %4s %10s %12s %10s %12s %9s   %s", "devices", "runs",
			   "boot (ms)", "per dev (us)", "heap (KiB)", "maxrss (KiB)", "t / nlogn",
			   "per device");
	for (size_t i = 0; i < nr_sizes; i++) {
		if (sizes[i] < 10 || sizes[i] > 100000) {
			fprintf(stderr, "bench_boot: sizes are 10 to 100000 devices\n");
			return 2;
		}
		unsigned n = sizes[i];
		size_t size;
		void *fdt = make_platform(n, &size);
		double t[RUNS];
		size_t heap = 0;

		/* Up to RUNS boots, fewer once 20 s have gone by (the big ones). */
		double spent = 0;
		int runs = 0;
		const struct boot_phase *ph = boot_phase(n);

		for (int r = 0; r < max_runs && (r == 0 || spent < 20); r++, runs++) {
			double t0 = bench_now_ns();
			int ret = ph->fn(fdt, size, msg, sizeof(msg));
			t[r] = (bench_now_ns() - t0) * 1e-9;
			spent += t[r];
			if (ret) {
				fprintf(stderr, "bench_boot: %u devices: %s: %s\n", n, lab_strerror(ret), msg);
				return 1;
			}
			if (r == 0)
				heap = mallinfo2().uordblks;
			lab_shutdown();
		}
		if (callgrind) {
			bench_callgrind_ops(ph->name, n, "device");
			free(fdt);
			continue;
		}
		double med = bench_median(t, (size_t)runs), nlogn = n * lg2(n);
		if (i == 0) {
			base_t = med;
			base_nlogn = nlogn;
		}
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		bench_line(ph->name, NULL, "%7u %4d %10.3f %12.3f %10zu %12ld %9.2f", n, runs,
			   med * 1e3, med * 1e6 / n, heap / 1024, ru.ru_maxrss,
			   (med / base_t) / (nlogn / base_nlogn));
		free(fdt);
	}
	if (!callgrind)
		printf("t / nlogn: boot-time growth over n log n, relative to the smallest platform"
		       " (1.00 = n log n; above 1 grows faster)\n");
	return 0;
}
