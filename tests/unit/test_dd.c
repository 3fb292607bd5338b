/*
 * Driver binding: bind/unbind/driver_override/drivers_probe/drivers_autoprobe
 * with Linux's errnos (and nothing changed on error), deferred probing
 * order, the trigger-count race, the timeout and the no-modules rule.
 */
#include <errno.h>
#include <unistd.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/platform_device.h"
#include "kernel/of/of.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"

static const char test_dts[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	#address-cells = <2>; #size-cells = <2>;\n"
	"	memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x1000000>; };\n"
	"	s: supplier@1000 { compatible = \"test,supplier\"; reg = <0 0x1000 0 0x100>; };\n"
	"	a@2000 { compatible = \"test,consumer\"; reg = <0 0x2000 0 0x100>; test,supplier = <&s>; };\n"
	"	b@3000 { compatible = \"test,consumer\"; reg = <0 0x3000 0 0x100>; test,supplier = <&s>; };\n"
	"	other@4000 { compatible = \"test,other\"; reg = <0 0x4000 0 0x100>; };\n"
	"	defer@5000 { compatible = \"iommulab,defer-test\"; reg = <0 0x5000 0 0x100>; iommulab,supplier = <&u>; };\n"
	"	u: uart@6000 { compatible = \"vendor,unknown\"; reg = <0 0x6000 0 0x100>; };\n"
	"	bus { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>;\n"
	"		nested { compatible = \"test,nested\"; };\n"
	"	};\n"
	"};\n";

static char order[512];
static int consumer_probes, supplier_probes;
static bool racer;
static struct platform_driver t_supplier;

static void boot_test_dts(const char *cmdline)
{
	assert_int_equal(kt_boot_dts_text(test_dts, cmdline), 0);
	order[0] = '\0';
	consumer_probes = supplier_probes = 0;
	racer = false;
}

static int t_supplier_probe(struct platform_device *pdev)
{
	supplier_probes++;
	return 0;
}

static int t_consumer_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct device_node *snp = of_parse_phandle(dev->of_node, "test,supplier", 0);
	struct device *sup = bus_find_device_by_of_node(&platform_bus_type, snp);

	consumer_probes++;
	strcat(order, dev_name(dev));
	strcat(order, " ");
	if (racer && sup && !sup->driver) {
		/* The dependency binds while this probe is still deciding to defer. */
		assert_int_equal(device_driver_attach(&t_supplier.driver, sup), 0);
		return dev_err_probe(dev, -EPROBE_DEFER, "raced\n");
	}
	if (!sup || !device_is_bound(sup))
		return dev_err_probe(dev, -EPROBE_DEFER, "supplier not ready\n");
	return 0;
}

static int always_defer_probe(struct platform_device *pdev)
{
	return dev_err_probe(&pdev->dev, -EPROBE_DEFER, "waiting forever\n");
}

static int ok_probe(struct platform_device *pdev)
{
	return 0;
}

static const struct of_device_id sup_match[] = { { "test,supplier" }, { NULL } };
static const struct of_device_id con_match[] = { { "test,consumer" }, { NULL } };
static const struct of_device_id other_match[] = { { "test,other" }, { NULL } };

static struct platform_driver t_supplier = {
	.probe = t_supplier_probe,
	.driver = { .name = "t-supplier", .of_match_table = sup_match },
};
static struct platform_driver t_consumer = {
	.probe = t_consumer_probe,
	.driver = { .name = "t-consumer", .of_match_table = con_match },
};
static struct platform_driver t_other = {
	.probe = ok_probe,
	.driver = { .name = "t-other", .of_match_table = other_match },
};
static struct platform_driver t_defer = {
	.probe = always_defer_probe,
	.driver = { .name = "t-defer" },
};
static struct platform_driver t_quiet = {
	.probe = ok_probe,
	.driver = { .name = "t-quiet", .suppress_bind_attrs = true },
};

static void unregister_test_drivers(void)
{
	platform_driver_unregister(&t_quiet);
	platform_driver_unregister(&t_defer);
	platform_driver_unregister(&t_other);
	platform_driver_unregister(&t_consumer);
	platform_driver_unregister(&t_supplier);
}

