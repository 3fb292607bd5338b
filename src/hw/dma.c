/*
 * Bus masters and the DMA path. A master's stream IDs come from its
 * `iommus` (or a legacy `mmu-masters` list naming it); a DMA is translated
 * page by page through the master's IOMMU model before a single byte
 * moves, so a DMA that faults anywhere changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_internal.h"

struct hw_master_priv {
	struct hw_dma_master pub;
	int iommu_node;   /* -1: no IOMMU in the tree for it */
	char path[256];
};

static void add_sid(struct hw_dma_master *d, u32 sid)
{
	/* More IDs than the master can hold: it issues with the first eight. */
	if (d->nr_sids < ARRAY_SIZE(d->sids))
		d->sids[d->nr_sids++] = sid;
}

/* `iommus = <&smmu id [mask]>...`: the entries for the first IOMMU listed. */
static int parse_iommus(const void *fdt, int node, struct hw_master_priv *p)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, "iommus", &len);

	if (!v)
		return -ENOENT;
	for (int i = 0; i < len / 4;) {
		u32 cells;
		int target = dt_node_by_phandle(fdt, fdt32_to_cpu(v[i]));

		if (target < 0 || dt_prop_u32(fdt, target, "#iommu-cells", &cells) ||
		    cells > (u32)(len / 4 - i - 1))
			return -EINVAL;
		if (p->iommu_node < 0)
			p->iommu_node = target;
		/* 1 cell: the ID; 2 cells: ID and SMR mask, the ID is what it issues. */
		if (target == p->iommu_node && cells >= 1)
			add_sid(&p->pub, fdt32_to_cpu(v[i + 1]));
		i += 1 + (int)cells;
	}
	return 0;
}

/* The deprecated binding: an SMMU lists <&master sid...> in `mmu-masters`. */
static int parse_mmu_masters(const void *fdt, int node, struct hw_master_priv *p)
{
	int smmu, cell, ret = dt_legacy_master(fdt, node, &smmu, &cell);

	if (ret == -ENOENT)
		return 0;
	if (!ret) {
		int len;
		const fdt32_t *v = fdt_getprop(fdt, smmu, "mmu-masters", &len);
		u32 cells;

		if (!v || dt_prop_u32(fdt, node, "#stream-id-cells", &cells) ||
		    cells > (u32)(len / 4 - cell - 1))
			return -EINVAL;
		p->iommu_node = smmu;
		for (u32 c = 0; c < cells; c++)
			add_sid(&p->pub, fdt32_to_cpu(v[cell + 1 + (int)c]));
		return 0;
	}
	/* No index: scan every SMMU's list. */
	for (int smmu = fdt_next_node(fdt, -1, NULL); smmu >= 0;
	     smmu = fdt_next_node(fdt, smmu, NULL)) {
		int len;
		const fdt32_t *v = fdt_getprop(fdt, smmu, "mmu-masters", &len);

		for (int i = 0; v && i < len / 4;) {
			u32 cells;
			int target = dt_node_by_phandle(fdt, fdt32_to_cpu(v[i]));

			if (target < 0 || dt_prop_u32(fdt, target, "#stream-id-cells", &cells) ||
			    cells > (u32)(len / 4 - i - 1))
				return -EINVAL;
			if (target == node) {
				p->iommu_node = smmu;
				for (u32 c = 0; c < cells; c++)
					add_sid(&p->pub, fdt32_to_cpu(v[i + 1 + (int)c]));
				return 0;
			}
			i += 1 + (int)cells;
		}
	}
	return 0;
}

struct hw_dma_master *hw_master_create(struct machine *m, int node, char *why, size_t whylen)
{
	struct hw_master_priv *p = calloc(1, sizeof(*p));
	const void *fdt = m->fdt;
	int ret;

	if (!p) {
		hw_why(why, whylen, "out of memory");
		return NULL;
	}
	if (dt_node_path(fdt, node, p->path, sizeof(p->path)))
		snprintf(p->path, sizeof(p->path), "%s", fdt_get_name(fdt, node, NULL));
	p->pub.name = p->path;
	p->pub.fdt_node = node;
	p->iommu_node = -1;
	ret = parse_iommus(fdt, node, p);
	if (ret == -ENOENT)
		ret = parse_mmu_masters(fdt, node, p);
	if (ret) {
		hw_why(why, whylen, "%s: bad stream ID specifier", p->path);
		free(p);
		return NULL;
	}
	list_add_tail(&p->pub.link, &m->masters);
	return &p->pub;
}

int hw_masters_resolve(struct machine *m)
{
	struct hw_dma_master *d;

	list_for_each_entry(d, &m->masters, link) {
		struct hw_master_priv *p = container_of(d, struct hw_master_priv, pub);

		/* The newest registration for the node wins (the list is newest first). */
		d->iommu = NULL;
		for (struct hw_iommu_entry *e = m->iommus; e && p->iommu_node >= 0; e = e->next) {
			if (e->iommu->fdt_node == p->iommu_node) {
				d->iommu = e->iommu;
				break;
			}
		}
	}
	return 0;
}

