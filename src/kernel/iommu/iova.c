/*
 * IOVA allocator: free gaps in an augmented AVL tree, allocated ranges in
 * a radix tree (see iova.h for why). Every pfn in [start_pfn, limit_pfn]
 * is either in exactly one gap or in exactly one range; reserved ranges
 * may also lie below start_pfn.
 *
 * A free must not fail, yet it may need a new gap node. So the domain
 * keeps spare gap nodes such that spare + gaps >= ranges + 1 at all times:
 * gaps are separated by ranges, so a free that needs a node always finds
 * one (allocations and reservations top the spares up before changing
 * anything).
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/iommu/iova.h"

/* ======================= free gaps: augmented AVL ======================= */

struct iova_gap {
	unsigned long lo, hi;		/* free [lo, hi] */
	struct iova_gap *left, *right;
	unsigned long lmax, rmax;	/* largest gap length in each subtree */
	u8 lh, rh;			/* height of each subtree */
};

/* Lengths saturate: [0, ~0ul - 1] has ~0ul pfns, which still fits. */
static inline unsigned long gap_len(const struct iova_gap *g)
{
	return g->hi - g->lo + 1;
}

static inline unsigned int g_height(const struct iova_gap *g)
{
	return 1u + (g->lh > g->rh ? g->lh : g->rh);
}

static inline unsigned long g_max(const struct iova_gap *g)
{
	unsigned long m = gap_len(g);

	if (g->lmax > m)
		m = g->lmax;
	if (g->rmax > m)
		m = g->rmax;
	return m;
}

/* A node keeps its children's summaries: walks never touch path siblings. */
static inline void pull_left(struct iova_gap *g)
{
	g->lh = g->left ? (u8)g_height(g->left) : 0;
	g->lmax = g->left ? g_max(g->left) : 0;
}

static inline void pull_right(struct iova_gap *g)
{
	g->rh = g->right ? (u8)g_height(g->right) : 0;
	g->rmax = g->right ? g_max(g->right) : 0;
}

static struct iova_gap *rotate_right(struct iova_gap *g)
{
	struct iova_gap *l = g->left;

	g->left = l->right;
	l->right = g;
	g->lh = l->rh;
	g->lmax = l->rmax;
	pull_right(l);
	return l;
}

static struct iova_gap *rotate_left(struct iova_gap *g)
{
	struct iova_gap *r = g->right;

	g->right = r->left;
	r->left = g;
	g->rh = r->lh;
	g->rmax = r->lmax;
	pull_left(r);
	return r;
}

static struct iova_gap *rebalance(struct iova_gap *g)
{
	int bf = (int)g->lh - (int)g->rh;

	if (bf > 1) {
		if (g->left->lh < g->left->rh) {
			g->left = rotate_left(g->left);
			pull_left(g);
		}
		return rotate_right(g);
	}
	if (bf < -1) {
		if (g->right->rh < g->right->lh) {
			g->right = rotate_right(g->right);
			pull_right(g);
		}
		return rotate_left(g);
	}
	return g;
}

static struct iova_gap *gap_insert_at(struct iova_gap *n, struct iova_gap *x)
{
	if (!n) {
		x->left = x->right = NULL;
		x->lh = x->rh = 0;
		x->lmax = x->rmax = 0;
		return x;
	}
	if (x->lo < n->lo) {
		n->left = gap_insert_at(n->left, x);
		pull_left(n);
	} else {
		n->right = gap_insert_at(n->right, x);
		pull_right(n);
	}
	return rebalance(n);
}

static struct iova_gap *gap_remove_min(struct iova_gap *n, struct iova_gap **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = gap_remove_min(n->left, min);
	pull_left(n);
	return rebalance(n);
}

static struct iova_gap *gap_remove_at(struct iova_gap *n, unsigned long lo)
{
	struct iova_gap *m, *r;