static void test_names_nested(void **state)
{
	boot_test_dts(NULL);
	/* no reg anywhere up the tree: basenames joined by ':' */
	assert_true(kt_exists(PDEV "bus:nested"));
	assert_true(kt_exists("/sys/devices/platform/bus/bus:nested"));
	assert_true(kt_exists(PDEV "2000.a"));
	assert_true(kt_exists(PDEV "6000.uart"));
	assert_false(kt_exists(PDEV "40000000.memory"));
	kt_shutdown();
}

/* All built in: after late initcall an optional dependency is given up. */
static void test_no_modules_gives_up(void **state)
{
	boot_test_dts("lab.builtin=vfio-platform,vfio-pci");
	assert_int_equal(deferred_probe_get_timeout(), 0);
	assert_true(kt_exists(PDEV "5000.defer/driver"));
	assert_true(kt_dmesg_has("defer-test 5000.defer: ignoring dependency for device, assuming no driver"));
	assert_true(kt_dmesg_has("defer-test 5000.defer: continuing without supplier 6000.uart"));
	kt_shutdown();
}

static void test_deferral_order(void **state)
{
	boot_test_dts("defer-test.ignore_supplier=1");
	assert_int_equal(platform_driver_register(&t_consumer), 0);
	assert_string_equal(order, "2000.a 3000.b ");
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"),
			    "2000.a\tt-consumer: supplier not ready\n"
			    "3000.b\tt-consumer: supplier not ready\n");
	assert_true(kt_exists(PDEV "5000.defer/driver"));
	/* no bind happened: no retry */
	kernel_run_pending();
	assert_int_equal(consumer_probes, 2);
	/* an unrelated bind triggers one retry of each, in order, run as work */
	assert_int_equal(platform_driver_register(&t_other), 0);
	assert_true(kt_exists(PDEV "4000.other/driver"));
	assert_int_equal(consumer_probes, 2);
	kernel_run_pending();
	assert_int_equal(consumer_probes, 4);
	assert_string_equal(order, "2000.a 3000.b 2000.a 3000.b ");
	assert_int_equal(deferred_probe_pending_count(), 2);
	/* the supplier binds: both retried once more and bound */
	assert_int_equal(platform_driver_register(&t_supplier), 0);
	kernel_run_pending();
	assert_int_equal(consumer_probes, 6);
	assert_true(kt_exists(PDEV "2000.a/driver"));
	assert_true(kt_exists(PDEV "3000.b/driver"));
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"), "");
	unregister_test_drivers();
	kt_shutdown();
}

static void test_trigger_race(void **state)
{
	boot_test_dts(NULL);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_autoprobe", "0"), 1);
	assert_int_equal(platform_driver_register(&t_supplier), 0);
	assert_int_equal(platform_driver_register(&t_consumer), 0);
	assert_int_equal(consumer_probes + supplier_probes, 0);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_autoprobe", "1"), 1);
	racer = true;
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "2000.a\n"), 7);
	assert_true(kt_exists(PDEV "1000.supplier/driver"));
	assert_false(kt_exists(PDEV "2000.a/driver"));
	/* the bind during the probe is not lost: the deferral was retriggered */
	kernel_run_pending();
	assert_true(kt_exists(PDEV "2000.a/driver"));
	assert_int_equal(consumer_probes, 2);
	unregister_test_drivers();
	kt_shutdown();
}

