/*
 * ARM SMMUv1/v2 (MMU-400/401/500) model: registers, stream matching, fault
 * records, interrupts and the translate op of the DMA path. A context
 * bank's registers become a translation config in arm_smmu_ctx.c; the
 * table walker and the IOTLB are the SMMU models' common ones
 * (smmu_common.h); the register map is documented in docs/devices.md.
 *
 * The model never trusts what the driver writes: indexes beyond the
 * implemented registers are ignored, unimplemented bits read as zero, and
 * every configuration, however wrong, ends in bypass, a translation or an
 * architected fault record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw/arm_smmu.h"
#include "hw/arm_smmu_priv.h"
#include "hw/hw_internal.h"

/* ---- interrupts ----------------------------------------------------- */

static void update_global_irq(struct arm_smmu *s)
{
	bool level = (s->scr0 & sCR0_GFIE) && (s->sgfsr & sGFSR_FAULTS);

	if (level == s->global_level)
		return;
	s->global_level = level;
	if (s->global_irq)
		hw_irq_set(s->common.m, s->global_irq, level);
}

/* v2 gives each bank its own line; v1 routes a bank by CBAR.IRPTNDX. */
static unsigned ctx_line(const struct arm_smmu *s, unsigned cbi)
{
	return s->v2 ? cbi : s->cb[cbi].cbar >> CBAR_IRPTNDX_SHIFT;
}

/*
 * Several lines may name one INTID (a combined interrupt): its level is the
 * OR of theirs, kept on the first line that names it (ctx_irq_first, set
 * once the lines are read). Runs at every bank write that can move a
 * line, so it stays linear in banks and lines.
 */
static void update_ctx_irqs(struct arm_smmu *s)
{
	bool want[SMMU_MAX_CTX_IRQ] = { false };

	for (unsigned i = 0; i < s->num_cb; i++) {
		const struct smmu_cb *cb = &s->cb[i];
		unsigned line = ctx_line(s, i);

		if ((cb->sctlr & SCTLR_CFIE) && (cb->fsr & FSR_W1C) && line < s->nr_ctx_irq)
			want[s->ctx_irq_first[line]] = true;
	}
	for (unsigned i = 0; i < s->nr_ctx_irq; i++) {
		bool level = want[s->ctx_irq_first[i]];

		if (level != s->ctx_level[i]) {
			s->ctx_level[i] = level;
			hw_irq_set(s->common.m, s->ctx_irq[i], level);
		}
	}
}

/* For each context line, the first line with the same INTID. */
_Static_assert(SMMU_MAX_CTX_IRQ <= 256, "ctx_irq_first holds a line in a u8");

static void ctx_irq_share(struct arm_smmu *s)
{
	for (unsigned i = 0; i < s->nr_ctx_irq; i++) {
		unsigned j = 0;

		while (s->ctx_irq[j] != s->ctx_irq[i])
			j++;
		s->ctx_irq_first[i] = (u8)j;
	}
}

/* ---- fault records -------------------------------------------------- */

static void xlate_fault(struct hw_xlate *out, u32 tag)
{
	out->kind = HW_XLATE_FAULT;
	out->pa = 0;
	out->len = 0;
	out->domain_tag = tag;
}

/* A fault that arrives while an earlier one is unacknowledged only sets MULTI. */
static int global_fault(struct arm_smmu *s, u32 bit, u32 sid, u64 addr, enum hw_access acc,
			bool priv, struct hw_xlate *out)
{
	if (s->sgfsr & (sGFSR_FAULTS & ~sGFSR_MULTI)) {
		s->sgfsr |= sGFSR_MULTI;
	} else {
		s->sgfsr |= bit;
		s->sgfar = addr;
		s->sgfsynr[0] = (acc == HW_WRITE ? sGFSYNR0_WNR : 0) | (priv ? sGFSYNR0_PNU : 0);
		s->sgfsynr[1] = sid;
		s->sgfsynr[2] = 0;
	}
	update_global_irq(s);
	xlate_fault(out, 0);
	return -EFAULT;
}

/* The FSR bit that records a walk's fault kind. */
static u32 ptw_fsr(u8 err)
{
	switch (err) {
	case SMMU_PTW_ERR_ACCESS: return FSR_AFF;
	case SMMU_PTW_ERR_ADDR_SIZE: return FSR_ASF;
	case SMMU_PTW_ERR_WALK_EABT: return FSR_EF;
	case SMMU_PTW_ERR_PERMISSION: return FSR_PF;
	}
	return FSR_TF;
}

static int ctx_fault(struct arm_smmu *s, unsigned cbi, const struct smmu_walk_result *r,
		     u32 sid, u64 addr, enum hw_access acc, bool priv, struct hw_xlate *out)
{
	struct smmu_cb *cb = &s->cb[cbi];

	if (cb->fsr & FSR_FAULTS) {
		cb->fsr |= FSR_MULTI;
	} else {
		cb->fsr |= ptw_fsr(r->err);
		cb->far = addr;
		cb->fsynr0 = (r->level & FSYNR0_PLVL) | (acc == HW_WRITE ? FSYNR0_WNR : 0) |
			     (priv ? FSYNR0_PNU : 0) | (r->ptw ? FSYNR0_PTWF : 0);
		cb->fsynr1 = 0;
		cb->cbfrsynra = sid;
	}
	update_ctx_irqs(s);
	xlate_fault(out, cbi + 1);
	return -EFAULT;
}

