/*
 * Physical memory: RAM banks from the device tree's memory nodes, each a
 * flat table of host pages filled on first touch. Banks may be huge and
 * sparse (Juno declares 8 GiB), so the table itself is allocated in chunks
 * of 512 frames; a frame lookup is a bank match plus two array indexes.
 *
 * Before that, the bootloader's part (hw_bootloader_fixup): most arm64
 * trees leave the size of RAM to the bootloader (`reg = <0 0x80000000 0
 * 0>`) or have no memory node at all, and U-Boot or UEFI fills it in
 * before the kernel starts. The machine does the same to its copy of the
 * blob, with the size the machine was given (struct machine_firmware;
 * iommulab takes it from `mem=`), so the kernel, /sys/firmware/devicetree
 * and the model all see the same filled node.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <libfdt.h>

#include "common/dt.h"
#include "hw_internal.h"

static int bank_cmp(const void *a, const void *b)
{
	const struct hw_ram_bank *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

static int add_bank(struct hw_ram_bank **banks, size_t *n, u64 base, u64 size)
{
	/* Only whole frames are RAM. */
	u64 end = base + size;

	if (end < base)
		return -EINVAL;
	base = ALIGN_UP(base, (u64)PAGE_SIZE);
	end = ALIGN_DOWN(end, (u64)PAGE_SIZE);
	if (end <= base)
		return 0;
	struct hw_ram_bank *nb = realloc(*banks, (*n + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb[*n].base = base;
	nb[*n].size = end - base;
	*banks = nb;
	(*n)++;
	return 0;
}

static bool is_memory_node(const void *fdt, int node)
{
	int len;
	const char *type = fdt_getprop(fdt, node, "device_type", &len);

	return type && len >= 7 && strncmp(type, "memory", (size_t)len) == 0 &&
	       strnlen(type, (size_t)len) == 6;
}

/* ---- the bootloader's fix-up of the memory nodes --------------------- */

/* A memory node whose every reg entry has size 0 (or that has no reg at all). */
static bool node_needs_size(const void *fdt, int node, u64 *base)
{
	u64 b, sz;
	int i;

	*base = HW_DRAM_BASE;
	for (i = 0; !dt_reg(fdt, node, i, &b, &sz); i++) {
		if (sz)
			return false;
		if (i == 0)
			*base = b;
	}
	return true;
}

static void note(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct machine *m, const char *fmt, ...)
{
	size_t used = strlen(m->boot_note);
	va_list ap;

	if (used >= sizeof(m->boot_note) - 1)
		return;
	if (used)
		m->boot_note[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(m->boot_note + used, sizeof(m->boot_note) - used, fmt, ap);
	va_end(ap);
}

/* Writes <base size> in the root's cell counts into @node's reg. */
static int set_reg(void *fdt, int node, u64 base, u64 size)
{
	int ac = dt_addr_cells(fdt, 0), sc = dt_size_cells(fdt, 0), n = 0;
	fdt32_t cells[4];

	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return -EINVAL;
	if ((ac == 1 && base + size - 1 > 0xffffffffull) || (sc == 1 && size > 0xffffffffull))
		return -ERANGE;
	if (ac == 2)
		cells[n++] = cpu_to_fdt32((u32)(base >> 32));
	cells[n++] = cpu_to_fdt32((u32)base);
	if (sc == 2)
		cells[n++] = cpu_to_fdt32((u32)(size >> 32));
	cells[n++] = cpu_to_fdt32((u32)size);
	return fdt_setprop(fdt, node, "reg", cells, n * (int)sizeof(cells[0])) ? -ENOMEM : 0;
}

static int add_memory_node(void *fdt, u64 base, u64 size)
{
	char name[32];
	int node;

	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)base);
	node = fdt_add_subnode(fdt, 0, name);
	if (node < 0)
		return node == -FDT_ERR_EXISTS ? -EEXIST : -ENOMEM;
	if (fdt_setprop_string(fdt, node, "device_type", "memory"))
		return -ENOMEM;
	return set_reg(fdt, node, base, size);
}

