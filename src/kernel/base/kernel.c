// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot and shutdown: the initcall sequence of start_kernel/do_initcalls
 * reduced to what the lab models, the event loop, MMIO accessors.
 *
 * Boot order: command line; page allocator; IRQs; sysfs and the driver
 * core; the device tree unflattened (/sys/firmware/devicetree); the
 * platform bus; module set-up (parameters); subsystem initcalls; platform
 * devices populated from the tree (arch_initcall_sync); built-in module
 * inits in table order (device_initcall); the late initcall
 * (deferred_probe_initcall), which starts the deferred-probe timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/base.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/module.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/page_alloc_internal.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/iommu/iommu.h"

static struct machine *kmachine;
static bool booted;

/*
 * Subsystem initcalls (subsys_initcall level): between the driver core
 * and the built-in drivers. Later subsystems (the IOMMU core, PCI) add a
 * line here; exits run in reverse order at shutdown.
 */
struct subsys_initcall {
	const char *name;
	int (*init)(void);
	void (*exit)(void);
};

static const struct subsys_initcall subsys_initcalls[] = {
	{ "iommu", iommu_init, iommu_exit },
	{ NULL, NULL, NULL }	/* end */
};

struct machine *kernel_machine(void)
{
	return kmachine;
}

static void subsys_exit_all(void)
{
	size_t n = 0;
	while (subsys_initcalls[n].name)
		n++;
	while (n-- > 0)
		if (subsys_initcalls[n].exit)
			subsys_initcalls[n].exit();
}

static int boot_timeout(void)
{
	const char *v = cmdline_get("deferred_probe_timeout");
	if (v) {
		char *end;
		long t = strtol(v, &end, 0);
		if (*v && !*end && t >= -1 && t <= 1000000)
			return (int)t;
		pr_warn("deferred_probe_timeout: bad value '%s' ignored\n", v);
	}
	/* 10 s when modules may still bring drivers, else 0 (dd.c's default). */
	return modules_possible() ? 10 : 0;
}

int kernel_boot(struct machine *m, const char *cmdline)
{
	const char *model = NULL;
	int ret;

	if (booted)
		return -EBUSY;
	if (!m)
		return -EINVAL;
	dmesg_clear();
	kmachine = m;
	booted = true;

	ret = cmdline_init(cmdline);
	if (ret)
		goto fail;
	pr_info("Booting iommulab kernel\n");
	if ((ret = page_alloc_init(m)) || (ret = irq_init(m)) || (ret = driver_core_init()) ||
	    (ret = of_unflatten(machine_fdt(m))))
		goto fail;
	if (!of_property_read_string(of_root, "model", &model))
		pr_info("Machine model: %s\n", model);
	pr_notice("Kernel command line: %s\n", kernel_cmdline());
	dynamic_debug_init();	/* dynamic_debug_init: an early initcall */
	if ((ret = of_sysfs_init()) || (ret = platform_bus_init()) || (ret = modules_init(NULL)))
		goto fail;
	deferred_probe_set_timeout(boot_timeout());
	for (size_t i = 0; subsys_initcalls[i].name; i++) {
		ret = subsys_initcalls[i].init();
		if (ret)
			pr_err("initcall %s returned %d\n", subsys_initcalls[i].name, ret);
	}
	ret = of_platform_default_populate();
	if (ret)
		goto fail;
	modules_init_builtin();
	cmdline_report_unknown();
	deferred_probe_initcall();
	return 0;
fail:
	pr_err("kernel boot failed: %d\n", ret);
	kernel_shutdown();
	return ret;
}

void kernel_shutdown(void)
{
	if (!booted)
		return;
	modules_exit();
	/* Devices leave first (bus notifiers see them go), then the subsystems. */
	of_platform_depopulate_all();
	subsys_exit_all();
	platform_bus_exit();
	of_sysfs_exit();
	of_free_tree();
	driver_core_exit();
	irq_exit();
	page_alloc_exit();
	cmdline_exit();
	dynamic_debug_exit();
	dmesg_clear();
	kmachine = NULL;
	booted = false;
}

void kernel_run_pending(void)
{
	if (!kmachine)
		return;
	/* Work due now: zero-delay events (deferred probing) and what they queue. */
	for (int i = 0; i < 1000000; i++) {
		size_t n = hw_run_until(kmachine, hw_now(kmachine));
		deferred_probe_flush();
		if (!n)
			break;
	}
}

void kernel_sleep(u64 ns)
{
	if (!kmachine)
		return;
	hw_run_until(kmachine, hw_now(kmachine) + ns);
	kernel_run_pending();
}

bool kernel_idle_until(u64 deadline, bool (*done)(void *arg), void *arg)
{
	if (!kmachine)
		return done(arg);
	kernel_run_pending();
	while (!done(arg)) {
		u64 t = hw_next_event(kmachine);
		if (t == UINT64_MAX || t > deadline) {
			if (deadline != UINT64_MAX && deadline > hw_now(kmachine))
				kernel_sleep(deadline - hw_now(kmachine));
			return done(arg);
		}
		hw_run_until(kmachine, t);
		kernel_run_pending();
	}
	return true;
}

/* ---- MMIO ------------------------------------------------------------ */

u32 readl(u64 addr)
{
	u64 v = ~0ull;
	if (kmachine)
		hw_mmio_read(kmachine, addr, 4, &v);
	return (u32)v;
}

void writel(u32 val, u64 addr)
{
	if (kmachine)
		hw_mmio_write(kmachine, addr, 4, val);
}

u64 readq(u64 addr)
{
	u64 v = ~0ull;
	if (kmachine)
		hw_mmio_read(kmachine, addr, 8, &v);
	return v;
}

void writeq(u64 val, u64 addr)
{
	if (kmachine)
		hw_mmio_write(kmachine, addr, 8, val);
}
