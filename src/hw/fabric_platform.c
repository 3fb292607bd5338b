/*
 * The platform (AMBA/device-tree) fabric: the interconnect of masters that
 * are device-tree nodes. Its routing is fixed by the tree: a master's
 * streams are the IDs its `iommus` lists for the first IOMMU named there
 * (or a legacy `mmu-masters` list naming it), in order; stream N carries
 * the Nth ID to that IOMMU, unless a stream-ID override (Tegra's memory
 * controller) registered for a provider the master's `interconnects`
 * names gives another for the access (hw_sid_override_register). It
 * never intercepts an address: every transaction goes upstream, and the
 * system bus decodes what comes out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_internal.h"

/* A master holds at most this many IDs; it issues with the first eight. */
#define PLATFORM_MAX_SIDS 8
/* The `interconnects` entries a master's stream IDs may be overridden by. */
#define PLATFORM_MAX_ICC 8

struct platform_master {
	struct hw_dma_master pub;
	int iommu_node;            /* -1: no IOMMU in the tree for it */
	struct hw_iommu *iommu;    /* its registered model, or NULL: straight on */
	u32 sids[PLATFORM_MAX_SIDS];
	unsigned nr_sids;
	u32 msi_id;                /* DeviceID of its MSIs: `msi-parent`'s first cell */
	struct {
		int provider;                          /* its node */
		u32 client;                            /* the specifier's first cell */
		const struct hw_sid_override *ovr;     /* resolved, or NULL */
	} icc[PLATFORM_MAX_ICC];
	unsigned nr_icc;
	char path[256];
};

static struct platform_master *to_pm(const struct hw_dma_master *d)
{
	return container_of(d, struct platform_master, pub);
}

static void add_sid(struct platform_master *p, u32 sid)
{
	if (p->nr_sids < ARRAY_SIZE(p->sids))
		p->sids[p->nr_sids++] = sid;
}

/* `iommus = <&smmu id [mask]>...`: the entries for the first IOMMU listed. */
static int parse_iommus(const void *fdt, int node, struct platform_master *p)
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
			add_sid(p, fdt32_to_cpu(v[i + 1]));
		i += 1 + (int)cells;
	}
	return 0;
}

/* The deprecated binding: an SMMU lists <&master sid...> in `mmu-masters`. */
static int parse_mmu_masters(const void *fdt, int node, struct platform_master *p)
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
			add_sid(p, fdt32_to_cpu(v[cell + 1 + (int)c]));
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
					add_sid(p, fdt32_to_cpu(v[i + 1 + (int)c]));
				return 0;
			}
			i += 1 + (int)cells;
		}
	}
	return 0;
}

/*
 * `msi-parent = <&ctrl [id]>`: a platform master's MSIs carry the
 * specifier's cell as DeviceID (0 without one: a v2m frame has no
 * sideband). A malformed entry leaves 0: the kernel refuses to use it.
 */
static void parse_msi_parent(const void *fdt, int node, struct platform_master *p)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, "msi-parent", &len);
	u32 cells = 0;
	int ctrl;

	if (!v || len < 4)
		return;
	ctrl = dt_node_by_phandle(fdt, fdt32_to_cpu(v[0]));
	if (ctrl < 0)
		return;
	if (dt_prop_u32(fdt, ctrl, "#msi-cells", &cells))
		cells = 0;   /* absent: no specifier cells */
	if (cells >= 1 && len >= 8)
		p->msi_id = fdt32_to_cpu(v[1]);
}

/*
 * `interconnects = <&provider cells... &provider cells...>...`: every
 * provider with a specifier, for the overrides. A malformed list ends the
 * walk (no override: the `iommus` IDs stand).
 */
static void parse_interconnects(const void *fdt, int node, struct platform_master *p)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, "interconnects", &len);

	for (int i = 0; v && i < len / 4 && p->nr_icc < PLATFORM_MAX_ICC;) {
		int provider = dt_node_by_phandle(fdt, fdt32_to_cpu(v[i]));
		u32 cells;

		if (provider < 0 || dt_prop_u32(fdt, provider, "#interconnect-cells", &cells) ||
		    cells > (u32)(len / 4 - i - 1))
			return;
		if (cells >= 1) {
			p->icc[p->nr_icc].provider = provider;
			p->icc[p->nr_icc].client = fdt32_to_cpu(v[i + 1]);
			p->nr_icc++;
		}
		i += 1 + (int)cells;
	}
}

