/*
 * arm-smmu-v3: the command queue. Commands go into the queue in memory,
 * PROD is published, and a CMD_SYNC is complete once the SMMU's CONS has
 * passed it. Without MSI polling CS = SEV and the driver polls CONS; with
 * it (ARM_SMMU_OPT_MSIPOLL: IDR0.MSI on a coherent SMMU, unless
 * arm-smmu-v3.disable_msipolling) CS = IRQ, MSIADDR = the CMD_SYNC's own
 * slot and MSIDATA = 0: the SMMU's completion write zeroes the slot's
 * first word, which the driver polls (Linux's
 * __arm_smmu_cmdq_poll_until_msi). The lab has one CPU, so Linux's
 * lock-free multi-producer protocol reduces to writing the entries and
 * then PROD.
 */
#include <errno.h>

#include "kernel/kernel.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/arm-smmu-v3.h"

static u32 q_idx(const struct arm_smmu_queue *q, u32 p)
{
	return p & ((1u << q->max_n_shift) - 1);
}

static u32 q_wrp(const struct arm_smmu_queue *q, u32 p)
{
	return p & (1u << q->max_n_shift);
}

static u32 q_inc(const struct arm_smmu_queue *q, u32 p)
{
	u32 next = (q_wrp(q, p) | q_idx(q, p)) + 1;

	return q_wrp(q, next) | q_idx(q, next);
}

static bool q_full(const struct arm_smmu_queue *q)
{
	return q_idx(q, q->prod) == q_idx(q, q->cons) && q_wrp(q, q->prod) != q_wrp(q, q->cons);
}

/* Has CONS moved past the entry at @prod? */
static bool q_consumed(const struct arm_smmu_queue *q, u32 prod)
{
	if (q_wrp(q, q->cons) == q_wrp(q, prod))
		return q_idx(q, q->cons) > q_idx(q, prod);
	return q_idx(q, q->cons) <= q_idx(q, prod);
}

static u64 q_entry(const struct arm_smmu_queue *q, u32 p)
{
	return q->base_dma + (u64)q_idx(q, p) * q->ent_dwords * 8;
}

static void build_cmd(u64 *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	cmd[0] = ent->opcode;
	cmd[1] = 0;
	switch (ent->opcode) {
	case CMDQ_OP_PREFETCH_CFG:
		cmd[0] |= (u64)ent->sid << 32;
		break;
	case CMDQ_OP_CFGI_CD:
		cmd[0] |= (u64)(ent->ssid & 0xfffff) << 12;
		/* fallthrough */
	case CMDQ_OP_CFGI_STE:
		cmd[0] |= (u64)ent->sid << 32;
		cmd[1] |= ent->leaf;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		cmd[0] |= (u64)ent->sid << 32;
		break;
	case CMDQ_OP_CFGI_ALL:
		cmd[1] |= 31;   /* RANGE: the whole SID space */
		break;
	case CMDQ_OP_TLBI_NH_VA:
		cmd[0] |= (u64)ent->asid << 48;
		cmd[1] |= ent->leaf | (ent->addr & GENMASK_ULL(63, 12));
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		cmd[0] |= (u64)ent->asid << 48;
		break;
	case CMDQ_OP_CMD_SYNC:
		/* ent->addr: the MSI polling address, 0 without. */
		cmd[0] |= ((u64)(ent->addr ? CMDQ_SYNC_0_CS_IRQ : CMDQ_SYNC_0_CS_SEV)
			   << CMDQ_SYNC_0_CS_SHIFT) |
			  ((u64)ARM_SMMU_SH_ISH << CMDQ_SYNC_0_MSH_SHIFT) |
			  ((u64)ARM_SMMU_MEMATTR_OIWB << CMDQ_SYNC_0_MSIATTR_SHIFT);
		cmd[1] |= ent->addr & CMDQ_SYNC_1_MSIADDR_MASK;
		break;
	}
}

/* Room for one more entry: re-read CONS while the queue looks full. */
static int wait_for_space(struct arm_smmu_device *smmu)
{
	struct arm_smmu_queue *q = &smmu->cmdq;

	for (unsigned i = 0; q_full(q); i++) {
		if (i == ARM_SMMU_POLL_READS) {
			dev_err(smmu->dev, "CMDQ timeout");
			return -ETIMEDOUT;
		}
		q->cons = readl(q->cons_reg) & ((2u << q->max_n_shift) - 1);
	}
	return 0;
}

/* MSI polling: the CMD_SYNC's first word becomes its MSIDATA, 0. */
static bool sync_msi_done(struct arm_smmu_device *smmu, u32 sync_prod)
{
	struct arm_smmu_queue *q = &smmu->cmdq;

	if (!(u32)arm_smmu_read_qword(q_entry(q, sync_prod))) {
		q->cons = readl(q->cons_reg) & ((2u << q->max_n_shift) - 1);
		return true;
	}
	return false;
}

