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
#define pr_debug(...) printk(LOGLEVEL_DEBUG, __VA_ARGS__)

/* "<driver or bus name> <device name>: message", as dev_printk does. */
void dev_printk(int level, const struct device *dev, const char *fmt, ...) __printf(3, 4);
#define dev_crit(d, ...) dev_printk(LOGLEVEL_CRIT, d, __VA_ARGS__)
#define dev_err(d, ...) dev_printk(LOGLEVEL_ERR, d, __VA_ARGS__)
#define dev_warn(d, ...) dev_printk(LOGLEVEL_WARNING, d, __VA_ARGS__)
#define dev_notice(d, ...) dev_printk(LOGLEVEL_NOTICE, d, __VA_ARGS__)
#define dev_info(d, ...) dev_printk(LOGLEVEL_INFO, d, __VA_ARGS__)
#define dev_dbg(d, ...) dev_printk(LOGLEVEL_DEBUG, d, __VA_ARGS__)

/* The whole log as text (lines with their timestamps); valid until the next printk. */
const char *dmesg_text(size_t *len);
void dmesg_clear(void);
/* Optional live echo of new lines (the shell's boot log, or nothing). */
typedef void (*printk_sink_fn)(void *opaque, int level, const char *line);
void printk_set_sink(printk_sink_fn fn, void *opaque);
/* Lines above this level are kept in dmesg but not echoed (default: INFO). */
void printk_set_console_level(int level);

#endif
