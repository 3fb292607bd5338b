/*
 * PCI MSI and MSI-X (kernel/pci/msi.c) on two host bridges: segment 0's
 * msi-map goes to a GICv3 ITS (isolated), segment 1's msi-parent is a
 * GICv2m frame (not isolated). Each has a pci-dma-copy (MSI-X, 1 vector)
 * and an NVMe (MSI, 1 vector; MSI-X, 65). The messages' addresses are the
 * doorbell's IOVA in the function's DMA domain; a device's write of its
 * message goes through the SMMU and the oracle judges it ok. Masking is
 * checked where the function keeps it (Vector Control, Mask Bits, PBA).
 * Multi-MSI blocks at the MSI layer, dynamic MSI-X, INTx.
 */
#include "kernel_test.h"
#include "common/master_id.h"
#include "kernel/base/interrupt.h"
#include "kernel/drivers/dma_copy.h"
#include "kernel/drivers/drivers.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"

#define ITS_DOORBELL (0x08080000ull + 0x10040)
#define V2M_DOORBELL (0x08020000ull + 0x40)
#define V2M_SPI_BASE 96

static const char pci_msi_dts[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	model = \"pci msi test\"; compatible = \"iommulab,virt\";\n"
	"	#address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;\n"
	"	chosen { bootargs = \"\"; };\n"
	"	memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x10000000>; };\n"
	"	gic: interrupt-controller@8000000 { compatible = \"arm,gic-v3\";\n"
	"		#interrupt-cells = <3>; interrupt-controller; #address-cells = <2>;\n"
	"		#size-cells = <2>; ranges;\n"
	"		reg = <0 0x08000000 0 0x10000>, <0 0x080a0000 0 0xf60000>;\n"
	"		v2m: v2m@8020000 { compatible = \"arm,gic-v2m-frame\"; msi-controller;\n"
	"			reg = <0 0x08020000 0 0x1000>; };\n"
	"		its: msi-controller@8080000 { compatible = \"arm,gic-v3-its\"; msi-controller;\n"
	"			#msi-cells = <1>; reg = <0 0x08080000 0 0x20000>; };\n"
	"	};\n"
	"	smmu: iommu@9050000 { compatible = \"arm,mmu-500\", \"arm,smmu-v2\";\n"
	"		reg = <0 0x09050000 0 0x20000>; #iommu-cells = <1>; #global-interrupts = <1>;\n"
	"		interrupts = <0 40 4>, <0 41 4>, <0 42 4>, <0 43 4>, <0 44 4>,\n"
	"			<0 45 4>, <0 46 4>, <0 47 4>, <0 48 4>;\n"
	"		iommulab,num-smr = <16>; iommulab,num-cb = <8>; };\n"
	"	pcie@30000000 { compatible = \"pci-host-ecam-generic\"; device_type = \"pci\";\n"
	"		#address-cells = <3>; #size-cells = <2>; reg = <0 0x30000000 0 0x400000>;\n"
	"		bus-range = <0 3>; linux,pci-domain = <0>;\n"
	"		ranges = <0x02000000 0 0x10000000 0 0x10000000 0 0x1000000>;\n"
	"		iommu-map = <0 &smmu 0x1000 0x1000>; msi-map = <0 &its 0 0x10000>;\n"
	"		#interrupt-cells = <1>; interrupt-map-mask = <0 0 0 7>;\n"
	"		interrupt-map = <0 0 0 1 &gic 0 0 0 3 4>, <0 0 0 2 &gic 0 0 0 4 4>,\n"
	"			<0 0 0 3 &gic 0 0 0 5 4>, <0 0 0 4 &gic 0 0 0 6 4>;\n"
	"		pcie@0,0 { compatible = \"iommulab,pcie-root-port\"; device_type = \"pci\";\n"
	"			reg = <0x0000 0 0 0 0>; #address-cells = <3>; #size-cells = <2>;\n"
	"			dma@0,0 { compatible = \"iommulab,pci-dma-copy\"; reg = <0 0 0 0 0>; }; };\n"
	"		pcie@1,0 { compatible = \"iommulab,pcie-root-port\"; device_type = \"pci\";\n"
	"			reg = <0x0800 0 0 0 0>; #address-cells = <3>; #size-cells = <2>;\n"
	"			nvme@0,0 { compatible = \"iommulab,nvme\"; reg = <0 0 0 0 0>; }; };\n"
	"	};\n"
	"	pcie@20000000 { compatible = \"pci-host-ecam-generic\"; device_type = \"pci\";\n"
	"		#address-cells = <3>; #size-cells = <2>; reg = <0 0x20000000 0 0x400000>;\n"
	"		bus-range = <0 3>; linux,pci-domain = <1>;\n"
	"		ranges = <0x02000000 0 0x21000000 0 0x21000000 0 0x1000000>;\n"
	"		iommu-map = <0 &smmu 0x2000 0x1000>; msi-parent = <&v2m>;\n"
	"		pcie@0,0 { compatible = \"iommulab,pcie-root-port\"; device_type = \"pci\";\n"
	"			reg = <0x0000 0 0 0 0>; #address-cells = <3>; #size-cells = <2>;\n"
	"			dma@0,0 { compatible = \"iommulab,pci-dma-copy\"; reg = <0 0 0 0 0>; }; };\n"
	"		pcie@1,0 { compatible = \"iommulab,pcie-root-port\"; device_type = \"pci\";\n"
	"			reg = <0x0800 0 0 0 0>; #address-cells = <3>; #size-cells = <2>;\n"
	"			nvme@0,0 { compatible = \"iommulab,nvme\"; reg = <0 0 0 0 0>; }; };\n"
	"	};\n"
	"};\n";

#define ITS_DMA "0000:01:00.0"
#define ITS_NVME "0000:02:00.0"
#define V2M_DMA "0001:01:00.0"
#define V2M_NVME "0001:02:00.0"

static unsigned fired[8];

static irqreturn_t handler(int irq, void *data)
{
	(void)irq;
	(*(unsigned *)data)++;
	return IRQ_HANDLED;
}

static void boot(void)
{
	memset(fired, 0, sizeof(fired));
	assert_int_equal(kt_boot_dts_text(pci_msi_dts, NULL), 0);
}

static struct pci_dev *pdev_of(const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, name);

	assert_non_null(dev);
	return to_pci_dev(dev);
}

