/*
 * `iommulab graph`: the booted machine as its kernel sees it. The IOMMUs
 * (device-tree nodes that provide `#iommu-cells` or list `mmu-masters`),
 * every DMA master the kernel knows (each bus's devices, walked through
 * the driver core, with the IDs of its firmware spec), the groups with
 * their default domain and DMA owner, and what is unisolated (identity,
 * an IOMMU left in bypass, no IOMMU at all). Nothing here reads a bus's or
 * a driver's private structures, so PCI functions appear once their bus
 * registers with the driver core.
 *
 * Formats: a one-line summary (make boards), Graphviz DOT, JSON.
 */
#include "graph.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "common/dt.h"
#include "kernel/base/base.h"
#include "kernel/base/device.h"
#include "kernel/base/sysfs.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"

#define GRAPH_MAX_IDS 16

struct g_iommu {
	const struct device_node *np;
	const char *compatible;
	bool enabled;
	bool legacy;			/* mmu-masters: no #iommu-cells */
	const char *driver;		/* bound to its device, or NULL */
	unsigned masters;
};

struct g_master {
	const char *name;		/* kernel device name, or the node's path */
	const char *bus;		/* NULL: the node has no device */
	const char *driver;
	const struct device_node *np;
	int iommu;			/* index in graph.iommus, -1 none */
	u32 ids[GRAPH_MAX_IDS];
	unsigned nids;
	int group;			/* index in graph.groups, -1 none */
	const char *unisolated;		/* NULL, or why its DMA is untranslated */
	char reason[200];		/* why no group */
};

struct g_group {
	struct iommu_group *grp;
	int id;
	const char *def_type;		/* default domain type (sysfs `type`) */
	const char *cur_type;		/* the domain attached now */
	const char *owner;		/* "kernel", "user" or "none" */
	unsigned members;
};

struct g_map {				/* one iommu-map entry of a PCI host */
	const struct device_node *np;
	u32 rid_base, sid_base, len;
	int iommu;
};

struct graph {
	struct g_iommu *iommus;
	size_t nr_iommus;
	struct g_master *masters;
	size_t nr_masters;
	struct g_group *groups;
	size_t nr_groups;
	struct g_map *maps;
	size_t nr_maps;
	bool oom;
};

static void *grow(struct graph *g, void *arr, size_t nr, size_t size)
{
	/* Doubling at powers of two: nr is the count before the add. */
	if (nr & (nr - 1) || g->oom)
		return g->oom ? NULL : arr;
	void *p = realloc(arr, (nr ? 2 * nr : 1) * size);
	if (!p)
		g->oom = true;
	return p;
}

#define G_ADD(g, arr, nr) ({						\
	void *__p = grow(g, (g)->arr, (g)->nr, sizeof(*(g)->arr));	\
	__p ? ((g)->arr = __p, &(g)->arr[(g)->nr++]) : NULL;		\
})

static bool node_available(const struct device_node *np)
{
	const char *s;

	if (of_property_read_string(np, "status", &s))
		return true;
	return !strcmp(s, "okay") || !strcmp(s, "ok");
}

static const char *node_string(const struct device_node *np, const char *prop)
{
	const char *s;

	return of_property_read_string(np, prop, &s) ? "" : s;
}

static int iommu_index(const struct graph *g, const struct device_node *np)
{
	for (size_t i = 0; np && i < g->nr_iommus; i++)
		if (g->iommus[i].np == np)
			return (int)i;
	return -1;
}

static int iommu_index_by_offset(const struct graph *g, int fdt_offset)
{
	for (size_t i = 0; i < g->nr_iommus; i++)
		if (g->iommus[i].np->fdt_offset == fdt_offset)
			return (int)i;
	return -1;
}

/* ---- IOMMUs and iommu-map hosts, from the device tree ------------------ */

static struct device *device_of_node(const struct device_node *np);

