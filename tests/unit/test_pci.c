/*
 * The PCI core over tests/scenarios/platforms/pci-topology.dts (and
 * variants of it): enumeration (names, sysfs nesting, BARs and bridge
 * windows), IOMMU groups as Linux 6.12 builds them on a device-tree system
 * (and with ACS enabled after the IOMMU, the later upstream fix), iommu-map
 * masks and RIDs no entry covers, matching (ID tables, new_id/remove_id,
 * driver_override), remove/rescan, hot add and surprise removal, config
 * space through sysfs, DMA ownership, reserved regions, fail-the-Nth.
 */
#include <fcntl.h>
#include <libfdt.h>

#include "kernel_test.h"
#include "common/dt.h"
#include "hw/machine.h"
#include "iommulab/fd.h"
#include "kernel/iommu/dma-mapping.h"
#include "kernel/iommu/iommu.h"
#include "kernel/kernel.h"
#include "kernel/pci/pci.h"

#define TOPO LAB_SRCDIR "/tests/scenarios/platforms/pci-topology.dts"
#define DEV(bdf) "/sys/bus/pci/devices/" bdf
#define SMMU_BASE 0x09050000ull
#define SMMU_SMR(n) (SMMU_BASE + 0x800 + 4 * (n))
#define SMR_VALID (1u << 31)

/* ---- platform variants --------------------------------------------------- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[16384];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* pci-topology.dts with @from replaced by @to (which must occur once). */
static char *topo_with(const char *from, const char *to)
{
	char *t = read_text(TOPO), *p = strstr(t, from), *out;

	assert_non_null(p);
	out = malloc(strlen(t) + strlen(to) + 1);
	memcpy(out, t, (size_t)(p - t));
	strcpy(out + (p - t), to);
	strcat(out, p + strlen(from));
	free(t);
	return out;
}

/* 16 context banks: one group per port and endpoint fits. */
#define MORE_CBS "#global-interrupts = <1>;\n\t\tiommulab,num-cb = <16>;"
#define CB_IRQS "<0 48 4>;"
#define MORE_CB_IRQS "<0 48 4>, <0 49 4>, <0 50 4>, <0 51 4>, <0 52 4>, <0 53 4>, " \
	"<0 54 4>, <0 55 4>, <0 56 4>;"

static void boot_text(char *text, const char *cmdline)
{
	assert_int_equal(kt_boot_dts_text(text, cmdline), 0);
	free(text);
}

static char *topo_16cb(void)
{
	char *a = topo_with("#global-interrupts = <1>;", MORE_CBS);
	char *p = strstr(a, CB_IRQS), *out = malloc(strlen(a) + sizeof(MORE_CB_IRQS));

	assert_non_null(p);
	memcpy(out, a, (size_t)(p - a));
	strcpy(out + (p - a), MORE_CB_IRQS);
	strcat(out, p + strlen(CB_IRQS));
	free(a);
	return out;
}

static void boot_topo(const char *cmdline)
{
	assert_int_equal(kt_boot_file(TOPO, cmdline), 0);
}

/* The group number of a device, -1 without one. */
static int group_of(const char *bdf)
{
	char path[128];
	const char *l;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	l = kt_readlink(path);
	return l ? atoi(strrchr(l, '/') + 1) : -1;
}

static u32 cfg32(const char *bdf, unsigned off)
{
	char path[128], buf[4097];
	u32 v;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	assert_true(sysfs_read(path, buf, sizeof(buf)) > (ssize_t)(off + 3));
	memcpy(&v, buf + off, 4);
	return v;
}

/* ---- enumeration ----------------------------------------------------------- */

