/*
 * ARM SMMUv3 model: the register file, interrupts and creation. The
 * command queue is in arm_smmu_v3_cmdq.c; the stream table, STE and CD
 * decoding, the event queue and the translate op of the DMA path in
 * arm_smmu_v3_xlate.c. The walker and the IOTLB are the SMMU models'
 * common ones (smmu_common.h); the register map is in docs/devices.md.
 *
 * The model never trusts what the driver writes: unimplemented registers
 * read as zero and ignore writes, and every structure in memory, however
 * wrong, ends in bypass, a translation, an abort or an architected event.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw/arm_smmu_v3_priv.h"
#include "hw/hw_internal.h"

/* ---- interrupts ----------------------------------------------------- */

static void set_line(struct arm_smmu_v3 *s, const struct hw_irq_line *l, bool *cur, bool level)
{
	if (!hw_irq_line_wired(l) || *cur == level)
		return;
	*cur = level;
	hw_irq_line_set(s->common.m, l, level);
}

/*
 * Level lines: the event queue's while it holds records and its interrupt
 * is enabled, the global error one while an error is active (GERROR !=
 * GERRORN) and enabled. "combined" carries both.
 */
void v3_update_irqs(struct arm_smmu_v3 *s)
{
	unsigned shift = v3_q_shift(&s->evtq, s->evtq_shift);
	bool evtq = (s->irq_ctrl & V3_IRQ_EVTQ_EN) &&
		    !v3_q_empty(s->evtq.prod, s->evtq.cons, shift);
	bool gerr = (s->irq_ctrl & V3_IRQ_GERROR_EN) &&
		    ((s->gerror ^ s->gerrorn) & V3_GERROR_MASK);

	bool sig_evtq = false, sig_gerr = false;

	/* A source with an MSI address signals by MSI on its rising edge only. */
	if (evtq != s->cond_evtq) {
		s->cond_evtq = evtq;
		s->msi_evtq = sig_evtq = evtq && v3_msi_enabled(s, V3_MSI_EVTQ);
	}
	if (gerr != s->cond_gerror) {
		s->cond_gerror = gerr;
		s->msi_gerror = sig_gerr = gerr && v3_msi_enabled(s, V3_MSI_GERROR);
	}
	evtq &= !s->msi_evtq;
	gerr &= !s->msi_gerror;
	set_line(s, &s->irq_evtq, &s->level_evtq, evtq);
	set_line(s, &s->irq_gerror, &s->level_gerror, gerr);
	set_line(s, &s->irq_combined, &s->level_combined, evtq || gerr);
	/* Last: an MSI that aborts raises a global error, which updates all again. */
	if (sig_evtq)
		v3_msi_signal(s, V3_MSI_EVTQ);
	if (sig_gerr)
		v3_msi_signal(s, V3_MSI_GERROR);
}

/* An error becomes active by toggling its GERROR bit away from GERRORN. */
void v3_gerror_toggle(struct arm_smmu_v3 *s, u32 bit)
{
	if ((s->gerror ^ s->gerrorn) & bit)
		return;   /* already active: nothing new to say */
	s->gerror ^= bit;
	v3_update_irqs(s);
}

/* ---- register access ------------------------------------------------ */

static u32 read32(struct arm_smmu_v3 *s, u32 off)
{
	u32 val;

	if (v3_msi_read32(s, off, &val))
		return val;
	switch (off) {
	case V3_IDR0 ... V3_IDR5: return s->idr[off / 4];
	case V3_IIDR: return s->iidr;
	case V3_AIDR: return s->aidr;
	case V3_CR0: return s->cr0;
	case V3_CR0ACK: return s->cr0;   /* every change takes effect at once */
	case V3_CR1: return s->cr1;
	case V3_CR2: return s->cr2;
	case V3_GBPA: return s->gbpa;    /* UPDATE always reads 0: done at once */
	case V3_IRQ_CTRL: case V3_IRQ_CTRLACK: return s->irq_ctrl;
	case V3_GERROR: return s->gerror;
	case V3_GERRORN: return s->gerrorn;
	case V3_STRTAB_BASE: return (u32)s->strtab_base;
	case V3_STRTAB_BASE + 4: return (u32)(s->strtab_base >> 32);
	case V3_STRTAB_BASE_CFG: return s->strtab_cfg;
	case V3_CMDQ_BASE: return (u32)s->cmdq.base;
	case V3_CMDQ_BASE + 4: return (u32)(s->cmdq.base >> 32);
	case V3_CMDQ_PROD: return s->cmdq.prod;
	case V3_CMDQ_CONS: return s->cmdq.cons;
	case V3_EVTQ_BASE: return (u32)s->evtq.base;
	case V3_EVTQ_BASE + 4: return (u32)(s->evtq.base >> 32);
	case V3_EVTQ_PROD: return s->evtq.prod;
	case V3_EVTQ_CONS: return s->evtq.cons;
	}
	return 0;
}

