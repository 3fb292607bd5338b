/*
 * The iommulab,nvme model's data path: 4 KiB random reads, 128 KiB
 * sequential reads and writes, each a whole command (SQ entry write,
 * doorbell, the event loop's fetch, PRP walk, DMA between the namespace and
 * memory, completion, CQ head doorbell), against memcpy of the same bytes. The
 * harness plays the PCI bus as test_hw_nvme's does (DMA straight to
 * memory, no IOMMU). `bench_nvme --callgrind` runs each phase once, small.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "hw/machine.h"
#include "hw/nvme.h"
#include "bench_util.h"

#define RUNS 5
#define RAM 0x40000000ull
#define BAR0 0x10000000ull
#define ASQ (RAM + 0x0000)
#define ACQ (RAM + 0x1000)
#define IOSQ (RAM + 0x10000)
#define IOCQ (RAM + 0x20000)
#define LIST (RAM + 0x30000)
#define BUF (RAM + 0x100000)
#define QSIZE 64
#define NS_LBAS (64u << 20 >> 9)

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "bench_nvme: %s failed\n", #x); exit(2); } } while (0)

static struct machine *m;
static struct pci_func func;
static struct pci_ep_ctx ctx;
static void *state;
static u32 tail, head;
static bool phase = true;
static u16 cid;
static u64 rng = 88172645463325252ull;

static void b_map(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	(void)o, (void)f, (void)io;
	CHECK(hw_mmio_map(m, addr, size, ctx.bar_ops[bar], ctx.bar_opaque[bar], "nvme"));
}

static void b_unmap(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	(void)o, (void)f, (void)bar, (void)size, (void)io;
	hw_mmio_unmap(m, addr);
}

static const struct pci_func_ops bus_ops = { .map = b_map, .unmap = b_unmap };

static int b_dma(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc)
{
	(void)bus;
	if (acc == HW_READ)
		return hw_mem_read(m, addr, buf, len) ? -EFAULT : 0;
	return hw_mem_write(m, addr, buf, len) ? -EFAULT : 0;
}

static void *platform(size_t *size)
{
	size_t cap = 4096;
	void *f = malloc(cap);
	fdt32_t reg[4] = { 0, cpu_to_fdt32((u32)RAM), 0, cpu_to_fdt32(0x4000000) };

	CHECK(fdt_create(f, cap));
	CHECK(fdt_finish_reservemap(f));
	CHECK(fdt_begin_node(f, ""));
	CHECK(fdt_property_u32(f, "#address-cells", 2));
	CHECK(fdt_property_u32(f, "#size-cells", 2));
	CHECK(fdt_begin_node(f, "memory@40000000"));
	CHECK(fdt_property_string(f, "device_type", "memory"));
	CHECK(fdt_property(f, "reg", reg, sizeof(reg)));
	CHECK(fdt_end_node(f));
	CHECK(fdt_begin_node(f, "nvme@0"));
	CHECK(fdt_property_string(f, "compatible", "iommulab,nvme"));
	CHECK(fdt_end_node(f));
	CHECK(fdt_end_node(f));
	CHECK(fdt_finish(f));
	*size = fdt_totalsize(f);
	return f;
}

static void wr(u64 off, unsigned size, u64 v)
{
	CHECK(hw_mmio_write(m, BAR0 + off, size, v));
}

/* One command on @q's SQ (0 admin, 1 I/O), run to completion; returns its status. */
static u16 run_cmd(unsigned q, const u8 *sqe)
{
	static u32 atail, ahead;
	static bool aphase = true;
	u32 *t = q ? &tail : &atail, *h = q ? &head : &ahead;
	bool *ph = q ? &phase : &aphase;
	u32 size = q ? QSIZE : 16;
	u8 cqe[16];
	u16 sf;

	CHECK(hw_mem_write(m, (q ? IOSQ : ASQ) + 64ull * *t, sqe, 64));
	*t = (*t + 1) % size;
	wr(0x1000 + 8 * q, 4, *t);
	hw_run_until_idle(m);
	CHECK(hw_mem_read(m, (q ? IOCQ : ACQ) + 16ull * *h, cqe, 16));
	sf = cqe[14] | cqe[15] << 8;
	if ((sf & 1) != *ph) {
		fprintf(stderr, "bench_nvme: no completion\n");
		exit(2);
	}
	if (++*h == size) {
		*h = 0;
		*ph = !*ph;
	}
	wr(0x1000 + 8 * q + 4, 4, *h);
	return sf >> 1;
}

static void sqe_init(u8 *e, u8 op, u32 nsid, u64 prp1, u64 prp2, u32 c10, u32 c11, u32 c12)
{
	memset(e, 0, 64);
	e[0] = op;
	cid++;
	memcpy(e + 2, &cid, 2);
	memcpy(e + 4, &nsid, 4);
	memcpy(e + 24, &prp1, 8);
	memcpy(e + 32, &prp2, 8);
	memcpy(e + 40, &c10, 4);
	memcpy(e + 44, &c11, 4);
	memcpy(e + 48, &c12, 4);
}