static void enumeration_names_and_tree(void **state)
{
	static const char *const bdfs[] = {
		"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:01:00.0", "0000:02:00.0",
		"0000:02:01.0", "0000:03:00.0", "0000:04:00.0", "0000:04:00.1", "0000:05:00.0",
		"0000:06:03.0",
	};
	char path[256];

	boot_topo(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(bdfs); i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdfs[i]);
		assert_true(kt_exists(path));
	}
	assert_int_equal(sysfs_realpath(DEV("0000:04:00.1"), path, sizeof(path)), 0);
	assert_string_equal(path, "/sys/devices/platform/30000000.pcie/pci0000:00/0000:00:00.0/"
			    "0000:01:00.0/0000:02:01.0/0000:04:00.1");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/vendor"), "0x1de5\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/device"), "0x0010\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/subsystem_vendor"), "0x1de5\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/class"), "0x088000\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/revision"), "0x01\n");
	assert_string_equal(kt_cat(DEV("0000:00:00.0") "/class"), "0x060400\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/modalias"),
			    "pci:v00001DE5d00000010sv00001DE5sd00000010bc08sc80i00\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/numa_node"), "-1\n");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/driver_override"), "(null)\n");
	/* dma-copy's PCI face (built in) matched the engine and enabled it. */
	assert_string_equal(kt_readlink(DEV("0000:03:00.0") "/driver"),
			    "../../../../../../../../bus/pci/drivers/dma-copy");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "1\n");
	/* Alone on its bus: a secondary bus reset of the port above works too. */
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/reset_method"), "flr pm bus\n");
	/* Function 1 is not on the bus yet when function 0's methods are probed (pci_device_add). */
	assert_string_equal(kt_cat(DEV("0000:04:00.0") "/reset_method"), "flr pm bus\n");
	assert_string_equal(kt_cat(DEV("0000:04:00.1") "/reset_method"), "flr pm\n");
	assert_string_equal(kt_cat(DEV("0000:00:01.0") "/secondary_bus_number"), "5\n");
	assert_string_equal(kt_cat(DEV("0000:00:01.0") "/subordinate_bus_number"), "6\n");
	assert_true(kt_exists(DEV("0000:03:00.0") "/resource0"));
	assert_false(kt_exists(DEV("0000:03:00.0") "/resource1"));
	assert_true(kt_exists(DEV("0000:03:00.0") "/resource2"));
	/* The DT child node is the function's of_node (pci_set_of_node). */
	assert_true(kt_exists(DEV("0000:06:03.0") "/of_node"));
	assert_true(kt_exists("/sys/bus/pci/rescan"));
	assert_true(kt_exists("/sys/bus/pci/slots"));
	assert_true(kt_exists("/sys/bus/pci/drivers_probe"));
	assert_string_equal(kt_cat("/sys/bus/pci/drivers_autoprobe"), "1\n");
	/* Bus numbers as a depth-first reassignment gives them. */
	assert_int_equal(cfg32("0000:00:00.0", 0x18) & 0xffffff, 0x040100);
	assert_int_equal(cfg32("0000:02:01.0", 0x18) & 0xffffff, 0x040402);
	kt_shutdown();
}

/* Every BAR inside the host window and each bridge window above it. */
static void enumeration_bars_in_windows(void **state)
{
	static const struct { const char *bdf, *bridges[3]; } eps[] = {
		{ "0000:03:00.0", { "0000:02:00.0", "0000:01:00.0", "0000:00:00.0" } },
		{ "0000:04:00.1", { "0000:02:01.0", "0000:01:00.0", "0000:00:00.0" } },
		{ "0000:06:03.0", { "0000:05:00.0", "0000:00:01.0", NULL } },
	};

	boot_topo(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(eps); i++) {
		char path[128];
		unsigned long long s, e, f;
		const char *res;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", eps[i].bdf);
		res = kt_cat(path);
		assert_non_null(res);
		assert_int_equal(sscanf(res, "%llx %llx %llx", &s, &e, &f), 3);
		assert_int_equal(e - s + 1, 0x1000);
		assert_int_equal(f, 0x40200);	/* MEM | SIZEALIGN, 32-bit */
		assert_true(s >= 0x10000000 && e <= 0x1fffffff);
		assert_int_equal(cfg32(eps[i].bdf, 0x10), (u32)s);
		for (int b = 0; b < 3 && eps[i].bridges[b]; b++) {
			u32 mw = cfg32(eps[i].bridges[b], 0x20);
			u64 base = (u64)(mw & 0xfff0) << 16, limit = ((u64)(mw >> 16 & 0xfff0) << 16) | 0xfffff;

			assert_true(s >= base && e <= limit);
		}
	}
	/* The empty port's windows are closed. */
	assert_int_equal(cfg32("0000:00:02.0", 0x20), 0x0000fff0);
	/* Bridges print their windows too (17 lines). */
	const char *r = kt_cat(DEV("0000:00:00.0") "/resource");
	int lines = 0;
	for (const char *p = r; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 17);
	r = kt_cat(DEV("0000:03:00.0") "/resource");
	lines = 0;
	for (const char *p = r; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 13);
	kt_shutdown();
}

