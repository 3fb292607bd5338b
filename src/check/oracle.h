/*
 * The DMA isolation oracle. It tags every emulated RAM frame with its owner
 * (free, kernel, page table, a VFIO container), learns what each device may
 * reach from the layers that GRANT access (kernel/iommu/observer.h: the DMA
 * API grants a buffer to the device's group in its direction until it is
 * unmapped; VFIO type1 a container's pinned pages, with MAP_DMA's
 * protection, to the groups attached to the container at the moment; the
 * IOMMU core firmware's direct regions to the domain, the kind MSI
 * doorbells will use), knows each device's group and each group's current
 * domain, and judges every DMA the machine completes. It never reads the
 * page tables nor what iommu_map did: those are what it checks.
 *
 * - translated into a frame granted to the device's group for that
 *   direction: ok;
 * - translated anywhere else (a page table, a free frame, a read-only
 *   buffer written, another group's memory), whatever the page tables
 *   say, or the device's group is unknown: an ESCAPE;
 * - the same, served from a cached IOTLB entry: a stale-IOTLB ESCAPE
 *   (except in a DMA-FQ domain, where Linux accepts the lazy-flush window:
 *   counted as "lazy");
 * - bypass, identity, or no IOMMU on the path: "unisolated", not an escape,
 *   where the kernel chose it (an identity domain, a device in no group);
 *   from a device whose group is on a translating or blocking domain, an
 *   ESCAPE ("bypassing the IOMMU while group 2 is in domain 5 (DMA)");
 * - faults: counted.
 *
 * Escapes are logged with the frame's owner and the grant that was missing
 * ("oracle: ESCAPE: a000000.dma wrote 0x40123000 (owner: page-table) via
 * iova 0x10000000 in domain 1 (not granted to group 0 for write)") into the
 * oracle's own log and into dmesg at error level.
 *
 * The oracle is fed by hw (hw_set_dma_observer) and by the kernel through
 * kernel/iommu/observer.h. Attach it before kernel_boot and it stays on for
 * the whole boot; every attach starts from nothing.
 */
#ifndef LAB_CHECK_ORACLE_H
#define LAB_CHECK_ORACLE_H

#include "common/types.h"

struct machine;

/* Installs both taps and starts from a clean state; -ENOMEM. */
int oracle_attach(struct machine *m);
/* Removes both taps and frees everything. */
void oracle_detach(void);

struct oracle_counts {
	u64 checked;      /* DMA pages judged */
	u64 ok;           /* translated into memory granted to the device's group */
	u64 escapes;      /* all escapes, stale ones included */
	u64 stale;        /* escapes through a stale IOTLB entry */
	u64 lazy;         /* stale hits inside a DMA-FQ domain's flush window */
	u64 unisolated;   /* bypass, identity or no IOMMU */
	u64 faults;       /* DMAs the IOMMU stopped */
};

void oracle_get_counts(struct oracle_counts *out);
/* Number of escapes since attach (iommulab run exits non-zero if > 0). */
u64 oracle_escapes(void);

enum oracle_verdict {
	ORACLE_NONE,         /* nothing judged yet */
	ORACLE_OK,
	ORACLE_ESCAPE,
	ORACLE_STALE,
	ORACLE_LAZY,
	ORACLE_UNISOLATED,
	ORACLE_FAULT,
};
/* The verdict of the most recent DMA page. */
enum oracle_verdict oracle_last_verdict(void);
/*
 * For a multi-page DMA: oracle_begin() before it, oracle_worst_verdict()
 * after gives the worst page verdict in between (escape and stale above
 * lazy, above unisolated, above fault, above ok).
 */
void oracle_begin(void);
enum oracle_verdict oracle_worst_verdict(void);
const char *oracle_verdict_name(enum oracle_verdict v);

/* Every line the oracle logged (escapes, stale, lazy, unisolated) since attach. */
const char *oracle_log(size_t *len);
/*
 * A summary for the shell and `iommulab run`: one line of counters
 * ("oracle: 12 DMA pages checked: 10 ok, 0 escapes (0 stale), 0 lazy,
 * 2 unisolated, 1 fault"), then the escape lines. Returns the length
 * snprintf would give.
 */
int oracle_report(char *buf, size_t size);
/* Clears counters and log (state kept). */
void oracle_reset_counts(void);

/* Owner of the frame holding @pa, as the log names it ("free", "kernel",
 * "page-table", "vfio container 2", "not RAM"), into @buf. */
const char *oracle_frame_owner(u64 pa, char *buf, size_t size);

#endif
