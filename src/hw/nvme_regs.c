/*
 * iommulab,nvme BAR0: the controller registers (0x0000-0x0fff), the
 * doorbells (0x1000 + 8y: SQ y tail, + 4: CQ y head; CAP.DSTRD 0), the
 * MSI-X table (0x2000) and PBA (0x3000). Registers are 32 bits; 64-bit
 * registers (CAP, ASQ, ACQ) take one 8-byte access or two 4-byte ones.
 * Other sizes and unaligned accesses read 0 and write nothing.
 */
#include <string.h>

#include "nvme_priv.h"

static u64 cap_value(void)
{
	return (u64)NVME_MQES                /* MQES */
	       | BIT_ULL(16)                 /* CQR: queues physically contiguous */
	       | (u64)1 << 24                /* TO: 500 ms (ready is immediate) */
	       | BIT_ULL(37);                /* CSS: NVM command set */
	/* DSTRD 0, MPSMIN = MPSMAX = 0 (4 KiB), no NSSR, no AMS options */
}

/* Does a CQ with interrupts enabled hold entries the host has not consumed? */
static bool cq_waiting(const struct nvme *n)
{
	for (unsigned q = 0; q < NVME_NR_QUEUES; q++) {
		const struct nvme_cq *cq = &n->cq[q];

		if (cq->valid && cq->ien && cq->head != cq->tail)
			return true;
	}
	return false;
}

/* INTx condition: pin-based only (MSI and MSI-X signal at posting). */
void nvme_irq_update(struct nvme *n)
{
	bool level = !pci_msix_enabled(n->func) && !pci_msi_enabled(n->func) &&
		     !(n->intms & 1) && cq_waiting(n);

	pci_func_set_intx(n->func, level);
}

/* Controller reset (CC.EN 1 -> 0, or any PCI reset): queues and features go. */
void nvme_ctrl_reset(struct nvme *n)
{
	if (n->event)
		hw_event_cancel(n->m, n->event);
	n->event = 0;
	memset(n->sq, 0, sizeof(n->sq));
	memset(n->cq, 0, sizeof(n->cq));
	n->csts &= NVME_CSTS_SHST_MASK;
	n->intms = 0;
	n->nr_iosq = n->nr_iocq = NVME_MAX_IOQ;
	n->ioq_created = 0;
	n->feat_coalesce = 0;
	n->feat_aec = 0;
	n->feat_vwc = 1;
	n->aer_outstanding = 0;
	n->rr = 0;
	nvme_irq_update(n);
}

/* CC.EN 0 -> 1: the admin queues from AQA/ASQ/ACQ, or CFS for a bad CC. */
static void ctrl_enable(struct nvme *n)
{
	u32 asqs = (n->aqa & 0xfff) + 1, acqs = ((n->aqa >> 16) & 0xfff) + 1;

	if (NVME_CC_CSS(n->cc) || NVME_CC_MPS(n->cc) || NVME_CC_AMS(n->cc) ||
	    NVME_CC_IOSQES(n->cc) != 6 || NVME_CC_IOCQES(n->cc) != 4 || asqs < 2 || acqs < 2) {
		n->csts |= NVME_CSTS_CFS;
		return;
	}
	n->sq[0] = (struct nvme_sq){ .valid = true, .base = n->asq, .size = asqs };
	n->cq[0] = (struct nvme_cq){
		.valid = true, .ien = true, .phase = true, .base = n->acq, .size = acqs,
		.nr_sq = 1,
	};
	n->csts |= NVME_CSTS_RDY;
}

static void cc_write(struct nvme *n, u32 v)
{
	bool was = n->cc & NVME_CC_EN, now = v & NVME_CC_EN;

	v &= NVME_CC_WMASK;
	/* While enabled only EN and SHN change; the rest is fixed until EN is 0. */
	if (was && now)
		n->cc = (n->cc & ~NVME_CC_SHN_MASK) | (v & NVME_CC_SHN_MASK);
	else
		n->cc = v;
	if (was && !now)
		nvme_ctrl_reset(n);
	else if (!was && now)
		ctrl_enable(n);
	/* Shutdown completes at once; clearing SHN returns SHST to normal. */
	n->csts &= ~NVME_CSTS_SHST_MASK;
	if (NVME_CC_SHN(n->cc))
		n->csts |= NVME_CSTS_SHST_DONE;
}

