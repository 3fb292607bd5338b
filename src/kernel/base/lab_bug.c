// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bug catalogue's switches (lab_bug.h): a constant table and one word
 * of kernel state read from `lab.bug=` at boot.
 */
#include <string.h>

#include "kernel/base/cmdline.h"
#include "kernel/base/lab_bug.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

const struct lab_bug_info lab_bug_table[NR_LAB_BUGS] = {
	[LAB_BUG_GROUP_REF] = {
		"group-ref",
		"a device joining an existing group takes no group reference, so the group is freed while a member remains",
		"2016, arm-smmu stream-ID sharing and the probe-deferral rework of of_iommu (arm_smmu_device_group)",
		"", NULL, NULL },
	[LAB_BUG_SME_FREED_ON_UNBIND] = {
		"sme-freed-on-unbind",
		"unbinding a driver frees the device's stream-map entries: its stream falls back to bypass and it can DMA again",
		"2016, arm64 arch_teardown_dma_ops detached the device and arm-smmu's detach freed its SMRs/S2CRs",
		"arm-smmu.disable_bypass=0", NULL, NULL },
	[LAB_BUG_OWNER_WHILE_KERNEL] = {
		"owner-while-kernel",
		"a user claims DMA ownership of a group while a kernel driver still uses its DMA API",
		"2021, the DMA-ownership series (iommu_group_claim_dma_owner); the PCI variant, checked only on the platform bus, waits for PCI",
		"", NULL, NULL },
	[LAB_BUG_MISSED_TLBI] = {
		"missed-tlbi",
		"unmap sends no TLB invalidation: the IOTLB keeps translations into freed pages",
		"arm-smmu and arm-smmu-v3 tlb_inv paths; the old arm-smmu.lab_skip_tlbi and arm-smmu-v3.lab_skip_tlbi hooks are aliases",
		"", NULL, NULL },
	[LAB_BUG_FQ_NOT_DRAINED] = {
		"fq-not-drained",
		"a lazy (DMA-FQ) domain is freed without draining its flush queue: queued IOTLB entries survive into the next domain on the bank",
		"iommu_put_dma_cookie / iommu_dma_free_fq (the flush-queue teardown reworked in 2021-2023)",
		"iommu.strict=0 vfio_iommu_type1.allow_unsafe_interrupts=1", NULL, NULL },
	[LAB_BUG_MSI_LEFT_MAPPED] = {
		"msi-left-mapped",
		"an MSI doorbell stays mapped after its domain is freed: the IOTLB entry a device's MSI left lets the next domain on the context bank write the doorbell",
		"dma-iommu's MSI pages at domain teardown (iommu_put_dma_cookie); Linux's free_io_pgtable_ops flushes the context",
		"vfio_iommu_type1.allow_unsafe_interrupts=1", NULL, NULL },
	[LAB_BUG_VFIO_UNMAP_KEEPS] = {
		"vfio-unmap-keeps-mapping",
		"VFIO_IOMMU_UNMAP_DMA unpins the pages but leaves the IOMMU mapping: the device can still reach them",
		"vfio_iommu_type1 vfio_unmap_unpin (unmap/unpin ordering fixes)",
		"vfio_iommu_type1.allow_unsafe_interrupts=1", NULL, NULL },
	[LAB_BUG_OVERRIDE_RESCAN] = {
		"override-ignored-on-rescan",
		"driver_override is ignored on a rescan: a hot-added device binds to the host driver",
		"2013, the driver_override series for PCI (pci_match_device: the ID tables matched before the override)",
		"", NULL, NULL },
};

int lab_bug_by_name(const char *name)
{
	for (int i = 0; i < NR_LAB_BUGS; i++)
		if (!strcmp(lab_bug_table[i].name, name))
			return i;
	return -1;
}

void lab_bug_init(void)
{
	const char *list = cmdline_get("lab.bug");
	char name[64];

	kstate->lab_bug.on = 0;
	while (list && *list) {
		size_t n = strcspn(list, ",");
		int id = -1;

		if (n && n < sizeof(name)) {
			memcpy(name, list, n);
			name[n] = '\0';
			id = lab_bug_by_name(name);
		}
		if (id >= 0) {
			kstate->lab_bug.on |= 1u << id;
			pr_warn("lab.bug: %s switched on (a known bug, re-introduced)\n", name);
		} else if (n) {
			pr_warn("lab.bug: unknown bug '%.*s' ignored\n", (int)n, list);
		}
		list += n;
		if (*list == ',')
			list++;
	}
}

bool lab_bug(enum lab_bug_id id)
{
	return kstate && (kstate->lab_bug.on & (1u << id));
}