	if (lo < n->lo) {
		n->left = gap_remove_at(n->left, lo);
		pull_left(n);
	} else if (lo > n->lo) {
		n->right = gap_remove_at(n->right, lo);
		pull_right(n);
	} else {
		if (!n->right)
			return n->left;
		r = gap_remove_min(n->right, &m);
		m->left = n->left;
		m->lh = n->lh;
		m->lmax = n->lmax;
		m->right = r;
		pull_right(m);
		return rebalance(m);
	}
	return rebalance(n);
}

/* After the gap at @lo grew or shrank in place (its order unchanged). */
static void gap_refresh(struct iova_gap *n, unsigned long lo)
{
	if (!n)
		return;
	if (lo < n->lo) {
		gap_refresh(n->left, lo);
		pull_left(n);
	} else if (lo > n->lo) {
		gap_refresh(n->right, lo);
		pull_right(n);
	}
}

static struct iova_gap *spare_get(struct iova_domain *d)
{
	struct iova_gap *g = d->spare;

	d->spare = g->left;
	d->nr_spare--;
	return g;
}

static void spare_put(struct iova_domain *d, struct iova_gap *g)
{
	g->left = d->spare;
	d->spare = g;
	d->nr_spare++;
}

/*
 * Gap nodes come in chunks that grow with the domain (16 up to 4096 nodes),
 * so they neither cost one allocation each nor scatter the radix leaves
 * over the heap. Freed with the domain.
 */
struct gap_chunk {
	struct gap_chunk *next;
	struct iova_gap g[];
};

/* Makes spare + gaps >= ranges + 1 + @more; -ENOMEM (spares kept). */
static int spare_reserve(struct iova_domain *d, unsigned long more)
{
	while (d->nr_spare + d->nr_gaps < d->nr_nodes + 1 + more) {
		unsigned long n = d->nr_nodes < 16 ? 16 : d->nr_nodes < 4096 ? d->nr_nodes : 4096;
		struct gap_chunk *c = kmalloc(sizeof(*c) + n * sizeof(c->g[0]));

		if (!c)
			return -ENOMEM;
		c->next = d->chunks;
		d->chunks = c;
		for (unsigned long i = 0; i < n; i++)
			spare_put(d, &c->g[i]);
	}
	return 0;
}

static void gap_add(struct iova_domain *d, unsigned long lo, unsigned long hi)
{
	struct iova_gap *g = spare_get(d);

	g->lo = lo;
	g->hi = hi;
	d->gaps = gap_insert_at(d->gaps, g);
	d->nr_gaps++;
}

static void gap_del(struct iova_domain *d, struct iova_gap *g)
{
	d->gaps = gap_remove_at(d->gaps, g->lo);
	d->nr_gaps--;
	spare_put(d, g);
}

/* The gap holding @pfn, or NULL. */
static struct iova_gap *gap_find(struct iova_domain *d, unsigned long pfn)
{
	struct iova_gap *g = d->gaps;

	while (g) {
		if (pfn < g->lo)
			g = g->left;
		else if (pfn > g->hi)
			g = g->right;
		else
			return g;
	}
	return NULL;
}

/* The lowest gap ending at or above @pfn (gaps are disjoint and sorted). */
static struct iova_gap *gap_first_from(struct iova_domain *d, unsigned long pfn)
{
	struct iova_gap *g = d->gaps, *best = NULL;

	while (g) {
		if (g->hi >= pfn) {
			best = g;
			g = g->left;
		} else {
			g = g->right;
		}
	}
	return best;
}

/* Takes [lo, hi] (inside gap @g) out of the free space. */
static void gap_carve(struct iova_domain *d, struct iova_gap *g,
		      unsigned long lo, unsigned long hi)
{
	if (lo == g->lo && hi == g->hi) {
		gap_del(d, g);
	} else if (lo == g->lo) {
		g->lo = hi + 1;
		gap_refresh(d->gaps, g->lo);
	} else if (hi == g->hi) {
		g->hi = lo - 1;
		gap_refresh(d->gaps, g->lo);
	} else {
		unsigned long top = g->hi;

		g->hi = lo - 1;
		gap_refresh(d->gaps, g->lo);
		gap_add(d, hi + 1, top);
	}
}

