/*
 * The SMMUv3 model's translate op: the stream table (linear or two-level)
 * gives a stream's STE, an STE of config stage 1 a CD from its linear CD
 * table, and the CD a translation config for the common walker. Decoded
 * configurations are cached per stream until a CFGI command drops them,
 * as hardware may cache them: a driver that forgets a CFGI_STE keeps the
 * old configuration. Translations are cached in the common IOTLB, tagged
 * by ASID, until a TLBI drops them.
 *
 * Whatever memory holds, a transaction ends in a translation, a bypass,
 * an abort or an architected event: C_BAD_STREAMID, F_STE_FETCH,
 * C_BAD_STE, F_STREAM_DISABLED, F_CD_FETCH, C_BAD_CD, or a walk's
 * F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION, F_WALK_EABT.
 */
#include <errno.h>
#include <string.h>

#include "hw/arm_smmu_v3_priv.h"

/* Why a stream's configuration could not be used: the event to record. */
struct v3_fault {
	u8 evt;
	u8 class;
	u64 fetch;   /* the address a fetch fault was reading */
};

static bool cfg_fault(struct v3_fault *f, u8 evt, u64 fetch)
{
	f->evt = evt;
	f->class = V3_CLASS_CD;
	f->fetch = fetch;
	return false;
}

/* ---- the event queue ---------------------------------------------------- */

void v3_record_event(struct arm_smmu_v3 *s, const u64 evt[4])
{
	unsigned shift = v3_q_shift(&s->evtq, s->evtq_shift);
	u64 base = s->evtq.base & V3_Q_BASE_ADDR;
	u32 prod = s->evtq.prod;

	if (!(s->cr0 & V3_CR0_EVTQEN)) {
		s->stats.events_lost++;
		return;
	}
	if (v3_q_full(prod, s->evtq.cons, shift)) {
		/* Lost: OVFLG now differs from CONS.OVACKFLG until acknowledged. */
		if (!((prod ^ s->evtq.cons) & V3_Q_OVF))
			s->evtq.prod ^= V3_Q_OVF;
		s->stats.events_lost++;
		return;
	}
	if (hw_mem_write(s->common.m, base + (u64)v3_q_idx(prod, shift) * 32, evt, 32)) {
		s->stats.events_lost++;
		v3_gerror_toggle(s, V3_GERROR_EVTQ_ABT);
		v3_msi_flush(s);
		return;
	}
	s->stats.events++;
	s->evtq.prod = v3_q_inc(prod, shift);
	v3_update_irqs(s);
	v3_msi_flush(s);   /* the event queue's MSI, if it rose */
}

static void report(struct arm_smmu_v3 *s, u8 id, u32 sid, u64 addr, enum hw_access acc,
		   bool priv, u8 class, u64 fetch)
{
	u64 evt[4] = {
		id | (u64)sid << 32,
		(acc == HW_READ ? V3_EVT1_RNW : 0) | (priv ? V3_EVT1_PNU : 0) |
			(u64)class << V3_EVT1_CLASS_SHIFT,
		addr,
		fetch,
	};

	v3_record_event(s, evt);
}

/* ---- the configuration cache ---------------------------------------------- */

void v3_cfg_inv_all(struct arm_smmu_v3 *s)
{
	for (unsigned i = 0; i < V3_CFG_CACHE; i++)
		s->cache[i].valid = false;
}

void v3_cfg_inv_range(struct arm_smmu_v3 *s, u32 first, u32 last)
{
	for (unsigned i = 0; i < V3_CFG_CACHE; i++)
		if (s->cache[i].valid && s->cache[i].sid >= first && s->cache[i].sid <= last)
			s->cache[i].valid = false;
}

/* ---- the stream table ----------------------------------------------------- */

