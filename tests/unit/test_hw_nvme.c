/*
 * The iommulab,nvme endpoint model on a bare machine, with a small harness
 * that plays the PCI bus (hw/pci_ep.h): it owns the function's storage,
 * calls the model's create(), maps BAR0 with hw_mmio_map when the function
 * starts decoding it, does DMA straight to memory (with a range that fails,
 * for aborted transfers) and records MSI writes and INTx. The tests drive
 * the controller through BAR0 and memory as Linux's nvme driver does.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "hw_test_fdt.h"
#include "hw/machine.h"
#include "hw/nvme.h"
#include "test_util.h"

#define RAM 0x40000000ull
#define RAM_SIZE 0x1000000ull
#define BAR0 0x10000000ull
#define ASQ (RAM + 0x0000)
#define ACQ (RAM + 0x1000)
#define IDBUF (RAM + 0x2000)
#define IOSQ (RAM + 0x100000)
#define IOCQ (RAM + 0x200000)
#define LISTS (RAM + 0x300000)
#define DATA (RAM + 0x400000)
#define DATA2 (RAM + 0x600000)
#define MSI_BASE 0x08020040ull

/* Status (SCT << 8 | SC) as the completion carries it. */
#define S_OK 0x000
#define S_INVALID_OPCODE 0x001
#define S_INVALID_FIELD 0x002
#define S_XFER 0x004
#define S_INVALID_NS 0x00b
#define S_SEQ 0x00c
#define S_PRP_OFFSET 0x013
#define S_LBA_RANGE 0x080
#define S_CQ_INVALID 0x100
#define S_QID 0x101
#define S_QSIZE 0x102
#define S_AER_LIMIT 0x105
#define S_VECTOR 0x108
#define S_LOG_PAGE 0x109
#define S_QDEL 0x10c
#define S_NONE 0xffff           /* no completion arrived */

struct bus {
	struct machine *m;
	struct pci_func f;
	struct pci_ep_ctx ctx;
	void *state;
	u64 fail_lo, fail_hi;   /* DMA touching [lo, hi) fails */
	int msis, intx_changes, resets;
	u64 msi_addr[4096];
	u32 msi_data[4096];
	bool intx, mapped;
};

struct hq {
	u16 qid;
	u64 sq, cq;
	u32 size, cq_size, tail, head;
	bool phase;
};

struct cqe {
	u32 dw0;
	u16 sqhd, sqid, cid, status;
	bool dnr;
};

static struct bus *B;

/* ---- the bus -------------------------------------------------------------- */

static void b_map(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct bus *b = o;

	(void)f;
	assert_false(io);
	assert_int_equal(bar, 0);
	assert_int_equal(hw_mmio_map(b->m, addr, size, b->ctx.bar_ops[bar], b->ctx.bar_opaque[bar],
				     "nvme"), 0);
	b->mapped = true;
}

static void b_unmap(void *o, struct pci_func *f, int bar, u64 addr, u64 size, bool io)
{
	struct bus *b = o;

	(void)f;
	(void)bar;
	(void)size;
	(void)io;
	assert_int_equal(hw_mmio_unmap(b->m, addr), 0);
	b->mapped = false;
}

/* As the bus does (pci_ep.h): after the function's reset, the model's. */
static void b_reset(void *o, struct pci_func *f, enum pci_reset_kind kind)
{
	struct bus *b = o;

	(void)f;
	b->resets++;
	if (b->state)
		nvme_model.reset(b->state, kind);
}

static void b_msi(void *o, struct pci_func *f, u64 addr, u32 data)
{
	struct bus *b = o;

	(void)f;
	if (b->msis < 4096) {
		b->msi_addr[b->msis] = addr;
		b->msi_data[b->msis] = data;
	}
	b->msis++;
}

static void b_intx(void *o, struct pci_func *f, bool level)
{
	struct bus *b = o;

	(void)f;
	b->intx = level;
	b->intx_changes++;
}

static const struct pci_func_ops bus_ops = {
	.map = b_map, .unmap = b_unmap, .reset = b_reset, .msi_write = b_msi, .intx = b_intx,
};

static int b_dma(void *bus, u64 addr, void *buf, size_t len, enum hw_access acc)
{
	struct bus *b = bus;

	if (!pci_func_dma_begin(&b->f))
		return -EFAULT;
	if (addr < b->fail_hi && addr + len > b->fail_lo)
		return -EFAULT;
	if (addr + len < addr)
		return -EFAULT;
	if (acc == HW_READ)
		return hw_mem_read(b->m, addr, buf, len) ? -EFAULT : 0;
	return hw_mem_write(b->m, addr, buf, len) ? -EFAULT : 0;
}

/* Properties of the endpoint node, added by a test. */
typedef void (*props_fn)(void *fdt);

static struct machine *make_machine(props_fn props, int *node)
{
	struct machine *m = NULL;
	char why[160] = "";
	size_t size;
	void *b = tfdt_begin();

	tfdt_u32(b, "#address-cells", 2);
	tfdt_u32(b, "#size-cells", 2);
	tfdt_memory(b, "memory@40000000", RAM, RAM_SIZE);
	tfdt_node(b, "nvme@0");
	tfdt_str(b, "compatible", "iommulab,nvme");
	if (props)
		props(b);
	tfdt_end_node(b);
	b = tfdt_finish(b, &size);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	free(b);
	*node = fdt_path_offset(machine_fdt(m), "/nvme@0");
	assert_true(*node >= 0);
	return m;
}

/* Creates the model; returns create()'s result (the bus is set up only on 0). */
static int bus_try(props_fn props, char *why, size_t whylen)
{
	struct bus *b = calloc(1, sizeof(*b));
	int node, ret;

	assert_non_null(b);
	b->m = make_machine(props, &node);
	b->ctx = (struct pci_ep_ctx){
		.m = b->m, .fdt = machine_fdt(b->m), .node = node, .func = &b->f,
		.func_ops = &bus_ops, .func_owner = b, .dma = b_dma, .bus = b,
	};
	ret = nvme_model.create(&b->ctx, &b->state, why, whylen);
	if (ret) {
		machine_destroy(b->m);
		free(b);
		return ret;
	}
	B = b;
	return 0;
}

static u32 cfg_rd(unsigned off, unsigned size)
{
	return pci_cfg_read(&B->f, off, size);
}

static void cfg_wr(unsigned off, unsigned size, u32 v)
{
	pci_cfg_write(&B->f, off, size, v);
}

/* Programs BAR0 and turns on Memory Space and Bus Master, as firmware and the driver do. */
static void bus_enable_function(void)
{
	cfg_wr(PCI_BASE_ADDRESS_0, 4, (u32)BAR0);
	cfg_wr(PCI_BASE_ADDRESS_0 + 4, 4, (u32)(BAR0 >> 32));
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(B->mapped);
}

static void bus_up(props_fn props)
{
	char why[160] = "";

	assert_int_equal(bus_try(props, why, sizeof(why)), 0);
	bus_enable_function();
}

static void bus_down(void)
{
	if (B->mapped)
		assert_int_equal(hw_mmio_unmap(B->m, BAR0), 0);
	nvme_model.destroy(B->state);
	pci_func_exit(&B->f);
	machine_destroy(B->m);
	free(B);
	B = NULL;
}

/* ---- registers ------------------------------------------------------------ */

static u64 rd(u64 off, unsigned size)
{
	u64 v = ~0ull;

	assert_int_equal(hw_mmio_read(B->m, BAR0 + off, size, &v), 0);
	return v;
}

static void wr(u64 off, unsigned size, u64 v)
{
	assert_int_equal(hw_mmio_write(B->m, BAR0 + off, size, v), 0);
}

