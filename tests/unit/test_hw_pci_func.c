/*
 * The PCI function model (src/hw/pci_*.c): config space masks, BAR sizing
 * and decoding, the command register's gates, MSI and MSI-X with masking
 * and pending bits, the MSI-X table through a BAR, resets, type 1 windows,
 * capability walking, and a seeded fuzz of random accesses.
 */
#include <errno.h>

#include "hw_test_fdt.h"
#include "hw/pci_func.h"
#include "test_util.h"

struct owner {
	int maps, unmaps, resets, msis, intx_changes, sbr_changes;
	int last_bar;
	u64 last_addr, last_size, msi_addr[64];
	u32 msi_data[64];
	bool last_io, intx, sbr;
	enum pci_reset_kind last_reset;
};

static void o_map(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct owner *w = o;

	(void)f;
	w->maps++;
	w->last_bar = bar;
	w->last_addr = addr;
	w->last_size = size;
	w->last_io = io;
}

static void o_unmap(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct owner *w = o;

	(void)f;
	(void)io;
	w->unmaps++;
	w->last_bar = bar;
	w->last_addr = addr;
	w->last_size = size;
}

static void o_reset(void *o, struct pci_func *f, enum pci_reset_kind kind)
{
	struct owner *w = o;

	(void)f;
	w->resets++;
	w->last_reset = kind;
}

static void o_msi(void *o, struct pci_func *f, u64 addr, u32 data)
{
	struct owner *w = o;

	(void)f;
	if (w->msis < 64) {
		w->msi_addr[w->msis] = addr;
		w->msi_data[w->msis] = data;
	}
	w->msis++;
}

static void o_intx(void *o, struct pci_func *f, bool level)
{
	struct owner *w = o;

	(void)f;
	w->intx_changes++;
	w->intx = level;
}

static void o_sbr(void *o, struct pci_func *f, bool asserted)
{
	struct owner *w = o;

	(void)f;
	w->sbr_changes++;
	w->sbr = asserted;
}

static const struct pci_func_ops ops = {
	.map = o_map, .unmap = o_unmap, .reset = o_reset, .msi_write = o_msi,
	.intx = o_intx, .secondary_reset = o_sbr,
};

static const struct pci_func_id ep_id = {
	.vendor = 0x1de5, .device = 0x0001, .subsystem_vendor = 0x1de5, .subsystem = 0x1234,
	.revision = 2, .class = 0x010802, .intx_pin = 1, .multifunction = true,
};

/* An endpoint: BAR0 64-bit 16 KiB (MSI-X table at 0x2000, PBA at 0x3000), BAR2 32-bit 4 KiB
 * prefetchable, BAR3 I/O 32 bytes, ROM 64 KiB; PM, MSI, MSI-X, PCIe with FLR. */
static struct pci_func *endpoint(struct owner *w)
{
	struct pci_func *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pci_func_init(f, 0, &ep_id, &ops, w), 0);
	assert_int_equal(pci_func_add_bar(f, 0, 0x4000, PCI_BAR_MEM64), 0);
	assert_int_equal(pci_func_add_bar(f, 2, 0x1000, PCI_BAR_PREFETCH), 0);
	assert_int_equal(pci_func_add_bar(f, 3, 32, PCI_BAR_IO), 0);
	assert_int_equal(pci_func_add_rom(f, 0x10000), 0);
	assert_int_equal(pci_cap_add_pm(f, false), 0x40);
	assert_int_equal(pci_cap_add_msi(f, 8, PCI_MSI_64BIT | PCI_MSI_MASKBIT), 0x48);
	assert_int_equal(pci_cap_add_msix(f, 70, 0, 0x2000, 0x3000), 0x60);
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_ENDPOINT, PCIE_CAP_FLR), 0x6c);
	return f;
}

static void put_func(struct pci_func *f)
{
	pci_func_exit(f);
	free(f);
}

static void header_ids_and_masks(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);

	(void)state;
	assert_int_equal(pci_cfg_read(f, 0, 4), 0x00011de5);
	assert_int_equal(pci_cfg_read(f, PCI_REVISION_ID, 4), 0x01080202);
	assert_int_equal(pci_cfg_read(f, PCI_HEADER_TYPE, 1), 0x80);
	assert_int_equal(pci_cfg_read(f, PCI_SUBSYSTEM_ID, 2), 0x1234);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	/* Read-only fields stay. */
	pci_cfg_write(f, 0, 4, 0xffffffff);
	pci_cfg_write(f, PCI_REVISION_ID, 4, 0);
	pci_cfg_write(f, PCI_INTERRUPT_PIN, 1, 3);
	assert_int_equal(pci_cfg_read(f, 0, 4), 0x00011de5);
	assert_int_equal(pci_cfg_read(f, PCI_REVISION_ID, 4), 0x01080202);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_PIN, 1), 1);
	/* Command: only the modelled bits store. */
	pci_cfg_write(f, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, PCI_COMMAND, 2), 0x0547);
	pci_cfg_write(f, PCI_COMMAND, 2, 0);
	/* Interrupt Line is RW; the PCIe latency timer is RO 0. */
	pci_cfg_write(f, PCI_INTERRUPT_LINE, 1, 0x2a);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_LINE, 1), 0x2a);
	pci_cfg_write(f, PCI_LATENCY_TIMER, 1, 0x40);
	assert_int_equal(pci_cfg_read(f, PCI_LATENCY_TIMER, 1), 0);
	/* Status: RW1C bits clear on 1, stay on 0, RO bits stay. */
	pci_func_status_set(f, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_TARGET_ABORT);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), 0x2810);
	pci_cfg_write(f, PCI_STATUS, 2, 0);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), 0x2810);
	pci_cfg_write(f, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), 0x0810);
	/* Byte write to the high byte of Status clears too. */
	pci_cfg_write(f, PCI_STATUS + 1, 1, 0x08);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), 0x0010);
	/* Sub-dword reads are the byte lanes. */
	assert_int_equal(pci_cfg_read(f, 1, 1), 0x1d);
	assert_int_equal(pci_cfg_read(f, 2, 2), 0x0001);
	put_func(f);
}

