/*
 * Garbage into every writable sysfs file: boot the built-in platform (and
 * a variant where dma-copy is a module, so the engines are unbound), take
 * a snapshot of the whole /sys tree (every readable file's content, every
 * link's target, every mode), write a seeded set of garbage inputs into
 * each writable attribute, and check after each write: a write that fails
 * changes nothing in the tree; a write that succeeds is one Linux accepts
 * for that file, and the lab is rebooted to the snapshot before the next.
 * Files whose writes legitimately change state (bind, unbind,
 * drivers_probe, driver_override, type, drivers_autoprobe, module
 * parameters) get Linux 6.12's errno for garbage.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "iommulab/lab.h"
#include "kernel/base/sysfs.h"

#include "sysfs_snapshot.h"
#include "test_util.h"

/* ---- the lab ------------------------------------------------------------- */

static const char *cmdline;
static const char *platform;	/* NULL: the built-in one */
static struct buf golden;

static void boot(void)
{
	assert_int_equal(tu_lab_boot(platform, cmdline), LAB_OK);
}

static void reboot(void)
{
	assert_int_equal(tu_lab_shutdown(), 0);
	boot();
	struct buf now = snapshot(false);
	if (!same(&golden, &now))
		report_diff(&golden, &now);
	assert_true(same(&golden, &now));
	free(now.p);
}

/* ---- the garbage --------------------------------------------------------- */

struct input {
	char *data;
	size_t len;
	const char *what;
};

static struct input *inputs;
static size_t nr_inputs;

static void add_input(const void *data, size_t len, const char *what)
{
	inputs = realloc(inputs, (nr_inputs + 1) * sizeof(*inputs));
	assert_non_null(inputs);
	inputs[nr_inputs].data = malloc(len + 1);
	assert_non_null(inputs[nr_inputs].data);
	memcpy(inputs[nr_inputs].data, data, len);
	inputs[nr_inputs].data[len] = '\0';
	inputs[nr_inputs].len = len;
	inputs[nr_inputs].what = what;
	nr_inputs++;
}

#define ADD_STR(s, what) add_input(s, sizeof(s) - 1, what)

static uint64_t rng;

static uint64_t next_rand(void)
{
	return xorshift64star(&rng);
}

