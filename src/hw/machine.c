/*
 * The machine: built from a checked device tree. RAM first, then the IOMMU
 * models, then every other model, then each bus master is routed to the
 * IOMMU model registered for the node its stream IDs point at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_internal.h"

const void *machine_fdt(const struct machine *m)
{
	return m->fdt;
}

int hw_on_destroy(struct machine *m, void (*fn)(void *arg), void *arg)
{
	struct hw_cleanup *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = m->cleanups;
	m->cleanups = c;
	return 0;
}

void *hw_model_alloc(struct machine *m, size_t size, void (*fn)(void *arg))
{
	void *p = calloc(1, size);

	if (p && hw_on_destroy(m, fn ? fn : free, p)) {
		free(p);
		p = NULL;
	}
	return p;
}

int hw_mmio_map_node(struct machine *m, u64 base, u64 size, const struct hw_mmio_ops *ops,
		     void *opaque, const char *name, const char *what, char *why, size_t whylen)
{
	int ret = hw_mmio_map(m, base, size, ops, opaque, name);

	if (ret == -ENOMEM || !ret)
		return ret;
	hw_why(why, whylen, "%s: %s at 0x%llx overlaps another region", name, what,
	       (unsigned long long)base);
	return -EINVAL;
}

int hw_msi_write(struct machine *m, u64 addr, u32 device_id, u64 val, unsigned size)
{
	struct hw_mmio_region *r = hw_mmio_find(m, addr);

	if (!r)
		return -EFAULT;
	if (!r->doorbell_write)
		return hw_mmio_write(m, addr, size, val);
	r->doorbell_write(r->opaque, device_id, addr - r->base, val, size);
	return 0;
}

const struct hw_model *hw_model_find(const void *fdt, int node)
{
	int len;
	const char *list = fdt_getprop(fdt, node, "compatible", &len);

	if (!list || len <= 0)
		return NULL;
	/* The node's most specific compatible that some model claims wins. */
	for (const char *s = list; s < list + len; s += strnlen(s, (size_t)(list + len - s)) + 1) {
		for (const struct hw_model *h = hw_models; h->compatible; h++)
			if (strnlen(s, (size_t)(list + len - s)) < (size_t)(list + len - s) &&
			    !strcmp(s, h->compatible))
				return h;
	}
	return NULL;
}

static int create_models(struct machine *m, bool iommus, char *why, size_t whylen)
{
	const void *fdt = m->fdt;

	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		const struct hw_model *h = hw_model_find(fdt, node);

		if (!h || h->is_iommu != iommus || !dt_node_enabled(fdt, node))
			continue;
		int ret = h->create(m, fdt, node, why, whylen);
		/* A model that cannot be built is a tree the machine refuses. */
		if (ret)
			return ret == -ENOMEM ? ret : -EINVAL;
	}
	return 0;
}

const char *machine_boot_note(const struct machine *m)
{
	return m ? m->boot_note : "";
}

int machine_create(const void *fdt, size_t size, u64 seed, struct machine **out,
		   char *why, size_t whylen)
{
	return machine_create_fw(fdt, size, seed, NULL, out, why, whylen);
}

int machine_create_fw(const void *fdt, size_t size, u64 seed, const struct machine_firmware *fw,
		      struct machine **out, char *why, size_t whylen)
{
	struct machine *m;
	int ret;

	if (!out || !fdt) {
		hw_why(why, whylen, "no device tree");
		return -EINVAL;
	}
	*out = NULL;
	ret = dt_check_blob(fdt, size, why, whylen);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	INIT_LIST_HEAD(&m->masters);
	m->rng = seed;
	m->fdt_size = fdt_totalsize(fdt);
	m->fdt = malloc(m->fdt_size);
	if (!m->fdt) {
		free(m);
		return -ENOMEM;
	}
	memcpy(m->fdt, fdt, m->fdt_size);
	/* The bootloader edits the blob before anything indexes it. */
	ret = hw_bootloader_fixup(m, fw ? fw->mem_size : 0, why, whylen);
	if (ret) {
		free(m->fdt);
		free(m);
		return ret;
	}
	/* Without the index every per-device lookup walks the blob: quadratic boots. */
	if (dt_index_attach(m->fdt)) {
		free(m->fdt);
		free(m);
		return -ENOMEM;
	}

	ret = hw_mem_init(m, why, whylen);
	if (!ret)
		ret = create_models(m, true, why, whylen);
	if (!ret)
		ret = create_models(m, false, why, whylen);
	if (!ret)
		ret = hw_masters_resolve(m);
	if (ret) {
		if (ret == -ENOMEM)
			hw_why(why, whylen, "out of memory building the machine");
		machine_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	/* Drop pending events first: they may point at model state. */
	hw_events_fini(m);
	while (m->cleanups) {
		struct hw_cleanup *c = m->cleanups;

		m->cleanups = c->next;
		c->fn(c->arg);
		free(c);
	}
	while (m->iommus) {
		struct hw_iommu_entry *e = m->iommus;

		m->iommus = e->next;
		free(e);
	}
	hw_masters_fini(m);
	hw_mmio_fini(m);
	hw_mem_fini(m);
	dt_index_detach(m->fdt);
	free(m->fdt);
	free(m);
}
