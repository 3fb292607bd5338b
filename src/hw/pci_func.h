/*
 * A PCI / PCI Express function as hardware has it: its configuration space
 * (type 0 or type 1 header, capabilities), BAR decoding, MSI and MSI-X,
 * INTx, and its resets. Every PCI device model (endpoints, root ports,
 * switch ports, bridges) embeds one struct pci_func; the host bridge reaches
 * it through pci_cfg_read/pci_cfg_write. The layout is docs/devices.md,
 * "PCI function". No globals: all state is in the struct.
 *
 * Build a function with pci_func_init, then its BARs and capabilities (in
 * the order they should appear in the chain); what those calls write is the
 * function's reset state. pci_func_exit frees what the capabilities took.
 */
#ifndef LAB_HW_PCI_FUNC_H
#define LAB_HW_PCI_FUNC_H

#include "hw/machine.h"
#include "hw/pci_regs.h"

struct pci_func;

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6             /* the expansion ROM in window callbacks */

/* pci_func_add_bar flags */
#define PCI_BAR_IO BIT(0)
#define PCI_BAR_MEM64 BIT(1)
#define PCI_BAR_PREFETCH BIT(2)

enum pci_reset_kind {
	PCI_RESET_CONVENTIONAL,  /* power-on, hot reset, secondary bus reset */
	PCI_RESET_FLR,           /* Function Level Reset (DevCtl Initiate FLR) */
	PCI_RESET_PM,            /* D3hot -> D0 without No_Soft_Reset */
};

/* PCI Express Device/Port Type (PCIe Capabilities register bits 7:4). */
enum pcie_type {
	PCIE_TYPE_ENDPOINT = 0x0,
	PCIE_TYPE_LEG_END = 0x1,
	PCIE_TYPE_ROOT_PORT = 0x4,
	PCIE_TYPE_UPSTREAM = 0x5,
	PCIE_TYPE_DOWNSTREAM = 0x6,
	PCIE_TYPE_PCI_BRIDGE = 0x7,
};

/* pci_cap_add_pcie flags */
#define PCIE_CAP_FLR BIT(0)        /* DevCap Function Level Reset Capability */

/* pci_cap_add_msi flags */
#define PCI_MSI_64BIT BIT(0)
#define PCI_MSI_MASKBIT BIT(1)

/* ACS capability bits (also the control bits they make writable). */
#define PCI_ACS_SV BIT(0)
#define PCI_ACS_TB BIT(1)
#define PCI_ACS_RR BIT(2)
#define PCI_ACS_CR BIT(3)
#define PCI_ACS_UF BIT(4)
#define PCI_ACS_EC BIT(5)
#define PCI_ACS_DT BIT(6)
#define PCI_ACS_ALL 0x7f

/* What the function asks of the device model (or bridge) that owns it. */
struct pci_func_ops {
	/*
	 * A BAR (or the ROM, @bar PCI_ROM_SLOT) starts or stops decoding
	 * [@addr, @addr + @size): the owner maps or unmaps its MMIO/IO region
	 * (hw_mmio_map/hw_mmio_unmap through the host bridge). Every map is
	 * followed by exactly one unmap of the same window before the next map
	 * of that BAR.
	 */
	void (*map)(void *owner, struct pci_func *f, int bar, u64 addr, u64 size, bool io);
	void (*unmap)(void *owner, struct pci_func *f, int bar, u64 addr, u64 size, bool io);
	/* The function was reset (config space already back to reset values). */
	void (*reset)(void *owner, struct pci_func *f, enum pci_reset_kind kind);
	/* An MSI or MSI-X message to write: the owner issues it as a DMA write of @data (4 bytes). */
	void (*msi_write)(void *owner, struct pci_func *f, u64 addr, u32 data);
	/* The INTx output (pin level after INTx Disable) changed. */
	void (*intx)(void *owner, struct pci_func *f, bool level);
	/* Type 1: Bridge Control Secondary Bus Reset was set (true) or cleared. */
	void (*secondary_reset)(void *owner, struct pci_func *f, bool asserted);
};

