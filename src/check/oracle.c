// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DMA isolation oracle (see oracle.h for the verdicts).
 *
 * State, all rebuilt from the kernel's notifications (kernel/iommu/observer.h):
 * - frame owners: per RAM bank, one byte of owner kind and a u32 id per frame;
 * - grants: per grantee (a group, a VFIO container, a domain), what the
 *   granting layers (DMA API, VFIO, firmware's direct regions) let it
 *   reach, never what the page tables say;
 * - groups: the current domain (id and type) and VFIO container of each
 *   group id;
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

/* The user-memory window (hw_user_window): owners per 2 MiB chunk, made on first use. */
#define OUSER_CHUNK 512
struct ouser_chunk {
	u8 kind[OUSER_CHUNK];
	u32 id[OUSER_CHUNK];
};

struct ouser {
	u64 base_pfn, npages;
	struct ouser_chunk **chunks;
	u64 nr_chunks;		/* of them allocated */
};

struct ogroup {
	bool used;
	u32 domain;
	unsigned type;
	u32 container;   /* the VFIO container it is in, 0: none */
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
	struct ouser user;
	struct ograntee *grantees;
	size_t nr_grantees, cap_grantees;
	u32 seed;
	struct ogroup *groups;
	size_t nr_groups;
	struct odevice *devs;
	size_t nr_devs, cap_devs;
	struct oracle_counts c;
	enum oracle_verdict last, worst;
	/*
	 * Bumped by every change to grants, groups or devices: what the memo
	 * below remembers holds while it is unchanged.
	 */
	u64 gen;
	/*
	 * The last DMA's judgement, for the next page of the same transfer:
	 * the device found for a master ID, and the page range a grant lets
	 * that device reach in one direction.
	 */
	struct {
		bool dev_valid, grant_valid;
		u64 dev_gen, grant_gen;
		struct master_id id;
		const struct odevice *dev, *grant_dev;
		int dir;
		u64 lo, hi;   /* granted: [lo, hi) */
	} memo;
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

/* The owner slots of the frame at @pa: in a RAM bank or the user window (@alloc: make them). */
static bool frame_slots(u64 pa, bool alloc, u8 **kind, u32 **id)
{
	u64 idx, pfn = pa >> PAGE_SHIFT;
	struct obank *b = bank_of(pa, &idx);

	if (b) {
		*kind = &b->kind[idx];
		*id = &b->id[idx];
		return true;
	}
	struct ouser *u = &O.user;
	if (!u->chunks || pfn - u->base_pfn >= u->npages)
		return false;
	/* A window frame never lent is no memory (machine.h). */
	if (!alloc && !hw_mem_is_ram(O.m, pa, 0))
		return false;
	idx = pfn - u->base_pfn;
	struct ouser_chunk **c = &u->chunks[idx / OUSER_CHUNK];
	if (!*c && alloc && (*c = calloc(1, sizeof(**c))))
		u->nr_chunks++;
	static u8 free_kind = KOBS_FREE;
	static u32 no_id;
	if (!*c) {
		/* A lent frame never told of is free. */
		free_kind = KOBS_FREE;
		no_id = 0;
		*kind = &free_kind;
		*id = &no_id;
		return !alloc;
	}
	*kind = &(*c)->kind[idx % OUSER_CHUNK];
	*id = &(*c)->id[idx % OUSER_CHUNK];
	return true;
}

static void obs_frames(void *opaque, u64 pa, u64 len, enum kobs_owner owner, u32 id)
{
	(void)opaque;
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u8 *k;
		u32 *i;

		if (!frame_slots(pa + off, true, &k, &i))
			continue;
		*k = (u8)owner;
		*i = id;
	}
}

const char *oracle_frame_owner(u64 pa, char *buf, size_t size)
{
	u8 *kind;
	u32 *id;

	if (!frame_slots(pa, false, &kind, &id)) {
		snprintf(buf, size, "not RAM");
		return buf;
	}
	switch ((enum kobs_owner)*kind) {
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
		snprintf(buf, size, "vfio container %u", *id);
		break;
	default:
		snprintf(buf, size, "unknown");
	}
	return buf;
}

/* ---- treaps ------------------------------------------------------------ */

/*
 * Grants live in treaps (random priorities, split/merge), so that grants,
 * revokes and lookups stay O(log n) with 65,535 VFIO mappings in any
 * order. A node is the first member of its record; priorities come from a
 * generator reset at every attach, so labs in one process build the same
 * trees.
 */
struct tnode {
	u64 key;
	u32 prio;
	struct tnode *l, *r;
};

static u32 t_rand(void)
{
	if (!O.seed)
		O.seed = 2463534242u;
	O.seed ^= O.seed << 13;
	O.seed ^= O.seed >> 17;
	O.seed ^= O.seed << 5;
	return O.seed;
}

static void t_free(struct tnode *t)
{
	while (t) {
		struct tnode *r = t->r;
		t_free(t->l);
		free(t);
		t = r;
	}
}

/* Splits @t into keys < @key (*a) and keys >= @key (*b). */
static void t_split(struct tnode *t, u64 key, struct tnode **a, struct tnode **b)
{
	if (!t) {
		*a = *b = NULL;
	} else if (t->key < key) {
		t_split(t->r, key, &t->r, b);
		*a = t;
	} else {
		t_split(t->l, key, a, &t->l);
		*b = t;
	}
}

/* Every key of @a is below or equal to every key of @b. */
static struct tnode *t_merge(struct tnode *a, struct tnode *b)
{
	if (!a || !b)
		return a ? a : b;
	if (a->prio > b->prio) {
		a->r = t_merge(a->r, b);
		return a;
	}
	b->l = t_merge(a, b->l);
	return b;
}

/* The node with the greatest key below or at @key, or NULL. */
static struct tnode *t_floor(struct tnode *t, u64 key)
{
	struct tnode *best = NULL;

	while (t) {
		if (t->key <= key) {
			best = t;
			t = t->r;
		} else {
			t = t->l;
		}
	}
	return best;
}

static void t_insert(struct tnode **root, struct tnode *n)
{
	struct tnode *a, *b;

	n->prio = t_rand();
	n->l = n->r = NULL;
	t_split(*root, n->key, &a, &b);
	*root = t_merge(t_merge(a, n), b);
}

/* Takes every node keyed @key out of @root, as a treap of its own. */
static struct tnode *t_take(struct tnode **root, u64 key)
{
	struct tnode *a, *m, *b = NULL;

	t_split(*root, key, &a, &m);
	if (key != UINT64_MAX)
		t_split(m, key + 1, &m, &b);
	*root = t_merge(a, b);
	return m;
}

/* ---- grants ------------------------------------------------------------- */

/* One grant as the granting layer made it (key: its handle). */
struct grant {
	struct tnode n;
	u64 pa, len;
	int prot;
};

/*
 * What a grantee's grants cover: disjoint page ranges (key: the first
 * byte), each with how many grants let the device read and write it, so
 * that overlapping grants (two buffers in one page) end one at a time.
 */
struct cover {
	struct tnode n;
	u64 len;
	u32 nr[2];   /* [0] read, [1] write */
};

struct ograntee {
	struct kobs_grantee who;
	struct tnode *grants, *cover;
};

static struct ograntee *grantee_find(struct kobs_grantee who)
{
	for (size_t i = 0; i < O.nr_grantees; i++)
		if (O.grantees[i].who.kind == who.kind && O.grantees[i].who.id == who.id)
			return &O.grantees[i];
	return NULL;
}

static struct ograntee *grantee_get(struct kobs_grantee who)
{
	struct ograntee *g = grantee_find(who);

	if (g)
		return g;
	if (O.nr_grantees == O.cap_grantees) {
		size_t cap = O.cap_grantees ? O.cap_grantees * 2 : 16;
		struct ograntee *n = realloc(O.grantees, cap * sizeof(*n));
		if (!n)
			return NULL;
		O.grantees = n;
		O.cap_grantees = cap;
	}
	g = &O.grantees[O.nr_grantees++];
	*g = (struct ograntee){ .who = who };
	return g;
}

static void grantee_drop(struct kobs_grantee who)
{
	struct ograntee *g = grantee_find(who);

	if (!g)
		return;
	t_free(g->grants);
	t_free(g->cover);
	*g = O.grantees[--O.nr_grantees];
}

static struct cover *cover_new(u64 start, u64 len, const u32 nr[2])
{
	struct cover *c = calloc(1, sizeof(*c));

	if (c) {
		c->n.key = start;
		c->len = len;
		c->nr[0] = nr[0];
		c->nr[1] = nr[1];
	}
	return c;
}

/* Makes @at a boundary: no range runs across it. */
static void cover_cut(struct tnode **root, u64 at)
{
	struct cover *c = (struct cover *)t_floor(*root, at);

	if (!c || c->n.key == at || c->n.key + c->len <= at)
		return;
	struct cover *tail = cover_new(at, c->n.key + c->len - at, c->nr);
	if (!tail)
		return;
	c->len = at - c->n.key;
	t_insert(root, &tail->n);
}

struct cover_walk {
	u64 at;              /* the next byte not yet walked */
	int delta;           /* +1 grant, -1 revoke */
	u32 add[2];          /* per direction: 1 if the grant covers it */
	struct tnode *out;   /* the walked ranges, rebuilt in order */
};

static void walk_append(struct cover_walk *w, struct cover *c)
{
	for (int i = 0; i < 2; i++) {
		if (w->delta > 0)
			c->nr[i] += w->add[i];
		else
			c->nr[i] -= MIN(c->nr[i], w->add[i]);
	}
	if (!c->nr[0] && !c->nr[1]) {
		free(c);
		return;
	}
	c->n.prio = t_rand();
	c->n.l = c->n.r = NULL;
	w->out = t_merge(w->out, &c->n);
}

/* Before each range, a new one for the gap (a grant only), then the range itself. */
static void walk_gap(struct cover_walk *w, u64 to)
{
	static const u32 none[2];
	struct cover *gap;

	if (w->delta > 0 && to > w->at && (gap = cover_new(w->at, to - w->at, none)))
		walk_append(w, gap);
}

static void cover_walk(struct cover_walk *w, struct tnode *t)
{
	if (!t)
		return;
	struct tnode *l = t->l, *r = t->r;
	struct cover *c = (struct cover *)t;

	cover_walk(w, l);
	walk_gap(w, c->n.key);
	w->at = c->n.key + c->len;
	walk_append(w, c);
	cover_walk(w, r);
}

/* Adds (@delta +1) or takes away (-1) one grant of [start, end) as @prot. */
static void cover_add(struct tnode **root, u64 start, u64 end, int prot, int delta)
{
	struct cover_walk w = { .at = start, .delta = delta,
				.add = { !!(prot & IOMMU_READ), !!(prot & IOMMU_WRITE) } };
	struct tnode *a, *m, *b;

	cover_cut(root, start);
	cover_cut(root, end);
	t_split(*root, start, &a, &m);
	t_split(m, end, &m, &b);
	cover_walk(&w, m);
	walk_gap(&w, end);
	*root = t_merge(t_merge(a, w.out), b);
}

/* Does @g's cover let it reach @pa for @dir; if so, [*lo, *hi) all of it does. */
static bool cover_allows(const struct ograntee *g, u64 pa, int dir, u64 *lo, u64 *hi)
{
	const struct cover *c = g ? (const struct cover *)t_floor(g->cover, pa) : NULL;

	if (!c || pa - c->n.key >= c->len || !c->nr[dir])
		return false;
	*lo = c->n.key;
	*hi = c->n.key + c->len;
	return true;
}

static void obs_grant(void *opaque, struct kobs_grantee who, u64 handle, u64 pa, u64 len,
		      int prot)
{
	u64 start = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + len, PAGE_SIZE);
	struct ograntee *g;
	struct grant *gr;

	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
	prot &= IOMMU_READ | IOMMU_WRITE;
	if (!len || !prot || end <= start || !(g = grantee_get(who)))
		return;
	gr = calloc(1, sizeof(*gr));
	if (!gr)
		return;
	*gr = (struct grant){ .n.key = handle, .pa = start, .len = end - start, .prot = prot };
	t_insert(&g->grants, &gr->n);
	cover_add(&g->cover, start, end, prot, +1);
}

