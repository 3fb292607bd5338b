/*
 * Bus masters and the DMA path: master -> fabric -> IOMMU -> system bus
 * (machine.h). A DMA is routed, translated and decoded page by page
 * before a single byte moves, so a DMA that faults anywhere changes
 * nothing. Stream IDs come from the master's fabric, never from the
 * caller: a caller names one of the master's own streams by index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_internal.h"

void hw_master_register(struct machine *m, struct hw_dma_master *d)
{
	list_add_tail(&d->link, &m->masters);
}

int hw_masters_resolve(struct machine *m)
{
	struct hw_dma_master *d;

	list_for_each_entry(d, &m->masters, link)
		if (d->fabric->ops->resolve)
			d->fabric->ops->resolve(d->fabric, d);
	return 0;
}

void hw_masters_fini(struct machine *m)
{
	struct hw_dma_master *d, *n;

	list_for_each_entry_safe(d, n, &m->masters, link) {
		list_del(&d->link);
		if (d->fabric->ops->release)
			d->fabric->ops->release(d->fabric, d);
		else
			free(d);
	}
}

struct hw_dma_master *hw_master_by_id(struct machine *m, const struct master_id *id)
{
	struct hw_dma_master *d;

	if (!m || !id)
		return NULL;
	list_for_each_entry(d, &m->masters, link)
		if (master_id_equal(&d->id, id))
			return d;
	return NULL;
}

struct hw_dma_master *hw_master_by_name(struct machine *m, const char *name)
{
	struct hw_dma_master *d;

	if (!m || !name)
		return NULL;
	list_for_each_entry(d, &m->masters, link)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

unsigned hw_master_nr_streams(const struct hw_dma_master *d)
{
	return d ? d->fabric->ops->nr_streams(d->fabric, d) : 0;
}

int hw_master_route(struct hw_dma_master *d, unsigned stream, u64 addr, enum hw_access acc,
		    struct hw_route *out)
{
	if (!d || !out || stream >= hw_master_nr_streams(d))
		return -EINVAL;
	return d->fabric->ops->route(d->fabric, d, stream, addr, acc, out);
}

void hw_iommu_register(struct machine *m, struct hw_iommu *iommu)
{
	struct hw_iommu_entry *e;

	if (!iommu || !iommu->ops || !iommu->ops->translate)
		return;
	e = malloc(sizeof(*e));
	if (!e)
		return;
	e->iommu = iommu;
	e->next = m->iommus;
	m->iommus = e;
	/* Models created after the first resolve (hot add) still get routed. */
	hw_masters_resolve(m);
}

void hw_set_dma_observer(struct machine *m, hw_dma_observer_fn fn, void *opaque)
{
	m->dma_observer = fn;
	m->dma_observer_opaque = opaque;
}

/* One piece of a DMA: at most a page, never crossing a page on either side. */
struct seg {
	u64 addr, pa, len;
	u32 sid;
	u32 msi_id;          /* the DeviceID a doorbell sees */
	struct hw_xlate xl;
	enum hw_dma_target target;
};

static void observe(struct machine *m, struct hw_dma_master *d, const struct seg *s,
		    enum hw_access acc)
{
	if (!m->dma_observer)
		return;
	struct hw_dma_event ev = {
		.master = d, .sid = s->sid, .addr = s->addr, .len = s->len, .acc = acc,
		.xl = s->xl, .target = s->target,
	};
	if (s->target != HW_DMA_MEMORY) {
		const struct hw_mmio_region *r = hw_mmio_find(m, s->pa);
		ev.peer = r ? r->name : "?";
	}
	m->dma_observer(m->dma_observer_opaque, &ev);
}

/* The fabric's route for the transaction, cached while it holds. */
struct route_cache {
	bool valid;
	u64 base;            /* the issued address the route was asked for */
	struct hw_route r;
};

static int route(struct hw_dma_master *d, unsigned stream, u64 addr, enum hw_access acc,
		 struct route_cache *rc)
{
	if (rc->valid && addr >= rc->base && addr - rc->base < rc->r.len)
		return 0;
	rc->valid = false;
	int ret = d->fabric->ops->route(d->fabric, d, stream, addr, acc, &rc->r);
	if (ret)
		return ret;
	if (rc->r.len == 0)
		return -EFAULT;
	rc->base = addr;
	rc->valid = true;
	return 0;
}