/* ---- the translate op ----------------------------------------------- */

static int smr_match(const struct arm_smmu *s, u32 sid)
{
	int found = SME_NOMATCH;

	for (unsigned i = 0; i < s->num_smr; i++) {
		u32 smr = s->smr[i], mask = (smr >> SMR_MASK_SHIFT) & SMMU_SID_MASK;

		if (!(smr & SMR_VALID) || ((sid ^ smr) & ~mask & SMMU_SID_MASK))
			continue;
		if (found != SME_NOMATCH)
			return SME_CONFLICT;
		found = (int)i;
	}
	return found;
}

/* Stream matching through a small cache invalidated by any SMR write. */
static inline int sme_lookup(struct arm_smmu *s, u32 sid)
{
	struct smmu_sid_cache_entry *c = &s->sid_cache[sid % SMMU_SID_CACHE];

	if (likely(c->gen == s->sme_gen && c->sid == sid))
		return c->idx;
	c->sid = sid;
	c->gen = s->sme_gen;
	c->idx = smr_match(s, sid);
	return c->idx;
}

static inline const struct smmu_ctx_cfg *ctx_cfg(struct arm_smmu *s, unsigned cbi)
{
	struct smmu_cb *cb = &s->cb[cbi];

	if (unlikely(cb->dirty))
		smmu_ctx_decode(s, cb);
	return &cb->cfg;
}

/* Stage 1 in context bank @cbi: the IOTLB, else a walk that fills it. */
static int s1_translate(struct arm_smmu *s, unsigned cbi, u32 sid, u64 addr, enum hw_access acc,
			bool priv, struct hw_xlate *out)
{
	const struct smmu_ctx_cfg *cfg = ctx_cfg(s, cbi);
	struct smmu_walk_result r;

	if (cfg->kind == CTX_BYPASS)
		return smmu_xlate_bypass(out, addr);
	if (likely(!smmu_s1_translate(&s->common, cbi, &cfg->tc, addr, acc, priv, cbi + 1, out,
				      &r)))
		return 0;
	return ctx_fault(s, cbi, &r, sid, addr, acc, priv, out);
}

static int smmu_translate_one(struct arm_smmu *s, u32 sid, u64 addr, enum hw_access acc,
			      struct hw_xlate *out)
{
	unsigned cbi;
	bool priv;
	u32 s2cr;
	int idx;

	out->from_tlb = false;
	if (s->scr0 & sCR0_CLIENTPD)
		return smmu_xlate_bypass(out, addr);
	sid &= SMMU_SID_MASK;   /* the model decodes NUMSIDB bits of stream ID */
	idx = sme_lookup(s, sid);
	if (unlikely(idx < 0)) {
		if (idx == SME_NOMATCH && !(s->scr0 & sCR0_USFCFG))
			return smmu_xlate_bypass(out, addr);
		return global_fault(s, idx == SME_CONFLICT ? sGFSR_SMCF : sGFSR_USF, sid, addr,
				    acc, false, out);
	}
	s2cr = s->s2cr[idx];
	priv = ((s2cr >> S2CR_PRIVCFG_SHIFT) & 3) == S2CR_PRIVCFG_PRIV;
	switch ((s2cr >> S2CR_TYPE_SHIFT) & 3) {
	case S2CR_TYPE_TRANS:
		break;
	case S2CR_TYPE_BYPASS:
		return smmu_xlate_bypass(out, addr);
	default:   /* fault, and the reserved encoding */
		return global_fault(s, sGFSR_USF, sid, addr, acc, priv, out);
	}
	cbi = s2cr & S2CR_CBNDX;
	if (cbi >= s->num_cb)
		return global_fault(s, sGFSR_UCBF, sid, addr, acc, priv, out);
	if (ctx_cfg(s, cbi)->kind == CTX_INVALID)
		return global_fault(s, sGFSR_ICF, sid, addr, acc, priv, out);
	return s1_translate(s, cbi, sid, addr, acc, priv, out);
}

/*
 * One node may hold several instances that serve the same masters (NVIDIA
 * Tegra194/234: two MMU-500s, one `reg` window each, behind which the
 * memory controller interleaves the clients' traffic). The model sends a
 * transaction to the instance its IOVA page selects, so an instance the
 * driver left unprogrammed is seen by every other page of a buffer.
 */
static int smmu_translate(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			  struct hw_xlate *out)
{
	struct arm_smmu *s = container_of(iommu, struct arm_smmu, common.iommu);

	if (s->nr_inst > 1)
		s = s->inst[(addr >> 12) % s->nr_inst];
	return smmu_translate_one(s, sid, addr, acc, out);
}

