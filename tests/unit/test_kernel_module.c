/* modprobe/rmmod, module references, parameters, and the kernel command line. */
#include <errno.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/module.h"
#include "kernel/of/of.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"

static void test_loadable_module(void **state)
{
	kt_boot_noiommu("lab.module=dma-copy");
	assert_true(modules_possible());
	assert_int_equal(module_get_state("dma-copy"), MODULE_STATE_UNLOADED);
	assert_false(kt_exists("/sys/module/dma_copy"));
	assert_false(kt_exists(PDRV "dma-copy"));
	assert_false(kt_exists(PDEV "a000000.dma/driver"));
	assert_string_equal(kt_cat("/sys/kernel/debug/devices_deferred"),
			    "a004000.defer\tdefer-test: supplier a000000.dma not ready\n");
	/* '_' and '-' alike */
	assert_int_equal(kernel_modprobe("dma_copy", NULL), 0);
	assert_int_equal(module_get_state("dma-copy"), MODULE_STATE_LIVE);
	assert_string_equal(kt_cat("/sys/module/dma_copy/initstate"), "live\n");
	assert_string_equal(kt_cat("/sys/module/dma_copy/refcnt"), "0\n");
	assert_true(kt_exists("/sys/module/dma_copy/holders"));
	assert_string_equal(kt_readlink(PDRV "dma-copy/module"), "../../../../module/dma_copy");
	assert_string_equal(kt_readlink("/sys/module/dma_copy/drivers/platform:dma-copy"),
			    "../../../bus/platform/drivers/dma-copy");
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	/* the supplier bound: the deferred consumer follows once work runs */
	kernel_run_pending();
	assert_true(kt_exists(PDEV "a004000.defer/driver"));
	/* loaded again: modprobe succeeds silently */
	assert_int_equal(kernel_modprobe("dma-copy", NULL), 0);
	assert_int_equal(kernel_modprobe("no-such-module", NULL), -ENOENT);
	/* a held reference: -EBUSY and nothing changes */
	struct module *mod = find_module("dma-copy");
	assert_true(try_module_get(mod));
	assert_string_equal(kt_cat("/sys/module/dma_copy/refcnt"), "1\n");
	assert_int_equal(kernel_rmmod("dma_copy"), -EBUSY);
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	assert_true(kt_exists("/sys/module/dma_copy"));
	module_put(mod);
	/* rmmod unregisters the drivers, unbinding their devices */
	assert_int_equal(kernel_rmmod("dma-copy"), 0);
	assert_false(kt_exists(PDEV "a000000.dma/driver"));
	assert_false(kt_exists(PDRV "dma-copy"));
	assert_false(kt_exists("/sys/module/dma_copy"));
	assert_false(try_module_get(mod));
	assert_int_equal(kernel_rmmod("dma-copy"), -ENOENT);
	/* built-ins cannot be removed */
	assert_int_equal(kernel_rmmod("defer-test"), -EPERM);
	assert_int_equal(kernel_rmmod("nope"), -ENOENT);
	/* and it loads again */
	assert_int_equal(kernel_modprobe("dma-copy", NULL), 0);
	assert_true(kt_exists(PDEV "a000000.dma/driver"));
	kt_shutdown();
}

static void test_builtin(void **state)
{
	kt_boot_noiommu("lab.builtin=vfio-platform,vfio-pci");
	assert_false(modules_possible());
	assert_int_equal(module_get_state("dma-copy"), MODULE_STATE_BUILTIN);
	assert_int_equal(kernel_modprobe("dma-copy", NULL), 0);
	assert_int_equal(kernel_rmmod("dma-copy"), -EPERM);
	/* built-ins without parameters have no /sys/module entry; no module link */
	assert_false(kt_exists("/sys/module/dma_copy"));
	assert_false(kt_exists(PDRV "dma-copy/module"));
	/* with parameters: parameters/ only */
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/ignore_supplier"), "N\n");
	assert_false(kt_exists("/sys/module/defer_test/refcnt"));
	kt_shutdown();
}