static void mem_wr(u64 pa, const void *buf, size_t len)
{
	assert_int_equal(hw_mem_write(B->m, pa, buf, len), 0);
}

static void mem_rd(u64 pa, void *buf, size_t len)
{
	assert_int_equal(hw_mem_read(B->m, pa, buf, len), 0);
}

static void mem_fill(u64 pa, u8 v, size_t len)
{
	u8 *p = malloc(len);

	memset(p, v, len);
	mem_wr(pa, p, len);
	free(p);
}

#define CC_IO ((6u << 16) | (4u << 20))

/* Linux's nvme_pci_configure_admin_queue + nvme_enable_ctrl: AQA, ASQ, ACQ, then CC. */
static void ctrl_enable(struct hq *admin, u32 entries)
{
	mem_fill(ASQ, 0, 0x1000);
	mem_fill(ACQ, 0, 0x1000);
	wr(0x24, 4, (entries - 1) << 16 | (entries - 1));
	wr(0x28, 8, ASQ);
	wr(0x30, 8, ACQ);
	wr(0x14, 4, CC_IO | 1);
	assert_int_equal(rd(0x1c, 4) & 3, 1);   /* RDY, no CFS */
	*admin = (struct hq){ .qid = 0, .sq = ASQ, .cq = ACQ, .size = entries, .cq_size = entries,
			      .phase = true };
}

/* ---- commands -------------------------------------------------------------- */

struct cmd {
	u8 opcode, flags;
	u16 cid;
	u32 nsid;
	u64 prp1, prp2;
	u32 cdw10, cdw11, cdw12, cdw13;
};

static void encode(const struct cmd *c, u8 *e)
{
	memset(e, 0, 64);
	e[0] = c->opcode;
	e[1] = c->flags;
	e[2] = (u8)c->cid;
	e[3] = c->cid >> 8;
	memcpy(e + 4, &c->nsid, 4);
	memcpy(e + 24, &c->prp1, 8);
	memcpy(e + 32, &c->prp2, 8);
	memcpy(e + 40, &c->cdw10, 4);
	memcpy(e + 44, &c->cdw11, 4);
	memcpy(e + 48, &c->cdw12, 4);
	memcpy(e + 52, &c->cdw13, 4);
}

static u16 next_cid;

/* Puts @c in the SQ (no doorbell). */
static void queue_cmd(struct hq *q, struct cmd c)
{
	u8 e[64];

	if (!c.cid)
		c.cid = ++next_cid;
	encode(&c, e);
	mem_wr(q->sq + (u64)q->tail * 64, e, 64);
	q->tail = (q->tail + 1) % q->size;
}

static void ring_sq(struct hq *q)
{
	wr(0x1000 + 8 * q->qid, 4, q->tail);
}

/* Takes the next completion if its phase says it is new. */
static bool reap(struct hq *q, struct cqe *out)
{
	u8 e[16];
	u16 sf;

	mem_rd(q->cq + (u64)q->head * 16, e, 16);
	sf = e[14] | e[15] << 8;
	if ((sf & 1) != q->phase)
		return false;
	memcpy(&out->dw0, e, 4);
	out->sqhd = e[8] | e[9] << 8;
	out->sqid = e[10] | e[11] << 8;
	out->cid = e[12] | e[13] << 8;
	out->status = (sf >> 1) & 0x7ff;
	out->dnr = sf >> 15;
	if (++q->head == q->cq_size) {
		q->head = 0;
		q->phase = !q->phase;
	}
	wr(0x1000 + 8 * q->qid + 4, 4, q->head);
	return true;
}

/* Submits one command, runs the machine, returns its status (S_NONE if none). */
static u16 exec(struct hq *q, struct cmd c, u32 *dw0)
{
	struct cqe e;

	c.cid = c.cid ? c.cid : ++next_cid;
	queue_cmd(q, c);
	ring_sq(q);
	hw_run_until_idle(B->m);
	if (!reap(q, &e))
		return S_NONE;
	assert_int_equal(e.cid, c.cid);
	assert_int_equal(e.sqid, q->qid);
	assert_int_equal(e.sqhd, q->tail);
	assert_int_equal(e.dnr, e.status != 0);
	if (dw0)
		*dw0 = e.dw0;
	return e.status;
}

static u16 admin_exec(struct hq *a, struct cmd c)
{
	return exec(a, c, NULL);
}

static void create_cq(struct hq *a, u16 qid, u64 base, u32 size, u16 iv, bool ien)
{
	assert_int_equal(admin_exec(a, (struct cmd){ .opcode = 0x05, .prp1 = base,
				.cdw10 = (size - 1) << 16 | qid, .cdw11 = (u32)iv << 16 | ien << 1 | 1 }),
			 S_OK);
}

static void create_sq(struct hq *a, u16 qid, u64 base, u32 size, u16 cqid)
{
	assert_int_equal(admin_exec(a, (struct cmd){ .opcode = 0x01, .prp1 = base,
				.cdw10 = (size - 1) << 16 | qid, .cdw11 = (u32)cqid << 16 | 1 }), S_OK);
}

