/*
 * ARM long-descriptor (LPAE) stage-1 page tables, AArch64 and AArch32
 * flavours (behaviour: Linux 6.12 drivers/iommu/io-pgtable-arm.c).
 *
 * The tables themselves sit in memory the SMMU walks (emulated RAM through
 * the cfg's table callbacks). Beside each table the kernel keeps a small
 * host-side descriptor: the table's host pointer, its physical address and,
 * for tables that can point to further tables, the descriptors of its
 * children by index. A walk thus follows host pointers and never translates
 * a physical address back (Linux gets the same from its linear map).
 *
 * Choices where Linux changed over time (we follow 6.12):
 *  - unmapping part of a block splits it into a next-level table that keeps
 *    the rest mapped (6.13 removed the split and refuses instead);
 *  - tables left empty by unmaps stay until the whole table is freed;
 *  - mapping a block over a slot that holds a table frees the table first
 *    (IO_PGTABLE_QUIRK_NO_REPLACE refuses when the table still maps pages).
 * Unlike Linux, one map_pages/unmap_pages call crosses table boundaries
 * (Linux stops at the end of the current table and lets the core loop).
 */
#include <errno.h>
#include <string.h>

#include "kernel/base/kalloc.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"

#define LPAE_MAX_LEVELS		4
#define LPAE_LAST_LEVEL		(LPAE_MAX_LEVELS - 1)
#define LPAE_PTE_ADDR_HI	47	/* output address bits 47:pg_shift */

struct lpae_tbl {
	u64 *ptes;			/* host view of the table */
	u64 pa;				/* what the PTE above / TTBR holds */
	struct lpae_tbl *kids[];	/* by index; absent at the last level */
};

struct lpae_pgtable {
	struct io_pgtable_ops ops;	/* first: ops pointer == data pointer */
	struct io_pgtable_cfg cfg;
	void *cookie;
	enum io_pgtable_fmt fmt;
	int start_level;
	unsigned int pg_shift;
	unsigned int bpl;		/* index bits per level */
	u64 idx_mask;
	size_t granule;
	size_t pgd_size;
	u64 table_bits;			/* TABLE type plus NSTABLE with the NS quirk */
	u64 leaf_bits;			/* attributes every leaf carries */
	unsigned int shift[LPAE_MAX_LEVELS];	/* iova shift of each level */
	unsigned int entries[LPAE_MAX_LEVELS];	/* slots in a table of that level */
	int8_t level_of_shift[64];		/* log2(pgsize) -> level, -1 if unmappable */
	struct lpae_tbl *pgd;
};

static inline struct lpae_pgtable *to_data(struct io_pgtable_ops *ops)
{
	return (struct lpae_pgtable *)ops;
}

static inline unsigned int lvl_idx(const struct lpae_pgtable *d,
				   unsigned long iova, int lvl)
{
	return (iova >> d->shift[lvl]) & d->idx_mask;
}

static inline size_t block_size(const struct lpae_pgtable *d, int lvl)
{
	return (size_t)1 << d->shift[lvl];
}

/* 52-bit PAs with the 64K granule keep PA[51:48] in PTE[15:12]. */
static inline u64 pa_to_pte(const struct lpae_pgtable *d, u64 pa)
{
	if (d->pg_shift == 16)
		return (pa | (pa >> 36)) & GENMASK_ULL(LPAE_PTE_ADDR_HI, 12);
	return pa;
}

static inline u64 pte_to_pa(const struct lpae_pgtable *d, u64 pte)
{
	u64 pa = pte & GENMASK_ULL(LPAE_PTE_ADDR_HI, d->pg_shift);

	if (d->pg_shift == 16)
		pa |= (pte & GENMASK_ULL(15, 12)) << 36;
	return pa;
}

static inline u64 pte_addr_mask(const struct lpae_pgtable *d)
{
	u64 m = GENMASK_ULL(LPAE_PTE_ADDR_HI, d->pg_shift);

	if (d->pg_shift == 16)
		m |= GENMASK_ULL(15, 12);
	return m;
}

