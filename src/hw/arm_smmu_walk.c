/*
 * The SMMU model's stage-1 table walker: the VMSAv8-64 format (4 KiB and
 * 64 KiB granules) for AArch64 contexts and the VMSAv7 long-descriptor
 * (LPAE) format for AArch32 contexts. Tables are read from emulated RAM
 * only; whatever a descriptor says, the walk ends in a result or a fault.
 */
#include <string.h>

#include "hw/arm_smmu_priv.h"

#define DESC_VALID BIT_ULL(0)
#define DESC_TABLE BIT_ULL(1)      /* with VALID: table (levels 0-2) or page (level 3) */
#define DESC_AP1 BIT_ULL(6)        /* unprivileged access allowed */
#define DESC_AP2 BIT_ULL(7)        /* read-only */
#define DESC_AF BIT_ULL(10)
#define DESC_NG BIT_ULL(11)
#define DESC_APTABLE0 BIT_ULL(61)  /* no unprivileged access below */
#define DESC_APTABLE1 BIT_ULL(62)  /* read-only below */

static unsigned pasize_bits(unsigned enc)
{
	static const u8 bits[] = { 32, 36, 40, 42, 44, 48 };

	return enc < ARRAY_SIZE(bits) ? bits[enc] : 48;
}

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

static unsigned levels_for(unsigned va_bits, unsigned gshift)
{
	unsigned bpl = gshift - 3;

	return (va_bits - gshift + bpl - 1) / bpl;
}

/* Fills @tt for a table of @va_bits input bits at TTBR value @ttbr. */
static void tt_setup(struct smmu_tt *tt, bool enabled, unsigned va_bits, unsigned gshift,
		     u64 ttbr, unsigned pa_top)
{
	unsigned bpl = gshift - 3, levels, top_bits, align;

	tt->enabled = enabled;
	tt->gshift = gshift;
	tt->va_bits = va_bits;
	levels = levels_for(va_bits, gshift);
	tt->start_level = 4 - levels;
	/* The top table holds 2^top_bits descriptors and is aligned to its size. */
	top_bits = va_bits - gshift - bpl * (levels - 1);
	align = top_bits + 3;
	tt->base = ttbr & GENMASK_ULL(pa_top, align);
}

void smmu_ctx_decode(const struct arm_smmu *s, struct smmu_cb *cb)
{
	struct smmu_ctx_cfg *c = &cb->cfg;
	u32 tcr = cb->tcr;

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
	c->aarch64 = s->v2 && (cb->cba2r & CBA2R_VA64);
	if (c->aarch64) {
		unsigned t0sz = tcr & 0x3f, t1sz = (tcr >> TCR_T1SZ_SHIFT) & 0x3f;
		unsigned idr_oas = pasize_bits((s->idr[2] >> ID2_OAS_SHIFT) & 0xf);

		/* Out-of-range sizes are clamped to the nearest supported one. */
		t0sz = MIN(MAX(t0sz, 16u), 39u);
		t1sz = MIN(MAX(t1sz, 16u), 39u);
		c->oas = MIN(pasize_bits(cb->tcr2 & TCR2_PASIZE), idr_oas);
		c->asid = (tcr & TCR_A1 ? cb->ttbr[1] : cb->ttbr[0]) >> 48;
		if (!(cb->tcr2 & TCR2_AS))
			c->asid &= 0xff;
		tt_setup(&c->tt[0], !(tcr & TCR_EPD0), 64 - t0sz, tg0_shift(tcr), cb->ttbr[0], 47);
		tt_setup(&c->tt[1], !(tcr & TCR_EPD1), 64 - t1sz, tg1_shift(tcr), cb->ttbr[1], 47);
	} else {
		unsigned t0sz = tcr & 7, t1sz = (tcr >> TCR_T1SZ_SHIFT) & 7;
		bool lpae = tcr & TCR_EAE;   /* the short-descriptor format is not modelled */

		c->oas = 40;
		c->asid = ((tcr & TCR_A1 ? cb->ttbr[1] : cb->ttbr[0]) >> 48) & 0xff;
		tt_setup(&c->tt[0], lpae && !(tcr & TCR_EPD0), 32 - t0sz, 12, cb->ttbr[0], 39);
		/* T1SZ = 0 gives TTBR1 no range at all. */
		tt_setup(&c->tt[1], lpae && t1sz && !(tcr & TCR_EPD1), 32 - t1sz, 12, cb->ttbr[1], 39);
	}
}

