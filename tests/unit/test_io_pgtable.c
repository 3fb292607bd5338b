/*
 * io-pgtable-arm: the PTEs written (checked raw, by a reference walker
 * written here from the Arm ARM rules), errno cases that must change
 * nothing, block splitting on partial unmap (Linux 6.12), holes, TLB
 * callbacks, allocation failures, and a seeded random sequence against a
 * model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "kernel_test.h"
#include "kernel/base/kalloc.h"
#include "kernel/iommu/io-pgtable.h"
#include "kernel/iommu/iommu.h"
#include "test_util.h"

#define SZ_4K	0x1000ul
#define SZ_64K	0x10000ul
#define SZ_2M	0x200000ul
#define SZ_1G	0x40000000ul
#define SZ_512M	0x20000000ul

/* ---- fake physical memory for the tables: a pool at PA POOL_BASE ---- */

#define POOL_BASE	0x80000000ull
#define POOL_SIZE	(64ul << 20)

struct env {
	u8 *pool;
	size_t used;
	long live_tables;
	unsigned long fail_countdown;	/* table allocations: fail the Nth */
	unsigned flush_all, flush_walk, add_page;
	unsigned long last_walk_iova, last_walk_size;
};

static struct env E;

static void *pool_va(u64 pa)
{
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_SIZE);
	return E.pool + (pa - POOL_BASE);
}

static void *t_alloc(void *cookie, size_t size, u64 *pa)
{
	size_t al = size < 64 ? 64 : size;

	assert_ptr_equal(cookie, &E);
	if (E.fail_countdown && --E.fail_countdown == 0)
		return NULL;
	E.used = ALIGN_UP(E.used, al);
	assert_true(E.used + size <= POOL_SIZE);
	*pa = POOL_BASE + E.used;
	memset(E.pool + E.used, 0, size);
	E.used += size;
	E.live_tables++;
	return pool_va(*pa);
}

static void t_free(void *cookie, void *va, u64 pa, size_t size)
{
	assert_ptr_equal(va, pool_va(pa));
	/* Poison: a use after free shows up as garbage PTEs. */
	memset(va, 0xa5, size);
	E.live_tables--;
}

static void t_flush_all(void *cookie) { E.flush_all++; }

static void t_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie)
{
	E.flush_walk++;
	E.last_walk_iova = iova;
	E.last_walk_size = size;
}

static void t_add_page(struct iommu_iotlb_gather *g, unsigned long iova, size_t granule,
		       void *cookie)
{
	E.add_page++;
}

static const struct iommu_flush_ops tlb_ops = {
	.tlb_flush_all = t_flush_all,
	.tlb_flush_walk = t_flush_walk,
	.tlb_add_page = t_add_page,
};

static int setup(void **state)
{
	memset(&E, 0, sizeof(E));
	E.pool = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(E.pool != MAP_FAILED);
	*state = (void *)(uintptr_t)kalloc_outstanding();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(E.live_tables, 0);
	assert_int_equal(kalloc_outstanding(), (long)(uintptr_t)*state);
	munmap(E.pool, POOL_SIZE);
	return 0;
}

static struct io_pgtable_cfg mkcfg(unsigned long pgsizes, unsigned ias, unsigned oas)
{
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = pgsizes,
		.ias = ias,
		.oas = oas,
		.coherent_walk = true,
		.tlb = &tlb_ops,
		.alloc_table = t_alloc,
		.free_table = t_free,
	};
	return cfg;
}

static struct io_pgtable_ops *mk(enum io_pgtable_fmt fmt, struct io_pgtable_cfg *cfg)
{
	struct io_pgtable_ops *ops = alloc_io_pgtable_ops(fmt, cfg, &E);

	assert_non_null(ops);
	return ops;
}

static int map(struct io_pgtable_ops *ops, unsigned long iova, u64 pa, size_t sz,
	       size_t n, int prot, size_t *mapped)
{
	size_t m = 0;
	int ret = ops->map_pages(ops, iova, pa, sz, n, prot, &m);

	if (mapped)
		*mapped = m;
	return ret;
}

/* ---- reference walker (independent of the implementation) ---- */

struct ref_geo {
	unsigned pg_shift, bpl, start_level;
	u64 ttbr;
};

static struct ref_geo geo_of(const struct io_pgtable_cfg *cfg)
{
	struct ref_geo g;
	unsigned va_bits, levels;

	g.pg_shift = __builtin_ctzl(cfg->pgsize_bitmap);
	g.bpl = g.pg_shift - 3;
	va_bits = cfg->ias - g.pg_shift;
	levels = (va_bits + g.bpl - 1) / g.bpl;
	g.start_level = 4 - levels;
	g.ttbr = cfg->arm_lpae_s1_cfg.ttbr;
	return g;
}

