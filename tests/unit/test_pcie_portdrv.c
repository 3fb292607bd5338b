/*
 * The "pcieport" driver (Linux: drivers/pci/pcie/portdrv.c) on the
 * built-in platform: it binds the root ports and the switch's ports, not
 * the PCIe-to-PCI bridge; it enables a port without taking a vector or
 * bus mastering of its own (the lab models no port service); and it
 * manages no DMA, so it changes neither the groups nor their ownership.
 */
#include <errno.h>

#include "kernel_test.h"
#include "kernel/iommu/iommu.h"
#include "kernel/pci/pci.h"

#define DEV(bdf) "/sys/bus/pci/devices/" bdf
#define PORTDRV "/sys/bus/pci/drivers/pcieport"

static const char *const ports[] = {
	"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:02:00.0", "0000:03:00.0",
};
static const char *const all[] = {
	"0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:01:00.0", "0000:02:00.0",
	"0000:03:00.0", "0000:04:00.0", "0000:04:00.1", "0000:05:00.0", "0000:06:01.0",
};
#define N_ALL (sizeof(all) / sizeof(all[0]))

static const char *driver_of(const char *bdf)
{
	char path[128];
	const char *l;

	snprintf(path, sizeof(path), DEV("%s") "/driver", bdf);
	l = kt_readlink(path);
	return l ? strrchr(l, '/') + 1 : "(none)";
}

static int group_of(const char *bdf)
{
	char path[128];
	const char *l;

	snprintf(path, sizeof(path), DEV("%s") "/iommu_group", bdf);
	l = kt_readlink(path);
	return l ? atoi(strrchr(l, '/') + 1) : -1;
}

static u16 command_of(const char *bdf)
{
	char path[128];
	unsigned char cfg[8192];

	snprintf(path, sizeof(path), DEV("%s") "/config", bdf);
	assert_true(sysfs_read(path, (char *)cfg, sizeof(cfg)) >= 64);
	return (u16)(cfg[4] | cfg[5] << 8);
}

static void binds_ports_not_the_pci_bridge(void **state)
{
	(void)state;
	kt_boot(NULL);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		assert_string_equal(driver_of(ports[i]), "pcieport");
	/* PCIe-to-PCI bridge: probe says -ENODEV, as portdrv's type check */
	assert_string_equal(driver_of("0000:05:00.0"), "(none)");
	assert_int_equal(kt_echo(PORTDRV "/bind", "0000:05:00.0"), -ENODEV);
	assert_string_equal(driver_of("0000:01:00.0"), "nvme");
	assert_string_equal(driver_of("0000:04:00.0"), "dma-copy");
	/* the driver's directory as Linux has it; built in: no module link */
	assert_true(kt_exists(PORTDRV "/bind"));
	assert_true(kt_exists(PORTDRV "/unbind"));
	assert_true(kt_exists(PORTDRV "/new_id"));
	assert_true(kt_exists(PORTDRV "/remove_id"));
	assert_false(kt_exists(PORTDRV "/module"));
	assert_string_equal(kt_readlink(PORTDRV "/0000:03:00.0"),
			    "../../../../devices/platform/30000000.pcie/pci0000:00/0000:00:01.0/"
			    "0000:02:00.0/0000:03:00.0");
	/* endpoints still do not match it */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", "0000:01:00.0"), 12);
	assert_int_equal(kt_echo(PORTDRV "/bind", "0000:01:00.0"), -ENODEV);
	kt_shutdown();
}

/* No vector: msi_irqs/ never appears on a port; enabled, and rebinding keeps it so. */
static void port_has_no_vector(void **state)
{
	(void)state;
	kt_boot(NULL);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		char path[128];

		snprintf(path, sizeof(path), DEV("%s") "/msi_irqs", ports[i]);
		assert_false(kt_exists(path));
		snprintf(path, sizeof(path), DEV("%s") "/enable", ports[i]);
		assert_string_not_equal(kt_cat(path), "0\n");
	}
	assert_int_equal(kt_echo(PORTDRV "/unbind", "0000:00:02.0"), 12);
	assert_string_equal(driver_of("0000:00:02.0"), "(none)");
	assert_int_equal(kt_echo(PORTDRV "/bind", "0000:00:02.0"), 12);
	assert_string_equal(driver_of("0000:00:02.0"), "pcieport");
	kt_shutdown();
}

/*
 * Groups are what they were without a port driver, before and after
 * unbinding it; a group shared by a port and an endpoint counts only the
 * endpoint's driver as a kernel DMA user, and once that one unbinds a
 * user may claim the group though pcieport still holds the port.
 */
