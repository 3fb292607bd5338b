/*
 * MSIs end to end: a platform device's `msi-parent` picks the GICv3 ITS or
 * a GICv2m frame, the kernel allocates vectors (ITS: MAPD, MAPTI, INV,
 * DISCARD in the command queue), the message's address is the doorbell's
 * IOVA in the device's domain, and the test plays the device: a DMA write
 * of the message through the device's master, the SMMU and the doorbell
 * decode runs the handler. The oracle judges that write `ok` (the
 * doorbell page is granted to the domain), a write from a domain that
 * never mapped the doorbell faults or escapes, identity is unisolated.
 */
#include "kernel_test.h"
#include "common/master_id.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/platform_device.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"

#define ITS_BASE 0x08080000ull
#define ITS_DOORBELL (ITS_BASE + 0x10040)
#define V2M_DOORBELL (0x08020000ull + 0x40)
#define GITS_CBASER 0x80
#define GITS_CWRITER 0x88
#define GITS_IMPDEF_ERR 0xc000
#define GITS_IMPDEF_ERRCODE 0xc004
#define SW_MSI_BASE 0x8000000ull
#define SW_MSI_LEN 0x100000ull

static const char msi_dts[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	model = \"msi test\"; compatible = \"iommulab,virt\";\n"
	"	#address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;\n"
	"	chosen { bootargs = \"\"; };\n"
	"	cpus { #address-cells = <1>; #size-cells = <0>;\n"
	"		cpu@0 { device_type = \"cpu\"; reg = <0>; }; };\n"
	"	memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x10000000>; };\n"
	"	gic: interrupt-controller@8000000 { compatible = \"arm,gic-400\";\n"
	"		#interrupt-cells = <3>; interrupt-controller; #address-cells = <2>;\n"
	"		#size-cells = <2>; ranges;\n"
	"		reg = <0 0x08000000 0 0x10000>, <0 0x08010000 0 0x10000>;\n"
	"		v2m: v2m@8020000 { compatible = \"arm,gic-v2m-frame\"; msi-controller;\n"
	"			reg = <0 0x08020000 0 0x1000>; };\n"
	"	};\n"
	"	its: msi-controller@8080000 { compatible = \"arm,gic-v3-its\"; msi-controller;\n"
	"		#msi-cells = <1>; reg = <0 0x08080000 0 0x20000>; };\n"
	"	smmu: iommu@9050000 { compatible = \"arm,mmu-500\", \"arm,smmu-v2\";\n"
	"		reg = <0 0x09050000 0 0x20000>; #iommu-cells = <1>; #global-interrupts = <1>;\n"
	"		interrupts = <0 40 4>, <0 41 4>, <0 42 4>, <0 43 4>, <0 44 4>,\n"
	"			<0 45 4>, <0 46 4>, <0 47 4>, <0 48 4>;\n"
	"		iommulab,num-smr = <16>; iommulab,num-cb = <8>; };\n"
	"	soc { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>;\n"
	"		ranges = <0x0 0x0 0x0a000000 0x100000>;\n"
	"		dma@0 { compatible = \"iommulab,dma-copy\"; reg = <0x0 0x1000>;\n"
	"			interrupts = <0 16 4>; iommus = <&smmu 0x100>; msi-parent = <&its 0x10>; };\n"
	"		dma@1000 { compatible = \"iommulab,dma-copy\"; reg = <0x1000 0x1000>;\n"
	"			interrupts = <0 17 4>; iommus = <&smmu 0x101>; msi-parent = <&its 0x11>; };\n"
	"		dma@2000 { compatible = \"iommulab,dma-copy\"; reg = <0x2000 0x1000>;\n"
	"			interrupts = <0 18 4>; iommus = <&smmu 0x102>; msi-parent = <&v2m>; };\n"
	"		dma@3000 { compatible = \"iommulab,dma-copy\"; reg = <0x3000 0x1000>;\n"
	"			interrupts = <0 19 4>; iommus = <&smmu 0x103>; };\n"
	"		bridge@8000 { compatible = \"iommulab,test-bridge\"; reg = <0x8000 0x1000>;\n"
	"			msi-map = <0x100 &its 0x1000 0x10>, <0x300 &v2m 0x0 0x1>;\n"
	"			msi-map-mask = <0xf0f>; };\n"
	"		badmask@a000 { compatible = \"iommulab,test-bridge\"; reg = <0xa000 0x1000>;\n"
	"			msi-map = <0x1100 &its 0x0 0x10>; msi-map-mask = <0xff>; };\n"
	"	};\n"
	"};\n";

#define NVEC 4

static struct msi_msg msgs[NVEC];
static unsigned fired[NVEC];

static void write_msg(struct msi_desc *desc, const struct msi_msg *msg)
{
	if (desc->msi_index < NVEC)
		msgs[desc->msi_index] = *msg;
}

static irqreturn_t msi_handler(int irq, void *dev_id)
{
	(void)irq;
	(*(unsigned *)dev_id)++;
	return IRQ_HANDLED;
}

static struct device *platform_dev(const char *name)
{
	struct device *dev = bus_find_device_by_name(&platform_bus_type, name);

	assert_non_null(dev);
	return dev;
}

static void boot(const char *cmdline)
{
	memset(msgs, 0, sizeof(msgs));
	memset(fired, 0, sizeof(fired));
	assert_int_equal(kt_boot_dts_text(msi_dts, cmdline), 0);
}

static u64 msg_addr(const struct msi_msg *m)
{
	return (u64)m->address_hi << 32 | m->address_lo;
}

/* The device writes its message's data to its message's address. */
static int play(struct device *dev, const struct msi_msg *m)
{
	struct master_id id = dev_master_id(dev);
	struct hw_dma_master *master = hw_master_by_id(kt_machine, &id);
	u32 v = m->data;

	assert_non_null(master);
	return hw_dma(kt_machine, master, msg_addr(m), &v, 4, HW_WRITE);
}

static void request_all(struct device *dev)
{
	for (unsigned i = 0; i < NVEC; i++)
		assert_int_equal(request_irq(msi_get_virq(dev, i), msi_handler, "msi-test",
					     &fired[i]), 0);
}

static void free_all(struct device *dev)
{
	for (unsigned i = 0; i < NVEC; i++)
		free_irq(msi_get_virq(dev, i), &fired[i]);
}

static u32 its_err(void)
{
	u64 v = 0;

	hw_mmio_read(kt_machine, ITS_BASE + GITS_IMPDEF_ERR, 4, &v);
	if (!(v & 1))
		return 0;
	hw_mmio_read(kt_machine, ITS_BASE + GITS_IMPDEF_ERRCODE, 4, &v);
	hw_mmio_write(kt_machine, ITS_BASE + GITS_IMPDEF_ERR, 4, 1);
	return (u32)v;
}

/* How many commands with @opcode (and DeviceID @dev_id) the queue holds, and V of the last. */
static unsigned count_cmds(u8 opcode, u32 dev_id, bool *last_valid)
{
	u64 cbaser = 0, cwriter = 0;
	unsigned n = 0;

	hw_mmio_read(kt_machine, ITS_BASE + GITS_CBASER, 8, &cbaser);
	hw_mmio_read(kt_machine, ITS_BASE + GITS_CWRITER, 8, &cwriter);
	for (u64 off = 0; off < cwriter; off += 32) {
		u64 dw[4];

		assert_int_equal(hw_mem_read(kt_machine, (cbaser & 0xffffffffff000ull) + off, dw,
					     sizeof(dw)), 0);
		if ((dw[0] & 0xff) == opcode && (u32)(dw[0] >> 32) == dev_id) {
			n++;
			if (last_valid)
				*last_valid = dw[2] >> 63;
		}
	}
	return n;
}

/* Four ITS MSIs through the SMMU: each runs its handler, and the oracle calls it ok. */
static void its_msi_through_smmu(void **state)
{
	struct device *dev;
	bool valid = false;

	(void)state;
	boot(NULL);
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	assert_int_equal(count_cmds(0x08, 0x10, &valid), 1);   /* MAPD */
	assert_true(valid);
	assert_int_equal(count_cmds(0x0a, 0x10, NULL), NVEC);  /* MAPTI */
	request_all(dev);
	for (unsigned i = 0; i < NVEC; i++) {
		u32 irq = msi_get_virq(dev, i);

		assert_true(irq >= 8192 && irq < 16384);
		assert_int_equal(msgs[i].data, i);   /* the EventID */
		/* A DMA domain: the doorbell at an IOVA of the domain, same page offset. */
		assert_int_not_equal(msg_addr(&msgs[i]), ITS_DOORBELL);
		assert_int_equal(msg_addr(&msgs[i]) & 0xfff, ITS_DOORBELL & 0xfff);
		assert_int_equal(msg_addr(&msgs[i]), msg_addr(&msgs[0]));   /* one page per domain */
		assert_int_equal(play(dev, &msgs[i]), 0);
		assert_int_equal(oracle_last_verdict(), ORACLE_OK);
		assert_int_equal(fired[i], 1);
		assert_false(hw_irq_level(kt_machine, irq));   /* acknowledged: edge flow */
	}
	assert_int_equal(its_err(), 0);
	assert_true(msi_device_has_isolated_msi(dev));
	assert_true(iommu_group_has_isolated_msi(dev->iommu_group));

	/* Masked (LPI disabled + INV): no handler; unmasked, the pending LPI is delivered. */
	unsigned inv = count_cmds(0x0c, 0x10, NULL);
	disable_irq(msi_get_virq(dev, 1));
	assert_int_equal(count_cmds(0x0c, 0x10, NULL), inv + 1);
	assert_int_equal(play(dev, &msgs[1]), 0);
	assert_int_equal(fired[1], 1);
	enable_irq(msi_get_virq(dev, 1));
	assert_int_equal(count_cmds(0x0c, 0x10, NULL), inv + 2);
	assert_int_equal(fired[1], 2);

	/* A freed handler (LPI disabled at shutdown) does not run. */
	free_irq(msi_get_virq(dev, 2), &fired[2]);
	assert_int_equal(play(dev, &msgs[2]), 0);
	assert_int_equal(fired[2], 1);
	assert_int_equal(request_irq(msi_get_virq(dev, 2), msi_handler, "msi-test", &fired[2]), 0);
	assert_int_equal(fired[2], 2);   /* the LPI stayed pending in the ITS */

	/* Freed vectors: DISCARD each, then MAPD V=0; the doorbell write translates to nothing. */
	free_all(dev);
	platform_msi_domain_free_irqs(dev);
	assert_int_equal(count_cmds(0x0f, 0x10, NULL), NVEC);
	assert_int_equal(count_cmds(0x08, 0x10, &valid), 2);
	assert_false(valid);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(its_err(), 0x010004);   /* translation: device not mapped */
	assert_int_equal(fired[0], 1);
	kt_shutdown();
}

/* A device whose domain never mapped the doorbell: a fault, or an escape when mapped by hand. */
static void its_doorbell_from_other_domain(void **state)
{
	struct device *dev, *other;
	struct iommu_domain *dom;

	(void)state;
	boot(NULL);
	dev = platform_dev("a000000.dma");
	other = platform_dev("a001000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 1, write_msg), 0);
	assert_int_equal(play(other, &msgs[0]), -EFAULT);
	assert_int_equal(oracle_last_verdict(), ORACLE_FAULT);
	/* A kernel bug: the doorbell mapped into its domain without dma-iommu. */
	dom = iommu_get_domain_for_dev(other);
	assert_int_equal(iommu_map(dom, msg_addr(&msgs[0]) & ~0xfffull, ITS_DOORBELL & ~0xfffull,
				   PAGE_SIZE, IOMMU_WRITE | IOMMU_MMIO), 0);
	assert_int_equal(play(other, &msgs[0]), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_ESCAPE);
	assert_true(kt_dmesg_has("oracle: ESCAPE: a001000.dma wrote 0x8090040 (doorbell "));
	tu_expect_escapes(1);
	assert_int_equal(iommu_unmap(dom, msg_addr(&msgs[0]) & ~0xfffull, PAGE_SIZE), PAGE_SIZE);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();
}

/* GICv2m: SPIs from the frame, the same path; not isolated. */
static void v2m_msi_through_smmu(void **state)
{
	struct device *dev;

	(void)state;
	boot(NULL);
	dev = platform_dev("a002000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	request_all(dev);
	for (unsigned i = 0; i < NVEC; i++) {
		u32 irq = msi_get_virq(dev, i);

		assert_true(irq >= 96 && irq < 160);
		assert_int_equal(msgs[i].data, irq);   /* the SPI */
		assert_int_not_equal(msg_addr(&msgs[i]), V2M_DOORBELL);
		assert_int_equal(msg_addr(&msgs[i]) & 0xfff, 0x40);
		assert_int_equal(play(dev, &msgs[i]), 0);
		assert_int_equal(oracle_last_verdict(), ORACLE_OK);
		assert_int_equal(fired[i], 1);
	}
	assert_false(msi_device_has_isolated_msi(dev));
	assert_false(iommu_group_has_isolated_msi(dev->iommu_group));
	/* A freed vector does not run. */
	free_all(dev);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(fired[0], 1);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();
}

/* Identity domain: the message keeps the doorbell's physical address; unisolated. */
static void identity_msi_is_unisolated(void **state)
{
	struct device *dev;

	(void)state;
	boot("iommu.passthrough=1");
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 1, write_msg), 0);
	assert_int_equal(msg_addr(&msgs[0]), ITS_DOORBELL);
	assert_int_equal(request_irq(msi_get_virq(dev, 0), msi_handler, "msi-test", &fired[0]), 0);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_UNISOLATED);
	assert_int_equal(fired[0], 1);
	free_irq(msi_get_virq(dev, 0), &fired[0]);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();
}

