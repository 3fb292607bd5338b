/*
 * The emulated machine: physical memory, MMIO, interrupts, virtual time and
 * the DMA path. It knows nothing of drivers; the kernel reaches it only
 * through the calls below (MMIO accessors, memory, the interrupt sink).
 */
#ifndef LAB_HW_MACHINE_H
#define LAB_HW_MACHINE_H

#include "common/types.h"
#include "common/list.h"
#include "common/master_id.h"

struct machine;
struct hw_iommu;
struct hw_dma_master;

/* ---- creation ------------------------------------------------------- */

/*
 * Builds the machine a checked blob describes: RAM from the memory nodes,
 * one model per enabled node whose compatible a model claims (see
 * hw_models.c), nothing for the rest. Returns 0 or a negative errno with
 * the reason in @why. The machine keeps its own copy of the blob.
 */
int machine_create(const void *fdt, size_t size, u64 seed, struct machine **out,
		   char *why, size_t whylen);
/*
 * What the firmware and bootloader contribute before the kernel runs. The
 * machine is built before the kernel parses its command line, so iommulab
 * reads `mem=` itself and hands it over here, as U-Boot or UEFI fills the
 * memory node before jumping to the kernel.
 */
struct machine_firmware {
	/*
	 * The size of RAM the bootloader reports where the tree leaves it
	 * open (a memory node whose reg sizes are all 0, or no memory node:
	 * one is added at 0x80000000). 0: the default, 2 GiB.
	 */
	u64 mem_size;
};
/* machine_create with @fw (NULL: machine_create's defaults). */
int machine_create_fw(const void *fdt, size_t size, u64 seed, const struct machine_firmware *fw,
		      struct machine **out, char *why, size_t whylen);
/* What the bootloader did to the tree, one line each ("" when nothing). */
const char *machine_boot_note(const struct machine *m);
void machine_destroy(struct machine *m);
const void *machine_fdt(const struct machine *m);

/* ---- physical memory ------------------------------------------------ */

/*
 * Frames are 4 KiB. A RAM frame's host page is allocated on first touch, or
 * aliases memory a caller lent (a VFIO user's pinned buffer). Accesses that
 * leave RAM return -EFAULT and move nothing.
 */
bool hw_mem_is_ram(struct machine *m, u64 pa, u64 len);
int hw_mem_read(struct machine *m, u64 pa, void *buf, size_t len);
int hw_mem_write(struct machine *m, u64 pa, const void *buf, size_t len);
/* Host address of the frame holding @pa (allocating it), or NULL if not RAM. */
void *hw_frame(struct machine *m, u64 pa);
/*
 * Make the RAM or user-window frame at @pa alias @host (both page aligned)
 * until unaliased: 0, -EINVAL (unaligned, no @host), -EFAULT (neither RAM
 * nor the user window), -EBUSY (already aliased) or -ENOMEM. Unalias: 0,
 * -EINVAL (unaligned or not aliased) or -EFAULT.
 */
int hw_frame_alias(struct machine *m, u64 pa, void *host);
int hw_frame_unalias(struct machine *m, u64 pa);
/* RAM banks, for the kernel's memory allocator (the firmware view). */
struct hw_ram_bank { u64 base, size; };
size_t hw_ram_banks(struct machine *m, const struct hw_ram_bank **banks);
/*
 * User memory. On Linux the pages a process pins for DMA are host RAM the
 * process owns; in the lab they are the program's own memory, so they must
 * not take frames of the lab's RAM. The machine has a window of physical
 * addresses for them instead: above RAM and every device's registers and
 * bus windows, not in the firmware's memory map (the kernel's page
 * allocator never sees it). A window frame never lent is no memory: a bus
 * access to it is refused, as to any address nothing decodes. A frame
 * aliased to lent memory (hw_frame_alias on a window address) is that
 * memory; once unaliased it is host RAM nobody owns, as an unpinned page
 * is on a host: a stale DMA that reaches it after unpinning lands there
 * and the checker judges it (owner "free"). The window costs nothing per
 * frame until one is lent.
 *
 * Placement: from the 1 GiB boundary above everything the device tree
 * decodes to 1 TiB (40 bits, the smallest output size of the modelled
 * IOMMUs) when that leaves at least 256 GiB; else 1 TiB at the next 1 TiB
 * boundary (within 48 bits). hw_user_window gives @base and @size in
 * bytes (both 2 MiB aligned): 0, or -ENODEV when the machine has none.
 */
