// SPDX-License-Identifier: GPL-2.0-only
/*
 * GICv3 ITS (Linux: drivers/irqchip/irq-gic-v3-its.c), physical LPIs only.
 * Probe: the device and collection tables (GITS_BASER0/1, flat), the
 * 64 KiB command queue (GITS_CBASER), the LPI configuration table, then
 * MAPC of collection 0 to CPU 0. Per device: MAPD with an ITT when its
 * first vectors are prepared (a DeviceID shared by several devices reuses
 * it), MAPTI per vector, INV after each LPI enable change, DISCARD when a
 * vector goes and MAPD V=0 with the last. Every command is followed by a
 * SYNC and the driver waits for GITS_CREADR to pass it.
 *
 * The LPI configuration table belongs to the redistributors
 * (GICR_PROPBASER), which the lab does not model: the driver allocates it
 * and hands it to hw_gic_set_propbaser() (hw/machine.h), the stand-in for
 * that register write; there is one table for every ITS, as there is one
 * for every redistributor in Linux.
 *
 * The ITS tells devices apart by the DeviceID the bus carries with the
 * doorbell write, so its domain is IRQ_DOMAIN_FLAG_ISOLATED_MSI. Command
 * errors: a stalled queue is Linux's "ITS queue timeout"; the model's
 * IMPLEMENTATION DEFINED error record (GITS_IMPDEF_ERR*) is read after
 * each command, as a vendor driver would, and logged.
 */
#include <errno.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/base/platform_device.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/irqchip/msi.h"
#include "kernel/irqchip/msi_internal.h"
#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "kernel/of/of.h"

#define GITS_CTLR 0x0000
#define GITS_CTLR_ENABLE (1u << 0)
#define GITS_TYPER 0x0008
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_CREADR_STALLED (1ull << 0)
#define GITS_BASER(n) (0x0100 + 8 * (n))
#define GITS_IMPDEF_ERR 0xc000
#define GITS_IMPDEF_ERRCODE 0xc004
#define GITS_PIDR2 0xffe8
#define GITS_TRANSLATER 0x10040

#define GIC_PIDR2_ARCH(x) ((x) & 0xf0)
#define GIC_PIDR2_ARCH_GICv3 0x30
#define GIC_PIDR2_ARCH_GICv4 0x40

#define GITS_TYPER_ITT_ESZ(t) ((unsigned)(((t) >> 4) & 0xf) + 1)
#define GITS_TYPER_IDBITS(t) ((unsigned)(((t) >> 8) & 0x1f) + 1)
#define GITS_TYPER_DEVBITS(t) ((unsigned)(((t) >> 13) & 0x1f) + 1)
#define GITS_TYPER_CIDBITS(t) ((t) & (1ull << 36) ? (unsigned)(((t) >> 32) & 0xf) + 1 : 16)

#define GITS_BASER_VALID (1ull << 63)
#define GITS_BASER_INDIRECT (1ull << 62)
#define GITS_LVL1_ENTRY_SIZE 8
#define GITS_BASER_TYPE(b) ((unsigned)(((b) >> 56) & 7))
#define GITS_BASER_ESZ(b) ((unsigned)(((b) >> 48) & 0x1f) + 1)
#define GITS_BASER_TYPE_DEVICE 1
#define GITS_BASER_TYPE_COLLECTION 4
#define GITS_CACHE_RAWAWB (7ull << 59)
#define GITS_SHARE_INNER (1ull << 10)

#define ITS_CMD_QUEUE_SZ 0x10000ull
#define ITS_CMD_QUEUE_ORDER 4
#define ITS_CMD_SIZE 32
#define ITS_CMD_OFFSET_MASK 0xfffe0ull

#define GITS_CMD_MAPD 0x08
#define GITS_CMD_MAPC 0x09
#define GITS_CMD_MAPTI 0x0a
#define GITS_CMD_INV 0x0c
#define GITS_CMD_DISCARD 0x0f
#define GITS_CMD_SYNC 0x05