/* MSI-X on with vector v -> (MSI_BASE, data v), unmasked. */
static void msix_enable(void)
{
	unsigned cap = pci_func_find_cap(&B->f, PCI_CAP_ID_MSIX);

	for (unsigned v = 0; v < 65; v++) {
		wr(0x2000 + 16 * v, 4, MSI_BASE);
		wr(0x2000 + 16 * v + 4, 4, 0);
		wr(0x2000 + 16 * v + 8, 4, v);
		wr(0x2000 + 16 * v + 12, 4, 0);
	}
	cfg_wr(cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
}

/* Enabled controller, MSI-X, I/O queue pair 1 of @size entries on vector 1. */
static void io_setup(struct hq *a, struct hq *io, u32 size)
{
	msix_enable();
	ctrl_enable(a, 32);
	mem_fill(IOCQ, 0, 16 * size);
	create_cq(a, 1, IOCQ, size, 1, true);
	create_sq(a, 1, IOSQ, size, 1);
	*io = (struct hq){ .qid = 1, .sq = IOSQ, .cq = IOCQ, .size = size, .cq_size = size,
			   .phase = true };
}

static struct cmd rw_cmd(bool write, u32 nsid, u64 slba, u32 nlb, u64 prp1, u64 prp2)
{
	return (struct cmd){ .opcode = write ? 0x01 : 0x02, .nsid = nsid, .prp1 = prp1, .prp2 = prp2,
			     .cdw10 = (u32)slba, .cdw11 = (u32)(slba >> 32), .cdw12 = nlb - 1 };
}

static void pattern(u8 *p, size_t len, u32 seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (u8)(seed * 131 + i * 7 + (i >> 9));
}

/* ---- tests ----------------------------------------------------------------- */

static void pci_face(void **state)
{
	unsigned msix, exp;

	(void)state;
	assert_int_equal(bus_try(NULL, NULL, 0), 0);
	assert_int_equal(cfg_rd(0, 4), NVME_PCI_DEVICE << 16 | NVME_PCI_VENDOR);
	assert_int_equal(cfg_rd(PCI_REVISION_ID, 4) >> 8, 0x010802);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_PIN, 1), 1);
	/* BAR0: 64-bit memory, 16 KiB */
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0x4);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0xffffc004);
	assert_true(pci_func_find_cap(&B->f, PCI_CAP_ID_PM) != 0);
	assert_true(pci_func_find_cap(&B->f, PCI_CAP_ID_MSI) != 0);
	msix = pci_func_find_cap(&B->f, PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_rd(msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 64);
	assert_int_equal(cfg_rd(msix + PCI_MSIX_TABLE, 4), 0x2000);
	assert_int_equal(cfg_rd(msix + PCI_MSIX_PBA, 4), 0x3000);
	exp = pci_func_find_cap(&B->f, PCI_CAP_ID_EXP);
	assert_true(cfg_rd(exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	/* Nothing decodes until software enables Memory Space. */
	assert_false(B->mapped);
	bus_enable_function();
	/* CAP: MQES 1023, CQR, TO 1, DSTRD 0, CSS NVM, MPSMIN = MPSMAX = 4 KiB */
	assert_int_equal(rd(0, 8), 0x00000020010103ffull);
	assert_int_equal(rd(0, 4), 0x010103ff);
	assert_int_equal(rd(4, 4), 0x20);
	assert_int_equal(rd(8, 4), 0x00010400);
	assert_int_equal(rd(0x14, 4), 0);
	assert_int_equal(rd(0x1c, 4), 0);
	/* Doorbells read 0; odd sizes read 0 and write nothing. */
	assert_int_equal(rd(0x1000, 4), 0);
	wr(0x24, 2, 0xffff);
	assert_int_equal(rd(0x24, 4), 0);
	wr(0x24, 4, 0xffffffff);
	assert_int_equal(rd(0x24, 4), 0x0fff0fff);
	bus_down();
}

static void identify(void **state)
{
	struct hq a;
	u8 d[4096];
	u32 list[4];

	(void)state;
	bus_up(NULL);
	ctrl_enable(&a, 32);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .prp1 = IDBUF, .cdw10 = 1 }),
			 S_OK);
	mem_rd(IDBUF, d, sizeof(d));
	assert_int_equal(d[0] | d[1] << 8, NVME_PCI_VENDOR);
	assert_memory_equal(d + 4, "LAB", 3);
	assert_memory_equal(d + 24, "iommulab NVMe controller", 24);
	assert_int_equal(d[77], 7);                       /* MDTS: 512 KiB */
	assert_int_equal(d[80] | d[81] << 8 | d[82] << 16, 0x010400);
	assert_int_equal(d[512], 0x66);
	assert_int_equal(d[513], 0x44);
	assert_int_equal(d[516], 1);                      /* NN */
	assert_int_equal(d[520] & 8, 8);                  /* Write Zeroes */
	assert_int_equal(d[525], 1);                      /* VWC */
	assert_memory_equal(d + 768, "nqn.", 4);
	/* Namespace 1: 64 MiB of 512-byte LBAs */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .nsid = 1, .prp1 = IDBUF }),
			 S_OK);
	mem_rd(IDBUF, d, sizeof(d));
	assert_int_equal(d[0] | d[1] << 8 | d[2] << 16 | (u32)d[3] << 24, 131072);
	assert_int_equal(d[8] | d[9] << 8 | d[10] << 16, 131072);
	assert_int_equal(d[26], 0);
	assert_int_equal(d[130], 9);                      /* LBADS */
	/* Active namespace list */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .prp1 = IDBUF, .cdw10 = 2 }),
			 S_OK);
	mem_rd(IDBUF, list, sizeof(list));
	assert_int_equal(list[0], 1);
	assert_int_equal(list[1], 0);
	/* Errors */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .prp1 = IDBUF, .cdw10 = 0x55 }),
			 S_INVALID_FIELD);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .nsid = 2, .prp1 = IDBUF }),
			 S_INVALID_NS);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .nsid = 0, .prp1 = IDBUF }),
			 S_INVALID_NS);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x7f }), S_INVALID_OPCODE);
	/* Identify into memory that faults: Data Transfer Error */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .prp1 = 0x1000, .cdw10 = 1 }),
			 S_XFER);
	bus_down();
}

static void four_ns(void *fdt)
{
	tfdt_u32(fdt, "iommulab,namespaces", 4);
	tfdt_u32(fdt, "iommulab,lba-size", 4096);
	tfdt_cells(fdt, "iommulab,namespace-size", 2, 0x100, 0);   /* 1 TiB each, sparse */
}

static void namespaces_sparse(void **state)
{
	struct hq a, io;
	u8 d[4096], buf[4096];
	u32 list[8];

	(void)state;
	bus_up(four_ns);
	io_setup(&a, &io, 16);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .prp1 = IDBUF, .cdw10 = 2,
						      .nsid = 1 }), S_OK);
	mem_rd(IDBUF, list, sizeof(list));
	assert_int_equal(list[0], 2);
	assert_int_equal(list[2], 4);
	assert_int_equal(list[3], 0);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .nsid = 4, .prp1 = IDBUF }),
			 S_OK);
	mem_rd(IDBUF, d, sizeof(d));
	assert_int_equal(d[130], 12);
	assert_int_equal(d[3], 0x10);                      /* 2^28 LBAs */
	assert_int_equal(d[4], 0);
	/* The last LBA of namespace 4 is writable; the one past it is not. */
	pattern(buf, 4096, 4);
	mem_wr(DATA, buf, 4096);
	assert_int_equal(exec(&io, rw_cmd(true, 4, (1ull << 28) - 1, 1, DATA, 0), NULL), S_OK);
	assert_int_equal(exec(&io, rw_cmd(true, 4, 1ull << 28, 1, DATA, 0), NULL), S_LBA_RANGE);
	assert_int_equal(exec(&io, rw_cmd(false, 3, (1ull << 28) - 1, 1, DATA2, 0), NULL), S_OK);
	mem_rd(DATA2, d, 4096);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(d[i], 0);                 /* namespaces are separate */
	assert_int_equal(exec(&io, rw_cmd(false, 4, (1ull << 28) - 1, 1, DATA2, 0), NULL), S_OK);
	mem_rd(DATA2, d, 4096);
	assert_memory_equal(d, buf, 4096);
	assert_int_equal(exec(&io, rw_cmd(false, 5, 0, 1, DATA2, 0), NULL), S_INVALID_NS);
	bus_down();
}

/* Writes @len bytes at LBA @slba through @prp1/@prp2, reads them back through DATA2. */
static void write_read(struct hq *io, u64 slba, u32 len, u64 prp1, u64 prp2, u32 seed)
{
	u8 *w = malloc(len), *r = malloc(len);
	u64 list2[130];

	pattern(w, len, seed);
	/* Scatter @w into the pages the PRPs name, as the driver's buffer would be. */
	{
		u64 pages[200];
		unsigned np = 0;
		u32 first = MIN(len, 4096 - (prp1 & 0xfff)), done;

		pages[np++] = prp1;
		if (len - first > 4096) {
			/* walk the list as the device will: chains at a page's last entry */
			u64 list = prp2;
			u32 rem = len - first;

			while (rem) {
				u32 room = (4096 - (list & 0xfff)) / 8, need = (rem + 4095) / 4096;
				u64 e[512];

				mem_rd(list, e, 8 * room);
				for (u32 i = 0; i < room && rem; i++) {
					if (need > room && i == room - 1) {
						list = e[i];
						break;
					}
					pages[np++] = e[i];
					rem -= MIN(rem, 4096);
				}
			}
		} else if (len > first) {
			pages[np++] = prp2;
		}
		done = 0;
		for (unsigned i = 0; i < np; i++) {
			u32 piece = i ? MIN(len - done, 4096) : first;

			mem_wr(pages[i], w + done, piece);
			done += piece;
		}
	}
	assert_int_equal(exec(io, rw_cmd(true, 1, slba, len / 512, prp1, prp2), NULL), S_OK);
	/* Read back into one contiguous buffer through a fresh PRP list. */
	for (u32 i = 0; i < 130; i++)
		list2[i] = DATA2 + 4096ull * (i + 1);
	mem_wr(LISTS + 0x8000, list2, sizeof(list2));
	mem_fill(DATA2, 0xee, len + 4096);
	assert_int_equal(exec(io, rw_cmd(false, 1, slba, len / 512, DATA2,
					 len > 8192 ? LISTS + 0x8000 : DATA2 + 4096), NULL), S_OK);
	mem_rd(DATA2, r, len);
	assert_memory_equal(r, w, len);
	free(w);
	free(r);
}

