/*
 * docs/devices.md is the datasheet drivers are written from: its register
 * tables' `reset` and `writes` columns are checked here against the models
 * (the dma-copy engine, a v2 SMMU with the default knobs, an SMMUv3 with
 * the default knobs, a GICv2m frame
 * without SPI properties, a GICv3 ITS and an iommulab,nvme controller
 * whose BAR0 is mapped as the PCI bus would), through
 * hw_mmio_read/hw_mmio_write only, so the tables cannot drift.
 *
 * Columns: offset (`0xOFF`, several joined by ` / `, or `0xOFF + 4n` for an
 * indexed row), name (`(64-bit)` for 8-byte accesses), reset (a value or
 * `-`), writes (`RO`, `WO`, a mask of the bits that read back as written,
 * the others keeping their reset value, `W1C MASK`, or `-`: described in
 * the notes, not checked; the SMMUv3's queue pointers, `index + wrap`, are
 * described in the notes too). A row of several offsets may give one
 * reset or writes value per offset, joined by ` / ` as the offsets are.
 */
#include <errno.h>
#include <stdio.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"
#include "hw/pci_func.h"
#include "hw/nvme.h"

#define RAM 0x40000000ull
#define SMMU 0x09050000ull
#define SMMU_NUMPAGE 16            /* 0x20000 window of 4 KiB pages: 16 */
#define SMMU_NUM_SMR 48            /* v2 defaults */
#define SMMU_NUM_CB 8
#define DMA 0x0a000000ull
#define V2M 0x08020000ull
#define ITS 0x08080000ull
#define NVME 0x10000000ull
#define SMMUV3 0x09100000ull       /* an arm,smmu-v3 with no iommulab knobs */

enum space {
	NONE, DMA_REGS, GR0, GR1, CB, V2M_REGS, ITS_REGS, NVME_REGS, V3_REGS,
	/* docs/devices.md "PCI function": config space of an endpoint or a bridge */
	PCI_T0, PCI_T1, PCI_PM, PCI_MSI, PCI_MSIX, PCI_MSIX_ENTRY, PCI_EXP, PCI_ACS,
	NR_SPACES
};

static struct machine *make_machine(void)
{
	fdt32_t irqs[3 * 9];
	struct machine *m = NULL;
	char why[160] = "";
	size_t size;
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_memory(b, "memory@40000000", RAM, 0x1000000);
	tfdt_node(b, "interrupt-controller@8000000");
	tfdt_str(b, "compatible", "arm,gic-400");
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_cells(b, "reg", 4, 0, 0x08000000, 0, 0x10000);
	tfdt_u32(b, "phandle", 1);
	tfdt_end_node(b);
	/* An MMU-500 with no iommulab knobs: the defaults the tables describe. */
	tfdt_node(b, "iommu@9050000");
	tfdt_str(b, "compatible", "arm,mmu-500");
	tfdt_cells(b, "reg", 4, 0, (u32)SMMU, 0, 0x20000);
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_u32(b, "#global-interrupts", 1);
	for (u32 i = 0; i < 9; i++) {
		irqs[3 * i] = cpu_to_fdt32(0);
		irqs[3 * i + 1] = cpu_to_fdt32(40 + i);
		irqs[3 * i + 2] = cpu_to_fdt32(4);
	}
	assert_int_equal(fdt_property(b, "interrupts", irqs, sizeof(irqs)), 0);
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "dma@a000000");
	tfdt_str(b, "compatible", "iommulab,dma-copy");
	tfdt_cells(b, "reg", 4, 0, (u32)DMA, 0, 0x1000);
	tfdt_cells(b, "interrupts", 3, 0, 16, 4);
	tfdt_cells(b, "iommus", 2, 2, 0x100);
	tfdt_end_node(b);
	tfdt_node(b, "v2m@8020000");
	tfdt_str(b, "compatible", "arm,gic-v2m-frame");
	tfdt_cells(b, "reg", 4, 0, (u32)V2M, 0, 0x1000);
	tfdt_end_node(b);
	tfdt_node(b, "its@8080000");
	tfdt_str(b, "compatible", "arm,gic-v3-its");
	tfdt_cells(b, "reg", 4, 0, (u32)ITS, 0, 0x20000);
	tfdt_end_node(b);
	tfdt_node(b, "iommu@9100000");
	tfdt_str(b, "compatible", "arm,smmu-v3");
	tfdt_cells(b, "reg", 4, 0, (u32)SMMUV3, 0, 0x20000);
	tfdt_u32(b, "#iommu-cells", 1);
	tfdt_end_node(b);
	tfdt_node(b, "nvme@0");
	tfdt_str(b, "compatible", "iommulab,nvme");
	tfdt_end_node(b);
	b = tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	free(b);
	return m;
}