/* LPIs: INTIDs 8192..16383 (16 ID bits at the CPU interface would allow more). */
#define LPI_BASE 8192u
#define NR_LPIS 8192u
#define LPI_PROP_ORDER 1		/* NR_LPIS bytes */
#define LPI_PROP_ENABLED (1u << 0)
#define LPI_PROP_GROUP1 (1u << 1)
#define LPI_PROP_DEFAULT_PRIO 0xa0u

struct its_node {
	struct list_head link;		/* msi_state.its_nodes */
	struct resource res;
	u64 base;
	u64 typer;
	unsigned ite_size, event_ids;
	u64 device_ids;			/* IDs the device table covers */
	u64 tables[2];			/* device, collection: PA (0: none) */
	unsigned table_order[2];
	bool dt_indirect;		/* the device table is two-level */
	u64 cmd_pa;
	u64 cmd_write;			/* the next free slot's offset */
	struct list_head devices;	/* struct its_device.link */
	struct irq_domain *domain;
};

struct its_device {
	struct list_head link;
	struct its_node *its;
	u32 dev_id;
	unsigned refs;			/* devices sharing the DeviceID */
	unsigned nr_ites;
	u64 itt_pa;
	unsigned itt_order;
	u32 lpi_base;
	bool *event_used;
};

struct its_cmd {
	u64 dw[4];
};

/* Linux's MAX_PAGE_ORDER (4 KiB pages): the largest table it allocates. */
#define ITS_MAX_TABLE_ORDER 10
/* 256 pages of 4 KiB: the most a BASER's Size field describes. */
#define ITS_BASER_MAX_ORDER 8

static unsigned its_ilog2(u64 v)
{
	unsigned l = 0;

	while (v >>= 1)
		l++;
	return l;
}

/* A little-endian 64-bit table entry in RAM (a level-1 entry). */
static u64 phys_read64(u64 pa)
{
	const u8 *p = phys_to_virt(pa);
	u64 v = 0;

	for (int b = 7; b >= 0; b--)
		v = v << 8 | p[b];
	return v;
}

static void phys_write64(u64 pa, u64 v)
{
	u8 *p = phys_to_virt(pa);

	for (int b = 0; b < 8; b++)
		p[b] = (u8)(v >> (8 * b));
}

/* Fills @len bytes of RAM at @pa: page by page, as frames are not contiguous on the host. */
static void phys_memset(u64 pa, int c, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE)
		memset(phys_to_virt(pa + off), c, MIN(PAGE_SIZE, len - off));
}

/* ---- the command queue ---------------------------------------------------------------- */

/* Writes @cmd at the queue's tail; -EBUSY when the ITS has not consumed the slot. */
static int its_queue(struct its_node *its, const struct its_cmd *cmd)
{
	u64 next = (its->cmd_write + ITS_CMD_SIZE) % ITS_CMD_QUEUE_SZ;
	u8 *slot;

	if (next == (readq(its->base + GITS_CREADR) & ITS_CMD_OFFSET_MASK)) {
		pr_err("ITS queue not draining\n");
		return -EBUSY;
	}
	slot = phys_to_virt(its->cmd_pa + its->cmd_write);
	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 8; b++)
			slot[i * 8 + b] = (u8)(cmd->dw[i] >> (8 * b));   /* little-endian */
	its->cmd_write = next;
	return 0;
}

/* The model completes commands at once: CREADR is at CWRITER, unless stalled. */
static int its_wait_for_completion(struct its_node *its)
{
	u64 rd = readq(its->base + GITS_CREADR);

	if ((rd & ITS_CMD_OFFSET_MASK) == its->cmd_write && !(rd & GITS_CREADR_STALLED))
		return 0;
	pr_err("ITS queue timeout (%llu %llu)\n", (unsigned long long)its->cmd_write,
	       (unsigned long long)(rd & ITS_CMD_OFFSET_MASK));
	return -ETIMEDOUT;
}

static int its_check_error(struct its_node *its, const struct its_cmd *cmd)
{
	if (!(readl(its->base + GITS_IMPDEF_ERR) & 1))
		return 0;
	pr_err("ITS@0x%016llx: command 0x%02x failed: error 0x%06x\n",
	       (unsigned long long)its->base, (unsigned)(cmd->dw[0] & 0xff),
	       readl(its->base + GITS_IMPDEF_ERRCODE));
	writel(1, its->base + GITS_IMPDEF_ERR);
	return -EIO;
}

