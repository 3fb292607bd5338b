/*
 * The MSI-X capability and its table and Pending Bit Array, which live in
 * a memory BAR: the device model's BAR handler passes those accesses here.
 * A vector is masked by its entry's Mask bit or the Function Mask; a
 * masked vector's message is held in the PBA and goes out on unmask.
 */
#include <errno.h>
#include <stdlib.h>

#include "pci_func_priv.h"

#define MSIX_MAX 2048
#define ENTRY_DWORDS 4
#define ENTRY_ADDR_LO 0
#define ENTRY_ADDR_HI 1
#define ENTRY_DATA 2
#define ENTRY_CTRL 3

static unsigned pba_qwords(unsigned nvec)
{
	return (nvec + 63) / 64;
}

static int check_msix(const struct pci_func *f, unsigned nvec, int bar, u32 table, u32 pba)
{
	u64 tend = (u64)table + (u64)nvec * PCI_MSIX_ENTRY_SIZE;
	u64 pend = (u64)pba + 8ull * pba_qwords(nvec);
	u64 size;

	if (!nvec || nvec > MSIX_MAX || bar < 0 || bar >= PCI_NUM_BARS || (table | pba) & 7)
		return -EINVAL;
	size = f->bars[bar].size;
	if (!size || (f->bars[bar].flags & PCI_BAR_IO) || tend > size || pend > size)
		return -EINVAL;
	if (table < pend && pba < tend)
		return -EINVAL;         /* overlapping */
	return f->msix ? -EEXIST : 0;
}

int pci_cap_add_msix(struct pci_func *f, unsigned nvec, int bar, u32 table_off, u32 pba_off)
{
	int err = check_msix(f, nvec, bar, table_off, pba_off), off;
	u32 *table;
	u64 *pba;

	if (err)
		return err;
	table = calloc(nvec, ENTRY_DWORDS * sizeof(u32));
	pba = calloc(pba_qwords(nvec), sizeof(u64));
	if (!table || !pba) {
		free(table);
		free(pba);
		return -ENOMEM;
	}
	off = pci_cap_alloc(f, PCI_CAP_ID_MSIX, PCI_MSIX_SIZEOF);
	if (off < 0) {
		free(table);
		free(pba);
		return off;
	}
	f->msix = off;
	f->msix_st = (struct pci_msix_state){
		.nvec = nvec, .bar = bar, .table_off = table_off, .pba_off = pba_off,
		.table = table, .pba = pba,
	};
	pci_cfg_init(f, off + PCI_MSIX_FLAGS, 2, nvec - 1,
		     PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE, 0);
	pci_cfg_init(f, off + PCI_MSIX_TABLE, 4, table_off | bar, 0, 0);
	pci_cfg_init(f, off + PCI_MSIX_PBA, 4, pba_off | bar, 0, 0);
	pci_msix_reset(f);
	return off;
}