static void bad_accesses(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w), *c = calloc(1, sizeof(*c));

	(void)state;
	assert_int_equal(pci_cfg_read(f, 1, 2), 0xffff);
	assert_int_equal(pci_cfg_read(f, 2, 4), 0xffffffff);
	assert_int_equal(pci_cfg_read(f, 0, 3), 0xffffffff);
	assert_int_equal(pci_cfg_read(f, 0, 8), 0xffffffff);
	assert_int_equal(pci_cfg_read(f, 4096, 1), 0xff);
	assert_int_equal(pci_cfg_read(f, 4092, 4), 0);
	assert_int_equal(pci_cfg_read(f, 0xfffffffc, 4), 0xffffffff);
	pci_cfg_write(f, 3, 2, 0xffff);
	pci_cfg_write(f, 4, 8, 0xffffffff);
	assert_int_equal(pci_cfg_read(f, PCI_COMMAND, 2), 0);
	/* A conventional function has 256 bytes: beyond reads all ones. */
	assert_int_equal(pci_func_init(c, 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cfg_read(c, 0xfc, 4), 0);
	assert_int_equal(pci_cfg_read(c, 0x100, 4), 0xffffffff);
	assert_int_equal(pci_func_find_ext_cap(c, PCI_EXT_CAP_ID_ACS), 0);
	/* Building mistakes are refused. */
	assert_int_equal(pci_func_init(c, 2, &ep_id, &ops, &w), -EINVAL);
	assert_int_equal(pci_func_init(c, 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_func_add_bar(c, 5, 0x1000, PCI_BAR_MEM64), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 0x1800, 0), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 8, 0), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 512, PCI_BAR_IO), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 1ull << 33, 0), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 0x1000, PCI_BAR_IO | PCI_BAR_PREFETCH), -EINVAL);
	assert_int_equal(pci_func_add_bar(c, 0, 0x1000, PCI_BAR_MEM64), 0);
	assert_int_equal(pci_func_add_bar(c, 1, 0x1000, 0), -EBUSY);
	assert_int_equal(pci_func_add_rom(c, 0x400), -EINVAL);
	assert_int_equal(pci_cap_add_acs(c, PCI_ACS_SV), -EINVAL);   /* no PCIe */
	assert_int_equal(pci_cap_add_msi(c, 3, 0), -EINVAL);
	assert_int_equal(pci_cap_add_msi(c, 64, 0), -EINVAL);
	assert_int_equal(pci_cap_add_msix(c, 4, 2, 0, 0x100), -EINVAL);  /* no BAR 2 */
	assert_int_equal(pci_cap_add_msix(c, 4, 0, 0, 0x20), -EINVAL);   /* overlap */
	assert_int_equal(pci_cap_add_msix(c, 300, 0, 0, 0x800), -EINVAL); /* too big */
	assert_int_equal(pci_cap_add_pcie(c, PCIE_TYPE_ROOT_PORT, 0), -EINVAL); /* type 0 */
	assert_int_equal(pci_cap_add_pcie(c, 3, 0), -EINVAL);
	assert_true(pci_cap_add_pm(c, true) > 0);
	assert_int_equal(pci_cap_add_pm(c, true), -EEXIST);
	/* The standard space fills up: -ENOSPC, never past 0xff. */
	{
		int r, n = 0;

		while ((r = pci_cap_add_msi(c, 1, 0)) > 0 || r == -EEXIST) {
			if (r == -EEXIST) {
				c->msi = 0;     /* add another copy: only to fill the space */
				continue;
			}
			assert_true(r + 12 <= 0x100);
			n++;
		}
		assert_int_equal(r, -ENOSPC);
		assert_true(n > 10);
	}
	put_func(c);
	put_func(f);
}