/* Returns [lo, hi] to the free space, merging with the gaps beside it. */
static void gap_release(struct iova_domain *d, unsigned long lo, unsigned long hi)
{
	struct iova_gap *below = lo > d->start_pfn ? gap_find(d, lo - 1) : NULL;
	struct iova_gap *above = hi < d->limit_pfn ? gap_find(d, hi + 1) : NULL;

	if (below && above) {
		unsigned long top = above->hi;

		gap_del(d, above);
		below->hi = top;
		gap_refresh(d->gaps, below->lo);
	} else if (below) {
		below->hi = hi;
		gap_refresh(d->gaps, below->lo);
	} else if (above) {
		above->lo = lo;
		gap_refresh(d->gaps, lo);
	} else {
		gap_add(d, lo, hi);
	}
}

/* The highest @size pfns aligned by @align_mask in @g at or under @limit. */
static bool fit_in(const struct iova_gap *g, unsigned long size,
		   unsigned long align_mask, unsigned long limit, unsigned long *pfn)
{
	unsigned long hi = g->hi < limit ? g->hi : limit, cand;

	if (hi < g->lo || hi - g->lo + 1 < size)
		return false;
	cand = (hi - size + 1) & align_mask;
	if (cand < g->lo)
		return false;
	*pfn = cand;
	return true;
}

/* Right to left, pruning subtrees whose largest gap is too small. */
static struct iova_gap *gap_search(struct iova_gap *g, unsigned long size,
				   unsigned long align_mask, unsigned long limit,
				   unsigned long *pfn)
{
	while (g) {
		if (g->rmax >= size && g->hi < limit) {
			struct iova_gap *r = gap_search(g->right, size, align_mask, limit, pfn);

			if (r)
				return r;
		}
		if (fit_in(g, size, align_mask, limit, pfn))
			return g;
		if (g->lmax < size)
			return NULL;
		g = g->left;
	}
	return NULL;
}

/* ================== allocated ranges: 64-way radix tree ================= */

#define RADIX_BITS	6
#define RADIX_SLOTS	(1u << RADIX_BITS)

struct radix_node {
	u64 present;
	void *slot[RADIX_SLOTS];
};

struct radix_leaf {
	u64 present, reserved, cached;
	struct iova entry[RADIX_SLOTS];
};

static inline unsigned int digit(const struct iova_domain *d, unsigned long key,
				 unsigned int level)
{
	unsigned int shift = RADIX_BITS * (d->radix_levels - 1 - level);

	return (unsigned int)(key >> shift) & (RADIX_SLOTS - 1);
}

static inline bool is_leaf_level(const struct iova_domain *d, unsigned int level)
{
	return level == d->radix_levels - 1;
}

static inline unsigned int top_bit(u64 x)
{
	return 63u - (unsigned int)__builtin_clzll(x);
}

/* Bits 0..d inclusive. */
static inline u64 upto(unsigned int dg)
{
	return dg == 63 ? ~0ull : (2ull << dg) - 1;
}

/* The leaf holding @key, or NULL. */
static struct radix_leaf *leaf_of(struct iova_domain *d, unsigned long key)
{
	void *n = d->radix;

	for (unsigned int l = 0; n && !is_leaf_level(d, l); l++) {
		struct radix_node *r = n;
		unsigned int dg = digit(d, key, l);

		n = (r->present & BIT_ULL(dg)) ? r->slot[dg] : NULL;
	}
	return n;
}

/*
 * Under @n, the range with the largest pfn_lo <= @key (@up false) or the
 * smallest pfn_lo >= @key (@up true); with @bounded false, the last (first)
 * of all. Tolerates empty nodes that radix_prepare built but nothing filled
 * yet. Each level keeps only the slots on @key's side of its digit, then
 * tries them nearest first.
 */
