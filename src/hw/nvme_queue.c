/*
 * The iommulab,nvme command engine. A doorbell write only schedules work
 * (nvme_kick); the work runs on the machine's event loop NVME_ROUND_NS of
 * virtual time later, never inside the MMIO write. Each round the arbiter
 * takes one command from each SQ holding any (round robin from the SQ after
 * the last one served), fetches it by DMA, executes it and posts its
 * completion; then it raises the interrupts of the CQs that got entries
 * and, if commands remain, schedules the next round.
 *
 * A command is only fetched when its CQ has a free slot: with a full CQ the
 * SQ waits until the host moves the CQ head (the head doorbell kicks the
 * engine again). A fetch or a completion write that fails (bus error, IOMMU
 * fault, BME clear) is an error the controller cannot report in a queue: it
 * sets CSTS.CFS and stops until the host resets it.
 */
#include <string.h>

#include "nvme_priv.h"

bool nvme_cq_full(const struct nvme_cq *cq)
{
	return (cq->tail + 1) % cq->size == cq->head;
}

static bool sq_runnable(const struct nvme *n, const struct nvme_sq *sq)
{
	return sq->valid && sq->head != sq->tail && !nvme_cq_full(&n->cq[sq->cqid]);
}

static bool engine_runs(const struct nvme *n)
{
	return (n->csts & (NVME_CSTS_RDY | NVME_CSTS_CFS)) == NVME_CSTS_RDY;
}

void nvme_kick(struct nvme *n)
{
	if (n->event || !engine_runs(n))
		return;
	for (unsigned q = 0; q < NVME_NR_QUEUES; q++) {
		if (sq_runnable(n, &n->sq[q])) {
			n->event = hw_event_schedule(n->m, NVME_ROUND_NS, nvme_process, n);
			return;
		}
	}
}

static void decode(const u8 *raw, struct nvme_cmd *c)
{
	c->opcode = raw[0];
	c->flags = raw[1];
	c->cid = raw[2] | raw[3] << 8;
	c->nsid = nvme_le32(raw + 4);
	c->prp1 = nvme_le64(raw + 24);
	c->prp2 = nvme_le64(raw + 32);
	c->cdw10 = nvme_le32(raw + 40);
	c->cdw11 = nvme_le32(raw + 44);
	c->cdw12 = nvme_le32(raw + 48);
	c->cdw13 = nvme_le32(raw + 52);
	c->cdw14 = nvme_le32(raw + 56);
	c->cdw15 = nvme_le32(raw + 60);
}

static void fatal(struct nvme *n)
{
	n->csts |= NVME_CSTS_CFS;
}

/* Every error carries Do Not Retry: the same command would fail the same way. */
static bool post(struct nvme *n, u16 sqid, u16 cid, struct nvme_result r)
{
	struct nvme_sq *sq = &n->sq[sqid];
	struct nvme_cq *cq = &n->cq[sq->cqid];
	u16 sf = (u16)(r.status << 1) | (r.status ? BIT(15) : 0) | (cq->phase ? 1 : 0);
	u8 e[16] = { 0 };

	nvme_put32(e, r.dw0);
	nvme_put16(e + 8, (u16)sq->head);
	nvme_put16(e + 10, sqid);
	nvme_put16(e + 12, cid);
	nvme_put16(e + 14, sf);
	if (n->dma(n->bus, cq->base + (u64)cq->tail * 16, e, sizeof(e), HW_WRITE)) {
		fatal(n);
		return false;
	}
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase = !cq->phase;
	}
	if (cq->ien)
		cq->irq_due = true;
	return true;
}

/* Fetches, runs and completes the command at @sqid's head. */
static bool run_one(struct nvme *n, u16 sqid)
{
	struct nvme_sq *sq = &n->sq[sqid];
	struct nvme_result r;
	struct nvme_cmd c;
	u8 raw[64];

	if (n->dma(n->bus, sq->base + (u64)sq->head * 64, raw, sizeof(raw), HW_READ)) {
		fatal(n);
		return false;
	}
	sq->head = (sq->head + 1) % sq->size;
	decode(raw, &c);
	r = sqid ? nvme_io_exec(n, &c) : nvme_admin_exec(n, &c);
	if (r.status == NVME_NO_COMPLETION)
		return true;
	/*
	 * The command's own DMA may have reached this controller's registers
	 * (peer-to-peer into BAR0) and reset it: then there is no queue left.
	 */
	if (!engine_runs(n) || !sq->valid || !n->cq[sq->cqid].valid)
		return false;
	return post(n, sqid, c.cid, r);
}

static void raise_irqs(struct nvme *n)
{
	for (unsigned q = 0; q < NVME_NR_QUEUES; q++) {
		struct nvme_cq *cq = &n->cq[q];

		if (!cq->irq_due)
			continue;
		cq->irq_due = false;
		if (pci_msix_enabled(n->func))
			pci_msix_signal(n->func, cq->iv);
		else if (pci_msi_enabled(n->func) && !(n->intms & 1))
			pci_msi_signal(n->func, 0);
	}
	nvme_irq_update(n);
}

void nvme_process(void *arg)
{
	struct nvme *n = arg;
	unsigned start = n->rr;

	n->event = 0;
	for (unsigned i = 0; i < NVME_NR_QUEUES && engine_runs(n); i++) {
		unsigned q = (start + i) % NVME_NR_QUEUES;

		if (!sq_runnable(n, &n->sq[q]))
			continue;
		n->rr = (q + 1) % NVME_NR_QUEUES;
		if (!run_one(n, (u16)q))
			break;
	}
	raise_irqs(n);
	nvme_kick(n);
}