/* The context bank a translating stream @sid is matched to, or -1 for anything else. */
static int s1_bank(struct arm_smmu *s, u32 sid, bool *priv)
{
	int idx;
	u32 s2cr;
	unsigned cbi;

	if (s->scr0 & sCR0_CLIENTPD)
		return -1;
	idx = sme_lookup(s, sid & SMMU_SID_MASK);
	if (idx < 0)
		return -1;
	s2cr = s->s2cr[idx];
	cbi = s2cr & S2CR_CBNDX;
	if (((s2cr >> S2CR_TYPE_SHIFT) & 3) != S2CR_TYPE_TRANS || cbi >= s->num_cb ||
	    ctx_cfg(s, cbi)->kind != CTX_S1)
		return -1;
	*priv = ((s2cr >> S2CR_PRIVCFG_SHIFT) & 3) == S2CR_PRIVCFG_PRIV;
	return (int)cbi;
}

/*
 * The pages of one transfer served by the IOTLB: stream matching and the
 * bank's config once (nothing can write a register between the pages),
 * a lookup per page unless the entry just found must be found again (a
 * block). Only hits are counted here: the page it stops at is looked up
 * again by translate, which counts it.
 */
static unsigned smmu_translate_hits(struct hw_iommu *iommu, u32 sid, u64 addr, unsigned n,
				    enum hw_access acc, struct hw_xlate *out)
{
	struct arm_smmu *s = container_of(iommu, struct arm_smmu, common.iommu);
	bool priv = false;
	u16 asid;
	int cbi;

	if (s->nr_inst > 1)
		return 0;   /* each page may go to another instance */
	cbi = s1_bank(s, sid, &priv);
	if (cbi < 0)
		return 0;
	asid = ctx_cfg(s, (unsigned)cbi)->tc.asid;
	return smmu_iotlb_hits(&s->common.tlb, (unsigned)cbi, asid, addr, n, acc, priv,
			       (u32)cbi + 1, out);
}

static const struct hw_iommu_ops smmu_iommu_ops = {
	.translate = smmu_translate,
	.translate_hits = smmu_translate_hits,
};

/* ---- address translation operations (ATS1*) -------------------------- */

/* Faults of a translation operation go to PAR only: F, and the FSR bit in 8:1. */
static void ats_op(struct arm_smmu *s, unsigned cbi, u64 va, enum hw_access acc, bool priv)
{
	const struct smmu_ctx_cfg *cfg = ctx_cfg(s, cbi);
	struct smmu_cb *cb = &s->cb[cbi];
	struct smmu_walk_result r;

	if (cfg->kind != CTX_S1) {
		cb->par = cfg->kind == CTX_BYPASS ? (va & GENMASK_ULL(47, 12)) : (PAR_F | FSR_TF);
		return;
	}
	smmu_ptw(s->common.m, &cfg->tc, va, &r);
	if (!r.err && smmu_perm_fault(r.ro, r.priv_only, acc, priv))
		r.err = SMMU_PTW_ERR_PERMISSION;
	if (r.err)
		cb->par = PAR_F | ptw_fsr(r.err);
	else
		cb->par = (r.pa | (va & ((1ull << r.shift) - 1))) & GENMASK_ULL(47, 12);
}

/* ---- register access ------------------------------------------------ */

static void sme_changed(struct arm_smmu *s)
{
	/* Generation 0 marks never-filled cache slots: skip it on wrap. */
	if (++s->sme_gen == 0) {
		memset(s->sid_cache, 0, sizeof(s->sid_cache));
		s->sme_gen = 1;
	}
}

static u32 gr0_read(struct arm_smmu *s, u32 off)
{
	switch (off) {
	case GR0_sCR0: return s->scr0;
	case GR0_sCR1: return s->scr1;
	case GR0_sCR2: return s->scr2;
	case GR0_sACR: return s->sacr;
	case GR0_sIDR0 ... GR0_sIDR7: return s->idr[(off - GR0_sIDR0) / 4];
	case GR0_sGFAR: return (u32)s->sgfar;
	case GR0_sGFAR + 4: return (u32)(s->sgfar >> 32);
	case GR0_sGFSR: return s->sgfsr;
	case GR0_sGFSYNR0: return s->sgfsynr[0];
	case GR0_sGFSYNR1: return s->sgfsynr[1];
	case GR0_sGFSYNR2: return s->sgfsynr[2];
	case GR0_sTLBGSTATUS: return 0;   /* every invalidation completes at once */
	}
	if (off >= GR0_SMR(0) && off < GR0_SMR(s->num_smr))
		return s->smr[(off - GR0_SMR(0)) / 4];
	if (off >= GR0_S2CR(0) && off < GR0_S2CR(s->num_smr))
		return s->s2cr[(off - GR0_S2CR(0)) / 4];
	return 0;
}

static void tlbi_vmid(struct arm_smmu *s, u32 vmid)
{
	for (unsigned i = 0; i < s->num_cb; i++)
		if ((s->cb[i].cbar & CBAR_VMID) == (vmid & CBAR_VMID))
			smmu_iotlb_inv_ctx(&s->common.tlb, i);
}