/* INTx: swizzled up to the root bus, then interrupt-map. */
static void enumeration_intx(void **state)
{
	boot_topo(NULL);
	/* 03:00.0 INTA -> below 00:00.0 (device 0 at each hop): root slot 0, INTA: SPI 3. */
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/irq"), "35\n");
	/* 06:03.0 INTA: device 3 -> INTD at 05:00.0, device 0 -> INTD below 00:01.0: SPI 3. */
	assert_string_equal(kt_cat(DEV("0000:06:03.0") "/irq"), "35\n");
	assert_string_equal(kt_cat(DEV("0000:00:00.0") "/irq"), "0\n");
	kt_shutdown();
}

/* ---- groups ------------------------------------------------------------------ */

/*
 * The lab's default ordering (docs/kernel.md "ACS ordering": groups at
 * device_add, as later kernels form them; 6.12 itself forms them at a
 * driver's probe, after the whole scan, and enables no boot-time ACS):
 * pci_request_acs() only comes with the first of_iommu_configure, after
 * the first root port was enumerated (no ACS enabled there). So
 * everything below 00:00.0 shares its group; 00:01.0 has no ACS at all;
 * 00:02.0, enumerated after the request, is isolated.
 */
static void groups_linux_612(void **state)
{
	boot_topo(NULL);
	int g0 = group_of("0000:00:00.0"), g1 = group_of("0000:00:01.0");

	assert_true(g0 >= 0 && g1 >= 0 && g0 != g1);
	assert_int_equal(cfg32("0000:00:00.0", 0x100 + 4) >> 16, 0);	/* ACS control 0 */
	for (const char *const *b = (const char *const[]){ "0000:01:00.0", "0000:02:00.0",
		"0000:02:01.0", "0000:03:00.0", "0000:04:00.0", "0000:04:00.1", NULL }; *b; b++)
		assert_int_equal(group_of(*b), g0);
	assert_int_equal(group_of("0000:05:00.0"), g1);
	assert_int_equal(group_of("0000:06:03.0"), g1);
	assert_true(group_of("0000:00:02.0") != g0 && group_of("0000:00:02.0") != g1);
	/* 00:02.0 got SV|RR|CR|UF enabled at enumeration. */
	assert_int_equal(cfg32("0000:00:02.0", 0x100 + 4) >> 16, 0x1d);
	kt_shutdown();
}

/* With ACS enabled after the IOMMU (lab.pci_acs_after_iommu=1): Linux's later fix. */
static void groups_acs_after_iommu(void **state)
{
	boot_text(topo_16cb(), "lab.pci_acs_after_iommu=1");
	int g03 = group_of("0000:03:00.0"), g04 = group_of("0000:04:00.0");

	assert_int_equal(cfg32("0000:00:00.0", 0x100 + 4) >> 16, 0x1d);
	/* Root port ACS and switch ACS: each endpoint on its own. */
	assert_true(g03 >= 0 && g04 >= 0 && g03 != g04);
	assert_true(group_of("0000:00:00.0") != g03);
	assert_true(group_of("0000:02:00.0") != g03);
	/* A multifunction device without ACS: one group. */
	assert_int_equal(group_of("0000:04:00.1"), g04);
	/* Behind the PCIe-to-PCI bridge: the conventional device joins the bridge's alias group. */
	assert_int_equal(group_of("0000:06:03.0"), group_of("0000:05:00.0"));
	/* ... which, below a root port without ACS, is that port's. */
	assert_int_equal(group_of("0000:05:00.0"), group_of("0000:00:01.0"));
	kt_shutdown();
}

/* Juno-like iommu-map-mask = <0>: every RID is stream 0: one group (shared SMEs). */
static void groups_iommu_map_mask_zero(void **state)
{
	char *t = topo_with("msi-map = <", "iommu-map-mask = <0x0>;\n\t\tmsi-map = <");

	boot_text(t, "lab.pci_acs_after_iommu=1");
	int g = group_of("0000:00:00.0");

	assert_true(g >= 0);
	for (const char *const *b = (const char *const[]){ "0000:00:01.0", "0000:00:02.0",
		"0000:01:00.0", "0000:03:00.0", "0000:04:00.1", "0000:06:03.0", NULL }; *b; b++)
		assert_int_equal(group_of(*b), g);
	kt_shutdown();
}