static u64 prot_to_pte(const struct lpae_pgtable *d, int prot)
{
	u64 pte = d->leaf_bits;

	if (!(prot & IOMMU_WRITE) && (prot & IOMMU_READ))
		pte |= ARM_LPAE_PTE_AP_RDONLY;
	if (!(prot & IOMMU_PRIV))
		pte |= ARM_LPAE_PTE_AP_UNPRIV;
	if (prot & IOMMU_MMIO)
		pte |= (u64)ARM_LPAE_MAIR_ATTR_IDX_DEV << ARM_LPAE_PTE_ATTRINDX_SHIFT;
	else if (prot & IOMMU_CACHE)
		pte |= (u64)ARM_LPAE_MAIR_ATTR_IDX_CACHE << ARM_LPAE_PTE_ATTRINDX_SHIFT;
	pte |= (prot & IOMMU_CACHE) ? ARM_LPAE_PTE_SH_IS : ARM_LPAE_PTE_SH_OS;
	if (prot & IOMMU_NOEXEC)
		pte |= ARM_LPAE_PTE_XN;
	return pte;
}

static inline u64 leaf_type(int lvl)
{
	return lvl == LPAE_LAST_LEVEL ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
}

/* ---- table memory ---- */

static size_t table_bytes(const struct lpae_pgtable *d, int lvl)
{
	return lvl == d->start_level ? d->pgd_size : d->granule;
}

static struct lpae_tbl *table_alloc(struct lpae_pgtable *d, int lvl)
{
	size_t nkids = lvl == LPAE_LAST_LEVEL ? 0 : d->entries[lvl];
	struct lpae_tbl *t = kzalloc(sizeof(*t) + nkids * sizeof(t->kids[0]));

	if (!t)
		return NULL;
	t->ptes = d->cfg.alloc_table(d->cookie, table_bytes(d, lvl), &t->pa);
	if (!t->ptes) {
		kfree(t);
		return NULL;
	}
	return t;
}

static void table_free(struct lpae_pgtable *d, struct lpae_tbl *t, int lvl)
{
	if (lvl != LPAE_LAST_LEVEL)
		for (unsigned int i = 0; i < d->entries[lvl]; i++)
			if (t->kids[i])
				table_free(d, t->kids[i], lvl + 1);
	d->cfg.free_table(d->cookie, t->ptes, t->pa, table_bytes(d, lvl));
	kfree(t);
}

/* True when anything below @t (a table at @lvl) still maps a page. */
static bool table_maps_something(const struct lpae_pgtable *d,
				 const struct lpae_tbl *t, int lvl)
{
	for (unsigned int i = 0; i < d->entries[lvl]; i++) {
		if (lvl != LPAE_LAST_LEVEL && t->kids[i]) {
			if (table_maps_something(d, t->kids[i], lvl + 1))
				return true;
		} else if (t->ptes[i]) {
			return true;
		}
	}
	return false;
}

static void install_table(struct lpae_pgtable *d, struct lpae_tbl *parent,
			  unsigned int idx, struct lpae_tbl *kid)
{
	parent->kids[idx] = kid;
	parent->ptes[idx] = pa_to_pte(d, kid->pa) | d->table_bits;
}

/* ---- TLB maintenance ---- */

static inline void tlb_flush_walk(struct lpae_pgtable *d, unsigned long iova,
				  size_t size)
{
	const struct iommu_flush_ops *tlb = d->cfg.tlb;

	if (tlb && tlb->tlb_flush_walk)
		tlb->tlb_flush_walk(iova, size, d->granule, d->cookie);
}

static inline void tlb_add_pages(struct lpae_pgtable *d,
				 struct iommu_iotlb_gather *gather,
				 unsigned long iova, size_t size, size_t n)
{
	const struct iommu_flush_ops *tlb = d->cfg.tlb;

	/* A queued (lazy) gather is flushed whole later: no per-page work. */
	if (!gather || gather->queued || !tlb || !tlb->tlb_add_page)
		return;
	for (size_t i = 0; i < n; i++)
		tlb->tlb_add_page(gather, iova + i * size, size, d->cookie);
}

/* ---- map ---- */

/*
 * Finds (creating as needed) the table at @lvl that holds @iova's slot.
 * A leaf on the way is -EEXIST. Tables created before a failure stay
 * installed and empty, as Linux leaves them.
 */