/* The next memory node at or after @from that the bootloader must size, or < 0. */
static int next_unsized(const void *fdt, int from, u64 *base)
{
	for (int node = fdt_next_node(fdt, from, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL))
		if (is_memory_node(fdt, node) && dt_node_enabled(fdt, node) &&
		    node_needs_size(fdt, node, base))
			return node;
	return -1;
}

static bool has_memory_node(const void *fdt)
{
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL))
		if (is_memory_node(fdt, node) && dt_node_enabled(fdt, node))
			return true;
	return false;
}

static bool under_reserved_memory(const void *fdt, int node)
{
	int parent = dt_parent(fdt, node);
	const char *name = parent > 0 ? fdt_get_name(fdt, parent, NULL) : NULL;

	return name && !strcmp(name, "reserved-memory");
}

/*
 * Where a bootloader that must add the memory node puts RAM: the usual
 * DRAM base when no device decodes addresses in [base, base + size);
 * else the first 1 GiB boundary above every device's registers (AMD
 * Seattle decodes its devices at 0xe0000000 and has its DRAM at 512 GiB).
 */
static u64 pick_dram_base(const void *fdt, u64 size)
{
	u64 base = HW_DRAM_BASE, top = 0;
	bool clash = false;
	/* Without an index, dt_reg and dt_parent walk from the root: O(n^2). */
	bool indexed = !dt_index_attach(fdt);

	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		u64 b, sz;

		if (is_memory_node(fdt, node) || under_reserved_memory(fdt, node))
			continue;
		for (int i = 0; !dt_reg(fdt, node, i, &b, &sz); i++) {
			if (!sz || b + sz < b)
				continue;
			clash |= b < base + size && base < b + sz;
			top = MAX(top, b + sz);
		}
	}
	if (indexed)
		dt_index_detach(fdt);
	return clash ? ALIGN_UP(top, 1ull << 30) : base;
}

int hw_bootloader_fixup(struct machine *m, u64 mem_size, char *why, size_t whylen)
{
	size_t room = m->fdt_size + 4096;
	void *fdt = malloc(room);
	int node = -1, ret = 0;
	u64 base;

	if (!mem_size)
		mem_size = HW_DEFAULT_MEM;
	if (!fdt)
		return -ENOMEM;
	if (fdt_open_into(m->fdt, fdt, (int)room)) {
		free(fdt);
		hw_why(why, whylen, "device tree cannot be opened for the memory fix-up");
		return -EINVAL;
	}
	/* Only the first unsized node gets the RAM, as a bootloader with one bank. */
	node = next_unsized(fdt, -1, &base);
	if (node >= 0) {
		char path[128] = "";

		dt_node_path(fdt, node, path, sizeof(path));
		ret = set_reg(fdt, node, base, mem_size);
		if (!ret)
			note(m, "bootloader: %s: RAM 0x%llx-0x%llx (%llu MiB)", path,
			     (unsigned long long)base, (unsigned long long)(base + mem_size - 1),
			     (unsigned long long)(mem_size >> 20));
	} else if (!has_memory_node(fdt)) {
		base = pick_dram_base(fdt, mem_size);
		ret = add_memory_node(fdt, base, mem_size);
		if (!ret)
			note(m, "bootloader: no memory node: added /memory@%llx, RAM 0x%llx-0x%llx (%llu MiB)",
			     (unsigned long long)base, (unsigned long long)base,
			     (unsigned long long)(base + mem_size - 1),
			     (unsigned long long)(mem_size >> 20));
	}
	if (ret) {
		free(fdt);
		if (ret == -ENOMEM)
			return ret;
		hw_why(why, whylen, "the bootloader cannot place %llu MiB of RAM at 0x%llx in this tree",
		       (unsigned long long)(mem_size >> 20), (unsigned long long)base);
		return -EINVAL;
	}
	fdt_pack(fdt);
	free(m->fdt);
	m->fdt = fdt;
	m->fdt_size = fdt_totalsize(fdt);
	return 0;
}

