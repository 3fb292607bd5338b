// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA isolation oracle (see oracle.h for the verdicts).
 *
 * State, all rebuilt from the kernel's notifications:
 * - frame owners: per RAM bank, one byte of owner kind and a u32 id per frame;
 * - domains: per domain id, a sorted array of disjoint extents
 *   (iova, pa, len, prot) mirroring what iommu_map/iommu_unmap did;
 * - groups: the current domain (id and type) of each group id;
 * - devices: the group of each bus master identity (a DT node, later a
 *   PCI segment and requester ID: common/master_id.h).
 *
 * The oracle is part of the checker: it uses plain malloc, never the
 * kernel's allocator, so that fail-the-Nth runs never hit it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/oracle.h"
#include "hw/machine.h"
#include "kernel/base/printk.h"
#include "kernel/iommu/iommu.h"
#include "kernel/iommu/observer.h"

struct obank {
	u64 base_pfn, npages;
	u8 *kind;
	u32 *id;
};

/* One mapped extent, a node of its domain's treap (keyed by iova). */
struct extent {
	u64 iova, pa, len;
	int prot;
	u32 prio;
	struct extent *l, *r;
};

struct odomain {
	u32 id;
	unsigned type;
	struct extent *root;
};

struct ogroup {
	bool used;
	u32 domain;
	unsigned type;
};

struct odevice {
	struct master_id id;
	int group;
	char name[64];
};

static struct {
	struct machine *m;
	struct obank *banks;
	size_t nr_banks;
	struct odomain *doms;
	size_t nr_doms, cap_doms;
	struct ogroup *groups;
	size_t nr_groups;
	struct odevice *devs;
	size_t nr_devs, cap_devs;
	struct oracle_counts c;
	enum oracle_verdict last, worst;
	char *log;
	size_t log_len, log_cap;
	bool attached;
} O;

#define ORACLE_LOG_MAX (1u << 20)

/* ---- log ---------------------------------------------------------------- */

static void olog(bool to_dmesg, int level, const char *fmt, ...) __printf(3, 4);
static void olog(bool to_dmesg, int level, const char *fmt, ...)
{
	char line[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (to_dmesg)
		printk(level, "%s\n", line);
	size_t l = strlen(line);
	if (O.log_len + l + 2 > ORACLE_LOG_MAX)
		return;
	if (O.log_len + l + 2 > O.log_cap) {
		size_t cap = O.log_cap ? O.log_cap * 2 : 4096;
		while (cap < O.log_len + l + 2)
			cap *= 2;
		char *n = realloc(O.log, cap);
		if (!n)
			return;
		O.log = n;
		O.log_cap = cap;
	}
	memcpy(O.log + O.log_len, line, l);
	O.log_len += l;
	O.log[O.log_len++] = '\n';
	O.log[O.log_len] = '\0';
}

/* ---- frames ------------------------------------------------------------- */

static struct obank *bank_of(u64 pa, u64 *idx)
{
	u64 pfn = pa >> PAGE_SHIFT;

	for (size_t i = 0; i < O.nr_banks; i++) {
		struct obank *b = &O.banks[i];
		if (pfn >= b->base_pfn && pfn - b->base_pfn < b->npages) {
			*idx = pfn - b->base_pfn;
			return b;
		}
	}
	return NULL;
}

static void obs_frames(void *opaque, u64 pa, u64 len, enum kobs_owner owner, u32 id)
{
	(void)opaque;
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u64 idx;
		struct obank *b = bank_of(pa + off, &idx);
		if (!b)
			continue;
		b->kind[idx] = (u8)owner;
		b->id[idx] = id;
	}
}