static struct lpae_tbl *walk_alloc(struct lpae_pgtable *d, unsigned long iova,
				   int lvl, int *err)
{
	struct lpae_tbl *t = d->pgd;

	for (int l = d->start_level; l < lvl; l++) {
		unsigned int idx = lvl_idx(d, iova, l);
		struct lpae_tbl *kid = t->kids[idx];

		if (likely(kid)) {
			t = kid;
			continue;
		}
		if (t->ptes[idx]) {
			*err = -EEXIST;
			return NULL;
		}
		kid = table_alloc(d, l + 1);
		if (!kid) {
			*err = -ENOMEM;
			return NULL;
		}
		install_table(d, t, idx, kid);
		t = kid;
	}
	return t;
}

/*
 * Writes @n leaves from slot @idx of @t (a table at @lvl). All slots are
 * checked before any is written, so a refusal leaves the table untouched.
 */
static int install_leaves(struct lpae_pgtable *d, struct lpae_tbl *t, int lvl,
			  unsigned int idx, size_t n, unsigned long iova,
			  u64 paddr, u64 attrs)
{
	u64 *p = t->ptes + idx;
	size_t size = block_size(d, lvl);
	bool tables = false;

	/* The common single page into an empty slot, without the loops. */
	if (likely(n == 1 && !p[0])) {
		p[0] = pa_to_pte(d, paddr) | attrs | leaf_type(lvl);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!p[i])
			continue;
		if (lvl == LPAE_LAST_LEVEL || !t->kids[idx + i])
			return -EEXIST;
		if ((d->cfg.quirks & IO_PGTABLE_QUIRK_NO_REPLACE) &&
		    table_maps_something(d, t->kids[idx + i], lvl + 1))
			return -EEXIST;
		tables = true;
	}
	if (unlikely(tables)) {
		for (size_t i = 0; i < n; i++) {
			struct lpae_tbl *kid = t->kids[idx + i];

			if (!kid)
				continue;
			p[i] = 0;
			t->kids[idx + i] = NULL;
			tlb_flush_walk(d, iova + i * size, size);
			table_free(d, kid, lvl + 1);
		}
	}
	attrs |= leaf_type(lvl);
	for (size_t i = 0; i < n; i++)
		p[i] = pa_to_pte(d, paddr + i * size) | attrs;
	return 0;
}

static int lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova,
			  u64 paddr, size_t pgsize, size_t pgcount, int prot,
			  size_t *mapped)
{
	struct lpae_pgtable *d = to_data(ops);
	unsigned long span;
	u64 attrs;
	int lvl;

	if (unlikely(!pgsize || (pgsize & (pgsize - 1)) ||
		     !(pgsize & d->cfg.pgsize_bitmap)))
		return -EINVAL;
	if (unlikely((iova | paddr) & (pgsize - 1)))
		return -EINVAL;
	if (unlikely((iova >> d->cfg.ias) || (paddr >> d->cfg.oas)))
		return -ERANGE;
	if (unlikely(pgcount == 0))
		return 0;
	/* The whole range must stay below ias and oas too. */
	span = pgcount - 1;
	if (unlikely(span > (((1ul << d->cfg.ias) - 1 - iova) >> __builtin_ctzl(pgsize)) ||
		     span > (((1ull << d->cfg.oas) - 1 - paddr) >> __builtin_ctzl(pgsize))))
		return -ERANGE;
	if (unlikely(!(prot & (IOMMU_READ | IOMMU_WRITE))))
		return 0;

	attrs = prot_to_pte(d, prot);
	lvl = d->level_of_shift[__builtin_ctzl(pgsize)];
	while (pgcount) {
		int err = 0;
		struct lpae_tbl *t = walk_alloc(d, iova, lvl, &err);
		unsigned int idx;
		size_t n;

		if (unlikely(!t))
			return err;
		idx = lvl_idx(d, iova, lvl);
		n = MIN(pgcount, (size_t)d->entries[lvl] - idx);
		err = install_leaves(d, t, lvl, idx, n, iova, paddr, attrs);
		if (unlikely(err))
			return err;
		if (mapped)
			*mapped += n * pgsize;
		pgcount -= n;
		iova += n * pgsize;
		paddr += n * pgsize;
	}
	return 0;
}

