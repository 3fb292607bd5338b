/*
 * The SMMU models' place in the machine: their state, freed with it, and
 * the hookup of their registers and of the DMA path of the masters that
 * name them. The walker is in smmu_common_ptw.c, the IOTLB in
 * smmu_common_iotlb.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "hw/hw_internal.h"
#include "hw/smmu_common.h"

void *smmu_state_new(struct machine *m, const void *fdt, int node, size_t size)
{
	struct smmu_state *s;
	const char *nm;

	if (size < sizeof(*s))
		return NULL;
	s = calloc(1, size);
	if (!s)
		return NULL;
	if (hw_on_destroy(m, free, s)) {
		free(s);
		return NULL;
	}
	s->m = m;
	nm = fdt_get_name(fdt, node, NULL);
	snprintf(s->name, sizeof(s->name), "%s", nm ? nm : "smmu");
	return s;
}

int smmu_state_register(struct smmu_state *s, int node, u64 base, u64 size,
			const struct hw_mmio_ops *mmio, const struct hw_iommu_ops *ops,
			char *why, size_t whylen)
{
	int ret = hw_mmio_map(s->m, base, size, mmio, s, s->name);

	if (ret) {
		hw_why(why, whylen, "%s: registers at %#llx overlap another device", s->name,
		       (unsigned long long)base);
		return ret;
	}
	s->iommu.ops = ops;
	s->iommu.fdt_node = node;
	s->iommu.name = s->name;
	hw_iommu_register(s->m, &s->iommu);
	return 0;
}
