/*
 * The iommulab,nvme endpoint: an NVMe controller (NVMe Base Specification
 * 1.4, NVM command set) behind a PCI Express function, with namespaces in
 * lab memory or in a host file. Datasheet: docs/devices.md, "iommulab,nvme".
 * The PCI bus creates it through the pci_ep_model contract (hw/pci_ep.h).
 */
#ifndef LAB_HW_NVME_H
#define LAB_HW_NVME_H

#include "hw/pci_ep.h"

/* PCI identity (docs/devices.md). */
#define NVME_PCI_VENDOR 0x1de5
#define NVME_PCI_DEVICE 0x0011
#define NVME_PCI_CLASS 0x010802

/* The bus's table entry: { "iommulab,nvme", nvme_create, nvme_destroy, nvme_reset }. */
extern const struct pci_ep_model nvme_model;

int nvme_create(struct pci_ep_ctx *ctx, void **state, char *why, size_t whylen);
void nvme_destroy(void *state);
/* After any reset of the function: the controller back to power-on. */
void nvme_reset(void *state, enum pci_reset_kind kind);

#endif
