/*
 * Device-tree reading: the bounded blob check against a malformed corpus
 * and byte-level damage, the reg/irq helpers, loading .dts/.dtb files, and
 * the five real platforms from shared/linux-dts.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw_test_fdt.h"
#include "common/dt.h"
#include "hw/machine.h"

extern const char lab_platform_virt_start[], lab_platform_virt_end[];

#define MALFORMED LAB_SRCDIR "/tests/malformed"
#define SHARED_DTS LAB_SRCDIR "/../shared/linux-dts"

static const void *virt(size_t *size)
{
	*size = (size_t)(lab_platform_virt_end - lab_platform_virt_start);
	return lab_platform_virt_start;
}

/* A blob must be refused by both the check and machine_create. */
static void expect_refused(const void *blob, size_t size, const char *what)
{
	char why[200] = "";
	struct machine *m = (void *)1;
	int ret = dt_check_blob(blob, size, why, sizeof(why));

	if (ret != -EINVAL)
		fail_msg("%s: dt_check_blob returned %d", what, ret);
	assert_true(why[0]);
	why[0] = 0;
	ret = machine_create(blob, size, 1, &m, why, sizeof(why));
	if (ret != -EINVAL)
		fail_msg("%s: machine_create returned %d", what, ret);
	assert_null(m);
	assert_true(why[0]);
}

static void *dtc_compile(const char *src, size_t *size)
{
	char out[] = "/tmp/test-dt-XXXXXX", cmd[1024];
	int fd = mkstemp(out);
	void *blob = NULL;

	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o %s %s 2>/dev/null", out, src);
	if (system(cmd) == 0) {
		FILE *f = fopen(out, "rb");
		assert_non_null(f);
		blob = malloc(DT_MAX_SIZE > (1 << 20) ? (1 << 20) : DT_MAX_SIZE);
		*size = fread(blob, 1, 1 << 20, f);
		fclose(f);
	}
	unlink(out);
	return blob;
}

static void malformed_corpus(void **state)
{
	DIR *d = opendir(MALFORMED);
	struct dirent *e;
	int n = 0, compiled = 0;

	if (!d)
		fail_msg("corpus %s missing", MALFORMED);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), size;
		char path[512], why[200] = "";
		void *blob = (void *)1;

		if (len < 5 || strcmp(e->d_name + len - 4, ".dts"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", MALFORMED, e->d_name);
		int ret = dt_load_file(path, &blob, &size, why, sizeof(why));
		if (ret != -EINVAL)
			fail_msg("%s: dt_load_file returned %d", e->d_name, ret);
		assert_true(why[0]);
		n++;
		blob = dtc_compile(path, &size);
		if (blob) {
			expect_refused(blob, size, e->d_name);
			free(blob);
			compiled++;
		}
	}
	closedir(d);
	assert_true(n >= 13);
	assert_true(compiled >= 9);
}

static u32 get32(const u8 *b, size_t off)
{
	return (u32)b[off] << 24 | (u32)b[off + 1] << 16 | (u32)b[off + 2] << 8 | b[off + 3];
}

static void put32(u8 *b, size_t off, u32 v)
{
	b[off] = v >> 24;
	b[off + 1] = v >> 16;
	b[off + 2] = v >> 8;
	b[off + 3] = v;
}

/* Offset of the first token @tok in the struct block (walking tokens properly). */
static size_t find_token(const u8 *b, u32 tok, bool last)
{
	size_t s = get32(b, 8), end = s + get32(b, 36), found = 0;

	for (size_t p = s; p < end;) {
		u32 t = get32(b, p);

		if (t == tok) {
			found = p;
			if (!last)
				return p;
		}
		if (t == 1)
			p = p + 4 + ((strlen((const char *)b + p + 4) + 4) & ~3ul);
		else if (t == 3)
			p = p + 12 + ((get32(b, p + 4) + 3) & ~3u);
		else
			p += 4;
	}
	return found;
}

static u8 *copy_virt(size_t *size)
{
	const void *v = virt(size);
	u8 *b = malloc(*size);

	memcpy(b, v, *size);
	return b;
}

