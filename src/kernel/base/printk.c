// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmesg: every line is stamped with the machine's virtual time. The buffer
 * is plain libc memory, outside kmalloc: logging must neither consume the
 * fail-the-Nth countdown nor fail itself, or error paths would change what
 * they log.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/cmdline.h"
#include "kernel/base/device.h"
#include "kernel/base/printk.h"
#include "kernel/kernel_state.h"

/*
 * The console sink is the harness's, not the kernel's: the shell or a test
 * installs it once per process, before or after boot, and it outlives
 * kernel_shutdown. The log itself is kernel state (kstate->printk).
 */
static printk_sink_fn sink_fn;
static void *sink_opaque;

void printk_state_init(struct printk_state *ps)
{
	ps->console_level = LOGLEVEL_INFO;
}

static const char *kbasename_(const char *path)
{
	const char *tail = strrchr(path, '/');
	return tail ? tail + 1 : path;
}

/* No kernel, no log: a line printed then only reaches the sink. */
static void log_append(const char *s, size_t n)
{
	struct printk_state *ps = kstate ? &kstate->printk : NULL;

	if (!ps)
		return;
	if (ps->log_len + n + 1 > ps->log_cap) {
		size_t cap = ps->log_cap ? ps->log_cap : 4096;
		while (cap < ps->log_len + n + 1)
			cap *= 2;
		char *nb = realloc(ps->log_buf, cap);
		if (!nb)
			return;
		ps->log_buf = nb;
		ps->log_cap = cap;
	}
	memcpy(ps->log_buf + ps->log_len, s, n);
	ps->log_len += n;
	ps->log_buf[ps->log_len] = '\0';
}

static void vprintk_prefixed(int level, const char *prefix, const char *fmt, va_list ap)
{
	struct machine *m = kernel_machine();
	u64 ns = m ? hw_now(m) : 0;
	char stamp[40], body[1024];

	snprintf(stamp, sizeof(stamp), "[%5lu.%06lu] ", (unsigned long)(ns / 1000000000ull),
		 (unsigned long)(ns % 1000000000ull / 1000));
	vsnprintf(body, sizeof(body), fmt, ap);

	/* One printk may carry several lines: stamp each one. */
	char *line = body;
	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char out[1200];
		int len = snprintf(out, sizeof(out), "%s%s%.*s", stamp, prefix, (int)n, line);
		if (len < 0)
			break;
		if ((size_t)len >= sizeof(out))
			len = sizeof(out) - 1;
		log_append(out, (size_t)len);
		log_append("\n", 1);
		if (sink_fn && level <= (kstate ? kstate->printk.console_level : LOGLEVEL_INFO))
			sink_fn(sink_opaque, level, out);
		line += n;
		if (*line == '\n')
			line++;
	}
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk_prefixed(level, "", fmt, ap);
	va_end(ap);
}

const char *dev_driver_string(const struct device *dev)
{
	if (dev->driver)
		return dev->driver->name;
	if (dev->bus)
		return dev->bus->name;
	return "";
}

static void vdev_printk(int level, const struct device *dev, const char *fmt, va_list ap)
{
	char prefix[256];

	if (dev)
		snprintf(prefix, sizeof(prefix), "%s %s: ", dev_driver_string(dev), dev_name(dev));
	else
		snprintf(prefix, sizeof(prefix), "(NULL device *): ");
	vprintk_prefixed(level, prefix, fmt, ap);
}

void dev_printk(int level, const struct device *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdev_printk(level, dev, fmt, ap);
	va_end(ap);
}

/* ---- dynamic debug ----------------------------------------------------- */

/*
 * The queries run so far, in order; a site is on when the last query that
 * selects it says so. Kept in libc memory, like the log.
 */
struct ddebug_rule {
	char *file, *module, *func, *format;	/* NULL: any */
	char op;				/* '+', '-' or '=' */
	bool print;				/* the p flag */
};

static void rule_free(struct ddebug_rule *r)
{
	free(r->file);
	free(r->module);
	free(r->func);
	free(r->format);
}

