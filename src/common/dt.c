/*
 * Device-tree reading: our own bounded check of a flattened blob before
 * libfdt sees it, the property helpers both the machine and the kernel use,
 * and loading a platform file (compiling .dts with cpp and dtc).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfdt.h>

#include "dt.h"

extern char **environ;

#define why_set(...) \
	do { if (why && whylen) snprintf(why, whylen, __VA_ARGS__); } while (0)

static inline u32 be32_at(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* ==== the bounded walk ================================================ */

#define TOK_BEGIN_NODE 1
#define TOK_END_NODE 2
#define TOK_PROP 3
#define TOK_NOP 4
#define TOK_END 9

/* Properties whose phandle references are checked after the walk. */
enum ref_prop {
	RP_INTERRUPT_PARENT,
	RP_IOMMUS,
	RP_IOMMU_MAP,
	RP_MSI_PARENT,
	RP_MSI_MAP,
	RP_MMU_MASTERS,
	RP_IOMMU_CELLS,
	RP_STREAM_ID_CELLS,
	RP_INTERRUPT_CELLS,
	RP_MSI_CELLS,
	RP_INTERRUPTS,
	RP_COUNT
};

static const char *const ref_names[RP_COUNT] = {
	"interrupt-parent", "iommus", "iommu-map", "msi-parent", "msi-map",
	"mmu-masters", "#iommu-cells", "#stream-id-cells", "#interrupt-cells",
	"#msi-cells", "interrupts",
};

struct wnode {
	int parent;        /* index, -1 for the root */
	u32 phandle;
	const u8 *val[RP_COUNT];
	u32 len[RP_COUNT];
	u8 state;          /* interrupt-parent chain walk: 0 new, 1 walking, 2 done */
	char path_hint[32];
};

struct walk {
	const u8 *blob;
	u32 struct_off, struct_size, strings_off, strings_size;
	struct wnode *nodes;
	size_t nr, cap;
	char *why;
	size_t whylen;
};

struct ph { u32 phandle; int idx; };

static int ph_cmp(const void *a, const void *b)
{
	const struct ph *x = a, *y = b;

	return x->phandle < y->phandle ? -1 : x->phandle > y->phandle;
}

struct pname { const char *s; };

static int pname_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pname *)a)->s, ((const struct pname *)b)->s);
}

/* Property names of the node being read: duplicates are rejected. */
struct names {
	struct pname *v;
	size_t n, cap;
};

static int names_check(struct names *nm, char *why, size_t whylen, const char *node)
{
	if (nm->n > 1) {
		qsort(nm->v, nm->n, sizeof(*nm->v), pname_cmp);
		for (size_t i = 1; i < nm->n; i++) {
			if (!strcmp(nm->v[i].s, nm->v[i - 1].s)) {
				why_set("node '%s': duplicate property '%s'", node, nm->v[i].s);
				return -EINVAL;
			}
		}
	}
	nm->n = 0;
	return 0;
}

static int names_add(struct names *nm, const char *s)
{
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? nm->cap * 2 : 32;
		struct pname *v = realloc(nm->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		nm->v = v;
		nm->cap = cap;
	}
	nm->v[nm->n++].s = s;
	return 0;
}

static int node_add(struct walk *w, int parent, const char *name)
{
	char *why = w->why;
	size_t whylen = w->whylen;

	if (w->nr >= DT_MAX_NODES) {
		why_set("more than %d nodes", DT_MAX_NODES);
		return -EINVAL;
	}
	if (w->nr == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct wnode *v = realloc(w->nodes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		w->nodes = v;
		w->cap = cap;
	}
	struct wnode *n = &w->nodes[w->nr++];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	snprintf(n->path_hint, sizeof(n->path_hint), "%s", *name ? name : "/");
	return 0;
}

static int check_header(const u8 *b, size_t size, struct walk *w)
{
	char *why = w->why;
	size_t whylen = w->whylen;

	if (size < 40) {
		why_set("blob too small (%zu bytes)", size);
		return -EINVAL;
	}
	if (size > DT_MAX_SIZE) {
		why_set("blob too large (%zu bytes)", size);
		return -EINVAL;
	}
	if (be32_at(b) != FDT_MAGIC) {
		why_set("bad magic 0x%08x", be32_at(b));
		return -EINVAL;
	}
	u32 total = be32_at(b + 4), off_struct = be32_at(b + 8), off_strings = be32_at(b + 12);
	u32 off_rsv = be32_at(b + 16), version = be32_at(b + 20), last_comp = be32_at(b + 24);
	u32 size_strings = be32_at(b + 32), size_struct = be32_at(b + 36);
	u32 hdr = version >= 17 ? 40 : 36;

	if (version < 16 || last_comp > 17) {
		why_set("unsupported version %u (last compatible %u)", version, last_comp);
		return -EINVAL;
	}
	if (total < hdr || total > size) {
		why_set("totalsize %u outside the %zu byte buffer", total, size);
		return -EINVAL;
	}
	if (version < 17) {
		/* No size field: the struct block runs to the next block or the end. */
		size_struct = (off_strings > off_struct ? off_strings : total) - off_struct;
	}
	if (off_struct < hdr || off_struct > total || size_struct > total - off_struct ||
	    off_struct % 4 || size_struct % 4) {
		why_set("struct block (offset %u, size %u) outside the blob", off_struct, size_struct);
		return -EINVAL;
	}
	if (off_strings < hdr || off_strings > total || size_strings > total - off_strings) {
		why_set("strings block (offset %u, size %u) outside the blob", off_strings, size_strings);
		return -EINVAL;
	}
	if (off_strings < off_struct + size_struct && off_struct < off_strings + size_strings) {
		why_set("struct and strings blocks overlap");
		return -EINVAL;
	}
	if (off_rsv < hdr || off_rsv % 8 || off_rsv > total) {
		why_set("memory reservation map offset %u invalid", off_rsv);
		return -EINVAL;
	}
	for (u32 o = off_rsv;; o += 16) {
		if (o > total - 16) {
			why_set("unterminated memory reservation map");
			return -EINVAL;
		}
		if (!memcmp(b + o, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16))
			break;
	}
	w->struct_off = off_struct;
	w->struct_size = size_struct;
	w->strings_off = off_strings;
	w->strings_size = size_strings;
	return 0;
}

static int walk_prop(struct walk *w, const u8 *s, u32 *pos, int cur, struct names *nm)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	u32 p = *pos;

	if (w->struct_size - p < 8) {
		why_set("truncated property header");
		return -EINVAL;
	}
	u32 len = be32_at(s + p), nameoff = be32_at(s + p + 4);
	p += 8;
	if (len > w->struct_size - p) {
		why_set("property value (%u bytes) runs past the struct block", len);
		return -EINVAL;
	}
	if (nameoff >= w->strings_size ||
	    !memchr(w->blob + w->strings_off + nameoff, 0, w->strings_size - nameoff)) {
		why_set("property name offset %u outside the strings block", nameoff);
		return -EINVAL;
	}
	const char *name = (const char *)w->blob + w->strings_off + nameoff;
	const u8 *val = s + p;
	struct wnode *n = &w->nodes[cur];
	if (!*name) {
		why_set("node '%s': empty property name", n->path_hint);
		return -EINVAL;
	}
	int ret = names_add(nm, name);
	if (ret)
		return ret;
	if (!strcmp(name, "phandle") || !strcmp(name, "linux,phandle")) {
		u32 ph = len == 4 ? be32_at(val) : 0;

		if (len != 4 || ph == 0 || ph == 0xffffffffu) {
			why_set("node '%s': bad %s", n->path_hint, name);
			return -EINVAL;
		}
		if (n->phandle && n->phandle != ph) {
			why_set("node '%s': phandle and linux,phandle differ", n->path_hint);
			return -EINVAL;
		}
		n->phandle = ph;
	}
	for (int i = 0; i < RP_COUNT; i++) {
		if (!strcmp(name, ref_names[i])) {
			n->val[i] = val;
			n->len[i] = len;
		}
	}
	*pos = ALIGN_UP(p + len, 4u);
	return 0;
}