/* The frame table of [@base, +@size): chunk pointers only, filled lazily. */
static int ram_setup(struct hw_ram *r, u64 base, u64 size)
{
	r->base = base;
	r->size = size;
	r->nframes = size >> PAGE_SHIFT;
	r->chunks = calloc(MAX((r->nframes + HW_CHUNK_FRAMES - 1) >> HW_CHUNK_SHIFT, 1ull),
			   sizeof(*r->chunks));
	return r->chunks ? 0 : -ENOMEM;
}

/*
 * The highest end of @node's @name entries: each @skip cells, then an
 * address of @na cells and a size of @ns (the low two cells of each), or 0.
 */
static u64 prop_top(const void *fdt, int node, const char *name, int skip, int na, int ns)
{
	int len, entry = skip + na + ns;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
	u64 top = 0;

	if (!p || len <= 0 || skip < 0 || na < 1 || ns < 1)
		return 0;
	for (int i = 0; i + entry <= len / 4; i += entry) {
		u64 a = 0, sz = 0;

		for (int c = MAX(na - 2, 0); c < na; c++)
			a = (a << 32) | fdt32_to_cpu(p[i + skip + c]);
		for (int c = MAX(ns - 2, 0); c < ns; c++)
			sz = (sz << 32) | fdt32_to_cpu(p[i + skip + na + c]);
		if (a + sz >= a)
			top = MAX(top, a + sz);
	}
	return top;
}

/*
 * The highest CPU address the children of @bus decode, @bus's own
 * addresses being CPU addresses (the root, or a bus with an empty
 * `ranges`): each child's registers, each child bus's window (the parent
 * side of its `ranges`, which bounds everything behind it), and the
 * children of identity-mapped buses in turn. A child bus without
 * `ranges` decodes nothing the CPU sees.
 */
static u64 bus_top(const void *fdt, int bus, int depth)
{
	int ac = dt_addr_cells(fdt, bus), sc = dt_size_cells(fdt, bus);
	u64 top = 0;
	int child, len;

	fdt_for_each_subnode(child, fdt, bus) {
		top = MAX(top, prop_top(fdt, child, "reg", 0, ac, sc));
		if (!fdt_getprop(fdt, child, "ranges", &len))
			continue;
		if (len == 0 && depth < DT_MAX_DEPTH)
			top = MAX(top, bus_top(fdt, child, depth + 1));
		else if (len > 0)
			top = MAX(top, prop_top(fdt, child, "ranges", dt_addr_cells(fdt, child), ac,
						dt_size_cells(fdt, child)));
	}
	return top;
}

/*
 * Where the user window goes (machine.h, hw_user_window): above RAM, every
 * device's registers and every bus window the tree declares. One pass over
 * the buses' children: a board of 10,000 devices boots at the same cost.
 */
static void user_window_place(const void *fdt, const struct hw_ram_bank *banks, size_t n,
			      u64 *base, u64 *size)
{
	u64 top = bus_top(fdt, 0, 0);

	for (size_t i = 0; i < n; i++)
		top = MAX(top, banks[i].base + banks[i].size);
	/* Nothing decodes above 48 bits (a garbage tree may claim it). */
	top = ALIGN_UP(MIN(top, HW_PA_LIMIT), 1ull << 30);
	if (top + HW_USER_WINDOW_MIN <= HW_USER_WINDOW_MAX) {
		*base = top;
		*size = HW_USER_WINDOW_MAX - top;
		return;
	}
	*base = MIN(ALIGN_UP(top, HW_USER_WINDOW_MAX), HW_PA_LIMIT - HW_USER_WINDOW_MAX);
	*size = HW_USER_WINDOW_MAX;
}

int hw_user_window(struct machine *m, u64 *base, u64 *size)
{
	if (!m->user.size)
		return -ENODEV;
	*base = m->user.base;
	*size = m->user.size;
	return 0;
}

