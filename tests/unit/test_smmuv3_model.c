/*
 * The SMMUv3 model ("arm,smmu-v3") on a bare machine: programmed only
 * through its registers and the structures in emulated RAM (stream table,
 * STEs, CDs, page tables, queues), observed through the translate op, its
 * registers, its event queue, its interrupt lines and its command counts.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/dt.h"

#define D_TABLE 3ull
#define D_PAGE 3ull
#define D_RW ((1ull << 10) | (1ull << 6) | (1ull << 11))

struct t {
	struct machine *m;
	struct hw_iommu *iommu;
	u32 cmd_prod;
	u64 next_table;
};

#include "smmuv3_test.h"

static void ste(struct t *t, u64 addr, u64 q0, u64 q1)
{
	u64 e[8] = { q0, q1 };

	assert_int_equal(hw_mem_write(t->m, addr, e, sizeof(e)), 0);
}

static int setup_sid(void **state, u32 sid_bits)
{
	struct t *t = smmuv3_test_new(sid_bits, false);

	t->next_table = TABLES;
	*state = t;
	return 0;
}

static int setup(void **state)
{
	return setup_sid(state, 16);
}

static int xl(struct t *t, u32 sid, u64 va, enum hw_access acc, struct hw_xlate *out)
{
	return t->iommu->ops->translate(t->iommu, sid, va, acc, out);
}

/* A 4K, 48-bit, four-level table mapping @va to @pa; returns TTB0. */
static u64 map4k(struct t *t, u64 va, u64 pa)
{
	u64 ttb = t->next_table, table = ttb;

	for (unsigned lvl = 0; lvl < 3; lvl++) {
		u64 next = table + 0x1000;
		unsigned shift = 39 - 9 * lvl;

		mem64(t, table + ((va >> shift) & 511) * 8, next | D_TABLE);
		table = next;
	}
	mem64(t, table + ((va >> 12) & 511) * 8, pa | D_PAGE | D_RW);
	t->next_table = table + 0x1000;
	return ttb;
}

#define CD0(asid) (16ull | (1ull << 30) | (1ull << 31) | (5ull << 32) | (1ull << 41) | \
		   (1ull << 45) | ((u64)(asid) << 48))
#define STE_S1 (1ull | (5ull << 1) | CDTAB)
#define STE_BYPASS (1ull | (4ull << 1))
#define STE_ABORT 1ull

static void install_cd(struct t *t, u64 q0, u64 ttb)
{
	u64 cd[8] = { q0, ttb };

	assert_int_equal(hw_mem_write(t->m, CDTAB, cd, sizeof(cd)), 0);
}

static u64 event(struct t *t, unsigned n, unsigned q)
{
	u64 v;

	assert_int_equal(hw_mem_read(t->m, EVTQ + n * 32ull + q * 8, &v, 8), 0);
	return v;
}

/* ---- tests ------------------------------------------------------------ */

