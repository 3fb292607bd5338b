/* printk's format, sink and console level; IRQs and devres release. */
#include <errno.h>

#include "kernel_test.h"
#include "kernel/base/device.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/platform_device.h"

#define PDEV "/sys/bus/platform/devices/"
#define PDRV "/sys/bus/platform/drivers/"

static char echoed[4096];

static void sink(void *opaque, int level, const char *line)
{
	strncat(echoed, line, sizeof(echoed) - strlen(echoed) - 2);
	strcat(echoed, "\n");
}

static void test_printk(void **state)
{
	kt_boot_noiommu(NULL);
	assert_int_equal(strncmp(dmesg_text(NULL), "[    0.000000] ", 15), 0);
	kernel_sleep(1500000000ull);
	echoed[0] = '\0';
	printk_set_sink(sink, NULL);
	pr_info("hello %d\n", 42);
	assert_true(kt_dmesg_has("[    1.500000] hello 42\n"));
	assert_string_equal(echoed, "[    1.500000] hello 42\n");
	/* above the console level: kept, not echoed */
	printk_set_console_level(LOGLEVEL_WARNING);
	pr_info("quiet\n");
	pr_err("loud\n");
	assert_true(kt_dmesg_has("] quiet\n"));
	assert_null(strstr(echoed, "quiet"));
	assert_non_null(strstr(echoed, "loud"));
	printk_set_console_level(LOGLEVEL_INFO);
	printk_set_sink(NULL, NULL);
	/* dev_printk: driver name when bound, bus name when not */
	struct device *dev = bus_find_device_by_name(&platform_bus_type, "a002000.dma");
	dev_info(dev, "bound\n");
	assert_true(kt_dmesg_has("dma-copy a002000.dma: bound\n"));
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a002000.dma"), 11);
	dev_warn(dev, "unbound\n");
	assert_true(kt_dmesg_has("platform a002000.dma: unbound\n"));
	/* one printk, two lines: each stamped */
	pr_info("a\nb\n");
	assert_true(kt_dmesg_has("] a\n[    1.500000] b\n"));
	dmesg_clear();
	assert_string_equal(dmesg_text(NULL), "");
	kt_shutdown();
}

static int irq_hits;

static irqreturn_t count_irq(int irq, void *data)
{
	irq_hits++;
	return IRQ_HANDLED;
}

static int fail_after_irq_probe(struct platform_device *pdev)
{
	int ret = devm_request_irq(&pdev->dev, 50, count_irq, NULL, pdev);
	return ret ? ret : -EIO;
}

static struct platform_driver t_fail = {
	.probe = fail_after_irq_probe,
	.driver = { .name = "t-fail" },
};

static void test_irq_and_devres(void **state)
{
	int token;
	kt_boot_noiommu(NULL);
	/* a bound dma-copy holds its line */
	assert_int_equal(request_irq(48, count_irq, "t", &token), -EBUSY);
	assert_int_equal(request_irq(2000, count_irq, "t", &token), -EINVAL);
	assert_int_equal(request_irq(60, NULL, "t", &token), -EINVAL);
	/* unbind releases the devm IRQ */
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a000000.dma"), 11);
	assert_int_equal(request_irq(48, count_irq, "t", &token), 0);
	free_irq(48, &token);
	/* a failed probe releases what it acquired */
	assert_int_equal(platform_driver_register(&t_fail), 0);
	assert_int_equal(kt_echo(PDRV "dma-copy/unbind", "a002000.dma"), 11);
	assert_int_equal(kt_echo(PDEV "a002000.dma/driver_override", "t-fail"), 6);
	assert_int_equal(kt_echo(PDRV "t-fail/bind", "a002000.dma"), -EIO);
	assert_int_equal(request_irq(50, count_irq, "t", &token), 0);
	/* level-triggered delivery: raised line -> handler; a line left high is re-run */
	irq_hits = 0;
	hw_irq_set(kt_machine, 50, true);
	/* a line nobody lowers: the handler reruns until the storm guard disables it */
	assert_int_equal(irq_hits, 10000);
	assert_true(kt_dmesg_has("Disabling IRQ #50"));
	hw_irq_set(kt_machine, 50, false);
	free_irq(50, &token);
	platform_driver_unregister(&t_fail);
	/* shared lines need IRQF_SHARED on both */
	int a, b;
	assert_int_equal(request_irq_flags(61, count_irq, IRQF_SHARED, "a", &a), 0);
	assert_int_equal(request_irq_flags(61, count_irq, IRQF_SHARED, "b", &b), 0);
	assert_int_equal(request_irq(61, count_irq, "c", &token), -EBUSY);
	free_irq(61, &a);
	free_irq(61, &b);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printk),
		cmocka_unit_test(test_irq_and_devres),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
