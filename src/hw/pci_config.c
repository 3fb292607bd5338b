/*
 * The PCI function's configuration space: the headers, accesses through
 * per-byte write and write-1-to-clear masks, the Command/Status registers,
 * INTx and resets (docs/devices.md, "PCI function").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci_func_priv.h"

/* Command bits a write stores: I/O, Memory, Bus Master, Parity, SERR#, INTx Disable. */
#define PCI_COMMAND_WMASK 0x0547
/* Bridge Control: parity, SERR#, ISA, VGA, VGA 16-bit, Master Abort Mode, Secondary Bus Reset. */
#define PCI_BRIDGE_CTL_WMASK 0x007f

void pci_cfg_init(struct pci_func *f, unsigned off, unsigned size, u32 val, u32 wmask,
		  u32 w1c)
{
	for (unsigned i = 0; i < size; i++) {
		f->cfg[off + i] = f->reset_val[off + i] = val >> (8 * i);
		f->wmask[off + i] = wmask >> (8 * i);
		f->w1cmask[off + i] = w1c >> (8 * i);
	}
}

void pci_cfg_set_reset(struct pci_func *f, unsigned off, unsigned size, u32 val)
{
	for (unsigned i = 0; i < size; i++)
		f->cfg[off + i] = f->reset_val[off + i] = val >> (8 * i);
}