int hw_user_window(struct machine *m, u64 *base, u64 *size);

/* ---- MMIO ----------------------------------------------------------- */

struct hw_mmio_ops {
	u64 (*read)(void *opaque, u64 off, unsigned size);
	void (*write)(void *opaque, u64 off, u64 val, unsigned size);
};

int hw_mmio_map(struct machine *m, u64 base, u64 size, const struct hw_mmio_ops *ops,
		void *opaque, const char *name);
/* -EFAULT when nothing decodes the address (the read then yields all ones). */
int hw_mmio_read(struct machine *m, u64 pa, unsigned size, u64 *val);
int hw_mmio_write(struct machine *m, u64 pa, unsigned size, u64 val);
/* Removes the region mapped at @base: 0 or -ENOENT. */
int hw_mmio_unmap(struct machine *m, u64 base);
/* Name of the region decoding @pa, or NULL (for logs). */
const char *hw_mmio_name(struct machine *m, u64 pa);

/* ---- interrupts ----------------------------------------------------- */

/* Interrupt numbers are GIC INTIDs (SPI n is 32 + n). Level-triggered. */
typedef void (*hw_irq_sink_fn)(void *opaque, u32 intid, bool level);
void hw_irq_set_sink(struct machine *m, hw_irq_sink_fn fn, void *opaque);
void hw_irq_set(struct machine *m, u32 intid, bool level);
bool hw_irq_level(struct machine *m, u32 intid);
/*
 * The GIC CPU interface's acknowledge of an edge interrupt: lowers the
 * latched line of @intid (an MSI: a GICv2m SPI or an LPI, which the MSI
 * controllers raise and leave high). The kernel's edge flow calls it before
 * running the handlers, as Linux's handle_edge_irq acks before the action.
 */
void hw_irq_ack(struct machine *m, u32 intid);
/*
 * Stands for the redistributors' GICR_PROPBASER, which the lab does not
 * model: the physical address of the LPI configuration table (one byte per
 * LPI from INTID 8192: bit 0 enable, 7:2 priority; 0: no table) for every
 * ITS of the machine (gic_its.h: its_set_lpi_config). The ITS driver calls
 * it once at probe, where Linux's redistributor code writes PROPBASER.
 */
void hw_gic_set_propbaser(struct machine *m, u64 pa);

/* ---- virtual time and events ---------------------------------------- */

typedef void (*hw_event_fn)(void *arg);
u64 hw_now(const struct machine *m);  /* virtual nanoseconds since power on */
/* Returns the event's id (never 0), or 0 when @fn is NULL or memory ran out. */
u64 hw_event_schedule(struct machine *m, u64 delay_ns, hw_event_fn fn, void *arg);
void hw_event_cancel(struct machine *m, u64 id);
/* Runs due events in time order; returns how many ran. */
size_t hw_run_until(struct machine *m, u64 t);
size_t hw_run_until_idle(struct machine *m);
/* Events scheduled and not yet run. */
size_t hw_events_pending(const struct machine *m);
/* Virtual time of the earliest pending event, or UINT64_MAX when none. */
u64 hw_next_event(const struct machine *m);
/* Seeded deterministic randomness: same seed, same run. */
u64 hw_random(struct machine *m);

/* ---- the DMA path --------------------------------------------------- */