/* An RID iommu-map does not cover: no IOMMU for that function (no group). */
static void rid_not_covered_has_no_iommu(void **state)
{
	/* Buses 0-2 only. */
	boot_text(topo_with("iommu-map = <0x0 &smmu 0x0 0x10000>;",
			    "iommu-map = <0x0 &smmu 0x0 0x300>;"), NULL);
	assert_true(group_of("0000:02:00.0") >= 0);
	assert_int_equal(group_of("0000:03:00.0"), -1);
	assert_int_equal(group_of("0000:06:03.0"), -1);
	assert_true(kt_dmesg_has("no iommu-map translation for id 0x300"));
	kt_shutdown();
}

/* ---- a test driver ----------------------------------------------------------- */

static int probes, removes;

static int ptest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pci_enable_device(pdev);

	if (ret)
		return ret;
	pci_set_master(pdev);
	probes++;
	return 0;
}

static void ptest_remove(struct pci_dev *pdev)
{
	pci_clear_master(pdev);
	pci_disable_device(pdev);
	removes++;
}

static const struct pci_device_id ptest_ids[] = {
	{ PCI_DEVICE(0x1234, 0x5678), .driver_data = 0 },
	{ PCI_DEVICE(0x1234, 0x5679), .driver_data = 7 },
	{ 0 }
};

static struct pci_driver ptest_driver = {
	.name = "pci-test",
	.id_table = ptest_ids,
	.probe = ptest_probe,
	.remove = ptest_remove,
};

/* vfio-pci-like: override only, driver-managed DMA. */
static const struct pci_device_id povr_ids[] = {
	{ PCI_DRIVER_OVERRIDE_DEVICE_VFIO(PCI_ANY_ID, PCI_ANY_ID) },
	{ 0 }
};

static struct pci_driver povr_driver = {
	.name = "pci-ovr",
	.id_table = povr_ids,
	.probe = ptest_probe,
	.remove = ptest_remove,
	.driver = { .driver_managed_dma = true },
};

/* No table at all: binds only by driver_override. */
static struct pci_driver pnone_driver = {
	.name = "pci-none",
	.probe = ptest_probe,
	.remove = ptest_remove,
};

/*
 * The test drivers match the engines by new_id and driver_override on
 * functions no driver holds: dma-copy is a module here (=m, not loaded),
 * as on a Linux system that has not loaded it.
 */
#define NO_DMA_COPY "lab.module=dma-copy"

static void boot_with_drivers(const char *cmdline)
{
	char line[256];

	snprintf(line, sizeof(line), NO_DMA_COPY " %s", cmdline ? cmdline : "");
	boot_text(topo_16cb(), line);
	probes = removes = 0;
	assert_int_equal(pci_register_driver(&ptest_driver), 0);
	assert_int_equal(pci_register_driver(&povr_driver), 0);
	assert_int_equal(pci_register_driver(&pnone_driver), 0);
	kernel_run_pending();
}

static void shutdown_with_drivers(void)
{
	pci_unregister_driver(&pnone_driver);
	pci_unregister_driver(&povr_driver);
	pci_unregister_driver(&ptest_driver);
	kt_shutdown();
}

#define NEW_ID "/sys/bus/pci/drivers/pci-test/new_id"
#define REMOVE_ID "/sys/bus/pci/drivers/pci-test/remove_id"

