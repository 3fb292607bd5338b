/*
 * Physical Region Page entries (NVMe 1.4 section 4.3) to DMA segments, with
 * the memory page size fixed at 4 KiB (CC.MPS 0):
 *  - PRP1 is the first page, with a dword-aligned offset;
 *  - a transfer that ends within the second page has its address in PRP2,
 *    with offset 0;
 *  - a longer one has a PRP list pointer in PRP2 (qword aligned, may have
 *    an offset); each list entry is a page (offset 0); when a list page
 *    holds fewer entries than pages remain, its last entry points to the
 *    next list page, which must be page aligned.
 * Anything else is Invalid PRP Offset; a list that cannot be read is a
 * Data Transfer Error. Only the list entries the transfer needs are read,
 * and only the pages the entries name are ever touched.
 */
#include "nvme_priv.h"

#define PAGE_OFF(a) ((a) & (NVME_PAGE - 1))

static void add_seg(struct nvme *n, unsigned *nseg, u64 addr, u32 len)
{
	struct nvme_seg *last = *nseg ? &n->segs[*nseg - 1] : NULL;

	/* Contiguous pages make one DMA. */
	if (last && last->addr + last->len == addr && last->len <= UINT32_MAX - len) {
		last->len += len;
		return;
	}
	n->segs[(*nseg)++] = (struct nvme_seg){ addr, len };
}

static u16 walk_list(struct nvme *n, u64 list, u32 rem, unsigned *nseg)
{
	u8 raw[NVME_PAGE];

	if (list & 7)
		return NVME_INVALID_PRP_OFFSET;
	while (rem) {
		u32 room = (NVME_PAGE - PAGE_OFF(list)) / 8;
		u32 pages = (rem + NVME_PAGE - 1) / NVME_PAGE;
		bool chain = pages > room;
		u32 nent = chain ? room : pages;
		u32 ndata = chain ? room - 1 : pages;

		if (n->dma(n->bus, list, raw, nent * 8, HW_READ))
			return NVME_DATA_XFER_ERROR;
		for (u32 i = 0; i < ndata; i++) {
			u64 e = nvme_le64(raw + 8 * i);
			u32 piece = MIN(rem, NVME_PAGE);

			if (PAGE_OFF(e))
				return NVME_INVALID_PRP_OFFSET;
			add_seg(n, nseg, e, piece);
			rem -= piece;
		}
		if (chain) {
			list = nvme_le64(raw + 8 * (room - 1));
			if (PAGE_OFF(list))
				return NVME_INVALID_PRP_OFFSET;
		}
	}
	return NVME_SUCCESS;
}

u16 nvme_prp_map(struct nvme *n, u64 prp1, u64 prp2, u32 len, unsigned *nseg)
{
	u32 first, rem;

	*nseg = 0;
	if (!len)
		return NVME_SUCCESS;
	if (len > NVME_MAX_XFER)
		return NVME_INVALID_FIELD;
	if (prp1 & 3)
		return NVME_INVALID_PRP_OFFSET;
	first = MIN(len, NVME_PAGE - PAGE_OFF(prp1));
	add_seg(n, nseg, prp1, first);
	rem = len - first;
	if (!rem)
		return NVME_SUCCESS;
	if (rem <= NVME_PAGE) {
		if (PAGE_OFF(prp2))
			return NVME_INVALID_PRP_OFFSET;
		add_seg(n, nseg, prp2, rem);
		return NVME_SUCCESS;
	}
	return walk_list(n, prp2, rem, nseg);
}

u16 nvme_prp_xfer(struct nvme *n, unsigned nseg, void *buf, enum hw_access acc)
{
	u8 *p = buf;

	for (unsigned i = 0; i < nseg; i++) {
		if (n->dma(n->bus, n->segs[i].addr, p, n->segs[i].len, acc))
			return NVME_DATA_XFER_ERROR;
		p += n->segs[i].len;
	}
	return NVME_SUCCESS;
}

u16 nvme_prp_rw(struct nvme *n, const struct nvme_cmd *c, u32 len, enum hw_access acc)
{
	unsigned nseg;
	u16 st = nvme_prp_map(n, c->prp1, c->prp2, len, &nseg);

	return st ? st : nvme_prp_xfer(n, nseg, n->bounce, acc);
}