static void gr0_write(struct arm_smmu *s, u32 off, u32 val)
{
	switch (off) {
	case GR0_sCR0:
		/* No extended stream IDs and no 16-bit VMIDs: those bits are RAZ/WI. */
		s->scr0 = val & GENMASK(29, 0) & ~sCR0_EXIDENABLE;
		sme_changed(s);
		update_global_irq(s);
		return;
	case GR0_sCR1: s->scr1 = val; return;
	case GR0_sCR2: s->scr2 = val; return;
	case GR0_sACR: s->sacr = val; return;
	case GR0_sGFSR:
		s->sgfsr &= ~(val & sGFSR_FAULTS);
		update_global_irq(s);
		return;
	case GR0_sGFSRRESTORE:
		s->sgfsr = val & sGFSR_FAULTS;
		update_global_irq(s);
		return;
	case GR0_TLBIVMID:
		s->stats.tlbivmid++;
		tlbi_vmid(s, val);
		return;
	case GR0_TLBIALLNSNH:
		s->stats.tlbiallnsnh++;
		smmu_iotlb_inv_all(&s->common.tlb);
		return;
	case GR0_sTLBGSYNC:     /* completes at once */
		s->stats.tlbgsync++;
		return;
	case GR0_TLBIALLH:      /* no hypervisor contexts: nothing to drop */
	case GR0_STLBIALL:      /* no secure contexts */
		return;
	}
	if (off >= GR0_SMR(0) && off < GR0_SMR(s->num_smr)) {
		s->smr[(off - GR0_SMR(0)) / 4] = val & SMR_WRITABLE;
		sme_changed(s);
	} else if (off >= GR0_S2CR(0) && off < GR0_S2CR(s->num_smr)) {
		s->s2cr[(off - GR0_S2CR(0)) / 4] = val & S2CR_WRITABLE;
		sme_changed(s);
	}
}

static u32 gr1_read(struct arm_smmu *s, u32 off)
{
	unsigned n = (off & 0x3ff) / 4;

	if (n >= s->num_cb)
		return 0;
	switch (off & ~0x3ffu) {
	case GR1_CBAR(0): return s->cb[n].cbar;
	case GR1_CBFRSYNRA(0): return s->cb[n].cbfrsynra;
	case GR1_CBA2R(0): return s->v2 ? s->cb[n].cba2r : 0;
	}
	return 0;
}

static void gr1_write(struct arm_smmu *s, u32 off, u32 val)
{
	unsigned n = (off & 0x3ff) / 4;
	struct smmu_cb *cb;

	if (n >= s->num_cb)
		return;
	cb = &s->cb[n];
	switch (off & ~0x3ffu) {
	case GR1_CBAR(0):
		cb->cbar = val;
		cb->dirty = true;
		if (!s->v2)
			update_ctx_irqs(s);   /* IRPTNDX may have moved the bank's line */
		return;
	case GR1_CBFRSYNRA(0):
		cb->cbfrsynra = val & 0xffff;
		return;
	case GR1_CBA2R(0):
		if (s->v2) {
			cb->cba2r = val & CBA2R_WRITABLE;
			cb->dirty = true;
		}
		return;
	}
}

static bool cb_is64(u32 off)
{
	switch (off) {
	case CB_TTBR0: case CB_TTBR1: case CB_PAR: case CB_FAR: case CB_IPAFAR:
	case CB_TLBIVA: case CB_TLBIVAA: case CB_TLBIVAL: case CB_TLBIVAAL:
	case CB_TLBIIPAS2: case CB_TLBIIPAS2L:
	case CB_ATS1PR: case CB_ATS1PW: case CB_ATS1UR: case CB_ATS1UW:
		return true;
	}
	return false;
}

static u64 *cb_reg64(struct smmu_cb *cb, u32 off)
{
	switch (off) {
	case CB_TTBR0: return &cb->ttbr[0];
	case CB_TTBR1: return &cb->ttbr[1];
	case CB_PAR: return &cb->par;
	case CB_FAR: return &cb->far;
	case CB_IPAFAR: return &cb->ipafar;
	}
	return NULL;   /* write-only operations */
}

static u32 cb_read32(struct arm_smmu *s, struct smmu_cb *cb, u32 off)
{
	switch (off) {
	case CB_SCTLR: return cb->sctlr;
	case CB_ACTLR: return cb->actlr;
	case CB_TCR2: return s->v2 ? cb->tcr2 : 0;
	case CB_TCR: return cb->tcr;
	case CB_CONTEXTIDR: return cb->contextidr;
	case CB_MAIR0: return cb->mair[0];
	case CB_MAIR1: return cb->mair[1];
	case CB_FSR: return cb->fsr;
	case CB_FSYNR0: return cb->fsynr0;
	case CB_FSYNR1: return cb->fsynr1;
	case CB_TLBSTATUS: return 0;   /* SACTIVE clear: syncs complete at once */
	case CB_ATSR: return 0;        /* ACTIVE clear */
	}
	return 0;
}