static void scan_nodes(struct graph *g, struct device_node *np)
{
	for (; np; np = np->sibling) {
		bool cells = of_find_property(np, "#iommu-cells", NULL) != NULL;
		bool legacy = of_find_property(np, "mmu-masters", NULL) != NULL;

		if (cells || legacy) {
			struct g_iommu *u = G_ADD(g, iommus, nr_iommus);
			if (!u)
				return;
			struct device *dev = device_of_node(np);
			*u = (struct g_iommu){ .np = np, .compatible = node_string(np, "compatible"),
					       .enabled = node_available(np), .legacy = !cells,
					       .driver = dev && dev->driver ? dev->driver->name : NULL };
		}
		scan_nodes(g, np->child);
	}
}

static void scan_iommu_maps(struct graph *g, struct device_node *np)
{
	for (; np; np = np->sibling) {
		int n = node_available(np) ? of_property_count_u32_elems(np, "iommu-map") : 0;

		for (int i = 0; i + 4 <= n; i += 4) {
			u32 v[4];
			for (int k = 0; k < 4; k++)
				of_property_read_u32_index(np, "iommu-map", (u32)(i + k), &v[k]);
			struct g_map *m = G_ADD(g, maps, nr_maps);
			if (!m)
				return;
			*m = (struct g_map){ .np = np, .rid_base = v[0], .sid_base = v[2], .len = v[3],
					     .iommu = iommu_index(g, of_find_node_by_phandle(v[1])) };
		}
		scan_iommu_maps(g, np->child);
	}
}

/* ---- devices, through the driver core ----------------------------------- */

struct bus_walk {
	struct graph *g;
	const struct device_node *np;	/* device_of_node's query */
	struct device *found;
	const char *bus;
};

static int find_node_fn(struct device *dev, void *data)
{
	struct bus_walk *w = data;

	if (dev->of_node == w->np) {
		w->found = dev;
		return 1;
	}
	return 0;
}

static int for_each_bus(int (*fn)(struct device *dev, void *data), struct bus_walk *w);

static struct device *device_of_node(const struct device_node *np)
{
	struct bus_walk w = { .np = np };

	for_each_bus(find_node_fn, &w);
	return w.found;
}

struct bus_names {
	char names[16][32];
	int nr;
};

static int bus_name_fn(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct bus_names *b = opaque;

	(void)st;
	if (b->nr < 16)
		snprintf(b->names[b->nr++], sizeof(b->names[0]), "%s", name);
	return 0;
}

/* Every registered bus (/sys/bus), every device on it, in insertion order. */
static int for_each_bus(int (*fn)(struct device *dev, void *data), struct bus_walk *w)
{
	struct bus_names b = { .nr = 0 };
	int ret = 0;

	sysfs_readdir("/sys/bus", bus_name_fn, &b);
	for (int i = 0; i < b.nr && !ret; i++) {
		struct bus_type *bus = bus_find(b.names[i]);
		if (!bus)
			continue;
		w->bus = bus->name;
		ret = bus_for_each_dev(bus, NULL, w, fn);
	}
	return ret;
}

/* The device's `iommus` IOMMU node (the first one), or NULL. */
static const struct device_node *dt_iommu_of(const struct device_node *np, const u32 **spec,
					      int *cells)
{
	int len;
	const fdt32_t *p = np ? of_get_property(np, "iommus", &len) : NULL;

	*spec = NULL;
	*cells = 0;
	if (!p || len < 4)
		return NULL;
	const struct device_node *iommu = of_find_node_by_phandle(fdt32_to_cpu(p[0]));
	u32 n = 0;
	if (iommu && !of_property_read_u32(iommu, "#iommu-cells", &n) && (int)(1 + n) * 4 <= len) {
		*spec = (const u32 *)(p + 1);
		*cells = (int)n;
	}
	return iommu;
}

