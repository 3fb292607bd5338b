/*
 * The ITS command queue: GITS_CBASER names a ring of 32-byte commands in
 * memory; a write to GITS_CWRITER makes the ITS run every command from
 * GITS_CREADR up to it, at once (virtual time does not pass). A command
 * with an error is recorded (docs/devices.md: GITS_IMPDEF_ERR*) and then
 * ignored, CREADR moving past it, or, with iommulab,its-stall-on-error,
 * stops the queue there with GITS_CREADR.Stalled set until software writes
 * GITS_CWRITER with Retry: the two behaviours the architecture permits
 * when, as here, GITS_TYPER.SEIS is 0.
 */
#include "gic_its_priv.h"

enum {
	ITS_MOVI = 0x01,
	ITS_INT = 0x03,
	ITS_CLEAR = 0x04,
	ITS_SYNC = 0x05,
	ITS_MAPD = 0x08,
	ITS_MAPC = 0x09,
	ITS_MAPTI = 0x0a,
	ITS_MAPI = 0x0b,
	ITS_INV = 0x0c,
	ITS_INVALL = 0x0d,
	ITS_MOVALL = 0x0e,
	ITS_DISCARD = 0x0f,
};

struct its_cmd {
	u64 dw[4];
};

static u8 cmd_op(const struct its_cmd *c) { return c->dw[0] & 0xff; }
static u32 cmd_device(const struct its_cmd *c) { return c->dw[0] >> 32; }
static u32 cmd_event(const struct its_cmd *c) { return (u32)c->dw[1]; }
static u32 cmd_intid(const struct its_cmd *c) { return c->dw[1] >> 32; }
static u8 cmd_size(const struct its_cmd *c) { return c->dw[1] & 0x1f; }
static u32 cmd_icid(const struct its_cmd *c) { return c->dw[2] & 0xffff; }
static u64 cmd_itt(const struct its_cmd *c) { return c->dw[2] & GENMASK_ULL(51, 8); }
static bool cmd_valid(const struct its_cmd *c) { return c->dw[2] >> 63; }
/* RDbase: with GITS_TYPER.PTA = 0, the target's processor number. */
static u64 cmd_rdbase(u64 dw) { return (dw & GENMASK_ULL(51, 16)) >> 16; }

static bool collection_mapped(struct gic_its *its, u32 icid)
{
	bool valid = false;
	u32 target;

	return its_cte_read(its, icid, &valid, &target) && valid;
}

/*
 * The checks every (DeviceID, EventID) command makes, in the architecture's
 * order; 0 or the reason of the error.
 */
static u32 find_event(struct gic_its *its, u32 dev, u32 event, struct its_dte *dte,
		      struct its_ite *ite)
{
	if (!its_dte_read(its, dev, dte))
		return ITS_E_DEVICE_OOR;
	if (!dte->valid)
		return ITS_E_UNMAPPED_DEVICE;
	if (!its_ite_read(its, dte, event, ite))
		return ITS_E_ID_OOR;
	if (!ite->valid)
		return ITS_E_UNMAPPED_INTERRUPT;
	return 0;
}

static u32 do_mapd(struct gic_its *its, const struct its_cmd *c)
{
	struct its_dte dte = { cmd_valid(c), cmd_size(c), cmd_itt(c) };
	u32 dev = cmd_device(c);

	if (!its_device_in_range(its, dev))
		return ITS_E_DEVICE_OOR;
	if (dte.valid && dte.size >= ITS_EVENTBITS)
		return ITS_E_SIZE_OOR;
	its_dte_write(its, dev, &dte);
	its_cache_inv_device(its, dev);
	return 0;
}

static u32 do_mapc(struct gic_its *its, const struct its_cmd *c)
{
	u64 target = cmd_rdbase(c->dw[2]);

	if (!its_icid_in_range(its, cmd_icid(c)))
		return ITS_E_COLLECTION_OOR;
	if (cmd_valid(c) && target >= its->nr_cpus)
		return ITS_E_SIZE_OOR;   /* MAPC_PROCNUM_OOR */
	its_cte_write(its, cmd_icid(c), cmd_valid(c), (u32)target);
	return 0;
}

static u32 do_mapti(struct gic_its *its, const struct its_cmd *c)
{
	u32 dev = cmd_device(c), event = cmd_event(c);
	struct its_ite ite = {
		.valid = true, .icid = (u16)cmd_icid(c),
		.intid = cmd_op(c) == ITS_MAPI ? event : cmd_intid(c),
	};
	struct its_dte dte;
	struct its_ite old;

	if (!its_device_in_range(its, dev))
		return ITS_E_DEVICE_OOR;
	if (!its_icid_in_range(its, cmd_icid(c)))
		return ITS_E_COLLECTION_OOR;
	its_dte_read(its, dev, &dte);
	if (!dte.valid)
		return ITS_E_UNMAPPED_DEVICE;
	if (!its_ite_read(its, &dte, event, &old))
		return ITS_E_ID_OOR;
	if (!its_lpi_valid(ite.intid))
		return ITS_E_PHYSICALID_OOR;
	its_ite_write(its, &dte, event, &ite);
	its_cache_inv_event(its, dev, event);
	its_lpi_load_config(its, ite.intid);
	return 0;
}

