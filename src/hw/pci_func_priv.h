/*
 * Between the files of the PCI function model (pci_config.c, pci_bar.c,
 * pci_caps.c, pci_msi.c, pci_msix.c): device models use pci_func.h only.
 */
#ifndef LAB_HW_PCI_FUNC_PRIV_H
#define LAB_HW_PCI_FUNC_PRIV_H

#include "hw/pci_func.h"

/* Sets a register's reset value (and current value) and masks while building. */
void pci_cfg_init(struct pci_func *f, unsigned off, unsigned size, u32 val, u32 wmask,
		  u32 w1c);
/* Changes only the reset and current value, leaving the masks. */
void pci_cfg_set_reset(struct pci_func *f, unsigned off, unsigned size, u32 val);
u32 pci_cfg_get(const struct pci_func *f, unsigned off, unsigned size);
void pci_cfg_put(struct pci_func *f, unsigned off, unsigned size, u32 val);
/* Does a write of [@off, @off + @size) touch byte @at? Its byte of @val then. */
bool pci_cfg_wrote(unsigned off, unsigned size, u32 val, unsigned at, u8 *byte);

bool pci_func_in_d0(const struct pci_func *f);
/* Tells the owner about BAR windows that started or stopped decoding. */
void pci_bars_update(struct pci_func *f);
/* Side effects of a config write in a capability: true if it reset the function. */
bool pci_caps_after_write(struct pci_func *f, unsigned off, unsigned size, u32 val,
			  const u8 *old);
int pci_cap_alloc(struct pci_func *f, u8 id, unsigned size);
int pci_ext_cap_alloc(struct pci_func *f, u16 id, u8 version, unsigned size);
/* Pending messages whose vector became deliverable go out. */
void pci_msi_flush(struct pci_func *f);
void pci_msix_flush(struct pci_func *f);
void pci_msix_reset(struct pci_func *f);

#endif