static void setup(void)
{
	char why[160] = "";
	size_t size;
	void *fdt = platform(&size);
	u8 e[64], page[4096];
	u64 list[32];

	CHECK(machine_create(fdt, size, 1, &m, why, sizeof(why)));
	free(fdt);
	ctx = (struct pci_ep_ctx){
		.m = m, .fdt = machine_fdt(m), .node = fdt_path_offset(machine_fdt(m), "/nvme@0"),
		.func = &func, .func_ops = &bus_ops, .dma = b_dma,
	};
	CHECK(nvme_model.create(&ctx, &state, why, sizeof(why)));
	pci_cfg_write(&func, PCI_BASE_ADDRESS_0, 4, (u32)BAR0);
	pci_cfg_write(&func, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	wr(0x24, 4, 15 << 16 | 15);
	wr(0x28, 8, ASQ);
	wr(0x30, 8, ACQ);
	wr(0x14, 4, 6 << 16 | 4 << 20 | 1);
	sqe_init(e, 0x05, 0, IOCQ, 0, (QSIZE - 1) << 16 | 1, 1, 0);
	CHECK(-(int)run_cmd(0, e));
	sqe_init(e, 0x01, 0, IOSQ, 0, (QSIZE - 1) << 16 | 1, 1 << 16 | 1, 0);
	CHECK(-(int)run_cmd(0, e));
	/* Fill the namespace so reads copy real chunks, and the 128 KiB PRP list. */
	for (u32 i = 0; i < sizeof(page); i++)
		page[i] = (u8)i;
	CHECK(hw_mem_write(m, BUF, page, sizeof(page)));
	for (u32 lba = 0; lba < NS_LBAS; lba += 8) {
		sqe_init(e, 0x01, 1, BUF, 0, lba, 0, 7);
		CHECK(-(int)run_cmd(1, e));
	}
	for (int i = 0; i < 31; i++)
		list[i] = BUF + 4096ull * (i + 1);
	CHECK(hw_mem_write(m, LIST, list, sizeof(list)));
}

BENCH_PHASE static void phase_read4k(unsigned long n)
{
	u8 e[64];

	for (unsigned long i = 0; i < n; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		sqe_init(e, 0x02, 1, BUF, 0, (u32)(rng % (NS_LBAS / 8)) * 8, 0, 7);
		run_cmd(1, e);
	}
}

BENCH_PHASE static void phase_read128k(unsigned long n)
{
	u8 e[64];

	for (unsigned long i = 0; i < n; i++) {
		sqe_init(e, 0x02, 1, BUF, LIST, (u32)(i * 256 % NS_LBAS), 0, 255);
		run_cmd(1, e);
	}
}

BENCH_PHASE static void phase_write128k(unsigned long n)
{
	u8 e[64];

	for (unsigned long i = 0; i < n; i++) {
		sqe_init(e, 0x01, 1, BUF, LIST, (u32)(i * 256 % NS_LBAS), 0, 255);
		run_cmd(1, e);
	}
}

BENCH_PHASE static void phase_memcpy(u8 *dst, const u8 *src, size_t len, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		memcpy(dst, src + (i * len) % (32u << 20), len);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
}

static void run_phase(const char *phase, size_t len, unsigned long n)
{
	if (len == 4096)
		phase_read4k(n);
	else if (!strcmp(phase, "phase_write128k"))
		phase_write128k(n);
	else
		phase_read128k(n);
}

static void measure(const char *phase, const char *what, size_t len, unsigned long n, bool cg)
{
	double t[RUNS], base[RUNS];
	u8 *src = malloc(32u << 20), *dst = malloc(len);

	memset(src, 1, 32u << 20);
	for (int r = 0; r < (cg ? 1 : RUNS); r++) {
		double t0 = bench_now_ns();

		run_phase(phase, len, n);
		t[r] = bench_now_ns() - t0;
		t0 = bench_now_ns();
		phase_memcpy(dst, src, len, n);
		base[r] = bench_now_ns() - t0;
	}
	free(src);
	free(dst);
	if (cg) {
		bench_callgrind_ops(phase, n, "op");
		return;
	}
	double tm = bench_median(t, RUNS) / n, bm = bench_median(base, RUNS) / n;

	bench_line(phase, NULL, "  %-28s %8.0f ops/s %7.1f MB/s", what, 1e9 / tm, len * 1e3 / tm);
	bench_line("phase_memcpy", NULL, "  baseline: memcpy of the bytes  %8.0f ops/s %7.1f MB/s", 1e9 / bm,
		   len * 1e3 / bm);
}

int main(int argc, char **argv)
{
	bool cg = bench_callgrind_mode(argc, argv);

	setup();
	if (cg) {
		/* one memcpy phase: callgrind counts it once, over both sizes */
		measure("phase_read4k", "", 4096, 100, true);
		measure("phase_read128k", "", 128 << 10, 20, true);
		measure("phase_write128k", "", 128 << 10, 20, true);
		bench_callgrind_ops("phase_memcpy", 140, "op");
	} else {
		printf("iommulab,nvme model, 64 MiB namespace in lab memory, QD1, median of %d runs\n",
		       RUNS);
		measure("phase_read4k", "4 KiB random read", 4096, 20000, false);
		measure("phase_read128k", "128 KiB sequential read", 128 << 10, 2000, false);
		measure("phase_write128k", "128 KiB sequential write", 128 << 10, 2000, false);
	}
	nvme_model.destroy(state);
	pci_func_exit(&func);
	machine_destroy(m);
	return 0;
}