/* The address of @sid's STE, or a fault (C_BAD_STREAMID, F_STE_FETCH). */
static bool find_ste(struct arm_smmu_v3 *s, u32 sid, u64 *addr, struct v3_fault *f)
{
	u64 base = s->strtab_base & V3_STRTAB_BASE_ADDR;
	unsigned log2size = s->strtab_cfg & 0x3f, fmt = (s->strtab_cfg >> V3_STRTAB_FMT_SHIFT) & 3;
	unsigned split, span, bits = MIN(log2size, s->sid_bits);
	u64 l1, desc, low;

	if ((u64)sid >> bits)
		return cfg_fault(f, V3_EVT_C_BAD_STREAMID, 0);
	if (fmt == 0) {
		*addr = base + (u64)sid * V3_STE_SIZE;
		return true;
	}
	split = (s->strtab_cfg >> V3_STRTAB_SPLIT_SHIFT) & 0x1f;
	if (fmt != 1 || (split != 6 && split != 8 && split != 10))
		return cfg_fault(f, V3_EVT_C_BAD_STREAMID, 0);   /* reserved encodings */
	l1 = base + ((u64)sid >> split) * 8;
	if (hw_mem_read(s->common.m, l1, &desc, sizeof(desc)))
		return cfg_fault(f, V3_EVT_F_STE_FETCH, l1);
	span = desc & V3_L1_SPAN;
	low = sid & ((1u << split) - 1);
	/* SPAN 0 is an invalid descriptor; a span past the split is reserved. */
	if (!span || span > split + 1 || (low >> (span - 1)))
		return cfg_fault(f, V3_EVT_C_BAD_STREAMID, 0);
	*addr = (desc & V3_L1_L2PTR) + low * V3_STE_SIZE;
	return true;
}

/* TG0's and TG1's encodings of the granule, to a page shift (0: reserved). */
static unsigned tg0_shift(unsigned tg)
{
	static const u8 shifts[] = { 12, 16, 14, 0 };

	return shifts[tg & 3];
}

static unsigned tg1_shift(unsigned tg)
{
	static const u8 shifts[] = { 0, 14, 12, 16 };

	return shifts[tg & 3];
}

static bool granule_ok(const struct arm_smmu_v3 *s, unsigned shift)
{
	u32 gran = shift == 12 ? V3_IDR5_GRAN4K : shift == 14 ? V3_IDR5_GRAN16K :
		   shift == 16 ? V3_IDR5_GRAN64K : 0;

	return gran && (s->idr[5] & gran);
}

/* One TTBn: its size, granule and base from the CD; false for a reserved field. */
static bool decode_tt(const struct arm_smmu_v3 *s, struct smmu_tt *tt, bool enabled,
		      unsigned tsz, unsigned gshift, u64 ttb)
{
	if (!enabled) {
		memset(tt, 0, sizeof(*tt));
		return true;
	}
	if (!granule_ok(s, gshift) || tsz < 16 || tsz > 39)
		return false;
	smmu_tt_setup(tt, true, 64 - tsz, gshift, ttb & V3_CD_TTB, 47);
	return true;
}

/* The CD at @addr into @c; a fault (F_CD_FETCH, C_BAD_CD) otherwise. */
static bool decode_cd(struct arm_smmu_v3 *s, u64 addr, struct v3_stream_cfg *c,
		      struct v3_fault *f)
{
	u64 cd[8];

	if (hw_mem_read(s->common.m, addr, cd, sizeof(cd)))
		return cfg_fault(f, V3_EVT_F_CD_FETCH, addr);
	if (!(cd[0] & V3_CD0_V) || !(cd[0] & V3_CD0_AA64))
		return cfg_fault(f, V3_EVT_C_BAD_CD, 0);   /* AArch32 tables: IDR0.TTF */
	c->tc.aarch64 = true;
	c->tc.oas = (u8)MIN(smmu_pasize_bits((cd[0] >> V3_CD0_IPS_SHIFT) & 7), 48u);
	c->tc.asid = (u16)(cd[0] >> V3_CD0_ASID_SHIFT);
	c->record = cd[0] & V3_CD0_R;
	if (!decode_tt(s, &c->tc.tt[0], !(cd[0] & V3_CD0_EPD0), cd[0] & V3_CD0_T0SZ,
		       tg0_shift((unsigned)(cd[0] >> V3_CD0_TG0_SHIFT)), cd[1]) ||
	    !decode_tt(s, &c->tc.tt[1], !(cd[0] & V3_CD0_EPD1),
		       (cd[0] >> V3_CD0_T1SZ_SHIFT) & 0x3f,
		       tg1_shift((unsigned)(cd[0] >> V3_CD0_TG1_SHIFT)), cd[2]))
		return cfg_fault(f, V3_EVT_C_BAD_CD, 0);
	return true;
}

