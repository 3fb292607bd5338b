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
	m->dma_run_observer = NULL;
}

void hw_set_dma_run_observer(struct machine *m, hw_dma_run_observer_fn fn)
{
	m->dma_run_observer = fn;
}

/*
 * One piece of a DMA: at most a page, never crossing a page on either
 * side; or (the fast lane's) a run of @pages such pieces, each a whole page
 * but the first and the last, that follow each other in bus address,
 * output address and host memory, translated alike (run_xlate()).
 */
struct seg {
	u64 addr, pa, len;
	u32 sid;
	u32 msi_id;          /* the DeviceID a doorbell sees */
	u32 pages;           /* pieces in the run: 1 for a lone piece */
	struct hw_xlate xl;  /* a run: its first piece's */
	enum hw_dma_target target;
	char *host;          /* MEMORY: the bytes at pa, found when decoded */
};

/*
 * The translation of a run's piece @off bytes in (@off > 0, a page start):
 * within the first piece's leaf what is left of it, past it a leaf of one
 * page (the only runs the fast lane forms, run_extends()).
 */
static void run_xlate(const struct seg *s, u64 off, struct hw_xlate *xl)
{
	*xl = s->xl;
	xl->pa += off;
	xl->len = s->xl.len > off ? s->xl.len - off : PAGE_SIZE;
}

static void observe_one(struct machine *m, struct hw_dma_event *ev, u64 pa)
{
	if (ev->target != HW_DMA_MEMORY) {
		const struct hw_mmio_region *r = hw_mmio_find(m, pa);
		ev->peer = r ? r->name : "?";
	}
	m->dma_observer(m->dma_observer_opaque, ev);
}

/*
 * A run is judged at once where the run observer can; else, as any piece,
 * its pieces one by one, each as the slow lane would have shown it.
 */