static void cb_write32(struct arm_smmu *s, struct smmu_cb *cb, u32 off, u32 val)
{
	switch (off) {
	case CB_SCTLR:
		cb->sctlr = val;
		cb->dirty = true;
		update_ctx_irqs(s);
		return;
	case CB_ACTLR: cb->actlr = val; return;
	case CB_TCR2:
		if (s->v2) {
			cb->tcr2 = val;
			cb->dirty = true;
		}
		return;
	case CB_TCR: cb->tcr = val; cb->dirty = true; return;
	case CB_CONTEXTIDR: cb->contextidr = val; return;
	case CB_MAIR0: cb->mair[0] = val; return;
	case CB_MAIR1: cb->mair[1] = val; return;
	case CB_FSR:
		cb->fsr &= ~(val & FSR_W1C);
		update_ctx_irqs(s);
		return;
	case CB_FSRRESTORE:
		cb->fsr = val & FSR_W1C;
		update_ctx_irqs(s);
		return;
	case CB_FSYNR0: cb->fsynr0 = val; return;
	case CB_FSYNR1: cb->fsynr1 = val; return;
	case CB_TLBIASID:
		s->stats.tlbiasid++;
		smmu_iotlb_inv_asid(&s->common.tlb, (unsigned)(cb - s->cb),
				  val & (cb->tcr2 & TCR2_AS ? 0xffff : 0xff));
		return;
	case CB_TLBIALL:
		s->stats.tlbiall++;
		smmu_iotlb_inv_ctx(&s->common.tlb, (unsigned)(cb - s->cb));
		return;
	case CB_TLBSYNC:        /* completes at once */
		s->stats.tlbsync++;
		return;
	/* RESUME: nothing stalls (CFCFG=1 terminates too). */
	}
}

/* TLBIVA(A)(L): an AArch64 bank takes VA[55:12] in 43:0 and the ASID in 63:48; an
 * AArch32 bank VA[31:12] in 31:12 and the ASID in 7:0. */
static void cb_tlbi_va(struct arm_smmu *s, unsigned cbi, u64 val, bool all_asid)
{
	struct smmu_cb *cb = &s->cb[cbi];
	u64 va;
	u16 asid;

	if (s->v2 && (cb->cba2r & CBA2R_VA64)) {
		va = (val & GENMASK_ULL(43, 0)) << 12;
		if (va & BIT_ULL(55))
			va |= GENMASK_ULL(63, 56);
		asid = (val >> 48) & (cb->tcr2 & TCR2_AS ? 0xffff : 0xff);
	} else {
		va = val & GENMASK_ULL(31, 12);
		asid = val & 0xff;
	}
	smmu_iotlb_inv_va(&s->common.tlb, cbi, va, asid, all_asid);
}

static void cb_action64(struct arm_smmu *s, unsigned cbi, u32 off, u64 val)
{
	switch (off) {
	case CB_TLBIVA:
		s->stats.tlbiva++;
		cb_tlbi_va(s, cbi, val, false);
		return;
	case CB_TLBIVAL:
		s->stats.tlbival++;
		cb_tlbi_va(s, cbi, val, false);
		return;
	case CB_TLBIVAA: case CB_TLBIVAAL:
		s->stats.tlbivaa++;
		cb_tlbi_va(s, cbi, val, true);
		return;
	case CB_ATS1PR: ats_op(s, cbi, val & ~0xfffull, HW_READ, true); return;
	case CB_ATS1PW: ats_op(s, cbi, val & ~0xfffull, HW_WRITE, true); return;
	case CB_ATS1UR: ats_op(s, cbi, val & ~0xfffull, HW_READ, false); return;
	case CB_ATS1UW: ats_op(s, cbi, val & ~0xfffull, HW_WRITE, false); return;
	}
	/* TLBIIPAS2(L): no stage 2, nothing to drop. */
}

/* A 64-bit register accessed whole (@part 0), by its low (1) or high (2) word. */
static void cb_write64(struct arm_smmu *s, unsigned cbi, u32 off, u64 val, int part)
{
	struct smmu_cb *cb = &s->cb[cbi];
	u64 *reg = cb_reg64(cb, off);

	if (!reg) {
		if (part != 2)
			cb_action64(s, cbi, off, part ? (u32)val : val);
		return;
	}
	if (off == CB_IPAFAR)
		return;   /* read-only: no stage 2 */
	if (part == 1)
		*reg = (*reg & GENMASK_ULL(63, 32)) | (u32)val;
	else if (part == 2)
		*reg = (*reg & 0xffffffffull) | ((u64)(u32)val << 32);
	else
		*reg = val;
	cb->dirty = true;
}