static struct iova *near_under(struct iova_domain *d, void *n, unsigned int level,
			       unsigned long key, bool bounded, bool up)
{
	unsigned int dg = digit(d, key, level);
	u64 side = !bounded ? ~0ull : up ? ~(BIT_ULL(dg) - 1) : upto(dg);
	u64 m;

	if (!n)
		return NULL;
	if (is_leaf_level(d, level)) {
		struct radix_leaf *lf = n;

		m = lf->present & side;
		return m ? &lf->entry[up ? (unsigned int)__builtin_ctzll(m) : top_bit(m)] : NULL;
	}
	for (m = ((struct radix_node *)n)->present & side; m;) {
		unsigned int b = up ? (unsigned int)__builtin_ctzll(m) : top_bit(m);
		struct iova *i = near_under(d, ((struct radix_node *)n)->slot[b], level + 1,
					    key, bounded && b == dg, up);

		if (i)
			return i;
		m &= ~BIT_ULL(b);
	}
	return NULL;
}

/* The range holding @pfn, or NULL. */
static struct iova *range_find(struct iova_domain *d, unsigned long pfn)
{
	struct iova *i;

	if (!d->radix || pfn > d->limit_pfn)
		return NULL;
	i = near_under(d, d->radix, 0, pfn, true, false);
	return i && pfn <= i->pfn_hi ? i : NULL;
}

static struct iova *range_first_from(struct iova_domain *d, unsigned long pfn)
{
	return d->radix && pfn <= d->limit_pfn ? near_under(d, d->radix, 0, pfn, true, true) : NULL;
}

/*
 * Builds the path to @key's leaf, so that range_insert cannot fail.
 * -ENOMEM leaves the nodes built so far: empty, reachable, and pruned by
 * radix_prune or the next removal on that path.
 */
static int radix_prepare(struct iova_domain *d, unsigned long key)
{
	void **link = &d->radix;

	for (unsigned int l = 0; ; l++) {
		if (!*link) {
			*link = kzalloc(is_leaf_level(d, l) ? sizeof(struct radix_leaf)
							  : sizeof(struct radix_node));
			if (!*link)
				return -ENOMEM;
		}
		if (is_leaf_level(d, l))
			return 0;
		struct radix_node *r = *link;
		unsigned int dg = digit(d, key, l);

		if (!(r->present & BIT_ULL(dg))) {
			r->slot[dg] = NULL;
			r->present |= BIT_ULL(dg);
		}
		link = &r->slot[dg];
	}
}

/* Frees the empty nodes on @key's path, bottom-up. */
static bool prune_under(struct iova_domain *d, void *n, unsigned int level,
			unsigned long key)
{
	if (!n)
		return true;
	if (is_leaf_level(d, level)) {
		if (((struct radix_leaf *)n)->present)
			return false;
	} else {
		struct radix_node *r = n;
		unsigned int dg = digit(d, key, level);

		if ((r->present & BIT_ULL(dg)) &&
		    prune_under(d, r->slot[dg], level + 1, key))
			r->present &= ~BIT_ULL(dg);
		if (r->present)
			return false;
	}
	kfree(n);
	return true;
}

static void radix_prune(struct iova_domain *d, unsigned long key)
{
	if (prune_under(d, d->radix, 0, key))
		d->radix = NULL;
}

static struct iova *range_insert(struct iova_domain *d, unsigned long lo,
				 unsigned long hi, bool reserved)
{
	struct radix_leaf *lf = leaf_of(d, lo);
	unsigned int dg = digit(d, lo, d->radix_levels - 1);

	lf->present |= BIT_ULL(dg);
	lf->cached &= ~BIT_ULL(dg);
	if (reserved)
		lf->reserved |= BIT_ULL(dg);
	else
		lf->reserved &= ~BIT_ULL(dg);
	lf->entry[dg].pfn_lo = lo;
	lf->entry[dg].pfn_hi = hi;
	d->nr_nodes++;
	return &lf->entry[dg];
}