/* ---- an iommulab,nvme endpoint, its BAR0 at NVME ------------------------ */

static struct pci_func nvme_func;
static void *nvme_state;

static int nvme_no_dma(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc)
{
	(void)bus, (void)addr, (void)buf, (void)len, (void)acc;
	return -EFAULT;
}

static const struct pci_func_ops nvme_bus_ops;   /* the bus's callbacks: none needed */

/* Creates the model on @m and maps its BAR0 (the bus's job). */
static void nvme_attach(struct machine *m)
{
	struct pci_ep_ctx ctx = {
		.m = m, .fdt = machine_fdt(m), .func = &nvme_func, .func_ops = &nvme_bus_ops,
		.dma = nvme_no_dma,
	};
	char why[160] = "";

	ctx.node = fdt_path_offset(ctx.fdt, "/nvme@0");
	memset(&nvme_func, 0, sizeof(nvme_func));
	assert_int_equal(nvme_model.create(&ctx, &nvme_state, why, sizeof(why)), 0);
	assert_int_equal(hw_mmio_map(m, NVME, 0x4000, ctx.bar_ops[0], ctx.bar_opaque[0], "nvme"),
			 0);
}

static void nvme_detach(struct machine *m)
{
	hw_mmio_unmap(m, NVME);
	nvme_model.destroy(nvme_state);
	pci_func_exit(&nvme_func);
	nvme_state = NULL;
}

/* ---- the markdown -------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* Splits a table row into at most @max trimmed cells; returns how many. */
static int cells(char *line, char **cell, int max)
{
	int n = 0;
	char *p = strchr(line, '|');

	while (p && n < max) {
		char *q = strchr(p + 1, '|');

		if (!q)
			break;
		*q = 0;
		cell[n++] = trim(p + 1);
		p = q;
	}
	return n;
}

struct reg_row {
	const char *doc_line;   /* for failure messages */
	enum space space;
	unsigned width;
	char *reset, *writes;
};

static const char *space_name[] = {
	"", "dma-copy", "GR0", "GR1", "context bank", "v2m", "ITS", "nvme", "SMMUv3", "PCI type 0",
	"PCI type 1", "PCI PM", "PCI MSI", "PCI MSI-X", "PCI MSI-X entry", "PCI Express",
	"PCI ACS",
};

static u64 width_mask(unsigned width)
{
	return width == 8 ? ~0ull : 0xffffffffull;
}

static u64 rd(struct machine *m, u64 pa, unsigned width)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(hw_mmio_read(m, pa, width, &v), 0);
	return v & width_mask(width);
}

static void wr(struct machine *m, u64 pa, unsigned width, u64 v)
{
	assert_int_equal(hw_mmio_write(m, pa, width, v), 0);
}

/* Sets every bit @mask of a W1C register at @pa: its documented way in. */
static void provoke(struct machine *m, enum space sp, u64 pa, unsigned width, u64 mask)
{
	if (sp == DMA_REGS) {
		/* LEN 0, START: completes at once with DONE and ERROR (bad length). */
		wr(m, DMA + 0x18, 4, 0);
		wr(m, DMA + 0x20, 4, 1);
	} else if (sp == ITS_REGS) {
		/* An opcode the ITS lacks, at the head of a queue in RAM: a command error. */
		u64 c[4] = { 0x20, 0, 0, 0 };

		assert_int_equal(hw_mem_write(m, RAM, c, sizeof(c)), 0);
		wr(m, ITS + 0x80, 8, 1ull << 63 | RAM);
		wr(m, ITS + 0x0, 4, 1);
		wr(m, ITS + 0x88, 8, 0x20);
	} else {
		wr(m, pa + 4, width, mask);   /* the ...RESTORE register after it */
	}
}

