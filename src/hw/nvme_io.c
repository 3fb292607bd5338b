/*
 * iommulab,nvme NVM I/O commands: Flush, Write, Read, Write Zeroes.
 * Data moves in one copy where it can: straight between a memory-backed
 * namespace and the PRP segments, one DMA per segment. A Write changes
 * the namespace only with all of its data: a single segment is one DMA,
 * all or nothing, so it lands in place; more segments (or a file) gather
 * into the bounce buffer first, so a transfer that fails anywhere writes
 * nothing. A Read fills the host's buffers in PRP order; one that fails
 * part way has written the pieces before the failure (the spec leaves the
 * buffer's contents undefined on error).
 */
#include "nvme_priv.h"

#define IO_FLUSH 0x00
#define IO_WRITE 0x01
#define IO_READ 0x02
#define IO_WRITE_ZEROES 0x08

static struct nvme_result st(u16 status)
{
	return (struct nvme_result){ .status = status };
}

/* The namespace and byte range of an LBA-addressed command, or a status. */
static u16 lba_range(struct nvme *n, const struct nvme_cmd *c, struct nvme_ns **nsp, u64 *off,
		     u64 *len)
{
	u64 slba = c->cdw10 | (u64)c->cdw11 << 32;
	u64 nlb = (c->cdw12 & 0xffff) + 1;     /* 0-based */
	struct nvme_ns *ns;

	if (c->nsid < 1 || c->nsid > n->nr_ns)
		return NVME_INVALID_NS;
	ns = &n->ns[c->nsid - 1];
	if (slba >= ns->nlba || nlb > ns->nlba - slba)
		return NVME_LBA_RANGE;
	*nsp = ns;
	*off = slba << ns->lba_shift;
	*len = nlb << ns->lba_shift;
	return NVME_SUCCESS;
}

static u16 read_data(struct nvme *n, struct nvme_ns *ns, u64 off, u32 len, unsigned nseg)
{
	u8 *mem = nvme_ns_mem(n, ns, off);

	if (mem)
		return nvme_prp_xfer(n, nseg, mem, HW_WRITE);
	if (nvme_ns_read(n, ns, off, n->bounce, len))
		return NVME_INTERNAL_ERROR;
	return nvme_prp_xfer(n, nseg, n->bounce, HW_WRITE);
}

static u16 write_data(struct nvme *n, struct nvme_ns *ns, u64 off, u32 len, unsigned nseg)
{
	u8 *mem = nvme_ns_mem(n, ns, off);
	u16 s;

	if (mem && nseg == 1)
		return nvme_prp_xfer(n, nseg, mem, HW_READ);
	s = nvme_prp_xfer(n, nseg, n->bounce, HW_READ);
	if (s)
		return s;
	return nvme_ns_write(n, ns, off, n->bounce, len) ? NVME_INTERNAL_ERROR : NVME_SUCCESS;
}

static struct nvme_result rw(struct nvme *n, const struct nvme_cmd *c, bool write)
{
	struct nvme_ns *ns;
	unsigned nseg;
	u64 off, len;
	u16 s = lba_range(n, c, &ns, &off, &len);

	if (s)
		return st(s);
	if (len > NVME_MAX_XFER)
		return st(NVME_INVALID_FIELD);   /* beyond MDTS */
	s = nvme_prp_map(n, c->prp1, c->prp2, (u32)len, &nseg);
	if (s)
		return st(s);
	if (write)
		return st(write_data(n, ns, off, (u32)len, nseg));
	return st(read_data(n, ns, off, (u32)len, nseg));
}

static struct nvme_result write_zeroes(struct nvme *n, const struct nvme_cmd *c)
{
	struct nvme_ns *ns;
	u64 off, len;
	u16 s = lba_range(n, c, &ns, &off, &len);

	if (s)
		return st(s);
	return st(nvme_ns_zero(n, ns, off, len) ? NVME_INTERNAL_ERROR : NVME_SUCCESS);
}

static struct nvme_result flush(struct nvme *n, const struct nvme_cmd *c)
{
	/* FFFFFFFFh: every namespace (one backing file, one flush). */
	if (c->nsid != 0xffffffff && (c->nsid < 1 || c->nsid > n->nr_ns))
		return st(NVME_INVALID_NS);
	return st(nvme_ns_flush(n) ? NVME_INTERNAL_ERROR : NVME_SUCCESS);
}

struct nvme_result nvme_io_exec(struct nvme *n, const struct nvme_cmd *c)
{
	if (c->flags & 0xc3)
		return st(NVME_INVALID_FIELD);   /* fused, SGL */
	switch (c->opcode) {
	case IO_FLUSH: return flush(n, c);
	case IO_WRITE: return rw(n, c, true);
	case IO_READ: return rw(n, c, false);
	case IO_WRITE_ZEROES: return write_zeroes(n, c);
	default: return st(NVME_INVALID_OPCODE);
	}
}
