/*
 * IOVA space allocator for DMA domains (Linux: include/linux/iova.h,
 * drivers/iommu/iova.c). Addresses are counted in pfns of the domain's
 * granule; every range is inclusive [pfn_lo, pfn_hi].
 *
 * Allocation is top-down as Linux: a request gets the highest free range
 * that fits under its limit (size-aligned when asked). Linux keeps the
 * allocated ranges in one rbtree and walks it from a cached node, which
 * degrades to a walk over the whole space once it fragments. Here two
 * structures split the work:
 *  - the free gaps sit in a balanced tree where every node knows the
 *    largest gap in each of its subtrees: the highest fit is found in
 *    O(log gaps), and the tree stays small (and cache-hot) when the space
 *    is full, which is when allocations are hard;
 *  - the allocated ranges sit in a radix tree of 64-way nodes keyed by
 *    pfn_lo, whose leaves hold the struct iova themselves: a free or find
 *    is a few cache lines deep (O(log64 of the space)).
 *
 * Bad input is harmless: freeing an unknown pfn, a reserved range, or the
 * same pfn twice does nothing. Not thread-safe: the caller serialises.
 */
#ifndef LAB_KERNEL_IOMMU_IOVA_H
#define LAB_KERNEL_IOMMU_IOVA_H

#include "common/types.h"

struct iova {
	unsigned long pfn_hi;	/* inclusive */
	unsigned long pfn_lo;
};

/* Range-cache size classes: 1, 2, 4 ... 32 granules (as Linux). */
#define IOVA_RANGE_CACHE_MAX_SIZE 6
/* Per class: Linux holds up to 2 loaded magazines + 32 in the depot of 128. */
#define IOVA_RCACHE_MAX_ENTRIES (128 * 34)

struct iova_rcache {
	struct iova **ranges;	/* LIFO of free ranges of this class */
	unsigned int nr, cap;
};

struct iova_gap;
struct gap_chunk;

struct iova_domain {
	unsigned long granule;		/* bytes per pfn: a power of two */
	unsigned long start_pfn;	/* lowest pfn handed out */
	unsigned long limit_pfn;	/* highest pfn handed out (inclusive) */
	/* private */
	void *radix;			/* allocated ranges by pfn_lo */
	unsigned int radix_levels;
	struct iova_gap *gaps;		/* free gaps by address */
	struct iova_gap *spare;		/* gap nodes kept so a free never allocates */
	struct gap_chunk *chunks;	/* where gap nodes come from */
	unsigned long nr_gaps, nr_spare;
	struct iova_rcache *rcaches;	/* NULL until iova_domain_init_rcaches */
	unsigned long nr_nodes;		/* allocated and reserved ranges */
	struct iova beyond;		/* what reserve_iova returns above the limit */
};

static inline unsigned long iova_size(const struct iova *iova)
{
	return iova->pfn_hi - iova->pfn_lo + 1;
}

static inline unsigned int iova_shift(const struct iova_domain *iovad)
{
	return (unsigned int)__builtin_ctzl(iovad->granule);
}

static inline unsigned long iova_mask(const struct iova_domain *iovad)
{
	return iovad->granule - 1;
}

static inline size_t iova_offset(const struct iova_domain *iovad, u64 iova)
{
	return iova & iova_mask(iovad);
}

static inline size_t iova_align(const struct iova_domain *iovad, size_t size)
{
	return ALIGN_UP(size, iovad->granule);
}

static inline u64 iova_dma_addr(const struct iova_domain *iovad, const struct iova *iova)
{
	return (u64)iova->pfn_lo << iova_shift(iovad);
}

static inline unsigned long iova_pfn(const struct iova_domain *iovad, u64 iova)
{
	return iova >> iova_shift(iovad);
}

/*
 * Sets up an empty space [start_pfn, limit_pfn] of @granule-byte pfns
 * (limit_pfn ~0ul: the whole space, as Linux). -EINVAL for a granule that
 * is not a power of two or start_pfn > limit_pfn; -ENOMEM.
 */
int init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		     unsigned long start_pfn, unsigned long limit_pfn);
/* The range cache used by alloc_iova_fast/free_iova_fast; -ENOMEM. */
int iova_domain_init_rcaches(struct iova_domain *iovad);
/* Frees every range, cached or not, and the caches. */
void put_iova_domain(struct iova_domain *iovad);

/*
 * @size pfns at the highest place that fits below @limit_pfn (inclusive),
 * aligned to @size rounded up to a power of two when @size_aligned. NULL
 * when nothing fits (or @size is 0, or on allocation failure).
 */
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned);
/* Frees the range containing @pfn; unknown/reserved/cached: nothing. */
void free_iova(struct iova_domain *iovad, unsigned long pfn);
void __free_iova(struct iova_domain *iovad, struct iova *iova);
/* The allocated range containing @pfn, or NULL (free, cached or unknown). */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * Makes [pfn_lo, pfn_hi] unallocatable forever: the free parts become
 * reserved ranges, and ranges already allocated there become reserved too
 * (free_iova on them then does nothing, so the hole cannot reopen; Linux
 * instead grows the overlapped node, which a later free releases whole).
 * Cached ranges are flushed first. Returns a range in the reservation, or
 * NULL (nothing changed) for pfn_lo > pfn_hi, a pfn beyond what the granule
 * can address (Linux), or on allocation failure: callers must check it. A
 * part above the domain's limit is already unallocatable and needs nothing
 * (a reservation wholly above it returns a placeholder, never NULL).
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi);

/*
 * dma-iommu's path: sizes under 32 pfns are rounded up to a power of two,
 * always size-aligned; served from the range cache when it holds a range
 * of that class under @limit_pfn, else from the tree; when that fails and
 * @flush_rcache, the caches are emptied into the tree and it retries once.
 * Returns the first pfn, 0 on failure.
 */
unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache);
/*
 * Frees a range alloc_iova_fast returned (@size as asked then): into the
 * cache when it has room, else to the tree. An unknown pfn, a size that
 * does not match, or a range already freed: nothing happens.
 */
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size);
/* Returns every cached range to the tree. */
void free_cached_iovas(struct iova_domain *iovad);

#endif