/* Returns the raw leaf PTE for @iova and its level, or 0. */
static u64 ref_leaf(const struct ref_geo *g, unsigned long iova, unsigned *level)
{
	u64 table = g->ttbr;

	for (unsigned l = g->start_level; l < 4; l++) {
		unsigned shift = g->pg_shift + (3 - l) * g->bpl;
		u64 idx = (iova >> shift) & ((1ull << g->bpl) - 1);
		u64 pte = ((u64 *)pool_va(table))[idx];

		if ((pte & 1) == 0)
			return 0;
		if (l == 3) {
			assert_int_equal(pte & 3, 3);
			*level = l;
			return pte;
		}
		if ((pte & 3) == 1) {
			*level = l;
			return pte;
		}
		table = pte & GENMASK_ULL(47, g->pg_shift);
	}
	return 0;
}

static u64 ref_phys(const struct ref_geo *g, unsigned long iova)
{
	unsigned l;
	u64 pte = ref_leaf(g, iova, &l);
	unsigned shift;

	if (!pte)
		return 0;
	shift = g->pg_shift + (3 - l) * g->bpl;
	return (pte & GENMASK_ULL(47, shift)) | (iova & ((1ull << shift) - 1));
}

/* The raw table page holding the entry for @iova at @level. */
static u64 *ref_table(const struct ref_geo *g, unsigned long iova, unsigned level)
{
	u64 table = g->ttbr;

	for (unsigned l = g->start_level; l < level; l++) {
		unsigned shift = g->pg_shift + (3 - l) * g->bpl;
		u64 pte = ((u64 *)pool_va(table))[(iova >> shift) & ((1ull << g->bpl) - 1)];

		assert_int_equal(pte & 3, 3);
		table = pte & GENMASK_ULL(47, g->pg_shift);
	}
	return pool_va(table);
}

#define LEAF_RW_CACHE (ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG | ARM_LPAE_PTE_AP_UNPRIV | \
		       ARM_LPAE_PTE_SH_IS | (1ull << ARM_LPAE_PTE_ATTRINDX_SHIFT))

/* ---- hand-checked PTEs ---- */

static void test_4k_pages_raw(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G | SZ_64K, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	struct ref_geo g = geo_of(&cfg);
	u64 *l0, *l1, *l2, *l3;

	/* 64K is not a block size of the 4K granule: dropped. */
	assert_int_equal(cfg.pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.tsz, 16);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.tg, ARM_LPAE_TCR_TG0_4K);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.ips, 5);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.sh, ARM_LPAE_TCR_SH_IS);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.irgn, ARM_LPAE_TCR_RGN_WBWA);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.orgn, ARM_LPAE_TCR_RGN_WBWA);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.eae, 0);
	assert_int_equal(cfg.arm_lpae_s1_cfg.mair, 0xf404ff44ull);
	assert_int_equal(E.live_tables, 1);

	assert_int_equal(map(ops, 0x8000001000ul, 0x40001000, SZ_4K, 1,
			     IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, NULL), 0);
	assert_int_equal(E.live_tables, 4);
	/* iova 0x80_0000_1000: L0 idx 1, L1 0, L2 0, L3 1 */
	l0 = pool_va(cfg.arm_lpae_s1_cfg.ttbr);
	assert_int_equal(l0[1] & 3, 3);
	assert_int_equal(l0[0], 0);
	l1 = pool_va(l0[1] & GENMASK_ULL(47, 12));
	l2 = pool_va(l1[0] & GENMASK_ULL(47, 12));
	l3 = pool_va(l2[0] & GENMASK_ULL(47, 12));
	assert_int_equal(l3[1], 0x40001000ull | 3 | LEAF_RW_CACHE);
	assert_int_equal(l3[0], 0);
	assert_int_equal(ops->iova_to_phys(ops, 0x8000001abcul), 0x40001abc);
	assert_int_equal(ref_phys(&g, 0x8000001abcul), 0x40001abc);
	assert_int_equal(ops->iova_to_phys(ops, 0x8000002000ul), 0);

	/* Read-only, no-exec, MMIO, privileged. */
	assert_int_equal(map(ops, 0x8000002000ul, 0x9000000, SZ_4K, 1,
			     IOMMU_READ | IOMMU_NOEXEC | IOMMU_MMIO | IOMMU_PRIV, NULL), 0);
	assert_int_equal(l3[2], 0x9000000ull | 3 | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG |
			 ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_SH_OS | ARM_LPAE_PTE_XN |
			 (2ull << ARM_LPAE_PTE_ATTRINDX_SHIFT));
	/* Write-only cannot be expressed: read-write, non-cacheable index 0. */
	assert_int_equal(map(ops, 0x8000003000ul, 0x9001000, SZ_4K, 1, IOMMU_WRITE, NULL), 0);
	assert_int_equal(l3[3], 0x9001000ull | 3 | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG |
			 ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_SH_OS);
	free_io_pgtable_ops(ops);
}

