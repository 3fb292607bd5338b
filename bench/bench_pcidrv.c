/*
 * The PCI drivers on the built-in platform: MSI delivery, from a
 * function's 4-byte write of its MSI-X message (through the PCI fabric,
 * the SMMU's IOTLB and the ITS) to the kernel handler, against a plain
 * call of the handler; and the kernel nvme driver at queue depth 1
 * (nvme_lab_io: DMA API mappings, PRPs, doorbell, completion on MSI-X):
 * 4 KiB random reads and 128 KiB sequential reads against memcpy of the
 * same bytes. Printed, never asserted (docs/bench.md).
 * `bench_pcidrv --callgrind` runs each phase once, small.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommulab/lab.h"
#include "common/master_id.h"
#include "hw/machine.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/drivers/nvme.h"
#include "kernel/kernel.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"
#include "bench_util.h"

#define RUNS 5
#define NVME "0000:01:00.0"
#define MSI_DEV "0000:04:00.0"
#define NS_BLOCKS 131072u

static struct hw_dma_master *master;
static struct pci_dev *msi_pdev;
static int msi_irq;
static u64 msg_addr;
static u32 msg_data;
static volatile unsigned long fired;
static u64 rng = 88172645463325252ull;
static u8 *buf;

static irqreturn_t count_irq(int irq, void *data)
{
	(void)irq;
	(void)data;
	fired++;
	return IRQ_HANDLED;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_pcidrv: %s failed\n", what);
	exit(2);
}

/*
 * What a driver's unbind would do: the vector freed, the function
 * disabled, the device's managed resources released (the MSI layer's
 * device data is one, as in Linux: a probe finding it would refuse with
 * "Resources present before probing", -EBUSY), dma-copy back.
 */
static void teardown_msi(void)
{
	free_irq((u32)msi_irq, NULL);
	pci_free_irq_vectors(msi_pdev);
	pci_disable_device(msi_pdev);
	devres_release_all(&msi_pdev->dev);
	if (lab_exec("echo " MSI_DEV " > /sys/bus/pci/drivers/dma-copy/bind", stderr))
		die("bind");
}

/* The dma-copy function lets go; the bench takes its one MSI-X vector. */
static void setup_msi(void)
{
	struct pci_dev *p;
	struct device *dev;
	int irq;

	if (lab_exec("echo " MSI_DEV " > /sys/bus/pci/drivers/dma-copy/unbind", stderr))
		die("unbind");
	dev = bus_find_device_by_name(&pci_bus_type, MSI_DEV);
	if (!dev)
		die("find " MSI_DEV);
	p = to_pci_dev(dev);
	if (pci_enable_device(p))
		die("pci_enable_device");
	pci_set_master(p);
	if (pci_alloc_irq_vectors(p, 1, 1, PCI_IRQ_MSIX) != 1)
		die("pci_alloc_irq_vectors");
	irq = pci_irq_vector(p, 0);
	if (irq < 0 || request_irq((u32)irq, count_irq, "bench", NULL))
		die("request_irq");
	msi_pdev = p;
	msi_irq = irq;
	u32 table = 0;
	pci_read_config_dword(p, p->msix_cap + PCI_MSIX_TABLE, &table);
	u64 e = pci_resource_start(p, table & PCI_MSIX_TABLE_BIR) + (table & PCI_MSIX_TABLE_OFFSET);
	msg_addr = readl(e) | (u64)readl(e + 4) << 32;
	msg_data = readl(e + 8);
	struct master_id id = dev_master_id(dev);
	master = hw_master_by_id(kernel_machine(), &id);
	if (!master)
		die("hw_master_by_id");
}

BENCH_PHASE static void phase_msi(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		u32 v = msg_data;

		hw_dma(kernel_machine(), master, msg_addr, &v, 4, HW_WRITE);
	}
}

BENCH_PHASE static void phase_call(unsigned long n)
{
	irqreturn_t (*volatile h)(int, void *) = count_irq;

	for (unsigned long i = 0; i < n; i++)
		h(0, NULL);
}

