/*
 * IOVA allocator: an AVL tree of allocated (and reserved) ranges keyed by
 * pfn_lo. Each node records the free gap just below it and the largest
 * such gap in its subtree, so a top-down search can skip every subtree too
 * fragmented to hold the request. An anchor node above the limit closes the
 * top gap, so every free pfn lies in exactly one node's gap.
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/iommu/iova.h"

/* ---- tree primitives ---- */

static inline unsigned int node_height(const struct iova_node *n)
{
	return 1u + (n->lh > n->rh ? n->lh : n->rh);
}

static inline unsigned long node_max(const struct iova_node *n)
{
	unsigned long g = n->gap;

	if (n->lmax > g)
		g = n->lmax;
	if (n->rmax > g)
		g = n->rmax;
	return g;
}

/* Refresh n's summary of one child (the only one that changed). */
static inline void pull_left(struct iova_node *n)
{
	n->lh = n->left ? (u8)node_height(n->left) : 0;
	n->lmax = n->left ? node_max(n->left) : 0;
}

static inline void pull_right(struct iova_node *n)
{
	n->rh = n->right ? (u8)node_height(n->right) : 0;
	n->rmax = n->right ? node_max(n->right) : 0;
}

static struct iova_node *rotate_right(struct iova_node *n)
{
	struct iova_node *l = n->left;

	n->left = l->right;
	l->right = n;
	n->lh = l->rh;
	n->lmax = l->rmax;
	pull_right(l);
	return l;
}

static struct iova_node *rotate_left(struct iova_node *n)
{
	struct iova_node *r = n->right;

	n->right = r->left;
	r->left = n;
	n->rh = r->lh;
	n->rmax = r->lmax;
	pull_left(r);
	return r;
}

/* Restores the AVL balance at @n, whose own summaries are up to date. */
static struct iova_node *rebalance(struct iova_node *n)
{
	int bf = (int)n->lh - (int)n->rh;

	if (bf > 1) {
		if (n->left->lh < n->left->rh) {
			n->left = rotate_left(n->left);
			pull_left(n);
		}
		return rotate_right(n);
	}
	if (bf < -1) {
		if (n->right->rh < n->right->lh) {
			n->right = rotate_right(n->right);
			pull_right(n);
		}
		return rotate_left(n);
	}
	return n;
}

/* The gap below @n when @pred (NULL: none) is the range under it. */
static unsigned long gap_below(const struct iova_domain *d,
			       const struct iova_node *n,
			       const struct iova_node *pred)
{
	unsigned long lo = d->start_pfn;

	if (pred && pred->iova.pfn_hi >= lo)
		lo = pred->iova.pfn_hi + 1;
	return n->iova.pfn_lo > lo ? n->iova.pfn_lo - lo : 0;
}

/*
 * Inserts leaf @x. On the way down the last node we went right from is its
 * predecessor and the last we went left from its successor (an ancestor, so
 * the unwinding recomputes it after its gap shrank).
 */
static struct iova_node *insert(struct iova_domain *d, struct iova_node *n,
				struct iova_node *x, struct iova_node *pred,
				struct iova_node *succ)
{
	if (!n) {
		x->left = x->right = NULL;
		x->lh = x->rh = 0;
		x->lmax = x->rmax = 0;
		x->gap = gap_below(d, x, pred);
		if (succ)
			succ->gap = gap_below(d, succ, x);
		return x;
	}
	if (x->iova.pfn_lo < n->iova.pfn_lo) {
		n->left = insert(d, n->left, x, pred, n);
		pull_left(n);
	} else {
		n->right = insert(d, n->right, x, n, succ);
		pull_right(n);
	}
	return rebalance(n);
}

static struct iova_node *remove_min(struct iova_node *n, struct iova_node **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = remove_min(n->left, min);
	pull_left(n);
	return rebalance(n);
}

static struct iova_node *remove_key(struct iova_node *n, unsigned long key)
{
	struct iova_node *m, *r;

	if (key < n->iova.pfn_lo) {
		n->left = remove_key(n->left, key);
		pull_left(n);
	} else if (key > n->iova.pfn_lo) {
		n->right = remove_key(n->right, key);
		pull_right(n);
	} else {
		if (!n->right)
			return n->left;
		r = remove_min(n->right, &m);
		m->left = n->left;
		m->lh = n->lh;
		m->lmax = n->lmax;
		m->right = r;
		pull_right(m);
		return rebalance(m);
	}
	return rebalance(n);
}

