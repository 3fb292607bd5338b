// SPDX-License-Identifier: GPL-2.0-only
/*
 * The nvme driver's commands (Linux: drivers/nvme/host/pci.c
 * nvme_submit_cmd, nvme_process_cq, nvme_setup_prps): one command at a
 * time per queue, completed by the queue's interrupt; Read and Write with
 * PRP1, PRP2 or a PRP list built from DMA API mappings of each 4 KiB
 * page; and the shell's `nvme` verbs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/base/device.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/printk.h"
#include "kernel/drivers/nvme.h"
#include "kernel/kernel.h"
#include "kernel/pci/pci.h"

#define NVME_REG_CSTS		0x1c
#define NVME_CSTS_CFS		(1u << 1)
#define NVME_REG_DBS		0x1000
#define nvme_cmd_write		0x01
#define nvme_cmd_read		0x02

/* Virtual time a command may take: 1 us per command in the model; Linux's default is 30 s. */
#define NVME_TIMEOUT_NS		(30ull * 1000000000ull)

static u64 sq_doorbell(struct nvme_queue *q)
{
	return q->dev->bar + NVME_REG_DBS + 2u * q->qid * q->dev->db_stride;
}

static u64 cq_doorbell(struct nvme_queue *q)
{
	return sq_doorbell(q) + q->dev->db_stride;
}

bool nvme_process_cq(struct nvme_queue *q)
{
	bool any = false;

	if (!q->cq_phys)
		return false;
	for (;;) {
		u32 *cqe = phys_to_virt(q->cq_phys + (u64)q->cq_head * 16);
		u32 dw3;

		if (!cqe)
			break;
		dw3 = cqe[3];
		if (((dw3 >> 16) & 1) != q->cq_phase)
			break;
		if (q->waiting && (dw3 & 0xffff) == q->wait_cid) {
			u32 sf = dw3 >> 17;	/* SC 7:0, SCT 10:8, CRD, M, DNR */

			q->result = cqe[0];
			q->status = (u16)(sf & 0x7ff);
			q->done = true;
			q->waiting = false;
		}
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->cq_phase ^= 1;
		}
		any = true;
	}
	if (any)
		writel(q->cq_head, cq_doorbell(q));
	return any;
}

static bool ctrl_dead(struct nvme_dev *nd)
{
	u32 csts = readl(nd->bar + NVME_REG_CSTS);

	return csts == ~0u || (csts & NVME_CSTS_CFS);
}

int nvme_submit_sync(struct nvme_queue *q, struct nvme_command *cmd, u32 *result)
{
	struct nvme_dev *nd = q->dev;
	u16 cid = q->next_cid++;
	u32 *slot;

	if (q->waiting || !q->sq_phys)
		return -EBUSY;
	slot = phys_to_virt(q->sq_phys + (u64)q->sq_tail * 64);
	if (!slot)
		return -EFAULT;
	cmd->dw[0] = (cmd->dw[0] & 0xffff) | (u32)cid << 16;
	memcpy(slot, cmd->dw, sizeof(cmd->dw));
	q->sq_tail = (u16)((q->sq_tail + 1) % q->depth);
	q->wait_cid = cid;
	q->done = false;
	q->waiting = true;
	writel(q->sq_tail, sq_doorbell(q));
	/* Short steps first (a command takes 1 us), then 1 ms ones up to the timeout. */
	for (u64 waited = 0; !q->done && waited < NVME_TIMEOUT_NS;) {
		u64 step = waited < 100000 ? 1000 : 1000000;

		if (waited >= 100000 && ctrl_dead(nd))
			break;
		kernel_sleep(step);
		waited += step;
	}
	if (!q->done) {
		q->waiting = false;
		pr_warn("nvme %s: I/O tag %u (%04x) opcode %#x QID %u timeout\n", nd->name, cid, cid,
			NVME_CMD_OPC(cmd), q->qid);
		return ctrl_dead(nd) ? -ENODEV : -ETIMEDOUT;
	}
	if (result)
		*result = q->result;
	return q->status;
}

