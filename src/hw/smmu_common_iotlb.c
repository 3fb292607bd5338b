/*
 * The SMMU models' IOTLB: a 4-way set-associative cache of leaf
 * translations, tagged by the model's context tag, ASID (or global) and the
 * page or block number. Entries stay until the model invalidates them on a
 * driver's command or a newer entry evicts them (round robin within a set),
 * as on hardware: a driver that forgets an invalidation keeps seeing the
 * old translation.
 */
#include <string.h>

#include "hw/smmu_common.h"

/* Every leaf size the walker produces: 4K, 16K, 64K, 2M, 32M, 512M, 1G. */
static const u8 all_shifts[SMMU_TLB_NR_SIZES] = { SMMU_TLB_SHIFTS };

static unsigned size_index(unsigned shift)
{
	unsigned i = 0;

	while (i < ARRAY_SIZE(all_shifts) - 1 && all_shifts[i] != shift)
		i++;
	return i;
}

/* Every valid entry leaves through here, so that nr_valid stays exact. */
static void drop(struct smmu_iotlb *t, struct smmu_iotlb_entry *e)
{
	if (!e->valid)
		return;
	t->gen++;   /* no group memo holds any more */
	e->valid = false;
	t->nr_valid[size_index(e->shift)]--;
}

const struct smmu_iotlb_entry *smmu_iotlb_lookup(struct smmu_iotlb *t, unsigned ctx, u16 asid,
						 u64 va)
{
	return smmu_iotlb_find_inline(t, ctx, asid, va);
}

/*
 * A lookup probes the sizes smallest first and, within a size, the ways of
 * one set in order: with no valid entry smaller than @e, every address of
 * @e's page or block finds @e again, as long as nothing was inserted or
 * invalidated since @e was found (the caller's part).
 */
bool smmu_iotlb_still_hits(const struct smmu_iotlb *t, const struct smmu_iotlb_entry *e, u64 va)
{
	if (va >> e->shift != e->tag)
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(all_shifts) && all_shifts[i] < e->shift; i++)
		if (t->nr_valid[i])
			return false;
	return true;
}

#define GROUP_MASK ((1ull << SMMU_TLB_GROUP_SHIFT) - 1)

/* The set of group @gtag's memos in context @ctx. */
static inline unsigned group_set(unsigned ctx, u64 gtag)
{
	u64 h = (gtag ^ ((u64)ctx << 40)) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(h >> 58) % SMMU_TLB_GROUPS;
}

/* Group @gtag's memo in @ctx and @asid, if one holds in this generation. */
static inline struct smmu_iotlb_group *group_find(struct smmu_iotlb *t, unsigned ctx, u16 asid,
						  u64 gtag)
{
	struct smmu_iotlb_group *g = t->group[group_set(ctx, gtag)];

	for (unsigned w = 0; w < SMMU_TLB_GROUP_WAYS; w++)
		if (g[w].gen == t->gen && g[w].tag == gtag && g[w].ctx == ctx && g[w].asid == asid)
			return &g[w];
	return NULL;
}

/*
 * Up to @max pages from @va (the first of a call, or a page start; page
 * @k of its group, inside @g's part) as their lookups would give them.
 */
static unsigned group_hits(struct smmu_iotlb *t, const struct smmu_iotlb_group *g, u64 va,
			   unsigned k, unsigned max, u32 tag, struct hw_xlate *out)
{
	unsigned m = MIN(g->hi - k, max);

	for (unsigned j = 0; j < m; j++) {
		u64 a = j ? ALIGN_DOWN(va, (u64)PAGE_SIZE) + ((u64)j << PAGE_SHIFT) : va;

		u64 pa = g->shift == PAGE_SHIFT ? g->pa + ((u64)(k + j - g->lo) << PAGE_SHIFT) : g->pa;

		smmu_xlate_translated(&out[j], pa, g->shift, a, tag, true);
	}
	t->memo_hits += m;
	return m;
}

/* Do @e[lo..hi) follow each other as page entries (else all be one entry)? */
static bool pages_follow(const struct smmu_iotlb_entry *const *e, unsigned lo, unsigned hi)
{
	for (unsigned i = lo; i < hi; i++)
		if (e[i]->shift != PAGE_SHIFT || e[i]->pa != e[lo]->pa + ((u64)(i - lo) << PAGE_SHIFT) ||
		    e[i]->ro != e[lo]->ro || e[i]->priv_only != e[lo]->priv_only)
			return false;
	return true;
}

