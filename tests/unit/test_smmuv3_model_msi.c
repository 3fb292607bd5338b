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

#include "hw_test_fdt.h"
#include "common/dt.h"
#include "hw/hw_internal.h"
#include "hw/arm_smmu_v3.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull
#define SMMU 0x09050000ull
#define PEER 0x0b000000ull      /* the test's register-relay peer */
#define NOWHERE 0x0c000000ull   /* nothing decodes it */
#define EVTQ_IRQ (32 + 40)
#define GERR_IRQ (32 + 41)

#define CR0 0x20
#define CR0ACK 0x24
#define IRQ_CTRL 0x50
#define GERROR 0x60
#define GERRORN 0x64
#define GERROR_IRQ_CFG0 0x68
#define GERROR_IRQ_CFG1 0x70
#define STRTAB_BASE 0x80
#define STRTAB_BASE_CFG 0x88
#define CMDQ_BASE 0x90
#define CMDQ_PROD 0x98
#define CMDQ_CONS 0x9c
#define EVTQ_BASE 0xa0
#define EVTQ_IRQ_CFG0 0xb0
#define EVTQ_IRQ_CFG1 0xb8
#define EVTQ_PROD 0x100a8
#define EVTQ_CONS 0x100ac
#define ENABLE 0xdu             /* CMDQEN | EVTQEN | SMMUEN */

#define MSI_CMDQ_ABT (1u << 4)
#define MSI_EVTQ_ABT (1u << 5)
#define MSI_GERROR_ABT (1u << 7)

#define STRTAB (RAM_BASE + 0x100000)
#define CMDQ (RAM_BASE + 0x130000)
#define EVTQ (RAM_BASE + 0x140000)
#define FREE_RAM (RAM_BASE + 0x800000)   /* no structure of the test's */
#define CMDQ_SHIFT 4
#define EVTQ_SHIFT 2

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

static void *build_fdt(size_t *size)
{
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM_BASE, RAM_SIZE);
	tfdt_node(b, "interrupt-controller@8000000");
	tfdt_str(b, "compatible", "arm,gic-400");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_cells(b, "reg", 4, 0, 0x08000000, 0, 0x10000);
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	tfdt_node(b, "iommu@9050000");
	tfdt_str(b, "compatible", "arm,smmu-v3");
	tfdt_cells(b, "reg", 4, 0, (u32)SMMU, 0, 0x20000);
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_cells(b, "interrupts", 6, 0, 40, 1, 0, 41, 1);
	assert_int_equal(fdt_property(b, "interrupt-names", "eventq\0gerror", 14), 0);
	tfdt_empty(b, "iommulab,msi");
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a000000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0x0a000000, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, 16, 4);
	tfdt_cells(b, "iommus", 2, 2, 0x100);
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

static void w32(struct t *t, u64 off, u32 v)
{
	assert_int_equal(hw_mmio_write(t->m, SMMU + off, 4, v), 0);
}

static void w64(struct t *t, u64 off, u64 v)
{
	assert_int_equal(hw_mmio_write(t->m, SMMU + off, 8, v), 0);
}

static u32 r32(struct t *t, u64 off)
{
	u64 v;

	assert_int_equal(hw_mmio_read(t->m, SMMU + off, 4, &v), 0);
	return (u32)v;
}

static u32 mem32(struct t *t, u64 pa)
{
	u32 v;

	assert_int_equal(hw_mem_read(t->m, pa, &v, 4), 0);
	return v;
}

/* Writes a command at PROD without moving PROD. */
static void put_cmd(struct t *t, u64 c0, u64 c1)
{
	u64 c[2] = { c0, c1 };
	u32 idx = t->cmd_prod & ((1u << CMDQ_SHIFT) - 1);

	assert_int_equal(hw_mem_write(t->m, CMDQ + idx * 16ull, c, 16), 0);
	t->cmd_prod = (t->cmd_prod + 1) & ((2u << CMDQ_SHIFT) - 1);
}

static void cmd(struct t *t, u64 c0, u64 c1)
{
	put_cmd(t, c0, c1);
	w32(t, CMDQ_PROD, t->cmd_prod);
}

static struct arm_smmu_v3_stats stats(struct t *t)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(arm_smmu_v3_stats(t->m, SMMU, &st), 0);
	return st;
}

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
	struct t *t = calloc(1, sizeof(*t));
	struct hw_dma_master *d;
	struct hw_route r;
	char why[160] = "";
	size_t size;
	void *b = build_fdt(&size);

	assert_non_null(t);
	assert_int_equal(machine_create(b, size, 1, &t->m, why, sizeof(why)), 0);
	free(b);
	d = hw_master_by_name(t->m, "/dma@a000000");
	assert_int_equal(hw_master_route(d, 0, 0, HW_READ, &r), 0);
	t->iommu = r.iommu;
	assert_int_equal(hw_mmio_map(t->m, PEER, 0x1000, &relay_ops, t, "relay"), 0);
	/* Linear table of 2^8 (empty) STEs, both queues, interrupts on. */
	w64(t, STRTAB_BASE, STRTAB);
	w32(t, STRTAB_BASE_CFG, 8);
	w64(t, CMDQ_BASE, CMDQ | CMDQ_SHIFT);
	w64(t, EVTQ_BASE, EVTQ | EVTQ_SHIFT);
	w32(t, IRQ_CTRL, 5);
	w32(t, CR0, ENABLE);
	assert_int_equal(r32(t, CR0ACK), ENABLE);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	machine_destroy(t->m);
	free(t);
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
