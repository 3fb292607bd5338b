/*
 * Boot time of the real boards in tests/boards (Linux 6.12's trees, built
 * as Linux builds them): each booted RUNS times through the public API,
 * its median printed against issue 11's target (every real tree under
 * 50 ms), then the median and the worst of the five. `make boards` gives
 * the same figures over every arm64 tree; this is the quick, repeatable
 * subset. The same-run baseline is the built-in platform's boot.
 *
 * Instruction counts: each board's boot is its own phase
 * (phase_boot_<board>); `bench_boot_boards --callgrind` boots each once.
 * The trees are read from BOARDS_DTB_DIR (the build's tests/boards) or
 * the directory given as the first argument.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommulab/lab.h"
#include "bench_util.h"

#define RUNS 9
#define TARGET_MS 50.0

typedef int (*boot_fn)(const void *fdt, size_t size, char *msg, size_t len);

static int boot(const void *fdt, size_t size, char *msg, size_t len)
{
	return lab_boot_blob(fdt, size, "", msg, len);
}

BENCH_PHASE static int phase_boot_sc7180(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_apq8096(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_tegra194(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_tegra234(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

BENCH_PHASE static int phase_boot_imx8qm(const void *fdt, size_t size, char *msg, size_t len)
{
	return boot(fdt, size, msg, len);
}

static const struct board {
	const char *tree, *phase;
	boot_fn fn;
} boards[] = {
	{ "sc7180-trogdor-kingoftown", "phase_boot_sc7180", phase_boot_sc7180 },
	{ "apq8096-db820c", "phase_boot_apq8096", phase_boot_apq8096 },
	{ "tegra194-p2972-0000", "phase_boot_tegra194", phase_boot_tegra194 },
	{ "tegra234-p3737-0000+p3701-0000", "phase_boot_tegra234", phase_boot_tegra234 },
	{ "imx8qm-mek", "phase_boot_imx8qm", phase_boot_imx8qm },
};
#define NR_BOARDS (sizeof(boards) / sizeof(boards[0]))

static void *load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "bench_boot_boards: cannot read %s\n", path);
		exit(2);
	}
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_boot_boards: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* Median of @runs boots of @fdt through @fn, in seconds. */
static double time_boot(boot_fn fn, const void *fdt, size_t size, int runs, const char *what)
{
	double t[RUNS];
	char msg[256];

	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ns();
		int ret = fn(fdt, size, msg, sizeof(msg));

		t[r] = (bench_now_ns() - t0) * 1e-9;
		if (ret) {
			fprintf(stderr, "bench_boot_boards: %s: %s: %s\n", what, lab_strerror(ret), msg);
			exit(1);
		}
		lab_shutdown();
	}
	return bench_median(t, (size_t)runs);
}

int main(int argc, char **argv)
{
	bool callgrind = bench_callgrind_mode(argc, argv);
	const char *dir = !callgrind && argc > 1 ? argv[1] : BOARDS_DTB_DIR;
	double med[NR_BOARDS], sorted[NR_BOARDS], base = 0;
	char path[4096], msg[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!callgrind) {
		/* The built-in platform (lab_boot with no tree), same run. */
		double t[RUNS];

		for (int r = 0; r < RUNS; r++) {
			double t0 = bench_now_ns();

			if (lab_boot(NULL, "", msg, sizeof(msg))) {
				fprintf(stderr, "bench_boot_boards: built-in platform: %s\n", msg);
				return 1;
			}
			t[r] = (bench_now_ns() - t0) * 1e-9;
			lab_shutdown();
		}
		base = bench_median(t, RUNS);
		printf("boot of Linux 6.12's real boards (tests/boards), median of %d; baseline: the "
		       "built-in platform, %.2f ms\n", RUNS, base * 1e3);
		bench_line(NULL, NULL, "%-32s %9s %8s", "board", "boot (ms)", "x base");
	}
	for (size_t i = 0; i < NR_BOARDS; i++) {
		size_t size;
		void *fdt;

		snprintf(path, sizeof(path), "%s/%s.dtb", dir, boards[i].tree);
		fdt = load(path, &size);
		med[i] = time_boot(boards[i].fn, fdt, size, callgrind ? 1 : RUNS, boards[i].tree);
		free(fdt);
		if (callgrind) {
			bench_callgrind_ops(boards[i].phase, 1, "board");
			continue;
		}
		bench_line(boards[i].phase, med[i] * 1e3 < TARGET_MS ? "target < 50 ms: met" :
			   "target < 50 ms: MISSED", "%-32s %9.2f %8.1f", boards[i].tree, med[i] * 1e3,
			   med[i] / base);
		sorted[i] = med[i];
	}
	if (callgrind)
		return 0;
	bench_sort(sorted, NR_BOARDS);
	printf("median %.2f ms, worst %.2f ms (target: every real tree under %.0f ms)\n",
	       sorted[NR_BOARDS / 2] * 1e3, sorted[NR_BOARDS - 1] * 1e3, TARGET_MS);
	return 0;
}