static void doorbell(struct nvme *n, u64 off, u32 v)
{
	unsigned q = (off - NVME_DB_BASE) / 8;
	bool cq_head = (off - NVME_DB_BASE) & 4;

	if (q >= NVME_NR_QUEUES || !(n->csts & NVME_CSTS_RDY))
		return;
	if (!cq_head) {
		struct nvme_sq *sq = &n->sq[q];

		/* A tail beyond the queue is ignored (no Invalid Doorbell event). */
		if (!sq->valid || v >= sq->size)
			return;
		sq->tail = v;
	} else {
		struct nvme_cq *cq = &n->cq[q];

		if (!cq->valid || v >= cq->size)
			return;
		cq->head = v;
		nvme_irq_update(n);
	}
	nvme_kick(n);
}

static u32 reg_read(struct nvme *n, u64 off)
{
	switch (off) {
	case NVME_REG_CAP: return (u32)cap_value();
	case NVME_REG_CAP + 4: return (u32)(cap_value() >> 32);
	case NVME_REG_VS: return 0x00010400;
	case NVME_REG_INTMS:
	case NVME_REG_INTMC: return n->intms;
	case NVME_REG_CC: return n->cc;
	case NVME_REG_CSTS: return n->csts;
	case NVME_REG_AQA: return n->aqa;
	case NVME_REG_ASQ: return (u32)n->asq;
	case NVME_REG_ASQ + 4: return (u32)(n->asq >> 32);
	case NVME_REG_ACQ: return (u32)n->acq;
	case NVME_REG_ACQ + 4: return (u32)(n->acq >> 32);
	default: return 0;   /* reserved, NSSR (not supported), doorbells (WO) */
	}
}

static void set_lo(u64 *r, u32 v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_hi(u64 *r, u32 v)
{
	*r = (*r & 0xffffffffull) | (u64)v << 32;
}

static void reg_write(struct nvme *n, u64 off, u32 v)
{
	if (off >= NVME_DB_BASE) {
		doorbell(n, off, v);
		return;
	}
	switch (off) {
	case NVME_REG_INTMS:
	case NVME_REG_INTMC:
		/* Reserved while MSI-X is on: the host does not use them then. */
		if (pci_msix_enabled(n->func))
			return;
		if (off == NVME_REG_INTMS) {
			n->intms |= v;
		} else {
			bool was = n->intms & 1;

			n->intms &= ~v;
			/* Unmasking with completions waiting signals them. */
			if (was && !(n->intms & 1) && pci_msi_enabled(n->func) && cq_waiting(n))
				pci_msi_signal(n->func, 0);
		}
		nvme_irq_update(n);
		break;
	case NVME_REG_CC: cc_write(n, v); break;
	case NVME_REG_AQA: n->aqa = v & 0x0fff0fff; break;
	case NVME_REG_ASQ: set_lo(&n->asq, v & ~0xfffu); break;
	case NVME_REG_ASQ + 4: set_hi(&n->asq, v); break;
	case NVME_REG_ACQ: set_lo(&n->acq, v & ~0xfffu); break;
	case NVME_REG_ACQ + 4: set_hi(&n->acq, v); break;
	default: break;      /* CAP, VS, CSTS, NSSR, reserved: ignored */
	}
}

static u64 bar0_read(void *opaque, u64 off, unsigned size)
{
	struct nvme *n = opaque;
	u64 v = 0;

	if (pci_msix_mmio_read(n->func, 0, off, size, &v))
		return v;
	if (off & 3 || (size != 4 && size != 8) || (size == 8 && off & 7))
		return 0;
	if (size == 8)
		return reg_read(n, off) | (u64)reg_read(n, off + 4) << 32;
	return reg_read(n, off);
}

static void bar0_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct nvme *n = opaque;

	if (pci_msix_mmio_write(n->func, 0, off, size, val))
		return;
	if (off & 3 || (size != 4 && size != 8) || (size == 8 && off & 7))
		return;
	reg_write(n, off, (u32)val);
	if (size == 8)
		reg_write(n, off + 4, (u32)(val >> 32));
}

const struct hw_mmio_ops nvme_bar0_ops = {
	.read = bar0_read,
	.write = bar0_write,
};