int hw_mem_init(struct machine *m, char *why, size_t whylen)
{
	const void *fdt = m->fdt;
	struct hw_ram_bank *banks = NULL;
	size_t n = 0;
	int node, ret;

	for (node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		if (!is_memory_node(fdt, node) || !dt_node_enabled(fdt, node))
			continue;
		for (int i = 0;; i++) {
			u64 base, size;

			ret = dt_reg(fdt, node, i, &base, &size);
			if (ret == -ENOENT)
				break;
			if (!ret)
				ret = add_bank(&banks, &n, base, size);
			if (ret) {
				hw_why(why, whylen, "%s: bad memory reg entry %d",
				       fdt_get_name(fdt, node, NULL), i);
				free(banks);
				return ret == -ENOMEM ? ret : -EINVAL;
			}
		}
	}
	if (n > 1)
		qsort(banks, n, sizeof(*banks), bank_cmp);
	u64 total = 0;
	for (size_t i = 0; i < n; i++) {
		total += banks[i].size;
		if (banks[i].base + banks[i].size > HW_PA_LIMIT || total > HW_MAX_RAM) {
			hw_why(why, whylen, "RAM at 0x%llx beyond what the model supports "
			       "(48-bit addresses, 1 TiB in all)", (unsigned long long)banks[i].base);
			free(banks);
			return -EINVAL;
		}
	}
	for (size_t i = 1; i < n; i++) {
		if (banks[i].base < banks[i - 1].base + banks[i - 1].size) {
			hw_why(why, whylen, "memory banks overlap at 0x%llx",
			       (unsigned long long)banks[i].base);
			free(banks);
			return -EINVAL;
		}
	}
	m->ram = calloc(n ? n : 1, sizeof(*m->ram));
	if (!m->ram) {
		free(banks);
		return -ENOMEM;
	}
	m->banks = banks;
	m->nr_ram = n;
	for (size_t i = 0; i < n; i++)
		if (ram_setup(&m->ram[i], banks[i].base, banks[i].size))
			return -ENOMEM;
	u64 ubase, usize;
	user_window_place(fdt, banks, n, &ubase, &usize);
	if (ram_setup(&m->user, ubase, usize))
		return -ENOMEM;
	m->user.user = true;
	return 0;
}

#define CHUNK_BYTES ((size_t)HW_CHUNK_FRAMES << PAGE_SHIFT)