static void byte_damage(void **state)
{
	size_t size;
	u8 *b;

	/* Every truncation of a good blob is refused. */
	b = copy_virt(&size);
	for (size_t n = 0; n < size; n++)
		assert_int_equal(dt_check_blob(b, n, NULL, 0), -EINVAL);
	expect_refused(b, size / 2, "truncated");
	expect_refused(b, 0, "empty");
	free(b);

	b = copy_virt(&size);
	put32(b, 0, 0xd00dfeee);
	expect_refused(b, size, "bad magic");
	free(b);

	b = copy_virt(&size);
	put32(b, 8, (u32)size + 8);
	expect_refused(b, size, "struct offset past the end");
	free(b);

	b = copy_virt(&size);
	put32(b, 36, 0xfffffff0);
	expect_refused(b, size, "struct size huge");
	free(b);

	b = copy_virt(&size);
	put32(b, 12, get32(b, 8) + 8);
	expect_refused(b, size, "strings inside struct");
	free(b);

	b = copy_virt(&size);
	put32(b, 4, (u32)size + 100);
	expect_refused(b, size, "totalsize beyond buffer");
	free(b);

	b = copy_virt(&size);
	size_t prop = find_token(b, 3, false);
	put32(b, prop + 8, get32(b, 32) + 10);
	expect_refused(b, size, "string offset outside strings");
	free(b);

	b = copy_virt(&size);
	prop = find_token(b, 3, false);
	put32(b, prop + 4, 0x7fffffff);
	expect_refused(b, size, "property length huge");
	free(b);

	b = copy_virt(&size);
	size_t endn = find_token(b, 2, true);
	put32(b, endn, 4);   /* the root's END_NODE becomes a NOP */
	expect_refused(b, size, "unterminated node");
	free(b);

	b = copy_virt(&size);
	put32(b, find_token(b, 9, false), 4);   /* FDT_END becomes a NOP */
	expect_refused(b, size, "no FDT_END");
	free(b);

	b = copy_virt(&size);
	put32(b, find_token(b, 3, true), 0x77);
	expect_refused(b, size, "bad token");
	free(b);

	b = copy_virt(&size);
	put32(b, 16, 7);
	expect_refused(b, size, "misaligned reservation map");
	free(b);
}

/* Random byte flips never crash the check, and what passes still boots or fails cleanly. */
static void byte_flip_fuzz(void **state)
{
	size_t size;
	u8 *good = copy_virt(&size), *b = malloc(size);
	u64 x = 0x1234567;

	for (int iter = 0; iter < 3000; iter++) {
		memcpy(b, good, size);
		for (int k = 0; k < 1 + iter % 4; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[x % size] ^= (u8)(x >> 32) | 1;
		}
		struct machine *m = NULL;
		char why[200];
		int ret = dt_check_blob(b, size, why, sizeof(why));
		assert_true(ret == 0 || ret == -EINVAL);
		ret = machine_create(b, size, 1, &m, why, sizeof(why));
		if (ret != 0 && ret != -EINVAL)
			fail_msg("iteration %d: machine_create returned %d (%s)", iter, ret, why);
		machine_destroy(m);
	}
	free(b);
	free(good);
}

static void writer_blob_checks(void **state)
{
	size_t size;
	void *b = tfdt_begin();

	/* Duplicate phandles and duplicate property names (dtc refuses to emit them). */
	tfdt_node(b, "x");
	tfdt_u32(b, "phandle", 5);
	tfdt_end_node(b);
	tfdt_node(b, "y");
	tfdt_u32(b, "phandle", 5);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	expect_refused(b, size, "duplicate phandle");
	free(b);

	b = tfdt_begin();
	tfdt_node(b, "x");
	tfdt_u32(b, "a", 1);
	tfdt_u32(b, "a", 2);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	expect_refused(b, size, "duplicate property");
	free(b);

	b = tfdt_begin();
	tfdt_node(b, "x");
	tfdt_u32(b, "phandle", 0xffffffff);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	expect_refused(b, size, "phandle -1");
	free(b);

	/* An interrupt-parent chain that loops only through tree parents and a nexus. */
	b = tfdt_begin();
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_node(b, "bus");
	tfdt_u32(b, "phandle", 1);
	tfdt_node(b, "dev");
	tfdt_cells(b, "interrupts", 3, 0, 1, 4);
	tfdt_end_node(b);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	expect_refused(b, size, "interrupt-parent loop via the root");
	free(b);
}