static void bar_sizing(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);

	(void)state;
	/* Reset values carry the type bits. */
	assert_int_equal(pci_cfg_read(f, 0x10, 4), 0x4);
	assert_int_equal(pci_cfg_read(f, 0x18, 4), 0x8);
	assert_int_equal(pci_cfg_read(f, 0x1c, 4), 0x1);
	assert_int_equal(pci_cfg_read(f, 0x20, 4), 0);     /* BAR4: not implemented */
	for (unsigned r = 0x10; r <= 0x24; r += 4)
		pci_cfg_write(f, r, 4, 0xffffffff);
	pci_cfg_write(f, PCI_ROM_ADDRESS, 4, 0xfffff800);
	assert_int_equal(pci_cfg_read(f, 0x10, 4), 0xffffc004);   /* 16 KiB, 64-bit */
	assert_int_equal(pci_cfg_read(f, 0x14, 4), 0xffffffff);   /* upper half */
	assert_int_equal(pci_cfg_read(f, 0x18, 4), 0xfffff008);   /* 4 KiB, prefetchable */
	assert_int_equal(pci_cfg_read(f, 0x1c, 4), 0xffffffe1);   /* 32 bytes of I/O */
	assert_int_equal(pci_cfg_read(f, 0x20, 4), 0);
	assert_int_equal(pci_cfg_read(f, 0x24, 4), 0);
	assert_int_equal(pci_cfg_read(f, PCI_ROM_ADDRESS, 4), 0xffff0000);  /* 64 KiB */
	/* A BAR over 4 GiB: the upper dword sizes too. */
	{
		struct pci_func *g = calloc(1, sizeof(*g));

		assert_int_equal(pci_func_init(g, 0, &ep_id, &ops, &w), 0);
		assert_int_equal(pci_func_add_bar(g, 4, 1ull << 36, PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0);
		pci_cfg_write(g, 0x20, 4, 0xffffffff);
		pci_cfg_write(g, 0x24, 4, 0xffffffff);
		assert_int_equal(pci_cfg_read(g, 0x20, 4), 0x0000000c);
		assert_int_equal(pci_cfg_read(g, 0x24, 4), 0xfffffff0);
		put_func(g);
	}
	assert_int_equal(w.maps, 0);        /* decode off throughout */
	put_func(f);
}

static void bar_decode(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);

	(void)state;
	pci_cfg_write(f, 0x10, 4, 0x10004000);
	pci_cfg_write(f, 0x14, 4, 0x1);
	pci_cfg_write(f, 0x1c, 4, 0x1000);
	assert_int_equal(w.maps, 0);
	/* Memory Space maps BAR0 and BAR2 (at 0: the owner judges), I/O Space BAR3. */
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(w.maps, 2);
	assert_true(pci_func_mem_enabled(f));
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	assert_int_equal(w.maps, 3);
	assert_int_equal(w.last_bar, 3);
	assert_int_equal(w.last_addr, 0x1000);
	assert_int_equal(w.last_size, 32);
	assert_true(w.last_io);
	/* Moving a decoding BAR: unmap the old window, map the new one. */
	pci_cfg_write(f, 0x10, 4, 0x20000000);
	assert_int_equal(w.unmaps, 1);
	assert_int_equal(w.maps, 4);
	assert_int_equal(w.last_bar, 0);
	assert_int_equal(w.last_addr, 0x120000000ull);
	assert_int_equal(w.last_size, 0x4000);
	assert_false(w.last_io);
	/* Rewriting the same value changes nothing. */
	pci_cfg_write(f, 0x10, 4, 0x20000000);
	assert_int_equal(w.maps, 4);
	/* The ROM needs its enable and Memory Space. */
	pci_cfg_write(f, PCI_ROM_ADDRESS, 4, 0x30000000);
	assert_int_equal(w.maps, 4);
	pci_cfg_write(f, PCI_ROM_ADDRESS, 4, 0x30000001);
	assert_int_equal(w.maps, 5);
	assert_int_equal(w.last_bar, PCI_ROM_SLOT);
	assert_int_equal(w.last_addr, 0x30000000);
	assert_int_equal(w.last_size, 0x10000);
	/* Memory Space off unmaps the memory BARs and the ROM, not the I/O BAR. */
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_int_equal(w.unmaps, 4);
	/* D3hot stops decoding as well. */
	pci_cfg_write(f, 0x44, 2, 3);
	assert_int_equal(w.unmaps, 5);
	assert_false(pci_func_io_enabled(f));
	put_func(f);
}

static void command_gates(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);

	(void)state;
	/* Bus Master Enable clear: the DMA is refused, Received Master Abort set. */
	assert_false(pci_func_bus_master(f));
	assert_false(pci_func_dma_begin(f));
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT,
			 PCI_STATUS_REC_MASTER_ABORT);
	pci_cfg_write(f, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_true(pci_func_bus_master(f));
	assert_true(pci_func_dma_begin(f));
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_REC_MASTER_ABORT, 0);
	/* INTx: Status.Interrupt follows the condition; the pin obeys INTx Disable. */
	pci_func_set_intx(f, true);
	assert_true(w.intx);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_false(w.intx);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_true(w.intx);
	/* MSI enabled: no INTx. */
	pci_cfg_write(f, 0x4a, 2, PCI_MSI_FLAGS_ENABLE);
	assert_false(w.intx);
	pci_cfg_write(f, 0x4a, 2, 0);
	assert_true(w.intx);
	pci_func_set_intx(f, false);
	assert_false(w.intx);
	assert_int_equal(w.intx_changes, 6);
	/* D3hot: no bus mastering either. */
	pci_cfg_write(f, 0x44, 2, 3);
	assert_false(pci_func_bus_master(f));
	put_func(f);
}

/* Programs MSI at 0x44: address 0x8000040 (high 0x1), data 0x20, MME @mme. */
static void msi_program(struct pci_func *f, unsigned mme)
{
	pci_cfg_write(f, 0x4c, 4, 0x08000040);
	pci_cfg_write(f, 0x50, 4, 0x1);
	pci_cfg_write(f, 0x54, 2, 0x20);
	pci_cfg_write(f, 0x4a, 2, PCI_MSI_FLAGS_ENABLE | mme << 4);
}

