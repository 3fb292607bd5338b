/* The virtual /sys: path resolution, links, permissions and errnos. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/sysfs.h"
#include "kernel/kernel_state.h"

static char stored[64] = "hello\n";
static int stores;

static ssize_t val_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	return snprintf(buf, 4096, "%s", stored);
}

static ssize_t val_store(void *owner, const struct sysfs_attr *attr, const char *buf,
			 size_t len)
{
	stores++;
	if (!strcmp(buf, "bad\n"))
		return -EINVAL;
	snprintf(stored, sizeof(stored), "%s", buf);
	return (ssize_t)len;
}

static ssize_t big_show(void *owner, const struct sysfs_attr *attr, char *buf)
{
	memset(buf, 'x', 4096);
	return 4096;
}

static const struct sysfs_attr attr_rw = { "val", 0644, val_show, val_store, NULL };
static const struct sysfs_attr attr_ro = { "ro", 0444, val_show, val_store, NULL };
static const struct sysfs_attr attr_wo = { "wo", 0200, val_show, val_store, NULL };
static const struct sysfs_attr attr_noshow = { "noshow", 0644, NULL, val_store, NULL };
static const struct sysfs_attr attr_big = { "big", 0444, big_show, NULL, NULL };

/*
 * /sys/devices/platform/dev/{val,ro,wo,noshow,big}
 * /sys/bus/platform/devices/dev -> ../../../devices/platform/dev
 * /sys/devices/platform/dev/subsystem -> ../../../bus/platform
 */
static int setup(void **state)
{
	struct sysfs_node *devices, *platform, *dev, *bus, *pbus, *pdevs;
	stores = 0;
	snprintf(stored, sizeof(stored), "hello\n");
	/* sysfs alone, no boot: the kernel state it lives in, by hand. */
	assert_int_equal(kernel_state_create(NULL), 0);
	assert_int_equal(sysfs_init(), 0);
	assert_int_equal(sysfs_create_dir(sysfs_root(), "devices", &devices), 0);
	assert_int_equal(sysfs_create_dir(devices, "platform", &platform), 0);
	assert_int_equal(sysfs_create_dir(platform, "dev", &dev), 0);
	assert_int_equal(sysfs_create_file(dev, &attr_rw, NULL, NULL), 0);
	assert_int_equal(sysfs_create_file(dev, &attr_ro, NULL, NULL), 0);
	assert_int_equal(sysfs_create_file(dev, &attr_wo, NULL, NULL), 0);
	assert_int_equal(sysfs_create_file(dev, &attr_noshow, NULL, NULL), 0);
	assert_int_equal(sysfs_create_file(dev, &attr_big, NULL, NULL), 0);
	assert_int_equal(sysfs_create_dir(sysfs_root(), "bus", &bus), 0);
	assert_int_equal(sysfs_create_dir(bus, "platform", &pbus), 0);
	assert_int_equal(sysfs_create_dir(pbus, "devices", &pdevs), 0);
	assert_int_equal(sysfs_create_link(pdevs, "dev", dev), 0);
	assert_int_equal(sysfs_create_link(dev, "subsystem", pbus), 0);
	return 0;
}

static int teardown(void **state)
{
	sysfs_exit();
	kernel_state_destroy();
	assert_int_equal(kalloc_outstanding(), 0);
	return 0;
}

