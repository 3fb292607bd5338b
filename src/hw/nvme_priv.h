/*
 * The iommulab,nvme model's insides, shared by its files:
 *   nvme.c        the PCI face, DT properties, create/destroy, resets
 *   nvme_regs.c   BAR0: controller registers, doorbells, interrupts
 *   nvme_queue.c  command fetch, completion posting, the processing event
 *   nvme_admin.c  admin commands
 *   nvme_io.c     NVM I/O commands
 *   nvme_prp.c    PRP entries and lists to a list of DMA segments
 *   nvme_ns.c     namespace backing: a lazily filled mapping or a host file
 * Datasheet: docs/devices.md, "iommulab,nvme".
 */
#ifndef LAB_HW_NVME_PRIV_H
#define LAB_HW_NVME_PRIV_H

#include "hw/nvme.h"

/* ---- geometry and limits ------------------------------------------------ */

#define NVME_BAR0_SIZE 0x4000
#define NVME_DB_BASE 0x1000
#define NVME_MAX_IOQ 64                  /* I/O queue IDs 1..64 */
#define NVME_NR_QUEUES (NVME_MAX_IOQ + 1)
#define NVME_NR_VECTORS NVME_NR_QUEUES   /* MSI-X: one per CQ */
#define NVME_MSIX_TABLE 0x2000
#define NVME_MSIX_PBA 0x3000
#define NVME_MQES 1023                   /* 1024 entries per I/O queue */
#define NVME_MDTS 7                      /* 2^7 pages: 512 KiB */
#define NVME_MAX_XFER (4096u << NVME_MDTS)
#define NVME_MAX_NS 16
#define NVME_AERL 3                      /* 4 outstanding AERs */
#define NVME_ACL 3
#define NVME_PAGE 4096u
#define NVME_ROUND_NS 1000               /* virtual ns per processing round */

/* Controller registers (offsets in BAR0). */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_INTMS 0x0c
#define NVME_REG_INTMC 0x10
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_NSSR 0x20
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28
#define NVME_REG_ACQ 0x30

#define NVME_CC_EN BIT(0)
#define NVME_CC_CSS(cc) (((cc) >> 4) & 7)
#define NVME_CC_MPS(cc) (((cc) >> 7) & 0xf)
#define NVME_CC_AMS(cc) (((cc) >> 11) & 7)
#define NVME_CC_SHN(cc) (((cc) >> 14) & 3)
#define NVME_CC_IOSQES(cc) (((cc) >> 16) & 0xf)
#define NVME_CC_IOCQES(cc) (((cc) >> 20) & 0xf)
#define NVME_CC_WMASK 0x00fffff1u
#define NVME_CC_SHN_MASK (3u << 14)

#define NVME_CSTS_RDY BIT(0)
#define NVME_CSTS_CFS BIT(1)
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2)

/* ---- status codes (SCT << 8 | SC) --------------------------------------- */

#define NVME_SC(sct, sc) ((u16)((sct) << 8 | (sc)))
#define NVME_SUCCESS 0
#define NVME_INVALID_OPCODE NVME_SC(0, 0x01)
#define NVME_INVALID_FIELD NVME_SC(0, 0x02)
#define NVME_DATA_XFER_ERROR NVME_SC(0, 0x04)
#define NVME_INTERNAL_ERROR NVME_SC(0, 0x06)
#define NVME_INVALID_NS NVME_SC(0, 0x0b)
#define NVME_CMD_SEQ_ERROR NVME_SC(0, 0x0c)
#define NVME_INVALID_PRP_OFFSET NVME_SC(0, 0x13)
#define NVME_LBA_RANGE NVME_SC(0, 0x80)
#define NVME_CQ_INVALID NVME_SC(1, 0x00)
#define NVME_INVALID_QID NVME_SC(1, 0x01)
#define NVME_INVALID_QSIZE NVME_SC(1, 0x02)
#define NVME_ABORT_LIMIT NVME_SC(1, 0x03)
#define NVME_AER_LIMIT NVME_SC(1, 0x05)
#define NVME_INVALID_VECTOR NVME_SC(1, 0x08)
#define NVME_INVALID_LOG_PAGE NVME_SC(1, 0x09)
#define NVME_INVALID_QUEUE_DELETION NVME_SC(1, 0x0c)
#define NVME_FID_NOT_SAVEABLE NVME_SC(1, 0x0d)
/* Returned by a handler that posts no completion (an outstanding AER). */
#define NVME_NO_COMPLETION 0xffff

/* ---- state --------------------------------------------------------------- */

struct nvme_sq {
	bool valid;
	u64 base;
	u32 size, head, tail;
	u16 cqid;
};

