/*
 * The kernel command line, split once at boot. Parameters are looked up
 * by name; the last occurrence wins. Code that consumes a parameter marks
 * it known so the boot log lists only the rest, as Linux's "Unknown kernel
 * command line parameters" line does. Dotted names (NAME.PARAM) belong to
 * modules and are never reported.
 */
#ifndef LAB_KERNEL_BASE_CMDLINE_H
#define LAB_KERNEL_BASE_CMDLINE_H

#include "common/types.h"

int cmdline_init(const char *cmdline);
void cmdline_exit(void);
/* The whole line as given ("" when none). */
const char *kernel_cmdline(void);
/* Value of NAME=VALUE, "" for a bare NAME, NULL if absent. */
const char *cmdline_get(const char *name);
size_t cmdline_count(void);
/* The i-th parameter: name and value (value NULL for a bare name). */
void cmdline_param(size_t i, const char **name, const char **value);
/* Logs the parameters nobody knows (call after every initcall). */
void cmdline_report_unknown(void);
/*
 * early_param (init/main.c do_early_param): @setup_func runs once for each
 * occurrence of @name, in command-line order, so the last one wins. It
 * gets the value (NULL for a bare name); a nonzero return logs Linux's
 * "Malformed early option" warning and the next occurrence still runs.
 * The parameter counts as known.
 */
void parse_early_param(const char *name, int (*setup_func)(const char *val));

#endif
