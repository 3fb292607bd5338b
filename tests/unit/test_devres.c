/*
 * Managed resources (drivers/base/devres.c): what a driver acquires with
 * devm_* (memory, actions, IRQs; on PCI pcim_enable_device and the MSI
 * vectors) is released in reverse order when it unbinds and when its
 * probe fails, and what is left on a device without a driver goes when
 * the device itself is released (device_release). Each case counts the
 * kernel's live allocations: nothing may stay behind.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/platform_device.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"
#define PCIDEV "/sys/bus/pci/devices/"
#define PCIDRV "/sys/bus/pci/drivers/"
#define T_IRQ 62

static int order[16], norder;
static bool probe_fails;

static void record(void *data)
{
	if (norder < 16)
		order[norder++] = (int)(intptr_t)data;
}

static irqreturn_t t_irq(int irq, void *data)
{
	(void)irq;
	(void)data;
	return IRQ_HANDLED;
}

/* Three allocations, each followed by an action that records its number, then an IRQ. */
static int t_devres_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	int ret;

	for (int i = 1; i <= 3; i++) {
		if (!devm_kzalloc(dev, 64 * (size_t)i))
			return -ENOMEM;
		ret = devm_add_action(dev, record, (void *)(intptr_t)i);
		if (ret)
			return ret;
	}
	ret = devm_request_irq(dev, T_IRQ, t_irq, "t-devres", pdev);
	if (ret)
		return ret;
	return probe_fails ? -EIO : 0;
}

static struct platform_driver t_devres = {
	.probe = t_devres_probe,
	.driver = { .name = "t-devres" },
};

static struct platform_device *t_dev;

/* Boots, registers the driver and an unbound "t-devres" device (no autoprobe). */
static void setup(void)
{
	kt_boot_noiommu(NULL);
	norder = 0;
	probe_fails = false;
	assert_int_equal(platform_driver_register(&t_devres), 0);
	assert_int_equal(kt_echo("/sys/bus/platform/drivers_autoprobe", "0"), 1);
	t_dev = platform_device_alloc("t-devres");
	assert_non_null(t_dev);
	assert_int_equal(platform_device_add(t_dev), 0);
	assert_false(kt_exists(PDEV "t-devres/driver"));
}

static void teardown(void)
{
	platform_device_unregister(t_dev);
	platform_driver_unregister(&t_devres);
	kt_shutdown();
}

static bool irq_free(void)
{
	int token;

	if (request_irq(T_IRQ, t_irq, "t", &token))
		return false;
	free_irq(T_IRQ, &token);
	return true;
}

static void assert_released_in_reverse(void)
{
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
}

static void test_unbind_releases_everything(void **state)
{
	(void)state;
	setup();
	long before = kalloc_outstanding();
	assert_int_equal(kt_echo(PDRV "t-devres/bind", "t-devres"), 8);
	assert_true(kalloc_outstanding() > before);
	assert_false(irq_free());
	assert_int_equal(norder, 0);
	assert_int_equal(kt_echo(PDRV "t-devres/unbind", "t-devres"), 8);
	assert_released_in_reverse();
	assert_true(irq_free());
	assert_int_equal(kalloc_outstanding(), before);
	teardown();
}

static void test_failed_probe_releases_everything(void **state)
{
	(void)state;
	setup();
	long before = kalloc_outstanding();
	probe_fails = true;
	assert_int_equal(kt_echo(PDRV "t-devres/bind", "t-devres"), -EIO);
	assert_released_in_reverse();
	assert_true(irq_free());
	assert_false(kt_exists(PDEV "t-devres/driver"));
	assert_int_equal(kalloc_outstanding(), before);
	teardown();
}