static u32 do_movi(struct gic_its *its, const struct its_cmd *c)
{
	struct its_dte dte;
	struct its_ite ite;
	u32 why;

	if (!its_device_in_range(its, cmd_device(c)))
		return ITS_E_DEVICE_OOR;
	if (!its_icid_in_range(its, cmd_icid(c)))
		return ITS_E_COLLECTION_OOR;
	why = find_event(its, cmd_device(c), cmd_event(c), &dte, &ite);
	if (why)
		return why;
	if (!collection_mapped(its, cmd_icid(c)))
		return ITS_E_UNMAPPED_COLLECTION;
	ite.icid = (u16)cmd_icid(c);
	its_ite_write(its, &dte, cmd_event(c), &ite);
	its_cache_inv_event(its, cmd_device(c), cmd_event(c));
	return 0;
}

/* INT, CLEAR, INV, DISCARD: one mapped event. */
static u32 do_event(struct gic_its *its, const struct its_cmd *c)
{
	u32 dev = cmd_device(c), event = cmd_event(c), why;
	struct its_dte dte;
	struct its_ite ite;

	why = find_event(its, dev, event, &dte, &ite);
	if (why)
		return why;
	if (cmd_op(c) != ITS_DISCARD && !collection_mapped(its, ite.icid))
		return ITS_E_UNMAPPED_COLLECTION;
	switch (cmd_op(c)) {
	case ITS_INT:
		its_lpi_raise(its, ite.intid);
		break;
	case ITS_CLEAR:
		its_lpi_clear(its, ite.intid);
		break;
	case ITS_INV:
		its_cache_inv_event(its, dev, event);
		its_lpi_load_config(its, ite.intid);
		break;
	case ITS_DISCARD:
		its_lpi_clear(its, ite.intid);
		ite.valid = false;
		its_ite_write(its, &dte, event, &ite);
		its_cache_inv_event(its, dev, event);
		break;
	}
	return 0;
}

static u32 do_invall(struct gic_its *its, const struct its_cmd *c)
{
	if (!its_icid_in_range(its, cmd_icid(c)))
		return ITS_E_COLLECTION_OOR;
	if (!collection_mapped(its, cmd_icid(c)))
		return ITS_E_UNMAPPED_COLLECTION;
	/* Reloading more than the collection's LPIs is allowed: caches may refill any time. */
	its_cache_inv_all(its);
	its_lpi_load_all(its);
	return 0;
}

static u32 do_movall(struct gic_its *its, const struct its_cmd *c)
{
	if (cmd_rdbase(c->dw[2]) >= its->nr_cpus || cmd_rdbase(c->dw[3]) >= its->nr_cpus)
		return ITS_E_DEVICE_OOR;   /* MOVALL_PROCNUM_OOR is reason 1 */
	return 0;   /* one interrupt sink: nothing to move */
}

/* Runs one command: 0, or its error code. */
static u32 its_exec(struct gic_its *its, const struct its_cmd *c)
{
	u8 op = cmd_op(c);
	u32 why;

	switch (op) {
	case ITS_MAPD: why = do_mapd(its, c); break;
	case ITS_MAPC: why = do_mapc(its, c); break;
	case ITS_MAPTI:
	case ITS_MAPI: why = do_mapti(its, c); break;
	case ITS_MOVI: why = do_movi(its, c); break;
	case ITS_INT:
	case ITS_CLEAR:
	case ITS_INV:
	case ITS_DISCARD: why = do_event(its, c); break;
	case ITS_INVALL: why = do_invall(its, c); break;
	case ITS_MOVALL: why = do_movall(its, c); break;
	case ITS_SYNC: why = 0; break;   /* every command has completed already */
	default: why = ITS_E_UNSUPPORTED; break;
	}
	return why ? ITS_ERR(op, why) : 0;
}

static u64 queue_bytes(const struct gic_its *its)
{
	return ((its->cbaser & 0xff) + 1) * 0x1000;
}

void its_process_queue(struct gic_its *its)
{
	u64 qbase = its->cbaser & GENMASK_ULL(51, 12), qsize = queue_bytes(its);

	if (!(its->ctlr & GITS_CTLR_ENABLED) || !(its->cbaser & GITS_CBASER_VALID) ||
	    its->stalled)
		return;
	if (its->cwriter >= qsize || its->creadr >= qsize) {
		its_error(its, ITS_ERR_QUEUE);
		its->stalled = true;
		return;
	}
	while (its->creadr != its->cwriter) {
		struct its_cmd c;
		u32 err;

		if (hw_mem_read(its->m, qbase + its->creadr, &c, sizeof(c))) {
			its_error(its, ITS_ERR_QUEUE);
			its->stalled = true;
			return;
		}
		err = its_exec(its, &c);
		if (err) {
			its_error(its, err);
			if (its->stall_on_error) {
				its->stalled = true;
				return;
			}
		}
		its->creadr = (its->creadr + sizeof(c)) % qsize;
	}
}