void *hw_host_reserve(size_t bytes)
{
	long p = syscall(SYS_mmap, NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == -1 ? NULL : (void *)p;   /* syscall(): -1 and errno on failure */
}

void hw_host_release(void *p, size_t bytes)
{
	if (p)
		syscall(SYS_munmap, p, bytes);
}

int hw_host_discard(void *p, size_t bytes)
{
	return syscall(SYS_madvise, p, bytes, MADV_DONTNEED) ? -1 : 0;
}

static void *chunk_reserve(void)
{
	return hw_host_reserve(CHUNK_BYTES);
}

static bool in_backing(const struct hw_frame_chunk *ch, const void *p)
{
	return ch->backing && (const u8 *)p >= ch->backing &&
	       (const u8 *)p < ch->backing + CHUNK_BYTES;
}

/* Frame @f's host page: its place in the chunk's backing (zero when new). */
static void *new_page(struct hw_frame_chunk *ch, unsigned f)
{
	void *p = NULL;

	if (!ch->backing)
		ch->backing = chunk_reserve();
	if (ch->backing)
		return ch->backing + ((size_t)f << PAGE_SHIFT);
	if (posix_memalign(&p, PAGE_SIZE, PAGE_SIZE))
		return NULL;
	memset(p, 0, PAGE_SIZE);
	return p;
}

/* Give a host page of @ch back: a backing page is dropped (zero when next used). */
static void page_release(struct hw_frame_chunk *ch, void *p)
{
	if (in_backing(ch, p))
		hw_host_discard(p, PAGE_SIZE);
	else
		free(p);
}

static void ram_free(struct hw_ram *r)
{
	u64 nchunks = (r->nframes + HW_CHUNK_FRAMES - 1) >> HW_CHUNK_SHIFT, left = r->nr_chunks;

	/* Up to the last allocated chunk only: the user window's table is mostly empty. */
	for (u64 c = 0; r->chunks && left && c < nchunks; c++) {
		struct hw_frame_chunk *ch = r->chunks[c];

		if (!ch)
			continue;
		left--;
		for (unsigned f = 0; f < HW_CHUNK_FRAMES; f++) {
			bool aliased = ch->alias_bits[f / 64] & (1ull << (f % 64));

			/* An aliased frame's host page belongs to its lender. */
			void *own = aliased ? (ch->saved ? ch->saved[f] : NULL) : ch->host[f];

			if (!in_backing(ch, own))
				free(own);
		}
		hw_host_release(ch->backing, CHUNK_BYTES);
		free(ch->saved);
		free(ch);
	}
	free(r->chunks);
	memset(r, 0, sizeof(*r));
}

void hw_mem_fini(struct machine *m)
{
	for (size_t i = 0; m->ram && i < m->nr_ram; i++)
		ram_free(&m->ram[i]);
	ram_free(&m->user);
	free(m->ram);
	free(m->banks);
	m->ram = NULL;
	m->banks = NULL;
	m->nr_ram = 0;
	m->last_ram = NULL;
}

static inline struct hw_ram *ram_of(struct machine *m, u64 pa)
{
	struct hw_ram *r = m->last_ram;

	if (r && pa - r->base < r->size)
		return r;
	for (size_t i = 0; i < m->nr_ram; i++) {
		r = &m->ram[i];
		if (pa - r->base < r->size) {
			m->last_ram = r;
			return r;
		}
	}
	r = &m->user;
	if (pa - r->base < r->size) {
		m->last_ram = r;
		return r;
	}
	return NULL;
}

/*
 * A user-window frame is memory once it was lent (machine.h): before, no
 * host page stands behind its address and a bus access to it is refused.
 */
static bool user_frame_live(struct hw_ram *r, u64 pa)
{
	u64 frame = (pa - r->base) >> PAGE_SHIFT;
	struct hw_frame_chunk *ch = r->chunks[frame >> HW_CHUNK_SHIFT];
	unsigned f = frame & (HW_CHUNK_FRAMES - 1);

	return ch && (ch->lent_bits[f / 64] & (1ull << (f % 64)));
}

static struct hw_frame_chunk *chunk_of(struct hw_ram *r, u64 frame, bool alloc)
{
	struct hw_frame_chunk **slot = &r->chunks[frame >> HW_CHUNK_SHIFT];

	if (!*slot && alloc && (*slot = calloc(1, sizeof(**slot))))
		r->nr_chunks++;
	return *slot;
}

void *hw_frame(struct machine *m, u64 pa)
{
	struct hw_ram *r = ram_of(m, pa);

	if (!r || (unlikely(r->user) && !user_frame_live(r, pa)))
		return NULL;
	u64 frame = (pa - r->base) >> PAGE_SHIFT;
	struct hw_frame_chunk *ch = chunk_of(r, frame, true);
	if (!ch)
		return NULL;
	void **host = &ch->host[frame & (HW_CHUNK_FRAMES - 1)];
	if (unlikely(!*host))
		*host = new_page(ch, frame & (HW_CHUNK_FRAMES - 1));
	return *host ? (char *)*host + (pa & (PAGE_SIZE - 1)) : NULL;
}

/* Is every frame of [@pa, +@len) in the user window live? */
static bool user_range_live(struct hw_ram *r, u64 pa, u64 len)
{
	if (len > r->base + r->size - pa)
		return false;
	for (u64 a = ALIGN_DOWN(pa, (u64)PAGE_SIZE); a < pa + len; a += PAGE_SIZE)
		if (!user_frame_live(r, a))
			return false;
	return true;
}

bool hw_mem_is_ram(struct machine *m, u64 pa, u64 len)
{
	if (len == 0) {
		struct hw_ram *r = ram_of(m, pa);

		return r && (!r->user || user_frame_live(r, pa));
	}
	if (pa + len < pa)
		return false;
	/* Adjacent banks together still make RAM. */
	while (len) {
		struct hw_ram *r = ram_of(m, pa);

		if (!r)
			return false;
		if (unlikely(r->user))
			return user_range_live(r, pa, len);
		u64 avail = r->base + r->size - pa;
		if (avail >= len)
			return true;
		pa += avail;
		len -= avail;
	}
	return true;
}

static int mem_copy(struct machine *m, u64 pa, void *buf, size_t len, bool write)
{
	if (!hw_mem_is_ram(m, pa, len))
		return -EFAULT;
	/* Allocate every page first so a failure moves nothing. */
	for (u64 a = pa; a < pa + len; a = ALIGN_DOWN(a, (u64)PAGE_SIZE) + PAGE_SIZE)
		if (!hw_frame(m, a))
			return -ENOMEM;
	while (len) {
		size_t chunk = MIN((size_t)(PAGE_SIZE - (pa & (PAGE_SIZE - 1))), len);
		char *host = hw_frame(m, pa);

		if (write)
			memcpy(host, buf, chunk);
		else
			memcpy(buf, host, chunk);
		pa += chunk;
		buf = (char *)buf + chunk;
		len -= chunk;
	}
	return 0;
}

int hw_mem_read(struct machine *m, u64 pa, void *buf, size_t len)
{
	return mem_copy(m, pa, buf, len, false);
}

int hw_mem_write(struct machine *m, u64 pa, const void *buf, size_t len)
{
	return mem_copy(m, pa, (void *)buf, len, true);
}

int hw_frame_alias(struct machine *m, u64 pa, void *host)
{
	if (!IS_ALIGNED(pa, (u64)PAGE_SIZE) || !host || !IS_ALIGNED((uintptr_t)host, PAGE_SIZE))
		return -EINVAL;
	struct hw_ram *r = ram_of(m, pa);
	if (!r)
		return -EFAULT;
	u64 frame = (pa - r->base) >> PAGE_SHIFT;
	struct hw_frame_chunk *ch = chunk_of(r, frame, true);
	if (!ch)
		return -ENOMEM;
	unsigned f = frame & (HW_CHUNK_FRAMES - 1);
	if (ch->alias_bits[f / 64] & (1ull << (f % 64)))
		return -EBUSY;
	/* A user frame hides nothing: it is the lent page or no memory. */
	if (!r->user && !ch->saved) {
		ch->saved = calloc(HW_CHUNK_FRAMES, sizeof(*ch->saved));
		if (!ch->saved)
			return -ENOMEM;
	}
	if (!r->user)
		ch->saved[f] = ch->host[f];
	else
		page_release(ch, ch->host[f]);   /* what a stale DMA left in unowned RAM */
	ch->host[f] = host;
	ch->alias_bits[f / 64] |= 1ull << (f % 64);
	ch->lent_bits[f / 64] |= 1ull << (f % 64);
	return 0;
}

int hw_frame_unalias(struct machine *m, u64 pa)
{
	if (!IS_ALIGNED(pa, (u64)PAGE_SIZE))
		return -EINVAL;
	struct hw_ram *r = ram_of(m, pa);
	if (!r)
		return -EFAULT;
	u64 frame = (pa - r->base) >> PAGE_SHIFT;
	struct hw_frame_chunk *ch = chunk_of(r, frame, false);
	unsigned f = frame & (HW_CHUNK_FRAMES - 1);
	if (!ch || !(ch->alias_bits[f / 64] & (1ull << (f % 64))))
		return -EINVAL;
	ch->host[f] = r->user ? NULL : ch->saved[f];
	if (!r->user)
		ch->saved[f] = NULL;
	ch->alias_bits[f / 64] &= ~(1ull << (f % 64));
	return 0;
}

size_t hw_ram_banks(struct machine *m, const struct hw_ram_bank **banks)
{
	if (banks)
		*banks = m->banks;
	return m->nr_ram;
}