/* No #address-cells/#size-cells anywhere: Linux's defaults, 2 and 1. */
static void default_cells(void **state)
{
	size_t size;
	void *b = tfdt_begin();
	struct machine *m;
	const struct hw_ram_bank *bank;
	char why[200];

	tfdt_node(b, "memory@80000000");
	tfdt_str(b, "device_type", "memory");
	tfdt_cells(b, "reg", 3, 0x0, 0x80000000, 0x100000);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(dt_check_blob(b, size, why, sizeof(why)), 0);
	assert_int_equal(dt_addr_cells(b, 0), 2);
	assert_int_equal(dt_size_cells(b, 0), 1);
	assert_int_equal(machine_create(b, size, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(hw_ram_banks(m, &bank), 1);
	assert_int_equal(bank->base, 0x80000000ull);
	assert_int_equal(bank->size, 0x100000ull);
	machine_destroy(m);
	free(b);
}

static void reg_translation(void **state)
{
	size_t size;
	const void *fdt = virt(&size);
	u64 a, s;

	assert_int_equal(dt_check_blob(fdt, size, NULL, 0), 0);
	int n = fdt_path_offset(fdt, "/soc/dma@1000");
	assert_true(n >= 0);
	assert_int_equal(dt_reg(fdt, n, 0, &a, &s), 0);
	assert_int_equal(a, 0x0a001000ull);
	assert_int_equal(s, 0x1000ull);
	assert_int_equal(dt_reg(fdt, n, 1, &a, &s), -ENOENT);
	n = fdt_path_offset(fdt, "/interrupt-controller@8000000/v2m@8020000");
	assert_int_equal(dt_reg(fdt, n, 0, &a, &s), 0);   /* empty ranges: identity */
	assert_int_equal(a, 0x08020000ull);
	n = fdt_path_offset(fdt, "/interrupt-controller@8000000");
	assert_int_equal(dt_reg(fdt, n, 1, &a, &s), 0);
	assert_int_equal(a, 0x080a0000ull);	/* the GICv3's redistributors */
	n = fdt_path_offset(fdt, "/chosen");
	assert_int_equal(dt_reg(fdt, n, 0, &a, &s), -ENOENT);

	/* A bus without ranges does not translate; an address outside ranges neither. */
	void *b = tfdt_begin();
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 1);
	tfdt_node(b, "closed");
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 1);
	tfdt_node(b, "dev@10");
	tfdt_cells(b, "reg", 2, 0x10, 0x10);
	tfdt_end_node(b);
	tfdt_end_node(b);
	tfdt_node(b, "open");
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 1);
	tfdt_cells(b, "ranges", 3, 0x0, 0x40000000, 0x1000);
	tfdt_node(b, "dev@10");
	tfdt_cells(b, "reg", 4, 0x10, 0x10, 0x2000, 0x10);
	tfdt_end_node(b);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(dt_check_blob(b, size, NULL, 0), 0);
	n = fdt_path_offset(b, "/closed/dev@10");
	assert_int_equal(dt_reg(b, n, 0, &a, &s), -EINVAL);
	n = fdt_path_offset(b, "/open/dev@10");
	assert_int_equal(dt_reg(b, n, 0, &a, &s), 0);
	assert_int_equal(a, 0x40000010ull);
	assert_int_equal(dt_reg(b, n, 1, &a, &s), -EINVAL);
	free(b);
}

