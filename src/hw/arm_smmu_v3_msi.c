/*
 * The SMMUv3 model's MSIs (IDR0.MSI). The board says whether the SMMU's
 * MSI output reaches an interrupt controller: a node with `msi-parent`
 * (or the `iommulab,msi` knob) gets IDR0.MSI, and the first cell of
 * `msi-parent` is the DeviceID its writes carry (the interconnect's
 * sideband an ITS translates by).
 *
 * Each source (event queue, global errors) has IRQ_CFG0 (the doorbell
 * address), IRQ_CFG1 (the data) and IRQ_CFG2 (memory attributes). An MSI
 * is an edge: it is written when the source's interrupt condition rises
 * and its CFG0 address is not zero; with a zero address the source uses
 * its wired line. The write goes straight to the system bus (an SMMU's
 * own MSIs are not translated): an MSI doorbell gets it with the DeviceID,
 * other MMIO or RAM plainly; an address nothing decodes aborts, with the
 * source's GERROR.MSI_*_ABT_ERR. CMD_SYNC with CS=IRQ and an MSIADDR
 * writes its MSIDATA the same way (Linux's MSI polling of CMD_SYNC).
 */
#include <errno.h>
#include <libfdt.h>

#include "common/dt.h"
#include "hw/arm_smmu_v3_priv.h"
#include "hw/hw_internal.h"

void v3_msi_init(struct arm_smmu_v3 *s, const void *fdt, int node)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, "msi-parent", &len);

	s->msi = (v && len >= 4) || dt_prop_bool(fdt, node, "iommulab,msi");
	s->msi_devid = v && len >= 8 ? fdt32_to_cpu(v[1]) : 0;
}

/* Returns false when nothing decodes @addr (an abort). */
bool v3_msi_write(struct arm_smmu_v3 *s, u64 addr, u32 data)
{
	struct machine *m = s->common.m;
	int ret;

	s->stats.msi++;
	ret = hw_msi_write(m, addr, s->msi_devid, data, 4);
	if (ret == -EFAULT)
		return hw_mem_write(m, addr, &data, sizeof(data)) == 0;
	return ret == 0;
}

/* A rising source: its MSI if it has an address, else false (use the line). */
bool v3_msi_signal(struct arm_smmu_v3 *s, enum v3_msi_src src)
{
	static const u32 abt[] = { [V3_MSI_EVTQ] = V3_GERROR_MSI_EVTQ_ABT,
				   [V3_MSI_GERROR] = V3_GERROR_MSI_GERROR_ABT };
	const struct v3_msi_cfg *c = &s->msi_cfg[src];

	if (!s->msi || !(c->cfg0 & V3_MSI_ADDR))
		return false;
	if (!v3_msi_write(s, c->cfg0 & V3_MSI_ADDR, c->cfg1))
		v3_gerror_toggle(s, abt[src]);
	return true;
}

static struct v3_msi_cfg *cfg_of(struct arm_smmu_v3 *s, u32 off, u32 *reg)
{
	if (off >= V3_GERROR_IRQ_CFG0 && off < V3_GERROR_IRQ_CFG0 + 16) {
		*reg = off - V3_GERROR_IRQ_CFG0;
		return &s->msi_cfg[V3_MSI_GERROR];
	}
	if (off >= V3_EVTQ_IRQ_CFG0 && off < V3_EVTQ_IRQ_CFG0 + 16) {
		*reg = off - V3_EVTQ_IRQ_CFG0;
		return &s->msi_cfg[V3_MSI_EVTQ];
	}
	return NULL;
}

/* IRQ_CFG0 low/high word (0, 4), CFG1 (8), CFG2 (12); RES0 without IDR0.MSI. */
bool v3_msi_read32(struct arm_smmu_v3 *s, u32 off, u32 *val)
{
	u32 reg;
	struct v3_msi_cfg *c = cfg_of(s, off, &reg);

	if (!c)
		return false;
	*val = 0;
	if (!s->msi)
		return true;
	switch (reg) {
	case 0: *val = (u32)c->cfg0; break;
	case 4: *val = (u32)(c->cfg0 >> 32); break;
	case 8: *val = c->cfg1; break;
	case 12: *val = c->cfg2; break;
	}
	return true;
}

bool v3_msi_write32(struct arm_smmu_v3 *s, u32 off, u32 val)
{
	u32 reg;
	struct v3_msi_cfg *c = cfg_of(s, off, &reg);

	if (!c)
		return false;
	if (!s->msi)
		return true;
	switch (reg) {
	case 0: c->cfg0 = ((c->cfg0 & GENMASK_ULL(63, 32)) | val) & V3_MSI_ADDR; break;
	case 4: c->cfg0 = ((c->cfg0 & 0xffffffffull) | (u64)val << 32) & V3_MSI_ADDR; break;
	case 8: c->cfg1 = val; break;
	case 12: c->cfg2 = val & 0xf; break;   /* MemAttr */
	}
	return true;
}
