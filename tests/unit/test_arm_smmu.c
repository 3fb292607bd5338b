/*
 * arm-smmu driver over the SMMU model: what the driver programmed (read
 * back through the registers) and what sysfs shows, on the built-in
 * platform and on small platforms that exhaust SMRs and context banks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommulab/lab.h"
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/sysfs.h"
#include "kernel/drivers/arm-smmu.h"
#include "hw/arm_smmu.h"
#include "test_util.h"

#define SMMU_BASE 0x09050000ull
#define sCR0 0x0
#define SMR(n) (0x800 + 4 * (n))
#define S2CR(n) (0xc00 + 4 * (n))
#define S2CR_TYPE(v) (((v) >> 16) & 3)
#define S2CR_CBNDX(v) ((v) & 0xff)
#define TRANS 0
#define BYPASS 1
#define FAULT 2

#define PLAT(name) LAB_SRCDIR "/tests/scenarios/platforms/" name

static void boot(const char *platform, const char *cmdline)
{
	assert_int_equal(tu_lab_boot(platform, cmdline), LAB_OK);
}

static int teardown(void **state)
{
	return tu_lab_shutdown();
}

static u32 gr0(u32 off)
{
	return readl(SMMU_BASE + off);
}

/* The iommu_group number of a platform device, or -1 without one. */
static int group_of(const char *dev)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", dev);
	n = sysfs_readlink(path, link, sizeof(link));
	if (n < 0)
		return -1;
	link[n] = 0;
	const char *slash = strrchr(link, '/');
	return atoi(slash ? slash + 1 : link);
}

static bool bound(const char *dev)
{
	char path[256];
	struct sysfs_stat st;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", dev);
	return sysfs_lstat(path, &st) == 0;
}

/* Runs a shell line; returns its status and its output in a static buffer. */
static int sh(const char *line, const char **output)
{
	static char *buf;
	size_t len = 0;
	FILE *f;
	int ret;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	ret = lab_exec(line, f);
	fclose(f);
	if (output)
		*output = buf;
	return ret;
}

/* The SMR index matching (id, mask), or -1. */
static int find_smr(u32 id, u32 mask, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		u32 smr = gr0(SMR(i));

		if ((smr & SMR_VALID) && (smr & 0x7fff) == id && ((smr >> 16) & 0x7fff) == mask)
			return (int)i;
	}
	return -1;
}

static unsigned count_valid_smrs(unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += !!(gr0(SMR(i)) & SMR_VALID);
	return c;
}

static void test_builtin_groups_and_smes(void **state)
{
	char buf[512];
	struct sysfs_stat st;
	int g0, g1, g2, g3;

	boot(NULL, NULL);
	g0 = group_of("a000000.dma");
	g1 = group_of("a001000.dma");
	g2 = group_of("a002000.dma");
	g3 = group_of("a003000.dma");
	assert_true(g0 >= 0 && g1 >= 0 && g2 >= 0);
	/* Two masters behind stream 0x200 share one entry, hence one group. */
	assert_int_equal(g2, g3);
	assert_int_not_equal(g0, g1);
	assert_int_not_equal(g0, g2);
	assert_int_not_equal(g1, g2);

	/* Enabled; unmatched streams fault (Linux's default disable_bypass=1). */
	assert_int_equal(gr0(sCR0) & (sCR0_CLIENTPD | sCR0_USFCFG), sCR0_USFCFG);
	/* Three platform streams, and eleven PCI ones (ten functions, one bridge alias). */
	assert_int_equal(count_valid_smrs(16), 14);
	int s0 = find_smr(0x100, 0, 16), s1 = find_smr(0x101, 0, 16), s2 = find_smr(0x200, 0, 16);
	assert_true(s0 >= 0 && s1 >= 0 && s2 >= 0);
	/* Default DMA domains: translated, one context bank per group. */
	assert_int_equal(S2CR_TYPE(gr0(S2CR(s0))), TRANS);
	assert_int_equal(S2CR_TYPE(gr0(S2CR(s1))), TRANS);
	assert_int_equal(S2CR_TYPE(gr0(S2CR(s2))), TRANS);
	assert_int_not_equal(S2CR_CBNDX(gr0(S2CR(s0))), S2CR_CBNDX(gr0(S2CR(s1))));
	assert_int_not_equal(S2CR_CBNDX(gr0(S2CR(s0))), S2CR_CBNDX(gr0(S2CR(s2))));
	/* Free entries hold the initial type. */
	for (unsigned i = 0; i < 16; i++)
		if (!(gr0(SMR(i)) & SMR_VALID))
			assert_int_equal(S2CR_TYPE(gr0(S2CR(i))), FAULT);

	/* The software MSI window. */
	snprintf(buf, sizeof(buf), "/sys/kernel/iommu_groups/%d/reserved_regions", g0);
	ssize_t n = sysfs_read(buf, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "0x0000000008000000 0x00000000080fffff msi"));

	assert_int_equal(sysfs_stat("/sys/class/iommu/smmu.0x0000000009050000", &st), 0);
	/* suppress_bind_attrs */
	assert_int_equal(sysfs_stat("/sys/bus/platform/drivers/arm-smmu", &st), 0);
	assert_int_not_equal(sysfs_stat("/sys/bus/platform/drivers/arm-smmu/unbind", &st), 0);
	assert_int_not_equal(sysfs_stat("/sys/bus/platform/drivers/arm-smmu/bind", &st), 0);
	assert_true(bound("9050000.iommu"));
}

