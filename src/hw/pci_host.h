/*
 * Inside the PCI machine: the ECAM host bridge (pci_host.c), the topology
 * its DT children describe and hot add/remove (pci_host_dt.c), BAR decode
 * (pci_host_bar.c), the port and bridge models (pci_bridge.c), the fabric
 * that routes DMA and MSI (pci_fabric.c) and INTx routing
 * (pci_host_intx.c). docs/devices.md, "pci-host-ecam-generic" and the
 * sections after it, is the datasheet.
 */
#ifndef LAB_HW_PCI_HOST_H
#define LAB_HW_PCI_HOST_H

#include "hw_internal.h"
#include "hw/pci_ep.h"
#include "hw/pci_func.h"

struct pci_host;
struct pci_bus;

enum pci_dev_kind {
	PCI_DEV_ENDPOINT,
	PCI_DEV_ROOT_PORT,
	PCI_DEV_SWITCH_UP,
	PCI_DEV_SWITCH_DOWN,
	PCI_DEV_PCI_BRIDGE,
};

/* Where a BAR was last mapped on the system bus. */
struct pci_bar_map {
	bool want;         /* the function decodes it (pci_func_ops.map) */
	bool io;
	u64 addr, size;    /* bus address and size, as the function decodes */
	bool mapped;       /* hw_mmio_map'ed at @cpu */
	u64 cpu;
};

/*
 * A function's route to the IOMMU, cached (pci_fabric.c): valid while
 * gen is its host's route_gen, for an address outside the host's
 * decoded ranges (struct pci_route_spans).
 */
struct pci_route_cache {
	unsigned gen;                   /* host->route_gen it was made at; 0 never */
	bool valid;                     /* the upstream route below is known */
	u32 sid, msi_id;
	struct hw_iommu *iommu;
};

/*
 * Every memory BAR, bridge window and host memory window of a host,
 * sorted and merged: where a peer, a bridge or the host bridge may take a
 * transaction instead of the IOMMU. Rebuilt when gen is stale.
 */
struct pci_span {
	u64 lo, hi;
};

struct pci_route_spans {
	unsigned gen;
	bool all;                       /* out of memory: every address is in one */
	struct pci_span *s;
	unsigned n, cap;
};

struct pci_dev {
	struct list_head link;          /* host->devs */
	struct pci_func func;
	struct pci_host *host;
	struct pci_bus *bus;            /* the bus it sits on */
	u8 devfn;
	enum pci_dev_kind kind;
	int node;                       /* its DT node (in @fdt), -1 if none */
	const void *fdt;
	void *fdt_copy;                 /* hot-added: the description, owned */
	struct pci_bus *subordinate;    /* bridges: the secondary bus */
	bool acs;                       /* a port with an ACS capability */
	bool removed;

	/* endpoints */
	const struct pci_ep_model *model;
	void *model_state;
	struct pci_ep_ctx ctx;

	struct pci_bar_map bars[PCI_NUM_BARS + 1];
	bool intx_out;

	struct hw_dma_master master;    /* on the host's fabric */
	struct pci_route_cache route;
	bool registered;
	char name[16];                  /* "0000:01:00.0" */
};

struct pci_bus {
	struct pci_host *host;
	struct pci_dev *self;           /* the bridge above, NULL for the root bus */
	struct pci_dev *slot[256];      /* by devfn */
	int node;                       /* its DT node: the host's or the bridge's */
	bool link;                      /* a PCIe link: device 0 only */
	bool conventional;              /* behind a PCIe-to-PCI bridge */
};

#define PCI_HOST_MAX_WIN 8
#define PCI_HOST_MAX_MAP 32

enum pci_win_type { PCI_WIN_IO, PCI_WIN_MEM32, PCI_WIN_MEM64 };

struct pci_host_win {
	enum pci_win_type type;
	bool pref;
	u64 pci, cpu, size;
};

/* One iommu-map or msi-map entry: RIDs [base, base + len) -> out + (rid - base). */
struct pci_id_map {
	u32 base, len, out;
	int target;                     /* the target's node */
};

struct pci_id_maps {
	bool present;
	u32 mask;
	unsigned n;
	struct pci_id_map e[PCI_HOST_MAX_MAP];
};

