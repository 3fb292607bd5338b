/*
 * The shell interpreter and the scenario runner over a fake /sys: word
 * splitting, redirection, each verb's output and error text, expect
 * forms, scenario parsing, matching and failure reports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/shell.h"
#include "../../tools/scenario.h"

/* ---- a fake /sys ------------------------------------------------------ */

struct fnode {
	const char *path;
	enum sysfs_type type;
	unsigned mode;
	char data[256];
	const char *target;     /* links: absolute target */
	const char *text;       /* links: what readlink prints */
	int store_err;          /* files: a store that fails with this errno */
};

static struct fnode fs[] = {
	{ "/sys", SYSFS_DIR, 0755 },
	{ "/sys/bus", SYSFS_DIR, 0755 },
	{ "/sys/bus/platform", SYSFS_DIR, 0755 },
	{ "/sys/bus/platform/drivers_autoprobe", SYSFS_FILE, 0644, "1\n" },
	{ "/sys/bus/platform/devices", SYSFS_DIR, 0755 },
	{ "/sys/bus/platform/devices/a000000.dma", SYSFS_LINK, 0777, "",
	  "/sys/devices/platform/a000000.dma", "../../../devices/platform/a000000.dma" },
	{ "/sys/bus/platform/drivers", SYSFS_DIR, 0755 },
	{ "/sys/bus/platform/drivers/dma-copy", SYSFS_DIR, 0755 },
	{ "/sys/bus/platform/drivers/dma-copy/bind", SYSFS_FILE, 0200, "", NULL, NULL, ENODEV },
	{ "/sys/bus/platform/drivers/dma-copy/unbind", SYSFS_FILE, 0200 },
	{ "/sys/devices", SYSFS_DIR, 0755 },
	{ "/sys/devices/platform", SYSFS_DIR, 0755 },
	{ "/sys/devices/platform/a000000.dma", SYSFS_DIR, 0755 },
	{ "/sys/devices/platform/a000000.dma/driver_override", SYSFS_FILE, 0644, "(null)\n" },
	{ "/sys/devices/platform/a000000.dma/modalias", SYSFS_FILE, 0444, "of:NdmaT(null)\n" },
	{ "/sys/devices/platform/a000000.dma/driver", SYSFS_LINK, 0777, "",
	  "/sys/bus/platform/drivers/dma-copy", "../../../bus/platform/drivers/dma-copy" },
	{ "/sys/module", SYSFS_DIR, 0755 },
	{ "/sys/module/dma_copy", SYSFS_DIR, 0755 },
	{ "/sys/module/dma_copy/refcnt", SYSFS_FILE, 0444, "2\n" },
	{ "/sys/module/dma_copy/holders", SYSFS_DIR, 0755 },
	{ "/sys/module/arm_smmu", SYSFS_DIR, 0755 },
};

static int nr_writes;
static char last_write[256];
static char dmesg_buf[1024];
static u64 slept;
static bool module_loaded;
static char modprobe_params[256];

static struct fnode *lookup(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs); i++)
		if (!strcmp(fs[i].path, path))
			return &fs[i];
	return NULL;
}

/* Resolves @path to a canonical one; links followed except, maybe, the last. */
static int resolve(const char *path, bool follow_last, char *out)
{
	char in[1024], cur[1024] = "";
	char *save = NULL;

	if (strncmp(path, "/sys", 4) || (path[4] && path[4] != '/'))
		return -ENOENT;
	snprintf(in, sizeof(in), "%s", path);
	for (char *t = strtok_r(in, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		bool last = !save || !*save || strspn(save, "/") == strlen(save);
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			char *s = strrchr(cur, '/');
			if (s && s != cur + 0 && strcmp(cur, "/sys"))
				*s = '\0';
			continue;
		}
		size_t n = strlen(cur);
		struct fnode *parent = n ? lookup(cur) : NULL;
		if (n && (!parent || parent->type != SYSFS_DIR))
			return -ENOTDIR;
		snprintf(cur + n, sizeof(cur) - n, "/%s", t);
		struct fnode *f = lookup(cur);
		if (!f)
			return -ENOENT;
		if (f->type == SYSFS_LINK && (!last || follow_last))
			strcpy(cur, f->target);
	}
	strcpy(out, cur);
	return 0;
}

