/*
 * The SMMUv3 model's command queue: commands run in order, from CONS to
 * PROD, as soon as the driver moves PROD (or enables the queue, or
 * acknowledges an error), and each takes effect before the next; a
 * CMD_SYNC therefore completes when CONS passes it. An illegal command
 * or a queue entry outside RAM stops the queue with CONS on it, the
 * error code in CONS.ERR and GERROR.CMDQ_ERR active, until the driver
 * acknowledges through GERRORN.
 */
#include "hw/arm_smmu_v3_priv.h"

#define CMD_OP(c)		((unsigned)((c)[0] & 0xff))
#define CMD_SID(c)		((u32)((c)[0] >> 32))
#define CMD_ASID(c)		((u16)((c)[0] >> 48))
#define CMD_LEAF(c)		((c)[1] & 1)
#define CMD_RANGE(c)		((unsigned)((c)[1] & 0x1f))
#define CMD_TLBI_TG(c)		((unsigned)(((c)[1] >> 10) & 3))
#define CMD_TLBI_VA(c)		((c)[1] & GENMASK_ULL(63, 12))
#define CMD_SYNC_CS(c)		((unsigned)(((c)[0] >> 12) & 3))
#define CMD_SYNC_MSIDATA(c)	((u32)((c)[0] >> 32))
enum { CS_NONE = 0, CS_IRQ = 1, CS_SEV = 2 };

/* The stream IDs [first, last] a CFGI_STE_RANGE names: an aligned block of 2^(RANGE+1). */
static void cfgi_range(struct arm_smmu_v3 *s, u32 sid, unsigned range)
{
	u64 n = 1ull << (range + 1);
	u64 first = sid & ~(n - 1);

	s->stats.cfgi_ste_range++;
	if (range == 31) {
		s->stats.cfgi_all++;
		v3_cfg_inv_all(s);
		return;
	}
	v3_cfg_inv_range(s, (u32)first, (u32)MIN(first + n - 1, 0xffffffffull));
}

/* A TLBI by VA: the VA is sign-extended from bit 55 as the architecture asks. */
static void tlbi_va(struct arm_smmu_v3 *s, const u64 *c, bool all_asid)
{
	u64 va = CMD_TLBI_VA(c);

	if (va & BIT_ULL(55))
		va |= GENMASK_ULL(63, 56);
	s->stats.tlbi_nh_va++;
	smmu_iotlb_inv_va(&s->common.tlb, V3_TLB_CTX, va, CMD_ASID(c), all_asid);
}

/*
 * CMD_SYNC: every earlier command has taken effect. CS=IRQ writes MSIDATA
 * to MSIADDR when the SMMU has MSIs and an address is given (posted or
 * aborted: arm_smmu_v3_msi.c), else raises cmdq-sync.
 */
static void cmd_sync(struct arm_smmu_v3 *s, const u64 *c)
{
	unsigned cs = CMD_SYNC_CS(c);
	u64 addr = c[1] & V3_MSI_ADDR;

	s->stats.sync++;
	if (cs == CS_IRQ && s->msi && addr) {
		v3_msi_post(s, V3_MSI_CMDQ, addr, CMD_SYNC_MSIDATA(c));
		return;
	}
	if (cs == CS_IRQ) {
		hw_irq_line_set(s->common.m, &s->irq_sync, true);
		hw_irq_line_set(s->common.m, &s->irq_sync, false);
	}
}

/*
 * Runs one command. Returns its CERROR: ILL for opcodes the model does not
 * implement (stage 2, EL2, ATS, PRI and stall features are absent from the
 * ID registers) and for reserved field values.
 */