/* An unmanaged domain with an MSI cookie (VFIO's): the doorbell at the SW_MSI window's base. */
static void msi_cookie_uses_sw_msi_window(void **state)
{
	struct device *dev;
	struct iommu_domain *dom;
	int owner;

	(void)state;
	boot(NULL);
	dev = platform_dev("a001000.dma");
	assert_int_equal(kt_echo("/sys/bus/platform/drivers/dma-copy/unbind", "a001000.dma"), 11);
	assert_int_equal(iommu_group_claim_dma_owner(dev->iommu_group, &owner), 0);
	dom = iommu_paging_domain_alloc(dev);
	assert_non_null(dom);
	assert_int_equal(iommu_get_msi_cookie(dom, SW_MSI_BASE), 0);
	assert_int_equal(iommu_get_msi_cookie(dom, SW_MSI_BASE), -EEXIST);
	assert_int_equal(iommu_attach_group(dom, dev->iommu_group), 0);
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 2, write_msg), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(msg_addr(&msgs[i]), SW_MSI_BASE + 0x40);
		assert_true(msg_addr(&msgs[i]) - SW_MSI_BASE < SW_MSI_LEN);
		assert_int_equal(request_irq(msi_get_virq(dev, i), msi_handler, "msi-test",
					     &fired[i]), 0);
		assert_int_equal(play(dev, &msgs[i]), 0);
		assert_int_equal(oracle_last_verdict(), ORACLE_OK);
		assert_int_equal(fired[i], 1);
		free_irq(msi_get_virq(dev, i), &fired[i]);
	}
	platform_msi_domain_free_irqs(dev);
	iommu_detach_group(dom, dev->iommu_group);
	iommu_domain_free(dom);
	iommu_group_release_dma_owner(dev->iommu_group);
	kt_shutdown();
}