static void msi_signalling(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);

	(void)state;
	assert_int_equal(pci_func_find_cap(f, PCI_CAP_ID_MSI), 0x48);
	/* 8 vectors capable (MMC 3), 64-bit, per-vector masking. */
	assert_int_equal(pci_cfg_read(f, 0x4a, 2), 0x0186);
	assert_int_equal(pci_msi_signal(f, 0), -ENODEV);
	pci_cfg_write(f, 0x4a, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, 0x4a, 2), 0x01f7);
	pci_cfg_write(f, 0x4a, 2, 0);
	pci_cfg_write(f, 0x58, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(f, 0x58, 4), 0xff);      /* one mask bit per vector */
	pci_cfg_write(f, 0x58, 4, 0);
	pci_cfg_write(f, 0x5c, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(f, 0x5c, 4), 0);         /* pending: RO */
	msi_program(f, 2);                                     /* 4 vectors */
	/* Bus Master Enable clear: dropped. */
	assert_int_equal(pci_msi_signal(f, 1), -EPERM);
	assert_int_equal(w.msis, 0);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(pci_msi_signal(f, 3), 0);
	assert_int_equal(w.msis, 1);
	assert_int_equal(w.msi_addr[0], 0x108000040ull);
	assert_int_equal(w.msi_data[0], 0x23);
	assert_int_equal(pci_msi_signal(f, 4), -EINVAL);       /* only 4 enabled */
	/* Masked: pending, then delivered on unmask. */
	pci_cfg_write(f, 0x58, 4, 0x2);
	assert_int_equal(pci_msi_signal(f, 1), -EAGAIN);
	assert_int_equal(pci_cfg_read(f, 0x5c, 4), 0x2);
	assert_int_equal(w.msis, 1);
	pci_cfg_write(f, 0x58, 4, 0);
	assert_int_equal(w.msis, 2);
	assert_int_equal(w.msi_data[1], 0x21);
	assert_int_equal(pci_cfg_read(f, 0x5c, 4), 0);
	/* Pending while BME is clear stays pending until it is set. */
	pci_cfg_write(f, 0x58, 4, 0x1);
	assert_int_equal(pci_msi_signal(f, 0), -EAGAIN);
	pci_cfg_write(f, PCI_COMMAND, 2, 0);
	pci_cfg_write(f, 0x58, 4, 0);
	assert_int_equal(w.msis, 2);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(w.msis, 3);
	assert_int_equal(w.msi_data[2], 0x20);
	/* Address bits 1:0 are RO 0; MME above MMC is capped. */
	pci_cfg_write(f, 0x4c, 4, 0x08000043);
	assert_int_equal(pci_cfg_read(f, 0x4c, 4), 0x08000040);
	pci_cfg_write(f, 0x4a, 2, PCI_MSI_FLAGS_ENABLE | 5 << 4);
	assert_int_equal(pci_msi_signal(f, 7), 0);
	assert_int_equal(pci_msi_signal(f, 8), -EINVAL);
	put_func(f);
}

