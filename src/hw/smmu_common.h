/*
 * What every ARM SMMU model shares (the SMMUv2 and SMMUv3 models):
 * the stage-1 page-table walker over the VMSAv8-64 and VMSAv7 LPAE formats,
 * driven by a translation config (granule, input size, levels, table base,
 * format) that each model decodes from its own registers or tables; the
 * IOTLB, keyed by a context tag (SMMUv2: the context bank; SMMUv3: what its
 * config names) plus ASID and IOVA, invalidated by all, context, ASID or
 * VA; and the hookup of a model to the machine (registers, DMA path).
 *
 * A model keeps only its register file and stream matching; whatever a
 * descriptor says, a walk here ends in a translation or one of the
 * architected fault kinds below, which the model reports its own way.
 */
#ifndef LAB_HW_SMMU_COMMON_H
#define LAB_HW_SMMU_COMMON_H

#include "hw/machine.h"

/* ---- translation config -------------------------------------------- */

/* One translation table: what TTBRn and the TCR (or a CD) say. */
struct smmu_tt {
	bool enabled;
	u8 gshift;        /* granule: 12 (4K), 14 (16K) or 16 (64K) */
	u8 start_level;   /* 0..3 */
	u8 va_bits;       /* size of this table's input range */
	u64 base;         /* physical address of the top-level table */
};

/* A stage-1 translation regime: two tables split by the top address bit. */
struct smmu_trans_cfg {
	bool aarch64;     /* VMSAv8-64; false: VMSAv7 long descriptors, 32-bit input */
	u8 oas;           /* output address bits */
	u16 asid;
	struct smmu_tt tt[2];   /* TTBR0 (low addresses), TTBR1 (high) */
};

/* The 3-bit PA-size encoding (TCR2.PASIZE, IDR2.OAS, CD.IPS) in bits. */
unsigned smmu_pasize_bits(unsigned enc);
/*
 * Fills @tt for a table of @va_bits input bits and granule 1 << @gshift,
 * at TTBR value @ttbr of which bits @pa_top..(table alignment) are the base.
 */
void smmu_tt_setup(struct smmu_tt *tt, bool enabled, unsigned va_bits, unsigned gshift,
		   u64 ttbr, unsigned pa_top);

/* ---- the walker (smmu_common_ptw.c) --------------------------------- */

enum smmu_ptw_err {
	SMMU_PTW_OK,
	SMMU_PTW_ERR_TRANSLATION,   /* no table for the address, invalid descriptor */
	SMMU_PTW_ERR_ACCESS,        /* AF clear */
	SMMU_PTW_ERR_ADDR_SIZE,     /* a table or output address beyond oas */
	SMMU_PTW_ERR_WALK_EABT,     /* a table read that did not reach RAM */
	SMMU_PTW_ERR_PERMISSION,    /* set by the model from ro / priv_only */
};

struct smmu_walk_result {
	u8 err;           /* enum smmu_ptw_err */
	u8 level;         /* level of the leaf, or of the fault */
	bool ptw;         /* the fault came from reading a table */
	u64 pa;           /* output address of the leaf page or block */
	u8 shift;         /* log2 of the leaf size */
	bool ro, priv_only, global;
};

/* Walks @cfg's tables for @va. Reads tables only from RAM, never trusts them. */
void smmu_ptw(struct machine *m, const struct smmu_trans_cfg *cfg, u64 va,
	      struct smmu_walk_result *r);

/* ---- the IOTLB (smmu_common_iotlb.c) -------------------------------- */

/* One entry: a leaf translation of 1 << shift bytes. */
struct smmu_iotlb_entry {
	u64 tag;          /* va >> shift */
	u64 pa;           /* output address of the page or block */
	u16 asid;
	u16 ctx;          /* the model's context tag */
	u8 shift;
	bool valid, global;
	bool ro;          /* AP[2]: writes fault */
	bool priv_only;   /* AP[1] = 0: unprivileged accesses fault */
	u8 level;
};

#define SMMU_TLB_WAYS 4
#define SMMU_TLB_SETS 1024

/* The leaf sizes an entry can have (smmu_common_iotlb.c's all_shifts). */
#define SMMU_TLB_NR_SIZES 7

/*
 * A memo of the fast lane (smmu_iotlb_hits): pages [lo, hi) of a 64 KiB
 * group of 4K pages whose lookups all found one block entry, or page
 * entries with output addresses following each other and the same
 * permissions, valid while the IOTLB's
 * generation is the one it was made in (nothing inserted or dropped
 * since), when every lookup would find the same entries again.
 *
 * The memos sit in sets of two, chosen by group and context: two streams
 * at the same IOVA, or two groups that share a set, keep one memo each;
 * and a part of a group that meets its memo (same entries, same
 * permissions) joins it rather than replacing it.
 */
