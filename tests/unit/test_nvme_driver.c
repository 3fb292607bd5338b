/*
 * The kernel nvme driver on the built-in platform's NVMe (0000:01:00.0):
 * probe as Linux prints it, Read and Write through every PRP shape (PRP1
 * alone, PRP2, a PRP list, a transfer split at MDTS), bad ranges, unbind
 * (controller disabled, MSI-X off, vectors freed, Bus Master Enable
 * clear, no DMA left to the device) and rebind (the blocks kept), and
 * fail-the-Nth over a boot of the built-in platform with PCI I/O.
 */
#include "kernel_test.h"
#include "kernel/base/interrupt.h"
#include "kernel/drivers/drivers.h"
#include "kernel/drivers/nvme.h"
#include "kernel/irqchip/msi.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

#define NVME "0000:01:00.0"
#define NVME_DRV "/sys/bus/pci/drivers/nvme/"
#define NVME_CC 0x14

static struct pci_dev *nvme_pdev(void)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NVME);

	assert_non_null(dev);
	return to_pci_dev(dev);
}

static void fill(u8 *b, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (u8)(i * 7 + seed + (i >> 9));
}

/* Writes @count blocks at @lba, reads them back, compares. */
static void roundtrip(u64 lba, u32 count, unsigned seed)
{
	size_t len = (size_t)count * 512, got = len;
	u8 *w = malloc(len), *r = calloc(1, len);
	char msg[200];

	assert_non_null(w);
	assert_non_null(r);
	fill(w, len, seed);
	assert_int_equal(nvme_lab_io(NVME, true, lba, count, w, &got, msg, sizeof(msg)), 0);
	assert_int_equal(got, len);
	got = len;
	assert_int_equal(nvme_lab_io(NVME, false, lba, count, r, &got, msg, sizeof(msg)), 0);
	assert_memory_equal(w, r, len);
	free(w);
	free(r);
}

static void probe_and_io(void **state)
{
	char msg[200];
	u32 lba_size = 0;
	u8 buf[4096];
	size_t len = sizeof(buf);

	(void)state;
	kt_boot(NULL);
	assert_true(kt_dmesg_has("nvme nvme0: pci function " NVME "\n"));
	assert_true(kt_dmesg_has("nvme nvme0: 1/0/0 default/read/poll queues\n"));
	assert_string_equal(kt_readlink("/sys/bus/pci/devices/" NVME "/driver"),
			    "../../../../../../bus/pci/drivers/nvme");
	assert_int_equal(nvme_lab_info(NVME, &lba_size, msg, sizeof(msg)), 0);
	assert_int_equal(lba_size, 512);
	assert_non_null(strstr(msg, "nvme0: iommulab NVMe controller, SN LAB"));
	assert_non_null(strstr(msg, "131072 blocks of 512 bytes"));
	struct pci_dev *p = nvme_pdev();
	assert_true(p->msix_enabled);
	assert_int_equal(pci_irq_vector(p, 1), pci_irq_vector(p, 0) + 1);

	roundtrip(0, 1, 1);		/* 512 bytes: PRP1 */
	roundtrip(8, 8, 2);		/* one page */
	roundtrip(16, 16, 3);		/* two pages: PRP2 */
	roundtrip(40, 64, 4);		/* eight pages: a PRP list */
	roundtrip(1000, 3000, 5);	/* 1.5 MiB: three commands at MDTS (512 KiB) */
	roundtrip(131071, 1, 6);	/* the last block */

	/* Bad ranges and sizes: -EINVAL, nothing moves. */
	assert_int_equal(nvme_lab_io(NVME, false, 131071, 2, buf, &len, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(nvme_lab_io(NVME, false, 131072, 1, buf, &len, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(nvme_lab_io(NVME, false, ~0ull, 1, buf, &len, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(nvme_lab_io(NVME, false, 0, 0, buf, &len, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(nvme_lab_io(NVME, false, 0, 9, buf, &len, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(nvme_lab_io("0000:04:00.0", false, 0, 1, buf, &len, msg, sizeof(msg)),
			 -ENODEV);
	assert_int_equal(nvme_lab_io(NULL, false, 0, 1, buf, &len, msg, sizeof(msg)), -ENODEV);
	kt_shutdown();
}

/* Unbind: the controller stops, MSI-X and bus mastering go off, the vectors go; rebind keeps the data. */
static void unbind_and_rebind(void **state)
{
	char msg[200];
	u8 buf[512];
	size_t len = sizeof(buf);
	u16 cmd = 0, flags = 0;

	(void)state;
	kt_boot(NULL);
	roundtrip(7, 1, 9);
	struct pci_dev *p = nvme_pdev();
	u64 bar = pci_resource_start(p, 0);
	u32 first = (u32)pci_irq_vector(p, 0);
	assert_int_equal(kt_echo(NVME_DRV "unbind", NVME), 12);
	assert_null(kt_readlink("/sys/bus/pci/devices/" NVME "/driver"));
	pci_read_config_word(p, PCI_COMMAND, &cmd);
	assert_false(cmd & PCI_COMMAND_MASTER);
	pci_read_config_word(p, p->msix_cap + PCI_MSIX_FLAGS, &flags);
	assert_false(flags & PCI_MSIX_FLAGS_ENABLE);
	assert_false(p->msix_enabled);
	assert_int_equal(msi_get_virq(&p->dev, 0), 0);
	assert_false(irq_has_action(first));
	assert_int_equal(readl(bar + NVME_CC) & 1, 0);	/* disabled: nothing fetches */
	assert_string_equal(kt_cat("/sys/bus/pci/devices/" NVME "/enable"), "0\n");
	assert_int_equal(nvme_lab_io(NVME, false, 0, 1, buf, &len, msg, sizeof(msg)), -ENODEV);
	assert_non_null(strstr(msg, "no such device bound to nvme"));

	assert_int_equal(kt_echo(NVME_DRV "bind", NVME), 12);
	assert_true(kt_dmesg_has("nvme nvme0: pci function " NVME "\n"));
	len = sizeof(buf);
	assert_int_equal(nvme_lab_io(NVME, false, 7, 1, buf, &len, msg, sizeof(msg)), 0);
	u8 want[512];
	fill(want, sizeof(want), 9);
	assert_memory_equal(buf, want, sizeof(buf));
	kt_shutdown();
}

/* Fail the Nth allocation over a boot of the built-in platform, with PCI I/O and an unbind. */
static int workload(void *arg)
{
	char msg[200];
	u8 buf[8192];
	size_t len = sizeof(buf);

	(void)arg;
	memset(buf, 0x5a, sizeof(buf));
	nvme_lab_io(NVME, true, 0, 16, buf, &len, msg, sizeof(msg));
	len = sizeof(buf);
	nvme_lab_io(NVME, false, 0, 16, buf, &len, msg, sizeof(msg));
	dma_copy_test("0000:04:00.1", 4096, msg, sizeof(msg));
	dma_copy_test("0000:06:01.0", 4096, msg, sizeof(msg));
	kt_echo(NVME_DRV "unbind", NVME);
	kt_echo(NVME_DRV "bind", NVME);
	return 0;
}

static void fail_nth_builtin(void **state)
{
	unsigned long runs;

	(void)state;
	kt_fail_nth_boots(lab_platform_virt_start,
			  (size_t)(lab_platform_virt_end - lab_platform_virt_start), NULL, workload,
			  NULL, &runs);
	print_message("fail-nth: %lu runs\n", runs);
	assert_true(runs > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_and_io),
		cmocka_unit_test(unbind_and_rebind),
		cmocka_unit_test(fail_nth_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