/*
 * Can @g (valid, of the same group, context and ASID) take pages [@lo,
 * @hi) remembered as @n? Where the two meet or overlap and give every page
 * the same translation and permissions: then each page of the union is
 * what its lookup gives, in this generation.
 */
static bool group_joins(const struct smmu_iotlb_group *g, const struct smmu_iotlb_group *n)
{
	if (n->lo > g->hi || g->lo > n->hi || n->shift != g->shift || n->ro != g->ro ||
	    n->priv_only != g->priv_only)
		return false;
	if (n->shift != PAGE_SHIFT)
		return n->pa == g->pa;
	return n->pa == g->pa + ((u64)n->lo << PAGE_SHIFT) - ((u64)g->lo << PAGE_SHIFT);
}

/*
 * Remember pages [@lo, @hi) of the group at @gva if @e[lo..hi) are what
 * group_hits() gives: joined to the group's memo where they can be, else
 * (unless @join_only) in its place, else in a way of the set that holds
 * nothing valid, else in the set's next victim. A lone page only joins
 * (it saves no lookup).
 */
static void group_note(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 gva, unsigned lo,
		       unsigned hi, const struct smmu_iotlb_entry *const *e, bool join_only)
{
	u64 gtag = gva >> SMMU_TLB_GROUP_SHIFT;
	struct smmu_iotlb_group *g = group_find(t, ctx, asid, gtag), n;
	bool one = true;
	unsigned set, w;

	for (unsigned i = lo; i < hi; i++)
		one = one && e[i] == e[lo];
	if (!one && !pages_follow(e, lo, hi))
		return;
	n = (struct smmu_iotlb_group){
		.gen = t->gen, .tag = gtag, .pa = e[lo]->pa,
		.ctx = (u16)ctx, .asid = asid, .lo = (u8)lo, .hi = (u8)hi,
		.shift = one ? e[lo]->shift : PAGE_SHIFT, .ro = e[lo]->ro,
		.priv_only = e[lo]->priv_only,
	};
	if (g && group_joins(g, &n)) {
		if (n.lo < g->lo) {
			g->pa = n.pa;
			g->lo = n.lo;
		}
		g->hi = MAX(g->hi, n.hi);
		return;
	}
	if (hi - lo < 2 || join_only)
		return;
	if (!g) {
		set = group_set(ctx, gtag);
		for (w = 0; w < SMMU_TLB_GROUP_WAYS && t->group[set][w].gen == t->gen; w++)
			;
		if (w == SMMU_TLB_GROUP_WAYS) {
			w = t->group_victim[set];
			t->group_victim[set] = (u8)((w + 1) % SMMU_TLB_GROUP_WAYS);
		}
		g = &t->group[set][w];
	}
	*g = n;
}

/*
 * Nothing is inserted or invalidated during the loop: an entry just found
 * is found again for the rest of its block while no smaller one is cached
 * (smmu_iotlb_still_hits), and a group's memo stands for its lookups. The
 * memo is looked for once per group (nothing changes it until the loop
 * leaves the group), and a page outside its part is looked up. The pages of
 * a group looked up in this call (from @start) are remembered when the
 * call leaves the group, reaches the memo's part, or ends.
 */
unsigned smmu_iotlb_hits(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 addr, unsigned n,
			 enum hw_access acc, bool priv, u32 tag, struct hw_xlate *out)
{
	const struct smmu_iotlb_entry *e = NULL, *seen[SMMU_TLB_GROUP_PAGES];
	const struct smmu_iotlb_group *g = NULL;
	u64 gtag = 0;
	bool reuse = false;
	int start = -1;
	unsigned i = 0;

