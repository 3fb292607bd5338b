/*
 * The SMMUv3 model's MSI writes on a bare machine (IDR0.MSI through the
 * `iommulab,msi` knob, no interrupt controller that takes MSIs): where
 * each kind of address sends the event queue's, global errors' and
 * CMD_SYNC's writes, and that hostile addresses end in architected
 * outcomes. An address inside the SMMU's own register window aborts
 * (GERROR.MSI_*_ABT_ERR), as does one nothing decodes; a write to a peer's
 * registers is posted: it reaches the peer after the SMMU has finished
 * what it was doing, so a peer that writes back into the SMMU finds it
 * consistent, and a storm of such round trips is cut.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/dt.h"

#define PEER 0x0b000000ull      /* the test's register-relay peer */
#define NOWHERE 0x0c000000ull   /* nothing decodes it */
#define ENABLE (CMDQEN | EVTQEN | SMMUEN)

#define MSI_CMDQ_ABT (1u << 4)
#define MSI_EVTQ_ABT (1u << 5)
#define MSI_GERROR_ABT (1u << 7)

#define FREE_RAM (RAM_BASE + 0x800000)   /* no structure of the test's */

#define SYNC_MSI(data) (0x46ull | (1ull << 12) | (u64)(u32)(data) << 32)

struct t {
	struct machine *m;
	struct hw_iommu *iommu;
	u32 cmd_prod;
	/* The relay peer: what it saw and what it does. */
	unsigned relayed;
	u32 cons_seen;          /* CMDQ_CONS when the MSI reached the peer */
	u32 relay_off;          /* the SMMU register it writes the data to */
};

#include "smmuv3_test.h"

/* A peer whose register writes land in the SMMU's (a bridge, a rogue device). */
static u64 relay_read(void *opaque, u64 off, unsigned size)
{
	return 0;
}

static void relay_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct t *t = opaque;
	u64 cons = 0;

	t->relayed++;
	hw_mmio_read(t->m, SMMU + CMDQ_CONS, 4, &cons);
	t->cons_seen = (u32)cons;
	if (t->relay_off)
		hw_mmio_write(t->m, SMMU + t->relay_off, 4, val);
}

static const struct hw_mmio_ops relay_ops = { .read = relay_read, .write = relay_write };

static int setup(void **state)
{
	struct t *t = smmuv3_test_new(16, true);

	assert_int_equal(hw_mmio_map(t->m, PEER, 0x1000, &relay_ops, t, "relay"), 0);
	enable(t, false);
	*state = t;
	return 0;
}

/* A stream with no valid STE: one event record. */
static void fault(struct t *t)
{
	struct hw_xlate x;

	assert_int_equal(t->iommu->ops->translate(t->iommu, 1, 0x1000, HW_READ, &x), -EFAULT);
}

/* The registers a hostile MSI may aim at, with what they hold after setup. */
static const u32 own_regs[] = {
	CR0, IRQ_CTRL, GERRORN, CMDQ_PROD, CMDQ_CONS, EVTQ_PROD, EVTQ_CONS,
	GERROR_IRQ_CFG0, EVTQ_IRQ_CFG1, STRTAB_BASE_CFG,
};

/* ---- CMD_SYNC --------------------------------------------------------- */

/*
 * A CMD_SYNC whose MSI is aimed at one of the SMMU's own registers: the
 * write aborts (MSI_CMDQ_ABT_ERR), the SYNC still completes, nothing moves.
 */
static void test_sync_msi_own_registers(void **state)
{
	struct t *t = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(own_regs); i++) {
		u32 before = r32(t, own_regs[i]);
		struct arm_smmu_v3_stats a = stats(t), b;

		/* Data that would restart, wrap or switch off whatever it hit. */
		cmd(t, SYNC_MSI(t->cmd_prod ^ (1u << CMDQ_SHIFT)), SMMU + own_regs[i]);
		b = stats(t);
		assert_int_equal(b.sync - a.sync, 1);
		assert_int_equal(b.msi_aborts - a.msi_aborts, 1);
		assert_int_equal(r32(t, CMDQ_CONS), t->cmd_prod);
		assert_int_equal(r32(t, CR0ACK), ENABLE);
		if (own_regs[i] != CMDQ_PROD && own_regs[i] != CMDQ_CONS)
			assert_int_equal(r32(t, own_regs[i]), before);
		assert_int_equal((r32(t, GERROR) ^ r32(t, GERRORN)), MSI_CMDQ_ABT);
		assert_true(hw_irq_level(t->m, GERR_IRQ));
		w32(t, GERRORN, r32(t, GERROR));
		assert_false(hw_irq_level(t->m, GERR_IRQ));
	}
}