static void test_blocks_raw(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	struct ref_geo g = geo_of(&cfg);
	u64 *l2, *l1;
	unsigned lvl;

	assert_int_equal(map(ops, 0x40200000, 0x80600000, SZ_2M, 2,
			     IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE, NULL), 0);
	l2 = ref_table(&g, 0x40200000, 2);
	assert_int_equal(l2[1], 0x80600000ull | 1 | LEAF_RW_CACHE);
	assert_int_equal(l2[2], 0x80800000ull | 1 | LEAF_RW_CACHE);
	assert_int_equal(ref_leaf(&g, 0x40312345, &lvl) & 3, 1);
	assert_int_equal(lvl, 2);
	assert_int_equal(ops->iova_to_phys(ops, 0x40312345), 0x80712345);
	assert_int_equal(ops->iova_to_phys(ops, 0x40512345), 0x80912345);

	assert_int_equal(map(ops, 0x80000000, 0xc0000000, SZ_1G, 1, IOMMU_READ, NULL), 0);
	l1 = ref_table(&g, 0x80000000, 1);
	assert_int_equal(l1[2] & (GENMASK_ULL(47, 12) | 3), 0xc0000000ull | 1);
	assert_int_equal(ref_phys(&g, 0xbfffffff), 0xffffffff);
	assert_int_equal(ops->iova_to_phys(ops, 0xbfffffff), 0xffffffff);
	free_io_pgtable_ops(ops);
}

static void test_64k_granule_raw(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_64K | SZ_512M, 48, 48);
	struct io_pgtable_ops *ops;
	struct ref_geo g;
	u64 *l3, *l2;

	/* 4K is PAGE_SIZE here: choose it ... */
	ops = mk(ARM_64_LPAE_S1, &cfg);
	assert_int_equal(cfg.pgsize_bitmap, SZ_4K);
	free_io_pgtable_ops(ops);

	cfg = mkcfg(SZ_64K | SZ_512M, 48, 48);
	cfg.coherent_walk = false;
	ops = mk(ARM_64_LPAE_S1, &cfg);
	g = geo_of(&cfg);
	assert_int_equal(g.start_level, 1);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.tg, ARM_LPAE_TCR_TG0_64K);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.sh, ARM_LPAE_TCR_SH_OS);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.irgn, ARM_LPAE_TCR_RGN_NC);
	/* 64K: L1 covers 4T, pgd 2^(32-26) = 64 entries. iova 0x20030000 -> L2 idx 1, L3 idx 3 */
	assert_int_equal(map(ops, 0x20030000, 0x12340000, SZ_64K, 1, IOMMU_READ | IOMMU_WRITE, NULL), 0);
	l3 = ref_table(&g, 0x20030000, 3);
	assert_int_equal(l3[3], 0x12340000ull | 3 | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG |
			 ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_SH_OS);
	assert_int_equal(ops->iova_to_phys(ops, 0x2003ffff), 0x1234ffff);
	assert_int_equal(map(ops, 0x40000000, 0x60000000, SZ_512M, 1, IOMMU_READ, NULL), 0);
	l2 = ref_table(&g, 0x40000000, 2);
	assert_int_equal(l2[2] & 3, 1);
	assert_int_equal(ref_phys(&g, 0x5fffffff), 0x7fffffff);
	assert_int_equal(ops->iova_to_phys(ops, 0x5fffffff), 0x7fffffff);
	/* 4K is not mappable with this granule */
	assert_int_equal(map(ops, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), -EINVAL);
	free_io_pgtable_ops(ops);

	/* 52-bit output with 64K: PA[51:48] lives in PTE[15:12]. */
	cfg = mkcfg(SZ_64K | SZ_512M, 48, 52);
	ops = mk(ARM_64_LPAE_S1, &cfg);
	g = geo_of(&cfg);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.ips, 6);
	assert_int_equal(map(ops, 0x10000, 0xa000123450000ull, SZ_64K, 1, IOMMU_READ, NULL), 0);
	l3 = ref_table(&g, 0x10000, 3);
	assert_int_equal(l3[1] & GENMASK_ULL(47, 12), 0x123450000ull | (0xaull << 12));
	assert_int_equal(ops->iova_to_phys(ops, 0x10010), 0xa000123450010ull);
	free_io_pgtable_ops(ops);
}

