/*
 * MMIO dispatch: disjoint regions kept sorted by base, found by binary
 * search. An access nothing decodes is a bus error: -EFAULT, and a read
 * returns all ones as on a real interconnect. The same regions decode the
 * CPU's accesses and DMA that reaches MMIO (a peer access, dma.c); a
 * region may be marked as an MSI doorbell so that DMA to it is named so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_internal.h"

/* Index of the first region whose base is > @pa. */
static size_t upper_bound(const struct machine *m, u64 pa)
{
	size_t lo = 0, hi = m->nr_mmio;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->mmio[mid].base <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct hw_mmio_region *region_of(struct machine *m, u64 pa)
{
	size_t i = upper_bound(m, pa);

	if (i == 0)
		return NULL;
	struct hw_mmio_region *r = &m->mmio[i - 1];
	return pa - r->base < r->size ? r : NULL;
}

int hw_mmio_map(struct machine *m, u64 base, u64 size, const struct hw_mmio_ops *ops,
		void *opaque, const char *name)
{
	if (!m || !ops || !ops->read || !ops->write || size == 0 || base + size - 1 < base)
		return -EINVAL;
	u64 last = base + size - 1;
	size_t i = upper_bound(m, last);
	/* The region just below last's upper bound is the only one that can overlap. */
	if (i > 0 && m->mmio[i - 1].base + m->mmio[i - 1].size - 1 >= base)
		return -EBUSY;
	for (size_t b = 0; b < m->nr_ram; b++) {
		const struct hw_ram *r = &m->ram[b];

		if (base <= r->base + r->size - 1 && r->base <= last)
			return -EBUSY;
	}
	if (m->nr_mmio == m->cap_mmio) {
		size_t cap = m->cap_mmio ? m->cap_mmio * 2 : 16;
		struct hw_mmio_region *v = realloc(m->mmio, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->mmio = v;
		m->cap_mmio = cap;
	}
	memmove(&m->mmio[i + 1], &m->mmio[i], (m->nr_mmio - i) * sizeof(*m->mmio));
	struct hw_mmio_region *r = &m->mmio[i];
	r->base = base;
	r->size = size;
	r->ops = ops;
	r->opaque = opaque;
	r->doorbell = false;
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
	m->nr_mmio++;
	return 0;
}

int hw_mmio_unmap(struct machine *m, u64 base)
{
	for (size_t i = 0; i < m->nr_mmio; i++) {
		if (m->mmio[i].base == base) {
			memmove(&m->mmio[i], &m->mmio[i + 1],
				(m->nr_mmio - i - 1) * sizeof(*m->mmio));
			m->nr_mmio--;
			return 0;
		}
	}
	return -ENOENT;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static u64 ones(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

int hw_mmio_read(struct machine *m, u64 pa, unsigned size, u64 *val)
{
	u64 dummy;

	if (!val)
		val = &dummy;
	if (!size_ok(size)) {
		*val = ~0ull;
		return -EINVAL;
	}
	struct hw_mmio_region *r = region_of(m, pa);
	if (!r || r->size - (pa - r->base) < size) {
		*val = ones(size);
		return -EFAULT;
	}
	*val = r->ops->read(r->opaque, pa - r->base, size) & ones(size);
	return 0;
}

int hw_mmio_write(struct machine *m, u64 pa, unsigned size, u64 val)
{
	if (!size_ok(size))
		return -EINVAL;
	struct hw_mmio_region *r = region_of(m, pa);
	if (!r || r->size - (pa - r->base) < size)
		return -EFAULT;
	r->ops->write(r->opaque, pa - r->base, val & ones(size), size);
	return 0;
}

int hw_mmio_dma_write(struct machine *m, u64 pa, unsigned size, u64 val, bool has_devid,
		      u32 devid)
{
	struct hw_mmio_region *r = region_of(m, pa);

	if (!has_devid || !r || !r->ops->msi_write || !size_ok(size) ||
	    r->size - (pa - r->base) < size)
		return hw_mmio_write(m, pa, size, val);
	r->ops->msi_write(r->opaque, pa - r->base, val & ones(size), size, devid);
	return 0;
}

struct hw_mmio_region *hw_mmio_find(struct machine *m, u64 pa)
{
	return region_of(m, pa);
}

int hw_mmio_set_doorbell(struct machine *m, u64 base, bool doorbell)
{
	for (size_t i = 0; m && i < m->nr_mmio; i++) {
		if (m->mmio[i].base == base) {
			m->mmio[i].doorbell = doorbell;
			return 0;
		}
	}
	return -ENOENT;
}

const char *hw_mmio_name(struct machine *m, u64 pa)
{
	struct hw_mmio_region *r = region_of(m, pa);

	return r ? r->name : NULL;
}

void hw_mmio_fini(struct machine *m)
{
	free(m->mmio);
	m->mmio = NULL;
	m->nr_mmio = m->cap_mmio = 0;
}