/* Decodes an access into (space, offset) and splits or merges 64-bit accesses. */
static u64 smmu_mmio_read(void *opaque, u64 off, unsigned size)
{
	struct arm_smmu *s = opaque;
	u64 page = off >> s->pgshift;
	u32 po = off & ((1u << s->pgshift) - 1);

	if ((size != 4 && size != 8) || (off & (size - 1)))
		return 0;
	s->reads[size == 8]++;
	if (page >= s->numpage) {
		unsigned cbi = page - s->numpage;
		struct smmu_cb *cb = &s->cb[cbi];
		u64 *reg;

		if (cbi >= s->num_cb)
			return 0;
		if (cb_is64(po) || cb_is64(po - 4)) {
			u32 base = cb_is64(po) ? po : po - 4;

			reg = cb_reg64(cb, base);
			if (!reg)
				return 0;   /* write-only */
			if (size == 8)
				return *reg;
			return base == po ? (u32)*reg : (u32)(*reg >> 32);
		}
		if (size == 8)
			return cb_read32(s, cb, po) | (u64)cb_read32(s, cb, po + 4) << 32;
		return cb_read32(s, cb, po);
	}
	if (page == 0) {
		if (size == 8)
			return gr0_read(s, po) | (u64)gr0_read(s, po + 4) << 32;
		return gr0_read(s, po);
	}
	if (page == 1) {
		if (size == 8)
			return gr1_read(s, po) | (u64)gr1_read(s, po + 4) << 32;
		return gr1_read(s, po);
	}
	return 0;   /* other global pages: RAZ */
}

static void smmu_mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct arm_smmu *s = opaque;
	u64 page = off >> s->pgshift;
	u32 po = off & ((1u << s->pgshift) - 1);

	if ((size != 4 && size != 8) || (off & (size - 1)))
		return;
	s->writes[size == 8]++;
	if (page >= s->numpage) {
		unsigned cbi = page - s->numpage;

		if (cbi >= s->num_cb)
			return;
		if (cb_is64(po)) {
			cb_write64(s, cbi, po, val, size == 8 ? 0 : 1);
		} else if (cb_is64(po - 4)) {
			if (size == 4)
				cb_write64(s, cbi, po - 4, val, 2);
		} else {
			cb_write32(s, &s->cb[cbi], po, (u32)val);
			if (size == 8)
				cb_write32(s, &s->cb[cbi], po + 4, (u32)(val >> 32));
		}
		return;
	}
	if (page > 1)
		return;
	if (page == 0) {
		gr0_write(s, po, (u32)val);
		if (size == 8)
			gr0_write(s, po + 4, (u32)(val >> 32));
	} else {
		gr1_write(s, po, (u32)val);
		if (size == 8)
			gr1_write(s, po + 4, (u32)(val >> 32));
	}
}

static const struct hw_mmio_ops smmu_mmio_ops = {
	.read = smmu_mmio_read,
	.write = smmu_mmio_write,
};

/* ---- creation ------------------------------------------------------- */

/*
 * Power-on state. The architecture leaves most of it UNKNOWN; the model
 * picks fixed values: the SMMU disabled (CLIENTPD), SMRs invalid, S2CRs of
 * type fault, context banks zero (so translation off, CBAR type stage 2).
 */
static void smmu_reset(struct arm_smmu *s)
{
	s->scr0 = sCR0_CLIENTPD;
	for (unsigned i = 0; i < SMMU_MAX_SMR; i++) {
		s->smr[i] = 0;
		s->s2cr[i] = S2CR_TYPE_FAULT << S2CR_TYPE_SHIFT;
	}
	for (unsigned i = 0; i < SMMU_MAX_CB; i++) {
		memset(&s->cb[i], 0, sizeof(s->cb[i]));
		s->cb[i].dirty = true;
	}
	s->sme_gen = 1;   /* zeroed cache entries (gen 0) never match */
}

static unsigned log2_floor(u64 v)
{
	unsigned n = 0;

	while (v >>= 1)
		n++;
	return n;
}

static void smmu_set_ids(struct arm_smmu *s, bool coherent)
{
	s->idr[0] = ID0_S1TS | ID0_SMS | ID0_PTFS_NO_AARCH32S |
		    (MIN(s->nr_ctx_irq, 255u) << ID0_NUMIRPT_SHIFT) |
		    (coherent ? ID0_CTTW : 0) |
		    (SMMU_NUMSIDB << ID0_NUMSIDB_SHIFT) | s->num_smr;
	s->idr[1] = (s->pgshift == 16 ? ID1_PAGESIZE : 0) |
		    ((log2_floor(s->numpage) - 1) << ID1_NUMPAGENDXB_SHIFT) | s->num_cb;
	if (s->v2) {
		/* 48-bit input, intermediate and output addresses; 4K and 64K granules. */
		s->idr[2] = ID2_PTFS_4K | ID2_PTFS_64K | (5 << ID2_UBS_SHIFT) |
			    (5 << ID2_OAS_SHIFT) | 5;
		s->idr[7] = (2 << 4) | 1;   /* MMU-500 r2p1 */
	} else {
		/* v1: the AArch32 long-descriptor format, 40-bit addresses. */
		s->idr[2] = (2 << ID2_OAS_SHIFT) | 2;
		s->idr[7] = 0;
	}
}

/*
 * The interrupt lines: the first #global-interrupts entries are global
 * (the model raises the first of them), the rest one per context bank.
 * The node's count is trusted for nothing: it is clamped to the entries
 * listed before it decides anything, so #global-interrupts = <0x80000000>
 * makes every listed line global and leaves the banks without one (the
 * driver's probe is what refuses such a tree).
 */