static void io_prp(void **state)
{
	struct hq a, io;
	u64 list[512];
	u32 msis;

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 64);
	/* PRP1 only: 4 KiB at a page */
	msis = B->msis;
	write_read(&io, 0, 4096, DATA, 0, 1);
	assert_int_equal(B->msis, msis + 2);
	assert_int_equal(B->msi_addr[msis], MSI_BASE);
	assert_int_equal(B->msi_data[msis], 1);            /* the CQ's vector */
	/* PRP1 with an offset + PRP2 */
	write_read(&io, 100, 4096, DATA + 0x10200, DATA + 0x20000, 2);
	/* a small transfer inside one page */
	write_read(&io, 7, 512, DATA + 0x30a00, 0, 3);
	/* a PRP list over 8 pages (32 KiB), pages out of order */
	for (int i = 0; i < 8; i++)
		list[i] = DATA + 0x100000 + 0x1000ull * (7 - i);
	mem_wr(LISTS, list, 64);
	write_read(&io, 1000, 9 * 4096 - 0x800, DATA + 0x40800, LISTS, 4);
	/* a chained list: the first list page has room for 2 entries */
	list[0] = DATA + 0x50000;
	list[1] = LISTS + 0x2000;                          /* chain */
	mem_wr(LISTS + 0x1ff0, list, 16);
	for (int i = 0; i < 6; i++)
		list[i] = DATA + 0x60000 + 0x2000ull * i;
	mem_wr(LISTS + 0x2000, list, 48);
	write_read(&io, 5000, 8 * 4096, DATA + 0x48000, LISTS + 0x1ff0, 5);
	/* the biggest transfer: MDTS, 512 KiB over 128 list entries */
	for (int i = 0; i < 127; i++)
		list[i] = DATA + 0x100000 + 0x1000ull * (i + 1);
	mem_wr(LISTS + 0x3000, list, 127 * 8);
	write_read(&io, 20000, 512 * 1024, DATA + 0x100000, LISTS + 0x3000, 6);
	/* one block more is beyond MDTS */
	assert_int_equal(exec(&io, rw_cmd(true, 1, 0, 1025, DATA + 0x100000, LISTS + 0x3000), NULL),
			 S_INVALID_FIELD);
	bus_down();
}

static void io_errors(void **state)
{
	struct hq a, io;
	u64 list[4];

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 64);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 131071, 1, DATA, 0), NULL), S_OK);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 131072, 1, DATA, 0), NULL), S_LBA_RANGE);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 131070, 3, DATA, 0), NULL), S_LBA_RANGE);
	assert_int_equal(exec(&io, rw_cmd(false, 1, ~0ull, 1, DATA, 0), NULL), S_LBA_RANGE);
	assert_int_equal(exec(&io, rw_cmd(false, 0, 0, 1, DATA, 0), NULL), S_INVALID_NS);
	assert_int_equal(exec(&io, rw_cmd(false, 2, 0, 1, DATA, 0), NULL), S_INVALID_NS);
	assert_int_equal(exec(&io, rw_cmd(false, 0xffffffff, 0, 1, DATA, 0), NULL), S_INVALID_NS);
	/* PRP1 not dword aligned */
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 1, DATA + 2, 0), NULL), S_PRP_OFFSET);
	/* PRP2 (a second page) with an offset */
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 8, DATA + 0x200, DATA2 + 8), NULL),
			 S_PRP_OFFSET);
	/* a list pointer not qword aligned; an entry with an offset; a chain with one */
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 24, DATA, LISTS + 4), NULL), S_PRP_OFFSET);
	list[0] = DATA2;
	list[1] = DATA2 + 0x1010;
	mem_wr(LISTS, list, 16);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 24, DATA, LISTS), NULL), S_PRP_OFFSET);
	list[0] = DATA2;
	list[1] = LISTS + 0x2008;
	mem_wr(LISTS + 0x1ff0, list, 16);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 32, DATA, LISTS + 0x1ff0), NULL),
			 S_PRP_OFFSET);
	/* a list that cannot be read; data that faults */
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 24, DATA, 0x2000), NULL), S_XFER);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 1, 0x3000, 0), NULL), S_XFER);
	/* SGL or fused flags, unknown opcode */
	{
		struct cmd c = rw_cmd(false, 1, 0, 1, DATA, 0);

		c.flags = 0x40;
		assert_int_equal(exec(&io, c, NULL), S_INVALID_FIELD);
		c.flags = 0x01;
		assert_int_equal(exec(&io, c, NULL), S_INVALID_FIELD);
	}
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x55, .nsid = 1 }, NULL),
			 S_INVALID_OPCODE);
	bus_down();
}

static void flush_write_zeroes(void **state)
{
	struct hq a, io;
	u8 w[8192], r[8192];

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	pattern(w, sizeof(w), 9);
	mem_wr(DATA, w, sizeof(w));
	assert_int_equal(exec(&io, rw_cmd(true, 1, 64, 16, DATA, DATA + 4096), NULL), S_OK);
	/* Write Zeroes LBAs 66..69 */
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 1, .cdw10 = 66, .cdw12 = 3 },
			      NULL), S_OK);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 64, 16, DATA2, DATA2 + 4096), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	memset(w + 2 * 512, 0, 4 * 512);
	assert_memory_equal(r, w, sizeof(r));
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 1, .cdw10 = 131071,
						 .cdw12 = 1 }, NULL), S_LBA_RANGE);
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 9 }, NULL), S_INVALID_NS);
	/* the whole namespace in 32 MiB commands: frees what was written */
	for (u32 lba = 0; lba < 131072; lba += 65536)
		assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 1, .cdw10 = lba,
							 .cdw12 = 0xffff }, NULL), S_OK);
	/* Flush */
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x00, .nsid = 1 }, NULL), S_OK);
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x00, .nsid = 0xffffffff }, NULL), S_OK);
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x00, .nsid = 2 }, NULL), S_INVALID_NS);
	bus_down();
}

static void phase_wrap(void **state)
{
	struct hq a, io;
	struct cqe e;
	u16 first = 0;

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 8);
	/* 300 commands in batches of up to 7 (a full SQ): the phase flips every 8 */
	for (int done = 0; done < 300;) {
		int batch = 1 + done % 7;

		for (int i = 0; i < batch; i++) {
			queue_cmd(&io, (struct cmd){ .opcode = 0x00, .nsid = 1 });
			if (!i)
				first = next_cid;
		}
		ring_sq(&io);
		hw_run_until_idle(B->m);
		for (int i = 0; i < batch; i++) {
			assert_true(reap(&io, &e));
			assert_int_equal(e.status, S_OK);
			assert_int_equal(e.cid, (u16)(first + i));
		}
		assert_false(reap(&io, &e));
		assert_int_equal(e.sqhd, io.tail);
		done += batch;
	}
	bus_down();
}

