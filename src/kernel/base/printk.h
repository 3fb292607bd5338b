/*
 * dmesg: a log buffer of lines stamped with virtual time, printed as
 * "[    0.000123] arm-smmu 2b400000.iommu: probing hardware configuration...".
 */
#ifndef LAB_KERNEL_PRINTK_H
#define LAB_KERNEL_PRINTK_H

#include "common/types.h"

enum { LOGLEVEL_CRIT = 2, LOGLEVEL_ERR = 3, LOGLEVEL_WARNING = 4, LOGLEVEL_NOTICE = 5,
       LOGLEVEL_INFO = 6, LOGLEVEL_DEBUG = 7 };

struct device;

void printk(int level, const char *fmt, ...) __printf(2, 3);
#define pr_err(...) printk(LOGLEVEL_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOGLEVEL_WARNING, __VA_ARGS__)
#define pr_notice(...) printk(LOGLEVEL_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOGLEVEL_INFO, __VA_ARGS__)
/*
 * Debug lines, as Linux with CONFIG_DYNAMIC_DEBUG: each call site is off
 * (nothing formatted, nothing stored) until a dynamic-debug query turns it
 * on: dyndbg="QUERY" or MODULE.dyndbg=FLAGS on the command line, or
 * `modprobe MODULE dyndbg=FLAGS`. A site's module is its file's base name
 * ("dd" for dd.c, "dma_copy" for dma_copy.c).
 */
#define pr_debug(...) __pr_debug(__FILE__, __func__, __VA_ARGS__)
void __pr_debug(const char *file, const char *func, const char *fmt, ...) __printf(3, 4);

/* "<driver or bus name> <device name>: message", as dev_printk does. */
void dev_printk(int level, const struct device *dev, const char *fmt, ...) __printf(3, 4);
#define dev_crit(d, ...) dev_printk(LOGLEVEL_CRIT, d, __VA_ARGS__)
#define dev_err(d, ...) dev_printk(LOGLEVEL_ERR, d, __VA_ARGS__)
#define dev_warn(d, ...) dev_printk(LOGLEVEL_WARNING, d, __VA_ARGS__)
#define dev_notice(d, ...) dev_printk(LOGLEVEL_NOTICE, d, __VA_ARGS__)
#define dev_info(d, ...) dev_printk(LOGLEVEL_INFO, d, __VA_ARGS__)
#define dev_dbg(d, ...) __dev_dbg(__FILE__, __func__, d, __VA_ARGS__)
void __dev_dbg(const char *file, const char *func, const struct device *dev, const char *fmt, ...)
	__printf(4, 5);

/* Runs a dynamic-debug query ("file dd.c +p; module dma_copy -p"): 0 or -EINVAL. */
int ddebug_exec_queries(const char *query);
/* MODULE.dyndbg=FLAGS: the flags for every site of @module. */
int ddebug_module_flags(const char *module, const char *flags);
/* At boot: dyndbg= and every MODULE.dyndbg= of the command line; all sites off first. */
void dynamic_debug_init(void);
void dynamic_debug_exit(void);

/* The whole log as text (lines with their timestamps); valid until the next printk. */
const char *dmesg_text(size_t *len);
void dmesg_clear(void);
/* Optional live echo of new lines (the shell's boot log, or nothing). */
typedef void (*printk_sink_fn)(void *opaque, int level, const char *line);
void printk_set_sink(printk_sink_fn fn, void *opaque);
/* Lines above this level are kept in dmesg but not echoed (default: INFO). */
void printk_set_console_level(int level);

#endif
