/*
 * bench_explore: the explorer's speed (docs/bench.md, docs/explore.md).
 *
 *  - operations explored per second per core on the built-in platform, no
 *    bug on (target >= 20,000), against the same-run baseline of forking
 *    the booted lab with nothing to run;
 *  - the speed-up with --jobs 2 (target >= 1.8x on 2 cores);
 *  - time to find each reachable catalogue bug, the median over 10 seeds.
 *
 * Each figure runs `iommulab explore` (the binary beside this one) and
 * reads its summary line; printed, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench_util.h"

static char lab[4096];

/* Runs the explorer; returns wall seconds and the ops/s of its summary. */
static double run(const char *args, double *ops_per_s)
{
	char cmd[8192], line[1024];
	double t0 = bench_now_ns();

	snprintf(cmd, sizeof(cmd), "%s explore %s 2>/dev/null", lab, args);
	FILE *p = popen(cmd, "r");
	*ops_per_s = 0;
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		const char *s = strstr(line, "\"ops_per_s\":");
		if (s)
			*ops_per_s = atof(s + 12);
	}
	pclose(p);
	return (bench_now_ns() - t0) / 1e9;
}

BENCH_PHASE static void phase_fork(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
}

int main(int argc, char **argv)
{
	static const char *const bugs[] = { "group-ref", "sme-freed-on-unbind", "missed-tlbi",
					    "owner-while-kernel", "fq-not-drained",
					    "vfio-unmap-keeps-mapping" };
	bool quick = argc > 1 && !strcmp(argv[1], "--callgrind");
	double rate1, rate2, t[10];
	char args[256];

	snprintf(lab, sizeof(lab), "%s", argv[0]);
	char *slash = strrchr(lab, '/');
	snprintf(slash ? slash + 1 : lab, sizeof(lab) - (size_t)(slash ? slash + 1 - lab : 0),
		 "../iommulab");
	if (quick) {
		phase_fork(10);
		bench_callgrind_ops("phase_fork", 10, "fork");
		return 0;
	}
	double f0 = bench_now_ns();
	phase_fork(200);
	double fork_us = (bench_now_ns() - f0) / 200 / 1e3;

	run("--ops 40000 --json", &rate1);
	run("--ops 80000 --json --jobs 2", &rate2);
	printf("explore, no bug, 1 job:   %8.0f ops/s per core (target >= 20000); a bare fork %.0f us\n",
	       rate1, fork_us);
	printf("explore, no bug, 2 jobs:  %8.0f ops/s, speed-up %.2fx (target >= 1.8x)\n", rate2,
	       rate1 > 0 ? rate2 / rate1 : 0);
	for (size_t b = 0; b < sizeof(bugs) / sizeof(bugs[0]); b++) {
		double r;
		for (int s = 0; s < 10; s++) {
			snprintf(args, sizeof(args), "--bug %s --seed %d --time 60", bugs[b], 100 + s);
			t[s] = run(args, &r);
		}
		printf("time to find %-22s %8.2f s (median of 10 seeds)\n", bugs[b], bench_median(t, 10));
	}
	return 0;
}
