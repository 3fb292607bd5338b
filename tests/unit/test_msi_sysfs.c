/*
 * msi_irqs/ (Linux: kernel/irq/msi.c msi_sysfs_*, Documentation/ABI/
 * testing/sysfs-bus-pci) on the built-in platform: one read-only file per
 * allocated vector, named by its interrupt, reading "msix" while the
 * function has MSI-X on and "msi" otherwise. The files appear with their
 * vectors and vanish when they are freed; the directory is made with the
 * device's MSI state and goes with the driver that set it up (devres),
 * or with the device when none did.
 */
#include <errno.h>
#include <sys/stat.h>

#include "kernel_test.h"
#include "kernel/irqchip/msi.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

#define DEV(bdf) "/sys/bus/pci/devices/" bdf
#define NVME "0000:01:00.0"
#define DMA "0000:04:00.0"

static struct pci_dev *pdev_of(const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, name);

	assert_non_null(dev);
	return to_pci_dev(dev);
}

static int count_entry(void *opaque, const char *name, const struct sysfs_stat *st)
{
	(void)name;
	assert_int_equal(st->type, SYSFS_FILE);
	assert_int_equal(st->mode, 0444);
	(*(int *)opaque)++;
	return 0;
}

/* The number of files in @bdf's msi_irqs/, or -1 without the directory. */
static int nr_files(const char *bdf)
{
	char path[128];
	int n = 0;

	snprintf(path, sizeof(path), DEV("%s") "/msi_irqs", bdf);
	if (sysfs_readdir(path, count_entry, &n) < 0)
		return -1;
	return n;
}

static const char *mode_of(const char *bdf, int irq)
{
	char path[128];

	snprintf(path, sizeof(path), DEV("%s") "/msi_irqs/%d", bdf, irq);
	return kt_cat(path);
}

/* A bound driver's vectors: dma-copy's MSI-X vector, the nvme driver's two. */
static void drivers_vectors_listed(void **state)
{
	struct pci_dev *dma, *nvme;
	char path[128];

	(void)state;
	kt_boot(NULL);
	dma = pdev_of(DMA);
	nvme = pdev_of(NVME);
	assert_int_equal(nr_files(DMA), 1);
	assert_string_equal(mode_of(DMA, pci_irq_vector(dma, 0)), "msix\n");
	assert_int_equal(nr_files(NVME), 2);
	assert_string_equal(mode_of(NVME, pci_irq_vector(nvme, 0)), "msix\n");
	assert_string_equal(mode_of(NVME, pci_irq_vector(nvme, 1)), "msix\n");
	/* read-only, as Linux's 0444 attribute */
	snprintf(path, sizeof(path), DEV(DMA) "/msi_irqs/%d", pci_irq_vector(dma, 0));
	assert_int_equal(kt_echo(path, "msi"), -EACCES);
	/* no vector, no directory: the ports, the PCIe-to-PCI bridge */
	assert_int_equal(nr_files("0000:00:01.0"), -1);
	assert_int_equal(nr_files("0000:05:00.0"), -1);
	/* unbinding frees the vectors and the directory with them */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", NVME), 12);
	assert_int_equal(nr_files(NVME), -1);
	assert_false(kt_exists(DEV(NVME) "/msi_irqs"));
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/bind", NVME), 12);
	assert_int_equal(nr_files(NVME), 2);
	kt_shutdown();
}

/*
 * Vectors allocated and freed with the device unbound: MSI reads "msi",
 * MSI-X "msix"; freeing removes the files and leaves the directory, as
 * Linux's device-managed group, until the device itself goes.
 */
static void files_follow_vectors(void **state)
{
	struct pci_dev *p;
	int first;

	(void)state;
	kt_boot(NULL);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", NVME), 12);
	p = pdev_of(NVME);
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 4, PCI_IRQ_MSI), 1);
	assert_int_equal(nr_files(NVME), 1);
	assert_string_equal(mode_of(NVME, pci_irq_vector(p, 0)), "msi\n");
	pci_free_irq_vectors(p);
	assert_int_equal(nr_files(NVME), 0);
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 8, PCI_IRQ_MSIX), 8);
	assert_int_equal(nr_files(NVME), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_string_equal(mode_of(NVME, pci_irq_vector(p, i)), "msix\n");
	/* dynamic MSI-X: one more file, then one less */
	struct msi_map m = pci_msix_alloc_irq_at(p, 20, NULL);
	assert_int_equal(m.index, 20);
	assert_int_equal(nr_files(NVME), 9);
	assert_string_equal(mode_of(NVME, m.virq), "msix\n");
	first = pci_irq_vector(p, 0);
	pci_msix_free_irq(p, m);
	assert_int_equal(nr_files(NVME), 8);
	assert_null(mode_of(NVME, m.virq));
	assert_non_null(mode_of(NVME, first));
	pci_free_irq_vectors(p);
	assert_int_equal(nr_files(NVME), 0);
	assert_true(kt_exists(DEV(NVME) "/msi_irqs"));
	kt_shutdown();
}

static void block_write_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	(void)desc;
	(void)msg;
}

/* A multi-MSI block: one file per vector of the block, irq .. irq + n - 1. */
static void multi_msi_block_files(void **state)
{
	struct pci_dev *p;
	struct irq_domain *d;
	u32 dev_id = 0;

	(void)state;
	kt_boot(NULL);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", NVME), 12);
	p = pdev_of(NVME);
	d = pci_msi_get_device_domain(p, &dev_id);
	assert_non_null(d);
	assert_int_equal(msi_setup_device_data(&p->dev, d, dev_id, block_write_msg), 0);
	assert_int_equal(msi_domain_alloc_irqs_block(&p->dev, d, 4), 0);
	assert_int_equal(nr_files(NVME), 4);
	for (unsigned i = 0; i < 4; i++) {
		u32 irq = msi_get_virq(&p->dev, i);

		assert_int_equal(irq, msi_get_virq(&p->dev, 0) + i);
		assert_string_equal(mode_of(NVME, (int)irq), "msi\n");
	}
	msi_domain_free_irqs_all(&p->dev);
	assert_int_equal(nr_files(NVME), 0);
	kt_shutdown();
}

/* Removing the function with vectors allocated takes the whole directory. */
static void remove_with_vectors(void **state)
{
	(void)state;
	kt_boot(NULL);
	assert_int_equal(nr_files(DMA), 1);
	assert_int_equal(kt_echo(DEV(DMA) "/remove", "1"), 1);
	assert_false(kt_exists(DEV(DMA)));
	/* an unbound function's vectors too (freed with the device) */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", NVME), 12);
	assert_int_equal(pci_alloc_irq_vectors(pdev_of(NVME), 1, 2, PCI_IRQ_MSIX), 2);
	assert_int_equal(nr_files(NVME), 2);
	assert_int_equal(kt_echo(DEV(NVME) "/remove", "1"), 1);
	assert_false(kt_exists(DEV(NVME)));
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drivers_vectors_listed),
		cmocka_unit_test(files_follow_vectors),
		cmocka_unit_test(multi_msi_block_files),
		cmocka_unit_test(remove_with_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
