/*
 * Which model a device-tree node gets: compatible string -> create function.
 * Memory nodes (device_type = "memory") are handled by mem.c; nodes no
 * model claims get nothing and are no error.
 */
#include "hw_internal.h"
#include "hw_models.h"
#include "arm_smmu.h"
#include "arm_smmu_v3.h"
#include "gic_its.h"
#include "gicv2m.h"
#include "mbigen.h"
#include "pci_host.h"
#include "tegra_mc.h"

const struct hw_model hw_models[] = {
	/* IOMMUs: created first, so masters can be routed to them. */
	{ "arm,mmu-500", arm_smmu_v2_create, true },
	{ "arm,smmu-v2", arm_smmu_v2_create, true },
	{ "cavium,smmu-v2", arm_smmu_v2_create, true },
	{ "arm,mmu-401", arm_smmu_v2_create, true },
	{ "arm,smmu-v1", arm_smmu_v2_create, true },
	{ "arm,mmu-400", arm_smmu_v2_create, true },
	/* Vendor integrations of SMMUv2 / MMU-500 without an "arm," fallback. */
	{ "qcom,smmu-v2", arm_smmu_v2_create, true },
	{ "qcom,smmu-500", arm_smmu_v2_create, true },
	{ "nvidia,smmu-500", arm_smmu_v2_create, true },
	{ "arm,smmu-v3", arm_smmu_v3_create, true },
	/* Bus masters and other devices. */
	{ "arm,gic-v2m-frame", gicv2m_create, false },
	{ "arm,gic-v3-its", gic_its_create, false },
	{ "hisilicon,mbigen-v2", mbigen_create, false },
	{ "nvidia,tegra186-mc", tegra_mc_create, false },
	{ "nvidia,tegra194-mc", tegra_mc_create, false },
	{ "nvidia,tegra234-mc", tegra_mc_create, false },
	{ "iommulab,dma-copy", dma_copy_create, false },
	{ "pci-host-ecam-generic", pci_host_create, false },
	{ NULL, NULL, false },
};