/* The legacy binding: the SMMU node whose mmu-masters lists @np, if any. */
static int legacy_iommu_of(const struct graph *g, const struct device_node *np)
{
	for (size_t i = 0; np && i < g->nr_iommus; i++) {
		if (!g->iommus[i].legacy)
			continue;
		int n = of_property_count_u32_elems(g->iommus[i].np, "mmu-masters");
		for (int k = 0; k < n; k++) {
			u32 ph;
			if (!of_property_read_u32_index(g->iommus[i].np, "mmu-masters", (u32)k, &ph) &&
			    ph && ph == np->phandle)
				return (int)i;
		}
	}
	return -1;
}

static void why_no_group(struct graph *g, struct g_master *m, struct device *dev)
{
	struct g_iommu *u = m->iommu >= 0 ? &g->iommus[m->iommu] : NULL;
	const char *uname = u ? u->np->full_name : "";

	if (!u) {
		snprintf(m->reason, sizeof(m->reason), "iommus names no IOMMU node (-EINVAL)");
		m->unisolated = "no IOMMU";
	} else if (!u->enabled) {
		snprintf(m->reason, sizeof(m->reason), "IOMMU %s is disabled: no IOMMU (-ENODEV)", uname);
		m->unisolated = "no IOMMU";
	} else if (!u->driver) {
		snprintf(m->reason, sizeof(m->reason), "no driver for IOMMU %s (%s)", uname,
			 u->compatible);
		m->unisolated = "bypass";
	} else if (!dev) {
		snprintf(m->reason, sizeof(m->reason), "no device: its parent does not populate it");
	} else if (dev->deferred_probe_reason) {
		snprintf(m->reason, sizeof(m->reason), "deferred: %s", dev->deferred_probe_reason);
	} else {
		/* Linux says why only at debug level ("Adding to IOMMU failed"). */
		snprintf(m->reason, sizeof(m->reason),
			 "%s refused its stream IDs (probe_device failed)", u->driver);
	}
}

static int group_index(struct graph *g, struct iommu_group *grp)
{
	for (size_t i = 0; i < g->nr_groups; i++)
		if (g->groups[i].grp == grp)
			return (int)i;
	struct g_group *gg = G_ADD(g, groups, nr_groups);
	if (!gg)
		return -1;
	struct iommu_domain *def = iommu_group_default_domain(grp);
	/* A user (VFIO) claims a group alone; kernel drivers only count. */
	*gg = (struct g_group){ .grp = grp, .id = iommu_group_id(grp),
				.def_type = def ? iommu_domain_type_name(def->type) : "none",
				.owner = iommu_group_dma_owner(grp) ? "user" :
					 iommu_group_owner_cnt(grp) ? "kernel" : "none" };
	return (int)(gg - g->groups);
}

static int add_master_fn(struct device *dev, void *data)
{
	struct bus_walk *w = data;
	struct graph *g = w->g;
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);
	const u32 *spec;
	int cells;
	const struct device_node *dt_iommu = dt_iommu_of(dev->of_node, &spec, &cells);
	int legacy = legacy_iommu_of(g, dev->of_node);
	bool is_iommu = dev->of_node && iommu_index(g, dev->of_node) >= 0 &&
			!of_find_property(dev->of_node, "iommus", NULL);

	if (is_iommu || !(fw || dev->iommu_group || dt_iommu ||
			  (dev->of_node && of_find_property(dev->of_node, "iommus", NULL)) ||
			  legacy >= 0))
		return 0;
	struct g_master *m = G_ADD(g, masters, nr_masters);
	if (!m)
		return -ENOMEM;
	*m = (struct g_master){ .name = dev_name(dev), .bus = w->bus, .np = dev->of_node,
				.driver = dev->driver ? dev->driver->name : NULL, .group = -1 };
	if (fw) {
		m->iommu = iommu_index_by_offset(g, fw->iommu_fwnode);
		for (unsigned i = 0; i < fw->num_ids && m->nids < GRAPH_MAX_IDS; i++)
			m->ids[m->nids++] = fw->ids[i];
	} else {
		m->iommu = dt_iommu ? iommu_index(g, dt_iommu) : legacy;
		if (spec && cells)
			m->ids[m->nids++] = fdt32_to_cpu(spec[0]);
	}
	if (m->iommu < 0 && legacy >= 0)
		m->iommu = legacy;
	if (m->iommu >= 0)
		g->iommus[m->iommu].masters++;
	if (dev->iommu_group) {
		m->group = group_index(g, dev->iommu_group);
		if (m->group >= 0) {
			struct g_group *gg = &g->groups[m->group];
			struct iommu_domain *cur = iommu_get_domain_for_dev(dev);
			gg->members++;
			gg->cur_type = cur ? iommu_domain_type_name(cur->type) : "none";
			if (cur && cur->type == IOMMU_DOMAIN_IDENTITY)
				m->unisolated = "identity";
		}
	} else {
		why_no_group(g, m, dev);
	}
	return 0;
}