static void irq_specifiers(void **state)
{
	size_t size;
	const void *fdt = virt(&size);
	u32 id;

	int n = fdt_path_offset(fdt, "/soc/dma@1000");
	assert_int_equal(dt_irq(fdt, n, 0, &id), 0);
	assert_int_equal(id, 32 + 17);
	assert_int_equal(dt_irq(fdt, n, 1, &id), -ENOENT);
	n = fdt_path_offset(fdt, "/iommu@9050000");
	assert_int_equal(dt_irq(fdt, n, 8, &id), 0);
	assert_int_equal(id, 32 + 48);
	n = fdt_path_offset(fdt, "/soc/defer@4000");
	assert_int_equal(dt_irq(fdt, n, 0, &id), -ENOENT);

	void *b = tfdt_begin();
	tfdt_node(b, "gic");
	tfdt_u32(b, "phandle", 1);
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_empty(b, "interrupt-controller");
	tfdt_end_node(b);
	tfdt_node(b, "notctrl");
	tfdt_u32(b, "phandle", 2);
	tfdt_end_node(b);
	tfdt_node(b, "ppi");
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_cells(b, "interrupts", 6, 1, 13, 8, 2, 0, 4);
	tfdt_end_node(b);
	tfdt_node(b, "orphan");
	tfdt_u32(b, "interrupt-parent", 2);   /* no #interrupt-cells anywhere up its chain */
	tfdt_cells(b, "interrupts", 3, 0, 1, 4);
	tfdt_end_node(b);
	tfdt_node(b, "ext");
	tfdt_cells(b, "interrupts-extended", 4, 1, 0, 7, 4);
	tfdt_end_node(b);
	tfdt_finish(b, &size);
	assert_int_equal(dt_check_blob(b, size, NULL, 0), 0);
	n = fdt_path_offset(b, "/ppi");
	assert_int_equal(dt_irq(b, n, 0, &id), 0);
	assert_int_equal(id, 16 + 13);
	assert_int_equal(dt_irq(b, n, 1, &id), -EINVAL);   /* type 2: not a GIC SPI/PPI */
	n = fdt_path_offset(b, "/orphan");
	assert_int_equal(dt_irq(b, n, 0, &id), -EINVAL);
	n = fdt_path_offset(b, "/ext");
	assert_int_equal(dt_irq(b, n, 0, &id), 0);
	assert_int_equal(id, 32 + 7);
	free(b);
}