/* The output address @pa (for @len bytes) on the system bus: RAM, a peer, or nothing. */
static int decode(struct machine *m, struct seg *s)
{
	if (likely(hw_mem_is_ram(m, s->pa, s->len))) {
		s->target = HW_DMA_MEMORY;
		return 0;
	}
	const struct hw_mmio_region *r = hw_mmio_find(m, s->pa);
	if (!r)
		return -EFAULT;   /* a bus error: nothing decodes it */
	/* The rest of the page beyond the region is another piece. */
	s->len = MIN(s->len, r->base + r->size - s->pa);
	s->target = r->doorbell ? HW_DMA_DOORBELL : HW_DMA_PEER;
	return 0;
}

static void fault_seg(struct seg *s, u64 addr, u64 len)
{
	s->xl.kind = HW_XLATE_FAULT;
	s->addr = addr;
	s->len = len;
	s->target = HW_DMA_MEMORY;
}

/* Routes, translates and decodes the piece at @addr; on success fills @s. */
static int translate(struct machine *m, struct hw_dma_master *d, unsigned stream, u64 addr,
		     u64 left, enum hw_access acc, struct route_cache *rc, struct seg *s)
{
	u64 len = MIN(left, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
	struct hw_xlate xl = { .kind = HW_XLATE_DIRECT, .pa = addr, .len = len };

	if (route(d, stream, addr, acc, rc)) {
		memset(&s->xl, 0, sizeof(s->xl));
		s->sid = 0;
		fault_seg(s, addr, len);
		return -EFAULT;
	}
	s->sid = rc->r.sid;
	s->msi_id = rc->r.msi_id;
	len = MIN(len, rc->r.len - (addr - rc->base));
	if (rc->r.kind == HW_ROUTE_PEER) {
		xl.pa = rc->r.pa + (addr - rc->base);   /* intercepted before any IOMMU */
	} else if (rc->r.iommu) {
		struct hw_iommu *iommu = rc->r.iommu;

		memset(&xl, 0, sizeof(xl));
		int ret = iommu->ops->translate(iommu, rc->r.sid, addr, acc, &xl);
		if (ret || xl.kind == HW_XLATE_FAULT || xl.len == 0) {
			s->xl = xl;
			fault_seg(s, addr, len);
			return -EFAULT;
		}
	}
	len = MIN(len, xl.len);
	len = MIN(len, PAGE_SIZE - (xl.pa & (PAGE_SIZE - 1)));
	s->addr = addr;
	s->pa = xl.pa;
	s->len = len;
	s->xl = xl;
	if (decode(m, s)) {
		s->xl.kind = HW_XLATE_FAULT;
		s->target = HW_DMA_MEMORY;
		return -EFAULT;
	}
	return 0;
}

/*
 * A piece that reached MMIO: naturally aligned accesses of up to 8 bytes.
 * Writes to a doorbell go to its controller with the DeviceID.
 */
static void peer_access(struct machine *m, const struct seg *s, char *p, enum hw_access acc)
{
	u64 pa = s->pa, len = s->len;
	struct hw_mmio_region *r = s->target == HW_DMA_DOORBELL ? hw_mmio_find(m, pa) : NULL;

	while (len) {
		unsigned size = 8;
		u64 v = 0;

		while (size > len || (pa & (size - 1)))
			size >>= 1;
		/* Little-endian, as the bus and every model are. */
		if (acc == HW_WRITE) {
			memcpy(&v, p, size);
			if (r && r->doorbell_write)
				r->doorbell_write(r->opaque, s->msi_id, pa - r->base, v, size);
			else
				hw_mmio_write(m, pa, size, v);
		} else {
			hw_mmio_read(m, pa, size, &v);
			memcpy(p, &v, size);
		}
		pa += size;
		p += size;
		len -= size;
	}
}

static int move(struct machine *m, const struct seg *s, char *p, enum hw_access acc)
{
	if (s->target != HW_DMA_MEMORY) {
		peer_access(m, s, p, acc);
		return 0;
	}
	char *host = hw_frame(m, s->pa);
	if (!host)
		return -ENOMEM;
	if (acc == HW_WRITE)
		memcpy(host, p, s->len);
	else
		memcpy(p, host, s->len);
	return 0;
}

/*
 * The piece list of a long DMA, kept by the machine from one transfer to the
 * next so that a transfer over 8 pages allocates nothing. A DMA started while
 * another is moving its bytes (a peer write that makes a device start one)
 * finds it busy and allocates its own.
 */
struct hw_dma_scratch {
	struct seg *segs;
	size_t cap;
	bool busy;
};

static void scratch_free(void *arg)
{
	struct hw_dma_scratch *sc = arg;

	free(sc->segs);
	free(sc);
}

static struct hw_dma_scratch *scratch_get(struct machine *m)
{
	if (m->dma_scratch)
		return m->dma_scratch->busy ? NULL : m->dma_scratch;
	struct hw_dma_scratch *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	if (hw_on_destroy(m, scratch_free, sc)) {
		free(sc);
		return NULL;
	}
	m->dma_scratch = sc;
	return sc;
}

/* Room for more pieces than @cap, with the @nseg in @segs kept: 0 or -ENOMEM. */
static int segs_grow(struct machine *m, struct seg **segs, size_t *cap, size_t nseg,
		     struct seg *stack_segs, struct hw_dma_scratch **sc)
{
	size_t ncap = *cap * 4;
	struct seg *v;

	if (*segs == stack_segs && !*sc) {
		*sc = scratch_get(m);
		if (*sc && (*sc)->cap > *cap) {
			(*sc)->busy = true;
			memcpy((*sc)->segs, stack_segs, nseg * sizeof(*v));
			*segs = (*sc)->segs;
			*cap = (*sc)->cap;
			return 0;
		}
		if (*sc)
			(*sc)->busy = true;
	}
	if (*sc && *segs == stack_segs) {
		v = realloc((*sc)->segs, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, stack_segs, nseg * sizeof(*v));
	} else if (*segs == stack_segs) {
		v = malloc(ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, stack_segs, nseg * sizeof(*v));
	} else {
		v = realloc(*segs, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	if (*sc) {
		(*sc)->segs = v;
		(*sc)->cap = ncap;
	}
	*segs = v;
	*cap = ncap;
	return 0;
}

int hw_dma_stream(struct machine *m, struct hw_dma_master *master, unsigned stream, u64 addr,
		  void *buf, size_t len, enum hw_access acc, u64 *fault_addr)
{
	struct seg stack_segs[8], *segs = stack_segs;
	size_t nseg = 0, cap = ARRAY_SIZE(stack_segs);
	struct hw_dma_scratch *sc = NULL;
	struct route_cache rc = { .valid = false };
	int ret = 0;

	if (!m || !master || (!buf && len) || (acc != HW_READ && acc != HW_WRITE) ||
	    stream >= hw_master_nr_streams(master))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (addr + len - 1 < addr) {
		if (fault_addr)
			*fault_addr = addr;
		return -EFAULT;
	}
	for (u64 a = addr, left = len; left;) {
		if (nseg == cap) {
			ret = segs_grow(m, &segs, &cap, nseg, stack_segs, &sc);
			if (ret)
				goto out;
		}
		struct seg *s = &segs[nseg];
		ret = translate(m, master, stream, a, left, acc, &rc, s);
		if (ret) {
			if (fault_addr)
				*fault_addr = a;
			observe(m, master, s, acc);
			goto out;
		}
		nseg++;
		a += s->len;
		left -= s->len;
	}
	/* Every piece translated and decoded: now move the bytes. */
	char *p = buf;
	for (size_t i = 0; i < nseg; i++) {
		ret = move(m, &segs[i], p, acc);
		if (ret)
			goto out;
		p += segs[i].len;
		observe(m, master, &segs[i], acc);
	}
out:
	if (sc)
		sc->busy = false;
	else if (segs != stack_segs)
		free(segs);
	return ret;
}

int hw_dma(struct machine *m, struct hw_dma_master *master, u64 addr, void *buf, size_t len,
	   enum hw_access acc)
{
	return hw_dma_stream(m, master, 0, addr, buf, len, acc, NULL);
}
