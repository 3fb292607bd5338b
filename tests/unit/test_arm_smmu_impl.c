/*
 * arm-smmu implementations seen from the model (arm_smmu_v2_view): NVIDIA's
 * nodes of several instances get the same programming in each (Linux's
 * nvidia_smmu_write_reg/writeq write every instance), and Marvell AP806's
 * SMMU never takes a 64-bit access (mrvl_mmu500_writeq/readq split them:
 * its 64-bit accesses are broken in hardware), where a plain MMU-500 in
 * the same boot does take them.
 */
#include "kernel_test.h"
#include "common/dt.h"
#include "hw/arm_smmu.h"
#include "hw/machine.h"

#include <libfdt.h>

#define TEGRA194_DTB LAB_BUILDDIR "/tests/boards/tegra194-p2972-0000.dtb"
#define TEGRA234_DTB LAB_BUILDDIR "/tests/boards/tegra234-p3737-0000+p3701-0000.dtb"

/* The programming of one instance: SMRs, S2CRs and every bank's registers. */
static void assert_same_programming(const struct arm_smmu_v2_view *a,
				    const struct arm_smmu_v2_view *b, const char *what)
{
	assert_int_equal(a->num_smr, b->num_smr);
	assert_int_equal(a->num_cb, b->num_cb);
	for (unsigned i = 0; i < a->num_smr; i++) {
		if (a->smr[i] != b->smr[i] || a->s2cr[i] != b->s2cr[i])
			fail_msg("%s: entry %u: SMR %08x/%08x S2CR %08x/%08x", what, i, a->smr[i],
				 b->smr[i], a->s2cr[i], b->s2cr[i]);
	}
	for (unsigned i = 0; i < a->num_cb; i++) {
		if (memcmp(&a->cb[i], &b->cb[i], sizeof(a->cb[i])))
			fail_msg("%s: bank %u differs (SCTLR %08x/%08x TTBR0 %llx/%llx)", what, i,
				 a->cb[i].sctlr, b->cb[i].sctlr,
				 (unsigned long long)a->cb[i].ttbr0,
				 (unsigned long long)b->cb[i].ttbr0);
	}
}

/*
 * Tegra234 (tests/boards): each "nvidia,smmu-500" node has two or three reg
 * windows, one instance each. After the boot (every master attached to
 * its default domain), every instance holds what the first holds, and
 * that is not nothing: valid SMRs, enabled banks with page tables.
 */
static void nvidia_instances_programmed_alike(void **state)
{
	const void *fdt;
	int nodes = 0, node;

	(void)state;
	assert_int_equal(kt_boot_file(TEGRA234_DTB, NULL), 0);
	fdt = machine_fdt(kt_machine);
	for (node = fdt_node_offset_by_compatible(fdt, -1, "nvidia,smmu-500"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "nvidia,smmu-500")) {
		static struct arm_smmu_v2_view first, other;
		unsigned valid = 0, enabled = 0;
		u64 base, size;
		int k;

		if (!dt_node_enabled(fdt, node))
			continue;
		assert_int_equal(dt_reg(fdt, node, 0, &base, &size), 0);
		assert_int_equal(arm_smmu_v2_view(kt_machine, base, &first), 0);
		for (unsigned i = 0; i < first.num_smr; i++)
			valid += first.smr[i] >> 31;
		for (unsigned i = 0; i < first.num_cb; i++)
			enabled += (first.cb[i].sctlr & 1) && first.cb[i].ttbr0;
		for (k = 1; !dt_reg(fdt, node, k, &base, &size); k++) {
			assert_int_equal(arm_smmu_v2_view(kt_machine, base, &other), 0);
			assert_same_programming(&first, &other, fdt_get_name(fdt, node, NULL));
		}
		if (valid) {
			assert_true(enabled > 0);
			assert_true(k >= 2);
			nodes++;
		}
	}
	assert_true(nodes >= 1);
	kt_shutdown();
}