/* Which table translates @va, and the address bits it indexes by; NULL: none. */
static const struct smmu_tt *select_tt(const struct smmu_ctx_cfg *c, u64 va)
{
	const struct smmu_tt *t0 = &c->tt[0], *t1 = &c->tt[1];

	if (c->aarch64) {
		if ((va >> t0->va_bits) == 0)
			return t0->enabled ? t0 : NULL;
		if ((~va >> t1->va_bits) == 0)
			return t1->enabled ? t1 : NULL;
		return NULL;
	}
	if (va >> 32)
		return NULL;
	if ((va >> t0->va_bits) == 0)
		return t0->enabled ? t0 : NULL;
	if (t1->enabled && (((~va) & 0xffffffffull) >> t1->va_bits) == 0)
		return t1;
	return NULL;
}

/* Level 0 never holds a block; with 64K pages only level 2 (512 MiB) does. */
static bool block_allowed(unsigned gshift, unsigned level)
{
	if (gshift == 16)
		return level == 2;          /* 4 TiB level-1 blocks need 52-bit PAs */
	return level == 1 || level == 2;    /* 1 GiB, 2 MiB */
}

void smmu_walk(struct arm_smmu *s, const struct smmu_ctx_cfg *c, u64 va,
	       struct smmu_walk_result *r)
{
	const struct smmu_tt *tt = select_tt(c, va);
	unsigned pa_top = c->aarch64 ? 47 : 39;
	bool ap_ro = false, ap_priv = false;
	unsigned g, bpl, lvl;
	u64 table;

	memset(r, 0, sizeof(*r));
	if (!tt) {
		r->fault = FSR_TF;
		r->level = 0;
		return;
	}
	g = tt->gshift;
	bpl = g - 3;
	table = tt->base;
	if (table >> c->oas) {
		r->fault = FSR_ASF;
		r->level = tt->start_level;
		r->ptw = true;
		return;
	}
	for (lvl = tt->start_level; lvl <= 3; lvl++) {
		unsigned shift = g + bpl * (3 - lvl);
		unsigned bits = lvl == tt->start_level ? tt->va_bits - shift : bpl;
		u64 idx = (va >> shift) & ((1ull << bits) - 1);
		u64 desc;

		r->level = lvl;
		if (hw_mem_read(s->m, table + idx * 8, &desc, sizeof(desc))) {
			r->fault = FSR_EF;
			r->ptw = true;
			return;
		}
		if (!(desc & DESC_VALID)) {
			r->fault = FSR_TF;
			return;
		}
		if (lvl < 3 && (desc & DESC_TABLE)) {
			table = desc & GENMASK_ULL(pa_top, g);
			if (table >> c->oas) {
				r->fault = FSR_ASF;
				r->ptw = true;
				return;
			}
			ap_ro |= !!(desc & DESC_APTABLE1);
			ap_priv |= !!(desc & DESC_APTABLE0);
			continue;
		}
		/* A leaf: a page at level 3, a block above it. */
		if ((lvl == 3 && !(desc & DESC_TABLE)) ||
		    (lvl < 3 && !block_allowed(g, lvl))) {
			r->fault = FSR_TF;
			return;
		}
		r->pa = desc & GENMASK_ULL(pa_top, shift);
		r->shift = shift;
		if (r->pa >> c->oas) {
			r->fault = FSR_ASF;
			return;
		}
		if (!(desc & DESC_AF)) {
			r->fault = FSR_AFF;
			return;
		}
		r->ro = ap_ro || (desc & DESC_AP2);
		r->priv_only = ap_priv || !(desc & DESC_AP1);
		r->global = !(desc & DESC_NG);
		return;
	}
	r->fault = FSR_TF;   /* not reached: level 3 always ends the loop */
}
