/*
 * bench_mmio: a trapped MMIO access through a region mapping (docs/uapi.md
 * "Region mmap": SIGSEGV, the x86-64 decoder, one vma_access) against a
 * pread/pwrite of the same dma-copy register, in the same run, through the
 * lab's fd API in this process. The session's figures (each access a
 * request to the server) are bench_mmio_session's (a script running
 * tests/clients/vfio-mmap-client.c's bench mode).
 *
 * A region read costs 200 ns of virtual time in both paths (the lab runs
 * its events meanwhile); the figures are host time. Medians of RUNS runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <linux/vfio.h>

#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "bench_util.h"
#include "uapi/mmio_trap.h"

#define RUNS 5
#define REG_ID 0x000
#define REG_LEN 0x018

static bool callgrind;
static int loops = 20000;

static void die(const char *what)
{
	fprintf(stderr, "bench_mmio: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void sh(const char *line)
{
	if (lab_exec(line, stderr))
		die(line);
}

/*
 * Under valgrind a signal frame's RIP is not the faulting instruction's,
 * so the trap cannot run there; the callgrind count then comes from the
 * handler's work on a made-up context (the same decode, lookup, access and
 * register write-back; the host kernel's signal delivery is not user
 * instructions, so callgrind would not count it anyway).
 */
static bool under_valgrind;
static const uint8_t load_insn[] = { 0x8b, 0x07 };	/* mov (%rdi),%eax */
static const uint8_t store_insn[] = { 0x89, 0x37 };	/* mov %esi,(%rdi) */

static uint32_t fake_access(volatile uint32_t *p, const uint8_t *insn, uint32_t v)
{
	ucontext_t uc;

	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)insn;
	uc.uc_mcontext.gregs[REG_RDI] = (greg_t)(uintptr_t)p;
	uc.uc_mcontext.gregs[REG_RSI] = v;
	if (mmio_trap_fault((uintptr_t)p, &uc))
		die("mmio_trap_fault");
	return (uint32_t)uc.uc_mcontext.gregs[REG_RAX];
}

BENCH_PHASE static uint32_t phase_trap_load(volatile uint32_t *r, int n)
{
	uint32_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += under_valgrind ? fake_access(&r[REG_ID / 4], load_insn, 0) : r[REG_ID / 4];
	return sum;
}

BENCH_PHASE static void phase_trap_store(volatile uint32_t *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (under_valgrind)
			fake_access(&r[REG_LEN / 4], store_insn, (uint32_t)i);
		else
			r[REG_LEN / 4] = (uint32_t)i;
	}
}

BENCH_PHASE static uint32_t phase_pread(int d, int n)
{
	uint32_t sum = 0, v = 0;

	for (int i = 0; i < n; i++) {
		lab_pread(d, &v, 4, REG_ID);
		sum += v;
	}
	return sum;
}

BENCH_PHASE static void phase_pwrite(int d, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t v = (uint32_t)i;
		lab_pwrite(d, &v, 4, REG_LEN);
	}
}

static int open_device(void)
{
	char link[256], gpath[64];
	ssize_t n = lab_readlink("/sys/bus/platform/devices/a000000.dma/iommu_group", link,
				 sizeof(link) - 1);
	if (n < 0)
		die("iommu_group");
	link[n] = 0;
	snprintf(gpath, sizeof(gpath), "/dev/vfio/%s", strrchr(link, '/') + 1);
	int c = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	int g = lab_open(gpath, O_RDWR, 0);
	if (c < 0 || g < 0)
		die("open");
	if (lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &c) ||
	    lab_ioctl(c, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU))
		die("container");
	int d = lab_ioctl(g, VFIO_GROUP_GET_DEVICE_FD, "a000000.dma");
	if (d < 0)
		die("GET_DEVICE_FD");
	return d;
}

int main(int argc, char **argv)
{
	double load[RUNS], store[RUNS], rd[RUNS], wr[RUNS];
	char msg[256] = "";

	callgrind = bench_callgrind_mode(argc, argv);
	under_valgrind = getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload");
	if (callgrind)
		loops = 1000;
	if (lab_boot(NULL, "vfio_iommu_type1.allow_unsafe_interrupts=1", msg, sizeof(msg))) {
		fprintf(stderr, "bench_mmio: boot: %s\n", msg);
		return 1;
	}
	sh("modprobe vfio-platform");
	sh("echo vfio-platform > /sys/bus/platform/devices/a000000.dma/driver_override");
	sh("echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind");
	sh("echo a000000.dma > /sys/bus/platform/drivers/vfio-platform/bind");
	int d = open_device();
	volatile uint32_t *r = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	if (r == MAP_FAILED) {
		/* Not x86-64: no trap (docs/uapi.md). */
		printf("bench_mmio: region mmap not supported on this host: %s\n", strerror(errno));
		return 0;
	}
	/* Warm-up: the handler's first run, the pages of the paths. */
	phase_trap_load(r, 10);
	phase_pread(d, 10);
	for (int k = 0; k < (callgrind ? 1 : RUNS); k++) {
		double t0 = bench_now_ns();
		uint32_t a = phase_trap_load(r, loops);
		double t1 = bench_now_ns();
		phase_trap_store(r, loops);
		double t2 = bench_now_ns();
		uint32_t b = phase_pread(d, loops);
		double t3 = bench_now_ns();
		phase_pwrite(d, loops);
		double t4 = bench_now_ns();
		if (a != b)
			die("the mapping and pread disagree");
		load[k] = (t1 - t0) / loops;
		store[k] = (t2 - t1) / loops;
		rd[k] = (t3 - t2) / loops;
		wr[k] = (t4 - t3) / loops;
	}
	if (callgrind) {
		bench_callgrind_ops("phase_trap_load", loops, "op");
		bench_callgrind_ops("phase_trap_store", loops, "op");
		bench_callgrind_ops("phase_pread", loops, "op");
		bench_callgrind_ops("phase_pwrite", loops, "op");
	} else {
		printf("dma-copy register access in-process, median of %d runs of %d\n", RUNS, loops);
		bench_line("phase_trap_load", NULL, "  trapped 32-bit load  %8.0f ns",
			   bench_median(load, RUNS));
		bench_line("phase_trap_store", NULL, "  trapped 32-bit store %8.0f ns",
			   bench_median(store, RUNS));
		bench_line("phase_pread", "same-run baseline", "  pread of 4 bytes     %8.0f ns",
			   bench_median(rd, RUNS));
		bench_line("phase_pwrite", "same-run baseline", "  pwrite of 4 bytes    %8.0f ns",
			   bench_median(wr, RUNS));
	}
	lab_munmap((void *)r, 4096);
	lab_close_all();
	lab_shutdown();
	return 0;
}