static const char mrvl_dts[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	model = \"marvell ap806 test\"; compatible = \"iommulab,virt\";\n"
	"	#address-cells = <2>; #size-cells = <2>; interrupt-parent = <&gic>;\n"
	"	chosen { bootargs = \"\"; };\n"
	"	memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x10000000>; };\n"
	"	gic: interrupt-controller@8000000 { compatible = \"arm,gic-400\";\n"
	"		#interrupt-cells = <3>; interrupt-controller;\n"
	"		reg = <0 0x08000000 0 0x10000>, <0 0x08010000 0 0x10000>; };\n"
	"	mrvl: iommu@9050000 { compatible = \"marvell,ap806-smmu-500\", \"arm,mmu-500\";\n"
	"		reg = <0 0x09050000 0 0x20000>; #iommu-cells = <1>; #global-interrupts = <1>;\n"
	"		interrupts = <0 40 4>, <0 41 4>, <0 42 4>, <0 43 4>, <0 44 4>;\n"
	"		iommulab,num-smr = <16>; iommulab,num-cb = <4>; };\n"
	"	arm: iommu@9070000 { compatible = \"arm,mmu-500\";\n"
	"		reg = <0 0x09070000 0 0x20000>; #iommu-cells = <1>; #global-interrupts = <1>;\n"
	"		interrupts = <0 50 4>, <0 51 4>, <0 52 4>, <0 53 4>, <0 54 4>;\n"
	"		iommulab,num-smr = <16>; iommulab,num-cb = <4>; };\n"
	"	soc { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>;\n"
	"		ranges = <0x0 0x0 0x0a000000 0x100000>;\n"
	"		dma@0 { compatible = \"iommulab,dma-copy\"; reg = <0x0 0x1000>;\n"
	"			interrupts = <0 16 4>; iommus = <&mrvl 0x100>; };\n"
	"		dma@1000 { compatible = \"iommulab,dma-copy\"; reg = <0x1000 0x1000>;\n"
	"			interrupts = <0 17 4>; iommus = <&arm 0x100>; };\n"
	"	};\n"
	"};\n";

/*
 * Marvell AP806: every access the driver makes is 32-bit (TTBRs written and
 * PAR/FAR read as two halves), and the bank still translates; the plain
 * MMU-500 beside it gets its TTBRs in one 64-bit write.
 */
static void marvell_splits_64bit_accesses(void **state)
{
	static struct arm_smmu_v2_view mrvl, arm;

	(void)state;
	assert_int_equal(kt_boot_dts_text(mrvl_dts, NULL), 0);
	assert_int_equal(arm_smmu_v2_view(kt_machine, 0x09050000, &mrvl), 0);
	assert_int_equal(arm_smmu_v2_view(kt_machine, 0x09070000, &arm), 0);
	assert_true(mrvl.writes32 > 0);
	assert_true(mrvl.reads32 > 0);
	assert_int_equal(mrvl.writes64, 0);
	assert_int_equal(mrvl.reads64, 0);
	assert_true(arm.writes64 > 0);
	/* The split writes still assembled a whole table address. */
	u64 table = mrvl.cb[0].ttbr0 & 0xfffffffff000ull;

	assert_true(mrvl.cb[0].sctlr & 1);
	assert_true(table >= 0x40000000 && table < 0x50000000);   /* in RAM */
	kt_shutdown();
}

static u32 mc_reg(u64 base, u64 off)
{
	u64 v = 0;

	assert_int_equal(hw_mmio_read(kt_machine, base + off, 4, &v), 0);
	return (u32)v;
}

/*
 * The memory controller's stream-ID overrides after the boot (tegra-mc's
 * tegra_mc_probe_device, from arm-smmu-nvidia's probe_finalize): each
 * client a master's `interconnects` names holds the master's stream ID
 * (dt-bindings TEGRA194_SID_* / TEGRA234_SID_*), its security register
 * the override bit; clients no enabled master names, and clients Linux
 * 6.12's SoC table lacks, keep the reset 0.
 */
static void tegra_mc_sid_overrides(void **state)
{
	const u64 mc = 0x2c00000;

	(void)state;
	assert_int_equal(kt_boot_file(TEGRA194_DTB, NULL), 0);
	assert_int_equal(mc_reg(mc, 0x318), 0x17);     /* sdmmcrab: SDMMC4, mmc@3460000 */
	assert_int_equal(mc_reg(mc, 0x338), 0x17);     /* sdmmcwab */
	assert_int_equal(mc_reg(mc, 0x31c), 0x100);    /* its security: override */
	assert_int_equal(mc_reg(mc, 0x300), 0x1a);     /* sdmmcra: SDMMC1, mmc@3400000 */
	assert_int_equal(mc_reg(mc, 0x470), 0x14);     /* eqosr: EQOS */
	assert_int_equal(mc_reg(mc, 0x0b0), 0x01);     /* host1xdmar: HOST1X */
	assert_int_equal(mc_reg(mc, 0x310), 0);        /* sdmmcr: mmc@3440000 is disabled */
	/* The override field is 8 bits wide. */
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x310, 4, 0x1234), 0);
	assert_int_equal(mc_reg(mc, 0x310), 0x34);
	kt_shutdown();

	assert_int_equal(kt_boot_file(TEGRA234_DTB, NULL), 0);
	assert_int_equal(mc_reg(mc, 0x318), 0x02);     /* sdmmcrab: TEGRA234_SID_SDMMC4 */
	assert_int_equal(mc_reg(mc, 0x0a8), 0x03);     /* hdar: HDA */
	assert_int_equal(mc_reg(mc, 0x2c0), 0x06);     /* mgbeard: MGBE, ethernet@6800000 */
	assert_int_equal(mc_reg(mc, 0x300), 0);        /* sdmmcra: not in Linux's table */
	kt_shutdown();
}

