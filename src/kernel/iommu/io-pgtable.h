/*
 * Format-independent IOMMU page tables (Linux: include/linux/io-pgtable.h).
 *
 * A driver fills a struct io_pgtable_cfg (page sizes, input/output address
 * sizes, TLB maintenance callbacks, table memory callbacks), calls
 * alloc_io_pgtable_ops() and programs what the format wrote back into the
 * cfg (TTBR, TCR fields, MAIR). Then map_pages/unmap_pages/iova_to_phys edit
 * and read the tables, which live in memory the hardware walker reads.
 *
 * The ops are not thread-safe: the caller serialises calls on one table
 * (Linux allows concurrent edits of disjoint ranges; the lab is
 * single-threaded).
 */
#ifndef LAB_KERNEL_IOMMU_IO_PGTABLE_H
#define LAB_KERNEL_IOMMU_IO_PGTABLE_H

#include "common/types.h"

/* Protection flags (values as Linux's include/linux/iommu.h). */
#ifndef IOMMU_READ
#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2) /* DMA cache coherency */
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4) /* e.g. things like MSI doorbells */
#define IOMMU_PRIV	(1 << 5) /* privileged accesses only */
#endif

enum io_pgtable_fmt {
	ARM_32_LPAE_S1,	/* v1 parts: 32-bit input, 4K granule, long descriptors */
	ARM_64_LPAE_S1,	/* AArch64 stage 1: 4K/16K/64K granules */
	IO_PGTABLE_NUM_FMTS,
};

struct iommu_iotlb_gather; /* kernel/iommu/iommu.h */

/*
 * TLB maintenance the format asks of the driver (Linux: iommu_flush_ops).
 * @cookie is the one given to alloc_io_pgtable_ops().
 *  - tlb_flush_all: invalidate everything for this context;
 *  - tlb_flush_walk: a table covering [iova, iova + size) was removed or
 *    replaced: invalidate leaf and walk-cache entries there, by @granule;
 *  - tlb_add_page: one leaf of size @granule at @iova was cleared; called
 *    only when unmap_pages() got a gather that is not queued (lazy mode
 *    flushes everything later, as Linux's iommu_iotlb_gather_queued()).
 * Any of them may be NULL.
 */
struct iommu_flush_ops {
	void (*tlb_flush_all)(void *cookie);
	void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule,
			       void *cookie);
	void (*tlb_add_page)(struct iommu_iotlb_gather *gather,
			     unsigned long iova, size_t granule, void *cookie);
};

/* cfg->quirks */
#define IO_PGTABLE_QUIRK_ARM_NS		BIT(0) /* set NS and NSTABLE */
/*
 * Not Linux: map_pages refuses with -EEXIST to replace a table that still
 * maps something with a block. Linux (6.12) silently unmaps and frees such
 * a table, dropping the mappings inside it; that stays the default.
 */
#define IO_PGTABLE_QUIRK_NO_REPLACE	BIT(30)

/* TCR fields as the VMSA encodes them (driver packs them into CB_TCR/TCR2). */
#define ARM_LPAE_TCR_TG0_4K	0
#define ARM_LPAE_TCR_TG0_64K	1
#define ARM_LPAE_TCR_TG0_16K	2
#define ARM_LPAE_TCR_SH_NS	0
#define ARM_LPAE_TCR_SH_OS	2
#define ARM_LPAE_TCR_SH_IS	3
#define ARM_LPAE_TCR_RGN_NC	0
#define ARM_LPAE_TCR_RGN_WBWA	1
#define ARM_LPAE_TCR_RGN_WT	2
#define ARM_LPAE_TCR_RGN_WB	3

/* Attribute indexes the format's PTEs use, and the MAIR bytes behind them. */
#define ARM_LPAE_MAIR_ATTR_IDX_NC	0
#define ARM_LPAE_MAIR_ATTR_IDX_CACHE	1
#define ARM_LPAE_MAIR_ATTR_IDX_DEV	2
#define ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE 3
#define ARM_LPAE_MAIR_ATTR_NC		0x44
#define ARM_LPAE_MAIR_ATTR_WBRWA	0xff
#define ARM_LPAE_MAIR_ATTR_DEVICE	0x04
#define ARM_LPAE_MAIR_ATTR_INC_OWBRWA	0xf4