static void observe(struct machine *m, struct hw_dma_master *d, const struct seg *s,
		    enum hw_access acc)
{
	if (!m->dma_observer)
		return;
	struct hw_dma_event ev = {
		.master = d, .sid = s->sid, .addr = s->addr, .len = s->len, .acc = acc,
		.xl = s->xl, .target = s->target,
	};
	if (likely(s->pages <= 1)) {
		observe_one(m, &ev, s->pa);
		return;
	}
	if (m->dma_run_observer && m->dma_run_observer(m->dma_observer_opaque, &ev, s->pages))
		return;
	for (u64 off = 0; off < s->len; off += ev.len) {
		ev.addr = s->addr + off;
		ev.len = MIN(s->len - off, PAGE_SIZE - (ev.addr & (PAGE_SIZE - 1)));
		if (off)
			run_xlate(s, off, &ev.xl);
		observe_one(m, &ev, s->pa + off);
	}
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

/*
 * The output address @pa (for @len bytes) on the system bus: RAM, a peer,
 * or nothing, with @host its frame as hw_frame() found it (the fast lane
 * looked it up already; decode() looks it up).
 */
static int decode_frame(struct machine *m, struct seg *s, char *host)
{
	/*
	 * A piece never crosses a page: a frame behind its first byte makes it
	 * RAM (hw_frame finds none outside RAM or in a user-window hole).
	 */
	s->host = host;
	if (likely(s->host) || hw_mem_is_ram(m, s->pa, s->len)) {
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

static int decode(struct machine *m, struct seg *s)
{
	return decode_frame(m, s, hw_frame(m, s->pa));
}

static void fault_seg(struct seg *s, u64 addr, u64 len)
{
	s->pages = 1;
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
	s->pages = 1;
	s->xl = xl;
	if (decode(m, s)) {
		s->xl.kind = HW_XLATE_FAULT;
		s->target = HW_DMA_MEMORY;
		return -EFAULT;
	}
	return 0;
}

/*
 * Can the piece translated by @xl, of @len bytes, join the run @s ends
 * with (the host frame aside)? Its translation must be what run_xlate()
 * gives for it: the same kind, output address next, and the rest of the
 * first piece's leaf or a leaf of its own page.
 */
static inline bool run_extends(const struct seg *s, const struct hw_xlate *xl)
{
	u64 want = s->xl.len > s->len ? s->xl.len - s->len : PAGE_SIZE;

	return xl->kind == s->xl.kind && xl->from_tlb == s->xl.from_tlb &&
	       xl->domain_tag == s->xl.domain_tag && xl->pa == s->pa + s->len && xl->len == want;
}

/* Pages one call of the fast lane asks for: 128 KiB of a transfer. */
#define FAST_PAGES 32

/*
 * The fast lane of translate(): up to @room pieces or runs from @addr that the
 * IOMMU on the route serves from its IOTLB (hw_iommu_ops.translate_hits),
 * each routed, translated and decoded exactly as translate() would. Stops
 * before the first piece that would not be (a miss, a fault, a bus error,
 * the end of the route's range), which translate() then handles: returns
 * the number of pieces filled, 0 if none.
 */
static size_t translate_fast(struct machine *m, struct hw_dma_master *d, unsigned stream,
			     u64 addr, u64 left, enum hw_access acc, struct route_cache *rc,
			     struct seg *segs, size_t room)
{
	struct hw_xlate xl[FAST_PAGES];
	struct hw_iommu *iommu;
	struct seg *s = NULL;
	u64 span, a = addr;
	size_t n, i, nsegs = 0;

	if (route(d, stream, addr, acc, rc) || rc->r.kind != HW_ROUTE_UPSTREAM)
		return 0;
	iommu = rc->r.iommu;
	if (!iommu || !iommu->ops->translate_hits)
		return 0;
	/* The route's range and the transfer, in pages from @addr's. */
	span = MIN(left, rc->r.len - (addr - rc->base)) + (addr & (PAGE_SIZE - 1));
	n = MIN((size_t)((span + PAGE_SIZE - 1) / PAGE_SIZE), (size_t)FAST_PAGES);
	n = iommu->ops->translate_hits(iommu, rc->r.sid, addr, (unsigned)n, acc, xl);
	for (i = 0; i < n; i++) {
		u64 len = MIN(left, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		struct seg piece;
		char *host = NULL;
		bool looked;

		/* A piece cut short by its translation leaves the next one to translate(). */
		if (i && ((a & (PAGE_SIZE - 1)) || a - rc->base >= rc->r.len))
			break;
		len = MIN(len, rc->r.len - (a - rc->base));
		len = MIN(len, xl[i].len);
		len = MIN(len, PAGE_SIZE - (xl[i].pa & (PAGE_SIZE - 1)));
		looked = s && run_extends(s, &xl[i]);
		if (looked) {
			host = hw_frame(m, xl[i].pa);
			if (host == s->host + s->len) {
				s->len += len;
				s->pages++;
				a += len;
				left -= len;
				continue;
			}
		}
		piece.sid = rc->r.sid;
		piece.msi_id = rc->r.msi_id;
		piece.pages = 1;
		piece.addr = a;
		piece.pa = xl[i].pa;
		piece.len = len;
		piece.xl = xl[i];
		/* A frame found for the run above is this piece's: one lookup a page. */
		if (nsegs == room ||
		    decode_frame(m, &piece, looked ? host : hw_frame(m, piece.pa)))
			break;   /* translate() reports it */
		s = &segs[nsegs++];
		*s = piece;
		a += len;
		left -= len;
		/*
		 * A run grows from a piece of RAM with a frame that ends its page:
		 * its pieces are whole pages but the first and the last (observe()).
		 */
		if (s->target != HW_DMA_MEMORY || !s->host || ((s->addr + s->len) & (PAGE_SIZE - 1)))
			s = NULL;
	}
	return nsegs;
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

/*
 * A run after a peer's register access: what backs its pages may have
 * changed since they were decoded, so each page's frame is looked up again.
 */
static int move_run_stale(struct machine *m, struct seg *s, char *p, enum hw_access acc)
{
	for (u64 off = 0, len; off < s->len; off += len) {
		char *host = hw_frame(m, s->pa + off);

		len = MIN(s->len - off, PAGE_SIZE - ((s->addr + off) & (PAGE_SIZE - 1)));
		if (!host)
			return -ENOMEM;
		if (acc == HW_WRITE)
			memcpy(host, p + off, len);
		else
			memcpy(p + off, host, len);
	}
	return 0;
}

/*
 * Moves the bytes of @segs[0..@n) from or to @p: for RAM, one memcpy per
 * run of pieces whose host bytes follow each other. A peer's register
 * access can change what backs the following pieces, so after one their
 * frames are looked up again (@stale). Returns the pieces moved, each
 * observed after its bytes, or -errno.
 */
static int move(struct machine *m, struct hw_dma_master *d, struct seg *segs, size_t n,
		char *p, enum hw_access acc)
{
	bool stale = false;

	for (size_t i = 0; i < n;) {
		struct seg *s = &segs[i];

		if (s->target != HW_DMA_MEMORY) {
			peer_access(m, s, p, acc);
			observe(m, d, s, acc);
			stale = true;
			p += s->len;
			i++;
			continue;
		}
		if (unlikely(stale && s->pages > 1)) {
			int ret = move_run_stale(m, s, p, acc);

			if (ret)
				return ret;
			observe(m, d, s, acc);
			p += s->len;
			i++;
			continue;
		}
		if (unlikely(stale || !s->host))
			s->host = hw_frame(m, s->pa);
		if (!s->host)
			return -ENOMEM;
		size_t j = i + 1;
		u64 len = s->len;
		/* Only pieces found before any register access can join the run. */
		while (!stale && j < n && segs[j].target == HW_DMA_MEMORY &&
		       segs[j].host == s->host + len) {
			len += segs[j].len;
			j++;
		}
		if (acc == HW_WRITE)
			memcpy(s->host, p, len);
		else
			memcpy(p, s->host, len);
		p += len;
		for (; i < j; i++)
			observe(m, d, &segs[i], acc);
	}
	return 0;
}

/*
 * The piece lists of long DMAs, kept by the machine from one transfer to
 * the next so that a transfer over 8 pages allocates nothing: two, for a
 * device copy's source and destination. A DMA started while others move
 * their bytes (a peer write that makes a device start one) finds them busy
 * and allocates its own.
 */
struct scratch_slot {
	struct seg *segs;
	size_t cap;
	bool busy;
};

struct hw_dma_scratch {
	struct scratch_slot slot[2];
};

static void scratch_free(void *arg)
{
	struct hw_dma_scratch *sc = arg;

	for (size_t i = 0; i < ARRAY_SIZE(sc->slot); i++)
		free(sc->slot[i].segs);
	free(sc);
}

static struct scratch_slot *scratch_get(struct machine *m)
{
	if (!m->dma_scratch) {
		struct hw_dma_scratch *sc = calloc(1, sizeof(*sc));

		if (!sc)
			return NULL;
		if (hw_on_destroy(m, scratch_free, sc)) {
			free(sc);
			return NULL;
		}
		m->dma_scratch = sc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(m->dma_scratch->slot); i++)
		if (!m->dma_scratch->slot[i].busy)
			return &m->dma_scratch->slot[i];
	return NULL;
}

/* The pieces of one transfer: on the stack, in a scratch slot or allocated. */
struct seg_list {
	struct seg stack[8];
	struct seg *segs;
	size_t n, cap;
	struct scratch_slot *sc;
};

static void list_init(struct seg_list *l)
{
	l->segs = l->stack;
	l->n = 0;
	l->cap = ARRAY_SIZE(l->stack);
	l->sc = NULL;
}

static void list_release(struct seg_list *l)
{
	if (l->sc)
		l->sc->busy = false;
	else if (l->segs != l->stack)
		free(l->segs);
}

/* Room for more pieces than @l->cap, with the @l->n in it kept: 0 or -ENOMEM. */
static int list_grow(struct machine *m, struct seg_list *l)
{
	size_t ncap = l->cap * 4;
	struct seg *v;

	if (l->segs == l->stack && !l->sc) {
		l->sc = scratch_get(m);
		if (l->sc) {
			l->sc->busy = true;
			if (l->sc->cap > l->cap) {
				memcpy(l->sc->segs, l->stack, l->n * sizeof(*v));
				l->segs = l->sc->segs;
				l->cap = l->sc->cap;
				return 0;
			}
		}
	}
	if (l->sc && l->segs == l->stack) {
		v = realloc(l->sc->segs, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, l->stack, l->n * sizeof(*v));
	} else if (l->segs == l->stack) {
		v = malloc(ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, l->stack, l->n * sizeof(*v));
	} else {
		v = realloc(l->segs, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	if (l->sc) {
		l->sc->segs = v;
		l->sc->cap = ncap;
	}
	l->segs = v;
	l->cap = ncap;
	return 0;
}

static int check_args(struct hw_dma_master *master, unsigned stream, enum hw_access acc)
{
	if (!master || (acc != HW_READ && acc != HW_WRITE) ||
	    stream >= hw_master_nr_streams(master))
		return -EINVAL;
	return 0;
}

/*
 * Routes, translates and decodes every piece of [@addr, +@len) into @l. A
 * piece that faults is observed and ends it: -EFAULT with *@fault_addr.
 */
static int translate_all(struct machine *m, struct hw_dma_master *master, unsigned stream,
			 u64 addr, size_t len, enum hw_access acc, struct seg_list *l,
			 u64 *fault_addr)
{
	struct route_cache rc = { .valid = false };
	int ret;

	if (addr + len - 1 < addr) {
		if (fault_addr)
			*fault_addr = addr;
		return -EFAULT;
	}
	for (u64 a = addr, left = len; left;) {
		if (l->n == l->cap) {
			ret = list_grow(m, l);
			if (ret)
				return ret;
		}
		struct seg *s = &l->segs[l->n];
		size_t k = 0;

		/* The fast lane pays off from the second page on. */
		if (left > PAGE_SIZE - (a & (PAGE_SIZE - 1)))
			k = translate_fast(m, master, stream, a, left, acc, &rc, s, l->cap - l->n);

		if (k) {
			for (size_t i = 0; i < k; i++) {
				a += s[i].len;
				left -= s[i].len;
			}
			l->n += k;
			continue;
		}
		ret = translate(m, master, stream, a, left, acc, &rc, s);
		if (ret) {
			if (fault_addr)
				*fault_addr = a;
			observe(m, master, s, acc);
			return ret;
		}
		l->n++;
		a += s->len;
		left -= s->len;
	}
	return 0;
}

int hw_dma_stream(struct machine *m, struct hw_dma_master *master, unsigned stream, u64 addr,
		  void *buf, size_t len, enum hw_access acc, u64 *fault_addr)
{
	struct seg_list l;
	int ret;

	if (!m || (!buf && len) || check_args(master, stream, acc))
		return -EINVAL;
	if (len == 0)
		return 0;
	list_init(&l);
	ret = translate_all(m, master, stream, addr, len, acc, &l, fault_addr);
	/* Every piece translated and decoded: now move the bytes. */
	if (!ret)
		ret = move(m, master, l.segs, l.n, buf, acc);
	list_release(&l);
	return ret;
}

/* The host bytes of @l if they are one run of RAM, else NULL. */
static char *one_host_run(struct machine *m, struct seg_list *l)
{
	char *host = NULL;
	u64 len = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct seg *s = &l->segs[i];

		if (s->target != HW_DMA_MEMORY)
			return NULL;
		if (!s->host)
			s->host = hw_frame(m, s->pa);
		if (!s->host || (i && s->host != host + len))
			return NULL;
		if (!i)
			host = s->host;
		len += s->len;
	}
	return host;
}

static void observe_all(struct machine *m, struct hw_dma_master *d, struct seg_list *l,
			enum hw_access acc)
{
	for (size_t i = 0; i < l->n; i++)
		observe(m, d, &l->segs[i], acc);
}

int hw_dma_stream_copy(struct machine *m, struct hw_dma_master *master, unsigned stream,
		       u64 src, u64 dst, size_t len, void *bounce, u64 *fault_addr,
		       bool *write_fault)
{
	struct seg_list from, to;
	char *sh, *dh;
	int ret;

	if (!m || (!bounce && len) || !write_fault || check_args(master, stream, HW_READ))
		return -EINVAL;
	*write_fault = false;
	if (len == 0)
		return 0;
	list_init(&from);
	list_init(&to);
	ret = translate_all(m, master, stream, src, len, HW_READ, &from, fault_addr);
	if (ret)
		goto out;
	sh = one_host_run(m, &from);
	if (!sh) {
		/*
		 * A peer's registers are read in the read's place, before the
		 * destination is translated; scattered frames go through @bounce.
		 */
		ret = move(m, master, from.segs, from.n, bounce, HW_READ);
		if (!ret) {
			*write_fault = true;
			ret = hw_dma_stream(m, master, stream, dst, bounce, len, HW_WRITE,
					    fault_addr);
		}
		goto out;
	}
	/*
	 * Reading RAM has no effect a translation could see: the read is
	 * observed where it would have happened, its bytes move with the
	 * write's, straight from source to destination.
	 */
	observe_all(m, master, &from, HW_READ);
	*write_fault = true;
	ret = translate_all(m, master, stream, dst, len, HW_WRITE, &to, fault_addr);
	if (ret)
		goto out;
	dh = one_host_run(m, &to);
	if (dh) {
		/* The bytes the read took, also where the two runs overlap. */
		memmove(dh, sh, len);
		observe_all(m, master, &to, HW_WRITE);
	} else {
		memcpy(bounce, sh, len);
		ret = move(m, master, to.segs, to.n, bounce, HW_WRITE);
	}
out:
	list_release(&from);
	list_release(&to);
	return ret;
}

int hw_dma(struct machine *m, struct hw_dma_master *master, u64 addr, void *buf, size_t len,
	   enum hw_access acc)
{
	return hw_dma_stream(m, master, 0, addr, buf, len, acc, NULL);
}