struct nvme_cq {
	bool valid, ien, phase, irq_due;
	u64 base;
	u32 size, head, tail;
	u16 iv;
	unsigned nr_sq;           /* SQs posting here */
};

/*
 * A namespace in lab memory: one private anonymous mapping of its size,
 * whose pages the host fills at their first write (unwritten: zeros).
 */
struct nvme_mem {
	u8 *base;                 /* NULL: none (a file-backed namespace) */
	u64 size;                 /* the mapping's length, whole pages */
};

struct nvme_ns {
	u64 nlba;
	unsigned lba_shift;
	u64 file_off;             /* where it starts in the backing file */
	struct nvme_mem mem;      /* when there is no file */
};

/* A transfer's pieces, from the PRPs. */
struct nvme_seg {
	u64 addr;
	u32 len;
};

#define NVME_MAX_SEGS (NVME_MAX_XFER / NVME_PAGE + 1)

struct nvme_cmd {
	u8 opcode, flags;
	u16 cid;
	u32 nsid;
	u64 prp1, prp2;
	u32 cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_result {
	u16 status;
	u32 dw0;
};

struct nvme {
	struct machine *m;
	struct pci_func *func;
	int (*dma)(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc);
	void *bus;

	/* registers */
	u32 cc, csts, intms, aqa;
	u64 asq, acq;

	struct nvme_sq sq[NVME_NR_QUEUES];
	struct nvme_cq cq[NVME_NR_QUEUES];
	unsigned nr_iosq, nr_iocq;        /* granted by Number of Queues */
	unsigned ioq_created;             /* I/O queues made since the reset */
	u32 feat_coalesce, feat_aec, feat_vwc;
	unsigned aer_outstanding;
	u64 event;
	unsigned rr;                      /* next SQ the arbiter serves */

	/* namespaces */
	struct nvme_ns ns[NVME_MAX_NS];
	unsigned nr_ns;
	int fd;                           /* backing file, or -1 */
	char serial[21];

	u8 *bounce;                       /* NVME_MAX_XFER bytes, when data cannot move in place */
	struct nvme_seg segs[NVME_MAX_SEGS];
};

/* nvme_regs.c */
extern const struct hw_mmio_ops nvme_bar0_ops;
void nvme_irq_update(struct nvme *n);
void nvme_ctrl_reset(struct nvme *n);

/* nvme_queue.c */
void nvme_kick(struct nvme *n);
void nvme_process(void *arg);
bool nvme_cq_full(const struct nvme_cq *cq);

/* nvme_admin.c, nvme_io.c */
struct nvme_result nvme_admin_exec(struct nvme *n, const struct nvme_cmd *c);
struct nvme_result nvme_io_exec(struct nvme *n, const struct nvme_cmd *c);

/* nvme_prp.c: a status; *nseg pieces in n->segs. */
u16 nvme_prp_map(struct nvme *n, u64 prp1, u64 prp2, u32 len, unsigned *nseg);
/*
 * Moves the pieces' bytes between them and the host buffer @buf, one DMA
 * per piece in order: 0 or NVME_DATA_XFER_ERROR (the pieces before the one
 * that failed have moved; each DMA is all or nothing).
 */
u16 nvme_prp_xfer(struct nvme *n, unsigned nseg, void *buf, enum hw_access acc);
/* Both, for a host buffer @len <= NVME_MAX_XFER taken from n->bounce. */
u16 nvme_prp_rw(struct nvme *n, const struct nvme_cmd *c, u32 len, enum hw_access acc);

/* nvme_ns.c: byte offsets inside namespace @ns; 0 or -errno. */
int nvme_ns_read(struct nvme *n, struct nvme_ns *ns, u64 off, void *buf, size_t len);
int nvme_ns_write(struct nvme *n, struct nvme_ns *ns, u64 off, const void *buf, size_t len);
int nvme_ns_zero(struct nvme *n, struct nvme_ns *ns, u64 off, u64 len);
int nvme_ns_flush(struct nvme *n);
/* Where byte @off of memory-backed @ns lives; NULL when @ns is in a file. */
u8 *nvme_ns_mem(struct nvme *n, struct nvme_ns *ns, u64 off);
int nvme_mem_init(struct nvme_mem *s, u64 bytes);
void nvme_mem_free(struct nvme_mem *s);

/* Little-endian accessors for command and data structures. */
static inline u32 nvme_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 nvme_le64(const u8 *p)
{
	return nvme_le32(p) | (u64)nvme_le32(p + 4) << 32;
}

static inline void nvme_put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void nvme_put32(u8 *p, u32 v)
{
	nvme_put16(p, v);
	nvme_put16(p + 2, v >> 16);
}

static inline void nvme_put64(u8 *p, u64 v)
{
	nvme_put32(p, v);
	nvme_put32(p + 4, v >> 32);
}

#endif