static int f_stat_(const char *path, struct sysfs_stat *st, bool follow)
{
	char c[1024];
	int ret = resolve(path, follow, c);

	if (ret)
		return ret;
	struct fnode *f = lookup(c);
	st->type = f->type;
	st->mode = f->mode;
	return 0;
}

static int f_stat(const char *path, struct sysfs_stat *st) { return f_stat_(path, st, true); }
static int f_lstat(const char *path, struct sysfs_stat *st) { return f_stat_(path, st, false); }

static ssize_t f_read(const char *path, char *buf, size_t size)
{
	char c[1024];
	int ret = resolve(path, true, c);

	if (ret)
		return ret;
	struct fnode *f = lookup(c);
	if (f->type == SYSFS_DIR)
		return -EISDIR;
	if (!(f->mode & 0444))
		return -EACCES;
	size_t n = strlen(f->data);
	memcpy(buf, f->data, n);
	return (ssize_t)n;
}

static ssize_t f_write(const char *path, const char *buf, size_t len)
{
	char c[1024];
	int ret = resolve(path, true, c);

	nr_writes++;
	snprintf(last_write, sizeof(last_write), "%.*s", (int)len, buf);
	if (ret)
		return ret;
	struct fnode *f = lookup(c);
	if (f->type == SYSFS_DIR)
		return -EISDIR;
	if (!(f->mode & 0222))
		return -EACCES;
	if (f->store_err)
		return -f->store_err;
	snprintf(f->data, sizeof(f->data), "%.*s", (int)len, buf);
	return (ssize_t)len;
}

static ssize_t f_readlink(const char *path, char *buf, size_t size)
{
	char c[1024];
	int ret = resolve(path, false, c);

	if (ret)
		return ret;
	struct fnode *f = lookup(c);
	if (f->type != SYSFS_LINK)
		return -EINVAL;
	return snprintf(buf, size, "%s", f->text);
}

static int f_realpath(const char *path, char *buf, size_t size)
{
	char c[1024];
	int ret = resolve(path, true, c);

	if (!ret)
		snprintf(buf, size, "%s", c);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int f_readdir(const char *path,
		     int (*fn)(void *opaque, const char *name, const struct sysfs_stat *st),
		     void *opaque)
{
	char c[1024];
	const char *names[64];
	size_t n = 0;
	int ret = resolve(path, true, c);

	if (ret)
		return ret;
	if (lookup(c)->type != SYSFS_DIR)
		return -ENOTDIR;
	size_t len = strlen(c);
	for (size_t i = 0; i < ARRAY_SIZE(fs); i++)
		if (!strncmp(fs[i].path, c, len) && fs[i].path[len] == '/' &&
		    !strchr(fs[i].path + len + 1, '/'))
			names[n++] = fs[i].path + len + 1;
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char child[1024];
		snprintf(child, sizeof(child), "%s/%s", c, names[i]);
		struct fnode *f = lookup(child);
		struct sysfs_stat st = { f->type, f->mode };
		if (fn(opaque, names[i], &st))
			break;
	}
	return 0;
}

static int f_modprobe(const char *name, const char *params)
{
	snprintf(modprobe_params, sizeof(modprobe_params), "%s", params);
	if (strcmp(name, "dma-copy") && strcmp(name, "dma_copy"))
		return -ENOENT;
	if (strstr(params, "bogus="))
		return -EINVAL;
	module_loaded = true;
	return 0;
}

static int f_rmmod(const char *name)
{
	if (!strcmp(name, "defer-test"))
		return -EPERM;
	if (!strcmp(name, "busy"))
		return -EBUSY;
	if (strcmp(name, "dma-copy") || !module_loaded)
		return -ENOENT;
	module_loaded = false;
	return 0;
}

