/*
 * The SMMUv3 model tests' harness (test_smmuv3_model.c,
 * test_smmuv3_model_msi.c): a bare machine with a GIC, the SMMUv3 at
 * SMMU and a dma-copy master behind it, its registers and the test's
 * structures in RAM. The including file defines `struct t` first, with
 * at least `struct machine *m`, `struct hw_iommu *iommu` and
 * `u32 cmd_prod`.
 */
#ifndef LAB_TEST_SMMUV3_TEST_H
#define LAB_TEST_SMMUV3_TEST_H

#include <stdbool.h>
#include <stdlib.h>

#include "hw_test_fdt.h"
#include "hw/hw_internal.h"
#include "hw/arm_smmu_v3.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull
#define SMMU 0x09050000ull
#define EVTQ_IRQ (32 + 40)
#define GERR_IRQ (32 + 41)
#define SID 0x100

/* Registers (docs/devices.md "arm,smmu-v3 (model)"). */
#define IDR0 0x0
#define IDR1 0x4
#define IDR5 0x14
#define CR0 0x20
#define CR0ACK 0x24
#define GBPA 0x44
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
#define SMMUEN 1u
#define EVTQEN 4u
#define CMDQEN 8u

/* Memory layout of the test's structures. */
#define STRTAB (RAM_BASE + 0x100000)
#define L2 (RAM_BASE + 0x110000)
#define CDTAB (RAM_BASE + 0x120000)
#define CMDQ (RAM_BASE + 0x130000)
#define EVTQ (RAM_BASE + 0x140000)
#define TABLES (RAM_BASE + 0x200000)
#define CMDQ_SHIFT 4     /* 16 entries */
#define EVTQ_SHIFT 2     /* 4 entries: overflow is easy to reach */

/*
 * The tree: with @msi the SMMU has IDR0.MSI (`iommulab,msi`), else
 * @sid_bits of stream ID and an event queue of at most 2^7 entries.
 */
static inline void *smmuv3_test_fdt(size_t *size, u32 sid_bits, bool msi)
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
	if (msi) {
		tfdt_empty(b, "iommulab,msi");
	} else {
		tfdt_u32(b, "iommulab,sid-bits", sid_bits);
		tfdt_u32(b, "iommulab,evtq-shift", 7);
	}
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a000000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, 0x0a000000, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, 16, 4);
	tfdt_cells(b, "iommus", 2, 2, SID);
	tfdt_end_node(b);
	return tfdt_finish(b, size);
}

/* A new struct t on the machine of smmuv3_test_fdt(@sid_bits, @msi). */
static inline struct t *smmuv3_test_new(u32 sid_bits, bool msi)
{
	struct t *t = calloc(1, sizeof(*t));
	struct hw_dma_master *d;
	struct hw_route r;
	char why[160] = "";
	size_t size;
	void *b = smmuv3_test_fdt(&size, sid_bits, msi);

	assert_non_null(t);
	assert_int_equal(machine_create(b, size, 1, &t->m, why, sizeof(why)), 0);
	free(b);
	d = hw_master_by_name(t->m, "/dma@a000000");
	assert_int_equal(hw_master_route(d, 0, 0, HW_READ, &r), 0);
	t->iommu = r.iommu;
	assert_non_null(t->iommu);
	return t;
}

static inline int teardown(void **state)
{
	struct t *t = *state;

	machine_destroy(t->m);
	free(t);
	return 0;
}

static inline void w32(struct t *t, u64 off, u32 v)
{
	assert_int_equal(hw_mmio_write(t->m, SMMU + off, 4, v), 0);
}

static inline void w64(struct t *t, u64 off, u64 v)
{
	assert_int_equal(hw_mmio_write(t->m, SMMU + off, 8, v), 0);
}

static inline u32 r32(struct t *t, u64 off)
{
	u64 v;

	assert_int_equal(hw_mmio_read(t->m, SMMU + off, 4, &v), 0);
	return (u32)v;
}

static inline u32 mem32(struct t *t, u64 pa)
{
	u32 v;

	assert_int_equal(hw_mem_read(t->m, pa, &v, 4), 0);
	return v;
}

static inline void mem64(struct t *t, u64 pa, u64 v)
{
	assert_int_equal(hw_mem_write(t->m, pa, &v, 8), 0);
}

/* Writes a command at PROD without moving PROD. */
static inline void put_cmd(struct t *t, u64 c0, u64 c1)
{
	u64 c[2] = { c0, c1 };
	u32 idx = t->cmd_prod & ((1u << CMDQ_SHIFT) - 1);

	assert_int_equal(hw_mem_write(t->m, CMDQ + idx * 16ull, c, 16), 0);
	t->cmd_prod = (t->cmd_prod + 1) & ((2u << CMDQ_SHIFT) - 1);
}

static inline void cmd(struct t *t, u64 c0, u64 c1)
{
	put_cmd(t, c0, c1);
	w32(t, CMDQ_PROD, t->cmd_prod);
}

static inline struct arm_smmu_v3_stats stats(struct t *t)
{
	struct arm_smmu_v3_stats st;

	assert_int_equal(arm_smmu_v3_stats(t->m, SMMU, &st), 0);
	return st;
}

/* A table of 2^8 STEs (linear, or two-level), both queues, enabled with interrupts on. */
static inline void enable(struct t *t, bool two_level)
{
	w64(t, STRTAB_BASE, STRTAB);
	w32(t, STRTAB_BASE_CFG, two_level ? (1u << 16) | (8u << 6) | 16 : 8);
	w64(t, CMDQ_BASE, CMDQ | CMDQ_SHIFT);
	w64(t, EVTQ_BASE, EVTQ | EVTQ_SHIFT);
	w32(t, IRQ_CTRL, 5);
	w32(t, CR0, CMDQEN | EVTQEN | SMMUEN);
	assert_int_equal(r32(t, CR0ACK), CMDQEN | EVTQEN | SMMUEN);
}

#endif