/*
 * A DMA goes master -> fabric -> IOMMU -> system bus:
 *
 * - the master issues a transaction on one of its own streams, chosen by
 *   index (0 .. hw_master_nr_streams() - 1); it never picks a stream ID;
 * - its fabric (the bus it sits on: the platform/AMBA interconnect, later
 *   a PCI host bridge) routes it: the stream ID it carries and the IOMMU
 *   that sees it (or none), or an interception that sends it straight to
 *   a peer before any IOMMU (a PCI switch's peer-to-peer);
 * - the IOMMU translates the bus address (or bypasses, or faults);
 * - the system bus decodes the output address: RAM is memory; an MMIO
 *   region is a peer access, performed through that region's callbacks
 *   (as on ARM interconnects, a device may DMA into another device's
 *   registers: only the IOMMU stops it); a region marked as a doorbell
 *   (hw_mmio_set_doorbell: an MSI controller's frame) is a peer access
 *   the checker names as a doorbell, delivered to the controller with the
 *   route's msi_id (the DeviceID: an ITS translates by it); nothing
 *   decoding it is a bus error.
 */

enum hw_xlate_kind {
	HW_XLATE_DIRECT,   /* no IOMMU on the path (or the fabric intercepted it) */
	HW_XLATE_BYPASS,   /* IOMMU passed it through untranslated */
	HW_XLATE_TRANSLATED,
	HW_XLATE_FAULT,
};

struct hw_xlate {
	enum hw_xlate_kind kind;
	u64 pa;          /* output address of the first byte */
	u64 len;         /* bytes valid from pa onwards (to end of page/block) */
	bool from_tlb;   /* served from a cached translation */
	u32 domain_tag;  /* which context translated it (IOMMU specific), for the log */
};

enum hw_access { HW_READ = 1, HW_WRITE = 2 };

struct hw_iommu_ops {
	/* Translate one access carrying stream ID @sid at bus address @addr. */
	int (*translate)(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			 struct hw_xlate *out);
	/*
	 * Optional, the DMA path's fast lane: the translations of up to @n
	 * consecutive pages of one transfer, the first at @addr, page i > 0 at
	 * ALIGN_DOWN(@addr, PAGE_SIZE) + i * PAGE_SIZE, into @out[i]. Only
	 * those the model serves from its IOTLB with nothing to report: it
	 * stops at the first page that needs a walk, faults or bypasses, and
	 * returns how many it filled, each exactly what translate would have
	 * given. The DMA path translates the page it stopped at with translate.
	 */
	unsigned (*translate_hits)(struct hw_iommu *iommu, u32 sid, u64 addr, unsigned n,
				   enum hw_access acc, struct hw_xlate *out);
};

struct hw_iommu {
	const struct hw_iommu_ops *ops;
	int fdt_node;           /* the IOMMU's node, to match masters' phandles */
	const char *name;
};

/* Where a fabric sends one transaction. */
enum hw_route_kind {
	HW_ROUTE_UPSTREAM,      /* on to @iommu (NULL: none) carrying @sid */
	HW_ROUTE_PEER,          /* intercepted: straight to system address @pa */
};

struct hw_route {
	enum hw_route_kind kind;
	struct hw_iommu *iommu; /* UPSTREAM: the IOMMU that sees it, or NULL */
	u32 sid;                /* the stream ID the transaction carries */
	u64 pa;                 /* PEER: the address the issued address becomes */
	u64 len;                /* bytes from the issued address the route holds for, >= 1 */
	u32 msi_id;             /* the DeviceID an MSI controller sees (its sideband) */
};

struct hw_fabric;

