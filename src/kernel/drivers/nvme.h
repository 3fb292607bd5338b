/*
 * The nvme driver (Linux: drivers/nvme/host/pci.c, core.c, much reduced):
 * binds NVMe controllers (class 0x010802) at boot, resets the controller,
 * sets up the admin queue, identifies the controller and namespace 1,
 * creates one I/O queue pair on MSI-X, and reads and writes blocks with
 * PRPs built from DMA API mappings. nvme.c: probe/remove and the queues;
 * nvme_io.c: commands, PRPs and the shell's entry points.
 */
#ifndef LAB_KERNEL_DRIVERS_NVME_H
#define LAB_KERNEL_DRIVERS_NVME_H

#include "common/types.h"
#include "kernel/iommu/dma-mapping.h"

struct pci_dev;

#define NVME_AQ_DEPTH		32
#define NVME_IO_DEPTH_MAX	1024
#define NVME_PAGE_SIZE		4096u
#define NVME_MAX_BYTES		(16u << 20)	/* what nvme_lab_io moves at once */

/* A submission/completion queue pair (Linux's struct nvme_queue). */
struct nvme_queue {
	struct nvme_dev *dev;
	u16 qid;
	u16 depth;
	u64 sq_phys, cq_phys;	/* SQ and CQ pages (dma_alloc_coherent) */
	dma_addr_t sq_dma, cq_dma;
	u16 sq_tail, cq_head;
	u8 cq_phase;
	u16 cq_vector;		/* its interrupt's vector index */
	u32 irq;
	u16 next_cid;
	/* The one command in flight (commands are synchronous here). */
	u16 wait_cid;
	bool waiting, done;
	u16 status;		/* status field (bits 15:1 of DW3 >> 16 >> 1) */
	u32 result;		/* DW0 */
	bool created;		/* an I/O queue the controller knows */
};

struct nvme_dev {
	struct pci_dev *pdev;
	u64 bar;
	int instance;		/* nvmeN */
	char name[16];
	u64 cap;
	u32 db_stride;		/* bytes between doorbells */
	unsigned nr_vecs;
	struct nvme_queue admin;
	struct nvme_queue io;
	u64 prp_list_phys;	/* one PRP list page (one command at a time) */
	dma_addr_t prp_list_dma;
	u32 max_bytes;		/* MDTS */
	char sn[21], mn[41], fr[9];
	u64 nsze;		/* namespace 1: blocks */
	u32 lba_shift;
	u64 irqs;
	bool online;		/* I/O queue up, not being removed */
};

/* nvme.c */
int nvme_init(void);
void nvme_exit(void);
/* The device named @name bound to nvme, or NULL. */
struct nvme_dev *nvme_find(const char *name);

/* nvme_io.c: commands */
struct nvme_command {
	u32 dw[16];
};
#define NVME_CMD_OPC(c)	((c)->dw[0] & 0xff)
/*
 * Submits @cmd on @q and waits for its completion (the interrupt handler
 * records it). 0, the NVMe status (positive: SCT << 8 | SC), or
 * -ETIMEDOUT, -ENODEV (controller gone).
 */
int nvme_submit_sync(struct nvme_queue *q, struct nvme_command *cmd, u32 *result);
/* Consumes @q's new completions; true if there were any. */
bool nvme_process_cq(struct nvme_queue *q);
/* Read (false) or Write @nlb blocks at @slba of namespace 1 from/to @phys (contiguous). */
int nvme_rw(struct nvme_dev *nd, bool write, u64 slba, u32 nlb, u64 phys);

/*
 * The shell's `nvme read|write|id` verbs: the nvme driver bound to
 * @devname moves @count blocks at @lba between @buf and namespace 1
 * (split at MDTS). @buf holds count << lba_shift bytes (*@len in, bytes
 * moved out). A one-line report goes to @msg. 0 or -ENODEV (not bound to
 * nvme), -EINVAL (range, size), -ENOMEM, -EIO (an NVMe error status),
 * -ETIMEDOUT.
 */
int nvme_lab_io(const char *devname, bool write, u64 lba, u32 count, void *buf, size_t *len,
		char *msg, size_t msglen);
/* "nvme0: MN, SN, FR, N blocks of B bytes" into @msg; -ENODEV. */
int nvme_lab_info(const char *devname, u32 *lba_size, char *msg, size_t msglen);

#endif