static void test_disable_bypass(void **state)
{
	/* The default (CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT=y) and =1 alike. */
	boot(NULL, NULL);
	assert_int_equal(gr0(sCR0) & (sCR0_CLIENTPD | sCR0_USFCFG), sCR0_USFCFG);
	for (unsigned i = 0; i < 16; i++)
		if (!(gr0(SMR(i)) & SMR_VALID))
			assert_int_equal(S2CR_TYPE(gr0(S2CR(i))), FAULT);
	assert_int_equal(tu_lab_shutdown(), 0);
	boot(NULL, "arm-smmu.disable_bypass=1");
	assert_int_equal(gr0(sCR0) & (sCR0_CLIENTPD | sCR0_USFCFG), sCR0_USFCFG);
	assert_int_equal(tu_lab_shutdown(), 0);
	/* =0: enabled, unmatched streams and free entries bypass. */
	boot(NULL, "arm-smmu.disable_bypass=0");
	assert_int_equal(gr0(sCR0) & (sCR0_CLIENTPD | sCR0_USFCFG), 0);
	for (unsigned i = 0; i < 16; i++)
		if (!(gr0(SMR(i)) & SMR_VALID))
			assert_int_equal(S2CR_TYPE(gr0(S2CR(i))), BYPASS);
}

static void test_unbind_keeps_stream_map(void **state)
{
	const char *unbind = "/sys/bus/platform/devices/a000000.dma/driver/unbind";
	u32 before, after;
	int s0;

	boot(NULL, NULL);
	s0 = find_smr(0x100, 0, 16);
	assert_true(s0 >= 0);
	before = gr0(S2CR(s0));
	assert_true(bound("a000000.dma"));
	assert_int_equal(sysfs_write(unbind, "a000000.dma", 11), 11);
	assert_false(bound("a000000.dma"));
	/* Still matched and still translated through the default domain. */
	assert_int_equal(find_smr(0x100, 0, 16), s0);
	after = gr0(S2CR(s0));
	assert_int_equal(after, before);
	assert_int_equal(S2CR_TYPE(after), TRANS);
	assert_true(group_of("a000000.dma") >= 0);
}

static void test_smr_reuse_overlap_exhaustion(void **state)
{
	boot(PLAT("smmu-smr2.dts"), NULL);
	/* A and B take the two SMRs; C is covered by B and joins its group. */
	assert_true(find_smr(0x10, 0, 2) >= 0);
	assert_true(find_smr(0x12, 0x1, 2) >= 0);
	assert_true(group_of("a000000.dma") >= 0);
	assert_true(group_of("a001000.dma") >= 0);
	assert_int_equal(group_of("a001000.dma"), group_of("a002000.dma"));
	assert_int_not_equal(group_of("a000000.dma"), group_of("a001000.dma"));
	/* D overlaps A partially (-EINVAL), E finds no SMR (-ENOSPC): no IOMMU. */
	assert_int_equal(group_of("a003000.dma"), -1);
	assert_int_equal(group_of("a004000.dma"), -1);
	/* Their drivers still probe, without translation. */
	assert_true(bound("a003000.dma"));
	assert_true(bound("a004000.dma"));
}

