/*
 * The ITS's tables in emulated memory, its translation cache and its LPIs.
 *
 * Entry formats are the model's (the architecture leaves them
 * IMPLEMENTATION DEFINED), 8 bytes each, little endian:
 *   DTE: bit 0 valid, bits 5:1 ITT size (EventID bits - 1), 51:8 ITT address
 *   CTE: bit 0 valid, bits 31:16 target processor number
 *   ITE: bit 0 valid, bits 31:16 ICID, bits 63:32 LPI INTID
 * A table access outside RAM reads as an invalid entry and writes nothing.
 */
#include <string.h>

#include "gic_its_priv.h"

/* ---- tables ---------------------------------------------------------- */

struct its_table {
	u64 pa, bytes, psz;
	bool indirect;
};

/* The table of BASER<@n>; false when it is not valid. */
static bool table_of(const struct gic_its *its, unsigned n, struct its_table *t)
{
	u64 v = its->baser[n];
	unsigned ps = (v >> 8) & 3;
	u64 psz = ps == 0 ? 0x1000 : ps == 1 ? 0x4000 : 0x10000;

	if (!(v & GITS_BASER_VALID))
		return false;
	t->pa = v & GENMASK_ULL(47, 12) & ~(psz - 1);
	if (psz == 0x10000)
		t->pa |= ((v >> 12) & 0xf) << 48;   /* PA[51:48] of a 64 KiB page table */
	t->bytes = ((v & 0xff) + 1) * psz;
	t->psz = psz;
	t->indirect = v & GITS_BASER_INDIRECT;
	return true;
}

static u64 entry_read(struct gic_its *its, u64 pa);

/*
 * Address of entry @id of BASER<@n>'s table, if the ID fits in @bits and the
 * table. A two-level table's level-1 entries each cover one page of
 * entries; an invalid level-1 entry (no level-2 page) holds no IDs.
 */
static bool entry_pa(struct gic_its *its, unsigned n, u32 id, unsigned bits, u64 *pa)
{
	struct its_table t;
	u64 per_page, idx, l1;

	if ((u64)id >> bits || !table_of(its, n, &t))
		return false;
	if (!t.indirect) {
		if ((u64)id * ITS_ESZ + ITS_ESZ > t.bytes)
			return false;
		*pa = t.pa + (u64)id * ITS_ESZ;
		return true;
	}
	per_page = t.psz / ITS_ESZ;
	idx = id / per_page;
	if (idx * 8 + 8 > t.bytes)
		return false;
	l1 = entry_read(its, t.pa + idx * 8);
	if (!(l1 & GITS_LVL1_VALID))
		return false;
	*pa = (l1 & GENMASK_ULL(51, 12) & ~(t.psz - 1)) + id % per_page * ITS_ESZ;
	return true;
}

static u64 entry_read(struct gic_its *its, u64 pa)
{
	u64 v;

	return hw_mem_read(its->m, pa, &v, sizeof(v)) ? 0 : v;
}

static void entry_write(struct gic_its *its, u64 pa, u64 v)
{
	(void)hw_mem_write(its->m, pa, &v, sizeof(v));
}

bool its_device_in_range(struct gic_its *its, u32 device_id)
{
	u64 pa;

	return entry_pa(its, 0, device_id, its->devbits, &pa);
}

bool its_icid_in_range(struct gic_its *its, u32 icid)
{
	u64 pa;

	return entry_pa(its, 1, icid, ITS_CIDBITS, &pa);
}

bool its_dte_read(struct gic_its *its, u32 device_id, struct its_dte *dte)
{
	u64 pa, v;

	if (!entry_pa(its, 0, device_id, its->devbits, &pa))
		return false;
	v = entry_read(its, pa);
	dte->valid = v & 1;
	dte->size = (v >> 1) & 0x1f;
	dte->itt = v & GENMASK_ULL(51, 8);
	return true;
}

bool its_dte_write(struct gic_its *its, u32 device_id, const struct its_dte *dte)
{
	u64 pa;

	if (!entry_pa(its, 0, device_id, its->devbits, &pa))
		return false;
	entry_write(its, pa, dte->valid ? (dte->itt & GENMASK_ULL(51, 8)) |
				  (u64)(dte->size & 0x1f) << 1 | 1 : 0);
	return true;
}

bool its_cte_read(struct gic_its *its, u32 icid, bool *valid, u32 *target)
{
	u64 pa, v;

	if (!entry_pa(its, 1, icid, ITS_CIDBITS, &pa))
		return false;
	v = entry_read(its, pa);
	*valid = v & 1;
	*target = (v >> 16) & 0xffff;
	return true;
}

bool its_cte_write(struct gic_its *its, u32 icid, bool valid, u32 target)
{
	u64 pa;

	if (!entry_pa(its, 1, icid, ITS_CIDBITS, &pa))
		return false;
	entry_write(its, pa, valid ? (u64)(target & 0xffff) << 16 | 1 : 0);
	return true;
}

/* The ITT holds 2^(size + 1) entries; @event_id beyond it is out of range. */
static bool ite_pa(const struct its_dte *dte, u32 event_id, u64 *pa)
{
	if (!dte->valid || (u64)event_id >> (dte->size + 1))
		return false;
	*pa = dte->itt + (u64)event_id * ITS_ESZ;
	return true;
}

