/*
 * A seeded fuzz of the shell through the public API (lab_exec): random
 * lines built from the verbs of docs/guide.md, lines from a corpus of real
 * ones mutated byte by byte, quotes, redirects to odd paths, very long
 * words, control characters and NULs inside lines. Nothing may crash
 * (ASan/UBSan run), every status is one the guide documents (0, 1, 2,
 * 127), and a command that fails leaves /sys exactly as it was.
 * LAB_FUZZ_SEED and LAB_FUZZ_COUNT (lines) change the seed and the length
 * (docs/hacking.md).
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
#include "sysfs_snapshot.h"
#include "test_util.h"

static uint64_t rng;

static uint64_t next_rand(void)
{
	return xorshift64star(&rng);
}

static size_t pick(size_t n)
{
	return (size_t)(next_rand() % n);
}

#define PICK(a) (a)[pick(sizeof(a) / sizeof((a)[0]))]

/* Lines from docs/guide.md, README.md and the scenarios. */
static const char *const corpus[] = {
	"ls /sys/bus/platform/devices",
	"ls -l /sys/bus/platform/devices/a000000.dma",
	"ls -d /sys/kernel/iommu_groups/2",
	"cat /sys/kernel/iommu_groups/2/reserved_regions",
	"cat /sys/bus/platform/devices/a000000.dma/driver_override",
	"cd /sys/bus/platform/devices/a000000.dma",
	"cd ..",
	"pwd",
	"readlink driver",
	"readlink -f /sys/bus/platform/devices/a000000.dma/iommu_group",
	"tree /sys/module",
	"echo a000000.dma > /sys/bus/platform/drivers/dma-copy/unbind",
	"echo vfio-platform > /sys/bus/platform/devices/a000000.dma/driver_override",
	"echo > /sys/bus/platform/devices/a001000.dma/driver_override",
	"echo -n a001000.dma >> /sys/bus/platform/drivers_probe",
	"echo 0 > /sys/bus/platform/drivers_autoprobe",
	"echo identity > /sys/kernel/iommu_groups/1/type",
	"echo 'a000000.dma' > \"/sys/bus/platform/drivers/dma-copy/bind\"",
	"modprobe vfio-platform",
	"modprobe -r vfio_platform",
	"modprobe defer-test probe_result=-19",
	"rmmod dma_copy",
	"lsmod",
	"dmesg",
	"dmesg -c",
	"sleep 1.5",
	"sleep 2s",
	"dmatest a000000.dma",
	"dmatest a001000.dma 8192",
	"dma a000000.dma write 0x40000000 4096",
	"dma a001000.dma read 0x40000000 16 0x5a",
	"vfio container open",
	"vfio group open 0",
	"vfio help",
	"expect ok cat /sys/bus/platform/drivers_autoprobe",
	"expect errno ENODEV echo x > /sys/bus/platform/drivers/dma-copy/bind",
	"expect dmesg iommu",
	"expect no-dmesg 'foo bar'",
	"help",
	"# a comment",
	"ls # trailing comment",
	"cat /sys/module/arm_smmu/parameters/lab_skip_tlbi",
	"echo Y > /sys/module/arm_smmu/parameters/lab_skip_tlbi",
	"cat a\\ b 'c d' \"e\\\"f\"",
};

static const char *const verbs[] = {
	"ls", "ls -l", "ls -d", "cat", "echo", "echo -n", "readlink", "readlink -f", "tree", "cd",
	"pwd", "modprobe", "modprobe -r", "rmmod", "lsmod", "dmesg", "dmesg -C", "sleep",
	"dmatest", "dma", "vfio", "expect", "expect ok", "expect errno EINVAL", "help",
	"nosuchverb", "", "'ls'", "\"cat\"", "e\\cho",
};

static const char *const words[] = {
	"a000000.dma", "a001000.dma", "a004000.defer", "9000000.uart", "nosuchdev", "dma-copy",
	"vfio-platform", "arm-smmu", "defer_test", "vfio_iommu_type1", "read", "write", "0",
	"-1", "0x40000000", "0xffffffffffffffff", "18446744073709551616", "4096", "1e99", "nan",
	"inf", "-", "--", "-x", "-lZ", "..", ".", "/", "//", "/sys", "/sys/", "/proc", "/dev/vfio",
	"/sys/../..", "container", "group", "map", "device", "open", "close", "set-iommu", "Y",
	"param=", "=value", "probe_result=99999999999", "ignore_supplier=maybe", "x=y=z", "*",
	"?", "~", "$HOME", "`ls`", "\\", "\\\\", "''", "\"\"", "'", "\"", ">", ">>", "<", "|",
	";", "&&", "&", "2>", "#", "\\#",
};

static void add(char *line, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 >= size)
		return;
	memcpy(line + *len, s, n);
	*len += n;
	line[*len] = '\0';
}