static void prop_helpers(void **state)
{
	size_t size;
	const void *fdt = virt(&size);
	u32 v;

	int smmu = fdt_path_offset(fdt, "/iommu@9050000");
	assert_int_equal(dt_prop_u32(fdt, smmu, "#iommu-cells", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(dt_prop_u32(fdt, smmu, "nope", &v), -ENOENT);
	assert_true(dt_node_is_compatible(fdt, smmu, "arm,smmu-v2"));
	assert_false(dt_node_is_compatible(fdt, smmu, "arm,smmu-v3"));
	assert_true(dt_node_enabled(fdt, smmu));
	assert_false(dt_node_enabled(fdt, fdt_path_offset(fdt, "/soc/dma@5000")));
	int gic = fdt_path_offset(fdt, "/interrupt-controller@8000000");
	assert_true(dt_prop_bool(fdt, gic, "interrupt-controller"));
	assert_false(dt_prop_bool(fdt, smmu, "interrupt-controller"));
	assert_int_equal(dt_prop_u32(fdt, 0, "interrupt-parent", &v), 0);
	assert_int_equal(dt_node_by_phandle(fdt, v), gic);
	assert_true(dt_node_by_phandle(fdt, 0) < 0);
	assert_true(dt_node_by_phandle(fdt, 0x12345) < 0);
	assert_int_equal(dt_addr_cells(fdt, fdt_path_offset(fdt, "/soc")), 1);
}

static void load_files(void **state)
{
	char dir[] = "/tmp/test-dt-load-XXXXXX", path[256], why[200];
	size_t size, vsize;
	const void *v = virt(&vsize);
	void *blob;

	assert_non_null(mkdtemp(dir));
	/* A .dtb is read as is. */
	snprintf(path, sizeof(path), "%s/virt.dtb", dir);
	FILE *f = fopen(path, "wb");
	fwrite(v, 1, vsize, f);
	fclose(f);
	assert_int_equal(dt_load_file(path, &blob, &size, why, sizeof(why)), 0);
	assert_int_equal(size, vsize);
	assert_memory_equal(blob, v, vsize);
	free(blob);
	unlink(path);

	/* A .dts with #include from an include/ folder above it goes through cpp. */
	char sub[300], inc[300];
	snprintf(inc, sizeof(inc), "%s/include", dir);
	mkdir(inc, 0700);
	snprintf(path, sizeof(path), "%s/include/consts.h", dir);
	f = fopen(path, "w");
	fputs("#define RAM_BASE 0x40000000\n", f);
	fclose(f);
	snprintf(sub, sizeof(sub), "%s/boards", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof(path), "%s/boards/b.dts", dir);
	f = fopen(path, "w");
	fputs("/dts-v1/;\n#include <consts.h>\n/ {\n #address-cells = <1>;\n #size-cells = <1>;\n"
	      " memory@40000000 { device_type = \"memory\"; reg = <RAM_BASE 0x100000>; };\n};\n", f);
	fclose(f);
	assert_int_equal(dt_load_file(path, &blob, &size, why, sizeof(why)), 0);
	struct machine *m;
	const struct hw_ram_bank *bank;
	assert_int_equal(machine_create(blob, size, 1, &m, why, sizeof(why)), 0);
	assert_int_equal(hw_ram_banks(m, &bank), 1);
	assert_int_equal(bank->base, 0x40000000ull);
	machine_destroy(m);
	free(blob);
	unlink(path);
	snprintf(path, sizeof(path), "%s/include/consts.h", dir);
	unlink(path);
	rmdir(inc);
	rmdir(sub);

	assert_int_equal(dt_load_file("/nonexistent/x.dts", &blob, &size, why, sizeof(why)), -ENOENT);
	assert_int_equal(dt_load_file(dir, &blob, &size, why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_load_file(NULL, &blob, &size, why, sizeof(why)), -EINVAL);
	rmdir(dir);
}

static void real_platforms(void **state)
{
	static const char *const files[] = {
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts",
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/amd/amd-overdrive-rev-b1.dts",
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/arm/fvp-base-revc.dts",
		SHARED_DTS "/legacy-mmu-masters/arch/arm64/boot/dts/amd/amd-overdrive-rev-b0.dts",
		SHARED_DTS "/generated/qemu-7.2-virt-iommu-smmuv3-gicv3-its.dts",
		LAB_SRCDIR "/platforms/iommulab-virt.dts",
	};
	struct stat st;

	if (stat(SHARED_DTS, &st))
		fail_msg("%s is missing: the real-platform test needs it", SHARED_DTS);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		void *blob;
		size_t size;
		char why[256] = "";
		struct machine *m;

		if (dt_load_file(files[i], &blob, &size, why, sizeof(why)))
			fail_msg("%s: %s", files[i], why);
		assert_int_equal(dt_check_blob(blob, size, why, sizeof(why)), 0);
		if (machine_create(blob, size, 1, &m, why, sizeof(why)))
			fail_msg("%s: machine_create: %s", files[i], why);
		machine_destroy(m);
		free(blob);
	}
}

/*
 * The node index answers what libfdt's walks answer: parents, paths,
 * phandles, and (legacy binding) which SMMU lists a master and where. Checked
 * over every node of the real platforms, Seattle B0's mmu-masters included,
 * with the index attached and after it is detached.
 */
static void index_agrees_with_libfdt(void **state)
{
	static const char *const files[] = {
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts",
		SHARED_DTS "/legacy-mmu-masters/arch/arm64/boot/dts/amd/amd-overdrive-rev-b0.dts",
		LAB_SRCDIR "/platforms/iommulab-virt.dts",
	};
	int legacy_seen = 0;

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		void *blob;
		size_t size;
		char why[256] = "";

		if (dt_load_file(files[f], &blob, &size, why, sizeof(why)))
			fail_msg("%s: %s", files[f], why);
		for (int pass = 0; pass < 2; pass++) {
			if (pass == 0)
				assert_int_equal(dt_index_attach(blob), 0);
			for (int n = 0; n >= 0; n = fdt_next_node(blob, n, NULL)) {
				char want[512], got[512];
				int smmu, cell;
				u32 ph = fdt_get_phandle(blob, n);

				assert_int_equal(dt_parent(blob, n), fdt_parent_offset(blob, n));
				assert_int_equal(fdt_get_path(blob, n, want, sizeof(want)), 0);
				assert_int_equal(dt_node_path(blob, n, got, sizeof(got)), 0);
				assert_string_equal(got, want);
				assert_true(dt_node_path(blob, n, got, 3) < 0 || !strcmp(want, "/"));
				if (ph)
					assert_int_equal(dt_node_by_phandle(blob, ph), n);
				int ret = dt_legacy_master(blob, n, &smmu, &cell);
				if (pass == 1) {
					assert_int_equal(ret, -ENOSYS);
					continue;
				}
				/* The first <&n ...> entry of the first list naming n, by a plain scan. */
				int want_smmu = -1, want_cell = -1;
				for (int s = 0; s >= 0 && want_smmu < 0; s = fdt_next_node(blob, s, NULL)) {
					int len;
					const fdt32_t *v = fdt_getprop(blob, s, "mmu-masters", &len);
					for (int i = 0; v && i < len / 4;) {
						int t = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(v[i]));
						u32 cells;
						assert_int_equal(dt_prop_u32(blob, t, "#stream-id-cells", &cells), 0);
						if (t == n) {
							want_smmu = s;
							want_cell = i;
							break;
						}
						i += 1 + (int)cells;
					}
				}
				if (want_smmu < 0) {
					assert_int_equal(ret, -ENOENT);
				} else {
					assert_int_equal(ret, 0);
					assert_int_equal(smmu, want_smmu);
					assert_int_equal(cell, want_cell);
					legacy_seen++;
				}
			}
			assert_true(dt_parent(blob, 0) < 0);
			if (pass == 0)
				dt_index_detach(blob);
		}
		free(blob);
	}
	assert_true(legacy_seen > 0);   /* Seattle B0 lists its masters */
}