/* Walks the struct block token by token, recording nodes. */
static int walk_struct(struct walk *w)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	const u8 *s = w->blob + w->struct_off;
	struct names nm = { 0 };
	int stack[DT_MAX_DEPTH + 1];
	int depth = 0, ret = 0;
	bool root_done = false, seen_child = false;
	u32 pos = 0;

	for (;;) {
		if (w->struct_size - pos < 4) {
			why_set("struct block ends without FDT_END");
			ret = -EINVAL;
			break;
		}
		u32 tok = be32_at(s + pos);
		pos += 4;
		if (tok == TOK_NOP)
			continue;
		if (tok == TOK_BEGIN_NODE) {
			const u8 *name = s + pos;
			const u8 *nul = memchr(name, 0, w->struct_size - pos);

			if (root_done) {
				why_set("more than one root node");
				ret = -EINVAL;
				break;
			}
			if (!nul) {
				why_set("unterminated node name");
				ret = -EINVAL;
				break;
			}
			if (depth == DT_MAX_DEPTH) {
				why_set("nodes nested deeper than %d", DT_MAX_DEPTH);
				ret = -EINVAL;
				break;
			}
			if (depth > 0 && !*name) {
				why_set("node with an empty name under '%s'",
					w->nodes[stack[depth - 1]].path_hint);
				ret = -EINVAL;
				break;
			}
			if (depth > 0 && !seen_child) {
				ret = names_check(&nm, why, whylen, w->nodes[stack[depth - 1]].path_hint);
				if (ret)
					break;
			}
			ret = node_add(w, depth ? stack[depth - 1] : -1, (const char *)name);
			if (ret)
				break;
			stack[depth++] = (int)w->nr - 1;
			seen_child = false;
			pos = ALIGN_UP(pos + (u32)(nul - name) + 1, 4u);
			if (pos > w->struct_size) {
				why_set("node name runs past the struct block");
				ret = -EINVAL;
				break;
			}
			continue;
		}
		if (tok == TOK_END_NODE) {
			if (depth == 0) {
				why_set("unbalanced end of node");
				ret = -EINVAL;
				break;
			}
			if (!seen_child) {
				ret = names_check(&nm, why, whylen, w->nodes[stack[depth - 1]].path_hint);
				if (ret)
					break;
			}
			depth--;
			seen_child = true;   /* the parent has now seen a subnode */
			if (depth == 0)
				root_done = true;
			continue;
		}
		if (tok == TOK_PROP) {
			if (depth == 0) {
				why_set("property outside any node");
				ret = -EINVAL;
				break;
			}
			if (seen_child) {
				why_set("node '%s': property after a subnode",
					w->nodes[stack[depth - 1]].path_hint);
				ret = -EINVAL;
				break;
			}
			ret = walk_prop(w, s, &pos, stack[depth - 1], &nm);
			if (ret)
				break;
			continue;
		}
		if (tok == TOK_END) {
			if (depth != 0 || !root_done) {
				why_set("FDT_END inside an unterminated node");
				ret = -EINVAL;
			}
			break;
		}
		why_set("bad token 0x%x at struct offset %u", tok, pos - 4);
		ret = -EINVAL;
		break;
	}
	free(nm.v);
	return ret;
}

