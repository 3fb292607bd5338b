/*
 * The PCI endpoint models a host bridge's DT child (or a hot add) may
 * name by compatible (pci_ep.h). One line per model.
 */
#include <string.h>

#include "hw/pci_ep.h"
#include "hw/nvme.h"

int pci_dma_copy_create(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen);
void pci_dma_copy_destroy(void *state);
void pci_dma_copy_reset(void *state, enum pci_reset_kind kind);

const struct pci_ep_model pci_ep_models[] = {
	{ "iommulab,pci-dma-copy", pci_dma_copy_create, pci_dma_copy_destroy,
	  pci_dma_copy_reset },
	{ "iommulab,nvme", nvme_create, nvme_destroy, nvme_reset },
	{ NULL, NULL, NULL, NULL },
};

const struct pci_ep_model *pci_ep_model_find(const char *compatible)
{
	for (const struct pci_ep_model *e = pci_ep_models; compatible && e->compatible; e++)
		if (!strcmp(e->compatible, compatible))
			return e;
	return NULL;
}