/*
 * No msi-parent (no MSI domain: not isolated, as arm64 Linux says), bad
 * arguments, a cookie on a domain that is not unmanaged. (A truncated
 * msi-parent or msi-map never gets here: the machine refuses the tree.)
 */
static void bad_msi_parent(void **state)
{
	struct device *plain;

	(void)state;
	boot(NULL);
	plain = platform_dev("a003000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(plain, 1, write_msg), -EINVAL);
	assert_null(dev_get_msi_domain(plain));
	assert_false(msi_device_has_isolated_msi(plain));
	assert_false(iommu_group_has_isolated_msi(plain->iommu_group));
	assert_int_equal(platform_msi_domain_alloc_irqs(platform_dev("a000000.dma"), 0, write_msg),
			 -EINVAL);
	assert_int_equal(platform_msi_domain_alloc_irqs(platform_dev("a000000.dma"), 1, NULL),
			 -EINVAL);
	assert_int_equal(iommu_get_msi_cookie(iommu_get_domain_for_dev(platform_dev("a000000.dma")),
					      SW_MSI_BASE), -EINVAL);
	assert_int_equal(msi_get_virq(platform_dev("a000000.dma"), 0), 0);
	kt_shutdown();
}

/* msi-map with msi-map-mask, of_map_id's rules and errors. */
static void msi_map_translation(void **state)
{
	struct device *br;
	struct device_node *np, *its, *tgt = NULL;
	u32 out = 0;

	(void)state;
	boot(NULL);
	br = platform_dev("a008000.bridge");
	np = br->of_node;
	its = of_find_node_by_path("/msi-controller@8080000");
	assert_non_null(its);
	/* 0x1105 & 0xf0f = 0x105: entry 0x100 -> 0x1005 on the ITS. */
	assert_int_equal(of_map_id(np, 0x1105, "msi-map", "msi-map-mask", &tgt, &out), 0);
	assert_ptr_equal(tgt, its);
	assert_int_equal(out, 0x1005);
	assert_int_equal(of_msi_map_id(br, NULL, 0x1105), 0x1005);
	assert_ptr_equal(of_msi_map_get_device_node(br, 0x10f), its);
	assert_ptr_equal(of_msi_map_get_device_node(br, 0x300), of_find_node_by_path(
		"/interrupt-controller@8000000/v2m@8020000"));
	/* A preset target skips the other controller's entries. */
	tgt = its;
	assert_int_equal(of_map_id(np, 0x300, "msi-map", "msi-map-mask", &tgt, &out), 0);
	assert_int_equal(out, 0x300);
	/* Not covered: Linux's info line, the ID untranslated, no target. */
	tgt = NULL;
	assert_int_equal(of_map_id(np, 0x200, "msi-map", "msi-map-mask", &tgt, &out), 0);
	assert_null(tgt);
	assert_int_equal(out, 0x200);
	assert_true(kt_dmesg_has("/soc/bridge@8000: no msi-map translation for id 0x200 on (null)"));
	assert_int_equal(of_msi_map_id(br, NULL, 0x200), 0x200);
	assert_null(of_msi_map_get_device_node(br, 0x200));
	/* No map: -ENODEV with a target wanted, the ID itself without. */
	tgt = NULL;
	assert_int_equal(of_map_id(its, 7, "msi-map", NULL, &tgt, &out), -ENODEV);
	assert_int_equal(of_map_id(its, 7, "msi-map", NULL, NULL, &out), 0);
	assert_int_equal(out, 7);
	assert_int_equal(of_msi_map_id(platform_dev("a000000.dma"), NULL, 9), 9);
	/* An id-base outside the mask. */
	assert_int_equal(of_map_id(platform_dev("a00a000.badmask")->of_node, 0x100, "msi-map",
				   "msi-map-mask", &tgt, &out), -EFAULT);
	assert_true(kt_dmesg_has("Invalid msi-map translation - msi-map-mask (0xff) ignores "
				 "id-base (0x1100)"));
	assert_int_equal(of_map_id(NULL, 0, "msi-map", NULL, &tgt, &out), -EINVAL);
	kt_shutdown();
}

/* Vectors allocated while a driver is bound go when it unbinds (devres, as Linux). */
static void unbind_frees_msis(void **state)
{
	struct device *dev;
	bool valid = true;

	(void)state;
	boot(NULL);
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 2, write_msg), 0);
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 2, write_msg), -EBUSY);
	assert_int_not_equal(msi_get_virq(dev, 1), 0);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers/dma-copy/unbind", "a000000.dma"), 11);
	assert_int_equal(msi_get_virq(dev, 1), 0);
	assert_int_equal(count_cmds(0x0f, 0x10, NULL), 2);   /* DISCARD */
	assert_int_equal(count_cmds(0x08, 0x10, &valid), 2);  /* MAPD, then V=0 */
	assert_false(valid);
	kt_shutdown();
}