#define SMMU_TLB_GROUP_SHIFT 16
#define SMMU_TLB_GROUP_PAGES (1u << (SMMU_TLB_GROUP_SHIFT - 12))
#define SMMU_TLB_GROUPS 64
#define SMMU_TLB_GROUP_WAYS 2

struct smmu_iotlb_group {
	u64 gen;          /* 0: never made */
	u64 tag;          /* va >> SMMU_TLB_GROUP_SHIFT */
	u64 pa;           /* the block's output address, or page lo's */
	u16 ctx, asid;
	u8 lo, hi;        /* the pages remembered, within the group */
	u8 shift;         /* the block's size, or PAGE_SHIFT for page entries */
	bool ro, priv_only;
};

struct smmu_iotlb {
	struct smmu_iotlb_entry e[SMMU_TLB_SETS][SMMU_TLB_WAYS];
	u8 victim[SMMU_TLB_SETS];
	u64 gen;          /* bumped by every insertion and every entry dropped */
	struct smmu_iotlb_group group[SMMU_TLB_GROUPS][SMMU_TLB_GROUP_WAYS];
	u8 group_victim[SMMU_TLB_GROUPS];
	/* Valid entries of each size: a lookup probes only the sizes that have some. */
	u32 nr_valid[SMMU_TLB_NR_SIZES];
	u64 memo_hits;    /* pages a group memo served (the fast lane's tests read it) */
};

/* The entry for @va in context @ctx (@asid's, or a global one), or NULL. */
const struct smmu_iotlb_entry *smmu_iotlb_lookup(struct smmu_iotlb *t, unsigned ctx, u16 asid,
						 u64 va);

/* The leaf sizes, smallest first, in the order a lookup probes them. */
#define SMMU_TLB_SHIFTS 12, 14, 16, 21, 25, 29, 30

static inline unsigned smmu_iotlb_set_of(unsigned ctx, u64 tag, unsigned shift)
{
	u64 h = (tag ^ ((u64)ctx << 40) ^ ((u64)shift << 56)) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(h >> 54) & (SMMU_TLB_SETS - 1);
}

static inline const struct smmu_iotlb_entry *smmu_iotlb_probe(struct smmu_iotlb *t,
							      unsigned ctx, u16 asid, u64 va,
							      unsigned shift)
{
	u64 tag = va >> shift;
	struct smmu_iotlb_entry *e = t->e[smmu_iotlb_set_of(ctx, tag, shift)];

	for (unsigned w = 0; w < SMMU_TLB_WAYS; w++)
		if (e[w].valid && e[w].tag == tag && e[w].ctx == ctx && e[w].shift == shift &&
		    (e[w].global || e[w].asid == asid))
			return &e[w];
	return NULL;
}

/*
 * smmu_iotlb_lookup, inline for the DMA fast lane's loop. Smallest size
 * first: a 4K page hits on the first probe. A size with no entry cannot
 * hit, so a 2M block needs one probe when no smaller entry is cached (the
 * order, and so which entry wins, is unchanged).
 */
static inline const struct smmu_iotlb_entry *smmu_iotlb_find_inline(struct smmu_iotlb *t,
								    unsigned ctx, u16 asid,
								    u64 va)
{
	static const u8 shifts[SMMU_TLB_NR_SIZES] = { SMMU_TLB_SHIFTS };
	const struct smmu_iotlb_entry *e;

	for (unsigned i = 0; i < SMMU_TLB_NR_SIZES; i++) {
		if (!t->nr_valid[i])
			continue;
		e = smmu_iotlb_probe(t, ctx, asid, va, shifts[i]);
		if (e)
			return e;
	}
	return NULL;
}

/* Does an access of @acc (@priv: privileged) break a read-only or privileged-only mapping? */
static inline bool smmu_perm_fault(bool ro, bool priv_only, enum hw_access acc, bool priv)
{
	return (ro && acc == HW_WRITE) || (priv_only && !priv);
}

/*
 * Would a lookup of @va (in @e's context and ASID) find @e, just found for
 * another address, with the IOTLB unchanged since? True only when it must:
 * @va in @e's page or block and no smaller entry cached anywhere.
 */
bool smmu_iotlb_still_hits(const struct smmu_iotlb *t, const struct smmu_iotlb_entry *e, u64 va);
/*
 * The models' translate_hits (hw_iommu_ops): up to @n pages from @addr
 * (page i > 0 at its page start) that lookups in context @ctx, @asid find
 * with no permission fault for @acc (@priv), into @out tagged @tag; stops
 * at the first that is not, and counts a hit for each page filled.
 */
