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
 * its wired line. CMD_SYNC with CS=IRQ and an MSIADDR writes its MSIDATA
 * the same way (Linux's MSI polling of CMD_SYNC).
 *
 * The write goes straight to the system bus (an SMMU's own MSIs are not
 * translated), and where it lands decides what happens:
 * - RAM: a plain write, at once (nothing can run because of it). Like an
 *   event record, it is the SMMU's own access to memory the driver gave
 *   it, not a master's DMA: the oracle does not judge it; msi_ram counts it.
 * - another device's registers (an ITS doorbell, with the DeviceID):
 *   posted, as an interconnect posts writes. It is delivered once the
 *   model has finished the register write or the event that raised it,
 *   so a device that writes back into the SMMU finds it consistent, never
 *   in the middle of a command or of an interrupt update.
 * - the SMMU's own register window: aborts. The architecture gives an
 *   SMMU no way to program itself, and on hardware its outgoing port does
 *   not lead back into its register file.
 * - nothing: aborts.
 * An abort raises the source's GERROR.MSI_*_ABT_ERR. Round trips through
 * other devices are bounded: past V3_MSI_REENTRY_MAX register writes into
 * the model during one round of delivery, its remaining MSIs abort.
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

static void msi_abort(struct arm_smmu_v3 *s, enum v3_msi_src src)
{
	static const u32 abt[] = { [V3_MSI_EVTQ] = V3_GERROR_MSI_EVTQ_ABT,
				   [V3_MSI_GERROR] = V3_GERROR_MSI_GERROR_ABT,
				   [V3_MSI_CMDQ] = V3_GERROR_MSI_CMDQ_ABT };

	s->stats.msi_aborts++;
	v3_gerror_toggle(s, abt[src]);
}

/* A write to RAM: 0, or -EFAULT when @addr is not RAM. */
static int msi_to_ram(struct arm_smmu_v3 *s, u64 addr, u32 data)
{
	int ret = hw_mem_write(s->common.m, addr, &data, sizeof(data));

	if (!ret)
		s->stats.msi_ram++;
	return ret;
}

/* Returns false when nothing took the write (an abort). */
static bool msi_deliver(struct arm_smmu_v3 *s, u64 addr, u32 data)
{
	int ret = hw_msi_write(s->common.m, addr, s->msi_devid, data, 4);

	if (ret == -EFAULT)
		return msi_to_ram(s, addr, data) == 0;
	return ret == 0;
}

/* An MSI the model raises: written to RAM at once, posted or aborted. */
void v3_msi_post(struct arm_smmu_v3 *s, enum v3_msi_src src, u64 addr, u32 data)
{
	struct v3_msi_post *p;

	s->stats.msi++;
	if (addr - s->reg_base < s->reg_size) {
		msi_abort(s, src);
		return;
	}
	/* RAM after nothing posted: no reordering, and no one to re-enter us. */
	if (!s->posted_nr && hw_mem_is_ram(s->common.m, addr, 4)) {
		msi_to_ram(s, addr, data);
		return;
	}
	if (s->posted_nr == V3_MSI_POSTED) {
		msi_abort(s, src);
		return;
	}
	p = &s->posted[(s->posted_head + s->posted_nr++) % V3_MSI_POSTED];
	p->addr = addr;
	p->data = data;
	p->src = (u8)src;
}

/*
 * Delivers what is posted, once nothing is in progress: a register write
 * into the model during delivery (from the device it reached) posts its
 * own MSIs here, to this loop; a stalled command queue resumes as slots
 * free.
 */
void v3_msi_flush(struct arm_smmu_v3 *s)
{
	if (s->depth || s->draining || (!s->posted_nr && !s->cmdq_stalled))
		return;
	s->draining = true;
	s->reentries = 0;
	while (s->posted_nr || s->cmdq_stalled) {
		struct v3_msi_post p;

		if (!s->posted_nr) {
			s->cmdq_stalled = false;
			v3_cmdq_consume(s);
			continue;
		}
		p = s->posted[s->posted_head];
		s->posted_head = (s->posted_head + 1) % V3_MSI_POSTED;
		s->posted_nr--;
		if (s->reentries > V3_MSI_REENTRY_MAX || !msi_deliver(s, p.addr, p.data))
			msi_abort(s, p.src);
	}
	s->draining = false;
}

/* Whether @src signals by MSI (IDR0.MSI and an address) instead of its line. */
bool v3_msi_enabled(const struct arm_smmu_v3 *s, enum v3_msi_src src)
{
	return s->msi && (s->msi_cfg[src].cfg0 & V3_MSI_ADDR);
}

/* A rising source's MSI (v3_msi_enabled). */
void v3_msi_signal(struct arm_smmu_v3 *s, enum v3_msi_src src)
{
	const struct v3_msi_cfg *c = &s->msi_cfg[src];

	v3_msi_post(s, src, c->cfg0 & V3_MSI_ADDR, c->cfg1);
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