struct hw_fabric_ops {
	/*
	 * Routes @master's transaction on its stream number @stream (below
	 * nr_streams) at bus address @addr. Returns 0 with @out filled, or
	 * -EFAULT when the fabric drops it (a bus error: nothing moves).
	 */
	int (*route)(struct hw_fabric *fabric, const struct hw_dma_master *master,
		     unsigned stream, u64 addr, enum hw_access acc, struct hw_route *out);
	/* How many streams @master may select (at least 1). */
	unsigned (*nr_streams)(struct hw_fabric *fabric, const struct hw_dma_master *master);
	/* An IOMMU model registered: re-resolve @master's IOMMU (may be NULL). */
	void (*resolve)(struct hw_fabric *fabric, struct hw_dma_master *master);
	/* @master is going away: free what the fabric keeps for it (may be NULL). */
	void (*release)(struct hw_fabric *fabric, struct hw_dma_master *master);
};

struct hw_fabric {
	const struct hw_fabric_ops *ops;
	struct machine *m;
	const char *name;       /* "platform", for logs */
};

/* A bus master: a device's port into a fabric. */
struct hw_dma_master {
	struct list_head link;
	struct master_id id;    /* who it is: a DT node, later (segment, RID) */
	const char *name;       /* printable id: the DT path of a platform master */
	struct hw_fabric *fabric;
	void *fabric_data;      /* the fabric's per-master state */
};

/* How many streams @master may issue on (>= 1); 0 for NULL. */
unsigned hw_master_nr_streams(const struct hw_dma_master *master);

/*
 * What the fabric would do with @master's transaction on stream @stream at
 * bus address @addr, without issuing it (for the shell's "(stream S)", tests
 * and benchmarks). Returns 0, -EINVAL (a NULL argument or a stream the
 * master does not have) or the fabric's -EFAULT.
 */
int hw_master_route(struct hw_dma_master *master, unsigned stream, u64 addr,
		    enum hw_access acc, struct hw_route *out);

/*
 * Issues a DMA of @len bytes at bus address @addr on @master's stream
 * @stream: every page is routed, translated and decoded before any byte
 * moves, so a DMA that faults anywhere moves nothing. Pieces that decode
 * to MMIO are done as naturally aligned accesses of 1 to 8 bytes through
 * the region's callbacks, in address order. Returns 0; -EINVAL for a NULL
 * machine or master, a NULL @buf with a length, a bad @acc or a stream the
 * master does not have (nothing issued, nothing observed); -EFAULT when a
 * piece faulted (*@fault_addr, when given, is the issued address that
 * failed); -ENOMEM.
 */
int hw_dma_stream(struct machine *m, struct hw_dma_master *master, unsigned stream, u64 addr,
		  void *buf, size_t len, enum hw_access acc, u64 *fault_addr);
/*
 * A device's copy of @len bytes from bus address @src to @dst on @stream:
 * as a DMA read of all of @src into @bounce (@len bytes) followed by a DMA
 * write of it to @dst, each all or nothing, with the same faults, results
 * and observations, in the same order. Where both sides are runs of RAM the
 * bytes move once, source to destination. Returns 0, -EINVAL as
 * hw_dma_stream (or a NULL @write_fault), or the error of the read
 * (*@write_fault false) or of the write (true); *@fault_addr as there.
 */
int hw_dma_stream_copy(struct machine *m, struct hw_dma_master *master, unsigned stream,
		       u64 src, u64 dst, size_t len, void *bounce, u64 *fault_addr,
		       bool *write_fault);
/* The same on the master's first stream (0), the one most masters have. */
int hw_dma(struct machine *m, struct hw_dma_master *master, u64 addr, void *buf, size_t len,
	   enum hw_access acc);

/* Masters by identity or printable name (the DMA verbs use these); NULL if none. */
struct hw_dma_master *hw_master_by_id(struct machine *m, const struct master_id *id);
struct hw_dma_master *hw_master_by_name(struct machine *m, const char *name);

/* IOMMU models register so that masters behind them are routed through them. */
void hw_iommu_register(struct machine *m, struct hw_iommu *iommu);

/*
 * Marks (or unmarks) the MMIO region mapped at @base as an MSI doorbell:
 * DMA reaching it is reported as HW_DMA_DOORBELL. Returns 0 or -ENOENT.
 */