unsigned smmu_iotlb_hits(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 addr, unsigned n,
			 enum hw_access acc, bool priv, u32 tag, struct hw_xlate *out);
void smmu_iotlb_insert(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 va,
		       const struct smmu_walk_result *r);
void smmu_iotlb_inv_all(struct smmu_iotlb *t);
void smmu_iotlb_inv_ctx(struct smmu_iotlb *t, unsigned ctx);
/* Non-global entries of @asid in @ctx. */
void smmu_iotlb_inv_asid(struct smmu_iotlb *t, unsigned ctx, u16 asid);
/* By VA in @ctx: every ASID if @all_asid, else @asid's entries and global ones. */
void smmu_iotlb_inv_va(struct smmu_iotlb *t, unsigned ctx, u64 va, u16 asid, bool all_asid);

/* ---- the model's place in the machine (smmu_common.c) --------------- */

/* The part of every SMMU model's state the common code uses. */
struct smmu_state {
	struct hw_iommu iommu;
	struct machine *m;
	char name[64];
	struct smmu_iotlb tlb;
};

/*
 * Allocates a model's state of @size bytes (struct smmu_state first),
 * freed with the machine, and names it after @node. NULL: out of memory.
 */
void *smmu_state_new(struct machine *m, const void *fdt, int node, size_t size);
/*
 * What a model reports for one access: a bypass of @addr (to the end of its
 * 4 KiB page), or a translation through a leaf of 2^@shift bytes at @pa,
 * tagged @tag (the model's context, for the log) and whether it came from
 * the IOTLB. Both return 0, as a translate op does.
 */
static inline int smmu_xlate_bypass(struct hw_xlate *out, u64 addr)
{
	out->kind = HW_XLATE_BYPASS;
	out->pa = addr;
	out->len = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
	out->domain_tag = 0;
	return 0;
}

/* Inline: every IOTLB hit ends here (the translate hot path). */
static inline void smmu_xlate_translated(struct hw_xlate *out, u64 pa, unsigned shift, u64 addr,
					 u32 tag, bool from_tlb)
{
	u64 off = addr & ((1ull << shift) - 1);

	out->kind = HW_XLATE_TRANSLATED;
	out->pa = pa + off;
	out->len = (1ull << shift) - off;
	out->from_tlb = from_tlb;
	out->domain_tag = tag;
}

/*
 * Stage 1 as both models do it: the IOTLB of context @ctx (@tc's ASID),
 * else a walk of @tc that fills it, then the permission check for @acc
 * (@priv). 0 with @out translated (tagged @tag), or nonzero with @r
 * saying why (a walk error, or SMMU_PTW_ERR_PERMISSION at the leaf's
 * level): the caller's fault path (a context fault, an event) takes it.
 * Inline: an IOTLB hit is the translate hot path.
 */
static inline int smmu_s1_translate(struct smmu_state *s, unsigned ctx,
				    const struct smmu_trans_cfg *tc, u64 addr, enum hw_access acc,
				    bool priv, u32 tag, struct hw_xlate *out,
				    struct smmu_walk_result *r)
{
	const struct smmu_iotlb_entry *e = smmu_iotlb_lookup(&s->tlb, ctx, tc->asid, addr);

	if (e) {
		if (unlikely(smmu_perm_fault(e->ro, e->priv_only, acc, priv))) {
			*r = (struct smmu_walk_result){ .err = SMMU_PTW_ERR_PERMISSION,
							.level = e->level };
			return 1;
		}
		smmu_xlate_translated(out, e->pa, e->shift, addr, tag, true);
		return 0;
	}
	smmu_ptw(s->m, tc, addr, r);
	if (r->err)
		return 1;
	smmu_iotlb_insert(&s->tlb, ctx, tc->asid, addr, r);
	if (smmu_perm_fault(r->ro, r->priv_only, acc, priv)) {
		r->err = SMMU_PTW_ERR_PERMISSION;
		return 1;
	}
	smmu_xlate_translated(out, r->pa, r->shift, addr, tag, false);
	return 0;
}

/*
 * Maps the model's registers [@base, +@size) and puts it on the DMA path of
 * the masters that name @node. 0, or -errno with the reason in @why.
 */
int smmu_state_register(struct smmu_state *s, int node, u64 base, u64 size,
			const struct hw_mmio_ops *mmio, const struct hw_iommu_ops *ops,
			char *why, size_t whylen);

#endif