static void test_ids_and_gbpa(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	assert_int_equal(r32(t, IDR1) & 0x3f, 16);
	assert_true(r32(t, IDR0) & (1u << 1));      /* S1P */
	assert_int_equal(r32(t, IDR5) & 7, 5);      /* OAS 48 */
	/* Disabled: GBPA decides; its reset value bypasses. */
	assert_int_equal(xl(t, SID, 0x1000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	/* A write without UPDATE changes nothing; with UPDATE it applies at once. */
	w32(t, GBPA, 1u << 20);
	assert_int_equal(r32(t, GBPA) & (1u << 20), 0);
	w32(t, GBPA, (1u << 31) | (1u << 20));
	assert_int_equal(r32(t, GBPA), 1u << 20);
	assert_int_equal(xl(t, SID, 0x1000, HW_READ, &x), -EFAULT);
}

static void test_linear_ste_kinds(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	setup_sid((void **)&t, 8);
	ste(t, STRTAB + SID * 0 + 0x10 * 64, STE_BYPASS, 0);
	ste(t, STRTAB + 0x11 * 64, STE_ABORT, 0);
	enable(t, false);
	assert_int_equal(xl(t, 0x10, 0x5000, HW_WRITE, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	/* Abort: silent. */
	assert_int_equal(xl(t, 0x11, 0x5000, HW_WRITE, &x), -EFAULT);
	assert_int_equal(stats(t).events, 0);
	/* V = 0: C_BAD_STE; a SID past the table: C_BAD_STREAMID. */
	assert_int_equal(xl(t, 0x12, 0x5000, HW_WRITE, &x), -EFAULT);
	assert_int_equal(event(t, 0, 0), 0x04 | (0x12ull << 32));
	assert_int_equal(xl(t, 0x100, 0x5000, HW_WRITE, &x), -EFAULT);
	assert_int_equal(event(t, 1, 0) & 0xff, 0x02);
	assert_int_equal(r32(t, EVTQ_PROD), 2);
	assert_true(hw_irq_level(t->m, EVTQ_IRQ));
	w32(t, EVTQ_CONS, 2);
	assert_false(hw_irq_level(t->m, EVTQ_IRQ));
	teardown((void **)&t);
}

static void test_s1_translate_and_cache(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;
	u64 ttb = map4k(t, 0x100000, 0x48000000);
	struct arm_smmu_v3_stats st;

	ste(t, L2 + (SID & 0xff) * 64, STE_S1, 0);
	mem64(t, STRTAB + (SID >> 8) * 8, L2 | 9);
	install_cd(t, CD0(7), ttb);
	enable(t, true);
	assert_int_equal(xl(t, SID, 0x100123, HW_WRITE, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_TRANSLATED);
	assert_int_equal(x.pa, 0x48000123);
	assert_int_equal(xl(t, SID, 0x100000, HW_READ, &x), 0);
	assert_true(x.from_tlb);
	/* Unmapped: F_TRANSLATION with the stream and address. */
	assert_int_equal(xl(t, SID, 0x200000, HW_READ, &x), -EFAULT);
	assert_int_equal(event(t, 0, 0), 0x10 | ((u64)SID << 32));
	assert_int_equal(event(t, 0, 2), 0x200000);
	/* A forgotten CFGI_STE: the cached STE stays in force. */
	ste(t, L2 + (SID & 0xff) * 64, STE_BYPASS, 0);
	assert_int_equal(xl(t, SID, 0x100000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_TRANSLATED);
	cmd(t, 0x03 | ((u64)SID << 32), 1);         /* CFGI_STE */
	cmd(t, 0x46, 0);                            /* SYNC */
	assert_int_equal(r32(t, CMDQ_CONS), t->cmd_prod);
	assert_int_equal(xl(t, SID, 0x100000, HW_READ, &x), 0);
	assert_int_equal(x.kind, HW_XLATE_BYPASS);
	/* Back to stage 1: a stale IOTLB entry until TLBI_NH_VA. */
	ste(t, L2 + (SID & 0xff) * 64, STE_S1, 0);
	cmd(t, 0x04, 31);                           /* CFGI_ALL */
	mem64(t, t->next_table - 0x1000 + (0x100 & 511) * 8, 0);
	assert_int_equal(xl(t, SID, 0x100000, HW_READ, &x), 0);
	assert_true(x.from_tlb);
	cmd(t, 0x12 | (7ull << 48), 0x100000);      /* TLBI_NH_VA */
	cmd(t, 0x46, 0);
	assert_int_equal(xl(t, SID, 0x100000, HW_READ, &x), -EFAULT);
	st = stats(t);
	assert_int_equal(st.cfgi_ste, 1);
	assert_int_equal(st.cfgi_all, 1);
	assert_int_equal(st.tlbi_nh_va, 1);
	assert_int_equal(st.sync, 2);
}

/* What the DMA path showed: the pieces one by one, and the runs. */
struct seen {
	unsigned n, runs, run_pages;
	bool take_runs;
	struct hw_dma_event ev[8];
};

static void seen_piece(void *opaque, const struct hw_dma_event *ev)
{
	struct seen *s = opaque;

	if (s->n < 8)
		s->ev[s->n] = *ev;
	s->n++;
}

static bool seen_run(void *opaque, const struct hw_dma_event *ev, u32 pages)
{
	struct seen *s = opaque;

	(void)ev;
	s->runs++;
	s->run_pages += pages;
	return s->take_runs;
}

/*
 * The fast lane (translate_hits) through the SMMUv3 model: four 4K pages
 * with frames that follow each other move as one run once the IOTLB holds
 * them; a run observer that declines sees each page as the slow lane
 * shows it; a stale entry still wins for its page, and a TLBI_NH_VA
 * between transfers is honoured.
 */
static void test_dma_fast_lane(void **state)
{
	struct t *t = *state;
	struct hw_dma_master *d = hw_master_by_name(t->m, "/dma@a000000");
	u64 va = 0x100000, pa = RAM_BASE + 0x400000, ttb = map4k(t, va, pa);
	u64 leaf = t->next_table - 0x1000;
	struct seen seen = { 0 };
	char buf[4 * 4096], back[16];

	for (unsigned i = 1; i < 4; i++)
		mem64(t, leaf + (((va >> 12) + i) & 511) * 8, (pa + i * 0x1000) | D_PAGE | D_RW);
	ste(t, L2 + (SID & 0xff) * 64, STE_S1, 0);
	mem64(t, STRTAB + (SID >> 8) * 8, L2 | 9);
	install_cd(t, CD0(7), ttb);
	enable(t, true);
	hw_set_dma_observer(t->m, seen_piece, &seen);
	hw_set_dma_run_observer(t->m, seen_run);
	/* First transfer: walked, page by page. */
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(hw_dma(t->m, d, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.runs, 0);
	/* From the IOTLB: one run, declined, so four pieces as before. */
	seen = (struct seen){ 0 };
	assert_int_equal(hw_dma(t->m, d, va + 0x800, buf, sizeof(buf) - 0x800, HW_WRITE), 0);
	assert_int_equal(seen.runs, 1);
	assert_int_equal(seen.run_pages, 4);
	assert_int_equal(seen.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		const struct hw_dma_event *ev = &seen.ev[i];
		u64 off = i ? i * 0x1000ull : 0x800;

		assert_int_equal(ev->addr, va + off);
		assert_int_equal(ev->len, i ? 0x1000 : 0x800);
		assert_int_equal(ev->xl.kind, HW_XLATE_TRANSLATED);
		assert_true(ev->xl.from_tlb);
		assert_int_equal(ev->xl.pa, pa + off);
		assert_int_equal(ev->xl.len, i ? 0x1000 : 0x800);
		assert_int_equal(ev->xl.domain_tag, 8);
	}
	/* Taken: no pieces. */
	seen = (struct seen){ .take_runs = true };
	assert_int_equal(hw_dma(t->m, d, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(seen.runs, 1);
	assert_int_equal(seen.n, 0);
	/* Page 2 remapped without an invalidation: its stale entry wins. */
	mem64(t, leaf + (((va >> 12) + 2) & 511) * 8, (RAM_BASE + 0x500000) | D_PAGE | D_RW);
	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(hw_dma(t->m, d, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(t->m, pa + 0x2000, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0x22);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x500000, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0);
	/* Invalidated: the new frame, which breaks the run in two around it. */
	cmd(t, 0x12 | (7ull << 48), va + 0x2000);   /* TLBI_NH_VA */
	cmd(t, 0x46, 0);
	memset(buf, 0x33, sizeof(buf));
	seen = (struct seen){ .take_runs = true };
	assert_int_equal(hw_dma(t->m, d, va, buf, sizeof(buf), HW_WRITE), 0);
	assert_int_equal(hw_mem_read(t->m, RAM_BASE + 0x500000, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0x33);
	assert_int_equal(hw_mem_read(t->m, pa + 0x2000, back, sizeof(back)), 0);
	assert_int_equal(back[0], 0x22);
	for (unsigned i = 0; i < 4; i += i == 1 ? 2 : 1) {
		assert_int_equal(hw_mem_read(t->m, pa + i * 0x1000, back, sizeof(back)), 0);
		assert_int_equal(back[0], 0x33);
	}
	assert_int_equal(seen.n, 2);   /* the walked page, and the last one alone */
	assert_int_equal(seen.runs, 1);
	assert_int_equal(seen.run_pages, 2);
	assert_int_equal(stats(t).events, 0);
	hw_set_dma_observer(t->m, NULL, NULL);
}

static void test_bad_cd_and_l1(void **state)
{
	struct t *t = *state;
	struct hw_xlate x;

	ste(t, L2 + (SID & 0xff) * 64, STE_S1, 0);
	mem64(t, STRTAB + (SID >> 8) * 8, L2 | 9);
	install_cd(t, CD0(1) & ~(1ull << 31), 0);   /* V = 0 */
	enable(t, true);
	assert_int_equal(xl(t, SID, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(event(t, 0, 0) & 0xff, 0x0a);
	/* L1 descriptor with SPAN 0: C_BAD_STREAMID. */
	assert_int_equal(xl(t, 0x300, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(event(t, 1, 0) & 0xff, 0x02);
	/* Stage 2 (not implemented): C_BAD_STE. */
	ste(t, L2 + 1 * 64, 1ull | (6ull << 1), 0);
	assert_int_equal(xl(t, SID + 1, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(event(t, 2, 0) & 0xff, 0x04);
	/* CD outside RAM: F_CD_FETCH. */
	ste(t, L2 + 2 * 64, 1ull | (5ull << 1) | 0x1000000000ull, 0);
	assert_int_equal(xl(t, SID + 2, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(event(t, 3, 0) & 0xff, 0x09);
	/* The 4-entry queue is full now: the next event is lost, OVFLG set. */
	assert_int_equal(xl(t, SID + 1, 0, HW_READ, &x), -EFAULT);
	assert_int_equal(r32(t, EVTQ_PROD), 4u | (1u << 31));
	assert_int_equal(stats(t).events_lost, 1);
}

static void test_cmd_error(void **state)
{
	struct t *t = *state;

	enable(t, true);
	cmd(t, 0x7f, 0);            /* no such opcode */
	cmd(t, 0x46, 0);
	assert_int_equal(r32(t, CMDQ_CONS), 0u | (1u << 24));    /* CERROR_ILL at 0 */
	assert_int_equal(r32(t, GERROR) & 1, 1);
	assert_true(hw_irq_level(t->m, GERR_IRQ));
	/* Turn it into a SYNC and acknowledge: the queue restarts. */
	mem64(t, CMDQ, 0x46);
	w32(t, GERRORN, r32(t, GERROR));
	assert_false(hw_irq_level(t->m, GERR_IRQ));
	assert_int_equal(r32(t, CMDQ_CONS), 2);
	assert_int_equal(stats(t).cmd_errors, 1);
}

/* Queue wrap: more commands than entries, consumed as PROD moves. */
static void test_cmdq_wrap(void **state)
{
	struct t *t = *state;

	enable(t, true);
	for (unsigned i = 0; i < 40; i++)
		cmd(t, 0x46, 0);
	assert_int_equal(r32(t, CMDQ_CONS), t->cmd_prod);
	assert_int_equal(stats(t).sync, 40);
}

/* Random STEs, CDs, L1 descriptors and commands never crash the model. */
static void test_fuzz(void **state)
{
	struct t *t = *state;
	u64 seed = 0x5eed5eedull;
	const char *env = getenv("LAB_FUZZ_SEED");
	struct hw_xlate x;

	if (env && strtoull(env, NULL, 0))
		seed = strtoull(env, NULL, 0);
	print_message("seed %#llx\n", (unsigned long long)seed);
	enable(t, (seed & 1) != 0);
	for (unsigned i = 0; i < 20000; i++) {
		u64 r1, r2;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		r1 = seed;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		r2 = seed;
		switch (r1 % 5) {
		case 0: ste(t, L2 + (r2 & 0xff) * 64, r1 ^ (r2 << 7), r2); break;
		case 1: install_cd(t, r2 | (1ull << 31), r1); break;
		case 2: mem64(t, STRTAB + (r2 & 0xff) * 8, (r1 & 0x3fc0) + RAM_BASE + (r2 & 31)); break;
		case 3:
			cmd(t, r1, r2);
			if (r32(t, GERROR) != r32(t, GERRORN))
				w32(t, GERRORN, r32(t, GERROR));
			break;
		case 4: xl(t, (u32)(r2 & 0x1ffff), r1, (r1 >> 63) ? HW_WRITE : HW_READ, &x); break;
		}
		if ((i & 63) == 0)
			w32(t, EVTQ_CONS, r32(t, EVTQ_PROD));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ids_and_gbpa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linear_ste_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s1_translate_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_fast_lane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_cd_and_l1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdq_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