static void new_id_remove_id(void **state)
{
	boot_with_drivers(NULL);
	assert_int_equal(probes, 0);
	assert_int_equal(kt_echo(NEW_ID, "1de5"), -EINVAL);
	assert_int_equal(kt_echo(NEW_ID, "zz 10"), -EINVAL);
	/* driver_data 5: no static entry carries it. */
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010 ffffffff ffffffff 0 0 5"), -EINVAL);
	assert_int_equal(probes, 0);
	/* Binds every unbound matching function at once. */
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010\n"), 10);
	kernel_run_pending();
	assert_int_equal(probes, 4);
	assert_string_equal(kt_readlink(DEV("0000:03:00.0") "/driver"),
			    "../../../../../../../../bus/pci/drivers/pci-test");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "1\n");
	/* The driver already takes these IDs (dynid or table). */
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010"), -EEXIST);
	assert_int_equal(kt_echo(NEW_ID, "1234 5678"), -EEXIST);
	/* Seven fields: no duplicate check, driver_data 7 exists in the table. */
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010 ffffffff ffffffff 0 0 7"), 33);
	assert_int_equal(kt_echo(REMOVE_ID, "1de5"), -EINVAL);
	assert_int_equal(kt_echo(REMOVE_ID, "1de5 0010"), 9);
	assert_int_equal(kt_echo(REMOVE_ID, "1de5 0010"), 9);	/* the second dynid */
	assert_int_equal(kt_echo(REMOVE_ID, "1de5 0010"), -ENODEV);
	assert_int_equal(kt_echo(REMOVE_ID, "1234 5678"), -ENODEV);	/* static: untouched */
	/* Bound devices stay bound. */
	assert_true(kt_exists(DEV("0000:03:00.0") "/driver"));
	/* enable refuses a bound device. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/enable", "0"), -EBUSY);
	assert_int_equal(removes, 0);
	shutdown_with_drivers();
}

static void driver_override_rules(void **state)
{
	boot_with_drivers(NULL);
	/* Override beats the table: a device no table matches binds to the named driver. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "pci-none"), 8);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	assert_string_equal(kt_readlink(DEV("0000:03:00.0") "/driver"),
			    "../../../../../../../../bus/pci/drivers/pci-none");
	/* The override-only catch-all needs the override. */
	assert_false(kt_exists(DEV("0000:04:00.0") "/driver"));
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-ovr/bind", "0000:04:00.0"), -ENODEV);
	assert_int_equal(kt_echo(DEV("0000:04:00.0") "/driver_override", "pci-ovr"), 7);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-ovr/bind", "0000:04:00.0"), 12);
	assert_true(kt_exists(DEV("0000:04:00.0") "/driver"));
	/* An override naming another driver: a dynid match does not bind. */
	assert_int_equal(kt_echo(DEV("0000:04:00.1") "/driver_override", "pci-none"), 8);
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010"), 9);
	kernel_run_pending();
	assert_false(kt_exists(DEV("0000:04:00.1") "/driver"));
	/* Writing an override does not rebind; a probe request does. */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:04:00.1"), 12);
	assert_string_equal(kt_readlink(DEV("0000:04:00.1") "/driver"),
			    "../../../../../../../../bus/pci/drivers/pci-none");
	assert_string_equal(kt_readlink(DEV("0000:06:03.0") "/driver"),
			    "../../../../../../../bus/pci/drivers/pci-test");
	shutdown_with_drivers();
}

/*
 * vfio-pci's way onto a function a table driver holds: the override alone
 * changes nothing, unbind then a probe request binds the named driver, and
 * clearing the override gives the function back to the table driver.
 */
static void driver_override_takes_over_from_table_driver(void **state)
{
	const char *drv = DEV("0000:03:00.0") "/driver";

	boot_topo(NULL);
	probes = removes = 0;
	assert_int_equal(pci_register_driver(&pnone_driver), 0);
	assert_string_equal(kt_readlink(drv), "../../../../../../../../bus/pci/drivers/dma-copy");
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "pci-none"), 8);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	assert_string_equal(kt_readlink(drv), "../../../../../../../../bus/pci/drivers/dma-copy");
	/* The override bars dma-copy's table: bind refuses, unbind and probe take pci-none. */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/dma-copy/unbind", "0000:03:00.0"), 12);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/dma-copy/bind", "0000:03:00.0"), -ENODEV);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	assert_string_equal(kt_readlink(drv), "../../../../../../../../bus/pci/drivers/pci-none");
	assert_int_equal(probes, 1);
	/* Back: unbind, clear the override, probe. */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-none/unbind", "0000:03:00.0"), 12);
	assert_int_equal(removes, 1);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "\n"), 1);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/driver_override"), "(null)\n");
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	assert_string_equal(kt_readlink(drv), "../../../../../../../../bus/pci/drivers/dma-copy");
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "1\n");
	pci_unregister_driver(&pnone_driver);
	kt_shutdown();
}