static const char *f_dmesg(size_t *len)
{
	*len = strlen(dmesg_buf);
	return dmesg_buf;
}

static void f_dmesg_clear(void) { dmesg_buf[0] = '\0'; }
static void f_sleep(u64 ns) { slept += ns; }

static int f_dmatest(const char *dev, size_t len, char *msg, size_t msglen)
{
	if (strcmp(dev, "a000000.dma"))
		return -ENODEV;
	snprintf(msg, msglen, "%s: copied %zu bytes, ok", dev, len);
	return 0;
}

static int f_dma(const char *dev, bool write, u64 addr, size_t len, u32 byte, unsigned width,
		 char *msg, size_t msglen)
{
	if (addr == 0) {
		snprintf(msg, msglen, "%s %zu bytes at 0x%llx: faulted", write ? "write" : "read",
			 len, (unsigned long long)addr);
		return -EFAULT;
	}
	snprintf(msg, msglen, "%s %zu bytes at 0x%llx: ok (%s 0x%02x)", write ? "write" : "read",
		 len, (unsigned long long)addr, width == 4 ? "word" : "byte", byte);
	return 0;
}

static const struct shell_ops fake_ops = {
	.stat = f_stat, .lstat = f_lstat, .read = f_read, .write = f_write,
	.readlink = f_readlink, .realpath = f_realpath, .readdir = f_readdir,
	.modprobe = f_modprobe, .rmmod = f_rmmod, .dmesg = f_dmesg,
	.dmesg_clear = f_dmesg_clear, .sleep = f_sleep, .dmatest = f_dmatest, .dma = f_dma,
};

/* ---- helpers ---------------------------------------------------------- */

static struct shell sh;
static char output[16384];

static int run(const char *line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&text, &len);
	int status = shell_exec(&sh, line, o);

	fclose(o);
	snprintf(output, sizeof(output), "%s", text ? text : "");
	free(text);
	return status;
}

static int setup(void **state)
{
	shell_init(&sh, &fake_ops);
	nr_writes = 0;
	last_write[0] = '\0';
	strcpy(lookup("/sys/devices/platform/a000000.dma/driver_override")->data, "(null)\n");
	strcpy(dmesg_buf, "[    0.000100] dma-copy a000000.dma: ready\n");
	slept = 0;
	module_loaded = false;
	return 0;
}

#define DEV "/sys/bus/platform/devices/a000000.dma"

/* ---- words and redirection -------------------------------------------- */

static void test_quoting(void **state)
{
	assert_int_equal(run("echo \"a  b\" 'c d' e\\ f   g # comment"), 0);
	assert_string_equal(output, "a  b c d e f g\n");
	assert_int_equal(run("echo 'unterminated"), 2);
	assert_string_equal(output, "syntax error: unterminated quoted string\n");
	assert_int_equal(run("echo x >"), 2);
	assert_string_equal(output, "syntax error near unexpected token `newline'\n");
	assert_int_equal(run("cat a | grep b"), 2);
	assert_int_equal(run("   "), 0);
	assert_int_equal(run("# only a comment"), 0);
	assert_string_equal(output, "");
}

static void test_echo_writes_once(void **state)
{
	assert_int_equal(run("echo vfio-platform > " DEV "/driver_override"), 0);
	assert_string_equal(output, "");
	assert_int_equal(nr_writes, 1);
	assert_string_equal(last_write, "vfio-platform\n");
	assert_int_equal(run("cat " DEV "/driver_override"), 0);
	assert_string_equal(output, "vfio-platform\n");
	/* echo > PATH: the empty write, one "\n". */
	assert_int_equal(run("echo > " DEV "/driver_override"), 0);
	assert_int_equal(nr_writes, 2);
	assert_string_equal(last_write, "\n");
	/* -n: no newline; with no bytes at all, nothing is written. */
	assert_int_equal(run("echo -n abc >" DEV "/driver_override"), 0);
	assert_string_equal(last_write, "abc");
	assert_int_equal(run("echo -n > " DEV "/driver_override"), 0);
	assert_int_equal(nr_writes, 3);
}