/* ---- Read and Write ------------------------------------------------------------------ */

struct nvme_iod {
	dma_addr_t dma[128];	/* one per 4 KiB page (MDTS 512 KiB) */
	unsigned npages;
	u32 bytes;
};

static void nvme_unmap_data(struct nvme_dev *nd, struct nvme_iod *iod,
			    enum dma_data_direction dir)
{
	for (unsigned i = 0; i < iod->npages; i++) {
		u32 len = MIN(NVME_PAGE_SIZE, iod->bytes - i * NVME_PAGE_SIZE);

		dma_unmap_single(&nd->pdev->dev, iod->dma[i], len, dir);
	}
	iod->npages = 0;
}

/* nvme_setup_prps: each page mapped on its own, so the PRPs need not be contiguous. */
static int nvme_map_data(struct nvme_dev *nd, struct nvme_iod *iod, u64 phys,
			 enum dma_data_direction dir, struct nvme_command *c)
{
	unsigned n = (iod->bytes + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	u64 *list;

	if (n > ARRAY_SIZE(iod->dma))
		return -EINVAL;
	for (iod->npages = 0; iod->npages < n; iod->npages++) {
		unsigned i = iod->npages;
		u32 len = MIN(NVME_PAGE_SIZE, iod->bytes - i * NVME_PAGE_SIZE);
		dma_addr_t a = dma_map_single(&nd->pdev->dev, phys + (u64)i * NVME_PAGE_SIZE, len,
					      dir);

		if (dma_mapping_error(&nd->pdev->dev, a)) {
			nvme_unmap_data(nd, iod, dir);
			return -ENOMEM;
		}
		iod->dma[i] = a;
	}
	c->dw[6] = (u32)iod->dma[0];
	c->dw[7] = (u32)(iod->dma[0] >> 32);
	if (n == 2) {
		c->dw[8] = (u32)iod->dma[1];
		c->dw[9] = (u32)(iod->dma[1] >> 32);
	} else if (n > 2) {
		list = phys_to_virt(nd->prp_list_phys);
		for (unsigned i = 1; i < n; i++)
			list[i - 1] = iod->dma[i];
		c->dw[8] = (u32)nd->prp_list_dma;
		c->dw[9] = (u32)(nd->prp_list_dma >> 32);
	}
	return 0;
}

int nvme_rw(struct nvme_dev *nd, bool write, u64 slba, u32 nlb, u64 phys)
{
	enum dma_data_direction dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct nvme_command c = { { write ? nvme_cmd_write : nvme_cmd_read } };
	struct nvme_iod *iod;
	int ret;

	if (!nd->online)
		return -ENODEV;
	if (!nlb || nlb > 0x10000 || ((u64)nlb << nd->lba_shift) > nd->max_bytes)
		return -EINVAL;
	iod = kzalloc(sizeof(*iod));
	if (!iod)
		return -ENOMEM;
	iod->bytes = nlb << nd->lba_shift;
	ret = nvme_map_data(nd, iod, phys, dir, &c);
	if (ret)
		goto out;
	c.dw[1] = 1;			/* NSID */
	c.dw[10] = (u32)slba;
	c.dw[11] = (u32)(slba >> 32);
	c.dw[12] = nlb - 1;
	ret = nvme_submit_sync(&nd->io, &c, NULL);
	nvme_unmap_data(nd, iod, dir);
	if (ret > 0) {
		pr_err("%sn1: I/O Cmd(%#x) @ LBA %llu, %u blocks, I/O Error (sct %#x / sc %#x)\n",
		       nd->name, NVME_CMD_OPC(&c), (unsigned long long)slba, nlb, (ret >> 8) & 7,
		       ret & 0xff);
		ret = -EIO;
	}
out:
	kfree(iod);
	return ret;
}

/* ---- the shell's verbs ------------------------------------------------------------------ */

static void set_msg(char *msg, size_t msglen, const char *fmt, ...) __printf(3, 4);
static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* Copies between the pages at @phys and @host. */
static void pages_io(u64 phys, void *host, size_t len, bool to_pages)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		size_t n = MIN(PAGE_SIZE, len - off);
		u8 *p = phys_to_virt(phys + off);

