/*
 * The real device trees in ../shared/linux-dts boot with the stream IDs and
 * groups Linux gives them. For every platform whose summary
 * (../shared/linux-dts/summary/NAME.json) lists an SMMUv1/v2-class IOMMU
 * (arm,smmu-v1, arm,smmu-v2, arm,mmu-*), each enabled master listed there
 * must have a device whose fwspec names that SMMU's node and holds exactly
 * the listed IDs (bits 15:0 the stream ID, 31:16 the SMR mask, as
 * arm_smmu_of_xlate builds them), and a group; masters with an identical
 * ID on one SMMU share a stream-map entry and so a group, all others are
 * apart. No other device may be attached to those SMMUs.
 *
 * iommu-map users (PCI host bridges) are checked by test_pci_dts.c (it adds
 * functions below the real host bridges, which have no child nodes) and,
 * for the SMMUv3 trees, by test_arm_smmu_v3_dts.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>

#include "iommulab/lab.h"
#include "test_util.h"
#include "kernel/base/device.h"
#include "kernel/iommu/iommu.h"
#include "kernel/of/of.h"

#define LINUX_DTS LAB_SRCDIR "/../shared/linux-dts/"
#define SUMMARY_DIR LINUX_DTS "summary"

#include "test_json.h"

/* ---- the JSON reader's own check ----------------------------------------- */

static void test_json_reader(void **state)
{
	const char *text = "{\"a\": [1, \"0x1f\", true, null], \"b\\\"\": {}, \"c\": []}";
	struct jparser jp = { .p = text };
	struct jval *v = parse_value(&jp);

	assert_false(jp.error);
	assert_int_equal(v->type, J_OBJ);
	assert_int_equal(v->n, 3);
	assert_string_equal(v->keys[1], "b\"");
	assert_int_equal(jget(v, "a")->n, 4);
	assert_int_equal(jhex(jget(v, "a")->items[1]), 0x1f);
	assert_true(jget(v, "a")->items[2]->b);
	assert_int_equal(jget(v, "a")->items[3]->type, J_NULL);
	jfree(v);

	jp = (struct jparser){ .p = "{\"a\": [1, 2" };
	jfree(parse_value(&jp));
	assert_true(jp.error);
}

/* ---- the kernel's view ----------------------------------------------------- */

/* The platform file each summary describes, as the lab boots it. */
static const struct {
	const char *summary;
	const char *platform;
} platforms[] = {
	{ "juno-r2", LINUX_DTS "linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts" },
	/* Linux's tree plus the RAM node UEFI adds (page tables need memory). */
	{ "amd-overdrive-rev-b1", LAB_SRCDIR "/tests/scenarios/platforms/smmu-seattle-b1.dts" },
	{ "amd-overdrive-rev-b0-legacy",
	  LINUX_DTS "legacy-mmu-masters/arch/arm64/boot/dts/amd/amd-overdrive-rev-b0.dts" },
	{ "fvp-base-revc", NULL },      /* SMMUv3 only */
	{ "qemu-virt-smmuv3", NULL },   /* SMMUv3 only */
};

static bool smmu_v2_class(const struct jval *iommu)
{
	const struct jval *compat = jget(iommu, "compatible");

	for (unsigned i = 0; compat && i < compat->n; i++) {
		const char *c = compat->items[i]->str;
		if (!strcmp(c, "arm,smmu-v1") || !strcmp(c, "arm,smmu-v2") ||
		    !strncmp(c, "arm,mmu-", 8))
			return true;
	}
	return false;
}

struct find_node {
	const char *path;
	struct device *found;
};

static int match_path(struct device *dev, void *data)
{
	struct find_node *f = data;
	char path[256];

	if (!dev->of_node || fdt_get_path(of_fdt(), dev->of_node->fdt_offset, path, sizeof(path)))
		return 0;
	if (strcmp(path, f->path))
		return 0;
	f->found = dev;
	return 1;
}

/* The device of a DT node on a bus the IOMMU core watches, or NULL. */
static struct device *device_of_node(const char *path)
{
	static const char *const buses[] = { "platform", "amba" };
	struct find_node f = { .path = path };

	for (size_t i = 0; i < 2 && !f.found; i++) {
		struct bus_type *bus = bus_find(buses[i]);
		if (bus)
			bus_for_each_dev(bus, NULL, &f, match_path);
	}
	return f.found;
}