bool its_ite_read(struct gic_its *its, const struct its_dte *dte, u32 event_id,
		  struct its_ite *ite)
{
	u64 pa, v;

	if (!ite_pa(dte, event_id, &pa))
		return false;
	v = entry_read(its, pa);
	ite->valid = v & 1;
	ite->icid = (v >> 16) & 0xffff;
	ite->intid = (u32)(v >> 32);
	return true;
}

bool its_ite_write(struct gic_its *its, const struct its_dte *dte, u32 event_id,
		   const struct its_ite *ite)
{
	u64 pa;

	if (!ite_pa(dte, event_id, &pa))
		return false;
	entry_write(its, pa, ite->valid ? (u64)ite->intid << 32 | (u64)ite->icid << 16 | 1 : 0);
	return true;
}

/* ---- translation cache ------------------------------------------------ */

static struct its_cache_entry *slot(struct gic_its *its, u32 device_id, u32 event_id)
{
	u32 h = device_id * 0x9e3779b1u ^ event_id * 0x85ebca6bu;

	return &its->cache[(h >> 16) % ITS_CACHE_SIZE];
}

bool its_cache_lookup(struct gic_its *its, u32 device_id, u32 event_id, struct its_ite *ite)
{
	struct its_cache_entry *e = slot(its, device_id, event_id);

	if (!e->valid || e->device_id != device_id || e->event_id != event_id)
		return false;
	*ite = (struct its_ite){ .valid = true, .icid = e->icid, .intid = e->intid };
	return true;
}

void its_cache_fill(struct gic_its *its, u32 device_id, u32 event_id, const struct its_ite *ite)
{
	*slot(its, device_id, event_id) = (struct its_cache_entry){
		.valid = true, .device_id = device_id, .event_id = event_id,
		.intid = ite->intid, .icid = ite->icid,
	};
}

void its_cache_inv_event(struct gic_its *its, u32 device_id, u32 event_id)
{
	struct its_cache_entry *e = slot(its, device_id, event_id);

	if (e->device_id == device_id && e->event_id == event_id)
		e->valid = false;
}

void its_cache_inv_device(struct gic_its *its, u32 device_id)
{
	for (unsigned i = 0; i < ITS_CACHE_SIZE; i++)
		if (its->cache[i].device_id == device_id)
			its->cache[i].valid = false;
}

void its_cache_inv_all(struct gic_its *its)
{
	memset(its->cache, 0, sizeof(its->cache));
}

/* ---- LPIs ------------------------------------------------------------- */

bool its_lpi_valid(u32 intid)
{
	return intid >= ITS_LPI_BASE && intid - ITS_LPI_BASE < ITS_NR_LPIS;
}

static bool lpi_enabled(const struct gic_its *its, u32 intid)
{
	return its->lpi_cfg[intid - ITS_LPI_BASE] & 1;
}

static bool pend_test_clear(struct gic_its *its, u32 n)
{
	u64 bit = 1ull << (n % 64);
	bool was = its->lpi_pend[n / 64] & bit;

	its->lpi_pend[n / 64] &= ~bit;
	return was;
}

/* A pending LPI goes to the line when enabled, and back to the table when disabled. */
static void lpi_apply(struct gic_its *its, u32 intid)
{
	u32 n = intid - ITS_LPI_BASE;

	if (lpi_enabled(its, intid)) {
		if (pend_test_clear(its, n))
			hw_irq_set(its->m, intid, true);
	} else if (hw_irq_level(its->m, intid)) {
		hw_irq_set(its->m, intid, false);
		its->lpi_pend[n / 64] |= 1ull << (n % 64);
	}
}

void its_lpi_load_config(struct gic_its *its, u32 intid)
{
	u8 cfg = 1;   /* no table: enabled */

	if (!its_lpi_valid(intid))
		return;
	if (its->propbase &&
	    hw_mem_read(its->m, its->propbase + (intid - ITS_LPI_BASE), &cfg, 1))
		cfg = 0;   /* a table outside RAM reads as disabled */
	its->lpi_cfg[intid - ITS_LPI_BASE] = cfg;
	lpi_apply(its, intid);
}

void its_lpi_load_all(struct gic_its *its)
{
	if (!its->propbase ||
	    hw_mem_read(its->m, its->propbase, its->lpi_cfg, sizeof(its->lpi_cfg))) {
		for (u32 i = 0; i < ITS_NR_LPIS; i++)
			its_lpi_load_config(its, ITS_LPI_BASE + i);
		return;
	}
	for (u32 i = 0; i < ITS_NR_LPIS; i++)
		lpi_apply(its, ITS_LPI_BASE + i);
}

void its_lpi_raise(struct gic_its *its, u32 intid)
{
	u32 n = intid - ITS_LPI_BASE;

	if (!its_lpi_valid(intid))
		return;
	if (lpi_enabled(its, intid))
		hw_irq_set(its->m, intid, true);
	else
		its->lpi_pend[n / 64] |= 1ull << (n % 64);
}

void its_lpi_clear(struct gic_its *its, u32 intid)
{
	if (!its_lpi_valid(intid))
		return;
	pend_test_clear(its, intid - ITS_LPI_BASE);
	hw_irq_set(its->m, intid, false);
}
