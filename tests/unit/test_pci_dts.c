/*
 * PCI on the real device trees (../shared/linux-dts, summaries in
 * summary/NAME.json): their host bridges have no child nodes, so the
 * machine builds no function there and the kernel finds an empty root
 * bus. Then the same trees with two root ports and an endpoint below each
 * added under the host bridge node: every function gets the stream ID
 * Linux computes from the host's iommu-map (and iommu-map-mask) for its
 * RID, and the groups Linux 6.12 gives them: Juno r2's mask 0 puts every
 * function on stream 0, one stream-map entry, one group; Seattle's map is
 * the identity, and the first root port (enumerated before ACS was
 * requested) keeps its endpoint in its group while the second isolates
 * its own. The SMMUv3 trees (FVP, QEMU virt) have no SMMUv3 driver in the
 * lab: their functions get no group.
 */
#include <libfdt.h>

#include "kernel_test.h"
#include "common/dt.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"
#include "kernel/pci/pci.h"


struct real_host {
	const char *name, *host, *iommu;	/* host bridge and its iommu-map target */
	u32 mask;				/* iommu-map-mask (0xffffffff: none) */
	bool smmu_v2;				/* SMMUv2 (else SMMUv3) */
	int ports;				/* root ports the bus range allows */
	const char *platdev;			/* the host's platform device name */
};

static const struct real_host hosts[] = {
	{ "juno-r2", "/pcie@40000000", "/iommu@2b500000", 0x0, true, 2, "40000000.pcie" },
	{ "amd-overdrive-rev-b1", "/smb/pcie@f0000000", "/smb/iommu@e0a00000", 0xffffffff,
	  true, 2, "smb/f0000000.pcie" },
	{ "fvp-base-revc", "/pci@40000000", "/iommu@2b400000", 0xffffffff, false, 1,
	  "40000000.pci" },
	{ "qemu-virt-smmuv3", "/pcie@10000000", "/smmuv3@9050000", 0xffffffff, false, 2,
	  "4010000000.pcie" },
};

static void *load(const char *name, size_t *size)
{
	char path[512], why[256];
	void *blob;

	/* Seattle: Linux's tree plus the RAM node UEFI adds (test_arm_smmu_dts does the same). */
	if (!strcmp(name, "amd-overdrive-rev-b1"))
		snprintf(path, sizeof(path), LAB_SRCDIR "/tests/scenarios/platforms/smmu-seattle-b1.dts");
	else
		snprintf(path, sizeof(path), LAB_BUILDDIR "/tests/scenarios/%s.dtb", name);
	if (dt_load_file(path, &blob, size, why, sizeof(why)))
		fail_msg("%s: %s", path, why);
	return blob;
}

/* The tree with root ports 0..@ports-1 under @host, each with a dma-copy below. */
static void *with_ports(const void *blob, const char *host, int ports, size_t *size)
{
	size_t cap = fdt_totalsize(blob) + 4096;
	void *t = malloc(cap);
	int h;

	assert_int_equal(fdt_open_into(blob, t, (int)cap), 0);
	h = fdt_path_offset(t, host);
	assert_true(h >= 0);
	for (int p = 0; p < ports; p++) {
		char name[16];
		fdt32_t reg[5] = { cpu_to_fdt32((u32)p << 11), 0, 0, 0, 0 };
		fdt32_t ep[5] = { 0, 0, 0, 0, 0 };
		int rp, dev;

		snprintf(name, sizeof(name), "pcie@%x,0", p);
		rp = fdt_add_subnode(t, h, name);
		assert_true(rp >= 0);
		assert_int_equal(fdt_setprop_string(t, rp, "compatible", "iommulab,pcie-root-port"), 0);
		assert_int_equal(fdt_setprop_string(t, rp, "device_type", "pci"), 0);
		assert_int_equal(fdt_setprop(t, rp, "reg", reg, sizeof(reg)), 0);
		assert_int_equal(fdt_setprop_u32(t, rp, "#address-cells", 3), 0);
		assert_int_equal(fdt_setprop_u32(t, rp, "#size-cells", 2), 0);
		dev = fdt_add_subnode(t, rp, "dma@0,0");
		assert_true(dev >= 0);
		assert_int_equal(fdt_setprop_string(t, dev, "compatible", "iommulab,pci-dma-copy"), 0);
		assert_int_equal(fdt_setprop(t, dev, "reg", ep, sizeof(ep)), 0);
		h = fdt_path_offset(t, host);
	}
	assert_int_equal(fdt_pack(t), 0);
	*size = fdt_totalsize(t);
	return t;
}