/* ---- DMA ownership ---------------------------------------------------------- */

static void ownership_kernel_driver_blocks_user(void **state)
{
	struct iommu_group *g;
	int owner;

	boot_with_drivers("lab.pci_acs_after_iommu=1");
	/* 02:00.0's group is the port alone; 03:00.0 has its own (16 CBs not needed: 8 groups). */
	g = iommu_group_get_by_id(group_of("0000:03:00.0"));
	assert_non_null(g);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "pci-none"), 8);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	assert_int_equal(iommu_group_owner_cnt(g), 1);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), -EPERM);
	/* Unbound: the user may claim it; a kernel driver then cannot bind. */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-none/unbind", "0000:03:00.0"), 12);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-none/bind", "0000:03:00.0"), -EBUSY);
	iommu_group_release_dma_owner(g);
	/* A driver-managed-DMA driver (vfio-pci-like) is no kernel DMA user. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "pci-ovr"), 7);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/pci-ovr/bind", "0000:03:00.0"), 12);
	assert_int_equal(iommu_group_owner_cnt(g), 0);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	iommu_group_release_dma_owner(g);
	iommu_group_put(g);
	shutdown_with_drivers();
}

/* ---- remove, rescan, hotplug -------------------------------------------------- */

static int valid_smrs_for(u16 sid)
{
	int n = 0;

	for (int i = 0; i < 48; i++) {
		u32 smr = readl(SMMU_SMR(i));

		n += (smr & SMR_VALID) && (smr & 0xffff) == sid;
	}
	return n;
}

static void remove_and_rescan(void **state)
{
	boot_with_drivers("lab.pci_acs_after_iommu=1");
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010"), 9);
	kernel_run_pending();
	assert_int_equal(probes, 4);
	int g4 = group_of("0000:04:00.0");
	char gpath[64];

	snprintf(gpath, sizeof(gpath), "/sys/kernel/iommu_groups/%d", g4);
	assert_true(kt_exists(gpath));
	assert_int_equal(valid_smrs_for(0x400), 1);
	/* A bridge takes its subtree: drivers' remove runs, the group goes, SMEs are freed. */
	assert_int_equal(kt_echo(DEV("0000:02:01.0") "/remove", "1"), 1);
	assert_int_equal(removes, 2);
	assert_false(kt_exists(DEV("0000:02:01.0")));
	assert_false(kt_exists(DEV("0000:04:00.1")));
	assert_false(kt_exists(gpath));
	assert_int_equal(valid_smrs_for(0x400), 0);
	assert_int_equal(valid_smrs_for(0x401), 0);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/remove", "0"), 1);	/* no-op */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/remove", "x"), -EINVAL);
	assert_true(kt_exists(DEV("0000:03:00.0")));
	/* Rescan finds them again; the dynid binds them. */
	assert_int_equal(kt_echo("/sys/bus/pci/rescan", "1"), 1);
	kernel_run_pending();
	assert_true(kt_exists(DEV("0000:04:00.1")));
	assert_int_equal(probes, 6);
	assert_true(group_of("0000:04:00.1") >= 0);
	/* Device-level rescan of a bus with nothing new changes nothing. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/rescan", "1"), 1);
	assert_int_equal(probes, 6);
	shutdown_with_drivers();
}

static void hot_add_and_surprise_remove(void **state)
{
	char why[128], blob[512];
	int node;

	boot_with_drivers("lab.pci_acs_after_iommu=1");
	assert_int_equal(kt_echo(NEW_ID, "1de5 0010"), 9);
	kernel_run_pending();
	probes = removes = 0;
	/* A card in 00:02.0's slot (bus 07). */
	assert_int_equal(fdt_create_empty_tree(blob, sizeof(blob)), 0);
	node = fdt_add_subnode(blob, 0, "dma");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(blob, node, "compatible", "iommulab,pci-dma-copy"), 0);
	assert_int_equal(hw_pci_hot_add(kernel_machine(), 0, 7, 0, blob, node, why, sizeof(why)), 0);
	assert_int_equal(pciehp_configure_device(0, 7), 0);
	kernel_run_pending();
	assert_true(kt_exists(DEV("0000:07:00.0")));
	assert_int_equal(probes, 1);
	int g = group_of("0000:07:00.0");
	char gpath[64];

	snprintf(gpath, sizeof(gpath), "/sys/kernel/iommu_groups/%d", g);
	assert_true(g >= 0 && g != group_of("0000:00:02.0"));
	assert_int_equal(valid_smrs_for(0x700), 1);
	/* Its BAR sits in the port's newly opened window. */
	u32 mw = cfg32("0000:00:02.0", 0x20), bar = cfg32("0000:07:00.0", 0x10);
	assert_true(bar >= (mw & 0xfff0) << 16 && bar <= ((mw >> 16 & 0xfff0) << 16 | 0xfffff));
	/* Gone: config reads all ones, remove runs, the group and its SME go. */
	assert_int_equal(hw_pci_surprise_remove(kernel_machine(), 0, 0x700), 0);
	assert_int_equal(pciehp_unconfigure_device(0, 0x700), 0);
	assert_int_equal(removes, 1);
	assert_false(kt_exists(DEV("0000:07:00.0")));
	assert_false(kt_exists(gpath));
	assert_int_equal(valid_smrs_for(0x700), 0);
	assert_int_equal(pciehp_unconfigure_device(0, 0x700), -ENODEV);
	shutdown_with_drivers();
}