static void test_write_errors(void **state)
{
	assert_int_equal(run("echo a000000.dma > /sys/bus/platform/drivers/dma-copy/bind"), 1);
	assert_string_equal(output, "echo: write error: No such device\n");
	assert_int_equal(sh.err, ENODEV);

	nr_writes = 0;
	assert_int_equal(run("echo 1 > " DEV "/modalias"), 1);
	assert_string_equal(output, DEV "/modalias: Permission denied\n");
	assert_int_equal(sh.err, EACCES);
	assert_int_equal(run("echo 1 > /sys/bus/platform/nonexistent"), 1);
	assert_string_equal(output, "/sys/bus/platform/nonexistent: Permission denied\n");
	assert_int_equal(run("echo 1 > /sys/nope/file"), 1);
	assert_string_equal(output, "/sys/nope/file: No such file or directory\n");
	assert_int_equal(sh.err, ENOENT);
	assert_int_equal(run("echo 1 > /sys/bus"), 1);
	assert_string_equal(output, "/sys/bus: Is a directory\n");
	/* None of the refused opens reached a store. */
	assert_int_equal(nr_writes, 0);
}

static void test_unknown_command(void **state)
{
	assert_int_equal(run("foo bar"), 127);
	assert_string_equal(output, "foo: command not found\n");
}

/* ---- file verbs ------------------------------------------------------- */

static void test_cat(void **state)
{
	assert_int_equal(run("cat /sys/foo"), 1);
	assert_string_equal(output, "cat: /sys/foo: No such file or directory\n");
	assert_int_equal(sh.err, ENOENT);
	assert_int_equal(run("cat /sys/bus"), 1);
	assert_string_equal(output, "cat: /sys/bus: Is a directory\n");
	assert_int_equal(run("cat /sys/bus/platform/drivers/dma-copy/bind"), 1);
	assert_string_equal(output, "cat: /sys/bus/platform/drivers/dma-copy/bind: Permission denied\n");
	assert_int_equal(run("cat " DEV "/modalias /sys/bus/platform/drivers_autoprobe"), 0);
	assert_string_equal(output, "of:NdmaT(null)\n1\n");
	assert_int_equal(run("cat " DEV "/driver/bind/x"), 1);
	assert_string_equal(output, "cat: " DEV "/driver/bind/x: Not a directory\n");
}

static void test_ls(void **state)
{
	assert_int_equal(run("ls /sys/bus/platform"), 0);
	assert_string_equal(output, "devices\ndrivers\ndrivers_autoprobe\n");
	assert_int_equal(run("ls /x"), 2);
	assert_string_equal(output, "ls: cannot access '/x': No such file or directory\n");
	/* A link to a directory is followed without -l, shown as a link with -l. */
	assert_int_equal(run("ls " DEV), 0);
	assert_string_equal(output, "driver\ndriver_override\nmodalias\n");
	assert_int_equal(run("ls -l " DEV "/driver"), 0);
	assert_string_equal(output, "lrwxrwxrwx 1 root root    0 Jan  1 00:00 " DEV
			    "/driver -> ../../../bus/platform/drivers/dma-copy\n");
	assert_int_equal(run("ls -l /sys/bus/platform/drivers/dma-copy"), 0);
	assert_string_equal(output, "total 0\n"
			    "--w------- 1 root root 4096 Jan  1 00:00 bind\n"
			    "--w------- 1 root root 4096 Jan  1 00:00 unbind\n");
	assert_int_equal(run("ls " DEV "/modalias /sys/bus/platform/drivers"), 0);
	assert_string_equal(output, DEV "/modalias\n\n/sys/bus/platform/drivers:\ndma-copy\n");
	assert_int_equal(run("ls -d /sys/bus/platform/drivers /sys/bus/platform/devices"), 0);
	assert_string_equal(output, "/sys/bus/platform/devices\n/sys/bus/platform/drivers\n");
	assert_int_equal(run("ls -z"), 2);
}