static int poll_sync(struct arm_smmu_device *smmu, u32 sync_prod)
{
	struct arm_smmu_queue *q = &smmu->cmdq;
	bool msi = smmu->options & ARM_SMMU_OPT_MSIPOLL;

	for (unsigned i = 0; i < ARM_SMMU_POLL_READS; i++) {
		if (msi) {
			if (sync_msi_done(smmu, sync_prod))
				return 0;
			continue;
		}
		q->cons = readl(q->cons_reg) & ((2u << q->max_n_shift) - 1);
		if (q_consumed(q, sync_prod))
			return 0;
	}
	dev_err(smmu->dev, "CMD_SYNC timeout at 0x%08x [hwprod 0x%08x, hwcons 0x%08x]",
		sync_prod, readl(q->prod_reg), readl(q->cons_reg));
	return -ETIMEDOUT;
}

/* Linux's arm_smmu_cmdq_issue_cmdlist: @n built commands, then a CMD_SYNC if @sync. */
static int issue_cmdlist(struct arm_smmu_device *smmu, const u64 *cmds, unsigned n, bool sync)
{
	struct arm_smmu_queue *q = &smmu->cmdq;
	struct arm_smmu_cmdq_ent sync_ent = { .opcode = CMDQ_OP_CMD_SYNC };
	u64 sync_cmd[CMDQ_ENT_DWORDS];
	u32 sync_prod = 0;
	int ret;

	for (unsigned i = 0; i < n + sync; i++) {
		const u64 *c = i < n ? &cmds[i * CMDQ_ENT_DWORDS] : sync_cmd;

		ret = wait_for_space(smmu);
		if (ret)
			return ret;
		if (i == n) {
			/* arm_smmu_cmdq_build_sync_cmd: MSI polling targets its own slot. */
			sync_prod = q->prod;
			if (smmu->options & ARM_SMMU_OPT_MSIPOLL)
				sync_ent.addr = q_entry(q, sync_prod);
			build_cmd(sync_cmd, &sync_ent);
		}
		arm_smmu_write_qword(q_entry(q, q->prod), c[0]);
		arm_smmu_write_qword(q_entry(q, q->prod) + 8, c[1]);
		q->prod = q_inc(q, q->prod);
		/* Publish before the queue fills, so the SMMU makes room. */
		if (q_full(q))
			writel(q->prod, q->prod_reg);
	}
	writel(q->prod, q->prod_reg);
	return sync ? poll_sync(smmu, sync_prod) : 0;
}

int arm_smmu_cmdq_issue_cmd(struct arm_smmu_device *smmu, const struct arm_smmu_cmdq_ent *ent,
			    bool sync)
{
	u64 cmd[CMDQ_ENT_DWORDS];

	build_cmd(cmd, ent);
	return issue_cmdlist(smmu, cmd, 1, sync);
}

void arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b,
			     const struct arm_smmu_cmdq_ent *ent)
{
	if (b->num == CMDQ_BATCH_ENTRIES) {
		issue_cmdlist(smmu, b->cmds, b->num, false);
		b->num = 0;
	}
	build_cmd(&b->cmds[b->num * CMDQ_ENT_DWORDS], ent);
	b->num++;
}

int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu, struct arm_smmu_cmdq_batch *b)
{
	int ret = issue_cmdlist(smmu, b->cmds, b->num, true);

	b->num = 0;
	return ret;
}

void arm_smmu_cmdq_skip_err(struct arm_smmu_device *smmu)
{
	static const char *const cerror_str[] = {
		[CMDQ_ERR_CERROR_NONE_IDX] = "No error",
		[CMDQ_ERR_CERROR_ILL_IDX] = "Illegal command",
		[CMDQ_ERR_CERROR_ABT_IDX] = "Abort on command fetch",
		[CMDQ_ERR_CERROR_ATC_INV_IDX] = "ATC invalidate timeout",
	};
	struct arm_smmu_queue *q = &smmu->cmdq;
	struct arm_smmu_cmdq_ent sync_ent = { .opcode = CMDQ_OP_CMD_SYNC };
	u32 cons = readl(q->cons_reg);
	u32 idx = (cons >> CMDQ_CONS_ERR_SHIFT) & CMDQ_CONS_ERR_MASK;
	u64 cmd[CMDQ_ENT_DWORDS];

	dev_err(smmu->dev, "CMDQ error (cons 0x%08x): %s", cons,
		idx < ARRAY_SIZE(cerror_str) ? cerror_str[idx] : "Unknown");
	switch (idx) {
	case CMDQ_ERR_CERROR_ABT_IDX:
		dev_err(smmu->dev, "retrying command fetch");
		return;
	case CMDQ_ERR_CERROR_NONE_IDX:
	case CMDQ_ERR_CERROR_ATC_INV_IDX:
		return;
	}
	cmd[0] = arm_smmu_read_qword(q_entry(q, cons));
	cmd[1] = arm_smmu_read_qword(q_entry(q, cons) + 8);
	dev_err(smmu->dev, "skipping command in error state:");
	for (unsigned i = 0; i < CMDQ_ENT_DWORDS; i++)
		dev_err(smmu->dev, "\t0x%016llx", (unsigned long long)cmd[i]);
	/* The SMMU retries the entry at CONS: make it a harmless CMD_SYNC. */
	build_cmd(cmd, &sync_ent);
	arm_smmu_write_qword(q_entry(q, cons), cmd[0]);
	arm_smmu_write_qword(q_entry(q, cons) + 8, cmd[1]);
}