/* its_send_single_command: the command, then a SYNC, then wait for both. */
static int its_send_cmd(struct its_node *its, const struct its_cmd *cmd)
{
	struct its_cmd sync = { { GITS_CMD_SYNC, 0, 0 /* RDbase: CPU 0 */, 0 } };
	int ret = its_queue(its, cmd);

	if (!ret)
		ret = its_queue(its, &sync);
	if (ret)
		return ret;
	writeq(its->cmd_write, its->base + GITS_CWRITER);
	ret = its_wait_for_completion(its);
	if (!ret)
		ret = its_check_error(its, cmd);
	return ret;
}

static int its_send_mapd(struct its_device *d, bool valid)
{
	unsigned size = 0;

	while ((2u << size) < d->nr_ites)
		size++;   /* EventID bits - 1 */
	struct its_cmd c = { {
		GITS_CMD_MAPD | (u64)d->dev_id << 32,
		size,
		(valid ? 1ull << 63 : 0) | (d->itt_pa & 0xfffffffffff00ull),
		0,
	} };
	return its_send_cmd(d->its, &c);
}

static int its_send_event_cmd(struct its_device *d, u8 op, u32 event, u64 dw1_hi, u64 dw2)
{
	struct its_cmd c = { { op | (u64)d->dev_id << 32, event | dw1_hi << 32, dw2, 0 } };

	return its_send_cmd(d->its, &c);
}

/* ---- LPIs ------------------------------------------------------------------------------ */

static u8 *lpi_prop(u32 lpi)
{
	return phys_to_virt(kstate->msi.prop_table + (lpi - LPI_BASE));
}

/* First fit of @nr contiguous LPIs; 0 when none. */
static u32 alloc_lpi_range(unsigned nr)
{
	bool *used = kstate->msi.lpi_used;

	for (u32 i = 0; i + nr <= NR_LPIS; i++) {
		u32 n = 0;

		while (n < nr && !used[i + n])
			n++;
		if (n == nr) {
			memset(&used[i], 1, nr);
			return LPI_BASE + i;
		}
		i += n;
	}
	return 0;
}

static void free_lpi_range(u32 base, unsigned nr)
{
	memset(&kstate->msi.lpi_used[base - LPI_BASE], 0, nr);
}

/* ---- devices ----------------------------------------------------------------------------- */

static struct its_device *its_find_device(struct its_node *its, u32 dev_id)
{
	struct its_device *d;

	list_for_each_entry(d, &its->devices, link)
		if (d->dev_id == dev_id)
			return d;
	return NULL;
}

static void its_free_device(struct its_device *d)
{
	if (d->lpi_base)
		free_lpi_range(d->lpi_base, d->nr_ites);
	if (d->itt_pa)
		free_pages_phys(d->itt_pa, d->itt_order);
	kfree(d->event_used);
	list_del(&d->link);
	kfree(d);
}

/*
 * A two-level device table gets the level-2 page holding @dev_id's entry on
 * the first device that needs it (its_alloc_table_entry); a flat one
 * covers every ID below device_ids already.
 */
static bool its_alloc_device_table(struct its_node *its, u32 dev_id)
{
	u64 per_page = PAGE_SIZE / GITS_BASER_ESZ(readq(its->base + GITS_BASER(0)));
	u64 l1 = its->tables[0] + dev_id / per_page * GITS_LVL1_ENTRY_SIZE, l2;

	if (!its->dt_indirect || phys_read64(l1) & GITS_BASER_VALID)
		return true;
	l2 = alloc_pages_phys(0);
	if (!l2)
		return false;
	phys_memset(l2, 0, PAGE_SIZE);
	phys_write64(l1, l2 | GITS_BASER_VALID);
	return true;
}

/* The level-2 pages of a two-level device table. */
static void its_free_device_table_l2(struct its_node *its)
{
	u64 entries = (PAGE_SIZE << its->table_order[0]) / GITS_LVL1_ENTRY_SIZE;

	for (u64 i = 0; its->dt_indirect && i < entries; i++) {
		u64 v = phys_read64(its->tables[0] + i * GITS_LVL1_ENTRY_SIZE);

		if (v & GITS_BASER_VALID)
			free_pages_phys(v & ~GITS_BASER_VALID, 0);
	}
}