/* An ITS that stops consuming commands: Linux's "ITS queue timeout", nothing allocated. */
static void its_queue_timeout(void **state)
{
	struct device *dev;

	(void)state;
	boot(NULL);
	dev = platform_dev("a000000.dma");
	/* Something else disables the ITS behind the driver's back: the queue stops. */
	assert_int_equal(hw_mmio_write(kt_machine, ITS_BASE, 4, 0), 0);
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, 1, write_msg), -ENOMEM);
	assert_true(kt_dmesg_has("ITS queue timeout ("));
	assert_int_equal(msi_get_virq(dev, 0), 0);
	assert_null(msi_get_desc(dev, 0));
	kt_shutdown();
}

/* One MSI round trip; 0 when it worked, else the first error (nothing may leak either way). */
static int msi_workload(void *arg)
{
	struct device *dev = bus_find_device_by_name(&platform_bus_type, arg);
	int ret;

	memset(fired, 0, sizeof(fired));
	if (!dev)
		return -ENODEV;
	ret = platform_msi_domain_alloc_irqs(dev, 2, write_msg);
	if (ret)
		return ret;
	ret = request_irq(msi_get_virq(dev, 1), msi_handler, "msi-test", &fired[1]);
	if (!ret) {
		play(dev, &msgs[1]);
		ret = fired[1] == 1 ? 0 : -EIO;
		free_irq(msi_get_virq(dev, 1), &fired[1]);
	}
	platform_msi_domain_free_irqs(dev);
	return ret;
}