/* ---- unmap ---- */

static size_t unmap_chunk(struct lpae_pgtable *d, unsigned long iova,
			  size_t pgsize, size_t n, int lvl,
			  struct iommu_iotlb_gather *gather);

/*
 * The slot @idx of @t (a table at @blvl) holds a block larger than the
 * pages being unmapped: replace it by a next-level table mapping the same
 * range, minus the pages being unmapped when they are next-level entries
 * (else the new table is split again by the retried walk).
 */
static size_t split_blk_unmap(struct lpae_pgtable *d, struct lpae_tbl *t,
			      unsigned int idx, int blvl, unsigned long iova,
			      size_t pgsize, size_t n, int lvl,
			      struct iommu_iotlb_gather *gather)
{
	int sl = blvl + 1;
	size_t split_sz = block_size(d, sl);
	u64 blk = t->ptes[idx];
	u64 pa = pte_to_pa(d, blk);
	u64 attrs = (blk & ~pte_addr_mask(d) & ~ARM_LPAE_PTE_TYPE_MASK) | leaf_type(sl);
	unsigned int skip_lo = 0, skip_hi = 0;
	struct lpae_tbl *kid = table_alloc(d, sl);

	if (!kid)
		return 0;
	if (sl == lvl) {
		skip_lo = lvl_idx(d, iova, sl);
		skip_hi = skip_lo + n;
	}
	for (unsigned int i = 0; i < d->entries[sl]; i++, pa += split_sz)
		if (i < skip_lo || i >= skip_hi)
			kid->ptes[i] = pa_to_pte(d, pa) | attrs;
	install_table(d, t, idx, kid);
	if (sl != lvl)
		return unmap_chunk(d, iova, pgsize, n, lvl, gather);
	tlb_add_pages(d, gather, iova, pgsize, n);
	return n * pgsize;
}

/* Unmaps up to @n pages of @pgsize (leaves of @lvl) within one table. */
static size_t unmap_chunk(struct lpae_pgtable *d, unsigned long iova,
			  size_t pgsize, size_t n, int lvl,
			  struct iommu_iotlb_gather *gather)
{
	struct lpae_tbl *t = d->pgd;
	unsigned int idx;
	size_t i;
	u64 *p;

	for (int l = d->start_level; l < lvl; l++) {
		struct lpae_tbl *kid;

		idx = lvl_idx(d, iova, l);
		kid = t->kids[idx];
		if (likely(kid)) {
			t = kid;
			continue;
		}
		if (!t->ptes[idx])
			return 0;
		return split_blk_unmap(d, t, idx, l, iova, pgsize, n, lvl, gather);
	}

	idx = lvl_idx(d, iova, lvl);
	p = t->ptes + idx;
	for (i = 0; i < n; i++) {
		if (!p[i])
			break;
		if (lvl != LPAE_LAST_LEVEL && t->kids[idx + i]) {
			struct lpae_tbl *kid = t->kids[idx + i];

			p[i] = 0;
			t->kids[idx + i] = NULL;
			tlb_flush_walk(d, iova + i * pgsize, pgsize);
			table_free(d, kid, lvl + 1);
		}
	}
	memset(p, 0, i * sizeof(*p));
	tlb_add_pages(d, gather, iova, pgsize, i);
	return i * pgsize;
}

static size_t lpae_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct lpae_pgtable *d = to_data(ops);
	size_t total = 0;
	int lvl;

	if (unlikely(!pgsize || (pgsize & (pgsize - 1)) ||
		     !(pgsize & d->cfg.pgsize_bitmap) || !pgcount))
		return 0;
	if (unlikely(iova & (pgsize - 1)))
		return 0;

	lvl = d->level_of_shift[__builtin_ctzl(pgsize)];
	while (pgcount && !(iova >> d->cfg.ias)) {
		size_t n = MIN(pgcount, (size_t)d->entries[lvl] - lvl_idx(d, iova, lvl));
		size_t got = unmap_chunk(d, iova, pgsize, n, lvl, gather);

		total += got;
		if (got != n * pgsize)
			break;
		pgcount -= n;
		iova += got;
	}
	return total;
}

/* ---- walk ---- */