int hw_mmio_set_doorbell(struct machine *m, u64 base, bool doorbell);

/* What the output address of a completed piece decoded to. */
enum hw_dma_target {
	HW_DMA_MEMORY,          /* RAM */
	HW_DMA_PEER,            /* another device's MMIO region */
	HW_DMA_DOORBELL,        /* an MMIO region marked as an MSI doorbell */
};

/*
 * The checker's tap: called for every completed (non-faulting) piece of
 * every DMA, and for every fault. hw never consults it to decide anything.
 */
struct hw_dma_event {
	struct hw_dma_master *master;
	u32 sid;               /* the stream ID the fabric gave it */
	u64 addr;              /* address the master issued */
	u64 len;
	enum hw_access acc;
	struct hw_xlate xl;    /* how it was translated */
	enum hw_dma_target target;   /* MEMORY for faults */
	const char *peer;      /* PEER/DOORBELL: the region's name (valid in the call) */
};
typedef void (*hw_dma_observer_fn)(void *opaque, const struct hw_dma_event *ev);
void hw_set_dma_observer(struct machine *m, hw_dma_observer_fn fn, void *opaque);
/*
 * Optional, beside the observer (same @opaque), the DMA path's fast lane:
 * @ev is a run of @pages pieces of RAM ([ev->addr, +ev->len), each a whole
 * page but the first and the last) at output addresses following each
 * other from ev->xl.pa, translated alike (ev->xl is the first piece's;
 * a later one has the rest of that leaf, or a page leaf of its own).
 * Returns true if it took the run as the observer would have taken each
 * piece; false, and the observer sees each piece. Set after the observer;
 * hw_set_dma_observer clears it.
 */
typedef bool (*hw_dma_run_observer_fn)(void *opaque, const struct hw_dma_event *ev,
				       u32 pages);
void hw_set_dma_run_observer(struct machine *m, hw_dma_run_observer_fn fn);

/* ---- PCI (src/hw/pci_host*.c) --------------------------------------- */

/*
 * Hot add: builds the function @desc_node of the blob @desc describes (a
 * node as a PCI endpoint's DT child would be: `compatible` from the PCI
 * endpoint models, `reg` is ignored, the model's own properties) at
 * @devfn on bus number @bus of PCI segment @segment, as the bridges are
 * programmed now. The bus must be the secondary bus of a root port or a
 * switch downstream port (a PCIe link: device 0 only, functions 0-7), and
 * @devfn free. The machine keeps a copy of @desc. The new function is
 * powered on at reset values; the slot's presence is all the hardware
 * signals (no hotplug interrupt is modelled). Returns 0; -EINVAL (bad
 * arguments or description, devfn not device 0, the model refused: reason in
 * @why), -ENODEV (no such segment, or no port has that secondary bus),
 * -EBUSY (devfn taken), -ENOMEM.
 */
int hw_pci_hot_add(struct machine *m, u16 segment, u8 bus, u8 devfn, const void *desc,
		   int desc_node, char *why, size_t whylen);

/*
 * Surprise removal of the function whose requester ID is @rid on @segment
 * (bus numbers as programmed now): from the return on, its configuration
 * reads return all ones and writes are dropped, its BARs decode nothing,
 * its master is no longer found by identity and every transaction it (or
 * a holder of its old master pointer) issues aborts; events its model had
 * scheduled are dropped, so a DMA not yet issued never happens (a DMA is
 * atomic in the machine, none is half done). Returns 0, -EINVAL (NULL
 * machine), -ENODEV (no such function), -EBUSY (a bridge: remove what is
 * below it first is not modelled; only endpoints are removable).
 */
int hw_pci_surprise_remove(struct machine *m, u16 segment, u16 rid);

/*
 * The last thing the PCI host bridges refused (a BAR that could not be
 * mapped, a DT child skipped), for tests and logs; "" when none.
 */
const char *hw_pci_last_log(struct machine *m);

#endif