void pci_msix_reset(struct pci_func *f)
{
	struct pci_msix_state *s = &f->msix_st;

	if (!f->msix)
		return;
	/* Every entry comes out of reset masked, with address and data 0. */
	for (unsigned v = 0; v < s->nvec; v++) {
		u32 *e = &s->table[v * ENTRY_DWORDS];

		e[ENTRY_ADDR_LO] = e[ENTRY_ADDR_HI] = e[ENTRY_DATA] = 0;
		e[ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	for (unsigned i = 0; i < pba_qwords(s->nvec); i++)
		s->pba[i] = 0;
}

static u16 msix_ctrl(const struct pci_func *f)
{
	return pci_cfg_get(f, f->msix + PCI_MSIX_FLAGS, 2);
}

bool pci_msix_enabled(const struct pci_func *f)
{
	return f->msix && (msix_ctrl(f) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_masked(const struct pci_func *f, unsigned vec)
{
	return (msix_ctrl(f) & PCI_MSIX_FLAGS_MASKALL) ||
	       (f->msix_st.table[vec * ENTRY_DWORDS + ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

int pci_msix_message(const struct pci_func *f, unsigned vec, u64 *addr, u32 *data)
{
	const u32 *e;

	if (!f->msix)
		return -ENODEV;
	if (vec >= f->msix_st.nvec)
		return -EINVAL;
	e = &f->msix_st.table[vec * ENTRY_DWORDS];
	*addr = e[ENTRY_ADDR_LO] | (u64)e[ENTRY_ADDR_HI] << 32;
	*data = e[ENTRY_DATA];
	return 0;
}

static void msix_send(struct pci_func *f, unsigned vec)
{
	u64 addr;
	u32 data;

	if (pci_msix_message(f, vec, &addr, &data) == 0 && f->ops->msi_write)
		f->ops->msi_write(f->owner, f, addr, data);
}

int pci_msix_signal(struct pci_func *f, unsigned vec)
{
	if (!pci_msix_enabled(f))
		return -ENODEV;
	if (vec >= f->msix_st.nvec)
		return -EINVAL;
	if (msix_masked(f, vec)) {
		f->msix_st.pba[vec / 64] |= 1ull << (vec % 64);
		return -EAGAIN;
	}
	if (!pci_func_bus_master(f))
		return -EPERM;
	msix_send(f, vec);
	return 0;
}

void pci_msix_flush(struct pci_func *f)
{
	struct pci_msix_state *s = &f->msix_st;

	for (unsigned v = 0; f->msix && v < s->nvec; v++) {
		u64 bit = 1ull << (v % 64);

		/* Re-check: the owner's msi_write may have changed the function. */
		if (!pci_msix_enabled(f) || !pci_func_bus_master(f) ||
		    (msix_ctrl(f) & PCI_MSIX_FLAGS_MASKALL))
			return;
		if (!s->pba[v / 64]) {
			v |= 63;        /* a whole word of nothing pending */
			continue;
		}
		if (!(s->pba[v / 64] & bit) || msix_masked(f, v))
			continue;
		s->pba[v / 64] &= ~bit;
		msix_send(f, v);
	}
}

/* ---- the table and PBA in the BAR ------------------------------------------------ */

enum msix_area { MSIX_NONE, MSIX_TABLE, MSIX_PBA };

/* Which area @off of BAR @bar falls in, and the dword index inside it. */
static enum msix_area msix_area(const struct pci_func *f, int bar, u64 off, unsigned *dw)
{
	const struct pci_msix_state *s = &f->msix_st;

	if (!f->msix || bar != s->bar)
		return MSIX_NONE;
	if (off >= s->table_off && off - s->table_off < (u64)s->nvec * PCI_MSIX_ENTRY_SIZE) {
		*dw = (off - s->table_off) / 4;
		return MSIX_TABLE;
	}
	if (off >= s->pba_off && off - s->pba_off < 8ull * pba_qwords(s->nvec)) {
		*dw = (off - s->pba_off) / 4;
		return MSIX_PBA;
	}
	return MSIX_NONE;
}

static u32 msix_dword(const struct pci_func *f, enum msix_area a, unsigned dw)
{
	if (a == MSIX_TABLE)
		return f->msix_st.table[dw];
	return f->msix_st.pba[dw / 2] >> (32 * (dw & 1));
}

/* DWORD accesses, and QWORD accesses aligned to 8: what the spec defines. */
static bool msix_size_ok(u64 off, unsigned size)
{
	return (size == 4 && !(off & 3)) || (size == 8 && !(off & 7));
}

bool pci_msix_mmio_read(struct pci_func *f, int bar, u64 off, unsigned size, u64 *val)
{
	unsigned dw = 0;
	enum msix_area a = msix_area(f, bar, off, &dw);

	if (a == MSIX_NONE)
		return false;
	*val = 0;
	if (!msix_size_ok(off, size))
		return true;
	*val = msix_dword(f, a, dw);
	if (size == 8)
		*val |= (u64)msix_dword(f, a, dw + 1) << 32;
	return true;
}

static void msix_table_put(struct pci_func *f, unsigned dw, u32 v)
{
	static const u32 wmask[ENTRY_DWORDS] = {
		[ENTRY_ADDR_LO] = 0xfffffffc, [ENTRY_ADDR_HI] = 0xffffffff,
		[ENTRY_DATA] = 0xffffffff, [ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT,
	};
	u32 m = wmask[dw % ENTRY_DWORDS];

	f->msix_st.table[dw] = (f->msix_st.table[dw] & ~m) | (v & m);
}

bool pci_msix_mmio_write(struct pci_func *f, int bar, u64 off, unsigned size, u64 val)
{
	unsigned dw = 0;
	enum msix_area a = msix_area(f, bar, off, &dw);

	if (a == MSIX_NONE)
		return false;
	/* The PBA is read-only; odd sizes write nothing. */
	if (a == MSIX_PBA || !msix_size_ok(off, size))
		return true;
	msix_table_put(f, dw, val);
	if (size == 8)
		msix_table_put(f, dw + 1, val >> 32);
	pci_msix_flush(f);      /* an unmasked vector's pending message goes out */
	return true;
}

static u64 bar_read(void *opaque, u64 off, unsigned size)
{
	struct pci_func *f = opaque;
	u64 v = 0;

	pci_msix_mmio_read(f, f->msix_st.bar, off, size, &v);
	return v;
}

static void bar_write(void *opaque, u64 off, u64 val, unsigned size)
{
	struct pci_func *f = opaque;

	pci_msix_mmio_write(f, f->msix_st.bar, off, size, val);
}

const struct hw_mmio_ops pci_msix_bar_ops = { .read = bar_read, .write = bar_write };