static int failures;

#define CHECK(cond, fmt, ...)                                                          \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "docs/devices.md:%s: " fmt "\n", r->doc_line,   \
				__VA_ARGS__);                                           \
			failures++;                                                     \
		}                                                                       \
	} while (0)

/* Checks one register of row @r at @pa on a fresh machine. */
static void check_reg(const struct reg_row *r, const char *name, u64 pa)
{
	struct machine *m = make_machine();
	unsigned w = r->width;

	if (r->space == NVME_REGS)
		nvme_attach(m);
	u64 ones = width_mask(w), v, mask, reset = 0;
	char *end;

	if (strcmp(r->reset, "-") != 0) {
		u64 want = strtoull(r->reset, &end, 0);

		assert_true(*end == 0 && end != r->reset);
		reset = want;
		v = rd(m, pa, w);
		CHECK(v == want, "%s at %#llx: reset %#llx, the model reads %#llx", name,
		      (unsigned long long)pa, (unsigned long long)want, (unsigned long long)v);
	}
	if (!strcmp(r->writes, "-")) {
		/* described in the notes */
	} else if (!strcmp(r->writes, "RO")) {
		v = rd(m, pa, w);
		wr(m, pa, w, ones);
		CHECK(rd(m, pa, w) == v, "%s: RO, but a write of ones changed it to %#llx", name,
		      (unsigned long long)rd(m, pa, w));
	} else if (!strcmp(r->writes, "WO")) {
		CHECK(rd(m, pa, w) == 0, "%s: WO, but reads %#llx", name,
		      (unsigned long long)rd(m, pa, w));
		wr(m, pa, w, ones);
		CHECK(rd(m, pa, w) == 0, "%s: WO, but reads %#llx after a write", name,
		      (unsigned long long)rd(m, pa, w));
	} else if (!strncmp(r->writes, "W1C ", 4)) {
		mask = strtoull(r->writes + 4, &end, 0);
		assert_true(*end == 0);
		provoke(m, r->space, pa, w, mask);
		v = rd(m, pa, w);
		CHECK(v == mask, "%s: W1C %#llx, but set it reads %#llx", name,
		      (unsigned long long)mask, (unsigned long long)v);
		wr(m, pa, w, 0);
		CHECK(rd(m, pa, w) == v, "%s: W1C, but a write of 0 changed it", name);
		for (unsigned b = 0; b < 64; b++) {
			if (!(mask >> b & 1))
				continue;
			wr(m, pa, w, 1ull << b);
			v &= ~(1ull << b);
			CHECK(rd(m, pa, w) == v, "%s: W1C, but writing 1 to bit %u left %#llx",
			      name, b, (unsigned long long)rd(m, pa, w));
		}
	} else {
		mask = strtoull(r->writes, &end, 0);
		assert_true(*end == 0 && end != r->writes);
		wr(m, pa, w, ones);
		v = rd(m, pa, w);
		CHECK(v == (mask | (reset & ~mask)),
		      "%s: a write of ones should read back %#llx, the model reads %#llx", name,
		      (unsigned long long)(mask | (reset & ~mask)), (unsigned long long)v);
		wr(m, pa, w, 0);
		CHECK(rd(m, pa, w) == (reset & ~mask), "%s: a write of 0 reads back %#llx", name,
		      (unsigned long long)rd(m, pa, w));
	}
	if (r->space == NVME_REGS)
		nvme_detach(m);
	machine_destroy(m);
}

/* ---- the PCI function tables ---------------------------------------------- */

static const struct pci_func_ops pci_ops;   /* no owner callbacks needed */

