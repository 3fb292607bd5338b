/*
 * The MSI capability: one message address, a data value whose low bits
 * carry the vector number, optional per-vector mask and pending bits. A
 * masked vector's message is held as a pending bit and goes out when the
 * vector is unmasked (and the function may write).
 */
#include <errno.h>

#include "pci_func_priv.h"

static unsigned data_off(const struct pci_func *f)
{
	return f->msi + (f->msi_st.flags & PCI_MSI_64BIT ? 12 : 8);
}

static unsigned mask_off(const struct pci_func *f)
{
	return f->msi + (f->msi_st.flags & PCI_MSI_64BIT ? 16 : 12);
}

static u16 msi_ctrl(const struct pci_func *f)
{
	return pci_cfg_get(f, f->msi + PCI_MSI_FLAGS, 2);
}

int pci_cap_add_msi(struct pci_func *f, unsigned nvec, unsigned flags)
{
	unsigned log2 = __builtin_ctz(nvec | 64), size;
	u32 vmask = nvec == 32 ? 0xffffffff : (1u << nvec) - 1;
	int off;

	if (nvec > 32 || nvec != 1u << log2 || flags & ~(PCI_MSI_64BIT | PCI_MSI_MASKBIT))
		return -EINVAL;
	if (f->msi)
		return -EEXIST;
	size = (flags & PCI_MSI_64BIT ? 14 : 10) + (flags & PCI_MSI_MASKBIT ? 10 : 0);
	off = pci_cap_alloc(f, PCI_CAP_ID_MSI, size);
	if (off < 0)
		return off;
	f->msi = off;
	f->msi_st.nvec = nvec;
	f->msi_st.flags = flags;
	pci_cfg_init(f, off + PCI_MSI_FLAGS, 2,
		     log2 << 1 | (flags & PCI_MSI_64BIT ? PCI_MSI_FLAGS_64BIT : 0) |
		     (flags & PCI_MSI_MASKBIT ? PCI_MSI_FLAGS_MASKBIT : 0),
		     PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0);
	pci_cfg_init(f, off + PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffc, 0);
	if (flags & PCI_MSI_64BIT)
		pci_cfg_init(f, off + PCI_MSI_ADDRESS_LO + 4, 4, 0, 0xffffffff, 0);
	pci_cfg_init(f, data_off(f), 2, 0, 0xffff, 0);
	if (flags & PCI_MSI_MASKBIT)
		pci_cfg_init(f, mask_off(f), 4, 0, vmask, 0);  /* pending bits after: RO */
	return off;
}

bool pci_msi_enabled(const struct pci_func *f)
{
	return f->msi && (msi_ctrl(f) & PCI_MSI_FLAGS_ENABLE);
}

/* Vectors enabled: Multiple Message Enable, capped at what the function has. */
static unsigned msi_nr_enabled(const struct pci_func *f)
{
	unsigned mme = (msi_ctrl(f) & PCI_MSI_FLAGS_QSIZE) >> 4;

	return MIN(1u << mme, f->msi_st.nvec);
}

int pci_msi_message(const struct pci_func *f, unsigned vec, u64 *addr, u32 *data)
{
	unsigned n;

	if (!pci_msi_enabled(f))
		return -ENODEV;
	n = msi_nr_enabled(f);
	if (vec >= n)
		return -EINVAL;
	*addr = pci_cfg_get(f, f->msi + PCI_MSI_ADDRESS_LO, 4);
	if (f->msi_st.flags & PCI_MSI_64BIT)
		*addr |= (u64)pci_cfg_get(f, f->msi + PCI_MSI_ADDRESS_LO + 4, 4) << 32;
	/* The function puts the vector number in the data's low bits. */
	*data = (pci_cfg_get(f, data_off(f), 2) & ~(n - 1)) | vec;
	return 0;
}

static bool msi_masked(const struct pci_func *f, unsigned vec)
{
	return (f->msi_st.flags & PCI_MSI_MASKBIT) && (pci_cfg_get(f, mask_off(f), 4) >> vec & 1);
}

static void msi_send(struct pci_func *f, unsigned vec)
{
	u64 addr;
	u32 data;

	if (pci_msi_message(f, vec, &addr, &data) == 0 && f->ops->msi_write)
		f->ops->msi_write(f->owner, f, addr, data);
}

int pci_msi_signal(struct pci_func *f, unsigned vec)
{
	if (!pci_msi_enabled(f))
		return -ENODEV;
	if (vec >= msi_nr_enabled(f))
		return -EINVAL;
	if (msi_masked(f, vec)) {
		unsigned p = mask_off(f) + 4;

		pci_cfg_put(f, p, 4, pci_cfg_get(f, p, 4) | BIT(vec));
		return -EAGAIN;
	}
	if (!pci_func_bus_master(f))
		return -EPERM;
	msi_send(f, vec);
	return 0;
}

void pci_msi_flush(struct pci_func *f)
{
	unsigned p;
	u32 pend;

	if (!pci_msi_enabled(f) || !(f->msi_st.flags & PCI_MSI_MASKBIT) || !pci_func_bus_master(f))
		return;
	p = mask_off(f) + 4;
	for (unsigned v = 0; v < msi_nr_enabled(f); v++) {
		/* Re-check: the owner's msi_write may have changed the function. */
		if (!pci_msi_enabled(f) || !pci_func_bus_master(f))
			break;
		pend = pci_cfg_get(f, p, 4);
		if (!(pend & BIT(v)) || msi_masked(f, v))
			continue;
		pci_cfg_put(f, p, 4, pend & ~BIT(v));
		msi_send(f, v);
	}
}
