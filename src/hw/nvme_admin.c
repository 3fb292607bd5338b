/*
 * iommulab,nvme admin commands (docs/devices.md lists each with its
 * status codes): Delete/Create I/O SQ and CQ, Get Log Page, Identify,
 * Abort, Set/Get Features, Asynchronous Event Request.
 */
#include <stdio.h>
#include <string.h>

#include "nvme_priv.h"

#define ADM_DELETE_SQ 0x00
#define ADM_CREATE_SQ 0x01
#define ADM_GET_LOG_PAGE 0x02
#define ADM_DELETE_CQ 0x04
#define ADM_CREATE_CQ 0x05
#define ADM_IDENTIFY 0x06
#define ADM_ABORT 0x08
#define ADM_SET_FEATURES 0x09
#define ADM_GET_FEATURES 0x0a
#define ADM_AER 0x0c

#define FID_VWC 0x06
#define FID_NUM_QUEUES 0x07
#define FID_IRQ_COALESCE 0x08
#define FID_ASYNC_EVENT 0x0b

static struct nvme_result st(u16 status)
{
	return (struct nvme_result){ .status = status };
}

/* Sends @len bytes of n->bounce to the host buffer the PRPs name. */
static struct nvme_result to_host(struct nvme *n, const struct nvme_cmd *c, u32 len)
{
	return st(nvme_prp_rw(n, c, len, HW_WRITE));
}

/* ---- queues ------------------------------------------------------------ */

static struct nvme_result create_cq(struct nvme *n, const struct nvme_cmd *c)
{
	u16 qid = c->cdw10 & 0xffff, iv = c->cdw11 >> 16;
	u32 qsize = (c->cdw10 >> 16) + 1;
	bool pc = c->cdw11 & 1, ien = c->cdw11 & 2;

	if (!qid || qid > n->nr_iocq || n->cq[qid].valid)
		return st(NVME_INVALID_QID);
	if (qsize < 2 || qsize > NVME_MQES + 1)
		return st(NVME_INVALID_QSIZE);
	if (!pc)
		return st(NVME_INVALID_FIELD);   /* CAP.CQR: contiguous queues only */
	if (c->prp1 & (NVME_PAGE - 1))
		return st(NVME_INVALID_PRP_OFFSET);
	if (iv >= NVME_NR_VECTORS)
		return st(NVME_INVALID_VECTOR);
	n->cq[qid] = (struct nvme_cq){
		.valid = true, .ien = ien, .phase = true, .base = c->prp1, .size = qsize, .iv = iv,
	};
	n->ioq_created++;
	return st(NVME_SUCCESS);
}

static struct nvme_result create_sq(struct nvme *n, const struct nvme_cmd *c)
{
	u16 qid = c->cdw10 & 0xffff, cqid = c->cdw11 >> 16;
	u32 qsize = (c->cdw10 >> 16) + 1;
	bool pc = c->cdw11 & 1;

	if (!qid || qid > n->nr_iosq || n->sq[qid].valid)
		return st(NVME_INVALID_QID);
	if (!cqid || cqid >= NVME_NR_QUEUES || !n->cq[cqid].valid)
		return st(NVME_CQ_INVALID);
	if (qsize < 2 || qsize > NVME_MQES + 1)
		return st(NVME_INVALID_QSIZE);
	if (!pc)
		return st(NVME_INVALID_FIELD);
	if (c->prp1 & (NVME_PAGE - 1))
		return st(NVME_INVALID_PRP_OFFSET);
	n->sq[qid] = (struct nvme_sq){ .valid = true, .base = c->prp1, .size = qsize, .cqid = cqid };
	n->cq[cqid].nr_sq++;
	n->ioq_created++;
	return st(NVME_SUCCESS);
}

/* Commands are run one at a time, so none of the SQ's is in flight. */
static struct nvme_result delete_sq(struct nvme *n, const struct nvme_cmd *c)
{
	u16 qid = c->cdw10 & 0xffff;

	if (!qid || qid >= NVME_NR_QUEUES || !n->sq[qid].valid)
		return st(NVME_INVALID_QID);
	n->cq[n->sq[qid].cqid].nr_sq--;
	n->sq[qid] = (struct nvme_sq){ 0 };
	return st(NVME_SUCCESS);
}

static struct nvme_result delete_cq(struct nvme *n, const struct nvme_cmd *c)
{
	u16 qid = c->cdw10 & 0xffff;