static void test_context_bank_exhaustion(void **state)
{
	int a, b;

	/* Bypass for the master left without a bank, as the scenario shows it. */
	boot(PLAT("smmu-cb2.dts"), "arm-smmu.disable_bypass=0");
	a = find_smr(0x1, 0, 16);
	b = find_smr(0x2, 0, 16);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(S2CR_TYPE(gr0(S2CR(a))), TRANS);
	assert_int_equal(S2CR_TYPE(gr0(S2CR(b))), TRANS);
	assert_int_not_equal(S2CR_CBNDX(gr0(S2CR(a))), S2CR_CBNDX(gr0(S2CR(b))));
	/*
	 * The third group's default domain found no bank (-ENOSPC at its
	 * first attach). Linux fails that setup and the master leaves the
	 * IOMMU: no group, its stream-map entry freed, and its driver probes
	 * without translation (its stream is unmatched: bypass).
	 */
	assert_int_equal(find_smr(0x3, 0, 16), -1);
	assert_int_equal(count_valid_smrs(16), 2);
	assert_int_equal(group_of("a002000.dma"), -1);
	assert_true(bound("a002000.dma"));
	assert_int_equal(sh("dmatest a002000.dma", NULL), 0);
}

static void test_module_defers_masters(void **state)
{
	boot(NULL, "lab.module=arm-smmu");
	/* The SMMU has no driver: its masters wait, and nothing is matched. */
	assert_false(bound("a000000.dma"));
	assert_int_equal(group_of("a000000.dma"), -1);
	assert_int_equal(gr0(sCR0) & sCR0_CLIENTPD, sCR0_CLIENTPD);

	assert_int_equal(kernel_modprobe("arm-smmu", NULL), 0);
	kernel_run_pending();
	assert_true(bound("9050000.iommu"));
	assert_true(bound("a000000.dma"));
	assert_true(group_of("a000000.dma") >= 0);
	assert_int_equal(group_of("a002000.dma"), group_of("a003000.dma"));
	assert_int_equal(gr0(sCR0) & sCR0_CLIENTPD, 0);
	/* Masters pin the module. */
	assert_int_equal(kernel_rmmod("arm-smmu"), -EBUSY);
	assert_true(bound("9050000.iommu"));
}

/* What the SMMU model at @base received so far (its register writes). */
static struct arm_smmu_tlbi_stats model_tlbi(u64 base)
{
	struct arm_smmu_tlbi_stats st;

	assert_int_equal(arm_smmu_v2_tlbi_stats(kernel_machine(), base, &st), 0);
	return st;
}

struct tlb_delta {
	u64 tlbiva, tlbival, tlbiasid, tlbiall, sync;
};

/* A dmatest of @len bytes and the TLB maintenance the SMMU at @smmu saw during it. */
static void dmatest_tlb_at(u64 smmu, const char *dev, unsigned long len, struct tlb_delta *d)
{
	struct arm_smmu_tlbi_stats before = model_tlbi(smmu), after;
	char cmd[128];
	const char *out;

	snprintf(cmd, sizeof(cmd), "dmatest %s %lu", dev, len);
	assert_int_equal(sh(cmd, &out), 0);
	assert_non_null(strstr(out, "ok\n"));
	after = model_tlbi(smmu);
	d->tlbiva = after.tlbiva - before.tlbiva;
	d->tlbival = after.tlbival - before.tlbival;
	d->tlbiasid = after.tlbiasid - before.tlbiasid;
	d->tlbiall = after.tlbiall - before.tlbiall;
	d->sync = after.tlbsync - before.tlbsync;
}

static void dmatest_tlb(const char *dev, unsigned long len, struct tlb_delta *d)
{
	dmatest_tlb_at(SMMU_BASE, dev, len, d);
}

/*
 * A full dmatest through the SMMU for 4 KiB, 64 KiB and 2 MiB: the copy
 * checks its data. In strict mode each unmapped leaf gets its own TLBIVAL
 * (4 KiB pages: one per page; a 2 MiB buffer, IOVA and PA both 2 MiB
 * aligned, is one block leaf), then a sync; nothing flushes the whole ASID.
 */
