// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unflattened device tree: struct device_node built from the machine's
 * blob, the lookups drivers use, and /sys/firmware/devicetree/base with
 * one directory per node and one raw file per property.
 */
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kernel/base/base.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/of/of.h"
#include "kernel/kernel_state.h"

struct device_node *of_root_node(void)
{
	return kstate ? kstate->of.root : NULL;
}

const void *of_fdt(void)
{
	return kstate ? kstate->of.blob : NULL;
}

/* ---- building -------------------------------------------------------- */

static struct property *prop_new(const char *name, const void *val, int len)
{
	struct property *pp = kzalloc(sizeof(*pp));
	if (!pp)
		return NULL;
	pp->name = kstrdup(name);
	pp->value = kmalloc(len ? (size_t)len : 1);
	if (!pp->name || !pp->value) {
		kfree(pp->name);
		kfree(pp->value);
		kfree(pp);
		return NULL;
	}
	memcpy(pp->value, val, (size_t)len);
	pp->length = len;
	return pp;
}

static void node_free(struct device_node *np)
{
	while (np) {
		struct device_node *next = np->sibling;
		node_free(np->child);
		while (np->properties) {
			struct property *pp = np->properties;
			np->properties = pp->next;
			kfree(pp->name);
			kfree(pp->value);
			kfree(pp);
		}
		kfree(np->name);
		kfree(np->full_name);
		kfree(np);
		np = next;
	}
}

static struct device_node *node_new(const void *fdt, int off, struct device_node *parent)
{
	struct device_node *np = kzalloc(sizeof(*np));
	const char *uname = fdt_get_name(fdt, off, NULL);
	struct property **tail;
	int poff;
	bool has_name = false;

	if (!np)
		return NULL;
	if (!uname)
		uname = "";
	np->fdt_offset = off;
	np->parent = parent;
	if (!parent)
		np->full_name = kstrdup("/");
	else if (!parent->parent)
		np->full_name = kasprintf("/%s", uname);
	else
		np->full_name = kasprintf("%s/%s", parent->full_name, uname);
	np->name = kstrndup(uname, strcspn(uname, "@"));
	if (!np->full_name || !np->name)
		goto fail;
	tail = &np->properties;
	fdt_for_each_property_offset(poff, fdt, off) {
		const char *pname;
		int len;
		const void *val = fdt_getprop_by_offset(fdt, poff, &pname, &len);
		if (!val || !pname)
			continue;
		if (!strcmp(pname, "name"))
			has_name = true;
		if (!strcmp(pname, "phandle") && len == 4)
			np->phandle = fdt32_to_cpu(*(const fdt32_t *)val);
		struct property *pp = prop_new(pname, val, len);
		if (!pp)
			goto fail;
		*tail = pp;
		tail = &pp->next;
	}
	/* Like unflatten: a "name" property rebuilt from the unit name. */
	if (!has_name) {
		struct property *pp = prop_new("name", parent ? np->name : "", (int)strlen(parent ? np->name : "") + 1);
		if (!pp)
			goto fail;
		*tail = pp;
	}
	return np;
fail:
	node_free(np);
	return NULL;
}