/* INTx: interrupt-map entries (device, pin) -> GIC INTID. */
struct pci_intx_map {
	u32 child[4];                   /* phys.hi, mid, lo, pin */
	u32 intid;
};

struct pci_host {
	struct list_head link;          /* pci_machine.hosts */
	struct machine *m;
	int node;
	u16 segment;
	u8 bus_first, bus_last;
	u64 ecam_base, ecam_size;
	struct pci_host_win win[PCI_HOST_MAX_WIN];
	unsigned nr_win;
	struct pci_id_maps iommu_map, msi_map;
	int msi_parent;                 /* msi-parent's node, or -1 */
	bool intercept_p2p;
	u32 intx_mask[4];
	struct pci_intx_map *intx;
	unsigned nr_intx;
	struct pci_bus *root;
	struct list_head devs;          /* every function, hot-added ones too */
	struct list_head removed;       /* surprise-removed, freed at destroy */
	bool bars_blocked;              /* a reachable BAR overlapped a region: retry all */
	unsigned route_gen;             /* bumped by anything that may move a route */
	struct pci_route_spans spans;   /* pci_fabric.c */
	struct hw_fabric fabric;
	char name[48];
};

struct pci_machine {
	struct list_head hosts;
	unsigned next_segment;          /* probe order for hosts without linux,pci-domain */
	char last_log[160];
};

/* pci_host.c */
int pci_host_create(struct machine *m, const void *fdt, int node, char *why, size_t whylen);
void pci_log(struct pci_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct pci_host *pci_host_by_segment(struct machine *m, u16 segment);
/* The bus number programmed for @bus: the root's first, else the bridge's secondary. */
u8 pci_bus_number(const struct pci_bus *bus);
u16 pci_dev_rid(const struct pci_dev *d);
/* After any config write: names, master identities, BAR reachability. */
void pci_host_sync(struct pci_host *h);
/* The same for @d and the functions below it only (a write to @d's config). */
void pci_dev_sync(struct pci_dev *d);

/* pci_host_dt.c */
int pci_host_scan(struct pci_host *h, const void *fdt, char *why, size_t whylen);
void pci_dev_free(struct pci_dev *d);
extern const struct pci_func_ops pci_dev_func_ops;

/* pci_bridge.c: builds a port's or bridge's function from its DT node. */
int pci_bridge_init(struct pci_dev *d, const void *fdt, int node, char *why, size_t whylen);
const char *pci_bridge_kind_compatible(enum pci_dev_kind kind);
/* The compatible a bridge node carries: its kind, or -1. */
int pci_bridge_kind(const void *fdt, int node);
/* Does bridge @d forward memory (or I/O) [@addr, @addr + @size) downstream? */
bool pci_bridge_forwards(const struct pci_dev *d, u64 addr, u64 size, bool io);
bool pci_bridge_acs_ctrl(const struct pci_dev *d, u16 bit);

/* pci_host_bar.c */
void pci_bars_sync(struct pci_host *h);
/* @d's BARs and those below it (a bridge); every BAR while one is blocked. */
void pci_dev_bars_sync(struct pci_dev *d);
void pci_bars_unmap_all(struct pci_dev *d);
/* The reachable BAR holding bus address @addr below @bus (recursively): its dev, bar. */
struct pci_dev *pci_bar_claim(struct pci_bus *bus, u64 addr, int *bar);

/* pci_fabric.c */
extern const struct hw_fabric_ops pci_fabric_ops;
void pci_dev_master_init(struct pci_dev *d);
int pci_dev_ep_dma(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc);
int pci_dev_ep_copy(void *bus, u64 src, u64 dst, size_t len, void *bounce, bool *write_fault);
void pci_dev_msi_write(struct pci_dev *d, u64 addr, u32 data);
/* Every cached route of @h is stale: any config write, hot add or removal. */
void pci_host_routes_changed(struct pci_host *h);
/* Frees the route cache's memory (host destruction). */
void pci_host_routes_free(struct pci_host *h);

/* pci_host_intx.c */
int pci_host_parse_intx(struct pci_host *h, const void *fdt, char *why, size_t whylen);
void pci_dev_intx(struct pci_dev *d, bool level);

#endif