static void test_dmatest_strict_per_page_tlbi(void **state)
{
	struct tlb_delta d;

	boot(NULL, NULL);
	dmatest_tlb("a000000.dma", 4096, &d);
	assert_int_equal(d.tlbival, 2);         /* source and destination page */
	assert_int_equal(d.tlbiasid, 0);
	assert_true(d.sync >= 2);

	dmatest_tlb("a000000.dma", 65536, &d);
	assert_int_equal(d.tlbival, 2 * 16);    /* 4 KiB granule: 16 leaves each */
	assert_int_equal(d.tlbiasid, 0);

	dmatest_tlb("a001000.dma", 2 << 20, &d);
	assert_int_equal(d.tlbival, 2);         /* one 2 MiB block each */
	assert_int_equal(d.tlbiasid, 0);
	assert_int_equal(d.tlbiva, 0);
	assert_int_equal(d.tlbiall, 0);
}

/* Lazy mode (iommu.strict=0): no per-page TLBI; the flush queue's timer
 * flushes everything with one TLBIASID per context. */
static void test_dmatest_lazy_flush_all(void **state)
{
	struct tlb_delta d;
	u64 asid;

	boot(NULL, "iommu.strict=0");
	dmatest_tlb("a000000.dma", 65536, &d);
	assert_int_equal(d.tlbival, 0);
	assert_int_equal(d.tlbiva, 0);
	asid = model_tlbi(SMMU_BASE).tlbiasid;
	assert_int_equal(sh("sleep 1", NULL), 0);
	assert_true(model_tlbi(SMMU_BASE).tlbiasid > asid);
	assert_int_equal(model_tlbi(SMMU_BASE).tlbival, 0);
	dmatest_tlb("a000000.dma", 2 << 20, &d);
	assert_int_equal(d.tlbival, 0);
}

#define LINUX_DTS(p) LAB_SRCDIR "/../shared/linux-dts/" p
#define SEATTLE_B0 LINUX_DTS("legacy-mmu-masters/arch/arm64/boot/dts/amd/amd-overdrive-rev-b0.dts")
#define JUNO_R2 LINUX_DTS("linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts")

static void test_legacy_binding_as_module(void **state)
{
	boot(SEATTLE_B0, "lab.module=arm-smmu");
	assert_false(bound("e0600000.smmu"));
	assert_int_equal(kernel_modprobe("arm-smmu", NULL), 0);
	kernel_run_pending();
	/* The SMMUs probe, but Linux has no legacy support in a module. */
	assert_true(bound("e0600000.smmu"));
	assert_true(bound("e0800000.smmu"));
	assert_int_equal(sh("expect dmesg 'arm-smmu: deprecated \"mmu-masters\" DT property in use; SMMU support unavailable'", NULL), 0);
	assert_int_equal(group_of("e0700000.xgmac"), -1);
	assert_int_equal(group_of("e0900000.xgmac"), -1);
	/* No master pins it. */
	assert_int_equal(kernel_rmmod("arm-smmu"), 0);
	assert_false(bound("e0600000.smmu"));
}

static void test_legacy_binding_built_in(void **state)
{
	const char *out;

	boot(SEATTLE_B0, NULL);
	assert_int_equal(sh("expect dmesg 'arm-smmu: deprecated \"mmu-masters\" DT property in use; DMA API support unavailable'", NULL), 0);
	assert_true(group_of("e0700000.xgmac") >= 0);
	assert_true(group_of("e0900000.xgmac") >= 0);
	assert_int_equal(sh("cat /sys/bus/platform/devices/e0700000.xgmac/iommu_group/type", &out), 0);
	assert_string_equal(out, "identity\n");
}

static void test_match_most_specific_compatible(void **state)
{
	boot(JUNO_R2, NULL);
	/*
	 * "arm,mmu-401", "arm,smmu-v1": an MMU-401, whose 64K granule the
	 * driver adds to the AArch32-L page sizes (a generic v1 has none).
	 */
	assert_int_equal(sh("expect dmesg 'arm-smmu 7fb30000.iommu: \tSupported page sizes: 0x60211000'", NULL), 0);
}

/*
 * #global-interrupts = <0x80000000> on the built-in platform: the count
 * used to wrap past a signed compare and the IRQ requests walked past the
 * interrupt array (ASan: heap-buffer-overflow; plain: garbage IRQ numbers,
 * a failed probe, nothing said). Now Linux's error, nothing requested, and
 * the masters visibly without an IOMMU: no group, unisolated DMA.
 */
