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
#include "kernel/base/cdev.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/module.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/page_alloc_internal.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/kernel_state.h"

/*
 * The running kernel's state: the only mutable file-scope variable of the
 * kernel (see kernel_state.h for the exceptions kept by the harness).
 */
struct kernel *kstate;

int kernel_state_create(struct machine *m)
{
	struct kernel *k;

	if (kstate)
		return -EBUSY;
	k = kzalloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->machine = m;
	/* Each subsystem's first values; everything else starts at zero. */
	printk_state_init(&k->printk);
	bus_state_init(&k->bus);
	dd_state_init(&k->dd);
	iommu_core_state_init(&k->iommu);
	iommu_dma_state_init(&k->iommu_dma);
	iommu_group_state_init(&k->iommu_group);
	arm_smmu_state_init(&k->arm_smmu);
	msi_state_init(&k->msi);
	arm_smmu_v3_state_init(&k->arm_smmu_v3);
	fs_state_init(&k->fs);
	vfio_state_init(&k->vfio);
	vfio_platform_state_init(&k->vfio_platform);
	vfio_pci_state_init(&k->vfio_pci);
	pci_state_init(&k->pci);
	kstate = k;
	return 0;
}

void kernel_state_destroy(void)
{
	if (!kstate)
		return;
	/* The log and the dyndbg queries are libc memory (printk.c). */
	dynamic_debug_exit();
	dmesg_clear();
	kfree(kstate);
	kstate = NULL;
}

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
	{ "misc", misc_init, misc_exit },
	{ "irqchip", irqchip_init, irqchip_exit },
	{ "iommu", iommu_init, iommu_exit },
	{ "pci", pci_subsys_init, pci_subsys_exit },
	{ NULL, NULL, NULL }	/* end */
};

struct machine *kernel_machine(void)
{
	return kstate ? kstate->machine : NULL;
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

	if (kstate)
		return -EBUSY;
	if (!m)
		return -EINVAL;
	ret = kernel_state_create(m);
	if (ret)
		return ret;

	ret = cmdline_init(cmdline);
	if (ret)
		goto fail;
	pr_info("Booting iommulab kernel\n");
	lab_bug_init();
	if ((ret = page_alloc_init(m)) || (ret = irq_init(m)) || (ret = driver_core_init()) ||
	    (ret = of_unflatten(machine_fdt(m))))
		goto fail;
	if (!of_property_read_string(of_root_node(), "model", &model))
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
	if (!kstate)
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
	user_frames_exit();
	page_alloc_exit();
	cmdline_exit();
	kernel_state_destroy();
}

void kernel_run_pending(void)
{
	struct machine *m = kernel_machine();

	if (!m)
		return;
	/* Work due now: zero-delay events (deferred probing) and what they queue. */
	for (int i = 0; i < 1000000; i++) {
		size_t n = hw_run_until(m, hw_now(m));
		deferred_probe_flush();
		if (!n)
			break;
	}
}

void kernel_sleep(u64 ns)
{
	struct machine *m = kernel_machine();

	if (!m)
		return;
	hw_run_until(m, hw_now(m) + ns);
	kernel_run_pending();
}

bool kernel_idle_until(u64 deadline, bool (*done)(void *arg), void *arg)
{
	if (!kernel_machine())
		return done(arg);
	kernel_run_pending();
	while (!done(arg)) {
		u64 t = hw_next_event(kernel_machine());
		if (t == UINT64_MAX || t > deadline) {
			if (deadline != UINT64_MAX && deadline > hw_now(kernel_machine()))
				kernel_sleep(deadline - hw_now(kernel_machine()));
			return done(arg);
		}
		hw_run_until(kernel_machine(), t);
		kernel_run_pending();
	}
	return true;
}

/* ---- MMIO ------------------------------------------------------------ */

static u64 mmio_read(u64 addr, unsigned size)
{
	struct machine *m = kernel_machine();
	u64 v = ~0ull;
	if (m)
		hw_mmio_read(m, addr, size, &v);
	return v;
}

u8 readb(u64 addr)
{
	return (u8)mmio_read(addr, 1);
}

u16 readw(u64 addr)
{
	return (u16)mmio_read(addr, 2);
}

void writeb(u8 val, u64 addr)
{
	struct machine *m = kernel_machine();
	if (m)
		hw_mmio_write(m, addr, 1, val);
}

void writew(u16 val, u64 addr)
{
	struct machine *m = kernel_machine();
	if (m)
		hw_mmio_write(m, addr, 2, val);
}

u32 readl(u64 addr)
{
	struct machine *m = kernel_machine();
	u64 v = ~0ull;
	if (m)
		hw_mmio_read(m, addr, 4, &v);
	return (u32)v;
}

void writel(u32 val, u64 addr)
{
	struct machine *m = kernel_machine();
	if (m)
		hw_mmio_write(m, addr, 4, val);
}

u64 readq(u64 addr)
{
	struct machine *m = kernel_machine();
	u64 v = ~0ull;
	if (m)
		hw_mmio_read(m, addr, 8, &v);
	return v;
}

void writeq(u64 val, u64 addr)
{
	struct machine *m = kernel_machine();
	if (m)
		hw_mmio_write(m, addr, 8, val);
}