static void test_resolution(void **state)
{
	char buf[256];
	struct sysfs_stat st;
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/val", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "hello\n");
	/* through a link, with . and .. (.. after a link is the target's parent) */
	assert_int_equal(sysfs_read("/sys/bus/platform/devices/dev/val", buf, sizeof(buf)), 6);
	assert_int_equal(sysfs_read("/sys/bus/./platform/devices/dev/../dev/val", buf,
				    sizeof(buf)), 6);
	assert_int_equal(sysfs_read("/sys/bus/platform/devices/dev/subsystem/devices/dev/val",
				    buf, sizeof(buf)), 6);
	assert_int_equal(sysfs_read("//sys//devices/platform/dev/val", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysfs_read("/sys//devices//platform/dev/val", buf, sizeof(buf)), 6);
	/* stat follows, lstat does not */
	assert_int_equal(sysfs_stat("/sys/bus/platform/devices/dev", &st), 0);
	assert_int_equal(st.type, SYSFS_DIR);
	assert_int_equal(sysfs_lstat("/sys/bus/platform/devices/dev", &st), 0);
	assert_int_equal(st.type, SYSFS_LINK);
	assert_int_equal(sysfs_stat("/sys/devices/platform/dev/wo", &st), 0);
	assert_int_equal(st.type, SYSFS_FILE);
	assert_int_equal(st.mode, 0200);
	assert_int_equal(sysfs_stat("/sys", &st), 0);
	assert_int_equal(st.type, SYSFS_DIR);
	/* readlink: relative text; realpath: canonical */
	assert_int_equal(sysfs_readlink("/sys/bus/platform/devices/dev", buf, sizeof(buf)),
			 (ssize_t)strlen("../../../devices/platform/dev"));
	assert_string_equal(buf, "../../../devices/platform/dev");
	assert_true(sysfs_readlink("/sys/devices/platform/dev/subsystem", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "../../../bus/platform");
	assert_int_equal(sysfs_readlink("/sys/devices/platform/dev/val", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysfs_realpath("/sys/bus/platform/devices/dev/subsystem", buf,
					sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/bus/platform");
}

static void test_errnos(void **state)
{
	char buf[256];
	struct sysfs_stat st;
	assert_int_equal(sysfs_read("/sys/devices/nope", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysfs_stat("/sys/devices/nope/x", &st), -ENOENT);
	assert_int_equal(sysfs_read("/proc/cmdline", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysfs_read("/system", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/val/x", buf, sizeof(buf)),
			 -ENOTDIR);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/val/", buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev", buf, sizeof(buf)), -EISDIR);
	assert_int_equal(sysfs_write("/sys/devices/platform/dev", "x", 1), -EISDIR);
	/* kernfs_fop_open: no mode bit or no method -> -EACCES, even for root */
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/wo", buf, sizeof(buf)), -EACCES);
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/ro", "x\n", 2), -EACCES);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/noshow", buf, sizeof(buf)), -EACCES);
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/big", "x", 1), -EACCES);
	assert_int_equal(stores, 0);
	assert_int_equal(sysfs_readdir("/sys/devices/platform/dev/val", NULL, NULL), -ENOTDIR);
}

static void test_write(void **state)
{
	char buf[256];
	/* one write(2): the store sees the whole buffer, newline included */
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/val", "abc\n", 4), 4);
	assert_string_equal(stored, "abc\n");
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/wo", "def\n", 4), 4);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/val", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "def\n");
	/* the store's error comes back, and the value is kept */
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/val", "bad\n", 4), -EINVAL);
	assert_string_equal(stored, "def\n");
	/* an empty write does not reach the store */
	int before = stores;
	assert_int_equal(sysfs_write("/sys/devices/platform/dev/val", "", 0), 0);
	assert_int_equal(stores, before);
}

static void test_page_limit(void **state)
{
	static char buf[8192];
	/* reads are one page at most; a short buffer truncates */
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/big", buf, sizeof(buf)), 4096);
	assert_int_equal(sysfs_read("/sys/devices/platform/dev/big", buf, 10), 9);
	assert_int_equal(strlen(buf), 9);
}

struct names {
	char all[256];
};

static int collect(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct names *n = opaque;
	strcat(n->all, name);
	strcat(n->all, st->type == SYSFS_LINK ? "@ " : st->type == SYSFS_DIR ? "/ " : " ");
	return 0;
}

static void test_readdir_sorted_and_remove(void **state)
{
	struct names n = { "" };
	char buf[64];
	assert_int_equal(sysfs_readdir("/sys/devices/platform/dev", collect, &n), 0);
	assert_string_equal(n.all, "big noshow ro subsystem@ val wo ");
	/* duplicate names are refused */
	struct sysfs_node *dev = sysfs_find("/sys/devices/platform/dev");
	assert_non_null(dev);
	assert_int_equal(sysfs_create_file(dev, &attr_rw, NULL, NULL), -EEXIST);
	/* removing the target leaves the link dangling: -ENOENT through it */
	sysfs_remove(dev);
	assert_int_equal(sysfs_read("/sys/bus/platform/devices/dev/val", buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(sysfs_readlink("/sys/bus/platform/devices/dev", buf, sizeof(buf)),
			 -ENOENT);
	assert_true(sysfs_find("/sys/devices/platform/dev") == NULL);
}

struct order {
	char prev[32];
	int n;
	bool sorted;
};

static int check_order(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct order *o = opaque;
	if (o->n++ && strcmp(o->prev, name) >= 0)
		o->sorted = false;
	snprintf(o->prev, sizeof(o->prev), "%s", name);
	return 0;
}

/* A directory of thousands of entries added in scrambled order stays sorted and searchable. */
static void test_big_directory(void **state)
{
	enum { N = 3000 };
	struct sysfs_node *dir, *c;
	char name[32];
	unsigned k;

	assert_int_equal(sysfs_create_dir(sysfs_find("/sys/devices"), "big", &dir), 0);
	for (unsigned i = 0; i < N; i++) {
		k = (i * 1237u) % N;	/* 1237 is prime to N: each k once */
		snprintf(name, sizeof(name), "%x.dma", k * 0x1000u);
		assert_int_equal(sysfs_create_dir(dir, name, NULL), 0);
	}
	assert_int_equal(sysfs_create_dir(dir, "1000.dma", NULL), -EEXIST);
	for (k = 0; k < N; k++) {
		snprintf(name, sizeof(name), "%x.dma", k * 0x1000u);
		c = sysfs_get_child(dir, name);
		assert_non_null(c);
		assert_string_equal(sysfs_node_name(c), name);
	}
	assert_null(sysfs_get_child(dir, "nope"));
	/* Drop every odd one, rename every fourth: still sorted, still found. */
	for (k = 1; k < N; k += 2) {
		snprintf(name, sizeof(name), "%x.dma", k * 0x1000u);
		sysfs_remove_name(dir, name);
		assert_null(sysfs_get_child(dir, name));
	}
	for (k = 0; k < N; k += 4) {
		char to[32];
		snprintf(name, sizeof(name), "%x.dma", k * 0x1000u);
		snprintf(to, sizeof(to), "zz%u", k);
		assert_int_equal(sysfs_rename(sysfs_get_child(dir, name), to), 0);
		assert_null(sysfs_get_child(dir, name));
		assert_non_null(sysfs_get_child(dir, to));
	}
	struct order o = { .sorted = true };
	assert_int_equal(sysfs_readdir("/sys/devices/big", check_order, &o), 0);
	assert_int_equal(o.n, N / 2);
	assert_true(o.sorted);
	assert_non_null(sysfs_find("/sys/devices/big/zz8"));
	assert_non_null(sysfs_find("/sys/devices/big/2000.dma"));
	sysfs_remove(dir);
	assert_null(sysfs_find("/sys/devices/big"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errnos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir_sorted_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_directory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