static u16 cfg16(struct pci_dev *p, int where)
{
	u16 v = 0;

	assert_int_equal(pci_read_config_word(p, where, &v), 0);
	return v;
}

static u32 cfg32(struct pci_dev *p, int where)
{
	u32 v = 0;

	assert_int_equal(pci_read_config_dword(p, where, &v), 0);
	return v;
}

/* The function writes @data to @addr: its DMA through the fabric and the SMMU. */
static int play(struct pci_dev *p, u64 addr, u32 data)
{
	struct master_id id = dev_master_id(&p->dev);
	struct hw_dma_master *m = hw_master_by_id(kt_machine, &id);

	assert_non_null(m);
	return hw_dma(kt_machine, m, addr, &data, 4, HW_WRITE);
}

static u64 msix_table(struct pci_dev *p)
{
	u32 t = cfg32(p, p->msix_cap + PCI_MSIX_TABLE);

	return pci_resource_start(p, t & PCI_MSIX_TABLE_BIR) + (t & PCI_MSIX_TABLE_OFFSET);
}

/* The nvme driver lets go, so the test can drive the function's interrupts itself. */
static struct pci_dev *unbound_nvme(const char *name)
{
	struct pci_dev *p = pdev_of(name);

	if (p->dev.driver)
		assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", name),
				 (ssize_t)strlen(name));
	assert_null(p->dev.driver);
	assert_int_equal(pci_enable_device(p), 0);
	pci_set_master(p);
	return p;
}