static void msi_32bit_layout(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = calloc(1, sizeof(*f));
	u64 addr;
	u32 data;

	(void)state;
	assert_int_equal(pci_func_init(f, 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cap_add_msi(f, 1, 0), 0x40);
	assert_int_equal(pci_cfg_read(f, 0x42, 2), 0);
	pci_cfg_write(f, 0x44, 4, 0x1000);
	pci_cfg_write(f, 0x48, 2, 0x55);
	pci_cfg_write(f, 0x42, 2, 1);
	assert_int_equal(pci_msi_message(f, 0, &addr, &data), 0);
	assert_int_equal(addr, 0x1000);
	assert_int_equal(data, 0x55);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(pci_msi_signal(f, 0), 0);
	assert_int_equal(w.msis, 1);
	put_func(f);
}

static u64 bar_rd(struct pci_func *f, u64 off, unsigned size)
{
	u64 v = 0xdead;

	assert_true(pci_msix_mmio_read(f, 0, off, size, &v));
	return v;
}

static void msix_signalling(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);
	u64 v = 0;

	(void)state;
	assert_int_equal(pci_func_find_cap(f, PCI_CAP_ID_MSIX), 0x60);
	assert_int_equal(pci_cfg_read(f, 0x62, 2), 69);        /* table size N - 1 */
	assert_int_equal(pci_cfg_read(f, 0x64, 4), 0x2000);    /* BIR 0 */
	assert_int_equal(pci_cfg_read(f, 0x68, 4), 0x3000);
	pci_cfg_write(f, 0x62, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, 0x62, 2), 0xc045);
	pci_cfg_write(f, 0x62, 2, 0);
	/* Reset: every entry masked. */
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 69 + 12, 4), 1);
	/* Outside the table and PBA: not ours; other BARs: not ours. */
	assert_false(pci_msix_mmio_read(f, 0, 0x1000, 4, &v));
	assert_false(pci_msix_mmio_read(f, 0, 0x2000 + 16 * 70, 4, &v));
	assert_false(pci_msix_mmio_read(f, 0, 0x3010, 4, &v));
	assert_false(pci_msix_mmio_read(f, 2, 0x2000, 4, &v));
	/* Program vector 65 with one QWORD and two DWORD writes. */
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65, 8, 0x00000001fee00043ull));
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65 + 8, 4, 0x4100));
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 65, 8), 0x00000001fee00040ull);
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 65 + 8, 8), 0x0000000100004100ull);
	/* Odd accesses read 0 and write nothing. */
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 65 + 8, 2), 0);
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65 + 8, 2, 0));
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 65 + 8, 4), 0x4100);
	assert_int_equal(pci_msix_signal(f, 65), -ENODEV);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	pci_cfg_write(f, 0x62, 2, PCI_MSIX_FLAGS_ENABLE);
	/* Entry masked: pending in the PBA (vector 65: qword 1, bit 1). */
	assert_int_equal(pci_msix_signal(f, 65), -EAGAIN);
	assert_int_equal(bar_rd(f, 0x3008, 8), 0x2);
	assert_int_equal(bar_rd(f, 0x3008, 4), 0x2);
	assert_int_equal(bar_rd(f, 0x3000, 8), 0);
	/* The PBA is read-only. */
	assert_true(pci_msix_mmio_write(f, 0, 0x3008, 8, 0));
	assert_int_equal(bar_rd(f, 0x3008, 8), 0x2);
	/* Function Mask holds it even with the entry unmasked. */
	pci_cfg_write(f, 0x62, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65 + 12, 4, 0));
	assert_int_equal(w.msis, 0);
	assert_int_equal(bar_rd(f, 0x3008, 8), 0x2);
	/* Clearing the Function Mask sends it. */
	pci_cfg_write(f, 0x62, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(w.msis, 1);
	assert_int_equal(w.msi_addr[0], 0x1fee00040ull);
	assert_int_equal(w.msi_data[0], 0x4100);
	assert_int_equal(bar_rd(f, 0x3008, 8), 0);
	/* Unmasked: straight out. */
	assert_int_equal(pci_msix_signal(f, 65), 0);
	assert_int_equal(w.msis, 2);
	assert_int_equal(pci_msix_signal(f, 70), -EINVAL);
	/* Entry mask then unmask through the table delivers the pending one. */
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65 + 12, 4, 1));
	assert_int_equal(pci_msix_signal(f, 65), -EAGAIN);
	assert_true(pci_msix_mmio_write(f, 0, 0x2000 + 16 * 65 + 12, 4, 0xfffffffe));
	assert_int_equal(w.msis, 3);
	assert_int_equal(bar_rd(f, 0x2000 + 16 * 65 + 12, 4), 0);   /* reserved bits RO 0 */
	/* BME clear: dropped. */
	pci_cfg_write(f, PCI_COMMAND, 2, 0);
	assert_int_equal(pci_msix_signal(f, 65), -EPERM);
	/* The ready-made BAR ops reach the same table. */
	assert_int_equal(pci_msix_bar_ops.read(f, 0x2000 + 16 * 65 + 8, 4), 0x4100);
	pci_msix_bar_ops.write(f, 0x2000 + 8, 0x77, 4);
	assert_int_equal(bar_rd(f, 0x2008, 4), 0x77);
	assert_int_equal(pci_msix_bar_ops.read(f, 0, 4), 0);
	put_func(f);
}

static void flr_reset(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w);
	unsigned e = pci_func_find_cap(f, PCI_CAP_ID_EXP);

	(void)state;
	assert_int_equal(e, 0x6c);
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_FLAGS, 2), 0x0002);
	assert_true(pci_cfg_read(f, e + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_DEVCTL, 2), 0x2810);
	/* Program things an FLR resets and things it keeps. */
	pci_cfg_write(f, 0x10, 4, 0x10000000);
	pci_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pci_cfg_write(f, PCI_INTERRUPT_LINE, 1, 9);
	pci_cfg_write(f, e + PCI_EXP_DEVCTL, 2, 0x2830);       /* MPS 256 */
	pci_cfg_write(f, e + PCI_EXP_LNKCTL, 2, 0x0043);       /* ASPM, common clock */
	pci_func_status_set(f, PCI_STATUS_REC_TARGET_ABORT);
	assert_true(pci_msix_mmio_write(f, 0, 0x2000, 4, 0x1234));
	pci_cfg_write(f, 0x62, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(w.maps, 2);
	/* Initiate FLR. */
	pci_cfg_write(f, e + PCI_EXP_DEVCTL, 2, 0x2830 | PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(w.resets, 1);
	assert_int_equal(w.last_reset, PCI_RESET_FLR);
	assert_int_equal(w.unmaps, 2);
	assert_int_equal(pci_cfg_read(f, PCI_COMMAND, 2), 0);
	assert_int_equal(pci_cfg_read(f, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_read(f, 0x10, 4), 0x4);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_LINE, 1), 0);
	assert_int_equal(pci_cfg_read(f, 0x62, 2), 69);
	assert_int_equal(bar_rd(f, 0x2000, 4), 0);
	assert_int_equal(bar_rd(f, 0x200c, 4), 1);
	/* Kept: Max_Payload_Size and the link control fields; the FLR bit reads 0. */
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_DEVCTL, 2), 0x2830);
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_LNKCTL, 2), 0x0043);
	/* A conventional reset restores those too. */
	pci_func_reset(f, PCI_RESET_CONVENTIONAL);
	assert_int_equal(w.last_reset, PCI_RESET_CONVENTIONAL);
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_DEVCTL, 2), 0x2810);
	assert_int_equal(pci_cfg_read(f, e + PCI_EXP_LNKCTL, 2), 0);
	put_func(f);
}