static void test_cd_pwd(void **state)
{
	assert_int_equal(run("pwd"), 0);
	assert_string_equal(output, "/\n");
	assert_int_equal(run("cd " DEV), 0);
	assert_int_equal(run("cat driver_override"), 0);
	assert_string_equal(output, "(null)\n");
	assert_int_equal(run("echo dma-copy > driver_override"), 0);
	assert_string_equal(last_write, "dma-copy\n");
	/* cd .. is logical, as in bash: back to the path we came by. */
	assert_int_equal(run("cd .."), 0);
	assert_int_equal(run("pwd"), 0);
	assert_string_equal(output, "/sys/bus/platform/devices\n");
	assert_int_equal(run("cd nowhere"), 1);
	assert_string_equal(output, "cd: nowhere: No such file or directory\n");
	assert_int_equal(run("cd a000000.dma/modalias"), 1);
	assert_string_equal(output, "cd: a000000.dma/modalias: Not a directory\n");
	assert_int_equal(run("pwd"), 0);
	assert_string_equal(output, "/sys/bus/platform/devices\n");
}

static void test_readlink(void **state)
{
	assert_int_equal(run("readlink " DEV "/driver"), 0);
	assert_string_equal(output, "../../../bus/platform/drivers/dma-copy\n");
	assert_int_equal(run("readlink -f " DEV "/driver"), 0);
	assert_string_equal(output, "/sys/bus/platform/drivers/dma-copy\n");
	/* Not a link: silent failure, as coreutils without -v. */
	assert_int_equal(run("readlink " DEV "/modalias"), 1);
	assert_string_equal(output, "");
	assert_int_equal(sh.err, EINVAL);
}

static void test_tree(void **state)
{
	assert_int_equal(run("tree " DEV), 0);
	assert_string_equal(output, DEV "\n"
			    "├── driver -> ../../../bus/platform/drivers/dma-copy\n"
			    "├── driver_override\n"
			    "└── modalias\n"
			    "\n1 directory, 2 files\n");
	assert_int_equal(run("tree /sys/bus/platform/drivers"), 0);
	assert_string_equal(output, "/sys/bus/platform/drivers\n"
			    "└── dma-copy\n"
			    "    ├── bind\n"
			    "    └── unbind\n"
			    "\n1 directory, 2 files\n");
	assert_int_equal(run("tree /nope"), 2);
}

/* ---- modules, log, time ---------------------------------------------- */

static void test_modules(void **state)
{
	assert_int_equal(run("modprobe nosuch"), 1);
	assert_string_equal(output, "modprobe: FATAL: Module nosuch not found in directory "
			    "/lib/modules/6.12.0-iommulab\n");
	assert_int_equal(run("modprobe dma-copy bogus=1"), 1);
	assert_string_equal(output, "modprobe: ERROR: could not insert 'dma_copy': Invalid argument\n");
	assert_false(module_loaded);
	assert_int_equal(run("modprobe dma-copy a=1 b=2"), 0);
	assert_string_equal(modprobe_params, "a=1 b=2");
	assert_true(module_loaded);
	assert_int_equal(run("rmmod busy"), 1);
	assert_string_equal(output, "rmmod: ERROR: Module busy is in use\n");
	assert_int_equal(run("rmmod defer-test"), 1);
	assert_string_equal(output, "rmmod: ERROR: Module defer_test is builtin.\n");
	assert_int_equal(run("rmmod dma-copy"), 0);
	assert_int_equal(run("rmmod dma-copy"), 1);
	assert_string_equal(output, "rmmod: ERROR: Module dma_copy is not currently loaded\n");
	assert_int_equal(run("modprobe -r dma-copy"), 1);
	assert_int_equal(run("lsmod"), 0);
	assert_string_equal(output, "Module                  Size  Used by\n"
			    "dma_copy                   0  2\n");
}