/* Stage 1: which CD a transaction without a substream uses (S1DSS). */
static bool decode_s1(struct arm_smmu_v3 *s, const u64 *ste, struct v3_stream_cfg *c,
		      struct v3_fault *f)
{
	unsigned cdmax = (unsigned)(ste[0] >> V3_STE0_S1CDMAX_SHIFT);
	unsigned fmt = (ste[0] >> V3_STE0_S1FMT_SHIFT) & 3;

	if (cdmax > s->ssid_bits || (cdmax && fmt))
		return cfg_fault(f, V3_EVT_C_BAD_STE, 0);   /* no substreams past SSIDSIZE, no CD2L */
	if (cdmax) {
		switch (ste[1] & V3_STE1_S1DSS_MASK) {
		case 0:
			return cfg_fault(f, V3_EVT_F_STREAM_DISABLED, 0);
		case 1:
			c->kind = V3_STE_BYPASS;
			return true;
		case 3:
			return cfg_fault(f, V3_EVT_C_BAD_STE, 0);
		}
	}
	c->kind = V3_STE_S1;
	return decode_cd(s, ste[0] & V3_STE0_S1CTXPTR, c, f);
}

static bool decode_ste(struct arm_smmu_v3 *s, u32 sid, struct v3_stream_cfg *c,
		       struct v3_fault *f)
{
	u64 addr, ste[8];

	if (!find_ste(s, sid, &addr, f))
		return false;
	s->stats.ste_fetches++;
	if (hw_mem_read(s->common.m, addr, ste, sizeof(ste)))
		return cfg_fault(f, V3_EVT_F_STE_FETCH, addr);
	if (!(ste[0] & V3_STE0_V))
		return cfg_fault(f, V3_EVT_C_BAD_STE, 0);
	memset(c, 0, sizeof(*c));
	c->sid = sid;
	c->priv = ((ste[1] >> V3_STE1_PRIVCFG_SHIFT) & 3) == 3;
	switch ((ste[0] >> V3_STE0_CFG_SHIFT) & 7) {
	case V3_CFG_ABORT:
		c->kind = V3_STE_ABORT;
		return true;
	case V3_CFG_BYPASS:
		c->kind = V3_STE_BYPASS;
		return true;
	case V3_CFG_S1:
		return decode_s1(s, ste, c, f);
	}
	/* Stage 2 and nesting (IDR0.S2P = 0) and the reserved encodings. */
	return cfg_fault(f, V3_EVT_C_BAD_STE, 0);
}

/* @sid's configuration, from the cache or memory; NULL with @f filled. */
static inline const struct v3_stream_cfg *stream_cfg(struct arm_smmu_v3 *s, u32 sid,
						     struct v3_fault *f)
{
	struct v3_stream_cfg *c = &s->cache[sid % V3_CFG_CACHE];
	struct v3_stream_cfg fresh;

	if (likely(c->valid && c->sid == sid))
		return c;
	if (!decode_ste(s, sid, &fresh, f))
		return NULL;   /* a configuration that faults is never cached */
	fresh.valid = true;
	*c = fresh;
	return c;
}

/* ---- the translate op ----------------------------------------------------- */