static u64 lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct lpae_pgtable *d = to_data(ops);
	struct lpae_tbl *t = d->pgd;
	int l;

	if (unlikely(iova >> d->cfg.ias))
		return 0;
	for (l = d->start_level; ; l++) {
		unsigned int idx = lvl_idx(d, iova, l);
		u64 pte;

		if (l != LPAE_LAST_LEVEL && t->kids[idx]) {
			t = t->kids[idx];
			continue;
		}
		pte = t->ptes[idx];
		if (!pte)
			return 0;
		return pte_to_pa(d, pte) | (iova & (block_size(d, l) - 1));
	}
}

/* ---- construction ---- */

/* Picks the granule as Linux does and keeps only its page and block sizes. */
static void restrict_pgsizes(struct io_pgtable_cfg *cfg)
{
	unsigned long bm = cfg->pgsize_bitmap, granule = 0, sizes = 0;
	unsigned int max_bits = 48;

	if (bm & PAGE_SIZE)
		granule = PAGE_SIZE;
	else if (bm & (PAGE_SIZE - 1))
		granule = 1ul << (63 - __builtin_clzl(bm & (PAGE_SIZE - 1)));
	else if (bm)
		granule = 1ul << __builtin_ctzl(bm);

	switch (granule) {
	case 1ul << 12:
		sizes = (1ul << 12) | (1ul << 21) | (1ul << 30);
		break;
	case 1ul << 14:
		sizes = (1ul << 14) | (1ul << 25);
		break;
	case 1ul << 16:
		max_bits = 52;
		sizes = (1ul << 16) | (1ul << 29);
		if (cfg->oas > 48)
			sizes |= 1ul << 42;
		break;
	}
	cfg->pgsize_bitmap &= sizes;
	cfg->ias = MIN(cfg->ias, max_bits);
	cfg->oas = MIN(cfg->oas, max_bits);
}

static int ips_of_oas(unsigned int oas)
{
	switch (oas) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	case 52: return 6;
	default: return -1;
	}
}

static void set_geometry(struct lpae_pgtable *d)
{
	unsigned int va_bits = d->cfg.ias - d->pg_shift;
	unsigned int levels = (va_bits + d->bpl - 1) / d->bpl;
	unsigned int pgd_bits = va_bits - d->bpl * (levels - 1);

	d->start_level = LPAE_MAX_LEVELS - levels;
	d->idx_mask = (1ull << d->bpl) - 1;
	d->granule = (size_t)1 << d->pg_shift;
	d->pgd_size = (size_t)8 << pgd_bits;
	for (int l = 0; l < LPAE_MAX_LEVELS; l++) {
		d->shift[l] = d->pg_shift + (LPAE_LAST_LEVEL - l) * d->bpl;
		d->entries[l] = 1u << d->bpl;
	}
	d->entries[d->start_level] = 1u << pgd_bits;
	memset(d->level_of_shift, -1, sizeof(d->level_of_shift));
	for (int l = d->start_level; l < LPAE_MAX_LEVELS; l++)
		if (d->shift[l] < 64 && (d->cfg.pgsize_bitmap & (1ul << d->shift[l])))
			d->level_of_shift[d->shift[l]] = (int8_t)l;
}