/* PTE bits (Arm ARM long-descriptor format, as Linux uses them). */
#define ARM_LPAE_PTE_TYPE_MASK		3ull
#define ARM_LPAE_PTE_TYPE_BLOCK		1ull
#define ARM_LPAE_PTE_TYPE_TABLE		3ull
#define ARM_LPAE_PTE_TYPE_PAGE		3ull
#define ARM_LPAE_PTE_NSTABLE		BIT_ULL(63)
#define ARM_LPAE_PTE_XN			(3ull << 53)
#define ARM_LPAE_PTE_AF			BIT_ULL(10)
#define ARM_LPAE_PTE_SH_NS		(0ull << 8)
#define ARM_LPAE_PTE_SH_OS		(2ull << 8)
#define ARM_LPAE_PTE_SH_IS		(3ull << 8)
#define ARM_LPAE_PTE_NS			BIT_ULL(5)
#define ARM_LPAE_PTE_nG			BIT_ULL(11)
#define ARM_LPAE_PTE_AP_UNPRIV		BIT_ULL(6)
#define ARM_LPAE_PTE_AP_RDONLY		BIT_ULL(7)
#define ARM_LPAE_PTE_ATTRINDX_SHIFT	2
#define ARM_LPAE_PTE_ATTRINDX_MASK	(7ull << 2)

struct io_pgtable_cfg {
	unsigned long quirks;
	/*
	 * In: the page sizes the IOMMU supports. Out: the sizes this table
	 * can map (restricted to the chosen granule and its block sizes).
	 */
	unsigned long pgsize_bitmap;
	unsigned int ias;	/* input (IOVA) address bits */
	unsigned int oas;	/* output (physical) address bits */
	bool coherent_walk;	/* the walker snoops CPU caches */
	const struct iommu_flush_ops *tlb;

	/*
	 * Table memory. alloc_table returns @size bytes of ZEROED memory,
	 * aligned to @size (at least), as a host pointer, and stores its
	 * physical address (what the walker uses) in *@pa; NULL on failure.
	 * free_table gets back exactly what alloc_table gave. Both required;
	 * io_pgtable_kernel_alloc_table/free_table (below) use the kernel's
	 * page allocator. @cookie is the alloc_io_pgtable_ops() cookie.
	 */
	void *(*alloc_table)(void *cookie, size_t size, u64 *pa);
	void (*free_table)(void *cookie, void *va, u64 pa, size_t size);

	/* Out: what the driver programs into the context bank. */
	struct {
		u64 ttbr;	/* physical address of the top-level table */
		struct {
			u32 ips:3;	/* PASize/IPS from oas: 32,36,40,42,44,48,52 -> 0..6 */
			u32 tg:2;	/* ARM_LPAE_TCR_TG0_* (AArch64 format only) */
			u32 sh:2;	/* walk shareability */
			u32 orgn:2;	/* walk outer cacheability */
			u32 irgn:2;	/* walk inner cacheability */
			u32 tsz:6;	/* T0SZ: 64 - ias (ARM_32_LPAE_S1: 32 - ias) */
			u32 eae:1;	/* ARM_32_LPAE_S1: TTBCR.EAE must be set */
		} tcr;
		u64 mair;	/* MAIR0 in bits 31:0, MAIR1 in 63:32 */
	} arm_lpae_s1_cfg;
};

struct io_pgtable_ops {
	/*
	 * Maps @pgcount pages of @pgsize (a single size of pgsize_bitmap) at
	 * @iova -> @paddr. Returns 0 or -errno; *@mapped (which the caller
	 * zeroes) gains the bytes mapped by this call, also on error, so the
	 * caller can undo them. Errors: -EINVAL for a bad pgsize or an iova or
	 * paddr not aligned to it; -ERANGE for an iova beyond ias or paddr
	 * beyond oas (Linux's errno); -EEXIST when a target slot or a slot on
	 * the way already holds a leaf; -ENOMEM. A failure changes nothing in
	 * the table chunk it hit (chunks already mapped stay, see *mapped).
	 * prot with neither IOMMU_READ nor IOMMU_WRITE maps nothing, returns 0.
	 */
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			 u64 paddr, size_t pgsize, size_t pgcount, int prot,
			 size_t *mapped);
	/*
	 * Unmaps up to @pgcount pages of @pgsize from @iova, stopping at the
	 * first hole; returns the bytes unmapped (0 for a hole or bad input).
	 * A page inside a larger block splits the block (Linux 6.12).
	 */
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather);
	/* The physical address @iova translates to, or 0. */
	u64 (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
};

/*
 * Builds an empty table of format @fmt from @cfg (updated in place: see the
 * Out fields). NULL on a configuration the format cannot do (ias/oas too
 * large, no usable granule, unknown quirks, an oas with no IPS encoding) or
 * on allocation failure.
 */
struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg,
					    void *cookie);
/* Frees every table (leaves need no freeing) and the ops; NULL is fine. */
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

/* Table memory from the kernel's page allocator (base/page_alloc.h). */
void *io_pgtable_kernel_alloc_table(void *cookie, size_t size, u64 *pa);
void io_pgtable_kernel_free_table(void *cookie, void *va, u64 pa, size_t size);

#endif