static int by_phandle(const struct ph *tab, size_t n, u32 phandle)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid].phandle == phandle)
			return tab[mid].idx;
		if (tab[mid].phandle < phandle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The value of a one-cell property like #iommu-cells, or -1 when absent/bad. */
static int cells_of(const struct wnode *n, enum ref_prop p)
{
	if (!n->val[p] || n->len[p] != 4)
		return -1;
	u32 v = be32_at(n->val[p]);
	return v > 16 ? -2 : (int)v;
}

/*
 * A <phandle args...>* list whose arg count comes from @cells_prop on each
 * target; @optional: a target without it takes no args (as #msi-cells).
 */
static int check_phandle_list(struct walk *w, const struct ph *tab, size_t nph, int idx,
			      enum ref_prop p, enum ref_prop cells_prop, bool optional)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	const struct wnode *n = &w->nodes[idx];
	u32 len = n->len[p], cells = len / 4;

	if (len % 4 || len == 0) {
		why_set("node '%s': %s length %u is not a list of cells", n->path_hint,
			ref_names[p], len);
		return -EINVAL;
	}
	for (u32 i = 0; i < cells;) {
		u32 ph = be32_at(n->val[p] + 4 * i);
		int t = by_phandle(tab, nph, ph);

		if (t < 0) {
			why_set("node '%s': %s references missing phandle 0x%x", n->path_hint,
				ref_names[p], ph);
			return -EINVAL;
		}
		int args = cells_of(&w->nodes[t], cells_prop);
		if (args == -1 && optional)
			args = 0;
		if (args < 0) {
			why_set("node '%s': %s target '%s' has no valid %s", n->path_hint,
				ref_names[p], w->nodes[t].path_hint, ref_names[cells_prop]);
			return -EINVAL;
		}
		if ((u32)args > cells - i - 1) {
			why_set("node '%s': %s entry %u is truncated", n->path_hint, ref_names[p], i);
			return -EINVAL;
		}
		i += 1 + (u32)args;
	}
	return 0;
}