		if (!p)
			return;
		if (to_pages)
			memcpy(p, (u8 *)host + off, n);
		else
			memcpy((u8 *)host + off, p, n);
	}
}

static struct nvme_dev *lab_find(const char *devname, char *msg, size_t msglen)
{
	struct nvme_dev *nd = nvme_find(devname);

	if (!nd || !nd->online) {
		set_msg(msg, msglen, "%s: no such device bound to nvme", devname ? devname : "(null)");
		return NULL;
	}
	return nd;
}

int nvme_lab_io(const char *devname, bool write, u64 lba, u32 count, void *buf, size_t *len,
		char *msg, size_t msglen)
{
	struct nvme_dev *nd = lab_find(devname, msg, msglen);
	u64 bytes, chunk_phys;
	u32 per, order = 0;
	int ret = 0;

	if (!nd)
		return -ENODEV;
	bytes = (u64)count << nd->lba_shift;
	if (!count || lba >= nd->nsze || count > nd->nsze - lba) {
		set_msg(msg, msglen, "%s: LBA %llu + %u blocks beyond the namespace (%llu blocks)",
			devname, (unsigned long long)lba, count, (unsigned long long)nd->nsze);
		return -EINVAL;
	}
	if (bytes > NVME_MAX_BYTES || !len || *len < bytes) {
		set_msg(msg, msglen, "%s: %u blocks is too large", devname, count);
		return -EINVAL;
	}
	per = nd->max_bytes >> nd->lba_shift;
	while ((PAGE_SIZE << order) < MIN(bytes, (u64)nd->max_bytes))
		order++;
	chunk_phys = alloc_pages_phys(order);
	if (!chunk_phys) {
		set_msg(msg, msglen, "%s: out of memory", devname);
		return -ENOMEM;
	}
	for (u32 done = 0; done < count && !ret;) {
		u32 nlb = MIN(per, count - done);
		size_t n = (size_t)nlb << nd->lba_shift;
		u8 *p = (u8 *)buf + ((size_t)done << nd->lba_shift);

		if (write)
			pages_io(chunk_phys, p, n, true);
		ret = nvme_rw(nd, write, lba + done, nlb, chunk_phys);
		if (!ret && !write)
			pages_io(chunk_phys, p, n, false);
		done += nlb;
	}
	free_pages_phys(chunk_phys, order);
	if (ret) {
		set_msg(msg, msglen, "%s: %s of %u blocks at LBA %llu failed (%d)", devname,
			write ? "write" : "read", count, (unsigned long long)lba, ret);
		return ret;
	}
	*len = bytes;
	set_msg(msg, msglen, "nvme: %s: %s %u blocks at LBA %llu (%llu bytes): ok", devname,
		write ? "wrote" : "read", count, (unsigned long long)lba, (unsigned long long)bytes);
	return 0;
}

int nvme_lab_info(const char *devname, u32 *lba_size, char *msg, size_t msglen)
{
	struct nvme_dev *nd = lab_find(devname, msg, msglen);

	if (!nd)
		return -ENODEV;
	if (lba_size)
		*lba_size = 1u << nd->lba_shift;
	set_msg(msg, msglen, "%s: %s, SN %s, FR %s, namespace 1: %llu blocks of %u bytes",
		nd->name, nd->mn, nd->sn, nd->fr, (unsigned long long)nd->nsze,
		1u << nd->lba_shift);
	return 0;
}
