/*
 * Inside the machine: the struct machine layout and the helpers models use
 * to plug themselves in. Only src/hw/ includes this; the kernel sees the
 * machine through machine.h alone.
 */
#ifndef LAB_HW_INTERNAL_H
#define LAB_HW_INTERNAL_H

#include "hw/machine.h"

/* RAM: per bank, a lazily filled table of host pages, in chunks. */
#define HW_CHUNK_SHIFT 9                       /* 512 frames = 2 MiB a chunk */
#define HW_CHUNK_FRAMES (1u << HW_CHUNK_SHIFT)

/* RAM the model accepts: ARMv8 48-bit physical addresses, 1 TiB in all. */
#define HW_PA_LIMIT (1ull << 48)
#define HW_MAX_RAM (1ull << 40)

struct hw_frame_chunk {
	void *host[HW_CHUNK_FRAMES];   /* NULL until touched */
	/*
	 * The chunk's own pages: 2 MiB of host address space reserved at the
	 * chunk's first touch (the host kernel backs a page when it is first
	 * written), frame f at f * 4 KiB, so frames that follow each other in
	 * the machine follow each other in the host and a DMA over them is one
	 * memcpy. NULL if the reservation failed (frames then come one by one).
	 */
	u8 *backing;
	void **saved;                  /* pages hidden by an alias, lazily */
	u64 alias_bits[HW_CHUNK_FRAMES / 64];
	u64 lent_bits[HW_CHUNK_FRAMES / 64];   /* user window: frames ever aliased */
};

struct hw_ram {
	u64 base, size, nframes;
	struct hw_frame_chunk **chunks;  /* nframes / HW_CHUNK_FRAMES, rounded up */
	u64 nr_chunks;                   /* of them allocated (the 1 TiB user window: few) */
	bool user;                       /* the user window: a frame is RAM once lent */
};

/*
 * The user-memory window (hw_user_window): the highest window it may take
 * and its preferred end, below every modelled IOMMU's output size (40 bits).
 */
#define HW_USER_WINDOW_MAX (1ull << 40)
#define HW_USER_WINDOW_MIN (256ull << 30)

/* A bus write of @val (@size bytes) at @off of a doorbell frame from DeviceID @device_id. */
typedef void (*hw_doorbell_write_fn)(void *opaque, u32 device_id, u64 off, u64 val,
				     unsigned size);

struct hw_mmio_region {
	u64 base, size;
	const struct hw_mmio_ops *ops;
	void *opaque;
	bool doorbell;   /* an MSI doorbell (hw_mmio_set_doorbell) */
	hw_doorbell_write_fn doorbell_write;   /* how a DMA write reaches it, or NULL */
	char name[48];
};

struct hw_event {
	u64 time, seq, id;
	hw_event_fn fn;
	void *arg;
};

#define HW_MAX_INTID 16384   /* SGIs, PPIs, SPIs and room for LPIs */

struct hw_cleanup {
	struct hw_cleanup *next;
	void (*fn)(void *arg);
	void *arg;
};

struct hw_iommu_entry {
	struct hw_iommu_entry *next;
	struct hw_iommu *iommu;
};

struct machine {
	void *fdt;
	size_t fdt_size;

	struct hw_ram *ram;               /* sorted by base */
	struct hw_ram_bank *banks;        /* the same, firmware view */
	size_t nr_ram;
	struct hw_ram *last_ram;          /* lookup cache */
	struct hw_ram user;               /* the user-memory window, never firmware RAM */

	struct hw_mmio_region *mmio;      /* sorted by base, disjoint */
	size_t nr_mmio, cap_mmio;

	u64 irq_level[HW_MAX_INTID / 64];
	hw_irq_sink_fn irq_sink;
	void *irq_sink_opaque;

	u64 now, next_seq, next_event_id;
	struct hw_event *events;          /* binary min-heap on (time, seq) */
	size_t nr_events, cap_events;
	u64 rng;

	struct list_head masters;         /* struct hw_dma_master.link */
	struct hw_fabric platform_fabric; /* AMBA/DT masters' fabric (fabric_platform.c) */
	struct hw_iommu_entry *iommus;
	struct hw_sid_override *sid_overrides; /* fabric_platform.c */
	hw_dma_observer_fn dma_observer;
	void *dma_observer_opaque;
	hw_dma_run_observer_fn dma_run_observer;   /* optional, with dma_observer */
	struct hw_dma_scratch *dma_scratch; /* dma.c's reusable piece list, or NULL */

	struct hw_cleanup *cleanups;      /* run in reverse order of adding */
	struct pci_machine *pci;          /* PCI host bridges (pci_host.c), or NULL */
	char boot_note[256];              /* what the bootloader did (machine_boot_note) */
};

/* ---- for models --------------------------------------------------- */

/* A model's create function, called once per enabled node it claims. */
typedef int (*hw_model_create_fn)(struct machine *m, const void *fdt, int node,
				  char *why, size_t whylen);