/* iommu-map / msi-map: (id-base, phandle, out-base, length) tuples. */
static int check_map(struct walk *w, const struct ph *tab, size_t nph, int idx, enum ref_prop p)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	const struct wnode *n = &w->nodes[idx];
	u32 len = n->len[p];

	if (len == 0 || len % 16) {
		why_set("node '%s': bad %s length %u", n->path_hint, ref_names[p], len);
		return -EINVAL;
	}
	for (u32 o = 0; o < len; o += 16) {
		u32 ph = be32_at(n->val[p] + o + 4);

		if (by_phandle(tab, nph, ph) < 0) {
			why_set("node '%s': %s references missing phandle 0x%x", n->path_hint,
				ref_names[p], ph);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Follows the interrupt parent from @idx as Linux's of_irq_find_parent does
 * (interrupt-parent, else the tree parent, until a node with
 * #interrupt-cells); a loop is an error.
 */
static int check_irq_chain(struct walk *w, const struct ph *tab, size_t nph, int idx,
			   int *path)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	int cur = idx, ret = 0;
	size_t np = 0;

	for (;;) {
		struct wnode *n = &w->nodes[cur];
		int next;

		if (n->state == 2)
			break;
		if (n->state == 1) {
			why_set("interrupt-parent chain through '%s' loops", n->path_hint);
			ret = -EINVAL;
			break;
		}
		n->state = 1;
		path[np++] = cur;   /* each node enters a path once: np <= nr */
		if (n->val[RP_INTERRUPT_PARENT]) {
			if (n->len[RP_INTERRUPT_PARENT] != 4) {
				why_set("node '%s': bad interrupt-parent length", n->path_hint);
				ret = -EINVAL;
				break;
			}
			u32 ph = be32_at(n->val[RP_INTERRUPT_PARENT]);
			next = by_phandle(tab, nph, ph);
			if (next < 0) {
				why_set("node '%s': interrupt-parent references missing phandle 0x%x",
					n->path_hint, ph);
				ret = -EINVAL;
				break;
			}
		} else {
			next = n->parent;
		}
		if (next < 0 || w->nodes[next].val[RP_INTERRUPT_CELLS])
			break;
		cur = next;
	}
	/* What we walked is settled, so the total work stays linear. */
	for (size_t i = 0; i < np; i++)
		w->nodes[path[i]].state = 2;
	return ret;
}

static int check_refs(struct walk *w)
{
	char *why = w->why;
	size_t whylen = w->whylen;
	struct ph *tab = malloc((w->nr ? w->nr : 1) * sizeof(*tab));
	int *path = malloc((w->nr ? w->nr : 1) * sizeof(*path));
	size_t nph = 0;
	int ret = 0;

	if (!tab || !path) {
		free(tab);
		free(path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->nr; i++) {
		if (w->nodes[i].phandle) {
			tab[nph].phandle = w->nodes[i].phandle;
			tab[nph++].idx = (int)i;
		}
	}
	qsort(tab, nph, sizeof(*tab), ph_cmp);
	for (size_t i = 1; i < nph; i++) {
		if (tab[i].phandle == tab[i - 1].phandle) {
			why_set("duplicate phandle 0x%x ('%s' and '%s')", tab[i].phandle,
				w->nodes[tab[i - 1].idx].path_hint, w->nodes[tab[i].idx].path_hint);
			ret = -EINVAL;
			goto out;
		}
	}
	for (size_t i = 0; i < w->nr && !ret; i++) {
		struct wnode *n = &w->nodes[i];

		for (int p = RP_IOMMU_CELLS; p <= RP_MSI_CELLS; p++) {
			if (n->val[p] && cells_of(n, p) < 0) {
				why_set("node '%s': bad %s", n->path_hint, ref_names[p]);
				ret = -EINVAL;
				goto out;
			}
		}
		if (n->val[RP_IOMMUS])
			ret = check_phandle_list(w, tab, nph, (int)i, RP_IOMMUS, RP_IOMMU_CELLS, false);
		if (!ret && n->val[RP_MMU_MASTERS])
			ret = check_phandle_list(w, tab, nph, (int)i, RP_MMU_MASTERS,
						 RP_STREAM_ID_CELLS, false);
		if (!ret && n->val[RP_MSI_PARENT])
			ret = check_phandle_list(w, tab, nph, (int)i, RP_MSI_PARENT, RP_MSI_CELLS, true);
		if (!ret && n->val[RP_IOMMU_MAP])
			ret = check_map(w, tab, nph, (int)i, RP_IOMMU_MAP);
		if (!ret && n->val[RP_MSI_MAP])
			ret = check_map(w, tab, nph, (int)i, RP_MSI_MAP);
		if (!ret && (n->val[RP_INTERRUPT_PARENT] || n->val[RP_INTERRUPTS]))
			ret = check_irq_chain(w, tab, nph, (int)i, path);
	}
out:
	free(tab);
	free(path);
	return ret;
}

int dt_check_blob(const void *blob, size_t size, char *why, size_t whylen)
{
	struct walk w = { .blob = blob, .why = why, .whylen = whylen };
	int ret;

	if (!blob) {
		why_set("no blob");
		return -EINVAL;
	}
	ret = check_header(blob, size, &w);
	if (!ret)
		ret = walk_struct(&w);
	if (!ret)
		ret = check_refs(&w);
	free(w.nodes);
	if (ret == -ENOMEM)
		why_set("out of memory checking the blob");
	else if (!ret && why && whylen)
		why[0] = 0;
	return ret;
}

/* ==== the node index ================================================== */

/*
 * libfdt answers "parent of", "node with phandle" and "path of" by walking
 * the struct block from its start, so asking it once per device makes a
 * boot quadratic. The index answers them in O(log n): node offsets in tree
 * order (ascending) with their parents, phandles sorted, and the legacy
 * mmu-masters entries sorted by the master they name. It is built once per
 * blob; blobs without one fall back to libfdt's walks.
 */
struct dt_legacy { int master, smmu, cell; };

/* What dt_irq and dt_reg read of a node, gathered in one pass over its properties. */
struct ix_props {
	const fdt32_t *v;       /* interrupts-extended, else interrupts, else NULL */
	int len;
	bool ext;
	bool has_iparent;       /* interrupt-parent of at least a cell */
	u32 iparent;
	int icells;             /* #interrupt-cells, -ENOENT or -EINVAL (short) */
	/* and what dt_reg reads */
	const fdt32_t *reg, *ranges;
	int reg_len, ranges_len;
	u32 acells, scells;     /* #address-cells, #size-cells */
	int acells_ret, scells_ret; /* dt_prop_u32's answer for them: 0, -ENOENT, -EINVAL */
};

struct dt_index {
	struct dt_index *next;
	const void *fdt;
	int nr;
	int *off, *parent;             /* by position in tree order */
	int *irqp;                     /* of_irq_find_parent's answer, or -EINVAL */
	struct ix_props *props;        /* by position: what dt_irq and dt_reg read */
	struct ph *ph;                 /* .idx is a node offset here */
	int nph;
	struct dt_legacy *legacy;
	int nlegacy;
};

static struct dt_index *indexes;
static pthread_mutex_t indexes_lock = PTHREAD_MUTEX_INITIALIZER;

static void index_free(struct dt_index *ix)
{
	if (!ix)
		return;
	free(ix->off);
	free(ix->parent);
	free(ix->irqp);
	free(ix->props);
	free(ix->ph);
	free(ix->legacy);
	free(ix);
}

static int legacy_cmp(const void *a, const void *b)
{
	const struct dt_legacy *x = a, *y = b;

	if (x->master != y->master)
		return x->master < y->master ? -1 : 1;
	if (x->smmu != y->smmu)
		return x->smmu < y->smmu ? -1 : 1;
	return x->cell < y->cell ? -1 : x->cell > y->cell;
}

static int ix_by_phandle(const struct dt_index *ix, u32 phandle)
{
	int t = by_phandle(ix->ph, (size_t)ix->nph, phandle);

	return t < 0 ? -FDT_ERR_NOTFOUND : t;
}

/* Every <&master sid...> entry of every mmu-masters list (checked blobs only). */
static int index_legacy(struct dt_index *ix, const int *smmus, int nsmmu)
{
	const void *fdt = ix->fdt;
	int cap = 0;

	for (int k = 0; k < nsmmu; k++) {
		int len;
		const fdt32_t *v = fdt_getprop(fdt, smmus[k], "mmu-masters", &len);

		for (int i = 0; v && i < len / 4;) {
			int target = ix_by_phandle(ix, fdt32_to_cpu(v[i]));
			u32 cells;

			if (target < 0 || dt_prop_u32(fdt, target, "#stream-id-cells", &cells) ||
			    cells > (u32)(len / 4 - i - 1))
				break;   /* dt_check_blob refuses such a list */
			if (ix->nlegacy == cap) {
				int ncap = cap ? cap * 2 : 16;
				struct dt_legacy *l = realloc(ix->legacy, (size_t)ncap * sizeof(*l));

				if (!l)
					return -ENOMEM;
				ix->legacy = l;
				cap = ncap;
			}
			ix->legacy[ix->nlegacy++] = (struct dt_legacy){ target, smmus[k], i };
			i += 1 + (int)cells;
		}
	}
	if (ix->nlegacy > 1)
		qsort(ix->legacy, (size_t)ix->nlegacy, sizeof(*ix->legacy), legacy_cmp);
	return 0;
}

static int grow(void *pp, int cap)
{
	void **p = pp;
	void *v = realloc(*p, (size_t)cap * sizeof(int) * 2);

	if (!v)
		return -ENOMEM;
	*p = v;
	return 0;
}

/*
 * One pass over @node's properties for everything the index keeps: its
 * phandle (as fdt_get_phandle), whether it lists mmu-masters, and what
 * dt_irq reads. libfdt would walk the properties once per name.
 */
static void scan_props(const void *fdt, int node, u32 *phandle, bool *masters,
		       struct ix_props *pr)
{
	const fdt32_t *intr = NULL;
	int off, intr_len = 0;
	u32 ph = 0, lph = 0;
	bool has_ph = false;

	*pr = (struct ix_props){ .icells = -ENOENT, .acells_ret = -ENOENT, .scells_ret = -ENOENT };
	*masters = false;
	fdt_for_each_property_offset(off, fdt, node) {
		const char *name;
		int len;
		const fdt32_t *v = fdt_getprop_by_offset(fdt, off, &name, &len);

		if (!v || !name)
			continue;
		if (!strcmp(name, "phandle")) {
			has_ph = len == 4;
			ph = has_ph ? fdt32_to_cpu(v[0]) : 0;
		} else if (!strcmp(name, "linux,phandle")) {
			if (len == 4)
				lph = fdt32_to_cpu(v[0]);
		} else if (!strcmp(name, "mmu-masters")) {
			*masters = true;
		} else if (!strcmp(name, "interrupt-parent")) {
			pr->has_iparent = len >= 4;
			pr->iparent = len >= 4 ? fdt32_to_cpu(v[0]) : 0;
		} else if (!strcmp(name, "#interrupt-cells")) {
			pr->icells = len >= 4 ? (int)MIN(fdt32_to_cpu(v[0]), (u32)INT_MAX) : -EINVAL;
		} else if (!strcmp(name, "interrupts")) {
			intr = v;
			intr_len = len;
		} else if (!strcmp(name, "reg")) {
			pr->reg = v;
			pr->reg_len = len;
		} else if (!strcmp(name, "ranges")) {
			pr->ranges = v;
			pr->ranges_len = len;
		} else if (!strcmp(name, "#address-cells")) {
			pr->acells_ret = len >= 4 ? 0 : -EINVAL;
			pr->acells = len >= 4 ? fdt32_to_cpu(v[0]) : 0;
		} else if (!strcmp(name, "#size-cells")) {
			pr->scells_ret = len >= 4 ? 0 : -EINVAL;
			pr->scells = len >= 4 ? fdt32_to_cpu(v[0]) : 0;
		} else if (!strcmp(name, "interrupts-extended")) {
			pr->v = v;
			pr->len = len;
			pr->ext = true;
		}
	}
	if (!pr->ext) {
		pr->v = intr;
		pr->len = intr_len;
	}
	*phandle = has_ph ? ph : lph;
}

static int index_build(struct dt_index *ix)
{
	const void *fdt = ix->fdt;
	int stack[DT_MAX_DEPTH + 1], depth = 0, cap = 0, nsmmu = 0, ret = 0;
	int *smmus = NULL;

	/* libfdt counts the root as depth 1. */
	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		int d = depth - 1;

		if (d < 0 || d > DT_MAX_DEPTH) {
			ret = -EINVAL;
			goto out;
		}
		if (ix->nr == cap) {
			/* Room for two ints an entry: enough for every array here. */
			cap = cap ? cap * 2 : 64;
			struct ix_props *pr = realloc(ix->props, (size_t)cap * sizeof(*pr));

			if (pr)
				ix->props = pr;
			if (!pr || grow(&ix->off, cap) || grow(&ix->parent, cap) ||
			    grow(&ix->ph, cap) || grow(&smmus, cap)) {
				ret = -ENOMEM;
				goto out;
			}
		}
		stack[d] = node;
		ix->off[ix->nr] = node;
		ix->parent[ix->nr] = d ? stack[d - 1] : -1;
		u32 ph;
		bool masters;
		scan_props(fdt, node, &ph, &masters, &ix->props[ix->nr++]);
		if (ph && ph != 0xffffffffu)
			ix->ph[ix->nph++] = (struct ph){ ph, node };
		if (masters)
			smmus[nsmmu++] = node;
	}
	qsort(ix->ph, (size_t)ix->nph, sizeof(*ix->ph), ph_cmp);
	ret = index_legacy(ix, smmus, nsmmu);
out:
	free(smmus);
	return ret;
}

static int ix_pos(const struct dt_index *ix, int node);

/*
 * The interrupt controller of every node, as irq_parent() below finds it
 * (interrupt-parent or the tree parent, until a node with
 * #interrupt-cells), each chain walked once: a node's answer is its next
 * node if that is a controller, else the next node's answer.
 */
static int index_irq_parents(struct dt_index *ix)
{
	size_t n = ix->nr ? (size_t)ix->nr : 1;
	int *next = malloc(n * sizeof(int)), *chain = malloc(n * sizeof(int));
	u8 *ctl = calloc(n, 1), *state = calloc(n, 1);
	int ret = -ENOMEM;

	ix->irqp = malloc(n * sizeof(int));
	if (!next || !ctl || !state || !chain || !ix->irqp)
		goto out;
	for (int i = 0; i < ix->nr; i++) {
		const struct ix_props *q = &ix->props[i];
		int nx = q->has_iparent ? ix_by_phandle(ix, q->iparent) : ix->parent[i];

		next[i] = nx < 0 ? -1 : ix_pos(ix, nx);
		ctl[i] = q->icells != -ENOENT;
	}
	/* state: 0 new, 1 on the chain being walked, 2 answered */
	for (int i = 0; i < ix->nr; i++) {
		int n = 0, cur = i, val = -EINVAL;

		while (state[cur] == 0) {
			int nx = next[cur];

			state[cur] = 1;
			chain[n++] = cur;
			if (nx < 0)
				break;
			if (ctl[nx]) {
				val = ix->off[nx];
				break;
			}
			cur = nx;
		}
		if (state[cur] == 2 && n && chain[n - 1] != cur)
			val = ix->irqp[cur];
		/* state 1 here: a loop without a controller, -EINVAL for all of it */
		while (n--) {
			ix->irqp[chain[n]] = val;
			state[chain[n]] = 2;
		}
	}
	ret = 0;
out:
	free(next);
	free(ctl);
	free(state);
	free(chain);
	return ret;
}

int dt_index_attach(const void *fdt)
{
	struct dt_index *ix = calloc(1, sizeof(*ix));
	int ret;

	if (!ix)
		return -ENOMEM;
	ix->fdt = fdt;
	ret = index_build(ix);
	if (!ret)
		ret = index_irq_parents(ix);
	if (ret) {
		index_free(ix);
		return ret;
	}
	pthread_mutex_lock(&indexes_lock);
	ix->next = indexes;
	indexes = ix;
	pthread_mutex_unlock(&indexes_lock);
	return 0;
}

void dt_index_detach(const void *fdt)
{
	struct dt_index **pp, *ix = NULL;

	pthread_mutex_lock(&indexes_lock);
	for (pp = &indexes; *pp; pp = &(*pp)->next) {
		if ((*pp)->fdt == fdt) {
			ix = *pp;
			*pp = ix->next;
			break;
		}
	}
	pthread_mutex_unlock(&indexes_lock);
	index_free(ix);
}

/* The blob's index, or NULL. An index is only freed by its blob's owner. */
static const struct dt_index *index_of(const void *fdt)
{
	const struct dt_index *ix;

	pthread_mutex_lock(&indexes_lock);
	for (ix = indexes; ix && ix->fdt != fdt; ix = ix->next)
		;
	pthread_mutex_unlock(&indexes_lock);
	return ix;
}

/* Position of @node in the index, or -1. */
static int ix_pos(const struct dt_index *ix, int node)
{
	int lo = 0, hi = ix->nr;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ix->off[mid] == node)
			return mid;
		if (ix->off[mid] < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int dt_parent(const void *fdt, int node)
{
	const struct dt_index *ix = index_of(fdt);
	int pos;

	if (!ix)
		return fdt_parent_offset(fdt, node);
	pos = ix_pos(ix, node);
	if (pos < 0)
		return -FDT_ERR_BADOFFSET;
	return ix->parent[pos] >= 0 ? ix->parent[pos] : -FDT_ERR_NOTFOUND;
}

int dt_node_path(const void *fdt, int node, char *buf, size_t len)
{
	int chain[DT_MAX_DEPTH + 1], depth = 0;
	size_t off = 0;

	if (!len)
		return -FDT_ERR_NOSPACE;
	for (int cur = node; cur > 0; cur = dt_parent(fdt, cur)) {
		if (depth > DT_MAX_DEPTH)
			return -FDT_ERR_BADSTRUCTURE;
		chain[depth++] = cur;
	}
	if (node < 0 || (node > 0 && !depth))
		return -FDT_ERR_BADOFFSET;
	buf[0] = 0;
	if (!depth)
		off = (size_t)snprintf(buf, len, "/");
	while (depth && off < len) {
		const char *name = fdt_get_name(fdt, chain[--depth], NULL);

		off += (size_t)snprintf(buf + off, len - off, "/%s", name ? name : "");
	}
	return off < len ? 0 : -FDT_ERR_NOSPACE;
}

int dt_legacy_master(const void *fdt, int master, int *smmu, int *cell)
{
	const struct dt_index *ix = index_of(fdt);
	int lo = 0, hi;

	if (!ix)
		return -ENOSYS;
	/* The first entry for @master: by tree order of the SMMU, then position. */
	hi = ix->nlegacy;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (ix->legacy[mid].master < master)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ix->nlegacy || ix->legacy[lo].master != master)
		return -ENOENT;
	*smmu = ix->legacy[lo].smmu;
	*cell = ix->legacy[lo].cell;
	return 0;
}

/* ==== property helpers ================================================ */

int dt_prop_u32(const void *fdt, int node, const char *name, u32 *out)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node, name, &len);

	if (!v)
		return -ENOENT;
	if (len < 4)
		return -EINVAL;
	*out = fdt32_to_cpu(v[0]);
	return 0;
}