/* Every allocation of a boot and an MSI round trip failing in turn: no leak, no escape. */
static void msi_fail_nth(void **state)
{
	void *blob;
	size_t size;
	unsigned long runs;

	(void)state;
	assert_int_equal(kt_compile_dts_text(msi_dts, &blob, &size), 0);
	assert_int_equal(kt_fail_nth_boots(blob, size, NULL, msi_workload, "a000000.dma", &runs), 0);
	assert_int_equal(kt_fail_nth_boots(blob, size, NULL, msi_workload, "a002000.dma", &runs), 0);
	assert_true(runs > 10);
	free(blob);
}

/* The sparse interrupt table: INTIDs between the SPIs and the LPIs do not exist. */
static void lpi_range_irqs(void **state)
{
	int token;

	(void)state;
	boot(NULL);
	assert_int_equal(request_irq(1020, msi_handler, "t", &token), -EINVAL);
	assert_int_equal(request_irq(8191, msi_handler, "t", &token), -EINVAL);
	assert_int_equal(request_irq(16384, msi_handler, "t", &token), -EINVAL);
	assert_int_equal(irq_set_irq_type(9000, 0x10), -EINVAL);
	assert_int_equal(request_irq(16383, msi_handler, "t", &token), 0);
	free_irq(16383, &token);
	kt_shutdown();
}