static struct its_device *its_create_device(struct its_node *its, u32 dev_id, unsigned nvec)
{
	struct its_device *d;
	unsigned nr_ites = 2;

	if (dev_id >= its->device_ids || !its_alloc_device_table(its, dev_id))
		return NULL;
	while (nr_ites < nvec)
		nr_ites <<= 1;
	if (nr_ites > its->event_ids)
		return NULL;
	d = kzalloc(sizeof(*d));
	if (!d)
		return NULL;
	list_add_tail(&d->link, &its->devices);
	d->its = its;
	d->dev_id = dev_id;
	d->nr_ites = nr_ites;
	d->refs = 1;
	/* The ITT: nr_ites entries, 256-byte aligned (a page is). */
	d->itt_order = get_order((u64)nr_ites * its->ite_size);
	d->itt_pa = alloc_pages_phys(d->itt_order);
	d->event_used = kcalloc(nr_ites, sizeof(*d->event_used));
	d->lpi_base = d->itt_pa && d->event_used ? alloc_lpi_range(nr_ites) : 0;
	if (!d->lpi_base || its_send_mapd(d, true)) {
		its_free_device(d);
		return NULL;
	}
	return d;
}

/* ---- the MSI domain ---------------------------------------------------------------------------- */

static int its_msi_prepare(struct irq_domain *dom, struct msi_device_data *md, unsigned nvec)
{
	struct its_node *its = dom->host_data;
	struct its_device *d = its_find_device(its, md->dev_id);

	if (d) {
		/* Another device (an alias) already has this DeviceID: share its ITT. */
		pr_debug("Reusing ITT for devID %x\n", md->dev_id);
		d->refs++;
	} else {
		d = its_create_device(its, md->dev_id, nvec);
		if (!d)
			return -ENOMEM;
	}
	md->domain_data = d;
	return 0;
}

static void its_msi_unprepare(struct irq_domain *dom, struct msi_device_data *md)
{
	struct its_device *d = md->domain_data;

	(void)dom;
	md->domain_data = NULL;
	if (!d || --d->refs)
		return;
	its_send_mapd(d, false);
	its_free_device(d);
}

/* A descriptor's events: a naturally aligned block of the power of two at or above its vectors. */
static unsigned its_block_size(const struct msi_desc *desc)
{
	unsigned n = 1;

	while (n < desc->nvec_used)
		n <<= 1;
	return n;
}

static unsigned desc_vectors(const struct msi_desc *desc)
{
	return desc->nvec_used ? desc->nvec_used : 1;
}

static int its_irq_alloc(struct irq_domain *dom, struct msi_device_data *md,
			 struct msi_desc *desc)
{
	struct its_node *its = dom->host_data;
	struct its_device *d = md->domain_data;
	unsigned n = its_block_size(desc), ev, k = 0;
	int ret;

	for (ev = 0; ev + n <= d->nr_ites; ev += n) {
		for (k = 0; k < n && !d->event_used[ev + k]; k++)
			;
		if (k == n)
			break;
	}
	if (ev + n > d->nr_ites)
		return -ENOSPC;
	ret = iommu_dma_prepare_msi(desc, its->res.start + GITS_TRANSLATER);
	if (ret)
		return ret;
	memset(&d->event_used[ev], 1, n);
	desc->irq = d->lpi_base + ev;
	desc->chip_data = d;
	for (k = 0; k < n; k++)		/* disabled */
		*lpi_prop(desc->irq + k) = LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1;
	return 0;
}

static void its_irq_free(struct irq_domain *dom, struct msi_device_data *md,
			 struct msi_desc *desc)
{
	struct its_device *d = desc->chip_data;
	unsigned n = its_block_size(desc);

	(void)dom;
	(void)md;
	for (unsigned k = 0; k < n; k++)
		*lpi_prop(desc->irq + k) = LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1;
	memset(&d->event_used[desc->irq - d->lpi_base], 0, n);
}

static int its_irq_activate(struct irq_domain *dom, struct msi_device_data *md,
			    struct msi_desc *desc)
{
	struct its_device *d = desc->chip_data;
	int ret = 0;