static unsigned run_cmd(struct arm_smmu_v3 *s, const u64 *c)
{
	switch (CMD_OP(c)) {
	case V3_CMD_PREFETCH_CONFIG:
	case V3_CMD_PREFETCH_ADDR:
		s->stats.prefetch++;   /* a hint: the model fetches on use */
		return V3_CERROR_NONE;
	case V3_CMD_CFGI_STE:
		s->stats.cfgi_ste++;
		v3_cfg_inv_range(s, CMD_SID(c), CMD_SID(c));
		return V3_CERROR_NONE;
	case V3_CMD_CFGI_STE_RANGE:
		cfgi_range(s, CMD_SID(c), CMD_RANGE(c));
		return V3_CERROR_NONE;
	case V3_CMD_CFGI_CD:
		/* The CD is cached with its STE: dropping the stream drops both. */
		s->stats.cfgi_cd++;
		v3_cfg_inv_range(s, CMD_SID(c), CMD_SID(c));
		return V3_CERROR_NONE;
	case V3_CMD_CFGI_CD_ALL:
		s->stats.cfgi_cd_all++;
		v3_cfg_inv_range(s, CMD_SID(c), CMD_SID(c));
		return V3_CERROR_NONE;
	case V3_CMD_TLBI_NH_ALL:
		s->stats.tlbi_nh_all++;
		smmu_iotlb_inv_ctx(&s->common.tlb, V3_TLB_CTX);
		return V3_CERROR_NONE;
	case V3_CMD_TLBI_NH_ASID:
		s->stats.tlbi_nh_asid++;
		smmu_iotlb_inv_asid(&s->common.tlb, V3_TLB_CTX, CMD_ASID(c));
		return V3_CERROR_NONE;
	case V3_CMD_TLBI_NH_VA:
	case V3_CMD_TLBI_NH_VAA:
		if (CMD_TLBI_TG(c))
			return V3_CERROR_ILL;   /* a range: IDR3.RIL = 0 */
		tlbi_va(s, c, CMD_OP(c) == V3_CMD_TLBI_NH_VAA);
		return V3_CERROR_NONE;
	case V3_CMD_TLBI_NSNH_ALL:
		s->stats.tlbi_nsnh_all++;
		smmu_iotlb_inv_all(&s->common.tlb);
		return V3_CERROR_NONE;
	case V3_CMD_SYNC:
		if (CMD_SYNC_CS(c) == 3)
			return V3_CERROR_ILL;
		cmd_sync(s, c);
		return V3_CERROR_NONE;
	}
	return V3_CERROR_ILL;
}

static bool cmdq_stopped(const struct arm_smmu_v3 *s)
{
	return !(s->cr0 & V3_CR0_CMDQEN) ||
	       ((s->gerror ^ s->gerrorn) & V3_GERROR_CMDQ_ERR);
}

static void cmdq_error(struct arm_smmu_v3 *s, unsigned cerror)
{
	s->stats.cmd_errors++;
	s->cmdq.cons = (s->cmdq.cons & ~GENMASK(30, 24)) | (cerror << V3_CMDQ_CONS_ERR_SHIFT);
	v3_gerror_toggle(s, V3_GERROR_CMDQ_ERR);
}

/*
 * A CMD_SYNC completes only once its MSI is on its way: with the posted
 * MSIs' slots taken, the queue waits for them to drain (v3_msi_flush
 * resumes it).
 */
void v3_cmdq_consume(struct arm_smmu_v3 *s)
{
	unsigned shift = v3_q_shift(&s->cmdq, s->cmdq_shift);
	u64 base = s->cmdq.base & V3_Q_BASE_ADDR;

	while (!cmdq_stopped(s) && !v3_q_empty(s->cmdq.prod, s->cmdq.cons, shift)) {
		u64 cmd[2];
		unsigned err;

		if (v3_msi_cmdq_must_wait(s)) {
			s->cmdq_stalled = true;
			return;
		}

		if (hw_mem_read(s->common.m, base + (u64)v3_q_idx(s->cmdq.cons, shift) * 16,
				cmd, sizeof(cmd))) {
			cmdq_error(s, V3_CERROR_ABT);
			return;
		}
		err = run_cmd(s, cmd);
		if (err) {
			cmdq_error(s, err);
			return;
		}
		s->cmdq.cons = v3_q_inc(s->cmdq.cons, shift);
	}
}