/* Tegra194's board tree with `iommulab,firmware-sid` = @cells on its MC, booted. */
static int boot_tegra194_firmware(const fdt32_t *cells, int ncells, const char *cmdline)
{
	void *blob, *big;
	size_t size;
	char why[256];
	int node, ret;

	assert_int_equal(dt_load_file(TEGRA194_DTB, &blob, &size, why, sizeof(why)), 0);
	big = malloc(size + 4096);
	assert_non_null(big);
	assert_int_equal(fdt_open_into(blob, big, (int)size + 4096), 0);
	free(blob);
	node = fdt_path_offset(big, "/bus@0/memory-controller@2c00000");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop(big, node, "iommulab,firmware-sid", cells,
				     ncells * (int)sizeof(*cells)), 0);
	assert_int_equal(fdt_pack(big), 0);
	ret = kt_boot_blob(big, fdt_totalsize(big), cmdline);
	free(big);
	return ret;
}

/*
 * Clients firmware locked (security bit 16, WRITE_ACCESS_DISABLED): Linux
 * 6.12's tegra186_mc_client_sid_override returns at once, silently, for
 * a locked client whose override is not enabled; for one whose override
 * firmware enabled it goes on, prints its debug line and writes the
 * master's stream ID, which the hardware ignores. Either way the client
 * keeps the firmware's stream ID. SDMMC4 (mmc@3460000, stream 0x17)
 * reads through sdmmcrab and writes through sdmmcwab; EQOS (0x14)
 * through eqosr/eqosw.
 */
static void tegra_mc_locked_clients(void **state)
{
	const u64 mc = 0x2c00000;
	const fdt32_t fw[] = {
		cpu_to_fdt32(0x318), cpu_to_fdt32(0x05), cpu_to_fdt32(0x10100), /* sdmmcrab */
		cpu_to_fdt32(0x338), cpu_to_fdt32(0x05), cpu_to_fdt32(0x10000), /* sdmmcwab */
		cpu_to_fdt32(0x470), cpu_to_fdt32(0x14), cpu_to_fdt32(0x10100), /* eqosr */
	};

	(void)state;
	assert_int_equal(boot_tegra194_firmware(fw, ARRAY_SIZE(fw),
						"dyndbg=\"file tegra-mc.c +p\""), 0);
	/* Locked, override enabled: Linux writes (and says so); the write is lost. */
	assert_true(kt_dmesg_has("tegra-mc 2c00000.memory-controller: overriding SID 5 for "
				 "sdmmcrab with 17"));
	assert_int_equal(mc_reg(mc, 0x318), 0x05);
	assert_int_equal(mc_reg(mc, 0x31c), 0x10100);
	/* Locked, override off: nothing written, nothing said. */
	assert_false(kt_dmesg_has("for sdmmcwab"));
	assert_false(kt_dmesg_has("stream-ID override was not enabled"));
	assert_int_equal(mc_reg(mc, 0x338), 0x05);
	assert_int_equal(mc_reg(mc, 0x33c), 0x10000);
	/* Locked with the master's own stream ID: nothing to override. */
	assert_false(kt_dmesg_has("for eqosr"));
	assert_int_equal(mc_reg(mc, 0x470), 0x14);
	/* Unlocked clients are programmed as before. */
	assert_true(kt_dmesg_has("overriding SID 0 for eqosw with 14"));
	assert_int_equal(mc_reg(mc, 0x478), 0x14);
	/* Neither register of a locked client takes a write; bit 16 is read-only. */
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x338, 4, 0x17), 0);
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x33c, 4, 0x100), 0);
	assert_int_equal(mc_reg(mc, 0x338), 0x05);
	assert_int_equal(mc_reg(mc, 0x33c), 0x10000);
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x31c, 4, 0x100), 0);
	assert_int_equal(mc_reg(mc, 0x31c), 0x10100);
	/* Software cannot lock a client: on eqosw bit 16 stays clear, bit 8 follows. */
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x47c, 4, 0x10000), 0);
	assert_int_equal(mc_reg(mc, 0x47c), 0);
	assert_int_equal(hw_mmio_write(kt_machine, mc + 0x47c, 4, 0x100), 0);
	assert_int_equal(mc_reg(mc, 0x47c), 0x100);
	kt_shutdown();
}

/* A malformed `iommulab,firmware-sid`: the machine is refused, with why. */
static void tegra_mc_firmware_sid_malformed(void **state)
{
	const fdt32_t odd[] = { cpu_to_fdt32(0x318), cpu_to_fdt32(0x05) };
	const fdt32_t unaligned[] = { cpu_to_fdt32(0x31c), cpu_to_fdt32(5), cpu_to_fdt32(0) };
	const fdt32_t outside[] = { cpu_to_fdt32(0x20000), cpu_to_fdt32(5), cpu_to_fdt32(0) };

	(void)state;
	assert_int_equal(boot_tegra194_firmware(odd, ARRAY_SIZE(odd), NULL), -EINVAL);
	assert_int_equal(boot_tegra194_firmware(unaligned, ARRAY_SIZE(unaligned), NULL), -EINVAL);
	assert_int_equal(boot_tegra194_firmware(outside, ARRAY_SIZE(outside), NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nvidia_instances_programmed_alike),
		cmocka_unit_test(marvell_splits_64bit_accesses),
		cmocka_unit_test(tegra_mc_sid_overrides),
		cmocka_unit_test(tegra_mc_locked_clients),
		cmocka_unit_test(tegra_mc_firmware_sid_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