int hw_sid_override_register(struct machine *m, int node,
			     int (*sid)(void *opaque, u32 client, enum hw_access acc, u32 *sid),
			     void *opaque)
{
	struct hw_sid_override *o = hw_model_alloc(m, sizeof(*o), NULL);

	if (!o)
		return -ENOMEM;
	*o = (struct hw_sid_override){ m->sid_overrides, node, sid, opaque };
	m->sid_overrides = o;
	return 0;
}

/* The stream ID of @acc from the first override that answers, else @sid. */
static u32 overridden_sid(const struct platform_master *p, enum hw_access acc, u32 sid)
{
	u32 out;

	for (unsigned i = 0; i < p->nr_icc; i++)
		if (p->icc[i].ovr && !p->icc[i].ovr->sid(p->icc[i].ovr->opaque, p->icc[i].client,
							  acc, &out))
			return out;
	return sid;
}

/* A master without IDs still has one stream; it carries stream ID 0. */
static unsigned platform_nr_streams(struct hw_fabric *fabric, const struct hw_dma_master *d)
{
	(void)fabric;
	return to_pm(d)->nr_sids ? to_pm(d)->nr_sids : 1;
}

static int platform_route(struct hw_fabric *fabric, const struct hw_dma_master *d,
			  unsigned stream, u64 addr, enum hw_access acc, struct hw_route *out)
{
	const struct platform_master *p = to_pm(d);

	(void)fabric;
	(void)addr;
	(void)acc;
	*out = (struct hw_route){
		.kind = HW_ROUTE_UPSTREAM,
		.iommu = p->iommu,
		.sid = overridden_sid(p, acc, p->nr_sids ? p->sids[stream] : 0),
		.len = UINT64_MAX,   /* the same route for every address */
		.msi_id = p->msi_id,
	};
	return 0;
}

/* The newest registration for the IOMMU's node wins (the list is newest first). */
static void platform_resolve(struct hw_fabric *fabric, struct hw_dma_master *d)
{
	struct platform_master *p = to_pm(d);

	for (unsigned i = 0; i < p->nr_icc; i++) {
		p->icc[i].ovr = NULL;
		for (const struct hw_sid_override *o = fabric->m->sid_overrides; o; o = o->next)
			if (o->node == p->icc[i].provider) {
				p->icc[i].ovr = o;
				break;
			}
	}
	p->iommu = NULL;
	for (struct hw_iommu_entry *e = fabric->m->iommus; e && p->iommu_node >= 0; e = e->next) {
		if (e->iommu->fdt_node == p->iommu_node) {
			p->iommu = e->iommu;
			break;
		}
	}
}

static const struct hw_fabric_ops platform_fabric_ops = {
	.route = platform_route,
	.nr_streams = platform_nr_streams,
	.resolve = platform_resolve,
};

struct hw_dma_master *hw_master_create(struct machine *m, int node, char *why, size_t whylen)
{
	struct platform_master *p = calloc(1, sizeof(*p));
	const void *fdt = m->fdt;
	int ret;

	if (!p) {
		hw_why(why, whylen, "out of memory");
		return NULL;
	}
	if (!m->platform_fabric.ops)
		m->platform_fabric = (struct hw_fabric){
			.ops = &platform_fabric_ops, .m = m, .name = "platform",
		};
	if (dt_node_path(fdt, node, p->path, sizeof(p->path)))
		snprintf(p->path, sizeof(p->path), "%s", fdt_get_name(fdt, node, NULL));
	p->pub.id = master_id_platform(node);
	p->pub.name = p->path;
	p->pub.fabric = &m->platform_fabric;
	p->iommu_node = -1;
	ret = parse_iommus(fdt, node, p);
	if (ret == -ENOENT)
		ret = parse_mmu_masters(fdt, node, p);
	if (ret) {
		hw_why(why, whylen, "%s: bad stream ID specifier", p->path);
		free(p);
		return NULL;
	}
	parse_msi_parent(fdt, node, p);
	parse_interconnects(fdt, node, p);
	hw_master_register(m, &p->pub);
	return &p->pub;
}
