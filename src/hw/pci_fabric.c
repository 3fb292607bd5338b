/*
 * The PCI fabric (docs/devices.md, "The PCI fabric"): how a function's
 * transaction climbs to its host bridge. Bus Master Enable at the function
 * and at every bridge; a PCIe-to-PCI bridge takes ownership (the requester
 * ID becomes its secondary bus, devfn 0); at a switch, an address in a
 * sibling downstream port's window goes peer to peer unless the ingress
 * port's ACS P2P Request Redirect sends it upstream; the host bridge may
 * intercept addresses in its windows; everything else goes to the IOMMU
 * that iommu-map names, carrying the stream ID it gives, with the DeviceID
 * msi-map gives as the sideband an MSI controller reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "pci_host.h"

static struct pci_dev *to_dev(const struct hw_dma_master *master)
{
	return container_of(master, struct pci_dev, master);
}

/* of_map_id: false when a map exists and no entry covers @rid. */
static bool map_id(const struct pci_id_maps *map, u32 rid, u32 *out, int *target)
{
	u32 masked = rid & map->mask;

	*out = rid;
	*target = -1;
	for (unsigned i = 0; i < map->n; i++) {
		const struct pci_id_map *e = &map->e[i];

		if (masked >= e->base && masked - e->base < e->len) {
			*out = masked - e->base + e->out;
			*target = e->target;
			return true;
		}
	}
	return false;
}

static struct hw_iommu *iommu_for(struct machine *m, int node)
{
	for (struct hw_iommu_entry *e = m->iommus; e; e = e->next)
		if (e->iommu->fdt_node == node)
			return e->iommu;
	return NULL;   /* not modelled (or disabled): no translation */
}

static bool own_window(const struct pci_dev *p, u64 addr)
{
	u64 base, limit;

	for (int w = PCI_WINDOW_MEM; w <= PCI_WINDOW_PREF; w++)
		if (pci_bridge_window(&p->func, w, &base, &limit) && addr >= base && addr <= limit)
			return true;
	return false;
}

static u64 page_rest(u64 addr)
{
	return PAGE_SIZE - (addr & (PAGE_SIZE - 1));
}

/* A peer's BAR below @bus claims @addr: route there, before any IOMMU. */
static int peer_route(struct pci_bus *bus, u64 addr, u16 rid, struct hw_route *out)
{
	int bar;
	struct pci_dev *t = pci_bar_claim(bus, addr, &bar);

	if (!t)
		return -EFAULT;   /* a window no BAR claims: Unsupported Request */
	const struct pci_bar_map *b = &t->bars[bar];
	*out = (struct hw_route){
		.kind = HW_ROUTE_PEER, .sid = rid, .pa = b->cpu + (addr - b->addr),
		.len = MIN(page_rest(addr), b->size - (addr - b->addr)),
	};
	return 0;
}

/*
 * At a switch's internal bus, from downstream port @in: the sibling
 * downstream port whose windows forward @addr, or NULL.
 */
static struct pci_dev *switch_peer(const struct pci_dev *in, u64 addr)
{
	const struct pci_bus *internal = in->bus;

	for (unsigned i = 0; i < 256; i++) {
		struct pci_dev *q = internal->slot[i];

		if (q && q != in && q->subordinate && pci_bridge_forwards(q, addr, 1, false))
			return q;
	}
	return NULL;
}

/*
 * Up from @d to its host bridge: 0 with *@rid the requester ID that leaves
 * the root port (or a peer route in @out, *@peer set), -EFAULT when a
 * bridge aborts it.
 */
static int climb(const struct pci_dev *d, u64 addr, u16 *rid, struct hw_route *out, bool *peer)
{
	bool redirected = false;

	*rid = pci_dev_rid(d);
	*peer = false;
	for (struct pci_bus *bus = d->bus; bus->self; bus = bus->self->bus) {
		struct pci_dev *p = bus->self, *q;

		/* A conventional bus is shared: a peer on it answers before the bridge. */
		if (bus->conventional && pci_bar_claim(bus, addr, &(int){ 0 })) {
			*peer = true;
			return peer_route(bus, addr, *rid, out);
		}
		if (!pci_func_bus_master(&p->func))
			return -EFAULT;   /* a bridge with BME clear forwards nothing upstream */
		switch (p->kind) {
		case PCI_DEV_PCI_BRIDGE:
			if (own_window(p, addr))
				return -EFAULT;
			/* The bridge takes ownership: (secondary bus, 00.0). */
			*rid = (u16)(pci_bridge_secondary_bus(&p->func) << 8);
			break;
		case PCI_DEV_SWITCH_DOWN:
			if (own_window(p, addr))
				return -EFAULT;
			q = switch_peer(p, addr);
			if (q && pci_bridge_acs_ctrl(p, PCI_ACS_RR)) {
				redirected = true;   /* P2P Request Redirect: to the root complex */
			} else if (q) {
				*peer = true;
				return peer_route(q->subordinate, addr, *rid, out);
			}
			break;
		case PCI_DEV_SWITCH_UP:
			if (!redirected && own_window(p, addr))
				return -EFAULT;
			break;
		default:
			break;   /* a root port hands everything to the host bridge */
		}
	}
	return 0;
}