/* The same through the SMMU's page-1 alias and the last word of its window. */
static void test_sync_msi_own_window_edges(void **state)
{
	struct t *t = *state;

	cmd(t, SYNC_MSI(0), SMMU + 0x20000 - 4);
	cmd(t, SYNC_MSI(0), SMMU + 0x10000);
	assert_int_equal(stats(t).msi_aborts, 2);
	assert_int_equal(r32(t, CMDQ_CONS), t->cmd_prod);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), MSI_CMDQ_ABT);
}

/* ---- the event queue and global errors --------------------------------- */

/* The event queue's MSI aimed at the SMMU's registers: aborts, changes nothing. */
static void test_evtq_msi_own_registers(void **state)
{
	struct t *t = *state;

	for (unsigned i = 0; i < ARRAY_SIZE(own_regs); i++) {
		u32 before = r32(t, own_regs[i]);

		if (own_regs[i] == EVTQ_PROD || own_regs[i] == EVTQ_IRQ_CFG1)
			continue;   /* the event moves PROD; CFG1 is the data */
		w64(t, EVTQ_IRQ_CFG0, SMMU + own_regs[i]);
		w32(t, EVTQ_IRQ_CFG1, 0);
		fault(t);
		assert_int_equal(r32(t, own_regs[i]), own_regs[i] == EVTQ_IRQ_CFG1 ? 0 : before);
		assert_int_equal(r32(t, IRQ_CTRL), 5);
		assert_int_equal(r32(t, CR0ACK), ENABLE);
		assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), MSI_EVTQ_ABT);
		assert_true(hw_irq_level(t->m, GERR_IRQ));
		assert_false(hw_irq_level(t->m, EVTQ_IRQ));
		/* Consume the record and acknowledge: ready for the next rising edge. */
		w32(t, EVTQ_CONS, r32(t, EVTQ_PROD));
		w32(t, GERRORN, r32(t, GERROR));
	}
	assert_int_equal(stats(t).msi_aborts, ARRAY_SIZE(own_regs) - 2);
}

/* The global-error MSI aimed at GERRORN would acknowledge its own error. */
static void test_gerror_msi_own_registers(void **state)
{
	struct t *t = *state;

	w64(t, GERROR_IRQ_CFG0, SMMU + GERRORN);
	w32(t, GERROR_IRQ_CFG1, 0xffffffff);
	cmd(t, 0x7f, 0);             /* illegal: CMDQ_ERR */
	assert_int_equal(r32(t, GERRORN), 0);
	assert_int_equal(r32(t, GERROR), 1u | MSI_GERROR_ABT);
	assert_int_equal(r32(t, CMDQ_CONS), 1u << 24);   /* stopped on it, CERROR_ILL */
	assert_int_equal(stats(t).cmd_errors, 1);
	assert_int_equal(stats(t).msi_aborts, 1);
	/* Aimed at CMDQ_PROD: the next error's MSI would restart the queue. */
	w64(t, GERROR_IRQ_CFG0, SMMU + CMDQ_PROD);
	assert_int_equal(hw_mem_write(t->m, CMDQ, &(u64){ 0x46 }, 8), 0);
	w32(t, GERRORN, r32(t, GERROR));     /* restarts: the SYNC in slot 0 */
	assert_int_equal(r32(t, CMDQ_CONS), 1);
	cmd(t, 0x7f, 0);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), 1u | MSI_GERROR_ABT);
	assert_int_equal(r32(t, CMDQ_CONS), 1u | (1u << 24));
	assert_int_equal(stats(t).cmd_errors, 2);
	assert_int_equal(stats(t).msi_aborts, 2);
}

/* ---- addresses nothing decodes ------------------------------------------ */

static void test_absent_target_all_sources(void **state)
{
	struct t *t = *state;

	cmd(t, SYNC_MSI(1), NOWHERE);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), MSI_CMDQ_ABT);
	w32(t, GERRORN, r32(t, GERROR));
	/* Just past the end of RAM. */
	cmd(t, SYNC_MSI(1), RAM_BASE + RAM_SIZE);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), MSI_CMDQ_ABT);
	w32(t, GERRORN, r32(t, GERROR));

	w64(t, EVTQ_IRQ_CFG0, NOWHERE);
	fault(t);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), MSI_EVTQ_ABT);
	/* The abort's global error is on its wired line; the event queue's is not. */
	assert_true(hw_irq_level(t->m, GERR_IRQ));
	assert_false(hw_irq_level(t->m, EVTQ_IRQ));
	w32(t, GERRORN, r32(t, GERROR));

	w64(t, GERROR_IRQ_CFG0, NOWHERE + 0x40);
	cmd(t, 0x7f, 0);
	assert_int_equal(r32(t, GERROR) ^ r32(t, GERRORN), 1u | MSI_GERROR_ABT);
	assert_int_equal(stats(t).msi_aborts, 4);
	assert_int_equal(stats(t).msi, 4);
	assert_int_equal(stats(t).msi_ram, 0);
}