bool dt_prop_bool(const void *fdt, int node, const char *name)
{
	return fdt_getprop(fdt, node, name, NULL) != NULL;
}

/* #address-cells (@size false) or #size-cells of @node as dt_prop_u32 reads it. */
static int ix_cells(const struct dt_index *ix, int node, bool size, u32 *v)
{
	int pos = ix_pos(ix, node);

	if (pos < 0)
		return -EINVAL;
	*v = size ? ix->props[pos].scells : ix->props[pos].acells;
	return size ? ix->props[pos].scells_ret : ix->props[pos].acells_ret;
}

static int cells_prop(const void *fdt, int parent, bool size, int dflt, int max)
{
	const struct dt_index *ix = parent < 0 ? NULL : index_of(fdt);
	const char *name = size ? "#size-cells" : "#address-cells";
	u32 v = 0;
	int ret = parent < 0 ? -ENOENT :
		  ix ? ix_cells(ix, parent, size, &v) : dt_prop_u32(fdt, parent, name, &v);

	if (ret == -ENOENT)
		return dflt;
	if (ret || v > (u32)max)
		return -EINVAL;
	return (int)v;
}

int dt_addr_cells(const void *fdt, int parent)
{
	return cells_prop(fdt, parent, false, 2, 4);
}

int dt_size_cells(const void *fdt, int parent)
{
	return cells_prop(fdt, parent, true, 1, 4);
}

