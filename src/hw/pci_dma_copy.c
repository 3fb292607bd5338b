/*
 * iommulab,pci-dma-copy (docs/devices.md): the dma-copy engine
 * (dma_copy_engine.c) as a PCI Express endpoint. BAR0 holds the engine's
 * registers, BAR2 the MSI-X table (one vector) and PBA; completion is
 * MSI-X vector 0 when MSI-X is enabled, INTA otherwise. FLR resets the
 * engine. Its DMA is the function's, through the PCI fabric.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dma_copy_engine.h"
#include "hw/pci_ep.h"

#define PDC_VENDOR 0x1de5
#define PDC_DEVICE 0x0010
#define PDC_CLASS 0x088000         /* other system peripheral */
#define PDC_MSIX_BAR 2
#define PDC_MSIX_PBA 0x800

struct pci_dma_copy {
	struct dc_engine engine;
	struct pci_ep_ctx *ctx;
	bool irq;
};

int pci_dma_copy_create(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen);
void pci_dma_copy_destroy(void *state);
void pci_dma_copy_reset(void *state, enum pci_reset_kind kind);

/* The contract's DMA reports no fault address: ERR_ADDR is the access's start. */
static int face_dma(void *face, unsigned stream, u64 addr, void *buf, size_t len,
		    enum hw_access acc, u64 *fault)
{
	struct pci_dma_copy *p = face;

	(void)stream;
	*fault = addr;
	return p->ctx->dma(p->ctx->bus, addr, buf, len, acc);
}

/* The whole copy through the bus's copy (pci_ep.h); ERR_ADDR is the failed access's start. */
static int face_copy(void *face, unsigned stream, u64 src, u64 dst, size_t len, void *bounce,
		     u64 *fault, bool *write_fault)
{
	struct pci_dma_copy *p = face;
	int ret;

	(void)stream;
	ret = p->ctx->copy(p->ctx->bus, src, dst, len, bounce, write_fault);
	*fault = *write_fault ? dst : src;
	return ret;
}

static unsigned face_nr_streams(void *face)
{
	(void)face;
	return 1;   /* a PCI function has one requester ID */
}

/* INTx follows the condition (the function gates it); MSI-X fires on its rising edge. */
static void face_irq(void *face, bool level)
{
	struct pci_dma_copy *p = face;
	bool rising = level && !p->irq;

	p->irq = level;
	pci_func_set_intx(p->ctx->func, level);
	if (rising && pci_msix_enabled(p->ctx->func))
		pci_msix_signal(p->ctx->func, 0);
}

static const struct dc_engine_ops pci_face = {
	.dma = face_dma,
	.copy = face_copy,
	.nr_streams = face_nr_streams,
	.irq = face_irq,
};

int pci_dma_copy_create(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen)
{
	static const struct pci_func_id id = {
		.vendor = PDC_VENDOR, .device = PDC_DEVICE, .subsystem_vendor = PDC_VENDOR,
		.subsystem = PDC_DEVICE, .revision = 1, .class = PDC_CLASS, .intx_pin = 1,
	};
	struct pci_dma_copy *p = calloc(1, sizeof(*p));
	struct pci_func *f = ctx->func;
	int ret;

	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	ret = pci_func_init(f, 0, &id, ctx->func_ops, ctx->func_owner);
	if (!ret)
		ret = pci_func_add_bar(f, 0, DC_REGS_SIZE, 0);
	if (!ret)
		ret = pci_func_add_bar(f, PDC_MSIX_BAR, 0x1000, 0);
	if (!ret)
		ret = pci_cap_add_pm(f, false);
	if (ret >= 0)
		ret = pci_cap_add_msix(f, 1, PDC_MSIX_BAR, 0, PDC_MSIX_PBA);
	if (ret >= 0)
		ret = pci_cap_add_pcie(f, PCIE_TYPE_ENDPOINT, PCIE_CAP_FLR);
	if (ret < 0) {
		pci_func_exit(f);
		free(p);
		if (why && whylen)
			snprintf(why, whylen, "iommulab,pci-dma-copy: cannot build the function");
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	dc_engine_init(&p->engine, ctx->m, &pci_face, p);
	ctx->bar_ops[0] = &dc_engine_mmio_ops;
	ctx->bar_opaque[0] = &p->engine;
	*state = p;
	return 0;
}

void pci_dma_copy_reset(void *state, enum pci_reset_kind kind)
{
	struct pci_dma_copy *p = state;

	(void)kind;
	p->irq = false;
	dc_engine_reset(&p->engine);
}

void pci_dma_copy_destroy(void *state)
{
	struct pci_dma_copy *p = state;

	hw_event_cancel(p->engine.m, p->engine.event);
	dc_engine_exit(&p->engine);
	free(p);
}