static void test_bind_unbind(void **state)
{
	kt_boot_noiommu(NULL);
	/* unbind: only the bound driver, only an existing device */
	assert_int_equal(kt_echo(PDRV "defer-test/unbind", "a001000.dma"), -ENODEV);
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "nope"), -ENODEV);
	assert_true(kt_exists(PDEV "a001000.dma/driver"));
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a001000.dma\n"), 12);
	assert_false(kt_exists(PDEV "a001000.dma/driver"));
	assert_false(kt_exists(PDRV "dma-copy/a001000.dma"));
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a001000.dma\n"), -ENODEV);
	/* bind: must exist and match; not twice */
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "nope\n"), -ENODEV);
	assert_int_equal(kt_echo(PDRV "defer-test/bind", "a001000.dma\n"), -ENODEV);
	assert_false(kt_exists(PDEV "a001000.dma/driver"));
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "a001000.dma"), 11);
	assert_true(kt_exists(PDEV "a001000.dma/driver"));
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "a001000.dma"), -EBUSY);
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "a000000.dma"), -EBUSY);
	/* the files are write-only */
	char buf[64];
	assert_int_equal(sysfs_read(PDRV "dma-copy/bind", buf, sizeof(buf)), -EACCES);
	/* a probe failure comes back negative; an unmatched driver never probes */
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a002000.dma"), 11);
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "defer-test\n"), 11);
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "a002000.dma"), -ENODEV);
	assert_int_equal(kt_echo(PDRV "defer-test/bind", "a002000.dma"), -EINVAL);
	assert_true(kt_dmesg_has("defer-test a002000.dma: probe with driver defer-test failed with error -22"));
	assert_false(kt_exists(PDEV "a002000.dma/driver"));
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"), "");
	kt_shutdown();
}

static void test_driver_override(void **state)
{
	static char big[4096];
	kt_boot_noiommu(NULL);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "(null)\n");
	/* setting it does not unbind */
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "none\n"), 5);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "none\n");
	assert_true(kt_exists(PDEV "a002000.dma/driver"));
	/* after unbind nothing takes it: "none" opts out */
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a002000.dma"), 11);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a002000.dma"), 11);
	assert_false(kt_exists(PDEV "a002000.dma/driver"));
	assert_int_equal(kt_echo(PDRV "dma-copy/bind", "a002000.dma"), -ENODEV);
	/* too long: -EINVAL and the old value stays */
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(sysfs_write(PDEV "a002000.dma/driver_override", big, 4095), -EINVAL);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "none\n");
	/* cut at the first newline; embedded NULs end it */
	assert_int_equal(sysfs_write(PDEV "a002000.dma/driver_override", "dma-copy\nx", 10), 10);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "dma-copy\n");
	assert_int_equal(sysfs_write(PDEV "a002000.dma/driver_override", "ab\0cd", 5), 5);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "ab\n");
	/* "\n" and "" clear it */
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "\n"), 1);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "(null)\n");
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "dma-copy"), 8);
	assert_int_equal(sysfs_write(PDEV "a002000.dma/driver_override", "\0", 1), 1);
	assert_string_equal(kt_cat(PDEV "a002000.dma/driver_override"), "(null)\n");
	/* an override naming the driver still matches it */
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "dma-copy\n"), 9);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a002000.dma\n"), 12);
	assert_true(kt_exists(PDEV "a002000.dma/driver"));
	kt_shutdown();
}

static void test_autoprobe_and_drivers_probe(void **state)
{
	kt_boot_noiommu(NULL);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "nope\n"), -ENODEV);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_autoprobe", "0\n"), 2);
	assert_string_equal(kt_cat("/sys/bus/platform/drivers_autoprobe"), "0\n");
	/* a new driver does not attach while autoprobe is off */
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a003000.dma"), 11);
	assert_int_equal(kt_echo(PDEV "a003000.dma/driver_override", "t-other"), 7);
	assert_int_equal(platform_driver_register(&t_other), 0);
	assert_false(kt_exists(PDEV "a003000.dma/driver"));
	/* drivers_probe still works, explicitly */
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a003000.dma"), 11);
	assert_string_equal(kt_readlink(PDEV "a003000.dma/driver"),
			    "../../../../bus/platform/drivers/t-other");
	/* drivers_probe on a bound device: nothing happens, success */
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a003000.dma"), 11);
	/* anything but a leading '0' turns it on */
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_autoprobe", "foo"), 3);
	assert_string_equal(kt_cat("/sys/bus/platform/drivers_autoprobe"), "1\n");
	/* bind files are absent with suppress_bind_attrs */
	assert_int_equal(platform_driver_register(&t_quiet), 0);
	assert_true(kt_exists(PDRV "t-quiet/uevent"));
	assert_false(kt_exists(PDRV "t-quiet/bind"));
	assert_int_equal(kt_echo(PDRV "t-quiet/bind", "a003000.dma"), -ENOENT);
	/* a second driver of one name is refused */
	assert_int_equal(platform_driver_register(&t_quiet), -EBUSY);
	unregister_test_drivers();
	/* unregistering the driver unbound its device */
	assert_false(kt_exists(PDEV "a003000.dma/driver"));
	assert_false(kt_exists(PDRV "t-other"));
	kt_shutdown();
}