/*
 * Broadcom Stingray's ITS node has a 64 KiB reg (the control frame only).
 * Linux maps just that frame and takes the doorbell as base +
 * GITS_TRANSLATER, so it boots; the hardware has its translation frame
 * all the same. Less than 64 KiB is still refused.
 */
static void its_reg_64k(void **state)
{
	static const char full[] = "reg = <0 0x08080000 0 0x20000>";
	char *dts = strdup(msi_dts);
	char *at = strstr(dts, full);
	struct device *dev;

	(void)state;
	assert_non_null(at);
	memcpy(at, "reg = <0 0x08080000 0 0x10000>", sizeof(full) - 1);
	memset(msgs, 0, sizeof(msgs));
	memset(fired, 0, sizeof(fired));
	assert_int_equal(kt_boot_dts_text(dts, NULL), 0);
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	request_all(dev);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(oracle_last_verdict(), ORACLE_OK);
	assert_int_equal(fired[0], 1);
	assert_int_equal(its_err(), 0);
	free_all(dev);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();

	memcpy(at, "reg = <0 0x08080000 0 0x08000>", sizeof(full) - 1);
	assert_int_not_equal(kt_boot_dts_text(dts, NULL), 0);
	kt_shutdown();
	free(dts);
}

/* msi_dts with @its_prop added to the ITS node and dma@0/dma@1000's DeviceIDs. */
static char *its_variant(const char *its_prop, const char *id0, const char *id1)
{
	const char *node = "#msi-cells = <1>; reg = <0 0x08080000 0 0x20000>;";
	char buf[sizeof(msi_dts) + 256];
	const char *at = strstr(msi_dts, node), *a0, *a1;

	assert_non_null(at);
	a0 = strstr(msi_dts, "msi-parent = <&its 0x10>");
	a1 = strstr(msi_dts, "msi-parent = <&its 0x11>");
	assert_non_null(a0);
	assert_non_null(a1);
	snprintf(buf, sizeof(buf), "%.*s%s %s%.*smsi-parent = <&its %s>%.*smsi-parent = <&its %s>%s",
		 (int)(at - msi_dts), msi_dts, node, its_prop,
		 (int)(a0 - (at + strlen(node))), at + strlen(node), id0,
		 (int)(a1 - (a0 + 24)), a0 + 24, id1, a1 + 24);
	return strdup(buf);
}