static void revoke_all(struct ograntee *g, struct tnode *t)
{
	while (t) {
		struct tnode *r = t->r;
		struct grant *gr = (struct grant *)t;
		revoke_all(g, t->l);
		cover_add(&g->cover, gr->pa, gr->pa + gr->len, gr->prot, -1);
		free(gr);
		t = r;
	}
}

static void obs_revoke(void *opaque, struct kobs_grantee who, u64 handle)
{
	struct ograntee *g = grantee_find(who);

	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
	if (g)
		revoke_all(g, t_take(&g->grants, handle));
}

static void obs_domain_free(void *opaque, u32 id)
{
	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
	grantee_drop(KOBS_DOMAIN(id));
}

/* ---- groups and devices ------------------------------------------------- */

static struct ogroup *group_get(int group)
{
	if (group < 0)
		return NULL;
	if ((size_t)group >= O.nr_groups) {
		size_t n = (size_t)group + 16;
		struct ogroup *g = realloc(O.groups, n * sizeof(*g));
		if (!g)
			return NULL;
		memset(g + O.nr_groups, 0, (n - O.nr_groups) * sizeof(*g));
		O.groups = g;
		O.nr_groups = n;
	}
	return &O.groups[group];
}

static void obs_group_domain(void *opaque, int group, u32 domain, unsigned type)
{
	struct ogroup *g = group_get(group);

	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
	if (!g)
		return;
	g->used = domain != 0;
	g->domain = domain;
	g->type = type;
}