/* Every interrupt, reg entry and cell count of every node of @blob. */
struct node_answers { int ret; u32 id; u64 a, sz; };

static size_t collect_answers(const void *blob, struct node_answers *out, size_t max)
{
	size_t k = 0;

	for (int n = 0; n >= 0; n = fdt_next_node(blob, n, NULL)) {
		for (int i = 0; i < 200 && k + 4 < max; i++) {
			struct node_answers *irq = &out[k++], *reg = &out[k++];

			irq->ret = dt_irq(blob, n, i, &irq->id);
			reg->ret = dt_reg(blob, n, i, &reg->a, &reg->sz);
			if (irq->ret == -ENOENT && reg->ret == -ENOENT)
				break;
		}
		out[k++].ret = dt_addr_cells(blob, n);
		out[k++].ret = dt_size_cells(blob, n);
	}
	return k;
}

static void check_answers_with_index(void *blob, const char *what)
{
	static struct node_answers want[1 << 16], got[1 << 16];
	size_t n;

	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	n = collect_answers(blob, want, ARRAY_SIZE(want));
	assert_int_equal(dt_index_attach(blob), 0);
	assert_int_equal(collect_answers(blob, got, ARRAY_SIZE(got)), n);
	dt_index_detach(blob);
	for (size_t i = 0; i < n; i++) {
		if (memcmp(&want[i], &got[i], sizeof(want[i])))
			fail_msg("%s: answer %zu differs with the index: %d/%u/%llx vs %d/%u/%llx", what,
				 i, want[i].ret, want[i].id, (unsigned long long)want[i].a, got[i].ret,
				 got[i].id, (unsigned long long)got[i].a);
	}
}

/*
 * dt_irq, dt_reg and the cell counts answer the same through the index
 * (interrupt parents resolved once, properties read in one pass) as through
 * libfdt's walks: on real platforms and on a tree of awkward cases
 * (interrupt-parent loops and dead ends, short properties, nested ranges,
 * interrupts-extended through a non-controller) that dt_check_blob would
 * refuse but a caller may still hand over.
 */