static void make_inputs(void)
{
	static char big[5000];

	if (inputs)
		return;
	/*
	 * LAB_FUZZ_SEED (non-zero) and LAB_FUZZ_COUNT (random inputs, 12 by
	 * default, half as many printable ones beside) fuzz further by hand.
	 */
	rng = tu_env_u64("LAB_FUZZ_SEED", 0x9e3779b97f4a7c15ull);
	size_t nr_random = tu_env_u64("LAB_FUZZ_COUNT", 12);
	if (!rng)
		fail_msg("LAB_FUZZ_SEED: 0 would give the same input forever");
	printf("# inputs: seed %#" PRIx64 ", %zu random\n", rng, nr_random);
	ADD_STR("", "empty");
	ADD_STR("\n", "newline");
	ADD_STR("\n\n\n", "newlines");
	ADD_STR(" ", "blank");
	ADD_STR("\t\r\n", "whitespace");
	ADD_STR("\0", "one NUL");
	ADD_STR("\0\0\0\0", "NULs");
	ADD_STR("\0a000000.dma\n", "NUL then a device");
	ADD_STR("nosuchdev\0a000000.dma", "NUL inside");
	ADD_STR("\xff\xfe\xc3\x28\xa0\xa1\n", "not UTF-8");
	ADD_STR("\xe2\x82\xac\xf0\x9f\x98\x80\n", "UTF-8 non-ASCII");
	ADD_STR("-1\n", "minus one");
	ADD_STR("99999999999999999999999\n", "huge number");
	ADD_STR("4294967296\n", "2^32");
	ADD_STR("-9223372036854775809\n", "below s64");
	ADD_STR("0x\n", "bare 0x");
	ADD_STR("1e9\n", "float");
	ADD_STR("maybe\n", "not a bool");
	ADD_STR("nosuchdev\n", "no such device");
	ADD_STR("a000000.dm\n", "a device name's prefix");
	ADD_STR("a000000.dmaX\n", "a device name plus one");
	ADD_STR("../a000000.dma\n", "a path");
	ADD_STR("/sys/devices/platform/soc/a000000.dma\n", "an absolute path");
	ADD_STR("a000000.dma a001000.dma\n", "two devices");
	ADD_STR("vfio-platfor\n", "a driver name's prefix");
	ADD_STR("nosuchdriver\n", "no such driver");
	ADD_STR("DMA-FQX\n", "a type plus one");
	ADD_STR("%s%s%s%n\n", "format string");
	/* valid values, each for some other file */
	ADD_STR("a000000.dma\n", "a device (bind)");
	ADD_STR("a004000.defer", "a device without newline");
	ADD_STR("9000000.uart\n", "an amba device");
	ADD_STR("DMA\n", "a group type");
	ADD_STR("identity\n", "another group type");
	ADD_STR("vfio-platform\n", "a driver (driver_override)");
	ADD_STR("Y\n", "a bool");
	ADD_STR("0\n", "zero");
	ADD_STR("off\n", "off");
	ADD_STR("add\n", "a uevent action");
	ADD_STR("0x7fffffff\n", "INT_MAX in hex");
	ADD_STR("-2147483648\n", "INT_MIN");
	ADD_STR("-2147483649\n", "INT_MIN - 1");
	ADD_STR(" 5\n", "a blank before a number");
	ADD_STR("5\nx", "a number, newline, more");
	/* 4095, 4096 and 5000 bytes: kernfs hands a store at most a page */
	memset(big, 'a', sizeof(big));
	add_input(big, 4094, "4094 bytes");
	add_input(big, 4095, "4095 bytes");
	add_input(big, 4096, "4096 bytes");
	add_input(big, 5000, "5000 bytes");
	for (size_t i = 0; i < nr_random; i++) {
		char r[300];
		size_t len = 1 + next_rand() % sizeof(r);
		for (size_t j = 0; j < len; j++)
			r[j] = (char)next_rand();
		add_input(r, len, "random bytes");
	}
	for (size_t i = 0; i < nr_random / 2; i++) {
		char r[64];
		size_t len = 1 + next_rand() % sizeof(r);
		for (size_t j = 0; j < len; j++)
			r[j] = (char)(0x20 + next_rand() % 0x5f);
		add_input(r, len, "random printable");
	}
}

/* ---- what Linux accepts, per file ---------------------------------------- */

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* @s up to a first NUL and one trailing newline: what sysfs_streq compares. */
static bool streq_sysfs(const struct input *in, const char *want)
{
	size_t n = strnlen(in->data, in->len);
	if (n && in->data[n - 1] == '\n')
		n--;
	return n == strlen(want) && !memcmp(in->data, want, n);
}

static const char *const devices[] = {
	"9050000.iommu", "soc", "a000000.dma", "a001000.dma", "a002000.dma",
	"a003000.dma", "a004000.defer", "9000000.uart",
};

/* The device name bind, unbind and drivers_probe would look up, or NULL. */
static bool names_device(const struct input *in)
{
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (streq_sysfs(in, devices[i]))
			return true;
	return false;
}

/*
 * What kstrtoint/kstrtouint (base 0) say of @s: 0, EINVAL or ERANGE.
 * Digits are read whole first (overflow is ERANGE whatever follows), then
 * one newline may end them.
 */
static int model_kstrtox(const char *s, bool is_signed, bool is_long)
{
	bool neg = false;
	if (is_signed && *s == '-') {
		neg = true;
		s++;
	} else if (*s == '+') {
		s++;
	}
	int base = 10;
	if (s[0] == '0' && (s[1] | 0x20) == 'x' && strchr("0123456789abcdefABCDEF", s[2]) && s[2])
		base = 16, s += 2;
	else if (s[0] == '0')
		base = 8;
	unsigned __int128 v = 0;
	int n = 0;
	for (;; s++, n++) {
		int c = *s | 0x20, d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
		if (v > ~0ull)
			v = (unsigned __int128)~0ull + 1;   /* sticky overflow */
	}
	if (v > ~0ull)
		return ERANGE;
	if (!n)
		return EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return EINVAL;
	if (is_signed)
		return (neg ? v > (unsigned __int128)INT32_MAX + 1 : v > INT32_MAX) ? ERANGE : 0;
	return !is_long && v > UINT32_MAX ? ERANGE : 0;
}