/* DT masters the kernel made no device for (a parent that is not a bus). */
static void scan_orphans(struct graph *g, struct device_node *np)
{
	for (; np; np = np->sibling) {
		if (node_available(np) && !(np->flags & OF_POPULATED) &&
		    of_find_property(np, "iommus", NULL)) {
			const u32 *spec;
			int cells;
			const struct device_node *u = dt_iommu_of(np, &spec, &cells);
			struct g_master *m = G_ADD(g, masters, nr_masters);
			if (!m)
				return;
			*m = (struct g_master){ .name = np->full_name, .np = np, .group = -1,
						.iommu = iommu_index(g, u) };
			if (spec && cells)
				m->ids[m->nids++] = fdt32_to_cpu(spec[0]);
			if (m->iommu >= 0)
				g->iommus[m->iommu].masters++;
			why_no_group(g, m, NULL);
		}
		scan_orphans(g, np->child);
	}
}

static void graph_free(struct graph *g)
{
	free(g->iommus);
	free(g->masters);
	free(g->groups);
	free(g->maps);
}

static int graph_build(struct graph *g)
{
	struct bus_walk w = { .g = g };

	*g = (struct graph){ 0 };
	scan_nodes(g, of_root_node());
	scan_iommu_maps(g, of_root_node());
	for_each_bus(add_master_fn, &w);
	scan_orphans(g, of_root_node());
	if (g->oom) {
		graph_free(g);
		return -ENOMEM;
	}
	return 0;
}

/* ---- output ---------------------------------------------------------------- */

static unsigned count_unisolated(const struct graph *g)
{
	unsigned n = 0;

	for (size_t i = 0; i < g->nr_masters; i++)
		n += g->masters[i].unisolated != NULL;
	return n;
}

static void print_summary(const struct graph *g, const char *name, FILE *out)
{
	unsigned driven = 0, enabled = 0, grouped = 0;
	const char *types[] = { "DMA", "DMA-FQ", "identity", "blocked", "unmanaged" };

	for (size_t i = 0; i < g->nr_iommus; i++) {
		enabled += g->iommus[i].enabled;
		driven += g->iommus[i].driver != NULL;
	}
	for (size_t i = 0; i < g->nr_masters; i++)
		grouped += g->masters[i].group >= 0;
	fprintf(out, "%s: iommus %zu (%u enabled, %u probed), masters %zu (%u in groups), groups %zu",
		name, g->nr_iommus, enabled, driven, g->nr_masters, grouped, g->nr_groups);
	for (size_t t = 0, first = 1; t < ARRAY_SIZE(types); t++) {
		unsigned n = 0;
		for (size_t i = 0; i < g->nr_groups; i++)
			n += !strcmp(g->groups[i].def_type, types[t]);
		if (n)
			fprintf(out, "%s%s %u", first ? " (" : ", ", types[t], n);
		if (n)
			first = 0;
		if (t == ARRAY_SIZE(types) - 1 && !first)
			fputc(')', out);
	}
	if (g->nr_maps)
		fprintf(out, ", iommu-map entries %zu", g->nr_maps);
	fprintf(out, ", unisolated %u", count_unisolated(g));
	for (size_t i = 0, first = 1; i < g->nr_masters; i++) {
		const struct g_master *m = &g->masters[i];
		if (m->group >= 0)
			continue;
		fprintf(out, "%s %s (%s)", first ? "; no group:" : ";", m->name, m->reason);
		first = 0;
	}
	fputc('\n', out);
}