/* One expected master: its node and the fwspec words it must carry. */
struct master {
	const char *node;
	int smmu_node;
	bool enabled;
	unsigned num;
	u32 ids[32];
};

struct expect {
	struct master m[64];
	unsigned n;
	int smmu_nodes[16];
	unsigned nsmmu;
};

static struct master *master_get(struct expect *e, const char *node, int smmu_node)
{
	for (unsigned i = 0; i < e->n; i++)
		if (!strcmp(e->m[i].node, node) && e->m[i].smmu_node == smmu_node)
			return &e->m[i];
	assert_true(e->n < ARRAY_SIZE(e->m));
	e->m[e->n] = (struct master){ .node = node, .smmu_node = smmu_node };
	return &e->m[e->n++];
}

static void add_id(struct master *m, u32 id)
{
	assert_true(m->num < ARRAY_SIZE(m->ids));
	m->ids[m->num++] = id;
}

/* A node is enabled without a status property, or with "okay"/"ok". */
static bool node_enabled(const char *path)
{
	int off = fdt_path_offset(of_fdt(), path);
	const char *st;

	if (off < 0)
		return false;
	st = fdt_getprop(of_fdt(), off, "status", NULL);
	return !st || !strcmp(st, "okay") || !strcmp(st, "ok");
}

/* Reads the summary's SMMUv1/v2-class IOMMUs into @e; false if it has none. */
static bool read_expectations(const struct jval *sum, struct expect *e)
{
	const struct jval *iommus = jget(sum, "iommus");

	memset(e, 0, sizeof(*e));
	for (unsigned i = 0; i < iommus->n; i++) {
		const struct jval *io = iommus->items[i];
		const struct jval *cells = jget(io, "#iommu-cells");
		const struct jval *smm = jget(io, "stream-match-mask");
		const struct jval *list;
		int np;

		if (!smmu_v2_class(io) || !jget(io, "enabled")->b)
			continue;
		np = fdt_path_offset(of_fdt(), iommus->keys[i]);
		assert_true(np >= 0);
		assert_true(e->nsmmu < ARRAY_SIZE(e->smmu_nodes));
		e->smmu_nodes[e->nsmmu++] = np;

		list = jget(io, "masters");
		for (unsigned k = 0; list && k < list->n; k++) {
			const struct jval *ms = list->items[k];
			const struct jval *spec = jget(ms, "spec");
			struct master *m = master_get(e, jget(ms, "node")->str, np);
			u32 id = jhex(spec->items[0]) & 0xffff;

			m->enabled = jget(ms, "enabled")->b;
			/* arm_smmu_of_xlate: a second cell is the SMR mask, else the
			 * SMMU's stream-match-mask applies. */
			if (cells && cells->type == J_NUM && cells->num >= 2 && spec->n >= 2)
				id |= (jhex(spec->items[1]) & 0xffff) << 16;
			else if (smm && smm->type != J_NULL)
				id |= (jhex(smm) & 0xffff) << 16;
			add_id(m, id);
		}
		list = jget(io, "mmu-masters");
		for (unsigned k = 0; list && k < list->n; k++) {
			const struct jval *ms = list->items[k];
			const struct jval *sids = jget(ms, "sids");
			struct master *m = master_get(e, jget(ms, "master")->str, np);

			m->enabled = node_enabled(m->node);
			for (unsigned s = 0; s < sids->n; s++)
				add_id(m, jhex(sids->items[s]));
		}
	}
	return e->nsmmu > 0;
}

static bool same_id(const struct master *a, const struct master *b)
{
	if (a->smmu_node != b->smmu_node)
		return false;
	for (unsigned i = 0; i < a->num; i++)
		for (unsigned j = 0; j < b->num; j++)
			if (a->ids[i] == b->ids[j])
				return true;
	return false;
}

static bool is_our_smmu(const struct expect *e, int node)
{
	for (unsigned i = 0; i < e->nsmmu; i++)
		if (e->smmu_nodes[i] == node)
			return true;
	return false;
}

struct count_ctx {
	const struct expect *e;
	unsigned n;
};

static int count_attached(struct device *dev, void *data)
{
	struct count_ctx *c = data;
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	if (fw && fw->num_ids && is_our_smmu(c->e, fw->iommu_fwnode)) {
		c->n++;
		if (!dev->iommu_group)
			fail_msg("%s has a fwspec for an SMMU but no group", dev_name(dev));
	}
	return 0;
}

