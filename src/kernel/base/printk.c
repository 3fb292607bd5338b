// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmesg: every line is stamped with the machine's virtual time. The buffer
 * is plain libc memory, outside kmalloc: logging must neither consume the
 * fail-the-Nth countdown nor fail itself, or error paths would change what
 * they log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/kernel.h"
#include "kernel/base/device.h"
#include "kernel/base/printk.h"

static char *log_buf;
static size_t log_len, log_cap;
static printk_sink_fn sink_fn;
static void *sink_opaque;
static int console_level = LOGLEVEL_INFO;

static void log_append(const char *s, size_t n)
{
	if (log_len + n + 1 > log_cap) {
		size_t cap = log_cap ? log_cap : 4096;
		while (cap < log_len + n + 1)
			cap *= 2;
		char *nb = realloc(log_buf, cap);
		if (!nb)
			return;
		log_buf = nb;
		log_cap = cap;
	}
	memcpy(log_buf + log_len, s, n);
	log_len += n;
	log_buf[log_len] = '\0';
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
		if (sink_fn && level <= console_level)
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

void dev_printk(int level, const struct device *dev, const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	if (dev)
		snprintf(prefix, sizeof(prefix), "%s %s: ", dev_driver_string(dev), dev_name(dev));
	else
		snprintf(prefix, sizeof(prefix), "(NULL device *): ");
	va_start(ap, fmt);
	vprintk_prefixed(level, prefix, fmt, ap);
	va_end(ap);
}

const char *dmesg_text(size_t *len)
{
	if (len)
		*len = log_len;
	return log_buf ? log_buf : "";
}

void dmesg_clear(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = log_cap = 0;
}

void printk_set_sink(printk_sink_fn fn, void *opaque)
{
	sink_fn = fn;
	sink_opaque = opaque;
}

void printk_set_console_level(int level)
{
	console_level = level;
}
