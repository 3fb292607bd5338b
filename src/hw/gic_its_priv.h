/*
 * Inside the GICv3 ITS model: its state and the helpers its three files
 * share (gic_its.c registers and translation, gic_its_cmd.c the command
 * queue, gic_its_table.c the tables in memory, the translation cache and
 * the LPIs).
 */
#ifndef LAB_HW_GIC_ITS_PRIV_H
#define LAB_HW_GIC_ITS_PRIV_H

#include "gic_its.h"
#include "hw_internal.h"

/* Register offsets in the 128 KiB frame. */
#define GITS_CTLR 0x0000
#define GITS_IIDR 0x0004
#define GITS_TYPER 0x0008
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER 0x0100          /* 8 registers of 8 bytes */
#define GITS_IMPDEF_ERR 0xc000     /* IMPLEMENTATION DEFINED: error record */
#define GITS_IMPDEF_ERRCODE 0xc004
#define GITS_IMPDEF_ERRCNT 0xc008
#define GITS_PIDR2 0xffe8
#define GITS_FRAME_SIZE 0x20000
#define GITS_CTL_FRAME_SIZE 0x10000   /* the least reg Linux accepts */

#define GITS_CTLR_ENABLED BIT(0)
#define GITS_CTLR_QUIESCENT BIT(31)
#define GITS_CREADR_STALLED 1ull
#define GITS_CWRITER_RETRY 1ull
#define GITS_CQ_OFFSET_MASK 0xfffe0ull     /* CWRITER/CREADR bits 19:5 */

#define GITS_CBASER_VALID BIT_ULL(63)
#define GITS_CBASER_WMASK 0xb8effffffffffcffull
#define GITS_BASER_VALID BIT_ULL(63)
#define GITS_BASER_INDIRECT BIT_ULL(62)
#define GITS_BASER_WMASK 0xb8e0ffffffffffffull
#define GITS_LVL1_VALID BIT_ULL(63)     /* a level-1 entry: valid, level-2 page at 51:12 */
#define GITS_BASER_TYPE_DEVICE 1ull
#define GITS_BASER_TYPE_COLLECTION 4ull

/* What this ITS implements (GITS_TYPER). */
/*
 * DeviceID bits: 20 by default, what GIC-600-class ITSes are built with and
 * what the trees' 17- to 19-bit DeviceIDs need (the FVP's SMMUv3 at
 * 0x10000, Hip07's mbigens at 0x40xxx); iommulab,its-devbits overrides.
 */
#define ITS_DEVBITS_DEFAULT 20
#define ITS_EVENTBITS 16     /* EventIDs 0..65535 */
#define ITS_CIDBITS 8        /* collections 0..255 */
#define ITS_ESZ 8            /* bytes of a DTE, CTE and ITE */
#define ITS_IIDR_VALUE 0x4c000000u
#define ITS_PIDR2_VALUE 0x30u /* ArchRev 3: GICv3 */

/* LPIs the machine can carry: INTIDs 8192..HW_MAX_INTID-1 (14 INTID bits). */
#define ITS_LPI_BASE 8192u
#define ITS_NR_LPIS (HW_MAX_INTID - ITS_LPI_BASE)

/* Command errors: 0x01 << 16 | opcode << 8 | reason, as the GICv3 architecture encodes them. */
#define ITS_ERR(op, why) (0x010000u | (u32)(op) << 8 | (why))
#define ITS_E_DEVICE_OOR 0x01
#define ITS_E_SIZE_OOR 0x02         /* MAPD ITT size; MAPC processor number */
#define ITS_E_COLLECTION_OOR 0x03
#define ITS_E_UNMAPPED_DEVICE 0x04
#define ITS_E_ID_OOR 0x05
#define ITS_E_PHYSICALID_OOR 0x06
#define ITS_E_UNMAPPED_INTERRUPT 0x07
#define ITS_E_UNMAPPED_COLLECTION 0x09
#define ITS_E_UNSUPPORTED 0xff      /* model's: an opcode it does not implement */
/* The model's own, for what the architecture leaves IMPLEMENTATION DEFINED. */
#define ITS_E_TRANSLATE 0x00        /* opcode field of a GITS_TRANSLATER error */
#define ITS_ERR_QUEUE 0x02ff01u     /* command fetch outside RAM or CWRITER beyond the queue */

/* The translation cache: direct mapped, keyed by (DeviceID, EventID). */
#define ITS_CACHE_SIZE 64

struct its_cache_entry {
	bool valid;
	u32 device_id, event_id;
	u32 intid;
	u16 icid;
};

/* A device's table entry, decoded. */
struct its_dte {
	bool valid;
	u8 size;      /* EventID bits - 1 */
	u64 itt;      /* 256-byte aligned */
};

struct its_ite {
	bool valid;
	u16 icid;
	u32 intid;
};

struct gic_its {
	struct machine *m;
	u64 base;
	const char *name;
	u32 nr_cpus;            /* processor numbers a collection may target */
	bool stall_on_error;    /* iommulab,its-stall-on-error */
	unsigned devbits;       /* GITS_TYPER.Devbits + 1 */

	u32 ctlr;
	u64 cbaser, cwriter, creadr;
	bool stalled;
	u64 baser[8];
	u32 err_code, err_count;
	bool err_valid;

	struct its_cache_entry cache[ITS_CACHE_SIZE];

	u64 propbase;
	u8 lpi_cfg[ITS_NR_LPIS];           /* the cached configuration bytes */
	u64 lpi_pend[ITS_NR_LPIS / 64];    /* pending while disabled */
};

/* gic_its.c */
void its_error(struct gic_its *its, u32 code);
void its_translate(struct gic_its *its, u32 device_id, u32 event_id);

/* gic_its_cmd.c */
void its_process_queue(struct gic_its *its);

/* gic_its_table.c: the in-memory tables. False when the ID is out of range. */
bool its_dte_read(struct gic_its *its, u32 device_id, struct its_dte *dte);
bool its_dte_write(struct gic_its *its, u32 device_id, const struct its_dte *dte);
bool its_cte_read(struct gic_its *its, u32 icid, bool *valid, u32 *target);
bool its_cte_write(struct gic_its *its, u32 icid, bool valid, u32 target);
bool its_ite_read(struct gic_its *its, const struct its_dte *dte, u32 event_id,
		  struct its_ite *ite);
bool its_ite_write(struct gic_its *its, const struct its_dte *dte, u32 event_id,
		   const struct its_ite *ite);
bool its_device_in_range(struct gic_its *its, u32 device_id);
bool its_icid_in_range(struct gic_its *its, u32 icid);

/* The translation cache. */
bool its_cache_lookup(struct gic_its *its, u32 device_id, u32 event_id, struct its_ite *ite);
void its_cache_fill(struct gic_its *its, u32 device_id, u32 event_id, const struct its_ite *ite);
void its_cache_inv_event(struct gic_its *its, u32 device_id, u32 event_id);
void its_cache_inv_device(struct gic_its *its, u32 device_id);
void its_cache_inv_all(struct gic_its *its);

/* LPIs: configuration, pending state and delivery. */
bool its_lpi_valid(u32 intid);
void its_lpi_load_config(struct gic_its *its, u32 intid);
void its_lpi_load_all(struct gic_its *its);
void its_lpi_raise(struct gic_its *its, u32 intid);
void its_lpi_clear(struct gic_its *its, u32 intid);

#endif