static void check_platform(const char *name, const char *platform, const struct jval *sum)
{
	struct device *devs[64] = { 0 };
	struct count_ctx cc;
	struct expect *e;
	unsigned enabled = 0;

	e = calloc(1, sizeof(*e));
	assert_non_null(e);
	if (tu_lab_boot(platform, NULL))
		fail_msg("%s: boot %s", name, platform);
	assert_true(read_expectations(sum, e));

	for (unsigned i = 0; i < e->n; i++) {
		struct master *m = &e->m[i];
		struct iommu_fwspec *fw;
		struct device *dev = device_of_node(m->node);

		if (!m->enabled) {
			if (dev && dev->iommu_group)
				fail_msg("%s: disabled master %s is in a group", name, m->node);
			continue;
		}
		enabled++;
		if (!dev)
			fail_msg("%s: master %s has no device", name, m->node);
		devs[i] = dev;
		fw = dev_iommu_fwspec_get(dev);
		if (!fw || fw->iommu_fwnode != m->smmu_node)
			fail_msg("%s: %s has no fwspec for its SMMU", name, dev_name(dev));
		if (fw->num_ids != m->num)
			fail_msg("%s: %s: %u IDs, Linux gives %u", name, dev_name(dev),
				 fw->num_ids, m->num);
		for (unsigned k = 0; k < m->num; k++)
			if (fw->ids[k] != m->ids[k])
				fail_msg("%s: %s: ID %u is 0x%x, Linux gives 0x%x", name,
					 dev_name(dev), k, fw->ids[k], m->ids[k]);
		if (!dev->iommu_group)
			fail_msg("%s: %s has no group", name, dev_name(dev));
	}

	/* Groups: shared exactly where a stream-map entry is shared. */
	for (unsigned i = 0; i < e->n; i++)
		for (unsigned j = i + 1; j < e->n; j++) {
			bool want, got;

			if (!devs[i] || !devs[j])
				continue;
			want = same_id(&e->m[i], &e->m[j]);
			got = devs[i]->iommu_group == devs[j]->iommu_group;
			if (want != got)
				fail_msg("%s: %s and %s %s share a group, Linux %s", name,
					 e->m[i].node, e->m[j].node, got ? "do" : "do not",
					 want ? "does" : "does not");
		}

	/* Nothing else is attached to these SMMUs. */
	cc = (struct count_ctx){ .e = e };
	bus_for_each_dev(bus_find("platform"), NULL, &cc, count_attached);
	if (bus_find("amba"))
		bus_for_each_dev(bus_find("amba"), NULL, &cc, count_attached);
	assert_int_equal(cc.n, enabled);
	print_message("%s: %u masters, %u SMMUs: as Linux\n", name, enabled, e->nsmmu);

	assert_int_equal(tu_lab_shutdown(), 0);
	free(e);
}

static void test_summaries(void **state)
{
	DIR *d = opendir(SUMMARY_DIR);
	struct dirent *de;
	unsigned checked = 0;

	if (!d)
		fail_msg("%s: %s (the real device trees are test data, not optional)",
			 SUMMARY_DIR, strerror(errno));
	while ((de = readdir(d))) {
		char path[512], name[128];
		size_t len = strlen(de->d_name);
		const char *platform = NULL;
		bool known = false;
		struct jval *sum;
		bool has;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", SUMMARY_DIR, de->d_name);
		sum = json_load(path);
		for (size_t i = 0; i < ARRAY_SIZE(platforms); i++)
			if (!strcmp(platforms[i].summary, name)) {
				known = true;
				platform = platforms[i].platform;
			}
		/* A summary this test does not know must be looked at. */
		if (!known)
			fail_msg("%s: no platform file known for this summary", name);

		/* Does it have an SMMUv1/v2? (needs no boot: compatibles only) */
		has = false;
		const struct jval *iommus = jget(sum, "iommus");
		for (unsigned i = 0; i < iommus->n; i++)
			has |= smmu_v2_class(iommus->items[i]);
		if (has != (platform != NULL))
			fail_msg("%s: %s an SMMUv1/v2 but the table says otherwise", name,
				 has ? "has" : "has no");
		if (platform) {
			check_platform(name, platform, sum);
			checked++;
		}
		jfree(sum);
	}
	closedir(d);
	assert_int_equal(checked, 3);
}

static int teardown(void **state)
{
	return tu_lab_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test_teardown(test_summaries, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
