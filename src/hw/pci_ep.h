/*
 * The contract between a PCI endpoint model (iommulab,pci-dma-copy,
 * iommulab,nvme, ...) and the PCI bus that holds it (the ECAM host bridge
 * and its topology: pci_host.c and friends).
 *
 * The bus owns the slot: it finds the endpoint's device-tree node (Linux's
 * PCI binding, a child of a bridge node with reg = <devfn << 8 ...>), picks
 * the model by compatible from pci_ep_models[], initialises nothing itself
 * and calls create(). The model builds its function in ctx->func (with
 * pci_func_init, then BARs and capabilities, passing ctx->func_ops and
 * ctx->func_owner so that BAR decoding, MSI writes, INTx and resets reach
 * the bus), and keeps ctx for DMA. The bus maps a BAR's MMIO when the
 * function starts decoding it: through the model's bar_ops (opaque: the
 * model's state), at offsets from the BAR's start.
 *
 * DMA: ctx->dma() issues a transaction as this function's bus master:
 * Bus Master Enable checked (pci_func_dma_begin), then up through the
 * bridges (requester ID, aliases, ACS, peer-to-peer), the host bridge, the
 * IOMMU, to memory, a peer or a doorbell. All or nothing: 0, or -EFAULT
 * when the transaction was aborted, faulted or hit nothing (no byte moved
 * into the model's buffer on a read, none written on a write).
 *
 * MSI and MSI-X: the model calls pci_msi_signal / pci_msix_signal on its
 * function; the bus receives msi_write and issues the DMA write itself.
 * INTx: pci_func_set_intx; the bus routes the pin (interrupt-map).
 *
 * Time: models that take time schedule events on ctx->m (hw_event_*).
 * Host files (an NVMe namespace backed by a file) are opened at create()
 * and closed at destroy().
 */
#ifndef LAB_HW_PCI_EP_H
#define LAB_HW_PCI_EP_H

#include "hw/machine.h"
#include "hw/pci_func.h"

struct pci_ep_ctx {
	struct machine *m;
	const void *fdt;          /* the machine's checked blob */
	int node;                 /* the endpoint's DT node */
	struct pci_func *func;    /* storage the bus owns; the model initialises it */
	const struct pci_func_ops *func_ops;  /* pass to pci_func_init */
	void *func_owner;                     /* pass to pci_func_init */
	/* Issue a DMA as this function (see above). @bus is ctx->bus. */
	int (*dma)(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc);
	/*
	 * A copy as this function: what dma() reading @src into @bounce then
	 * writing it to @dst does (the bytes may move straight across,
	 * hw_dma_stream_copy). 0, or -EFAULT with *@write_fault set when the
	 * write, not the read, was aborted. Every bus sets it (a model's
	 * copy engine calls it unconditionally).
	 */
	int (*copy)(void *bus, u64 src, u64 dst, size_t len, void *bounce, bool *write_fault);
	void *bus;
	/* MMIO handlers for memory BAR n (NULL: the bus serves only an MSI-X table there). */
	const struct hw_mmio_ops *bar_ops[PCI_NUM_BARS];
	void *bar_opaque[PCI_NUM_BARS];
};

struct pci_ep_model {
	const char *compatible;
	/*
	 * Builds the function into ctx->func and fills ctx->bar_ops; returns
	 * the model's state in *@state, or a negative errno with the reason in
	 * @why (a bad DT property, a host file that cannot be opened). On
	 * failure nothing is left allocated.
	 */
	int (*create)(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen);
	/* Frees the state (after the bus unmapped the BARs); pci_func_exit is the bus's. */
	void (*destroy)(void *state);
	/*
	 * Optional: the function was reset (FLR, a conventional reset from a
	 * bridge's Secondary Bus Reset, D3hot->D0): config space is already
	 * back to its reset values; the model drops its internal state
	 * (transfers in flight, queues) as the reset @kind requires.
	 */
	void (*reset)(void *state, enum pci_reset_kind kind);
};

/* NULL-terminated, in pci_ep_models.c. */
extern const struct pci_ep_model pci_ep_models[];
const struct pci_ep_model *pci_ep_model_find(const char *compatible);

#endif
