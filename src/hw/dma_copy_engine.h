/*
 * The iommulab,dma-copy engine core (docs/devices.md, "iommulab,dma-copy"),
 * shared by its two faces: the platform device (dma_copy.c: a DT node on
 * the platform fabric) and the PCI endpoint (pci_dma_copy.c). The core
 * owns the registers, START, the timing and the copy; the face gives it a
 * DMA path, a stream count and an interrupt output.
 */
#ifndef LAB_HW_DMA_COPY_ENGINE_H
#define LAB_HW_DMA_COPY_ENGINE_H

#include "hw/machine.h"

struct dc_engine_ops {
	/*
	 * Issues @len bytes at bus address @addr on stream @stream: 0, or
	 * nonzero with *@fault the failing bus address.
	 */
	int (*dma)(void *face, unsigned stream, u64 addr, void *buf, size_t len,
		   enum hw_access acc, u64 *fault);
	/*
	 * Optional: the whole copy, as dma reading @src into @bounce then
	 * writing it to @dst would do it (hw_dma_stream_copy): 0, or nonzero
	 * with *@fault and *@write_fault (the write failed, not the read).
	 */
	int (*copy)(void *face, unsigned stream, u64 src, u64 dst, size_t len, void *bounce,
		    u64 *fault, bool *write_fault);
	/* How many streams SID_IDX may select (>= 1). */
	unsigned (*nr_streams)(void *face);
	/* The interrupt condition: IRQ_EN and (DONE or ERROR). Called on every update. */
	void (*irq)(void *face, bool level);
};

struct dc_engine {
	struct machine *m;
	const struct dc_engine_ops *ops;
	void *face;

	u64 src, dst;
	u32 len, sid_idx, ctrl, status, err_code;
	u64 err_addr;

	/* latched at START */
	u64 run_src, run_dst;
	u32 run_len, run_stream;
	u64 event;

	/* The bounce buffer a copy moves through, kept for the next one. */
	void *buf;
	size_t buf_len;
};

#define DC_REGS_SIZE 0x1000

void dc_engine_init(struct dc_engine *e, struct machine *m, const struct dc_engine_ops *ops,
		    void *face);
/* Frees the engine's buffer (the face's destroy; a pending event is the face's to cancel). */
void dc_engine_exit(struct dc_engine *e);
/* Power-on values; a transfer not yet run is dropped (its event cancelled). */
void dc_engine_reset(struct dc_engine *e);
/* MMIO handlers of the 4 KiB register window (opaque: the struct dc_engine). */
extern const struct hw_mmio_ops dc_engine_mmio_ops;

#endif
