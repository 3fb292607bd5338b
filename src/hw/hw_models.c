/*
 * Which model a device-tree node gets: compatible string -> create function.
 * Memory nodes (device_type = "memory") are handled by mem.c; nodes no
 * model claims get nothing and are no error.
 */
#include "hw_internal.h"
#include "hw_models.h"

const struct hw_model hw_models[] = {
	/* IOMMUs: created first, so masters can be routed to them. */
	/* The SMMU model (src/hw/arm_smmu.c) adds its lines here:
	 * { "arm,mmu-500", arm_smmu_v2_create, true }, ... */
	/* Bus masters and other devices. */
	{ "iommulab,dma-copy", dma_copy_create, false },
	{ NULL, NULL, false },
};