static void test_global_irqs_out_of_range(void **state)
{
	const char *out;

	boot(PLAT("smmu-global-irqs-huge.dts"), NULL);
	assert_false(bound("9050000.iommu"));
	assert_int_equal(sh("expect dmesg 'arm-smmu 9050000.iommu: error -ENODEV: found 9 interrupts but expected at least -2147483647'", NULL), 0);
	assert_int_equal(sh("expect no-dmesg 'failed to request'", NULL), 0);
	assert_int_equal(sh("expect dmesg 'dma-copy a000000.dma: ignoring dependency for device, assuming no driver'", NULL), 0);
	assert_int_equal(group_of("a000000.dma"), -1);
	assert_true(bound("a000000.dma"));
	/* Still in its reset state: the SMMU was never written. */
	assert_int_equal(gr0(sCR0) & sCR0_CLIENTPD, sCR0_CLIENTPD);
	assert_int_equal(sh("dma a000000.dma write 0x40000000 4096", &out), 0);
	assert_non_null(strstr(out, "[oracle: unisolated]"));
}

#define sACR 0x10
#define sACR_SMTNMB_TLBEN BIT(8)
#define sACR_S2CRB_TLBEN BIT(10)
#define sACR_CACHE_LOCK BIT(26)
#define CB_TTBR0(smmu, n) ((smmu) + ((u64)(16 + (n)) << 12) + 0x20)

/* The MMU-500 implementation's reset runs; the generic SMMUs have none. */
static void test_mmu500_reset(void **state)
{
	boot(NULL, NULL);
	assert_int_equal(gr0(sACR) & (sACR_SMTNMB_TLBEN | sACR_S2CRB_TLBEN | sACR_CACHE_LOCK),
			 sACR_SMTNMB_TLBEN | sACR_S2CRB_TLBEN);
	assert_int_equal(tu_lab_shutdown(), 0);
	boot(PLAT("smmu-cavium.dts"), NULL);
	assert_int_equal(gr0(sACR), 0);
}

/*
 * Cavium ThunderX plugs in through the impl hooks alone: erratum 27704's
 * ASID space is split between its SMMUs (4 banks each here), so the second
 * SMMU's first bank uses ASID 4, and its TLB maintenance follows.
 */
static void test_cavium_asid_base(void **state)
{
	struct tlb_delta d;

	boot(PLAT("smmu-cavium.dts"), NULL);
	assert_int_equal(sh("expect dmesg 'arm-smmu 9050000.iommu: \tenabling workaround for Cavium erratum 27704'", NULL), 0);
	assert_int_equal(sh("expect dmesg 'arm-smmu 9070000.iommu: \tenabling workaround for Cavium erratum 27704'", NULL), 0);
	assert_true(group_of("a000000.dma") >= 0);
	assert_true(group_of("a001000.dma") >= 0);
	assert_int_equal(readq(CB_TTBR0(0x09050000ull, 0)) >> 48, 0);
	assert_int_equal(readq(CB_TTBR0(0x09070000ull, 0)) >> 48, 4);
	assert_int_equal(sh("expect ok dmatest a001000.dma 8192", NULL), 0);
	/* The second SMMU's strict unmaps went to it, with its ASID. */
	dmatest_tlb_at(0x09070000ull, "a001000.dma", 4096, &d);
	assert_int_equal(d.tlbival, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_builtin_groups_and_smes, teardown),
		cmocka_unit_test_teardown(test_disable_bypass, teardown),
		cmocka_unit_test_teardown(test_unbind_keeps_stream_map, teardown),
		cmocka_unit_test_teardown(test_smr_reuse_overlap_exhaustion, teardown),
		cmocka_unit_test_teardown(test_context_bank_exhaustion, teardown),
		cmocka_unit_test_teardown(test_module_defers_masters, teardown),
		cmocka_unit_test_teardown(test_dmatest_strict_per_page_tlbi, teardown),
		cmocka_unit_test_teardown(test_dmatest_lazy_flush_all, teardown),
		cmocka_unit_test_teardown(test_legacy_binding_as_module, teardown),
		cmocka_unit_test_teardown(test_legacy_binding_built_in, teardown),
		cmocka_unit_test_teardown(test_match_most_specific_compatible, teardown),
		cmocka_unit_test_teardown(test_global_irqs_out_of_range, teardown),
		cmocka_unit_test_teardown(test_mmu500_reset, teardown),
		cmocka_unit_test_teardown(test_cavium_asid_base, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