static void cq_full(void **state)
{
	struct hq a, io;
	struct cqe e;
	u8 zero[16] = { 0 }, slot[16];
	int got = 0;

	(void)state;
	bus_up(NULL);
	msix_enable();
	ctrl_enable(&a, 32);
	mem_fill(IOCQ, 0, 4096);
	create_cq(&a, 1, IOCQ, 4, 1, true);                 /* 3 entries usable */
	create_sq(&a, 1, IOSQ, 16, 1);
	io = (struct hq){ .qid = 1, .sq = IOSQ, .cq = IOCQ, .size = 16, .cq_size = 4, .phase = true };
	for (int i = 0; i < 10; i++)
		queue_cmd(&io, (struct cmd){ .opcode = 0x00, .nsid = 1 });
	ring_sq(&io);
	hw_run_until_idle(B->m);
	assert_int_equal(hw_events_pending(B->m), 0);
	/* Three posted, the fourth slot untouched: the controller waits. */
	mem_rd(IOCQ + 3 * 16, slot, 16);
	assert_memory_equal(slot, zero, 16);
	/* Consume them without moving the head: nothing more arrives. */
	{
		u8 e3[48];

		mem_rd(IOCQ, e3, 48);
		assert_int_equal(e3[40], 3);                 /* SQ head after the third */
	}
	hw_run_until(B->m, hw_now(B->m) + 100000);
	mem_rd(IOCQ + 3 * 16, slot, 16);
	assert_memory_equal(slot, zero, 16);
	/* Moving the head lets the rest through. */
	for (int round = 0; got < 10; round++) {
		assert_true(round < 100);
		if (reap(&io, &e)) {
			assert_int_equal(e.status, S_OK);
			got++;
		}
		hw_run_until_idle(B->m);
	}
	assert_false(reap(&io, &e));
	assert_int_equal(e.sqhd, 10);
	bus_down();
}

static void admin_errors(void **state)
{
	struct hq a;
	u32 dw0 = 0;

	(void)state;
	bus_up(NULL);
	msix_enable();
	ctrl_enable(&a, 32);
	/* Number of Queues: ask for 100, get 64; then 2 each. */
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 7, .cdw11 = 99 << 16 | 99 },
			      &dw0), S_OK);
	assert_int_equal(dw0, 63 << 16 | 63);
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 7, .cdw11 = 1 << 16 | 1 },
			      &dw0), S_OK);
	assert_int_equal(dw0, 1 << 16 | 1);
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 7 }, &dw0), S_OK);
	assert_int_equal(dw0, 1 << 16 | 1);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 7,
						      .cdw11 = 0xffff }), S_INVALID_FIELD);
	/* Create I/O CQ */
	struct cmd cq = { .opcode = 0x05, .prp1 = IOCQ, .cdw10 = 15 << 16 | 1, .cdw11 = 1 << 16 | 3 };
	struct cmd c = cq;

	c.cdw10 = 15 << 16;                                  /* QID 0 */
	assert_int_equal(admin_exec(&a, c), S_QID);
	c.cdw10 = 15 << 16 | 3;                              /* beyond the 2 granted */
	assert_int_equal(admin_exec(&a, c), S_QID);
	c.cdw10 = 1024u << 16 | 1;                           /* 1025 entries > MQES + 1 */
	assert_int_equal(admin_exec(&a, c), S_QSIZE);
	c.cdw10 = 1;                                         /* 1 entry */
	assert_int_equal(admin_exec(&a, c), S_QSIZE);
	c = cq;
	c.cdw11 &= ~1u;                                      /* PC = 0 */
	assert_int_equal(admin_exec(&a, c), S_INVALID_FIELD);
	c = cq;
	c.cdw11 = 65 << 16 | 3;                              /* IV beyond 65 vectors */
	assert_int_equal(admin_exec(&a, c), S_VECTOR);
	c = cq;
	c.prp1 = IOCQ + 0x100;                               /* not page aligned */
	assert_int_equal(admin_exec(&a, c), S_PRP_OFFSET);
	assert_int_equal(admin_exec(&a, cq), S_OK);
	assert_int_equal(admin_exec(&a, cq), S_QID);         /* exists */
	/* Number of Queues is fixed now */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 7, .cdw11 = 0 }),
			 S_SEQ);
	/* Create I/O SQ */
	struct cmd sq = { .opcode = 0x01, .prp1 = IOSQ, .cdw10 = 15 << 16 | 1, .cdw11 = 1 << 16 | 1 };

	c = sq;
	c.cdw11 = 2 << 16 | 1;                               /* CQ 2 does not exist */
	assert_int_equal(admin_exec(&a, c), S_CQ_INVALID);
	c.cdw11 = 0 << 16 | 1;                               /* the admin CQ */
	assert_int_equal(admin_exec(&a, c), S_CQ_INVALID);
	c = sq;
	c.cdw10 = 15 << 16 | 5;
	assert_int_equal(admin_exec(&a, c), S_QID);
	c = sq;
	c.cdw10 = 4095u << 16 | 1;
	assert_int_equal(admin_exec(&a, c), S_QSIZE);
	c = sq;
	c.cdw11 = 1 << 16;
	assert_int_equal(admin_exec(&a, c), S_INVALID_FIELD);
	assert_int_equal(admin_exec(&a, sq), S_OK);
	/* Delete: the CQ is in use; queue IDs 0 and missing */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x04, .cdw10 = 1 }), S_QDEL);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x04, .cdw10 = 0 }), S_QID);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x00, .cdw10 = 0 }), S_QID);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x00, .cdw10 = 2 }), S_QID);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x04, .cdw10 = 2 }), S_QID);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x00, .cdw10 = 1 }), S_OK);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x04, .cdw10 = 1 }), S_OK);
	/* Features */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 0x55 }),
			 S_INVALID_FIELD);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 0x55 }),
			 S_INVALID_FIELD);
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 8 }, &dw0), S_OK);
	assert_int_equal(dw0, 0);                            /* coalescing off */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x09, .cdw10 = 8, .cdw11 = 0x0a04 }),
			 S_OK);
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 8 }, &dw0), S_OK);
	assert_int_equal(dw0, 0x0a04);
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 1 << 8 | 8 }, &dw0), S_OK);
	assert_int_equal(dw0, 0);                            /* default */
	/* Get Log Page: SMART, an unknown log */
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x02, .prp1 = IDBUF,
						      .cdw10 = 127 << 16 | 2 }), S_OK);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x02, .prp1 = IDBUF,
						      .cdw10 = 127 << 16 | 0x77 }), S_LOG_PAGE);
	/* Abort: nothing to abort */
	assert_int_equal(exec(&a, (struct cmd){ .opcode = 0x08, .cdw10 = 5 << 16 | 1 }, &dw0), S_OK);
	assert_int_equal(dw0 & 1, 1);
	/* Four AERs stay outstanding; the fifth is refused. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x0c }), S_NONE);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x0c }), S_AER_LIMIT);
	bus_down();
}

static void cc_reset_and_shutdown(void **state)
{
	struct hq a, io;

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 0, 1, DATA, 0), NULL), S_OK);
	/* EN 1 -> 0: RDY falls, queues are gone */
	wr(0x14, 4, CC_IO);
	assert_int_equal(rd(0x1c, 4), 0);
	queue_cmd(&io, rw_cmd(true, 1, 0, 1, DATA, 0));
	ring_sq(&io);                                         /* ignored while disabled */
	assert_int_equal(hw_events_pending(B->m), 0);
	ctrl_enable(&a, 32);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x01, .prp1 = IOSQ,
						      .cdw10 = 15 << 16 | 1, .cdw11 = 1 << 16 | 1 }),
			 S_CQ_INVALID);
	/* Shutdown notification completes at once; clearing it returns to normal. */
	wr(0x14, 4, CC_IO | 1 | 1 << 14);
	assert_int_equal(rd(0x1c, 4), 0x9);
	wr(0x14, 4, CC_IO | 1);
	assert_int_equal(rd(0x1c, 4), 0x1);
	/* While enabled, CSS/MPS/IOSQES cannot change. */
	wr(0x14, 4, 1 | 1 << 7);
	assert_int_equal(rd(0x14, 4), CC_IO | 1);
	wr(0x14, 4, 0);
	/* A bad CC: fatal status, not ready; EN = 0 clears it. */
	wr(0x14, 4, CC_IO | 1 | 1 << 7);                      /* MPS 8 KiB */
	assert_int_equal(rd(0x1c, 4), 0x2);
	wr(0x14, 4, 0);
	assert_int_equal(rd(0x1c, 4), 0);
	wr(0x14, 4, 1);                                       /* IOSQES/IOCQES 0 */
	assert_int_equal(rd(0x1c, 4), 0x2);
	wr(0x14, 4, 0);
	wr(0x14, 4, CC_IO | 1 | 1 << 4);                      /* CSS 1 */
	assert_int_equal(rd(0x1c, 4), 0x2);
	wr(0x14, 4, 0);
	wr(0x24, 4, 0);                                       /* 1-entry admin queues */
	wr(0x14, 4, CC_IO | 1);
	assert_int_equal(rd(0x1c, 4), 0x2);
	wr(0x14, 4, 0);
	/* An admin queue that faults: the fetch fails, CFS. */
	wr(0x24, 4, 0x001f001f);
	wr(0x28, 8, 0x1000);
	wr(0x14, 4, CC_IO | 1);
	assert_int_equal(rd(0x1c, 4), 0x1);
	wr(0x1000, 4, 1);
	hw_run_until_idle(B->m);
	assert_int_equal(rd(0x1c, 4), 0x3);
	wr(0x14, 4, 0);
	assert_int_equal(rd(0x1c, 4), 0);
	bus_down();
}

