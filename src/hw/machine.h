/*
 * The emulated machine: physical memory, MMIO, interrupts, virtual time and
 * the DMA path. It knows nothing of drivers; the kernel reaches it only
 * through the calls below (MMIO accessors, memory, the interrupt sink).
 */
#ifndef LAB_HW_MACHINE_H
#define LAB_HW_MACHINE_H

#include "common/types.h"
#include "common/list.h"

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
/* Make the RAM frame at @pa (page aligned) alias @host (page aligned) until unaliased. */
int hw_frame_alias(struct machine *m, u64 pa, void *host);
int hw_frame_unalias(struct machine *m, u64 pa);
/* RAM banks, for the kernel's memory allocator (the firmware view). */
struct hw_ram_bank { u64 base, size; };
size_t hw_ram_banks(struct machine *m, const struct hw_ram_bank **banks);

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

enum hw_xlate_kind {
	HW_XLATE_DIRECT,   /* no IOMMU on the path */
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
	/* Translate one access of @master's stream @sid at @addr. */
	int (*translate)(struct hw_iommu *iommu, u32 sid, u64 addr, enum hw_access acc,
			 struct hw_xlate *out);
};

struct hw_iommu {
	const struct hw_iommu_ops *ops;
	int fdt_node;           /* the IOMMU's node, to match masters' phandles */
	const char *name;
};

/* A bus master: a device's path into the interconnect. */
struct hw_dma_master {
	struct list_head link;
	const char *name;       /* DT path of the issuing node */
	int fdt_node;
	struct hw_iommu *iommu; /* NULL: straight to memory */
	u32 sids[8];
	unsigned nr_sids;
};

/*
 * Issues a DMA: every page is translated before any byte moves, so a DMA
 * that faults anywhere writes nothing. Returns 0 or -EFAULT.
 */
int hw_dma(struct machine *m, struct hw_dma_master *master, u32 sid, u64 addr,
	   void *buf, size_t len, enum hw_access acc);
/* The same, telling in *@fault_addr which issued address failed. */
int hw_dma_fault(struct machine *m, struct hw_dma_master *master, u32 sid, u64 addr,
		 void *buf, size_t len, enum hw_access acc, u64 *fault_addr);

/* Masters by DT path or node (the rogue-DMA verbs use these). */
struct hw_dma_master *hw_master_by_node(struct machine *m, int fdt_node);
struct hw_dma_master *hw_master_by_name(struct machine *m, const char *path);

/* IOMMU models register so that masters behind them are routed through them. */
void hw_iommu_register(struct machine *m, struct hw_iommu *iommu);

/*
 * The checker's tap: called for every completed (non-faulting) page of
 * every DMA, and for every fault. hw never consults it to decide anything.
 */
struct hw_dma_event {
	struct hw_dma_master *master;
	u32 sid;
	u64 addr;              /* address the master issued */
	u64 len;
	enum hw_access acc;
	struct hw_xlate xl;    /* how it was translated */
};
typedef void (*hw_dma_observer_fn)(void *opaque, const struct hw_dma_event *ev);
void hw_set_dma_observer(struct machine *m, hw_dma_observer_fn fn, void *opaque);

#endif