void dynamic_debug_exit(void)
{
	struct printk_state *ps = kstate ? &kstate->printk : NULL;

	if (!ps)
		return;
	for (size_t i = 0; i < ps->nr_rules; i++)
		rule_free(&ps->rules[i]);
	free(ps->rules);
	ps->rules = NULL;
	ps->nr_rules = 0;
}

/* "../src/kernel/base/dd.c" -> "kernel/base/dd.c": the path under the source tree. */
static const char *site_path(const char *file)
{
	while (!strncmp(file, "../", 3))
		file += 3;
	if (!strncmp(file, "src/", 4))
		file += 4;
	return file;
}

static bool name_eq(const char *pattern, const char *name)
{
	/* Module names: '-' and '_' are one, as modprobe has them. */
	char a[64], b[64];
	size_t i;
	for (i = 0; pattern[i] && i < sizeof(a) - 1; i++)
		a[i] = pattern[i] == '-' ? '_' : pattern[i];
	a[i] = 0;
	for (i = 0; name[i] && i < sizeof(b) - 1; i++)
		b[i] = name[i] == '-' ? '_' : name[i];
	b[i] = 0;
	return !fnmatch(a, b, 0);
}

static bool rule_selects(const struct ddebug_rule *r, const char *file, const char *func,
			 const char *fmt)
{
	const char *path = site_path(file), *base = kbasename_(path);
	char module[64];

	snprintf(module, sizeof(module), "%.*s", (int)strcspn(base, "."), base);
	if (r->file && fnmatch(r->file, path, 0) && fnmatch(r->file, base, 0))
		return false;
	if (r->module && !name_eq(r->module, module))
		return false;
	if (r->func && fnmatch(r->func, func, 0))
		return false;
	if (r->format && !strstr(fmt, r->format))
		return false;
	return true;
}

static bool ddebug_enabled(const char *file, const char *func, const char *fmt)
{
	const struct printk_state *ps = &kstate->printk;
	bool on = false;

	for (size_t i = 0; i < ps->nr_rules; i++) {
		const struct ddebug_rule *r = &ps->rules[i];
		if (!rule_selects(r, file, func, fmt))
			continue;
		if (r->op == '=')
			on = r->print;
		else if (r->print)
			on = r->op == '+';
	}
	return on;
}

/* "+p", "-p", "=p", "=_", with the decoration flags f l m t accepted and ignored. */
static int parse_flags(const char *s, struct ddebug_rule *r)
{
	if (*s != '+' && *s != '-' && *s != '=')
		return -EINVAL;
	r->op = *s++;
	r->print = false;
	for (; *s; s++) {
		if (*s == 'p')
			r->print = true;
		else if (!strchr("flmst_", *s))
			return -EINVAL;
	}
	return 0;
}

static int rule_add(struct ddebug_rule *r)
{
	struct printk_state *ps = kstate ? &kstate->printk : NULL;
	struct ddebug_rule *nr;

	/* Queries configure a running kernel; there is none to keep them. */
	if (!ps) {
		rule_free(r);
		return -ENODEV;
	}
	nr = realloc(ps->rules, (ps->nr_rules + 1) * sizeof(*ps->rules));
	if (!nr) {
		rule_free(r);
		return -ENOMEM;
	}
	ps->rules = nr;
	ps->rules[ps->nr_rules++] = *r;
	return 0;
}

/* Splits the next word off *@p (blank separated; double quotes group). */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	if (*s == '"') {
		w = ++s;
		while (*s && *s != '"')
			s++;
	} else {
		/* keyword=value splits at '='; flags ("=p") keep it. */
		bool flags = strchr("+-=", *s) != NULL;
		w = s;
		while (*s && *s != ' ' && *s != '\t' && (flags || *s != '='))
			s++;
	}
	if (*s)
		*s++ = 0;
	*p = s;
	return w;
}