/* The documented instances: an endpoint and a downstream switch port. */
static struct pci_func *pci_instance(enum space sp, unsigned *base)
{
	static const struct pci_func_id id = {
		.vendor = 0x1de5, .device = 0x2, .class = 0x088000, .intx_pin = 1,
	};
	struct pci_func *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	if (sp == PCI_T1 || sp == PCI_ACS) {
		assert_int_equal(pci_func_init(f, 1, &id, &pci_ops, NULL), 0);
		assert_true(pci_cap_add_pcie(f, PCIE_TYPE_DOWNSTREAM, 0) > 0);
		assert_true(pci_cap_add_acs(f, PCI_ACS_ALL) > 0);
	} else {
		assert_int_equal(pci_func_init(f, 0, &id, &pci_ops, NULL), 0);
		assert_int_equal(pci_func_add_bar(f, 0, 0x4000, PCI_BAR_MEM64), 0);
		assert_true(pci_cap_add_pm(f, false) > 0);
		assert_true(pci_cap_add_msi(f, 4, PCI_MSI_64BIT | PCI_MSI_MASKBIT) > 0);
		assert_true(pci_cap_add_msix(f, 8, 0, 0x2000, 0x3000) > 0);
		assert_true(pci_cap_add_pcie(f, PCIE_TYPE_ENDPOINT, 0) > 0);
	}
	switch (sp) {
	case PCI_PM: *base = pci_func_find_cap(f, PCI_CAP_ID_PM); break;
	case PCI_MSI: *base = pci_func_find_cap(f, PCI_CAP_ID_MSI); break;
	case PCI_MSIX: *base = pci_func_find_cap(f, PCI_CAP_ID_MSIX); break;
	case PCI_MSIX_ENTRY: *base = 0x2000 + 7 * 16; break;     /* the last entry */
	case PCI_EXP: *base = pci_func_find_cap(f, PCI_CAP_ID_EXP); break;
	case PCI_ACS: *base = pci_func_find_ext_cap(f, PCI_EXT_CAP_ID_ACS); break;
	default: *base = 0; break;
	}
	return f;
}

static u32 pci_rd(struct pci_func *f, enum space sp, unsigned off, unsigned w)
{
	u64 v = 0xdead;

	if (sp != PCI_MSIX_ENTRY)
		return pci_cfg_read(f, off, w);
	assert_true(pci_msix_mmio_read(f, 0, off, w, &v));
	return v;
}

static void pci_wr(struct pci_func *f, enum space sp, unsigned off, unsigned w, u32 v)
{
	if (sp != PCI_MSIX_ENTRY)
		pci_cfg_write(f, off, w, v);
	else
		assert_true(pci_msix_mmio_write(f, 0, off, w, v));
}

/* Checks a row of a PCI table; its RO bits keep their value under writes. */
static void check_pci_reg(const struct reg_row *r, const char *name, unsigned off)
{
	unsigned base, w = r->width;
	struct pci_func *f = pci_instance(r->space, &base);
	u32 ones = w == 4 ? 0xffffffff : (1u << (8 * w)) - 1, v, mask;
	char *end;

	off += base;
	if (strcmp(r->reset, "-") != 0) {
		u32 want = strtoul(r->reset, &end, 0);

		assert_true(*end == 0 && end != r->reset);
		v = pci_rd(f, r->space, off, w);
		CHECK(v == want, "%s at %#x: reset %#x, the model reads %#x", name, off, want, v);
	}
	v = pci_rd(f, r->space, off, w);
	if (!strcmp(r->writes, "RO")) {
		pci_wr(f, r->space, off, w, ones);
		CHECK(pci_rd(f, r->space, off, w) == v, "%s: RO, but a write of ones changed it to %#x",
		      name, pci_rd(f, r->space, off, w));
	} else if (!strncmp(r->writes, "W1C ", 4)) {
		mask = strtoul(r->writes + 4, &end, 0);
		assert_true(*end == 0);
		/* Set them as the model does (it owns the bytes). */
		for (unsigned i = 0; i < w; i++)
			f->cfg[off + i] |= mask >> (8 * i);
		v = pci_rd(f, r->space, off, w);
		pci_wr(f, r->space, off, w, 0);
		CHECK(pci_rd(f, r->space, off, w) == v, "%s: W1C, but a write of 0 changed it", name);
		pci_wr(f, r->space, off, w, ones);
		CHECK(pci_rd(f, r->space, off, w) == (v & ~mask),
		      "%s: W1C %#x, but a write of ones left %#x", name, mask,
		      pci_rd(f, r->space, off, w));
	} else {
		mask = strtoul(r->writes, &end, 0);
		if (*end || end == r->writes)
			goto out;       /* a mask in words ("the capability bits") */
		pci_wr(f, r->space, off, w, ones);
		CHECK(pci_rd(f, r->space, off, w) == ((v & ~mask) | mask),
		      "%s: a write of ones should read back %#x, the model reads %#x", name,
		      (v & ~mask) | mask, pci_rd(f, r->space, off, w));
		pci_wr(f, r->space, off, w, 0);
		CHECK(pci_rd(f, r->space, off, w) == (v & ~mask),
		      "%s: a write of 0 reads back %#x", name, pci_rd(f, r->space, off, w));
	}
out:
	pci_func_exit(f);
	free(f);
}