struct pci_func_id {
	u16 vendor, device;
	u16 subsystem_vendor, subsystem;  /* type 0 only */
	u8 revision;
	u32 class;                        /* base class, subclass, prog-if (24 bits) */
	u8 intx_pin;                      /* 0 none, 1..4 INTA..INTD */
	bool multifunction;
};

struct pci_bar {
	u64 size;                 /* 0: not implemented */
	unsigned flags;           /* PCI_BAR_* */
	bool mapped;              /* what the owner was last told */
	u64 addr;
};

struct pci_msi_state {
	unsigned nvec;            /* Multiple Message Capable, as a count */
	unsigned flags;           /* PCI_MSI_64BIT, PCI_MSI_MASKBIT */
};

struct pci_msix_state {
	unsigned nvec;
	int bar;
	u32 table_off, pba_off;
	u32 *table;               /* nvec entries of 4 dwords */
	u64 *pba;                 /* DIV_ROUND_UP(nvec, 64) qwords */
};

struct pci_func {
	u8 cfg[PCI_CFG_EXP_SIZE];
	u8 wmask[PCI_CFG_EXP_SIZE];     /* bits a write stores */
	u8 w1cmask[PCI_CFG_EXP_SIZE];   /* bits a 1 clears */
	u8 reset_val[PCI_CFG_EXP_SIZE]; /* the power-on image */
	u8 flr_keep[PCI_CFG_EXP_SIZE];  /* bits an FLR leaves alone */
	unsigned cfg_size;              /* 256, or 4096 with a PCIe capability */
	u8 header_type;                 /* 0 or 1 */

	struct pci_bar bars[PCI_NUM_BARS + 1];  /* [PCI_ROM_SLOT]: the ROM */
	u8 cap_last, cap_free;          /* standard list: last cap, next free byte */
	u16 ext_last, ext_free;         /* extended list, from 0x100 */
	u8 pcie, pm, msi, msix;         /* capability offsets, 0: absent */
	u16 acs;
	struct pci_msi_state msi_st;
	struct pci_msix_state msix_st;
	bool intx_level, intx_out, sbr;

	const struct pci_func_ops *ops;
	void *owner;
};

/* ---- building ----------------------------------------------------------- */

/* @header_type 0 (endpoint) or 1 (bridge); -EINVAL otherwise. */
int pci_func_init(struct pci_func *f, int header_type, const struct pci_func_id *id,
		  const struct pci_func_ops *ops, void *owner);
void pci_func_exit(struct pci_func *f);
/*
 * BAR @bar (0-5 type 0, 0-1 type 1) of @size bytes (a power of two: at least
 * 16 for memory, 4 for I/O, at most 4 GiB for 32-bit and 256 bytes for I/O).
 * A 64-bit BAR takes @bar and @bar + 1. -EINVAL or -EBUSY (slot taken).
 */
int pci_func_add_bar(struct pci_func *f, int bar, u64 size, unsigned flags);
/* Expansion ROM BAR, 2 KiB .. 16 MiB, a power of two. */
int pci_func_add_rom(struct pci_func *f, u64 size);

/* Capabilities: each returns its offset or -EINVAL, -EEXIST, -ENOSPC. */
int pci_cap_add_pcie(struct pci_func *f, enum pcie_type type, unsigned flags);
int pci_cap_add_pm(struct pci_func *f, bool no_soft_reset);
/* @nvec: 1, 2, 4, 8, 16 or 32. */
int pci_cap_add_msi(struct pci_func *f, unsigned nvec, unsigned flags);
/* @nvec 1..2048; table and PBA inside memory BAR @bar, 8-byte aligned, not overlapping. */
int pci_cap_add_msix(struct pci_func *f, unsigned nvec, int bar, u32 table_off, u32 pba_off);
/* Needs a PCIe capability; @caps from PCI_ACS_*. */
int pci_cap_add_acs(struct pci_func *f, u16 caps);