/* A driver's remove sees a disconnected device's config as all ones. */
static u32 seen_at_remove;

static void pdisc_remove(struct pci_dev *pdev)
{
	pci_read_config_dword(pdev, PCI_VENDOR_ID, &seen_at_remove);
	removes++;
}

static struct pci_driver pdisc_driver = {
	.name = "pci-disc",
	.id_table = (const struct pci_device_id[]){ { PCI_DEVICE(0x1de5, 0x0010) }, { 0 } },
	.probe = ptest_probe,
	.remove = pdisc_remove,
};

static void surprise_remove_reads_all_ones(void **state)
{
	boot_topo(NO_DMA_COPY);
	removes = 0;
	assert_int_equal(pci_register_driver(&pdisc_driver), 0);
	kernel_run_pending();
	assert_int_equal(hw_pci_surprise_remove(kernel_machine(), 0, 0x300), 0);
	assert_int_equal(pciehp_unconfigure_device(0, 0x300), 0);
	assert_int_equal(removes, 1);
	assert_int_equal(seen_at_remove, 0xffffffff);
	pci_unregister_driver(&pdisc_driver);
	kt_shutdown();
}

/* ---- config, reset ------------------------------------------------------------ */

static void config_read_write(void **state)
{
	char buf[4097];
	u16 cmd = 0x0146;	/* Memory, Bus Master, Parity Error Response */

	boot_topo(NULL);
	/* Unbinding dma-copy disables the function (its managed enable is undone). */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/dma-copy/unbind", "0000:03:00.0"), 12);
	assert_false(kt_exists(DEV("0000:03:00.0") "/driver"));
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "0\n");
	assert_int_equal(sysfs_read(DEV("0000:03:00.0") "/config", buf, sizeof(buf)), 4096);
	assert_int_equal(sysfs_pwrite(DEV("0000:03:00.0") "/config", (char *)&cmd, 2, 4), 2);
	assert_int_equal(cfg32("0000:03:00.0", 4) & 0xffff, 0x0146);
	/* Past the end: nothing; across it: clamped. */
	assert_int_equal(sysfs_pwrite(DEV("0000:06:03.0") "/config", (char *)&cmd, 2, 4096), 0);
	assert_int_equal(sysfs_pwrite(DEV("0000:06:03.0") "/config", buf, 4, 4094), 2);
	/* A program's pwrite(2)/pread(2) at an offset (setpci, lspci through the fd layer). */
	int fd = lab_open(DEV("0000:04:00.0") "/config", O_RDWR, 0);
	u16 back = 0;

	assert_true(fd >= 0);
	assert_int_equal(lab_pwrite(fd, &cmd, 2, 4), 2);
	assert_int_equal(lab_pread(fd, &back, 2, 4), 2);
	assert_int_equal(back, 0x0146);
	assert_int_equal(lab_close(fd), 0);
	/* reset: only "1"; the function comes back with its saved header. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/reset", "2"), -EINVAL);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/reset", "1"), 1);
	assert_int_equal(cfg32("0000:03:00.0", 4) & 0xffff, 0x0146);
	assert_int_equal(kt_echo(DEV("0000:04:00.1") "/reset_method", "bus"), -EINVAL);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/reset_method", "pm"), 2);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/reset_method"), "pm\n");
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/reset_method", "default"), 7);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/reset_method"), "flr pm bus\n");
	/* enable: a count, 0 when disabled already is -EIO. */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/enable", "0"), -EIO);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/enable", "1"), 1);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "1\n");
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/enable", "0"), 1);
	kt_shutdown();
}