struct hw_model {
	const char *compatible;
	hw_model_create_fn create;
	bool is_iommu;   /* created in the first pass, before any master */
};

/* The table in hw_models.c, terminated by a NULL compatible. */
extern const struct hw_model hw_models[];
const struct hw_model *hw_model_find(const void *fdt, int node);

/* Runs @fn(@arg) at machine_destroy, after every event is dropped. */
int hw_on_destroy(struct machine *m, void (*fn)(void *arg), void *arg);
/*
 * A model's zeroed instance of @size bytes, freed by @fn (free when NULL)
 * at machine_destroy; NULL when out of memory.
 */
void *hw_model_alloc(struct machine *m, size_t size, void (*fn)(void *arg));
/*
 * A stream-ID override between platform masters and their IOMMU (Tegra's
 * memory controller): the interconnect provider at @node answers for a
 * memory client a master names in `interconnects` (the specifier's first
 * cell): 0 with the stream ID the client's accesses of kind @acc carry,
 * or -ENOENT (not its client, not that direction, no override in force:
 * the master's `iommus` ID stands). 0 or -ENOMEM.
 */
struct hw_sid_override {
	struct hw_sid_override *next;
	int node;
	int (*sid)(void *opaque, u32 client, enum hw_access acc, u32 *sid);
	void *opaque;
};
int hw_sid_override_register(struct machine *m, int node,
			     int (*sid)(void *opaque, u32 client, enum hw_access acc, u32 *sid),
			     void *opaque);
/*
 * hw_mmio_map for a node's window: 0, -ENOMEM, or -EINVAL with "NAME: WHAT
 * at 0xBASE overlaps another region" in @why.
 */
int hw_mmio_map_node(struct machine *m, u64 base, u64 size, const struct hw_mmio_ops *ops,
		     void *opaque, const char *name, const char *what, char *why, size_t whylen);

/*
 * Creates the bus master of a DMA-capable node on the platform fabric: its
 * stream IDs come from `iommus` or from a legacy `mmu-masters` list naming
 * it. Its IOMMU is resolved after every model exists. Freed by
 * machine_destroy. NULL (reason in @why) on a bad specifier or no memory.
 */
struct hw_dma_master *hw_master_create(struct machine *m, int node, char *why, size_t whylen);

/*
 * Adds a master a fabric built (id, name and fabric set) to the machine's
 * list. At machine_destroy the fabric's release op frees it, or free()
 * does when the fabric has none (the master then starts its allocation).
 */
void hw_master_register(struct machine *m, struct hw_dma_master *master);


/*
 * Marks the region at @base an MSI doorbell whose DMA writes go to @fn
 * with the transaction's DeviceID (struct hw_route.msi_id) instead of the
 * region's write callback (a CPU write carries no DeviceID). 0 or -ENOENT.
 */
int hw_mmio_set_doorbell_write(struct machine *m, u64 base, hw_doorbell_write_fn fn);
/*
 * A device's MSI write of @val (@size bytes) at @addr, from @device_id: to
 * the doorbell that decodes @addr, else an ordinary register write. 0,
 * the register write's error, or -EFAULT when no MMIO region decodes @addr.
 */
int hw_msi_write(struct machine *m, u64 addr, u32 device_id, u64 val, unsigned size);

/* The MMIO region decoding @pa, or NULL (valid until the next map/unmap). */
struct hw_mmio_region *hw_mmio_find(struct machine *m, u64 pa);

/* Internal to machine.c/mem.c. */
int hw_mem_init(struct machine *m, char *why, size_t whylen);
/*
 * Where a bootloader puts RAM when the tree has no memory node: the DRAM
 * base of the Arm Base System Architecture memory map, which most arm64
 * boards follow (Qualcomm, NVIDIA Tegra, NXP i.MX8, Juno, FVP).
 */
#define HW_DRAM_BASE 0x80000000ull
/* RAM the bootloader reports when not told (mem=): 2 GiB, frames are lazy. */
#define HW_DEFAULT_MEM (2ull << 30)
/* Sizes the first unsized memory node (or adds one) with @mem_size (0: default). */
int hw_bootloader_fixup(struct machine *m, u64 mem_size, char *why, size_t whylen);
void hw_mem_fini(struct machine *m);
void hw_events_fini(struct machine *m);
void hw_mmio_fini(struct machine *m);
void hw_masters_fini(struct machine *m);
int hw_masters_resolve(struct machine *m);

#define hw_why(why, whylen, ...) \
	do { if ((why) && (whylen)) snprintf((why), (whylen), __VA_ARGS__); } while (0)

/*
 * Host memory for a model's storage, reserved without committing it
 * (mem.c): a page costs nothing until written, reads as zero until then
 * and again after hw_host_discard. By raw system call: under the preload
 * shim the program's mmap is interposed. NULL when the host refuses.
 * Discard: 0, or -1 (the pages keep their bytes).
 */
void *hw_host_reserve(size_t bytes);
void hw_host_release(void *p, size_t bytes);
int hw_host_discard(void *p, size_t bytes);

#endif