static int model_kstrtoint(const char *s, bool is_signed)
{
	return model_kstrtox(s, is_signed, false);
}

/*
 * PCI reset_method_store: "default" and "" are accepted; otherwise every
 * space-separated word must be a method name Linux knows (EINVAL), and may
 * still be refused if the device does not support it.
 */
static int model_reset_method(const char *s)
{
	static const char *const names[] = { "device_specific", "acpi", "flr", "af_flr", "pm",
					     "bus", "cxl_bus" };
	char *copy = strdup(s), *save = NULL, *tok;
	int ret = 0;

	if (!strcmp(s, "default") || !strcmp(s, "default\n")) {
		free(copy);
		return 0;
	}
	for (tok = strtok_r(copy, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		bool known = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			known |= !strcmp(tok, names[i]);
		if (!known)
			ret = EINVAL;
	}
	free(copy);
	return ret;
}

/* kstrtobool: y/Y/t/T/1/n/N/f/F/0, on/off by their first two letters. */
static int model_kstrtobool(const char *s)
{
	if (strchr("yYtT1nNfF0", s[0]) && s[0])
		return 0;
	if ((s[0] | 0x20) == 'o' && s[1] && strchr("nNfF", s[1]))
		return 0;
	return EINVAL;
}

/* A PCI function's files (drivers/pci/pci-sysfs.c). */
static int pci_dev_verdict(const char *b, const struct input *in)
{
	int bad = model_kstrtox(in->data, false, true);	/* kstrtoul */

	if (!strcmp(b, "config"))
		return 0;	/* pci_write_config: any bytes, written where writable */
	if (!strcmp(b, "remove") || !strcmp(b, "rescan") || !strcmp(b, "enable"))
		return bad ? EINVAL : 0;
	if (!strcmp(b, "reset")) {
		unsigned long v = strtoul(in->data, NULL, 0);
		return bad || v != 1 ? EINVAL : 0;	/* only "1" resets */
	}
	if (!strcmp(b, "reset_method"))
		return 0;	/* blank names are skipped: accepted or -EINVAL */
	return -1;
}

/*
 * The errno Linux gives @in on @path when the input is garbage for it, 0
 * when Linux may accept it (checked then only for the tree coming back on
 * reboot), -1 when any error is fine but success is not.
 */
static int linux_verdict(const char *path, const struct input *in, size_t len)
{
	const char *b = base(path);

	if (!len)
		return 0;  /* sysfs_kf_write: a zero-length write never reaches the store */
	if (!strcmp(b, "bind") || !strcmp(b, "unbind") || !strcmp(b, "drivers_probe"))
		return names_device(in) ? 0 : ENODEV;
	if (!strcmp(b, "driver_override"))
		return len >= 4095 ? EINVAL : 0;   /* driver_set_override: len >= PAGE_SIZE - 1 */
	if (!strcmp(b, "type") && strstr(path, "/iommu_groups/")) {
		static const char *const types[] = { "DMA", "DMA-FQ", "identity", "auto" };
		for (size_t i = 0; i < 4; i++)
			if (streq_sysfs(in, types[i]))
				return 0;
		return EINVAL;
	}
	if (!strcmp(b, "drivers_autoprobe"))
		return 0;                          /* '0' off, anything else on */
	if (!strcmp(b, "rescan") || !strcmp(b, "remove") || !strcmp(b, "enable"))
		return model_kstrtox(in->data, false, true) ? EINVAL : 0; /* PCI: kstrtoul */
	if (!strcmp(b, "reset")) {	/* PCI: kstrtoul, and only 1 */
		if (model_kstrtox(in->data, false, true))
			return EINVAL;
		return strtoul(in->data, NULL, 0) == 1 ? 0 : EINVAL;
	}
	if (!strcmp(b, "reset_method"))
		return model_reset_method(in->data);
	if (!strcmp(b, "config"))
		return 0;	/* PCI config space: any bytes may be written */
	if (strstr(path, "/parameters/")) {
		static const char *const bools[] = { "lab_skip_tlbi", "ignore_supplier",
			"allow_unsafe_interrupts", "disable_hugepages" };
		for (size_t i = 0; i < 4; i++)
			if (!strcmp(b, bools[i]))
				return model_kstrtobool(in->data);
		if (!strcmp(b, "probe_result"))
			return model_kstrtoint(in->data, true);
		if (!strcmp(b, "dma_entry_limit"))
			return model_kstrtoint(in->data, false);
		return -1;
	}
	if (!strcmp(b, "uevent")) {
		/* kobject_synth_uevent: an action name, else -EINVAL */
		static const char *const actions[] = { "add", "remove", "change", "move",
			"online", "offline", "bind", "unbind" };
		for (size_t i = 0; i < 8; i++)
			if (streq_sysfs(in, actions[i]))
				return 0;
		return EINVAL;
	}
	if (strstr(path, "/pci0000:"))
		return pci_dev_verdict(b, in);
	return -1;
}

/* ---- the run ------------------------------------------------------------- */

struct tally {
	size_t writes, failed, succeeded, reboots;
};

/*
 * arm-smmu's lab_skip_tlbi is a test hook (not Linux) that breaks
 * isolation on purpose: with it on, a later unmap leaves a stale IOTLB
 * entry and a DMA through it is a real escape, which would fail this test
 * for the wrong reason. It is still written here, as a bool parameter must
 * refuse garbage with EINVAL, because the hook never outlives the write
 * that set it: that write changes the tree, so the lab reboots (the hook
 * off, from the command line) before the next one, and this test makes no
 * DMA. Checked before every write.
 */
#define HOOK "/sys/module/arm_smmu/parameters/lab_skip_tlbi"

static void assert_hook_off(void)
{
	char val[8] = "";

	assert_int_equal(sysfs_read(HOOK, val, sizeof(val) - 1), 2);
	assert_string_equal(val, "N\n");
}

static void garbage_one_file(const char *path, struct tally *t)
{
	for (size_t i = 0; i < nr_inputs; i++) {
		const struct input *in = &inputs[i];
		assert_hook_off();
		ssize_t r = sysfs_write(path, in->data, in->len);
		int want = linux_verdict(path, in, in->len);
		t->writes++;
		if (r < 0) {
			t->failed++;
			struct buf now = snapshot(false);
			if (!same(&golden, &now)) {
				print_error("%s: write of %s (%zu bytes) failed with %zd but changed state\n",
					    path, in->what, in->len, r);
				report_diff(&golden, &now);
				fail();
			}
			free(now.p);
			if (want > 0 && r != -want) {
				print_error("%s: write of %s (%zu bytes): errno %zd, Linux gives %d\n",
					    path, in->what, in->len, -r, want);
				fail();
			}
			continue;
		}
		t->succeeded++;
		if (want) {
			print_error("%s: write of %s (%zu bytes) succeeded (%zd), Linux refuses it\n",
				    path, in->what, in->len, r);
			fail();
		}
		/* kernfs passes at most a page: the rest is a short write */
		assert_int_equal(r, in->len > 4096 ? 4096 : in->len);
		struct buf now = snapshot(false);
		bool changed = !same(&golden, &now);
		free(now.p);
		if (changed) {
			t->reboots++;
			reboot();
		}
	}
}

static void run_garbage(const char *cmd)
{
	struct tally t = { 0 };
	cmdline = cmd;
	make_inputs();
	boot();
	for (size_t i = 0; i < nr_writable; i++)
		free(writable[i]);
	free(writable);
	writable = NULL;
	nr_writable = 0;
	golden = snapshot(true);
	struct buf again = snapshot(false);
	assert_true(same(&golden, &again));   /* reading changes nothing */
	free(again.p);
	assert_true(nr_writable > 10);
	for (size_t i = 0; i < nr_writable; i++) {
		printf("# garbage: %s\n", writable[i]);
		garbage_one_file(writable[i], &t);
	}
	printf("# %s: %zu nodes, %zu writable files, %zu inputs each: %zu writes, "
	       "%zu refused (tree unchanged), %zu accepted, %zu reboots\n",
	       cmd ? cmd : "(default)", nr_nodes, nr_writable, nr_inputs, t.writes, t.failed,
	       t.succeeded, t.reboots);
	assert_int_equal(t.writes, nr_writable * nr_inputs);
	free(golden.p);
	golden.p = NULL;
	assert_int_equal(tu_lab_shutdown(), 0);
}

static void test_garbage_default(void **state)
{
	run_garbage(NULL);
}

static void test_garbage_unbound(void **state)
{
	run_garbage("lab.module=dma-copy");
}

/* The PCI topology: every function's files, the bus's rescan. */
static void test_garbage_pci(void **state)
{
	platform = LAB_SRCDIR "/tests/scenarios/platforms/pci-topology.dts";
	run_garbage(NULL);
	platform = NULL;
}

/* ---- path limits and module parameters ---------------------------------- */

/* Runs @line, returns its status; its output in @out. */
static int run(const char *line, char *out, size_t size)
{
	memset(out, 0, size);
	FILE *f = fmemopen(out, size, "w");
	assert_non_null(f);
	int st = lab_exec(line, f);
	fclose(f);
	return st;
}

static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);
	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