/* ---- RAM ------------------------------------------------------------------ */

/*
 * An MSI into RAM is a plain write, as an event record is: counted
 * (msi_ram), wherever it lands, whoever owns that memory.
 */
static void test_ram_msi_counted(void **state)
{
	struct t *t = *state;

	cmd(t, SYNC_MSI(0x1234), FREE_RAM);
	assert_int_equal(mem32(t, FREE_RAM), 0x1234);
	/* msipolling: zero into the SYNC's own slot. */
	cmd(t, SYNC_MSI(0), CMDQ + (t->cmd_prod & 15) * 16ull);
	assert_int_equal(mem32(t, CMDQ + ((t->cmd_prod - 1) & 15) * 16ull), 0);
	w64(t, EVTQ_IRQ_CFG0, FREE_RAM + 4);
	w32(t, EVTQ_IRQ_CFG1, 0x5678);
	fault(t);
	assert_int_equal(mem32(t, FREE_RAM + 4), 0x5678);
	assert_int_equal(stats(t).msi, 3);
	assert_int_equal(stats(t).msi_ram, 3);
	assert_int_equal(stats(t).msi_aborts, 0);
	assert_int_equal(r32(t, GERROR), 0);
}

/* ---- a peer that writes back into the SMMU ---------------------------- */

/* The MSI reaches the peer after the SYNC has completed (a posted write). */
static void test_peer_sees_completed_sync(void **state)
{
	struct t *t = *state;

	cmd(t, SYNC_MSI(7), PEER);
	assert_int_equal(t->relayed, 1);
	assert_int_equal(t->cons_seen, t->cmd_prod);
	assert_int_equal(stats(t).msi_aborts, 0);
}

/*
 * The peer turns the SYNC's MSI into a CMDQ_PROD write that refills the
 * whole queue: commands run again and again, each round's MSI restarting
 * it. The model neither recurses nor loops forever: after a bounded number
 * of round trips its MSIs abort (MSI_CMDQ_ABT_ERR).
 */
static void test_peer_restarts_cmdq(void **state)
{
	struct t *t = *state;
	u32 wrap = 1u << CMDQ_SHIFT;

	t->relay_off = CMDQ_PROD;
	for (unsigned i = 0; i < wrap; i++)
		put_cmd(t, SYNC_MSI((i + 1 + wrap) & (2 * wrap - 1)), PEER);
	w32(t, CMDQ_PROD, t->cmd_prod);   /* full: every slot once */
	assert_true(t->relayed > 0);
	/* 64 round trips, then the 16 SYNCs the last one queued abort. */
	assert_int_equal(t->relayed, 65);
	assert_int_equal(stats(t).msi_aborts, 16);
	assert_true((r32(t, GERROR) ^ r32(t, GERRORN)) & MSI_CMDQ_ABT);
	assert_int_equal(r32(t, CMDQ_CONS), r32(t, CMDQ_PROD));
	assert_int_equal(r32(t, CR0ACK), ENABLE);
}

/* The peer writes the event queue's MSI data into IRQ_CTRL. */
static void test_peer_writes_irq_ctrl(void **state)
{
	struct t *t = *state;

	t->relay_off = IRQ_CTRL;
	w64(t, EVTQ_IRQ_CFG0, PEER);
	w32(t, EVTQ_IRQ_CFG1, 4);    /* EVTQ only: the record's edge */
	fault(t);
	assert_int_equal(t->relayed, 1);
	assert_int_equal(r32(t, IRQ_CTRL), 4);
	assert_int_equal(r32(t, GERROR), 0);
	/* A peer toggling EVTQ_IRQEN off each time: no storm either. */
	w32(t, EVTQ_CONS, r32(t, EVTQ_PROD));
	w32(t, IRQ_CTRL, 5);
	w32(t, EVTQ_IRQ_CFG1, 1);
	fault(t);
	assert_int_equal(t->relayed, 2);
	assert_int_equal(r32(t, IRQ_CTRL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_msi_own_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_msi_own_window_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evtq_msi_own_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gerror_msi_own_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_target_all_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_msi_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_sees_completed_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_restarts_cmdq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_writes_irq_ctrl, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