static void test_dmesg_sleep(void **state)
{
	assert_int_equal(run("dmesg"), 0);
	assert_string_equal(output, "[    0.000100] dma-copy a000000.dma: ready\n");
	assert_int_equal(run("dmesg -c"), 0);
	assert_int_equal(run("dmesg"), 0);
	assert_string_equal(output, "");
	assert_int_equal(run("sleep 1.5"), 0);
	assert_int_equal(slept, 1500000000ull);
	assert_int_equal(run("sleep 1m"), 0);
	assert_int_equal(slept, 61500000000ull);
	assert_int_equal(run("sleep x"), 1);
	assert_string_equal(output, "sleep: invalid time interval 'x'\n");
	assert_int_equal(run("sleep -1"), 1);
	assert_int_equal(run("sleep nan"), 1);
	assert_int_equal(slept, 61500000000ull);
	/* Each operand is fine, their sum is not 2^64 ns: a usage error, no sleep. */
	char line[512] = "sleep";
	for (int i = 0; i < 19; i++)
		strcat(line, " 1e9");
	assert_int_equal(run(line), 1);
	assert_string_equal(output, "sleep: total time interval too long (over 2^64 ns)\n");
	assert_int_equal(sh.err, EINVAL);
	assert_int_equal(slept, 61500000000ull);
	assert_int_equal(run("sleep 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9 1e9"), 0);
	assert_int_equal(slept, 61500000000ull + 18000000000000000000ull);
}

static void test_device_verbs(void **state)
{
	assert_int_equal(run("dmatest a000000.dma"), 0);
	assert_string_equal(output, "a000000.dma: copied 4096 bytes, ok\n");
	assert_int_equal(run("dmatest nosuch 16"), 1);
	assert_string_equal(output, "dmatest: nosuch: No such device\n");
	assert_int_equal(run("dmatest a000000.dma -5"), 2);
	assert_int_equal(run("dma a000000.dma write 0x40000000 16 0x5a"), 0);
	assert_string_equal(output, "dma: a000000.dma: write 16 bytes at 0x40000000: ok (byte 0x5a)\n");
	assert_int_equal(run("dma a000000.dma read 0 16"), 1);
	assert_int_equal(sh.err, EFAULT);
	assert_int_equal(run("dma a000000.dma poke 0 16"), 2);
	assert_int_equal(run("dma a000000.dma read 0 0"), 2);
	assert_int_equal(run("dma a000000.dma write 0x1000 16 256"), 2);
	/* write32: one little-endian word, any 32-bit value; nothing else after it. */
	assert_int_equal(run("dma a000000.dma write32 0x8020040 0x60"), 0);
	assert_string_equal(output, "dma: a000000.dma: write 4 bytes at 0x8020040: ok (word 0x60)\n");
	assert_int_equal(run("dma a000000.dma write32 0x8020040 0x100000000"), 2);
	assert_int_equal(run("dma a000000.dma write32 0x8020040"), 2);
	assert_int_equal(run("dma a000000.dma write32 0x8020040 1 2"), 2);
}

static void test_expect(void **state)
{
	assert_int_equal(run("expect errno ENODEV echo a000000.dma > /sys/bus/platform/drivers/dma-copy/bind"), 0);
	assert_string_equal(output, "");
	assert_int_equal(run("expect errno EBUSY echo a000000.dma > /sys/bus/platform/drivers/dma-copy/bind"), 1);
	assert_non_null(strstr(output, "failed with ENODEV, expected EBUSY"));
	assert_non_null(strstr(output, "  | echo: write error: No such device\n"));
	assert_int_equal(run("expect errno EINVAL cat " DEV "/modalias"), 1);
	assert_non_null(strstr(output, "succeeded, expected EINVAL"));
	assert_int_equal(run("expect ok cat " DEV "/modalias"), 0);
	assert_string_equal(output, "");
	assert_int_equal(run("expect ok cat /nope"), 1);
	assert_int_equal(run("expect dmesg a000000.dma: ready"), 0);
	assert_int_equal(run("expect dmesg \"a000000.dma: ready\""), 0);
	assert_int_equal(run("expect dmesg not there"), 1);
	assert_string_equal(output, "expect: dmesg does not contain \"not there\"\n");
	assert_int_equal(run("expect no-dmesg not there"), 0);
	assert_int_equal(run("expect no-dmesg ready"), 1);
	assert_int_equal(run("expect errno EWHAT ls"), 2);
	assert_int_equal(run("expect maybe ls"), 2);
	assert_int_equal(run("expect ok"), 2);
}