/* bind of a deferring probe: -EAGAIN, and it is not queued for retry. */
static void test_bind_defer_eagain(void **state)
{
	kt_boot_noiommu(NULL);
	assert_int_equal(platform_driver_register(&t_defer), 0);
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a003000.dma"), 11);
	assert_int_equal(kt_echo(PDEV "a003000.dma/driver_override", "t-defer"), 7);
	assert_int_equal(kt_echo(PDRV "t-defer/bind", "a003000.dma"), -EAGAIN);
	assert_int_equal(deferred_probe_pending_count(), 0);
	/* drivers_probe does queue it (the device-add path) */
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a003000.dma"), 11);
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"),
			    "a003000.dma\tt-defer: waiting forever\n");
	unregister_test_drivers();
	kt_shutdown();
}

static void test_timeout_zero(void **state)
{
	kt_boot_noiommu("lab.module=dma-copy deferred_probe_timeout=0");
	assert_true(kt_exists(PDEV "a004000.defer/driver"));
	assert_true(kt_dmesg_has("defer-test a004000.defer: deferred probe timeout, ignoring dependency"));
	assert_false(kt_exists(PDEV "a000000.dma/driver"));
	kt_shutdown();
}

static void test_timeout_default_and_five(void **state)
{
	kt_boot_noiommu("lab.module=dma-copy");
	assert_int_equal(deferred_probe_get_timeout(), 10);
	assert_false(kt_exists(PDEV "a004000.defer/driver"));
	kt_shutdown();

	kt_boot_noiommu("lab.module=dma-copy deferred_probe_timeout=5");
	assert_false(kt_exists(PDEV "a004000.defer/driver"));
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"),
			    "a004000.defer\tdefer-test: supplier a000000.dma not ready\n");
	kernel_sleep(4999000000ull);
	assert_false(kt_exists(PDEV "a004000.defer/driver"));
	kernel_sleep(2000000ull);
	assert_true(kt_exists(PDEV "a004000.defer/driver"));
	assert_true(kt_dmesg_has("deferred probe timeout, ignoring dependency"));
	kt_shutdown();
}

/* Each driver registration pushes a queued timeout back by a full period. */
static void test_timeout_extended(void **state)
{
	kt_boot_noiommu("lab.module=dma-copy deferred_probe_timeout=5");
	assert_int_equal(platform_driver_register(&t_defer), 0);
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a003000.dma"), -ENOENT);
	assert_int_equal(kt_echo(PDEV "a003000.dma/driver_override", "t-defer"), 7);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_probe", "a003000.dma"), 11);
	kernel_sleep(3000000000ull);
	assert_int_equal(platform_driver_register(&t_other), 0);   /* t = 3 s: now 8 s */
	kernel_sleep(4900000000ull);
	assert_false(kt_exists(PDEV "a004000.defer/driver"));
	kernel_sleep(200000000ull);
	assert_true(kt_exists(PDEV "a004000.defer/driver"));
	/* what still defers after the timeout is reported */
	assert_true(kt_dmesg_has("platform a003000.dma: deferred probe pending: t-defer: waiting forever"));
	unregister_test_drivers();
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_nested),
		cmocka_unit_test(test_no_modules_gives_up),
		cmocka_unit_test(test_deferral_order),
		cmocka_unit_test(test_trigger_race),
		cmocka_unit_test(test_bind_unbind),
		cmocka_unit_test(test_driver_override),
		cmocka_unit_test(test_autoprobe_and_drivers_probe),
		cmocka_unit_test(test_bind_defer_eagain),
		cmocka_unit_test(test_timeout_zero),
		cmocka_unit_test(test_timeout_default_and_five),
		cmocka_unit_test(test_timeout_extended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