static bool in_host_mem_window(const struct pci_host *h, u64 addr)
{
	for (unsigned i = 0; i < h->nr_win; i++)
		if (h->win[i].type != PCI_WIN_IO && addr >= h->win[i].pci &&
		    addr - h->win[i].pci < h->win[i].size)
			return true;
	return false;
}

/* ---- the route cache ------------------------------------------------------------- */

void pci_host_routes_changed(struct pci_host *h)
{
	if (++h->route_gen == 0)
		h->route_gen = 1;
}

void pci_host_routes_free(struct pci_host *h)
{
	free(h->spans.s);
	h->spans = (struct pci_route_spans){ 0 };
}

/* Out of memory: no cache (every address takes the full walk) until the next rebuild. */
static void spans_add(struct pci_route_spans *sp, u64 lo, u64 hi)
{
	if (sp->all)
		return;
	if (hi < lo)
		hi = ~0ull;	/* a range that wrapped: to the top */
	if (sp->n == sp->cap) {
		unsigned cap = sp->cap ? 2 * sp->cap : 16;
		struct pci_span *s = realloc(sp->s, cap * sizeof(*s));

		if (!s) {
			sp->all = true;
			return;
		}
		sp->s = s;
		sp->cap = cap;
	}
	sp->s[sp->n++] = (struct pci_span){ lo, hi };
}

static int span_cmp(const void *a, const void *b)
{
	const struct pci_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorted by start, overlapping spans merged: a binary search finds an address. */
static void spans_merge(struct pci_route_spans *sp)
{
	unsigned out = 0;

	if (!sp->n)
		return;
	qsort(sp->s, sp->n, sizeof(*sp->s), span_cmp);
	for (unsigned i = 0; i < sp->n; i++) {
		struct pci_span *last = out ? &sp->s[out - 1] : NULL;

		if (last && sp->s[i].lo <= last->hi)
			last->hi = MAX(last->hi, sp->s[i].hi);
		else
			sp->s[out++] = sp->s[i];
	}
	sp->n = out;
}

/*
 * Where on @h a transaction might not simply climb to the host bridge:
 * every memory BAR (mapped or not), bridge window and host memory window.
 * climb() and the host's interception consult nothing else that depends
 * on the address, so outside these every address of a function takes the
 * same route. A superset is harmless: it only takes the full walk.
 */
static void spans_rebuild(struct pci_host *h)
{
	struct pci_route_spans *sp = &h->spans;
	const struct pci_dev *q;
	u64 base, limit;

	sp->n = 0;
	sp->all = false;
	sp->gen = h->route_gen;
	for (unsigned i = 0; i < h->nr_win; i++)
		if (h->win[i].type != PCI_WIN_IO && h->win[i].size)
			spans_add(sp, h->win[i].pci, h->win[i].pci + h->win[i].size - 1);
	list_for_each_entry(q, &h->devs, link) {
		for (int i = 0; i <= PCI_ROM_SLOT; i++) {
			const struct pci_bar_map *b = &q->bars[i];

			if (b->size && !b->io)
				spans_add(sp, b->addr, b->addr + b->size - 1);
		}
		for (int w = PCI_WINDOW_MEM; q->subordinate && w <= PCI_WINDOW_PREF; w++)
			if (pci_bridge_window(&q->func, w, &base, &limit))
				spans_add(sp, base, limit);
	}
	spans_merge(sp);
}

/*
 * 0 when @addr is in one of the host's spans; else how many bytes from
 * @addr are in none (up to the next span, or the top of the address space
 * held to 1 GiB): the cached route holds for all of them.
 */
static u64 route_cache_covers(struct pci_host *h, u64 addr)
{
	const struct pci_route_spans *sp = &h->spans;
	unsigned lo = 0, hi;
	u64 len = 1ull << 30;

	if (sp->gen != h->route_gen)
		spans_rebuild(h);
	if (sp->all)
		return 0;
	hi = sp->n;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (addr < sp->s[mid].lo)
			hi = mid;
		else if (addr > sp->s[mid].hi)
			lo = mid + 1;
		else
			return 0;
	}
	/* s[lo] is the first span above @addr. */
	if (lo < sp->n)
		len = MIN(len, sp->s[lo].lo - addr);
	if (addr + len - 1 < addr)
		len = 0 - addr;
	return len;
}

/* The full walk: up through the bridges, the host bridge, iommu-map and msi-map. */
static int route_walk(const struct pci_dev *d, u64 addr, struct hw_route *out)
{
	const struct pci_host *h = d->host;
	bool peer;
	u16 rid;
	u32 sid, devid;
	int target, ret;

	ret = climb(d, addr, &rid, out, &peer);
	if (ret || peer)
		return ret;
	if (h->intercept_p2p && in_host_mem_window(h, addr))
		return peer_route(h->root, addr, rid, out);
	*out = (struct hw_route){ .kind = HW_ROUTE_UPSTREAM, .sid = rid, .len = page_rest(addr) };
	if (h->iommu_map.present) {
		/* An RID iommu-map does not cover gets no stream: the host bridge aborts it. */
		if (!map_id(&h->iommu_map, rid, &sid, &target))
			return -EFAULT;
		out->sid = sid;
		out->iommu = iommu_for(h->m, target);
	}
	map_id(&h->msi_map, rid, &devid, &target);
	out->msi_id = devid;
	return 0;
}

