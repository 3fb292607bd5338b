/*
 * The SMMUv3 trees of ../shared/linux-dts (FVP Base RevC, QEMU 7.2's virt
 * with iommu=smmuv3) boot with their SMMUv3s probed, and the iommu-map of
 * each PCI host that uses one translates requester IDs as the summary
 * (../shared/linux-dts/summary/NAME.json) says: the listed IOMMU node, the
 * stream ID sid-base + (RID - rid-base) over the entry's length, and no
 * translation past it. Their masters are PCI functions behind that map;
 * these trees list none (the lab creates the host bridges only), so the
 * map itself is what is checked, through of_map_id as the IOMMU core uses
 * it for a PCI function.
 */
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
#include "kernel/of/of.h"
#include "kernel/of/of_msi.h"

#define LINUX_DTS LAB_SRCDIR "/../shared/linux-dts/"
#define SUMMARY_DIR LINUX_DTS "summary"

#include "test_json.h"

static const struct {
	const char *summary;
	const char *platform;
} platforms[] = {
	{ "fvp-base-revc", LINUX_DTS "linux-6.12/arch/arm64/boot/dts/arm/fvp-base-revc.dts" },
	{ "qemu-virt-smmuv3", LINUX_DTS "generated/qemu-7.2-virt-iommu-smmuv3-gicv3-its.dts" },
};

static bool is_v3(const struct jval *iommu)
{
	const struct jval *compat = jget(iommu, "compatible");

	for (unsigned i = 0; compat && i < compat->n; i++)
		if (!strcmp(compat->items[i]->str, "arm,smmu-v3"))
			return true;
	return false;
}

/* The platform device of @np, bound to a driver named @drv. */
static void assert_probed(struct device_node *np, const char *drv, const char *what)
{
	struct device *dev = NULL;
	struct bus_type *bus = bus_find("platform");

	assert_non_null(bus);
	dev = bus_find_device_by_of_node(bus, np);
	if (!dev)
		fail_msg("%s: no platform device", what);
	if (!dev->driver || strcmp(dev->driver->name, drv))
		fail_msg("%s: not bound to %s", what, drv);
}

/* One iommu-map entry of the summary against of_map_id on the host's node. */
static void check_entry(const char *host_path, const struct jval *entry, const char *iommu_path)
{
	struct device_node *host = of_find_node_by_path(host_path);
	struct device_node *iommu = of_find_node_by_path(iommu_path);
	u32 rid = jhex(jget(entry, "rid-base")), sid = jhex(jget(entry, "sid-base"));
	u32 len = jhex(jget(entry, "length"));
	u32 probes[] = { 0, 1, 0x100, len / 2, len - 1 };

	assert_non_null(host);
	assert_non_null(iommu);
	assert_string_equal(jget(entry, "iommu")->str, iommu_path);
	assert_true(len > 0);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		struct device_node *target = NULL;
		u32 out = 0;

		if (probes[i] >= len)
			continue;
		assert_int_equal(of_map_id(host, rid + probes[i], "iommu-map", "iommu-map-mask",
					   &target, &out), 0);
		assert_ptr_equal(target, iommu);
		assert_int_equal(out, sid + probes[i]);
	}
	/* Past the entry (RIDs are 16 bits: only when the entry leaves room). */
	if ((u64)rid + len <= 0xffff) {
		struct device_node *target = NULL;
		u32 out = 0;

		assert_int_equal(of_map_id(host, rid + len, "iommu-map", "iommu-map-mask", &target,
					   &out), 0);
		assert_null(target);
		assert_int_equal(out, rid + len);
	}
}

static void v3_trees(void **state)
{
	unsigned smmus = 0, entries = 0;

	(void)state;
	for (size_t p = 0; p < ARRAY_SIZE(platforms); p++) {
		char path[512];
		struct jval *sum;
		const struct jval *iommus;

		snprintf(path, sizeof(path), SUMMARY_DIR "/%s.json", platforms[p].summary);
		sum = json_load(path);
		assert_non_null(sum);
		if (tu_lab_boot(platforms[p].platform, NULL))
			fail_msg("%s: does not boot", platforms[p].platform);
		iommus = jget(sum, "iommus");
		for (unsigned i = 0; i < iommus->n; i++) {
			const struct jval *io = iommus->items[i], *users;
			struct device_node *np;

			if (!is_v3(io) || !jget(io, "enabled")->b)
				continue;
			np = of_find_node_by_path(iommus->keys[i]);
			assert_non_null(np);
			assert_probed(np, "arm-smmu-v3", iommus->keys[i]);
			assert_int_equal(jget(io, "masters")->n, 0);   /* PCI only */
			smmus++;
			users = jget(io, "iommu-map-users");
			for (unsigned u = 0; u < users->n; u++) {
				const struct jval *user = users->items[u];

				if (!jget(user, "enabled")->b)
					continue;
				assert_true(jget(user, "iommu-map-mask")->type == J_NULL);
				check_entry(jget(user, "node")->str, jget(user, "entry"),
					    iommus->keys[i]);
				entries++;
			}
		}
		assert_int_equal(tu_lab_shutdown(), 0);
		jfree(sum);
	}
	assert_int_equal(smmus, 2);
	assert_int_equal(entries, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v3_trees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