u32 pci_cfg_get(const struct pci_func *f, unsigned off, unsigned size)
{
	u32 v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_put(struct pci_func *f, unsigned off, unsigned size, u32 val)
{
	for (unsigned i = 0; i < size; i++)
		f->cfg[off + i] = val >> (8 * i);
}

bool pci_cfg_wrote(unsigned off, unsigned size, u32 val, unsigned at, u8 *byte)
{
	if (at < off || at >= off + size)
		return false;
	*byte = val >> (8 * (at - off));
	return true;
}

static void init_type1(struct pci_func *f)
{
	pci_cfg_init(f, PCI_PRIMARY_BUS, 4, 0, 0xffffffff, 0);
	/* 32-bit I/O decode (low nibble 1), 64-bit prefetchable decode (low nibble 1). */
	pci_cfg_init(f, PCI_IO_BASE, 2, 0x0101, 0xf0f0, 0);
	pci_cfg_init(f, PCI_SEC_STATUS, 2, 0, 0, PCI_STATUS_W1C);
	pci_cfg_init(f, PCI_MEMORY_BASE, 4, 0, 0xfff0fff0, 0);
	pci_cfg_init(f, PCI_PREF_MEMORY_BASE, 4, 0x00010001, 0xfff0fff0, 0);
	pci_cfg_init(f, PCI_PREF_BASE_UPPER32, 4, 0, 0xffffffff, 0);
	pci_cfg_init(f, PCI_PREF_LIMIT_UPPER32, 4, 0, 0xffffffff, 0);
	pci_cfg_init(f, PCI_IO_BASE_UPPER16, 4, 0, 0xffffffff, 0);
	pci_cfg_init(f, PCI_BRIDGE_CONTROL, 2, 0, PCI_BRIDGE_CTL_WMASK, 0);
}

int pci_func_init(struct pci_func *f, int header_type, const struct pci_func_id *id,
		  const struct pci_func_ops *ops, void *owner)
{
	if (!f || !id || !ops || (header_type != 0 && header_type != 1) || id->intx_pin > 4)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->owner = owner;
	f->header_type = header_type;
	f->cfg_size = PCI_CFG_SIZE;
	f->cap_free = 0x40;
	f->ext_free = PCI_CFG_SIZE;
	pci_cfg_init(f, PCI_VENDOR_ID, 2, id->vendor, 0, 0);
	pci_cfg_init(f, PCI_DEVICE_ID, 2, id->device, 0, 0);
	pci_cfg_init(f, PCI_COMMAND, 2, 0, PCI_COMMAND_WMASK, 0);
	pci_cfg_init(f, PCI_STATUS, 2, 0, 0, PCI_STATUS_W1C);
	pci_cfg_init(f, PCI_REVISION_ID, 4, id->revision | (id->class & 0xffffff) << 8, 0, 0);
	pci_cfg_init(f, PCI_CACHE_LINE_SIZE, 2, 0, 0xffff, 0);
	pci_cfg_init(f, PCI_HEADER_TYPE, 1,
		     header_type | (id->multifunction ? PCI_HEADER_TYPE_MFD : 0), 0, 0);
	pci_cfg_init(f, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
	pci_cfg_init(f, PCI_INTERRUPT_PIN, 1, id->intx_pin, 0, 0);
	if (header_type == 0) {
		pci_cfg_init(f, PCI_SUBSYSTEM_VENDOR_ID, 2, id->subsystem_vendor, 0, 0);
		pci_cfg_init(f, PCI_SUBSYSTEM_ID, 2, id->subsystem, 0, 0);
	} else {
		init_type1(f);
	}
	return 0;
}

void pci_func_exit(struct pci_func *f)
{
	if (!f)
		return;
	free(f->msix_st.table);
	free(f->msix_st.pba);
	f->msix_st.table = NULL;
	f->msix_st.pba = NULL;
}

/* ---- access ------------------------------------------------------------- */

static bool access_ok(const struct pci_func *f, unsigned off, unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	return off % size == 0 && off < f->cfg_size && size <= f->cfg_size - off;
}

u32 pci_cfg_read(struct pci_func *f, unsigned off, unsigned size)
{
	if (!access_ok(f, off, size))
		return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffff;
	return pci_cfg_get(f, off, size);
}

static void intx_update(struct pci_func *f)
{
	u16 st = pci_cfg_get(f, PCI_STATUS, 2) & ~PCI_STATUS_INTERRUPT;
	bool out;

	/* The Interrupt Status bit shows the condition whatever the gating. */
	if (f->intx_level)
		st |= PCI_STATUS_INTERRUPT;
	pci_cfg_put(f, PCI_STATUS, 2, st);
	/* INTx Disable, and MSI or MSI-X enabled, keep the pin deasserted. */
	out = f->intx_level && !(pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE) &&
	      !pci_msi_enabled(f) && !pci_msix_enabled(f);
	if (out == f->intx_out)
		return;
	f->intx_out = out;
	if (f->ops->intx)
		f->ops->intx(f->owner, f, out);
}

static void sbr_update(struct pci_func *f)
{
	bool sbr;

	if (f->header_type != 1)
		return;
	sbr = pci_cfg_get(f, PCI_BRIDGE_CONTROL, 2) & PCI_BRIDGE_CTL_BUS_RESET;
	if (sbr == f->sbr)
		return;
	f->sbr = sbr;
	if (f->ops->secondary_reset)
		f->ops->secondary_reset(f->owner, f, sbr);
}

/* Everything that follows a change of the register file. */
static void state_update(struct pci_func *f)
{
	intx_update(f);
	sbr_update(f);
	pci_bars_update(f);
	pci_msi_flush(f);
	pci_msix_flush(f);
}

void pci_cfg_write(struct pci_func *f, unsigned off, unsigned size, u32 val)
{
	u8 old[4];

	if (!access_ok(f, off, size))
		return;
	for (unsigned i = 0; i < size; i++) {
		u8 b = val >> (8 * i), wm = f->wmask[off + i];

		old[i] = f->cfg[off + i];
		f->cfg[off + i] = ((old[i] & ~wm) | (b & wm)) & ~(b & f->w1cmask[off + i]);
	}
	if (pci_caps_after_write(f, off, size, val, old))
		return;         /* the function reset itself: state already updated */
	state_update(f);
}

/* ---- Command / Status ----------------------------------------------------- */

bool pci_func_mem_enabled(const struct pci_func *f)
{
	return (pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) && pci_func_in_d0(f);
}

bool pci_func_io_enabled(const struct pci_func *f)
{
	return (pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_IO) && pci_func_in_d0(f);
}

bool pci_func_bus_master(const struct pci_func *f)
{
	return (pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MASTER) && pci_func_in_d0(f);
}

void pci_func_status_set(struct pci_func *f, u16 bits)
{
	bits &= PCI_STATUS_W1C;
	pci_cfg_put(f, PCI_STATUS, 2, pci_cfg_get(f, PCI_STATUS, 2) | bits);
}

bool pci_func_dma_begin(struct pci_func *f)
{
	if (pci_func_bus_master(f))
		return true;
	/*
	 * The spec forbids the request ("not permitted to issue"); the model
	 * records the request it refused as one completed with Unsupported
	 * Request, the requester's Received Master Abort.
	 */
	pci_func_status_set(f, PCI_STATUS_REC_MASTER_ABORT);
	return false;
}

void pci_func_set_intx(struct pci_func *f, bool level)
{
	f->intx_level = level;
	intx_update(f);
}

/* ---- resets ---------------------------------------------------------------- */

void pci_func_reset(struct pci_func *f, enum pci_reset_kind kind)
{
	for (unsigned i = 0; i < PCI_CFG_EXP_SIZE; i++) {
		u8 keep = kind == PCI_RESET_FLR ? f->flr_keep[i] : 0;

		f->cfg[i] = (f->cfg[i] & keep) | (f->reset_val[i] & ~keep);
	}
	pci_msix_reset(f);
	f->intx_level = false;
	state_update(f);
	if (f->ops->reset)
		f->ops->reset(f->owner, f, kind);
}

/* ---- type 1 ------------------------------------------------------------------ */

u8 pci_bridge_secondary_bus(const struct pci_func *f)
{
	return f->header_type == 1 ? f->cfg[PCI_SECONDARY_BUS] : 0;
}

u8 pci_bridge_subordinate_bus(const struct pci_func *f)
{
	return f->header_type == 1 ? f->cfg[PCI_SUBORDINATE_BUS] : 0;
}

bool pci_bridge_window(const struct pci_func *f, enum pci_window w, u64 *base, u64 *limit)
{
	u64 b, l;

	if (f->header_type != 1)
		return false;
	switch (w) {
	case PCI_WINDOW_IO:
		b = (u64)(f->cfg[PCI_IO_BASE] & 0xf0) << 8 |
		    (u64)pci_cfg_get(f, PCI_IO_BASE_UPPER16, 2) << 16;
		l = (u64)(f->cfg[PCI_IO_LIMIT] & 0xf0) << 8 | 0xfff |
		    (u64)pci_cfg_get(f, PCI_IO_LIMIT_UPPER16, 2) << 16;
		break;
	case PCI_WINDOW_MEM:
		b = (u64)(pci_cfg_get(f, PCI_MEMORY_BASE, 2) & 0xfff0) << 16;
		l = (u64)(pci_cfg_get(f, PCI_MEMORY_LIMIT, 2) & 0xfff0) << 16 | 0xfffff;
		break;
	case PCI_WINDOW_PREF:
		b = (u64)(pci_cfg_get(f, PCI_PREF_MEMORY_BASE, 2) & 0xfff0) << 16 |
		    (u64)pci_cfg_get(f, PCI_PREF_BASE_UPPER32, 4) << 32;
		l = (u64)(pci_cfg_get(f, PCI_PREF_MEMORY_LIMIT, 2) & 0xfff0) << 16 | 0xfffff |
		    (u64)pci_cfg_get(f, PCI_PREF_LIMIT_UPPER32, 4) << 32;
		break;
	default:
		return false;
	}
	if (base)
		*base = b;
	if (limit)
		*limit = l;
	return b <= l;
}