/*
 * Walking the switches for every page cost most of a DMA's time: the
 * upstream route of an address outside the host's windows is the same for
 * every such address, so it is kept per function until a config write, a
 * hot add or a removal on the host changes what it depends on (bus
 * numbers, Bus Master Enable, windows, BARs, ACS). The function's own Bus
 * Master Enable and removal are still checked on every transaction.
 */
static int pci_route(struct hw_fabric *fabric, const struct hw_dma_master *master,
		     unsigned stream, u64 addr, enum hw_access acc, struct hw_route *out)
{
	struct pci_dev *d = to_dev(master);
	struct pci_route_cache *c = &d->route;
	u64 len;
	int ret;

	(void)fabric;
	(void)stream;
	(void)acc;
	if (d->removed || !pci_func_bus_master(&d->func))
		return -EFAULT;
	if (c->gen != d->host->route_gen)
		*c = (struct pci_route_cache){ .gen = d->host->route_gen };
	/* Outside every window the route holds up to the next one: one route per DMA. */
	if (c->valid && (len = route_cache_covers(d->host, addr))) {
		*out = (struct hw_route){
			.kind = HW_ROUTE_UPSTREAM, .sid = c->sid, .iommu = c->iommu,
			.msi_id = c->msi_id, .len = len,
		};
		return 0;
	}
	ret = route_walk(d, addr, out);
	if (!ret && out->kind == HW_ROUTE_UPSTREAM && route_cache_covers(d->host, addr)) {
		c->valid = true;
		c->sid = out->sid;
		c->iommu = out->iommu;
		c->msi_id = out->msi_id;
	}
	return ret;
}

static unsigned pci_nr_streams(struct hw_fabric *fabric, const struct hw_dma_master *master)
{
	(void)fabric;
	(void)master;
	return 1;
}

/* The master lives in its struct pci_dev: the host bridge frees it. */
static void pci_release(struct hw_fabric *fabric, struct hw_dma_master *master)
{
	(void)fabric;
	(void)master;
}

const struct hw_fabric_ops pci_fabric_ops = {
	.route = pci_route,
	.nr_streams = pci_nr_streams,
	.release = pci_release,
};

void pci_dev_master_init(struct pci_dev *d)
{
	d->master.fabric = &d->host->fabric;
	d->master.name = d->name;
	d->master.id = master_id_pci(d->host->segment, pci_dev_rid(d));
	snprintf(d->name, sizeof(d->name), "%04x:%02x:%02x.%x", d->host->segment,
		 pci_bus_number(d->bus), d->devfn >> 3, d->devfn & 7);
}

/* A failed access at @addr aborted by a bridge or the host bridge: Unsupported Request. */
static void ep_dma_failed(struct pci_dev *d, u64 addr, enum hw_access acc)
{
	struct hw_route r;

	if (hw_master_route(&d->master, 0, addr, acc, &r))
		pci_func_status_set(&d->func, PCI_STATUS_REC_MASTER_ABORT);
}

/* The endpoint contract's DMA (pci_ep.h): BME, then the fabric. */
int pci_dev_ep_dma(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc)
{
	struct pci_dev *d = bus;

	if (d->removed || !pci_func_dma_begin(&d->func))
		return -EFAULT;
	if (hw_dma_stream(d->host->m, &d->master, 0, addr, buf, len, acc, NULL) == 0)
		return 0;
	ep_dma_failed(d, addr, acc);
	return -EFAULT;
}

/*
 * The endpoint contract's copy: a read then a write as pci_dev_ep_dma
 * would issue them. Bus Master Enable is checked once: the read, even of
 * a peer's registers, cannot write the function's Command register.
 */
int pci_dev_ep_copy(void *bus, u64 src, u64 dst, size_t len, void *bounce, bool *write_fault)
{
	struct pci_dev *d = bus;

	*write_fault = false;
	if (d->removed || !pci_func_dma_begin(&d->func))
		return -EFAULT;
	if (hw_dma_stream_copy(d->host->m, &d->master, 0, src, dst, len, bounce, NULL,
			       write_fault) == 0)
		return 0;
	ep_dma_failed(d, *write_fault ? dst : src, *write_fault ? HW_WRITE : HW_READ);
	return -EFAULT;
}

/* An MSI or MSI-X message: a 4-byte memory write through the same path. */
void pci_dev_msi_write(struct pci_dev *d, u64 addr, u32 data)
{
	if (d->removed)
		return;
	hw_dma_stream(d->host->m, &d->master, 0, addr, &data, sizeof(data), HW_WRITE, NULL);
}