static int xlate_abort(struct hw_xlate *out)
{
	out->kind = HW_XLATE_FAULT;
	out->pa = 0;
	out->len = 0;
	out->domain_tag = 0;
	return -EFAULT;
}

static u8 walk_event(u8 err)
{
	switch (err) {
	case SMMU_PTW_ERR_ACCESS: return V3_EVT_F_ACCESS;
	case SMMU_PTW_ERR_ADDR_SIZE: return V3_EVT_F_ADDR_SIZE;
	case SMMU_PTW_ERR_WALK_EABT: return V3_EVT_F_WALK_EABT;
	case SMMU_PTW_ERR_PERMISSION: return V3_EVT_F_PERMISSION;
	}
	return V3_EVT_F_TRANSLATION;
}

static int s1_fault(struct arm_smmu_v3 *s, const struct v3_stream_cfg *c,
		    const struct smmu_walk_result *r, u32 sid, u64 addr, enum hw_access acc,
		    struct hw_xlate *out)
{
	/* CD.R = 0: the transaction is terminated without a record. */
	if (c->record)
		report(s, walk_event(r->err), sid, addr, acc, c->priv,
		       r->ptw ? V3_CLASS_TT : V3_CLASS_IN, 0);
	return xlate_abort(out);
}

static int s1_translate(struct arm_smmu_v3 *s, const struct v3_stream_cfg *c, u32 sid,
			u64 addr, enum hw_access acc, struct hw_xlate *out)
{
	struct smmu_walk_result r;

	if (likely(!smmu_s1_translate(&s->common, V3_TLB_CTX, &c->tc, addr, acc, c->priv,
				      c->tc.asid + 1u, out, &r)))
		return 0;
	return s1_fault(s, c, &r, sid, addr, acc, out);
}

static int v3_translate(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			struct hw_xlate *out)
{
	struct arm_smmu_v3 *s = container_of(iommu, struct arm_smmu_v3, common.iommu);
	const struct v3_stream_cfg *c;
	struct v3_fault f;

	out->from_tlb = false;
	if (!(s->cr0 & V3_CR0_SMMUEN))
		return (s->gbpa & V3_GBPA_ABORT) ? xlate_abort(out) : smmu_xlate_bypass(out, addr);
	c = stream_cfg(s, sid, &f);
	if (unlikely(!c)) {
		report(s, f.evt, sid, addr, acc, false, f.class, f.fetch);
		return xlate_abort(out);
	}
	switch (c->kind) {
	case V3_STE_ABORT:
		return xlate_abort(out);   /* an abort STE records nothing */
	case V3_STE_BYPASS:
		return smmu_xlate_bypass(out, addr);
	}
	return s1_translate(s, c, sid, addr, acc, out);
}

/*
 * The DMA path's fast lane (hw_iommu_ops.translate_hits): a stream whose
 * configuration is cached and translates at stage 1, its pages from the
 * IOTLB. Nothing changes the configuration or the IOTLB between the
 * pages; a stream not cached yet goes through v3_translate, which fetches
 * (and reports) it. Only hits are counted: the page it stops at is looked
 * up again by v3_translate, which counts it.
 */
static unsigned v3_translate_hits(struct hw_iommu *iommu, u32 sid, u64 addr, unsigned n,
				  enum hw_access acc, struct hw_xlate *out)
{
	struct arm_smmu_v3 *s = container_of(iommu, struct arm_smmu_v3, common.iommu);
	const struct v3_stream_cfg *c = &s->cache[sid % V3_CFG_CACHE];

	if (!(s->cr0 & V3_CR0_SMMUEN) || !c->valid || c->sid != sid || c->kind != V3_STE_S1)
		return 0;
	return smmu_iotlb_hits(&s->common.tlb, V3_TLB_CTX, c->tc.asid, addr, n, acc, c->priv,
			       c->tc.asid + 1u, out);
}

const struct hw_iommu_ops v3_iommu_ops = {
	.translate = v3_translate,
	.translate_hits = v3_translate_hits,
};