static int exec_query(char *q)
{
	struct ddebug_rule r = { 0 };
	char *w, **slot;
	bool flags = false;

	while ((w = next_word(&q))) {
		if (*w == '+' || *w == '-' || *w == '=') {
			if (flags || parse_flags(w, &r) || next_word(&q)) {
				pr_err("dyndbg: bad flag specification \"%s\"\n", w);
				goto bad;
			}
			flags = true;
			continue;
		}
		if (!strcmp(w, "file"))
			slot = &r.file;
		else if (!strcmp(w, "module"))
			slot = &r.module;
		else if (!strcmp(w, "func"))
			slot = &r.func;
		else if (!strcmp(w, "format"))
			slot = &r.format;
		else {
			pr_err("dyndbg: unknown keyword \"%s\"\n", w);
			goto bad;
		}
		char *v = next_word(&q);
		if (!v || *slot) {
			pr_err("dyndbg: keyword \"%s\" needs one value\n", w);
			goto bad;
		}
		*slot = strdup(v);
		if (!*slot)
			goto bad;
	}
	if (!flags) {
		pr_err("dyndbg: query has no flags\n");
		goto bad;
	}
	return rule_add(&r);
bad:
	rule_free(&r);
	return -EINVAL;
}

int ddebug_exec_queries(const char *query)
{
	char *copy = strdup(query ? query : ""), *q, *next;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (q = copy; q; q = next) {
		next = strpbrk(q, ";\n");
		if (next)
			*next++ = 0;
		q += strspn(q, " \t");
		if (!*q || *q == '#')
			continue;
		int r = exec_query(q);
		if (r && !ret)
			ret = r;
	}
	free(copy);
	return ret;
}

int ddebug_module_flags(const char *module, const char *flags)
{
	struct ddebug_rule r = { 0 };

	if (!flags || parse_flags(flags, &r)) {
		pr_err("dyndbg: bad flag specification \"%s\"\n", flags ? flags : "");
		return -EINVAL;
	}
	r.module = strdup(module);
	if (!r.module)
		return -ENOMEM;
	return rule_add(&r);
}

void dynamic_debug_init(void)
{
	dynamic_debug_exit();
	for (size_t i = 0; i < cmdline_count(); i++) {
		const char *name, *val, *dot;
		cmdline_param(i, &name, &val);
		if (!strcmp(name, "dyndbg")) {
			ddebug_exec_queries(val);
		} else if ((dot = strchr(name, '.')) && !strcmp(dot + 1, "dyndbg")) {
			char module[64];
			snprintf(module, sizeof(module), "%.*s", (int)(dot - name), name);
			ddebug_module_flags(module, val);
		}
	}
}

void __pr_debug(const char *file, const char *func, const char *fmt, ...)
{
	va_list ap;

	if (!kstate || !kstate->printk.nr_rules || !ddebug_enabled(file, func, fmt))
		return;
	va_start(ap, fmt);
	vprintk_prefixed(LOGLEVEL_DEBUG, "", fmt, ap);
	va_end(ap);
}

void __dev_dbg(const char *file, const char *func, const struct device *dev, const char *fmt, ...)
{
	va_list ap;

	if (!kstate || !kstate->printk.nr_rules || !ddebug_enabled(file, func, fmt))
		return;
	va_start(ap, fmt);
	vdev_printk(LOGLEVEL_DEBUG, dev, fmt, ap);
	va_end(ap);
}

const char *dmesg_text(size_t *len)
{
	struct printk_state *ps = kstate ? &kstate->printk : NULL;

	if (len)
		*len = ps ? ps->log_len : 0;
	return ps && ps->log_buf ? ps->log_buf : "";
}

void dmesg_clear(void)
{
	struct printk_state *ps = kstate ? &kstate->printk : NULL;

	if (!ps)
		return;
	free(ps->log_buf);
	ps->log_buf = NULL;
	ps->log_len = ps->log_cap = 0;
}

void printk_set_sink(printk_sink_fn fn, void *opaque)
{
	sink_fn = fn;
	sink_opaque = opaque;
}

void printk_set_console_level(int level)
{
	if (kstate)
		kstate->printk.console_level = level;
}