static void range_remove(struct iova_domain *d, struct radix_leaf *lf, unsigned long lo)
{
	lf->present &= ~BIT_ULL(digit(d, lo, d->radix_levels - 1));
	d->nr_nodes--;
	if (!lf->present)
		radix_prune(d, lo);
}

static void radix_free_all(struct iova_domain *d, void *n, unsigned int level)
{
	if (!n)
		return;
	if (!is_leaf_level(d, level)) {
		struct radix_node *r = n;

		for (u64 m = r->present; m; m &= m - 1)
			radix_free_all(d, r->slot[__builtin_ctzll(m)], level + 1);
	}
	kfree(n);
}

/* Flags of the range starting at @lo (it must exist). */
static inline unsigned int slot_of(const struct iova_domain *d, unsigned long lo)
{
	return digit(d, lo, d->radix_levels - 1);
}

/* ============================== the domain ============================== */

int init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		     unsigned long start_pfn, unsigned long limit_pfn)
{
	unsigned int bits;

	if (!granule || (granule & (granule - 1)))
		return -EINVAL;
	if (limit_pfn == ~0ul)
		limit_pfn--;	/* Linux's anchor sits at ~0 */
	if (start_pfn > limit_pfn)
		return -EINVAL;
	memset(iovad, 0, sizeof(*iovad));
	iovad->granule = granule;
	iovad->start_pfn = start_pfn;
	iovad->limit_pfn = limit_pfn;
	bits = limit_pfn ? 64 - (unsigned int)__builtin_clzl(limit_pfn) : 1;
	iovad->radix_levels = (bits + RADIX_BITS - 1) / RADIX_BITS;
	iovad->beyond.pfn_lo = iovad->beyond.pfn_hi = limit_pfn + 1;
	if (spare_reserve(iovad, 0))
		return -ENOMEM;
	gap_add(iovad, start_pfn, limit_pfn);
	return 0;
}

void put_iova_domain(struct iova_domain *iovad)
{
	if (iovad->rcaches) {
		for (int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++)
			kfree(iovad->rcaches[i].ranges);
		kfree(iovad->rcaches);
	}
	radix_free_all(iovad, iovad->radix, 0);
	while (iovad->chunks) {
		struct gap_chunk *c = iovad->chunks;

		iovad->chunks = c->next;
		kfree(c);
	}
	memset(iovad, 0, sizeof(*iovad));
}

static unsigned long roundup_pow_of_two(unsigned long x)
{
	return x <= 1 ? 1 : 1ul << (64 - __builtin_clzl(x - 1));
}

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	unsigned long align_mask = ~0ul, pfn;
	struct iova_gap *g;

	if (!size || size > iovad->limit_pfn - iovad->start_pfn + 1)
		return NULL;
	if (limit_pfn > iovad->limit_pfn)
		limit_pfn = iovad->limit_pfn;
	if (size_aligned) {
		if (size > (1ul << 63))
			return NULL;
		align_mask = ~(roundup_pow_of_two(size) - 1);
	}
	g = gap_search(iovad->gaps, size, align_mask, limit_pfn, &pfn);
	if (!g)
		return NULL;
	/* Everything that can fail first: nothing changes on -ENOMEM. */
	if (spare_reserve(iovad, 1))
		return NULL;
	if (radix_prepare(iovad, pfn)) {
		radix_prune(iovad, pfn);
		return NULL;
	}
	gap_carve(iovad, g, pfn, pfn + size - 1);
	return range_insert(iovad, pfn, pfn + size - 1, false);
}