/* The pointer bits a queue of 2^@shift entries implements: index, wrap, (OVF). */
static u32 q_ptr_mask(unsigned shift, bool ovf)
{
	return ((2u << shift) - 1) | (ovf ? V3_Q_OVF : 0);
}

static void write_cr0(struct arm_smmu_v3 *s, u32 val)
{
	u32 old = s->cr0;

	s->cr0 = val & V3_CR0_WRITABLE;
	/* A queue that comes on with commands waiting runs them. */
	if (!(old & V3_CR0_CMDQEN) && (s->cr0 & V3_CR0_CMDQEN))
		v3_cmdq_consume(s);
}

/* GBPA changes only through the update protocol: a write with UPDATE set. */
static void write_gbpa(struct arm_smmu_v3 *s, u32 val)
{
	if (val & V3_GBPA_UPDATE)
		s->gbpa = val & V3_GBPA_WRITABLE;
}

static void write_gerrorn(struct arm_smmu_v3 *s, u32 val)
{
	bool was_cmdq_err = (s->gerror ^ s->gerrorn) & V3_GERROR_CMDQ_ERR;

	s->gerrorn = val & V3_GERROR_MASK;
	v3_update_irqs(s);
	/* Acknowledging a command error restarts the queue at CONS. */
	if (was_cmdq_err && !((s->gerror ^ s->gerrorn) & V3_GERROR_CMDQ_ERR)) {
		s->cmdq.cons &= ~GENMASK(30, 24);
		v3_cmdq_consume(s);
	}
}

/* 64-bit registers written whole (@part 0), low (1) or high (2) word. */
static void write_half(u64 *reg, u64 val, int part, u64 writable)
{
	if (part == 1)
		val = (*reg & GENMASK_ULL(63, 32)) | (u32)val;
	else if (part == 2)
		val = (*reg & 0xffffffffull) | ((u64)(u32)val << 32);
	*reg = val & writable;
}

/* Tables and queue bases are fixed while the unit using them is enabled. */
static void write64(struct arm_smmu_v3 *s, u32 off, u64 val, int part)
{
	switch (off) {
	case V3_STRTAB_BASE:
		if (!(s->cr0 & V3_CR0_SMMUEN))
			write_half(&s->strtab_base, val, part, V3_STRTAB_BASE_ADDR | V3_STRTAB_BASE_RA);
		return;
	case V3_CMDQ_BASE:
		if (!(s->cr0 & V3_CR0_CMDQEN))
			write_half(&s->cmdq.base, val, part, V3_Q_BASE_WRITABLE);
		return;
	case V3_EVTQ_BASE:
		if (!(s->cr0 & V3_CR0_EVTQEN))
			write_half(&s->evtq.base, val, part, V3_Q_BASE_WRITABLE);
		return;
	}
	/* GERROR/EVTQ_IRQ_CFG0: arm_smmu_v3_msi.c, a word at a time. */
	if (part == 0) {
		v3_msi_write32(s, off, (u32)val);
		v3_msi_write32(s, off + 4, (u32)(val >> 32));
	} else {
		v3_msi_write32(s, part == 1 ? off : off + 4, (u32)val);
	}
}