/* A random path: a node of the tree, a made-up one, or a very long one. */
static void add_path(char *line, size_t size, size_t *len, char **paths, size_t nr_paths)
{
	char tmp[6000];
	switch (pick(6)) {
	case 0: case 1: case 2:
		add(line, size, len, paths[pick(nr_paths)]);
		return;
	case 3: {  /* one component of 200..300 bytes */
		size_t n = 200 + pick(100);
		memcpy(tmp, "/sys/", 5);
		memset(tmp + 5, 'p', n);
		tmp[5 + n] = '\0';
		add(line, size, len, tmp);
		return;
	}
	case 4: {  /* a path around PATH_MAX */
		size_t n = 4000 + pick(200), o = 0;
		for (; o + 2 < n; o++)
			tmp[o] = o % 2 ? '/' : '.';
		tmp[o] = '\0';
		memcpy(tmp, "/sys", 4);
		add(line, size, len, tmp);
		return;
	}
	default:
		add(line, size, len, PICK(words));
	}
}

static void random_line(char *line, size_t size, char **paths, size_t nr_paths)
{
	size_t len = 0;
	line[0] = '\0';
	add(line, size, &len, PICK(verbs));
	size_t nargs = pick(5);
	for (size_t i = 0; i < nargs; i++) {
		add(line, size, &len, " ");
		switch (pick(8)) {
		case 0: case 1:
			add_path(line, size, &len, paths, nr_paths);
			break;
		case 2: {  /* a quoted word, maybe unterminated */
			char q[4] = { PICK("'\""), 0 };
			add(line, size, &len, q);
			add(line, size, &len, PICK(words));
			if (pick(3))
				add(line, size, &len, q);
			break;
		}
		case 3:  /* a redirect to some path */
			add(line, size, &len, pick(2) ? "> " : ">>");
			add_path(line, size, &len, paths, nr_paths);
			break;
		case 4: {  /* control characters and bytes >= 0x80 */
			char c[8];
			size_t n = 1 + pick(6);
			for (size_t j = 0; j < n; j++)
				c[j] = (char)(1 + pick(255));
			c[n] = '\0';
			add(line, size, &len, c);
			break;
		}
		case 5: {  /* a very long word */
			static char big[9000];
			size_t n = 1000 + pick(sizeof(big) - 1001);
			memset(big, "ax/"[pick(3)], n);
			big[n] = '\0';
			add(line, size, &len, big);
			break;
		}
		default:
			add(line, size, &len, PICK(words));
		}
	}
}

static void mutate_line(char *line, size_t size)
{
	snprintf(line, size, "%s", PICK(corpus));
	size_t len = strlen(line);
	size_t n = 1 + pick(4);
	for (size_t i = 0; i < n && len + 2 < size; i++) {
		size_t at = len ? pick(len) : 0;
		switch (pick(4)) {
		case 0:  /* flip */
			if (len)
				line[at] = (char)(1 + pick(255));
			break;
		case 1:  /* insert */
			memmove(line + at + 1, line + at, len - at + 1);
			line[at] = PICK("'\"\\ ><|;$#\t\r\x1b\x7f\xff");
			len++;
			break;
		case 2:  /* delete */
			if (len) {
				memmove(line + at, line + at + 1, len - at);
				len--;
			}
			break;
		default:  /* truncate */
			line[at] = '\0';
			len = at;
		}
	}
}

/* Lines whose failure may follow a part that succeeded. */
static bool compound(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	/* expect runs its command; rmmod and modprobe -r take several modules */
	if (!strncmp(line, "expect", 6) || !strncmp(line, "rmmod", 5) ||
	    !strncmp(line, "modprobe", 8))
		return true;
	/*
	 * "cat a b > F" with b missing writes a's text into F and fails, as
	 * bash does; only echo makes its one write or none.
	 */
	return strchr(line, '>') && strncmp(line, "echo", 4);
}

static void boot(void)
{
	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
}

/*
 * arm-smmu's lab_skip_tlbi is a test hook (not Linux) that breaks
 * isolation on purpose: with it on, any later unmap leaves a stale IOTLB
 * entry, and a later "dma" through it is a real escape, which the oracle
 * rule fails the test for. The corpus keeps lines that write it (the
 * parser and the bool parameter are fuzzed like any other file), and the
 * shell's quoting gives them many spellings, so instead of guessing lines
 * the fuzz turns the hook off again after every line that turned it on:
 * no DMA ever runs with it.
 */
#define HOOK "/sys/module/arm_smmu/parameters/lab_skip_tlbi"