static void flr(void **state)
{
	struct hq a, io;
	unsigned exp;
	int resets;

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	exp = pci_func_find_cap(&B->f, PCI_CAP_ID_EXP);
	resets = B->resets;
	cfg_wr(exp + PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR);
	assert_int_equal(B->resets, resets + 1);            /* forwarded to the bus */
	assert_false(B->mapped);
	assert_false(pci_msix_enabled(&B->f));
	bus_enable_function();
	assert_int_equal(rd(0x14, 4), 0);
	assert_int_equal(rd(0x1c, 4), 0);
	assert_int_equal(rd(0x24, 4), 0);
	assert_int_equal(rd(0x28, 8), 0);
	io_setup(&a, &io, 16);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 0, 1, DATA, 0), NULL), S_OK);
	/* Bus Master Enable off: DMA is refused, the fetch fails: CFS */
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	queue_cmd(&io, rw_cmd(true, 1, 0, 1, DATA, 0));
	ring_sq(&io);
	hw_run_until_idle(B->m);
	assert_int_equal(rd(0x1c, 4), 0x3);
	/* A conventional reset too */
	pci_func_reset(&B->f, PCI_RESET_CONVENTIONAL);
	bus_enable_function();
	assert_int_equal(rd(0x1c, 4), 0);
	bus_down();
}

static void intx_and_intms(void **state)
{
	struct hq a;
	struct cqe e;
	unsigned msi;

	(void)state;
	bus_up(NULL);
	ctrl_enable(&a, 32);
	queue_cmd(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 7 });
	ring_sq(&a);
	hw_run_until_idle(B->m);
	assert_true(B->intx);
	wr(0x0c, 4, 1);                                        /* INTMS */
	assert_int_equal(rd(0x0c, 4), 1);
	assert_false(B->intx);
	wr(0x10, 4, 1);                                        /* INTMC */
	assert_int_equal(rd(0x10, 4), 0);
	assert_true(B->intx);
	assert_true(reap(&a, &e));
	assert_false(B->intx);
	/* MSI: one message per completion round, held while masked */
	msi = pci_func_find_cap(&B->f, PCI_CAP_ID_MSI);
	cfg_wr(msi + PCI_MSI_ADDRESS_LO, 4, (u32)MSI_BASE);
	cfg_wr(msi + 0x0c, 2, 0x42);
	cfg_wr(msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	B->msis = 0;
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 7 }), S_OK);
	assert_int_equal(B->msis, 1);
	assert_int_equal(B->msi_data[0], 0x42);
	wr(0x0c, 4, 1);
	queue_cmd(&a, (struct cmd){ .opcode = 0x0a, .cdw10 = 7 });
	ring_sq(&a);
	hw_run_until_idle(B->m);
	assert_int_equal(B->msis, 1);
	wr(0x10, 4, 1);
	assert_int_equal(B->msis, 2);
	assert_true(reap(&a, &e));
	assert_false(B->intx);
	bus_down();
}

/* A write whose data DMA fails in its third page writes nothing. */
static void dma_failure_no_partial_write(void **state)
{
	struct hq a, io;
	u8 old[16384], w[16384], r[16384];
	u64 list[3] = { DATA + 0x1000, DATA + 0x2000, DATA + 0x3000 };

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	pattern(old, sizeof(old), 21);
	mem_wr(DATA, old, sizeof(old));
	mem_wr(LISTS, list, sizeof(list));
	assert_int_equal(exec(&io, rw_cmd(true, 1, 40, 32, DATA, LISTS), NULL), S_OK);
	pattern(w, sizeof(w), 22);
	mem_wr(DATA, w, sizeof(w));
	B->fail_lo = DATA + 0x2000;
	B->fail_hi = DATA + 0x2001;
	assert_int_equal(exec(&io, rw_cmd(true, 1, 40, 32, DATA, LISTS), NULL), S_XFER);
	/* a read into the failing page fails too */
	assert_int_equal(exec(&io, rw_cmd(false, 1, 40, 32, DATA, LISTS), NULL), S_XFER);
	B->fail_lo = B->fail_hi = 0;
	{
		u64 l2[3] = { DATA2 + 0x1000, DATA2 + 0x2000, DATA2 + 0x3000 };

		mem_wr(LISTS + 0x100, l2, sizeof(l2));
	}
	assert_int_equal(exec(&io, rw_cmd(false, 1, 40, 32, DATA2, LISTS + 0x100), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_memory_equal(r, old, sizeof(r));
	bus_down();
}

/*
 * A read over written and unwritten pages of a memory-backed namespace:
 * one DMA per PRP segment straight from the namespace's storage, whatever
 * its pages hold; the unwritten ones read as zeros.
 */
static void read_spans_written_and_unwritten(void **state)
{
	struct hq a, io;
	u8 w[3 * 4096], r[32768], want[32768];
	u64 list[8];

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	/* LBAs 11..34: bytes 5632..17919, parts of pages 1 and 4, all of 2 and 3 */
	pattern(w, sizeof(w), 31);
	mem_wr(DATA, w, sizeof(w));
	assert_int_equal(exec(&io, rw_cmd(true, 1, 11, 24, DATA, LISTS), NULL), S_XFER);
	list[0] = DATA + 0x1000;
	list[1] = DATA + 0x2000;
	mem_wr(LISTS, list, 16);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 11, 24, DATA, LISTS), NULL), S_OK);
	memset(want, 0, sizeof(want));
	memcpy(want + 5632, w, sizeof(w));
	/* LBAs 0..63 into one run of pages: one segment */
	for (int i = 0; i < 7; i++)
		list[i] = DATA2 + 0x1000ull * (i + 1);
	mem_wr(LISTS + 0x100, list, 56);
	mem_fill(DATA2, 0xee, sizeof(r));
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 64, DATA2, LISTS + 0x100), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_memory_equal(r, want, sizeof(r));
	/* the same from LBA 1 into scattered pages, PRP1 with an offset: eight segments */
	for (int i = 0; i < 7; i++)
		list[i] = DATA2 + 0x20000ull * (7 - i);
	mem_wr(LISTS + 0x200, list, 56);
	mem_fill(DATA2 + 0x1200, 0xee, 4096 - 0x200);
	for (int i = 0; i < 7; i++)
		mem_fill(list[i], 0xee, 4096);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 1, 63, DATA2 + 0x1200, LISTS + 0x200), NULL),
			 S_OK);
	mem_rd(DATA2 + 0x1200, r, 4096 - 0x200);
	for (int i = 0; i < 7; i++)
		mem_rd(list[i], r + 4096 - 0x200 + 4096 * i, 4096);
	assert_memory_equal(r, want + 512, 32768 - 512);
	bus_down();
}