/* Recomputes the summaries on the path to @key after a gap changed. */
static void refresh_path(struct iova_node *n, unsigned long key)
{
	if (!n)
		return;
	if (key < n->iova.pfn_lo) {
		refresh_path(n->left, key);
		pull_left(n);
	} else if (key > n->iova.pfn_lo) {
		refresh_path(n->right, key);
		pull_right(n);
	}
}

/* The node whose range holds @pfn, with its neighbours; NULL if none. */
static struct iova_node *lookup(struct iova_domain *d, unsigned long pfn,
				struct iova_node **pred, struct iova_node **succ)
{
	struct iova_node *n = d->root, *p = NULL, *s = NULL;

	while (n) {
		if (pfn < n->iova.pfn_lo) {
			s = n;
			n = n->left;
		} else if (pfn > n->iova.pfn_hi) {
			p = n;
			n = n->right;
		} else {
			break;
		}
	}
	if (n && pred) {
		struct iova_node *c;

		if (n->left) {
			for (c = n->left; c->right; c = c->right)
				;
			p = c;
		}
		if (n->right) {
			for (c = n->right; c->left; c = c->left)
				;
			s = c;
		}
		*pred = p;
		*succ = s;
	}
	return n;
}

/* The lowest node with pfn_hi >= @pfn (ranges are disjoint and sorted). */
static struct iova_node *first_from(struct iova_domain *d, unsigned long pfn)
{
	struct iova_node *n = d->root, *best = NULL;

	while (n) {
		if (n->iova.pfn_hi >= pfn) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

static void tree_insert(struct iova_domain *d, struct iova_node *x)
{
	d->root = insert(d, d->root, x, NULL, NULL);
	d->nr_nodes++;
}

static void tree_remove(struct iova_domain *d, struct iova_node *x,
			struct iova_node *pred, struct iova_node *succ)
{
	d->root = remove_key(d->root, x->iova.pfn_lo);
	d->nr_nodes--;
	/* The anchor is everyone's upper neighbour, so succ is never NULL. */
	succ->gap = gap_below(d, succ, pred);
	refresh_path(d->root, succ->iova.pfn_lo);
}

/* ---- search ---- */

/*
 * The highest pfn in the gap below @n where @size pfns aligned by
 * @align_mask fit at or under @limit; false if none.
 */
static bool fit_below(const struct iova_node *n, unsigned long size,
		      unsigned long align_mask, unsigned long limit,
		      unsigned long *pfn)
{
	unsigned long lo, hi, cand;

	if (n->gap < size)
		return false;
	lo = n->iova.pfn_lo - n->gap;
	hi = n->iova.pfn_lo - 1;
	if (hi > limit)
		hi = limit;
	if (hi < lo || hi - lo + 1 < size)
		return false;
	cand = (hi - size + 1) & align_mask;
	if (cand < lo)
		return false;
	*pfn = cand;
	return true;
}

/* Right to left: the first fit found is the highest. */
static bool search(const struct iova_node *n, unsigned long size,
		   unsigned long align_mask, unsigned long limit,
		   unsigned long *pfn)
{
	while (n) {
		/* Gaps to the right all lie above n's range. */
		if (n->rmax >= size && n->iova.pfn_hi < limit &&
		    search(n->right, size, align_mask, limit, pfn))
			return true;
		if (fit_below(n, size, align_mask, limit, pfn))
			return true;
		if (n->lmax < size)
			return false;
		n = n->left;
	}
	return false;
}

/* ---- domain ---- */

int init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		     unsigned long start_pfn, unsigned long limit_pfn)
{
	if (!granule || (granule & (granule - 1)))
		return -EINVAL;
	if (limit_pfn == ~0ul)
		limit_pfn--;
	if (start_pfn > limit_pfn)
		return -EINVAL;
	memset(iovad, 0, sizeof(*iovad));
	iovad->granule = granule;
	iovad->start_pfn = start_pfn;
	iovad->limit_pfn = limit_pfn;
	iovad->anchor.iova.pfn_lo = iovad->anchor.iova.pfn_hi = limit_pfn + 1;
	iovad->anchor.reserved = true;
	iovad->anchor.gap = limit_pfn + 1 - start_pfn;
	iovad->root = &iovad->anchor;
	return 0;
}

static void free_subtree(struct iova_domain *d, struct iova_node *n)
{
	if (!n)
		return;
	free_subtree(d, n->left);
	free_subtree(d, n->right);
	if (n != &d->anchor)
		kfree(n);
}

void put_iova_domain(struct iova_domain *iovad)
{
	if (iovad->rcaches) {
		for (int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++)
			kfree(iovad->rcaches[i].nodes);
		kfree(iovad->rcaches);
		iovad->rcaches = NULL;
	}
	free_subtree(iovad, iovad->root);
	init_iova_domain(iovad, iovad->granule, iovad->start_pfn, iovad->limit_pfn);
}

static unsigned long roundup_pow_of_two(unsigned long x)
{
	return x <= 1 ? 1 : 1ul << (64 - __builtin_clzl(x - 1));
}

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	unsigned long align_mask = ~0ul, pfn;
	struct iova_node *x;