/* ---- scenarios -------------------------------------------------------- */

static void test_match(void **state)
{
	char *w1[] = { "a", "...", "d" }, *g1[] = { "a", "b", "c", "d" }, *g2[] = { "a", "d" };
	char *g3[] = { "a", "b" }, *w2[] = { "..." }, *w3[] = { "a", "...", "b", "..." };

	assert_true(scenario_match(w1, 3, g1, 4));
	assert_true(scenario_match(w1, 3, g2, 2));
	assert_false(scenario_match(w1, 3, g3, 2));
	assert_true(scenario_match(w2, 1, g1, 0));
	assert_true(scenario_match(w3, 4, g3, 2));
	assert_true(scenario_match(w3, 2, g2, 2));
	assert_false(scenario_match(w3, 4, g2, 2));
	assert_true(scenario_match(NULL, 0, NULL, 0));
	assert_false(scenario_match(NULL, 0, g3, 2));
}

static void test_parse(void **state)
{
	struct scenario s;
	char why[256];

	assert_int_equal(scenario_parse("dir/a.lab",
		"#! platform ../p.dts\n#! cmdline lab.module=dma-copy\n"
		"# comment\n\n$ cat x\nline1\n\nline2\n\n\n# stop\nignored? no: a comment ended it\n", &s,
		why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "dir/a.lab:12: output without a command (commands start with \"$ \")");

	assert_int_equal(scenario_parse("dir/a.lab",
		"#! platform ../p.dts\n#! cmdline lab.module=dma-copy\n"
		"# comment\n\n$ cat x\nline1\n\nline2\n\n\n# stop\n$ ls\n$ pwd\n/\n", &s,
		why, sizeof(why)), 0);
	assert_true(s.session);
	assert_string_equal(s.platform, "dir/../p.dts");
	assert_string_equal(s.cmdline, "lab.module=dma-copy");
	assert_int_equal(s.nr_items, 3);
	assert_int_equal(s.items[0].line, 5);
	assert_string_equal(s.items[0].cmd, "cat x");
	assert_int_equal(s.items[0].nr_expect, 3);
	assert_string_equal(s.items[0].expect[2], "line2");
	assert_int_equal(s.items[1].nr_expect, 0);
	assert_string_equal(s.items[2].expect[0], "/");
	scenario_free(&s);

	assert_int_equal(scenario_parse("b.lab", "ls\n  pwd\n# c\n\n", &s, why, sizeof(why)), 0);
	assert_false(s.session);
	assert_int_equal(s.nr_items, 2);
	assert_string_equal(s.items[1].cmd, "pwd");
	scenario_free(&s);

	assert_int_equal(scenario_parse("c.lab", "#! bogus x\n", &s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "c.lab:1: unknown header '#! bogus x' (platform FILE, cmdline ARGS)");
	assert_int_equal(scenario_parse("c.lab", "$ ls\n#! cmdline x\n", &s, why, sizeof(why)), -EINVAL);
	assert_int_equal(scenario_parse("c.lab", "$\n", &s, why, sizeof(why)), -EINVAL);
	assert_int_equal(scenario_parse("c.lab", "", &s, why, sizeof(why)), 0);
	assert_int_equal(s.nr_items, 0);
	scenario_free(&s);
}

static int run_scenario(const char *text, unsigned flags)
{
	struct scenario s;
	char why[256], *log = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&log, &len);

	assert_int_equal(scenario_parse("t.lab", text, &s, why, sizeof(why)), 0);
	int failed = scenario_run(&s, &sh, flags, o);
	fclose(o);
	snprintf(output, sizeof(output), "%s", log);
	free(log);
	scenario_free(&s);
	return failed;
}

static void test_run_session(void **state)
{
	assert_int_equal(run_scenario(
		"$ cat " DEV "/modalias\nof:NdmaT(null)\n"
		"$ ls /sys/bus/platform\n...\ndrivers_autoprobe\n\n"
		"$ echo 1 > " DEV "/modalias\n" DEV "/modalias: Permission denied\n"
		"$ expect errno ENODEV echo x > /sys/bus/platform/drivers/dma-copy/bind\n", 0), 0);

	/* A mismatch: reported with file:line as a diff, and the run goes on. */
	assert_int_equal(run_scenario(
		"$ cat " DEV "/modalias\nof:Nwrong\n$ pwd\n/\n$ pwd\n/tmp\n", 0), 2);
	assert_non_null(strstr(output, "t.lab:1: $ cat " DEV "/modalias\n--- expected\n+++ got\n"
			       "-of:Nwrong\n+of:NdmaT(null)\n"));
	assert_non_null(strstr(output, "t.lab:5: $ pwd\n"));
	assert_non_null(strstr(output, "t.lab: 2 of 3 checks failed\n"));

	/* An error hidden behind "..." still fails: it must be written out. */
	assert_int_equal(run_scenario("$ cat /nope\n...\n", 0), 1);
	assert_non_null(strstr(output, "its error is not in the expected output: cat: /nope:"));
	/* A silent failure fails too. */
	assert_int_equal(run_scenario("$ readlink " DEV "/modalias\n", 0), 1);

	/* --echo prints the commands. */
	assert_int_equal(run_scenario("$ pwd\n/\n", SCENARIO_ECHO), 0);
	assert_string_equal(output, "$ pwd\n/\n");
	/* ... with the comments above each one, so a tour narrates itself. */
	assert_int_equal(run_scenario("# where\n#\n$ pwd\n/\n# again\n$ pwd\n/\n# trailing\n",
				      SCENARIO_ECHO), 0);
	assert_string_equal(output, "# where\n#\n$ pwd\n/\n# again\n$ pwd\n/\n");
	/* Without --echo they stay silent. */
	assert_int_equal(run_scenario("# where\n$ pwd\n/\n", 0), 0);
	assert_string_equal(output, "/\n");
}

static void test_run_plain(void **state)
{
	assert_int_equal(run_scenario("cat /nope\npwd\nexpect ok pwd\n", 0), 0);
	assert_string_equal(output, "cat: /nope: No such file or directory\n/\n");
	assert_int_equal(run_scenario("expect errno ENOENT cat /nope\nexpect ok cat /nope\n", 0), 1);
	assert_non_null(strstr(output, "t.lab:2: failed: expect ok cat /nope\n"));
	/* exit stops the script. */
	assert_int_equal(run_scenario("exit\nexpect ok cat /nope\n", 0), 0);
}

static void test_errno_names(void **state)
{
	assert_int_equal(shell_errno_by_name("ENODEV"), ENODEV);
	assert_int_equal(shell_errno_by_name("nope"), 0);
	assert_string_equal(shell_errno_name(EBUSY), "EBUSY");
	assert_null(shell_errno_name(9999));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_quoting, setup),
		cmocka_unit_test_setup(test_echo_writes_once, setup),
		cmocka_unit_test_setup(test_write_errors, setup),
		cmocka_unit_test_setup(test_unknown_command, setup),
		cmocka_unit_test_setup(test_cat, setup),
		cmocka_unit_test_setup(test_ls, setup),
		cmocka_unit_test_setup(test_cd_pwd, setup),
		cmocka_unit_test_setup(test_readlink, setup),
		cmocka_unit_test_setup(test_tree, setup),
		cmocka_unit_test_setup(test_modules, setup),
		cmocka_unit_test_setup(test_dmesg_sleep, setup),
		cmocka_unit_test_setup(test_device_verbs, setup),
		cmocka_unit_test_setup(test_expect, setup),
		cmocka_unit_test_setup(test_match, setup),
		cmocka_unit_test_setup(test_parse, setup),
		cmocka_unit_test_setup(test_run_session, setup),
		cmocka_unit_test_setup(test_run_plain, setup),
		cmocka_unit_test_setup(test_errno_names, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