	if (!qid || qid >= NVME_NR_QUEUES || !n->cq[qid].valid)
		return st(NVME_INVALID_QID);
	if (n->cq[qid].nr_sq)
		return st(NVME_INVALID_QUEUE_DELETION);
	n->cq[qid] = (struct nvme_cq){ 0 };
	nvme_irq_update(n);
	return st(NVME_SUCCESS);
}

/* ---- Identify ------------------------------------------------------------ */

static void put_str(u8 *p, size_t width, const char *s)
{
	size_t len = strlen(s);

	memset(p, ' ', width);   /* ASCII, space padded */
	memcpy(p, s, MIN(len, width));
}

static void identify_ctrl(struct nvme *n, u8 *d)
{
	char nqn[128];

	nvme_put16(d + 0, NVME_PCI_VENDOR);
	nvme_put16(d + 2, NVME_PCI_VENDOR);
	put_str(d + 4, 20, n->serial);
	put_str(d + 24, 40, "iommulab NVMe controller");
	put_str(d + 64, 8, "1.0");
	d[72] = 0;                     /* RAB */
	d[77] = NVME_MDTS;
	nvme_put16(d + 78, 0);         /* CNTLID */
	nvme_put32(d + 80, 0x00010400);
	d[111] = 1;                    /* CNTRLTYPE: I/O controller */
	d[258] = NVME_ACL;
	d[259] = NVME_AERL;
	d[260] = 0x03;                 /* FRMW: one slot, read-only */
	d[512] = 0x66;                 /* SQES: 64 bytes */
	d[513] = 0x44;                 /* CQES: 16 bytes */
	nvme_put32(d + 516, n->nr_ns); /* NN */
	nvme_put16(d + 520, BIT(3));   /* ONCS: Write Zeroes */
	d[525] = 1;                    /* VWC present */
	snprintf(nqn, sizeof(nqn), "nqn.2024-12.io.iommulab:nvme:%s", n->serial);
	memcpy(d + 768, nqn, strlen(nqn));
}

static void identify_ns(const struct nvme_ns *ns, u8 *d)
{
	nvme_put64(d + 0, ns->nlba);   /* NSZE */
	nvme_put64(d + 8, ns->nlba);   /* NCAP */
	nvme_put64(d + 16, ns->nlba);  /* NUSE */
	d[25] = 0;                     /* NLBAF: one format */
	d[26] = 0;                     /* FLBAS: format 0 */
	nvme_put32(d + 128, (u32)ns->lba_shift << 16);   /* LBAF0: LBADS, no metadata */
}

static bool nsid_valid(const struct nvme *n, u32 nsid)
{
	return nsid >= 1 && nsid <= n->nr_ns;
}

static struct nvme_result identify(struct nvme *n, const struct nvme_cmd *c)
{
	u8 *d = n->bounce;
	u32 k = 0;

	memset(d, 0, NVME_PAGE);
	switch (c->cdw10 & 0xff) {
	case 0x00:
		if (!nsid_valid(n, c->nsid))
			return st(NVME_INVALID_NS);
		identify_ns(&n->ns[c->nsid - 1], d);
		break;
	case 0x01:
		identify_ctrl(n, d);
		break;
	case 0x02:
		if (c->nsid >= 0xfffffffe)
			return st(NVME_INVALID_NS);
		for (u32 id = c->nsid + 1; id <= n->nr_ns; id++)
			nvme_put32(d + 4 * k++, id);
		break;
	case 0x03:                     /* no namespace identification descriptors */
		if (!nsid_valid(n, c->nsid))
			return st(NVME_INVALID_NS);
		break;
	default:
		return st(NVME_INVALID_FIELD);
	}
	return to_host(n, c, NVME_PAGE);
}

/* ---- Get Log Page --------------------------------------------------------- */

static struct nvme_result get_log_page(struct nvme *n, const struct nvme_cmd *c)
{
	u8 lid = c->cdw10 & 0xff;
	u64 len = ((u64)((c->cdw10 >> 16) | (c->cdw11 & 0xffff) << 16) + 1) * 4;
	u64 off = c->cdw12 | (u64)c->cdw13 << 32;
	u8 log[512] = { 0 };
	u32 size;