static void obs_container_group(void *opaque, u32 container, int group, bool member)
{
	struct ogroup *g = group_get(group);

	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
	if (g && member)
		g->container = container;
	else if (g && g->container == container)
		g->container = 0;
}

static struct odevice *dev_find(const struct master_id *id)
{
	for (size_t i = 0; i < O.nr_devs; i++)
		if (master_id_equal(&O.devs[i].id, id))
			return &O.devs[i];
	return NULL;
}

/* dev_find() for a DMA's master, remembered while no device or group changes. */
static const struct odevice *dev_of(const struct hw_dma_master *master)
{
	if (!master)
		return NULL;
	if (O.memo.dev_valid && O.memo.dev_gen == O.gen && master_id_equal(&O.memo.id, &master->id))
		return O.memo.dev;
	const struct odevice *d = dev_find(&master->id);
	O.memo.dev_valid = true;
	O.memo.dev_gen = O.gen;
	O.memo.id = master->id;
	O.memo.dev = d;
	return d;
}

static void obs_device_group(void *opaque, const struct master_id *id, const char *name,
			     int group)
{
	(void)opaque;
	O.gen++;   /* the judgement memo no longer holds */
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
	.domain_free = obs_domain_free,
	.group_domain = obs_group_domain,
	.device_group = obs_device_group,
	.grant = obs_grant,
	.revoke = obs_revoke,
	.container_group = obs_container_group,
};