const char *oracle_frame_owner(u64 pa, char *buf, size_t size)
{
	u64 idx;
	struct obank *b = bank_of(pa, &idx);

	if (!b) {
		snprintf(buf, size, "not RAM");
		return buf;
	}
	switch ((enum kobs_owner)b->kind[idx]) {
	case KOBS_FREE:
		snprintf(buf, size, "free");
		break;
	case KOBS_KERNEL:
		snprintf(buf, size, "kernel");
		break;
	case KOBS_PGTABLE:
		snprintf(buf, size, "page-table");
		break;
	case KOBS_VFIO:
		snprintf(buf, size, "vfio container %u", b->id[idx]);
		break;
	default:
		snprintf(buf, size, "unknown");
	}
	return buf;
}

/* ---- domains ------------------------------------------------------------ */

static void ext_free_all(struct extent *t);

static struct odomain *dom_find(u32 id)
{
	for (size_t i = 0; i < O.nr_doms; i++)
		if (O.doms[i].id == id)
			return &O.doms[i];
	return NULL;
}

static struct odomain *dom_get(u32 id)
{
	struct odomain *d = dom_find(id);

	if (d)
		return d;
	if (O.nr_doms == O.cap_doms) {
		size_t cap = O.cap_doms ? O.cap_doms * 2 : 16;
		struct odomain *n = realloc(O.doms, cap * sizeof(*n));
		if (!n)
			return NULL;
		O.doms = n;
		O.cap_doms = cap;
	}
	d = &O.doms[O.nr_doms++];
	memset(d, 0, sizeof(*d));
	d->id = id;
	return d;
}

static void obs_domain_alloc(void *opaque, u32 id, unsigned type)
{
	(void)opaque;
	struct odomain *d = dom_get(id);
	if (d)
		d->type = type;
}

static void obs_domain_free(void *opaque, u32 id)
{
	(void)opaque;
	struct odomain *d = dom_find(id);
	if (!d)
		return;
	ext_free_all(d->root);
	*d = O.doms[--O.nr_doms];
}

/*
 * Extents live in a treap (random priorities, split/merge), so that maps,
 * unmaps and lookups stay O(log n) with 65,535 VFIO mappings in any order.
 */