/* dma-copy's PCI face on MSI-X: the entry holds the doorbell IOVA, the copy's completion arrives. */
static void check_dma_copy_msix(const char *name, bool its)
{
	struct pci_dev *p = pdev_of(name);
	struct dma_copy *dc = pci_get_drvdata(p);
	char msg[200];
	u64 e;

	assert_non_null(dc);
	assert_true(p->msix_enabled);
	assert_true(cfg16(p, p->msix_cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE);
	assert_false(cfg16(p, p->msix_cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_MASKALL);
	assert_true(cfg16(p, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
	e = msix_table(p);
	u64 addr = readl(e) | (u64)readl(e + 4) << 32;
	u32 data = readl(e + 8);
	/* A DMA domain: the doorbell page at an IOVA, the same offset in it. */
	assert_int_not_equal(addr, its ? ITS_DOORBELL : V2M_DOORBELL);
	assert_int_equal(addr & 0xfff, (its ? ITS_DOORBELL : V2M_DOORBELL) & 0xfff);
	assert_int_equal(data, its ? 0 : dc->irq);	/* EventID 0, or the SPI */
	assert_int_equal(readl(e + 12), 0);		/* requested: unmasked */
	assert_int_equal(msi_device_has_isolated_msi(&p->dev), its);
	assert_int_equal(iommu_group_has_isolated_msi(p->dev.iommu_group), its);

	u64 before = dc->irqs;
	assert_int_equal(dma_copy_test(name, 8192, msg, sizeof(msg)), 0);
	assert_int_equal(dc->irqs, before + 1);
	/* The completion MSI was the engine's last DMA: through the SMMU, to a granted doorbell. */
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	/* And the test playing it: the same verdict, the handler runs. */
	assert_int_equal(play(p, addr, data), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
}

static void msix_dma_copy_its_and_v2m(void **state)
{
	(void)state;
	boot();
	assert_true(kt_dmesg_has("dma-copy " ITS_DMA ": dma-copy engine v1 at 0x10000000, irq 8192 (MSI-X)"));
	check_dma_copy_msix(ITS_DMA, true);
	check_dma_copy_msix(V2M_DMA, false);
	kt_shutdown();
}

/* disable_irq sets the entry's mask bit; a completion while masked waits in the PBA. */
static void msix_masking_and_pending(void **state)
{
	struct pci_dev *p;
	struct dma_copy *dc;
	char msg[200];

	(void)state;
	boot();
	p = pdev_of(ITS_DMA);
	dc = pci_get_drvdata(p);
	u64 e = msix_table(p), pba = pci_resource_start(p, 2) + 0x800;
	disable_irq(dc->irq);
	assert_int_equal(readl(e + 12), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	u64 before = dc->irqs;
	assert_int_equal(dma_copy_test(ITS_DMA, 4096, msg, sizeof(msg)), -ETIMEDOUT);
	assert_int_equal(dc->irqs, before);
	assert_int_equal(readl(pba) & 1, 1);		/* pending in the function */
	enable_irq(dc->irq);
	kernel_run_pending();
	assert_int_equal(readl(e + 12), 0);
	assert_int_equal(readl(pba) & 1, 0);
	assert_int_equal(dc->irqs, before + 1);		/* delivered at the unmask */
	assert_int_equal(dma_copy_test(ITS_DMA, 4096, msg, sizeof(msg)), 0);
	kt_shutdown();
}

/* MSI on an NVMe: capability programmed, per-vector mask, a write delivered; freed cleanly. */
static void check_nvme_msi(const char *name, bool its)
{
	struct pci_dev *p = unbound_nvme(name);
	int pos = p->msi_cap;
	unsigned intx = p->irq;

	memset(fired, 0, sizeof(fired));
	assert_int_equal(pci_msi_vec_count(p), 1);
	assert_int_equal(pci_alloc_irq_vectors(p, 2, 4, PCI_IRQ_MSI), -ENOSPC);
	assert_false(p->msi_enabled);
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 4, PCI_IRQ_MSI), 1);
	assert_true(p->msi_enabled);
	/* MSI-X cannot come on top of MSI. */
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 1, PCI_IRQ_MSIX), -EINVAL);
	u16 flags = cfg16(p, pos + PCI_MSI_FLAGS);
	assert_true(flags & PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(flags & PCI_MSI_FLAGS_QSIZE, 0);	/* one vector enabled */
	u64 addr = cfg32(p, pos + PCI_MSI_ADDRESS_LO) |
		   (u64)cfg32(p, pos + PCI_MSI_ADDRESS_HI) << 32;
	u32 data = cfg16(p, pos + PCI_MSI_DATA_64);
	int irq = pci_irq_vector(p, 0);
	assert_true(irq > 0);
	assert_int_equal(p->irq, (unsigned)irq);
	assert_int_equal(pci_irq_vector(p, 1), -EINVAL);
	assert_int_equal(addr & 0xfff, (its ? ITS_DOORBELL : V2M_DOORBELL) & 0xfff);
	assert_int_equal(data, its ? 0 : (u32)irq);
	assert_int_equal(cfg32(p, pos + PCI_MSI_MASK_64), 1);	/* masked until requested */
	assert_int_equal(msi_device_has_isolated_msi(&p->dev), its);

	assert_int_equal(request_irq((u32)irq, handler, "msi-test", &fired[0]), 0);
	assert_int_equal(cfg32(p, pos + PCI_MSI_MASK_64), 0);
	assert_int_equal(play(p, addr, data), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(fired[0], 1);
	disable_irq((u32)irq);
	assert_int_equal(cfg32(p, pos + PCI_MSI_MASK_64), 1);
	enable_irq((u32)irq);
	free_irq((u32)irq, &fired[0]);

	pci_free_irq_vectors(p);
	assert_false(p->msi_enabled);
	assert_false(cfg16(p, pos + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(p->irq, intx);
	assert_int_equal(msi_get_virq(&p->dev, 0), 0);
	/* INTx: the host bridge's interrupt-map line (segment 1 has none). */
	if (its) {
		assert_int_equal(pci_alloc_irq_vectors(p, 1, 1, PCI_IRQ_INTX), 1);
		assert_int_equal(pci_irq_vector(p, 0), (int)intx);
		assert_true(intx >= 32);
	} else {
		assert_int_equal(pci_alloc_irq_vectors(p, 1, 1, PCI_IRQ_INTX), -ENOSPC);
	}
	assert_int_equal(pci_alloc_irq_vectors(p, 0, 1, PCI_IRQ_MSI), -EINVAL);
	assert_int_equal(pci_alloc_irq_vectors(p, 2, 1, PCI_IRQ_MSI), -EINVAL);
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 1, 0), -EINVAL);
	pci_disable_device(p);
}

static void msi_nvme_its_and_v2m(void **state)
{
	(void)state;
	boot();
	check_nvme_msi(ITS_NVME, true);
	check_nvme_msi(V2M_NVME, false);
	kt_shutdown();
}

/* 65 MSI-X vectors from the ITS; the v2m frame's 64 SPIs give one fewer. Dynamic MSI-X. */
static void msix_counts_and_dynamic(void **state)
{
	struct pci_dev *p, *q;

	(void)state;
	boot();
	p = unbound_nvme(ITS_NVME);
	assert_int_equal(pci_msix_vec_count(p), 65);
	assert_int_equal(pci_alloc_irq_vectors(p, 1, 65, PCI_IRQ_MSIX), 65);
	for (unsigned i = 0; i < 65; i++)
		assert_int_equal(pci_irq_vector(p, i), 8192 + 2 + (int)i);
	pci_free_irq_vectors(p);
	q = unbound_nvme(V2M_NVME);
	assert_int_equal(pci_alloc_irq_vectors(q, 1, 65, PCI_IRQ_MSIX), 63);	/* dma-copy holds one SPI */
	assert_int_equal(pci_alloc_irq_vectors(q, 1, 1, PCI_IRQ_MSIX), -EINVAL);
	pci_free_irq_vectors(q);
	assert_int_equal(pci_alloc_irq_vectors(q, 64, 65, PCI_IRQ_MSIX), -ENOSPC);

	/* Dynamic: two at enable, one more at any index, one at entry 10. */
	assert_true(pci_msix_can_alloc_dyn(p));
	struct msi_map none = pci_msix_alloc_irq_at(p, MSI_ANY_INDEX, NULL);
	assert_int_equal(none.index, -EINVAL);			/* MSI-X not enabled */
	assert_int_equal(pci_alloc_irq_vectors(p, 2, 2, PCI_IRQ_MSIX), 2);
	struct msi_map m = pci_msix_alloc_irq_at(p, MSI_ANY_INDEX, NULL);
	assert_int_equal(m.index, 2);
	assert_int_equal(m.virq, pci_irq_vector(p, 2));
	struct msi_map m10 = pci_msix_alloc_irq_at(p, 10, NULL);
	assert_int_equal(m10.index, 10);
	assert_int_equal(pci_msix_alloc_irq_at(p, 10, NULL).index, -EBUSY);
	assert_int_equal(pci_msix_alloc_irq_at(p, 65, NULL).index, -EINVAL);
	u64 e = msix_table(p) + 10 * PCI_MSIX_ENTRY_SIZE;
	assert_int_equal(readl(e + 8), (u32)(m10.virq - pci_irq_vector(p, 0)));   /* its EventID */
	assert_int_equal(readl(e + 12), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(request_irq((u32)m10.virq, handler, "dyn", &fired[1]), 0);
	assert_int_equal(readl(e + 12), 0);
	u64 addr = readl(e) | (u64)readl(e + 4) << 32;
	assert_int_equal(play(p, addr, readl(e + 8)), 0);
	assert_int_equal(fired[1], 1);
	free_irq((u32)m10.virq, &fired[1]);
	pci_msix_free_irq(p, m10);
	assert_int_equal(pci_irq_vector(p, 10), -EINVAL);
	assert_int_equal(readl(e + 12), PCI_MSIX_ENTRY_CTRL_MASKBIT);
	pci_free_irq_vectors(p);
	pci_disable_device(p);
	pci_disable_device(q);
	kt_shutdown();
}

static struct msi_msg block_msg;

static void block_write_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	(void)desc;
	block_msg = *msg;
}

/* Multi-MSI: one descriptor, @nvec vectors in an aligned block; data + i fires vector i. */
static void check_block(const char *name, bool its, unsigned nvec)
{
	struct pci_dev *p = unbound_nvme(name);
	u32 dev_id = 0;
	struct irq_domain *d = pci_msi_get_device_domain(p, &dev_id);
	unsigned size = 1;

	while (size < nvec)
		size <<= 1;
	assert_non_null(d);
	assert_int_equal(msi_setup_device_data(&p->dev, d, dev_id, block_write_msg), 0);
	assert_int_equal(msi_domain_alloc_irqs_block(&p->dev, d, nvec), 0);
	struct msi_desc *desc = msi_get_desc(&p->dev, 0);
	assert_non_null(desc);
	assert_int_equal(desc->nvec_used, nvec);
	assert_ptr_equal(msi_get_desc(&p->dev, nvec - 1), desc);
	assert_null(msi_get_desc(&p->dev, nvec));
	assert_int_equal(block_msg.data % size, 0);		/* naturally aligned */
	u64 addr = (u64)block_msg.address_hi << 32 | block_msg.address_lo;
	for (unsigned i = 0; i < nvec; i++) {
		u32 irq = msi_get_virq(&p->dev, i);

		assert_int_equal(irq, desc->irq + i);
		assert_int_equal(request_irq(irq, handler, "block", &fired[i]), 0);
		assert_int_equal(play(p, addr, block_msg.data + i), 0);
		assert_int_equal(oracle_last_verdict(), ORACLE_OK);
		assert_int_equal(fired[i], 1);
		free_irq(irq, &fired[i]);
	}
	assert_int_equal(msi_domain_alloc_irqs_block(&p->dev, d, 33), -EINVAL);
	assert_int_equal(msi_domain_alloc_irq_at(&p->dev, MSI_ANY_INDEX), -EINVAL);
	msi_domain_free_irqs_all(&p->dev);
	memset(fired, 0, sizeof(fired));
	(void)its;
	pci_disable_device(p);
}

static void multi_msi_blocks(void **state)
{
	(void)state;
	boot();
	check_block(ITS_NVME, true, 4);
	check_block(V2M_NVME, false, 3);
	check_block(V2M_NVME, false, 8);
	kt_shutdown();
}

/* The nvme driver's unbind leaves MSI-X off, BME clear and no vector behind. */
static void unbind_frees_vectors(void **state)
{
	(void)state;
	boot();
	struct pci_dev *p = pdev_of(ITS_NVME);
	assert_true(p->msix_enabled);
	assert_int_not_equal(msi_get_virq(&p->dev, 1), 0);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", ITS_NVME), 12);
	assert_false(p->msix_enabled);
	assert_false(cfg16(p, p->msix_cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE);
	assert_false(cfg16(p, PCI_COMMAND) & PCI_COMMAND_MASTER);
	assert_int_equal(msi_get_virq(&p->dev, 0), 0);
	assert_null(p->msi_priv);
	kt_shutdown();
}

/* Fail the Nth allocation over a boot, MSI-X binds and an MSI round: no leak, no escape. */
static int failnth_workload(void *arg)
{
	char msg[128];
	struct device *dev = bus_find_device_by_name(&pci_bus_type, ITS_NVME);

	(void)arg;
	dma_copy_test(ITS_DMA, 4096, msg, sizeof(msg));
	dma_copy_test(V2M_DMA, 4096, msg, sizeof(msg));
	kt_echo("/sys/bus/pci/drivers/nvme/unbind", ITS_NVME);
	if (dev && !pci_enable_device(to_pci_dev(dev))) {
		if (pci_alloc_irq_vectors(to_pci_dev(dev), 1, 1, PCI_IRQ_MSI) == 1)
			pci_free_irq_vectors(to_pci_dev(dev));
		pci_disable_device(to_pci_dev(dev));
	}
	kt_echo("/sys/bus/pci/drivers/nvme/bind", ITS_NVME);
	return 0;
}

static void fail_nth(void **state)
{
	void *blob;
	size_t size;
	unsigned long runs;

	(void)state;
	assert_int_equal(kt_compile_dts_text(pci_msi_dts, &blob, &size), 0);
	kt_fail_nth_boots(blob, size, NULL, failnth_workload, NULL, &runs);
	print_message("fail-nth: %lu runs\n", runs);
	assert_true(runs > 100);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(msix_dma_copy_its_and_v2m),
		cmocka_unit_test(msix_masking_and_pending),
		cmocka_unit_test(msi_nvme_its_and_v2m),
		cmocka_unit_test(msix_counts_and_dynamic),
		cmocka_unit_test(multi_msi_blocks),
		cmocka_unit_test(unbind_frees_vectors),
		cmocka_unit_test(fail_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