/* ---- reserved regions ------------------------------------------------------------ */

static void reserved_regions_windows_option(void **state)
{
	char path[64];
	char *t = topo_with("linux,pci-domain = <0>;",
			    "linux,pci-domain = <0>;\n\t\tiommulab,intercept-p2p;");
	char *t2 = strdup(t);

	boot_text(t, NULL);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/reserved_regions",
		 group_of("0000:03:00.0"));
	/* Linux: the windows are only kept out of the kernel's own IOVA allocator. */
	assert_string_equal(kt_cat(path), "0x0000000008000000 0x00000000080fffff msi\n");
	kt_shutdown();

	boot_text(t2, "lab.pci_resv_windows=1");
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/reserved_regions",
		 group_of("0000:03:00.0"));
	assert_string_equal(kt_cat(path),
			    "0x0000000008000000 0x00000000080fffff msi\n"
			    "0x0000000010000000 0x000000001fffffff reserved\n"
			    "0x0000008000000000 0x00000080ffffffff reserved\n");
	kt_shutdown();
}

/* iova_reserve_pci_windows: the DMA API never hands out an IOVA inside a host window. */
static void dma_api_avoids_host_windows(void **state)
{
	struct device *dev;
	dma_addr_t handle;
	u64 phys;

	boot_with_drivers(NULL);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/driver_override", "pci-none"), 8);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers_probe", "0000:03:00.0"), 12);
	dev = bus_find_device_by_name(&pci_bus_type, "0000:03:00.0");
	assert_non_null(dev);
	/* 29 bits: the allocator starts just below 0x20000000, the top of the window. */
	assert_int_equal(dma_set_mask_and_coherent(dev, DMA_BIT_MASK(29)), 0);
	phys = dma_alloc_coherent(dev, 4096, &handle);
	assert_true(phys != 0);
	assert_true(handle < 0x10000000);
	dma_free_coherent(dev, 4096, phys, handle);
	shutdown_with_drivers();
}

/* ---- fail-the-Nth ------------------------------------------------------------------ */

static int failnth_workload(void *arg)
{
	(void)arg;
	if (!kt_exists(DEV("0000:06:03.0")))
		return 0;
	kt_echo(DEV("0000:02:01.0") "/remove", "1");
	kt_echo("/sys/bus/pci/rescan", "1");
	return 1;
}

static void pci_boot_fail_nth(void **state)
{
	void *blob;
	size_t size;
	unsigned long runs;
	char why[256];

	assert_int_equal(dt_load_file(TOPO, &blob, &size, why, sizeof(why)), 0);
	assert_int_equal(kt_fail_nth_boots(blob, size, NULL, failnth_workload, NULL, &runs), 1);
	assert_true(runs > 100);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enumeration_names_and_tree),
		cmocka_unit_test(enumeration_bars_in_windows),
		cmocka_unit_test(enumeration_intx),
		cmocka_unit_test(groups_linux_612),
		cmocka_unit_test(groups_acs_after_iommu),
		cmocka_unit_test(groups_iommu_map_mask_zero),
		cmocka_unit_test(rid_not_covered_has_no_iommu),
		cmocka_unit_test(new_id_remove_id),
		cmocka_unit_test(driver_override_rules),
		cmocka_unit_test(driver_override_takes_over_from_table_driver),
		cmocka_unit_test(ownership_kernel_driver_blocks_user),
		cmocka_unit_test(remove_and_rescan),
		cmocka_unit_test(hot_add_and_surprise_remove),
		cmocka_unit_test(surprise_remove_reads_all_ones),
		cmocka_unit_test(config_read_write),
		cmocka_unit_test(reserved_regions_windows_option),
		cmocka_unit_test(dma_api_avoids_host_windows),
		cmocka_unit_test(pci_boot_fail_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