static void write32(struct arm_smmu_v3 *s, u32 off, u32 val)
{
	unsigned cs = v3_q_shift(&s->cmdq, s->cmdq_shift);
	unsigned es = v3_q_shift(&s->evtq, s->evtq_shift);

	if (v3_msi_write32(s, off, val))
		return;
	switch (off) {
	case V3_CR0: write_cr0(s, val); return;
	case V3_CR1: s->cr1 = val & GENMASK(11, 0); return;
	case V3_CR2: s->cr2 = val & GENMASK(2, 0); return;
	case V3_GBPA: write_gbpa(s, val); return;
	case V3_IRQ_CTRL:
		s->irq_ctrl = val & (V3_IRQ_GERROR_EN | V3_IRQ_EVTQ_EN);
		v3_update_irqs(s);
		return;
	case V3_GERRORN: write_gerrorn(s, val); return;
	case V3_STRTAB_BASE_CFG:
		if (!(s->cr0 & V3_CR0_SMMUEN))
			s->strtab_cfg = val & (GENMASK(17, 16) | GENMASK(10, 6) | GENMASK(5, 0));
		return;
	case V3_CMDQ_PROD:
		s->cmdq.prod = val & q_ptr_mask(cs, false);
		v3_cmdq_consume(s);
		return;
	case V3_CMDQ_CONS:
		if (!(s->cr0 & V3_CR0_CMDQEN))
			s->cmdq.cons = val & q_ptr_mask(cs, false);
		return;
	case V3_EVTQ_PROD:
		if (!(s->cr0 & V3_CR0_EVTQEN))
			s->evtq.prod = val & q_ptr_mask(es, true);
		v3_update_irqs(s);
		return;
	case V3_EVTQ_CONS:
		s->evtq.cons = val & q_ptr_mask(es, true);
		v3_update_irqs(s);
		return;
	case V3_STRTAB_BASE: case V3_CMDQ_BASE: case V3_EVTQ_BASE:
		write64(s, off, val, 1);
		return;
	case V3_STRTAB_BASE + 4: case V3_CMDQ_BASE + 4: case V3_EVTQ_BASE + 4:
		write64(s, off - 4, val, 2);
		return;
	}
}

/* Page 1 holds only the event (and PRI) queue pointers; a 64 KiB window folds it. */
static bool decode(struct arm_smmu_v3 *s, u64 off, unsigned size, u32 *reg)
{
	if ((size != 4 && size != 8) || (off & (size - 1)))
		return false;
	if (s->page0_only && (off == V3_EVTQ_PROD_P0 || off == V3_EVTQ_CONS_P0))
		off += V3_PAGE1;
	if (off >= 2 * V3_PAGE1)
		return false;
	*reg = (u32)off;
	return true;
}

static bool is64(u32 off)
{
	return off == V3_STRTAB_BASE || off == V3_CMDQ_BASE || off == V3_EVTQ_BASE ||
	       off == V3_GERROR_IRQ_CFG0 || off == V3_EVTQ_IRQ_CFG0;
}

static u64 v3_mmio_read(void *opaque, u64 off, unsigned size)
{
	struct arm_smmu_v3 *s = opaque;
	u32 reg;

	if (!decode(s, off, size, &reg))
		return 0;
	if (size == 8)
		return read32(s, reg) | (u64)read32(s, reg + 4) << 32;
	return read32(s, reg);
}

static void v3_mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct arm_smmu_v3 *s = opaque;
	u32 reg;

	if (!decode(s, off, size, &reg))
		return;
	if (s->draining)
		s->reentries++;   /* a device our MSI reached writes back */
	s->depth++;
	if (size == 8 && is64(reg)) {
		write64(s, reg, val, 0);
	} else {
		write32(s, reg, (u32)val);
		if (size == 8)
			write32(s, reg + 4, (u32)(val >> 32));
	}
	s->depth--;
	v3_msi_flush(s);
}

static const struct hw_mmio_ops v3_mmio_ops = {
	.read = v3_mmio_read,
	.write = v3_mmio_write,
};

/* ---- creation ------------------------------------------------------- */

static void v3_set_ids(struct arm_smmu_v3 *s, bool coherent)
{
	s->idr[0] = V3_IDR0_ST_LVL_2 | V3_IDR0_TTENDIAN_LE | V3_IDR0_ASID16 |
		    (coherent ? V3_IDR0_COHACC : 0) | V3_IDR0_TTF_AARCH64 | V3_IDR0_S1P |
		    (s->msi ? V3_IDR0_MSI : 0);
	s->idr[1] = (s->cmdq_shift << V3_IDR1_CMDQS_SHIFT) |
		    (s->evtq_shift << V3_IDR1_EVTQS_SHIFT) |
		    (s->ssid_bits << V3_IDR1_SSIDSIZE_SHIFT) | s->sid_bits;
	s->idr[5] = V3_IDR5_GRAN64K | V3_IDR5_GRAN16K | V3_IDR5_GRAN4K | V3_IDR5_OAS_48;
	s->iidr = 0x43b;     /* implementer Arm, product 0, revision 0 */
	s->aidr = 0;         /* SMMUv3.0 */
}