static void flr_not_capable(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = calloc(1, sizeof(*f));

	(void)state;
	assert_int_equal(pci_func_init(f, 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_LEG_END, 0), 0x40);
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_LEG_END, 0), -EEXIST);
	pci_cfg_write(f, PCI_INTERRUPT_LINE, 1, 9);
	pci_cfg_write(f, 0x48, 2, 0xffff);
	assert_int_equal(w.resets, 0);
	assert_int_equal(pci_cfg_read(f, 0x48, 2), 0x79ff);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_LINE, 1), 9);
	put_func(f);
}

static void pm_states(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = endpoint(&w), *g = calloc(1, sizeof(*g));

	(void)state;
	assert_int_equal(pci_func_find_cap(f, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(pci_cfg_read(f, 0x42, 2), 0x0003);
	/* D1/D2 are not supported: the write is discarded. */
	pci_cfg_write(f, 0x44, 2, 1);
	assert_int_equal(pci_cfg_read(f, 0x44, 2), 0);
	pci_cfg_write(f, PCI_INTERRUPT_LINE, 1, 7);
	pci_cfg_write(f, 0x44, 2, 3);
	assert_int_equal(pci_cfg_read(f, 0x44, 2), 3);
	pci_cfg_write(f, 0x44, 2, 2);
	assert_int_equal(pci_cfg_read(f, 0x44, 2), 3);
	/* D3hot -> D0 without No_Soft_Reset: an internal reset. */
	pci_cfg_write(f, 0x44, 2, 0);
	assert_int_equal(w.resets, 1);
	assert_int_equal(w.last_reset, PCI_RESET_PM);
	assert_int_equal(pci_cfg_read(f, PCI_INTERRUPT_LINE, 1), 0);
	/* With No_Soft_Reset the state stays. */
	assert_int_equal(pci_func_init(g, 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cap_add_pm(g, true), 0x40);
	assert_int_equal(pci_cfg_read(g, 0x44, 2), PCI_PM_CTRL_NO_SOFT_RESET);
	pci_cfg_write(g, PCI_INTERRUPT_LINE, 1, 7);
	pci_cfg_write(g, 0x44, 2, 3);
	pci_cfg_write(g, 0x44, 2, 0);
	assert_int_equal(w.resets, 1);
	assert_int_equal(pci_cfg_read(g, PCI_INTERRUPT_LINE, 1), 7);
	put_func(g);
	put_func(f);
}

static struct pci_func *bridge(struct owner *w, enum pcie_type t, u16 acs)
{
	static const struct pci_func_id id = { .vendor = 0x1de5, .device = 0x0100, .class = 0x060400 };
	struct pci_func *f = calloc(1, sizeof(*f));

	assert_int_equal(pci_func_init(f, 1, &id, &ops, w), 0);
	assert_true(pci_cap_add_pcie(f, t, 0) > 0);
	if (acs)
		assert_int_equal(pci_cap_add_acs(f, acs), 0x100);
	return f;
}

static void type1_windows(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = bridge(&w, PCIE_TYPE_ROOT_PORT, 0);
	u64 b, l;

	(void)state;
	assert_int_equal(pci_cfg_read(f, PCI_HEADER_TYPE, 1), 1);
	assert_int_equal(pci_cfg_read(f, PCI_IO_BASE, 2), 0x0101);
	assert_int_equal(pci_cfg_read(f, PCI_PREF_MEMORY_BASE, 4), 0x00010001);
	/* Bus numbers. */
	pci_cfg_write(f, PCI_PRIMARY_BUS, 4, 0x00050100);
	assert_int_equal(pci_bridge_secondary_bus(f), 1);
	assert_int_equal(pci_bridge_subordinate_bus(f), 5);
	assert_int_equal(pci_cfg_read(f, PCI_SEC_LATENCY_TIMER, 1), 0);
	/* Windows: the low nibbles are RO. */
	pci_cfg_write(f, PCI_IO_BASE, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, PCI_IO_BASE, 2), 0xf1f1);
	pci_cfg_write(f, PCI_IO_BASE, 2, 0x2010);
	pci_cfg_write(f, PCI_IO_BASE_UPPER16, 4, 0x00000000);
	assert_true(pci_bridge_window(f, PCI_WINDOW_IO, &b, &l));
	assert_int_equal(b, 0x1000);
	assert_int_equal(l, 0x2fff);
	pci_cfg_write(f, PCI_MEMORY_BASE, 4, 0x101f1010);
	assert_int_equal(pci_cfg_read(f, PCI_MEMORY_BASE, 4), 0x10101010);
	assert_true(pci_bridge_window(f, PCI_WINDOW_MEM, &b, &l));
	assert_int_equal(b, 0x10100000);
	assert_int_equal(l, 0x101fffff);
	pci_cfg_write(f, PCI_PREF_MEMORY_BASE, 4, 0x80008000);
	pci_cfg_write(f, PCI_PREF_BASE_UPPER32, 4, 0x80);
	pci_cfg_write(f, PCI_PREF_LIMIT_UPPER32, 4, 0x80);
	assert_true(pci_bridge_window(f, PCI_WINDOW_PREF, &b, &l));
	assert_int_equal(b, 0x8080000000ull);
	assert_int_equal(l, 0x80800fffffull);
	/* Base above limit: closed. */
	pci_cfg_write(f, PCI_MEMORY_BASE, 4, 0x0000fff0);
	assert_false(pci_bridge_window(f, PCI_WINDOW_MEM, &b, &l));
	/* Secondary status is RW1C; bridge control with secondary bus reset. */
	pci_cfg_write(f, PCI_BRIDGE_CONTROL, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, PCI_BRIDGE_CONTROL, 2), 0x7f);
	assert_int_equal(w.sbr_changes, 1);
	assert_true(w.sbr);
	pci_cfg_write(f, PCI_BRIDGE_CONTROL, 2, 0x3);
	assert_false(w.sbr);
	assert_int_equal(w.sbr_changes, 2);
	/* Link status change bits of a port are RW1C. */
	pci_cfg_write(f, 0x40 + PCI_EXP_LNKSTA, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, 0x40 + PCI_EXP_LNKSTA, 2), 0x3043);
	assert_int_equal(pci_cfg_read(f, 0x40 + PCI_EXP_FLAGS, 2), 0x0042);
	/* Type 1 has BAR0 and BAR1 only; FLR is not for ports. */
	assert_int_equal(pci_func_add_bar(f, 2, 0x1000, 0), -EINVAL);
	assert_int_equal(pci_func_add_bar(f, 0, 0x1000, 0), 0);
	assert_int_equal(pci_func_add_rom(f, 0x800), 0);
	pci_cfg_write(f, PCI_ROM_ADDRESS1, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(f, PCI_ROM_ADDRESS1, 4), 0xfffff801);
	assert_false(pci_bridge_window(f, 7, &b, &l));
	put_func(f);
	f = calloc(1, sizeof(*f));
	assert_int_equal(pci_func_init(f, 1, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_DOWNSTREAM, PCIE_CAP_FLR), -EINVAL);
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_ENDPOINT, 0), -EINVAL);
	/* A PCIe-to-PCI bridge keeps its secondary latency timer and BCR enable. */
	assert_int_equal(pci_cap_add_pcie(f, PCIE_TYPE_PCI_BRIDGE, 0), 0x40);
	pci_cfg_write(f, PCI_SEC_LATENCY_TIMER, 1, 0x40);
	assert_int_equal(pci_cfg_read(f, PCI_SEC_LATENCY_TIMER, 1), 0x40);
	pci_cfg_write(f, 0x48, 2, 0x8000);
	assert_int_equal(pci_cfg_read(f, 0x48, 2), 0x8000);
	assert_int_equal(w.resets, 0);
	/* The conventional reset releases a held secondary bus reset. */
	pci_cfg_write(f, PCI_BRIDGE_CONTROL, 2, PCI_BRIDGE_CTL_BUS_RESET);
	assert_true(w.sbr);
	pci_func_reset(f, PCI_RESET_CONVENTIONAL);
	assert_false(w.sbr);
	put_func(f);
}