static int smmu_irqs(struct arm_smmu *s, const void *fdt, int node, unsigned inst, char *why,
		     size_t whylen)
{
	u32 nglobal = 1, intid, nr = 0, limit;
	int ret = 0;

	dt_prop_u32(fdt, node, "#global-interrupts", &nglobal);
	/* Entries past every bank's line are never used: not even read. */
	limit = MIN(nglobal, (u32)SMMU_MAX_CTX_IRQ) + SMMU_MAX_CTX_IRQ;
	while (nr < limit && !(ret = dt_irq(fdt, node, (int)nr, &intid)))
		nr++;
	if (nr < limit && ret != -ENOENT) {
		hw_why(why, whylen, "%s: bad interrupts entry %u", s->common.name, nr);
		return -EINVAL;
	}
	nglobal = MIN(nglobal, nr);
	/* Instance k of a multi-instance node raises the k-th global line. */
	if (inst < nglobal && !dt_irq(fdt, node, (int)inst, &intid))
		s->global_irq = intid;
	for (u32 i = nglobal; i < nr && s->nr_ctx_irq < SMMU_MAX_CTX_IRQ; i++)
		if (!dt_irq(fdt, node, (int)i, &intid))
			s->ctx_irq[s->nr_ctx_irq++] = intid;
	ctx_irq_share(s);
	return 0;
}

static bool is_v2(const void *fdt, int node)
{
	return dt_node_is_compatible(fdt, node, "arm,mmu-500") ||
	       dt_node_is_compatible(fdt, node, "arm,smmu-v2") ||
	       dt_node_is_compatible(fdt, node, "cavium,smmu-v2") ||
	       dt_node_is_compatible(fdt, node, "qcom,smmu-v2") ||
	       dt_node_is_compatible(fdt, node, "qcom,smmu-500") ||
	       dt_node_is_compatible(fdt, node, "nvidia,smmu-500");
}

/* How many instances the node holds: one per reg window on NVIDIA's. */
static unsigned nr_instances(const void *fdt, int node)
{
	u64 b, sz;
	unsigned n = 1;

	if (!dt_node_is_compatible(fdt, node, "nvidia,smmu-500"))
		return 1;
	while (n < SMMU_MAX_INST && !dt_reg(fdt, node, (int)n, &b, &sz) && sz)
		n++;
	return n;
}

static bool is_v1(const void *fdt, int node)
{
	return dt_node_is_compatible(fdt, node, "arm,mmu-401") ||
	       dt_node_is_compatible(fdt, node, "arm,smmu-v1") ||
	       dt_node_is_compatible(fdt, node, "arm,mmu-400");
}

/*
 * The geometry a real SMMU of this @size of window has: the global space
 * is the lower half of the window and the context banks the upper half,
 * one page each (NUMPAGENDXB: 2..256 pages; PAGESIZE: 4 KiB, or 64 KiB
 * when 4 KiB pages cannot fill the half), as many banks as pages up to
 * the architecture's 128 (NUMCB), and the architecture's 128 stream-match
 * groups (NUMSMRG). So a board's SMMU is never short of what its silicon
 * has: a Qualcomm application SMMU (1 MiB window) gets 128 banks, a
 * Tegra194 MMU-500 (8 MiB) 64 of 64 KiB. iommulab,num-smr, iommulab,num-cb
 * and iommulab,page-size override it (tests of exhaustion).
 */
static u32 smmu_default_page_size(u64 size)
{
	return ((size / 2) >> 12) > 256 ? 65536 : 4096;
}

/* Reads the knobs and sizes the register space; 0 or -EINVAL. */
static int smmu_geometry(struct arm_smmu *s, const void *fdt, int node, u64 size,
			 char *why, size_t whylen)
{
	u32 num_smr = SMMU_MAX_SMR, num_cb, pgsize = smmu_default_page_size(size);
	u64 numpage;

	dt_prop_u32(fdt, node, "iommulab,page-size", &pgsize);
	if (pgsize != 4096 && pgsize != 65536) {
		hw_why(why, whylen, "%s: iommulab,page-size must be 4096 or 65536", s->common.name);
		return -EINVAL;
	}
	numpage = (size / 2) / pgsize;
	numpage = numpage ? 1ull << log2_floor(MIN(numpage, 256ull)) : 0;
	num_cb = (u32)MAX(MIN(numpage, (u64)SMMU_MAX_CB), 1ull);
	dt_prop_u32(fdt, node, "iommulab,num-smr", &num_smr);
	dt_prop_u32(fdt, node, "iommulab,num-cb", &num_cb);
	if (num_smr < 1 || num_smr > SMMU_MAX_SMR || num_cb < 1 || num_cb > SMMU_MAX_CB) {
		hw_why(why, whylen, "%s: iommulab,num-smr must be 1..%d and iommulab,num-cb 1..%d",
		       s->common.name, SMMU_MAX_SMR, SMMU_MAX_CB);
		return -EINVAL;
	}
	s->num_smr = num_smr;
	s->num_cb = num_cb;
	s->pgshift = pgsize == 65536 ? 16 : 12;
	if (numpage < 2 || numpage < num_cb) {
		hw_why(why, whylen, "%s: reg size %#llx too small for %u context banks of %u bytes",
		       s->common.name, (unsigned long long)size, num_cb, pgsize);
		return -EINVAL;
	}
	s->numpage = (unsigned)numpage;
	return 0;
}

