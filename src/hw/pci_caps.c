/*
 * The capability lists (standard from 0x34, extended from 0x100) and the
 * capabilities with no state of their own beyond config space: PCI Express
 * (FLR), Power Management (D0/D3hot) and ACS.
 */
#include <errno.h>

#include "pci_func_priv.h"

/* ---- the lists --------------------------------------------------------------- */

int pci_cap_alloc(struct pci_func *f, u8 id, unsigned size)
{
	unsigned off = f->cap_free;

	size = ALIGN_UP(size, 4);
	if (off + size > PCI_CFG_SIZE)
		return -ENOSPC;
	pci_cfg_init(f, off, 2, id, 0, 0);
	if (f->cap_last) {
		pci_cfg_set_reset(f, f->cap_last + 1, 1, off);
	} else {
		pci_cfg_set_reset(f, PCI_CAPABILITY_LIST, 1, off);
		pci_cfg_set_reset(f, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	}
	f->cap_last = off;
	f->cap_free = off + size;
	return off;
}

int pci_ext_cap_alloc(struct pci_func *f, u16 id, u8 version, unsigned size)
{
	unsigned off = f->ext_free;

	if (f->cfg_size != PCI_CFG_EXP_SIZE)
		return -EINVAL;         /* extended space needs PCI Express */
	size = ALIGN_UP(size, 4);
	if (off + size > PCI_CFG_EXP_SIZE)
		return -ENOSPC;
	pci_cfg_init(f, off, 4, id | (u32)version << 16, 0, 0);
	if (f->ext_last)
		pci_cfg_set_reset(f, f->ext_last, 4,
				  (pci_cfg_get(f, f->ext_last, 4) & 0xfffff) | (u32)off << 20);
	f->ext_last = off;
	f->ext_free = off + size;
	return off;
}

unsigned pci_func_find_cap(const struct pci_func *f, u8 id)
{
	unsigned pos, ttl = (PCI_CFG_SIZE - 0x40) / 4;

	if (!(pci_cfg_get(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	/* As software walks it: a loop or a stray pointer ends the walk. */
	pos = f->cfg[PCI_CAPABILITY_LIST] & ~3u;
	while (pos >= 0x40 && ttl--) {
		if (f->cfg[pos] == 0xff)
			break;
		if (f->cfg[pos] == id)
			return pos;
		pos = f->cfg[pos + 1] & ~3u;
	}
	return 0;
}

unsigned pci_func_find_ext_cap(const struct pci_func *f, u16 id)
{
	unsigned pos = PCI_CFG_SIZE, ttl = (PCI_CFG_EXP_SIZE - PCI_CFG_SIZE) / 8;

	if (f->cfg_size != PCI_CFG_EXP_SIZE)
		return 0;
	while (ttl--) {
		u32 hdr = pci_cfg_get(f, pos, 4);

		if (!hdr || hdr == 0xffffffff)
			break;
		if ((hdr & 0xffff) == id)
			return pos;
		pos = (hdr >> 20) & ~3u;     /* dword aligned: the walk stays inside */
		if (pos < PCI_CFG_SIZE)
			break;
	}
	return 0;
}

/* ---- PCI Express --------------------------------------------------------------- */

#define EXP_VERSION 2
#define DEVCAP_MPS_256 0x1
#define DEVCAP_EXT_TAG BIT(5)
#define DEVCAP_RBER BIT(15)
/* Relaxed Ordering, No Snoop, Max_Read_Request_Size 512 bytes. */
#define DEVCTL_RESET 0x2810
/* Error reporting 3:0, RO 4, MPS 7:5, Ext Tag 8, No Snoop 11, MRRS 14:12. */
#define DEVCTL_WMASK 0x79ff
#define DEVCTL_MPS 0x00e0
#define DEVSTA_W1C 0x000f
#define LNK_SPEED_8GT 3
#define LNK_WIDTH_X4 (4 << 4)
#define LNKCAP_DLLLARC BIT(20)
/* ASPM Control, RCB, Common Clock, Extended Synch, HAWD. */
#define LNKCTL_WMASK 0x02cb
#define LNKCTL_LD BIT(4)
#define LNKCTL_FLR_KEEP 0x03cb
#define LNKSTA_SLC BIT(12)
#define LNKSTA_DLLLA BIT(13)
#define LNKSTA_W1C 0xc000
#define LNKCAP2_SPEEDS 0x0e      /* 2.5, 5, 8 GT/s */

static bool exp_is_port(enum pcie_type t)
{
	return t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_DOWNSTREAM;
}

static int check_pcie(const struct pci_func *f, enum pcie_type t, unsigned flags)
{
	bool bridge = t == PCIE_TYPE_ROOT_PORT || t == PCIE_TYPE_UPSTREAM ||
		      t == PCIE_TYPE_DOWNSTREAM || t == PCIE_TYPE_PCI_BRIDGE;

	if (!bridge && t != PCIE_TYPE_ENDPOINT && t != PCIE_TYPE_LEG_END)
		return -EINVAL;
	if ((flags & ~PCIE_CAP_FLR) || f->header_type != (bridge ? 1 : 0))
		return -EINVAL;
	if ((flags & PCIE_CAP_FLR) && bridge)
		return -EINVAL;         /* FLR is a function (endpoint) feature */
	return f->pcie ? -EEXIST : 0;
}

static void init_pcie_link(struct pci_func *f, unsigned off, enum pcie_type t)
{
	bool port = exp_is_port(t);

	pci_cfg_init(f, off + PCI_EXP_LNKCAP, 4,
		     LNK_SPEED_8GT | LNK_WIDTH_X4 | (port ? LNKCAP_DLLLARC : 0), 0, 0);
	pci_cfg_init(f, off + PCI_EXP_LNKCTL, 2, 0, LNKCTL_WMASK | (port ? LNKCTL_LD : 0), 0);
	pci_cfg_init(f, off + PCI_EXP_LNKSTA, 2,
		     LNK_SPEED_8GT | LNK_WIDTH_X4 | LNKSTA_SLC | (port ? LNKSTA_DLLLA : 0), 0,
		     port ? LNKSTA_W1C : 0);
	pci_cfg_init(f, off + PCI_EXP_LNKCAP2, 4, LNKCAP2_SPEEDS, 0, 0);
	pci_cfg_init(f, off + PCI_EXP_LNKCTL2, 2, LNK_SPEED_8GT, 0x000f, 0);
	f->flr_keep[off + PCI_EXP_LNKCTL] = LNKCTL_FLR_KEEP & 0xff;
	f->flr_keep[off + PCI_EXP_LNKCTL + 1] = LNKCTL_FLR_KEEP >> 8;
}

int pci_cap_add_pcie(struct pci_func *f, enum pcie_type t, unsigned flags)
{
	int err = check_pcie(f, t, flags), off;
	u32 devcap = DEVCAP_MPS_256 | DEVCAP_EXT_TAG | DEVCAP_RBER;
	u32 devctl_wmask = DEVCTL_WMASK;

	if (err)
		return err;
	off = pci_cap_alloc(f, PCI_CAP_ID_EXP, PCI_EXP_SIZEOF);
	if (off < 0)
		return off;
	f->pcie = off;
	f->cfg_size = PCI_CFG_EXP_SIZE;
	if (flags & PCIE_CAP_FLR)
		devcap |= PCI_EXP_DEVCAP_FLR;
	/* On a PCIe-to-PCI bridge bit 15 is Bridge Configuration Retry Enable. */
	if (t == PCIE_TYPE_PCI_BRIDGE)
		devctl_wmask |= PCI_EXP_DEVCTL_BCR_FLR;
	pci_cfg_init(f, off + PCI_EXP_FLAGS, 2, EXP_VERSION | t << 4, 0, 0);
	pci_cfg_init(f, off + PCI_EXP_DEVCAP, 4, devcap, 0, 0);
	pci_cfg_init(f, off + PCI_EXP_DEVCTL, 2, DEVCTL_RESET, devctl_wmask, 0);
	pci_cfg_init(f, off + PCI_EXP_DEVSTA, 2, 0, 0, DEVSTA_W1C);
	f->flr_keep[off + PCI_EXP_DEVCTL] = DEVCTL_MPS;
	init_pcie_link(f, off, t);
	/* PCI Express has no latency timers (the secondary side of a PCI bridge does). */
	f->wmask[PCI_LATENCY_TIMER] = 0;
	if (f->header_type == 1 && t != PCIE_TYPE_PCI_BRIDGE)
		f->wmask[PCI_SEC_LATENCY_TIMER] = 0;
	return off;
}

/* ---- Power Management --------------------------------------------------------------- */

#define PM_PMC_VERSION3 0x0003
#define PM_D0 0
#define PM_D3HOT 3

int pci_cap_add_pm(struct pci_func *f, bool no_soft_reset)
{
	int off;

	if (f->pm)
		return -EEXIST;
	off = pci_cap_alloc(f, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
	if (off < 0)
		return off;
	f->pm = off;
	pci_cfg_init(f, off + PCI_PM_PMC, 2, PM_PMC_VERSION3, 0, 0);
	pci_cfg_init(f, off + PCI_PM_CTRL, 4, no_soft_reset ? PCI_PM_CTRL_NO_SOFT_RESET : 0,
		     PCI_PM_CTRL_STATE_MASK, 0);
	return off;
}

bool pci_func_in_d0(const struct pci_func *f)
{
	return !f->pm || (f->cfg[f->pm + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK) == PM_D0;
}

/* PowerState written: true if leaving D3hot reset the function. */
static bool pm_after_write(struct pci_func *f, unsigned off, const u8 *old)
{
	unsigned at = f->pm + PCI_PM_CTRL;
	u8 from = old[at - off] & PCI_PM_CTRL_STATE_MASK;
	u8 to = f->cfg[at] & PCI_PM_CTRL_STATE_MASK;

	if (to != PM_D0 && to != PM_D3HOT) {
		/* D1 and D2 are not supported: the write is discarded. */
		f->cfg[at] = (f->cfg[at] & ~PCI_PM_CTRL_STATE_MASK) | from;
		return false;
	}
	if (from == PM_D3HOT && to == PM_D0 && !(f->cfg[at] & PCI_PM_CTRL_NO_SOFT_RESET)) {
		pci_func_reset(f, PCI_RESET_PM);
		return true;
	}
	return false;
}

/* ---- ACS ------------------------------------------------------------------------------ */

#define ACS_EGRESS_BITS 8

int pci_cap_add_acs(struct pci_func *f, u16 caps)
{
	bool ec = caps & PCI_ACS_EC;
	int off;

	if (caps & ~PCI_ACS_ALL || !f->pcie)
		return -EINVAL;
	if (f->acs)
		return -EEXIST;
	off = pci_ext_cap_alloc(f, PCI_EXT_CAP_ID_ACS, 1, ec ? 12 : 8);
	if (off < 0)
		return off;
	f->acs = off;
	/* Egress Control Vector Size (15:8) counts the vector's bits. */
	pci_cfg_init(f, off + PCI_ACS_CAP, 2, caps | (ec ? ACS_EGRESS_BITS << 8 : 0), 0, 0);
	/* A control bit exists only for a capability advertised. */
	pci_cfg_init(f, off + PCI_ACS_CTRL, 2, 0, caps, 0);
	if (ec)
		pci_cfg_init(f, off + PCI_ACS_EGRESS_CTL_V, 4, 0, GENMASK(ACS_EGRESS_BITS - 1, 0), 0);
	return off;
}

/* ---- side effects of writes -------------------------------------------------------------- */

static bool touches(unsigned off, unsigned size, unsigned at)
{
	return at >= off && at < off + size;
}

bool pci_caps_after_write(struct pci_func *f, unsigned off, unsigned size, u32 val,
			  const u8 *old)
{
	u8 b;

	if (f->pm && touches(off, size, f->pm + PCI_PM_CTRL) && pm_after_write(f, off, old))
		return true;
	/* Initiate FLR: a write of 1 resets the function; the bit reads 0. */
	if (f->pcie && pci_cfg_wrote(off, size, val, f->pcie + PCI_EXP_DEVCTL + 1, &b) &&
	    (b & PCI_EXP_DEVCTL_BCR_FLR >> 8) &&
	    (pci_cfg_get(f, f->pcie + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR)) {
		pci_func_reset(f, PCI_RESET_FLR);
		return true;
	}
	return false;
}