/*
 * kernfs looks a name up as it is: a component longer than NAME_MAX is
 * just not there (ENOENT on Linux's sysfs; only disk filesystems refuse it
 * with ENAMETOOLONG). A whole path of PATH_MAX bytes or more is refused by
 * getname() before any lookup: ENAMETOOLONG.
 */
static void test_path_limits(void **state)
{
	static char out[65536];
	char *p;
	boot();
	struct buf before = snapshot(false);

	p = repeat("/sys/bus/", 'a', 300, "");
	assert_int_equal(sysfs_read(p, rdbuf, sizeof(rdbuf)), -ENOENT);
	assert_int_equal(sysfs_write(p, "1", 1), -ENOENT);
	free(p);
	p = repeat("cat /sys/bus/", 'a', 300, "/x");
	assert_int_equal(run(p, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "No such file or directory"));
	free(p);
	/* a missing file in sysfs cannot be created, whatever its name */
	p = repeat("echo 1 > /sys/bus/", 'a', 256, "");
	assert_int_equal(run(p, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "Permission denied"));
	free(p);

	/* 4095 bytes is a path (not found); 4096 is too long */
	p = repeat("/sys", '/', 4095 - 4, "");
	assert_int_equal(strlen(p), 4095);
	assert_int_equal(sysfs_read(p, rdbuf, sizeof(rdbuf)), -EISDIR);
	free(p);
	p = repeat("/sys", '/', 4096 - 4, "");
	assert_int_equal(sysfs_read(p, rdbuf, sizeof(rdbuf)), -ENAMETOOLONG);
	assert_int_equal(sysfs_write(p, "1", 1), -ENAMETOOLONG);
	free(p);
	p = repeat("cat /sys/bus/platform/", '/', 5000, "drivers_autoprobe");
	assert_int_equal(run(p, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "File name too long"));
	free(p);
	p = repeat("ls /sys/", 'x', 4200, "");
	assert_int_equal(run(p, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "File name too long"));
	free(p);
	p = repeat("echo 0 > /sys/bus/platform/", '/', 4100, "drivers_autoprobe");
	assert_int_equal(run(p, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "File name too long"));
	free(p);

	struct buf after = snapshot(false);
	if (!same(&before, &after))
		report_diff(&before, &after);
	assert_true(same(&before, &after));
	free(before.p);
	free(after.p);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/*
 * modprobe NAME param=value (kernel/params.c parse_args, param_set_*):
 * a bool takes y/n/1/0/on/off, a bare name sets it, "name=" does not; an
 * int out of range is -ERANGE; a charp of more than 1024 bytes -ENOSPC;
 * a parameter the module does not have is ignored with a warning. A
 * refused load leaves no /sys/module entry behind.
 */
static void test_modprobe_params(void **state)
{
	static char out[65536];
	static const struct {
		const char *args;
		int status;
		const char *msg;     /* in the output */
		const char *log;     /* in dmesg */
	} cases[] = {
		{ "ignore_supplier=maybe", 1, "could not insert 'defer_test': Invalid argument",
		  "defer_test: `maybe' invalid for parameter `ignore_supplier'" },
		{ "ignore_supplier=", 1, "Invalid argument",
		  "defer_test: `' invalid for parameter `ignore_supplier'" },
		{ "probe_result", 1, "Invalid argument",
		  "defer_test: `' invalid for parameter `probe_result'" },
		{ "probe_result=2147483648", 1,
		  "could not insert 'defer_test': Numerical result out of range",
		  "defer_test: `2147483648' invalid for parameter `probe_result'" },
		{ "probe_result=-2147483649", 1, "Numerical result out of range", NULL },
		{ "probe_result=99999999999999999999x", 1, "Numerical result out of range", NULL },
		{ "probe_result=1x", 1, "Invalid argument", NULL },
		{ "probe_result=0x", 1, "Invalid argument", NULL },
		{ "probe_result=", 1, "Invalid argument", NULL },
		{ "supplier_prop=LONG", 1,
		  "could not insert 'defer_test': No space left on device",
		  "supplier_prop: string parameter too long" },
		{ "=5", 0, NULL, "defer_test: unknown parameter '' ignored" },
		{ "nosuch nosuch2=1", 0, NULL, "defer_test: unknown parameter 'nosuch2' ignored" },
		{ "ignore_supplier probe_result=-0x10", 0, NULL, NULL },
		{ "ignore_supplier=off probe_result=+017", 0, NULL, NULL },
	};
	char *long_val = repeat("supplier_prop=", 'z', 1025, "");

	cmdline = "lab.module=defer-test";
	boot();
	cmdline = NULL;
	struct buf before = snapshot(false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[2048];
		snprintf(line, sizeof(line), "modprobe defer-test %s",
			 strcmp(cases[i].args, "supplier_prop=LONG") ? cases[i].args : long_val);
		assert_int_equal(run("dmesg -C", out, sizeof(out)), 0);
		int st = run(line, out, sizeof(out));
		if (st != cases[i].status || (cases[i].msg && !strstr(out, cases[i].msg)))
			print_error("%s: status %d, output:\n%s\n", cases[i].args, st, out);
		assert_int_equal(st, cases[i].status);
		if (cases[i].msg)
			assert_non_null(strstr(out, cases[i].msg));
		if (cases[i].log) {
			assert_int_equal(run("dmesg", out, sizeof(out)), 0);
			if (!strstr(out, cases[i].log))
				print_error("%s: dmesg lacks \"%s\":\n%s\n", cases[i].args,
					    cases[i].log, out);
			assert_non_null(strstr(out, cases[i].log));
		}
		if (st) {
			struct buf now = snapshot(false);
			if (!same(&before, &now))
				report_diff(&before, &now);
			assert_true(same(&before, &now));
			free(now.p);
		} else {
			assert_int_equal(run("rmmod defer_test", out, sizeof(out)), 0);
		}
	}
	/* the values a successful load took */
	assert_int_equal(run("modprobe defer-test ignore_supplier probe_result=-0x10", out,
			     sizeof(out)), 0);
	assert_int_equal(run("cat /sys/module/defer_test/parameters/ignore_supplier "
			     "/sys/module/defer_test/parameters/probe_result", out, sizeof(out)), 0);
	assert_string_equal(out, "Y\n-16\n");
	free(long_val);
	free(before.p);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/*
 * argv[1], a cmocka filter ("test_garbage_pci"): meson runs each garbage
 * platform as its own test, so each fits the timeout (tests/unit/meson.build).
 */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_limits),
		cmocka_unit_test(test_modprobe_params),
		cmocka_unit_test(test_garbage_default),
		cmocka_unit_test(test_garbage_unbound),
		cmocka_unit_test(test_garbage_pci),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