static void acs_and_walks(void **state)
{
	struct owner w = { 0 };
	struct pci_func *f = bridge(&w, PCIE_TYPE_DOWNSTREAM, PCI_ACS_SV | PCI_ACS_RR |
				    PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC);
	unsigned a;

	(void)state;
	a = pci_func_find_ext_cap(f, PCI_EXT_CAP_ID_ACS);
	assert_int_equal(a, 0x100);
	assert_int_equal(pci_cfg_read(f, 0x100, 4), 0x0001000d);
	assert_int_equal(pci_cfg_read(f, a + PCI_ACS_CAP, 2), 0x083d);
	/* Only advertised control bits store (TB and DT read 0). */
	pci_cfg_write(f, a + PCI_ACS_CTRL, 2, 0xffff);
	assert_int_equal(pci_cfg_read(f, a + PCI_ACS_CTRL, 2), 0x3d);
	pci_cfg_write(f, a + PCI_ACS_EGRESS_CTL_V, 4, 0xffffffff);
	assert_int_equal(pci_cfg_read(f, a + PCI_ACS_EGRESS_CTL_V, 4), 0xff);
	assert_int_equal(pci_cap_add_acs(f, PCI_ACS_SV), -EEXIST);
	assert_int_equal(pci_func_find_cap(f, PCI_CAP_ID_EXP), 0x40);
	assert_int_equal(pci_func_find_cap(f, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_func_find_ext_cap(f, 0x1), 0);
	put_func(f);
	f = bridge(&w, PCIE_TYPE_ROOT_PORT, PCI_ACS_ALL & ~PCI_ACS_EC);
	assert_int_equal(pci_cfg_read(f, 0x104, 2), 0x005f);
	assert_int_equal(pci_cap_add_acs(f, 0x80), -EINVAL);
	assert_int_equal(pci_cap_add_acs(f, PCI_ACS_SV), -EEXIST);
	/* A second extended capability chains after the first (a second ACS only to test the chain). */
	f->acs = 0;
	assert_int_equal(pci_cap_add_acs(f, PCI_ACS_SV), 0x108);
	assert_int_equal(pci_cfg_read(f, 0x100, 4) >> 20, 0x108);
	/* A corrupt next pointer at the very end of the space: the walk stays inside. */
	f->cfg[0x10b] = 0xff;
	f->cfg[0x10a] |= 0xf0;
	f->cfg[0xffc] = 0x01;   /* ID 1, next 0x020: ends the walk */
	f->cfg[0xfff] = 0x02;
	assert_int_equal(pci_func_find_ext_cap(f, 0x1), 0xffc);
	assert_int_equal(pci_func_find_ext_cap(f, 0x2), 0);
	/* Walks: the endpoint's standard chain in order; a loop ends the walk. */
	put_func(f);
	f = endpoint(&w);
	assert_int_equal(pci_cfg_read(f, PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(pci_cfg_read(f, 0x41, 1), 0x48);
	assert_int_equal(pci_cfg_read(f, 0x49, 1), 0x60);
	assert_int_equal(pci_cfg_read(f, 0x61, 1), 0x6c);
	assert_int_equal(pci_cfg_read(f, 0x6d, 1), 0);
	assert_int_equal(pci_cfg_read(f, 0x100, 4), 0);
	assert_int_equal(pci_func_find_ext_cap(f, PCI_EXT_CAP_ID_ACS), 0);
	f->cfg[0x6d] = 0x40;    /* a corrupt chain (as a broken device might have) */
	assert_int_equal(pci_func_find_cap(f, 0x09), 0);
	put_func(f);
}

/* Random accesses of every size and offset: nothing read-only ever changes. */
static void fuzz_accesses(void **state)
{
	uint64_t seed = tu_env_u64("LAB_FUZZ_SEED", 0x9c1f0e5u), s;
	uint64_t count = tu_env_u64("LAB_FUZZ_COUNT", 200000);
	struct owner w = { 0 };
	struct pci_func *f[3] = { endpoint(&w), bridge(&w, PCIE_TYPE_DOWNSTREAM, PCI_ACS_ALL) };
	static const unsigned sizes[] = { 1, 2, 4, 3, 8, 0 };
	static u8 ro[3][PCI_CFG_EXP_SIZE];

	(void)state;
	s = seed ? seed : 1;
	printf("fuzz seed %#llx count %llu\n", (unsigned long long)seed, (unsigned long long)count);
	f[2] = calloc(1, sizeof(*f[2]));
	assert_int_equal(pci_func_init(f[2], 0, &ep_id, &ops, &w), 0);
	assert_int_equal(pci_cap_add_msi(f[2], 32, PCI_MSI_MASKBIT), 0x40);
	for (int k = 0; k < 3; k++) {
		/* Bytes with no writable or W1C bit never change (bar a few RO ones the model drives). */
		for (unsigned i = 0; i < PCI_CFG_EXP_SIZE; i++)
			ro[k][i] = f[k]->cfg[i];
	}
	for (uint64_t n = 0; n < count; n++) {
		int k = xorshift64star(&s) % 3;
		uint64_t r = xorshift64star(&s);
		unsigned size = sizes[r % 6], off = (r >> 8) % 4200;
		u32 val = r >> 32;

		if (r & 0x10000000)
			off &= ~3u;
		if (r & 0x20000000)
			(void)pci_cfg_read(f[k], off, size);
		else
			pci_cfg_write(f[k], off, size, val);
		if ((r >> 40) % 64 == 0)
			(void)pci_msi_signal(f[k], (r >> 48) % 40);
		if ((r >> 40) % 64 == 1)
			(void)pci_msix_signal(f[k], (r >> 48) % 80);
		if ((r >> 40) % 64 == 2) {
			u64 v;

			if (r & 1)
				(void)pci_msix_mmio_write(f[k], (r >> 1) % 7, (r >> 8) % 0x5000,
							  sizes[(r >> 4) % 6], r);
			else
				(void)pci_msix_mmio_read(f[k], (r >> 1) % 7, (r >> 8) % 0x5000,
							 sizes[(r >> 4) % 6], &v);
		}
		if ((r >> 40) % 4096 == 3)
			pci_func_reset(f[k], (r >> 52) % 3);
	}
	for (int k = 0; k < 3; k++) {
		for (unsigned i = 0; i < PCI_CFG_EXP_SIZE; i++) {
			u8 fixed = ~(f[k]->wmask[i] | f[k]->w1cmask[i]);
			/* Driven by the model: Status.Interrupt, MSI pending bits. */
			if (i == PCI_STATUS)
				fixed &= ~PCI_STATUS_INTERRUPT;
			if (f[k]->msi && i >= f[k]->msi + 0x10u && i < f[k]->msi + 0x18u)
				fixed = 0;
			if ((f[k]->cfg[i] & fixed) != (ro[k][i] & fixed))
				fail_msg("function %d byte %#x: %#x, RO bits were %#x", k, i,
					 f[k]->cfg[i], ro[k][i]);
		}
		put_func(f[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_ids_and_masks),
		cmocka_unit_test(bad_accesses),
		cmocka_unit_test(bar_sizing),
		cmocka_unit_test(bar_decode),
		cmocka_unit_test(command_gates),
		cmocka_unit_test(msi_signalling),
		cmocka_unit_test(msi_32bit_layout),
		cmocka_unit_test(msix_signalling),
		cmocka_unit_test(flr_reset),
		cmocka_unit_test(flr_not_capable),
		cmocka_unit_test(pm_states),
		cmocka_unit_test(type1_windows),
		cmocka_unit_test(acs_and_walks),
		cmocka_unit_test(fuzz_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