bool dt_node_enabled(const void *fdt, int node)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "status", &len);

	if (!s)
		return true;
	if (len <= 0 || !memchr(s, 0, (size_t)len))
		return false;
	return !strcmp(s, "okay") || !strcmp(s, "ok");
}

bool dt_node_is_compatible(const void *fdt, int node, const char *compat)
{
	return fdt_node_check_compatible(fdt, node, compat) == 0;
}

int dt_node_by_phandle(const void *fdt, u32 phandle)
{
	if (phandle == 0 || phandle == 0xffffffffu)
		return -FDT_ERR_BADPHANDLE;
	const struct dt_index *ix = index_of(fdt);

	return ix ? ix_by_phandle(ix, phandle) : fdt_node_offset_by_phandle(fdt, phandle);
}

/* Reads @n cells as one number; more than 64 bits of non-zero is -EINVAL. */
static int read_cells(const fdt32_t *c, int n, u64 *out)
{
	u64 v = 0;

	for (int i = 0; i < n; i++) {
		if (v >> 32)
			return -EINVAL;
		v = v << 32 | fdt32_to_cpu(c[i]);
	}
	*out = v;
	return 0;
}

/* One step of translation from @bus's children's space into its parent's. */
/* A property dt_reg reads (@ranges: ranges, else reg), through the index if any. */
static const fdt32_t *reg_prop(const void *fdt, int node, bool ranges, int *len)
{
	const struct dt_index *ix = index_of(fdt);
	int pos = ix ? ix_pos(ix, node) : -1;

	if (pos < 0)
		return fdt_getprop(fdt, node, ranges ? "ranges" : "reg", len);
	*len = ranges ? ix->props[pos].ranges_len : ix->props[pos].reg_len;
	return ranges ? ix->props[pos].ranges : ix->props[pos].reg;
}