	if (!t->gen)
		t->gen = 1;   /* a group never made is never valid */
	while (i < n) {
		u64 va = i ? ALIGN_DOWN(addr, (u64)PAGE_SIZE) + (u64)i * PAGE_SIZE : addr;
		unsigned k = (unsigned)((va & GROUP_MASK) >> PAGE_SHIFT);

		if (!i || !k) {
			gtag = va >> SMMU_TLB_GROUP_SHIFT;
			g = group_find(t, ctx, asid, gtag);
			if (g && smmu_perm_fault(g->ro, g->priv_only, acc, priv))
				g = NULL;
		}
		if (g && k >= g->lo && k < g->hi) {
			if (start >= 0) {
				/* The pages looked up just before the part may join it. */
				group_note(t, ctx, asid, gtag << SMMU_TLB_GROUP_SHIFT,
					   (unsigned)start, k, seen, true);
				g = group_find(t, ctx, asid, gtag);
			}
			i += group_hits(t, g, va, k, n - i, tag, &out[i]);
			e = NULL;
			start = -1;
			continue;
		}
		if (!e || !reuse || va >> e->shift != e->tag) {
			e = smmu_iotlb_find_inline(t, ctx, asid, va);
			if (!e || smmu_perm_fault(e->ro, e->priv_only, acc, priv))
				break;
			reuse = e->shift > PAGE_SHIFT && smmu_iotlb_still_hits(t, e, va);
		}
		smmu_xlate_translated(&out[i], e->pa, e->shift, va, tag, true);
		if (start < 0 || k == 0)
			start = (int)k;
		seen[k] = e;
		i++;
		if (k == SMMU_TLB_GROUP_PAGES - 1 || i == n)
			group_note(t, ctx, asid, va & ~GROUP_MASK, (unsigned)start, k + 1, seen,
				   false);
	}
	return i;
}

void smmu_iotlb_insert(struct smmu_iotlb *t, unsigned ctx, u16 asid, u64 va,
		       const struct smmu_walk_result *r)
{
	u64 tag = va >> r->shift;
	unsigned set = smmu_iotlb_set_of(ctx, tag, r->shift), w;
	struct smmu_iotlb_entry *e = t->e[set];

	for (w = 0; w < SMMU_TLB_WAYS; w++)
		if (!e[w].valid)
			break;
	if (w == SMMU_TLB_WAYS) {
		w = t->victim[set];
		t->victim[set] = (w + 1) % SMMU_TLB_WAYS;
		drop(t, &e[w]);
	}
	t->nr_valid[size_index(r->shift)]++;
	t->gen++;   /* a lookup may find the new entry instead */
	e[w] = (struct smmu_iotlb_entry){
		.tag = tag, .pa = r->pa, .asid = asid, .ctx = (u16)ctx, .shift = r->shift,
		.valid = true, .global = r->global, .ro = r->ro, .priv_only = r->priv_only,
		.level = r->level,
	};
}

void smmu_iotlb_inv_all(struct smmu_iotlb *t)
{
	for (unsigned s = 0; s < SMMU_TLB_SETS; s++)
		for (unsigned w = 0; w < SMMU_TLB_WAYS; w++)
			t->e[s][w].valid = false;
	memset(t->nr_valid, 0, sizeof(t->nr_valid));
	t->gen++;
}

void smmu_iotlb_inv_ctx(struct smmu_iotlb *t, unsigned ctx)
{
	for (unsigned s = 0; s < SMMU_TLB_SETS; s++)
		for (unsigned w = 0; w < SMMU_TLB_WAYS; w++)
			if (t->e[s][w].ctx == ctx)
				drop(t, &t->e[s][w]);
}

/* Global entries belong to no ASID and survive an invalidation by ASID. */
void smmu_iotlb_inv_asid(struct smmu_iotlb *t, unsigned ctx, u16 asid)
{
	for (unsigned s = 0; s < SMMU_TLB_SETS; s++)
		for (unsigned w = 0; w < SMMU_TLB_WAYS; w++) {
			struct smmu_iotlb_entry *e = &t->e[s][w];

			if (e->ctx == ctx && !e->global && e->asid == asid)
				drop(t, e);
		}
}

/* Any entry whose page or block holds @va, whatever its size. */
void smmu_iotlb_inv_va(struct smmu_iotlb *t, unsigned ctx, u64 va, u16 asid, bool all_asid)
{
	for (unsigned i = 0; i < ARRAY_SIZE(all_shifts); i++) {
		unsigned shift = all_shifts[i];
		u64 tag = va >> shift;
		struct smmu_iotlb_entry *e = t->e[smmu_iotlb_set_of(ctx, tag, shift)];

		for (unsigned w = 0; w < SMMU_TLB_WAYS; w++)
			if (e[w].valid && e[w].ctx == ctx && e[w].shift == shift && e[w].tag == tag &&
			    (all_asid || e[w].global || e[w].asid == asid))
				drop(t, &e[w]);
	}
}