static int count_dev(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static void empty_root_bus(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		size_t size;
		void *blob = load(hosts[i].name, &size);
		char path[256];
		int n = 0;

		assert_int_equal(kt_boot_blob(blob, size, NULL), 0);
		snprintf(path, sizeof(path), "/sys/devices/platform/%s/pci0000:00", hosts[i].platdev);
		if (!kt_exists(path))
			fail_msg("%s: no %s", hosts[i].name, path);
		bus_for_each_dev(&pci_bus_type, NULL, &n, count_dev);
		assert_int_equal(n, 0);
		kt_shutdown();
		free(blob);
	}
}

static struct device *pci_dev_named(const char *bdf)
{
	struct device *d = bus_find_device_by_name(&pci_bus_type, bdf);

	if (!d)
		fail_msg("no PCI device %s", bdf);
	return d;
}

static void stream_ids_and_groups(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		const struct real_host *h = &hosts[i];
		size_t size, psize;
		void *blob = load(h->name, &size), *t = with_ports(blob, h->host, h->ports, &psize);
		struct device_node *iommu_np;
		/* Root ports 00:0p.0, endpoints on bus p + 1 (depth-first numbering). */
		const char *bdfs[4] = { "0000:00:00.0", "0000:01:00.0", "0000:00:01.0",
					"0000:02:00.0" };
		const u16 rids[4] = { 0x0000, 0x0100, 0x0008, 0x0200 };

		assert_int_equal(kt_boot_blob(t, psize, NULL), 0);
		iommu_np = of_find_node_by_path(h->iommu);
		assert_non_null(iommu_np);
		for (int k = 0; k < 2 * h->ports; k++) {
			struct device *d = pci_dev_named(bdfs[k]);
			struct iommu_fwspec *fw = dev_iommu_fwspec_get(d);

			if (!fw || fw->iommu_fwnode != iommu_np->fdt_offset || fw->num_ids != 1)
				fail_msg("%s: %s: no fwspec for %s", h->name, bdfs[k], h->iommu);
			if (fw->ids[0] != (rids[k] & h->mask))
				fail_msg("%s: %s: stream 0x%x, Linux gives 0x%x", h->name, bdfs[k],
					 fw->ids[0], rids[k] & h->mask);
			if (!d->iommu_group)
				fail_msg("%s: %s has no group", h->name, bdfs[k]);
		}
		{
			struct iommu_group *g0 = pci_dev_named(bdfs[0])->iommu_group;

			/* The first root port never got ACS: its endpoint shares its group. */
			assert_ptr_equal(pci_dev_named(bdfs[1])->iommu_group, g0);
			/* Mask 0: one stream for all, one group; else the second port isolates. */
			if (h->ports < 2) {
				/* one root port: nothing more to compare */
			} else if (h->mask == 0) {
				assert_ptr_equal(pci_dev_named(bdfs[2])->iommu_group, g0);
				assert_ptr_equal(pci_dev_named(bdfs[3])->iommu_group, g0);
			} else {
				assert_ptr_not_equal(pci_dev_named(bdfs[2])->iommu_group, g0);
				assert_ptr_not_equal(pci_dev_named(bdfs[3])->iommu_group,
						     pci_dev_named(bdfs[2])->iommu_group);
			}
		}
		print_message("%s: %d functions below %s: as Linux\n", h->name, 2 * h->ports,
			      h->host);
		kt_shutdown();
		free(t);
		free(blob);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_root_bus),
		cmocka_unit_test(stream_ids_and_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
