/*
 * Scenario files: a lab session written down as a person would type it.
 *
 *   #! platform ../../platforms/iommulab-virt.dts    (headers, optional)
 *   #! cmdline lab.module=dma-copy
 *   # a comment ends the expected output above it
 *   $ cat /sys/bus/platform/devices/a000000.dma/driver_override
 *   (null)
 *
 * "$ CMD" runs CMD; the lines after it, up to the next "$ " or "#" line,
 * are its expected output ("..." matches any number of lines; trailing
 * blank lines are ignored). A file without "$ " lines is a plain script:
 * one command per line, where only expect verbs check anything.
 */
#ifndef LAB_TOOLS_SCENARIO_H
#define LAB_TOOLS_SCENARIO_H

#include <stdio.h>
#include "shell.h"

struct scenario_item {
	int line;          /* 1-based line of the command */
	char *cmd;
	char *notes;       /* the "#" comment lines just above it, for --echo */
	char **expect;     /* expected output lines (session mode) */
	size_t nr_expect;
};

struct scenario {
	char *name;        /* the path as given, for reports */
	char *platform;    /* from "#! platform", made relative to the file's folder */
	char *cmdline;     /* from "#! cmdline" */
	bool session;      /* has "$ " lines */
	struct scenario_item *items;
	size_t nr_items;
};

/* Parses @text; returns 0, or -EINVAL with "NAME:LINE: reason" in @why. */
int scenario_parse(const char *name, const char *text, struct scenario *s,
		   char *why, size_t whylen);
void scenario_free(struct scenario *s);

/* Runs the items on @sh; returns the number of failed checks. */
enum { SCENARIO_ECHO = 1 };
int scenario_run(const struct scenario *s, struct shell *sh, unsigned flags, FILE *out);

/* Line matching with "..." wildcards, exposed for tests. */
bool scenario_match(char *const *want, size_t nw, char *const *got, size_t ng);

#endif