static bool hook_off_again(FILE *out)
{
	char val[8] = "";
	FILE *f = fmemopen(val, sizeof(val) - 1, "w");

	assert_non_null(f);
	assert_int_equal(lab_exec("cat " HOOK, f), 0);
	fclose(f);
	if (val[0] != 'Y')
		return false;
	assert_int_equal(lab_exec("echo N > " HOOK, out), 0);
	return true;
}

struct fuzz {
	FILE *out;
	struct buf cur;        /* /sys after the last line */
	size_t statuses[256], checked, compound_failed, hook_resets;
};

/* Runs one line and checks it: a documented status, a failing line changes nothing. */
static void fuzz_line(struct fuzz *fz, const char *line)
{
	int st = lab_exec(line, fz->out);
	if (st != 0 && st != 1 && st != 2 && st != 127) {
		print_error("status %d for line: %.300s\n", st, line);
		fail();
	}
	fz->statuses[st]++;
	struct buf now = snapshot(false);
	if (st && !same(&fz->cur, &now)) {
		if (compound(line)) {
			fz->compound_failed++;
		} else {
			print_error("failing line (status %d) changed /sys: %.300s\n", st, line);
			report_diff(&fz->cur, &now);
			fail();
		}
	}
	if (st)
		fz->checked++;
	if (hook_off_again(fz->out)) {
		fz->hook_resets++;
		free(now.p);
		now = snapshot(false);
	}
	free(fz->cur.p);
	fz->cur = now;
}

static void test_shell_fuzz(void **state)
{
	enum { LINES = 20000, REBOOT_EVERY = 400 };
	static char line[20000];
	struct fuzz fz = { 0 };
	size_t reboots = 0;
	/* LAB_FUZZ_SEED (non-zero) and LAB_FUZZ_COUNT (lines) fuzz further by hand (docs/hacking.md). */
	uint64_t seed = tu_env_u64("LAB_FUZZ_SEED", 0x1234abcd5678ef01ull);
	size_t lines = tu_env_u64("LAB_FUZZ_COUNT", LINES);
	if (!seed)
		fail_msg("LAB_FUZZ_SEED: 0 would pick the same way forever");

	fz.out = fopen("/dev/null", "w");
	assert_non_null(fz.out);
	rng = seed;
	boot();
	fz.cur = snapshot(true);
	char **paths = all_paths;
	size_t nr_paths = nr_all_paths;
	for (size_t i = 0; i < lines; i++) {
		if (pick(2))
			random_line(line, sizeof(line), paths, nr_paths);
		else
			mutate_line(line, sizeof(line));
		/* sometimes a NUL inside: lab_exec sees the line up to it */
		if (!pick(20)) {
			size_t len = strlen(line);
			if (len)
				line[pick(len)] = '\0';
		}
		fuzz_line(&fz, line);
		if (lab_exit_requested() || (i + 1) % REBOOT_EVERY == 0) {
			assert_int_equal(tu_lab_shutdown(), 0);
			boot();
			reboots++;
			free(fz.cur.p);
			fz.cur = snapshot(false);
		}
	}
	printf("# shell fuzz (seed %#" PRIx64 "): %zu lines: status 0 %zu, 1 %zu, 2 %zu, 127 %zu; "
	       "%zu failing lines checked unchanged (%zu compound ones changed what their "
	       "successful part did), %zu reboots, lab_skip_tlbi turned off again %zu times\n",
	       seed, lines, fz.statuses[0], fz.statuses[1], fz.statuses[2], fz.statuses[127],
	       fz.checked, fz.compound_failed, reboots, fz.hook_resets);
	free(fz.cur.p);
	fclose(fz.out);
	assert_int_equal(tu_lab_shutdown(), 0);
}

/*
 * The hook never outlives the line that set it: a corpus line turns it on,
 * then a dma-copy run and a rogue write to the IOVA it unmapped (the
 * escape of oracle_escape.h) stay isolated.
 */
static void test_hook_turned_off(void **state)
{
	struct fuzz fz = { 0 };

	fz.out = fopen("/dev/null", "w");
	assert_non_null(fz.out);
	boot();
	fz.cur = snapshot(true);
	fuzz_line(&fz, "echo Y > /sys/module/arm_smmu/parameters/lab_skip_tlbi");
	fuzz_line(&fz, "e\\cho 1 >'/sys/module/arm_smmu/parameters/lab_skip_tlbi'");
	fuzz_line(&fz, "dmatest a000000.dma 4096");
	fuzz_line(&fz, "dma a000000.dma write 0xffffe000 16");
	free(fz.cur.p);
	fclose(fz.out);
	assert_int_equal(tu_lab_shutdown(), 0);
	assert_int_equal(fz.hook_resets, 2);
	assert_int_equal(fz.statuses[0], 3);
	assert_int_equal(fz.statuses[1], 1);   /* the rogue write faults */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_turned_off),
		cmocka_unit_test(test_shell_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
