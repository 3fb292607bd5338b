/*
 * A snapshot of the whole lab /sys for the robustness tests: every
 * directory and file with its mode, every readable file's content, every
 * link's target. Links are recorded, never entered, so loops cannot
 * happen. Two snapshots compare equal iff nothing a user can read changed.
 */
#ifndef LAB_TESTS_SYSFS_SNAPSHOT_H
#define LAB_TESTS_SYSFS_SNAPSHOT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base/sysfs.h"

struct buf {
	char *p;
	size_t len, cap;
};

static inline void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static inline void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	buf_add(b, tmp, (size_t)n);
}

struct names {
	char **v;
	struct sysfs_stat *st;
	size_t n;
};

static inline int collect(void *opaque, const char *name, const struct sysfs_stat *st)
{
	struct names *ns = opaque;
	ns->v = realloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->st = realloc(ns->st, (ns->n + 1) * sizeof(*ns->st));
	assert_non_null(ns->v);
	assert_non_null(ns->st);
	ns->v[ns->n] = strdup(name);
	ns->st[ns->n++] = *st;
	return 0;
}

/* The writable files seen by the last snapshot_all with @writable set. */
static char **writable, **all_paths;
static size_t nr_writable, nr_all_paths, nr_nodes;

static char rdbuf[1 << 17];

/*
 * Walks @path (a directory reached without following a link: links are
 * recorded, never entered, so loops cannot happen).
 */
static inline void walk(const char *path, struct buf *b, bool record_writable)
{
	struct names ns = { 0 };
	assert_int_equal(sysfs_readdir(path, collect, &ns), 0);
	for (size_t i = 0; i < ns.n; i++) {
		char child[4096];
		snprintf(child, sizeof(child), "%s/%s", path, ns.v[i]);
		nr_nodes++;
		if (record_writable) {
			all_paths = realloc(all_paths, (nr_all_paths + 1) * sizeof(*all_paths));
			assert_non_null(all_paths);
			all_paths[nr_all_paths++] = strdup(child);
		}
		switch (ns.st[i].type) {
		case SYSFS_DIR:
			buf_printf(b, "D %s %o\n", child, ns.st[i].mode);
			walk(child, b, record_writable);
			break;
		case SYSFS_LINK: {
			ssize_t r = sysfs_readlink(child, rdbuf, sizeof(rdbuf));
			if (r < 0)
				buf_printf(b, "L %s error %zd\n", child, r);
			else
				buf_printf(b, "L %s -> %.*s\n", child, (int)r, rdbuf);
			break;
		}
		case SYSFS_FILE: {
			buf_printf(b, "F %s %o\n", child, ns.st[i].mode);
			/*
			 * defer_count counts the defer-test driver's probe calls:
			 * a bind that runs a probe which defers (-EAGAIN) counts
			 * one, as a real probe attempt would; not device state.
			 */
			if (!strcmp(ns.v[i], "defer_count")) {
				buf_printf(b, "  (attempt counter, not compared)\n");
			} else if (ns.st[i].mode & 0444) {
				ssize_t r = sysfs_read(child, rdbuf, sizeof(rdbuf));
				if (r < 0) {
					buf_printf(b, "  error %zd\n", r);
				} else {
					buf_printf(b, "  %zd bytes\n", r);
					buf_add(b, rdbuf, (size_t)r);
					buf_add(b, "\n", 1);
				}
			}
			if (record_writable && (ns.st[i].mode & 0222)) {
				writable = realloc(writable, (nr_writable + 1) * sizeof(*writable));
				assert_non_null(writable);
				writable[nr_writable++] = strdup(child);
			}
			break;
		}
		}
		free(ns.v[i]);
	}
	free(ns.v);
	free(ns.st);
}

static inline struct buf snapshot(bool record_writable)
{
	struct buf b = { 0 };
	nr_nodes = 0;
	buf_add(&b, "", 0);
	walk("/sys", &b, record_writable);
	return b;
}

/* Prints the first line where two snapshots part. */
static inline void report_diff(const struct buf *a, const struct buf *b)
{
	size_t i = 0, line = 0;
	while (i < a->len && i < b->len && a->p[i] == b->p[i]) {
		if (a->p[i] == '\n')
			line = i + 1;
		i++;
	}
	print_error("snapshot differs at byte %zu:\n--- before\n%.200s\n+++ after\n%.200s\n",
		    i, a->p + line, b->p + line);
}

static inline bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

#endif