static void groups_and_ownership_unchanged(void **state)
{
	int before[N_ALL], owner;
	struct iommu_group *g;

	(void)state;
	kt_boot(NULL);
	for (size_t i = 0; i < N_ALL; i++) {
		before[i] = group_of(all[i]);
		assert_true(before[i] >= 0);
	}
	/* the first root port shares the NVMe's group (ACS ordering, docs/kernel.md) */
	assert_int_equal(before[0], before[3]);
	g = iommu_group_get_by_id(before[0]);
	assert_non_null(g);
	assert_int_equal(iommu_group_owner_cnt(g), 1);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), -EPERM);
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/unbind", "0000:01:00.0"), 12);
	assert_string_equal(driver_of("0000:00:00.0"), "pcieport");
	assert_int_equal(iommu_group_owner_cnt(g), 0);
	assert_int_equal(iommu_group_claim_dma_owner(g, &owner), 0);
	/* a user owns it: pcieport may still bind its port (driver-managed DMA) */
	assert_int_equal(kt_echo(PORTDRV "/unbind", "0000:00:00.0"), 12);
	assert_int_equal(kt_echo(PORTDRV "/bind", "0000:00:00.0"), 12);
	/* but the NVMe driver may not */
	assert_int_equal(kt_echo("/sys/bus/pci/drivers/nvme/bind", "0000:01:00.0"), -EBUSY);
	iommu_group_release_dma_owner(g);
	iommu_group_put(g);
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		assert_int_equal(kt_echo(PORTDRV "/unbind", ports[i]), 12);
	for (size_t i = 0; i < N_ALL; i++)
		assert_int_equal(group_of(all[i]), before[i]);
	kt_shutdown();
}

/*
 * The port's bus mastering is the endpoints' doing (pci_enable_bridge),
 * not the port driver's; pcieport's unbind disables the port as Linux's
 * does, which clears Bus Master Enable only when no one else holds the
 * port enabled.
 */
static void unbind_disables_only_its_own_enable(void **state)
{
	(void)state;
	kt_boot(NULL);
	/* 03:00.0 forwards 04:00.x's DMA: Bus Master set by their enable */
	assert_true(command_of("0000:03:00.0") & PCI_COMMAND_MASTER);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "2\n");
	assert_int_equal(kt_echo(PORTDRV "/unbind", "0000:03:00.0"), 12);
	assert_string_equal(kt_cat(DEV("0000:03:00.0") "/enable"), "1\n");
	assert_true(command_of("0000:03:00.0") & PCI_COMMAND_MASTER);
	/* its last enable gone (the sysfs enable file holds none here): Bus Master off */
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/enable", "0"), 1);
	assert_false(command_of("0000:03:00.0") & PCI_COMMAND_MASTER);
	kt_shutdown();
}

static u16 acs_ctrl_of(const char *bdf)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, bdf);
	struct pci_dev *p;
	u16 pos, ctrl = 0;

	assert_non_null(dev);
	p = to_pci_dev(dev);
	pos = pci_find_ext_capability(p, PCI_EXT_CAP_ID_ACS);
	assert_true(pos != 0);
	assert_int_equal(pci_read_config_word(p, pos + PCI_ACS_CTRL, &ctrl), 0);
	return ctrl;
}

/*
 * A reset of a port clears its ACS Control; pci_restore_state enables
 * ACS again, as Linux's (pci_restore_state calls pci_enable_acs), so the
 * groups built on it stay true. (The sysfs reset of a bridge is -ENOTTY,
 * as in Linux: a bus reset needs a function without a secondary bus.)
 */
static void restore_state_reenables_acs(void **state)
{
	struct pci_dev *port;

	(void)state;
	kt_boot(NULL);
	port = to_pci_dev(bus_find_device_by_name(&pci_bus_type, "0000:03:00.0"));
	u16 before = acs_ctrl_of("0000:03:00.0");
	assert_int_equal(before, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	assert_int_equal(kt_echo(DEV("0000:03:00.0") "/reset", "1"), -ENOTTY);
	assert_int_equal(pci_save_state(port), 0);
	assert_int_equal(pci_reset_bus(port), 0);	/* bus 03: the port itself */
	assert_int_equal(acs_ctrl_of("0000:03:00.0"), 0);
	pci_restore_state(port);
	assert_int_equal(acs_ctrl_of("0000:03:00.0"), before);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(binds_ports_not_the_pci_bridge),
		cmocka_unit_test(port_has_no_vector),
		cmocka_unit_test(groups_and_ownership_unchanged),
		cmocka_unit_test(unbind_disables_only_its_own_enable),
		cmocka_unit_test(restore_state_reenables_acs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