static bool is_pci(enum space sp)
{
	return sp >= PCI_T0;
}

/* Where register @off (element @n of an indexed row) of @sp is; bank @bank for CB. */
static u64 reg_pa(enum space sp, u64 off, unsigned bank)
{
	switch (sp) {
	case DMA_REGS: return DMA + off;
	case GR0: return SMMU + off;
	case GR1: return SMMU + 0x1000 + off;
	case CB: return SMMU + ((u64)(SMMU_NUMPAGE + bank) << 12) + off;
	case V2M_REGS: return V2M + off;
	case ITS_REGS: return ITS + off;
	case NVME_REGS: return NVME + off;
	case V3_REGS: return SMMUV3 + off;   /* page 1's offsets include 0x10000 */
	default: fail(); return 0;
	}
}

/*
 * Field @i of a column that lists one value per offset ("0x43b / 0" for
 * "0x018 / 0x01c"), or the whole column when it gives one for all.
 */
static char *nth_field(const char *col, unsigned i, char *buf, size_t len)
{
	const char *p = col;

	if (!strstr(col, " / ")) {
		snprintf(buf, len, "%s", col);
		return buf;
	}
	for (unsigned k = 0; k < i && p; k++) {
		p = strstr(p, " / ");
		p = p ? p + 3 : NULL;
	}
	assert_non_null(p);
	snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

/* SMMUv3 queue pointers ("index + wrap ..."): described in the notes. */
static bool notes_only(const char *writes)
{
	return strchr(writes, '+') != NULL;
}

static void check_row(struct reg_row *row, char *offsets, char *names)
{
	char *save = NULL, *o;
	unsigned i = 0;

	for (o = strtok_r(offsets, "/", &save); o; o = strtok_r(NULL, "/", &save), i++) {
		char reset[32], writes[40];
		struct reg_row one = *row, *r = &one;

		r->reset = nth_field(row->reset, i, reset, sizeof(reset));
		r->writes = notes_only(row->writes) ? "-" :
			    nth_field(row->writes, i, writes, sizeof(writes));
		char *end, name[80];
		u64 off = strtoull(trim(o), &end, 16);
		bool indexed = strstr(end, "+ 4n") != NULL;
		unsigned count = r->space == GR0 ? SMMU_NUM_SMR : SMMU_NUM_CB;

		snprintf(name, sizeof(name), "%s %s (offset %u)", space_name[r->space], names, i);
		if (is_pci(r->space)) {
			if (strcmp(r->writes, "-") != 0 && !indexed)
				check_pci_reg(r, name, off);
		} else if (r->space == CB) {
			check_reg(r, name, reg_pa(CB, off, 0));
			check_reg(r, name, reg_pa(CB, off, SMMU_NUM_CB - 1));
		} else if (indexed) {
			check_reg(r, name, reg_pa(r->space, off, 0));
			check_reg(r, name, reg_pa(r->space, off + 4 * (count - 1), 0));
		} else {
			check_reg(r, name, reg_pa(r->space, off, 0));
		}
	}
}

/* The PCI function section's table headings. */
static enum space pci_space(const char *line)
{
	static const struct { const char *heading; enum space sp; } h[] = {
		{ "**Type 0 header**", PCI_T0 }, { "**Type 1 header**", PCI_T1 },
		{ "**Power Management**", PCI_PM }, { "**MSI** ", PCI_MSI },
		{ "**MSI-X**", PCI_MSIX }, { "**PCI Express**", PCI_EXP }, { "**ACS**", PCI_ACS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(h); i++)
		if (!strncmp(line, h[i].heading, strlen(h[i].heading)))
			return h[i].sp;
	return NONE;
}

static void test_register_tables(void **state)
{
	char path[512], line[2048], at[16];
	enum space sp = NONE;
	int rows[NR_SPACES] = { 0 }, lineno = 0;
	bool pci = false, nvme = false, v3 = false;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/devices.md", LAB_SRCDIR);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *c[8] = { 0 };
		int n;

		lineno++;
		if (!strncmp(line, "## iommulab,dma-copy", 20))
			sp = DMA_REGS;
		else if (!strncmp(line, "## arm,gic-v2m-frame", 20))
			sp = V2M_REGS;
		else if (!strncmp(line, "## arm,gic-v3-its", 17))
			sp = ITS_REGS;
		else if (!strncmp(line, "## ", 3))
			sp = NONE;
		if (!strncmp(line, "## ", 3)) {
			pci = !strncmp(line, "## PCI function", 15);
			nvme = !strncmp(line, "## iommulab,nvme", 16);
			v3 = !strncmp(line, "## arm,smmu-v3 (model)", 22);
		}
		/* The SMMUv3's pages; its other tables list commands and events. */
		if (v3 && !strncmp(line, "### ", 4))
			sp = NONE;
		if (v3 && (!strncmp(line, "**Page 0**", 10) || !strncmp(line, "**Page 1**", 10)))
			sp = V3_REGS;
		/* Only the nvme section's register table: its others list opcodes. */
		if (nvme && !strncmp(line, "### ", 4))
			sp = !strncmp(line, "### Registers", 13) ? NVME_REGS : NONE;
		if (pci && !strncmp(line, "**", 2))
			sp = pci_space(line);
		else if (v3)
			;
		else if (!strncmp(line, "**GR0**", 7))
			sp = GR0;
		else if (!strncmp(line, "**GR1**", 7))
			sp = GR1;
		else if (!strncmp(line, "**Context bank**", 16))
			sp = CB;
		if (sp == NONE || line[0] != '|')
			continue;
		n = cells(line, c, 8);
		if (n >= 4 && pci && !strcmp(c[0], "entry offset"))
			sp = PCI_MSIX_ENTRY;
		if (n >= 4 && (!strcmp(c[0], "offset") || !strcmp(c[0], "entry offset"))) {
			/* Every register table has these columns, in this order. */
			assert_string_equal(c[2], "reset");
			assert_string_equal(c[3], "writes");
			continue;
		}
		if (n < 1 || strncmp(c[0], "0x", 2) != 0)
			continue;
		assert_true(n >= 4);
		snprintf(at, sizeof(at), "%d", lineno);
		struct reg_row r = {
			.doc_line = at, .space = sp,
			.width = strstr(c[1], "(64-bit)") ? 8 : strstr(c[1], "(16-bit)") ? 2 :
				 strstr(c[1], "(8-bit)") ? 1 : 4,
			.reset = c[2], .writes = c[3],
		};
		check_row(&r, c[0], c[1]);
		rows[sp]++;
	}
	fclose(f);
	/* The parser found the tables (a renamed heading would skip one). */
	assert_int_equal(rows[DMA_REGS], 13);
	assert_true(rows[GR0] >= 15);
	assert_int_equal(rows[GR1], 3);
	assert_true(rows[CB] >= 20);
	assert_int_equal(rows[V2M_REGS], 3);
	assert_int_equal(rows[ITS_REGS], 14);
	assert_int_equal(rows[NVME_REGS], 12);
	assert_int_equal(rows[V3_REGS], 25);
	assert_true(rows[PCI_T0] >= 17);
	assert_true(rows[PCI_T1] >= 11);
	assert_int_equal(rows[PCI_PM], 2);
	assert_int_equal(rows[PCI_MSI], 6);
	assert_int_equal(rows[PCI_MSIX], 3);
	assert_int_equal(rows[PCI_MSIX_ENTRY], 4);
	assert_true(rows[PCI_EXP] >= 13);
	assert_int_equal(rows[PCI_ACS], 4);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