static int translate_up(const void *fdt, int bus, u64 *addr)
{
	int len;
	const fdt32_t *r = reg_prop(fdt, bus, true, &len);

	if (!r)
		return -EINVAL;   /* no ranges: this bus does not map to its parent */
	if (len == 0)
		return 0;         /* empty ranges: identity */
	int grand = dt_parent(fdt, bus);
	int na = dt_addr_cells(fdt, bus), ns = dt_size_cells(fdt, bus);
	int pna = dt_addr_cells(fdt, grand);
	if (grand < 0 || na < 0 || ns < 0 || pna < 0 || na + pna + ns == 0)
		return -EINVAL;
	int tuple = 4 * (na + pna + ns);
	if (len % tuple)
		return -EINVAL;
	for (int o = 0; o < len / 4; o += na + pna + ns) {
		u64 cb, pb, sz;

		if (read_cells(r + o, na, &cb) || read_cells(r + o + na, pna, &pb) ||
		    read_cells(r + o + na + pna, ns, &sz))
			continue;
		if (*addr >= cb && *addr - cb < sz) {
			*addr = *addr - cb + pb;
			return 0;
		}
	}
	return -EINVAL;
}

int dt_reg(const void *fdt, int node, int index, u64 *addr, u64 *size)
{
	int len, parent = dt_parent(fdt, node);

	if (parent < 0 || index < 0)
		return -EINVAL;
	int na = dt_addr_cells(fdt, parent), ns = dt_size_cells(fdt, parent);
	if (na < 0 || ns < 0 || na == 0)
		return -EINVAL;
	const fdt32_t *reg = reg_prop(fdt, node, false, &len);
	if (!reg)
		return -ENOENT;
	if (len < 0 || len % (4 * (na + ns)))
		return -EINVAL;
	if (index >= len / (4 * (na + ns)))
		return -ENOENT;
	const fdt32_t *e = reg + index * (na + ns);
	u64 a, s;
	if (read_cells(e, na, &a) || read_cells(e + na, ns, &s))
		return -EINVAL;
	/* Walk up: each bus between us and the root must translate. */
	for (int bus = parent; bus > 0; bus = dt_parent(fdt, bus)) {
		if (translate_up(fdt, bus, &a))
			return -EINVAL;
	}
	*addr = a;
	*size = s;
	return 0;
}

/* Linux's of_irq_find_parent: interrupt-parent or the tree parent, until a controller. */
static int irq_parent(const void *fdt, int node)
{
	const struct dt_index *ix = index_of(fdt);
	int cur = node;

	if (ix) {
		int pos = ix_pos(ix, node);

		return pos < 0 ? -EINVAL : ix->irqp[pos];
	}

	for (int steps = 0; steps < 4096; steps++) {
		u32 ph;
		int next;

		if (!dt_prop_u32(fdt, cur, "interrupt-parent", &ph))
			next = dt_node_by_phandle(fdt, ph);
		else
			next = dt_parent(fdt, cur);
		if (next < 0)
			return -EINVAL;
		if (fdt_getprop(fdt, next, "#interrupt-cells", NULL))
			return next;
		cur = next;
	}
	return -EINVAL;
}

/* A GIC specifier: <type number flags>. */
static int gic_intid(const fdt32_t *spec, int cells, u32 *intid)
{
	if (cells < 3)
		return -EINVAL;
	u32 type = fdt32_to_cpu(spec[0]), n = fdt32_to_cpu(spec[1]);
	if (type == 0 && n < 988)
		*intid = 32 + n;
	else if (type == 1 && n < 16)
		*intid = 16 + n;
	else
		return -EINVAL;
	return 0;
}

/* A controller's #interrupt-cells, through the index when there is one. */
static int irq_cells(const void *fdt, const struct dt_index *ix, int ctrl, u32 *ic)
{
	int pos;

	if (!ix)
		return dt_prop_u32(fdt, ctrl, "#interrupt-cells", ic);
	pos = ix_pos(ix, ctrl);
	if (pos < 0)
		return -EINVAL;
	if (ix->props[pos].icells < 0)
		return ix->props[pos].icells;
	*ic = (u32)ix->props[pos].icells;
	return 0;
}

static int irq_extended(const void *fdt, const struct dt_index *ix, const fdt32_t *v, int len,
			int index, u32 *intid)
{
	int cells = len / 4;

	for (int i = 0, k = 0; i < cells; k++) {
		int ctrl = dt_node_by_phandle(fdt, fdt32_to_cpu(v[i]));
		u32 ic;

		if (ctrl < 0 || irq_cells(fdt, ix, ctrl, &ic) || ic > 16)
			return -EINVAL;
		if ((int)ic > cells - i - 1)
			return -EINVAL;
		if (k == index)
			return gic_intid(v + i + 1, (int)ic, intid);
		i += 1 + (int)ic;
	}
	return -ENOENT;
}

int dt_irq(const void *fdt, int node, int index, u32 *intid)
{
	int len;
	const fdt32_t *v;

	const struct dt_index *ix = index_of(fdt);
	int pos = ix ? ix_pos(ix, node) : -1;

	if (index < 0)
		return -EINVAL;
	if (pos >= 0) {
		v = ix->props[pos].v;
		len = ix->props[pos].len;
		if (v && ix->props[pos].ext)
			return irq_extended(fdt, ix, v, len, index, intid);
	} else {
		v = fdt_getprop(fdt, node, "interrupts-extended", &len);
		if (v)
			return irq_extended(fdt, ix, v, len, index, intid);
		v = fdt_getprop(fdt, node, "interrupts", &len);
	}
	if (!v)
		return -ENOENT;
	int ctrl = irq_parent(fdt, node);
	if (ctrl < 0)
		return -EINVAL;
	u32 ic;
	if (irq_cells(fdt, ix, ctrl, &ic) || ic == 0 || ic > 16)
		return -EINVAL;
	if (len % (4 * (int)ic))
		return -EINVAL;
	if (index >= len / (4 * (int)ic))
		return -ENOENT;
	return gic_intid(v + index * (int)ic, (int)ic, intid);
}

/* ==== loading platform files ========================================== */

