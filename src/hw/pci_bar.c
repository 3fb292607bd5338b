/*
 * Base Address Registers and the Expansion ROM BAR: sizing falls out of the
 * write mask (the bits below the size are read-only zero, so a write of all
 * ones reads back the size mask), and decoding is reported to the owner
 * whenever the enables or an address change.
 */
#include <errno.h>

#include "pci_func_priv.h"

/* The upper half of a 64-bit BAR: its slot is taken, nothing of its own. */
#define PCI_BAR_UPPER BIT(8)
#define PCI_ROM_MIN 0x800
#define PCI_ROM_MAX (16u << 20)

static unsigned bar_reg(const struct pci_func *f, int bar)
{
	if (bar == PCI_ROM_SLOT)
		return f->header_type ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
	return PCI_BASE_ADDRESS_0 + 4 * bar;
}

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

static int check_bar(const struct pci_func *f, int bar, u64 size, unsigned flags)
{
	int nbars = f->header_type ? 2 : PCI_NUM_BARS;
	bool io = flags & PCI_BAR_IO, is64 = flags & PCI_BAR_MEM64;

	if (flags & ~(PCI_BAR_IO | PCI_BAR_MEM64 | PCI_BAR_PREFETCH))
		return -EINVAL;
	if (bar < 0 || bar >= nbars || (is64 && bar + 1 >= nbars) || (io && flags != PCI_BAR_IO))
		return -EINVAL;
	if (!is_pow2(size))
		return -EINVAL;
	if (io && (size < 4 || size > 256))
		return -EINVAL;
	if (!io && (size < 16 || (!is64 && size > 1ull << 32) || size > 1ull << 63))
		return -EINVAL;
	if (f->bars[bar].flags || f->bars[bar].size ||
	    (is64 && (f->bars[bar + 1].flags || f->bars[bar + 1].size)))
		return -EBUSY;
	return 0;
}

int pci_func_add_bar(struct pci_func *f, int bar, u64 size, unsigned flags)
{
	int err = check_bar(f, bar, size, flags);
	u64 mask = ~(size - 1);
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * bar;

	if (err)
		return err;
	f->bars[bar].size = size;
	f->bars[bar].flags = flags;
	if (flags & PCI_BAR_IO) {
		pci_cfg_init(f, reg, 4, PCI_BASE_ADDRESS_SPACE_IO, (u32)mask & ~3u, 0);
		return 0;
	}
	pci_cfg_init(f, reg, 4,
		     (flags & PCI_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
		     (flags & PCI_BAR_PREFETCH ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0),
		     (u32)mask & ~0xfu, 0);
	if (flags & PCI_BAR_MEM64) {
		pci_cfg_init(f, reg + 4, 4, 0, mask >> 32, 0);
		f->bars[bar + 1].flags = PCI_BAR_UPPER;
	}
	return 0;
}

int pci_func_add_rom(struct pci_func *f, u64 size)
{
	if (!is_pow2(size) || size < PCI_ROM_MIN || size > PCI_ROM_MAX)
		return -EINVAL;
	if (f->bars[PCI_ROM_SLOT].size)
		return -EBUSY;
	f->bars[PCI_ROM_SLOT].size = size;
	pci_cfg_init(f, bar_reg(f, PCI_ROM_SLOT), 4, 0,
		     ((u32)~(size - 1) & ~0x7ffu) | PCI_ROM_ADDRESS_ENABLE, 0);
	return 0;
}

/* Where BAR @bar decodes now; false when it does not. */
static bool bar_window(const struct pci_func *f, int bar, u64 *addr)
{
	const struct pci_bar *b = &f->bars[bar];
	unsigned reg = bar_reg(f, bar);
	u32 lo = pci_cfg_get(f, reg, 4);
	u64 a;

	if (!b->size)
		return false;
	if (bar == PCI_ROM_SLOT) {
		/* The ROM decodes only with both its enable and Memory Space. */
		if (!(lo & PCI_ROM_ADDRESS_ENABLE) || !pci_func_mem_enabled(f))
			return false;
		a = lo & ~0x7ffu;
	} else if (b->flags & PCI_BAR_IO) {
		if (!pci_func_io_enabled(f))
			return false;
		a = lo & ~3u;
	} else {
		if (!pci_func_mem_enabled(f))
			return false;
		a = lo & ~0xfu;
		if (b->flags & PCI_BAR_MEM64)
			a |= (u64)pci_cfg_get(f, reg + 4, 4) << 32;
	}
	/* A window that would wrap past the top of the address space decodes nothing. */
	if (a + (b->size - 1) < a)
		return false;
	*addr = a;
	return true;
}

void pci_bars_update(struct pci_func *f)
{
	for (int i = 0; i <= PCI_ROM_SLOT; i++) {
		struct pci_bar *b = &f->bars[i];
		bool io = b->flags & PCI_BAR_IO;
		u64 a = 0;
		bool on = bar_window(f, i, &a);

		if (b->mapped && (!on || a != b->addr)) {
			b->mapped = false;
			if (f->ops->unmap)
				f->ops->unmap(f->owner, f, i, b->addr, b->size, io);
		}
		if (on && !b->mapped) {
			b->mapped = true;
			b->addr = a;
			if (f->ops->map)
				f->ops->map(f->owner, f, i, a, b->size, io);
		}
	}
}