	if (!size || size > iovad->limit_pfn - iovad->start_pfn + 1)
		return NULL;
	if (limit_pfn > iovad->limit_pfn)
		limit_pfn = iovad->limit_pfn;
	if (size_aligned) {
		unsigned long align = roundup_pow_of_two(size);

		if (!align)
			return NULL;
		align_mask = ~(align - 1);
	}
	if (!search(iovad->root, size, align_mask, limit_pfn, &pfn))
		return NULL;
	x = kmalloc(sizeof(*x));
	if (!x)
		return NULL;
	x->iova.pfn_lo = pfn;
	x->iova.pfn_hi = pfn + size - 1;
	x->reserved = x->cached = false;
	tree_insert(iovad, x);
	return &x->iova;
}

static void remove_node(struct iova_domain *d, unsigned long pfn)
{
	struct iova_node *pred, *succ;
	struct iova_node *x = lookup(d, pfn, &pred, &succ);

	if (!x || x->reserved || x->cached)
		return;
	tree_remove(d, x, pred, succ);
	kfree(x);
}

void free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	remove_node(iovad, pfn);
}

void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (iova)
		remove_node(iovad, iova->pfn_lo);
}

struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova_node *x = lookup(iovad, pfn, NULL, NULL);

	if (!x || x == &iovad->anchor || x->cached)
		return NULL;
	return &x->iova;
}

/* ---- reservations ---- */

/* Calls @fn(lo, hi) for each uncovered hole of [lo, hi]; returns how many. */
static unsigned int for_each_hole(struct iova_domain *d, unsigned long lo,
				  unsigned long hi,
				  void (*fn)(struct iova_domain *, unsigned long,
					     unsigned long, void *),
				  void *arg)
{
	unsigned int holes = 0;
	unsigned long cur = lo;

	for (;;) {
		struct iova_node *n = first_from(d, cur);

		if (!n || n->iova.pfn_lo > hi) {
			if (fn)
				fn(d, cur, hi, arg);
			return holes + 1;
		}
		if (n->iova.pfn_lo > cur) {
			if (fn)
				fn(d, cur, n->iova.pfn_lo - 1, arg);
			holes++;
		}
		if (n->iova.pfn_hi >= hi)
			return holes;
		cur = n->iova.pfn_hi + 1;
	}
}

struct reserve_ctx {
	struct iova_node **spare;
};

static void fill_hole(struct iova_domain *d, unsigned long lo, unsigned long hi,
		      void *arg)
{
	struct reserve_ctx *ctx = arg;
	struct iova_node *x = *ctx->spare++;

	x->iova.pfn_lo = lo;
	x->iova.pfn_hi = hi;
	x->reserved = true;
	x->cached = false;
	tree_insert(d, x);
}

struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	struct iova_node **nodes;
	struct reserve_ctx ctx;
	unsigned int holes, i;
	struct iova_node *n;

	if (pfn_lo > pfn_hi || pfn_hi > (~0ul >> iova_shift(iovad)))
		return NULL;
	if (pfn_lo > iovad->limit_pfn)
		return &iovad->anchor.iova;
	if (pfn_hi > iovad->limit_pfn)
		pfn_hi = iovad->limit_pfn;

	/* A cached range is free to its user and would be handed out again. */
	free_cached_iovas(iovad);
	/* Allocate every node first, so a failure changes nothing. */
	holes = for_each_hole(iovad, pfn_lo, pfn_hi, NULL, NULL);
	nodes = kcalloc(holes ? holes : 1, sizeof(*nodes));
	if (!nodes)
		return NULL;
	for (i = 0; i < holes; i++) {
		nodes[i] = kmalloc(sizeof(**nodes));
		if (!nodes[i]) {
			while (i--)
				kfree(nodes[i]);
			kfree(nodes);
			return NULL;
		}
	}
	ctx.spare = nodes;
	for_each_hole(iovad, pfn_lo, pfn_hi, fill_hole, &ctx);
	kfree(nodes);
	/*
	 * Ranges already allocated there become reserved too, so freeing
	 * them cannot open the reservation (the anchor lies above pfn_hi).
	 */
	for (n = first_from(iovad, pfn_lo); n && n->iova.pfn_lo <= pfn_hi;
	     n = first_from(iovad, n->iova.pfn_hi + 1))
		n->reserved = true;
	return &first_from(iovad, pfn_lo)->iova;
}

/* ---- range cache ---- */

int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	if (iovad->rcaches)
		return 0;
	iovad->rcaches = kcalloc(IOVA_RANGE_CACHE_MAX_SIZE, sizeof(*iovad->rcaches));
	return iovad->rcaches ? 0 : -ENOMEM;
}

static int rcache_class(unsigned long size)
{
	unsigned long p = roundup_pow_of_two(size);
	int order = __builtin_ctzl(p);

	return order < IOVA_RANGE_CACHE_MAX_SIZE ? order : -1;
}

static bool rcache_put(struct iova_domain *d, struct iova_node *x)
{
	struct iova_rcache *rc;
	int cls = rcache_class(iova_size(&x->iova));

	if (!d->rcaches || cls < 0)
		return false;
	rc = &d->rcaches[cls];
	if (rc->nr == rc->cap) {
		unsigned int cap = rc->cap ? rc->cap * 2 : 128;
		struct iova_node **nodes;

		if (cap > IOVA_RCACHE_MAX_ENTRIES)
			return false;
		nodes = krealloc(rc->nodes, cap * sizeof(*nodes));
		if (!nodes)
			return false;
		rc->nodes = nodes;
		rc->cap = cap;
	}
	x->cached = true;
	rc->nodes[rc->nr++] = x;
	return true;
}

/* Like a Linux magazine: the newest entry that fits, from the top 128. */
static struct iova_node *rcache_get(struct iova_domain *d, unsigned long size,
				    unsigned long limit_pfn)
{
	struct iova_rcache *rc;
	int cls = rcache_class(size);
	unsigned int i, stop;

	if (!d->rcaches || cls < 0)
		return NULL;
	rc = &d->rcaches[cls];
	stop = rc->nr > 128 ? rc->nr - 128 : 0;
	for (i = rc->nr; i-- > stop;) {
		struct iova_node *x = rc->nodes[i];

		if (x->iova.pfn_hi <= limit_pfn) {
			rc->nodes[i] = rc->nodes[--rc->nr];
			x->cached = false;
			return x;
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
			struct iova_node *x = rc->nodes[--rc->nr];

			x->cached = false;
			remove_node(iovad, x->iova.pfn_lo);
		}
	}
}

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	struct iova_node *x;
	struct iova *iova;

	if (!size)
		return 0;
	if (size < (1ul << (IOVA_RANGE_CACHE_MAX_SIZE - 1)))
		size = roundup_pow_of_two(size);
	x = rcache_get(iovad, size, limit_pfn);
	if (x)
		return x->iova.pfn_lo;
	iova = alloc_iova(iovad, size, limit_pfn, true);
	if (!iova && flush_rcache) {
		free_cached_iovas(iovad);
		iova = alloc_iova(iovad, size, limit_pfn, true);
	}
	return iova ? iova->pfn_lo : 0;
}

void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size)
{
	struct iova_node *pred, *succ;
	struct iova_node *x = lookup(iovad, pfn, &pred, &succ);
	unsigned long want;

	if (!x || x->reserved || x->cached || x->iova.pfn_lo != pfn || !size)
		return;
	want = size < (1ul << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) ? roundup_pow_of_two(size) : size;
	if (iova_size(&x->iova) != want)
		return;
	if (rcache_put(iovad, x))
		return;
	tree_remove(iovad, x, pred, succ);
	kfree(x);
}