/* Frees an allocated range; reserved, cached or absent: nothing. */
static void range_free(struct iova_domain *d, struct iova *i)
{
	struct radix_leaf *lf;
	unsigned long lo, hi;
	u64 bit;

	if (!i)
		return;
	lo = i->pfn_lo;
	hi = i->pfn_hi;
	lf = leaf_of(d, lo);
	bit = BIT_ULL(slot_of(d, lo));
	if (!lf || !(lf->present & bit) || &lf->entry[slot_of(d, lo)] != i ||
	    (lf->reserved & bit) || (lf->cached & bit))
		return;
	gap_release(d, lo, hi);
	range_remove(d, lf, lo);
}

void free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	range_free(iovad, range_find(iovad, pfn));
}

void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (iova)
		range_free(iovad, range_find(iovad, iova->pfn_lo));
}

static bool range_flag(struct iova_domain *d, const struct iova *i, bool cached)
{
	struct radix_leaf *lf = leaf_of(d, i->pfn_lo);
	u64 bit = BIT_ULL(slot_of(d, i->pfn_lo));

	return ((cached ? lf->cached : lf->reserved) & bit) != 0;
}

struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *i = range_find(iovad, pfn);

	return i && !range_flag(iovad, i, true) ? i : NULL;
}

/* ============================== reservations ============================ */

struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	unsigned long holes = 0, lo;
	struct iova_gap *g;
	struct iova *i;

	if (pfn_lo > pfn_hi || pfn_hi > (~0ul >> iova_shift(iovad)))
		return NULL;
	if (pfn_lo > iovad->limit_pfn)
		return &iovad->beyond;
	if (pfn_hi > iovad->limit_pfn)
		pfn_hi = iovad->limit_pfn;

	/* A cached range is free to its user and would be handed out again. */
	free_cached_iovas(iovad);

	/* Prepare every node first, so a failure changes nothing. */
	for (g = gap_first_from(iovad, pfn_lo); g && g->lo <= pfn_hi;
	     g = g->hi < iovad->limit_pfn ? gap_first_from(iovad, g->hi + 1) : NULL)
		holes++;
	if (spare_reserve(iovad, holes))
		return NULL;
	for (g = gap_first_from(iovad, pfn_lo); g && g->lo <= pfn_hi;
	     g = g->hi < iovad->limit_pfn ? gap_first_from(iovad, g->hi + 1) : NULL) {
		lo = g->lo > pfn_lo ? g->lo : pfn_lo;
		if (radix_prepare(iovad, lo)) {
			/* Undo: prune every path prepared (the empty ones go). */
			for (g = gap_first_from(iovad, pfn_lo); g && g->lo <= pfn_hi;
			     g = g->hi < iovad->limit_pfn ? gap_first_from(iovad, g->hi + 1) : NULL)
				radix_prune(iovad, g->lo > pfn_lo ? g->lo : pfn_lo);
			return NULL;
		}
	}

	/* Ranges already there become reserved: freeing them cannot open it. */
	i = range_find(iovad, pfn_lo);
	if (!i)
		i = range_first_from(iovad, pfn_lo);
	for (; i && i->pfn_lo <= pfn_hi; i = range_first_from(iovad, i->pfn_lo + 1)) {
		struct radix_leaf *lf = leaf_of(iovad, i->pfn_lo);

		lf->reserved |= BIT_ULL(slot_of(iovad, i->pfn_lo));
	}
	/* Then every free hole inside becomes a reserved range. */
	while ((g = gap_first_from(iovad, pfn_lo)) && g->lo <= pfn_hi) {
		unsigned long hi = g->hi < pfn_hi ? g->hi : pfn_hi;

		lo = g->lo > pfn_lo ? g->lo : pfn_lo;
		gap_carve(iovad, g, lo, hi);
		range_insert(iovad, lo, hi, true);
	}
	i = range_find(iovad, pfn_lo);
	if (!i)
		i = range_first_from(iovad, pfn_lo);
	return i && i->pfn_lo <= pfn_hi ? i : &iovad->beyond;
}

/* ============================== range cache ============================= */

