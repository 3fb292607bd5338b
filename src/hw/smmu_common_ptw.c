/*
 * The SMMU models' stage-1 table walker: the VMSAv8-64 format (4 KiB,
 * 16 KiB and 64 KiB granules) and the VMSAv7 long-descriptor (LPAE) format, as a
 * translation config describes them. Tables are read from emulated RAM
 * only; whatever a descriptor says, the walk ends in a result or a fault.
 */
#include <string.h>

#include "hw/smmu_common.h"

#define DESC_VALID BIT_ULL(0)
#define DESC_TABLE BIT_ULL(1)      /* with VALID: table (levels 0-2) or page (level 3) */
#define DESC_AP1 BIT_ULL(6)        /* unprivileged access allowed */
#define DESC_AP2 BIT_ULL(7)        /* read-only */
#define DESC_AF BIT_ULL(10)
#define DESC_NG BIT_ULL(11)
#define DESC_APTABLE0 BIT_ULL(61)  /* no unprivileged access below */
#define DESC_APTABLE1 BIT_ULL(62)  /* read-only below */

unsigned smmu_pasize_bits(unsigned enc)
{
	static const u8 bits[] = { 32, 36, 40, 42, 44, 48 };

	return enc < ARRAY_SIZE(bits) ? bits[enc] : 48;
}

static unsigned levels_for(unsigned va_bits, unsigned gshift)
{
	unsigned bpl = gshift - 3;

	return (va_bits - gshift + bpl - 1) / bpl;
}

void smmu_tt_setup(struct smmu_tt *tt, bool enabled, unsigned va_bits, unsigned gshift,
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

/* Which table translates @va; NULL: none. */
static const struct smmu_tt *select_tt(const struct smmu_trans_cfg *c, u64 va)
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

/*
 * Level 0 never holds a block; with 16K or 64K pages only level 2 (32 MiB,
 * 512 MiB) does: their level-1 blocks need 52-bit output addresses.
 */
static bool block_allowed(unsigned gshift, unsigned level)
{
	if (gshift != 12)
		return level == 2;
	return level == 1 || level == 2;    /* 1 GiB, 2 MiB */
}

static void ptw_fault(struct smmu_walk_result *r, enum smmu_ptw_err err, bool ptw)
{
	r->err = err;
	r->ptw = ptw;
}

void smmu_ptw(struct machine *m, const struct smmu_trans_cfg *c, u64 va,
	      struct smmu_walk_result *r)
{
	const struct smmu_tt *tt = select_tt(c, va);
	unsigned pa_top = c->aarch64 ? 47 : 39;
	bool ap_ro = false, ap_priv = false;
	unsigned g, bpl, lvl;
	u64 table;

	memset(r, 0, sizeof(*r));
	if (!tt)
		return ptw_fault(r, SMMU_PTW_ERR_TRANSLATION, false);
	g = tt->gshift;
	bpl = g - 3;
	table = tt->base;
	r->level = tt->start_level;
	if (table >> c->oas)
		return ptw_fault(r, SMMU_PTW_ERR_ADDR_SIZE, true);
	for (lvl = tt->start_level; lvl <= 3; lvl++) {
		unsigned shift = g + bpl * (3 - lvl);
		unsigned bits = lvl == tt->start_level ? tt->va_bits - shift : bpl;
		u64 idx = (va >> shift) & ((1ull << bits) - 1);
		u64 desc;

		r->level = lvl;
		if (hw_mem_read(m, table + idx * 8, &desc, sizeof(desc)))
			return ptw_fault(r, SMMU_PTW_ERR_WALK_EABT, true);
		if (!(desc & DESC_VALID))
			return ptw_fault(r, SMMU_PTW_ERR_TRANSLATION, false);
		if (lvl < 3 && (desc & DESC_TABLE)) {
			table = desc & GENMASK_ULL(pa_top, g);
			if (table >> c->oas)
				return ptw_fault(r, SMMU_PTW_ERR_ADDR_SIZE, true);
			ap_ro |= !!(desc & DESC_APTABLE1);
			ap_priv |= !!(desc & DESC_APTABLE0);
			continue;
		}
		/* A leaf: a page at level 3, a block above it. */
		if ((lvl == 3 && !(desc & DESC_TABLE)) ||
		    (lvl < 3 && !block_allowed(g, lvl)))
			return ptw_fault(r, SMMU_PTW_ERR_TRANSLATION, false);
		r->pa = desc & GENMASK_ULL(pa_top, shift);
		r->shift = shift;
		if (r->pa >> c->oas)
			return ptw_fault(r, SMMU_PTW_ERR_ADDR_SIZE, false);
		if (!(desc & DESC_AF))
			return ptw_fault(r, SMMU_PTW_ERR_ACCESS, false);
		r->ro = ap_ro || (desc & DESC_AP2);
		r->priv_only = ap_priv || !(desc & DESC_AP1);
		r->global = !(desc & DESC_NG);
		return;
	}
	ptw_fault(r, SMMU_PTW_ERR_TRANSLATION, false);   /* not reached: level 3 ends the loop */
}