static void set_s1_regs(struct lpae_pgtable *d, int ips)
{
	struct io_pgtable_cfg *cfg = &d->cfg;

	memset(&cfg->arm_lpae_s1_cfg, 0, sizeof(cfg->arm_lpae_s1_cfg));
	if (cfg->coherent_walk) {
		cfg->arm_lpae_s1_cfg.tcr.sh = ARM_LPAE_TCR_SH_IS;
		cfg->arm_lpae_s1_cfg.tcr.irgn = ARM_LPAE_TCR_RGN_WBWA;
		cfg->arm_lpae_s1_cfg.tcr.orgn = ARM_LPAE_TCR_RGN_WBWA;
	} else {
		cfg->arm_lpae_s1_cfg.tcr.sh = ARM_LPAE_TCR_SH_OS;
		cfg->arm_lpae_s1_cfg.tcr.irgn = ARM_LPAE_TCR_RGN_NC;
		cfg->arm_lpae_s1_cfg.tcr.orgn = ARM_LPAE_TCR_RGN_NC;
	}
	switch (d->granule) {
	case 1ul << 12: cfg->arm_lpae_s1_cfg.tcr.tg = ARM_LPAE_TCR_TG0_4K; break;
	case 1ul << 14: cfg->arm_lpae_s1_cfg.tcr.tg = ARM_LPAE_TCR_TG0_16K; break;
	default: cfg->arm_lpae_s1_cfg.tcr.tg = ARM_LPAE_TCR_TG0_64K; break;
	}
	cfg->arm_lpae_s1_cfg.tcr.ips = (u32)ips;
	if (d->fmt == ARM_32_LPAE_S1) {
		cfg->arm_lpae_s1_cfg.tcr.tsz = 32 - cfg->ias;
		cfg->arm_lpae_s1_cfg.tcr.eae = 1;
	} else {
		cfg->arm_lpae_s1_cfg.tcr.tsz = 64 - cfg->ias;
	}
	cfg->arm_lpae_s1_cfg.mair =
		((u64)ARM_LPAE_MAIR_ATTR_NC << (8 * ARM_LPAE_MAIR_ATTR_IDX_NC)) |
		((u64)ARM_LPAE_MAIR_ATTR_WBRWA << (8 * ARM_LPAE_MAIR_ATTR_IDX_CACHE)) |
		((u64)ARM_LPAE_MAIR_ATTR_DEVICE << (8 * ARM_LPAE_MAIR_ATTR_IDX_DEV)) |
		((u64)ARM_LPAE_MAIR_ATTR_INC_OWBRWA << (8 * ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE));
}

struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg,
					    void *cookie)
{
	struct io_pgtable_cfg c;
	struct lpae_pgtable *d;
	int ips;

	if (!cfg || (fmt != ARM_32_LPAE_S1 && fmt != ARM_64_LPAE_S1))
		return NULL;
	if (cfg->quirks & ~(IO_PGTABLE_QUIRK_ARM_NS | IO_PGTABLE_QUIRK_NO_REPLACE))
		return NULL;
	if (!cfg->alloc_table || !cfg->free_table)
		return NULL;
	c = *cfg;
	if (fmt == ARM_32_LPAE_S1) {
		if (c.ias > 32 || c.oas > 40)
			return NULL;
		c.pgsize_bitmap &= (1ul << 12) | (1ul << 21) | (1ul << 30);
	}
	if (c.ias > 52 || c.oas > 52)
		return NULL;
	restrict_pgsizes(&c);
	if (!(c.pgsize_bitmap & ((1ul << 12) | (1ul << 14) | (1ul << 16))))
		return NULL;
	ips = ips_of_oas(c.oas);
	if (ips < 0 || c.ias <= (unsigned int)__builtin_ctzl(c.pgsize_bitmap))
		return NULL;

	d = kzalloc(sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = c;
	d->cookie = cookie;
	d->fmt = fmt;
	d->pg_shift = __builtin_ctzl(c.pgsize_bitmap);
	d->bpl = d->pg_shift - 3;
	set_geometry(d);
	d->table_bits = ARM_LPAE_PTE_TYPE_TABLE;
	d->leaf_bits = ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG;
	if (c.quirks & IO_PGTABLE_QUIRK_ARM_NS) {
		d->table_bits |= ARM_LPAE_PTE_NSTABLE;
		d->leaf_bits |= ARM_LPAE_PTE_NS;
	}
	set_s1_regs(d, ips);
	d->pgd = table_alloc(d, d->start_level);
	if (!d->pgd) {
		kfree(d);
		return NULL;
	}
	d->cfg.arm_lpae_s1_cfg.ttbr = d->pgd->pa;
	d->ops.map_pages = lpae_map_pages;
	d->ops.unmap_pages = lpae_unmap_pages;
	d->ops.iova_to_phys = lpae_iova_to_phys;
	*cfg = d->cfg;
	return &d->ops;
}

void free_io_pgtable_ops(struct io_pgtable_ops *ops)
{
	struct lpae_pgtable *d;

	if (!ops)
		return;
	d = to_data(ops);
	table_free(d, d->pgd, d->start_level);
	kfree(d);
}