/* Walks the chains as software does: offset of capability @id, or 0. */
unsigned pci_func_find_cap(const struct pci_func *f, u8 id);
unsigned pci_func_find_ext_cap(const struct pci_func *f, u16 id);

/* ---- configuration access (the host bridge's side) ----------------------- */

/*
 * @size 1, 2 or 4 at an offset aligned to it, inside the configuration
 * space (256 bytes without a PCIe capability). Anything else reads all
 * ones and writes nothing.
 */
u32 pci_cfg_read(struct pci_func *f, unsigned off, unsigned size);
void pci_cfg_write(struct pci_func *f, unsigned off, unsigned size, u32 val);

/* ---- the device model's side ------------------------------------------- */

/* May the function issue memory requests (DMA, MSI)? Bus Master Enable in D0. */
bool pci_func_bus_master(const struct pci_func *f);
/*
 * A DMA the device model wanted to issue: false (and Received Master
 * Abort set, as for a request completed with Unsupported Request) when Bus
 * Master Enable is clear or the function is not in D0; true otherwise.
 */
bool pci_func_dma_begin(struct pci_func *f);
/* Completion status bits a requester or completer records. */
void pci_func_status_set(struct pci_func *f, u16 bits);
/* Does the function decode memory (I/O) requests: the enable and D0. */
bool pci_func_mem_enabled(const struct pci_func *f);
bool pci_func_io_enabled(const struct pci_func *f);

/* INTx: the device's interrupt condition; Status.Interrupt follows it. */
void pci_func_set_intx(struct pci_func *f, bool level);

/*
 * Signals MSI or MSI-X vector @vec: 0 when the message went to
 * ops->msi_write, -EAGAIN when masked (its pending bit set: it goes out on
 * unmask), -ENODEV when that mechanism is not enabled, -EINVAL for a vector
 * the function does not have (or MSI has not enabled), -EPERM when the
 * function may not issue memory writes (Bus Master Enable clear, not D0:
 * the message is dropped).
 */
int pci_msi_signal(struct pci_func *f, unsigned vec);
int pci_msix_signal(struct pci_func *f, unsigned vec);
/* The (address, data) vector @vec would write. 0 or -EINVAL/-ENODEV. */
int pci_msi_message(const struct pci_func *f, unsigned vec, u64 *addr, u32 *data);
int pci_msix_message(const struct pci_func *f, unsigned vec, u64 *addr, u32 *data);
bool pci_msi_enabled(const struct pci_func *f);
bool pci_msix_enabled(const struct pci_func *f);

/*
 * MSI-X table and PBA accesses at @off from the start of the BAR holding
 * them: true when the access falls in the table or the PBA (and was
 * handled: 4 bytes, or 8 bytes aligned to 8; others read 0, write nothing).
 * A device model's BAR handler tries these first. pci_msix_bar_ops serves
 * a BAR that holds nothing else (opaque: the struct pci_func).
 */
bool pci_msix_mmio_read(struct pci_func *f, int bar, u64 off, unsigned size, u64 *val);
bool pci_msix_mmio_write(struct pci_func *f, int bar, u64 off, unsigned size, u64 val);
extern const struct hw_mmio_ops pci_msix_bar_ops;

/* ---- resets ----------------------------------------------------------- */

/* Back to reset values (FLR keeps what the spec keeps), then ops->reset. */
void pci_func_reset(struct pci_func *f, enum pci_reset_kind kind);

/* ---- type 1: what the bridge forwards ------------------------------------ */

enum pci_window { PCI_WINDOW_IO, PCI_WINDOW_MEM, PCI_WINDOW_PREF };

/* The window as programmed: false when closed (base above limit). */
bool pci_bridge_window(const struct pci_func *f, enum pci_window w, u64 *base, u64 *limit);
u8 pci_bridge_secondary_bus(const struct pci_func *f);
u8 pci_bridge_subordinate_bus(const struct pci_func *f);

#endif