/*
 * A write gathered from several PRP segments that faults in a later one
 * changes nothing, over written pages and unwritten ones alike; so does a
 * write of one segment (one DMA, all or nothing) straight into the store.
 */
static void multi_segment_write_fault_changes_nothing(void **state)
{
	struct hq a, io;
	u8 old[16384], w[16384], r[16384], zero[16384] = { 0 };
	u64 list[3] = { DATA + 0x5000, DATA + 0x3000, DATA + 0x9000 };
	u64 l2[3] = { DATA2 + 0x1000, DATA2 + 0x2000, DATA2 + 0x3000 };
	u64 pages[4] = { DATA + 0x7000, DATA + 0x5000, DATA + 0x3000, DATA + 0x9000 };
	u64 run[3] = { DATA + 0x9000, DATA + 0xa000, DATA + 0xb000 };

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	pattern(old, sizeof(old), 41);
	for (int i = 0; i < 4; i++)
		mem_wr(pages[i], old + 4096 * i, 4096);
	mem_wr(LISTS, list, sizeof(list));
	mem_wr(LISTS + 0x100, l2, sizeof(l2));
	mem_wr(LISTS + 0x300, run, sizeof(run));
	assert_int_equal(exec(&io, rw_cmd(true, 1, 80, 32, DATA + 0x7000, LISTS), NULL), S_OK);
	pattern(w, sizeof(w), 42);
	for (int i = 0; i < 4; i++)
		mem_wr(pages[i], w + 4096 * i, 4096);
	B->fail_lo = DATA + 0x9800;
	B->fail_hi = DATA + 0x9801;
	/* over what was written, and over LBAs 200.. that never were */
	assert_int_equal(exec(&io, rw_cmd(true, 1, 80, 32, DATA + 0x7000, LISTS), NULL), S_XFER);
	assert_int_equal(exec(&io, rw_cmd(true, 1, 200, 32, DATA + 0x7000, LISTS), NULL), S_XFER);
	/* one segment: DATA+0x8000.. runs into the failing page */
	assert_int_equal(exec(&io, rw_cmd(true, 1, 80, 32, DATA + 0x8000, LISTS + 0x300), NULL),
			 S_XFER);
	B->fail_lo = B->fail_hi = 0;
	assert_int_equal(exec(&io, rw_cmd(false, 1, 80, 32, DATA2, LISTS + 0x100), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_memory_equal(r, old, sizeof(r));
	assert_int_equal(exec(&io, rw_cmd(false, 1, 200, 32, DATA2, LISTS + 0x100), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_memory_equal(r, zero, sizeof(r));
	bus_down();
}

/* Resident host memory of this process, in bytes. */
static u64 resident(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &res), 2);
	fclose(f);
	return (u64)res * (u64)sysconf(_SC_PAGESIZE);
}

/*
 * The memory store costs host memory only for what was written: 16 MiB
 * of writes take about 16 MiB, Write Zeroes over them gives it back and
 * reads as zeros, and reading 16 MiB never written takes none.
 */
static void write_zeroes_gives_memory_back(void **state)
{
	struct hq a, io;
	u64 list[127], before, written;
	u8 r[4096], zero[4096] = { 0 };

	(void)state;
	bus_up(NULL);
	io_setup(&a, &io, 16);
	for (int i = 0; i < 127; i++)
		list[i] = DATA + 0x1000ull * (i + 1);
	mem_wr(LISTS + 0x3000, list, sizeof(list));
	mem_fill(DATA, 0x5a, 512 * 1024);
	before = resident();
	for (u32 lba = 0; lba < 32768; lba += 1024)
		assert_int_equal(exec(&io, rw_cmd(true, 1, lba, 1024, DATA, LISTS + 0x3000), NULL),
				 S_OK);
	written = resident();
	assert_true(written > before + (12ull << 20));
	/* LBAs 1..32767: the first page keeps its first block, the rest is dropped */
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 1, .cdw10 = 1,
						 .cdw12 = 32766 }, NULL), S_OK);
	assert_true(resident() + (12ull << 20) < written);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 8, DATA2, 0), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_int_equal(r[0], 0x5a);
	assert_int_equal(r[511], 0x5a);
	assert_memory_equal(r + 512, zero, sizeof(r) - 512);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 32760, 8, DATA2, 0), NULL), S_OK);
	mem_rd(DATA2, r, sizeof(r));
	assert_memory_equal(r, zero, sizeof(r));
	/* reading what was never written (LBAs 65536..) takes no memory */
	before = resident();
	for (u32 lba = 65536; lba < 65536 + 32768; lba += 1024)
		assert_int_equal(exec(&io, rw_cmd(false, 1, lba, 1024, DATA, LISTS + 0x3000), NULL),
				 S_OK);
	assert_true(resident() < before + (4ull << 20));
	mem_rd(DATA + 0x7f000, r, sizeof(r));
	assert_memory_equal(r, zero, sizeof(r));
	bus_down();
}

static char tmp_path[64];

static void file_props(void *fdt)
{
	tfdt_str(fdt, "iommulab,backing-file", tmp_path);
	tfdt_u32(fdt, "iommulab,namespaces", 2);
}

static void file_props_sized(void *fdt)
{
	tfdt_str(fdt, "iommulab,backing-file", tmp_path);
	tfdt_u32(fdt, "iommulab,namespace-size", 2 << 20);   /* 2 MiB: the file has 1 */
}

static void file_backed(void **state)
{
	struct hq a, io;
	u8 w[4096], f[4096], d[4096];
	char why[200] = "";
	int fd;

	(void)state;
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/lab-nvme-XXXXXX");
	fd = mkstemp(tmp_path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);           /* 1 MiB: 2 x 512 KiB */
	bus_up(file_props);
	io_setup(&a, &io, 16);
	assert_int_equal(admin_exec(&a, (struct cmd){ .opcode = 0x06, .nsid = 2, .prp1 = IDBUF }),
			 S_OK);
	mem_rd(IDBUF, d, sizeof(d));
	assert_int_equal(d[0] | d[1] << 8, 1024);              /* 512 KiB of 512-byte LBAs */
	pattern(w, sizeof(w), 31);
	mem_wr(DATA, w, sizeof(w));
	assert_int_equal(exec(&io, rw_cmd(true, 2, 5, 8, DATA, 0), NULL), S_OK);
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x00, .nsid = 2 }, NULL), S_OK);
	assert_int_equal(pread(fd, f, sizeof(f), (512 << 10) + 5 * 512), (ssize_t)sizeof(f));
	assert_memory_equal(f, w, sizeof(f));
	/* what is in the file is what a read returns */
	memset(f, 0x5a, 512);
	assert_int_equal(pwrite(fd, f, 512, 0), 512);
	assert_int_equal(exec(&io, rw_cmd(false, 1, 0, 1, DATA2, 0), NULL), S_OK);
	mem_rd(DATA2, d, 512);
	assert_memory_equal(d, f, 512);
	assert_int_equal(exec(&io, (struct cmd){ .opcode = 0x08, .nsid = 2, .cdw10 = 5, .cdw12 = 0 },
			      NULL), S_OK);
	assert_int_equal(pread(fd, f, 512, (512 << 10) + 5 * 512), 512);
	for (int i = 0; i < 512; i++)
		assert_int_equal(f[i], 0);
	bus_down();
	/* a file too small for the namespaces; one that does not exist */
	assert_int_equal(bus_try(file_props_sized, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "the namespaces need"));
	close(fd);
	unlink(tmp_path);
	assert_int_equal(bus_try(file_props, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "cannot open backing file"));
}