/* One instance: its state, geometry, lines and registers at @base. */
static struct arm_smmu *instance_create(struct machine *m, const void *fdt, int node, unsigned k,
					u64 base, u64 size, char *why, size_t whylen)
{
	struct arm_smmu *s = smmu_state_new(m, fdt, node, sizeof(*s));
	int ret;

	if (!s) {
		hw_why(why, whylen, "out of memory");
		return NULL;
	}
	if (k)
		snprintf(s->common.name + strnlen(s->common.name, sizeof(s->common.name) - 4),
			 4, "#%u", k);
	s->v2 = is_v2(fdt, node);
	ret = smmu_geometry(s, fdt, node, size, why, whylen);
	if (!ret)
		ret = smmu_irqs(s, fdt, node, k, why, whylen);
	if (ret)
		return NULL;
	/*
	 * A v2 SMMU's tree lists one interrupt per context bank (Linux refuses
	 * fewer), so without a knob the silicon has as many banks as lines:
	 * MSM8996's small SMMUs list 2, Tegra194's 64.
	 */
	if (s->v2 && s->nr_ctx_irq && s->nr_ctx_irq < s->num_cb &&
	    !fdt_getprop(fdt, node, "iommulab,num-cb", NULL))
		s->num_cb = s->nr_ctx_irq;
	smmu_reset(s);
	smmu_set_ids(s, dt_prop_bool(fdt, node, "dma-coherent"));
	return s;
}

int arm_smmu_v2_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	struct arm_smmu *first = NULL;
	unsigned n;

	if (!is_v2(fdt, node) && !is_v1(fdt, node)) {
		hw_why(why, whylen, "node %d is not an ARM SMMUv1/v2", node);
		return -EINVAL;
	}
	n = nr_instances(fdt, node);
	for (unsigned k = 0; k < n; k++) {
		struct arm_smmu *s;
		u64 base, size;
		int ret;

		if (dt_reg(fdt, node, (int)k, &base, &size) || !size) {
			hw_why(why, whylen, "%s: missing or untranslatable reg",
			       fdt_get_name(fdt, node, NULL));
			return -EINVAL;
		}
		s = instance_create(m, fdt, node, k, base, size, why, whylen);
		if (!s)
			return strstr(why, "out of memory") ? -ENOMEM : -EINVAL;
		if (!k) {
			/* The first is the node's IOMMU on the DMA path; it spreads the rest. */
			first = s;
			ret = smmu_state_register(&s->common, node, base, size, &smmu_mmio_ops,
						  &smmu_iommu_ops, why, whylen);
		} else {
			ret = hw_mmio_map(m, base, size, &smmu_mmio_ops, s, s->common.name);
			if (ret)
				hw_why(why, whylen, "%s: registers at %#llx overlap another device",
				       s->common.name, (unsigned long long)base);
		}
		if (ret)
			return ret;
		first->inst[k] = s;
		first->nr_inst = k + 1;
	}
	return 0;
}

static const struct arm_smmu *smmu_at(struct machine *m, u64 base)
{
	for (size_t i = 0; i < m->nr_mmio; i++) {
		const struct hw_mmio_region *r = &m->mmio[i];

		if (r->base == base && r->ops == &smmu_mmio_ops)
			return r->opaque;
	}
	return NULL;
}

int arm_smmu_v2_tlbi_stats(struct machine *m, u64 base, struct arm_smmu_tlbi_stats *out)
{
	const struct arm_smmu *s = smmu_at(m, base);

	if (!s)
		return -ENODEV;
	*out = s->stats;
	return 0;
}

int arm_smmu_v2_view(struct machine *m, u64 base, struct arm_smmu_v2_view *out)
{
	const struct arm_smmu *s = smmu_at(m, base);

	if (!s)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->num_smr = MIN(s->num_smr, (unsigned)ARM_SMMU_VIEW_MAX);
	out->num_cb = MIN(s->num_cb, (unsigned)ARM_SMMU_VIEW_MAX);
	memcpy(out->smr, s->smr, out->num_smr * sizeof(u32));
	memcpy(out->s2cr, s->s2cr, out->num_smr * sizeof(u32));
	for (unsigned i = 0; i < out->num_cb; i++) {
		const struct smmu_cb *cb = &s->cb[i];

		out->cb[i].cbar = cb->cbar;
		out->cb[i].cba2r = cb->cba2r;
		out->cb[i].sctlr = cb->sctlr;
		out->cb[i].tcr = cb->tcr;
		out->cb[i].tcr2 = cb->tcr2;
		out->cb[i].mair0 = cb->mair[0];
		out->cb[i].mair1 = cb->mair[1];
		out->cb[i].ttbr0 = cb->ttbr[0];
		out->cb[i].ttbr1 = cb->ttbr[1];
	}
	out->reads32 = s->reads[0];
	out->reads64 = s->reads[1];
	out->writes32 = s->writes[0];
	out->writes64 = s->writes[1];
	return 0;
}