/* modules.alias: only an unloaded module whose match table matches the node could provide it. */
static void test_could_provide(void **state)
{
	kt_boot("lab.module=dma-copy");
	struct device_node *dma = of_find_node_by_path("/soc/dma@0");
	struct device_node *smmu = of_find_node_by_path("/iommu@9050000");
	struct device_node *uart = of_find_node_by_path("/uart@9000000");
	assert_non_null(dma);
	assert_non_null(smmu);
	assert_non_null(uart);
	assert_true(module_could_provide(dma));
	assert_false(module_could_provide(smmu));	/* arm-smmu is built in */
	assert_false(module_could_provide(uart));	/* nobody matches a PL011 */
	assert_true(module_could_provide(NULL));	/* vfio-platform, vfio-pci and dma-copy are left */
	assert_int_equal(kernel_modprobe("dma-copy", NULL), 0);
	assert_false(module_could_provide(dma));
	assert_true(module_could_provide(NULL));	/* vfio-platform, vfio-pci */
	assert_int_equal(kernel_modprobe("vfio-platform", NULL), 0);
	assert_true(module_could_provide(NULL));	/* vfio-pci */
	assert_int_equal(kernel_modprobe("vfio-pci", NULL), 0);
	assert_false(module_could_provide(NULL));
	kt_shutdown();
}

static void test_params(void **state)
{
	kt_boot_noiommu("lab.module=defer-test defer-test.probe_result=-5");
	assert_false(kt_exists("/sys/module/defer_test"));
	/* unknown parameters are ignored with a warning, as Linux does */
	assert_int_equal(kernel_modprobe("defer_test", "ignore_supplier=1 bogus=3"), 0);
	assert_true(kt_dmesg_has("defer_test: unknown parameter 'bogus' ignored"));
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/ignore_supplier"), "Y\n");
	/* the command line's defer-test.probe_result applied at load, like kmod */
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/probe_result"), "-5\n");
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/supplier_prop"),
			    "iommulab,supplier\n");
	assert_true(kt_dmesg_has("probe with driver defer-test failed with error -5"));
	/* writable and read-only parameters */
	assert_int_equal(kt_echo("/sys/module/defer_test/parameters/probe_result", "0x10\n"), 5);
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/probe_result"), "16\n");
	assert_int_equal(kt_echo("/sys/module/defer_test/parameters/probe_result", "abc"), -EINVAL);
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/probe_result"), "16\n");
	assert_int_equal(kt_echo("/sys/module/defer_test/parameters/ignore_supplier", "maybe"),
			 -EINVAL);
	assert_int_equal(kt_echo("/sys/module/defer_test/parameters/supplier_prop", "x"), -EACCES);
	assert_int_equal(kt_echo("/sys/module/defer_test/parameters/defer_count", "1"), -EACCES);
	assert_int_equal(kernel_rmmod("defer-test"), 0);
	/* a bad value fails the load and leaves nothing behind */
	assert_int_equal(kernel_modprobe("defer-test", "probe_result=abc"), -EINVAL);
	assert_true(kt_dmesg_has("defer_test: `abc' invalid for parameter `probe_result'"));
	assert_false(kt_exists("/sys/module/defer_test"));
	assert_false(kt_exists(PDRV "defer-test"));
	assert_int_equal(kernel_modprobe("defer-test", "defer_count=-1"), -EINVAL);
	/* defaults come back on each load */
	assert_int_equal(kernel_modprobe("defer-test", "supplier_prop=other"), 0);
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/supplier_prop"), "other\n");
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/ignore_supplier"), "N\n");
	kt_shutdown();
}

static void test_builtin_params_cmdline(void **state)
{
	kt_boot_noiommu("defer-test.ignore_supplier defer_test.probe_result=7 foo=bar baz "
			"deferred_probe_timeout=3 other.thing=1");
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/ignore_supplier"), "Y\n");
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/probe_result"), "7\n");
	assert_int_equal(deferred_probe_get_timeout(), 3);
	assert_true(kt_dmesg_has("Unknown kernel command line parameters \"foo=bar baz\", "
				 "will be passed to user space."));
	assert_true(kt_dmesg_has("Kernel command line: defer-test.ignore_supplier"));
	kt_shutdown();
	/* a fresh boot starts from the defaults again */
	kt_boot_noiommu(NULL);
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/ignore_supplier"), "N\n");
	assert_string_equal(kt_cat("/sys/module/defer_test/parameters/probe_result"), "0\n");
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadable_module),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_could_provide),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_builtin_params_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
