/*
 * Device-tree blobs: each input is booted as a platform and shut down.
 * Bad trees must be refused (exit 2 in the command) without a crash, a
 * leak or a half-built machine. A byte-level mutator rarely gets past
 * the blob's own checks, so LLVMFuzzerCustomMutator mutates by structure
 * (libfdt): a property's cells or length, properties and nodes added or
 * removed, phandles swapped; a blob libfdt cannot read falls back to
 * libFuzzer's byte mutations.
 */
#include <stdint.h>
#include <string.h>
#include <libfdt.h>

#include "fuzz_util.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512];

	if (lab_boot_blob(data, size, "", msg, sizeof(msg)) == 0)   /* oracle-rule: ok */
		fuzz_shutdown();
	else if (kalloc_outstanding())
		abort();   /* a refused tree left kernel allocations behind */
	return 0;
}

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* The properties the lab reads, and cell values that have found bugs. */
static const char *const props[] = {
	"reg", "interrupts", "iommus", "#iommu-cells", "#global-interrupts", "msi-parent",
	"#msi-cells", "iommu-map", "iommu-map-mask", "msi-map", "msi-map-mask", "status",
	"interrupt-parent", "#interrupt-cells", "#address-cells", "#size-cells", "ranges",
	"compatible", "phandle", "mmu-masters", "#stream-id-cells", "iommulab,num-smr",
	"iommulab,num-cb", "arm,msi-base-spi", "arm,msi-num-spis", "dma-coherent",
	"bus-range", "device_type", "memory-region", "iommulab,supplier",
};
static const uint32_t cells[] = {
	0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff,
};

static int pick_node(const void *fdt)
{
	int n = 0, off, want;

	for (off = 0; off >= 0; off = fdt_next_node(fdt, off, NULL))
		n++;
	want = (int)rnd((uint32_t)n);
	for (off = 0; off >= 0 && want--; off = fdt_next_node(fdt, off, NULL))
		;
	return off < 0 ? 0 : off;
}

/* A property of @node (its name into @name), or -1 when it has none. */
static int pick_prop(const void *fdt, int node, const char **name)
{
	int n = 0, p;

	fdt_for_each_property_offset(p, fdt, node)
		n++;
	if (!n)
		return -1;
	int want = (int)rnd((uint32_t)n);
	fdt_for_each_property_offset(p, fdt, node)
		if (!want--)
			break;
	fdt_getprop_by_offset(fdt, p, name, NULL);
	return p;
}

static uint32_t some_cell(const void *fdt)
{
	if (rnd(3) == 0) {
		/* A phandle of some node, or one that is not there. */
		uint32_t ph = fdt_get_phandle(fdt, pick_node(fdt));
		return ph ? ph : rnd(8);
	}
	return rnd(4) ? cells[rnd(sizeof(cells) / sizeof(cells[0]))] : (uint32_t)rng;
}

static void mutate_cells(void *fdt, int node)
{
	const char *name;
	int len;

	if (pick_prop(fdt, node, &name) < 0)
		return;
	const void *v = fdt_getprop(fdt, node, name, &len);
	uint8_t buf[256];
	if (!v || len < 0 || len > (int)sizeof(buf))
		return;
	memcpy(buf, v, len);
	switch (rnd(3)) {
	case 0:   /* one cell */
		if (len >= 4) {
			fdt32_t c = cpu_to_fdt32(some_cell(fdt));
			memcpy(buf + 4 * rnd(len / 4), &c, 4);
		}
		break;
	case 1:   /* a shorter or longer value */
		len = (int)rnd((uint32_t)len + 9);
		if (len > (int)sizeof(buf))
			len = sizeof(buf);
		break;
	default:  /* one byte */
		if (len)
			buf[rnd(len)] = (uint8_t)rng;
		break;
	}
	fdt_setprop(fdt, node, name, buf, len);
}

static void add_prop(void *fdt, int node)
{
	fdt32_t v[6];
	int n = (int)rnd(6);

	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(some_cell(fdt));
	fdt_setprop(fdt, node, props[rnd(sizeof(props) / sizeof(props[0]))], v, 4 * n);
}

static void swap_phandles(void *fdt)
{
	int a = pick_node(fdt), b = pick_node(fdt);
	uint32_t pa = fdt_get_phandle(fdt, a), pb = fdt_get_phandle(fdt, b);

	if (pa)
		fdt_setprop_u32(fdt, b, "phandle", pa);
	if (pb)
		fdt_setprop_u32(fdt, a, "phandle", pb);
}

static void mutate(void *fdt)
{
	int node = pick_node(fdt);
	const char *name;
	char nn[16];

	switch (rnd(8)) {
	case 0: case 1: case 2:
		mutate_cells(fdt, node);
		break;
	case 3:
		add_prop(fdt, node);
		break;
	case 4:
		if (pick_prop(fdt, node, &name) >= 0)
			fdt_delprop(fdt, node, name);
		break;
	case 5:
		if (node > 0)
			fdt_del_node(fdt, node);
		break;
	case 6:
		snprintf(nn, sizeof(nn), "n@%x", rnd(0x10000));
		node = fdt_add_subnode(fdt, node, nn);
		if (node >= 0) {
			/* fdt_setprop_string evaluates its string twice: pick it first. */
			const char *compat = rnd(2) ? "iommulab,dma-copy" : "arm,mmu-500";

			fdt_setprop_string(fdt, node, "compatible", compat);
			add_prop(fdt, node);
		}
		break;
	default:
		swap_phandles(fdt);
		break;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static uint8_t work[1 << 17];
	size_t cap = max_size < sizeof(work) ? max_size : sizeof(work);

	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	if (rnd(8) == 0 || fdt_check_full(data, size) ||
	    fdt_open_into(data, work, (int)cap))
		return LLVMFuzzerMutate(data, size, max_size);
	for (int i = 1 + (int)rnd(3); i; i--)
		mutate(work);
	if (fdt_pack(work) || fdt_totalsize(work) > max_size)
		return LLVMFuzzerMutate(data, size, max_size);
	size = fdt_totalsize(work);
	memcpy(data, work, size);
	return size;
}