static void ids_text(const struct g_master *m, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < m->nids && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s0x%x", i ? "," : "", m->ids[i]);
}

static void print_dot(const struct graph *g, const char *name, FILE *out)
{
	char ids[160];

	fprintf(out, "digraph \"%s\" {\n\trankdir=LR;\n\tnode [fontname=\"Helvetica\" fontsize=10];\n"
		"\tlabel=\"%s\";\n", name, name);
	for (size_t i = 0; i < g->nr_iommus; i++) {
		const struct g_iommu *u = &g->iommus[i];
		fprintf(out, "\tiommu%zu [shape=box3d label=\"%s\\n%s\\n%s\"%s];\n", i,
			u->np->full_name, u->compatible,
			!u->enabled ? "disabled" : u->driver ? u->driver : "no driver",
			u->enabled && u->driver ? " style=filled fillcolor=\"#dde8f8\"" : " style=dashed");
	}
	for (size_t i = 0; i < g->nr_groups; i++) {
		const struct g_group *gg = &g->groups[i];
		fprintf(out, "\tsubgraph cluster_group%d {\n\t\tlabel=\"group %d: %s, owner %s\";\n"
			"\t\tstyle=rounded;\n", gg->id, gg->id, gg->def_type, gg->owner);
		for (size_t k = 0; k < g->nr_masters; k++)
			if (g->masters[k].group == (int)i)
				fprintf(out, "\t\tm%zu;\n", k);
		fputs("\t}\n", out);
	}
	for (size_t k = 0; k < g->nr_masters; k++) {
		const struct g_master *m = &g->masters[k];
		fprintf(out, "\tm%zu [shape=ellipse label=\"%s\\n%s\"%s];\n", k, m->name,
			m->driver ? m->driver : "(no driver)",
			m->unisolated ? " style=filled fillcolor=\"#f8d0d0\"" : "");
		ids_text(m, ids, sizeof(ids));
		if (m->iommu >= 0)
			fprintf(out, "\tm%zu -> iommu%d [label=\"%s%s%s\"%s];\n", k, m->iommu, ids,
				m->unisolated ? "\\n" : "", m->unisolated ? m->unisolated : "",
				m->group < 0 ? " style=dashed color=red" : "");
	}
	for (size_t i = 0; i < g->nr_maps; i++) {
		const struct g_map *mp = &g->maps[i];
		fprintf(out, "\tmap%zu [shape=note label=\"%s\\niommu-map RID 0x%x..0x%x\"];\n", i,
			mp->np->full_name, mp->rid_base, mp->rid_base + mp->len - 1);
		if (mp->iommu >= 0)
			fprintf(out, "\tmap%zu -> iommu%d [label=\"SID 0x%x+\"];\n", i, mp->iommu,
				mp->sid_base);
	}
	fputs("}\n", out);
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_str_or_null(FILE *out, const char *s)
{
	if (s)
		json_str(out, s);
	else
		fputs("null", out);
}

static void print_json(const struct graph *g, const char *name, FILE *out)
{
	fputs("{\n  \"platform\": ", out);
	json_str(out, name);
	fputs(",\n  \"iommus\": [", out);
	for (size_t i = 0; i < g->nr_iommus; i++) {
		const struct g_iommu *u = &g->iommus[i];
		fprintf(out, "%s\n    {\"node\": ", i ? "," : "");
		json_str(out, u->np->full_name);
		fputs(", \"compatible\": ", out);
		json_str(out, u->compatible);
		fprintf(out, ", \"enabled\": %s, \"driver\": ", u->enabled ? "true" : "false");
		json_str_or_null(out, u->driver);
		fprintf(out, ", \"masters\": %u}", u->masters);
	}
	fputs("\n  ],\n  \"groups\": [", out);
	for (size_t i = 0; i < g->nr_groups; i++) {
		const struct g_group *gg = &g->groups[i];
		fprintf(out, "%s\n    {\"id\": %d, \"default_domain\": \"%s\", \"domain\": \"%s\", "
			"\"owner\": \"%s\", \"devices\": %u}", i ? "," : "", gg->id, gg->def_type,
			gg->cur_type ? gg->cur_type : "none", gg->owner, gg->members);
	}
	fputs("\n  ],\n  \"masters\": [", out);
	for (size_t k = 0; k < g->nr_masters; k++) {
		const struct g_master *m = &g->masters[k];
		fprintf(out, "%s\n    {\"device\": ", k ? "," : "");
		json_str(out, m->name);
		fputs(", \"bus\": ", out);
		json_str_or_null(out, m->bus);
		fputs(", \"driver\": ", out);
		json_str_or_null(out, m->driver);
		fputs(", \"iommu\": ", out);
		json_str_or_null(out, m->iommu >= 0 ? g->iommus[m->iommu].np->full_name : NULL);
		fputs(", \"stream_ids\": [", out);
		for (unsigned i = 0; i < m->nids; i++)
			fprintf(out, "%s%u", i ? ", " : "", m->ids[i]);
		fputs("], \"group\": ", out);
		if (m->group >= 0)
			fprintf(out, "%d", g->groups[m->group].id);
		else
			fputs("null", out);
		fputs(", \"unisolated\": ", out);
		json_str_or_null(out, m->unisolated);
		fputs(", \"no_group_reason\": ", out);
		json_str_or_null(out, m->group < 0 ? m->reason : NULL);
		fputc('}', out);
	}
	fputs("\n  ],\n  \"iommu_map\": [", out);
	for (size_t i = 0; i < g->nr_maps; i++) {
		const struct g_map *mp = &g->maps[i];
		fprintf(out, "%s\n    {\"node\": ", i ? "," : "");
		json_str(out, mp->np->full_name);
		fprintf(out, ", \"rid_base\": %u, \"iommu\": ", mp->rid_base);
		json_str_or_null(out, mp->iommu >= 0 ? g->iommus[mp->iommu].np->full_name : NULL);
		fprintf(out, ", \"sid_base\": %u, \"length\": %u}", mp->sid_base, mp->len);
	}
	fputs("\n  ]\n}\n", out);
}

int graph_print(enum graph_format fmt, const char *name, FILE *out)
{
	struct graph g;
	int ret = graph_build(&g);

	if (ret)
		return ret;
	switch (fmt) {
	case GRAPH_SUMMARY: print_summary(&g, name, out); break;
	case GRAPH_DOT: print_dot(&g, name, out); break;
	case GRAPH_JSON: print_json(&g, name, out); break;
	}
	graph_free(&g);
	return 0;
}

/* ---- before booting: does the tree use an IOMMU at all? --------------------- */

static bool uses_enabled_iommu(const void *fdt, int node, const char *prop)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);

	if (!p || !dt_node_enabled(fdt, node))
		return false;
	if (!strcmp(prop, "mmu-masters"))
		return len >= 4;	/* @node is the SMMU itself */
	/* iommus: <phandle args...>; iommu-map: <rid phandle sid len>. */
	int first = !strcmp(prop, "iommu-map") ? 1 : 0;
	if (len < (first + 1) * 4)
		return false;
	int iommu = dt_node_by_phandle(fdt, fdt32_to_cpu(p[first]));
	return iommu >= 0 && dt_node_enabled(fdt, iommu);
}

int graph_fdt_uses_iommu(const void *fdt)
{
	static const char *const props[] = { "iommus", "iommu-map", "mmu-masters" };

	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL))
		for (size_t i = 0; i < ARRAY_SIZE(props); i++)
			if (uses_enabled_iommu(fdt, node, props[i]))
				return 1;
	return 0;
}