	(void)dom;
	(void)md;
	/* MAPTI to collection 0 (every LPI goes to the one CPU interface). */
	for (unsigned k = 0; k < desc_vectors(desc) && !ret; k++)
		ret = its_send_event_cmd(d, GITS_CMD_MAPTI, desc->irq + k - d->lpi_base,
					 desc->irq + k, 0);
	return ret;
}

static void its_irq_deactivate(struct irq_domain *dom, struct msi_device_data *md,
			       struct msi_desc *desc)
{
	struct its_device *d = desc->chip_data;

	(void)dom;
	(void)md;
	for (unsigned k = 0; k < desc_vectors(desc); k++)
		its_send_event_cmd(d, GITS_CMD_DISCARD, desc->irq + k - d->lpi_base, 0, 0);
}

static void its_irq_compose(struct irq_domain *dom, struct msi_desc *desc, struct msi_msg *msg)
{
	struct its_node *its = dom->host_data;
	struct its_device *d = desc->chip_data;
	u64 addr = its->res.start + GITS_TRANSLATER;

	msg->address_hi = (u32)(addr >> 32);
	msg->address_lo = (u32)addr;
	msg->data = desc->irq - d->lpi_base;   /* the (first) EventID */
}

/* lpi_update_config: the property byte, then an INV so the ITS reloads it. */
static void its_irq_mask(struct irq_domain *dom, struct msi_desc *desc, u32 irq, bool mask)
{
	struct its_device *d = desc->chip_data;
	u8 *prop = lpi_prop(irq);

	(void)dom;
	if (mask)
		*prop &= (u8)~LPI_PROP_ENABLED;
	else
		*prop |= LPI_PROP_ENABLED;
	if (desc->activated)
		its_send_event_cmd(d, GITS_CMD_INV, irq - d->lpi_base, 0, 0);
}

static const struct msi_domain_ops its_msi_ops = {
	.msi_prepare = its_msi_prepare,
	.msi_unprepare = its_msi_unprepare,
	.alloc = its_irq_alloc,
	.free = its_irq_free,
	.activate = its_irq_activate,
	.deactivate = its_irq_deactivate,
	.compose_msi_msg = its_irq_compose,
	.mask = its_irq_mask,
};

/* ---- probe ---------------------------------------------------------------------------------------- */

static const char *const its_base_type_string[] = {
	[GITS_BASER_TYPE_DEVICE] = "Devices",
	[GITS_BASER_TYPE_COLLECTION] = "Interrupt Collections",
};

/*
 * Whether the device table is two-level, and the IDs its level 1 (or its
 * only level) covers (its_parse_indirect_baser): a table of more than two
 * pages is made two-level if the ITS keeps Indirect, then capped at the
 * largest allocation.
 */
static bool its_parse_indirect_baser(struct its_node *its, unsigned n, unsigned *esz,
				     unsigned *ids)
{
	u64 baser = readq(its->base + GITS_BASER(n));
	unsigned want = *ids;
	bool indirect = false;

	if (((u64)*esz << *ids) > PAGE_SIZE * 2) {
		writeq(baser | GITS_BASER_INDIRECT, its->base + GITS_BASER(n));
		indirect = readq(its->base + GITS_BASER(n)) & GITS_BASER_INDIRECT;
		if (indirect) {
			*ids -= its_ilog2(PAGE_SIZE / *esz);   /* IDs a level-2 page holds */
			*esz = GITS_LVL1_ENTRY_SIZE;
		}
	}
	if (get_order((u64)*esz << *ids) > ITS_MAX_TABLE_ORDER) {
		*ids = its_ilog2((PAGE_SIZE << ITS_MAX_TABLE_ORDER) / *esz);
		pr_warn("ITS@0x%016llx: %s Table too large, reduce ids %u->%u\n",
			(unsigned long long)its->base,
			its_base_type_string[GITS_BASER_TYPE(baser)],
			want, *ids);
	}
	return indirect;
}