static int read_file(const char *path, void **data, size_t *size, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		int e = errno;
		why_set("%s: %s", path, strerror(e));
		return e == ENOENT ? -ENOENT : -EINVAL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (u64)st.st_size > DT_MAX_SIZE) {
		why_set("%s: not a regular file of at most %u bytes", path, DT_MAX_SIZE);
		close(fd);
		return -EINVAL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = 0;
	*data = buf;
	*size = got;
	return 0;
}

/* Runs argv[0] with stdout to @out_path (if any) and stderr to @err_path. */
static int run_tool(char *const argv[], const char *out_path, const char *err_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EINVAL;
}

/* First line of a tool's stderr, for the reason. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static bool has_include(const char *text)
{
	for (const char *l = text; l; l = strchr(l, '\n')) {
		if (*l == '\n')
			l++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!strncmp(l, "#include", 8))
			return true;
	}
	return false;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

#define MAX_ARGS 96

struct argv_buf {
	char *v[MAX_ARGS + 1];
	int n;
};

static int arg_add(struct argv_buf *a, const char *s)
{
	if (a->n >= MAX_ARGS)
		return 0;   /* enough include paths; ignore the rest */
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		return -ENOMEM;
	a->v[++a->n] = NULL;
	return 0;
}

static void args_free(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* -I for the file's folder, its parent, and every `include` folder above it. */
static int add_include_dirs(struct argv_buf *a, const char *dir)
{
	char cur[PATH_MAX + 8], inc[PATH_MAX + 24];
	int ret = 0;

	if (!realpath(dir, cur))
		snprintf(cur, sizeof(cur), "%s", dir);
	ret |= arg_add(a, "-I");
	ret |= arg_add(a, cur);
	for (int up = 0; up < 32 && !ret; up++) {
		snprintf(inc, sizeof(inc), "%s/include", cur);
		if (is_dir(inc)) {
			ret |= arg_add(a, "-I");
			ret |= arg_add(a, inc);
		}
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			break;
		*slash = 0;
		if (up == 0) {
			/* The dts root (arch/ARCH/boot/dts) for "vendor/file.dtsi" includes. */
			ret |= arg_add(a, "-I");
			ret |= arg_add(a, cur);
		}
	}
	return ret;
}

static int compile_dts(const char *path, const char *text, void **blob, size_t *size,
		       char *why, size_t whylen)
{
	char tmp[] = "/tmp/iommulab-dtc-XXXXXX";
	char pp[64], out[64], err[64], msg[200];
	char dir[PATH_MAX + 8];
	struct argv_buf a = { .n = 0 };
	char safe[PATH_MAX + 3];
	const char *src;
	int ret;

	/* A path starting with '-' must not read as an option to cpp or dtc. */
	snprintf(safe, sizeof(safe), "%s%s", path[0] == '-' ? "./" : "", path);
	path = safe;
	src = path;

	if (!mkdtemp(tmp)) {
		why_set("cannot make a temporary directory: %s", strerror(errno));
		return -EINVAL;
	}
	snprintf(pp, sizeof(pp), "%s/pp.dts", tmp);
	snprintf(out, sizeof(out), "%s/out.dtb", tmp);
	snprintf(err, sizeof(err), "%s/err", tmp);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");

	if (has_include(text)) {
		ret = arg_add(&a, "cpp");
		ret |= arg_add(&a, "-nostdinc");
		ret |= arg_add(&a, "-undef");
		ret |= arg_add(&a, "-D__DTS__");
		ret |= arg_add(&a, "-x");
		ret |= arg_add(&a, "assembler-with-cpp");
		ret |= add_include_dirs(&a, dir);
		ret |= arg_add(&a, "-o");
		ret |= arg_add(&a, pp);
		ret |= arg_add(&a, path);
		if (ret) {
			ret = -ENOMEM;
			goto out;
		}
		ret = run_tool(a.v, NULL, err);
		args_free(&a);
		if (ret) {
			first_line(err, msg, sizeof(msg));
			why_set("cpp failed on %s: %s", path, msg);
			ret = -EINVAL;
			goto out;
		}
		src = pp;
	}
	ret = arg_add(&a, "dtc");
	ret |= arg_add(&a, "-q");
	ret |= arg_add(&a, "-I");
	ret |= arg_add(&a, "dts");
	ret |= arg_add(&a, "-O");
	ret |= arg_add(&a, "dtb");
	ret |= arg_add(&a, "-i");
	ret |= arg_add(&a, dir);
	ret |= arg_add(&a, "-o");
	ret |= arg_add(&a, out);
	ret |= arg_add(&a, src);
	if (ret) {
		ret = -ENOMEM;
		goto out;
	}
	ret = run_tool(a.v, NULL, err);
	if (ret) {
		first_line(err, msg, sizeof(msg));
		why_set("dtc failed on %s: %s", path, msg);
		ret = -EINVAL;
		goto out;
	}
	ret = read_file(out, blob, size, why, whylen);
	if (ret == -ENOENT)
		ret = -EINVAL;
out:
	args_free(&a);
	unlink(pp);
	unlink(out);
	unlink(err);
	rmdir(tmp);
	return ret;
}

int dt_load_file(const char *path, void **blob, size_t *size, char *why, size_t whylen)
{
	void *data;
	size_t n;
	int ret;

	if (!path || !blob || !size) {
		why_set("no file");
		return -EINVAL;
	}
	ret = read_file(path, &data, &n, why, whylen);
	if (ret)
		return ret;
	if (n >= 4 && be32_at(data) == FDT_MAGIC) {
		ret = 0;
	} else {
		void *out = NULL;
		size_t outn = 0;

		if (memchr(data, 0, n)) {
			why_set("%s: neither a device-tree blob nor a source", path);
			free(data);
			return -EINVAL;
		}
		ret = compile_dts(path, data, &out, &outn, why, whylen);
		free(data);
		if (ret)
			return ret;
		data = out;
		n = outn;
	}
	char reason[160];
	ret = dt_check_blob(data, n, reason, sizeof(reason));
	if (ret) {
		why_set("%s: %s", path, reason);
		free(data);
		return ret;
	}
	*blob = data;
	*size = n;
	return 0;
}