/* Power-on: disabled, bypassing through GBPA, every queue and table empty. */
static void v3_reset(struct arm_smmu_v3 *s)
{
	s->gbpa = V3_GBPA_RESET;
	s->cr0 = s->cr1 = s->cr2 = s->irq_ctrl = s->gerror = s->gerrorn = 0;
	memset(s->msi_cfg, 0, sizeof(s->msi_cfg));
	v3_cfg_inv_all(s);
}

/*
 * The lines the node names: GIC interrupts, or pins of a controller that
 * turns wired lines into MSIs (HiSilicon Hip07's SMMUs signal through an
 * mbigen). An entry the lab cannot route stays unwired; Linux's driver
 * then warns "no evtq irq - events will not be reported!" and runs
 * without it, as it does when a line is not listed; the queues still
 * fill, and a poll of them sees every record.
 */
static int v3_irqs(struct arm_smmu_v3 *s, const void *fdt, int node, char *why, size_t whylen)
{
	static const char *const names[] = { "eventq", "gerror", "cmdq-sync", "combined" };
	struct hw_irq_line *lines[] = { &s->irq_evtq, &s->irq_gerror, &s->irq_sync,
					&s->irq_combined };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		int idx = fdt_stringlist_search(fdt, node, "interrupt-names", names[i]);

		hw_irq_line_init(lines[i], fdt, node, idx);
	}
	return 0;
}

/* The model's knobs (docs/devices.md), each checked against its range. */
static int v3_geometry(struct arm_smmu_v3 *s, const void *fdt, int node, u64 size,
		       char *why, size_t whylen)
{
	u32 sid = 16, ssid = 0, cmdqs = 8, evtqs = 7;

	dt_prop_u32(fdt, node, "iommulab,sid-bits", &sid);
	dt_prop_u32(fdt, node, "iommulab,ssid-bits", &ssid);
	dt_prop_u32(fdt, node, "iommulab,cmdq-shift", &cmdqs);
	dt_prop_u32(fdt, node, "iommulab,evtq-shift", &evtqs);
	if (sid < 1 || sid > 32 || ssid > 20 || cmdqs < 1 || cmdqs > 19 || evtqs < 1 ||
	    evtqs > 19) {
		hw_why(why, whylen, "%s: iommulab,sid-bits must be 1..32, ssid-bits 0..20, "
		       "cmdq-shift and evtq-shift 1..19", s->common.name);
		return -EINVAL;
	}
	if (size < V3_PAGE1) {
		hw_why(why, whylen, "%s: reg size %#llx below the 64 KiB of page 0",
		       s->common.name, (unsigned long long)size);
		return -EINVAL;
	}
	s->sid_bits = sid;
	s->ssid_bits = ssid;
	s->cmdq_shift = cmdqs;
	s->evtq_shift = evtqs;
	s->page0_only = size < 2 * V3_PAGE1;
	return 0;
}

int arm_smmu_v3_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	struct arm_smmu_v3 *s;
	u64 base, size;
	int ret;

	if (!dt_node_is_compatible(fdt, node, "arm,smmu-v3")) {
		hw_why(why, whylen, "node %d is not an ARM SMMUv3", node);
		return -EINVAL;
	}
	if (dt_reg(fdt, node, 0, &base, &size) || !size) {
		hw_why(why, whylen, "%s: missing or untranslatable reg", fdt_get_name(fdt, node, NULL));
		return -EINVAL;
	}
	s = smmu_state_new(m, fdt, node, sizeof(*s));
	if (!s) {
		hw_why(why, whylen, "out of memory");
		return -ENOMEM;
	}
	s->reg_base = base;
	s->reg_size = size;
	ret = v3_geometry(s, fdt, node, size, why, whylen);
	if (!ret)
		ret = v3_irqs(s, fdt, node, why, whylen);
	if (ret)
		return ret;
	v3_msi_init(s, fdt, node);
	v3_set_ids(s, dt_prop_bool(fdt, node, "dma-coherent"));
	v3_reset(s);
	return smmu_state_register(&s->common, node, base, size,
				   &v3_mmio_ops, &v3_iommu_ops, why, whylen);
}

int arm_smmu_v3_stats(struct machine *m, u64 base, struct arm_smmu_v3_stats *out)
{
	for (size_t i = 0; i < m->nr_mmio; i++) {
		const struct hw_mmio_region *r = &m->mmio[i];

		if (r->base == base && r->ops == &v3_mmio_ops) {
			*out = ((const struct arm_smmu_v3 *)r->opaque)->stats;
			return 0;
		}
	}
	return -ENODEV;
}