void hw_masters_fini(struct machine *m)
{
	struct hw_dma_master *d, *n;

	list_for_each_entry_safe(d, n, &m->masters, link) {
		list_del(&d->link);
		free(container_of(d, struct hw_master_priv, pub));
	}
}

struct hw_dma_master *hw_master_by_node(struct machine *m, int fdt_node)
{
	struct hw_dma_master *d;

	list_for_each_entry(d, &m->masters, link)
		if (d->fdt_node == fdt_node)
			return d;
	return NULL;
}

struct hw_dma_master *hw_master_by_name(struct machine *m, const char *path)
{
	struct hw_dma_master *d;

	if (!path)
		return NULL;
	list_for_each_entry(d, &m->masters, link)
		if (!strcmp(d->name, path))
			return d;
	return NULL;
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

static void observe(struct machine *m, struct hw_dma_master *d, u32 sid, u64 addr, u64 len,
		    enum hw_access acc, const struct hw_xlate *xl)
{
	if (!m->dma_observer)
		return;
	struct hw_dma_event ev = {
		.master = d, .sid = sid, .addr = addr, .len = len, .acc = acc, .xl = *xl,
	};
	m->dma_observer(m->dma_observer_opaque, &ev);
}

/* One piece of a DMA: at most a page, never crossing a page on either side. */
struct seg {
	u64 addr, pa, len;
	struct hw_xlate xl;
};

/* Translates the piece at @addr; on success fills @s. */
static int translate(struct machine *m, struct hw_dma_master *d, u32 sid, u64 addr, u64 left,
		     enum hw_access acc, struct seg *s)
{
	u64 len = MIN(left, PAGE_SIZE - (addr & (PAGE_SIZE - 1)));
	struct hw_xlate xl = { .kind = HW_XLATE_DIRECT, .pa = addr, .len = len };

	if (d->iommu) {
		memset(&xl, 0, sizeof(xl));
		int ret = d->iommu->ops->translate(d->iommu, sid, addr, acc, &xl);
		if (ret || xl.kind == HW_XLATE_FAULT || xl.len == 0) {
			xl.kind = HW_XLATE_FAULT;
			s->xl = xl;
			s->addr = addr;
			s->len = len;
			return -EFAULT;
		}
	}
	len = MIN(len, xl.len);
	len = MIN(len, PAGE_SIZE - (xl.pa & (PAGE_SIZE - 1)));
	s->addr = addr;
	s->pa = xl.pa;
	s->len = len;
	s->xl = xl;
	if (!hw_mem_is_ram(m, xl.pa, len)) {
		s->xl.kind = HW_XLATE_FAULT;   /* a bus error: nothing decodes it */
		return -EFAULT;
	}
	return 0;
}

int hw_dma_fault(struct machine *m, struct hw_dma_master *master, u32 sid, u64 addr,
		 void *buf, size_t len, enum hw_access acc, u64 *fault_addr)
{
	struct seg stack_segs[8], *segs = stack_segs;
	size_t nseg = 0, cap = ARRAY_SIZE(stack_segs);
	int ret = 0;

	if (!m || !master || (!buf && len) || (acc != HW_READ && acc != HW_WRITE))
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
			size_t ncap = cap * 4;
			struct seg *v = segs == stack_segs ? malloc(ncap * sizeof(*v))
							  : realloc(segs, ncap * sizeof(*v));
			if (!v) {
				ret = -ENOMEM;
				goto out;
			}
			if (segs == stack_segs)
				memcpy(v, stack_segs, sizeof(stack_segs));
			segs = v;
			cap = ncap;
		}
		struct seg *s = &segs[nseg];
		ret = translate(m, master, sid, a, left, acc, s);
		if (ret) {
			if (fault_addr)
				*fault_addr = a;
			observe(m, master, sid, a, s->len, acc, &s->xl);
			goto out;
		}
		nseg++;
		a += s->len;
		left -= s->len;
	}
	/* Every piece translated: now move the bytes. */
	char *p = buf;
	for (size_t i = 0; i < nseg; i++) {
		struct seg *s = &segs[i];
		char *host = hw_frame(m, s->pa);

		if (!host) {
			ret = -ENOMEM;
			goto out;
		}
		if (acc == HW_WRITE)
			memcpy(host, p, s->len);
		else
			memcpy(p, host, s->len);
		p += s->len;
		observe(m, master, sid, s->addr, s->len, acc, &s->xl);
	}
out:
	if (segs != stack_segs)
		free(segs);
	return ret;
}

int hw_dma(struct machine *m, struct hw_dma_master *master, u32 sid, u64 addr,
	   void *buf, size_t len, enum hw_access acc)
{
	return hw_dma_fault(m, master, sid, addr, buf, len, acc, NULL);
}
