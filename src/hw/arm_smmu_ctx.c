/*
 * The SMMUv2 model's context banks as translation regimes: what CBAR,
 * CBA2R, SCTLR, TCR, TCR2 and TTBRn say, decoded into the common
 * translation config (smmu_common.h) that the common walker follows.
 * AArch64 banks use the VMSAv8-64 format (4 KiB and 64 KiB granules),
 * AArch32 banks the VMSAv7 long-descriptor format.
 */
#include <string.h>

#include "hw/arm_smmu_priv.h"

/* TG0 encodes 4K/64K/16K as 0/1/2; 16K is not implemented and reads as 4K. */
static unsigned tg0_shift(u32 tcr)
{
	return ((tcr >> TCR_TG0_SHIFT) & 3) == 1 ? 16 : 12;
}

/* TG1 encodes 16K/4K/64K as 1/2/3. */
static unsigned tg1_shift(u32 tcr)
{
	return ((tcr >> TCR_TG1_SHIFT) & 3) == 3 ? 16 : 12;
}

static void decode_aarch64(const struct arm_smmu *s, const struct smmu_cb *cb,
			   struct smmu_trans_cfg *c)
{
	u32 tcr = cb->tcr;
	unsigned t0sz = tcr & 0x3f, t1sz = (tcr >> TCR_T1SZ_SHIFT) & 0x3f;
	unsigned idr_oas = smmu_pasize_bits((s->idr[2] >> ID2_OAS_SHIFT) & 0xf);

	/* Out-of-range sizes are clamped to the nearest supported one. */
	t0sz = MIN(MAX(t0sz, 16u), 39u);
	t1sz = MIN(MAX(t1sz, 16u), 39u);
	c->aarch64 = true;
	c->oas = MIN(smmu_pasize_bits(cb->tcr2 & TCR2_PASIZE), idr_oas);
	c->asid = (tcr & TCR_A1 ? cb->ttbr[1] : cb->ttbr[0]) >> 48;
	if (!(cb->tcr2 & TCR2_AS))
		c->asid &= 0xff;
	smmu_tt_setup(&c->tt[0], !(tcr & TCR_EPD0), 64 - t0sz, tg0_shift(tcr), cb->ttbr[0], 47);
	smmu_tt_setup(&c->tt[1], !(tcr & TCR_EPD1), 64 - t1sz, tg1_shift(tcr), cb->ttbr[1], 47);
}

static void decode_aarch32_lpae(const struct smmu_cb *cb, struct smmu_trans_cfg *c)
{
	u32 tcr = cb->tcr;
	unsigned t0sz = tcr & 7, t1sz = (tcr >> TCR_T1SZ_SHIFT) & 7;
	bool lpae = tcr & TCR_EAE;   /* the short-descriptor format is not modelled */

	c->oas = 40;
	c->asid = ((tcr & TCR_A1 ? cb->ttbr[1] : cb->ttbr[0]) >> 48) & 0xff;
	smmu_tt_setup(&c->tt[0], lpae && !(tcr & TCR_EPD0), 32 - t0sz, 12, cb->ttbr[0], 39);
	/* T1SZ = 0 gives TTBR1 no range at all. */
	smmu_tt_setup(&c->tt[1], lpae && t1sz && !(tcr & TCR_EPD1), 32 - t1sz, 12, cb->ttbr[1], 39);
}

void smmu_ctx_decode(const struct arm_smmu *s, struct smmu_cb *cb)
{
	struct smmu_ctx_cfg *c = &cb->cfg;

	memset(c, 0, sizeof(*c));
	cb->dirty = false;
	if (((cb->cbar >> CBAR_TYPE_SHIFT) & 3) != CBAR_TYPE_S1_S2BYPASS) {
		c->kind = CTX_INVALID;
		return;
	}
	if (!(cb->sctlr & SCTLR_M)) {
		c->kind = CTX_BYPASS;
		return;
	}
	c->kind = CTX_S1;
	if (s->v2 && (cb->cba2r & CBA2R_VA64))
		decode_aarch64(s, cb, &c->tc);
	else
		decode_aarch32_lpae(cb, &c->tc);
}