/*
 * The device table as Linux sizes it (its_parse_indirect_baser): 20
 * Devbits (the default) make it two-level; 32 would need a 64 MiB level 1,
 * so Linux caps it at 4 MiB ("Table too large"), then at the 256 pages
 * BASER.Size can describe (4 KiB pages here: 1 MiB, 26 bits of DeviceIDs);
 * 10 fit two pages: flat. A DeviceID beyond the table gets no MSIs, one
 * at its top does (its level-2 page allocated then, freed at teardown).
 */
static void its_device_table_sizes(void **state)
{
	char *dts = its_variant("iommulab,its-devbits = <32>;", "0x3ffffff", "0x4000000");
	struct device *dev;

	(void)state;
	memset(fired, 0, sizeof(fired));
	assert_int_equal(kt_boot_dts_text(dts, NULL), 0);
	assert_true(kt_dmesg_has("ITS@0x0000000008080000: Devices Table too large, reduce ids 32->19"));
	assert_true(kt_dmesg_has("ITS@0x0000000008080000: Devices too large, reduce ITS pages 1024->256"));
	assert_true(kt_dmesg_has("allocated 131072 Devices @"));
	assert_true(kt_dmesg_has("(indirect, esz 8, psz 4K, shr 1)"));
	dev = platform_dev("a001000.dma");
	assert_int_not_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	request_all(dev);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(fired[0], 1);
	assert_int_equal(its_err(), 0);
	free_all(dev);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();
	free(dts);

	dts = its_variant("iommulab,its-devbits = <10>;", "0x3ff", "0x400");
	memset(fired, 0, sizeof(fired));
	assert_int_equal(kt_boot_dts_text(dts, NULL), 0);
	assert_true(kt_dmesg_has("allocated 1024 Devices @"));
	assert_true(kt_dmesg_has("(flat, esz 8, psz 4K, shr 1)"));
	dev = platform_dev("a001000.dma");
	assert_int_not_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	dev = platform_dev("a000000.dma");
	assert_int_equal(platform_msi_domain_alloc_irqs(dev, NVEC, write_msg), 0);
	request_all(dev);
	assert_int_equal(play(dev, &msgs[0]), 0);
	assert_int_equal(fired[0], 1);
	free_all(dev);
	platform_msi_domain_free_irqs(dev);
	kt_shutdown();
	free(dts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(its_msi_through_smmu),
		cmocka_unit_test(its_reg_64k),
		cmocka_unit_test(its_device_table_sizes),
		cmocka_unit_test(its_doorbell_from_other_domain),
		cmocka_unit_test(v2m_msi_through_smmu),
		cmocka_unit_test(identity_msi_is_unisolated),
		cmocka_unit_test(msi_cookie_uses_sw_msi_window),
		cmocka_unit_test(bad_msi_parent),
		cmocka_unit_test(msi_map_translation),
		cmocka_unit_test(unbind_frees_msis),
		cmocka_unit_test(its_queue_timeout),
		cmocka_unit_test(lpi_range_irqs),
		cmocka_unit_test(msi_fail_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
