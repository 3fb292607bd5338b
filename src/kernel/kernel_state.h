/*
 * All of the kernel's mutable state, in one structure: kernel_boot creates
 * it, kernel_shutdown frees it, and `kstate` points at it in between (NULL
 * when no kernel runs). Two labs in one process therefore start from the
 * same zeroed structure, and a booted lab is one object a fork can copy.
 *
 * Each subsystem keeps its fields in its own struct type, declared in that
 * subsystem's private header next to its code, and embedded here. Its
 * `<sub>_state_init()` (called by kernel_state_create, before any
 * initcall) gives the fields that are not zero their first value, list
 * heads included. The only other file-scope variables of the kernel are
 * constant tables, and the harness state documented in docs/hacking.md
 * (kalloc's fail-the-Nth countdown and leak count, printk's console sink,
 * the checker's observer); tools/kernel-state-symbols.sh checks it.
 *
 * Adding a subsystem's state: see docs/hacking.md "Kernel state".
 */
#ifndef LAB_KERNEL_KERNEL_STATE_H
#define LAB_KERNEL_KERNEL_STATE_H

#include "kernel/base/base.h"
#include "kernel/base/cmdline_internal.h"
#include "kernel/base/fs_internal.h"
#include "kernel/base/irq_internal.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/module_internal.h"
#include "kernel/base/page_alloc_internal.h"
#include "kernel/base/platform_internal.h"
#include "kernel/base/printk_internal.h"
#include "kernel/base/sysfs_internal.h"
#include "kernel/base/user_frames_internal.h"
#include "kernel/of/of_internal.h"
#include "kernel/iommu/iommu-priv.h"
#include "kernel/drivers/arm-smmu.h"
#include "kernel/drivers/arm-smmu-v3-state.h"
#include "kernel/drivers/defer_test.h"
#include "kernel/irqchip/msi_internal.h"
#include "kernel/vfio/vfio.h"
#include "kernel/vfio/vfio_platform.h"
#include "kernel/vfio/vfio_pci.h"
#include "kernel/pci/pci_internal.h"

struct machine;

struct kernel {
	struct machine *machine;		/* what it booted on */
	struct cmdline_state cmdline;		/* base/cmdline.c */
	struct printk_state printk;		/* base/printk.c: dmesg, dyndbg */
	struct page_alloc_state page_alloc;	/* base/page_alloc.c */
	struct user_frames_state user_frames;	/* base/user_frames.c: the user window */
	struct irq_state irq;			/* base/irq.c */
	struct sysfs_state sysfs;		/* base/sysfs.c */
	struct core_state core;			/* base/core.c: /sys skeleton */
	struct bus_state bus;			/* base/bus.c */
	struct dd_state dd;			/* base/dd.c: binding, deferral */
	struct modules_state module;		/* base/module.c */
	struct platform_state platform;		/* base/platform.c */
	struct of_state of;			/* of/base.c */
	struct iommu_core_state iommu;		/* iommu/iommu.c: policy, instances */
	struct iommu_dma_state iommu_dma;	/* iommu/dma-iommu.c */
	struct iommu_group_state iommu_group;	/* iommu/group.c */
	struct iommu_sysfs_state iommu_sysfs;	/* iommu/iommu-sysfs.c */
	struct io_pgtable_mem_state io_pgtable_mem; /* iommu/io-pgtable-mem.c */
	struct arm_smmu_state arm_smmu;		/* drivers/arm-smmu*.c: module data, params */
	struct arm_smmu_v3_state arm_smmu_v3;	/* drivers/arm-smmu-v3*.c: module data, params */
	struct defer_test_state defer_test;	/* drivers/defer_test.c: params */
	struct msi_state msi;			/* irqchip/: MSI domains, GICv2m, ITS */
	struct fs_state fs;			/* base/char_dev.c, misc.c, devtmpfs.c */
	struct vfio_state vfio;			/* vfio/vfio_main.c: groups, numbering, /dev/vfio */
	struct vfio_type1_params vfio_type1;	/* vfio/vfio_iommu_type1.c: params */
	struct vfio_platform_state vfio_platform; /* vfio/vfio_platform.c */
	struct vfio_pci_state vfio_pci;		/* vfio/vfio_pci*.c: devices, params */
	struct lab_bug_state lab_bug;		/* base/lab_bug.c: the bug catalogue's switches */
	struct pci_state pci;			/* pci/: root buses, dynamic IDs, ACS */
};

/* The running kernel; NULL before kernel_boot and after kernel_shutdown. */
extern struct kernel *kstate;

/*
 * kernel_boot's first and kernel_shutdown's last step. Unit tests that
 * drive a subsystem without booting (test_sysfs, test_iommu) call them
 * around it. Create: 0, -EBUSY (one exists) or -ENOMEM.
 */
int kernel_state_create(struct machine *m);
void kernel_state_destroy(void);

#endif
