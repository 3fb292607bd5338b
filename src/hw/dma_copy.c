/*
 * The iommulab,dma-copy engine (docs/devices.md): a copy engine and bus
 * master. START latches the registers and schedules the copy 1 us + 1 ns
 * per 4 bytes later; the copy reads the whole source through the bus path,
 * then writes the destination, each all or nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_models.h"

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

struct dma_copy {
	struct machine *m;
	struct hw_dma_master *master;
	u64 base;
	u32 intid;
	bool has_irq;

	u64 src, dst;
	u32 len, sid_idx, ctrl, status, err_code;
	u64 err_addr;

	/* latched at START */
	u64 run_src, run_dst;
	u32 run_len, run_stream;   /* SID_IDX: which of its own streams */
	u64 event;
};

static void update_irq(struct dma_copy *d)
{
	bool level = (d->ctrl & CTRL_IRQ_EN) && (d->status & (ST_DONE | ST_ERROR));

	if (d->has_irq)
		hw_irq_set(d->m, d->intid, level);
}

static void finish(struct dma_copy *d, u32 code, u64 addr)
{
	d->status &= ~ST_BUSY;
	d->status |= ST_DONE;
	if (code) {
		d->status |= ST_ERROR;
		d->err_code = code;
		d->err_addr = addr;
	}
	update_irq(d);
}

static void run_copy(void *arg)
{
	struct dma_copy *d = arg;
	u64 fault = 0;
	void *buf = malloc(d->run_len);

	d->event = 0;
	if (!buf) {
		finish(d, ERR_READ, d->run_src);
		return;
	}
	if (hw_dma_stream(d->m, d->master, d->run_stream, d->run_src, buf, d->run_len, HW_READ,
			  &fault))
		finish(d, ERR_READ, fault);
	else if (hw_dma_stream(d->m, d->master, d->run_stream, d->run_dst, buf, d->run_len,
			       HW_WRITE, &fault))
		finish(d, ERR_WRITE, fault);
	else
		finish(d, ERR_NONE, 0);
	free(buf);
}

static void start(struct dma_copy *d)
{
	if (d->status & ST_BUSY)
		return;   /* START while BUSY is ignored */
	d->err_code = ERR_NONE;
	d->err_addr = 0;
	if (d->len == 0 || d->len > DC_MAX_LEN) {
		finish(d, ERR_LEN, 0);
		return;
	}
	/* A master without stream IDs has one stream (index 0): its fabric's. */
	if (d->sid_idx >= hw_master_nr_streams(d->master)) {
		finish(d, ERR_SID_IDX, 0);
		return;
	}
	d->run_src = d->src;
	d->run_dst = d->dst;
	d->run_len = d->len;
	d->run_stream = d->sid_idx;
	d->status |= ST_BUSY;
	d->event = hw_event_schedule(d->m, 1000 + d->run_len / 4, run_copy, d);
	if (!d->event)
		finish(d, ERR_READ, d->run_src);
}

static u32 reg_read(struct dma_copy *d, u64 off)
{
	switch (off) {
	case DC_ID: return DC_ID_VALUE;
	case DC_VERSION: return 1;
	case DC_SRC_LO: return (u32)d->src;
	case DC_SRC_HI: return (u32)(d->src >> 32);
	case DC_DST_LO: return (u32)d->dst;
	case DC_DST_HI: return (u32)(d->dst >> 32);
	case DC_LEN: return d->len;
	case DC_SID_IDX: return d->sid_idx;
	case DC_CTRL: return d->ctrl & CTRL_IRQ_EN;
	case DC_STATUS: return d->status;
	case DC_ERR_ADDR_LO: return (u32)d->err_addr;
	case DC_ERR_ADDR_HI: return (u32)(d->err_addr >> 32);
	case DC_ERR_CODE: return d->err_code;
	default: return 0;
	}
}

static void reg_write(struct dma_copy *d, u64 off, u32 v)
{
	switch (off) {
	case DC_SRC_LO: d->src = (d->src & ~0xffffffffull) | v; break;
	case DC_SRC_HI: d->src = (d->src & 0xffffffffull) | (u64)v << 32; break;
	case DC_DST_LO: d->dst = (d->dst & ~0xffffffffull) | v; break;
	case DC_DST_HI: d->dst = (d->dst & 0xffffffffull) | (u64)v << 32; break;
	case DC_LEN: d->len = v; break;
	case DC_SID_IDX: d->sid_idx = v; break;
	case DC_CTRL:
		d->ctrl = v & CTRL_IRQ_EN;
		if (v & CTRL_START)
			start(d);
		update_irq(d);
		break;
	case DC_STATUS:
		d->status &= ~(v & (ST_DONE | ST_ERROR));
		update_irq(d);
		break;
	default:
		break;   /* read-only or unassigned: ignored */
	}
}

/* 4-byte registers; an 8-byte access is the pair, a narrower one a slice. */
static u64 mmio_read(void *opaque, u64 off, unsigned size)
{
	struct dma_copy *d = opaque;

	if (size == 8)
		return reg_read(d, off & ~3ull) | (u64)reg_read(d, (off & ~3ull) + 4) << 32;
	return reg_read(d, off & ~3ull) >> (8 * (off & 3));
}

static void mmio_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct dma_copy *d = opaque;

	if (size == 8 && !(off & 3)) {
		reg_write(d, off, (u32)val);
		reg_write(d, off + 4, (u32)(val >> 32));
	} else if (size == 4 && !(off & 3)) {
		reg_write(d, off, (u32)val);
	}
	/* narrower or unaligned writes are dropped */
}

static const struct hw_mmio_ops dma_copy_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

static void dma_copy_free(void *arg)
{
	free(arg);
}

int dma_copy_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	u64 base, size;
	int ret = dt_reg(fdt, node, 0, &base, &size);

	if (ret) {
		hw_why(why, whylen, "%s: no usable reg", name);
		return -EINVAL;
	}
	struct dma_copy *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = hw_on_destroy(m, dma_copy_free, d);
	if (ret) {
		free(d);
		return ret;
	}
	d->m = m;
	d->base = base;
	d->has_irq = dt_irq(fdt, node, 0, &d->intid) == 0;
	d->master = hw_master_create(m, node, why, whylen);
	if (!d->master)
		return -EINVAL;
	ret = hw_mmio_map(m, base, size ? size : 0x1000, &dma_copy_ops, d, name);
	if (ret) {
		hw_why(why, whylen, "%s: registers at 0x%llx overlap another region", name,
		       (unsigned long long)base);
		return -EINVAL;
	}
	return 0;
}