/* The table for BASER @n (4 KiB pages) with 2^@bits entries, two-level if large. */
static int its_setup_baser(struct its_node *its, unsigned n, unsigned bits)
{
	u64 baser = readq(its->base + GITS_BASER(n));
	unsigned type = GITS_BASER_TYPE(baser), esz = GITS_BASER_ESZ(baser);
	bool indirect = false;
	unsigned order;
	u64 pa, val;

	if (type != GITS_BASER_TYPE_DEVICE && type != GITS_BASER_TYPE_COLLECTION)
		return 0;
	if (type == GITS_BASER_TYPE_DEVICE)
		indirect = its_parse_indirect_baser(its, n, &esz, &bits);
	order = get_order((u64)esz << bits);
	/* BASER.Size counts at most 256 pages (GITS_BASER_PAGES_MAX). */
	if (order > ITS_BASER_MAX_ORDER) {
		pr_warn("ITS@0x%016llx: %s too large, reduce ITS pages %u->%u\n",
			(unsigned long long)its->base, its_base_type_string[type], 1u << order,
			1u << ITS_BASER_MAX_ORDER);
		order = ITS_BASER_MAX_ORDER;
		bits = its_ilog2((PAGE_SIZE << order) / esz);
	}
	if (type == GITS_BASER_TYPE_DEVICE) {
		its->dt_indirect = indirect;
		its->device_ids = (u64)1 << (bits + (indirect ?
				  its_ilog2(PAGE_SIZE / GITS_BASER_ESZ(baser)) : 0));
	}
	pa = alloc_pages_phys(order);
	if (!pa)
		return -ENOMEM;
	phys_memset(pa, 0, PAGE_SIZE << order);
	its->tables[n] = pa;
	its->table_order[n] = order;
	val = GITS_BASER_VALID | GITS_CACHE_RAWAWB | pa | GITS_SHARE_INNER |
	      (indirect ? GITS_BASER_INDIRECT : 0) |
	      (((u64)1 << order) - 1);   /* Page_Size 0: 4 KiB; Size: pages - 1 */
	writeq(val, its->base + GITS_BASER(n));
	if (!(readq(its->base + GITS_BASER(n)) & GITS_BASER_VALID)) {
		pr_err("ITS@0x%016llx: %s doesn't stick\n", (unsigned long long)its->base,
		       its_base_type_string[type]);
		return -ENXIO;
	}
	pr_info("ITS@0x%016llx: allocated %llu %s @%llx (%s, esz %u, psz 4K, shr 1)\n",
		(unsigned long long)its->base, (unsigned long long)1 << bits,
		its_base_type_string[type], (unsigned long long)pa,
		indirect ? "indirect" : "flat", esz);
	return 0;
}

static void its_free_node(struct its_node *its)
{
	if (its->domain)
		irq_domain_remove(its->domain);
	while (!list_empty(&its->devices))
		its_free_device(list_first_entry(&its->devices, struct its_device, link));
	writel(0, its->base + GITS_CTLR);
	for (int n = 0; n < 2; n++) {
		if (its->tables[n]) {
			writeq(0, its->base + GITS_BASER(n));
			if (n == 0)
				its_free_device_table_l2(its);
			free_pages_phys(its->tables[n], its->table_order[n]);
		}
	}
	if (its->cmd_pa) {
		writeq(0, its->base + GITS_CBASER);
		free_pages_phys(its->cmd_pa, ITS_CMD_QUEUE_ORDER);
	}
	list_del(&its->link);
	kfree(its);
}

/* The LPI configuration table and allocator, shared by every ITS. */
static int its_lpi_init(void)
{
	struct msi_state *ms = &kstate->msi;

	if (ms->prop_table)
		return 0;
	ms->lpi_used = kcalloc(NR_LPIS, sizeof(*ms->lpi_used));
	ms->prop_table = ms->lpi_used ? alloc_pages_phys(LPI_PROP_ORDER) : 0;
	if (!ms->prop_table) {
		kfree(ms->lpi_used);
		ms->lpi_used = NULL;
		return -ENOMEM;
	}
	phys_memset(ms->prop_table, LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1,
		    PAGE_SIZE << LPI_PROP_ORDER);
	hw_gic_set_propbaser(kernel_machine(), ms->prop_table);   /* GICR_PROPBASER */
	pr_info("GICv3: using LPI property table @0x%016llx\n",
		(unsigned long long)ms->prop_table);
	return 0;
}

