/*
 * arm-smmu-v3: the stream table and the context descriptors, in memory
 * from the kernel's page allocator. A linear table when the SID space
 * fits one level (or the SMMU has no two-level support), otherwise a
 * two-level one whose L2 tables are allocated when a master with a SID
 * there is probed; every STE starts as abort, so a stream no driver set
 * up is aborted (Linux 6.12: no disable_bypass parameter any more).
 *
 * STEs and CDs change through Linux's hitless writer: a change of one
 * qword's used bits is made without ever showing the SMMU an invalid or
 * torn entry; anything else goes through V = 0 first. Each step is
 * followed by CFGI_STE (or CFGI_CD) for every SID of the master and a
 * CMD_SYNC, and an installed STE by PREFETCH_CONFIG.
 */
#include <errno.h>
#include <string.h>

#include "kernel/kernel.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu-v3.h"
#include "kernel/iommu/io-pgtable.h"

#define NUM_ENTRY_QWORDS 8

/* ---- memory --------------------------------------------------------------- */

u64 arm_smmu_alloc_zeroed(unsigned order)
{
	u64 pa = alloc_pages_phys(order);

	for (u64 off = 0; pa && off < (PAGE_SIZE << order); off += PAGE_SIZE)
		memset(phys_to_virt(pa + off), 0, PAGE_SIZE);
	return pa;
}

/* One naturally aligned qword: never crosses a page. */
void arm_smmu_write_qword(u64 pa, u64 val)
{
	*(u64 *)phys_to_virt(pa) = val;
}

u64 arm_smmu_read_qword(u64 pa)
{
	return *(const u64 *)phys_to_virt(pa);
}

/* ---- STEs and CDs ----------------------------------------------------------- */

void arm_smmu_make_abort_ste(u64 *ste)
{
	memset(ste, 0, NUM_ENTRY_QWORDS * 8);
	ste[0] = STRTAB_STE_0_V | ((u64)STRTAB_STE_0_CFG_ABORT << STRTAB_STE_0_CFG_SHIFT);
}

/* SHCFG stays 0: the SMMU does not advertise IDR1.ATTR_TYPES_OVR. */
void arm_smmu_make_bypass_ste(u64 *ste)
{
	memset(ste, 0, NUM_ENTRY_QWORDS * 8);
	ste[0] = STRTAB_STE_0_V | ((u64)STRTAB_STE_0_CFG_BYPASS << STRTAB_STE_0_CFG_SHIFT);
}

void arm_smmu_make_cdtable_ste(const struct arm_smmu_master *master, u64 *ste)
{
	memset(ste, 0, NUM_ENTRY_QWORDS * 8);
	ste[0] = STRTAB_STE_0_V | ((u64)STRTAB_STE_0_CFG_S1_TRANS << STRTAB_STE_0_CFG_SHIFT) |
		 (master->cd_table & STRTAB_STE_0_S1CTXPTR_MASK) |
		 ((u64)master->ssid_bits << 59);
	ste[1] = STRTAB_STE_1_S1DSS_SSID0 |
		 ((u64)STRTAB_STE_1_S1C_CACHE_WBRA << STRTAB_STE_1_S1CIR_SHIFT) |
		 ((u64)STRTAB_STE_1_S1C_CACHE_WBRA << STRTAB_STE_1_S1COR_SHIFT) |
		 ((u64)ARM_SMMU_SH_ISH << STRTAB_STE_1_S1CSH_SHIFT);
}