static void test_32bit_lpae(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 32, 40);
	struct io_pgtable_ops *ops = mk(ARM_32_LPAE_S1, &cfg);
	struct ref_geo g = geo_of(&cfg);
	u64 *pgd, *l3;

	assert_int_equal(g.start_level, 1);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.eae, 1);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.tsz, 0);
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.ips, 2);
	assert_int_equal(map(ops, 0xc0001000, 0xff00001000ull, SZ_4K, 1, IOMMU_READ | IOMMU_WRITE, NULL), 0);
	pgd = pool_va(cfg.arm_lpae_s1_cfg.ttbr);
	assert_int_equal(pgd[3] & 3, 3);	/* a 4-entry pgd: 1G each */
	l3 = ref_table(&g, 0xc0001000, 3);
	assert_int_equal(l3[1] & GENMASK_ULL(47, 0), 0xff00001000ull | 3 | ARM_LPAE_PTE_AF |
			 ARM_LPAE_PTE_nG | ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_SH_OS);
	assert_int_equal(map(ops, 0x00200000, 0x200000, SZ_2M, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(ref_phys(&g, 0x003fffff), 0x3fffff);
	/* Beyond 32 bits of input, or 40 of output. */
	assert_int_equal(map(ops, 0x100000000ul, 0, SZ_4K, 1, IOMMU_READ, NULL), -ERANGE);
	assert_int_equal(map(ops, 0x1000, 0x10000000000ull, SZ_4K, 1, IOMMU_READ, NULL), -ERANGE);
	free_io_pgtable_ops(ops);

	cfg = mkcfg(SZ_4K, 33, 40);
	assert_null(alloc_io_pgtable_ops(ARM_32_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_4K, 32, 44);
	assert_null(alloc_io_pgtable_ops(ARM_32_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_64K, 32, 40);	/* only the 4K granule */
	assert_null(alloc_io_pgtable_ops(ARM_32_LPAE_S1, &cfg, &E));
	assert_int_equal(E.live_tables, 0);
}

static void test_bad_configs(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K, 48, 38);	/* no IPS encoding */

	assert_null(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_2M, 48, 48);				/* no granule */
	assert_null(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_4K, 53, 48);
	assert_null(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_4K, 48, 48);
	cfg.quirks = BIT(7);
	assert_null(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_4K, 48, 48);
	cfg.alloc_table = NULL;
	assert_null(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E));
	cfg = mkcfg(SZ_4K, 48, 48);
	assert_null(alloc_io_pgtable_ops(IO_PGTABLE_NUM_FMTS, &cfg, &E));
	/* 4K caps ias/oas at 48 */
	cfg = mkcfg(SZ_4K, 52, 52);
	free_io_pgtable_ops(mk(ARM_64_LPAE_S1, &cfg));
	assert_int_equal(cfg.ias, 48);
	assert_int_equal(cfg.oas, 48);
	free_io_pgtable_ops(NULL);
}

/* ---- errors change nothing ---- */

static u64 snapshot_sum(void)
{
	u64 h = 1469598103934665603ull;

	for (size_t i = 0; i < E.used; i++)
		h = (h ^ E.pool[i]) * 1099511628211ull;
	return h;
}

static void test_einval_erange_nothing_changed(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 40);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	size_t mapped;
	u64 before;

	assert_int_equal(map(ops, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	before = snapshot_sum();
	long tables = E.live_tables, k = kalloc_outstanding();

	assert_int_equal(map(ops, 0x2000, 0x2000, 0x2000, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 0x2000, 0x2000, 0, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 0x2000, 0x2000, SZ_4K | SZ_2M, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 0x2800, 0x2000, SZ_4K, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 0x2000, 0x2800, SZ_4K, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 0x201000, 0x200000, SZ_2M, 1, IOMMU_READ, &mapped), -EINVAL);
	assert_int_equal(map(ops, 1ul << 48, 0x2000, SZ_4K, 1, IOMMU_READ, &mapped), -ERANGE);
	assert_int_equal(map(ops, 0x2000, 1ull << 40, SZ_4K, 1, IOMMU_READ, &mapped), -ERANGE);
	/* The last page would cross ias / oas. */
	assert_int_equal(map(ops, (1ul << 48) - SZ_4K, 0x2000, SZ_4K, 2, IOMMU_READ, &mapped), -ERANGE);
	assert_int_equal(map(ops, 0x2000, (1ull << 40) - SZ_4K, SZ_4K, 2, IOMMU_READ, &mapped), -ERANGE);
	assert_int_equal(map(ops, 0x2000, 0, SZ_4K, ~0ul, IOMMU_READ, &mapped), -ERANGE);
	/* Neither read nor write: nothing, and no error (Linux). */
	assert_int_equal(map(ops, 0x2000, 0x2000, SZ_4K, 1, IOMMU_NOEXEC, &mapped), 0);
	assert_int_equal(mapped, 0);
	assert_int_equal(map(ops, 0x2000, 0x2000, SZ_4K, 0, IOMMU_READ, &mapped), 0);
	assert_int_equal(mapped, 0);
	/* Bad unmaps return 0. */
	assert_int_equal(ops->unmap_pages(ops, 0x1000, 0x3000, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 0, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x1800, SZ_4K, 1, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 1ul << 48, SZ_4K, 1, NULL), 0);
	assert_int_equal(ops->iova_to_phys(ops, (1ul << 48) + 0x1000), 0);

	assert_int_equal(snapshot_sum(), before);
	assert_int_equal(E.live_tables, tables);
	assert_int_equal(kalloc_outstanding(), k);
	assert_int_equal(ops->iova_to_phys(ops, 0x1000), 0x1000);
	assert_int_equal(ops->iova_to_phys(ops, 0x2000), 0);
	free_io_pgtable_ops(ops);
}

static void test_eexist(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	size_t mapped;
	u64 before;

	assert_int_equal(map(ops, 0x3000, 0xa000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(map(ops, 0x400000, 0x400000, SZ_2M, 1, IOMMU_READ, NULL), 0);
	before = snapshot_sum();
	/* The same page again, other PA or not. */
	assert_int_equal(map(ops, 0x3000, 0xb000, SZ_4K, 1, IOMMU_READ | IOMMU_WRITE, &mapped), -EEXIST);
	assert_int_equal(mapped, 0);
	/* Four pages whose third exists: none written. */
	assert_int_equal(map(ops, 0x1000, 0x100000, SZ_4K, 4, IOMMU_READ, &mapped), -EEXIST);
	assert_int_equal(mapped, 0);
	/* A page inside a block: the leaf is on the way. */
	assert_int_equal(map(ops, 0x401000, 0x1000, SZ_4K, 1, IOMMU_READ, &mapped), -EEXIST);
	assert_int_equal(map(ops, 0x400000, 0x800000, SZ_2M, 1, IOMMU_READ, &mapped), -EEXIST);
	assert_int_equal(snapshot_sum(), before);
	assert_int_equal(ops->iova_to_phys(ops, 0x3000), 0xa000);
	assert_int_equal(ops->iova_to_phys(ops, 0x1000), 0);
	assert_int_equal(ops->iova_to_phys(ops, 0x401000), 0x401000);

	/* Crossing a table: the first table's pages are mapped and reported. */
	assert_int_equal(map(ops, 0x7fe000ul + SZ_2M, 0x5000000, SZ_4K, 2, IOMMU_READ, NULL), 0);
	assert_int_equal(map(ops, 0x7fc000ul + SZ_2M, 0x6000000, SZ_4K, 4, IOMMU_READ, &mapped), -EEXIST);
	assert_int_equal(mapped, 0);
	assert_int_equal(map(ops, 0x9fe000, 0x7000000, SZ_4K, 3, IOMMU_READ, NULL), -EEXIST);
	assert_int_equal(map(ops, 0xbfe000, 0x7000000, SZ_4K, 3, IOMMU_READ, &mapped), 0);
	assert_int_equal(mapped, 3 * SZ_4K);
	assert_int_equal(ops->iova_to_phys(ops, 0xc00000), 0x7002000);
	assert_int_equal(map(ops, 0xe01000, 0x8000000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(map(ops, 0xdff000, 0x9000000, SZ_4K, 3, IOMMU_READ, &mapped), -EEXIST);
	assert_int_equal(mapped, SZ_4K);
	assert_int_equal(ops->iova_to_phys(ops, 0xdff000), 0x9000000);
	assert_int_equal(ops->iova_to_phys(ops, 0xe00000), 0);
	assert_int_equal(ops->iova_to_phys(ops, 0xe01000), 0x8000000);
	free_io_pgtable_ops(ops);
}

static void test_block_replaces_table(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	long tables;

	/* Linux (6.12): a block over a table frees the table, pages and all. */
	assert_int_equal(map(ops, 0x201000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	tables = E.live_tables;
	E.flush_walk = 0;
	assert_int_equal(map(ops, 0x200000, 0x40000000, SZ_2M, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(E.flush_walk, 1);
	assert_int_equal(E.last_walk_iova, 0x200000);
	assert_int_equal(E.last_walk_size, SZ_2M);
	assert_int_equal(E.live_tables, tables - 1);
	assert_int_equal(ops->iova_to_phys(ops, 0x201000), 0x40001000);
	free_io_pgtable_ops(ops);

	/* The stricter option refuses while the table maps something. */
	cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	cfg.quirks = IO_PGTABLE_QUIRK_NO_REPLACE;
	ops = mk(ARM_64_LPAE_S1, &cfg);
	assert_int_equal(map(ops, 0x201000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	u64 before = snapshot_sum();
	assert_int_equal(map(ops, 0x200000, 0x40000000, SZ_2M, 1, IOMMU_READ, NULL), -EEXIST);
	assert_int_equal(snapshot_sum(), before);
	assert_int_equal(ops->unmap_pages(ops, 0x201000, SZ_4K, 1, NULL), SZ_4K);
	/* Now the table is empty: it may go. */
	assert_int_equal(map(ops, 0x200000, 0x40000000, SZ_2M, 1, IOMMU_READ, NULL), 0);
	free_io_pgtable_ops(ops);
}

/* ---- unmap ---- */

static void test_unmap_holes_and_counts(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	struct iommu_iotlb_gather gather;

	iommu_iotlb_gather_init(&gather);
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 1, &gather), 0);
	assert_int_equal(map(ops, 0x1000, 0x1000, SZ_4K, 3, IOMMU_READ, NULL), 0);
	E.add_page = 0;
	/* Stops at the first hole. */
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 5, &gather), 3 * SZ_4K);
	assert_int_equal(E.add_page, 3);
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 1, &gather), 0);
	/* Without a gather (or a queued one) no per-page callback. */
	assert_int_equal(map(ops, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 1, NULL), SZ_4K);
	assert_int_equal(map(ops, 0x1000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	gather.queued = true;
	assert_int_equal(ops->unmap_pages(ops, 0x1000, SZ_4K, 1, &gather), SZ_4K);
	assert_int_equal(E.add_page, 3);
	gather.queued = false;

	/* Across tables in one call. */
	assert_int_equal(map(ops, 0x3fe000, 0x1000, SZ_4K, 4, IOMMU_READ, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x3fe000, SZ_4K, 4, &gather), 4 * SZ_4K);
	assert_int_equal(E.add_page, 7);

	/* A 2M unmap over a table: the table goes, walk caches are flushed. */
	assert_int_equal(map(ops, 0x600000, 0x1000, SZ_4K, 2, IOMMU_READ, NULL), 0);
	long tables = E.live_tables;
	E.flush_walk = 0;
	assert_int_equal(ops->unmap_pages(ops, 0x600000, SZ_2M, 1, &gather), SZ_2M);
	assert_int_equal(E.flush_walk, 1);
	assert_int_equal(E.live_tables, tables - 1);
	assert_int_equal(ops->iova_to_phys(ops, 0x600000), 0);
	/* Tables emptied by page unmaps stay (Linux keeps them). */
	tables = E.live_tables;
	assert_int_equal(map(ops, 0x800000, 0x1000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(ops->unmap_pages(ops, 0x800000, SZ_4K, 1, &gather), SZ_4K);
	assert_int_equal(E.live_tables, tables + 1);
	assert_int_equal(E.flush_all, 0);
	free_io_pgtable_ops(ops);
}

static void test_split_block(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	struct ref_geo g = geo_of(&cfg);
	struct iommu_iotlb_gather gather;
	u64 *l3;

	iommu_iotlb_gather_init(&gather);
	assert_int_equal(map(ops, 0x200000, 0x80000000, SZ_2M, 1,
			     IOMMU_READ | IOMMU_CACHE | IOMMU_NOEXEC, NULL), 0);
	E.add_page = 0;
	assert_int_equal(ops->unmap_pages(ops, 0x201000, SZ_4K, 2, &gather), 2 * SZ_4K);
	assert_int_equal(E.add_page, 2);
	assert_int_equal(ops->iova_to_phys(ops, 0x200000), 0x80000000);
	assert_int_equal(ops->iova_to_phys(ops, 0x201000), 0);
	assert_int_equal(ops->iova_to_phys(ops, 0x202000), 0);
	assert_int_equal(ops->iova_to_phys(ops, 0x203000), 0x80003000);
	assert_int_equal(ops->iova_to_phys(ops, 0x3ff123), 0x801ff123);
	/* The new L3 entries keep the block's attributes, as pages. */
	l3 = ref_table(&g, 0x200000, 3);
	assert_int_equal(l3[0], 0x80000000ull | 3 | ARM_LPAE_PTE_AF | ARM_LPAE_PTE_nG |
			 ARM_LPAE_PTE_AP_UNPRIV | ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_SH_IS |
			 ARM_LPAE_PTE_XN | (1ull << ARM_LPAE_PTE_ATTRINDX_SHIFT));
	assert_int_equal(l3[1], 0);
	for (unsigned i = 3; i < 512; i++)
		assert_int_equal(l3[i] & GENMASK_ULL(47, 12), 0x80000000ull + i * SZ_4K);
	/* The hole can be remapped. */
	assert_int_equal(map(ops, 0x201000, 0x5000, SZ_4K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(ref_phys(&g, 0x201010), 0x5010);

	/* A 1G block split twice: 1G -> 2M blocks -> 4K pages. */
	assert_int_equal(map(ops, 0x40000000, 0x100000000ull, SZ_1G, 1, IOMMU_READ, NULL), 0);
	long tables = E.live_tables;
	assert_int_equal(ops->unmap_pages(ops, 0x40403000, SZ_4K, 1, &gather), SZ_4K);
	assert_int_equal(E.live_tables, tables + 2);
	assert_int_equal(ref_phys(&g, 0x40403000), 0);
	assert_int_equal(ref_phys(&g, 0x40404000), 0x100404000ull);
	assert_int_equal(ref_phys(&g, 0x7fffffff), 0x13fffffffull);
	unsigned lvl;
	assert_int_equal(ref_leaf(&g, 0x40000000, &lvl) & 3, 1);
	assert_int_equal(lvl, 2);
	/* A 2M piece of the remaining blocks unmaps whole. */
	assert_int_equal(ops->unmap_pages(ops, 0x40600000, SZ_2M, 1, &gather), SZ_2M);
	assert_int_equal(ref_phys(&g, 0x40600000), 0);
	assert_int_equal(ref_phys(&g, 0x40800000), 0x100800000ull);

	/* A split that cannot get its table unmaps nothing. */
	assert_int_equal(map(ops, 0x80000000, 0x200000000ull, SZ_1G, 1, IOMMU_READ, NULL), 0);
	u64 before = snapshot_sum();
	E.fail_countdown = 1;
	assert_int_equal(ops->unmap_pages(ops, 0x80001000, SZ_4K, 1, &gather), 0);
	assert_int_equal(snapshot_sum(), before);
	assert_int_equal(ref_phys(&g, 0x80001000), 0x200001000ull);
	/* Second split fails: the first one stands, nothing unmapped. */
	E.fail_countdown = 2;
	assert_int_equal(ops->unmap_pages(ops, 0x80001000, SZ_4K, 1, &gather), 0);
	E.fail_countdown = 0;
	for (unsigned long a = 0x80000000; a < 0xc0000000; a += 0x1234567)
		assert_int_equal(ref_phys(&g, a), 0x200000000ull + (a - 0x80000000));
	assert_int_equal(ops->unmap_pages(ops, 0x80001000, SZ_4K, 1, &gather), SZ_4K);
	assert_int_equal(ref_phys(&g, 0x80001000), 0);
	free_io_pgtable_ops(ops);
}

/* ---- allocation failures ---- */

static void test_fail_nth(void **state)
{
	for (unsigned n = 1; n < 20; n++) {
		for (int which = 0; which < 2; which++) {
			struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
			long k0 = kalloc_outstanding();
			struct io_pgtable_ops *ops;
			size_t mapped;
			int ret;

			if (which)
				E.fail_countdown = n;
			else
				kalloc_fail_nth(n);
			ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, &E);
			if (!ops) {
				assert_int_equal(E.live_tables, 0);
				assert_int_equal(kalloc_outstanding(), k0);
				E.fail_countdown = 0;
				kalloc_fail_nth(0);
				continue;
			}
			/* Two pages in different L3 tables under different L1s. */
			ret = map(ops, 0x3fffff000ul, 0x1000, SZ_4K, 2, IOMMU_READ, &mapped);
			if (ret) {
				assert_int_equal(ret, -ENOMEM);
				assert_true(mapped == 0 || mapped == SZ_4K);
				if (mapped)
					assert_int_equal(ops->iova_to_phys(ops, 0x3fffff000ul), 0x1000);
				assert_int_equal(ops->iova_to_phys(ops, 0x400000000ul), 0);
			}
			E.fail_countdown = 0;
			kalloc_fail_nth(0);
			/* Consistent: mapping the rest now works. */
			if (ret) {
				ops->unmap_pages(ops, 0x3fffff000ul, SZ_4K, 1, NULL);
				assert_int_equal(map(ops, 0x3fffff000ul, 0x1000, SZ_4K, 2, IOMMU_READ, NULL), 0);
			}
			assert_int_equal(ops->iova_to_phys(ops, 0x400000000ul), 0x2000);
			free_io_pgtable_ops(ops);
			assert_int_equal(E.live_tables, 0);
			assert_int_equal(kalloc_outstanding(), k0);
		}
	}
}

/* ---- random sequence against a model ---- */

#define R_SLOTS 8
#define R_BASE	0x7f40000000ul

enum { S_NONE, S_BLOCK, S_TABLE };

static u64 rnd_state;
static u64 rnd(void)
{
	return xorshift64(&rnd_state);
}

static void test_random_vs_model(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_4K | SZ_2M | SZ_1G, 48, 48);
	static u64 model[R_SLOTS * 512];
	int slot_state[R_SLOTS] = { 0 };
	struct io_pgtable_ops *ops;
	struct ref_geo g;

	cfg.quirks = IO_PGTABLE_QUIRK_NO_REPLACE;
	ops = mk(ARM_64_LPAE_S1, &cfg);
	g = geo_of(&cfg);
	memset(model, 0, sizeof(model));
	rnd_state = 0x9e3779b97f4a7c15ull;
	for (int step = 0; step < 20000; step++) {
		unsigned s = rnd() % R_SLOTS, p = rnd() % 512, op = rnd() % 4;
		unsigned long iova = R_BASE + s * SZ_2M + p * SZ_4K;
		u64 pa = 0x100000000ull + (rnd() % 4096) * SZ_2M;
		bool any = false;

		for (unsigned i = 0; i < 512; i++)
			any |= model[s * 512 + i] != 0;
		if (op == 0) {		/* map 4K */
			int want = (slot_state[s] == S_BLOCK || model[s * 512 + p]) ? -EEXIST : 0;

			assert_int_equal(map(ops, iova, pa, SZ_4K, 1, IOMMU_READ, NULL), want);
			if (!want) {
				model[s * 512 + p] = pa;
				slot_state[s] = S_TABLE;
			}
		} else if (op == 1) {	/* map 2M */
			int want = (slot_state[s] == S_BLOCK || any) ? -EEXIST : 0;

			iova = R_BASE + s * SZ_2M;
			assert_int_equal(map(ops, iova, pa, SZ_2M, 1, IOMMU_READ, NULL), want);
			if (!want) {
				for (unsigned i = 0; i < 512; i++)
					model[s * 512 + i] = pa + i * SZ_4K;
				slot_state[s] = S_BLOCK;
			}
		} else if (op == 2) {	/* unmap 4K */
			size_t want = model[s * 512 + p] ? SZ_4K : 0;

			assert_int_equal(ops->unmap_pages(ops, iova, SZ_4K, 1, NULL), want);
			if (want) {
				model[s * 512 + p] = 0;
				slot_state[s] = S_TABLE;
			}
		} else {		/* unmap 2M */
			size_t want = slot_state[s] == S_NONE ? 0 : SZ_2M;

			iova = R_BASE + s * SZ_2M;
			assert_int_equal(ops->unmap_pages(ops, iova, SZ_2M, 1, NULL), want);
			memset(&model[s * 512], 0, 512 * sizeof(model[0]));
			slot_state[s] = S_NONE;
		}
		if (step % 97 == 0 || step > 19900) {
			for (unsigned i = 0; i < R_SLOTS * 512; i++) {
				unsigned long a = R_BASE + i * SZ_4K + 0x123;
				u64 want = model[i] ? model[i] + 0x123 : 0;

				assert_int_equal(ops->iova_to_phys(ops, a), want);
				assert_int_equal(ref_phys(&g, a), want);
			}
		}
	}
	free_io_pgtable_ops(ops);
}

/* ---- 16K granule ---- */

static void test_16k_granule(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg((1ul << 14) | (1ul << 25), 48, 48);
	struct io_pgtable_ops *ops = mk(ARM_64_LPAE_S1, &cfg);
	struct ref_geo g = geo_of(&cfg);

	assert_int_equal(g.start_level, 0);	/* 34 bits: 1 + 11 + 11 + 11 */
	assert_int_equal(cfg.arm_lpae_s1_cfg.tcr.tg, ARM_LPAE_TCR_TG0_16K);
	assert_int_equal(map(ops, 0x800004000ul, 0x4000, 1ul << 14, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(map(ops, 0x802000000ul, 0x6000000, 1ul << 25, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(ref_phys(&g, 0x800007fff), 0x7fff);
	assert_int_equal(ref_phys(&g, 0x803ffffff), 0x7ffffff);
	assert_int_equal(ops->iova_to_phys(ops, 0x803ffffff), 0x7ffffff);
	assert_int_equal(ops->unmap_pages(ops, 0x802004000ul, 1ul << 14, 1, NULL), 1ul << 14);
	assert_int_equal(ref_phys(&g, 0x802004000ul), 0);
	assert_int_equal(ref_phys(&g, 0x802008000ul), 0x6008000);
	free_io_pgtable_ops(ops);
}

/* ---- tables in the machine's RAM, from the kernel's page allocator ---- */

static void test_kernel_table_memory(void **state)
{
	struct io_pgtable_cfg cfg = mkcfg(SZ_64K | SZ_512M, 48, 48);
	struct io_pgtable_ops *ops;
	u64 before, ttbr, l2pa;
	u64 *pgd, *l2;

	kt_boot(NULL);
	before = page_alloc_outstanding();
	cfg.alloc_table = io_pgtable_kernel_alloc_table;
	cfg.free_table = io_pgtable_kernel_free_table;
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
	assert_non_null(ops);
	ttbr = cfg.arm_lpae_s1_cfg.ttbr;
	assert_true(IS_ALIGNED(ttbr, PAGE_SIZE));
	assert_true(page_alloc_outstanding() > before);
	assert_int_equal(map(ops, 0x20010000, 0x40000000, SZ_64K, 1, IOMMU_READ, NULL), 0);
	/* A 64K table is 16 pages the walker reads as one array. */
	pgd = phys_to_virt(ttbr);
	assert_int_equal(pgd[0] & 3, 3);
	l2pa = pgd[0] & GENMASK_ULL(47, 16);
	assert_true(IS_ALIGNED(l2pa, SZ_64K));
	l2 = phys_to_virt(l2pa);
	assert_int_equal(l2[1] & 3, 3);
	/* What the hardware reads is what the kernel wrote, in every frame. */
	u64 l3pa = l2[1] & GENMASK_ULL(47, 16), pte = 0;
	assert_int_equal(hw_mem_read(kt_machine, l3pa + 8, &pte, 8), 0);
	assert_int_equal(pte & GENMASK_ULL(47, 16), 0x40000000);
	/* L3 index 0x1f00: byte 0xf800, the table's 16th frame. */
	assert_int_equal(map(ops, 0x3f000000, 0x50000000, SZ_64K, 1, IOMMU_READ, NULL), 0);
	assert_int_equal(hw_mem_read(kt_machine, l3pa + 0xf800, &pte, 8), 0);
	assert_int_equal(pte & GENMASK_ULL(47, 16), 0x50000000);
	assert_int_equal(ops->iova_to_phys(ops, 0x3f000123), 0x50000123);
	assert_int_equal(ops->iova_to_phys(ops, 0x20010042), 0x40000042);
	free_io_pgtable_ops(ops);
	assert_int_equal(page_alloc_outstanding(), before);
	kt_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_4k_pages_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64k_granule_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_lpae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_configs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_einval_erange_nothing_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_replaces_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_holes_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_vs_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_16k_granule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_table_memory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