static u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void nvme_read(u64 lba, u32 count)
{
	size_t len = (size_t)count * 512;
	char msg[160];

	if (nvme_lab_io(NVME, false, lba, count, buf, &len, msg, sizeof(msg)))
		die(msg);
}

BENCH_PHASE static void phase_read4k(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		nvme_read((next_rand() % (NS_BLOCKS / 8)) * 8, 8);
}

BENCH_PHASE static void phase_read128k(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		nvme_read((i * 256) % NS_BLOCKS, 256);
}

BENCH_PHASE static void phase_memcpy(u8 *dst, const u8 *src, size_t len, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		memcpy(dst, src + (i * len) % (32u << 20), len);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
}

static void measure_msi(unsigned long n, bool cg)
{
	double t[RUNS], base[RUNS];

	for (int r = 0; r < (cg ? 1 : RUNS); r++) {
		unsigned long before = fired;
		double t0 = bench_now_ns();

		phase_msi(n);
		t[r] = bench_now_ns() - t0;
		if (fired - before != n)
			die("MSI delivery (handler count)");
		t0 = bench_now_ns();
		phase_call(n);
		base[r] = bench_now_ns() - t0;
	}
	if (cg) {
		bench_callgrind_ops("phase_msi", n, "op");
		bench_callgrind_ops("phase_call", n, "op");
		return;
	}
	bench_line("phase_msi", NULL, "  MSI-X write to handler        %8.0f ns/interrupt",
		   bench_median(t, RUNS) / n);
	bench_line("phase_call", NULL, "  baseline: the handler called  %8.1f ns/call",
		   bench_median(base, RUNS) / n);
}

static void measure_nvme(const char *phase, const char *what, size_t len, unsigned long n,
			 bool cg)
{
	double t[RUNS], base[RUNS];
	u8 *src = malloc(32u << 20), *dst = malloc(len);

	if (!src || !dst)
		die("malloc");
	memset(src, 1, 32u << 20);
	for (int r = 0; r < (cg ? 1 : RUNS); r++) {
		double t0 = bench_now_ns();

		if (len == 4096)
			phase_read4k(n);
		else
			phase_read128k(n);
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

	bench_line(phase, NULL, "  %-28s %8.0f ops/s %8.3f GB/s", what, 1e9 / tm, len / tm);
	bench_line("phase_memcpy", NULL, "  baseline: memcpy of the bytes %8.0f ops/s %8.3f GB/s",
		   1e9 / bm, len / bm);
}

int main(int argc, char **argv)
{
	bool cg = bench_callgrind_mode(argc, argv);
	char msg[256];
	int ret = lab_boot(NULL, NULL, msg, sizeof(msg));

	if (ret) {
		fprintf(stderr, "bench_pcidrv: boot: %s: %s\n", lab_strerror(ret), msg);
		return 2;
	}
	buf = malloc(128 << 10);
	if (!buf)
		die("malloc");
	setup_msi();
	/* The namespace written once, so reads move real blocks. */
	for (u32 lba = 0; lba < NS_BLOCKS; lba += 1024) {
		size_t len = 512 * 1024;
		u8 *w = calloc(1, len);

		if (!w || nvme_lab_io(NVME, true, lba, 1024, w, &len, msg, sizeof(msg)))
			die("nvme write");
		free(w);
	}
	if (cg) {
		measure_msi(100, true);
		measure_nvme("phase_read4k", "", 4096, 50, true);
		measure_nvme("phase_read128k", "", 128 << 10, 10, true);
		bench_callgrind_ops("phase_memcpy", 60, "op");
	} else {
		printf("built-in platform: MSI-X of %s through the SMMU and the ITS; the nvme driver"
		       " on %s, QD1, median of %d runs\n", MSI_DEV, NVME, RUNS);
		measure_msi(100000, false);
		measure_nvme("phase_read4k", "4 KiB random read", 4096, 5000, false);
		measure_nvme("phase_read128k", "128 KiB sequential read", 128 << 10, 1000, false);
	}
	free(buf);
	teardown_msi();
	lab_shutdown();
	return 0;
}