/* Which bits of an STE the SMMU reads in its current configuration. */
static void ste_used(const u64 *ent, u64 *used)
{
	memset(used, 0, NUM_ENTRY_QWORDS * 8);
	used[0] = STRTAB_STE_0_V;
	if (!(ent[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG_MASK;
	switch ((ent[0] & STRTAB_STE_0_CFG_MASK) >> STRTAB_STE_0_CFG_SHIFT) {
	case STRTAB_STE_0_CFG_BYPASS:
		used[1] |= STRTAB_STE_1_SHCFG_MASK;
		break;
	case STRTAB_STE_0_CFG_S1_TRANS:
		used[0] |= STRTAB_STE_0_S1FMT_MASK | STRTAB_STE_0_S1CTXPTR_MASK |
			   STRTAB_STE_0_S1CDMAX_MASK;
		used[1] |= STRTAB_STE_1_USED_S1;
		break;
	}
}

static void cd_used(const u64 *ent, u64 *used)
{
	memset(used, 0, NUM_ENTRY_QWORDS * 8);
	used[0] = CTXDESC_CD_0_V;
	if (!(ent[0] & CTXDESC_CD_0_V))
		return;
	used[0] = ~0ull;
	used[1] = CTXDESC_CD_1_TTB0_MASK;
	used[3] = ~0ull;
}

/* ---- the hitless writer ------------------------------------------------------- */

struct entry_writer {
	struct arm_smmu_master *master;
	u64 entry;		/* physical address of the entry */
	u64 valid;		/* its V bit in qword 0 */
	void (*used)(const u64 *ent, u64 *used);
	void (*sync)(struct entry_writer *w);
};

/* Writes qwords [start, start + len) of @target that differ; syncs if any did. */
static void entry_set(struct entry_writer *w, u64 *cur, const u64 *target,
		      unsigned start, unsigned len)
{
	bool changed = false;

	for (unsigned i = start; i < start + len; i++) {
		if (cur[i] == target[i])
			continue;
		cur[i] = target[i];
		arm_smmu_write_qword(w->entry + i * 8, target[i]);
		changed = true;
	}
	if (changed)
		w->sync(w);
}

static void write_entry(struct entry_writer *w, const u64 *target)
{
	u64 cur[NUM_ENTRY_QWORDS], cur_used[NUM_ENTRY_QWORDS], target_used[NUM_ENTRY_QWORDS];
	u64 unused_update[NUM_ENTRY_QWORDS];
	unsigned ndiff = 0, critical = 0;

	for (unsigned i = 0; i < NUM_ENTRY_QWORDS; i++)
		cur[i] = arm_smmu_read_qword(w->entry + i * 8);
	w->used(cur, cur_used);
	w->used(target, target_used);
	for (unsigned i = 0; i < NUM_ENTRY_QWORDS; i++) {
		/* Bits the SMMU ignores now may take their new value at once. */
		unused_update[i] = (cur[i] & cur_used[i]) | (target[i] & ~cur_used[i]);
		if ((unused_update[i] ^ target[i]) & target_used[i]) {
			ndiff++;
			critical = i;
		}
	}
	if (ndiff == 1) {
		/* Everything but the one critical qword, then it, then leftovers. */
		unused_update[critical] = cur[critical];
		entry_set(w, cur, unused_update, 0, NUM_ENTRY_QWORDS);
		entry_set(w, cur, target, critical, 1);
		entry_set(w, cur, target, 0, NUM_ENTRY_QWORDS);
	} else if (ndiff) {
		/* Break before make: invalid, the body, then qword 0. */
		unused_update[0] = cur[0] & ~w->valid;
		entry_set(w, cur, unused_update, 0, 1);
		entry_set(w, cur, target, 1, NUM_ENTRY_QWORDS - 1);
		entry_set(w, cur, target, 0, 1);
	} else {
		entry_set(w, cur, target, 0, NUM_ENTRY_QWORDS);
	}
}

/* ---- the stream table ------------------------------------------------------- */

static u64 ste_addr(const struct arm_smmu_device *smmu, u32 sid)
{
	const struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;

	if (!(smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB))
		return cfg->strtab_dma + (u64)sid * STRTAB_STE_DWORDS * 8;
	return cfg->l2_dma[sid >> STRTAB_SPLIT] +
	       (u64)(sid & ((1u << STRTAB_SPLIT) - 1)) * STRTAB_STE_DWORDS * 8;
}

static void init_initial_stes(u64 table, unsigned nent)
{
	u64 ste[NUM_ENTRY_QWORDS];

	arm_smmu_make_abort_ste(ste);
	for (unsigned i = 0; i < nent; i++)
		arm_smmu_write_qword(table + (u64)i * STRTAB_STE_DWORDS * 8, ste[0]);
}

bool arm_smmu_sid_in_range(const struct arm_smmu_device *smmu, u32 sid)
{
	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB)
		return (sid >> STRTAB_SPLIT) < smmu->strtab_cfg.num_l1_ents;
	return sid < smmu->strtab_cfg.num_l1_ents;
}

int arm_smmu_init_sid_strtab(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned order = get_order((1u << STRTAB_SPLIT) * STRTAB_STE_DWORDS * 8);
	u32 l1 = sid >> STRTAB_SPLIT;
	u64 l2;

	if (!arm_smmu_sid_in_range(smmu, sid))
		return -ERANGE;
	if (!(smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB) || cfg->l2_dma[l1])
		return 0;
	l2 = arm_smmu_alloc_zeroed(order);
	if (!l2) {
		dev_err(smmu->dev, "failed to allocate l2 stream table for SID %u", sid);
		return -ENOMEM;
	}
	init_initial_stes(l2, 1u << STRTAB_SPLIT);
	cfg->l2_dma[l1] = l2;
	/* The descriptor goes in last: the SMMU never sees a half-built table. */
	arm_smmu_write_qword(cfg->strtab_dma + (u64)l1 * 8,
			     (l2 & STRTAB_L1_DESC_L2PTR_MASK) | (STRTAB_SPLIT + 1));
	return 0;
}

static int init_strtab_2lvl(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned size = MIN(STRTAB_L1_SZ_SHIFT - 3, smmu->sid_bits - STRTAB_SPLIT);
	u32 l1size;

	cfg->num_l1_ents = 1u << size;
	size += STRTAB_SPLIT;
	if (size < smmu->sid_bits)
		dev_warn(smmu->dev, "2-level strtab only covers %u/%u bits of SID", size,
			 smmu->sid_bits);
	l1size = cfg->num_l1_ents * 8;
	cfg->order = get_order(l1size);
	cfg->strtab_dma = arm_smmu_alloc_zeroed(cfg->order);
	if (!cfg->strtab_dma) {
		dev_err(smmu->dev, "failed to allocate l1 stream table (%u bytes)", l1size);
		return -ENOMEM;
	}
	cfg->strtab_base_cfg = (STRTAB_BASE_CFG_FMT_2LVL << STRTAB_BASE_CFG_FMT_SHIFT) |
			       (STRTAB_SPLIT << STRTAB_BASE_CFG_SPLIT_SHIFT) | size;
	cfg->l2_dma = kcalloc(cfg->num_l1_ents, sizeof(*cfg->l2_dma));
	return cfg->l2_dma ? 0 : -ENOMEM;
}

static int init_strtab_linear(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	u64 size = (1ull << smmu->sid_bits) * STRTAB_STE_DWORDS * 8;

	cfg->order = get_order(size);
	cfg->strtab_dma = arm_smmu_alloc_zeroed(cfg->order);
	if (!cfg->strtab_dma) {
		dev_err(smmu->dev, "failed to allocate linear stream table (%llu bytes)",
			(unsigned long long)size);
		return -ENOMEM;
	}
	cfg->num_l1_ents = 1u << smmu->sid_bits;
	cfg->strtab_base_cfg = smmu->sid_bits;
	init_initial_stes(cfg->strtab_dma, cfg->num_l1_ents);
	return 0;
}

int arm_smmu_init_strtab(struct arm_smmu_device *smmu)
{
	int ret;

	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB)
		ret = init_strtab_2lvl(smmu);
	else
		ret = init_strtab_linear(smmu);
	if (ret)
		return ret;
	smmu->strtab_cfg.strtab_base = (smmu->strtab_cfg.strtab_dma & STRTAB_BASE_ADDR_MASK) |
				       STRTAB_BASE_RA;
	return 0;
}

void arm_smmu_free_strtab(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab_cfg *cfg = &smmu->strtab_cfg;
	unsigned l2_order = get_order((1u << STRTAB_SPLIT) * STRTAB_STE_DWORDS * 8);

	if (cfg->l2_dma) {
		for (u32 i = 0; i < cfg->num_l1_ents; i++)
			if (cfg->l2_dma[i])
				free_pages_phys(cfg->l2_dma[i], l2_order);
		kfree(cfg->l2_dma);
	}
	if (cfg->strtab_dma)
		free_pages_phys(cfg->strtab_dma, cfg->order);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- STE and CD writes with their invalidations ----------------------------------- */

static void ste_sync(struct entry_writer *w)
{
	struct arm_smmu_master *master = w->master;
	struct arm_smmu_device *smmu = master->smmu;
	struct arm_smmu_cmdq_ent cmd = { .opcode = CMDQ_OP_CFGI_STE, .leaf = true };

	/* The writer runs once per SID: the entry is @w->entry's SID. */
	for (unsigned i = 0; i < master->num_streams; i++)
		if (ste_addr(smmu, master->sids[i]) == w->entry) {
			cmd.sid = master->sids[i];
			arm_smmu_cmdq_issue_cmd(smmu, &cmd, true);
			return;
		}
}

void arm_smmu_install_ste_for_dev(struct arm_smmu_master *master, const u64 *target)
{
	struct arm_smmu_device *smmu = master->smmu;

	for (unsigned i = 0; i < master->num_streams; i++) {
		struct entry_writer w = {
			.master = master, .entry = ste_addr(smmu, master->sids[i]),
			.valid = STRTAB_STE_0_V, .used = ste_used, .sync = ste_sync,
		};
		struct arm_smmu_cmdq_ent prefetch = {
			.opcode = CMDQ_OP_PREFETCH_CFG, .sid = master->sids[i],
		};

		/* A SID listed twice by one master (a PCI alias) is one STE. */
		bool dup = false;
		for (unsigned j = 0; j < i; j++)
			dup |= master->sids[j] == master->sids[i];
		if (dup)
			continue;
		write_entry(&w, target);
		if (!(smmu->options & ARM_SMMU_OPT_SKIP_PREFETCH))
			arm_smmu_cmdq_issue_cmd(smmu, &prefetch, false);
	}
}

static void cd_sync(struct entry_writer *w)
{
	struct arm_smmu_master *master = w->master;
	struct arm_smmu_cmdq_batch batch = { .num = 0 };

	for (unsigned i = 0; i < master->num_streams; i++) {
		struct arm_smmu_cmdq_ent cmd = {
			.opcode = CMDQ_OP_CFGI_CD, .sid = master->sids[i], .ssid = 0, .leaf = true,
		};

		arm_smmu_cmdq_batch_add(master->smmu, &batch, &cmd);
	}
	arm_smmu_cmdq_batch_submit(master->smmu, &batch);
}

int arm_smmu_write_cd0(struct arm_smmu_master *master, const u64 *target)
{
	u64 clear[NUM_ENTRY_QWORDS] = { 0 };
	struct entry_writer w = {
		.master = master, .valid = CTXDESC_CD_0_V, .used = cd_used, .sync = cd_sync,
	};

	if (!master->cd_table) {
		if (!target)
			return 0;
		/* One CD (S1CDMax 0): a page is the allocator's smallest. */
		master->cd_table = arm_smmu_alloc_zeroed(0);
		if (!master->cd_table)
			return -ENOMEM;
	}
	w.entry = master->cd_table;
	write_entry(&w, target ? target : clear);
	return 0;
}

void arm_smmu_free_cd_table(struct arm_smmu_master *master)
{
	if (master->cd_table)
		free_pages_phys(master->cd_table, 0);
	master->cd_table = 0;
}