static int unflatten_children(const void *fdt, int off, struct device_node *np, int depth)
{
	struct device_node **tail = &np->child;
	int child;
	if (depth > 64)
		return -EINVAL;
	fdt_for_each_subnode(child, fdt, off) {
		struct device_node *c = node_new(fdt, child, np);
		if (!c)
			return -ENOMEM;
		*tail = c;
		tail = &c->sibling;
		int ret = unflatten_children(fdt, child, c, depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Phandle to node, sorted by phandle: every lookup a binary search instead
 * of a walk of the whole tree (Linux keeps a phandle cache for the same
 * reason).
 */
struct phandle_ent {
	u32 phandle;
	struct device_node *np;
};

static struct device_node *next_node(struct device_node *np);

static int phandle_cmp(const void *a, const void *b)
{
	const struct phandle_ent *x = a, *y = b;
	return x->phandle < y->phandle ? -1 : x->phandle > y->phandle;
}

static int phandles_build(void)
{
	size_t n = 0, i = 0;
	for (struct device_node *np = kstate->of.root; np; np = next_node(np))
		n += np->phandle != 0;
	kstate->of.phandles = kcalloc(n ? n : 1, sizeof(*kstate->of.phandles));
	if (!kstate->of.phandles)
		return -ENOMEM;
	for (struct device_node *np = kstate->of.root; np; np = next_node(np))
		if (np->phandle)
			kstate->of.phandles[i++] = (struct phandle_ent){ np->phandle, np };
	qsort(kstate->of.phandles, n, sizeof(*kstate->of.phandles), phandle_cmp);
	kstate->of.nr_phandles = n;
	return 0;
}

int of_unflatten(const void *fdt)
{
	int ret;
	of_free_tree();
	kstate->of.root = node_new(fdt, 0, NULL);
	if (!kstate->of.root)
		return -ENOMEM;
	ret = unflatten_children(fdt, 0, kstate->of.root, 0);
	if (!ret)
		ret = phandles_build();
	if (ret) {
		of_free_tree();
		return ret;
	}
	kstate->of.blob = fdt;
	return 0;
}

void of_free_tree(void)
{
	kfree(kstate->of.phandles);
	kstate->of.phandles = NULL;
	kstate->of.nr_phandles = 0;
	node_free(kstate->of.root);
	kstate->of.root = NULL;
	kstate->of.blob = NULL;
}

/* ---- lookups --------------------------------------------------------- */

static struct device_node *next_node(struct device_node *np)
{
	if (np->child)
		return np->child;
	while (np) {
		if (np->sibling)
			return np->sibling;
		np = np->parent;
	}
	return NULL;
}

struct device_node *of_find_node_by_path(const char *path)
{
	struct device_node *np = of_root_node(), *c;
	if (!np || !path || path[0] != '/')
		return NULL;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		bool found = false;
		for_each_child_of_node(np, c) {
			const char *b = kbasename(c->full_name);
			/* A component without a unit address matches "name@unit" too. */
			if ((strlen(b) == len && !strncmp(b, p, len)) ||
			    (!memchr(p, '@', len) && strlen(c->name) == len &&
			     !strncmp(c->name, p, len))) {
				np = c;
				found = true;
				break;
			}
		}
		if (!found)
			return NULL;
		p += len;
	}
	return np;
}

struct device_node *of_find_node_by_phandle(u32 phandle)
{
	size_t lo = 0, hi = kstate ? kstate->of.nr_phandles : 0;
	if (!phandle || phandle == 0xffffffffu)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kstate->of.phandles[mid].phandle == phandle)
			return kstate->of.phandles[mid].np;
		if (kstate->of.phandles[mid].phandle < phandle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct device_node *of_find_compatible_node(struct device_node *from, const char *compat)
{
	struct device_node *np = from ? next_node(from) : of_root_node();
	for (; np; np = next_node(np))
		if (of_device_is_compatible(np, compat))
			return np;
	return NULL;
}

struct property *of_find_property(const struct device_node *np, const char *name, int *lenp)
{
	if (!np)
		return NULL;
	for (struct property *pp = np->properties; pp; pp = pp->next)
		if (!strcmp(pp->name, name)) {
			if (lenp)
				*lenp = pp->length;
			return pp;
		}
	return NULL;
}

const void *of_get_property(const struct device_node *np, const char *name, int *lenp)
{
	struct property *pp = of_find_property(np, name, lenp);
	return pp ? pp->value : NULL;
}

bool of_property_read_bool(const struct device_node *np, const char *name)
{
	return of_find_property(np, name, NULL) != NULL;
}

int of_property_read_u32_index(const struct device_node *np, const char *name, u32 index,
			       u32 *out)
{
	struct property *pp = of_find_property(np, name, NULL);
	if (!pp)
		return -EINVAL;
	if (!pp->value || !pp->length)
		return -ENODATA;
	if ((size_t)pp->length < ((size_t)index + 1) * 4)
		return -EOVERFLOW;
	*out = fdt32_to_cpu(((const fdt32_t *)pp->value)[index]);
	return 0;
}

int of_property_read_u32(const struct device_node *np, const char *name, u32 *out)
{
	return of_property_read_u32_index(np, name, 0, out);
}

/* The @index-th string of a string list, or NULL. */
static const char *prop_string(const struct property *pp, int index)
{
	const char *s = pp->value, *end = s + pp->length;
	for (; s < end; s += strnlen(s, (size_t)(end - s)) + 1) {
		if (!memchr(s, '\0', (size_t)(end - s)))
			return NULL;
		if (index-- == 0)
			return s;
	}
	return NULL;
}

int of_property_read_string_index(const struct device_node *np, const char *name, int index,
				  const char **out)
{
	struct property *pp = of_find_property(np, name, NULL);
	if (!pp)
		return -EINVAL;
	if (!pp->length)
		return -ENODATA;
	const char *s = prop_string(pp, index);
	if (!s)
		return index ? -ENODATA : -EILSEQ;
	*out = s;
	return 0;
}

int of_property_read_string(const struct device_node *np, const char *name, const char **out)
{
	return of_property_read_string_index(np, name, 0, out);
}

int of_property_count_strings(const struct device_node *np, const char *name)
{
	struct property *pp = of_find_property(np, name, NULL);
	int n = 0;
	if (!pp)
		return -EINVAL;
	while (prop_string(pp, n))
		n++;
	return n;
}

struct device_node *of_parse_phandle(const struct device_node *np, const char *name, int index)
{
	u32 ph;
	if (index < 0 || of_property_read_u32_index(np, name, (u32)index, &ph))
		return NULL;
	return of_find_node_by_phandle(ph);
}

int of_device_is_compatible(const struct device_node *np, const char *compat)
{
	struct property *pp = of_find_property(np, "compatible", NULL);
	const char *s;
	if (!pp || !compat || !*compat)
		return 0;
	for (int i = 0; (s = prop_string(pp, i)); i++)
		if (!strcasecmp(s, compat))
			return (0x7fffffff / 2) - (i << 2);
	return 0;
}

bool of_device_is_available(const struct device_node *np)
{
	const char *status;
	if (!np)
		return false;
	if (of_property_read_string(np, "status", &status))
		return !of_find_property(np, "status", NULL);
	return !strcmp(status, "okay") || !strcmp(status, "ok");
}

const struct of_device_id *of_match_node(const struct of_device_id *matches,
					 const struct device_node *np)
{
	const struct of_device_id *best = NULL;
	int best_score = 0;
	if (!matches || !np)
		return NULL;
	for (; matches->compatible; matches++) {
		int score = of_device_is_compatible(np, matches->compatible);
		if (score > best_score) {
			best = matches;
			best_score = score;
		}
	}
	return best;
}

const struct of_device_id *of_match_device(const struct of_device_id *matches,
					   const struct device *dev)
{
	return dev->of_node ? of_match_node(matches, dev->of_node) : NULL;
}

const void *of_device_get_match_data(const struct device *dev)
{
	const struct of_device_id *m;
	if (!dev->driver)
		return NULL;
	m = of_match_device(dev->driver->of_match_table, dev);
	return m ? m->data : NULL;
}

/* ---- modalias and uevent -------------------------------------------- */

ssize_t of_modalias(const struct device_node *np, char *buf, size_t size)
{
	const char *type = NULL, *s;
	struct property *pp;
	size_t off;
	int n;

	of_property_read_string(np, "device_type", &type);
	n = snprintf(buf, size, "of:N%sT%s", np->name, type ? type : "(null)");
	if (n < 0)
		return -EINVAL;
	off = MIN((size_t)n, size ? size - 1 : 0);
	pp = of_find_property(np, "compatible", NULL);
	for (int i = 0; pp && (s = prop_string(pp, i)); i++) {
		size_t len = strlen(s) + 1;
		if (off + len >= size)
			continue;
		snprintf(buf + off, size - off, "C%s", s);
		for (char *c = buf + off; *c; c++)
			if (*c == ' ')
				*c = '_';
		off += len;
	}
	return (ssize_t)off;
}

static size_t add_var(char *buf, size_t size, size_t off, const char *fmt, ...) __printf(4, 5);
static size_t add_var(char *buf, size_t size, size_t off, const char *fmt, ...)
{
	va_list ap;
	if (off >= size)
		return off;
	va_start(ap, fmt);
	int n = vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	return MIN(off + (size_t)n, size);
}

size_t of_device_uevent(const struct device *dev, char *buf, size_t size)
{
	const struct device_node *np = dev->of_node;
	const char *type, *s;
	struct property *pp;
	size_t off = 0;
	int seen = 0;

	if (!np)
		return 0;
	off = add_var(buf, size, off, "OF_NAME=%s\n", np->name);
	off = add_var(buf, size, off, "OF_FULLNAME=%s\n", np->full_name);
	if (!of_property_read_string(np, "device_type", &type))
		off = add_var(buf, size, off, "OF_TYPE=%s\n", type);
	pp = of_find_property(np, "compatible", NULL);
	for (int i = 0; pp && (s = prop_string(pp, i)); i++)
		off = add_var(buf, size, off, "OF_COMPATIBLE_%d=%s\n", seen++, s);
	off = add_var(buf, size, off, "OF_COMPATIBLE_N=%d\n", seen);
	/* Aliases naming this node (of_alias_scan's lookup list). */
	struct device_node *aliases = of_find_node_by_path("/aliases");
	seen = 0;
	for (pp = aliases ? aliases->properties : NULL; pp; pp = pp->next) {
		if (!strcmp(pp->name, "name") || !strcmp(pp->name, "phandle") || !pp->length ||
		    !memchr(pp->value, '\0', (size_t)pp->length))
			continue;
		if (of_find_node_by_path(pp->value) == np)
			off = add_var(buf, size, off, "OF_ALIAS_%d=%s\n", seen++, pp->name);
	}
	return MIN(off, size);
}

/* ---- /sys/firmware/devicetree/base --------------------------------- */


static ssize_t prop_read(void *owner, const struct sysfs_attr *attr, char *buf, size_t size)
{
	struct property *pp = container_of(attr, struct property, attr);
	size_t n = MIN((size_t)pp->length, size);
	memcpy(buf, pp->value, n);
	return (ssize_t)n;
}

static int node_sysfs_add(struct device_node *np, struct sysfs_node *parent_dir)
{
	int ret;
	struct device_node *c;
	if (!np->parent)
		ret = sysfs_create_dir(parent_dir, "base", &np->kobj);
	else
		ret = sysfs_create_dir(parent_dir, kbasename(np->full_name), &np->kobj);
	if (ret)
		return ret;
	for (struct property *pp = np->properties; pp; pp = pp->next) {
		pp->attr.name = pp->name;
		pp->attr.mode = 0444;
		pp->attr.read = prop_read;
		/* A property and a child node of one name: Linux keeps the first. */
		if (sysfs_get_child(np->kobj, pp->name))
			continue;
		ret = sysfs_create_file(np->kobj, &pp->attr, np, NULL);
		if (ret)
			return ret;
	}
	for_each_child_of_node(np, c) {
		if (sysfs_get_child(np->kobj, kbasename(c->full_name)))
			continue;
		ret = node_sysfs_add(c, np->kobj);
		if (ret)
			return ret;
	}
	return 0;
}

int of_sysfs_init(void)
{
	int ret = sysfs_create_dir(sysfs_dir_firmware(), "devicetree", &kstate->of.dt_dir);
	if (ret)
		return ret;
	return kstate->of.root ? node_sysfs_add(kstate->of.root, kstate->of.dt_dir) : 0;
}

void of_sysfs_exit(void)
{
	sysfs_remove(kstate->of.dt_dir);
	kstate->of.dt_dir = NULL;
	for (struct device_node *np = kstate->of.root; np; np = next_node(np))
		np->kobj = NULL;
}
