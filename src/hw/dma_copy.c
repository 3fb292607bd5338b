/*
 * The iommulab,dma-copy platform device (docs/devices.md): the shared
 * engine (dma_copy_engine.c) as a DT node, a bus master on the platform
 * fabric with the streams its `iommus` lists, one level interrupt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "common/dt.h"
#include "dma_copy_engine.h"
#include "hw_models.h"

struct dma_copy {
	struct dc_engine engine;
	struct hw_dma_master *master;
	u32 intid;
	bool has_irq;
};

static int face_dma(void *face, unsigned stream, u64 addr, void *buf, size_t len,
		    enum hw_access acc, u64 *fault)
{
	struct dma_copy *d = face;

	return hw_dma_stream(d->engine.m, d->master, stream, addr, buf, len, acc, fault);
}

static int face_copy(void *face, unsigned stream, u64 src, u64 dst, size_t len, void *bounce,
		     u64 *fault, bool *write_fault)
{
	struct dma_copy *d = face;

	return hw_dma_stream_copy(d->engine.m, d->master, stream, src, dst, len, bounce, fault,
				  write_fault);
}

/* A master without stream IDs has one stream (index 0): its fabric's. */
static unsigned face_nr_streams(void *face)
{
	struct dma_copy *d = face;

	return hw_master_nr_streams(d->master);
}

static void face_irq(void *face, bool level)
{
	struct dma_copy *d = face;

	if (d->has_irq)
		hw_irq_set(d->engine.m, d->intid, level);
}

static const struct dc_engine_ops platform_face = {
	.dma = face_dma,
	.copy = face_copy,
	.nr_streams = face_nr_streams,
	.irq = face_irq,
};

static void dma_copy_free(void *arg)
{
	struct dma_copy *d = arg;

	dc_engine_exit(&d->engine);
	free(d);
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
	dc_engine_init(&d->engine, m, &platform_face, d);
	d->has_irq = dt_irq(fdt, node, 0, &d->intid) == 0;
	d->master = hw_master_create(m, node, why, whylen);
	if (!d->master)
		return -EINVAL;
	ret = hw_mmio_map(m, base, size ? size : 0x1000, &dc_engine_mmio_ops, &d->engine, name);
	if (ret) {
		hw_why(why, whylen, "%s: registers at 0x%llx overlap another region", name,
		       (unsigned long long)base);
		return -EINVAL;
	}
	return 0;
}