static int its_enable(struct its_node *its)
{
	struct its_cmd mapc = { { GITS_CMD_MAPC, 0, 1ull << 63 /* V, RDbase CPU 0, ICID 0 */, 0 } };
	int ret;

	its->cmd_pa = alloc_pages_phys(ITS_CMD_QUEUE_ORDER);
	if (!its->cmd_pa)
		return -ENOMEM;
	phys_memset(its->cmd_pa, 0, ITS_CMD_QUEUE_SZ);
	writeq(GITS_BASER_VALID | GITS_CACHE_RAWAWB | its->cmd_pa | GITS_SHARE_INNER |
	       (ITS_CMD_QUEUE_SZ / PAGE_SIZE - 1), its->base + GITS_CBASER);
	writeq(0, its->base + GITS_CWRITER);
	its->cmd_write = 0;
	writel(GITS_CTLR_ENABLE, its->base + GITS_CTLR);
	/* its_cpu_init_collection: collection 0 targets CPU 0. */
	ret = its_send_cmd(its, &mapc);
	return ret;
}

static int its_probe_one(struct device_node *np)
{
	struct its_node *its = kzalloc(sizeof(*its));
	int ret;

	if (!its)
		return -ENOMEM;
	INIT_LIST_HEAD(&its->devices);
	list_add_tail(&its->link, &kstate->msi.its_nodes);
	ret = of_address_to_resource(np, 0, &its->res);
	if (ret) {
		pr_warn("%s: no regs?\n", np->full_name);
		goto fail;
	}
	its->base = its->res.start;
	if (GIC_PIDR2_ARCH(readl(its->base + GITS_PIDR2)) != GIC_PIDR2_ARCH_GICv3 &&
	    GIC_PIDR2_ARCH(readl(its->base + GITS_PIDR2)) != GIC_PIDR2_ARCH_GICv4) {
		pr_warn("ITS@0x%016llx: no ITS detected, giving up\n",
			(unsigned long long)its->base);
		ret = -ENODEV;
		goto fail;
	}
	pr_info("ITS [mem 0x%08llx-0x%08llx]\n", (unsigned long long)its->res.start,
		(unsigned long long)its->res.end);
	writel(0, its->base + GITS_CTLR);
	its->typer = readq(its->base + GITS_TYPER);
	its->ite_size = GITS_TYPER_ITT_ESZ(its->typer);
	its->event_ids = 1u << GITS_TYPER_IDBITS(its->typer);
	if ((ret = its_lpi_init()) ||
	    (ret = its_setup_baser(its, 0, GITS_TYPER_DEVBITS(its->typer))) ||
	    (ret = its_setup_baser(its, 1, GITS_TYPER_CIDBITS(its->typer))) ||
	    (ret = its_enable(its)))
		goto fail;
	ret = -ENOMEM;
	its->domain = msi_create_irq_domain(np, "ITS",
					    IRQ_DOMAIN_FLAG_ISOLATED_MSI |
					    IRQ_DOMAIN_FLAG_MSI_DEVICE_ID, &its_msi_ops, its);
	if (!its->domain)
		goto fail;
	return 0;
fail:
	its_free_node(its);
	return ret;
}

int its_init(void)
{
	struct device_node *np = NULL;

	while ((np = of_find_compatible_node(np, "arm,gic-v3-its"))) {
		if (!of_device_is_available(np))
			continue;
		if (!of_property_read_bool(np, "msi-controller")) {
			pr_warn("%s: no msi-controller property, ITS ignored\n", np->full_name);
			continue;
		}
		if (its_probe_one(np) == -ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

void its_exit(void)
{
	struct msi_state *ms = &kstate->msi;

	while (!list_empty(&ms->its_nodes))
		its_free_node(list_first_entry(&ms->its_nodes, struct its_node, link));
	if (ms->prop_table) {
		hw_gic_set_propbaser(kernel_machine(), 0);
		free_pages_phys(ms->prop_table, LPI_PROP_ORDER);
		ms->prop_table = 0;
	}
	kfree(ms->lpi_used);
	ms->lpi_used = NULL;
}