static void index_irq_reg_agree(void **state)
{
	static const char *const files[] = {
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/arm/juno-r2.dts",
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/arm/fvp-base-revc.dts",
		SHARED_DTS "/linux-6.12/arch/arm64/boot/dts/amd/amd-overdrive-rev-b1.dts",
		SHARED_DTS "/generated/qemu-7.2-virt-iommu-smmuv3-gicv3-its.dts",
		LAB_SRCDIR "/platforms/iommulab-virt.dts",
	};
	size_t size;

	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		void *blob;
		char why[256] = "";

		if (dt_load_file(files[f], &blob, &size, why, sizeof(why)))
			fail_msg("%s: %s", files[f], why);
		check_answers_with_index(blob, files[f]);
		free(blob);
	}

	void *b = tfdt_begin();
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_node(b, "gic");
	tfdt_u32(b, "phandle", 1);
	tfdt_u32(b, "#interrupt-cells", 3);
	tfdt_end_node(b);
	tfdt_node(b, "short-cells");
	tfdt_u32(b, "phandle", 3);
	tfdt_cells(b, "#interrupt-cells", 0);
	tfdt_cells(b, "#address-cells", 0);
	tfdt_cells(b, "#size-cells", 1, 9);
	tfdt_end_node(b);
	tfdt_node(b, "loop-a");
	tfdt_u32(b, "phandle", 4);
	tfdt_u32(b, "interrupt-parent", 5);
	tfdt_cells(b, "interrupts", 3, 0, 1, 4);
	tfdt_end_node(b);
	tfdt_node(b, "loop-b");
	tfdt_u32(b, "phandle", 5);
	tfdt_u32(b, "interrupt-parent", 4);
	tfdt_cells(b, "interrupts", 3, 0, 2, 4);
	tfdt_end_node(b);
	tfdt_node(b, "into-loop");
	tfdt_u32(b, "interrupt-parent", 4);
	tfdt_cells(b, "interrupts", 3, 0, 3, 4);
	tfdt_end_node(b);
	tfdt_node(b, "dead-end");
	tfdt_u32(b, "interrupt-parent", 77);
	tfdt_cells(b, "interrupts", 3, 0, 4, 4);
	tfdt_end_node(b);
	tfdt_node(b, "short-parent");
	tfdt_cells(b, "interrupt-parent", 0);   /* ignored: the tree parent answers */
	tfdt_cells(b, "interrupts", 6, 0, 5, 4, 1, 9, 4);
	tfdt_end_node(b);
	tfdt_node(b, "via-short-cells");
	tfdt_u32(b, "interrupt-parent", 3);
	tfdt_cells(b, "interrupts", 3, 0, 6, 4);
	tfdt_cells(b, "interrupts-extended", 8, 1, 0, 7, 4, 3, 0, 8, 4);
	tfdt_end_node(b);
	tfdt_node(b, "bus");
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 1);
	tfdt_cells(b, "ranges", 3, 0x1000, 0x8000, 0x1000);
	tfdt_u32(b, "interrupt-parent", 1);
	tfdt_node(b, "dev");
	tfdt_cells(b, "reg", 6, 0x1100, 0x10, 0x3000, 0x10, 0x1f00, 0x200);
	tfdt_cells(b, "interrupts", 9, 0, 10, 4, 0, 11, 4, 1, 3, 4);
	tfdt_end_node(b);
	tfdt_node(b, "nobus");
	tfdt_u32(b, "#address-cells", 1);
	tfdt_u32(b, "#size-cells", 1);
	tfdt_node(b, "dev");
	tfdt_cells(b, "reg", 2, 0x10, 0x10);
	tfdt_end_node(b);
	tfdt_end_node(b);
	tfdt_end_node(b);
	tfdt_node(b, "badreg");
	tfdt_cells(b, "reg", 3, 1, 2, 3);
	tfdt_end_node(b);
	b = tfdt_finish(b, &size);
	check_answers_with_index(b, "awkward tree");
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(malformed_corpus),
		cmocka_unit_test(byte_damage),
		cmocka_unit_test(byte_flip_fuzz),
		cmocka_unit_test(writer_blob_checks),
		cmocka_unit_test(default_cells),
		cmocka_unit_test(reg_translation),
		cmocka_unit_test(irq_specifiers),
		cmocka_unit_test(prop_helpers),
		cmocka_unit_test(load_files),
		cmocka_unit_test(real_platforms),
		cmocka_unit_test(index_agrees_with_libfdt),
		cmocka_unit_test(index_irq_reg_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