int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	if (iovad->rcaches)
		return 0;
	iovad->rcaches = kcalloc(IOVA_RANGE_CACHE_MAX_SIZE, sizeof(*iovad->rcaches));
	return iovad->rcaches ? 0 : -ENOMEM;
}

static int rcache_class(unsigned long size)
{
	int order = __builtin_ctzl(roundup_pow_of_two(size));

	return order < IOVA_RANGE_CACHE_MAX_SIZE ? order : -1;
}

static bool rcache_put(struct iova_domain *d, struct radix_leaf *lf, struct iova *i)
{
	int cls = rcache_class(iova_size(i));
	struct iova_rcache *rc;

	if (!d->rcaches || cls < 0)
		return false;
	rc = &d->rcaches[cls];
	if (rc->nr == rc->cap) {
		unsigned int cap = rc->cap ? rc->cap * 2 : 128;
		struct iova **ranges;

		if (cap > IOVA_RCACHE_MAX_ENTRIES)
			return false;
		ranges = krealloc(rc->ranges, cap * sizeof(*ranges));
		if (!ranges)
			return false;
		rc->ranges = ranges;
		rc->cap = cap;
	}
	lf->cached |= BIT_ULL(slot_of(d, i->pfn_lo));
	rc->ranges[rc->nr++] = i;
	return true;
}

/* Like a Linux magazine: the newest entry that fits, from the top 128. */
static struct iova *rcache_get(struct iova_domain *d, unsigned long size,
			       unsigned long limit_pfn)
{
	int cls = rcache_class(size);
	struct iova_rcache *rc;
	unsigned int n, stop;

	if (!d->rcaches || cls < 0)
		return NULL;
	rc = &d->rcaches[cls];
	stop = rc->nr > 128 ? rc->nr - 128 : 0;
	for (n = rc->nr; n-- > stop;) {
		struct iova *i = rc->ranges[n];

		if (i->pfn_hi <= limit_pfn) {
			rc->ranges[n] = rc->ranges[--rc->nr];
			leaf_of(d, i->pfn_lo)->cached &= ~BIT_ULL(slot_of(d, i->pfn_lo));
			return i;
		}
	}
	return NULL;
}

void free_cached_iovas(struct iova_domain *iovad)
{
	if (!iovad->rcaches)
		return;
	for (int c = 0; c < IOVA_RANGE_CACHE_MAX_SIZE; c++) {
		struct iova_rcache *rc = &iovad->rcaches[c];

		while (rc->nr) {
			struct iova *i = rc->ranges[--rc->nr];

			leaf_of(iovad, i->pfn_lo)->cached &= ~BIT_ULL(slot_of(iovad, i->pfn_lo));
			range_free(iovad, i);
		}
	}
}

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	struct iova *i;

	if (!size)
		return 0;
	if (size < (1ul << (IOVA_RANGE_CACHE_MAX_SIZE - 1)))
		size = roundup_pow_of_two(size);
	i = rcache_get(iovad, size, limit_pfn);
	if (i)
		return i->pfn_lo;
	i = alloc_iova(iovad, size, limit_pfn, true);
	if (!i && flush_rcache) {
		free_cached_iovas(iovad);
		i = alloc_iova(iovad, size, limit_pfn, true);
	}
	return i ? i->pfn_lo : 0;
}

void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size)
{
	struct radix_leaf *lf;
	unsigned long want;
	struct iova *i;
	u64 bit;

	if (!size || pfn > iovad->limit_pfn)
		return;
	lf = leaf_of(iovad, pfn);
	bit = BIT_ULL(slot_of(iovad, pfn));
	if (!lf || !(lf->present & bit) || ((lf->reserved | lf->cached) & bit))
		return;
	i = &lf->entry[slot_of(iovad, pfn)];
	want = size < (1ul << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) ? roundup_pow_of_two(size) : size;
	if (iova_size(i) != want)
		return;
	if (rcache_put(iovad, lf, i))
		return;
	range_free(iovad, i);
}