static u32 ext_rand(void)
{
	static u32 x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static void ext_free_all(struct extent *t)
{
	while (t) {
		struct extent *r = t->r;
		ext_free_all(t->l);
		free(t);
		t = r;
	}
}

/* Splits @t into keys < @key (*a) and keys >= @key (*b). */
static void ext_split(struct extent *t, u64 key, struct extent **a, struct extent **b)
{
	if (!t) {
		*a = *b = NULL;
	} else if (t->iova < key) {
		ext_split(t->r, key, &t->r, b);
		*a = t;
	} else {
		ext_split(t->l, key, a, &t->l);
		*b = t;
	}
}

/* Every key of @a is below every key of @b. */
static struct extent *ext_merge(struct extent *a, struct extent *b)
{
	if (!a || !b)
		return a ? a : b;
	if (a->prio > b->prio) {
		a->r = ext_merge(a->r, b);
		return a;
	}
	b->l = ext_merge(a, b->l);
	return b;
}

/* The extent with the greatest start below or at @iova, or NULL. */
static struct extent *ext_floor(struct extent *t, u64 iova)
{
	struct extent *best = NULL;

	while (t) {
		if (t->iova <= iova) {
			best = t;
			t = t->r;
		} else {
			t = t->l;
		}
	}
	return best;
}

static struct extent *ext_new(u64 iova, u64 pa, u64 len, int prot)
{
	struct extent *e = calloc(1, sizeof(*e));

	if (e)
		*e = (struct extent){ iova, pa, len, prot, ext_rand(), NULL, NULL };
	return e;
}

static void ext_insert(struct odomain *d, struct extent *e)
{
	struct extent *a, *b;

	ext_split(d->root, e->iova, &a, &b);
	d->root = ext_merge(ext_merge(a, e), b);
}

static void ext_max_end(struct extent *t, struct extent **max)
{
	while (t) {
		*max = t;
		t = t->r;
	}
}

static void dom_unmap(struct odomain *d, u64 iova, u64 len)
{
	u64 end = iova + len;
	struct extent *left = ext_floor(d->root, iova), *a, *m, *b, *last = NULL;

	if (!len)
		return;
	/* An extent starting below @iova keeps its head; its tail may survive too. */
	if (left && left->iova < iova && left->iova + left->len > iova) {
		u64 l_end = left->iova + left->len;
		left->len = iova - left->iova;
		if (l_end > end) {
			struct extent *tail = ext_new(end, left->pa + (end - left->iova), l_end - end,
						      left->prot);
			if (tail)
				ext_insert(d, tail);
			return;
		}
	}
	ext_split(d->root, iova, &a, &m);
	ext_split(m, end, &m, &b);
	/* The last extent starting inside the range may run past its end. */
	ext_max_end(m, &last);
	if (last && last->iova + last->len > end) {
		struct extent *tail = ext_new(end, last->pa + (end - last->iova),
					      last->iova + last->len - end, last->prot);
		if (tail)
			b = ext_merge(tail, b);
	}
	ext_free_all(m);
	d->root = ext_merge(a, b);
}

static void obs_domain_map(void *opaque, u32 id, u64 iova, u64 pa, u64 len, int prot)
{
	(void)opaque;
	struct odomain *d = dom_get(id);
	if (!d || !len)
		return;
	/* A remap replaces (the core never does it); skip the work when empty. */
	struct extent *over = ext_floor(d->root, iova + len - 1);
	if (over && over->iova + over->len > iova)
		dom_unmap(d, iova, len);
	/* Coalesce with the previous extent when contiguous in both spaces. */
	struct extent *p = iova ? ext_floor(d->root, iova - 1) : NULL;
	if (p && p->iova + p->len == iova && p->pa + p->len == pa && p->prot == prot) {
		p->len += len;   /* the range was just emptied: nothing to overlap */
		return;
	}
	struct extent *e = ext_new(iova, pa, len, prot);
	if (e)
		ext_insert(d, e);
}

static void obs_domain_unmap(void *opaque, u32 id, u64 iova, u64 len)
{
	(void)opaque;
	struct odomain *d = dom_find(id);
	if (d)
		dom_unmap(d, iova, len);
}

static const struct extent *dom_lookup(const struct odomain *d, u64 iova)
{
	struct extent *e = ext_floor(d->root, iova);

	return e && iova - e->iova < e->len ? e : NULL;
}

/* ---- groups and devices ------------------------------------------------- */

static void obs_group_domain(void *opaque, int group, u32 domain, unsigned type)
{
	(void)opaque;
	if (group < 0)
		return;
	if ((size_t)group >= O.nr_groups) {
		size_t n = (size_t)group + 16;
		struct ogroup *g = realloc(O.groups, n * sizeof(*g));
		if (!g)
			return;
		memset(g + O.nr_groups, 0, (n - O.nr_groups) * sizeof(*g));
		O.groups = g;
		O.nr_groups = n;
	}
	O.groups[group] = (struct ogroup){ domain != 0, domain, type };
}

static struct odevice *dev_find(const struct master_id *id)
{
	for (size_t i = 0; i < O.nr_devs; i++)
		if (master_id_equal(&O.devs[i].id, id))
			return &O.devs[i];
	return NULL;
}

static void obs_device_group(void *opaque, const struct master_id *id, const char *name,
			     int group)
{
	(void)opaque;
	struct odevice *d = dev_find(id);
	if (!d) {
		if (O.nr_devs == O.cap_devs) {
			size_t cap = O.cap_devs ? O.cap_devs * 2 : 16;
			struct odevice *n = realloc(O.devs, cap * sizeof(*n));
			if (!n)
				return;
			O.devs = n;
			O.cap_devs = cap;
		}
		d = &O.devs[O.nr_devs++];
		d->id = *id;
	}
	d->group = group;
	snprintf(d->name, sizeof(d->name), "%s", name ? name : "?");
}

/* ---- judging ------------------------------------------------------------ */

static int severity(enum oracle_verdict v)
{
	switch (v) {
	case ORACLE_ESCAPE:
	case ORACLE_STALE:
		return 5;
	case ORACLE_LAZY:
		return 4;
	case ORACLE_UNISOLATED:
		return 3;
	case ORACLE_FAULT:
		return 2;
	case ORACLE_OK:
		return 1;
	default:
		return 0;
	}
}

static void set_verdict(enum oracle_verdict v)
{
	O.last = v;
	if (severity(v) > severity(O.worst))
		O.worst = v;
}

void oracle_begin(void)
{
	O.worst = ORACLE_NONE;
}

enum oracle_verdict oracle_worst_verdict(void)
{
	return O.worst;
}

static const struct iommu_observer oracle_kernel_tap = {
	.frames = obs_frames,
	.domain_alloc = obs_domain_alloc,
	.domain_free = obs_domain_free,
	.domain_map = obs_domain_map,
	.domain_unmap = obs_domain_unmap,
	.group_domain = obs_group_domain,
	.device_group = obs_device_group,
};

static const char *master_name(const struct hw_dma_event *ev, const struct odevice *d)
{
	if (d && d->name[0])
		return d->name;
	return ev->master && ev->master->name ? ev->master->name : "?";
}

static void judge_translated(const struct hw_dma_event *ev, const struct odevice *dev)
{
	const char *who = master_name(ev, dev);
	const char *verb = ev->acc == HW_WRITE ? "wrote" : "read";
	char owner[48];
	const struct ogroup *g = NULL;

	if (dev && dev->group >= 0 && (size_t)dev->group < O.nr_groups && O.groups[dev->group].used)
		g = &O.groups[dev->group];
	if (!g) {
		oracle_frame_owner(ev->xl.pa, owner, sizeof(owner));
		O.c.escapes++;
		set_verdict(ORACLE_ESCAPE);
		olog(true, LOGLEVEL_ERR,
		     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (owner: %s) via iova 0x%" PRIx64
		     " with no domain (device in no group)", who, verb, ev->xl.pa, owner, ev->addr);
		return;
	}
	const struct odomain *d = dom_find(g->domain);
	const struct extent *e = d ? dom_lookup(d, ev->addr) : NULL;
	int need = ev->acc == HW_WRITE ? IOMMU_WRITE : IOMMU_READ;
	bool mapped = e && e->pa + (ev->addr - e->iova) == ev->xl.pa;
	if (mapped && (e->prot & need)) {
		O.c.ok++;
		set_verdict(ORACLE_OK);
		return;
	}
	const char *why = !e ? "unmapped" : !mapped ? "mapped elsewhere" : "not permitted";
	oracle_frame_owner(ev->xl.pa, owner, sizeof(owner));
	if (ev->xl.from_tlb && (g->type & __IOMMU_DOMAIN_DMA_FQ)) {
		O.c.lazy++;
		set_verdict(ORACLE_LAZY);
		olog(false, 0,
		     "oracle: lazy: %s %s 0x%" PRIx64 " (owner: %s) via iova 0x%" PRIx64
		     " in domain %u (%s, flush pending)", who, verb, ev->xl.pa, owner, ev->addr,
		     g->domain, why);
		return;
	}
	O.c.escapes++;
	if (ev->xl.from_tlb) {
		O.c.stale++;
		set_verdict(ORACLE_STALE);
		olog(true, LOGLEVEL_ERR,
		     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (owner: %s) via iova 0x%" PRIx64
		     " in domain %u (%s: stale IOTLB entry)", who, verb, ev->xl.pa, owner,
		     ev->addr, g->domain, why);
		return;
	}
	set_verdict(ORACLE_ESCAPE);
	olog(true, LOGLEVEL_ERR,
	     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (owner: %s) via iova 0x%" PRIx64
	     " in domain %u (%s)", who, verb, ev->xl.pa, owner, ev->addr, g->domain, why);
}

/*
 * Bypass (or no IOMMU on the path) is "unisolated" only where the kernel
 * chose it: an identity domain, or a device in no group. A device whose
 * group is on a translating or blocking domain that reaches memory
 * untranslated (its stream-map entry dropped or never written) escaped.
 */
static bool judge_bypass_escape(const struct hw_dma_event *ev, const struct odevice *dev)
{
	const struct ogroup *g;
	char owner[48];

	if (!dev || dev->group < 0 || (size_t)dev->group >= O.nr_groups)
		return false;
	g = &O.groups[dev->group];
	if (!g->used || g->type == IOMMU_DOMAIN_IDENTITY)
		return false;
	oracle_frame_owner(ev->xl.pa, owner, sizeof(owner));
	O.c.escapes++;
	set_verdict(ORACLE_ESCAPE);
	olog(true, LOGLEVEL_ERR,
	     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (owner: %s) bypassing the IOMMU while group %d"
	     " is in domain %u (%s)", master_name(ev, dev), ev->acc == HW_WRITE ? "wrote" : "read",
	     ev->xl.pa, owner, dev->group, g->domain, iommu_domain_type_name(g->type));
	return true;
}

/*
 * A DMA that reached MMIO (a peer's registers, or an MSI doorbell). Nothing
 * grants a device another device's registers or a doorbell yet (PCI
 * peer-to-peer and MSI doorbell grants come with PCI and MSI), so one that
 * got there through a translation is an escape, always logged with the
 * region it hit. Untranslated ones are judged as bypass DMA to memory.
 */
static bool judge_peer_escape(const struct hw_dma_event *ev, const struct odevice *dev)
{
	const char *what = ev->target == HW_DMA_DOORBELL ? "doorbell" : "peer";

	if (ev->xl.kind != HW_XLATE_TRANSLATED)
		return false;
	O.c.checked++;
	O.c.escapes++;
	set_verdict(ORACLE_ESCAPE);
	olog(true, LOGLEVEL_ERR,
	     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (%s %s) via iova 0x%" PRIx64
	     " (DMA to MMIO is never granted)", master_name(ev, dev),
	     ev->acc == HW_WRITE ? "wrote" : "read", ev->xl.pa, what, ev->peer ? ev->peer : "?",
	     ev->addr);
	return true;
}

static void oracle_dma(void *opaque, const struct hw_dma_event *ev)
{
	(void)opaque;
	const struct odevice *dev = ev->master ? dev_find(&ev->master->id) : NULL;
	char owner[48];

	if (ev->target != HW_DMA_MEMORY && judge_peer_escape(ev, dev))
		return;
	switch (ev->xl.kind) {
	case HW_XLATE_FAULT:
		O.c.faults++;
		set_verdict(ORACLE_FAULT);
		return;
	case HW_XLATE_DIRECT:
	case HW_XLATE_BYPASS:
		O.c.checked++;
		if (judge_bypass_escape(ev, dev))
			return;
		O.c.unisolated++;
		set_verdict(ORACLE_UNISOLATED);
		/* Bulk bypass DMA would flood the log: the first 64 pages only. */
		if (O.c.unisolated > 64)
			return;
		if (O.c.unisolated == 64) {
			olog(false, 0, "oracle: unisolated: further unisolated DMA not logged");
			return;
		}
		oracle_frame_owner(ev->xl.pa, owner, sizeof(owner));
		olog(false, 0, "oracle: unisolated: %s %s 0x%" PRIx64 " (owner: %s) (%s)",
		     master_name(ev, dev), ev->acc == HW_WRITE ? "wrote" : "read", ev->xl.pa,
		     owner, ev->xl.kind == HW_XLATE_DIRECT ? "no IOMMU" : "bypass");
		return;
	case HW_XLATE_TRANSLATED:
		O.c.checked++;
		judge_translated(ev, dev);
		return;
	}
}

/* ---- lifetime and reports ----------------------------------------------- */

static void oracle_free_state(void)
{
	for (size_t i = 0; i < O.nr_banks; i++) {
		free(O.banks[i].kind);
		free(O.banks[i].id);
	}
	free(O.banks);
	for (size_t i = 0; i < O.nr_doms; i++)
		ext_free_all(O.doms[i].root);
	free(O.doms);
	free(O.groups);
	free(O.devs);
	free(O.log);
	memset(&O, 0, sizeof(O));
}

int oracle_attach(struct machine *m)
{
	const struct hw_ram_bank *rb;
	size_t n;

	oracle_detach();
	n = hw_ram_banks(m, &rb);
	O.banks = calloc(n ? n : 1, sizeof(*O.banks));
	if (!O.banks)
		return -ENOMEM;
	O.nr_banks = n;
	for (size_t i = 0; i < n; i++) {
		O.banks[i].base_pfn = rb[i].base >> PAGE_SHIFT;
		O.banks[i].npages = rb[i].size >> PAGE_SHIFT;
		O.banks[i].kind = calloc(O.banks[i].npages ? O.banks[i].npages : 1, 1);
		O.banks[i].id = calloc(O.banks[i].npages ? O.banks[i].npages : 1, sizeof(u32));
		if (!O.banks[i].kind || !O.banks[i].id) {
			oracle_free_state();
			return -ENOMEM;
		}
	}
	O.m = m;
	O.attached = true;
	hw_set_dma_observer(m, oracle_dma, NULL);
	iommu_set_observer(&oracle_kernel_tap, NULL);
	return 0;
}

void oracle_detach(void)
{
	if (O.attached) {
		hw_set_dma_observer(O.m, NULL, NULL);
		iommu_set_observer(NULL, NULL);
	}
	oracle_free_state();
}

void oracle_get_counts(struct oracle_counts *out)
{
	*out = O.c;
}

u64 oracle_escapes(void)
{
	return O.c.escapes;
}

enum oracle_verdict oracle_last_verdict(void)
{
	return O.last;
}

const char *oracle_verdict_name(enum oracle_verdict v)
{
	static const char *const names[] = {
		[ORACLE_NONE] = "none", [ORACLE_OK] = "ok", [ORACLE_ESCAPE] = "escape",
		[ORACLE_STALE] = "stale", [ORACLE_LAZY] = "lazy",
		[ORACLE_UNISOLATED] = "unisolated", [ORACLE_FAULT] = "fault",
	};
	return (unsigned)v < ARRAY_SIZE(names) ? names[v] : "?";
}

const char *oracle_log(size_t *len)
{
	if (len)
		*len = O.log_len;
	return O.log ? O.log : "";
}

int oracle_report(char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "oracle: %" PRIu64 " DMA pages checked: %" PRIu64 " ok, %" PRIu64
			 " escapes (%" PRIu64 " stale), %" PRIu64 " lazy, %" PRIu64
			 " unisolated, %" PRIu64 " faults\n",
			 O.c.checked, O.c.ok, O.c.escapes, O.c.stale, O.c.lazy, O.c.unisolated,
			 O.c.faults);
	/* Then the escape lines only. */
	const char *p = O.log;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (!strncmp(p, "oracle: ESCAPE", 14)) {
			if (buf && (size_t)n < size)
				snprintf(buf + n, size - (size_t)n, "%.*s", (int)l, p);
			n += (int)l;
		}
		p += l;
	}
	return n;
}

void oracle_reset_counts(void)
{
	memset(&O.c, 0, sizeof(O.c));
	O.last = O.worst = ORACLE_NONE;
	O.log_len = 0;
	if (O.log)
		O.log[0] = '\0';
}
