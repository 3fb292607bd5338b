/*
 * The dma-copy engine core (docs/devices.md, "iommulab,dma-copy"): START
 * latches the registers and schedules the copy 1 us + 1 ns per 4 bytes
 * later; the copy reads the whole source through the face's bus path,
 * then writes the destination, each all or nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dma_copy_engine.h"

#define DC_ID 0x000
#define DC_VERSION 0x004
#define DC_SRC_LO 0x008
#define DC_SRC_HI 0x00c
#define DC_DST_LO 0x010
#define DC_DST_HI 0x014
#define DC_LEN 0x018
#define DC_SID_IDX 0x01c
#define DC_CTRL 0x020
#define DC_STATUS 0x024
#define DC_ERR_ADDR_LO 0x028
#define DC_ERR_ADDR_HI 0x02c
#define DC_ERR_CODE 0x030

#define DC_ID_VALUE 0x444d4143u
#define CTRL_START BIT(0)
#define CTRL_IRQ_EN BIT(1)
#define ST_BUSY BIT(0)
#define ST_DONE BIT(1)
#define ST_ERROR BIT(2)

#define ERR_NONE 0
#define ERR_READ 1
#define ERR_WRITE 2
#define ERR_LEN 3
#define ERR_SID_IDX 4

#define DC_MAX_LEN (16u << 20)

void dc_engine_init(struct dc_engine *e, struct machine *m, const struct dc_engine_ops *ops,
		    void *face)
{
	memset(e, 0, sizeof(*e));
	e->m = m;
	e->ops = ops;
	e->face = face;
}

static void update_irq(struct dc_engine *e)
{
	e->ops->irq(e->face, (e->ctrl & CTRL_IRQ_EN) && (e->status & (ST_DONE | ST_ERROR)));
}

void dc_engine_reset(struct dc_engine *e)
{
	hw_event_cancel(e->m, e->event);
	e->event = 0;
	e->src = e->dst = e->err_addr = 0;
	e->len = e->sid_idx = e->ctrl = e->status = e->err_code = 0;
	update_irq(e);
}

static void finish(struct dc_engine *e, u32 code, u64 addr)
{
	e->status &= ~ST_BUSY;
	e->status |= ST_DONE;
	if (code) {
		e->status |= ST_ERROR;
		e->err_code = code;
		e->err_addr = addr;
	}
	update_irq(e);
}

/*
 * The buffer for a copy of @len bytes: grown on demand and kept, so a
 * large copy does not allocate (and fault in) fresh memory every time.
 */
static void *bounce_buf(struct dc_engine *e, size_t len)
{
	void *buf;

	if (e->buf_len >= len)
		return e->buf;
	buf = realloc(e->buf, len);
	if (!buf)
		return NULL;
	e->buf = buf;
	e->buf_len = len;
	return buf;
}

static void run_copy(void *arg)
{
	struct dc_engine *e = arg;
	u64 fault = 0;
	void *buf = bounce_buf(e, e->run_len);

	e->event = 0;
	if (!buf) {
		finish(e, ERR_READ, e->run_src);
		return;
	}
	if (e->ops->copy) {
		bool write_fault = false;

		if (e->ops->copy(e->face, e->run_stream, e->run_src, e->run_dst, e->run_len, buf,
				 &fault, &write_fault))
			finish(e, write_fault ? ERR_WRITE : ERR_READ, fault);
		else
			finish(e, ERR_NONE, 0);
	} else if (e->ops->dma(e->face, e->run_stream, e->run_src, buf, e->run_len, HW_READ, &fault))
		finish(e, ERR_READ, fault);
	else if (e->ops->dma(e->face, e->run_stream, e->run_dst, buf, e->run_len, HW_WRITE,
			     &fault))
		finish(e, ERR_WRITE, fault);
	else
		finish(e, ERR_NONE, 0);
}

void dc_engine_exit(struct dc_engine *e)
{
	free(e->buf);
	e->buf = NULL;
	e->buf_len = 0;
}

static void start(struct dc_engine *e)
{
	if (e->status & ST_BUSY)
		return;   /* START while BUSY is ignored */
	e->err_code = ERR_NONE;
	e->err_addr = 0;
	if (e->len == 0 || e->len > DC_MAX_LEN) {
		finish(e, ERR_LEN, 0);
		return;
	}
	if (e->sid_idx >= e->ops->nr_streams(e->face)) {
		finish(e, ERR_SID_IDX, 0);
		return;
	}
	e->run_src = e->src;
	e->run_dst = e->dst;
	e->run_len = e->len;
	e->run_stream = e->sid_idx;
	e->status |= ST_BUSY;
	e->event = hw_event_schedule(e->m, 1000 + e->run_len / 4, run_copy, e);
	if (!e->event)
		finish(e, ERR_READ, e->run_src);
}

static u32 reg_read(struct dc_engine *e, u64 off)
{
	switch (off) {
	case DC_ID: return DC_ID_VALUE;
	case DC_VERSION: return 1;
	case DC_SRC_LO: return (u32)e->src;
	case DC_SRC_HI: return (u32)(e->src >> 32);
	case DC_DST_LO: return (u32)e->dst;
	case DC_DST_HI: return (u32)(e->dst >> 32);
	case DC_LEN: return e->len;
	case DC_SID_IDX: return e->sid_idx;
	case DC_CTRL: return e->ctrl & CTRL_IRQ_EN;
	case DC_STATUS: return e->status;
	case DC_ERR_ADDR_LO: return (u32)e->err_addr;
	case DC_ERR_ADDR_HI: return (u32)(e->err_addr >> 32);
	case DC_ERR_CODE: return e->err_code;
	default: return 0;
	}
}

static void reg_write(struct dc_engine *e, u64 off, u32 v)
{
	switch (off) {
	case DC_SRC_LO: e->src = (e->src & ~0xffffffffull) | v; break;
	case DC_SRC_HI: e->src = (e->src & 0xffffffffull) | (u64)v << 32; break;
	case DC_DST_LO: e->dst = (e->dst & ~0xffffffffull) | v; break;
	case DC_DST_HI: e->dst = (e->dst & 0xffffffffull) | (u64)v << 32; break;
	case DC_LEN: e->len = v; break;
	case DC_SID_IDX: e->sid_idx = v; break;
	case DC_CTRL:
		e->ctrl = v & CTRL_IRQ_EN;
		if (v & CTRL_START)
			start(e);
		update_irq(e);
		break;
	case DC_STATUS:
		e->status &= ~(v & (ST_DONE | ST_ERROR));
		update_irq(e);
		break;
	default:
		break;   /* read-only or unassigned: ignored */
	}
}

/* 4-byte registers; an 8-byte access is the pair, a narrower one a slice. */
static u64 mmio_read(void *opaque, u64 off, unsigned size)
{
	struct dc_engine *e = opaque;

	if (size == 8)
		return reg_read(e, off & ~3ull) | (u64)reg_read(e, (off & ~3ull) + 4) << 32;
	return reg_read(e, off & ~3ull) >> (8 * (off & 3));
}

static void mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct dc_engine *e = opaque;

	if (size == 8 && !(off & 3)) {
		reg_write(e, off, (u32)val);
		reg_write(e, off + 4, (u32)(val >> 32));
	} else if (size == 4 && !(off & 3)) {
		reg_write(e, off, (u32)val);
	}
	/* narrower or unaligned writes are dropped */
}

const struct hw_mmio_ops dc_engine_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};