/* Every allocation of the bind in turn fails: each failed probe leaves nothing. */
static void test_failed_probe_fail_nth(void **state)
{
	unsigned long n;
	int failures = 0;

	(void)state;
	setup();
	long before = kalloc_outstanding();
	for (n = 1; n < 1000; n++) {
		norder = 0;
		kalloc_fail_nth(n);
		ssize_t ret = kt_echo(PDRV "t-devres/bind", "t-devres");
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (!fired) {
			assert_int_equal(ret, 8);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		failures++;
		assert_false(kt_exists(PDEV "t-devres/driver"));
		assert_true(irq_free());
		assert_int_equal(kalloc_outstanding(), before);
		/* the actions added before the failure ran, last first */
		for (int i = 0; i < norder; i++)
			assert_int_equal(order[i], norder - i);
	}
	/* three devm_kzalloc and three action records at least */
	assert_true(failures >= 6);
	assert_int_equal(kt_echo(PDRV "t-devres/unbind", "t-devres"), 8);
	assert_int_equal(kalloc_outstanding(), before);
	teardown();
}

/*
 * Resources added to a device no driver holds (Linux allows it, a bus or
 * a parent driver does it) go when the device is released, as
 * device_release's devres_release_all does.
 */
static void test_device_release_frees_devres(void **state)
{
	(void)state;
	setup();
	long before = kalloc_outstanding();
	struct platform_device *pdev = platform_device_alloc("t-nodriver");
	assert_non_null(pdev);
	assert_int_equal(platform_device_add(pdev), 0);
	assert_non_null(devm_kzalloc(&pdev->dev, 128));
	assert_int_equal(devm_add_action(&pdev->dev, record, (void *)(intptr_t)7), 0);
	assert_int_equal(devm_add_action(&pdev->dev, record, (void *)(intptr_t)8), 0);
	platform_device_unregister(pdev);
	assert_int_equal(norder, 2);
	assert_int_equal(order[0], 8);
	assert_int_equal(order[1], 7);
	assert_int_equal(kalloc_outstanding(), before);
	teardown();
}

/*
 * A PCI driver with managed resources: dma-copy's PCI face enables the
 * function (pcim), allocates an MSI-X vector and requests it (devm).
 * Unbinding leaves the allocation count where it was before the bind,
 * and so does every failed probe when each allocation in turn fails.
 */
#define FN "0000:04:00.0"

static void test_pci_driver_devres(void **state)
{
	unsigned long n;
	int failures = 0;

	(void)state;
	kt_boot(NULL);
	assert_int_equal(kt_echo(PCIDRV "dma-copy/unbind", FN), (ssize_t)strlen(FN));
	long before = kalloc_outstanding();
	assert_false(kt_exists(PCIDEV FN "/msi_irqs"));
	for (n = 1; n < 2000; n++) {
		kalloc_fail_nth(n);
		ssize_t ret = kt_echo(PCIDRV "dma-copy/bind", FN);
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (!fired) {
			assert_int_equal(ret, (ssize_t)strlen(FN));
			break;
		}
		if (ret > 0) {
			/* MSI-X failed, a fallback (MSI, INTx) served: unbinding frees all */
			assert_int_equal(kt_echo(PCIDRV "dma-copy/unbind", FN), (ssize_t)strlen(FN));
			assert_int_equal(kalloc_outstanding(), before);
			continue;
		}
		failures++;
		assert_false(kt_exists(PCIDEV FN "/driver"));
		assert_false(kt_exists(PCIDEV FN "/msi_irqs"));
		assert_int_equal(kalloc_outstanding(), before);
	}
	assert_true(failures > 3);
	assert_true(kalloc_outstanding() > before);
	assert_int_equal(kt_echo(PCIDRV "dma-copy/unbind", FN), (ssize_t)strlen(FN));
	assert_int_equal(kalloc_outstanding(), before);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unbind_releases_everything),
		cmocka_unit_test(test_failed_probe_releases_everything),
		cmocka_unit_test(test_failed_probe_fail_nth),
		cmocka_unit_test(test_device_release_frees_devres),
		cmocka_unit_test(test_pci_driver_devres),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