	switch (lid) {
	case 0x01: size = 64; break;       /* Error Information: no errors */
	case 0x02:                         /* SMART / Health Information */
		size = 512;
		nvme_put16(log + 1, 296);  /* Composite Temperature, kelvin */
		log[3] = 100;              /* Available Spare */
		log[4] = 10;               /* Available Spare Threshold */
		break;
	case 0x03:                         /* Firmware Slot Information */
		size = 512;
		log[0] = 1;                /* slot 1 active */
		memcpy(log + 8, "1.0     ", 8);
		break;
	default:
		return st(NVME_INVALID_LOG_PAGE);
	}
	if (off & 3 || off > size || len > NVME_MAX_XFER)
		return st(NVME_INVALID_FIELD);
	/* Bytes past the end of the log read as zeros. */
	memset(n->bounce, 0, len);
	memcpy(n->bounce, log + off, MIN(len, size - off));
	return to_host(n, c, (u32)len);
}

/* ---- features ------------------------------------------------------------- */

static struct nvme_result set_features(struct nvme *n, const struct nvme_cmd *c)
{
	u32 v = c->cdw11;

	if (c->cdw10 & BIT(31))
		return st(NVME_FID_NOT_SAVEABLE);
	switch (c->cdw10 & 0xff) {
	case FID_NUM_QUEUES:
		if ((v & 0xffff) == 0xffff || (v >> 16) == 0xffff)
			return st(NVME_INVALID_FIELD);
		/* The allocation is fixed once I/O queues exist (until a reset). */
		if (n->ioq_created)
			return st(NVME_CMD_SEQ_ERROR);
		n->nr_iosq = MIN((v & 0xffff) + 1, NVME_MAX_IOQ);
		n->nr_iocq = MIN((v >> 16) + 1, NVME_MAX_IOQ);
		break;
	case FID_IRQ_COALESCE: n->feat_coalesce = v & 0xffff; break;
	case FID_VWC: n->feat_vwc = v & 1; break;
	case FID_ASYNC_EVENT: n->feat_aec = v; break;
	default: return st(NVME_INVALID_FIELD);
	}
	return (struct nvme_result){ .dw0 = (c->cdw10 & 0xff) == FID_NUM_QUEUES ?
			(n->nr_iosq - 1) | (n->nr_iocq - 1) << 16 : 0 };
}

static struct nvme_result get_features(struct nvme *n, const struct nvme_cmd *c)
{
	unsigned sel = (c->cdw10 >> 8) & 7;
	bool dflt = sel == 1 || sel == 2;   /* default, saved (= default) */
	u32 v;

	switch (c->cdw10 & 0xff) {
	case FID_NUM_QUEUES:
		v = dflt ? (NVME_MAX_IOQ - 1) * 0x10001u : (n->nr_iosq - 1) | (n->nr_iocq - 1) << 16;
		break;
	case FID_IRQ_COALESCE: v = dflt ? 0 : n->feat_coalesce; break;
	case FID_VWC: v = dflt ? 1 : n->feat_vwc; break;
	case FID_ASYNC_EVENT: v = dflt ? 0 : n->feat_aec; break;
	default: return st(NVME_INVALID_FIELD);
	}
	if (sel == 3)
		v = BIT(2);                 /* capabilities: changeable, not saveable */
	else if (sel > 3)
		return st(NVME_INVALID_FIELD);
	return (struct nvme_result){ .dw0 = v };
}

/* ---- the rest ------------------------------------------------------------- */

static struct nvme_result aer(struct nvme *n)
{
	if (n->aer_outstanding > NVME_AERL)
		return st(NVME_AER_LIMIT);
	/* Held until an event; the model raises none, so it stays outstanding. */
	n->aer_outstanding++;
	return st(NVME_NO_COMPLETION);
}

struct nvme_result nvme_admin_exec(struct nvme *n, const struct nvme_cmd *c)
{
	/* Fused operations and SGLs are not supported. */
	if (c->flags & 0xc3)
		return st(NVME_INVALID_FIELD);
	switch (c->opcode) {
	case ADM_DELETE_SQ: return delete_sq(n, c);
	case ADM_CREATE_SQ: return create_sq(n, c);
	case ADM_GET_LOG_PAGE: return get_log_page(n, c);
	case ADM_DELETE_CQ: return delete_cq(n, c);
	case ADM_CREATE_CQ: return create_cq(n, c);
	case ADM_IDENTIFY: return identify(n, c);
	/* Commands finish in order, one at a time: nothing is left to abort. */
	case ADM_ABORT: return (struct nvme_result){ .dw0 = 1 };
	case ADM_SET_FEATURES: return set_features(n, c);
	case ADM_GET_FEATURES: return get_features(n, c);
	case ADM_AER: return aer(n);
	default: return st(NVME_INVALID_OPCODE);
	}
}