static int bad_case;

static void bad_props(void *fdt)
{
	switch (bad_case) {
	case 0: tfdt_u32(fdt, "iommulab,namespaces", 0); break;
	case 1: tfdt_u32(fdt, "iommulab,namespaces", 17); break;
	case 2: tfdt_u32(fdt, "iommulab,lba-size", 1024); break;
	case 3: tfdt_u32(fdt, "iommulab,namespace-size", 1000); break;
	case 4: tfdt_cells(fdt, "iommulab,namespace-size", 3, 0, 0, 4096); break;
	case 5: tfdt_cells(fdt, "iommulab,namespace-size", 2, 0x101, 0); break;
	case 6: tfdt_str(fdt, "iommulab,backing-file", ""); break;
	case 7: tfdt_cells(fdt, "iommulab,lba-size", 2, 0, 512); break;
	case 8: tfdt_u32(fdt, "iommulab,namespace-size", 0); break;
	}
}

static void bad_dt(void **state)
{
	(void)state;
	for (bad_case = 0; bad_case < 9; bad_case++) {
		char why[200] = "";

		assert_int_equal(bus_try(bad_props, why, sizeof(why)), -EINVAL);
		assert_true(!strncmp(why, "nvme: ", 6));
	}
}

/*
 * Random SQ entries (opcodes biased to the real ones, PRPs into an arena
 * or anywhere), random doorbells and register writes: nothing crashes, and
 * nothing outside the arena, the queues and the identify buffer changes.
 */
static void fuzz(void **state)
{
	uint64_t seed = tu_env_u64("LAB_FUZZ_SEED", 0x6e766d65u), s;
	uint64_t count = tu_env_u64("LAB_FUZZ_COUNT", 20000);
	static const u8 admin_ops[] = { 0, 1, 2, 4, 5, 6, 8, 9, 0xa, 0xc, 0x7f };
	static const u8 io_ops[] = { 0, 1, 2, 8, 0x55 };
	const u64 arena = RAM + 0x800000, arena_len = 0x400000;
	u8 canary[4096], check[4096];
	struct hq a, io;

	(void)state;
	printf("fuzz seed %#llx count %llu\n", (unsigned long long)seed, (unsigned long long)count);
	s = seed;
	bus_up(NULL);
	io_setup(&a, &io, 64);
	memset(canary, 0xc5, sizeof(canary));
	for (u64 pa = RAM + 0x300000; pa < RAM + 0x800000; pa += 4096)
		mem_wr(pa, canary, sizeof(canary));
	for (u64 i = 0; i < count; i++) {
		u64 r = xorshift64star(&s), pick = r % 16;
		u8 e[64];

		if (pick < 8) {
			struct hq *q = (r >> 8) & 1 ? &a : &io;
			u64 prp_base = arena + (xorshift64star(&s) % arena_len);

			for (int k = 0; k < 64; k += 8) {
				u64 x = xorshift64star(&s);

				memcpy(e + k, &x, 8);
			}
			e[0] = q == &a ? admin_ops[(r >> 12) % sizeof(admin_ops)] :
					 io_ops[(r >> 12) % sizeof(io_ops)];
			if ((r >> 16) & 1)
				e[1] = 0;
			if ((r >> 17) & 3) {
				u64 p1 = (r >> 19) & 1 ? prp_base & ~0xfffull : prp_base;
				u64 p2 = ((prp_base + 0x3000) & ~0xfffull) + ((r >> 20) & 1 ? 0 : (r >> 21) & 0xff8);
				u32 nsid = 1 + ((r >> 30) & 1);

				memcpy(e + 4, &nsid, 4);
				memcpy(e + 24, &p1, 8);
				memcpy(e + 32, &p2, 8);
				e[48] = (u8)(r >> 40);
				e[49] = (r >> 48) & 1;
				e[50] = e[51] = 0;
			}
			mem_wr(q->sq + (u64)q->tail * 64, e, 64);
			q->tail = (q->tail + 1) % q->size;
			ring_sq(q);
		} else if (pick < 11) {
			/* a doorbell, often beyond its queue */
			wr(0x1000 + ((r >> 8) % 140) * 4, 4, (r >> 20) % 80);
		} else if (pick < 12) {
			/* the engine sees a random list or data page in the arena */
			u64 x = xorshift64star(&s), pa = arena + (x % arena_len) / 8 * 8, v;

			v = (x >> 3) & 1 ? arena + ((x >> 5) % arena_len) : x;
			mem_wr(pa, &v, 8);
		} else if (pick < 13) {
			/* registers; the admin queue bases only ever into the arena */
			static const u16 regs[] = { 0x0c, 0x10, 0x14, 0x24, 0x28, 0x30 };
			u64 off = regs[(r >> 8) % ARRAY_SIZE(regs)];

			if (off >= 0x28)
				wr(off, 8, arena + ((r >> 16) % arena_len));
			else
				wr(off, 4, (u32)(r >> 32));
		} else {
			hw_run_until(B->m, hw_now(B->m) + ((r >> 8) % 5000));
			/* the host consumes what it can; a reset brings it back */
			struct cqe ce;

			while (reap(&a, &ce))
				;
			while (reap(&io, &ce))
				;
			if (!(rd(0x1c, 4) & 1) || (rd(0x1c, 4) & 2) || (r >> 40) % 64 == 0) {
				wr(0x14, 4, 0);
				io_setup(&a, &io, 64);
			}
		}
	}
	hw_run_until_idle(B->m);
	for (u64 pa = RAM + 0x300000; pa < RAM + 0x800000; pa += 4096) {
		mem_rd(pa, check, sizeof(check));
		assert_memory_equal(check, canary, sizeof(check));
	}
	bus_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pci_face),
		cmocka_unit_test(identify),
		cmocka_unit_test(namespaces_sparse),
		cmocka_unit_test(io_prp),
		cmocka_unit_test(io_errors),
		cmocka_unit_test(flush_write_zeroes),
		cmocka_unit_test(phase_wrap),
		cmocka_unit_test(cq_full),
		cmocka_unit_test(admin_errors),
		cmocka_unit_test(cc_reset_and_shutdown),
		cmocka_unit_test(flr),
		cmocka_unit_test(intx_and_intms),
		cmocka_unit_test(dma_failure_no_partial_write),
		cmocka_unit_test(read_spans_written_and_unwritten),
		cmocka_unit_test(multi_segment_write_fault_changes_nothing),
		cmocka_unit_test(write_zeroes_gives_memory_back),
		cmocka_unit_test(file_backed),
		cmocka_unit_test(bad_dt),
		cmocka_unit_test(fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