static const char *master_name(const struct hw_dma_event *ev, const struct odevice *d)
{
	if (d && d->name[0])
		return d->name;
	return ev->master && ev->master->name ? ev->master->name : "?";
}

/*
 * Did a granting layer let @g (group @gid) reach @pa for @dir (0 read,
 * 1 write) at this moment: the DMA API (a grant to the group), VFIO (to
 * the container the group is in) or its domain (direct regions)?
 */
static bool granted(const struct ogroup *g, int gid, u64 pa, int dir, u64 *lo, u64 *hi)
{
	return cover_allows(grantee_find(KOBS_GROUP(gid)), pa, dir, lo, hi) ||
	       (g->container &&
		cover_allows(grantee_find(KOBS_CONTAINER(g->container)), pa, dir, lo, hi)) ||
	       cover_allows(grantee_find(KOBS_DOMAIN(g->domain)), pa, dir, lo, hi);
}

/*
 * granted(), remembering the range of the grant that allowed it: a transfer's
 * following pages in that range need no lookup while nothing changes.
 */
static bool granted_memo(const struct odevice *dev, const struct ogroup *g, u64 pa, int dir)
{
	u64 lo, hi;

	if (O.memo.grant_valid && O.memo.grant_gen == O.gen && O.memo.grant_dev == dev &&
	    O.memo.dir == dir && pa >= O.memo.lo && pa < O.memo.hi)
		return true;
	if (!granted(g, dev->group, pa, dir, &lo, &hi))
		return false;
	O.memo.grant_valid = true;
	O.memo.grant_gen = O.gen;
	O.memo.grant_dev = dev;
	O.memo.dir = dir;
	O.memo.lo = lo;
	O.memo.hi = hi;
	return true;
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
	int dir = ev->acc == HW_WRITE;
	if (granted_memo(dev, g, ev->xl.pa, dir)) {
		O.c.ok++;
		set_verdict(ORACLE_OK);
		return;
	}
	char why[64];
	snprintf(why, sizeof(why), "not granted to group %d for %s", dev->group,
		 dir ? "write" : "read");
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
 * A doorbell write through a translation is what an MSI is: ok when
 * dma-iommu mapped that doorbell page into the domain the device's group
 * is on now (a domain grant for write, iommu_dma_prepare_msi). A read
 * through that mapping is ok too: Linux maps the page IOMMU_WRITE, but
 * LPAE stage 1 has no write-only permission, so the page reads as well,
 * and what it reaches is the controller's register, no memory.
 */
static bool doorbell_granted(const struct hw_dma_event *ev, const struct odevice *dev)
{
	const struct ogroup *g;

	if (ev->target != HW_DMA_DOORBELL || !dev || dev->group < 0 ||
	    (size_t)dev->group >= O.nr_groups || !O.groups[dev->group].used)
		return false;
	g = &O.groups[dev->group];
	u64 lo, hi;

	return cover_allows(grantee_find(KOBS_DOMAIN(g->domain)), ev->xl.pa, 1, &lo, &hi);
}

/*
 * A peer's registers through a translation are the device's when VFIO
 * granted them: type1's MAP_DMA of a region mapping grants that MMIO to
 * the container, as it grants pinned memory.
 */
static bool peer_granted(const struct hw_dma_event *ev, const struct odevice *dev)
{
	if (ev->target != HW_DMA_PEER || !dev || dev->group < 0 ||
	    (size_t)dev->group >= O.nr_groups || !O.groups[dev->group].used)
		return false;
	return granted_memo(dev, &O.groups[dev->group], ev->xl.pa, ev->acc == HW_WRITE);
}

/*
 * A DMA that reached MMIO (a peer's registers, or an MSI doorbell). A
 * peer's registers are granted by VFIO's MAP_DMA of a region mapping
 * (peer_granted); a doorbell to the domains that mapped it for MSIs.
 * One that got there through a translation without a grant is an
 * escape, always logged with the region it hit. Untranslated ones are
 * judged as bypass DMA to memory is.
 */
static bool judge_peer_escape(const struct hw_dma_event *ev, const struct odevice *dev)
{
	const char *what = ev->target == HW_DMA_DOORBELL ? "doorbell" : "peer";

	if (ev->xl.kind != HW_XLATE_TRANSLATED)
		return false;
	O.c.checked++;
	if (doorbell_granted(ev, dev) || peer_granted(ev, dev)) {
		O.c.ok++;
		set_verdict(ORACLE_OK);
		return true;
	}
	O.c.escapes++;
	set_verdict(ORACLE_ESCAPE);
	olog(true, LOGLEVEL_ERR,
	     "oracle: ESCAPE: %s %s 0x%" PRIx64 " (%s %s) via iova 0x%" PRIx64
	     " (%s)", master_name(ev, dev),
	     ev->acc == HW_WRITE ? "wrote" : "read", ev->xl.pa, what, ev->peer ? ev->peer : "?",
	     ev->addr, ev->target == HW_DMA_DOORBELL ? "doorbell not mapped for MSI in its domain"
						     : "MMIO not granted to its group");
	return true;
}

/*
 * Most pages of a transfer: translated, to memory, by the master whose last
 * page a grant allowed, inside that grant's range, with nothing changed
 * since. judge_translated() would find the group and the memo and say OK;
 * this says so without the rest of the way there.
 */
static inline bool judge_fast(const struct hw_dma_event *ev, const struct odevice *dev)
{
	if (ev->xl.kind != HW_XLATE_TRANSLATED || ev->target != HW_DMA_MEMORY ||
	    !O.memo.grant_valid || O.memo.grant_gen != O.gen || O.memo.grant_dev != dev ||
	    O.memo.dir != (ev->acc == HW_WRITE) || ev->xl.pa < O.memo.lo ||
	    ev->xl.pa >= O.memo.hi)
		return false;
	O.c.checked++;
	O.c.ok++;
	set_verdict(ORACLE_OK);
	return true;
}

static void __attribute__((noinline)) judge(const struct hw_dma_event *ev,
					    const struct odevice *dev)
{
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

/* The observer: the fast judgement inline, the rest (and its stack) out of line. */
static void oracle_dma(void *opaque, const struct hw_dma_event *ev)
{
	const struct odevice *dev = dev_of(ev->master);

	(void)opaque;
	if (likely(dev && judge_fast(ev, dev)))
		return;
	judge(ev, dev);
}

/*
 * A run of pages (hw_set_dma_run_observer): their output addresses follow
 * each other, so when the first is judge_fast()'s and the run ends inside
 * the memo's grant, each page would have been judged ok on its own.
 * Anything else is judged page by page.
 */
static bool oracle_dma_run(void *opaque, const struct hw_dma_event *ev, u32 pages)
{
	const struct odevice *dev = dev_of(ev->master);

	(void)opaque;
	if (!dev || ev->len > O.memo.hi - ev->xl.pa || !judge_fast(ev, dev))
		return false;
	O.c.checked += pages - 1;
	O.c.ok += pages - 1;
	return true;
}

/* ---- lifetime and reports ----------------------------------------------- */

static void oracle_free_state(void)
{
	for (size_t i = 0; i < O.nr_banks; i++) {
		free(O.banks[i].kind);
		free(O.banks[i].id);
	}
	free(O.banks);
	/* Up to the last allocated chunk only: the window's table is mostly empty. */
	for (u64 c = 0, left = O.user.nr_chunks; left && c < O.user.npages / OUSER_CHUNK; c++) {
		left -= O.user.chunks[c] != NULL;
		free(O.user.chunks[c]);
	}
	free(O.user.chunks);
	for (size_t i = 0; i < O.nr_grantees; i++) {
		t_free(O.grantees[i].grants);
		t_free(O.grantees[i].cover);
	}
	free(O.grantees);
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
	u64 ubase, usize;
	if (!hw_user_window(m, &ubase, &usize)) {
		O.user.base_pfn = ubase >> PAGE_SHIFT;
		O.user.npages = ALIGN_UP(usize >> PAGE_SHIFT, (u64)OUSER_CHUNK);
		O.user.chunks = calloc(O.user.npages / OUSER_CHUNK, sizeof(*O.user.chunks));
		if (!O.user.chunks) {
			oracle_free_state();
			return -ENOMEM;
		}
	}
	O.m = m;
	O.attached = true;
	hw_set_dma_observer(m, oracle_dma, NULL);
	hw_set_dma_run_observer(m, oracle_dma_run);
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
